"""The one input-normalisation path of the invoice KPIs: data -> EventLog -> Ledger.

Every invoice KPI (DSO, aging, days overdue, disputes, dunning, ...) accepts
:data:`InvoiceData` -- a sequence of :class:`~kpicore.model.Invoice` objects
or an :class:`~kpicore.eventlog.EventLog` -- and normalises it here, once:

1. :func:`as_log` turns invoices into the columnar log
   (:meth:`EventLog.from_invoices`); a log passes through. There is no second,
   object-based implementation of any KPI (``DESIGN.md``, principle 1).
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

import datetime as _dt
import types
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, Final, TypeAlias

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
from kpicore.errors import InvalidParameterError, InvalidRecordError
from kpicore.eventlog import EventLog
from kpicore.grouping import By, Grouping, make_grouping, resolve_by
from kpicore.model import Customer, Invoice
from kpicore.money import Money, currency_exponent
from kpicore.periods import Freq, as_of_ns, bucket
from kpicore.results import Breakdown, to_jsonable
from kpicore.summary import DEFAULT_PERCENTILES, Summary

__all__ = [
    "DEFAULT_ROLES",
    "MISSING",
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
    "Roles",
    "as_log",
    "group_keys",
    "grouping",
    "invoice_days",
    "ledger",
    "ledgers",
    "money_totals",
    "to_day",
]

#: A sequence of :class:`~kpicore.model.Invoice` objects, or an EventLog.
InvoiceData: TypeAlias = Sequence[Invoice] | EventLog

#: The "no value" sentinel of the int64 ledger arrays (numpy's NaT bit pattern).
MISSING: Final[int] = int(np.iinfo(np.int64).min)
_MAX_NS: Final[int] = int(np.iinfo(np.int64).max)
_NS_PER_DAY: Final[int] = 86_400_000_000_000
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


def _prepare(
    data: InvoiceData | Iterable[Invoice], activity_map: Mapping[str, str] | None = None
) -> tuple[EventLog, list[Invoice] | None]:
    """The log of ``data`` and, for object input, the invoices (for ``by=``)."""
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
    return _prepare(data, activity_map)[0]


# ---------------------------------------------------------------------------------- ledger


def _ro(arr: npt.NDArray[Any]) -> npt.NDArray[Any]:
    if arr.flags.writeable:
        arr = arr.view()
        arr.setflags(write=False)
    return arr


def _freeze(mapping: Mapping[Any, Any]) -> Mapping[Any, Any]:
    return types.MappingProxyType(dict(mapping))


@attrs.frozen(eq=False, repr=False)
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
        Known *dispute registered* minus *dispute resolved* events, floored
        at 0.
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

    case_ids: npt.NDArray[Any] = attrs.field(converter=_ro)
    as_of_ns: int | None
    issued_ns: _I64 = attrs.field(converter=_ro)
    due_day: npt.NDArray[np.datetime64] = attrs.field(converter=_ro)
    amount_minor: _I64 = attrs.field(converter=_ro)
    currency_code: npt.NDArray[np.int32] = attrs.field(converter=_ro)
    currencies: tuple[str, ...]
    paid_minor: _I64 = attrs.field(converter=_ro)
    first_payment_ns: _I64 = attrs.field(converter=_ro)
    first_payment_after_issue_ns: _I64 = attrs.field(converter=_ro)
    settled_ns: _I64 = attrs.field(converter=_ro)
    written_off_ns: _I64 = attrs.field(converter=_ro)
    open_minor: _I64 = attrs.field(converter=_ro)
    open_disputes: _I64 = attrs.field(converter=_ro)
    status: npt.NDArray[np.int8] = attrs.field(converter=_ro)
    payments_without_amount: int

    def __repr__(self) -> str:
        return f"Ledger({self.n} invoices, as_of_ns={self.as_of_ns})"

    @property
    def n(self) -> int:
        """Number of invoices (cases)."""
        return int(self.case_ids.shape[0])

    @property
    def limit(self) -> int:
        """The as-of bound as an int (int64 max when ``as_of`` is None)."""
        return _MAX_NS if self.as_of_ns is None else self.as_of_ns

    @property
    def has_issue_event(self) -> _B:
        """Cases with a *generated* event (at any time)."""
        out: _B = self.status != STATUS_NO_ISSUE_EVENT
        return out

    @property
    def is_issued(self) -> _B:
        """Cases issued before ``as_of`` (the KPI population)."""
        out: _B = self.status < STATUS_NOT_ISSUED
        return out

    @property
    def due_days(self) -> _I64:
        """Due dates as int64 days since 1970-01-01 (MISSING where missing)."""
        return self.due_day.view(np.int64)

    @property
    def has_due_date(self) -> _B:
        """Cases with a due date."""
        out: _B = self.due_days != MISSING
        return out

    @property
    def has_amount(self) -> _B:
        """Cases with an invoice amount."""
        out: _B = self.amount_minor != MISSING
        return out

    @property
    def has_currency(self) -> _B:
        """Cases with a currency."""
        out: _B = self.currency_code >= 0
        return out

    @property
    def currency(self) -> npt.NDArray[np.object_]:
        """The currency code of each case (None where missing)."""
        labels = np.array([*self.currencies, None], dtype=object)
        return labels[np.where(self.currency_code >= 0, self.currency_code, len(self.currencies))]

    @property
    def is_settled(self) -> _B:
        """Settled as of ``as_of``."""
        out: _B = self.settled_ns != MISSING
        return out

    @property
    def is_written_off(self) -> _B:
        """Written off as of ``as_of``."""
        out: _B = self.written_off_ns != MISSING
        return out

    @property
    def is_open(self) -> _B:
        """Issued, neither settled nor written off, as of ``as_of``."""
        out: _B = self.status <= STATUS_DISPUTED  # open, partially paid or disputed
        return out

    @property
    def settled_at(self) -> npt.NDArray[np.datetime64]:
        """:attr:`settled_ns` as ``datetime64[ns]`` (NaT where unsettled)."""
        return _ro(self.settled_ns.view("datetime64[ns]"))

    @property
    def status_names(self) -> npt.NDArray[np.object_]:
        """The status of each case by name (:data:`STATUS_NAMES`)."""
        return np.array(STATUS_NAMES, dtype=object)[self.status]

    @property
    def coverage(self) -> Mapping[str, int]:
        """Counts: ``cases``, ``issued`` (before as_of), ``issued_after_as_of``,
        ``no_issue_event``; among the issued: ``missing_due_date``,
        ``missing_amount``, ``missing_currency``; and ``payments_without_amount``."""
        issued = self.is_issued
        has = self.has_issue_event
        return _freeze(
            {
                "cases": self.n,
                "issued": int(np.count_nonzero(issued)),
                "issued_after_as_of": int(np.count_nonzero(has & ~issued)),
                "no_issue_event": int(np.count_nonzero(~has)),
                "missing_due_date": int(np.count_nonzero(issued & ~self.has_due_date)),
                "missing_amount": int(np.count_nonzero(issued & ~self.has_amount)),
                "missing_currency": int(np.count_nonzero(issued & ~self.has_currency)),
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


def _role_codes(log: EventLog, spec: ActivityRole, param: str) -> npt.NDArray[np.int64]:
    """Activity codes of the activities playing a role (via the log's role resolution)."""
    # EventLog has no public "activity codes of a role" yet; _role is its one resolver
    # (canonical names, pt-BR labels, activity_map), so it is reused, not re-implemented.
    lut = log._role(spec, param=param)
    return np.flatnonzero(lut[: len(log.activities)]).astype(np.int64)


def _role_index(log: EventLog, codes: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Ascending event indices of the activities ``codes`` (equality masks: cheaper than
    a lookup-table gather for the usual one or two codes)."""
    act = log.activity_codes
    if codes.shape[0] == 0 or act.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    mask = act == codes[0]
    for c in codes[1:].tolist():
        mask |= act == c
    return np.flatnonzero(mask).astype(np.int64)


def _first_per_case(case: npt.NDArray[Any], idx: _I64, n: int) -> _I64:
    """Per case, the first of the ascending event indices ``idx`` (-1 if none)."""
    out = np.full(n, -1, dtype=np.int64)
    if idx.shape[0] == 0:
        return out
    c = case[idx]
    head = np.empty(c.shape[0], dtype=bool)
    head[0] = True
    np.not_equal(c[1:], c[:-1], out=head[1:])
    out[c[head]] = idx[head]
    return out


def _take(ts: _I64, index: _I64) -> _I64:
    if ts.shape[0] == 0:
        return np.full(index.shape, MISSING, dtype=np.int64)
    return np.where(index >= 0, ts[np.maximum(index, 0)], MISSING)


def _minor_values(
    raw: npt.NDArray[Any], *, field: str, ids: Callable[[int], Any]
) -> tuple[_I64, _B]:
    """Integer minor units and a validity mask from an int/float attribute array."""
    kind = raw.dtype.kind
    if kind in "iu":
        return raw.astype(np.int64), np.ones(raw.shape[0], dtype=bool)
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
    if raw.shape[0] == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    i = 0
    raise InvalidRecordError(
        record=ids(i), field=field, value=raw[i], expected="an amount in integer minor units"
    )


def _due_days(log: EventLog, name: str) -> _I64:
    n = log.n_cases
    if name not in log.case_attribute_names:
        return np.full(n, MISSING, dtype=np.int64)
    raw = log.case_attribute(name)
    if raw.dtype.kind == "M":
        unit, _ = np.datetime_data(raw.dtype)
        if unit in ("D", "W", "M", "Y"):
            return raw.astype("datetime64[D]").view(np.int64).copy()
        ns = raw.astype("datetime64[ns]").view(np.int64)
        return np.where(ns != MISSING, np.floor_divide(ns, _NS_PER_DAY), MISSING)
    col = log._case_attrs[name]  # ISO strings: parse each distinct label once
    if col.kind == "category" and col.labels is not None:
        parsed = np.empty(col.labels.shape[0] + 1, dtype=np.int64)
        parsed[-1] = MISSING
        for k, label in enumerate(col.labels.tolist()):
            try:
                parsed[k] = (_dt.date.fromisoformat(str(label)) - _EPOCH_DATE).days
            except ValueError:
                row = int(np.flatnonzero(col.data == k)[0])
                raise InvalidRecordError(
                    record=_plain(log.case_ids[row]), field=name, value=label,
                    expected="a due date (date or ISO 'YYYY-MM-DD' string)",
                ) from None  # fmt: skip
        codes = np.asarray(col.data, dtype=np.int64)
        out: _I64 = parsed[np.where(codes >= 0, codes, parsed.shape[0] - 1)]
        return out
    bad = int(np.flatnonzero(~col.null_mask())[0]) if n and bool((~col.null_mask()).any()) else 0
    raise InvalidRecordError(
        record=_plain(log.case_ids[bad]) if n else None, field=name,
        value=_plain(raw[bad]) if n else None, expected="a due date (date or ISO string)",
    )  # fmt: skip


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _currency_codes(log: EventLog, roles: Roles) -> tuple[npt.NDArray[np.int32], tuple[str, ...]]:
    n = log.n_cases
    name = roles.currency
    if name in log.case_attribute_names:
        col = log._case_attrs[name]  # category codes: avoids re-factorising strings
        if col.kind == "category" and col.labels is not None:
            labels = [str(x) for x in col.labels.tolist()]
            codes = np.asarray(col.data, dtype=np.int32)
        else:
            raw = log.case_attribute(name)
            bad = next((i for i, v in enumerate(raw.tolist()) if v is not None), 0)
            raise InvalidRecordError(
                record=_plain(log.case_ids[bad]) if n else None, field=name,
                value=_plain(raw[bad]) if n else None, expected="an ISO 4217 currency code",
            )  # fmt: skip
    else:
        labels = []
        codes = np.full(n, -1, dtype=np.int32)
    for i, code in enumerate(labels):
        try:
            currency_exponent(code)
        except InvalidParameterError:
            row = int(np.flatnonzero(codes == i)[0])
            raise InvalidRecordError(
                record=_plain(log.case_ids[row]), field=name, value=code,
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
    return codes, tuple(labels)


@attrs.frozen
class _Prepared:
    """Per-log work shared by every as-of instant."""

    log: EventLog
    issued_ns: _I64
    due_days: _I64
    amount: _I64
    has_amount: _B
    zero_amount: _B
    amount_or_zero: _I64
    currency_code: npt.NDArray[np.int32]
    currencies: tuple[str, ...]
    pay_case: _I64
    pay_ts: _I64
    pay_amount: _I64
    pay_has_amount: _B
    pay_issued: _I64  # issue instant of the payment's case (int64 max when none)
    pay_target: _I64  # amount of the payment's case (int64 max when none)
    pay_heads: _I64  # position of each case's first payment
    pay_tails: _I64  # position of each case's last payment
    pay_cases: _I64  # the case of each run of payments
    pay_run_lengths: _I64  # payments per run
    settled_first_ns: _I64
    written_first_ns: _I64
    reg_case: _I64
    reg_ts: _I64
    res_case: _I64
    res_ts: _I64


def _prepare_ledger(log: EventLog, roles: Roles) -> _Prepared:
    if not isinstance(roles, Roles):
        raise InvalidParameterError(f"roles must be a Roles, got {type(roles).__name__}")
    n = log.n_cases
    case = log.case_codes
    ts = log.timestamps
    ids = log.case_ids

    def first_ns(spec: ActivityRole, param: str) -> _I64:
        idx = _role_index(log, _role_codes(log, spec, param))
        return _take(ts, _first_per_case(case, idx, n))

    issued = first_ns(roles.generated, "generated")
    settled = first_ns(roles.settled, "settled")
    written = first_ns(roles.written_off, "written_off")
    pidx = _role_index(log, _role_codes(log, roles.payment, "payment"))
    pay_case = case[pidx].astype(np.int64)
    if roles.payment_amount in log.attribute_names and pidx.shape[0]:
        raw = log.event_attribute(roles.payment_amount)[pidx]
        pay_amount, pay_ok = _minor_values(
            raw, field=roles.payment_amount, ids=lambda i: _plain(ids[pay_case[i]])
        )
    else:
        pay_amount = np.zeros(pidx.shape[0], dtype=np.int64)
        pay_ok = np.zeros(pidx.shape[0], dtype=bool)
    if roles.invoice_amount in log.case_attribute_names:
        amount, has_amount = _minor_values(
            log.case_attribute(roles.invoice_amount),
            field=roles.invoice_amount,
            ids=lambda i: _plain(ids[i]),
        )
        amount = np.where(has_amount, amount, MISSING)
    else:
        amount = np.full(n, MISSING, dtype=np.int64)
        has_amount = np.zeros(n, dtype=bool)
    m = pay_case.shape[0]
    heads = np.zeros(0, dtype=np.int64)
    tails = np.zeros(0, dtype=np.int64)
    if m:
        head = np.empty(m, dtype=bool)
        head[0] = True
        np.not_equal(pay_case[1:], pay_case[:-1], out=head[1:])
        heads = np.flatnonzero(head).astype(np.int64)
        tails = np.empty(heads.shape[0], dtype=np.int64)
        tails[:-1] = heads[1:] - 1
        tails[-1] = m - 1
    reg = _role_index(log, _role_codes(log, roles.dispute_registered, "dispute_registered"))
    res = _role_index(log, _role_codes(log, roles.dispute_resolved, "dispute_resolved"))
    codes, currencies = _currency_codes(log, roles)
    return _Prepared(
        log=log,
        issued_ns=issued,
        due_days=_due_days(log, roles.due_date),
        amount=amount,
        has_amount=has_amount,
        zero_amount=has_amount & (amount == 0),
        amount_or_zero=np.where(has_amount, amount, 0),
        currency_code=codes,
        currencies=currencies,
        pay_case=pay_case,
        pay_ts=ts[pidx],
        pay_amount=pay_amount,
        pay_has_amount=pay_ok,
        pay_issued=np.where(issued != MISSING, issued, _MAX_NS)[pay_case],
        pay_target=np.where(has_amount, amount, _MAX_NS)[pay_case],
        pay_heads=heads,
        pay_tails=tails,
        pay_cases=pay_case[heads],
        pay_run_lengths=tails - heads + 1,
        settled_first_ns=settled,
        written_first_ns=written,
        reg_case=case[reg].astype(np.int64),
        reg_ts=ts[reg],
        res_case=case[res].astype(np.int64),
        res_ts=ts[res],
    )


def _first_of_runs(out: _I64, c: _I64, t: _I64, pos: _I64) -> None:
    """``out[case] = t`` at the first of the (ascending) positions ``pos`` of each case."""
    if pos.shape[0] == 0:
        return
    cp = c[pos]
    head = np.empty(pos.shape[0], dtype=bool)
    head[0] = True
    np.not_equal(cp[1:], cp[:-1], out=head[1:])
    out[cp[head]] = t[pos[head]]


def _earliest(a: _I64, b: _I64) -> _I64:
    """Elementwise earlier instant, MISSING counting as "never".

    ``x - 1`` wraps MISSING (int64 min) round to int64 max, so a plain minimum
    treats it as +infinity; ``+ 1`` wraps it back (numpy array arithmetic wraps
    silently). No valid instant is int64 min or max.
    """
    out: _I64 = np.minimum(a - 1, b - 1)
    out += 1
    return out


def _known(ns: _I64, limit: int) -> _I64:
    if limit == _MAX_NS:
        return ns
    out: _I64 = np.where(ns < limit, ns, MISSING)  # MISSING (int64 min) stays MISSING
    return out


def _build(p: _Prepared, as_of: int | None) -> Ledger:
    n = p.log.n_cases
    limit = _MAX_NS if as_of is None else as_of
    issued = p.issued_ns
    is_issued = (issued != MISSING) & (issued < limit)
    # payments known as of the bound. Events are sorted by (case, time), so a case's known
    # payments are a prefix of its payments: mask instead of compressing the arrays.
    c, t = p.pay_case, p.pay_ts
    all_known = as_of is None or (t.shape[0] > 0 and int(t.max()) < limit)
    k = None if all_known else t < limit
    a = p.pay_amount if k is None else np.where(k, p.pay_amount, 0)
    paid = np.zeros(n, dtype=np.int64)
    first_pay = np.full(n, MISSING, dtype=np.int64)
    first_after = np.full(n, MISSING, dtype=np.int64)
    cover = np.full(n, MISSING, dtype=np.int64)
    ok = p.pay_has_amount if k is None else p.pay_has_amount | ~k
    no_amount = int(ok.shape[0] - np.count_nonzero(ok))
    if c.shape[0]:
        heads, tails, cases = p.pay_heads, p.pay_tails, p.pay_cases
        cs = np.cumsum(a, dtype=np.int64)
        base = cs[heads] - a[heads]
        running = cs - np.repeat(base, p.pay_run_lengths)
        paid[cases] = running[tails]
        t_heads = t[heads]
        first_pay[cases] = t_heads if k is None else np.where(k[heads], t_heads, MISSING)
        # first payment at/after the issue: usually the case's first payment; the general
        # scan only runs over the cases whose first known payment precedes the issue
        head_after = t_heads >= p.pay_issued[heads]
        if k is not None:
            head_after &= k[heads]
        first_after[cases[head_after]] = t_heads[head_after]
        if not bool(head_after.all()):
            rest = np.repeat(~head_after, p.pay_run_lengths)
            rest &= t >= p.pay_issued
            if k is not None:
                rest &= k
            _first_of_runs(first_after, c, t, np.flatnonzero(rest))
        covers = running >= p.pay_target
        if k is not None:
            covers &= k
        _first_of_runs(cover, c, t, np.flatnonzero(covers))
    # the model: an invoice of amount zero is settled at its issue
    np.copyto(cover, issued, where=p.zero_amount & is_issued)
    settled = _earliest(_known(p.settled_first_ns, limit), cover)
    written = _known(p.written_first_ns, limit)
    n_reg = np.bincount(p.reg_case[p.reg_ts < limit], minlength=n)
    n_res = np.bincount(p.res_case[p.res_ts < limit], minlength=n)
    open_disputes = np.subtract(n_reg, n_res, dtype=np.int64)
    np.maximum(open_disputes, 0, out=open_disputes)
    status = np.full(n, STATUS_OPEN, dtype=np.int8)
    partial = paid > 0
    partial |= ~p.has_amount & (first_pay != MISSING)
    status[partial] = STATUS_PARTIALLY_PAID
    status[open_disputes > 0] = STATUS_DISPUTED
    status[settled != MISSING] = STATUS_PAID
    status[written != MISSING] = STATUS_WRITTEN_OFF
    status[~is_issued] = STATUS_NOT_ISSUED
    status[issued == MISSING] = STATUS_NO_ISSUE_EVENT
    open_minor = np.subtract(p.amount_or_zero, paid)
    np.maximum(open_minor, 0, out=open_minor)
    open_minor[status > STATUS_DISPUTED] = 0  # settled, written off or not issued
    return Ledger(
        case_ids=p.log.case_ids,
        as_of_ns=as_of,
        issued_ns=issued,
        due_day=p.due_days.view("datetime64[D]"),
        amount_minor=p.amount,
        currency_code=p.currency_code,
        currencies=p.currencies,
        paid_minor=paid,
        first_payment_ns=first_pay,
        first_payment_after_issue_ns=first_after,
        settled_ns=settled,
        written_off_ns=written,
        open_minor=open_minor,
        open_disputes=open_disputes,
        status=status,
        payments_without_amount=no_amount,
    )


def _bound(as_of: _dt.date | _dt.datetime | None, tz: _dt.tzinfo | None) -> int | None:
    return None if as_of is None else as_of_ns(as_of, tz=tz)


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
    codes, then O(payments) work per as-of instant (cumulative sums of the
    payments, which are already in (case, time) order). A missing due date,
    amount or currency is not an error: it is reported by
    :attr:`Ledger.coverage`, and each KPI says how it treats it.

    Examples
    --------
    >>> import datetime as dt
    >>> from kpicore.eventlog import EventLog
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
    log, _ = _prepare(data)
    return _build(_prepare_ledger(log, roles), _bound(as_of, tz))


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
    log, _ = _prepare(data)
    prepared = _prepare_ledger(log, roles)
    return [_build(prepared, _bound(a, tz)) for a in as_ofs]


# ---------------------------------------------------------------------------------- by=


def _customer_index(
    customers: Iterable[Customer] | Mapping[str, Customer] | None,
) -> dict[Hashable, Any]:
    out: dict[Hashable, Any] = {}
    if customers is None:
        return out
    if isinstance(customers, Mapping):
        out.update(customers)
        return out
    for i, cust in enumerate(customers):
        if not isinstance(cust, Customer):
            raise InvalidRecordError(
                row=i, field="customers", value=type(cust).__name__, expected="a Customer"
            )
        out[cust.id] = cust
    return out


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
            related = {"customer": ("customer_id", _customer_index(customers))}
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
            index = _customer_index(customers)
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
    period group.

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
    if by is None and freq is None:
        return None
    name, keys = group_keys(data, log, by, customers=customers, roles=roles, invoices=invoices)
    return make_grouping(
        int(index.shape[0]),
        by_name=name,
        by_keys=None if keys is None else keys[index],
        freq=freq,
        when=None if freq is None or when is None else when[index],
        tz=tz,
    )


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
        return np.where(ok, np.floor_divide(ns, _NS_PER_DAY), MISSING)
    out = np.full(ns.shape, MISSING, dtype=np.int64)
    if bool(ok.any()):
        out[ok] = bucket(ns[ok], "day", tz=tz)
    return out


# ---------------------------------------------------------------------------------- result


@attrs.frozen(eq=False)
class InvoiceDays:
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
    case_ids: npt.NDArray[Any] = attrs.field(converter=_ro)
    days: _F64 = attrs.field(converter=_ro)
    summary: Summary
    coverage: Mapping[str, int] = attrs.field(converter=_freeze)
    groups: Breakdown[Summary] | None = None

    def to_mapping(self) -> dict[Any, float | None]:
        """``{invoice: days}`` (None where missing)."""
        return {
            _plain(k): (None if v != v else v)
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
