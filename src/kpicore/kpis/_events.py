"""Private vectorised event scans shared by the dispute, dunning and collections KPIs.

Everything here works on the columns of an :class:`~kpicore.eventlog.EventLog`
(events sorted by case, then time) and on small subsets of its events; no
Python loop per event or per case.
"""

from __future__ import annotations

import datetime as _dt
import types
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from kpicore.errors import InvalidParameterError, InvalidRecordError
from kpicore.eventlog import EventLog
from kpicore.kpis._ledger import Roles
from kpicore.kpis._ledger import _role_codes as _ledger_role_codes
from kpicore.kpis._ledger import _role_index as _ledger_role_index
from kpicore.periods import as_of_ns

__all__: list[str] = []

_I64 = npt.NDArray[np.int64]
_B = npt.NDArray[np.bool_]
MAX_NS = int(np.iinfo(np.int64).max)
MISSING = int(np.iinfo(np.int64).min)
NS_PER_DAY = 86_400_000_000_000
NS_PER_DAY_F = 86_400e9


def freeze(mapping: Mapping[Any, Any]) -> Mapping[Any, Any]:
    """A read-only copy of a mapping."""
    return types.MappingProxyType(dict(mapping))


def ro(arr: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """A read-only view of an array."""
    if arr.flags.writeable:
        arr = arr.view()
        arr.setflags(write=False)
    return arr


def ratio(num: int, den: int) -> float | None:
    """``num / den``, None for a zero denominator."""
    return num / den if den else None


def check_roles(roles: object) -> Roles:
    """``roles`` itself, or InvalidParameterError when it is not a Roles."""
    if not isinstance(roles, Roles):
        raise InvalidParameterError(f"roles must be a Roles, got {type(roles).__name__}")
    return roles


def limit_ns(as_of: _dt.date | _dt.datetime | None, tz: _dt.tzinfo | None) -> int:
    """The exclusive as-of bound (int64 max for None)."""
    return MAX_NS if as_of is None else as_of_ns(as_of, tz=tz)


def horizon_ns(log: EventLog, as_of: _dt.date | _dt.datetime | None, tz: _dt.tzinfo | None) -> int:
    """The as-of bound; for None, just after the log's last event (the data's horizon)."""
    if as_of is not None:
        return as_of_ns(as_of, tz=tz)
    ts = log.timestamps
    return int(ts.max()) + 1 if ts.shape[0] else 0


def day_start_ns(days: _I64, tz: _dt.tzinfo | None) -> _I64:
    """00:00 of each calendar day (int days since 1970-01-01) in ``tz`` (UTC by default).

    MISSING stays MISSING; with ``tz`` each distinct day is converted once.

    Examples
    --------
    >>> import numpy as np
    >>> from zoneinfo import ZoneInfo
    >>> day_start_ns(np.array([1]), None).tolist() == [NS_PER_DAY]
    True
    >>> int(day_start_ns(np.array([1]), ZoneInfo("America/Sao_Paulo"))[0]) // 3_600_000_000_000
    27
    """
    ok = days != MISSING
    if tz is None:
        return np.where(ok, days * NS_PER_DAY, MISSING)
    out = np.full(days.shape, MISSING, dtype=np.int64)
    if bool(ok.any()):
        uniq, inv = np.unique(days[ok], return_inverse=True)
        epoch = _dt.date(1970, 1, 1)
        starts = np.array(
            [as_of_ns(epoch + _dt.timedelta(days=int(d) - 1), tz=tz) for d in uniq.tolist()],
            dtype=np.int64,
        )
        out[ok] = starts[inv.reshape(-1)]
    return out


def role_codes(log: EventLog, spec: Any, param: str) -> _I64:
    """Activity codes of the activities playing a role (the ledger's resolver)."""
    return _ledger_role_codes(log, spec, param)


def role_events(log: EventLog, spec: Any, param: str) -> _I64:
    """Ascending event indices of the activities playing a role."""
    return _ledger_role_index(log, _ledger_role_codes(log, spec, param))


def event_values(log: EventLog, name: str, idx: _I64) -> npt.NDArray[Any]:
    """Decoded values of an event attribute at the events ``idx``.

    None (object) where the log has no such attribute. ``EventLog.event_attribute``
    decodes the whole column (an object array per event for text); here only
    the rows needed are decoded.
    """
    col = log._attrs.get(name)  # no public subset decode yet (reported)
    if col is None:
        return np.full(idx.shape[0], None, dtype=object)
    return np.asarray(col.take(idx).decode())


def has_event_attribute(log: EventLog, name: str) -> bool:
    """Whether the log has an event attribute ``name``."""
    return name in log.attribute_names


def heads(c: _I64) -> _B:
    """True at the first element of each run of equal values of ``c``."""
    out = np.ones(c.shape[0], dtype=bool)
    if c.shape[0]:
        np.not_equal(c[1:], c[:-1], out=out[1:])
    return out


def first_per_case(case: npt.NDArray[Any], idx: _I64, n: int) -> _I64:
    """Per case, the first of the ascending event indices ``idx`` in it (-1 if none)."""
    out = np.full(n, -1, dtype=np.int64)
    if idx.shape[0]:
        c = case[idx]
        h = heads(c)
        out[c[h]] = idx[h]
    return out


def next_at_or_after(q_case: _I64, q_ts: _I64, e_case: _I64, e_ts: _I64) -> _I64:
    """For each query ``(case, t)``, the position in ``e_*`` of the first event of the
    same case at or after ``t`` (-1 if none).

    ``e_*`` need not be sorted. One lexsort of queries and events together, then
    a reversed running minimum: O((q + e) log(q + e)).

    Examples
    --------
    >>> import numpy as np
    >>> next_at_or_after(np.array([0, 0, 1]), np.array([5, 11, 0]),
    ...                  np.array([0, 0, 1]), np.array([10, 5, 3])).tolist()
    [1, -1, 2]
    """
    nq = q_case.shape[0]
    ne = e_case.shape[0]
    out = np.full(nq, -1, dtype=np.int64)
    if nq == 0 or ne == 0:
        return out
    case = np.concatenate([q_case.astype(np.int64), e_case.astype(np.int64)])
    ts = np.concatenate([q_ts, e_ts])
    kind = np.concatenate([np.zeros(nq, np.int8), np.ones(ne, np.int8)])  # query first at ties
    order = np.lexsort((kind, ts, case))
    m = nq + ne
    is_e = kind[order] == 1
    pos = np.where(is_e, np.arange(m), m)
    nxt = np.minimum.accumulate(pos[::-1])[::-1]
    qpos = np.flatnonzero(~is_e)
    cand = nxt[qpos]
    ok = cand < m
    ok[ok] = case[order[cand[ok]]] == case[order[qpos[ok]]]
    qid = order[qpos]
    out[qid[ok]] = order[cand[ok]] - nq
    return out


def levels_of(log: EventLog, roles: Roles, idx: _I64) -> tuple[_I64, str]:
    """The dunning level of each letter event ``idx`` (0 = no usable level).

    From the ``roles.dunning_level`` attribute; without that attribute, the
    letter's rank within its invoice (1, 2, 3, ...). Returns the levels and
    their source (``"attribute"`` or ``"sequence"``).

    Raises
    ------
    InvalidRecordError
        For a level that is not a whole number.
    """
    if not has_event_attribute(log, roles.dunning_level):
        c = log.case_codes[idx].astype(np.int64)
        h = np.flatnonzero(heads(c))
        start = np.repeat(h, np.diff(np.append(h, idx.shape[0])))
        return (np.arange(idx.shape[0]) - start + 1).astype(np.int64), "sequence"
    raw = event_values(log, roles.dunning_level, idx)
    if raw.dtype.kind in "iub":
        lv = raw.astype(np.int64)
    elif raw.dtype.kind == "f":
        ok = ~np.isnan(raw)
        whole = np.where(ok, raw, 0.0)
        bad = ok & (whole != np.floor(whole))
        if bool(bad.any()):
            i = int(np.flatnonzero(bad)[0])
            raise InvalidRecordError(
                record=_plain(log.case_ids[log.case_codes[idx[i]]]),
                field=roles.dunning_level,
                value=float(raw[i]),
                expected="a whole dunning level (1, 2, 3, ...)",
            )
        lv = whole.astype(np.int64)
    else:
        vals = raw.tolist()
        lv = np.zeros(idx.shape[0], dtype=np.int64)
        for i, v in enumerate(vals):  # object column: rare (text levels)
            if v is None:
                continue
            try:
                lv[i] = int(v)
            except (TypeError, ValueError):
                raise InvalidRecordError(
                    record=_plain(log.case_ids[log.case_codes[idx[i]]]),
                    field=roles.dunning_level,
                    value=v,
                    expected="a whole dunning level (1, 2, 3, ...)",
                ) from None
    return np.maximum(lv, 0), "attribute"


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def plain(v: Any) -> Any:
    """A numpy scalar as a Python value."""
    return _plain(v)


# --------------------------------------------------------------------------- pairing

PAIRINGS: tuple[str, ...] = ("fifo", "first", "last")


class Paired(NamedTuple):
    """Starts paired with ends, in (case, start time) order."""

    start: _I64  # event index of each start
    end: _I64  # event index of its end (-1: open at the bound)
    repeated: int  # starts absorbed ("first") or superseded ("last")
    unmatched_ends: int  # ends with no open start
    after_bound: int  # start/end events at or after the bound (not known)


def check_pairing(pairing: object) -> str:
    """``pairing`` itself, or InvalidParameterError."""
    if pairing not in PAIRINGS:
        raise InvalidParameterError(
            f"pairing={pairing!r}: expected one of {', '.join(map(repr, PAIRINGS))}"
        )
    return str(pairing)


def pair_events(
    log: EventLog,
    start_spec: Any,
    end_spec: Any,
    limit: int,
    pairing: str,
    *,
    params: tuple[str, str],
) -> Paired:
    """Pair the start events with end events of the same case, known before ``limit``.

    ``pairing``: ``"fifo"`` (an end closes the oldest open start; an end with
    none open is unmatched), ``"first"`` (:meth:`EventLog.pairs` ``match="first"``:
    the first start of a run to the next end) or ``"last"`` (``match="last"``:
    the start directly before an end). At equal instants starts come first.
    """
    s_codes = role_codes(log, start_spec, params[0])
    e_codes = role_codes(log, end_spec, params[1])
    if np.intersect1d(s_codes, e_codes).shape[0]:
        raise InvalidParameterError(f"roles {params[0]} and {params[1]} share an activity")
    s_idx = _ledger_role_index(log, s_codes)
    e_idx = _ledger_role_index(log, e_codes)
    ts = log.timestamps
    case = log.case_codes
    ks = ts[s_idx] < limit
    ke = ts[e_idx] < limit
    after = int(s_idx.shape[0] - np.count_nonzero(ks)) + int(e_idx.shape[0] - np.count_nonzero(ke))
    s_idx, e_idx = s_idx[ks], e_idx[ke]
    idx = np.concatenate([s_idx, e_idx])
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
        return Paired(empty, empty, 0, 0, after)
    head = heads(c)
    a = ~is_b
    if pairing == "fifo":
        return _fifo(idx, a, head, after)
    same_next = np.zeros(m, dtype=bool)
    same_next[:-1] = ~head[1:]
    next_is_b = np.zeros(m, dtype=bool)
    next_is_b[:-1] = is_b[1:]
    prev_is_a = np.zeros(m, dtype=bool)
    prev_is_a[1:] = a[:-1]
    run_end = a & ~(same_next & ~next_is_b)  # last start of a run
    closed_run = run_end & same_next & next_is_b  # ... followed by an end
    if pairing == "last":
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
    return Paired(
        start[o], end[o], n_a - int(start.shape[0]), int(m - n_a - s_closed.shape[0]), after
    )


def _fifo(idx: _I64, a: _B, head: _B, after: int) -> Paired:
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
    return Paired(idx[a_pos], end, 0, int(np.count_nonzero(unmatched_b)), after)
