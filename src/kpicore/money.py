"""Exact money: integer minor units plus an ISO 4217 currency code.

A :class:`Money` is an amount held as an integer number of the currency's
minor units (cents for BRL, yen for JPY, fils for BHD) together with its
three-letter ISO 4217 code. Nothing in this module ever touches a float:
amounts come in as ``int``, :class:`~decimal.Decimal` or ``str`` and are
converted exactly, or rejected. Amounts in different currencies are never
combined: doing so raises :class:`~kpicore.errors.CurrencyMismatchError`;
group them with :func:`totals_by_currency` instead.

>>> price = Money.of("1500.75", "BRL")
>>> price
Money(minor=150075, currency='BRL')
>>> (price * 2 - Money.of(1, "BRL")).format_br()
'R$ 3.000,50'
>>> totals_by_currency([price, Money.of(3, "USD"), price])
{'BRL': Money(minor=300150, currency='BRL'), 'USD': Money(minor=300, currency='USD')}

References
----------
ISO 4217 "Codes for the representation of currencies", list one (current
currency and funds code list), maintained by SIX Group on behalf of ISO:
https://www.six-group.com/en/products-services/financial-information/data-standards.html
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any, SupportsIndex

import attrs

from kpicore.errors import (
    CurrencyMismatchError,
    InvalidParameterError,
    InvalidRecordError,
)

__all__ = [
    "CURRENCY_EXPONENTS",
    "Money",
    "currency_exponent",
    "sum_money",
    "totals_by_currency",
]


def _codes(text: str) -> list[str]:
    return text.split()


# ISO 4217 list one: minor-unit exponents. Codes whose minor unit is "N.A." (precious
# metals, XDR, XTS, XXX, ...) are left out: they are not money kpicore can count.
_EXPONENT_0 = _codes("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF")
_EXPONENT_3 = _codes("BHD IQD JOD KWD LYD OMR TND")
_EXPONENT_4 = _codes("CLF UYW")
_EXPONENT_2 = _codes(
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD "
    "BTN BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD "
    "EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HRK HTG HUF IDR ILS "
    "INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT "
    "MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR "
    "PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP "
    "SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER "
    "ZAR ZMW ZWG ZWL"
)

CURRENCY_EXPONENTS: Mapping[str, int] = MappingProxyType(
    dict(
        sorted(
            [(code, 0) for code in _EXPONENT_0]
            + [(code, 2) for code in _EXPONENT_2]
            + [(code, 3) for code in _EXPONENT_3]
            + [(code, 4) for code in _EXPONENT_4]
        )
    )
)
"""Read-only map of ISO 4217 code -> number of decimal places (minor-unit exponent).

Covers the currencies of ISO 4217 list one (plus a few recently withdrawn codes,
such as HRK, still found in historical data). Funds codes without a minor unit
(XAU, XDR, ...) are not included.
"""

_SYMBOLS_BR: Mapping[str, str] = MappingProxyType(
    {"BRL": "R$", "USD": "US$", "EUR": "€", "GBP": "£"}
)

_CODE_RE = re.compile(r"[A-Z]{3}")
# A plain decimal: optional sign, ASCII digits, '.' as the decimal point, optional
# exponent (so that str(Decimal) always parses). No thousands separators.
_AMOUNT_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# Amounts at or above 10**_MAX_ADJUSTED major units are refused when parsed, so that
# an input like "1e999999999" cannot make the library build a gigantic integer.
_MAX_ADJUSTED = 100
_AMOUNT_EXPECTED = (
    "a Decimal, an int (major units) or a plain decimal str such as '1500.75' "
    "(floats are not exact)"
)


def currency_exponent(code: str) -> int:
    """Return the number of decimal places (minor-unit exponent) of a currency.

    Parameters
    ----------
    code : str
        ISO 4217 alphabetic code: exactly three uppercase ASCII letters.

    Returns
    -------
    int
        0 for JPY, CLP, KRW, PYG, ...; 3 for BHD, KWD, OMR, JOD, TND, ...;
        4 for CLF and UYW; 2 for the rest.

    Raises
    ------
    InvalidParameterError
        If ``code`` is not three uppercase letters, or is well formed but not in
        :data:`CURRENCY_EXPONENTS`.

    References
    ----------
    ISO 4217 list one, column "Minor unit".

    Examples
    --------
    >>> currency_exponent("BRL"), currency_exponent("JPY"), currency_exponent("KWD")
    (2, 0, 3)
    >>> currency_exponent("brl")
    Traceback (most recent call last):
    ...
    kpicore.errors.InvalidParameterError: currency code must be three uppercase letters ...
    """
    if not isinstance(code, str) or _CODE_RE.fullmatch(code) is None:
        raise InvalidParameterError(
            f"currency code must be three uppercase letters (ISO 4217), got {code!r}"
        )
    try:
        return CURRENCY_EXPONENTS[code]
    except KeyError:
        raise InvalidParameterError(
            f"unknown currency code {code!r}: not in kpicore.money.CURRENCY_EXPONENTS"
        ) from None


def _coerce_minor(value: SupportsIndex) -> int:
    """Attrs converter for ``Money.minor``: an exact int, never a bool or a float."""
    if isinstance(value, bool):
        raise InvalidRecordError(
            field="minor", value=value, expected="an int number of minor units, not a bool"
        )
    if isinstance(value, int):
        return int(value)
    try:
        return operator.index(value)  # numpy integers and other exact integer types
    except TypeError:
        raise InvalidRecordError(
            field="minor",
            value=value,
            expected="an int number of minor units (not a float, Decimal or str; "
            "use Money.of for decimal amounts)",
        ) from None


def _check_currency(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    """Attrs validator for ``Money.currency``."""
    try:
        currency_exponent(value)
    except InvalidParameterError:
        raise InvalidRecordError(
            field=attribute.name,
            value=value,
            expected="a known ISO 4217 code of three uppercase letters, e.g. 'BRL'",
        ) from None


def _digits(n: int) -> tuple[int, ...]:
    return tuple(int(c) for c in str(n))


@attrs.frozen(order=False)
class Money:
    """An exact amount of money: integer minor units and an ISO 4217 code.

    The constructor takes the amount in **minor units** (``Money(150075, "BRL")``
    is R$ 1.500,75); use :meth:`Money.of` to build one from a decimal amount.
    Instances are immutable and hashable. Arithmetic and ordering work between
    amounts of the same currency only; ``==`` is true only for the same amount
    in the same currency.

    Parameters
    ----------
    minor : int
        The amount in minor units (may be negative). Numpy integers are
        accepted and converted to ``int``; bools, floats, Decimals and strings
        are rejected.
    currency : str
        ISO 4217 code (three uppercase letters) listed in
        :data:`CURRENCY_EXPONENTS`.

    Raises
    ------
    InvalidRecordError
        If ``minor`` is not an integer (field ``'minor'``) or ``currency`` is
        not a known code (field ``'currency'``).

    Notes
    -----
    Money is not truthy or falsy by design (an amount is not a condition):
    use :attr:`is_zero`, :attr:`is_negative` or :attr:`is_positive`.

    Examples
    --------
    >>> m = Money(150075, "BRL")
    >>> m.amount, m.exponent
    (Decimal('1500.75'), 2)
    >>> str(m), m.format_br()
    ('BRL 1500.75', 'R$ 1.500,75')
    >>> m + Money.of("0.25", "BRL") == Money.of(1501, "BRL")
    True
    >>> m + Money(1, "USD")
    Traceback (most recent call last):
    ...
    kpicore.errors.CurrencyMismatchError: cannot combine BRL with USD (+): group amounts ...
    """

    minor: int = attrs.field(converter=_coerce_minor)
    currency: str = attrs.field(validator=_check_currency)

    # -- construction ---------------------------------------------------------------

    @classmethod
    def of(cls, amount: Decimal | str | int, currency: str, *, record: object = None) -> Money:
        """Build a Money from a decimal amount in **major** units.

        Parameters
        ----------
        amount : Decimal or str or int
            The amount in major units: a finite :class:`~decimal.Decimal`, an
            ``int`` (whole units: ``Money.of(5, "BRL")`` is R$ 5,00) or a str
            holding a plain decimal number such as ``"1500.75"``, ``"-3"`` or
            ``"1E+3"`` (surrounding whitespace is ignored; ``'.'`` is the
            decimal point and thousands separators are refused as ambiguous).
        currency : str
            ISO 4217 code known to :data:`CURRENCY_EXPONENTS`.
        record : object, optional
            Id of the record the amount comes from, named in error messages.

        Returns
        -------
        Money

        Raises
        ------
        InvalidRecordError
            Field ``'amount'``: a float or bool, a NaN or infinite Decimal, an
            unparsable or ambiguous string (``"1,500.75"``), an amount with more
            decimal places than the currency has (``"1.234"`` BRL; trailing
            zeros are fine: ``"10.500"`` BRL is 1050 minor units) or one of
            10**100 major units or more. Field ``'currency'``: an unknown code.

        Examples
        --------
        >>> Money.of("1500.75", "BRL")
        Money(minor=150075, currency='BRL')
        >>> Money.of(Decimal("10.500"), "BRL"), Money.of(1500, "JPY")
        (Money(minor=1050, currency='BRL'), Money(minor=1500, currency='JPY'))
        >>> Money.of("1.234", "BRL")
        Traceback (most recent call last):
        ...
        kpicore.errors.InvalidRecordError: value: field 'amount' = '1.234': expected at most 2 ...
        >>> Money.of(0.1, "USD")
        Traceback (most recent call last):
        ...
        kpicore.errors.InvalidRecordError: value: field 'amount' = 0.1: expected a Decimal, ...
        """
        try:
            exponent = currency_exponent(currency)
        except InvalidParameterError:
            raise InvalidRecordError(
                record=record,
                field="currency",
                value=currency,
                expected="a known ISO 4217 code of three uppercase letters, e.g. 'BRL'",
            ) from None
        if isinstance(amount, bool | float):
            raise InvalidRecordError(
                record=record, field="amount", value=amount, expected=_AMOUNT_EXPECTED
            )
        if isinstance(amount, int):
            return cls(amount * 10**exponent, currency)
        if isinstance(amount, str):
            text = amount.strip()
            if "," in text:
                raise InvalidRecordError(
                    record=record,
                    field="amount",
                    value=amount,
                    expected="a plain decimal with '.' as the decimal point and no "
                    "thousands separators, e.g. '1500.75' (',' is ambiguous)",
                )
            if _AMOUNT_RE.fullmatch(text) is None:
                raise InvalidRecordError(
                    record=record,
                    field="amount",
                    value=amount,
                    expected="a plain decimal number such as '1500.75' or '-3'",
                )
            number = Decimal(text)
        elif isinstance(amount, Decimal):
            number = amount
        else:
            try:
                whole = operator.index(amount)  # numpy integers: whole major units
            except TypeError:
                raise InvalidRecordError(
                    record=record, field="amount", value=amount, expected=_AMOUNT_EXPECTED
                ) from None
            return cls(whole * 10**exponent, currency)
        return cls(_decimal_to_minor(number, exponent, currency, amount, record), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Return zero in ``currency``.

        Parameters
        ----------
        currency : str
            ISO 4217 code known to :data:`CURRENCY_EXPONENTS`.

        Returns
        -------
        Money

        Examples
        --------
        >>> Money.zero("EUR")
        Money(minor=0, currency='EUR')
        >>> Money.zero("EUR").is_zero
        True
        """
        return cls(0, currency)

    # -- views ----------------------------------------------------------------------

    @property
    def exponent(self) -> int:
        """Number of decimal places of the currency (2 for BRL, 0 for JPY, 3 for KWD).

        Examples
        --------
        >>> Money(1, "JPY").exponent, Money(1, "KWD").exponent
        (0, 3)
        """
        return CURRENCY_EXPONENTS[self.currency]

    @property
    def amount(self) -> Decimal:
        """The amount in major units, as an exact Decimal with the currency's places.

        Built from the digits, so it does not depend on the decimal context.

        Examples
        --------
        >>> Money(150075, "BRL").amount
        Decimal('1500.75')
        >>> Money(-5, "KWD").amount, Money(1500, "JPY").amount
        (Decimal('-0.005'), Decimal('1500'))
        """
        return Decimal((int(self.minor < 0), _digits(abs(self.minor)), -self.exponent))

    @property
    def is_zero(self) -> bool:
        """True when the amount is zero.

        Examples
        --------
        >>> Money(0, "BRL").is_zero, Money(1, "BRL").is_zero
        (True, False)
        """
        return self.minor == 0

    @property
    def is_negative(self) -> bool:
        """True when the amount is below zero.

        Examples
        --------
        >>> Money(-1, "BRL").is_negative, Money(0, "BRL").is_negative
        (True, False)
        """
        return self.minor < 0

    @property
    def is_positive(self) -> bool:
        """True when the amount is above zero.

        Examples
        --------
        >>> Money(1, "BRL").is_positive, Money(0, "BRL").is_positive
        (True, False)
        """
        return self.minor > 0

    # -- arithmetic -----------------------------------------------------------------

    def _same(self, other: Money, op: str) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatchError(self.currency, other.currency, context=op)

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other, "+")
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other, "-")
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __pos__(self) -> Money:
        return self

    def __abs__(self) -> Money:
        return Money(abs(self.minor), self.currency)

    def __mul__(self, factor: SupportsIndex) -> Money:
        if isinstance(factor, bool | float | Decimal):
            raise InvalidParameterError(
                f"Money can only be multiplied by an int, got {factor!r} "
                f"({type(factor).__name__}); scale a Decimal and use Money.of to round explicitly"
            )
        try:
            times = operator.index(factor)
        except TypeError:
            return NotImplemented
        return Money(self.minor * times, self.currency)

    __rmul__ = __mul__

    # -- ordering (same currency only; == and hash come from attrs) -------------------

    def __lt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other, "<")
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other, "<=")
        return self.minor <= other.minor

    def __gt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other, ">")
        return self.minor > other.minor

    def __ge__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other, ">=")
        return self.minor >= other.minor

    # -- output ---------------------------------------------------------------------

    def _parts(self) -> tuple[str, int, str]:
        """Return (sign, whole major units, fraction digits) of the amount."""
        exponent = self.exponent
        whole, fraction = divmod(abs(self.minor), 10**exponent)
        sign = "-" if self.minor < 0 else ""
        return sign, whole, f"{fraction:0{exponent}d}" if exponent else ""

    def format(self) -> str:
        """Plain form: code, space, amount with '.' decimal point and no grouping.

        The amount part is always accepted back by :meth:`Money.of`.

        Returns
        -------
        str

        Examples
        --------
        >>> Money(150075, "BRL").format(), Money(-150075, "BRL").format()
        ('BRL 1500.75', 'BRL -1500.75')
        >>> Money(1500, "JPY").format(), Money(1234567, "BHD").format()
        ('JPY 1500', 'BHD 1234.567')
        """
        sign, whole, fraction = self._parts()
        number = f"{whole}.{fraction}" if fraction else f"{whole}"
        return f"{self.currency} {sign}{number}"

    def format_br(self) -> str:
        """Brazilian display form: symbol, '.' thousands separator, ',' decimal point.

        Symbols: BRL ``R$``, USD ``US$``, EUR ``€``, GBP ``£``; any other currency
        shows its code. A negative amount puts the sign before the symbol. No
        locale library is used, so the output does not depend on the machine.

        Returns
        -------
        str

        Examples
        --------
        >>> Money(150075, "BRL").format_br(), Money(-150075, "BRL").format_br()
        ('R$ 1.500,75', '-R$ 1.500,75')
        >>> Money(123456789, "USD").format_br(), Money(1234567, "JPY").format_br()
        ('US$ 1.234.567,89', 'JPY 1.234.567')
        """
        sign, whole, fraction = self._parts()
        grouped = f"{whole:,}".replace(",", ".")
        number = f"{grouped},{fraction}" if fraction else grouped
        symbol = _SYMBOLS_BR.get(self.currency, self.currency)
        return f"{sign}{symbol} {number}"

    def __str__(self) -> str:
        return self.format()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: numbers, exact in minor units.

        Returns
        -------
        dict
            ``{"amount": float, "minor": int, "currency": str}``: ``amount`` in
            major units for display and charts (a float: exact for any amount
            below 2**53 minor units), ``minor`` the exact integer;
            ``Money(d["minor"], d["currency"])`` rebuilds the same Money.

        Examples
        --------
        >>> Money(150075, "BRL").to_dict()
        {'amount': 1500.75, 'minor': 150075, 'currency': 'BRL'}
        >>> Money(-5, "KWD").to_dict()
        {'amount': -0.005, 'minor': -5, 'currency': 'KWD'}
        """
        return {
            "amount": float(self.amount),
            "minor": self.minor,
            "currency": self.currency,
        }


def _decimal_to_minor(
    number: Decimal, exponent: int, currency: str, raw: object, record: object
) -> int:
    """Convert a Decimal in major units to exact minor units, without any context."""
    if not number.is_finite():
        raise InvalidRecordError(
            record=record, field="amount", value=raw, expected="a finite amount (not NaN/inf)"
        )
    sign, digit_tuple, dec_exponent = number.as_tuple()
    assert isinstance(dec_exponent, int)  # finite, so not 'n'/'N'/'F'
    coefficient = int("".join(map(str, digit_tuple)) or "0")
    if coefficient == 0:
        return 0
    if number.adjusted() >= _MAX_ADJUSTED:
        raise InvalidRecordError(
            record=record,
            field="amount",
            value=raw,
            expected=f"an amount below 10**{_MAX_ADJUSTED} major units",
        )
    shift = dec_exponent + exponent  # power of ten to apply to the coefficient
    if shift >= 0:
        minor: int = coefficient * 10**shift
    else:
        drop = -shift
        # More places than the currency has are fine only when they are zeros.
        if drop > len(digit_tuple) or coefficient % 10**drop:
            raise InvalidRecordError(
                record=record,
                field="amount",
                value=raw,
                expected=f"at most {exponent} decimal places for {currency} (no silent rounding)",
            )
        minor = coefficient // 10**drop
    return -minor if sign else minor


def sum_money(items: Iterable[Money], currency: str | None = None) -> Money:
    """Exact sum of amounts that share one currency.

    Parameters
    ----------
    items : iterable of Money
        The amounts to add (consumed once).
    currency : str, optional
        The currency every item must have. Required when ``items`` may be
        empty, since an empty sum has no currency of its own.

    Returns
    -------
    Money

    Raises
    ------
    CurrencyMismatchError
        If an item's currency differs from ``currency`` (or, without it, from
        the first item's).
    InvalidParameterError
        If ``items`` is empty and ``currency`` is None, if ``currency`` is not
        a known code, or if an item is not a Money.

    See Also
    --------
    totals_by_currency : sums grouped by currency, for mixed collections.

    Examples
    --------
    >>> sum_money([Money.of("0.10", "BRL"), Money.of("0.20", "BRL")])
    Money(minor=30, currency='BRL')
    >>> sum_money([], currency="USD")
    Money(minor=0, currency='USD')
    >>> sum_money([Money(1, "BRL"), Money(1, "USD")])
    Traceback (most recent call last):
    ...
    kpicore.errors.CurrencyMismatchError: cannot combine BRL with USD (sum_money): ...
    """
    if currency is not None:
        currency_exponent(currency)
    total = 0
    for index, item in enumerate(items):
        if not isinstance(item, Money):
            raise InvalidParameterError(
                f"sum_money: item {index} is {type(item).__name__}, not Money"
            )
        if currency is None:
            currency = item.currency
        elif item.currency != currency:
            raise CurrencyMismatchError(currency, item.currency, context="sum_money")
        total += item.minor
    if currency is None:
        raise InvalidParameterError(
            "sum_money of no items needs currency= (an empty sum has no currency)"
        )
    return Money(total, currency)


def totals_by_currency(items: Iterable[Money]) -> dict[str, Money]:
    """Exact totals of a mixed collection, one per currency, sorted by code.

    Parameters
    ----------
    items : iterable of Money
        Amounts in any currencies.

    Returns
    -------
    dict of str to Money
        Currency code -> total in that currency, with keys in alphabetical
        order; empty for no items. No currency conversion is ever done.

    Raises
    ------
    InvalidParameterError
        If an item is not a Money.

    Examples
    --------
    >>> totals_by_currency([Money(100, "USD"), Money(250, "BRL"), Money(-50, "USD")])
    {'BRL': Money(minor=250, currency='BRL'), 'USD': Money(minor=50, currency='USD')}
    >>> totals_by_currency([])
    {}
    """
    totals: dict[str, int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, Money):
            raise InvalidParameterError(
                f"totals_by_currency: item {index} is {type(item).__name__}, not Money"
            )
        totals[item.currency] = totals.get(item.currency, 0) + item.minor
    return {code: Money(totals[code], code) for code in sorted(totals)}
