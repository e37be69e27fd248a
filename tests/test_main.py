"""The demo (``python -m kpicore demo``): its numbers are the library's, one language and
one number style per run, charts written with ``--plots``, a clean ``--help``."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from kpicore import synth
from kpicore.__main__ import AS_OF, main
from kpicore.eventlog import EventLog
from kpicore.kpis import aging, invoice_dso

ARGS = ["demo", "--invoices", "1500", "--customers", "300", "--seed", "3"]


@pytest.fixture(scope="module")
def report_en() -> str:
    return _run([*ARGS])


@pytest.fixture(scope="module")
def report_pt() -> str:
    return _run([*ARGS, "--lang", "pt-BR"])


def _run(args: list[str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "kpicore", *args], capture_output=True, text=True, check=True
    )
    return done.stdout


def _log() -> EventLog:
    cols = synth.synth_event_columns(1500, seed=3, as_of=AS_OF)
    return EventLog.from_columns(cols.to_mapping())


def _section(out: str, start: str, end: str) -> str:
    return out.split(start, 1)[1].split(end, 1)[0]


def _table(block: str) -> list[list[str]]:
    """The body rows of the first text table in ``block``, cells split on 2+ spaces."""
    lines = block.splitlines()
    rule = next(
        i
        for i, line in enumerate(lines)
        if line.strip().startswith("---") and "  " in line.strip()
    )
    rows = []
    for line in lines[rule + 1 :]:
        if not line.startswith("  ") or not line.strip():
            break
        rows.append(re.split(r"\s{2,}", line.strip()))
    return rows


def test_english_report_shows_the_library_numbers(report_en: str) -> None:
    for title in (
        "DSO: three ways",
        "Month by month",
        "Aging as of 2024-12-31",
        "Paid until (pago até)",
        "Prepaid customers report",
        "Customers without contact information",
        "Cancelled credits",
    ):
        assert title in report_en
    assert "1,500 invoices" in report_en
    ag = aging(_log(), as_of=AS_OF)
    block = _section(report_en, "Aging as of", "Disputes")
    rows = _table(block)
    assert [row[0] for row in rows] == ["Current", "1–30", "31–60", "61–90", "91+", "Total"]
    counts = [int(row[1].replace(",", "")) for row in rows]
    assert counts == [b.count for b in ag.buckets] + [ag.count]
    assert sum(counts[:-1]) == counts[-1]
    assert rows[-1][2] == f"BRL {ag.amount['BRL'].amount:,}"
    s = invoice_dso(_log(), as_of=AS_OF).summary
    assert f"mean {s.mean:.1f} days, median {s.median:.1f} days" in report_en


def test_portuguese_report_is_portuguese_throughout(report_pt: str) -> None:
    for title in (
        "DSO: três formas de medir",
        "Mês a mês",
        "Aging em 31/12/2024",
        "Pago até: contratos ativos",
        "Relatório de clientes pré-pago",
        "Clientes sem contato informado",
        "Créditos cancelados",
    ):
        assert title in report_pt
    assert "1.500 faturas" in report_pt
    # one language: no English words of the English report
    for word in (" invoices", " days", "Month", "Bucket", "Customer", "Prepaid", "Paid "):
        assert word not in report_pt, word
    # one number style: R$ with '.' thousands and ',' decimals, no English-style amounts
    assert "BRL " not in report_pt
    assert re.search(r"R\$ \d{1,3}(\.\d{3})*,\d{2}", report_pt)
    assert not re.search(r"\d,\d{3}\.\d", report_pt)
    ag = aging(_log(), as_of=AS_OF)
    block = _section(report_pt, "Aging em", "Disputas")
    assert ag.amount["BRL"].format_br() in block
    # the prepaid table has a header and dates in dd/mm/aaaa
    prepaid = _section(report_pt, "Relatório de clientes pré-pago", "Clientes sem contato")
    assert re.search(r"Cliente\s+Plano\s+Valor\s+Ativação\s+Renovação", prepaid)
    assert re.search(r"\d{2}/\d{2}/\d{4}", prepaid)


def test_english_report_has_no_portuguese_number_style(report_en: str) -> None:
    assert "R$" not in report_en
    assert not re.search(r"\d\.\d{3},\d", report_en)
    # every DSO is explained in one line
    dso = _section(report_en, "DSO: three ways", "Month by month")
    assert len([line for line in dso.splitlines() if line.startswith(("Per", "Stand", "Count"))])
    assert "Per invoice (event log): days from issue to the first payment" in dso
    assert "Standard (accounting): receivables" in dso
    assert "Countback:" in dso


def test_credits_are_in_brl_only(report_en: str) -> None:
    credits = _section(report_en, "Cancelled credits", "\n\n\n")
    assert "USD" not in credits
    assert "BRL" in credits


def test_demo_is_deterministic(report_en: str) -> None:
    again = _run([*ARGS])
    strip = [re.sub(r"built in [\d.]+ s", "", r) for r in (report_en, again)]
    assert strip[0] == strip[1]


def test_plots_writes_the_charts_as_png(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "charts"
    assert main([*ARGS, "--lang", "pt-BR", "--plots", str(out)]) == 0
    files = sorted(out.glob("*.png"))
    assert [f.stem for f in files] == sorted(
        [
            "aging",
            "cancelled_credits",
            "contacts_trend",
            "directly_follows",
            "disputes",
            "dso_distribution",
            "dso_trend",
            "dunning_effectiveness",
            "dunning_funnel",
            "paid_until_distribution",
            "paid_until_status",
            "variants",
        ]
    )
    for f in files:
        assert f.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f.stat().st_size > 5_000
    # one chart per result: no two files are the same picture
    assert len({f.read_bytes() for f in files}) == len(files)
    assert f"12 gráficos gravados em {out}" in capsys.readouterr().out


def test_help_is_plain_text() -> None:
    text = _run(["demo", "--help"])
    assert "--lang {en,pt-BR}" in text
    assert "--plots DIR" in text
    for markup in ("``", ":func:", ":mod:", ":class:"):
        assert markup not in text
    top = _run(["--help"])
    assert "demo" in top
    assert "``" not in top


def test_cli_rejects_bad_arguments() -> None:
    with pytest.raises(SystemExit):
        main([])
    with pytest.raises(SystemExit):
        main(["demo", "--lang", "pt"])


def test_foreign_share_is_checked() -> None:
    people = synth.synth_customers(50, seed=1)
    assert all(c.amount.currency == "BRL" for c in synth.synth_credits(people, foreign_share=0))
    usd = list(synth.synth_credits(people, foreign_share=1.0))
    assert usd
    assert all(c.amount.currency == "USD" for c in usd)
    from kpicore.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="foreign_share"):
        synth.synth_credits(people, foreign_share=1.5)
