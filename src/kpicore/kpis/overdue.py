"""Overdue invoices: days overdue, days late, days to settle, aging and past-due ratio.

Functions
---------
:func:`days_overdue`
    Per invoice, calendar days past due as of a date (0 when not yet due,
    paid or written off).
:func:`days_late`
    Per settled invoice, days from the due date to the settlement date
    (clamped at 0, or signed).
:func:`days_to_settle`
    Per settled invoice, days from the issue date to the settlement date.
:func:`aging`
    Open amount and count per age bucket (current / 1–30 / 31–60 / 61–90 /
    91+ by default), per currency, aged on the due date or the invoice date.
:func:`past_due_ratio`
    Past-due share of the open receivables (amount per currency, and count).
:func:`late_payments`
    Share of the settled invoices paid late (count and amount), total days
    late, average days late of the late payers, days-to-settle distribution.

All accept a sequence of :class:`~kpicore.model.Invoice` or an
:class:`~kpicore.eventlog.EventLog` (one computational core,
:mod:`kpicore.kpis._ledger`), ``as_of=`` where the answer depends on a date
(a date ``D`` means the end of ``D``), ``by=`` and, for per-invoice values,
``freq=``.

References
----------
[SAPD]_ SAP days in arrears and grace days,
[ORABI]_ Oracle BI aging buckets (due date = day 0, overdue buckets start at
1), [ERPN]_ ERPNext aging (first bucket with age ≤ r; posting or due date),
[JDEG]_ JD Edwards aging date, [INT]_ Intacct ``useduedate``, [CRF]_ "over 90
days" aged on the due date (Credit Research Foundation, NSDTR definitions),
[DATA]_ IBM's accounts-receivable sample (``examples/data``: DaysToSettle,
DaysLate = max(0, settled − due)), [JDEA]_ JD Edwards signed days late.
"""

from __future__ import annotations

import datetime as _dt
import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import attrs
import numpy as np
import numpy.typing as npt

from kpicore import _merge
from kpicore.bankcalendar import BankCalendar, check_calendar
from kpicore.errors import InvalidParameterError
from kpicore.grouping import By
from kpicore.model import Customer
from kpicore.money import Money
from kpicore.periods import Freq, as_of_date, as_of_ns, days_past_due, days_settled_late
from kpicore.results import Breakdown, Result
from kpicore.summary import DEFAULT_PERCENTILES, Summary

from ._ledger import (
    DEFAULT_ROLES,
    MISSING,
    InvoiceData,
    InvoiceDays,
    Ledger,
    Roles,
    as_log_with_invoices,
    check_bool,
    check_choice,
    check_int,
    freeze,
    grouping,
    invoice_days,
    ledger_at,
    to_day,
)

__all__ = [
    "Aging",
    "AgingBucket",
    "AgingTable",
    "LatePaymentGroup",
    "LatePayments",
    "PastDueGroup",
    "PastDueRatio",
    "aging",
    "days_late",
    "days_overdue",
    "days_to_settle",
    "late_payments",
    "past_due_ratio",
]

_I64 = npt.NDArray[np.int64]
_B = npt.NDArray[np.bool_]
_EPOCH = _dt.date(1970, 1, 1)

Customers = Iterable[Customer] | Mapping[str, Customer] | None


def _load(
    data: InvoiceData,
    as_of: _dt.date | _dt.datetime | None,
    tz: _dt.tzinfo | None,
    roles: Roles,
    activity_map: Mapping[str, str] | None,
) -> tuple[Any, Any, Ledger]:
    log, invoices = as_log_with_invoices(data, activity_map=activity_map)
    return log, invoices, ledger_at(log, None if as_of is None else as_of_ns(as_of, tz=tz), roles)


def _as_of_day(as_of: _dt.date | _dt.datetime, tz: _dt.tzinfo | None) -> int:
    return (as_of_date(as_of, tz=tz) - _EPOCH).days


def _due(due_days: _I64, calendar: BankCalendar | None) -> _I64:
    """Due days, rolled to the next business day when a bank calendar is given."""
    return due_days if calendar is None else calendar.roll_days(due_days)


# ============================================================================ per invoice


def days_overdue(
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime,
    grace_days: int = 0,
    by: By = None,
    freq: Freq | None = None,
    tz: _dt.tzinfo | None = None,
    customers: Customers = None,
    roles: Roles = DEFAULT_ROLES,
    activity_map: Mapping[str, str] | None = None,
    percentiles: Iterable[float] = DEFAULT_PERCENTILES,
    calendar: BankCalendar | None = None,
) -> InvoiceDays:
    """Days overdue of each invoice as of a date.

    Parameters
    ----------
    data : sequence of Invoice or EventLog
    as_of : date or aware datetime
        The run date (a date means its end; a datetime its date in ``tz``).
    grace_days : int, default 0
        An open invoice counts as overdue only when ``as_of − due >
        grace_days``; then its days overdue are counted from the due date
        (SAP grace days [SAPD]_).
    by : str, callable or sequence, optional
        Split by a dimension (e.g. ``"collector"``, ``"segment"`` with
        ``customers=``, ``"currency"``).
    freq : {"day", "week", "month", "quarter", "year"}, optional
        Split by the period of the invoice's issue.
    tz : tzinfo, optional
        Calendar of ``as_of`` and of the periods (UTC by default).
    customers, roles, activity_map
        See :func:`kpicore.kpis.dso.invoice_dso`.
    percentiles : iterable of float
    calendar : BankCalendar, optional
        Roll each due date to the next business day first
        (:class:`kpicore.bankcalendar.BankCalendar`, Lei 7.089/1983): a bill
        due on a Saturday is not overdue until the Monday has passed. None
        (default): the due date as recorded.

    Returns
    -------
    InvoiceDays
        One value per invoice issued by ``as_of`` with a due date. Coverage:
        ``used``, ``overdue`` (value > 0), ``open``, ``closed`` (settled or
        written off: 0), ``missing_due_date`` (no value), ``issued_after_as_of``
        and ``missing_start`` (left out).

    Notes
    -----
    ``days_overdue = as_of_date − due_date`` (calendar days) for an invoice
    open as of ``as_of`` and past due; 0 when not yet due (the due date is
    day 0 [ORABI]_), within the grace days, paid or written off by then.
    SAP's days in arrears = run date − net due date [SAPD]_. This is
    :func:`kpicore.periods.days_past_due`, the one definition that
    :meth:`EventLog.case_table <kpicore.eventlog.EventLog.case_table>` and
    :func:`kpicore.kpis.case_table.case_table` use too; days late *at
    settlement* are :func:`days_late`.

    Examples
    --------
    The SAP example: due 1997-03-12, run on 03-13 -> 1 day; with 3 grace days,
    not overdue.

    >>> import datetime as dt
    >>> from kpicore.model import Invoice
    >>> from kpicore.money import Money
    >>> inv = Invoice("F-1", "C1", "1997-02-10", "1997-03-12", Money.of(100, "EUR"))
    >>> days_overdue([inv], as_of=dt.date(1997, 3, 13)).to_mapping()
    {'F-1': 1.0}
    >>> days_overdue([inv], as_of=dt.date(1997, 3, 13), grace_days=3).to_mapping()
    {'F-1': 0.0}

    Due on Good Friday 2026 (3 April): with the bank calendar it is payable
    on Monday 6 April, so on Tuesday 7 April it is 1 day overdue, not 4.

    >>> from kpicore.bankcalendar import BankCalendar
    >>> gf = Invoice("F-2", "C1", "2026-03-20", "2026-04-03", Money.of(99, "BRL"))
    >>> days_overdue([gf], as_of=dt.date(2026, 4, 7)).to_mapping()
    {'F-2': 4.0}
    >>> days_overdue([gf], as_of=dt.date(2026, 4, 7), calendar=BankCalendar()).to_mapping()
    {'F-2': 1.0}
    """
    grace = check_int(grace_days, "grace_days", 0)
    cal = check_calendar(calendar)
    log, invoices, lg = _load(data, as_of, tz, roles, activity_map)
    day = _as_of_day(as_of, tz)
    ix = lg.issued_index
    open_ = lg.is_open[ix]
    due_ok = lg.has_due_date[ix]
    values = days_past_due(_due(lg.due_days[ix], cal), day, open_, grace_days=grace)
    over = values > 0
    cov = lg.coverage
    coverage = {
        "used": int(np.count_nonzero(due_ok)),
        "overdue": int(np.count_nonzero(over)),
        "open": int(np.count_nonzero(open_ & due_ok)),
        "closed": int(np.count_nonzero(~open_ & due_ok)),
        "missing_due_date": int(np.count_nonzero(~due_ok)),
        "issued_after_as_of": cov["issued_after_as_of"],
        "missing_start": cov["no_issue_event"],
    }
    group = grouping(
        data, log, ix, by=by, freq=freq, when=lg.issued_ns if freq else None, tz=tz,
        customers=customers, roles=roles, invoices=invoices,
    )  # fmt: skip
    return invoice_days(
        "days_overdue", "days", lg.case_ids[ix], values, coverage, group, percentiles=percentiles
    )


def _settled_days(
    kind: Literal["late", "to_settle"],
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime | None,
    signed: bool,
    by: By,
    freq: Freq | None,
    tz: _dt.tzinfo | None,
    customers: Customers,
    roles: Roles,
    activity_map: Mapping[str, str] | None,
    percentiles: Iterable[float],
    calendar: BankCalendar | None = None,
) -> InvoiceDays:
    cal = check_calendar(calendar)
    log, invoices, lg = _load(data, as_of, tz, roles, activity_map)
    issued = lg.is_issued
    ix = np.flatnonzero(issued).astype(np.int64, copy=False)
    settled = lg.is_settled[ix]
    written = lg.is_written_off[ix] & ~settled
    s_day = to_day(lg.settled_ns[ix], tz=tz)
    missing_due = np.zeros(ix.shape[0], dtype=bool)
    if kind == "late":
        due = _due(lg.due_days[ix], cal)
        missing_due = due == MISSING
        ok = settled & ~missing_due
        values = days_settled_late(due, s_day, signed=signed)
        metric = "days_late"
    else:
        values = np.full(ix.shape[0], np.nan)
        i_day = to_day(lg.issued_ns[ix], tz=tz)
        ok = settled
        values[ok] = (s_day[ok] - i_day[ok]).astype(np.float64)
        metric = "days_to_settle"
    cov = lg.coverage
    coverage = {
        "used": int(np.count_nonzero(ok)),
        "not_settled": int(np.count_nonzero(~settled & ~written)),
        "written_off": int(np.count_nonzero(written)),
    }
    if kind == "late":
        coverage["missing_due_date"] = int(np.count_nonzero(settled & missing_due))
    coverage["issued_after_as_of"] = cov["issued_after_as_of"]
    coverage["missing_start"] = cov["no_issue_event"]
    when = None
    if freq is not None:
        when = np.where(lg.is_settled, lg.settled_ns, MISSING)
    group = grouping(
        data, log, ix, by=by, freq=freq, when=when, tz=tz, customers=customers, roles=roles,
        invoices=invoices,
    )  # fmt: skip
    return invoice_days(
        metric, "days", lg.case_ids[ix], values, coverage, group, percentiles=percentiles
    )


def days_late(
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime | None = None,
    signed: bool = False,
    by: By = None,
    freq: Freq | None = None,
    tz: _dt.tzinfo | None = None,
    customers: Customers = None,
    roles: Roles = DEFAULT_ROLES,
    activity_map: Mapping[str, str] | None = None,
    percentiles: Iterable[float] = DEFAULT_PERCENTILES,
    calendar: BankCalendar | None = None,
) -> InvoiceDays:
    """Days late at settlement: settlement date − due date, per settled invoice.

    Parameters
    ----------
    data : sequence of Invoice or EventLog
    as_of : date or aware datetime, optional
        Settlements known by then (None: all).
    signed : bool, default False
        Keep negative values for early settlement [JDEA]_; default clamps at
        0 [DATA]_ (the sources disagree).
    by, freq
        Split by a dimension and/or the settlement period.
    tz : tzinfo, optional
        Calendar of the settlement date (UTC by default).
    customers, roles, activity_map, percentiles
        See :func:`days_overdue`.
    calendar : BankCalendar, optional
        Count from the due date rolled to the next business day (see
        :func:`days_overdue`): a bill due on Saturday and paid on Monday is
        0 days late.

    Returns
    -------
    InvoiceDays
        NaN (and counted) for invoices ``not_settled``, ``written_off`` or
        with a ``missing_due_date``.

    Notes
    -----
    ``days_late = max(0, settled_date − due_date)`` as the IBM dataset's
    DaysLate [DATA]_ and :attr:`kpicore.model.Invoice.days_late`; the
    settlement is the first instant the payments cover the amount (or the
    *Invoice Settled* event; see :class:`~kpicore.kpis._ledger.Ledger`).

    Examples
    --------
    >>> from kpicore.model import Invoice, Payment
    >>> from kpicore.money import Money
    >>> invs = [Invoice("F-1", "C1", "2024-01-01", "2024-01-31", Money.of(10, "BRL"),
    ...                 payments=[Payment("2024-02-05", Money.of(10, "BRL"))]),
    ...         Invoice("F-2", "C1", "2024-01-01", "2024-01-31", Money.of(10, "BRL"),
    ...                 payments=[Payment("2024-01-29", Money.of(10, "BRL"))])]
    >>> days_late(invs).to_mapping(), days_late(invs, signed=True).to_mapping()
    ({'F-1': 5.0, 'F-2': 0.0}, {'F-1': 5.0, 'F-2': -2.0})
    """
    return _settled_days(
        "late", data, as_of=as_of, signed=check_bool(signed, "signed"), by=by, freq=freq,
        tz=tz, customers=customers, roles=roles, activity_map=activity_map,
        percentiles=percentiles, calendar=calendar,
    )  # fmt: skip


def days_to_settle(
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime | None = None,
    by: By = None,
    freq: Freq | None = None,
    tz: _dt.tzinfo | None = None,
    customers: Customers = None,
    roles: Roles = DEFAULT_ROLES,
    activity_map: Mapping[str, str] | None = None,
    percentiles: Iterable[float] = DEFAULT_PERCENTILES,
) -> InvoiceDays:
    """Days to settle: settlement date − issue date, per settled invoice (calendar days).

    Parameters are those of :func:`days_late` (without ``signed``).

    Returns
    -------
    InvoiceDays

    Notes
    -----
    ``days_to_settle = settled_date − issue_date`` as the IBM dataset's
    DaysToSettle [DATA]_ and :attr:`kpicore.model.Invoice.days_to_settle`
    (negative for a prepayment that settled the invoice before its issue).
    For exact elapsed time (fractional days) use
    :func:`kpicore.kpis.dso.invoice_dso` with ``until="settlement"``.

    Examples
    --------
    >>> from kpicore.model import Invoice, Payment
    >>> from kpicore.money import Money
    >>> inv = Invoice("F-1", "C1", "2024-01-01T23:00:00Z", "2024-01-31", Money.of(10, "BRL"),
    ...               payments=[Payment("2024-01-03T01:00:00Z", Money.of(10, "BRL"))])
    >>> days_to_settle([inv]).to_mapping()
    {'F-1': 2.0}
    """
    return _settled_days(
        "to_settle", data, as_of=as_of, signed=False, by=by, freq=freq, tz=tz,
        customers=customers, roles=roles, activity_map=activity_map, percentiles=percentiles,
    )  # fmt: skip


# ============================================================================ late payments


@attrs.frozen(eq=False, repr=False)
class LatePaymentGroup(Result):
    """Late-payment figures of the settled invoices of one group.

    Attributes
    ----------
    settled_count : int
        Settled invoices considered.
    late_count : int
        Those paid late: ``days late > grace_days``.
    count_share : float or None
        ``late_count / settled_count`` (None when nothing was settled).
    settled_amount, late_amount : Mapping[str, Money]
        Invoice amounts of the settled and of the late invoices, per currency.
    amount_share : Mapping[str, float or None]
        ``late_amount / settled_amount`` per currency (None when it is 0).
    total_days_late : int
        ``Σ max(0, settled − due)`` over the settled invoices (= over the late
        ones when ``grace_days = 0``).
    average_days_late : float or None
        Mean days late of the late invoices only (the late payers), None when
        none was late.
    days_late : Summary
        Distribution of the days late of the late invoices.
    days_to_settle : Summary
        Distribution of settled − issue date over the settled invoices.
    days_to_settle_bins : Mapping[str, int]
        Settled invoices per days-to-settle range: ``"before_issue"`` (< 0),
        ``"0-30"``, ``"31-60"``, ..., ``"91+"`` (the ``settle_bins`` edges).
    """

    settled_count: int
    late_count: int
    count_share: float | None
    settled_amount: Mapping[str, Money] = attrs.field(converter=freeze)
    late_amount: Mapping[str, Money] = attrs.field(converter=freeze)
    amount_share: Mapping[str, float | None] = attrs.field(converter=freeze)
    total_days_late: int
    average_days_late: float | None
    days_late: Summary
    days_to_settle: Summary
    days_to_settle_bins: Mapping[str, int] = attrs.field(converter=freeze)


@attrs.frozen(eq=False, repr=False)
class LatePayments(Result):
    """Result of :func:`late_payments` (the figures of :class:`LatePaymentGroup`, overall).

    Attributes
    ----------
    grace_days : int
    figures : LatePaymentGroup
        Over all the settled invoices considered.
    coverage : Mapping[str, int]
        ``used`` (settled, with a due date, an amount and a currency),
        ``not_settled``, ``written_off``, ``missing_due_date``,
        ``missing_amount``, ``missing_currency``, ``issued_after_as_of``,
        ``missing_start``.
    groups : Breakdown of LatePaymentGroup or None
        By ``by=`` and/or settlement period (``freq=``).
    """

    grace_days: int
    figures: LatePaymentGroup
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    groups: Breakdown[LatePaymentGroup] | None = None


def _settle_bin_specs(edges: tuple[int, ...]) -> tuple[list[str], _I64]:
    keys = ["before_issue"]
    lows = [0, *(e + 1 for e in edges[:-1])]
    keys += [f"{lo}-{hi}" for lo, hi in zip(lows, edges, strict=True)]
    keys.append(f"{edges[-1] + 1}+")
    return keys, np.array([-1, *edges], dtype=np.int64)


def late_payments(
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime | None = None,
    grace_days: int = 0,
    settle_bins: Sequence[int] = (30, 60, 90),
    by: By = None,
    freq: Freq | None = None,
    tz: _dt.tzinfo | None = None,
    customers: Customers = None,
    roles: Roles = DEFAULT_ROLES,
    activity_map: Mapping[str, str] | None = None,
    percentiles: Iterable[float] = DEFAULT_PERCENTILES,
) -> LatePayments:
    """Invoices paid late: share (count and amount), days late and days to settle.

    Parameters
    ----------
    data : sequence of Invoice or EventLog
    as_of : date or aware datetime, optional
        Settlements known by then (None: all).
    grace_days : int, default 0
        An invoice is late when ``settled − due > grace_days`` days (0: any
        day after the due date, the IBM dataset's ``DaysLate > 0``).
    settle_bins : sequence of int, default (30, 60, 90)
        Increasing edges of the days-to-settle ranges (``0-30``, ``31-60``,
        ``61-90``, ``91+``; a settlement before the issue date is
        ``before_issue``).
    by, freq
        Split by a dimension and/or the settlement period.
    tz : tzinfo, optional
        Calendar of the issue and settlement dates (UTC by default).
    customers, roles, activity_map, percentiles
        See :func:`days_overdue`.

    Returns
    -------
    LatePayments
        ``figures`` overall, ``coverage`` and ``groups``.

    Raises
    ------
    InvalidParameterError
        For a negative or non-integer ``grace_days``, bad ``settle_bins``,
        an unknown ``freq`` or a bad ``by``.

    Notes
    -----
    Population: invoices settled by ``as_of`` (:func:`days_late`'s), with a
    due date, an amount and a currency; the others are counted in
    ``coverage``. With ``late_i = max(0, settled_i − due_i)`` (calendar
    days, [DATA]_) and ``L = {i : late_i > grace_days}``:

    * ``count_share = |L| / n``;
    * ``amount_share[c] = Σ_{i∈L} amount_i / Σ_i amount_i`` per currency;
    * ``total_days_late = Σ_i late_i``;
    * ``average_days_late = Σ_{i∈L} late_i / |L|`` (the late payers only;
      :func:`kpicore.kpis.dso.payment_timing` averages over every settled
      invoice, on-time ones counting 0);
    * ``days_to_settle``: the summary and ranges of ``settled_i − issue_i``.

    Examples
    --------
    >>> from kpicore.model import Invoice, Payment
    >>> from kpicore.money import Money
    >>> def inv(n, amount, paid):
    ...     return Invoice(n, "C1", "2024-01-01", "2024-01-31", Money.of(amount, "USD"),
    ...                    payments=[Payment(paid, Money.of(amount, "USD"))])
    >>> invs = [inv("F-1", 100, "2024-02-05"), inv("F-2", 300, "2024-01-20"),
    ...         inv("F-3", 100, "2024-03-01")]
    >>> f = late_payments(invs).figures
    >>> f.late_count, f.count_share, f.amount_share["USD"]  # F-1 and F-3: 200 of 500
    (2, 0.6666666666666666, 0.4)
    >>> f.total_days_late, f.average_days_late  # 5 + 0 + 30; (5 + 30) / 2
    (35, 17.5)
    >>> dict(f.days_to_settle_bins)  # 35, 19 and 60 days
    {'before_issue': 0, '0-30': 1, '31-60': 2, '61-90': 0, '91+': 0}
    """
    grace = check_int(grace_days, "grace_days", 0)
    edges = _check_edges(settle_bins)
    keys, bounds = _settle_bin_specs(edges)
    levels = tuple(percentiles)
    log, invoices, lg = _load(data, as_of, tz, roles, activity_map)
    issued = lg.is_issued
    settled = issued & lg.is_settled
    written = issued & lg.is_written_off & ~lg.is_settled
    usable = settled & lg.has_due_date & lg.has_amount & lg.has_currency
    ix = np.flatnonzero(usable).astype(np.int64, copy=False)
    s_day = to_day(lg.settled_ns[ix], tz=tz)
    late_days = np.maximum(s_day - lg.due_days[ix], 0)
    to_settle = s_day - to_day(lg.issued_ns[ix], tz=tz)
    which = np.searchsorted(bounds, to_settle, side="left").astype(np.int64)
    is_late = late_days > grace
    codes = lg.currency_code[ix]
    amounts = lg.amount_minor[ix]
    currencies = lg.currencies

    def figures(sub: npt.NDArray[np.int64] | None) -> LatePaymentGroup:
        late = is_late if sub is None else is_late[sub]
        days = late_days if sub is None else late_days[sub]
        settle = to_settle if sub is None else to_settle[sub]
        w = which if sub is None else which[sub]
        c = codes if sub is None else codes[sub]
        a = amounts if sub is None else amounts[sub]
        settled_amount = _money(currencies, c, a)
        late_amount = _money(currencies, c[late], a[late])
        share: dict[str, float | None] = {}
        for code, m in settled_amount.items():
            lm = late_amount[code].minor if code in late_amount else 0
            share[code] = lm / m.minor if m.minor else None
        n = int(late.shape[0])
        n_late = int(np.count_nonzero(late))
        late_values = days[late]
        bins = np.bincount(w, minlength=len(keys))
        return LatePaymentGroup(
            settled_count=n,
            late_count=n_late,
            count_share=n_late / n if n else None,
            settled_amount=settled_amount,
            late_amount=late_amount,
            amount_share=share,
            total_days_late=int(days.sum(dtype=np.int64)),
            average_days_late=int(late_values.sum(dtype=np.int64)) / n_late if n_late else None,
            days_late=Summary.of(late_values.astype(np.float64), percentiles=levels, unit="days"),
            days_to_settle=Summary.of(settle.astype(np.float64), percentiles=levels, unit="days"),
            days_to_settle_bins={k: int(bins[j]) for j, k in enumerate(keys)},
        )

    cov = lg.coverage
    has_due = lg.has_due_date
    coverage = {
        "used": int(ix.shape[0]),
        "not_settled": int(np.count_nonzero(issued & ~lg.is_settled & ~lg.is_written_off)),
        "written_off": int(np.count_nonzero(written)),
        "missing_due_date": int(np.count_nonzero(settled & ~has_due)),
        "missing_amount": int(np.count_nonzero(settled & has_due & ~lg.has_amount)),
        "missing_currency": int(
            np.count_nonzero(settled & has_due & lg.has_amount & ~lg.has_currency)
        ),
        "issued_after_as_of": cov["issued_after_as_of"],
        "missing_start": cov["no_issue_event"],
    }
    when = None
    if freq is not None:
        when = np.where(lg.is_settled, lg.settled_ns, MISSING)
    group = grouping(
        data, log, ix, by=by, freq=freq, when=when, tz=tz, customers=customers, roles=roles,
        invoices=invoices,
    )  # fmt: skip
    return LatePayments(
        grace_days=grace,
        figures=figures(None),
        coverage=coverage,
        groups=None if group is None else group.breakdown(figures),
    )


# ============================================================================ aging


@attrs.frozen(repr=False)
class AgingBucket(Result):
    """One age bucket of an aging report.

    Attributes
    ----------
    key : str
        ``"current"``, ``"1-30"``, ..., ``"91+"`` (due-date anchor) or
        ``"0-30"``, ..., ``"91+"`` (invoice-date anchor). The last bucket is
        named for what it holds: ages above the last edge (``"91+"`` = more
        than 90 days).
    label, label_pt : str
        Display labels (``"Current"`` / ``"A vencer"``, ``"1–30"`` /
        ``"1–30 dias"``, ``"91+"`` / ``"Acima de 90 dias"``).
    lower, upper : int or None
        Inclusive bounds of the age in days (None = unbounded).
    count : int
        Open invoices in the bucket.
    amount : Mapping[str, Money]
        Their open amount per currency.
    """

    key: str
    label: str
    label_pt: str
    lower: int | None
    upper: int | None
    count: int
    amount: Mapping[str, Money] = attrs.field(converter=freeze)

    def merge(self, other: AgingBucket) -> AgingBucket:
        """The bucket over both invoice sets (disjoint): counts and amounts added.

        Raises
        ------
        InvalidParameterError
            For another bucket (different key or bounds).
        """
        _merge.check_type(self, other)
        _merge.same(
            (self.key, self.lower, self.upper),
            (other.key, other.lower, other.upper),
            "aging buckets",
        )
        return attrs.evolve(
            self,
            count=self.count + other.count,
            amount=_merge.add_money(self.amount, other.amount),
        )


def _merge_buckets(
    a: tuple[AgingBucket, ...], b: tuple[AgingBucket, ...]
) -> tuple[AgingBucket, ...]:
    _merge.same(len(a), len(b), "numbers of aging buckets")
    return tuple(x.merge(y) for x, y in zip(a, b, strict=True))


@attrs.frozen(repr=False)
class AgingTable(Result):
    """The buckets of one group (by ``by=``) and their totals."""

    buckets: tuple[AgingBucket, ...]
    count: int
    amount: Mapping[str, Money] = attrs.field(converter=freeze)

    def merge(self, other: AgingTable) -> AgingTable:
        """The table over both invoice sets (disjoint): bucket by bucket.

        Raises
        ------
        InvalidParameterError
            For tables with different buckets.
        """
        _merge.check_type(self, other)
        return AgingTable(
            buckets=_merge_buckets(self.buckets, other.buckets),
            count=self.count + other.count,
            amount=_merge.add_money(self.amount, other.amount),
        )


@attrs.frozen(repr=False)
class Aging(Result):
    """Result of :func:`aging`.

    Attributes
    ----------
    as_of : date
    anchor : str
        ``"due"`` or ``"invoice"``.
    edges : tuple of int
        The bucket edges (days).
    buckets : tuple of AgingBucket
        They partition the aged invoices: counts and amounts add up to
        ``count`` and ``amount``.
    count : int
    amount : Mapping[str, Money]
        Total open amount per currency.
    coverage : Mapping[str, int]
        ``used`` (open invoices aged), ``closed`` (paid or written off as of
        ``as_of``), ``missing_amount``, ``missing_currency``,
        ``missing_due_date`` (open but not aged), ``issued_after_as_of``,
        ``missing_start``.
    groups : Breakdown of AgingTable or None
        By ``by=``.
    """

    as_of: _dt.date
    anchor: str
    edges: tuple[int, ...]
    buckets: tuple[AgingBucket, ...]
    count: int
    amount: Mapping[str, Money] = attrs.field(converter=freeze)
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    groups: Breakdown[AgingTable] | None = None

    def bucket(self, key: str) -> AgingBucket:
        """The bucket with ``key`` (e.g. ``"31-60"``)."""
        for b in self.buckets:
            if b.key == key:
                return b
        raise InvalidParameterError(f"no bucket {key!r}; buckets: {[b.key for b in self.buckets]}")

    def merge(self, other: Aging) -> Aging:
        """The aging of both invoice sets (disjoint), equal to the aging of their union.

        Counts, amounts (per currency) and coverage are added, bucket by
        bucket and group by group.

        Raises
        ------
        InvalidParameterError
            For results computed with different ``as_of``, anchor, buckets
            or grouping.

        Examples
        --------
        >>> import datetime as dt
        >>> from kpicore.synth import synth_invoices
        >>> invs = synth_invoices(60, seed=2)
        >>> d = dt.date(2024, 6, 30)
        >>> aging(invs[:25], as_of=d).merge(aging(invs[25:], as_of=d)) == aging(invs, as_of=d)
        True
        """
        _merge.check_type(self, other)
        return Aging(
            as_of=_merge.same(self.as_of, other.as_of, "as_of dates"),
            anchor=_merge.same(self.anchor, other.anchor, "anchors"),
            edges=_merge.same(self.edges, other.edges, "bucket edges"),
            buckets=_merge_buckets(self.buckets, other.buckets),
            count=self.count + other.count,
            amount=_merge.add_money(self.amount, other.amount),
            coverage=_merge.add_counts(self.coverage, other.coverage),
            groups=_merge.merge_groups(self.groups, other.groups, AgingTable.merge),
        )


def _check_edges(buckets: object) -> tuple[int, ...]:
    if isinstance(buckets, str | bytes) or not isinstance(buckets, Sequence):
        raise InvalidParameterError(f"buckets must be a sequence of ints, got {buckets!r}")
    edges = tuple(buckets)
    if not edges:
        raise InvalidParameterError("buckets: at least one edge (e.g. (30, 60, 90))")
    for e in edges:
        if isinstance(e, bool) or not isinstance(e, int) or e < 1:
            raise InvalidParameterError(f"buckets: edges must be ints >= 1, got {e!r}")
    if any(b <= a for a, b in itertools.pairwise(edges)):
        raise InvalidParameterError(f"buckets: edges must increase strictly, got {edges}")
    return edges


def _bucket_specs(
    edges: tuple[int, ...], anchor: str
) -> tuple[list[tuple[str, str, str, int | None, int | None]], _I64]:
    """(key, label, label_pt, lower, upper) per bucket and the searchsorted bounds."""
    specs: list[tuple[str, str, str, int | None, int | None]] = []
    if anchor == "due":
        specs.append(("current", "Current", "A vencer", None, 0))
        lows = [1, *(e + 1 for e in edges[:-1])]
        bounds = np.array([0, *edges], dtype=np.int64)
    else:
        lows = [0, *(e + 1 for e in edges[:-1])]
        bounds = np.array(edges, dtype=np.int64)
    for lo, hi in zip(lows, edges, strict=True):
        specs.append((f"{lo}-{hi}", f"{lo}–{hi}", f"{lo}–{hi} dias", lo, hi))
    last = edges[-1]
    # the last bucket holds ages > last, i.e. >= last + 1 whole days: "91+", not "90+"
    specs.append((f"{last + 1}+", f"{last + 1}+", f"Acima de {last} dias", last + 1, None))
    return specs, bounds


def aging(
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime,
    buckets: Sequence[int] = (30, 60, 90),
    anchor: Literal["due", "invoice"] = "due",
    by: By = None,
    tz: _dt.tzinfo | None = None,
    customers: Customers = None,
    roles: Roles = DEFAULT_ROLES,
    activity_map: Mapping[str, str] | None = None,
    calendar: BankCalendar | None = None,
) -> Aging:
    """Accounts-receivable aging: open amount and count per age bucket, per currency.

    Parameters
    ----------
    data : sequence of Invoice or EventLog
    as_of : date or aware datetime
        Report date (a date means its end; a datetime its date in ``tz``).
    buckets : sequence of int, default (30, 60, 90)
        Increasing bucket edges in days. With ``anchor="due"`` the buckets
        are *current* (age ≤ 0: not yet due; the due date is day 0 [ORABI]_),
        ``1–30``, ``31–60``, ``61–90`` and ``91+`` (more than 90 days past
        due; CRF's "over 90" [CRF]_); with ``anchor="invoice"`` ``0–30``,
        ``31–60``, ``61–90`` and ``91+`` (ERPNext's "first bucket with age ≤
        r" and its ``121+`` for the last [ERPN]_). The last bucket's key and
        label name the ages it holds (``last edge + 1`` and more).
    anchor : {"due", "invoice"}
        Age counted from the due date (default, JD Edwards' default aging
        date [JDEG]_) or from the invoice (issue) date [ERPN]_ [INT]_.
    by : str, callable or sequence, optional
        Split by a dimension (overdue by segment: ``by="segment"`` with
        ``customers=``, or a ``segment`` case attribute of a log).
    tz : tzinfo, optional
        Calendar of ``as_of`` and of issue dates.
    customers, roles, activity_map
        See :func:`days_overdue`.
    calendar : BankCalendar, optional
        With ``anchor="due"``, age from the due date rolled to the next
        business day (see :func:`days_overdue`).

    Returns
    -------
    Aging

    Notes
    -----
    An invoice is aged when it was issued before the end of ``as_of`` and is
    open then (neither settled nor written off); its open amount is
    ``amount − payments received before as_of``. ``age = as_of_date −
    anchor_date`` in calendar days. Open invoices without an amount, a
    currency or (anchor "due") a due date are counted in ``coverage``, not
    aged. Buckets partition the aged invoices exactly; amounts are summed per
    currency in integer minor units.

    Examples
    --------
    >>> import datetime as dt
    >>> from kpicore.model import Invoice, Payment
    >>> from kpicore.money import Money
    >>> invs = [
    ...     Invoice("F-1", "C1", "2024-01-01", "2024-01-31", Money.of(100, "BRL"),
    ...             payments=[Payment("2024-02-10", Money.of(30, "BRL"))]),
    ...     Invoice("F-2", "C1", "2024-03-01", "2024-03-31", Money.of(50, "BRL")),
    ...     Invoice("F-3", "C2", "2023-10-01", "2023-10-31", Money.of(20, "USD")),
    ... ]
    >>> r = aging(invs, as_of=dt.date(2024, 3, 15))
    >>> [(b.key, b.count, {k: str(v) for k, v in b.amount.items()}) for b in r.buckets]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('current', 1, {'BRL': 'BRL 50.00'}), ('1-30', 0, {}), ('31-60', 1, {'BRL': 'BRL 70.00'}),
     ('61-90', 0, {}), ('91+', 1, {'USD': 'USD 20.00'})]
    >>> [b.label_pt for b in r.buckets][:2]
    ['A vencer', '1–30 dias']
    """
    edges = _check_edges(buckets)
    check_choice(anchor, "anchor", ("due", "invoice"))
    cal = check_calendar(calendar)
    log, invoices, lg = _load(data, as_of, tz, roles, activity_map)
    day = _as_of_day(as_of, tz)
    open_ = lg.is_open
    has_due = lg.has_due_date
    usable = open_ & lg.has_amount & lg.has_currency
    if anchor == "due":
        usable &= has_due
        ref = _due(lg.due_days, cal)
    else:
        ref = to_day(lg.issued_ns, tz=tz)
    ix = np.flatnonzero(usable).astype(np.int64, copy=False)
    specs, bounds = _bucket_specs(edges, anchor)
    age = day - ref[ix]
    which = np.searchsorted(bounds, age, side="left").astype(np.int64)
    codes = lg.currency_code[ix]
    amounts = lg.open_minor_of(ix)  # ix: open, with an amount
    currencies = lg.currencies

    def table(sub: npt.NDArray[np.int64] | None) -> AgingTable:
        w = which if sub is None else which[sub]
        c = codes if sub is None else codes[sub]
        a = amounts if sub is None else amounts[sub]
        counts = np.bincount(w, minlength=len(specs))
        out: list[AgingBucket] = []
        for k, (key, label, label_pt, lo, hi) in enumerate(specs):
            sel = w == k
            total = _money(currencies, np.compress(sel, c), np.compress(sel, a))
            out.append(AgingBucket(key, label, label_pt, lo, hi, int(counts[k]), total))
        return AgingTable(tuple(out), int(w.shape[0]), _money(currencies, c, a))

    whole = table(None)
    cov = lg.coverage
    issued = lg.is_issued
    coverage = {
        "used": int(ix.shape[0]),
        "closed": int(np.count_nonzero(issued & ~open_)),
        "missing_amount": int(np.count_nonzero(open_ & ~lg.has_amount)),
        "missing_currency": int(np.count_nonzero(open_ & lg.has_amount & ~lg.has_currency)),
        "missing_due_date": int(
            np.count_nonzero(open_ & lg.has_amount & lg.has_currency & ~has_due)
        )
        if anchor == "due"
        else 0,
        "issued_after_as_of": cov["issued_after_as_of"],
        "missing_start": cov["no_issue_event"],
    }
    group = grouping(
        data, log, ix, by=by, freq=None, when=None, tz=tz, customers=customers, roles=roles,
        invoices=invoices,
    )  # fmt: skip
    return Aging(
        as_of=as_of_date(as_of, tz=tz),
        anchor=anchor,
        edges=edges,
        buckets=whole.buckets,
        count=whole.count,
        amount=whole.amount,
        coverage=coverage,
        groups=None if group is None else group.breakdown(table),
    )


def _money(
    currencies: Sequence[str], codes: npt.NDArray[np.int32], minor: _I64
) -> dict[str, Money]:
    out: dict[str, Money] = {}
    if codes.shape[0] == 0:
        return out
    for k in sorted(range(len(currencies)), key=lambda j: currencies[j]):
        sel = codes == k
        if bool(sel.any()):
            total = int(np.compress(sel, minor).sum(dtype=np.int64))
            out[currencies[k]] = Money(total, currencies[k])
    return out


# ============================================================================ past due


@attrs.frozen(repr=False)
class PastDueGroup(Result):
    """Past-due figures of one group.

    Attributes
    ----------
    open_count, past_due_count : int
    count_ratio : float or None
        ``past_due_count / open_count`` (None when nothing is open).
    open_amount, past_due_amount : Mapping[str, Money]
        Per currency.
    amount_ratio : Mapping[str, float or None]
        ``past_due / open`` per currency (None when the open amount is 0).
    """

    open_count: int
    past_due_count: int
    count_ratio: float | None
    open_amount: Mapping[str, Money] = attrs.field(converter=freeze)
    past_due_amount: Mapping[str, Money] = attrs.field(converter=freeze)
    amount_ratio: Mapping[str, float | None] = attrs.field(converter=freeze)

    def merge(self, other: PastDueGroup) -> PastDueGroup:
        """The group over both invoice sets (disjoint): counts, amounts added; ratios recomputed.

        Examples
        --------
        >>> a = PastDueGroup(2, 1, 0.5, {"BRL": Money.of(100, "BRL")},
        ...                  {"BRL": Money.of(40, "BRL")}, {"BRL": 0.4})
        >>> b = PastDueGroup(2, 0, 0.0, {"BRL": Money.of(300, "BRL")}, {}, {"BRL": 0.0})
        >>> m = a.merge(b)
        >>> m.count_ratio, m.amount_ratio["BRL"]  # 1 / 4, 40 / 400
        (0.25, 0.1)
        """
        _merge.check_type(self, other)
        n_open = self.open_count + other.open_count
        n_past = self.past_due_count + other.past_due_count
        open_amount = _merge.add_money(self.open_amount, other.open_amount)
        past = _merge.add_money(self.past_due_amount, other.past_due_amount)
        ratio: dict[str, float | None] = {}
        for code, m in open_amount.items():
            pm = past[code].minor if code in past else 0
            ratio[code] = pm / m.minor if m.minor else None
        return PastDueGroup(
            open_count=n_open,
            past_due_count=n_past,
            count_ratio=n_past / n_open if n_open else None,
            open_amount=open_amount,
            past_due_amount=past,
            amount_ratio=ratio,
        )


@attrs.frozen(repr=False)
class PastDueRatio(Result):
    """Result of :func:`past_due_ratio` (fields of :class:`PastDueGroup` over all invoices).

    Attributes
    ----------
    as_of : date
    grace_days : int
    open_count, past_due_count, count_ratio, open_amount, past_due_amount, amount_ratio
        See :class:`PastDueGroup`.
    coverage : Mapping[str, int]
        As :attr:`Aging.coverage`.
    groups : Breakdown of PastDueGroup or None
    """

    as_of: _dt.date
    grace_days: int
    open_count: int
    past_due_count: int
    count_ratio: float | None
    open_amount: Mapping[str, Money] = attrs.field(converter=freeze)
    past_due_amount: Mapping[str, Money] = attrs.field(converter=freeze)
    amount_ratio: Mapping[str, float | None] = attrs.field(converter=freeze)
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    groups: Breakdown[PastDueGroup] | None = None

    def merge(self, other: PastDueRatio) -> PastDueRatio:
        """The past-due ratio of both invoice sets (disjoint), equal to that of their union.

        Raises
        ------
        InvalidParameterError
            For a different ``as_of``, grace or grouping.

        Examples
        --------
        >>> import datetime as dt
        >>> from kpicore.model import Invoice
        >>> a = [Invoice("F-1", "C1", "2024-03-01", "2024-03-31", Money.of(100, "BRL"))]
        >>> b = [Invoice("F-2", "C1", "2024-04-01", "2024-05-31", Money.of(300, "BRL"))]
        >>> d = dt.date(2024, 4, 30)
        >>> m = past_due_ratio(a, as_of=d).merge(past_due_ratio(b, as_of=d))
        >>> m == past_due_ratio(a + b, as_of=d), m.amount_ratio["BRL"]
        (True, 0.25)
        """
        _merge.check_type(self, other)
        _merge.same((self.as_of, self.grace_days), (other.as_of, other.grace_days), "as_of/grace")
        mine = PastDueGroup(
            self.open_count, self.past_due_count, self.count_ratio, self.open_amount,
            self.past_due_amount, self.amount_ratio,
        )  # fmt: skip
        theirs = PastDueGroup(
            other.open_count, other.past_due_count, other.count_ratio, other.open_amount,
            other.past_due_amount, other.amount_ratio,
        )  # fmt: skip
        total = mine.merge(theirs)
        return PastDueRatio(
            as_of=self.as_of,
            grace_days=self.grace_days,
            open_count=total.open_count,
            past_due_count=total.past_due_count,
            count_ratio=total.count_ratio,
            open_amount=total.open_amount,
            past_due_amount=total.past_due_amount,
            amount_ratio=total.amount_ratio,
            coverage=_merge.add_counts(self.coverage, other.coverage),
            groups=_merge.merge_groups(self.groups, other.groups, PastDueGroup.merge),
        )


def past_due_ratio(
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime,
    grace_days: int = 0,
    by: By = None,
    tz: _dt.tzinfo | None = None,
    customers: Customers = None,
    roles: Roles = DEFAULT_ROLES,
    activity_map: Mapping[str, str] | None = None,
    calendar: BankCalendar | None = None,
) -> PastDueRatio:
    """Past-due share of the open receivables: by amount (per currency) and by count.

    Parameters
    ----------
    data : sequence of Invoice or EventLog
    as_of : date or aware datetime
    grace_days : int, default 0
        Past due when ``as_of − due > grace_days`` (see :func:`days_overdue`).
    by : str, callable or sequence, optional
        Overdue by segment, collector, customer...
    tz, customers, roles, activity_map
        See :func:`aging`.
    calendar : BankCalendar, optional
        Past due from the due date rolled to the next business day (see
        :func:`days_overdue`).

    Returns
    -------
    PastDueRatio
        Ratios are None (never NaN, never an error) when nothing is open.

    Notes
    -----
    ``amount_ratio[c] = Σ open past due / Σ open`` and ``count_ratio =
    #past due / #open`` over the open invoices of :func:`aging` (issued by
    ``as_of``, not settled nor written off, with an amount, a currency and a
    due date). ``1 − amount_ratio`` is CRF's "% current" [CRF]_.

    Examples
    --------
    >>> import datetime as dt
    >>> from kpicore.model import Invoice
    >>> from kpicore.money import Money
    >>> invs = [Invoice("F-1", "C1", "2024-01-01", "2024-01-31", Money.of(30, "BRL")),
    ...         Invoice("F-2", "C1", "2024-03-01", "2024-03-31", Money.of(90, "BRL"))]
    >>> r = past_due_ratio(invs, as_of=dt.date(2024, 3, 15))
    >>> r.amount_ratio["BRL"], r.count_ratio, str(r.past_due_amount["BRL"])
    (0.25, 0.5, 'BRL 30.00')
    >>> past_due_ratio(invs, as_of=dt.date(2023, 12, 31)).count_ratio is None
    True
    """
    grace = check_int(grace_days, "grace_days", 0)
    cal = check_calendar(calendar)
    log, invoices, lg = _load(data, as_of, tz, roles, activity_map)
    day = _as_of_day(as_of, tz)
    open_ = lg.is_open
    usable = open_ & lg.has_amount & lg.has_currency & lg.has_due_date
    ix = np.flatnonzero(usable).astype(np.int64, copy=False)
    past = (day - _due(lg.due_days[ix], cal)) > grace
    codes = lg.currency_code[ix]
    amounts = lg.open_minor_of(ix)  # ix: open, with an amount
    currencies = lg.currencies

    def figures(sub: npt.NDArray[np.int64] | None) -> PastDueGroup:
        p = past if sub is None else past[sub]
        c = codes if sub is None else codes[sub]
        a = amounts if sub is None else amounts[sub]
        open_amount = _money(currencies, c, a)
        past_amount = _money(currencies, c[p], a[p])
        ratio: dict[str, float | None] = {}
        for code, m in open_amount.items():
            pm = past_amount[code].minor if code in past_amount else 0
            ratio[code] = pm / m.minor if m.minor else None
        n_open = int(p.shape[0])
        n_past = int(np.count_nonzero(p))
        return PastDueGroup(
            open_count=n_open,
            past_due_count=n_past,
            count_ratio=n_past / n_open if n_open else None,
            open_amount=open_amount,
            past_due_amount=past_amount,
            amount_ratio=ratio,
        )

    whole = figures(None)
    cov = lg.coverage
    coverage = {
        "used": int(ix.shape[0]),
        "closed": int(np.count_nonzero(lg.is_issued & ~open_)),
        "missing_amount": int(np.count_nonzero(open_ & ~lg.has_amount)),
        "missing_currency": int(np.count_nonzero(open_ & lg.has_amount & ~lg.has_currency)),
        "missing_due_date": int(
            np.count_nonzero(open_ & lg.has_amount & lg.has_currency & ~lg.has_due_date)
        ),
        "issued_after_as_of": cov["issued_after_as_of"],
        "missing_start": cov["no_issue_event"],
    }
    group = grouping(
        data, log, ix, by=by, freq=None, when=None, tz=tz, customers=customers, roles=roles,
        invoices=invoices,
    )  # fmt: skip
    return PastDueRatio(
        as_of=as_of_date(as_of, tz=tz),
        grace_days=grace,
        open_count=whole.open_count,
        past_due_count=whole.past_due_count,
        count_ratio=whole.count_ratio,
        open_amount=whole.open_amount,
        past_due_amount=whole.past_due_amount,
        amount_ratio=whole.amount_ratio,
        coverage=coverage,
        groups=None if group is None else group.breakdown(figures),
    )
