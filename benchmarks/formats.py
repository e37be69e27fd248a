"""XES read/write throughput and round trips, on a synthetic log or on logs you provide.

::

    python benchmarks/formats.py --invoices 100000          # synthetic: write, read, compare
    python benchmarks/formats.py --xes running-example.xes receipt.xes.gz   # real logs

For each real log (for example the public logs of pm4py's ``tests/input_data``,
which are not shipped with kpicore) the script opens the file itself -- the
library opens no paths -- reads it with :func:`kpicore.xes.read_xes`, writes it
back with :func:`kpicore.xes.write_xes`, reads that again and checks that the two
:class:`~kpicore.xes.XesLog` are equal. It prints the seconds of each step, the
events per second and the peak memory traced during the read (tracemalloc, so the
timings of that step include its overhead; the read is timed again without it).
The exit status is 1 when a round trip differs.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

from kpicore.eventlog import EventLog
from kpicore.synth import synth_event_columns
from kpicore.xes import XesLog, read_xes, write_xes


def _round_trip(name: str, data: bytes) -> dict[str, Any]:
    t0 = time.perf_counter()
    x = read_xes(io.BytesIO(data))
    t_read = time.perf_counter() - t0
    tracemalloc.start()
    read_xes(io.BytesIO(data))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    buf = io.BytesIO()
    t0 = time.perf_counter()
    write_xes(x, buf)
    t_write = time.perf_counter() - t0
    again = read_xes(buf.getvalue())
    return {
        "log": name,
        "traces": x.n_traces,
        "events": x.n_events,
        "mib": round(len(data) / 2**20, 1),
        "read_s": round(t_read, 3),
        "write_s": round(t_write, 3),
        "events_per_s_read": round(x.n_events / t_read) if t_read else None,
        "peak_read_mib": round(peak / 2**20, 1),
        "round_trip_equal": again == x,
    }


def synthetic(invoices: int, seed: int = 1) -> dict[str, Any]:
    """Write the synthetic log of ``invoices`` invoices as XES and round-trip it."""
    cols = synth_event_columns(invoices, seed=seed)
    log = EventLog.from_columns(cols.to_mapping(), attributes="all", order="lifecycle_rank")
    text = write_xes(XesLog.from_event_log(log))
    assert isinstance(text, str)
    out = _round_trip(f"synthetic {invoices}", text.encode("utf-8"))
    out["event_log_equal"] = read_xes(text).to_event_log().n_events == log.n_events
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--invoices", type=int, default=0)
    p.add_argument("--xes", nargs="*", default=[], type=Path)
    args = p.parse_args(argv)
    rows = []
    if args.invoices:
        rows.append(synthetic(args.invoices))
    for path in args.xes:
        rows.append(_round_trip(path.name, path.read_bytes()))
    ok = True
    for r in rows:
        print(r)
        ok = ok and bool(r["round_trip_equal"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
