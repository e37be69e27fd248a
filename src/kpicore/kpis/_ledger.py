"""The one input-normalisation path of the invoice KPIs: data -> EventLog -> Ledger.

This module and :mod:`kpicore.kpis._events` are the **shared internal layer**
of the KPI modules (dso, overdue, disputes, dunning, collections, case_table):
their names without a leading underscore are stable within kpicore and are
what the KPI modules import; no KPI module imports another KPI module's
underscore names, and none reaches into EventLog's internals (only its
public methods). Users import the public KPI functions instead.

Every invoice KPI (DSO, aging, days overdue, disputes, dunning, ...) accepts
:data:`InvoiceData` -- a sequence of :class:`~kpicore.model.Invoice` objects
or an :class:`~kpicore.eventlog.EventLog` -- and normalises it here, once:

1. :func:`as_log` turns invoices into the columnar log
   (:meth:`EventLog.from_invoices`); a log passes through. There is no second,
   object-based implementation of any KPI (one computational core).
2. :func:`ledger` reduces the log, *as of* an instant, to one row per invoice
   (a :class:`Ledger` of numpy arrays): issue instant, due date, amount,
   currency, amount paid, first payment, settlement, write-off, open amount,
   open disputes and status. It is a handful of vectorised scans over the
   events (no Python loop per event or per case).

:class:`Roles` says which activity plays which role (payment, settlement,
...) and which attributes hold the due date and the amounts, so a log with
its own vocabulary needs no renaming. :func:`group_keys` resolves ``by=`` for
both kinds of input, and :class:`InvoiceDays` is the shared result of the
per-invoice day counts (DSO per invoice, days overdue, days late, ...).

Per-log cache
-------------
The work that every KPI repeats on a log -- the role scans
(:func:`role_events`), the as-of-independent part of the ledger
(:func:`prepare_ledger`), the ledgers and dispute episodes (:func:`episodes`)
of the most recent as-of bounds (:data:`RECENT_PER_LOG`) -- is memoised per
EventLog (:func:`memo`) and dropped when the log is garbage-collected, so
several KPIs on one log scan it once. Everything cached is immutable
(read-only arrays, frozen objects), so a cached answer is the answer;
:func:`clear_cache` empties the cache.

The ledger is lazy: :class:`Ledger` and :class:`PreparedLedger` compute each
column on first use and keep it, so a KPI pays only for the scans it reads
(``invoice_dso`` never pairs disputes; ``aging`` needs the covering payment's
instant only when a payment amount is negative). A ledger refers to its log
weakly, so that the cache never keeps a log alive; the KPI modules call
:func:`ledger_of` on a log they hold, while the public :func:`ledger` computes
every column before returning.

Time convention
---------------
As in :mod:`kpicore.model.invoice`: an event is known *as of* ``t`` when it
happened strictly before ``t``; a date ``D`` means the end of ``D``
(:func:`kpicore.periods.as_of_ns`); ``None`` means everything recorded.

Examples
--------
>>> import datetime as dt
>>> from kpicore.model import Invoice, Payment
>>> from kpicore.money import Money
>>> invs = [Invoice("F-1", "C1", "2024-02-01", "2024-02-10", Money.of(100, "BRL"),
...                 payments=[Payment("2024-02-05", Money.of(40, "BRL")),
...                           Payment("2024-02-12", Money.of(60, "BRL"))])]
>>> lg = ledger(invs, as_of=dt.date(2024, 2, 6))
>>> lg.paid_minor.tolist(), lg.open_minor.tolist(), lg.status_names.tolist()
([4000], [6000], ['partially_paid'])
>>> str(ledger(invs).settled_at[0])
'2024-02-12T00:00:00.000000000'
"""

from __future__ import annotations

import collections
import datetime as _dt
import functools
import threading
import weakref
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, Final, TypeAlias, TypeVar

import attrs
import numpy as np
import numpy.typing as npt

from kpicore.activities import (
    COLLECTION_LETTER,
    DISPUTE_REGISTERED,
    DISPUTE_RESOLVED,
    INVOICE_GENERATED,
    INVOICE_POSTED,
    INVOICE_SETTLED,
    INVOICE_WRITTEN_OFF,
    PAYMENT_POSTED,
    PAYMENT_RECEIVED,
    PROMISE_TO_PAY,
    Activity,
)
from kpicore.errors import InvalidParameterError, InvalidRecordError, KpiError
from kpicore.eventlog import Episodes, EventLog
from kpicore.grouping import By, Grouping, make_grouping, resolve_by
from kpicore.model import Customer, Invoice, customers_by_id
from kpicore.money import Money, currency_exponent
from kpicore.periods import Freq, as_of_ns, bucket
from kpicore.results import Breakdown, Result, freeze, plain, to_jsonable
from kpicore.results import read_only as ro
from kpicore.summary import DEFAULT_PERCENTILES, Summary
from kpicore.threads import run_all

__all__ = [
    "DEFAULT_ROLES",
    "MAX_NS",
    "MISSING",
    "NS_PER_DAY",
    "NS_PER_DAY_F",
    "RECENT_PER_LOG",
    "STATUS_DISPUTED",
    "STATUS_LABELS_PT",
    "STATUS_NAMES",
    "STATUS_NOT_ISSUED",
    "STATUS_NO_ISSUE_EVENT",
    "STATUS_OPEN",
    "STATUS_PAID",
    "STATUS_PARTIALLY_PAID",
    "STATUS_WRITTEN_OFF",
    "InvoiceData",
    "InvoiceDays",
    "Ledger",
    "PreparedLedger",
    "Roles",
    "as_index",
    "as_log",
    "as_log_with_invoices",
    "build_ledger",
    "cached_logs",
    "check_bool",
    "check_choice",
    "check_int",
    "check_roles",
    "clear_cache",
    "episodes",
    "epoch_days",
    "first_ns_per_case",
    "first_role_ns",
    "freeze",
    "group_keys",
    "grouping",
    "heads",
    "invoice_days",
    "item_grouping",
    "ledger",
    "ledger_at",
    "ledger_of",
    "ledgers",
    "limit_ns",
    "memo",
    "minor_values",
    "money_totals",
    "plain",
    "prepare_ledger",
    "ro",
    "role_events",
    "run_sums",
    "to_day",
]

#: A sequence of :class:`~kpicore.model.Invoice` objects, or an EventLog.
InvoiceData: TypeAlias = Sequence[Invoice] | EventLog

#: The "no value" sentinel of the int64 ledger arrays (numpy's NaT bit pattern).
MISSING: Final[int] = int(np.iinfo(np.int64).min)
#: The "no bound" as-of instant (int64 max): everything recorded is known.
MAX_NS: Final[int] = int(np.iinfo(np.int64).max)

#: :attr:`Ledger.is_open` reads only the payments of the invoices not closed by an
#: event when those invoices hold at most this share of the log's events (then their
#: events are gathered, not the whole log's payments scanned).
CANDIDATE_EVENTS_MAX: float = 0.25

#: Nanoseconds per day (int, and float for day counts of durations).
NS_PER_DAY: Final[int] = 86_400_000_000_000
NS_PER_DAY_F: Final[float] = 86_400e9
_EPOCH_DATE: Final[_dt.date] = _dt.date(1970, 1, 1)

#: Status codes of :attr:`Ledger.status` (index into :data:`STATUS_NAMES`).
STATUS_OPEN: Final[int] = 0
STATUS_PARTIALLY_PAID: Final[int] = 1
STATUS_DISPUTED: Final[int] = 2
STATUS_PAID: Final[int] = 3
STATUS_WRITTEN_OFF: Final[int] = 4
STATUS_NOT_ISSUED: Final[int] = 5
STATUS_NO_ISSUE_EVENT: Final[int] = 6
#: Names of the status codes (the first five are :class:`~kpicore.model.InvoiceStatus` values).
STATUS_NAMES: Final[tuple[str, ...]] = (
    "open",
    "partially_paid",
    "disputed",
    "paid",
    "written_off",
    "not_issued",
    "no_issue_event",
)
#: pt-BR labels of the status codes.
STATUS_LABELS_PT: Final[tuple[str, ...]] = (
    "Em Aberto",
    "Parcialmente Pago",
    "Em Disputa",
    "Pago",
    "Baixado como Perda",
    "Não Emitida",
    "Sem Evento de Emissão",
)

_I64 = npt.NDArray[np.int64]
_B = npt.NDArray[np.bool_]
_F64 = npt.NDArray[np.float64]
_T = TypeVar("_T")
#: No positions (read-only, shared).
_NO_POSITIONS: Final[_I64] = ro(np.zeros(0, dtype=np.int64))

# ---------------------------------------------------------------------------------- roles

ActivityRole: TypeAlias = str | Activity | tuple[str | Activity, ...]


def _role_converter(value: Any) -> Any:
    if isinstance(value, str | Activity):
        return value
    if isinstance(value, Iterable):
        return tuple(value)
    return value


def _check_role(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    items = value if isinstance(value, tuple) else (value,)
    if not items:
        raise InvalidParameterError(f"Roles.{attribute.name}: an empty tuple of activities")
    for item in items:
        if isinstance(item, Activity):
            continue
        if not isinstance(item, str) or not item.strip():
            raise InvalidParameterError(
                f"Roles.{attribute.name}: expected an activity name, an Activity or a tuple "
                f"of them, got {value!r}"
            )


def _check_name(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise InvalidParameterError(
            f"Roles.{attribute.name}: expected an attribute name (non-empty str), got {value!r}"
        )


def _check_default_currency(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        if not isinstance(value, str):
            raise InvalidParameterError(
                f"Roles.default_currency: expected a currency code, got {value!r}"
            )
        currency_exponent(value)  # raises InvalidParameterError for an unknown code


@attrs.frozen
class Roles:
    """Which activity plays each role, and which attributes hold the invoice's data.

    Every invoice KPI takes ``roles: Roles = Roles()``. The defaults are the
    canonical English activity names and the attribute names
    :meth:`EventLog.from_invoices` writes; pt-BR labels and a log's
    ``activity_map`` are understood as everywhere in kpicore. A role may be a
    name, an :class:`~kpicore.activities.Activity` or a tuple of them (any of
    which plays the role).

    Attributes
    ----------
    generated, posted, payment, payment_posted, settled, written_off
        Invoice Generated (the issue instant), Invoice Posted and Sent,
        Payment Received, Payment Posted, Invoice Settled, Invoice Written Off.
    dispute_registered, dispute_resolved, letter, promise
        Dispute Registered, Dispute Resolved, Collection Letter Generated,
        Promise to Pay Created.
    due_date : str
        Case attribute of the due date (dates; instants are taken at their
        UTC date; ISO date strings are parsed).
    invoice_amount : str
        Case attribute of the invoice amount in integer minor units
        (``"amount_minor"``, as written by ``from_invoices`` and
        :func:`kpicore.synth.synth_event_columns`).
    currency : str
        Case attribute of the ISO 4217 currency code.
    payment_amount : str
        Event attribute of the amount of each payment event, minor units
        (``"amount_minor"``).
    dunning_level, dispute_reason, promised_date : str
        Event attributes of letters, disputes and promises.
    default_currency : str or None
        Currency of cases without one (for logs with no currency column);
        ``None``: such cases count as ``missing_currency``.

    Examples
    --------
    >>> Roles().payment
    'Payment Received'
    >>> r = Roles(payment=("Boleto pago", "PIX recebido"), default_currency="BRL")
    >>> r.payment
    ('Boleto pago', 'PIX recebido')
    >>> Roles(payment=[])
    Traceback (most recent call last):
    ...
    kpicore.errors.InvalidParameterError: Roles.payment: an empty tuple of activities
    """

    generated: ActivityRole = attrs.field(
        default=INVOICE_GENERATED.en, converter=_role_converter, validator=_check_role
    )
    posted: ActivityRole = attrs.field(
        default=INVOICE_POSTED.en, converter=_role_converter, validator=_check_role
    )
    payment: ActivityRole = attrs.field(
        default=PAYMENT_RECEIVED.en, converter=_role_converter, validator=_check_role
    )
    payment_posted: ActivityRole = attrs.field(
        default=PAYMENT_POSTED.en, converter=_role_converter, validator=_check_role
    )
    settled: ActivityRole = attrs.field(
        default=INVOICE_SETTLED.en, converter=_role_converter, validator=_check_role
    )
    written_off: ActivityRole = attrs.field(
        default=INVOICE_WRITTEN_OFF.en, converter=_role_converter, validator=_check_role
    )
    dispute_registered: ActivityRole = attrs.field(
        default=DISPUTE_REGISTERED.en, converter=_role_converter, validator=_check_role
    )
    dispute_resolved: ActivityRole = attrs.field(
        default=DISPUTE_RESOLVED.en, converter=_role_converter, validator=_check_role
    )
    letter: ActivityRole = attrs.field(
        default=COLLECTION_LETTER.en, converter=_role_converter, validator=_check_role
    )
    promise: ActivityRole = attrs.field(
        default=PROMISE_TO_PAY.en, converter=_role_converter, validator=_check_role
    )
    due_date: str = attrs.field(default="due_date", validator=_check_name)
    invoice_amount: str = attrs.field(default="amount_minor", validator=_check_name)
    currency: str = attrs.field(default="currency", validator=_check_name)
    payment_amount: str = attrs.field(default="amount_minor", validator=_check_name)
    dunning_level: str = attrs.field(default="dunning_level", validator=_check_name)
    dispute_reason: str = attrs.field(default="dispute_reason", validator=_check_name)
    promised_date: str = attrs.field(default="promised_date", validator=_check_name)
    default_currency: str | None = attrs.field(default=None, validator=_check_default_currency)


#: The default :class:`Roles` (a module-level singleton for argument defaults).
DEFAULT_ROLES: Final[Roles] = Roles()

# ---------------------------------------------------------------------------------- input


def as_log_with_invoices(
    data: InvoiceData | Iterable[Invoice], *, activity_map: Mapping[str, str] | None = None
) -> tuple[EventLog, list[Invoice] | None]:
    """The log of ``data`` (see :func:`as_log`) and, for object input, the invoices.

    KPIs keep the invoices to resolve ``by=`` on the objects' own attributes.

    Examples
    --------
    >>> from kpicore.model import Invoice
    >>> from kpicore.money import Money
    >>> inv = Invoice("F-1", "C1", "2024-01-01", "2024-01-31", Money.of(5, "BRL"))
    >>> log, invoices = as_log_with_invoices([inv])
    >>> log.n_cases, invoices == [inv], as_log_with_invoices(log)[1]
    (1, True, None)
    """
    if isinstance(data, EventLog):
        log = data if activity_map is None else data.with_activity_map(activity_map)
        return log, None
    if isinstance(data, str | bytes) or not isinstance(data, Iterable):
        raise InvalidParameterError(
            "data must be a sequence of kpicore.model.Invoice or an EventLog, "
            f"got {type(data).__name__}"
        )
    invoices = list(data)
    return EventLog.from_invoices(invoices, activity_map=activity_map), invoices


def as_log(
    data: InvoiceData | Iterable[Invoice], *, activity_map: Mapping[str, str] | None = None
) -> EventLog:
    """The event log of invoice data: invoices are converted, a log passes through.

    Parameters
    ----------
    data : sequence of Invoice or EventLog
        Invoices become :meth:`EventLog.from_invoices`; a log is returned as
        it is (with ``activity_map`` applied when given).
    activity_map : mapping, optional
        Source label -> canonical activity name.

    Returns
    -------
    EventLog

    Raises
    ------
    InvalidParameterError
        If ``data`` is neither.
    InvalidRecordError
        For an item that is not an Invoice, or a repeated invoice number.

    Examples
    --------
    >>> from kpicore.model import Invoice
    >>> from kpicore.money import Money
    >>> log = as_log([Invoice("F-1", "C1", "2024-01-01", "2024-01-31", Money.of(5, "BRL"))])
    >>> log.n_cases, as_log(log) is log
    (1, True)
    """
    return as_log_with_invoices(data, activity_map=activity_map)[0]


# ---------------------------------------------------------------------------------- ledger


def check_int(value: object, name: str, low: int) -> int:
    """``value`` as an int when it is a whole number >= ``low`` (not a bool), else
    InvalidParameterError naming the parameter.

    Examples
    --------
    >>> check_int(np.int64(3), "months", 1)
    3
    >>> check_int(0, "months", 1)
    Traceback (most recent call last):
    ...
    kpicore.errors.InvalidParameterError: months must be an integer >= 1, got 0
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise InvalidParameterError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def check_bool(value: object, name: str) -> bool:
    """``value`` when it is True or False, else InvalidParameterError naming the parameter."""
    if not isinstance(value, bool):
        raise InvalidParameterError(f"{name} must be True or False, got {value!r}")
    return value


def check_choice(value: object, name: str, choices: tuple[object, ...]) -> None:
    """InvalidParameterError unless ``value`` is one of ``choices`` (a bool never is).

    Examples
    --------
    >>> check_choice("sum", "how", ("mean", "median"))
    Traceback (most recent call last):
    ...
    kpicore.errors.InvalidParameterError: how='sum': expected one of 'mean', 'median'
    """
    if isinstance(value, bool) or value not in choices:
        raise InvalidParameterError(
            f"{name}={value!r}: expected one of {', '.join(repr(c) for c in choices)}"
        )


def check_roles(roles: object) -> Roles:
    """``roles`` itself, or InvalidParameterError when it is not a :class:`Roles`."""
    if not isinstance(roles, Roles):
        raise InvalidParameterError(f"roles must be a Roles, got {type(roles).__name__}")
    return roles


def heads(c: npt.NDArray[Any]) -> _B:
    """True at the first element of each run of equal values of ``c``.

    Examples
    --------
    >>> heads(np.array([4, 4, 7])).tolist()
    [True, False, True]
    """
    out = np.ones(c.shape[0], dtype=bool)
    if c.shape[0]:
        np.not_equal(c[1:], c[:-1], out=out[1:])
    return out


def first_per_case(case: npt.NDArray[Any], idx: _I64) -> tuple[npt.NDArray[Any], _I64]:
    """Of the ascending event indices ``idx``, the first in each case: its case and index.

    Examples
    --------
    >>> c, i = first_per_case(np.array([0, 0, 2, 2]), np.array([0, 1, 3]))
    >>> c.tolist(), i.tolist()
    ([0, 2], [0, 3])
    """
    c = case[idx]
    h = heads(c)
    if not bool(h.all()):  # compact to the first event of each case
        c, idx = np.compress(h, c), np.compress(h, idx)  # faster than c[h] (numpy 2)
    return c, idx


def first_ns_per_case(case: npt.NDArray[Any], ts: _I64, idx: _I64, n: int) -> _I64:
    """Per case, the instant of the first of the ascending event indices ``idx`` in it
    (MISSING if none).

    Examples
    --------
    >>> out = first_ns_per_case(np.array([0, 0, 2]), np.array([5, 6, 7]), np.array([1, 2]), 3)
    >>> out.tolist() == [6, MISSING, 7]
    True
    """
    if not idx.shape[0]:
        return np.full(n, MISSING, dtype=np.int64)
    c, idx = first_per_case(case, idx)
    if c.shape[0] == n:  # one per case, ascending: c is 0..n-1, a gather suffices
        return ts[idx]
    out = np.full(n, MISSING, dtype=np.int64)
    out[as_index(c)] = ts[idx]
    return out


def run_ends(runs: _I64, m: int) -> _I64:
    """The last position of each run, the runs starting at the ascending positions
    ``runs`` (the first 0) and partitioning ``m`` positions.

    Examples
    --------
    >>> run_ends(np.array([0, 2, 3]), 6).tolist()
    [1, 2, 5]
    """
    out: _I64 = np.empty_like(runs)
    if runs.shape[0]:
        np.subtract(runs[1:], 1, out=out[:-1])
        out[-1] = m - 1
    return out


def run_sums(values: _I64, ends: npt.NDArray[Any], *, overwrite: bool = False) -> _I64:
    """Exact int64 sum of each run of ``values``, the runs partitioning it and ending at
    the ascending positions ``ends`` (the last one ``len(values) - 1``).

    With ``overwrite`` the cumulative sum is written into ``values`` (an int64
    array the caller no longer needs): no second array of its size.

    The steps of the cumulative sum between run ends: about four times faster than
    ``np.add.reduceat`` when runs are short (a case's one or two payments), which pays
    per run. int64 arithmetic wraps, so each step is exact whenever the run's own sum
    fits in int64, even when the cumulative sum over all runs does not.

    Examples
    --------
    >>> run_sums(np.array([1, 2, 3, 4]), np.array([0, 3])).tolist()
    [1, 9]
    """
    if not ends.shape[0]:
        return np.zeros(0, dtype=np.int64)
    if overwrite:
        np.cumsum(values, out=values)
        at_end: _I64 = values[ends]
    else:
        at_end = np.cumsum(values, dtype=np.int64)[ends]
    out: _I64 = np.empty_like(at_end)
    out[0] = at_end[0]
    np.subtract(at_end[1:], at_end[:-1], out=out[1:])
    return out


def as_index(a: npt.NDArray[Any]) -> npt.NDArray[np.intp]:
    """``a`` as ``intp`` for indexing: numpy converts a narrower index array itself, but
    through a path about three times slower than this one conversion (int32 case codes
    scattered into per-case arrays, numpy 2.x).

    Examples
    --------
    >>> as_index(np.array([2, 0], dtype=np.int32)).dtype == np.intp
    True
    """
    return a.astype(np.intp, copy=False)


def first_role_ns(log: EventLog, spec: Any, role: str) -> _I64:
    """Per case, the instant of its first event playing the role ``spec`` (MISSING if
    none): :func:`first_ns_per_case` over :func:`role_events`.

    When every case *starts* with such an event (an invoice's first event is
    usually its issue) the answer is the instant of each case's first event,
    read without scanning the log.

    Examples
    --------
    >>> log = EventLog.from_columns(case=["a", "a", "b"], activity=["X", "Y", "Y"],
    ...     timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-03T00:00Z"])
    >>> first_role_ns(log, "X", "x").tolist() == [1704067200000000000, MISSING]
    True
    >>> first_role_ns(log, "Y", "y").tolist()
    [1704153600000000000, 1704240000000000000]
    """
    codes = log.role_codes(spec, role=role)
    n = log.n_cases
    if n and codes.shape[0] <= 3 and log.every_case_has_events:
        first = log.case_starts[:-1]
        head_act = log.activity_codes[first]
        if bool(codes_in(head_act, codes).all()):
            return log.timestamps[first]
    # not memoised: the caller keeps the per-case instants, the positions are not
    # needed (unless another KPI memoised them already: then not scanned again)
    idx = memo_peek(log, ("role_events", _spec_key(spec)))
    if idx is None:
        idx = log.role_events(spec, role=role)
    return first_ns_per_case(log.case_codes, log.timestamps, idx, n)


def role_before(log: EventLog, spec: Any, role: str, limit: int) -> _B:
    """Per case, whether it has an event playing the role ``spec`` before the bound
    ``limit`` (ns): one byte per case, no per-case instant array.

    A case's events are in time order, so this is "its first such event is before
    the bound" (:func:`first_role_ns` ``< limit``) without gathering the instants of
    the cases' first events.

    Examples
    --------
    >>> log = EventLog.from_columns(case=["a", "a", "b", "c"], activity=["X", "Y", "Y", "Y"],
    ...     timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-05T00:00Z",
    ...                "2024-01-03T00:00Z"])
    >>> role_before(log, "Y", "y", 1704240000000000000).tolist()  # before 3 Jan
    [True, False, False]
    >>> role_before(log, "Y", "y", MAX_NS).tolist()
    [True, True, True]
    """
    idx = role_events(log, spec, role)  # memoised: first_role_ns reads it too
    c = log.case_codes[idx]
    if limit != MAX_NS:
        c = np.compress(log.timestamps[idx] < limit, c)
    out = np.zeros(log.n_cases, dtype=bool)
    out[as_index(c)] = True
    return out


def codes_in(act: npt.NDArray[Any], codes: npt.NDArray[Any]) -> _B:
    """Which of the activity codes ``act`` are among ``codes`` (equality masks for a
    few codes, compared as Python ints so that ``act`` is not widened).

    Examples
    --------
    >>> codes_in(np.array([3, 1, 2], dtype=np.int16), np.array([1, 3])).tolist()
    [True, True, False]
    """
    wanted = codes.tolist()
    if len(wanted) > 3:
        return np.isin(act, codes)
    out: _B = np.zeros(act.shape[0], dtype=bool)
    for code in wanted:
        out |= act == code
    return out


def event_ranges(starts: _I64, lens: _I64) -> _I64:
    """The positions ``starts[k] .. starts[k] + lens[k] - 1`` of every range ``k``,
    concatenated (ascending when the ranges are).

    Examples
    --------
    >>> event_ranges(np.array([2, 7, 9]), np.array([3, 0, 2])).tolist()
    [2, 3, 4, 9, 10]
    """
    total = int(lens.sum())
    seg = np.cumsum(lens)
    seg -= lens
    out: _I64 = np.repeat(starts - seg, lens)
    out += np.arange(total, dtype=np.int64)
    return out


def epoch_days(
    raw: npt.NDArray[Any], *, field: str, record: Callable[[int], Any], expected: str
) -> _I64:
    """Days since 1970-01-01 (MISSING where null) of dates, instants or ISO date strings.

    ``datetime64`` values are taken at their UTC date; an object array may
    hold dates and ISO ``YYYY-MM-DD`` strings (each distinct value parsed
    once). Anything else raises InvalidRecordError naming ``record(i)`` of the
    first offending row, the ``field`` and what was ``expected``. Days given as
    ``datetime64[D]`` come back as a view of ``raw`` (treat the result as read-only).

    Examples
    --------
    >>> raw = np.array(["2024-01-02", None], dtype=object)
    >>> epoch_days(raw, field="due", record=str, expected="a date").tolist() == [19724, MISSING]
    True
    """
    kind = raw.dtype.kind
    if kind == "M":
        unit, _ = np.datetime_data(raw.dtype)
        if unit in ("D", "W", "M", "Y"):  # no copy of days already stored as days
            days: _I64 = raw.astype("datetime64[D]", copy=False).view(np.int64)
            return days
        ns = raw.astype("datetime64[ns]").view(np.int64)
        return np.where(ns != MISSING, np.floor_divide(ns, NS_PER_DAY), MISSING)
    out = np.full(raw.shape[0], MISSING, dtype=np.int64)
    if kind != "O":
        valid = ~np.isnan(raw) if kind == "f" else np.ones(raw.shape[0], dtype=bool)
        if bool(valid.any()):
            i = int(np.flatnonzero(valid)[0])
            raise InvalidRecordError(
                record=record(i), field=field, value=plain(raw[i]), expected=expected
            )
        return out
    parsed: dict[Any, int] = {}
    for i, v in enumerate(raw.tolist()):
        if v is None or (isinstance(v, float) and v != v):
            continue
        day = parsed.get(v)
        if day is None:
            try:
                d = v if isinstance(v, _dt.date) else _dt.date.fromisoformat(str(v))
            except ValueError:
                raise InvalidRecordError(
                    record=record(i), field=field, value=v, expected=expected
                ) from None
            day = parsed[v] = (d - _EPOCH_DATE).days
        out[i] = day
    return out


def limit_ns(as_of: _dt.date | _dt.datetime | None, tz: _dt.tzinfo | None) -> int:
    """The exclusive as-of bound in ns (:data:`MAX_NS` for None: everything known)."""
    return MAX_NS if as_of is None else as_of_ns(as_of, tz=tz)


# ---------------------------------------------------------------------------------- cache
#
# Per-log work (role scans, the ledger's preparation, ledgers per as-of bound,
# episodes) is memoised per EventLog. An EventLog compares by value and is not
# hashable, so the table is keyed by the log's identity and each entry holds a
# weak reference whose callback drops the entry when the log is collected
# (a weakref.WeakKeyDictionary needs hashable keys). Values are read-only
# arrays or frozen objects: sharing them between calls cannot change a result.

_CACHE_LOCK: Final = threading.Lock()
_CACHES: dict[int, tuple[weakref.ReferenceType[EventLog], _Tables]] = {}
#: How many as-of-dependent values (ledgers, episodes, ... of one bound) each log keeps.
RECENT_PER_LOG: Final[int] = 12


class _Tables:
    """The memo of one log: values kept while it lives, and recent as-of-dependent ones."""

    __slots__ = ("kept", "recent")

    def __init__(self) -> None:
        self.kept: dict[Hashable, Any] = {}
        self.recent: collections.OrderedDict[Hashable, Any] = collections.OrderedDict()


def _forget(key: int, ref: weakref.ReferenceType[EventLog]) -> None:
    # called while the log is being collected, maybe inside a locked section of
    # this thread: no lock here (dict operations are atomic)
    entry = _CACHES.get(key)
    if entry is not None and entry[0] is ref:
        _CACHES.pop(key, None)


def _tables(log: EventLog) -> _Tables:
    key = id(log)
    with _CACHE_LOCK:
        entry = _CACHES.get(key)
        if entry is None or entry[0]() is not log:
            entry = (weakref.ref(log, functools.partial(_forget, key)), _Tables())
            _CACHES[key] = entry
        return entry[1]


def memo(
    log: EventLog, key: Hashable, compute: Callable[[], _T], *, as_of_dependent: bool = False
) -> _T:
    """``compute()`` once per log and key (thread-safe; dropped with the log).

    ``compute`` must return an immutable value (read-only arrays, frozen
    objects). Values that depend on an as-of bound (``as_of_dependent=True``)
    are kept for the :data:`RECENT_PER_LOG` most recently used keys only; the
    others as long as the log lives. Two threads may both compute a missing
    value; the first stored one wins. An unhashable key is not cached.

    Examples
    --------
    >>> log = EventLog.from_columns(case=["a"], activity=["X"], timestamp=["2024-01-01T00:00Z"])
    >>> memo(log, "n", lambda: 1), memo(log, "n", lambda: 2)
    (1, 1)
    """
    try:
        hash(key)
    except TypeError:
        return compute()
    tables = _tables(log)
    table = tables.recent if as_of_dependent else tables.kept
    with _CACHE_LOCK:
        if key in table:
            if as_of_dependent:
                tables.recent.move_to_end(key)
            return table[key]  # type: ignore[no-any-return]
    value = compute()
    with _CACHE_LOCK:
        value = table.setdefault(key, value)
        if as_of_dependent:
            tables.recent.move_to_end(key)
            while len(tables.recent) > RECENT_PER_LOG:
                tables.recent.popitem(last=False)
        return value


def cached_logs() -> int:
    """How many logs currently have memoised work (for tests and benchmarks)."""
    with _CACHE_LOCK:
        return sum(1 for ref, _ in _CACHES.values() if ref() is not None)


def has_memo(log: EventLog) -> bool:
    """Whether ``log`` holds memoised work (a KPI ran on it since it was built or cleared).

    Examples
    --------
    >>> log = EventLog.from_columns(case=["a"], activity=["X"], timestamp=["2024-01-01T00:00Z"])
    >>> has_memo(log), memo(log, "n", lambda: 1), has_memo(log)
    (False, 1, True)
    """
    with _CACHE_LOCK:
        entry = _CACHES.get(id(log))
        if entry is None or entry[0]() is not log:
            return False
        return bool(entry[1].kept or entry[1].recent)


def clear_cache(log: EventLog | None = None) -> None:
    """Drop the memoised work of ``log`` (of every log when None)."""
    with _CACHE_LOCK:
        if log is None:
            _CACHES.clear()
        else:
            entry = _CACHES.get(id(log))
            if entry is not None and entry[0]() is log:
                del _CACHES[id(log)]


def _spec_key(spec: Any) -> Hashable:
    if isinstance(spec, str | Activity):
        return spec
    if isinstance(spec, Iterable):
        return tuple(spec)
    return repr(spec)  # not a role: EventLog.role_events raises for it


def memo_peek(log: EventLog, key: Hashable) -> Any:
    """The as-of-independent value :func:`memo` keeps for ``log`` and ``key``, or None
    (nothing is computed).

    Examples
    --------
    >>> log = EventLog.from_columns(case=["a"], activity=["X"], timestamp=["2024-01-01T00:00Z"])
    >>> memo_peek(log, "k") is None, memo(log, "k", lambda: 3), memo_peek(log, "k")
    (True, 3, 3)
    """
    try:
        hash(key)
    except TypeError:
        return None
    tables = _tables(log)
    with _CACHE_LOCK:
        return tables.kept.get(key)


def role_events(log: EventLog, spec: Any, role: str = "activity") -> _I64:
    """:meth:`EventLog.role_events`, memoised per log (read-only).

    Examples
    --------
    >>> log = EventLog.from_columns(case=["a", "a"], activity=["X", "Y"],
    ...     timestamp=["2024-01-01T00:00Z"] * 2)
    >>> role_events(log, "Y").tolist()
    [1]
    """
    return memo(
        log, ("role_events", _spec_key(spec)), lambda: ro(log.role_events(spec, role=role))
    )


def episodes(log: EventLog, start: Any, end: Any, limit: int, match: str) -> Episodes:
    """:meth:`EventLog.episodes` as of the bound ``limit`` (:data:`MAX_NS`: all), memoised.

    Examples
    --------
    >>> log = EventLog.from_columns(case=["a"], activity=["Dispute Registered"],
    ...     timestamp=["2024-01-01T00:00Z"])
    >>> episodes(log, "Dispute Registered", "Dispute Resolved", MAX_NS, "fifo").counts["open"]
    1
    """
    key = ("episodes", _spec_key(start), _spec_key(end), match, limit)
    as_of = None if limit == MAX_NS else limit
    return memo(
        log,
        key,
        lambda: log.episodes(start, end, match=match, as_of=as_of),  # type: ignore[arg-type]
        as_of_dependent=limit != MAX_NS,
    )


class Ledger:
    """One row per invoice (case) of a log, as of an instant: numpy arrays.

    Built by :func:`ledger`; every array is read-only and aligned with
    :attr:`case_ids` (the log's sorted case ids). Instants are int64 ns since
    the epoch (UTC); :data:`MISSING` (``np.iinfo(np.int64).min``) marks "none".

    Attributes
    ----------
    case_ids : ndarray
        The invoice numbers.
    as_of_ns : int or None
        The exclusive as-of bound (None: everything recorded).
    issued_ns : ndarray of int64
        First *generated* event of the case, whenever it happened (also after
        ``as_of``; see :attr:`is_issued`).
    due_day : ndarray of datetime64[D]
        Due date (NaT where missing).
    amount_minor : ndarray of int64
        Invoice amount in minor units (MISSING where missing).
    currency_code : ndarray of int32
        Index into :attr:`currencies` (-1 where missing).
    currencies : tuple of str
        The currency codes, sorted.
    paid_minor : ndarray of int64
        Sum of the amounts of the *payment* events known as of ``as_of``
        (exact int64 sums; overpayments included, so it may exceed the
        amount). Payment events without an amount add nothing and are
        counted in :attr:`payments_without_amount`.
    first_payment_ns : ndarray of int64
        First known payment event of the case (also one before the issue).
    first_payment_after_issue_ns : ndarray of int64
        First known payment at or after :attr:`issued_ns` (the end of the
        process-mining DSO).
    settled_ns : ndarray of int64
        Known settlement instant: the **earlier** of (a) the first known
        *settled* event and (b) the instant at which the cumulative known
        payments (in time order) first reach the amount (an invoice of
        amount zero: its issue instant). (b) is the model's
        :attr:`~kpicore.model.Invoice.settled_at`; (a) lets logs without
        payment amounts be settled by their clearing event. For logs built
        by ``from_invoices`` both coincide.
    written_off_ns : ndarray of int64
        First known *written off* event.
    open_minor : ndarray of int64
        ``max(amount - paid, 0)``; 0 once settled or written off, 0 for
        invoices not issued as of ``as_of`` and for those without an amount
        (see :attr:`has_amount`).
    open_disputes : ndarray of int64
        Disputes open as of ``as_of``: registrations not closed by a known
        resolution, each resolution closing the oldest open registration of
        its invoice (``"fifo"``; a resolution with none open closes nothing).
        The definition is :meth:`EventLog.episodes <kpicore.eventlog.EventLog.episodes>`;
        :func:`kpicore.kpis.disputes.open_disputes` counts the same disputes.
    status : ndarray of int8
        :data:`STATUS_NAMES` codes with the model's precedence written_off >
        paid > disputed > partially_paid > open; ``not_issued`` (issued at or
        after ``as_of``) and ``no_issue_event`` (no generated event at all).
    payments_without_amount : int
        Known payment events that carry no amount.

    Examples
    --------
    >>> from kpicore.model import Invoice
    >>> from kpicore.money import Money
    >>> lg = ledger([Invoice("F-1", "C1", "2024-01-01", "2024-01-31", Money.of(5, "USD"))])
    >>> lg.n, lg.currency.tolist(), lg.is_open.tolist(), lg.coverage["issued"]
    (1, ['USD'], [True], 1)
    """

    def __init__(self, log: EventLog, prepared: PreparedLedger, as_of_ns: int | None) -> None:
        self._log_ref = weakref.ref(log)
        self._p = prepared
        #: The exclusive as-of bound in ns (None: everything recorded).
        self.as_of_ns = as_of_ns
        #: The invoice numbers (the log's sorted case ids).
        self.case_ids: npt.NDArray[Any] = prepared.case_ids

    def __repr__(self) -> str:
        return f"Ledger({self.n} invoices, as_of_ns={self.as_of_ns})"

    def _log(self) -> EventLog:
        return _alive(self._log_ref)

    def materialize(self) -> Ledger:
        """Compute every column now (they are otherwise computed on first use); ``self``.

        A ledger refers to its log weakly (the per-log cache must not keep a
        log alive); :func:`ledger` materialises what it returns, so a ledger
        obtained from it outlives its log.
        """
        for name in _LEDGER_COLUMNS:
            getattr(self, name)
        return self

    # Columns are computed on first use and kept (ledgers are shared through the
    # per-log cache), read-only: a KPI pays only for what it reads.

    @functools.cached_property
    def issued_ns(self) -> _I64:
        """First *generated* event of each case, at any time (MISSING: none)."""
        return self._p.issued_ns

    @functools.cached_property
    def due_day(self) -> npt.NDArray[np.datetime64]:
        """Due dates (NaT where missing)."""
        return ro(self._p.due_days.view("datetime64[D]"))

    @functools.cached_property
    def amount_minor(self) -> _I64:
        """Invoice amounts in minor units (MISSING where missing)."""
        return self._p.amount

    @functools.cached_property
    def currency_code(self) -> npt.NDArray[np.int32]:
        """Index into :attr:`currencies` (-1 where missing)."""
        return self._p.currency_code

    @functools.cached_property
    def currencies(self) -> tuple[str, ...]:
        """The currency codes, sorted."""
        return self._p.currencies

    @functools.cached_property
    def _pay_known(self) -> _B | None:
        """Which payments are known (before the bound); None when all are."""
        limit, p = self.limit, self._p
        if limit == MAX_NS:
            return None
        if "pay_end_ts" in p.__dict__:  # one instant per case with payments is there
            if p.pay_last_ns < limit:
                return None
        elif "pay_ts" not in p.__dict__ and p.last_event_ns < limit:
            return None  # the log's last event (one pass, no gather) is before the bound
        known = p.pay_ts < limit
        return None if bool(known.all()) else known

    @property
    def _all_payments_known(self) -> bool:
        return self._pay_known is None

    @functools.cached_property
    def paid_minor(self) -> _I64:
        """Sum of the known payment amounts of each case (see the class notes)."""
        p = self._p
        paid_minor = np.zeros(self.n, dtype=np.int64)
        if self._all_payments_known:  # one sum per case
            if p.pay_runs.shape[0]:
                paid_minor[p.pay_run_cases] = p.pay_run_totals
            return ro(paid_minor)
        # the known amounts (0 for the others), summed per case with payments
        known = self._pay_known
        assert known is not None
        paid_minor[p.pay_run_cases] = run_sums(
            np.where(known, p.pay_amount, 0), p.pay_run_ends, overwrite=True
        )
        return ro(paid_minor)

    @functools.cached_property
    def payments_without_amount(self) -> int:
        """Known payment events that carry no amount."""
        p = self._p
        if not p.pay_without_amount.shape[0] or self._all_payments_known:
            return int(p.pay_without_amount.shape[0])
        return int(np.count_nonzero(p.pay_ts[p.pay_without_amount] < self.limit))

    @functools.cached_property
    def first_payment_ns(self) -> _I64:
        """First known payment of each case (also one before the issue)."""
        return ro(_known(self._p.first_pay_ns, self.limit))

    @functools.cached_property
    def first_payment_after_issue_ns(self) -> _I64:
        """First known payment at or after :attr:`issued_ns`."""
        return ro(_known(self._p.first_after_issue_ns, self.limit))

    @functools.cached_property
    def settled_ns(self) -> _I64:
        """Known settlement instant (see the class notes)."""
        self._warm_closed()
        # the earlier of the known instants is the earlier instant, if known
        out = _earliest(self._p.settled_first_ns, self._covered_ns())
        _forget_from(out, self.limit)
        return ro(out)

    def _covered_ns(self) -> _I64:
        """The covering payment, at any time; the issue for an issued invoice of amount
        zero (the model settles it at its issue)."""
        p = self._p
        zero = p.zero_amount & self.is_issued
        if bool(zero.any()):
            return np.where(zero, self.issued_ns, p.cover_ns)
        return p.cover_ns

    @functools.cached_property
    def written_off_ns(self) -> _I64:
        """First known *written off* event."""
        return ro(_known(self._p.written_first_ns, self.limit))

    @functools.cached_property
    def open_minor(self) -> _I64:
        """``max(amount - paid, 0)`` of the open invoices, 0 for the others."""
        p = self._p
        out = np.where(p.has_amount, p.amount, 0)
        out -= self.paid_minor
        np.maximum(out, 0, out=out)
        out[~self.is_open] = 0  # settled, written off or not issued
        return ro(out)

    def open_minor_of(self, ix: npt.NDArray[np.int64]) -> _I64:
        """``open_minor[ix]`` for open invoices ``ix`` that have an amount, without
        computing the whole column when it is not there yet (a fresh array)."""
        if "open_minor" in self.__dict__:
            return self.open_minor[ix]
        out: _I64 = self._p.amount[ix]
        got = self.__dict__.get("_candidates_paid")
        if got is not None and "paid_minor" not in self.__dict__:
            cases, paid = got  # the open invoices are candidates (see is_open)
            j = np.minimum(np.searchsorted(cases, ix), max(cases.shape[0] - 1, 0))
            if cases.shape[0] and bool((cases[j] == ix).all()):
                out -= paid[j]
                np.maximum(out, 0, out=out)
                return out
        out -= self.paid_minor[ix]
        np.maximum(out, 0, out=out)
        return out

    @functools.cached_property
    def open_disputes(self) -> _I64:
        """Disputes open as of the bound (fifo pairing, see the class notes)."""
        roles = self._p.roles
        return ro(
            episodes(
                self._log(), roles.dispute_registered, roles.dispute_resolved, self.limit, "fifo"
            )
            .open_per_case()
            .values
        )

    @functools.cached_property
    def status(self) -> npt.NDArray[np.int8]:
        """:data:`STATUS_NAMES` codes (see the class notes)."""
        status = np.zeros(self.n, dtype=np.int8)  # STATUS_OPEN
        partial = self.paid_minor > 0
        partial |= ~self._p.has_amount & (self.first_payment_ns != MISSING)
        status[partial] = STATUS_PARTIALLY_PAID
        status[self.open_disputes > 0] = STATUS_DISPUTED
        status[self.is_settled] = STATUS_PAID
        status[self.is_written_off] = STATUS_WRITTEN_OFF
        status[~self.is_issued] = STATUS_NOT_ISSUED
        status[~self.has_issue_event] = STATUS_NO_ISSUE_EVENT
        return ro(status)

    @property
    def n(self) -> int:
        """Number of invoices (cases)."""
        return int(self.case_ids.shape[0])

    @property
    def prepared(self) -> PreparedLedger:
        """The per-log columns this ledger reads (shared by every as-of bound)."""
        return self._p

    @property
    def limit(self) -> int:
        """The as-of bound as an int (int64 max when ``as_of`` is None)."""
        return MAX_NS if self.as_of_ns is None else self.as_of_ns

    # Derived columns are computed on first use and kept (ledgers are shared through the
    # per-log cache): read-only, like the fields.

    @functools.cached_property
    def has_issue_event(self) -> _B:
        """Cases with a *generated* event (at any time)."""
        return ro(self.issued_ns != MISSING)

    @functools.cached_property
    def is_issued(self) -> _B:
        """Cases issued before ``as_of`` (the KPI population)."""
        out = self.issued_ns < self.limit
        out &= self.has_issue_event
        return ro(out)

    @functools.cached_property
    def issued_index(self) -> _I64:
        """Ascending case codes of the issued cases (:attr:`is_issued`)."""
        return ro(np.flatnonzero(self.is_issued).astype(np.int64, copy=False))

    @functools.cached_property
    def issued_count(self) -> int:
        """How many cases are issued (a count: no index array)."""
        return int(np.count_nonzero(self.is_issued))

    @property
    def all_issued(self) -> bool:
        """Whether every case is issued (then ``issued_index`` is ``arange(n)``)."""
        return self.issued_count == self.n

    @property
    def due_days(self) -> _I64:
        """Due dates as int64 days since 1970-01-01 (MISSING where missing)."""
        return self.due_day.view(np.int64)

    @functools.cached_property
    def has_due_date(self) -> _B:
        """Cases with a due date."""
        return ro(self.due_days != MISSING)

    @functools.cached_property
    def has_amount(self) -> _B:
        """Cases with an invoice amount."""
        return self._p.has_amount

    @functools.cached_property
    def has_currency(self) -> _B:
        """Cases with a currency."""
        return ro(self.currency_code >= 0)

    @functools.cached_property
    def currency(self) -> npt.NDArray[np.object_]:
        """The currency code of each case (None where missing)."""
        labels = np.array([*self.currencies, None], dtype=object)
        return ro(
            labels[np.where(self.currency_code >= 0, self.currency_code, len(self.currencies))]
        )

    @functools.cached_property
    def is_settled(self) -> _B:
        """Settled as of ``as_of`` (:attr:`settled_ns` known).

        When no payment amount is negative the running sums only grow, so the
        payments covered the amount by the bound exactly when their known total
        does: then the covering payment's instant is not needed.
        """
        p = self._p
        self._warm_open()
        if "settled_ns" in self.__dict__ or not p.payments_nonnegative:
            return ro(self.settled_ns != MISSING)
        limit = self.limit
        covered = self.paid_minor >= p.amount
        covered &= p.has_amount
        # a positive amount is covered only by known payments; an amount <= 0 (0 in
        # paid_minor) needs one known payment to have been made
        low = p.amount <= 0
        low &= covered
        if bool(low.any()):
            first = p.first_pay_ns
            paid_some = first < limit
            paid_some &= first != MISSING
            covered &= ~low | paid_some
        covered |= self._settled_event
        covered |= p.zero_amount & self.is_issued  # settled at its issue
        return ro(covered)

    @functools.cached_property
    def _settled_event(self) -> _B:
        """Cases with a known *settled* event (one byte per case)."""
        p = self._p
        return ro(p.role_known(p.roles.settled, "settled", "settled_first_ns", self.limit))

    @functools.cached_property
    def is_written_off(self) -> _B:
        """Written off as of ``as_of``."""
        if "written_off_ns" in self.__dict__:
            return ro(self.written_off_ns != MISSING)
        p = self._p
        return ro(p.role_known(p.roles.written_off, "written_off", "written_first_ns", self.limit))

    @functools.cached_property
    def is_open(self) -> _B:
        """Issued, neither settled nor written off, as of ``as_of`` (status open,
        partially paid or disputed).

        An invoice with a known settled or written-off event is closed whatever its
        payments: when such events close most invoices, only the payments of the
        others (the candidates) are read and summed, not every payment of the log
        (:meth:`_open_by_candidates`); otherwise the whole :attr:`is_settled`.
        """
        out = self._open_by_candidates()
        if out is None:
            self._warm_open()
            out = ~self.is_settled
            out &= ~self.is_written_off
            out &= self.is_issued
        return ro(out)

    def _open_by_candidates(self) -> _B | None:
        """:attr:`is_open` from the payments of the candidates only -- the issued
        invoices with no known settled or written-off event and a non-zero amount --
        or None when the full columns are cheaper or needed: already computed, or
        the payments already read per case (the runs, or the first payments); fewer
        settled and written-off events than three quarters of the invoices (counted
        first, no scan); candidates holding over a quarter of the events
        (:data:`CANDIDATE_EVENTS_MAX`); or a negative payment among theirs (refunds
        need the running sums of :attr:`settled_ns`).

        The known amount paid of each candidate is kept for :meth:`open_minor_of`.
        With no negative payment a candidate is covered exactly when its known total
        reaches its amount (an amount <= 0: when it has a known payment), as in
        :attr:`is_settled`.
        """
        if "is_settled" in self.__dict__ or "paid_minor" in self.__dict__:
            return None
        if "settled_ns" in self.__dict__ or "_warmed_open" in self.__dict__:
            return None
        p = self._p
        if "pay_runs" in p.__dict__ or "first_pay_ns" in p.__dict__:
            # another KPI read the payments (DSO, the first payments): summing every
            # case's payments is the cheaper path then, and its columns serve the next
            # KPI too
            return None
        log = self._log()
        # too few settled or written-off events to close most invoices (a log whose
        # invoices are settled by their payments only): the full columns, at once
        act = log.activity_codes
        closing = 0
        for spec, role in ((p.roles.settled, "settled"), (p.roles.written_off, "written_off")):
            closing += int(np.count_nonzero(codes_in(act, log.role_codes(spec, role=role))))
        if closing < (1.0 - CANDIDATE_EVENTS_MAX) * self.n:
            return None
        run_all(
            [
                lambda: self._settled_event,
                lambda: self.is_written_off,
                lambda: self.is_issued,
                lambda: p.zero_amount,
                lambda: self.has_due_date,
                lambda: (self.has_amount, self.has_currency),
                lambda: self.coverage,
            ],
            rows=p.n_events,
        )
        cand = self.is_issued & ~self._settled_event
        cand &= ~self.is_written_off
        cand &= ~p.zero_amount  # settled at its issue
        cases = np.flatnonzero(cand).astype(np.int64, copy=False)
        starts = log.case_starts
        first = starts[cases]
        lens = starts[cases + 1] - first
        if int(lens.sum()) > CANDIDATE_EVENTS_MAX * p.n_events:
            return None
        # the candidates' payments (ascending), and the candidate each belongs to
        pos = event_ranges(first, lens)
        pay = pos[
            codes_in(log.activity_codes[pos], log.role_codes(p.roles.payment, role="payment"))
        ]
        limit = self.limit
        if limit != MAX_NS:
            pay = pay[log.timestamps[pay] < limit]
        k = np.searchsorted(first, pay, side="right") - 1
        name = p.roles.payment_amount
        if name in log.attribute_names and pay.shape[0]:
            ids = p.case_ids
            amount, _ = minor_values(
                log.event_attribute(name, pay), field=name, ids=lambda i: plain(ids[cases[k[i]]])
            )
            if bool((amount < 0).any()):
                return None
        else:
            amount = np.zeros(pay.shape[0], dtype=np.int64)
        paid = np.zeros(cases.shape[0], dtype=np.int64)
        if pay.shape[0]:
            runs = np.flatnonzero(heads(k))
            ends = run_ends(runs, pay.shape[0])
            # a copy: the decoded amounts may be a read-only view of the column
            paid[k[runs]] = run_sums(np.array(amount, dtype=np.int64), ends, overwrite=True)
        target = p.amount[cases]
        covered = paid >= target
        covered &= p.has_amount[cases]
        low = target <= 0
        low &= covered
        if bool(low.any()):  # covered by any known payment, with or without an amount
            covered &= ~low | (np.bincount(k, minlength=cases.shape[0]) > 0)
        out = np.zeros(self.n, dtype=bool)
        out[cases[~covered]] = True
        self.__dict__["_candidates_paid"] = (ro(cases), ro(paid))
        return out

    @functools.cached_property
    def closed_ns(self) -> _I64:
        """Settlement or write-off instant, whichever came first (MISSING if neither)."""
        self._warm_closed()
        if "settled_ns" in self.__dict__:
            return ro(_earliest_sparse(self.settled_ns, self.written_off_ns))
        # from the events and payments themselves: settled_ns need not exist first
        p = self._p
        out = _earliest(p.settled_first_ns, self._covered_ns(), p.written_first_ns)
        _forget_from(out, self.limit)
        return ro(out)

    def _warm_open(self) -> None:
        """Compute the inputs of :attr:`is_open` on several threads (:mod:`kpicore.threads`):
        the payments; the settlement, write-off and issue events; due dates, amounts and
        currencies (jobs taken by whichever thread is free)."""
        if "_warmed_open" in self.__dict__:
            return
        p = self._p

        def payments() -> None:
            # decided in the job, on the calling thread: reading the payment amounts
            # is the start of the chain, while the other thread takes the next jobs
            if p.payments_nonnegative and "settled_ns" not in self.__dict__:
                self.paid_minor  # noqa: B018 - computes and keeps the cached column
            else:
                p.cover_ns  # noqa: B018

        # the payments' chain first (the longest), the per-case columns behind it
        jobs: list[Callable[[], object]] = [
            payments,
            lambda: self._settled_event,
            lambda: self.is_written_off,
            lambda: self.is_issued,
            lambda: self.has_due_date,
            lambda: (self.has_amount, self.has_currency),
            lambda: self.coverage,  # what every KPI reports, while the payments finish
        ]
        run_all(jobs, rows=p.n_events)
        self.__dict__["_warmed_open"] = True

    def _warm_closed(self) -> None:
        """Compute the inputs of :attr:`settled_ns` on two threads: the covering payments
        on one, the settlement and issue events on the other (write-offs, few, are
        read where a KPI needs them)."""
        if "_warmed_closed" in self.__dict__:
            return
        p = self._p
        run_all(
            [
                lambda: p.cover_ns,
                lambda: (p.settled_first_ns, self.is_issued),
            ],
            rows=p.n_events,
        )
        self.__dict__["_warmed_closed"] = True

    @property
    def settled_at(self) -> npt.NDArray[np.datetime64]:
        """:attr:`settled_ns` as ``datetime64[ns]`` (NaT where unsettled)."""
        return ro(self.settled_ns.view("datetime64[ns]"))

    @functools.cached_property
    def status_names(self) -> npt.NDArray[np.object_]:
        """The status of each case by name (:data:`STATUS_NAMES`)."""
        return ro(np.array(STATUS_NAMES, dtype=object)[self.status])

    @functools.cached_property
    def coverage(self) -> Mapping[str, int]:
        """Counts: ``cases``, ``issued`` (before as_of), ``issued_after_as_of``,
        ``no_issue_event``; among the issued: ``missing_due_date``,
        ``missing_amount``, ``missing_currency``; and ``payments_without_amount``."""
        issued = self.is_issued
        issued_n = self.issued_count
        no_issue_event = self.n - int(np.count_nonzero(self.has_issue_event))

        def missing(has: _B) -> int:
            if self.all_issued:
                return int(has.shape[0] - np.count_nonzero(has))
            return int(np.count_nonzero(issued & ~has))

        return freeze(
            {
                "cases": self.n,
                "issued": issued_n,
                "issued_after_as_of": self.n - issued_n - no_issue_event,
                "no_issue_event": no_issue_event,
                "missing_due_date": missing(self.has_due_date),
                "missing_amount": missing(self.has_amount),
                "missing_currency": missing(self.has_currency),
                "payments_without_amount": self.payments_without_amount,
            }
        )

    def totals(
        self, values_minor: _I64, index: npt.NDArray[np.int64] | _B | None = None
    ) -> dict[str, Money]:
        """Exact per-currency sums of ``values_minor`` over ``index`` (all cases if None).

        Cases without a currency are left out (see :attr:`coverage`).

        Examples
        --------
        >>> from kpicore.model import Invoice
        >>> from kpicore.money import Money
        >>> lg = ledger([Invoice("A", "C", "2024-01-01", "2024-01-31", Money.of(5, "USD")),
        ...              Invoice("B", "C", "2024-01-01", "2024-01-31", Money.of(7, "BRL"))])
        >>> {k: str(v) for k, v in lg.totals(lg.open_minor).items()}
        {'BRL': 'BRL 7.00', 'USD': 'USD 5.00'}
        """
        return money_totals(self.currencies, self.currency_code, values_minor, index)

    def counts_by_currency(
        self, index: npt.NDArray[np.int64] | _B | None = None
    ) -> dict[str, int]:
        """Number of cases per currency over ``index`` (all cases if None)."""
        codes = self.currency_code if index is None else self.currency_code[index]
        cnt = np.bincount(codes[codes >= 0], minlength=len(self.currencies))
        return {c: int(k) for c, k in zip(self.currencies, cnt.tolist(), strict=True) if k}


def money_totals(
    currencies: Sequence[str],
    codes: npt.NDArray[np.int32],
    values_minor: _I64,
    index: npt.NDArray[np.int64] | _B | None = None,
) -> dict[str, Money]:
    """Exact per-currency int64 sums, sorted by code; currencies without items are left out.

    Parameters
    ----------
    currencies : sequence of str
        Currency codes; ``codes`` index into it (-1 = no currency, left out).
    codes : ndarray of int32
    values_minor : ndarray of int64
        Values in minor units, aligned with ``codes``.
    index : index or mask, optional
        The items to sum (all when None).

    Examples
    --------
    >>> import numpy as np
    >>> money_totals(("BRL", "USD"), np.array([0, 1, 0, -1], dtype=np.int32),
    ...              np.array([100, 5, 250, 9]))
    {'BRL': Money(minor=350, currency='BRL'), 'USD': Money(minor=5, currency='USD')}
    """
    c = codes if index is None else codes[index]
    v = values_minor if index is None else values_minor[index]
    out: dict[str, Money] = {}
    if c.shape[0] == 0:
        return out
    if len(currencies) == 1:
        sel = c == 0
        if bool(sel.any()):
            out[currencies[0]] = Money(int(v[sel].sum(dtype=np.int64)), currencies[0])
        return out
    order = sorted(range(len(currencies)), key=lambda k: currencies[k])
    for k in order:
        sel = c == k
        if bool(sel.any()):
            out[currencies[k]] = Money(int(v[sel].sum(dtype=np.int64)), currencies[k])
    return out


def minor_values(
    raw: npt.NDArray[Any], *, field: str, ids: Callable[[int], Any]
) -> tuple[_I64, _B]:
    """Integer minor units and a validity mask from an int/float attribute array.

    Floats must be whole numbers (at most 2**53); NaN (and an all-None column)
    means "no amount". Anything else raises InvalidRecordError naming
    ``ids(i)`` of the offending row, ``field`` and the value.

    Examples
    --------
    >>> v, ok = minor_values(np.array([150.0, np.nan]), field="amount", ids=str)
    >>> v.tolist(), ok.tolist()
    ([150, 0], [True, False])
    """
    kind = raw.dtype.kind
    if kind in "iu":  # no copy when already int64 (read-only arrays stay read-only)
        return raw.astype(np.int64, copy=False), np.ones(raw.shape[0], dtype=bool)
    if kind == "f":
        ok = ~np.isnan(raw)
        whole = np.where(ok, raw, 0.0)
        bad = ok & ((whole != np.floor(whole)) | (np.abs(whole) > 2.0**53))
        if bool(bad.any()):
            i = int(np.flatnonzero(bad)[0])
            raise InvalidRecordError(
                record=ids(i), field=field, value=float(raw[i]),
                expected="an amount in integer minor units",
            )  # fmt: skip
        return whole.astype(np.int64), ok
    values = raw.tolist()
    if all(v is None for v in values):
        return np.zeros(raw.shape[0], dtype=np.int64), np.zeros(raw.shape[0], dtype=bool)
    i = next(i for i, v in enumerate(values) if v is not None)
    raise InvalidRecordError(
        record=ids(i), field=field, value=values[i], expected="an amount in integer minor units"
    )


def _due_days(log: EventLog, name: str) -> _I64:
    n = log.n_cases
    if name not in log.case_attribute_names:
        return np.full(n, MISSING, dtype=np.int64)
    ids = log.case_ids
    expected = "a due date (date or ISO 'YYYY-MM-DD' string)"
    if log.case_attribute_kind(name) != "category":
        return epoch_days(
            log.case_attribute(name), field=name, record=lambda i: plain(ids[i]),
            expected=expected,
        )  # fmt: skip
    # ISO strings: parse each distinct label once
    codes, labels = log.case_attribute_codes(name)

    def first_case(k: int) -> Any:
        return plain(ids[int(np.flatnonzero(codes == k)[0])])

    parsed = np.append(
        epoch_days(labels, field=name, record=first_case, expected=expected), MISSING
    )
    out: _I64 = parsed[np.where(codes >= 0, codes, parsed.shape[0] - 1)]
    return out


def _currency_codes(log: EventLog, roles: Roles) -> tuple[npt.NDArray[np.int32], tuple[str, ...]]:
    n = log.n_cases
    name = roles.currency
    ids = log.case_ids
    if name not in log.case_attribute_names:
        labels: list[str] = []
        codes = np.full(n, -1, dtype=np.int32)
    elif log.case_attribute_kind(name) == "category":
        # category codes: avoids re-factorising strings
        raw_codes, raw_labels = log.case_attribute_codes(name)
        labels = [str(x) for x in raw_labels.tolist()]
        codes = raw_codes
    else:
        raw = log.case_attribute(name)
        bad = next((i for i, v in enumerate(raw.tolist()) if v is not None), 0)
        raise InvalidRecordError(
            record=plain(ids[bad]) if n else None, field=name,
            value=plain(raw[bad]) if n else None, expected="an ISO 4217 currency code",
        )  # fmt: skip
    for i, code in enumerate(labels):
        try:
            currency_exponent(code)
        except InvalidParameterError:
            row = int(np.flatnonzero(codes == i)[0])
            raise InvalidRecordError(
                record=plain(ids[row]), field=name, value=code,
                expected="a known ISO 4217 currency code",
            ) from None  # fmt: skip
    if roles.default_currency is not None and bool((codes < 0).any()):
        if roles.default_currency in labels:
            k = labels.index(roles.default_currency)
        else:
            labels = sorted([*labels, roles.default_currency])
            k = labels.index(roles.default_currency)
            codes = np.where(codes >= k, codes + 1, codes).astype(np.int32)
        codes = np.where(codes < 0, k, codes).astype(np.int32)
    return ro(codes), tuple(labels)


def _first_flagged(case: npt.NDArray[Any], flags: _B, values: _I64, out: _I64) -> None:
    """Write into ``out[c]`` the value of the first flagged item of each case ``c``.

    ``case`` is ascending (items in (case, time) order); cases without a flagged
    item keep what ``out`` held.

    Examples
    --------
    >>> out = np.full(3, -1)
    >>> c = np.array([0, 0, 0, 2, 2])
    >>> _first_flagged(c, np.array([0, 1, 1, 0, 0], bool), np.arange(5), out)
    >>> out.tolist()
    [1, -1, -1]
    """
    pos = np.flatnonzero(flags)
    c = case[pos]
    h = heads(c)
    if not bool(h.all()):
        c, pos = np.compress(h, c), np.compress(h, pos)
    out[as_index(c)] = values[pos]


def _alive(ref: weakref.ReferenceType[EventLog]) -> EventLog:
    log = ref()
    if log is None:  # ledger() materialises what it hands out: only a lazy ledger
        raise KpiError(
            "the EventLog of this ledger no longer exists: use ledger(), which computes "
            "every column before returning"
        )
    return log


class PreparedLedger:
    """The per-log work of :func:`ledger`, shared by every as-of bound (:func:`prepare_ledger`).

    Payment facts are computed once over *all* the payments. The events are
    sorted by (case, time), so the payments known as of any bound are a prefix
    of each case's payments: the first payment, the first one at or after the
    issue and the first one at which the cumulative payments cover the amount
    are known as of a bound exactly when their instant precedes it, and the
    amount paid is the running sum at the case's last known payment.

    Every column is computed on first use (a KPI pays only for the scans it
    needs) and kept, read-only. The log is referred to weakly.
    """

    def __init__(self, log: EventLog, roles: Roles) -> None:
        self._log_ref = weakref.ref(log)
        self.roles = roles
        self.case_ids: npt.NDArray[Any] = log.case_ids
        self.n_events = log.n_events

    def __repr__(self) -> str:
        return f"PreparedLedger({self.n} invoices)"

    @property
    def n(self) -> int:
        """Number of invoices (cases)."""
        return int(self.case_ids.shape[0])

    def _first_ns(self, spec: ActivityRole, role: str) -> _I64:
        return ro(first_role_ns(_alive(self._log_ref), spec, role))

    @functools.cached_property
    def issued_ns(self) -> _I64:
        """First *generated* event of each case (any time)."""
        return self._first_ns(self.roles.generated, "generated")

    @functools.cached_property
    def settled_first_ns(self) -> _I64:
        """First *settled* event of each case (any time)."""
        return self._first_ns(self.roles.settled, "settled")

    @functools.cached_property
    def written_first_ns(self) -> _I64:
        """First *written off* event of each case (any time)."""
        if "written_first" not in self.__dict__:
            return self._first_ns(self.roles.written_off, "written_off")
        cases, ts = self.written_first
        out = np.full(self.n, MISSING, dtype=np.int64)
        out[cases] = ts
        return ro(out)

    @functools.cached_property
    def written_first(self) -> tuple[npt.NDArray[np.intp], _I64]:
        """The cases with a *written off* event (ascending) and the instant of each
        one's first: write-offs are few, so a KPI that compares them with other
        per-case instants reads these pairs instead of an instant per invoice."""
        log = _alive(self._log_ref)
        idx = role_events(log, self.roles.written_off, "written_off")
        c, idx = first_per_case(log.case_codes, idx)
        return ro(as_index(c)), ro(log.timestamps[idx])

    def role_known(self, spec: ActivityRole, role: str, first: str, limit: int) -> _B:
        """Per case, whether an event playing ``spec`` came before ``limit``: read from
        the per-case first instants (the cached property ``first``) when those are
        computed, else from the role's events (:func:`role_before`)."""
        got: _I64 | None = self.__dict__.get(first)
        if got is None:
            return role_before(_alive(self._log_ref), spec, role, limit)
        out = got < limit
        out &= got != MISSING
        return out

    @functools.cached_property
    def due_days(self) -> _I64:
        """Due dates as days since 1970-01-01 (MISSING where missing)."""
        return ro(_due_days(_alive(self._log_ref), self.roles.due_date))

    @functools.cached_property
    def _amounts(self) -> tuple[_I64, _B]:
        log = _alive(self._log_ref)
        name = self.roles.invoice_amount
        if name not in log.case_attribute_names:
            return ro(np.full(self.n, MISSING, dtype=np.int64)), ro(np.zeros(self.n, dtype=bool))
        ids = self.case_ids
        amount, has = minor_values(
            log.case_attribute(name), field=name, ids=lambda i: plain(ids[i])
        )
        if bool(has.all()):
            return ro(amount), ro(has)
        return ro(np.where(has, amount, MISSING)), ro(has)

    @property
    def amount(self) -> _I64:
        """Invoice amounts in minor units (MISSING where missing)."""
        return self._amounts[0]

    @property
    def has_amount(self) -> _B:
        """Cases with an amount."""
        if "_amounts" in self.__dict__:
            return self._amounts[1]
        return self._has_amount

    @functools.cached_property
    def _has_amount(self) -> _B:
        """:attr:`has_amount` without decoding the amounts when they are stored as whole
        numbers (an ``"int"`` column has no nulls): a KPI that only counts the invoices
        without an amount (DSO's coverage) reads no 8-byte amount per invoice."""
        log = _alive(self._log_ref)
        name = self.roles.invoice_amount
        if name in log.case_attribute_names and log.case_attribute_kind(name) == "int":
            return ro(np.ones(self.n, dtype=bool))
        return self._amounts[1]

    @functools.cached_property
    def zero_amount(self) -> _B:
        """Cases whose amount is zero."""
        return ro(self.has_amount & (self.amount == 0))

    @functools.cached_property
    def _currency(self) -> tuple[npt.NDArray[np.int32], tuple[str, ...]]:
        return _currency_codes(_alive(self._log_ref), self.roles)

    @property
    def currency_code(self) -> npt.NDArray[np.int32]:
        """Index into :attr:`currencies` (-1 where missing)."""
        return self._currency[0]

    @property
    def currencies(self) -> tuple[str, ...]:
        """The currency codes, sorted."""
        return self._currency[1]

    @functools.cached_property
    def _pay_idx(self) -> _I64:
        """Event index of every payment, ascending."""
        return role_events(_alive(self._log_ref), self.roles.payment, "payment")

    @functools.cached_property
    def pay_case(self) -> npt.NDArray[Any]:
        """The case of each payment."""
        return ro(_alive(self._log_ref).case_codes[self._pay_idx])

    @functools.cached_property
    def pay_ts(self) -> _I64:
        """Every payment's instant, in (case, time) order."""
        return ro(_alive(self._log_ref).timestamps[self._pay_idx])

    @functools.cached_property
    def pay_head(self) -> _B:
        """Each case's first payment."""
        return ro(heads(self.pay_case))

    @functools.cached_property
    def pay_runs(self) -> _I64:
        """Position of each case's first payment."""
        return ro(np.flatnonzero(self.pay_head))

    @functools.cached_property
    def _pay_amounts(self) -> tuple[_I64, _I64, bool]:
        """Payment amounts (0 where missing), the positions without one, and whether
        none is negative."""
        log = _alive(self._log_ref)
        roles = self.roles
        ids = self.case_ids
        pidx = self._pay_idx
        m = pidx.shape[0]
        if roles.payment_amount in log.attribute_names and m:
            pay_case = self.pay_case
            amount, ok = minor_values(
                log.event_attribute(roles.payment_amount, pidx),
                field=roles.payment_amount,
                ids=lambda i: plain(ids[pay_case[i]]),
            )
        else:
            amount = np.zeros(m, dtype=np.int64)
            ok = np.zeros(m, dtype=bool)
        without = np.zeros(0, dtype=np.int64) if bool(ok.all()) else np.flatnonzero(~ok)
        return ro(amount), ro(without), bool((amount >= 0).all())

    @property
    def pay_amount(self) -> _I64:
        """Each payment's amount in minor units (0 where missing)."""
        return self._pay_amounts[0]

    @property
    def pay_without_amount(self) -> _I64:
        """Positions of the payments with no amount.

        An integer amount column has no nulls: then the amounts are not read (a KPI
        that only reports this count, like DSO, decodes no amount).
        """
        if "_pay_amounts" not in self.__dict__:
            log = _alive(self._log_ref)
            name = self.roles.payment_amount
            if name in log.attribute_names and log.event_attribute_kind(name) == "int":
                return _NO_POSITIONS
        return self._pay_amounts[1]

    @property
    def payments_nonnegative(self) -> bool:
        """Whether no payment amount is negative (then the running sums only grow)."""
        return self._pay_amounts[2]

    def running_sums(self) -> _I64:
        """The cumulative amount within the case at each payment (computed on each call,
        not kept: the covering payment and the amount paid as of a bound read it once)."""
        amount = self.pay_amount
        m = amount.shape[0]
        runs = self.pay_runs
        running = np.cumsum(amount, dtype=np.int64)
        if m:
            # subtract from each payment the sum before its case's first payment: the
            # per-case offsets, broadcast to the payments by a cumulative sum of steps
            before = running[runs]
            before -= amount[runs]
            step = np.zeros(m, dtype=np.int64)
            step[runs[1:]] = np.diff(before)  # before[0] == 0
            np.cumsum(step, out=step)
            running -= step
        return running

    @functools.cached_property
    def pay_run_cases(self) -> npt.NDArray[Any]:
        """The case of each run of payments."""
        return ro(as_index(self.pay_case[self.pay_runs]))

    @functools.cached_property
    def pay_run_ends(self) -> _I64:
        """Position of each case's last payment."""
        return ro(run_ends(self.pay_runs, self._pay_idx.shape[0]))

    @functools.cached_property
    def pay_run_totals(self) -> _I64:
        """The sum of the payment amounts of each case with payments (per run)."""
        return ro(run_sums(self.pay_amount, self.pay_run_ends))

    @functools.cached_property
    def pay_end_ts(self) -> _I64:
        """The instant of each case's last payment (per run; the case's latest, as a
        case's events are in time order)."""
        return ro(_alive(self._log_ref).timestamps[self._pay_idx[self.pay_run_ends]])

    @functools.cached_property
    def last_event_ns(self) -> int:
        """The log's latest instant (MISSING when it has no event)."""
        ts = _alive(self._log_ref).timestamps
        return int(ts.max()) if ts.shape[0] else MISSING

    @functools.cached_property
    def pay_last_ns(self) -> int:
        """The latest payment instant (MISSING when none)."""
        ts = self.pay_end_ts
        return int(ts.max()) if ts.shape[0] else MISSING

    def _run_positions(self, k: npt.NDArray[Any]) -> tuple[_I64, _I64, _I64]:
        """The positions of the payments of runs ``k`` (ascending), concatenated; where
        each run starts among them; and each run's length."""
        starts = self.pay_runs[k]
        lens = self.pay_run_ends[k] - starts + 1
        seg = np.cumsum(lens) - lens
        return event_ranges(starts, lens), seg, lens

    @functools.cached_property
    def first_pay_ns(self) -> _I64:
        """First payment of each case (any time).

        From the payments' runs per case when those are there; otherwise straight
        from the payments (:func:`first_ns_per_case`), the runs not built nor kept: a
        KPI that reads only the first payment (DSO) touches ~25 MB less at a million
        invoices.
        """
        log = _alive(self._log_ref)
        if "pay_runs" not in self.__dict__:
            return ro(first_ns_per_case(log.case_codes, log.timestamps, self._pay_idx, self.n))
        ts = log.timestamps[self._pay_idx[self.pay_runs]]
        cases = self.pay_run_cases
        if cases.shape[0] == self.n:  # every case paid: cases are 0..n-1
            return ro(ts)
        out = np.full(self.n, MISSING, dtype=np.int64)
        out[cases] = ts
        return ro(out)

    @functools.cached_property
    def first_after_issue_ns(self) -> _I64:
        """First payment at or after the issue (any time)."""
        issued = self.issued_ns
        first = self.first_pay_ns
        # usually the first payment: scan the payments of the other cases only
        early = first < issued
        early &= first != MISSING
        early |= issued == MISSING  # never issued: no payment is after the issue
        if not bool(early.any()):  # the usual log: the first payment is the answer, no copy
            return first
        out = np.where(early, MISSING, first)
        run_cases = self.pay_run_cases
        if run_cases.shape[0]:
            # the payments of those cases only: their runs, found among the paid cases
            cases = np.flatnonzero(early)
            k = np.minimum(np.searchsorted(run_cases, cases), run_cases.shape[0] - 1)
            k = k[run_cases[k] == cases]  # the early cases with payments
            sel, _, _ = self._run_positions(k)
            c = self.pay_case[sel]
            ts = _alive(self._log_ref).timestamps[self._pay_idx[sel]]
            _first_flagged(
                c, ts >= np.where(issued != MISSING, issued, MAX_NS)[as_index(c)], ts, out
            )
        return ro(out)

    @functools.cached_property
    def cover_ns(self) -> _I64:
        """First payment at which the payments cover the amount (any time).

        With no negative payment a case's running sum only grows: when the total
        covers the amount and the total before the last payment does not, the last
        payment covers it (the usual case, read per case); only the cases already
        covered before their last payment (over-paid ones) are summed payment by
        payment. With refunds every case is summed payment by payment.
        """
        out = np.full(self.n, MISSING, dtype=np.int64)
        runs = self.pay_runs
        if not runs.shape[0]:
            return ro(out)
        if not self.payments_nonnegative:
            case = self.pay_case
            target = np.where(self.has_amount, self.amount, MAX_NS)
            _first_flagged(case, self.running_sums() >= target[as_index(case)], self.pay_ts, out)
            return ro(out)
        amount = self.pay_amount
        cases = self.pay_run_cases
        ends = self.pay_run_ends
        total = self.pay_run_totals
        target = self.amount[cases]  # MISSING where none: masked by has_amount
        covered = total >= target
        covered &= self.has_amount[cases]
        by_last = np.subtract(total, amount[ends]) < target
        by_last &= covered
        # one value per case with payments (a where and one scatter: cheaper than
        # gathering the covered ones first)
        out[cases] = np.where(by_last, self.pay_end_ts, MISSING)
        covered &= ~by_last  # covered before the last payment
        k = np.flatnonzero(covered)
        if k.shape[0]:
            pos, seg, lens = self._run_positions(k)
            a = amount[pos]
            running = np.cumsum(a)
            running -= np.repeat(running[seg] - a[seg], lens)
            reach = running >= np.repeat(target[k], lens)
            # monotone within a case: the first reaching payment is the end minus the
            # number reaching, plus one (at least the last payment reaches)
            first = seg + lens - np.add.reduceat(reach, seg, dtype=np.intp)
            out[cases[k]] = _alive(self._log_ref).timestamps[self._pay_idx[pos[first]]]
        return ro(out)


#: The columns :meth:`Ledger.materialize` computes.
_LEDGER_COLUMNS: Final[tuple[str, ...]] = (
    "issued_ns", "due_day", "amount_minor", "currency_code", "currencies", "paid_minor",
    "first_payment_ns", "first_payment_after_issue_ns", "settled_ns", "written_off_ns",
    "open_minor", "open_disputes", "status", "coverage",
)  # fmt: skip


def prepare_ledger(log: EventLog, roles: Roles = DEFAULT_ROLES) -> PreparedLedger:
    """The as-of-independent work of :func:`ledger` for ``log``, memoised per log and roles.

    Examples
    --------
    >>> from kpicore.model import Invoice
    >>> from kpicore.money import Money
    >>> log = as_log([Invoice("F-1", "C1", "2024-01-01", "2024-01-31", Money.of(5, "BRL"))])
    >>> prepare_ledger(log) is prepare_ledger(log)
    True
    """
    check_roles(roles)
    return memo(log, ("prepared_ledger", roles), lambda: PreparedLedger(log, roles))


def _earliest(a: _I64, *others: _I64) -> _I64:
    """Elementwise earlier instant, MISSING counting as "never".

    ``x - 1`` wraps MISSING (int64 min) round to int64 max, so a plain minimum
    treats it as +infinity; ``+ 1`` wraps it back (numpy array arithmetic wraps
    silently). No valid instant is int64 min or max.

    Examples
    --------
    >>> _earliest(np.array([5, MISSING, MISSING]), np.array([7, 3, MISSING])).tolist()[:2]
    [5, 3]
    >>> int(_earliest(np.array([MISSING]), np.array([MISSING]))[0]) == MISSING
    True
    >>> _earliest(np.array([9, 9]), np.array([MISSING, 4]), np.array([2, MISSING])).tolist()
    [2, 4]
    """
    out: _I64 = np.subtract(a, 1)
    other = np.empty_like(out)
    for b in others:
        np.subtract(b, 1, out=other)
        np.minimum(out, other, out=out)
    out += 1
    return out


def _earliest_sparse(a: _I64, b: _I64) -> _I64:
    """:func:`_earliest` of ``a`` and ``b`` when ``b`` is mostly MISSING (write-offs are
    rare): a copy of ``a`` with ``b``'s few instants merged in.

    Examples
    --------
    >>> _earliest_sparse(np.array([5, MISSING, 9]), np.array([MISSING, 3, 4])).tolist()
    [5, 3, 4]
    """
    at = np.flatnonzero(b != MISSING)
    if at.shape[0] * 8 > b.shape[0]:  # not sparse: the plain pass
        return _earliest(a, b)
    out = a.copy()
    if at.shape[0]:
        out[at] = _earliest(a[at], b[at])
    return out


def _forget_from(ns: _I64, limit: int) -> None:
    """Set to MISSING, in place, the instants at or after the bound ``limit``."""
    if limit != MAX_NS:
        np.putmask(ns, ns >= limit, MISSING)


def _known(ns: _I64, limit: int) -> _I64:
    """``ns`` where before the bound, else MISSING (MISSING, int64 min, stays MISSING)."""
    if limit == MAX_NS:
        return ns
    out: _I64 = np.where(ns < limit, ns, MISSING)
    return out


def build_ledger(log: EventLog, p: PreparedLedger, as_of: int | None) -> Ledger:
    """The :class:`Ledger` of ``log`` as of the exclusive bound ``as_of`` (ns; None: all).

    ``p`` is ``prepare_ledger(log, roles)``. Not memoised itself (see
    :func:`ledger_at`); its columns are computed on first use.
    """
    return Ledger(log, p, as_of)


def _bound(as_of: _dt.date | _dt.datetime | None, tz: _dt.tzinfo | None) -> int | None:
    return None if as_of is None else as_of_ns(as_of, tz=tz)


def ledger_at(log: EventLog, bound: int | None, roles: Roles = DEFAULT_ROLES) -> Ledger:
    """The ledger of ``log`` as of the exclusive bound ``bound`` (int ns; None: all).

    :func:`ledger` for a bound already in ns; memoised per log (the ledgers of
    recent bounds, see :func:`memo`).

    Examples
    --------
    >>> from kpicore.model import Invoice
    >>> from kpicore.money import Money
    >>> log = as_log([Invoice("F-1", "C1", "2024-01-01", "2024-01-31", Money.of(5, "BRL"))])
    >>> ledger_at(log, None) is ledger(log)
    True
    """
    prepared = prepare_ledger(log, roles)
    return memo(
        log,
        ("ledger", roles, bound),
        lambda: build_ledger(log, prepared, bound),
        as_of_dependent=bound is not None,
    )


def ledger(
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime | None = None,
    roles: Roles = DEFAULT_ROLES,
    tz: _dt.tzinfo | None = None,
) -> Ledger:
    """Reduce invoice data to one row per invoice as of an instant (vectorised).

    Parameters
    ----------
    data : sequence of Invoice or EventLog
        See :func:`as_log`.
    as_of : date or aware datetime, optional
        Only events strictly before this instant are known (a date means its
        end, in ``tz``). ``None``: everything recorded.
    roles : Roles
        Activities and attribute names (see :class:`Roles`).
    tz : tzinfo, optional
        Zone of a date ``as_of`` (UTC by default).

    Returns
    -------
    Ledger

    Raises
    ------
    InvalidRecordError
        For an amount that is not a whole number of minor units, an unknown
        currency code or an unparsable due date (naming the invoice).
    UnknownActivityError
        For a role naming an activity that is neither canonical nor in the log.

    Notes
    -----
    Cost: one equality mask and one ``flatnonzero`` per role over the event
    codes and one pass over the payments, once per log and roles
    (:func:`prepare_ledger`); then O(invoices) work per as-of instant. For a
    log, the result is memoised (see "Per-log cache" above): the same call
    returns the same read-only :class:`Ledger`. A missing due date, amount
    or currency is not an error: it is reported by :attr:`Ledger.coverage`,
    and each KPI says how it treats it.

    Examples
    --------
    >>> import datetime as dt
    >>> from kpicore.eventlog import EventLog, Episodes
    >>> log = EventLog.from_columns(
    ...     case=["F-1", "F-1", "F-1", "F-2"],
    ...     activity=["Invoice Generated", "Payment Received", "Payment Received",
    ...               "Invoice Generated"],
    ...     timestamp=["2024-01-02T00:00Z", "2024-01-20T00:00Z", "2024-02-05T00:00Z",
    ...                "2024-02-01T00:00Z"],
    ...     attributes={"amount_minor": [None, 3000, 7000, None]},
    ...     case_attributes={"due_date": [dt.date(2024, 1, 31)] * 3 + [None],
    ...                      "amount_minor": [10000, 10000, 10000, 5000],
    ...                      "currency": ["BRL"] * 4})
    >>> lg = ledger(log, as_of=dt.date(2024, 1, 31))
    >>> lg.status_names.tolist(), lg.open_minor.tolist(), lg.coverage["issued_after_as_of"]
    (['partially_paid', 'not_issued'], [7000, 0], 1)
    >>> str(ledger(log).settled_at[0])
    '2024-02-05T00:00:00.000000000'
    """
    check_roles(roles)
    log = as_log(data)  # alive until every column is computed
    return ledger_at(log, _bound(as_of, tz), roles).materialize()


def ledger_of(
    log: EventLog,
    *,
    as_of: _dt.date | _dt.datetime | None = None,
    roles: Roles = DEFAULT_ROLES,
    tz: _dt.tzinfo | None = None,
) -> Ledger:
    """:func:`ledger` of a log the caller keeps alive, its columns computed on first use.

    What the KPI modules call: a KPI pays only for the columns it reads.

    Examples
    --------
    >>> log = EventLog.from_columns(case=["F-1"], activity=["Invoice Generated"],
    ...     timestamp=["2024-01-02T00:00Z"])
    >>> ledger_of(log).is_issued.tolist()
    [True]
    """
    check_roles(roles)
    return ledger_at(log, _bound(as_of, tz), roles)


def ledgers(
    data: InvoiceData,
    as_ofs: Sequence[_dt.date | _dt.datetime | None],
    *,
    roles: Roles = DEFAULT_ROLES,
    tz: _dt.tzinfo | None = None,
) -> list[Ledger]:
    """One :class:`Ledger` per as-of instant, sharing the per-log work.

    Examples
    --------
    >>> import datetime as dt
    >>> from kpicore.model import Invoice, Payment
    >>> from kpicore.money import Money
    >>> inv = Invoice("F-1", "C1", "2024-01-01", "2024-01-31", Money.of(9, "BRL"),
    ...               payments=[Payment("2024-02-10", Money.of(9, "BRL"))])
    >>> [int(lg.open_minor[0]) for lg in ledgers([inv], [dt.date(2024, 1, 31), None])]
    [900, 0]
    """
    check_roles(roles)
    log = as_log(data)
    return [ledger_at(log, _bound(a, tz), roles).materialize() for a in as_ofs]


# ---------------------------------------------------------------------------------- by=


_LOG_ALIASES: Final[dict[str, str]] = {"customer": "customer_id", "contract": "contract_id"}


def group_keys(
    data: InvoiceData | EventLog,
    log: EventLog,
    by: By,
    *,
    customers: Iterable[Customer] | Mapping[str, Customer] | None = None,
    roles: Roles = DEFAULT_ROLES,
    invoices: Sequence[Invoice] | None = None,
) -> tuple[str | None, npt.NDArray[np.object_] | None]:
    """Resolve ``by=`` into one key per case of ``log`` (aligned with ``log.case_ids``).

    Parameters
    ----------
    data : sequence of Invoice or EventLog
        The KPI's input. For invoices ``by`` is resolved on the objects by
        :func:`kpicore.grouping.resolve_by` (attributes of the invoice, e.g.
        ``"collector"``, ``"customer_id"``, ``"currency"``, or of its customer
        with ``customers=``, e.g. ``"segment"``).
    log : EventLog
        The log of ``data`` (from :func:`as_log`).
    by : str, callable, sequence or None
        For a log: a case attribute name (``"customer"`` and ``"contract"``
        are aliases of ``customer_id``/``contract_id``, ``"currency"`` of
        ``roles.currency``), or an attribute of the customer (with
        ``customers=`` and a ``customer_id`` case attribute); a callable
        receives the case id; a sequence has one key per case (in
        ``log.case_ids`` order).
    customers : iterable or mapping of Customer, optional
        For ``by=`` on customer attributes.
    roles : Roles
        For the currency attribute's name.
    invoices : sequence of Invoice, optional
        The invoices when ``data`` was consumed already (internal use).

    Returns
    -------
    (name, keys)
        ``(None, None)`` when ``by`` is None.

    Raises
    ------
    InvalidParameterError
        For a name that is neither a case attribute nor a customer attribute,
        or a sequence of the wrong length.

    Examples
    --------
    >>> from kpicore.model import Invoice
    >>> from kpicore.money import Money
    >>> invs = [Invoice("B", "C2", "2024-01-01", "2024-01-31", Money.of(1, "BRL"),
    ...                 collector="ana"),
    ...         Invoice("A", "C1", "2024-01-01", "2024-01-31", Money.of(1, "BRL"))]
    >>> log = as_log(invs)
    >>> group_keys(invs, log, "collector")[1].tolist()  # aligned with log.case_ids A, B
    [None, 'ana']
    >>> group_keys(log, log, "customer")[1].tolist()
    ['C1', 'C2']
    """
    if by is None:
        return None, None
    n = log.n_cases
    records: Sequence[Invoice] | None = invoices
    if records is None and not isinstance(data, EventLog):
        records = list(data)
    if records is not None:
        related = None
        if customers is not None:
            related = {"customer": ("customer_id", customers_by_id(customers))}
        name, keys = resolve_by(records, by, related=related)
        assert keys is not None
        numbers = np.empty(len(records), dtype=object)
        numbers[:] = [inv.number for inv in records]
        pos = np.searchsorted(log.case_ids, numbers) if len(records) else np.zeros(0, np.int64)
        out = np.empty(n, dtype=object)
        out[pos] = keys
        return name, out
    if isinstance(by, str):
        attr = roles.currency if by == "currency" else _LOG_ALIASES.get(by, by)
        names = log.case_attribute_names
        if attr in names:
            return by, _as_objects(log.case_attribute(attr))
        if customers is not None and "customer_id" in names:
            index = customers_by_id(customers)
            if not any(hasattr(cust, by) for cust in index.values()) and index:
                raise InvalidParameterError(
                    f"by={by!r}: neither a case attribute ({list(names)}) nor a customer attribute"
                )
            cust_ids = log.case_attribute("customer_id")
            uniq = {cid for cid in cust_ids.tolist() if cid is not None}
            value = {cid: _enum_value(getattr(index.get(cid), by, None)) for cid in uniq}
            out = np.empty(n, dtype=object)
            out[:] = [value.get(cid) for cid in cust_ids.tolist()]
            return by, out
        raise InvalidParameterError(
            f"by={by!r}: not a case attribute of the log; case attributes: {list(names)}"
            + ("" if customers is None else " (and the log has no customer_id)")
        )
    if callable(by):
        out = np.empty(n, dtype=object)
        out[:] = [by(cid) for cid in log.case_ids.tolist()]
        return getattr(by, "__name__", None), out
    keys_list = list(by)
    if len(keys_list) != n:
        raise InvalidParameterError(f"by= has {len(keys_list)} keys for {n} cases")
    out = np.empty(n, dtype=object)
    out[:] = keys_list
    return None, out


def _enum_value(v: Any) -> Any:
    return getattr(v, "value", v) if hasattr(v, "label_pt") else v


def _as_objects(values: npt.NDArray[Any]) -> npt.NDArray[np.object_]:
    if values.dtype == object:
        return values
    if values.dtype.kind == "M":
        unit, _ = np.datetime_data(values.dtype)
        if unit == "D":
            out = np.empty(values.shape[0], dtype=object)
            out[:] = values.tolist()
            return out
    out = np.empty(values.shape[0], dtype=object)
    out[:] = values.tolist()
    return out


def item_grouping(
    data: InvoiceData,
    log: EventLog,
    cases: npt.NDArray[np.int64],
    *,
    by: By,
    freq: Freq | None,
    when: npt.NDArray[Any] | None,
    tz: _dt.tzinfo | None = None,
    customers: Iterable[Customer] | Mapping[str, Customer] | None = None,
    roles: Roles = DEFAULT_ROLES,
    invoices: Sequence[Invoice] | None = None,
) -> Grouping | None:
    """The :class:`~kpicore.grouping.Grouping` of items (None without by/freq).

    Item ``i`` belongs to the invoice (case code) ``cases[i]`` -- a letter, a
    dispute, a promise, or the invoice itself -- and takes its invoice's
    ``by=`` key (:func:`group_keys`); ``when`` holds one instant (int64 ns,
    MISSING = none) or date per item for ``freq``.

    Examples
    --------
    >>> import numpy as np
    >>> from kpicore.model import Invoice
    >>> from kpicore.money import Money
    >>> invs = [Invoice("F-1", "C", "2024-01-01", "2024-01-20", Money.of(1, "BRL"),
    ...                 collector="ana"),
    ...         Invoice("F-2", "C", "2024-01-01", "2024-01-20", Money.of(1, "BRL"))]
    >>> log = as_log(invs)
    >>> g = item_grouping(invs, log, np.array([0, 0, 1]), by="collector", freq=None, when=None)
    >>> g.keys
    ('ana', None)
    """
    if by is None and freq is None:
        return None
    name, keys = group_keys(data, log, by, customers=customers, roles=roles, invoices=invoices)
    return make_grouping(
        int(cases.shape[0]),
        by_name=name,
        by_keys=None if keys is None else keys[cases],
        freq=freq,
        when=None if freq is None else when,
        tz=tz,
    )


def grouping(
    data: InvoiceData,
    log: EventLog,
    index: npt.NDArray[np.int64],
    *,
    by: By,
    freq: Freq | None,
    when: _I64 | None,
    tz: _dt.tzinfo | None = None,
    customers: Iterable[Customer] | Mapping[str, Customer] | None = None,
    roles: Roles = DEFAULT_ROLES,
    invoices: Sequence[Invoice] | None = None,
) -> Grouping | None:
    """The :class:`~kpicore.grouping.Grouping` of the cases ``index`` (None without by/freq).

    ``when`` holds, per case of the log, the instant (int64 ns, MISSING =
    none) that places it in a ``freq`` period; cases without one are in no
    period group. :func:`item_grouping` with one item per case.

    Examples
    --------
    >>> import numpy as np
    >>> from kpicore.model import Invoice
    >>> from kpicore.money import Money
    >>> invs = [Invoice(f"F-{i}", "C", f"2024-0{i}-01", f"2024-0{i}-20", Money.of(1, "BRL"))
    ...         for i in (1, 2)]
    >>> log = as_log(invs)
    >>> g = grouping(invs, log, np.arange(2), by=None, freq="month",
    ...              when=ledger(log).issued_ns)
    >>> [str(k) for k in g.keys]
    ['2024-01', '2024-02']
    """
    return item_grouping(
        data, log, index, by=by, freq=freq, when=None if when is None else when[index],
        tz=tz, customers=customers, roles=roles, invoices=invoices,
    )  # fmt: skip


def to_day(ns: _I64, *, tz: _dt.tzinfo | None = None) -> _I64:
    """Calendar day (days since 1970-01-01, in ``tz``; UTC by default) of each instant.

    MISSING stays MISSING.

    Examples
    --------
    >>> import numpy as np
    >>> to_day(np.array([86_400_000_000_000 * 3 + 5, MISSING])).tolist() == [3, MISSING]
    True
    """
    ok = ns != MISSING
    if tz is None:
        return np.where(ok, np.floor_divide(ns, NS_PER_DAY), MISSING)
    out = np.full(ns.shape, MISSING, dtype=np.int64)
    if bool(ok.any()):
        out[ok] = bucket(ns[ok], "day", tz=tz)
    return out


# ---------------------------------------------------------------------------------- result


@attrs.frozen(eq=False, repr=False)
class InvoiceDays(Result):
    """A per-invoice day count (DSO per invoice, days overdue, days late, ...).

    Attributes
    ----------
    metric : str
        What is counted (e.g. ``"days_to_first_payment"``).
    unit : str
        ``"days"`` or ``"business days"``.
    case_ids : ndarray
        The invoices of the population (read-only).
    days : ndarray of float64
        One value per invoice of ``case_ids`` (NaN where it has none, e.g. not
        paid yet; those are counted in ``summary.missing`` and ``coverage``).
    summary : Summary
        Statistics of ``days`` (NaN = missing).
    coverage : Mapping[str, int]
        ``used`` and the reasons invoices have no value or were left out.
    groups : Breakdown of Summary or None
        By ``by=`` and/or period (``freq=``).

    Examples
    --------
    >>> import numpy as np
    >>> r = InvoiceDays("x", "days", np.array(["a", "b"], dtype=object),
    ...                 np.array([2.0, np.nan]), Summary.of([2.0, np.nan]),
    ...                 {"used": 1, "missing_end": 1})
    >>> r.to_mapping(), r.to_dict()["summary"]["count"]
    ({'a': 2.0, 'b': None}, 1)
    """

    metric: str
    unit: str
    case_ids: npt.NDArray[Any] = attrs.field(converter=ro)
    days: _F64 = attrs.field(converter=ro)
    summary: Summary
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    groups: Breakdown[Summary] | None = None

    def to_mapping(self) -> dict[Any, float | None]:
        """``{invoice: days}`` (None where missing)."""
        return {
            plain(k): (None if v != v else v)
            for k, v in zip(self.case_ids.tolist(), self.days.tolist(), strict=True)
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (statistics, coverage, groups; per-invoice values via
        :meth:`to_mapping`)."""
        return {
            "metric": self.metric,
            "unit": self.unit,
            "summary": self.summary.to_dict(),
            "coverage": dict(self.coverage),
            "groups": None if self.groups is None else to_jsonable(self.groups),
        }


def invoice_days(
    metric: str,
    unit: str,
    case_ids: npt.NDArray[Any],
    days: _F64,
    coverage: Mapping[str, int],
    group: Grouping | None,
    *,
    percentiles: Iterable[float] = DEFAULT_PERCENTILES,
) -> InvoiceDays:
    """Assemble an :class:`InvoiceDays` (``days`` and ``case_ids`` = the population)."""
    levels = tuple(percentiles)
    groups = None
    if group is not None:
        groups = group.breakdown(lambda ix: Summary.of(days[ix], percentiles=levels, unit=unit))
    return InvoiceDays(
        metric=metric,
        unit=unit,
        case_ids=case_ids,
        days=days,
        summary=Summary.of(days, percentiles=levels, unit=unit),
        coverage=coverage,
        groups=groups,
    )
