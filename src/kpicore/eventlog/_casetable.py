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
from kpicore.periods import as_of_date, as_of_ns

from . import _scan
from ._results import _label
from ._timestamps import NAT

if TYPE_CHECKING:
    from ._log import ActivitySpec, EventLog

__all__ = ["DEFAULT_ROLES", "CaseTable", "case_table"]

_NS_PER_DAY = 86_400_000_000_000


def _ro(arr: npt.NDArray[Any]) -> npt.NDArray[Any]:
    arr = arr.view()
    arr.setflags(write=False)
    return arr


def _ro_columns(m: Mapping[str, Any]) -> Mapping[str, npt.NDArray[Any]]:
    return types.MappingProxyType({k: _ro(np.asarray(v)) for k, v in m.items()})


@attrs.frozen(eq=False)
class CaseTable(Mapping[str, npt.NDArray[Any]]):
    """Columns of per-case values, aligned with ``case_ids`` (a read-only mapping).

    Examples
    --------
    >>> import numpy as np
    >>> t = CaseTable(np.array(["a"], dtype=object), {"n": np.array([1])}, None)
    >>> t["n"].tolist(), list(t)
    ([1], ['n'])
    """

    case_ids: npt.NDArray[Any] = attrs.field(converter=_ro)
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
        ``dispute_reason`` attribute); ``dispute_resolution_days`` (first
        dispute to the first resolution after it); ``collection_letters`` and
        ``dunning_level`` (highest ``dunning_level`` attribute of the letters,
        or their count when the attribute is absent); ``invoice_status``
        (``written_off`` > ``paid`` > ``disputed`` > ``partially_paid`` >
        ``open``, the model's precedence; None for cases with no known event);
        and, with a ``due_date`` case attribute, ``days_overdue`` (calendar
        days from the due date to the settlement date, or to ``as_of`` while
        open; 0 if not late; NaN while open without ``as_of``).

    Examples
    --------
    >>> import datetime as dt
    >>> from kpicore.eventlog import EventLog
    >>> log = EventLog.from_columns(case=["a", "a", "a"],
    ...     activity=["Invoice Generated", "Payment Received", "Invoice Settled"],
    ...     timestamp=["2024-01-01T00:00Z", "2024-01-15T12:00Z", "2024-01-15T12:00Z"],
    ...     case_attributes={"due_date": [dt.date(2024, 1, 10)] * 3})
    >>> t = log.case_table()
    >>> t["invoice_status"].tolist(), t["days_to_settle"].tolist(), t["days_overdue"].tolist()
    (['paid'], [14.5], [5.0])
    >>> log.case_table(as_of=dt.date(2024, 1, 12))["invoice_status"].tolist()
    ['open']
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
    res_m = mask(role["dispute_resolved"])
    n_reg, n_res = count(reg_m), count(res_m)
    cols["is_disputed"] = n_reg > 0
    cols["open_disputes"] = np.maximum(n_reg - n_res, 0)
    if "dispute_reason" in log.attribute_names:
        reasons = log.event_attribute("dispute_reason")
        first_reg = _scan.case_first_index(case, np.flatnonzero(reg_m), n)
        out = np.empty(n, dtype=object)
        out[first_reg >= 0] = reasons[first_reg[first_reg >= 0]]
        cols["dispute_reason"] = out
    durations = log.case_durations(role["dispute_registered"], role["dispute_resolved"])
    res_days = np.where(durations.status == 0, durations.days, np.nan)
    if limit is not None:
        res_days = np.where(durations.end_ns < limit, res_days, np.nan)
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
    due = log._case_attrs.get("due_date")
    if due is not None and due.kind == "date":
        due_day = due.data
        ref_day = np.where(settled != NAT, np.floor_divide(settled, _NS_PER_DAY), NAT)
        if as_of is not None:
            ref_as_of = (as_of_date(as_of) - _dt.date(1970, 1, 1)).days
            ref_day = np.where(settled != NAT, ref_day, ref_as_of)
        ok = (due_day != NAT) & (ref_day != NAT) & has_known
        over = np.full(n, np.nan)
        over[ok] = np.maximum(ref_day[ok] - due_day[ok], 0).astype(np.float64)
        cols["days_overdue"] = over
    return CaseTable(log.case_ids, cols, as_of)
