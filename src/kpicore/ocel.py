"""OCEL 2.0 object-centric event logs in and out, flattening, and invoice-to-cash allocation.

The Object-Centric Event Log 2.0 standard (https://www.ocel-standard.org/,
*OCEL 2.0 Specification*, Berti et al., 2023) has three exchange formats, all
read and written here without opening any path:

* JSON: :func:`read_ocel_json` / :func:`write_ocel_json` (a ``str``, ``bytes``
  or a file object the caller opened; a ``str`` or a file object out);
* XML: :func:`read_ocel_xml` / :func:`write_ocel_xml` (the same sources and
  targets; read with a streaming :class:`xml.etree.ElementTree.XMLPullParser`,
  each object and event cleared once read);
* SQLite: :func:`read_ocel_sqlite` / :func:`write_ocel_sqlite` through a
  :class:`sqlite3.Connection` the caller opened (the relational schema of the
  specification: ``event``, ``object``, ``event_object``, ``object_object``,
  the ``*_map_type`` tables and one ``event_<Type>`` / ``object_<Type>`` table
  per type).

Each gives an :class:`Ocel`; writing it in any format and reading it back gives
an equal :class:`Ocel` (instants keep their offset and their nanoseconds).

:meth:`Ocel.flatten` is the standard flattening onto one object type (one case
per object, one event per event-object relation). :meth:`Ocel.to_invoice_log`
is object-centric invoice-to-cash: a payment related to several invoices is
allocated among them (oldest due date first, each up to its open amount), a
payment smaller than the open amount is a partial payment, and the per-invoice
log that results feeds :func:`~kpicore.kpis.dso.invoice_dso`,
:func:`~kpicore.kpis.overdue.days_late`,
:func:`~kpicore.kpis.collections.cash_application_lag` and every other KPI.

Examples
--------
>>> doc = '''{"objectTypes": [{"name": "invoice", "attributes": [
...     {"name": "amount", "type": "float"}, {"name": "currency", "type": "string"},
...     {"name": "due_date", "type": "time"}]}],
...  "eventTypes": [{"name": "Invoice Generated", "attributes": []},
...     {"name": "Payment Received", "attributes": [{"name": "amount", "type": "float"}]}],
...  "objects": [
...    {"id": "F-1", "type": "invoice", "attributes": [
...       {"name": "amount", "time": "1970-01-01T00:00:00Z", "value": 100.0},
...       {"name": "currency", "time": "1970-01-01T00:00:00Z", "value": "BRL"},
...       {"name": "due_date", "time": "1970-01-01T00:00:00Z", "value": "2024-01-31T00:00:00Z"}]},
...    {"id": "F-2", "type": "invoice", "attributes": [
...       {"name": "amount", "time": "1970-01-01T00:00:00Z", "value": 50.0},
...       {"name": "currency", "time": "1970-01-01T00:00:00Z", "value": "BRL"},
...       {"name": "due_date", "time": "1970-01-01T00:00:00Z", "value": "2024-02-04T00:00:00Z"}]}],
...  "events": [
...    {"id": "e1", "type": "Invoice Generated", "time": "2024-01-01T00:00:00Z",
...     "relationships": [{"objectId": "F-1", "qualifier": "issued"}]},
...    {"id": "e2", "type": "Invoice Generated", "time": "2024-01-05T00:00:00Z",
...     "relationships": [{"objectId": "F-2", "qualifier": "issued"}]},
...    {"id": "e3", "type": "Payment Received", "time": "2024-01-20T00:00:00Z",
...     "attributes": [{"name": "amount", "value": 120.0}],
...     "relationships": [{"objectId": "F-1", "qualifier": "pays"},
...                       {"objectId": "F-2", "qualifier": "pays"}]}]}'''
>>> oc = read_ocel_json(doc)
>>> cash = oc.to_invoice_log()
>>> cash.allocations()
[('e3', 'F-1', 10000), ('e3', 'F-2', 2000)]
>>> from kpicore.kpis.dso import invoice_dso
>>> invoice_dso(cash.log).to_mapping()
{'F-1': 19.0, 'F-2': 15.0}
>>> read_ocel_json(write_ocel_json(oc)) == oc
True
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

import attrs
import numpy as np
import numpy.typing as npt

from kpicore import _pmio
from kpicore.errors import (
    CurrencyMismatchError,
    InvalidParameterError,
    InvalidRecordError,
    MissingDataError,
)
from kpicore.money import Money
from kpicore.results import Result, fields_to_dict, freeze
from kpicore.results import read_only as _ro

if TYPE_CHECKING:
    from kpicore.eventlog import EventLog

__all__ = [
    "OCEL_TYPES",
    "Instant",
    "InvoiceCashLog",
    "Ocel",
    "OcelEvent",
    "OcelObject",
    "read_ocel_json",
    "read_ocel_sqlite",
    "read_ocel_xml",
    "write_ocel_json",
    "write_ocel_sqlite",
    "write_ocel_xml",
]

#: The OCEL 2.0 attribute types.
OCEL_TYPES = ("string", "time", "integer", "float", "boolean")
_NS_PER_MIN = 60_000_000_000
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)


@attrs.frozen(order=True)
class Instant:
    """An instant: ns since the epoch (UTC) and the UTC offset (minutes) it was written in.

    Examples
    --------
    >>> t = Instant.parse("2024-03-01T09:00:00.5-03:00")
    >>> t.ns, t.offset, t.isoformat()
    (1709294400500000000, -180, '2024-03-01T09:00:00.500-03:00')
    >>> t.to_datetime().isoformat()
    '2024-03-01T09:00:00.500000-03:00'
    """

    ns: int
    offset: int = 0

    @classmethod
    def parse(
        cls, text: str, *, tz: _dt.tzinfo | None = None, record: object = None, field: str = "time"
    ) -> Instant:
        """An ISO-8601 text (``Z`` or ``+HH:MM``; naive ones need ``tz``)."""
        if not isinstance(text, str):
            raise InvalidRecordError(
                record=record, field=field, value=text, expected="an ISO-8601 date-time string"
            )
        ns, off = _pmio.parse_instants([text], field=field, record=lambda _: (record, None), tz=tz)
        return cls(int(ns[0]), int(off[0]))

    def isoformat(self) -> str:
        """The ISO-8601 text in the instant's own offset."""
        return _pmio.format_instants(
            np.array([self.ns], dtype=np.int64), np.array([self.offset], dtype=np.int64)
        )[0]

    def to_datetime(self) -> _dt.datetime:
        """An aware datetime in the instant's offset (microseconds)."""
        zone = _dt.timezone(_dt.timedelta(minutes=self.offset))
        return (_EPOCH + _dt.timedelta(microseconds=self.ns // 1000)).astimezone(zone)


def _sorted_attrs(value: Iterable[tuple[str, Any]]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted(((str(k), v) for k, v in value), key=lambda kv: kv[0]))


def _sorted_rel(value: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(o), str(q)) for o, q in value))


def _sorted_changes(
    value: Iterable[tuple[str, Instant, Any]],
) -> tuple[tuple[str, Instant, Any], ...]:
    return tuple(sorted(((str(n), t, v) for n, t, v in value), key=lambda c: (c[0], c[1].ns)))


@attrs.frozen
class OcelEvent:
    """An event: id, type (activity), time, attributes and event-to-object relationships.

    ``attributes`` are ``(name, value)`` pairs (sorted by name);
    ``relationships`` are ``(object id, qualifier)`` pairs (sorted).
    """

    id: str
    type: str
    time: Instant
    attributes: tuple[tuple[str, Any], ...] = attrs.field(default=(), converter=_sorted_attrs)
    relationships: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_sorted_rel)


@attrs.frozen
class OcelObject:
    """An object: id, type, attribute values over time and object-to-object relationships.

    ``attributes`` are ``(name, time, value)`` triples (sorted by name, then time):
    the value the attribute takes from that time on (the specification's
    initial values are usually at 1970-01-01T00:00:00Z).
    """

    id: str
    type: str
    attributes: tuple[tuple[str, Instant, Any], ...] = attrs.field(
        default=(), converter=_sorted_changes
    )
    relationships: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_sorted_rel)

    def value(self, name: str, at: int | None = None) -> Any:
        """The attribute's value at ``at`` (ns; None: the latest), or None if it has none."""
        best: Any = None
        best_ns: int | None = None
        for n, t, v in self.attributes:
            if n != name or (at is not None and t.ns > at):
                continue
            if best_ns is None or t.ns >= best_ns:
                best, best_ns = v, t.ns
        if best is None and at is not None:  # set only after ``at``: its first value
            firsts = [(t.ns, v) for n, t, v in self.attributes if n == name]
            if firsts:
                best = min(firsts, key=lambda p: p[0])[1]
        return best


def _freeze_types(value: Mapping[str, Mapping[str, str]]) -> Mapping[str, Mapping[str, str]]:
    return freeze({str(k): freeze(dict(v)) for k, v in value.items()})


def _tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(value)


@attrs.frozen
class Ocel:
    """An OCEL 2.0 log: declared types, objects and events (see the module docstring).

    Attributes
    ----------
    object_types, event_types:
        ``{type name: {attribute name: OCEL type}}`` (types ``string``,
        ``time``, ``integer``, ``float``, ``boolean``).
    objects:
        The objects, in document order.
    events:
        The events, in document order.

    Raises
    ------
    InvalidRecordError
        Built with an undeclared type or attribute, a value not of its declared
        type, a duplicate id, or a relationship to an unknown object -- naming
        the event or object, the field and the value.
    """

    object_types: Mapping[str, Mapping[str, str]] = attrs.field(converter=_freeze_types)
    event_types: Mapping[str, Mapping[str, str]] = attrs.field(converter=_freeze_types)
    objects: tuple[OcelObject, ...] = attrs.field(converter=_tuple)
    events: tuple[OcelEvent, ...] = attrs.field(converter=_tuple)

    def __attrs_post_init__(self) -> None:
        for kind, types in (("object", self.object_types), ("event", self.event_types)):
            for name, decl in types.items():
                for attr, t in decl.items():
                    if t not in OCEL_TYPES:
                        raise InvalidRecordError(
                            record=name, field=f"{kind} type attribute {attr!r}", value=t,
                            expected=f"one of {', '.join(OCEL_TYPES)}",
                        )  # fmt: skip
        ids: dict[str, None] = {}
        for o in self.objects:
            if o.id in ids:
                raise InvalidRecordError(
                    record=o.id, field="id", value=o.id, expected="an object id used once"
                )
            ids[o.id] = None
            odecl = self.object_types.get(o.type)
            if odecl is None:
                raise InvalidRecordError(
                    record=o.id, field="type", value=o.type, expected="a declared object type"
                )
            for n, _t, v in o.attributes:
                _check_value(o.id, n, v, odecl)
        for o in self.objects:
            for target, _q in o.relationships:
                if target not in ids:
                    raise InvalidRecordError(
                        record=o.id, field="relationships", value=target,
                        expected="the id of an object of the log",
                    )  # fmt: skip
        eids: dict[str, None] = {}
        for e in self.events:
            if e.id in eids:
                raise InvalidRecordError(
                    record=e.id, field="id", value=e.id, expected="an event id used once"
                )
            eids[e.id] = None
            edecl = self.event_types.get(e.type)
            if edecl is None:
                raise InvalidRecordError(
                    record=e.id, field="type", value=e.type, expected="a declared event type"
                )
            names = [n for n, _ in e.attributes]
            if len(set(names)) != len(names):
                raise InvalidRecordError(
                    record=e.id, field="attributes", value=names, expected="each name once"
                )
            for n, v in e.attributes:
                _check_value(e.id, n, v, edecl)
            for target, _q in e.relationships:
                if target not in ids:
                    raise InvalidRecordError(
                        record=e.id, field="relationships", value=target,
                        expected="the id of an object of the log",
                    )  # fmt: skip
            if len(set(e.relationships)) != len(e.relationships):
                raise InvalidRecordError(
                    record=e.id, field="relationships", value=list(e.relationships),
                    expected="each (object, qualifier) once",
                )  # fmt: skip

    @property
    def n_events(self) -> int:
        """Number of events."""
        return len(self.events)

    @property
    def n_objects(self) -> int:
        """Number of objects."""
        return len(self.objects)

    def object(self, object_id: str) -> OcelObject:
        """The object with this id (MissingDataError if none)."""
        for o in self.objects:
            if o.id == object_id:
                return o
        raise MissingDataError(f"no object {object_id!r} in this log")

    # ------------------------------------------------------------------ flattening

    def flatten(
        self,
        object_type: str,
        *,
        activity_map: Mapping[str, str] | None = None,
    ) -> EventLog:
        """The event log of one object type: a case per object, an event per relation.

        Parameters
        ----------
        object_type:
            The object type whose objects become the cases.
        activity_map:
            Source label -> canonical activity (see :class:`~kpicore.eventlog.EventLog`).

        Returns
        -------
        EventLog
            Case id = object id; activity = event type; timestamp = event time
            (UTC; the offset in the int attribute ``time:timestamp@offset``).
            Event attributes: every event attribute (``time`` ones as UTC
            datetimes), ``ocel:eid`` (the event id) and ``ocel:qualifier``.
            Case attributes: each object attribute's latest value. Objects of
            the type without events have no case.

        Raises
        ------
        MissingDataError
            For an object type that is not declared.

        Notes
        -----
        The standard flattening (van der Aalst, *Object-Centric Process
        Mining: Dealing with Divergence and Convergence in Event Data*, SEFM
        2019; the OCEL 2.0 specification): an event related to ``k`` objects
        of the type is copied into ``k`` cases (convergence), and an object's
        events are its case (divergence stays visible as repeated
        activities). An event related twice to one object (two qualifiers)
        appears once per qualifier.

        Examples
        --------
        >>> oc = Ocel(
        ...     object_types={"invoice": {}}, event_types={"Invoice Generated": {}},
        ...     objects=[OcelObject("F-1", "invoice"), OcelObject("F-2", "invoice")],
        ...     events=[OcelEvent("e1", "Invoice Generated", Instant.parse("2024-01-01T00:00Z"),
        ...                       relationships=[("F-1", "issued"), ("F-2", "issued")])])
        >>> log = oc.flatten("invoice")
        >>> log.case_ids.tolist(), log.event_attribute("ocel:eid").tolist()
        (['F-1', 'F-2'], ['e1', 'e1'])
        """
        rows, log = self._flat(object_type, activity_map=activity_map)
        del rows
        return log

    def _flat(
        self,
        object_type: str,
        *,
        activity_map: Mapping[str, str] | None,
        extra: Mapping[str, list[Any]] | None = None,
        case_extra: Mapping[str, Mapping[str, Any]] | None = None,
        skip_events: frozenset[str] = frozenset(),
        rows_extra: list[tuple[str, str, str, Instant, Any]] | None = None,
    ) -> tuple[list[tuple[int, str]], EventLog]:
        from kpicore.eventlog import EventLog

        if object_type not in self.object_types:
            raise MissingDataError(
                f"object type {object_type!r} is not declared; the log has "
                f"{sorted(self.object_types)}"
            )
        of_type = {o.id: o for o in self.objects if o.type == object_type}
        rows: list[tuple[int, str]] = []  # (event index, object id)
        quals: list[str] = []
        for i, e in enumerate(self.events):
            if e.id in skip_events:
                continue
            for oid, q in e.relationships:
                if oid in of_type:
                    rows.append((i, oid))
                    quals.append(q)
        ev = [self.events[i] for i, _ in rows]
        cases = [oid for _, oid in rows]
        acts = [e.type for e in ev]
        ns = [e.time.ns for e in ev]
        off = [e.time.offset for e in ev]
        eids = [e.id for e in ev]
        names = sorted({n for et in self.event_types.values() for n in et})
        attrs_: dict[str, list[Any]] = {n: [] for n in names}
        for e in ev:
            d = dict(e.attributes)
            for n in names:
                attrs_[n].append(_plain(d.get(n)))
        if rows_extra:
            for eid, oid, act, t, q in rows_extra:
                cases.append(oid)
                acts.append(act)
                ns.append(t.ns)
                off.append(t.offset)
                eids.append(eid)
                quals.append(q)
                for n in names:
                    attrs_[n].append(None)
        attributes: dict[str, Any] = {n: _column(v) for n, v in attrs_.items() if any(
            x is not None for x in v)}  # fmt: skip
        attributes["ocel:eid"] = eids
        attributes["ocel:qualifier"] = quals
        attributes["time:timestamp@offset"] = np.array(off, dtype=np.int64)
        if extra:
            for k, v in extra.items():
                attributes[k] = _column(v)
        case_attrs: dict[str, Any] = {}
        onames = sorted(self.object_types[object_type])
        for n in onames:
            case_attrs[n] = _column([_plain(of_type[c].value(n)) for c in cases])
        if case_extra:
            for k, m in case_extra.items():
                case_attrs[k] = _column([m.get(c) for c in cases])
        log = EventLog.from_columns(
            case=np.array(cases, dtype=object),
            activity=np.array(acts, dtype=object),
            timestamp=np.array(ns, dtype=np.int64).view("datetime64[ns]"),
            resource=None,
            attributes=attributes,
            case_attributes=case_attrs,
            activity_map=activity_map,
        )
        return rows, log

    # ------------------------------------------------------------------ invoice-to-cash

    def to_invoice_log(
        self,
        *,
        invoice_type: str = "invoice",
        payment_activity: str = "Payment Received",
        amount: str = "amount",
        currency: str = "currency",
        due_date: str = "due_date",
        customer: str | None = "customer_id",
        default_currency: str | None = None,
        activity_map: Mapping[str, str] | None = None,
    ) -> InvoiceCashLog:
        """The per-invoice event log of an object-centric invoice-to-cash log.

        Parameters
        ----------
        invoice_type:
            Object type of the invoices (the cases).
        payment_activity:
            Event type of the receipts. Each receipt is related to one or more
            invoices; its amount is its ``amount`` attribute or, without one,
            the ``amount`` (at the event's time) of a related object of another
            type (the payment object).
        amount, currency, due_date, customer:
            Attribute names: on the invoices ``amount`` (major units, e.g.
            ``1500.75``), ``currency`` (ISO 4217), ``due_date`` (a ``time`` or
            an ISO date string) and ``customer`` (kept as the case attribute
            ``customer_id``); on receipts and payment objects ``amount`` and
            ``currency``.
        default_currency:
            Currency where neither the invoice nor the payment names one.
        activity_map:
            Source label -> canonical activity.

        Returns
        -------
        InvoiceCashLog
            ``log``: the flattened invoice log with ``amount_minor``,
            ``currency``, ``due_date`` (``datetime64[D]``) and ``customer_id``
            case attributes and, per (receipt, invoice) allocation, one
            *Payment Received* event with the allocated ``amount_minor`` and
            the ``payment_id`` (the receipt's event id) -- the columns every
            KPI of :mod:`kpicore.kpis` reads. Plus the allocations, the
            unapplied amounts and the coverage counts.

        Raises
        ------
        InvalidRecordError
            For a receipt without an amount, an invoice without amount or
            currency, or an amount that is not a number in the currency's
            minor units (naming the event or object).
        CurrencyMismatchError
            For a receipt allocated to an invoice of another currency.

        Notes
        -----
        Allocation (the "oldest open item first" rule of automatic cash
        application): the receipts are taken in time order (ties in document
        order); a receipt of amount ``P`` related to invoices ``1..k`` sorted
        by due date (then id) with open amounts ``o_1..o_k`` at that moment
        gives ``a_j = min(o_j, P − Σ_{i<j} a_i)`` to invoice ``j``; what is
        left (``P − Σ a_j``) is unapplied cash, reported per receipt and never
        spread. A receipt related to one invoice with ``P < o`` is a partial
        payment. Invoice open amounts fall with every allocation, so a later
        receipt sees what earlier ones left. Every other event related to an
        invoice (issue, posting, dispute, dunning, write-off...) is flattened
        onto it as in :meth:`flatten`; a *Payment Posted* related to invoices
        posts the receipts of each invoice in FIFO order, which is what
        :func:`~kpicore.kpis.collections.cash_application_lag` pairs.

        Examples
        --------
        See the module docstring.
        """
        if invoice_type not in self.object_types:
            raise MissingDataError(
                f"object type {invoice_type!r} is not declared; the log has "
                f"{sorted(self.object_types)}"
            )
        invoices = {o.id: o for o in self.objects if o.type == invoice_type}
        by_id = {o.id: o for o in self.objects}
        open_minor: dict[str, int] = {}
        inv_cur: dict[str, str] = {}
        due: dict[str, Any] = {}
        cust: dict[str, Any] = {}
        for oid, o in invoices.items():
            cur = o.value(currency) or default_currency
            amt = o.value(amount)
            if cur is None:
                raise InvalidRecordError(
                    record=oid, field=currency, value=None,
                    expected="a currency on the invoice (or default_currency=)",
                )  # fmt: skip
            if amt is None:
                raise InvalidRecordError(
                    record=oid, field=amount, value=None, expected="an amount on the invoice"
                )
            inv_cur[oid] = str(cur)
            open_minor[oid] = _minor(amt, str(cur), record=oid, field=amount)
            due[oid] = _as_date(o.value(due_date), record=oid, field=due_date)
            if customer is not None:
                cust[oid] = _plain(o.value(customer))
        total_minor = dict(open_minor)
        receipts = [
            (e.time.ns, i, e) for i, e in enumerate(self.events) if e.type == payment_activity
        ]
        receipts.sort(key=lambda r: (r[0], r[1]))
        alloc_event: list[str] = []
        alloc_invoice: list[str] = []
        alloc_minor: list[int] = []
        unapplied: dict[str, int] = {}
        no_invoice = 0
        rows_extra: list[tuple[str, str, str, Instant, Any]] = []
        amounts_extra: list[int] = []
        for _ns, _i, e in receipts:  # sequential by nature: each sees the balances left
            qual: dict[str, str] = {}
            for oid, q in e.relationships:
                if oid in invoices:
                    qual.setdefault(oid, q)
            related = sorted(
                qual,
                key=lambda oid: (due[oid] is None, due[oid] or _dt.date.min, oid),
            )
            ea = dict(e.attributes)
            p_amt = ea.get(amount)
            p_cur = ea.get(currency)
            if p_amt is None or p_cur is None:
                for oid, _q in e.relationships:
                    o = by_id[oid]
                    if o.type == invoice_type:
                        continue
                    if p_amt is None:
                        p_amt = o.value(amount, e.time.ns)
                    if p_cur is None:
                        p_cur = o.value(currency, e.time.ns)
            if p_cur is None and related:
                p_cur = inv_cur[related[0]]
            if p_cur is None:
                p_cur = default_currency
            if p_amt is None or p_cur is None:
                raise InvalidRecordError(
                    record=e.id, field=amount if p_amt is None else currency, value=None,
                    expected="an amount and currency on the receipt or its payment object",
                )  # fmt: skip
            left = _minor(p_amt, str(p_cur), record=e.id, field=amount)
            if not related:
                no_invoice += 1
            for oid in related:
                if inv_cur[oid] != p_cur:
                    raise CurrencyMismatchError(
                        str(p_cur), inv_cur[oid], f"receipt {e.id!r} allocated to {oid!r}"
                    )
                a = min(open_minor[oid], left)
                if a <= 0:
                    continue
                open_minor[oid] -= a
                left -= a
                alloc_event.append(e.id)
                alloc_invoice.append(oid)
                alloc_minor.append(a)
                rows_extra.append((e.id, oid, e.type, e.time, qual[oid]))
                amounts_extra.append(a)
            if left > 0:
                unapplied[e.id] = left
        receipt_ids = frozenset(e.id for _n, _i, e in receipts)
        # the other events flattened onto the invoices, the allocations appended
        n_flat = sum(
            1
            for e in self.events
            if e.id not in receipt_ids
            for oid, _q in e.relationships
            if oid in invoices
        )
        extra: dict[str, list[Any]] = {
            "amount_minor": [None] * n_flat + list(amounts_extra),
            "payment_id": [None] * n_flat + [r[0] for r in rows_extra],
        }
        case_extra: dict[str, Mapping[str, Any]] = {
            "amount_minor": total_minor,
            "currency": inv_cur,
            "due_date": {k: v for k, v in due.items() if v is not None},
        }
        if customer is not None:
            case_extra["customer_id"] = cust
        rows, log = self._flat(
            invoice_type,
            activity_map=activity_map,
            extra=extra,
            case_extra=case_extra,
            skip_events=receipt_ids,
            rows_extra=rows_extra,
        )
        del rows
        n_receipts = len(receipts)
        return InvoiceCashLog(
            log=log,
            allocation_event=np.array(alloc_event, dtype=object),
            allocation_invoice=np.array(alloc_invoice, dtype=object),
            allocation_minor=np.array(alloc_minor, dtype=np.int64),
            unapplied_minor=unapplied,
            coverage={
                "receipts": n_receipts,
                "allocations": len(alloc_minor),
                "receipts_without_invoice": no_invoice,
                "receipts_with_unapplied_cash": len(unapplied),
                "invoices": len(invoices),
                "invoices_fully_paid": sum(1 for v in open_minor.values() if v == 0),
            },
        )


def _check_value(record: str, name: str, value: Any, decl: Mapping[str, str]) -> None:
    t = decl.get(name)
    if t is None:
        raise InvalidRecordError(
            record=record, field=name, value=value, expected="an attribute declared for its type"
        )
    ok = {
        "string": isinstance(value, str),
        "time": isinstance(value, Instant),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "float": isinstance(value, float),
        "boolean": isinstance(value, bool),
    }[t]
    if not ok:
        raise InvalidRecordError(
            record=record, field=name, value=value, expected=f"a value of type {t}"
        )


def _plain(v: Any) -> Any:
    if isinstance(v, Instant):
        return np.datetime64(v.ns, "ns")
    return v


def _column(values: list[Any]) -> Any:
    if values and all(isinstance(v, np.datetime64) or v is None for v in values):
        return np.array(
            [np.datetime64("NaT", "ns") if v is None else v for v in values],
            dtype="datetime64[ns]",
        )
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _minor(value: Any, cur: str, *, record: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidRecordError(record=record, field=field, value=value, expected="an amount")
    text = repr(value) if isinstance(value, float) else str(value)
    try:
        dec = Decimal(text)
    except ArithmeticError:
        raise InvalidRecordError(
            record=record, field=field, value=value, expected="an amount"
        ) from None
    return Money.of(dec, cur, record=record).minor


def _as_date(value: Any, *, record: object, field: str) -> _dt.date | None:
    if value is None:
        return None
    if isinstance(value, Instant):
        return (_EPOCH + _dt.timedelta(microseconds=value.ns // 1000)).date()
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise InvalidRecordError(
        record=record, field=field, value=value, expected="a due date (time or 'YYYY-MM-DD')"
    )


@attrs.frozen(eq=False, repr=False)
class InvoiceCashLog(Result):
    """An object-centric invoice-to-cash log made per invoice (:meth:`Ocel.to_invoice_log`).

    Attributes
    ----------
    log:
        The per-invoice :class:`~kpicore.eventlog.EventLog` (input of every KPI).
    allocation_event, allocation_invoice, allocation_minor:
        One row per allocation: the receipt's event id, the invoice id and the
        amount in minor units.
    unapplied_minor:
        ``{receipt event id: minor units not allocated}`` (receipts with cash left).
    coverage:
        ``receipts``, ``allocations``, ``receipts_without_invoice``,
        ``receipts_with_unapplied_cash``, ``invoices``, ``invoices_fully_paid``.
    """

    log: EventLog
    allocation_event: npt.NDArray[np.object_] = attrs.field(converter=_ro)
    allocation_invoice: npt.NDArray[np.object_] = attrs.field(converter=_ro)
    allocation_minor: npt.NDArray[np.int64] = attrs.field(converter=_ro)
    unapplied_minor: Mapping[str, int] = attrs.field(converter=freeze)
    coverage: Mapping[str, int] = attrs.field(converter=freeze)

    def allocations(self) -> list[tuple[str, str, int]]:
        """``[(receipt event id, invoice id, minor units), ...]`` in allocation order."""
        return list(
            zip(
                self.allocation_event.tolist(),
                self.allocation_invoice.tolist(),
                self.allocation_minor.tolist(),
                strict=True,
            )
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (without the log)."""
        d = fields_to_dict(self)
        d.pop("log")
        return d


# ------------------------------------------------------------------ values


def _typed(
    raw: Any, t: str, *, record: object, field: str, tz: _dt.tzinfo | None, text: bool
) -> Any:
    """A JSON value (``text=False``) or an XML/SQLite text (``text=True``) as its OCEL type."""
    if t == "time":
        return Instant.parse(raw, tz=tz, record=record, field=field)
    if t == "string":
        if isinstance(raw, str):
            return raw
    elif t == "integer":
        if text and isinstance(raw, str):
            try:
                return int(raw.strip())
            except ValueError:
                pass
        elif isinstance(raw, int) and not isinstance(raw, bool):
            return raw
    elif t == "float":
        if text and isinstance(raw, str):
            try:
                return float(raw)
            except ValueError:
                pass
        elif isinstance(raw, int | float) and not isinstance(raw, bool):
            return float(raw)
    elif t == "boolean":
        if text and isinstance(raw, str) and raw.strip() in ("true", "false", "1", "0"):
            return raw.strip() in ("true", "1")
        if isinstance(raw, bool):
            return raw
        if not text and isinstance(raw, int) and raw in (0, 1):
            return bool(raw)
    raise InvalidRecordError(
        record=record, field=field, value=raw, expected=f"a value of type {t}"
    )


def _untyped_json(v: Any, *, record: object, field: str) -> Any:
    if isinstance(v, Instant):
        return v.isoformat()
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        raise InvalidRecordError(
            record=record, field=field, value=v, expected="a finite number (JSON has no NaN)"
        )
    return v


def _text(v: Any) -> str:
    if isinstance(v, Instant):
        return v.isoformat()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return _pmio.format_float(v)
    return str(v)


def _types_of(items: Any, *, what: str) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    if not isinstance(items, list):
        raise InvalidRecordError(field=what, value=type(items).__name__, expected="a list")
    for i, it in enumerate(items):
        if not isinstance(it, dict) or not isinstance(it.get("name"), str):
            raise InvalidRecordError(row=i, field=what, value=it, expected="{name, attributes}")
        decl: dict[str, str] = {}
        for a in it.get("attributes") or []:
            if not isinstance(a, dict) or "name" not in a or "type" not in a:
                raise InvalidRecordError(
                    record=it["name"], field="attributes", value=a, expected="{name, type}"
                )
            decl[str(a["name"])] = str(a["type"])
        out[it["name"]] = decl
    return out


# ------------------------------------------------------------------ JSON


def read_ocel_json(source: Any, *, tz: _dt.tzinfo | None = None) -> Ocel:
    """Read an OCEL 2.0 JSON document the caller holds.

    Parameters
    ----------
    source:
        The document as ``str`` (its text, never a path), ``bytes``, or a file
        object the caller opened.
    tz:
        Zone of times written without an offset (else they raise
        :class:`~kpicore.errors.NaiveDatetimeError`).

    Returns
    -------
    Ocel

    Raises
    ------
    InvalidRecordError
        For invalid JSON, a missing key, or a value not of its declared type,
        naming the event or object, the field and the value.

    Examples
    --------
    >>> oc = read_ocel_json('{"objectTypes": [], "eventTypes": [], "objects": [], "events": []}')
    >>> oc.n_events, oc.n_objects
    (0, 0)
    """
    chunks = list(_pmio.iter_text(source, what="read_ocel_json", first="{"))
    text: str | bytes = (
        b"".join(cast("list[bytes]", chunks))
        if chunks and isinstance(chunks[0], bytes)
        else "".join(cast("list[str]", chunks))
    )
    try:
        doc = json.loads(text)
    except (ValueError, UnicodeDecodeError) as err:
        raise InvalidRecordError(
            field="JSON", value=str(err), expected="an OCEL 2.0 JSON document"
        ) from None
    if not isinstance(doc, dict):
        raise InvalidRecordError(field="JSON", value=type(doc).__name__, expected="an object")
    otypes = _types_of(doc.get("objectTypes", []), what="objectTypes")
    etypes = _types_of(doc.get("eventTypes", []), what="eventTypes")
    objects = []
    for i, o in enumerate(doc.get("objects", [])):
        oid, otype = _id_type(o, i, "objects")
        decl = otypes.get(otype, {})
        changes = []
        for a in o.get("attributes") or []:
            name = _key(a, "name", oid)
            t = decl.get(name)
            if t is None:
                raise InvalidRecordError(
                    record=oid, field=name, value=a.get("value"),
                    expected=f"an attribute declared for object type {otype!r}",
                )  # fmt: skip
            when = Instant.parse(_key(a, "time", oid), tz=tz, record=oid, field=f"{name}.time")
            changes.append(
                (name, when, _typed(a.get("value"), t, record=oid, field=name, tz=tz, text=False))
            )
        rels = [
            (_key(r, "objectId", oid), str(r.get("qualifier", "")))
            for r in o.get("relationships") or []
        ]
        objects.append(OcelObject(oid, otype, changes, rels))
    events = []
    for i, e in enumerate(doc.get("events", [])):
        eid, etype = _id_type(e, i, "events")
        decl = etypes.get(etype, {})
        vals = []
        for a in e.get("attributes") or []:
            name = _key(a, "name", eid)
            t = decl.get(name)
            if t is None:
                raise InvalidRecordError(
                    record=eid, field=name, value=a.get("value"),
                    expected=f"an attribute declared for event type {etype!r}",
                )  # fmt: skip
            vals.append(
                (name, _typed(a.get("value"), t, record=eid, field=name, tz=tz, text=False))
            )
        rels = [
            (_key(r, "objectId", eid), str(r.get("qualifier", "")))
            for r in e.get("relationships") or []
        ]
        when = Instant.parse(_key(e, "time", eid), tz=tz, record=eid)
        events.append(OcelEvent(eid, etype, when, vals, rels))
    return Ocel(otypes, etypes, objects, events)


def _key(d: Any, key: str, record: object) -> Any:
    if not isinstance(d, dict) or key not in d:
        raise InvalidRecordError(record=record, field=key, value=d, expected=f"a {key!r} entry")
    return d[key]


def _id_type(d: Any, i: int, what: str) -> tuple[str, str]:
    if not isinstance(d, dict) or not isinstance(d.get("id"), str):
        raise InvalidRecordError(row=i, field=f"{what}.id", value=d, expected="a string id")
    if not isinstance(d.get("type"), str):
        raise InvalidRecordError(
            record=d["id"], row=i, field="type", value=d.get("type"), expected="a type name"
        )
    return d["id"], d["type"]


def _json_doc(oc: Ocel) -> dict[str, Any]:
    def types(t: Mapping[str, Mapping[str, str]]) -> list[dict[str, Any]]:
        return [
            {"name": n, "attributes": [{"name": a, "type": ty} for a, ty in d.items()]}
            for n, d in t.items()
        ]

    return {
        "objectTypes": types(oc.object_types),
        "eventTypes": types(oc.event_types),
        "objects": [
            {
                "id": o.id,
                "type": o.type,
                "attributes": [
                    {
                        "name": n,
                        "time": t.isoformat(),
                        "value": _untyped_json(v, record=o.id, field=n),
                    }
                    for n, t, v in o.attributes
                ],
                "relationships": [{"objectId": r, "qualifier": q} for r, q in o.relationships],
            }
            for o in oc.objects
        ],
        "events": [
            {
                "id": e.id,
                "type": e.type,
                "time": e.time.isoformat(),
                "attributes": [
                    {"name": n, "value": _untyped_json(v, record=e.id, field=n)}
                    for n, v in e.attributes
                ],
                "relationships": [{"objectId": r, "qualifier": q} for r, q in e.relationships],
            }
            for e in oc.events
        ],
    }


def write_ocel_json(ocel: Ocel, target: Any = None) -> str | None:
    """Write an OCEL 2.0 JSON document: to a ``str`` (``target=None``) or a file object.

    Times are written in their own offset with milliseconds (and any finer
    digits); ``read_ocel_json(write_ocel_json(oc)) == oc``.

    Raises
    ------
    InvalidRecordError
        For a non-finite float (JSON has no NaN or infinity), naming the record.

    Examples
    --------
    >>> oc = Ocel({}, {"Ping": {}}, [], [OcelEvent("e1", "Ping", Instant.parse("2024-01-01T00:00Z"))])
    >>> write_ocel_json(oc)
    '{"objectTypes": [], "eventTypes": [{"name": "Ping", "attributes": []}], "objects": [], "events": [{"id": "e1", "type": "Ping", "time": "2024-01-01T00:00:00.000+00:00", "attributes": [], "relationships": []}]}'
    """  # noqa: E501
    text = json.dumps(_json_doc(ocel), ensure_ascii=False, allow_nan=False)
    return _pmio.write_chunks(iter((text,)), target)


# ------------------------------------------------------------------ XML


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if tag[:1] == "{" else tag


def read_ocel_xml(source: Any, *, tz: _dt.tzinfo | None = None) -> Ocel:
    """Read an OCEL 2.0 XML document the caller holds, streaming.

    Parameters
    ----------
    source:
        The document as ``str`` (its text, never a path), ``bytes`` (gzip too),
        or a file object the caller opened.
    tz:
        Zone of times written without an offset.

    Returns
    -------
    Ocel

    Raises
    ------
    InvalidRecordError
        For malformed XML or a value not of its declared type, naming the
        event or object, the field and the text.

    Notes
    -----
    Fed 1 MiB at a time to an :class:`xml.etree.ElementTree.XMLPullParser`;
    every ``<object>`` and ``<event>`` is converted at its end tag and then
    cleared, so the tree never holds more than one of them.

    Examples
    --------
    >>> oc = read_ocel_xml('''<log><object-types><object-type name="invoice"><attributes>
    ...   <attribute name="amount" type="float"/></attributes></object-type></object-types>
    ...   <event-types/><objects><object id="F-1" type="invoice"><attributes>
    ...   <attribute name="amount" time="1970-01-01T00:00:00Z">10.5</attribute>
    ...   </attributes></object></objects><events/></log>''')
    >>> oc.object("F-1").value("amount")
    10.5
    """
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("end",))
    otypes: dict[str, dict[str, str]] = {}
    etypes: dict[str, dict[str, str]] = {}
    objects: list[OcelObject] = []
    events: list[OcelEvent] = []
    seen_root = False

    def decl_of(el: ET.Element) -> dict[str, str]:
        out: dict[str, str] = {}
        for c in el:
            if _local(c.tag) == "attributes":
                for a in c:
                    out[a.get("name", "")] = a.get("type", "")
        return out

    def rels(el: ET.Element) -> list[tuple[str, str]]:
        out = []
        for c in el:
            if _local(c.tag) == "objects":
                for r in c:
                    out.append((r.get("object-id", ""), r.get("qualifier", "")))
        return out

    def handle(el: ET.Element, parent_types: bool) -> None:
        tag = _local(el.tag)
        if tag == "object-type":
            otypes[el.get("name", "")] = decl_of(el)
            el.clear()
        elif tag == "event-type":
            etypes[el.get("name", "")] = decl_of(el)
            el.clear()
        elif tag == "object" and "id" in el.attrib and "type" in el.attrib:
            oid, otype = el.get("id", ""), el.get("type", "")
            decl = otypes.get(otype, {})
            changes = []
            for c in el:
                if _local(c.tag) != "attributes":
                    continue
                for a in c:
                    name = a.get("name", "")
                    t = decl.get(name)
                    if t is None:
                        raise InvalidRecordError(
                            record=oid, field=name, value=a.text,
                            expected=f"an attribute declared for object type {otype!r}",
                        )  # fmt: skip
                    when = Instant.parse(
                        a.get("time", ""), tz=tz, record=oid, field=f"{name}.time"
                    )
                    val = _typed(a.text or "", t, record=oid, field=name, tz=tz, text=True)
                    changes.append((name, when, val))
            objects.append(OcelObject(oid, otype, changes, rels(el)))
            el.clear()
        elif tag == "event" and "id" in el.attrib:
            eid, etype = el.get("id", ""), el.get("type", "")
            decl = etypes.get(etype, {})
            vals = []
            for c in el:
                if _local(c.tag) != "attributes":
                    continue
                for a in c:
                    name = a.get("name", "")
                    t = decl.get(name)
                    if t is None:
                        raise InvalidRecordError(
                            record=eid, field=name, value=a.text,
                            expected=f"an attribute declared for event type {etype!r}",
                        )  # fmt: skip
                    vals.append(
                        (name, _typed(a.text or "", t, record=eid, field=name, tz=tz, text=True))
                    )
            when = Instant.parse(el.get("time", ""), tz=tz, record=eid)
            events.append(OcelEvent(eid, etype, when, vals, rels(el)))
            el.clear()
        del parent_types

    def run(items: Iterator[tuple[str, Any]]) -> None:
        nonlocal seen_root
        for _ev, el in items:
            seen_root = seen_root or _local(el.tag) == "log"
            handle(el, False)

    try:
        for chunk in _pmio.iter_text(source, what="read_ocel_xml", first="<"):
            parser.feed(chunk)
            run(cast("Iterator[tuple[str, Any]]", parser.read_events()))
        parser.close()
        run(cast("Iterator[tuple[str, Any]]", parser.read_events()))
    except ET.ParseError as err:
        raise InvalidRecordError(
            field="XML", value=str(err), expected="a well-formed OCEL 2.0 XML document"
        ) from None
    if not seen_root:
        raise InvalidRecordError(field="XML", value="", expected="an OCEL 2.0 document (<log>)")
    return Ocel(otypes, etypes, objects, events)


def _xml_chunks(oc: Ocel) -> Iterator[str]:
    q = _pmio.xml_attr

    def check(v: str, record: object, field: str) -> str:
        _pmio.xml_text_ok(v, record=record, row=None, field=field)
        return q(v)

    yield '<?xml version="1.0" encoding="UTF-8"?>\n<log>\n'
    for tag, types in (("object", oc.object_types), ("event", oc.event_types)):
        yield f"  <{tag}-types>\n"
        for name, decl in types.items():
            yield f'    <{tag}-type name="{check(name, name, "name")}">\n      <attributes>\n'
            for a, t in decl.items():
                yield f'        <attribute name="{check(a, name, "attribute")}" type="{t}"/>\n'
            yield f"      </attributes>\n    </{tag}-type>\n"
        yield f"  </{tag}-types>\n"
    yield "  <objects>\n"
    for o in oc.objects:
        parts = [
            f'    <object id="{check(o.id, o.id, "id")}" type="{check(o.type, o.id, "type")}">\n'
            "      <attributes>\n"
        ]
        for n, when, v in o.attributes:
            parts.append(
                f'        <attribute name="{check(n, o.id, "attribute")}" '
                f'time="{when.isoformat()}">{check(_text(v), o.id, n)}</attribute>\n'
            )
        parts.append("      </attributes>\n      <objects>\n")
        for r, qual in o.relationships:
            parts.append(
                f'        <relationship object-id="{q(r)}" qualifier="{check(qual, o.id, "qualifier")}"/>\n'  # noqa: E501
            )
        parts.append("      </objects>\n    </object>\n")
        yield "".join(parts)
    yield "  </objects>\n  <events>\n"
    for e in oc.events:
        parts = [
            f'    <event id="{check(e.id, e.id, "id")}" type="{check(e.type, e.id, "type")}" '
            f'time="{e.time.isoformat()}">\n      <attributes>\n'
        ]
        for n, v in e.attributes:
            parts.append(
                f'        <attribute name="{check(n, e.id, "attribute")}">'
                f"{check(_text(v), e.id, n)}</attribute>\n"
            )
        parts.append("      </attributes>\n      <objects>\n")
        for r, qual in e.relationships:
            parts.append(
                f'        <relationship object-id="{q(r)}" qualifier="{check(qual, e.id, "qualifier")}"/>\n'  # noqa: E501
            )
        parts.append("      </objects>\n    </event>\n")
        yield "".join(parts)
    yield "  </events>\n</log>\n"


def write_ocel_xml(ocel: Ocel, target: Any = None) -> str | None:
    """Write an OCEL 2.0 XML document: to a ``str`` (``target=None``) or a file object.

    Values are element text, escaped (line breaks and tabs as character
    references); ``read_ocel_xml(write_ocel_xml(oc)) == oc``.

    Raises
    ------
    InvalidRecordError
        For a text XML 1.0 cannot hold (a control character), naming the record.

    Examples
    --------
    >>> oc = Ocel({}, {"Ping": {}}, [], [OcelEvent("e1", "Ping", Instant.parse("2024-01-01T00:00Z"))])
    >>> read_ocel_xml(write_ocel_xml(oc)) == oc
    True
    """  # noqa: E501
    return _pmio.write_chunks(_xml_chunks(ocel), target)


# ------------------------------------------------------------------ SQLite

_SQL_TYPE = {
    "string": "TEXT",
    "integer": "INTEGER",
    "float": "REAL",
    "boolean": "BOOLEAN",
    "time": "TIMESTAMP",
}
_OCEL_TYPE = {v: k for k, v in _SQL_TYPE.items()}


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _type_map(names: Iterable[str], kind: str) -> dict[str, str]:
    out: dict[str, str] = {}
    used: set[str] = set()
    for n in names:
        base = re.sub(r"[^0-9A-Za-z]", "", n) or kind
        m, k = base, 1
        while m.lower() in used:
            k += 1
            m = f"{base}{k}"
        used.add(m.lower())
        out[n] = m
    return out


def write_ocel_sqlite(ocel: Ocel, connection: sqlite3.Connection) -> None:
    """Write an OCEL 2.0 log into the SQLite database of a connection the caller opened.

    The relational schema of the OCEL 2.0 specification: ``event`` and
    ``object`` (id, type), ``event_map_type`` / ``object_map_type`` (type name
    -> table suffix: the name without non-alphanumeric characters), one
    ``event_<Type>`` table (``ocel_id``, ``ocel_time``, one column per
    attribute) and one ``object_<Type>`` table (``ocel_id``, ``ocel_time``,
    ``ocel_changed_field``, one column per attribute: one row per attribute
    value, named by ``ocel_changed_field``; an object without attribute values
    gets one row with ``ocel_changed_field`` NULL) per type,
    ``event_object`` and ``object_object`` (the qualified relationships).
    Times are ISO-8601 text in their own offset. The caller commits.

    Raises
    ------
    InvalidParameterError
        If the database already has an ``event`` or ``object`` table.

    Examples
    --------
    >>> import sqlite3
    >>> con = sqlite3.connect(":memory:")
    >>> oc = Ocel({}, {"Ping": {}}, [], [OcelEvent("e1", "Ping", Instant.parse("2024-01-01T00:00Z"))])
    >>> write_ocel_sqlite(oc, con)
    >>> con.execute("SELECT ocel_type_map FROM event_map_type").fetchall()
    [('Ping',)]
    >>> read_ocel_sqlite(con) == oc
    True
    """  # noqa: E501
    if not isinstance(connection, sqlite3.Connection):
        raise InvalidParameterError(
            f"connection must be a sqlite3.Connection the caller opened, got "
            f"{type(connection).__name__}"
        )
    cur = connection.cursor()
    existing = {
        r[0] for r in cur.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
    }
    if {"event", "object"} & existing:
        raise InvalidParameterError("the database already holds an OCEL log (event/object tables)")
    cur.execute("CREATE TABLE event (ocel_id TEXT PRIMARY KEY, ocel_type TEXT)")
    cur.execute("CREATE TABLE object (ocel_id TEXT PRIMARY KEY, ocel_type TEXT)")
    cur.execute("CREATE TABLE event_map_type (ocel_type TEXT PRIMARY KEY, ocel_type_map TEXT)")
    cur.execute("CREATE TABLE object_map_type (ocel_type TEXT PRIMARY KEY, ocel_type_map TEXT)")
    cur.execute(
        "CREATE TABLE event_object (ocel_event_id TEXT, ocel_object_id TEXT, ocel_qualifier TEXT,"
        " PRIMARY KEY (ocel_event_id, ocel_object_id, ocel_qualifier))"
    )
    cur.execute(
        "CREATE TABLE object_object (ocel_source_id TEXT, ocel_target_id TEXT, "
        "ocel_qualifier TEXT, PRIMARY KEY (ocel_source_id, ocel_target_id, ocel_qualifier))"
    )
    emap = _type_map(ocel.event_types, "event")
    omap = _type_map(ocel.object_types, "object")
    cur.executemany("INSERT INTO event_map_type VALUES (?, ?)", list(emap.items()))
    cur.executemany("INSERT INTO object_map_type VALUES (?, ?)", list(omap.items()))
    for name, decl in ocel.event_types.items():
        cols = "".join(f", {_ident(a)} {_SQL_TYPE[t]}" for a, t in decl.items())
        cur.execute(
            f"CREATE TABLE {_ident('event_' + emap[name])} "
            f"(ocel_id TEXT PRIMARY KEY, ocel_time TIMESTAMP{cols})"
        )
    for name, decl in ocel.object_types.items():
        cols = "".join(f", {_ident(a)} {_SQL_TYPE[t]}" for a, t in decl.items())
        cur.execute(
            f"CREATE TABLE {_ident('object_' + omap[name])} "
            f"(ocel_id TEXT, ocel_time TIMESTAMP, ocel_changed_field TEXT{cols})"
        )

    def sql_value(v: Any) -> Any:
        if isinstance(v, Instant):
            return v.isoformat()
        if isinstance(v, bool):
            return int(v)
        return v

    cur.executemany("INSERT INTO event VALUES (?, ?)", [(e.id, e.type) for e in ocel.events])
    by_type: dict[str, list[OcelEvent]] = {}
    for e in ocel.events:
        by_type.setdefault(e.type, []).append(e)
    for name, evs in by_type.items():
        enames = list(ocel.event_types[name])
        marks = ", ".join("?" * (2 + len(enames)))
        rows = []
        for e in evs:
            d = dict(e.attributes)
            rows.append((e.id, e.time.isoformat(), *(sql_value(d.get(a)) for a in enames)))
        cur.executemany(f"INSERT INTO {_ident('event_' + emap[name])} VALUES ({marks})", rows)
    cur.executemany("INSERT INTO object VALUES (?, ?)", [(o.id, o.type) for o in ocel.objects])
    for name in ocel.object_types:
        onames = list(ocel.object_types[name])
        marks = ", ".join("?" * (3 + len(onames)))
        rows = []
        for o in ocel.objects:
            if o.type != name:
                continue
            if not o.attributes:
                rows.append((o.id, None, None, *([None] * len(onames))))
            for n, when, v in o.attributes:
                vals = [sql_value(v) if a == n else None for a in onames]
                rows.append((o.id, when.isoformat(), n, *vals))
        cur.executemany(f"INSERT INTO {_ident('object_' + omap[name])} VALUES ({marks})", rows)
    cur.executemany(
        "INSERT INTO event_object VALUES (?, ?, ?)",
        [(e.id, r, q) for e in ocel.events for r, q in e.relationships],
    )
    cur.executemany(
        "INSERT INTO object_object VALUES (?, ?, ?)",
        [(o.id, r, q) for o in ocel.objects for r, q in o.relationships],
    )


def read_ocel_sqlite(connection: sqlite3.Connection, *, tz: _dt.tzinfo | None = None) -> Ocel:
    """Read an OCEL 2.0 log from the SQLite database of a connection the caller opened.

    Attribute types come from the declared column types (``TEXT`` string,
    ``INTEGER`` integer, ``REAL`` float, ``BOOLEAN`` boolean, ``TIMESTAMP``
    time). In the ``object_<Type>`` tables a row with ``ocel_changed_field``
    NULL gives every non-NULL attribute column as a value at ``ocel_time`` (the
    specification's initial row); a row naming fields (comma separated) gives
    those. Events and objects come in table row order.

    Raises
    ------
    InvalidParameterError
        For something other than a :class:`sqlite3.Connection`.
    MissingDataError
        If a table of the schema is missing.
    InvalidRecordError
        For a value not of its column's type, or an unknown column type.

    Examples
    --------
    See :func:`write_ocel_sqlite`.
    """
    if not isinstance(connection, sqlite3.Connection):
        raise InvalidParameterError(
            f"connection must be a sqlite3.Connection the caller opened, got "
            f"{type(connection).__name__}"
        )
    cur = connection.cursor()
    tables = {
        r[0] for r in cur.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
    }
    need = {"event", "object", "event_map_type", "object_map_type", "event_object",
            "object_object"}  # fmt: skip
    if not need <= tables:
        raise MissingDataError(
            f"not an OCEL 2.0 database: missing table(s) {sorted(need - tables)}"
        )

    def columns(table: str, skip: int) -> dict[str, str]:
        info = cur.execute(f"PRAGMA table_info({_ident(table)})").fetchall()
        out: dict[str, str] = {}
        for _cid, name, decl, *_ in info[skip:]:
            t = _OCEL_TYPE.get(str(decl).upper())
            if t is None:
                raise InvalidRecordError(
                    record=table, field=name, value=decl,
                    expected="a column type TEXT, INTEGER, REAL, BOOLEAN or TIMESTAMP",
                )  # fmt: skip
            out[name] = t
        return out

    def value(raw: Any, t: str, record: str, field: str) -> Any:
        if t == "boolean" and isinstance(raw, int) and not isinstance(raw, bool):
            raw = bool(raw)
        return _typed(raw, t, record=record, field=field, tz=tz, text=False)

    emap = dict(cur.execute("SELECT ocel_type, ocel_type_map FROM event_map_type ORDER BY rowid"))
    omap = dict(cur.execute("SELECT ocel_type, ocel_type_map FROM object_map_type ORDER BY rowid"))
    etypes = {n: columns("event_" + m, 2) for n, m in emap.items()}
    otypes = {n: columns("object_" + m, 3) for n, m in omap.items()}
    e2o: dict[str, list[tuple[str, str]]] = {}
    for eid, oid, q in cur.execute(
        "SELECT ocel_event_id, ocel_object_id, ocel_qualifier FROM event_object ORDER BY rowid"
    ):
        e2o.setdefault(eid, []).append((oid, q or ""))
    o2o: dict[str, list[tuple[str, str]]] = {}
    for sid, tid, q in cur.execute(
        "SELECT ocel_source_id, ocel_target_id, ocel_qualifier FROM object_object ORDER BY rowid"
    ):
        o2o.setdefault(sid, []).append((tid, q or ""))
    ev_rows: dict[str, tuple[Any, ...]] = {}
    for name, m in emap.items():
        decl = list(etypes[name])
        for row in cur.execute(f"SELECT * FROM {_ident('event_' + m)}"):
            ev_rows[row[0]] = (name, row[1], dict(zip(decl, row[2:], strict=True)))
    events = []
    for eid, etype in cur.execute("SELECT ocel_id, ocel_type FROM event ORDER BY rowid"):
        got = ev_rows.get(eid)
        if got is None:
            raise InvalidRecordError(
                record=eid, field="event_" + emap.get(etype, "?"), value=None,
                expected="a row in its type's event table",
            )  # fmt: skip
        _n, when, vals = got
        events.append(
            OcelEvent(
                eid,
                etype,
                Instant.parse(when, tz=tz, record=eid),
                [
                    (k, value(v, etypes[etype][k], eid, k))
                    for k, v in vals.items()
                    if v is not None
                ],
                e2o.get(eid, ()),
            )
        )
    changes: dict[str, list[tuple[str, Instant, Any]]] = {}
    for name, m in omap.items():
        decl = list(otypes[name])
        for row in cur.execute(f"SELECT * FROM {_ident('object_' + m)} ORDER BY rowid"):
            oid, when, changed = row[0], row[1], row[2]
            vals = dict(zip(decl, row[3:], strict=True))
            lst = changes.setdefault(oid, [])
            if when is None:
                continue
            t = Instant.parse(when, tz=tz, record=oid, field="ocel_time")
            fields = (
                [k for k, v in vals.items() if v is not None]
                if changed is None
                else [f.strip() for f in str(changed).split(",")]
            )
            for f in fields:
                if f not in vals:
                    raise InvalidRecordError(
                        record=oid, field="ocel_changed_field", value=changed,
                        expected=f"attribute columns of object type {name!r}",
                    )  # fmt: skip
                if vals[f] is not None:
                    lst.append((f, t, value(vals[f], otypes[name][f], oid, f)))
    objects = [
        OcelObject(oid, otype, changes.get(oid, ()), o2o.get(oid, ()))
        for oid, otype in cur.execute("SELECT ocel_id, ocel_type FROM object ORDER BY rowid")
    ]
    return Ocel(otypes, etypes, objects, events)
