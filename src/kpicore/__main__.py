"""Command line: ``python -m kpicore demo`` prints a KPI report on synthetic data.

This module is the only place in kpicore that prints. The demo builds a
deterministic synthetic portfolio with :mod:`kpicore.synth` (same output on
every machine, no clock read: the report is *as of* a fixed date) and runs the
library's KPIs on it.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date

__all__ = ["main"]


def _section(title: str) -> None:
    print()
    print(title)
    print("-" * len(title))


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _days(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} d"


def demo(*, invoices: int = 5_000, customers: int = 800, seed: int = 7) -> None:
    """Print the demo report (see the module docstring)."""
    from kpicore import synth
    from kpicore.eventlog import EventLog
    from kpicore.kpis import (
        aging,
        average_days_delinquent,
        cancelled_credits,
        collection_effectiveness_index,
        countback_dso,
        customers_without_contact,
        dispute_rate,
        dispute_resolution,
        dunning_effectiveness,
        dunning_rate,
        invoice_dso,
        paid_until_distribution,
        paid_until_status,
        prepaid_customers_report,
        write_off_ratio,
    )
    from kpicore.kpis.paid_until import PaidUntilStatus

    as_of = date(2024, 12, 31)
    print(f"kpicore demo: synthetic portfolio, seed {seed}, as of {as_of.isoformat()}")

    # ---- the event log ---------------------------------------------------------
    t0 = time.perf_counter()
    cols = synth.synth_event_columns(invoices, seed=seed, as_of=as_of)
    log = EventLog.from_columns(cols.to_mapping())
    built = time.perf_counter() - t0
    _section("Event log (case = invoice)")
    print(f"{log.n_cases:,} invoices, {log.n_events:,} events, built in {built:.2f} s")
    for activity, count in sorted(log.events_per_activity().items(), key=lambda kv: -kv[1]):
        print(f"  {activity:<32} {count:>8,}")
    top = log.variants()
    print(f"{len(top.as_tuples()):,} variants; the most frequent:")
    for variant, count in list(top.top(3).items()):
        print(f"  {count:>6,}  {variant}")

    # ---- DSO ----------------------------------------------------------------------
    _section("DSO")
    dso = invoice_dso(log, as_of=as_of)
    s = dso.summary
    print(
        f"Per invoice (Invoice Generated -> first Payment Received): mean {_days(s.mean)},"
        f" median {_days(s.median)}, p90 {_days(s.percentiles.get(90.0))}"
        f" over {s.count:,} invoices ({s.missing:,} not paid yet)"
    )
    settled = invoice_dso(log, as_of=as_of, until="settlement").summary
    print(f"Per invoice to full settlement: mean {_days(settled.mean)}")
    add = average_days_delinquent(log, as_of=as_of, months=3)
    cb = countback_dso(log, as_of=as_of)
    cei = collection_effectiveness_index(log, as_of=as_of, months=3)
    for currency, fig in add.by_currency.items():
        print(
            f"{currency}: DSO {_days(fig.dso)}, best possible {_days(fig.best_possible_dso)},"
            f" average days delinquent {_days(fig.average_days_delinquent)}"
            f" (receivables {fig.receivables.format_br()})"
        )
        print(f"{currency}: countback DSO {_days(cb.by_currency[currency].dso)}", end="")
        eff = cei.by_currency[currency].cei
        print(f", CEI {'n/a' if eff is None else f'{eff:.1f}'}")

    # ---- aging ----------------------------------------------------------------------
    _section(f"Aging as of {as_of.isoformat()} (days past due)")
    ag = aging(log, as_of=as_of)
    for b in ag.buckets:
        amount = ", ".join(m.format_br() for m in b.amount.values()) or "-"
        print(f"  {b.label_pt:<16} {b.count:>7,}  {amount}")
    total = ", ".join(m.format_br() for m in ag.amount.values())
    print(f"  {'Total':<16} {ag.count:>7,}  {total}")

    # ---- disputes, dunning, write-offs ---------------------------------------------
    _section("Disputes, dunning (régua de cobrança), write-offs")
    dr = dispute_resolution(log, as_of=as_of)
    rate = dispute_rate(log, as_of=as_of)
    print(
        f"Disputes: {_pct(rate.rate)} of invoices disputed; {dr.resolved:,} resolved in a median"
        f" {_days(dr.summary.median)}, {dr.open:,} still open"
    )
    dun = dunning_rate(log, as_of=as_of, letters_window="to_date")
    print(
        f"Dunning rate: {_pct(dun.rate)} of {dun.overdue:,} overdue invoices got a letter"
        f" ({dun.letters_per_overdue or 0:.2f} letters per overdue invoice)"
    )
    eff_d = dunning_effectiveness(log, as_of=as_of)
    for level, stats in eff_d.by_max_level.items():
        print(f"  max level {level}: {stats.invoices:>6,} invoices, {_pct(stats.rate)} paid")
    wo = write_off_ratio(log, as_of=as_of)
    print(f"Write-offs: {wo.written_off:,} invoices ({_pct(wo.count_ratio)} by count)")

    # ---- Brazilian provider reports -------------------------------------------
    custs = synth.synth_customers(customers, seed=seed)
    contracts = synth.synth_contracts(custs, seed=seed, as_of=as_of)
    credits = synth.synth_credits(custs, seed=seed, as_of=as_of)

    _section("Pago até (paid-until) — status dos contratos ativos")
    report = paid_until_status(contracts, as_of=as_of)
    for status, count in report.summary.counts.items():
        print(f"  {PaidUntilStatus(status).label_pt:<12} {count:>6,}")
    print(
        f"  usando sem pagar (active while behind): {report.summary.using_without_payment:,};"
        f" candidatos a cancelamento/comodato: {report.summary.cancel_candidates:,}"
    )
    dist = paid_until_distribution(contracts, as_of=as_of)
    print(
        f"  healthy window {dist.healthy_window}: {_pct(dist.healthy_share)} of active contracts"
    )

    _section("Relatório de Clientes Pré-pago")
    pre = prepaid_customers_report(contracts, custs)
    totals = ", ".join(m.format_br() for m in pre.totals.value.values())
    print(
        f"  {pre.totals.contracts:,} contratos, {pre.totals.customers:,} clientes, total {totals}"
    )
    for row in pre.rows[:3]:
        print(f"  {row.customer_name or '?':<28} {row.plan:<18} {row.value.format_br():>12}")

    _section("Clientes sem contato informado")
    wc = customers_without_contact(custs, as_of=as_of)
    print(f"  {wc.without_contact:,} of {wc.customers:,} customers ({_pct(wc.share)})")

    _section("Créditos cancelados")
    cc = cancelled_credits(credits, as_of=as_of, freq="quarter")
    values = ", ".join(money.format_br() for money in cc.value.values())
    print(f"  {cc.count:,} credits cancelled or refunded: {values}")
    print()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m kpicore``."""
    parser = argparse.ArgumentParser(
        prog="python -m kpicore",
        description=(
            "kpicore command line. 'python -m kpicore demo' prints a KPI report on a"
            " deterministic synthetic portfolio: the same output on every machine, as of a"
            " fixed date (no clock read)."
        ),
        epilog="Documentation: the 'Getting started' and 'KPI reference' pages of the docs.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p_demo = sub.add_parser(
        "demo",
        help="print a KPI report on deterministic synthetic data",
        description="Print a KPI report on a deterministic synthetic portfolio.",
    )
    p_demo.add_argument(
        "--invoices", type=int, default=5_000, help="number of invoices (default: 5000)"
    )
    p_demo.add_argument(
        "--customers", type=int, default=800, help="number of customers (default: 800)"
    )
    p_demo.add_argument(
        "--seed", type=int, default=7, help="random seed of the synthetic data (default: 7)"
    )
    args = parser.parse_args(argv)
    commands: dict[str, Callable[[], None]] = {
        "demo": lambda: demo(invoices=args.invoices, customers=args.customers, seed=args.seed),
    }
    commands[args.command]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
