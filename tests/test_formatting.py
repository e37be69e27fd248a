"""kpicore.formatting: money, numbers, rates, days, dates and labels in en and pt-BR."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpicore import activities
from kpicore.errors import InvalidParameterError, InvalidRecordError
from kpicore.formatting import (
    LABELS,
    LANGS,
    MISSING,
    activity_label,
    bucket_label,
    check_lang,
    enum_label,
    format_count,
    format_date,
    format_days,
    format_money,
    format_money_totals,
    format_number,
    format_period,
    format_rate,
    label,
)
from kpicore.kpis.overdue import aging
from kpicore.kpis.paid_until import PaidUntilStatus
from kpicore.model import AccessStatus, CreditStatus, Invoice
from kpicore.money import CURRENCY_EXPONENTS, Money
from kpicore.periods import Period

# ---------------------------------------------------------------------------- languages


@pytest.mark.parametrize("bad", ["pt", "pt_BR", "PT-BR", "en-US", "", None, 1])
def test_unknown_language_is_refused(bad: object) -> None:
    with pytest.raises(InvalidParameterError, match="lang="):
        check_lang(bad)
    with pytest.raises(InvalidParameterError, match="lang="):
        format_rate(0.5, lang=bad)  # type: ignore[arg-type]


def test_langs() -> None:
    assert LANGS == ("en", "pt-BR")
    assert [check_lang(x) for x in LANGS] == ["en", "pt-BR"]


# ---------------------------------------------------------------------------- money


@pytest.mark.parametrize(
    ("minor", "currency", "en", "pt"),
    [
        (123456, "BRL", "BRL 1,234.56", "R$ 1.234,56"),
        (123456, "USD", "USD 1,234.56", "US$ 1.234,56"),
        (-150075, "BRL", "BRL -1,500.75", "-R$ 1.500,75"),
        (5, "BRL", "BRL 0.05", "R$ 0,05"),
        (0, "EUR", "EUR 0.00", "€ 0,00"),
        (1234567, "JPY", "JPY 1,234,567", "JPY 1.234.567"),
        (1234567, "KWD", "KWD 1,234.567", "KWD 1.234,567"),
        (123456789012, "BRL", "BRL 1,234,567,890.12", "R$ 1.234.567.890,12"),
    ],
)
def test_format_money_by_hand(minor: int, currency: str, en: str, pt: str) -> None:
    m = Money(minor, currency)
    assert format_money(m) == en
    assert format_money(m, lang="pt-BR") == pt
    assert format_money(m, lang="pt-BR") == m.format_br()  # built on it, not duplicated


@given(
    st.integers(min_value=-(10**15), max_value=10**15),
    st.sampled_from(sorted(CURRENCY_EXPONENTS)),
)
def test_format_money_reads_back_exactly(minor: int, currency: str) -> None:
    m = Money(minor, currency)
    code, amount = format_money(m).split(" ")
    assert code == currency
    assert Money.of(amount.replace(",", ""), currency) == m
    pt = format_money(m, lang="pt-BR")
    number = pt.rsplit(" ", 1)[1].replace(".", "").replace(",", ".")
    assert Money.of(("-" if pt.startswith("-") else "") + number, currency) == m


def test_format_money_refuses_non_money() -> None:
    with pytest.raises(InvalidParameterError, match="not a Money"):
        format_money(Decimal("1.00"))  # type: ignore[arg-type]


def test_format_money_totals() -> None:
    totals = {"BRL": Money(150075, "BRL"), "USD": Money(-1000, "USD")}
    assert format_money_totals(totals) == "BRL 1,500.75 + USD -10.00"
    assert format_money_totals(totals, lang="pt-BR", separator="; ") == "R$ 1.500,75; -US$ 10,00"
    assert format_money_totals({}, lang="pt-BR") == MISSING


# ---------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("value", "decimals", "en", "pt"),
    [
        (1234.56, 1, "1,234.6", "1.234,6"),
        (1234.56, 2, "1,234.56", "1.234,56"),
        (0.0, 1, "0.0", "0,0"),
        (-0.04, 1, "0.0", "0,0"),
        (-1234567.891, 2, "-1,234,567.89", "-1.234.567,89"),
        (7, 0, "7", "7"),
        (999.96, 1, "1,000.0", "1.000,0"),
    ],
)
def test_format_number_by_hand(value: float, decimals: int, en: str, pt: str) -> None:
    assert format_number(value, decimals=decimals) == en
    assert format_number(value, decimals=decimals, lang="pt-BR") == pt


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False), st.integers(0, 4))
def test_format_number_pt_is_en_with_separators_swapped(value: float, decimals: int) -> None:
    en = format_number(value, decimals=decimals)
    pt = format_number(value, decimals=decimals, lang="pt-BR")
    assert pt == en.translate(str.maketrans(",.", ".,"))
    assert math.isclose(float(en.replace(",", "")), value, abs_tol=0.5 * 10**-decimals + 1e-3)


@pytest.mark.parametrize("missing", [None, math.nan])
def test_missing_values(missing: float | None) -> None:
    for lang in LANGS:
        assert format_number(missing, lang=lang) == MISSING  # type: ignore[arg-type]
        assert format_rate(missing, lang=lang) == MISSING  # type: ignore[arg-type]
        assert format_days(missing, lang=lang) == MISSING  # type: ignore[arg-type]


def test_bad_numbers() -> None:
    with pytest.raises(InvalidParameterError, match="not a number"):
        format_number("12")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="decimals"):
        format_number(1.0, decimals=-1)
    with pytest.raises(InvalidParameterError, match="decimals"):
        format_rate(1.0, decimals=True)
    with pytest.raises(InvalidParameterError, match="not an integer"):
        format_count(1.0)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="not an integer"):
        format_count(True)


def test_format_count() -> None:
    import numpy as np

    assert format_count(1234567) == "1,234,567"
    assert format_count(np.int64(-1234), lang="pt-BR") == "-1.234"  # type: ignore[arg-type]
    assert format_count(0, lang="pt-BR") == "0"


@pytest.mark.parametrize(
    ("ratio", "en", "pt"),
    [
        (0.125, "12.5%", "12,5%"),
        (1, "100.0%", "100,0%"),
        (0.0, "0.0%", "0,0%"),
        (2 / 3, "66.7%", "66,7%"),
        (12.3456, "1,234.6%", "1.234,6%"),
    ],
)
def test_format_rate_by_hand(ratio: float, en: str, pt: str) -> None:
    assert format_rate(ratio) == en
    assert format_rate(ratio, lang="pt-BR") == pt


def test_format_days() -> None:
    assert format_days(12.345) == "12.3 days"
    assert format_days(12.345, lang="pt-BR") == "12,3 dias"
    assert format_days(1234.56, lang="pt-BR") == "1.234,6 dias"
    assert format_days(3, unit=False) == "3.0"
    assert format_days(2.25, decimals=2, lang="pt-BR", unit=False) == "2,25"


# ---------------------------------------------------------------------------- dates


def test_format_date_every_month() -> None:
    en_months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun"]
    en_months += ["Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    pt_long = ["janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho"]
    pt_long += ["agosto", "setembro", "outubro", "novembro", "dezembro"]
    for month in range(1, 13):
        d = dt.date(2024, month, 5)
        assert format_date(d) == f"2024-{month:02d}-05"
        assert format_date(d, lang="pt-BR") == f"05/{month:02d}/2024"
        assert format_date(d, style="long") == f"{en_months[month - 1]} 5, 2024"
        assert format_date(d, lang="pt-BR", style="long") == f"5 de {pt_long[month - 1]} de 2024"


def test_format_date_refuses() -> None:
    with pytest.raises(InvalidParameterError, match="not a date"):
        format_date(dt.datetime(2024, 1, 5, tzinfo=dt.UTC))
    with pytest.raises(InvalidParameterError, match="not a date"):
        format_date("2024-01-05")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="style"):
        format_date(dt.date(2024, 1, 5), style="medium")  # type: ignore[arg-type]


def test_format_period() -> None:
    assert format_period(Period.month(2024, 2)) == "Feb 2024"
    assert format_period(Period.month(2024, 12), lang="pt-BR") == "dez/2024"
    assert format_period(Period.quarter(2024, 4)) == "2024 Q4"
    assert format_period(Period.quarter(2024, 1), lang="pt-BR") == "1º tri/2024"
    assert format_period(Period.year(2023), lang="pt-BR") == "2023"
    assert format_period(Period.day(dt.date(2024, 3, 9)), lang="pt-BR") == "09/03/2024"
    week = Period.containing(dt.date(2024, 1, 31), "week")  # ISO week 5 of 2024
    assert format_period(week) == "2024-W05"
    assert format_period(week, lang="pt-BR") == "sem. 05/2024"
    with pytest.raises(InvalidParameterError, match="not a Period"):
        format_period(dt.date(2024, 1, 1))  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- labels


def test_every_label_has_both_languages() -> None:
    assert len(LABELS) >= 30
    for key, pair in LABELS.items():
        assert set(pair) == {"en", "pt-BR"}, key
        assert pair["en"], key
        assert pair["pt-BR"], key
        assert label(key) == pair["en"]
        assert label(key, lang="pt-BR") == pair["pt-BR"]


def test_label_unknown_key() -> None:
    with pytest.raises(InvalidParameterError, match="no label 'nope'"):
        label("nope")
    assert label("dunning.level", lang="pt-BR").format(level=2) == "Nível 2"


def test_activity_labels_are_the_vocabulary() -> None:
    for act in activities.CANONICAL:
        for name in (act.en, act.pt, act.key, act.en.upper()):
            assert activity_label(name) == act.en
            assert activity_label(name, lang="pt-BR") == act.pt
    assert activity_label("Boleto Impresso", lang="pt-BR") == "Boleto Impresso"
    with pytest.raises(InvalidRecordError):
        activity_label(3)  # type: ignore[arg-type]


def test_enum_labels() -> None:
    for status in PaidUntilStatus:
        assert enum_label(status, lang="pt-BR") == status.label_pt
    assert [enum_label(s) for s in PaidUntilStatus] == ["Current", "Behind", "Ahead", "Never paid"]
    assert enum_label(CreditStatus.CANCELLED, lang="pt-BR") == "Cancelado"
    assert enum_label(AccessStatus.BLOCKED_MANUAL) == "Blocked (manual)"
    with pytest.raises(InvalidParameterError, match="not an enum"):
        enum_label("current")  # type: ignore[arg-type]


def test_bucket_labels() -> None:
    inv = Invoice("F-1", "C1", "2024-01-01", "2024-01-31", Money.of(100, "BRL"))
    r = aging([inv], as_of=dt.date(2024, 3, 15))
    assert [bucket_label(b) for b in r.buckets] == ["Current", "1–30", "31–60", "61–90", "91+"]
    assert [bucket_label(b, lang="pt-BR") for b in r.buckets] == [
        "A vencer",
        "1–30 dias",
        "31–60 dias",
        "61–90 dias",
        "Acima de 90 dias",
    ]
    with pytest.raises(InvalidParameterError, match="not an aging bucket"):
        bucket_label(object())
