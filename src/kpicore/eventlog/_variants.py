"""Variants (distinct activity sequences) and the directly-follows graph."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, ClassVar, Literal

import attrs
import numpy as np
import numpy.typing as npt

from kpicore.errors import InvalidParameterError, UnknownActivityError
from kpicore.results import Result, fields_to_dict
from kpicore.results import read_only as _ro

__all__ = [
    "DirectlyFollows",
    "VariantCoverage",
    "VariantSpec",
    "Variants",
    "compute_dfg",
    "compute_variants",
    "variant_case_mask",
    "variant_coverage",
    "variant_indices",
    "variant_specs",
]

_NS_PER_DAY_F = 86_400e9
_I64 = npt.NDArray[np.int64]
_P1 = np.uint64(0x9E3779B97F4A7C15)
_P2 = np.uint64(0xC2B2AE3D27D4EB4F)


@attrs.frozen(eq=False, repr=False)
class Variants(Result):
    """The distinct activity sequences of a log, with their case counts.

    Variants are ordered by descending count, ties by their first case id.
    A variant is a tuple of activity labels (pm4py's ``get_variants`` keys);
    :meth:`to_dict` renders it as ``'A, B, C'`` (Celonis ``VARIANT``, bupaR
    traces use ``','``).

    Attributes
    ----------
    counts:
        Cases per variant (int64, descending).
    case_ids:
        Case labels of the log.
    case_variant:
        Variant index of each case (aligned with ``case_ids``).

    Examples
    --------
    >>> from kpicore.eventlog import EventLog
    >>> log = EventLog.from_columns(case=["1", "1", "2", "2", "3"], activity=["A", "B", "A", "B", "A"],
    ...     timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-01T00:00Z",
    ...                "2024-01-03T00:00Z", "2024-01-05T00:00Z"])
    >>> log.variants().to_dict()
    {'A, B': 2, 'A': 1}
    """  # noqa: E501

    counts: npt.NDArray[np.int64] = attrs.field(converter=_ro)
    case_ids: npt.NDArray[Any] = attrs.field(converter=_ro)
    case_variant: npt.NDArray[np.int64] = attrs.field(converter=_ro)
    _labels: npt.NDArray[Any]
    _seq_acts: npt.NDArray[np.int16]
    _seq_offsets: npt.NDArray[np.int64]

    _TABLES: ClassVar[tuple[str, ...]] = ("variants",)

    def __len__(self) -> int:
        return int(self.counts.shape[0])

    def _table_variants(self) -> dict[str, Any]:
        """One row per variant, most frequent first: its activities, count and share of cases."""
        counts = self.counts.astype(np.int64)
        total = int(counts.sum())
        share = counts / total if total else counts.astype(np.float64)
        return {
            "variant": [", ".join(self.sequence(i)) for i in range(len(self))],
            "length": np.diff(self._seq_offsets),
            "count": counts,
            "share": share,
            "cumulative_share": np.cumsum(share),
        }

    def __iter__(self) -> Iterator[tuple[str, ...]]:
        return (self.sequence(i) for i in range(len(self)))

    def sequence(self, i: int) -> tuple[str, ...]:
        """The activity labels of variant ``i``.

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["1", "1", "2"], activity=["A", "B", "A"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-01T00:00Z"])
        >>> log.variants().sequence(0)
        ('A', 'B')
        """
        if not 0 <= i < len(self):
            raise InvalidParameterError(f"variant index {i} out of range 0..{len(self) - 1}")
        lo, hi = int(self._seq_offsets[i]), int(self._seq_offsets[i + 1])
        return tuple(self._labels[self._seq_acts[lo:hi]].tolist())

    def as_tuples(self) -> dict[tuple[str, ...], int]:
        """``{variant tuple: count}`` as pm4py's ``get_variants`` returns.

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["1", "1", "2"], activity=["A", "B", "A"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-01T00:00Z"])
        >>> log.variants().as_tuples()
        {('A', 'B'): 1, ('A',): 1}
        """
        return {self.sequence(i): int(c) for i, c in enumerate(self.counts.tolist())}

    def top(self, k: int) -> dict[str, int]:
        """The ``k`` most frequent variants, rendered ``'A, B, C'``.

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["1", "1", "2"], activity=["A", "B", "A"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-01T00:00Z"])
        >>> log.variants().top(1)
        {'A, B': 1}
        """
        return {", ".join(self.sequence(i)): int(self.counts[i]) for i in range(min(k, len(self)))}

    def to_dict(self) -> dict[str, int]:
        """``{'A, B, C': count}`` for every variant.

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["1", "1", "2"], activity=["A", "B", "A"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-01T00:00Z"])
        >>> log.variants().to_dict()
        {'A, B': 1, 'A': 1}
        """
        return self.top(len(self))

    def merge(self, other: Variants) -> Variants:
        """The variants of both logs' cases (disjoint): exact.

        Cases per variant are added; variants are ordered as on the union
        (descending count, ties by their first case id), cases in case-id
        order. Both results must use the same ``max_repeats``.

        Raises
        ------
        InvalidParameterError
            For a case present in both (its events were split between two
            partitions).

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["1", "1", "2", "2", "3"],
        ...     activity=["A", "B", "A", "B", "C"], timestamp=["2024-01-01T00:00Z"] * 5)
        >>> a, b = log.filter_cases(["1", "3"]).variants(), log.filter_cases(["2"]).variants()
        >>> a.merge(b).to_dict() == log.variants().to_dict(), a.merge(b).case_variant.tolist()
        (True, [0, 0, 1])
        """
        from kpicore import _merge

        _merge.check_type(self, other)
        ids, order = _merge.case_order(self.case_ids, other.case_ids, "variant")
        labels = np.array(
            sorted(set(self._labels.tolist()) | set(other._labels.tolist())), dtype=object
        )
        index: dict[bytes, int] = {}
        seqs: list[npt.NDArray[np.int16]] = []
        maps: list[npt.NDArray[np.int64]] = []
        for part in (self, other):  # a loop per variant (not per case or event)
            codes = np.searchsorted(labels, part._labels).astype(np.int16)
            acts = codes[part._seq_acts] if part._seq_acts.shape[0] else part._seq_acts
            off = part._seq_offsets.tolist()
            m = np.empty(len(part), dtype=np.int64)
            for i in range(len(part)):
                seq = acts[off[i] : off[i + 1]]
                key = seq.tobytes()
                if key not in index:
                    index[key] = len(seqs)
                    seqs.append(seq)
                m[i] = index[key]
            maps.append(m)
        n_groups = len(seqs)
        counts = np.zeros(n_groups, dtype=np.int64)
        np.add.at(counts, maps[0], self.counts)
        np.add.at(counts, maps[1], other.counts)
        group = np.concatenate([maps[0][self.case_variant], maps[1][other.case_variant]])[order]
        first = np.full(n_groups, group.shape[0], dtype=np.int64)
        np.minimum.at(first, group, np.arange(group.shape[0], dtype=np.int64))
        vorder = np.lexsort((first, -counts))
        rank = np.empty(n_groups, dtype=np.int64)
        rank[vorder] = np.arange(n_groups)
        lens = np.array([seqs[g].shape[0] for g in vorder.tolist()], dtype=np.int64)
        offsets = np.zeros(n_groups + 1, dtype=np.int64)
        np.cumsum(lens, out=offsets[1:])
        ordered = [seqs[g] for g in vorder.tolist()]
        seq_acts = np.concatenate(ordered).astype(np.int16) if ordered else np.zeros(0, np.int16)
        return Variants(counts[vorder], ids, rank[group], labels, seq_acts, offsets)


def compute_variants(
    case: npt.NDArray[np.int32],
    act: npt.NDArray[np.int16],
    n_cases: int,
    labels: npt.NDArray[Any],
    case_ids: npt.NDArray[Any],
    max_repeats: int | None,
) -> Variants:
    """Group cases by their activity sequence, exactly and without a per-case loop.

    Two 64-bit polynomial hashes plus the length group the cases; each case
    is then compared element-wise with its group's first case, and any
    (astronomically unlikely) collision is split exactly.
    """
    n = act.shape[0]
    if max_repeats is not None:
        if isinstance(max_repeats, bool) or not isinstance(max_repeats, int) or max_repeats < 1:
            raise InvalidParameterError(f"max_repeats must be an int >= 1, got {max_repeats!r}")
        if n:
            new_run = np.empty(n, dtype=bool)
            new_run[0] = True
            new_run[1:] = (act[1:] != act[:-1]) | (case[1:] != case[:-1])
            idx = np.arange(n)
            run_start = np.maximum.accumulate(np.where(new_run, idx, 0))
            keep = (idx - run_start) < max_repeats
            case, act = case[keep], act[keep]
            n = act.shape[0]
    counts_per_case = np.bincount(case, minlength=n_cases).astype(np.int64)
    starts = np.zeros(n_cases + 1, dtype=np.int64)
    np.cumsum(counts_per_case, out=starts[1:])
    if n_cases == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Variants(
            empty, case_ids, empty, labels, np.zeros(0, np.int16), np.zeros(1, np.int64)
        )
    pos = np.arange(n, dtype=np.int64) - starts[case]
    max_len = int(counts_per_case.max()) if n else 0
    with np.errstate(over="ignore"):
        p1 = np.cumprod(np.full(max(max_len, 1), _P1, dtype=np.uint64))
        p2 = np.cumprod(np.full(max(max_len, 1), _P2, dtype=np.uint64))
        a = act.astype(np.uint64) + np.uint64(1)
        h1 = np.add.reduceat(a * p1[pos], starts[:-1]) if n else np.zeros(n_cases, np.uint64)
        h2 = np.add.reduceat((a * a + np.uint64(7)) * p2[pos], starts[:-1]) if n else h1
    order = np.lexsort((h2, h1, counts_per_case))
    l_s, h1_s, h2_s = counts_per_case[order], h1[order], h2[order]
    new = np.empty(n_cases, dtype=bool)
    new[0] = True
    new[1:] = (l_s[1:] != l_s[:-1]) | (h1_s[1:] != h1_s[:-1]) | (h2_s[1:] != h2_s[:-1])
    group_sorted = np.cumsum(new) - 1
    group = np.empty(n_cases, dtype=np.int64)
    group[order] = group_sorted
    rep = order[np.flatnonzero(new)]  # first case (lowest code) of each group
    # exact check: every event equals the same position of its group's representative
    if n:
        ref = act[starts[rep[group[case]]] + pos]
        bad_cases = np.unique(case[ref != act])
    else:
        bad_cases = np.zeros(0, dtype=np.int64)
    if bad_cases.shape[0]:  # pragma: no cover - needs a 128-bit hash collision
        seqs: dict[tuple[int, ...], int] = {}
        next_group = int(group.max()) + 1
        for c in bad_cases.tolist():
            key = (int(group[c]), *act[starts[c] : starts[c + 1]].tolist())
            if key not in seqs:
                seqs[key] = next_group
                next_group += 1
            group[c] = seqs[key]
        _, group = np.unique(group, return_inverse=True)
        n_groups = int(group.max()) + 1
        rep = np.full(n_groups, n_cases, dtype=np.int64)
        np.minimum.at(rep, group, np.arange(n_cases))
    n_groups = int(rep.shape[0])
    gcount = np.bincount(group, minlength=n_groups).astype(np.int64)
    # order: count descending, then first case code
    vorder = np.lexsort((rep, -gcount))
    rank = np.empty(n_groups, dtype=np.int64)
    rank[vorder] = np.arange(n_groups)
    reps = rep[vorder]
    lens = counts_per_case[reps]
    offsets = np.zeros(n_groups + 1, dtype=np.int64)
    np.cumsum(lens, out=offsets[1:])
    seq_idx = np.repeat(starts[reps] - offsets[:-1], lens) + np.arange(int(offsets[-1]))
    seq_acts = act[seq_idx].astype(np.int16)
    return Variants(gcount[vorder], case_ids, rank[group], labels, seq_acts, offsets)


@attrs.frozen(eq=False, repr=False)
class DirectlyFollows(Result):
    """Directly-follows counts and durations (a performance DFG).

    An arc ``a -> b`` is counted once for every pair of consecutive events of a
    case (ties ordered as the log orders them: by input order, or by the
    ``order=`` column). Its duration is ``next.ts - cur.ts`` (pm4py's
    performance DFG on atomic events).

    Attributes
    ----------
    sources, targets:
        Activity labels of each arc (ordered by source, then target label).
    counts:
        Occurrences of each arc.
    mean_days, median_days, min_days, max_days:
        Duration statistics of each arc in days.
    start_activities, end_activities:
        ``{activity: cases starting/ending with it}``.

    Examples
    --------
    >>> from kpicore.eventlog import EventLog
    >>> log = EventLog.from_columns(case=["1", "1", "1"], activity=["A", "B", "A"],
    ...     timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-05T00:00Z"])
    >>> dfg = log.directly_follows()
    >>> dfg.as_dict(), dfg.performance("mean")
    ({('A', 'B'): 1, ('B', 'A'): 1}, {('A', 'B'): 1.0, ('B', 'A'): 3.0})
    """

    sources: tuple[str, ...]
    targets: tuple[str, ...]
    counts: npt.NDArray[np.int64] = attrs.field(converter=_ro)
    mean_days: npt.NDArray[np.float64] = attrs.field(converter=_ro)
    median_days: npt.NDArray[np.float64] = attrs.field(converter=_ro)
    min_days: npt.NDArray[np.float64] = attrs.field(converter=_ro)
    max_days: npt.NDArray[np.float64] = attrs.field(converter=_ro)
    start_activities: dict[str, int]
    end_activities: dict[str, int]

    def __len__(self) -> int:
        return len(self.sources)

    def as_dict(self) -> dict[tuple[str, str], int]:
        """``{(a, b): count}`` (pm4py's ``discover_dfg`` format).

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["1", "1", "2"], activity=["A", "B", "A"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-01T00:00Z"])
        >>> log.directly_follows().as_dict()
        {('A', 'B'): 1}
        """
        return {
            (s, t): int(c)
            for s, t, c in zip(self.sources, self.targets, self.counts.tolist(), strict=True)
        }

    def count(self, source: str, target: str) -> int:
        """Occurrences of ``source -> target`` (0 when absent).

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["1", "1", "2"], activity=["A", "B", "A"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-01T00:00Z"])
        >>> log.directly_follows().count("A", "B"), log.directly_follows().count("B", "A")
        (1, 0)
        """
        return self.as_dict().get((source, target), 0)

    def performance(
        self, stat: Literal["mean", "median", "min", "max"] = "mean"
    ) -> dict[tuple[str, str], float]:
        """``{(a, b): days}`` for one statistic.

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["1", "1", "2"], activity=["A", "B", "A"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-01T00:00Z"])
        >>> log.directly_follows().performance("max")
        {('A', 'B'): 1.0}
        """
        arrays = {
            "mean": self.mean_days,
            "median": self.median_days,
            "min": self.min_days,
            "max": self.max_days,
        }
        if stat not in arrays:
            raise InvalidParameterError(f"stat must be one of {sorted(arrays)}, got {stat!r}")
        vals = arrays[stat].tolist()
        return {(s, t): v for s, t, v in zip(self.sources, self.targets, vals, strict=True)}

    def arc(self, source: str, target: str) -> dict[str, float | int]:
        """All statistics of one arc; UnknownActivityError when absent.

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["1", "1", "2"], activity=["A", "B", "A"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-01T00:00Z"])
        >>> log.directly_follows().arc("A", "B")["count"]
        1
        """
        for i, (s, t) in enumerate(zip(self.sources, self.targets, strict=True)):
            if s == source and t == target:
                return {
                    "count": int(self.counts[i]),
                    "mean_days": float(self.mean_days[i]),
                    "median_days": float(self.median_days[i]),
                    "min_days": float(self.min_days[i]),
                    "max_days": float(self.max_days[i]),
                }
        raise UnknownActivityError(f"no arc {source!r} -> {target!r} in this log")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: arcs as ``'a -> b'`` keys with their statistics.

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["1", "1", "2"], activity=["A", "B", "A"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-01T00:00Z"])
        >>> log.directly_follows().to_dict()["start_activities"]
        {'A': 2}
        """
        return {
            "arcs": {
                f"{s} -> {t}": {
                    "count": int(self.counts[i]),
                    "mean_days": float(self.mean_days[i]),
                    "median_days": float(self.median_days[i]),
                    "min_days": float(self.min_days[i]),
                    "max_days": float(self.max_days[i]),
                }
                for i, (s, t) in enumerate(zip(self.sources, self.targets, strict=True))
            },
            "start_activities": dict(self.start_activities),
            "end_activities": dict(self.end_activities),
        }


def mean_days(total_ns: int, count: int) -> float:
    """Mean of ``count`` durations summing to ``total_ns`` (exact int), in days.

    ``total_ns / count`` is correctly rounded (Python's int division), so the
    mean does not depend on the order of the durations: a merge of partial
    sums gives the same float as the whole log.
    """
    return total_ns / count / _NS_PER_DAY_F


def exact_sums(values: npt.NDArray[np.int64], starts: npt.NDArray[np.int64]) -> list[int]:
    """Exact sums of the int64 runs beginning at ``starts`` (no overflow: 32-bit halves)."""
    hi = np.add.reduceat(values >> 32, starts)
    lo = np.add.reduceat(values & 0xFFFFFFFF, starts)
    return [h * 2**32 + lo_ for h, lo_ in zip(hi.tolist(), lo.tolist(), strict=True)]


def dfg_arcs(
    case: npt.NDArray[np.int32],
    act: npt.NDArray[np.int16],
    ts: npt.NDArray[np.int64],
    n_act: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64], int]:
    """Arc durations grouped by arc: ``(keys, gstart, durations, width)``.

    ``durations[gstart[i]:gstart[i + 1]]`` are the durations (ns) of arc
    ``keys[i] = source * width + target`` (activity codes), keys ascending.
    """
    same = case[1:] == case[:-1]
    src = act[:-1][same].astype(np.int64)
    dst = act[1:][same].astype(np.int64)
    dur = (ts[1:] - ts[:-1])[same]
    width = max(n_act, 1)
    key = src * width + dst
    if width * width <= np.iinfo(np.int16).max:
        key = key.astype(np.int16)  # numpy's stable sort is a radix sort for 16-bit keys
    order = np.argsort(key, kind="stable")
    key_s = key[order].astype(np.int64)
    dur_s = dur[order]
    m = key_s.shape[0]
    if not m:
        return np.zeros(0, np.int64), np.zeros(1, np.int64), dur_s, width
    new = np.empty(m, dtype=bool)
    new[0] = True
    new[1:] = key_s[1:] != key_s[:-1]
    gstart = np.append(np.flatnonzero(new), m).astype(np.int64)
    return key_s[gstart[:-1]], gstart, dur_s, width


def arc_median_days(seg: npt.NDArray[np.int64]) -> float:
    """Median of one arc's durations (ns), in days."""
    k = seg.shape[0]
    part = np.partition(seg, [(k - 1) // 2, k // 2]) if k > 2 else np.sort(seg)
    return (float(part[(k - 1) // 2]) + float(part[k // 2])) / 2.0 / _NS_PER_DAY_F


def compute_dfg(
    case: npt.NDArray[np.int32],
    act: npt.NDArray[np.int16],
    ts: npt.NDArray[np.int64],
    starts: npt.NDArray[np.int64],
    labels: npt.NDArray[Any],
) -> DirectlyFollows:
    """Directly-follows arcs with count and mean/median/min/max durations."""
    n_act = int(labels.shape[0])
    keys, bounds, dur_s, width = dfg_arcs(case, act, ts, n_act)
    n_arcs = keys.shape[0]
    if n_arcs:
        gstart = bounds[:-1]
        cnt = np.diff(bounds).astype(np.int64)
        sums = exact_sums(dur_s, gstart)
        mean = np.array([mean_days(t, c) for t, c in zip(sums, cnt.tolist(), strict=True)])
        median = np.empty(n_arcs)
        mins = np.empty(n_arcs)
        maxs = np.empty(n_arcs)
        for g, (lo_i, hi_i) in enumerate(zip(gstart.tolist(), bounds[1:].tolist(), strict=True)):
            seg = dur_s[lo_i:hi_i]  # one arc: a loop per arc, O(n) in total
            median[g] = arc_median_days(seg)
            mins[g] = float(seg.min()) / _NS_PER_DAY_F
            maxs[g] = float(seg.max()) / _NS_PER_DAY_F
    else:
        cnt = keys
        mean = median = mins = maxs = np.zeros(0, dtype=np.float64)
    lab = labels.tolist()
    sources = tuple(lab[k] for k in (keys // width).tolist())
    targets = tuple(lab[k] for k in (keys % width).tolist())
    n_cases = starts.shape[0] - 1
    if n_cases:
        sc = np.bincount(act[starts[:-1]], minlength=n_act)
        ec = np.bincount(act[starts[1:] - 1], minlength=n_act)
    else:
        sc = ec = np.zeros(n_act, dtype=np.int64)
    start_acts = {lab[i]: int(sc[i]) for i in np.flatnonzero(sc).tolist()}
    end_acts = {lab[i]: int(ec[i]) for i in np.flatnonzero(ec).tolist()}
    return DirectlyFollows(sources, targets, cnt, mean, median, mins, maxs, start_acts, end_acts)


# ------------------------------------------------------------------ variant filter and coverage

#: What names a variant: a tuple of activity labels, or its ``'A, B, C'`` rendering.
VariantSpec = tuple[str, ...] | str


def _as_tuple(spec: object) -> tuple[str, ...]:
    if isinstance(spec, str):
        return tuple(spec.split(", ")) if spec else ()
    if isinstance(spec, tuple | list) and all(isinstance(a, str) for a in spec):
        return tuple(spec)
    raise InvalidParameterError(
        f"a variant is a tuple of activity labels or an 'A, B, C' string, got {spec!r}"
    )


def variant_specs(variants: object) -> tuple[tuple[str, ...], ...]:
    """Normalise one variant or an iterable of them to a tuple of label tuples.

    A single ``str`` or a tuple of ``str`` is one variant; a list, set or other
    iterable of them is several.

    Examples
    --------
    >>> variant_specs("A, B"), variant_specs(("A", "B")), variant_specs([("A",), "B, C"])
    ((('A', 'B'),), (('A', 'B'),), (('A',), ('B', 'C')))
    """
    if isinstance(variants, str):
        return (_as_tuple(variants),)
    if isinstance(variants, tuple) and all(isinstance(a, str) for a in variants):
        return (variants,)
    if isinstance(variants, Variants) or not hasattr(variants, "__iter__"):
        raise InvalidParameterError(
            "variants must be a variant (tuple of labels or 'A, B, C') or an iterable of "
            f"them, got {type(variants).__name__}"
        )
    return tuple(_as_tuple(v) for v in variants)


def variant_indices(variants: Variants, wanted: Iterable[tuple[str, ...]]) -> _I64:
    """Indices (into ``variants``) of the wanted sequences that occur; absent ones are skipped.

    One vectorised comparison per wanted variant against the table of
    distinct sequences (never per case).
    """
    labels = variants._labels.tolist()
    code_of = {lab: i for i, lab in enumerate(labels)}
    lens = np.diff(variants._seq_offsets)
    out: list[int] = []
    for seq in wanted:
        if any(a not in code_of for a in seq):
            continue
        codes = np.array([code_of[a] for a in seq], dtype=np.int16)
        cand = np.flatnonzero(lens == codes.shape[0])
        if not cand.shape[0]:
            continue
        if codes.shape[0]:
            idx = variants._seq_offsets[cand][:, None] + np.arange(codes.shape[0])
            hit = cand[(variants._seq_acts[idx] == codes).all(axis=1)]
        else:  # pragma: no cover - a case always has at least one event
            hit = cand
        out.extend(hit.tolist())
    return np.unique(np.array(out, dtype=np.int64))


def variant_case_mask(
    variants: Variants,
    wanted: Iterable[tuple[str, ...]] | None = None,
    *,
    top_k: int | None = None,
) -> npt.NDArray[np.bool_]:
    """Per case (aligned with ``variants.case_ids``): is its variant selected?

    Exactly one of ``wanted`` (sequences) and ``top_k`` (the ``k`` most frequent
    variants, in :class:`Variants` order) is given.
    """
    if (wanted is None) == (top_k is None):
        raise InvalidParameterError("give exactly one of variants= and top_k=")
    if top_k is not None:
        if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 0:
            raise InvalidParameterError(f"top_k must be an int >= 0, got {top_k!r}")
        return variants.case_variant < top_k
    assert wanted is not None
    chosen = np.zeros(len(variants), dtype=bool)
    chosen[variant_indices(variants, wanted)] = True
    return chosen[variants.case_variant]


def _float_ro(value: Any) -> npt.NDArray[np.float64]:
    return _ro(np.asarray(value, dtype=np.float64))


@attrs.frozen(eq=False, repr=False)
class VariantCoverage(Result):
    """How many cases the most frequent variants cover (edeaR ``trace_coverage``).

    Variants are in :class:`Variants` order (descending count, ties by their
    first case id).

    Attributes
    ----------
    variants:
        The variants rendered ``'A, B, C'``.
    counts:
        Cases per variant (int64).
    shares:
        ``counts / n_cases``.
    cumulative:
        Share of the cases covered by this variant and every more frequent one.
    n_cases:
        Cases of the log (the denominator).

    Notes
    -----
    ``share_i = count_i / N`` and ``cumulative_k = Σ_{i ≤ k} count_i / N``
    with ``N`` the number of cases, as edeaR's ``trace_coverage`` (relative
    frequency and cumulative coverage per trace). The cumulative value is
    computed from the integer counts (``cumsum(count) / N``), so the last one
    is exactly 1.

    Examples
    --------
    >>> from kpicore.eventlog import EventLog
    >>> log = EventLog.from_columns(case=["1", "1", "2", "2", "3", "4"],
    ...     activity=["A", "B", "A", "B", "A", "C"], timestamp=["2024-01-01T00:00Z"] * 6)
    >>> cov = log.variant_coverage()
    >>> cov.variants, cov.cumulative.tolist(), cov.variants_needed(0.75)
    (('A, B', 'A', 'C'), [0.5, 0.75, 1.0], 2)
    """

    variants: tuple[str, ...]
    counts: npt.NDArray[np.int64] = attrs.field(converter=_ro)
    shares: npt.NDArray[np.float64] = attrs.field(converter=_float_ro)
    cumulative: npt.NDArray[np.float64] = attrs.field(converter=_float_ro)
    n_cases: int

    def __len__(self) -> int:
        return len(self.variants)

    def variants_needed(self, share: float) -> int:
        """The fewest most-frequent variants covering at least ``share`` of the cases.

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["1", "2", "3"], activity=["A", "A", "B"],
        ...     timestamp=["2024-01-01T00:00Z"] * 3)
        >>> log.variant_coverage().variants_needed(0.5), log.variant_coverage().variants_needed(1)
        (1, 2)
        """
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
            raise InvalidParameterError(f"share must be a number in [0, 1], got {share!r}")
        if share == 0 or not self.n_cases:
            return 0
        # compare integers: count covered >= share * N (no float rounding of the cumsum)
        covered = np.cumsum(self.counts)
        need = share * self.n_cases
        return int(np.searchsorted(covered, need - 1e-9 * max(need, 1.0), side="left")) + 1

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form.

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["1", "2"], activity=["A", "B"],
        ...     timestamp=["2024-01-01T00:00Z"] * 2)
        >>> log.variant_coverage().to_dict()["cumulative"]
        [0.5, 1.0]
        """
        return fields_to_dict(self)


def variant_coverage(variants: Variants) -> VariantCoverage:
    """The coverage table of a :class:`Variants` result (see :class:`VariantCoverage`).

    Examples
    --------
    >>> from kpicore.eventlog import EventLog
    >>> log = EventLog.from_columns(case=["1", "2", "3"], activity=["A", "A", "B"],
    ...     timestamp=["2024-01-01T00:00Z"] * 3)
    >>> variant_coverage(log.variants()).shares.round(3).tolist()
    [0.667, 0.333]
    """
    n = int(variants.case_variant.shape[0])
    counts = np.asarray(variants.counts, dtype=np.int64)
    denom = float(n) if n else 1.0
    return VariantCoverage(
        variants=tuple(", ".join(s) for s in variants),
        counts=counts,
        shares=counts / denom,
        cumulative=np.cumsum(counts) / denom,
        n_cases=n,
    )
