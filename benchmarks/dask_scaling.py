"""Scaling of kpicore.dask on a LocalCluster: time and peak memory per worker.

Each run starts a fresh ``LocalCluster`` (worker *processes*), builds the
synthetic invoices on the workers (one chunk of ``--chunk`` invoices per
partition, so no event passes through the driver; every chunk holds whole
invoices and its invoice numbers get a chunk prefix, hence
``to_eventlogs(shuffle=False)``), persists the per-partition EventLogs and
times every distributed KPI and event-log primitive. The peak resident memory
of each worker process (``getrusage`` maximum RSS) is read at the end, with
the driver's; the driver's memory grows with the per-case results
(``case_durations``, ``variants``) which hold one entry per invoice.

::

    python benchmarks/dask_scaling.py --invoices 1000000 3000000 --workers 2 --json out.json

Timings depend on the machine (and on whatever else runs on it); the script
prints them and the ratios between sizes, it asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

AS_OF = dt.date(2024, 9, 30)


def _chunk(index: int, n: int, seed: int) -> Any:
    """One partition: ``n`` synthetic invoices as a pandas frame (on a worker)."""
    import pandas as pd

    from kpicore.synth import synth_event_columns

    cols = synth_event_columns(n, seed=seed + index).to_mapping()
    frame = pd.DataFrame(cols)
    frame["case:concept:name"] = f"P{index:04d}-" + frame["case:concept:name"].astype(object)
    for name in ("time:timestamp", "case:due_date"):
        frame[name] = pd.to_datetime(frame[name]).dt.tz_localize("UTC")
    return frame


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _tasks(kd: Any, logs: list[Any]) -> dict[str, Callable[[], Any]]:
    return {
        "invoice_dso": lambda: kd.invoice_dso(logs),
        "dispute_resolution": lambda: kd.dispute_resolution(logs),
        "days_overdue": lambda: kd.days_overdue(logs, as_of=AS_OF),
        "aging": lambda: kd.aging(logs, as_of=AS_OF),
        "dunning_rate": lambda: kd.dunning_rate(logs, as_of=AS_OF),
        "dunning_effectiveness": lambda: kd.dunning_effectiveness(logs, as_of=AS_OF),
        "write_off_ratio": lambda: kd.write_off_ratio(logs, as_of=AS_OF),
        "standard_dso": lambda: kd.standard_dso(logs, as_of=AS_OF),
        "collection_effectiveness_index": lambda: kd.collection_effectiveness_index(
            logs, as_of=AS_OF
        ),
        "dso_by_dispute": lambda: kd.dso_by_dispute(logs),
        "case_durations": lambda: kd.case_durations(logs, "Invoice Generated", "Invoice Settled"),
        "variants": lambda: kd.variants(logs),
        "directly_follows": lambda: kd.directly_follows(logs),
        "quality": lambda: kd.quality(logs),
    }


def run(n: int, *, workers: int, chunk: int, seed: int, memory_limit: str) -> dict[str, Any]:
    import dask
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    from kpicore import dask as kd

    sizes = [chunk] * (n // chunk) + ([n % chunk] if n % chunk else [])
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        memory_limit=memory_limit,
        dashboard_address=":0",
    )
    report: dict[str, Any] = {"invoices": n, "partitions": len(sizes), "workers": workers}
    with Client(cluster) as client:
        driver_before = _peak_rss_mib()
        t0 = time.perf_counter()
        meta = _chunk(0, 10, seed).iloc[:0]
        parts = [dask.delayed(_chunk)(i, k, seed) for i, k in enumerate(sizes)]
        frame = dd.from_delayed(parts, meta=meta, verify_meta=False)
        logs = list(dask.persist(*kd.to_eventlogs(frame, order="lifecycle_rank", shuffle=False)))
        n_events = sum(dask.compute(*[dask.delayed(lambda g: g.n_events)(g) for g in logs]))
        report["events"] = int(n_events)
        report["build_s"] = round(time.perf_counter() - t0, 2)
        times: dict[str, float] = {}
        checks: dict[str, Any] = {}
        for name, task in _tasks(kd, logs).items():
            t = time.perf_counter()
            result = task()
            times[name] = round(time.perf_counter() - t, 2)
            if name == "invoice_dso":
                checks["dso_count"] = result.summary.count
            elif name == "variants":
                checks["variants"] = len(result)
                checks["cases"] = int(result.case_ids.shape[0])
            elif name == "directly_follows":
                checks["arcs"] = len(result)
            del result
            print(f"  {n:>10,} {name:<32} {times[name]:8.2f} s", flush=True)
        report["task_s"] = times
        report["total_task_s"] = round(sum(times.values()), 2)
        report["checks"] = checks
        peaks = client.run(_peak_rss_mib)
        report["worker_peak_rss_mib"] = sorted(round(v) for v in peaks.values())
        report["driver_peak_rss_mib"] = round(_peak_rss_mib())
        report["driver_peak_before_mib"] = round(driver_before)
    cluster.close()
    return report


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--invoices", type=int, nargs="+", default=[1_000_000, 3_000_000])
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--chunk", type=int, default=250_000, help="invoices per partition")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--memory-limit", default="8GiB", help="per worker (LocalCluster)")
    p.add_argument("--json", help="write the reports here")
    args = p.parse_args(argv)
    reports = []
    for n in args.invoices:
        print(f"{n:,} invoices on {args.workers} workers", flush=True)
        rep = run(
            n,
            workers=args.workers,
            chunk=args.chunk,
            seed=args.seed,
            memory_limit=args.memory_limit,
        )
        print(json.dumps(rep, indent=1), flush=True)
        reports.append(rep)
    if len(reports) > 1:
        base = reports[0]
        for rep in reports[1:]:
            growth = rep["invoices"] / base["invoices"]
            print(f"{base['invoices']:,} -> {rep['invoices']:,} (x{growth:g}):")
            for name, s in rep["task_s"].items():
                b = base["task_s"][name]
                print(f"  {name:<32} x{s / b if b else float('nan'):.2f}")
            print(f"  total tasks x{rep['total_task_s'] / base['total_task_s']:.2f}")
    if args.json:
        machine = {"python": sys.version.split()[0], "platform": platform.platform()}
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"machine": machine, "runs": reports}, fh, indent=1)
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
