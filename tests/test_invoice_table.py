"""``EventLog.from_invoice_table``: one row per invoice, column-wise, into the same log
as :meth:`EventLog.from_invoices` over the equivalent Invoice objects.

The independent values: the object path (Invoice objects built row by row), the IBM
file's own DaysToSettle / DaysLate columns, and small tables worked out by hand.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import dask
import dask.dataframe
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from kpicore.errors import (
    InvalidParameterError,
    InvalidRecordError,
    MissingDataError,
    NaiveDatetimeError,
)
from kpicore.eventlog import EventLog
from kpicore.kpis.disputes import dispute_rate
from kpicore.kpis.dso import standard_dso
from kpicore.kpis.overdue import aging, days_late, days_to_settle
from kpicore.model import Dispute, Invoice, Payment
from kpicore.money import Money

DD: Any = dask.dataframe
DATA = Path(__file__).parents[1] / "examples" / "data" / "ibm-accounts-receivable.csv"
DATES = ["InvoiceDate", "DueDate", "SettledDate"]
IBM: dict[str, Any] = {
    "invoice": "invoiceNumber",
    "customer": "customerID",
    "issued": "InvoiceDate",
    "due": "DueDate",
    "amount": "InvoiceAmount",
    "currency_code": "USD",
    "settled": "SettledDate",
    "disputed": "disputed",
}


def _date(text: str) -> dt.date:
    month, day, year = (int(p) for p in text.split("/"))
    return dt.date(year, month, day)


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with DATA.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def reference(rows: list[dict[str, str]]) -> EventLog:
    """The object path: one Invoice per row (each settled in one payment)."""
    invoices = []
    for r in rows:
        issued, settled = _date(r["InvoiceDate"]), _date(r["SettledDate"])
        amount = Money.of(Decimal(r["InvoiceAmount"]), "USD")
        disputes = [Dispute(issued, resolved_at=settled)] if r["Disputed"] == "Yes" else []
        invoices.append(
            Invoice(r["invoiceNumber"], r["customerID"], issued, _date(r["DueDate"]), amount,
                    payments=[Payment(settled, amount)], disputes=disputes)
        )  # fmt: skip
    return EventLog.from_invoices(invoices)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    df = pd.read_csv(DATA, parse_dates=DATES, date_format="%m/%d/%Y", dtype={"invoiceNumber": str})
    df["disputed"] = df["Disputed"].eq("Yes")
    return df


def _same(log: EventLog, ref: EventLog) -> None:
    assert log.case_ids.tolist() == ref.case_ids.tolist()
    assert log.activities == ref.activities
    assert np.array_equal(log.case_codes, ref.case_codes)
    assert np.array_equal(log.activity_codes, ref.activity_codes)
    assert np.array_equal(log.timestamps, ref.timestamps)
    assert np.array_equal(
        log.event_attribute("amount_minor"), ref.event_attribute("amount_minor"), equal_nan=True
    )
    for name in ("customer_id", "due_date", "amount_minor", "currency"):
        assert log.case_attribute(name).tolist() == ref.case_attribute(name).tolist(), name


def _kinds(df: pd.DataFrame) -> dict[str, Any]:
    return {
        "pandas": df,
        "pandas_arrow": df.convert_dtypes(dtype_backend="pyarrow"),
        "polars": pl.from_pandas(df),
        "polars_lazy": pl.from_pandas(df).lazy(),
        "arrow": pa.Table.from_pandas(df, preserve_index=False),
        "mapping": {str(k): df[k].to_numpy() for k in df.columns},
    }


@pytest.mark.parametrize(
    "kind", ["pandas", "pandas_arrow", "polars", "polars_lazy", "arrow", "mapping"]
)
def test_ibm_table_equals_the_object_path(
    kind: str, frame: pd.DataFrame, reference: EventLog
) -> None:
    log = EventLog.from_invoice_table(_kinds(frame)[kind], **IBM)
    _same(log, reference)


def test_ibm_table_reproduces_the_files_own_days(frame: pd.DataFrame, reference: EventLog) -> None:
    log = EventLog.from_invoice_table(frame, **IBM)
    by_number = frame.set_index("invoiceNumber").loc[log.case_ids.tolist()]
    assert days_to_settle(log).days.tolist() == by_number["DaysToSettle"].astype(float).tolist()
    assert days_late(log).days.tolist() == by_number["DaysLate"].astype(float).tolist()
    as_of = dt.date(2013, 6, 30)
    assert aging(log, as_of=as_of).to_dict() == aging(reference, as_of=as_of).to_dict()
    assert dispute_rate(log).to_dict() == dispute_rate(reference).to_dict()
    assert (
        standard_dso(log, as_of=as_of, months=3).to_dict()
        == standard_dso(reference, as_of=as_of, months=3).to_dict()
    )


def test_rows_in_any_order_give_the_same_log(frame: pd.DataFrame, reference: EventLog) -> None:
    shuffled = frame.sample(frac=1.0, random_state=3).reset_index(drop=True)
    _same(EventLog.from_invoice_table(shuffled, **IBM), reference)
    _same(EventLog.from_invoice_table(frame.iloc[::-1], **IBM), reference)


def test_dask_frame_of_invoices(frame: pd.DataFrame, reference: EventLog) -> None:
    with dask.config.set(scheduler="synchronous"):
        log = EventLog.from_invoice_table(DD.from_pandas(frame, npartitions=3), **IBM)
        _same(log, reference)
        doubled = DD.from_pandas(pd.concat([frame, frame.iloc[:1]]), npartitions=2, sort=False)
        with pytest.raises(InvalidRecordError, match="unique invoice number"):
            EventLog.from_invoice_table(doubled, **IBM)


def _small() -> dict[str, Any]:
    """Hand-worked: A paid in full, B paid in part (no settlement), C open and disputed,
    D written off; amounts in BRL (2 decimals) and JPY (0 decimals)."""
    return {
        "no": ["B", "A", "C", "D"],
        "issued": np.array(["2024-01-02", "2024-01-01", "2024-01-03", "2024-01-04"],
                           dtype="datetime64[D]"),
        "amount": ["10.50", "99.99", "700", "5"],
        "cur": ["BRL", "BRL", "JPY", "BRL"],
        "settled": np.array(["2024-01-20", "2024-01-11", "NaT", "NaT"], dtype="datetime64[D]"),
        "paid": [5.25, None, None, None],
        "opened": np.array(["NaT", "NaT", "2024-01-05", "NaT"], dtype="datetime64[D]"),
        "off": np.array(["NaT", "NaT", "NaT", "2024-03-01"], dtype="datetime64[D]"),
        "segment": ["SMB", "Corp", "SMB", None],
    }  # fmt: skip


def test_hand_worked_table() -> None:
    log = EventLog.from_invoice_table(
        _small(), invoice="no", issued="issued", amount="amount", currency="cur",
        settled="settled", paid_amount="paid", dispute_opened="opened", written_off="off",
        case_attributes=["segment"],
    )  # fmt: skip
    assert log.case_ids.tolist() == ["A", "B", "C", "D"]
    acts = log.activities
    seq = [[acts[a] for a in log.activity_codes[log.case_codes == c]] for c in range(4)]
    assert seq == [
        ["Invoice Generated", "Payment Received", "Invoice Settled"],
        ["Invoice Generated", "Payment Received"],  # 5.25 of 10.50: not settled
        ["Invoice Generated", "Dispute Registered"],  # open: the dispute stays open
        ["Invoice Generated", "Invoice Written Off"],
    ]
    assert log.case_attribute("amount_minor").tolist() == [9999, 1050, 700, 500]
    assert log.case_attribute("currency").tolist() == ["BRL", "BRL", "JPY", "BRL"]
    assert log.case_attribute("segment").tolist() == ["Corp", "SMB", "SMB", None]
    amounts = log.event_attribute("amount_minor")
    assert amounts[[0, 1, 3, 4, 5]].tolist() == [9999.0, 9999.0, 1050.0, 525.0, 700.0]
    assert np.isnan(amounts[2])  # Invoice Settled carries no amount
    day = 86_400_000_000_000
    base = int(np.datetime64("2024-01-01", "ns").astype(np.int64))
    assert log.timestamps[:3].tolist() == [base, base + 10 * day, base + 10 * day]


def test_amount_minor_and_integer_ids() -> None:
    log = EventLog.from_invoice_table(
        {"n": [30, 4], "d": ["2024-01-01", "2024-01-02"], "m": [1000, 250]},
        invoice="n", issued="d", amount_minor="m", currency_code="EUR",
    )  # fmt: skip
    assert log.case_ids.tolist() == [4, 30]
    assert log.case_attribute("amount_minor").tolist() == [250, 1000]


def test_invalid_tables_are_reported_by_row_and_field() -> None:
    base = _small()
    args: dict[str, Any] = {"invoice": "no", "issued": "issued", "amount": "amount",
                            "currency": "cur"}  # fmt: skip
    dup = dict(base, no=["A", "B", "A", "D"])
    with pytest.raises(InvalidRecordError, match=r"record 'A' \(row 2\).*also at row 0"):
        EventLog.from_invoice_table(dup, **args)
    fine = dict(base, amount=["10.505", "1", "1", "1"])
    with pytest.raises(InvalidRecordError, match=r"row 0.*'amount'.*at most 2 decimals"):
        EventLog.from_invoice_table(fine, **args)
    yen = dict(base, amount=["1", "1", "1.5", "1"])
    with pytest.raises(InvalidRecordError, match=r"row 2.*at most 0 decimals"):
        EventLog.from_invoice_table(yen, **args)
    with pytest.raises(InvalidRecordError, match=r"row 1.*'cur' = 'XXZ'.*ISO 4217"):
        EventLog.from_invoice_table(dict(base, cur=["BRL", "XXZ", "JPY", "BRL"]), **args)
    with pytest.raises(InvalidParameterError, match="exactly one of amount"):
        EventLog.from_invoice_table(base, **args, amount_minor="amount")
    with pytest.raises(InvalidParameterError, match="exactly one of currency"):
        EventLog.from_invoice_table(base, **args, currency_code="BRL")
    with pytest.raises(MissingDataError, match="'nope'"):
        EventLog.from_invoice_table(base, **dict(args, issued="nope"))
    with pytest.raises(InvalidParameterError, match=r"booleans.*eq\('Yes'\)"):
        EventLog.from_invoice_table(dict(base, flag=["Yes", "No", "No", "No"]), **args,
                                    disputed="flag")  # fmt: skip
    with pytest.raises(InvalidParameterError, match=r"got builtins\.list"):
        EventLog.from_invoice_table([1, 2], **args)


def test_null_required_fields_raise_or_are_counted() -> None:
    table = dict(_small(), no=["B", None, "C", "D"], cur=["BRL", "BRL", None, "BRL"])
    args: dict[str, Any] = {"invoice": "no", "issued": "issued", "amount": "amount",
                            "currency": "cur"}  # fmt: skip
    with pytest.raises(InvalidRecordError, match=r"row 1: field 'no' = None"):
        EventLog.from_invoice_table(table, **args)
    log = EventLog.from_invoice_table(table, **args, on_invalid="drop")
    assert log.case_ids.tolist() == ["B", "D"]
    assert log.dropped.rows == 2
    assert dict(log.dropped.by_field) == {"no": 1, "cur": 1}
    assert dict(log.dropped.examples) == {"no": (1,), "cur": (2,)}


def test_naive_dates_with_a_time_of_day_need_a_zone() -> None:
    stamps = pd.Series(pd.to_datetime(["2024-01-01 00:00", "2024-01-02 09:30"]))
    table = pd.DataFrame({"n": ["A", "B"], "t": stamps, "a": [1.0, 2.0]})
    args: dict[str, Any] = {"invoice": "n", "issued": "t", "amount": "a", "currency_code": "BRL"}
    with pytest.raises(NaiveDatetimeError, match=r"row 1.*'t'"):
        EventLog.from_invoice_table(table, **args)
    log = EventLog.from_invoice_table(table, **args, tz=dt.UTC)
    assert log.timestamps.tolist()[1] - log.timestamps.tolist()[0] == (33 * 60 + 30) * 60 * 10**9
