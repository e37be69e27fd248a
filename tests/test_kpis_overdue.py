"""Tests of kpicore.kpis.overdue: days overdue/late/to settle, aging, past-due ratio."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import invoice_columns, invoice_lists

from kpicore.errors import InvalidParameterError
from kpicore.eventlog import EventLog
from kpicore.kpis.overdue import (
    aging,
    days_late,
    days_overdue,
    days_to_settle,
    past_due_ratio,
)
from kpicore.model import Customer, Invoice, Payment
from kpicore.money import Money
from kpicore.periods import as_of_ns, to_ns


def brl(x: int | str) -> Money:
    return Money.of(x, "BRL")


def usd(x: int | str) -> Money:
    return Money.of(x, "USD")


def inv(number: str, issued: str, due: str, amount: Money, **kw: object) -> Invoice:
    return Invoice(number, kw.pop("customer_id", "C1"), issued, due, amount, **kw)  # type: ignore[arg-type]


AS_OF = dt.date(2024, 3, 15)


@pytest.fixture
def book() -> list[Invoice]:
    return [
        # F-1: 100, due 31 Jan, 30 paid 10 Feb -> 70 open, 44 days overdue at 15 Mar
        inv(
            "F-1",
            "2024-01-01",
            "2024-01-31",
            brl(100),
            customer_id="C1",
            collector="ana",
            payments=[Payment("2024-02-10", brl(30))],
        ),
        # F-2: 50, due 31 Mar -> current
        inv("F-2", "2024-03-01", "2024-03-31", brl(50), customer_id="C1", collector="bia"),
        # F-3: 20 USD, due 31 Oct 2023 -> 136 days overdue
        inv("F-3", "2023-10-01", "2023-10-31", usd(20), customer_id="C2", collector="ana"),
        # F-4: paid late on 5 Mar (due 29 Feb): closed at 15 Mar
        inv(
            "F-4",
            "2024-02-01",
            "2024-02-29",
            brl(40),
            customer_id="C2",
            payments=[Payment("2024-03-05", brl(40))],
        ),
        # F-5: written off on 1 Mar
        inv(
            "F-5",
            "2023-11-01",
            "2023-11-30",
            brl(60),
            customer_id="C2",
            written_off_at="2024-03-01",
        ),
        # F-6: issued after the as-of date
        inv("F-6", "2024-03-20", "2024-04-19", brl(10), customer_id="C1"),
        # F-7: due exactly on the as-of date -> current (day 0)
        inv("F-7", "2024-02-15", "2024-03-15", brl(5), customer_id="C1"),
        # F-8: 1 day past due
        inv("F-8", "2024-02-14", "2024-03-14", brl(8), customer_id="C1"),
    ]


# ----------------------------------------------------------------------------- days overdue


def test_days_overdue_hand_worked(book: list[Invoice]) -> None:
    r = days_overdue(book, as_of=AS_OF)
    # F-1: 15 Mar − 31 Jan = 44; F-3: 15 Mar 2024 − 31 Oct 2023 = 136; F-8: 1
    assert r.to_mapping() == {
        "F-1": 44.0,
        "F-2": 0.0,
        "F-3": 136.0,
        "F-4": 0.0,
        "F-5": 0.0,
        "F-7": 0.0,
        "F-8": 1.0,
    }
    assert r.coverage == {
        "used": 7,
        "overdue": 3,
        "open": 5,
        "closed": 2,
        "missing_due_date": 0,
        "issued_after_as_of": 1,
        "missing_start": 0,
    }
    assert r.summary.max == 136.0
    assert r.summary.count == 7


def test_days_overdue_sap_example_and_grace_days() -> None:
    # [SAPD] due 1997-03-12, run 1997-03-13 -> 1 day in arrears; with 3 grace days: 0
    i = inv("F-1", "1997-02-10", "1997-03-12", Money.of(100, "EUR"))
    assert days_overdue([i], as_of=dt.date(1997, 3, 13)).to_mapping() == {"F-1": 1.0}
    assert days_overdue([i], as_of=dt.date(1997, 3, 13), grace_days=3).to_mapping() == {"F-1": 0.0}
    # past the grace days the count runs from the due date: 16 Mar -> 4
    assert days_overdue([i], as_of=dt.date(1997, 3, 16), grace_days=3).to_mapping() == {"F-1": 4.0}
    assert days_overdue([i], as_of=dt.date(1997, 3, 15), grace_days=3).to_mapping() == {"F-1": 0.0}


def test_days_overdue_as_of_datetime_uses_its_date() -> None:
    i = inv("F-1", "2024-01-01", "2024-01-31", brl(10))
    at = dt.datetime(2024, 2, 2, 1, tzinfo=dt.timezone(dt.timedelta(hours=-3)))  # 04:00 UTC
    assert days_overdue([i], as_of=at).to_mapping() == {"F-1": 2.0}


def test_days_overdue_partial_payment_is_still_overdue() -> None:
    i = inv("F-1", "2024-01-01", "2024-01-31", brl(10), payments=[Payment("2024-02-01", brl(9))])
    assert days_overdue([i], as_of=dt.date(2024, 2, 10)).to_mapping() == {"F-1": 10.0}
    # paid in full on 11 Feb: 0 from then on
    j = inv("F-1", "2024-01-01", "2024-01-31", brl(10), payments=[Payment("2024-02-11", brl(10))])
    assert days_overdue([j], as_of=dt.date(2024, 2, 10)).to_mapping() == {"F-1": 10.0}
    assert days_overdue([j], as_of=dt.date(2024, 2, 11)).to_mapping() == {"F-1": 0.0}


def test_days_overdue_missing_due_date_in_a_log() -> None:
    log = EventLog.from_columns(
        case=["a", "b"],
        activity=["Invoice Generated"] * 2,
        timestamp=["2024-01-01T00:00Z"] * 2,
        case_attributes={"due_date": [dt.date(2024, 1, 10), None]},
    )
    r = days_overdue(log, as_of=dt.date(2024, 1, 20))
    assert r.to_mapping() == {"a": 10.0, "b": None}
    assert r.coverage["missing_due_date"] == 1
    assert r.summary.missing == 1


def test_days_overdue_groups(book: list[Invoice]) -> None:
    r = days_overdue(book, as_of=AS_OF, by="collector")
    assert {k: g.max for k, g in r.groups.items()} == {"ana": 136.0, "bia": 0.0, None: 1.0}  # type: ignore[union-attr]
    r = days_overdue(book, as_of=AS_OF, freq="quarter")
    assert {str(k): g.count for k, g in r.groups.items()} == {"2023-Q4": 2, "2024-Q1": 5}  # type: ignore[union-attr]


def test_days_overdue_validation(book: list[Invoice]) -> None:
    with pytest.raises(InvalidParameterError, match="grace_days"):
        days_overdue(book, as_of=AS_OF, grace_days=-1)
    with pytest.raises(InvalidParameterError, match="grace_days"):
        days_overdue(book, as_of=AS_OF, grace_days=1.5)  # type: ignore[arg-type]


# ------------------------------------------------------------------------ days late, to settle


def test_days_late_and_to_settle(book: list[Invoice]) -> None:
    late = days_late(book)
    # only F-4 is settled: 5 Mar − 29 Feb = 5 days late; settled − issued = 33 days
    assert late.to_mapping()["F-4"] == 5.0
    # not settled: F-1, F-2, F-3, F-6 (issued: no as_of), F-7, F-8
    assert late.coverage == {
        "used": 1,
        "not_settled": 6,
        "written_off": 1,
        "missing_due_date": 0,
        "issued_after_as_of": 0,
        "missing_start": 0,
    }
    settle = days_to_settle(book)
    assert settle.to_mapping()["F-4"] == 33.0
    assert settle.coverage["used"] == 1
    assert "missing_due_date" not in settle.coverage


def test_days_late_signed_and_as_of() -> None:
    early = inv(
        "E", "2024-01-01", "2024-01-31", brl(10), payments=[Payment("2024-01-21", brl(10))]
    )
    late = inv("L", "2024-01-01", "2024-01-31", brl(10), payments=[Payment("2024-02-03", brl(10))])
    assert days_late([early, late]).to_mapping() == {"E": 0.0, "L": 3.0}
    assert days_late([early, late], signed=True).to_mapping() == {"E": -10.0, "L": 3.0}
    # as of 1 Feb, L is not settled yet
    r = days_late([early, late], as_of=dt.date(2024, 2, 1))
    assert r.to_mapping() == {"E": 0.0, "L": None}
    assert r.coverage["not_settled"] == 1
    with pytest.raises(InvalidParameterError, match="signed"):
        days_late([early], signed="yes")  # type: ignore[arg-type]


def test_days_late_freq_is_the_settlement_period() -> None:
    a = inv("A", "2024-01-01", "2024-01-31", brl(10), payments=[Payment("2024-02-03", brl(10))])
    b = inv("B", "2024-01-01", "2024-01-31", brl(10), payments=[Payment("2024-03-04", brl(10))])
    c = inv("C", "2024-01-01", "2024-01-31", brl(10))
    r = days_late([a, b, c], freq="month")
    assert {str(k): g.mean for k, g in r.groups.items()} == {"2024-02": 3.0, "2024-03": 33.0}  # type: ignore[union-attr]


def test_days_to_settle_in_a_time_zone() -> None:
    from zoneinfo import ZoneInfo

    # issued 1 Jan 23:00 UTC (20:00 in São Paulo), paid 3 Jan 01:00 UTC (2 Jan 22:00 local)
    i = inv(
        "F-1",
        "2024-01-01T23:00:00Z",
        "2024-01-31",
        brl(10),
        payments=[Payment("2024-01-03T01:00:00Z", brl(10))],
    )
    assert days_to_settle([i]).to_mapping() == {"F-1": 2.0}
    assert days_to_settle([i], tz=ZoneInfo("America/Sao_Paulo")).to_mapping() == {"F-1": 1.0}


# ----------------------------------------------------------------------------- aging


def _amounts(b: object) -> dict[str, str]:
    return {k: str(v) for k, v in b.amount.items()}  # type: ignore[attr-defined]


def test_aging_default_buckets(book: list[Invoice]) -> None:
    r = aging(book, as_of=AS_OF)
    got = [(b.key, b.count, _amounts(b)) for b in r.buckets]
    # current: F-2 50 + F-7 5; 1-30: F-8 8; 31-60: F-1 70 open; 91+: F-3 20 USD
    assert got == [
        ("current", 2, {"BRL": "BRL 55.00"}),
        ("1-30", 1, {"BRL": "BRL 8.00"}),
        ("31-60", 1, {"BRL": "BRL 70.00"}),
        ("61-90", 0, {}),
        ("91+", 1, {"USD": "USD 20.00"}),
    ]
    assert r.count == 5
    assert r.amount == {"BRL": brl("133.00"), "USD": usd(20)}
    assert r.coverage == {
        "used": 5,
        "closed": 2,
        "missing_amount": 0,
        "missing_currency": 0,
        "missing_due_date": 0,
        "issued_after_as_of": 1,
        "missing_start": 0,
    }
    assert [b.label_pt for b in r.buckets] == [
        "A vencer",
        "1–30 dias",
        "31–60 dias",
        "61–90 dias",
        "Acima de 90 dias",
    ]
    assert r.buckets[0].label == "Current"
    assert [(b.lower, b.upper) for b in r.buckets] == [
        (None, 0),
        (1, 30),
        (31, 60),
        (61, 90),
        (91, None),
    ]
    assert r.bucket("31-60").count == 1
    with pytest.raises(InvalidParameterError, match="no bucket"):
        r.bucket("0-30")
    d = r.to_dict()
    assert d["buckets"][0]["amount"] == {"BRL": {"amount": 55.0, "minor": 5500, "currency": "BRL"}}


def test_aging_boundaries() -> None:
    # ages 0 (due today), 1, 30, 31, 90, 91 days past due
    ages = [0, 1, 30, 31, 90, 91]
    invs = [inv(f"A{a}", "2023-01-01", str(AS_OF - dt.timedelta(days=a)), brl(1)) for a in ages]
    r = aging(invs, as_of=AS_OF)
    assert [b.count for b in r.buckets] == [1, 2, 1, 1, 1]
    assert r.bucket("91+").count == 1  # 91 days: over 90
    # the last bucket is named for what it holds: ages from its lower bound up
    last = r.buckets[-1]
    assert (last.key, last.label, last.lower, last.upper) == ("91+", "91+", 91, None)
    with pytest.raises(InvalidParameterError, match="no bucket"):
        r.bucket("90+")


def test_aging_custom_buckets_and_invoice_anchor(book: list[Invoice]) -> None:
    r = aging(book, as_of=AS_OF, buckets=(15, 45))
    assert [(b.key, b.count) for b in r.buckets] == [
        ("current", 2),
        ("1-15", 1),
        ("16-45", 1),
        ("46+", 1),
    ]
    # invoice-date anchor (ERPNext 0-30 ...): ages F-1 74, F-2 14, F-3 166, F-7 29, F-8 30
    r = aging(book, as_of=AS_OF, anchor="invoice")
    assert [(b.key, b.count) for b in r.buckets] == [
        ("0-30", 3),
        ("31-60", 0),
        ("61-90", 1),
        ("91+", 1),
    ]
    assert r.buckets[0].label_pt == "0–30 dias"
    assert r.anchor == "invoice"


def test_aging_by_segment_and_groups_partition(book: list[Invoice]) -> None:
    custs = [Customer("C1", "Ana", segment="SMB"), Customer("C2", "Bia", segment="ENT")]
    r = aging(book, as_of=AS_OF, by="segment", customers=custs)
    assert set(r.groups) == {"SMB", "ENT"}  # type: ignore[arg-type]
    assert r.groups["ENT"].count == 1  # type: ignore[index]
    assert r.groups["ENT"].amount == {"USD": usd(20)}  # type: ignore[index]
    assert r.groups is not None
    assert sum(g.count for g in r.groups.values()) == r.count
    r = aging(book, as_of=AS_OF, by="currency")
    assert [b.count for b in r.groups["USD"].buckets] == [0, 0, 0, 0, 1]  # type: ignore[index]


def test_aging_of_a_log_with_missing_data() -> None:
    log = EventLog.from_columns(
        case=["a", "b", "c", "d"],
        activity=["Invoice Generated"] * 4,
        timestamp=["2024-01-01T00:00Z"] * 4,
        case_attributes={
            "due_date": [dt.date(2024, 1, 10), None, dt.date(2024, 1, 10), dt.date(2024, 1, 10)],
            "amount_minor": [100.0, 200.0, float("nan"), 400.0],
            "currency": ["BRL", "BRL", "BRL", None],
        },
    )
    r = aging(log, as_of=dt.date(2024, 1, 20))
    assert r.count == 1
    assert r.amount == {"BRL": Money(100, "BRL")}
    assert (
        r.coverage["missing_due_date"],
        r.coverage["missing_amount"],
        r.coverage["missing_currency"],
    ) == (1, 1, 1)
    # the invoice anchor does not need the due date
    assert aging(log, as_of=dt.date(2024, 1, 20), anchor="invoice").count == 2


@pytest.mark.parametrize(
    ("buckets", "message"),
    [
        ((), "at least one"),
        ((30, 30), "increase"),
        ((0, 30), ">= 1"),
        ("30", "sequence"),
        ((30, 60.0), ">= 1"),
    ],
)
def test_aging_bucket_validation(book: list[Invoice], buckets: object, message: str) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        aging(book, as_of=AS_OF, buckets=buckets)  # type: ignore[arg-type]


def test_aging_anchor_validation(book: list[Invoice]) -> None:
    with pytest.raises(InvalidParameterError, match="anchor"):
        aging(book, as_of=AS_OF, anchor="posting")  # type: ignore[arg-type]


def test_aging_of_nothing_open() -> None:
    r = aging([], as_of=AS_OF)
    assert r.count == 0
    assert r.amount == {}
    assert all(b.count == 0 for b in r.buckets)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    invs=invoice_lists(max_size=8),
    as_of=st.dates(dt.date(2019, 12, 1), dt.date(2027, 6, 30)),
    edges=st.lists(st.integers(1, 200), min_size=1, max_size=5, unique=True).map(sorted),
    anchor=st.sampled_from(["due", "invoice"]),
)
def test_aging_buckets_partition_the_open_invoices(
    invs: list[Invoice], as_of: dt.date, edges: list[int], anchor: str
) -> None:
    r = aging(invs, as_of=as_of, buckets=edges, anchor=anchor)  # type: ignore[arg-type]
    # buckets add up to the totals
    assert sum(b.count for b in r.buckets) == r.count
    for code, total in r.amount.items():
        assert sum(b.amount[code].minor for b in r.buckets if code in b.amount) == total.minor
    # and the totals are the model's open invoices, computed independently
    limit = as_of_ns(as_of)
    open_invs = [
        i
        for i in invs
        if to_ns(i.issued_at) < limit and i.status(as_of).value not in ("paid", "written_off")
    ]
    assert r.count == len(open_invs)
    expected: dict[str, int] = {}
    for i in open_invs:
        expected[i.amount.currency] = (
            expected.get(i.amount.currency, 0) + i.open_amount(as_of).minor
        )
    assert {k: v.minor for k, v in r.amount.items()} == expected
    # each invoice in its bucket: recompute one by one
    for i in open_invs:
        age = (
            as_of - (i.due_date if anchor == "due" else i.issued_at.astimezone(dt.UTC).date())
        ).days
        bucket = next(
            b
            for b in r.buckets
            if (b.lower is None or age >= b.lower) and (b.upper is None or age <= b.upper)
        )
        assert bucket.count >= 1


# ----------------------------------------------------------------------------- past due ratio


def test_past_due_ratio_hand_worked(book: list[Invoice]) -> None:
    r = past_due_ratio(book, as_of=AS_OF)
    # BRL open: F-1 70 + F-2 50 + F-7 5 + F-8 8 = 133; past due F-1 70 + F-8 8 = 78
    assert r.open_amount["BRL"] == brl(133)
    assert r.past_due_amount["BRL"] == brl(78)
    assert r.amount_ratio["BRL"] == pytest.approx(78 / 133)
    assert r.amount_ratio["USD"] == 1.0
    assert (r.open_count, r.past_due_count, r.count_ratio) == (5, 3, 0.6)
    # grace of 1 day: F-8 (1 day) is not past due
    g = past_due_ratio(book, as_of=AS_OF, grace_days=1)
    assert g.past_due_amount["BRL"] == brl(70)
    assert g.past_due_count == 2


def test_past_due_ratio_zero_denominators() -> None:
    r = past_due_ratio([], as_of=AS_OF)
    assert r.count_ratio is None
    assert r.amount_ratio == {}
    zero = inv("Z", "2024-01-01", "2024-01-31", brl(10), payments=[Payment("2024-01-05", brl(10))])
    r = past_due_ratio([zero], as_of=AS_OF)
    assert (r.open_count, r.count_ratio) == (0, None)
    assert r.coverage["closed"] == 1


def test_past_due_ratio_by_segment(book: list[Invoice]) -> None:
    custs = [Customer("C1", "Ana", segment="SMB"), Customer("C2", "Bia", segment="ENT")]
    r = past_due_ratio(book, as_of=AS_OF, by="segment", customers=custs)
    assert r.groups["ENT"].count_ratio == 1.0  # type: ignore[index]
    assert r.groups["SMB"].amount_ratio["BRL"] == pytest.approx(78 / 133)  # type: ignore[index]
    assert r.to_dict()["groups"]["by"] == "segment"


# ----------------------------------------------------------------------------- object == columns


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invs=invoice_lists(), as_of=st.dates(dt.date(2019, 12, 1), dt.date(2027, 6, 30)))
def test_days_overdue_object_and_columnar_paths_agree(invs: list[Invoice], as_of: dt.date) -> None:
    assume(invs)
    log = EventLog.from_columns(invoice_columns(invs), attributes="all")
    a = days_overdue(invs, as_of=as_of)
    b = days_overdue(log, as_of=as_of)
    np.testing.assert_array_equal(a.days, b.days)
    assert a.coverage == b.coverage
    assert aging(invs, as_of=as_of).to_dict() == aging(log, as_of=as_of).to_dict()
    assert days_late(invs).to_mapping() == days_late(log).to_mapping()
    # and the model's own days_late / days_to_settle
    settle = days_to_settle(invs).to_mapping()
    late = days_late(invs).to_mapping()
    for i in invs:
        assert settle[i.number] == (None if i.days_to_settle is None else float(i.days_to_settle))
        assert late[i.number] == (None if i.days_late is None else float(i.days_late))
