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
    "stable_argsort_codes",
    "stable_argsort_key",
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


def stable_argsort_codes(codes: npt.NDArray[Any], n_codes: int) -> _I64:
    """The stable order of dense non-negative integer codes ``0 .. n_codes - 1``.

    A least-significant-digit radix sort on 16-bit digits: one pass of numpy's
    stable radix sort of ``uint16`` per digit (one pass up to 65 536 codes, two
    up to 2**32), O(n) whatever the order of the input, where a stable sort of
    wider integers is a merge sort.

    Examples
    --------
    >>> stable_argsort_codes(np.array([2, 0, 2, 1, 0]), 3).tolist()
    [1, 4, 3, 0, 2]
    """
    n = codes.shape[0]
    bits = max(int(n_codes) - 1, 0).bit_length()
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if bits <= 16:
        return np.argsort(codes.astype(np.uint16), kind="stable").astype(np.int64)
    wide = codes.astype(np.int64, copy=False)
    perm = np.argsort((wide & 0xFFFF).astype(np.uint16), kind="stable")
    for shift in range(16, bits, 16):
        digit = ((wide[perm] >> shift) & 0xFFFF).astype(np.uint16)
        perm = perm[np.argsort(digit, kind="stable")]
    return perm.astype(np.int64, copy=False)


def stable_argsort_key(key: _I64) -> _I64:
    """The stable order of an int64 key: numpy's fast unstable sort, then each run of
    equal keys put back in input order (ties are few in an event log: equal case and
    instant).

    Examples
    --------
    >>> stable_argsort_key(np.array([5, 1, 5, 1, 0])).tolist()
    [4, 1, 3, 0, 2]
    """
    perm = np.argsort(key)
    n = perm.shape[0]
    if n < 2:
        return perm.astype(np.int64, copy=False)
    ks = key[perm]
    eq = ks[1:] == ks[:-1]
    if bool(eq.any()):
        tied = np.zeros(n, dtype=bool)
        tied[1:] = eq
        tied[:-1] |= eq
        idx = np.flatnonzero(tied)
        start = np.ones(idx.shape[0], dtype=bool)
        start[1:] = ~eq[idx[1:] - 1]
        group = np.cumsum(start)
        sub = perm[idx]
        perm[idx] = sub[np.lexsort((sub, group))]
    return perm.astype(np.int64, copy=False)


def _by_case_then_time(case: _I64, ts: _I64, n_cases: int) -> _I64:
    """Stable order by (case, ts): one packed 64-bit key when it fits, else a lexsort.

    The key is ``case << b | (ts - min) / unit`` where ``unit`` is the coarsest
    of 1 s, 1 ms, 1 us, 1 ns dividing every timestamp, with the row number in
    the low bits when all three fit 62 bits (a unique key: numpy's fast unstable
    sort is then stable), else sorted by :func:`stable_argsort_key`; when the
    key does not fit 62 bits, a stable sort by time then a stable radix sort by
    case.
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
    row_bits = max(ts.shape[0] - 1, 0).bit_length()
    if span_bits + case_bits + row_bits <= 62:  # the row in the key: unique, no ties
        key = (case.astype(np.int64) << (span_bits + row_bits)) | (
            (rel // unit if unit > 1 else rel) << row_bits
        )
        key |= np.arange(ts.shape[0], dtype=np.int64)
        return np.argsort(key).astype(np.int64, copy=False)
    if span_bits + case_bits <= 62:
        key = (case.astype(np.int64) << span_bits) | (rel // unit if unit > 1 else rel)
        return stable_argsort_key(key)
    by_time = stable_argsort_key(ts)
    return by_time[stable_argsort_codes(case[by_time], n_cases)]


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
        elif bool(np.all(ts[1:] >= ts[:-1])):  # time order: a stable sort by case keeps it
            return stable_argsort_codes(case, n_cases)
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
