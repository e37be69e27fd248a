"""The Brazilian bank calendar: national bank holidays and the due-date roll.

Lei 7.089/1983 (art. 1) forbids charging late interest on a bill that falls
due on a Saturday, a Sunday or a bank holiday when it is paid on the next
business day. A :class:`BankCalendar` knows which days are not business days
(weekends, the national bank holidays of each year and any state or city
holidays the caller adds) and rolls a due date to the day it is really
payable without charges (``roll="following"``). The overdue, late-charge and
dunning KPIs take it as ``calendar=``.

National bank holidays
----------------------
Fixed dates: 1 January (Confraternização Universal), 21 April (Tiradentes),
1 May (Dia do Trabalho), 7 September (Independência), 12 October (Nossa
Senhora Aparecida, Lei 6.802/1980), 2 November (Finados), 15 November
(Proclamação da República), 20 November (Dia Nacional de Zumbi e da
Consciência Negra, a national holiday since 2024 by Lei 14.759/2023) and
25 December (Natal). Movable, from Easter Sunday (:func:`dateutil.easter.easter`,
the Western computus): Carnival Monday and Tuesday (Easter − 48 and − 47
days), Good Friday (Paixão de Cristo, Easter − 2) and Corpus Christi
(Easter + 60). Carnival and Corpus Christi are not national holidays by law
but are days without banking under the Febraban calendar, which is the one
that decides when a boleto is payable. That makes 13 days in 2026.

31 December has no banking for the public either (Febraban); it is optional
here (``include_dec_31``, off by default): a bill due on 31 December rolls to
the next business day only when it is on.

Examples
--------
>>> import datetime as dt
>>> cal = BankCalendar()
>>> len(cal.holidays(2026)), cal.holidays(2026)[dt.date(2026, 2, 16)]
(13, 'Carnaval (segunda-feira)')
>>> cal.roll(dt.date(2026, 4, 3))  # Good Friday -> Monday 6 April
datetime.date(2026, 4, 6)

References
----------
Lei 7.089/1983, art. 1 (no late interest on bills due on a non-business day
paid on the next business day); Lei 662/1949 and Lei 10.607/2002 (national
holidays); Lei 6.802/1980 (12 October); Lei 14.759/2023 (20 November);
Febraban, "Calendário de feriados bancários" (Carnival, Corpus Christi and 31
December without banking for the public).
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal

import attrs
import numpy as np
import numpy.typing as npt
from dateutil.easter import easter

from kpicore.errors import InvalidParameterError, InvalidRecordError
from kpicore.results import Result, freeze

__all__ = [
    "BankCalendar",
    "brazil_national_holidays",
]

#: First and last year the national rules are stated for (12 October is a
#: holiday since 1980; dateutil's Western Easter is defined up to 4099).
MIN_YEAR: Final[int] = 1980
MAX_YEAR: Final[int] = 4099

_MISSING: Final[int] = int(np.iinfo(np.int64).min)
_EPOCH: Final[_dt.date] = _dt.date(1970, 1, 1)

_FIXED: Final[tuple[tuple[int, int, str], ...]] = (
    (1, 1, "Confraternização Universal"),
    (4, 21, "Tiradentes"),
    (5, 1, "Dia do Trabalho"),
    (9, 7, "Independência do Brasil"),
    (10, 12, "Nossa Senhora Aparecida"),
    (11, 2, "Finados"),
    (11, 15, "Proclamação da República"),
    (12, 25, "Natal"),
)
_BLACK_CONSCIOUSNESS: Final[tuple[int, int, str]] = (
    11,
    20,
    "Dia Nacional de Zumbi e da Consciência Negra",
)
_BLACK_CONSCIOUSNESS_SINCE: Final[int] = 2024
_EASTER_OFFSETS: Final[tuple[tuple[int, str], ...]] = (
    (-48, "Carnaval (segunda-feira)"),
    (-47, "Carnaval (terça-feira)"),
    (-2, "Paixão de Cristo (Sexta-feira Santa)"),
    (60, "Corpus Christi"),
)
_DEC_31: Final[str] = "Último dia do ano (sem expediente bancário)"


def _check_year(year: object, name: str = "year") -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidParameterError(
            f"{name}={year!r}: expected an int from {MIN_YEAR} to {MAX_YEAR}"
        )
    return year


def brazil_national_holidays(year: int, *, include_dec_31: bool = False) -> dict[_dt.date, str]:
    """The national bank holidays of Brazil in one year, with their pt-BR names.

    Parameters
    ----------
    year : int
        From 1980 to 4099.
    include_dec_31 : bool, default False
        Add 31 December (no banking for the public under the Febraban
        calendar).

    Returns
    -------
    dict of date to str
        In date order.

    Raises
    ------
    InvalidParameterError
        For a year outside 1980..4099 or a non-bool ``include_dec_31``.

    Notes
    -----
    Fixed: 1 Jan, 21 Apr, 1 May, 7 Sep, 12 Oct, 2 Nov, 15 Nov, 20 Nov (from
    2024, Lei 14.759/2023) and 25 Dec. With ``E`` = Easter Sunday
    (:func:`dateutil.easter.easter`): Carnival ``E − 48`` and ``E − 47``,
    Good Friday ``E − 2``, Corpus Christi ``E + 60``.

    Examples
    --------
    >>> for day, name in brazil_national_holidays(2026).items():
    ...     print(day.isoformat(), day.strftime("%a"), name)
    2026-01-01 Thu Confraternização Universal
    2026-02-16 Mon Carnaval (segunda-feira)
    2026-02-17 Tue Carnaval (terça-feira)
    2026-04-03 Fri Paixão de Cristo (Sexta-feira Santa)
    2026-04-21 Tue Tiradentes
    2026-05-01 Fri Dia do Trabalho
    2026-06-04 Thu Corpus Christi
    2026-09-07 Mon Independência do Brasil
    2026-10-12 Mon Nossa Senhora Aparecida
    2026-11-02 Mon Finados
    2026-11-15 Sun Proclamação da República
    2026-11-20 Fri Dia Nacional de Zumbi e da Consciência Negra
    2026-12-25 Fri Natal
    >>> _dt.date(2023, 11, 20) in brazil_national_holidays(2023)
    False
    """
    y = _check_year(year)
    if not isinstance(include_dec_31, bool):
        raise InvalidParameterError(
            f"include_dec_31 must be True or False, got {include_dec_31!r}"
        )
    days: dict[_dt.date, str] = {_dt.date(y, m, d): name for m, d, name in _FIXED}
    if y >= _BLACK_CONSCIOUSNESS_SINCE:
        m, d, name = _BLACK_CONSCIOUSNESS
        days[_dt.date(y, m, d)] = name
    sunday = easter(y)
    for offset, name in _EASTER_OFFSETS:
        days[sunday + _dt.timedelta(days=offset)] = name
    if include_dec_31:
        days[_dt.date(y, 12, 31)] = _DEC_31
    return dict(sorted(days.items()))


# --------------------------------------------------------------------------- the calendar


def _check_day(value: object, field: str, row: int) -> _dt.date:
    if isinstance(value, _dt.datetime) or not isinstance(value, _dt.date):
        raise InvalidRecordError(
            row=row, field=field, value=value, expected="a datetime.date (not a datetime)"
        )
    return value


def _to_extra(value: Iterable[_dt.date] | Mapping[_dt.date, str]) -> Mapping[_dt.date, str]:
    if isinstance(value, Mapping):
        items = list(value.items())
    elif isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidParameterError(
            f"holidays must be dates or a {{date: name}} mapping, got {value!r}"
        )
    else:
        items = [(d, "Feriado local") for d in value]
    out: dict[_dt.date, str] = {}
    for i, (d, name) in enumerate(items):
        day = _check_day(d, "holidays", i)
        if not isinstance(name, str):
            raise InvalidRecordError(
                record=day.isoformat(),
                row=i,
                field="holidays",
                value=name,
                expected="a name (str)",
            )
        out[day] = name
    return freeze(dict(sorted(out.items())))


def _to_annual(value: Iterable[Any] | Mapping[Any, str]) -> Mapping[tuple[int, int], str]:
    if isinstance(value, Mapping):
        items = list(value.items())
    elif isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidParameterError(
            f"annual must be (month, day) pairs or a {{(month, day): name}} mapping, got {value!r}"
        )
    else:
        items = [(md, "Feriado local") for md in value]
    out: dict[tuple[int, int], str] = {}
    for i, (md, name) in enumerate(items):
        ok = (
            isinstance(md, tuple)
            and len(md) == 2
            and all(isinstance(x, int) and not isinstance(x, bool) for x in md)
        )
        if ok:
            try:
                _dt.date(2000, md[0], md[1])  # a leap year: 29 February is allowed
            except ValueError:
                ok = False
        if not ok or not isinstance(name, str):
            raise InvalidRecordError(
                row=i,
                field="annual",
                value=md if not ok else name,
                expected="a (month, day) pair of ints naming a calendar day, with a str name",
            )
        out[md] = name
    return freeze(dict(sorted(out.items())))


def _check_weekmask(value: object) -> str:
    if (
        not isinstance(value, str)
        or len(value) != 7
        or set(value) - {"0", "1"}
        or "1" not in value
    ):
        raise InvalidParameterError(
            f"weekmask={value!r}: expected seven '0'/'1' flags, Monday first, "
            "with at least one business day"
        )
    return value


def _check_bool(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidParameterError(f"{name} must be True or False, got {value!r}")
    return value


@attrs.frozen(repr=False)
class BankCalendar(Result):
    """Business days for Brazilian bank payments, and the due-date roll.

    Parameters
    ----------
    holidays : iterable of date or mapping of date to str, optional
        Extra non-business days (state or city holidays of one year), with a
        name when given as a mapping.
    annual : iterable of (month, day) or mapping of (month, day) to str, optional
        Extra holidays on the same day every year (e.g. ``(7, 9)`` for São
        Paulo's 9 July, ``(1, 25)`` for the city of São Paulo's anniversary).
    national : bool, default True
        Include the national bank holidays (:func:`brazil_national_holidays`).
    include_dec_31 : bool, default False
        Treat 31 December as a non-business day (Febraban: no banking for the
        public).
    weekmask : str, default ``"1111100"``
        Business weekdays, Monday first (numpy's convention).

    Raises
    ------
    InvalidParameterError
        For a bad weekmask or flag.
    InvalidRecordError
        For a holiday that is not a date (naming its row) or an annual
        holiday that is not a valid (month, day).

    Examples
    --------
    >>> import datetime as dt
    >>> sp = BankCalendar(annual={(1, 25): "Aniversário de São Paulo", (7, 9): "Revolução"})
    >>> day = dt.date(2026, 7, 9)
    >>> sp.is_business_day(day), BankCalendar().is_business_day(day)
    (False, True)
    >>> sp.roll(dt.date(2026, 1, 25))  # a Sunday holiday: the next Monday
    datetime.date(2026, 1, 26)
    """

    holidays_extra: Mapping[_dt.date, str] = attrs.field(
        default=(), converter=_to_extra, alias="holidays"
    )
    annual: Mapping[tuple[int, int], str] = attrs.field(default=(), converter=_to_annual)
    national: bool = attrs.field(default=True)
    include_dec_31: bool = attrs.field(default=False)
    weekmask: str = attrs.field(default="1111100")

    @national.validator
    def _v_national(self, attribute: attrs.Attribute[bool], value: object) -> None:
        _check_bool(value, "national")

    @include_dec_31.validator
    def _v_dec31(self, attribute: attrs.Attribute[bool], value: object) -> None:
        _check_bool(value, "include_dec_31")

    @weekmask.validator
    def _v_weekmask(self, attribute: attrs.Attribute[str], value: object) -> None:
        _check_weekmask(value)

    # -- holidays ----------------------------------------------------------------------

    def holidays(self, year: int, end_year: int | None = None) -> dict[_dt.date, str]:
        """The non-business days other than weekends, from ``year`` to ``end_year``.

        Parameters
        ----------
        year : int
        end_year : int, optional
            Last year included (default ``year``).

        Returns
        -------
        dict of date to str
            National (when ``national``), annual and extra holidays in date
            order; a day in several lists keeps its national name.

        Examples
        --------
        >>> import datetime as dt
        >>> cal = BankCalendar(holidays={dt.date(2026, 3, 19): "São José (CE)"})
        >>> len(cal.holidays(2026)), len(cal.holidays(2025, 2026))
        (14, 27)
        """
        first = _check_year(year)
        last = first if end_year is None else _check_year(end_year, "end_year")
        if last < first:
            raise InvalidParameterError(f"end_year={last} is before year={first}")
        out: dict[_dt.date, str] = {}
        for y in range(first, last + 1):
            for (m, d), name in self.annual.items():
                if m == 2 and d == 29 and not _is_leap(y):
                    continue
                out[_dt.date(y, m, d)] = name
        for day, name in self.holidays_extra.items():
            if first <= day.year <= last:
                out[day] = name
        if self.national:
            for y in range(first, last + 1):
                out.update(brazil_national_holidays(y, include_dec_31=self.include_dec_31))
        return dict(sorted(out.items()))

    def _busdaycal(self, first: int, last: int) -> np.busdaycalendar:
        return _busdaycal(self, first, last)

    # -- single days -------------------------------------------------------------------

    def is_business_day(self, day: _dt.date) -> bool:
        """Whether ``day`` is a business day (a weekday of the mask and no holiday).

        Examples
        --------
        >>> import datetime as dt
        >>> cal = BankCalendar()
        >>> [cal.is_business_day(dt.date(2026, 11, d)) for d in (19, 20, 21, 23)]
        [True, False, False, True]
        """
        d = _check_day(day, "day", 0)
        y = _check_year(d.year, "year of day")
        return bool(np.is_busday(np.datetime64(d, "D"), busdaycal=self._busdaycal(y, y)))

    def roll(self, day: _dt.date, roll: Literal["following"] = "following") -> _dt.date:
        """The first business day on or after ``day`` (``roll="following"``).

        Parameters
        ----------
        day : date
        roll : {"following"}
            The only convention Lei 7.089/1983 uses.

        Returns
        -------
        date

        Examples
        --------
        >>> import datetime as dt
        >>> cal = BankCalendar()
        >>> cal.roll(dt.date(2026, 2, 14))  # Saturday before Carnival -> Ash Wednesday
        datetime.date(2026, 2, 18)
        >>> cal.roll(dt.date(2026, 2, 18))  # already a business day
        datetime.date(2026, 2, 18)
        """
        d = _check_day(day, "day", 0)
        days = np.array([(d - _EPOCH).days], dtype=np.int64)
        out = int(self.roll_days(days, roll=roll)[0])
        return _EPOCH + _dt.timedelta(days=out)

    # -- vectorised --------------------------------------------------------------------

    def roll_days(
        self, days: npt.NDArray[np.int64], roll: Literal["following"] = "following"
    ) -> npt.NDArray[np.int64]:
        """Vectorised :meth:`roll` over days since 1970-01-01 (int64 minimum = missing).

        Parameters
        ----------
        days : ndarray of int64
            Days since the epoch; ``numpy.iinfo(int64).min`` (the KPIs'
            *missing* value) passes through unchanged.
        roll : {"following"}

        Returns
        -------
        ndarray of int64

        Raises
        ------
        InvalidParameterError
            For another roll convention, or days outside the years
            1980..4099.

        Examples
        --------
        >>> import numpy as np
        >>> cal = BankCalendar()
        >>> d = np.array(["2026-04-03", "2026-04-06", "2026-11-20"], dtype="datetime64[D]")
        >>> cal.roll_days(d.view(np.int64)).view("datetime64[D]")
        array(['2026-04-06', '2026-04-06', '2026-11-23'], dtype='datetime64[D]')
        """
        if roll != "following":
            raise InvalidParameterError(f"roll={roll!r}: only 'following' is supported")
        arr = np.asarray(days, dtype=np.int64)
        out = arr.copy()
        ok = arr != _MISSING
        if not bool(ok.any()):
            return out
        vals = arr[ok]
        years = vals.view("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
        first, last = int(years.min()), int(years.max())
        for y, name in ((first, "year of the earliest day"), (last, "year of the latest day")):
            _check_year(y, name)
        # one more year: a day late in December may roll into January
        cal = self._busdaycal(first, min(last + 1, MAX_YEAR))
        rolled = np.busday_offset(vals.view("datetime64[D]"), 0, roll="forward", busdaycal=cal)
        out[ok] = rolled.astype(np.int64)
        return out


@functools.lru_cache(maxsize=64)
def _busdaycal(calendar: BankCalendar, first: int, last: int) -> np.busdaycalendar:
    # numpy's busdaycalendar does not pickle: cached here, not held by the (picklable) calendar
    days = np.array(list(calendar.holidays(first, last)), dtype="datetime64[D]")
    return np.busdaycalendar(weekmask=calendar.weekmask, holidays=days)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def check_calendar(calendar: object) -> BankCalendar | None:
    """``calendar=`` of the KPIs: None or a :class:`BankCalendar` (private helper).

    Examples
    --------
    >>> check_calendar(None) is None, isinstance(check_calendar(BankCalendar()), BankCalendar)
    (True, True)
    """
    if calendar is None or isinstance(calendar, BankCalendar):
        return calendar
    raise InvalidParameterError(
        f"calendar must be a kpicore.bankcalendar.BankCalendar or None, got {calendar!r}"
    )
