"""Vectorised event scans shared by the dispute, dunning and collections KPIs.

With :mod:`kpicore.kpis._ledger` this is the **shared internal layer** of the
KPI modules: its names without a leading underscore are stable within
kpicore and are what the KPI modules import (no KPI module imports another
KPI module's underscore names). Several of them are re-exported from
:mod:`kpicore.kpis._ledger`, where they are defined once.

Everything here works on the public columns and methods of an
:class:`~kpicore.eventlog.EventLog` (events sorted by case, then time) and on
small subsets of its events; no Python loop per event or per case. Role
scans and episodes go through the per-log cache of :mod:`kpicore.kpis._ledger`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

from kpicore.errors import InvalidParameterError, InvalidRecordError
from kpicore.eventlog import Episodes, EventLog
from kpicore.kpis._ledger import (
    MAX_NS,
    MISSING,
    NS_PER_DAY,
    NS_PER_DAY_F,
    Roles,
    check_roles,
    episodes,
    freeze,
    heads,
    limit_ns,
    plain,
    ro,
    role_events,
)
from kpicore.periods import as_of_ns
from kpicore.summary import Summary

__all__ = [
    "MAX_NS",
    "MISSING",
    "NS_PER_DAY",
    "NS_PER_DAY_F",
    "PAIRINGS",
    "check_pairing",
    "check_percentiles",
    "check_roles",
    "day_end_ns",
    "day_start_ns",
    "event_values",
    "freeze",
    "has_event_attribute",
    "heads",
    "horizon_ns",
    "levels_of",
    "limit_ns",
    "next_at_or_after",
    "pair_events",
    "plain",
    "ratio",
    "ro",
    "role_events",
]

_I64 = npt.NDArray[np.int64]
_B = npt.NDArray[np.bool_]


def ratio(num: int, den: int) -> float | None:
    """``num / den``, None for a zero denominator."""
    return num / den if den else None


def check_percentiles(percentiles: Iterable[float]) -> tuple[float, ...]:
    """The percentiles as a tuple, validated as :meth:`Summary.of` does."""
    levels = tuple(percentiles)
    Summary.of([], percentiles=levels)  # validates
    return levels


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
        ns: _I64 = np.multiply(days, NS_PER_DAY, dtype=np.int64)
        np.putmask(ns, ~ok, MISSING)  # in place: no third array
        return ns
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


def day_end_ns(days: _I64, tz: _dt.tzinfo | None) -> _I64:
    """The end of each calendar day (int days since 1970-01-01; MISSING stays MISSING):
    00:00 of the next day in ``tz`` (UTC by default), an exclusive bound.

    Examples
    --------
    >>> import numpy as np
    >>> day_end_ns(np.array([0, MISSING]), None).tolist() == [NS_PER_DAY, MISSING]
    True
    """
    if tz is not None:
        return day_start_ns(np.where(days != MISSING, days + 1, MISSING), tz)
    out: _I64 = np.add(days, 1, dtype=np.int64)
    out *= NS_PER_DAY  # in place
    np.putmask(out, days == MISSING, MISSING)
    return out


def event_values(log: EventLog, name: str, idx: _I64) -> npt.NDArray[Any]:
    """Decoded values of an event attribute at the events ``idx`` only.

    None (object) where the log has no such attribute.
    """
    if name not in log.attribute_names:
        return np.full(idx.shape[0], None, dtype=object)
    return np.asarray(log.event_attribute(name, idx))


def has_event_attribute(log: EventLog, name: str) -> bool:
    """Whether the log has an event attribute ``name``."""
    return name in log.attribute_names


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
                record=plain(log.case_ids[log.case_codes[idx[i]]]),
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
                    record=plain(log.case_ids[log.case_codes[idx[i]]]),
                    field=roles.dunning_level,
                    value=v,
                    expected="a whole dunning level (1, 2, 3, ...)",
                ) from None
    return np.maximum(lv, 0), "attribute"


# --------------------------------------------------------------------------- pairing

#: The pairings of :meth:`EventLog.episodes <kpicore.eventlog.EventLog.episodes>`
#: (defined there, once).
PAIRINGS: tuple[str, ...] = ("fifo", "first", "last")


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
) -> Episodes:
    """Start events paired with end events of the same case, known before ``limit``.

    :meth:`EventLog.episodes` (the one pairing scan, where ``"fifo"``,
    ``"first"`` and ``"last"`` are defined), memoised per log;
    ``params`` name the two roles in error messages.
    """
    s_codes = log.role_codes(start_spec, role=params[0])
    e_codes = log.role_codes(end_spec, role=params[1])
    if np.intersect1d(s_codes, e_codes).shape[0]:
        raise InvalidParameterError(f"roles {params[0]} and {params[1]} share an activity")
    return episodes(log, start_spec, end_spec, limit, check_pairing(pairing))
