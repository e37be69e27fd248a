"""The ingest benchmark at a tiny size, so that it never rots (no timing is asserted).

Every input kind and row order must give kpicore the same DSO, and duckdb and
polars (when importable) the same as kpicore: ``run`` raises otherwise.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))
ingest = importlib.import_module("benchmarks.ingest")


def test_every_kind_and_order_gives_the_same_dso() -> None:
    report = ingest.run([400], repeat=1)
    rows = report["rows"]
    assert {(r["order"], r["kind"]) for r in rows} == {
        (o, k) for o in ingest.ORDERS for k in ingest.KINDS
    }
    answers = {(r["dso_invoices"], round(r["dso_mean_days"], 9)) for r in rows}
    assert len(answers) == 1
    ((paid, mean),) = answers
    assert 0 < paid <= 400
    assert 0 < mean < 120
    assert all("duckdb_load" in r and "polars_load" in r for r in rows)
    assert ingest.format_table(report).count("\n") == len(rows) + 1
