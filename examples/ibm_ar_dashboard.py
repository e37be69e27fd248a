"""An accounts-receivable dashboard on real data: IBM's public accounts-receivable sample.

Reads the CSV with pandas, builds kpicore's event log from the frame and writes the charts
as PNG files (one per KPI, and the four of them on one page)::

    python examples/ibm_ar_dashboard.py [--lang en|pt-BR] [--out DIR] [CSV]

kpicore itself does no I/O: the script reads the file and writes the pictures.
Needs pandas and matplotlib (``pip install "kpicore[pandas,plot]"``).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

import kpicore as kc
from kpicore.formatting import (
    Lang,
    bucket_label,
    check_lang,
    format_count,
    format_date,
    format_days,
    format_money_totals,
    format_rate,
)
from kpicore.kpis import aging, dispute_resolution, invoice_dso

DEFAULT = Path(__file__).resolve().parent / "data" / "ibm-accounts-receivable.csv"
AS_OF = date(2013, 6, 30)  # inside the data's period: some invoices are open, some late


def load(path: Path) -> kc.EventLog:
    """The CSV's invoices as an event log (amounts read as USD: the file states no currency).

    A disputed invoice's dispute is taken as opened on its invoice date and resolved
    when it was settled (the file has only the flag).
    """
    import pandas as pd

    df = pd.read_csv(
        path,
        dtype={"invoiceNumber": str, "customerID": str},
        parse_dates=["InvoiceDate", "DueDate", "SettledDate"],
        date_format="%m/%d/%Y",
    )
    disputed = df["Disputed"].eq("Yes")
    return kc.EventLog.from_invoice_table(
        df,
        invoice="invoiceNumber",
        customer="customerID",
        issued="InvoiceDate",
        due="DueDate",
        amount="InvoiceAmount",
        currency_code="USD",
        settled="SettledDate",
        disputed=disputed,
        dispute_opened=df["InvoiceDate"].where(disputed),
        dispute_resolved=df["SettledDate"].where(disputed),
    )


def dashboard(log: kc.EventLog, out: Path, lang: Lang = "en") -> dict[str, Any]:
    """Compute the KPIs, write the PNGs into ``out``; returns the numbers drawn."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ag = aging(log, as_of=AS_OF)
    to_settle = invoice_dso(log, until="settlement")
    trend = invoice_dso(log, until="settlement", freq="month")
    disputes = dispute_resolution(log)

    out.mkdir(parents=True, exist_ok=True)
    charts = [
        ("aging", ag, {}),
        ("days_to_settle", to_settle, {}),
        ("days_to_settle_by_month", trend, {"kind": "trend"}),
        ("dispute_resolution", disputes, {}),
    ]
    written = []
    for name, result, options in charts:
        ax = result.plot(lang=lang, **options)
        path = out / f"{name}.png"
        ax.figure.savefig(path, dpi=110, bbox_inches="tight")
        plt.close(ax.figure)
        written.append(path)
    # the same four charts on one page
    fig, axes = plt.subplots(2, 2, figsize=(15, 9), layout="constrained")
    for (_, result, options), ax in zip(charts, axes.flat, strict=True):
        result.plot(ax=ax, lang=lang, **options)
    page = out / "ar_dashboard.png"
    fig.savefig(page, dpi=100)
    plt.close(fig)
    written.append(page)

    pt = lang == "pt-BR"
    n = format_count(log.n_cases, lang=lang)
    days = format_days(to_settle.summary.mean, lang=lang)
    opened = format_count(ag.count, lang=lang)
    open_total = format_money_totals(ag.amount, lang=lang)
    as_of = format_date(AS_OF, lang=lang)
    resolved = format_count(disputes.resolved, lang=lang)
    median = format_days(disputes.summary.median, lang=lang)
    if pt:
        print(f"{n} faturas; prazo médio de quitação {days}")
        print(f"Em aberto em {as_of}: {opened} faturas, {open_total}")
        print(f"Disputas resolvidas: {resolved}, mediana {median}")
    else:
        print(f"{n} invoices; mean days to settle {days}")
        print(f"Open as of {as_of}: {opened} invoices, {open_total}")
        print(f"Disputes resolved: {resolved}, median {median}")
    for b in ag.buckets:
        share = format_rate(b.count / ag.count if ag.count else None, lang=lang)
        print(f"  {bucket_label(b, lang=lang):<18} {format_count(b.count, lang=lang):>6}  {share}")
    print(f"{len(written)} {'gráficos gravados em' if pt else 'charts written to'} {out}")
    assert trend.groups is not None
    return {
        "aging_counts": [b.count for b in ag.buckets],
        "aging_minor": [sum(m.minor for m in b.amount.values()) for b in ag.buckets],
        "monthly_mean": {p.label: s.mean for p, s in trend.groups.items()},
        "files": written,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("csv", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--lang", choices=["en", "pt-BR"], default="en")
    parser.add_argument("--out", type=Path, default=Path("ibm-ar-dashboard"))
    args = parser.parse_args(argv)
    dashboard(load(args.csv), args.out, check_lang(args.lang))
    return 0


if __name__ == "__main__":
    sys.exit(main())
