"""Benchmark harness: kpicore against pandas, polars, duckdb and pm4py on one dataset.

Usage::

    python benchmarks/run.py --invoices 1000000 --repeat 5 --json out.json
    python benchmarks/run.py --invoices 2000 --check-only
    python benchmarks/run.py --growth out_1m.json out_3m.json

Every tool runs the same four tasks (``benchmarks/README.md`` defines them exactly)
on the same deterministic data (:func:`benchmarks.common.make_dataset`); every
peer's numbers must equal kpicore's (counts exactly, days within 1e-6) or the run
fails. By default each tool runs in a fresh subprocess that rebuilds the dataset
(its fingerprint is checked), so that peak memory is measured per tool; pm4py
(AGPL, never a kpicore dependency) runs under its own interpreter when the
current one lacks it. ``--in-process`` runs everything in this process (used by
the test suite; no memory figures).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

_ROOT = Path(__file__).resolve().parents[1]
for _p in (_ROOT, _ROOT / "src"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from benchmarks.common import (  # noqa: E402
    TASKS,
    Dataset,
    Params,
    Peer,
    TaskResult,
    compare,
    make_dataset,
)

__all__ = ["ALL_TOOLS", "format_table", "main", "run_benchmark", "targets"]

ALL_TOOLS: tuple[str, ...] = ("kpicore", "pandas", "polars", "duckdb", "pm4py")
DEFAULT_AS_OF = dt.date(2024, 9, 30)
_MODULES = {
    "kpicore": "benchmarks.kpicore_tool",
    "pandas": "benchmarks.peers.pandas_peer",
    "polars": "benchmarks.peers.polars_peer",
    "duckdb": "benchmarks.peers.duckdb_peer",
    "pm4py": "benchmarks.peers.pm4py_peer",
}
_IMPORT_NAMES = {"pandas": "pandas", "polars": "polars", "duckdb": "duckdb", "pm4py": "pm4py"}
_MIB = 1024 * 1024

T = TypeVar("T")

Report = dict[str, Any]


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- memory


def _status_kib(field: str) -> int | None:
    """A ``/proc/self/status`` field (VmRSS, VmHWM) in KiB; None off Linux."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _trim_heap() -> None:
    """Return freed heap memory to the OS (glibc ``malloc_trim``), so that the baseline
    RSS counts live data only and later allocations cannot hide in pages the dataset
    generator freed but the allocator kept."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _reset_peak() -> bool:
    """Reset the process's peak RSS (``VmHWM``) to its current RSS (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


# ----------------------------------------------------------------------------- timing


def _timed(
    fn: Callable[[], T],
    repeat: int,
    before: Callable[[], None] | None = None,
    warmup: int = 0,
) -> tuple[float, list[float], list[float], T]:
    """Median wall time of ``repeat`` calls, the wall and CPU times of every call (CPU =
    ``time.process_time``, all threads of the process), and the last result. ``before``
    runs (untimed) before each call; ``warmup`` untimed calls (each after ``before``) come
    first."""
    runs: list[float] = []
    cpu: list[float] = []
    result: T | None = None
    for _ in range(max(warmup, 0)):
        if before is not None:
            before()
        gc.collect()
        fn()
    for _ in range(max(repeat, 1)):
        result = None
        if before is not None:
            before()
        gc.collect()
        c0 = time.process_time()
        t0 = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    assert result is not None
    return statistics.median(runs), runs, cpu, result


def _peer(tool: str) -> Peer[Any]:
    module = importlib.import_module(_MODULES[tool])
    peer: Peer[Any] = module.PEER
    return peer


def tool_available(tool: str) -> bool:
    """Whether the tool's package can be imported by this interpreter."""
    name = _IMPORT_NAMES.get(tool)
    return name is None or importlib.util.find_spec(name) is not None


# ----------------------------------------------------------------------------- one tool


def _kpicore_extras(data: Dataset, params: Params, repeat: int, invoice_objects: int) -> Report:
    """Construction from coded inputs, bytes per event, the object API."""
    from benchmarks import kpicore_tool
    from kpicore.eventlog import EventLog
    from kpicore.synth import synth_invoices

    extras: Report = {}
    log = kpicore_tool.load_strings(data)
    core = log.nbytes
    attrs_bytes = log.attributes_nbytes  # as stored (narrow integers)
    extras["core_bytes_per_event"] = core / max(data.n_events, 1)
    extras["all_columns_bytes_per_event"] = (core + attrs_bytes) / max(data.n_events, 1)
    reference = {t: fn(log, params) for t, fn in kpicore_tool.PEER.tasks.items()}
    del log
    problems: list[str] = []
    if tool_available("pandas"):
        for name, make in (
            ("coded", kpicore_tool.coded_inputs),
            ("categorical", kpicore_tool.categorical_inputs),
        ):
            inputs = make(data)
            secs, runs, _, built = _timed(partial(kpicore_tool.load_coded, data, inputs), repeat)
            extras[f"construct_{name}_s"] = secs
            extras[f"construct_{name}_runs"] = runs
            got = {t: fn(built, params) for t, fn in kpicore_tool.PEER.tasks.items()}
            problems += [f"kpicore[{name} input] {p}" for p in compare(reference, got)]
            del built, inputs
    if invoice_objects > 0:
        _log(f"  kpicore: drawing {invoice_objects} Invoice objects")
        invoices = synth_invoices(invoice_objects, seed=data.seed)
        secs, runs, _, obj_log = _timed(lambda: EventLog.from_invoices(invoices), min(repeat, 3))
        extras["from_invoices_n"] = invoice_objects
        extras["from_invoices_s"] = secs
        extras["from_invoices_runs"] = runs
        extras["from_invoices_events"] = obj_log.n_events
        del invoices, obj_log
    extras["problems"] = problems
    return extras


def measure_tool(
    tool: str,
    data: Dataset,
    params: Params,
    *,
    repeat: int,
    isolated: bool,
    check_only: bool = False,
    invoice_objects: int = 0,
    warmup: int = 0,
) -> Report:
    """Load the tool's frame and run the four tasks; times, results, memory.

    ``warmup`` untimed runs of each task (and of the sequence) precede its timed
    ones, for every tool alike: the first calls in a fresh process pay one-time costs
    (the allocator's heap and pages, thread pools, lazily loaded code).

    With ``isolated`` (a fresh process holding nothing but the dataset and the
    tool's modules) the peak RSS above the baseline is measured: the baseline is
    the RSS once the data are built and the modules imported, and the peak
    (``VmHWM``, reset at the baseline) covers every load and task repetition.
    """
    peer = _peer(tool)
    reps = 1 if check_only else repeat
    warm = 0 if check_only else warmup
    gc.collect()
    if isolated:
        _trim_heap()
    baseline = _status_kib("VmRSS") if isolated else None
    can_reset = isolated and _reset_peak()
    frame: Any = None

    def load() -> tuple[float, float]:
        nonlocal frame
        frame = None  # free the previous repetition's frame before building the next
        gc.collect()
        c0 = time.process_time()
        t0 = time.perf_counter()
        frame = peer.load(data)
        return time.perf_counter() - t0, time.process_time() - c0

    load_both = [load() for _ in range(max(reps, 1))]
    load_runs = [w for w, _ in load_both]
    after_load = _status_kib("VmRSS") if isolated else None
    report: Report = {
        "tool": tool,
        "version": peer.version(),
        "fingerprint": data.fingerprint,
        "n_events": data.n_events,
        "n_invoices": data.n_invoices,
        "load_s": statistics.median(load_runs),
        "load_runs": load_runs,
        "load_cpu_runs": [c for _, c in load_both],
        "tasks_s": {},
        "task_runs": {},
        "task_cpu_runs": {},
        "results": {},
    }
    for task in TASKS:
        fn = peer.tasks[task]
        secs, runs, cpu, result = _timed(
            partial(fn, frame, params), reps, partial(peer.before_each, frame), warm
        )
        report["tasks_s"][task] = secs
        report["task_runs"][task] = runs
        report["task_cpu_runs"][task] = cpu
        report["results"][task] = result
        _log(f"  {tool}: {task} {secs:.4f} s")
    tasks = [peer.tasks[t] for t in TASKS]

    def sequence() -> list[TaskResult]:
        return [fn(frame, params) for fn in tasks]

    # the four tasks one after the other on one frame, any memo cleared once before (a):
    # what a user computing the four KPIs in a row gets (kpicore shares per-log work)
    seq_reps = reps if sum(report["tasks_s"].values()) < 10.0 else 1
    seq_s, seq_runs, seq_cpu, _ = _timed(
        sequence, seq_reps, partial(peer.before_each, frame), warm if seq_reps > 1 else 0
    )
    report["sequence_s"] = seq_s
    report["sequence_runs"] = seq_runs
    report["sequence_cpu_runs"] = seq_cpu
    report["four_tasks_s"] = sum(report["tasks_s"].values())
    report["four_tasks_best_s"] = sum(min(r) for r in report["task_runs"].values())
    report["four_tasks_cpu_s"] = sum(
        statistics.median(r) for r in report["task_cpu_runs"].values()
    )
    report["end_to_end_s"] = report["load_s"] + report["four_tasks_s"]
    report["frame_bytes"] = peer.frame_bytes(frame)
    memory: Report | None = None
    if isolated and baseline is not None:
        peak = _status_kib("VmHWM")
        memory = {
            "method": "VmHWM reset at baseline" if can_reset else "ru_maxrss (not reset)",
            "baseline_mib": baseline / 1024,
            "peak_mib": (peak or 0) / 1024,
            "peak_above_baseline_mib": ((peak or 0) - baseline) / 1024 if can_reset else None,
            "after_load_above_baseline_mib": ((after_load or 0) - baseline) / 1024,
        }
    report["memory"] = memory
    frame = None
    gc.collect()
    if tool == "kpicore" and not check_only:
        report["extras"] = _kpicore_extras(data, params, repeat, invoice_objects)
    return report


# ----------------------------------------------------------------------------- orchestration


def _pm4py_python(explicit: str | None) -> str | None:
    """The interpreter to run pm4py with (it is never installed next to kpicore)."""
    if explicit:
        return explicit
    env = os.environ.get("PM4PY_PYTHON")
    if env:
        return env
    if tool_available("pm4py"):
        return sys.executable
    sibling = _ROOT.parent / "venv-pm4py" / "bin" / "python"
    return str(sibling) if sibling.exists() else None


def _interpreter_has(python: str, module: str) -> bool:
    probe = subprocess.run(
        [python, "-c", f"import {module}"], capture_output=True, timeout=300, check=False
    )
    return probe.returncode == 0


def _run_worker(tool: str, python: str, args: argparse.Namespace, invoice_objects: int) -> Report:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        cmd = [
            python, str(Path(__file__).resolve()), "--worker", tool,
            "--invoices", str(args.invoices), "--repeat", str(args.repeat),
            "--warmup", str(args.warmup),
            "--as-of", args.as_of.isoformat(), "--seed", str(args.seed),
            "--invoice-objects", str(invoice_objects), "--worker-out", str(out),
        ]  # fmt: skip
        if args.check_only:
            cmd.append("--check-only")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(_ROOT), str(_ROOT / "src"), *filter(None, [env.get("PYTHONPATH")])]
        )
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, env=env, timeout=args.timeout, check=False)
        if proc.returncode != 0 or not out.exists():
            raise RuntimeError(f"{tool} worker failed with exit code {proc.returncode}")
        report: Report = json.loads(out.read_text())
        report["worker_wall_s"] = time.perf_counter() - t0
        report["python"] = python
        return report


def _kpicore_threads() -> int | None:
    try:
        from kpicore.threads import get_threads
    except ImportError:  # pragma: no cover - an older kpicore
        return None
    return get_threads()


def _machine() -> Report:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gib = None
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            mem_gib = int(fh.readline().split()[1]) / 1024 / 1024
    except OSError:
        pass
    import numpy as np

    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "kpicore_threads": _kpicore_threads(),
        "memory_gib": mem_gib,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "loadavg_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "date": dt.date.today().isoformat(),  # the harness may read the clock; src never does
    }


def run_benchmark(
    *,
    invoices: int,
    repeat: int = 5,
    warmup: int = 1,
    tools: Sequence[str] = ALL_TOOLS,
    as_of: dt.date = DEFAULT_AS_OF,
    seed: int = 0,
    check_only: bool = False,
    in_process: bool = False,
    invoice_objects: int | None = None,
    pm4py_python: str | None = None,
    timeout: float | None = None,
) -> Report:
    """Run the benchmark; returns the report (``report["problems"]`` lists mismatches).

    kpicore always runs (it is the reference). A tool that cannot be imported is
    skipped and listed in ``report["skipped"]``.
    """
    wanted = ["kpicore", *[t for t in tools if t != "kpicore"]]
    for t in wanted:
        if t not in _MODULES:
            raise ValueError(f"unknown tool {t!r}; choose from {', '.join(ALL_TOOLS)}")
    params = Params(as_of)
    n_objects = min(invoices, 100_000) if invoice_objects is None else invoice_objects
    if check_only:
        n_objects = 0
    report: Report = {
        "invoices": invoices,
        "repeat": 1 if check_only else repeat,
        "warmup": 0 if check_only else warmup,
        "as_of": as_of.isoformat(),
        "seed": seed,
        "mode": "in-process" if in_process else "subprocess per tool",
        "machine": _machine(),
        "tools": {},
        "skipped": {},
        "problems": [],
    }
    args = argparse.Namespace(
        invoices=invoices, repeat=repeat, warmup=warmup, as_of=as_of, seed=seed,
        check_only=check_only, timeout=timeout,
    )  # fmt: skip
    data: Dataset | None = None
    for tool in wanted:
        python = sys.executable
        if tool == "pm4py" and not in_process:
            found = _pm4py_python(pm4py_python)
            if found is None or not _interpreter_has(found, "pm4py"):
                report["skipped"][tool] = "pm4py not installed (see --pm4py-python)"
                continue
            python = found
        elif not tool_available(tool):
            report["skipped"][tool] = f"{_IMPORT_NAMES[tool]} not importable"
            continue
        _log(f"{tool}: {invoices} invoices")
        if in_process:
            if data is None:
                data = make_dataset(invoices, seed=seed)
            result = measure_tool(
                tool, data, params, repeat=repeat, isolated=False, check_only=check_only,
                invoice_objects=n_objects if tool == "kpicore" else 0, warmup=warmup,
            )  # fmt: skip
        else:
            result = _run_worker(tool, python, args, n_objects if tool == "kpicore" else 0)
        report["tools"][tool] = result
    tools_run: dict[str, Report] = report["tools"]
    ref = tools_run["kpicore"]
    for name, res in tools_run.items():
        if res["fingerprint"] != ref["fingerprint"]:
            report["problems"].append(f"{name}: dataset fingerprint differs from kpicore's")
        if name != "kpicore":
            report["problems"] += [f"{name}: {p}" for p in compare(ref["results"], res["results"])]
    report["problems"] += ref.get("extras", {}).get("problems", [])
    report["n_events"] = ref["n_events"]
    if hasattr(os, "getloadavg"):
        report["machine"]["loadavg_end"] = list(os.getloadavg())
    report["targets"] = targets(report)
    return report


# ----------------------------------------------------------------------------- output


def targets(report: Report) -> list[Report]:
    """The performance targets of the issue, evaluated on one report."""
    tools: dict[str, Report] = report["tools"]
    k = tools["kpicore"]
    out: list[Report] = []
    fast_peers = [tools[t] for t in ("polars", "duckdb") if t in tools]
    if fast_peers:
        best = min(fast_peers, key=lambda r: r["four_tasks_s"])
        speedup = best["four_tasks_s"] / k["four_tasks_s"]
        out.append({
            "target": f"four tasks >= 4x faster than the faster of polars/duckdb ({best['tool']})",
            "value": f"{speedup:.2f}x", "met": speedup >= 4.0,
        })  # fmt: skip

        def seq(r: Report) -> float:
            value = r["sequence_s"] if "sequence_s" in r else r["four_tasks_s"]
            return float(value)

        seq_best = min(fast_peers, key=seq)
        seq_speedup = seq(seq_best) / seq(k)
        out.append({
            "target": "  the same, tasks run in one sequence (kpicore's per-log memo shared)"
                      f" ({seq_best['tool']})",
            "value": f"{seq_speedup:.2f}x", "met": seq_speedup >= 4.0,
        })  # fmt: skip
        e2e = min(r["end_to_end_s"] for r in fast_peers)
        out.append({
            "target": "end to end (construction + four tasks) faster than polars and duckdb",
            "value": f"{k['end_to_end_s']:.3f} s vs {e2e:.3f} s ({e2e / k['end_to_end_s']:.2f}x)",
            "met": k["end_to_end_s"] < e2e,
        })  # fmt: skip
    extras: Report = k.get("extras", {})
    if "core_bytes_per_event" in extras:
        bpe = extras["core_bytes_per_event"]
        out.append({"target": "core columns <= 16 bytes per event", "value": f"{bpe:.2f} B",
                    "met": bpe <= 16.0})  # fmt: skip
    mem_k = (k.get("memory") or {}).get("peak_above_baseline_mib")
    mem_p = (tools.get("polars", {}).get("memory") or {}).get("peak_above_baseline_mib")
    if mem_k is not None and mem_p is not None:
        out.append({
            "target": "peak memory (above baseline) below polars'",
            "value": f"{mem_k:.0f} MiB vs {mem_p:.0f} MiB", "met": mem_k < mem_p,
        })  # fmt: skip
    if "from_invoices_s" in extras:
        n, secs = extras["from_invoices_n"], extras["from_invoices_s"]
        scaled = secs * 100_000 / n if n else secs
        out.append({
            "target": "EventLog.from_invoices over 100k Invoice objects < 1.5 s",
            "value": f"{secs:.3f} s for {n}"
            + ("" if n == 100_000 else f" (~{scaled:.2f} s/100k)"),
            "met": scaled < 1.5 if n == 100_000 else None,
        })  # fmt: skip
    return out


def _task_time(r: Report, *, task: str) -> float:
    secs: float = r["tasks_s"][task]
    return secs


def _fmt_s(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:.3f}" if x >= 0.1 else f"{x:.4f}"


def format_table(report: Report) -> str:
    """The human-readable result table."""
    tools: dict[str, Report] = report["tools"]
    names = list(tools)
    peers = [n for n in names if n != "kpicore"]
    k = tools["kpicore"]
    m = report["machine"]
    lines = [
        f"kpicore benchmark: {report['invoices']:,} invoices, {report['n_events']:,} events, "
        f"as of {report['as_of']}, median of {report['repeat']} run(s)"
        + (f" after {report['warmup']} warm-up" if report.get("warmup") else "")
        + f", {report['mode']}",
        f"machine: {m['cpu']}, {m['cores']} cores, "
        + (f"{m['memory_gib']:.0f} GiB, " if m.get("memory_gib") else "")
        + f"Python {m['python']}, numpy {m['numpy']}; load average "
        + (f"{m['loadavg_start'][0]:.2f} -> {m.get('loadavg_end', [0])[0]:.2f}"
           if m.get("loadavg_start") else "n/a"),
        "versions: " + ", ".join(f"{n} {tools[n]['version']}" for n in names)
        + (f"; kpicore threads {m['kpicore_threads']}" if m.get("kpicore_threads") else ""),
        "",
    ]  # fmt: skip
    head = f"{'':28}" + "".join(f"{n:>10}" for n in names)
    head += "".join(f"{n + '/k':>11}" for n in peers)
    lines.append(head)

    def time_row(label: str, get: Callable[[Report], float | None]) -> None:
        vals = [get(tools[n]) for n in names]
        row = f"{label:28}" + "".join(f"{_fmt_s(v):>10}" for v in vals)
        kv = get(k)
        for n in peers:
            v = get(tools[n])
            row += f"{(f'{v / kv:.1f}x' if v is not None and kv else '-'):>11}"
        lines.append(row)

    time_row("load / construction   s", lambda r: r["load_s"])
    labels = {"dso": "(a) DSO", "disputes": "(b) disputes", "aging": "(c) aging",
              "dunning": "(d) dunning"}  # fmt: skip
    for task in TASKS:
        time_row(f"{labels[task]:22}s", partial(_task_time, task=task))
    time_row("four tasks            s", lambda r: r["four_tasks_s"])
    time_row("  best runs summed    s", lambda r: r.get("four_tasks_best_s"))
    time_row("  CPU (all threads)   s", lambda r: r.get("four_tasks_cpu_s"))
    time_row("  in one sequence     s", lambda r: r.get("sequence_s"))
    time_row("end to end            s", lambda r: r["end_to_end_s"])

    def mem_row(label: str, get: Callable[[Report], float | None], fmt: str) -> None:
        vals = [get(tools[n]) for n in names]
        row = f"{label:28}" + "".join(
            f"{('-' if v is None else format(v, fmt)):>10}" for v in vals
        )
        kv = get(k)
        for n in peers:
            v = get(tools[n])
            row += f"{(f'{v / kv:.1f}x' if v is not None and kv else '-'):>11}"
        lines.append(row)

    def mem(key: str) -> Callable[[Report], float | None]:
        return lambda r: (r.get("memory") or {}).get(key)

    n_ev = max(report["n_events"], 1)
    mem_row("peak RSS            MiB", mem("peak_mib"), ".0f")
    mem_row("peak above baseline MiB", mem("peak_above_baseline_mib"), ".0f")
    mem_row("after load, above   B/ev",
            lambda r: None if (r.get("memory") or {}).get("after_load_above_baseline_mib") is None
            else r["memory"]["after_load_above_baseline_mib"] * _MIB / n_ev, ".1f")  # fmt: skip
    mem_row(
        "frame (own account) B/ev",
        lambda r: None if r.get("frame_bytes") is None else r["frame_bytes"] / n_ev,
        ".1f",
    )
    ex: Report = k.get("extras", {})
    if ex:
        lines.append("")
        lines.append("kpicore construction and size:")
        lines.append(
            f"  from strings (case ids, activities, datetime64)   {_fmt_s(k['load_s'])} s"
        )
        if "construct_coded_s" in ex:
            lines.append(
                f"  from int case ids + categorical activities         "
                f"{_fmt_s(ex['construct_coded_s'])} s"
            )
            lines.append(
                f"  from categorical case ids and activities           "
                f"{_fmt_s(ex['construct_categorical_s'])} s"
            )
        lines.append(
            f"  core columns {ex['core_bytes_per_event']:.2f} B/event; with the attributes "
            f"{ex['all_columns_bytes_per_event']:.2f} B/event"
        )
        if "from_invoices_s" in ex:
            lines.append(
                f"  EventLog.from_invoices, {ex['from_invoices_n']:,} Invoice objects "
                f"({ex['from_invoices_events']:,} events)  {_fmt_s(ex['from_invoices_s'])} s"
            )
    if report.get("targets"):
        lines.append("")
        lines.append("targets:")
        for t in report["targets"]:
            flag = {True: "MET   ", False: "MISSED", None: "n/a   "}[t["met"]]
            lines.append(f"  {flag} {t['target']}: {t['value']}")
    if report["skipped"]:
        lines.append("")
        for n, why in report["skipped"].items():
            lines.append(f"skipped {n}: {why}")
    lines.append("")
    if report["problems"]:
        lines.append(f"RESULTS DIFFER ({len(report['problems'])}):")
        lines += [f"  {p}" for p in report["problems"]]
    else:
        lines.append(
            "results: every peer's numbers equal kpicore's (counts exact, days within 1e-6)"
        )
    return "\n".join(lines)


def format_results(report: Report) -> str:
    """kpicore's answers (the numbers every peer matched)."""
    res: dict[str, TaskResult] = report["tools"]["kpicore"]["results"]
    out = []
    for task in TASKS:
        fields = ", ".join(
            f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}" for k, v in res[task].items()
        )
        out.append(f"  {task}: {fields}")
    return "\n".join(out)


def growth(small: Report, large: Report) -> str:
    """Per-task time ratio between two reports (linear growth check: <= 3.3x for 3x)."""
    ks, kl = small["tools"]["kpicore"], large["tools"]["kpicore"]
    scale = large["n_events"] / small["n_events"]
    lines = [
        f"growth {small['invoices']:,} -> {large['invoices']:,} invoices "
        f"(events x{scale:.2f}); target per task <= {1.1 * scale:.2f}x"
    ]
    rows = [("construction", ks["load_s"], kl["load_s"])]
    rows += [(t, ks["tasks_s"][t], kl["tasks_s"][t]) for t in TASKS]
    rows.append(("four tasks", ks["four_tasks_s"], kl["four_tasks_s"]))
    for name, a, b in rows:
        r = b / a
        lines.append(
            f"  {name:14} {a:8.4f} s -> {b:8.4f} s  x{r:5.2f}  "
            + ("MET" if r <= 1.1 * scale else "MISSED")
        )
    return "\n".join(lines)


# ----------------------------------------------------------------------------- CLI


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    ap.add_argument("--invoices", type=int, default=100_000, help="number of invoices (cases)")
    ap.add_argument("--repeat", type=int, default=5, help="repetitions per timing (median)")
    ap.add_argument("--warmup", type=int, default=1,
                    help="untimed runs of each task before the timed ones")  # fmt: skip
    ap.add_argument("--tools", default=",".join(ALL_TOOLS), help="comma-separated tools")
    ap.add_argument("--json", dest="json_path", type=Path, help="write the full report here")
    ap.add_argument("--check-only", action="store_true",
                    help="run every task once and only check the numbers")  # fmt: skip
    ap.add_argument("--as-of", type=dt.date.fromisoformat, default=DEFAULT_AS_OF,
                    help="as-of date D of tasks (c) and (d)")  # fmt: skip
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--in-process", action="store_true",
                    help="run every tool in this process (no memory figures)")  # fmt: skip
    ap.add_argument(
        "--invoice-objects",
        type=int,
        default=None,
        help="Invoice objects for the from_invoices timing (default min(N, 100k))",
    )
    ap.add_argument("--pm4py-python", default=None,
                    help="interpreter with pm4py (default: $PM4PY_PYTHON, this one, or "
                         "../venv-pm4py/bin/python)")  # fmt: skip
    ap.add_argument("--timeout", type=float, default=None, help="per-tool timeout in seconds")
    ap.add_argument("--growth", nargs=2, type=Path, metavar=("SMALL.json", "LARGE.json"),
                    help="compare two reports (linear growth) and exit")  # fmt: skip
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--worker-out", type=Path, default=None, help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def _worker(args: argparse.Namespace) -> int:
    import warnings

    warnings.simplefilter("ignore")
    tool: str = args.worker
    _peer(tool)  # import the tool's modules before the baseline
    data = make_dataset(args.invoices, seed=args.seed)
    n_objects = args.invoice_objects if args.invoice_objects is not None else 0
    report = measure_tool(
        tool, data, Params(args.as_of), repeat=args.repeat, isolated=True,
        check_only=args.check_only, invoice_objects=n_objects, warmup=args.warmup,
    )  # fmt: skip
    assert args.worker_out is not None
    args.worker_out.write_text(json.dumps(report))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status (1 when results differ)."""
    args = _parse(argv)
    if args.worker:
        return _worker(args)
    if args.growth:
        small, large = (json.loads(p.read_text()) for p in args.growth)
        print(growth(small, large))
        return 0
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    report = run_benchmark(
        invoices=args.invoices, repeat=args.repeat, warmup=args.warmup, tools=tools,
        as_of=args.as_of,
        seed=args.seed, check_only=args.check_only, in_process=args.in_process,
        invoice_objects=args.invoice_objects, pm4py_python=args.pm4py_python,
        timeout=args.timeout,
    )  # fmt: skip
    if args.check_only:
        print(format_results(report))
        print()
        print("problems:" if report["problems"] else "all tools agree with kpicore")
        for p in report["problems"]:
            print(f"  {p}")
    else:
        print(format_table(report))
    if args.json_path:
        args.json_path.write_text(json.dumps(report, indent=1))
    return 1 if report["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
