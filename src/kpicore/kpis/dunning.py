"""Dunning (collection letters, *régua de cobrança*): rate, effectiveness, adherence.

A dunning letter is a *Collection Letter Generated* event; its level is the
event attribute ``dunning_level`` (``roles.dunning_level``; without that
attribute, the letter's rank within its invoice: 1, 2, 3...). Invoices are
read through the shared ledger (:func:`kpicore.kpis._ledger.ledger`: issue,
due date, settlement and write-off as of an instant), and every computation
is a vectorised scan over the letter events and the per-invoice arrays --
Python loops run only over levels, periods or groups.

Functions
---------
:func:`dunning_rate`
    Share of the invoices overdue in a period that received a letter, and
    letters per overdue invoice.
:func:`dunning_effectiveness`
    Per level: invoices that reached it, share paid after it, days from the
    letter to payment; payment rate by the highest level reached; the level
    at which invoices finally got paid.
:func:`dunning_adherence`
    Letters sent on time, early or late against a declared schedule (a
    :class:`DunningSchedule`, e.g. the Anatel RGC presets), and the overdue
    invoices that missed a level.

Time convention
---------------
An invoice is *overdue* from the end of its due date (00:00 of the next day,
UTC or in ``tz``; day 0 is the due date, day 1 the first overdue day [ORABI]_)
until it is settled or written off. Events are known as of ``as_of`` when
strictly before it (a date means its end). With ``as_of=None`` the horizon
is the log's last event: an invoice still open then is overdue up to that
instant.

References
----------
Microsoft Dynamics 365 Finance, "Create a collection letter sequence": letter 1
a number of days after the due date, letter 2+ after the previous letter was
posted [D-CLS]_; the sources disagree on the clock (due date vs previous
letter), hence ``clock=``. SAP Learning, "Defining Dunning Procedures and
Levels": dunning levels by days in arrears and the dunning interval [SAPI]_. No
published source defines a dunning rate or dunning effectiveness: the
definitions here are kpicore's, stated in each docstring. Presets: Anatel's RGC,
Resolução 632/2014 [ANATEL-2014]_ and Resolução 765/2023 [ANATEL-SUSP]_
[ANATEL-RESC]_. Titles and URLs: the documentation's References page.
"""

from __future__ import annotations

import datetime as _dt
import functools
import itertools
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, Literal, NamedTuple

import attrs
import numpy as np
import numpy.typing as npt

from kpicore import _merge
from kpicore.bankcalendar import BankCalendar, check_calendar
from kpicore.errors import InvalidParameterError, InvalidRecordError
from kpicore.eventlog import EventLog
from kpicore.grouping import By
from kpicore.kpis._events import (
    NS_PER_DAY_F,
    check_roles,
    day_end_ns,
    day_start_ns,
    freeze,
    heads,
    horizon_ns,
    levels_of,
    limit_ns,
    next_at_or_after,
    ratio,
    ro,
    role_events,
)
from kpicore.kpis._ledger import (
    DEFAULT_ROLES,
    MISSING,
    InvoiceData,
    Ledger,
    Roles,
    as_index,
    as_log,
    check_int,
    item_grouping,
    ledger_of,
    memo,
    to_day,
)
from kpicore.model import Customer
from kpicore.periods import Freq, Period, bucket
from kpicore.results import Breakdown, Result
from kpicore.sketch import QuantileSketch
from kpicore.summary import DEFAULT_PERCENTILES, Summary
from kpicore.threads import run_all

__all__ = [
    "DUNNING_PRESETS",
    "DunningAdherence",
    "DunningAdherenceGroup",
    "DunningEffectiveness",
    "DunningEffectivenessGroup",
    "DunningLevelAdherence",
    "DunningLevelStats",
    "DunningLevels",
    "DunningMaxLevelStats",
    "DunningRate",
    "DunningRateGroup",
    "DunningSchedule",
    "DunningStep",
    "dunning_adherence",
    "dunning_effectiveness",
    "dunning_levels",
    "dunning_rate",
    "isp_typical_schedule",
    "rgc_2014_schedule",
    "rgc_2023_schedule",
]

_I64 = npt.NDArray[np.int64]
_B = npt.NDArray[np.bool_]
_NO_CASES: Final[_I64] = np.zeros(0, dtype=np.int64)
ScheduleClock = Literal["due_date", "previous_letter"]
_CLOCKS: tuple[str, ...] = ("due_date", "previous_letter")
_Customers = Iterable[Customer] | Mapping[str, Customer] | None


def _check_label(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidParameterError(f"{name} must be a non-empty string, got {value!r}")
    return value


def _check_clock(value: object) -> ScheduleClock:
    if value not in _CLOCKS:
        raise InvalidParameterError(f"clock={value!r}: expected 'due_date' or 'previous_letter'")
    return value  # type: ignore[return-value]


def _period_dates(ordinals: _I64, freq: Freq) -> npt.NDArray[np.datetime64]:
    """The first day of each period ordinal (one Python call per distinct period)."""
    uniq, inv = np.unique(ordinals, return_inverse=True)
    starts = np.array(
        [np.datetime64(Period.from_ordinal(int(o), freq).start, "D") for o in uniq.tolist()],
        dtype="datetime64[D]",
    )
    return starts[inv.reshape(ordinals.shape)] if ordinals.shape[0] else starts


def _level_counts(
    levels: npt.NDArray[np.signedinteger[Any]], size: int, where: _B | None = None
) -> _I64:
    """How many of ``levels`` (where ``where``) equal each of ``0 .. size - 1``.

    Dunning levels are few: one comparison per level is cheaper than ``bincount``,
    which first widens the narrow per-invoice levels to ``intp``.

    Examples
    --------
    >>> lv = np.array([0, 2, 2, 1], dtype=np.int8)
    >>> _level_counts(lv, 3).tolist(), _level_counts(lv, 3, lv != 1).tolist()
    ([1, 1, 2], [1, 0, 2])
    """
    if size > 64:
        return np.bincount(levels if where is None else levels[where], minlength=size)
    out = np.zeros(size, dtype=np.int64)
    for k in range(size):
        eq = levels == k
        if where is not None:
            eq &= where
        out[k] = np.count_nonzero(eq)
    return out


def _fits(lo: int, hi: int, dtype: str) -> bool:
    info = np.iinfo(dtype)
    return info.min <= lo and hi <= info.max


def _case_max(c: _I64, v: _I64, n: int) -> npt.NDArray[np.signedinteger[Any]]:
    """Per case, the max of ``v`` over the items of that case (``c`` ascending; 0 if
    none), in the narrowest of int8, int16, int64 that holds ``v`` (levels are small:
    one byte per invoice instead of eight)."""
    lo, top = (int(v.min()), int(v.max())) if v.shape[0] else (0, 0)
    dtype = next(t for t in ("int8", "int16", "int64") if _fits(lo, top, t))
    out: npt.NDArray[np.signedinteger[Any]] = np.zeros(n, dtype=dtype)
    if not c.shape[0]:
        return out
    if lo >= 0:  # the 0 of a case without items is below every value: one maximum.at
        # (numpy >= 1.25 runs ufunc.at fast when the index is intp and the dtypes match;
        # about four times faster than reduceat over short runs)
        np.maximum.at(out, as_index(c), v.astype(dtype, copy=False))
        return out
    h = np.flatnonzero(heads(c))
    out[c[h]] = np.maximum.reduceat(v, h)
    return out


class _Letters(NamedTuple):
    idx: _I64  # event indices of the letters known as of the bound, ascending
    case: _I64
    ts: _I64
    level: _I64  # 0 = no usable level
    level_source: str
    after_bound: int


def _letters(log: EventLog, roles: Roles, limit: int, *, levels: bool = True) -> _Letters:
    """The letters known before ``limit`` (memoised per log and bound), with their levels."""
    idx, case, ts, known, after = memo(
        log,
        ("letters", roles.letter, limit),
        lambda: _known_letters(log, roles, limit),
        as_of_dependent=True,
    )
    if not levels:
        return _Letters(idx, case, ts, np.zeros(idx.shape[0], dtype=np.int64), "not read", after)
    try:  # the levels of every letter, read once per log
        level_all, source = memo(log, ("letter_levels", roles), lambda: _all_levels(log, roles))
        level = level_all if known is None else np.compress(known, level_all)
    except InvalidRecordError:  # a bad level: raise only if it is known as of the bound
        level, source = levels_of(log, roles, idx)
    return _Letters(idx, case, ts, level, source, after)


def _known_letters(
    log: EventLog, roles: Roles, limit: int
) -> tuple[_I64, _I64, _I64, _B | None, int]:
    """Event indices, cases and instants of the letters before ``limit``; the mask of
    those among all letters (None: all) and the number after it."""
    idx = role_events(log, roles.letter, "letter")
    ts = log.timestamps[idx]
    known = ts < limit
    after = int(idx.shape[0] - np.count_nonzero(known))
    if after:
        idx, ts = np.compress(known, idx), np.compress(known, ts)
    mask = ro(known) if after else None
    return ro(idx), ro(log.case_codes[idx].astype(np.int64)), ro(ts), mask, after


def _all_levels(log: EventLog, roles: Roles) -> tuple[_I64, str]:
    level, source = levels_of(log, roles, role_events(log, roles.letter, "letter"))
    return ro(level), source


# --------------------------------------------------------------------------- dunning rate

LettersWindow = Literal["period", "to_date"]


@attrs.frozen(repr=False)
class DunningRateGroup(Result):
    """Dunning rate of one group (or period).

    Attributes
    ----------
    overdue : int
        Invoices overdue at some instant of the window (the period, up to
        ``as_of``).
    dunned : int
        Those that received at least one letter in the window (or, with
        ``letters_window="to_date"``, by the end of the window).
    rate : float or None
        ``dunned / overdue``; None when no invoice was overdue.
    letters : int
        Letters sent to those invoices (in the window, or up to its end).
    letters_per_overdue : float or None
        ``letters / overdue``; None when no invoice was overdue.
    """

    overdue: int
    dunned: int
    rate: float | None
    letters: int
    letters_per_overdue: float | None

    def merge(self, other: DunningRateGroup) -> DunningRateGroup:
        """The group over both invoice sets (disjoint): counts added, rates recomputed."""
        _merge.check_type(self, other)
        return _rate_group(
            self.overdue + other.overdue, self.dunned + other.dunned, self.letters + other.letters
        )


@attrs.frozen(repr=False)
class DunningRate(Result):
    """Result of :func:`dunning_rate`.

    Attributes
    ----------
    overdue, dunned, rate, letters, letters_per_overdue
        As in :class:`DunningRateGroup`, over the whole window (everything
        before ``as_of``): an invoice overdue in several periods counts once
        here and once in each period group.
    letters_window : str
        ``"period"`` or ``"to_date"``.
    coverage : Mapping[str, int]
        ``used`` (= ``overdue``), ``not_overdue`` (issued, never overdue in
        the window), ``missing_due_date``, ``issued_after_as_of``,
        ``no_issue_event``, ``letters_to_invoices_not_overdue`` (letters
        before ``as_of`` to invoices not counted, e.g. reminders before the
        due date) and ``letters_after_as_of``.
    groups : Breakdown of DunningRateGroup or None
        By ``by=`` and/or period (``freq=``): each period holds the invoices
        overdue at some instant of it.
    """

    overdue: int
    dunned: int
    rate: float | None
    letters: int
    letters_per_overdue: float | None
    letters_window: str
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    groups: Breakdown[DunningRateGroup] | None = None

    def merge(self, other: DunningRate) -> DunningRate:
        """The dunning rate of both invoice sets (disjoint), equal to that of their union.

        Counts and coverage are added, rates recomputed from the merged
        counts, groups merged key-wise. Both results must cover the same
        window: pass the same explicit ``as_of`` (without it each ends at its
        own log's last event, which this method cannot check).

        Raises
        ------
        InvalidParameterError
            For a different ``letters_window`` or grouping.

        Examples
        --------
        >>> import datetime as dt
        >>> from kpicore.synth import synth_invoices
        >>> invs, d = synth_invoices(80, seed=4), dt.date(2024, 9, 30)
        >>> a, b = dunning_rate(invs[:30], as_of=d), dunning_rate(invs[30:], as_of=d)
        >>> a.merge(b) == dunning_rate(invs, as_of=d)
        True
        """
        _merge.check_type(self, other)
        total = _rate_group(
            self.overdue + other.overdue, self.dunned + other.dunned, self.letters + other.letters
        )
        return DunningRate(
            overdue=total.overdue,
            dunned=total.dunned,
            rate=total.rate,
            letters=total.letters,
            letters_per_overdue=total.letters_per_overdue,
            letters_window=_merge.same(
                self.letters_window, other.letters_window, "letters windows"
            ),
            coverage=_merge.add_counts(self.coverage, other.coverage),
            groups=_merge.merge_groups(self.groups, other.groups, DunningRateGroup.merge),
        )


def _rate_group(overdue: int, dunned: int, letters: int) -> DunningRateGroup:
    return DunningRateGroup(
        overdue=overdue,
        dunned=dunned,
        rate=ratio(dunned, overdue),
        letters=letters,
        letters_per_overdue=ratio(letters, overdue),
    )


def dunning_rate(
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime | None = None,
    tz: _dt.tzinfo | None = None,
    by: By = None,
    freq: Freq | None = None,
    letters_window: LettersWindow = "period",
    customers: _Customers = None,
    roles: Roles = DEFAULT_ROLES,
    calendar: BankCalendar | None = None,
) -> DunningRate:
    """Dunning rate: share of the overdue invoices that received a collection letter.

    Parameters
    ----------
    data : sequence of Invoice or EventLog
    as_of : date or aware datetime, optional
        End of the window (exclusive; a date means its end, in ``tz``).
        ``None``: the log's last event.
    tz : tzinfo, optional
        Calendar of a date ``as_of``, of the due dates (a due date passes at
        00:00 of the next day in ``tz``) and of the ``freq`` periods (UTC by
        default).
    by : str, callable or sequence, optional
        A dimension of the invoice (``"collector"``, ``"segment"`` with
        ``customers=``, ``"currency"``...).
    freq : {"day", "week", "month", "quarter", "year"}, optional
        One group per period: the invoices overdue at some instant of it.
    letters_window : {"period", "to_date"}
        ``"period"`` (default): an invoice is dunned in a period when it got
        a letter *in that period* (collection activity of the period);
        ``"to_date"``: when it got one by the end of the period (coverage of
        the overdue book). Without ``freq`` both mean "before ``as_of``".
    customers : iterable or mapping of Customer, optional
        For ``by=`` on customer attributes.
    roles : Roles
        Activities and attribute names.
    calendar : BankCalendar, optional
        Roll each due date to the next business day first
        (:class:`kpicore.bankcalendar.BankCalendar`, Lei 7.089/1983): an
        invoice due on a holiday is overdue only after the next business day.

    Returns
    -------
    DunningRate

    Raises
    ------
    InvalidParameterError
        For a bad ``letters_window``, ``freq`` or ``by``.

    Notes
    -----
    An invoice is overdue in the window ``[start, end)`` when its overdue
    interval ``[end of due date, min(settled, written off, as_of))`` meets
    the window. ``rate = dunned / overdue`` and ``letters_per_overdue =
    letters / overdue``, letters counted in the same window as ``dunned``.
    A window with no overdue invoice gives ``rate=None`` (and
    ``letters_per_overdue=None``) with ``overdue=0``. kpicore's definition:
    no published source defines a dunning rate.

    Examples
    --------
    Three invoices due 10 Jan: F-1 paid on time, F-2 overdue and dunned
    twice, F-3 overdue without a letter:

    >>> import datetime as dt
    >>> from kpicore.model import DunningLetter, Invoice, Payment
    >>> from kpicore.money import Money
    >>> invs = [
    ...     Invoice("F-1", "C1", "2024-01-01", "2024-01-10", Money.of(10, "BRL"),
    ...             payments=[Payment("2024-01-09", Money.of(10, "BRL"))]),
    ...     Invoice("F-2", "C1", "2024-01-01", "2024-01-10", Money.of(10, "BRL"),
    ...             dunning_letters=[DunningLetter(1, "2024-01-15"),
    ...                              DunningLetter(2, "2024-01-25")]),
    ...     Invoice("F-3", "C2", "2024-01-01", "2024-01-10", Money.of(10, "BRL")),
    ... ]
    >>> r = dunning_rate(invs, as_of=dt.date(2024, 1, 31))
    >>> r.overdue, r.dunned, r.rate, r.letters_per_overdue
    (2, 1, 0.5, 1.0)
    """
    if letters_window not in ("period", "to_date"):
        raise InvalidParameterError(
            f"letters_window={letters_window!r}: expected 'period' or 'to_date'"
        )
    check_roles(roles)
    cal = check_calendar(calendar)
    log = as_log(data)
    limit = horizon_ns(log, as_of, tz)
    lg = ledger_of(log, as_of=as_of, tz=tz, roles=roles)  # as_of None: all events < horizon
    n = log.n_cases
    p = lg.prepared
    found: dict[str, Any] = {}

    def letters() -> None:
        found["let"] = let = _letters(log, roles, limit, levels=False)
        if by is None:  # whether each invoice got a letter: one byte per invoice
            dunned = np.zeros(n, dtype=bool)
            dunned[let.case] = True
            found["dunned"] = dunned
        else:  # letters per invoice, for the groups' letter counts
            found["per_case"] = np.bincount(let.case, minlength=n)
            found["dunned"] = found["per_case"] > 0

    def due_dates() -> None:
        due = lg.due_days if cal is None else cal.roll_days(lg.due_days)
        found["due_end"] = day_end_ns(due, tz)

    # independent work at once, taken by whichever thread is free (kpicore.threads):
    # the covering payments, the letters, the settlement and issue events (what the
    # settlement instants wait for) first; then the write-off events and the due
    # dates; then the settlement instants (which the next KPI, effectiveness, reads
    # too); the coverage counts
    run_all(
        [
            lambda: p.cover_ns,
            letters,
            lambda: p.settled_first_ns,
            lambda: lg.is_issued,
            lambda: p.written_first,
            due_dates,
            lambda: lg.settled_ns,
            lambda: lg.coverage,
        ],
        rows=log.n_events,
    )
    issued = lg.is_issued
    has_due = lg.has_due_date
    due_end, let, dunned = found["due_end"], found["let"], found["dunned"]
    settled = lg.settled_ns
    # overdue: due before the closing instant -- the earlier of settlement and write-off
    # (MISSING: never) -- and before the bound, in one-byte masks: no closing-instant
    # column, the few write-offs compared where they are
    overdue = due_end < limit
    overdue &= issued
    overdue &= has_due
    open_then = settled == MISSING
    open_then |= due_end < settled
    # (a write-off after the bound is after the due date of an invoice overdue by then:
    # no need to drop the unknown ones first)
    wo_cases, wo_ns = p.written_first
    open_then[wo_cases] &= due_end[wo_cases] < wo_ns
    overdue &= open_then
    n_overdue = int(np.count_nonzero(overdue))
    on_overdue = overdue[let.case]
    n_letters = int(np.count_nonzero(on_overdue))
    dunned &= overdue  # (a fresh mask of this call)
    dunned_total = int(np.count_nonzero(dunned))
    # the overdue invoices' codes, for the groups only
    grouped = freq is not None or by is not None
    cases = np.flatnonzero(overdue).astype(np.int64, copy=False) if grouped else _NO_CASES
    cov = lg.coverage
    coverage = {
        "used": n_overdue,
        "not_overdue": int(np.count_nonzero(issued & has_due)) - n_overdue,  # a subset
        "missing_due_date": cov["missing_due_date"],
        "issued_after_as_of": cov["issued_after_as_of"],
        "no_issue_event": cov["no_issue_event"],
        "letters_to_invoices_not_overdue": int(let.case.shape[0]) - n_letters,
        "letters_after_as_of": let.after_bound,
    }
    groups = None
    if freq is not None:
        groups = _rate_by_period(
            data, log, cases, due_end, lg.closed_ns, limit, let, on_overdue, by=by, freq=freq,
            tz=tz, window=letters_window, customers=customers, roles=roles,
        )  # fmt: skip
    elif by is not None:
        counts = found["per_case"][cases]
        g = item_grouping(data, log, cases, by=by, freq=None, when=None, tz=tz,
                      customers=customers, roles=roles)  # fmt: skip
        assert g is not None
        groups = g.breakdown(
            lambda ix: _rate_group(
                int(ix.shape[0]), int(np.count_nonzero(counts[ix] > 0)), int(counts[ix].sum())
            )
        )
    total = _rate_group(n_overdue, dunned_total, n_letters)
    return DunningRate(
        overdue=total.overdue,
        dunned=total.dunned,
        rate=total.rate,
        letters=total.letters,
        letters_per_overdue=total.letters_per_overdue,
        letters_window=letters_window,
        coverage=coverage,
        groups=groups,
    )


def _rate_by_period(
    data: InvoiceData,
    log: EventLog,
    cases: _I64,
    due_end: _I64,
    close: _I64,
    limit: int,
    let: _Letters,
    on_overdue: _B,
    *,
    by: By,
    freq: Freq,
    tz: _dt.tzinfo | None,
    window: LettersWindow,
    customers: _Customers,
    roles: Roles,
) -> Breakdown[DunningRateGroup]:
    """Explode each overdue invoice into the periods its overdue interval meets."""
    # each overdue invoice's end: the earlier of its closing (MISSING: never; wrapped
    # round to +infinity by - 1, see kpicore.kpis._ledger._earliest) and the bound
    last_ns = np.subtract(close[cases], 1)
    np.minimum(last_ns, limit - 1, out=last_ns)
    first = bucket(due_end[cases], freq, tz=tz) if cases.shape[0] else cases.copy()
    last = bucket(last_ns, freq, tz=tz) if cases.shape[0] else cases.copy()
    span = last - first + 1
    item_case = np.repeat(cases, span)
    starts = np.cumsum(span) - span
    item_ord = np.repeat(first - starts, span) + np.arange(int(span.sum()), dtype=np.int64)
    # letters of the overdue invoices, with their period
    lc = let.case[on_overdue]
    lo = bucket(let.ts[on_overdue], freq, tz=tz) if lc.shape[0] else lc.copy()
    o_min = int(min(item_ord.min(initial=0), lo.min(initial=0)))
    o_max = int(max(item_ord.max(initial=0), lo.max(initial=0)))
    width = o_max - o_min + 1
    item_key = item_case * width + (item_ord - o_min)
    letter_key = lc * width + (lo - o_min)  # ascending: letters are in (case, time) order
    if window == "period":
        left = np.searchsorted(letter_key, item_key, side="left")
    else:
        left = np.searchsorted(letter_key, item_case * width, side="left")
    right = np.searchsorted(letter_key, item_key, side="right")
    counts = (right - left).astype(np.int64)
    g = item_grouping(
        data, log, item_case, by=by, freq=freq, when=_period_dates(item_ord, freq), tz=None,
        customers=customers, roles=roles,
    )  # fmt: skip
    assert g is not None
    return g.breakdown(
        lambda ix: _rate_group(
            int(ix.shape[0]), int(np.count_nonzero(counts[ix] > 0)), int(counts[ix].sum())
        )
    )


# --------------------------------------------------------------------------- effectiveness

PaidMeasure = Literal["settled", "any_payment"]


@attrs.frozen(repr=False)
class DunningLevelStats(Result):
    """What happened after the letters of one dunning level.

    Attributes
    ----------
    level : int
    reached : int
        Invoices that got a letter of this level (their first one counts).
    paid_after : int
        Of those, invoices paid at or after that letter (by ``as_of``).
    paid_share : float or None
        ``paid_after / reached`` (None when none reached the level).
    paid_before_letter : int
        Invoices already settled when the letter was sent (dunned in error);
        included in ``reached``, never in ``paid_after``.
    days_to_payment : Summary or QuantileSketch
        Days from the letter to the payment, for the invoices paid after it;
        the others are ``missing``. A :class:`~kpicore.sketch.QuantileSketch`
        (same statistics attributes) in the sketch mode of :mod:`kpicore.dask`.
    """

    level: int
    reached: int
    paid_after: int
    paid_share: float | None
    paid_before_letter: int
    days_to_payment: Summary | QuantileSketch

    def merge(self, other: DunningLevelStats) -> DunningLevelStats:
        """The level over both invoice sets (disjoint): counts added, share recomputed."""
        _merge.check_type(self, other)
        reached = self.reached + other.reached
        paid_after = self.paid_after + other.paid_after
        return DunningLevelStats(
            level=_merge.same(self.level, other.level, "levels"),
            reached=reached,
            paid_after=paid_after,
            paid_share=_merge.ratio(paid_after, reached),
            paid_before_letter=self.paid_before_letter + other.paid_before_letter,
            days_to_payment=_merge.merge_stat(self.days_to_payment, other.days_to_payment),
        )


@attrs.frozen(repr=False)
class DunningMaxLevelStats(Result):
    """Payment rate of the invoices whose highest dunning level (by ``as_of``) is ``level``.

    Attributes
    ----------
    level : int
        0 = never dunned.
    invoices : int
    paid : int
        Settled by ``as_of``.
    rate : float or None
        ``paid / invoices``.
    """

    level: int
    invoices: int
    paid: int
    rate: float | None

    def merge(self, other: DunningMaxLevelStats) -> DunningMaxLevelStats:
        """The level over both invoice sets (disjoint): counts added, rate recomputed."""
        _merge.check_type(self, other)
        invoices = self.invoices + other.invoices
        paid = self.paid + other.paid
        return DunningMaxLevelStats(
            level=_merge.same(self.level, other.level, "levels"),
            invoices=invoices,
            paid=paid,
            rate=_merge.ratio(paid, invoices),
        )


@attrs.frozen(repr=False)
class DunningEffectivenessGroup(Result):
    """Dunning effectiveness of one group.

    Attributes
    ----------
    invoices : int
        Invoices issued (before ``as_of``).
    levels : Mapping[int, DunningLevelStats]
        Per dunning level, ascending.
    by_max_level : Mapping[int, DunningMaxLevelStats]
        Per highest level reached (0 = never dunned), ascending.
    paid_at_level : Mapping[int, int]
        Settled invoices by the highest level sent *before* the settlement
        (0 = paid without a letter): the level at which invoices finally get
        paid.
    """

    invoices: int
    levels: Mapping[int, DunningLevelStats] = attrs.field(converter=freeze)
    by_max_level: Mapping[int, DunningMaxLevelStats] = attrs.field(converter=freeze)
    paid_at_level: Mapping[int, int] = attrs.field(converter=freeze)

    def merge(self, other: DunningEffectivenessGroup) -> DunningEffectivenessGroup:
        """The group over both invoice sets (disjoint): level by level."""
        _merge.check_type(self, other)
        return _merge_effectiveness(self, other)


@attrs.frozen(repr=False)
class DunningEffectiveness(Result):
    """Result of :func:`dunning_effectiveness`.

    Attributes
    ----------
    invoices, levels, by_max_level, paid_at_level
        As in :class:`DunningEffectivenessGroup`, over all invoices issued.
    paid_measure : str
        ``"settled"`` or ``"any_payment"`` (what "paid after the letter" means).
    level_source : str
        ``"attribute"`` (the letters' ``dunning_level``) or ``"sequence"``
        (no such attribute: the letter's rank in its invoice).
    coverage : Mapping[str, int]
        ``used`` (invoices issued), ``issued_after_as_of``,
        ``no_issue_event``, ``letters`` (known letters on those invoices),
        ``letters_without_level``, ``repeated_letters`` (a second letter of a
        level already reached), ``letters_on_cases_not_counted`` and
        ``letters_after_as_of``.
    groups : Breakdown of DunningEffectivenessGroup or None
        By ``by=`` and/or issue period (``freq=``).
    """

    invoices: int
    levels: Mapping[int, DunningLevelStats] = attrs.field(converter=freeze)
    by_max_level: Mapping[int, DunningMaxLevelStats] = attrs.field(converter=freeze)
    paid_at_level: Mapping[int, int] = attrs.field(converter=freeze)
    paid_measure: str
    level_source: str
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    groups: Breakdown[DunningEffectivenessGroup] | None = None

    def merge(self, other: DunningEffectiveness) -> DunningEffectiveness:
        """The effectiveness over both invoice sets (disjoint), equal to that of their union.

        Counts and coverage are added, shares and rates recomputed, the
        days-to-payment summaries merged, levels and groups merged key-wise.

        Raises
        ------
        InvalidParameterError
            For a different ``paid_measure``, level source or grouping.

        Examples
        --------
        >>> import datetime as dt
        >>> from kpicore.synth import synth_invoices
        >>> invs, d = synth_invoices(80, seed=4), dt.date(2024, 9, 30)
        >>> a = dunning_effectiveness(invs[:30], as_of=d)
        >>> b = dunning_effectiveness(invs[30:], as_of=d)
        >>> a.merge(b) == dunning_effectiveness(invs, as_of=d)
        True
        """
        _merge.check_type(self, other)
        total = _merge_effectiveness(self, other)
        return DunningEffectiveness(
            invoices=total.invoices,
            levels=total.levels,
            by_max_level=total.by_max_level,
            paid_at_level=total.paid_at_level,
            paid_measure=_merge.same(self.paid_measure, other.paid_measure, "paid measures"),
            level_source=_merge.same(self.level_source, other.level_source, "level sources"),
            coverage=_merge.add_counts(self.coverage, other.coverage),
            groups=_merge.merge_groups(self.groups, other.groups, DunningEffectivenessGroup.merge),
        )


def _merge_effectiveness(
    a: DunningEffectivenessGroup | DunningEffectiveness,
    b: DunningEffectivenessGroup | DunningEffectiveness,
) -> DunningEffectivenessGroup:
    return DunningEffectivenessGroup(
        invoices=a.invoices + b.invoices,
        levels=_merge.merge_by_key(a.levels, b.levels, DunningLevelStats.merge),
        by_max_level=_merge.merge_by_key(
            a.by_max_level, b.by_max_level, DunningMaxLevelStats.merge
        ),
        paid_at_level=dict(sorted(_merge.add_counts(a.paid_at_level, b.paid_at_level).items())),
    )


class _LevelArrays(NamedTuple):
    level: int
    case: _I64  # invoices that reached the level (first letter of it)
    letter_ts: _I64
    pay_ns: _I64  # payment at/after the letter (MISSING: none)
    before: _B  # already settled when the letter was sent


class _EffectivenessPrep(NamedTuple):
    letters: _Letters
    counted: _B  # letters on issued invoices
    per_level: tuple[_LevelArrays, ...]
    repeated: int
    max_level: npt.NDArray[np.signedinteger[Any]]  # per case: the highest level reached
    paid_level: npt.NDArray[np.signedinteger[Any]]  # the highest level before settlement


def _effectiveness_prep(
    log: EventLog, lg: Ledger, roles: Roles, paid: PaidMeasure
) -> _EffectivenessPrep:
    """The letters of each level and the per-case levels (memoised per log and bound)."""
    n = log.n_cases
    limit = lg.limit
    let = _letters(log, roles, limit)
    issued = lg.is_issued
    counted = np.ones(let.case.shape[0], dtype=bool) if lg.all_issued else issued[let.case]
    with_level = counted & (let.level > 0)
    if bool(with_level.all()):
        lc, lt, lv = let.case, let.ts, let.level
    else:
        lc, lt, lv = (np.compress(with_level, a) for a in (let.case, let.ts, let.level))
    settled = lg.settled_ns
    # per level: the first letter of that level per invoice
    if lv.shape[0] and int(lv.max()) <= 4096:
        level_values = np.flatnonzero(np.bincount(lv)).tolist()
    else:
        level_values = np.unique(lv).tolist()
    found: dict[int, tuple[_LevelArrays, int]] = {}  # level -> arrays, repeated letters
    # the known payments' cases and instants, gathered once for every level
    pay_case = pay_ts = np.zeros(0, dtype=np.int64)
    if paid == "any_payment":
        pay_idx = role_events(log, roles.payment, "payment")
        pay_idx = np.compress(log.timestamps[pay_idx] < limit, pay_idx)
        pay_case = log.case_codes[pay_idx].astype(np.int64)
        pay_ts = log.timestamps[pay_idx]

    def level(lev: int) -> None:  # the first letter of that level per invoice
        sel = np.flatnonzero(lv == lev)
        h = heads(lc[sel])
        first = np.compress(h, sel)
        c, t = lc[first], lt[first]
        s = settled[c]
        before = (s != MISSING) & (s < t)
        if paid == "settled":
            pay = np.where((s != MISSING) & ~before, s, MISSING)
        else:
            pos = next_at_or_after(c, t, pay_case, pay_ts)
            pay = np.where(pos >= 0, pay_ts[np.maximum(pos, 0)], MISSING)
            pay = np.where(before, MISSING, pay)
        found[lev] = (
            _LevelArrays(int(lev), ro(c), ro(t), ro(pay.astype(np.int64)), ro(before)),
            int(sel.shape[0] - np.count_nonzero(h)),
        )

    per_case: list[npt.NDArray[np.signedinteger[Any]]] = []

    def highest() -> None:  # per invoice: the highest level, and the highest before settling
        settled_lc = settled[lc]
        before_settle = (settled_lc != MISSING) & (lt < settled_lc)
        per_case.append(_case_max(lc, lv, n))
        per_case.append(
            _case_max(np.compress(before_settle, lc), np.compress(before_settle, lv), n)
        )

    # one job per level and one for the per-invoice levels, on whichever thread is free
    jobs: list[Callable[[], object]] = [highest]
    jobs += [functools.partial(level, lev) for lev in level_values]
    run_all(jobs, rows=log.n_events)
    per_level = [found[lev][0] for lev in level_values]
    repeated = sum(found[lev][1] for lev in level_values)
    max_level, paid_level = per_case
    return _EffectivenessPrep(
        let, ro(counted), tuple(per_level), repeated, ro(max_level), ro(paid_level)
    )


def dunning_effectiveness(
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime | None = None,
    tz: _dt.tzinfo | None = None,
    by: By = None,
    freq: Freq | None = None,
    paid: PaidMeasure = "settled",
    customers: _Customers = None,
    percentiles: Iterable[float] = DEFAULT_PERCENTILES,
    roles: Roles = DEFAULT_ROLES,
) -> DunningEffectiveness:
    """Dunning effectiveness by level, and the payment rate by the highest level reached.

    Parameters
    ----------
    data : sequence of Invoice or EventLog
    as_of : date or aware datetime, optional
        Letters, payments and settlements strictly before this instant (a
        date means its end, in ``tz``). ``None``: all.
    tz : tzinfo, optional
        Zone of a date ``as_of`` and of the ``freq`` periods.
    by : str, callable or sequence, optional
        A dimension of the invoice.
    freq : {"day", "week", "month", "quarter", "year"}, optional
        Cohorts by issue period.
    paid : {"settled", "any_payment"}
        ``"settled"`` (default): paid = fully settled (the ledger's
        settlement instant); ``"any_payment"``: the first payment received
        at or after the letter, partial payments included.
    customers : iterable or mapping of Customer, optional
        For ``by=`` on customer attributes.
    percentiles : iterable of float
        Percentiles of the days-to-payment summaries.
    roles : Roles
        Activities and attribute names.

    Returns
    -------
    DunningEffectiveness

    Raises
    ------
    InvalidParameterError
        For a bad ``paid``, ``freq``, ``by`` or percentile.
    InvalidRecordError
        For a letter whose level is not a whole number.

    Notes
    -----
    For each level ``l``: ``reached_l`` = invoices with a letter of level
    ``l`` before ``as_of`` (the first such letter ``t_l`` counts);
    ``paid_share_l = #{paid at or after t_l} / reached_l``;
    ``days_to_payment_l`` = summary of ``(paid - t_l) / 86 400 s``.
    ``by_max_level[k].rate`` = settled / invoices among the invoices whose
    highest level before ``as_of`` is ``k``. ``paid_at_level[k]`` counts the
    settled invoices whose highest letter before settlement had level ``k``.
    Zero denominators give None ratios. kpicore's definitions (no published
    source defines dunning effectiveness).

    Examples
    --------
    F-1 dunned at level 1 on 15 Jan and paid on 20 Jan; F-2 dunned at levels
    1 and 2, never paid; F-3 paid before any letter:

    >>> import datetime as dt
    >>> from kpicore.model import DunningLetter, Invoice, Payment
    >>> from kpicore.money import Money
    >>> invs = [
    ...     Invoice("F-1", "C1", "2024-01-01", "2024-01-10", Money.of(10, "BRL"),
    ...             payments=[Payment("2024-01-20", Money.of(10, "BRL"))],
    ...             dunning_letters=[DunningLetter(1, "2024-01-15")]),
    ...     Invoice("F-2", "C1", "2024-01-01", "2024-01-10", Money.of(10, "BRL"),
    ...             dunning_letters=[DunningLetter(1, "2024-01-15"),
    ...                              DunningLetter(2, "2024-01-25")]),
    ...     Invoice("F-3", "C2", "2024-01-01", "2024-01-10", Money.of(10, "BRL"),
    ...             payments=[Payment("2024-01-08", Money.of(10, "BRL"))]),
    ... ]
    >>> r = dunning_effectiveness(invs, as_of=dt.date(2024, 1, 31))
    >>> l1 = r.levels[1]
    >>> l1.reached, l1.paid_after, l1.paid_share, l1.days_to_payment.median
    (2, 1, 0.5, 5.0)
    >>> {k: (v.invoices, v.rate) for k, v in r.by_max_level.items()}
    {0: (1, 1.0), 1: (1, 1.0), 2: (1, 0.0)}
    >>> dict(r.paid_at_level)
    {0: 1, 1: 1}
    """
    if paid not in ("settled", "any_payment"):
        raise InvalidParameterError(f"paid={paid!r}: expected 'settled' or 'any_payment'")
    levels_pct = tuple(percentiles)
    Summary.of([], percentiles=levels_pct)  # validates the percentiles
    check_roles(roles)
    log = as_log(data)
    n = log.n_cases
    lg = ledger_of(log, as_of=as_of, tz=tz, roles=roles)
    prep = memo(
        log,
        ("dunning_effectiveness", roles, lg.as_of_ns, paid),
        lambda: _effectiveness_prep(log, lg, roles, paid),
        as_of_dependent=True,
    )
    let, counted, per_level, repeated = prep.letters, prep.counted, prep.per_level, prep.repeated
    max_level, paid_level = prep.max_level, prep.paid_level
    issued = lg.is_issued
    is_settled = lg.is_settled

    def compute(ix: _I64 | None) -> DunningEffectivenessGroup:
        # None: every issued invoice (the total): the letters are all members, no masks
        count = lg.issued_count if ix is None else int(ix.shape[0])
        whole = count == lg.issued_count
        if whole:
            member = issued
        else:
            member = np.zeros(n, dtype=bool)
            member[lg.issued_index[ix]] = True
        levels: dict[int, DunningLevelStats] = {}
        for la in per_level:
            if whole:
                pay, letter_ts, before = la.pay_ns, la.letter_ts, la.before
            else:
                m = member[la.case]
                pay, letter_ts, before = la.pay_ns[m], la.letter_ts[m], la.before[m]
            reached = int(pay.shape[0])
            if not reached:
                continue
            got = pay != MISSING
            days = np.subtract(np.compress(got, pay), np.compress(got, letter_ts)) / NS_PER_DAY_F
            k = int(days.shape[0])
            levels[la.level] = DunningLevelStats(
                level=la.level,
                reached=reached,
                paid_after=k,
                paid_share=ratio(k, reached),
                paid_before_letter=int(np.count_nonzero(before)),
                days_to_payment=Summary.of(days, missing=reached - k, percentiles=levels_pct),
            )
        inv_where: _B | None
        if whole:
            # levels >= 1 only on issued invoices (the counted letters); 0 on the others:
            # count the issued ones instead of gathering three per-invoice columns
            ml, pl_all = max_level, paid_level
            inv_where, st = (None, is_settled) if lg.all_issued else (issued, is_settled & issued)
        else:
            ml, st, pl_all = (np.compress(member, a) for a in (max_level, is_settled, paid_level))
            inv_where = None
        size = int(ml.max(initial=0)) + 1
        inv_cnt = _level_counts(ml, size, inv_where)
        paid_cnt = _level_counts(ml, size, st)
        by_max = {
            k: DunningMaxLevelStats(k, int(inv_cnt[k]), int(paid_cnt[k]),
                                    ratio(int(paid_cnt[k]), int(inv_cnt[k])))
            for k in np.flatnonzero(inv_cnt).tolist()
        }  # fmt: skip
        pl = _level_counts(pl_all, size, st)
        return DunningEffectivenessGroup(
            invoices=count,
            levels=levels,
            by_max_level=by_max,
            paid_at_level={k: int(pl[k]) for k in np.flatnonzero(pl).tolist()},
        )

    total = compute(None)
    g = None
    if by is not None or freq is not None:
        pop = lg.issued_index
        g = item_grouping(
            data, log, pop, by=by, freq=freq, when=lg.issued_ns[pop] if freq else None, tz=tz,
            customers=customers, roles=roles,
        )  # fmt: skip
    cov = lg.coverage
    return DunningEffectiveness(
        invoices=total.invoices,
        levels=total.levels,
        by_max_level=total.by_max_level,
        paid_at_level=total.paid_at_level,
        paid_measure=paid,
        level_source=let.level_source,
        coverage={
            "used": total.invoices,
            "issued_after_as_of": cov["issued_after_as_of"],
            "no_issue_event": cov["no_issue_event"],
            "letters": int(np.count_nonzero(counted)),
            "letters_without_level": int(np.count_nonzero(counted & (let.level <= 0))),
            "repeated_letters": repeated,
            "letters_on_cases_not_counted": int(np.count_nonzero(~counted)),
            "letters_after_as_of": let.after_bound,
        },
        groups=None if g is None else g.breakdown(compute),
    )


# --------------------------------------------------------------------------- schedules


@attrs.frozen(repr=False)
class DunningStep(Result):
    """One step of a dunning schedule (*régua de cobrança*).

    Parameters
    ----------
    level : int
        The dunning level of the letter (>= 1), matched against the
        letters' ``dunning_level``.
    days : int
        Days after the due date (clock ``"due_date"``) or after the previous
        step's letter (clock ``"previous_letter"``); >= 0.
    label_pt, label_en : str
        What the step is, in pt-BR and English.

    Examples
    --------
    >>> DunningStep(1, 5, "Notificação de débito", "Debt notice").label_pt
    'Notificação de débito'
    """

    level: int = attrs.field()
    days: int = attrs.field()
    label_pt: str = attrs.field()
    label_en: str = attrs.field()

    @level.validator
    def _v_level(self, attribute: attrs.Attribute[int], value: object) -> None:
        check_int(value, "DunningStep.level", 1)

    @days.validator
    def _v_days(self, attribute: attrs.Attribute[int], value: object) -> None:
        check_int(value, "DunningStep.days", 0)

    @label_pt.validator
    def _v_pt(self, attribute: attrs.Attribute[str], value: object) -> None:
        _check_label(value, "DunningStep.label_pt")

    @label_en.validator
    def _v_en(self, attribute: attrs.Attribute[str], value: object) -> None:
        _check_label(value, "DunningStep.label_en")


def _steps(value: Iterable[DunningStep]) -> tuple[DunningStep, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidParameterError(f"DunningSchedule.steps must be DunningSteps, got {value!r}")
    return tuple(value)


@attrs.frozen(repr=False)
class DunningSchedule(Result):
    """A declared dunning schedule: which letter level is due when.

    Parameters
    ----------
    name : str
        A name (``"rgc_2014"``, ``"custom"``...).
    steps : sequence of DunningStep
        Ascending, distinct levels.
    clock : {"due_date", "previous_letter"}
        ``"due_date"`` (default): each step's ``days`` count from the due
        date (SAP dunning levels by days in arrears [SAPD]_);
        ``"previous_letter"``: the first step counts from the due date and
        each later one from the letter of the previous step (D365 collection
        letter sequences [D-CLS]_).

    Raises
    ------
    InvalidParameterError
        For no step, a non-step item, levels not strictly ascending, or an
        unknown clock.

    Examples
    --------
    >>> s = DunningSchedule.of({1: 5, 2: 15, 3: 30})
    >>> s.offsets_from_due()
    {1: 5, 2: 15, 3: 30}
    >>> [st.days for st in s.with_clock("previous_letter").steps]
    [5, 10, 15]
    """

    name: str = attrs.field()
    steps: tuple[DunningStep, ...] = attrs.field(converter=_steps)
    clock: ScheduleClock = attrs.field(default="due_date")

    @name.validator
    def _v_name(self, attribute: attrs.Attribute[str], value: object) -> None:
        _check_label(value, "DunningSchedule.name")

    @steps.validator
    def _v_steps(self, attribute: attrs.Attribute[Any], value: tuple[Any, ...]) -> None:
        if not value:
            raise InvalidParameterError("DunningSchedule.steps: at least one step is needed")
        for item in value:
            if not isinstance(item, DunningStep):
                raise InvalidParameterError(
                    f"DunningSchedule.steps: expected DunningStep items, got {item!r}"
                )
        levels = [st.level for st in value]
        if any(b <= a for a, b in itertools.pairwise(levels)):
            raise InvalidParameterError(
                f"DunningSchedule.steps: levels must be strictly ascending, got {levels}"
            )

    @clock.validator
    def _v_clock(self, attribute: attrs.Attribute[str], value: object) -> None:
        _check_clock(value)

    @classmethod
    def of(
        cls,
        days: Mapping[int, int],
        *,
        clock: ScheduleClock = "due_date",
        name: str = "custom",
        labels_pt: Mapping[int, str] | None = None,
        labels_en: Mapping[int, str] | None = None,
    ) -> DunningSchedule:
        """A schedule from ``{level: days}`` (labels default to "Nível k" / "Level k").

        Examples
        --------
        >>> DunningSchedule.of({2: 15, 1: 5}).steps[0].label_pt
        'Nível 1'
        """
        if not isinstance(days, Mapping):
            raise InvalidParameterError(f"days must be a mapping {{level: days}}, got {days!r}")
        pt = dict(labels_pt or {})
        en = dict(labels_en or {})
        for lev in days:
            check_int(lev, "a schedule level", 1)
        steps = [
            DunningStep(lev, days[lev], pt.get(lev, f"Nível {lev}"), en.get(lev, f"Level {lev}"))
            for lev in sorted(days)
        ]
        return cls(name, steps, clock)

    def offsets_from_due(self) -> dict[int, int]:
        """Planned days after the due date of each level (cumulative for "previous_letter").

        Examples
        --------
        >>> rgc_2014_schedule(clock="previous_letter").offsets_from_due()
        {1: 5, 2: 20, 3: 50, 4: 80}
        """
        out: dict[int, int] = {}
        total = 0
        for st in self.steps:
            total = total + st.days if self.clock == "previous_letter" else st.days
            out[st.level] = total
        return out

    def with_clock(self, clock: ScheduleClock) -> DunningSchedule:
        """The same plan counted with another clock (letters on time land on the same days).

        Raises
        ------
        InvalidParameterError
            For an unknown clock, or (to "previous_letter") due-date offsets
            that decrease from one level to the next.

        Examples
        --------
        >>> s = DunningSchedule.of({1: 5, 2: 10}, clock="previous_letter")
        >>> s.with_clock("due_date").offsets_from_due()
        {1: 5, 2: 15}
        """
        _check_clock(clock)
        if clock == self.clock:
            return self
        due = self.offsets_from_due()
        if clock == "due_date":
            days = due
        else:
            days = {}
            prev = 0
            for st in self.steps:
                gap = due[st.level] - prev
                if gap < 0:
                    raise InvalidParameterError(
                        f"schedule {self.name!r}: level {st.level} is due before the previous "
                        "level, which the previous-letter clock cannot express"
                    )
                days[st.level] = gap
                prev = due[st.level]
        steps = [attrs.evolve(st, days=days[st.level]) for st in self.steps]
        return DunningSchedule(self.name, steps, clock)


def rgc_2014_schedule(
    *, notice_offset_days: int = 5, clock: ScheduleClock = "due_date"
) -> DunningSchedule:
    """Anatel RGC (Res. 632/2014, arts. 90-103) as a dunning schedule.

    Levels: 1 debt notice ``notice_offset_days`` after the due date; 2
    partial suspension (reduced speed) 15 days after the notice; 3 full
    suspension 30 days later; 4 contract termination 30 days later.
    *Negativação* (credit bureau listing) may only follow the termination
    and is not a step.

    Parameters
    ----------
    notice_offset_days : int
        Days from the due date to the notice (ISP practice: 1 to 5).
    clock : {"due_date", "previous_letter"}
        How the steps are counted (the plan is the same).

    Examples
    --------
    >>> s = rgc_2014_schedule()
    >>> s.offsets_from_due(), s.steps[1].label_pt
    ({1: 5, 2: 20, 3: 50, 4: 80}, 'Suspensão parcial (redução de velocidade)')

    References
    ----------
    Anatel, "Suspensão do serviço por falta de pagamento" (RGC, Resolução
    632/2014, arts. 90-103) [ANATEL-2014]_,
    http://www.anatel.gov.br/consumidor/banda-larga/direitos/suspensao-do-servico-por-falta-de-pagamento;
    a consumer guide to the same rules [RGC-2014]_.
    """
    n = check_int(notice_offset_days, "notice_offset_days", 0)
    plan = DunningSchedule(
        "rgc_2014",
        (
            DunningStep(1, n, "Notificação de débito", "Debt notice"),
            DunningStep(2, 15, "Suspensão parcial (redução de velocidade)",
                        "Partial suspension (reduced speed)"),
            DunningStep(3, 30, "Suspensão total", "Full suspension"),
            DunningStep(4, 30, "Rescisão do contrato", "Contract termination"),
        ),
        "previous_letter",
    )  # fmt: skip
    return plan.with_clock(clock)


def rgc_2023_schedule(
    *, notice_offset_days: int = 5, clock: ScheduleClock = "due_date"
) -> DunningSchedule:
    """New Anatel RGC (Res. 765/2023) as a dunning schedule.

    Levels: 1 debt notice ``notice_offset_days`` after the due date; 2 full
    suspension of broadband 15 days after the notice; 3 contract
    termination 60 days later.

    Examples
    --------
    >>> rgc_2023_schedule(notice_offset_days=3).offsets_from_due()
    {1: 3, 2: 18, 3: 78}

    References
    ----------
    Anatel, "Conheça seus direitos: Suspensão" [ANATEL-SUSP]_,
    https://www.gov.br/anatel/pt-br/consumidor/conheca-seus-direitos/suspensao,
    and "Suspensão e rescisão contratual por falta de pagamento ou de crédito"
    [ANATEL-RESC]_ (new RGC, Resolução 765/2023).
    """
    n = check_int(notice_offset_days, "notice_offset_days", 0)
    plan = DunningSchedule(
        "rgc_2023",
        (
            DunningStep(1, n, "Notificação de débito", "Debt notice"),
            DunningStep(2, 15, "Suspensão total", "Full suspension"),
            DunningStep(3, 60, "Rescisão do contrato", "Contract termination"),
        ),
        "previous_letter",
    )
    return plan.with_clock(clock)


def isp_typical_schedule(*, clock: ScheduleClock = "due_date") -> DunningSchedule:
    """A typical ISP *régua*: notice at due + 5, block at + 20, *negativação* at + 30.

    Typical values of Brazilian internet providers' ERPs (kpicore's reading of
    IXC Provedor and its peers, not a regulation).

    Examples
    --------
    >>> [s.label_pt for s in isp_typical_schedule().steps]
    ['Aviso de atraso', 'Bloqueio', 'Negativação']

    References
    ----------
    IXCSoft wiki, "Consultar análise de crédito" [IXC-SERASA]_: *negativação*
    "generally 30 days after the due date",
    https://wiki.ixcsoft.com.br/pt-br/Cadastros/Cliente/Serasa/Consultar_analise_de_credito.
    The notice and block days are kpicore's typical values, not a published
    rule.
    """
    plan = DunningSchedule(
        "isp_typical",
        (
            DunningStep(1, 5, "Aviso de atraso", "Late notice"),
            DunningStep(2, 20, "Bloqueio", "Service block"),
            DunningStep(3, 30, "Negativação", "Credit bureau listing"),
        ),
    )
    return plan.with_clock(clock)


#: Named schedules (pt-BR labels on each step), due-date clock, 5-day notice.
DUNNING_PRESETS: Mapping[str, DunningSchedule] = freeze(
    {
        "rgc_2014": rgc_2014_schedule(),
        "rgc_2023": rgc_2023_schedule(),
        "isp_typical": isp_typical_schedule(),
    }
)


def _resolve_schedule(
    schedule: DunningSchedule | str | Mapping[int, int], clock: ScheduleClock | None
) -> DunningSchedule:
    if isinstance(schedule, str):
        if schedule not in DUNNING_PRESETS:
            raise InvalidParameterError(
                f"schedule={schedule!r}: not a preset; presets: {', '.join(DUNNING_PRESETS)}"
            )
        sched = DUNNING_PRESETS[schedule]
    elif isinstance(schedule, DunningSchedule):
        sched = schedule
    elif isinstance(schedule, Mapping):
        sched = DunningSchedule.of(schedule)
    else:
        raise InvalidParameterError(
            f"schedule must be a DunningSchedule, a preset name or {{level: days}}, "
            f"got {schedule!r}"
        )
    return sched if clock is None else sched.with_clock(clock)


def _tolerance(value: object) -> tuple[int, int]:
    if isinstance(value, tuple):
        if len(value) != 2:
            raise InvalidParameterError(
                f"tolerance_days must be an int or (early, late), got {value!r}"
            )
        return (
            check_int(value[0], "tolerance_days[0]", 0),
            check_int(value[1], "tolerance_days[1]", 0),
        )
    t = check_int(value, "tolerance_days", 0)
    return (t, t)


# --------------------------------------------------------------------------- adherence

_EARLY, _ON_TIME, _LATE, _OUT_OF_SEQUENCE = 0, 1, 2, 3


@attrs.frozen(repr=False)
class DunningLevelAdherence(Result):
    """Adherence of one schedule step.

    Attributes
    ----------
    level : int
    label_pt, label_en : str
        The step's labels.
    days : int
        The step's days (in the schedule's clock).
    expected : int
        Invoices that needed this letter: its deadline (expected day +
        late tolerance) passed before ``as_of`` with the invoice still open.
    sent : int
        Invoices that got a letter of this level (first one evaluated).
    on_time, early, late : int
        Letters within the tolerance, before it, after it.
    out_of_sequence : int
        Letters that cannot be timed (previous-letter clock without the
        previous level's letter before them).
    missed : int
        Invoices that needed the letter and never got one.
    on_time_share : float or None
        ``on_time / (on_time + early + late)``.
    """

    level: int
    label_pt: str
    label_en: str
    days: int
    expected: int
    sent: int
    on_time: int
    early: int
    late: int
    out_of_sequence: int
    missed: int
    on_time_share: float | None


@attrs.frozen(repr=False)
class DunningAdherenceGroup(Result):
    """Schedule adherence of one group.

    Attributes
    ----------
    invoices : int
        Invoices issued with a due date.
    letters : int
        Letters timed against the schedule (``on_time + early + late``).
    on_time, early, late : int
    on_time_share, early_share, late_share : float or None
        Shares of ``letters`` (None when no letter was timed).
    out_of_sequence : int
    missed : int
        (invoice, level) pairs needed but never sent.
    invoices_missing_a_level : int
        Invoices with at least one missed level.
    delay : Summary
        Signed days from the expected day to the sending day of the timed
        letters (negative = early).
    by_level : Mapping[int, DunningLevelAdherence]
    """

    invoices: int
    letters: int
    on_time: int
    early: int
    late: int
    on_time_share: float | None
    early_share: float | None
    late_share: float | None
    out_of_sequence: int
    missed: int
    invoices_missing_a_level: int
    delay: Summary
    by_level: Mapping[int, DunningLevelAdherence] = attrs.field(converter=freeze)


@attrs.frozen(repr=False)
class DunningAdherence(Result):
    """Result of :func:`dunning_adherence`.

    Attributes
    ----------
    schedule : DunningSchedule
        The schedule evaluated, in the clock used.
    tolerance_days : tuple of int
        ``(early, late)`` days of tolerance.
    invoices ... by_level
        As in :class:`DunningAdherenceGroup`, over all invoices.
    coverage : Mapping[str, int]
        ``used`` (invoices issued with a due date), ``missing_due_date``,
        ``issued_after_as_of``, ``no_issue_event``, ``letters_timed``,
        ``letters_out_of_sequence``, ``letters_unscheduled_level`` (a level
        not in the schedule), ``letters_repeated_level`` (a second letter of
        a level), ``letters_without_level``, ``letters_on_cases_not_counted``,
        ``letters_after_as_of``.
    groups : Breakdown of DunningAdherenceGroup or None
        By ``by=`` and/or due-date period (``freq=``).
    """

    schedule: DunningSchedule
    tolerance_days: tuple[int, int]
    invoices: int
    letters: int
    on_time: int
    early: int
    late: int
    on_time_share: float | None
    early_share: float | None
    late_share: float | None
    out_of_sequence: int
    missed: int
    invoices_missing_a_level: int
    delay: Summary
    by_level: Mapping[int, DunningLevelAdherence] = attrs.field(converter=freeze)
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    groups: Breakdown[DunningAdherenceGroup] | None = None


def dunning_adherence(
    data: InvoiceData,
    *,
    schedule: DunningSchedule | str | Mapping[int, int],
    as_of: _dt.date | _dt.datetime | None = None,
    tz: _dt.tzinfo | None = None,
    tolerance_days: int | tuple[int, int] = 0,
    clock: ScheduleClock | None = None,
    by: By = None,
    freq: Freq | None = None,
    customers: _Customers = None,
    percentiles: Iterable[float] = DEFAULT_PERCENTILES,
    roles: Roles = DEFAULT_ROLES,
    calendar: BankCalendar | None = None,
) -> DunningAdherence:
    """Dunning policy adherence: letters on time, early or late, and missed levels.

    Parameters
    ----------
    data : sequence of Invoice or EventLog
    schedule : DunningSchedule, preset name or {level: days}
        The declared schedule: a :class:`DunningSchedule`, a name of
        :data:`DUNNING_PRESETS` (``"rgc_2014"``, ``"rgc_2023"``,
        ``"isp_typical"``) or ``{level: days after the due date}``.
    as_of : date or aware datetime, optional
        Letters and settlements strictly before this instant (a date means
        its end). ``None``: the log's last event.
    tz : tzinfo, optional
        Calendar of the letter days, of a date ``as_of`` and of the ``freq``
        periods (UTC by default).
    tolerance_days : int or (int, int)
        Days a letter may be early / late and still be on time (an int:
        both). Default 0: on the expected day exactly.
    clock : {"due_date", "previous_letter"}, optional
        Count with this clock instead of the schedule's own
        (:meth:`DunningSchedule.with_clock`): with ``"previous_letter"`` (D365)
        a late letter moves the expected day of the next level.
    by : str, callable or sequence, optional
        A dimension of the invoice.
    freq : {"day", "week", "month", "quarter", "year"}, optional
        Groups by the period of the due date.
    customers : iterable or mapping of Customer, optional
        For ``by=`` on customer attributes.
    percentiles : iterable of float
        Percentiles of the delay summaries.
    roles : Roles
        Activities and attribute names.
    calendar : BankCalendar, optional
        Count the schedule from the due date rolled to the next business day
        (:class:`kpicore.bankcalendar.BankCalendar`, Lei 7.089/1983).

    Returns
    -------
    DunningAdherence

    Raises
    ------
    InvalidParameterError
        For a bad schedule, tolerance, clock, ``freq`` or ``by``.

    Notes
    -----
    For the first letter of each scheduled level of an invoice, the expected
    day is ``due_date + days`` (due-date clock) or ``day of the previous
    level's letter + days`` (previous-letter clock; the first level counts
    from the due date). With ``delay = sending day - expected day`` (calendar
    days in ``tz``): early if ``delay < -early``, late if ``delay > late``,
    on time otherwise. A level is *missed* when its last acceptable day
    (expected + late tolerance) ended before ``as_of``, the invoice was still
    open (neither settled nor written off) at that moment, and no letter of
    that level was ever sent. With the previous-letter clock a level is only
    due once the previous level's letter exists, so only the first missing
    level of a sequence counts. Shares over zero timed letters are None.
    Sources: D365 [D-CLS]_, SAP [SAPI]_ (they disagree on the clock, hence the
    schedule's ``clock``); presets: Anatel's RGC [ANATEL-2014]_ [ANATEL-SUSP]_.

    Examples
    --------
    Schedule: level 1 at due + 5, level 2 at due + 15. F-1 (due 10 Jan) got
    level 1 on 15 Jan (on time) and level 2 on 28 Jan (3 days late); F-2
    (due 10 Jan, unpaid) got nothing:

    >>> import datetime as dt
    >>> from kpicore.model import DunningLetter, Invoice
    >>> from kpicore.money import Money
    >>> invs = [
    ...     Invoice("F-1", "C1", "2024-01-01", "2024-01-10", Money.of(10, "BRL"),
    ...             dunning_letters=[DunningLetter(1, "2024-01-15"),
    ...                              DunningLetter(2, "2024-01-28")]),
    ...     Invoice("F-2", "C1", "2024-01-01", "2024-01-10", Money.of(10, "BRL")),
    ... ]
    >>> r = dunning_adherence(invs, schedule={1: 5, 2: 15}, as_of=dt.date(2024, 2, 15))
    >>> r.on_time, r.late, r.on_time_share, r.missed, r.invoices_missing_a_level
    (1, 1, 0.5, 2, 1)
    >>> r.delay.max
    3.0
    """
    sched = _resolve_schedule(schedule, clock)
    tol_early, tol_late = _tolerance(tolerance_days)
    levels_pct = tuple(percentiles)
    Summary.of([], percentiles=levels_pct)
    check_roles(roles)
    cal = check_calendar(calendar)
    log = as_log(data)
    n = log.n_cases
    lg = ledger_of(log, as_of=as_of, tz=tz, roles=roles)
    limit = horizon_ns(log, as_of, tz)
    let = _letters(log, roles, limit)
    pop_mask = lg.is_issued & lg.has_due_date
    pop = np.flatnonzero(pop_mask).astype(np.int64, copy=False)
    due = lg.due_days if cal is None else cal.roll_days(lg.due_days)
    step_levels = np.array([st.level for st in sched.steps], dtype=np.int64)
    step_days = np.array([st.days for st in sched.steps], dtype=np.int64)
    k_steps = step_levels.shape[0]
    previous = sched.clock == "previous_letter"

    counted = pop_mask[let.case]
    with_level = counted & (let.level > 0)
    pos = np.minimum(np.searchsorted(step_levels, let.level), k_steps - 1)
    in_sched = with_level & (step_levels[pos] == let.level)
    sel = np.flatnonzero(in_sched)
    # first letter of each (invoice, step): sort by (case, step, time)
    o = sel[np.lexsort((let.ts[sel], pos[sel], let.case[sel]))]
    key = let.case[o] * k_steps + pos[o]
    first = heads(key)
    fo = o[first]
    fkey = key[first]
    fc, fk, fts = let.case[fo], pos[fo], let.ts[fo]
    fday = to_day(fts, tz=tz)
    expected = np.full(fo.shape[0], MISSING, dtype=np.int64)
    if previous:
        base = fk == 0
        expected[base] = due[fc[base]] + step_days[0]
        later = np.flatnonzero(~base)
        j = np.searchsorted(fkey, fkey[later] - 1)
        ok = j < fkey.shape[0]
        ok[ok] = (fkey[j[ok]] == fkey[later[ok]] - 1) & (fts[j[ok]] <= fts[later[ok]])
        expected[later[ok]] = fday[j[ok]] + step_days[fk[later[ok]]]
    else:
        expected = due[fc] + step_days[fk]
    timed = expected != MISSING
    delay = np.where(timed, fday - expected, 0)
    status = np.full(fo.shape[0], _OUT_OF_SEQUENCE, dtype=np.int8)
    status[timed] = _ON_TIME
    status[timed & (delay < -tol_early)] = _EARLY
    status[timed & (delay > tol_late)] = _LATE
    # missed levels, step by step
    close = lg.closed_ns
    sent = np.zeros((k_steps, n), dtype=bool)
    sent_day = np.full((k_steps, n), MISSING, dtype=np.int64)
    sent[fk, fc] = True
    sent_day[fk, fc] = fday
    needed = np.zeros((k_steps, n), dtype=bool)
    for k in range(k_steps):
        if previous and k > 0:
            has_prev = pop_mask & sent[k - 1]
            exp_day = np.where(has_prev, sent_day[k - 1] + step_days[k], MISSING)
        else:
            exp_day = np.where(pop_mask, due + step_days[k], MISSING)
        ok = exp_day != MISSING
        cases_k = np.flatnonzero(ok)
        deadline_end = day_start_ns(exp_day[cases_k] + tol_late + 1, tz)
        c_close = close[cases_k]
        still_open = (c_close == MISSING) | (c_close >= deadline_end)
        needed[k, cases_k] = (deadline_end <= limit) & still_open
    missed = needed & ~sent

    def compute(ix: _I64) -> DunningAdherenceGroup:
        cases = pop[ix]
        member = np.zeros(n, dtype=bool)
        member[cases] = True
        m = member[fc]
        st_m, fk_m, d_m = status[m], fk[m], delay[m]
        by_level: dict[int, DunningLevelAdherence] = {}
        for k, step in enumerate(sched.steps):
            at = fk_m == k
            cnt = np.bincount(st_m[at], minlength=4)
            n_timed = int(cnt[_EARLY] + cnt[_ON_TIME] + cnt[_LATE])
            by_level[step.level] = DunningLevelAdherence(
                level=step.level,
                label_pt=step.label_pt,
                label_en=step.label_en,
                days=step.days,
                expected=int(np.count_nonzero(needed[k] & member)),
                sent=int(np.count_nonzero(at)),
                on_time=int(cnt[_ON_TIME]),
                early=int(cnt[_EARLY]),
                late=int(cnt[_LATE]),
                out_of_sequence=int(cnt[_OUT_OF_SEQUENCE]),
                missed=int(np.count_nonzero(missed[k] & member)),
                on_time_share=ratio(int(cnt[_ON_TIME]), n_timed),
            )
        cnt = np.bincount(st_m, minlength=4)
        n_timed = int(cnt[_EARLY] + cnt[_ON_TIME] + cnt[_LATE])
        timed_m = st_m != _OUT_OF_SEQUENCE
        missed_m = missed[:, member] if k_steps else np.zeros((0, 0), dtype=bool)
        return DunningAdherenceGroup(
            invoices=int(cases.shape[0]),
            letters=n_timed,
            on_time=int(cnt[_ON_TIME]),
            early=int(cnt[_EARLY]),
            late=int(cnt[_LATE]),
            on_time_share=ratio(int(cnt[_ON_TIME]), n_timed),
            early_share=ratio(int(cnt[_EARLY]), n_timed),
            late_share=ratio(int(cnt[_LATE]), n_timed),
            out_of_sequence=int(cnt[_OUT_OF_SEQUENCE]),
            missed=int(np.count_nonzero(missed_m)),
            invoices_missing_a_level=int(np.count_nonzero(missed_m.any(axis=0))),
            delay=Summary.of(d_m[timed_m].astype(np.float64), percentiles=levels_pct),
            by_level=by_level,
        )

    total = compute(np.arange(pop.shape[0], dtype=np.int64))
    g = item_grouping(
        data, log, pop, by=by, freq=freq, when=lg.due_day[pop] if freq else None, tz=None,
        customers=customers, roles=roles,
    )  # fmt: skip
    cov = lg.coverage
    return DunningAdherence(
        schedule=sched,
        tolerance_days=(tol_early, tol_late),
        invoices=total.invoices,
        letters=total.letters,
        on_time=total.on_time,
        early=total.early,
        late=total.late,
        on_time_share=total.on_time_share,
        early_share=total.early_share,
        late_share=total.late_share,
        out_of_sequence=total.out_of_sequence,
        missed=total.missed,
        invoices_missing_a_level=total.invoices_missing_a_level,
        delay=total.delay,
        by_level=total.by_level,
        coverage={
            "used": total.invoices,
            "missing_due_date": cov["missing_due_date"],
            "issued_after_as_of": cov["issued_after_as_of"],
            "no_issue_event": cov["no_issue_event"],
            "letters_timed": total.letters,
            "letters_out_of_sequence": total.out_of_sequence,
            "letters_unscheduled_level": int(np.count_nonzero(with_level & ~in_sched)),
            "letters_repeated_level": int(sel.shape[0] - fo.shape[0]),
            "letters_without_level": int(np.count_nonzero(counted & (let.level <= 0))),
            "letters_on_cases_not_counted": int(np.count_nonzero(~counted)),
            "letters_after_as_of": let.after_bound,
        },
        groups=None if g is None else g.breakdown(compute),
    )


# --------------------------------------------------------------------------- per invoice


@attrs.frozen(eq=False, repr=False)
class DunningLevels(Result):
    """Per invoice: the highest dunning level reached and the letters sent.

    Attributes
    ----------
    case_ids : ndarray
        Every invoice (case) of the log, sorted.
    level : ndarray of int64
        Highest level of the letters sent before ``as_of`` (0: none).
    letters : ndarray of int64
        Letters sent before ``as_of``.
    level_source : str
        ``"attribute"`` or ``"sequence"`` (see :func:`dunning_effectiveness`).
    """

    case_ids: npt.NDArray[Any] = attrs.field(converter=ro)
    level: _I64 = attrs.field(converter=ro)
    letters: _I64 = attrs.field(converter=ro)
    level_source: str

    def to_mapping(self) -> dict[Any, int]:
        """``{invoice: level}``."""
        return dict(zip(self.case_ids.tolist(), self.level.tolist(), strict=True))


def dunning_levels(
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime | None = None,
    tz: _dt.tzinfo | None = None,
    roles: Roles = DEFAULT_ROLES,
) -> DunningLevels:
    """The highest dunning level of each invoice as of a date (the template's DunningLevel).

    Parameters
    ----------
    data : sequence of Invoice or EventLog
    as_of : date or aware datetime, optional
        Letters strictly before this instant (a date means its end).
    tz : tzinfo, optional
        Zone of a date ``as_of``.
    roles : Roles
        ``letter`` and ``dunning_level``.

    Returns
    -------
    DunningLevels

    Notes
    -----
    ``level_i = max(level of the letters of i before as_of)``, 0 without a
    letter: :meth:`kpicore.model.Invoice.dunning_level`.

    Examples
    --------
    >>> import datetime as dt
    >>> from kpicore.model import DunningLetter, Invoice
    >>> from kpicore.money import Money
    >>> inv = Invoice("F-1", "C1", "2024-02-01", "2024-02-10", Money.of(1, "BRL"),
    ...               dunning_letters=[DunningLetter(1, "2024-02-15"),
    ...                                DunningLetter(2, "2024-02-25")])
    >>> dunning_levels([inv], as_of=dt.date(2024, 2, 20)).to_mapping()
    {'F-1': 1}
    """
    check_roles(roles)
    log = as_log(data)
    let = _letters(log, roles, limit_ns(as_of, tz))
    n = log.n_cases
    return DunningLevels(
        case_ids=log.case_ids,
        level=_case_max(let.case, let.level, n),
        letters=np.bincount(let.case, minlength=n).astype(np.int64),
        level_source=let.level_source,
    )
