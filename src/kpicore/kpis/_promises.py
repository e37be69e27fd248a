"""The status of each promise to pay (private): kept, pending or broken, as of a bound.

One definition shared by :func:`kpicore.kpis.collections.promise_kept_rate` and
the promise KPIs of :mod:`kpicore.kpis.promises`.
"""

from __future__ import annotations

import datetime as _dt
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from kpicore.errors import MissingDataError
from kpicore.eventlog import EventLog
from kpicore.kpis._events import (
    day_start_ns,
    event_values,
    has_event_attribute,
    next_at_or_after,
    plain,
    role_events,
)
from kpicore.kpis._ledger import MISSING, Roles, epoch_days, minor_values

_I64 = npt.NDArray[np.int64]
_B = npt.NDArray[np.bool_]

KEPT, PENDING, BROKEN = 0, 1, 2


def event_minor(log: EventLog, name: str, idx: _I64) -> tuple[_I64, _B]:
    """Integer minor units of an event attribute at ``idx`` and where it is present."""
    return minor_values(
        event_values(log, name, idx),
        field=name,
        ids=lambda i: plain(log.case_ids[log.case_codes[idx[i]]]),
    )


class Promises(NamedTuple):
    """The promises known before the bound that have a promised date."""

    case: _I64  # case code of each promise
    created: _I64  # ns
    promised_day: _I64  # days since the epoch
    amount: _I64  # promised minor units (0 where absent)
    has_amount: _B
    deadline: _I64  # ns: end of the promised day (in tz)
    status: npt.NDArray[np.int64]  # KEPT, PENDING, BROKEN
    paid_in_window: _I64  # minor units received in [created, deadline) and before the bound
    after_bound: int  # promises created at or after the bound (left out)
    missing_date: int  # known promises without a promised date (left out)


def promise_statuses(
    log: EventLog, roles: Roles, limit: int, tz: _dt.tzinfo | None, *, require_amount: bool
) -> Promises:
    """Each promise's status as of ``limit`` (ns, exclusive), vectorised.

    The window of a promise is ``[created, end of the promised date in tz)``,
    cut at ``limit``. Kept: a payment received in it (with ``require_amount``,
    payments in it summing to the promised amount; promises without an amount:
    any payment). Otherwise pending while the promised date is not over at
    ``limit``, broken once it is.

    Raises
    ------
    MissingDataError
        When the log has no ``roles.promised_date`` event attribute.
    """
    if not has_event_attribute(log, roles.promised_date):
        raise MissingDataError(
            f"no event attribute {roles.promised_date!r} (the promised date of "
            f"{roles.promise!r} events); event attributes: {list(log.attribute_names)}"
        )
    idx = role_events(log, roles.promise, "promise")
    ts = log.timestamps[idx]
    known = ts < limit
    after = int(idx.shape[0] - np.count_nonzero(known))
    idx = idx[known]
    case = log.case_codes[idx].astype(np.int64)
    p_amount, p_has_amount = event_minor(log, roles.payment_amount, idx)
    pdays = epoch_days(
        event_values(log, roles.promised_date, idx),
        field=roles.promised_date,
        record=lambda i: plain(log.case_ids[case[i]]),
        expected="a promised date (date or ISO 'YYYY-MM-DD' string)",
    )
    created = ts[known]
    has_date = pdays != MISSING
    missing_date = int(np.count_nonzero(~has_date))
    case, created, pdays = case[has_date], created[has_date], pdays[has_date]
    p_amount, p_has_amount = p_amount[has_date], p_has_amount[has_date]
    deadline = day_start_ns(pdays + 1, tz)
    pidx = role_events(log, roles.payment, "payment")
    pidx = pidx[log.timestamps[pidx] < limit]
    pc = log.case_codes[pidx].astype(np.int64)
    pts = log.timestamps[pidx]
    case_end = np.searchsorted(pc, case, side="right")
    lo = next_at_or_after(case, created, pc, pts)
    lo = np.where(lo >= 0, lo, case_end)
    hi = next_at_or_after(case, deadline, pc, pts)
    hi = np.where(hi >= 0, hi, case_end)
    hi = np.maximum(hi, lo)
    kept = hi > lo
    amounts, present = event_minor(log, roles.payment_amount, pidx)
    csum = np.concatenate([[0], np.cumsum(np.where(present, amounts, 0), dtype=np.int64)])
    window = (csum[hi] - csum[lo]).astype(np.int64)
    if require_amount:
        kept = np.where(p_has_amount, window >= p_amount, kept)
    over = deadline <= limit
    status = np.where(kept, KEPT, np.where(over, BROKEN, PENDING)).astype(np.int64)
    return Promises(
        case=case,
        created=created,
        promised_day=pdays,
        amount=np.where(p_has_amount, p_amount, 0).astype(np.int64),
        has_amount=p_has_amount,
        deadline=deadline,
        status=status,
        paid_in_window=window,
        after_bound=after,
        missing_date=missing_date,
    )
