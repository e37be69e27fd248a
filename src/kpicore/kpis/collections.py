"""The rest of the collections dashboard: write-offs, lags, promises, credit limits, workload.

Functions
---------
:func:`write_off_ratio`
    Bad-debt ratio: written-off amount ÷ sales (per currency) and written-off
    invoices ÷ invoices issued.
:func:`cash_application_lag`
    Days from *Payment Received* to *Payment Posted*, with the cash
    application rate (receipts posted ÷ receipts).
:func:`posting_lag`
    Days from *Invoice Generated* to *Invoice Posted and Sent*.
:func:`promise_kept_rate`
    Promises to pay kept, pending and broken (Catchpole's statuses), and the
    kept rate.
:func:`credit_limit_utilisation`
    Per customer, open amount ÷ credit limit as of a date, and the breaches.
:func:`collector_workload`
    Open (and overdue, and disputed) invoices and amounts per collector.

Every function accepts invoice objects or an :class:`~kpicore.eventlog.EventLog`,
reads per-invoice state from the shared ledger
(:func:`kpicore.kpis._ledger.ledger`) and works with vectorised scans over the
events; amounts are exact integer minor units summed per currency, never
mixed.

References
----------
Titles and URLs: the documentation's References page. Bad-debt ratio = bad
debt / period sales, split by reason code [JDEC]_, net write-offs % of sales
[CRFB]_; cash application rate = applied / total receipts (★ 186.2M / 210.4M =
88.5 %) [VTX]_; no published source defines the lag (kpicore: Δ between events);
promise statuses Kept (paid on or before the date), Pending, Broken,
Cancelled [CATCH]_, D365 "promise to pay broken" once the aging date passes the
promise date [D-SNAP]_; credit used vs total credit limit [D-PBI]_, D365 credit
check on the balance [D-CL]_.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal

import attrs
import numpy as np
import numpy.typing as npt

from kpicore import _merge
from kpicore.errors import InvalidParameterError, MissingDataError
from kpicore.eventlog import EventLog
from kpicore.grouping import By, make_grouping, resolve_by
from kpicore.kpis._events import (
    NS_PER_DAY_F,
    check_pairing,
    check_percentiles,
    check_roles,
    event_values,
    freeze,
    horizon_ns,
    limit_ns,
    next_at_or_after,
    pair_events,
    plain,
    ratio,
    ro,
    role_events,
)
from kpicore.kpis._ledger import (
    DEFAULT_ROLES,
    MISSING,
    InvoiceData,
    Ledger,
    Roles,
    as_log,
    as_log_with_invoices,
    group_keys,
    item_grouping,
    ledger_of,
    minor_values,
    money_totals,
    to_day,
)
from kpicore.kpis._promises import promise_statuses
from kpicore.model import Customer, unique_records
from kpicore.money import Money
from kpicore.periods import Freq, as_of_date
from kpicore.results import Breakdown, Result, fields_to_dict
from kpicore.summary import DEFAULT_PERCENTILES, Summary

__all__ = [
    "PROMISE_STATUS_LABELS_PT",
    "CashApplication",
    "CashApplicationGroup",
    "CollectorWorkload",
    "CreditLimitGroup",
    "CreditLimitUtilisation",
    "EventLag",
    "PromiseKeptRate",
    "PromiseKeptRateGroup",
    "WorkloadGroup",
    "WriteOffRatio",
    "WriteOffRatioGroup",
    "cash_application_lag",
    "collector_workload",
    "credit_limit_utilisation",
    "posting_lag",
    "promise_kept_rate",
    "write_off_ratio",
]

_I64 = npt.NDArray[np.int64]
_B = npt.NDArray[np.bool_]
_Customers = Iterable[Customer] | Mapping[str, Customer] | None

#: pt-BR labels of the promise-to-pay statuses.
PROMISE_STATUS_LABELS_PT: Final[Mapping[str, str]] = freeze(
    {"kept": "Cumprida", "pending": "Pendente", "broken": "Quebrada"}
)


def _event_minor(log: EventLog, name: str, idx: _I64) -> tuple[_I64, _B]:
    """Integer minor units of an event attribute at ``idx`` and where it is present."""
    return minor_values(
        event_values(log, name, idx),
        field=name,
        ids=lambda i: plain(log.case_ids[log.case_codes[idx[i]]]),
    )


def _exact_case_sums(case: _I64, values: _I64, n: int) -> _I64:
    """Exact int64 sums of ``values`` per case (``case`` ascending)."""
    out = np.zeros(n, dtype=np.int64)
    if case.shape[0]:
        h = np.flatnonzero(np.concatenate([[True], case[1:] != case[:-1]]))
        out[case[h]] = np.add.reduceat(values, h)
    return out


# =========================================================================== write-offs


@attrs.frozen(repr=False)
class WriteOffRatioGroup(Result):
    """Write-offs against sales in one group (or period).

    Attributes
    ----------
    invoices : int
        Invoices issued (in the period, by issue date).
    written_off : int
        Invoices written off (in the period, by write-off date).
    count_ratio : float or None
        ``written_off / invoices``.
    sales : Mapping[str, Money]
        Amount invoiced, per currency.
    written_off_amount : Mapping[str, Money]
        Amount written off (the balance open at the write-off), per currency.
    amount_ratio : Mapping[str, float or None]
        ``written_off_amount / sales`` per currency present in either (None
        where there were no sales).
    """

    invoices: int
    written_off: int
    count_ratio: float | None
    sales: Mapping[str, Money] = attrs.field(converter=freeze)
    written_off_amount: Mapping[str, Money] = attrs.field(converter=freeze)
    amount_ratio: Mapping[str, float | None] = attrs.field(converter=freeze)

    def merge(self, other: WriteOffRatioGroup) -> WriteOffRatioGroup:
        """The group over both invoice sets (disjoint): counts, amounts added; ratios recomputed.

        Examples
        --------
        >>> from kpicore.money import Money
        >>> a = WriteOffRatioGroup(2, 1, 0.5, {"BRL": Money.of(100, "BRL")},
        ...                        {"BRL": Money.of(10, "BRL")}, {"BRL": 0.1})
        >>> b = WriteOffRatioGroup(2, 0, 0.0, {"BRL": Money.of(300, "BRL")}, {}, {"BRL": 0.0})
        >>> m = a.merge(b)
        >>> m.invoices, m.count_ratio, m.amount_ratio["BRL"]  # 1 / 4, 10 / 400
        (4, 0.25, 0.025)
        """
        _merge.check_type(self, other)
        return _write_off_totals(
            self.invoices + other.invoices,
            self.written_off + other.written_off,
            _merge.add_money(self.sales, other.sales),
            _merge.add_money(self.written_off_amount, other.written_off_amount),
        )


@attrs.frozen(repr=False)
class WriteOffRatio(Result):
    """Result of :func:`write_off_ratio`.

    Attributes
    ----------
    invoices, written_off, count_ratio, sales, written_off_amount, amount_ratio
        As in :class:`WriteOffRatioGroup`, over everything before ``as_of``.
    coverage : Mapping[str, int]
        ``used`` (invoices issued before ``as_of``), ``issued_after_as_of``,
        ``no_issue_event``, ``missing_amount`` and ``missing_currency``
        (counted, left out of the amounts), ``written_off_not_counted``
        (write-offs of cases not issued before ``as_of``).
    groups : Breakdown of WriteOffRatioGroup or None
        By ``by=`` and/or period (``freq=``): sales by issue period,
        write-offs by write-off period (JD Edwards: bad debt / period sales).
    """

    invoices: int
    written_off: int
    count_ratio: float | None
    sales: Mapping[str, Money] = attrs.field(converter=freeze)
    written_off_amount: Mapping[str, Money] = attrs.field(converter=freeze)
    amount_ratio: Mapping[str, float | None] = attrs.field(converter=freeze)
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    groups: Breakdown[WriteOffRatioGroup] | None = None

    def merge(self, other: WriteOffRatio) -> WriteOffRatio:
        """The ratio over both invoice sets (disjoint), equal to that of their union.

        Counts, coverage and amounts (per currency) are added, ratios
        recomputed from the sums, groups merged key-wise. Both results must
        have the same ``as_of`` (not stored, so not checked).

        Raises
        ------
        InvalidParameterError
            For a different grouping.

        Examples
        --------
        >>> from kpicore.model import Invoice
        >>> from kpicore.money import Money
        >>> a = [Invoice("F-1", "C1", "2024-01-01", "2024-01-31", Money.of(100, "BRL"),
        ...              written_off_at="2024-05-01")]
        >>> b = [Invoice("F-2", "C2", "2024-01-01", "2024-01-31", Money.of(300, "BRL"))]
        >>> m = write_off_ratio(a).merge(write_off_ratio(b))
        >>> m == write_off_ratio(a + b), m.amount_ratio["BRL"]
        (True, 0.25)
        """
        _merge.check_type(self, other)
        total = self._total().merge(other._total())
        return WriteOffRatio(
            invoices=total.invoices,
            written_off=total.written_off,
            count_ratio=total.count_ratio,
            sales=total.sales,
            written_off_amount=total.written_off_amount,
            amount_ratio=total.amount_ratio,
            coverage=_merge.add_counts(self.coverage, other.coverage),
            groups=_merge.merge_groups(self.groups, other.groups, WriteOffRatioGroup.merge),
        )

    def _total(self) -> WriteOffRatioGroup:
        return WriteOffRatioGroup(
            self.invoices, self.written_off, self.count_ratio, self.sales,
            self.written_off_amount, self.amount_ratio,
        )  # fmt: skip


def _write_off_totals(
    n: int, k: int, sales: Mapping[str, Money], written: Mapping[str, Money]
) -> WriteOffRatioGroup:
    amount_ratio = {}
    for code in sorted(set(sales) | set(written)):
        den = sales[code].minor if code in sales else 0
        num = written[code].minor if code in written else 0
        amount_ratio[code] = ratio(num, den)
    return WriteOffRatioGroup(
        invoices=n,
        written_off=k,
        count_ratio=ratio(k, n),
        sales=sales,
        written_off_amount=written,
        amount_ratio=amount_ratio,
    )


def _write_off_group(
    lg: Ledger, sale_cases: _I64, wo_cases: _I64, wo_minor: _I64, amount_ok: _B
) -> WriteOffRatioGroup:
    sales = lg.totals(lg.amount_minor, sale_cases[amount_ok[sale_cases]])
    written = lg.totals(wo_minor, wo_cases[amount_ok[wo_cases]])
    codes = sorted(set(sales) | set(written))
    amount_ratio = {}
    for code in codes:
        den = sales[code].minor if code in sales else 0
        num = written[code].minor if code in written else 0
        amount_ratio[code] = ratio(num, den)
    n, k = int(sale_cases.shape[0]), int(wo_cases.shape[0])
    return WriteOffRatioGroup(
        invoices=n,
        written_off=k,
        count_ratio=ratio(k, n),
        sales=sales,
        written_off_amount=written,
        amount_ratio=amount_ratio,
    )


def write_off_ratio(
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime | None = None,
    tz: _dt.tzinfo | None = None,
    by: By = None,
    freq: Freq | None = None,
    customers: _Customers = None,
    roles: Roles = DEFAULT_ROLES,
) -> WriteOffRatio:
    """Write-off (bad-debt) ratio, by amount per currency and by count.

    Parameters
    ----------
    data : sequence of Invoice or EventLog
    as_of : date or aware datetime, optional
        Invoices issued and written off strictly before this instant (a date
        means its end). ``None``: all.
    tz : tzinfo, optional
        Zone of a date ``as_of`` and of the ``freq`` periods.
    by : str, callable or sequence, optional
        A dimension of the invoice (``"collector"``, ``"segment"``,
        ``"currency"``...).
    freq : {"day", "week", "month", "quarter", "year"}, optional
        Per period: sales of the invoices issued in it, write-offs made in
        it.
    customers : iterable or mapping of Customer, optional
        For ``by=`` on customer attributes.
    roles : Roles
        Activities and attribute names.

    Returns
    -------
    WriteOffRatio

    Notes
    -----
    ``amount_ratio[c] = Σ written-off amount / Σ invoice amount`` over
    currency ``c``, where an invoice's written-off amount is its amount less
    the payments received before the write-off (floored at 0); ``count_ratio
    = written off / issued``. Without ``freq`` both sums run over the
    invoices issued before ``as_of``; with it, each period compares the
    write-offs *made* in it with the sales *issued* in it (bad debt / period
    sales [JDEC]_; CRF net write-offs % of sales [CRFB]_). No sales give None.

    Examples
    --------
    >>> from kpicore.model import Invoice, Payment
    >>> from kpicore.money import Money
    >>> invs = [
    ...     Invoice("F-1", "C1", "2024-01-01", "2024-01-31", Money.of(100, "BRL"),
    ...             payments=[Payment("2024-02-10", Money.of(40, "BRL"))],
    ...             written_off_at="2024-05-01"),
    ...     Invoice("F-2", "C2", "2024-01-01", "2024-01-31", Money.of(300, "BRL")),
    ... ]
    >>> r = write_off_ratio(invs)  # (100 - 40) / (100 + 300)
    >>> r.written_off, r.count_ratio, str(r.written_off_amount["BRL"]), r.amount_ratio["BRL"]
    (1, 0.5, 'BRL 60.00', 0.15)
    """
    check_roles(roles)
    log = as_log(data)
    lg = ledger_of(log, as_of=as_of, tz=tz, roles=roles)
    n = log.n_cases
    issued = lg.is_issued
    amount_ok = lg.has_amount & lg.has_currency
    wo_ns = lg.written_off_ns
    is_wo = issued & (wo_ns != MISSING)
    # payments received before the write-off
    pidx = role_events(log, roles.payment, "payment")
    pc = log.case_codes[pidx].astype(np.int64)
    keep = is_wo[pc] & (log.timestamps[pidx] < wo_ns[pc])
    amounts, present = _event_minor(log, roles.payment_amount, pidx[keep])
    paid_before = _exact_case_sums(pc[keep], np.where(present, amounts, 0), n)
    wo_minor = np.where(
        is_wo & lg.has_amount, np.maximum(lg.amount_minor - paid_before, 0), 0
    ).astype(np.int64)
    sale_cases = np.flatnonzero(issued).astype(np.int64, copy=False)
    wo_cases = np.flatnonzero(is_wo).astype(np.int64, copy=False)
    total = _write_off_group(lg, sale_cases, wo_cases, wo_minor, amount_ok)
    groups = None
    if by is not None or freq is not None:
        items = np.concatenate([sale_cases, wo_cases])
        is_wo_item = np.concatenate(
            [np.zeros(sale_cases.shape[0], bool), np.ones(wo_cases.shape[0], bool)]
        )
        when = None
        if freq is not None:
            when = np.concatenate([lg.issued_ns[sale_cases], wo_ns[wo_cases]])
        g = item_grouping(
            data, log, items, by=by, freq=freq, when=when, tz=tz, customers=customers,
            roles=roles,
        )  # fmt: skip
        assert g is not None
        groups = g.breakdown(
            lambda ix: _write_off_group(
                lg, items[ix[~is_wo_item[ix]]], items[ix[is_wo_item[ix]]], wo_minor, amount_ok
            )
        )
    cov = lg.coverage
    return WriteOffRatio(
        invoices=total.invoices,
        written_off=total.written_off,
        count_ratio=total.count_ratio,
        sales=total.sales,
        written_off_amount=total.written_off_amount,
        amount_ratio=total.amount_ratio,
        coverage={
            "used": total.invoices,
            "issued_after_as_of": cov["issued_after_as_of"],
            "no_issue_event": cov["no_issue_event"],
            "missing_amount": cov["missing_amount"],
            "missing_currency": cov["missing_currency"],
            "written_off_not_counted": int(np.count_nonzero((wo_ns != MISSING) & ~issued)),
        },
        groups=groups,
    )


# =========================================================================== lags


@attrs.frozen(repr=False)
class EventLag(Result):
    """Days between two events of each invoice (result of :func:`posting_lag`).

    Attributes
    ----------
    metric : str
        What is measured (``"posting_lag"``).
    summary : Summary
        Days of the measured pairs; the ones without an end are ``missing``.
    coverage : Mapping[str, int]
        ``used``, and the reasons the others have no value.
    groups : Breakdown of Summary or None
        By ``by=`` and/or period (``freq=``).
    """

    metric: str
    summary: Summary
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    groups: Breakdown[Summary] | None = None

    def merge(self, other: EventLag) -> EventLag:
        """The lags of both invoice sets (disjoint): summaries merged, coverage added.

        Raises
        ------
        InvalidParameterError
            For a different metric or grouping, or an exact summary with a sketch.
        """
        _merge.check_type(self, other)
        return EventLag(
            metric=_merge.same(self.metric, other.metric, "metrics"),
            summary=_merge.merge_stat(self.summary, other.summary),
            coverage=_merge.add_counts(self.coverage, other.coverage),
            groups=_merge.merge_groups(self.groups, other.groups, _merge.merge_stat),
        )


def posting_lag(
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime | None = None,
    tz: _dt.tzinfo | None = None,
    by: By = None,
    freq: Freq | None = None,
    customers: _Customers = None,
    percentiles: Iterable[float] = DEFAULT_PERCENTILES,
    roles: Roles = DEFAULT_ROLES,
) -> EventLag:
    """Posting lag: days from *Invoice Generated* to *Invoice Posted and Sent*.

    Parameters
    ----------
    data : sequence of Invoice or EventLog
    as_of : date or aware datetime, optional
        Events strictly before this instant (a date means its end); an
        invoice posted later is ``not_posted``. ``None``: all.
    tz : tzinfo, optional
        Zone of a date ``as_of`` and of the ``freq`` periods.
    by : str, callable or sequence, optional
        A dimension of the invoice.
    freq : {"day", "week", "month", "quarter", "year"}, optional
        By issue period.
    customers : iterable or mapping of Customer, optional
        For ``by=`` on customer attributes.
    percentiles : iterable of float
        Percentiles of the summaries.
    roles : Roles
        ``generated`` and ``posted`` activities.

    Returns
    -------
    EventLag
        ``coverage``: ``used``, ``not_posted`` (no posting at or after the
        issue before ``as_of``), ``posted_before_issue`` (only postings
        before the issue), ``issued_after_as_of``, ``no_issue_event``.

    Notes
    -----
    ``lag_i = (first posted at or after t0 - t0) / 86 400 s``, ``t0`` the
    first *Invoice Generated* (Celonis ``CALC_THROUGHPUT`` first-to-first-
    after semantics, as :meth:`EventLog.case_durations`). A posting at the
    very instant of the issue counts (0 days). No published source defines
    this lag: kpicore's definition (Δ between events).

    Examples
    --------
    >>> from kpicore.model import Invoice
    >>> from kpicore.money import Money
    >>> invs = [Invoice("F-1", "C1", "2024-01-01", "2024-01-31", Money.of(1, "BRL"),
    ...                 posted_at="2024-01-03T12:00:00Z"),
    ...         Invoice("F-2", "C1", "2024-01-01", "2024-01-31", Money.of(1, "BRL"))]
    >>> r = posting_lag(invs)
    >>> r.summary.mean, r.coverage["not_posted"]
    (2.5, 1)
    """
    levels = check_percentiles(percentiles)
    check_roles(roles)
    log = as_log(data)
    lg = ledger_of(log, as_of=as_of, tz=tz, roles=roles)
    limit = lg.limit
    issued = lg.is_issued
    cases = np.flatnonzero(issued).astype(np.int64, copy=False)
    t0 = lg.issued_ns[cases]
    pidx = role_events(log, roles.posted, "posted")
    pidx = pidx[log.timestamps[pidx] < limit]
    pc = log.case_codes[pidx].astype(np.int64)
    pos = next_at_or_after(cases, t0, pc, log.timestamps[pidx])
    has = pos >= 0
    end = np.where(has, log.timestamps[pidx][np.maximum(pos, 0)] if pidx.shape[0] else 0, 0)
    days = np.where(has, (end - t0) / NS_PER_DAY_F, np.nan)
    any_post = np.zeros(log.n_cases, dtype=bool)
    any_post[pc] = True
    before = ~has & any_post[cases]
    g = item_grouping(
        data, log, cases, by=by, freq=freq, when=t0 if freq else None, tz=tz,
        customers=customers, roles=roles,
    )  # fmt: skip
    cov = lg.coverage
    return EventLag(
        metric="posting_lag",
        summary=Summary.of(days, percentiles=levels),
        coverage={
            "used": int(np.count_nonzero(has)),
            "not_posted": int(np.count_nonzero(~has & ~before)),
            "posted_before_issue": int(np.count_nonzero(before)),
            "issued_after_as_of": cov["issued_after_as_of"],
            "no_issue_event": cov["no_issue_event"],
        },
        groups=None
        if g is None
        else g.breakdown(lambda ix: Summary.of(days[ix], percentiles=levels)),
    )


@attrs.frozen(repr=False)
class CashApplicationGroup(Result):
    """Cash application of one group.

    Attributes
    ----------
    lag : Summary
        Days from receipt to posting of the posted receipts; unposted ones
        are ``missing``.
    receipts : int
        Payments received.
    applied : int
        Of those, posted (paired with a *Payment Posted*).
    rate : float or None
        ``applied / receipts``.
    received_amount, applied_amount : Mapping[str, Money]
        Per currency (receipts with an amount).
    amount_rate : Mapping[str, float or None]
        ``applied_amount / received_amount`` per currency.
    """

    lag: Summary
    receipts: int
    applied: int
    rate: float | None
    received_amount: Mapping[str, Money] = attrs.field(converter=freeze)
    applied_amount: Mapping[str, Money] = attrs.field(converter=freeze)
    amount_rate: Mapping[str, float | None] = attrs.field(converter=freeze)

    def merge(self, other: CashApplicationGroup) -> CashApplicationGroup:
        """The group over both invoice sets (disjoint): counts, amounts added; lags merged."""
        _merge.check_type(self, other)
        return _cash_group(
            _merge.merge_stat(self.lag, other.lag),
            self.receipts + other.receipts,
            self.applied + other.applied,
            _merge.add_money(self.received_amount, other.received_amount),
            _merge.add_money(self.applied_amount, other.applied_amount),
        )


@attrs.frozen(repr=False)
class CashApplication(Result):
    """Result of :func:`cash_application_lag`.

    Attributes
    ----------
    lag, receipts, applied, rate, received_amount, applied_amount, amount_rate
        As in :class:`CashApplicationGroup`, over all receipts before ``as_of``.
    pairing : str
        How receipts were matched to postings.
    coverage : Mapping[str, int]
        ``used`` (receipts posted), ``not_posted``, ``repeated_receipts``
        (pairing "first"/"last": receipts absorbed), ``unmatched_postings``
        (no open receipt before them), ``receipts_without_amount``,
        ``events_after_as_of``.
    groups : Breakdown of CashApplicationGroup or None
        By ``by=`` and/or receipt period (``freq=``).
    """

    lag: Summary
    receipts: int
    applied: int
    rate: float | None
    received_amount: Mapping[str, Money] = attrs.field(converter=freeze)
    applied_amount: Mapping[str, Money] = attrs.field(converter=freeze)
    amount_rate: Mapping[str, float | None] = attrs.field(converter=freeze)
    pairing: str
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    groups: Breakdown[CashApplicationGroup] | None = None

    def merge(self, other: CashApplication) -> CashApplication:
        """Cash application of both invoice sets (disjoint), equal to that of their union.

        Counts, amounts (per currency) and coverage are added, rates
        recomputed, lag summaries merged, groups key-wise. Both must have the
        same ``as_of`` (not stored, so not checked).

        Raises
        ------
        InvalidParameterError
            For a different pairing or grouping.
        """
        _merge.check_type(self, other)
        pairing = _merge.same(self.pairing, other.pairing, "pairings")
        total = self._total().merge(other._total())
        return CashApplication(
            lag=total.lag,
            receipts=total.receipts,
            applied=total.applied,
            rate=total.rate,
            received_amount=total.received_amount,
            applied_amount=total.applied_amount,
            amount_rate=total.amount_rate,
            pairing=pairing,
            coverage=_merge.add_counts(self.coverage, other.coverage),
            groups=_merge.merge_groups(self.groups, other.groups, CashApplicationGroup.merge),
        )

    def _total(self) -> CashApplicationGroup:
        return CashApplicationGroup(
            self.lag, self.receipts, self.applied, self.rate, self.received_amount,
            self.applied_amount, self.amount_rate,
        )  # fmt: skip


def _cash_group(
    lag: Summary,
    n_rec: int,
    n_app: int,
    received: Mapping[str, Money],
    applied_amt: Mapping[str, Money],
) -> CashApplicationGroup:
    return CashApplicationGroup(
        lag=lag,
        receipts=n_rec,
        applied=n_app,
        rate=ratio(n_app, n_rec),
        received_amount=received,
        applied_amount=applied_amt,
        amount_rate={
            k: ratio(applied_amt[k].minor if k in applied_amt else 0, v.minor)
            for k, v in received.items()
        },
    )


def cash_application_lag(
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime | None = None,
    tz: _dt.tzinfo | None = None,
    by: By = None,
    freq: Freq | None = None,
    pairing: Literal["fifo", "first", "last"] = "fifo",
    customers: _Customers = None,
    percentiles: Iterable[float] = DEFAULT_PERCENTILES,
    roles: Roles = DEFAULT_ROLES,
) -> CashApplication:
    """Cash application lag (receipt to posting) and cash application rate.

    Parameters
    ----------
    data : sequence of Invoice or EventLog
    as_of : date or aware datetime, optional
        Events strictly before this instant (a date means its end); a
        receipt posted later is unposted. ``None``: all.
    tz : tzinfo, optional
        Zone of a date ``as_of`` and of the ``freq`` periods.
    by : str, callable or sequence, optional
        A dimension of the invoice.
    freq : {"day", "week", "month", "quarter", "year"}, optional
        By receipt period.
    pairing : {"fifo", "first", "last"}
        ``"fifo"`` (default): each posting applies the oldest unposted receipt
        of the invoice (instalments posted in order); ``"first"`` /
        ``"last"``: episodes as :meth:`EventLog.pairs` (see
        :mod:`kpicore.kpis.disputes`).
    customers : iterable or mapping of Customer, optional
        For ``by=`` on customer attributes.
    percentiles : iterable of float
        Percentiles of the lag summaries.
    roles : Roles
        ``payment``, ``payment_posted`` and ``payment_amount``.

    Returns
    -------
    CashApplication

    Notes
    -----
    ``lag_i = (posted_i - received_i) / 86 400 s`` for each receipt paired
    with a posting before ``as_of``; ``rate = applied / receipts`` and, per
    currency, ``amount_rate = Σ applied receipts / Σ receipts`` (cash
    application rate ★ 186.2M / 210.4M = 88.5 % [VTX]_). No published source
    defines the lag itself: kpicore's definition (Δ between events). No
    receipt gives None rates.

    Examples
    --------
    Two instalments of F-1, the first posted after 1 day, the second not yet:

    >>> from kpicore.model import Invoice, Payment
    >>> from kpicore.money import Money
    >>> inv = Invoice("F-1", "C1", "2024-01-01", "2024-01-31", Money.of(100, "BRL"),
    ...               payments=[Payment("2024-01-10", Money.of(30, "BRL"),
    ...                                 posted_at="2024-01-11"),
    ...                         Payment("2024-01-20", Money.of(70, "BRL"))])
    >>> r = cash_application_lag([inv])
    >>> r.lag.mean, r.applied, r.rate, r.amount_rate["BRL"]
    (1.0, 1, 0.5, 0.3)
    """
    levels = check_percentiles(percentiles)
    check_roles(roles)
    log = as_log(data)
    lg = ledger_of(log, as_of=as_of, tz=tz, roles=roles)
    limit = limit_ns(as_of, tz)
    pr = pair_events(
        log, roles.payment, roles.payment_posted, limit, check_pairing(pairing),
        params=("payment", "payment_posted"),
    )  # fmt: skip
    case = pr.case_codes
    applied = ~pr.is_open
    start_ns = pr.start_ns
    days = pr.days
    amounts, present = _event_minor(log, roles.payment_amount, pr.start_index)
    amounts = np.where(present, amounts, 0)
    codes = lg.currency_code[case] if case.shape[0] else np.zeros(0, dtype=np.int32)

    def compute(ix: _I64) -> CashApplicationGroup:
        a = applied[ix]
        ok = present[ix]
        received = money_totals(lg.currencies, codes[ix][ok], amounts[ix][ok])
        applied_amt = money_totals(lg.currencies, codes[ix][ok & a], amounts[ix][ok & a])
        n_rec, n_app = int(ix.shape[0]), int(np.count_nonzero(a))
        return CashApplicationGroup(
            lag=Summary.of(days[ix], percentiles=levels),
            receipts=n_rec,
            applied=n_app,
            rate=ratio(n_app, n_rec),
            received_amount=received,
            applied_amount=applied_amt,
            amount_rate={
                k: ratio(applied_amt[k].minor if k in applied_amt else 0, v.minor)
                for k, v in received.items()
            },
        )

    total = compute(np.arange(case.shape[0], dtype=np.int64))
    g = item_grouping(
        data, log, case, by=by, freq=freq, when=start_ns if freq else None, tz=tz,
        customers=customers, roles=roles,
    )  # fmt: skip
    return CashApplication(
        lag=total.lag,
        receipts=total.receipts,
        applied=total.applied,
        rate=total.rate,
        received_amount=total.received_amount,
        applied_amount=total.applied_amount,
        amount_rate=total.amount_rate,
        pairing=pairing,
        coverage={
            "used": total.applied,
            "not_posted": total.receipts - total.applied,
            "repeated_receipts": pr.repeated_starts,
            "unmatched_postings": pr.unmatched_ends,
            "receipts_without_amount": int(np.count_nonzero(~present)),
            "events_after_as_of": pr.events_after_as_of,
        },
        groups=None if g is None else g.breakdown(compute),
    )


# =========================================================================== promises


@attrs.frozen(repr=False)
class PromiseKeptRateGroup(Result):
    """Promises to pay of one group.

    Attributes
    ----------
    promises : int
        Promises made before ``as_of`` (with a promised date).
    kept, pending, broken : int
        Catchpole's statuses as of ``as_of``: kept (paid on or before the
        promised date), pending (date not over, not paid yet), broken (date
        over, not paid).
    kept_rate : float or None
        ``kept / (kept + broken)``: pending promises are not decided yet.
        None when no promise is decided.
    """

    promises: int
    kept: int
    pending: int
    broken: int
    kept_rate: float | None

    def merge(self, other: PromiseKeptRateGroup) -> PromiseKeptRateGroup:
        """The group over both invoice sets (disjoint): counts added, rate recomputed."""
        _merge.check_type(self, other)
        k, b = self.kept + other.kept, self.broken + other.broken
        return PromiseKeptRateGroup(
            promises=self.promises + other.promises,
            kept=k,
            pending=self.pending + other.pending,
            broken=b,
            kept_rate=ratio(k, k + b),
        )


@attrs.frozen(repr=False)
class PromiseKeptRate(Result):
    """Result of :func:`promise_kept_rate`.

    Attributes
    ----------
    promises, kept, pending, broken, kept_rate
        As in :class:`PromiseKeptRateGroup`, over all promises.
    require_amount : bool
        Whether "kept" needed the promised amount.
    coverage : Mapping[str, int]
        ``used`` (promises counted), ``missing_promised_date`` (left out),
        ``promises_without_amount`` (with ``require_amount``: judged on any
        payment), ``promises_after_as_of``.
    groups : Breakdown of PromiseKeptRateGroup or None
        By ``by=`` and/or the period of the promised date (``freq=``).
    """

    promises: int
    kept: int
    pending: int
    broken: int
    kept_rate: float | None
    require_amount: bool
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    groups: Breakdown[PromiseKeptRateGroup] | None = None

    def merge(self, other: PromiseKeptRate) -> PromiseKeptRate:
        """Promises of both invoice sets (disjoint), equal to those of their union.

        Both must cover the same window: pass the same explicit ``as_of``
        (without it each ends at its own log's last event, which this method
        cannot check; :func:`kpicore.dask.promise_kept_rate` supplies it).

        Raises
        ------
        InvalidParameterError
            For a different ``require_amount`` or grouping.
        """
        _merge.check_type(self, other)
        req = _merge.same(self.require_amount, other.require_amount, "require_amount")
        mine = PromiseKeptRateGroup(self.promises, self.kept, self.pending, self.broken,
                                    self.kept_rate)  # fmt: skip
        total = mine.merge(
            PromiseKeptRateGroup(
                other.promises, other.kept, other.pending, other.broken, other.kept_rate
            )
        )
        return PromiseKeptRate(
            promises=total.promises,
            kept=total.kept,
            pending=total.pending,
            broken=total.broken,
            kept_rate=total.kept_rate,
            require_amount=req,
            coverage=_merge.add_counts(self.coverage, other.coverage),
            groups=_merge.merge_groups(self.groups, other.groups, PromiseKeptRateGroup.merge),
        )


def promise_kept_rate(
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime | None = None,
    tz: _dt.tzinfo | None = None,
    by: By = None,
    freq: Freq | None = None,
    require_amount: bool = False,
    customers: _Customers = None,
    roles: Roles = DEFAULT_ROLES,
) -> PromiseKeptRate:
    """Promise-to-pay kept rate, with the kept / pending / broken statuses.

    Parameters
    ----------
    data : sequence of Invoice or EventLog
        A log needs the ``promised_date`` event attribute on its *Promise to
        Pay Created* events (``roles.promised_date``: dates, or ISO date
        strings). Invoices are converted by :meth:`EventLog.from_invoices`,
        which writes it from their :class:`~kpicore.model.PromiseToPay`
        records, so both kinds of input take the same path.
    as_of : date or aware datetime, optional
        Promises and payments strictly before this instant (a date means its
        end). ``None``: the log's last event is the horizon (a promise whose
        date is not over then is pending).
    tz : tzinfo, optional
        Calendar of the promised dates (a promise is kept by the end of its
        date in ``tz``; UTC by default), of a date ``as_of`` and of the
        ``freq`` periods.
    by : str, callable or sequence, optional
        A dimension of the invoice.
    freq : {"day", "week", "month", "quarter", "year"}, optional
        By the period of the promised date.
    require_amount : bool, default False
        False: one payment in the window keeps the promise (Catchpole: "paid
        on or before the date"). True: the payments in the window must add
        up to the promised amount (promises without an amount: any payment).
    customers : iterable or mapping of Customer, optional
        For ``by=`` on customer attributes.
    roles : Roles
        ``promise``, ``payment``, ``promised_date`` and ``payment_amount``.

    Returns
    -------
    PromiseKeptRate

    Raises
    ------
    MissingDataError
        When a log has no promised-date attribute.

    Notes
    -----
    The window of a promise is ``[created, end of the promised date)``.
    Kept: a payment received in the window (or, with ``require_amount``,
    payments in it summing to the promised amount). Otherwise pending while
    the promised date is not over at ``as_of``, broken once it is (D365:
    "promise to pay broken" once the aging date passes the promise date
    [D-SNAP]_). ``kept_rate = kept / (kept + broken)``; Catchpole's
    "Cancelled" status has no event in the template and is not derived
    [CATCH]_. pt-BR labels: :data:`PROMISE_STATUS_LABELS_PT`.

    Examples
    --------
    >>> import datetime as dt
    >>> from kpicore.model import Invoice, Payment, PromiseToPay
    >>> from kpicore.money import Money
    >>> invs = [
    ...     Invoice("F-1", "C1", "2024-01-01", "2024-01-10", Money.of(10, "BRL"),
    ...             promises=[PromiseToPay("2024-01-15", "2024-01-20")],
    ...             payments=[Payment("2024-01-20T18:00:00Z", Money.of(10, "BRL"))]),
    ...     Invoice("F-2", "C1", "2024-01-01", "2024-01-10", Money.of(10, "BRL"),
    ...             promises=[PromiseToPay("2024-01-15", "2024-01-20")]),
    ...     Invoice("F-3", "C1", "2024-01-01", "2024-01-10", Money.of(10, "BRL"),
    ...             promises=[PromiseToPay("2024-01-25", "2024-02-05")]),
    ... ]
    >>> r = promise_kept_rate(invs, as_of=dt.date(2024, 1, 31))
    >>> r.kept, r.pending, r.broken, r.kept_rate
    (1, 1, 1, 0.5)
    """
    if not isinstance(require_amount, bool):
        raise InvalidParameterError(
            f"require_amount must be True or False, got {require_amount!r}"
        )
    check_roles(roles)
    log, invoices = as_log_with_invoices(data)
    limit = horizon_ns(log, as_of, tz)
    pr = promise_statuses(log, roles, limit, tz, require_amount=require_amount)
    case, pdays, p_has_amount, status = pr.case, pr.promised_day, pr.has_amount, pr.status
    missing_date, after = pr.missing_date, pr.after_bound

    def compute(ix: _I64) -> PromiseKeptRateGroup:
        cnt = np.bincount(status[ix], minlength=3)
        k, p, b = int(cnt[0]), int(cnt[1]), int(cnt[2])
        return PromiseKeptRateGroup(
            promises=int(ix.shape[0]), kept=k, pending=p, broken=b, kept_rate=ratio(k, k + b)
        )

    total = compute(np.arange(case.shape[0], dtype=np.int64))
    g = item_grouping(
        log if invoices is None else invoices, log, case, by=by, freq=freq,
        when=pdays.view("datetime64[D]") if freq else None, tz=None, customers=customers,
        roles=roles, invoices=invoices,
    )  # fmt: skip
    return PromiseKeptRate(
        promises=total.promises,
        kept=total.kept,
        pending=total.pending,
        broken=total.broken,
        kept_rate=total.kept_rate,
        require_amount=require_amount,
        coverage={
            "used": total.promises,
            "missing_promised_date": missing_date,
            "promises_without_amount": int(np.count_nonzero(~p_has_amount)),
            "promises_after_as_of": after,
        },
        groups=None if g is None else g.breakdown(compute),
    )


# =========================================================================== credit limits


@attrs.frozen(repr=False)
class CreditLimitGroup(Result):
    """Credit-limit utilisation of one group of customers.

    Attributes
    ----------
    customers : int
        Customers with a credit limit.
    breaches : int
        Those whose open amount exceeds the limit.
    breach_rate : float or None
        ``breaches / customers``.
    utilisation : Summary
        Open ÷ limit per customer (unit ``"ratio"``; a zero limit has no
        ratio and is ``missing``).
    """

    customers: int
    breaches: int
    breach_rate: float | None
    utilisation: Summary


@attrs.frozen(eq=False, repr=False)
class CreditLimitUtilisation(Result):
    """Result of :func:`credit_limit_utilisation`: one row per customer with a limit.

    Attributes
    ----------
    customer_ids : ndarray of object
        Customers with a credit limit, sorted by id.
    currency : ndarray of object
        The currency of each limit.
    limit_minor, open_minor : ndarray of int64
        The limit and the open amount (invoices in the limit's currency), in
        minor units.
    utilisation : ndarray of float64
        ``open / limit`` (NaN for a zero limit).
    breach : ndarray of bool
        ``open > limit``.
    customers, breaches, breach_rate, utilisation_summary
        Totals as in :class:`CreditLimitGroup`.
    limit_total, open_total : Mapping[str, Money]
        Sums per currency (credit used vs total credit limit).
    coverage : Mapping[str, int]
        ``customers`` (given), ``with_credit_limit``, ``without_credit_limit``,
        ``zero_limit``, ``open_invoices``, and open invoices not counted:
        ``open_invoices_unknown_customer``, ``open_invoices_without_limit``,
        ``open_invoices_other_currency`` (another currency than the limit's),
        ``open_invoices_missing_customer``.
    groups : Breakdown of CreditLimitGroup or None
        By a customer attribute (``by=``).
    """

    customer_ids: npt.NDArray[np.object_] = attrs.field(converter=ro)
    currency: npt.NDArray[np.object_] = attrs.field(converter=ro)
    limit_minor: _I64 = attrs.field(converter=ro)
    open_minor: _I64 = attrs.field(converter=ro)
    utilisation: npt.NDArray[np.float64] = attrs.field(converter=ro)
    breach: _B = attrs.field(converter=ro)
    customers: int
    breaches: int
    breach_rate: float | None
    utilisation_summary: Summary
    limit_total: Mapping[str, Money] = attrs.field(converter=freeze)
    open_total: Mapping[str, Money] = attrs.field(converter=freeze)
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    groups: Breakdown[CreditLimitGroup] | None = None

    def row(self, customer_id: str) -> dict[str, Any]:
        """One customer's row: limit, open, headroom (Money), utilisation, breach.

        Raises
        ------
        MissingDataError
            For a customer without a credit limit (or unknown).
        """
        i = int(np.searchsorted(self.customer_ids, customer_id))
        if i >= self.customer_ids.shape[0] or self.customer_ids[i] != customer_id:
            raise MissingDataError(f"no customer {customer_id!r} with a credit limit")
        code = str(self.currency[i])
        u = float(self.utilisation[i])
        return {
            "customer_id": customer_id,
            "credit_limit": Money(int(self.limit_minor[i]), code),
            "open": Money(int(self.open_minor[i]), code),
            "headroom": Money(int(self.limit_minor[i] - self.open_minor[i]), code),
            "utilisation": None if u != u else u,
            "breach": bool(self.breach[i]),
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (per-customer columns as lists)."""
        return fields_to_dict(self)


def credit_limit_utilisation(
    data: InvoiceData,
    *,
    customers: Iterable[Customer] | Mapping[str, Customer],
    as_of: _dt.date | _dt.datetime | None = None,
    tz: _dt.tzinfo | None = None,
    by: By = None,
    percentiles: Iterable[float] = DEFAULT_PERCENTILES,
    roles: Roles = DEFAULT_ROLES,
) -> CreditLimitUtilisation:
    """Credit-limit utilisation and breaches per customer, as of a date.

    Parameters
    ----------
    data : sequence of Invoice or EventLog
        A log needs a ``customer_id`` case attribute.
    customers : iterable or mapping of Customer
        The customers and their ``credit_limit``.
    as_of : date or aware datetime, optional
        The open amounts as of this instant (a date means its end).
        ``None``: everything recorded.
    tz : tzinfo, optional
        Zone of a date ``as_of``.
    by : str, callable or sequence, optional
        An attribute of the customer (``"segment"``, ``"country"``...).
    percentiles : iterable of float
        Percentiles of the utilisation summaries.
    roles : Roles
        Activities and attribute names.

    Returns
    -------
    CreditLimitUtilisation

    Raises
    ------
    MissingDataError
        When the log has no ``customer_id`` case attribute.
    InvalidRecordError
        For an item that is not a Customer, or a repeated customer id.

    Notes
    -----
    ``open_c = Σ open amount`` of customer ``c``'s invoices in the currency
    of its limit (the ledger's open amount: amount less payments, 0 once
    settled or written off); ``utilisation_c = open_c / limit_c``; breach
    when ``open_c > limit_c``. This is D365's "Balance" credit check [D-CL]_
    and Power BI's "credit used vs total credit limit" [D-PBI]_; deliveries
    and open orders (D365's other options) are not in an invoice log. Open
    invoices in another currency are never converted: they are counted in
    ``coverage``. A zero limit gives no ratio (NaN, ``missing``) and is a
    breach as soon as anything is open.

    Examples
    --------
    >>> from kpicore.model import Customer, Invoice, Payment
    >>> from kpicore.money import Money
    >>> custs = [Customer("C1", "Ana", credit_limit=Money.of(100, "BRL")),
    ...          Customer("C2", "Bia", credit_limit=Money.of(50, "BRL")),
    ...          Customer("C3", "Caio")]
    >>> invs = [Invoice("F-1", "C1", "2024-01-01", "2024-01-31", Money.of(80, "BRL"),
    ...                 payments=[Payment("2024-01-10", Money.of(20, "BRL"))]),
    ...         Invoice("F-2", "C2", "2024-01-01", "2024-01-31", Money.of(70, "BRL"))]
    >>> r = credit_limit_utilisation(invs, customers=custs)
    >>> r.utilisation.tolist(), r.breach.tolist(), r.breach_rate
    ([0.6, 1.4], [False, True], 0.5)
    >>> str(r.row("C2")["headroom"])
    'BRL -20.00'
    """
    levels = check_percentiles(percentiles)
    check_roles(roles)
    custs = sorted(
        unique_records(
            customers.values() if isinstance(customers, Mapping) else customers,
            Customer,
            "customers",
        ),
        key=lambda c: c.id,
    )
    log = as_log(data)
    if "customer_id" not in log.case_attribute_names:
        raise MissingDataError(
            "credit_limit_utilisation needs a 'customer_id' case attribute; case attributes: "
            f"{list(log.case_attribute_names)}"
        )
    lg = ledger_of(log, as_of=as_of, tz=tz, roles=roles)
    with_limit = [c for c in custs if c.credit_limit is not None]
    m = len(with_limit)
    ids = np.empty(m, dtype=object)
    ids[:] = [c.id for c in with_limit]
    lim_cur = np.empty(m, dtype=object)
    lim_cur[:] = [c.credit_limit.currency for c in with_limit if c.credit_limit is not None]
    lim_minor = np.array(
        [c.credit_limit.minor for c in with_limit if c.credit_limit is not None], dtype=np.int64
    )
    all_ids = np.empty(len(custs), dtype=object)
    all_ids[:] = [c.id for c in custs]
    # open invoices -> customer (vectorised lookups in the sorted id tables)
    open_cases = np.flatnonzero(lg.open_minor > 0).astype(np.int64, copy=False)
    inv_cust = log.case_attribute("customer_id")[open_cases]
    missing_cust = np.array([v is None for v in inv_cust.tolist()], dtype=bool)
    probe = np.where(missing_cust, "", inv_cust).astype(object)

    def lookup(table: npt.NDArray[np.object_]) -> _I64:
        if table.shape[0] == 0:
            return np.full(probe.shape[0], -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(table, probe), table.shape[0] - 1)
        return np.where((table[pos] == probe) & ~missing_cust, pos, -1).astype(np.int64)

    known = lookup(all_ids) >= 0
    k = lookup(ids)
    cur_index = {code: i for i, code in enumerate(lg.currencies)}
    lim_code = np.array([cur_index.get(code, -2) for code in lim_cur.tolist()], dtype=np.int64)
    inv_code = lg.currency_code[open_cases].astype(np.int64)
    has_lim = k >= 0
    same_cur = np.zeros(open_cases.shape[0], dtype=bool)
    same_cur[has_lim] = inv_code[has_lim] == lim_code[k[has_lim]]
    use = has_lim & same_cur
    open_sum = np.zeros(m, dtype=np.int64)
    if bool(use.any()):
        order = np.argsort(k[use], kind="stable")
        kk = k[use][order]
        vv = lg.open_minor[open_cases[use]][order]
        h = np.flatnonzero(np.concatenate([[True], kk[1:] != kk[:-1]]))
        open_sum[kk[h]] = np.add.reduceat(vv, h)
    zero = lim_minor == 0
    util = np.where(zero, np.nan, open_sum / np.where(zero, 1, lim_minor))
    breach = open_sum > lim_minor

    def compute(ix: _I64) -> CreditLimitGroup:
        b = int(np.count_nonzero(breach[ix]))
        return CreditLimitGroup(
            customers=int(ix.shape[0]),
            breaches=b,
            breach_rate=ratio(b, int(ix.shape[0])),
            utilisation=Summary.of(util[ix], percentiles=levels, unit="ratio"),
        )

    total = compute(np.arange(m, dtype=np.int64))
    groups = None
    if by is not None:
        name, keys = resolve_by(with_limit, by)
        groups = make_grouping(m, by_name=name, by_keys=keys).breakdown(compute)

    def totals(values: _I64) -> dict[str, Money]:
        out: dict[str, Money] = {}
        for code in sorted(set(lim_cur.tolist())):
            sel = lim_cur == code
            out[code] = Money(int(values[sel].sum(dtype=np.int64)), code)
        return out

    return CreditLimitUtilisation(
        customer_ids=ids,
        currency=lim_cur,
        limit_minor=lim_minor,
        open_minor=open_sum,
        utilisation=util,
        breach=breach,
        customers=total.customers,
        breaches=total.breaches,
        breach_rate=total.breach_rate,
        utilisation_summary=total.utilisation,
        limit_total=totals(lim_minor),
        open_total=totals(open_sum),
        coverage={
            "customers": len(custs),
            "with_credit_limit": m,
            "without_credit_limit": len(custs) - m,
            "zero_limit": int(np.count_nonzero(zero)),
            "open_invoices": int(open_cases.shape[0]),
            "open_invoices_unknown_customer": int(np.count_nonzero(~known & ~missing_cust)),
            "open_invoices_without_limit": int(np.count_nonzero(known & ~has_lim)),
            "open_invoices_other_currency": int(np.count_nonzero(has_lim & ~same_cur)),
            "open_invoices_missing_customer": int(np.count_nonzero(missing_cust)),
        },
        groups=groups,
    )


# =========================================================================== workload


@attrs.frozen(repr=False)
class WorkloadGroup(Result):
    """Open book of one collector (or group).

    Attributes
    ----------
    open_invoices : int
        Invoices open (issued, neither settled nor written off) at ``as_of``.
    open_amount : Mapping[str, Money]
        Their open amount per currency.
    overdue_invoices : int
        Of those, past their due date.
    overdue_amount : Mapping[str, Money]
        Their open amount per currency.
    disputed_invoices : int
        Open invoices with an open dispute.
    customers : int
        Distinct customers of the open invoices (0 without a ``customer_id``
        attribute).
    """

    open_invoices: int
    open_amount: Mapping[str, Money] = attrs.field(converter=freeze)
    overdue_invoices: int = 0
    overdue_amount: Mapping[str, Money] = attrs.field(converter=freeze, factory=dict)
    disputed_invoices: int = 0
    customers: int = 0


@attrs.frozen(repr=False)
class CollectorWorkload(Result):
    """Result of :func:`collector_workload`.

    Attributes
    ----------
    total : WorkloadGroup
        The whole open book.
    coverage : Mapping[str, int]
        ``used`` (open invoices), ``closed`` (settled or written off),
        ``issued_after_as_of``, ``no_issue_event``, ``missing_due_date``
        (open, never counted as overdue), ``unassigned`` (open invoices
        whose ``by`` key is None, e.g. no collector).
    groups : Breakdown of WorkloadGroup or None
        Per collector (default ``by="collector"``; None last), and/or per
        period of the due date (``freq=``).
    """

    total: WorkloadGroup
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    groups: Breakdown[WorkloadGroup] | None = None


def collector_workload(
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime | None = None,
    tz: _dt.tzinfo | None = None,
    by: By = "collector",
    freq: Freq | None = None,
    customers: _Customers = None,
    roles: Roles = DEFAULT_ROLES,
) -> CollectorWorkload:
    """Collector workload: open invoices and amounts per collector, as of a date.

    Parameters
    ----------
    data : sequence of Invoice or EventLog
    as_of : date or aware datetime, optional
        The snapshot instant (a date means its end). ``None``: the log's
        last event (everything recorded; overdue measured then).
    tz : tzinfo, optional
        Calendar of ``as_of`` (its day decides what is overdue) and of the
        ``freq`` periods.
    by : str, callable, sequence or None, default "collector"
        The dimension of the workload (``"collector"``, or e.g.
        ``"segment"``); None for the total only.
    freq : {"day", "week", "month", "quarter", "year"}, optional
        Also split by the period of the due date.
    customers : iterable or mapping of Customer, optional
        For ``by=`` on customer attributes.
    roles : Roles
        Activities and attribute names.

    Returns
    -------
    CollectorWorkload

    Notes
    -----
    Open = issued before ``as_of`` and neither settled nor written off then
    (the ledger's status open / partially paid / disputed). Overdue = open
    and the calendar day of ``as_of`` (in ``tz``) is after the due date, as
    :func:`kpicore.kpis.overdue.days_overdue` counts it (the due date is day
    0 [ORABI]_).
    Amounts are the ledger's open amounts, summed per currency. A snapshot:
    no source defines workload beyond "open items per collector".

    Examples
    --------
    >>> import datetime as dt
    >>> from kpicore.model import Invoice, Payment
    >>> from kpicore.money import Money
    >>> invs = [
    ...     Invoice("F-1", "C1", "2024-01-01", "2024-01-10", Money.of(100, "BRL"),
    ...             collector="ana", payments=[Payment("2024-01-05", Money.of(30, "BRL"))]),
    ...     Invoice("F-2", "C2", "2024-01-01", "2024-02-10", Money.of(50, "BRL"),
    ...             collector="ana"),
    ...     Invoice("F-3", "C3", "2024-01-01", "2024-01-10", Money.of(10, "BRL"),
    ...             collector="bruno", payments=[Payment("2024-01-09", Money.of(10, "BRL"))]),
    ... ]
    >>> w = collector_workload(invs, as_of=dt.date(2024, 1, 31))
    >>> ana = w.groups["ana"]
    >>> ana.open_invoices, str(ana.open_amount["BRL"]), ana.overdue_invoices
    (2, 'BRL 120.00', 1)
    >>> "bruno" in w.groups
    False
    """
    check_roles(roles)
    log = as_log(data)
    lg = ledger_of(log, as_of=as_of, tz=tz, roles=roles)
    limit = horizon_ns(log, as_of, tz)
    is_open = lg.is_open
    cases = np.flatnonzero(is_open).astype(np.int64, copy=False)
    # overdue as days_overdue counts it: the as-of calendar day is after the due date
    if as_of is not None:
        ref_day = (as_of_date(as_of, tz=tz) - _dt.date(1970, 1, 1)).days
    else:
        ref_day = int(to_day(np.array([limit - 1], dtype=np.int64), tz=tz)[0])
    overdue = is_open & lg.has_due_date & (lg.due_days < ref_day)
    disputed = is_open & (lg.open_disputes > 0)
    cust: npt.NDArray[Any] | None = None
    if "customer_id" in log.case_attribute_names:
        cust = log.case_attribute("customer_id")

    def compute(ix: _I64) -> WorkloadGroup:
        c = cases[ix]
        od = c[overdue[c]]
        n_cust = 0
        if cust is not None and c.shape[0]:
            n_cust = len({v for v in cust[c].tolist() if v is not None})
        return WorkloadGroup(
            open_invoices=int(c.shape[0]),
            open_amount=lg.totals(lg.open_minor, c),
            overdue_invoices=int(od.shape[0]),
            overdue_amount=lg.totals(lg.open_minor, od),
            disputed_invoices=int(np.count_nonzero(disputed[c])),
            customers=n_cust,
        )

    total = compute(np.arange(cases.shape[0], dtype=np.int64))
    unassigned = 0
    groups = None
    if by is not None or freq is not None:
        name, keys = group_keys(data, log, by, customers=customers, roles=roles)
        if keys is not None:
            unassigned = int(np.count_nonzero(np.array([k is None for k in keys[cases]])))
        g = make_grouping(
            int(cases.shape[0]),
            by_name=name,
            by_keys=None if keys is None else keys[cases],
            freq=freq,
            when=lg.due_day[cases] if freq else None,
        )
        groups = g.breakdown(compute)
    cov = lg.coverage
    return CollectorWorkload(
        total=total,
        coverage={
            "used": total.open_invoices,
            "closed": int(np.count_nonzero(lg.is_settled | lg.is_written_off)),
            "issued_after_as_of": cov["issued_after_as_of"],
            "no_issue_event": cov["no_issue_event"],
            "missing_due_date": int(np.count_nonzero(is_open & ~lg.has_due_date)),
            "unassigned": unassigned,
        },
        groups=groups,
    )
