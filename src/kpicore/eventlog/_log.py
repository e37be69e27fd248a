"""The columnar, immutable event log."""

from __future__ import annotations

import datetime as _dt
import types
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
import numpy.typing as npt

from kpicore.activities import CANONICAL, Activity, canonical_name
from kpicore.errors import (
    InvalidParameterError,
    InvalidRecordError,
    MissingDataError,
    UnknownActivityError,
)
from kpicore.periods import as_of_ns
from kpicore.results import read_only as _ro
from kpicore.threads import run_all

from . import _scan
from ._encode import Column, Encoded, encode_attribute, encode_keys, to_array
from ._frames import as_table, column_names, frame_kind
from ._pairs import MATCHES, pair_indices
from ._results import (
    END_BEFORE_START,
    MISSING_END,
    MISSING_START,
    USED,
    CaseDurations,
    CaseTimes,
    CaseValues,
    DroppedReport,
    Episodes,
    Pairs,
)
from ._timestamps import NAT, TimestampParse, parse_timestamps, timestamp_bound
from ._variants import (
    DirectlyFollows,
    VariantCoverage,
    Variants,
    compute_dfg,
    compute_variants,
    variant_case_mask,
    variant_coverage,
    variant_specs,
)

if TYPE_CHECKING:
    from kpicore.model import Event, Invoice

    from ._casetable import CaseTable
    from ._quality import QualityReport

__all__ = [
    "ACTIVITY_KEY",
    "CASE_KEY",
    "CASE_PREFIX",
    "DEFAULT_BLOCK_EVENTS",
    "RESOURCE_KEY",
    "TIMESTAMP_KEY",
    "ActivitySpec",
    "EventLog",
    "concat",
]

#: Default most events per block of :meth:`EventLog.case_blocks` (2**20): large enough
#: that numpy's per-call overhead is small against each block's work, small enough that
#: a block's work arrays (8 MiB at 8 bytes an event) are reused from block to block by
#: the allocator instead of being fresh pages from the system for every KPI call
#: (benchmarks/README.md: 2**21 already pages in ~6 000 times per call at 1M invoices).
DEFAULT_BLOCK_EVENTS = 1 << 20

#: Default case-id column (XES ``case:concept:name``, pm4py's ``case_id_key``).
CASE_KEY = "case:concept:name"
#: Default activity column (XES ``concept:name``).
ACTIVITY_KEY = "concept:name"
#: Default timestamp column (XES ``time:timestamp``).
TIMESTAMP_KEY = "time:timestamp"
#: Default resource column (XES ``org:resource``); the resource attribute's name.
RESOURCE_KEY = "org:resource"
#: Prefix of case-level columns in pm4py's DataFrame convention.
CASE_PREFIX = "case:"

#: What an activity role argument accepts: a canonical name, an Activity, a
#: source label, or a sequence of them (any of which plays the role).
ActivitySpec = str | Activity | Sequence[str | Activity]

_I64 = npt.NDArray[np.int64]
_B = npt.NDArray[np.bool_]
_CANONICAL_EN = frozenset(a.en for a in CANONICAL)
_MAX_ACTIVITIES = int(np.iinfo(np.int16).max)
_NS_PER_DAY_F = 86_400e9
_EXAMPLES = 5


def _columns_of(data: Any) -> list[str]:
    if data is None:
        return []
    if isinstance(data, Mapping) or frame_kind(data) == "arrow":
        return column_names(data)
    cols = getattr(data, "columns", None)
    if cols is not None:
        return [str(c) for c in list(cols)]
    raise InvalidParameterError(
        f"data must be a mapping of column name to column or a DataFrame, "
        f"got {type(data).__name__}"
    )


def _wanted_columns(
    specs: tuple[Any, ...], attributes: Any, case_attributes: Any
) -> list[str] | None:
    """The column names a call reads from ``data``; None when it reads them all."""
    if isinstance(attributes, str):
        return None
    names = [s for s in specs if isinstance(s, str)]
    for group in (attributes, case_attributes):
        if not isinstance(group, Mapping | str):
            names.extend(str(n) for n in group)
    return names


def _get(data: Any, spec: Any, *, what: str, required: bool) -> tuple[str, Any] | None:
    """Resolve a column argument: a name in ``data`` or the column itself."""
    if isinstance(spec, str):
        if data is None and not required:
            return None
        if data is None:
            raise InvalidParameterError(
                f"{what}={spec!r} names a column but no data= was given; "
                "pass data= or the column itself"
            )
        names = _columns_of(data)
        if spec not in names:
            if not required:
                return None
            raise MissingDataError(
                f"column {spec!r} ({what}) not found; available columns: {names}"
            )
        return spec, data[spec]
    if spec is None:
        return None
    return what, spec


def _bad_value(raw: Any, row: int) -> object:
    try:
        value = raw[row]
    except Exception:  # pragma: no cover - exotic containers
        return None
    return value.item() if isinstance(value, np.generic) else value


def _drop_empty_label(enc: Encoded) -> Encoded:
    """Treat an empty string label as null."""
    labels = enc.labels
    if labels.dtype != object or labels.shape[0] == 0 or labels[0] != "":
        return enc
    codes = np.where(enc.codes > 0, enc.codes - 1, -1)
    return Encoded(codes.astype(enc.codes.dtype, copy=False), labels[1:], dense=enc.dense)


def _case_heads(case: npt.NDArray[np.int32], n_cases: int) -> _B | None:
    """The first event of each case (``case`` sorted) when every case has one, else None."""
    if not case.shape[0]:
        return None
    step = _scan.heads(case)
    return step if int(np.count_nonzero(step)) == n_cases else None


def _reduce_case_column(
    col: Column, case: npt.NDArray[np.int32], n_cases: int, heads: _B | None = None
) -> tuple[Column, _B]:
    """First non-null value per case (events sorted) and the cases with conflicts.

    ``heads``: :func:`_case_heads` of ``case``, shared by the columns of one log.
    """
    if heads is not None and (col.kind in ("int", "bool") or not col.null_mask().any()):
        # no nulls, every case present: the heads are cases 0 .. n_cases - 1 in order,
        # so neighbour comparisons do (bool temporaries, no index gathers)
        out_all = col.data[heads]
        differ = col.data[1:] != col.data[:-1]
        differ &= ~heads[1:]
        conflict_all = np.zeros(n_cases, dtype=bool)
        conflict_all[case[1:][differ]] = True
        return Column(col.kind, out_all, col.labels).compact(), conflict_all
    null = col.null_mask()
    idx = np.flatnonzero(~null)
    first = _scan.case_first_index(case, idx, n_cases)
    has = first >= 0
    data = col.data
    kind = col.kind
    if kind in ("int", "bool") and not has.all():
        kind = "float"
        data = data.astype(np.float64)
    if kind == "float":
        out = np.full(n_cases, np.nan)
    elif kind in ("datetime", "date"):
        out = np.full(n_cases, NAT, dtype=np.int64)
    elif kind == "category":
        out = np.full(n_cases, -1, dtype=np.int32)
    else:
        out = np.zeros(n_cases, dtype=data.dtype)
    out[has] = data[first[has]]
    conflict = np.zeros(n_cases, dtype=bool)
    if idx.shape[0]:
        c = case[idx]
        differ = data[idx] != out[c]
        conflict[c[differ]] = True
    return Column(kind, out, col.labels).compact(), conflict


def _union_kind(cols: list[Column], name: str) -> str:
    kinds = {c.kind for c in cols}
    if len(kinds) == 1:
        return kinds.pop()
    if kinds <= {"float", "int", "bool"}:
        return "float"
    raise InvalidParameterError(
        f"attribute {name!r} has incompatible kinds across logs: {sorted(kinds)}"
    )


def _concat_columns(cols: list[Column], name: str) -> Column:
    kind = _union_kind(cols, name)
    if kind == "category":
        labels = np.unique(np.concatenate([c.labels for c in cols if c.labels is not None]))
        parts = []
        for c in cols:
            assert c.labels is not None
            lut = np.searchsorted(labels, c.labels).astype(np.int32) if c.labels.size else None
            if lut is None:
                parts.append(np.full(c.data.shape, -1, dtype=np.int32))
            else:
                parts.append(np.where(c.data >= 0, lut[np.maximum(c.data, 0)], -1))
        return Column("category", np.concatenate(parts).astype(np.int32), labels.astype(object))
    if kind == "float":
        return Column("float", np.concatenate([c.data.astype(np.float64) for c in cols]))
    return Column(kind, np.concatenate([c.data for c in cols]))  # type: ignore[arg-type]


class EventLog:
    """An immutable, columnar invoice-to-cash event log.

    Events are stored as numpy columns sorted once, at construction, by
    (case, timestamp), ties kept in input order (or ordered by an ``order=``
    column): int32 case codes, int16 activity codes and int64 timestamps (ns
    since the epoch, UTC) -- 14 bytes per event -- plus the sorted label
    tables, optional event attributes and a per-case attribute table. Case
    codes follow the sorted order of the case ids and activity codes the
    sorted order of the labels, so no result depends on the order of the
    input rows.

    Build one with :meth:`from_columns`, :meth:`from_events`,
    :meth:`from_invoices` or :func:`concat`; every primitive afterwards is a
    vectorised scan (no Python loop per event or per case).

    Activity names are free text. ``activity_map`` maps a system's own labels
    onto the canonical vocabulary of :mod:`kpicore.activities` (pt-BR labels
    are recognised without a map), and every method that takes an activity
    accepts the canonical name, an :class:`~kpicore.activities.Activity`, the
    source label, or a sequence of these. An activity that is neither in the
    log nor canonical raises :class:`~kpicore.errors.UnknownActivityError`
    naming it and listing the log's activities; a canonical activity that is
    simply absent from this log gives 0 occurrences.

    Examples
    --------
    >>> log = EventLog.from_columns({
    ...     "case:concept:name": ["F-1", "F-1", "F-2"],
    ...     "concept:name": ["Fatura Gerada", "Pagamento Recebido", "Fatura Gerada"],
    ...     "time:timestamp": ["2024-01-01T10:00:00-03:00", "2024-01-11T10:00:00-03:00",
    ...                        "2024-01-02T00:00:00Z"]})
    >>> log.n_cases, log.n_events, log.activities
    (2, 3, ('Fatura Gerada', 'Pagamento Recebido'))
    >>> log.case_durations("Invoice Generated", "Payment Received").days.tolist()
    [10.0, nan]
    """

    __slots__ = (
        "__weakref__",  # KPI layers cache per-log work in weak-keyed tables
        "_act",
        "_act_labels",
        "_activity_map",
        "_attrs",
        "_canon",
        "_case",
        "_case_attrs",
        "_case_labels",
        "_conflicts",
        "_dense",
        "_dropped",
        "_starts",
        "_ts",
    )

    _case: npt.NDArray[np.int32]
    _act: npt.NDArray[np.int16]
    _ts: _I64
    _starts: _I64
    _dense: bool
    _case_labels: npt.NDArray[Any]
    _act_labels: npt.NDArray[Any]
    _canon: tuple[str | None, ...]
    _attrs: Mapping[str, Column]
    _case_attrs: Mapping[str, Column]
    _activity_map: Mapping[str, str]
    _dropped: DroppedReport
    _conflicts: Mapping[str, _B]

    def __init__(self) -> None:
        raise InvalidParameterError(
            "build an EventLog with EventLog.from_columns, from_events, from_invoices or concat"
        )

    # ------------------------------------------------------------------ construction

    @classmethod
    def _make(
        cls,
        *,
        case: npt.NDArray[Any],
        act: npt.NDArray[Any],
        ts: _I64,
        case_labels: npt.NDArray[Any],
        act_labels: npt.NDArray[Any],
        attrs: Mapping[str, Column],
        case_attrs: Mapping[str, Column],
        activity_map: Mapping[str, str],
        dropped: DroppedReport,
        conflicts: Mapping[str, _B],
    ) -> EventLog:
        self = object.__new__(cls)
        n_cases = int(case_labels.shape[0])
        setter = object.__setattr__
        setter(self, "_case", _ro(np.ascontiguousarray(case, dtype=np.int32)))
        setter(self, "_act", _ro(np.ascontiguousarray(act, dtype=np.int16)))
        setter(self, "_ts", _ro(np.ascontiguousarray(ts, dtype=np.int64)))
        starts, dense = _offsets(self._case, n_cases)
        setter(self, "_starts", _ro(starts))
        setter(self, "_dense", dense)
        setter(self, "_case_labels", _ro(case_labels))
        setter(self, "_act_labels", _ro(act_labels))
        amap = types.MappingProxyType(dict(activity_map))
        setter(self, "_activity_map", amap)
        setter(
            self,
            "_canon",
            tuple(canonical_name(str(lab), amap) for lab in act_labels.tolist()),
        )
        setter(self, "_attrs", types.MappingProxyType(dict(attrs)))
        setter(self, "_case_attrs", types.MappingProxyType(dict(case_attrs)))
        setter(self, "_dropped", dropped)
        setter(
            self, "_conflicts", types.MappingProxyType({k: _ro(v) for k, v in conflicts.items()})
        )
        return self

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"EventLog is immutable (cannot set {name!r})")

    def __reduce__(self) -> tuple[Any, ...]:  # pickling (multiprocessing, Dask)
        return (_rebuild, (self._parts(),))

    def _parts(self) -> dict[str, Any]:
        return {
            "case": self._case,
            "act": self._act,
            "ts": self._ts,
            "case_labels": self._case_labels,
            "act_labels": self._act_labels,
            "attrs": dict(self._attrs),
            "case_attrs": dict(self._case_attrs),
            "activity_map": dict(self._activity_map),
            "dropped": self._dropped,
            "conflicts": dict(self._conflicts),
        }

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"EventLog is immutable (cannot delete {name!r})")

    @classmethod
    def _assemble(
        cls,
        *,
        case_enc: Encoded,
        act_enc: Encoded,
        ts: TimestampParse,
        names: tuple[str, str, str],
        raws: tuple[Any, Any, Any],
        attrs: dict[str, Column],
        case_attr_events: dict[str, Column],
        order_key: npt.NDArray[Any] | None,
        activity_map: Mapping[str, str] | None,
        on_invalid: str,
        dropped_before: DroppedReport | None = None,
    ) -> EventLog:
        """The log from encoded columns. Takes ``attrs`` and ``case_attr_events`` over
        (it empties them, so that each per-event column is freed once replaced)."""
        if on_invalid not in ("raise", "drop"):
            raise InvalidParameterError(
                f"on_invalid must be 'raise' or 'drop', got {on_invalid!r}"
            )
        if activity_map is not None and not isinstance(activity_map, Mapping):
            raise InvalidParameterError(
                f"activity_map must be a mapping, got {type(activity_map).__name__}"
            )
        amap = dict(activity_map or {})
        case_enc = _drop_empty_label(case_enc)
        act_enc = _drop_empty_label(act_enc)
        if act_enc.labels.dtype != object:
            raise InvalidRecordError(
                row=0, field=names[1], value=_bad_value(raws[1], 0),
                expected="activity names (strings)",
            )  # fmt: skip
        n = int(case_enc.codes.shape[0])
        for name, col in (*attrs.items(), *case_attr_events.items()):
            if len(col) != n:
                raise InvalidParameterError(
                    f"column {name!r} has {len(col)} rows, the case column has {n}"
                )
        if act_enc.codes.shape[0] != n or ts.ns.shape[0] != n:
            raise InvalidParameterError(
                f"columns differ in length: {names[0]!r} {n}, {names[1]!r} "
                f"{act_enc.codes.shape[0]}, {names[2]!r} {ts.ns.shape[0]}"
            )
        if order_key is not None and order_key.shape[0] != n:
            raise InvalidParameterError(f"order column has {order_key.shape[0]} rows, not {n}")
        checks: list[tuple[str, _B, str, Any]] = [
            (names[0], case_enc.null, "a non-empty case id", raws[0]),
            (names[1], act_enc.null, "a non-empty activity name", raws[1]),
            (names[2], ts.null, "a timestamp (not null)", raws[2]),
            (names[2], ts.invalid, "an ISO-8601 timestamp inside 1677..2262", raws[2]),
        ]
        bad_any = np.zeros(n, dtype=bool)
        for _field, mask, _exp, _raw in checks:
            bad_any |= mask
        dropped = dropped_before or DroppedReport.none()
        case_codes, act_codes, ts_ns = case_enc.codes, act_enc.codes, ts.ns
        case_labels, act_labels = case_enc.labels, act_enc.labels
        # labels known to occur need no compaction unless rows are dropped
        compact_case, compact_act = not case_enc.dense, not act_enc.dense
        del ts  # the masks go with ``checks`` below; the codes live on in the locals
        if not bad_any.any():
            del checks, bad_any
        else:
            if on_invalid == "raise":
                row = int(np.flatnonzero(bad_any)[0])
                for field, mask, expected, raw in checks:
                    if mask[row]:
                        code = int(case_codes[row])
                        record = case_enc.labels[code] if code >= 0 else None
                        if isinstance(record, np.generic):
                            record = record.item()
                        raise InvalidRecordError(
                            record=record,
                            row=row,
                            field=field,
                            value=_bad_value(raw, row),
                            expected=expected,
                        )
            by_field: dict[str, int] = {}
            examples: dict[str, tuple[int, ...]] = {}
            for field, mask, _exp, _raw in checks:
                cnt = int(np.count_nonzero(mask))
                if cnt:
                    by_field[field] = by_field.get(field, 0) + cnt
                    rows = np.flatnonzero(mask)[:_EXAMPLES].tolist()
                    examples[field] = tuple(sorted({*examples.get(field, ()), *rows}))[:_EXAMPLES]
            dropped = dropped.merge(
                DroppedReport(int(np.count_nonzero(bad_any)), by_field, examples)
            )
            keep = np.flatnonzero(~bad_any)
            del checks, bad_any
            compact_case = compact_act = True
            case_codes, act_codes, ts_ns = case_codes[keep], act_codes[keep], ts_ns[keep]
            for k in list(attrs):
                attrs[k] = attrs[k].take(keep)
            for k in list(case_attr_events):
                case_attr_events[k] = case_attr_events[k].take(keep)
            if order_key is not None:
                order_key = order_key[keep]
            del keep
        del case_enc, act_enc  # from here on only the (possibly new) locals are kept
        # compact label tables to the labels in use
        if compact_case:
            case_labels, case_codes = _compact(case_labels, case_codes)
        if compact_act:
            act_labels, act_codes = _compact(act_labels, act_codes)
        if act_labels.shape[0] > _MAX_ACTIVITIES:
            raise InvalidParameterError(
                f"{act_labels.shape[0]} distinct activities: at most {_MAX_ACTIVITIES} supported"
            )
        n_cases = int(case_labels.shape[0])
        if n_cases > np.iinfo(np.int32).max:  # pragma: no cover - memory bound first
            raise InvalidParameterError("more than 2**31 - 1 cases")
        case32: npt.NDArray[np.int32] = case_codes.astype(np.int32, copy=False)
        del case_codes
        act16: npt.NDArray[np.int16] = act_codes.astype(np.int16, copy=False)
        del act_codes
        perm = _scan.sort_order(cast("_I64", case32), ts_ns, n_cases, order_key)
        if perm is not None:  # one column at a time, each old one freed as it goes
            case32 = case32[perm]
            act16 = act16[perm]
            ts_ns = ts_ns[perm]
            for k in list(attrs):
                attrs[k] = attrs[k].take(perm)
            for k in list(case_attr_events):
                case_attr_events[k] = case_attr_events[k].take(perm)
            del perm
        case_attrs: dict[str, Column] = {}
        conflicts: dict[str, _B] = {}
        heads = _case_heads(case32, n_cases) if case_attr_events else None
        for name in list(case_attr_events):
            col = case_attr_events.pop(name)  # the per-event column goes once reduced
            per_case, conflict = _reduce_case_column(col, case32, n_cases, heads)
            del col
            case_attrs[name] = per_case
            if conflict.any():
                conflicts[name] = conflict
        event_attrs = {k: v.compact() for k, v in attrs.items()}
        attrs.clear()
        return cls._make(
            case=case32,
            act=act16,
            ts=ts_ns,
            case_labels=case_labels,
            act_labels=act_labels,
            attrs=event_attrs,
            case_attrs=case_attrs,
            activity_map=amap,
            dropped=dropped,
            conflicts=conflicts,
        )

    @classmethod
    def from_columns(
        cls,
        data: Any = None,
        *,
        case: Any = CASE_KEY,
        activity: Any = ACTIVITY_KEY,
        timestamp: Any = TIMESTAMP_KEY,
        resource: Any = RESOURCE_KEY,
        attributes: Sequence[str] | Mapping[str, Any] | Literal["all"] = "all",
        case_attributes: Sequence[str] | Mapping[str, Any] = (),
        order: Any = None,
        tz: _dt.tzinfo | None = None,
        unit: str | None = None,
        activity_map: Mapping[str, str] | None = None,
        on_invalid: Literal["raise", "drop"] = "raise",
    ) -> EventLog:
        """Build a log from in-memory columns (no I/O).

        Parameters
        ----------
        data:
            Optional mapping of column name to column: a dict, or any table
            :meth:`from_frame` takes (pandas, polars, pyarrow, Dask, Arrow
            streams; anything with ``__getitem__`` and column names). A
            DataFrame in pm4py's format goes in as it is.
        case, activity, timestamp:
            Column names in ``data`` (defaults: the XES / pm4py keys
            ``case:concept:name``, ``concept:name``, ``time:timestamp``) or
            the columns themselves (any sequence, numpy array, pandas,
            polars or pyarrow column).
        resource:
            Resource column (name or column; default ``org:resource``, used
            when present); stored as the attribute ``"org:resource"``.
            ``None`` for none.
        attributes:
            Further event attribute columns: names in ``data``, a mapping of
            name to column, or ``"all"`` (the default) for every other column
            of ``data`` (then columns prefixed ``case:`` become case
            attributes, pm4py's convention, with the prefix removed), so no
            column of a frame is dropped silently (pm4py's internal ``@@``
            columns such as ``@@index`` excepted). Pass ``()`` to keep only the
            core columns.
        case_attributes:
            Event columns holding per-case values (customer, due date...):
            names in ``data`` or a mapping of name to column. Each case gets
            its first non-null value (in time order); cases whose values
            differ are reported by :meth:`quality`. A ``case:`` prefix is
            removed from the name.
        order:
            Optional tie-break column (numbers): events of a case with equal
            timestamps are ordered by it (Celonis' sorting column, bupaR's
            ``.order``). Without it, ties keep their input order.
        tz:
            Time zone of naive timestamps; without it naive values raise
            :class:`~kpicore.errors.NaiveDatetimeError`.
        unit:
            Unit of epoch-number timestamps (``"s"``, ``"ms"``, ``"us"``,
            ``"ns"``, ``"D"``).
        activity_map:
            Source label -> canonical activity name.
        on_invalid:
            ``"raise"`` (default): a null case id, activity or timestamp, or an
            unparsable timestamp, raises :class:`~kpicore.errors.InvalidRecordError`
            naming the row and column. ``"drop"``: such rows are left out and
            counted in :attr:`dropped`.

        Returns
        -------
        EventLog

        Notes
        -----
        Timestamps may be ``datetime64`` (any unit; numpy has no zone, so
        values are UTC unless ``tz`` is given; day units are calendar dates at
        midnight UTC), tz-aware pandas/polars columns, aware datetimes, ISO
        strings with offset, date-only ISO strings (midnight UTC) or epoch
        numbers with ``unit``. Unlike pm4py's ``format_dataframe`` nothing is
        dropped with a mere warning and no string column is guessed to be a
        date.

        Examples
        --------
        >>> import numpy as np
        >>> log = EventLog.from_columns(
        ...     case=np.array(["B", "A", "A"]), activity=["Invoice Generated", "Invoice Generated",
        ...     "Payment Received"], timestamp=np.array(["2024-01-02", "2024-01-01", "2024-01-03"],
        ...     dtype="datetime64[ns]"))
        >>> log.case_ids.tolist(), log.events_per_case().values.tolist()
        (['A', 'B'], [2, 1])
        """
        if data is not None:
            kind = frame_kind(data)
            if kind == "dask":
                from kpicore.dask import _eventlog_of_frame

                return _eventlog_of_frame(
                    data, case=case, activity=activity, timestamp=timestamp,
                    resource=resource, attributes=attributes,
                    case_attributes=case_attributes, order=order, tz=tz, unit=unit,
                    activity_map=activity_map, on_invalid=on_invalid,
                )  # fmt: skip
            if kind is not None or not hasattr(data, "columns"):
                wanted = _wanted_columns(
                    (case, activity, timestamp, resource, order), attributes, case_attributes
                )
                data = as_table(data, columns=wanted)
        got_case = _get(data, case, what="case", required=True)
        got_act = _get(data, activity, what="activity", required=True)
        got_ts = _get(data, timestamp, what="timestamp", required=True)
        assert got_case is not None
        assert got_act is not None
        assert got_ts is not None
        used = {got_case[0], got_act[0], got_ts[0]}
        attr_cols: dict[str, Column] = {}
        got_res = _get(data, resource, what="resource", required=resource != RESOURCE_KEY)
        if got_res is not None:
            used.add(got_res[0])
            attr_cols[RESOURCE_KEY] = encode_attribute(got_res[1], field=got_res[0], tz=tz)
        order_arr: npt.NDArray[Any] | None = None
        if order is not None:
            got_order = _get(data, order, what="order", required=True)
            assert got_order is not None
            used.add(got_order[0])
            order_arr = to_array(got_order[1], field=got_order[0])
            if order_arr.dtype.kind not in "iuf":
                raise InvalidParameterError(
                    f"order column {got_order[0]!r} must hold numbers, got {order_arr.dtype}"
                )
        case_attr_cols: dict[str, Column] = {}

        def _case_name(name: str) -> str:
            return name[len(CASE_PREFIX) :] if name.startswith(CASE_PREFIX) else name

        if isinstance(attributes, str):
            if attributes != "all":
                raise InvalidParameterError(
                    f"attributes must be names, a mapping or 'all', got {attributes!r}"
                )
            claimed = (
                set()
                if isinstance(case_attributes, Mapping | str)
                else {str(n) for n in case_attributes}
            )
            for name in _columns_of(data):
                if name in used or name in claimed or (isinstance(order, str) and name == order):
                    continue
                if name.startswith("@@"):  # pm4py's internal columns (@@index, ...)
                    continue
                if name.startswith(CASE_PREFIX):
                    case_attr_cols[_case_name(name)] = encode_attribute(
                        data[name], field=name, tz=tz, copy=False
                    )
                else:
                    attr_cols[name] = encode_attribute(data[name], field=name, tz=tz)
        elif isinstance(attributes, Mapping):
            for name, col in attributes.items():
                attr_cols[str(name)] = encode_attribute(col, field=str(name), tz=tz)
        else:
            for name in attributes:
                got = _get(data, name, what="attribute", required=True)
                assert got is not None
                attr_cols[got[0]] = encode_attribute(got[1], field=got[0], tz=tz)
        if isinstance(case_attributes, Mapping):
            for name, col in case_attributes.items():
                case_attr_cols[_case_name(str(name))] = encode_attribute(
                    col, field=str(name), tz=tz, copy=False
                )
        else:
            if isinstance(case_attributes, str):
                raise InvalidParameterError("case_attributes must be a sequence of names")
            for name in case_attributes:
                got = _get(data, name, what="case attribute", required=True)
                assert got is not None
                case_attr_cols[_case_name(got[0])] = encode_attribute(
                    got[1], field=got[0], tz=tz, copy=False
                )
        # per-event case attributes are views where possible (reduced per case before
        # the log exists); the encoded keys go straight to _assemble, which frees
        # what it replaces
        return cls._assemble(
            case_enc=encode_keys(got_case[1], field=got_case[0]),
            act_enc=encode_keys(got_act[1], field=got_act[0]),
            ts=parse_timestamps(got_ts[1], field=got_ts[0], tz=tz, unit=unit),
            names=(got_case[0], got_act[0], got_ts[0]),
            raws=(got_case[1], got_act[1], got_ts[1]),
            attrs=attr_cols,
            case_attr_events=case_attr_cols,
            order_key=order_arr,
            activity_map=activity_map,
            on_invalid=on_invalid,
        )

    @classmethod
    def from_frame(
        cls,
        frame: Any,
        *,
        case: str = CASE_KEY,
        activity: str = ACTIVITY_KEY,
        timestamp: str = TIMESTAMP_KEY,
        resource: str | None = RESOURCE_KEY,
        attributes: Sequence[str] | Literal["all"] = "all",
        case_attributes: Sequence[str] = (),
        order: str | None = None,
        tz: _dt.tzinfo | None = None,
        unit: str | None = None,
        activity_map: Mapping[str, str] | None = None,
        on_invalid: Literal["raise", "drop"] = "raise",
    ) -> EventLog:
        """Build a log from a table of events, whatever library holds it (no I/O).

        Parameters
        ----------
        frame:
            One row per event: a pandas DataFrame (numpy-, nullable- or
            pyarrow-backed dtypes), a polars DataFrame or LazyFrame, a pyarrow
            Table or RecordBatch, a Dask DataFrame, any object exposing the
            Arrow PyCapsule stream (``__arrow_c_stream__``; read with pyarrow),
            or a mapping of column name to column. None of these libraries is
            imported unless such an object is passed.
        case, activity, timestamp:
            Column names (defaults: the XES / pm4py keys ``case:concept:name``,
            ``concept:name``, ``time:timestamp``).
        resource, attributes, case_attributes, order, tz, unit, activity_map, on_invalid:
            As in :meth:`from_columns` (column names only).

        Returns
        -------
        EventLog
            The same log, with the same codes and results, whatever the kind of
            ``frame`` and the order of its rows (ties at one instant keep their
            input order unless ``order`` is given).

        Raises
        ------
        InvalidParameterError
            When ``frame`` is not a table of a supported kind (the message names
            its type).
        InvalidRecordError
            As :meth:`from_columns` (a null key or timestamp with
            ``on_invalid="raise"``; with ``"drop"`` such rows are counted in
            :attr:`dropped`).
        NaiveDatetimeError
            For a timestamp column without a time zone when ``tz`` is not given.

        Notes
        -----
        Each column is encoded with its own library's machinery: pandas
        ``factorize`` and categorical codes, polars physical codes, Arrow's
        ``dictionary_encode`` hash kernel (or the codes of a dictionary column),
        then only the distinct labels are sorted. Timestamps are read through
        their int64 values (zero copy for Arrow): aware ones are instants, naive
        ones wall-clock times in ``tz``. Case and activity codes follow the
        sorted order of their labels, and events are sorted once by
        ``(case, timestamp)`` with a stable integer sort, so the built log does
        not depend on the row order of ``frame``. A Dask DataFrame is built one
        partition of whole cases at a time (:func:`kpicore.dask.to_eventlogs`)
        and the parts concatenated.

        Examples
        --------
        >>> import pandas as pd
        >>> frame = pd.DataFrame({
        ...     "case:concept:name": ["F-2", "F-1", "F-1"],
        ...     "concept:name": ["Invoice Generated", "Invoice Generated", "Payment Received"],
        ...     "time:timestamp": pd.to_datetime(
        ...         ["2024-01-02", "2024-01-01", "2024-01-11"], utc=True)})
        >>> log = EventLog.from_frame(frame.convert_dtypes(dtype_backend="pyarrow"))
        >>> log.case_ids.tolist(), log.events_per_case().values.tolist()
        (['F-1', 'F-2'], [2, 1])
        >>> EventLog.from_frame([("F-1", "Invoice Generated")])
        Traceback (most recent call last):
        ...
        kpicore.errors.InvalidParameterError: frame must be a mapping of column name ...; got builtins.list
        """  # noqa: E501
        if frame_kind(frame) is None:
            as_table(frame, what="frame")  # raises, naming the type
        return cls.from_columns(
            frame, case=case, activity=activity, timestamp=timestamp, resource=resource,
            attributes=attributes, case_attributes=case_attributes, order=order, tz=tz,
            unit=unit, activity_map=activity_map, on_invalid=on_invalid,
        )  # fmt: skip

    @classmethod
    def from_invoice_table(
        cls,
        table: Any = None,
        *,
        invoice: Any,
        issued: Any,
        amount: Any = None,
        amount_minor: Any = None,
        currency: Any = None,
        currency_code: str | None = None,
        customer: Any = None,
        due: Any = None,
        settled: Any = None,
        paid_amount: Any = None,
        disputed: Any = None,
        dispute_opened: Any = None,
        dispute_resolved: Any = None,
        written_off: Any = None,
        case_attributes: Sequence[str] | Mapping[str, Any] = (),
        tz: _dt.tzinfo | None = None,
        activity_map: Mapping[str, str] | None = None,
        on_invalid: Literal["raise", "drop"] = "raise",
    ) -> EventLog:
        """Build the log of a one-row-per-invoice table (an ERP or AR export; no I/O).

        Every argument naming a column takes its name in ``table`` or the column
        itself (any sequence, numpy, pandas, polars or pyarrow column).

        Parameters
        ----------
        table:
            The invoices, one row each: any table :meth:`from_frame` takes
            (pandas, polars, pyarrow, Arrow stream, Dask, a mapping of columns).
        invoice:
            Invoice number column: the case id (unique; a repeat raises).
        issued:
            Issue date (or instant): *Invoice Generated*.
        amount, amount_minor:
            The invoice amount, exactly one of: ``amount`` in major units
            (numbers or decimal strings; ``55.94`` USD is 5594 cents; more
            decimals than the currency has raise) or ``amount_minor`` (integers).
        currency, currency_code:
            Exactly one of: ``currency``, a column of ISO 4217 codes, or
            ``currency_code``, one code for every row (``"USD"``).
        customer:
            Customer id column: case attribute ``customer_id``.
        due:
            Due date column: case attribute ``due_date`` (dates).
        settled:
            Settlement date: *Payment Received* of ``paid_amount`` then, when
            that covers the amount, *Invoice Settled*; null for an open invoice.
        paid_amount:
            Amount received at ``settled`` (major units, default: the amount).
        disputed:
            Boolean column (null: not disputed). A disputed invoice gets *Dispute
            Registered* at ``dispute_opened`` (default: the issue date) and
            *Dispute Resolved* at ``dispute_resolved`` (default: the settlement
            date, when there is one). Without ``disputed``, the rows with a
            ``dispute_opened`` date are the disputed ones.
        dispute_opened, dispute_resolved, written_off:
            Dates of those events (*Invoice Written Off* for ``written_off``).
        case_attributes:
            Further columns kept per invoice (names in ``table``, or a mapping of
            name to column): segment, country, collector...
        tz:
            Zone of naive datetimes with a time of day; naive values that are all
            midnights are calendar dates without it (what
            ``pandas.read_csv(parse_dates=...)`` gives for a date column).
        activity_map:
            As in :meth:`from_columns`.
        on_invalid:
            ``"raise"`` (default): a null invoice number, issue date, amount or
            currency raises :class:`~kpicore.errors.InvalidRecordError` naming
            the row and column; ``"drop"``: such invoices are left out and
            counted in :attr:`dropped` (by table row).

        Returns
        -------
        EventLog
            The same log as :meth:`from_invoices` over the equivalent
            :class:`~kpicore.model.Invoice` objects (events, ``amount_minor``
            event attribute, case attributes ``customer_id``, ``due_date``,
            ``amount_minor``, ``currency``), built column-wise.

        Raises
        ------
        InvalidParameterError
            For a table of an unsupported kind, a missing argument, both or
            neither of ``amount``/``amount_minor`` or of
            ``currency``/``currency_code``.
        MissingDataError
            For a column name not in ``table``.
        InvalidRecordError
            For a repeated invoice number, an unknown currency code, an amount
            finer than the currency's minor unit, an unparsable date or (with
            ``on_invalid="raise"``) a null required field.

        Notes
        -----
        Events of one invoice at one instant keep the lifecycle order
        generated, dispute registered, dispute resolved, payment, settled,
        written off. Dates are midnight UTC, as everywhere in kpicore. Amounts:
        ``minor = round(amount * 10**e)`` where ``e`` is the currency's exponent,
        accepted only when ``|amount * 10**e - minor| <= 1e-6``.

        Examples
        --------
        The IBM accounts-receivable sample (``examples/data``) in a few lines:

        >>> import pandas as pd
        >>> from kpicore import days_late, days_to_settle
        >>> dates = ["InvoiceDate", "DueDate", "SettledDate"]
        >>> df = pd.read_csv("examples/data/ibm-accounts-receivable.csv",
        ...                  parse_dates=dates, date_format="%m/%d/%Y")
        >>> log = EventLog.from_invoice_table(
        ...     df, invoice="invoiceNumber", customer="customerID", issued="InvoiceDate",
        ...     due="DueDate", amount="InvoiceAmount", currency_code="USD",
        ...     settled="SettledDate", disputed=df["Disputed"].eq("Yes"))
        >>> log.n_cases, log.n_events
        (2466, 8520)
        >>> bool((days_to_settle(log).days == df.sort_values("invoiceNumber")
        ...       .DaysToSettle.to_numpy()).all())
        True
        """
        from ._invoice_table import invoice_table_log

        return invoice_table_log(
            table, invoice=invoice, issued=issued, amount=amount, amount_minor=amount_minor,
            currency=currency, currency_code=currency_code, customer=customer, due=due,
            settled=settled, paid_amount=paid_amount, disputed=disputed,
            dispute_opened=dispute_opened, dispute_resolved=dispute_resolved,
            written_off=written_off, case_attributes=case_attributes, tz=tz,
            activity_map=activity_map, on_invalid=on_invalid,
        )  # fmt: skip

    @classmethod
    def from_events(
        cls,
        events: Iterable[Event],
        *,
        activity_map: Mapping[str, str] | None = None,
    ) -> EventLog:
        """Build a log from :class:`~kpicore.model.Event` objects.

        The resource becomes the ``"org:resource"`` attribute (present when
        any event has one); every key of the events' ``attributes`` becomes an
        attribute column (None where an event lacks it). Equal to
        :meth:`from_columns` over the same data.

        Examples
        --------
        >>> from kpicore.model import Event
        >>> log = EventLog.from_events([
        ...     Event("F-1", "Invoice Generated", "2024-01-01T00:00:00Z", resource="erp"),
        ...     Event("F-1", "Payment Received", "2024-01-03T12:00:00Z")])
        >>> log.case_durations("Invoice Generated", "Payment Received").days.tolist()
        [2.5]
        >>> log.event_attribute("org:resource").tolist()
        ['erp', None]
        """
        from kpicore.model import Event

        case_ids: list[str] = []
        acts: list[str] = []
        stamps: list[int] = []
        resources: list[str | None] = []
        extra: dict[str, list[object]] = {}
        epoch = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
        one_us = _dt.timedelta(microseconds=1)
        for i, ev in enumerate(events):
            if not isinstance(ev, Event):
                raise InvalidRecordError(
                    row=i, field="event", value=ev, expected="a kpicore.model.Event"
                )
            case_ids.append(ev.case_id)
            acts.append(ev.activity)
            stamps.append(((ev.timestamp - epoch) // one_us) * 1000)
            resources.append(ev.resource)
            for key, value in ev.attributes.items():
                col = extra.get(key)
                if col is None:
                    col = extra[key] = [None] * i
                col.append(value)
            for col in extra.values():
                if len(col) <= i:
                    col.append(None)
        cols: dict[str, Any] = {
            CASE_KEY: case_ids,
            ACTIVITY_KEY: acts,
            TIMESTAMP_KEY: np.array(stamps, dtype=np.int64).view("datetime64[ns]"),
        }
        if any(r is not None for r in resources):
            cols[RESOURCE_KEY] = resources
        return cls.from_columns(cols, attributes=extra, activity_map=activity_map)

    @classmethod
    def from_invoices(
        cls,
        invoices: Iterable[Invoice],
        *,
        activity_map: Mapping[str, str] | None = None,
    ) -> EventLog:
        """The event log implied by :class:`~kpicore.model.Invoice` objects.

        Per invoice (case id = invoice number): *Invoice Generated* at
        ``issued_at``; *Invoice Posted and Sent* at ``posted_at``; per dispute
        *Dispute Registered* (attribute ``dispute_reason``) and *Dispute
        Resolved*; per dunning letter *Collection Letter Generated*
        (attribute ``dunning_level``); per promise *Promise to Pay Created*
        (attributes ``promised_date``, a ``datetime64[D]`` date, and
        ``amount_minor``, the promised amount); per payment *Payment
        Received* (attribute ``amount_minor``) and *Payment Posted*; *Invoice
        Settled* at ``settled_at`` (when the payments cover the amount);
        *Invoice Written Off*. Events of one
        instant keep that order. Case attributes: ``customer_id``,
        ``due_date``, ``amount_minor``, ``currency``, ``contract_id``,
        ``collector``, ``source_system``.

        Raises
        ------
        InvalidRecordError
            If two invoices share a number.

        Examples
        --------
        >>> from kpicore.model import Invoice, Payment
        >>> from kpicore.money import Money
        >>> inv = Invoice("F-1", "C1", "2024-02-01", "2024-02-10", Money.of(100, "BRL"),
        ...               payments=[Payment("2024-02-12", Money.of(100, "BRL"))])
        >>> log = EventLog.from_invoices([inv])
        >>> [log.activities[a] for a in log.activity_codes]
        ['Invoice Generated', 'Payment Received', 'Invoice Settled']
        >>> log.case_attribute("due_date").tolist()
        [datetime.date(2024, 2, 10)]
        """
        from ._invoices import invoice_columns

        cols, case_cols = invoice_columns(invoices)
        log = cls.from_columns(
            cols,
            attributes=[k for k in cols if k not in (CASE_KEY, ACTIVITY_KEY, TIMESTAMP_KEY)],
            resource=None,
            activity_map=activity_map,
        )
        return log.with_case_attributes(case_cols)

    def with_case_attributes(self, attributes: Mapping[str, Any]) -> EventLog:
        """A copy with case attributes added or replaced.

        Parameters
        ----------
        attributes:
            ``{name: values}`` where values is either a mapping of case id to
            value (cases absent from it get a null; ids not in the log are
            ignored) or a sequence/array aligned with :attr:`case_ids`.

        Examples
        --------
        >>> log = EventLog.from_columns(case=["b", "a"], activity=["X", "X"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z"])
        >>> log.with_case_attributes({"segment": {"a": "SMB"}}).case_attribute("segment").tolist()
        ['SMB', None]
        """
        if not isinstance(attributes, Mapping):
            raise InvalidParameterError("attributes must be a mapping of name to values")
        new = dict(self._case_attrs)
        conflicts = dict(self._conflicts)
        labels = self._case_labels.tolist()
        for name, values in attributes.items():
            key = str(name)
            if isinstance(values, Mapping):
                vals: Any = list(map(values.get, labels))
            else:
                vals = values
            col = encode_attribute(vals, field=key)
            if len(col) != self.n_cases:
                raise InvalidParameterError(
                    f"case attribute {key!r} has {len(col)} values for {self.n_cases} cases"
                )
            new[key] = col.compact()
            conflicts.pop(key, None)
        return self._replace(case_attrs=new, conflicts=conflicts)

    def with_activity_map(self, activity_map: Mapping[str, str]) -> EventLog:
        """A copy whose activity roles resolve through ``activity_map``.

        Examples
        --------
        >>> log = EventLog.from_columns(case=["a"], activity=["Boleto pago"],
        ...     timestamp=["2024-01-01T00:00Z"])
        >>> log.with_activity_map({"Boleto pago": "Payment Received"}).count(
        ...     "Payment Received").values.tolist()
        [1]
        """
        if not isinstance(activity_map, Mapping):
            raise InvalidParameterError("activity_map must be a mapping")
        return self._replace(activity_map=activity_map)

    def _replace(self, **changes: Any) -> EventLog:
        parts = self._parts()
        parts.update(changes)
        return EventLog._make(**parts)

    @classmethod
    def concat(cls, logs: Iterable[EventLog]) -> EventLog:
        """One log with the events of all ``logs`` (see :func:`concat`).

        Examples
        --------
        >>> log = EventLog.from_columns(case=["b", "a", "a"], activity=["X", "Y", "X"],
        ...     timestamp=["2024-01-02T00:00Z", "2024-01-03T00:00Z", "2024-01-01T00:00Z"],
        ...     activity_map={"X": "Invoice Generated"})
        >>> EventLog.concat([log, log]).n_events
        6
        """
        return concat(logs)

    def to_columns(self) -> dict[str, npt.NDArray[Any]]:
        """The events as columns, in log order, in pm4py's naming.

        ``case:concept:name``, ``concept:name`` and ``time:timestamp``
        (``datetime64[ns]``, UTC), one column per event attribute, and each
        case attribute repeated per event as ``case:<name>``. So
        ``EventLog.from_columns(log.to_columns(), attributes="all",
        activity_map=log.activity_map) == log``.

        Examples
        --------
        >>> log = EventLog.from_columns(case=["a"], activity=["X"], timestamp=["2024-01-01T00:00Z"])
        >>> cols = log.to_columns()
        >>> sorted(cols), cols["time:timestamp"]
        (['case:concept:name', 'concept:name', 'time:timestamp'], array(['2024-01-01T00:00:00.000000000'], dtype='datetime64[ns]'))
        """  # noqa: E501
        out: dict[str, npt.NDArray[Any]] = {
            CASE_KEY: self._case_labels[self._case],
            ACTIVITY_KEY: self._act_labels[self._act],
            TIMESTAMP_KEY: self._ts.view("datetime64[ns]").copy(),
        }
        for name, col in self._attrs.items():
            out[name] = col.decode().copy()
        for name, col in self._case_attrs.items():
            out[CASE_PREFIX + name] = col.decode()[self._case]
        return out

    # ------------------------------------------------------------------ properties

    @property
    def n_events(self) -> int:
        """Number of events.

        Examples
        --------
        >>> log = EventLog.from_columns(case=["b", "a", "a"], activity=["X", "Y", "X"],
        ...     timestamp=["2024-01-02T00:00Z", "2024-01-03T00:00Z", "2024-01-01T00:00Z"],
        ...     activity_map={"X": "Invoice Generated"})
        >>> log.n_events
        3
        """
        return int(self._ts.shape[0])

    def __len__(self) -> int:
        return self.n_events

    @property
    def n_cases(self) -> int:
        """Number of cases.

        Examples
        --------
        >>> log = EventLog.from_columns(case=["b", "a", "a"], activity=["X", "Y", "X"],
        ...     timestamp=["2024-01-02T00:00Z", "2024-01-03T00:00Z", "2024-01-01T00:00Z"],
        ...     activity_map={"X": "Invoice Generated"})
        >>> log.n_cases
        2
        """
        return int(self._case_labels.shape[0])

    @property
    def case_ids(self) -> npt.NDArray[Any]:
        """Case labels in sorted order (object array of str, or int64); code = index.

        Examples
        --------
        >>> log = EventLog.from_columns(case=["b", "a", "a"], activity=["X", "Y", "X"],
        ...     timestamp=["2024-01-02T00:00Z", "2024-01-03T00:00Z", "2024-01-01T00:00Z"],
        ...     activity_map={"X": "Invoice Generated"})
        >>> log.case_ids.tolist()
        ['a', 'b']
        """
        return self._case_labels

    @property
    def activities(self) -> tuple[str, ...]:
        """Activity labels as in the source, sorted; code = index.

        Examples
        --------
        >>> log = EventLog.from_columns(case=["b", "a", "a"], activity=["X", "Y", "X"],
        ...     timestamp=["2024-01-02T00:00Z", "2024-01-03T00:00Z", "2024-01-01T00:00Z"],
        ...     activity_map={"X": "Invoice Generated"})
        >>> log.activities
        ('X', 'Y')
        """
        return tuple(self._act_labels.tolist())

    @property
    def canonical_activities(self) -> dict[str, str | None]:
        """``{source label: canonical name or None}``.

        Examples
        --------
        >>> log = EventLog.from_columns(case=["b", "a", "a"], activity=["X", "Y", "X"],
        ...     timestamp=["2024-01-02T00:00Z", "2024-01-03T00:00Z", "2024-01-01T00:00Z"],
        ...     activity_map={"X": "Invoice Generated"})
        >>> log.canonical_activities
        {'X': 'Invoice Generated', 'Y': None}
        """
        return dict(zip(self.activities, self._canon, strict=True))

    @property
    def activity_map(self) -> Mapping[str, str]:
        """The activity map given at construction (read-only).

        Examples
        --------
        >>> log = EventLog.from_columns(case=["b", "a", "a"], activity=["X", "Y", "X"],
        ...     timestamp=["2024-01-02T00:00Z", "2024-01-03T00:00Z", "2024-01-01T00:00Z"],
        ...     activity_map={"X": "Invoice Generated"})
        >>> dict(log.activity_map)
        {'X': 'Invoice Generated'}
        """
        return self._activity_map

    @property
    def case_codes(self) -> npt.NDArray[np.int32]:
        """int32 case code per event (sorted; read-only).

        Examples
        --------
        >>> log = EventLog.from_columns(case=["b", "a", "a"], activity=["X", "Y", "X"],
        ...     timestamp=["2024-01-02T00:00Z", "2024-01-03T00:00Z", "2024-01-01T00:00Z"],
        ...     activity_map={"X": "Invoice Generated"})
        >>> log.case_codes.tolist()
        [0, 0, 1]
        """
        return self._case

    @property
    def activity_codes(self) -> npt.NDArray[np.int16]:
        """int16 activity code per event (read-only).

        Examples
        --------
        >>> log = EventLog.from_columns(case=["b", "a", "a"], activity=["X", "Y", "X"],
        ...     timestamp=["2024-01-02T00:00Z", "2024-01-03T00:00Z", "2024-01-01T00:00Z"],
        ...     activity_map={"X": "Invoice Generated"})
        >>> log.activity_codes.tolist()
        [0, 1, 0]
        """
        return self._act

    @property
    def timestamps(self) -> _I64:
        """int64 ns since the epoch (UTC) per event (read-only).

        Examples
        --------
        >>> log = EventLog.from_columns(case=["b", "a", "a"], activity=["X", "Y", "X"],
        ...     timestamp=["2024-01-02T00:00Z", "2024-01-03T00:00Z", "2024-01-01T00:00Z"],
        ...     activity_map={"X": "Invoice Generated"})
        >>> log.timestamps[0]
        np.int64(1704067200000000000)
        """
        return self._ts

    @property
    def times(self) -> npt.NDArray[np.datetime64]:
        """``datetime64[ns]`` (UTC) per event (read-only view).

        Examples
        --------
        >>> log = EventLog.from_columns(case=["b", "a", "a"], activity=["X", "Y", "X"],
        ...     timestamp=["2024-01-02T00:00Z", "2024-01-03T00:00Z", "2024-01-01T00:00Z"],
        ...     activity_map={"X": "Invoice Generated"})
        >>> str(log.times[0])
        '2024-01-01T00:00:00.000000000'
        """
        return _ro(self._ts.view("datetime64[ns]"))

    @property
    def case_starts(self) -> _I64:
        """Offsets: case ``c`` holds events ``case_starts[c]:case_starts[c+1]``.

        Examples
        --------
        >>> log = EventLog.from_columns(case=["b", "a", "a"], activity=["X", "Y", "X"],
        ...     timestamp=["2024-01-02T00:00Z", "2024-01-03T00:00Z", "2024-01-01T00:00Z"],
        ...     activity_map={"X": "Invoice Generated"})
        >>> log.case_starts.tolist()
        [0, 2, 3]
        """
        return self._starts

    @property
    def every_case_has_events(self) -> bool:
        """Whether every case has at least one event, so that ``case_starts[:-1]`` are
        the positions of the cases' first events.

        Holds for every log the constructors build (a case exists because an event
        names it; filters drop the cases they empty); checked once at construction,
        for the fast paths that read each case's first event.

        Examples
        --------
        >>> EventLog.from_columns(case=["a"], activity=["X"],
        ...     timestamp=["2024-01-01T00:00Z"]).every_case_has_events
        True
        """
        return self._dense

    @property
    def attribute_names(self) -> tuple[str, ...]:
        """Names of the event attributes.

        Examples
        --------
        >>> log = EventLog.from_columns(case=["b", "a", "a"], activity=["X", "Y", "X"],
        ...     timestamp=["2024-01-02T00:00Z", "2024-01-03T00:00Z", "2024-01-01T00:00Z"],
        ...     activity_map={"X": "Invoice Generated"})
        >>> log.attribute_names
        ()
        """
        return tuple(self._attrs)

    @property
    def case_attribute_names(self) -> tuple[str, ...]:
        """Names of the case attributes.

        Examples
        --------
        >>> log = EventLog.from_columns(case=["b", "a", "a"], activity=["X", "Y", "X"],
        ...     timestamp=["2024-01-02T00:00Z", "2024-01-03T00:00Z", "2024-01-01T00:00Z"],
        ...     activity_map={"X": "Invoice Generated"})
        >>> log.case_attribute_names
        ()
        """
        return tuple(self._case_attrs)

    @property
    def dropped(self) -> DroppedReport:
        """Rows left out at construction (``on_invalid="drop"``).

        Examples
        --------
        >>> log = EventLog.from_columns(case=["b", "a", "a"], activity=["X", "Y", "X"],
        ...     timestamp=["2024-01-02T00:00Z", "2024-01-03T00:00Z", "2024-01-01T00:00Z"],
        ...     activity_map={"X": "Invoice Generated"})
        >>> log.dropped.rows
        0
        """
        return self._dropped

    @property
    def nbytes(self) -> int:
        """Bytes held by the core columns (codes, timestamps, offsets, labels excluded).

        Examples
        --------
        >>> log = EventLog.from_columns(case=["b", "a", "a"], activity=["X", "Y", "X"],
        ...     timestamp=["2024-01-02T00:00Z", "2024-01-03T00:00Z", "2024-01-01T00:00Z"],
        ...     activity_map={"X": "Invoice Generated"})
        >>> log.nbytes
        66
        """
        return int(self._case.nbytes + self._act.nbytes + self._ts.nbytes + self._starts.nbytes)

    @property
    def attributes_nbytes(self) -> int:
        """Bytes held by the event and case attribute columns as stored (integer
        attributes are kept no wider than their values need; label tables excluded).

        Examples
        --------
        >>> log = EventLog.from_columns(case=["a", "a"], activity=["X", "Y"],
        ...     timestamp=["2024-01-01T00:00Z"] * 2, attributes={"level": [1, 3]})
        >>> log.attributes_nbytes  # two int8 values
        2
        """
        columns = [*self._attrs.values(), *self._case_attrs.values()]
        return int(sum(col.data.nbytes for col in columns))

    def event_attribute(self, name: str, events: _I64 | None = None) -> npt.NDArray[Any]:
        """Decoded values of one event attribute (per event, log order).

        ``events`` (event indices, e.g. from :meth:`role_events`) decodes only
        those rows.

        Examples
        --------
        >>> log = EventLog.from_columns(case=["a", "a"], activity=["X", "Y"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z"], attributes={"n": [1, 2]})
        >>> log.event_attribute("n").tolist(), log.event_attribute("n", log.role_events("Y"))
        ([1, 2], array([2]))
        """
        col = self._event_column(name)
        if events is not None:
            col = col.take(np.asarray(events, dtype=np.int64))
        return _ro(col.decode())

    def event_attribute_kind(self, name: str) -> str:
        """How an event attribute is stored: ``"category"`` (text), ``"int"``, ``"float"``,
        ``"bool"``, ``"date"`` or ``"datetime"`` (an ``"int"`` column has no nulls).

        Raises
        ------
        MissingDataError
            For a name that is not an event attribute.

        Examples
        --------
        >>> log = EventLog.from_columns(case=["a", "a"], activity=["X", "Y"],
        ...     timestamp=["2024-01-01T00:00Z"] * 2,
        ...     attributes={"n": [1, 2], "x": [1.5, None]})
        >>> log.event_attribute_kind("n"), log.event_attribute_kind("x")
        ('int', 'float')
        """
        return str(self._event_column(name).kind)

    def _event_column(self, name: str) -> Column:
        col = self._attrs.get(name)
        if col is None:
            raise MissingDataError(f"no event attribute {name!r}; attributes: {list(self._attrs)}")
        return col

    def case_attribute(self, name: str) -> npt.NDArray[Any]:
        """Decoded values of one case attribute, aligned with :attr:`case_ids`.

        Dates come back as ``datetime64[D]`` (``.tolist()`` gives dates),
        instants as ``datetime64[ns]`` (UTC), categories as objects (None
        where null).

        Examples
        --------
        >>> log = EventLog.from_columns(case=["a", "b"], activity=["X", "X"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z"],
        ...     case_attributes={"customer": ["C1", "C2"]})
        >>> log.case_attribute("customer").tolist()
        ['C1', 'C2']
        """
        col = self._case_attrs.get(name)
        if col is None:
            raise MissingDataError(
                f"no case attribute {name!r}; case attributes: {list(self._case_attrs)}"
            )
        return _ro(col.decode())

    def _case_column(self, name: str) -> Column:
        col = self._case_attrs.get(name)
        if col is None:
            raise MissingDataError(
                f"no case attribute {name!r}; case attributes: {list(self._case_attrs)}"
            )
        return col

    def case_attribute_kind(self, name: str) -> str:
        """How a case attribute is stored: ``"category"`` (text), ``"int"``, ``"float"``,
        ``"bool"``, ``"date"`` or ``"datetime"``.

        Examples
        --------
        >>> import datetime as dt
        >>> log = EventLog.from_columns(case=["a"], activity=["X"],
        ...     timestamp=["2024-01-01T00:00Z"],
        ...     case_attributes={"customer": ["C1"], "due": [dt.date(2024, 1, 31)]})
        >>> log.case_attribute_kind("customer"), log.case_attribute_kind("due")
        ('category', 'date')
        """
        return str(self._case_column(name).kind)

    def case_attribute_codes(
        self, name: str
    ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.object_]]:
        """Codes and labels of a categorical (text) case attribute, without decoding it.

        ``labels[codes[i]]`` is the value of case ``i`` (aligned with
        :attr:`case_ids`); a code of -1 is a null. The labels are sorted.
        Cheaper than :meth:`case_attribute` (which builds one Python object
        per case) for grouping, validating or parsing each distinct value once.

        Raises
        ------
        MissingDataError
            For an unknown attribute.
        InvalidParameterError
            For an attribute that is not categorical (see
            :meth:`case_attribute_kind`).

        Examples
        --------
        >>> log = EventLog.from_columns(case=["a", "b", "c"], activity=["X"] * 3,
        ...     timestamp=["2024-01-01T00:00Z"] * 3,
        ...     case_attributes={"currency": ["USD", None, "BRL"]})
        >>> codes, labels = log.case_attribute_codes("currency")
        >>> codes.tolist(), labels.tolist()
        ([1, -1, 0], ['BRL', 'USD'])
        """
        col = self._case_column(name)
        if col.kind != "category" or col.labels is None:
            raise InvalidParameterError(
                f"case attribute {name!r} holds {col.kind} values, not categories"
            )
        codes = col.data if col.data.dtype == np.int32 else col.data.astype(np.int32)
        return _ro(codes), _ro(col.labels)

    @property
    def case_attributes(self) -> Mapping[str, npt.NDArray[Any]]:
        """``{name: per-case values}`` for every case attribute.

        Examples
        --------
        >>> log = EventLog.from_columns(case=["b", "a", "a"], activity=["X", "Y", "X"],
        ...     timestamp=["2024-01-02T00:00Z", "2024-01-03T00:00Z", "2024-01-01T00:00Z"],
        ...     activity_map={"X": "Invoice Generated"})
        >>> dict(log.case_attributes)
        {}
        """
        return types.MappingProxyType({k: self.case_attribute(k) for k in self._case_attrs})

    # ------------------------------------------------------------------ equality

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EventLog):
            return NotImplemented
        if (
            self.n_events != other.n_events
            or self.n_cases != other.n_cases
            or self.activities != other.activities
            or dict(self._activity_map) != dict(other._activity_map)
            or set(self._attrs) != set(other._attrs)
            or set(self._case_attrs) != set(other._case_attrs)
        ):
            return False
        if not (
            np.array_equal(self._case_labels, other._case_labels)
            and np.array_equal(self._case, other._case)
            and np.array_equal(self._act, other._act)
            and np.array_equal(self._ts, other._ts)
        ):
            return False
        for name, col in self._attrs.items():
            if not col.equals(other._attrs[name]):
                return False
        return all(col.equals(other._case_attrs[name]) for name, col in self._case_attrs.items())

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        span = ""
        if self.n_events:
            lo = np.datetime64(int(self._ts.min()), "ns")
            hi = np.datetime64(int(self._ts.max()), "ns")
            span = f", from {lo}Z to {hi}Z"
        counts = ", ".join(
            f"{n:,} {one if n == 1 else many}"
            for n, one, many in (
                (self.n_events, "event", "events"),
                (self.n_cases, "case", "cases"),
                (len(self._act_labels), "activity", "activities"),
            )
        )
        return f"EventLog({counts}{span})"

    # ------------------------------------------------------------------ activity roles

    def _role(self, spec: ActivitySpec, *, param: str) -> _B:
        """Boolean table over activity codes of the activities playing a role."""
        items: list[Any]
        if isinstance(spec, str | Activity):
            items = [spec]
        elif isinstance(spec, Iterable):
            items = list(spec)
            if not items:
                raise InvalidParameterError(f"{param}: an empty list of activities")
        else:
            raise InvalidParameterError(
                f"{param}: expected an activity name, an Activity or a list of them, got {spec!r}"
            )
        lut = np.zeros(max(len(self._act_labels), 1), dtype=bool)
        labels = self.activities
        targets = set(self._canon) | set(self._activity_map.values())
        for item in items:
            if isinstance(item, Activity):
                name: str | None = item.en
                label: str | None = None
            elif isinstance(item, str):
                name = canonical_name(item, self._activity_map)
                label = item
            else:
                raise InvalidParameterError(
                    f"{param}: expected an activity name or an Activity, got {item!r}"
                )
            hits = [
                i
                for i, (lab, canon) in enumerate(zip(labels, self._canon, strict=True))
                if (name is not None and canon == name)
                or (label is not None and (lab == label or canon == label))
            ]
            if not hits and name is None and label not in targets:
                raise UnknownActivityError(
                    f"unknown activity {item!r} for {param}: not a canonical activity and not "
                    f"in this log; the log's activities are {list(labels)}"
                )
            lut[hits] = True
        return lut

    def role_codes(self, activity: ActivitySpec, *, role: str = "activity") -> _I64:
        """Activity codes (indices into :attr:`activities`) of the activities playing a role.

        The one resolver every method uses: canonical names, Activity objects,
        source labels, pt-BR labels and the activity map. Empty for a
        canonical activity absent from the log.

        Parameters
        ----------
        activity:
            The role: a name, an Activity or a sequence of them.
        role:
            What the role is called in error messages (e.g. ``"payment"``).

        Raises
        ------
        UnknownActivityError
            For a name that is neither canonical nor in the log.

        Examples
        --------
        >>> log = EventLog.from_columns(
        ...     case=["a", "a"], activity=["Fatura Gerada", "Boleto pago"],
        ...     timestamp=["2024-01-01T00:00Z"] * 2,
        ...     activity_map={"Boleto pago": "Payment Received"})
        >>> log.role_codes("Invoice Generated").tolist()
        [1]
        >>> log.role_codes("Payment Received").tolist()
        [0]
        >>> log.role_codes("Pix", role="payment")
        Traceback (most recent call last):
        ...
        kpicore.errors.UnknownActivityError: unknown activity 'Pix' for payment: ...
        """
        lut = self._role(activity, param=role)
        return np.flatnonzero(lut[: len(self._act_labels)]).astype(np.int64, copy=False)

    def role_events(self, activity: ActivitySpec, *, role: str = "activity") -> _I64:
        """Ascending indices of the events whose activity plays a role.

        ``role`` names the role in error messages (see :meth:`role_codes`).

        Examples
        --------
        >>> log = EventLog.from_columns(case=["a", "a", "b"], activity=["X", "Y", "X"],
        ...     timestamp=["2024-01-01T00:00Z"] * 3)
        >>> log.role_events("X").tolist()
        [0, 2]
        """
        return self._positions(self._role(activity, param=role))

    def _positions(self, lut: _B) -> _I64:
        """Ascending indices (int64) of the events whose activity is in ``lut``."""
        return np.flatnonzero(self._lut_mask(lut)).astype(np.int64, copy=False)

    def _mask(self, spec: ActivitySpec, *, param: str) -> _B:
        return self._lut_mask(self._role(spec, param=param))

    def _lut_mask(self, lut: _B) -> _B:
        """Events whose activity is in ``lut``: equality masks for a few codes (cheaper
        than a gather through the table), a gather for more."""
        codes = np.flatnonzero(lut[: len(self._act_labels)])
        if codes.shape[0] == 0:
            return np.zeros(self.n_events, dtype=bool)
        if codes.shape[0] > 3:
            out: _B = lut[self._act]
            return out
        # Python ints compare in int16; a numpy int64 scalar would widen every code
        first, *rest = codes.tolist()
        mask: _B = self._act == first
        for code in rest:
            mask |= self._act == code
        return mask

    @staticmethod
    def _describe(spec: ActivitySpec | None, default: str) -> str:
        if spec is None:
            return default
        if isinstance(spec, Activity):
            return spec.en
        if isinstance(spec, str):
            return spec
        return " | ".join(a.en if isinstance(a, Activity) else str(a) for a in spec)

    # ------------------------------------------------------------------ counts

    def events_per_activity(self) -> dict[str, int]:
        """``{activity label: events}`` for every activity of the log.

        Examples
        --------
        >>> log = EventLog.from_columns(case=["a", "a", "b"], activity=["X", "X", "Y"],
        ...     timestamp=["2024-01-01T00:00Z"] * 3)
        >>> log.events_per_activity()
        {'X': 2, 'Y': 1}
        """
        cnt = np.bincount(self._act, minlength=len(self._act_labels))
        return {lab: int(c) for lab, c in zip(self.activities, cnt.tolist(), strict=True)}

    def cases_per_activity(self) -> dict[str, int]:
        """``{activity label: cases with at least one event of it}`` (edeaR activity_presence).

        Examples
        --------
        >>> log = EventLog.from_columns(case=["a", "a", "b"], activity=["X", "X", "Y"],
        ...     timestamp=["2024-01-01T00:00Z"] * 3)
        >>> log.cases_per_activity()
        {'X': 1, 'Y': 1}
        """
        n_act = len(self._act_labels)
        if self.n_events == 0:
            return {}
        key = self._case.astype(np.int64) * n_act + self._act
        present = np.unique(key) % n_act
        cnt = np.bincount(present, minlength=n_act)
        return {lab: int(c) for lab, c in zip(self.activities, cnt.tolist(), strict=True)}

    def events_per_case(self) -> CaseValues:
        """Number of events of each case.

        Examples
        --------
        >>> log = EventLog.from_columns(case=["a", "a", "b"], activity=["X", "X", "Y"],
        ...     timestamp=["2024-01-01T00:00Z"] * 3)
        >>> log.events_per_case().to_dict()
        {'a': 2, 'b': 1}
        """
        return CaseValues(self._case_labels, np.diff(self._starts), "events per case", "events")

    def count(self, activity: ActivitySpec) -> CaseValues:
        """Occurrences of an activity in each case (0 where absent).

        Examples
        --------
        >>> log = EventLog.from_columns(case=["a", "a", "b"], activity=["X", "X", "Y"],
        ...     timestamp=["2024-01-01T00:00Z"] * 3)
        >>> log.count("X").to_dict()
        {'a': 2, 'b': 0}
        """
        mask = self._mask(activity, param="activity")
        cnt = np.bincount(self._case[mask], minlength=self.n_cases).astype(np.int64)
        return CaseValues(
            self._case_labels, cnt, f"occurrences of {self._describe(activity, '')}", "events"
        )

    # ------------------------------------------------------------------ occurrence times

    def _occurrence_index(self, activity: ActivitySpec | None, which: str) -> _I64:
        if activity is None:
            if which == "first":
                return self._starts[:-1].copy()
            return self._starts[1:] - 1
        idx = self._positions(self._role(activity, param="activity"))
        if which == "first":
            return _scan.case_first_index(self._case, idx, self.n_cases)
        return _scan.case_last_index(self._case, idx, self.n_cases)

    def first_occurrence(self, activity: ActivitySpec | None = None) -> CaseTimes:
        """Time of the first event of ``activity`` in each case (NaT where absent).

        ``activity=None`` gives the case start (Celonis ``CASE_START``).

        Examples
        --------
        >>> log = EventLog.from_columns(case=["a", "a", "a", "b"], activity=["X", "Y", "Y", "X"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-03T00:00Z", "2024-01-02T00:00Z",
        ...                "2024-01-05T00:00Z"])
        >>> log.first_occurrence("Y").times.tolist()
        [1704153600000000000, None]
        """
        return CaseTimes(
            self._describe(activity, "case start"),
            "first",
            self._case_labels,
            _scan.take_ts(self._ts, self._occurrence_index(activity, "first")),
        )

    def last_occurrence(self, activity: ActivitySpec | None = None) -> CaseTimes:
        """Time of the last event of ``activity`` in each case (NaT where absent).

        ``activity=None`` gives the case end (Celonis ``CASE_END``).

        Examples
        --------
        >>> log = EventLog.from_columns(case=["a", "a", "a"], activity=["X", "Y", "Y"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-03T00:00Z", "2024-01-02T00:00Z"])
        >>> str(log.last_occurrence("Y").times[0])
        '2024-01-03T00:00:00.000000000'
        """
        return CaseTimes(
            self._describe(activity, "case end"),
            "last",
            self._case_labels,
            _scan.take_ts(self._ts, self._occurrence_index(activity, "last")),
        )

    # ------------------------------------------------------------------ durations

    def case_durations(
        self,
        start: ActivitySpec | None = None,
        end: ActivitySpec | None = None,
        *,
        start_at: Literal["first", "last"] = "first",
        end_at: Literal["first_after", "first", "last"] = "first_after",
    ) -> CaseDurations:
        """Per-case duration in days between a start and an end activity.

        Parameters
        ----------
        start:
            The start activity (role); ``None`` = the case's first event
            (``CASE_START``; ``start_at`` is then ignored).
        end:
            The end activity (role); ``None`` = the case's last event
            (``CASE_END``). With both ``None`` this is the throughput time
            ``max(ts) - min(ts)`` of edeaR's ``throughput_time``.
        start_at:
            ``"first"`` or ``"last"`` occurrence of the start activity
            (Celonis ``FIRST_OCCURRENCE`` / ``LAST_OCCURRENCE``).
        end_at:
            ``"first_after"`` (default): the first end event at or after the
            start instant (never the start event itself; an end at the very
            same instant counts, with duration 0, whatever the input order of
            the tie); ``"first"`` / ``"last"``: the first / last end event of
            the case wherever it is.

        Returns
        -------
        CaseDurations
            One entry per case. Cases without the start are ``missing_start``;
            with a start but no end event ``missing_end``; with end events
            only before the start (``first_after``), or an end before the
            start (``first`` / ``last``), ``end_before_start``. None of these
            is dropped silently: they are counted in ``counts`` and their
            duration is NaN (Celonis ``CALC_THROUGHPUT`` returns NULL for the
            last case without saying so).

        Notes
        -----
        Durations are exact ns differences divided by 86 400 s (float days).
        Semantics follow Celonis ``CALC_THROUGHPUT(FIRST_OCCURRENCE['A'] TO
        FIRST_OCCURRENCE['B'])`` for ``end_at="first"`` and edeaR
        ``throughput_time`` for the defaults; pm4py has no per-case A->B time
        (its ``get_all_case_durations`` returns an anonymous sorted list).

        Examples
        --------
        >>> log = EventLog.from_columns(
        ...     case=["a", "a", "a", "b", "b", "c"],
        ...     activity=["Gen", "Pay", "Pay", "Pay", "Gen", "Pay"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-03T00:00Z", "2024-01-06T00:00Z",
        ...                "2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-01T00:00Z"])
        >>> d = log.case_durations("Gen", "Pay")
        >>> d.days.tolist(), d.counts
        ([2.0, nan, nan], {'used': 1, 'missing_start': 1, 'missing_end': 0, 'end_before_start': 1})
        >>> log.case_durations().days.tolist()
        [5.0, 1.0, 0.0]
        """
        if start_at not in ("first", "last"):
            raise InvalidParameterError(f"start_at must be 'first' or 'last', got {start_at!r}")
        if end_at not in ("first_after", "first", "last"):
            raise InvalidParameterError(
                f"end_at must be 'first_after', 'first' or 'last', got {end_at!r}"
            )
        n_cases = self.n_cases
        ts = self._ts
        start_idx = self._occurrence_index(start, start_at if start is not None else "first")
        start_ns = _scan.take_ts(ts, start_idx)
        has_start = start_idx >= 0
        end_desc = self._describe(end, "case end")
        no_end_after = np.zeros(n_cases, dtype=bool)
        if end is None:
            end_idx = self._starts[1:] - 1
            any_end = np.ones(n_cases, dtype=bool)
            end_desc = "case end"
        elif end_at in ("first", "last"):
            end_idx = self._occurrence_index(end, end_at)
            any_end = end_idx >= 0
            end_desc = f"{end_at} {end_desc}"
        else:
            idx_b = self._positions(self._role(end, param="end"))
            c_b = self._case[idx_b]
            any_end = np.zeros(n_cases, dtype=bool)
            any_end[c_b] = True
            s_b = start_ns[c_b]
            p_b = start_idx[c_b]
            t_b = ts[idx_b]
            if start is None:  # the case start may itself be the end event
                qualifies = p_b >= 0
            else:  # never the start event itself; an end at the same instant counts
                qualifies = (p_b >= 0) & ((t_b > s_b) | ((t_b == s_b) & (idx_b != p_b)))
            first_q = _scan.case_first_index(self._case, idx_b[qualifies], n_cases)
            # an end-before-start case reports its last end event (all precede the start)
            last_b = _scan.case_last_index(self._case, idx_b, n_cases)
            no_end_after = has_start & any_end & (first_q < 0)
            end_idx = np.where(no_end_after, last_b, first_q)
            end_desc = f"first {end_desc} after the start"
        end_ns = _scan.take_ts(ts, end_idx)
        status = np.full(n_cases, USED, dtype=np.int8)
        status[~has_start] = MISSING_START
        status[has_start & ~any_end] = MISSING_END
        found = has_start & any_end
        late = (end_idx < 0) | (end_ns < start_ns) | no_end_after
        status[found & late] = END_BEFORE_START
        used = status == USED
        days = np.full(n_cases, np.nan)
        days[used] = (end_ns[used] - start_ns[used]).astype(np.float64) / _NS_PER_DAY_F
        start_desc = self._describe(start, "case start")
        if start is not None:
            start_desc = f"{start_at} {start_desc}"
        return CaseDurations(
            start_desc, end_desc, self._case_labels, days, status, start_ns, end_ns
        )

    def _disjoint_roles(self, start: ActivitySpec, end: ActivitySpec) -> tuple[_B, _B, bool]:
        """The two role tables, and whether they are the same role."""
        lut_a = self._role(start, param="start")
        lut_b = self._role(end, param="end")
        same_role = bool(np.array_equal(lut_a, lut_b))
        if not same_role and bool((lut_a & lut_b).any()):
            raise InvalidParameterError(
                "start and end share some activities but not all: give disjoint roles, "
                "or the same role to pair consecutive occurrences"
            )
        return lut_a, lut_b, same_role

    def pairs(
        self,
        start: ActivitySpec,
        end: ActivitySpec,
        *,
        match: Literal["first", "last", "fifo"] = "first",
    ) -> Pairs:
        """Every start paired with the next end within its case (closed episodes).

        Parameters
        ----------
        start, end:
            The two activities (roles), e.g. *Dispute Registered* and
            *Dispute Resolved*.
        match:
            How starts are matched to ends: ``"first"`` (pm4py
            ``filter_between``: from the first A, later A's ignored, to the
            next B), ``"last"`` (Celonis ``SOURCE``/``TARGET`` over the A/B
            events only: the A directly before the B) or ``"fifo"`` (each B
            closes the oldest open A). The pairings are defined once, in
            :meth:`episodes`.

        Returns
        -------
        Pairs
            One row per closed pair, plus counts of open episodes (starts
            without an end), repeated starts and ends with no open start.

        Notes
        -----
        The closed episodes of :meth:`episodes` (same scan). With ``start ==
        end`` each occurrence is paired with the next one (intervals between
        consecutive occurrences).

        Examples
        --------
        >>> log = EventLog.from_columns(case=["a"] * 5,
        ...     activity=["Dispute Registered", "Dispute Registered", "Dispute Resolved",
        ...               "Dispute Registered", "Dispute Resolved"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-04T00:00Z",
        ...                "2024-01-10T00:00Z", "2024-01-11T00:00Z"])
        >>> p = log.pairs("Dispute Registered", "Dispute Resolved")
        >>> p.days.tolist(), p.counts["repeated_starts"]
        ([3.0, 1.0], 1)
        >>> log.pairs("Dispute Registered", "Dispute Resolved", match="last").days.tolist()
        [2.0, 1.0]
        >>> p = log.pairs("Dispute Registered", "Dispute Resolved", match="fifo")
        >>> p.days.tolist(), p.counts["unmatched_starts"]
        ([3.0, 9.0], 1)
        """
        if match not in MATCHES:
            raise InvalidParameterError(f"match must be 'first', 'last' or 'fifo', got {match!r}")
        lut_a, lut_b, same_role = self._disjoint_roles(start, end)
        desc_a, desc_b = self._describe(start, ""), self._describe(end, "")
        empty = np.zeros(0, dtype=np.int64)
        if self.n_events == 0:
            return Pairs(desc_a, desc_b, self._case_labels[empty], empty, empty,
                         self._case_labels, empty, 0, 0, 0)  # fmt: skip
        if same_role:
            idx = self._positions(lut_a)
            c = self._case[idx].astype(np.int64)
            nxt = np.flatnonzero(c[1:] == c[:-1])
            s_idx, e_idx = idx[nxt], idx[nxt + 1]
            last_per_case = int(np.unique(c).shape[0]) if c.shape[0] else 0
            return Pairs(
                desc_a, desc_b, self._case_labels[self._case[s_idx]], self._ts[s_idx],
                self._ts[e_idx], self._case_labels, self._case[s_idx].astype(np.int64),
                last_per_case, 0, 0,
            )  # fmt: skip
        found = pair_indices(
            self._case,
            self._ts,
            self._positions(lut_a),
            self._positions(lut_b),
            match,
        )
        closed = found.end >= 0
        s_idx, e_idx = found.start[closed], found.end[closed]
        return Pairs(
            desc_a, desc_b, self._case_labels[self._case[s_idx]], self._ts[s_idx],
            self._ts[e_idx], self._case_labels, self._case[s_idx].astype(np.int64),
            int(found.start.shape[0] - s_idx.shape[0]), found.repeated, found.unmatched_ends,
        )  # fmt: skip

    def episodes(
        self,
        start: ActivitySpec,
        end: ActivitySpec,
        *,
        match: Literal["fifo", "first", "last"] = "fifo",
        as_of: _dt.date | _dt.datetime | int | None = None,
    ) -> Episodes:
        """Every start paired with its end within its case, the open ones included.

        This is the one pairing scan of kpicore: the dispute KPIs, the
        ledger's open disputes, :meth:`case_table`, :meth:`pairs` and the
        cash-application lag all use it, so "open dispute" and "resolution
        time" mean the same everywhere.

        Parameters
        ----------
        start, end:
            The two activities (roles, disjoint), e.g. *Dispute Registered*
            and *Dispute Resolved*.
        match:
            ``"fifo"`` (default): an end closes the **oldest** open start of
            its case; an end with no open start is unmatched. The starts left
            open are the starts minus the matched ends, per case: kpicore's
            definition of an *open dispute* (the model's
            :meth:`~kpicore.model.Dispute.is_open`), and once every start is
            closed the total (hence mean) duration does not depend on which
            end closed which start. ``"first"``: pm4py ``filter_between`` --
            the first start of a run of starts opens the episode and the next
            end closes it; later starts of the run are repeated (absorbed).
            ``"last"``: Celonis ``SOURCE``/``TARGET`` over the start and end
            events -- the start directly before an end; earlier starts of the
            run are repeated (superseded).
        as_of:
            Only events strictly before this instant are known (a date ``D``
            means the end of ``D``, UTC, as :func:`kpicore.periods.as_of_ns`;
            an int is ns since the epoch, UTC). Starts whose end comes later
            are open; later events are counted in ``events_after_as_of``.
            ``None``: every event.

        Returns
        -------
        Episodes

        Raises
        ------
        InvalidParameterError
            For an unknown ``match``, or roles sharing an activity.

        Notes
        -----
        At equal instants a start is ordered before an end, whatever their
        input order, so an end at the very instant of the start closes it
        (0 days). Cost: two equality masks over the activity codes, then
        O(k log k) on the k start and end events (no loop per event or case).

        Examples
        --------
        Two registrations, then one resolution: fifo closes the first one,
        the second stays open.

        >>> log = EventLog.from_columns(case=["a"] * 3,
        ...     activity=["Dispute Registered", "Dispute Registered", "Dispute Resolved"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-04T00:00Z"])
        >>> ep = log.episodes("Dispute Registered", "Dispute Resolved")
        >>> ep.days.tolist(), ep.open_per_case().to_dict()
        ([3.0, nan], {'a': 1})
        >>> import datetime as dt
        >>> log.episodes("Dispute Registered", "Dispute Resolved",
        ...              as_of=dt.date(2024, 1, 3)).counts
        {'closed': 0, 'open': 2, 'repeated_starts': 0, 'unmatched_ends': 0, 'events_after_as_of': 1}
        """  # noqa: E501
        if match not in MATCHES:
            raise InvalidParameterError(f"match must be 'fifo', 'first' or 'last', got {match!r}")
        lut_a = self._role(start, param="start")
        lut_b = self._role(end, param="end")
        if bool((lut_a & lut_b).any()):
            raise InvalidParameterError(
                f"start ({self._describe(start, '')}) and end ({self._describe(end, '')}) "
                "share an activity: give disjoint roles"
            )
        found_idx: dict[str, _I64] = {}
        run_all(  # the two scans at once on a large log (kpicore.threads)
            [
                lambda: found_idx.setdefault("s", self._positions(lut_a)),
                lambda: found_idx.setdefault("e", self._positions(lut_b)),
            ],
            rows=self.n_events,
        )
        s_idx, e_idx = found_idx["s"], found_idx["e"]
        after = 0
        if as_of is not None:
            limit = (
                int(as_of)
                if isinstance(as_of, int | np.integer) and not isinstance(as_of, bool)
                else as_of_ns(as_of)  # type: ignore[arg-type]
            )
            ks = self._ts[s_idx] < limit
            ke = self._ts[e_idx] < limit
            after = int(s_idx.shape[0] - np.count_nonzero(ks))
            after += int(e_idx.shape[0] - np.count_nonzero(ke))
            s_idx, e_idx = s_idx[ks], e_idx[ke]
        found = pair_indices(self._case, self._ts, s_idx, e_idx, match)
        case = self._case[found.start].astype(np.int64)
        return Episodes(
            self._describe(start, ""),
            self._describe(end, ""),
            match,
            self._case_labels,
            case,
            found.start,
            found.end,
            self._ts[found.start],
            _scan.take_ts(self._ts, found.end),
            found.repeated,
            found.unmatched_ends,
            after,
        )

    # ------------------------------------------------------------------ filters

    def _subset(self, keep: _B) -> EventLog:
        """Events where ``keep``; cases and activities left without events disappear."""
        idx = np.flatnonzero(keep)
        case = self._case[idx]
        act = self._act[idx]
        present = np.bincount(case, minlength=self.n_cases) > 0
        case_lut = (np.cumsum(present) - 1).astype(np.int32)
        act_present = np.bincount(act, minlength=len(self._act_labels)) > 0
        act_lut = (np.cumsum(act_present) - 1).astype(np.int16)
        pidx = np.flatnonzero(present)
        return EventLog._make(
            case=case_lut[case],
            act=act_lut[act],
            ts=self._ts[idx],
            case_labels=self._case_labels[present],
            act_labels=self._act_labels[act_present],
            attrs={k: v.take(idx).compact() for k, v in self._attrs.items()},
            case_attrs={k: v.take(pidx).compact() for k, v in self._case_attrs.items()},
            activity_map=self._activity_map,
            dropped=self._dropped,
            conflicts={
                k: v[present] for k, v in self._conflicts.items() if bool(v[present].any())
            },
        )

    def _case_mask_to_events(self, case_keep: _B) -> _B:
        return case_keep[self._case] if self.n_events else np.zeros(0, dtype=bool)

    def filter_cases(
        self, cases: Iterable[Any] | npt.NDArray[np.bool_], *, keep: bool = True
    ) -> EventLog:
        """Keep (or, with ``keep=False``, remove) some cases.

        Parameters
        ----------
        cases:
            Case ids (ids not in the log are ignored), or a boolean mask with
            one entry per case (aligned with :attr:`case_ids`).

        Examples
        --------
        >>> log = EventLog.from_columns(case=["a", "b", "c"], activity=["X"] * 3,
        ...     timestamp=["2024-01-01T00:00Z"] * 3)
        >>> log.filter_cases(["a", "c"]).case_ids.tolist()
        ['a', 'c']
        >>> log.filter_cases(log.case_ids == "b", keep=False).case_ids.tolist()
        ['a', 'c']
        """
        if callable(cases):
            raise InvalidParameterError(
                "filter_cases: cases must be case ids or a boolean mask (one entry per "
                f"case), not a function ({cases!r}); for a condition on the cases pass "
                "the mask it gives, e.g. log.case_ids == 'F-1'"
            )
        arr = np.asarray(cases) if not isinstance(cases, np.ndarray) else cases
        if arr.dtype == bool:
            if arr.shape != (self.n_cases,):
                raise InvalidParameterError(
                    f"a case mask needs {self.n_cases} entries, got {arr.shape}"
                )
            mask = arr.copy()
        else:
            wanted = list(arr.tolist()) if arr.ndim else [arr.item()]
            mask = np.zeros(self.n_cases, dtype=bool)
            if wanted and self.n_cases:
                labels = self._case_labels
                try:
                    probe = np.asarray(wanted, dtype=labels.dtype)
                except (TypeError, ValueError):
                    probe = np.asarray([], dtype=labels.dtype)
                try:
                    pos = np.searchsorted(labels, probe)
                except TypeError:
                    kinds = sorted({type(v).__name__ for v in wanted})
                    raise InvalidParameterError(
                        f"filter_cases: case ids of type {', '.join(kinds)} cannot be "
                        "compared with the log's case ids"
                    ) from None
                pos_ok = pos < self.n_cases
                hit = np.zeros(probe.shape[0], dtype=bool)
                hit[pos_ok] = labels[pos[pos_ok]] == probe[pos_ok]
                mask[pos[hit]] = True
        if not keep:
            mask = ~mask
        return self._subset(self._case_mask_to_events(mask))

    def case_blocks(self, max_events: int = DEFAULT_BLOCK_EVENTS) -> Iterator[EventLog]:
        """The log as consecutive blocks of whole cases, at most ``max_events`` events each.

        Each block is an EventLog of the cases ``a .. b - 1`` (in :attr:`case_ids`
        order) and of all their events; a case with more than ``max_events``
        events is a block by itself. The blocks share the log's columns (views:
        only the case codes of a block after the first are renumbered, 4 bytes per
        event of the block) and its activity labels, so a block lists every
        activity of the log, with or without events in it. They are made one at a
        time, as the iterator is advanced; a log without cases is one (empty) block,
        a log within ``max_events`` is its only block (the log itself). A block's
        :attr:`dropped` report is empty (the rows dropped while building belong to
        the log, not to one of its blocks).

        What KPIs keep per log (:mod:`kpicore.kpis` memoises per-log work) is kept
        per block and goes with the block: computing KPIs block by block and
        merging the partial results (:func:`kpicore.blocks.map_blocks`) keeps the
        working memory to one block's.

        Parameters
        ----------
        max_events : int, default 1 048 576
            Most events in a block (a single larger case excepted); at least 1.

        Raises
        ------
        InvalidParameterError
            For a ``max_events`` that is not a positive int.

        Examples
        --------
        >>> log = EventLog.from_columns(case=["a", "a", "b", "c", "c", "c"],
        ...     activity=["X", "Y", "X", "X", "Y", "Z"],
        ...     timestamp=["2024-01-01T00:00Z"] * 6)
        >>> [blk.case_ids.tolist() for blk in log.case_blocks(3)]
        [['a', 'b'], ['c']]
        >>> [blk.n_events for blk in log.case_blocks(2)]
        [2, 1, 3]
        """
        return self._blocks(check_max_events(max_events))

    def _blocks(self, max_events: int) -> Iterator[EventLog]:
        n = self.n_cases
        if not n:
            yield self
            return
        starts = self._starts
        a = 0
        while a < n:
            # the last case starting within max_events of the block's first event
            b = int(np.searchsorted(starts, starts[a] + max_events, side="right")) - 1
            b = min(max(b, a + 1), n)
            yield self if (a, b) == (0, n) else self._case_range(a, b)
            a = b

    def _case_range(self, a: int, b: int) -> EventLog:
        """Cases ``a .. b - 1`` and their events (views on this log's columns)."""
        e0, e1 = int(self._starts[a]), int(self._starts[b])
        case = self._case[e0:e1]
        if a:
            case = np.subtract(case, np.int32(a), dtype=np.int32)
        starts = self._starts[a : b + 1]
        if e0:
            starts = starts - e0
        out = object.__new__(EventLog)
        setter = object.__setattr__
        setter(out, "_case", _ro(case))
        setter(out, "_act", self._act[e0:e1])
        setter(out, "_ts", self._ts[e0:e1])
        setter(out, "_starts", _ro(starts))
        setter(out, "_dense", self._dense or bool((np.diff(starts) > 0).all()))
        setter(out, "_case_labels", self._case_labels[a:b])
        setter(out, "_act_labels", self._act_labels)
        setter(out, "_activity_map", self._activity_map)
        setter(out, "_canon", self._canon)
        setter(
            out,
            "_attrs",
            types.MappingProxyType(
                {k: Column(v.kind, v.data[e0:e1], v.labels) for k, v in self._attrs.items()}
            ),
        )
        setter(
            out,
            "_case_attrs",
            types.MappingProxyType(
                {k: Column(v.kind, v.data[a:b], v.labels) for k, v in self._case_attrs.items()}
            ),
        )
        setter(out, "_dropped", DroppedReport.none())  # the log's drops are not a block's
        setter(
            out,
            "_conflicts",
            types.MappingProxyType(
                {k: v[a:b] for k, v in self._conflicts.items() if bool(v[a:b].any())}
            ),
        )
        return out

    def filter_activities(self, activities: ActivitySpec, *, keep: bool = True) -> EventLog:
        """Keep (or remove) the events of some activities.

        Examples
        --------
        >>> log = EventLog.from_columns(case=["a", "a", "b"], activity=["X", "Y", "Y"],
        ...     timestamp=["2024-01-01T00:00Z"] * 3)
        >>> log.filter_activities("X").n_events, log.filter_activities("X", keep=False).n_cases
        (1, 2)
        """
        mask = self._mask(activities, param="activities")
        return self._subset(mask if keep else ~mask)

    def filter_time(
        self,
        start: Any = None,
        end: Any = None,
        *,
        mode: Literal["events", "contained", "intersecting", "started", "completed"] = "events",
    ) -> EventLog:
        """Filter by a closed time window ``[start, end]``.

        Parameters
        ----------
        start, end:
            Aware datetimes, ISO strings with offset, ``numpy.datetime64``
            (UTC), ints (ns) or dates; a date ``start`` means its 00:00 UTC
            and a date ``end`` the last nanosecond of that day (so both days
            are covered). ``None`` leaves that side open.
        mode:
            ``"events"``: keep the events inside; ``"contained"``: whole
            cases whose first and last events are inside; ``"intersecting"``:
            whole cases with ``first <= end`` and ``last >= start``;
            ``"started"`` / ``"completed"``: whole cases whose first / last
            event is inside.

        Notes
        -----
        One closed convention for every mode. pm4py's ``filter_time_range``
        mixes them: its ``traces_intersecting`` uses strict comparisons, so a
        case starting exactly at ``dt1`` and ending after ``dt2`` is dropped.

        Examples
        --------
        >>> log = EventLog.from_columns(case=["a", "a", "b"], activity=["X", "Y", "X"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-05T00:00Z", "2024-01-03T00:00Z"])
        >>> import datetime as dt
        >>> log.filter_time(dt.date(2024, 1, 2), dt.date(2024, 1, 5)).n_events
        2
        >>> log.filter_time("2024-01-01T00:00Z", "2024-01-04T00:00Z", mode="contained").case_ids
        array(['b'], dtype=object)
        """
        lo = NAT if start is None else timestamp_bound(start, name="start", end=False)
        hi = np.iinfo(np.int64).max if end is None else timestamp_bound(end, name="end", end=True)
        ts = self._ts
        if mode == "events":
            return self._subset((ts >= lo) & (ts <= hi))
        first = ts[self._starts[:-1]]
        last = ts[self._starts[1:] - 1]
        if mode == "contained":
            ok = (first >= lo) & (last <= hi)
        elif mode == "intersecting":
            ok = (first <= hi) & (last >= lo)
        elif mode == "started":
            ok = (first >= lo) & (first <= hi)
        elif mode == "completed":
            ok = (last >= lo) & (last <= hi)
        else:
            raise InvalidParameterError(
                "mode must be 'events', 'contained', 'intersecting', 'started' or 'completed', "
                f"got {mode!r}"
            )
        return self._subset(self._case_mask_to_events(ok))

    def filter_case_attribute(
        self,
        name: str,
        values: Iterable[Any] | Callable[[npt.NDArray[Any]], Any],
        *,
        keep: bool = True,
    ) -> EventLog:
        """Keep (or remove) the cases whose case attribute is among ``values``.

        ``values`` may also be a vectorised predicate receiving the decoded
        per-case array (see :meth:`case_attribute`) and returning a boolean
        array. Cases with a null value never match a collection of values.

        Examples
        --------
        >>> log = EventLog.from_columns(case=["a", "b"], activity=["X", "X"],
        ...     timestamp=["2024-01-01T00:00Z"] * 2, case_attributes={"seg": ["SMB", "ENT"]})
        >>> log.filter_case_attribute("seg", ["ENT"]).case_ids.tolist()
        ['b']
        >>> log.filter_case_attribute("seg", lambda s: s == "SMB").case_ids.tolist()
        ['a']
        """
        decoded = self.case_attribute(name)
        if callable(values):
            mask = np.asarray(values(decoded), dtype=bool)
            if mask.shape != (self.n_cases,):
                raise InvalidParameterError(
                    f"the predicate must return {self.n_cases} booleans, got shape {mask.shape}"
                )
        else:
            col = self._case_attrs[name]
            wanted = list(values)
            if col.kind == "category":
                assert col.labels is not None
                lab = {v: i for i, v in enumerate(col.labels.tolist())}
                codes = [lab[v] for v in wanted if v in lab]
                mask = np.isin(col.data, np.array(codes, dtype=np.int64))
            else:
                mask = np.isin(decoded, np.asarray(wanted, dtype=decoded.dtype))
        if not keep:
            mask = ~mask
        return self._subset(self._case_mask_to_events(mask))

    # ------------------------------------------------------------------ structure

    def variants(self, *, max_repeats: int | None = None) -> Variants:
        """Distinct activity sequences with their case counts.

        Parameters
        ----------
        max_repeats:
            Cap on consecutive repetitions of one activity (``1`` collapses
            ``A, A, B`` to ``A, B``), like Celonis ``SHORTENED``.

        Notes
        -----
        Computed on the (case, timestamp)-sorted log, so unlike pm4py's
        ``get_variants`` (issue #546) an unsorted input cannot give wrong
        variants. Ties keep input order unless an ``order=`` column was given.

        Examples
        --------
        >>> log = EventLog.from_columns(case=["a", "a", "a", "b"], activity=["X", "X", "Y", "X"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-03T00:00Z",
        ...                "2024-01-01T00:00Z"])
        >>> log.variants().as_tuples()
        {('X', 'X', 'Y'): 1, ('X',): 1}
        >>> log.variants(max_repeats=1).to_dict()
        {'X, Y': 1, 'X': 1}
        """
        return compute_variants(
            self._case, self._act, self.n_cases, self._act_labels, self._case_labels, max_repeats
        )

    def filter_variants(
        self,
        variants: Any = None,
        *,
        top_k: int | None = None,
        keep: bool = True,
        max_repeats: int | None = None,
    ) -> EventLog:
        """Keep (or, with ``keep=False``, drop) the cases of some variants.

        Parameters
        ----------
        variants:
            One variant -- a tuple of activity labels (pm4py's variant keys) or
            its ``'A, B, C'`` rendering (:meth:`Variants.to_dict` keys) -- or an
            iterable of them. Variants that do not occur match no case.
        top_k:
            Instead of ``variants``: the ``k`` most frequent variants, in
            :class:`Variants` order (descending count, ties by their first case
            id, so the choice never depends on the row order of the input).
        keep:
            ``True`` keeps the selected cases, ``False`` drops them.
        max_repeats:
            Variants as :meth:`variants` with this cap on repetitions (the
            cases keep all their events).

        Returns
        -------
        EventLog
            The selected cases with all their events.

        Raises
        ------
        InvalidParameterError
            Unless exactly one of ``variants`` and ``top_k`` is given, or for a
            ``top_k`` that is not an int >= 0 or a malformed variant.

        Notes
        -----
        A case is selected when its variant (its activity sequence in log
        order) equals one of the given sequences. The ``'A, B, C'`` form splits
        on ``', '``: for labels that contain ``', '`` pass tuples. pm4py's
        ``filter_variants_top_k`` takes the top variants in frame order
        (its issue #419); here ties at the cut are broken by the first case id.
        On a log split into partitions (Dask), compute the variants of every
        partition, merge them, and filter each partition with the chosen
        ``variants=`` (a per-partition ``top_k`` would be each partition's own).

        Examples
        --------
        >>> log = EventLog.from_columns(case=["1", "1", "2", "2", "3"],
        ...     activity=["A", "B", "A", "B", "C"], timestamp=["2024-01-01T00:00Z"] * 5)
        >>> log.filter_variants(top_k=1).case_ids.tolist()
        ['1', '2']
        >>> log.filter_variants("A, B", keep=False).case_ids.tolist()
        ['3']
        >>> log.filter_variants([("C",), ("X", "Y")]).case_ids.tolist()
        ['3']
        """
        if not isinstance(keep, bool):
            raise InvalidParameterError(f"keep must be a bool, got {keep!r}")
        v = self.variants(max_repeats=max_repeats)
        wanted = None if variants is None else variant_specs(variants)
        mask = variant_case_mask(v, wanted, top_k=top_k)
        if not keep:
            mask = ~mask
        return self._subset(self._case_mask_to_events(mask))

    def variant_coverage(self, *, max_repeats: int | None = None) -> VariantCoverage:
        """Share and cumulative share of the cases covered by each variant.

        See :class:`VariantCoverage` (edeaR's ``trace_coverage``).

        Examples
        --------
        >>> log = EventLog.from_columns(case=["1", "1", "2", "2", "3"],
        ...     activity=["A", "B", "A", "B", "C"], timestamp=["2024-01-01T00:00Z"] * 5)
        >>> cov = log.variant_coverage()
        >>> dict(zip(cov.variants, cov.counts.tolist())), cov.variants_needed(0.7)
        ({'A, B': 2, 'C': 1}, 2)
        """
        return variant_coverage(self.variants(max_repeats=max_repeats))

    def directly_follows(self) -> DirectlyFollows:
        """Directly-follows arcs with counts and mean/median/min/max durations in days.

        See :class:`DirectlyFollows`.

        Examples
        --------
        >>> log = EventLog.from_columns(case=["a", "a", "b", "b"], activity=["X", "Y", "X", "Y"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-01T00:00Z",
        ...                "2024-01-05T00:00Z"])
        >>> dfg = log.directly_follows()
        >>> dfg.arc("X", "Y")
        {'count': 2, 'mean_days': 2.5, 'median_days': 2.5, 'min_days': 1.0, 'max_days': 4.0}
        """
        return compute_dfg(self._case, self._act, self._ts, self._starts, self._act_labels)

    # ------------------------------------------------------------------ derived

    def with_due_date_passed(
        self,
        as_of: _dt.date | _dt.datetime,
        *,
        due_date: str = "due_date",
        closed_by: ActivitySpec = ("Invoice Settled", "Invoice Written Off"),
        tz: _dt.tzinfo | None = None,
    ) -> EventLog:
        """A copy with a calculated *Due Date Passed* event for overdue invoices.

        See :func:`kpicore.eventlog._invoices.add_due_date_passed` (the event's
        time is the end of the due date, i.e. the instant the invoice became
        overdue).

        Examples
        --------
        >>> import datetime as dt
        >>> log = EventLog.from_columns(case=["a", "b"], activity=["Invoice Generated"] * 2,
        ...     timestamp=["2024-01-01T00:00Z"] * 2,
        ...     case_attributes={"due_date": [dt.date(2024, 1, 10), dt.date(2024, 3, 1)]})
        >>> out = log.with_due_date_passed(dt.date(2024, 1, 31))
        >>> out.count("Due Date Passed").to_dict()
        {'a': 1, 'b': 0}
        >>> str(out.last_occurrence().times[0])
        '2024-01-11T00:00:00.000000000'
        """
        from ._invoices import add_due_date_passed

        return add_due_date_passed(self, as_of, due_date=due_date, closed_by=closed_by, tz=tz)

    def case_table(
        self,
        *,
        as_of: _dt.date | _dt.datetime | None = None,
        roles: Mapping[str, ActivitySpec] | None = None,
    ) -> CaseTable:
        """Per-case attributes of the credit-management template that the log determines.

        See :func:`kpicore.eventlog._casetable.case_table`.

        Examples
        --------
        >>> log = EventLog.from_columns(case=["a", "a"],
        ...     activity=["Invoice Generated", "Dispute Registered"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z"])
        >>> log.case_table()["is_disputed"].tolist()
        [True]
        """
        from ._casetable import case_table

        return case_table(self, as_of=as_of, roles=roles)

    def quality(
        self,
        *,
        start: ActivitySpec = "Invoice Generated",
        terminal: ActivitySpec = ("Invoice Settled", "Invoice Written Off"),
        allowed_after_end: ActivitySpec | None = ("Payment Posted",),
        order_rules: Sequence[tuple[ActivitySpec, ActivitySpec]] | None = None,
        examples: int = 5,
    ) -> QualityReport:
        """A data-quality report: duplicates, nulls, dropped rows, lifecycle problems.

        Every issue is always listed (count 0 when clean) with the number of
        cases affected and example case ids; see
        :func:`kpicore.eventlog._quality.quality` for the list and the
        parameters (``order_rules=None`` uses ``DEFAULT_ORDER_RULES``).

        Examples
        --------
        >>> log = EventLog.from_columns(case=["a", "a", "b"],
        ...     activity=["Invoice Generated", "Invoice Generated", "Payment Received"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-01T00:00Z", "2024-01-02T00:00Z"])
        >>> q = log.quality()
        >>> q["duplicate_events"].count, q["missing_start_activity"].examples
        (1, ('b',))
        """
        from ._quality import DEFAULT_ORDER_RULES, quality

        return quality(
            self,
            start=start,
            terminal=terminal,
            allowed_after_end=allowed_after_end,
            order_rules=DEFAULT_ORDER_RULES if order_rules is None else order_rules,
            examples=examples,
        )


def _rebuild(parts: dict[str, Any]) -> EventLog:
    return EventLog._make(**parts)


#: Rows per block when a per-event index would otherwise be widened to intp at once.
_BLOCK = 1 << 20


def check_max_events(value: object) -> int:
    """``value`` when it is an int >= 1 (the block size of :meth:`EventLog.case_blocks`)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidParameterError(f"max_events must be an int >= 1, got {value!r}")
    return value


def _offsets(case: npt.NDArray[np.int32], n_cases: int) -> tuple[_I64, bool]:
    """:func:`_scan.offsets` of sorted ``case`` codes without an intp copy of the codes
    (``bincount`` widens them): the case heads when every case has an event, else a
    binary search; and whether every case has an event."""
    n = case.shape[0]
    heads = _case_heads(case, n_cases)
    if heads is not None:
        out = np.empty(n_cases + 1, dtype=np.int64)
        out[:n_cases] = np.flatnonzero(heads)
        out[n_cases] = n
        return out, True
    if n_cases >= np.iinfo(case.dtype).max:  # pragma: no cover - 2**31 cases
        out = _scan.offsets(case, n_cases)
    else:
        bounds = np.arange(n_cases + 1, dtype=case.dtype)
        out = np.searchsorted(case, bounds, side="left").astype(np.int64, copy=False)
    return out, n_cases == 0


def _used(codes: npt.NDArray[Any], size: int) -> _B:
    """Which of ``0 .. size - 1`` occur in ``codes`` (non-negative), block by block."""
    used = np.zeros(size, dtype=bool)
    for i in range(0, codes.shape[0], _BLOCK):
        used[codes[i : i + _BLOCK]] = True
    return used


def _compact(
    labels: npt.NDArray[Any], codes: npt.NDArray[Any]
) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """Labels in use and the codes renumbered over them (the codes' dtype kept)."""
    if labels.shape[0] == 0:
        return labels, codes
    used = _used(codes, labels.shape[0])
    if used.all():
        return labels, codes
    lut = (np.cumsum(used) - 1).astype(codes.dtype)
    return labels[used], lut[codes]


def concat(logs: Iterable[EventLog]) -> EventLog:
    """Concatenate logs into one (events of a case present in several are merged).

    Labels are unioned and re-encoded, attributes unioned (null where a log
    lacks one; integer and float columns widen to float), activity maps
    merged (a label mapped differently raises), ties between logs keep the
    order of ``logs``. Case attributes take the first non-null value in time
    order and conflicts show in :meth:`EventLog.quality`.

    Examples
    --------
    >>> a = EventLog.from_columns(case=["x"], activity=["A"], timestamp=["2024-01-01T00:00Z"])
    >>> b = EventLog.from_columns(case=["x", "y"], activity=["B", "A"],
    ...     timestamp=["2024-01-02T00:00Z", "2024-01-01T00:00Z"])
    >>> c = concat([a, b])
    >>> c.n_events, c.case_ids.tolist(), c.variants().to_dict()
    (3, ['x', 'y'], {'A, B': 1, 'A': 1})
    """
    parts = list(logs)
    if not parts:
        raise InvalidParameterError("concat needs at least one log")
    for p in parts:
        if not isinstance(p, EventLog):
            raise InvalidParameterError(f"concat takes EventLogs, got {type(p).__name__}")
    if len(parts) == 1:
        return parts[0]
    amap: dict[str, str] = {}
    for p in parts:
        for k, v in p.activity_map.items():
            if amap.get(k, v) != v:
                raise InvalidParameterError(
                    f"activity_map conflict for {k!r}: {amap[k]!r} vs {v!r}"
                )
            amap[k] = v
    kinds = {p.case_ids.dtype.kind for p in parts if p.n_cases}
    if len(kinds) > 1:
        raise InvalidParameterError("cannot concat logs whose case ids are strings and integers")
    nonempty = [p.case_ids for p in parts if p.n_cases]
    case_labels = np.unique(np.concatenate(nonempty)) if nonempty else np.empty(0, dtype=object)
    act_labels = np.unique(np.concatenate([p._act_labels for p in parts])).astype(object)
    case_codes = []
    act_codes = []
    for p in parts:
        clut = np.searchsorted(case_labels, p.case_ids).astype(np.int64)
        alut = np.searchsorted(act_labels, p._act_labels).astype(np.int64)
        case_codes.append(clut[p.case_codes] if p.n_events else np.zeros(0, np.int64))
        act_codes.append(alut[p.activity_codes] if p.n_events else np.zeros(0, np.int64))
    n_total = sum(p.n_events for p in parts)
    attrs: dict[str, Column] = {}
    for name in dict.fromkeys(k for p in parts for k in p.attribute_names):
        cols = [p._attrs.get(name) for p in parts]
        template = next(c for c in cols if c is not None)
        filled = [
            c if c is not None else template.null_like(p.n_events)
            for c, p in zip(cols, parts, strict=True)
        ]
        attrs[name] = _concat_columns(filled, name)
    case_attr_events: dict[str, Column] = {}
    for name in dict.fromkeys(k for p in parts for k in p.case_attribute_names):
        cols = [p._case_attrs.get(name) for p in parts]
        template = next(c for c in cols if c is not None)
        per_event = [
            (
                c.take(p.case_codes.astype(np.int64))
                if c is not None
                else template.null_like(p.n_events)
            )
            for c, p in zip(cols, parts, strict=True)
        ]
        case_attr_events[name] = _concat_columns(per_event, name)
    dropped = parts[0].dropped
    for p in parts[1:]:
        dropped = dropped.merge(p.dropped)
    ts = np.concatenate([p.timestamps for p in parts])
    log = EventLog._assemble(
        case_enc=Encoded(np.concatenate(case_codes), case_labels),
        act_enc=Encoded(np.concatenate(act_codes), act_labels),
        ts=TimestampParse(ts, np.zeros(n_total, dtype=bool), np.zeros(n_total, dtype=bool)),
        names=(CASE_KEY, ACTIVITY_KEY, TIMESTAMP_KEY),
        raws=(None, None, None),
        attrs=attrs,
        case_attr_events=case_attr_events,
        order_key=None,
        activity_map=amap,
        on_invalid="raise",
        dropped_before=dropped,
    )
    # conflicts known in the parts stay known
    extra: dict[str, _B] = {}
    for p in parts:
        for name, mask in p._conflicts.items():
            m = extra.get(name, np.zeros(log.n_cases, dtype=bool))
            m[np.searchsorted(log.case_ids, p.case_ids[mask])] = True
            extra[name] = m
    if extra:
        merged = dict(log._conflicts)
        for name, m in extra.items():
            merged[name] = merged.get(name, np.zeros(log.n_cases, dtype=bool)) | m
        log = log._replace(conflicts=merged)
    return log
