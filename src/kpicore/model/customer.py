"""Customers and their contacts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import ClassVar

import attrs

from kpicore.model import _common as c
from kpicore.model.enums import ContactKind, CustomerKind
from kpicore.money import Money

__all__ = ["Contact", "Customer"]


def _contact_kind(value: ContactKind | str) -> ContactKind:
    return c.to_enum(ContactKind, value)


def _customer_kind(value: CustomerKind | str) -> CustomerKind:
    return c.to_enum(CustomerKind, value)


@attrs.frozen
class Contact:
    """One way to reach a customer (an e-mail address or a phone number).

    Parameters
    ----------
    kind : ContactKind or str
        ``"email"`` or ``"phone"``.
    value : str
        The address or number, as recorded (kpicore does not normalise it
        here; the contacts KPIs decide what counts as usable).
    added_at : datetime, date or str, optional
        When the contact was recorded (aware; a date means 00:00 UTC).

    Raises
    ------
    InvalidRecordError
        For an unknown kind or a non-string value. A contact has no id, so the
        error names only the field.
    NaiveDatetimeError
        If ``added_at`` is a naive datetime.

    Examples
    --------
    >>> Contact("email", "financeiro@example.com.br").kind
    <ContactKind.EMAIL: 'email'>
    """

    _record_field: ClassVar[str | None] = None

    kind: ContactKind = attrs.field(converter=_contact_kind, validator=c.member_of(ContactKind))
    value: str = attrs.field(validator=c.text)
    added_at: datetime | None = attrs.field(
        default=None, converter=c.to_optional_timestamp, validator=c.optional_timestamp
    )


def _contacts(value: Iterable[Contact]) -> tuple[Contact, ...]:
    return c.to_tuple(value)


@attrs.frozen
class Customer:
    """A customer (the party invoiced), with its segmentation dimensions.

    Parameters
    ----------
    id : str
        The customer's id (non-empty).
    name : str
        The customer's name.
    kind : CustomerKind or str, default ``CustomerKind.INDIVIDUAL``
        Person or company.
    segment, sector, country, region, city : str, optional
        Dimensions for ``by=`` breakdowns.
    credit_limit : Money, optional
        Non-negative.
    contacts : sequence of Contact, default ()
        Stored as a tuple.
    created_at : datetime, date or str, optional
        When the customer was registered (aware; a date means 00:00 UTC).

    Raises
    ------
    InvalidRecordError
        Naming the customer id and the field: empty id, negative credit limit,
        a contact that is not a :class:`Contact` (field ``contacts[i]``), ...
    NaiveDatetimeError
        If ``created_at`` is a naive datetime.

    Examples
    --------
    >>> from kpicore.money import Money
    >>> cust = Customer("C1", "Padaria Pão Quente", kind="company",
    ...                 credit_limit=Money.of("500.00", "BRL"),
    ...                 contacts=[Contact("phone", "+55 11 91234-5678")])
    >>> cust.kind.label_pt, len(cust.contacts)
    ('Pessoa Jurídica', 1)
    >>> Customer("C2", "X", credit_limit=Money.of("-1", "BRL"))
    Traceback (most recent call last):
    ...
    kpicore.errors.InvalidRecordError: record 'C2': field 'credit_limit' = ...: expected a ...
    """

    _record_field: ClassVar[str | None] = "id"

    id: str = attrs.field(validator=c.record_id)
    name: str = attrs.field(validator=c.text)
    kind: CustomerKind = attrs.field(
        default=CustomerKind.INDIVIDUAL,
        converter=_customer_kind,
        validator=c.member_of(CustomerKind),
    )
    segment: str | None = attrs.field(default=None, validator=c.optional_text)
    sector: str | None = attrs.field(default=None, validator=c.optional_text)
    country: str | None = attrs.field(default=None, validator=c.optional_text)
    region: str | None = attrs.field(default=None, validator=c.optional_text)
    city: str | None = attrs.field(default=None, validator=c.optional_text)
    credit_limit: Money | None = attrs.field(default=None, validator=c.optional_money)
    contacts: tuple[Contact, ...] = attrs.field(
        default=(), converter=_contacts, validator=c.tuple_of(Contact)
    )
    created_at: datetime | None = attrs.field(
        default=None, converter=c.to_optional_timestamp, validator=c.optional_timestamp
    )
