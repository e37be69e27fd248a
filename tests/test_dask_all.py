"""Every KPI and event-log primitive of kpicore.dask on a LocalCluster: equal to one machine.

The frames are run on a ``LocalCluster`` with three workers (threads, one
each: ``processes=False`` keeps the tests fast; every partial result is
pickled by the tests below, so nothing relies on sharing memory). Each
distributed result is compared with the single-machine result on one
EventLog of the same synthetic data; the merge rules themselves are checked
against values worked out by hand at the end.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import pickle
from collections.abc import Iterator
from typing import Any, cast

import dask
import dask.dataframe as dd
import distributed
import numpy as np
import pandas as pd
import pytest

from kpicore import dask as kd
from kpicore.blocks import merge_results
from kpicore.errors import InvalidParameterError
from kpicore.eventlog import CaseDurations, DirectlyFollows, EventLog, Variants
from kpicore.kpis import case_table, collections, disputes, dso, overdue
from kpicore.model import Invoice, Payment
from kpicore.money import Money
from kpicore.synth import SynthColumns, synth_event_columns

UTC = dt.UTC
AS_OF = dt.date(2024, 9, 30)
CASE = "case:concept:name"
N_INVOICES = 1500
DASK: Any = dask
DD: Any = dd
DISTRIBUTED: Any = distributed


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = DISTRIBUTED.LocalCluster(
        n_workers=3, threads_per_worker=1, processes=False, dashboard_address=":0"
    )
    with DISTRIBUTED.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(autouse=True)
def _on_cluster(client: Any) -> Iterator[None]:
    with dask.config.set(scheduler=client.get):
        yield


@pytest.fixture(scope="module")
def cols() -> SynthColumns:
    return synth_event_columns(N_INVOICES, seed=21)


@pytest.fixture(scope="module")
def ref(cols: SynthColumns) -> EventLog:
    return EventLog.from_columns(cols.to_mapping(), attributes="all", order="lifecycle_rank")


def _frame(cols: SynthColumns, layout: str) -> Any:
    if layout == "rows5":  # row ranges in invoice order: cases cut at the edges, shuffled
        return DD.from_pandas(pd.DataFrame(cols.to_mapping()), npartitions=5)
    if layout == "shuffled6":  # events in random order: most cases cut, shuffled
        return DD.from_pandas(pd.DataFrame(cols.shuffled(seed=5).to_mapping()), npartitions=6)
    # "empty": sorted case index, divisions with a range that holds no case (no shuffle)
    frame = DD.from_pandas(pd.DataFrame(cols.to_mapping()).set_index(CASE), npartitions=2)
    ids = sorted(set(cols.invoice_number.tolist()))
    return frame.repartition(divisions=(ids[0], ids[600], "INV0000900~", "INV0000900~~", ids[-1]))


LAYOUTS = ("rows5", "shuffled6", "empty")
_LOGS: dict[str, list[Any]] = {}


@pytest.fixture(scope="module", params=LAYOUTS)
def logs(request: pytest.FixtureRequest, cols: SynthColumns, client: Any) -> list[Any]:
    layout: str = request.param
    if layout not in _LOGS:
        with dask.config.set(scheduler=client.get):
            parts = kd.to_eventlogs(_frame(cols, layout), order="lifecycle_rank", tz=UTC)
            _LOGS[layout] = list(DASK.persist(*parts))
    return _LOGS[layout]


def test_layouts_hold_the_cases_as_intended(logs: list[Any], ref: EventLog) -> None:
    parts = DASK.compute(*logs)
    sizes = sorted(p.n_cases for p in parts)
    assert sum(sizes) == ref.n_cases
    ids = np.concatenate([p.case_ids for p in parts])
    assert np.unique(ids).shape[0] == ref.n_cases  # each case in one partition only
    if len(parts) == 4:  # the "empty" layout
        assert sizes[0] == 0


# ----------------------------------------------------------------------------- KPIs


def test_write_off_ratio(logs: list[Any], ref: EventLog) -> None:
    mine = kd.write_off_ratio(logs, by="segment", freq="quarter")
    assert mine == collections.write_off_ratio(ref, by="segment", freq="quarter")
    assert mine.written_off > 0
    assert mine.groups is not None
    assert kd.write_off_ratio(logs, as_of=AS_OF) == collections.write_off_ratio(ref, as_of=AS_OF)


@pytest.mark.parametrize("basis", ["actual", 360])
def test_standard_and_best_possible_dso(logs: list[Any], ref: EventLog, basis: Any) -> None:
    opts = {"as_of": AS_OF, "months": 3, "days_basis": basis, "by": "segment"}
    mine = kd.standard_dso(logs, **opts)
    assert mine == dso.standard_dso(ref, **opts)
    assert mine.by_currency["BRL"].dso is not None
    best = kd.best_possible_dso(logs, current_within=30, **opts)
    assert best == dso.best_possible_dso(ref, current_within=30, **opts)


def test_average_receivables_over_months_refused(logs: list[Any], ref: EventLog) -> None:
    with pytest.raises(InvalidParameterError, match="receivables='average'"):
        kd.standard_dso(logs, as_of=AS_OF, receivables="average")
    # one month: the average is the end balance, which adds exactly
    one = kd.standard_dso(logs, as_of=AS_OF, months=1, receivables="average")
    assert one == dso.standard_dso(ref, as_of=AS_OF, months=1, receivables="average")


def test_average_days_delinquent(logs: list[Any], ref: EventLog) -> None:
    mine = kd.average_days_delinquent(logs, as_of=AS_OF, by="collector")
    assert mine == dso.average_days_delinquent(ref, as_of=AS_OF, by="collector")


@pytest.mark.parametrize("sales_basis", ["per_month", "full"])
def test_collection_effectiveness_index(logs: list[Any], ref: EventLog, sales_basis: Any) -> None:
    opts = {"as_of": AS_OF, "sales_basis": sales_basis, "by": "segment", "months": 6}
    mine = kd.collection_effectiveness_index(logs, **opts)
    assert mine == dso.collection_effectiveness_index(ref, **opts)
    assert mine.by_currency["BRL"].cei is not None


def test_dso_by_dispute(logs: list[Any], ref: EventLog) -> None:
    mine, whole = (
        kd.dso_by_dispute(logs, freq="quarter"),
        disputes.dso_by_dispute(ref, freq="quarter"),
    )
    assert mine.summary == whole.summary
    assert mine.coverage == whole.coverage
    assert mine.groups is not None
    assert whole.groups is not None
    assert dict(mine.groups.groups) == dict(whole.groups.groups)
    assert {k[0] for k in mine.groups.groups} == {"disputed", "not_disputed"}


def test_case_table(logs: list[Any], ref: EventLog) -> None:
    mine, whole = kd.case_table(logs, as_of=AS_OF), case_table(ref, as_of=AS_OF)
    assert mine.coverage == whole.coverage
    assert list(mine.columns) == list(whole.columns)
    for name, col in whole.columns.items():
        got = mine.columns[name]
        assert got.dtype == col.dtype, name
        assert pd.Series(got).equals(pd.Series(col)), name


def test_days_late_and_days_to_settle(logs: list[Any], ref: EventLog) -> None:
    for mine, whole in (
        (kd.days_late(logs, signed=True, by="segment"),
         overdue.days_late(ref, signed=True, by="segment")),
        (kd.days_to_settle(logs, as_of=AS_OF), overdue.days_to_settle(ref, as_of=AS_OF)),
    ):  # fmt: skip
        assert mine.summary == whole.summary
        assert mine.coverage == whole.coverage
        assert mine.summary.count > 100
    sketched = kd.days_to_settle(logs, quantiles="sketch").summary
    exact = overdue.days_to_settle(ref).summary
    assert sketched.count == exact.count
    assert sketched.median == pytest.approx(exact.median, rel=0.005)


def test_past_due_ratio(logs: list[Any], ref: EventLog) -> None:
    mine = kd.past_due_ratio(logs, as_of=AS_OF, grace_days=5, by="collector")
    assert mine == overdue.past_due_ratio(ref, as_of=AS_OF, grace_days=5, by="collector")
    assert mine.past_due_count > 0


def test_dispute_rate_and_open_disputes(logs: list[Any], ref: EventLog) -> None:
    assert kd.dispute_rate(logs, by="reason", freq="quarter") == disputes.dispute_rate(
        ref, by="reason", freq="quarter"
    )
    mine = kd.open_disputes(logs, as_of=AS_OF, by="reason")
    assert mine == disputes.open_disputes(ref, as_of=AS_OF, by="reason")
    assert mine.count > 0


def test_cash_application_lag(logs: list[Any], ref: EventLog) -> None:
    mine = kd.cash_application_lag(logs, by="collector", freq="quarter")
    assert mine == collections.cash_application_lag(ref, by="collector", freq="quarter")
    assert mine.applied > 0


def test_posting_lag(logs: list[Any], ref: EventLog) -> None:
    mine = kd.posting_lag(logs, by="segment", freq="quarter")
    assert mine == collections.posting_lag(ref, by="segment", freq="quarter")
    assert mine.summary.count > 0


def test_promise_kept_rate_with_the_global_window_end() -> None:
    cols = synth_event_columns(1200, seed=8, promises=True)
    whole = EventLog.from_columns(cols.to_mapping(), attributes="all", order="lifecycle_rank")
    frame = DD.from_pandas(pd.DataFrame(cols.to_mapping()), npartitions=4)
    logs = kd.to_eventlogs(frame, order="lifecycle_rank", tz=UTC)
    mine = kd.promise_kept_rate(logs, by="segment")
    assert mine == collections.promise_kept_rate(whole, by="segment")
    assert mine.promises > 0
    assert mine.pending > 0  # promises whose deadline is after the last event: the window matters
    assert kd.promise_kept_rate(logs, as_of=AS_OF) == collections.promise_kept_rate(
        whole, as_of=AS_OF
    )


# ----------------------------------------------------------------------------- primitives


def _same_durations(a: CaseDurations, b: CaseDurations) -> None:
    assert (a.start, a.end) == (b.start, b.end)
    assert a.case_ids.tolist() == b.case_ids.tolist()
    np.testing.assert_array_equal(a.days, b.days)  # NaN where unused, on both sides
    for name in ("status", "start_ns", "end_ns"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_case_durations(logs: list[Any], ref: EventLog) -> None:
    mine = kd.case_durations(logs, "Invoice Generated", "Payment Received")
    whole = ref.case_durations("Invoice Generated", "Payment Received")
    _same_durations(mine, whole)
    assert mine.counts == whole.counts
    assert mine.counts["missing_end"] > 0
    assert mine.summary() == whole.summary()
    _same_durations(kd.case_durations(logs), ref.case_durations())
    _same_durations(
        kd.case_durations(logs, "Collection Letter Generated", start_at="last"),
        ref.case_durations("Collection Letter Generated", start_at="last"),
    )


def _same_variants(a: Variants, b: Variants) -> None:
    assert a.as_tuples() == b.as_tuples()
    assert list(a) == list(b)  # the order: count descending, ties by first case id
    np.testing.assert_array_equal(a.counts, b.counts)
    assert a.case_ids.tolist() == b.case_ids.tolist()
    np.testing.assert_array_equal(a.case_variant, b.case_variant)


def test_variants(logs: list[Any], ref: EventLog) -> None:
    mine = kd.variants(logs)
    _same_variants(mine, ref.variants())
    assert len(mine) > 5
    assert int(np.count_nonzero(mine.counts == 1)) > 1
    _same_variants(kd.variants(logs, max_repeats=1), ref.variants(max_repeats=1))


def _same_dfg(a: DirectlyFollows, b: DirectlyFollows) -> None:
    assert (a.sources, a.targets) == (b.sources, b.targets)
    for name in ("counts", "mean_days", "median_days", "min_days", "max_days"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.start_activities == b.start_activities
    assert a.end_activities == b.end_activities


def test_directly_follows(logs: list[Any], ref: EventLog) -> None:
    mine = kd.directly_follows(logs)
    _same_dfg(mine, ref.directly_follows())
    assert mine.to_dict() == ref.directly_follows().to_dict()
    # independent: the counts are the pairs of consecutive events of a case
    same_case = ref.case_codes[1:] == ref.case_codes[:-1]
    assert int(mine.counts.sum()) == int(np.count_nonzero(same_case))


def test_quality(logs: list[Any], ref: EventLog) -> None:
    mine = kd.quality(logs, examples=3)
    assert mine == ref.quality(examples=3)
    assert mine.n_events == ref.n_events
    assert mine.problems  # synthetic data has non-canonical or out-of-order items to list


def test_quality_of_dirty_data_with_nulls_and_conflicts(client: Any) -> None:
    frame = pd.DataFrame(
        {
            CASE: ["A", "A", "B", "B", "C", "C", "D"],
            "concept:name": [
                "Invoice Generated", "Invoice Generated", "Payment Received",
                "Invoice Generated", "Invoice Generated", "Invoice Settled", "Call",
            ],
            "time:timestamp": pd.to_datetime(
                ["2024-01-01", "2024-01-01", "2024-01-02", "2024-01-03", "2024-01-01",
                 "2024-01-05", "2024-01-02"], utc=True),
            "note": ["x", None, None, "y", "z", None, "w"],
            "case:segment": ["S", "S", "S", "T", "S", "S", "S"],
        }
    )  # fmt: skip
    whole = EventLog.from_columns(frame, attributes="all")
    parts = kd.to_eventlogs(DD.from_pandas(frame, npartitions=3))
    mine = kd.quality(parts)
    assert mine == whole.quality()
    # by hand: one duplicate (A), nulls in 3 cells of 3 cases, B pays before it is issued
    assert (mine["duplicate_events"].count, mine["duplicate_events"].examples) == (1, ("A",))
    assert (mine["null_attribute_values"].count, mine["null_attribute_values"].cases) == (3, 3)
    assert mine["null_attribute_values"].detail.endswith("{'note': 3}")
    assert mine["missing_start_activity"].examples == ("D",)
    assert mine["events_before_start"].examples == ("B",)
    assert mine["case_attribute_conflicts"].count == 1


def test_filter_variants_top_k_is_global(logs: list[Any], ref: EventLog) -> None:
    whole = ref.variants()
    top3 = set(whole.case_ids[whole.case_variant < 3].tolist())
    kept = DASK.compute(*kd.filter_variants(logs, top_k=3))
    assert sorted(
        functools.reduce(operator.iadd, (p.case_ids.tolist() for p in kept), [])
    ) == sorted(top3)
    dropped = DASK.compute(*kd.filter_variants(logs, top_k=3, keep=False))
    assert sum(p.n_cases for p in dropped) == ref.n_cases - len(top3)
    assert sum(p.n_events for p in kept) + sum(p.n_events for p in dropped) == ref.n_events


def test_filter_given_variants(logs: list[Any], ref: EventLog) -> None:
    whole = ref.variants()
    first, second = whole.sequence(0), whole.sequence(1)
    want = {i for i, v in enumerate(whole) if v in (first, second)}
    ids = whole.case_ids[np.isin(whole.case_variant, list(want))].tolist()
    for spec in ([first, ", ".join(second)], [", ".join(first), second]):
        kept = DASK.compute(*kd.filter_variants(logs, spec))
        assert sorted(
            functools.reduce(operator.iadd, (p.case_ids.tolist() for p in kept), [])
        ) == sorted(ids)
    # filtered partitions feed the KPIs: the variants of what was kept
    kept_logs = kd.filter_variants(logs, first)
    assert kd.variants(kept_logs).as_tuples() == {first: int(whole.counts[0])}


def test_filter_variants_checks_its_arguments(logs: list[Any]) -> None:
    with pytest.raises(InvalidParameterError, match="exactly one"):
        kd.filter_variants(logs)
    with pytest.raises(InvalidParameterError, match="exactly one"):
        kd.filter_variants(logs, "A", top_k=1)
    with pytest.raises(InvalidParameterError, match="top_k"):
        kd.filter_variants(logs, top_k=-1)
    with pytest.raises(InvalidParameterError, match="keep"):
        kd.filter_variants(logs, "A", keep=cast(Any, 1))
    with pytest.raises(InvalidParameterError, match="a variant is"):
        kd.filter_variants(logs, [("A", 2)])


# ----------------------------------------------------------------------------- split cases


def test_case_split_across_partitions_is_rejected(cols: SynthColumns) -> None:
    # shuffle=False on row ranges: the cases at the edges are split; per-case merges refuse
    frame = DD.from_pandas(pd.DataFrame(cols.to_mapping()), npartitions=4)
    logs = kd.to_eventlogs(frame, order="lifecycle_rank", tz=UTC, shuffle=False)
    parts = DASK.compute(*logs)
    ids = np.concatenate([p.case_ids for p in parts])
    split = sorted({c for c in ids.tolist() if (ids == c).sum() > 1})
    assert split  # the premise: some case is in two partitions
    for run in (
        lambda: kd.case_durations(logs),
        lambda: kd.variants(logs),
        lambda: kd.case_table(logs, as_of=AS_OF),
    ):
        with pytest.raises(InvalidParameterError, match="split between partitions") as err:
            run()
        assert repr(split[0]) in str(err.value)  # names the first split case


def test_partials_pickle(ref: EventLog) -> None:
    for value in (
        ref.case_durations(),
        ref.variants(),
        case_table(ref, as_of=AS_OF),
        dso.standard_dso(ref, as_of=AS_OF),
        collections.write_off_ratio(ref),
    ):
        back = pickle.loads(pickle.dumps(value))
        assert type(back) is type(value)


# ----------------------------------------------------------------------------- by hand


def _inv(num: str, issued: str, due: str, amount: int, code: str, **kw: Any) -> Invoice:
    return Invoice(num, "C1", issued, due, Money.of(amount, code), **kw)


def test_accounting_merge_by_hand() -> None:
    a = [_inv("F-1", "2024-01-10", "2024-02-09", 300, "BRL"),
         _inv("F-2", "2024-03-05", "2024-04-04", 100, "USD")]  # fmt: skip
    b = [_inv("F-3", "2024-03-10", "2024-03-20", 600, "BRL",
              payments=[Payment("2024-03-15", Money.of(200, "BRL"))])]  # fmt: skip
    d = dt.date(2024, 3, 31)
    merged = dso.standard_dso(a, as_of=d, days_basis=360).merge(
        dso.standard_dso(b, as_of=d, days_basis=360)
    )
    brl, usd = merged.by_currency["BRL"], merged.by_currency["USD"]
    # BRL: open 300 + 400 = 700 over sales 900 in 90 days; USD: 100 / 100 × 90
    assert (brl.receivables, brl.sales) == (Money.of(700, "BRL"), Money.of(900, "BRL"))
    assert brl.dso == pytest.approx(70.0)
    assert usd.dso == 90.0
    assert merged.coverage["invoices"] == 3
    add = dso.average_days_delinquent(a, as_of=d, days_basis=360).merge(
        dso.average_days_delinquent(b, as_of=d, days_basis=360)
    )
    # current (not yet due on 31 Mar): only F-2 (USD); BRL: 70 − 0, USD: 90 − 90
    assert add.by_currency["BRL"].average_days_delinquent == pytest.approx(70.0)
    assert add.by_currency["USD"].average_days_delinquent == 0.0
    cei = dso.collection_effectiveness_index(a, as_of=d, sales_basis="full").merge(
        dso.collection_effectiveness_index(b, as_of=d, sales_basis="full")
    )
    # BRL: (0 + 900 − 700) / (0 + 900 − 0) × 100
    assert cei.by_currency["BRL"].cei == pytest.approx(200 / 900 * 100)


def test_write_off_merge_by_hand() -> None:
    a = [_inv("F-1", "2024-01-01", "2024-01-31", 100, "BRL",
              payments=[Payment("2024-02-10", Money.of(40, "BRL"))],
              written_off_at="2024-05-01")]  # fmt: skip
    b = [_inv("F-2", "2024-01-01", "2024-01-31", 300, "BRL"),
         _inv("F-3", "2024-01-01", "2024-01-31", 50, "USD",
              written_off_at="2024-06-01")]  # fmt: skip
    m = merge_results(collections.write_off_ratio(a), collections.write_off_ratio(b))
    # BRL: 60 written off of 400 sold; USD 50 of 50; 2 of 3 invoices
    assert m.amount_ratio == {"BRL": 0.15, "USD": 1.0}
    assert (m.invoices, m.written_off, m.count_ratio) == (3, 2, 2 / 3)


def test_variants_merge_orders_ties_by_first_case() -> None:
    log = EventLog.from_columns(
        case=["1", "2", "2", "3", "4", "4"],
        activity=["B", "A", "C", "B", "A", "C"],
        timestamp=["2024-01-01T00:00Z", "2024-01-01T00:00Z", "2024-01-02T00:00Z",
                   "2024-01-01T00:00Z", "2024-01-01T00:00Z", "2024-01-02T00:00Z"],
    )  # fmt: skip
    # two variants of two cases each: 'B' (first case 1) before 'A, C' (first case 2)
    a, b = log.filter_cases(["2", "3"]).variants(), log.filter_cases(["1", "4"]).variants()
    for m in (a.merge(b), b.merge(a)):
        assert m.to_dict() == {"B": 2, "A, C": 2}
        assert m.case_variant.tolist() == [0, 1, 0, 1]


def test_dfg_mean_is_exact_and_order_free() -> None:
    # one arc of 2**60 ns (case "a", first) and 300 arcs of 100 ns: a running float sum
    # loses every 100 ns after the big one (a float near 2**60 has a 256 ns step)
    big, small, n = 2**60, 100, 300
    cases = ["a", "a"] + [f"b{i:03d}" for i in range(n) for _ in (0, 1)]
    ts = np.array([0, big] + [0, small] * n, dtype="datetime64[ns]")
    log = EventLog.from_columns(case=cases, activity=["X", "Y"] * (n + 1), timestamp=ts, tz=UTC)
    mean = log.directly_follows().arc("X", "Y")["mean_days"]
    assert mean == (big + small * n) / (n + 1) / 86_400e9  # exact sum, correctly rounded
    running = float(big)
    for _ in range(n):
        running += small  # what a sum in event order gives
    assert running == float(big)
    assert mean != running / (n + 1) / 86_400e9
    parts = [log.filter_cases(log.case_ids[1::2]), log.filter_cases(log.case_ids[::2])]
    assert kd.directly_follows(parts).arc("X", "Y")["mean_days"] == mean


def test_merge_rejects_different_options(ref: EventLog) -> None:
    with pytest.raises(InvalidParameterError, match="start/end"):
        ref.case_durations("Invoice Generated").merge(ref.case_durations())
    with pytest.raises(InvalidParameterError, match="as_of"):
        case_table(ref, as_of=AS_OF).merge(case_table(ref, as_of=dt.date(2024, 10, 1)))
    with pytest.raises(InvalidParameterError, match="methods or periods"):
        dso.standard_dso(ref, as_of=AS_OF).merge(dso.best_possible_dso(ref, as_of=AS_OF))
    with pytest.raises(InvalidParameterError, match="no merge is known"):
        merge_results(ref.directly_follows(), ref.directly_follows())
