"""Tests of kpicore.summary: exact, mergeable summaries."""

from __future__ import annotations

import contextlib
import math
import pickle
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpicore import summary as summary_mod
from kpicore.errors import InvalidParameterError
from kpicore.summary import DEFAULT_PERCENTILES, Summary, exact_sum, exact_units, linear_quantiles

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
maybe = st.one_of(finite, st.none(), st.just(float("nan")))


def test_hand_worked_statistics() -> None:
    # values 1, 2, 3, 4, 10 (+ one None): mean 20/5 = 4; median 3;
    # type 7: p25 at h = (5-1)*0.25 = 1 -> 2; p90 at h = 3.6 -> 4 + 0.6*(10-4) = 7.6
    s = Summary.of([10, 2, None, 4, 1, 3], percentiles=[25, 90])
    assert (s.count, s.missing) == (5, 1)
    assert s.mean == 4.0
    assert s.median == 3.0
    assert (s.min, s.max) == (1.0, 10.0)
    assert s.percentiles[25] == 2.0
    assert s.percentiles[90] == pytest.approx(7.6)
    assert s.values.tolist() == [1.0, 2.0, 3.0, 4.0, 10.0]
    assert not s.values.flags.writeable


def test_even_count_median_interpolates() -> None:
    # 1, 2, 3, 4: median at h = 1.5 -> 2.5 (R type 7, edeaR)
    assert Summary.of([4.0, 1.0, 3.0, 2.0]).median == 2.5


def test_single_value() -> None:
    s = Summary.of([7.5])
    assert (s.count, s.mean, s.median, s.min, s.max) == (1, 7.5, 7.5, 7.5, 7.5)
    assert all(v == 7.5 for v in s.percentiles.values())


def test_empty_has_none_not_nan() -> None:
    s = Summary.of([], missing=2)
    assert (s.count, s.missing, s.mean, s.median, s.min, s.max) == (0, 2, None, None, None, None)
    assert dict(s.percentiles) == dict.fromkeys(DEFAULT_PERCENTILES)
    assert s.to_dict()["percentiles"] == {"p25": None, "p75": None, "p90": None}


def test_nan_counts_as_missing() -> None:
    s = Summary.of(np.array([1.0, np.nan, 3.0]), missing=1)
    assert (s.count, s.missing, s.mean) == (2, 2, 2.0)


def test_mean_is_exactly_rounded() -> None:
    # naive float summation gives 0.0 here; fsum gives the exact 2.0 / 3
    s = Summary.of([1e16, 1.0, -1e16])
    assert s.mean == pytest.approx(1.0 / 3.0, rel=0, abs=1e-15)


def test_merge_hand_worked() -> None:
    a = Summary.of([1.0, 5.0], missing=1)
    b = Summary.of([3.0])
    m = a.merge(b)
    assert (m.count, m.missing, m.median, m.mean) == (3, 1, 3.0, 3.0)
    assert m == Summary.of([5.0, None, 1.0, 3.0])


def test_merge_rejects_different_units_or_levels() -> None:
    with pytest.raises(InvalidParameterError, match="days"):
        Summary.of([1.0]).merge(Summary.of([1.0], unit="events"))
    with pytest.raises(InvalidParameterError, match="percentiles"):
        Summary.of([1.0]).merge(Summary.of([1.0], percentiles=[50]))
    with pytest.raises(InvalidParameterError, match="Summary"):
        Summary.of([1.0]).merge(3)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"missing": -1}, "missing"),
        ({"missing": True}, "missing"),
        ({"percentiles": [101]}, "outside"),
        ({"percentiles": ["a"]}, "not a number"),
        ({"unit": ""}, "unit"),
    ],
)
def test_of_validates(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        Summary.of([1.0], **kwargs)  # type: ignore[arg-type]


def test_rejects_non_numbers() -> None:
    with pytest.raises(InvalidParameterError, match="numbers"):
        Summary.of(["a", "b"])
    with pytest.raises(InvalidParameterError, match="booleans"):
        Summary.of(np.array([True, False]))


def test_to_dict_and_repr() -> None:
    s = Summary.of([2.0, 4.0], percentiles=[50])
    assert s.to_dict() == {
        "count": 2,
        "missing": 0,
        "mean": 3.0,
        "median": 3.0,
        "min": 2.0,
        "max": 4.0,
        "percentiles": {"p50": 3.0},
        "unit": "days",
    }
    assert "count=2" in repr(s)
    assert s != Summary.of([2.0, 4.0])  # different levels
    assert s.__eq__(3) is NotImplemented


@settings(max_examples=60, deadline=None)
@given(st.lists(maybe, max_size=40), st.data())
def test_merge_over_any_split_equals_whole(
    values: list[float | None], data: st.DataObject
) -> None:
    cut = data.draw(st.integers(0, len(values)))
    perm = data.draw(st.permutations(range(len(values))))
    shuffled = [values[i] for i in perm]
    a = Summary.of(shuffled[:cut])
    b = Summary.of(shuffled[cut:])
    whole = Summary.of(values)
    merged = a.merge(b)
    assert merged == whole
    # bitwise equality of every statistic, the mean included (fsum is order free)
    assert merged.to_dict() == whole.to_dict()
    assert b.merge(a).to_dict() == whole.to_dict()


@settings(max_examples=60, deadline=None)
@given(st.lists(finite, min_size=1, max_size=40))
def test_statistics_match_numpy_type7(values: list[float]) -> None:
    s = Summary.of(values, percentiles=[10, 33.3, 99])
    arr = np.array(values)
    # the median is the type-7 quantile at 50 (np.median averages the middle pair instead,
    # which can differ in the last bit)
    assert s.median == float(np.percentile(arr, 50, method="linear"))
    assert s.median == pytest.approx(float(np.median(arr)), rel=1e-12, abs=1e-9)
    assert s.min == min(values)
    assert s.max == max(values)
    assert s.mean == math.fsum(values) / len(values)
    for q in (10, 33.3, 99):
        assert s.percentiles[q] == float(np.percentile(np.sort(arr), q, method="linear"))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=60))
def test_exact_sum_equals_fsum(values: list[float]) -> None:
    arr = np.array(values, dtype=np.float64)
    exact = sum((Fraction(v) for v in values), Fraction(0))
    try:
        want = float(exact)  # the correctly rounded true sum
    except OverflowError:
        with pytest.raises(OverflowError):
            exact_sum(arr)
        return
    assert exact_sum(arr) == want
    assert exact_sum(arr[::-1]) == want
    with contextlib.suppress(OverflowError):  # fsum may give up on an intermediate overflow
        assert math.fsum(values) == want


def _units(values: list[float]) -> int:
    """The exact sum in 2**-1074 units, from fractions (independent of kpicore)."""
    exact = sum((Fraction(v) for v in values), Fraction(0)) * (1 << 1074)
    assert exact.denominator == 1
    return int(exact)


# magnitudes from subnormal to near overflow, mixed in one array: the extraction's
# levels, its guards (sigma overflow, grid underflow) and the per-exponent fallback
_wide = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(min_value=-1e-300, max_value=1e-300),
    st.floats(min_value=-1e3, max_value=1e3),
    st.sampled_from([5e-324, -5e-324, 0.0, -0.0, 1.7e308, -1.7e308, 2.0**-1000, 1 / 3]),
)


@given(st.lists(_wide, max_size=60))
def test_exact_units_equals_fraction_sum(values: list[float]) -> None:
    arr = np.array(values, dtype=np.float64)
    want = _units(values)
    assert exact_units(arr) == want
    assert summary_mod._binned_units(arr) == want  # the fallback alone, too


@settings(max_examples=25, deadline=None)
@given(st.lists(_wide, min_size=1, max_size=12), st.integers(1, 3), st.integers(0, 2**16))
def test_exact_units_over_several_blocks(values: list[float], reps: int, cut: int) -> None:
    # more than one block of 65,536 values, a block boundary anywhere: tiled
    # values plus a prefix of them, each block extracted on its own grid
    tiled = np.resize(np.array(values, dtype=np.float64), summary_mod._BLOCK * reps + cut)
    whole, part = divmod(tiled.shape[0], len(values))
    want = _units(values) * whole + _units(values[:part])
    assert exact_units(tiled) == want


def test_exact_units_hand_worked() -> None:
    # days from ns: 1 ns is 1/86_400e9 day; 86_400e9 of them are one day exactly, the
    # naive float sum drifts
    v = np.full(200_000, 1 / 3)
    assert exact_units(v) == 200_000 * _units([1 / 3])
    assert exact_sum(v) == float(Fraction(1 / 3) * 200_000)
    assert exact_units(np.array([1e308, 5e-324, -1e308])) == 1


# values with ties, zeros of both signs, infinities and wide magnitudes
_qvalue = st.one_of(
    st.floats(allow_nan=False),
    st.integers(-3, 3).map(float),
    st.sampled_from([0.0, -0.0, math.inf, -math.inf, 5e-324, -5e-324, 1e308]),
)
_levels = st.lists(st.floats(0, 100), max_size=4)


@given(st.lists(_qvalue, min_size=1, max_size=80), _levels)
def test_linear_quantiles_equal_numpy_bit_for_bit(
    values: list[float], levels: list[float]
) -> None:
    arr = np.array(values, dtype=np.float64)
    qs = [0.0, 50.0, 100.0, *levels]
    with np.errstate(invalid="ignore"):  # inf - inf in numpy's interpolation
        want = np.percentile(arr, qs, method="linear").tolist()
    old = summary_mod.SELECT_MIN
    summary_mod.SELECT_MIN = 0  # the bucketed selection even for a few values
    try:
        with np.errstate(invalid="ignore"):
            got = linear_quantiles(arr, qs)
            # read by position from the sorted values (a Summary whose values were read)
            by_position = linear_quantiles(np.sort(arr), qs, ascending=True)
    finally:
        summary_mod.SELECT_MIN = old
    for g, p, w in zip(got, by_position, want, strict=True):
        assert g == w or (math.isnan(g) and math.isnan(w)), (g, w)
        assert p == w or (math.isnan(p) and math.isnan(w)), (p, w)


def test_linear_quantiles_large_with_ties_and_negatives() -> None:
    rng = np.random.default_rng(7)
    v = np.concatenate([rng.normal(0, 50, 40_000), np.zeros(30_000), rng.integers(-5, 5, 30_000)])
    rng.shuffle(v)
    qs = [50.0, 0.0, 100.0, 25.0, 75.0, 90.0, 99.99]
    assert linear_quantiles(v, qs) == np.percentile(v, qs, method="linear").tolist()
    s = Summary.of(v, percentiles=[25, 90])
    assert s.median == float(np.median(v))
    assert s.percentiles[90] == float(np.percentile(v, 90))
    # the sorted values read first: the quantiles are read from them by position
    t = Summary.of(v, percentiles=[25, 90])
    assert t.values[0] == v.min()
    assert (t.median, t.percentiles[25]) == (float(np.median(v)), float(np.percentile(v, 25)))


def test_exact_sum_special_values() -> None:
    assert exact_sum(np.array([], dtype=np.float64)) == 0.0
    assert exact_sum(np.array([5e-324, 5e-324])) == 1e-323
    assert exact_sum(np.array([1.0, np.inf])) == math.inf
    assert exact_sum(np.array([0.1] * 10)) == 1.0


def test_values_are_sorted_lazily_and_read_only() -> None:
    s = Summary.of([3.0, 1.0, 2.0])
    assert s.data.tolist() == [3.0, 1.0, 2.0]
    assert s.values.tolist() == [1.0, 2.0, 3.0]
    assert s.values is s.values
    assert not s.values.flags.writeable
    assert not s.data.flags.writeable


def test_statistics_are_computed_when_first_read() -> None:
    # a result may carry summaries nobody reads: nothing is computed until asked
    values = [4.0, 1.0, 3.0, 2.0, 10.0]
    s = Summary.of(values, percentiles=[25])
    assert s._stats == {}
    assert s.median == 3.0
    assert set(s._stats) == {"quantiles"}
    assert s.percentiles == {25.0: 2.0}
    assert s.mean == math.fsum(values) / 5 == 4.0
    assert (s.min, s.max) == (1.0, 10.0)
    assert set(s._stats) == {"quantiles", "mean", "min", "max"}
    # after sorting, min and max come from the sorted values; equal either way
    t = Summary.of(values, percentiles=[25])
    assert t.values.tolist() == sorted(values)
    assert (t.min, t.max, t.median) == (1.0, 10.0, 3.0)
    assert pickle.loads(pickle.dumps(s)) == s
