"""Promises to pay, contact attempts and what each dunning step recovers.

Functions
---------
:func:`promise_performance`
    Promises kept, pending and broken (as :func:`kpicore.kpis.collections.promise_kept_rate`),
    the amount promised and the amount kept per currency, and the broken
    promises by age.
:func:`contact_performance`
    Contact attempts (*Collection Activity Logged*), right-party contacts
    and their rate, promises per right-party contact, and contacts per
    recovered invoice.
:func:`recovery_by_dunning_level`
    Payments and amount recovered per currency after each dunning step (the
    highest level reached before the payment).

Every function takes invoices or an :class:`~kpicore.eventlog.EventLog`,
``as_of=``, ``by=`` and ``freq=``; results have ``merge`` (partial results
on disjoint invoices, e.g. the partitions of :func:`kpicore.dask.map_reduce`,
merge into the whole-log result).

References
----------
Promise statuses (kept: paid on or before the promised date; pending;
broken) as in :func:`kpicore.kpis.collections.promise_kept_rate` (Catchpole;
D365 "promise to pay broken"). Right-party contact (RPC): a contact attempt
that reached the debtor; RPC rate = RPCs / attempts, promises per RPC
("promise rate") and contacts per recovered account are the usual call-centre
collection metrics (e.g. ACA International, "Collection Metrics"). The
definitions and edge cases here are kpicore's, stated in each docstring.
"""

from __future__ import annotations

import datetime as _dt
import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import attrs
import numpy as np
import numpy.typing as npt

from kpicore import _merge
from kpicore.activities import COLLECTION_ACTIVITY
from kpicore.errors import InvalidParameterError
from kpicore.grouping import By
from kpicore.kpis._events import (
    check_roles,
    event_values,
    has_event_attribute,
    horizon_ns,
    levels_of,
    next_at_or_after,
    ratio,
    role_events,
)
from kpicore.kpis._ledger import (
    DEFAULT_ROLES,
    MISSING,
    InvoiceData,
    Roles,
    as_log_with_invoices,
    item_grouping,
    ledger_of,
    money_totals,
)
from kpicore.kpis._promises import BROKEN, KEPT, PENDING, event_minor, promise_statuses
from kpicore.model import Customer
from kpicore.money import Money
from kpicore.periods import Freq, as_of_date
from kpicore.results import Breakdown, Result, freeze

__all__ = [
    "RIGHT_PARTY_OUTCOMES",
    "ContactPerformance",
    "ContactPerformanceGroup",
    "DunningRecovery",
    "DunningRecoveryGroup",
    "PromisePerformance",
    "PromisePerformanceGroup",
    "contact_performance",
    "promise_performance",
    "recovery_by_dunning_level",
]

_I64 = npt.NDArray[np.int64]
_Customers = Iterable[Customer] | Mapping[str, Customer] | None
_NS_PER_DAY: Final[int] = 86_400 * 10**9

#: Outcomes of a contact attempt that count as a right-party contact (case-insensitive).
RIGHT_PARTY_OUTCOMES: Final[tuple[str, ...]] = ("right_party", "rpc", "contato_efetivo")


def _check_bool(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidParameterError(f"{name} must be True or False, got {value!r}")
    return value


def _check_edges(value: object) -> tuple[int, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence) or not value:
        raise InvalidParameterError(f"age_buckets must be a sequence of ints, got {value!r}")
    edges = tuple(value)
    for e in edges:
        if isinstance(e, bool) or not isinstance(e, int) or e < 1:
            raise InvalidParameterError(f"age_buckets: edges must be ints >= 1, got {e!r}")
    if any(b <= a for a, b in itertools.pairwise(edges)):
        raise InvalidParameterError(f"age_buckets: edges must increase strictly, got {edges}")
    return edges


def _bucket_keys(edges: tuple[int, ...]) -> list[str]:
    lows = [1, *(e + 1 for e in edges[:-1])]
    return [f"{lo}-{hi}" for lo, hi in zip(lows, edges, strict=True)] + [f"{edges[-1]}+"]


# =========================================================================== promises


@attrs.frozen(repr=False)
class PromisePerformanceGroup(Result):
    """Promises to pay of one group.

    Attributes
    ----------
    promises, kept, pending, broken : int
        Promises made before ``as_of`` and their status then.
    kept_rate : float or None
        ``kept / (kept + broken)``.
    promised_amount : Mapping[str, Money]
        Per currency, the amounts of the promises that state one.
    kept_amount : Mapping[str, Money]
        Per currency, over kept promises: the payments received in the
        promise's window, capped at the promised amount when it has one.
    broken_by_age : Mapping[str, int]
        Broken promises by days since the promised date (``"1-7"``,
        ``"8-15"``, ``"16-30"``, ``"30+"`` by default).
    """

    promises: int
    kept: int
    pending: int
    broken: int
    kept_rate: float | None
    promised_amount: Mapping[str, Money] = attrs.field(converter=freeze)
    kept_amount: Mapping[str, Money] = attrs.field(converter=freeze)
    broken_by_age: Mapping[str, int] = attrs.field(converter=freeze)

    def merge(self, other: PromisePerformanceGroup) -> PromisePerformanceGroup:
        """The group over both invoice sets (disjoint): counts and money added."""
        _merge.check_type(self, other)
        _merge.same(tuple(self.broken_by_age), tuple(other.broken_by_age), "age buckets")
        kept, broken = self.kept + other.kept, self.broken + other.broken
        return PromisePerformanceGroup(
            promises=self.promises + other.promises,
            kept=kept,
            pending=self.pending + other.pending,
            broken=broken,
            kept_rate=ratio(kept, kept + broken),
            promised_amount=_merge.add_money(self.promised_amount, other.promised_amount),
            kept_amount=_merge.add_money(self.kept_amount, other.kept_amount),
            broken_by_age=_merge.add_counts(self.broken_by_age, other.broken_by_age),
        )


@attrs.frozen(repr=False)
class PromisePerformance(Result):
    """Result of :func:`promise_performance`.

    Attributes
    ----------
    total : PromisePerformanceGroup
        Over all promises.
    require_amount : bool
    age_buckets : tuple of int
    coverage : Mapping[str, int]
        ``used``, ``missing_promised_date``, ``promises_without_amount``,
        ``promises_after_as_of``.
    groups : Breakdown of PromisePerformanceGroup or None
        By ``by=`` and/or the period of the promised date (``freq=``).
    """

    total: PromisePerformanceGroup
    require_amount: bool
    age_buckets: tuple[int, ...]
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    groups: Breakdown[PromisePerformanceGroup] | None = None

    def merge(self, other: PromisePerformance) -> PromisePerformance:
        """The result over both invoice sets (disjoint), equal to that of their union.

        Pass the same explicit ``as_of`` to both (a promise pending at one
        log's last event may be broken at the other's).
        """
        _merge.check_type(self, other)
        return PromisePerformance(
            total=self.total.merge(other.total),
            require_amount=_merge.same(self.require_amount, other.require_amount, "options"),
            age_buckets=_merge.same(self.age_buckets, other.age_buckets, "age buckets"),
            coverage=_merge.add_counts(self.coverage, other.coverage),
            groups=_merge.merge_groups(self.groups, other.groups, PromisePerformanceGroup.merge),
        )


def promise_performance(
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime | None = None,
    tz: _dt.tzinfo | None = None,
    by: By = None,
    freq: Freq | None = None,
    require_amount: bool = False,
    age_buckets: Sequence[int] = (7, 15, 30),
    customers: _Customers = None,
    roles: Roles = DEFAULT_ROLES,
) -> PromisePerformance:
    """Promise-to-pay performance: kept rate, amount promised and kept, broken by age.

    Parameters
    ----------
    data : sequence of Invoice or EventLog
        As in :func:`kpicore.kpis.collections.promise_kept_rate`.
    as_of : date or aware datetime, optional
        Promises and payments strictly before this instant (a date means its
        end). None: the log's last event.
    tz : tzinfo, optional
        Calendar of the promised dates, of a date ``as_of`` and of ``freq``.
    by, freq
        A dimension of the invoice; the period of the promised date.
    require_amount : bool, default False
        As in :func:`~kpicore.kpis.collections.promise_kept_rate`.
    age_buckets : sequence of int, default (7, 15, 30)
        Increasing edges (days) of the age of the broken promises.
    customers, roles
        As in :func:`~kpicore.kpis.collections.promise_kept_rate`.

    Returns
    -------
    PromisePerformance

    Notes
    -----
    Statuses exactly as :func:`~kpicore.kpis.collections.promise_kept_rate`
    (one shared scan). ``kept_amount = Σ_kept min(paid in window, promised
    amount)`` (without a promised amount, the paid amount); two overlapping
    promises of one invoice may both count the same payment. The age of a
    broken promise is ``as_of date − promised date`` in days (≥ 1, since it
    is broken only once its date is over; ``as_of=None``: the day of the
    log's last event).

    Examples
    --------
    >>> import datetime as dt
    >>> from kpicore.model import Invoice, Payment, PromiseToPay
    >>> from kpicore.money import Money
    >>> invs = [
    ...     Invoice("F-1", "C1", "2024-01-01", "2024-01-10", Money.of(100, "BRL"),
    ...             promises=[PromiseToPay("2024-01-15", "2024-01-20", Money.of(60, "BRL"))],
    ...             payments=[Payment("2024-01-18", Money.of(80, "BRL"))]),
    ...     Invoice("F-2", "C1", "2024-01-01", "2024-01-10", Money.of(50, "BRL"),
    ...             promises=[PromiseToPay("2024-01-15", "2024-01-20", Money.of(50, "BRL"))]),
    ... ]
    >>> r = promise_performance(invs, as_of=dt.date(2024, 1, 31))
    >>> r.total.kept, r.total.broken, str(r.total.kept_amount["BRL"]), dict(r.total.broken_by_age)
    (1, 1, 'BRL 60.00', {'1-7': 0, '8-15': 1, '16-30': 0, '30+': 0})
    >>> str(r.total.promised_amount["BRL"])
    'BRL 110.00'
    """
    req = _check_bool(require_amount, "require_amount")
    edges = _check_edges(age_buckets)
    keys = _bucket_keys(edges)
    check_roles(roles)
    log, invoices = as_log_with_invoices(data)
    limit = horizon_ns(log, as_of, tz)
    lg = ledger_of(log, as_of=as_of, tz=tz, roles=roles)
    pr = promise_statuses(log, roles, limit, tz, require_amount=req)
    codes = lg.currency_code[pr.case] if pr.case.shape[0] else np.zeros(0, dtype=np.int32)
    currencies = lg.currencies
    kept_minor = np.where(pr.has_amount, np.minimum(pr.paid_in_window, pr.amount),
                          pr.paid_in_window)  # fmt: skip
    # the day of the bound: the promised day is over when deadline <= limit
    if as_of is None:
        ref_day = (limit - 1) // _NS_PER_DAY
    else:
        ref_day = (as_of_date(as_of, tz=tz) - _dt.date(1970, 1, 1)).days
    age = ref_day - pr.promised_day
    which = np.searchsorted(np.array(edges, dtype=np.int64), age, side="left")

    def compute(ix: _I64) -> PromisePerformanceGroup:
        st = pr.status[ix]
        cnt = np.bincount(st, minlength=3)
        k, p, b = int(cnt[KEPT]), int(cnt[PENDING]), int(cnt[BROKEN])
        with_amount = ix[pr.has_amount[ix]]
        kept_ix = ix[st == KEPT]
        broken_ix = ix[st == BROKEN]
        by_age = np.bincount(which[broken_ix], minlength=len(keys))
        return PromisePerformanceGroup(
            promises=int(ix.shape[0]),
            kept=k,
            pending=p,
            broken=b,
            kept_rate=ratio(k, k + b),
            promised_amount=money_totals(currencies, codes, pr.amount, with_amount),
            kept_amount=money_totals(currencies, codes, kept_minor, kept_ix),
            broken_by_age={key: int(by_age[j]) for j, key in enumerate(keys)},
        )

    total = compute(np.arange(pr.case.shape[0], dtype=np.int64))
    g = item_grouping(
        log if invoices is None else invoices, log, pr.case, by=by, freq=freq,
        when=pr.promised_day.view("datetime64[D]") if freq else None, tz=None,
        customers=customers, roles=roles, invoices=invoices,
    )  # fmt: skip
    return PromisePerformance(
        total=total,
        require_amount=req,
        age_buckets=edges,
        coverage={
            "used": total.promises,
            "missing_promised_date": pr.missing_date,
            "promises_without_amount": int(np.count_nonzero(~pr.has_amount)),
            "promises_after_as_of": pr.after_bound,
        },
        groups=None if g is None else g.breakdown(compute),
    )


# =========================================================================== contacts


@attrs.frozen(repr=False)
class ContactPerformanceGroup(Result):
    """Contact attempts of one group.

    Attributes
    ----------
    contacts : int
        Contact attempts before ``as_of``.
    right_party : int
        Those whose outcome is a right-party contact.
    rpc_rate : float or None
        ``right_party / contacts``.
    promises : int
        Promises to pay made at or after a right-party contact of the same
        invoice (at most one per contact: the first promise after it, before
        the invoice's next contact).
    promises_per_rpc : float or None
        ``promises / right_party`` (the promise rate).
    recovered_invoices : int
        Invoices contacted (in the group) that were settled after their first
        contact of the group and before ``as_of``.
    contacts_on_recovered : int
        The group's contacts on those invoices made before their settlement.
    contacts_per_recovered : float or None
        ``contacts_on_recovered / recovered_invoices``.
    """

    contacts: int
    right_party: int
    rpc_rate: float | None
    promises: int
    promises_per_rpc: float | None
    recovered_invoices: int
    contacts_on_recovered: int
    contacts_per_recovered: float | None

    @classmethod
    def of(
        cls, contacts: int, right_party: int, promises: int, recovered: int, on_recovered: int
    ) -> ContactPerformanceGroup:
        """A group from its counts (ratios computed)."""
        return cls(
            contacts=contacts,
            right_party=right_party,
            rpc_rate=ratio(right_party, contacts),
            promises=promises,
            promises_per_rpc=ratio(promises, right_party),
            recovered_invoices=recovered,
            contacts_on_recovered=on_recovered,
            contacts_per_recovered=ratio(on_recovered, recovered),
        )

    def merge(self, other: ContactPerformanceGroup) -> ContactPerformanceGroup:
        """The group over both invoice sets (disjoint): counts added, ratios recomputed."""
        _merge.check_type(self, other)
        return ContactPerformanceGroup.of(
            self.contacts + other.contacts,
            self.right_party + other.right_party,
            self.promises + other.promises,
            self.recovered_invoices + other.recovered_invoices,
            self.contacts_on_recovered + other.contacts_on_recovered,
        )


@attrs.frozen(repr=False)
class ContactPerformance(Result):
    """Result of :func:`contact_performance`.

    Attributes
    ----------
    total : ContactPerformanceGroup
    coverage : Mapping[str, int]
        ``used`` (contacts), ``contacts_without_outcome``,
        ``contacts_after_as_of``.
    groups : Breakdown of ContactPerformanceGroup or None
        By ``by=`` and/or the period of the contact (``freq=``).
    """

    total: ContactPerformanceGroup
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    groups: Breakdown[ContactPerformanceGroup] | None = None

    def merge(self, other: ContactPerformance) -> ContactPerformance:
        """The result over both invoice sets (disjoint); pass the same explicit ``as_of``."""
        _merge.check_type(self, other)
        return ContactPerformance(
            total=self.total.merge(other.total),
            coverage=_merge.add_counts(self.coverage, other.coverage),
            groups=_merge.merge_groups(self.groups, other.groups, ContactPerformanceGroup.merge),
        )


def _outcomes(values: Iterable[str]) -> frozenset[str]:
    if isinstance(values, str):
        values = (values,)
    out = set()
    for v in values:
        if not isinstance(v, str) or not v.strip():
            raise InvalidParameterError(f"right_party: outcomes must be non-empty str, got {v!r}")
        out.add(v.strip().lower())
    if not out:
        raise InvalidParameterError("right_party: at least one outcome")
    return frozenset(out)


def contact_performance(
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime | None = None,
    tz: _dt.tzinfo | None = None,
    by: By = None,
    freq: Freq | None = None,
    contact_activity: Any = COLLECTION_ACTIVITY.en,
    outcome_attribute: str = "contact_outcome",
    right_party: Iterable[str] = RIGHT_PARTY_OUTCOMES,
    customers: _Customers = None,
    roles: Roles = DEFAULT_ROLES,
) -> ContactPerformance:
    """Right-party-contact rate, promises per right-party contact, contacts per recovered invoice.

    Parameters
    ----------
    data : sequence of Invoice or EventLog
        Contact attempts are the ``contact_activity`` events of the log
        (invoice objects carry none: their contacts are all 0).
    as_of : date or aware datetime, optional
        Events strictly before this instant (None: the log's last event).
    tz : tzinfo, optional
        Calendar of a date ``as_of`` and of ``freq``.
    by, freq
        A dimension of the invoice; the period of the contact.
    contact_activity : activity name, Activity or tuple, default "Collection Activity Logged"
    outcome_attribute : str, default "contact_outcome"
        Event attribute with the outcome of each attempt.
    right_party : iterable of str, default :data:`RIGHT_PARTY_OUTCOMES`
        Outcomes (case-insensitive) that count as a right-party contact.
    customers, roles
        For ``by=`` on customer attributes; activities and attribute names.

    Returns
    -------
    ContactPerformance

    Notes
    -----
    Over the contacts ``c`` before ``as_of``: ``rpc_rate = #RPC / #c``;
    ``promises_per_rpc = #promises following an RPC / #RPC`` (a promise
    follows an RPC when it is the invoice's first promise at or after the
    RPC and before the invoice's next contact); an invoice is *recovered*
    when it was settled (first instant its payments covered it, or the
    *Invoice Settled* event) after its first contact of the group and before
    ``as_of``; ``contacts_per_recovered = #contacts before settlement on
    recovered invoices / #recovered invoices``. With ``freq`` an invoice
    recovered in March after contacts in January and February counts in
    both months.

    Examples
    --------
    >>> import numpy as np
    >>> from kpicore.eventlog import EventLog
    >>> log = EventLog.from_columns(
    ...     case=["F-1"] * 5 + ["F-2"] * 3,
    ...     activity=["Invoice Generated", "Collection Activity Logged",
    ...               "Collection Activity Logged", "Promise to Pay Created", "Invoice Settled",
    ...               "Invoice Generated", "Collection Activity Logged",
    ...               "Collection Activity Logged"],
    ...     timestamp=np.array(["2024-01-01", "2024-01-12", "2024-01-13", "2024-01-13",
    ...                         "2024-01-20", "2024-01-01", "2024-01-12", "2024-01-14"],
    ...                        dtype="datetime64[ns]"),
    ...     attributes={"contact_outcome": [None, "no_answer", "right_party", None, None,
    ...                                     None, "wrong_number", "right_party"]})
    >>> t = contact_performance(log).total
    >>> t.contacts, t.right_party, t.rpc_rate, t.promises_per_rpc
    (4, 2, 0.5, 0.5)
    >>> t.recovered_invoices, t.contacts_per_recovered
    (1, 2.0)
    """
    rpc_values = _outcomes(right_party)
    if not isinstance(outcome_attribute, str) or not outcome_attribute.strip():
        raise InvalidParameterError(f"outcome_attribute must be a name, got {outcome_attribute!r}")
    check_roles(roles)
    log, invoices = as_log_with_invoices(data)
    limit = horizon_ns(log, as_of, tz)
    lg = ledger_of(log, as_of=as_of, tz=tz, roles=roles)
    idx = role_events(log, contact_activity, "contact_activity")
    ts_all = log.timestamps[idx]
    known = ts_all < limit
    after = int(idx.shape[0] - np.count_nonzero(known))
    idx, ts = idx[known], ts_all[known]
    case = log.case_codes[idx].astype(np.int64)
    m = idx.shape[0]
    if has_event_attribute(log, outcome_attribute):
        raw = event_values(log, outcome_attribute, idx)
        names, inverse = np.unique(np.asarray([str(v) for v in raw.tolist()], dtype=object),
                                   return_inverse=True)  # fmt: skip
        is_rpc_name = np.array([str(x).strip().lower() in rpc_values for x in names], dtype=bool)
        no_outcome_name = np.array([str(x) in ("None", "", "nan") for x in names], dtype=bool)
        rpc = is_rpc_name.reshape(-1)[inverse] if m else np.zeros(0, dtype=bool)
        no_outcome = int(np.count_nonzero(no_outcome_name.reshape(-1)[inverse])) if m else 0
    else:
        rpc = np.zeros(m, dtype=bool)
        no_outcome = m
    # promises following an RPC: the first promise of the invoice at or after the contact,
    # before the invoice's next contact
    pidx = role_events(log, roles.promise, "promise")
    pidx = pidx[log.timestamps[pidx] < limit]
    pc = log.case_codes[pidx].astype(np.int64)
    pts = log.timestamps[pidx]
    nxt = next_at_or_after(case, ts, pc, pts)
    has_promise = nxt >= 0
    # the next contact of the same invoice (contacts are in (case, time) order)
    next_same = np.zeros(m, dtype=bool)
    if m > 1:
        next_same[:-1] = case[1:] == case[:-1]
    next_ts = np.full(m, np.iinfo(np.int64).max, dtype=np.int64)
    next_ts[:-1] = np.where(next_same[:-1], ts[1:], np.iinfo(np.int64).max)
    ok = has_promise.copy()
    ok[has_promise] = pts[nxt[has_promise]] < next_ts[has_promise]
    # at the same instant as the next contact: the promise belongs to the earlier contact only
    promised = rpc & ok
    settled = lg.settled_ns[case]  # MISSING when not settled before the bound
    before_settle = (settled != MISSING) & (ts < settled)

    g = item_grouping(
        log if invoices is None else invoices, log, case, by=by, freq=freq,
        when=ts if freq else None, tz=tz, customers=customers, roles=roles, invoices=invoices,
    )  # fmt: skip

    def compute(ix: _I64) -> ContactPerformanceGroup:
        c = case[ix]
        on = before_settle[ix]
        recovered = int(np.unique(c[on]).shape[0])
        return ContactPerformanceGroup.of(
            int(ix.shape[0]),
            int(np.count_nonzero(rpc[ix])),
            int(np.count_nonzero(promised[ix])),
            recovered,
            int(np.count_nonzero(on)),
        )

    total = compute(np.arange(m, dtype=np.int64))
    return ContactPerformance(
        total=total,
        coverage={
            "used": m,
            "contacts_without_outcome": no_outcome,
            "contacts_after_as_of": after,
        },
        groups=None if g is None else g.breakdown(compute),
    )


# =========================================================================== recovery


@attrs.frozen(repr=False)
class DunningRecoveryGroup(Result):
    """Recovery after each dunning step, in one group.

    Attributes
    ----------
    payments : Mapping[int, int]
        Per level (0 = before any letter), payments received.
    invoices : Mapping[int, int]
        Per level, invoices with at least one such payment.
    amount : Mapping[int, Mapping[str, Money]]
        Per level, the amount received per currency.
    """

    payments: Mapping[int, int] = attrs.field(converter=freeze)
    invoices: Mapping[int, int] = attrs.field(converter=freeze)
    amount: Mapping[int, Mapping[str, Money]] = attrs.field(converter=freeze)

    def merge(self, other: DunningRecoveryGroup) -> DunningRecoveryGroup:
        """The group over both invoice sets (disjoint): counts and money added per level."""
        _merge.check_type(self, other)
        levels = sorted(set(self.payments) | set(other.payments))

        def get(m: Mapping[int, Any], k: int, empty: Any) -> Any:
            return m.get(k, empty)

        return DunningRecoveryGroup(
            payments={k: get(self.payments, k, 0) + get(other.payments, k, 0) for k in levels},
            invoices={k: get(self.invoices, k, 0) + get(other.invoices, k, 0) for k in levels},
            amount={
                k: freeze(_merge.add_money(get(self.amount, k, {}), get(other.amount, k, {})))
                for k in levels
            },
        )


@attrs.frozen(repr=False)
class DunningRecovery(Result):
    """Result of :func:`recovery_by_dunning_level`.

    Attributes
    ----------
    total : DunningRecoveryGroup
    coverage : Mapping[str, int]
        ``used`` (payments), ``payments_without_amount`` (counted, no
        amount), ``payments_without_currency``, ``payments_after_as_of``.
    groups : Breakdown of DunningRecoveryGroup or None
        By ``by=`` and/or the period of the payment (``freq=``).
    """

    total: DunningRecoveryGroup
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    groups: Breakdown[DunningRecoveryGroup] | None = None

    def merge(self, other: DunningRecovery) -> DunningRecovery:
        """The result over both invoice sets (disjoint); pass the same explicit ``as_of``."""
        _merge.check_type(self, other)
        return DunningRecovery(
            total=self.total.merge(other.total),
            coverage=_merge.add_counts(self.coverage, other.coverage),
            groups=_merge.merge_groups(self.groups, other.groups, DunningRecoveryGroup.merge),
        )


def recovery_by_dunning_level(
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime | None = None,
    tz: _dt.tzinfo | None = None,
    by: By = None,
    freq: Freq | None = None,
    customers: _Customers = None,
    roles: Roles = DEFAULT_ROLES,
) -> DunningRecovery:
    """Payments and amount recovered per currency after each dunning step.

    Parameters
    ----------
    data : sequence of Invoice or EventLog
    as_of : date or aware datetime, optional
        Letters and payments strictly before this instant.
    tz : tzinfo, optional
        Calendar of a date ``as_of`` and of ``freq``.
    by, freq
        A dimension of the invoice; the period of the payment.
    customers, roles

    Returns
    -------
    DunningRecovery

    Notes
    -----
    Each payment is attributed to the highest dunning level among the
    letters of its invoice sent at or before it (0: none): ``amount[L] = Σ
    payments attributed to L`` per currency, so the levels partition the
    payments. Levels as in :func:`kpicore.kpis.dunning.dunning_effectiveness`
    (the ``dunning_level`` attribute, or the letter's rank).

    Examples
    --------
    >>> from kpicore.model import DunningLetter, Invoice, Payment
    >>> from kpicore.money import Money
    >>> inv = Invoice("F-1", "C1", "2024-01-01", "2024-01-10", Money.of(100, "BRL"),
    ...               dunning_letters=[DunningLetter(1, "2024-01-15"), DunningLetter(2, "2024-01-25")],
    ...               payments=[Payment("2024-01-05", Money.of(10, "BRL")),
    ...                         Payment("2024-01-20", Money.of(30, "BRL")),
    ...                         Payment("2024-01-28", Money.of(60, "BRL"))])
    >>> r = recovery_by_dunning_level([inv])
    >>> {k: str(v["BRL"]) for k, v in r.total.amount.items()}
    {0: 'BRL 10.00', 1: 'BRL 30.00', 2: 'BRL 60.00'}
    """  # noqa: E501
    check_roles(roles)
    log, invoices = as_log_with_invoices(data)
    limit = horizon_ns(log, as_of, tz)
    lg = ledger_of(log, as_of=as_of, tz=tz, roles=roles)
    lidx = role_events(log, roles.letter, "letter")
    lidx = lidx[log.timestamps[lidx] < limit]
    lcase = log.case_codes[lidx].astype(np.int64)
    lts = log.timestamps[lidx]
    level, _ = levels_of(log, roles, lidx)
    # running max level within each invoice, letters in (case, time) order
    run = level.copy()
    if run.shape[0]:
        starts = np.flatnonzero(np.concatenate([[True], lcase[1:] != lcase[:-1]]))
        offset = np.zeros(run.shape[0], dtype=np.int64)
        big = int(run.max()) + 1 if run.shape[0] else 1
        offset[starts] = 1
        group_no = np.cumsum(offset)
        run = np.maximum.accumulate(group_no * big + run) - group_no * big
    pidx_all = role_events(log, roles.payment, "payment")
    p_known = log.timestamps[pidx_all] < limit
    after = int(pidx_all.shape[0] - np.count_nonzero(p_known))
    pidx = pidx_all[p_known]
    pc = log.case_codes[pidx].astype(np.int64)
    pts = log.timestamps[pidx]
    amount, present = event_minor(log, roles.payment_amount, pidx)
    # the last letter of the same invoice at or before each payment: one before the first
    # letter strictly after it (letters are in (case, time) order)
    nxt = next_at_or_after(pc, pts + 1, lcase, lts)
    case_end = np.searchsorted(lcase, pc, side="right")
    j = np.where(nxt >= 0, nxt, case_end) - 1
    ok = j >= 0
    ok[ok] = lcase[j[ok]] == pc[ok]
    pay_level = np.zeros(pidx.shape[0], dtype=np.int64)
    pay_level[ok] = run[j[ok]]
    codes = lg.currency_code[pc] if pc.shape[0] else np.zeros(0, dtype=np.int32)
    currencies = lg.currencies
    values = np.where(present, amount, 0).astype(np.int64)
    has_cur = codes >= 0

    def compute(ix: _I64) -> DunningRecoveryGroup:
        lv = pay_level[ix]
        levels = np.unique(lv).tolist()
        payments: dict[int, int] = {}
        invs: dict[int, int] = {}
        money: dict[int, Mapping[str, Money]] = {}
        for k in levels:  # a few levels
            sub = ix[lv == k]
            payments[int(k)] = int(sub.shape[0])
            invs[int(k)] = int(np.unique(pc[sub]).shape[0])
            money[int(k)] = freeze(money_totals(currencies, codes, values, sub[present[sub]]))
        return DunningRecoveryGroup(payments=payments, invoices=invs, amount=money)

    total = compute(np.arange(pidx.shape[0], dtype=np.int64))
    g = item_grouping(
        log if invoices is None else invoices, log, pc, by=by, freq=freq,
        when=pts if freq else None, tz=tz, customers=customers, roles=roles, invoices=invoices,
    )  # fmt: skip
    return DunningRecovery(
        total=total,
        coverage={
            "used": int(pidx.shape[0]),
            "payments_without_amount": int(np.count_nonzero(~present)),
            "payments_without_currency": int(np.count_nonzero(~has_cur)),
            "payments_after_as_of": after,
        },
        groups=None if g is None else g.breakdown(compute),
    )
