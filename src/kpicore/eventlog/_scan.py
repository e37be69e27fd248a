"""Vectorised scans over a log sorted by (case, timestamp)."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ._timestamps import NAT

__all__ = [
    "case_first_index",
    "case_last_index",
    "heads",
    "offsets",
    "sort_order",
]

_I64 = npt.NDArray[np.int64]


def offsets(case: npt.NDArray[Any], n_cases: int) -> _I64:
    """``starts`` of length ``n_cases + 1``: case ``c`` is ``[starts[c], starts[c+1])``."""
    out = np.zeros(n_cases + 1, dtype=np.int64)
    np.cumsum(np.bincount(case, minlength=n_cases), out=out[1:])
    return out


def heads(c: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    """True at the first element of each run of equal values of ``c``.

    Examples
    --------
    >>> heads(np.array([0, 0, 1, 3, 3])).tolist()
    [True, False, True, True, False]
    """
    out = np.ones(c.shape[0], dtype=bool)
    if c.shape[0]:
        np.not_equal(c[1:], c[:-1], out=out[1:])
    return out


def case_first_index(case: npt.NDArray[Any], idx: _I64, n_cases: int) -> _I64:
    """Per case, the first of the (ascending) event indices ``idx`` in it; -1 if none."""
    out = np.full(n_cases, -1, dtype=np.int64)
    if idx.shape[0] == 0:
        return out
    c = case[idx]
    head = heads(c)
    out[c[head]] = idx[head]
    return out


def case_last_index(case: npt.NDArray[Any], idx: _I64, n_cases: int) -> _I64:
    """Per case, the last of the (ascending) event indices ``idx`` in it; -1 if none."""
    out = np.full(n_cases, -1, dtype=np.int64)
    if idx.shape[0] == 0:
        return out
    c = case[idx]
    tail = np.empty(c.shape[0], dtype=bool)
    tail[-1] = True
    tail[:-1] = c[1:] != c[:-1]
    out[c[tail]] = idx[tail]
    return out


def take_ts(ts: _I64, index: _I64) -> _I64:
    """``ts[index]`` with the NaT sentinel where ``index`` is -1."""
    return (
        np.where(index >= 0, ts[np.maximum(index, 0)], NAT)
        if ts.shape[0]
        else np.full(index.shape, NAT, dtype=np.int64)
    )


def _by_case_then_time(case: _I64, ts: _I64, n_cases: int) -> _I64:
    """Stable order by (case, ts): one packed 64-bit key when it fits, else a lexsort.

    The key is ``case << b | (ts - min) / unit`` where ``unit`` is the coarsest
    of 1 s, 1 ms, 1 us, 1 ns dividing every timestamp; a stable sort of one
    int64 key is more than twice as fast as numpy's two-key lexsort.
    """
    if ts.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    t0 = int(ts.min())
    rel = ts - t0
    unit = 1
    for u in (1_000_000_000, 1_000_000, 1_000):
        if not bool(np.any(rel % u)):
            unit = u
            break
    span_bits = (int(rel.max()) // unit).bit_length()
    case_bits = max(int(n_cases) - 1, 0).bit_length()
    if span_bits + case_bits <= 62:
        key = (case.astype(np.int64) << span_bits) | (rel // unit if unit > 1 else rel)
        return np.argsort(key, kind="stable").astype(np.int64)
    return np.lexsort((ts, case)).astype(np.int64)


def sort_order(
    case: _I64, ts: _I64, n_cases: int, key: npt.NDArray[Any] | None = None
) -> _I64 | None:
    """The stable order by (case, ts[, key], input row); None when already sorted.

    ``case`` must hold dense codes ``0..n_cases-1``. Cheap paths: input already
    sorted (O(n) check); input grouped by case (one run per case: the runs are
    reordered, then only cases whose timestamps are out of order are sorted);
    input in time order (one stable sort by case). Otherwise a full lexsort.
    """
    n = case.shape[0]
    if n <= 1:
        return None
    if key is not None:
        return np.lexsort((key, ts, case)).astype(np.int64)
    step = case[1:] != case[:-1]
    if bool(np.all(case[1:] >= case[:-1])):
        if not bool(np.any(~step & (ts[1:] < ts[:-1]))):
            return None
        perm = np.arange(n, dtype=np.int64)
    else:
        heads = np.concatenate([np.zeros(1, dtype=np.int64), np.flatnonzero(step) + 1])
        if heads.shape[0] == n_cases:  # grouped: one contiguous run per case
            run_order = np.argsort(case[heads])
            lengths = np.diff(np.append(heads, n))[run_order]
            run_starts = heads[run_order]
            before = np.cumsum(lengths) - lengths
            perm = np.repeat(run_starts - before, lengths) + np.arange(n, dtype=np.int64)
        elif bool(np.all(ts[1:] >= ts[:-1])):
            return np.argsort(case, kind="stable").astype(np.int64)
        else:
            return _by_case_then_time(case, ts, n_cases)
    ts_p = ts[perm]
    case_p = case[perm]
    bad = (case_p[1:] == case_p[:-1]) & (ts_p[1:] < ts_p[:-1])
    if not bool(bad.any()):
        return perm
    mark = np.zeros(n_cases, dtype=bool)
    mark[case_p[1:][bad]] = True
    sel = np.flatnonzero(mark[case_p])
    sub = perm[sel]
    perm[sel] = sub[_by_case_then_time(case[sub], ts[sub], n_cases)]
    return perm
