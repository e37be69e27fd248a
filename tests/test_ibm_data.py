"""End-to-end checks on real public data: IBM's accounts-receivable sample.

The file ships with the repository in ``examples/data`` (its source and
licence note: ``examples/data/README.md``). It is required: a missing file
fails the tests (no skip). Every invoice is settled in one payment on SettledDate;
DaysToSettle == SettledDate − InvoiceDate and DaysLate == max(0, SettledDate −
DueDate) hold for every row, so kpicore must reproduce both columns exactly,
through the object path (Invoice objects) and through an event log built
with ``EventLog.from_columns`` from the CSV alone.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from kpicore.blocks import map_blocks
from kpicore.eventlog import EventLog
from kpicore.kpis._ledger import clear_cache
from kpicore.kpis.dso import (
    collection_effectiveness_index,
    countback_dso,
    invoice_dso,
    payment_timing,
    standard_dso,
)
from kpicore.kpis.overdue import aging, days_late, days_overdue, days_to_settle, past_due_ratio
from kpicore.model import Dispute, Invoice, Payment
from kpicore.money import Money

DATA = Path(__file__).parents[1] / "examples" / "data" / "ibm-accounts-receivable.csv"

Row = dict[str, str]


def _date(text: str) -> dt.date:
    month, day, year = (int(p) for p in text.split("/"))
    return dt.date(year, month, day)


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    assert DATA.is_file(), f"the IBM dataset is required at {DATA}"
    with DATA.open(newline="", encoding="utf-8") as fh:
        out = list(csv.DictReader(fh))
    assert len(out) == 2466  # as documented in the data README
    return out


@pytest.fixture(scope="module")
def invoices(rows: list[Row]) -> list[Invoice]:
    out = []
    for r in rows:
        issued, settled = _date(r["InvoiceDate"]), _date(r["SettledDate"])
        amount = Money.of(r["InvoiceAmount"], "USD")
        disputes = [Dispute(issued, resolved_at=settled)] if r["Disputed"] == "Yes" else []
        out.append(
            Invoice(
                r["invoiceNumber"],
                r["customerID"],
                issued,
                _date(r["DueDate"]),
                amount,
                payments=[Payment(settled, amount)],
                disputes=disputes,
            )
        )
    return out


@pytest.fixture(scope="module")
def log(rows: list[Row]) -> EventLog:
    """The same data as an event log built from columns (no Invoice objects involved)."""
    case: list[str] = []
    act: list[str] = []
    ts: list[str] = []
    amount: list[int | None] = []
    per_case: dict[str, list[object]] = {
        "due_date": [],
        "amount_minor": [],
        "currency": [],
        "customer_id": [],
        "country": [],
    }
    for r in rows:
        minor = int(Decimal(r["InvoiceAmount"]) * 100)
        events = [
            ("Invoice Generated", r["InvoiceDate"], None),
            ("Payment Received", r["SettledDate"], minor),
        ]
        if r["Disputed"] == "Yes":
            events += [
                ("Dispute Registered", r["InvoiceDate"], None),
                ("Dispute Resolved", r["SettledDate"], None),
            ]
        for activity, day, value in events:
            case.append(r["invoiceNumber"])
            act.append(activity)
            ts.append(_date(day).isoformat())  # date-only ISO strings: midnight UTC
            amount.append(value)
            per_case["due_date"].append(_date(r["DueDate"]))
            per_case["amount_minor"].append(minor)
            per_case["currency"].append("USD")
            per_case["customer_id"].append(r["customerID"])
            per_case["country"].append(r["countryCode"])
    return EventLog.from_columns(
        case=case,
        activity=act,
        timestamp=ts,
        attributes={"amount_minor": amount},
        case_attributes=per_case,
    )


def test_days_to_settle_and_days_late_match_the_dataset(
    rows: list[Row], invoices: list[Invoice], log: EventLog
) -> None:
    expected_settle = {r["invoiceNumber"]: float(r["DaysToSettle"]) for r in rows}
    expected_late = {r["invoiceNumber"]: float(r["DaysLate"]) for r in rows}
    for data in (invoices, log):
        settle = days_to_settle(data)
        late = days_late(data)
        assert settle.to_mapping() == expected_settle
        assert late.to_mapping() == expected_late
        assert settle.coverage["used"] == late.coverage["used"] == 2466
    # the dataset's own summary facts: 877 invoices are late
    assert sum(v > 0 for v in expected_late.values()) == 877


def test_per_invoice_dso_is_days_to_settle(rows: list[Row], log: EventLog) -> None:
    # one payment per invoice at midnight UTC: exact days = calendar days
    r = invoice_dso(log)
    expected = {r_["invoiceNumber"]: float(r_["DaysToSettle"]) for r_ in rows}
    assert r.to_mapping() == expected
    assert r.summary.mean == pytest.approx(np.mean([float(v) for v in expected.values()]))
    assert invoice_dso(log, until="settlement").to_mapping() == expected


def _aging_expected(rows: list[Row], as_of: dt.date) -> tuple[dict[str, int], dict[str, int]]:
    """Open invoices and cents per aging bucket as of D, from the CSV alone."""
    # open as of D iff InvoiceDate <= D < SettledDate (the data README); age from DueDate
    edges = (0, 30, 60, 90)
    keys = ["current", "1-30", "31-60", "61-90", "91+"]
    counts = dict.fromkeys(keys, 0)
    cents = dict.fromkeys(keys, 0)
    for r in rows:
        if not (_date(r["InvoiceDate"]) <= as_of < _date(r["SettledDate"])):
            continue
        age = (as_of - _date(r["DueDate"])).days
        k = next((i for i, e in enumerate(edges) if age <= e), len(edges))
        counts[keys[k]] += 1
        cents[keys[k]] += int(Decimal(r["InvoiceAmount"]) * 100)
    assert sum(counts.values()) > 0
    return counts, cents


@pytest.mark.parametrize(
    "as_of", [dt.date(2012, 6, 30), dt.date(2013, 3, 15), dt.date(2013, 12, 31)]
)
def test_aging_agrees_with_an_independent_computation(
    rows: list[Row], invoices: list[Invoice], log: EventLog, as_of: dt.date
) -> None:
    counts, cents = _aging_expected(rows, as_of)
    for data in (invoices, log):
        got = aging(data, as_of=as_of)
        assert {b.key: b.count for b in got.buckets} == counts
        assert {b.key: (b.amount["USD"].minor if b.amount else 0) for b in got.buckets} == cents
        assert got.amount == (
            {"USD": Money(sum(cents.values()), "USD")} if any(cents.values()) else {}
        )
    # days overdue of the open invoices as of D: D − due when past due
    overdue = days_overdue(log, as_of=as_of).to_mapping()
    for r in rows:
        issued, settled, due = (_date(r[k]) for k in ("InvoiceDate", "SettledDate", "DueDate"))
        if issued > as_of:
            assert r["invoiceNumber"] not in overdue
            continue
        want = max((as_of - due).days, 0) if as_of < settled else 0
        assert overdue[r["invoiceNumber"]] == want


def test_kpis_block_by_block_agree_with_the_csv(rows: list[Row], log: EventLog) -> None:
    # the log in blocks of at most 300 events (whole invoices), partial results merged
    as_of = dt.date(2013, 6, 30)
    clear_cache(log)
    assert len(list(log.case_blocks(300))) > 20
    ag, settle = map_blocks(
        log, lambda blk: (aging(blk, as_of=as_of), days_to_settle(blk).summary), max_events=300,
        reuse=False,
    )  # fmt: skip
    counts, cents = _aging_expected(rows, as_of)
    assert {b.key: b.count for b in ag.buckets} == counts
    assert {b.key: (b.amount["USD"].minor if b.amount else 0) for b in ag.buckets} == cents
    want = sorted(float(r["DaysToSettle"]) for r in rows)
    assert settle.count == len(want) == 2466
    assert settle.values.tolist() == want
    assert settle.mean == pytest.approx(sum(want) / len(want), abs=1e-9)


def test_past_due_ratio_and_accounting_figures_are_consistent(
    invoices: list[Invoice], log: EventLog
) -> None:
    as_of = dt.date(2013, 6, 30)
    ag = aging(log, as_of=as_of)
    pd = past_due_ratio(log, as_of=as_of)
    assert pd.open_amount == ag.amount
    current = ag.bucket("current").amount["USD"].minor
    assert pd.past_due_amount["USD"].minor == ag.amount["USD"].minor - current
    # accounting DSO: same answers from objects and from the columns
    for fn in (standard_dso, countback_dso, collection_effectiveness_index):
        a = fn(invoices, as_of=as_of)
        b = fn(log, as_of=as_of)
        assert a.to_dict() == b.to_dict()
    s = standard_dso(log, as_of=as_of).by_currency["USD"]
    assert s.receivables == ag.amount["USD"]
    assert s.dso is not None
    assert 0 < s.dso < 91


def test_payment_timing_on_the_dataset(rows: list[Row], log: EventLog) -> None:
    t = payment_timing(log).by_currency["USD"]
    late = [float(r["DaysLate"]) for r in rows]
    to_pay = [float(r["DaysToSettle"]) for r in rows]
    cents = [int(Decimal(r["InvoiceAmount"]) * 100) for r in rows]
    assert t.count == 2466
    assert t.average_days_late == pytest.approx(sum(late) / len(late))
    assert t.average_days_to_pay == pytest.approx(sum(to_pay) / len(to_pay))
    assert t.weighted_average_days_late == pytest.approx(
        sum(d * w for d, w in zip(late, cents, strict=True)) / sum(cents)
    )
    assert t.weighted_average_terms == 30.0  # DueDate is always InvoiceDate + 30
