"""Tests of kpicore.kpis.promises: promise performance, contacts and recovery per dunning level."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from kpicore.blocks import merge_results
from kpicore.errors import InvalidParameterError
from kpicore.eventlog import EventLog
from kpicore.kpis.collections import promise_kept_rate
from kpicore.kpis.promises import (
    contact_performance,
    promise_performance,
    recovery_by_dunning_level,
)
from kpicore.model import DunningLetter, Invoice, Payment, PromiseToPay
from kpicore.money import Money
from kpicore.synth import synth_invoices

D = dt.date


def _brl(x: int | str) -> Money:
    return Money.of(x, "BRL")


PROMISE_INVOICES = [
    # kept: promised 60 by 20 Jan, paid 80 on 18 Jan -> kept amount 60 (capped)
    Invoice("F-1", "C1", "2024-01-01", "2024-01-10", _brl(100),
            promises=[PromiseToPay("2024-01-15", "2024-01-20", _brl(60))],
            payments=[Payment("2024-01-18", _brl(80))]),
    # broken on 20 Jan -> 11 days old on 31 Jan ("8-15")
    Invoice("F-2", "C1", "2024-01-01", "2024-01-10", _brl(50),
            promises=[PromiseToPay("2024-01-15", "2024-01-20", _brl(50))]),
    # broken on 2 Jan -> 29 days ("16-30"); no amount
    Invoice("F-3", "C2", "2023-12-20", "2023-12-30", _brl(40),
            promises=[PromiseToPay("2023-12-31", "2024-01-02")]),
    # pending (date 5 Feb)
    Invoice("F-4", "C2", "2024-01-01", "2024-01-10", Money.of(70, "USD"),
            promises=[PromiseToPay("2024-01-25", "2024-02-05", Money.of(70, "USD"))]),
    # kept without an amount: paid 15 in the window
    Invoice("F-5", "C2", "2024-01-01", "2024-01-10", _brl(15),
            promises=[PromiseToPay("2024-01-11", "2024-01-12")],
            payments=[Payment("2024-01-12T10:00:00Z", _brl(15))]),
]  # fmt: skip


def test_promise_performance_hand_worked() -> None:
    r = promise_performance(PROMISE_INVOICES, as_of=D(2024, 1, 31))
    t = r.total
    assert (t.promises, t.kept, t.pending, t.broken) == (5, 2, 1, 2)
    assert t.kept_rate == 0.5
    assert dict(t.promised_amount) == {"BRL": _brl(110), "USD": Money.of(70, "USD")}
    assert dict(t.kept_amount) == {"BRL": _brl(75)}  # 60 (capped) + 15
    assert dict(t.broken_by_age) == {"1-7": 0, "8-15": 1, "16-30": 1, "30+": 0}
    assert r.coverage["promises_without_amount"] == 2
    # the same statuses as promise_kept_rate (one shared definition)
    k = promise_kept_rate(PROMISE_INVOICES, as_of=D(2024, 1, 31))
    assert (k.kept, k.pending, k.broken) == (t.kept, t.pending, t.broken)
    wide = promise_performance(PROMISE_INVOICES, as_of=D(2024, 3, 31), age_buckets=[30])
    assert dict(wide.total.broken_by_age) == {"1-30": 0, "30+": 3}  # 71, 89, 55 days


def test_promise_performance_groups_and_merge() -> None:
    r = promise_performance(PROMISE_INVOICES, as_of=D(2024, 1, 31), by="customer_id")
    assert r.groups is not None
    assert {k: (g.kept, g.broken) for k, g in r.groups.items()} == {"C1": (1, 1), "C2": (1, 1)}
    a = promise_performance(PROMISE_INVOICES[:2], as_of=D(2024, 1, 31), by="customer_id")
    b = promise_performance(PROMISE_INVOICES[2:], as_of=D(2024, 1, 31), by="customer_id")
    assert a.merge(b) == r
    assert merge_results(a, b) == r


def test_promise_performance_merge_on_synthetic_data() -> None:
    invs = synth_invoices(300, seed=11)
    d = D(2024, 12, 31)
    whole = promise_performance(invs, as_of=d, freq="month")
    parts = promise_performance(invs[:140], as_of=d, freq="month").merge(
        promise_performance(invs[140:], as_of=d, freq="month")
    )
    assert parts == whole
    assert whole.total.promises == sum(len(i.promises) for i in invs)


def _contact_log() -> EventLog:
    rows = [
        ("F-1", "Invoice Generated", "2024-01-01", None),
        ("F-1", "Collection Activity Logged", "2024-01-12", "no_answer"),
        ("F-1", "Collection Activity Logged", "2024-01-13", "RIGHT_PARTY"),
        ("F-1", "Promise to Pay Created", "2024-01-13", None),
        ("F-1", "Invoice Settled", "2024-01-20", None),
        ("F-1", "Collection Activity Logged", "2024-01-25", "right_party"),  # after settling
        ("F-2", "Invoice Generated", "2024-01-01", None),
        ("F-2", "Collection Activity Logged", "2024-01-12", "rpc"),
        ("F-2", "Collection Activity Logged", "2024-02-03", "wrong_number"),
        ("F-2", "Promise to Pay Created", "2024-02-04", None),  # after a non-RPC contact
        ("F-3", "Invoice Generated", "2024-01-01", None),
        ("F-3", "Collection Activity Logged", "2024-02-02", None),
        ("F-3", "Invoice Settled", "2024-02-10", None),
    ]
    return EventLog.from_columns(
        case=[r[0] for r in rows],
        activity=[r[1] for r in rows],
        timestamp=np.array([r[2] for r in rows], dtype="datetime64[ns]"),
        attributes={"contact_outcome": [r[3] for r in rows]},
    )


def test_contact_performance_hand_worked() -> None:
    log = _contact_log()
    r = contact_performance(log, as_of=D(2024, 2, 28))
    t = r.total
    assert (t.contacts, t.right_party) == (6, 3)
    assert t.rpc_rate == 0.5
    assert t.promises == 1  # F-1's promise follows its RPC; F-2's follows a wrong number
    assert t.promises_per_rpc == 1 / 3
    # recovered: F-1 (2 contacts before settling) and F-3 (1)
    assert (t.recovered_invoices, t.contacts_on_recovered) == (2, 3)
    assert t.contacts_per_recovered == 1.5
    assert r.coverage["contacts_without_outcome"] == 1
    # as of 15 Jan nothing is settled yet
    early = contact_performance(log, as_of=D(2024, 1, 15)).total
    assert (early.contacts, early.recovered_invoices, early.contacts_per_recovered) == (3, 0, None)
    assert contact_performance(log, as_of=D(2024, 1, 15)).coverage["contacts_after_as_of"] == 3


def test_contact_performance_by_month_and_merge() -> None:
    log = _contact_log()
    r = contact_performance(log, as_of=D(2024, 2, 28), freq="month")
    assert r.groups is not None
    got = {str(k): (g.contacts, g.right_party, g.recovered_invoices) for k, g in r.groups.items()}
    assert got == {"2024-01": (4, 3, 1), "2024-02": (2, 0, 1)}
    a = contact_performance(log.filter_cases(["F-1"]), as_of=D(2024, 2, 28), freq="month")
    b = contact_performance(log.filter_cases(["F-2", "F-3"]), as_of=D(2024, 2, 28), freq="month")
    assert a.merge(b) == r


def test_contact_performance_options() -> None:
    log = _contact_log()
    t = contact_performance(log, as_of=D(2024, 2, 28), right_party=["no_answer"]).total
    assert t.right_party == 1
    invs = synth_invoices(10, seed=1)
    assert contact_performance(invs).total.contacts == 0  # objects carry no contact events
    with pytest.raises(InvalidParameterError):
        contact_performance(log, right_party=[""])


def test_recovery_by_dunning_level() -> None:
    invs = [
        Invoice("F-1", "C1", "2024-01-01", "2024-01-10", _brl(100),
                dunning_letters=[DunningLetter(1, "2024-01-15"), DunningLetter(2, "2024-01-25")],
                payments=[Payment("2024-01-05", _brl(10)), Payment("2024-01-15", _brl(30)),
                          Payment("2024-01-28", _brl(60))]),
        Invoice("F-2", "C2", "2024-01-01", "2024-01-10", Money.of(20, "USD"),
                dunning_letters=[DunningLetter(1, "2024-01-15")],
                payments=[Payment("2024-01-20", Money.of(20, "USD"))]),
        Invoice("F-3", "C2", "2024-01-01", "2024-01-10", _brl(5),
                payments=[Payment("2024-02-20", _brl(5))]),
    ]  # fmt: skip
    r = recovery_by_dunning_level(invs, as_of=D(2024, 2, 10))
    t = r.total
    assert dict(t.payments) == {0: 1, 1: 2, 2: 1}  # a payment on the letter's instant: level 1
    assert dict(t.invoices) == {0: 1, 1: 2, 2: 1}
    assert {k: dict(v) for k, v in t.amount.items()} == {
        0: {"BRL": _brl(10)},
        1: {"BRL": _brl(30), "USD": Money.of(20, "USD")},
        2: {"BRL": _brl(60)},
    }
    assert r.coverage["payments_after_as_of"] == 1
    whole = recovery_by_dunning_level(invs, by="customer_id")
    merged = recovery_by_dunning_level(invs[:1], by="customer_id").merge(
        recovery_by_dunning_level(invs[1:], by="customer_id")
    )
    assert merged == whole


def test_recovery_partitions_the_payments() -> None:
    invs = synth_invoices(300, seed=9)
    r = recovery_by_dunning_level(invs)
    assert sum(r.total.payments.values()) == sum(len(i.payments) for i in invs)
    brl = sum(p.amount.minor for i in invs for p in i.payments if p.amount.currency == "BRL")
    assert sum(v["BRL"].minor for v in r.total.amount.values() if "BRL" in v) == brl
    # by hand: the level of each payment is the max level of the letters at or before it
    expected: dict[int, int] = {}
    for inv in invs:
        for p in inv.payments:
            lv = max((d.level for d in inv.dunning_letters if d.sent_at <= p.received_at),
                     default=0)  # fmt: skip
            expected[lv] = expected.get(lv, 0) + 1
    assert dict(r.total.payments) == dict(sorted(expected.items()))


def test_dask_map_reduce_merges() -> None:
    from kpicore.dask import map_reduce

    invs = synth_invoices(200, seed=6)
    log = EventLog.from_invoices(invs)
    parts = [log.filter_cases(log.case_ids[:90]), log.filter_cases(log.case_ids[90:])]
    d = D(2024, 12, 31)
    got = map_reduce(parts, lambda p: promise_performance(p, as_of=d, freq="quarter"))
    assert got == promise_performance(log, as_of=d, freq="quarter")
    rec = map_reduce(parts, lambda p: recovery_by_dunning_level(p, as_of=d))
    assert rec == recovery_by_dunning_level(log, as_of=d)


def test_bad_parameters() -> None:
    with pytest.raises(InvalidParameterError, match="age_buckets"):
        promise_performance(PROMISE_INVOICES, age_buckets=[15, 7])
    with pytest.raises(InvalidParameterError, match="require_amount"):
        promise_performance(PROMISE_INVOICES, require_amount=1)  # type: ignore[arg-type]
