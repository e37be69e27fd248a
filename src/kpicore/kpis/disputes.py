"""Disputes (contestações): resolution time, open disputes and their age, dispute rate.

A dispute is a *Dispute Registered* event paired with a later *Dispute
Resolved* event of the same invoice (case). An invoice may be disputed several
times: each registration is one dispute. All functions accept invoice objects
or an :class:`~kpicore.eventlog.EventLog` (converted once by
:func:`kpicore.kpis._ledger.as_log`) and work on the log's columns: the
pairing is a vectorised scan over the dispute events, never a Python loop per
event or per invoice.

Functions
---------
:func:`dispute_episodes`
    Every dispute known as of an instant: registration, resolution (or open),
    duration, reason.
:func:`dispute_resolution`
    Resolution time (days) of the resolved disputes, with the open ones
    counted; by reason, collector, segment... and by registration period.
:func:`open_disputes`
    Disputes open as of a date, their age and the open amount they hold.
:func:`dispute_rate`
    Share of the invoices issued that were ever disputed (IsDisputed).
:func:`dso_by_dispute`
    DSO of disputed and of undisputed invoices (the event-log DSO of
    :mod:`kpicore.kpis.dso`, split by a disputed flag).

Pairing
-------
Without a dispute id in the log, a registration must be matched to a
resolution by order. ``pairing=`` chooses how; the three pairings are
defined once, by :meth:`EventLog.episodes <kpicore.eventlog.EventLog.episodes>`
(the one pairing scan, also behind the ledger's ``open_disputes`` and
:meth:`EventLog.case_table <kpicore.eventlog.EventLog.case_table>`):

``"fifo"`` (default)
    A resolution closes the *oldest* open dispute of the invoice; a
    resolution with no open dispute is unmatched. This keeps the number of
    open disputes equal to registrations minus *matched* resolutions -- the
    model's truth (the disputes :meth:`kpicore.model.Dispute.is_open`), the
    ledger's ``open_disputes`` and the case table's -- and, once all the disputes of an invoice
    are resolved, their *total* (hence mean) resolution time exact even when
    they overlapped, since ``sum(resolved - registered)`` does not depend on
    which resolution closes which registration. For disputes that do not
    overlap it is simply "each registration to the next resolution".
``"first"``
    Episodes as pm4py ``filter_between`` and :meth:`EventLog.pairs`
    (``match="first"``): from the first registration of a run to the next
    resolution; later registrations of the run are *repeated* (absorbed).
``"last"``
    Celonis ``SOURCE``/``TARGET`` over the dispute events
    (:meth:`EventLog.pairs` with ``match="last"``): the registration
    directly before a resolution.

At equal instants a registration is ordered before a resolution (as
:meth:`EventLog.pairs` does), whatever the input order.

References
----------
Titles and URLs: the documentation's References page. Resolution
time "from dispute status set to next status" [MYDSO]_; SAP Fiori
"Processing Days of Open Disputes" = average age of the open disputes, and
"Solved" = closed in the last 12 months [SAPDM]_; dispute rate = disputed /
invoices issued × 100 [KPID]_; APQC benchmark 4 days (top) vs 30 days
(bottom) to resolve [APQD]_. Pairing semantics: pm4py ``filter_between``
[PM4PY]_ and Celonis ``SOURCE``/``TARGET`` [CEL-ST]_.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from typing import Any, Literal, NamedTuple

import attrs
import numpy as np
import numpy.typing as npt

from kpicore import _merge
from kpicore.eventlog import Episodes, EventLog
from kpicore.grouping import By, make_grouping
from kpicore.kpis._events import (
    NS_PER_DAY_F,
    PAIRINGS,
    check_pairing,
    check_percentiles,
    check_roles,
    event_values,
    freeze,
    heads,
    limit_ns,
    pair_events,
    ratio,
    ro,
    role_events,
)
from kpicore.kpis._ledger import (
    DEFAULT_ROLES,
    InvoiceData,
    InvoiceDays,
    Roles,
    as_log,
    group_keys,
    ledger_of,
)
from kpicore.kpis.dso import invoice_dso
from kpicore.model import Customer
from kpicore.money import Money
from kpicore.periods import Freq
from kpicore.results import Breakdown, Result, fields_to_dict
from kpicore.sketch import QuantileSketch
from kpicore.summary import DEFAULT_PERCENTILES, Summary

__all__ = [
    "DISPUTED_KEY",
    "DISPUTE_PAIRINGS",
    "NOT_DISPUTED_KEY",
    "DisputeEpisodes",
    "DisputeRate",
    "DisputeRateGroup",
    "DisputeResolution",
    "DisputeResolutionGroup",
    "OpenDisputes",
    "OpenDisputesGroup",
    "dispute_episodes",
    "dispute_rate",
    "dispute_resolution",
    "dso_by_dispute",
    "open_disputes",
]

#: The accepted values of ``pairing=``.
DISPUTE_PAIRINGS: tuple[str, ...] = PAIRINGS

Pairing = Literal["fifo", "first", "last"]

_I64 = npt.NDArray[np.int64]
_B = npt.NDArray[np.bool_]
#: ``by=`` names that mean "the dispute's own reason".
_REASON_NAMES = frozenset({"reason", "dispute_reason"})


def _check_pairing(pairing: object) -> Pairing:
    return check_pairing(pairing)  # type: ignore[return-value]


# --------------------------------------------------------------------------- shared prep


class _Prep(NamedTuple):
    log: EventLog
    limit: int
    ep: Episodes
    case: _I64  # case code of each dispute
    start_ns: _I64
    end_ns: _I64  # MISSING when open


def _prepare(
    data: InvoiceData,
    as_of: _dt.date | _dt.datetime | None,
    tz: _dt.tzinfo | None,
    roles: Roles,
    pairing: Pairing,
) -> _Prep:
    check_roles(roles)
    pairing = _check_pairing(pairing)
    log = as_log(data)
    limit = limit_ns(as_of, tz)
    ep = pair_events(
        log, roles.dispute_registered, roles.dispute_resolved, limit, pairing,
        params=("dispute_registered", "dispute_resolved"),
    )  # fmt: skip
    return _Prep(log, limit, ep, ep.case_codes, ep.start_ns, ep.end_ns)


def _dispute_keys(
    data: InvoiceData,
    p: _Prep,
    by: By,
    customers: Iterable[Customer] | Mapping[str, Customer] | None,
    roles: Roles,
) -> tuple[str | None, npt.NDArray[np.object_] | None]:
    """One ``by=`` key per dispute: its own reason, or its invoice's dimension."""
    if by is None:
        return None, None
    if isinstance(by, str) and (by in _REASON_NAMES or by == roles.dispute_reason):
        out = np.empty(len(p.ep), dtype=object)
        out[:] = event_values(p.log, roles.dispute_reason, p.ep.start_index).tolist()
        return by, out
    name, keys = group_keys(data, p.log, by, customers=customers, roles=roles)
    assert keys is not None
    return name, keys[p.case]


# --------------------------------------------------------------------------- episodes


@attrs.frozen(eq=False, repr=False)
class DisputeEpisodes(Result):
    """Every dispute known as of an instant (result of :func:`dispute_episodes`).

    Arrays are read-only and aligned, one entry per dispute, in (invoice,
    registration time) order.

    Attributes
    ----------
    case_ids : ndarray
        The invoice of each dispute.
    registered_at, resolved_at : ndarray of datetime64[ns]
        UTC instants; ``resolved_at`` is NaT while open at ``as_of``.
    days : ndarray of float64
        Resolution time in days (NaN while open).
    reason : ndarray of object
        The reason on the registration event (None where absent).
    is_open : ndarray of bool
        Open at ``as_of``.
    pairing : str
        How registrations were matched to resolutions.
    coverage : Mapping[str, int]
        ``resolved``, ``open``, ``repeated_registrations`` (absorbed by an
        open episode, pairing "first"/"last"), ``unmatched_resolutions`` (no
        open dispute before them) and ``events_after_as_of`` (dispute events
        at or after ``as_of``, not known yet).
    """

    case_ids: npt.NDArray[Any] = attrs.field(converter=ro)
    registered_at: npt.NDArray[np.datetime64] = attrs.field(converter=ro)
    resolved_at: npt.NDArray[np.datetime64] = attrs.field(converter=ro)
    days: npt.NDArray[np.float64] = attrs.field(converter=ro)
    reason: npt.NDArray[np.object_] = attrs.field(converter=ro)
    is_open: _B = attrs.field(converter=ro)
    pairing: str
    coverage: Mapping[str, int] = attrs.field(converter=freeze)

    def __len__(self) -> int:
        return int(self.days.shape[0])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (one list per column)."""
        return fields_to_dict(self)


def _coverage(ep: Episodes) -> dict[str, int]:
    counts = ep.counts
    return {
        "resolved": counts["closed"],
        "open": counts["open"],
        "repeated_registrations": ep.repeated_starts,
        "unmatched_resolutions": ep.unmatched_ends,
        "events_after_as_of": ep.events_after_as_of,
    }


def dispute_episodes(
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime | None = None,
    tz: _dt.tzinfo | None = None,
    pairing: Pairing = "fifo",
    roles: Roles = DEFAULT_ROLES,
) -> DisputeEpisodes:
    """Every dispute known as of ``as_of``: registration, resolution, duration, reason.

    Parameters
    ----------
    data : sequence of Invoice or EventLog
    as_of : date or aware datetime, optional
        Only events strictly before this instant are known (a date means its
        end, in ``tz``); a dispute resolved at or after it is open.
        ``None``: everything recorded.
    tz : tzinfo, optional
        Zone of a date ``as_of`` (UTC by default).
    pairing : {"fifo", "first", "last"}
        How registrations are matched to resolutions (see the module
        documentation).
    roles : Roles
        The dispute activities and the ``dispute_reason`` attribute.

    Returns
    -------
    DisputeEpisodes

    Raises
    ------
    InvalidParameterError
        For an unknown ``pairing`` or dispute roles sharing an activity.

    Notes
    -----
    ``days = (resolved_at - registered_at) / 86 400 s``. Cost: two equality
    masks over the activity codes, then O(d log d) on the d dispute events.

    Examples
    --------
    Two disputes on one invoice, the second still open on 20 Feb:

    >>> import datetime as dt
    >>> from kpicore.model import Dispute, Invoice
    >>> from kpicore.money import Money
    >>> inv = Invoice("F-1", "C1", "2024-02-01", "2024-02-29", Money.of(100, "BRL"),
    ...               disputes=[Dispute("2024-02-02", "valor", resolved_at="2024-02-05"),
    ...                         Dispute("2024-02-10", "serviço", resolved_at="2024-03-01")])
    >>> ep = dispute_episodes([inv], as_of=dt.date(2024, 2, 20))
    >>> ep.days.tolist(), ep.reason.tolist(), ep.is_open.tolist()
    ([3.0, nan], ['valor', 'serviço'], [False, True])
    """
    p = _prepare(data, as_of, tz, roles, pairing)
    reason = np.empty(len(p.ep), dtype=object)
    reason[:] = event_values(p.log, roles.dispute_reason, p.ep.start_index).tolist()
    return DisputeEpisodes(
        case_ids=p.ep.case_ids,
        registered_at=p.start_ns.view("datetime64[ns]"),
        resolved_at=p.end_ns.view("datetime64[ns]"),
        days=p.ep.days,
        reason=reason,
        is_open=p.ep.is_open,
        pairing=pairing,
        coverage=_coverage(p.ep),
    )


# --------------------------------------------------------------------------- resolution


@attrs.frozen(repr=False)
class DisputeResolutionGroup(Result):
    """Resolution time of the disputes of one group.

    Attributes
    ----------
    summary : Summary or QuantileSketch
        Days from registration to resolution of the resolved disputes; the
        open ones are counted in ``summary.missing``. A
        :class:`~kpicore.sketch.QuantileSketch` (same statistics attributes)
        in the sketch mode of :mod:`kpicore.dask`.
    resolved, open : int
        Disputes resolved and open at ``as_of``.
    """

    summary: Summary | QuantileSketch
    resolved: int
    open: int

    def merge(self, other: DisputeResolutionGroup) -> DisputeResolutionGroup:
        """The group over both invoice sets (disjoint): counts added, summaries merged."""
        _merge.check_type(self, other)
        return DisputeResolutionGroup(
            summary=_merge.merge_stat(self.summary, other.summary),
            resolved=self.resolved + other.resolved,
            open=self.open + other.open,
        )


@attrs.frozen(repr=False)
class DisputeResolution(Result):
    """Result of :func:`dispute_resolution`.

    Attributes
    ----------
    summary : Summary or QuantileSketch
        Resolution time in days of the disputes resolved by ``as_of``
        (count, mean, median, percentiles...); open disputes are
        ``summary.missing``. A :class:`~kpicore.sketch.QuantileSketch` in
        the sketch mode of :mod:`kpicore.dask`.
    resolved, open : int
        Disputes resolved and still open at ``as_of``.
    pairing : str
        How registrations were matched to resolutions.
    coverage : Mapping[str, int]
        As :attr:`DisputeEpisodes.coverage`.
    groups : Breakdown of DisputeResolutionGroup or None
        By ``by=`` and/or registration period (``freq=``).
    """

    summary: Summary | QuantileSketch
    resolved: int
    open: int
    pairing: str
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    groups: Breakdown[DisputeResolutionGroup] | None = None

    def merge(self, other: DisputeResolution) -> DisputeResolution:
        """The resolution times of both invoice sets (disjoint), equal to those of their union.

        Counts and coverage are added, summaries merged (exactly for
        :class:`~kpicore.summary.Summary`), groups merged key-wise.

        Raises
        ------
        InvalidParameterError
            For results computed with a different pairing or grouping, or an
            exact summary merged with a sketch.

        Examples
        --------
        >>> from kpicore.synth import synth_invoices
        >>> invs = synth_invoices(80, seed=3)
        >>> a, b = dispute_resolution(invs[:30]), dispute_resolution(invs[30:])
        >>> a.merge(b) == dispute_resolution(invs)
        True
        """
        _merge.check_type(self, other)
        return DisputeResolution(
            summary=_merge.merge_stat(self.summary, other.summary),
            resolved=self.resolved + other.resolved,
            open=self.open + other.open,
            pairing=_merge.same(self.pairing, other.pairing, "pairings"),
            coverage=_merge.add_counts(self.coverage, other.coverage),
            groups=_merge.merge_groups(self.groups, other.groups, DisputeResolutionGroup.merge),
        )


def dispute_resolution(
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime | None = None,
    tz: _dt.tzinfo | None = None,
    by: By = None,
    freq: Freq | None = None,
    customers: Iterable[Customer] | Mapping[str, Customer] | None = None,
    pairing: Pairing = "fifo",
    percentiles: Iterable[float] = DEFAULT_PERCENTILES,
    roles: Roles = DEFAULT_ROLES,
) -> DisputeResolution:
    """Dispute resolution time: days from each registration to its resolution.

    Parameters
    ----------
    data : sequence of Invoice or EventLog
    as_of : date or aware datetime, optional
        Only what happened strictly before this instant is known (a date
        means its end); disputes resolved later are open. ``None``: all.
    tz : tzinfo, optional
        Zone of a date ``as_of`` and of the ``freq`` periods (UTC by default).
    by : str, callable or sequence, optional
        ``"reason"`` (or ``"dispute_reason"``): the dispute's own reason;
        otherwise a dimension of its invoice: ``"collector"``,
        ``"customer_id"``, ``"currency"``, ``"segment"``... (see
        :func:`kpicore.kpis._ledger.group_keys`).
    freq : {"day", "week", "month", "quarter", "year"}, optional
        Groups by the period of the registration.
    customers : iterable or mapping of Customer, optional
        For ``by=`` on customer attributes.
    pairing : {"fifo", "first", "last"}
        See the module documentation.
    percentiles : iterable of float
        Percentiles of the summaries (default 25, 75, 90).
    roles : Roles
        Activities and attribute names.

    Returns
    -------
    DisputeResolution

    Raises
    ------
    InvalidParameterError
        For a bad ``pairing``, ``freq``, ``by`` or percentile.

    Notes
    -----
    ``days_i = (resolved_i - registered_i) / 86 400 s`` for every dispute
    ``i`` resolved before ``as_of``; the summary is over those values
    (quantiles: numpy "linear", R type 7). Disputes still open are not
    given a duration: they are counted (``open``, ``summary.missing``) and
    their ages are in :func:`open_disputes`. No dispute gives an empty
    summary (count 0, statistics None). Sources: [MYDSO]_ [SAPDM]_; benchmark
    4 vs 30 days [APQD]_.

    Examples
    --------
    Invoice F-1 disputed twice (3 days, then 9 days), F-2 once (still open):

    >>> import datetime as dt
    >>> from kpicore.model import Dispute, Invoice
    >>> from kpicore.money import Money
    >>> invs = [
    ...     Invoice("F-1", "C1", "2024-02-01", "2024-03-01", Money.of(100, "BRL"),
    ...             disputes=[Dispute("2024-02-02", "valor", resolved_at="2024-02-05"),
    ...                       Dispute("2024-02-10", "serviço", resolved_at="2024-02-19")]),
    ...     Invoice("F-2", "C2", "2024-02-01", "2024-03-01", Money.of(50, "BRL"),
    ...             disputes=[Dispute("2024-02-12", "valor")]),
    ... ]
    >>> r = dispute_resolution(invs, as_of=dt.date(2024, 2, 29))
    >>> r.summary.mean, r.resolved, r.open
    (6.0, 2, 1)
    >>> g = dispute_resolution(invs, by="reason").groups
    >>> {k: (v.summary.mean, v.open) for k, v in g.items()}
    {'serviço': (9.0, 0), 'valor': (3.0, 1)}
    """
    levels = check_percentiles(percentiles)
    p = _prepare(data, as_of, tz, roles, pairing)
    resolved = ~p.ep.is_open
    days = p.ep.days

    def compute(ix: _I64) -> DisputeResolutionGroup:
        d = days[ix]
        n_res = int(np.count_nonzero(resolved[ix]))
        return DisputeResolutionGroup(
            summary=Summary.of(d, percentiles=levels),
            resolved=n_res,
            open=int(ix.shape[0]) - n_res,
        )

    total = compute(np.arange(days.shape[0], dtype=np.int64))
    groups = None
    if by is not None or freq is not None:
        name, keys = _dispute_keys(data, p, by, customers, roles)
        g = make_grouping(
            int(days.shape[0]),
            by_name=name,
            by_keys=keys,
            freq=freq,
            when=p.start_ns if freq is not None else None,
            tz=tz,
        )
        groups = g.breakdown(compute)
    return DisputeResolution(
        summary=total.summary,
        resolved=total.resolved,
        open=total.open,
        pairing=pairing,
        coverage=_coverage(p.ep),
        groups=groups,
    )


# --------------------------------------------------------------------------- open disputes


@attrs.frozen(repr=False)
class OpenDisputesGroup(Result):
    """Open disputes of one group.

    Attributes
    ----------
    count : int
        Disputes open at ``as_of``.
    invoices : int
        Distinct invoices holding them.
    age : Summary
        Days from registration to ``as_of``.
    amount : Mapping[str, Money]
        Open amount of those invoices at ``as_of``, per currency (each
        invoice once).
    """

    count: int
    invoices: int
    age: Summary
    amount: Mapping[str, Money] = attrs.field(converter=freeze)

    def merge(self, other: OpenDisputesGroup) -> OpenDisputesGroup:
        """The group over both invoice sets (disjoint): counts, amounts added; ages merged."""
        _merge.check_type(self, other)
        return OpenDisputesGroup(
            count=self.count + other.count,
            invoices=self.invoices + other.invoices,
            age=_merge.merge_stat(self.age, other.age),
            amount=_merge.add_money(self.amount, other.amount),
        )


@attrs.frozen(repr=False)
class OpenDisputes(Result):
    """Result of :func:`open_disputes`.

    Attributes
    ----------
    as_of : date or datetime
        The instant the snapshot describes.
    count, invoices, age, amount
        As in :class:`OpenDisputesGroup`, over all open disputes.
    coverage : Mapping[str, int]
        ``open``; among them ``on_closed_invoices`` (the invoice is settled
        or written off but the dispute was never resolved); and, not
        counted, ``resolved``, ``repeated_registrations``,
        ``unmatched_resolutions``, ``events_after_as_of``.
    groups : Breakdown of OpenDisputesGroup or None
        By ``by=`` and/or registration period (``freq=``). An invoice with
        open disputes in two groups counts its amount in both.
    """

    as_of: _dt.date | _dt.datetime
    count: int
    invoices: int
    age: Summary
    amount: Mapping[str, Money] = attrs.field(converter=freeze)
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    groups: Breakdown[OpenDisputesGroup] | None = None

    def merge(self, other: OpenDisputes) -> OpenDisputes:
        """The open disputes of both invoice sets (disjoint), equal to those of their union.

        Counts, invoices, open amounts (per currency) and coverage are added,
        the age summaries merged (exactly, or as sketches), groups key-wise.

        Raises
        ------
        InvalidParameterError
            For a different ``as_of`` or grouping.

        Examples
        --------
        >>> import datetime as dt
        >>> from kpicore.model import Dispute, Invoice
        >>> a = [Invoice("F-1", "C1", "2024-03-01", "2024-03-31", Money.of(100, "BRL"),
        ...              disputes=[Dispute("2024-03-10")])]
        >>> b = [Invoice("F-2", "C1", "2024-03-01", "2024-03-31", Money.of(300, "BRL"),
        ...              disputes=[Dispute("2024-03-20")])]
        >>> d = dt.date(2024, 3, 30)
        >>> m = open_disputes(a, as_of=d).merge(open_disputes(b, as_of=d))
        >>> m == open_disputes(a + b, as_of=d), m.count, str(m.amount["BRL"])
        (True, 2, 'BRL 400.00')
        """
        _merge.check_type(self, other)
        _merge.same(self.as_of, other.as_of, "as_of")
        return OpenDisputes(
            as_of=self.as_of,
            count=self.count + other.count,
            invoices=self.invoices + other.invoices,
            age=_merge.merge_stat(self.age, other.age),
            amount=_merge.add_money(self.amount, other.amount),
            coverage=_merge.add_counts(self.coverage, other.coverage),
            groups=_merge.merge_groups(self.groups, other.groups, OpenDisputesGroup.merge),
        )


def open_disputes(
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime,
    tz: _dt.tzinfo | None = None,
    by: By = None,
    freq: Freq | None = None,
    customers: Iterable[Customer] | Mapping[str, Customer] | None = None,
    pairing: Pairing = "fifo",
    percentiles: Iterable[float] = DEFAULT_PERCENTILES,
    roles: Roles = DEFAULT_ROLES,
) -> OpenDisputes:
    """Disputes open as of a date, their age and the amount they hold.

    Parameters
    ----------
    data : sequence of Invoice or EventLog
    as_of : date or aware datetime
        Required: the snapshot instant (a date means its end, in ``tz``).
        A dispute is open when registered before it and not resolved before
        it.
    tz, by, freq, customers, pairing, percentiles, roles
        As in :func:`dispute_resolution` (``freq`` groups by registration
        period, i.e. age cohorts).

    Returns
    -------
    OpenDisputes

    Raises
    ------
    InvalidParameterError
        For a bad ``pairing``, ``freq``, ``by`` or percentile.

    Notes
    -----
    ``age_i = (as_of - registered_i) / 86 400 s`` for each open dispute.
    SAP Fiori's "Processing Days of Open Disputes" is the mean of these ages
    [SAPDM]_; D365's aging snapshot header holds the disputed count and amount
    [D-SNAP]_. The amount is the
    ledger's open amount (:func:`kpicore.kpis._ledger.ledger`) of each
    invoice with at least one open dispute, summed per currency. No open
    dispute: count 0, an empty age summary and no amounts.

    Examples
    --------
    >>> import datetime as dt
    >>> from kpicore.model import Dispute, Invoice, Payment
    >>> from kpicore.money import Money
    >>> invs = [
    ...     Invoice("F-1", "C1", "2024-02-01", "2024-03-01", Money.of(100, "BRL"),
    ...             payments=[Payment("2024-02-03", Money.of(30, "BRL"))],
    ...             disputes=[Dispute("2024-02-10", "valor")]),
    ...     Invoice("F-2", "C2", "2024-02-01", "2024-03-01", Money.of(50, "BRL"),
    ...             disputes=[Dispute("2024-02-20", "serviço", resolved_at="2024-03-05")]),
    ... ]
    >>> r = open_disputes(invs, as_of=dt.date(2024, 2, 29))  # ages: 20 and 10 days
    >>> r.count, r.age.mean, str(r.amount["BRL"])
    (2, 15.0, 'BRL 120.00')
    """
    levels = check_percentiles(percentiles)
    p = _prepare(data, as_of, tz, roles, pairing)
    lg = ledger_of(p.log, as_of=as_of, tz=tz, roles=roles)
    sel = np.flatnonzero(p.ep.is_open).astype(np.int64, copy=False)
    case = p.case[sel]
    age = (p.limit - p.start_ns[sel]) / NS_PER_DAY_F

    def compute(ix: _I64) -> OpenDisputesGroup:
        cases = np.unique(case[ix])
        return OpenDisputesGroup(
            count=int(ix.shape[0]),
            invoices=int(cases.shape[0]),
            age=Summary.of(age[ix], percentiles=levels),
            amount=lg.totals(lg.open_minor, cases),
        )

    total = compute(np.arange(sel.shape[0], dtype=np.int64))
    groups = None
    if by is not None or freq is not None:
        name, keys = _dispute_keys(data, p, by, customers, roles)
        g = make_grouping(
            int(sel.shape[0]),
            by_name=name,
            by_keys=None if keys is None else keys[sel],
            freq=freq,
            when=p.start_ns[sel] if freq is not None else None,
            tz=tz,
        )
        groups = g.breakdown(compute)
    closed = lg.is_settled | lg.is_written_off
    cov = _coverage(p.ep)
    cov["on_closed_invoices"] = int(np.count_nonzero(closed[case]))
    return OpenDisputes(
        as_of=as_of,
        count=total.count,
        invoices=total.invoices,
        age=total.age,
        amount=total.amount,
        coverage=cov,
        groups=groups,
    )


# --------------------------------------------------------------------------- dispute rate


@attrs.frozen(repr=False)
class DisputeRateGroup(Result):
    """Dispute rate of one group.

    Attributes
    ----------
    invoices : int
        Invoices issued (before ``as_of``).
    disputed : int
        Those with at least one dispute registered before ``as_of``.
    rate : float or None
        ``disputed / invoices``; None when no invoice was issued.
    """

    invoices: int
    disputed: int
    rate: float | None

    def merge(self, other: DisputeRateGroup) -> DisputeRateGroup:
        """The group over both invoice sets (disjoint): counts added, rate recomputed."""
        _merge.check_type(self, other)
        n, k = self.invoices + other.invoices, self.disputed + other.disputed
        return DisputeRateGroup(invoices=n, disputed=k, rate=ratio(k, n))


@attrs.frozen(repr=False)
class DisputeRate(Result):
    """Result of :func:`dispute_rate`.

    Attributes
    ----------
    invoices, disputed, rate
        As in :class:`DisputeRateGroup`, over all invoices issued.
    coverage : Mapping[str, int]
        ``used`` (invoices issued before ``as_of``), ``issued_after_as_of``,
        ``no_issue_event`` (cases without an issue event: not counted, even
        if disputed) and ``disputes_on_cases_not_counted``.
    groups : Breakdown of DisputeRateGroup or None
        By ``by=`` and/or issue period (``freq=``).
    """

    invoices: int
    disputed: int
    rate: float | None
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    groups: Breakdown[DisputeRateGroup] | None = None

    def merge(self, other: DisputeRate) -> DisputeRate:
        """The dispute rate of both invoice sets (disjoint), equal to that of their union.

        Both must have the same ``as_of`` (not stored, so not checked).

        Examples
        --------
        >>> from kpicore.model import Dispute, Invoice
        >>> a = [Invoice("F-1", "C1", "2024-03-01", "2024-03-31", Money.of(100, "BRL"),
        ...              disputes=[Dispute("2024-03-10")])]
        >>> b = [Invoice(f"F-{i}", "C1", "2024-03-01", "2024-03-31", Money.of(100, "BRL"))
        ...      for i in (2, 3, 4)]
        >>> m = dispute_rate(a).merge(dispute_rate(b))
        >>> m == dispute_rate(a + b), m.rate
        (True, 0.25)
        """
        _merge.check_type(self, other)
        total = DisputeRateGroup(self.invoices, self.disputed, self.rate).merge(
            DisputeRateGroup(other.invoices, other.disputed, other.rate)
        )
        return DisputeRate(
            invoices=total.invoices,
            disputed=total.disputed,
            rate=total.rate,
            coverage=_merge.add_counts(self.coverage, other.coverage),
            groups=_merge.merge_groups(self.groups, other.groups, DisputeRateGroup.merge),
        )


def _disputed_flags(log: EventLog, roles: Roles, limit: int) -> _B:
    """Per case: whether a dispute was registered before ``limit``."""
    reg = role_events(log, roles.dispute_registered, "dispute_registered")
    reg = reg[log.timestamps[reg] < limit]
    flags = np.zeros(log.n_cases, dtype=bool)
    flags[log.case_codes[reg]] = True
    return flags


def _first_reasons(log: EventLog, roles: Roles, limit: int) -> npt.NDArray[np.object_]:
    """Per case: the reason of its first dispute registered before ``limit`` (None if none)."""
    reg = role_events(log, roles.dispute_registered, "dispute_registered")
    reg = reg[log.timestamps[reg] < limit]
    out = np.empty(log.n_cases, dtype=object)
    if reg.shape[0]:
        c = log.case_codes[reg].astype(np.int64)
        head = heads(c)
        out[c[head]] = event_values(log, roles.dispute_reason, reg[head]).tolist()
    return out


def _case_keys(
    data: InvoiceData,
    log: EventLog,
    by: By,
    customers: Iterable[Customer] | Mapping[str, Customer] | None,
    roles: Roles,
    limit: int,
) -> tuple[str | None, npt.NDArray[np.object_] | None]:
    """One ``by=`` key per case; ``"reason"`` is the reason of the first dispute."""
    if isinstance(by, str) and (by in _REASON_NAMES or by == roles.dispute_reason):
        return by, _first_reasons(log, roles, limit)
    return group_keys(data, log, by, customers=customers, roles=roles)


def dispute_rate(
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime | None = None,
    tz: _dt.tzinfo | None = None,
    by: By = None,
    freq: Freq | None = None,
    customers: Iterable[Customer] | Mapping[str, Customer] | None = None,
    roles: Roles = DEFAULT_ROLES,
) -> DisputeRate:
    """Dispute rate: share of the invoices issued that were ever disputed (IsDisputed).

    Parameters
    ----------
    data : sequence of Invoice or EventLog
    as_of : date or aware datetime, optional
        Invoices issued and disputes registered strictly before this instant
        (a date means its end). ``None``: all.
    tz : tzinfo, optional
        Zone of a date ``as_of`` and of the ``freq`` periods.
    by : str, callable or sequence, optional
        A dimension of the invoice (``"collector"``, ``"segment"`` with
        ``customers=``...); ``"reason"``: the reason of the invoice's first
        dispute (undisputed invoices fall in the ``None`` group).
    freq : {"day", "week", "month", "quarter", "year"}, optional
        Cohorts by issue period.
    customers : iterable or mapping of Customer, optional
        For ``by=`` on customer attributes.
    roles : Roles
        Activities and attribute names.

    Returns
    -------
    DisputeRate

    Notes
    -----
    ``rate = disputed / invoices`` (a fraction; × 100 for the percentage of
    [KPID]_). An invoice counts once
    however many disputes it had, whether or not they were resolved. No
    invoice issued gives ``rate=None`` with ``invoices=0``.

    Examples
    --------
    >>> from kpicore.model import Dispute, Invoice
    >>> from kpicore.money import Money
    >>> invs = [Invoice(f"F-{i}", "C1", "2024-02-01", "2024-03-01", Money.of(10, "BRL"),
    ...                 disputes=[Dispute("2024-02-05")] * (i == 1) * 2) for i in range(4)]
    >>> r = dispute_rate(invs)
    >>> r.invoices, r.disputed, r.rate
    (4, 1, 0.25)
    """
    check_roles(roles)
    log = as_log(data)
    limit = limit_ns(as_of, tz)
    lg = ledger_of(log, as_of=as_of, tz=tz, roles=roles)
    flags = _disputed_flags(log, roles, limit)
    issued = lg.is_issued
    pop = np.flatnonzero(issued).astype(np.int64, copy=False)

    def compute(ix: _I64) -> DisputeRateGroup:
        n = int(ix.shape[0])
        k = int(np.count_nonzero(flags[pop[ix]]))
        return DisputeRateGroup(invoices=n, disputed=k, rate=ratio(k, n))

    total = compute(np.arange(pop.shape[0], dtype=np.int64))
    groups = None
    if by is not None or freq is not None:
        name, keys = _case_keys(data, log, by, customers, roles, limit)
        g = make_grouping(
            int(pop.shape[0]),
            by_name=name,
            by_keys=None if keys is None else keys[pop],
            freq=freq,
            when=lg.issued_ns[pop] if freq is not None else None,
            tz=tz,
        )
        groups = g.breakdown(compute)
    cov = lg.coverage
    return DisputeRate(
        invoices=total.invoices,
        disputed=total.disputed,
        rate=total.rate,
        coverage={
            "used": total.invoices,
            "issued_after_as_of": cov["issued_after_as_of"],
            "no_issue_event": cov["no_issue_event"],
            "disputes_on_cases_not_counted": int(np.count_nonzero(flags & ~issued)),
        },
        groups=groups,
    )


# --------------------------------------------------------------------------- DSO split

#: The ``by`` keys of :func:`dso_by_dispute`.
DISPUTED_KEY = "disputed"
NOT_DISPUTED_KEY = "not_disputed"


def dso_by_dispute(
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime | None = None,
    tz: _dt.tzinfo | None = None,
    until: Literal["first_payment", "settlement"] = "first_payment",
    days: Literal["calendar", "business"] = "calendar",
    holidays: Iterable[_dt.date] = (),
    weekmask: str = "1111100",
    freq: Freq | None = None,
    period_of: Literal["invoice", "payment"] = "invoice",
    percentiles: Iterable[float] = DEFAULT_PERCENTILES,
    roles: Roles = DEFAULT_ROLES,
) -> InvoiceDays:
    """DSO of disputed and of undisputed invoices.

    The event-log DSO of :func:`kpicore.kpis.dso.invoice_dso` (days from
    issue to the first payment, or to settlement), split with ``by=`` a
    per-invoice flag: ``"disputed"`` when a dispute was registered before
    ``as_of`` (the template's IsDisputed), else ``"not_disputed"``.

    Parameters
    ----------
    data : sequence of Invoice or EventLog
    as_of, tz, until, days, holidays, weekmask, freq, period_of, percentiles, roles
        Passed to :func:`kpicore.kpis.dso.invoice_dso` (``freq`` splits
        each flag group by period).

    Returns
    -------
    InvoiceDays
        The DSO result; ``groups`` keyed by ``"disputed"`` /
        ``"not_disputed"`` (or ``(flag, Period)`` with ``freq``). A flag with
        no invoice has no group.

    Notes
    -----
    Disputed invoices usually take longer to pay: the gap between the two
    groups is the cost of disputes in days of sales outstanding. Sources as
    :func:`~kpicore.kpis.dso.invoice_dso` [M3]_; dispute flag [KPID]_.

    Examples
    --------
    >>> from kpicore.model import Dispute, Invoice, Payment
    >>> from kpicore.money import Money
    >>> invs = [
    ...     Invoice("F-1", "C1", "2024-03-01", "2024-03-31", Money.of(10, "BRL"),
    ...             payments=[Payment("2024-03-31", Money.of(10, "BRL"))],
    ...             disputes=[Dispute("2024-03-05", resolved_at="2024-03-20")]),
    ...     Invoice("F-2", "C1", "2024-03-01", "2024-03-31", Money.of(10, "BRL"),
    ...             payments=[Payment("2024-03-11", Money.of(10, "BRL"))]),
    ... ]
    >>> r = dso_by_dispute(invs)
    >>> {k: s.mean for k, s in r.groups.items()}
    {'disputed': 30.0, 'not_disputed': 10.0}
    """
    check_roles(roles)
    log = as_log(data)
    flags = _disputed_flags(log, roles, limit_ns(as_of, tz))
    keys = np.where(flags, DISPUTED_KEY, NOT_DISPUTED_KEY).astype(object)
    return invoice_dso(
        log, as_of=as_of, tz=tz, until=until, days=days, holidays=holidays, weekmask=weekmask,
        by=keys, freq=freq, period_of=period_of, percentiles=percentiles, roles=roles,
    )  # fmt: skip
