"""Tests of kpicore.kpis.paid_until: hand-worked dates and statuses, then properties.

Calendar facts used in the workings: 2024 is a leap year (Feb has 29 days),
2023 and 2025 are not; March has 31 days, April 30.
"""

from __future__ import annotations

import calendar
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import contract_strategy, customer_strategy

from kpicore.errors import InvalidParameterError, InvalidRecordError, KpiError
from kpicore.kpis.paid_until import (
    PaidUntilStatus,
    advance_paid_until,
    expected_paid_until,
    paid_until_distribution,
    paid_until_status,
)
from kpicore.model import Contract, Customer
from kpicore.money import Money

AS_OF = date(2024, 4, 20)
FEE = Money.of("99.90", "BRL")


def _any(value: object) -> Any:
    """Let a test pass a deliberately ill-typed value past mypy."""
    return value


def _k(
    cid: str,
    mode: str,
    paid_until: date | None,
    access: str = "active",
    **kw: Any,
) -> Contract:
    return Contract(
        cid, kw.pop("customer_id", "C1"), kw.pop("plan", "Fibra"), mode,
        kw.pop("status", "active"), access, FEE, paid_until=paid_until, **kw,
    )  # fmt: skip


def _row(cid: str, contracts: list[Contract], **kw: Any) -> Any:
    rep = paid_until_status(contracts, as_of=kw.pop("as_of", AS_OF), **kw)
    return next(r for r in rep.rows if r.contract_id == cid)


# ---------------------------------------------------------------------------------------
# advance_paid_until
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # 31 Jan, anchor 31 (end of month): Feb 2024 has 29 days -> 29 Feb; Mar -> 31; Apr -> 30
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 1, 31), 2, date(2024, 3, 31)),
        (date(2024, 1, 31), 3, date(2024, 4, 30)),
        # 2023 is not a leap year: 31 Jan + 1 -> 28 Feb
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        # 29 Feb 2024 is the last day of February -> end-of-month anchor -> 31 Mar
        (date(2024, 2, 29), 1, date(2024, 3, 31)),
        # leap day + 12 periods: Feb 2025 has 28 days
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        # 28 Feb 2023 is the last day of February 2023 -> end of month -> 31 Mar
        (date(2023, 2, 28), 1, date(2023, 3, 31)),
        # anchor 10: Hubsoft-style periods 11th..10th
        (date(2024, 3, 10), 1, date(2024, 4, 10)),
        # year boundary
        (date(2024, 12, 15), 1, date(2025, 1, 15)),
        # reversals (estorno) move back from the anchor too
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2024, 3, 31), -2, date(2024, 1, 31)),
        (date(2024, 3, 10), -1, date(2024, 2, 10)),
        (date(2025, 1, 15), -1, date(2024, 12, 15)),
        # zero periods: unchanged
        (date(2024, 3, 10), 0, date(2024, 3, 10)),
    ],
)
def test_advance_hand_worked(start: date, n: int, expected: date) -> None:
    assert advance_paid_until(start, n) == expected


def test_advance_chained_from_end_of_month_equals_direct() -> None:
    # 31 Jan +1 = 29 Feb (last day -> anchor 31) +1 = 31 Mar, the same as 31 Jan +2
    one = advance_paid_until(date(2024, 1, 31), 1)
    assert (
        advance_paid_until(one, 1) == advance_paid_until(date(2024, 1, 31), 2) == date(2024, 3, 31)
    )


def test_advance_anchor_day_keeps_anchor_across_clipped_month() -> None:
    # anchor 30: 30 Jan +1 = 29 Feb (clipped). Chained without the anchor, 29 Feb is the
    # last day of February so it rolls to 31 Mar; with anchor_day=30 it goes to 30 Mar.
    feb = advance_paid_until(date(2024, 1, 30), 1)
    assert feb == date(2024, 2, 29)
    assert advance_paid_until(feb, 1) == date(2024, 3, 31)
    assert advance_paid_until(feb, 1, anchor_day=30) == date(2024, 3, 30)
    assert advance_paid_until(date(2024, 1, 30), 2) == date(2024, 3, 30)
    # anchor 29 from the leap day: +12 clips to 28 Feb 2025, +48 is 29 Feb 2028 again
    assert advance_paid_until(date(2024, 2, 29), 12, anchor_day=29) == date(2025, 2, 28)
    assert advance_paid_until(date(2024, 2, 29), 48, anchor_day=29) == date(2028, 2, 29)
    # 28 Feb 2023 with an explicit anchor 28 stays on the 28th
    assert advance_paid_until(date(2023, 2, 28), 1, anchor_day=28) == date(2023, 3, 28)


def test_advance_uses_the_billing_day_not_the_end_of_month_guess() -> None:
    # the case: paid until 30 Nov 2026, billed on day 30 -> +2 periods = 30 Jan 2027
    assert advance_paid_until(date(2026, 11, 30), 2, anchor_day=30) == date(2027, 1, 30)
    # without the billing day, 30 November (a month's last day) is read as end of month
    assert advance_paid_until(date(2026, 11, 30), 2) == date(2027, 1, 31)
    # the billing day is taken from the contract
    k30 = _k("K30", "prepaid", date(2026, 11, 30), billing_day=30)
    assert advance_paid_until(k30, 2) == date(2027, 1, 30)
    # day 30 in February 2027 (28 days) clips to the 28th, then back to the 30th in March
    assert advance_paid_until(k30, 3) == date(2027, 2, 28)
    assert advance_paid_until(k30, 4) == date(2027, 3, 30)
    assert advance_paid_until(k30, -1) == date(2026, 10, 30)  # a reversal
    # billing day 31: end-of-month clipping (28 Feb 2027, 30 Apr 2027)
    k31 = _k("K31", "postpaid", date(2026, 11, 30), billing_day=31)
    assert advance_paid_until(k31, 3) == date(2027, 2, 28)
    assert advance_paid_until(k31, 5) == date(2027, 4, 30)
    assert advance_paid_until(k31, 2) == date(2027, 1, 31)
    # an explicit anchor_day wins over the contract's
    assert advance_paid_until(k31, 2, anchor_day=30) == date(2027, 1, 30)
    # a contract without billing day: the date's day (end of month -> 31)
    k_none = _k("KN", "prepaid", date(2026, 11, 30))
    assert advance_paid_until(k_none, 2) == date(2027, 1, 31)
    # a contract never paid: its activation date places the first period
    k_new = _k("KA", "prepaid", None, billing_day=10, activation_date=date(2024, 5, 10))
    assert advance_paid_until(k_new, 1) == date(2024, 6, 10)
    with pytest.raises(InvalidParameterError, match="activation_date"):
        advance_paid_until(_k("KB", "prepaid", None), 1)


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    st.integers(1, 31),
    st.integers(-40, 40),
)
def test_advance_with_billing_day_matches_a_calendar_loop(
    start: date, billing_day: int, n: int
) -> None:
    # definition: the billing day of the month n months after start's, clipped to its length
    year, month0 = divmod(start.year * 12 + start.month - 1 + n, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    expected = start if n == 0 else date(year, month0 + 1, min(billing_day, last))
    k = _k("K", "prepaid", start, billing_day=billing_day)
    assert advance_paid_until(k, n) == advance_paid_until(start, n, anchor_day=billing_day)
    assert advance_paid_until(k, n) == expected


def test_advance_off_anchor_date_snaps_to_anchor() -> None:
    # a proportional bill left pago até on 15 Mar while the contract's anchor is 10:
    # one period later is the anchor day of April
    assert advance_paid_until(date(2024, 3, 15), 1, anchor_day=10) == date(2024, 4, 10)
    assert advance_paid_until(date(2024, 3, 15), 0, anchor_day=10) == date(2024, 3, 15)


def test_advance_period_months() -> None:
    # quarterly plan: 31 Jan + 3 months = 30 Apr; 2 periods = 6 months = 31 Jul
    assert advance_paid_until(date(2024, 1, 31), 1, period_months=3) == date(2024, 4, 30)
    assert advance_paid_until(date(2024, 1, 31), 2, period_months=3) == date(2024, 7, 31)


def test_advance_never_paid_starts_at_activation() -> None:
    # activated 10 May: covered up to 9 May; first period 10/05 - 09/06 (Hubsoft example)
    assert advance_paid_until(None, 1, activation_date=date(2024, 5, 10)) == date(2024, 6, 9)
    assert advance_paid_until(None, 2, activation_date=date(2024, 5, 10)) == date(2024, 7, 9)
    # activated 1 Mar 2024: covered up to 29 Feb (end of month) -> periods are calendar months
    assert advance_paid_until(None, 1, activation_date=date(2024, 3, 1)) == date(2024, 3, 31)
    assert advance_paid_until(None, 2, activation_date=date(2024, 3, 1)) == date(2024, 4, 30)


def test_advance_same_for_both_billing_modes() -> None:
    # the move is the same; only the expectation differs (see expected_paid_until)
    d = advance_paid_until(date(2024, 3, 31), 1)
    assert d == date(2024, 4, 30)
    assert expected_paid_until(date(2024, 4, 20), "prepaid") == d
    assert expected_paid_until(date(2024, 4, 20), "postpaid") == date(2024, 3, 31)


@pytest.mark.parametrize(
    ("args", "kwargs", "fragment"),
    [
        ((date(2024, 1, 31), 1), {"anchor_day": 0}, "anchor_day"),
        ((date(2024, 1, 31), 1), {"anchor_day": 32}, "anchor_day"),
        ((date(2024, 1, 31), _any(True)), {}, "periods"),
        ((date(2024, 1, 31), _any(1.0)), {}, "periods"),
        ((date(2024, 1, 31), 1), {"period_months": 0}, "period_months"),
        ((_any(datetime(2024, 1, 31, tzinfo=UTC)), 1), {}, "paid_until"),
        ((None, 1), {}, "activation_date"),
        ((None, 0), {"activation_date": date(2024, 1, 1)}, "periods"),
        ((None, -1), {"activation_date": date(2024, 1, 1)}, "periods"),
        ((date(9999, 12, 31), 1), {}, "outside"),
        ((date(1, 1, 31), -1), {}, "outside"),
    ],
)
def test_advance_validation(args: tuple[Any, ...], kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(InvalidParameterError, match=fragment):
        advance_paid_until(*args, **kwargs)


# ---------------------------------------------------------------------------------------
# expected_paid_until
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "anchor", "prepaid", "postpaid"),
    [
        # calendar months: prepaid must cover April, postpaid March
        (date(2024, 4, 15), 31, date(2024, 4, 30), date(2024, 3, 31)),
        # on the last day of April, April is still the period in use
        (date(2024, 4, 30), 31, date(2024, 4, 30), date(2024, 3, 31)),
        # 1 May: May is in use, April has ended
        (date(2024, 5, 1), 31, date(2024, 5, 31), date(2024, 4, 30)),
        # anchor 10: on 10 Apr the period (10 Mar, 10 Apr] is still in use
        (date(2024, 4, 10), 10, date(2024, 4, 10), date(2024, 3, 10)),
        (date(2024, 4, 11), 10, date(2024, 5, 10), date(2024, 4, 10)),
        # leap day, anchor 30: February's anchor clips to 29 Feb
        (date(2024, 2, 29), 30, date(2024, 2, 29), date(2024, 1, 30)),
        (date(2024, 3, 1), 30, date(2024, 3, 30), date(2024, 2, 29)),
        # 28 Feb 2023 (not leap), anchor 29 -> clipped to 28 Feb
        (date(2023, 2, 28), 29, date(2023, 2, 28), date(2023, 1, 29)),
    ],
)
def test_expected_paid_until(as_of: date, anchor: int, prepaid: date, postpaid: date) -> None:
    assert expected_paid_until(as_of, "prepaid", anchor_day=anchor) == prepaid
    assert expected_paid_until(as_of, "postpaid", anchor_day=anchor) == postpaid


def test_expected_paid_until_validation() -> None:
    with pytest.raises(InvalidParameterError, match="billing_mode"):
        expected_paid_until(AS_OF, "monthly")
    with pytest.raises(InvalidParameterError, match="billing_mode"):
        expected_paid_until(AS_OF, _any(1))
    with pytest.raises(InvalidParameterError, match="anchor_day"):
        expected_paid_until(AS_OF, "prepaid", anchor_day=0)
    with pytest.raises(InvalidParameterError, match="as_of"):
        expected_paid_until(_any("2024-04-20"), "prepaid")


# ---------------------------------------------------------------------------------------
# paid_until_status: hand-worked rows
# ---------------------------------------------------------------------------------------


def test_prepaid_vs_postpaid_same_dates() -> None:
    ks = [
        _k("PRE-MAR", "prepaid", date(2024, 3, 31)),
        _k("POS-MAR", "postpaid", date(2024, 3, 31)),
        _k("PRE-FEB", "prepaid", date(2024, 2, 29)),
        _k("POS-FEB", "postpaid", date(2024, 2, 29)),
        _k("PRE-APR", "prepaid", date(2024, 4, 30)),
        _k("POS-APR", "postpaid", date(2024, 4, 30)),
    ]
    rows = {r.contract_id: r for r in paid_until_status(ks, as_of=AS_OF).rows}

    # prepaid, paid until 31 Mar, as_of 20 Apr: April is in use and unpaid.
    # days behind = 20 Apr - 31 Mar = 20; periods: April = 1; expected 30 Apr
    r = rows["PRE-MAR"]
    assert (r.status, r.days_behind, r.periods_behind) == (PaidUntilStatus.BEHIND, 20, 1)
    assert (r.expected_paid_until, r.month_offset, r.anchor_day) == (date(2024, 4, 30), -1, 31)
    # postpaid, same date: March (the previous period) is paid; April ends 30 Apr -> current
    r = rows["POS-MAR"]
    assert (r.status, r.days_behind, r.periods_behind) == (PaidUntilStatus.CURRENT, 0, 0)
    assert r.expected_paid_until == date(2024, 3, 31)
    # prepaid, paid until 29 Feb: March (31 days) + 20 days of April = 51 days; Mar+Apr = 2
    r = rows["PRE-FEB"]
    assert (r.status, r.days_behind, r.periods_behind) == (PaidUntilStatus.BEHIND, 51, 2)
    # postpaid, paid until 29 Feb: March ended 31 Mar unpaid -> 20 Apr - 31 Mar = 20 days,
    # 1 period (March)
    r = rows["POS-FEB"]
    assert (r.status, r.days_behind, r.periods_behind) == (PaidUntilStatus.BEHIND, 20, 1)
    assert r.month_offset == -2
    # paid until 30 Apr: both current, nothing behind
    for cid in ("PRE-APR", "POS-APR"):
        r = rows[cid]
        assert (r.status, r.days_behind, r.periods_behind, r.month_offset) == (
            PaidUntilStatus.CURRENT, 0, 0, 0,
        )  # fmt: skip


def test_boundaries_of_behind() -> None:
    # prepaid paid until 20 Apr, as_of 20 Apr: covered today -> current
    assert _row("A", [_k("A", "prepaid", date(2024, 4, 20), billing_day=20)]).days_behind == 0
    # paid until 19 Apr, anchor 19: today (20 Apr) is unpaid -> 1 day, 1 period
    r = _row("B", [_k("B", "prepaid", date(2024, 4, 19), billing_day=19)])
    assert (r.status, r.days_behind, r.periods_behind) == (PaidUntilStatus.BEHIND, 1, 1)
    # postpaid paid until 19 Mar (anchor 19): period (19 Mar, 19 Apr] ended yesterday -> 1 day
    r = _row("C", [_k("C", "postpaid", date(2024, 3, 19), billing_day=19)])
    assert (r.status, r.days_behind, r.periods_behind) == (PaidUntilStatus.BEHIND, 1, 1)
    # postpaid paid until 20 Mar (anchor 20): the period ends today -> still current
    r = _row("D", [_k("D", "postpaid", date(2024, 3, 20), billing_day=20)])
    assert (r.status, r.days_behind, r.periods_behind) == (PaidUntilStatus.CURRENT, 0, 0)


def test_ahead_limit() -> None:
    ks = [
        _k("JUN", "prepaid", date(2024, 6, 30)),  # offset +2 -> still allowed
        _k("JUL", "prepaid", date(2024, 7, 31)),  # offset +3 > 2 -> ahead
        _k("JUL-POS", "postpaid", date(2024, 7, 31)),  # same rule for postpaid
    ]
    rows = {r.contract_id: r for r in paid_until_status(ks, as_of=AS_OF).rows}
    assert (rows["JUN"].status, rows["JUN"].month_offset) == (PaidUntilStatus.CURRENT, 2)
    assert (rows["JUL"].status, rows["JUL"].month_offset) == (PaidUntilStatus.AHEAD, 3)
    assert rows["JUL-POS"].status is PaidUntilStatus.AHEAD
    assert (rows["JUL"].days_behind, rows["JUL"].periods_behind) == (0, 0)
    # with ahead_limit_months=3 the July contract is current
    rep = paid_until_status(ks, as_of=AS_OF, ahead_limit_months=3)
    assert rep.summary.counts["ahead"] == 0
    # a year ahead (possible fraud) with the default limit
    assert _row("Y", [_k("Y", "prepaid", date(2025, 4, 30))]).month_offset == 12


def test_billing_day_is_the_anchor() -> None:
    # prepaid paid until 10 Apr with billing day 10, as_of 20 Apr: the period
    # (10 Apr, 10 May] is in use and unpaid -> 20 - 10 = 10 days, 1 period, expected 10 May
    r = _row("K", [_k("K", "prepaid", date(2024, 4, 10), billing_day=10)])
    assert (r.status, r.days_behind, r.periods_behind) == (PaidUntilStatus.BEHIND, 10, 1)
    assert (r.expected_paid_until, r.anchor_day) == (date(2024, 5, 10), 10)
    # postpaid, same dates: (10 Apr, 10 May] still running -> current, expected 10 Apr
    r = _row("K", [_k("K", "postpaid", date(2024, 4, 10), billing_day=10)])
    assert (r.status, r.days_behind, r.expected_paid_until) == (
        PaidUntilStatus.CURRENT, 0, date(2024, 4, 10),
    )  # fmt: skip


def test_billing_day_overrides_clipped_paid_until() -> None:
    # postpaid paid until 29 Feb 2024 (clipped from anchor 30), as_of 31 Mar 2024.
    # With billing_day 30 the next period ends 30 Mar -> 31 Mar - 30 Mar = 1 day behind.
    k30 = _k("K", "postpaid", date(2024, 2, 29), billing_day=30)
    r = _row("K", [k30], as_of=date(2024, 3, 31))
    assert (r.days_behind, r.periods_behind, r.anchor_day) == (1, 1, 30)
    # Without billing_day, 29 Feb is read as end of month: next period ends 31 Mar -> 0.
    r = _row("K", [_k("K", "postpaid", date(2024, 2, 29))], as_of=date(2024, 3, 31))
    assert (r.days_behind, r.periods_behind, r.anchor_day) == (0, 0, 31)


def test_never_paid() -> None:
    ks = [
        # activated 10 Apr, never paid: covered up to 9 Apr (anchor 9) ->
        # 20 Apr - 9 Apr = 11 days of unpaid service; 1 period (10 Apr..9 May)
        _k("NEW", "prepaid", None, activation_date=date(2024, 4, 10)),
        # activated 1 Mar: covered up to 29 Feb (end of month) -> 31 + 20 = 51 days,
        # 2 periods (March, April); 51 > 15 with active access -> flagged
        _k("OLD", "prepaid", None, activation_date=date(2024, 3, 1)),
        # postpaid activated 1 Mar: March ended 31 Mar unpaid -> 20 days, 1 period
        _k("OLD-POS", "postpaid", None, activation_date=date(2024, 3, 1)),
        # no activation date and no billing day: nothing can be computed
        _k("BLANK", "prepaid", None),
        # no activation date but billing day 10: only the expectation is known
        _k("BLANK10", "prepaid", None, billing_day=10),
    ]
    rep = paid_until_status(ks, as_of=AS_OF)
    rows = {r.contract_id: r for r in rep.rows}
    assert all(r.status is PaidUntilStatus.NEVER_PAID for r in rep.rows)
    assert all(r.month_offset is None for r in rep.rows)
    r = rows["NEW"]
    assert (r.days_behind, r.periods_behind, r.anchor_day) == (11, 1, 9)
    assert r.expected_paid_until == date(2024, 5, 9)
    assert not r.using_without_payment
    r = rows["OLD"]
    assert (r.days_behind, r.periods_behind, r.using_without_payment) == (51, 2, True)
    r = rows["OLD-POS"]
    assert (r.days_behind, r.periods_behind) == (20, 1)
    r = rows["BLANK"]
    assert (r.days_behind, r.periods_behind, r.anchor_day, r.expected_paid_until) == (
        None, None, None, None,
    )  # fmt: skip
    assert not r.using_without_payment
    assert not r.cancel_candidate
    r = rows["BLANK10"]
    assert (r.days_behind, r.anchor_day, r.expected_paid_until) == (None, 10, date(2024, 5, 10))
    assert rep.summary.counts["never_paid"] == 5


def test_exclusions_are_counted() -> None:
    ks = [
        _k("OK", "prepaid", date(2024, 4, 30)),
        _k("EXEMPT", "prepaid", None, exempt=True),
        # activated after as_of: excluded, even though prepaid and already paid
        _k("FUTURE", "prepaid", date(2024, 5, 31), activation_date=date(2024, 5, 1)),
        # activated on as_of: included
        _k("TODAY", "prepaid", date(2024, 5, 19), activation_date=AS_OF),
        _k("CANCELLED", "prepaid", None, status="cancelled"),
        # exempt AND cancelled: counted once, under the first reason (status)
        _k("BOTH", "prepaid", None, status="cancelled", exempt=True),
    ]
    rep = paid_until_status(ks, as_of=AS_OF)
    assert [r.contract_id for r in rep.rows] == ["OK", "TODAY"]
    assert dict(rep.coverage) == {
        "used": 2,
        "excluded_status": 2,
        "excluded_exempt": 1,
        "excluded_not_yet_active": 1,
    }
    assert sum(rep.coverage.values()) == len(ks)
    # contract_statuses=None evaluates every status
    rep = paid_until_status(ks, as_of=AS_OF, contract_statuses=None)
    assert rep.coverage["used"] == 3  # OK, TODAY, CANCELLED
    assert rep.coverage["excluded_exempt"] == 2  # EXEMPT, BOTH
    rep = paid_until_status(ks, as_of=AS_OF, contract_statuses=["cancelled"])
    assert [r.contract_id for r in rep.rows] == ["CANCELLED"]


def test_using_without_payment_grace_boundary() -> None:
    k = _k("K", "prepaid", date(2024, 3, 31))
    # as_of 15 Apr: 15 days behind, not more than the 15-day grace
    r15 = _row("K", [k], as_of=date(2024, 4, 15))
    assert (r15.days_behind, r15.using_without_payment) == (15, False)
    # as_of 16 Apr: 16 > 15
    r16 = _row("K", [k], as_of=date(2024, 4, 16))
    assert (r16.days_behind, r16.using_without_payment) == (16, True)
    # grace_days=20: 16 is tolerated
    assert not _row("K", [k], as_of=date(2024, 4, 16), grace_days=20).using_without_payment


def test_using_without_payment_depends_on_access() -> None:
    ks = [
        _k("ACT", "prepaid", date(2024, 3, 31), "active"),
        _k("RED", "prepaid", date(2024, 3, 31), "reduced"),
        _k("BLK", "prepaid", date(2024, 3, 31), "blocked_auto"),
    ]  # all 20 days behind at AS_OF
    rep = paid_until_status(ks, as_of=AS_OF)
    assert [r.contract_id for r in rep.flagged("using_without_payment")] == ["ACT"]
    rep = paid_until_status(ks, as_of=AS_OF, in_use_access=["active", "reduced"])
    assert [r.contract_id for r in rep.flagged("using_without_payment")] == ["ACT", "RED"]
    assert rep.summary.using_without_payment == 2


def test_cancel_candidates() -> None:
    ks = [
        # prepaid, paid until 31 Jan: Feb, Mar, Apr unpaid = 3 periods > 2
        _k("PRE-3", "prepaid", date(2024, 1, 31), "blocked_manual"),
        # prepaid, paid until 29 Feb: Mar, Apr = 2 periods, not more than 2
        _k("PRE-2", "prepaid", date(2024, 2, 29), "blocked_auto"),
        # postpaid, paid until 31 Jan: Feb and Mar ended unpaid = 2 periods
        _k("POS-2", "postpaid", date(2024, 1, 31), "blocked_auto"),
        # 3 periods behind but access active (a different flag) or on financial hold
        _k("ACT-3", "prepaid", date(2024, 1, 31), "active"),
        _k("FA-3", "prepaid", date(2024, 1, 31), "financial_hold"),
    ]
    rep = paid_until_status(ks, as_of=AS_OF)
    rows = {r.contract_id: r for r in rep.rows}
    assert [r.contract_id for r in rep.flagged("cancel_candidate")] == ["PRE-3"]
    assert rows["PRE-3"].periods_behind == 3
    assert rows["PRE-3"].days_behind == 80
    assert rows["PRE-2"].periods_behind == 2
    assert rows["POS-2"].periods_behind == 2
    assert rows["ACT-3"].using_without_payment
    assert not rows["ACT-3"].cancel_candidate
    # on 1 May April has ended too: the postpaid one is now 3 periods behind
    rep = paid_until_status(ks, as_of=date(2024, 5, 1))
    assert {r.contract_id for r in rep.flagged("cancel_candidate")} == {"PRE-3", "PRE-2", "POS-2"}
    # threshold and blocked statuses are parameters
    rep = paid_until_status(ks, as_of=AS_OF, cancel_candidate_months=1)
    assert {r.contract_id for r in rep.flagged("cancel_candidate")} == {"PRE-3", "PRE-2", "POS-2"}
    rep = paid_until_status(ks, as_of=AS_OF, blocked_access=["financial_hold"])
    assert [r.contract_id for r in rep.flagged("cancel_candidate")] == ["FA-3"]


def test_as_of_datetime_and_time_zone() -> None:
    k = _k("K", "prepaid", date(2024, 4, 30))
    moment = datetime(2024, 5, 1, 1, 0, tzinfo=UTC)  # 30 Apr 22:00 in São Paulo
    assert _row("K", [k], as_of=moment).days_behind == 1  # 1 May (UTC)
    sp = ZoneInfo("America/Sao_Paulo")
    assert _row("K", [k], as_of=moment, tz=sp).days_behind == 0  # still 30 Apr


def test_summary_and_groups() -> None:
    ks = [
        _k("A", "prepaid", date(2024, 4, 30), customer_id="C1"),
        _k("B", "prepaid", date(2024, 3, 31), customer_id="C2"),
        _k("C", "postpaid", date(2024, 3, 31), customer_id="C2"),
        _k("D", "postpaid", None, customer_id="C3"),
        _k("E", "prepaid", date(2024, 8, 31), customer_id="C9"),
    ]
    rep = paid_until_status(ks, as_of=AS_OF)
    # A current, B behind (20 d), C current, D never paid, E ahead (+4)
    assert dict(rep.summary.counts) == {"current": 2, "behind": 1, "ahead": 1, "never_paid": 1}
    assert rep.summary.considered == 5
    assert rep.summary.share("behind") == 0.2
    assert rep.summary.using_without_payment == 1  # B: 20 > 15
    rep = paid_until_status(ks, as_of=AS_OF, by="billing_mode")
    assert rep.groups is not None
    assert dict(rep.groups["prepaid"].counts) == {
        "current": 1, "behind": 1, "ahead": 1, "never_paid": 0,
    }  # fmt: skip
    assert dict(rep.groups["postpaid"].counts) == {
        "current": 1, "behind": 0, "ahead": 0, "never_paid": 1,
    }  # fmt: skip
    custs = [Customer("C1", "Ana", region="SP"), Customer("C2", "Bia", region="RJ"),
             Customer("C3", "Caio", region="SP")]  # fmt: skip
    rep = paid_until_status(ks, as_of=AS_OF, by="region", customers=custs)
    assert rep.groups is not None
    # C9 is unknown: its region is missing (None), listed last
    assert list(rep.groups) == ["RJ", "SP", None]
    assert rep.groups["RJ"].considered == 2
    assert rep.groups["SP"].considered == 2
    assert rep.groups[None].counts["ahead"] == 1


def test_to_dict_is_json_with_pt_labels() -> None:
    rep = paid_until_status([_k("B", "prepaid", date(2024, 3, 31))], as_of=AS_OF, by="plan")
    d = rep.to_dict()
    json.dumps(d)
    assert d["rows"][0]["status"] == "behind"
    assert d["rows"][0]["status_pt"] == "Em atraso"
    assert d["rows"][0]["paid_until"] == "2024-03-31"
    assert d["summary"]["counts_pt"]["Em atraso"] == 1
    assert d["groups"]["groups"]["Fibra"]["considered"] == 1
    assert [s.label_pt for s in PaidUntilStatus] == [
        "Em dia",
        "Em atraso",
        "Adiantado",
        "Nunca pago",
    ]


# ---------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------


def test_not_a_contract_names_row_and_field() -> None:
    with pytest.raises(InvalidRecordError) as info:
        paid_until_status([_k("A", "prepaid", None), _any("K2")], as_of=AS_OF)
    assert "row 1" in str(info.value)
    assert "'contracts'" in str(info.value)


def test_duplicate_contract_id_names_record_and_field() -> None:
    with pytest.raises(InvalidRecordError) as info:
        paid_until_status([_k("A", "prepaid", None), _k("A", "postpaid", None)], as_of=AS_OF)
    assert "'A'" in str(info.value)
    assert "'id'" in str(info.value)


def test_not_a_customer_names_row_and_field() -> None:
    with pytest.raises(InvalidRecordError) as info:
        paid_until_status(
            [_k("A", "prepaid", None)], as_of=AS_OF, by="region", customers=[_any("C1")]
        )
    assert "row 0" in str(info.value)
    assert "'customers'" in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"ahead_limit_months": -1}, "ahead_limit_months"),
        ({"grace_days": -1}, "grace_days"),
        ({"grace_days": _any(1.5)}, "grace_days"),
        ({"cancel_candidate_months": _any(None)}, "cancel_candidate_months"),
        ({"contract_statuses": ["ativo"]}, "contract_statuses"),
        ({"in_use_access": ["on"]}, "in_use_access"),
        ({"blocked_access": ["CA"]}, "blocked_access"),
        ({"by": "colour"}, "colour"),
    ],
)
def test_status_parameter_validation(kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(InvalidParameterError, match=fragment):
        paid_until_status([_k("A", "prepaid", None)], as_of=AS_OF, **kwargs)


@pytest.mark.parametrize("window", [(2, -2), (0,), "0,2", (0, 1.5)])
def test_distribution_window_validation(window: Any) -> None:
    with pytest.raises(InvalidParameterError, match="healthy_window"):
        paid_until_distribution([], as_of=AS_OF, healthy_window=window)


def test_naive_as_of_raises() -> None:
    with pytest.raises(KpiError, match="as_of"):
        paid_until_status([], as_of=datetime(2024, 4, 20, 12))


# ---------------------------------------------------------------------------------------
# paid_until_distribution (the dashboard)
# ---------------------------------------------------------------------------------------


def _dashboard_contracts() -> list[Contract]:
    return [
        _k("K1", "prepaid", date(2024, 4, 30)),  # offset 0
        _k("K2", "prepaid", date(2024, 3, 31)),  # -1
        _k("K3", "postpaid", date(2024, 3, 31), "blocked_auto"),  # -1
        _k("K4", "prepaid", date(2023, 12, 31), "blocked_manual"),  # -4
        _k("K5", "prepaid", date(2024, 8, 31)),  # +4
        _k("K6", "prepaid", None),  # never paid
        _k("K7", "prepaid", date(2024, 4, 30), exempt=True),  # excluded
        _k("K8", "prepaid", None, activation_date=date(2024, 5, 1)),  # excluded
    ]


def test_distribution_hand_worked() -> None:
    d = paid_until_distribution(_dashboard_contracts(), as_of=AS_OF)
    # bins: the window -2..2 (zeros kept) plus the non-empty -4 and +4
    assert d.counts() == {-4: 1, -2: 0, -1: 2, 0: 1, 1: 0, 2: 0, 4: 1}
    assert [b.month.label for b in d.bins] == [
        "2023-12", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06", "2024-08",
    ]  # fmt: skip
    assert [b.in_healthy_window for b in d.bins] == [False, True, True, True, True, True, False]
    minus1 = d.bins[2]
    assert (minus1.by_access["active"], minus1.by_access["blocked_auto"]) == (1, 1)
    # considered = 5 in bins + 1 never paid = 6; in window: K1, K2, K3 = 3 -> 3/6
    assert (d.considered, d.never_paid, d.in_window, d.healthy_share) == (6, 1, 3, 0.5)
    assert d.never_paid_by_access["active"] == 1
    # by access: active K1, K2, K5, K6 = 4; blocked_auto K3; blocked_manual K4
    assert (d.by_access["active"], d.by_access["blocked_auto"], d.by_access["blocked_manual"]) == (
        4, 1, 1,
    )  # fmt: skip
    assert d.coverage["excluded_exempt"] == 1
    assert d.coverage["excluded_not_yet_active"] == 1
    assert d.as_of_month.label == "2024-04"


def test_distribution_window_is_configurable() -> None:
    ks = _dashboard_contracts()
    d = paid_until_distribution(ks, as_of=AS_OF, healthy_window=(0, 0))
    # only K1 (offset 0) is inside: 1/6
    assert d.counts() == {-4: 1, -1: 2, 0: 1, 4: 1}
    assert (d.in_window, d.healthy_share) == (1, 1 / 6)
    d = paid_until_distribution(ks, as_of=AS_OF, healthy_window=(-6, 6))
    assert (d.in_window, d.healthy_share) == (5, 5 / 6)
    assert len(d.bins) == 13  # -6..6


def test_distribution_empty_and_groups() -> None:
    d = paid_until_distribution([], as_of=AS_OF)
    assert (d.considered, d.healthy_share) == (0, None)
    d = paid_until_distribution(_dashboard_contracts(), as_of=AS_OF, by="access_status")
    assert d.groups is not None
    assert list(d.groups) == ["active", "blocked_auto", "blocked_manual"]
    assert d.groups["active"].counts() == {-2: 0, -1: 1, 0: 1, 1: 0, 2: 0, 4: 1}
    assert d.groups["active"].never_paid == 1
    assert d.groups["blocked_manual"].healthy_share == 0.0
    json.dumps(d.to_dict())


# ---------------------------------------------------------------------------------------
# properties
# ---------------------------------------------------------------------------------------


def _ref_anchor_date(year: int, month: int, anchor: int) -> date:
    """Independent reference: the anchor day of a month, clipped (calendar module)."""
    return date(year, month, min(anchor, calendar.monthrange(year, month)[1]))


def _ref_advance(d: date, n: int, anchor: int) -> date:
    if n == 0:
        return d
    m = d.year * 12 + d.month - 1 + n
    return _ref_anchor_date(m // 12, m % 12 + 1, anchor)


anchors = st.integers(1, 31)
months = st.integers(2000 * 12, 2100 * 12)
steps = st.integers(-60, 60)


def _on_anchor(m: int, anchor: int) -> date:
    return _ref_anchor_date(m // 12, m % 12 + 1, anchor)


@given(months, anchors, steps, steps)
def test_property_advance_n_then_m_with_anchor(m: int, anchor: int, n1: int, n2: int) -> None:
    # anchored arithmetic is never chained: exact for every date on its anchor,
    # clipped months included
    d = _on_anchor(m, anchor)
    once = advance_paid_until(d, n1, anchor_day=anchor)
    assert advance_paid_until(once, n2, anchor_day=anchor) == advance_paid_until(
        d, n1 + n2, anchor_day=anchor
    )
    assert once == _ref_advance(d, n1, anchor)


@given(st.dates(date(2000, 1, 1), date(2100, 1, 1)), steps, steps)
def test_property_advance_n_then_m_default_anchor(d: date, n1: int, n2: int) -> None:
    # where no clipping interferes (day <= 27 never clips nor becomes a month's last day)
    d = d.replace(day=min(d.day, 27))
    assert advance_paid_until(advance_paid_until(d, n1), n2) == advance_paid_until(d, n1 + n2)


@given(months, anchors, st.integers(1, 60))
def test_property_reversal_undoes_payment(m: int, anchor: int, n: int) -> None:
    d = _on_anchor(m, anchor)
    later = advance_paid_until(d, n, anchor_day=anchor)
    assert later > d
    assert advance_paid_until(later, -n, anchor_day=anchor) == d
    assert advance_paid_until(d, n + 1, anchor_day=anchor) > later


@st.composite
def _evaluated_contract(draw: st.DrawFn) -> tuple[Contract, date]:
    as_of = draw(st.dates(date(2020, 1, 1), date(2026, 12, 31)))
    anchor = draw(anchors)
    m = as_of.year * 12 + as_of.month - 1 + draw(st.integers(-30, 6))
    paid = _on_anchor(m, anchor) + timedelta(days=draw(st.sampled_from([0, 0, 0, -3, 2])))
    contract = _k(
        "K",
        draw(st.sampled_from(["prepaid", "postpaid"])),
        paid,
        draw(st.sampled_from(["active", "blocked_auto", "reduced"])),
        billing_day=anchor,
    )
    return contract, as_of


@given(_evaluated_contract())
def test_property_row_matches_reference(case: tuple[Contract, date]) -> None:
    k, as_of = case
    assert k.paid_until is not None
    assert k.billing_day is not None
    r = _row("K", [k], as_of=as_of, ahead_limit_months=100)
    anchor = k.billing_day
    # expected coverage from the scalar rule
    assert r.expected_paid_until == expected_paid_until(as_of, k.billing_mode, anchor_day=anchor)
    # days behind, independently
    if k.billing_mode == "prepaid":
        ref_days = max(0, (as_of - k.paid_until).days)
    else:
        ref_days = max(0, (as_of - _ref_advance(k.paid_until, 1, anchor)).days)
    assert r.days_behind == ref_days
    assert (r.status is PaidUntilStatus.BEHIND) == (ref_days > 0)
    assert (r.days_behind > 0) == (r.periods_behind > 0)
    # paying the periods behind makes the contract current; one fewer does not
    paid = attrs.evolve(k, paid_until=_ref_advance(k.paid_until, r.periods_behind, anchor))
    assert _row("K", [paid], as_of=as_of, ahead_limit_months=100).days_behind == 0
    if r.periods_behind > 0:
        short = _ref_advance(k.paid_until, r.periods_behind - 1, anchor)
        left = _row("K", [attrs.evolve(k, paid_until=short)], as_of=as_of)
        assert left.days_behind > 0
    # month offset, independently
    assert r.month_offset == (k.paid_until.year - as_of.year) * 12 + (
        k.paid_until.month - as_of.month
    )


def _unique(contracts: list[Contract]) -> list[Contract]:
    return [attrs.evolve(k, id=f"K{i}") for i, k in enumerate(contracts)]


@given(
    st.lists(contract_strategy(), max_size=25).map(_unique),
    st.dates(date(2015, 1, 1), date(2030, 12, 31)),
    st.integers(-3, 0),
    st.integers(0, 3),
)
def test_property_distribution_counts_add_up(
    contracts: list[Contract], as_of: date, low: int, high: int
) -> None:
    d = paid_until_distribution(
        contracts, as_of=as_of, healthy_window=(low, high), contract_statuses=None
    )
    assert sum(b.count for b in d.bins) + d.never_paid == d.considered == d.coverage["used"]
    assert sum(d.coverage.values()) == len(contracts)
    assert sum(d.by_access.values()) == d.considered
    for b in d.bins:
        assert sum(b.by_access.values()) == b.count
    assert d.in_window == sum(b.count for b in d.bins if b.in_healthy_window)
    assert [b.offset for b in d.bins] == sorted(b.offset for b in d.bins)
    rep = paid_until_status(contracts, as_of=as_of, contract_statuses=None)
    assert sum(rep.summary.counts.values()) == rep.summary.considered == d.considered
    assert rep.summary.counts["never_paid"] == d.never_paid


@given(
    st.lists(contract_strategy(), max_size=20).map(_unique),
    st.lists(customer_strategy(), max_size=5),
    st.dates(date(2015, 1, 1), date(2030, 12, 31)),
    st.randoms(use_true_random=False),
)
def test_property_groups_partition_and_order_invariance(
    contracts: list[Contract], customers: list[Customer], as_of: date, rnd: Any
) -> None:
    custs = {c.id: c for c in customers}
    rep = paid_until_status(contracts, as_of=as_of, by="region", customers=custs)
    assert rep.groups is not None
    assert sum(g.considered for g in rep.groups.values()) == rep.summary.considered
    for status in PaidUntilStatus:
        assert (
            sum(g.counts[status.value] for g in rep.groups.values())
            == (rep.summary.counts[status.value])
        )
    shuffled = list(contracts)
    rnd.shuffle(shuffled)
    again = paid_until_status(shuffled, as_of=as_of, by="region", customers=custs)
    assert sorted(rep.rows, key=lambda r: r.contract_id) == sorted(
        again.rows, key=lambda r: r.contract_id
    )
    assert rep.summary == again.summary
