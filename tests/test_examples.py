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
