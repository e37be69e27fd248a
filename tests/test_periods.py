"""Tests of kpicore.periods: hand-worked examples, validation rules, then properties."""

from __future__ import annotations

import calendar
import itertools
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import (
    TIME_ZONES,
    aware_datetimes,
    freqs,
    instants_ns,
    ns_of_day,
    period_dates,
    time_zones,
    transition_days,
)

from kpicore.errors import (
    InvalidParameterError,
    InvalidRecordError,
    KpiError,
    NaiveDatetimeError,
)
from kpicore.periods import (
    FREQS,
    NS_PER_DAY,
    Freq,
    Period,
    add_months,
    as_of_date,
    as_of_ns,
    bucket,
    bucket_labels,
    business_days_between,
    business_days_between_arrays,
    date_to_ns,
    days_between,
    days_past_due,
    days_settled_late,
    ensure_aware,
    from_ns,
    periods,
    to_ns,
)

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
BERLIN = ZoneInfo("Europe/Berlin")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Brazilian national (bank) holidays of 2026 used below: Good Friday (Easter is 5 April),
# Tiradentes (Tuesday 21 April) and Labour Day (Friday 1 May).
GOOD_FRIDAY_2026 = date(2026, 4, 3)
TIRADENTES_2026 = date(2026, 4, 21)
LABOUR_DAY_2026 = date(2026, 5, 1)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


def ns(*args: int) -> int:
    """Independent ns of a UTC wall time: whole seconds via calendar.timegm."""
    moment = utc(*args)
    return calendar.timegm(moment.timetuple()) * 10**9 + moment.microsecond * 1000


def naive_ordinal(d: date, freq: Freq) -> int:
    return Period.containing(d, freq).ordinal


# =========================================================================== hand-worked values


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year: February has 29 days
        (date(2023, 1, 31), 1, date(2023, 2, 28)),  # common year
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2023, 3, 31), -1, date(2023, 2, 28)),
        (date(2024, 1, 31), 2, date(2024, 3, 31)),  # from the anchor, not chained via Feb 29
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 5, 15), -17, date(2022, 12, 15)),  # 17 months = 1 year 5 months
        (date(2024, 8, 31), 0, date(2024, 8, 31)),
    ],
)
def test_add_months_clips_to_month_end(start: date, n: int, expected: date) -> None:
    assert add_months(start, n) == expected


def test_iso_weeks_at_year_boundaries() -> None:
    # 2020-12-31 is a Thursday; 2020 has 53 ISO weeks (it starts on a Wednesday and is leap),
    # week 53 runs Monday 2020-12-28 .. Sunday 2021-01-03.
    p = Period.week(date(2020, 12, 31))
    assert (p.label, p.start, p.end, p.days) == (
        "2020-W53",
        date(2020, 12, 28),
        date(2021, 1, 4),
        7,
    )
    assert Period.week(date(2021, 1, 3)) == p  # Sunday 3 January still belongs to 2020-W53
    assert Period.week(date(2021, 1, 4)).label == "2021-W01"
    # Monday 2019-12-30 starts 2020-W01: that week holds Thursday 2020-01-02.
    assert Period.week(date(2019, 12, 30)).label == "2020-W01"
    assert Period.week(date(2024, 2, 1)).label == "2024-W05"


def test_quarters_of_a_leap_year() -> None:
    # 2024: Q1 = 31 + 29 + 31 = 91, Q2 = 30 + 31 + 30 = 91, Q3 = 31 + 31 + 30 = 92,
    # Q4 = 31 + 30 + 31 = 92 days.
    quarters = [Period.quarter(2024, q) for q in (1, 2, 3, 4)]
    assert [q.start for q in quarters] == [date(2024, m, 1) for m in (1, 4, 7, 10)]
    assert [q.end for q in quarters] == [
        date(2024, 4, 1),
        date(2024, 7, 1),
        date(2024, 10, 1),
        date(2025, 1, 1),
    ]
    assert [q.days for q in quarters] == [91, 91, 92, 92]
    q4 = Period.containing(date(2024, 11, 15), "quarter")
    assert (q4, q4.label, q4.ordinal) == (quarters[3], "2024-Q4", 2024 * 4 + 3)


def test_labels_and_ordinals_of_one_date() -> None:
    d = date(2024, 3, 5)  # a Tuesday; 2024-01-01 is a Monday, so 4 March starts week 10
    got = {f: (str(Period.containing(d, f)), Period.containing(d, f).ordinal) for f in FREQS}
    assert got == {
        # 2024-01-01 is 19723 days after 1970-01-01 (54 years, 13 leap days: 54*365 + 13);
        # 5 March is 31 + 29 + 4 = 64 days later.
        "day": ("2024-03-05", 19723 + 64),
        # Weeks count from Monday 1969-12-29 (week 0): (19787 + 3) // 7 = 2827.
        "week": ("2024-W10", 2827),
        "month": ("2024-03", 2024 * 12 + 2),
        "quarter": ("2024-Q1", 2024 * 4),
        "year": ("2024", 2024),
    }


def test_week_ordinals_around_the_epoch() -> None:
    # 1970-01-01 is a Thursday: its ISO week starts Monday 1969-12-29 and has ordinal 0.
    assert Period.week(date(1970, 1, 1)).ordinal == 0
    assert Period.week(date(1969, 12, 29)).ordinal == 0
    assert Period.week(date(1969, 12, 28)).ordinal == -1  # Sunday: the week before
    assert Period.week(date(1970, 1, 5)).ordinal == 1
    assert Period.from_ordinal(0, "week").start == date(1969, 12, 29)
    assert Period.day(date(1970, 1, 1)).ordinal == 0
    assert Period.day(date(1969, 12, 31)).ordinal == -1


def test_period_navigation_and_membership() -> None:
    feb = Period.month(2024, 2)
    assert feb.days == 29
    assert date(2024, 2, 1) in feb
    assert date(2024, 2, 29) in feb
    assert date(2024, 3, 1) not in feb  # end is exclusive
    assert date(2024, 1, 31) not in feb
    assert Period.month(2024, 12).next() == Period.month(2025, 1)
    assert Period.month(2025, 1).previous() == Period.month(2024, 12)
    assert Period.year(2023).days == 365
    assert Period.year(2023).next() == Period.year(2024)
    assert Period.day(date(2024, 2, 28)).next() == Period.day(date(2024, 2, 29))
    assert sorted([Period.month(2024, 3), Period.month(2023, 12), Period.month(2024, 1)]) == [
        Period.month(2023, 12),
        Period.month(2024, 1),
        Period.month(2024, 3),
    ]
    assert Period.from_ordinal(np.int64(2024 * 12 + 1), "month") == feb  # numpy ints accepted


def test_periods_includes_both_endpoints() -> None:
    assert [str(p) for p in periods(date(2024, 1, 31), date(2024, 3, 1), "month")] == [
        "2024-01",
        "2024-02",
        "2024-03",
    ]
    assert periods(date(2024, 1, 1), date(2024, 1, 1), "month") == [Period.month(2024, 1)]
    # Sunday 31 March ends 2024-W13, Monday 1 April starts 2024-W14.
    assert [str(p) for p in periods(date(2024, 3, 31), date(2024, 4, 1), "week")] == [
        "2024-W13",
        "2024-W14",
    ]
    assert [str(p) for p in periods(date(2023, 12, 31), date(2024, 1, 1), "year")] == [
        "2023",
        "2024",
    ]
    assert len(periods(date(2024, 2, 28), date(2024, 3, 1), "day")) == 3  # 28, 29 Feb, 1 Mar
    assert [str(p) for p in periods(date(2023, 11, 30), date(2024, 4, 1), "quarter")] == [
        "2023-Q4",
        "2024-Q1",
        "2024-Q2",
    ]


def test_day_counts() -> None:
    assert days_between(date(2024, 2, 1), date(2024, 3, 1)) == 29
    assert days_between(date(2023, 2, 1), date(2023, 3, 1)) == 28
    assert days_between(date(2024, 3, 1), date(2024, 2, 1)) == -29


def test_business_days_with_brazilian_holidays() -> None:
    # Mon 20 .. Sun 26 April 2026 has 5 weekdays; Tiradentes (Tue 21) is a holiday.
    week = (date(2026, 4, 20), date(2026, 4, 27))
    assert business_days_between(*week) == 5
    assert business_days_between(*week, holidays=[TIRADENTES_2026]) == 4
    # A six-day week (Saturday works) adds Saturday 25 April.
    assert business_days_between(*week, holidays=[TIRADENTES_2026], weekmask="1111110") == 5
    # April 2026 starts on a Wednesday: 3 + 5 + 5 + 5 + 4 = 22 weekdays, minus Good Friday and
    # Tiradentes = 20; 1 May (also a holiday) is the exclusive end and never counted.
    holidays = [GOOD_FRIDAY_2026, TIRADENTES_2026, LABOUR_DAY_2026]
    assert business_days_between(date(2026, 4, 1), date(2026, 5, 1), holidays=holidays) == 20
    # Reversed, numpy counts (end, start]: 2..30 April has 21 weekdays, minus the two holidays,
    # and 1 May is a holiday: -19.
    assert business_days_between(date(2026, 5, 1), date(2026, 4, 1), holidays=holidays) == -19
    assert business_days_between(date(2026, 4, 1), date(2026, 4, 1)) == 0
    # holidays may also come as a datetime64 array
    hol64 = np.array(holidays, dtype="datetime64[D]")
    assert business_days_between(date(2026, 4, 1), date(2026, 5, 1), holidays=hol64) == 20


def test_business_days_arrays() -> None:
    starts = np.array(["2026-04-01", "2026-04-20", "2026-04-27"], dtype="datetime64[D]")
    ends = np.array(["2026-05-01", "2026-04-27", "2026-04-20"], dtype="datetime64[D]")
    got = business_days_between_arrays(starts, ends, holidays=[GOOD_FRIDAY_2026, TIRADENTES_2026])
    assert got.dtype == np.int64
    assert got.tolist() == [20, 4, -4]
    from_dates = business_days_between_arrays(
        [date(2026, 4, 20)], [date(2026, 4, 27)], holidays=[TIRADENTES_2026]
    )
    assert from_dates.tolist() == [4]


def test_instants_to_and_from_ns() -> None:
    # 2024-03-01T00:00Z = 1704067200 (2024-01-01) + 60 days * 86400 = 1709251200 s; + 1 h.
    assert to_ns(utc(2024, 3, 1, 1, 0, 0, 123456)) == 1_709_254_800_123_456_000
    # The same instant written in São Paulo (UTC-3, no DST since 2019): 22:00 on 29 February.
    assert to_ns(datetime(2024, 2, 29, 22, 0, tzinfo=SAO_PAULO)) == 1_709_254_800 * 10**9
    assert to_ns(datetime(2024, 2, 29, 22, 0), tz=SAO_PAULO) == 1_709_254_800 * 10**9
    assert to_ns(utc(1969, 12, 31, 23, 59, 59, 999999)) == -1000
    assert from_ns(-1) == utc(1969, 12, 31, 23, 59, 59, 999999)  # floored to the microsecond
    assert from_ns(1_709_254_800_123_456_789) == utc(2024, 3, 1, 1, 0, 0, 123456)
    assert from_ns(0).tzinfo is UTC
    assert date_to_ns(date(2024, 3, 1)) == 1_709_251_200 * 10**9
    assert NS_PER_DAY == 24 * 3600 * 10**9


def test_as_of_a_date_is_the_next_midnight() -> None:
    # End of 31 January 2024 = 2024-02-01T00:00Z = 1704067200 + 31 * 86400 = 1706745600 s.
    assert as_of_ns(date(2024, 1, 31)) == 1_706_745_600 * 10**9
    # ... in São Paulo it is 2024-02-01T00:00-03:00 = 03:00Z.
    assert as_of_ns(date(2024, 1, 31), tz=SAO_PAULO) == (1_706_745_600 + 3 * 3600) * 10**9
    # 2018-11-04: Brazil's DST began at local midnight (00:00 -> 01:00), so 4 November began
    # at 00:00-03:00 = 03:00Z, which is also 01:00-02:00.
    assert from_ns(as_of_ns(date(2018, 11, 3), tz=SAO_PAULO)) == utc(2018, 11, 4, 3, 0)
    moment = utc(2024, 3, 1, 1, 0)
    assert as_of_ns(moment) == to_ns(moment)
    assert as_of_ns(datetime(2024, 2, 29, 22, 0), tz=SAO_PAULO) == to_ns(moment)


def test_as_of_date() -> None:
    moment = utc(2024, 3, 1, 1, 0)
    assert as_of_date(date(2024, 3, 1)) == date(2024, 3, 1)
    assert as_of_date(moment) == date(2024, 3, 1)
    assert as_of_date(moment, tz=SAO_PAULO) == date(2024, 2, 29)  # 22:00 on 29 Feb locally
    assert as_of_date(datetime(2024, 3, 1, 1, 0, tzinfo=SAO_PAULO)) == date(2024, 3, 1)
    assert as_of_date(datetime(2024, 3, 1, 1, 0), tz=SAO_PAULO) == date(2024, 3, 1)


def test_ensure_aware_localises_and_resolves_fold() -> None:
    aware = utc(2024, 3, 1)
    assert ensure_aware(aware, tz=SAO_PAULO) is aware  # aware values are not converted
    # 2024-10-27 in Berlin: 03:00 CEST -> 02:00 CET, so 02:30 happens twice.
    first = ensure_aware(datetime(2024, 10, 27, 2, 30), tz=BERLIN)
    second = ensure_aware(datetime(2024, 10, 27, 2, 30, fold=1), tz=BERLIN)
    assert to_ns(first) == ns(2024, 10, 27, 0, 30)  # +02:00
    assert to_ns(second) == ns(2024, 10, 27, 1, 30)  # +01:00
    # 2024-03-31 in Berlin: 02:00 CET -> 03:00 CEST, so 02:30 does not exist; fold=0 takes
    # the offset before the change (+01:00): 01:30Z, shown as 03:30 CEST.
    skipped = ensure_aware(datetime(2024, 3, 31, 2, 30), tz=BERLIN)
    assert to_ns(skipped) == ns(2024, 3, 31, 1, 30)
    fixed = ensure_aware(datetime(2024, 1, 1), tz=timezone(timedelta(hours=-3)))
    assert to_ns(fixed) == ns(2024, 1, 1, 3, 0)


def test_bucket_sao_paulo_month_end() -> None:
    # 2024-03-01T01:00Z is 2024-02-29T22:00-03:00: still February in São Paulo.
    values = np.array(["2024-03-01T01:00", "2024-03-01T03:00"], dtype="datetime64[s]")
    feb, mar = 2024 * 12 + 1, 2024 * 12 + 2
    assert bucket(values, "month").tolist() == [mar, mar]
    assert bucket(values, "month", tz=SAO_PAULO).tolist() == [feb, mar]
    assert bucket(values.astype(np.int64) * 10**9, "month", tz=SAO_PAULO).tolist() == [feb, mar]
    assert bucket([utc(2024, 3, 1, 1), utc(2024, 3, 1, 3)], "month", tz=SAO_PAULO).tolist() == [
        feb,
        mar,
    ]
    # Calendar dates are not shifted by tz.
    dates = np.array(["2024-03-01"], dtype="datetime64[D]")
    assert bucket(dates, "month", tz=SAO_PAULO).tolist() == [mar]
    assert bucket([date(2024, 3, 1)], "month", tz=SAO_PAULO).tolist() == [mar]


def test_bucket_dst_change_inside_a_utc_day_berlin() -> None:
    # 2024-03-31: Berlin goes from +01:00 to +02:00 at 01:00Z. Local midnight of 1 April is then
    # 22:00Z on the same UTC day, so the offset at the start of that UTC day (+01:00) would be
    # wrong for values after 01:00Z.
    boundary = ns(2024, 3, 31, 22, 0)
    values = np.array(
        [ns(2024, 3, 31, 0, 59), ns(2024, 3, 31, 1, 0), boundary - 1, boundary], dtype=np.int64
    )
    mar, apr = 2024 * 12 + 2, 2024 * 12 + 3
    assert bucket(values, "month", tz=BERLIN).tolist() == [mar, mar, mar, apr]
    days = bucket(values, "day", tz=BERLIN).tolist()
    assert days == [naive_ordinal(date(2024, 3, 31), "day")] * 3 + [
        naive_ordinal(date(2024, 4, 1), "day")
    ]


def test_bucket_dst_changes_at_local_midnight_sao_paulo() -> None:
    day = Period.day
    # 2019-02-17: DST ended at 00:00-02:00 (02:00Z); clocks went back to 23:00-03:00 on the 16th.
    values = np.array(
        [ns(2019, 2, 17, 1, 59), ns(2019, 2, 17, 2, 30), ns(2019, 2, 17, 3, 0)], dtype=np.int64
    )
    assert bucket(values, "day", tz=SAO_PAULO).tolist() == [
        day(date(2019, 2, 16)).ordinal,  # 23:59-02:00
        day(date(2019, 2, 16)).ordinal,  # 23:30-03:00 (the repeated hour)
        day(date(2019, 2, 17)).ordinal,  # 00:00-03:00
    ]
    # 2018-11-04: DST began at 00:00-03:00 (03:00Z), which became 01:00-02:00.
    values = np.array([ns(2018, 11, 4, 2, 59), ns(2018, 11, 4, 3, 0)], dtype=np.int64)
    assert bucket(values, "day", tz=SAO_PAULO).tolist() == [
        day(date(2018, 11, 3)).ordinal,  # 23:59-03:00
        day(date(2018, 11, 4)).ordinal,  # 01:00-02:00
    ]


def test_bucket_input_forms() -> None:
    d = [date(2024, 1, 31), date(2024, 2, 1), date(1969, 12, 31)]
    expected = [2024 * 12, 2024 * 12 + 1, 1969 * 12 + 11]
    assert bucket(d, "month").tolist() == expected
    assert bucket(np.array(d, dtype="datetime64[D]"), "month").tolist() == expected
    assert bucket(np.array(d, dtype=object), "month").tolist() == expected
    assert bucket((x for x in d), "month").tolist() == expected  # any iterable of dates
    assert bucket(
        np.array(d, dtype="datetime64[D]").astype("datetime64[ns]"), "month"
    ).tolist() == (expected)
    assert bucket([np.datetime64(x, "D") for x in d], "month").tolist() == expected
    # a 2-D array keeps its shape
    grid = np.array([d[:2], d[1:]], dtype="datetime64[D]")
    assert bucket(grid, "year").tolist() == [[2024, 2024], [2024, 1969]]
    # mixed calendar dates and instants: each by its own meaning
    mixed = [date(2024, 3, 1), utc(2024, 3, 1, 1)]
    assert bucket(mixed, "day", tz=SAO_PAULO).tolist() == [
        naive_ordinal(date(2024, 3, 1), "day"),
        naive_ordinal(date(2024, 2, 29), "day"),
    ]
    empty = bucket([], "month")
    assert empty.dtype == np.int64
    assert empty.shape == (0,)
    assert bucket(np.array([], dtype="datetime64[ns]"), "week", tz=BERLIN).shape == (0,)


def test_bucket_labels() -> None:
    ordinals = bucket([date(2024, 1, 31), date(2024, 11, 2), date(2024, 2, 1)], "quarter")
    assert bucket_labels(ordinals, "quarter") == ["2024-Q1", "2024-Q4", "2024-Q1"]
    assert bucket_labels([], "day") == []
    # week 0 starts Monday 1969-12-29 (ISO 1970-W01: it holds Thursday 1970-01-01); week -1
    # starts Monday 1969-12-22, ISO week 52 of 1969 (1969 began on a Wednesday: 52 weeks).
    assert bucket_labels([0, -1], "week") == ["1970-W01", "1969-W52"]


# =========================================================================== validation rules


def _assert_names(exc: KpiError, *parts: str) -> None:
    message = str(exc)
    for part in parts:
        assert part in message, (part, message)


def test_period_rejects_unknown_freq() -> None:
    with pytest.raises(InvalidRecordError) as info:
        Period(date(2024, 1, 1), date(2024, 2, 1), "monthly")  # type: ignore[arg-type]
    _assert_names(info.value, "'Period'", "'freq'", "'monthly'")


def test_period_rejects_misaligned_start() -> None:
    with pytest.raises(InvalidRecordError) as info:
        Period(date(2024, 1, 2), date(2024, 2, 1), "month")
    _assert_names(info.value, "'Period'", "'start'", "first day of a month")


def test_period_rejects_wrong_end() -> None:
    with pytest.raises(InvalidRecordError) as info:
        Period(date(2024, 1, 1), date(2024, 1, 31), "month")
    _assert_names(info.value, "'Period'", "'end'", "2024-02-01")


def test_period_rejects_datetime_bounds() -> None:
    with pytest.raises(InvalidRecordError) as info:
        Period(utc(2024, 1, 1), date(2024, 1, 2), "day")
    _assert_names(info.value, "'Period'", "'start'", "datetime.date")
    with pytest.raises(InvalidRecordError) as info:
        Period(date(2024, 1, 1), "2024-01-02", "day")  # type: ignore[arg-type]
    _assert_names(info.value, "'Period'", "'end'")


@pytest.mark.parametrize(
    "call",
    [
        lambda: Period.containing(date(2024, 1, 1), "monthly"),  # type: ignore[arg-type]
        lambda: periods(date(2024, 1, 1), date(2024, 2, 1), "Month"),  # type: ignore[arg-type]
        lambda: bucket([date(2024, 1, 1)], "M"),  # type: ignore[arg-type]
        lambda: bucket_labels([1], "weekly"),  # type: ignore[arg-type]
        lambda: Period.from_ordinal(1, "days"),  # type: ignore[arg-type]
    ],
)
def test_unknown_freq_is_a_parameter_error(call: object) -> None:
    with pytest.raises(InvalidParameterError, match="freq must be one of"):
        call()  # type: ignore[operator]


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: Period.containing(utc(2024, 1, 1), "day"), "d"),
        (lambda: Period.day(utc(2024, 1, 1)), "d"),
        (lambda: add_months(utc(2024, 1, 31), 1), "d"),
        (lambda: days_between(date(2024, 1, 1), utc(2024, 2, 1)), "end"),
        (lambda: periods(utc(2024, 1, 1), date(2024, 2, 1), "day"), "start"),
        (lambda: business_days_between(utc(2024, 1, 1), date(2024, 2, 1)), "start"),
        (lambda: date_to_ns(utc(2024, 1, 1)), "d"),
        (lambda: utc(2024, 1, 1) in Period.month(2024, 1), "d"),
    ],
)
def test_calendar_functions_refuse_datetimes(call: object, name: str) -> None:
    with pytest.raises(InvalidParameterError) as info:
        call()  # type: ignore[operator]
    _assert_names(info.value, f"{name} must be a calendar date", "as_of_date")


def test_calendar_functions_refuse_non_dates() -> None:
    with pytest.raises(InvalidParameterError, match=r"start must be a datetime\.date"):
        days_between("2024-01-01", date(2024, 1, 2))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: Period.month(2024, 13), "month must be in 1..12"),
        (lambda: Period.month(2024, 0), "month must be in 1..12"),
        (lambda: Period.quarter(2024, 5), "quarter must be in 1..4"),
        (lambda: Period.year(10_000), "year 10000 is outside"),
        (lambda: Period.year(9999), "end of the year starting 9999-01-01 is outside"),
        (lambda: Period.week(date.max), "outside the supported dates"),
        (lambda: Period.day(date.min).previous(), "outside the supported dates"),
        (lambda: Period.from_ordinal(-200_000, "week"), "outside the supported dates"),
        (lambda: Period.month(2024, True), "month must be an integer"),
        (lambda: Period.from_ordinal(1.5, "day"), "ordinal must be an integer"),  # type: ignore[arg-type]
        (lambda: add_months(date(2024, 1, 31), 1.0), "n must be an integer"),  # type: ignore[arg-type]
        (lambda: add_months(date(9999, 12, 1), 1), "outside the supported dates"),
        (lambda: from_ns(True), "ns must be an integer"),
        (lambda: as_of_ns(date.max), "outside the supported dates"),
        (lambda: periods(date(2024, 2, 1), date(2024, 1, 1), "month"), "must not be before"),
        (lambda: bucket([1.5], "day"), "got dtype float64"),
        (lambda: bucket("2024-01-01", "day"), "not a string"),
        (lambda: bucket_labels([1.5], "day"), "ordinals must be integers"),
        (lambda: bucket([utc(2024, 1, 1)], "day", tz="UTC"), "tz must be a datetime.tzinfo"),  # type: ignore[arg-type]
        (lambda: as_of_ns(date(2024, 1, 1), tz=3), "tz must be a datetime.tzinfo"),  # type: ignore[arg-type]
    ],
)
def test_invalid_parameters(call: object, message: str) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        call()  # type: ignore[operator]


@pytest.mark.parametrize(
    ("weekmask", "holidays"),
    [("1111111x", ()), ("0000000", ()), ("1111100", [utc(2026, 4, 21)])],
)
def test_business_days_reject_bad_calendar(weekmask: str, holidays: list[datetime]) -> None:
    with pytest.raises(InvalidParameterError):
        business_days_between(
            date(2026, 4, 1), date(2026, 5, 1), holidays=holidays, weekmask=weekmask
        )


def test_business_days_arrays_reject_instants_and_nat() -> None:
    instants = np.array(["2026-04-01T10:00"], dtype="datetime64[m]")
    day = np.array(["2026-04-30"], dtype="datetime64[D]")
    with pytest.raises(InvalidParameterError, match=r"starts must hold calendar dates"):
        business_days_between_arrays(instants, day)
    with pytest.raises(InvalidRecordError) as info:
        business_days_between_arrays(day, np.array(["2026-04-30", "NaT"], dtype="datetime64[D]"))
    _assert_names(info.value, "row 1", "'ends'", "NaT")
    with pytest.raises(InvalidRecordError) as info:
        business_days_between_arrays([date(2026, 4, 1), utc(2026, 4, 2)], day)
    _assert_names(info.value, "row 1", "'starts'")
    with pytest.raises(InvalidParameterError, match="broadcast"):
        business_days_between_arrays(np.concatenate([day, day]), np.concatenate([day] * 3))


def test_naive_datetimes_are_refused_without_tz() -> None:
    naive = datetime(2024, 3, 1, 9, 0)
    with pytest.raises(NaiveDatetimeError) as info:
        ensure_aware(naive, record="INV-7", field="issued_at")
    _assert_names(info.value, "'INV-7'", "'issued_at'", "tz=")
    with pytest.raises(NaiveDatetimeError) as info:
        to_ns(naive, record="PAY-1", field="received_at")
    _assert_names(info.value, "'PAY-1'", "'received_at'")
    with pytest.raises(NaiveDatetimeError) as info:
        as_of_ns(naive)
    _assert_names(info.value, "'as_of'")
    with pytest.raises(NaiveDatetimeError) as info:
        as_of_date(naive)
    _assert_names(info.value, "'as_of'")
    with pytest.raises(NaiveDatetimeError) as info:
        bucket([utc(2024, 1, 1), naive], "day")
    _assert_names(info.value, "row 1", "'values'")


def test_ensure_aware_rejects_non_datetimes() -> None:
    with pytest.raises(InvalidRecordError) as info:
        ensure_aware(date(2024, 3, 1), record="INV-7", field="issued_at")  # type: ignore[arg-type]
    _assert_names(info.value, "'INV-7'", "'issued_at'", "a datetime")


def test_bucket_rejects_bad_values_naming_the_row() -> None:
    with pytest.raises(InvalidRecordError) as info:
        bucket(np.array(["2024-01-01", "NaT"], dtype="datetime64[ns]"), "month")
    _assert_names(info.value, "row 1", "'values'", "NaT")
    with pytest.raises(InvalidRecordError) as info:
        bucket([date(2024, 1, 1), "2024-01-02"], "month")  # type: ignore[arg-type]
    _assert_names(info.value, "row 1", "'values'", "'2024-01-02'")
    far = np.array([0, 20_000 * 366], dtype="datetime64[D]")  # year ~21970
    with pytest.raises(InvalidRecordError) as info:
        bucket(far, "year")
    _assert_names(info.value, "row 1", "'values'")
    edge = np.array(["2024-01-01T00:00", "9999-12-31T12:00"], dtype="datetime64[m]")
    with pytest.raises(InvalidRecordError) as info:
        bucket(edge, "day", tz=BERLIN)
    _assert_names(info.value, "row 1", "'values'", "when tz is given")
    with pytest.raises(InvalidRecordError) as info:
        bucket(np.array([1, 2**63 + 5], dtype=np.uint64), "day")
    _assert_names(info.value, "row 1", "'values'")


# =========================================================================== properties


@given(period_dates(), freqs())
def test_period_containing_round_trips(d: date, freq: Freq) -> None:
    p = Period.containing(d, freq)
    assert d in p
    assert p.start <= d < p.end
    assert Period.from_ordinal(p.ordinal, freq) == p
    assert Period.containing(p.start, freq) == p
    assert Period.containing(p.end - timedelta(days=1), freq) == p
    assert p.next().start == p.end
    assert p.next().ordinal == p.ordinal + 1
    assert p.next().previous() == p
    assert p.days == (p.end - p.start).days
    assert bucket_labels([p.ordinal], freq) == [p.label]
    assert str(p) == p.label


_FIRST_DAY = date(1, 1, 1).toordinal() - date(1970, 1, 1).toordinal()  # -719162
_LAST_DAY = date(9999, 12, 24).toordinal() - date(1970, 1, 1).toordinal()  # a whole week left
_ORDINAL_BOUNDS: dict[str, tuple[int, int]] = {
    "day": (_FIRST_DAY, _LAST_DAY),
    "week": ((_FIRST_DAY + 3) // 7 + 1, (_LAST_DAY + 3) // 7 - 1),
    "month": (1 * 12, 9999 * 12 + 10),
    "quarter": (1 * 4, 9999 * 4 + 2),
    "year": (1, 9998),
}


@given(st.data(), freqs())
def test_from_ordinal_inverts_ordinal(data: st.DataObject, freq: Freq) -> None:
    lo, hi = _ORDINAL_BOUNDS[freq]
    o = data.draw(st.integers(lo, hi))
    p = Period.from_ordinal(o, freq)
    assert p.ordinal == o
    assert Period.containing(p.start, freq) == p


@given(st.lists(period_dates(), max_size=40), freqs())
def test_bucket_dates_equals_naive(dates: list[date], freq: Freq) -> None:
    expected = [naive_ordinal(d, freq) for d in dates]
    assert bucket(dates, freq).tolist() == expected
    assert bucket(np.array(dates, dtype="datetime64[D]"), freq).tolist() == expected


def _local_date(ns_value: int, zone: tzinfo | None) -> date:
    moment = from_ns(ns_value)
    return (moment if zone is None else moment.astimezone(zone)).date()


@given(st.lists(instants_ns(), max_size=40), freqs())
def test_bucket_utc_instants_equals_naive(values: list[int], freq: Freq) -> None:
    expected = [naive_ordinal(_local_date(v, None), freq) for v in values]
    arr = np.array(values, dtype=np.int64)
    assert bucket(arr, freq).tolist() == expected
    assert bucket(arr.view("datetime64[ns]"), freq).tolist() == expected
    assert bucket(arr.view("datetime64[ns]").astype("datetime64[us]"), freq).tolist() == expected


@pytest.mark.parametrize("zone", TIME_ZONES, ids=repr)
@settings(deadline=None)  # the first draw scans the zone's transition days (cached)
@given(data=st.data(), freq=freqs())
def test_bucket_local_instants_equals_naive(zone: tzinfo, data: st.DataObject, freq: Freq) -> None:
    values = data.draw(st.lists(instants_ns(zone), max_size=40))
    expected = [naive_ordinal(_local_date(v, zone), freq) for v in values]
    arr = np.array(values, dtype=np.int64)
    assert bucket(arr, freq, tz=zone).tolist() == expected
    assert bucket(arr.view("datetime64[ns]"), freq, tz=zone).tolist() == expected
    assert bucket([from_ns(v) for v in values], freq, tz=zone).tolist() == expected


@pytest.mark.parametrize("zone", [SAO_PAULO, BERLIN], ids=str)
@settings(deadline=None)  # the first draw scans the zone's transition days (cached)
@given(data=st.data(), freq=freqs())
def test_bucket_on_transition_days_equals_naive(
    zone: tzinfo, data: st.DataObject, freq: Freq
) -> None:
    # every value on a UTC day in which the zone changes offset: drawn ones, plus each whole
    # hour and the nanosecond before it (changes and local midnights fall on whole hours here)
    day = data.draw(st.sampled_from(transition_days(zone)))
    offsets = data.draw(st.lists(ns_of_day(), max_size=40))
    hours = [h * 3_600 * 10**9 for h in range(24)]
    offsets += hours + [h + 3_600 * 10**9 - 1 for h in hours]
    values = [date_to_ns(day) + o for o in offsets]
    expected = [naive_ordinal(_local_date(v, zone), freq) for v in values]
    assert bucket(np.array(values, dtype=np.int64), freq, tz=zone).tolist() == expected


@given(st.lists(aware_datetimes(), max_size=20), time_zones(), freqs())
def test_bucket_aware_datetimes_equals_naive(
    values: list[datetime], zone: tzinfo, freq: Freq
) -> None:
    expected = [naive_ordinal(v.astimezone(zone).date(), freq) for v in values]
    assert bucket(values, freq, tz=zone).tolist() == expected


@given(period_dates(), period_dates(), freqs())
def test_periods_cover_the_range(a: date, b: date, freq: Freq) -> None:
    start, end = min(a, b), max(a, b)
    got = periods(start, end, freq)
    assert start in got[0]
    assert end in got[-1]
    assert all(p.end == q.start for p, q in itertools.pairwise(got))
    assert all(p.freq == freq for p in got)


@given(period_dates(), st.integers(-1200, 1200))
def test_add_months_clips_to_the_target_month(d: date, n: int) -> None:
    result = add_months(d, n)
    total = d.year * 12 + d.month - 1 + n
    year, month = divmod(total, 12)
    assert (result.year, result.month) == (year, month + 1)
    assert result.day == min(d.day, calendar.monthrange(year, month + 1)[1])


@given(period_dates(), st.integers(-600, 600), st.integers(-600, 600))
def test_add_months_composes_below_day_29(d: date, n: int, m: int) -> None:
    d = d.replace(day=min(d.day, 28))
    assert add_months(add_months(d, n), m) == add_months(d, n + m)


@given(aware_datetimes())
def test_to_ns_from_ns_round_trip(moment: datetime) -> None:
    value = to_ns(moment)
    delta = moment - EPOCH  # independent: days, seconds, microseconds of the timedelta
    assert value == ((delta.days * 86_400 + delta.seconds) * 10**6 + delta.microseconds) * 1000
    # a skipped or repeated wall time never compares equal across zones (PEP 495): compare
    # with the same instant in UTC instead
    assert from_ns(value) == moment.astimezone(UTC)
    assert from_ns(value).tzinfo is UTC


@given(instants_ns())
def test_from_ns_to_ns_floors_to_microseconds(value: int) -> None:
    assert to_ns(from_ns(value)) == value - value % 1000


@given(period_dates(), time_zones())
def test_as_of_ns_is_the_first_instant_of_the_next_local_day(d: date, zone: tzinfo) -> None:
    end = as_of_ns(d, tz=zone)
    assert _local_date(end, zone) == d + timedelta(days=1)
    assert _local_date(end - 1000, zone) == d  # one microsecond earlier is still day d


@given(period_dates(), period_dates(), st.sets(period_dates(), max_size=10))
def test_business_days_equal_a_day_by_day_count(a: date, b: date, holidays: set[date]) -> None:
    start, end = min(a, b), min(max(a, b), min(a, b) + timedelta(days=400))

    def count(first: date, n_days: int) -> int:
        days = (first + timedelta(days=k) for k in range(n_days))
        return sum(1 for day in days if day.weekday() < 5 and day not in holidays)

    forward = count(start, (end - start).days)  # [start, end)
    backward = count(start + timedelta(days=1), (end - start).days)  # (start, end]
    assert business_days_between(start, end, holidays=holidays) == forward
    assert business_days_between(end, start, holidays=holidays) == -backward
    arrays = business_days_between_arrays([start, end], [end, start], holidays=holidays)
    assert arrays.tolist() == [forward, -backward]
    assert days_between(start, end) == end.toordinal() - start.toordinal()


# --------------------------------------------------------------------------- days overdue / late


def test_days_past_due_is_the_issue_definition() -> None:
    due = np.array(["2024-01-10", "2024-01-10", "2024-01-31", "2024-02-10", "NaT"],
                   dtype="datetime64[D]")  # fmt: skip
    as_of = (date(2024, 1, 31) - date(1970, 1, 1)).days
    is_open = np.array([True, False, True, True, True])
    # open and late: 21 days; paid or written off: 0; due on the run date (day 0) or later:
    # 0; no due date: NaN
    got = days_past_due(due, as_of, is_open)
    assert got[:4].tolist() == [21.0, 0.0, 0.0, 0.0]
    assert np.isnan(got[4])
    assert days_past_due(due, as_of, is_open, grace_days=21)[0] == 0.0
    assert days_past_due(due, as_of, is_open, grace_days=20)[0] == 21.0
    ints = due.view(np.int64)  # integer days (NaT as int64 min) give the same answer
    assert np.array_equal(days_past_due(ints, as_of, is_open), got, equal_nan=True)
    unknown = days_past_due(due, None, is_open)
    assert unknown[1] == 0.0
    assert bool(np.isnan(unknown[is_open]).all())
    with pytest.raises(InvalidParameterError, match="due_days"):
        days_past_due(np.array(["2024-01-10"], dtype=object), as_of, [True])


def test_days_settled_late() -> None:
    due = np.array(["2024-01-10", "2024-01-10", "2024-01-10", "NaT"], dtype="datetime64[D]")
    settled = np.array(["2024-01-15", "2024-01-07", "NaT", "2024-01-15"], dtype="datetime64[D]")
    got = days_settled_late(due, settled)
    assert got[:2].tolist() == [5.0, 0.0]
    assert bool(np.isnan(got[2:]).all())
    assert days_settled_late(due, settled, signed=True)[:2].tolist() == [5.0, -3.0]
