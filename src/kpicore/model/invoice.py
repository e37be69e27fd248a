"""Invoices and what happens to them: payments, disputes, dunning letters, promises.

Time convention ("as of")
-------------------------
Every derived value of an :class:`Invoice` takes ``as_of``:

* ``None`` (default): everything recorded is known;
* a ``date`` D: the end of day D in UTC, i.e. the instant D+1 00:00 UTC
  (:func:`kpicore.periods.as_of_ns`);
* an aware ``datetime``: that instant (a naive one raises
  :class:`~kpicore.errors.NaiveDatetimeError`).

An event (payment, dispute, write-off, letter) is known *as of* that instant
when it happened **strictly before** it: the as-of instant is an exclusive
bound, so a date D covers all of day D and nothing of D+1.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from datetime import date, datetime
from typing import ClassVar

import attrs

from kpicore.errors import InvalidRecordError
from kpicore.model import _common as c
from kpicore.model.enums import InvoiceStatus
from kpicore.money import Money
from kpicore.periods import as_of_ns, to_ns

__all__ = ["Dispute", "DunningLetter", "Invoice", "Payment", "PromiseToPay"]


@attrs.frozen
class Payment:
    """A payment received against an invoice.

    Parameters
    ----------
    received_at : datetime, date or str
        When the money was received (aware; a date means 00:00 UTC). For a
        boleto this is ``pagamento_data``, which differs from the bank credit
        (``credito_data``) and the posting (``baixa_data``).
    amount : Money
        Non-negative. Its currency must be the invoice's (checked by the
        invoice).
    posted_at : datetime, date or str, optional
        When the payment was posted (cash application).
    id : str, optional
        The payment's id; non-empty when given. Errors name it as the record.

    Raises
    ------
    InvalidRecordError
        For a negative or non-Money amount, an empty id, ...
    NaiveDatetimeError
        For naive timestamps.

    Examples
    --------
    >>> from kpicore.money import Money
    >>> Payment("2024-02-05", Money.of("49.95", "BRL")).received_at
    datetime.datetime(2024, 2, 5, 0, 0, tzinfo=datetime.timezone.utc)
    """

    _record_field: ClassVar[str | None] = "id"

    received_at: datetime = attrs.field(converter=c.to_timestamp, validator=c.timestamp)
    amount: Money = attrs.field(validator=c.money)
    posted_at: datetime | None = attrs.field(
        default=None, converter=c.to_optional_timestamp, validator=c.optional_timestamp
    )
    id: str | None = attrs.field(default=None, validator=c.optional_record_id)


@attrs.frozen
class Dispute:
    """A dispute (contestação) registered on an invoice.

    Parameters
    ----------
    registered_at : datetime, date or str
        When the dispute was registered (aware).
    reason : str, optional
        The dispute reason (code or text).
    resolved_at : datetime, date or str, optional
        When it was resolved; not before ``registered_at``. ``None`` = open.

    Raises
    ------
    InvalidRecordError
        If ``resolved_at`` is before ``registered_at``. A dispute has no id:
        the error names only the field.
    NaiveDatetimeError
        For naive timestamps.

    Examples
    --------
    >>> Dispute("2024-02-01", "valor incorreto", resolved_at="2024-02-04").resolved_at.day
    4
    >>> Dispute("2024-02-01", resolved_at="2024-01-31")
    Traceback (most recent call last):
    ...
    kpicore.errors.InvalidRecordError: value: field 'resolved_at' = ...: expected an instant on
    or after registered_at (2024-02-01T00:00:00+00:00)
    """

    _record_field: ClassVar[str | None] = None

    registered_at: datetime = attrs.field(converter=c.to_timestamp, validator=c.timestamp)
    reason: str | None = attrs.field(default=None, validator=c.optional_text)
    resolved_at: datetime | None = attrs.field(
        default=None, converter=c.to_optional_timestamp, validator=c.optional_timestamp
    )

    def __attrs_post_init__(self) -> None:
        c.not_before(self, "resolved_at", self.resolved_at, self.registered_at, "registered_at")

    def is_open(self, as_of: date | datetime | None = None) -> bool:
        """Whether the dispute was registered and not yet resolved as of ``as_of``.

        Parameters
        ----------
        as_of : date, datetime or None
            See the module's time convention (None = everything known).

        Returns
        -------
        bool

        Examples
        --------
        >>> from datetime import date
        >>> d = Dispute("2024-02-01", resolved_at="2024-02-04T12:00:00+00:00")
        >>> d.is_open(date(2024, 1, 31)), d.is_open(date(2024, 2, 3)), d.is_open()
        (False, True, False)
        """
        limit = _limit(as_of)
        if limit is None:
            return self.resolved_at is None
        if to_ns(self.registered_at) >= limit:
            return False
        return self.resolved_at is None or to_ns(self.resolved_at) >= limit


@attrs.frozen
class DunningLetter:
    """A dunning (collection) letter sent for an invoice.

    Parameters
    ----------
    level : int
        The dunning level, 1 or more.
    sent_at : datetime, date or str
        When it was sent (aware).

    Raises
    ------
    InvalidRecordError
        If ``level`` is not an integer >= 1 (names only the field: a letter
        has no id).

    Examples
    --------
    >>> DunningLetter(2, "2024-03-01").level
    2
    >>> DunningLetter(0, "2024-03-01")
    Traceback (most recent call last):
    ...
    kpicore.errors.InvalidRecordError: value: field 'level' = 0: expected an integer >= 1
    """

    _record_field: ClassVar[str | None] = None

    level: int = attrs.field(validator=c.int_between(1, None))
    sent_at: datetime = attrs.field(converter=c.to_timestamp, validator=c.timestamp)


@attrs.frozen
class PromiseToPay:
    """A customer's promise to pay (promessa de pagamento).

    Parameters
    ----------
    created_at : datetime, date or str
        When the promise was recorded (aware).
    promised_date : date or ISO str
        The calendar date the customer promised to pay by.
    amount : Money, optional
        The promised amount (non-negative; the invoice's currency).

    Examples
    --------
    >>> PromiseToPay("2024-03-02", "2024-03-10").promised_date
    datetime.date(2024, 3, 10)
    """

    _record_field: ClassVar[str | None] = None

    created_at: datetime = attrs.field(converter=c.to_timestamp, validator=c.timestamp)
    promised_date: date = attrs.field(converter=c.to_date, validator=c.calendar_date)
    amount: Money | None = attrs.field(default=None, validator=c.optional_money)


def _payments(value: Iterable[Payment]) -> tuple[Payment, ...]:
    return c.to_tuple(value)


def _disputes(value: Iterable[Dispute]) -> tuple[Dispute, ...]:
    return c.to_tuple(value)


def _letters(value: Iterable[DunningLetter]) -> tuple[DunningLetter, ...]:
    return c.to_tuple(value)


def _promises(value: Iterable[PromiseToPay]) -> tuple[PromiseToPay, ...]:
    return c.to_tuple(value)


def _limit(as_of: date | datetime | None) -> int | None:
    """The exclusive as-of bound in ns since epoch UTC (None = no bound)."""
    return None if as_of is None else as_of_ns(as_of)


def _known(ns: int | None, limit: int | None) -> bool:
    """Whether an event at ``ns`` (None = never) is known at the bound ``limit``."""
    return ns is not None and (limit is None or ns < limit)


@attrs.frozen
class Invoice:
    """An invoice (a receivable, IXC ``fn_areceber`` título) and its history.

    Parameters
    ----------
    number : str
        The invoice number: the record id and the event-log case id.
    customer_id : str
        The customer invoiced.
    issued_at : datetime, date or str
        When the invoice was issued (aware; a date means 00:00 UTC).
    due_date : date or ISO str
        The calendar due date; not before the UTC date of ``issued_at``.
    amount : Money
        The invoice amount (non-negative).
    contract_id : str, optional
        The contract billed.
    posted_at : datetime, date or str, optional
        When the invoice was posted and sent.
    payments, disputes, dunning_letters, promises : sequences, default ()
        The invoice's :class:`Payment`, :class:`Dispute`,
        :class:`DunningLetter` and :class:`PromiseToPay` records, in any order;
        stored as tuples. Amounts must be in the invoice's currency.
    written_off_at : datetime, date or str, optional
        When the unpaid balance was written off as a loss.
    collector : str, optional
        The collector assigned.
    source_system : str, optional
        The system the record came from (e.g. ``"IXC"``).

    Raises
    ------
    InvalidRecordError
        Naming the invoice number and the field: empty number or customer id,
        negative amount, due date before the issue date, a payment or promise
        in another currency (field ``payments[i].amount``), an item of the
        wrong type (``payments[i]``), ...
    NaiveDatetimeError
        For a naive timestamp. Nested records (payments, ...) validate their
        own fields when they are built.

    Notes
    -----
    Derived values (see the module docstring for ``as_of``):

    * :meth:`paid_amount` sums the payments received before ``as_of``
      (overpayments included, so it may exceed ``amount``);
    * :meth:`open_amount` is ``amount - paid_amount`` floored at zero, and zero
      once written off;
    * :attr:`settled_at` is the ``received_at`` of the payment at which the
      cumulative paid amount (payments sorted by ``received_at``, ties in
      input order) first reaches ``amount``. An invoice of amount zero is
      settled at ``issued_at``. A payment received before ``issued_at``
      (a prepayment) can settle an invoice before its issue;
    * :meth:`status` has the precedence ``written_off`` (written off before
      ``as_of``) > ``paid`` (paid amount reaches the amount) > ``disputed``
      (a dispute registered before ``as_of`` is unresolved at ``as_of``) >
      ``partially_paid`` > ``open``.

    The status is computed for any ``as_of``, even one before the issue:
    KPIs exclude invoices issued after their as-of instant, the model does
    not. ``days_late`` follows IBM's accounts-receivable dataset (DaysLate =
    max(0, settled − due)).

    Examples
    --------
    An invoice of R$ 100,00 issued 1 Feb, due 10 Feb, paid R$ 40,00 on 5 Feb
    and R$ 60,00 on 12 Feb:

    >>> from datetime import date
    >>> from kpicore.money import Money
    >>> inv = Invoice("F-1", "C1", "2024-02-01", "2024-02-10", Money.of(100, "BRL"),
    ...               payments=[Payment("2024-02-12", Money.of(60, "BRL")),
    ...                         Payment("2024-02-05", Money.of(40, "BRL"))])
    >>> [inv.status(as_of).value for as_of in (date(2024, 2, 4), date(2024, 2, 5), None)]
    ['open', 'partially_paid', 'paid']
    >>> inv.open_amount(date(2024, 2, 5)).format_br()
    'R$ 60,00'
    >>> inv.settled_at.date(), inv.days_to_settle, inv.days_late
    (datetime.date(2024, 2, 12), 11, 2)
    """

    _record_field: ClassVar[str | None] = "number"

    number: str = attrs.field(validator=c.record_id)
    customer_id: str = attrs.field(validator=c.record_id)
    issued_at: datetime = attrs.field(converter=c.to_timestamp, validator=c.timestamp)
    due_date: date = attrs.field(converter=c.to_date, validator=c.calendar_date)
    amount: Money = attrs.field(validator=c.money)
    contract_id: str | None = attrs.field(default=None, validator=c.optional_record_id)
    posted_at: datetime | None = attrs.field(
        default=None, converter=c.to_optional_timestamp, validator=c.optional_timestamp
    )
    payments: tuple[Payment, ...] = attrs.field(
        default=(), converter=_payments, validator=c.tuple_of(Payment)
    )
    disputes: tuple[Dispute, ...] = attrs.field(
        default=(), converter=_disputes, validator=c.tuple_of(Dispute)
    )
    dunning_letters: tuple[DunningLetter, ...] = attrs.field(
        default=(), converter=_letters, validator=c.tuple_of(DunningLetter)
    )
    promises: tuple[PromiseToPay, ...] = attrs.field(
        default=(), converter=_promises, validator=c.tuple_of(PromiseToPay)
    )
    written_off_at: datetime | None = attrs.field(
        default=None, converter=c.to_optional_timestamp, validator=c.optional_timestamp
    )
    collector: str | None = attrs.field(default=None, validator=c.optional_text)
    source_system: str | None = attrs.field(default=None, validator=c.optional_text)

    # Derived at construction (not init arguments, not compared, not shown).
    _payment_ns: tuple[int, ...] = attrs.field(init=False, eq=False, repr=False)
    _cumulative_minor: tuple[int, ...] = attrs.field(init=False, eq=False, repr=False)
    _settled_at: datetime | None = attrs.field(init=False, eq=False, repr=False)
    _written_off_ns: int | None = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        issue_day = c.utc_date(self.issued_at)
        if self.due_date < issue_day:
            raise InvalidRecordError(
                record=self.number,
                field="due_date",
                value=self.due_date,
                expected=f"a date on or after the issue date {issue_day.isoformat()} "
                "(the UTC date of issued_at)",
            )
        currency = self.amount.currency
        for i, payment in enumerate(self.payments):
            c.same_currency(self, f"payments[{i}].amount", payment.amount, currency)
        for i, promise in enumerate(self.promises):
            c.same_currency(self, f"promises[{i}].amount", promise.amount, currency)

        # Payments in time order (stable: ties keep input order), cumulative sums.
        timed = sorted(
            ((to_ns(p.received_at), i) for i, p in enumerate(self.payments)),
            key=lambda pair: pair[0],
        )
        cumulative: list[int] = []
        running = 0
        settled_at: datetime | None = self.issued_at if self.amount.minor == 0 else None
        for _, i in timed:
            running += self.payments[i].amount.minor
            cumulative.append(running)
            if settled_at is None and running >= self.amount.minor:
                settled_at = self.payments[i].received_at
        object.__setattr__(self, "_payment_ns", tuple(ns for ns, _ in timed))
        object.__setattr__(self, "_cumulative_minor", tuple(cumulative))
        object.__setattr__(self, "_settled_at", settled_at)
        object.__setattr__(
            self,
            "_written_off_ns",
            None if self.written_off_at is None else to_ns(self.written_off_at),
        )

    # -- derived values --------------------------------------------------------------

    def _paid_minor(self, limit: int | None) -> int:
        count = len(self._payment_ns) if limit is None else bisect_left(self._payment_ns, limit)
        return self._cumulative_minor[count - 1] if count else 0

    def paid_amount(self, as_of: date | datetime | None = None) -> Money:
        """The total of the payments received before ``as_of``.

        Parameters
        ----------
        as_of : date, datetime or None
            See the module's time convention (None = all payments).

        Returns
        -------
        Money
            In the invoice's currency; may exceed :attr:`amount` when the
            invoice was overpaid.

        Examples
        --------
        >>> from datetime import date
        >>> from kpicore.money import Money
        >>> inv = Invoice("F-2", "C1", "2024-02-01", "2024-02-10", Money.of(100, "BRL"),
        ...               payments=[Payment("2024-02-05T15:00:00-03:00", Money.of(30, "BRL"))])
        >>> inv.paid_amount(date(2024, 2, 4)).format(), inv.paid_amount().format()
        ('BRL 0.00', 'BRL 30.00')
        """
        return Money(self._paid_minor(_limit(as_of)), self.amount.currency)

    def open_amount(self, as_of: date | datetime | None = None) -> Money:
        """The unpaid balance as of ``as_of``: ``amount - paid``, floored at zero.

        Zero once the invoice is written off (before ``as_of``).

        Parameters
        ----------
        as_of : date, datetime or None
            See the module's time convention.

        Returns
        -------
        Money

        Examples
        --------
        >>> from kpicore.money import Money
        >>> inv = Invoice("F-3", "C1", "2024-02-01", "2024-02-10", Money.of(100, "BRL"),
        ...               payments=[Payment("2024-02-05", Money.of(130, "BRL"))])
        >>> inv.open_amount().format(), inv.paid_amount().format()
        ('BRL 0.00', 'BRL 130.00')
        """
        limit = _limit(as_of)
        if _known(self._written_off_ns, limit):
            return Money(0, self.amount.currency)
        return Money(max(0, self.amount.minor - self._paid_minor(limit)), self.amount.currency)

    def is_disputed(self, as_of: date | datetime | None = None) -> bool:
        """Whether a dispute registered before ``as_of`` is unresolved at ``as_of``.

        Unlike :meth:`status`, this ignores payments and write-offs.

        Parameters
        ----------
        as_of : date, datetime or None
            See the module's time convention.

        Returns
        -------
        bool

        Examples
        --------
        >>> from datetime import date
        >>> from kpicore.money import Money
        >>> inv = Invoice("F-4", "C1", "2024-02-01", "2024-02-10", Money.of(100, "BRL"),
        ...               disputes=[Dispute("2024-02-03", resolved_at="2024-02-08")])
        >>> inv.is_disputed(date(2024, 2, 3)), inv.is_disputed(date(2024, 2, 8))
        (True, False)
        """
        return any(d.is_open(as_of) for d in self.disputes)

    def dunning_level(self, as_of: date | datetime | None = None) -> int:
        """The highest level of the dunning letters sent before ``as_of`` (0 if none).

        Parameters
        ----------
        as_of : date, datetime or None
            See the module's time convention.

        Returns
        -------
        int

        Examples
        --------
        >>> from datetime import date
        >>> from kpicore.money import Money
        >>> inv = Invoice("F-5", "C1", "2024-02-01", "2024-02-10", Money.of(100, "BRL"),
        ...               dunning_letters=[DunningLetter(1, "2024-02-15"),
        ...                                DunningLetter(2, "2024-02-25")])
        >>> inv.dunning_level(date(2024, 2, 14)), inv.dunning_level(date(2024, 2, 20))
        (0, 1)
        >>> inv.dunning_level()
        2
        """
        limit = _limit(as_of)
        return max(
            (d.level for d in self.dunning_letters if _known(to_ns(d.sent_at), limit)),
            default=0,
        )

    def status(self, as_of: date | datetime | None = None) -> InvoiceStatus:
        """The invoice's collection status as of ``as_of``.

        Precedence: ``WRITTEN_OFF`` > ``PAID`` > ``DISPUTED`` >
        ``PARTIALLY_PAID`` > ``OPEN``. An invoice of amount zero is ``PAID``
        (unless written off).

        Parameters
        ----------
        as_of : date, datetime or None
            See the module's time convention (None = everything known).

        Returns
        -------
        InvoiceStatus

        Examples
        --------
        >>> from datetime import date
        >>> from kpicore.money import Money
        >>> inv = Invoice("F-6", "C1", "2024-02-01", "2024-02-10", Money.of(100, "BRL"),
        ...               payments=[Payment("2024-02-05", Money.of(40, "BRL"))],
        ...               disputes=[Dispute("2024-02-07", resolved_at="2024-02-20")],
        ...               written_off_at="2024-06-30")
        >>> [inv.status(date(2024, m, d)).value for m, d in [(2, 5), (2, 7), (3, 1), (6, 30)]]
        ['partially_paid', 'disputed', 'partially_paid', 'written_off']
        """
        limit = _limit(as_of)
        if _known(self._written_off_ns, limit):
            return InvoiceStatus.WRITTEN_OFF
        paid = self._paid_minor(limit)
        if paid >= self.amount.minor:
            return InvoiceStatus.PAID
        if self.is_disputed(as_of):
            return InvoiceStatus.DISPUTED
        if paid > 0:
            return InvoiceStatus.PARTIALLY_PAID
        return InvoiceStatus.OPEN

    @property
    def settled_at(self) -> datetime | None:
        """When the payments first covered the amount (None if never).

        The ``received_at`` of the payment at which the cumulative paid amount,
        payments sorted by ``received_at`` (ties in input order), first
        reaches :attr:`amount`; ``issued_at`` for an invoice of amount zero.
        Independent of write-offs and of ``as_of`` (the invoice is settled
        as of ``t`` exactly when ``settled_at`` is before ``t``).

        Examples
        --------
        >>> from kpicore.money import Money
        >>> Invoice("F-7", "C1", "2024-02-01", "2024-02-10", Money.of(0, "BRL")).settled_at
        datetime.datetime(2024, 2, 1, 0, 0, tzinfo=datetime.timezone.utc)
        """
        return self._settled_at

    @property
    def days_to_settle(self) -> int | None:
        """Calendar days from the issue date to the settlement date (UTC dates).

        ``None`` while unsettled. Negative when a prepayment settled the
        invoice before its issue.

        Examples
        --------
        >>> from kpicore.money import Money
        >>> inv = Invoice("F-8", "C1", "2024-02-01T23:00:00+00:00", "2024-02-10",
        ...               Money.of(10, "BRL"),
        ...               payments=[Payment("2024-02-02T01:00:00+00:00", Money.of(10, "BRL"))])
        >>> inv.days_to_settle
        1
        """
        if self._settled_at is None:
            return None
        return (c.utc_date(self._settled_at) - c.utc_date(self.issued_at)).days

    @property
    def days_late(self) -> int | None:
        """Days the settlement came after the due date: ``max(0, settled − due)``.

        Calendar days between the UTC settlement date and ``due_date``; ``0``
        when settled on or before the due date, ``None`` while unsettled.

        Examples
        --------
        >>> from kpicore.money import Money
        >>> inv = Invoice("F-9", "C1", "2024-02-01", "2024-02-10", Money.of(10, "BRL"),
        ...               payments=[Payment("2024-02-09", Money.of(10, "BRL"))])
        >>> inv.days_late
        0
        """
        if self._settled_at is None:
            return None
        return max(0, (c.utc_date(self._settled_at) - self.due_date).days)
