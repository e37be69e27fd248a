"""Event logs implied by invoices, and calculated *Due Date Passed* events."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from kpicore.activities import (
    COLLECTION_LETTER,
    DISPUTE_REGISTERED,
    DISPUTE_RESOLVED,
    DUE_DATE_PASSED,
    INVOICE_GENERATED,
    INVOICE_POSTED,
    INVOICE_SETTLED,
    INVOICE_WRITTEN_OFF,
    PAYMENT_POSTED,
    PAYMENT_RECEIVED,
    PROMISE_TO_PAY,
)
from kpicore.errors import InvalidParameterError, InvalidRecordError, MissingDataError
from kpicore.periods import as_of_ns

from . import _scan
from ._encode import Column
from ._timestamps import NAT, localize_wall

if TYPE_CHECKING:
    from kpicore.model import Invoice

    from ._log import ActivitySpec, EventLog

__all__ = ["add_due_date_passed", "invoice_columns"]

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_EPOCH_DATE = _dt.date(1970, 1, 1)
_US = _dt.timedelta(microseconds=1)
_NS_PER_DAY = 86_400_000_000_000


def _ns(d: _dt.datetime) -> int:
    return ((d - _EPOCH) // _US) * 1000


def invoice_columns(
    invoices: Iterable[Invoice],
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Event columns and per-case attribute mappings for :meth:`EventLog.from_invoices`."""
    from kpicore.model import Invoice

    case_ids: list[str] = []
    acts: list[str] = []
    stamps: list[int] = []
    amount: list[int | None] = []
    level: list[int | None] = []
    reason: list[str | None] = []
    promised: list[int] = []  # days since 1970-01-01, NaT where none
    case_cols: dict[str, dict[str, Any]] = {
        "customer_id": {},
        "due_date": {},
        "amount_minor": {},
        "currency": {},
        "contract_id": {},
        "collector": {},
        "source_system": {},
    }
    seen: dict[str, int] = {}

    def add(
        number: str,
        act: str,
        when: _dt.datetime,
        *,
        minor: int | None = None,
        lvl: int | None = None,
        why: str | None = None,
        by: _dt.date | None = None,
    ) -> None:
        case_ids.append(number)
        acts.append(act)
        stamps.append(_ns(when))
        amount.append(minor)
        level.append(lvl)
        reason.append(why)
        promised.append(NAT if by is None else (by - _EPOCH_DATE).days)

    for i, inv in enumerate(invoices):
        if not isinstance(inv, Invoice):
            raise InvalidRecordError(
                row=i, field="invoice", value=inv, expected="a kpicore.model.Invoice"
            )
        number = inv.number
        if number in seen:
            raise InvalidRecordError(
                record=number,
                row=i,
                field="number",
                value=number,
                expected=f"a unique invoice number (also at row {seen[number]})",
            )
        seen[number] = i
        add(number, INVOICE_GENERATED.en, inv.issued_at, minor=inv.amount.minor)
        if inv.posted_at is not None:
            add(number, INVOICE_POSTED.en, inv.posted_at)
        for dispute in inv.disputes:
            add(number, DISPUTE_REGISTERED.en, dispute.registered_at, why=dispute.reason)
            if dispute.resolved_at is not None:
                add(number, DISPUTE_RESOLVED.en, dispute.resolved_at, why=dispute.reason)
        for letter in inv.dunning_letters:
            add(number, COLLECTION_LETTER.en, letter.sent_at, lvl=letter.level)
        for promise in inv.promises:
            minor = None if promise.amount is None else promise.amount.minor
            add(
                number, PROMISE_TO_PAY.en, promise.created_at, minor=minor,
                by=promise.promised_date,
            )  # fmt: skip
        for payment in inv.payments:
            add(number, PAYMENT_RECEIVED.en, payment.received_at, minor=payment.amount.minor)
            if payment.posted_at is not None:
                add(number, PAYMENT_POSTED.en, payment.posted_at, minor=payment.amount.minor)
        settled = inv.settled_at
        if settled is not None:
            add(number, INVOICE_SETTLED.en, settled)
        if inv.written_off_at is not None:
            add(number, INVOICE_WRITTEN_OFF.en, inv.written_off_at)
        case_cols["customer_id"][number] = inv.customer_id
        case_cols["due_date"][number] = inv.due_date
        case_cols["amount_minor"][number] = inv.amount.minor
        case_cols["currency"][number] = inv.amount.currency
        case_cols["contract_id"][number] = inv.contract_id
        case_cols["collector"][number] = inv.collector
        case_cols["source_system"][number] = inv.source_system
    cols: dict[str, Any] = {
        "case:concept:name": case_ids,
        "concept:name": acts,
        "time:timestamp": np.array(stamps, dtype=np.int64).view("datetime64[ns]"),
        "amount_minor": amount,
        "dunning_level": level,
        "dispute_reason": reason,
        # a date column even when no invoice has a promise
        "promised_date": np.array(promised, dtype=np.int64).view("datetime64[D]"),
    }
    return cols, case_cols


def add_due_date_passed(
    log: EventLog,
    as_of: _dt.date | _dt.datetime,
    *,
    due_date: str = "due_date",
    closed_by: ActivitySpec = (INVOICE_SETTLED.en, INVOICE_WRITTEN_OFF.en),
    tz: _dt.tzinfo | None = None,
) -> EventLog:
    """Add a calculated *Due Date Passed* event to every invoice overdue as of ``as_of``.

    Parameters
    ----------
    log:
        The log; it needs a case attribute ``due_date`` (dates, or instants).
    as_of:
        A date (its end, see :func:`kpicore.periods.as_of_ns`) or an aware
        datetime.
    due_date:
        Name of the due-date case attribute.
    closed_by:
        Activities that close an invoice (default *Invoice Settled* and
        *Invoice Written Off*).
    tz:
        Zone of the calendar: the due date ``D`` passes at 00:00 of ``D+1``
        in ``tz`` (UTC by default); also applies to a date ``as_of``.

    Returns
    -------
    EventLog
        The log with one *Due Date Passed* event (timestamp: the instant the
        due date passed) for each case whose due date passed strictly before
        the ``as_of`` instant (as everywhere, what happens at ``as_of`` itself
        is not yet known) and that was not closed before that instant. Cases without a due
        date, or already holding a *Due Date Passed* event, get none.

    Notes
    -----
    The template's calculated event has "timestamp = due date"; kpicore
    stamps the end of that day, so a payment made on the due date itself
    comes before the event and the invoice is not overdue. Insertion is a
    vectorised O(n) merge (no re-sort). Ties with existing events at the
    same instant: the new event goes after them.
    """
    from ._log import EventLog

    col = log._case_attrs.get(due_date)
    if col is None:
        raise MissingDataError(
            f"no case attribute {due_date!r} (the due date); case attributes: "
            f"{list(log.case_attribute_names)}"
        )
    if col.kind == "date":
        days = col.data
        valid = days != NAT
        passed = np.where(valid, (days + 1) * _NS_PER_DAY, NAT)
        if tz is not None:
            passed = localize_wall(passed, valid, tz)
    elif col.kind == "datetime":
        passed = col.data
        valid = passed != NAT
    else:
        raise InvalidParameterError(
            f"case attribute {due_date!r} holds {col.kind} values, not dates"
        )
    limit = as_of_ns(as_of, tz=tz)
    closed_idx = log._occurrence_index(closed_by, "first")
    closed_ns = _scan.take_ts(log._ts, closed_idx)
    lut_due = log._role(DUE_DATE_PASSED.en, param="due date passed")
    already = np.zeros(log.n_cases, dtype=bool)
    if log.n_events:
        already[log._case[lut_due[log._act]]] = True
    add = valid & (passed < limit) & ((closed_idx < 0) | (closed_ns >= passed)) & ~already
    new_cases = np.flatnonzero(add).astype(np.int64)
    if new_cases.shape[0] == 0:
        return log
    new_ts = passed[new_cases]
    # activity code of "Due Date Passed": an existing label mapping to it, or a new label
    labels = log._act_labels
    existing = np.flatnonzero(lut_due[: labels.shape[0]])
    if existing.shape[0]:
        act_labels = labels
        act_code = int(existing[0])
        act = log._act.astype(np.int64)
    else:
        act_labels = np.sort(np.append(labels, DUE_DATE_PASSED.en).astype(object))
        act_code = int(np.searchsorted(act_labels, DUE_DATE_PASSED.en))
        act = log._act.astype(np.int64)
        act = np.where(act >= act_code, act + 1, act)
    # insertion point in each case: after its events with ts <= the new instant
    per_case_new = np.full(log.n_cases, NAT, dtype=np.int64)
    per_case_new[new_cases] = new_ts
    before = np.zeros(log.n_cases, dtype=np.int64)
    if log.n_events:
        flag = (log._ts <= per_case_new[log._case]) & add[log._case]
        before = np.bincount(log._case[flag], minlength=log.n_cases).astype(np.int64)
    positions = log._starts[new_cases] + before[new_cases]
    case = np.insert(log._case.astype(np.int64), positions, new_cases)
    act = np.insert(act, positions, act_code)
    ts = np.insert(log._ts, positions, new_ts)
    attrs: dict[str, Column] = {}
    for name, c in log._attrs.items():
        filler = c.null_like(new_cases.shape[0])
        kind = c.kind if c.kind == filler.kind else "float"
        base = c.data.astype(np.float64) if kind == "float" else c.data
        attrs[name] = Column(kind, np.insert(base, positions, filler.data), c.labels)
    return EventLog._make(
        case=case,
        act=act,
        ts=ts,
        case_labels=log._case_labels,
        act_labels=np.asarray(act_labels, dtype=object),
        attrs=attrs,
        case_attrs=log._case_attrs,
        activity_map=log._activity_map,
        dropped=log._dropped,
        conflicts=log._conflicts,
    )
