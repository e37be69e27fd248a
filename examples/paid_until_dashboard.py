"""A *pago até* (paid-until) dashboard for an internet provider's contracts.

There is no public data set of provider contracts, so this script draws a
deterministic synthetic portfolio with :mod:`kpicore.synth` (shaped like IXC
Provedor's ``cliente_contrato`` rows); swap :func:`contracts` for your own
rows. It writes the status and advance charts as PNG files::

    python examples/paid_until_dashboard.py [--lang en|pt-BR] [--out DIR]

Needs matplotlib (``pip install "kpicore[plot]"``).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from kpicore import synth
from kpicore.formatting import Lang, check_lang, enum_label, format_count, format_rate
from kpicore.kpis import paid_until_distribution, paid_until_status
from kpicore.kpis.paid_until import PaidUntilStatus
from kpicore.model import Contract

AS_OF = date(2024, 12, 31)


def contracts(n_customers: int = 1_500, seed: int = 11) -> list[Contract]:
    """The portfolio's contracts (synthetic; replace with your own)."""
    people = synth.synth_customers(n_customers, seed=seed)
    return synth.synth_contracts(people, seed=seed, as_of=AS_OF)


def dashboard(items: list[Contract], out: Path, lang: Lang = "en") -> dict[str, Any]:
    """Compute the paid-until KPIs, write the PNGs into ``out``; returns the numbers drawn."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    status = paid_until_status(items, as_of=AS_OF)
    dist = paid_until_distribution(items, as_of=AS_OF)
    out.mkdir(parents=True, exist_ok=True)
    fig, (left, right) = plt.subplots(1, 2, figsize=(15, 5), layout="constrained")
    status.plot(ax=left, lang=lang)
    dist.plot(ax=right, lang=lang)
    page = out / "paid_until_dashboard.png"
    fig.savefig(page, dpi=100)
    plt.close(fig)

    pt = lang == "pt-BR"
    for key, n in status.summary.counts.items():
        print(
            f"  {enum_label(PaidUntilStatus(key), lang=lang):<14} {format_count(n, lang=lang):>6}"
        )
    share = format_rate(dist.healthy_share, lang=lang)
    print(
        f"{'Na janela saudável' if pt else 'In the healthy window'}: {share};"
        f" {'gráfico gravado em' if pt else 'chart written to'} {page}"
    )
    return {
        "counts": dict(status.summary.counts),
        "bins": {b.offset: b.count for b in dist.bins},
        "never_paid": dist.never_paid,
        "file": page,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--lang", choices=["en", "pt-BR"], default="en")
    parser.add_argument("--out", type=Path, default=Path("paid-until-dashboard"))
    args = parser.parse_args(argv)
    dashboard(contracts(), args.out, check_lang(args.lang))
    return 0


if __name__ == "__main__":
    sys.exit(main())
