"""Tests of kpicore.kpis.case_table: the template's per-invoice case attributes."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from kpicore.errors import InvalidParameterError, InvalidRecordError, MissingDataError
from kpicore.eventlog import EventLog
from kpicore.kpis.case_table import CASE_TABLE_COLUMNS, CASE_TABLE_COLUMNS_PT, case_table
from kpicore.kpis.dso import invoice_dso
from kpicore.kpis.overdue import days_overdue
from kpicore.model import Customer, Dispute, DunningLetter, Invoice, Payment
from kpicore.money import Money
from kpicore.synth import synth_customers, synth_event_columns, synth_invoices

CUSTOMERS = [
    Customer("C1", "Ana Lima", segment="Residencial", country="BR",
             credit_limit=Money.of(500, "BRL")),
    Customer("C2", "Acme Inc.", segment="Empresarial", country="US"),
]  # fmt: skip

INVOICES = [
    # paid on 21 Mar after a dispute of 10 days and one letter
    Invoice("F-1", "C1", "2024-03-01", "2024-03-10", Money.of("99.90", "BRL"),
            collector="ana", source_system="IXC",
            payments=[Payment("2024-03-21", Money.of("99.90", "BRL"))],
            disputes=[Dispute("2024-03-05", "valor", resolved_at="2024-03-15"),
                      Dispute("2024-03-16", "serviço")],
            dunning_letters=[DunningLetter(1, "2024-03-15")]),
    # open, partially paid, 21 days overdue on 31 Mar, two letters
    Invoice("F-2", "C2", "2024-03-01", "2024-03-10", Money.of(1000, "USD"),
            payments=[Payment("2024-03-12", Money.of(400, "USD"))],
            dunning_letters=[DunningLetter(1, "2024-03-15"), DunningLetter(2, "2024-03-25")]),
    # issued after as_of
    Invoice("F-3", "C9", "2024-04-02", "2024-04-30", Money.of(5, "JPY")),
]  # fmt: skip

AS_OF = date(2024, 3, 31)


def test_columns_and_pandas() -> None:
    t = case_table(INVOICES, customers=CUSTOMERS, as_of=AS_OF)
    assert list(t.columns) == list(CASE_TABLE_COLUMNS)
    df = pd.DataFrame(t.columns)
    assert df.shape == (3, len(CASE_TABLE_COLUMNS))
    assert df["InvoiceNumber"].tolist() == ["F-1", "F-2", "F-3"]
    assert set(CASE_TABLE_COLUMNS_PT) == set(CASE_TABLE_COLUMNS)
    assert len(t) == 3
    assert not t.columns["DaysOverdue"].flags.writeable


def test_rows_hand_worked() -> None:
    t = case_table(INVOICES, customers=CUSTOMERS, as_of=AS_OF)
    f1 = t.row("F-1")
    assert f1 == {
        "InvoiceNumber": "F-1",
        "CustomerName": "Ana Lima",
        "CustomerSegment": "Residencial",
        "Country": "BR",
        "CollectorAssigned": "ana",
        "PaymentDueDate": date(2024, 3, 10),
        "InvoiceAmount": Decimal("99.90"),
        "CurrencyCode": "BRL",
        "InvoiceStatus": "paid",
        "DunningLevel": 1,
        "DaysOverdue": 0.0,  # paid
        "DaysSalesOutstanding": 20.0,  # 1 -> 21 Mar
        "IsDisputed": True,
        "DisputeReason": "valor",  # the first dispute
        "DisputeResolutionTime": 10.0,  # 5 -> 15 Mar
        "CreditLimit": Decimal("500.00"),
        "CreditLimitCurrency": "BRL",
        "SourceSystem": "IXC",
        "LastDataUpdate": datetime(2024, 3, 21, tzinfo=UTC),
    }
    f2 = t.row("F-2")
    assert f2["InvoiceStatus"] == "partially_paid"
    assert (f2["DaysOverdue"], f2["DunningLevel"], f2["DaysSalesOutstanding"]) == (21.0, 2, None)
    assert (f2["IsDisputed"], f2["DisputeReason"], f2["DisputeResolutionTime"]) == (
        False,
        None,
        None,
    )
    assert (f2["CreditLimit"], f2["Country"]) == (None, "US")
    assert f2["InvoiceAmount"] == Decimal("1000.00")
    f3 = t.row("F-3")
    assert (f3["InvoiceStatus"], f3["DaysOverdue"], f3["LastDataUpdate"]) == (
        "not_issued",
        None,
        None,
    )
    assert f3["InvoiceAmount"] == Decimal("5")  # JPY has no minor unit
    assert t.coverage == {"rows": 3, "issued": 2, "not_issued": 1, "unknown_customer": 1}
    assert len(t.rows()) == 3
    assert t.rows()[0] == f1
    json.dumps(t.to_dict())
    with pytest.raises(MissingDataError, match="F-9"):
        t.row("F-9")


def test_as_of_changes_the_state() -> None:
    t = case_table(INVOICES, as_of=date(2024, 3, 14))
    f1 = t.row("F-1")
    # dispute open, not paid, 4 days overdue, no letter yet
    assert (f1["InvoiceStatus"], f1["DaysOverdue"], f1["DunningLevel"]) == ("disputed", 4.0, 0)
    assert (f1["IsDisputed"], f1["DisputeResolutionTime"]) == (True, None)
    # without customers: the invoice log has no customer names
    assert f1["CustomerName"] is None
    assert f1["CreditLimit"] is None


def test_values_are_those_of_the_kpi_functions() -> None:
    invs = synth_invoices(150, seed=4)
    as_of = date(2024, 10, 31)
    t = case_table(invs, as_of=as_of)
    over = days_overdue(invs, as_of=as_of)
    dso = invoice_dso(invs, as_of=as_of, until="settlement")
    pos = np.searchsorted(t.case_ids, over.case_ids)
    assert np.array_equal(t.columns["DaysOverdue"][pos], over.days, equal_nan=True)
    pos = np.searchsorted(t.case_ids, dso.case_ids)
    assert np.array_equal(t.columns["DaysSalesOutstanding"][pos], dso.days, equal_nan=True)
    by_number = {i.number: i for i in invs}
    for row in t.rows():
        i = by_number[row["InvoiceNumber"]]
        issued = i.issued_at.date() <= as_of
        assert row["InvoiceStatus"] == (i.status(as_of).value if issued else "not_issued")
        assert row["DunningLevel"] == i.dunning_level(as_of)
        assert row["InvoiceAmount"] == i.amount.amount
        assert row["IsDisputed"] == any(d.registered_at.date() <= as_of for d in i.disputes)


def test_log_case_attributes_fill_the_customer_columns() -> None:
    cols = synth_event_columns(20, seed=6)
    log = EventLog.from_columns(cols.to_mapping(), attributes="all", order="lifecycle_rank")
    t = case_table(log, as_of=date(2024, 12, 31))
    assert t.columns["CustomerSegment"].tolist() == cols.segment.tolist()
    assert t.columns["Country"].tolist() == cols.country.tolist()
    assert all(v is None for v in t.columns["CustomerName"].tolist())
    custs = synth_customers(cols.n_customers, seed=6)
    named = case_table(log, customers=custs, as_of=date(2024, 12, 31))
    assert named.columns["CustomerSegment"].tolist() == cols.segment.tolist()
    assert all(isinstance(v, str) for v in named.columns["CustomerName"].tolist())
    assert not math.isnan(float(np.nanmax(named.columns["DaysSalesOutstanding"])))


def test_validation() -> None:
    with pytest.raises(InvalidParameterError, match="as_of"):
        case_table(INVOICES, as_of=None)  # type: ignore[arg-type]
    with pytest.raises(InvalidRecordError, match="customers"):
        case_table(INVOICES, customers=["C1"], as_of=AS_OF)  # type: ignore[list-item]
    with pytest.raises(InvalidParameterError, match="pairing"):
        case_table(INVOICES, as_of=AS_OF, pairing="x")  # type: ignore[arg-type]


def test_shuffled_log_gives_the_same_table() -> None:
    cols = synth_event_columns(120, seed=12, promises=True)
    base = EventLog.from_columns(cols.to_mapping(), attributes="all", order="lifecycle_rank")
    mixed = cols.shuffled(seed=3).to_mapping()
    shuffled = EventLog.from_columns(mixed, attributes="all", order="lifecycle_rank")
    a = case_table(base, as_of=date(2024, 9, 30)).to_dict()
    assert a == case_table(shuffled, as_of=date(2024, 9, 30)).to_dict()


def test_to_pandas_is_numeric_exact_and_time_zone_aware() -> None:
    custs = [Customer("C1", "Ana Lima", credit_limit=Money.of(500, "BRL"))]
    invs = [
        Invoice(
            "F-1",
            "C1",
            "2024-03-01",
            "2024-03-10",
            Money.of("99.90", "BRL"),
            payments=[Payment("2024-03-21T13:30:00Z", Money.of("99.90", "BRL"))],
        ),
        Invoice("F-2", "C9", "2024-03-02", "2024-03-12", Money.of("1234.56", "BRL")),
    ]
    table = case_table(invs, customers=custs, as_of=date(2024, 3, 31))
    assert table.tables[0] == "invoices"
    df = table.to_pandas()
    # exact minor units beside a float for plotting; no Decimal objects in the frame
    assert df["InvoiceAmount_minor"].tolist() == [9990, 123456]
    assert df["InvoiceAmount"].tolist() == [99.9, 1234.56]
    assert df["CreditLimit_minor"].tolist()[0] == 50000
    assert pd.isna(df["CreditLimit"].iloc[1])  # unknown customer: no limit
    assert not any(isinstance(v, Decimal) for col in df.columns for v in df[col].tolist())
    # the last event keeps its instant and its zone (UTC)
    assert df["LastDataUpdate"].iloc[0] == pd.Timestamp("2024-03-21T13:30:00Z")
    assert str(df["LastDataUpdate"].dt.tz) == "UTC"
    assert df["InvoiceNumber"].tolist() == ["F-1", "F-2"]
