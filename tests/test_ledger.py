"""Tests of kpicore.kpis._ledger: input normalisation, the per-invoice ledger, by= keys."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import invoice_columns, invoice_lists

from kpicore.errors import (
    InvalidParameterError,
    InvalidRecordError,
    MissingDataError,
    UnknownActivityError,
)
from kpicore.eventlog import EventLog
from kpicore.kpis._ledger import (
    DEFAULT_ROLES,
    MAX_NS,
    MISSING,
    RECENT_PER_LOG,
    STATUS_NAMES,
    Ledger,
    PreparedLedger,
    Roles,
    as_log,
    build_ledger,
    cached_logs,
    clear_cache,
    epoch_days,
    group_keys,
    ledger,
    ledger_at,
    ledgers,
    memo,
    minor_values,
    money_totals,
    prepare_ledger,
    role_events,
    run_sums,
    to_day,
)
from kpicore.model import Customer, Dispute, Invoice, Payment
from kpicore.money import Money
from kpicore.periods import as_of_ns, date_to_ns, to_ns

UTC = dt.UTC
NS_DAY = 86_400_000_000_000


def brl(x: int | str) -> Money:
    return Money.of(x, "BRL")


def inv(number: str, issued: str, due: str, amount: Money, **kw: object) -> Invoice:
    return Invoice(number, kw.pop("customer_id", "C1"), issued, due, amount, **kw)  # type: ignore[arg-type]


def log_of(
    case: list[str],
    activity: list[str],
    timestamp: list[str],
    *,
    amounts: list[Any] | None = None,
    case_attributes: dict[str, list[Any]] | None = None,
) -> EventLog:
    attrs = {} if amounts is None else {"amount_minor": amounts}
    return EventLog.from_columns(
        case=case,
        activity=activity,
        timestamp=timestamp,
        attributes=attrs,
        case_attributes=case_attributes or {},
    )


# ----------------------------------------------------------------------------- Roles


def test_roles_defaults_are_the_canonical_names_and_from_invoices_attributes() -> None:
    r = Roles()
    assert (r.generated, r.payment, r.settled, r.written_off) == (
        "Invoice Generated",
        "Payment Received",
        "Invoice Settled",
        "Invoice Written Off",
    )
    assert (r.posted, r.payment_posted, r.letter, r.promise) == (
        "Invoice Posted and Sent",
        "Payment Posted",
        "Collection Letter Generated",
        "Promise to Pay Created",
    )
    assert (r.dispute_registered, r.dispute_resolved) == ("Dispute Registered", "Dispute Resolved")
    log = as_log(
        [inv("F-1", "2024-01-01", "2024-01-31", brl(1), payments=[Payment("2024-01-02", brl(1))])]
    )
    assert r.invoice_amount in log.case_attribute_names
    assert r.due_date in log.case_attribute_names
    assert r.currency in log.case_attribute_names
    assert r.payment_amount in log.attribute_names
    assert Roles() == DEFAULT_ROLES


def test_roles_list_becomes_tuple() -> None:
    assert Roles(payment=["A", "B"]).payment == ("A", "B")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"payment": []}, "payment"),
        ({"settled": 3}, "settled"),
        ({"generated": ("ok", "")}, "generated"),
        ({"due_date": ""}, "due_date"),
        ({"invoice_amount": None}, "invoice_amount"),
    ],
)
def test_roles_validation_names_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidParameterError, match=f"Roles.{field}"):
        Roles(**kwargs)  # type: ignore[arg-type]


def test_roles_default_currency_must_be_known() -> None:
    with pytest.raises(InvalidParameterError):
        Roles(default_currency="XXQ")
    with pytest.raises(InvalidParameterError, match="default_currency"):
        Roles(default_currency=7)  # type: ignore[arg-type]


def test_ledger_rejects_non_roles() -> None:
    with pytest.raises(InvalidParameterError, match="roles"):
        ledger([], roles="x")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- as_log


def test_as_log_converts_invoices_and_passes_logs_through() -> None:
    invs = [
        inv("F-2", "2024-01-01", "2024-01-31", brl(1)),
        inv("F-1", "2024-01-01", "2024-01-31", brl(1)),
    ]
    log = as_log(invs)
    assert log.case_ids.tolist() == ["F-1", "F-2"]
    assert as_log(log) is log
    mapped = as_log(log, activity_map={"X": "Payment Received"})
    assert mapped.activity_map == {"X": "Payment Received"}


@pytest.mark.parametrize("bad", ["F-1", 42, None])
def test_as_log_rejects_other_inputs(bad: object) -> None:
    with pytest.raises(InvalidParameterError, match=r"sequence of kpicore\.model\.Invoice"):
        as_log(bad)  # type: ignore[arg-type]


def test_as_log_rejects_non_invoice_items_naming_row_and_field() -> None:
    with pytest.raises(InvalidRecordError, match=r"row 1: field 'invoice'"):
        as_log([inv("F-1", "2024-01-01", "2024-01-31", brl(1)), "nope"])  # type: ignore[list-item]


def test_as_log_rejects_repeated_numbers() -> None:
    a = inv("F-1", "2024-01-01", "2024-01-31", brl(1))
    with pytest.raises(InvalidRecordError, match=r"record 'F-1'.*field 'number'"):
        as_log([a, a])


def test_empty_input_gives_an_empty_ledger() -> None:
    lg = ledger([])
    assert lg.n == 0
    assert lg.coverage["cases"] == 0
    assert lg.totals(lg.open_minor) == {}


# ----------------------------------------------------------------------------- ledger


def test_partial_payments_and_the_as_of_bound() -> None:
    # 100.00 issued 1 Feb, due 10 Feb; 40.00 on 5 Feb 00:00, 60.00 on 12 Feb 00:00.
    i = inv(
        "F-1",
        "2024-02-01",
        "2024-02-10",
        brl(100),
        payments=[Payment("2024-02-12", brl(60)), Payment("2024-02-05", brl(40))],
    )
    # as of the *instant* 5 Feb 00:00 the first payment is not known yet (strictly before)
    lg = ledger([i], as_of=dt.datetime(2024, 2, 5, tzinfo=UTC))
    assert (lg.paid_minor[0], lg.open_minor[0], lg.status_names[0]) == (0, 10000, "open")
    # as of the end of 5 Feb it is: 100 - 40 = 60 open
    lg = ledger([i], as_of=dt.date(2024, 2, 5))
    assert (lg.paid_minor[0], lg.open_minor[0], lg.status_names[0]) == (
        4000,
        6000,
        "partially_paid",
    )
    assert lg.first_payment_ns[0] == date_to_ns(dt.date(2024, 2, 5))
    assert lg.settled_ns[0] == MISSING
    lg = ledger([i])
    assert (lg.paid_minor[0], lg.open_minor[0], lg.status_names[0]) == (10000, 0, "paid")
    assert lg.settled_ns[0] == date_to_ns(dt.date(2024, 2, 12))
    assert lg.due_day[0] == np.datetime64("2024-02-10")
    assert lg.currency.tolist() == ["BRL"]


def test_overpayment_and_zero_amount() -> None:
    over = inv(
        "F-1", "2024-02-01", "2024-02-10", brl(100), payments=[Payment("2024-02-05", brl(130))]
    )
    zero = inv("F-2", "2024-02-01T10:00:00Z", "2024-02-10", brl(0))
    lg = ledger([over, zero])
    assert lg.paid_minor.tolist() == [13000, 0]
    assert lg.open_minor.tolist() == [0, 0]
    assert lg.status_names.tolist() == ["paid", "paid"]
    # an invoice of amount zero is settled at its issue (the model's rule)
    assert lg.settled_ns[1] == to_ns(dt.datetime(2024, 2, 1, 10, tzinfo=UTC))


def test_written_off_and_disputed_statuses() -> None:
    i = inv(
        "F-1",
        "2024-02-01",
        "2024-02-10",
        brl(100),
        payments=[Payment("2024-02-05", brl(40))],
        disputes=[Dispute("2024-02-07", resolved_at="2024-02-20")],
        written_off_at="2024-06-30",
    )
    days = [dt.date(2024, 2, 5), dt.date(2024, 2, 7), dt.date(2024, 3, 1), dt.date(2024, 6, 30)]
    got = [(str(lg.status_names[0]), int(lg.open_minor[0])) for lg in ledgers([i], days)]
    assert got == [
        ("partially_paid", 6000),
        ("disputed", 6000),
        ("partially_paid", 6000),
        ("written_off", 0),
    ]
    assert [i.status(d).value for d in days] == [s for s, _ in got]


def test_invoices_issued_after_as_of_are_not_issued_and_counted() -> None:
    invs = [
        inv("F-1", "2024-01-01", "2024-01-31", brl(10)),
        inv("F-2", "2024-02-01", "2024-02-28", brl(20)),
    ]
    lg = ledger(invs, as_of=dt.date(2024, 1, 31))
    assert lg.is_issued.tolist() == [True, False]
    assert lg.status_names.tolist() == ["open", "not_issued"]
    assert lg.open_minor.tolist() == [1000, 0]
    assert lg.coverage["issued"] == 1
    assert lg.coverage["issued_after_as_of"] == 1


def test_settled_activity_and_covering_payment_the_earlier_wins() -> None:
    # a: explicit "Invoice Settled" on 10 Jan before payments cover the amount on 20 Jan
    # b: payments cover the amount on 15 Jan, no settled event
    # c: settled event, no payment amounts at all
    log = log_of(
        ["a", "a", "a", "b", "b", "b", "c", "c"],
        [
            "Invoice Generated",
            "Invoice Settled",
            "Payment Received",
            "Invoice Generated",
            "Payment Received",
            "Payment Received",
            "Invoice Generated",
            "Invoice Settled",
        ],
        [
            "2024-01-01T00:00Z",
            "2024-01-10T00:00Z",
            "2024-01-20T00:00Z",
            "2024-01-01T00:00Z",
            "2024-01-05T00:00Z",
            "2024-01-15T00:00Z",
            "2024-01-01T00:00Z",
            "2024-01-08T00:00Z",
        ],
        amounts=[None, None, 500, None, 200, 300, None, None],
        case_attributes={
            "amount_minor": [500] * 3 + [500] * 3 + [900] * 2,
            "currency": ["BRL"] * 8,
        },
    )
    lg = ledger(log)
    assert lg.settled_at.astype(str).tolist() == [
        "2024-01-10T00:00:00.000000000",
        "2024-01-15T00:00:00.000000000",
        "2024-01-08T00:00:00.000000000",
    ]
    assert lg.open_minor.tolist() == [0, 0, 0]  # settled: nothing open, though c paid nothing
    lg = ledger(log, as_of=dt.date(2024, 1, 12))
    assert lg.status_names.tolist() == ["paid", "partially_paid", "paid"]
    assert lg.open_minor.tolist() == [0, 300, 0]


def test_first_payment_after_issue_ignores_prepayments() -> None:
    i = inv(
        "F-1",
        "2024-01-10",
        "2024-01-31",
        brl(10),
        payments=[Payment("2024-01-05", brl(3)), Payment("2024-01-15", brl(7))],
    )
    lg = ledger([i])
    assert lg.first_payment_ns[0] == date_to_ns(dt.date(2024, 1, 5))
    assert lg.first_payment_after_issue_ns[0] == date_to_ns(dt.date(2024, 1, 15))


def test_missing_due_date_amount_and_currency_are_counted_not_fatal() -> None:
    log = log_of(
        ["a", "b", "c", "d"],
        ["Invoice Generated", "Invoice Generated", "Invoice Generated", "Payment Received"],
        ["2024-01-01T00:00Z"] * 4,
        case_attributes={
            "due_date": [None, dt.date(2024, 1, 31), dt.date(2024, 1, 31), None],
            "amount_minor": [100.0, float("nan"), 300.0, 1.0],
            "currency": ["BRL", "BRL", None, "BRL"],
        },
    )
    lg = ledger(log)
    cov = lg.coverage
    assert (cov["missing_due_date"], cov["missing_amount"], cov["missing_currency"]) == (1, 1, 1)
    assert cov["no_issue_event"] == 1  # d has a payment but no generated event
    assert lg.status_names.tolist() == ["open", "open", "open", "no_issue_event"]
    assert lg.has_amount.tolist() == [True, False, True, True]
    assert lg.totals(lg.open_minor) == {"BRL": Money(100, "BRL")}  # c has no currency
    with_default = ledger(log, roles=Roles(default_currency="USD"))
    assert with_default.currency.tolist() == ["BRL", "BRL", "USD", "BRL"]
    assert with_default.totals(with_default.open_minor) == {
        "BRL": Money(100, "BRL"),
        "USD": Money(300, "USD"),
    }


def test_a_log_without_amount_columns_still_has_statuses() -> None:
    log = log_of(
        ["a", "a"],
        ["Invoice Generated", "Payment Received"],
        ["2024-01-01T00:00Z", "2024-01-02T00:00Z"],
    )
    lg = ledger(log)
    assert lg.coverage["missing_amount"] == 1
    assert lg.coverage["payments_without_amount"] == 1
    assert lg.status_names.tolist() == ["partially_paid"]
    assert lg.coverage["missing_due_date"] == 1


def test_payment_without_amount_is_counted() -> None:
    log = log_of(
        ["a", "a", "a"],
        ["Invoice Generated", "Payment Received", "Payment Received"],
        ["2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-03T00:00Z"],
        amounts=[None, None, 40],
        case_attributes={"amount_minor": [100] * 3, "currency": ["BRL"] * 3},
    )
    lg = ledger(log)
    assert lg.payments_without_amount == 1
    assert lg.paid_minor.tolist() == [40]


def test_fractional_minor_amount_names_record_and_field() -> None:
    log = log_of(
        ["a", "a"],
        ["Invoice Generated", "Payment Received"],
        ["2024-01-01T00:00Z", "2024-01-02T00:00Z"],
        amounts=[None, 10.5],
        case_attributes={"amount_minor": [100, 100], "currency": ["BRL", "BRL"]},
    )
    with pytest.raises(InvalidRecordError, match=r"record 'a'.*field 'amount_minor'"):
        ledger(log)


@pytest.mark.parametrize("bad", ["a", "b"])
def test_fractional_payment_amount_in_aging_names_record_and_field(bad: str) -> None:
    # aging reads only the payments of the invoices no event closed ("b" here); a bad
    # amount of a closed invoice ("a") is still reported (the payments-without-amount
    # count reads every payment of a float column)
    from kpicore.kpis._ledger import ledger_of
    from kpicore.kpis.overdue import aging

    acts = ["Invoice Generated", "Payment Received", "Invoice Settled"] * 3
    acts += ["Invoice Generated", "Payment Received"]
    case = [c for c in "acd" for _ in range(3)] + ["b", "b"]
    day = [f"2024-01-0{d}T00:00Z" for d in (1, 2, 3)] * 3 + ["2024-01-01T00:00Z"] * 2
    n = len(case)
    per_case: dict[str, list[Any]] = {
        "amount_minor": [100] * n,
        "currency": ["BRL"] * n,
        "due_date": ["2024-01-05"] * n,
    }
    as_of = dt.date(2024, 2, 1)

    def with_payments(paid: dict[str, float]) -> EventLog:
        pays = zip(case, acts, strict=True)
        amounts = [paid[c] if a == "Payment Received" else None for c, a in pays]
        return log_of(case, acts, day, amounts=amounts, case_attributes=per_case)

    paid = {"a": 100.0, "b": 10.0, "c": 100.0, "d": 100.0}
    with pytest.raises(InvalidRecordError, match=rf"record '{bad}'.*field 'amount_minor'"):
        aging(with_payments(dict(paid, **{bad: paid[bad] + 0.5})), as_of=as_of)
    ok = with_payments(paid)
    r = aging(ok, as_of=as_of)
    assert "_candidates_paid" in vars(ledger_of(ok, as_of=as_of))
    assert r.count == 1  # "b": 10 of 100 (minor units) paid, due 5 Jan: 90 open, 27 days late
    assert [(b.key, b.count, b.amount["BRL"].minor) for b in r.buckets if b.count] == [
        ("1-30", 1, 90)
    ]


def test_fractional_invoice_amount_names_record_and_field() -> None:
    log = log_of(
        ["a", "b"],
        ["Invoice Generated"] * 2,
        ["2024-01-01T00:00Z"] * 2,
        case_attributes={"amount_minor": [100.0, 2.25]},
    )
    with pytest.raises(InvalidRecordError, match=r"record 'b'.*field 'amount_minor'"):
        ledger(log)


def test_unknown_currency_names_record_and_field() -> None:
    log = log_of(
        ["a", "b"],
        ["Invoice Generated"] * 2,
        ["2024-01-01T00:00Z"] * 2,
        case_attributes={"currency": ["BRL", "REAL"]},
    )
    with pytest.raises(InvalidRecordError, match=r"record 'b'.*field 'currency'"):
        ledger(log)


def test_bad_due_date_string_names_record_and_field() -> None:
    log = log_of(
        ["a", "b"],
        ["Invoice Generated"] * 2,
        ["2024-01-01T00:00Z"] * 2,
        case_attributes={"due_date": ["2024-01-31", "soon"]},
    )
    with pytest.raises(InvalidRecordError, match=r"record 'b'.*field 'due_date'"):
        ledger(log)
    ok = log_of(
        ["a"],
        ["Invoice Generated"],
        ["2024-01-01T00:00Z"],
        case_attributes={"due_date": ["2024-01-31"]},
    )
    assert ledger(ok).due_day.tolist() == [dt.date(2024, 1, 31)]


def test_due_date_as_instants_takes_the_utc_date() -> None:
    log = log_of(
        ["a"],
        ["Invoice Generated"],
        ["2024-01-01T00:00Z"],
        case_attributes={"due_date": ["2024-01-31T23:00:00-03:00"]},
    )
    # a string column is never guessed to be a date by the log, but the ledger parses
    # due dates given as ISO strings; an offset string is not a plain date
    with pytest.raises(InvalidRecordError, match="due_date"):
        ledger(log)
    log = EventLog.from_columns(
        case=["a"],
        activity=["Invoice Generated"],
        timestamp=["2024-01-01T00:00Z"],
        case_attributes={
            "due_date": [dt.datetime(2024, 1, 31, 23, tzinfo=dt.timezone(dt.timedelta(hours=-3)))]
        },
    )
    assert ledger(log).due_day.tolist() == [dt.date(2024, 2, 1)]


def test_roles_rename_activities_and_attributes() -> None:
    log = log_of(
        ["a", "a"],
        ["Boleto emitido", "Boleto pago"],
        ["2024-01-01T00:00Z", "2024-01-03T00:00Z"],
        amounts=None,
        case_attributes={"valor": [500, 500], "moeda": ["BRL", "BRL"]},
    )
    log = EventLog.from_columns(
        case=["a", "a"],
        activity=["Boleto emitido", "Boleto pago"],
        timestamp=["2024-01-01T00:00Z", "2024-01-03T00:00Z"],
        attributes={"valor_pago": [None, 500]},
        case_attributes={"valor": [500, 500], "moeda": ["BRL", "BRL"]},
    )
    roles = Roles(
        generated="Boleto emitido",
        payment="Boleto pago",
        invoice_amount="valor",
        payment_amount="valor_pago",
        currency="moeda",
    )
    lg = ledger(log, roles=roles)
    assert lg.status_names.tolist() == ["paid"]
    assert lg.settled_ns[0] == date_to_ns(dt.date(2024, 1, 3))


def test_unknown_role_activity_raises() -> None:
    log = log_of(["a"], ["Invoice Generated"], ["2024-01-01T00:00Z"])
    with pytest.raises(UnknownActivityError, match="Boleto pago"):
        ledger(log, roles=Roles(payment="Boleto pago"))


def test_ledger_arrays_are_read_only() -> None:
    lg = ledger([inv("F-1", "2024-01-01", "2024-01-31", brl(1))])
    with pytest.raises(ValueError, match="read-only"):
        lg.open_minor[0] = 5
    assert isinstance(lg, Ledger)
    assert "1 invoices" in repr(lg)


def test_ledgers_equal_individual_ledgers() -> None:
    i = inv(
        "F-1",
        "2024-02-01",
        "2024-02-10",
        brl(100),
        payments=[Payment("2024-02-05", brl(40)), Payment("2024-02-12", brl(60))],
    )
    days = [dt.date(2024, 1, 31), dt.date(2024, 2, 6), None]
    for a, b in zip(ledgers([i], days), [ledger([i], as_of=d) for d in days], strict=True):
        assert a.open_minor.tolist() == b.open_minor.tolist()
        assert a.status.tolist() == b.status.tolist()
        assert a.as_of_ns == b.as_of_ns


# ----------------------------------------------------------------------------- money, days


def test_money_totals_are_exact_and_per_currency() -> None:
    codes = np.array([0, 1, 0, -1, 1], dtype=np.int32)
    vals = np.array([2**53 + 1, 5, 1, 9, 7], dtype=np.int64)  # beyond float precision
    out = money_totals(("USD", "BRL"), codes, vals)
    assert list(out) == ["BRL", "USD"]  # sorted by code
    assert out == {"BRL": Money(12, "BRL"), "USD": Money(2**53 + 2, "USD")}
    assert money_totals(("USD",), codes[:0], vals[:0]) == {}
    assert money_totals(("USD", "BRL"), codes, vals, codes == 1) == {"BRL": Money(12, "BRL")}


def test_counts_by_currency() -> None:
    invs = [
        inv("A", "2024-01-01", "2024-01-31", brl(1)),
        inv("B", "2024-01-01", "2024-01-31", Money.of(1, "USD")),
        inv("C", "2024-01-01", "2024-01-31", brl(1)),
    ]
    assert ledger(invs).counts_by_currency() == {"BRL": 2, "USD": 1}


def test_to_day_with_a_time_zone() -> None:
    from zoneinfo import ZoneInfo

    ns = np.array([to_ns(dt.datetime(2024, 3, 1, 1, tzinfo=UTC)), MISSING], dtype=np.int64)
    assert to_day(ns).tolist()[0] == (dt.date(2024, 3, 1) - dt.date(1970, 1, 1)).days
    local = to_day(ns, tz=ZoneInfo("America/Sao_Paulo")).tolist()
    assert local == [(dt.date(2024, 2, 29) - dt.date(1970, 1, 1)).days, MISSING]


# ----------------------------------------------------------------------------- by=


def _keys(result: tuple[str | None, Any]) -> list[object]:
    keys = result[1]
    assert keys is not None
    out: list[object] = keys.tolist()
    return out


def test_group_keys_align_objects_with_the_log() -> None:
    invs = [
        inv("B", "2024-01-01", "2024-01-31", brl(1), collector="ana", customer_id="C2"),
        inv("A", "2024-01-01", "2024-01-31", Money.of(1, "USD"), customer_id="C1"),
    ]
    log = as_log(invs)
    assert _keys(group_keys(invs, log, "collector")) == [None, "ana"]
    assert _keys(group_keys(invs, log, "currency")) == ["USD", "BRL"]
    assert _keys(group_keys(log, log, "currency")) == ["USD", "BRL"]
    assert _keys(group_keys(log, log, "customer")) == ["C1", "C2"]
    assert group_keys(log, log, None) == (None, None)
    custs = [Customer("C1", "Ana", segment="SMB"), Customer("C2", "Bia", segment="ENT")]
    assert _keys(group_keys(invs, log, "segment", customers=custs)) == ["SMB", "ENT"]
    assert _keys(group_keys(log, log, "segment", customers=custs)) == ["SMB", "ENT"]
    _, keys = group_keys(log, log, lambda cid: cid.lower())
    assert keys is not None
    assert keys.tolist() == ["a", "b"]
    assert _keys(group_keys(log, log, ["x", "y"])) == ["x", "y"]


def test_group_keys_errors() -> None:
    invs = [inv("A", "2024-01-01", "2024-01-31", brl(1))]
    log = as_log(invs)
    with pytest.raises(InvalidParameterError, match="not a case attribute"):
        group_keys(log, log, "segment")
    with pytest.raises(InvalidParameterError, match="1 cases"):
        group_keys(log, log, ["x", "y"])
    with pytest.raises(InvalidParameterError, match="segmento"):
        group_keys(log, log, "segmento", customers=[Customer("C1", "Ana")])
    with pytest.raises(InvalidParameterError, match="segment"):
        group_keys(invs, log, "segment")


# ----------------------------------------------------------------------------- properties

AS_OF = st.one_of(
    st.none(),
    st.dates(dt.date(2019, 12, 1), dt.date(2027, 6, 30)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invs=invoice_lists(), as_of=AS_OF)
def test_ledger_agrees_with_the_model(invs: list[Invoice], as_of: dt.date | None) -> None:
    lg = ledger(invs, as_of=as_of)
    by_number = {i.number: i for i in invs}
    limit = None if as_of is None else as_of_ns(as_of)
    for k, cid in enumerate(lg.case_ids.tolist()):
        i = by_number[cid]
        issued = limit is None or to_ns(i.issued_at) < limit
        assert bool(lg.is_issued[k]) == issued
        assert lg.paid_minor[k] == i.paid_amount(as_of).minor
        expected_settled = i.settled_at is not None and (
            limit is None or to_ns(i.settled_at) < limit
        )
        assert bool(lg.is_settled[k]) == expected_settled
        if expected_settled:
            assert i.settled_at is not None
            assert lg.settled_ns[k] == to_ns(i.settled_at)
        if issued:
            assert lg.open_minor[k] == i.open_amount(as_of).minor
            assert STATUS_NAMES[lg.status[k]] == i.status(as_of).value
        else:
            assert lg.open_minor[k] == 0
            assert STATUS_NAMES[lg.status[k]] == "not_issued"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invs=invoice_lists(), as_of=AS_OF, seed=st.integers(0, 2**16))
def test_object_and_columnar_paths_give_the_same_ledger(
    invs: list[Invoice], as_of: dt.date | None, seed: int
) -> None:
    assume(invs)
    cols = invoice_columns(invs)
    # shuffle the rows: the log sorts them, so the ledger must not change
    order = np.random.default_rng(seed).permutation(len(cols["case:concept:name"]))  # type: ignore[arg-type]
    shuffled = {
        k: [v[i] for i in order] if isinstance(v, list) else v[order]  # type: ignore[index]
        for k, v in cols.items()
    }
    a = ledger(invs, as_of=as_of)
    for data in (cols, shuffled):
        b = ledger(EventLog.from_columns(data, attributes="all"), as_of=as_of)
        assert a.case_ids.tolist() == b.case_ids.tolist()
        for name in (
            "issued_ns",
            "paid_minor",
            "open_minor",
            "first_payment_ns",
            "first_payment_after_issue_ns",
            "written_off_ns",
            "amount_minor",
            "open_disputes",
            "status",
        ):
            assert getattr(a, name).tolist() == getattr(b, name).tolist(), name
        # settlement: the object log has "Invoice Settled" events, the columns do not
        assert a.settled_ns.tolist() == b.settled_ns.tolist()
        assert a.due_day.tolist() == b.due_day.tolist()
        assert a.currency.tolist() == b.currency.tolist()


# ----------------------------------------------------------------------------- per-log cache


def _synth_log(n: int = 400, seed: int = 3) -> EventLog:
    from kpicore.synth import synth_event_columns

    return EventLog.from_columns(synth_event_columns(n, seed=seed).to_mapping())


@pytest.mark.parametrize("day", [None, "2024-03-15", "2024-06-30", "2024-09-30"])
def test_closed_ns_direct_equals_closed_through_settled_ns(day: str | None) -> None:
    # closed_ns computed from the events and payments directly (no settled_ns yet) and
    # through settled_ns give the same instants: the earlier of the known instants is
    # the earlier instant, if known. Checked against a per-invoice loop as well
    log = _synth_log(600, seed=8)
    bound = None if day is None else as_of_ns(dt.date.fromisoformat(day))
    p = prepare_ledger(log)
    direct = build_ledger(log, p, bound)
    closed = direct.closed_ns
    assert "settled_ns" not in vars(direct)
    other = build_ledger(log, p, bound)
    assert other.settled_ns.shape == closed.shape  # computed first: the other path
    assert other.closed_ns.tolist() == closed.tolist()
    limit = MAX_NS if bound is None else bound
    for k in range(log.n_cases):
        known = [
            int(x)
            for x in (other.settled_ns[k], direct.written_off_ns[k])
            if int(x) != MISSING and int(x) < limit
        ]
        assert int(closed[k]) == (min(known) if known else MISSING)


@given(
    st.lists(
        st.tuples(
            st.one_of(st.just(MISSING), st.integers(-(2**62), 2**62)),
            st.one_of(st.just(MISSING), st.integers(-(2**62), 2**62)),
        ),
        max_size=40,
    ),
    st.integers(0, 40),
)
def test_earliest_sparse_is_the_earlier_known_instant(
    pairs: list[tuple[int, int]], extra_missing: int
) -> None:
    # dense and sparse second arguments (padding with MISSING crosses the 1-in-8
    # threshold): the earlier instant, MISSING only where both are MISSING
    from kpicore.kpis._ledger import _earliest_sparse

    pairs = pairs + [(5, MISSING)] * extra_missing
    a = np.array([x for x, _ in pairs], dtype=np.int64)
    b = np.array([y for _, y in pairs], dtype=np.int64)
    want = [
        min(v for v in (x, y) if v != MISSING) if (x, y) != (MISSING, MISSING) else MISSING
        for x, y in pairs
    ]
    assert _earliest_sparse(a, b).tolist() == want


def test_kpis_on_one_log_scan_it_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from kpicore.kpis.disputes import dispute_resolution
    from kpicore.kpis.dso import invoice_dso
    from kpicore.kpis.dunning import dunning_effectiveness, dunning_rate
    from kpicore.kpis.overdue import aging, days_overdue

    scans: list[object] = []
    original = EventLog.role_events

    def counting(self: EventLog, activity: Any, *, role: str = "activity") -> Any:
        scans.append(activity)
        return original(self, activity, role=role)

    monkeypatch.setattr(EventLog, "role_events", counting)
    log = _synth_log()
    as_of = dt.date(2024, 9, 30)
    first = [
        invoice_dso(log).to_dict(),
        dispute_resolution(log).to_dict(),
        days_overdue(log, as_of=as_of).to_dict(),
        aging(log, as_of=as_of).to_dict(),
        dunning_rate(log).to_dict(),
        dunning_effectiveness(log).to_dict(),
    ]
    # each role is scanned once for all six KPIs (payment, generated, settled, ...)
    assert len(scans) == len({repr(s) for s in scans})
    assert "Payment Received" in scans
    n_scans = len(scans)
    again = [
        invoice_dso(log).to_dict(),
        dispute_resolution(log).to_dict(),
        days_overdue(log, as_of=as_of).to_dict(),
        aging(log, as_of=as_of).to_dict(),
        dunning_rate(log).to_dict(),
        dunning_effectiveness(log).to_dict(),
    ]
    assert len(scans) == n_scans  # a warm log is not scanned again
    assert again == first
    clear_cache(log)
    assert invoice_dso(log).to_dict() == first[0]  # recomputed: the same answer
    assert len(scans) > n_scans


def test_cached_ledgers_are_shared_and_read_only() -> None:
    log = _synth_log()
    as_of = dt.date(2024, 6, 30)
    assert prepare_ledger(log) is prepare_ledger(log)
    assert prepare_ledger(log, Roles(default_currency="BRL")) is not prepare_ledger(log)
    lg = ledger(log, as_of=as_of)
    assert ledger(log, as_of=as_of) is lg
    assert ledger(log, as_of=as_of, roles=Roles(default_currency="BRL")) is not lg
    assert ledger(log) is not lg
    assert role_events(log, "Payment Received") is role_events(log, "Payment Received")
    # derived columns are computed once and cannot be changed by a caller
    assert lg.is_open is lg.is_open
    for name in ("is_open", "is_issued", "has_due_date", "closed_ns", "currency", "status"):
        with pytest.raises(ValueError, match="read-only"):
            getattr(lg, name)[0] = 0
    fresh = build_ledger(log, prepare_ledger(log), as_of_ns(as_of))
    for name in ("paid_minor", "settled_ns", "open_minor", "open_disputes", "status"):
        assert getattr(fresh, name).tolist() == getattr(lg, name).tolist(), name


def test_only_recent_as_of_values_are_kept() -> None:
    log = _synth_log(50)
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=k) for k in range(RECENT_PER_LOG + 4)]
    first = ledger(log, as_of=days[0])
    for d in days[1:]:
        ledger(log, as_of=d)
    last = ledger(log, as_of=days[-1])
    assert ledger(log, as_of=days[-1]) is last
    rebuilt = ledger(log, as_of=days[0])  # evicted, built again: equal, not the same object
    assert rebuilt is not first
    assert rebuilt.status.tolist() == first.status.tolist()
    assert ledger(log) is ledger(log)  # the "everything recorded" ledger is kept


def test_the_cache_lets_logs_go() -> None:
    import gc
    import weakref

    gc.collect()
    before = cached_logs()
    log = _synth_log(30)
    ref = weakref.ref(log)
    ledger(log)
    assert cached_logs() == before + 1
    del log
    gc.collect()
    assert ref() is None
    assert cached_logs() == before


def test_kpis_from_threads_on_one_cold_log_agree() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from kpicore.kpis.disputes import open_disputes
    from kpicore.kpis.dso import invoice_dso
    from kpicore.kpis.dunning import dunning_effectiveness
    from kpicore.kpis.overdue import aging

    as_of = dt.date(2024, 8, 31)
    jobs: list[Callable[[EventLog], dict[str, Any]]] = [
        lambda lg: invoice_dso(lg).to_dict(),
        lambda lg: aging(lg, as_of=as_of).to_dict(),
        lambda lg: open_disputes(lg, as_of=as_of).to_dict(),
        lambda lg: dunning_effectiveness(lg, as_of=as_of).to_dict(),
    ] * 4
    expected = [job(_synth_log()) for job in jobs[:4]] * 4
    log = _synth_log()
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda job: job(log), jobs))
    assert got == expected


def test_memo_does_not_cache_unhashable_keys() -> None:
    log = _synth_log(5)
    calls: list[int] = []
    assert memo(log, ["a"], lambda: calls.append(1) or 1) == 1  # type: ignore[arg-type, func-returns-value]
    assert memo(log, ["a"], lambda: calls.append(1) or 1) == 1  # type: ignore[arg-type, func-returns-value]
    assert len(calls) == 2


# ----------------------------------------------------------------------------- shared helpers


def test_minor_values_and_epoch_days() -> None:
    values, ok = minor_values(np.array([None, None], dtype=object), field="x", ids=str)
    assert (values.tolist(), ok.tolist()) == ([0, 0], [False, False])
    with pytest.raises(InvalidRecordError, match=r"'x'.*'abc'"):
        minor_values(np.array([None, "abc"], dtype=object), field="x", ids=str)
    with pytest.raises(InvalidRecordError, match="integer minor units"):
        minor_values(np.array([2.0**60]), field="x", ids=str)
    days = epoch_days(
        np.array(["2024-01-02", None, dt.date(1970, 1, 2), float("nan")], dtype=object),
        field="due", record=str, expected="a date",
    )  # fmt: skip
    assert days.tolist() == [19724, MISSING, 1, MISSING]
    assert epoch_days(
        np.array(["2024-01-02T05:00"], dtype="datetime64[m]"), field="d", record=str,
        expected="a date",
    ).tolist() == [19724]  # fmt: skip
    with pytest.raises(InvalidRecordError, match=r"'due'.*'soon'"):
        epoch_days(np.array(["soon"], dtype=object), field="due", record=str, expected="a date")
    with pytest.raises(InvalidRecordError, match="'due'"):
        epoch_days(np.array([3.0]), field="due", record=str, expected="a date")


# --------------------------------------------------------------------- lazy columns


@given(
    runs=st.lists(st.lists(st.booleans(), min_size=1, max_size=6), max_size=12),
    gaps=st.lists(st.integers(0, 2), min_size=12, max_size=12),
)
def test_first_flagged_payment_per_case_matches_a_loop(
    runs: list[list[bool]], gaps: list[int]
) -> None:
    from kpicore.kpis._ledger import _first_flagged

    case: list[int] = []
    flags: list[bool] = []
    code = 0
    for k, run in enumerate(runs):
        code += gaps[k]  # cases without payments between runs
        case += [code] * len(run)
        flags += run
        code += 1
    n = code + 1
    c = np.array(case, dtype=np.int32)
    out = np.full(n, -1, dtype=np.int64)
    _first_flagged(c, np.array(flags, dtype=bool), np.arange(len(case)), out)
    got = out.tolist()
    expected = [-1] * n
    for pos, (cc, f) in enumerate(zip(case, flags, strict=True)):
        if f and expected[cc] == -1:
            expected[cc] = pos
    assert got == expected


@given(
    amounts=st.lists(
        st.lists(st.integers(-5_000, 10_000), min_size=1, max_size=5), min_size=1, max_size=10
    ),
    target=st.integers(1, 12_000),  # amount zero: settled at issue (tested elsewhere)
)
def test_running_sums_and_cover_with_refunds_match_a_loop(
    amounts: list[list[int]], target: int
) -> None:
    # negative payments (refunds) make the running sum non-monotone: the covering payment
    # is still the first one whose running sum reaches the amount
    case: list[str] = []
    act: list[str] = []
    ts: list[str] = []
    amt: list[int | None] = []
    for k, pays in enumerate(amounts):
        case.append(f"F{k:03d}")
        act.append("Invoice Generated")
        ts.append(f"2024-01-01T00:{k:02d}Z")
        amt.append(None)
        for j, a in enumerate(pays):
            case.append(f"F{k:03d}")
            act.append("Payment Received")
            ts.append(f"2024-02-{j + 1:02d}T00:{k:02d}Z")
            amt.append(a)
    log = EventLog.from_columns(
        case=case, activity=act, timestamp=ts, attributes={"amount_minor": amt},
        case_attributes={"amount_minor": [target] * len(case), "currency": ["BRL"] * len(case)},
    )  # fmt: skip
    p = prepare_ledger(log)
    lg = ledger(log)
    running: list[int] = []
    for k, pays in enumerate(amounts):
        total = 0
        cover = MISSING
        for j, a in enumerate(pays):
            total += a
            running.append(total)
            if cover == MISSING and total >= target:
                cover = date_to_ns(dt.date(2024, 2, j + 1)) + k * 60 * 10**9
        assert int(lg.paid_minor[k]) == total
        assert int(p.cover_ns[k]) == cover
        assert int(lg.open_minor[k]) == (0 if cover != MISSING else max(target - total, 0))
    assert p.running_sums().tolist() == running
    # as of the end of 1 Feb only each case's first payment is known: the amount paid is
    # the running sum at it (the as-of path), refunds included
    early = ledger(log, as_of=dt.date(2024, 2, 1))
    assert early.paid_minor.tolist() == [pays[0] for pays in amounts]


@given(
    cases=st.lists(
        st.tuples(
            st.lists(st.integers(0, 10_000), min_size=0, max_size=5),  # payments
            st.one_of(st.none(), st.integers(0, 12_000)),  # amount (None: no amount)
        ),
        min_size=1,
        max_size=12,
    )
)
def test_cover_without_refunds_matches_a_loop(cases: list[tuple[list[int], int | None]]) -> None:
    # payments only add up: the covering payment is read per case (the last one, unless
    # the amount was reached earlier: over-payments and payments after settling)
    case: list[str] = []
    act: list[str] = []
    ts: list[str] = []
    amt: list[int | None] = []
    case_amount: list[int | None] = []
    for k, (pays, amount) in enumerate(cases):
        rows: list[tuple[str, str, int | None]] = [
            ("Invoice Generated", f"2024-01-01T00:{k:02d}Z", None)
        ]
        rows += [
            ("Payment Received", f"2024-02-{j + 1:02d}T00:{k:02d}Z", a) for j, a in enumerate(pays)
        ]
        for a_name, t, a in rows:
            case.append(f"F{k:03d}")
            act.append(a_name)
            ts.append(t)
            amt.append(a)
            case_amount.append(amount)
    log = EventLog.from_columns(
        case=case, activity=act, timestamp=ts, attributes={"amount_minor": amt},
        case_attributes={"amount_minor": case_amount, "currency": ["BRL"] * len(case)},
    )  # fmt: skip
    p = prepare_ledger(log)
    assert p.payments_nonnegative
    expected: list[int] = []
    for k, (pays, amount) in enumerate(cases):
        total, cover = 0, MISSING
        for j, a in enumerate(pays):
            total += a
            if amount is not None and cover == MISSING and total >= amount:
                cover = date_to_ns(dt.date(2024, 2, j + 1)) + k * 60 * 10**9
        expected.append(cover)
    assert p.cover_ns.tolist() == expected
    paid = [sum(pays) for pays, _ in cases]
    assert ledger(log).paid_minor.tolist() == paid
    last = [date_to_ns(dt.date(2024, 2, len(pays))) + k * 60 * 10**9
            for k, (pays, _) in enumerate(cases) if pays]  # fmt: skip
    assert p.pay_last_ns == (max(last) if last else MISSING)


@given(
    runs=st.lists(
        st.lists(st.integers(-(2**61), 2**61), min_size=1, max_size=4), min_size=1, max_size=12
    )
)
def test_run_sums_are_exact_when_the_running_total_wraps(runs: list[list[int]]) -> None:
    # each run's sum fits in int64, the cumulative sum over all runs may not: the
    # differences of the (wrapping) cumulative sums are still exact
    runs = [r for r in runs if -(2**63) <= sum(r) < 2**63]
    assume(runs)
    values = np.array([v for r in runs for v in r], dtype=np.int64)
    ends = np.cumsum([len(r) for r in runs]) - 1
    assert run_sums(values, ends).tolist() == [sum(r) for r in runs]


def test_a_kpi_computes_only_the_ledger_columns_it_reads() -> None:
    from kpicore.kpis._ledger import ledger_of
    from kpicore.kpis.overdue import aging

    log = _synth_log(40)
    as_of = dt.date(2024, 9, 30)
    aging(log, as_of=as_of)
    lg = ledger_of(log, as_of=as_of)
    computed = set(vars(lg))
    assert "is_open" in computed
    # settled or written-off events close most invoices here: only the others'
    # payments are summed (not paid_minor nor is_settled for every invoice), nor the
    # covering payment's instant, nor the open amount of every invoice (aging reads
    # the open ones': open_minor_of)
    assert "_candidates_paid" in computed
    assert "paid_minor" not in computed
    assert "is_settled" not in computed
    assert "settled_ns" not in computed
    assert "open_minor" not in computed
    ix = np.flatnonzero(lg.is_open & lg.has_amount)
    assert lg.open_minor_of(ix).tolist() == ledger(log, as_of=as_of).open_minor[ix].tolist()
    # after DSO (the payments grouped per case), aging sums every case's payments
    from kpicore.kpis.dso import invoice_dso

    other = _synth_log(40)
    invoice_dso(other)
    aging(other, as_of=as_of)
    assert "paid_minor" in vars(ledger_of(other, as_of=as_of))
    assert "_candidates_paid" not in vars(ledger_of(other, as_of=as_of))
    assert aging(other, as_of=as_of).to_dict() == aging(log, as_of=as_of).to_dict()
    # the dispute status is not read by aging: its episodes are not paired
    assert "open_disputes" not in computed
    assert "status" not in computed
    # reading the status later computes it, equal to a fresh ledger's
    assert (
        lg.status.tolist() == build_ledger(log, prepare_ledger(log), lg.as_of_ns).status.tolist()
    )


def test_aging_of_a_log_settled_by_payments_only_reads_every_payment() -> None:
    # without settled events, few invoices are closed by an event: the candidates'
    # path is not tried (counted first) and the whole-log columns give the answer
    from kpicore.kpis._ledger import ledger_of
    from kpicore.kpis.overdue import aging

    log = _synth_log(60)
    as_of = dt.date(2024, 9, 30)
    bare = log.filter_activities("Invoice Settled", keep=False)
    r = aging(bare, as_of=as_of)
    lg = ledger_of(bare, as_of=as_of)
    assert "_candidates_paid" not in vars(lg)
    assert "paid_minor" in vars(lg)
    # the same open invoices as with the settled events (they settle when paid here)
    full = aging(log, as_of=as_of)
    assert "_candidates_paid" in vars(ledger_of(log, as_of=as_of))
    assert r.count == full.count > 0
    assert r.amount == full.amount
    assert [b.count for b in r.buckets] == [b.count for b in full.buckets]


def test_a_ledger_from_ledger_outlives_its_log_but_a_lazy_one_says_it_cannot() -> None:
    import gc

    from kpicore.errors import KpiError
    from kpicore.kpis._ledger import ledger_of

    invs = [
        inv("F-1", "2024-01-01", "2024-01-31", brl(10), payments=[Payment("2024-01-10", brl(4))])
    ]
    lg = ledger(invs)  # the log built from the invoices is gone once ledger() returns
    gc.collect()
    assert lg.open_minor.tolist() == [600]
    assert lg.status_names.tolist() == ["partially_paid"]
    lazy = ledger_of(as_log(invs))
    gc.collect()
    with pytest.raises(KpiError, match="no longer exists"):
        _ = lazy.open_minor


@given(
    cases=st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(0, 20)),  # issue day (None: never issued)
            st.lists(st.integers(0, 20), max_size=4),  # payment days
        ),
        min_size=1,
        max_size=15,
    )
)
def test_first_payment_after_issue_matches_a_loop(
    cases: list[tuple[int | None, list[int]]],
) -> None:
    # only the cases whose first payment is before the issue (or never issued) are
    # scanned payment by payment: the others take their first payment
    case: list[str] = []
    act: list[str] = []
    ts: list[str] = []
    for k, (issue, pays) in enumerate(cases):
        rows = [] if issue is None else [("Invoice Generated", issue)]
        rows += [("Payment Received", d) for d in pays]
        rows += [] if rows else [("Invoice Posted and Sent", 0)]  # a case with one event
        for a, d in rows:
            case.append(f"F{k:02d}")
            act.append(a)
            ts.append(f"2024-01-{d + 1:02d}T00:00Z")
    lg = ledger(EventLog.from_columns(case=case, activity=act, timestamp=ts))
    day = [date_to_ns(dt.date(2024, 1, d + 1)) for d in range(21)]
    expected = []
    for issue, pays in cases:
        after = [d for d in pays if issue is not None and d >= issue]
        expected.append(day[min(after)] if after else MISSING)
    assert lg.first_payment_after_issue_ns.tolist() == expected


def test_first_payment_after_issue_skips_payments_before_it() -> None:
    log = EventLog.from_columns(
        case=["A", "A", "A", "A", "B", "B", "C", "D", "D"],
        activity=["Payment Received", "Invoice Generated", "Payment Received",
                  "Payment Received", "Payment Received", "Invoice Generated",
                  "Payment Received", "Invoice Generated", "Payment Received"],
        timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-03T00:00Z",
                   "2024-01-04T00:00Z", "2024-01-01T00:00Z", "2024-01-05T00:00Z",
                   "2024-01-01T00:00Z", "2024-01-01T00:00Z", "2024-01-01T00:00Z"],
    )  # fmt: skip
    lg = ledger(log)
    day = {d: to_ns(dt.datetime(2024, 1, d, tzinfo=UTC)) for d in range(1, 6)}
    # A: the one before the issue is skipped; B: only before; C: never issued;
    # D: at the very instant of the issue counts
    assert lg.first_payment_after_issue_ns.tolist() == [day[3], MISSING, MISSING, day[1]]
    assert lg.first_payment_ns.tolist() == [day[1], day[1], day[1], day[1]]


@given(
    cases=st.lists(
        st.tuples(
            st.integers(0, 5),  # issue day
            st.one_of(st.none(), st.integers(-50, 300)),  # amount (<= 0: credit notes)
            st.lists(st.tuples(st.integers(0, 9), st.integers(-50, 200)), max_size=4),
            st.one_of(st.none(), st.integers(0, 9)),  # settled event day
        ),
        min_size=1,
        max_size=8,
    ),
    nonnegative=st.booleans(),
    day=st.integers(0, 11),
)
def test_is_settled_without_the_covering_instant_agrees_with_settled_ns(
    cases: list[tuple[int, int | None, list[tuple[int, int]], int | None]],
    nonnegative: bool,
    day: int,
) -> None:
    case: list[str] = []
    act: list[str] = []
    ts: list[dt.datetime] = []
    amt: list[int | None] = []
    inv_amount: list[int | None] = []
    for k, (issue, amount, pays, settled) in enumerate(cases):
        events: list[tuple[int, str, int | None]] = [(issue, "Invoice Generated", None)]
        events += [(d, "Payment Received", abs(a) if nonnegative else a) for d, a in pays]
        if settled is not None:
            events.append((settled, "Invoice Settled", None))
        for d, a, v in sorted(events, key=lambda e: e[0]):
            case.append(f"F{k}")
            act.append(a)
            ts.append(dt.datetime(2024, 1, 1 + d, tzinfo=UTC))
            amt.append(v)
            inv_amount.append(amount)
    log = EventLog.from_columns(
        case=case, activity=act, timestamp=ts, attributes={"amount_minor": amt},
        case_attributes={"amount_minor": inv_amount, "currency": ["BRL"] * len(case)},
    )  # fmt: skip
    bound = as_of_ns(dt.date(2024, 1, 1 + day))
    shortcut = build_ledger(log, prepare_ledger(log), bound)
    full = build_ledger(log, prepare_ledger(log), bound)
    expected = (full.settled_ns != MISSING).tolist()
    assert shortcut.is_settled.tolist() == expected
    assert shortcut.is_open.tolist() == full.is_open.tolist()
    assert shortcut.open_minor.tolist() == full.open_minor.tolist()
    # the amount paid as of the bound, summed here payment by payment
    paid = {
        f"F{k}": sum(
            (abs(a) if nonnegative else a) for d, a in pays if d <= day
        )  # as_of: the end of that day
        for k, (_, _, pays, _) in enumerate(cases)
    }
    assert shortcut.paid_minor.tolist() == [paid[c] for c in shortcut.case_ids.tolist()]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cases=st.lists(
        st.tuples(
            st.integers(0, 5),  # issue day
            st.one_of(st.none(), st.integers(-50, 300)),  # amount (<= 0: credit notes)
            # payments: day and amount (None: no amount)
            st.lists(
                st.tuples(st.integers(0, 9), st.one_of(st.none(), st.integers(-50, 200))),
                max_size=4,
            ),
            st.one_of(st.none(), st.integers(0, 9)),  # settled event day
            st.one_of(st.none(), st.integers(0, 9)),  # written-off event day
        ),
        min_size=1,
        max_size=8,
    ),
    nonnegative=st.booleans(),
    day=st.one_of(st.none(), st.integers(0, 11)),
    float_amounts=st.booleans(),
)
def test_open_from_the_candidates_payments_equals_the_full_columns(
    monkeypatch: pytest.MonkeyPatch,
    cases: list[tuple[int, int | None, list[tuple[int, int | None]], int | None, int | None]],
    nonnegative: bool,
    day: int | None,
    float_amounts: bool,
) -> None:
    # is_open and the open amounts from the payments of the invoices without a known
    # settled or written-off event only, against the whole-log columns (is_settled,
    # paid_minor) of another ledger of the same log and bound
    from kpicore.kpis import _ledger

    # never too many candidates here (the same value every example: the fixture is shared)
    monkeypatch.setattr(_ledger, "CANDIDATE_EVENTS_MAX", 1.0)
    case: list[str] = []
    act: list[str] = []
    ts: list[dt.datetime] = []
    amt: list[float | None] = []
    inv_amount: list[int | None] = []
    for k, (issue, amount, pays, settled, written) in enumerate(cases):
        events: list[tuple[int, str, int | None]] = [(issue, "Invoice Generated", None)]
        for d, a in pays:
            events.append(
                (d, "Payment Received", None if a is None else abs(a) if nonnegative else a)
            )
        if settled is not None:
            events.append((settled, "Invoice Settled", None))
        if written is not None:
            events.append((written, "Invoice Written Off", None))
        for d, name, v in sorted(events, key=lambda e: e[0]):
            case.append(f"F{k}")
            act.append(name)
            ts.append(dt.datetime(2024, 1, 1 + d, 12, tzinfo=UTC))
            amt.append(None if v is None else float(v) if float_amounts else v)
            inv_amount.append(amount)
    if not float_amounts and None in amt:
        amt = [float("nan") if v is None else float(v) for v in amt]
    log = EventLog.from_columns(
        case=case, activity=act, timestamp=ts, attributes={"amount_minor": amt},
        case_attributes={"amount_minor": inv_amount, "currency": ["BRL"] * len(case)},
    )  # fmt: skip
    bound = MAX_NS if day is None else as_of_ns(dt.date(2024, 1, 1 + day))
    fast = build_ledger(log, prepare_ledger(log), bound)
    got_open = fast.is_open.tolist()  # first: then no payment column is there yet
    full = build_ledger(log, prepare_ledger(log), bound)
    assert full.paid_minor.shape[0] == full.n  # the whole-log column first: the full path
    assert "_candidates_paid" not in vars(full)
    assert got_open == full.is_open.tolist()

    # the candidate path is taken unless one of the candidates' payments is a refund
    def candidate(
        issue: int, amount: int | None, settled: int | None, written: int | None
    ) -> bool:
        closed = any(e is not None and (day is None or e <= day) for e in (settled, written))
        return (day is None or issue <= day) and not closed and amount != 0

    refund = any(
        a is not None and a < 0 and not nonnegative and (day is None or d <= day)
        for issue, amount, pays, settled, written in cases
        if candidate(issue, amount, settled, written)
        for d, a in pays
    )
    if not refund:
        assert "_candidates_paid" in vars(fast)
        assert "paid_minor" not in vars(fast)
    ix = np.flatnonzero(fast.is_open & fast.has_amount)
    assert fast.open_minor_of(ix).tolist() == full.open_minor[ix].tolist()
    # and by the definition: issued, no known settled/written-off event, not covered
    for k, (issue, amount, pays, settled, written) in enumerate(cases):
        c = fast.case_ids.tolist().index(f"F{k}")
        in_time = sorted(pays, key=lambda pay: pay[0])  # the log's order (stable sort)
        known = [(abs(a) if nonnegative else a) if a is not None else 0
                 for d, a in in_time if day is None or d <= day]  # fmt: skip
        running = 0
        covered = False
        for a in known:
            running += a
            covered = covered or (amount is not None and running >= amount)
        assert bool(fast.is_open[c]) == (
            candidate(issue, amount, settled, written) and not covered
        )


_ACTS = ("Invoice Generated", "Invoice Posted and Sent", "Payment Received", "Invoice Settled")


@given(
    cases=st.lists(
        st.lists(st.tuples(st.sampled_from(_ACTS), st.integers(0, 5)), min_size=1, max_size=5),
        min_size=1,
        max_size=8,
    ),
    role=st.sampled_from([_ACTS[0], _ACTS[2], (_ACTS[0], _ACTS[1]), (_ACTS[2], _ACTS[3])]),
)
def test_first_role_instant_per_case_matches_a_loop(
    cases: list[list[tuple[str, int]]], role: Any
) -> None:
    # the head-of-case shortcut (every case starts with the role) and the scan agree with
    # the definition: the earliest event of the role in each case (ties: log order)
    from kpicore.kpis._ledger import first_role_ns

    case, act, ts, ns = [], [], [], []
    for k, events in enumerate(cases):
        for a, day in events:
            case.append(f"c{k}")
            act.append(a)
            ts.append(f"2024-01-{day + 1:02d}T00:00Z")
            ns.append(int(date_to_ns(dt.date(2024, 1, day + 1))))
    log = EventLog.from_columns(case=case, activity=act, timestamp=ts)
    names = {role} if isinstance(role, str) else set(role)
    expected = []
    for cid in log.case_ids.tolist():
        instants = [t for c, a, t in zip(case, act, ns, strict=True) if c == cid and a in names]
        expected.append(min(instants) if instants else MISSING)
    assert first_role_ns(log, role, "role").tolist() == expected
    assert log.every_case_has_events


def test_first_instant_per_case_gathers_when_every_case_has_one() -> None:
    from kpicore.kpis._ledger import first_ns_per_case

    case = np.array([0, 0, 1, 2, 2], dtype=np.int32)
    ts = np.array([10, 11, 12, 13, 14])
    # one per case (cases 0..2): the gather path
    assert first_ns_per_case(case, ts, np.array([1, 2, 4]), 3).tolist() == [11, 12, 14]
    # several per case, every case present: compacted, then gathered
    assert first_ns_per_case(case, ts, np.arange(5), 3).tolist() == [10, 12, 13]
    # a case without one: scattered
    assert first_ns_per_case(case, ts, np.array([0, 3]), 3).tolist() == [10, MISSING, 13]


def test_first_role_instant_when_every_case_starts_with_it() -> None:
    # the shortcut's condition holds: same answer as the scan, and a case whose first
    # event is another activity (a tie broken by log order) sends it back to the scan
    from kpicore.kpis._ledger import first_ns_per_case, first_role_ns

    log = EventLog.from_columns(
        case=["a", "a", "b", "b", "b"],
        activity=["Invoice Generated", "Payment Received", "Invoice Generated",
                  "Invoice Generated", "Payment Received"],
        timestamp=["2024-01-02T00:00Z", "2024-01-03T00:00Z", "2024-01-01T00:00Z",
                   "2024-01-05T00:00Z", "2024-01-02T00:00Z"],
    )  # fmt: skip
    scan = first_ns_per_case(
        log.case_codes, log.timestamps, role_events(log, "Invoice Generated"), log.n_cases
    )
    got = first_role_ns(log, "Invoice Generated", "generated")
    assert got.tolist() == scan.tolist() == [
        date_to_ns(dt.date(2024, 1, 2)), date_to_ns(dt.date(2024, 1, 1))
    ]  # fmt: skip
    tie = EventLog.from_columns(
        case=["a", "a"],
        activity=["Payment Received", "Invoice Generated"],
        timestamp=["2024-01-02T00:00Z"] * 2,
    )
    assert first_role_ns(tie, "Invoice Generated", "generated").tolist() == [
        date_to_ns(dt.date(2024, 1, 2))
    ]


@pytest.mark.parametrize(
    ("amounts", "without"),
    [([0, 30, 40, 0, 10], 0), ([None, 30.0, np.nan, None, 10.0], 1)],
    ids=["int-column", "float-column-with-a-null"],
)
def test_payments_without_amount_without_decoding_an_int_column(
    amounts: list[Any], without: int
) -> None:
    # an int amount column cannot hold a null: the count is 0 without reading the amounts;
    # a float column is decoded and its NaN counted -- the same count either way round
    log = log_of(
        ["a", "a", "a", "b", "b"],
        ["Invoice Generated", "Payment Received", "Payment Received"] * 1
        + ["Invoice Generated", "Payment Received"],
        ["2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-03T00:00Z"] * 1
        + ["2024-01-01T00:00Z", "2024-01-05T00:00Z"],
        amounts=amounts,
    )
    assert log.event_attribute_kind("amount_minor") == ("int" if without == 0 else "float")
    p = prepare_ledger(log)
    assert ledger_at(log, None).payments_without_amount == without
    assert ("_pay_amounts" in p.__dict__) == (without > 0)  # int: the amounts never read
    decoded = int(p._pay_amounts[1].shape[0])  # now decoded: the count agrees
    assert decoded == without == ledger(log).payments_without_amount
    with pytest.raises(MissingDataError, match="nope"):
        log.event_attribute_kind("nope")


def test_first_payment_after_issue_shares_the_first_payment_only_when_none_is_early() -> None:
    on_time = log_of(
        ["a", "a", "b", "b"],
        ["Invoice Generated", "Payment Received"] * 2,
        ["2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-01T00:00Z", "2024-01-04T00:00Z"],
    )
    p = prepare_ledger(on_time)
    assert p.first_after_issue_ns is p.first_pay_ns  # nothing early: no copy
    early = log_of(
        ["a", "a", "a", "b", "b"],
        [
            "Payment Received",
            "Invoice Generated",
            "Payment Received",
            "Invoice Generated",
            "Payment Received",
        ],
        [
            "2023-12-30T00:00Z",
            "2024-01-01T00:00Z",
            "2024-01-03T00:00Z",
            "2024-01-01T00:00Z",
            "2024-01-04T00:00Z",
        ],
    )
    q = prepare_ledger(early)
    ns = np.array(["2024-01-03", "2024-01-04"], dtype="datetime64[ns]").view(np.int64)
    assert q.first_after_issue_ns.tolist() == ns.tolist()  # a's payment before its issue skipped
    assert q.first_pay_ns.tolist()[0] == int(np.datetime64("2023-12-30", "ns").view(np.int64))


def _first_instants_by_loop(log: EventLog, activity: str) -> list[int]:
    """Per case, the instant of its earliest ``activity`` event (MISSING: none), by a loop."""
    acts = np.asarray(log.activities, dtype=object)[log.activity_codes]
    out = [MISSING] * log.n_cases
    for i in range(log.n_events - 1, -1, -1):  # backwards: the earliest one stays
        if acts[i] == activity:
            out[int(log.case_codes[i])] = int(log.timestamps[i])
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_first_payment_straight_from_the_payments_equals_the_runs_path(seed: int) -> None:
    # read first (no runs built: first_ns_per_case) and after the runs exist (gathered at
    # the runs): the same instants, and the earliest payment of each case by a loop
    log = _synth_log(300, seed=seed)
    cold = PreparedLedger(log, DEFAULT_ROLES)
    first = cold.first_pay_ns.tolist()
    assert "pay_runs" not in vars(cold)
    warm = PreparedLedger(log, DEFAULT_ROLES)
    assert warm.pay_runs.shape[0] > 0
    assert warm.first_pay_ns.tolist() == first
    expected = _first_instants_by_loop(log, "Payment Received")
    assert first == expected
    assert MISSING in first  # some unpaid
    assert len(set(first)) > 2  # several instants


@settings(max_examples=5, deadline=None)
@given(st.integers(0, 2**16))
def test_written_off_pairs_and_column_equal_a_loop(seed: int) -> None:
    # the write-off column read alone (first_role_ns) and after the sparse pairs (one per
    # written-off case, the first instant): the same instants, those of a loop
    log = _synth_log(400, seed=seed)
    cold = PreparedLedger(log, DEFAULT_ROLES)
    column = cold.written_first_ns.tolist()
    assert "written_first" not in vars(cold)
    warm = PreparedLedger(log, DEFAULT_ROLES)
    cases, ts = warm.written_first
    assert warm.written_first_ns.tolist() == column
    expected = _first_instants_by_loop(log, "Invoice Written Off")
    assert column == expected
    assert cases.tolist() == [k for k, t in enumerate(expected) if t != MISSING]
    assert ts.tolist() == [t for t in expected if t != MISSING]
    assert cases.shape[0] > 0  # some written off


@pytest.mark.parametrize(
    ("amounts", "expected"),
    [([500, 0, -7], [True, True, True]), ([5.0, None, 0.0], [True, False, True])],
)
def test_has_amount_without_decoding_whole_number_amounts(
    amounts: list[Any], expected: list[bool]
) -> None:
    # an "int" amount column has no nulls: has_amount is read without the amounts; a
    # float column (nulls) decodes them -- both equal the decoded amounts' mask
    log = EventLog.from_columns(
        case=["a", "b", "c"], activity=["Invoice Generated"] * 3,
        timestamp=["2024-01-01T00:00Z"] * 3,
        case_attributes={"amount_minor": amounts},
    )  # fmt: skip
    p = PreparedLedger(log, DEFAULT_ROLES)
    assert p.has_amount.tolist() == expected
    assert ("_amounts" in vars(p)) == (log.case_attribute_kind("amount_minor") != "int")
    assert ledger(log).has_amount.tolist() == expected
    decoded = PreparedLedger(log, DEFAULT_ROLES)
    assert decoded.amount.tolist() == [a if a is not None else MISSING for a in amounts]
    assert decoded.has_amount.tolist() == expected
