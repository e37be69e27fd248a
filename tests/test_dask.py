"""Tests of kpicore.dask: distributed KPIs equal the single-machine KPIs on the same data.

Every test runs on Dask's synchronous local scheduler with several partitions,
on frames whose partitions cut through cases (so the shuffle by case id is
exercised), and compares with the single-machine KPI on one EventLog of the
same synthetic data (3000 invoices, ~17 700 events).
"""

from __future__ import annotations

import datetime as dt
import pickle
import sys
from collections.abc import Iterator
from typing import Any

import attrs
import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpicore import dask as kd
from kpicore.errors import InvalidParameterError, KpiError, MissingDependencyError
from kpicore.eventlog import EventLog
from kpicore.kpis import disputes, dso, dunning, overdue
from kpicore.sketch import QuantileSketch
from kpicore.summary import Summary
from kpicore.synth import SynthColumns, synth_event_columns

UTC = dt.UTC
AS_OF = dt.date(2024, 9, 30)
CASE = "case:concept:name"
N_INVOICES = 3000
# dask's functions are untyped for mypy --strict: use them through Any
DASK: Any = dask
DD: Any = dd


@pytest.fixture(autouse=True)
def _synchronous() -> Iterator[None]:
    with dask.config.set(scheduler="synchronous"):
        yield


@pytest.fixture(scope="module")
def cols() -> SynthColumns:
    return synth_event_columns(N_INVOICES, seed=11)


@pytest.fixture(scope="module")
def ref(cols: SynthColumns) -> EventLog:
    """The single-machine log (numpy columns, no pandas, no dask)."""
    return EventLog.from_columns(cols.to_mapping(), attributes="all", order="lifecycle_rank")


def _frame(cols: SynthColumns, layout: str) -> Any:
    if layout == "rows5":  # invoices in order, 5 row ranges: cases cut at the edges
        return DD.from_pandas(pd.DataFrame(cols.to_mapping()), npartitions=5)
    if layout == "shuffled7":  # events in random order, 7 row ranges: most cases cut
        return DD.from_pandas(pd.DataFrame(cols.shuffled(seed=3).to_mapping()), npartitions=7)
    # "indexed4": the case id as a sorted index with known divisions -- no shuffle needed
    frame = pd.DataFrame(cols.to_mapping()).set_index(CASE)
    return DD.from_pandas(frame, npartitions=4, sort=True)


LAYOUTS = ("rows5", "shuffled7", "indexed4")
_LOGS: dict[str, list[Any]] = {}


@pytest.fixture(scope="module", params=LAYOUTS)
def logs(request: pytest.FixtureRequest, cols: SynthColumns) -> list[Any]:
    layout: str = request.param
    if layout not in _LOGS:
        with dask.config.set(scheduler="synchronous"):
            parts = kd.to_eventlogs(_frame(cols, layout), order="lifecycle_rank", tz=UTC)
            _LOGS[layout] = list(DASK.persist(*parts))
    return _LOGS[layout]


def _assert_days_equal(dist: kd.DaysSummary, single: Any) -> None:
    assert dist.metric == single.metric
    assert dist.unit == single.unit
    assert dist.summary == single.summary  # the sorted values, hence every statistic
    assert dist.summary.mean == single.summary.mean  # bitwise (exactly rounded sums)
    assert dist.summary.percentiles == single.summary.percentiles
    assert dict(dist.coverage) == dict(single.coverage)
    if single.groups is None:
        assert dist.groups is None
    else:
        assert dist.groups is not None
        assert list(dist.groups) == list(single.groups)  # same keys, same order
        assert dist.groups == single.groups


def _close(sketched: float | None, exact: float | None) -> bool:
    assert sketched is not None
    assert exact is not None
    return abs(sketched - exact) <= 0.01 * abs(exact)


def _assert_sketch_close(sk: Any, exact: Summary | QuantileSketch) -> None:
    assert isinstance(exact, Summary)
    assert isinstance(sk, QuantileSketch)
    assert (sk.count, sk.missing, sk.min, sk.max) == (
        exact.count,
        exact.missing,
        exact.min,
        exact.max,
    )
    assert sk.mean == exact.mean
    assert _close(sk.median, exact.median)
    for level, value in exact.percentiles.items():
        assert _close(sk.percentiles[level], value)


# ----------------------------------------------------------------------------- partitions


def test_input_partitions_cut_through_cases(cols: SynthColumns) -> None:
    # the premise of the shuffle tests: some case has events in two input partitions
    frame = _frame(cols, "shuffled7")
    parts = DASK.compute(*frame.to_delayed())
    seen = [set(p[CASE].tolist()) for p in parts]
    assert len(seen) == 7
    assert len(seen[0] & seen[1]) > 0


@pytest.mark.parametrize("layout", LAYOUTS)
def test_each_case_in_exactly_one_log(cols: SynthColumns, ref: EventLog, layout: str) -> None:
    parts = DASK.compute(*kd.to_eventlogs(_frame(cols, layout), order="lifecycle_rank", tz=UTC))
    assert len(parts) == {"rows5": 5, "shuffled7": 7, "indexed4": 4}[layout]
    ids = np.concatenate([p.case_ids for p in parts])
    assert ids.shape[0] == N_INVOICES == np.unique(ids).shape[0]
    assert sum(p.n_events for p in parts) == ref.n_events
    # the logs are the single-machine log split by case (same events, attributes, ties)
    whole = EventLog.concat(parts).filter_cases(ref.case_ids)
    assert np.array_equal(whole.case_ids, ref.case_ids)
    assert np.array_equal(whole.timestamps, ref.timestamps)
    assert [whole.activities[c] for c in whole.activity_codes[:50]] == [
        ref.activities[c] for c in ref.activity_codes[:50]
    ]


def test_auto_does_not_shuffle_a_frame_indexed_by_case(cols: SynthColumns) -> None:
    frame = _frame(cols, "indexed4")
    assert frame.known_divisions
    parts = DASK.compute(*kd.to_eventlogs(frame, tz=UTC))
    divisions = frame.divisions
    for i, log in enumerate(parts):  # partition i holds exactly its division's cases
        ids = log.case_ids
        assert ids.min() >= divisions[i]
        assert ids.max() <= divisions[i + 1]


def test_shuffle_false_trusts_the_caller(cols: SynthColumns) -> None:
    # without the shuffle, a case cut by the row ranges becomes two cases: wrong on purpose
    parts = DASK.compute(*kd.to_eventlogs(_frame(cols, "shuffled7"), tz=UTC, shuffle=False))
    assert sum(p.n_cases for p in parts) > N_INVOICES


def test_shuffle_true_on_indexed_frame(cols: SynthColumns) -> None:
    parts = DASK.compute(*kd.to_eventlogs(_frame(cols, "indexed4"), tz=UTC, shuffle=True))
    assert sum(p.n_cases for p in parts) == N_INVOICES


def test_logs_pickle(logs: list[Any]) -> None:
    log = DASK.compute(logs[0])[0]
    assert pickle.loads(pickle.dumps(log)) == log


# ----------------------------------------------------------------------------- exact mode


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"as_of": AS_OF},
        {"until": "settlement"},
        {"by": "collector", "freq": "month"},
        {"days": "business", "by": "segment"},
    ],
)
def test_invoice_dso_equals_single_machine(
    logs: list[Any], ref: EventLog, options: dict[str, Any]
) -> None:
    _assert_days_equal(kd.invoice_dso(logs, **options), dso.invoice_dso(ref, **options))


@pytest.mark.parametrize("options", [{}, {"grace_days": 5, "by": "collector", "freq": "quarter"}])
def test_days_overdue_equals_single_machine(
    logs: list[Any], ref: EventLog, options: dict[str, Any]
) -> None:
    dist = kd.days_overdue(logs, as_of=AS_OF, **options)
    _assert_days_equal(dist, overdue.days_overdue(ref, as_of=AS_OF, **options))


@pytest.mark.parametrize(
    "options", [{}, {"by": "segment"}, {"anchor": "invoice", "buckets": (15, 45)}]
)
def test_aging_equals_single_machine(
    logs: list[Any], ref: EventLog, options: dict[str, Any]
) -> None:
    dist = kd.aging(logs, as_of=AS_OF, **options)
    single = overdue.aging(ref, as_of=AS_OF, **options)
    assert dist == single
    assert [b.count for b in dist.buckets] == [b.count for b in single.buckets]
    assert dist.to_dict() == single.to_dict()


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"as_of": AS_OF},
        {"by": "reason", "freq": "quarter"},
        {"pairing": "first", "by": "collector"},
    ],
)
def test_dispute_resolution_equals_single_machine(
    logs: list[Any], ref: EventLog, options: dict[str, Any]
) -> None:
    dist = kd.dispute_resolution(logs, **options)
    single = disputes.dispute_resolution(ref, **options)
    assert dist == single
    assert dist.summary.count > 0
    assert dist.to_dict() == single.to_dict()


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"as_of": AS_OF},
        {"freq": "month", "by": "segment"},
        {"letters_window": "to_date", "freq": "quarter"},
    ],
)
def test_dunning_rate_equals_single_machine(
    logs: list[Any], ref: EventLog, options: dict[str, Any]
) -> None:
    dist = kd.dunning_rate(logs, **options)
    single = dunning.dunning_rate(ref, **options)
    assert dist == single
    assert dist.overdue > 0


def test_dunning_rate_needs_the_global_horizon() -> None:
    # Without as_of the window ends just after the log's last event. F-1 (issued 1 Jan,
    # due 10 Jan, nothing else) is overdue in the whole log, whose last event is F-2's
    # payment on 1 Feb; alone in its partition, F-1's window ends on 1 Jan: not overdue.
    # F-2 (paid 1 Feb, 22 days late) is overdue either way: naive 1, right 2.
    def log(case: str, acts: list[str], days: list[str]) -> EventLog:
        return EventLog.from_columns(
            case=[case] * len(acts),
            activity=acts,
            timestamp=np.array(days, dtype="datetime64[ns]"),
            attributes={"amount_minor": [100] * len(acts)},
            case_attributes={
                "due_date": np.array(["2024-01-10"] * len(acts), dtype="datetime64[D]"),
                "amount_minor": [100] * len(acts),
                "currency": ["BRL"] * len(acts),
            },
        )

    f1 = log("F-1", ["Invoice Generated"], ["2024-01-01"])
    f2 = log("F-2", ["Invoice Generated", "Payment Received"], ["2024-01-01", "2024-02-01"])
    whole = EventLog.concat([f1, f2])
    assert dunning.dunning_rate(whole).overdue == 2
    assert kd.map_reduce([f1, f2], dunning.dunning_rate).overdue == 1  # the pitfall
    assert kd.dunning_rate([f1, f2]) == dunning.dunning_rate(whole)


@pytest.mark.parametrize(
    "options",
    [{}, {"as_of": AS_OF, "by": "collector"}, {"paid": "any_payment", "freq": "quarter"}],
)
def test_dunning_effectiveness_equals_single_machine(
    logs: list[Any], ref: EventLog, options: dict[str, Any]
) -> None:
    dist = kd.dunning_effectiveness(logs, **options)
    single = dunning.dunning_effectiveness(ref, **options)
    assert dist == single
    assert list(dist.by_max_level) == list(single.by_max_level) == [0, 1, 2, 3]
    assert dist.to_dict() == single.to_dict()


def test_deep_reduction_tree_gives_the_same_result(logs: list[Any], ref: EventLog) -> None:
    dist = kd.dunning_effectiveness(logs, split_every=2, by="segment")
    assert dist == dunning.dunning_effectiveness(ref, by="segment")


def test_dataframe_accepted_directly(cols: SynthColumns, ref: EventLog) -> None:
    # a frame with tz-aware datetimes needs no option (pm4py keys, attributes="all");
    # (no order=: ties keep the order the shuffle leaves them in, which DSO does not read)
    frame = pd.DataFrame(cols.to_mapping())
    for name in ("time:timestamp", "case:due_date"):
        frame[name] = frame[name].dt.tz_localize("UTC")
    ddf = DD.from_pandas(frame, npartitions=3)
    _assert_days_equal(kd.invoice_dso(ddf), dso.invoice_dso(ref))


def test_empty_partitions_merge_as_identity(cols: SynthColumns, ref: EventLog) -> None:
    # divisions with a range holding no case: that partition's log is empty
    frame = DD.from_pandas(pd.DataFrame(cols.to_mapping()).set_index(CASE), npartitions=2)
    ids = sorted(set(cols.invoice_number.tolist()))
    divisions = (ids[0], ids[1000], "INV0001500~", "INV0001500~~", ids[-1])
    assert frame.divisions != divisions
    frame = frame.repartition(divisions=divisions)
    parts = kd.to_eventlogs(frame, order="lifecycle_rank", tz=UTC)
    assert sorted(p.n_cases for p in DASK.compute(*parts)) == [0, 500, 1000, 1500]
    _assert_days_equal(kd.invoice_dso(parts, by="collector"), dso.invoice_dso(ref, by="collector"))
    assert kd.dunning_effectiveness(parts) == dunning.dunning_effectiveness(ref)
    assert kd.dunning_rate(parts) == dunning.dunning_rate(ref)


@settings(max_examples=8, deadline=None)
@given(st.integers(2, 6), st.integers(0, 2**32 - 1))
def test_merge_of_any_case_split_equals_whole(ref: EventLog, k: int, seed: int) -> None:
    # in-memory logs of a random split of the cases (some may be empty), no DataFrame
    part_of = np.random.default_rng(seed).integers(0, k, ref.n_cases)
    pieces = [ref.filter_cases(part_of == i) for i in range(k)]
    _assert_days_equal(kd.invoice_dso(pieces, by="segment"), dso.invoice_dso(ref, by="segment"))
    assert kd.aging(pieces, as_of=AS_OF) == overdue.aging(ref, as_of=AS_OF)
    assert kd.dispute_resolution(pieces, by="reason") == disputes.dispute_resolution(
        ref, by="reason"
    )
    assert kd.dunning_rate(pieces, freq="quarter") == dunning.dunning_rate(ref, freq="quarter")
    assert kd.dunning_effectiveness(pieces) == dunning.dunning_effectiveness(ref)


# ----------------------------------------------------------------------------- sketch mode


def test_invoice_dso_sketch_within_one_percent(logs: list[Any], ref: EventLog) -> None:
    dist = kd.invoice_dso(logs, quantiles="sketch", by="collector")
    single = dso.invoice_dso(ref, by="collector")
    _assert_sketch_close(dist.summary, single.summary)
    assert dict(dist.coverage) == dict(single.coverage)
    assert dist.groups is not None
    assert single.groups is not None
    for key, group in single.groups.items():
        _assert_sketch_close(dist.groups[key], group)
    assert dist.to_dict()["summary"]["exact"] is False


def test_days_overdue_sketch(logs: list[Any], ref: EventLog) -> None:
    dist = kd.days_overdue(logs, as_of=AS_OF, quantiles="sketch", percentiles=[95, 99])
    single = overdue.days_overdue(ref, as_of=AS_OF, percentiles=[95, 99])
    assert single.summary.percentiles[99] is not None
    assert single.summary.percentiles[99] > 0
    _assert_sketch_close(dist.summary, single.summary)


def test_dispute_resolution_sketch(logs: list[Any], ref: EventLog) -> None:
    dist = kd.dispute_resolution(logs, quantiles="sketch", by="reason", relative_accuracy=0.002)
    single = disputes.dispute_resolution(ref, by="reason")
    _assert_sketch_close(dist.summary, single.summary)
    assert isinstance(dist.summary, QuantileSketch)
    assert dist.summary.relative_accuracy == 0.002
    assert (dist.resolved, dist.open, dist.coverage) == (
        single.resolved,
        single.open,
        single.coverage,
    )
    assert dist.groups is not None
    assert single.groups is not None
    for key, group in single.groups.items():
        _assert_sketch_close(dist.groups[key].summary, group.summary)


def test_dunning_effectiveness_sketch(logs: list[Any], ref: EventLog) -> None:
    dist = kd.dunning_effectiveness(logs, quantiles="sketch")
    single = dunning.dunning_effectiveness(ref)
    assert dist.by_max_level == single.by_max_level  # counts and rates: exact
    for level, stats in single.levels.items():
        got = dist.levels[level]
        assert (got.reached, got.paid_after, got.paid_share) == (
            stats.reached,
            stats.paid_after,
            stats.paid_share,
        )
        _assert_sketch_close(got.days_to_payment, stats.days_to_payment)


def test_sketch_result_size_does_not_grow_with_cases(ref: EventLog) -> None:
    # what reaches the driver: a few hundred buckets, not one float per invoice
    small = ref.filter_cases(ref.case_ids[:300])
    big_exact = kd.invoice_dso([ref])
    small_sk = kd.invoice_dso([small], quantiles="sketch")
    big_sk = kd.invoice_dso([ref], quantiles="sketch")
    assert isinstance(big_sk.summary, QuantileSketch)
    assert big_sk.summary.n_buckets < 800
    assert len(pickle.dumps(big_sk)) < 3 * len(pickle.dumps(small_sk))
    assert len(pickle.dumps(big_sk)) < len(pickle.dumps(big_exact))


# ----------------------------------------------------------------------------- generic API


def test_map_reduce_with_a_custom_merge(logs: list[Any], ref: EventLog) -> None:
    assert kd.map_reduce(logs, lambda log: log.n_events, merge=lambda a, b: a + b) == ref.n_events
    # Summary has its own merge: the default merge_results uses it
    got = kd.map_reduce(logs, lambda log: log.events_per_case().summary())
    assert got == ref.events_per_case().summary()


def test_days_summary_round_trip(ref: EventLog) -> None:
    single = dso.invoice_dso(ref, by="segment")
    d = kd.DaysSummary.of(single)
    assert d.to_dict() == single.to_dict()
    assert pickle.loads(pickle.dumps(d)) == d


# ----------------------------------------------------------------------------- validation


def test_to_eventlogs_needs_a_dask_frame(cols: SynthColumns) -> None:
    with pytest.raises(
        InvalidParameterError, match=r"needs a dask\.dataframe\.DataFrame, got DataFrame"
    ):
        kd.to_eventlogs(pd.DataFrame(cols.to_mapping()))


def test_to_eventlogs_case_column_must_exist(cols: SynthColumns) -> None:
    with pytest.raises(
        InvalidParameterError, match="case='invoice' is neither a column nor the index"
    ):
        kd.to_eventlogs(_frame(cols, "rows5"), case="invoice")


def test_to_eventlogs_column_names_are_text(cols: SynthColumns) -> None:
    with pytest.raises(InvalidParameterError, match="activity must be a column name"):
        kd.to_eventlogs(_frame(cols, "rows5"), activity=["x"])  # type: ignore[arg-type]


@pytest.mark.parametrize("shuffle", ["yes", None, 1])
def test_to_eventlogs_shuffle_choice(cols: SynthColumns, shuffle: Any) -> None:
    with pytest.raises(InvalidParameterError, match=r"shuffle=.*: expected True, False or 'auto'"):
        kd.to_eventlogs(_frame(cols, "rows5"), shuffle=shuffle)


def test_quantiles_choice(ref: EventLog) -> None:
    with pytest.raises(InvalidParameterError, match="quantiles='approx'"):
        kd.invoice_dso([ref], quantiles="approx")  # type: ignore[arg-type]


def test_relative_accuracy_checked(ref: EventLog) -> None:
    with pytest.raises(InvalidParameterError, match="relative_accuracy must be in"):
        kd.invoice_dso([ref], quantiles="sketch", relative_accuracy=1.0)


@pytest.mark.parametrize("split_every", [1, True, 2.5])
def test_split_every_checked(ref: EventLog, split_every: Any) -> None:
    with pytest.raises(InvalidParameterError, match="split_every must be an int >= 2"):
        kd.dispute_resolution([ref], split_every=split_every)


def test_per_record_by_keys_rejected(ref: EventLog) -> None:
    with pytest.raises(InvalidParameterError, match="by= must be a dimension name or a callable"):
        kd.invoice_dso([ref], by=["a"] * ref.n_cases)


def test_data_must_hold_partitions() -> None:
    with pytest.raises(InvalidParameterError, match="holds no partition"):
        kd.invoice_dso([])
    with pytest.raises(InvalidParameterError, match="must be a dask DataFrame or the partitions"):
        kd.invoice_dso("events.parquet")


def test_merge_results_rejects_mixed_classes() -> None:
    with pytest.raises(
        InvalidParameterError, match="cannot merge a Summary with a QuantileSketch"
    ):
        kd.merge_results(Summary.of([1.0]), QuantileSketch.of([1.0]))


def test_merge_results_rejects_unknown_classes() -> None:
    @attrs.frozen
    class Other:
        x: int

    with pytest.raises(InvalidParameterError, match="no merge is known for Other"):
        kd.merge_results(Other(1), Other(2))


def test_merge_results_rejects_different_options(ref: EventLog) -> None:
    fifo = disputes.dispute_resolution(ref)
    first = disputes.dispute_resolution(ref, pairing="first")
    with pytest.raises(InvalidParameterError, match="different pairings: 'fifo', 'first'"):
        kd.merge_results(fifo, first)


def test_merge_results_rejects_grouped_with_ungrouped(ref: EventLog) -> None:
    a = dunning.dunning_rate(ref, as_of=AS_OF)
    b = dunning.dunning_rate(ref, as_of=AS_OF, by="segment")
    with pytest.raises(InvalidParameterError, match="grouped result with an ungrouped one"):
        kd.merge_results(a, b)


def test_days_summary_rejects_exact_with_sketch(ref: EventLog) -> None:
    exact = kd.DaysSummary.of(dso.invoice_dso(ref))
    sketched = attrs.evolve(exact, summary=QuantileSketch.of([1.0]))
    with pytest.raises(InvalidParameterError, match="exact Summary with a QuantileSketch"):
        exact.merge(sketched)


def test_unknown_option_rejected_before_computing(ref: EventLog) -> None:
    with pytest.raises(InvalidParameterError, match="invoice_dso\\(\\) has no option 'asof'"):
        kd.invoice_dso([ref], asof=AS_OF)


def test_missing_dask_raises_missing_dependency_error(
    monkeypatch: pytest.MonkeyPatch, ref: EventLog
) -> None:
    # None in sys.modules makes ``import dask.dataframe`` fail as if dask were absent
    monkeypatch.setitem(sys.modules, "dask.dataframe", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'kpicore\[dask\]'") as info:
        kd.invoice_dso([ref])
    assert isinstance(info.value, ImportError)
    assert isinstance(info.value, KpiError)
