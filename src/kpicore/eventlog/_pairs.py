"""Pairing start events with end events of the same case: the one scan.

Every place that matches one activity to another by order -- a dispute
registration to its resolution, a payment received to its posting --
calls :func:`pair_indices` (through :meth:`EventLog.episodes` and
:meth:`EventLog.pairs`). The three pairings are defined here, once:

``"fifo"``
    An end closes the *oldest* open start of its case; an end with no open
    start is unmatched. So the starts still open are, per case, the
    registrations minus the matched resolutions: with *Dispute Registered* /
    *Dispute Resolved* this is kpicore's definition of an **open dispute**
    (the model's :meth:`kpicore.model.Dispute.is_open`, the ledger's
    ``open_disputes``, the case table's ``open_disputes`` and the dispute
    KPIs' default). Once every start of a case is closed, the *sum* of the
    durations does not depend on which end closed which start.
``"first"``
    pm4py ``filter_between``: the first start of a run of starts opens the
    episode and the next end closes it; later starts of the run are
    *repeated* (absorbed).
``"last"``
    Celonis ``SOURCE``/``TARGET`` over the start and end events: the start
    directly before an end; earlier starts of the run are *repeated*
    (superseded).

At equal instants a start is ordered before an end, whatever their input
order. No Python loop per event or per case: one merge of the two index runs
(they are ascending, and the log is sorted by case then time) and a few
cumulative scans.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from ._scan import heads

__all__ = ["MATCHES", "PairIndex", "pair_indices"]

_I64 = npt.NDArray[np.int64]
_B = npt.NDArray[np.bool_]

#: The pairings, in the order they are documented.
MATCHES: tuple[str, ...] = ("fifo", "first", "last")


class PairIndex(NamedTuple):
    """Starts paired with ends, in (case, start time) order (event indices)."""

    start: _I64  # event index of each start (open ones included)
    end: _I64  # event index of its end; -1 while open
    repeated: int  # starts absorbed ("first") or superseded ("last"); 0 for "fifo"
    unmatched_ends: int  # ends with no open start before them


def pair_indices(
    case: npt.NDArray[np.integer], ts: _I64, s_idx: _I64, e_idx: _I64, match: str
) -> PairIndex:
    """Pair the start events ``s_idx`` with the end events ``e_idx`` (see the module).

    ``case`` and ``ts`` are the log's per-event case codes and timestamps
    (sorted by case, then time); ``s_idx`` and ``e_idx`` are ascending,
    disjoint event indices.

    Examples
    --------
    One case: start, start, end, end, end (times 0, 1, 2, 3, 4):

    >>> case, ts = np.zeros(5, dtype=np.int32), np.arange(5, dtype=np.int64)
    >>> s, e = np.array([0, 1]), np.array([2, 3, 4])
    >>> pair_indices(case, ts, s, e, "fifo")
    PairIndex(start=array([0, 1]), end=array([2, 3]), repeated=0, unmatched_ends=1)
    >>> pair_indices(case, ts, s, e, "first").end.tolist()
    [2]
    >>> pair_indices(case, ts, s, e, "last").start.tolist()
    [1]
    """
    idx = np.concatenate([s_idx, e_idx]).astype(np.int64)
    is_b = np.concatenate([np.zeros(s_idx.shape[0], bool), np.ones(e_idx.shape[0], bool)])
    # event order is (case, time): merging the two ascending index runs sorts them
    order = np.argsort(idx, kind="stable")
    idx, is_b = idx[order], is_b[order]
    c = case[idx].astype(np.int64)
    t = ts[idx]
    m = idx.shape[0]
    # ties: a start and an end at one instant are ordered start-first
    if m > 1 and bool(np.any((c[1:] == c[:-1]) & (t[1:] == t[:-1]) & is_b[:-1] & ~is_b[1:])):
        order = np.lexsort((is_b, t, c))  # stable: equal keys keep event order
        idx, is_b, c = idx[order], is_b[order], c[order]
    empty = np.zeros(0, dtype=np.int64)
    if m == 0:
        return PairIndex(empty, empty, 0, 0)
    head = heads(c)
    a = ~is_b
    if match == "fifo":
        return _fifo(idx, a, head)
    same_next = np.zeros(m, dtype=bool)
    same_next[:-1] = ~head[1:]
    next_is_b = np.zeros(m, dtype=bool)
    next_is_b[:-1] = is_b[1:]
    prev_is_a = np.zeros(m, dtype=bool)
    prev_is_a[1:] = a[:-1]
    run_end = a & ~(same_next & ~next_is_b)  # last start of a run
    closed_run = run_end & same_next & next_is_b  # ... followed by an end
    if match == "last":
        s_closed = np.flatnonzero(closed_run)
        e_closed = s_closed + 1
        s_open = np.flatnonzero(run_end & ~closed_run)
    else:  # "first": the first start of each run opens the episode
        starts = np.flatnonzero(a & ~(~head & prev_is_a))
        ends = np.flatnonzero(run_end)  # one start and one end per run, aligned
        closed = closed_run[ends]
        s_closed, e_closed = starts[closed], ends[closed] + 1
        s_open = starts[~closed]
    start = np.concatenate([idx[s_closed], idx[s_open]])
    end = np.concatenate([idx[e_closed], np.full(s_open.shape[0], -1, dtype=np.int64)])
    o = np.argsort(start, kind="stable")
    n_a = int(np.count_nonzero(a))
    return PairIndex(start[o], end[o], n_a - int(start.shape[0]), int(m - n_a - s_closed.shape[0]))


def _fifo(idx: _I64, a: _B, head: _B) -> PairIndex:
    """An end closes the oldest open start of its case (a vectorised queue)."""
    m = idx.shape[0]
    step = np.where(a, 1, -1).astype(np.int64)
    cs = np.cumsum(step)
    hpos = np.flatnonzero(head)
    base = np.repeat(cs[hpos] - step[hpos], np.diff(np.append(hpos, m)))
    level = cs - base  # starts minus ends so far, within the case
    # segmented running minimum of min(level, 0): each case offset below the previous ones
    rank = np.cumsum(head) - 1
    big = 2 * m + 2
    low = np.minimum.accumulate(np.minimum(level, 0) - rank * big) + rank * big
    prev_low = np.zeros(m, dtype=np.int64)
    prev_low[1:] = low[:-1]
    prev_low[head] = 0
    unmatched_b = ~a & (low < prev_low)  # an end making a new low: nothing was open
    matched_b = ~a & ~unmatched_b
    # the k-th matched end of a case closes the k-th start of that case
    a_pos = np.flatnonzero(a)
    b_pos = np.flatnonzero(matched_b)
    n_local = int(rank[-1]) + 1
    a_cnt = np.bincount(rank[a_pos], minlength=n_local)
    b_cnt = np.bincount(rank[b_pos], minlength=n_local)
    a_first = np.cumsum(a_cnt) - a_cnt
    b_first = np.cumsum(b_cnt) - b_cnt
    a_rank = np.arange(a_pos.shape[0]) - a_first[rank[a_pos]]
    paired = np.flatnonzero(a_rank < b_cnt[rank[a_pos]])
    end = np.full(a_pos.shape[0], -1, dtype=np.int64)
    end[paired] = idx[b_pos[b_first[rank[a_pos[paired]]] + a_rank[paired]]]
    return PairIndex(idx[a_pos], end, 0, int(np.count_nonzero(unmatched_b)))
