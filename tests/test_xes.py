"""XES (IEEE 1849-2016) reading and writing: hand-written documents and round trips."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import math
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import eventlog_rows, rows_to_columns

from kpicore.errors import (
    InvalidParameterError,
    InvalidRecordError,
    NaiveDatetimeError,
)
from kpicore.eventlog import EventLog
from kpicore.xes import (
    OFFSET_SUFFIX,
    STANDARD_EXTENSIONS,
    XesAttribute,
    XesColumn,
    XesLog,
    read_xes,
    write_xes,
)

DATA = Path(__file__).parent / "data" / "ieee1849-small.xes"
NS = 10**9


def _ns(text: str) -> int:
    """UTC ns of an ISO text, worked with the stdlib (microseconds) plus extra digits."""
    return int(dt.datetime.fromisoformat(text).timestamp()) * NS


@pytest.fixture(scope="module")
def small() -> XesLog:
    with DATA.open("rb") as fh:
        return read_xes(fh)


def test_hand_written_document(small: XesLog) -> None:
    x = small
    assert x.n_traces == 3
    assert x.n_events == 3
    assert x.event_trace.tolist() == [0, 0, 1]
    assert x.trace_starts.tolist() == [0, 2, 3, 3]
    assert dict(x.log_attrib) == {"xes.version": "1849-2016", "xes.features": "nested-attributes"}
    assert [e.prefix for e in x.extensions] == ["concept", "time", "lifecycle", "org"]
    assert x.extensions[3] == STANDARD_EXTENSIONS["org"]
    assert [c.keys for c in x.classifiers] == ["concept:name", "concept:name lifecycle:transition"]
    assert [a.key for a in x.globals["event"]] == [
        "concept:name", "time:timestamp", "lifecycle:transition"
    ]  # fmt: skip
    assert x.globals["event"][1].value == dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    assert x.attributes == (XesAttribute("concept:name", "string", "invoice-to-cash sample"),)
    names = x.trace_columns["concept:name"]
    assert names.values.tolist() == ["F-1", "F-2", "F-3"]
    amount = x.trace_columns["amount"]
    assert amount.type == "float"
    assert amount.present.tolist() == [True, True, False]
    assert amount.values[:2].tolist() == [1500.75, -0.5]
    disputed = x.trace_columns["disputed"]
    assert (disputed.type, disputed.values[:2].tolist()) == ("boolean", [False, True])
    ts = x.event_columns["time:timestamp"]
    # 09:00 at -03:00 is 12:00Z; 10:30:15.123456789 at +02:00 is 08:30:15.123456789Z
    assert ts.values.tolist() == [
        _ns("2024-03-01T12:00:00+00:00"),
        _ns("2024-03-11T08:30:15+00:00") + 123_456_789,
        _ns("2024-03-02T00:00:00+00:00"),
    ]
    assert ts.offsets is not None
    assert ts.offsets.tolist() == [-180, 120, 0]
    assert ts.value(0) == dt.datetime(2024, 3, 1, 9, tzinfo=dt.timezone(dt.timedelta(hours=-3)))
    assert x.event_columns["amount_minor"].value(1) == 150075
    assert x.event_columns["amount_minor"].value(0) is None
    assert x.event_columns["identity:id"].type == "id"
    # org:resource with a meta-attribute is kept whole as a nested attribute
    assert x.event_columns["org:resource"].present.tolist() == [True, False, False]
    assert x.nested[("event", 2)] == (
        XesAttribute("org:resource", "string", "erp",
                     meta=(XesAttribute("org:role", "string", "billing"),)),
    )  # fmt: skip
    alloc = x.nested[("event", 1)][0]
    assert alloc.type == "list"
    assert [i.value for i in alloc.items] == ["F-1", "F-2"]
    assert alloc.meta == (XesAttribute("note", "string", "one payment, two invoices"),)
    customer = x.nested[("trace", 1)][0]
    assert customer.type == "container"
    assert customer.items == (
        XesAttribute("name", "string", "Ana & Rui <Ltda>"),
        XesAttribute("segment", "int", 2),
    )


def test_round_trip_of_the_hand_written_document(small: XesLog) -> None:
    text = write_xes(small)
    assert isinstance(text, str)
    back = read_xes(text)
    assert back == small
    assert "2024-03-11T10:30:15.123456789+02:00" in text
    assert "2024-03-01T09:00:00.000-03:00" in text
    assert "Ana &amp; Rui &lt;Ltda&gt;" in text
    # written to binary and text file objects, and gzip-compressed
    buf = io.BytesIO()
    assert write_xes(small, buf) is None
    assert read_xes(buf.getvalue()) == small
    sio = io.StringIO()
    write_xes(small, sio)
    sio.seek(0)
    assert read_xes(sio) == small
    assert read_xes(gzip.compress(buf.getvalue())) == small
    assert read_xes(io.BytesIO(gzip.compress(buf.getvalue()))) == small
    assert small != read_xes(text.replace('value="1500.75"', 'value="1500.76"'))


def test_to_event_log(small: XesLog) -> None:
    with pytest.raises(InvalidRecordError, match=r"'F-3'.*at least one event"):
        small.to_event_log()
    log = small.to_event_log(on_invalid="drop")
    assert log.case_ids.tolist() == ["F-1", "F-2"]
    # 2024-03-01T12:00Z -> 2024-03-11T08:30:15.123456789Z
    days = log.case_durations("Invoice Generated", "Payment Received").days.tolist()
    assert days[0] == pytest.approx((9 * 86400 + 20 * 3600 + 30 * 60 + 15.123456789) / 86400)
    assert math.isnan(days[1])
    assert log.case_attribute("amount").tolist() == [1500.75, -0.5]
    # a boolean key absent on a trace (F-3) becomes float with NaN, as every EventLog column
    assert log.case_attribute("disputed").tolist() == [0.0, 1.0]
    assert log.event_attribute("time:timestamp" + OFFSET_SUFFIX).tolist() == [-180, 120, 0]
    assert log.event_attribute("org:resource").tolist() == ["erp", None, None]
    assert "allocations" not in log.attribute_names


def test_event_log_round_trip_keeps_offsets(small: XesLog) -> None:
    log = small.to_event_log(on_invalid="drop")
    text = write_xes(log)
    assert isinstance(text, str)
    assert "2024-03-11T10:30:15.123456789+02:00" in text
    again = read_xes(text)
    assert again.to_event_log() == log
    assert again.event_columns["time:timestamp"].equals(small.event_columns["time:timestamp"])


def test_errors_name_the_record() -> None:
    bad_int = (
        '<log><trace><string key="concept:name" value="T9"/><event>'
        '<int key="n" value="1.5"/></event></trace></log>'
    )
    with pytest.raises(InvalidRecordError, match=r"record 'T9' \(row 0\): field 'n' = '1.5'"):
        read_xes(bad_int)
    naive = '<log><trace><event><date key="time:timestamp" value="2024-01-01T10:00:00"/></event></trace></log>'  # noqa: E501
    with pytest.raises(NaiveDatetimeError, match="'time:timestamp'"):
        read_xes(naive)
    x = read_xes(naive, tz=ZoneInfo("America/Sao_Paulo"))
    col = x.event_columns["time:timestamp"]
    assert col.values.tolist() == [_ns("2024-01-01T13:00:00+00:00")]
    assert col.offsets is not None
    assert col.offsets.tolist() == [-180]
    with pytest.raises(InvalidRecordError, match="boolean"):
        read_xes('<log><trace><boolean key="b" value="yes"/></trace></log>')
    with pytest.raises(InvalidRecordError, match="xs:dateTime"):
        read_xes('<log><trace><date key="d" value="tomorrow"/></trace></log>')
    with pytest.raises(InvalidRecordError, match="number"):
        read_xes('<log><trace><float key="f" value="x"/></trace></log>')
    with pytest.raises(InvalidRecordError, match="one type per key"):
        read_xes('<log><trace><int key="k" value="1"/></trace>'
                 '<trace><string key="k" value="a"/></trace></log>')  # fmt: skip
    with pytest.raises(InvalidRecordError, match="each key once"):
        read_xes('<log><trace><int key="k" value="1"/><int key="k" value="2"/></trace></log>')
    with pytest.raises(InvalidRecordError, match="inside a <trace>"):
        read_xes("<log><event/></log>")
    with pytest.raises(InvalidRecordError, match="well-formed"):
        read_xes("<log><trace></log>")
    with pytest.raises(InvalidRecordError, match="root <log>"):
        read_xes("<foo/>")
    with pytest.raises(InvalidRecordError, match="key="):
        read_xes('<log><trace><int value="1"/></trace></log>')
    with pytest.raises(InvalidParameterError, match="opens no paths"):
        read_xes("logs/running-example.xes")
    with pytest.raises(InvalidParameterError, match="file object"):
        read_xes(42)
    with pytest.raises(InvalidParameterError, match="file object"):
        write_xes(read_xes("<log/>"), target="out.xes")
    with pytest.raises(InvalidParameterError, match="XesLog or an EventLog"):
        write_xes("<log/>")  # type: ignore[arg-type]


def test_to_event_log_checks() -> None:
    dup = read_xes(
        '<log><trace><string key="concept:name" value="A"/><event>'
        '<string key="concept:name" value="X"/><date key="time:timestamp" value="2024-01-01T00:00:00Z"/>'  # noqa: E501
        '</event></trace><trace><string key="concept:name" value="A"/><event>'
        '<string key="concept:name" value="X"/><date key="time:timestamp" value="2024-01-02T00:00:00Z"/>'  # noqa: E501
        "</event></trace></log>"
    )
    with pytest.raises(InvalidRecordError, match="no other trace"):
        dup.to_event_log()
    unnamed = read_xes("<log><trace><event/></trace></log>")
    with pytest.raises(InvalidRecordError, match="a case id on every trace"):
        unnamed.to_event_log()
    assert unnamed.to_event_log(on_invalid="drop").n_events == 0
    no_ts = read_xes(
        '<log><trace><string key="concept:name" value="A"/><event>'
        '<string key="concept:name" value="X"/></event></trace></log>'
    )
    with pytest.raises(InvalidRecordError, match="time:timestamp"):
        no_ts.to_event_log()
    dropped = no_ts.to_event_log(on_invalid="drop")
    assert (dropped.n_events, dropped.dropped.rows) == (0, 1)
    with pytest.raises(InvalidParameterError, match="on_invalid"):
        no_ts.to_event_log(on_invalid="skip")  # type: ignore[arg-type]


def test_control_characters_cannot_be_written() -> None:
    log = EventLog.from_columns(case=["A"], activity=["bad\x01name"],
                                timestamp=["2024-01-01T00:00Z"])  # fmt: skip
    with pytest.raises(InvalidRecordError, match=r"'concept:name'.*XML 1.0"):
        write_xes(log)


def test_file_object_is_read_in_chunks() -> None:
    # a document of several MiB is fed to the parser one read() at a time
    log = EventLog.from_columns(
        case=[f"F-{i:05d}" for i in range(20_000) for _ in range(2)],
        activity=["Invoice Generated", "Payment Received"] * 20_000,
        timestamp=np.array([0, 86_400 * NS] * 20_000, dtype="datetime64[ns]"),
    )
    text = write_xes(log)
    assert isinstance(text, str)

    class Reader:
        def __init__(self, data: bytes) -> None:
            self.buf = io.BytesIO(data)
            self.calls = 0

        def read(self, n: int) -> bytes:
            self.calls += 1
            return self.buf.read(n)

    data = text.encode()
    reader = Reader(data)
    back = read_xes(reader).to_event_log()
    assert back == log
    assert reader.calls == len(data) // (1 << 20) + 2  # full chunks, the rest, the empty read


# ------------------------------------------------------------------ round trips

_KEYS = st.sampled_from(["concept:name", "org:resource", "amount", "k", "lifecycle:transition"])
_TEXT = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00\ufffe\uffff"
                  "\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14"
                  "\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\r"),
    max_size=12,
)  # fmt: skip
_NS = st.integers(-(2**62), 2**62)
_OFF = st.integers(-14 * 60, 14 * 60)


def _column(draw: st.DrawFn, type_: str, n: int) -> XesColumn:
    present = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    if type_ in ("string", "id"):
        vals = np.array([draw(_TEXT) if p else None for p in present.tolist()] or [], dtype=object)
        return XesColumn(type_, present, vals.reshape(n))
    if type_ == "int":
        v = draw(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=n, max_size=n))
        return XesColumn("int", present, np.where(present, np.array(v, dtype=np.int64), 0))
    if type_ == "float":
        f = draw(st.lists(st.floats(allow_nan=True), min_size=n, max_size=n))
        return XesColumn("float", present, np.where(present, np.array(f, dtype=float), np.nan))
    if type_ == "boolean":
        v = draw(st.lists(st.booleans(), min_size=n, max_size=n))
        return XesColumn("boolean", present, np.array(v, dtype=bool) & present)
    ns = np.array(draw(st.lists(_NS, min_size=n, max_size=n)), dtype=np.int64)
    off = np.array(draw(st.lists(_OFF, min_size=n, max_size=n)), dtype=np.int16)
    return XesColumn(
        "date", present, np.where(present, ns, np.iinfo(np.int64).min), np.where(present, off, 0)
    )


_SIMPLE = st.sampled_from(["string", "date", "int", "float", "boolean", "id"])


def _attribute(depth: int) -> st.SearchStrategy[XesAttribute]:
    value_for: dict[str, st.SearchStrategy[Any]] = {
        "string": _TEXT,
        "id": _TEXT,
        "int": st.integers(-(2**63), 2**63 - 1),
        "float": st.floats(allow_nan=False),
        "boolean": st.booleans(),
        "date": st.datetimes(
            min_value=dt.datetime(1800, 1, 1), max_value=dt.datetime(2200, 1, 1),
            timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=5, minutes=30))]),
        ),
    }  # fmt: skip
    simple = _SIMPLE.flatmap(lambda t: st.builds(XesAttribute, _KEYS, st.just(t), value_for[t]))
    if depth == 0:
        return simple
    inner = st.lists(_attribute(depth - 1), max_size=2)
    return st.one_of(
        simple,
        st.builds(XesAttribute, _KEYS, st.just("list"), st.none(), inner, inner),
        st.builds(XesAttribute, _KEYS, st.just("container"), st.none(), inner),
        _SIMPLE.flatmap(
            lambda t: st.builds(XesAttribute, _KEYS, st.just(t), value_for[t], st.just(()),
                                st.lists(_attribute(0), min_size=1, max_size=2))
        ),
    )  # fmt: skip


def _unique_keys(attrs_: list[XesAttribute]) -> tuple[XesAttribute, ...]:
    seen: dict[str, XesAttribute] = {}
    for a in attrs_:
        seen.setdefault(a.key, a)
    return tuple(seen.values())


@st.composite
def xes_logs(draw: st.DrawFn) -> XesLog:
    n_traces = draw(st.integers(0, 4))
    counts = draw(st.lists(st.integers(0, 3), min_size=n_traces, max_size=n_traces))
    event_trace = np.repeat(np.arange(n_traces), counts).astype(np.int64)
    n_events = int(event_trace.shape[0])
    tkeys = draw(st.dictionaries(st.sampled_from(["concept:name", "t1", "t2"]), _SIMPLE))
    ekeys = draw(st.dictionaries(st.sampled_from(["concept:name", "time:timestamp", "e1"]),
                                 _SIMPLE))  # fmt: skip
    tcols = {k: _column(draw, t, n_traces) for k, t in tkeys.items()}
    ecols = {k: _column(draw, t, n_events) for k, t in ekeys.items()}
    nested: dict[tuple[str, int], tuple[XesAttribute, ...]] = {}
    for scope, n, simple_keys in (("trace", n_traces, tcols), ("event", n_events, ecols)):
        for row in range(n):
            extra = draw(st.lists(_attribute(2), max_size=2))
            # a nested attribute's key is not also a simple attribute of the row
            taken = {k for k, c in simple_keys.items() if c.present[row]}
            # only what a column cannot hold is nested: lists, containers, meta-attributes
            extra = [
                a
                for a in _unique_keys(extra)
                if a.key not in taken and (a.type in ("list", "container") or a.meta)
            ]
            if extra:
                nested[(scope, row)] = tuple(extra)
    return XesLog(
        extensions=[STANDARD_EXTENSIONS["concept"]],
        classifiers=[],
        globals={"event": _unique_keys(draw(st.lists(_attribute(0), max_size=2)))},
        attributes=_unique_keys(draw(st.lists(_attribute(1), max_size=2))),
        trace_columns=tcols,
        event_columns=ecols,
        event_trace=event_trace,
        n_traces=n_traces,
        nested=nested,
        log_attrib={"xes.version": "1849-2016"},
    )


@settings(max_examples=80, deadline=None)
@given(x=xes_logs())
def test_xes_round_trip(x: XesLog) -> None:
    text = write_xes(x)
    assert isinstance(text, str)
    assert read_xes(text) == x
    assert read_xes(text.encode("utf-8")) == x


@settings(max_examples=60, deadline=None)
@given(rows=eventlog_rows(max_cases=5, max_events=20))
def test_event_log_round_trip(rows: list[tuple[str, str, int, str | None]]) -> None:
    cols = rows_to_columns(rows)
    log = EventLog.from_columns(cols)
    text = write_xes(log)
    assert isinstance(text, str)
    if all(r is None for r in cols["org:resource"]):  # type: ignore[attr-defined]
        # an attribute without any value is not in the document
        del cols["org:resource"]
    assert read_xes(text).to_event_log() == EventLog.from_columns(cols, resource=None)


def test_event_log_with_typed_attributes_round_trip() -> None:
    log = EventLog.from_columns(
        case=["F-2", "F-1", "F-1"],
        activity=["Invoice Generated", "Invoice Generated", "Payment Received"],
        timestamp=["2024-01-02T00:00:00Z", "2024-01-01T00:00:00Z", "2024-01-05T06:00:00Z"],
        attributes={
            "amount_minor": [None, None, 5000],
            "n": [1, 2, 3],
            "flag": [True, False, True],
            "when": np.array(
                ["2024-02-01T00:00", "NaT", "2024-03-01T12:00"], dtype="datetime64[ns]"
            ),
        },
        case_attributes={"segment": ["ENT", "SMB", "SMB"]},
    )
    x = XesLog.from_event_log(log)
    assert x.trace_columns["concept:name"].values.tolist() == ["F-1", "F-2"]
    assert x.event_columns["n"].type == "int"
    assert x.event_columns["flag"].type == "boolean"
    assert x.event_columns["amount_minor"].type == "float"
    assert x.event_columns["when"].present.tolist() == [False, True, True]
    assert read_xes(write_xes(log)).to_event_log() == log


def test_values_converted_in_batches_keep_rows_and_errors() -> None:
    # more values of a key than one conversion batch (65 536): rows, values and the
    # record named by an error past the first batch stay right
    n = 70_000

    def doc(bad_at: int | None) -> str:
        events = "".join(
            f'<event><int key="n" value="{"x" if i == bad_at else i}"/>'
            f'<string key="r" value="{"ab"[i % 2]}"/></event>'
            + ('</trace><trace><string key="concept:name" value="T2"/>' if i == 40_000 else "")
            for i in range(n)
        )
        return f'<log><trace><string key="concept:name" value="T1"/>{events}</trace></log>'

    x = read_xes(doc(None))
    assert x.event_columns["n"].values.tolist() == list(range(n))
    assert x.event_columns["r"].values[:4].tolist() == ["a", "b", "a", "b"]
    assert x.event_trace.tolist() == [0] * 40_001 + [1] * (n - 40_001)
    with pytest.raises(InvalidRecordError, match=r"record 'T2' \(row 69000\): field 'n' = 'x'"):
        read_xes(doc(69_000))
    with pytest.raises(InvalidRecordError, match=r"record 'T1' \(row 7\): field 'n' = 'x'"):
        read_xes(doc(7))
