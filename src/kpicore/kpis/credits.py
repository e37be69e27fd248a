"""Customer credits (*créditos em haver*): cancelled credits, utilisation and frequency.

A provider grants credits to customers (overpayments, returns, bonuses,
abatements for outages); a credit is then used (partly or fully) against
bills, or it ends unused -- cancelled, refunded or expired. The value that
ends unused is the credit's unused balance at that moment
(:attr:`kpicore.model.Credit.unused_amount`).

Functions
---------
:func:`cancelled_credits`
    *Créditos Cancelados*: the unused balance of credits that ended with a
    chosen status (default cancelled and refunded), per currency, by
    cancellation period and by reason, customer or service type.
:func:`credit_utilisation`
    Used ÷ offered, per currency.
:func:`credit_frequency`
    How many credits are offered per period and per customer.

References
----------
Sources of credits (*créditos em haver*): an overpayment kept for compensation
or refund [TOTVS-RA]_; *saldo credor* from returns [CELTA]_; manual credits and
bonuses with a reason [CODEMUNDO]_; the abatement for an outage longer than 30
minutes [OUTAGE]_ (titles and URLs: the documentation's References page). The
lifecycle offered -> used -> used up | cancelled | refunded | expired,
``cancelled_statuses=("cancelled", "refunded")`` with ``"expired"`` optional
and value = unused balance at the event are kpicore's model.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, tzinfo
from typing import Any, NamedTuple

import attrs
import numpy as np
import numpy.typing as npt

from kpicore.errors import InvalidParameterError
from kpicore.grouping import By, make_grouping, resolve_by
from kpicore.model import Credit, CreditStatus, Customer, customers_by_id, unique_records
from kpicore.money import Money
from kpicore.periods import Freq, as_of_ns, to_ns
from kpicore.results import Breakdown, Result, freeze
from kpicore.summary import Summary

__all__ = [
    "CancelledCredits",
    "CancelledCreditsGroup",
    "CreditFrequency",
    "CreditFrequencyGroup",
    "CreditUtilisation",
    "CreditUtilisationGroup",
    "cancelled_credits",
    "credit_frequency",
    "credit_utilisation",
]

_MISSING_NS = np.iinfo(np.int64).min
_DEFAULT_CANCELLED: tuple[CreditStatus, ...] = (CreditStatus.CANCELLED, CreditStatus.REFUNDED)


# --------------------------------------------------------------------------- columns


class _Columns(NamedTuple):
    credits: list[Credit]
    currency: npt.NDArray[np.object_]
    amount: npt.NDArray[np.object_]  # exact Python ints (minor units)
    used: npt.NDArray[np.object_]
    issued: npt.NDArray[np.int64]  # ns UTC
    ended: npt.NDArray[np.int64]  # ns UTC, _MISSING_NS when not ended
    status: npt.NDArray[np.object_]
    customer: npt.NDArray[np.object_]
    cancellation_reason: npt.NDArray[np.object_]


def _columns(credits: Iterable[Credit]) -> _Columns:
    items = unique_records(credits, Credit, "credits")
    n = len(items)

    def obj(values: Iterable[Any]) -> npt.NDArray[np.object_]:
        out = np.empty(n, dtype=object)
        out[:] = list(values)
        return out

    return _Columns(
        credits=items,
        currency=obj(cr.amount.currency for cr in items),
        amount=obj(cr.amount.minor for cr in items),
        used=obj(cr.used_amount.minor for cr in items),
        issued=np.fromiter(
            (to_ns(cr.issued_at, record=cr.id, field="issued_at") for cr in items),
            dtype=np.int64,
            count=n,
        ),
        ended=np.fromiter(
            (
                _MISSING_NS
                if cr.cancelled_at is None
                else to_ns(cr.cancelled_at, record=cr.id, field="cancelled_at")
                for cr in items
            ),
            dtype=np.int64,
            count=n,
        ),
        status=obj(cr.status.value for cr in items),
        customer=obj(cr.customer_id for cr in items),
        cancellation_reason=obj(cr.cancellation_reason for cr in items),
    )


def _totals(currency: npt.NDArray[np.object_], minor: npt.NDArray[np.object_]) -> dict[str, Money]:
    """Exact per-currency sums (sorted by code); one vectorised sum per currency."""
    out: dict[str, Money] = {}
    if len(currency) == 0:
        return out
    for code in sorted(set(currency.tolist())):
        out[code] = Money(int(minor[currency == code].sum()), code)
    return out


def _grouping(
    cols: _Columns,
    ix: npt.NDArray[np.int64],
    by: By,
    freq: Freq | None,
    when: npt.NDArray[np.int64],
    tz: tzinfo | None,
    customers: Iterable[Customer] | Mapping[str, Customer] | None,
) -> Any:
    records = [cols.credits[i] for i in ix.tolist()]
    related = None
    if customers is not None:
        related = {"customer": ("customer_id", customers_by_id(customers))}
    name, keys = resolve_by(records, by, related=related)
    return make_grouping(
        len(ix), by_name=name, by_keys=keys, freq=freq, when=when[ix] if freq else None, tz=tz
    )


def _cutoff(as_of: date | datetime | None, tz: tzinfo | None) -> int:
    return np.iinfo(np.int64).max if as_of is None else as_of_ns(as_of, tz=tz)


# --------------------------------------------------------------------------- cancelled credits


@attrs.frozen(repr=False)
class CancelledCreditsGroup(Result):
    """Cancelled credits of one group.

    Attributes
    ----------
    count : int
        Credits ended with a counted status.
    value : Mapping[str, Money]
        Their unused balance at the end, per currency.
    """

    count: int
    value: Mapping[str, Money] = attrs.field(converter=freeze)


@attrs.frozen(repr=False)
class CancelledCredits(Result):
    """Result of :func:`cancelled_credits` (*Créditos Cancelados*).

    Attributes
    ----------
    statuses : tuple of str
        The ending statuses counted.
    count : int
        Credits counted.
    value : Mapping[str, Money]
        Their unused balance at cancellation, per currency (never mixed).
    count_by_status : Mapping[str, int]
        Credits counted per status.
    by_cancellation_reason : Breakdown of CancelledCreditsGroup
        The counted credits by their own ``cancellation_reason`` (not the
        grant ``reason``); credits without one under the key ``None``.
    coverage : Mapping[str, int]
        ``used`` (counted); ``not_ended`` (open or used at ``as_of``);
        ``ended_other_status`` (ended with a status not counted, e.g.
        expired); ``ended_after_as_of`` (ended, but after ``as_of``). The
        four partition the credits given.
    groups : Breakdown of CancelledCreditsGroup or None
        By ``by=`` and/or cancellation period (``freq=``).
    """

    statuses: tuple[str, ...]
    count: int
    value: Mapping[str, Money] = attrs.field(converter=freeze)
    count_by_status: Mapping[str, int] = attrs.field(converter=freeze)
    by_cancellation_reason: Breakdown[CancelledCreditsGroup]
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    groups: Breakdown[CancelledCreditsGroup] | None = None


def _check_statuses(statuses: Iterable[CreditStatus | str]) -> tuple[CreditStatus, ...]:
    raw = (statuses,) if isinstance(statuses, str) else tuple(statuses)
    out: list[CreditStatus] = []
    for s in raw:
        try:
            member = CreditStatus(s)
        except ValueError:
            raise InvalidParameterError(
                f"statuses: {s!r} is not a CreditStatus "
                f"(one of {', '.join(m.value for m in CreditStatus)})"
            ) from None
        if not member.is_terminal:
            raise InvalidParameterError(
                f"statuses: {member.value!r} does not end a credit "
                "(expected cancelled, refunded and/or expired)"
            )
        if member not in out:
            out.append(member)
    if not out:
        raise InvalidParameterError(
            "statuses: expected at least one of cancelled, refunded, expired"
        )
    return tuple(sorted(out, key=list(CreditStatus).index))


def cancelled_credits(
    credits: Iterable[Credit],
    *,
    as_of: date | datetime | None = None,
    tz: tzinfo | None = None,
    statuses: Iterable[CreditStatus | str] = _DEFAULT_CANCELLED,
    by: By = None,
    freq: Freq | None = None,
    customers: Iterable[Customer] | Mapping[str, Customer] | None = None,
) -> CancelledCredits:
    """Value of customer credits cancelled unused (*Créditos Cancelados*).

    Parameters
    ----------
    credits : iterable of Credit
    as_of : date or aware datetime, optional
        Count credits ended by this instant (a date means its end);
        ``None``: all.
    tz : tzinfo, optional
        Zone of ``as_of`` and of the cancellation periods (UTC by default).
    statuses : iterable of CreditStatus, default ``("cancelled", "refunded")``
        Which ending statuses count as cancelled; add ``"expired"`` to count
        expired credits too.
    by : str, callable or sequence, optional
        ``"cancellation_reason"`` (why the credit ended), ``"reason"`` (why
        it was granted), ``"customer"``, ``"service_type"``, ``"status"``,
        ``"currency"`` or a customer attribute (with ``customers``).
        The split by cancellation reason is always in
        ``by_cancellation_reason``.
    freq : {"day", "week", "month", "quarter", "year"}, optional
        Bucket by cancellation date (``cancelled_at`` in ``tz``).
    customers : iterable or mapping of Customer, optional
        For ``by=`` on customer attributes.

    Returns
    -------
    CancelledCredits

    Raises
    ------
    InvalidParameterError
        For a status that does not end a credit (open, used), an empty
        ``statuses``, an unknown ``freq`` or a bad ``by``.
    InvalidRecordError
        For an item that is not a Credit or a repeated credit id.

    Notes
    -----
    ``value[c] = sum(amount - used_amount)`` over credits in currency ``c``
    with ``status in statuses`` and ``cancelled_at <= as_of``. The unused
    balance is the value cancelled (``used_amount`` is the usage recorded up
    to the end of the credit). A credit ended with another status, or ended
    after ``as_of``, is not counted and appears in ``coverage``. kpicore's
    definition (sources of credits: see the module's References).

    Examples
    --------
    >>> from kpicore.model import Credit
    >>> from kpicore.money import Money
    >>> crs = [
    ...     Credit("CR1", "C1", Money.of(50, "BRL"), Money.of(20, "BRL"), "2024-01-05",
    ...            "cancelled", cancelled_at="2024-01-31", reason="bônus",
    ...            cancellation_reason="contrato cancelado"),
    ...     Credit("CR2", "C2", Money.of(30, "BRL"), Money.of(0, "BRL"), "2024-01-10",
    ...            "refunded", cancelled_at="2024-02-01", reason="pagamento em duplicidade"),
    ...     Credit("CR3", "C2", Money.of(10, "USD"), Money.of(0, "USD"), "2024-01-10",
    ...            "expired", cancelled_at="2024-02-01"),
    ... ]
    >>> r = cancelled_credits(crs, freq="month")
    >>> r.count, {k: str(v) for k, v in r.value.items()}, r.coverage["ended_other_status"]
    (2, {'BRL': 'BRL 60.00'}, 1)
    >>> {str(p): str(g.value["BRL"]) for p, g in r.groups.items()}
    {'2024-01': 'BRL 30.00', '2024-02': 'BRL 30.00'}
    >>> {k: g.count for k, g in r.by_cancellation_reason.items()}  # CR2 has none
    {'contrato cancelado': 1, None: 1}
    """
    chosen = _check_statuses(statuses)
    cutoff = _cutoff(as_of, tz)
    cols = _columns(credits)
    ended = cols.ended != _MISSING_NS
    by_as_of = ended & (cols.ended < cutoff)
    counted_status = np.isin(cols.status, [s.value for s in chosen])
    take = by_as_of & counted_status
    ix = np.flatnonzero(take).astype(np.int64, copy=False)
    unused = cols.amount - cols.used

    def group(sub: npt.NDArray[np.int64]) -> CancelledCreditsGroup:
        abs_ix = ix[sub]
        return CancelledCreditsGroup(
            count=len(abs_ix), value=_totals(cols.currency[abs_ix], unused[abs_ix])
        )

    groups = None
    if by is not None or freq is not None:
        grouping = _grouping(cols, ix, by, freq, cols.ended, tz, customers)
        groups = grouping.breakdown(group)
    statuses_taken = cols.status[ix].tolist()
    reasons = cols.cancellation_reason[ix]
    by_reason = make_grouping(len(ix), by_name="cancellation_reason", by_keys=reasons)
    # credits without a cancellation reason are the group None (never dropped)
    return CancelledCredits(
        statuses=tuple(s.value for s in chosen),
        count=len(ix),
        value=_totals(cols.currency[ix], unused[ix]),
        count_by_status={s.value: statuses_taken.count(s.value) for s in chosen},
        by_cancellation_reason=by_reason.breakdown(group),
        coverage={
            "used": len(ix),
            "not_ended": int(np.count_nonzero(~ended)),
            "ended_other_status": int(np.count_nonzero(by_as_of & ~counted_status)),
            "ended_after_as_of": int(np.count_nonzero(ended & ~by_as_of)),
        },
        groups=groups,
    )


# --------------------------------------------------------------------------- utilisation


@attrs.frozen(repr=False)
class CreditUtilisationGroup(Result):
    """Utilisation of the credits of one group.

    Attributes
    ----------
    count : int
        Credits offered.
    offered, used : Mapping[str, Money]
        Sums of ``amount`` and ``used_amount`` per currency.
    rate : Mapping[str, float or None]
        ``used / offered`` per currency (None when nothing was offered).
    """

    count: int
    offered: Mapping[str, Money] = attrs.field(converter=freeze)
    used: Mapping[str, Money] = attrs.field(converter=freeze)
    rate: Mapping[str, float | None] = attrs.field(converter=freeze)


@attrs.frozen(repr=False)
class CreditUtilisation(Result):
    """Result of :func:`credit_utilisation`.

    Attributes
    ----------
    count, offered, used, rate
        As in :class:`CreditUtilisationGroup`, over all credits considered.
    coverage : Mapping[str, int]
        ``used`` (credits considered) and ``issued_after_as_of``.
    groups : Breakdown of CreditUtilisationGroup or None
        By ``by=`` and/or period of issue (``freq=``).
    """

    count: int
    offered: Mapping[str, Money] = attrs.field(converter=freeze)
    used: Mapping[str, Money] = attrs.field(converter=freeze)
    rate: Mapping[str, float | None] = attrs.field(converter=freeze)
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    groups: Breakdown[CreditUtilisationGroup] | None = None


def _utilisation(cols: _Columns, abs_ix: npt.NDArray[np.int64]) -> CreditUtilisationGroup:
    offered = _totals(cols.currency[abs_ix], cols.amount[abs_ix])
    used = _totals(cols.currency[abs_ix], cols.used[abs_ix])
    rate = {c: (used[c].minor / m.minor if m.minor else None) for c, m in offered.items()}
    return CreditUtilisationGroup(count=len(abs_ix), offered=offered, used=used, rate=rate)


def credit_utilisation(
    credits: Iterable[Credit],
    *,
    as_of: date | datetime | None = None,
    tz: tzinfo | None = None,
    by: By = None,
    freq: Freq | None = None,
    customers: Iterable[Customer] | Mapping[str, Customer] | None = None,
) -> CreditUtilisation:
    """Credit utilisation rate: used ÷ offered, per currency.

    Parameters
    ----------
    credits : iterable of Credit
    as_of : date or aware datetime, optional
        Consider credits issued by this instant; ``None``: all.
    tz : tzinfo, optional
        Zone of ``as_of`` and of the issue periods.
    by : str, callable or sequence, optional
        ``"reason"``, ``"customer"``, ``"service_type"``, ``"status"``...
    freq : {"day", "week", "month", "quarter", "year"}, optional
        Cohorts by issue date (``issued_at``).
    customers : iterable or mapping of Customer, optional
        For ``by=`` on customer attributes.

    Returns
    -------
    CreditUtilisation

    Raises
    ------
    InvalidParameterError
        For an unknown ``freq`` or a bad ``by``.
    InvalidRecordError
        For an item that is not a Credit or a repeated credit id.

    Notes
    -----
    ``rate[c] = sum(used_amount) / sum(amount)`` over the credits in currency
    ``c`` issued by ``as_of``, whatever their status (a credit cancelled
    later was still offered). ``used_amount`` is the usage recorded on the
    credit, not reconstructed at ``as_of``. Zero offered gives ``None``.
    kpicore's definition.

    Examples
    --------
    >>> from kpicore.model import Credit
    >>> from kpicore.money import Money
    >>> crs = [
    ...     Credit("CR1", "C1", Money.of(50, "BRL"), Money.of(50, "BRL"), "2024-01-05", "used"),
    ...     Credit("CR2", "C2", Money.of(30, "BRL"), Money.of(10, "BRL"), "2024-01-10", "open"),
    ...     Credit("CR3", "C2", Money.of(20, "BRL"), Money.of(0, "BRL"), "2024-02-10",
    ...            "cancelled", cancelled_at="2024-03-01"),
    ... ]
    >>> credit_utilisation(crs).rate["BRL"]  # (50 + 10 + 0) / (50 + 30 + 20)
    0.6
    """
    cutoff = _cutoff(as_of, tz)
    cols = _columns(credits)
    take = cols.issued < cutoff
    ix = np.flatnonzero(take).astype(np.int64, copy=False)
    total = _utilisation(cols, ix)
    groups = None
    if by is not None or freq is not None:
        grouping = _grouping(cols, ix, by, freq, cols.issued, tz, customers)
        groups = grouping.breakdown(lambda sub: _utilisation(cols, ix[sub]))
    return CreditUtilisation(
        count=total.count,
        offered=total.offered,
        used=total.used,
        rate=total.rate,
        coverage={"used": len(ix), "issued_after_as_of": int(np.count_nonzero(~take))},
        groups=groups,
    )


# --------------------------------------------------------------------------- frequency


@attrs.frozen(repr=False)
class CreditFrequencyGroup(Result):
    """Credits offered within one group.

    Attributes
    ----------
    count : int
        Credits offered.
    customers : int
        Distinct customers who received them.
    per_customer : float or None
        ``count / customers`` (None when no credit).
    offered : Mapping[str, Money]
        Sum of ``amount`` per currency.
    """

    count: int
    customers: int
    per_customer: float | None
    offered: Mapping[str, Money] = attrs.field(converter=freeze)


@attrs.frozen(repr=False)
class CreditFrequency(Result):
    """Result of :func:`credit_frequency`.

    Attributes
    ----------
    count, customers, per_customer, offered
        As in :class:`CreditFrequencyGroup`, over all credits considered.
    credits_per_customer : Summary
        Distribution of the number of credits each customer received (unit
        ``"credits"``; customers without credits are not in it).
    coverage : Mapping[str, int]
        ``used`` and ``issued_after_as_of``.
    groups : Breakdown of CreditFrequencyGroup or None
        By ``by=`` and/or period of issue (``freq=``).
    """

    count: int
    customers: int
    per_customer: float | None
    offered: Mapping[str, Money] = attrs.field(converter=freeze)
    credits_per_customer: Summary
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    groups: Breakdown[CreditFrequencyGroup] | None = None


def _frequency(cols: _Columns, abs_ix: npt.NDArray[np.int64]) -> CreditFrequencyGroup:
    n = len(abs_ix)
    distinct = len(set(cols.customer[abs_ix].tolist()))
    return CreditFrequencyGroup(
        count=n,
        customers=distinct,
        per_customer=n / distinct if distinct else None,
        offered=_totals(cols.currency[abs_ix], cols.amount[abs_ix]),
    )


def credit_frequency(
    credits: Iterable[Credit],
    *,
    as_of: date | datetime | None = None,
    tz: tzinfo | None = None,
    by: By = None,
    freq: Freq | None = None,
    customers: Iterable[Customer] | Mapping[str, Customer] | None = None,
) -> CreditFrequency:
    """How often credits are offered: per period and per customer.

    Parameters
    ----------
    credits : iterable of Credit
    as_of : date or aware datetime, optional
        Consider credits issued by this instant; ``None``: all.
    tz : tzinfo, optional
        Zone of ``as_of`` and of the issue periods.
    by : str, callable or sequence, optional
        ``"customer"``, ``"reason"``, ``"service_type"``...
    freq : {"day", "week", "month", "quarter", "year"}, optional
        Count per issue period.
    customers : iterable or mapping of Customer, optional
        For ``by=`` on customer attributes.

    Returns
    -------
    CreditFrequency

    Raises
    ------
    InvalidParameterError
        For an unknown ``freq`` or a bad ``by``.
    InvalidRecordError
        For an item that is not a Credit or a repeated credit id.

    Notes
    -----
    ``per_customer = count / #distinct customers with a credit`` in the same
    set (period or group); ``credits_per_customer`` summarises the count per
    customer (numpy "linear" quantiles). Frequent credits to the same
    customer point at recurring service problems (outage abatements) or
    billing errors (overpayments) [OUTAGE]_ [TOTVS-RA]_.

    Examples
    --------
    >>> from kpicore.model import Credit
    >>> from kpicore.money import Money
    >>> z = Money.of(0, "BRL")
    >>> crs = [Credit(f"CR{i}", c, Money.of(10, "BRL"), z, d, "open")
    ...        for i, (c, d) in enumerate([("C1", "2024-01-05"), ("C1", "2024-02-05"),
    ...                                    ("C2", "2024-02-07")])]
    >>> f = credit_frequency(crs, freq="month")
    >>> f.count, f.customers, f.per_customer, f.credits_per_customer.max
    (3, 2, 1.5, 2.0)
    >>> {str(p): g.count for p, g in f.groups.items()}
    {'2024-01': 1, '2024-02': 2}
    """
    cutoff = _cutoff(as_of, tz)
    cols = _columns(credits)
    take = cols.issued < cutoff
    ix = np.flatnonzero(take).astype(np.int64, copy=False)
    total = _frequency(cols, ix)
    _, per_customer = np.unique(cols.customer[ix].astype(str), return_counts=True)
    groups = None
    if by is not None or freq is not None:
        grouping = _grouping(cols, ix, by, freq, cols.issued, tz, customers)
        groups = grouping.breakdown(lambda sub: _frequency(cols, ix[sub]))
    return CreditFrequency(
        count=total.count,
        customers=total.customers,
        per_customer=total.per_customer,
        offered=total.offered,
        credits_per_customer=Summary.of(per_customer, unit="credits"),
        coverage={"used": len(ix), "issued_after_as_of": int(np.count_nonzero(~take))},
        groups=groups,
    )
