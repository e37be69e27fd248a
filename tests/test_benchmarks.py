"""The benchmark harness at a tiny size, so that it never rots.

Runs ``benchmarks/run.py`` in-process on 2000 invoices: kpicore and pandas always
(pandas is a test dependency), polars and duckdb when importable. Every peer's
numbers must equal kpicore's. Nothing here asserts a timing (DESIGN.md).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

_ROOT = Path(__file__).resolve().parents[1]


def _harness(name: str) -> ModuleType:
    """Import ``benchmarks.<name>`` from the repository (not an installed package)."""
    if str(_ROOT) not in sys.path:
        sys.path.insert(0, str(_ROOT))
    return importlib.import_module(f"benchmarks.{name}")


run = _harness("run")
common = _harness("common")

_OPTIONAL = [t for t in ("polars", "duckdb") if importlib.util.find_spec(t) is not None]
_TOOLS = ["kpicore", "pandas", *_OPTIONAL]


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    result: dict[str, Any] = run.run_benchmark(
        invoices=2000, repeat=1, tools=_TOOLS, in_process=True, invoice_objects=300
    )
    return result


def test_every_peer_equals_kpicore(report: dict[str, Any]) -> None:
    assert report["problems"] == []
    assert list(report["tools"]) == _TOOLS
    for tool in _TOOLS:
        assert set(report["tools"][tool]["results"]) == set(common.TASKS)


def test_kpicore_answers_are_plausible(report: dict[str, Any]) -> None:
    res = report["tools"]["kpicore"]["results"]
    dso = res["dso"]
    # every invoice is issued; paid + unpaid + paid-before-issue covers them all
    assert dso["invoices"] == 2000
    assert dso["paid"] + dso["missing_payment"] + dso["payment_before_issue"] == 2000
    assert 0 < dso["median_days"] < 120
    aging = res["aging"]
    buckets = [f"{name}_count" for name, _, _ in common.AGING_BUCKETS]
    assert sum(aging[b] for b in buckets) == aging["open_invoices"] > 0
    dunning = res["dunning"]
    levels = sum(dunning[f"level{k}_invoices"] for k in common.DUNNING_LEVELS)
    assert levels == dunning["invoices"]
    assert 0 < dunning["dunned"] <= dunning["overdue"]
    assert res["disputes"]["resolved"] > 0


def test_construction_variants_and_object_api_ran(report: dict[str, Any]) -> None:
    extras = report["tools"]["kpicore"]["extras"]
    assert extras["problems"] == []
    assert extras["from_invoices_n"] == 300
    assert extras["from_invoices_events"] > 300
    assert 14.0 <= extras["core_bytes_per_event"] <= 16.0


def test_compare_catches_differences() -> None:
    ref = {"dso": {"paid": 10, "mean_days": 1.0, "median_days": None}}
    assert common.compare(ref, ref) == []
    within = {"dso": {"paid": 10, "mean_days": 1.0 + 5e-7, "median_days": None}}
    assert common.compare(ref, within) == []
    off_by_one = {"dso": {"paid": 11, "mean_days": 1.0, "median_days": None}}
    assert common.compare(ref, off_by_one) == ["dso.paid: kpicore 10 != 11"]
    drift = {"dso": {"paid": 10, "mean_days": 1.00001, "median_days": None}}
    assert len(common.compare(ref, drift)) == 1
    none_vs_value = {"dso": {"paid": 10, "mean_days": 1.0, "median_days": 2.0}}
    assert len(common.compare(ref, none_vs_value)) == 1
    assert common.compare(ref, {}) == ["dso: missing"]


def test_table_and_targets_render(report: dict[str, Any]) -> None:
    text = run.format_table(report)
    assert "end to end" in text
    assert "every peer's numbers equal kpicore's" in text
    names = [t["target"] for t in report["targets"]]
    assert any("16 bytes" in n for n in names)


def test_cli_check_only(capsys: pytest.CaptureFixture[str]) -> None:
    status = run.main(["--invoices", "300", "--check-only", "--in-process", "--tools", "pandas"])
    assert status == 0
    assert "all tools agree with kpicore" in capsys.readouterr().out
