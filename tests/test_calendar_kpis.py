"""The bank calendar (``calendar=``) in days overdue, days late, aging, past due and dunning."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from kpicore.bankcalendar import BankCalendar
from kpicore.errors import InvalidParameterError
from kpicore.kpis.dunning import dunning_adherence, dunning_rate
from kpicore.kpis.overdue import aging, days_late, days_overdue, past_due_ratio
from kpicore.model import DunningLetter, Invoice, InvoiceStatus, Payment
from kpicore.money import Money
from kpicore.synth import synth_invoices

D = dt.date
CAL = BankCalendar()


def _inv(
    number: str, due: str, *, paid: str | None = None, letters: tuple[str, ...] = ()
) -> Invoice:
    return Invoice(
        number, "C1", "2026-01-05", due, Money.of("99.90", "BRL"),
        payments=[Payment(paid, Money.of("99.90", "BRL"))] if paid else [],
        dunning_letters=[DunningLetter(i + 1, d) for i, d in enumerate(letters)],
    )  # fmt: skip


def _roll_by_hand(day: dt.date) -> dt.date:
    hol = set(CAL.holidays(day.year, day.year + 1))
    while day.weekday() >= 5 or day in hol:
        day += dt.timedelta(days=1)
    return day


def test_days_overdue_hand_worked() -> None:
    sat = _inv("F-1", "2026-02-14")  # Saturday before Carnival -> payable Wed 18 Feb
    for as_of, plain, rolled in [
        (D(2026, 2, 18), 4.0, 0.0),
        (D(2026, 2, 19), 5.0, 1.0),
        (D(2026, 3, 20), 34.0, 30.0),
    ]:
        assert days_overdue([sat], as_of=as_of).to_mapping() == {"F-1": plain}
        assert days_overdue([sat], as_of=as_of, calendar=CAL).to_mapping() == {"F-1": rolled}
    # grace days count from the rolled due date too
    r = days_overdue([sat], as_of=D(2026, 2, 20), grace_days=2, calendar=CAL)
    assert r.to_mapping() == {"F-1": 0.0}


def test_days_overdue_equals_a_loop_on_synthetic_invoices() -> None:
    extra = [
        Invoice(f"X-{d}", "C9", "2024-11-01", d, Money.of(10, "BRL"))
        for d in ("2024-12-25", "2024-12-28", "2024-11-15", "2024-12-20")
    ]
    invs = synth_invoices(300, seed=5) + extra
    as_of = D(2024, 12, 31)
    got = days_overdue(invs, as_of=as_of, calendar=CAL).to_mapping()
    expected: dict[str, float] = {}
    for inv in invs:
        if inv.issued_at.date() > as_of:
            continue
        open_ = inv.status(as_of) not in (InvoiceStatus.PAID, InvoiceStatus.WRITTEN_OFF)
        late = (as_of - _roll_by_hand(inv.due_date)).days
        expected[inv.number] = float(max(0, late)) if open_ else 0.0
    assert got == expected
    plain = days_overdue(invs, as_of=as_of).to_mapping()
    assert all((plain[k] or 0.0) >= (v or 0.0) for k, v in got.items())  # rolling never adds
    # Christmas (Wed) -> Thu 26; Sat 28 -> Mon 30; Fri 15 Nov -> Mon 18; Fri 20 Dec: no roll
    assert [got[x.number] for x in extra] == [5.0, 1.0, 43.0, 11.0]
    assert [plain[x.number] for x in extra] == [6.0, 3.0, 46.0, 11.0]


def test_days_late_hand_worked() -> None:
    invs = [
        _inv("F-1", "2026-04-03", paid="2026-04-06"),  # Good Friday, paid Monday: on time
        _inv("F-2", "2026-04-03", paid="2026-04-07"),  # one day after the payable day
        _inv("F-3", "2026-04-02", paid="2026-04-06"),  # a Thursday: no roll
    ]
    assert days_late(invs).to_mapping() == {"F-1": 3.0, "F-2": 4.0, "F-3": 4.0}
    assert days_late(invs, calendar=CAL).to_mapping() == {"F-1": 0.0, "F-2": 1.0, "F-3": 4.0}
    signed = days_late(invs, calendar=CAL, signed=True).to_mapping()
    assert signed == {"F-1": 0.0, "F-2": 1.0, "F-3": 4.0}


def test_days_late_equals_a_loop() -> None:
    invs = synth_invoices(300, seed=8)
    got = days_late(invs, calendar=CAL, signed=True).to_mapping()
    checked = 0
    for inv in invs:
        value = got[inv.number]
        if inv.settled_at is None:
            assert value is None
            continue
        if value is None:  # written off before it was settled
            assert inv.written_off_at is not None
            continue
        assert value == float((inv.settled_at.date() - _roll_by_hand(inv.due_date)).days)
        checked += 1
    assert checked > 100


def test_aging_bucket_edges_by_hand() -> None:
    # F-2 due Fri 23 Oct 2026 (business day): age 31 on 23 Nov -> "31-60"
    invs = [_inv("F-1", "2026-11-20"), _inv("F-2", "2026-10-23")]
    r = aging(invs, as_of=D(2026, 11, 23))
    keys = {b.key: b.count for b in r.buckets}
    assert keys == {"current": 0, "1-30": 1, "31-60": 1, "61-90": 0, "91+": 0}
    r2 = aging(invs, as_of=D(2026, 11, 23), calendar=CAL)
    assert {b.key: b.count for b in r2.buckets} == {
        "current": 1, "1-30": 0, "31-60": 1, "61-90": 0, "91+": 0,
    }  # fmt: skip
    assert str(r2.buckets[0].amount["BRL"]) == "BRL 99.90"
    p = past_due_ratio(invs, as_of=D(2026, 11, 23), calendar=CAL)
    assert (p.past_due_count, p.count_ratio) == (1, 0.5)
    assert past_due_ratio(invs, as_of=D(2026, 11, 23)).past_due_count == 2


def test_dunning_rate_rolls_the_due_date() -> None:
    inv = _inv("F-1", "2026-11-20")  # overdue only after Monday 23 Nov with the calendar
    assert dunning_rate([inv], as_of=D(2026, 11, 23)).overdue == 1
    assert dunning_rate([inv], as_of=D(2026, 11, 23), calendar=CAL).overdue == 0
    assert dunning_rate([inv], as_of=D(2026, 11, 24), calendar=CAL).overdue == 1


def test_dunning_adherence_rolls_the_due_date() -> None:
    # due Saturday 14 Feb 2026 -> payable Wednesday 18 Feb; notice at +5 -> 23 Feb
    inv = _inv("F-1", "2026-02-14", letters=("2026-02-23",))
    plain = dunning_adherence([inv], schedule={1: 5}, as_of=D(2026, 3, 31))
    rolled = dunning_adherence([inv], schedule={1: 5}, as_of=D(2026, 3, 31), calendar=CAL)
    assert (plain.on_time, plain.late, plain.delay.max) == (0, 1, 4.0)
    assert (rolled.on_time, rolled.late, rolled.delay.max) == (1, 0, 0.0)


def test_calendar_none_is_the_default() -> None:
    invs = synth_invoices(80, seed=2)
    as_of = D(2024, 9, 30)
    a = days_overdue(invs, as_of=as_of)
    b = days_overdue(invs, as_of=as_of, calendar=None)
    assert a.to_mapping() == b.to_mapping()
    assert aging(invs, as_of=as_of) == aging(invs, as_of=as_of, calendar=None)


def test_bad_calendar_rejected() -> None:
    with pytest.raises(InvalidParameterError, match="BankCalendar"):
        days_overdue([_inv("F-1", "2026-02-14")], as_of=D(2026, 3, 1), calendar="BR")  # type: ignore[arg-type]


def test_dask_days_overdue_with_calendar() -> None:
    from kpicore import dask as kdask
    from kpicore.eventlog import EventLog

    invs = synth_invoices(120, seed=4)
    log = EventLog.from_invoices(invs)
    parts = [log.filter_cases(log.case_ids[:70]), log.filter_cases(log.case_ids[70:])]
    as_of = D(2024, 12, 31)
    mine = kdask.days_overdue(parts, as_of=as_of, calendar=CAL)
    single = days_overdue(log, as_of=as_of, calendar=CAL)
    assert mine.summary == single.summary
    assert kdask.aging(parts, as_of=as_of, calendar=CAL) == aging(log, as_of=as_of, calendar=CAL)
    assert np.isfinite(single.summary.mean or 0.0)
