"""The typed domain model: customers, contracts, invoices, credits and events.

Every class is a frozen, slotted attrs class validated at construction: bad
input raises a :class:`~kpicore.errors.KpiError` naming the record's id and
the field (never attrs' own ``TypeError``). Timestamps are aware datetimes (a
``date`` means 00:00 UTC of that day, a naive datetime raises
:class:`~kpicore.errors.NaiveDatetimeError`); calendar dates are ``date``
objects (an ISO ``"YYYY-MM-DD"`` string is accepted); amounts are
:class:`~kpicore.money.Money`; sequences are stored as tuples.

Examples
--------
>>> from kpicore.model import Invoice, InvoiceStatus, Payment
>>> from kpicore.money import Money
>>> inv = Invoice("F-1", "C1", "2024-02-01", "2024-02-10", Money.of(100, "BRL"),
...               payments=[Payment("2024-02-05", Money.of(100, "BRL"))])
>>> inv.status() is InvoiceStatus.PAID
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from kpicore.errors import InvalidRecordError
from kpicore.model.contract import Contract
from kpicore.model.credit import Credit
from kpicore.model.customer import Contact, Customer
from kpicore.model.enums import (
    AccessStatus,
    BillingMode,
    ContactKind,
    ContractStatus,
    CreditStatus,
    CustomerKind,
    InvoiceStatus,
)
from kpicore.model.event import Event
from kpicore.model.invoice import Dispute, DunningLetter, Invoice, Payment, PromiseToPay

__all__ = [
    "AccessStatus",
    "BillingMode",
    "Contact",
    "ContactKind",
    "Contract",
    "ContractStatus",
    "Credit",
    "CreditStatus",
    "Customer",
    "CustomerKind",
    "Dispute",
    "DunningLetter",
    "Event",
    "Invoice",
    "InvoiceStatus",
    "Payment",
    "PromiseToPay",
]

# Helpers for the record arguments of the KPIs (importable, not part of the documented API).

_R = TypeVar("_R")


def unique_records(items: Iterable[Any], cls: type[_R], field: str) -> list[_R]:
    """``items`` as a list, each a ``cls`` with an ``id`` not seen before.

    For the record arguments of the KPIs (contracts, credits, customers):
    InvalidRecordError names the row of an item that is not a ``cls`` (as
    ``field``), or the record and row of a repeated id.

    Examples
    --------
    >>> from kpicore.model import Customer
    >>> [c.id for c in unique_records([Customer("C1", "Ana")], Customer, "customers")]
    ['C1']
    >>> unique_records([Customer("C1", "Ana")] * 2, Customer, "customers")
    Traceback (most recent call last):
    ...
    kpicore.errors.InvalidRecordError: record 'C1' (row 1): field 'id' = 'C1': expected a customer id not seen before
    """  # noqa: E501
    out = list(items)
    seen: set[object] = set()
    for i, item in enumerate(out):
        if not isinstance(item, cls):
            raise InvalidRecordError(
                row=i, field=field, value=type(item).__name__, expected=f"a {cls.__name__}"
            )
        key = getattr(item, "id", None)
        if key in seen:
            raise InvalidRecordError(
                record=key, row=i, field="id", value=key,
                expected=f"a {cls.__name__.lower()} id not seen before",
            )  # fmt: skip
        seen.add(key)
    return out


def customers_by_id(
    customers: Iterable[Customer] | Mapping[str, Customer] | None,
) -> dict[str, Customer]:
    """``{id: customer}`` for the ``customers=`` argument of the KPIs.

    An iterable is indexed by :attr:`Customer.id`; a mapping is taken as
    already keyed by id; None gives an empty index. Every value must be a
    :class:`Customer` (InvalidRecordError naming the row otherwise).

    Examples
    --------
    >>> index = customers_by_id([Customer("C1", "Ana"), Customer("C2", "Bia")])
    >>> sorted(index), index["C2"].name
    (['C1', 'C2'], 'Bia')
    >>> customers_by_id(["C1"])
    Traceback (most recent call last):
    ...
    kpicore.errors.InvalidRecordError: row 0: field 'customers' = 'str': expected a Customer
    """
    if customers is None:
        return {}
    pairs = (
        list(customers.items())
        if isinstance(customers, Mapping)
        else [(cust.id if isinstance(cust, Customer) else None, cust) for cust in customers]
    )
    for i, (_, cust) in enumerate(pairs):
        if not isinstance(cust, Customer):
            raise InvalidRecordError(
                row=i, field="customers", value=type(cust).__name__, expected="a Customer"
            )
    return {str(key): cust for key, cust in pairs}
