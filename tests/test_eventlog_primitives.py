"""Hand-worked tests of the EventLog primitives.

The log below is given in scrambled row order. Its cases, in time order:

* A1: Generated 01-01 00:00, Payment 01-05 12:00, Payment 01-10 00:00 and Settled at
  the same instant 01-10 00:00 (a tie, input order Payment then Settled);
* A2: a single event, Generated 01-03;
* A3: Payment 01-02 (before the invoice!), Generated 01-04, Dispute Registered 01-05
  and 01-06, Resolved 01-08, Registered again 01-09 (still open);
* A4: Resolved 01-01 (no dispute before it), Registered 01-02, Resolved 01-04;
* A5: Generated 01-01 12:00 and again 01-02 12:00 (repeated), Payment 01-03 00:00.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from kpicore.errors import InvalidParameterError, MissingDataError, UnknownActivityError
from kpicore.eventlog import (
    END_BEFORE_START,
    MISSING_END,
    MISSING_START,
    USED,
    EventLog,
)

GEN, PAY, SET = "Invoice Generated", "Payment Received", "Invoice Settled"
REG, RES = "Dispute Registered", "Dispute Resolved"
T0 = 1_704_067_200_000_000_000  # 2024-01-01T00:00Z
H = 3_600_000_000_000
D = 24 * H

ROWS = [
    ("A3", REG, "2024-01-09T00:00:00Z"),
    ("A1", PAY, "2024-01-10T00:00:00Z"),
    ("A5", PAY, "2024-01-03T00:00:00Z"),
    ("A3", RES, "2024-01-08T00:00:00Z"),
    ("A1", GEN, "2024-01-01T00:00:00Z"),
    ("A4", RES, "2024-01-04T00:00:00Z"),
    ("A3", PAY, "2024-01-02T00:00:00Z"),
    ("A2", GEN, "2024-01-03T00:00:00Z"),
    ("A5", GEN, "2024-01-02T12:00:00Z"),
    ("A3", REG, "2024-01-06T00:00:00Z"),
    ("A1", SET, "2024-01-10T00:00:00Z"),
    ("A4", REG, "2024-01-02T00:00:00Z"),
    ("A3", GEN, "2024-01-04T00:00:00Z"),
    ("A1", PAY, "2024-01-05T12:00:00Z"),
    ("A4", RES, "2024-01-01T00:00:00Z"),
    ("A5", GEN, "2024-01-01T12:00:00Z"),
    ("A3", REG, "2024-01-05T00:00:00Z"),
]


@pytest.fixture(scope="module")
def log() -> EventLog:
    return EventLog.from_columns(
        case=[r[0] for r in ROWS],
        activity=[r[1] for r in ROWS],
        timestamp=[r[2] for r in ROWS],
        attributes={"row": list(range(len(ROWS)))},
        case_attributes={"segment": ["ENT" if r[0] in ("A1", "A3") else "SMB" for r in ROWS]},
    )


def nan_list(values: np.ndarray) -> list[float | None]:
    return [None if np.isnan(v) else float(v) for v in values.tolist()]


# ----------------------------------------------------------------------------- counts


def test_counts(log: EventLog) -> None:
    assert (log.n_cases, log.n_events) == (5, 17)
    assert log.events_per_case().to_dict() == {"A1": 4, "A2": 1, "A3": 6, "A4": 3, "A5": 3}
    assert log.events_per_activity() == {RES: 3, REG: 4, GEN: 5, SET: 1, PAY: 4}
    assert log.cases_per_activity() == {RES: 2, REG: 2, GEN: 4, SET: 1, PAY: 3}
    assert log.count(REG).to_dict() == {"A1": 0, "A2": 0, "A3": 3, "A4": 1, "A5": 0}
    s = log.events_per_case().summary()
    assert (s.count, s.min, s.max, s.median) == (5, 1.0, 6.0, 3.0)
    assert len(log.events_per_case()) == 5


def test_sorted_order_keeps_the_tie_in_input_order(log: EventLog) -> None:
    a1 = slice(int(log.case_starts[0]), int(log.case_starts[1]))
    assert [log.activities[a] for a in log.activity_codes[a1]] == [GEN, PAY, PAY, SET]
    # the per-event attribute followed the sort: A1's rows are 4, 13, 1, 10
    assert log.event_attribute("row")[a1].tolist() == [4, 13, 1, 10]


# -------------------------------------------------------------------- first / last


def test_first_and_last_occurrence(log: EventLog) -> None:
    first = log.first_occurrence(PAY)
    assert first.ns.tolist()[0] == T0 + 4 * D + 12 * H
    assert first.found.tolist() == [True, False, True, False, True]
    assert first.counts == {"found": 3, "missing": 2}
    assert np.isnat(first.times[1])
    last = log.last_occurrence(PAY)
    assert last.ns.tolist()[0] == T0 + 9 * D
    # repeated start: A5's first and last Generated
    assert log.first_occurrence(GEN).ns[4] == T0 + 12 * H
    assert log.last_occurrence(GEN).ns[4] == T0 + D + 12 * H
    # no activity: case start and end
    assert log.first_occurrence().ns.tolist()[2] == T0 + D
    assert log.last_occurrence().ns.tolist()[2] == T0 + 8 * D
    d = first.to_dict()
    assert d["times"]["A2"] is None
    assert d["times"]["A1"] == "2024-01-05T12:00:00.000000000Z"


# ------------------------------------------------------------------------- durations


def test_case_durations_first_start_first_end_after(log: EventLog) -> None:
    d = log.case_durations(GEN, PAY)
    # A1: 01-01 -> 01-05 12:00 = 4.5; A2 no payment; A3 payment only before the invoice;
    # A4 no invoice; A5: first Generated 01-01 12:00 -> 01-03 00:00 = 1.5
    assert nan_list(d.days) == [4.5, None, None, None, 1.5]
    assert d.status.tolist() == [USED, MISSING_END, END_BEFORE_START, MISSING_START, USED]
    assert d.counts == {"used": 2, "missing_start": 1, "missing_end": 1, "end_before_start": 1}
    assert d.cases("end_before_start").tolist() == ["A3"]
    # the instants of an end-before-start case are kept, so the gap can be inspected
    assert (d.start_ns[2], d.end_ns[2]) == (T0 + 3 * D, T0 + 1 * D)
    s = d.summary()
    assert (s.count, s.missing, s.mean) == (2, 3, 3.0)
    assert d.to_dict()["days"] == {"A1": 4.5, "A2": None, "A3": None, "A4": None, "A5": 1.5}
    with pytest.raises(InvalidParameterError, match="status"):
        d.cases("weird")  # type: ignore[arg-type]


def test_case_durations_last_start_and_other_end_rules(log: EventLog) -> None:
    # A5 from its last Generated 01-02 12:00 -> 01-03 = 0.5
    assert nan_list(log.case_durations(GEN, PAY, start_at="last").days)[4] == 0.5
    # last payment: A1 -> 01-10 = 9.0; A3's last payment is still before its invoice
    d = log.case_durations(GEN, PAY, end_at="last")
    assert nan_list(d.days) == [9.0, None, None, None, 1.5]
    assert d.status[2] == END_BEFORE_START
    assert log.case_durations(GEN, PAY, end_at="first").status[2] == END_BEFORE_START
    with pytest.raises(InvalidParameterError, match="start_at"):
        log.case_durations(GEN, PAY, start_at="middle")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="end_at"):
        log.case_durations(GEN, PAY, end_at="next")  # type: ignore[arg-type]


def test_throughput_is_max_minus_min(log: EventLog) -> None:
    # A1 9 days; A2 single event 0; A3 01-02 -> 01-09; A4 01-01 -> 01-04; A5 1.5
    d = log.case_durations()
    assert d.days.tolist() == [9.0, 0.0, 7.0, 3.0, 1.5]
    assert d.counts["used"] == 5
    assert d.start == "case start"
    assert d.end == "case end"
    # from an activity to the case end, and from the case start to an activity
    assert nan_list(log.case_durations(GEN).days) == [9.0, 0.0, 5.0, None, 1.5]
    assert nan_list(log.case_durations(None, PAY).days) == [4.5, None, 0.0, None, 1.5]


def test_end_at_the_same_instant_counts_whatever_the_tie_order() -> None:
    for acts in ([PAY, SET], [SET, PAY]):
        tie = EventLog.from_columns(case=["x", "x"], activity=acts,
                                    timestamp=["2024-01-10T00:00Z"] * 2)  # fmt: skip
        d = tie.case_durations(PAY, SET)
        assert d.days.tolist() == [0.0]
        assert d.status.tolist() == [USED]


def test_same_activity_start_and_end_uses_the_next_occurrence(log: EventLog) -> None:
    # first payment to the next payment: A1 01-05 12:00 -> 01-10 = 4.5; others have one
    d = log.case_durations(PAY, PAY)
    assert nan_list(d.days) == [4.5, None, None, None, None]
    assert d.status.tolist() == [USED, MISSING_START, END_BEFORE_START, MISSING_START,
                                 END_BEFORE_START]  # fmt: skip


def test_roles_given_as_lists(log: EventLog) -> None:
    # end = settled or payment: A1's first is the payment at 01-05 12:00
    assert nan_list(log.case_durations(GEN, [SET, PAY]).days)[0] == 4.5


# ----------------------------------------------------------------------------- pairs


def test_pairs_first_match(log: EventLog) -> None:
    p = log.pairs(REG, RES)
    # A3: Reg 01-05 (01-06 absorbed) -> Res 01-08 = 3 days; Reg 01-09 open
    # A4: Res 01-01 unmatched; Reg 01-02 -> Res 01-04 = 2 days
    assert p.case_ids.tolist() == ["A3", "A4"]
    assert p.days.tolist() == [3.0, 2.0]
    assert p.counts == {"pairs": 2, "cases_with_pairs": 2, "unmatched_starts": 1,
                        "repeated_starts": 1, "unmatched_ends": 1}  # fmt: skip
    s = p.summary()
    assert (s.count, s.missing, s.mean) == (2, 1, 2.5)
    assert p.per_case("count").to_dict() == {"A1": 0, "A2": 0, "A3": 1, "A4": 1, "A5": 0}
    assert p.per_case("sum").to_dict()["A3"] == 3.0
    assert p.per_case("mean").to_dict()["A1"] is None
    assert p.per_case("max").to_dict()["A4"] == 2.0
    assert p.per_case("min").to_dict()["A4"] == 2.0
    with pytest.raises(InvalidParameterError, match="how"):
        p.per_case("median")  # type: ignore[arg-type]
    assert p.to_dict()["counts"]["pairs"] == 2
    assert len(p) == 2


def test_pairs_last_match(log: EventLog) -> None:
    p = log.pairs(REG, RES, match="last")
    # A3: the Reg right before the Res is 01-06 -> 01-08 = 2 days
    assert p.days.tolist() == [2.0, 2.0]
    assert p.counts["unmatched_starts"] == 1
    assert p.counts["repeated_starts"] == 1
    assert p.counts["unmatched_ends"] == 1
    with pytest.raises(InvalidParameterError, match="match"):
        log.pairs(REG, RES, match="any")  # type: ignore[arg-type]


def test_pairs_fifo_match(log: EventLog) -> None:
    p = log.pairs(REG, RES, match="fifo")
    # A3: Res 01-08 closes the oldest open Reg (01-05): 3 days; 01-06 and 01-09 stay open
    # A4: Res 01-01 has nothing to close; Reg 01-02 -> Res 01-04 = 2 days
    assert p.days.tolist() == [3.0, 2.0]
    assert p.counts["unmatched_starts"] == 2
    assert p.counts["repeated_starts"] == 0
    assert p.counts["unmatched_ends"] == 1


@pytest.mark.parametrize("match", ["fifo", "first", "last"])
def test_pairs_are_the_closed_episodes(log: EventLog, match: str) -> None:
    p = log.pairs(REG, RES, match=match)  # type: ignore[arg-type]
    ep = log.episodes(REG, RES, match=match)  # type: ignore[arg-type]
    closed = ~ep.is_open
    assert p.days.tolist() == ep.days[closed].tolist()
    assert p.case_ids.tolist() == ep.case_ids[closed].tolist()
    assert p.counts["unmatched_starts"] == ep.counts["open"]
    assert p.counts["repeated_starts"] == ep.repeated_starts
    assert p.counts["unmatched_ends"] == ep.unmatched_ends


# ----------------------------------------------------------------------------- episodes


def test_episodes_fifo_is_the_open_dispute_definition(log: EventLog) -> None:
    ep = log.episodes(REG, RES)
    assert ep.match == "fifo"
    # A3: 01-05 -> 01-08 closed, 01-06 and 01-09 open; A4: 01-02 -> 01-04
    assert ep.case_ids.tolist() == ["A3", "A3", "A3", "A4"]
    assert nan_list(ep.days) == [3.0, None, None, 2.0]
    assert ep.is_open.tolist() == [False, True, True, False]
    assert ep.open_per_case().to_dict() == {"A1": 0, "A2": 0, "A3": 2, "A4": 0, "A5": 0}
    assert ep.counts == {"closed": 2, "open": 2, "repeated_starts": 0, "unmatched_ends": 1,
                         "events_after_as_of": 0}  # fmt: skip
    # event indices point into the log; open episodes have end -1 and a NaT end
    assert [log.activities[log.activity_codes[i]] for i in ep.start_index.tolist()] == [REG] * 4
    assert ep.end_index.tolist()[1:3] == [-1, -1]
    assert ep.end_ns.tolist()[1] == np.iinfo(np.int64).min
    assert ep.start_ns.tolist()[0] == T0 + 4 * D
    assert len(ep) == 4


def test_episodes_first_and_last(log: EventLog) -> None:
    first = log.episodes(REG, RES, match="first")
    # A3: 01-05 opens, 01-06 absorbed, closed 01-08; 01-09 open
    assert nan_list(first.days) == [3.0, None, 2.0]
    assert (first.repeated_starts, first.unmatched_ends) == (1, 1)
    last = log.episodes(REG, RES, match="last")
    # A3: 01-06 (directly before the resolution) -> 01-08; 01-05 superseded
    assert nan_list(last.days) == [2.0, None, 2.0]
    assert last.start_ns.tolist()[0] == T0 + 5 * D
    assert last.repeated_starts == 1


def test_episodes_as_of_leaves_later_events_out(log: EventLog) -> None:
    ep = log.episodes(REG, RES, as_of=dt.date(2024, 1, 6))  # known: before 01-07
    # A3: 01-05 and 01-06 open (the resolution of 01-08 is not known); A4: 01-02 -> 01-04
    assert ep.open_per_case().to_dict()["A3"] == 2
    assert ep.counts["events_after_as_of"] == 2  # A3's Res 01-08 and Reg 01-09
    same = log.episodes(REG, RES, as_of=T0 + 6 * D)  # an int bound is ns since the epoch
    assert same.counts == ep.counts
    assert log.episodes(REG, RES, as_of=T0).counts["closed"] == 0


def test_episodes_ties_start_first_and_errors() -> None:
    for acts in ([REG, RES], [RES, REG]):
        tie = EventLog.from_columns(case=["x", "x"], activity=acts,
                                    timestamp=["2024-01-10T00:00Z"] * 2)  # fmt: skip
        for match in ("fifo", "first", "last"):
            ep = tie.episodes(REG, RES, match=match)
            assert ep.days.tolist() == [0.0]
    with pytest.raises(InvalidParameterError, match="share an activity"):
        tie.episodes([REG, RES], RES)
    with pytest.raises(InvalidParameterError, match="match"):
        tie.episodes(REG, RES, match="lifo")  # type: ignore[arg-type]
    with pytest.raises(UnknownActivityError, match="Contestação"):
        tie.episodes("Contestação", RES)
    empty = tie.filter_cases([], keep=True)
    assert len(empty.episodes(REG, RES)) == 0


def test_episodes_fifo_against_a_queue() -> None:
    # a brute-force queue per case, on a sequence with unmatched and overlapping disputes
    acts = [RES, REG, REG, RES, REG, RES, RES, RES, REG]
    stamps = [f"2024-01-{d:02d}T00:00Z" for d in range(1, len(acts) + 1)]
    log = EventLog.from_columns(case=["x"] * len(acts), activity=acts, timestamp=stamps)
    queue: list[int] = []
    pairs: list[tuple[int, int]] = []
    unmatched = 0
    for day, act in enumerate(acts, start=1):
        if act == REG:
            queue.append(day)
        elif queue:
            pairs.append((queue.pop(0), day))
        else:
            unmatched += 1
    ep = log.episodes(REG, RES)
    closed = [(int(s // D - T0 // D) + 1, int(e // D - T0 // D) + 1)
              for s, e, o in zip(ep.start_ns.tolist(), ep.end_ns.tolist(),
                                 ep.is_open.tolist(), strict=True) if not o]  # fmt: skip
    assert closed == pairs
    assert ep.counts["open"] == len(queue) == 1
    assert ep.unmatched_ends == unmatched == 2


def test_pairs_same_role_are_consecutive_occurrences(log: EventLog) -> None:
    p = log.pairs(REG, REG)
    # A3 registrations 01-05, 01-06, 01-09 -> gaps 1 and 3 days
    assert p.case_ids.tolist() == ["A3", "A3"]
    assert p.days.tolist() == [1.0, 3.0]


def test_pairs_ties_pair_start_first_and_overlapping_roles_raise() -> None:
    for acts in ([REG, RES], [RES, REG]):
        tie = EventLog.from_columns(case=["x", "x"], activity=acts,
                                    timestamp=["2024-01-10T00:00Z"] * 2)  # fmt: skip
        p = tie.pairs(REG, RES)
        assert p.days.tolist() == [0.0]
        assert p.counts["unmatched_ends"] == 0
    log = EventLog.from_columns(case=["x", "x"], activity=[REG, RES],
                                timestamp=["2024-01-01"] * 2)  # fmt: skip
    with pytest.raises(InvalidParameterError, match="share"):
        log.pairs([REG, RES], RES)
    empty = log.filter_cases([])
    assert len(empty.pairs(REG, RES)) == 0


# --------------------------------------------------------------------------- filters


def test_filter_cases_by_ids_and_mask(log: EventLog) -> None:
    kept = log.filter_cases(["A5", "A2", "nope"])
    assert kept.case_ids.tolist() == ["A2", "A5"]
    assert kept.n_events == 4
    assert kept.case_attribute("segment").tolist() == ["SMB", "SMB"]
    assert log.filter_cases(["A1"], keep=False).n_cases == 4
    mask = log.events_per_case().values > 3
    assert log.filter_cases(mask).case_ids.tolist() == ["A1", "A3"]
    assert log.filter_cases(np.array("A1")).case_ids.tolist() == ["A1"]
    with pytest.raises(InvalidParameterError, match="5 entries"):
        log.filter_cases(np.array([True]))
    ints = EventLog.from_columns(case=[3, 1], activity=["X", "X"], timestamp=["2024-01-01"] * 2)
    assert ints.filter_cases([3]).case_ids.tolist() == [3]
    assert ints.filter_cases(["x"]).n_cases == 0


def test_filter_cases_rejects_what_is_not_ids_or_a_mask(log: EventLog) -> None:
    # a condition must be given as its mask; ids that cannot be compared are named
    with pytest.raises(InvalidParameterError, match="not a function"):
        log.filter_cases(lambda case: True)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="of type object"):
        log.filter_cases([object()])


def test_filter_activities(log: EventLog) -> None:
    only = log.filter_activities([REG, RES])
    assert only.case_ids.tolist() == ["A3", "A4"]
    assert only.activities == (REG, RES)
    without = log.filter_activities(PAY, keep=False)
    assert without.n_events == 13
    assert PAY not in without.activities


def test_filter_time_modes_share_one_closed_window(log: EventLog) -> None:
    ev = log.filter_time(dt.date(2024, 1, 2), dt.date(2024, 1, 4))
    # events on 01-02 .. 01-04: A2 01-03; A3 01-02, 01-04; A4 01-02, 01-04; A5 01-02 12h, 01-03
    assert ev.n_events == 7
    contained = log.filter_time(dt.date(2024, 1, 1), dt.date(2024, 1, 4), mode="contained")
    assert contained.case_ids.tolist() == ["A2", "A4", "A5"]
    at = "2024-01-09T00:00:00Z"
    # A3 ends exactly at the instant: kept (pm4py's strict comparison would drop it)
    inter = log.filter_time(at, at, mode="intersecting")
    assert inter.case_ids.tolist() == ["A1", "A3"]
    started = log.filter_time(dt.date(2024, 1, 2), dt.date(2024, 1, 3), mode="started")
    assert started.case_ids.tolist() == ["A2", "A3"]
    completed = log.filter_time(dt.date(2024, 1, 3), dt.date(2024, 1, 4), mode="completed")
    assert completed.case_ids.tolist() == ["A2", "A4", "A5"]
    assert log.filter_time(end=dt.date(2024, 1, 1)).n_events == 3
    assert log.filter_time(start=dt.datetime(2024, 1, 9, tzinfo=dt.UTC)).n_events == 3
    with pytest.raises(InvalidParameterError, match="mode"):
        log.filter_time(mode="overlapping")  # type: ignore[arg-type]


def test_filter_case_attribute(log: EventLog) -> None:
    assert log.filter_case_attribute("segment", ["ENT"]).case_ids.tolist() == ["A1", "A3"]
    assert log.filter_case_attribute("segment", ["ENT"], keep=False).n_cases == 3
    assert log.filter_case_attribute("segment", ["none"]).n_cases == 0
    assert log.filter_case_attribute("segment", lambda s: s == "SMB").n_cases == 3
    with pytest.raises(InvalidParameterError, match="booleans"):
        log.filter_case_attribute("segment", lambda s: True)
    with pytest.raises(MissingDataError, match="segment"):
        log.filter_case_attribute("region", ["x"])
    nums = log.with_case_attributes({"limit": [1.0, 2.0, 3.0, 4.0, 5.0]})
    assert nums.filter_case_attribute("limit", [2.0, 5.0]).case_ids.tolist() == ["A2", "A5"]


def test_filtered_log_equals_a_log_built_from_the_kept_rows(log: EventLog) -> None:
    kept_rows = [r for r in ROWS if r[1] != PAY and r[0] != "A2"]
    direct = EventLog.from_columns(
        case=[r[0] for r in kept_rows], activity=[r[1] for r in kept_rows],
        timestamp=[r[2] for r in kept_rows],
    )  # fmt: skip
    filtered = log.filter_activities(PAY, keep=False).filter_cases(["A2"], keep=False)
    assert filtered.case_ids.tolist() == direct.case_ids.tolist()
    assert filtered.activities == direct.activities
    assert filtered.timestamps.tolist() == direct.timestamps.tolist()
    assert filtered.activity_codes.tolist() == direct.activity_codes.tolist()


# ------------------------------------------------------------------ variants and DFG


def test_variants(log: EventLog) -> None:
    v = log.variants()
    assert v.as_tuples() == {
        (GEN, PAY, PAY, SET): 1,
        (GEN,): 1,
        (PAY, GEN, REG, REG, RES, REG): 1,
        (RES, REG, RES): 1,
        (GEN, GEN, PAY): 1,
    }
    # equal counts: ordered by their first case id
    assert next(iter(v.to_dict())) == f"{GEN}, {PAY}, {PAY}, {SET}"
    assert v.case_variant.tolist() == [0, 1, 2, 3, 4]
    assert len(v) == 5
    assert list(v)[1] == (GEN,)
    assert v.top(1) == {f"{GEN}, {PAY}, {PAY}, {SET}": 1}
    shortened = log.variants(max_repeats=1).as_tuples()
    assert (GEN, PAY, SET) in shortened
    assert (GEN, PAY) in shortened
    with pytest.raises(InvalidParameterError, match="max_repeats"):
        log.variants(max_repeats=0)
    with pytest.raises(InvalidParameterError, match="out of range"):
        v.sequence(9)


def test_variant_counts_group_equal_sequences() -> None:
    log = EventLog.from_columns(
        case=["a", "a", "b", "b", "c", "d", "d"],
        activity=["X", "Y", "X", "Y", "X", "X", "Y"],
        timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z"] * 2
        + ["2024-01-01T00:00Z", "2024-01-01T00:00Z", "2024-01-02T00:00Z"],
    )
    assert log.variants().to_dict() == {"X, Y": 3, "X": 1}


def test_directly_follows(log: EventLog) -> None:
    dfg = log.directly_follows()
    # Generated -> Payment: A1 (4.5 days), A5 (01-02 12:00 -> 01-03 = 0.5 days)
    assert dfg.arc(GEN, PAY) == {"count": 2, "mean_days": 2.5, "median_days": 2.5,
                                 "min_days": 0.5, "max_days": 4.5}  # fmt: skip
    # Registered -> Registered: A3 01-05 -> 01-06 (1 day)
    assert dfg.count(REG, REG) == 1
    assert dfg.count(SET, GEN) == 0
    assert dfg.as_dict()[(PAY, SET)] == 1
    assert dfg.performance("median")[(PAY, PAY)] == 4.5
    assert dfg.start_activities == {RES: 1, GEN: 3, PAY: 1}
    assert dfg.end_activities == {REG: 1, RES: 1, GEN: 1, SET: 1, PAY: 1}
    assert sum(dfg.counts.tolist()) == log.n_events - log.n_cases
    assert dfg.to_dict()["arcs"][f"{GEN} -> {PAY}"]["count"] == 2
    with pytest.raises(UnknownActivityError, match="no arc"):
        dfg.arc(SET, GEN)
    with pytest.raises(InvalidParameterError, match="stat"):
        dfg.performance("mode")  # type: ignore[arg-type]


def test_dfg_median_of_odd_and_even_groups() -> None:
    # X -> Y gaps 1, 2, 10 days (median 2); Y -> X gap 3 days
    log = EventLog.from_columns(
        case=["a", "a", "a", "b", "b", "c", "c"],
        activity=["X", "Y", "X", "X", "Y", "X", "Y"],
        timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-05T00:00Z",
                   "2024-01-01T00:00Z", "2024-01-03T00:00Z",
                   "2024-01-01T00:00Z", "2024-01-11T00:00Z"],
    )  # fmt: skip
    dfg = log.directly_follows()
    assert dfg.arc("X", "Y")["median_days"] == 2.0
    assert dfg.arc("X", "Y")["mean_days"] == pytest.approx(13 / 3)
    assert dfg.arc("Y", "X")["count"] == 1


# ----------------------------------------------------------------------------- public accessors


def test_case_attribute_codes_and_kind() -> None:
    log = EventLog.from_columns(
        case=["c", "a", "b"], activity=["X"] * 3, timestamp=["2024-01-01T00:00Z"] * 3,
        case_attributes={"currency": ["USD", "BRL", None], "due": [dt.date(2024, 1, 9)] * 3,
                         "n": [1, 2, 3]},
    )  # fmt: skip
    codes, labels = log.case_attribute_codes("currency")
    # aligned with the sorted case ids a, b, c
    assert labels.tolist() == ["BRL", "USD"]
    assert codes.tolist() == [0, -1, 1]
    assert codes.dtype == np.int32
    decoded = [None if k < 0 else labels[k] for k in codes.tolist()]
    assert decoded == log.case_attribute("currency").tolist()
    with pytest.raises(ValueError, match="read-only"):
        codes[0] = 1
    assert [log.case_attribute_kind(k) for k in ("currency", "due", "n")] == [
        "category", "date", "int",
    ]  # fmt: skip
    with pytest.raises(InvalidParameterError, match="date values, not categories"):
        log.case_attribute_codes("due")
    with pytest.raises(MissingDataError, match="nope"):
        log.case_attribute_codes("nope")
    with pytest.raises(MissingDataError, match="nope"):
        log.case_attribute_kind("nope")


def test_role_resolution_names_the_role_in_errors(log: EventLog) -> None:
    assert log.role_codes([REG, RES], role="disputes").tolist() == [
        log.activities.index(REG), log.activities.index(RES),
    ]  # fmt: skip
    assert (
        log.role_events(REG, role="dispute_registered").tolist()
        == np.flatnonzero(
            np.array([log.activities[a] for a in log.activity_codes]) == REG
        ).tolist()
    )
    with pytest.raises(UnknownActivityError, match="for payment"):
        log.role_codes("Pix", role="payment")
    with pytest.raises(UnknownActivityError, match="for letter"):
        log.role_events("Carta", role="letter")


def test_event_logs_can_be_weakly_referenced(log: EventLog) -> None:
    import gc
    import weakref

    ref = weakref.ref(log)
    assert ref() is log
    tmp = log.filter_cases(["A1"])
    tmp_ref = weakref.ref(tmp)
    del tmp
    gc.collect()
    assert tmp_ref() is None
