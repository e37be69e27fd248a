"""Tests of EventLog.case_blocks and kpicore.blocks.map_blocks.

The blocks are checked against the log they come from (their events, cases and
attributes are the log's, cut at case boundaries, each as large as
``max_events`` allows); the KPIs computed block by block and merged are checked
against the same KPIs on the whole log, on synthetic data cut into many blocks
and on the IBM accounts-receivable sample (tests/test_ibm_data.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import eventlog_rows, rows_to_columns

from kpicore import dask as kd
from kpicore.blocks import map_blocks, merge_results
from kpicore.errors import InvalidParameterError
from kpicore.eventlog import DEFAULT_BLOCK_EVENTS, DroppedReport, EventLog
from kpicore.kpis import disputes, dunning, overdue
from kpicore.kpis._ledger import cached_logs, clear_cache, has_memo
from kpicore.summary import Summary
from kpicore.synth import synth_event_columns

AS_OF = dt.date(2024, 9, 30)


@pytest.fixture(scope="module")
def log() -> EventLog:
    cols = synth_event_columns(1500, seed=21)
    return EventLog.from_columns(cols.to_mapping(), attributes="all", order="lifecycle_rank")


def _same_columns(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert list(a) == list(b)
    for key in a:
        x, y = np.asarray(a[key]), np.asarray(b[key])
        assert x.dtype == y.dtype, key
        if x.dtype.kind == "f":
            assert np.array_equal(x, y, equal_nan=True), key
        else:
            assert x.tolist() == y.tolist(), key


def _check_blocks(log: EventLog, max_events: int) -> list[EventLog]:
    blocks = list(log.case_blocks(max_events))
    assert blocks
    # whole cases, in order, each in exactly one block
    ids = [i for blk in blocks for i in blk.case_ids.tolist()]
    assert ids == log.case_ids.tolist()
    assert sum(blk.n_events for blk in blocks) == log.n_events
    sizes = [blk.n_events for blk in blocks]
    for k, blk in enumerate(blocks):
        assert blk.n_events <= max_events or blk.n_cases == 1
        assert blk.case_starts[0] == 0
        assert blk.case_starts[-1] == blk.n_events
        assert blk.every_case_has_events
        if blk is not log:
            assert blk.dropped.to_dict() == DroppedReport.none().to_dict()
        assert blk.activities == log.activities
        if k + 1 < len(blocks):  # as large as allowed: the next case would not fit
            nxt = blocks[k + 1]
            assert sizes[k] + int(nxt.case_starts[1]) > max_events
    # the events, attribute for attribute, in log order
    cols = [blk.to_columns() for blk in blocks]
    joined = {key: np.concatenate([c[key] for c in cols]) for key in cols[0]}
    _same_columns(joined, log.to_columns())
    # the case attributes and per-case primitives are the log's, sliced
    start = 0
    for blk in blocks:
        stop = start + blk.n_cases
        for name in log.case_attribute_names:
            got, want = blk.case_attribute(name), log.case_attribute(name)[start:stop]
            assert got.dtype == want.dtype
            assert got.tolist() == want.tolist() or np.array_equal(got, want, equal_nan=True)
        assert blk.events_per_case().values.tolist() == (
            log.events_per_case().values[start:stop].tolist()
        )
        assert blk.first_occurrence().ns.tolist() == (
            log.first_occurrence().ns[start:stop].tolist()
        )
        start = stop
    return blocks


@settings(max_examples=60, deadline=None)
@given(eventlog_rows(max_cases=8, max_events=40), st.integers(1, 15))
def test_blocks_partition_any_log(rows: list[Any], max_events: int) -> None:
    log = EventLog.from_columns(rows_to_columns(rows))
    _check_blocks(log, max_events)


@pytest.mark.parametrize("max_events", [1, 7, 500, 2000, 10**9])
def test_blocks_of_a_log_with_attributes(log: EventLog, max_events: int) -> None:
    blocks = _check_blocks(log, max_events)
    if max_events == 1:
        assert len(blocks) == log.n_cases  # one case per block
    if max_events >= log.n_events:
        assert len(blocks) == 1
        assert blocks[0] is log  # within the bound: the log itself


def test_a_case_larger_than_the_bound_is_a_block_by_itself() -> None:
    log = EventLog.from_columns(
        case=["a", "b", "b", "b", "c"],
        activity=["X", "X", "Y", "Z", "X"],
        timestamp=["2024-01-01T00:00Z"] * 5,
    )
    assert [b.case_ids.tolist() for b in log.case_blocks(2)] == [["a"], ["b"], ["c"]]
    assert [b.case_ids.tolist() for b in log.case_blocks(4)] == [["a", "b"], ["c"]]


def test_case_codes_of_a_block_start_at_zero(log: EventLog) -> None:
    blocks = list(log.case_blocks(3000))
    assert len(blocks) > 2
    for blk in blocks:
        codes = blk.case_codes
        assert codes.dtype == np.int32
        assert int(codes[0]) == 0
        assert int(codes[-1]) == blk.n_cases - 1
        assert not codes.flags.writeable
        # views on the log's columns, not copies
        assert np.shares_memory(blk.timestamps, log.timestamps)


def test_blocks_of_an_empty_log() -> None:
    log = EventLog.from_columns(case=[], activity=[], timestamp=np.array([], "datetime64[ns]"))
    assert [b is log for b in log.case_blocks(1)] == [True]


@pytest.mark.parametrize("bad", [0, -3, True, 2.0, "10", None])
def test_bad_block_size(log: EventLog, bad: Any) -> None:
    with pytest.raises(InvalidParameterError, match="max_events must be an int >= 1"):
        log.case_blocks(bad)  # raised on the call, before any block is made
    with pytest.raises(InvalidParameterError, match="max_events"):
        map_blocks(log, lambda blk: blk.n_cases, merge=lambda x, y: x + y, max_events=bad)


def test_default_block_size() -> None:
    assert DEFAULT_BLOCK_EVENTS == 2**20


# ------------------------------------------------------------------------------ map_blocks


def _fresh(log: EventLog) -> EventLog:
    clear_cache(log)
    return log


@pytest.mark.parametrize(
    "options", [{"as_of": AS_OF}, {"as_of": AS_OF, "freq": "month", "by": "segment"}]
)
def test_dunning_by_blocks_equals_the_whole_log(log: EventLog, options: dict[str, Any]) -> None:
    rate, eff = map_blocks(
        _fresh(log),
        lambda blk: (
            dunning.dunning_rate(blk, **options),
            dunning.dunning_effectiveness(blk, **options),
        ),
        max_events=800,
    )
    whole_rate = dunning.dunning_rate(log, **options)
    whole_eff = dunning.dunning_effectiveness(log, **options)
    assert rate.overdue > 0
    assert rate == whole_rate
    assert rate.to_dict() == whole_rate.to_dict()
    assert eff == whole_eff  # the days-to-payment summaries hold the same sorted values
    assert eff.to_dict() == whole_eff.to_dict()


@pytest.mark.parametrize("options", [{}, {"by": "segment"}, {"anchor": "invoice"}])
def test_aging_by_blocks_equals_the_whole_log(log: EventLog, options: dict[str, Any]) -> None:
    got = map_blocks(
        _fresh(log), lambda blk: overdue.aging(blk, as_of=AS_OF, **options), max_events=500
    )
    want = overdue.aging(log, as_of=AS_OF, **options)
    assert got.count > 0
    assert got == want
    assert got.to_dict() == want.to_dict()


def test_dispute_resolution_by_blocks_equals_the_whole_log(log: EventLog) -> None:
    def kpi(blk: EventLog) -> disputes.DisputeResolution:
        return disputes.dispute_resolution(blk, pairing="first", by="collector", freq="quarter")

    got = map_blocks(_fresh(log), kpi, max_events=1000)
    want = kpi(log)
    assert got.summary.count > 0
    assert got == want
    assert got.summary.median == want.summary.median


def test_each_block_is_computed_alone_and_forgotten(log: EventLog) -> None:
    clear_cache()
    seen: list[tuple[int, bool]] = []

    def fn(blk: EventLog) -> int:
        assert blk is not log
        dunning.dunning_rate(blk, as_of=AS_OF)
        seen.append((cached_logs(), has_memo(log)))
        return blk.n_cases

    total = map_blocks(log, fn, merge=lambda x, y: x + y, max_events=900)
    assert total == log.n_cases
    assert len(seen) > 3
    # while a block is computed only its own memo is alive: the previous blocks' went
    # with them, and nothing was memoised on the log
    assert seen == [(1, False)] * len(seen)
    assert cached_logs() == 0
    assert not has_memo(log)


def test_reuse_of_the_logs_memo(log: EventLog) -> None:
    clear_cache(log)
    overdue.aging(log, as_of=AS_OF)  # an earlier KPI leaves the log's ledger memoised
    assert has_memo(log)
    calls: list[EventLog] = []

    def fn(blk: EventLog) -> dunning.DunningRate:
        calls.append(blk)
        return dunning.dunning_rate(blk, as_of=AS_OF)

    got = map_blocks(log, fn, max_events=500)
    assert calls == [log]  # the whole log, its memo reused
    calls.clear()
    forced = map_blocks(log, fn, max_events=500, reuse=False)
    assert len(calls) > 3
    assert log not in calls
    assert got == forced == dunning.dunning_rate(log, as_of=AS_OF)


@pytest.mark.parametrize("max_events", [1, 3, 50])
def test_partials_merge_in_order_each_copied_log_times(log: EventLog, max_events: int) -> None:
    # each partial: [(first case id of the block, times copied by a merge)]
    def merge(x: list[tuple[str, int]], y: list[tuple[str, int]]) -> list[tuple[str, int]]:
        return [(c, k + 1) for c, k in x + y]

    small = log.filter_cases(log.case_ids[:37])
    blocks = list(small.case_blocks(max_events))
    got = map_blocks(
        _fresh(small), lambda blk: [(str(blk.case_ids[0]), 0)], merge=merge,
        max_events=max_events,
    )  # fmt: skip
    assert [c for c, _ in got] == [str(b.case_ids[0]) for b in blocks]  # case order
    k = len(blocks)
    assert k > 4
    # a pairwise tree: no partial is copied more than ceil(log2 k) + 1 times (a running
    # merge copies the first one k - 1 times)
    assert max(n for _, n in got) <= int(np.ceil(np.log2(k))) + 1


def test_merge_results_of_tuples_and_errors() -> None:
    a, b = Summary.of([1.0, 2.0]), Summary.of([4.0])
    merged = merge_results((a, b), (b, a))
    assert [s.count for s in merged] == [3, 3]
    assert merged[0].max == 4.0
    with pytest.raises(InvalidParameterError, match="tuple of 2 results with one of 1"):
        merge_results((a, b), (a,))
    with pytest.raises(InvalidParameterError, match="cannot merge a tuple with a Summary"):
        merge_results((a,), a)
    with pytest.raises(InvalidParameterError, match="no merge is known for int"):
        merge_results(1, 2)
    assert kd.merge_results is merge_results  # the Dask module merges alike


def test_bad_arguments(log: EventLog) -> None:
    with pytest.raises(InvalidParameterError, match="needs an EventLog, got list"):
        map_blocks([], lambda blk: 0)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="fn must be callable"):
        map_blocks(log, 3)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="reuse must be True or False"):
        map_blocks(log, lambda blk: 0, reuse=1)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="no merge is known for int"):
        map_blocks(_fresh(log), lambda blk: blk.n_cases, max_events=100)
    # options that differ between the partial results do not merge silently
    with pytest.raises(InvalidParameterError, match="cannot merge"):
        map_blocks(
            _fresh(log),
            lambda blk: overdue.aging(blk, as_of=AS_OF + dt.timedelta(days=blk.n_cases % 2)),
            max_events=300,
        )
