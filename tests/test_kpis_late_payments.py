"""Tests of kpicore.kpis.overdue.late_payments: the share paid late, days late, days to settle.

Expected values are worked by hand, by a definition loop over the Invoice
model's own ``days_late`` / ``days_to_settle``, and from the IBM
accounts-receivable sample read with the csv module and Decimal.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from strategies import invoice_columns, invoice_lists

from kpicore.errors import InvalidParameterError
from kpicore.eventlog import EventLog
from kpicore.kpis.overdue import LatePaymentGroup, late_payments
from kpicore.model import Invoice, Payment
from kpicore.money import Money

DATA = Path(__file__).parents[1] / "examples" / "data" / "ibm-accounts-receivable.csv"


def brl(x: int | str) -> Money:
    return Money.of(x, "BRL")


def usd(x: int | str) -> Money:
    return Money.of(x, "USD")


def paid(
    number: str, issued: str, due: str, amount: Money, on: str, customer_id: str = "C1"
) -> Invoice:
    return Invoice(number, customer_id, issued, due, amount, payments=[Payment(on, amount)])


@pytest.fixture
def book() -> list[Invoice]:
    return [
        # due 31 Jan; settled 10 Feb: 10 days late, 40 days to settle
        paid("A", "2024-01-01", "2024-01-31", brl(100), "2024-02-10"),
        # settled on the due date: on time, 30 days to settle
        paid("B", "2024-01-01", "2024-01-31", brl(300), "2024-01-31"),
        # 1 day late (1 Mar, due 29 Feb); 60 days to settle
        paid("C", "2024-01-01", "2024-02-29", brl(50), "2024-03-01", customer_id="C2"),
        # USD: 95 days late (due 1 Jan, settled 5 Apr), 125 days to settle
        paid("D", "2023-12-02", "2024-01-01", usd(40), "2024-04-05", customer_id="C2"),
        # USD, prepaid before the issue: on time, -3 days to settle
        paid("E", "2024-02-10", "2024-03-10", usd(60), "2024-02-07", customer_id="C2"),
        # open (partly paid): not settled
        Invoice("F", "C1", "2024-03-01", "2024-03-31", brl(80),
                payments=[Payment("2024-03-05", brl(10))]),
        # written off unpaid
        Invoice("G", "C1", "2024-01-01", "2024-01-31", brl(70), written_off_at="2024-03-30"),
    ]  # fmt: skip


def test_hand_worked_figures(book: list[Invoice]) -> None:
    r = late_payments(book)
    f = r.figures
    # settled: A, B, C, D, E; late: A (10), C (1), D (95)
    assert (f.settled_count, f.late_count) == (5, 3)
    assert f.count_share == 3 / 5
    assert f.settled_amount == {"BRL": brl(450), "USD": usd(100)}
    assert f.late_amount == {"BRL": brl(150), "USD": usd(40)}
    assert f.amount_share == {"BRL": 150 / 450, "USD": 40 / 100}
    assert f.total_days_late == 10 + 0 + 1 + 95 + 0
    assert f.average_days_late == (10 + 1 + 95) / 3
    assert (f.days_late.count, f.days_late.min, f.days_late.median, f.days_late.max) == (
        3, 1.0, 10.0, 95.0,
    )  # fmt: skip
    # days to settle: 40, 30, 60, 125, -3
    s = f.days_to_settle
    assert (s.count, s.min, s.max, s.median) == (5, -3.0, 125.0, 40.0)
    assert s.mean == (40 + 30 + 60 + 125 - 3) / 5
    assert dict(f.days_to_settle_bins) == {
        "before_issue": 1, "0-30": 1, "31-60": 2, "61-90": 0, "91+": 1,
    }  # fmt: skip
    assert r.coverage == {
        "used": 5,
        "not_settled": 1,
        "written_off": 1,
        "missing_due_date": 0,
        "missing_amount": 0,
        "missing_currency": 0,
        "issued_after_as_of": 0,
        "missing_start": 0,
    }
    assert r.grace_days == 0
    json.dumps(r.to_dict())
    assert r.to_dict()["figures"]["late_count"] == 3


def test_grace_days_and_as_of(book: list[Invoice]) -> None:
    # 5 days of grace: C (1 day) is no longer late; days late themselves are unchanged
    f = late_payments(book, grace_days=5).figures
    assert (f.late_count, f.late_amount) == (2, {"BRL": brl(100), "USD": usd(40)})
    assert f.average_days_late == (10 + 95) / 2
    assert f.total_days_late == 106
    # as of 29 Feb: A, B and E are settled; C, D and G (not yet written off) are not;
    # F is issued on 1 March
    r = late_payments(book, as_of=dt.date(2024, 2, 29))
    assert (r.figures.settled_count, r.figures.late_count) == (3, 1)
    assert (r.coverage["not_settled"], r.coverage["written_off"]) == (3, 0)
    assert r.coverage["issued_after_as_of"] == 1


def test_nothing_late_or_settled_gives_none_not_zero() -> None:
    on_time = [paid("A", "2024-01-01", "2024-01-31", brl(10), "2024-01-15")]
    f = late_payments(on_time).figures
    assert (f.late_count, f.count_share, f.average_days_late, f.total_days_late) == (
        0,
        0.0,
        None,
        0,
    )
    assert f.amount_share == {"BRL": 0.0}
    assert f.days_late.count == 0
    f = late_payments([]).figures
    assert (f.settled_count, f.count_share, f.settled_amount, f.amount_share) == (0, None, {}, {})
    # a zero-amount invoice (settled at issue): its currency's amount share is undefined
    zero = [Invoice("Z", "C1", "2024-01-01", "2024-01-31", brl(0))]
    assert late_payments(zero).figures.amount_share == {"BRL": None}


def test_groups_partition_the_whole(book: list[Invoice]) -> None:
    r = late_payments(book, by="customer_id")
    assert r.groups is not None
    c1, c2 = r.groups["C1"], r.groups["C2"]
    assert (c1.settled_count, c1.late_count, c2.settled_count, c2.late_count) == (2, 1, 3, 2)
    assert c1.total_days_late + c2.total_days_late == r.figures.total_days_late
    assert c2.average_days_late == (1 + 95) / 2
    # by settlement month
    m = late_payments(book, freq="month")
    assert m.groups is not None
    assert {str(k): g.late_count for k, g in m.groups.items()} == {
        "2024-01": 0, "2024-02": 1, "2024-03": 1, "2024-04": 1,
    }  # fmt: skip


def test_custom_settle_bins(book: list[Invoice]) -> None:
    f = late_payments(book, settle_bins=(45, 120)).figures
    # 40, 30, 60, 125, -3
    assert dict(f.days_to_settle_bins) == {"before_issue": 1, "0-45": 2, "46-120": 1, "121+": 1}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"grace_days": -1}, "grace_days"),
        ({"grace_days": 1.5}, "grace_days"),
        ({"settle_bins": (30, 30)}, "increase"),
        ({"settle_bins": ()}, "at least one edge"),
        ({"freq": "fortnight"}, "freq"),
    ],
)
def test_validation(book: list[Invoice], kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        late_payments(book, **kwargs)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invoice_lists(max_size=8))
def test_matches_a_definition_loop_on_both_paths(invoices: list[Invoice]) -> None:
    settled = [i for i in invoices if i.days_late is not None]
    late = [i for i in settled if i.days_late]
    amounts: dict[str, int] = {}
    late_amounts: dict[str, int] = {}
    for i in settled:
        amounts[i.amount.currency] = amounts.get(i.amount.currency, 0) + i.amount.minor
        if i.days_late:
            late_amounts[i.amount.currency] = (
                late_amounts.get(i.amount.currency, 0) + i.amount.minor
            )
    log = EventLog.from_columns(invoice_columns(invoices), attributes="all")
    for data in (invoices, log):
        f = late_payments(data).figures
        assert f.settled_count == len(settled)
        assert f.late_count == len(late)
        assert f.total_days_late == sum(i.days_late or 0 for i in settled)
        if late:
            assert f.average_days_late == pytest.approx(
                sum(i.days_late or 0 for i in late) / len(late)
            )
        else:
            assert f.average_days_late is None
        assert {k: v.minor for k, v in f.settled_amount.items()} == amounts
        assert {k: v.minor for k, v in f.late_amount.items()} == late_amounts
        assert sorted(f.days_to_settle.data.tolist()) == sorted(
            float(i.days_to_settle) for i in settled if i.days_to_settle is not None
        )
        assert sum(f.days_to_settle_bins.values()) == len(settled)


# ------------------------------------------------------------------------------ IBM sample


def _date(text: str) -> dt.date:
    month, day, year = (int(p) for p in text.split("/"))
    return dt.date(year, month, day)


@pytest.fixture(scope="module")
def ibm() -> tuple[list[dict[str, str]], list[Invoice]]:
    assert DATA.is_file(), f"the IBM dataset is required at {DATA}"
    with DATA.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    invoices = [
        paid(r["invoiceNumber"], _date(r["InvoiceDate"]).isoformat(),
             _date(r["DueDate"]).isoformat(), Money.of(r["InvoiceAmount"], "USD"),
             _date(r["SettledDate"]).isoformat(), customer_id=r["customerID"])
        for r in rows
    ]  # fmt: skip
    return rows, invoices


def test_ibm_sample_late_payment_figures(ibm: tuple[list[dict[str, str]], list[Invoice]]) -> None:
    rows, invoices = ibm
    # the expected figures straight from the CSV columns (DaysLate, DaysToSettle, amounts)
    late_rows = [r for r in rows if int(r["DaysLate"]) > 0]
    total = sum(Decimal(r["InvoiceAmount"]) for r in rows)
    late_total = sum(Decimal(r["InvoiceAmount"]) for r in late_rows)
    days_late_sum = sum(int(r["DaysLate"]) for r in rows)
    settle = sorted(int(r["DaysToSettle"]) for r in rows)
    assert (len(rows), len(late_rows)) == (2466, 877)

    r = late_payments(invoices)
    f = r.figures
    assert (f.settled_count, f.late_count) == (2466, 877)
    assert f.count_share == 877 / 2466
    assert f.settled_amount == {"USD": Money.of(total, "USD")}
    assert f.late_amount == {"USD": Money.of(late_total, "USD")}
    assert f.amount_share["USD"] == pytest.approx(float(late_total / total), rel=1e-15)
    assert f.total_days_late == days_late_sum
    assert f.average_days_late == pytest.approx(days_late_sum / 877, rel=1e-15)
    assert f.days_to_settle.count == 2466
    assert f.days_to_settle.min == settle[0]
    assert f.days_to_settle.max == settle[-1]
    assert f.days_to_settle.median == float(np.median(settle))
    assert f.days_to_settle.mean == pytest.approx(sum(settle) / 2466, rel=1e-15)
    counts = Counter(
        "before_issue" if d < 0 else "0-30" if d <= 30 else "31-60" if d <= 60
        else "61-90" if d <= 90 else "91+"
        for d in settle
    )  # fmt: skip
    assert dict(f.days_to_settle_bins) == {
        k: counts.get(k, 0) for k in ("before_issue", "0-30", "31-60", "61-90", "91+")
    }
    assert r.coverage["used"] == 2466
    assert isinstance(f, LatePaymentGroup)
