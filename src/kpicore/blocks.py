"""KPIs computed block by block on one machine: whole cases per block, partial results merged.

A KPI of :mod:`kpicore.kpis` keeps per-log work (the ledger of every invoice,
the role scans, the letters...) so that the next KPI on the same log reuses it.
On a large log that work is large too: a few hundred bytes per invoice, all of
it fresh memory each time a log is analysed. :func:`map_blocks` runs the
KPIs on consecutive blocks of whole cases (:meth:`EventLog.case_blocks
<kpicore.eventlog.EventLog.case_blocks>`, views on the log's columns) and
merges the partial results with their own ``merge`` -- the single-machine
counterpart of :func:`kpicore.dask.map_reduce`, with the same merge rules:
counts, coverage and money totals add, ratios are recomputed from the merged
counts, summaries (quantiles included) merge exactly. The result equals the
whole-log result; the working memory is one block's, reused from block to
block, and the KPIs computed in one ``fn`` share each block's work.

Examples
--------
>>> import datetime as dt
>>> from kpicore.eventlog import EventLog
>>> from kpicore.kpis import dunning
>>> from kpicore.synth import synth_event_columns
>>> log = EventLog.from_columns(synth_event_columns(500, seed=3).to_mapping(),
...                             attributes="all", order="lifecycle_rank")
>>> as_of = dt.date(2024, 9, 30)
>>> rate, eff = map_blocks(log, lambda blk: (
...     dunning.dunning_rate(blk, as_of=as_of),
...     dunning.dunning_effectiveness(blk, as_of=as_of)), max_events=600)
>>> rate == dunning.dunning_rate(log, as_of=as_of)
True
>>> eff == dunning.dunning_effectiveness(log, as_of=as_of)
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from kpicore import _merge
from kpicore.errors import InvalidParameterError
from kpicore.eventlog import DEFAULT_BLOCK_EVENTS, EventLog
from kpicore.kpis._ledger import has_memo

__all__ = ["map_blocks", "merge_results"]

T = TypeVar("T")


def merge_results(a: T, b: T) -> T:
    """Merge two partial results computed on disjoint sets of cases.

    The results are merged by their own ``merge`` method
    (:class:`~kpicore.summary.Summary`, :class:`~kpicore.sketch.QuantileSketch`,
    :class:`kpicore.dask.DaysSummary` and the KPI results with a ``merge``:
    :class:`~kpicore.kpis.overdue.Aging`,
    :class:`~kpicore.kpis.disputes.DisputeResolution`,
    :class:`~kpicore.kpis.dunning.DunningRate`,
    :class:`~kpicore.kpis.dunning.DunningEffectiveness` and their parts...).
    Counts, coverage and money totals are added (per currency), ratios
    recomputed from the merged counts, summaries merged, groups united (keys
    in kpicore's group order), and descriptive fields (pairing, as-of date,
    bucket edges...) must agree. Tuples of results (several KPIs computed
    together) merge item by item.

    Parameters
    ----------
    a, b : result
        Two results of the same class, computed with the same options.

    Returns
    -------
    result
        Equal to the result computed on the union of the cases.

    Raises
    ------
    InvalidParameterError
        For results of different classes, of a class with no known merge,
        tuples of different lengths, or results whose descriptive fields differ.

    Examples
    --------
    >>> from kpicore.summary import Summary
    >>> merge_results(Summary.of([1.0, 3.0]), Summary.of([2.0])).median
    2.0
    >>> [s.count for s in merge_results((Summary.of([1.0]), Summary.of([])),
    ...                                 (Summary.of([2.0]), Summary.of([5.0])))]
    [2, 1]
    """
    _merge.check_type(a, b)
    if type(a) is tuple:
        mine, other = cast(tuple[Any, ...], a), cast(tuple[Any, ...], b)
        if len(mine) != len(other):
            raise InvalidParameterError(
                f"cannot merge a tuple of {len(mine)} results with one of {len(other)}"
            )
        return cast(T, tuple(merge_results(x, y) for x, y in zip(mine, other, strict=True)))
    own = getattr(a, "merge", None)
    if not callable(own):
        raise InvalidParameterError(f"no merge is known for {type(a).__name__} results")
    return cast(T, own(b))


def map_blocks(
    log: EventLog,
    fn: Callable[[EventLog], T],
    *,
    merge: Callable[[T, T], T] | None = None,
    max_events: int = DEFAULT_BLOCK_EVENTS,
    reuse: bool = True,
) -> T:
    """Apply ``fn`` to each block of whole cases of ``log`` and merge the results.

    Parameters
    ----------
    log : EventLog
    fn : callable
        ``EventLog -> partial result`` (or a tuple of them: several KPIs
        computed on each block share the block's work). Called once per block,
        in case order, on the calling thread (the KPIs use kpicore's threads
        inside, :mod:`kpicore.threads`).
    merge : callable, optional
        ``(partial, partial) -> partial``, associative (the partials are merged
        pairwise, earlier blocks on the left); default :func:`merge_results`.
    max_events : int, default :data:`~kpicore.eventlog.DEFAULT_BLOCK_EVENTS`
        Most events per block (see :meth:`EventLog.case_blocks
        <kpicore.eventlog.EventLog.case_blocks>`). A log within it is one block:
        ``fn(log)``, nothing merged.
    reuse : bool, default True
        When ``log`` already holds memoised work (a KPI ran on it before),
        ``fn(log)`` on the whole log, which reuses that work -- a block sees
        none of it, and the memory is already spent. ``False``: blocks always
        (the working memory stays one block's).

    Returns
    -------
    The merged result.

    Raises
    ------
    InvalidParameterError
        For a ``log`` that is not an EventLog, a ``fn`` that is not callable, a
        bad ``max_events`` or a ``reuse`` that is not a bool; from
        :func:`merge_results`, for results that do not merge.

    Notes
    -----
    ``fn`` must not depend on anything global to the log that a block does
    not see: KPIs whose ``as_of=None`` means "the log's last event"
    (:func:`~kpicore.kpis.dunning.dunning_rate`,
    :func:`~kpicore.kpis.dunning.dunning_adherence`) need an explicit
    ``as_of`` here, as in :func:`kpicore.dask.map_reduce`. Each block's
    memoised work is dropped with the block, before the next one is
    computed; nothing is memoised on ``log`` itself. In a session that
    computes several KPIs of one log, the first ones (on the log) leave
    their work memoised and a later ``map_blocks`` reuses it (``reuse``).

    Examples
    --------
    >>> import numpy as np
    >>> log = EventLog.from_columns(case=["A", "A", "B"], activity=["x", "y", "x"],
    ...     timestamp=np.array(["2024-01-01", "2024-01-03", "2024-01-02"],
    ...                        dtype="datetime64[ns]"))
    >>> map_blocks(log, lambda blk: blk.n_cases, merge=lambda x, y: x + y, max_events=1)
    2
    """
    if not isinstance(log, EventLog):
        raise InvalidParameterError(f"map_blocks needs an EventLog, got {type(log).__name__}")
    if not callable(fn):
        raise InvalidParameterError(f"fn must be callable, got {type(fn).__name__}")
    if not isinstance(reuse, bool):
        raise InvalidParameterError(f"reuse must be True or False, got {reuse!r}")
    combine = cast(Callable[[T, T], T], merge_results) if merge is None else merge
    blocks = log.case_blocks(max_events)  # checks max_events; makes no block yet
    if reuse and has_memo(log):
        return fn(log)
    # merged pairwise as a binary counter: partials of 1, 2, 4... blocks, at most one per
    # size, so each value is copied O(log blocks) times (a running merge would copy the
    # accumulated summaries once per block), and in case order
    stack: list[tuple[int, Any]] = []
    for blk in blocks:  # at least one block
        part: Any = fn(blk)
        del blk  # the block and its memoised work go before the next block is made
        size = 1
        while stack and stack[-1][0] == size:
            part = combine(stack.pop()[1], part)
            size *= 2
        stack.append((size, part))
    out = stack.pop()[1]
    while stack:
        out = combine(stack.pop()[1], out)
    return cast(T, out)
