"""The scripts in examples/ run and print numbers that agree with the data."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).parents[1]


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ibm_example_matches_the_dataset(capsys: pytest.CaptureFixture[str]) -> None:
    example = _load("ibm_accounts_receivable")
    path: Path = example.DEFAULT
    assert path.is_file(), f"the IBM dataset is required at {path}"
    invoices, expected = example.load(path)
    result = example.report(invoices, expected)
    assert "Aging as of 2013-06-30" in capsys.readouterr().out
    # independent: open as of D iff InvoiceDate <= D < SettledDate (data README), late iff
    # DaysLate > 0
    as_of = dt.date(2013, 6, 30)

    def day(text: str) -> dt.date:
        m, d, y = (int(p) for p in text.split("/"))
        return dt.date(y, m, d)

    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    open_rows = sum(day(r["InvoiceDate"]) <= as_of < day(r["SettledDate"]) for r in rows)
    late_rows = sum(int(r["DaysLate"]) > 0 for r in rows)
    assert result == {"mismatches": 0, "late": late_rows, "aging_count": open_rows}
    assert late_rows == 877  # as documented in the data README
    assert example.main(["x", str(path)]) == 0


def test_ibm_dashboard_draws_the_numbers_of_the_csv(tmp_path: Path) -> None:
    example = _load("ibm_ar_dashboard")
    numbers = example.dashboard(example.load(example.DEFAULT), tmp_path, "pt-BR")
    names = sorted(p.name for p in numbers["files"])
    assert names == [
        "aging.png",
        "ar_dashboard.png",
        "days_to_settle.png",
        "days_to_settle_by_month.png",
        "dispute_resolution.png",
    ]
    for p in numbers["files"]:
        assert p.read_bytes()[:4] == b"\x89PNG"
    # independent, from the CSV with the csv module: invoices open on 2013-06-30 by days
    # past due (DueDate = InvoiceDate + 30), and the mean DaysToSettle per invoice month
    as_of = dt.date(2013, 6, 30)

    def day(text: str) -> dt.date:
        m, d, y = (int(p) for p in text.split("/"))
        return dt.date(y, m, d)

    with example.DEFAULT.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    counts = [0] * 5
    cents = [0] * 5
    per_month: dict[str, list[int]] = {}
    for r in rows:
        issued, settled = day(r["InvoiceDate"]), day(r["SettledDate"])
        per_month.setdefault(f"{issued.year}-{issued.month:02d}", []).append(
            int(r["DaysToSettle"])
        )
        if not issued <= as_of < settled:
            continue
        late = (as_of - day(r["DueDate"])).days
        k = 0 if late <= 0 else 1 if late <= 30 else 2 if late <= 60 else 3 if late <= 90 else 4
        counts[k] += 1
        cents[k] += round(float(r["InvoiceAmount"]) * 100)
    assert numbers["aging_counts"] == counts
    assert numbers["aging_minor"] == cents
    assert numbers["monthly_mean"].keys() == per_month.keys()
    for month, values in per_month.items():
        assert numbers["monthly_mean"][month] == pytest.approx(sum(values) / len(values))


def test_paid_until_dashboard_counts_every_active_contract(tmp_path: Path) -> None:
    example = _load("paid_until_dashboard")
    items = example.contracts(300, seed=5)
    numbers = example.dashboard(items, tmp_path, "en")
    assert numbers["file"].read_bytes()[:4] == b"\x89PNG"
    # independent: the active, billed (not exempt) contracts activated by the report
    # date, and their paid-until month offsets from December 2024
    active = [
        c
        for c in items
        if c.status.value == "active"
        and not c.exempt
        and (c.activation_date is None or c.activation_date <= example.AS_OF)
    ]
    assert sum(numbers["counts"].values()) == len(active)
    never = [c for c in active if c.paid_until is None]
    assert numbers["never_paid"] == len(never)
    offsets: dict[int, int] = {}
    for c in active:
        if c.paid_until is not None:
            k = (c.paid_until.year - 2024) * 12 + c.paid_until.month - 12
            offsets[k] = offsets.get(k, 0) + 1
    assert {k: v for k, v in numbers["bins"].items() if v} == offsets
