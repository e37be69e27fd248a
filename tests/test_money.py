"""Tests of kpicore.money: hand-worked examples for every rule, then properties."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from strategies import currencies, money_decimals, money_strategy

from kpicore.errors import (
    CurrencyMismatchError,
    InvalidParameterError,
    InvalidRecordError,
    KpiError,
)
from kpicore.money import (
    CURRENCY_EXPONENTS,
    Money,
    currency_exponent,
    sum_money,
    totals_by_currency,
)


def _any(value: object) -> Any:
    """Let a test pass a deliberately ill-typed value past mypy."""
    return value


# ---------------------------------------------------------------------------------------
# Currency exponents
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "exponent"),
    [
        *[(c, 2) for c in ("BRL", "USD", "EUR", "GBP", "CAD", "MXN", "ARS", "COP", "PEN")],
        *[(c, 2) for c in ("UYU", "CHF", "AUD", "NZD", "CNY", "INR", "ZAR", "SEK", "NOK")],
        *[(c, 2) for c in ("DKK", "PLN", "CZK", "HUF")],
        *[(c, 0) for c in ("JPY", "CLP", "KRW", "PYG", "ISK", "VND", "XOF")],
        *[(c, 3) for c in ("BHD", "KWD", "OMR", "JOD", "TND", "IQD", "LYD")],
        ("CLF", 4),
        ("UYW", 4),
    ],
)
def test_currency_exponent_of_known_codes(code: str, exponent: int) -> None:
    assert currency_exponent(code) == exponent
    assert CURRENCY_EXPONENTS[code] == exponent


def test_currency_exponents_is_read_only_and_well_formed() -> None:
    with pytest.raises(TypeError):
        _any(CURRENCY_EXPONENTS)["XYZ"] = 2
    assert len(CURRENCY_EXPONENTS) > 150  # the list is generous
    assert all(len(c) == 3 and c.isascii() and c.isupper() for c in CURRENCY_EXPONENTS)
    assert set(CURRENCY_EXPONENTS.values()) == {0, 2, 3, 4}
    assert list(CURRENCY_EXPONENTS) == sorted(CURRENCY_EXPONENTS)
    assert "XAU" not in CURRENCY_EXPONENTS  # no minor unit: not countable money


@pytest.mark.parametrize("code", ["brl", "Brl", "BR", "BRLL", "", " BRL", "BRL ", "B1L", "ÇÃO"])
def test_currency_exponent_rejects_malformed_code(code: str) -> None:
    with pytest.raises(InvalidParameterError, match="three uppercase letters") as info:
        currency_exponent(code)
    assert repr(code) in str(info.value)


def test_currency_exponent_rejects_non_str_code() -> None:
    with pytest.raises(InvalidParameterError, match="three uppercase letters"):
        currency_exponent(_any(986))


@pytest.mark.parametrize("code", ["XYZ", "XAU", "XXX", "AAA"])
def test_currency_exponent_rejects_unknown_code(code: str) -> None:
    with pytest.raises(InvalidParameterError, match=f"unknown currency code '{code}'"):
        currency_exponent(code)


# ---------------------------------------------------------------------------------------
# Construction from minor units
# ---------------------------------------------------------------------------------------


def test_constructor_takes_minor_units() -> None:
    m = Money(150075, "BRL")
    assert m.minor == 150075
    assert m.currency == "BRL"
    assert m.amount == Decimal("1500.75")  # 150075 / 10**2


def test_constructor_accepts_numpy_integer_and_stores_python_int() -> None:
    m = Money(_any(np.int64(150075)), "BRL")
    assert m == Money(150075, "BRL")
    assert type(m.minor) is int  # no fixed-width overflow downstream


@pytest.mark.parametrize(
    "minor",
    [True, False, np.bool_(True), 1.0, float("nan"), np.float64(2.0), Decimal(1), "100", None],
)
def test_constructor_rejects_non_integer_minor(minor: object) -> None:
    with pytest.raises(InvalidRecordError) as info:
        Money(_any(minor), "BRL")
    assert info.value.field == "minor"
    assert "field 'minor'" in str(info.value)


@pytest.mark.parametrize("currency", ["brl", "XYZ", "", "BRLX", None, 986])
def test_constructor_rejects_unknown_currency(currency: object) -> None:
    with pytest.raises(InvalidRecordError) as info:
        Money(1, _any(currency))
    assert info.value.field == "currency"
    assert "field 'currency'" in str(info.value)
    assert "ISO 4217" in str(info.value)


def test_money_is_frozen_and_evolve_revalidates() -> None:
    m = Money(1, "BRL")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        _any(m).minor = 2
    with pytest.raises(InvalidRecordError, match="field 'minor'"):
        attrs.evolve(m, minor=_any(0.5))
    assert attrs.evolve(m, currency="USD") == Money(1, "USD")


def test_money_is_hashable_and_equality_includes_currency() -> None:
    assert Money(100, "BRL") == Money(100, "BRL")
    assert hash(Money(100, "BRL")) == hash(Money(100, "BRL"))
    assert Money(100, "BRL") != Money(100, "USD")
    assert Money(100, "BRL") != Money(101, "BRL")
    assert len({Money(100, "BRL"), Money(100, "BRL"), Money(100, "USD")}) == 2
    assert Money(100, "BRL") != _any(100)  # never equal to a bare number


def test_money_pickles() -> None:
    m = Money(-150075, "BRL")
    assert pickle.loads(pickle.dumps(m)) == m


def test_money_defines_no_truthiness() -> None:
    # Contract: an amount is not a condition; use is_zero / is_negative.
    assert "__bool__" not in vars(Money)
    assert "__len__" not in vars(Money)


# ---------------------------------------------------------------------------------------
# Money.of: decimal amounts in major units
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("1500.75", "BRL", 150075),  # 1500.75 * 10**2
        (" 1500.75\n", "BRL", 150075),  # surrounding whitespace ignored
        ("+5", "BRL", 500),
        ("-0.01", "BRL", -1),
        ("-0.00", "BRL", 0),
        (".5", "BRL", 50),
        ("5.", "BRL", 500),
        ("10.500", "BRL", 1050),  # trailing zero beyond 2 places is fine
        ("10.5000000000000", "BRL", 1050),
        ("1E+3", "BRL", 100000),  # str(Decimal) may use exponent form
        ("1.5e2", "USD", 15000),
        ("12345e-2", "BRL", 12345),  # 123.45
        ("1500", "JPY", 1500),  # no minor unit: 1 yen = 1 minor
        ("1500.000", "JPY", 1500),
        ("0.000", "JPY", 0),
        ("1.234", "KWD", 1234),  # 3 places: fils
        ("-0.001", "BHD", -1),
        ("1.2345", "CLF", 12345),  # 4 places
        (Decimal("1500.75"), "BRL", 150075),
        (Decimal("10.500"), "BRL", 1050),
        (Decimal("-1.5E+3"), "EUR", -150000),
        (Decimal("0E-10"), "BRL", 0),
        (Decimal("123456789012345678901234567890.12"), "BRL", 12345678901234567890123456789012),
        (5, "BRL", 500),  # int = major units: 5 * 10**2
        (-5, "BRL", -500),
        (5, "JPY", 5),
        (5, "KWD", 5000),
        (0, "USD", 0),
    ],
)
def test_of_converts_exactly(amount: Decimal | str | int, currency: str, minor: int) -> None:
    assert Money.of(amount, currency) == Money(minor, currency)


def test_of_accepts_numpy_integer_as_major_units() -> None:
    assert Money.of(_any(np.int64(7)), "BRL") == Money(700, "BRL")


def test_of_does_not_depend_on_the_decimal_context() -> None:
    with localcontext() as ctx:
        ctx.prec = 3  # would round 1500.75 if the conversion used the context
        assert Money.of("1500.75", "BRL").minor == 150075
        assert Money.of(Decimal("123456789.01"), "BRL").minor == 12345678901
        assert Money(12345678901, "BRL").amount == Decimal("123456789.01")


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        ("1.234", "BRL"),  # 3 places for a 2-place currency: never rounded
        ("1.001", "BRL"),
        ("1.0001", "BRL"),  # a non-zero digit after trailing zeros still counts
        ("0.5", "JPY"),
        ("1.5", "CLP"),
        ("0.0001", "KWD"),
        ("0.00001", "CLF"),
        ("1e-3", "BRL"),
        (Decimal("0.005"), "USD"),
        (Decimal("1E-1000000"), "BRL"),  # tiny: refused without building 10**1000000
    ],
)
def test_of_rejects_more_decimals_than_the_currency_has(
    amount: Decimal | str, currency: str
) -> None:
    with pytest.raises(InvalidRecordError, match="no silent rounding") as info:
        Money.of(amount, currency, record="INV-9")
    assert info.value.field == "amount"
    assert info.value.record == "INV-9"
    assert "record 'INV-9'" in str(info.value)
    assert "field 'amount'" in str(info.value)
    assert f"at most {CURRENCY_EXPONENTS[currency]} decimal places for {currency}" in str(
        info.value
    )


@pytest.mark.parametrize("amount", ["1,500.75", "1.500,75", "1500,75", " 1,000 "])
def test_of_rejects_comma_as_ambiguous(amount: str) -> None:
    with pytest.raises(InvalidRecordError, match="ambiguous") as info:
        Money.of(amount, "BRL", record="INV-9")
    assert info.value.field == "amount"
    assert "record 'INV-9'" in str(info.value)
    assert "field 'amount'" in str(info.value)


@pytest.mark.parametrize(
    "amount",
    [
        *["", "   ", "abc", "1 500", "R$ 10", "10 BRL", "NaN", "Infinity", "-inf", "1_000"],
        *["١٢٣", "0x10", "--1", "+-1", "1..2", ".", "e5", "1e", "½"],
    ],
)
def test_of_rejects_unparsable_strings(amount: str) -> None:
    with pytest.raises(InvalidRecordError, match="plain decimal number") as info:
        Money.of(amount, "BRL", record="INV-9")
    assert info.value.field == "amount"
    assert "record 'INV-9'" in str(info.value)
    assert "field 'amount'" in str(info.value)


@pytest.mark.parametrize("amount", [0.1, 1.0, float("nan"), float("inf"), np.float64(2.5)])
def test_of_rejects_floats(amount: float) -> None:
    with pytest.raises(InvalidRecordError, match="floats are not exact") as info:
        Money.of(amount, "BRL", record="INV-9")  # type: ignore[arg-type]
    assert info.value.field == "amount"
    assert "record 'INV-9'" in str(info.value)
    assert "field 'amount'" in str(info.value)


@pytest.mark.parametrize("amount", [True, False, np.bool_(True), None, Fraction(1, 2), b"1"])
def test_of_rejects_other_types(amount: object) -> None:
    with pytest.raises(InvalidRecordError) as info:
        Money.of(_any(amount), "BRL", record="INV-9")
    assert info.value.field == "amount"
    assert "record 'INV-9'" in str(info.value)
    assert "field 'amount'" in str(info.value)


@pytest.mark.parametrize("amount", ["NaN", "sNaN", "Infinity", "-Infinity"])
def test_of_rejects_non_finite_decimals(amount: str) -> None:
    with pytest.raises(InvalidRecordError, match="finite") as info:
        Money.of(Decimal(amount), "BRL", record="INV-9")
    assert info.value.field == "amount"
    assert "record 'INV-9'" in str(info.value)


@pytest.mark.parametrize("amount", ["1e100", Decimal("-1E+1000000000"), "1" + "0" * 100])
def test_of_rejects_absurdly_large_amounts(amount: Decimal | str) -> None:
    with pytest.raises(InvalidRecordError, match=r"below 10\*\*100") as info:
        Money.of(amount, "BRL", record="INV-9")
    assert "field 'amount'" in str(info.value)
    # just below the bound is still exact
    assert Money.of("9" * 100, "JPY").minor == int("9" * 100)


@pytest.mark.parametrize("currency", ["brl", "XYZ", "", None])
def test_of_rejects_unknown_currency(currency: object) -> None:
    with pytest.raises(InvalidRecordError) as info:
        Money.of("1.00", _any(currency), record="INV-9")
    assert info.value.field == "currency"
    assert "record 'INV-9'" in str(info.value)
    assert "field 'currency'" in str(info.value)


def test_of_without_record_names_the_field() -> None:
    with pytest.raises(InvalidRecordError) as info:
        Money.of("1.234", "BRL")
    assert str(info.value).startswith("value: field 'amount' = '1.234'")


def test_all_money_errors_are_kpi_errors_and_value_errors() -> None:
    calls: list[Callable[[], object]] = [lambda: Money.of("x", "BRL"), lambda: Money(1, "brl")]
    for call in calls:
        with pytest.raises(KpiError):
            call()
        with pytest.raises(ValueError, match="field"):
            call()


# ---------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------


def test_zero() -> None:
    assert Money.zero("BRL") == Money(0, "BRL")
    assert Money.zero("JPY").amount == Decimal("0")
    with pytest.raises(InvalidRecordError, match="field 'currency'"):
        Money.zero("brl")


@pytest.mark.parametrize(
    ("money", "amount", "text"),
    [
        (Money(150075, "BRL"), Decimal("1500.75"), "1500.75"),
        (Money(-150075, "BRL"), Decimal("-1500.75"), "-1500.75"),
        (Money(100, "BRL"), Decimal("1.00"), "1.00"),  # keeps the currency's places
        (Money(0, "BRL"), Decimal("0.00"), "0.00"),
        (Money(5, "BRL"), Decimal("0.05"), "0.05"),
        (Money(1500, "JPY"), Decimal("1500"), "1500"),
        (Money(-5, "KWD"), Decimal("-0.005"), "-0.005"),
        (Money(10**40 + 1, "BRL"), Decimal("1" + "0" * 37 + "0.01"), "1" + "0" * 37 + "0.01"),
    ],
)
def test_amount_is_exact_decimal(money: Money, amount: Decimal, text: str) -> None:
    assert money.amount == amount
    assert str(money.amount) == text


def test_exponent_and_signs() -> None:
    assert (Money(1, "BRL").exponent, Money(1, "JPY").exponent, Money(1, "OMR").exponent) == (
        2,
        0,
        3,
    )
    assert Money(0, "BRL").is_zero
    assert not Money(0, "BRL").is_negative
    assert not Money(0, "BRL").is_positive
    assert Money(-1, "BRL").is_negative
    assert not Money(-1, "BRL").is_zero
    assert Money(1, "BRL").is_positive
    assert not Money(1, "BRL").is_negative


def test_to_dict() -> None:
    expected = {"amount": 1500.75, "minor": 150075, "currency": "BRL"}
    assert Money(150075, "BRL").to_dict() == expected
    assert Money(-5, "KWD").to_dict() == {"amount": -0.005, "minor": -5, "currency": "KWD"}
    assert Money(7, "JPY").to_dict() == {"amount": 7.0, "minor": 7, "currency": "JPY"}


# ---------------------------------------------------------------------------------------
# Arithmetic
# ---------------------------------------------------------------------------------------


def test_addition_is_exact_where_floats_are_not() -> None:
    assert 0.1 + 0.2 != 0.3
    assert Money.of("0.10", "BRL") + Money.of("0.20", "BRL") == Money.of("0.30", "BRL")


def test_arithmetic_hand_worked() -> None:
    a = Money.of("1500.75", "BRL")  # 150075
    b = Money.of("200.80", "BRL")  # 20080
    assert a + b == Money(170155, "BRL")  # 150075 + 20080
    assert a - b == Money(129995, "BRL")  # 150075 - 20080
    assert b - a == Money(-129995, "BRL")
    assert -a == Money(-150075, "BRL")
    assert +a == a
    assert abs(-a) == a
    assert abs(a) == a
    assert a * 3 == Money(450225, "BRL")  # 150075 * 3
    assert 3 * a == Money(450225, "BRL")
    assert a * 0 == Money.zero("BRL")
    assert a * -2 == Money(-300150, "BRL")
    assert a * np.int64(2) == Money(300150, "BRL")
    assert type((a * np.int64(2)).minor) is int


def test_large_amounts_do_not_overflow() -> None:
    big = Money(2**63 - 1, "BRL")
    assert (big + Money(1, "BRL")).minor == 2**63
    assert (big * 4).minor == 4 * (2**63 - 1)


@pytest.mark.parametrize("factor", [1.5, 2.0, Decimal("1.1"), Decimal(2), True])
def test_multiplication_rejects_non_int_factor(factor: object) -> None:
    m = Money(100, "BRL")
    with pytest.raises(InvalidParameterError, match="only be multiplied by an int"):
        m * _any(factor)
    with pytest.raises(InvalidParameterError, match="only be multiplied by an int"):
        _any(factor) * m


@pytest.mark.parametrize("other", ["2", None, Fraction(1, 2)])
def test_multiplication_by_unrelated_type_is_a_type_error(other: object) -> None:
    with pytest.raises(TypeError):
        Money(100, "BRL") * _any(other)


def test_money_does_not_add_to_numbers() -> None:
    with pytest.raises(TypeError):
        Money(100, "BRL") + _any(1)
    with pytest.raises(TypeError):
        _any(0) + Money(100, "BRL")
    with pytest.raises(TypeError):
        Money(100, "BRL") - _any(Decimal(1))
    with pytest.raises(TypeError):
        Money(100, "BRL") * Money(2, "BRL")  # type: ignore[operator]


def test_comparisons_hand_worked() -> None:
    low, high = Money.of("9.99", "BRL"), Money.of("10.00", "BRL")
    assert low < high
    assert low <= high
    assert low <= Money(999, "BRL")
    assert high > low
    assert high >= low
    assert high >= Money(1000, "BRL")
    assert not high < low
    assert not low > high
    assert Money(-1, "BRL") < Money.zero("BRL")
    assert sorted([high, low, Money(-5, "BRL")]) == [Money(-5, "BRL"), low, high]
    assert max(low, high) == high


def test_comparison_with_non_money_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        _ = Money(1, "BRL") < _any(2)
    with pytest.raises(TypeError):
        _ = Money(1, "BRL") >= _any(Decimal(0))


_BINARY_OPS: dict[str, Callable[[Money, Money], object]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


@pytest.mark.parametrize("op", sorted(_BINARY_OPS))
def test_mixing_currencies_raises(op: str) -> None:
    with pytest.raises(CurrencyMismatchError) as info:
        _BINARY_OPS[op](Money(100, "BRL"), Money(100, "USD"))
    assert (info.value.left, info.value.right) == ("BRL", "USD")
    assert f"cannot combine BRL with USD ({op})" in str(info.value)


def test_builtin_sum_with_money_start() -> None:
    items = [Money(100, "BRL"), Money(250, "BRL")]
    assert sum(items, Money.zero("BRL")) == Money(350, "BRL")
    with pytest.raises(CurrencyMismatchError):
        sum([*items, Money(1, "USD")], Money.zero("BRL"))


# ---------------------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("money", "plain", "br"),
    [
        (Money(150075, "BRL"), "BRL 1500.75", "R$ 1.500,75"),
        (Money(-150075, "BRL"), "BRL -1500.75", "-R$ 1.500,75"),
        (Money(0, "BRL"), "BRL 0.00", "R$ 0,00"),
        (Money(5, "BRL"), "BRL 0.05", "R$ 0,05"),
        (Money(-5, "BRL"), "BRL -0.05", "-R$ 0,05"),
        (Money(99999, "BRL"), "BRL 999.99", "R$ 999,99"),
        (Money(100000, "BRL"), "BRL 1000.00", "R$ 1.000,00"),
        (Money(123456789, "BRL"), "BRL 1234567.89", "R$ 1.234.567,89"),
        (Money(-100000000000, "BRL"), "BRL -1000000000.00", "-R$ 1.000.000.000,00"),
        (Money(123456789, "USD"), "USD 1234567.89", "US$ 1.234.567,89"),
        (Money(123456, "EUR"), "EUR 1234.56", "€ 1.234,56"),
        (Money(-123456, "GBP"), "GBP -1234.56", "-£ 1.234,56"),
        (Money(1200, "CHF"), "CHF 12.00", "CHF 12,00"),
        (Money(1500, "JPY"), "JPY 1500", "JPY 1.500"),  # no decimals
        (Money(999, "JPY"), "JPY 999", "JPY 999"),
        (Money(-1234567, "JPY"), "JPY -1234567", "-JPY 1.234.567"),
        (Money(0, "CLP"), "CLP 0", "CLP 0"),
        (Money(1234567, "BHD"), "BHD 1234.567", "BHD 1.234,567"),  # 3 places
        (Money(1, "KWD"), "KWD 0.001", "KWD 0,001"),
        (Money(-1000, "TND"), "TND -1.000", "-TND 1,000"),
        (Money(12345, "CLF"), "CLF 1.2345", "CLF 1,2345"),  # 4 places
    ],
)
def test_format_plain_and_br(money: Money, plain: str, br: str) -> None:
    assert money.format() == plain
    assert str(money) == plain
    assert money.format_br() == br


# ---------------------------------------------------------------------------------------
# sum_money and totals_by_currency
# ---------------------------------------------------------------------------------------


def test_sum_money_hand_worked() -> None:
    # 0.10 + 0.20 + 1500.75 - 0.05 = 1501.00
    items = [Money.of(x, "BRL") for x in ("0.10", "0.20", "1500.75", "-0.05")]
    assert sum_money(items) == Money(150100, "BRL")
    assert sum_money(iter(items), currency="BRL") == Money(150100, "BRL")  # one pass
    assert sum_money([Money(7, "JPY")]) == Money(7, "JPY")


def test_sum_money_empty() -> None:
    assert sum_money([], currency="KWD") == Money.zero("KWD")
    with pytest.raises(InvalidParameterError, match="needs currency="):
        sum_money([])


def test_sum_money_rejects_mixed_currencies() -> None:
    with pytest.raises(CurrencyMismatchError, match=r"BRL with USD \(sum_money\)"):
        sum_money([Money(1, "BRL"), Money(2, "BRL"), Money(3, "USD")])


def test_sum_money_rejects_items_not_in_the_given_currency() -> None:
    with pytest.raises(CurrencyMismatchError, match=r"USD with BRL \(sum_money\)"):
        sum_money([Money(1, "BRL")], currency="USD")


def test_sum_money_rejects_bad_currency_and_non_money_items() -> None:
    with pytest.raises(InvalidParameterError, match="unknown currency code 'XYZ'"):
        sum_money([], currency="XYZ")
    with pytest.raises(InvalidParameterError, match="item 1 is Decimal, not Money"):
        sum_money([Money(1, "BRL"), _any(Decimal(1))])


def test_totals_by_currency_hand_worked() -> None:
    items = [
        Money.of("100.00", "USD"),
        Money.of("1500.75", "BRL"),
        Money(500, "JPY"),
        Money.of("-40.50", "USD"),
        Money.of("0.25", "BRL"),
        Money.of("1.000", "EUR"),
        Money.of("-1", "EUR"),
    ]
    totals = totals_by_currency(items)
    assert totals == {
        "BRL": Money(150100, "BRL"),  # 150075 + 25
        "EUR": Money(0, "EUR"),  # 100 - 100: a zero total is kept, not dropped
        "JPY": Money(500, "JPY"),
        "USD": Money(5950, "USD"),  # 10000 - 4050
    }
    assert list(totals) == ["BRL", "EUR", "JPY", "USD"]  # sorted by code


def test_totals_by_currency_empty_and_bad_item() -> None:
    assert totals_by_currency([]) == {}
    assert totals_by_currency(iter([Money(1, "BRL")])) == {"BRL": Money(1, "BRL")}
    with pytest.raises(InvalidParameterError, match="item 0 is int, not Money"):
        totals_by_currency([_any(5)])


# ---------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------


@st.composite
def _currency_and_decimals(draw: st.DrawFn) -> tuple[str, list[Decimal]]:
    currency = draw(currencies())
    return currency, draw(st.lists(money_decimals(currency, max_abs_minor=10**14), max_size=20))


@given(_currency_and_decimals())
def test_prop_sum_of_parsed_strings_equals_parsed_sum(case: tuple[str, list[Decimal]]) -> None:
    currency, decimals = case
    with localcontext() as ctx:
        ctx.prec = 60  # the Decimal reference sum must be exact too
        expected = Money.of(sum(decimals, Decimal(0)), currency)
    assert sum_money((Money.of(str(d), currency) for d in decimals), currency) == expected


@given(currencies().flatmap(lambda c: st.tuples(st.just(c), money_decimals(c))))
def test_prop_of_decimal_equals_of_str_and_is_exact(case: tuple[str, Decimal]) -> None:
    currency, value = case
    m = Money.of(value, currency)
    assert Money.of(str(value), currency) == m
    assert m.amount == value  # numerically identical: nothing was rounded


@given(currencies().flatmap(lambda c: st.tuples(*[money_strategy(c)] * 3)))
def test_prop_addition_associative_and_commutative(case: tuple[Money, Money, Money]) -> None:
    a, b, c = case
    assert (a + b) + c == a + (b + c)
    assert a + b == b + a
    assert a + Money.zero(a.currency) == a


@given(money_strategy())
def test_prop_subtraction_and_negation(a: Money) -> None:
    zero = Money.zero(a.currency)
    assert a - a == zero
    assert a + (-a) == zero
    negated = -a
    assert -negated == a
    assert zero - a == -a
    assert abs(a) >= zero


@given(money_strategy(), st.integers(-50, 50))
def test_prop_multiplication_is_repeated_addition(a: Money, k: int) -> None:
    repeated = sum_money([a] * abs(k), a.currency)
    assert a * k == (repeated if k >= 0 else -repeated)
    assert k * a == a * k


@given(currencies().flatmap(lambda c: st.tuples(money_strategy(c), money_strategy(c))))
def test_prop_ordering_follows_minor_units(case: tuple[Money, Money]) -> None:
    a, b = case
    assert (a < b) == (a.minor < b.minor)
    assert (a <= b) == (a.minor <= b.minor)
    assert (a > b) == (a.minor > b.minor)
    assert (a >= b) == (a.minor >= b.minor)


@given(money_strategy(), money_strategy(), st.sampled_from(sorted(_BINARY_OPS)))
def test_prop_any_mixed_pair_raises(a: Money, b: Money, op: str) -> None:
    assume(a.currency != b.currency)
    assert a != b
    with pytest.raises(CurrencyMismatchError):
        _BINARY_OPS[op](a, b)
    with pytest.raises(CurrencyMismatchError):
        sum_money([a, b])


@given(money_strategy())
def test_prop_format_parse_round_trip(m: Money) -> None:
    assert Money.of(m.format().split()[1], m.currency) == m
    assert Money(m.to_dict()["minor"], m.to_dict()["currency"]) == m
    assert Money.of(m.amount, m.currency) == m


@given(money_strategy())
def test_prop_format_br_keeps_every_digit_and_the_sign(m: Money) -> None:
    text = m.format_br()
    assert int("".join(ch for ch in text if ch.isdigit())) == abs(m.minor)
    assert text.startswith("-") == m.is_negative
    assert text.count(",") == (1 if m.exponent else 0)
    whole = text.split(" ", 1)[1].split(",")[0]
    groups = whole.split(".")
    assert all(len(g) == 3 for g in groups[1:])
    assert 1 <= len(groups[0]) <= 3


@given(st.lists(money_strategy(), max_size=30))
def test_prop_totals_by_currency_matches_per_currency_sums(items: list[Money]) -> None:
    totals = totals_by_currency(items)
    assert list(totals) == sorted({m.currency for m in items})
    for code, total in totals.items():
        assert total == sum_money([m for m in items if m.currency == code], code)
    assert sum(t.minor for t in totals.values()) == sum(m.minor for m in items)
