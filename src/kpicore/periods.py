"""Calendar periods, period bucketing, day counting and explicit instants.

Time in kpicore is explicit (design principle 2): no function here reads the
clock, an *instant* is an aware :class:`~datetime.datetime` (stored as int64
nanoseconds since 1970-01-01 UTC), and a calendar *date* is a
:class:`~datetime.date`. A naive datetime raises
:class:`~kpicore.errors.NaiveDatetimeError` unless the caller names its time
zone with ``tz=``.

A :class:`Period` is a half-open range of dates ``[start, end)``: a day, an ISO
week (Monday start), a month, a quarter or a year. :func:`bucket` maps many
dates or instants to period *ordinals* at once (numpy, no Python loop per
value); :meth:`Period.from_ordinal` turns an ordinal back into a period.

Month arithmetic uses dateutil's ``relativedelta``, so 31 January + 1 month is
28 or 29 February; business days use :func:`numpy.busday_count`.

Examples
--------
>>> from datetime import date
>>> Period.containing(date(2024, 3, 5), "quarter")
Period(start=datetime.date(2024, 1, 1), end=datetime.date(2024, 4, 1), freq='quarter')
>>> str(Period.week(date(2021, 1, 3)))
'2020-W53'
>>> add_months(date(2024, 1, 31), 1)
datetime.date(2024, 2, 29)
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Final, Literal, SupportsIndex, cast

import attrs
import numpy as np
import numpy.typing as npt
from dateutil.relativedelta import relativedelta

from kpicore.errors import InvalidParameterError, InvalidRecordError, NaiveDatetimeError

__all__ = [
    "FREQS",
    "NS_PER_DAY",
    "Freq",
    "Period",
    "add_months",
    "as_of_date",
    "as_of_ns",
    "bucket",
    "bucket_labels",
    "business_days_between",
    "business_days_between_arrays",
    "date_to_ns",
    "days_between",
    "days_past_due",
    "days_settled_late",
    "ensure_aware",
    "from_ns",
    "periods",
    "to_ns",
]

Freq = Literal["day", "week", "month", "quarter", "year"]
"""The period frequencies kpicore knows."""

FREQS: Final[tuple[Freq, ...]] = ("day", "week", "month", "quarter", "year")
"""Every :data:`Freq`, from the shortest period to the longest."""

NS_PER_DAY: Final[int] = 86_400_000_000_000
"""Nanoseconds in a (UTC) day."""

_US_PER_DAY: Final[int] = 86_400_000_000
_EPOCH: Final[datetime] = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL: Final[int] = 719_163  # date(1970, 1, 1).toordinal()
_MIN_DAY: Final[int] = date.min.toordinal() - _EPOCH_ORDINAL  # 0001-01-01 in epoch days
_MAX_DAY: Final[int] = date.max.toordinal() - _EPOCH_ORDINAL  # 9999-12-31 in epoch days
_INT64_MAX: Final[int] = int(np.iinfo(np.int64).max)
_ONE_US: Final[timedelta] = timedelta(microseconds=1)
_DATE_UNITS: Final[frozenset[str]] = frozenset({"Y", "M", "W", "D"})
_MONTHS_PER: Final[dict[str, int]] = {"month": 1, "quarter": 3, "year": 12}


# --------------------------------------------------------------------------- validation helpers


def _check_freq(freq: object) -> Freq:
    if not isinstance(freq, str) or freq not in FREQS:
        raise InvalidParameterError(f"freq must be one of {FREQS}, got {freq!r}")
    return freq


def _check_date(value: object, name: str) -> date:
    if isinstance(value, datetime):
        raise InvalidParameterError(
            f"{name} must be a calendar date, got the datetime {value!r}: "
            "take its date in a named time zone first, e.g. as_of_date(dt, tz=...)"
        )
    if not isinstance(value, date):
        raise InvalidParameterError(f"{name} must be a datetime.date, got {value!r}")
    return value


def _check_int(value: object, name: str) -> int:
    if isinstance(value, bool):
        raise InvalidParameterError(f"{name} must be an integer, got {value!r}")
    try:
        return operator.index(cast(SupportsIndex, value))
    except TypeError:
        raise InvalidParameterError(f"{name} must be an integer, got {value!r}") from None


def _check_tz(tz: object) -> tzinfo | None:
    if tz is not None and not isinstance(tz, tzinfo):
        raise InvalidParameterError(f"tz must be a datetime.tzinfo or None, got {tz!r}")
    return tz


def _out_of_range(what: str) -> InvalidParameterError:
    return InvalidParameterError(f"{what} is outside the supported dates {date.min}..{date.max}")


# --------------------------------------------------------------------------- period arithmetic


def _start_of(d: date, freq: Freq) -> date:
    if freq == "day":
        return d
    if freq == "week":
        return d - timedelta(days=d.weekday())  # 0001-01-01 is a Monday: never underflows
    if freq == "month":
        return d.replace(day=1)
    if freq == "quarter":
        return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
    return date(d.year, 1, 1)


def _end_after(start: date, freq: Freq) -> date:
    try:
        if freq == "day":
            return start + timedelta(days=1)
        if freq == "week":
            return start + timedelta(days=7)
        return start + relativedelta(months=_MONTHS_PER[freq])
    except (OverflowError, ValueError):
        raise _out_of_range(f"the end of the {freq} starting {start}") from None


def _epoch_day(d: date) -> int:
    return d.toordinal() - _EPOCH_ORDINAL


def _from_epoch_day(day: int) -> date:
    try:
        return date.fromordinal(day + _EPOCH_ORDINAL)
    except (OverflowError, ValueError):
        raise _out_of_range(f"epoch day {day}") from None


@attrs.frozen(order=True)
class Period:
    """A calendar period: dates ``start <= d < end`` of a day, ISO week, month, quarter or year.

    Build periods with the constructors (:meth:`day`, :meth:`week`,
    :meth:`month`, :meth:`quarter`, :meth:`year`, :meth:`containing`,
    :meth:`from_ordinal`); the class checks that ``start`` and ``end`` bound
    exactly one period of ``freq``.

    Parameters
    ----------
    start : date
        First date of the period (inclusive).
    end : date
        The day after the last date of the period (exclusive).
    freq : {"day", "week", "month", "quarter", "year"}
        The kind of period. Weeks are ISO 8601 weeks (Monday to Sunday).

    Raises
    ------
    InvalidRecordError
        If ``freq`` is unknown, ``start`` or ``end`` is not a date, ``start``
        is not the first day of a period of ``freq`` or ``end`` is not the day
        after its last day (record ``'Period'``, naming the field).

    Notes
    -----
    Periods order by ``(start, end, freq)``, so periods of one frequency sort
    chronologically. ``str(period)`` is its :attr:`label`. ``d in period``
    takes a calendar date; a datetime raises
    :class:`~kpicore.errors.InvalidParameterError` (its date depends on a
    time zone: use :func:`as_of_date` first). A period must end by
    9999-12-31, so e.g. ``Period.year(9999)`` raises.

    References
    ----------
    ISO 8601-1:2019, week dates (weeks start on Monday; week 1 holds the
    year's first Thursday).

    Examples
    --------
    >>> from datetime import date
    >>> p = Period.month(2024, 2)
    >>> p.start, p.end, p.days, p.label
    (datetime.date(2024, 2, 1), datetime.date(2024, 3, 1), 29, '2024-02')
    >>> date(2024, 2, 29) in p, date(2024, 3, 1) in p
    (True, False)
    >>> p.next().label, p.previous().label
    ('2024-03', '2024-01')
    >>> Period(date(2024, 2, 2), date(2024, 3, 1), "month")
    Traceback (most recent call last):
    ...
    kpicore.errors.InvalidRecordError: record 'Period': field 'start' = ...: expected the first...
    """

    start: date
    end: date
    freq: Freq

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.freq, str) or self.freq not in FREQS:
            raise InvalidRecordError(
                record="Period", field="freq", value=self.freq, expected=f"one of {FREQS}"
            )
        for name in ("start", "end"):
            value = getattr(self, name)
            if isinstance(value, datetime) or not isinstance(value, date):
                raise InvalidRecordError(
                    record="Period", field=name, value=value, expected="a datetime.date"
                )
        if _start_of(self.start, self.freq) != self.start:
            raise InvalidRecordError(
                record="Period",
                field="start",
                value=self.start,
                expected=f"the first day of a {self.freq}",
            )
        end = _end_after(self.start, self.freq)
        if self.end != end:
            raise InvalidRecordError(
                record="Period",
                field="end",
                value=self.end,
                expected=f"{end.isoformat()}, the day after the {self.freq} starting {self.start}",
            )

    # ----------------------------------------------------------------------- constructors

    @classmethod
    def _starting(cls, start: date, freq: Freq) -> Period:
        return cls(start, _end_after(start, freq), freq)

    @classmethod
    def containing(cls, d: date, freq: Freq) -> Period:
        """Return the period of frequency ``freq`` that contains the date ``d``.

        Parameters
        ----------
        d : date
            A calendar date (a datetime is refused: pick its date in a time
            zone first, e.g. with :func:`as_of_date`).
        freq : {"day", "week", "month", "quarter", "year"}

        Returns
        -------
        Period

        Examples
        --------
        >>> from datetime import date
        >>> [str(Period.containing(date(2024, 11, 15), f)) for f in FREQS]
        ['2024-11-15', '2024-W46', '2024-11', '2024-Q4', '2024']
        """
        f = _check_freq(freq)
        return cls._starting(_start_of(_check_date(d, "d"), f), f)

    @classmethod
    def day(cls, d: date) -> Period:
        """Return the one-day period of ``d``.

        Examples
        --------
        >>> from datetime import date
        >>> Period.day(date(2024, 3, 5)).end
        datetime.date(2024, 3, 6)
        """
        return cls.containing(d, "day")

    @classmethod
    def week(cls, d: date) -> Period:
        """Return the ISO week (Monday to Sunday) containing ``d``.

        Examples
        --------
        >>> from datetime import date
        >>> p = Period.week(date(2020, 12, 31))
        >>> p.label, p.start, p.end
        ('2020-W53', datetime.date(2020, 12, 28), datetime.date(2021, 1, 4))
        """
        return cls.containing(d, "week")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        """Return the calendar month ``month`` (1-12) of ``year``.

        Examples
        --------
        >>> Period.month(2023, 2).days
        28
        """
        y = _check_year(year)
        m = _check_int(month, "month")
        if not 1 <= m <= 12:
            raise InvalidParameterError(f"month must be in 1..12, got {m}")
        return cls._starting(date(y, m, 1), "month")

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        """Return calendar quarter ``quarter`` (1-4) of ``year``.

        Examples
        --------
        >>> p = Period.quarter(2024, 2)
        >>> p.start, p.end, p.days
        (datetime.date(2024, 4, 1), datetime.date(2024, 7, 1), 91)
        """
        y = _check_year(year)
        q = _check_int(quarter, "quarter")
        if not 1 <= q <= 4:
            raise InvalidParameterError(f"quarter must be in 1..4, got {q}")
        return cls._starting(date(y, 3 * q - 2, 1), "quarter")

    @classmethod
    def year(cls, year: int) -> Period:
        """Return the calendar year ``year``.

        Examples
        --------
        >>> Period.year(2024).days
        366
        """
        return cls._starting(date(_check_year(year), 1, 1), "year")

    @classmethod
    def from_ordinal(cls, ordinal: SupportsIndex, freq: Freq) -> Period:
        """Return the period whose :attr:`ordinal` is ``ordinal`` (the inverse of ``ordinal``).

        Parameters
        ----------
        ordinal : int
            A period ordinal as computed by :attr:`ordinal` or :func:`bucket`
            (numpy integers are accepted).
        freq : {"day", "week", "month", "quarter", "year"}

        Examples
        --------
        >>> Period.from_ordinal(2024 * 12 + 1, "month").label
        '2024-02'
        >>> Period.from_ordinal(0, "week").start  # the ISO week of 1970-01-01
        datetime.date(1969, 12, 29)
        """
        f = _check_freq(freq)
        o = _check_int(ordinal, "ordinal")
        if f == "day":
            return cls._starting(_from_epoch_day(o), f)
        if f == "week":
            return cls._starting(_from_epoch_day(7 * o - 3), f)
        if f == "year":
            return cls.year(o)
        per_year = 12 // _MONTHS_PER[f]
        y, k = divmod(o, per_year)
        return cls._starting(date(_check_year(y), _MONTHS_PER[f] * k + 1, 1), f)

    # ----------------------------------------------------------------------- properties

    @property
    def ordinal(self) -> int:
        """The period's integer ordinal, as returned by :func:`bucket`.

        ``day``: days since 1970-01-01; ``week``: ISO weeks since the week of
        1970-01-01 (which starts on Monday 1969-12-29); ``month``:
        ``year * 12 + month - 1``; ``quarter``: ``year * 4 + quarter - 1``;
        ``year``: the year.

        Examples
        --------
        >>> Period.month(2024, 3).ordinal, Period.quarter(2024, 1).ordinal
        (24290, 8096)
        """
        s = self.start
        if self.freq == "day":
            return _epoch_day(s)
        if self.freq == "week":
            return (_epoch_day(s) + 3) // 7
        if self.freq == "month":
            return s.year * 12 + s.month - 1
        if self.freq == "quarter":
            return s.year * 4 + (s.month - 1) // 3
        return s.year

    @property
    def label(self) -> str:
        """Short ISO-style label: ``2024-03-05``, ``2024-W05``, ``2024-03``, ``2024-Q1``, ``2024``.

        Examples
        --------
        >>> Period.week(__import__("datetime").date(2024, 2, 1)).label
        '2024-W05'
        """
        s = self.start
        if self.freq == "day":
            return s.isoformat()
        if self.freq == "week":
            iso = s.isocalendar()
            return f"{iso.year:04d}-W{iso.week:02d}"
        if self.freq == "month":
            return f"{s.year:04d}-{s.month:02d}"
        if self.freq == "quarter":
            return f"{s.year:04d}-Q{(s.month - 1) // 3 + 1}"
        return f"{s.year:04d}"

    @property
    def days(self) -> int:
        """Number of calendar days in the period.

        Examples
        --------
        >>> Period.quarter(2023, 1).days
        90
        """
        return (self.end - self.start).days

    # ----------------------------------------------------------------------- behaviour

    def __str__(self) -> str:
        return self.label

    def __contains__(self, d: date) -> bool:
        return self.start <= _check_date(d, "d") < self.end

    def next(self) -> Period:
        """Return the period of the same frequency that follows this one.

        Examples
        --------
        >>> Period.month(2024, 12).next().label
        '2025-01'
        """
        return Period._starting(self.end, self.freq)

    def previous(self) -> Period:
        """Return the period of the same frequency that precedes this one.

        Examples
        --------
        >>> Period.quarter(2024, 1).previous().label
        '2023-Q4'
        """
        return Period.from_ordinal(self.ordinal - 1, self.freq)


def _check_year(year: object) -> int:
    y = _check_int(year, "year")
    if not date.min.year <= y <= date.max.year:
        raise _out_of_range(f"year {y}")
    return y


def periods(start: date, end: date, freq: Freq) -> list[Period]:
    """Return every period of frequency ``freq`` that touches the dates ``[start, end]``.

    Both ends are inclusive: the first period contains ``start`` and the last
    contains ``end``.

    Parameters
    ----------
    start, end : date
        First and last date to cover; ``end`` must not be before ``start``.
    freq : {"day", "week", "month", "quarter", "year"}

    Returns
    -------
    list of Period
        Consecutive periods in chronological order.

    Raises
    ------
    InvalidParameterError
        If ``end`` is before ``start``, a bound is not a date or ``freq`` is
        unknown.

    Examples
    --------
    >>> from datetime import date
    >>> [str(p) for p in periods(date(2024, 1, 31), date(2024, 3, 1), "month")]
    ['2024-01', '2024-02', '2024-03']
    >>> [str(p) for p in periods(date(2024, 3, 31), date(2024, 4, 1), "week")]
    ['2024-W13', '2024-W14']
    """
    f = _check_freq(freq)
    first = Period.containing(_check_date(start, "start"), f)
    last = Period.containing(_check_date(end, "end"), f)
    if end < start:
        raise InvalidParameterError(f"end ({end}) must not be before start ({start})")
    return [Period.from_ordinal(o, f) for o in range(first.ordinal, last.ordinal + 1)]


# --------------------------------------------------------------------------- instants


def _ensure_aware(
    dt: object, tz: tzinfo | None, record: object, field: str, row: int | None = None
) -> datetime:
    if not isinstance(dt, datetime):
        raise InvalidRecordError(
            record=record, field=field, value=dt, expected="a datetime", row=row
        )
    if dt.tzinfo is not None and dt.utcoffset() is not None:
        return dt
    if tz is None:
        raise NaiveDatetimeError(record=record, field=field, value=dt, row=row)
    localize = getattr(tz, "localize", None)  # pytz zones need localize(), not replace()
    if callable(localize):
        return cast(datetime, localize(dt.replace(tzinfo=None)))
    return dt.replace(tzinfo=tz)


def ensure_aware(
    dt: datetime,
    *,
    tz: tzinfo | None = None,
    record: object = None,
    field: str = "timestamp",
) -> datetime:
    """Return ``dt`` as an aware datetime, localising a naive one in ``tz``.

    Parameters
    ----------
    dt : datetime
        The datetime to check.
    tz : tzinfo, optional
        The time zone of ``dt`` when it is naive (its wall-clock reading).
        Ignored when ``dt`` is aware (an aware datetime is returned unchanged,
        not converted).
    record, field : optional
        Named in the error message when ``dt`` is refused.

    Returns
    -------
    datetime
        An aware datetime.

    Raises
    ------
    NaiveDatetimeError
        If ``dt`` is naive and ``tz`` is None.
    InvalidRecordError
        If ``dt`` is not a datetime.

    Notes
    -----
    A naive ``dt`` is localised with ``dt.replace(tzinfo=tz)``, which is
    correct for :class:`zoneinfo.ZoneInfo`, :mod:`dateutil.tz` zones and fixed
    offsets (PEP 495). A zone with a ``localize`` method (pytz) is localised
    with it instead. Around a DST change the wall time is resolved by
    ``dt.fold``: in a repeated hour ``fold=0`` (the default) picks the first
    occurrence, ``fold=1`` the second; a wall time skipped by the change
    (e.g. 02:30 on the day clocks jump from 02:00 to 03:00) takes the offset
    in force *before* the change with ``fold=0`` (so 02:30 becomes 03:30 of
    the new offset) and the offset after it with ``fold=1``.

    Examples
    --------
    >>> from datetime import datetime, timezone, timedelta
    >>> from zoneinfo import ZoneInfo
    >>> ensure_aware(datetime(2024, 3, 1, 9, 0), tz=ZoneInfo("America/Sao_Paulo")).utcoffset()
    datetime.timedelta(days=-1, seconds=75600)
    >>> ensure_aware(datetime(2024, 3, 1, 9, 0), record="INV-1", field="issued_at")
    Traceback (most recent call last):
    ...
    kpicore.errors.NaiveDatetimeError: record 'INV-1': field 'issued_at' = ...: expected an ...
    """
    return _ensure_aware(dt, _check_tz(tz), record, field)


def to_ns(
    dt: datetime,
    *,
    tz: tzinfo | None = None,
    record: object = None,
    field: str = "timestamp",
) -> int:
    """Return the instant ``dt`` as exact integer nanoseconds since 1970-01-01 UTC.

    Parameters
    ----------
    dt : datetime
        An aware datetime, or a naive one together with ``tz``
        (see :func:`ensure_aware`).
    tz : tzinfo, optional
        The time zone of a naive ``dt``.
    record, field : optional
        Named in the error message when ``dt`` is refused.

    Returns
    -------
    int
        ``(dt - 1970-01-01T00:00Z)`` in nanoseconds, computed with integers
        only (no float rounding); always a multiple of 1000 because datetimes
        have microsecond resolution.

    Raises
    ------
    NaiveDatetimeError
        If ``dt`` is naive and ``tz`` is None.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> to_ns(datetime(2024, 3, 1, 1, 0, 0, 123456, tzinfo=timezone.utc))
    1709254800123456000
    """
    aware = _ensure_aware(dt, _check_tz(tz), record, field)
    return (aware - _EPOCH) // _ONE_US * 1000


def from_ns(ns: int) -> datetime:
    """Return the aware UTC datetime of ``ns`` nanoseconds since 1970-01-01 UTC.

    Nanoseconds below the microsecond are dropped (floored), as datetimes have
    microsecond resolution: ``to_ns(from_ns(ns)) == ns - ns % 1000``.

    Examples
    --------
    >>> from_ns(1709254800123456789)
    datetime.datetime(2024, 3, 1, 1, 0, 0, 123456, tzinfo=datetime.timezone.utc)
    """
    n = _check_int(ns, "ns")
    try:
        return _EPOCH + timedelta(microseconds=n // 1000)
    except OverflowError:
        raise _out_of_range(f"the instant {n} ns") from None


def date_to_ns(d: date) -> int:
    """Return midnight UTC at the start of date ``d``, in nanoseconds since the epoch.

    Examples
    --------
    >>> from datetime import date
    >>> date_to_ns(date(1970, 1, 2)) == NS_PER_DAY
    True
    """
    return _epoch_day(_check_date(d, "d")) * NS_PER_DAY


def as_of_ns(as_of: date | datetime, *, tz: tzinfo | None = None) -> int:
    """Return the instant (ns since epoch UTC) that an ``as_of`` argument stands for.

    Parameters
    ----------
    as_of : date or datetime
        A date ``D`` means *the end of day D*: everything that happened on D
        is known, so the instant is ``D + 1`` at 00:00 in ``tz`` (UTC when
        ``tz`` is None). An aware datetime is that instant; a naive datetime is
        read as a wall time in ``tz`` and raises when ``tz`` is None.
    tz : tzinfo, optional
        The time zone whose calendar the date refers to.

    Returns
    -------
    int

    Raises
    ------
    NaiveDatetimeError
        If ``as_of`` is a naive datetime and ``tz`` is None.

    Notes
    -----
    Local midnight is built with ``fold=0`` (see :func:`ensure_aware`). Where
    a DST change skips midnight (Brazil until 2019: 00:00 became 01:00), that
    gives the offset in force before the change, which is exactly the
    instant the new day began.

    Examples
    --------
    >>> from datetime import date
    >>> from zoneinfo import ZoneInfo
    >>> as_of_ns(date(2024, 1, 31)) == date_to_ns(date(2024, 2, 1))
    True
    >>> from_ns(as_of_ns(date(2024, 1, 31), tz=ZoneInfo("America/Sao_Paulo")))
    datetime.datetime(2024, 2, 1, 3, 0, tzinfo=datetime.timezone.utc)
    """
    zone = _check_tz(tz)
    if isinstance(as_of, datetime):
        return to_ns(as_of, tz=zone, field="as_of")
    d = _check_date(as_of, "as_of")
    if d == date.max:
        raise _out_of_range(f"the end of {d}")
    next_day = d + timedelta(days=1)
    if zone is None:
        return date_to_ns(next_day)
    return to_ns(datetime.combine(next_day, time(0)), tz=zone, field="as_of")


def as_of_date(as_of: date | datetime, *, tz: tzinfo | None = None) -> date:
    """Return the calendar date that an ``as_of`` argument falls on.

    A date is returned as is. An aware datetime gives its date in ``tz``
    (in its own zone when ``tz`` is None); a naive datetime is read as a wall
    time in ``tz`` and raises when ``tz`` is None.

    Raises
    ------
    NaiveDatetimeError
        If ``as_of`` is a naive datetime and ``tz`` is None.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> from zoneinfo import ZoneInfo
    >>> moment = datetime(2024, 3, 1, 1, 0, tzinfo=timezone.utc)
    >>> as_of_date(moment), as_of_date(moment, tz=ZoneInfo("America/Sao_Paulo"))
    (datetime.date(2024, 3, 1), datetime.date(2024, 2, 29))
    """
    zone = _check_tz(tz)
    if isinstance(as_of, datetime):
        aware = _ensure_aware(as_of, zone, None, "as_of")
        return (aware if zone is None else aware.astimezone(zone)).date()
    return _check_date(as_of, "as_of")


# --------------------------------------------------------------------------- bucketing


def _bad_row(field: str, row: int, value: object, expected: str) -> InvalidRecordError:
    return InvalidRecordError(field=field, value=value, expected=expected, row=row)


def _offset_us(zone: tzinfo, t_us: int) -> int:
    """UTC offset (microseconds) of ``zone`` at the UTC instant ``t_us``."""
    offset = (_EPOCH + timedelta(microseconds=t_us)).astimezone(zone).utcoffset()
    if offset is None:
        raise InvalidParameterError(f"tz {zone!r} gives no UTC offset")
    return offset // _ONE_US


def _local_days(
    t_us: npt.NDArray[np.int64], zone: tzinfo, rows: list[int] | None = None
) -> npt.NDArray[np.int64]:
    """Local calendar days (since epoch) in ``zone`` of UTC instants in microseconds.

    The UTC offset is looked up once per distinct UTC day, at both ends of the
    day. When they differ the day holds a transition; its instant is found by
    bisection to the microsecond and values before it take the first offset,
    values from it on the second (one transition per UTC day is assumed, which
    holds for every zone in the tz database).
    """
    utc_day = t_us // _US_PER_DAY
    days, first, inverse = np.unique(utc_day, return_index=True, return_inverse=True)
    n = len(days)
    off_start = np.empty(n, dtype=np.int64)
    off_end = np.empty(n, dtype=np.int64)
    switch = np.empty(n, dtype=np.int64)
    for i, day in enumerate(days.tolist()):
        if not _MIN_DAY < day < _MAX_DAY:  # keep the local date representable
            row = int(first[i])
            raise _bad_row(
                "values",
                row if rows is None else rows[row],
                from_ns(int(t_us.ravel()[row]) * 1000),
                "an instant between 0001-01-02 and 9999-12-30 UTC when tz is given",
            )
        lo = day * _US_PER_DAY
        hi = lo + _US_PER_DAY - 1
        a = _offset_us(zone, lo)
        b = _offset_us(zone, hi)
        if a != b:  # a transition inside this UTC day: bisect to the first microsecond of b
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if _offset_us(zone, mid) == a:
                    lo = mid
                else:
                    hi = mid
            switch[i] = hi
        else:
            switch[i] = lo + _US_PER_DAY
        off_start[i] = a
        off_end[i] = b
    inverse = inverse.reshape(t_us.shape)
    offset = np.where(t_us >= switch[inverse], off_end[inverse], off_start[inverse])
    return (t_us + offset) // _US_PER_DAY


def _datetime64_days(arr: npt.NDArray[Any], zone: tzinfo | None) -> npt.NDArray[np.int64]:
    unit = np.datetime_data(arr.dtype)[0]
    nat = np.isnat(arr)
    if nat.any():
        row = int(np.flatnonzero(nat)[0])
        raise _bad_row("values", row, arr.ravel()[row], "a date or an instant, not NaT")
    if unit == "generic":
        raise InvalidParameterError("values: datetime64 without a unit is not supported")
    utc_days = arr.astype("datetime64[D]").astype(np.int64)
    bad = (utc_days < _MIN_DAY) | (utc_days > _MAX_DAY)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise _bad_row("values", row, arr.ravel()[row], f"a date in {date.min}..{date.max}")
    if unit in _DATE_UNITS or zone is None:  # calendar dates, or UTC instants: floor to the day
        return utc_days
    return _local_days(arr.astype("datetime64[us]").astype(np.int64), zone)


def _int_ns_days(arr: npt.NDArray[Any], zone: tzinfo | None) -> npt.NDArray[np.int64]:
    if arr.dtype.kind == "u" and arr.size and int(arr.max()) > _INT64_MAX:
        row = int(np.argmax(arr))
        raise _bad_row("values", row, arr.ravel()[row], "int64 nanoseconds since the epoch")
    ns = arr.astype(np.int64)
    if zone is None:
        return ns // NS_PER_DAY
    return _local_days(ns // 1000, zone)


def _object_days(items: list[Any], zone: tzinfo | None) -> npt.NDArray[np.int64]:
    days = np.empty(len(items), dtype=np.int64)
    inst_rows: list[int] = []
    inst_us: list[int] = []
    for i, v in enumerate(items):
        if isinstance(v, datetime):
            inst_rows.append(i)
            inst_us.append(_to_ns_row(v, zone, i) // 1000)
        elif isinstance(v, date):
            days[i] = _epoch_day(v)
        else:
            raise _bad_row("values", i, v, "a date or an aware datetime")
    if inst_rows:
        us = np.array(inst_us, dtype=np.int64)
        days[inst_rows] = us // _US_PER_DAY if zone is None else _local_days(us, zone, inst_rows)
    return days


def _to_ns_row(dt: datetime, zone: tzinfo | None, row: int) -> int:
    aware = _ensure_aware(dt, zone, None, "values", row)
    return (aware - _EPOCH) // _ONE_US * 1000


def _ordinals(days: npt.NDArray[np.int64], freq: Freq) -> npt.NDArray[np.int64]:
    if freq == "day":
        return days
    if freq == "week":
        return (days + 3) // 7  # 1970-01-01 (day 0) is a Thursday: weeks start at day -3
    as_dates = days.astype("datetime64[D]")
    if freq == "year":
        return as_dates.astype("datetime64[Y]").astype(np.int64) + 1970
    months = as_dates.astype("datetime64[M]").astype(np.int64) + 1970 * 12
    if freq == "month":
        return months
    return months // 3  # year * 4 + (month - 1) // 3


def bucket(
    values: npt.ArrayLike | Iterable[date],
    freq: Freq,
    *,
    tz: tzinfo | None = None,
) -> npt.NDArray[np.int64]:
    """Return the ordinal of the period of ``freq`` that each value falls in (vectorised).

    Parameters
    ----------
    values : array_like
        One of

        - a numpy ``datetime64`` array: with a date unit (``D``, ``W``, ``M``,
          ``Y``) its values are calendar dates; with a time unit (``h`` ...
          ``ns``) they are UTC instants;
        - an integer array of UTC instants in nanoseconds since the epoch
          (kpicore's int64 timestamps);
        - a sequence of ``date`` (calendar dates) and/or ``datetime`` (instants;
          naive ones need ``tz``) objects.
    freq : {"day", "week", "month", "quarter", "year"}
    tz : tzinfo, optional
        Instants are bucketed by their calendar date in this zone; UTC when
        None. Calendar dates are not shifted.

    Returns
    -------
    numpy.ndarray of int64
        Period ordinals (see :attr:`Period.ordinal`), in the shape of
        ``values``. ``Period.from_ordinal(o, freq)`` gives the period back and
        :func:`bucket_labels` its label.

    Raises
    ------
    InvalidRecordError
        For a NaT or out-of-range value (naming its row).
    NaiveDatetimeError
        For a naive datetime when ``tz`` is None.
    InvalidParameterError
        For an unsupported array type or an unknown ``freq``.

    Notes
    -----
    Dates become periods with numpy casts (``datetime64[M]``/``[Y]``) and day
    arithmetic (1970-01-01 was a Thursday), never a Python loop per value.
    With ``tz``, each distinct UTC day is looked up once: its UTC offset at
    the first and at the last microsecond of the day. If they are equal the
    offset applies to every value of that day; if they differ (a DST change
    inside the UTC day) the change instant is bisected to the microsecond and
    each value takes the offset in force at its instant. The Python work is
    thus bounded by the number of distinct days (a few thousand for a decade),
    not by the number of values. With ``tz``, instants must lie between
    0001-01-02 and 9999-12-30 UTC.

    The result equals ``Period.containing(local_date, freq).ordinal`` computed
    value by value.

    Examples
    --------
    >>> import numpy as np
    >>> from zoneinfo import ZoneInfo
    >>> ts = np.array(["2024-02-29T12:00", "2024-03-01T01:00"], dtype="datetime64[m]")
    >>> bucket(ts, "month")
    array([24289, 24290])
    >>> bucket(ts, "month", tz=ZoneInfo("America/Sao_Paulo"))  # 01:00Z is 22:00 on Feb 29
    array([24289, 24289])
    >>> bucket_labels(bucket(ts, "week"), "week")
    ['2024-W09', '2024-W09']
    """
    f = _check_freq(freq)
    zone = _check_tz(tz)
    if isinstance(values, (str, bytes)):
        raise InvalidParameterError("values must be an array or a sequence of dates, not a string")
    if isinstance(values, np.ndarray):
        arr: npt.NDArray[Any] = values
    else:
        items = list(cast(Iterable[Any], values))
        if any(isinstance(v, date) for v in items):
            return _ordinals(_object_days(items, zone), f)
        arr = np.asarray(items) if items else np.empty(0, dtype=np.int64)
    if arr.dtype.kind == "M":
        days = _datetime64_days(arr, zone)
    elif arr.dtype.kind in "iu":
        days = _int_ns_days(arr, zone)
    elif arr.dtype.kind == "O":
        days = _object_days(arr.ravel().tolist(), zone).reshape(arr.shape)
    else:
        raise InvalidParameterError(
            f"values must be datetime64, int64 nanoseconds or dates, got dtype {arr.dtype}"
        )
    return _ordinals(days.astype(np.int64, copy=False), f)


def bucket_labels(ordinals: npt.ArrayLike, freq: Freq) -> list[str]:
    """Return the label of each period ordinal (e.g. from :func:`bucket`).

    Each distinct ordinal is labelled once.

    Examples
    --------
    >>> bucket_labels([8096, 8099, 8096], "quarter")
    ['2024-Q1', '2024-Q4', '2024-Q1']
    """
    f = _check_freq(freq)
    arr = np.asarray(ordinals)
    if arr.size and arr.dtype.kind not in "iu":
        raise InvalidParameterError(f"ordinals must be integers, got dtype {arr.dtype}")
    unique, inverse = np.unique(arr.ravel(), return_inverse=True)
    labels = [Period.from_ordinal(o, f).label for o in unique.tolist()]
    return [labels[i] for i in inverse.tolist()]


# --------------------------------------------------------------------------- day counting


def add_months(d: date, n: int) -> date:
    """Return the date ``n`` calendar months after ``d`` (before it when ``n < 0``).

    The day of the month is kept, clipped to the last day of the target month
    (dateutil ``relativedelta``): 31 January + 1 month is 29 February in a
    leap year and 28 February otherwise.

    Examples
    --------
    >>> from datetime import date
    >>> add_months(date(2023, 1, 31), 1), add_months(date(2024, 3, 31), -1)
    (datetime.date(2023, 2, 28), datetime.date(2024, 2, 29))
    """
    start = _check_date(d, "d")
    months = _check_int(n, "n")
    try:
        result: date = start + relativedelta(months=months)
    except (OverflowError, ValueError):
        raise _out_of_range(f"{start} + {months} months") from None
    return result


def days_between(start: date, end: date) -> int:
    """Return the number of calendar days from ``start`` to ``end`` (``end - start``, signed).

    Examples
    --------
    >>> from datetime import date
    >>> days_between(date(2024, 2, 1), date(2024, 3, 1))
    29
    >>> days_between(date(2024, 3, 1), date(2024, 2, 1))
    -29
    """
    return (_check_date(end, "end") - _check_date(start, "start")).days


_NO_DAY: Final[int] = int(np.iinfo(np.int64).min)  # the NaT bit pattern: no day


def _epoch_days(days: npt.ArrayLike, name: str) -> npt.NDArray[np.int64]:
    arr = np.asarray(days)
    if arr.dtype.kind == "M":
        return arr.astype("datetime64[D]").view(np.int64)
    if arr.dtype.kind not in "iu":
        raise InvalidParameterError(
            f"{name} must be datetime64 or int days since 1970-01-01, got {arr.dtype}"
        )
    return arr.astype(np.int64, copy=False)


def days_past_due(
    due_days: npt.ArrayLike,
    as_of_day: int | None,
    is_open: npt.ArrayLike,
    *,
    grace_days: int = 0,
) -> npt.NDArray[np.float64]:
    """Days overdue as of a day, per item: **the** definition of DaysOverdue in kpicore.

    :func:`kpicore.kpis.overdue.days_overdue`, the KPI case table
    (:func:`kpicore.kpis.case_table.case_table`) and
    :meth:`kpicore.eventlog.EventLog.case_table` all compute their days
    overdue with this function.

    Parameters
    ----------
    due_days : array of datetime64[D] or int64
        Due dates (NaT, or int64 min, where missing). Integers are days since
        1970-01-01.
    as_of_day : int or None
        The run date as days since 1970-01-01. ``None``: unknown (open items
        get NaN).
    is_open : array of bool
        Items still open (neither paid nor written off) as of the run date.
    grace_days : int, default 0
        An open item counts as overdue only when ``as_of − due > grace_days``
        (SAP grace days); its days are then counted from the due date.

    Returns
    -------
    ndarray of float64
        ``as_of − due`` (calendar days) for an open item past due; 0 when not
        yet due (the due date is day 0), within the grace days, or closed
        (paid or written off by then); NaN without a due date, or open with
        an unknown run date. Days late *at settlement* are
        :func:`days_settled_late`.

    Examples
    --------
    >>> import numpy as np
    >>> due = np.array(["2024-01-10", "2024-01-10", "2024-03-01", "NaT"], dtype="datetime64[D]")
    >>> as_of = int(np.datetime64("2024-01-31", "D").astype(np.int64))
    >>> days_past_due(due, as_of, np.array([True, False, True, True])).tolist()
    [21.0, 0.0, 0.0, nan]
    >>> days_past_due(due, as_of, np.array([True] * 4), grace_days=30).tolist()
    [0.0, 0.0, 0.0, nan]
    >>> days_past_due(due, None, np.array([True, False, True, True])).tolist()
    [nan, 0.0, nan, nan]
    """
    due = _epoch_days(due_days, "due_days")
    open_ = np.asarray(is_open, dtype=bool)
    has_due = due != _NO_DAY
    out = np.zeros(due.shape[0], dtype=np.float64)
    if as_of_day is None:
        out[open_] = np.nan
    else:
        age = int(as_of_day) - due
        late = open_ & has_due & (age > grace_days)
        out[late] = age[late]
    out[~has_due] = np.nan
    return out


def days_settled_late(
    due_days: npt.ArrayLike, settled_days: npt.ArrayLike, *, signed: bool = False
) -> npt.NDArray[np.float64]:
    """Days late at settlement: settlement date − due date, per item.

    The IBM dataset's DaysLate and :attr:`kpicore.model.Invoice.days_late`:
    clamped at 0 unless ``signed`` (then negative for early settlement). NaN
    where the due date or the settlement is missing (NaT, or int64 min).
    Unlike :func:`days_past_due` it does not depend on a run date.

    Examples
    --------
    >>> import numpy as np
    >>> due = np.array(["2024-01-10", "2024-01-10", "2024-01-10"], dtype="datetime64[D]")
    >>> paid = np.array(["2024-01-12", "2024-01-08", "NaT"], dtype="datetime64[D]")
    >>> days_settled_late(due, paid).tolist(), days_settled_late(due, paid, signed=True)[:2]
    ([2.0, 0.0, nan], array([ 2., -2.]))
    """
    due = _epoch_days(due_days, "due_days")
    settled = _epoch_days(settled_days, "settled_days")
    ok = (due != _NO_DAY) & (settled != _NO_DAY)
    out = np.full(due.shape[0], np.nan)
    late = settled[ok] - due[ok]
    out[ok] = late if signed else np.maximum(late, 0)
    return out


def _busdaycalendar(holidays: Iterable[date], weekmask: str) -> np.busdaycalendar:
    if isinstance(holidays, np.ndarray) and holidays.dtype.kind == "M":
        hol = holidays.astype("datetime64[D]")
    else:
        hol = np.array([_check_date(h, "holidays item") for h in holidays], dtype="datetime64[D]")
    try:
        return np.busdaycalendar(weekmask=weekmask, holidays=hol)
    except (ValueError, TypeError) as exc:
        raise InvalidParameterError(f"invalid weekmask {weekmask!r} or holidays: {exc}") from None


def business_days_between(
    start: date,
    end: date,
    *,
    holidays: Iterable[date] = (),
    weekmask: str = "1111100",
) -> int:
    """Return the number of business days in ``[start, end)``.

    Parameters
    ----------
    start, end : date
        ``start`` is counted, ``end`` is not. When ``end < start`` the result
        is minus the number of business days in ``(end, start]`` (numpy's
        convention: ``-business_days_between(end + 1 day, start + 1 day)``),
        so a payment made on Saturday for a Monday due date is -1 business
        day late.
    holidays : iterable of date, optional
        Dates that are not business days (e.g. the national bank holidays).
    weekmask : str, optional
        Seven ``0``/``1`` flags, Monday first; default Monday to Friday.

    Returns
    -------
    int

    References
    ----------
    :func:`numpy.busday_count`.

    Examples
    --------
    >>> from datetime import date
    >>> business_days_between(date(2026, 4, 20), date(2026, 4, 27))
    5
    >>> business_days_between(date(2026, 4, 20), date(2026, 4, 27),
    ...                       holidays=[date(2026, 4, 21)])  # Tiradentes
    4
    >>> business_days_between(date(2026, 4, 27), date(2026, 4, 24))  # (Fri 24, Mon 27]
    -1
    """
    s = np.datetime64(_check_date(start, "start"), "D")
    e = np.datetime64(_check_date(end, "end"), "D")
    return int(np.busday_count(s, e, busdaycal=_busdaycalendar(holidays, weekmask)))


def _day_array(values: npt.ArrayLike | Iterable[date], name: str) -> npt.NDArray[np.datetime64]:
    if isinstance(values, np.ndarray):
        if values.dtype.kind != "M" or np.datetime_data(values.dtype)[0] not in _DATE_UNITS:
            raise InvalidParameterError(
                f"{name} must hold calendar dates (datetime64[D]), got dtype {values.dtype}; "
                "bucket instants to local dates first"
            )
        arr = values.astype("datetime64[D]")
    else:
        items = list(cast(Iterable[Any], values))
        for i, v in enumerate(items):
            if isinstance(v, datetime) or not isinstance(v, date):
                raise _bad_row(name, i, v, "a datetime.date")
        arr = np.array(items, dtype="datetime64[D]")
    nat = np.isnat(arr)
    if nat.any():
        row = int(np.flatnonzero(nat)[0])
        raise _bad_row(name, row, arr.ravel()[row], "a date, not NaT")
    return arr


def business_days_between_arrays(
    starts: npt.ArrayLike | Iterable[date],
    ends: npt.ArrayLike | Iterable[date],
    *,
    holidays: Iterable[date] = (),
    weekmask: str = "1111100",
) -> npt.NDArray[np.int64]:
    """Vectorised :func:`business_days_between` over arrays of dates.

    Parameters
    ----------
    starts, ends : array_like
        ``datetime64[D]`` arrays (or sequences of dates) of equal or
        broadcastable shapes.
    holidays, weekmask
        As in :func:`business_days_between`.

    Returns
    -------
    numpy.ndarray of int64

    Raises
    ------
    InvalidRecordError
        For a NaT or non-date value (naming the argument and row).

    Examples
    --------
    >>> import numpy as np
    >>> s = np.array(["2026-04-01", "2026-04-20"], dtype="datetime64[D]")
    >>> e = np.array(["2026-05-01", "2026-04-27"], dtype="datetime64[D]")
    >>> business_days_between_arrays(s, e, holidays=[date(2026, 4, 3), date(2026, 4, 21)])
    array([20,  4])
    """
    s = _day_array(starts, "starts")
    e = _day_array(ends, "ends")
    cal = _busdaycalendar(holidays, weekmask)
    try:
        counts = np.busday_count(s, e, busdaycal=cal)
    except ValueError as exc:
        raise InvalidParameterError(f"starts and ends do not broadcast: {exc}") from None
    return np.asarray(counts, dtype=np.int64)
