"""Ingest benchmark: building an EventLog from the tables users hold, in every row order.

Usage::

    python benchmarks/ingest.py --invoices 100000 1000000 --json results/ingest.json
    python benchmarks/ingest.py --invoices 2000 --repeat 1          # a quick check

For each size, row order (``export``: time order as an ERP extract writes it;
``shuffled``; ``grouped``: by invoice) and input kind (Python lists, numpy object
columns, pandas with object and with pyarrow strings, polars, pyarrow Table), the
same events are handed to

* kpicore: ``EventLog.from_frame`` (build), then ``invoice_dso`` (query);
* duckdb: the object registered as a view, then one SQL query for the same DSO
  (load + query), when duckdb is installed;
* polars: ``pl.from_pandas`` / ``pl.from_arrow`` / ``pl.DataFrame`` of the object,
  then one lazy query for the same DSO, when polars is installed.

Every tool must report the same number of paid invoices and the same mean DSO
(within 1e-6 days) or the run fails. Times are wall-clock medians of ``--repeat``
runs after one warm-up, all tools in this process; each input object is built
before the clock starts. Tests never assert timings.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

_ROOT = Path(__file__).resolve().parents[1]
for _p in (_ROOT, _ROOT / "src"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from kpicore.eventlog import EventLog  # noqa: E402
from kpicore.kpis.dso import invoice_dso  # noqa: E402
from kpicore.synth import synth_event_columns  # noqa: E402

__all__ = ["ORDERS", "build_inputs", "main", "run"]

CASE, ACT, TS = "case:concept:name", "concept:name", "time:timestamp"
ORDERS = ("export", "shuffled", "grouped")
KINDS = ("lists", "numpy", "pandas", "pandas_arrow", "polars", "arrow")
_GEN, _PAY = "Invoice Generated", "Payment Received"


def _columns(n_invoices: int, order: str) -> dict[str, Any]:
    cols = synth_event_columns(n_invoices, seed=0).to_mapping()
    ts = cols[TS]
    n = ts.shape[0]
    if order == "export":
        perm = np.argsort(ts, kind="stable")
    elif order == "shuffled":
        perm = np.random.default_rng(1).permutation(n)
    else:
        perm = np.arange(n)
    return {CASE: cols[CASE][perm], ACT: cols[ACT][perm], TS: ts[perm]}


def build_inputs(cols: dict[str, Any], kind: str) -> Any:
    """The events as one kind of object users hold (timestamps tz-aware UTC)."""
    if kind == "lists":
        return {CASE: cols[CASE].tolist(), ACT: cols[ACT].tolist(), TS: cols[TS]}
    if kind == "numpy":
        return dict(cols)
    import pandas as pd

    frame = pd.DataFrame({CASE: cols[CASE].astype(object), ACT: cols[ACT].astype(object)})
    frame[TS] = pd.Series(cols[TS]).dt.tz_localize("UTC")
    if kind == "pandas":
        return frame
    if kind == "pandas_arrow":
        return frame.convert_dtypes(dtype_backend="pyarrow")
    if kind == "polars":
        import polars as pl

        return pl.from_pandas(frame)
    if kind == "arrow":
        import pyarrow as pa

        return pa.Table.from_pandas(frame, preserve_index=False)
    raise ValueError(kind)


def _kpicore(obj: Any) -> tuple[float, float, tuple[int, float]]:
    t0 = time.perf_counter()
    log = EventLog.from_frame(obj, resource=None)
    t1 = time.perf_counter()
    dso = invoice_dso(log)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, (int(dso.summary.count), float(dso.summary.mean or 0.0))


_SQL = f"""
with g as (select "{CASE}" c, min("{TS}") s from ev where "{ACT}" = '{_GEN}' group by 1),
p as (select ev."{CASE}" c, min(ev."{TS}") e from ev join g on ev."{CASE}" = g.c
      where ev."{ACT}" = '{_PAY}' and ev."{TS}" >= g.s group by 1)
select count(*), avg((epoch_ns(e) - epoch_ns(s)) / 86400e9) from g join p using (c)
"""


def _duckdb(obj: Any) -> tuple[float, float, tuple[int, float]] | None:
    try:
        import duckdb
    except ImportError:
        return None
    con = duckdb.connect()
    t0 = time.perf_counter()
    if isinstance(obj, dict):
        import pyarrow as pa

        obj = pa.table({k: pa.array(v) for k, v in obj.items()})
    con.register("src", obj)
    con.execute("create table ev as select * from src")
    t1 = time.perf_counter()
    row = con.execute(_SQL).fetchone()
    t2 = time.perf_counter()
    con.close()
    assert row is not None
    return t1 - t0, t2 - t1, (int(row[0]), float(row[1]))


def _polars(obj: Any) -> tuple[float, float, tuple[int, float]] | None:
    try:
        import polars as pl
    except ImportError:
        return None
    t0 = time.perf_counter()
    mod = type(obj).__module__.split(".")[0]
    if mod == "polars":
        df = obj
    elif mod == "pandas":
        df = pl.from_pandas(obj)
    elif mod == "pyarrow":
        df = pl.from_arrow(obj)
    else:
        df = pl.DataFrame({CASE: obj[CASE], ACT: obj[ACT], TS: obj[TS]})
    t1 = time.perf_counter()
    lf = df.lazy()
    g = lf.filter(pl.col(ACT) == _GEN).group_by(CASE).agg(pl.col(TS).min().alias("s"))
    p = (
        lf.filter(pl.col(ACT) == _PAY)
        .join(g, on=CASE)
        .filter(pl.col(TS) >= pl.col("s"))
        .group_by(CASE)
        .agg(pl.col(TS).min().alias("e"), pl.col("s").first())
    )
    days = (pl.col("e") - pl.col("s")).dt.total_nanoseconds() / 86_400e9
    out = p.select(pl.len().alias("n"), days.mean().alias("m")).collect()
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, (int(out["n"][0]), float(out["m"][0]))


def _median(f: Callable[[], Any], repeat: int) -> tuple[float, float, tuple[int, float]] | None:
    first = f()  # warm-up
    if first is None:
        return None
    runs = [f() for _ in range(repeat)]
    return (
        statistics.median(r[0] for r in runs),
        statistics.median(r[1] for r in runs),
        first[2],
    )


def run(sizes: list[int], repeat: int, kinds: tuple[str, ...] = KINDS) -> dict[str, Any]:
    """Every size x order x kind; raises when a tool's DSO differs from kpicore's."""
    rows: list[dict[str, Any]] = []
    for n in sizes:
        for order in ORDERS:
            cols = _columns(n, order)
            for kind in kinds:
                try:
                    obj = build_inputs(cols, kind)
                except ImportError:
                    continue
                k = _median(lambda obj=obj: _kpicore(obj), repeat)
                assert k is not None
                row: dict[str, Any] = {
                    "invoices": n, "events": int(cols[TS].shape[0]), "order": order,
                    "kind": kind, "kpicore_build": k[0], "kpicore_dso": k[1],
                }  # fmt: skip
                for name, peer in (("duckdb", _duckdb), ("polars", _polars)):
                    got = _median(lambda obj=obj, peer=peer: peer(obj), repeat)
                    if got is None:
                        continue
                    if got[2][0] != k[2][0] or abs(got[2][1] - k[2][1]) > 1e-6:
                        raise AssertionError(f"{name} DSO {got[2]} != kpicore {k[2]} ({kind})")
                    row[f"{name}_load"], row[f"{name}_query"] = got[0], got[1]
                peers = [row[f"{p}_load"] + row[f"{p}_query"] for p in ("duckdb", "polars")
                         if f"{p}_load" in row]  # fmt: skip
                total = row["kpicore_build"] + row["kpicore_dso"]
                row["ratio_end_to_end"] = min(peers) / total if peers else None
                row["dso_invoices"], row["dso_mean_days"] = k[2]
                rows.append(row)
                print(_line(row), file=sys.stderr, flush=True)
    return {"machine": {"python": platform.python_version(), "cpus": _cpus()}, "rows": rows}


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


def _line(r: dict[str, Any]) -> str:
    peers = " ".join(
        f"{p} {r[f'{p}_load']:.3f}+{r[f'{p}_query']:.3f}" for p in ("duckdb", "polars")
        if f"{p}_load" in r
    )  # fmt: skip
    ratio = r["ratio_end_to_end"]
    return (
        f"{r['invoices']:>9,} {r['order']:<8} {r['kind']:<12} build {r['kpicore_build']:.3f} "
        f"dso {r['kpicore_dso']:.3f} | {peers} | {'' if ratio is None else f'{ratio:.2f}x'}"
    )


def format_table(report: dict[str, Any]) -> str:
    """A Markdown table of a report's rows."""
    out = [
        "| invoices | order | input | kpicore build | kpicore DSO | duckdb load + query "
        "| polars load + query | fastest peer / kpicore |",
        "|---:|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in report["rows"]:

        def pair(p: str, r: dict[str, Any] = r) -> str:
            return f"{r[p + '_load']:.3f} + {r[p + '_query']:.3f}" if p + "_load" in r else "-"

        ratio = "-" if r["ratio_end_to_end"] is None else f"{r['ratio_end_to_end']:.2f}x"
        out.append(
            f"| {r['invoices']:,} | {r['order']} | {r['kind']} | {r['kpicore_build']:.3f} s "
            f"| {r['kpicore_dso']:.3f} s | {pair('duckdb')} | {pair('polars')} | {ratio} |"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--invoices", type=int, nargs="+", default=[100_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    report = run(args.invoices, args.repeat, tuple(args.kinds.split(",")))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(format_table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
