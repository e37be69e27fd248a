"""XES (IEEE 1849-2016) event logs in and out, streaming, without opening any path.

:func:`read_xes` parses a document the caller holds -- its text, its bytes
(gzip-compressed ``.xes.gz`` too) or a file object the caller opened -- with
:class:`xml.etree.ElementTree.XMLParser` fed one chunk at a time with a
target that receives each element's start and end (no element tree is built),
so only the columns being built are in memory, never the document besides them. The result, an
:class:`XesLog`, keeps everything the standard defines: the extensions, the
global attributes, the classifiers, the log's attributes, and per trace and
per event every typed attribute (``string``, ``date``, ``int``, ``float``,
``boolean``, ``id``, and the nested ``list`` and ``container`` with the
meta-attributes), with each date's UTC offset. :func:`write_xes` writes an
:class:`XesLog` (or an :class:`~kpicore.eventlog.EventLog`) back, to a string
or chunk by chunk to a file object, so that ``read_xes(write_xes(x))`` equals
``x``.

:meth:`XesLog.to_event_log` gives the columnar
:class:`~kpicore.eventlog.EventLog` every KPI runs on (case = the trace's
``concept:name``, activity = the event's ``concept:name``, timestamp =
``time:timestamp``), and :meth:`XesLog.from_event_log` the reverse.

References
----------
IEEE Std 1849-2016, *IEEE Standard for eXtensible Event Stream (XES) for
Achieving Interoperability in Event Logs and Event Streams*
(https://standards.ieee.org/ieee/1849/5722/; schema and standard extensions
at https://www.xes-standard.org/).

Examples
--------
>>> doc = '''<?xml version="1.0" encoding="UTF-8"?>
... <log xes.version="1849-2016" xmlns="http://www.xes-standard.org/">
...   <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
...   <trace>
...     <string key="concept:name" value="F-1"/>
...     <event>
...       <string key="concept:name" value="Invoice Generated"/>
...       <date key="time:timestamp" value="2024-03-01T09:00:00.000-03:00"/>
...     </event>
...     <event>
...       <string key="concept:name" value="Payment Received"/>
...       <date key="time:timestamp" value="2024-03-11T09:00:00.000-03:00"/>
...       <float key="amount" value="99.5"/>
...     </event>
...   </trace>
... </log>'''
>>> x = read_xes(doc)
>>> x.n_traces, x.n_events, x.event_columns["amount"].type
(1, 2, 'float')
>>> log = x.to_event_log()
>>> log.case_durations("Invoice Generated", "Payment Received").days.tolist()
[10.0]
>>> read_xes(write_xes(x)) == x
True
>>> 'value="2024-03-11T09:00:00.000-03:00"' in write_xes(x)
True
"""

from __future__ import annotations

import datetime as _dt
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal

import attrs
import numpy as np
import numpy.typing as npt

from kpicore import _pmio
from kpicore.errors import InvalidParameterError, InvalidRecordError
from kpicore.results import freeze
from kpicore.results import read_only as _ro

if TYPE_CHECKING:
    from kpicore.eventlog import EventLog

__all__ = [
    "OFFSET_SUFFIX",
    "STANDARD_EXTENSIONS",
    "XesAttribute",
    "XesClassifier",
    "XesColumn",
    "XesExtension",
    "XesLog",
    "read_xes",
    "write_xes",
]

#: The XES attribute types; the first six are simple, ``list`` and ``container`` nest.
XesType = Literal["string", "date", "int", "float", "boolean", "id", "list", "container"]
_SIMPLE = ("string", "date", "int", "float", "boolean", "id")
_TYPES = frozenset((*_SIMPLE, "list", "container"))
#: Suffix of the EventLog attribute holding a date attribute's UTC offset in minutes
#: (``time:timestamp@offset``), so that an EventLog written back keeps the offsets.
OFFSET_SUFFIX = "@offset"
_NAT = np.iinfo(np.int64).min
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)


@attrs.frozen
class XesExtension:
    """An ``<extension>`` declaration: its name, key prefix and definition URI."""

    name: str
    prefix: str
    uri: str


#: The standard extensions of IEEE 1849-2016 by prefix (those :meth:`XesLog.from_event_log`
#: declares for the keys it writes).
STANDARD_EXTENSIONS: Mapping[str, XesExtension] = freeze(
    {
        e.prefix: e
        for e in (
            XesExtension("Concept", "concept", "http://www.xes-standard.org/concept.xesext"),
            XesExtension("Time", "time", "http://www.xes-standard.org/time.xesext"),
            XesExtension("Lifecycle", "lifecycle", "http://www.xes-standard.org/lifecycle.xesext"),
            XesExtension("Organizational", "org", "http://www.xes-standard.org/org.xesext"),
            XesExtension("Cost", "cost", "http://www.xes-standard.org/cost.xesext"),
            XesExtension("Identity", "identity", "http://www.xes-standard.org/identity.xesext"),
            XesExtension("Semantic", "semantic", "http://www.xes-standard.org/semantic.xesext"),
        )
    }
)


@attrs.frozen
class XesClassifier:
    """A ``<classifier>``: a name and its ``keys`` text (attribute keys, space separated)."""

    name: str
    keys: str
    scope: str | None = None


def _tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value)


@attrs.frozen
class XesAttribute:
    """One attribute as an object: log-level, global, nested or with meta-attributes.

    ``value`` is a ``str`` (string, id), ``int``, ``float``, ``bool``, an aware
    ``datetime`` keeping the offset of the text (date; microseconds), or
    ``None`` for a list or container, whose elements are ``items`` (in order).
    ``meta`` holds the attribute's own child attributes (meta-attributes).
    """

    key: str
    type: str
    value: str | int | float | bool | _dt.datetime | None
    items: tuple[XesAttribute, ...] = attrs.field(default=(), converter=_tuple)
    meta: tuple[XesAttribute, ...] = attrs.field(default=(), converter=_tuple)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, XesAttribute):
            return NotImplemented
        same_value = self.value == other.value or (
            isinstance(self.value, float)
            and isinstance(other.value, float)
            and self.value != self.value
            and other.value != other.value
        )
        if isinstance(self.value, _dt.datetime) and isinstance(other.value, _dt.datetime):
            same_value = same_value and self.value.utcoffset() == other.value.utcoffset()
        return (
            self.key == other.key
            and self.type == other.type
            and same_value
            and self.items == other.items
            and self.meta == other.meta
        )

    def __hash__(self) -> int:
        return hash((self.key, self.type))


@attrs.frozen(eq=False)
class XesColumn:
    """One simple attribute key across the traces or the events.

    Attributes
    ----------
    type:
        The XES type (``string``, ``date``, ``int``, ``float``, ``boolean``, ``id``).
    present:
        Rows that have the attribute.
    values:
        Per row: object ``str`` (string, id; None where absent), int64 (0 where
        absent), float64 (NaN where absent), bool (False where absent) or, for
        dates, int64 ns since the epoch UTC (NaT bit pattern where absent).
    offsets:
        Dates only: the UTC offset of each value's text in minutes (int16).
    """

    type: str
    present: npt.NDArray[np.bool_] = attrs.field(converter=_ro)
    values: npt.NDArray[Any] = attrs.field(converter=_ro)
    offsets: npt.NDArray[np.int16] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_ro)
    )

    def __len__(self) -> int:
        return int(self.present.shape[0])

    def value(self, i: int) -> str | int | float | bool | _dt.datetime | None:
        """Row ``i`` as a Python value (None when absent; dates aware, in their offset).

        Examples
        --------
        >>> x = read_xes('<log><trace><string key="concept:name" value="a"/></trace></log>')
        >>> x.trace_columns["concept:name"].value(0)
        'a'
        """
        if not self.present[i]:
            return None
        v = self.values[i]
        if self.type == "date":
            assert self.offsets is not None
            tz = _dt.timezone(_dt.timedelta(minutes=int(self.offsets[i])))
            return (_EPOCH + _dt.timedelta(microseconds=int(v) // 1000)).astimezone(tz)
        out: str | int | float | bool | None = v.item() if isinstance(v, np.generic) else v
        return out

    def equals(self, other: XesColumn) -> bool:
        """Same type, same rows present, same values (and offsets) where present."""
        if self.type != other.type or not np.array_equal(self.present, other.present):
            return False
        p = self.present
        a, b = self.values[p], other.values[p]
        if self.type == "float":
            same = bool(np.array_equal(a, b, equal_nan=True))
        else:
            same = bool(np.array_equal(a, b))
        if self.type == "date":
            assert self.offsets is not None
            assert other.offsets is not None
            same = same and bool(np.array_equal(self.offsets[p], other.offsets[p]))
        return same

    def take(self, idx: npt.NDArray[np.int64]) -> XesColumn:
        """The rows ``idx``."""
        off = None if self.offsets is None else self.offsets[idx]
        return XesColumn(self.type, self.present[idx], self.values[idx], off)


def _freeze_columns(value: Mapping[str, XesColumn]) -> Mapping[str, XesColumn]:
    return freeze(dict(value))


def _freeze_globals(
    value: Mapping[str, Any],
) -> Mapping[str, tuple[XesAttribute, ...]]:
    return freeze({str(k): tuple(v) for k, v in value.items()})


def _freeze_nested(
    value: Mapping[tuple[str, int], Any],
) -> Mapping[tuple[str, int], tuple[XesAttribute, ...]]:
    return freeze({(str(k[0]), int(k[1])): tuple(v) for k, v in value.items()})


@attrs.frozen(eq=False)
class XesLog:
    """An XES log held columnar and losslessly (see :func:`read_xes`).

    Attributes
    ----------
    extensions:
        The declared extensions, in document order.
    classifiers:
        The declared classifiers.
    globals:
        ``{"trace" | "event": (XesAttribute, ...)}``: the global attributes (defaults).
    attributes:
        The log's own attributes.
    trace_columns, event_columns:
        ``{key: XesColumn}``: the simple attributes (without meta-attributes) of the
        traces and of the events. A column no row has is not written (and two logs
        differing only by such a column are equal).
    event_trace:
        The trace index of each event (non-decreasing: events in document order).
    n_traces:
        Number of traces (traces without events included).
    nested:
        ``{("trace" | "event", row): (XesAttribute, ...)}``: the lists, containers and
        attributes with meta-attributes of that trace or event.
    log_attrib:
        The XML attributes of the ``<log>`` element (``xes.version``, ``xes.features``...).
    """

    extensions: tuple[XesExtension, ...] = attrs.field(converter=_tuple)
    classifiers: tuple[XesClassifier, ...] = attrs.field(converter=_tuple)
    globals: Mapping[str, tuple[XesAttribute, ...]] = attrs.field(converter=_freeze_globals)
    attributes: tuple[XesAttribute, ...] = attrs.field(converter=_tuple)
    trace_columns: Mapping[str, XesColumn] = attrs.field(converter=_freeze_columns)
    event_columns: Mapping[str, XesColumn] = attrs.field(converter=_freeze_columns)
    event_trace: npt.NDArray[np.int64] = attrs.field(converter=_ro)
    n_traces: int
    nested: Mapping[tuple[str, int], tuple[XesAttribute, ...]] = attrs.field(
        converter=_freeze_nested
    )
    log_attrib: Mapping[str, str] = attrs.field(converter=freeze)

    def __attrs_post_init__(self) -> None:
        et = self.event_trace
        if et.shape[0] and (
            bool((np.diff(et) < 0).any()) or int(et[0]) < 0 or int(et[-1]) >= self.n_traces
        ):
            raise InvalidParameterError(
                "event_trace must be non-decreasing trace indices in 0 .. n_traces - 1"
            )
        for scope, cols, n in (
            ("trace", self.trace_columns, self.n_traces),
            ("event", self.event_columns, self.n_events),
        ):
            for key, col in cols.items():
                if len(col) != n:
                    raise InvalidParameterError(
                        f"{scope} column {key!r} has {len(col)} rows, expected {n}"
                    )

    @property
    def n_events(self) -> int:
        """Number of events.

        Examples
        --------
        >>> read_xes('<log><trace><event/><event/></trace><trace/></log>').n_events
        2
        """
        return int(self.event_trace.shape[0])

    @property
    def trace_starts(self) -> npt.NDArray[np.int64]:
        """Offsets of each trace's events (``n_traces + 1`` values).

        Examples
        --------
        >>> read_xes('<log><trace><event/><event/></trace><trace/></log>').trace_starts.tolist()
        [0, 2, 2]
        """
        counts = np.bincount(self.event_trace, minlength=self.n_traces)
        out = np.zeros(self.n_traces + 1, dtype=np.int64)
        np.cumsum(counts, out=out[1:])
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, XesLog):
            return NotImplemented

        def same_cols(a: Mapping[str, XesColumn], b: Mapping[str, XesColumn]) -> bool:
            # a key no row has is not in the document: equal to no column at all
            ka = {k for k, c in a.items() if c.present.any()}
            kb = {k for k, c in b.items() if c.present.any()}
            return ka == kb and all(a[k].equals(b[k]) for k in ka)

        return (
            self.extensions == other.extensions
            and self.classifiers == other.classifiers
            and dict(self.globals) == dict(other.globals)
            and self.attributes == other.attributes
            and self.n_traces == other.n_traces
            and np.array_equal(self.event_trace, other.event_trace)
            and same_cols(self.trace_columns, other.trace_columns)
            and same_cols(self.event_columns, other.event_columns)
            and dict(self.nested) == dict(other.nested)
            and dict(self.log_attrib) == dict(other.log_attrib)
        )

    __hash__ = None  # type: ignore[assignment]

    def _trace_label(self, t: int) -> object:
        col = self.trace_columns.get("concept:name")
        if col is not None and col.present[t]:
            return col.values[t]
        return f"trace {t}"

    # ------------------------------------------------------------------ conversions

    def to_event_log(
        self,
        *,
        case: str = "concept:name",
        activity: str = "concept:name",
        timestamp: str = "time:timestamp",
        offsets: bool = True,
        activity_map: Mapping[str, str] | None = None,
        on_invalid: Literal["raise", "drop"] = "raise",
    ) -> EventLog:
        """The columnar :class:`~kpicore.eventlog.EventLog` of this log.

        Parameters
        ----------
        case:
            Trace attribute holding the case id (default ``concept:name``).
        activity, timestamp:
            Event attributes of the activity and the timestamp.
        offsets:
            Add, for every date attribute with a non-zero offset somewhere, an
            int attribute ``<key>@offset`` (minutes) so that
            :meth:`from_event_log` writes the offsets back.
        activity_map:
            Source label -> canonical activity (see :class:`~kpicore.eventlog.EventLog`).
        on_invalid:
            ``"raise"``: a trace without a case id, two traces with one case
            id, a trace without events, a nested attribute (list, container or
            meta-attributes, which an EventLog cannot hold) or an event without
            activity or timestamp raises
            :class:`~kpicore.errors.InvalidRecordError` naming it. ``"drop"``:
            such events are left out and counted in the log's
            :attr:`~kpicore.eventlog.EventLog.dropped` (empty traces have no
            case; nested attributes are not carried: see :attr:`nested`).

        Returns
        -------
        EventLog
            Trace attributes become case attributes, the other event
            attributes event attributes (``string``/``id`` as categories,
            ``date`` as UTC datetimes; an ``int`` or ``boolean`` key missing on
            some events becomes float with NaN, as every EventLog column).

        Examples
        --------
        >>> x = read_xes('''<log><trace><string key="concept:name" value="F-1"/>
        ...   <string key="segment" value="SMB"/>
        ...   <event><string key="concept:name" value="Invoice Generated"/>
        ...          <date key="time:timestamp" value="2024-01-01T00:00:00+01:00"/></event>
        ... </trace></log>''')
        >>> log = x.to_event_log()
        >>> log.case_attribute("segment").tolist(), log.event_attribute("time:timestamp@offset").tolist()
        (['SMB'], [60])
        """  # noqa: E501
        from kpicore.eventlog import EventLog

        if on_invalid not in ("raise", "drop"):
            raise InvalidParameterError(
                f"on_invalid must be 'raise' or 'drop', got {on_invalid!r}"
            )
        strict = on_invalid == "raise"
        cid = self.trace_columns.get(case)
        if cid is None:
            if strict and self.n_traces:
                raise InvalidRecordError(
                    record="trace 0", row=0, field=case, value=None,
                    expected="a case id on every trace",
                )  # fmt: skip
            cid = XesColumn("string", np.zeros(self.n_traces, bool), _obj_none(self.n_traces))
        if strict:
            missing = np.flatnonzero(~cid.present)
            if missing.shape[0]:
                t = int(missing[0])
                raise InvalidRecordError(
                    record=f"trace {t}", row=t, field=case, value=None,
                    expected="a case id on every trace",
                )  # fmt: skip
            counts = np.diff(self.trace_starts)
            empty = np.flatnonzero(counts == 0)
            if empty.shape[0]:
                t = int(empty[0])
                raise InvalidRecordError(
                    record=self._trace_label(t), row=t, field="event", value=0,
                    expected="at least one event in the trace (on_invalid='drop' leaves it out)",
                )  # fmt: skip
            if self.nested:
                (scope, row), attrs_ = next(iter(self.nested.items()))
                raise InvalidRecordError(
                    record=self._trace_label(
                        row if scope == "trace" else int(self.event_trace[row])
                    ),
                    row=row,
                    field=attrs_[0].key,
                    value=attrs_[0].type,
                    expected=(
                        "simple attributes (an EventLog holds no list, container or "
                        "meta-attribute; on_invalid='drop' leaves them out)"
                    ),
                )
        ids = cid.values if cid.type in ("string", "id") else cid.values.astype(str).astype(object)
        present_ids = ids[cid.present]
        if present_ids.shape[0] != np.unique(present_ids.astype(str)).shape[0]:
            labels = present_ids.astype(str)
            order = np.argsort(labels, kind="stable")
            dup = order[1:][labels[order][1:] == labels[order][:-1]][0]
            t = int(np.flatnonzero(cid.present)[dup])
            raise InvalidRecordError(
                record=ids[t], row=t, field=case, value=ids[t],
                expected="a case id no other trace has (the traces would merge)",
            )  # fmt: skip
        et = self.event_trace
        case_col = _where_none(cid.present, ids)[et] if et.shape[0] else _obj_none(0)
        cols: dict[str, Any] = {"case:concept:name": case_col}
        act = self.event_columns.get(activity)
        ts = self.event_columns.get(timestamp)
        n = self.n_events
        cols["concept:name"] = (
            _decoded(act) if act is not None and act.type in ("string", "id") else _obj_none(n)
        )
        if ts is None or ts.type != "date":
            if strict and n:
                raise InvalidRecordError(
                    record=self._trace_label(int(et[0])), row=0, field=timestamp,
                    value=None if ts is None else ts.type, expected="a date attribute",
                )  # fmt: skip
            cols["time:timestamp"] = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        else:
            cols["time:timestamp"] = _decoded(ts)
        attributes: dict[str, Any] = {}
        for key, col in self.event_columns.items():
            if key in (activity, timestamp):
                if key == timestamp and offsets and col.type == "date":
                    _add_offsets(attributes, key, col)
                continue
            attributes[key] = _decoded(col)
            if offsets and col.type == "date":
                _add_offsets(attributes, key, col)
        case_attrs: dict[str, Any] = {}
        for key, col in self.trace_columns.items():
            if key == case:
                continue
            case_attrs[key] = _decoded(col)[et] if n else _decoded(col)[:0]
        return EventLog.from_columns(
            cols,
            attributes=attributes,
            case_attributes=case_attrs,
            resource=None,
            activity_map=activity_map,
            on_invalid=on_invalid,
        )

    @classmethod
    def from_event_log(cls, log: EventLog) -> XesLog:
        """The XES log of an :class:`~kpicore.eventlog.EventLog`: one trace per case.

        Traces in :attr:`~kpicore.eventlog.EventLog.case_ids` order
        (``concept:name`` = the case id as text), events in log order. Case
        attributes become trace attributes, event attributes event
        attributes: category -> ``string``, int -> ``int``, float ->
        ``float`` (NaN = absent), bool -> ``boolean``, datetime and date ->
        ``date`` (a date at 00:00 UTC); an ``<key>@offset`` attribute gives
        the offset ``<key>`` is written in. The standard extensions of the
        prefixes used are declared.

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["F-1"], activity=["Invoice Generated"],
        ...     timestamp=["2024-01-01T00:00:00Z"])
        >>> x = XesLog.from_event_log(log)
        >>> [e.prefix for e in x.extensions], x.to_event_log() == log
        (['concept', 'time'], True)
        """
        n, n_cases = log.n_events, log.n_cases
        names = np.array([str(c) for c in log.case_ids.tolist()], dtype=object)
        trace_cols: dict[str, XesColumn] = {
            "concept:name": XesColumn("string", np.ones(n_cases, bool), names)
        }
        for key in log.case_attribute_names:
            trace_cols[key] = _from_kind(log.case_attribute_kind(key), log.case_attribute(key))
        ev: dict[str, XesColumn] = {
            "concept:name": XesColumn(
                "string", np.ones(n, bool), np.asarray(log.activities, dtype=object)[
                    log.activity_codes] if n else _obj_none(0)
            ),
        }  # fmt: skip
        ts_off = _offset_attr(log, "time:timestamp")
        ev["time:timestamp"] = XesColumn(
            "date", np.ones(n, bool), np.asarray(log.timestamps, dtype=np.int64), ts_off
        )
        for key in log.attribute_names:
            if key.endswith(OFFSET_SUFFIX):
                continue
            col = _from_kind(log.event_attribute_kind(key), log.event_attribute(key))
            if col.type == "date":
                col = XesColumn("date", col.present, col.values, _offset_attr(log, key))
            ev[key] = col
        prefixes = {k.split(":", 1)[0] for k in (*trace_cols, *ev) if ":" in k}
        exts = tuple(STANDARD_EXTENSIONS[p] for p in STANDARD_EXTENSIONS if p in prefixes)
        return cls(
            extensions=exts,
            classifiers=(),
            globals={},
            attributes=(),
            trace_columns=trace_cols,
            event_columns=ev,
            event_trace=np.asarray(log.case_codes, dtype=np.int64),
            n_traces=n_cases,
            nested={},
            log_attrib={"xes.version": "1849-2016"},
        )


def _obj_none(n: int) -> npt.NDArray[np.object_]:
    return np.full(n, None, dtype=object)


def _where_none(mask: npt.NDArray[np.bool_], values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    out = _obj_none(mask.shape[0])
    out[mask] = values[mask]
    return out


def _decoded(col: XesColumn) -> npt.NDArray[Any]:
    """The column as EventLog input (None / NaN / NaT where absent)."""
    p = col.present
    if col.type in ("string", "id"):
        return _where_none(p, col.values)
    if col.type == "date":
        return np.where(p, col.values, _NAT).view("datetime64[ns]")
    if col.type == "float":
        return np.where(p, col.values, np.nan)
    if p.all():
        return col.values.copy()
    return np.where(p, col.values.astype(np.float64), np.nan)


def _add_offsets(out: dict[str, Any], key: str, col: XesColumn) -> None:
    assert col.offsets is not None
    if bool((col.offsets[col.present] != 0).any()):
        off = col.offsets.astype(np.int64)
        out[key + OFFSET_SUFFIX] = off if col.present.all() else np.where(col.present, off, np.nan)


def _from_kind(kind: str, values: npt.NDArray[Any]) -> XesColumn:
    n = values.shape[0]
    if kind == "category":
        present = np.array([v is not None for v in values.tolist()], dtype=bool)
        return XesColumn("string", present, values.astype(object))
    if kind == "float":
        return XesColumn("float", ~np.isnan(values), values.astype(np.float64))
    if kind == "int":
        return XesColumn("int", np.ones(n, bool), values.astype(np.int64))
    if kind == "bool":
        return XesColumn("boolean", np.ones(n, bool), values.astype(bool))
    if kind == "date":
        ns = values.astype("datetime64[ns]").view(np.int64)
    else:
        ns = values.view(np.int64)
    present = ns != _NAT
    return XesColumn("date", present, ns.copy(), np.zeros(n, dtype=np.int16))


def _offset_attr(log: EventLog, key: str) -> npt.NDArray[np.int16]:
    name = key + OFFSET_SUFFIX
    if name not in log.attribute_names:
        return np.zeros(log.n_events, dtype=np.int16)
    raw = np.asarray(log.event_attribute(name), dtype=np.float64)
    return np.where(np.isnan(raw), 0, raw).astype(np.int16)


# ------------------------------------------------------------------ reading


#: Texts of a key converted to typed arrays every this many values (bounded text memory).
_FLUSH = 1 << 16
#: Most distinct strings of a key shared as one object each (activity names, resources).
_POOL = 1 << 16


class _Builder:
    """One simple attribute key: its type, and the rows that have it with their values.

    Texts are converted to typed arrays every :data:`_FLUSH` values, so the texts
    held at any time are bounded; repeated strings share one object.
    """

    __slots__ = ("done_off", "done_rows", "done_vals", "pool", "raw", "rows", "type")

    def __init__(self, type_: str) -> None:
        self.type = type_
        self.rows: list[int] = []
        self.raw: list[str] = []
        self.pool: dict[str, str] = {}
        self.done_rows: list[npt.NDArray[np.int64]] = []
        self.done_vals: list[npt.NDArray[Any]] = []
        self.done_off: list[npt.NDArray[np.int16]] = []

    def add(self, row: int, text: str) -> None:
        self.rows.append(row)
        if self.type in ("string", "id"):
            pool = self.pool
            shared = pool.get(text)
            if shared is None:
                if len(pool) < _POOL:
                    pool[text] = text
                shared = text
            self.raw.append(shared)
        else:
            self.raw.append(text)

    def flush(self, key: str, rec: _pmio.Record, tz: _dt.tzinfo | None) -> None:
        """Convert the texts held so far (``rec(i)`` names the ``i``-th of them)."""
        if not self.rows:
            return
        raw = self.raw
        t = self.type
        vals: npt.NDArray[Any]
        if t in ("string", "id"):
            vals = np.empty(len(raw), dtype=object)
            vals[:] = raw
        elif t == "int":
            vals = _pmio.parse_ints(raw, field=key, record=rec)
        elif t == "float":
            vals = _pmio.parse_floats(raw, field=key, record=rec)
        elif t == "boolean":
            vals = _pmio.parse_bool(raw, field=key, record=rec)
        else:
            vals, off = _pmio.parse_instants(raw, field=key, record=rec, tz=tz)
            self.done_off.append(off)
        self.done_vals.append(vals)
        self.done_rows.append(np.array(self.rows, dtype=np.int64))
        self.rows = []
        self.raw = []


class _Frame:
    """An attribute element being read."""

    __slots__ = ("in_values", "items", "key", "meta", "type", "value")

    def __init__(self, type_: str, key: str, value: str | None) -> None:
        self.type = type_
        self.key = key
        self.value = value
        self.items: list[XesAttribute] = []
        self.meta: list[XesAttribute] = []
        self.in_values = False


def _object_value(
    type_: str, raw: str | None, *, key: str, where: object, tz: _dt.tzinfo | None
) -> str | int | float | bool | _dt.datetime | None:
    def rec(_: int) -> tuple[object, int | None]:
        return where, None

    if type_ in ("list", "container"):
        return None
    if raw is None:
        raise InvalidRecordError(record=where, field=key, value=None, expected="a value= text")
    if type_ in ("string", "id"):
        return raw
    if type_ == "int":
        return int(_pmio.parse_ints([raw], field=key, record=rec)[0])
    if type_ == "float":
        return float(_pmio.parse_floats([raw], field=key, record=rec)[0])
    if type_ == "boolean":
        return bool(_pmio.parse_bool([raw], field=key, record=rec)[0])
    ns, off = _pmio.parse_instants([raw], field=key, record=rec, tz=tz)
    zone = _dt.timezone(_dt.timedelta(minutes=int(off[0])))
    return (_EPOCH + _dt.timedelta(microseconds=int(ns[0]) // 1000)).astimezone(zone)


class _Target:
    """The parser target: expat calls :meth:`start` and :meth:`end` per element.

    No element tree is built: each attribute's text goes straight to the
    builder of its key, so memory holds the columns only.
    """

    def __init__(self, tz: _dt.tzinfo | None) -> None:
        self.tz = tz
        self.tags: list[str] = []
        self.frames: list[_Frame] = []
        self.extensions: list[XesExtension] = []
        self.classifiers: list[XesClassifier] = []
        self.globals: dict[str, list[XesAttribute]] = {}
        self.log_attrs: list[XesAttribute] = []
        self.log_attrib: dict[str, str] = {}
        self.tcols: dict[str, _Builder] = {}
        self.ecols: dict[str, _Builder] = {}
        self.nested: dict[tuple[str, int], list[XesAttribute]] = {}
        self.event_trace: list[int] = []
        self.n_traces = 0
        self.n_events = 0
        self.seen: dict[str, None] = {}  # keys of the current trace or event
        self.trace_seen: dict[str, None] = {}
        self.scope: str | None = None
        self.started = False
        self.in_event = False
        self.in_trace = False
        self.trace_names: dict[int, str] = {}

    def where(self) -> object:
        if not self.in_trace:
            return "log"
        t = self.n_traces - 1
        return self.trace_names.get(t, f"trace {t}")

    def record_of(self, in_event: bool, rows: list[int]) -> _pmio.Record:
        """Names the ``i``-th of ``rows`` (events: its trace and row; traces: the trace)."""
        rows = list(rows)

        def rec(i: int) -> tuple[object, int | None]:
            r = rows[i]
            if in_event:
                t = self.event_trace[r] if r < len(self.event_trace) else self.n_traces - 1
                return self.trace_names.get(t, f"trace {t}"), r
            return self.trace_names.get(r, f"trace {r}"), None

        return rec

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if tag[:1] == "{":
            tag = tag.rsplit("}", 1)[-1]
        tags = self.tags
        if tag in _TYPES:
            key = attrib.get("key")
            if key is None:
                raise InvalidRecordError(
                    record=self.where(), row=self.n_events if self.in_event else None,
                    field=tag, value=None, expected="a key= on every attribute",
                )  # fmt: skip
            self.frames.append(_Frame(tag, key, attrib.get("value")))
        elif not self.started:
            self.started = True
            if tag != "log":
                raise InvalidRecordError(
                    field="element", value=tag, expected="an XES document (root <log>)"
                )
            self.log_attrib.update(attrib)
        elif tag == "event":
            if not tags or tags[-1] != "trace":
                raise InvalidRecordError(
                    record=self.where(), row=self.n_events, field="event", value="/".join(tags),
                    expected="an <event> inside a <trace>",
                )  # fmt: skip
            self.trace_seen = self.seen
            self.seen = {}
            self.in_event = True
        elif tag == "trace":
            if tags != ["log"]:
                raise InvalidRecordError(
                    record=f"trace {self.n_traces}", field="trace", value="/".join(tags),
                    expected="a <trace> directly inside <log>",
                )  # fmt: skip
            self.n_traces += 1
            self.seen = {}
            self.in_trace = True
        elif tag == "values":
            if not self.frames or self.frames[-1].type != "list":
                raise InvalidRecordError(
                    record=self.where(), field="values", value=None,
                    expected="<values> only inside a <list>",
                )  # fmt: skip
            self.frames[-1].in_values = True
        elif tags and tags[-1] in _TYPES:
            raise InvalidRecordError(
                record=self.where(), field=tags[-1], value=tag,
                expected="only attributes inside an attribute",
            )  # fmt: skip
        elif tags == ["log"]:
            if tag == "extension":
                self.extensions.append(
                    XesExtension(
                        attrib.get("name", ""), attrib.get("prefix", ""), attrib.get("uri", "")
                    )
                )
            elif tag == "classifier":
                self.classifiers.append(
                    XesClassifier(
                        attrib.get("name", ""), attrib.get("keys", ""), attrib.get("scope")
                    )
                )
            elif tag == "global":
                self.scope = attrib.get("scope", "event")
                self.globals.setdefault(self.scope, [])
        tags.append(tag)

    def end(self, tag: str) -> None:
        tags = self.tags
        tag = tags.pop()
        if tag in _TYPES:
            fr = self.frames.pop()
            if self.frames:
                top = self.frames[-1]
                obj = _build(fr, self.where(), self.tz)
                if top.type == "container" or (top.type == "list" and top.in_values):
                    top.items.append(obj)
                else:
                    top.meta.append(obj)
                return
            parent = tags[-1] if tags else ""
            if parent == "event" or parent == "trace":
                in_event = parent == "event"
                row = self.n_events if in_event else self.n_traces - 1
                seen = self.seen
                if fr.key in seen:
                    raise InvalidRecordError(
                        record=self.where(), row=row if in_event else None, field=fr.key,
                        value=fr.value, expected="each key once per element",
                    )  # fmt: skip
                seen[fr.key] = None
                if fr.type in _SIMPLE and not fr.meta:
                    cols = self.ecols if in_event else self.tcols
                    b = cols.get(fr.key)
                    if b is None:
                        b = cols[fr.key] = _Builder(fr.type)
                    elif b.type != fr.type:
                        raise InvalidRecordError(
                            record=self.where(), row=row if in_event else None, field=fr.key,
                            value=f"{fr.type} {fr.value!r}",
                            expected=f"one type per key (earlier values are {b.type})",
                        )  # fmt: skip
                    if fr.value is None:
                        raise InvalidRecordError(
                            record=self.where(), row=row if in_event else None, field=fr.key,
                            value=None, expected="a value= text",
                        )  # fmt: skip
                    b.add(row, fr.value)
                    if len(b.rows) >= _FLUSH:
                        b.flush(fr.key, self.record_of(in_event, b.rows), self.tz)
                    if not in_event and fr.key == "concept:name":
                        self.trace_names[row] = fr.value
                else:
                    nkey = ("event" if in_event else "trace", row)
                    self.nested.setdefault(nkey, []).append(_build(fr, self.where(), self.tz))
            elif parent == "global" and self.scope is not None:
                self.globals[self.scope].append(_build(fr, "global", self.tz))
            elif parent == "log":
                self.log_attrs.append(_build(fr, "log", self.tz))
        elif tag == "event":
            self.event_trace.append(self.n_traces - 1)
            self.n_events += 1
            self.seen = self.trace_seen
            self.in_event = False
        elif tag == "trace":
            self.in_trace = False
        elif tag == "values":
            self.frames[-1].in_values = False
        elif tag == "global":
            self.scope = None

    def data(self, text: str) -> None:
        """Character data (XES keeps every value in ``value=``): ignored."""

    def close(self) -> None:
        """End of the document."""


def read_xes(source: Any, *, tz: _dt.tzinfo | None = None) -> XesLog:
    """Read an XES document (IEEE 1849-2016) that the caller holds, streaming.

    Parameters
    ----------
    source:
        The document as ``str`` (its text, never a path), ``bytes``, or a file
        object the caller opened (text or binary). Gzip-compressed bytes or
        binary files (``.xes.gz``) are decompressed as they stream.
    tz:
        Zone of date values written without an offset; without it they raise
        :class:`~kpicore.errors.NaiveDatetimeError`.

    Returns
    -------
    XesLog

    Raises
    ------
    InvalidParameterError
        For a ``str`` that is not an XML document, or a source of another kind.
    InvalidRecordError
        For malformed XML (naming the line and column), an attribute whose text
        does not parse as its type, an unknown attribute type, a key twice on one
        element, a key with two types, or an event outside a trace; the error
        names the trace (its ``concept:name``, or ``trace <index>``), the row
        (event index in the document), the key and the text.

    Notes
    -----
    The document is fed to an :class:`xml.etree.ElementTree.XMLParser` one
    1 MiB chunk at a time, with a target whose ``start``/``end`` methods
    expat calls per element: no element tree is built at all, so memory holds
    the columns (the texts of each key, then their typed arrays), never the
    document or a tree of it.
    The texts of a key are converted in one vectorised call per key (dates by
    numpy's ISO parser, with the offset of each text kept). Attribute order
    within an element is not kept (XES attributes are keyed, not ordered).

    Examples
    --------
    >>> x = read_xes(b'<log><trace><event><int key="n" value="3"/></event></trace></log>')
    >>> x.event_columns["n"].values.tolist(), x.event_trace.tolist()
    ([3], [0])
    """
    target = _Target(tz)
    parser = ET.XMLParser(target=target)
    for chunk in _pmio.iter_text(source, what="read_xes", first="<"):
        try:
            parser.feed(chunk)
        except ET.ParseError as err:
            raise InvalidRecordError(
                field="XML", value=str(err), expected="a well-formed XES document"
            ) from None
    try:
        parser.close()
    except ET.ParseError as err:
        raise InvalidRecordError(
            field="XML", value=str(err), expected="a well-formed XES document"
        ) from None
    if not target.started:
        raise InvalidRecordError(field="XML", value="", expected="an XES document (root <log>)")
    tcols, ecols = target.tcols, target.ecols
    extensions, classifiers = target.extensions, target.classifiers
    globals_, log_attrs, log_attrib = target.globals, target.log_attrs, target.log_attrib
    nested, n_traces, n_events = target.nested, target.n_traces, target.n_events
    et = np.array(target.event_trace, dtype=np.int64)

    def finish(cols: dict[str, _Builder], n: int, scope_: str) -> dict[str, XesColumn]:
        out: dict[str, XesColumn] = {}
        for key in list(cols):
            b = cols.pop(key)
            b.flush(key, target.record_of(scope_ == "event", b.rows), tz)
            out[key] = _column(b, n)
        return out

    return XesLog(
        extensions=extensions,
        classifiers=classifiers,
        globals=globals_,
        attributes=log_attrs,
        trace_columns=finish(tcols, n_traces, "trace"),
        event_columns=finish(ecols, n_events, "event"),
        event_trace=et,
        n_traces=n_traces,
        nested=nested,
        log_attrib=log_attrib,
    )


def _build(fr: _Frame, where: object, tz: _dt.tzinfo | None) -> XesAttribute:
    value = _object_value(fr.type, fr.value, key=fr.key, where=where, tz=tz)
    return XesAttribute(fr.key, fr.type, value, fr.items, fr.meta)


def _column(b: _Builder, n: int) -> XesColumn:
    rows = np.concatenate(b.done_rows) if b.done_rows else np.zeros(0, dtype=np.int64)
    present = np.zeros(n, dtype=bool)
    present[rows] = True
    offsets: npt.NDArray[np.int16] | None = None
    values: npt.NDArray[Any]
    parts = b.done_vals
    if b.type in ("string", "id"):
        values = np.full(n, None, dtype=object)
    elif b.type == "int":
        values = np.zeros(n, dtype=np.int64)
    elif b.type == "float":
        values = np.full(n, np.nan)
    elif b.type == "boolean":
        values = np.zeros(n, dtype=bool)
    else:
        values = np.full(n, _NAT, dtype=np.int64)
        offsets = np.zeros(n, dtype=np.int16)
        if b.done_off:
            offsets[rows] = np.concatenate(b.done_off)
    if parts:
        values[rows] = np.concatenate(parts)
    return XesColumn(b.type, present, values, offsets)


# ------------------------------------------------------------------ writing


def _q(value: str) -> str:
    return '"' + _pmio.xml_attr(value) + '"'


def _texts(col: XesColumn, key: str, record: _pmio.Record) -> list[str]:
    """The value text of every row (``""`` where absent; only present rows are used)."""
    p = col.present
    idx = np.flatnonzero(p)
    out = [""] * len(col)
    if col.type in ("string", "id"):
        vals = col.values[idx].tolist()
        for i, v in zip(idx.tolist(), vals, strict=True):
            if not isinstance(v, str):
                raise InvalidRecordError(
                    record=record(i)[0], row=record(i)[1], field=key, value=v, expected="a str"
                )
            _pmio.xml_text_ok(v, record=record(i)[0], row=record(i)[1], field=key)
            out[i] = _pmio.xml_attr(v)
        return out
    if col.type == "int":
        texts = [str(v) for v in col.values[idx].tolist()]
    elif col.type == "float":
        texts = [_pmio.format_float(v) for v in col.values[idx].tolist()]
    elif col.type == "boolean":
        texts = ["true" if v else "false" for v in col.values[idx].tolist()]
    else:
        off = None if col.offsets is None else col.offsets[idx]
        texts = _pmio.format_instants(col.values[idx], off)
    for i, t in zip(idx.tolist(), texts, strict=True):
        out[i] = t
    return out


def _attr_xml(a: XesAttribute, indent: str) -> str:
    _pmio.xml_text_ok(a.key, record=None, row=None, field="key")
    head = f"{indent}<{a.type} key={_q(a.key)}"
    v = a.value
    if a.type in ("list", "container"):
        body = ""
    elif isinstance(v, bool):
        body = f' value="{"true" if v else "false"}"'
    elif isinstance(v, _dt.datetime):
        off = v.utcoffset() or _dt.timedelta(0)
        ns = ((v - _EPOCH) // _dt.timedelta(microseconds=1)) * 1000
        text = _pmio.format_instants(
            np.array([ns], dtype=np.int64), np.array([int(off.total_seconds() // 60)])
        )[0]
        body = f' value="{text}"'
    elif isinstance(v, float):
        body = f' value="{_pmio.format_float(v)}"'
    elif isinstance(v, int):
        body = f' value="{v}"'
    else:
        assert isinstance(v, str)
        _pmio.xml_text_ok(v, record=None, row=None, field=a.key)
        body = f" value={_q(v)}"
    if not a.items and not a.meta:
        return f"{head}{body}/>\n"
    inner = indent + "\t"
    parts = [f"{head}{body}>\n"]
    parts.extend(_attr_xml(m, inner) for m in a.meta)
    if a.type == "list":
        parts.append(f"{inner}<values>\n")
        parts.extend(_attr_xml(m, inner + "\t") for m in a.items)
        parts.append(f"{inner}</values>\n")
    else:
        parts.extend(_attr_xml(m, inner) for m in a.items)
    parts.append(f"{indent}</{a.type}>\n")
    return "".join(parts)


def _row_xml(
    cols: Mapping[str, XesColumn], n: int, indent: str, record: _pmio.Record
) -> list[str]:
    """Per row, the XML of its simple attributes (one string per row)."""
    per_col = []
    for key, col in cols.items():
        _pmio.xml_text_ok(key, record=None, row=None, field="key")
        head = f"{indent}<{col.type} key={_q(key)} value="
        texts = _texts(col, key, record)
        per_col.append(
            [
                f'{head}"{t}"/>\n' if p else ""
                for t, p in zip(texts, col.present.tolist(), strict=True)
            ]
        )
    if not per_col:
        return [""] * n
    return ["".join(parts) for parts in zip(*per_col, strict=True)]


def _chunks(x: XesLog) -> Iterator[str]:
    attrib = dict(x.log_attrib) or {"xes.version": "1849-2016"}
    head = " ".join(f"{k}={_q(v)}" for k, v in attrib.items())
    yield f'<?xml version="1.0" encoding="UTF-8"?>\n<log {head}>\n'
    for e in x.extensions:
        yield f"\t<extension name={_q(e.name)} prefix={_q(e.prefix)} uri={_q(e.uri)}/>\n"
    for scope, attrs_ in x.globals.items():
        yield f"\t<global scope={_q(scope)}>\n"
        for a in attrs_:
            yield _attr_xml(a, "\t\t")
        yield "\t</global>\n"
    for c in x.classifiers:
        sc = "" if c.scope is None else f" scope={_q(c.scope)}"
        yield f"\t<classifier name={_q(c.name)}{sc} keys={_q(c.keys)}/>\n"
    for a in x.attributes:
        yield _attr_xml(a, "\t")

    def trace_rec(t: int) -> tuple[object, int | None]:
        return x._trace_label(t), None

    et = x.event_trace

    def event_rec(j: int) -> tuple[object, int | None]:
        return x._trace_label(int(et[j])), j

    tx = _row_xml(x.trace_columns, x.n_traces, "\t\t", trace_rec)
    ex = _row_xml(x.event_columns, x.n_events, "\t\t\t", event_rec)
    starts = x.trace_starts.tolist()
    nested = x.nested
    for t in range(x.n_traces):  # one chunk per trace: the document is written as it goes
        parts = ["\t<trace>\n", tx[t]]
        parts.extend(_attr_xml(a, "\t\t") for a in nested.get(("trace", t), ()))
        for j in range(starts[t], starts[t + 1]):
            parts.append("\t\t<event>\n")
            parts.append(ex[j])
            parts.extend(_attr_xml(a, "\t\t\t") for a in nested.get(("event", j), ()))
            parts.append("\t\t</event>\n")
        parts.append("\t</trace>\n")
        yield "".join(parts)
    yield "</log>\n"


def write_xes(log: XesLog | EventLog, target: Any = None) -> str | None:
    """Write an XES document (IEEE 1849-2016).

    Parameters
    ----------
    log:
        An :class:`XesLog` (written losslessly) or an
        :class:`~kpicore.eventlog.EventLog` (through :meth:`XesLog.from_event_log`).
    target:
        ``None`` to return the document as a ``str``, or a file object the
        caller opened (text, or binary: UTF-8 bytes), written 1 MiB at a time.

    Returns
    -------
    str or None
        The document when ``target`` is None.

    Raises
    ------
    InvalidRecordError
        For a text XML 1.0 cannot hold (a control character), naming the trace,
        row and key.

    Notes
    -----
    Dates are written in their own offset (``+HH:MM``) with milliseconds and
    any finer digits they have; floats as the shortest text that reads back
    to the same double (``INF``, ``-INF``, ``NaN`` as xs:double); tabs and line
    breaks in values as character references, so that they survive XML's
    attribute-value normalisation. ``read_xes(write_xes(x)) == x``.

    Examples
    --------
    >>> import io
    >>> from kpicore.eventlog import EventLog
    >>> log = EventLog.from_columns(case=["F-1"], activity=["Invoice Generated"],
    ...     timestamp=["2024-01-01T12:00:00Z"])
    >>> buf = io.BytesIO()
    >>> write_xes(log, buf)
    >>> read_xes(buf.getvalue()).to_event_log() == log
    True
    """
    from kpicore.eventlog import EventLog

    if isinstance(log, EventLog):
        log = XesLog.from_event_log(log)
    if not isinstance(log, XesLog):
        raise InvalidParameterError(
            f"write_xes takes an XesLog or an EventLog, got {type(log).__name__}"
        )
    return _pmio.write_chunks(_chunks(log), target)
