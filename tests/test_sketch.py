"""Tests of kpicore.sketch: the DDSketch-style relative-error quantile sketch."""

from __future__ import annotations

import math
import pickle

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpicore.errors import InvalidParameterError
from kpicore.sketch import DEFAULT_RELATIVE_ACCURACY, QuantileSketch
from kpicore.summary import Summary

ALPHA = DEFAULT_RELATIVE_ACCURACY
LOG_GAMMA = math.log((1 + ALPHA) / (1 - ALPHA))  # 0.0100003333...
LEVELS = (0.0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1.0)

# Normal floats (subnormal magnitudes are counted as zeros, see test_subnormals...).
magnitudes = st.floats(min_value=1e-6, max_value=1e9, allow_nan=False, allow_infinity=False)
signed = st.one_of(magnitudes, magnitudes.map(lambda v: -v), st.just(0.0))
value_lists = st.lists(signed, min_size=1, max_size=200)
positive_lists = st.lists(st.one_of(magnitudes, st.just(0.0)), min_size=1, max_size=200)
levels = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


def _bound(values: npt.NDArray[np.float64], q: float) -> tuple[float, float]:
    """The documented definition: (type-7 quantile from the exact order statistics, bound)."""
    x = np.sort(values)
    n = x.shape[0]
    h = q * (n - 1)
    j = math.floor(h)
    k = min(j + 1, n - 1)
    f = h - j
    exact = float(x[j] + f * (x[k] - x[j]))
    bound = ALPHA * ((1 - f) * abs(float(x[j])) + f * abs(float(x[k])))
    slop = 1e-12 * max(abs(float(x[j])), abs(float(x[k])))  # float rounding only
    return exact, bound + slop


# ----------------------------------------------------------------------------- hand-worked


def test_hand_worked_buckets_and_quantiles() -> None:
    # log(gamma) = log(1.005 / 0.995) = 0.0100003333; key = ceil(log(x) / log(gamma)):
    # 1 -> 0; 2 -> ceil(69.31) = 70; 3 -> ceil(109.86) = 110; 4 -> ceil(138.62) = 139;
    # 10 -> ceil(230.25) = 231.
    s = QuantileSketch.of([10.0, 2.0, None, 4.0, 1.0, 3.0], percentiles=[25, 90])
    assert s.pos_keys.tolist() == [0, 70, 110, 139, 231]
    assert s.pos_counts.tolist() == [1, 1, 1, 1, 1]
    assert (s.count, s.missing, s.zero_count, s.n_buckets) == (5, 1, 0, 5)
    # exact: mean 20 / 5 = 4, min 1, max 10
    assert (s.mean, s.min, s.max, s.sum) == (4.0, 1.0, 10.0, 20.0)
    # median: h = 0.5 * 4 = 2 -> x_(2) = 3 in bucket 110, represented by
    # gamma**110 * (1 - alpha) = exp(1.1000367) * 0.995 = 2.98936
    assert s.median == pytest.approx(math.exp(110 * LOG_GAMMA) * 0.995, rel=1e-12)
    assert abs(s.median - 3.0) / 3.0 < ALPHA  # type: ignore[operator]
    # p25: h = 1 -> x_(1) = 2 -> gamma**70 * 0.995 = 2.00646
    assert s.percentiles[25] == pytest.approx(math.exp(70 * LOG_GAMMA) * 0.995, rel=1e-12)
    # p90: h = 3.6 -> e_3 + 0.6 (e_4 - e_3), e_4 = max = 10 exactly (the last rank),
    # e_3 = gamma**139 * 0.995 = 4.00896: 4.00896 + 0.6 * 5.99104 = 7.60358 (exact 7.6)
    e3 = math.exp(139 * LOG_GAMMA) * 0.995
    assert s.percentiles[90] == pytest.approx(e3 + 0.6 * (10.0 - e3), rel=1e-12)
    assert s.quantile(0.0) == 1.0
    assert s.quantile(1.0) == 10.0


def test_zeros_and_negatives() -> None:
    # -5 -> negative store key ceil(log(5) / log(gamma)) = ceil(160.94) = 161; -1 -> key 0
    s = QuantileSketch.of([2.0, -5.0, 0.0, -1.0, 0.0])
    assert s.neg_keys.tolist() == [0, 161]
    assert s.neg_counts.tolist() == [1, 1]
    assert (s.zero_count, s.pos_keys.tolist()) == (2, [70])
    assert s.median == 0.0  # h = 2 -> x_(2) = 0: zeros are exact
    # q = 0.25: h = 1 -> x_(1) = -1 in the negative bucket 0: -(gamma**0) * 0.995
    assert s.quantile(0.25) == pytest.approx(-0.995, rel=1e-12)
    assert (s.min, s.max, s.mean) == (-5.0, 2.0, -0.8)  # mean = -4 / 5


def test_all_negative_and_single_value() -> None:
    s = QuantileSketch.of([-7.25])
    assert (s.median, s.min, s.max, s.quantile(0.3)) == (-7.25, -7.25, -7.25, -7.25)
    neg = QuantileSketch.of([-1.0, -2.0, -3.0, -4.0])
    exact = float(np.quantile([-1.0, -2.0, -3.0, -4.0], 0.5))  # -2.5
    assert neg.median is not None
    assert abs(neg.median - exact) <= ALPHA * 2.5


def test_empty_has_none_not_nan() -> None:
    s = QuantileSketch.of([], missing=2)
    assert (s.count, s.missing, s.mean, s.median, s.min, s.max) == (0, 2, None, None, None, None)
    assert dict(s.percentiles) == {25.0: None, 75.0: None, 90.0: None}
    assert s.quantile(0.5) is None
    assert s.sum == 0.0
    assert s.to_dict()["percentiles"] == {"p25": None, "p75": None, "p90": None}


def test_nan_and_none_count_as_missing() -> None:
    s = QuantileSketch.of(np.array([1.0, np.nan, 3.0]), missing=1)
    assert (s.count, s.missing, s.mean) == (2, 2, 2.0)
    assert QuantileSketch.of([None, 1.0]).missing == 1


def test_subnormals_are_counted_as_zeros() -> None:
    # magnitudes below the smallest normal float go to the zero count (absolute error)
    s = QuantileSketch.of([5e-324, -1e-310, 1.0])
    assert (s.zero_count, s.n_buckets) == (2, 1)
    assert s.min == -1e-310
    assert s.max == 1.0
    # the exact sum still counts them: 2 * 2**-1074 + 1 in units of 2**-1074
    tiny = QuantileSketch.of([5e-324, 5e-324, 1.0])
    assert tiny.sum_units == 2 + (1 << 1074)
    assert tiny.mean == Summary.of([5e-324, 5e-324, 1.0]).mean


def test_to_dict_has_summary_keys_plus_flags() -> None:
    s = QuantileSketch.of([1.0, 2.0], percentiles=[50], unit="business days")
    d = s.to_dict()
    assert set(d) == set(Summary.of([1.0, 2.0]).to_dict()) | {"exact", "relative_error"}
    assert (d["exact"], d["relative_error"], d["unit"]) == (False, ALPHA, "business days")
    assert s.exact is False
    assert s.relative_error == ALPHA


def test_pickle_round_trip() -> None:
    s = QuantileSketch.of([-3.0, 0.0, 1.5, 1.5, 99.0], missing=4, percentiles=[10, 50])
    back = pickle.loads(pickle.dumps(s))
    assert back == s
    assert back.percentiles == s.percentiles
    assert repr(back) == repr(s)


def test_wide_range_uses_unique_path_with_same_keys() -> None:
    # alpha 1e-4: log(1e300 / 1e-300) / log(gamma) ~ 6.9 million keys > the bincount limit
    vals = np.array([1e-300, 3.0, 1e300, 3.0])
    s = QuantileSketch.of(vals, relative_accuracy=1e-4)
    lg = math.log((1 + 1e-4) / (1 - 1e-4))
    naive = sorted({math.ceil(math.log(v) / lg) for v in vals.tolist()})
    assert s.pos_keys.tolist() == naive
    assert s.pos_counts.tolist() == [1, 2, 1]


def test_memory_does_not_grow_with_n() -> None:
    # values in [1, 1000]: at most log(1000) / log(gamma) + 1 = 691.7 buckets, for any n
    rng = np.random.default_rng(5)
    limit = math.log(1000.0) / LOG_GAMMA + 1
    small = QuantileSketch.of(rng.uniform(1, 1000, 1_000))
    large = QuantileSketch.of(rng.uniform(1, 1000, 1_000_000))
    assert small.n_buckets <= large.n_buckets <= limit
    assert large.nbytes == 16 * large.n_buckets


# ----------------------------------------------------------------------------- properties


@settings(max_examples=200, deadline=None)
@given(value_lists, st.lists(levels, max_size=5))
def test_every_quantile_within_the_documented_bound(values: list[float], qs: list[float]) -> None:
    arr = np.array(values)
    s = QuantileSketch.of(arr, percentiles=[])
    for q in (*LEVELS, *qs):
        got = s.quantile(q)
        exact, bound = _bound(arr, q)
        assert got is not None
        assert abs(got - exact) <= bound, (q, got, exact, bound)


@settings(max_examples=200, deadline=None)
@given(positive_lists, st.lists(levels, max_size=5))
def test_same_sign_quantiles_within_relative_error_of_numpy(
    values: list[float], qs: list[float]
) -> None:
    arr = np.array(values)
    s = QuantileSketch.of(arr, percentiles=[25, 50, 75, 90])
    for q in (*LEVELS, *qs):
        exact = float(np.quantile(arr, q, method="linear"))
        got = s.quantile(q)
        assert got is not None
        assert abs(got - exact) <= ALPHA * abs(exact) * (1 + 1e-9) + 1e-12 * float(arr.max())
    summary = Summary.of(arr, percentiles=[25, 50, 75, 90])
    for lvl, v in s.percentiles.items():
        ref = summary.percentiles[lvl]
        assert v is not None
        assert ref is not None
        assert abs(v - ref) <= ALPHA * abs(ref) * (1 + 1e-9) + 1e-12 * float(arr.max())


@settings(max_examples=200, deadline=None)
@given(value_lists, st.data())
def test_merge_over_any_split_equals_sketch_of_whole(
    values: list[float], data: st.DataObject
) -> None:
    arr = np.array(values)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(values)), max_size=4)))
    pieces = np.split(arr, cuts)
    whole = QuantileSketch.of(arr, missing=3)
    merged = QuantileSketch.empty()
    for i, piece in enumerate(pieces):
        merged = merged.merge(QuantileSketch.of(piece, missing=3 if i == 0 else 0))
    assert merged.pos_keys.tolist() == whole.pos_keys.tolist()
    assert merged.pos_counts.tolist() == whole.pos_counts.tolist()
    assert merged.neg_keys.tolist() == whole.neg_keys.tolist()
    assert merged.neg_counts.tolist() == whole.neg_counts.tolist()
    assert merged == whole
    assert (merged.median, merged.percentiles) == (whole.median, whole.percentiles)
    # commutative and associative
    a, b, c = (QuantileSketch.of(p) for p in np.array_split(arr, 3))
    assert a.merge(b) == b.merge(a)
    assert a.merge(b).merge(c) == a.merge(b.merge(c))
    assert a.add(np.concatenate(np.array_split(arr, 3)[1:])) == (a.merge(b).merge(c))


@settings(max_examples=200, deadline=None)
@given(value_lists)
def test_count_sum_min_max_mean_exact(values: list[float]) -> None:
    arr = np.array(values)
    s = QuantileSketch.of(arr)
    ref = Summary.of(arr)
    assert s.count == len(values)
    assert s.sum == math.fsum(values)
    assert (s.min, s.max) == (float(arr.min()), float(arr.max()))
    assert s.mean == ref.mean  # bitwise: both are the correctly rounded sum / n
    assert s.count == ref.count


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize("alpha", [0.0, 1.0, -0.1, 1.5])
def test_relative_accuracy_out_of_range(alpha: float) -> None:
    with pytest.raises(InvalidParameterError, match="relative_accuracy must be in"):
        QuantileSketch.of([1.0], relative_accuracy=alpha)


@pytest.mark.parametrize("alpha", [True, "0.01", None])
def test_relative_accuracy_not_a_number(alpha: object) -> None:
    with pytest.raises(InvalidParameterError, match="relative_accuracy must be a number"):
        QuantileSketch.of([1.0], relative_accuracy=alpha)  # type: ignore[arg-type]


def test_infinite_values_rejected() -> None:
    with pytest.raises(InvalidParameterError, match="values must be finite"):
        QuantileSketch.of([1.0, math.inf])


def test_boolean_values_rejected() -> None:
    with pytest.raises(InvalidParameterError, match="not booleans"):
        QuantileSketch.of([True, False])


def test_text_values_rejected() -> None:
    with pytest.raises(InvalidParameterError, match="values must be numbers"):
        QuantileSketch.of(["a", "b"])


@pytest.mark.parametrize("missing", [-1, 1.5, True])
def test_missing_must_be_non_negative_int(missing: object) -> None:
    with pytest.raises(InvalidParameterError, match="missing must be a non-negative int"):
        QuantileSketch.of([1.0], missing=missing)  # type: ignore[arg-type]


def test_unit_must_be_text() -> None:
    with pytest.raises(InvalidParameterError, match="unit must be a non-empty string"):
        QuantileSketch.of([1.0], unit="")


@pytest.mark.parametrize(("level", "message"), [(101, "outside"), ("p50", "not a number")])
def test_percentile_levels_checked(level: object, message: str) -> None:
    with pytest.raises(InvalidParameterError, match=f"percentile .* {message}"):
        QuantileSketch.of([1.0], percentiles=[level])  # type: ignore[list-item]


@pytest.mark.parametrize(("q", "message"), [(1.5, "outside"), (-0.1, "outside"), (True, "not")])
def test_quantile_level_checked(q: float, message: str) -> None:
    with pytest.raises(InvalidParameterError, match=f"quantile level .* {message}"):
        QuantileSketch.of([1.0]).quantile(q)


def test_merge_requires_same_accuracy() -> None:
    with pytest.raises(InvalidParameterError, match="relative accuracy"):
        QuantileSketch.of([1.0]).merge(QuantileSketch.of([1.0], relative_accuracy=0.01))


def test_merge_requires_same_unit() -> None:
    with pytest.raises(InvalidParameterError, match="'days' and 'hours'"):
        QuantileSketch.of([1.0]).merge(QuantileSketch.of([1.0], unit="hours"))


def test_merge_requires_same_levels() -> None:
    with pytest.raises(InvalidParameterError, match="percentiles"):
        QuantileSketch.of([1.0]).merge(QuantileSketch.of([1.0], percentiles=[50]))


def test_merge_requires_a_sketch() -> None:
    with pytest.raises(InvalidParameterError, match="got Summary"):
        QuantileSketch.of([1.0]).merge(Summary.of([1.0]))  # type: ignore[arg-type]
