"""Tests of kpicore.kpis.charges: multa and juros de mora on late payments."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpicore.bankcalendar import BankCalendar
from kpicore.errors import InvalidParameterError, InvalidRecordError
from kpicore.kpis.charges import MAX_JUROS_MONTHLY, MAX_MULTA, late_charges
from kpicore.money import Money

D = dt.date
BRL = "BRL"


def _any(value: object) -> Any:
    return value


def test_hand_worked_month_late() -> None:
    # R$ 1.000,00 due 10 Jan 2026 (Saturday), paid 10 Feb 2026: 31 days
    # multa 2 % = 20,00; juros 1 000 × 1 % × 31/30 = 10,3333 -> 10,33
    r = late_charges(Money.of(1000, BRL), D(2026, 1, 10), D(2026, 2, 10))
    assert r.late
    assert r.days_late == 31
    assert r.multa == Money.of("20.00", BRL)
    assert r.juros == Money.of("10.33", BRL)
    assert r.total == Money.of("1030.33", BRL)
    assert r.charges == Money.of("30.33", BRL)
    assert r.payable_date == D(2026, 1, 10)


def test_roll_on_weekend_and_holiday() -> None:
    cal = BankCalendar()
    amount = Money.of("150.00", BRL)
    # due Saturday 14 Feb 2026 -> payable Wednesday 18 Feb (Carnival Mon/Tue)
    on_time = late_charges(amount, "2026-02-14", "2026-02-18", calendar=cal)
    assert not on_time.late
    assert on_time.payable_date == D(2026, 2, 18)
    assert on_time.charges == Money.zero(BRL)
    # one day after the payable day: interest from the original due date (5 days)
    late = late_charges(amount, "2026-02-14", "2026-02-19", calendar=cal)
    assert late.days_late == 5
    assert late.multa == Money.of("3.00", BRL)
    assert late.juros == Money.of("0.25", BRL)  # 150 × 1 % × 5/30 = 0,25
    # counted from the payable day instead: 1 day = 0,05
    late_p = late_charges(amount, "2026-02-14", "2026-02-19", calendar=cal, count_from="payable")
    assert late_p.days_late == 1
    assert late_p.juros == Money.of("0.05", BRL)
    # without a calendar a Saturday due date is late on Monday
    assert late_charges(amount, "2026-02-14", "2026-02-16").days_late == 2


def test_paid_early_or_on_the_day() -> None:
    amount = Money.of("99.90", BRL)
    for paid in ("2026-06-01", "2026-06-10"):
        r = late_charges(amount, "2026-06-10", paid)
        assert not r.late
        assert r.days_late == 0
        assert r.total == amount


def test_half_up_rounding_at_the_cent() -> None:
    # 0,25 × 2 % = 0,005 -> 0,01 (half up); 0,25 × 1 % × 6/30 = 0,0005 -> 0,00
    r = late_charges(Money.of("0.25", BRL), "2026-03-02", "2026-03-08")
    assert r.multa == Money.of("0.01", BRL)
    assert r.juros == Money.of("0.00", BRL)
    # 0,75 × 1 % × 20/30 = 0,005 -> 0,01
    assert late_charges(Money.of("0.75", BRL), "2026-03-02", "2026-03-22").juros.minor == 1


def test_other_currencies_and_rates() -> None:
    r = late_charges(
        Money.of(10000, "JPY"), "2026-03-02", "2026-03-12",
        multa_rate="0.01", juros_monthly_rate=Decimal("0.005"),
    )  # fmt: skip
    # multa 100 yen; juros 10 000 × 0,5 % × 10/30 = 16,67 -> 17 yen
    assert (r.multa, r.juros) == (Money(100, "JPY"), Money(17, "JPY"))
    above = late_charges(
        Money.of(100, BRL), "2026-03-02", "2026-03-12", multa_rate="0.10", legal_caps=False
    )
    assert above.multa == Money.of(10, BRL)
    r31 = late_charges(Money.of(300, BRL), "2026-03-02", "2026-03-12", days_per_month=31)
    assert r31.juros == Money.of("0.97", BRL)  # 300 × 1 % × 10/31 = 0,9677


@given(
    minor=st.integers(0, 10**9),
    due=st.dates(D(2020, 1, 1), D(2030, 12, 31)),
    delay=st.integers(-40, 400),
    multa=st.sampled_from(["0", "0.01", "0.015", "0.02"]),
    juros=st.sampled_from(["0", "0.0033", "0.01"]),
)
def test_equals_decimal_arithmetic(
    minor: int, due: dt.date, delay: int, multa: str, juros: str
) -> None:
    amount = Money(minor, BRL)
    paid = due + dt.timedelta(days=delay)
    r = late_charges(amount, due, paid, multa_rate=multa, juros_monthly_rate=juros)
    cent = Decimal("0.01")
    base = amount.amount
    if delay > 0:
        fine = (base * Decimal(multa)).quantize(cent, rounding=ROUND_HALF_UP)
        interest = (base * Decimal(juros) * delay / 30).quantize(cent, rounding=ROUND_HALF_UP)
    else:
        fine = interest = Decimal(0)
    assert r.multa.amount == fine
    assert r.juros.amount == interest
    assert r.total.amount == base + fine + interest


def test_to_dict() -> None:
    d = late_charges(Money.of(1000, BRL), "2026-01-10", "2026-02-10").to_dict()
    assert d["multa"] == {"amount": 20.0, "minor": 2000, "currency": "BRL"}
    assert d["multa_rate"] == "0.02"
    assert d["paid_date"] == "2026-02-10"


def test_caps_are_the_legal_ones() -> None:
    assert (Decimal("0.02"), Decimal("0.01")) == (MAX_MULTA, MAX_JUROS_MONTHLY)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"multa_rate": 0.02}, InvalidParameterError, "floats"),
        ({"multa_rate": "0.021"}, InvalidParameterError, "legal maximum"),
        ({"juros_monthly_rate": "0.02"}, InvalidParameterError, "legal maximum"),
        ({"juros_monthly_rate": "-0.01"}, InvalidParameterError, ">= 0"),
        ({"multa_rate": "abc"}, InvalidParameterError, "decimal"),
        ({"count_from": "rolled"}, InvalidParameterError, "count_from"),
        ({"days_per_month": 0}, InvalidParameterError, "days_per_month"),
        ({"calendar": "BR"}, InvalidParameterError, "BankCalendar"),
        ({"legal_caps": 1}, InvalidParameterError, "legal_caps"),
    ],
)
def test_bad_parameters(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        late_charges(Money.of(1, BRL), "2026-01-10", "2026-02-10", **kwargs)


def test_bad_records() -> None:
    with pytest.raises(InvalidRecordError, match="'amount'"):
        late_charges(_any("99.90"), "2026-01-10", "2026-02-10")
    with pytest.raises(InvalidRecordError, match="'amount'"):
        late_charges(Money.of(-1, BRL), "2026-01-10", "2026-02-10")
    with pytest.raises(InvalidRecordError, match="'due' = '10/01/2026'"):
        late_charges(Money.of(1, BRL), "10/01/2026", "2026-02-10")
    with pytest.raises(InvalidRecordError, match="'paid'"):
        late_charges(Money.of(1, BRL), "2026-01-10", _any(dt.datetime(2026, 2, 10)))
