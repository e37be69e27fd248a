"""Event logs implied by invoices, and calculated *Due Date Passed* events."""

from __future__ import annotations

import datetime as _dt
import itertools
import operator
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


def invoice_columns(
    invoices: Iterable[Invoice],
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Event columns and per-case attribute mappings for :meth:`EventLog.from_invoices`."""
    from kpicore.model import Invoice

    # one list per column with bound appends: no function call per event, and no
    # tuple per event either (millions of fresh tuples would trigger the cyclic
    # garbage collector over the invoices again and again)
    case_ids: list[str] = []
    acts: list[str] = []
    whens: list[_dt.datetime] = []
    amounts: list[int | None] = []
    # dunning levels and dispute reasons are rare: (event row, value) pairs
    level_rows: list[int] = []
    level_values: list[int] = []
    reason_rows: list[int] = []
    reason_values: list[str | None] = []
    a_case, a_act, a_when = case_ids.append, acts.append, whens.append
    a_amount = amounts.append
    promised_at: list[int] = []  # event rows with a promised date
    promised_days: list[int] = []  # days since 1970-01-01
    case_cols: dict[str, dict[str, Any]] = {
        "customer_id": {},
        "due_date": {},
        "amount_minor": {},
        "currency": {},
        "contract_id": {},
        "collector": {},
        "source_system": {},
    }
    customer_col = case_cols["customer_id"]
    due_col = case_cols["due_date"]
    amount_col = case_cols["amount_minor"]
    currency_col = case_cols["currency"]
    contract_col = case_cols["contract_id"]
    collector_col = case_cols["collector"]
    source_col = case_cols["source_system"]
    seen: dict[str, int] = {}
    generated, posted = INVOICE_GENERATED.en, INVOICE_POSTED.en
    registered, resolved = DISPUTE_REGISTERED.en, DISPUTE_RESOLVED.en
    letter_act, promise_act = COLLECTION_LETTER.en, PROMISE_TO_PAY.en
    received, payment_posted = PAYMENT_RECEIVED.en, PAYMENT_POSTED.en
    settled_act, written_off = INVOICE_SETTLED.en, INVOICE_WRITTEN_OFF.en

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
        amount = inv.amount
        a_case(number)
        a_act(generated)
        a_when(inv.issued_at)
        a_amount(amount.minor)
        if inv.posted_at is not None:
            a_case(number)
            a_act(posted)
            a_when(inv.posted_at)
            a_amount(None)
        for dispute in inv.disputes:
            reason_rows.append(len(case_ids))
            reason_values.append(dispute.reason)
            a_case(number)
            a_act(registered)
            a_when(dispute.registered_at)
            a_amount(None)
            if dispute.resolved_at is not None:
                reason_rows.append(len(case_ids))
                reason_values.append(dispute.reason)
                a_case(number)
                a_act(resolved)
                a_when(dispute.resolved_at)
                a_amount(None)
        for letter in inv.dunning_letters:
            level_rows.append(len(case_ids))
            level_values.append(letter.level)
            a_case(number)
            a_act(letter_act)
            a_when(letter.sent_at)
            a_amount(None)
        for promise in inv.promises:
            minor = None if promise.amount is None else promise.amount.minor
            if promise.promised_date is not None:
                promised_at.append(len(case_ids))
                promised_days.append((promise.promised_date - _EPOCH_DATE).days)
            a_case(number)
            a_act(promise_act)
            a_when(promise.created_at)
            a_amount(minor)
        for payment in inv.payments:
            paid = payment.amount.minor
            a_case(number)
            a_act(received)
            a_when(payment.received_at)
            a_amount(paid)
            if payment.posted_at is not None:
                a_case(number)
                a_act(payment_posted)
                a_when(payment.posted_at)
                a_amount(paid)
        settled = inv.settled_at
        if settled is not None:
            a_case(number)
            a_act(settled_act)
            a_when(settled)
            a_amount(None)
        if inv.written_off_at is not None:
            a_case(number)
            a_act(written_off)
            a_when(inv.written_off_at)
            a_amount(None)
        customer_col[number] = inv.customer_id
        due_col[number] = inv.due_date
        amount_col[number] = amount.minor
        currency_col[number] = amount.currency
        contract_col[number] = inv.contract_id
        collector_col[number] = inv.collector
        source_col[number] = inv.source_system
    n = len(case_ids)
    # d - epoch, then // 1 µs, through C-level callables only (no Python frame per event)
    deltas = map(operator.sub, whens, itertools.repeat(_EPOCH))
    stamps = np.fromiter(
        map(operator.floordiv, deltas, itertools.repeat(_US)), dtype=np.int64, count=n
    )
    stamps *= 1000
    levels = np.full(n, None, dtype=object)
    levels[np.array(level_rows, dtype=np.int64)] = level_values
    reasons = np.full(n, None, dtype=object)
    reasons[np.array(reason_rows, dtype=np.int64)] = reason_values
    promised = np.full(n, NAT, dtype=np.int64)  # a date column even when no invoice has one
    promised[np.array(promised_at, dtype=np.int64)] = np.array(promised_days, dtype=np.int64)
    cols: dict[str, Any] = {
        "case:concept:name": case_ids,
        "concept:name": acts,
        "time:timestamp": stamps.view("datetime64[ns]"),
        "amount_minor": amounts,
        "dunning_level": levels,
        "dispute_reason": reasons,
        "promised_date": promised.view("datetime64[D]"),
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
    new_cases = np.flatnonzero(add).astype(np.int64, copy=False)
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
