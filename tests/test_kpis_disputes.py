"""Tests of kpicore.kpis.disputes: episodes, resolution time, open disputes, rate, DSO split."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import invoice_strategy

from kpicore.errors import InvalidParameterError, UnknownActivityError
from kpicore.eventlog import EventLog
from kpicore.kpis._ledger import Roles, ledger
from kpicore.kpis.disputes import (
    dispute_episodes,
    dispute_rate,
    dispute_resolution,
    dso_by_dispute,
    open_disputes,
)
from kpicore.model import Customer, Dispute, Invoice, Payment
from kpicore.money import Money
from kpicore.periods import Period, to_ns
from kpicore.sketch import QuantileSketch
from kpicore.summary import Summary
from kpicore.synth import synth_event_columns, synth_invoices

REG, RES = "Dispute Registered", "Dispute Resolved"


def _values(stat: Summary | QuantileSketch) -> list[float]:
    """The sorted values of a single-machine result's summary (always an exact Summary)."""
    assert isinstance(stat, Summary)
    values: list[float] = stat.values.tolist()
    return values


def brl(x: str | int) -> Money:
    return Money.of(x, "BRL")


def day(d: int, month: int = 1) -> str:
    return f"2024-{month:02d}-{d:02d}T00:00:00Z"


# F-1: two disputes (3 days, then 9 days); F-2: one dispute, open until 5 Mar;
# F-3: never disputed; F-4 (USD): one open dispute, partially paid.
INVOICES = [
    Invoice("F-1", "C1", "2024-02-01", "2024-03-01", brl(100), collector="ana",
            disputes=[Dispute("2024-02-02", "valor", resolved_at="2024-02-05"),
                      Dispute("2024-02-10", "serviço", resolved_at="2024-02-19")],
            payments=[Payment("2024-02-25", brl(100))]),
    Invoice("F-2", "C2", "2024-02-01", "2024-03-01", brl(50), collector="bruno",
            disputes=[Dispute("2024-02-12", "valor", resolved_at="2024-03-05")]),
    Invoice("F-3", "C2", "2024-02-03", "2024-03-03", brl(70), collector="ana",
            payments=[Payment("2024-02-13", brl(70))]),
    Invoice("F-4", "C3", "2024-02-20", "2024-03-20", Money.of(40, "USD"), collector="ana",
            disputes=[Dispute("2024-02-21", "serviço")],
            payments=[Payment("2024-02-22", Money.of(15, "USD"))]),
]  # fmt: skip


def log_of(rows: list[tuple[str, str, str]], **kw: object) -> EventLog:
    return EventLog.from_columns(
        case=[r[0] for r in rows],
        activity=[r[1] for r in rows],
        timestamp=[r[2] for r in rows],
        **kw,  # type: ignore[arg-type]
    )


# --------------------------------------------------------------------------- episodes


def test_episodes_two_disputes_per_invoice_and_open_at_as_of() -> None:
    ep = dispute_episodes(INVOICES, as_of=date(2024, 2, 29))
    assert ep.case_ids.tolist() == ["F-1", "F-1", "F-2", "F-4"]
    # F-1: 2 Feb -> 5 Feb = 3 d, 10 Feb -> 19 Feb = 9 d; F-2 resolved 5 Mar (after as_of)
    assert ep.days[:2].tolist() == [3.0, 9.0]
    assert math.isnan(ep.days[2])
    assert math.isnan(ep.days[3])
    assert ep.is_open.tolist() == [False, False, True, True]
    assert ep.reason.tolist() == ["valor", "serviço", "valor", "serviço"]
    assert str(ep.resolved_at[2]) == "NaT"
    assert ep.coverage == {
        "resolved": 2,
        "open": 2,
        "repeated_registrations": 0,
        "unmatched_resolutions": 0,
        "events_after_as_of": 1,  # F-2's resolution on 5 Mar
    }
    json.dumps(ep.to_dict())


def test_registration_after_as_of_is_not_known() -> None:
    ep = dispute_episodes(INVOICES, as_of=date(2024, 2, 11))
    # known: F-1's two registrations and first resolution; F-2 (12 Feb) and F-4 not yet
    assert ep.case_ids.tolist() == ["F-1", "F-1"]
    assert ep.is_open.tolist() == [False, True]
    assert ep.coverage["events_after_as_of"] == 1 + 2 + 1  # F-1 res, F-2 reg+res, F-4 reg


INTERLEAVED = [
    ("a", REG, day(1)),
    ("a", REG, day(2)),
    ("a", RES, day(4)),
    ("a", REG, day(10)),
    ("a", RES, day(11)),
]


@pytest.mark.parametrize(
    ("pairing", "days", "open_", "repeated"),
    [
        # queue: S(4) closes R(1) = 3; S(11) closes R(2) = 9; R(10) open
        ("fifo", [3.0, 9.0], 1, 0),
        # episodes: R(1)..S(4) = 3 (R(2) absorbed), R(10)..S(11) = 1
        ("first", [3.0, 1.0], 0, 1),
        # the registration directly before each resolution: R(2)..S(4) = 2, R(10)..S(11) = 1
        ("last", [2.0, 1.0], 0, 1),
    ],
)
def test_pairings(pairing: str, days: list[float], open_: int, repeated: int) -> None:
    r = dispute_resolution(log_of(INTERLEAVED), pairing=pairing)  # type: ignore[arg-type]
    assert _values(r.summary) == sorted(days)
    assert (r.open, r.coverage["repeated_registrations"]) == (open_, repeated)
    assert r.pairing == pairing


def test_episode_pairings_match_eventlog_pairs_on_the_docs_example() -> None:
    log = log_of(INTERLEAVED)
    for match in ("first", "last"):
        p = log.pairs(REG, RES, match=match)
        ep = dispute_episodes(log, pairing=match)
        assert ep.days[~ep.is_open].tolist() == p.days.tolist()


def test_unmatched_resolution_and_same_instant_tie() -> None:
    # b: a resolution with nothing open, then a registration and a resolution at the same
    # instant given resolution-first: the tie is ordered registration-first (0 days)
    log = log_of([("b", RES, day(1)), ("b", RES, day(5)), ("b", REG, day(5))])
    for pairing in ("fifo", "first", "last"):
        ep = dispute_episodes(log, pairing=pairing)
        assert ep.days.tolist() == [0.0]
        assert ep.coverage["unmatched_resolutions"] == 1


def test_resolution_summary_hand_worked() -> None:
    r = dispute_resolution(INVOICES, as_of=date(2024, 3, 31))
    # resolved: 3, 9 (F-1) and 12 Feb -> 5 Mar = 22 (F-2); open: F-4
    assert _values(r.summary) == [3.0, 9.0, 22.0]
    assert r.summary.mean == pytest.approx(34 / 3)
    assert r.summary.median == 9.0
    assert (r.resolved, r.open, r.summary.missing) == (3, 1, 1)


def test_resolution_by_reason_collector_and_period() -> None:
    r = dispute_resolution(INVOICES, as_of=date(2024, 3, 31), by="reason")
    assert r.groups is not None
    assert {k: _values(g.summary) for k, g in r.groups.items()} == {
        "serviço": [9.0],
        "valor": [3.0, 22.0],
    }
    assert r.groups["serviço"].open == 1
    by_coll = dispute_resolution(INVOICES, as_of=date(2024, 3, 31), by="collector").groups
    assert by_coll is not None
    assert {k: (g.resolved, g.open) for k, g in by_coll.items()} == {
        "ana": (2, 1),
        "bruno": (1, 0),
    }
    weekly = dispute_resolution(INVOICES, as_of=date(2024, 3, 31), freq="week").groups
    assert weekly is not None
    # registrations: 2 Feb (W05), 10 Feb (W06), 12 Feb (W07), 21 Feb (W08)
    assert [str(k) for k in weekly] == ["2024-W05", "2024-W06", "2024-W07", "2024-W08"]
    both = dispute_resolution(INVOICES, by="reason", freq="month").groups
    assert both is not None
    assert set(both) == {("serviço", Period.month(2024, 2)), ("valor", Period.month(2024, 2))}


def test_resolution_by_customer_attribute() -> None:
    custs = [
        Customer("C1", "Ana", segment="SMB"),
        Customer("C2", "Bia", segment="Enterprise"),
        Customer("C3", "Caio", segment="SMB"),
    ]
    g = dispute_resolution(INVOICES, by="segment", customers=custs).groups
    assert g is not None
    assert {k: v.summary.count for k, v in g.items()} == {"Enterprise": 1, "SMB": 2}


def test_no_dispute_gives_empty_summary() -> None:
    r = dispute_resolution([INVOICES[2]])
    assert (r.resolved, r.open, r.summary.count, r.summary.mean) == (0, 0, 0, None)
    empty = dispute_resolution(INVOICES, as_of=date(2024, 1, 1))
    assert empty.summary.count == 0
    assert empty.coverage["events_after_as_of"] == 7


def test_log_without_reason_attribute_has_none_reasons() -> None:
    ep = dispute_episodes(log_of(INTERLEAVED))
    assert ep.reason.tolist() == [None, None, None]


def test_portuguese_labels_and_custom_roles() -> None:
    log = log_of([("a", "Disputa Registrada", day(1)), ("a", "Disputa Resolvida", day(3))])
    assert _values(dispute_resolution(log).summary) == [2.0]
    custom = log_of([("a", "Contestação", day(1)), ("a", "Contestação encerrada", day(4))])
    roles = Roles(dispute_registered="Contestação", dispute_resolved="Contestação encerrada")
    assert _values(dispute_resolution(custom, roles=roles).summary) == [3.0]


# --------------------------------------------------------------------------- open disputes


def test_open_disputes_ages_and_amounts_per_currency() -> None:
    r = open_disputes(INVOICES, as_of=date(2024, 2, 29))
    # end of 29 Feb = 1 Mar 00:00: F-2 registered 12 Feb (18 d), F-4 21 Feb (9 d)
    assert sorted(r.age.values.tolist()) == [9.0, 18.0]
    assert (r.count, r.invoices) == (2, 2)
    # open amounts: F-2 BRL 50 (unpaid), F-4 USD 40 - 15 = 25
    assert {k: str(v) for k, v in r.amount.items()} == {"BRL": "BRL 50.00", "USD": "USD 25.00"}
    assert r.coverage["on_closed_invoices"] == 0
    assert r.coverage["resolved"] == 2
    json.dumps(r.to_dict())


def test_open_dispute_on_a_paid_invoice_is_counted_and_flagged() -> None:
    inv = Invoice(
        "F-9",
        "C1",
        "2024-02-01",
        "2024-03-01",
        brl(10),
        payments=[Payment("2024-02-03", brl(10))],
        disputes=[Dispute("2024-02-05", "juros"), Dispute("2024-02-06", "juros")],
    )
    r = open_disputes([inv], as_of=date(2024, 2, 10))
    assert (r.count, r.invoices, r.coverage["on_closed_invoices"]) == (2, 1, 2)
    assert r.amount == {"BRL": Money(0, "BRL")}  # paid: nothing open


def test_open_disputes_groups() -> None:
    r = open_disputes(INVOICES, as_of=date(2024, 2, 29), by="reason", freq="month")
    assert r.groups is not None
    assert {(k[0], str(k[1])): g.count for k, g in r.groups.items()} == {
        ("serviço", "2024-02"): 1,
        ("valor", "2024-02"): 1,
    }
    none_open = open_disputes([INVOICES[2]], as_of=date(2024, 2, 29))
    assert (none_open.count, none_open.age.mean, dict(none_open.amount)) == (0, None, {})


def test_open_disputes_as_of_datetime_and_tz() -> None:
    sp = ZoneInfo("America/Sao_Paulo")
    # a date in São Paulo ends at 03:00 UTC the next day
    r = open_disputes(INVOICES, as_of=date(2024, 2, 29), tz=sp)
    assert sorted(r.age.values.tolist()) == [9.125, 18.125]
    moment = datetime(2024, 2, 22, 12, tzinfo=UTC)
    r2 = open_disputes(INVOICES, as_of=moment)
    assert sorted(r2.age.values.tolist()) == [1.5, 10.5]


# --------------------------------------------------------------------------- dispute rate


def test_dispute_rate_hand_worked() -> None:
    r = dispute_rate(INVOICES)
    assert (r.invoices, r.disputed, r.rate) == (4, 3, 0.75)
    # as of 11 Feb: F-4 not issued yet; F-2 disputed only on 12 Feb
    early = dispute_rate(INVOICES, as_of=date(2024, 2, 11))
    assert (early.invoices, early.disputed) == (3, 1)
    assert early.coverage == {
        "used": 3,
        "issued_after_as_of": 1,
        "no_issue_event": 0,
        "disputes_on_cases_not_counted": 0,
    }


def test_dispute_rate_zero_invoices_is_none() -> None:
    r = dispute_rate(INVOICES, as_of=date(2024, 1, 1))
    assert (r.invoices, r.disputed, r.rate) == (0, 0, None)
    assert r.coverage["issued_after_as_of"] == 4


def test_dispute_rate_counts_disputes_of_cases_without_issue_event() -> None:
    log = log_of([("x", REG, day(2)), ("y", "Invoice Generated", day(1))])
    r = dispute_rate(log)
    assert (r.invoices, r.disputed, r.rate) == (1, 0, 0.0)
    assert r.coverage["disputes_on_cases_not_counted"] == 1
    assert r.coverage["no_issue_event"] == 1


def test_dispute_rate_groups() -> None:
    g = dispute_rate(INVOICES, by="collector").groups
    assert g is not None
    assert {k: (v.invoices, v.disputed) for k, v in g.items()} == {"ana": (3, 2), "bruno": (1, 1)}
    cohorts = dispute_rate(INVOICES, freq="month").groups
    assert cohorts is not None
    assert list(cohorts) == [Period.month(2024, 2)]
    reasons = dispute_rate(INVOICES, by="reason").groups
    assert reasons is not None
    # first dispute's reason; F-3 undisputed falls in None
    assert {k: v.invoices for k, v in reasons.items()} == {"serviço": 1, "valor": 2, None: 1}


# --------------------------------------------------------------------------- DSO split


def test_dso_by_dispute_calls_the_event_log_dso() -> None:
    r = dso_by_dispute(INVOICES, until="settlement")
    assert r.groups is not None
    # disputed and settled: F-1 (1 Feb -> 25 Feb = 24 d); undisputed: F-3 (3 -> 13 Feb = 10 d)
    assert r.groups["disputed"].values.tolist() == [24.0]
    assert r.groups["not_disputed"].values.tolist() == [10.0]
    assert r.groups["disputed"].missing == 2  # F-2 and F-4 not settled
    # as of 5 Feb no dispute of F-2 (12 Feb) is known: F-2 counts as not disputed
    early = dso_by_dispute(INVOICES, as_of=date(2024, 2, 5))
    assert early.groups is not None
    assert early.groups["not_disputed"].missing == 2


# --------------------------------------------------------------------------- validation


def test_validation() -> None:
    with pytest.raises(InvalidParameterError, match="pairing"):
        dispute_resolution(INVOICES, pairing="nearest")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="roles"):
        dispute_resolution(INVOICES, roles="Dispute")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="share an activity"):
        dispute_resolution(INVOICES, roles=Roles(dispute_resolved=REG))
    with pytest.raises(InvalidParameterError, match="percentile"):
        dispute_resolution(INVOICES, percentiles=[150])
    with pytest.raises(InvalidParameterError, match="freq"):
        dispute_rate(INVOICES, freq="fortnight")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="by="):
        dispute_rate(INVOICES, by="shoe_size")
    with pytest.raises(UnknownActivityError, match="Contestação"):
        dispute_resolution(INVOICES, roles=Roles(dispute_registered="Contestação"))
    with pytest.raises(InvalidParameterError):
        dispute_resolution("F-1")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- properties


@settings(max_examples=40, deadline=None)
@given(st.lists(invoice_strategy(), max_size=6, unique_by=lambda i: i.number), st.data())
def test_fifo_open_count_matches_the_model(invoices: list[Invoice], data: st.DataObject) -> None:
    as_of = data.draw(st.dates(date(2020, 1, 1), date(2027, 6, 30)))
    ep = dispute_episodes(invoices, as_of=as_of)
    truth = sum(d.is_open(as_of) for inv in invoices for d in inv.disputes)
    assert int(ep.is_open.sum()) == truth
    assert ep.coverage["unmatched_resolutions"] == 0
    # ... and equal to the ledger's open dispute count
    assert int(ledger(invoices, as_of=as_of).open_disputes.sum()) == truth


@settings(max_examples=40, deadline=None)
@given(st.lists(invoice_strategy(), max_size=6, unique_by=lambda i: i.number))
def test_fifo_total_resolution_time_is_exact_when_all_resolved(invoices: list[Invoice]) -> None:
    done = [i for i in invoices if all(d.resolved_at is not None for d in i.disputes)]
    ep = dispute_episodes(done)
    got = int((ep.resolved_at.view(np.int64) - ep.registered_at.view(np.int64)).sum())
    truth = sum(
        to_ns(d.resolved_at) - to_ns(d.registered_at)
        for i in done
        for d in i.disputes
        if d.resolved_at is not None
    )
    assert got == truth
    assert not ep.is_open.any()


_EVENTS = st.lists(
    st.tuples(st.sampled_from("ab"), st.sampled_from([REG, RES, "Payment Received"]),
              st.integers(0, 6)),
    min_size=1, max_size=14,
)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(_EVENTS, st.sampled_from(["first", "last"]))
def test_episode_pairings_equal_eventlog_pairs(
    rows: list[tuple[str, str, int]], match: str
) -> None:
    log = log_of([(c, a, day(d + 1)) for c, a, d in rows])
    p = log.pairs(REG, RES, match=match)  # type: ignore[arg-type]
    ep = dispute_episodes(log, pairing=match)  # type: ignore[arg-type]
    closed = ~ep.is_open
    assert ep.days[closed].tolist() == p.days.tolist()
    assert ep.case_ids[closed].tolist() == p.case_ids.tolist()
    assert int(ep.is_open.sum()) == p.unmatched_starts
    assert ep.coverage["repeated_registrations"] == p.repeated_starts
    assert ep.coverage["unmatched_resolutions"] == p.unmatched_ends


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**16), st.sampled_from(["fifo", "first", "last"]))
def test_shuffled_log_gives_the_same_result(seed: int, pairing: str) -> None:
    cols = synth_event_columns(150, seed=3)
    base = EventLog.from_columns(cols.to_mapping(), attributes="all", order="lifecycle_rank")
    mixed = cols.shuffled(seed=seed)
    shuffled = EventLog.from_columns(mixed.to_mapping(), attributes="all", order="lifecycle_rank")
    kw = {"as_of": date(2024, 9, 30), "pairing": pairing, "by": "reason"}
    assert dispute_resolution(base, **kw).to_dict() == dispute_resolution(shuffled, **kw).to_dict()  # type: ignore[arg-type]
    assert dispute_rate(base).to_dict() == dispute_rate(shuffled).to_dict()


def test_object_path_equals_log_path() -> None:
    invs = synth_invoices(200, seed=5)
    log = EventLog.from_invoices(invs)
    for fn in (dispute_resolution, dispute_rate):
        for by in (None, "collector", "reason"):
            a = fn(invs, as_of=date(2024, 10, 31), by=by, freq="quarter")
            b = fn(log, as_of=date(2024, 10, 31), by=by, freq="quarter")
            assert a.to_dict() == b.to_dict()
    a2 = open_disputes(invs, as_of=date(2024, 10, 31), by="collector")
    assert a2.to_dict() == open_disputes(log, as_of=date(2024, 10, 31), by="collector").to_dict()
