"""Variant filter (keep/drop top-k or given variants) and variant coverage.

Hand-worked log (rows scrambled): cases and their sequences in time order

* c1: A, B, C      * c2: A, B, C      * c3: A, C
* c4: A, B, C      * c5: A, C         * c6: B
* c7: A, A, C (A, C once repetitions are capped at 1)

So the variants are ``A, B, C`` x3 (first case c1), ``A, C`` x2 (c3),
``B`` x1 (c6) and ``A, A, C`` x1 (c7): 7 cases.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from strategies import eventlog_rows, rows_to_columns

from kpicore.errors import InvalidParameterError
from kpicore.eventlog import EventLog, VariantCoverage, variant_coverage
from kpicore.eventlog._variants import variant_specs

SEQS = {
    "c1": "ABC",
    "c2": "ABC",
    "c3": "AC",
    "c4": "ABC",
    "c5": "AC",
    "c6": "B",
    "c7": "AAC",
}


def _rows() -> list[tuple[str, str, str]]:
    rows = [
        (case, act, f"2024-01-{i + 1:02d}T00:00:00Z")
        for case, seq in SEQS.items()
        for i, act in enumerate(seq)
    ]
    rng = np.random.default_rng(4)
    return [rows[i] for i in rng.permutation(len(rows))]


@pytest.fixture(scope="module")
def log() -> EventLog:
    rows = _rows()
    return EventLog.from_columns(
        case=[r[0] for r in rows], activity=[r[1] for r in rows], timestamp=[r[2] for r in rows]
    )


def test_top_k_keeps_and_drops(log: EventLog) -> None:
    assert log.filter_variants(top_k=1).case_ids.tolist() == ["c1", "c2", "c4"]
    assert log.filter_variants(top_k=2).case_ids.tolist() == ["c1", "c2", "c3", "c4", "c5"]
    # B and A, A, C tie at 1 case: B's first case c6 comes before c7
    assert log.filter_variants(top_k=3).case_ids.tolist() == ["c1", "c2", "c3", "c4", "c5", "c6"]
    assert log.filter_variants(top_k=2, keep=False).case_ids.tolist() == ["c6", "c7"]
    assert log.filter_variants(top_k=0).n_cases == 0
    assert log.filter_variants(top_k=99).n_cases == 7
    # every event of a kept case is kept
    assert log.filter_variants(top_k=1).n_events == 9


def test_given_variants(log: EventLog) -> None:
    assert log.filter_variants(("A", "C")).case_ids.tolist() == ["c3", "c5"]
    assert log.filter_variants("A, C").case_ids.tolist() == ["c3", "c5"]
    assert log.filter_variants(["B", ("A", "A", "C")]).case_ids.tolist() == ["c6", "c7"]
    assert log.filter_variants("A, B, C", keep=False).case_ids.tolist() == [
        "c3", "c5", "c6", "c7"
    ]  # fmt: skip
    # absent variants (unknown activity, or known activities in another order) match nothing
    assert log.filter_variants([("Z",), ("C", "A")]).n_cases == 0
    assert log.filter_variants([("Z",)], keep=False).n_cases == 7
    # with repetitions capped, c7 (A, A, C) is an A, C case too
    assert log.filter_variants("A, C", max_repeats=1).case_ids.tolist() == ["c3", "c5", "c7"]


def test_bad_parameters(log: EventLog) -> None:
    with pytest.raises(InvalidParameterError, match="exactly one"):
        log.filter_variants()
    with pytest.raises(InvalidParameterError, match="exactly one"):
        log.filter_variants("A", top_k=1)
    with pytest.raises(InvalidParameterError, match="top_k"):
        log.filter_variants(top_k=-1)
    with pytest.raises(InvalidParameterError, match="top_k"):
        log.filter_variants(top_k=True)
    with pytest.raises(InvalidParameterError, match="variant"):
        log.filter_variants([("A", 3)])
    with pytest.raises(InvalidParameterError, match="variants must be"):
        log.filter_variants(7)
    with pytest.raises(InvalidParameterError, match="keep"):
        log.filter_variants("A", keep=None)  # type: ignore[arg-type]


def test_variant_specs() -> None:
    assert variant_specs("A, B") == (("A", "B"),)
    assert variant_specs({"A"}) == (("A",),)
    assert variant_specs([["A", "B"]]) == (("A", "B"),)
    assert variant_specs("") == ((),)


def test_coverage_hand_worked(log: EventLog) -> None:
    cov = log.variant_coverage()
    assert isinstance(cov, VariantCoverage)
    assert cov.variants == ("A, B, C", "A, C", "B", "A, A, C")
    assert cov.counts.tolist() == [3, 2, 1, 1]
    assert cov.n_cases == 7
    assert cov.shares.tolist() == [3 / 7, 2 / 7, 1 / 7, 1 / 7]
    assert cov.cumulative.tolist() == [3 / 7, 5 / 7, 6 / 7, 1.0]
    assert cov.variants_needed(0.5) == 2  # 3/7 < 0.5 <= 5/7
    assert cov.variants_needed(5 / 7) == 2
    assert cov.variants_needed(0.72) == 3
    assert cov.variants_needed(1) == 4
    assert cov.variants_needed(0) == 0
    assert len(cov) == 4
    d = cov.to_dict()
    assert d["counts"] == [3, 2, 1, 1]
    assert d["n_cases"] == 7
    capped = log.variant_coverage(max_repeats=1)
    assert capped.counts.tolist() == [3, 3, 1]
    with pytest.raises(InvalidParameterError, match="share"):
        cov.variants_needed(1.5)


def test_coverage_of_empty_log(log: EventLog) -> None:
    empty = log.filter_variants(top_k=0)
    cov = empty.variant_coverage()
    assert cov.n_cases == 0
    assert len(cov) == 0
    assert cov.variants_needed(0.9) == 0


def test_coverage_float_edge() -> None:
    # 7 of 10 cases: 0.7 * 10 is 7.000000000000001 in floats; 2 variants still cover it
    log = EventLog.from_columns(
        case=[f"k{i}" for i in range(10)],
        activity=["A"] * 4 + ["B"] * 3 + ["C"] * 3,
        timestamp=["2024-01-01T00:00Z"] * 10,
    )
    cov = variant_coverage(log.variants())
    assert cov.counts.tolist() == [4, 3, 3]
    assert cov.variants_needed(0.7) == 2
    assert cov.variants_needed(0.71) == 3


def _sequences(cols: dict[str, object]) -> dict[str, tuple[str, ...]]:
    """Each case's activity sequence, by a stable sort of the rows (the definition)."""
    cases = list(cols["case:concept:name"])  # type: ignore[call-overload]
    acts = list(cols["concept:name"])  # type: ignore[call-overload]
    ts = np.asarray(cols["time:timestamp"]).view(np.int64).tolist()
    order = sorted(range(len(cases)), key=lambda i: (cases[i], ts[i], i))
    seqs: dict[str, list[str]] = {}
    for i in order:
        seqs.setdefault(cases[i], []).append(acts[i])
    return {c: tuple(s) for c, s in seqs.items()}


@settings(max_examples=60, deadline=None)
@given(rows=eventlog_rows(max_cases=8, max_events=40))
def test_filter_matches_definition(rows: list[tuple[str, str, int, str | None]]) -> None:
    cols = rows_to_columns(rows)
    log = EventLog.from_columns(cols)
    seqs = _sequences(cols)
    counts = Counter(seqs.values())
    first = {s: min(c for c, t in seqs.items() if t == s) for s in counts}
    ranked = sorted(counts, key=lambda s: (-counts[s], first[s]))
    for k in range(len(ranked) + 1):
        want = sorted(c for c, s in seqs.items() if s in set(ranked[:k]))
        got = log.filter_variants(top_k=k)
        assert got.case_ids.tolist() == want
        dropped = log.filter_variants(top_k=k, keep=False)
        assert sorted(got.case_ids.tolist() + dropped.case_ids.tolist()) == sorted(seqs)
        assert got.n_events + dropped.n_events == log.n_events
    for s in ranked:
        assert log.filter_variants(s).case_ids.tolist() == sorted(
            c for c, t in seqs.items() if t == s
        )
    cov = log.variant_coverage()
    n = len(seqs)
    assert cov.counts.tolist() == [counts[s] for s in ranked]
    running = 0
    for i, s in enumerate(ranked):
        running += counts[s]
        assert cov.cumulative[i] == running / n
