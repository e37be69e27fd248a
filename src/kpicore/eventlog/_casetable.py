"""The per-case attribute table of the credit-management event-log template."""

from __future__ import annotations

import datetime as _dt
import types
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import numpy.typing as npt

from kpicore.activities import (
    COLLECTION_LETTER,
    DISPUTE_REGISTERED,
    DISPUTE_RESOLVED,
    INVOICE_GENERATED,
    INVOICE_SETTLED,
    INVOICE_WRITTEN_OFF,
    PAYMENT_RECEIVED,
)
from kpicore.errors import InvalidParameterError
from kpicore.periods import as_of_date, as_of_ns, days_past_due, days_settled_late
from kpicore.results import Result, freeze, read_only
from kpicore.results import plain as _label

from . import _scan
from ._timestamps import NAT

if TYPE_CHECKING:
    from ._log import ActivitySpec, EventLog

__all__ = ["DEFAULT_ROLES", "CaseTable", "case_table"]

_NS_PER_DAY = 86_400_000_000_000


def _ro_columns(m: Mapping[str, Any]) -> Mapping[str, npt.NDArray[Any]]:
    return freeze({k: read_only(np.asarray(v)) for k, v in m.items()})


@attrs.frozen(eq=False, repr=False)
class CaseTable(Result, Mapping[str, npt.NDArray[Any]]):
    """Columns of per-case values, aligned with ``case_ids`` (a read-only mapping).

    Examples
    --------
    >>> import numpy as np
    >>> t = CaseTable(np.array(["a"], dtype=object), {"n": np.array([1])}, None)
    >>> t["n"].tolist(), list(t)
    ([1], ['n'])
    """

    case_ids: npt.NDArray[Any] = attrs.field(converter=read_only)
    columns: Mapping[str, npt.NDArray[Any]] = attrs.field(converter=_ro_columns)
    as_of: _dt.date | _dt.datetime | None

    def __getitem__(self, name: str) -> npt.NDArray[Any]:
        return self.columns[name]

    def __reduce__(self) -> tuple[Any, ...]:  # mapping proxies do not pickle
        return (CaseTable, (self.case_ids, dict(self.columns), self.as_of))

    def __iter__(self) -> Iterator[str]:
        return iter(self.columns)

    def __len__(self) -> int:
        return len(self.columns)

    def row(self, case_id: Any) -> dict[str, Any]:
        """All columns of one case.

        Examples
        --------
        >>> import numpy as np
        >>> CaseTable(np.array(["a"], dtype=object), {"n": np.array([1])}, None).row("a")
        {'n': 1}
        """
        hits = np.flatnonzero(self.case_ids == case_id)
        if hits.shape[0] == 0:
            from kpicore.errors import MissingDataError

            raise MissingDataError(f"no case {case_id!r} in the table")
        i = int(hits[0])
        return {k: _label(v[i]) for k, v in self.columns.items()}

    def merge(self, other: CaseTable) -> CaseTable:
        """The table of both logs' cases (disjoint), rows in case-id order: exact.

        Raises
        ------
        InvalidParameterError
            For a different ``as_of`` or different columns, or a case present
            in both (its events were split between two partitions).

        Examples
        --------
        >>> import numpy as np
        >>> a = CaseTable(np.array(["b"], dtype=object), {"n": np.array([2])}, None)
        >>> b = CaseTable(np.array(["a"], dtype=object), {"n": np.array([1])}, None)
        >>> m = a.merge(b)
        >>> m.case_ids.tolist(), m["n"].tolist()
        (['a', 'b'], [1, 2])
        """
        from kpicore import _merge

        _merge.check_type(self, other)
        _merge.same(self.as_of, other.as_of, "as_of")
        _merge.same(list(self.columns), list(other.columns), "columns")
        ids, order = _merge.case_order(self.case_ids, other.case_ids, "case-table")
        if not other.case_ids.shape[0] or not self.case_ids.shape[0]:
            full = self if self.case_ids.shape[0] else other
            return CaseTable(full.case_ids, dict(full.columns), self.as_of)
        cols = {k: np.concatenate([v, other.columns[k]])[order] for k, v in self.columns.items()}
        return CaseTable(ids, cols, self.as_of)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``{"as_of", "case_ids", "columns": {name: list}}``.

        Examples
        --------
        >>> import numpy as np
        >>> CaseTable(np.array(["a"], dtype=object), {"n": np.array([1])}, None).to_dict()
        {'as_of': None, 'case_ids': ['a'], 'columns': {'n': [1]}}
        """
        from kpicore.results import to_jsonable

        return {
            "as_of": to_jsonable(self.as_of),
            "case_ids": to_jsonable(self.case_ids),
            "columns": {k: to_jsonable(v) for k, v in self.columns.items()},
        }


#: The activity playing each role of the case table, overridable with ``roles=``.
DEFAULT_ROLES: Mapping[str, ActivitySpec] = types.MappingProxyType(
    {
        "issued": INVOICE_GENERATED.en,
        "settled": INVOICE_SETTLED.en,
        "written_off": INVOICE_WRITTEN_OFF.en,
        "dispute_registered": DISPUTE_REGISTERED.en,
        "dispute_resolved": DISPUTE_RESOLVED.en,
        "letter": COLLECTION_LETTER.en,
        "payment": PAYMENT_RECEIVED.en,
    }
)


def case_table(
    log: EventLog,
    *,
    as_of: _dt.date | _dt.datetime | None = None,
    roles: Mapping[str, ActivitySpec] | None = None,
) -> CaseTable:
    """The template's case attributes that the log alone determines.

    Parameters
    ----------
    log:
        The event log.
    as_of:
        Only events strictly before this instant are known (a date ``D``
        means the end of ``D``, UTC; see :func:`kpicore.periods.as_of_ns`).
        ``None``: every event.
    roles:
        Overrides of :data:`DEFAULT_ROLES` (keys ``issued``, ``settled``,
        ``written_off``, ``dispute_registered``, ``dispute_resolved``,
        ``letter``, ``payment``), e.g. ``{"settled": "Baixa"}``.

    Returns
    -------
    CaseTable
        The log's own case attributes (customer, due date, ...) followed by:
        ``first_event``, ``last_event`` (the template's LastDataUpdate) and
        ``events``; ``issued_at`` (first *Invoice Generated*), ``settled_at``,
        ``written_off_at``; ``days_to_settle`` (issue to settlement, float
        days; the invoice's own DSO); ``is_disputed`` and ``open_disputes``;
        ``dispute_reason`` (of the first dispute, when events carry a
        ``dispute_reason`` attribute); ``dispute_resolution_days`` (days from
        the first dispute to the resolution that closes it; NaN while open);
        ``collection_letters`` and ``dunning_level`` (highest
        ``dunning_level`` attribute of the letters, or their count when the
        attribute is absent); ``invoice_status`` (``written_off`` > ``paid`` >
        ``disputed`` > ``partially_paid`` > ``open``, the model's precedence;
        None for cases with no known event); and, with a ``due_date`` case
        attribute, ``days_overdue`` and ``days_late``.

    Notes
    -----
    Disputes are paired ``"fifo"`` (:meth:`EventLog.episodes`, the one
    definition): ``open_disputes`` counts the registrations not closed by a
    resolution -- a resolution with no open dispute closes nothing -- and
    ``dispute_resolution_days`` is the first dispute's own resolution time.

    ``days_overdue`` is :func:`kpicore.periods.days_past_due`: calendar days
    from the due date to the date of ``as_of`` while the invoice is open
    (neither settled nor written off) as of then, 0 when not yet due or
    closed, NaN while open without ``as_of`` and for invoices not issued yet
    -- as :func:`kpicore.kpis.overdue.days_overdue`. ``days_late`` is
    :func:`kpicore.periods.days_settled_late`: calendar days from the due date
    to the settlement date, at least 0 (NaN until settled), as
    :func:`kpicore.kpis.overdue.days_late`. Here "settled"
    is the *settled* event; the KPIs' ledger
    (:func:`kpicore.kpis._ledger.ledger`) also settles an invoice when its
    payments cover the amount.

    Examples
    --------
    >>> import datetime as dt
    >>> from kpicore.eventlog import EventLog
    >>> log = EventLog.from_columns(case=["a", "a", "a"],
    ...     activity=["Invoice Generated", "Payment Received", "Invoice Settled"],
    ...     timestamp=["2024-01-01T00:00Z", "2024-01-15T12:00Z", "2024-01-15T12:00Z"],
    ...     case_attributes={"due_date": [dt.date(2024, 1, 10)] * 3})
    >>> t = log.case_table()
    >>> t["invoice_status"].tolist(), t["days_to_settle"].tolist(), t["days_late"].tolist()
    (['paid'], [14.5], [5.0])
    >>> t["days_overdue"].tolist()  # paid: no longer overdue
    [0.0]
    >>> t12 = log.case_table(as_of=dt.date(2024, 1, 12))
    >>> t12["invoice_status"].tolist(), t12["days_overdue"].tolist(), t12["days_late"].tolist()
    (['open'], [2.0], [nan])
    """
    role = dict(DEFAULT_ROLES)
    for key, spec in (roles or {}).items():
        if key not in DEFAULT_ROLES:
            raise InvalidParameterError(
                f"unknown case-table role {key!r}; roles: {sorted(DEFAULT_ROLES)}"
            )
        role[key] = spec
    n = log.n_cases
    ts = log.timestamps
    case = log.case_codes
    known = np.ones(log.n_events, dtype=bool)
    limit: int | None = None
    if as_of is not None:
        limit = as_of_ns(as_of)
        known = ts < limit

    def mask(spec: ActivitySpec) -> npt.NDArray[np.bool_]:
        return log._mask(spec, param="case table") & known

    def first_ns(m: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
        return _scan.take_ts(ts, _scan.case_first_index(case, np.flatnonzero(m), n))

    def count(m: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
        return np.bincount(case[m], minlength=n).astype(np.int64)

    cols: dict[str, npt.NDArray[Any]] = {}
    for name in log.case_attribute_names:
        cols[name] = log.case_attribute(name)
    kidx = np.flatnonzero(known)
    first_known = _scan.case_first_index(case, kidx, n)
    last_known = _scan.case_last_index(case, kidx, n)
    has_known = first_known >= 0
    cols["first_event"] = _scan.take_ts(ts, first_known).view("datetime64[ns]")
    cols["last_event"] = _scan.take_ts(ts, last_known).view("datetime64[ns]")
    cols["events"] = count(known)
    issued = first_ns(mask(role["issued"]))
    settled = first_ns(mask(role["settled"]))
    written = first_ns(mask(role["written_off"]))
    cols["issued_at"] = issued.view("datetime64[ns]")
    cols["settled_at"] = settled.view("datetime64[ns]")
    cols["written_off_at"] = written.view("datetime64[ns]")
    both = (issued != NAT) & (settled != NAT)
    dts = np.full(n, np.nan)
    dts[both] = (settled[both] - issued[both]).astype(np.float64) / _NS_PER_DAY
    cols["days_to_settle"] = dts
    reg_m = mask(role["dispute_registered"])
    n_reg = count(reg_m)
    cols["is_disputed"] = n_reg > 0
    episodes = log.episodes(
        role["dispute_registered"], role["dispute_resolved"], match="fifo", as_of=limit
    )
    cols["open_disputes"] = np.asarray(episodes.open_per_case().values)
    if "dispute_reason" in log.attribute_names:
        first_reg = _scan.case_first_index(case, np.flatnonzero(reg_m), n)
        has_reg = first_reg >= 0
        out = np.empty(n, dtype=object)
        out[has_reg] = log.event_attribute("dispute_reason", first_reg[has_reg])
        cols["dispute_reason"] = out
    res_days = np.full(n, np.nan)
    if len(episodes):
        first = _scan.heads(episodes.case_codes)
        res_days[episodes.case_codes[first]] = episodes.days[first]
    cols["dispute_resolution_days"] = res_days
    letters_m = mask(role["letter"])
    cols["collection_letters"] = count(letters_m)
    if "dunning_level" in log.attribute_names:
        lv = np.asarray(log.event_attribute("dunning_level"), dtype=np.float64)
        sel = letters_m & ~np.isnan(lv)
        level = np.zeros(n, dtype=np.float64)
        np.maximum.at(level, case[sel], lv[sel])
        cols["dunning_level"] = level.astype(np.int64)
    else:
        cols["dunning_level"] = cols["collection_letters"]
    paid_any = count(mask(role["payment"])) > 0
    status = np.empty(n, dtype=object)
    status[has_known] = "open"
    status[has_known & paid_any] = "partially_paid"
    status[has_known & (cols["open_disputes"] > 0)] = "disputed"
    status[settled != NAT] = "paid"
    status[written != NAT] = "written_off"
    cols["invoice_status"] = status
    if "due_date" in log.case_attribute_names and log.case_attribute_kind("due_date") == "date":
        due_day = log.case_attribute("due_date")
        settled_day = np.where(settled != NAT, np.floor_divide(settled, _NS_PER_DAY), NAT)
        is_issued = issued != NAT  # known as of as_of
        is_open = is_issued & (settled == NAT) & (written == NAT)
        as_of_day = None if as_of is None else (as_of_date(as_of) - _dt.date(1970, 1, 1)).days
        over = days_past_due(due_day, as_of_day, is_open)
        over[~is_issued] = np.nan
        cols["days_overdue"] = over
        late = days_settled_late(due_day, settled_day)
        late[~is_issued] = np.nan
        cols["days_late"] = late
    return CaseTable(log.case_ids, cols, as_of)
