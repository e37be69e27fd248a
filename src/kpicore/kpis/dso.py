"""Days Sales Outstanding: per invoice (event log) and from balances (accounting).

Two families, because "DSO" names two different measurements:

*Per-invoice DSO* (process mining; "days to pay"): for each invoice, the time
from its first *Invoice Generated* to its first *Payment Received* after it
(or to its settlement), summarised over invoices -- :func:`invoice_dso`.

*Accounting DSO* from the receivables and the credit sales as of a date, per
currency -- :func:`standard_dso` (receivables ÷ sales × days, end or average
receivables), :func:`countback_dso` (walk back through monthly sales until the
receivables are used up), :func:`best_possible_dso` (current receivables only),
:func:`average_days_delinquent` (DSO − best possible DSO) and
:func:`collection_effectiveness_index` -- plus :func:`payment_timing`, the
(weighted) average days late and days to pay of settled invoices.

Each of these has a pure-number twin (``*_from_totals``,
:func:`average_days`, :func:`weighted_average_days`) that reproduces the
published worked examples exactly.

All functions accept a sequence of :class:`~kpicore.model.Invoice` or an
:class:`~kpicore.eventlog.EventLog`, normalised once by
:mod:`kpicore.kpis._ledger` (one computational core: objects are converted to
the columnar log).

Conventions
-----------
One convention per concept, shared by a KPI and its ``*_from_totals`` twin;
the alternatives the sources use are explicit parameters:

* countback DSO: months oldest first (ending with the current month),
  calendar days per month (``days_basis=360`` / ``days_in_months=30`` for
  30-day months, ``order="newest_first"`` for published tables), the whole
  history available; a DSO the history cannot explain is ``None`` with its
  reason, never a lower bound;
* CEI: ``S`` = the period's sales ÷ its months (``sales_basis="full"`` for
  the full period), over 3 months by default.

References
----------
Source keys used in the docstrings: [CGA]_/[CGC]_ CreditGuru, collection
metrics (creditguru.com); [CRF]_ Credit Research Foundation, NSDTR formulas
and definitions (crfonline.org); [JDE]_/[JDEC]_/[JDEA]_ Oracle JD Edwards
EnterpriseOne Accounts Receivable documentation; [HFM]_ Oracle Hyperion
Financial Management, "DSO - Days Sales Outstanding"; [ANA]_ Anaplan
community, "Count back for turnover"; [BENJI]_ Benjipays, "Mastering DSO
calculation: the count-back method"; [HIGH]_ Credit Today / Highako, "Why you
should switch to the countback method"; [HACK]_ The Hackett Group, best
possible DSO; [WIZ]_ wizedu CEI exercise; [ORAC]_ Oracle E-Business Suite
Receivables; [PSH]_ PeopleSoft Receivables history calculations; [SNOW]_
weighted days-to-pay calculator; [CODAT]_ Codat lending calculation examples;
[M3]_ Infor M3 Analytics; [TT]_ transtutors; [SAPBW]_ SAP BW DSO key figure.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal

import attrs
import numpy as np
import numpy.typing as npt

from kpicore import _merge
from kpicore.errors import InvalidParameterError
from kpicore.grouping import By
from kpicore.model import Customer
from kpicore.money import Money
from kpicore.periods import Freq, add_months, as_of_date, as_of_ns, business_days_between_arrays
from kpicore.results import Breakdown, Result
from kpicore.summary import DEFAULT_PERCENTILES
from kpicore.threads import run_all

from ._ledger import (
    DEFAULT_ROLES,
    MISSING,
    InvoiceData,
    InvoiceDays,
    Ledger,
    Roles,
    as_log_with_invoices,
    check_choice,
    check_int,
    freeze,
    grouping,
    invoice_days,
    ledger_at,
    to_day,
)

__all__ = [
    "AccountingDSO",
    "AverageDaysDelinquent",
    "CollectionEffectiveness",
    "CountbackDSO",
    "CountbackFigure",
    "CountbackWalk",
    "DSOFigure",
    "DelinquencyFigure",
    "EffectivenessFigure",
    "PaymentTiming",
    "TimingFigure",
    "average_days",
    "average_days_delinquent",
    "average_days_delinquent_from_totals",
    "best_possible_dso",
    "best_possible_dso_from_totals",
    "cei_from_totals",
    "collection_effectiveness_index",
    "countback_dso",
    "countback_dso_from_totals",
    "countback_walk_from_totals",
    "invoice_dso",
    "payment_timing",
    "standard_dso",
    "standard_dso_from_totals",
    "weighted_average_days",
]

Number = int | float | Decimal
DaysBasis = Literal["actual", 360, 365]

_I64 = npt.NDArray[np.int64]
_F64 = npt.NDArray[np.float64]
_B = npt.NDArray[np.bool_]
_NS_PER_DAY_F = 86_400e9
_EPOCH = _dt.date(1970, 1, 1)

# ================================================================================ formulas


def _num(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | np.number):
        raise InvalidParameterError(f"{name} must be a number, got {value!r}")
    out = float(value)
    if not math.isfinite(out):
        raise InvalidParameterError(f"{name} must be finite, got {value!r}")
    return out


def standard_dso_from_totals(
    receivables: Number | Sequence[Number], sales: Number, days: Number
) -> float | None:
    """Standard DSO: ``receivables / sales × days``.

    Parameters
    ----------
    receivables : number or sequence of numbers
        Accounts receivable at the end of the period; a sequence (e.g. the
        three month-end balances of a quarter) is averaged first.
    sales : number
        Credit sales of the period.
    days : number
        Days in the period (90 for a quarter on a 360-day year, the actual
        days, 365 for a year...).

    Returns
    -------
    float or None
        None when ``sales <= 0`` (no sales to measure against).

    Notes
    -----
    ``DSO = AR / credit sales × days`` [CGA]_. The CRF quarterly form
    ``(AR_m1 + AR_m2 + AR_m3) × 30 / quarter sales`` is this formula with the
    three month-end balances averaged and ``days = 90`` [CRF]_; SAP BW and
    Oracle use the end balance × 30 / the previous month's sales [SAPBW]_
    [ORAC]_; JD Edwards the end balance × 90 / three months' sales [JDE]_.

    Examples
    --------
    CRF (★ 30.41) and JD Edwards (★ 55.35):

    >>> round(standard_dso_from_totals([16_935_357, 17_936_658, 13_663_598], 47_881_064, 90), 2)
    30.41
    >>> round(standard_dso_from_totals(10_869, 5_538 + 4_566 + 7_570, 90), 2)
    55.35
    >>> standard_dso_from_totals(100, 0, 30) is None
    True
    """
    if isinstance(receivables, Sequence) and not isinstance(receivables, str):
        vals = [_num(v, "receivables") for v in receivables]
        if not vals:
            raise InvalidParameterError("receivables: an empty sequence")
        ar = math.fsum(vals) / len(vals)
    else:
        ar = _num(receivables, "receivables")
    s = _num(sales, "sales")
    d = _num(days, "days")
    if s <= 0:
        return None
    return ar / s * d


def best_possible_dso_from_totals(
    current_receivables: Number, sales: Number, days: Number
) -> float | None:
    """Best possible DSO: the DSO formula with current (not yet due) receivables.

    Notes
    -----
    ``BPDSO = current AR / credit sales × days`` [CGA]_ [HACK]_ [CRF]_. None when
    ``sales <= 0``.

    Examples
    --------
    CreditGuru (★ 12):

    >>> best_possible_dso_from_totals(4_000, 10_000, 30)
    12.0
    """
    return standard_dso_from_totals(current_receivables, sales, days)


def average_days_delinquent_from_totals(dso: Number, best_possible_dso: Number) -> float:
    """Average days delinquent: ``DSO − best possible DSO``.

    Notes
    -----
    [CGA]_; JD Edwards calls it Delinquent DSO [JDE]_.

    Examples
    --------
    CreditGuru (★ 33):

    >>> average_days_delinquent_from_totals(45, 12)
    33.0
    """
    return _num(dso, "dso") - _num(best_possible_dso, "best_possible_dso")


CountbackOrder = Literal["oldest_first", "newest_first"]

#: Why a countback DSO could not be determined (``None``).
COUNTBACK_REASONS = ("history_exhausted", "month_without_sales")


@attrs.frozen(repr=False)
class CountbackWalk(Result):
    """The walk of :func:`countback_walk_from_totals`: the DSO or why there is none.

    Attributes
    ----------
    dso : float or None
        Days of sales in the receivables; ``None`` when it cannot be
        determined (see ``reason``), never a lower bound.
    months_used : int
        Months the walk consumed, fully or in part, counted from the newest.
    reason : str or None
        ``None`` when ``dso`` is a number; ``"history_exhausted"`` when the
        receivables exceed the sales of every month given (older sales are
        needed to explain them); ``"month_without_sales"`` when the walk
        reached a month with sales ≤ 0 (HFM stops there) and older months
        with sales follow.
    """

    dso: float | None
    months_used: int
    reason: str | None


def _countback(receivables: float, sales: Sequence[float], days: Sequence[float]) -> CountbackWalk:
    """The walk over ``sales`` / ``days`` given **newest first**."""
    if receivables <= 0:
        return CountbackWalk(0.0, 0, None)
    remaining = receivables
    total = 0.0
    for i, (s, d) in enumerate(zip(sales, days, strict=True)):
        if s <= 0:  # HFM: the walk-back stops at a period without positive sales
            older_sales = any(v != 0 for v in sales[i:])
            return CountbackWalk(
                None, i, "month_without_sales" if older_sales else "history_exhausted"
            )
        if remaining > s:
            remaining -= s
            total += d
            continue
        return CountbackWalk(total + remaining / s * d, i + 1, None)
    return CountbackWalk(None, len(sales), "history_exhausted")


def _countback_inputs(
    receivables: Number,
    monthly_sales: Sequence[Number],
    days_in_months: Sequence[Number] | Number,
    order: object,
) -> tuple[float, list[float], list[float]]:
    """Validated receivables and (sales, days) **newest first**."""
    check_choice(order, "order", ("oldest_first", "newest_first"))
    ar = _num(receivables, "receivables")
    if isinstance(monthly_sales, str) or not isinstance(monthly_sales, Sequence):
        raise InvalidParameterError(
            f"monthly_sales must be a sequence of numbers, got {monthly_sales!r}"
        )
    sales = [_num(v, f"monthly_sales[{i}]") for i, v in enumerate(monthly_sales)]
    if isinstance(days_in_months, Sequence) and not isinstance(days_in_months, str):
        days = [_num(v, f"days_in_months[{i}]") for i, v in enumerate(days_in_months)]
        if len(days) != len(sales):
            raise InvalidParameterError(
                f"days_in_months has {len(days)} values for {len(sales)} months of sales"
            )
    else:
        days = [_num(days_in_months, "days_in_months")] * len(sales)
    for i, d in enumerate(days):
        if d <= 0:
            raise InvalidParameterError(f"days_in_months[{i}] = {d!r}: expected days > 0")
    if order == "oldest_first":
        sales.reverse()
        days.reverse()
    return ar, sales, days


def countback_walk_from_totals(
    receivables: Number,
    monthly_sales: Sequence[Number],
    days_in_months: Sequence[Number] | Number,
    *,
    order: CountbackOrder = "oldest_first",
) -> CountbackWalk:
    """Countback DSO with its walk: the days, the months used and why it is undetermined.

    Parameters are those of :func:`countback_dso_from_totals`.

    Returns
    -------
    CountbackWalk
        ``dso`` (None when undetermined), ``months_used`` and ``reason``.

    Raises
    ------
    InvalidParameterError
        As :func:`countback_dso_from_totals`.

    Notes
    -----
    The walk of :func:`countback_dso_from_totals`, which returns its ``dso``.

    Examples
    --------
    Receivables of 1,000 against 100 + 100 of sales: the DSO is undetermined.

    >>> w = countback_walk_from_totals(1_000, [100, 100], [28, 31])
    >>> w.dso, w.months_used, w.reason
    (None, 2, 'history_exhausted')
    >>> countback_walk_from_totals(150, [100, 100], [28, 31]).dso  # 31 + 50/100 × 28
    45.0
    """
    return _countback(*_countback_inputs(receivables, monthly_sales, days_in_months, order))


def countback_dso_from_totals(
    receivables: Number,
    monthly_sales: Sequence[Number],
    days_in_months: Sequence[Number] | Number,
    *,
    order: CountbackOrder = "oldest_first",
) -> float | None:
    """Countback (exhaustion) DSO.

    Parameters
    ----------
    receivables : number
        Receivables at the end of the latest (current) month.
    monthly_sales : sequence of numbers
        Sales per month, **oldest first** and ending with the current month
        (the order of every period series in kpicore); ``order="newest_first"``
        for the current month first, as the published tables list them.
    days_in_months : sequence of numbers or number
        Days of each month, in the order of ``monthly_sales``: the calendar
        days (28 to 31, the convention of :func:`countback_dso`'s default
        ``days_basis="actual"`` [HFM]_ [ANA]_), or one number for all months
        (``30`` for the 30-day-month convention [BENJI]_, the invoice route's
        ``days_basis=360``). Required: there is no silent default.
    order : {"oldest_first", "newest_first"}, default "oldest_first"
        The order of ``monthly_sales`` and ``days_in_months``.

    Returns
    -------
    float or None
        The days of sales contained in the receivables; 0.0 when
        ``receivables <= 0``. **None when it cannot be determined**: the
        receivables exceed the sales of all the months given (reason
        ``"history_exhausted"``) or the walk reaches a month with sales ≤ 0
        (``"month_without_sales"``); :func:`countback_walk_from_totals`
        returns the reason.

    Raises
    ------
    InvalidParameterError
        For a value that is not a finite number (naming its index), days
        ≤ 0, as many days as months required, or an unknown ``order``.

    Notes
    -----
    Starting from the current month and walking back: while the remainder
    of the receivables exceeds the month's sales, subtract them and count
    the month's days; the last month adds ``remainder / sales × days``::

        DSO = Σ_{k<K} days_k + (AR − Σ_{k<K} sales_k) / sales_K × days_K

    with ``k = 0`` the current month. The walk stops at a month with sales
    ≤ 0 [HFM]_; a DSO that the months given cannot explain is ``None``,
    never the days walked (which would only be a lower bound).

    Convention, shared with :func:`countback_dso`: months oldest first,
    calendar days per month; 30-day months and the newest-first order are
    explicit parameters.

    Oracle's published HFM example (AR 12,000; Sep 2,500 (30 d), Aug 1,750
    (31), Jul 2,250 (31), Jun 2,500 (30), May 2,000 (31), Apr 2,250 (30))
    totals **179.7**, but its last row uses a remainder of 2,000/2,250 where
    12,000 − 11,000 leaves 1,000: the method gives 153 + 1,000/2,250 × 30 =
    166.33 for AR 12,000, and 179.67 (the published 179.7) for AR 13,000.

    Examples
    --------
    Anaplan (★ 129; Sep to Jan, calendar days), Benjipays with 30-day months
    (★ 73.71), and the HFM table listed newest first:

    >>> countback_dso_from_totals(2_000, [500, 700, 600, 400, 200], [30, 31, 30, 31, 31])
    129.0
    >>> round(countback_dso_from_totals(212_000, [70_000, 80_000, 100_000], 30), 2)
    73.71
    >>> hfm = ([2_500, 1_750, 2_250, 2_500, 2_000, 2_250], [30, 31, 31, 30, 31, 30])
    >>> round(countback_dso_from_totals(13_000, *hfm, order="newest_first"), 1)
    179.7
    >>> countback_dso_from_totals(1_000, [100, 100], [28, 31]) is None  # undetermined
    True
    """
    return countback_walk_from_totals(receivables, monthly_sales, days_in_months, order=order).dso


SalesBasis = Literal["per_month", "full"]


def cei_from_totals(
    begin_receivables: Number,
    sales: Number,
    end_receivables: Number,
    end_current_receivables: Number,
    *,
    months: int = 3,
    sales_basis: SalesBasis = "per_month",
) -> float | None:
    """Collection Effectiveness Index, in percent.

    Parameters
    ----------
    begin_receivables, end_receivables, end_current_receivables : number
        Receivables at the start and at the end of the period, and the
        current (not yet due) part of the end receivables.
    sales : number
        Credit sales of the whole period.
    months : int, default 3
        Months in the period.
    sales_basis : {"per_month", "full"}, default "per_month"
        ``S`` = ``sales / months``, the monthly form of the CRF, CreditGuru
        and Oracle EBS [CRF]_ [CGC]_ [ORAC]_; ``"full"``: the full period's sales
        [WIZ]_. The same parameter and default as
        :func:`collection_effectiveness_index`.

    Returns
    -------
    float or None
        None when the denominator ``begin + S − end current`` is ≤ 0.

    Raises
    ------
    InvalidParameterError
        For a value that is not a finite number, ``months`` not an int ≥ 1,
        or an unknown ``sales_basis``.

    Notes
    -----
    ``CEI = (BegAR + S − EndTotalAR) / (BegAR + S − EndCurrentAR) × 100``
    [CRF]_ [CGC]_ [ORAC]_. The sources disagree on ``S``: sales / N months
    [CGC]_ [CRF]_ or full-period sales [WIZ]_, 55.9 % vs 79.63 % on the same
    data. kpicore's convention is the monthly form (the CRF standard), in
    this function and in :func:`collection_effectiveness_index`; the full
    period is ``sales_basis="full"``.

    Examples
    --------
    CRF (★ 71.54) and WIZ (★ 55.9 % monthly, 79.63 % with full sales):

    >>> round(cei_from_totals(12_327_157, 47_881_064, 13_663_598, 7_846_547), 2)
    71.54
    >>> round(cei_from_totals(6_200, 10_890, 6_340, 3_590), 1)
    55.9
    >>> round(cei_from_totals(6_200, 10_890, 6_340, 3_590, sales_basis="full"), 2)
    79.63
    """
    check_choice(sales_basis, "sales_basis", ("per_month", "full"))
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        hint = " (for full-period sales pass sales_basis='full')" if months is None else ""
        raise InvalidParameterError(f"months must be an int >= 1, got {months!r}{hint}")
    beg = _num(begin_receivables, "begin_receivables")
    s = _num(sales, "sales")
    end = _num(end_receivables, "end_receivables")
    cur = _num(end_current_receivables, "end_current_receivables")
    if sales_basis == "per_month":
        s = s / months
    den = beg + s - cur
    if den <= 0:
        return None
    return (beg + s - end) / den * 100.0


def average_days(days: Sequence[Number] | npt.ArrayLike) -> float | None:
    """Unweighted average of day counts (None when empty).

    Examples
    --------
    PeopleSoft average days late (★ 3.67) and JD Edwards (★ 15.5):

    >>> round(average_days([2, 5, 4]), 2), average_days([1, 30]), average_days([])
    (3.67, 15.5, None)
    """
    arr = np.asarray(days, dtype=np.float64).ravel()
    if arr.shape[0] == 0:
        return None
    if not bool(np.isfinite(arr).all()):
        raise InvalidParameterError("days must be finite numbers")
    return math.fsum(arr.tolist()) / arr.shape[0]


def weighted_average_days(
    days: Sequence[Number] | npt.ArrayLike, weights: Sequence[Number] | npt.ArrayLike
) -> float | None:
    """Weighted average of day counts: ``Σ(w × days) / Σ w`` (None when ``Σ w = 0``).

    Notes
    -----
    WADL with days late and invoice (or paid, or receipt) amounts as the
    weights [ORAC]_ [PSH]_ [JDEA]_; weighted days to pay with days to pay [SNOW]_
    [CODAT]_.

    Examples
    --------
    PeopleSoft weighted (◇ 4.0), JD Edwards weighted (◇ 1.14), weighted days
    to pay (★ 32.5):

    >>> weighted_average_days([2, 5, 4], [1_000, 2_000, 3_000])
    4.0
    >>> round(weighted_average_days([1, 30], [100_000, 500]), 2)
    1.14
    >>> weighted_average_days([15, 30, 45], [1_000, 3_000, 2_000])
    32.5
    """
    d = np.asarray(days, dtype=np.float64).ravel()
    w = np.asarray(weights, dtype=np.float64).ravel()
    if d.shape != w.shape:
        raise InvalidParameterError(f"{d.shape[0]} days for {w.shape[0]} weights")
    if not (bool(np.isfinite(d).all()) and bool(np.isfinite(w).all())):
        raise InvalidParameterError("days and weights must be finite numbers")
    if bool((w < 0).any()):
        raise InvalidParameterError("weights must not be negative")
    total = math.fsum(w.tolist())
    if total == 0:
        return None
    return math.fsum((d * w).tolist()) / total


# ================================================================================ helpers


def _day(d: _dt.date) -> int:
    return (d - _EPOCH).days


def _start_ns(d: _dt.date, tz: _dt.tzinfo | None) -> int:
    """The instant day ``d`` begins in ``tz``."""
    return as_of_ns(d - _dt.timedelta(days=1), tz=tz)


Customers = Iterable[Customer] | Mapping[str, Customer] | None


# ================================================================================ invoice DSO


def invoice_dso(
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime | None = None,
    until: Literal["first_payment", "settlement"] = "first_payment",
    days: Literal["calendar", "business"] = "calendar",
    holidays: Iterable[_dt.date] = (),
    weekmask: str = "1111100",
    by: By = None,
    freq: Freq | None = None,
    period_of: Literal["invoice", "payment"] = "invoice",
    tz: _dt.tzinfo | None = None,
    customers: Customers = None,
    roles: Roles = DEFAULT_ROLES,
    activity_map: Mapping[str, str] | None = None,
    percentiles: Iterable[float] = DEFAULT_PERCENTILES,
) -> InvoiceDays:
    """Per-invoice DSO (event log): days from issue to the first payment (or settlement).

    Parameters
    ----------
    data : sequence of Invoice or EventLog
    as_of : date or aware datetime, optional
        Only what is known then: invoices issued later are left out
        (``issued_after_as_of``), payments made later are unknown (the
        invoice is ``missing_end``). ``None``: everything recorded.
    until : {"first_payment", "settlement"}
        End of the interval: the first *Payment Received* at or after the
        first *Invoice Generated* (default), or the settlement (the first
        *Invoice Settled*, or the payment at which the payments cover the
        amount, whichever comes first; see :class:`~kpicore.kpis._ledger.Ledger`).
    days : {"calendar", "business"}
        ``"calendar"``: exact elapsed days (ns / 86 400 s, float);
        ``"business"``: business days between the two calendar dates (in
        ``tz``), :func:`numpy.busday_count` semantics ``[start, end)``.
    holidays, weekmask
        Business-day calendar (see :func:`kpicore.periods.business_days_between`).
    by : str, callable or sequence, optional
        Split by a dimension (see :func:`kpicore.kpis._ledger.group_keys`).
    freq : {"day", "week", "month", "quarter", "year"}, optional
        Split by the period of the invoice's issue (``period_of="invoice"``)
        or of its payment/settlement (``"payment"``; invoices without one are
        in no period group but stay in the total).
    tz : tzinfo, optional
        Zone of a date ``as_of``, of periods and of business-day dates.
    customers : iterable or mapping of Customer, optional
        For ``by=`` on customer attributes.
    roles : Roles
        Which activities play "generated", "payment" and "settled".
    activity_map : mapping, optional
        Source label -> canonical activity (for invoices: the log built).
    percentiles : iterable of float
        Percentiles of the summaries.

    Returns
    -------
    InvoiceDays
        ``days`` per issued invoice (NaN without an end), ``summary``,
        ``coverage`` = ``used``, ``missing_end`` (not paid/settled as of
        ``as_of``: counted, never dropped), ``end_before_start`` (only
        payments before the issue, or settled before it), ``issued_after_as_of``,
        ``missing_start`` (no generated event), and ``groups``.

    Notes
    -----
    ``DSO_i = t(first Payment Received ≥ t0) − t0`` with ``t0`` the first
    *Invoice Generated* of invoice ``i`` (Celonis-style ``CALC_THROUGHPUT``
    from the first occurrence to the first end after it, as
    :meth:`EventLog.case_durations`); the summary averages over invoices
    [M3]_ (days to pay: invoice date to final payment). Codat counts only
    fully paid invoices [CODAT]_: use ``until="settlement"``. An end at the
    very instant of the issue counts (0 days).

    Examples
    --------
    >>> import datetime as dt
    >>> from kpicore.model import Invoice, Payment
    >>> from kpicore.money import Money
    >>> invs = [
    ...     Invoice("F-1", "C1", "2024-03-01", "2024-03-31", Money.of(100, "BRL"),
    ...             payments=[Payment("2024-03-11", Money.of(40, "BRL")),
    ...                       Payment("2024-03-21", Money.of(60, "BRL"))]),
    ...     Invoice("F-2", "C2", "2024-03-04", "2024-04-03", Money.of(50, "BRL"),
    ...             payments=[Payment("2024-03-08T12:00:00Z", Money.of(50, "BRL"))]),
    ...     Invoice("F-3", "C2", "2024-03-05", "2024-04-04", Money.of(70, "BRL")),
    ... ]
    >>> r = invoice_dso(invs)
    >>> r.to_mapping(), r.summary.mean, r.coverage["missing_end"]
    ({'F-1': 10.0, 'F-2': 4.5, 'F-3': None}, 7.25, 1)
    >>> invoice_dso(invs, until="settlement").to_mapping()["F-1"]
    20.0
    >>> invoice_dso(invs, days="business").to_mapping()["F-1"]  # Fri 1 to Mon 11 March
    6.0
    >>> invoice_dso(invs, as_of=dt.date(2024, 3, 3)).coverage["issued_after_as_of"]
    2
    """
    check_choice(until, "until", ("first_payment", "settlement"))
    check_choice(days, "days", ("calendar", "business"))
    check_choice(period_of, "period_of", ("invoice", "payment"))
    log, invoices = as_log_with_invoices(data, activity_map=activity_map)
    lg = ledger_at(log, None if as_of is None else as_of_ns(as_of, tz=tz), roles)
    if until == "first_payment":  # independent columns at once (kpicore.threads)
        p = lg.prepared
        run_all(
            [
                lambda: p.first_pay_ns,
                lambda: lg.issued_count,
                lambda: lg.has_due_date,
                lambda: (lg.has_amount, lg.has_currency),
                lambda: lg.payments_without_amount,
                lambda: p.first_after_issue_ns,
                lambda: lg.coverage,
            ],
            rows=log.n_events,
        )
    full = lg.all_issued  # then the population is every case: no gathers
    # the issued cases' codes, built only when read (every case: arange(n))
    ix = lg.issued_index if not full or by is not None or freq is not None else None

    def issued_only(values: _I64) -> _I64:
        return values if ix is None or full else values[ix]

    start = issued_only(lg.issued_ns)
    if until == "first_payment":
        end = issued_only(lg.first_payment_after_issue_ns)
        before = (end == MISSING) & (issued_only(lg.first_payment_ns) != MISSING)
    else:
        end = issued_only(lg.settled_ns)
        before = (end != MISSING) & (end < start)
        end = np.where(before, MISSING, end)
    has_end = end != MISSING
    unit = "days"
    if days == "calendar":
        # int64 differences (the int64 loop: exact), written as float64 into one array;
        # garbage where no end: masked
        values = np.empty(end.shape[0], dtype=np.float64)
        np.subtract(end, start, out=values, casting="unsafe")
        values /= _NS_PER_DAY_F
        np.putmask(values, ~has_end, np.nan)
    else:
        values = np.full(start.shape[0], np.nan)
        unit = "business days"
        s_day = to_day(start[has_end], tz=tz).view("datetime64[D]")
        e_day = to_day(end[has_end], tz=tz).view("datetime64[D]")
        values[has_end] = business_days_between_arrays(
            s_day, e_day, holidays=holidays, weekmask=weekmask
        ).astype(np.float64)
    cov = lg.coverage
    coverage = {
        "used": int(np.count_nonzero(has_end)),
        "missing_end": int(np.count_nonzero(~has_end & ~before)),
        "end_before_start": int(np.count_nonzero(before)),
        "issued_after_as_of": cov["issued_after_as_of"],
        "missing_start": cov["no_issue_event"],
    }
    when_all = None
    if freq is not None:
        when_all = np.full(lg.n, MISSING, dtype=np.int64)
        when_all[lg.issued_index] = start if period_of == "invoice" else end
    group = None if ix is None else grouping(
        data, log, ix, by=by, freq=freq, when=when_all, tz=tz, customers=customers,
        roles=roles, invoices=invoices,
    )  # fmt: skip
    metric = "days_to_first_payment" if until == "first_payment" else "days_to_settlement"
    return invoice_days(
        metric, unit, lg.case_ids if ix is None or full else lg.case_ids[ix], values, coverage,
        group,
        percentiles=percentiles,
    )  # fmt: skip


# ================================================================================ accounting


@attrs.frozen(repr=False)
class DSOFigure(Result):
    """Standard or best possible DSO of one currency.

    Attributes
    ----------
    currency : str
    dso : float or None
        None when there were no sales in the period (see ``sales``).
    receivables : Money
        The numerator: end (or average month-end) receivables; for the best
        possible DSO the current (not yet due) receivables.
    sales : Money
        Credit sales of the period (invoice amounts issued in it).
    days : float
        Days of the period (by the days basis).
    """

    currency: str
    dso: float | None
    receivables: Money
    sales: Money
    days: float

    def merge(self, other: DSOFigure) -> DSOFigure:
        """The figure of both invoice sets (disjoint): amounts added, DSO recomputed.

        Exact for end-of-period receivables (``receivables="end"``, or one
        month); :meth:`AccountingDSO.merge` refuses averaged month-end
        balances, whose rounded average cannot be added.

        Examples
        --------
        >>> a = DSOFigure("BRL", 30.0, Money.of(100, "BRL"), Money.of(300, "BRL"), 90.0)
        >>> b = DSOFigure("BRL", None, Money.of(50, "BRL"), Money.of(0, "BRL"), 90.0)
        >>> a.merge(b).dso  # 150 / 300 × 90
        45.0
        """
        _merge.check_type(self, other)
        code = _merge.same(self.currency, other.currency, "currencies")
        days = _merge.same(self.days, other.days, "period days")
        ar = self.receivables + other.receivables
        sales = self.sales + other.sales
        return DSOFigure(
            code, standard_dso_from_totals(ar.minor, sales.minor, days), ar, sales, days
        )


@attrs.frozen(repr=False)
class AccountingDSO(Result):
    """Result of :func:`standard_dso` and :func:`best_possible_dso`.

    Attributes
    ----------
    method : str
        ``"standard"`` or ``"best_possible"``.
    as_of : date
        Last day of the period.
    period_start : date
        First day of the period (``months`` months before ``as_of + 1 day``).
    months : int
    days_basis : str or int
        ``"actual"``, 360 or 365.
    receivables_basis : str
        ``"end"`` or ``"average"``.
    by_currency : Mapping[str, DSOFigure]
        One figure per currency (never mixed).
    coverage : Mapping[str, int]
        ``invoices`` (issued by ``as_of``), ``issued_after_as_of``,
        ``no_issue_event``, ``missing_amount``, ``missing_currency``,
        ``missing_due_date`` (left out of current receivables).
    groups : Breakdown of Mapping[str, DSOFigure] or None
        By ``by=``.
    """

    method: str
    as_of: _dt.date
    period_start: _dt.date
    months: int
    days_basis: str | int
    receivables_basis: str
    by_currency: Mapping[str, DSOFigure] = attrs.field(converter=freeze)
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    groups: Breakdown[Mapping[str, DSOFigure]] | None = None

    def merge(self, other: AccountingDSO) -> AccountingDSO:
        """The DSO of both invoice sets (disjoint), equal to that of their union.

        Receivables and sales are added per currency, the DSO recomputed
        from the sums (:func:`standard_dso_from_totals`), coverage added,
        groups merged key-wise.

        Raises
        ------
        InvalidParameterError
            For a different method, period, days basis or grouping, and for
            ``receivables="average"`` over more than one month: each result
            holds its average balance rounded to the minor unit, and the sum
            of rounded averages is not the rounded average of the sums.

        Examples
        --------
        >>> import datetime as dt
        >>> from kpicore.model import Invoice
        >>> a = [Invoice("F-1", "C1", "2024-03-01", "2024-03-31", Money.of(300, "BRL"))]
        >>> b = [Invoice("F-2", "C1", "2024-03-10", "2024-04-09", Money.of(600, "BRL"))]
        >>> d = dt.date(2024, 3, 31)
        >>> merged = standard_dso(a, as_of=d).merge(standard_dso(b, as_of=d))
        >>> merged == standard_dso(a + b, as_of=d)
        True
        """
        _merge.check_type(self, other)
        key = (self.method, self.as_of, self.period_start, self.months, self.days_basis)
        _merge.same(key, (other.method, other.as_of, other.period_start, other.months,
                          other.days_basis), "methods or periods")  # fmt: skip
        basis = _merge.same(self.receivables_basis, other.receivables_basis, "receivables")
        _check_additive(basis, self.months)
        return AccountingDSO(
            method=self.method,
            as_of=self.as_of,
            period_start=self.period_start,
            months=self.months,
            days_basis=self.days_basis,
            receivables_basis=basis,
            by_currency=_merge_figures(self.by_currency, other.by_currency),
            coverage=_merge.add_counts(self.coverage, other.coverage),
            groups=_merge.merge_groups(self.groups, other.groups, _merge_figures),
        )


def _check_additive(receivables_basis: str, months: int) -> None:
    if receivables_basis == "average" and months > 1:
        raise InvalidParameterError(
            f"cannot merge results with receivables='average' over {months} months: each "
            "holds its average month-end balance rounded to the minor unit, which does not "
            "add exactly; compute with receivables='end', or on the whole data"
        )


def _merge_figures(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """Per-currency figures merged with their own ``merge`` (currencies sorted)."""
    return _merge.merge_mapping(a, b, lambda x, y: x.merge(y))


class _Window:
    """The period of an accounting KPI: ``months`` months ending with day ``as_of``."""

    def __init__(self, as_of: _dt.date | _dt.datetime, months: int, tz: _dt.tzinfo | None):
        self.months = check_int(months, "months", 1)
        self.end_date = as_of_date(as_of, tz=tz)
        self.tz = tz
        after = self.end_date + _dt.timedelta(days=1)
        self.start_date = add_months(after, -self.months)
        self.start_ns = _start_ns(self.start_date, tz)
        self.end_ns = as_of_ns(self.end_date, tz=tz)
        self.actual_days = (after - self.start_date).days

    def days(self, basis: DaysBasis) -> float:
        if basis == "actual":
            return float(self.actual_days)
        if basis == 360:
            return 30.0 * self.months
        return 365.0 * self.months / 12.0

    def month_ends(self) -> list[_dt.date]:
        return [add_months(self.end_date, -k) for k in range(self.months)]


def _check_basis(days_basis: object) -> DaysBasis:
    check_choice(days_basis, "days_basis", ("actual", 360, 365))
    return days_basis  # type: ignore[return-value]


def _current_mask(lg: Ledger, as_of_day: int, current_within: int) -> _B:
    """Open invoices whose due date is at most ``current_within`` days past ``as_of_day``."""
    due = lg.due_days
    ok: _B = lg.has_due_date & ((as_of_day - due) <= current_within)
    return ok


def _sales_minor(lg: Ledger, start_ns: int, end_ns: int) -> tuple[_I64, _B]:
    """Per case: its amount when issued in ``[start_ns, end_ns)`` (else 0), and that mask."""
    inside: _B = (lg.issued_ns != MISSING) & (lg.issued_ns >= start_ns) & (lg.issued_ns < end_ns)
    inside &= lg.has_amount
    out: _I64 = np.where(inside, lg.amount_minor, 0)
    return out, inside


def _and(a: _B, mask: _B | None) -> _B:
    return a if mask is None else a & mask


def _accounting_coverage(lg: Ledger) -> dict[str, int]:
    cov = lg.coverage
    return {
        "invoices": cov["issued"],
        "issued_after_as_of": cov["issued_after_as_of"],
        "no_issue_event": cov["no_issue_event"],
        "missing_amount": cov["missing_amount"],
        "missing_currency": cov["missing_currency"],
        "missing_due_date": cov["missing_due_date"],
    }


def _split(
    data: InvoiceData,
    lg: Ledger,
    log: Any,
    invoices: Any,
    by: By,
    customers: Customers,
    roles: Roles,
    compute: Callable[[_B | None], Any],
) -> Breakdown[Any] | None:
    if by is None:
        return None
    all_ix = np.arange(lg.n, dtype=np.int64)
    group = grouping(
        data, log, all_ix, by=by, freq=None, when=None, customers=customers, roles=roles,
        invoices=invoices,
    )  # fmt: skip
    assert group is not None

    def one(ix: npt.NDArray[np.int64]) -> Any:
        mask = np.zeros(lg.n, dtype=bool)
        mask[ix] = True
        return compute(mask)

    return group.breakdown(one)


def _dso_figures(
    ars: Sequence[_I64],
    lgs: Sequence[Ledger],
    sales: _I64,
    sales_in: _B,
    days: float,
    mask: _B | None,
) -> dict[str, DSOFigure]:
    """Per currency: average of the receivables ``ars`` (one per ledger) and the DSO."""
    lg = lgs[0]
    sales_tot = lg.totals(sales, _and(sales_in, mask))
    ar_tots = [lgk.totals(ar, _and(lgk.is_issued, mask)) for ar, lgk in zip(ars, lgs, strict=True)]
    codes = sorted(set(sales_tot) | {c for t in ar_tots for c in t})
    out: dict[str, DSOFigure] = {}
    for code in codes:
        minors = [t[code].minor if code in t else 0 for t in ar_tots]
        s = sales_tot[code] if code in sales_tot else Money(0, code)
        avg_minor = sum(minors) / len(minors)
        dso = standard_dso_from_totals(avg_minor, s.minor, days)
        ar_money = Money(round(avg_minor), code) if len(minors) > 1 else Money(minors[0], code)
        out[code] = DSOFigure(code, dso, ar_money, s, days)
    return out


class _Accounting:
    """Receivables and sales of one window, shared by DSO, BPDSO and ADD."""

    def __init__(
        self,
        data: InvoiceData,
        *,
        as_of: _dt.date | _dt.datetime,
        months: int,
        days_basis: object,
        receivables: object,
        tz: _dt.tzinfo | None,
        roles: Roles,
        activity_map: Mapping[str, str] | None,
    ) -> None:
        self.basis = _check_basis(days_basis)
        check_choice(receivables, "receivables", ("end", "average"))
        self.receivables: Literal["end", "average"] = receivables  # type: ignore[assignment]
        self.win = _Window(as_of, months, tz)
        self.data = data
        self.log, self.invoices = as_log_with_invoices(data, activity_map=activity_map)
        self.ends = self.win.month_ends() if receivables == "average" else [self.win.end_date]
        self.lgs = [ledger_at(self.log, as_of_ns(d, tz=tz), roles) for d in self.ends]
        self.sales, self.sales_in = _sales_minor(self.lgs[0], self.win.start_ns, self.win.end_ns)
        self.days = self.win.days(self.basis)

    def ars(self, method: str, current_within: int) -> list[_I64]:
        if method == "standard":
            return [lgk.open_minor for lgk in self.lgs]
        return [
            np.where(_current_mask(lgk, _day(d), current_within), lgk.open_minor, 0)
            for lgk, d in zip(self.lgs, self.ends, strict=True)
        ]

    def result(
        self,
        method: str,
        current_within: int,
        by: By,
        customers: Customers,
        roles: Roles,
    ) -> AccountingDSO:
        ars = self.ars(method, current_within)

        def compute(mask: _B | None) -> dict[str, DSOFigure]:
            return _dso_figures(ars, self.lgs, self.sales, self.sales_in, self.days, mask)

        lg = self.lgs[0]
        return AccountingDSO(
            method=method,
            as_of=self.win.end_date,
            period_start=self.win.start_date,
            months=self.win.months,
            days_basis=self.basis,
            receivables_basis=self.receivables,
            by_currency=compute(None),
            coverage=_accounting_coverage(lg),
            groups=_split(self.data, lg, self.log, self.invoices, by, customers, roles, compute),
        )


def standard_dso(
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime,
    months: int = 3,
    days_basis: DaysBasis = "actual",
    receivables: Literal["end", "average"] = "end",
    by: By = None,
    tz: _dt.tzinfo | None = None,
    customers: Customers = None,
    roles: Roles = DEFAULT_ROLES,
    activity_map: Mapping[str, str] | None = None,
) -> AccountingDSO:
    """Standard DSO as of a date, per currency: receivables ÷ credit sales × days.

    Parameters
    ----------
    data : sequence of Invoice or EventLog
    as_of : date or aware datetime
        The period ends with this day (in ``tz``); receivables are those open
        at its end.
    months : int, default 3
        Length of the period: the ``months`` months ending with ``as_of``
        (calendar months when ``as_of`` is a month end).
    days_basis : {"actual", 360, 365}
        Days of the period: the actual calendar days, 30 per month (360-day
        year), or 365/12 per month [TT]_.
    receivables : {"end", "average"}
        Numerator: receivables at the end of the period, or the average of
        the ``months`` month-end balances (``as_of``, one month earlier, ...)
        as the CRF quarterly form [CRF]_.
    by : str, callable or sequence, optional
        Split by a dimension.
    tz : tzinfo, optional
        Calendar of ``as_of`` and of the period.
    customers, roles, activity_map
        See :func:`invoice_dso`.

    Returns
    -------
    AccountingDSO
        ``by_currency[c].dso`` (None when there were no sales in ``c``).

    Notes
    -----
    ``DSO = AR / credit sales × days`` [CGA]_. AR = sum of the open amounts
    (amount − payments, 0 once settled or written off) of invoices issued
    before the end of ``as_of``; credit sales = amounts of the invoices
    issued in the period (gross: credit notes, allowances and refunds are not
    netted; the sources disagree on this). Invoices without an amount or a
    currency are left out and counted in ``coverage``.

    Examples
    --------
    >>> import datetime as dt
    >>> from kpicore.model import Invoice, Payment
    >>> from kpicore.money import Money
    >>> invs = [Invoice("F-1", "C1", "2024-01-10", "2024-02-09", Money.of(300, "BRL"),
    ...                 payments=[Payment("2024-02-01", Money.of(300, "BRL"))]),
    ...         Invoice("F-2", "C1", "2024-03-10", "2024-04-09", Money.of(600, "BRL"))]
    >>> r = standard_dso(invs, as_of=dt.date(2024, 3, 31), months=3, days_basis=360)
    >>> f = r.by_currency["BRL"]
    >>> str(f.receivables), str(f.sales), f.days, f.dso  # 600 / 900 × 90
    ('BRL 600.00', 'BRL 900.00', 90.0, 60.0)
    """
    acc = _Accounting(
        data, as_of=as_of, months=months, days_basis=days_basis, receivables=receivables,
        tz=tz, roles=roles, activity_map=activity_map,
    )  # fmt: skip
    return acc.result("standard", 0, by, customers, roles)


def best_possible_dso(
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime,
    months: int = 3,
    days_basis: DaysBasis = "actual",
    receivables: Literal["end", "average"] = "end",
    current_within: int = 0,
    by: By = None,
    tz: _dt.tzinfo | None = None,
    customers: Customers = None,
    roles: Roles = DEFAULT_ROLES,
    activity_map: Mapping[str, str] | None = None,
) -> AccountingDSO:
    """Best possible DSO: the standard DSO with current receivables as numerator.

    Parameters
    ----------
    current_within : int, default 0
        An open invoice is *current* when ``as_of − due date ≤ current_within``
        days: 0 = not yet past due [CRF]_ [HACK]_; 30 [VCALC]_ or 60 [GAV]_ for the
        looser readings (disagreement 3). Invoices without a due date are not
        current (counted in ``coverage["missing_due_date"]``).
    data, as_of, months, days_basis, receivables, by, tz, customers, roles, activity_map
        As in :func:`standard_dso`.

    Returns
    -------
    AccountingDSO
        ``method="best_possible"``; ``receivables`` are the current ones.

    Notes
    -----
    ``BPDSO = current AR / credit sales × days`` [CGA]_ [HACK]_. An invoice due
    on ``as_of`` itself is current.

    Examples
    --------
    >>> import datetime as dt
    >>> from kpicore.model import Invoice
    >>> from kpicore.money import Money
    >>> invs = [Invoice("F-1", "C1", "2024-01-10", "2024-02-09", Money.of(300, "BRL")),
    ...         Invoice("F-2", "C1", "2024-03-10", "2024-04-09", Money.of(600, "BRL"))]
    >>> f = best_possible_dso(invs, as_of=dt.date(2024, 3, 31), days_basis=360).by_currency["BRL"]
    >>> str(f.receivables), f.dso  # only F-2 is not yet due: 600 / 900 × 90
    ('BRL 600.00', 60.0)
    """
    current_within = check_int(current_within, "current_within", 0)
    acc = _Accounting(
        data, as_of=as_of, months=months, days_basis=days_basis, receivables=receivables,
        tz=tz, roles=roles, activity_map=activity_map,
    )  # fmt: skip
    return acc.result("best_possible", current_within, by, customers, roles)


@attrs.frozen(repr=False)
class DelinquencyFigure(Result):
    """Average days delinquent of one currency.

    Attributes
    ----------
    currency : str
    dso, best_possible_dso : float or None
    average_days_delinquent : float or None
        ``dso − best_possible_dso`` (None when either is None).
    receivables, current_receivables, sales : Money
    """

    currency: str
    dso: float | None
    best_possible_dso: float | None
    average_days_delinquent: float | None
    receivables: Money
    current_receivables: Money
    sales: Money


@attrs.frozen(repr=False)
class AverageDaysDelinquent(Result):
    """Result of :func:`average_days_delinquent` (fields as in :class:`AccountingDSO`)."""

    as_of: _dt.date
    period_start: _dt.date
    months: int
    days_basis: str | int
    receivables_basis: str
    days: float
    by_currency: Mapping[str, DelinquencyFigure] = attrs.field(converter=freeze)
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    groups: Breakdown[Mapping[str, DelinquencyFigure]] | None = None

    def merge(self, other: AverageDaysDelinquent) -> AverageDaysDelinquent:
        """ADD of both invoice sets (disjoint): amounts added, DSO, BPDSO and ADD recomputed.

        Raises
        ------
        InvalidParameterError
            As :meth:`AccountingDSO.merge` (different periods or groupings,
            averaged receivables over several months).

        Examples
        --------
        >>> import datetime as dt
        >>> from kpicore.model import Invoice
        >>> a = [Invoice("F-1", "C1", "2024-01-10", "2024-02-09", Money.of(300, "BRL"))]
        >>> b = [Invoice("F-2", "C1", "2024-03-10", "2024-04-09", Money.of(600, "BRL"))]
        >>> d = dt.date(2024, 3, 31)
        >>> m = average_days_delinquent(a, as_of=d).merge(average_days_delinquent(b, as_of=d))
        >>> m == average_days_delinquent(a + b, as_of=d)
        True
        """
        _merge.check_type(self, other)
        key = (self.as_of, self.period_start, self.months, self.days_basis, self.days)
        _merge.same(key, (other.as_of, other.period_start, other.months, other.days_basis,
                          other.days), "periods")  # fmt: skip
        basis = _merge.same(self.receivables_basis, other.receivables_basis, "receivables")
        _check_additive(basis, self.months)
        days = self.days

        def figures(
            a: Mapping[str, DelinquencyFigure], b: Mapping[str, DelinquencyFigure]
        ) -> dict[str, DelinquencyFigure]:
            return _merge.merge_mapping(a, b, lambda x, y: _merge_delinquency(x, y, days))

        return AverageDaysDelinquent(
            as_of=self.as_of,
            period_start=self.period_start,
            months=self.months,
            days_basis=self.days_basis,
            receivables_basis=basis,
            days=days,
            by_currency=figures(self.by_currency, other.by_currency),
            coverage=_merge.add_counts(self.coverage, other.coverage),
            groups=_merge.merge_groups(self.groups, other.groups, figures),
        )


def _merge_delinquency(
    a: DelinquencyFigure, b: DelinquencyFigure, days: float
) -> DelinquencyFigure:
    code = _merge.same(a.currency, b.currency, "currencies")
    ar, cur, sales = (
        a.receivables + b.receivables,
        a.current_receivables + b.current_receivables,
        a.sales + b.sales,
    )
    dso = standard_dso_from_totals(ar.minor, sales.minor, days)
    best = best_possible_dso_from_totals(cur.minor, sales.minor, days)
    add = None
    if dso is not None and best is not None:
        add = average_days_delinquent_from_totals(dso, best)
    return DelinquencyFigure(code, dso, best, add, ar, cur, sales)


def _add_figures(total: AccountingDSO, best: AccountingDSO) -> dict[str, DelinquencyFigure]:
    return _merge_add(total.by_currency, best.by_currency)


def _merge_add(
    tot: Mapping[str, DSOFigure], bp: Mapping[str, DSOFigure]
) -> dict[str, DelinquencyFigure]:
    out: dict[str, DelinquencyFigure] = {}
    for code, f in tot.items():
        b = bp.get(code)
        b_dso = None if b is None else b.dso
        cur = Money(0, code) if b is None else b.receivables
        if b is None and f.dso is not None:
            b_dso = 0.0
        add = None
        if f.dso is not None and b_dso is not None:
            add = average_days_delinquent_from_totals(f.dso, b_dso)
        out[code] = DelinquencyFigure(code, f.dso, b_dso, add, f.receivables, cur, f.sales)
    return out


def average_days_delinquent(
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime,
    months: int = 3,
    days_basis: DaysBasis = "actual",
    receivables: Literal["end", "average"] = "end",
    current_within: int = 0,
    by: By = None,
    tz: _dt.tzinfo | None = None,
    customers: Customers = None,
    roles: Roles = DEFAULT_ROLES,
    activity_map: Mapping[str, str] | None = None,
) -> AverageDaysDelinquent:
    """Average days delinquent (ADD): standard DSO − best possible DSO, per currency.

    Parameters are those of :func:`best_possible_dso`.

    Returns
    -------
    AverageDaysDelinquent

    Notes
    -----
    ``ADD = DSO − BPDSO = past-due AR / credit sales × days`` [CGA]_; JD
    Edwards' Delinquent DSO [JDE]_.

    Examples
    --------
    >>> import datetime as dt
    >>> from kpicore.model import Invoice
    >>> from kpicore.money import Money
    >>> invs = [Invoice("F-1", "C1", "2024-01-10", "2024-02-09", Money.of(300, "BRL")),
    ...         Invoice("F-2", "C1", "2024-03-10", "2024-04-09", Money.of(600, "BRL"))]
    >>> f = average_days_delinquent(invs, as_of=dt.date(2024, 3, 31),
    ...                             days_basis=360).by_currency["BRL"]
    >>> f.dso, f.best_possible_dso, f.average_days_delinquent  # 900/900×90, 600/900×90
    (90.0, 60.0, 30.0)
    """
    current_within = check_int(current_within, "current_within", 0)
    acc = _Accounting(
        data, as_of=as_of, months=months, days_basis=days_basis, receivables=receivables,
        tz=tz, roles=roles, activity_map=activity_map,
    )  # fmt: skip
    total = acc.result("standard", 0, by, customers, roles)
    best = acc.result("best_possible", current_within, by, customers, roles)
    groups: Breakdown[Mapping[str, DelinquencyFigure]] | None = None
    if total.groups is not None and best.groups is not None:
        groups = Breakdown(
            by=total.groups.by,
            freq=None,
            groups={k: _merge_add(v, best.groups[k]) for k, v in total.groups.items()},
        )
    return AverageDaysDelinquent(
        as_of=total.as_of,
        period_start=total.period_start,
        months=total.months,
        days_basis=total.days_basis,
        receivables_basis=total.receivables_basis,
        days=acc.days,
        by_currency=_add_figures(total, best),
        coverage=total.coverage,
        groups=groups,
    )


@attrs.frozen(repr=False)
class CountbackFigure(Result):
    """Countback DSO of one currency.

    Attributes
    ----------
    currency : str
    dso : float or None
        Days of sales in the receivables; None when they cannot be
        determined (``reason``), never a lower bound.
    receivables : Money
    monthly_sales : tuple of Money
        Sales of the months walked, **oldest first**, ending with the current
        month (the order of :func:`countback_dso_from_totals`).
    month_days : tuple of float
        Days counted for each of those months, same order.
    months_used : int
        Months the walk consumed (fully or in part).
    history_exhausted : bool
        The receivables exceed the sales of every month available (the
        history back to the first invoice, or ``max_months``): ``dso`` is
        None.
    reason : str or None
        Why ``dso`` is None: ``"history_exhausted"`` or
        ``"month_without_sales"`` (the walk reached a month with sales ≤ 0,
        older months have sales); None when ``dso`` is a number.
    """

    currency: str
    dso: float | None
    receivables: Money
    monthly_sales: tuple[Money, ...]
    month_days: tuple[float, ...]
    months_used: int
    history_exhausted: bool
    reason: str | None = None


@attrs.frozen(repr=False)
class CountbackDSO(Result):
    """Result of :func:`countback_dso`.

    Attributes
    ----------
    as_of : date
    max_months : int or None
        The limit asked for (None: the whole history).
    months_available : int
        Months of sales the walk could use: back to the month of the first
        invoice issued, or ``max_months``.
    days_basis : str or int
        ``"actual"`` (days of each month) or 360 (30-day months).
    by_currency : Mapping[str, CountbackFigure]
    coverage : Mapping[str, int]
        As :class:`AccountingDSO`; ``undetermined`` counts the currencies
        whose DSO is None.
    groups : Breakdown of Mapping[str, CountbackFigure] or None
    """

    as_of: _dt.date
    max_months: int | None
    months_available: int
    days_basis: str | int
    by_currency: Mapping[str, CountbackFigure] = attrs.field(converter=freeze)
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    groups: Breakdown[Mapping[str, CountbackFigure]] | None = None


def _history_months(lg: Ledger, after: _dt.date, end_ns: int, tz: _dt.tzinfo | None) -> int:
    """Months ``k`` so that ``[after − k months, after)`` holds every invoice issued by the end."""
    issued = lg.issued_ns
    ok = (issued != MISSING) & (issued <= end_ns) & lg.has_amount
    if not bool(ok.any()):
        return 1
    first = _dt.date.fromordinal(
        _EPOCH.toordinal() + int(to_day(np.array([issued[ok].min()]), tz=tz)[0])
    )
    n = (after.year - first.year) * 12 + (after.month - first.month) + 1
    while n > 1 and add_months(after, -(n - 1)) <= first:
        n -= 1
    return n


def countback_dso(
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime,
    max_months: int | None = None,
    days_basis: Literal["actual", 360] = "actual",
    by: By = None,
    tz: _dt.tzinfo | None = None,
    customers: Customers = None,
    roles: Roles = DEFAULT_ROLES,
    activity_map: Mapping[str, str] | None = None,
) -> CountbackDSO:
    """Countback (exhaustion) DSO as of a date, per currency.

    Parameters
    ----------
    data : sequence of Invoice or EventLog
    as_of : date or aware datetime
        End of the current month (any day: months are the rolling windows
        ending with it).
    max_months : int, optional
        How far back the walk may go. Default None: the whole history, back
        to the month of the first invoice issued; with a limit, receivables
        that the limited history cannot explain give ``dso=None`` with
        ``reason="history_exhausted"`` (never a truncated number).
    days_basis : {"actual", 360}, default "actual"
        Calendar days of each month [HFM]_ [ANA]_ (the convention, shared with
        :func:`countback_dso_from_totals`), or 30-day months [BENJI]_ [HIGH]_.
    by, tz, customers, roles, activity_map
        See :func:`standard_dso`.

    Returns
    -------
    CountbackDSO
        ``by_currency[c].dso`` is None (with ``reason``) when it cannot be
        determined.

    Raises
    ------
    InvalidParameterError
        For ``max_months`` not an int ≥ 1, an unknown ``days_basis``, or a
        naive ``as_of`` without ``tz``.

    Notes
    -----
    See :func:`countback_dso_from_totals` (same walk, same conventions:
    months oldest first in the result, calendar days): receivables at the
    end of ``as_of``; the sales of month ``k`` (``k = 0`` the current one)
    are the amounts of invoices issued in ``[as_of + 1 day − (k+1) months,
    as_of + 1 day − k months)``.

    Examples
    --------
    >>> import datetime as dt
    >>> from kpicore.model import Invoice
    >>> from kpicore.money import Money
    >>> invs = [Invoice("F-1", "C1", "2024-02-10", "2024-03-10", Money.of(400, "BRL")),
    ...         Invoice("F-2", "C1", "2024-03-10", "2024-04-09", Money.of(200, "BRL"))]
    >>> f = countback_dso(invs, as_of=dt.date(2024, 3, 31)).by_currency["BRL"]
    >>> f.dso, f.months_used  # March (31 d) + 400/400 of February (29 d)
    (60.0, 2)
    >>> f = countback_dso(invs, as_of=dt.date(2024, 3, 31), max_months=1).by_currency["BRL"]
    >>> f.dso, f.reason  # 600 open, 200 sold in March: one month cannot explain it
    (None, 'history_exhausted')
    """
    check_choice(days_basis, "days_basis", ("actual", 360))
    if max_months is not None:
        max_months = check_int(max_months, "max_months", 1)
    end_date = as_of_date(as_of, tz=tz)
    after = end_date + _dt.timedelta(days=1)
    log, invoices = as_log_with_invoices(data, activity_map=activity_map)
    end_ns = as_of_ns(end_date, tz=tz)
    lg = ledger_at(log, end_ns, roles)
    n_months = _history_months(lg, after, end_ns, tz) if max_months is None else max_months
    bounds = [add_months(after, -k) for k in range(n_months + 1)]
    bound_ns = np.array([_start_ns(b, tz) for b in bounds], dtype=np.int64)
    month_days = [
        float((bounds[k] - bounds[k + 1]).days) if days_basis == "actual" else 30.0
        for k in range(n_months)
    ]
    # month of issue: k such that bounds[k+1] <= issue < bounds[k] (bound_ns descending)
    issued = lg.issued_ns
    k_of = np.searchsorted(-bound_ns, -issued, side="left") - 1
    in_hist = (issued != MISSING) & (k_of >= 0) & (k_of < n_months) & lg.has_amount
    k_of = np.where(in_hist, k_of, 0)

    def compute(mask: _B | None) -> dict[str, CountbackFigure]:
        sel = in_hist if mask is None else in_hist & mask
        ar_tot = lg.totals(lg.open_minor, _and(lg.is_issued, mask))
        out: dict[str, CountbackFigure] = {}
        codes = sorted(set(ar_tot) | set(lg.counts_by_currency(sel)))
        for code in codes:
            ci = lg.currencies.index(code)
            csel = sel & (lg.currency_code == ci)
            sales_k = np.zeros(n_months, dtype=np.int64)
            np.add.at(sales_k, k_of[csel], lg.amount_minor[csel])
            ar = ar_tot[code] if code in ar_tot else Money(0, code)
            walk = _countback(float(ar.minor), [float(v) for v in sales_k.tolist()], month_days)
            walked = min(max(walk.months_used, 1), n_months)
            out[code] = CountbackFigure(
                currency=code,
                dso=walk.dso,
                receivables=ar,
                monthly_sales=tuple(Money(int(v), code) for v in sales_k[:walked][::-1].tolist()),
                month_days=tuple(month_days[:walked][::-1]),
                months_used=walk.months_used,
                history_exhausted=walk.reason == "history_exhausted",
                reason=walk.reason,
            )
        return out

    by_currency = compute(None)
    coverage = _accounting_coverage(lg)
    coverage["undetermined"] = sum(f.dso is None for f in by_currency.values())
    return CountbackDSO(
        as_of=end_date,
        max_months=max_months,
        months_available=n_months,
        days_basis=days_basis,
        by_currency=by_currency,
        coverage=coverage,
        groups=_split(data, lg, log, invoices, by, customers, roles, compute),
    )


@attrs.frozen(repr=False)
class EffectivenessFigure(Result):
    """CEI of one currency.

    Attributes
    ----------
    currency : str
    cei : float or None
        Percent; None when ``begin + S − end current ≤ 0``.
    begin_receivables, sales, end_receivables, end_current_receivables : Money
        ``sales`` are the period's full credit sales (divided by ``months``
        inside the formula when ``sales_basis="per_month"``).
    """

    currency: str
    cei: float | None
    begin_receivables: Money
    sales: Money
    end_receivables: Money
    end_current_receivables: Money


@attrs.frozen(repr=False)
class CollectionEffectiveness(Result):
    """Result of :func:`collection_effectiveness_index`.

    Attributes
    ----------
    as_of, period_start : date
    months : int
    sales_basis : str
        ``"per_month"`` or ``"full"``.
    current_within : int
    by_currency : Mapping[str, EffectivenessFigure]
    coverage : Mapping[str, int]
    groups : Breakdown of Mapping[str, EffectivenessFigure] or None
    """

    as_of: _dt.date
    period_start: _dt.date
    months: int
    sales_basis: str
    current_within: int
    by_currency: Mapping[str, EffectivenessFigure] = attrs.field(converter=freeze)
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    groups: Breakdown[Mapping[str, EffectivenessFigure]] | None = None

    def merge(self, other: CollectionEffectiveness) -> CollectionEffectiveness:
        """CEI of both invoice sets (disjoint): the four amounts added, CEI recomputed.

        Raises
        ------
        InvalidParameterError
            For a different period, sales basis, ``current_within`` or grouping.

        Examples
        --------
        >>> import datetime as dt
        >>> from kpicore.model import Invoice, Payment
        >>> a = [Invoice("F-1", "C1", "2024-01-10", "2024-02-09", Money.of(300, "BRL"),
        ...              payments=[Payment("2024-02-01", Money.of(300, "BRL"))])]
        >>> b = [Invoice("F-2", "C1", "2024-03-10", "2024-03-20", Money.of(600, "BRL"))]
        >>> d = dt.date(2024, 3, 31)
        >>> m = collection_effectiveness_index(a, as_of=d, sales_basis="full").merge(
        ...     collection_effectiveness_index(b, as_of=d, sales_basis="full"))
        >>> whole = collection_effectiveness_index(a + b, as_of=d, sales_basis="full")
        >>> m == whole, round(m.by_currency["BRL"].cei, 2)  # (0 + 900 − 600) / (0 + 900 − 0)
        (True, 33.33)
        """
        _merge.check_type(self, other)
        key = (self.as_of, self.period_start, self.months, self.sales_basis, self.current_within)
        _merge.same(key, (other.as_of, other.period_start, other.months, other.sales_basis,
                          other.current_within), "periods or options")  # fmt: skip
        basis: SalesBasis = "per_month" if self.sales_basis == "per_month" else "full"

        def figures(
            a: Mapping[str, EffectivenessFigure], b: Mapping[str, EffectivenessFigure]
        ) -> dict[str, EffectivenessFigure]:
            return _merge.merge_mapping(
                a, b, lambda x, y: _merge_effectiveness(x, y, self.months, basis)
            )

        return CollectionEffectiveness(
            as_of=self.as_of,
            period_start=self.period_start,
            months=self.months,
            sales_basis=self.sales_basis,
            current_within=self.current_within,
            by_currency=figures(self.by_currency, other.by_currency),
            coverage=_merge.add_counts(self.coverage, other.coverage),
            groups=_merge.merge_groups(self.groups, other.groups, figures),
        )


def _merge_effectiveness(
    a: EffectivenessFigure, b: EffectivenessFigure, months: int, basis: SalesBasis
) -> EffectivenessFigure:
    code = _merge.same(a.currency, b.currency, "currencies")
    beg, sales = a.begin_receivables + b.begin_receivables, a.sales + b.sales
    end, cur = (
        a.end_receivables + b.end_receivables,
        a.end_current_receivables + b.end_current_receivables,
    )
    cei = cei_from_totals(
        beg.minor, sales.minor, end.minor, cur.minor, months=months, sales_basis=basis
    )
    return EffectivenessFigure(code, cei, beg, sales, end, cur)


def collection_effectiveness_index(
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime,
    months: int = 3,
    sales_basis: SalesBasis = "per_month",
    current_within: int = 0,
    by: By = None,
    tz: _dt.tzinfo | None = None,
    customers: Customers = None,
    roles: Roles = DEFAULT_ROLES,
    activity_map: Mapping[str, str] | None = None,
) -> CollectionEffectiveness:
    """Collection Effectiveness Index over the ``months`` months ending with ``as_of``.

    Parameters
    ----------
    data : sequence of Invoice or EventLog
    as_of : date or aware datetime
        Last day of the period.
    months : int, default 3
    sales_basis : {"per_month", "full"}, default "per_month"
        ``S`` = the period's credit sales ÷ ``months`` [CRF]_ [CGC]_ [ORAC]_, or the
        full period's sales [WIZ]_; the same parameter and default as
        :func:`cei_from_totals` (kpicore's convention: the monthly form).
    current_within : int, default 0
        Days past due still counted as current (see :func:`best_possible_dso`).
    by, tz, customers, roles, activity_map
        See :func:`standard_dso`.

    Returns
    -------
    CollectionEffectiveness

    Notes
    -----
    ``CEI = (BegAR + S − EndTotalAR) / (BegAR + S − EndCurrentAR) × 100``
    (:func:`cei_from_totals`). BegAR = receivables open at the start of the
    period (its first day, 00:00), EndTotalAR / EndCurrentAR = all / current
    receivables at the end of ``as_of``; sales = amounts of the invoices
    issued in the period.

    Examples
    --------
    >>> import datetime as dt
    >>> from kpicore.model import Invoice, Payment
    >>> from kpicore.money import Money
    >>> invs = [Invoice("F-1", "C1", "2023-12-10", "2024-01-09", Money.of(300, "BRL"),
    ...                 payments=[Payment("2024-01-05", Money.of(300, "BRL"))]),
    ...         Invoice("F-2", "C1", "2024-01-10", "2024-02-09", Money.of(600, "BRL"),
    ...                 payments=[Payment("2024-02-20", Money.of(600, "BRL"))]),
    ...         Invoice("F-3", "C1", "2024-03-10", "2024-04-09", Money.of(300, "BRL"))]
    >>> f = collection_effectiveness_index(invs, as_of=dt.date(2024, 3, 31),
    ...                                    sales_basis="full").by_currency["BRL"]
    >>> f.cei  # (300 + 900 − 300) / (300 + 900 − 300) × 100
    100.0
    """
    check_choice(sales_basis, "sales_basis", ("per_month", "full"))
    current_within = check_int(current_within, "current_within", 0)
    win = _Window(as_of, months, tz)
    log, invoices = as_log_with_invoices(data, activity_map=activity_map)
    beg = ledger_at(log, win.start_ns, roles)
    end = ledger_at(log, win.end_ns, roles)
    sales, sales_in = _sales_minor(end, win.start_ns, win.end_ns)
    current = np.where(_current_mask(end, _day(win.end_date), current_within), end.open_minor, 0)

    def compute(mask: _B | None) -> dict[str, EffectivenessFigure]:
        b = beg.totals(beg.open_minor, _and(beg.is_issued, mask))
        s = end.totals(sales, _and(sales_in, mask))
        e = end.totals(end.open_minor, _and(end.is_issued, mask))
        c = end.totals(current, _and(end.is_issued, mask))
        out: dict[str, EffectivenessFigure] = {}
        for code in sorted(set(b) | set(s) | set(e)):
            zero = Money(0, code)
            bm, sm, em, cm = (t.get(code, zero) for t in (b, s, e, c))
            cei = cei_from_totals(
                bm.minor, sm.minor, em.minor, cm.minor, months=win.months, sales_basis=sales_basis
            )
            out[code] = EffectivenessFigure(code, cei, bm, sm, em, cm)
        return out

    return CollectionEffectiveness(
        as_of=win.end_date,
        period_start=win.start_date,
        months=win.months,
        sales_basis=sales_basis,
        current_within=current_within,
        by_currency=compute(None),
        coverage=_accounting_coverage(end),
        groups=_split(data, end, log, invoices, by, customers, roles, compute),
    )


# ================================================================================ timing


@attrs.frozen(repr=False)
class TimingFigure(Result):
    """Payment timing of the settled invoices of one currency.

    Attributes
    ----------
    currency : str
    count : int
        Settled invoices.
    average_days_late : float or None
        Unweighted mean of the days late.
    weighted_average_days_late : float or None
        WADL: ``Σ(w × days late) / Σ w``.
    weighted_average_terms : float or None
        WAT: ``Σ(w × (due − issue)) / Σ w``.
    weighted_average_days_to_pay : float or None
        WADP = WAT + WADL (Oracle's definition).
    average_days_to_pay : float or None
        Unweighted mean of settled date − issue date.
    weighted_days_to_pay : float or None
        ``Σ(w × days to pay) / Σ w`` [SNOW]_. Equal to WADP when days late
        are signed.
    weight_total : Money or None
        ``Σ w`` (None for ``weight="none"``).
    """

    currency: str
    count: int
    average_days_late: float | None
    weighted_average_days_late: float | None
    weighted_average_terms: float | None
    weighted_average_days_to_pay: float | None
    average_days_to_pay: float | None
    weighted_days_to_pay: float | None
    weight_total: Money | None


@attrs.frozen(repr=False)
class PaymentTiming(Result):
    """Result of :func:`payment_timing`.

    Attributes
    ----------
    weight : str
    signed : bool
    by_currency : Mapping[str, TimingFigure]
    coverage : Mapping[str, int]
        ``used`` (settled by ``as_of`` with a due date and an amount),
        ``not_settled``, ``written_off``, ``missing_due_date``,
        ``missing_amount``, ``issued_after_as_of``, ``no_issue_event``.
    groups : Breakdown of Mapping[str, TimingFigure] or None
    """

    weight: str
    signed: bool
    by_currency: Mapping[str, TimingFigure] = attrs.field(converter=freeze)
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    groups: Breakdown[Mapping[str, TimingFigure]] | None = None


def payment_timing(
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime | None = None,
    weight: Literal["invoice_amount", "paid_amount", "none"] = "invoice_amount",
    signed: bool = False,
    by: By = None,
    freq: Freq | None = None,
    tz: _dt.tzinfo | None = None,
    customers: Customers = None,
    roles: Roles = DEFAULT_ROLES,
    activity_map: Mapping[str, str] | None = None,
) -> PaymentTiming:
    """Average and weighted average days late (WADL), terms (WAT) and days to pay (WADP).

    Parameters
    ----------
    data : sequence of Invoice or EventLog
    as_of : date or aware datetime, optional
        Invoices settled before it (None: all settled invoices).
    weight : {"invoice_amount", "paid_amount", "none"}
        Weights: the invoice amount [SNOW]_ [ORAC]_, the amount paid (as of
        ``as_of``, overpayments included) [CODAT]_ [JDEA]_, or 1 per invoice.
    signed : bool, default False
        Days late as ``settled − due`` with negatives for early payment
        [JDEA]_; default clamped at 0 [DATA]_ (disagreement 6).
    by : optional
        Split by a dimension; ``freq`` splits by the settlement period.
    freq : {"day", "week", "month", "quarter", "year"}, optional
    tz : tzinfo, optional
        Calendar dates of issue and settlement (UTC by default).
    customers, roles, activity_map
        See :func:`invoice_dso`.

    Returns
    -------
    PaymentTiming

    Notes
    -----
    Population: fully paid (settled) invoices [CODAT]_ [JDEA]_ (disagreement 8);
    written-off ones are left out and counted. Days are calendar days between
    dates (the settlement instant's date in ``tz`` and the due / issue date).
    ``WADL = Σ(w × days late)/Σ w``, ``WAT = Σ(w × terms)/Σ w``,
    ``WADP = WAT + WADL`` [ORAC]_ [PSH]_. Weights are money, so every figure is
    per currency.

    Examples
    --------
    The PeopleSoft example: 1,000 two days late, 2,000 five, 3,000 four.

    >>> from kpicore.model import Invoice, Payment
    >>> from kpicore.money import Money
    >>> def inv(n, amount, late):
    ...     return Invoice(n, "C", "2024-01-01", "2024-01-31", Money.of(amount, "USD"),
    ...                    payments=[Payment(f"2024-02-{late:02d}", Money.of(amount, "USD"))])
    >>> t = payment_timing([inv("A", 1000, 2), inv("B", 2000, 5), inv("C", 3000, 4)])
    >>> f = t.by_currency["USD"]
    >>> round(f.average_days_late, 2), f.weighted_average_days_late, f.weighted_average_terms
    (3.67, 4.0, 30.0)
    """
    check_choice(weight, "weight", ("invoice_amount", "paid_amount", "none"))
    if not isinstance(signed, bool):
        raise InvalidParameterError(f"signed must be True or False, got {signed!r}")
    log, invoices = as_log_with_invoices(data, activity_map=activity_map)
    lg = ledger_at(log, None if as_of is None else as_of_ns(as_of, tz=tz), roles)
    issued = lg.is_issued
    settled = issued & lg.is_settled & ~lg.is_written_off
    usable = settled & lg.has_due_date & lg.has_amount & lg.has_currency
    ix = np.flatnonzero(usable).astype(np.int64, copy=False)
    s_day = to_day(lg.settled_ns[ix], tz=tz)
    i_day = to_day(lg.issued_ns[ix], tz=tz)
    due = lg.due_days[ix]
    late = (s_day - due).astype(np.float64)
    if not signed:
        late = np.maximum(late, 0.0)
    terms = (due - i_day).astype(np.float64)
    to_pay = (s_day - i_day).astype(np.float64)
    if weight == "invoice_amount":
        w_minor = lg.amount_minor[ix]
    elif weight == "paid_amount":
        w_minor = lg.paid_minor[ix]
    else:
        w_minor = np.ones(ix.shape[0], dtype=np.int64)
    codes = lg.currency_code[ix]

    def compute(sub: npt.NDArray[np.int64] | None) -> dict[str, TimingFigure]:
        out: dict[str, TimingFigure] = {}
        sel_all = np.arange(ix.shape[0]) if sub is None else sub
        for k in sorted(range(len(lg.currencies)), key=lambda j: lg.currencies[j]):
            code = lg.currencies[k]
            sel = sel_all[codes[sel_all] == k]
            if sel.shape[0] == 0:
                continue
            w = w_minor[sel].astype(np.float64)
            wadl = weighted_average_days(late[sel], w)
            wat = weighted_average_days(terms[sel], w)
            out[code] = TimingFigure(
                currency=code,
                count=int(sel.shape[0]),
                average_days_late=average_days(late[sel]),
                weighted_average_days_late=wadl,
                weighted_average_terms=wat,
                weighted_average_days_to_pay=(None if wadl is None or wat is None else wat + wadl),
                average_days_to_pay=average_days(to_pay[sel]),
                weighted_days_to_pay=weighted_average_days(to_pay[sel], w),
                weight_total=(None if weight == "none" else Money(int(w_minor[sel].sum()), code)),
            )
        return out

    when = None
    if freq is not None:
        when = np.full(lg.n, MISSING, dtype=np.int64)
        when[ix] = lg.settled_ns[ix]
    group = grouping(
        data, log, ix, by=by, freq=freq, when=when, tz=tz, customers=customers, roles=roles,
        invoices=invoices,
    )  # fmt: skip
    cov = lg.coverage
    coverage = {
        "used": int(ix.shape[0]),
        "not_settled": int(np.count_nonzero(issued & ~lg.is_settled & ~lg.is_written_off)),
        "written_off": int(np.count_nonzero(issued & lg.is_written_off)),
        "missing_due_date": int(np.count_nonzero(settled & ~lg.has_due_date)),
        "missing_amount": int(np.count_nonzero(settled & lg.has_due_date & ~lg.has_amount)),
        "missing_currency": int(
            np.count_nonzero(settled & lg.has_due_date & lg.has_amount & ~lg.has_currency)
        ),
        "issued_after_as_of": cov["issued_after_as_of"],
        "no_issue_event": cov["no_issue_event"],
    }
    return PaymentTiming(
        weight=weight,
        signed=signed,
        by_currency=compute(None),
        coverage=coverage,
        groups=None if group is None else group.breakdown(compute),
    )
