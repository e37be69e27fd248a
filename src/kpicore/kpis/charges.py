"""Late-payment charges on a Brazilian bill: *multa* and *juros de mora*, exactly.

Functions
---------
:func:`late_charges`
    The fine (multa, a one-off share of the amount, at most 2 %) and the
    late interest (juros, at most 1 % a month, pro rata die) owed on an
    amount due on one day and paid on another, with the bank-calendar roll
    of Lei 7.089/1983.

References
----------
Lei 8.078/1990 (Código de Defesa do Consumidor), art. 52 § 1 as amended by
Lei 9.298/1996: the fine for late payment may not exceed 2 % of the
instalment. Código Civil (Lei 10.406/2002) art. 406 with Código Tributário
Nacional art. 161 § 1: late interest of 1 % a month when not agreed
otherwise. Anatel Res. 632/2014 (RGC): the same 2 % fine and 1 % a month
interest for telecom bills. Lei 7.089/1983 art. 1: no late interest on a bill
due on a Saturday, Sunday or bank holiday and paid on the next business day.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Final, Literal

import attrs

from kpicore.bankcalendar import BankCalendar, check_calendar
from kpicore.errors import InvalidParameterError, InvalidRecordError
from kpicore.money import Money
from kpicore.results import Result

__all__ = ["MAX_JUROS_MONTHLY", "MAX_MULTA", "LateCharges", "late_charges"]

#: The legal cap of the late-payment fine (CDC art. 52 § 1): 2 % of the amount.
MAX_MULTA: Final[Decimal] = Decimal("0.02")
#: The legal late-interest rate (CC art. 406, CTN art. 161 § 1): 1 % a month.
MAX_JUROS_MONTHLY: Final[Decimal] = Decimal("0.01")

CountFrom = Literal["due", "payable"]


def _rate(value: object, name: str, cap: Decimal | None) -> Decimal:
    if isinstance(value, bool | float) or not isinstance(value, Decimal | str | int):
        raise InvalidParameterError(
            f"{name}={value!r}: expected a Decimal or a decimal str such as '0.02' "
            "(floats are not exact)"
        )
    try:
        rate = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise InvalidParameterError(f"{name}={value!r}: not a decimal number") from None
    if not rate.is_finite() or rate < 0:
        raise InvalidParameterError(f"{name}={value!r}: expected a finite rate >= 0")
    if cap is not None and rate > cap:
        raise InvalidParameterError(
            f"{name}={value!r}: above the legal maximum {cap} (pass legal_caps=False for "
            "contracts outside consumer law)"
        )
    return rate


def _day(value: object, field: str) -> _dt.date:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = _dt.date.fromisoformat(value.strip())
    if isinstance(value, _dt.datetime) or not isinstance(value, _dt.date):
        raise InvalidRecordError(
            field=field, value=value, expected="a date or an ISO 'YYYY-MM-DD' string"
        )
    return value


def _round_half_up(value: Fraction) -> int:
    """``value`` rounded to the nearest integer, halves away from zero (value >= 0 here)."""
    q, r = divmod(value.numerator, value.denominator)
    return q + (1 if 2 * r >= value.denominator else 0)


@attrs.frozen(repr=False)
class LateCharges(Result):
    """Result of :func:`late_charges`.

    Attributes
    ----------
    amount : Money
        The amount the charges apply to.
    due_date, payable_date, paid_date : date
        The due date, the day it is payable without charges (the due date
        rolled to a business day; the due date itself without a calendar)
        and the payment day.
    late : bool
        Paid after ``payable_date``.
    days_late : int
        Days of interest: ``paid − due_date`` (``count_from="due"``) or
        ``paid − payable_date`` (``"payable"``) when late, else 0.
    multa_rate, juros_monthly_rate : Decimal
        The rates applied.
    days_per_month : int
        The month of the pro-rata rule (30: the commercial month).
    multa, juros : Money
        The fine and the interest, each rounded half-up to the minor unit.
    total : Money
        ``amount + multa + juros``.
    """

    amount: Money
    due_date: _dt.date
    payable_date: _dt.date
    paid_date: _dt.date
    late: bool
    days_late: int
    multa_rate: Decimal
    juros_monthly_rate: Decimal
    days_per_month: int
    multa: Money
    juros: Money
    total: Money

    @property
    def charges(self) -> Money:
        """``multa + juros``."""
        return self.multa + self.juros


def late_charges(
    amount: Money,
    due: _dt.date | str,
    paid: _dt.date | str,
    *,
    multa_rate: Decimal | str = MAX_MULTA,
    juros_monthly_rate: Decimal | str = MAX_JUROS_MONTHLY,
    calendar: BankCalendar | None = None,
    count_from: CountFrom = "due",
    days_per_month: int = 30,
    legal_caps: bool = True,
) -> LateCharges:
    """The fine (multa) and late interest (juros de mora) on a late payment, in exact money.

    Parameters
    ----------
    amount : Money
        The amount due (non-negative), in any currency.
    due : date or ISO str
        The due date (*vencimento*).
    paid : date or ISO str
        The payment date.
    multa_rate : Decimal or str, default ``Decimal("0.02")``
        The one-off fine as a share of the amount (2 % is the legal cap).
    juros_monthly_rate : Decimal or str, default ``Decimal("0.01")``
        Late interest per month (1 % is the legal rate), charged pro rata
        die: ``rate / days_per_month`` per day late, simple (not compound).
    calendar : BankCalendar, optional
        Roll the due date to the next business day first (Lei 7.089/1983): a
        bill due on a Saturday and paid on Monday carries no charge. None:
        the due date as it is.
    count_from : {"due", "payable"}, default "due"
        Once the payment is late (after the payable day), count interest
        days from the original due date (``"due"``, how banks count a boleto
        paid after its grace) or from the payable day (``"payable"``).
    days_per_month : int, default 30
        The commercial month of the pro-rata rule (1 % a month = 1/30 % a
        day); 1 to 31.
    legal_caps : bool, default True
        Refuse rates above the caps (:data:`MAX_MULTA`,
        :data:`MAX_JUROS_MONTHLY`); False for contracts outside consumer law.

    Returns
    -------
    LateCharges

    Raises
    ------
    InvalidRecordError
        For an amount that is not a non-negative Money, or a due/paid value
        that is not a date.
    InvalidParameterError
        For a float, negative or (with ``legal_caps``) above-cap rate, an
        unknown ``count_from``, a bad ``days_per_month`` or calendar.

    Notes
    -----
    With ``payable = roll(due)`` (``due`` without a calendar) and ``late =
    paid > payable``::

        days  = paid − due          (count_from="due")  or  paid − payable
        multa = round(amount × multa_rate)                      if late, else 0
        juros = round(amount × juros_monthly_rate × days / days_per_month)
                                                               if late, else 0

    in integer minor units, each rounded once, half-up (exact rational
    arithmetic: no float, no intermediate rounding). A payment on or before
    the payable day owes nothing.

    Examples
    --------
    R$ 99,90 due Wednesday 10 June 2026, paid on 25 June (15 days late):
    2 % fine R$ 2,00 (1,998 rounded), interest 99,90 × 1 % × 15/30 = R$ 0,50
    (0,4995 rounded):

    >>> from kpicore.money import Money
    >>> r = late_charges(Money.of("99.90", "BRL"), "2026-06-10", "2026-06-25")
    >>> r.days_late, r.multa.format_br(), r.juros.format_br(), r.total.format_br()
    (15, 'R$ 2,00', 'R$ 0,50', 'R$ 102,40')

    Due on Good Friday (3 April 2026) and paid on Monday the 6th: nothing with
    the bank calendar, three days of interest without it:

    >>> from kpicore.bankcalendar import BankCalendar
    >>> late_charges(Money.of(100, "BRL"), "2026-04-03", "2026-04-06",
    ...              calendar=BankCalendar()).charges.format_br()
    'R$ 0,00'
    >>> late_charges(Money.of(100, "BRL"), "2026-04-03", "2026-04-06").charges.format_br()
    'R$ 2,10'
    """
    if not isinstance(amount, Money) or amount.minor < 0:
        raise InvalidRecordError(
            field="amount", value=amount, expected="a non-negative Money amount"
        )
    due_day = _day(due, "due")
    paid_day = _day(paid, "paid")
    if not isinstance(legal_caps, bool):
        raise InvalidParameterError(f"legal_caps must be True or False, got {legal_caps!r}")
    multa = _rate(multa_rate, "multa_rate", MAX_MULTA if legal_caps else None)
    juros = _rate(
        juros_monthly_rate, "juros_monthly_rate", MAX_JUROS_MONTHLY if legal_caps else None
    )
    if count_from not in ("due", "payable"):
        raise InvalidParameterError(f"count_from={count_from!r}: expected 'due' or 'payable'")
    if (
        isinstance(days_per_month, bool)
        or not isinstance(days_per_month, int)
        or not 1 <= days_per_month <= 31
    ):
        raise InvalidParameterError(
            f"days_per_month={days_per_month!r}: expected an int from 1 to 31"
        )
    cal = check_calendar(calendar)
    payable = due_day if cal is None else cal.roll(due_day)
    late = paid_day > payable
    start = due_day if count_from == "due" else payable
    days = (paid_day - start).days if late else 0
    fine_minor = _round_half_up(Fraction(amount.minor) * Fraction(multa)) if late else 0
    interest_minor = _round_half_up(
        Fraction(amount.minor) * Fraction(juros) * days / days_per_month
    )
    fine = Money(fine_minor, amount.currency)
    interest = Money(interest_minor, amount.currency)
    return LateCharges(
        amount=amount,
        due_date=due_day,
        payable_date=payable,
        paid_date=paid_day,
        late=late,
        days_late=days,
        multa_rate=multa,
        juros_monthly_rate=juros,
        days_per_month=days_per_month,
        multa=fine,
        juros=interest,
        total=amount + fine + interest,
    )
