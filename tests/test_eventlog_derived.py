"""from_invoices, derived Due Date Passed events, the case table and the quality report."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import invoice_lists

from kpicore.errors import InvalidParameterError, InvalidRecordError, MissingDataError
from kpicore.eventlog import EventLog, QualityReport
from kpicore.kpis._ledger import ledger
from kpicore.kpis.disputes import dispute_episodes
from kpicore.kpis.overdue import days_late, days_overdue
from kpicore.model import Dispute, DunningLetter, Invoice, Payment, PromiseToPay
from kpicore.money import Money

UTC = dt.UTC
T0 = 1_704_067_200_000_000_000  # 2024-01-01T00:00Z
D = 86_400_000_000_000


def brl(v: int) -> Money:
    return Money.of(v, "BRL")


@pytest.fixture(scope="module")
def invoices() -> list[Invoice]:
    return [
        # paid in two parts, the second one late; posted two days after each receipt
        Invoice(
            "F-2", "C1", "2024-01-01T00:00:00Z", "2024-01-10", brl(100),
            posted_at="2024-01-01T06:00:00Z", collector="ana",
            payments=[Payment("2024-01-12T00:00:00Z", brl(60), posted_at="2024-01-14T00:00:00Z"),
                      Payment("2024-01-05T00:00:00Z", brl(40))],
            dunning_letters=[DunningLetter(1, "2024-01-11T00:00:00Z")],
        ),
        # disputed, resolved, then written off; a promise on the way
        Invoice(
            "F-1", "C2", "2024-01-02T00:00:00Z", "2024-01-31", brl(50),
            disputes=[Dispute("2024-01-03T00:00:00Z", reason="price",
                              resolved_at="2024-01-07T00:00:00Z")],
            dunning_letters=[DunningLetter(2, "2024-02-10T00:00:00Z"),
                             DunningLetter(1, "2024-02-05T00:00:00Z")],
            promises=[PromiseToPay("2024-02-06T00:00:00Z", "2024-02-20", brl(50))],
            written_off_at="2024-03-01T00:00:00Z",
        ),
        # still open
        Invoice("F-3", "C1", "2024-01-20T00:00:00Z", "2024-02-20", brl(10)),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def log(invoices: list[Invoice]) -> EventLog:
    return EventLog.from_invoices(invoices)


def acts(log: EventLog, case: int) -> list[str]:
    lo, hi = int(log.case_starts[case]), int(log.case_starts[case + 1])
    return [log.activities[a] for a in log.activity_codes[lo:hi]]


def test_from_invoices_events(log: EventLog) -> None:
    assert log.case_ids.tolist() == ["F-1", "F-2", "F-3"]
    assert acts(log, 1) == [
        "Invoice Generated", "Invoice Posted and Sent", "Payment Received", "Collection Letter "
        "Generated", "Payment Received", "Invoice Settled", "Payment Posted",
    ]  # fmt: skip
    assert acts(log, 0) == [
        "Invoice Generated", "Dispute Registered", "Dispute Resolved",
        "Collection Letter Generated", "Promise to Pay Created", "Collection Letter Generated",
        "Invoice Written Off",
    ]  # fmt: skip
    assert acts(log, 2) == ["Invoice Generated"]
    # the settlement is the instant the second payment covered the amount
    assert log.first_occurrence("Invoice Settled").ns.tolist()[1] == T0 + 11 * D
    d = log.case_durations("Invoice Generated", "Invoice Settled")
    assert d.days.tolist()[1] == 11.0
    assert d.counts["missing_end"] == 2


def test_from_invoices_attributes(log: EventLog) -> None:
    assert log.case_attribute("customer_id").tolist() == ["C2", "C1", "C1"]
    assert log.case_attribute("due_date").tolist() == [
        dt.date(2024, 1, 31), dt.date(2024, 1, 10), dt.date(2024, 2, 20)
    ]  # fmt: skip
    assert log.case_attribute("amount_minor").tolist() == [5000, 10000, 1000]
    assert log.case_attribute("currency").tolist() == ["BRL"] * 3
    assert log.case_attribute("collector").tolist() == [None, "ana", None]
    levels = log.event_attribute("dunning_level")
    letters = log.activity_codes == log.activities.index("Collection Letter Generated")
    assert levels[letters].tolist() == [1.0, 2.0, 1.0]
    reasons = log.event_attribute("dispute_reason")
    assert [r for r in reasons.tolist() if r] == ["price", "price"]


def test_from_invoices_writes_the_promised_date(log: EventLog) -> None:
    promised = log.event_attribute("promised_date")
    assert promised.dtype == np.dtype("datetime64[D]")
    is_promise = log.activity_codes == log.activities.index("Promise to Pay Created")
    assert promised[is_promise].tolist() == [dt.date(2024, 2, 20)]
    assert bool(np.isnat(promised[~is_promise]).all())
    # the promised amount rides on the promise event, as for payments
    assert log.event_attribute("amount_minor")[is_promise].tolist() == [5000.0]
    # a date column even when no invoice has a promise
    bare = EventLog.from_invoices([Invoice("F-9", "C1", "2024-01-01", "2024-01-31", brl(1))])
    assert bare.event_attribute("promised_date").dtype == np.dtype("datetime64[D]")


def test_from_invoices_rejects_duplicates_and_non_invoices(invoices: list[Invoice]) -> None:
    with pytest.raises(InvalidRecordError, match=r"record 'F-2' \(row 3\): field 'number'"):
        EventLog.from_invoices([*invoices, invoices[0]])
    with pytest.raises(InvalidRecordError, match="row 0: field 'invoice'"):
        EventLog.from_invoices(["F-1"])  # type: ignore[list-item]


def test_due_date_passed_for_overdue_invoices(log: EventLog) -> None:
    out = log.with_due_date_passed(dt.date(2024, 2, 29))
    # F-2 due 01-10, settled 01-12: overdue -> event at 01-11 00:00 (end of the due date)
    # F-1 due 01-31, written off 03-01: overdue -> 02-01 00:00; F-3 due 02-20 open -> 02-21
    assert out.count("Due Date Passed").to_dict() == {"F-1": 1, "F-2": 1, "F-3": 1}
    passed = out.first_occurrence("Due Date Passed").ns.tolist()
    assert passed == [T0 + 31 * D, T0 + 10 * D, T0 + 51 * D]
    # inserted in time order; F-2's letter was sent at the same instant (01-11 00:00) and
    # the new event goes after it
    assert acts(out, 1)[3:5] == ["Collection Letter Generated", "Due Date Passed"]
    assert out.n_events == log.n_events + 3
    assert np.all(np.diff(out.timestamps[out.case_codes == 1]) >= 0)
    # as of 01-31 only F-2 is past due; again on the result adds nothing new
    early = log.with_due_date_passed(dt.date(2024, 1, 31))
    assert early.count("Due Date Passed").to_dict() == {"F-1": 0, "F-2": 1, "F-3": 0}
    assert early.with_due_date_passed(dt.date(2024, 2, 29)).count(
        "Due Date Passed").to_dict() == {"F-1": 1, "F-2": 1, "F-3": 1}  # fmt: skip
    assert log.with_due_date_passed(dt.date(2024, 1, 9)) is log


def test_due_date_passed_not_for_invoices_paid_in_time() -> None:
    inv = Invoice("P", "C", "2024-01-01T00:00:00Z", "2024-01-10", brl(5),
                  payments=[Payment("2024-01-10T23:00:00Z", brl(5))])  # fmt: skip
    log = EventLog.from_invoices([inv])
    assert log.with_due_date_passed(dt.date(2024, 6, 1)) is log
    # in Sao Paulo time the due date ends at 01-11 03:00Z, still after the payment
    sp = log.with_due_date_passed(dt.date(2024, 6, 1), tz=ZoneInfo("America/Sao_Paulo"))
    assert sp is log


def test_due_date_passed_errors_and_instants() -> None:
    log = EventLog.from_columns(case=["a"], activity=["X"], timestamp=["2024-01-01"])
    with pytest.raises(MissingDataError, match="due_date"):
        log.with_due_date_passed(dt.date(2024, 1, 1))
    bad = log.with_case_attributes({"due_date": ["soon"]})
    with pytest.raises(InvalidParameterError, match="not dates"):
        bad.with_due_date_passed(dt.date(2024, 1, 1))
    instant = log.with_case_attributes({"due_date": [dt.datetime(2024, 1, 5, 12, tzinfo=UTC)]})
    out = instant.with_due_date_passed(dt.datetime(2024, 1, 6, tzinfo=UTC), due_date="due_date")
    assert out.last_occurrence().ns.tolist() == [T0 + 4 * D + D // 2]
    assert out.activities == ("Due Date Passed", "X")


def test_due_date_passed_reuses_a_mapped_label() -> None:
    log = EventLog.from_columns(
        case=["a", "b"], activity=["Vencimento Ultrapassado", "X"],
        timestamp=["2024-01-01T00:00Z"] * 2,
        case_attributes={"due_date": [dt.date(2023, 12, 1), dt.date(2023, 12, 1)]},
        attributes={"n": [1, 2]},
    )  # fmt: skip
    out = log.with_due_date_passed(dt.date(2024, 1, 1))
    # a already has the (pt-BR) event; b gets one under the existing label, dated 12-02,
    # so before its X of 01-01, with a null n
    assert out.activities == log.activities
    assert out.count("Due Date Passed").to_dict() == {"a": 1, "b": 1}
    assert np.array_equal(out.event_attribute("n"), [1.0, np.nan, 2.0], equal_nan=True)


def test_case_table(log: EventLog) -> None:
    t = log.case_table()
    assert t["invoice_status"].tolist() == ["written_off", "paid", "open"]
    assert t["is_disputed"].tolist() == [True, False, False]
    assert t["open_disputes"].tolist() == [0, 0, 0]
    assert t["dispute_reason"].tolist() == ["price", None, None]
    assert t["dispute_resolution_days"].tolist()[0] == 4.0
    assert t["collection_letters"].tolist() == [2, 1, 0]
    assert t["dunning_level"].tolist() == [2, 1, 0]
    assert t["days_to_settle"].tolist()[1] == 11.0
    # days overdue (the definition, kpicore.periods.days_past_due): 0 once paid or
    # written off; F-3 still open and no as_of: unknown
    over = t["days_overdue"].tolist()
    assert over[:2] == [0.0, 0.0]
    assert np.isnan(over[2])
    # days late at settlement have their own column: F-2 due 01-10, settled 01-12
    late = t["days_late"].tolist()
    assert late[1] == 2.0
    assert np.isnan(late[0])  # written off: not settled
    assert np.isnan(late[2])  # open
    assert t["events"].tolist() == [7, 7, 1]
    assert t["customer_id"].tolist() == ["C2", "C1", "C1"]
    assert t.row("F-2")["invoice_status"] == "paid"
    assert t.to_dict()["columns"]["invoice_status"] == ["written_off", "paid", "open"]
    assert len(t) == len(list(t))
    with pytest.raises(MissingDataError, match="F-9"):
        t.row("F-9")


def test_case_table_as_of(log: EventLog) -> None:
    t = log.case_table(as_of=dt.date(2024, 1, 5))
    # known by the end of 01-05: F-2 got its first payment that day, F-1 is disputed,
    # F-3 was not issued yet
    assert t["invoice_status"].tolist() == ["disputed", "partially_paid", None]
    assert t["open_disputes"].tolist() == [1, 0, 0]
    assert np.isnan(t["dispute_resolution_days"][0])
    # as of 02-20: F-1 due 01-31 and still open -> 20 days overdue
    later = log.case_table(as_of=dt.date(2024, 2, 20))
    assert later["days_overdue"].tolist()[0] == 20.0
    assert later["invoice_status"].tolist()[0] == "open"
    assert later["dunning_level"].tolist()[0] == 2


def test_case_table_without_dunning_attribute() -> None:
    log = EventLog.from_columns(
        case=["a", "a"], activity=["Collection Letter Generated"] * 2,
        timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z"],
    )  # fmt: skip
    t = log.case_table()
    assert t["dunning_level"].tolist() == [2]
    assert "days_overdue" not in t
    assert t["invoice_status"].tolist() == ["open"]


def test_quality_of_a_clean_log(log: EventLog) -> None:
    q = log.quality()
    assert isinstance(q, QualityReport)
    # Payment Posted after settlement is allowed; optional attributes are null on most
    # events (amount_minor, dunning_level, dispute_reason): that is the only finding
    assert [i.name for i in q.problems] == ["null_attribute_values"]
    assert q["duplicate_events"].count == 0
    assert q.to_dict()["n_cases"] == 3


def test_quality_finds_each_problem() -> None:
    log = EventLog.from_columns(
        case=["a", "a", "a", "a", "b", "c", "c", "c", "d", "d"],
        activity=["Invoice Generated", "Invoice Generated", "Invoice Settled",
                  "Dispute Registered", "Payment Received",
                  "Payment Received", "Invoice Generated", "Payment Posted",
                  "Invoice Generated", "Visita técnica"],
        timestamp=["2024-01-01T00:00Z", "2024-01-01T00:00Z", "2024-01-02T00:00Z",
                   "2024-01-03T00:00Z", "2024-01-01T00:00Z",
                   "2024-01-02T00:00Z", "2024-01-03T00:00Z", "2024-01-01T00:00Z",
                   "2024-01-01T00:00Z", "2024-01-02T00:00Z"],
        attributes={"amount": [1.0, None, 1.0, 1.0, 1.0, None, 1.0, 1.0, 1.0, 1.0]},
        case_attributes={"customer": ["X", "X", "Y", "X", "Z", "W", "W", "W", "V", "V"]},
    )  # fmt: skip
    q = log.quality()
    assert (q["duplicate_events"].count, q["duplicate_events"].examples) == (1, ("a",))
    assert q["null_attribute_values"].count == 2
    assert q["missing_start_activity"].examples == ("b",)
    # c: Payment Received (01-02) and Payment Posted (01-01) before Generated (01-03)
    assert (q["events_before_start"].count, q["events_before_start"].examples) == (2, ("c",))
    # a: Dispute Registered after the settlement
    assert (q["events_after_end"].count, q["events_after_end"].examples) == (1, ("a",))
    # c: Payment Posted before Payment Received
    assert q["out_of_order_lifecycle"].examples == ("c",)
    assert q["case_attribute_conflicts"].examples == ("a",)
    assert q["non_canonical_activities"].count == 1
    assert not q.ok
    assert {i.name for i in q} >= {"dropped_rows", "duplicate_events"}
    with pytest.raises(MissingDataError, match="nope"):
        q["nope"]
    with pytest.raises(InvalidParameterError, match="examples"):
        log.quality(examples=-1)
    custom = log.quality(start="Payment Received", order_rules=(), allowed_after_end=None)
    assert custom["missing_start_activity"].examples == ("a", "d")
    assert custom["out_of_order_lifecycle"].count == 0
    assert q["duplicate_events"].to_dict()["examples"] == ["a"]


def test_case_table_roles_can_be_overridden() -> None:
    log = EventLog.from_columns(
        case=["a", "a"], activity=["Emissão", "Baixa"],
        timestamp=["2024-01-01T00:00Z", "2024-01-03T00:00Z"],
    )  # fmt: skip
    t = log.case_table(roles={"issued": "Emissão", "settled": "Baixa"})
    assert t["invoice_status"].tolist() == ["paid"]
    assert t["days_to_settle"].tolist() == [2.0]
    with pytest.raises(InvalidParameterError, match="role"):
        log.case_table(roles={"closed": "Baixa"})


# ----------------------------------------------------------------------------- one definition


def test_case_table_open_disputes_are_fifo_like_the_ledger_and_the_kpis() -> None:
    # x: registered, resolved, resolved again (nothing open), registered again -> 1 open
    # (registrations minus resolutions would say 0). y: a resolution with nothing open
    # before its registration -> 1 open
    reg, res = "Dispute Registered", "Dispute Resolved"
    log = EventLog.from_columns(
        case=["x", "x", "x", "x", "x", "y", "y", "y"],
        activity=["Invoice Generated", reg, res, res, reg, "Invoice Generated", res, reg],
        timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-03T00:00Z",
                   "2024-01-04T00:00Z", "2024-01-05T00:00Z",
                   "2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-03T00:00Z"],
    )  # fmt: skip
    t = log.case_table()
    assert t["open_disputes"].tolist() == [1, 1]
    assert t["dispute_resolution_days"].tolist()[0] == 1.0
    assert np.isnan(t["dispute_resolution_days"][1])  # y's only dispute is open
    assert ledger(log).open_disputes.tolist() == [1, 1]
    assert ledger(log).status_names.tolist() == ["disputed", "disputed"]
    ep = dispute_episodes(log)
    assert int(ep.is_open.sum()) == 2
    assert ep.coverage["unmatched_resolutions"] == 2
    # as of 01-03 (end of day): x's dispute was resolved on 01-03, y's registered on 01-03
    early = log.case_table(as_of=dt.date(2024, 1, 3))
    assert early["open_disputes"].tolist() == [0, 1]
    assert ledger(log, as_of=dt.date(2024, 1, 3)).open_disputes.tolist() == [0, 1]


def test_case_table_first_dispute_resolution_is_its_fifo_episode() -> None:
    # two overlapping disputes: the first resolution closes the first registration
    reg, res = "Dispute Registered", "Dispute Resolved"
    log = EventLog.from_columns(
        case=["x"] * 4, activity=[reg, reg, res, res],
        timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-04T00:00Z",
                   "2024-01-10T00:00Z"],
    )  # fmt: skip
    assert log.case_table()["dispute_resolution_days"].tolist() == [3.0]
    assert dispute_episodes(log).days.tolist()[0] == 3.0
    assert np.isnan(log.case_table(as_of=dt.date(2024, 1, 3))["dispute_resolution_days"][0])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    invs=invoice_lists(currencies_=("BRL",)),
    as_of=st.dates(dt.date(2019, 12, 1), dt.date(2027, 6, 30)),
)
def test_case_table_days_overdue_is_the_kpis_definition(
    invs: list[Invoice], as_of: dt.date
) -> None:
    assume(invs)
    log = EventLog.from_invoices(invs)
    t = log.case_table(as_of=as_of)
    ids = log.case_ids.tolist()
    table_over = dict(zip(ids, t["days_overdue"].tolist(), strict=True))
    for cid, days in days_overdue(log, as_of=as_of).to_mapping().items():
        assert table_over[cid] == days, cid
    table_late = dict(zip(ids, t["days_late"].tolist(), strict=True))
    for cid, late in days_late(log, as_of=as_of).to_mapping().items():
        if late is not None:
            assert table_late[cid] == late, cid
    # invoices not issued by then: no value
    issued = ledger(log, as_of=as_of).is_issued
    assert bool(np.isnan(t["days_overdue"][~issued]).all())
