"""Tests of kpicore.model: enums, converters, one test per validation rule, invoice as-of logic.

Dates in comments: issue 1 Feb 2024, due 10 Feb 2024 unless stated. ``as_of`` a date D
means the instant D+1 00:00 UTC (exclusive): events on day D (UTC) are known.
"""

from __future__ import annotations

import copy
import pickle
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import (
    contract_strategy,
    credit_strategy,
    customer_strategy,
    event_strategy,
    invoice_strategy,
)

from kpicore.errors import InvalidParameterError, InvalidRecordError, KpiError, NaiveDatetimeError
from kpicore.model import (
    AccessStatus,
    BillingMode,
    Contact,
    ContactKind,
    Contract,
    ContractStatus,
    Credit,
    CreditStatus,
    Customer,
    CustomerKind,
    Dispute,
    DunningLetter,
    Event,
    Invoice,
    InvoiceStatus,
    Payment,
    PromiseToPay,
)
from kpicore.money import Money

BRT = timezone(timedelta(hours=-3))


def _any(value: object) -> Any:
    """Let a test pass a deliberately ill-typed value past mypy."""
    return value


def brl(amount: int | str) -> Money:
    return Money.of(amount, "BRL")


def usd(amount: int | str) -> Money:
    return Money.of(amount, "USD")


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


def invoice(**overrides: Any) -> Invoice:
    """A valid invoice: F-1 for C1, issued 1 Feb 2024, due 10 Feb, R$ 100,00."""
    fields: dict[str, Any] = {
        "number": "F-1",
        "customer_id": "C1",
        "issued_at": utc(2024, 2, 1, 12),
        "due_date": date(2024, 2, 10),
        "amount": brl(100),
    }
    fields.update(overrides)
    return Invoice(**fields)


def credit(**overrides: Any) -> Credit:
    """A valid open credit CR1 of R$ 50,00 with R$ 20,00 used."""
    fields: dict[str, Any] = {
        "id": "CR1",
        "customer_id": "C1",
        "amount": brl(50),
        "used_amount": brl(20),
        "issued_at": utc(2024, 1, 10),
        "status": CreditStatus.OPEN,
    }
    fields.update(overrides)
    return Credit(**fields)


def contract(**overrides: Any) -> Contract:
    fields: dict[str, Any] = {
        "id": "K1",
        "customer_id": "C1",
        "plan": "Fibra 300M",
        "billing_mode": BillingMode.PREPAID,
        "status": ContractStatus.ACTIVE,
        "access_status": AccessStatus.ACTIVE,
        "monthly_amount": brl("99.90"),
    }
    fields.update(overrides)
    return Contract(**fields)


def assert_names(error: InvalidRecordError, record: object, field: str) -> None:
    """The error carries and prints the record id and the field."""
    assert error.record == record
    assert error.field == field
    message = str(error)
    assert f"field {field!r}" in message
    if record is not None:
        assert f"record {record!r}" in message
    else:
        assert message.startswith("value: ")


# ---------------------------------------------------------------------------------------
# Enums
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("P", ContractStatus.PRE_CONTRACT),
        ("A", ContractStatus.ACTIVE),
        ("I", ContractStatus.INACTIVE),
        ("N", ContractStatus.NEGATIVADO),
        ("D", ContractStatus.CANCELLED),
        (" a ", ContractStatus.ACTIVE),
        ("n", ContractStatus.NEGATIVADO),
    ],
)
def test_contract_status_from_ixc(code: str, expected: ContractStatus) -> None:
    assert ContractStatus.from_ixc(code) is expected


@pytest.mark.parametrize("code", ["C", "S", "", "AA", None, 1])
def test_contract_status_from_ixc_rejects_unknown_codes(code: object) -> None:
    with pytest.raises(InvalidRecordError) as info:
        ContractStatus.from_ixc(_any(code))
    assert_names(info.value, None, "status")
    assert "P, A, I, N, D" in str(info.value)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("A", AccessStatus.ACTIVE),
        ("D", AccessStatus.DISABLED),
        ("CM", AccessStatus.BLOCKED_MANUAL),
        ("CA", AccessStatus.BLOCKED_AUTO),
        ("FA", AccessStatus.FINANCIAL_HOLD),
        ("AA", AccessStatus.AWAITING_SIGNATURE),
        ("ca", AccessStatus.BLOCKED_AUTO),
    ],
)
def test_access_status_from_ixc(code: str, expected: AccessStatus) -> None:
    assert AccessStatus.from_ixc(code) is expected


def test_access_status_reduced_speed_applies_only_to_active_access() -> None:
    assert AccessStatus.from_ixc("A", status_velocidade="R") is AccessStatus.REDUCED
    assert AccessStatus.from_ixc("A", status_velocidade="N") is AccessStatus.ACTIVE
    # A blocked access stays blocked whatever its speed.
    assert AccessStatus.from_ixc("CA", status_velocidade="r") is AccessStatus.BLOCKED_AUTO


def test_access_status_from_ixc_rejects_unknown_codes() -> None:
    with pytest.raises(InvalidRecordError) as info:
        AccessStatus.from_ixc("B")
    assert_names(info.value, None, "status_internet")
    with pytest.raises(InvalidRecordError) as info:
        AccessStatus.from_ixc("A", status_velocidade="X")
    assert_names(info.value, None, "status_velocidade")


ENUMS = [
    CustomerKind,
    BillingMode,
    ContractStatus,
    AccessStatus,
    CreditStatus,
    ContactKind,
    InvoiceStatus,
]


@pytest.mark.parametrize("enum", ENUMS)
def test_every_member_has_a_distinct_pt_label(enum: Any) -> None:
    labels = [member.label_pt for member in enum]
    assert all(isinstance(label, str) and label for label in labels)
    assert len(set(labels)) == len(labels)


def test_enum_values_and_labels() -> None:
    assert [m.value for m in ContractStatus] == [
        "active",
        "suspended",
        "cancelled",
        "inactive",
        "pre_contract",
        "negativado",
    ]
    assert [m.value for m in AccessStatus] == [
        "active",
        "blocked_auto",
        "blocked_manual",
        "financial_hold",
        "reduced",
        "disabled",
        "awaiting_signature",
    ]
    assert [m.value for m in InvoiceStatus] == [
        "open",
        "partially_paid",
        "paid",
        "disputed",
        "written_off",
    ]
    # Same value in two enums, different labels: labels are looked up per enum.
    assert _any(ContractStatus.ACTIVE) == _any(AccessStatus.ACTIVE) == "active"
    assert ContractStatus.CANCELLED.label_pt == "Cancelado"
    assert CreditStatus.CANCELLED.label_pt == "Cancelado"
    assert CreditStatus.OPEN.label_pt == "Em aberto"
    assert InvoiceStatus.OPEN.label_pt == "Em Aberto"
    assert CustomerKind.INDIVIDUAL.label_pt == "Pessoa Física"
    assert BillingMode.POSTPAID.label_pt == "Pós-pago"


def test_credit_terminal_statuses() -> None:
    terminal = {s for s in CreditStatus if s.is_terminal}
    assert terminal == {CreditStatus.CANCELLED, CreditStatus.REFUNDED, CreditStatus.EXPIRED}


# ---------------------------------------------------------------------------------------
# Converters
# ---------------------------------------------------------------------------------------


def test_timestamp_converter_accepts_dates_and_iso_strings() -> None:
    # A date (or an ISO date string) is 00:00 UTC of that day.
    assert Payment(date(2024, 2, 5), brl(1)).received_at == utc(2024, 2, 5)
    assert Payment("2024-02-05", brl(1)).received_at == utc(2024, 2, 5)
    # An ISO string with an offset keeps it: 10:00-03:00 is 13:00 UTC.
    received = Payment("2024-02-05T10:00:00-03:00", brl(1)).received_at
    assert received == utc(2024, 2, 5, 13)
    assert received.utcoffset() == timedelta(hours=-3)
    # An aware datetime is stored as given (its zone kept).
    aware = datetime(2024, 2, 5, 10, tzinfo=BRT)
    assert Payment(aware, brl(1)).received_at.tzinfo is BRT


def test_timestamp_converter_rejects_naive_iso_strings() -> None:
    with pytest.raises(NaiveDatetimeError) as info:
        Payment("2024-02-05T10:00:00", brl(1), id="P1")
    assert_names(info.value, "P1", "received_at")


@pytest.mark.parametrize("value", ["05/02/2024", "yesterday", "", 20240205, 1.5])
def test_timestamp_converter_rejects_other_values(value: object) -> None:
    with pytest.raises(InvalidRecordError) as info:
        invoice(issued_at=value)
    assert_names(info.value, "F-1", "issued_at")
    assert not isinstance(info.value, NaiveDatetimeError)


def test_date_converter_accepts_iso_strings_only() -> None:
    assert invoice(due_date="2024-02-10").due_date == date(2024, 2, 10)
    assert invoice(due_date=" 2024-02-10 ").due_date == date(2024, 2, 10)


@pytest.mark.parametrize(
    "value",
    [
        "10/02/2024",  # DD/MM/YYYY: accepted by IXC POST bodies, not guessed here
        "20240210",  # basic ISO format: not accepted (strict YYYY-MM-DD)
        "2024-02-30",
        "0000-00-00",  # IXC's missing date: map it to None before building
        datetime(2024, 2, 10, tzinfo=UTC),  # a datetime is not truncated to a date
        20240210,
    ],
)
def test_date_converter_rejects_other_values(value: object) -> None:
    with pytest.raises(InvalidRecordError) as info:
        invoice(due_date=value)
    assert_names(info.value, "F-1", "due_date")


def test_enum_fields_accept_values_and_reject_unknown_ones() -> None:
    assert contract(status="negativado").status is ContractStatus.NEGATIVADO
    with pytest.raises(InvalidRecordError) as info:
        contract(status="A")  # an IXC code: use ContractStatus.from_ixc
    assert_names(info.value, "K1", "status")
    assert "'pre_contract'" in str(info.value)
    with pytest.raises(InvalidRecordError) as info:
        contract(access_status=AccessStatus.ACTIVE, billing_mode="pre-pago")
    assert_names(info.value, "K1", "billing_mode")


def test_lists_become_tuples() -> None:
    payments = [Payment("2024-02-05", brl(40))]
    inv = invoice(
        payments=payments,
        disputes=[Dispute("2024-02-03")],
        dunning_letters=[DunningLetter(1, "2024-02-15")],
        promises=(p for p in [PromiseToPay("2024-02-12", "2024-02-20")]),
    )
    assert isinstance(inv.payments, tuple)
    assert isinstance(inv.disputes, tuple)
    assert isinstance(inv.dunning_letters, tuple)
    assert isinstance(inv.promises, tuple)
    payments.append(Payment("2024-02-06", brl(60)))  # the invoice keeps its own copy
    assert len(inv.payments) == 1
    cust = Customer("C1", "Ana", contacts=[Contact("email", "a@b.com")])
    assert cust.contacts == (Contact(ContactKind.EMAIL, "a@b.com"),)


def test_sequence_items_of_the_wrong_type_are_named_by_index() -> None:
    with pytest.raises(InvalidRecordError) as info:
        invoice(payments=[Payment("2024-02-05", brl(1)), {"amount": 1}])
    assert_names(info.value, "F-1", "payments[1]")
    with pytest.raises(InvalidRecordError) as info:
        invoice(disputes="2024-02-03")  # a string is not a sequence of disputes
    assert_names(info.value, "F-1", "disputes")
    with pytest.raises(InvalidRecordError) as info:
        Customer("C9", "X", contacts=_any(["a@b.com"]))
    assert_names(info.value, "C9", "contacts[0]")


def test_no_attrs_type_errors_leak() -> None:
    # Every bad value is a KpiError, never attrs' own TypeError/ValueError.
    bad: list[dict[str, Any]] = [
        {"amount": 100},
        {"amount": 100.0},
        {"customer_id": 7},
        {"collector": 3},
        {"contract_id": ""},
        {"posted_at": "soon"},
    ]
    for overrides in bad:
        with pytest.raises(KpiError):
            invoice(**overrides)


# ---------------------------------------------------------------------------------------
# Validation rules: one test per rule, error type + record id + field
# ---------------------------------------------------------------------------------------


def test_rule_due_date_before_issue_date() -> None:
    with pytest.raises(InvalidRecordError) as info:
        invoice(due_date=date(2024, 1, 31))
    assert_names(info.value, "F-1", "due_date")
    assert "2024-02-01" in str(info.value)


def test_rule_due_date_compares_with_the_utc_date_of_issue() -> None:
    # Issued 31 Jan 22:00 in Brasília = 1 Feb 01:00 UTC: the issue date is 1 Feb.
    issued = datetime(2024, 1, 31, 22, tzinfo=BRT)
    with pytest.raises(InvalidRecordError) as info:
        invoice(issued_at=issued, due_date=date(2024, 1, 31))
    assert_names(info.value, "F-1", "due_date")
    assert invoice(issued_at=issued, due_date=date(2024, 2, 1)).due_date == date(2024, 2, 1)
    # Due on the issue day itself is fine.
    assert invoice(due_date=date(2024, 2, 1)).due_date == date(2024, 2, 1)


def test_rule_negative_invoice_amount() -> None:
    with pytest.raises(InvalidRecordError) as info:
        invoice(amount=brl("-0.01"))
    assert_names(info.value, "F-1", "amount")


def test_rule_negative_payment_amount() -> None:
    with pytest.raises(InvalidRecordError) as info:
        Payment("2024-02-05", brl(-5), id="P-9")
    assert_names(info.value, "P-9", "amount")
    with pytest.raises(InvalidRecordError) as info:  # a payment without id: field only
        Payment("2024-02-05", brl(-5))
    assert_names(info.value, None, "amount")


def test_rule_negative_promise_amount() -> None:
    with pytest.raises(InvalidRecordError) as info:
        PromiseToPay("2024-02-05", "2024-02-20", brl(-1))
    assert_names(info.value, None, "amount")


def test_rule_negative_credit_amount() -> None:
    with pytest.raises(InvalidRecordError) as info:
        credit(amount=brl(-50), used_amount=brl(0))
    assert_names(info.value, "CR1", "amount")


def test_rule_negative_credit_used_amount() -> None:
    with pytest.raises(InvalidRecordError) as info:
        credit(used_amount=brl(-1))
    assert_names(info.value, "CR1", "used_amount")


def test_rule_negative_credit_limit() -> None:
    with pytest.raises(InvalidRecordError) as info:
        Customer("C7", "Ana", credit_limit=brl(-1))
    assert_names(info.value, "C7", "credit_limit")


def test_rule_negative_monthly_amount() -> None:
    with pytest.raises(InvalidRecordError) as info:
        contract(monthly_amount=brl(-1))
    assert_names(info.value, "K1", "monthly_amount")


def test_rule_payment_currency_differs_from_invoice() -> None:
    payments = [
        Payment("2024-02-03", brl(10)),
        Payment("2024-02-04", brl(10)),
        Payment("2024-02-05", usd(10)),
    ]
    with pytest.raises(InvalidRecordError) as info:
        invoice(payments=payments)
    assert_names(info.value, "F-1", "payments[2].amount")
    assert "BRL" in str(info.value)


def test_rule_promise_currency_differs_from_invoice() -> None:
    with pytest.raises(InvalidRecordError) as info:
        invoice(promises=[PromiseToPay("2024-02-12", "2024-02-20", usd(100))])
    assert_names(info.value, "F-1", "promises[0].amount")


def test_rule_credit_used_currency_differs() -> None:
    with pytest.raises(InvalidRecordError) as info:
        credit(used_amount=usd(20))
    assert_names(info.value, "CR1", "used_amount")


NAIVE = datetime(2024, 2, 5, 10)


@pytest.mark.parametrize(
    ("build", "record", "field"),
    [
        (lambda: invoice(issued_at=NAIVE), "F-1", "issued_at"),
        (lambda: invoice(posted_at=NAIVE), "F-1", "posted_at"),
        (lambda: invoice(written_off_at=NAIVE), "F-1", "written_off_at"),
        (lambda: Payment(NAIVE, brl(1), id="P1"), "P1", "received_at"),
        (lambda: Payment(utc(2024, 2, 5), brl(1), posted_at=NAIVE), None, "posted_at"),
        (lambda: Dispute(NAIVE), None, "registered_at"),
        (lambda: Dispute(utc(2024, 2, 5), resolved_at=NAIVE), None, "resolved_at"),
        (lambda: DunningLetter(1, NAIVE), None, "sent_at"),
        (lambda: PromiseToPay(NAIVE, date(2024, 2, 9)), None, "created_at"),
        (lambda: credit(issued_at=NAIVE), "CR1", "issued_at"),
        (
            lambda: credit(status=CreditStatus.EXPIRED, cancelled_at=NAIVE),
            "CR1",
            "cancelled_at",
        ),
        (lambda: Customer("C1", "Ana", created_at=NAIVE), "C1", "created_at"),
        (lambda: Contact(ContactKind.PHONE, "11912345678", NAIVE), None, "added_at"),
        (lambda: Event("F-1", "Payment Received", NAIVE), "F-1", "timestamp"),
    ],
)
def test_rule_naive_timestamps(build: Any, record: object, field: str) -> None:
    with pytest.raises(NaiveDatetimeError) as info:
        build()
    assert_names(info.value, record, field)


def test_naive_as_of_is_rejected() -> None:
    with pytest.raises(NaiveDatetimeError) as info:
        invoice().paid_amount(datetime(2024, 2, 5))
    assert info.value.field == "as_of"


@pytest.mark.parametrize(
    "status", [CreditStatus.CANCELLED, CreditStatus.REFUNDED, CreditStatus.EXPIRED]
)
def test_rule_terminal_credit_status_without_cancelled_at(status: CreditStatus) -> None:
    with pytest.raises(InvalidRecordError) as info:
        credit(status=status)
    assert_names(info.value, "CR1", "cancelled_at")
    assert status.value in str(info.value)


@pytest.mark.parametrize("status", [CreditStatus.OPEN, CreditStatus.USED])
def test_rule_cancelled_at_without_terminal_credit_status(status: CreditStatus) -> None:
    with pytest.raises(InvalidRecordError) as info:
        credit(status=status, cancelled_at=utc(2024, 3, 1))
    assert_names(info.value, "CR1", "cancelled_at")


def test_rule_credit_cancelled_before_issued() -> None:
    with pytest.raises(InvalidRecordError) as info:
        credit(status="refunded", cancelled_at=utc(2024, 1, 9))
    assert_names(info.value, "CR1", "cancelled_at")


def test_rule_used_amount_above_amount() -> None:
    with pytest.raises(InvalidRecordError) as info:
        credit(used_amount=brl("50.01"))
    assert_names(info.value, "CR1", "used_amount")
    # Exactly the amount is fine.
    assert credit(used_amount=brl(50), status="used").unused_amount == brl(0)


def test_rule_dispute_resolved_before_registered() -> None:
    with pytest.raises(InvalidRecordError) as info:
        Dispute(utc(2024, 2, 5, 12), resolved_at=utc(2024, 2, 5, 11, 59))
    assert_names(info.value, None, "resolved_at")
    # Resolved at the same instant is allowed.
    same = Dispute(utc(2024, 2, 5, 12), resolved_at=datetime(2024, 2, 5, 9, tzinfo=BRT))
    assert same.resolved_at == same.registered_at


@pytest.mark.parametrize("level", [0, -1, True, 1.0, "1"])
def test_rule_dunning_level_below_one(level: object) -> None:
    with pytest.raises(InvalidRecordError) as info:
        DunningLetter(_any(level), utc(2024, 2, 15))
    assert_names(info.value, None, "level")


@pytest.mark.parametrize("day", [0, 32, -1, True, 10.0])
def test_rule_billing_day_outside_1_to_31(day: object) -> None:
    with pytest.raises(InvalidRecordError) as info:
        contract(billing_day=day)
    assert_names(info.value, "K1", "billing_day")


def test_billing_day_bounds_are_inclusive() -> None:
    assert contract(billing_day=1).billing_day == 1
    assert contract(billing_day=31).billing_day == 31
    assert contract().billing_day is None


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda v: invoice(number=v), "number"),
        (lambda v: invoice(customer_id=v), "customer_id"),
        (lambda v: invoice(contract_id=v), "contract_id"),
        (lambda v: Customer(v, "Ana"), "id"),
        (lambda v: contract(id=v), "id"),
        (lambda v: contract(customer_id=v), "customer_id"),
        (lambda v: credit(id=v), "id"),
        (lambda v: credit(customer_id=v), "customer_id"),
        (lambda v: Payment(utc(2024, 2, 5), brl(1), id=v), "id"),
        (lambda v: Event(v, "Payment Received", utc(2024, 2, 5)), "case_id"),
    ],
)
@pytest.mark.parametrize("empty", ["", "   "])
def test_rule_empty_ids(build: Any, field: str, empty: str) -> None:
    with pytest.raises(InvalidRecordError) as info:
        build(empty)
    error = info.value
    assert error.field == field
    assert f"field {field!r}" in str(error)
    assert "non-empty string" in str(error)
    # The record named is the record's id: the empty value itself when the id is the
    # offending field, else the (valid) id of the record.
    if field in {"number", "id", "case_id"}:
        assert error.record == empty
    else:
        assert error.record in {"F-1", "K1", "CR1"}
        assert f"record {error.record!r}" in str(error)


def test_rule_empty_event_activity() -> None:
    with pytest.raises(InvalidRecordError) as info:
        Event("F-1", " ", utc(2024, 2, 5))
    assert_names(info.value, "F-1", "activity")


def test_rule_event_attribute_names_are_strings() -> None:
    with pytest.raises(InvalidRecordError) as info:
        Event("F-1", "Payment Received", utc(2024, 2, 5), attributes=_any({1: "x"}))
    assert_names(info.value, "F-1", "attributes")
    with pytest.raises(InvalidRecordError) as info:
        Event("F-1", "Payment Received", utc(2024, 2, 5), attributes=_any(["a"]))
    assert_names(info.value, "F-1", "attributes")


def test_rule_money_fields_must_be_money() -> None:
    with pytest.raises(InvalidRecordError) as info:
        credit(amount=_any("50.00"))
    assert_names(info.value, "CR1", "amount")
    assert "Money" in str(info.value)


def test_rule_exempt_must_be_bool() -> None:
    with pytest.raises(InvalidRecordError) as info:
        contract(exempt="S")  # IXC's flag: map "S"/"N" to True/False first
    assert_names(info.value, "K1", "exempt")


def test_errors_pickle() -> None:
    with pytest.raises(InvalidRecordError) as info:
        invoice(amount=brl(-1))
    clone = pickle.loads(pickle.dumps(info.value))
    assert str(clone) == str(info.value)


# ---------------------------------------------------------------------------------------
# Invoice: hand-worked derived values
# ---------------------------------------------------------------------------------------


def test_partial_payments_hand_worked() -> None:
    # R$ 100 issued 1 Feb; R$ 40 on 5 Feb, R$ 60 on 12 Feb (given out of order).
    inv = invoice(payments=[Payment("2024-02-12", brl(60)), Payment("2024-02-05", brl(40))])
    # as of 4 Feb: nothing paid -> open 100, status open
    assert inv.paid_amount(date(2024, 2, 4)) == brl(0)
    assert inv.open_amount(date(2024, 2, 4)) == brl(100)
    assert inv.status(date(2024, 2, 4)) is InvoiceStatus.OPEN
    # as of 5 Feb (end of day): 40 paid -> open 60, partially paid
    assert inv.paid_amount(date(2024, 2, 5)) == brl(40)
    assert inv.open_amount(date(2024, 2, 5)) == brl(60)
    assert inv.status(date(2024, 2, 5)) is InvoiceStatus.PARTIALLY_PAID
    # as of 11 Feb: still 40
    assert inv.paid_amount(date(2024, 2, 11)) == brl(40)
    # as of 12 Feb and for everything: 100 paid -> open 0, paid
    assert inv.paid_amount(date(2024, 2, 12)) == brl(100)
    assert inv.status(date(2024, 2, 12)) is InvoiceStatus.PAID
    assert inv.paid_amount() == brl(100)
    assert inv.open_amount() == brl(0)
    assert inv.status() is InvoiceStatus.PAID
    # settled when the 60 arrived (12 Feb 00:00 UTC); issue date 1 Feb -> 11 days;
    # due 10 Feb -> 2 days late.
    assert inv.settled_at == utc(2024, 2, 12)
    assert inv.days_to_settle == 11
    assert inv.days_late == 2


def test_settled_at_is_the_payment_that_crosses_the_amount() -> None:
    # 30 (3 Feb) + 30 (4 Feb) = 60 < 100; + 50 (6 Feb) = 110 >= 100: settled 6 Feb,
    # although the last payment (7 Feb) came later.
    inv = invoice(
        payments=[
            Payment(utc(2024, 2, 7), brl(5)),
            Payment(utc(2024, 2, 6, 9), brl(50)),
            Payment(utc(2024, 2, 3), brl(30)),
            Payment(utc(2024, 2, 4), brl(30)),
        ]
    )
    assert inv.settled_at == utc(2024, 2, 6, 9)
    assert inv.paid_amount() == brl(115)  # overpaid: not capped
    assert inv.open_amount() == brl(0)
    assert inv.days_late == 0  # 6 Feb is before the 10 Feb due date
    assert inv.days_to_settle == 5  # 6 Feb - 1 Feb


def test_settled_at_ties_and_payment_order() -> None:
    # Two payments at the same instant settle at that instant, whatever the order.
    t = datetime(2024, 2, 20, 15, tzinfo=BRT)
    a = invoice(payments=[Payment(t, brl(70), id="P1"), Payment(t, brl(30), id="P2")])
    b = invoice(payments=[Payment(t, brl(30), id="P2"), Payment(t, brl(70), id="P1")])
    assert a.settled_at == b.settled_at == t
    # 20 Feb 15:00 BRT = 18:00 UTC -> UTC date 20 Feb: 19 days after 1 Feb, 10 late.
    assert a.days_to_settle == 19
    assert a.days_late == 10
    assert a != b  # the payments tuples differ in order; derived values do not


def test_unsettled_invoice() -> None:
    inv = invoice(payments=[Payment("2024-02-05", brl("99.99"))])
    assert inv.settled_at is None
    assert inv.days_to_settle is None
    assert inv.days_late is None
    assert inv.open_amount() == brl("0.01")
    assert inv.status() is InvoiceStatus.PARTIALLY_PAID


def test_invoice_without_payments_is_open() -> None:
    inv = invoice()
    assert inv.paid_amount() == brl(0)
    assert inv.open_amount() == brl(100)
    assert inv.status() is InvoiceStatus.OPEN


def test_zero_amount_invoice_is_settled_at_issue() -> None:
    inv = invoice(amount=brl(0))
    assert inv.settled_at == inv.issued_at
    assert inv.days_to_settle == 0
    assert inv.days_late == 0
    assert inv.status() is InvoiceStatus.PAID
    assert inv.open_amount() == brl(0)
    # ...and a payment does not move the settlement.
    paid = invoice(amount=brl(0), payments=[Payment("2024-02-05", brl(1))])
    assert paid.settled_at == paid.issued_at


def test_prepayment_settles_before_issue() -> None:
    # Paid 30 Jan for an invoice issued 1 Feb: settled 2 days before issue.
    inv = invoice(payments=[Payment("2024-01-30", brl(100))])
    assert inv.days_to_settle == -2
    assert inv.days_late == 0
    # As of 31 Jan, before the issue, the status is still computed (KPIs exclude it).
    assert inv.status(date(2024, 1, 31)) is InvoiceStatus.PAID


def test_days_use_utc_dates() -> None:
    # Issued 1 Feb 23:30 UTC, paid 2 Feb 00:10 UTC: 1 calendar day (UTC), although 40 min.
    inv = invoice(
        issued_at=utc(2024, 2, 1, 23, 30),
        payments=[Payment(utc(2024, 2, 2, 0, 10), brl(100))],
    )
    assert inv.days_to_settle == 1
    # Paid 10 Feb 23:00 in Brasília = 11 Feb 02:00 UTC: one day late (UTC date).
    late = invoice(payments=[Payment(datetime(2024, 2, 10, 23, tzinfo=BRT), brl(100))])
    assert late.days_late == 1


def test_as_of_date_is_end_of_utc_day_and_exclusive() -> None:
    inv = invoice(
        payments=[
            Payment(utc(2024, 2, 5, 23, 59, 59), brl(10)),
            Payment(utc(2024, 2, 6), brl(20)),
        ]
    )
    # Date 5 Feb covers everything before 6 Feb 00:00 UTC.
    assert inv.paid_amount(date(2024, 2, 5)) == brl(10)
    # A datetime as_of is an exclusive bound: a payment at that instant is not yet known.
    assert inv.paid_amount(utc(2024, 2, 6)) == brl(10)
    assert inv.paid_amount(utc(2024, 2, 6, 0, 0, 0, 1)) == brl(30)
    # 6 Feb 00:00 UTC is 5 Feb 21:00 in Brasília: an aware as_of in any zone is that instant.
    assert inv.paid_amount(datetime(2024, 2, 5, 21, 0, 0, 1, tzinfo=BRT)) == brl(30)


def test_written_off_invoice() -> None:
    # 40 paid on 5 Feb, written off 30 Jun.
    inv = invoice(
        payments=[Payment("2024-02-05", brl(40))],
        written_off_at=utc(2024, 6, 30, 10),
    )
    assert inv.open_amount(date(2024, 6, 29)) == brl(60)
    assert inv.status(date(2024, 6, 29)) is InvoiceStatus.PARTIALLY_PAID
    assert inv.open_amount(date(2024, 6, 30)) == brl(0)
    assert inv.status(date(2024, 6, 30)) is InvoiceStatus.WRITTEN_OFF
    assert inv.paid_amount() == brl(40)  # payments are not erased by the write-off
    assert inv.settled_at is None


def test_written_off_beats_paid_and_disputed() -> None:
    inv = invoice(
        payments=[Payment("2024-07-05", brl(100))],  # recovered after the write-off
        disputes=[Dispute("2024-02-03")],
        written_off_at="2024-06-30",
    )
    assert inv.status() is InvoiceStatus.WRITTEN_OFF
    assert inv.settled_at == utc(2024, 7, 5)
    assert inv.status(date(2024, 6, 29)) is InvoiceStatus.DISPUTED


def test_disputed_status_precedence() -> None:
    # Dispute 3 Feb -> resolved 8 Feb; 40 paid 5 Feb; 60 paid 20 Feb.
    inv = invoice(
        payments=[Payment("2024-02-05", brl(40)), Payment("2024-02-20", brl(60))],
        disputes=[Dispute("2024-02-03", "valor", resolved_at="2024-02-08")],
    )
    assert inv.status(date(2024, 2, 2)) is InvoiceStatus.OPEN
    assert inv.status(date(2024, 2, 3)) is InvoiceStatus.DISPUTED
    assert inv.status(date(2024, 2, 5)) is InvoiceStatus.DISPUTED  # beats partially paid
    assert inv.status(date(2024, 2, 7)) is InvoiceStatus.DISPUTED
    # Resolved at 8 Feb 00:00 UTC: as of the end of 8 Feb it is over.
    assert inv.status(date(2024, 2, 8)) is InvoiceStatus.PARTIALLY_PAID
    assert inv.status() is InvoiceStatus.PAID


def test_paid_beats_open_dispute() -> None:
    inv = invoice(payments=[Payment("2024-02-05", brl(100))], disputes=[Dispute("2024-02-03")])
    assert inv.status() is InvoiceStatus.PAID
    assert inv.is_disputed()


def test_is_disputed_and_dunning_level() -> None:
    inv = invoice(
        disputes=[Dispute("2024-02-03", resolved_at="2024-02-08"), Dispute("2024-03-01")],
        dunning_letters=[DunningLetter(2, "2024-02-25"), DunningLetter(1, "2024-02-15")],
    )
    assert not inv.is_disputed(date(2024, 2, 2))
    assert inv.is_disputed(date(2024, 2, 3))
    assert not inv.is_disputed(date(2024, 2, 8))
    assert inv.is_disputed(date(2024, 3, 1))
    assert inv.is_disputed()  # the second dispute is still open
    assert inv.dunning_level(date(2024, 2, 14)) == 0
    assert inv.dunning_level(date(2024, 2, 15)) == 1
    assert inv.dunning_level() == 2


def test_dispute_is_open() -> None:
    d = Dispute(utc(2024, 2, 3, 12), resolved_at=utc(2024, 2, 4, 12))
    assert not d.is_open(utc(2024, 2, 3, 12))  # registered at the bound: not yet known
    assert d.is_open(utc(2024, 2, 3, 12, 0, 0, 1))
    assert d.is_open(utc(2024, 2, 4, 12))  # resolution at the bound: not yet known
    assert not d.is_open(utc(2024, 2, 4, 12, 0, 0, 1))
    assert Dispute(utc(2024, 2, 3)).is_open()


def test_invoice_equality_hash_evolve_and_pickle() -> None:
    a = invoice(payments=[Payment("2024-02-05", brl(40))])
    b = invoice(payments=(Payment(utc(2024, 2, 5), brl(40)),))
    assert a == b
    assert hash(a) == hash(b)
    assert "_payment_ns" not in repr(a)
    c = attrs.evolve(a, payments=[*a.payments, Payment("2024-02-09", brl(60))])
    assert c.settled_at == utc(2024, 2, 9)  # derived values are recomputed
    assert a.settled_at is None
    clone = pickle.loads(pickle.dumps(c))
    assert clone == c
    assert clone.settled_at == c.settled_at
    assert copy.deepcopy(c).paid_amount() == brl(100)


def test_model_objects_are_frozen_and_slotted() -> None:
    inv = invoice()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        inv.amount = brl(1)  # type: ignore[misc]
    for obj in (
        inv,
        Payment("2024-02-05", brl(1)),
        Dispute("2024-02-05"),
        DunningLetter(1, "2024-02-05"),
        PromiseToPay("2024-02-05", "2024-02-06"),
        credit(),
        contract(),
        Customer("C1", "Ana"),
        Contact("email", "a@b.com"),
        Event("F-1", "x", "2024-02-05"),
    ):
        assert not hasattr(obj, "__dict__")


# ---------------------------------------------------------------------------------------
# Contract, Customer, Credit, Event
# ---------------------------------------------------------------------------------------


def test_contract_fields() -> None:
    k = contract(
        status=ContractStatus.from_ixc("I"),
        access_status=AccessStatus.from_ixc("D"),
        activation_date="2023-01-15",
        paid_until=date(2024, 3, 31),
        cancelled_at="2024-04-02",
        exempt=True,
        billing_day=10,
        service_type="Internet",
    )
    assert k.activation_date == date(2023, 1, 15)
    assert k.cancelled_at == date(2024, 4, 2)
    assert k.status is ContractStatus.INACTIVE
    assert k.exempt is True
    assert k.renewal_date is None


def test_customer_defaults() -> None:
    cust = Customer("C1", "Ana")
    assert cust.kind is CustomerKind.INDIVIDUAL
    assert cust.contacts == ()
    assert cust.credit_limit is None
    assert Customer("C1", "", kind="company").kind is CustomerKind.COMPANY


def test_credit_unused_amount() -> None:
    # 50 granted, 20 used -> 30 unused
    assert credit().unused_amount == brl(30)
    refunded = credit(status=CreditStatus.REFUNDED, cancelled_at=utc(2024, 2, 1))
    assert refunded.unused_amount == brl(30)  # the value refunded


def test_event_attributes_are_an_immutable_copy() -> None:
    source: dict[str, object] = {"channel": "email", "level": 2}
    ev = Event("F-1", "Collection Letter Generated", "2024-02-15", attributes=source)
    source["channel"] = "sms"
    assert ev.attributes == {"channel": "email", "level": 2}
    with pytest.raises(TypeError):
        ev.attributes["channel"] = "sms"  # type: ignore[index]
    assert Event("F-1", "x", "2024-02-15").attributes == {}
    assert Event("F-1", "x", "2024-02-15", attributes=None).attributes == {}


def test_event_equality_hash_and_pickle() -> None:
    a = Event("F-1", "Payment Received", "2024-02-15", "ana", {"a": 1, "b": 2})
    b = Event("F-1", "Payment Received", utc(2024, 2, 15), "ana", {"b": 2, "a": 1})
    c = Event("F-1", "Payment Received", utc(2024, 2, 15), "ana", {"a": 1})
    assert a == b
    assert a != c
    assert hash(a) == hash(b)  # hashable although the mapping is not
    assert len({a, b, c}) == 2
    clone = pickle.loads(pickle.dumps(a))
    assert clone == a
    assert type(clone.attributes) is type(a.attributes)
    assert copy.deepcopy(a) == a
    assert attrs.evolve(a, resource="bruno").attributes == a.attributes


def test_event_timestamp_from_date() -> None:
    # A calculated "Due Date Passed" event on the due date: 00:00 UTC.
    ev = Event("F-1", "Due Date Passed", date(2024, 2, 10))
    assert ev.timestamp == utc(2024, 2, 10)


# ---------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------

AS_OF = st.one_of(
    st.none(),
    st.dates(date(2019, 12, 1), date(2027, 6, 1)),
    st.datetimes(
        datetime(2019, 12, 1),
        datetime(2027, 6, 1),
        timezones=st.sampled_from([UTC, BRT]),
    ),
)


@given(invoice_strategy(currency=None), AS_OF)
def test_paid_plus_open_is_amount_unless_overpaid_or_written_off(
    inv: Invoice, as_of: date | datetime | None
) -> None:
    paid = inv.paid_amount(as_of)
    open_ = inv.open_amount(as_of)
    assert paid.currency == open_.currency == inv.amount.currency
    assert not open_.is_negative
    written_off = inv.status(as_of) is InvoiceStatus.WRITTEN_OFF
    if written_off:
        assert open_.is_zero
    elif paid <= inv.amount:
        assert paid + open_ == inv.amount
    else:
        assert open_.is_zero


@given(invoice_strategy(), AS_OF)
def test_status_is_consistent_with_open_amount(
    inv: Invoice, as_of: date | datetime | None
) -> None:
    status = inv.status(as_of)
    open_ = inv.open_amount(as_of)
    paid = inv.paid_amount(as_of)
    assert open_.is_zero == (status in {InvoiceStatus.PAID, InvoiceStatus.WRITTEN_OFF})
    if status is InvoiceStatus.OPEN:
        assert paid.is_zero
        assert not inv.is_disputed(as_of)
    if status is InvoiceStatus.PARTIALLY_PAID:
        assert paid.is_positive
        assert paid < inv.amount
    if status is InvoiceStatus.DISPUTED:
        assert inv.is_disputed(as_of)
    if status is InvoiceStatus.PAID:
        assert paid >= inv.amount


@given(invoice_strategy(), st.lists(AS_OF.filter(lambda a: a is not None), max_size=6))
def test_paid_amount_is_non_decreasing_in_as_of(inv: Invoice, as_ofs: list[Any]) -> None:
    # Sort the as-of values by the instant they stand for (a date D = D+1 00:00 UTC).
    def instant(a: date | datetime) -> datetime:
        if isinstance(a, datetime):
            return a
        return datetime(a.year, a.month, a.day, tzinfo=UTC) + timedelta(days=1)

    ordered = sorted(as_ofs, key=instant)
    paid = [inv.paid_amount(a).minor for a in ordered]
    assert paid == sorted(paid)
    assert all(p <= inv.paid_amount().minor for p in paid)


@given(invoice_strategy())
def test_settled_at_is_when_paid_first_reaches_amount(inv: Invoice) -> None:
    settled = inv.settled_at
    if inv.amount.is_zero:
        assert settled == inv.issued_at
        return
    if settled is None:
        assert inv.paid_amount() < inv.amount
        return
    # Strictly before settled_at not enough; just after, enough.
    assert inv.paid_amount(settled) < inv.amount
    assert inv.paid_amount(settled + timedelta(microseconds=1)) >= inv.amount
    assert inv.days_to_settle is not None
    assert inv.days_late is not None
    assert inv.days_late >= 0


@given(invoice_strategy(), st.randoms(use_true_random=False), AS_OF)
def test_payment_order_does_not_matter(inv: Invoice, rnd: Any, as_of: Any) -> None:
    shuffled = list(inv.payments)
    rnd.shuffle(shuffled)
    other = attrs.evolve(inv, payments=shuffled)
    assert other.settled_at == inv.settled_at
    assert other.paid_amount(as_of) == inv.paid_amount(as_of)
    assert other.status(as_of) is inv.status(as_of)


@given(
    customer_strategy(),
    contract_strategy(),
    credit_strategy(),
    event_strategy(),
    invoice_strategy(),
)
def test_strategies_build_valid_round_trippable_objects(
    customer: Customer, contract: Contract, credit: Credit, event: Event, invoice: Invoice
) -> None:
    for obj in (customer, contract, credit, event, invoice):
        assert attrs.evolve(obj) == obj
        assert pickle.loads(pickle.dumps(obj)) == obj


@given(credit_strategy())
def test_credit_invariants(cr: Credit) -> None:
    assert not cr.unused_amount.is_negative
    assert cr.unused_amount + cr.used_amount == cr.amount
    assert cr.status.is_terminal == (cr.cancelled_at is not None)


def test_enum_members_names_the_parameter() -> None:
    from kpicore.model import BillingMode, ContractStatus
    from kpicore.model.enums import enum_members

    assert enum_members(None, BillingMode, "modes") == frozenset(BillingMode)
    assert enum_members("active", ContractStatus, "s") == {ContractStatus.ACTIVE}
    assert enum_members([ContractStatus.ACTIVE, "active"], ContractStatus, "s") == {
        ContractStatus.ACTIVE
    }
    with pytest.raises(InvalidParameterError, match=r"statuses: 'x' is not a ContractStatus"):
        enum_members(["x"], ContractStatus, "statuses")


def test_record_helpers_of_the_kpi_arguments() -> None:
    from kpicore.model import Contract, Customer, customers_by_id, unique_records

    ana, bia = Customer("C1", "Ana"), Customer("C2", "Bia")
    assert customers_by_id([ana, bia]) == {"C1": ana, "C2": bia}
    assert customers_by_id({"C2": bia}) == {"C2": bia}
    assert customers_by_id(None) == {}
    with pytest.raises(InvalidRecordError, match="row 1: field 'customers'"):
        customers_by_id({"C1": ana, "C2": "Bia"})  # type: ignore[arg-type]
    assert unique_records((c for c in [ana, bia]), Customer, "customers") == [ana, bia]
    with pytest.raises(InvalidRecordError, match=r"record 'C1'.*customer id not seen before"):
        unique_records([ana, bia, ana], Customer, "customers")
    with pytest.raises(InvalidRecordError, match=r"row 0: field 'contracts'.*a Contract"):
        unique_records([ana], Contract, "contracts")
