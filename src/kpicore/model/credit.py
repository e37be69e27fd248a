"""Customer credits (*créditos em haver*)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import attrs

from kpicore.errors import InvalidRecordError
from kpicore.model import _common as c
from kpicore.model.enums import CreditStatus
from kpicore.money import Money

__all__ = ["Credit"]


def _credit_status(value: CreditStatus | str) -> CreditStatus:
    return c.to_enum(CreditStatus, value)


@attrs.frozen
class Credit:
    """A credit a customer holds with the provider (overpayment, bonus, outage abatement).

    Parameters
    ----------
    id : str
        The credit's id (non-empty).
    customer_id : str
        The customer holding it (non-empty).
    amount : Money
        The credit granted (non-negative).
    used_amount : Money
        How much has been used (applied to invoices): non-negative, in the
        currency of ``amount``, not above ``amount``.
    issued_at : datetime, date or str
        When the credit was granted (aware; a date means 00:00 UTC).
    status : CreditStatus or str
        ``open``, ``used``, ``cancelled``, ``refunded`` or ``expired``.
    cancelled_at : datetime, date or str, optional
        When the credit ended. Required exactly when the status is
        cancelled, refunded or expired (:attr:`CreditStatus.is_terminal`);
        not before ``issued_at``.
    reason : str, optional
        Why the credit was granted (the *grant* reason).
    service_type : str, optional
        The service it applies to.
    cancellation_reason : str, optional
        Why the credit ended (cancelled, refunded or expired): its own
        reason, distinct from the grant ``reason``. Only on an ended credit.
    used_at : datetime, date or str, optional
        When the credit was used (the last use, for a credit used in parts).
        Only with a ``used_amount`` above zero; not before ``issued_at`` and
        not after ``cancelled_at``.

    Raises
    ------
    InvalidRecordError
        Naming the credit id and the field.
    NaiveDatetimeError
        For naive timestamps.

    Notes
    -----
    Lifecycle (our inference from ERP documentation): offered → used (partly
    or fully) → used up, cancelled, refunded or expired; the value cancelled
    is the unused balance at that moment (:attr:`unused_amount`).

    Examples
    --------
    >>> from kpicore.money import Money
    >>> cr = Credit("CR1", "C1", Money.of(50, "BRL"), Money.of("20.50", "BRL"),
    ...             "2024-01-10", "open", reason="queda de sinal")
    >>> cr.unused_amount.format_br()
    'R$ 29,50'
    >>> Credit("CR2", "C1", Money.of(50, "BRL"), Money.of(0, "BRL"), "2024-01-10", "cancelled")
    Traceback (most recent call last):
    ...
    kpicore.errors.InvalidRecordError: record 'CR2': field 'cancelled_at' = None: expected ...
    >>> cr = Credit("CR4", "C1", Money.of(50, "BRL"), Money.of(20, "BRL"), "2024-01-10",
    ...             "cancelled", cancelled_at="2024-03-01", reason="queda de sinal",
    ...             cancellation_reason="contrato cancelado", used_at="2024-02-10")
    >>> cr.reason, cr.cancellation_reason, cr.used_at.date().isoformat()
    ('queda de sinal', 'contrato cancelado', '2024-02-10')
    """

    _record_field: ClassVar[str | None] = "id"

    id: str = attrs.field(validator=c.record_id)
    customer_id: str = attrs.field(validator=c.record_id)
    amount: Money = attrs.field(validator=c.money)
    used_amount: Money = attrs.field(validator=c.money)
    issued_at: datetime = attrs.field(converter=c.to_timestamp, validator=c.timestamp)
    status: CreditStatus = attrs.field(
        converter=_credit_status, validator=c.member_of(CreditStatus)
    )
    cancelled_at: datetime | None = attrs.field(
        default=None, converter=c.to_optional_timestamp, validator=c.optional_timestamp
    )
    reason: str | None = attrs.field(default=None, validator=c.optional_text)
    service_type: str | None = attrs.field(default=None, validator=c.optional_text)
    cancellation_reason: str | None = attrs.field(default=None, validator=c.optional_text)
    used_at: datetime | None = attrs.field(
        default=None, converter=c.to_optional_timestamp, validator=c.optional_timestamp
    )

    def __attrs_post_init__(self) -> None:
        c.same_currency(self, "used_amount", self.used_amount, self.amount.currency)
        if self.used_amount.minor > self.amount.minor:
            raise InvalidRecordError(
                record=self.id,
                field="used_amount",
                value=self.used_amount,
                expected=f"an amount not above amount ({self.amount})",
            )
        if self.status.is_terminal and self.cancelled_at is None:
            raise InvalidRecordError(
                record=self.id,
                field="cancelled_at",
                value=None,
                expected=f"the instant the credit ended (status is {self.status.value!r})",
            )
        if not self.status.is_terminal and self.cancelled_at is not None:
            raise InvalidRecordError(
                record=self.id,
                field="cancelled_at",
                value=self.cancelled_at,
                expected=f"None: status {self.status.value!r} has not ended the credit "
                "(use cancelled, refunded or expired)",
            )
        c.not_before(self, "cancelled_at", self.cancelled_at, self.issued_at, "issued_at")
        if self.cancellation_reason is not None and not self.status.is_terminal:
            raise InvalidRecordError(
                record=self.id,
                field="cancellation_reason",
                value=self.cancellation_reason,
                expected=f"None: status {self.status.value!r} has not ended the credit "
                "(a cancellation reason needs cancelled, refunded or expired)",
            )
        if self.used_at is not None:
            if self.used_amount.minor == 0:
                raise InvalidRecordError(
                    record=self.id,
                    field="used_at",
                    value=self.used_at,
                    expected="None: the credit has no used_amount (nothing was used)",
                )
            c.not_before(self, "used_at", self.used_at, self.issued_at, "issued_at")
            if self.cancelled_at is not None and self.used_at > self.cancelled_at:
                raise InvalidRecordError(
                    record=self.id,
                    field="used_at",
                    value=self.used_at,
                    expected=f"an instant on or before cancelled_at "
                    f"({self.cancelled_at.isoformat()})",
                )

    @property
    def unused_amount(self) -> Money:
        """The balance not used: ``amount - used_amount``.

        For an ended credit this is the value cancelled, refunded or expired.

        Examples
        --------
        >>> from kpicore.money import Money
        >>> Credit("CR3", "C1", Money.of(10, "BRL"), Money.of(10, "BRL"),
        ...        "2024-01-10", "used").unused_amount.is_zero
        True
        """
        return Money(self.amount.minor - self.used_amount.minor, self.amount.currency)
