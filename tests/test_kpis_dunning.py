"""Tests of kpicore.kpis.dunning: rate, effectiveness, schedules and adherence, levels."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kpicore.errors import InvalidParameterError, InvalidRecordError
from kpicore.eventlog import EventLog
from kpicore.kpis.dunning import (
    DUNNING_PRESETS,
    DunningSchedule,
    DunningStep,
    dunning_adherence,
    dunning_effectiveness,
    dunning_levels,
    dunning_rate,
    isp_typical_schedule,
    rgc_2014_schedule,
    rgc_2023_schedule,
)
from kpicore.model import Customer, DunningLetter, Invoice, Payment
from kpicore.money import Money
from kpicore.periods import Period
from kpicore.sketch import QuantileSketch
from kpicore.summary import Summary
from kpicore.synth import synth_event_columns, synth_invoices

LETTER = "Collection Letter Generated"


def _values(stat: Summary | QuantileSketch) -> list[float]:
    """The sorted values of a single-machine result's summary (always an exact Summary)."""
    assert isinstance(stat, Summary)
    values: list[float] = stat.values.tolist()
    return values


def brl(x: str | int) -> Money:
    return Money.of(x, "BRL")


def inv(
    number: str,
    due: str = "2024-01-10",
    *,
    amount: Money | None = None,
    letters: list[tuple[int, str]] = (),  # type: ignore[assignment]
    payments: list[tuple[str, int]] = (),  # type: ignore[assignment]
    issued: str = "2024-01-01",
    written_off_at: str | None = None,
    collector: str | None = None,
    customer: str = "C1",
) -> Invoice:
    return Invoice(
        number, customer, issued, due, amount or brl(10),
        dunning_letters=[DunningLetter(lv, at) for lv, at in letters],
        payments=[Payment(at, brl(x)) for at, x in payments],
        written_off_at=written_off_at, collector=collector,
    )  # fmt: skip


# --------------------------------------------------------------------------- dunning rate

# All due 10 Jan (overdue from 11 Jan 00:00 UTC).
RATE = [
    inv("F-1", payments=[("2024-01-09", 10)]),  # paid on time: never overdue
    inv("F-2", letters=[(1, "2024-01-15"), (2, "2024-02-25")], collector="ana"),  # open
    inv("F-3", payments=[("2024-02-09", 10)]),  # overdue 11 Jan - 9 Feb, no letter
    inv("F-4", due="2024-01-31", letters=[(1, "2024-01-20")]),  # reminder before due, paid
    inv("F-5", issued="2024-04-01", due="2024-04-10"),  # issued after the as_of below
]
RATE[3] = inv("F-4", due="2024-01-31", letters=[(1, "2024-01-20")], payments=[("2024-01-25", 10)])


def test_dunning_rate_hand_worked() -> None:
    r = dunning_rate(RATE, as_of=date(2024, 3, 31))
    # overdue: F-2, F-3; dunned: F-2 (2 letters)
    assert (r.overdue, r.dunned, r.rate, r.letters, r.letters_per_overdue) == (2, 1, 0.5, 2, 1.0)
    assert r.coverage == {
        "used": 2,
        "not_overdue": 2,  # F-1, F-4
        "missing_due_date": 0,
        "issued_after_as_of": 1,  # F-5
        "no_issue_event": 0,
        "letters_to_invoices_not_overdue": 1,  # F-4's reminder
        "letters_after_as_of": 0,
    }
    json.dumps(r.to_dict())


def test_dunning_rate_by_month_period_window() -> None:
    r = dunning_rate(RATE, as_of=date(2024, 3, 31), freq="month")
    assert r.groups is not None
    got = {str(k): (g.overdue, g.dunned, g.letters) for k, g in r.groups.items()}
    # Jan: F-2 (letter 15 Jan), F-3; Feb: F-2 (letter 25 Feb), F-3 (until 9 Feb); Mar: F-2
    assert got == {"2024-01": (2, 1, 1), "2024-02": (2, 1, 1), "2024-03": (1, 0, 0)}
    assert r.groups[Period.month(2024, 3)].rate == 0.0
    assert r.groups[Period.month(2024, 1)].letters_per_overdue == 0.5


def test_dunning_rate_by_month_to_date_window() -> None:
    r = dunning_rate(RATE, as_of=date(2024, 3, 31), freq="month", letters_window="to_date")
    assert r.groups is not None
    got = {str(k): (g.overdue, g.dunned, g.letters) for k, g in r.groups.items()}
    # March: F-2 has 2 letters by the end of March
    assert got == {"2024-01": (2, 1, 1), "2024-02": (2, 1, 2), "2024-03": (1, 1, 2)}
    assert r.letters_window == "to_date"


def test_dunning_rate_zero_overdue_and_by() -> None:
    r = dunning_rate(RATE, as_of=date(2024, 1, 10))  # nothing overdue yet
    assert (r.overdue, r.rate, r.letters_per_overdue) == (0, None, None)
    g = dunning_rate(RATE, as_of=date(2024, 3, 31), by="collector").groups
    assert g is not None
    assert {k: (v.overdue, v.dunned) for k, v in g.items()} == {"ana": (1, 1), None: (1, 0)}


def test_dunning_rate_as_of_none_uses_the_last_event() -> None:
    # last event: F-2's letter on 25 Feb -> F-2 overdue up to then, F-3 paid 9 Feb
    r = dunning_rate(RATE[:4])
    assert (r.overdue, r.dunned, r.letters) == (2, 1, 2)
    monthly = dunning_rate(RATE[:4], freq="month").groups
    assert monthly is not None
    assert [str(k) for k in monthly] == ["2024-01", "2024-02"]


def test_dunning_rate_as_of_mid_period_and_letters_after() -> None:
    r = dunning_rate(RATE, as_of=date(2024, 1, 20))
    # F-2 and F-3 overdue; F-2's 2nd letter (25 Feb) not known yet
    assert (r.overdue, r.dunned, r.letters) == (2, 1, 1)
    assert r.coverage["letters_after_as_of"] == 1


def test_dunning_rate_written_off_ends_the_overdue_interval() -> None:
    invs = [inv("W-1", written_off_at="2024-01-31")]
    feb = dunning_rate(invs, as_of=date(2024, 3, 31), freq="month").groups
    assert feb is not None
    assert [str(k) for k in feb] == ["2024-01"]


_DAY0 = datetime(2024, 1, 1, tzinfo=UTC)


def _day(k: int) -> str:
    return date.fromordinal(_DAY0.date().toordinal() + k).isoformat()


@settings(max_examples=150, deadline=None)
@example(specs=[(3, [(4, 10)], None, [])], as_of=9)  # settled at the end of the due date
@example(specs=[(3, [], 4, [2])], as_of=9)  # written off at the end of the due date
@example(specs=[(3, [], 12, [5])], as_of=9)  # written off after the bound
@given(
    specs=st.lists(
        st.tuples(
            st.integers(0, 20),  # due day
            st.lists(st.tuples(st.integers(0, 60), st.integers(1, 12)), max_size=3),
            st.none() | st.integers(0, 60),  # written-off day
            st.lists(st.integers(1, 60), max_size=3),  # letter days
        ),
        min_size=1,
        max_size=12,
    ),
    as_of=st.integers(5, 70),
)
def test_dunning_rate_equals_the_definition_with_write_offs(
    specs: list[tuple[int, list[tuple[int, int]], int | None, list[int]]], as_of: int
) -> None:
    # overdue: due before the bound and before the earlier of settlement and write-off,
    # each counted only when known as of the bound -- written-off invoices before, on
    # and after their due date, before and after the bound
    invs = [
        inv(
            f"F-{k}", _day(due), payments=[(_day(d), x) for d, x in sorted(pays)],
            written_off_at=None if wo is None else _day(wo),
            letters=[(lv + 1, _day(d)) for lv, d in enumerate(sorted(lets))],
        )
        for k, (due, pays, wo, lets) in enumerate(specs)
    ]  # fmt: skip

    def end_of(day: date) -> datetime:  # 00:00 UTC of the next day
        return datetime.fromordinal(day.toordinal() + 1).replace(tzinfo=UTC)

    limit = end_of(date.fromisoformat(_day(as_of)))
    overdue = dunned = letters = 0
    for i in invs:
        assert i.due_date is not None
        due_end = end_of(i.due_date)
        ends = [t for t in (i.settled_at, i.written_off_at) if t is not None and t < limit]
        if i.issued_at < limit and due_end < limit and (not ends or due_end < min(ends)):
            overdue += 1
            known = [x for x in i.dunning_letters if x.sent_at < limit]
            dunned += bool(known)
            letters += len(known)
    for data in (invs, EventLog.from_invoices(invs)):
        r = dunning_rate(data, as_of=date.fromisoformat(_day(as_of)))
        assert (r.overdue, r.dunned, r.letters) == (overdue, dunned, letters)


def test_dunning_rate_tz_moves_the_period() -> None:
    sp = ZoneInfo("America/Sao_Paulo")
    # letter at 1 Feb 01:00 UTC = 31 Jan 22:00 in São Paulo
    invs = [inv("T-1", letters=[(1, "2024-02-01T01:00:00+00:00")])]
    utc = dunning_rate(invs, as_of=date(2024, 2, 29), freq="month").groups
    local = dunning_rate(invs, as_of=date(2024, 2, 29), freq="month", tz=sp).groups
    assert utc is not None
    assert local is not None
    assert utc[Period.month(2024, 1)].dunned == 0
    assert local[Period.month(2024, 1)].dunned == 1


def test_dunning_rate_missing_due_date_in_a_log() -> None:
    log = EventLog.from_columns(
        case=["a", "b"],
        activity=["Invoice Generated", "Invoice Generated"],
        timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z"],
        case_attributes={"due_date": [date(2024, 1, 5), None]},
    )
    r = dunning_rate(log, as_of=date(2024, 1, 31))
    assert (r.overdue, r.coverage["missing_due_date"]) == (1, 1)


# --------------------------------------------------------------------------- effectiveness

EFF = [
    # level 1 on 15 Jan, paid 20 Jan (5 days)
    inv("E-1", letters=[(1, "2024-01-15")], payments=[("2024-01-20", 10)]),
    # levels 1 and 2, paid 40 % on 1 Feb, never settled
    inv("E-2", letters=[(1, "2024-01-15"), (2, "2024-01-25")], payments=[("2024-02-01", 4)]),
    # paid before any letter
    inv("E-3", payments=[("2024-01-08", 10)]),
    # levels 1 (twice) and 2 then settled 10 Feb: paid after level 2 (6 days) and level 1
    inv("E-4", letters=[(1, "2024-01-14"), (1, "2024-01-16"), (2, "2024-02-04")],
        payments=[("2024-02-10", 10)]),
    # dunned after it was paid (in error)
    inv("E-5", letters=[(1, "2024-01-20")], payments=[("2024-01-12", 10)]),
]  # fmt: skip


def test_effectiveness_by_level_hand_worked() -> None:
    r = dunning_effectiveness(EFF, as_of=date(2024, 2, 29))
    l1, l2 = r.levels[1], r.levels[2]
    # level 1 reached by E-1, E-2, E-4, E-5; paid after: E-1 (5 d), E-4 (14 Jan -> 10 Feb = 27 d)
    assert (l1.reached, l1.paid_after, l1.paid_share, l1.paid_before_letter) == (4, 2, 0.5, 1)
    assert _values(l1.days_to_payment) == [5.0, 27.0]
    assert l1.days_to_payment.missing == 2
    # level 2: E-2 (unpaid), E-4 (4 Feb -> 10 Feb = 6 d)
    assert (l2.reached, l2.paid_after, l2.days_to_payment.median) == (2, 1, 6.0)
    assert r.coverage["repeated_letters"] == 1
    assert r.coverage["letters"] == 7
    assert r.level_source == "attribute"
    json.dumps(r.to_dict())


def test_effectiveness_by_max_level_and_paid_at_level() -> None:
    r = dunning_effectiveness(EFF, as_of=date(2024, 2, 29))
    assert {k: (v.invoices, v.paid, v.rate) for k, v in r.by_max_level.items()} == {
        0: (1, 1, 1.0),  # E-3
        1: (2, 2, 1.0),  # E-1, E-5
        2: (2, 1, 0.5),  # E-2 (unpaid), E-4
    }
    # the highest letter sent before settlement: E-3 none, E-5 none (dunned after), E-1 1, E-4 2
    assert dict(r.paid_at_level) == {0: 2, 1: 1, 2: 1}


def test_effectiveness_leaves_out_invoices_paid_before_their_issue_after_as_of() -> None:
    # E-7 is paid in full on 20 Feb but issued only on 5 Mar: not issued as of 29 Feb,
    # so neither an invoice of level 0 nor a paid one (its settlement is known, though)
    invs = [*EFF, inv("E-7", issued="2024-03-05", due="2024-03-15", payments=[("2024-02-20", 10)])]
    r = dunning_effectiveness(invs, as_of=date(2024, 2, 29))
    assert r.invoices == 5
    assert (r.by_max_level[0].invoices, r.by_max_level[0].paid) == (1, 1)  # E-3 only
    assert dict(r.paid_at_level) == {0: 2, 1: 1, 2: 1}


def test_effectiveness_any_payment_counts_partial_payments() -> None:
    r = dunning_effectiveness(EFF, as_of=date(2024, 2, 29), paid="any_payment")
    # E-2's partial payment on 1 Feb now counts: 7 days after level 2, 17 after level 1
    assert _values(r.levels[2].days_to_payment) == [6.0, 7.0]
    assert _values(r.levels[1].days_to_payment) == [5.0, 17.0, 27.0]
    assert r.paid_measure == "any_payment"
    # by_max_level still means "settled"
    assert r.by_max_level[2].paid == 1


def test_effectiveness_any_payment_ignores_payments_after_as_of() -> None:
    # as of 31 Jan: E-2's partial payment (1 Feb) and E-4's (10 Feb) are not known yet, so
    # after level 1 only E-1 paid (15 -> 20 Jan); E-2's level 2 (25 Jan) has no payment
    r = dunning_effectiveness(EFF, as_of=date(2024, 1, 31), paid="any_payment")
    assert _values(r.levels[1].days_to_payment) == [5.0]
    assert (r.levels[1].reached, r.levels[1].days_to_payment.missing) == (4, 3)
    assert (r.levels[2].reached, r.levels[2].paid_after) == (1, 0)


def test_effectiveness_as_of_cuts_letters_and_payments() -> None:
    r = dunning_effectiveness(EFF, as_of=date(2024, 1, 31))
    assert r.levels[2].reached == 1  # E-4's level 2 on 4 Feb not known
    assert r.levels[1].paid_after == 1  # E-4 settled on 10 Feb not known
    assert r.coverage["letters_after_as_of"] == 1


def test_effectiveness_groups_and_zero_population() -> None:
    invs = [*EFF, inv("E-6", issued="2024-02-01", due="2024-02-10", collector="ana")]
    r = dunning_effectiveness(invs, as_of=date(2024, 2, 29), freq="month", by="collector")
    assert r.groups is not None
    assert {(k[0], str(k[1])): g.invoices for k, g in r.groups.items()} == {
        ("ana", "2024-02"): 1,
        (None, "2024-01"): 5,
    }
    empty = dunning_effectiveness(EFF, as_of=date(2023, 12, 31))
    assert (empty.invoices, dict(empty.levels), dict(empty.by_max_level)) == (0, {}, {})


def test_effectiveness_levels_from_sequence_without_attribute() -> None:
    log = EventLog.from_columns(
        case=["a", "a", "a", "b"],
        activity=["Invoice Generated", LETTER, LETTER, "Invoice Generated"],
        timestamp=["2024-01-01T00:00Z", "2024-01-15T00:00Z", "2024-01-20T00:00Z",
                   "2024-01-01T00:00Z"],
    )  # fmt: skip
    r = dunning_effectiveness(log)
    assert r.level_source == "sequence"
    assert sorted(r.levels) == [1, 2]
    assert dunning_levels(log).to_mapping() == {"a": 2, "b": 0}


def test_letters_without_level_and_fractional_level() -> None:
    rows: dict[str, Any] = {
        "case": ["a", "a", "a"],
        "activity": ["Invoice Generated", LETTER, LETTER],
        "timestamp": ["2024-01-01T00:00Z", "2024-01-15T00:00Z", "2024-01-20T00:00Z"],
    }
    log = EventLog.from_columns(**rows, attributes={"dunning_level": [None, None, 2]})
    r = dunning_effectiveness(log)
    assert r.coverage["letters_without_level"] == 1
    assert sorted(r.levels) == [2]
    bad = EventLog.from_columns(**rows, attributes={"dunning_level": [None, 1.5, 2]})
    with pytest.raises(InvalidRecordError) as err:
        dunning_effectiveness(bad)
    assert err.value.record == "a"
    assert err.value.field == "dunning_level"


# --------------------------------------------------------------------------- schedules


def test_presets_rgc_and_labels() -> None:
    s14 = rgc_2014_schedule()
    assert s14.offsets_from_due() == {1: 5, 2: 20, 3: 50, 4: 80}
    assert [st.label_pt for st in s14.steps] == [
        "Notificação de débito",
        "Suspensão parcial (redução de velocidade)",
        "Suspensão total",
        "Rescisão do contrato",
    ]
    assert s14.clock == "due_date"
    chain = rgc_2014_schedule(notice_offset_days=2, clock="previous_letter")
    assert [st.days for st in chain.steps] == [2, 15, 30, 30]
    assert rgc_2023_schedule().offsets_from_due() == {1: 5, 2: 20, 3: 80}
    assert isp_typical_schedule().offsets_from_due() == {1: 5, 2: 20, 3: 30}
    assert set(DUNNING_PRESETS) == {"rgc_2014", "rgc_2023", "isp_typical"}
    json.dumps(s14.to_dict())


def test_schedule_clock_round_trip_and_validation() -> None:
    s = DunningSchedule.of({1: 5, 2: 15, 3: 30}, name="régua", labels_pt={1: "Aviso"})
    assert s.steps[0].label_pt == "Aviso"
    assert s.steps[1].label_pt == "Nível 2"
    prev = s.with_clock("previous_letter")
    assert [st.days for st in prev.steps] == [5, 10, 15]
    assert prev.with_clock("due_date") == s
    with pytest.raises(InvalidParameterError, match="before the previous"):
        DunningSchedule.of({1: 10, 2: 5}).with_clock("previous_letter")
    with pytest.raises(InvalidParameterError, match="ascending"):
        DunningSchedule("x", [DunningStep(2, 1, "a", "a"), DunningStep(1, 2, "b", "b")])
    with pytest.raises(InvalidParameterError, match="at least one"):
        DunningSchedule("x", [])
    with pytest.raises(InvalidParameterError, match="level"):
        DunningStep(0, 5, "a", "a")
    with pytest.raises(InvalidParameterError, match="days"):
        DunningStep(1, -1, "a", "a")
    with pytest.raises(InvalidParameterError, match="label_pt"):
        DunningStep(1, 1, " ", "a")
    with pytest.raises(InvalidParameterError, match="clock"):
        DunningSchedule.of({1: 5}, clock="weekly")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="DunningStep"):
        DunningSchedule("x", ["step"])  # type: ignore[list-item]
    with pytest.raises(InvalidParameterError, match="notice_offset_days"):
        rgc_2014_schedule(notice_offset_days=-1)


# --------------------------------------------------------------------------- adherence

SCHED = {1: 5, 2: 15, 3: 30}  # due 10 Jan: level 1 on 15 Jan, 2 on 25 Jan, 3 on 9 Feb

ADH = [
    # on time, 3 days late, 2 days early
    inv("A-1", letters=[(1, "2024-01-15"), (2, "2024-01-28"), (3, "2024-02-07")]),
    # nothing sent, unpaid: missed all three by 29 Feb
    inv("A-2"),
    # paid on 20 Jan: level 1 missed, later levels not needed
    inv("A-3", payments=[("2024-01-20", 10)]),
    # level 2 only, on time; level 1 missed; a level-9 letter; a repeated level 2
    inv("A-4", letters=[(2, "2024-01-25"), (2, "2024-01-26"), (9, "2024-01-27")],
        payments=[("2024-02-01", 10)]),
]  # fmt: skip


def test_adherence_due_date_clock_hand_worked() -> None:
    r = dunning_adherence(ADH, schedule=SCHED, as_of=date(2024, 2, 29))
    # timed letters: A-1 x3 (on time, late, early), A-4 level 2 (on time)
    assert (r.letters, r.on_time, r.late, r.early) == (4, 2, 1, 1)
    assert (r.on_time_share, r.late_share, r.early_share) == (0.5, 0.25, 0.25)
    # missed: A-2 levels 1, 2, 3; A-3 level 1; A-4 level 1
    assert (r.missed, r.invoices_missing_a_level) == (5, 3)
    assert r.delay.values.tolist() == [-2.0, 0.0, 0.0, 3.0]
    lv1 = r.by_level[1]
    assert (lv1.expected, lv1.sent, lv1.on_time, lv1.missed) == (4, 1, 1, 3)
    assert r.by_level[3].expected == 2  # A-1 and A-2 (A-3 and A-4 paid by then)
    assert r.coverage["letters_unscheduled_level"] == 1
    assert r.coverage["letters_repeated_level"] == 1
    assert r.tolerance_days == (0, 0)
    json.dumps(r.to_dict())


def test_adherence_tolerance() -> None:
    r = dunning_adherence(ADH, schedule=SCHED, as_of=date(2024, 2, 29), tolerance_days=3)
    assert (r.on_time, r.late, r.early) == (4, 0, 0)
    asym = dunning_adherence(ADH, schedule=SCHED, as_of=date(2024, 2, 29), tolerance_days=(2, 0))
    assert (asym.on_time, asym.late, asym.early) == (3, 1, 0)


def test_adherence_as_of_before_deadlines() -> None:
    # as of 17 Jan: only level 1's deadline (15 Jan) has passed
    r = dunning_adherence(ADH, schedule=SCHED, as_of=date(2024, 1, 17))
    assert r.missed == 3  # A-4 (A-3 paid only on 20 Jan)
    # with 2 days of late tolerance, 15 + 2 = 17 Jan ends exactly at as_of: still due
    assert dunning_adherence(ADH, schedule=SCHED, as_of=date(2024, 1, 17),
                             tolerance_days=(0, 2)).missed == 3  # fmt: skip
    assert dunning_adherence(ADH, schedule=SCHED, as_of=date(2024, 1, 16),
                             tolerance_days=(0, 2)).missed == 0  # fmt: skip


def test_adherence_previous_letter_clock() -> None:
    # previous-letter clock (D365): 1 at due + 5, 2 at letter 1 + 10, 3 at letter 2 + 15
    invs = [inv("P-1", letters=[(1, "2024-01-18"), (2, "2024-01-28"), (3, "2024-02-12")])]
    due_clock = dunning_adherence(invs, schedule=SCHED, as_of=date(2024, 2, 29))
    # due-date clock: 1 is 3 days late, 2 is 3 days late, 3 is 3 days late
    assert due_clock.delay.values.tolist() == [3.0, 3.0, 3.0]
    prev = dunning_adherence(invs, schedule=SCHED, as_of=date(2024, 2, 29),
                             clock="previous_letter")  # fmt: skip
    # previous-letter clock: only letter 1 is late; 2 and 3 follow their predecessor on time
    assert prev.delay.values.tolist() == [0.0, 0.0, 3.0]
    assert prev.schedule.clock == "previous_letter"
    assert [st.days for st in prev.schedule.steps] == [5, 10, 15]


def test_adherence_previous_clock_out_of_sequence_and_missed_chain() -> None:
    invs = [
        inv("Q-1", letters=[(2, "2024-01-25")]),  # level 2 without level 1
        inv("Q-2"),  # nothing: only level 1 is due (later levels wait for their predecessor)
    ]
    r = dunning_adherence(invs, schedule=SCHED, as_of=date(2024, 2, 29), clock="previous_letter")
    assert (r.out_of_sequence, r.letters) == (1, 0)
    assert r.coverage["letters_out_of_sequence"] == 1
    # level 1 missed by both; Q-1's level 3 is due 15 days after its (out of sequence)
    # level 2 letter, 9 Feb, and was never sent; Q-2's levels 2 and 3 never came due
    assert (r.missed, r.by_level[1].missed, r.by_level[2].missed) == (3, 2, 0)
    assert r.by_level[3].missed == 1
    assert r.on_time_share is None


def test_adherence_presets_by_name_and_groups() -> None:
    r = dunning_adherence(ADH, schedule="rgc_2023", as_of=date(2024, 6, 30), by="collector",
                          freq="month")  # fmt: skip
    assert r.schedule.name == "rgc_2023"
    assert r.by_level[2].label_pt == "Suspensão total"
    assert r.groups is not None
    assert list(r.groups) == [(None, Period.month(2024, 1))]
    with pytest.raises(InvalidParameterError, match="preset"):
        dunning_adherence(ADH, schedule="rgc_1999")
    with pytest.raises(InvalidParameterError, match="schedule"):
        dunning_adherence(ADH, schedule=[5, 15])  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="tolerance"):
        dunning_adherence(ADH, schedule=SCHED, tolerance_days=(1, 2, 3))  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="tolerance"):
        dunning_adherence(ADH, schedule=SCHED, tolerance_days=-1)


def test_adherence_tz_letter_day() -> None:
    sp = ZoneInfo("America/Sao_Paulo")
    # sent 16 Jan 01:00 UTC = 15 Jan 22:00 in São Paulo: late in UTC, on time locally
    invs = [inv("Z-1", letters=[(1, "2024-01-16T01:00:00+00:00")])]
    assert dunning_adherence(invs, schedule={1: 5}, as_of=date(2024, 1, 31)).late == 1
    assert dunning_adherence(invs, schedule={1: 5}, as_of=date(2024, 1, 31), tz=sp).on_time == 1


# --------------------------------------------------------------------------- levels


def test_dunning_levels_as_of() -> None:
    r = dunning_levels(ADH, as_of=datetime(2024, 1, 27, 12, tzinfo=UTC))
    # A-1's level 2 is sent on 28 Jan; A-4's letters on 25, 26 and 27 Jan are known
    assert r.to_mapping() == {"A-1": 1, "A-2": 0, "A-3": 0, "A-4": 9}
    assert r.letters.tolist() == [1, 0, 0, 3]
    json.dumps(r.to_dict())


# --------------------------------------------------------------------------- validation


def test_validation() -> None:
    with pytest.raises(InvalidParameterError, match="letters_window"):
        dunning_rate(RATE, letters_window="ever")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="paid"):
        dunning_effectiveness(RATE, paid="partial")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="roles"):
        dunning_rate(RATE, roles=None)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="percentile"):
        dunning_effectiveness(RATE, percentiles=[-1])
    with pytest.raises(InvalidParameterError, match="freq"):
        dunning_rate(RATE, freq="hour")  # type: ignore[arg-type]


def test_by_customer_attribute() -> None:
    custs = [Customer("C1", "Ana", segment="SMB"), Customer("C2", "Bia", segment="Corp")]
    invs = [inv("S-1", letters=[(1, "2024-01-15")]), inv("S-2", customer="C2")]
    g = dunning_rate(invs, as_of=date(2024, 1, 31), by="segment", customers=custs).groups
    assert g is not None
    assert {k: (v.overdue, v.dunned) for k, v in g.items()} == {"Corp": (1, 0), "SMB": (1, 1)}


# --------------------------------------------------------------------------- properties


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**16))
def test_shuffled_log_gives_the_same_results(seed: int) -> None:
    cols = synth_event_columns(200, seed=11)
    base = EventLog.from_columns(cols.to_mapping(), attributes="all", order="lifecycle_rank")
    mixed = cols.shuffled(seed=seed).to_mapping()
    shuffled = EventLog.from_columns(mixed, attributes="all", order="lifecycle_rank")
    as_of = date(2024, 10, 31)
    cases: list[tuple[Callable[..., Any], dict[str, Any]]] = [
        (dunning_rate, {"freq": "month", "by": "collector"}),
        (dunning_effectiveness, {"by": "segment"}),
        (dunning_adherence, {"schedule": SCHED, "tolerance_days": 2}),
    ]
    for fn, kw in cases:
        a = fn(base, as_of=as_of, **kw)
        b = fn(shuffled, as_of=as_of, **kw)
        assert a.to_dict() == b.to_dict()


def test_object_path_equals_log_path_and_synthetic_schedule() -> None:
    invs = synth_invoices(300, seed=2)
    log = EventLog.from_invoices(invs)
    as_of = date(2024, 11, 30)
    cases: list[tuple[Callable[..., Any], dict[str, Any]]] = [
        (dunning_rate, {"freq": "quarter"}),
        (dunning_effectiveness, {"by": "collector"}),
        (dunning_adherence, {"schedule": SCHED, "tolerance_days": (0, 2)}),
    ]
    for fn, kw in cases:
        a = fn(invs, as_of=as_of, **kw)
        b = fn(log, as_of=as_of, **kw)
        assert a.to_dict() == b.to_dict()
    # synth sends letters at due + 5/15/30 plus 0-2 days of jitter: never early, <= 2 late
    r = dunning_adherence(invs, schedule=SCHED, as_of=as_of, tolerance_days=(0, 2))
    assert r.early == 0
    assert r.late == 0
    assert r.letters > 0
    levels = dunning_levels(invs, as_of=as_of)
    truth = np.array([i.dunning_level(as_of) for i in invs])
    assert levels.level.tolist() == truth.tolist()


def test_dunning_rate_tz_moves_the_due_date_end() -> None:
    sp = ZoneInfo("America/Sao_Paulo")
    # due 10 Jan, paid 11 Jan 02:00 UTC = 10 Jan 23:00 in São Paulo: late in UTC only
    invs = [inv("D-1", payments=[("2024-01-11T02:00:00+00:00", 10)])]
    assert dunning_rate(invs, as_of=date(2024, 1, 31)).overdue == 1
    assert dunning_rate(invs, as_of=date(2024, 1, 31), tz=sp).overdue == 0


@given(
    items=st.lists(
        st.tuples(st.integers(0, 6), st.integers(-3, 40) | st.integers(-(2**40), 2**40)),
        max_size=40,
    ).map(sorted)
)
def test_case_max_matches_a_loop(items: list[tuple[int, int]]) -> None:
    # values of any size (stored narrow when they fit: check no narrowing loses one)
    from kpicore.kpis.dunning import _case_max

    c = np.array([i for i, _ in items], dtype=np.int64)
    v = np.array([x for _, x in items], dtype=np.int64)
    expected = [0] * 7
    seen: dict[int, int] = {}
    for i, x in items:
        seen[i] = max(seen.get(i, x), x)
    for i, x in seen.items():
        expected[i] = x
    assert _case_max(c, v, 7).tolist() == expected
    small = np.clip(v, 0, 3)  # dunning levels
    expected_small = [0] * 7
    for i, x in zip(c.tolist(), small.tolist(), strict=True):
        expected_small[i] = max(expected_small[i], x)
    assert _case_max(c, small, 7).tolist() == expected_small


@given(
    levels=st.lists(st.integers(0, 3) | st.integers(0, 90), max_size=60),
    flags=st.lists(st.booleans(), min_size=60, max_size=60),
)
def test_level_counts_match_bincount(levels: list[int], flags: list[bool]) -> None:
    # few levels: a comparison per level; many (> 64): bincount -- the same counts
    from kpicore.kpis.dunning import _level_counts

    lv = np.array(levels, dtype=np.int8)
    where = np.array(flags[: len(levels)], dtype=bool)
    size = max(levels, default=0) + 1
    assert _level_counts(lv, size).tolist() == np.bincount(lv, minlength=size).tolist()
    expected = [0] * size
    for v, f in zip(levels, where.tolist(), strict=True):
        expected[v] += f
    assert _level_counts(lv, size, where).tolist() == expected
