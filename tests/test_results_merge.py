"""``merge`` of the KPI result classes: result(A ∪ B) == result(A).merge(result(B)).

A and B split the invoices (cases) of one synthetic event log; every merge
must give exactly the result computed on the whole log, for every split.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpicore.errors import InvalidParameterError
from kpicore.eventlog import EventLog
from kpicore.kpis import disputes, dunning, overdue
from kpicore.sketch import QuantileSketch
from kpicore.summary import Summary
from kpicore.synth import synth_event_columns

AS_OF = dt.date(2024, 9, 30)
N_INVOICES = 400


@functools.cache
def _log() -> EventLog:
    cols = synth_event_columns(N_INVOICES, seed=21)
    return EventLog.from_columns(cols.to_mapping(), attributes="all", order="lifecycle_rank")


def _split(mask: np.ndarray[Any, np.dtype[np.bool_]]) -> tuple[EventLog, EventLog]:
    log = _log()
    return log.filter_cases(mask), log.filter_cases(~mask)


def _split_at(k: int) -> tuple[EventLog, EventLog]:
    return _split(np.arange(_log().n_cases) < k)


# One KPI call per result class with merge (the group classes are merged
# through the ``groups`` of their parent, the buckets/levels through it too).
KPIS: dict[str, Callable[[EventLog], Any]] = {
    "aging": lambda log: overdue.aging(log, as_of=AS_OF),
    "aging_by": lambda log: overdue.aging(log, as_of=AS_OF, by="segment", buckets=(15, 45)),
    "aging_invoice_anchor": lambda log: overdue.aging(log, as_of=AS_OF, anchor="invoice"),
    "dispute_resolution": lambda log: disputes.dispute_resolution(log),
    "dispute_resolution_by": lambda log: disputes.dispute_resolution(
        log, by="reason", freq="quarter", pairing="last"
    ),
    "dunning_rate": lambda log: dunning.dunning_rate(log, as_of=AS_OF),
    "dunning_rate_by": lambda log: dunning.dunning_rate(
        log, as_of=AS_OF, by="segment", freq="month", letters_window="to_date"
    ),
    "dunning_effectiveness": lambda log: dunning.dunning_effectiveness(log),
    "dunning_effectiveness_by": lambda log: dunning.dunning_effectiveness(
        log, as_of=AS_OF, by="segment", freq="quarter", paid="any_payment"
    ),
}


@functools.cache
def _whole(name: str) -> Any:
    return KPIS[name](_log())


@pytest.mark.parametrize("name", list(KPIS))
def test_merge_of_a_random_case_split_equals_whole(name: str) -> None:
    mask = np.random.default_rng(5).random(_log().n_cases) < 0.4
    a, b = _split(mask)
    ra, rb = KPIS[name](a), KPIS[name](b)
    assert ra != _whole(name)
    assert ra.merge(rb) == _whole(name)
    assert rb.merge(ra) == _whole(name)


@settings(max_examples=15, deadline=None)
@given(k=st.integers(0, N_INVOICES), name=st.sampled_from(sorted(KPIS)))
def test_merge_at_any_split_point_equals_whole(k: int, name: str) -> None:
    a, b = _split_at(k)
    assert KPIS[name](a).merge(KPIS[name](b)) == _whole(name)


def test_merge_of_the_parts() -> None:
    """The component classes merge on their own too (AgingTable, AgingBucket, levels...)."""
    a, b = _split_at(150)
    ag_a, ag_b = KPIS["aging_by"](a), KPIS["aging_by"](b)
    whole_ag = _whole("aging_by")
    for x, y, w in zip(ag_a.buckets, ag_b.buckets, whole_ag.buckets, strict=True):
        assert x.merge(y) == w
    for key in set(ag_a.groups) & set(ag_b.groups):
        assert ag_a.groups[key].merge(ag_b.groups[key]) == whole_ag.groups[key]
    dr_a, dr_b = KPIS["dispute_resolution_by"](a), KPIS["dispute_resolution_by"](b)
    shared = set(dr_a.groups) & set(dr_b.groups)
    assert shared
    for key in shared:
        merged = dr_a.groups[key].merge(dr_b.groups[key])
        assert merged == _whole("dispute_resolution_by").groups[key]
    rate_a, rate_b = KPIS["dunning_rate_by"](a), KPIS["dunning_rate_by"](b)
    for key in set(rate_a.groups) & set(rate_b.groups):
        assert (
            rate_a.groups[key].merge(rate_b.groups[key]) == _whole("dunning_rate_by").groups[key]
        )
    eff_a, eff_b = KPIS["dunning_effectiveness"](a), KPIS["dunning_effectiveness"](b)
    whole_eff = _whole("dunning_effectiveness")
    for level in set(eff_a.levels) & set(eff_b.levels):
        assert eff_a.levels[level].merge(eff_b.levels[level]) == whole_eff.levels[level]
    for level in set(eff_a.by_max_level) & set(eff_b.by_max_level):
        merged_max = eff_a.by_max_level[level].merge(eff_b.by_max_level[level])
        assert merged_max == whole_eff.by_max_level[level]


def test_rates_of_an_empty_merge_are_none() -> None:
    empty = _log().filter_cases(np.zeros(_log().n_cases, dtype=bool))
    r = dunning.dunning_rate(empty, as_of=AS_OF)
    merged = r.merge(r)
    assert merged.overdue == 0
    assert merged.rate is None
    assert merged.letters_per_overdue is None


def test_merge_in_sketch_mode() -> None:
    a, b = _split_at(200)
    ra, rb = disputes.dispute_resolution(a), disputes.dispute_resolution(b)
    assert isinstance(ra.summary, Summary)
    assert isinstance(rb.summary, Summary)
    # the sketch mode of kpicore.dask: the summaries become sketches
    sa: Any = QuantileSketch.of(ra.summary.data, missing=ra.summary.missing)
    sb: Any = QuantileSketch.of(rb.summary.data, missing=rb.summary.missing)
    merged = ra.__class__(sa, ra.resolved, ra.open, ra.pairing, ra.coverage).merge(
        rb.__class__(sb, rb.resolved, rb.open, rb.pairing, rb.coverage)
    )
    whole = _whole("dispute_resolution")
    assert isinstance(merged.summary, QuantileSketch)
    assert merged.summary.count == whole.summary.count
    assert merged.resolved == whole.resolved
    with pytest.raises(InvalidParameterError, match="QuantileSketch"):
        ra.__class__(sa, ra.resolved, ra.open, ra.pairing, ra.coverage).merge(rb)


@pytest.mark.parametrize(
    ("make_a", "make_b", "fragment"),
    [
        (
            lambda log: overdue.aging(log, as_of=AS_OF),
            lambda log: overdue.aging(log, as_of=dt.date(2024, 8, 31)),
            "as_of",
        ),
        (
            lambda log: overdue.aging(log, as_of=AS_OF),
            lambda log: overdue.aging(log, as_of=AS_OF, buckets=(10, 20)),
            "bucket",
        ),
        (
            lambda log: overdue.aging(log, as_of=AS_OF),
            lambda log: overdue.aging(log, as_of=AS_OF, anchor="invoice"),
            "anchor",
        ),
        (
            lambda log: disputes.dispute_resolution(log),
            lambda log: disputes.dispute_resolution(log, pairing="last"),
            "pairing",
        ),
        (
            lambda log: disputes.dispute_resolution(log, by="reason"),
            lambda log: disputes.dispute_resolution(log),
            "grouped",
        ),
        (
            lambda log: disputes.dispute_resolution(log, by="reason"),
            lambda log: disputes.dispute_resolution(log, by="segment"),
            "grouping",
        ),
        (
            lambda log: dunning.dunning_rate(log, as_of=AS_OF),
            lambda log: dunning.dunning_rate(log, as_of=AS_OF, letters_window="to_date"),
            "letters window",
        ),
        (
            lambda log: dunning.dunning_effectiveness(log),
            lambda log: dunning.dunning_effectiveness(log, paid="any_payment"),
            "paid measure",
        ),
        (
            lambda log: dunning.dunning_rate(log, as_of=AS_OF),
            lambda log: dunning.dunning_effectiveness(log),
            "cannot merge a DunningRate with a DunningEffectiveness",
        ),
    ],
)
def test_merge_rejects_different_options(
    make_a: Callable[[EventLog], Any], make_b: Callable[[EventLog], Any], fragment: str
) -> None:
    a, b = _split_at(200)
    with pytest.raises(InvalidParameterError, match=fragment):
        make_a(a).merge(make_b(b))
