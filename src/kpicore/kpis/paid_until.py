"""*Pago até* (paid-until) status of ISP contracts: advance, status, flags and dashboard.

The *pago até* date of a contract (IXC ``cliente_contrato.pago_ate_data``) is
the last day of the latest paid service period: each paid bill (*boleto*)
advances it by one billing period, a reversed payment (*estorno*) moves it
back. Whether a contract is up to date depends on its billing mode: a
**prepaid** contract pays a period before using it, so at ``as_of`` its
coverage must reach the end of the period in use; a **postpaid** contract pays
a period after using it, so its coverage must reach the end of the previous
period.

Periods and anchors
-------------------
Billing periods are calendar months ending on the contract's *anchor day*
(clipped to the month's last day): with anchor 10 the periods end on the 10th,
with anchor 31 they end on the last day of each month. Dates are moved from
the anchor, never chained: with anchor 31, 31 January + 1 period is 29
February 2024 and + 2 periods is 31 March (chaining 29 February + 1 month
would give 29 March). The anchor of a contract is its ``billing_day`` when
set; otherwise the day of its *pago até* date, where the last day of a month
means "end of month" (anchor 31, the end-of-month rule of date rolling).

Functions
---------
:func:`advance_paid_until`
    Move a *pago até* date by N periods (negative N for reversals).
:func:`expected_paid_until`
    The date a contract's coverage must reach at ``as_of`` for its billing mode.
:func:`paid_until_status`
    Per-contract status (em dia, em atraso, adiantado, nunca pago), days and
    periods behind, month offset and the two operational flags.
:func:`paid_until_distribution`
    The dashboard as data: contracts by *pago até* month relative to the
    ``as_of`` month, by access status, and the share inside the healthy window.

References
----------
IXC Provedor ``cliente_contrato`` fields (``pago_ate_data``, ``status``,
``status_internet``, ``isentar_contrato``, ``data_ativacao``) [IXC-API]_,
https://github.com/isacna/ixc-soft-api; the prepaid/postpaid expectation from a
bill's service period against its due date [HUBSOFT]_; grace 15 days = the
notice period of Anatel's RGC, Resolução 632/2014 and 765/2023 [ANATEL-2014]_
[ANATEL-SUSP]_. The other thresholds (healthy window -2..+2 months, ahead limit 2
months, cancellation candidates after 2 months blocked and behind, with loaned
equipment, *comodato*, to recover) are kpicore's defaults, all parameters.
"""

from __future__ import annotations

import types
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any, NamedTuple

import attrs
import numpy as np
import numpy.typing as npt

from kpicore.errors import InvalidParameterError
from kpicore.grouping import By, make_grouping, resolve_by
from kpicore.model import (
    AccessStatus,
    BillingMode,
    Contract,
    ContractStatus,
    Customer,
    customers_by_id,
    unique_records,
)
from kpicore.model.enums import enum_members
from kpicore.periods import Period, as_of_date
from kpicore.results import Breakdown, Result, fields_to_dict, freeze

__all__ = [
    "ContractPaidUntil",
    "PaidUntilBin",
    "PaidUntilDistribution",
    "PaidUntilReport",
    "PaidUntilStatus",
    "PaidUntilSummary",
    "advance_paid_until",
    "expected_paid_until",
    "paid_until_distribution",
    "paid_until_status",
]

_D = "datetime64[D]"
_M = "datetime64[M]"
_NAT_D = np.datetime64("NaT", "D")

_DEFAULT_STATUSES: tuple[ContractStatus, ...] = (ContractStatus.ACTIVE,)
_DEFAULT_IN_USE: tuple[AccessStatus, ...] = (AccessStatus.ACTIVE,)
_DEFAULT_BLOCKED: tuple[AccessStatus, ...] = (
    AccessStatus.BLOCKED_AUTO,
    AccessStatus.BLOCKED_MANUAL,
)
_ACCESS: tuple[AccessStatus, ...] = tuple(AccessStatus)


class PaidUntilStatus(StrEnum):
    """The *pago até* status of a contract at ``as_of``.

    Attributes
    ----------
    CURRENT
        *Em dia*: coverage reaches what the billing mode requires.
    BEHIND
        *Em atraso*: coverage falls short (at least one day behind).
    AHEAD
        *Adiantado*: the *pago até* month is more than ``ahead_limit_months``
        after the ``as_of`` month (possible fraud or operational error).
    NEVER_PAID
        *Nunca pago*: the contract has no *pago até* date.

    Examples
    --------
    >>> PaidUntilStatus.BEHIND.label_pt
    'Em atraso'
    >>> [s.label_pt for s in PaidUntilStatus]
    ['Em dia', 'Em atraso', 'Adiantado', 'Nunca pago']
    """

    CURRENT = "current"
    BEHIND = "behind"
    AHEAD = "ahead"
    NEVER_PAID = "never_paid"

    @property
    def label_pt(self) -> str:
        """The Brazilian Portuguese label of the status, for reports."""
        return _STATUS_PT[self.value]


_STATUS_PT: Mapping[str, str] = types.MappingProxyType(
    {
        "current": "Em dia",
        "behind": "Em atraso",
        "ahead": "Adiantado",
        "never_paid": "Nunca pago",
    }
)
_STATUSES: tuple[PaidUntilStatus, ...] = tuple(PaidUntilStatus)


# --------------------------------------------------------------------------- date arithmetic


def _month_index(days: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """Months since 1970-01 of each date (garbage for NaT: mask it)."""
    return days.astype(_M).astype(np.int64)


def _anchor_date(
    months: npt.NDArray[np.int64], anchor: npt.NDArray[np.int64]
) -> npt.NDArray[np.datetime64]:
    """The anchor day of each month (months since 1970-01), clipped to the month's end."""
    start = months.astype(_M).astype(_D)
    length = ((months + 1).astype(_M).astype(_D) - start).astype(np.int64)
    out: npt.NDArray[np.datetime64] = start + (np.minimum(anchor, length) - 1).astype(
        "timedelta64[D]"
    )
    return out


def _default_anchor(days: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """Day of month of each date; the last day of a month means 31 (end of month)."""
    month = days.astype(_M)
    day = (days - month.astype(_D)).astype(np.int64) + 1
    last = (days + np.timedelta64(1, "D")).astype(_M) != month
    return np.where(last, 31, day).astype(np.int64)


def _check_int(value: object, name: str, low: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InvalidParameterError(f"{name}={value!r}: expected an integer")
    if low is not None and value < low:
        raise InvalidParameterError(f"{name}={value!r}: expected an integer >= {low}")
    return int(value)


def _check_anchor(anchor_day: object) -> int:
    anchor = _check_int(anchor_day, "anchor_day")
    if not 1 <= anchor <= 31:
        raise InvalidParameterError(f"anchor_day={anchor_day!r}: expected an integer from 1 to 31")
    return anchor


def _check_date(value: object, name: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvalidParameterError(f"{name}={value!r}: expected a datetime.date")
    return value


def _one(value: np.datetime64 | npt.NDArray[Any], what: str) -> date:
    result = np.asarray(value).reshape(-1)[0].astype(object)
    if not isinstance(result, date):
        raise InvalidParameterError(f"{what} is outside the supported date range")
    return result


def advance_paid_until(
    paid_until: date | Contract | None,
    periods: int,
    *,
    anchor_day: int | None = None,
    period_months: int = 1,
    activation_date: date | None = None,
) -> date:
    """Move a *pago até* date by ``periods`` billing periods (back when negative).

    Parameters
    ----------
    paid_until : date, Contract or None
        The current *pago até* date; ``None`` for a contract never paid; or
        the :class:`~kpicore.model.Contract` itself, whose ``paid_until``,
        ``billing_day`` (the anchor) and ``activation_date`` are then used.
    periods : int
        Number of periods paid (a reversed payment, *estorno*, is ``-1``).
        ``0`` returns ``paid_until`` unchanged.
    anchor_day : int, optional
        The billing (due) day: the day of the month periods end on (1..31,
        clipped to the month's last day, so 31 is the last day of every
        month and 30 is 28/29 February). Default: the contract's
        ``billing_day`` when a Contract with one is given; otherwise the day
        of ``paid_until`` (of ``activation_date - 1`` for a contract never
        paid), where a month's last day means 31 (end of month). That guess
        cannot tell a contract billed on day 30 from an end-of-month one on
        30 November: pass the billing day (or the contract) to be exact.
    period_months : int, default 1
        Length of a billing period in months.
    activation_date : date, optional
        Required when ``paid_until`` is None: a contract never paid is covered
        up to the day before its activation, so its first period ends one
        period after that day. Default: the contract's, when one is given.

    Returns
    -------
    date

    Raises
    ------
    InvalidParameterError
        For a non-integer ``periods``, ``anchor_day`` outside 1..31,
        ``period_months < 1``, a datetime instead of a date, ``paid_until``
        None without ``activation_date`` or with ``periods < 1``, or a result
        outside the date range.

    Notes
    -----
    ``advance(d, n) = A(month(d) + n * period_months)`` for ``n != 0``, where
    ``A(m)`` is the anchor day of month ``m`` clipped to its length
    (``min(anchor_day, days_in_month(m))``); ``advance(d, 0) = d``. The
    arithmetic is the same for prepaid and postpaid contracts: the billing
    mode changes what date is *expected* at an instant
    (:func:`expected_paid_until`), not how a payment moves the date. Because
    every result is computed from the anchor (not chained from the previous
    result), advancing N then M periods equals advancing N + M periods for
    any date on its anchor, clipped months included.

    Source: the IXC Provedor API (``cliente_contrato.pago_ate_data``, the
    contract's billing day), end-of-month clipping as dateutil's
    ``relativedelta``.

    Examples
    --------
    >>> from datetime import date
    >>> advance_paid_until(date(2024, 1, 31), 1)
    datetime.date(2024, 2, 29)
    >>> advance_paid_until(date(2024, 1, 31), 2)
    datetime.date(2024, 3, 31)
    >>> advance_paid_until(date(2024, 2, 29), 1)  # last day of February: end of month
    datetime.date(2024, 3, 31)
    >>> advance_paid_until(date(2024, 2, 29), 1, anchor_day=29)
    datetime.date(2024, 3, 29)
    >>> advance_paid_until(date(2024, 3, 10), -1)  # payment reversed
    datetime.date(2024, 2, 10)
    >>> advance_paid_until(None, 1, activation_date=date(2024, 5, 10))  # 10/05 to 09/06
    datetime.date(2024, 6, 9)

    The billing day decides what the end of a 30-day month means: billed on
    day 30, 30 November + 2 periods is 30 January; without it, 30 November
    is read as the end of the month.

    >>> advance_paid_until(date(2026, 11, 30), 2, anchor_day=30)
    datetime.date(2027, 1, 30)
    >>> advance_paid_until(date(2026, 11, 30), 2)
    datetime.date(2027, 1, 31)
    >>> from kpicore.model import Contract
    >>> from kpicore.money import Money
    >>> k = Contract("K1", "C1", "Fibra", "prepaid", "active", "active", Money.of(99, "BRL"),
    ...              paid_until="2026-11-30", billing_day=30)
    >>> advance_paid_until(k, 2), advance_paid_until(k, 3)  # February: clipped to the 28th
    (datetime.date(2027, 1, 30), datetime.date(2027, 2, 28))
    """
    if isinstance(paid_until, Contract):
        contract = paid_until
        paid_until = contract.paid_until
        if anchor_day is None:
            anchor_day = contract.billing_day
        if activation_date is None:
            activation_date = contract.activation_date
    n = _check_int(periods, "periods")
    step = _check_int(period_months, "period_months", 1)
    if paid_until is None:
        if activation_date is None:
            raise InvalidParameterError(
                "paid_until=None (never paid) needs activation_date= to place the first period"
            )
        if n < 1:
            raise InvalidParameterError(
                f"periods={periods!r}: a contract never paid can only move forward (periods >= 1)"
            )
        act = _check_date(activation_date, "activation_date")
        if act == date.min:
            raise InvalidParameterError("activation_date is outside the supported date range")
        base = act - timedelta(days=1)
    else:
        base = _check_date(paid_until, "paid_until")
    anchor = None if anchor_day is None else _check_anchor(anchor_day)
    if n == 0:
        return base
    day = np.array([base], dtype=_D)
    anchor_arr = _default_anchor(day) if anchor is None else np.array([anchor], dtype=np.int64)
    target = _month_index(day) + n * step
    if not (1 - 1970) * 12 <= int(target[0]) <= (9999 - 1970) * 12 + 11:
        raise InvalidParameterError(f"{base} + {n * step} months is outside the date range")
    return _one(_anchor_date(target, anchor_arr), f"{base} + {n * step} months")


def expected_paid_until(
    as_of: date, billing_mode: BillingMode | str, *, anchor_day: int = 31
) -> date:
    """The date a contract's coverage must reach at ``as_of``, by billing mode.

    Parameters
    ----------
    as_of : date
        The day of the evaluation (its end: the day itself is in use).
    billing_mode : BillingMode or str
        ``"prepaid"`` or ``"postpaid"``.
    anchor_day : int, default 31
        Day of the month billing periods end on (31 = calendar months).

    Returns
    -------
    date
        Prepaid: the end of the period in use at ``as_of`` (the first anchor
        date on or after ``as_of``). Postpaid: the end of the previous period
        (the last anchor date before ``as_of``).

    Raises
    ------
    InvalidParameterError
        For an unknown billing mode or ``anchor_day`` outside 1..31.

    Notes
    -----
    A contract is behind when its *pago até* date is before this date (see
    :func:`paid_until_status`). Prepaid: at least the end of the current
    period; postpaid: at least the end of the previous one [HUBSOFT]_.

    Examples
    --------
    >>> from datetime import date
    >>> expected_paid_until(date(2024, 4, 15), "prepaid")
    datetime.date(2024, 4, 30)
    >>> expected_paid_until(date(2024, 4, 15), "postpaid")
    datetime.date(2024, 3, 31)
    >>> expected_paid_until(date(2024, 4, 15), "prepaid", anchor_day=10)
    datetime.date(2024, 5, 10)
    """
    day = _check_date(as_of, "as_of")
    mode = _check_mode(billing_mode)
    anchor = np.array([_check_anchor(anchor_day)], dtype=np.int64)
    asof = np.array([day], dtype=_D)
    m_first = _first_anchor_month(asof, anchor)
    month = m_first if mode is BillingMode.PREPAID else m_first - 1
    return _one(_anchor_date(month, anchor), "the expected date")


def _check_mode(value: object) -> BillingMode:
    if isinstance(value, str):
        try:
            return BillingMode(value)
        except ValueError:
            pass
    raise InvalidParameterError(f"billing_mode={value!r}: expected 'prepaid' or 'postpaid'")


def _first_anchor_month(
    asof: npt.NDArray[Any], anchor: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Month (since 1970-01) of the first anchor date on or after ``asof``."""
    m_asof = _month_index(asof)
    in_month = _anchor_date(np.broadcast_to(m_asof, anchor.shape), anchor)
    return (m_asof + (in_month < asof)).astype(np.int64)


# --------------------------------------------------------------------------- results


@attrs.frozen(repr=False)
class ContractPaidUntil(Result):
    """The *pago até* evaluation of one contract (a row of :class:`PaidUntilReport`).

    Attributes
    ----------
    contract_id, customer_id : str
    billing_mode : BillingMode
    access_status : AccessStatus
    paid_until : date or None
        The contract's *pago até* date.
    anchor_day : int or None
        Day periods end on (``billing_day``, else from ``paid_until`` or
        ``activation_date - 1``; None when none of them is known).
    expected_paid_until : date or None
        What the billing mode requires at ``as_of`` (see
        :func:`expected_paid_until`); None without an anchor.
    month_offset : int or None
        Month of ``paid_until`` minus month of ``as_of`` (None: never paid).
    periods_behind : int or None
        Unpaid periods whose payment is due: the smallest n >= 0 such that
        advancing by n periods meets the requirement.
    days_behind : int or None
        Days, up to and including ``as_of``, on which the coverage fell short
        of the requirement (0 when current). A never-paid contract counts from
        its activation; None when it has no activation date.
    status : PaidUntilStatus
    using_without_payment : bool
        Access in use (default: active) and ``days_behind > grace_days``.
    cancel_candidate : bool
        Access blocked (automatically or manually) and ``periods_behind >
        cancel_candidate_months``: candidate for cancellation and for
        recovering loaned equipment (*comodato*).
    """

    contract_id: str
    customer_id: str
    billing_mode: BillingMode
    access_status: AccessStatus
    paid_until: date | None
    anchor_day: int | None
    expected_paid_until: date | None
    month_offset: int | None
    periods_behind: int | None
    days_behind: int | None
    status: PaidUntilStatus
    using_without_payment: bool
    cancel_candidate: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready row, with the pt-BR label of the status as ``status_pt``.

        Examples
        --------
        >>> from datetime import date
        >>> row = ContractPaidUntil("K1", "C1", BillingMode.PREPAID, AccessStatus.ACTIVE,
        ...     None, None, None, None, None, None, PaidUntilStatus.NEVER_PAID, False, False)
        >>> row.to_dict()["status"], row.to_dict()["status_pt"]
        ('never_paid', 'Nunca pago')
        """
        out = fields_to_dict(self)
        out["status_pt"] = self.status.label_pt
        return out


@attrs.frozen(repr=False)
class PaidUntilSummary(Result):
    """Counts of a set of evaluated contracts (the whole report or one ``by=`` group).

    Attributes
    ----------
    considered : int
        Contracts evaluated.
    counts : Mapping[str, int]
        Contracts per status value (every status listed, zeros included).
    using_without_payment, cancel_candidates : int
        Contracts with each flag.
    """

    considered: int
    counts: Mapping[str, int] = attrs.field(converter=freeze)
    using_without_payment: int
    cancel_candidates: int

    def share(self, status: PaidUntilStatus | str) -> float | None:
        """Share of the considered contracts with ``status`` (None when none considered).

        Examples
        --------
        >>> PaidUntilSummary(4, {"current": 3, "behind": 1}, 0, 0).share("behind")
        0.25
        """
        if self.considered == 0:
            return None
        return self.counts.get(PaidUntilStatus(status).value, 0) / self.considered

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, with the pt-BR status labels in ``counts_pt``.

        Examples
        --------
        >>> PaidUntilSummary(1, {"current": 1}, 0, 0).to_dict()["counts_pt"]
        {'Em dia': 1}
        """
        return {
            "considered": self.considered,
            "counts": dict(self.counts),
            "counts_pt": {PaidUntilStatus(k).label_pt: v for k, v in self.counts.items()},
            "using_without_payment": self.using_without_payment,
            "cancel_candidates": self.cancel_candidates,
        }


@attrs.frozen(repr=False)
class PaidUntilReport(Result):
    """Result of :func:`paid_until_status`.

    Attributes
    ----------
    as_of : date
        The evaluation day.
    rows : tuple of ContractPaidUntil
        One row per evaluated contract, in input order.
    summary : PaidUntilSummary
        Counts over all rows.
    coverage : Mapping[str, int]
        ``used`` (evaluated), ``excluded_status`` (contract status not
        selected), ``excluded_exempt`` (*isento*), ``excluded_not_yet_active``
        (activated after ``as_of``). Each input contract is counted once, under
        the first reason in that order.
    groups : Breakdown of PaidUntilSummary or None
        Per ``by=`` group, when asked for.
    """

    as_of: date
    rows: tuple[ContractPaidUntil, ...]
    summary: PaidUntilSummary
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    groups: Breakdown[PaidUntilSummary] | None = None

    def flagged(self, flag: str) -> tuple[ContractPaidUntil, ...]:
        """Rows with a flag set: ``"using_without_payment"`` or ``"cancel_candidate"``.

        Examples
        --------
        >>> from datetime import date
        >>> paid_until_status([], as_of=date(2024, 1, 1)).flagged("cancel_candidate")
        ()
        """
        if flag not in ("using_without_payment", "cancel_candidate"):
            raise InvalidParameterError(
                f"flag={flag!r}: expected 'using_without_payment' or 'cancel_candidate'"
            )
        return tuple(r for r in self.rows if getattr(r, flag))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (see :func:`kpicore.results.to_jsonable`)."""
        return fields_to_dict(self)


@attrs.frozen(repr=False)
class PaidUntilBin(Result):
    """Contracts whose *pago até* falls in one month, relative to the ``as_of`` month.

    Attributes
    ----------
    offset : int
        Months after the ``as_of`` month (negative: before; 0: the same month).
    month : Period
        The calendar month.
    count : int
        Contracts in the month.
    by_access : Mapping[str, int]
        Contracts per access status value (every status listed).
    in_healthy_window : bool
        Whether ``offset`` lies inside the healthy window.
    """

    offset: int
    month: Period
    count: int
    by_access: Mapping[str, int] = attrs.field(converter=freeze)
    in_healthy_window: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (see :func:`kpicore.results.to_jsonable`)."""
        return fields_to_dict(self)


@attrs.frozen(repr=False)
class PaidUntilDistribution(Result):
    """Result of :func:`paid_until_distribution` (the *pago até* dashboard as data).

    Attributes
    ----------
    as_of : date
    as_of_month : Period
    healthy_window : tuple of int
        Inclusive month offsets ``(low, high)`` counted as healthy.
    considered : int
        Contracts in the distribution: ``sum(bin.count) + never_paid``.
    bins : tuple of PaidUntilBin
        By month offset, ascending: every offset of the healthy window (zeros
        included) and every other offset that has contracts.
    never_paid : int
        Contracts without a *pago até* date (in no bin).
    never_paid_by_access : Mapping[str, int]
    by_access : Mapping[str, int]
        Contracts per access status over all bins and the never-paid ones.
    in_window : int
        Contracts whose offset lies in the healthy window.
    healthy_share : float or None
        ``in_window / considered`` (None when nothing is considered).
    coverage : Mapping[str, int]
        As in :class:`PaidUntilReport`.
    groups : Breakdown of PaidUntilDistribution or None
        Per ``by=`` group, when asked for.
    """

    as_of: date
    as_of_month: Period
    healthy_window: tuple[int, int]
    considered: int
    bins: tuple[PaidUntilBin, ...]
    never_paid: int
    never_paid_by_access: Mapping[str, int] = attrs.field(converter=freeze)
    by_access: Mapping[str, int] = attrs.field(converter=freeze)
    in_window: int
    healthy_share: float | None
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    groups: Breakdown[PaidUntilDistribution] | None = None

    def counts(self) -> dict[int, int]:
        """``{offset: count}`` over the bins.

        Examples
        --------
        >>> from datetime import date
        >>> paid_until_distribution([], as_of=date(2024, 1, 1)).counts()
        {-2: 0, -1: 0, 0: 0, 1: 0, 2: 0}
        """
        return {b.offset: b.count for b in self.bins}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (see :func:`kpicore.results.to_jsonable`)."""
        return fields_to_dict(self)


# --------------------------------------------------------------------------- evaluation


class _Eval(NamedTuple):
    as_of: date
    used: list[Contract]
    coverage: dict[str, int]
    access: npt.NDArray[np.int64]
    paid_until: npt.NDArray[Any]
    anchor: npt.NDArray[np.int64]  # 0 = unknown
    expected: npt.NDArray[Any]  # NaT = unknown
    offset: npt.NDArray[np.int64]
    has_paid: npt.NDArray[np.bool_]
    periods_behind: npt.NDArray[np.int64]
    days_behind: npt.NDArray[np.int64]
    has_base: npt.NDArray[np.bool_]
    status: npt.NDArray[np.int64]  # index into _STATUSES
    using: npt.NDArray[np.bool_]
    cancel: npt.NDArray[np.bool_]


def _evaluate(
    contracts: Iterable[Contract],
    *,
    as_of: date | datetime,
    tz: tzinfo | None,
    contract_statuses: Iterable[ContractStatus | str] | None,
    ahead_limit_months: int,
    grace_days: int,
    cancel_candidate_months: int,
    in_use_access: Iterable[AccessStatus | str],
    blocked_access: Iterable[AccessStatus | str],
) -> _Eval:
    day = as_of_date(as_of, tz=tz)
    ahead_limit = _check_int(ahead_limit_months, "ahead_limit_months", 0)
    grace = _check_int(grace_days, "grace_days", 0)
    cancel_months = _check_int(cancel_candidate_months, "cancel_candidate_months", 0)
    statuses = enum_members(contract_statuses, ContractStatus, "contract_statuses")
    in_use = enum_members(in_use_access, AccessStatus, "in_use_access")
    blocked = enum_members(blocked_access, AccessStatus, "blocked_access")
    items = unique_records(contracts, Contract, "contracts")

    coverage = {
        "used": 0,
        "excluded_status": 0,
        "excluded_exempt": 0,
        "excluded_not_yet_active": 0,
    }
    used: list[Contract] = []
    for k in items:  # object conversion: one pass over the input
        if k.status not in statuses:
            coverage["excluded_status"] += 1
        elif k.exempt:
            coverage["excluded_exempt"] += 1
        elif k.activation_date is not None and k.activation_date > day:
            coverage["excluded_not_yet_active"] += 1
        else:
            used.append(k)
    coverage["used"] = len(used)
    n = len(used)
    access_pos = {a: i for i, a in enumerate(_ACCESS)}
    access = np.fromiter((access_pos[k.access_status] for k in used), dtype=np.int64, count=n)
    prepaid = np.fromiter((k.billing_mode is BillingMode.PREPAID for k in used), bool, count=n)
    billing_day = np.fromiter((k.billing_day or 0 for k in used), dtype=np.int64, count=n)
    pu = np.array([k.paid_until for k in used], dtype=_D).reshape(n)
    act = np.array([k.activation_date for k in used], dtype=_D).reshape(n)

    asof = np.datetime64(day, "D")
    has_paid = ~np.isnat(pu)
    # a contract never paid is covered up to the day before its activation
    base = np.where(has_paid, pu, act - np.timedelta64(1, "D"))
    has_base = ~np.isnat(base)
    safe_base = np.where(has_base, base, asof)
    anchor = np.where(
        billing_day > 0, billing_day, np.where(has_base, _default_anchor(safe_base), 0)
    )
    has_anchor = anchor > 0
    safe_anchor = np.where(has_anchor, anchor, 31)

    m_first = _first_anchor_month(np.full(n, asof), safe_anchor)
    expected_month = np.where(prepaid, m_first, m_first - 1)
    expected = np.where(has_anchor, _anchor_date(expected_month, safe_anchor), _NAT_D)

    m_base = _month_index(safe_base)
    k_min = np.maximum(1, m_first - m_base)  # fewest periods (>= 1) reaching as_of
    next_end = _anchor_date(m_base + 1, safe_anchor)
    periods_behind = np.where(prepaid, np.where(safe_base >= asof, 0, k_min), k_min - 1)
    days_prepaid = (asof - safe_base).astype(np.int64)
    days_postpaid = (asof - next_end).astype(np.int64)
    days_behind = np.maximum(0, np.where(prepaid, days_prepaid, days_postpaid)).astype(np.int64)
    periods_behind = np.where(has_base, periods_behind, 0).astype(np.int64)
    days_behind = np.where(has_base, days_behind, 0)

    m_asof = int(_month_index(np.array([asof]))[0])
    m_paid = _month_index(np.where(has_paid, pu, asof))
    offset = np.where(has_paid, m_paid - m_asof, 0).astype(np.int64)
    status = np.select(
        [~has_paid, offset > ahead_limit, days_behind > 0],
        [
            _STATUSES.index(PaidUntilStatus.NEVER_PAID),
            _STATUSES.index(PaidUntilStatus.AHEAD),
            _STATUSES.index(PaidUntilStatus.BEHIND),
        ],
        default=_STATUSES.index(PaidUntilStatus.CURRENT),
    ).astype(np.int64)
    in_use_codes = np.array(sorted(access_pos[a] for a in in_use), dtype=np.int64)
    blocked_codes = np.array(sorted(access_pos[a] for a in blocked), dtype=np.int64)
    using = has_base & np.isin(access, in_use_codes) & (days_behind > grace)
    cancel = has_base & np.isin(access, blocked_codes) & (periods_behind > cancel_months)
    return _Eval(
        as_of=day,
        used=used,
        coverage=coverage,
        access=access,
        paid_until=pu,
        anchor=anchor.astype(np.int64),
        expected=expected,
        offset=offset,
        has_paid=has_paid,
        periods_behind=periods_behind,
        days_behind=days_behind,
        has_base=has_base,
        status=status,
        using=using,
        cancel=cancel,
    )


def _summary(ev: _Eval, ix: npt.NDArray[np.int64]) -> PaidUntilSummary:
    counts = np.bincount(ev.status[ix], minlength=len(_STATUSES))
    return PaidUntilSummary(
        considered=len(ix),
        counts={s.value: int(c) for s, c in zip(_STATUSES, counts.tolist(), strict=True)},
        using_without_payment=int(np.count_nonzero(ev.using[ix])),
        cancel_candidates=int(np.count_nonzero(ev.cancel[ix])),
    )


def _grouping_keys(
    ev: _Eval, by: By, customers: Iterable[Customer] | Mapping[str, Customer] | None
) -> tuple[str | None, npt.NDArray[np.object_] | None]:
    if customers is None:
        return resolve_by(ev.used, by)
    related = {"customer": ("customer_id", customers_by_id(customers))}
    return resolve_by(ev.used, by, related=related)


def paid_until_status(
    contracts: Iterable[Contract],
    *,
    as_of: date | datetime,
    tz: tzinfo | None = None,
    contract_statuses: Iterable[ContractStatus | str] | None = _DEFAULT_STATUSES,
    ahead_limit_months: int = 2,
    grace_days: int = 15,
    cancel_candidate_months: int = 2,
    in_use_access: Iterable[AccessStatus | str] = _DEFAULT_IN_USE,
    blocked_access: Iterable[AccessStatus | str] = _DEFAULT_BLOCKED,
    by: By = None,
    customers: Iterable[Customer] | Mapping[str, Customer] | None = None,
) -> PaidUntilReport:
    """*Pago até* status of each contract at ``as_of``, with the operational flags.

    Parameters
    ----------
    contracts : iterable of Contract
    as_of : date or aware datetime
        The evaluation day (a datetime gives its date in ``tz``).
    tz : tzinfo, optional
        Zone of ``as_of`` when it is a datetime.
    contract_statuses : iterable of ContractStatus, default ``(ACTIVE,)``
        Contract statuses evaluated (IXC ``status == "A"``); ``None`` for all.
        The others are counted in ``coverage["excluded_status"]``.
    ahead_limit_months : int, default 2
        A *pago até* month more than this many months after the ``as_of``
        month is ``ahead``.
    grace_days : int, default 15
        Days behind tolerated before an in-use access is flagged (the RGC
        notice period).
    cancel_candidate_months : int, default 2
        A blocked contract with more unpaid periods than this is a
        cancellation candidate.
    in_use_access : iterable of AccessStatus, default ``(ACTIVE,)``
        Access statuses meaning the service is in use without restriction.
    blocked_access : iterable of AccessStatus, default ``(BLOCKED_AUTO, BLOCKED_MANUAL)``
        Access statuses meaning the access is blocked (IXC ``CA``, ``CM``).
    by : str, callable or sequence, optional
        Split the summary (``"plan"``, ``"billing_mode"``, ``"access_status"``,
        ``"service_type"``, or a customer attribute such as ``"region"`` when
        ``customers`` is given).
    customers : iterable or mapping of Customer, optional
        For ``by=`` on customer attributes.

    Returns
    -------
    PaidUntilReport

    Raises
    ------
    InvalidParameterError
        For a bad option (negative thresholds, unknown statuses, naive
        ``as_of``...).
    InvalidRecordError
        For an item that is not a Contract or a repeated contract id.

    Notes
    -----
    Let ``pu`` be the *pago até* date (for a contract never paid: the day
    before activation, ``base``), ``A(m)`` the anchor date of month ``m``,
    and ``m*`` the month of the first anchor date on or after ``as_of``.

    * expected coverage ``E``: prepaid ``A(m*)`` (end of the period in use),
      postpaid ``A(m* - 1)`` (end of the previous period);
    * ``days_behind``: prepaid ``max(0, as_of - pu)``; postpaid
      ``max(0, as_of - advance(pu, 1))`` -- the days on which ``pu < E`` held,
      ``as_of`` included;
    * ``periods_behind``: the unpaid periods due, ``k - 1`` for postpaid and
      ``k`` for prepaid (0 when ``pu >= as_of``), where
      ``k = max(1, m* - month(pu))`` is the fewest periods taking ``pu`` to
      ``as_of`` or beyond;
    * ``month_offset = month(pu) - month(as_of)``;
    * status: ``never_paid`` without ``pu``; else ``ahead`` when
      ``month_offset > ahead_limit_months``; else ``behind`` when
      ``days_behind >= 1``; else ``current``;
    * ``using_without_payment``: access in ``in_use_access`` and
      ``days_behind > grace_days``;
    * ``cancel_candidate``: access in ``blocked_access`` and
      ``periods_behind > cancel_candidate_months``.

    Exempt contracts (``isentar_contrato == "S"``) and contracts activated
    after ``as_of`` are excluded and counted. A contract without activation
    date is evaluated (its activation is assumed past); a never-paid contract
    without activation date has no days or periods behind and no flag.
    Contract and access statuses are the snapshot given (not reconstructed at
    ``as_of``). Sources: IXC's contract fields [IXC-API]_; the RGC notice
    period [ANATEL-2014]_ [ANATEL-SUSP]_.

    Examples
    --------
    >>> from datetime import date
    >>> from kpicore.model import Contract
    >>> from kpicore.money import Money
    >>> fee = Money.of("99.90", "BRL")
    >>> ks = [
    ...     Contract("K1", "C1", "Fibra", "prepaid", "active", "active", fee,
    ...              paid_until=date(2024, 4, 30)),
    ...     Contract("K2", "C2", "Fibra", "prepaid", "active", "active", fee,
    ...              paid_until=date(2024, 3, 31)),
    ...     Contract("K3", "C3", "Fibra", "postpaid", "active", "active", fee,
    ...              paid_until=date(2024, 3, 31)),
    ...     Contract("K4", "C4", "Fibra", "prepaid", "active", "blocked_auto", fee,
    ...              paid_until=date(2024, 1, 31)),
    ... ]
    >>> rep = paid_until_status(ks, as_of=date(2024, 4, 20))
    >>> [(r.contract_id, r.status.label_pt, r.days_behind, r.periods_behind) for r in rep.rows]
    [('K1', 'Em dia', 0, 0), ('K2', 'Em atraso', 20, 1), ('K3', 'Em dia', 0, 0), ('K4', 'Em atraso', 80, 3)]
    >>> [r.contract_id for r in rep.flagged("using_without_payment")]
    ['K2']
    >>> [r.contract_id for r in rep.flagged("cancel_candidate")]
    ['K4']
    """  # noqa: E501
    ev = _evaluate(
        contracts,
        as_of=as_of,
        tz=tz,
        contract_statuses=contract_statuses,
        ahead_limit_months=ahead_limit_months,
        grace_days=grace_days,
        cancel_candidate_months=cancel_candidate_months,
        in_use_access=in_use_access,
        blocked_access=blocked_access,
    )
    n = len(ev.used)
    # output conversion: one row object per contract
    pu_obj = ev.paid_until.astype(object)
    exp_obj = ev.expected.astype(object)
    rows = tuple(
        ContractPaidUntil(
            contract_id=k.id,
            customer_id=k.customer_id,
            billing_mode=k.billing_mode,
            access_status=k.access_status,
            paid_until=pu_obj[i],
            anchor_day=int(ev.anchor[i]) or None,
            expected_paid_until=exp_obj[i],
            month_offset=int(ev.offset[i]) if ev.has_paid[i] else None,
            periods_behind=int(ev.periods_behind[i]) if ev.has_base[i] else None,
            days_behind=int(ev.days_behind[i]) if ev.has_base[i] else None,
            status=_STATUSES[int(ev.status[i])],
            using_without_payment=bool(ev.using[i]),
            cancel_candidate=bool(ev.cancel[i]),
        )
        for i, k in enumerate(ev.used)
    )
    everything = np.arange(n, dtype=np.int64)
    groups = None
    if by is not None:
        name, keys = _grouping_keys(ev, by, customers)
        grouping = make_grouping(n, by_name=name, by_keys=keys)
        groups = grouping.breakdown(lambda ix: _summary(ev, ix))
    return PaidUntilReport(
        as_of=ev.as_of,
        rows=rows,
        summary=_summary(ev, everything),
        coverage=ev.coverage,
        groups=groups,
    )


def _check_window(healthy_window: object) -> tuple[int, int]:
    if not isinstance(healthy_window, tuple | list) or len(healthy_window) != 2:
        raise InvalidParameterError(
            f"healthy_window={healthy_window!r}: expected (low, high) month offsets"
        )
    low = _check_int(healthy_window[0], "healthy_window[0]")
    high = _check_int(healthy_window[1], "healthy_window[1]")
    if low > high:
        raise InvalidParameterError(f"healthy_window={healthy_window!r}: expected low <= high")
    return low, high


def _distribution(
    ev: _Eval, ix: npt.NDArray[np.int64], window: tuple[int, int], coverage: Mapping[str, int]
) -> PaidUntilDistribution:
    n_access = len(_ACCESS)
    paid = ix[ev.has_paid[ix]]
    never = ix[~ev.has_paid[ix]]
    offsets = ev.offset[paid]
    low, high = window
    lo = min(low, int(offsets.min())) if len(offsets) else low
    hi = max(high, int(offsets.max())) if len(offsets) else high
    # 2-d histogram offset x access status in one bincount
    width = hi - lo + 1
    table = np.bincount(
        (offsets - lo) * n_access + ev.access[paid], minlength=width * n_access
    ).reshape(width, n_access)
    totals = table.sum(axis=1)
    as_of_month = Period.month(ev.as_of.year, ev.as_of.month)
    m0 = ev.as_of.year * 12 + ev.as_of.month - 1
    bins = []
    for j in range(width):
        off = lo + j
        inside = low <= off <= high
        if not inside and totals[j] == 0:
            continue
        bins.append(
            PaidUntilBin(
                offset=off,
                month=Period.from_ordinal(m0 + off, "month"),
                count=int(totals[j]),
                by_access={
                    a.value: int(c) for a, c in zip(_ACCESS, table[j].tolist(), strict=True)
                },
                in_healthy_window=inside,
            )
        )
    never_acc = np.bincount(ev.access[never], minlength=n_access)
    all_acc = table.sum(axis=0) + never_acc
    in_window = int(np.count_nonzero((offsets >= low) & (offsets <= high)))
    considered = len(ix)
    return PaidUntilDistribution(
        as_of=ev.as_of,
        as_of_month=as_of_month,
        healthy_window=window,
        considered=considered,
        bins=tuple(bins),
        never_paid=len(never),
        never_paid_by_access={
            a.value: int(c) for a, c in zip(_ACCESS, never_acc.tolist(), strict=True)
        },
        by_access={a.value: int(c) for a, c in zip(_ACCESS, all_acc.tolist(), strict=True)},
        in_window=in_window,
        healthy_share=in_window / considered if considered else None,
        coverage=coverage,
    )


def paid_until_distribution(
    contracts: Iterable[Contract],
    *,
    as_of: date | datetime,
    tz: tzinfo | None = None,
    healthy_window: tuple[int, int] = (-2, 2),
    contract_statuses: Iterable[ContractStatus | str] | None = _DEFAULT_STATUSES,
    by: By = None,
    customers: Iterable[Customer] | Mapping[str, Customer] | None = None,
) -> PaidUntilDistribution:
    """Contracts by *pago até* month relative to the ``as_of`` month, by access status.

    The dashboard of *pago até* as data: how many (active) contracts are
    paid until each month around ``as_of``, split by access status, and the
    share inside the healthy window.

    Parameters
    ----------
    contracts : iterable of Contract
    as_of : date or aware datetime
    tz : tzinfo, optional
        Zone of ``as_of`` when it is a datetime.
    healthy_window : (int, int), default (-2, 2)
        Inclusive month offsets considered healthy: the ``as_of`` month, two
        before and two after.
    contract_statuses : iterable of ContractStatus, default ``(ACTIVE,)``
        Contract statuses included; ``None`` for all.
    by : str, callable or sequence, optional
        One distribution per group (see :func:`paid_until_status`).
    customers : iterable or mapping of Customer, optional
        For ``by=`` on customer attributes.

    Returns
    -------
    PaidUntilDistribution

    Raises
    ------
    InvalidParameterError
        For a malformed window or other bad option.

    Notes
    -----
    ``offset = month(paid_until) - month(as_of)``;
    ``healthy_share = #{low <= offset <= high} / considered``, where
    ``considered = sum(bins) + never_paid`` (never-paid contracts are never
    healthy). Exempt contracts and contracts activated after ``as_of`` are
    excluded and counted in ``coverage``. The window is kpicore's default (a
    parameter).

    Examples
    --------
    >>> from datetime import date
    >>> from kpicore.model import Contract
    >>> from kpicore.money import Money
    >>> fee = Money.of(100, "BRL")
    >>> ks = [Contract(f"K{i}", "C1", "Fibra", "prepaid", "active", acc, fee, paid_until=pu)
    ...       for i, (acc, pu) in enumerate([("active", date(2024, 4, 30)),
    ...                                      ("active", date(2024, 3, 31)),
    ...                                      ("blocked_auto", date(2023, 12, 31)),
    ...                                      ("active", None)])]
    >>> d = paid_until_distribution(ks, as_of=date(2024, 4, 20))
    >>> d.counts(), d.never_paid, d.in_window, d.healthy_share
    ({-4: 1, -2: 0, -1: 1, 0: 1, 1: 0, 2: 0}, 1, 2, 0.5)
    >>> d.bins[0].month.label, d.bins[0].by_access["blocked_auto"]
    ('2023-12', 1)
    """
    window = _check_window(healthy_window)
    ev = _evaluate(
        contracts,
        as_of=as_of,
        tz=tz,
        contract_statuses=contract_statuses,
        ahead_limit_months=2,
        grace_days=15,
        cancel_candidate_months=2,
        in_use_access=_DEFAULT_IN_USE,
        blocked_access=_DEFAULT_BLOCKED,
    )
    n = len(ev.used)
    groups = None
    if by is not None:
        name, keys = _grouping_keys(ev, by, customers)
        grouping = make_grouping(n, by_name=name, by_keys=keys)
        groups = grouping.breakdown(lambda ix: _distribution(ev, ix, window, {"used": len(ix)}))
    result = _distribution(ev, np.arange(n, dtype=np.int64), window, ev.coverage)
    return attrs.evolve(result, groups=groups)
