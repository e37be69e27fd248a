"""The XES round-trip benchmark at a tiny size, so that it never rots (no timing asserted)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

_ROOT = Path(__file__).resolve().parents[1]


def test_formats_benchmark_round_trips(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if str(_ROOT) not in sys.path:
        sys.path.insert(0, str(_ROOT))
    formats = importlib.import_module("benchmarks.formats")
    row = formats.synthetic(60)
    assert row["round_trip_equal"] is True
    assert row["event_log_equal"] is True
    assert row["traces"] == 60
    path = tmp_path / "small.xes"
    path.write_bytes((_ROOT / "tests" / "data" / "ieee1849-small.xes").read_bytes())
    assert formats.main(["--xes", str(path)]) == 0
    out = capsys.readouterr().out
    assert "'events': 3" in out
    assert "'round_trip_equal': True" in out
