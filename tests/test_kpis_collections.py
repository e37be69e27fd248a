"""Tests of kpicore.kpis.collections: write-offs, lags, promises, credit limits, workload."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpicore.errors import InvalidParameterError, InvalidRecordError, MissingDataError
from kpicore.eventlog import EventLog
from kpicore.kpis.collections import (
    PROMISE_STATUS_LABELS_PT,
    cash_application_lag,
    collector_workload,
    credit_limit_utilisation,
    posting_lag,
    promise_kept_rate,
    write_off_ratio,
)
from kpicore.model import Customer, Dispute, Invoice, Payment, PromiseToPay
from kpicore.money import Money
from kpicore.periods import Period
from kpicore.synth import synth_customers, synth_event_columns, synth_invoices


def brl(x: str | int) -> Money:
    return Money.of(x, "BRL")


def usd(x: str | int) -> Money:
    return Money.of(x, "USD")


# --------------------------------------------------------------------------- write-offs

WO = [
    # BRL 100, 40 paid, written off in May: 60 written off
    Invoice("W-1", "C1", "2024-01-05", "2024-01-31", brl(100),
            payments=[Payment("2024-02-10", brl(40))], written_off_at="2024-05-01",
            collector="ana"),
    Invoice("W-2", "C2", "2024-01-20", "2024-02-20", brl(300), collector="bruno"),
    # USD 50 written off in full in February; a payment after the write-off is ignored
    Invoice("W-3", "C3", "2024-02-01", "2024-02-15", usd(50), written_off_at="2024-02-28",
            payments=[Payment("2024-03-10", usd(5))], collector="ana"),
    Invoice("W-4", "C3", "2024-02-10", "2024-03-10", usd(150)),
]  # fmt: skip


def test_write_off_ratio_hand_worked_per_currency() -> None:
    r = write_off_ratio(WO)
    assert (r.invoices, r.written_off, r.count_ratio) == (4, 2, 0.5)
    assert {k: str(v) for k, v in r.sales.items()} == {"BRL": "BRL 400.00", "USD": "USD 200.00"}
    assert {k: str(v) for k, v in r.written_off_amount.items()} == {
        "BRL": "BRL 60.00",
        "USD": "USD 50.00",
    }
    assert r.amount_ratio == {"BRL": 0.15, "USD": 0.25}  # 60/400, 50/200
    json.dumps(r.to_dict())


def test_write_off_ratio_as_of_and_periods() -> None:
    r = write_off_ratio(WO, as_of=date(2024, 3, 31))  # W-1 not written off yet
    assert (r.written_off, r.amount_ratio["BRL"]) == (1, 0.0)
    monthly = write_off_ratio(WO, freq="month").groups
    assert monthly is not None
    got = {str(k): (g.invoices, g.written_off, dict(g.amount_ratio)) for k, g in monthly.items()}
    assert got == {
        "2024-01": (2, 0, {"BRL": 0.0}),
        "2024-02": (2, 1, {"USD": 0.25}),  # USD 50 written off / USD 200 issued in Feb
        "2024-05": (0, 1, {"BRL": None}),  # a write-off in a month without sales
    }
    assert monthly[Period.month(2024, 5)].count_ratio is None
    by = write_off_ratio(WO, by="collector").groups
    assert by is not None
    assert {k: (g.invoices, g.written_off) for k, g in by.items()} == {
        "ana": (2, 2),
        "bruno": (1, 0),
        None: (1, 0),
    }


def test_write_off_ratio_zero_sales_and_missing_amounts() -> None:
    r = write_off_ratio(WO, as_of=date(2023, 12, 31))
    assert (r.invoices, r.count_ratio, dict(r.amount_ratio)) == (0, None, {})
    assert r.coverage["issued_after_as_of"] == 4
    log = EventLog.from_columns(
        case=["a", "a", "b"],
        activity=["Invoice Generated", "Invoice Written Off", "Invoice Generated"],
        timestamp=["2024-01-01T00:00Z", "2024-03-01T00:00Z", "2024-01-02T00:00Z"],
        case_attributes={"amount_minor": [1000, 1000, None], "currency": ["BRL"] * 3},
    )
    r2 = write_off_ratio(log)
    assert (r2.invoices, r2.written_off, r2.amount_ratio["BRL"]) == (2, 1, 1.0)
    assert r2.coverage["missing_amount"] == 1


# --------------------------------------------------------------------------- posting lag


def test_posting_lag_hand_worked() -> None:
    invs = [
        Invoice("P-1", "C1", "2024-01-01", "2024-01-31", brl(1), posted_at="2024-01-03T12:00:00Z"),
        Invoice("P-2", "C1", "2024-01-02", "2024-01-31", brl(1), posted_at="2024-01-02"),
        Invoice("P-3", "C1", "2024-01-05", "2024-01-31", brl(1)),
        Invoice("P-4", "C1", "2024-01-05", "2024-01-31", brl(1), posted_at="2024-01-04"),
        Invoice("P-5", "C1", "2024-02-05", "2024-02-28", brl(1), posted_at="2024-02-07"),
    ]
    r = posting_lag(invs, as_of=date(2024, 1, 31))
    assert r.summary.values.tolist() == [0.0, 2.5]  # P-2 same instant, P-1 2.5 days
    assert r.coverage == {
        "used": 2,
        "not_posted": 1,
        "posted_before_issue": 1,
        "issued_after_as_of": 1,
        "no_issue_event": 0,
    }
    monthly = posting_lag(invs, freq="month").groups
    assert monthly is not None
    assert {str(k): v.values.tolist() for k, v in monthly.items()} == {
        "2024-01": [0.0, 2.5],
        "2024-02": [2.0],
    }
    json.dumps(r.to_dict())


# --------------------------------------------------------------------------- cash application


def _receipts_log() -> EventLog:
    rows = [
        ("a", "Invoice Generated", "2024-01-01", None),
        ("a", "Payment Received", "2024-01-10", 3000),
        ("a", "Payment Received", "2024-01-12", 7000),
        ("a", "Payment Posted", "2024-01-13", 3000),
        ("a", "Payment Posted", "2024-01-15", 7000),
        ("b", "Invoice Generated", "2024-01-01", None),
        ("b", "Payment Posted", "2024-01-02", 500),  # posted before any receipt
        ("b", "Payment Received", "2024-01-05", 500),
    ]
    return EventLog.from_columns(
        case=[r[0] for r in rows],
        activity=[r[1] for r in rows],
        timestamp=[r[2] + "T00:00:00Z" for r in rows],
        attributes={"amount_minor": [r[3] for r in rows]},
        case_attributes={"currency": ["BRL"] * len(rows)},
    )


def test_cash_application_fifo() -> None:
    r = cash_application_lag(_receipts_log())
    # a: 10 Jan -> 13 Jan = 3, 12 Jan -> 15 Jan = 3; b: posting before the receipt
    assert r.lag.values.tolist() == [3.0, 3.0]
    assert (r.receipts, r.applied, r.rate) == (3, 2, 2 / 3)
    assert r.amount_rate == {"BRL": 10000 / 10500}
    assert r.coverage["unmatched_postings"] == 1
    assert r.coverage["not_posted"] == 1


def test_cash_application_episode_pairing() -> None:
    r = cash_application_lag(_receipts_log(), pairing="first")
    # a: 10 Jan -> 13 Jan = 3 (12 Jan absorbed), 15 Jan posting unmatched
    assert r.lag.values.tolist() == [3.0]
    assert r.coverage["repeated_receipts"] == 1
    assert r.coverage["unmatched_postings"] == 2
    last = cash_application_lag(_receipts_log(), pairing="last")
    assert last.lag.values.tolist() == [1.0]  # 12 Jan -> 13 Jan


def test_cash_application_objects_as_of_and_groups() -> None:
    invs = [
        Invoice("R-1", "C1", "2024-01-01", "2024-01-31", brl(100), collector="ana",
                payments=[Payment("2024-01-10", brl(30), posted_at="2024-01-11"),
                          Payment("2024-01-20", brl(70), posted_at="2024-02-02")]),
        Invoice("R-2", "C2", "2024-01-01", "2024-01-31", usd(10),
                payments=[Payment("2024-02-01", usd(10), posted_at="2024-02-01T06:00:00Z")]),
    ]  # fmt: skip
    r = cash_application_lag(invs, as_of=date(2024, 1, 31))
    assert (r.receipts, r.applied, r.lag.values.tolist()) == (2, 1, [1.0])
    assert r.amount_rate == {"BRL": 0.3}
    everything = cash_application_lag(invs, freq="month")
    assert everything.amount_rate == {"BRL": 1.0, "USD": 1.0}
    assert everything.groups is not None
    assert {str(k): v.lag.values.tolist() for k, v in everything.groups.items()} == {
        "2024-01": [1.0, 13.0],
        "2024-02": [0.25],
    }
    empty = cash_application_lag(invs, as_of=date(2024, 1, 1))
    assert (empty.receipts, empty.rate, dict(empty.amount_rate)) == (0, None, {})
    with pytest.raises(InvalidParameterError, match="pairing"):
        cash_application_lag(invs, pairing="lifo")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- promises

PROMISES = [
    # kept: paid on the promised date (18:00 UTC)
    Invoice("K-1", "C1", "2024-01-01", "2024-01-10", brl(10), collector="ana",
            promises=[PromiseToPay("2024-01-15", "2024-01-20", brl(10))],
            payments=[Payment("2024-01-20T18:00:00Z", brl(10))]),
    # broken: nothing paid by 20 Jan; a later payment does not keep it
    Invoice("K-2", "C1", "2024-01-01", "2024-01-10", brl(10),
            promises=[PromiseToPay("2024-01-15", "2024-01-20")],
            payments=[Payment("2024-01-22", brl(10))]),
    # pending at 31 Jan: promised for 5 Feb
    Invoice("K-3", "C1", "2024-01-01", "2024-01-10", brl(10),
            promises=[PromiseToPay("2024-01-25", "2024-02-05")]),
    # partial payment of a promised R$ 10 (kept unless the amount is required)
    Invoice("K-4", "C1", "2024-01-01", "2024-01-10", brl(10),
            promises=[PromiseToPay("2024-01-15", "2024-01-18", brl(10))],
            payments=[Payment("2024-01-16", brl(4))]),
]  # fmt: skip


def test_promise_statuses_hand_worked() -> None:
    r = promise_kept_rate(PROMISES, as_of=date(2024, 1, 31))
    assert (r.promises, r.kept, r.pending, r.broken) == (4, 2, 1, 1)
    assert r.kept_rate == 2 / 3
    assert PROMISE_STATUS_LABELS_PT["broken"] == "Quebrada"
    json.dumps(r.to_dict())


def test_promise_require_amount() -> None:
    r = promise_kept_rate(PROMISES, as_of=date(2024, 1, 31), require_amount=True)
    # K-4 paid 4 of 10: broken; K-2 has no amount: any payment (none in window): broken
    assert (r.kept, r.pending, r.broken) == (1, 1, 2)
    assert r.coverage["promises_without_amount"] == 2
    with pytest.raises(InvalidParameterError, match="require_amount"):
        promise_kept_rate(PROMISES, require_amount="yes")  # type: ignore[arg-type]


def test_promise_as_of_and_zero_decided() -> None:
    early = promise_kept_rate(PROMISES, as_of=date(2024, 1, 16))
    # K-4 kept by its payment on 16 Jan; K-1 and K-2 pending; K-3 made later
    assert (early.promises, early.kept, early.pending, early.broken) == (3, 1, 2, 0)
    assert early.coverage["promises_after_as_of"] == 1
    none_decided = promise_kept_rate(PROMISES[2:3], as_of=date(2024, 1, 31))
    assert (none_decided.pending, none_decided.kept_rate) == (1, None)


def test_promise_tz_calendar() -> None:
    sp = ZoneInfo("America/Sao_Paulo")
    # paid 21 Jan 01:00 UTC = 20 Jan 22:00 in São Paulo: late in UTC, on the date locally
    invs = [Invoice("T-1", "C1", "2024-01-01", "2024-01-10", brl(10),
                    promises=[PromiseToPay("2024-01-15", "2024-01-20")],
                    payments=[Payment("2024-01-21T01:00:00Z", brl(10))])]  # fmt: skip
    assert promise_kept_rate(invs, as_of=date(2024, 1, 31)).broken == 1
    assert promise_kept_rate(invs, as_of=date(2024, 1, 31), tz=sp).kept == 1


def test_promise_groups_by_promised_month_and_collector() -> None:
    r = promise_kept_rate(PROMISES, as_of=date(2024, 2, 29), freq="month", by="collector")
    assert r.groups is not None
    got = {(k[0], str(k[1])): (g.kept, g.broken, g.pending) for k, g in r.groups.items()}
    # K-3 (5 Feb) is broken by 29 Feb
    assert got == {("ana", "2024-01"): (1, 0, 0), (None, "2024-01"): (1, 1, 0),
                   (None, "2024-02"): (0, 1, 0)}  # fmt: skip


def test_promises_from_a_log_attribute_and_missing_attribute() -> None:
    cols: dict[str, Any] = {
        "case": ["a", "a", "a"],
        "activity": ["Invoice Generated", "Promise to Pay Created", "Payment Received"],
        "timestamp": ["2024-01-01T00:00Z", "2024-01-05T00:00Z", "2024-01-09T00:00Z"],
    }
    log = EventLog.from_columns(
        **cols,
        attributes={
            "promised_date": [None, "2024-01-08", None],
            "amount_minor": [None, None, 100],
        },
    )
    r = promise_kept_rate(log, as_of=date(2024, 1, 31))
    assert (r.kept, r.broken) == (0, 1)  # paid 9 Jan, promised 8 Jan
    dated = EventLog.from_columns(
        **cols, attributes={"promised_date": np.array(["NaT", "2024-01-09", "NaT"],
                                                      dtype="datetime64[D]")}
    )  # fmt: skip
    assert promise_kept_rate(dated, as_of=date(2024, 1, 31)).kept == 1
    undated = EventLog.from_columns(**cols)
    with pytest.raises(MissingDataError, match="promised_date"):
        promise_kept_rate(undated)
    partial = EventLog.from_columns(**cols, attributes={"promised_date": [None, None, None]})
    r2 = promise_kept_rate(partial, as_of=date(2024, 1, 31))
    assert (r2.promises, r2.coverage["missing_promised_date"]) == (0, 1)
    bad = EventLog.from_columns(**cols, attributes={"promised_date": [None, "amanhã", None]})
    with pytest.raises(InvalidRecordError) as err:
        promise_kept_rate(bad)
    assert err.value.record == "a"
    assert err.value.field == "promised_date"


def test_promises_take_one_path_for_invoices_and_logs() -> None:
    as_of = date(2024, 2, 29)
    # from_invoices writes the promised date, so the log alone gives the same answer
    log = EventLog.from_invoices(PROMISES)
    assert "promised_date" in log.attribute_names
    for kw in ({}, {"require_amount": True}, {"by": "collector", "freq": "month"}):
        a = promise_kept_rate(PROMISES, as_of=as_of, **kw)
        b = promise_kept_rate(log, as_of=as_of, **kw)
        assert a.to_dict() == b.to_dict()


def test_promises_of_synthetic_columns_and_invoices_agree() -> None:
    cols = synth_event_columns(1500, seed=4, promises=True)
    invs = synth_invoices(1500, seed=4, promises=True)
    log = EventLog.from_columns(cols.to_mapping(), attributes="all")
    a = promise_kept_rate(log, as_of=cols.as_of)
    b = promise_kept_rate(invs, as_of=cols.as_of)
    assert a.promises > 0
    assert a.to_dict() == b.to_dict()


# --------------------------------------------------------------------------- credit limits

CUSTOMERS = [
    Customer("C1", "Ana", segment="SMB", credit_limit=brl(100)),
    Customer("C2", "Bia", segment="Corp", credit_limit=brl(50)),
    Customer("C3", "Caio", segment="SMB"),  # no limit
    Customer("C4", "Duda", segment="Corp", credit_limit=usd(0)),  # zero limit
]

LIMIT_INVOICES = [
    Invoice("L-1", "C1", "2024-01-01", "2024-01-31", brl(80),
            payments=[Payment("2024-01-10", brl(20))]),  # open 60
    Invoice("L-2", "C2", "2024-01-01", "2024-01-31", brl(70)),  # open 70 > 50
    Invoice("L-3", "C2", "2024-01-01", "2024-01-31", usd(5)),  # another currency
    Invoice("L-4", "C3", "2024-01-01", "2024-01-31", brl(5)),  # no limit
    Invoice("L-5", "C9", "2024-01-01", "2024-01-31", brl(5)),  # unknown customer
    Invoice("L-6", "C4", "2024-01-01", "2024-01-31", usd(1)),  # zero limit: breach
    Invoice("L-7", "C1", "2024-03-01", "2024-03-31", brl(30)),  # issued later
]  # fmt: skip


def test_credit_limit_utilisation_hand_worked() -> None:
    r = credit_limit_utilisation(LIMIT_INVOICES, customers=CUSTOMERS, as_of=date(2024, 1, 31))
    assert r.customer_ids.tolist() == ["C1", "C2", "C4"]
    assert r.open_minor.tolist() == [6000, 7000, 100]
    assert r.utilisation[:2].tolist() == [0.6, 1.4]
    assert np.isnan(r.utilisation[2])
    assert r.breach.tolist() == [False, True, True]
    assert (r.customers, r.breaches, r.breach_rate) == (3, 2, 2 / 3)
    assert r.utilisation_summary.values.tolist() == [0.6, 1.4]
    assert r.utilisation_summary.missing == 1
    assert r.utilisation_summary.unit == "ratio"
    assert {k: str(v) for k, v in r.open_total.items()} == {"BRL": "BRL 130.00", "USD": "USD 1.00"}
    assert r.coverage == {
        "customers": 4,
        "with_credit_limit": 3,
        "without_credit_limit": 1,
        "zero_limit": 1,
        "open_invoices": 6,
        "open_invoices_unknown_customer": 1,
        "open_invoices_without_limit": 1,
        "open_invoices_other_currency": 1,
        "open_invoices_missing_customer": 0,
    }
    row = r.row("C2")
    assert (str(row["headroom"]), row["utilisation"], row["breach"]) == ("BRL -20.00", 1.4, True)
    assert r.row("C4")["utilisation"] is None
    with pytest.raises(MissingDataError, match="C3"):
        r.row("C3")
    json.dumps(r.to_dict())


def test_credit_limit_as_of_by_segment_and_mapping() -> None:
    later = credit_limit_utilisation(
        LIMIT_INVOICES, customers={c.id: c for c in CUSTOMERS}, by="segment"
    )
    assert later.open_minor.tolist()[0] == 9000  # L-7 now issued
    assert later.groups is not None
    assert {k: (g.customers, g.breaches) for k, g in later.groups.items()} == {
        "Corp": (2, 2),
        "SMB": (1, 0),
    }


def test_credit_limit_validation() -> None:
    log = EventLog.from_columns(case=["a"], activity=["Invoice Generated"],
                                timestamp=["2024-01-01T00:00Z"])  # fmt: skip
    with pytest.raises(MissingDataError, match="customer_id"):
        credit_limit_utilisation(log, customers=CUSTOMERS)
    with pytest.raises(InvalidRecordError) as err:
        credit_limit_utilisation(LIMIT_INVOICES, customers=[CUSTOMERS[0], CUSTOMERS[0]])
    assert err.value.record == "C1"
    assert err.value.field == "id"
    with pytest.raises(InvalidRecordError, match="customers"):
        credit_limit_utilisation(LIMIT_INVOICES, customers=["C1"])  # type: ignore[list-item]
    none = credit_limit_utilisation(LIMIT_INVOICES, customers=[])
    assert (none.customers, none.breach_rate, none.utilisation_summary.count) == (0, None, 0)


# --------------------------------------------------------------------------- workload

WORK = [
    Invoice("X-1", "C1", "2024-01-01", "2024-01-10", brl(100), collector="ana",
            payments=[Payment("2024-01-05", brl(30))]),  # open 70, overdue
    Invoice("X-2", "C2", "2024-01-01", "2024-02-10", brl(50), collector="ana",
            disputes=[Dispute("2024-01-15")]),  # open, not due, disputed
    Invoice("X-3", "C3", "2024-01-01", "2024-01-10", brl(10), collector="bruno",
            payments=[Payment("2024-01-09", brl(10))]),  # paid
    Invoice("X-4", "C3", "2024-01-01", "2024-01-10", usd(20)),  # no collector, overdue
]  # fmt: skip


def test_collector_workload_hand_worked() -> None:
    w = collector_workload(WORK, as_of=date(2024, 1, 31))
    assert w.groups is not None
    assert list(w.groups) == ["ana", None]
    ana = w.groups["ana"]
    assert (ana.open_invoices, ana.overdue_invoices, ana.disputed_invoices, ana.customers) == (
        2,
        1,
        1,
        2,
    )
    assert {k: str(v) for k, v in ana.open_amount.items()} == {"BRL": "BRL 120.00"}
    assert {k: str(v) for k, v in ana.overdue_amount.items()} == {"BRL": "BRL 70.00"}
    t = w.total
    assert (t.open_invoices, t.overdue_invoices) == (3, 2)
    assert {k: str(v) for k, v in t.open_amount.items()} == {
        "BRL": "BRL 120.00",
        "USD": "USD 20.00",
    }
    assert w.coverage["unassigned"] == 1
    assert w.coverage["closed"] == 1
    json.dumps(w.to_dict())


def test_collector_workload_options() -> None:
    total_only = collector_workload(WORK, as_of=date(2024, 1, 31), by=None)
    assert total_only.groups is None
    assert total_only.total.open_invoices == 3
    by_due = collector_workload(WORK, as_of=date(2024, 1, 31), by=None, freq="month")
    assert by_due.groups is not None
    assert {str(k): g.open_invoices for k, g in by_due.groups.items()} == {
        "2024-01": 2,
        "2024-02": 1,
    }
    # as_of None: horizon = last event (15 Jan dispute): X-2 not yet due
    assert collector_workload(WORK).total.overdue_invoices == 2
    early = collector_workload(WORK, as_of=date(2024, 1, 4))
    assert (early.total.open_invoices, early.total.overdue_invoices) == (4, 0)


# --------------------------------------------------------------------------- properties


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**16))
def test_shuffled_log_gives_the_same_results(seed: int) -> None:
    cols = synth_event_columns(200, seed=21, promises=True)
    base = EventLog.from_columns(cols.to_mapping(), attributes="all", order="lifecycle_rank")
    mixed = cols.shuffled(seed=seed).to_mapping()
    shuffled = EventLog.from_columns(mixed, attributes="all", order="lifecycle_rank")
    as_of = date(2024, 10, 31)
    cases: list[tuple[Callable[..., Any], dict[str, Any]]] = [
        (write_off_ratio, {"freq": "month"}),
        (posting_lag, {"by": "collector"}),
        (cash_application_lag, {"freq": "quarter"}),
        (collector_workload, {}),
    ]
    for fn, kw in cases:
        a = fn(base, as_of=as_of, **kw)
        b = fn(shuffled, as_of=as_of, **kw)
        assert a.to_dict() == b.to_dict()


def test_object_path_equals_log_path() -> None:
    invs = synth_invoices(300, seed=8)
    custs = synth_customers(30, seed=8)
    log = EventLog.from_invoices(invs)
    as_of = date(2024, 11, 30)
    cases: list[tuple[Callable[..., Any], dict[str, Any]]] = [
        (write_off_ratio, {"by": "collector", "freq": "quarter"}),
        (posting_lag, {"freq": "month"}),
        (cash_application_lag, {"by": "currency"}),
        (collector_workload, {}),
        (credit_limit_utilisation, {"customers": custs, "by": "segment"}),
    ]
    for fn, kw in cases:
        a = fn(invs, as_of=as_of, **kw)
        b = fn(log, as_of=as_of, **kw)
        assert a.to_dict() == b.to_dict()


def test_promises_objects_vs_model_truth() -> None:
    invs = synth_invoices(400, seed=9)
    as_of = date(2024, 12, 31)
    r = promise_kept_rate(invs, as_of=as_of)
    # independent oracle: a payment received in [created, end of promised date)
    kept = broken = pending = 0
    for i in invs:
        for p in i.promises:
            end = p.promised_date.toordinal()
            hit = any(
                p.created_at <= pay.received_at and pay.received_at.date().toordinal() <= end
                for pay in i.payments
            )
            if hit:
                kept += 1
            elif end < as_of.toordinal():
                broken += 1
            else:
                pending += 1
    assert (r.kept, r.broken, r.pending) == (kept, broken, pending)
    assert r.promises > 0


def test_collector_workload_tz_due_date() -> None:
    sp = ZoneInfo("America/Sao_Paulo")
    # on the due date itself (day 0) nothing is overdue
    assert collector_workload(WORK, as_of=date(2024, 1, 10)).total.overdue_invoices == 0
    # 11 Jan 01:00 UTC is 10 Jan 22:00 in São Paulo: still the due date there
    later = collector_workload(WORK, as_of=datetime(2024, 1, 11, 1, tzinfo=UTC))
    later_sp = collector_workload(WORK, as_of=datetime(2024, 1, 11, 1, tzinfo=UTC), tz=sp)
    assert (later.total.overdue_invoices, later_sp.total.overdue_invoices) == (2, 0)
