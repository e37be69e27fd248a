"""A mergeable quantile sketch with a relative-error guarantee (DDSketch).

:class:`QuantileSketch` summarises per-case values (durations in days, days
overdue...) in memory that does not grow with their number: values are
counted in logarithmic buckets, so a sketch of a billion durations between one
second and ten years holds about two thousand counters. It reports the same
statistics as :class:`~kpicore.summary.Summary` -- count, missing, mean,
median, percentiles, min and max -- of which count, missing, mean, min and
max are *exact* and the quantiles are within a relative error ``alpha``
(default 0.5 %, so well inside 1 %).

Two sketches merge by adding their bucket counts: the sketch of the union of
two value sets is *identical* (same buckets, same counts) to the merge of
their sketches, whatever the split. That is what lets the Dask integration
(:mod:`kpicore.dask`) merge per-partition results on the workers and keep
the driver's memory independent of the number of cases.

Mapping
-------
With ``gamma = (1 + alpha) / (1 - alpha)``, a value ``x > 0`` goes to the
bucket ``k = ceil(log(x) / log(gamma))``, which covers ``(gamma**(k-1),
gamma**k]``; the bucket is represented by ``2 * gamma**k / (gamma + 1)``,
whose relative distance to any value of the bucket is at most ``alpha``.
Negative values are counted the same way by magnitude in a separate store,
zeros in a zero count. Magnitudes below the smallest normal float
(``2.2250738585072014e-308``) are counted as zeros (DDSketch's
"min indexable value"): their error is absolute, below that bound.

Memory: at most ``log(max|x| / min|x|) / log(gamma) + 1`` buckets per sign
(16 bytes each), independent of the number of values; for ``alpha = 0.005``
that is ``log(max/min) * 100`` buckets, at most about 142 000 per sign for
any float64 input.

References
----------
- C. Masson, J. E. Rim and H. K. Lee, "DDSketch: A Fast and Fully-Mergeable
  Quantile Sketch with Relative-Error Guarantees", *Proceedings of the VLDB
  Endowment* 12(12), 2019, pp. 2195--2205.
- R. J. Hyndman and Y. Fan, "Sample quantiles in statistical packages",
  *The American Statistician* 50(4), 1996 (definition 7, numpy "linear").
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import attrs
import numpy as np
import numpy.typing as npt

from kpicore.errors import InvalidParameterError
from kpicore.results import FrozenDict
from kpicore.summary import DEFAULT_PERCENTILES, exact_units

__all__ = ["DEFAULT_RELATIVE_ACCURACY", "QuantileSketch"]

#: The default relative accuracy ``alpha`` of a sketch: 0.5 %.
DEFAULT_RELATIVE_ACCURACY: Final[float] = 0.005

_I64 = npt.NDArray[np.int64]
_F64 = npt.NDArray[np.float64]
#: Every float64 is an integer multiple of 2**-1074: sums are kept exactly in those units.
_UNIT_SHIFT: Final[int] = 1074
_TINY: Final[float] = float(np.finfo(np.float64).tiny)
_EMPTY_I64: Final[_I64] = np.zeros(0, dtype=np.int64)
_EMPTY_I64.setflags(write=False)


def _ro(arr: _I64) -> _I64:
    arr.setflags(write=False)
    return arr


def _as_values(values: Any) -> _F64:
    """Values as a 1-d float64 array (None -> NaN); rejects booleans, text, infinities."""
    arr = np.asarray(values)
    if arr.dtype == object:
        arr = np.array([np.nan if v is None else v for v in arr.ravel()], dtype=np.float64)
    arr = arr.ravel()
    if arr.dtype.kind == "b":
        raise InvalidParameterError("QuantileSketch: values must be numbers, not booleans")
    if arr.dtype.kind not in "iuf":
        raise InvalidParameterError(f"QuantileSketch: values must be numbers, got {arr.dtype}")
    out = arr.astype(np.float64, copy=False)
    if bool(np.isinf(out).any()):
        raise InvalidParameterError("QuantileSketch: values must be finite (got an infinity)")
    return out


def _units_to_float(units: int) -> float:
    """The correctly rounded float of ``units * 2**-1074`` (what fsum returns)."""
    try:
        return units / (1 << _UNIT_SHIFT)  # int / int is correctly rounded
    except OverflowError:
        return math.copysign(math.inf, units)


def _store(keys: _I64) -> tuple[_I64, _I64]:
    """Sorted distinct bucket keys and their counts."""
    if keys.shape[0] == 0:
        return _EMPTY_I64, _EMPTY_I64
    lo, hi = int(keys.min()), int(keys.max())
    span = hi - lo + 1
    if span <= max(1 << 20, 4 * keys.shape[0]):
        counts = np.bincount(keys - lo, minlength=span)
        nz = np.flatnonzero(counts)
        return _ro((nz + lo).astype(np.int64)), _ro(counts[nz].astype(np.int64))
    uniq, counts = np.unique(keys, return_counts=True)
    return _ro(uniq.astype(np.int64)), _ro(counts.astype(np.int64))


def _merge_store(k1: _I64, c1: _I64, k2: _I64, c2: _I64) -> tuple[_I64, _I64]:
    if k2.shape[0] == 0:
        return k1, c1
    if k1.shape[0] == 0:
        return k2, c2
    keys = np.union1d(k1, k2).astype(np.int64)
    counts = np.zeros(keys.shape[0], dtype=np.int64)
    counts[np.searchsorted(keys, k1)] += c1  # keys are distinct: plain fancy add is exact
    counts[np.searchsorted(keys, k2)] += c2
    return _ro(keys), _ro(counts)


def _check_accuracy(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
        raise InvalidParameterError(f"relative_accuracy must be a number, got {value!r}")
    alpha = float(value)
    if not 0.0 < alpha < 1.0:
        raise InvalidParameterError(f"relative_accuracy must be in (0, 1), got {value!r}")
    return alpha


def _check_levels(percentiles: Iterable[float]) -> tuple[float, ...]:
    levels: list[float] = []
    for q in percentiles:
        if isinstance(q, bool) or not isinstance(q, int | float | np.integer | np.floating):
            raise InvalidParameterError(f"percentile {q!r} is not a number")
        qf = float(q)
        if not 0.0 <= qf <= 100.0:
            raise InvalidParameterError(f"percentile {q!r} is outside [0, 100]")
        if qf not in levels:
            levels.append(qf)
    return tuple(sorted(levels))


@attrs.frozen(eq=False, repr=False)
class QuantileSketch:
    """A mergeable summary with exact count, sum, min and max and approximate quantiles.

    Build it with :meth:`QuantileSketch.of`; combine two with :meth:`merge`
    (or add values with :meth:`add`). It has the statistics attributes of
    :class:`~kpicore.summary.Summary` (``count``, ``missing``, ``mean``,
    ``median``, ``min``, ``max``, ``percentiles``, ``levels``, ``unit``) and
    its :meth:`to_dict` has the same keys plus ``exact`` (``False``) and
    ``relative_error``.

    Attributes
    ----------
    relative_accuracy : float
        ``alpha``: every quantile of values of one sign is within this
        relative error of the exact one (see Notes).
    levels : tuple of float
        The percentile levels reported, ascending, in ``[0, 100]``.
    unit : str
        The unit of the values (``"days"`` for durations).
    missing : int
        Cases without a value (NaN or None, or counted by the caller).
    zero_count : int
        Values counted as zero (exact zeros and subnormal magnitudes).
    pos_keys, pos_counts, neg_keys, neg_counts : ndarray of int64
        The non-empty buckets of the positive values and of the magnitudes of
        the negative values: ascending keys and their counts (read-only).
    sum_units : int
        The exact sum of the values in units of ``2**-1074`` (every float64 is
        a whole number of them), so that merges keep it exact.
    min, max : float or None
        Exact extremes (None when empty).
    count : int
        Number of values.
    mean : float or None
        The correctly rounded sum divided by the count: bitwise equal to the
        mean of :class:`~kpicore.summary.Summary` of the same values.
    median : float or None
        Approximate, as the percentiles.
    percentiles : Mapping[float, float or None]
        ``{level: value}`` (None when empty), approximate.

    Notes
    -----
    **Quantile definition.** For ``n`` values with order statistics
    ``x_(0) <= ... <= x_(n-1)``, the quantile ``q`` of numpy's ``"linear"``
    method (R type 7, what :class:`~kpicore.summary.Summary` reports) is
    ``x_(j) + f (x_(j+1) - x_(j))`` with ``h = q (n - 1)``, ``j = floor(h)``,
    ``f = h - j``. The sketch returns ``e_j + f (e_(j+1) - e_j)`` where
    ``e_i`` is the representative of the bucket holding the order statistic
    ``x_(i)`` (found from the cumulative bucket counts), clamped to the exact
    ``[min, max]``, and ``e_0 = min``, ``e_(n-1) = max`` exactly. Each
    ``e_i`` is within ``alpha |x_(i)|`` of ``x_(i)``, so the result is within
    ``alpha ((1 - f) |x_(j)| + f |x_(j+1)|)`` of the exact quantile: a
    relative error of at most ``alpha`` when ``x_(j)`` and ``x_(j+1)`` have
    the same sign (always, for durations that are all >= 0), up to
    floating-point rounding. Zeros are exact.

    **Merging.** Bucket keys depend on the value alone, so ``of(a).merge(of(b))``
    has exactly the buckets and counts of ``of(a + b)``; count, missing, sum,
    min and max are exact, hence so is the mean. Merging is commutative and
    associative.

    Examples
    --------
    >>> s = QuantileSketch.of([4.0, 1.0, 3.0, None, 2.0])
    >>> s.count, s.missing, s.mean, s.min, s.max, s.exact
    (4, 1, 2.5, 1.0, 4.0, False)
    >>> abs(s.median - 2.5) <= 0.005 * 2.5
    True

    A million values in about a thousand buckets, p90 within 0.5 %:

    >>> days = np.arange(1, 1_000_001) / 1000
    >>> big = QuantileSketch.of(days)
    >>> big.n_buckets, round(big.percentiles[90], 1), float(np.percentile(days, 90))
    (1021, 902.4, 900.0001)
    """

    relative_accuracy: float
    levels: tuple[float, ...]
    unit: str
    missing: int
    zero_count: int
    pos_keys: _I64 = attrs.field(repr=False)
    pos_counts: _I64 = attrs.field(repr=False)
    neg_keys: _I64 = attrs.field(repr=False)
    neg_counts: _I64 = attrs.field(repr=False)
    sum_units: int
    min: float | None
    max: float | None
    count: int = attrs.field(init=False)
    mean: float | None = attrs.field(init=False)
    median: float | None = attrs.field(init=False)
    percentiles: Mapping[float, float | None] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        setter = object.__setattr__
        n = self.zero_count + int(self.pos_counts.sum()) + int(self.neg_counts.sum())
        setter(self, "count", n)
        if n == 0:
            setter(self, "mean", None)
            setter(self, "median", None)
            setter(self, "percentiles", FrozenDict(dict.fromkeys(self.levels)))
            return
        setter(self, "mean", _units_to_float(self.sum_units) / n)
        qs = self._quantiles([0.5, *(lvl / 100.0 for lvl in self.levels)])
        setter(self, "median", qs[0])
        pct = dict(zip(self.levels, qs[1:], strict=True))
        setter(self, "percentiles", FrozenDict(pct))

    def __reduce__(self) -> tuple[Any, ...]:  # mapping proxies do not pickle
        return (
            QuantileSketch,
            (
                self.relative_accuracy,
                self.levels,
                self.unit,
                self.missing,
                self.zero_count,
                self.pos_keys,
                self.pos_counts,
                self.neg_keys,
                self.neg_counts,
                self.sum_units,
                self.min,
                self.max,
            ),
        )

    # ----------------------------------------------------------------- construction

    @classmethod
    def of(
        cls,
        values: Sequence[float | None] | npt.ArrayLike,
        *,
        missing: int = 0,
        relative_accuracy: float = DEFAULT_RELATIVE_ACCURACY,
        percentiles: Iterable[float] = DEFAULT_PERCENTILES,
        unit: str = "days",
    ) -> QuantileSketch:
        """Sketch values (vectorised); NaN and None count as missing.

        Parameters
        ----------
        values : sequence or array of numbers
            The per-case values; None and NaN are counted in ``missing``.
        missing : int, default 0
            Further cases without a value.
        relative_accuracy : float, default 0.005
            ``alpha`` in ``(0, 1)``.
        percentiles : iterable of float, default (25, 75, 90)
            Percentile levels in ``[0, 100]`` to report.
        unit : str, default "days"
            Unit of the values, carried through for display.

        Returns
        -------
        QuantileSketch

        Raises
        ------
        InvalidParameterError
            For non-numeric or infinite values, a bad ``missing``,
            ``relative_accuracy``, percentile or ``unit``.

        Notes
        -----
        Cost: one ``log`` per value and a ``bincount`` over the bucket keys
        (``unique`` when they span a very wide range): O(n) plus O(buckets).

        Examples
        --------
        >>> s = QuantileSketch.of([-2.0, 0.0, 3.0, 5.0], percentiles=[50])
        >>> s.zero_count, s.pos_counts.tolist(), s.neg_counts.tolist()
        (1, [1, 1], [1])
        >>> s.percentiles[50] == s.median
        True
        >>> QuantileSketch.of([], missing=2).to_dict()["count"]
        0
        """
        if isinstance(missing, bool) or not isinstance(missing, int | np.integer) or missing < 0:
            raise InvalidParameterError(f"missing must be a non-negative int, got {missing!r}")
        if not isinstance(unit, str) or not unit:
            raise InvalidParameterError(f"unit must be a non-empty string, got {unit!r}")
        alpha = _check_accuracy(relative_accuracy)
        levels = _check_levels(percentiles)
        arr = _as_values(values)
        nan = np.isnan(arr)
        n_nan = int(nan.sum())
        if n_nan:
            arr = arr[~nan]
        mag = np.abs(arr)
        indexable = mag >= _TINY
        log_gamma = math.log1p(2 * alpha / (1 - alpha))  # log((1 + a) / (1 - a))
        keys = np.zeros(arr.shape[0], dtype=np.int64)
        if bool(indexable.any()):
            keys[indexable] = np.ceil(np.log(mag[indexable]) / log_gamma).astype(np.int64)
        pos = indexable & (arr > 0)
        neg = indexable & (arr < 0)
        pk, pc = _store(keys[pos])
        nk, nc = _store(keys[neg])
        empty = arr.shape[0] == 0
        return cls(
            relative_accuracy=alpha,
            levels=levels,
            unit=unit,
            missing=int(missing) + n_nan,
            zero_count=int(arr.shape[0] - np.count_nonzero(pos) - np.count_nonzero(neg)),
            pos_keys=pk,
            pos_counts=pc,
            neg_keys=nk,
            neg_counts=nc,
            sum_units=exact_units(arr),
            min=None if empty else float(arr.min()),
            max=None if empty else float(arr.max()),
        )

    @classmethod
    def empty(
        cls,
        *,
        relative_accuracy: float = DEFAULT_RELATIVE_ACCURACY,
        percentiles: Iterable[float] = DEFAULT_PERCENTILES,
        unit: str = "days",
    ) -> QuantileSketch:
        """The sketch of nothing: the identity of :meth:`merge`.

        Examples
        --------
        >>> s = QuantileSketch.of([1.0, 2.0])
        >>> QuantileSketch.empty().merge(s) == s
        True
        """
        return cls.of([], relative_accuracy=relative_accuracy, percentiles=percentiles, unit=unit)

    def add(
        self, values: Sequence[float | None] | npt.ArrayLike, *, missing: int = 0
    ) -> QuantileSketch:
        """A new sketch with ``values`` (and ``missing`` further missing cases) added.

        Equal to ``self.merge(QuantileSketch.of(values, ...))`` with this
        sketch's accuracy, levels and unit.

        Examples
        --------
        >>> QuantileSketch.of([1.0]).add([2.0, None]) == QuantileSketch.of([1.0, 2.0, None])
        True
        """
        return self.merge(
            QuantileSketch.of(
                values,
                missing=missing,
                relative_accuracy=self.relative_accuracy,
                percentiles=self.levels,
                unit=self.unit,
            )
        )

    def merge(self, other: QuantileSketch) -> QuantileSketch:
        """The sketch of the union of both value sets.

        Parameters
        ----------
        other : QuantileSketch
            A sketch with the same relative accuracy, percentile levels and unit.

        Returns
        -------
        QuantileSketch
            Identical (buckets, counts, sum, extremes) to the sketch of the
            concatenated values, with the missing counts added.

        Raises
        ------
        InvalidParameterError
            If ``other`` is not a sketch, or its accuracy, levels or unit differ.

        Examples
        --------
        >>> a = QuantileSketch.of([1.0, 5.0]); b = QuantileSketch.of([3.0, None])
        >>> a.merge(b) == QuantileSketch.of([1.0, 5.0, 3.0, None])
        True
        """
        if not isinstance(other, QuantileSketch):
            raise InvalidParameterError(
                f"can only merge a QuantileSketch, got {type(other).__name__}"
            )
        if other.relative_accuracy != self.relative_accuracy:
            raise InvalidParameterError(
                f"cannot merge sketches of relative accuracy {self.relative_accuracy} "
                f"and {other.relative_accuracy}"
            )
        if other.unit != self.unit:
            raise InvalidParameterError(
                f"cannot merge sketches in {self.unit!r} and {other.unit!r}"
            )
        if other.levels != self.levels:
            raise InvalidParameterError(
                f"cannot merge sketches with percentiles {self.levels} and {other.levels}"
            )
        pk, pc = _merge_store(self.pos_keys, self.pos_counts, other.pos_keys, other.pos_counts)
        nk, nc = _merge_store(self.neg_keys, self.neg_counts, other.neg_keys, other.neg_counts)
        lows = [v for v in (self.min, other.min) if v is not None]
        highs = [v for v in (self.max, other.max) if v is not None]
        return QuantileSketch(
            relative_accuracy=self.relative_accuracy,
            levels=self.levels,
            unit=self.unit,
            missing=self.missing + other.missing,
            zero_count=self.zero_count + other.zero_count,
            pos_keys=pk,
            pos_counts=pc,
            neg_keys=nk,
            neg_counts=nc,
            sum_units=self.sum_units + other.sum_units,
            min=min(lows) if lows else None,
            max=max(highs) if highs else None,
        )

    # ----------------------------------------------------------------- statistics

    @property
    def exact(self) -> bool:
        """Always ``False``: the quantiles are approximate (count, mean, min, max are exact)."""
        return False

    @property
    def relative_error(self) -> float:
        """The guaranteed relative error of the quantiles (``relative_accuracy``)."""
        return self.relative_accuracy

    @property
    def sum(self) -> float:
        """The exact sum of the values, correctly rounded (0.0 when empty).

        Examples
        --------
        >>> QuantileSketch.of([1e16, 1.0, -1e16]).sum
        1.0
        """
        return _units_to_float(self.sum_units)

    @property
    def n_buckets(self) -> int:
        """Number of non-empty buckets (positive and negative stores)."""
        return int(self.pos_keys.shape[0] + self.neg_keys.shape[0])

    @property
    def nbytes(self) -> int:
        """Bytes held by the bucket arrays (16 per non-empty bucket)."""
        return int(
            self.pos_keys.nbytes
            + self.pos_counts.nbytes
            + self.neg_keys.nbytes
            + self.neg_counts.nbytes
        )

    def _quantiles(self, qs: Sequence[float]) -> list[float]:
        """Type-7 quantiles for levels ``qs`` in [0, 1] (count > 0)."""
        vmin, vmax = self.min, self.max
        assert vmin is not None
        assert vmax is not None
        n = self.count
        alpha = self.relative_accuracy
        log_gamma = math.log1p(2 * alpha / (1 - alpha))
        log_scale = math.log1p(-alpha)  # representative = gamma**k * (1 - alpha)
        with np.errstate(over="ignore", under="ignore"):
            neg_rep = -np.exp(self.neg_keys[::-1] * log_gamma + log_scale)
            pos_rep = np.exp(self.pos_keys * log_gamma + log_scale)
        reps = np.concatenate([neg_rep, np.zeros(1), pos_rep])
        reps = np.clip(reps, vmin, vmax)
        counts = np.concatenate(
            [self.neg_counts[::-1], np.array([self.zero_count], dtype=np.int64), self.pos_counts]
        )
        cum = np.cumsum(counts)
        h = np.asarray(qs, dtype=np.float64) * (n - 1)
        lo = np.floor(h).astype(np.int64)
        hi = np.minimum(lo + 1, n - 1)
        frac = h - lo

        def order_stat(rank: _I64) -> _F64:
            est = reps[np.searchsorted(cum, rank, side="right")]
            est = np.where(rank == 0, vmin, est)
            return np.where(rank == n - 1, vmax, est)

        e_lo, e_hi = order_stat(lo), order_stat(hi)
        out = np.where(frac == 0.0, e_lo, e_lo + frac * (e_hi - e_lo))
        return [float(v) for v in out.tolist()]

    def quantile(self, q: float) -> float | None:
        """The approximate quantile ``q`` in ``[0, 1]`` (None when empty).

        See the class Notes for the definition and the error bound.

        Parameters
        ----------
        q : float
            The level, in ``[0, 1]`` (numpy's convention; ``percentiles``
            uses ``[0, 100]``).

        Returns
        -------
        float or None

        Examples
        --------
        >>> s = QuantileSketch.of([1.0, 2.0, 3.0, 4.0, 10.0])
        >>> s.quantile(0.0), s.quantile(1.0)  # the exact extremes
        (1.0, 10.0)
        >>> abs(s.quantile(0.9) - 7.6) <= 0.005 * (0.4 * 4.0 + 0.6 * 10.0)
        True
        """
        if isinstance(q, bool) or not isinstance(q, int | float | np.integer | np.floating):
            raise InvalidParameterError(f"quantile level {q!r} is not a number")
        if not 0.0 <= float(q) <= 1.0:
            raise InvalidParameterError(f"quantile level {q!r} is outside [0, 1]")
        if self.count == 0:
            return None
        return self._quantiles([float(q)])[0]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready statistics, with the keys of ``Summary.to_dict`` plus ``exact``
        and ``relative_error``.

        Examples
        --------
        >>> QuantileSketch.of([2.0, 2.0], percentiles=[50]).to_dict()
        {'count': 2, 'missing': 0, 'mean': 2.0, 'median': 2.0, 'min': 2.0, 'max': 2.0, 'percentiles': {'p50': 2.0}, 'unit': 'days', 'exact': False, 'relative_error': 0.005}
        """  # noqa: E501
        return {
            "count": self.count,
            "missing": self.missing,
            "mean": self.mean,
            "median": self.median,
            "min": self.min,
            "max": self.max,
            "percentiles": {f"p{lvl:g}": v for lvl, v in self.percentiles.items()},
            "unit": self.unit,
            "exact": False,
            "relative_error": self.relative_accuracy,
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, QuantileSketch):
            return NotImplemented
        return (
            self.relative_accuracy == other.relative_accuracy
            and self.levels == other.levels
            and self.unit == other.unit
            and self.missing == other.missing
            and self.zero_count == other.zero_count
            and self.sum_units == other.sum_units
            and self.min == other.min
            and self.max == other.max
            and np.array_equal(self.pos_keys, other.pos_keys)
            and np.array_equal(self.pos_counts, other.pos_counts)
            and np.array_equal(self.neg_keys, other.neg_keys)
            and np.array_equal(self.neg_counts, other.neg_counts)
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        pct = ", ".join(f"p{lvl:g}={v!r}" for lvl, v in self.percentiles.items())
        return (
            f"QuantileSketch(count={self.count}, missing={self.missing}, mean={self.mean!r}, "
            f"median={self.median!r}, min={self.min!r}, max={self.max!r}, {pct}, "
            f"unit={self.unit!r}, relative_accuracy={self.relative_accuracy}, "
            f"buckets={self.n_buckets})"
        )
