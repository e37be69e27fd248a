"""OCEL 2.0: hand-written documents, round trips in the three formats, flattening and
object-centric invoice-to-cash (one payment for many invoices, partial payments).

The invoice-to-cash log below, worked by hand (amounts in BRL):

* invoices I1 100.00 (issued 01-01, due 01-31), I2 50.00 (issued 01-05, due 02-04),
  I3 80.00 (issued 01-10, due 02-09), all 2024;
* receipt r1 on 01-20 of payment object P1 (120.00) for I1 and I2: oldest due first,
  I1 gets 100.00 (settled), I2 20.00 (partial);
* receipt r2 on 02-10 (P2, 30.00) for I2: 30.00, I2 settled;
* receipt r3 on 02-15 (event amount 50.00) for I3: 50.00, partial (30.00 open);
* receipt r4 on 02-20 (40.00) for I3: 30.00 applied, 10.00 unapplied; I3 settled;
* posting p1 on 01-22 of P1 for I1 and I2; posting p2 on 02-11 of P2 for I2.

So days to first payment: I1 19, I2 15, I3 36; days to settle: I1 19, I2 36, I3 41;
days late (settlement − due): I1 0 (−11 signed), I2 6, I3 11; receipts per invoice
5 (I1:r1, I2:r1, I2:r2, I3:r3, I3:r4), applied 3 (posted), lags 2, 2, 1 days,
amount rate (100 + 20 + 30) / (100 + 20 + 30 + 50 + 30) = 150 / 230.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import sqlite3
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpicore.errors import (
    CurrencyMismatchError,
    InvalidParameterError,
    InvalidRecordError,
    MissingDataError,
    NaiveDatetimeError,
)
from kpicore.kpis.collections import cash_application_lag
from kpicore.kpis.dso import invoice_dso
from kpicore.kpis.overdue import days_late
from kpicore.ocel import (
    Instant,
    Ocel,
    OcelEvent,
    OcelObject,
    read_ocel_json,
    read_ocel_sqlite,
    read_ocel_xml,
    write_ocel_json,
    write_ocel_sqlite,
    write_ocel_xml,
)

Z = "1970-01-01T00:00:00Z"


def _inv(i: str, amount: float, due: str) -> dict[str, Any]:
    return {
        "id": i,
        "type": "invoice",
        "attributes": [
            {"name": "amount", "time": Z, "value": amount},
            {"name": "currency", "time": Z, "value": "BRL"},
            {"name": "due_date", "time": Z, "value": f"{due}T00:00:00Z"},
            {"name": "customer_id", "time": Z, "value": "C1"},
        ],
        "relationships": [{"objectId": "C1", "qualifier": "billed to"}],
    }


def _ev(eid: str, etype: str, day: str, rel: list[str], **attrs: Any) -> dict[str, Any]:
    return {
        "id": eid,
        "type": etype,
        "time": f"2024-{day}T00:00:00-03:00",
        "attributes": [{"name": k, "value": v} for k, v in attrs.items()],
        "relationships": [{"objectId": r, "qualifier": "q"} for r in rel],
    }


DOC = {
    "objectTypes": [
        {"name": "invoice", "attributes": [
            {"name": "amount", "type": "float"}, {"name": "currency", "type": "string"},
            {"name": "due_date", "type": "time"}, {"name": "customer_id", "type": "string"}]},
        {"name": "payment", "attributes": [
            {"name": "amount", "type": "float"}, {"name": "currency", "type": "string"}]},
        {"name": "customer", "attributes": [{"name": "segment", "type": "string"}]},
    ],
    "eventTypes": [
        {"name": "Invoice Generated", "attributes": []},
        {"name": "Payment Received", "attributes": [{"name": "amount", "type": "float"}]},
        {"name": "Payment Posted", "attributes": []},
    ],
    "objects": [
        {"id": "C1", "type": "customer",
         "attributes": [{"name": "segment", "time": Z, "value": "SMB"}]},
        _inv("I1", 100.0, "2024-01-31"), _inv("I2", 50.0, "2024-02-04"),
        _inv("I3", 80.0, "2024-02-09"),
        {"id": "P1", "type": "payment", "attributes": [
            {"name": "amount", "time": Z, "value": 120.0},
            {"name": "currency", "time": Z, "value": "BRL"}]},
        {"id": "P2", "type": "payment", "attributes": [
            {"name": "amount", "time": Z, "value": 30.0}]},
    ],
    "events": [
        _ev("g1", "Invoice Generated", "01-01", ["I1", "C1"]),
        _ev("g2", "Invoice Generated", "01-05", ["I2", "C1"]),
        _ev("g3", "Invoice Generated", "01-10", ["I3", "C1"]),
        _ev("r1", "Payment Received", "01-20", ["P1", "I2", "I1"]),
        _ev("p1", "Payment Posted", "01-22", ["P1", "I1", "I2"]),
        _ev("r2", "Payment Received", "02-10", ["P2", "I2"]),
        _ev("p2", "Payment Posted", "02-11", ["P2", "I2"]),
        _ev("r3", "Payment Received", "02-15", ["I3"], amount=50.0),
        _ev("r4", "Payment Received", "02-20", ["I3"], amount=40.0),
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def oc() -> Ocel:
    return read_ocel_json(json.dumps(DOC))


def test_read_json(oc: Ocel) -> None:
    assert oc.n_objects == 6
    assert oc.n_events == 9
    assert dict(oc.object_types["payment"]) == {"amount": "float", "currency": "string"}
    r1 = oc.events[3]
    assert r1.id == "r1"
    # 00:00 at -03:00 is 03:00Z; the offset is kept
    assert r1.time == Instant(int(dt.datetime(2024, 1, 20, 3, tzinfo=dt.UTC).timestamp()) * 10**9,
                              -180)  # fmt: skip
    assert r1.relationships == (("I1", "q"), ("I2", "q"), ("P1", "q"))
    assert oc.object("I2").value("amount") == 50.0
    assert oc.object("I1").value("due_date") == Instant.parse("2024-01-31T00:00:00Z")
    with pytest.raises(MissingDataError):
        oc.object("nope")


def test_allocation(oc: Ocel) -> None:
    cash = oc.to_invoice_log()
    assert cash.allocations() == [
        ("r1", "I1", 10000), ("r1", "I2", 2000), ("r2", "I2", 3000),
        ("r3", "I3", 5000), ("r4", "I3", 3000),
    ]  # fmt: skip
    assert dict(cash.unapplied_minor) == {"r4": 1000}
    assert dict(cash.coverage) == {
        "receipts": 4, "allocations": 5, "receipts_without_invoice": 0,
        "receipts_with_unapplied_cash": 1, "invoices": 3, "invoices_fully_paid": 3,
    }  # fmt: skip
    log = cash.log
    assert log.case_ids.tolist() == ["I1", "I2", "I3"]
    assert log.case_attribute("amount_minor").tolist() == [10000, 5000, 8000]
    assert log.case_attribute("currency").tolist() == ["BRL"] * 3
    assert log.case_attribute("due_date").tolist() == [
        dt.date(2024, 1, 31), dt.date(2024, 2, 4), dt.date(2024, 2, 9)
    ]  # fmt: skip
    assert log.count("Payment Received").values.tolist() == [1, 2, 2]
    assert cash.to_dict()["unapplied_minor"] == {"r4": 1000}


def test_allocation_feeds_the_kpis(oc: Ocel) -> None:
    log = oc.to_invoice_log().log
    assert invoice_dso(log).to_mapping() == {"I1": 19.0, "I2": 15.0, "I3": 36.0}
    assert invoice_dso(log, until="settlement").to_mapping() == {
        "I1": 19.0, "I2": 36.0, "I3": 41.0
    }  # fmt: skip
    assert days_late(log).to_mapping() == {"I1": 0.0, "I2": 6.0, "I3": 11.0}
    assert days_late(log, signed=True).to_mapping() == {"I1": -11.0, "I2": 6.0, "I3": 11.0}
    ca = cash_application_lag(log)
    assert (ca.receipts, ca.applied, ca.rate) == (5, 3, 0.6)
    assert ca.lag.mean == pytest.approx(5 / 3)
    assert ca.amount_rate["BRL"] == pytest.approx(150 / 230)


def test_allocation_errors(oc: Ocel) -> None:
    doc = json.loads(json.dumps(DOC))
    doc["objects"][5]["attributes"].append({"name": "currency", "time": Z, "value": "USD"})
    with pytest.raises(CurrencyMismatchError, match="r2"):
        read_ocel_json(json.dumps(doc)).to_invoice_log()
    doc = json.loads(json.dumps(DOC))
    doc["events"][7]["attributes"] = []  # r3 without amount and without a payment object
    with pytest.raises(InvalidRecordError, match="record 'r3'"):
        read_ocel_json(json.dumps(doc)).to_invoice_log()
    doc = json.loads(json.dumps(DOC))
    doc["objects"][1]["attributes"][0]["value"] = 100.001
    with pytest.raises(InvalidRecordError, match="'I1'"):
        read_ocel_json(json.dumps(doc)).to_invoice_log()
    with pytest.raises(MissingDataError, match="bill"):
        oc.to_invoice_log(invoice_type="bill")


def test_flatten(oc: Ocel) -> None:
    log = oc.flatten("invoice")
    # I1: g1, r1, p1; I2: g2, r1, p1, r2, p2; I3: g3, r3, r4
    assert log.events_per_case().values.tolist() == [3, 5, 3]
    assert log.event_attribute("ocel:eid").tolist() == [
        "g1", "r1", "p1", "g2", "r1", "p1", "r2", "p2", "g3", "r3", "r4"
    ]  # fmt: skip
    assert log.event_attribute("time:timestamp@offset").tolist() == [-180] * 11
    assert log.case_attribute("amount").tolist() == [100.0, 50.0, 80.0]
    cust = oc.flatten("customer")
    assert (cust.n_cases, cust.n_events) == (1, 3)
    assert oc.flatten("payment").events_per_case().values.tolist() == [2, 2]
    with pytest.raises(MissingDataError, match="order"):
        oc.flatten("order")


def test_round_trips_of_the_hand_written_log(oc: Ocel) -> None:
    text = write_ocel_json(oc)
    assert isinstance(text, str)
    assert read_ocel_json(text) == oc
    assert read_ocel_json(text.encode()) == oc
    xml = write_ocel_xml(oc)
    assert isinstance(xml, str)
    assert read_ocel_xml(xml) == oc
    buf = io.BytesIO()
    write_ocel_xml(oc, buf)
    assert read_ocel_xml(io.BytesIO(buf.getvalue())) == oc
    con = sqlite3.connect(":memory:")
    write_ocel_sqlite(oc, con)
    assert read_ocel_sqlite(con) == oc
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"event_InvoiceGenerated", "event_PaymentReceived", "object_invoice"} <= names
    assert con.execute("SELECT COUNT(*) FROM event_object").fetchone() == (
        18,
    )  # 2+2+2+3+3+2+2+1+1
    with pytest.raises(InvalidParameterError, match="already"):
        write_ocel_sqlite(oc, con)
    assert oc != read_ocel_json(text.replace('"r4"', '"r5"'))


def test_sqlite_initial_rows_of_other_tools() -> None:
    # the specification's initial row: ocel_changed_field NULL, every attribute set
    con = sqlite3.connect(":memory:")
    con.executescript(
        """
        CREATE TABLE event (ocel_id TEXT, ocel_type TEXT);
        CREATE TABLE object (ocel_id TEXT, ocel_type TEXT);
        CREATE TABLE event_map_type (ocel_type TEXT, ocel_type_map TEXT);
        CREATE TABLE object_map_type (ocel_type TEXT, ocel_type_map TEXT);
        CREATE TABLE event_object (ocel_event_id TEXT, ocel_object_id TEXT, ocel_qualifier TEXT);
        CREATE TABLE object_object (ocel_source_id TEXT, ocel_target_id TEXT,
                                    ocel_qualifier TEXT);
        CREATE TABLE object_invoice (ocel_id TEXT, ocel_time TIMESTAMP,
                                     ocel_changed_field TEXT, amount REAL, paid BOOLEAN);
        INSERT INTO object VALUES ('I1', 'invoice');
        INSERT INTO object_map_type VALUES ('invoice', 'invoice');
        INSERT INTO object_invoice VALUES ('I1', '1970-01-01T00:00:00Z', NULL, 10.0, 0);
        INSERT INTO object_invoice VALUES ('I1', '2024-01-02T00:00:00Z', 'paid', NULL, 1);
        """
    )
    oc = read_ocel_sqlite(con)
    i1 = oc.object("I1")
    assert i1.value("amount") == 10.0
    assert i1.value("paid") is True
    jan1 = Instant.parse("2024-01-01T00:00:00Z").ns
    assert i1.value("paid", jan1) is False
    with pytest.raises(MissingDataError, match="missing table"):
        read_ocel_sqlite(sqlite3.connect(":memory:"))
    with pytest.raises(InvalidParameterError, match=r"sqlite3\.Connection"):
        read_ocel_sqlite("file.sqlite")  # type: ignore[arg-type]


def test_read_errors() -> None:
    base = {"objectTypes": [], "eventTypes": [{"name": "A", "attributes": [
        {"name": "n", "type": "integer"}]}], "objects": []}  # fmt: skip

    def doc(events: list[dict[str, Any]]) -> str:
        return json.dumps({**base, "events": events})

    ok = {"id": "e1", "type": "A", "time": "2024-01-01T00:00:00Z"}
    with pytest.raises(InvalidRecordError, match=r"record 'e1': field 'n' = 1.5"):
        read_ocel_json(doc([{**ok, "attributes": [{"name": "n", "value": 1.5}]}]))
    with pytest.raises(InvalidRecordError, match="declared"):
        read_ocel_json(doc([{**ok, "attributes": [{"name": "m", "value": 1}]}]))
    with pytest.raises(InvalidRecordError, match="declared event type"):
        read_ocel_json(doc([{**ok, "type": "B"}]))
    with pytest.raises(InvalidRecordError, match="object of the log"):
        read_ocel_json(doc([{**ok, "relationships": [{"objectId": "x", "qualifier": ""}]}]))
    with pytest.raises(InvalidRecordError, match="used once"):
        read_ocel_json(doc([ok, ok]))
    with pytest.raises(NaiveDatetimeError):
        read_ocel_json(doc([{**ok, "time": "2024-01-01T00:00:00"}]))
    got = read_ocel_json(doc([{**ok, "time": "2024-01-01T00:00:00"}]), tz=dt.UTC)
    assert got.events[0].time == Instant.parse("2024-01-01T00:00:00Z")
    with pytest.raises(InvalidRecordError, match="JSON"):
        read_ocel_json("{not json")
    with pytest.raises(InvalidParameterError, match="opens no paths"):
        read_ocel_json("log.jsonocel")
    with pytest.raises(InvalidRecordError, match="well-formed"):
        read_ocel_xml("<log><events>")
    with pytest.raises(InvalidRecordError, match="integer"):
        read_ocel_xml('<log><event-types><event-type name="A"><attributes>'
                      '<attribute name="n" type="integer"/></attributes></event-type>'
                      '</event-types><events><event id="e" type="A" time="2024-01-01T00:00Z">'
                      '<attributes><attribute name="n">x</attribute></attributes></event>'
                      "</events></log>")  # fmt: skip
    nan = Ocel({}, {"A": {"f": "float"}}, [],
               [OcelEvent("e", "A", Instant(0), [("f", float("nan"))])])  # fmt: skip
    with pytest.raises(InvalidRecordError, match="finite"):
        write_ocel_json(nan)
    with pytest.raises(InvalidRecordError, match="type"):
        Ocel({}, {"A": {"f": "decimal"}}, [], [])


# ------------------------------------------------------------------ round trips

_TEXT = st.text(st.characters(blacklist_categories=["Cs", "Cc"]), max_size=8)
_INSTANT = st.builds(Instant, st.integers(-(2**61), 2**61), st.integers(-840, 840))
_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "string": _TEXT,
    "time": _INSTANT,
    "integer": st.integers(-(2**63), 2**63 - 1),
    "float": st.floats(allow_nan=False, allow_infinity=False),
    "boolean": st.booleans(),
}
_TYPE = st.sampled_from(sorted(_VALUES))


@st.composite
def ocels(draw: st.DrawFn) -> Ocel:
    otypes = draw(st.dictionaries(st.sampled_from(["invoice", "pay ment", "c"]),
                                  st.dictionaries(st.sampled_from(["a", "b c"]), _TYPE),
                                  max_size=3))  # fmt: skip
    etypes = draw(st.dictionaries(st.sampled_from(["Gen", "Pay-1", "Pay 1", "X"]),
                                  st.dictionaries(st.sampled_from(["a", "amount"]), _TYPE),
                                  max_size=3))  # fmt: skip
    objects = []
    ids = [f"o{i}" for i in range(draw(st.integers(0, 4)))] if otypes else []
    for oid in ids:
        t = draw(st.sampled_from(sorted(otypes)))
        decl = otypes[t]
        changes = []
        for name, ty in decl.items():
            for when in draw(st.lists(_INSTANT, max_size=2, unique_by=lambda i: i.ns)):
                changes.append((name, when, draw(_VALUES[ty])))
        rels = draw(st.lists(st.tuples(st.sampled_from(ids), _TEXT), max_size=2, unique=True))
        objects.append(OcelObject(oid, t, changes, rels))
    events = []
    if etypes:
        for i in range(draw(st.integers(0, 5))):
            t = draw(st.sampled_from(sorted(etypes)))
            vals = [(n, draw(_VALUES[ty])) for n, ty in etypes[t].items() if draw(st.booleans())]
            rels = (
                draw(st.lists(st.tuples(st.sampled_from(ids), _TEXT), max_size=3, unique=True))
                if ids
                else []
            )
            events.append(OcelEvent(f"e{i}", t, draw(_INSTANT), vals, rels))
    return Ocel(otypes, etypes, objects, events)


@settings(max_examples=60, deadline=None)
@given(oc=ocels())
def test_round_trip_in_every_format(oc: Ocel) -> None:
    text = write_ocel_json(oc)
    assert isinstance(text, str)
    assert read_ocel_json(text) == oc
    xml = write_ocel_xml(oc)
    assert isinstance(xml, str)
    assert read_ocel_xml(xml) == oc
    con = sqlite3.connect(":memory:")
    write_ocel_sqlite(oc, con)
    assert read_ocel_sqlite(con) == oc
    con.close()
