"""The demo (``python -m kpicore demo``) runs and its printed numbers hang together."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from kpicore.__main__ import main


def test_demo_report_is_consistent(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--invoices", "1500", "--customers", "300", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    for title in (
        "DSO",
        "Aging as of",
        "Pago até",
        "Relatório de Clientes Pré-pago",
        "Clientes sem contato informado",
        "Créditos cancelados",
    ):
        assert title in out
    # the aging rows partition the open invoices: bucket counts add up to the total row
    aging = out.split("Aging as of", 1)[1].split("Disputes", 1)[0]
    counts = [int(m.replace(",", "")) for m in re.findall(r"^\s+\S.*?\s([\d,]+)\s\s", aging, re.M)]
    *buckets, total = counts
    assert len(buckets) == 5
    assert sum(buckets) == total
    # the log line counts 1,500 invoices
    assert "1,500 invoices" in out


def test_demo_is_deterministic() -> None:
    args = ["demo", "--invoices", "400", "--customers", "100", "--seed", "1"]
    runs = [
        subprocess.run(
            [sys.executable, "-m", "kpicore", *args], capture_output=True, text=True, check=True
        ).stdout
        for _ in range(2)
    ]
    strip = [re.sub(r"built in [\d.]+ s", "", r) for r in runs]
    assert strip[0] == strip[1]


def test_cli_requires_a_command() -> None:
    with pytest.raises(SystemExit):
        main([])
