"""Helpers of the ``merge`` methods of KPI results (partial results on disjoint cases).

Counts add, money adds per currency, ratios are recomputed from the merged
numerators and denominators, summaries merge (exactly, or as sketches),
groups merge key-wise (keys in kpicore's group order), and descriptive
fields (options the results were computed with) must agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from kpicore.errors import InvalidParameterError
from kpicore.money import Money
from kpicore.periods import Period
from kpicore.results import Breakdown, GroupKey
from kpicore.sketch import QuantileSketch
from kpicore.summary import Summary

T = TypeVar("T")
K = TypeVar("K")
S = TypeVar("S", Summary, QuantileSketch, Summary | QuantileSketch)


def ratio(num: int, den: int) -> float | None:
    """``num / den``, or None when ``den`` is 0."""
    return num / den if den else None


def same(a: T, b: T, what: str) -> T:
    """``a`` when it equals ``b``; InvalidParameterError otherwise."""
    if a != b:
        raise InvalidParameterError(f"cannot merge results with different {what}: {a!r}, {b!r}")
    return a


def check_type(a: object, b: object) -> None:
    """InvalidParameterError unless ``b`` has the class of ``a``."""
    if type(a) is not type(b):
        raise InvalidParameterError(f"cannot merge a {type(a).__name__} with a {type(b).__name__}")


def add_counts(a: Mapping[Any, int], b: Mapping[Any, int]) -> dict[Any, int]:
    """Counts added key-wise (keys of ``a`` first, then the new ones of ``b``)."""
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, 0) + v
    return out


def add_money(a: Mapping[str, Money], b: Mapping[str, Money]) -> dict[str, Money]:
    """Money added per currency (currencies sorted)."""
    out = dict(a)
    for k, v in b.items():
        out[k] = out[k] + v if k in out else v
    return {k: out[k] for k in sorted(out)}


def merge_stat(a: S, b: S) -> S:
    """Two summaries merged: Summary with Summary, QuantileSketch with QuantileSketch."""
    if isinstance(a, Summary) and isinstance(b, Summary):
        return a.merge(b)
    if isinstance(a, QuantileSketch) and isinstance(b, QuantileSketch):
        return a.merge(b)
    raise InvalidParameterError("cannot merge an exact Summary with a QuantileSketch")


def _sort_key(value: Any) -> tuple[int, str, Any]:
    # kpicore.grouping's order: None last, otherwise by type name then value
    if value is None:
        return (1, "", "")
    return (0, type(value).__name__, value)


def _group_order(key: GroupKey) -> Any:
    if isinstance(key, tuple) and len(key) == 2 and isinstance(key[1], Period):
        return (_sort_key(key[0]), key[1])
    if isinstance(key, Period):
        return key
    return _sort_key(key)


def merge_groups(
    a: Breakdown[T] | None, b: Breakdown[T] | None, merge: Callable[[T, T], T]
) -> Breakdown[T] | None:
    """Two breakdowns merged key-wise (None with None gives None)."""
    if a is None or b is None:
        if a is not b:
            raise InvalidParameterError("cannot merge a grouped result with an ungrouped one")
        return None
    same((a.by, a.freq), (b.by, b.freq), "groupings")
    groups: dict[GroupKey, T] = dict(a.groups)
    for key, value in b.groups.items():
        groups[key] = merge(groups[key], value) if key in groups else value
    ordered = sorted(groups, key=_group_order)
    return Breakdown(by=a.by, freq=a.freq, groups={k: groups[k] for k in ordered})


def merge_by_key(
    a: Mapping[int, T], b: Mapping[int, T], merge: Callable[[T, T], T]
) -> dict[int, T]:
    """Two int-keyed mappings merged key-wise (keys sorted)."""
    out = dict(a)
    for k, v in b.items():
        out[k] = merge(out[k], v) if k in out else v
    return {k: out[k] for k in sorted(out)}


def merge_mapping(a: Mapping[K, T], b: Mapping[K, T], merge: Callable[[T, T], T]) -> dict[K, T]:
    """Two mappings merged key-wise (keys sorted: currencies, variant keys...)."""
    out: dict[K, T] = dict(a)
    for k, v in b.items():
        out[k] = merge(out[k], v) if k in out else v
    return {k: out[k] for k in sorted(out)}  # type: ignore[type-var]


def case_order(a: Any, b: Any, what: str) -> Any:
    """The concatenated case ids of ``a`` and ``b`` sorted, and the permutation that sorts them.

    Per-case results of two partitions merge only when no case is in both (a
    case whose events were split between partitions would otherwise appear
    twice, each time with part of its events): InvalidParameterError then,
    naming the case. Returns ``(ids, order)``: ``concat(a, b)[order] == ids``,
    in the order of an EventLog's cases (sorted labels).
    """
    import numpy as np

    ids = np.concatenate([np.asarray(a), np.asarray(b)])
    order = np.argsort(ids, kind="stable")
    ids = ids[order]
    dup = np.flatnonzero(ids[1:] == ids[:-1])
    if dup.shape[0]:
        raise InvalidParameterError(
            f"cannot merge {what} results: case {ids[int(dup[0])]!r} is in both (with "
            f"{dup.shape[0] - 1} more); its events were split between partitions: partition "
            "the events by case id (kpicore.dask.to_eventlogs with shuffle='auto' or True)"
        )
    return ids, order
