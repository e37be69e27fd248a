"""Tests of kpicore.bankcalendar: Brazilian national bank holidays and the due-date roll."""

from __future__ import annotations

import datetime as dt
import pickle
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpicore.bankcalendar import BankCalendar, brazil_national_holidays, check_calendar
from kpicore.errors import InvalidParameterError, InvalidRecordError

D = dt.date
MISSING = int(np.iinfo(np.int64).min)


def _any(value: object) -> Any:
    return value


# The 2026 list as published (Febraban / press, e.g. "13 datas de 2026 em que você não precisa
# pagar boleto"), written out by hand: not computed.
PUBLISHED_2026 = [
    D(2026, 1, 1),  # Confraternização Universal (Thursday)
    D(2026, 2, 16),  # Carnaval, Monday
    D(2026, 2, 17),  # Carnaval, Tuesday
    D(2026, 4, 3),  # Sexta-feira Santa
    D(2026, 4, 21),  # Tiradentes (Tuesday)
    D(2026, 5, 1),  # Dia do Trabalho (Friday)
    D(2026, 6, 4),  # Corpus Christi (Thursday)
    D(2026, 9, 7),  # Independência (Monday)
    D(2026, 10, 12),  # Nossa Senhora Aparecida (Monday)
    D(2026, 11, 2),  # Finados (Monday)
    D(2026, 11, 15),  # Proclamação da República (Sunday)
    D(2026, 11, 20),  # Consciência Negra (Friday)
    D(2026, 12, 25),  # Natal (Friday)
]


def _easter_meeus(year: int) -> dt.date:
    """Easter Sunday by the anonymous Gregorian algorithm (Meeus/Jones/Butcher), independently."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return D(year, month, day + 1)


def test_2026_matches_the_published_list() -> None:
    got = brazil_national_holidays(2026)
    assert list(got) == PUBLISHED_2026
    assert len(got) == 13
    assert got[D(2026, 6, 4)] == "Corpus Christi"


@pytest.mark.parametrize(
    ("year", "carnival_monday", "good_friday", "corpus_christi"),
    [
        # published dates (calendars of each year)
        (2024, D(2024, 2, 12), D(2024, 3, 29), D(2024, 5, 30)),
        (2025, D(2025, 3, 3), D(2025, 4, 18), D(2025, 6, 19)),
        (2026, D(2026, 2, 16), D(2026, 4, 3), D(2026, 6, 4)),
        (2027, D(2027, 2, 8), D(2027, 3, 26), D(2027, 5, 27)),
    ],
)
def test_movable_holidays_published(
    year: int, carnival_monday: dt.date, good_friday: dt.date, corpus_christi: dt.date
) -> None:
    got = brazil_national_holidays(year)
    assert carnival_monday in got
    assert carnival_monday + dt.timedelta(days=1) in got
    assert good_friday in got
    assert corpus_christi in got
    assert carnival_monday.weekday() == 0
    assert good_friday.weekday() == 4
    assert corpus_christi.weekday() == 3


@given(st.integers(1980, 2400))
def test_movable_holidays_follow_an_independent_easter(year: int) -> None:
    e = _easter_meeus(year)
    got = brazil_national_holidays(year)
    for offset in (-48, -47, -2, 60):
        assert e + dt.timedelta(days=offset) in got
    expected_count = 12 + (year >= 2024)
    # a movable holiday never coincides with a fixed one in these years except by chance:
    # count distinct days from the rules by hand
    fixed = {(1, 1), (4, 21), (5, 1), (9, 7), (10, 12), (11, 2), (11, 15), (12, 25)}
    if year >= 2024:
        fixed.add((11, 20))
    days = {D(year, m, d) for m, d in fixed} | {
        e + dt.timedelta(days=o) for o in (-48, -47, -2, 60)
    }
    assert set(got) == days
    assert len(got) <= expected_count


def test_black_consciousness_only_from_2024() -> None:
    assert D(2023, 11, 20) not in brazil_national_holidays(2023)
    assert D(2024, 11, 20) in brazil_national_holidays(2024)
    assert len(brazil_national_holidays(2023)) == 12


def test_dec_31_optional() -> None:
    assert D(2026, 12, 31) not in brazil_national_holidays(2026)
    assert D(2026, 12, 31) in brazil_national_holidays(2026, include_dec_31=True)
    cal = BankCalendar(include_dec_31=True)
    # Thursday 31 Dec 2026 -> Friday 1 Jan 2027 is a holiday too -> Monday 4 Jan 2027
    assert cal.roll(D(2026, 12, 31)) == D(2027, 1, 4)
    assert BankCalendar().roll(D(2026, 12, 31)) == D(2026, 12, 31)


@pytest.mark.parametrize("year", [1979, 4100, "2026", 2026.0, True])
def test_bad_year(year: object) -> None:
    with pytest.raises(InvalidParameterError, match="year"):
        brazil_national_holidays(_any(year))


# --------------------------------------------------------------------------- roll


@pytest.mark.parametrize(
    ("due", "payable"),
    [
        (D(2026, 2, 13), D(2026, 2, 13)),  # Friday before Carnival: business day
        (D(2026, 2, 14), D(2026, 2, 18)),  # Saturday -> Ash Wednesday
        (D(2026, 2, 16), D(2026, 2, 18)),  # Carnival Monday
        (D(2026, 4, 3), D(2026, 4, 6)),  # Good Friday -> Monday
        (D(2026, 4, 21), D(2026, 4, 22)),  # Tiradentes (Tuesday)
        (D(2026, 6, 4), D(2026, 6, 5)),  # Corpus Christi -> Friday
        (D(2026, 11, 14), D(2026, 11, 16)),  # Saturday, Sunday 15 Nov -> Monday
        (D(2026, 11, 20), D(2026, 11, 23)),  # Consciência Negra (Friday) -> Monday
        (D(2026, 12, 25), D(2026, 12, 28)),
        (D(2026, 12, 26), D(2026, 12, 28)),
        (D(2027, 1, 1), D(2027, 1, 4)),
    ],
)
def test_roll_following(due: dt.date, payable: dt.date) -> None:
    assert BankCalendar().roll(due) == payable


def _roll_by_hand(cal_days: set[dt.date], day: dt.date) -> dt.date:
    while day.weekday() >= 5 or day in cal_days:
        day += dt.timedelta(days=1)
    return day


@given(st.lists(st.dates(D(2020, 1, 1), D(2030, 12, 31)), max_size=40))
def test_roll_days_equals_a_loop(days: list[dt.date]) -> None:
    cal = BankCalendar(annual=[(7, 9)], holidays=[D(2025, 3, 19)])
    hol = set(cal.holidays(2020, 2031))
    arr = np.array(days, dtype="datetime64[D]").astype(np.int64)
    got = cal.roll_days(arr).view("datetime64[D]").tolist()
    assert got == [_roll_by_hand(hol, d) for d in days]


def test_roll_days_keeps_missing() -> None:
    arr = np.array([MISSING, (D(2026, 4, 3) - D(1970, 1, 1)).days], dtype=np.int64)
    out = BankCalendar().roll_days(arr)
    assert out[0] == MISSING
    assert out[1] == (D(2026, 4, 6) - D(1970, 1, 1)).days
    all_missing = np.array([MISSING, MISSING], dtype=np.int64)
    assert BankCalendar().roll_days(all_missing).tolist() == [MISSING, MISSING]
    assert arr[1] == (D(2026, 4, 3) - D(1970, 1, 1)).days  # input untouched


def test_roll_days_out_of_range() -> None:
    arr = np.array([(D(1975, 1, 1) - D(1970, 1, 1)).days], dtype=np.int64)
    with pytest.raises(InvalidParameterError, match="earliest"):
        BankCalendar().roll_days(arr)


def test_other_roll_rejected() -> None:
    with pytest.raises(InvalidParameterError, match="following"):
        BankCalendar().roll(D(2026, 1, 1), roll=_any("preceding"))


# --------------------------------------------------------------------------- caller holidays


def test_caller_holidays_and_annual() -> None:
    cal = BankCalendar(
        holidays={D(2026, 3, 19): "São José (CE)"},
        annual={(1, 25): "Aniversário de São Paulo", (7, 9): "Revolução Constitucionalista"},
    )
    h = cal.holidays(2026)
    assert len(h) == 16
    assert h[D(2026, 3, 19)] == "São José (CE)"
    assert not cal.is_business_day(D(2026, 7, 9))
    assert cal.roll(D(2026, 3, 19)) == D(2026, 3, 20)
    # extra dates of other years are left out of a year's list
    assert D(2026, 3, 19) not in cal.holidays(2025)
    assert len(cal.holidays(2025, 2026)) == 13 + 2 + 13 + 3


def test_national_off_and_weekmask() -> None:
    cal = BankCalendar(national=False)
    assert cal.holidays(2026) == {}
    assert cal.roll(D(2026, 4, 3)) == D(2026, 4, 3)
    six = BankCalendar(weekmask="1111110")  # Saturday is a business day
    assert six.roll(D(2026, 2, 14)) == D(2026, 2, 14)


def test_feb_29_annual() -> None:
    cal = BankCalendar(annual=[(2, 29)], national=False)
    assert D(2028, 2, 29) in cal.holidays(2028)
    assert cal.holidays(2027) == {}


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"holidays": [dt.datetime(2026, 1, 1)]}, InvalidRecordError, "row 0"),
        ({"holidays": ["2026-01-01"]}, InvalidRecordError, "holidays"),
        ({"holidays": "2026-01-01"}, InvalidParameterError, "holidays"),
        ({"annual": [(2, 30)]}, InvalidRecordError, "annual"),
        ({"annual": [(13,)]}, InvalidRecordError, "annual"),
        ({"national": "yes"}, InvalidParameterError, "national"),
        ({"weekmask": "1111"}, InvalidParameterError, "weekmask"),
        ({"weekmask": "0000000"}, InvalidParameterError, "weekmask"),
    ],
)
def test_bad_calendar(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        BankCalendar(**kwargs)


def test_pickle_hash_and_dict() -> None:
    cal = BankCalendar(holidays=[D(2026, 3, 19)], annual=[(7, 9)])
    cal.roll(D(2026, 3, 19))  # warm the cache
    back = pickle.loads(pickle.dumps(cal))
    assert back == cal
    assert hash(back) == hash(cal)
    assert back.roll(D(2026, 3, 19)) == D(2026, 3, 20)
    d = cal.to_dict()
    assert d["holidays_extra"] == {"2026-03-19": "Feriado local"}
    assert d["annual"] == {"7 | 9": "Feriado local"}


def test_check_calendar() -> None:
    assert check_calendar(None) is None
    with pytest.raises(InvalidParameterError, match="BankCalendar"):
        check_calendar("br")
