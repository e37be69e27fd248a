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
