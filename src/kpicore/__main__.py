"""Command line of kpicore: ``python -m kpicore demo`` prints a KPI report.

The demo builds a deterministic synthetic portfolio of a Brazilian internet
provider (amounts in BRL) with kpicore.synth: the same output on every
machine, and no clock read, since the report is as of a fixed date. It runs
the library's KPIs on it and prints them in one language and one number style
(--lang en or --lang pt-BR); --plots DIR also writes the charts as PNG files
(needs matplotlib: pip install "kpicore[plot]").
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from kpicore.formatting import (
    Lang,
    activity_label,
    bucket_label,
    check_lang,
    enum_label,
    format_count,
    format_date,
    format_days,
    format_money,
    format_money_totals,
    format_number,
    format_period,
    format_rate,
)
from kpicore.money import Money

__all__ = ["main"]

AS_OF = date(2024, 12, 31)


class _Report:
    """Prints one report in one language: every string goes through :meth:`t`."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang

    def t(self, en: str, pt: str) -> str:
        return pt if self.lang == "pt-BR" else en

    def section(self, en: str, pt: str) -> None:
        title = self.t(en, pt)
        print()
        print(title)
        print("-" * len(title))

    def line(self, en: str, pt: str) -> None:
        print(self.t(en, pt))

    def days(self, value: float | None) -> str:
        return format_days(value, lang=self.lang)

    def rate(self, value: float | None) -> str:
        return format_rate(value, lang=self.lang)

    def count(self, value: int) -> str:
        return format_count(value, lang=self.lang)

    def money(self, value: Money) -> str:
        return format_money(value, lang=self.lang)

    def totals(self, value: Mapping[str, Money]) -> str:
        return format_money_totals(value, lang=self.lang)

    def date(self, value: date | None) -> str:
        return "—" if value is None else format_date(value, lang=self.lang)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]], right: str) -> None:
        """An aligned text table; ``right`` flags the right-aligned columns ('r'/'l')."""
        widths = [len(h) for h in header]
        for row in rows:
            widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]

        def fmt(cells: Sequence[str]) -> str:
            out = []
            for cell, width, align in zip(cells, widths, right, strict=True):
                out.append(cell.rjust(width) if align == "r" else cell.ljust(width))
            return "  " + "  ".join(out).rstrip()

        print(fmt(header))
        print("  " + "  ".join("-" * w for w in widths))
        for row in rows:
            print(fmt(row))


def demo(
    *,
    invoices: int = 5_000,
    customers: int = 800,
    seed: int = 7,
    lang: Lang = "en",
    plots: Path | None = None,
) -> list[Path]:
    """Print the demo report (see the module docstring); returns the chart files written."""
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

    r = _Report(lang)
    as_of = AS_OF
    r.line(
        f"kpicore demo: synthetic internet-provider portfolio (BRL), seed {seed},"
        f" as of {r.date(as_of)}",
        f"Demonstração do kpicore: carteira sintética de um provedor de internet (R$),"
        f" semente {seed}, posição em {r.date(as_of)}",
    )

    # ---- the event log ----------------------------------------------------------------
    t0 = time.perf_counter()
    cols = synth.synth_event_columns(invoices, seed=seed, as_of=as_of)
    log = EventLog.from_columns(cols.to_mapping())
    built = time.perf_counter() - t0
    r.section("Event log (case = invoice)", "Log de eventos (caso = fatura)")
    secs = format_number(built, decimals=2, lang=lang)
    r.line(
        f"{r.count(log.n_cases)} invoices, {r.count(log.n_events)} events, built in {secs} s",
        f"{r.count(log.n_cases)} faturas, {r.count(log.n_events)} eventos, montado em {secs} s",
    )
    per_activity = sorted(log.events_per_activity().items(), key=lambda kv: -kv[1])
    r.table(
        [r.t("Activity", "Atividade"), r.t("Events", "Eventos")],
        [[activity_label(a, lang=lang), r.count(n)] for a, n in per_activity],
        "lr",
    )
    variants = log.variants()
    r.line(
        f"{r.count(len(variants))} variants; the three most frequent:",
        f"{r.count(len(variants))} variantes; as três mais frequentes:",
    )
    for i in range(min(3, len(variants))):
        steps = " → ".join(activity_label(a, lang=lang) for a in variants.sequence(i))
        print(f"  {r.count(int(variants.counts[i])):>7}  {steps}")

    # ---- DSO, each explained --------------------------------------------------------------
    r.section("DSO: three ways to count days sales outstanding", "DSO: três formas de medir")
    s = invoice_dso(log, as_of=as_of).summary
    r.line(
        f"Per invoice (event log): days from issue to the first payment, over {r.count(s.count)}"
        f" paid invoices ({r.count(s.missing)} not paid yet): mean {r.days(s.mean)},"
        f" median {r.days(s.median)}, p90 {r.days(s.percentiles.get(90.0))}",
        f"Por fatura (log de eventos): dias da emissão ao primeiro pagamento, em"
        f" {r.count(s.count)} faturas pagas ({r.count(s.missing)} ainda em aberto): média"
        f" {r.days(s.mean)}, mediana {r.days(s.median)}, p90 {r.days(s.percentiles.get(90.0))}",
    )
    add = average_days_delinquent(log, as_of=as_of, months=3).by_currency["BRL"]
    cb = countback_dso(log, as_of=as_of).by_currency["BRL"]
    cei = collection_effectiveness_index(log, as_of=as_of, months=3).by_currency["BRL"]
    r.line(
        f"Standard (accounting): receivables {r.money(add.receivables)} / sales of the last 3"
        f" months x days in them = {r.days(add.dso)}",
        f"Padrão (contábil): contas a receber {r.money(add.receivables)} / vendas dos últimos 3"
        f" meses x dias do período = {r.days(add.dso)}",
    )
    r.line(
        f"Countback: the latest months' sales that add up to the receivables cover"
        f" {r.days(cb.dso)}",
        f"Countback (retroativo): as vendas dos meses mais recentes que somam as contas a receber"
        f" cobrem {r.days(cb.dso)}",
    )
    r.line(
        f"Best possible DSO (only the current, not-yet-due part): {r.days(add.best_possible_dso)};"
        f" average days delinquent = standard - best = {r.days(add.average_days_delinquent)}",
        f"Melhor DSO possível (só a parte a vencer): {r.days(add.best_possible_dso)};"
        f" atraso médio = padrão - melhor = {r.days(add.average_days_delinquent)}",
    )
    cei_value = None if cei.cei is None else cei.cei / 100
    r.line(
        f"Collection effectiveness index (CEI, last 3 months): {r.rate(cei_value)}"
        " of what could be collected was collected",
        f"Índice de eficácia da cobrança (CEI, últimos 3 meses): {r.rate(cei_value)}"
        " do que podia ser cobrado foi recebido",
    )

    # ---- month by month -----------------------------------------------------------------
    r.section("Month by month (by issue month)", "Mês a mês (por mês de emissão)")
    dso_m = invoice_dso(log, as_of=as_of, freq="month")
    dun_m = dunning_rate(log, as_of=as_of, freq="month", letters_window="to_date")
    wo_m = write_off_ratio(log, as_of=as_of, freq="month")
    assert dso_m.groups is not None
    assert dun_m.groups is not None
    assert wo_m.groups is not None
    rows = []
    for period, summary in dso_m.groups.items():
        dun = dun_m.groups.get(period)
        wo = wo_m.groups.get(period)
        rows.append(
            [
                format_period(period, lang=lang),
                r.count(wo.invoices if wo is not None else 0),
                r.days(summary.mean),
                r.days(summary.median),
                r.rate(dun.rate if dun is not None else None),
                r.count(wo.written_off if wo is not None else 0),
            ]
        )
    r.table(
        [
            r.t("Month", "Mês"),
            r.t("Issued", "Emitidas"),
            r.t("DSO mean", "DSO médio"),
            r.t("DSO median", "DSO mediano"),
            r.t("Dunned", "Cobradas"),
            r.t("Written off", "Baixadas"),
        ],
        rows,
        "lrrrrr",
    )
    r.line(
        "DSO of recent months counts only the invoices paid by the report date;"
        " 'Dunned' is the share of the month's overdue invoices that got a letter.",
        "O DSO dos meses recentes conta só as faturas pagas até a data do relatório;"
        " 'Cobradas' é a parcela das faturas vencidas no mês que receberam aviso.",
    )

    # ---- aging --------------------------------------------------------------------------
    r.section(
        f"Aging as of {r.date(as_of)} (days past due)",
        f"Aging em {r.date(as_of)} (dias de atraso)",
    )
    ag = aging(log, as_of=as_of)
    rows = [
        [bucket_label(b, lang=lang), r.count(b.count), r.totals(b.amount) if b.amount else "—"]
        for b in ag.buckets
    ]
    rows.append([r.t("Total", "Total"), r.count(ag.count), r.totals(ag.amount)])
    r.table(
        [
            r.t("Bucket", "Faixa"),
            r.t("Invoices", "Faturas"),
            r.t("Open amount", "Valor em aberto"),
        ],
        rows,
        "lrr",
    )

    # ---- disputes, dunning, write-offs --------------------------------------------------
    r.section("Disputes, dunning, write-offs", "Disputas, régua de cobrança, baixas por perda")
    dr = dispute_resolution(log, as_of=as_of)
    rate = dispute_rate(log, as_of=as_of)
    r.line(
        f"Disputes: {r.rate(rate.rate)} of invoices disputed; {r.count(dr.resolved)} resolved"
        f" in a median {r.days(dr.summary.median)}, {r.count(dr.open)} still open",
        f"Disputas: {r.rate(rate.rate)} das faturas contestadas; {r.count(dr.resolved)}"
        f" resolvidas em {r.days(dr.summary.median)} (mediana), {r.count(dr.open)} em aberto",
    )
    dun_all = dunning_rate(log, as_of=as_of, letters_window="to_date")
    letters = format_number(dun_all.letters_per_overdue or 0.0, decimals=2, lang=lang)
    r.line(
        f"Dunning rate: {r.rate(dun_all.rate)} of {r.count(dun_all.overdue)} overdue invoices"
        f" got a letter ({letters} letters per overdue invoice)",
        f"Taxa de cobrança: {r.rate(dun_all.rate)} de {r.count(dun_all.overdue)} faturas"
        f" vencidas receberam aviso ({letters} avisos por fatura vencida)",
    )
    eff = dunning_effectiveness(log, as_of=as_of)
    r.table(
        [r.t("Highest level", "Nível máximo"), r.t("Invoices", "Faturas"), r.t("Paid", "Pagas")],
        [
            [str(level), r.count(st.invoices), r.rate(st.rate)]
            for level, st in eff.by_max_level.items()
        ],
        "rrr",
    )
    wo_all = write_off_ratio(log, as_of=as_of)
    r.line(
        f"Write-offs: {r.count(wo_all.written_off)} invoices ({r.rate(wo_all.count_ratio)}"
        f" by count), {r.totals(wo_all.written_off_amount)}",
        f"Baixas por perda: {r.count(wo_all.written_off)} faturas ({r.rate(wo_all.count_ratio)}"
        f" em quantidade), {r.totals(wo_all.written_off_amount)}",
    )

    # ---- Brazilian provider reports -------------------------------------------------------
    custs = synth.synth_customers(customers, seed=seed)
    contracts = synth.synth_contracts(custs, seed=seed, as_of=as_of)
    credits = synth.synth_credits(custs, seed=seed, as_of=as_of, foreign_share=0.0)

    r.section("Paid until (pago até): active contracts", "Pago até: contratos ativos")
    report = paid_until_status(contracts, as_of=as_of)
    r.table(
        [r.t("Status", "Situação"), r.t("Contracts", "Contratos")],
        [
            [enum_label(PaidUntilStatus(status), lang=lang), r.count(n)]
            for status, n in report.summary.counts.items()
        ],
        "lr",
    )
    r.line(
        f"Using the service while behind: {r.count(report.summary.using_without_payment)};"
        f" candidates for cancellation: {r.count(report.summary.cancel_candidates)}",
        f"Usando sem pagar: {r.count(report.summary.using_without_payment)};"
        f" candidatos a cancelamento: {r.count(report.summary.cancel_candidates)}",
    )
    dist = paid_until_distribution(contracts, as_of=as_of)
    lo, hi = dist.healthy_window
    r.line(
        f"Paid until within {lo:+d}..{hi:+d} months of the report month:"
        f" {r.rate(dist.healthy_share)} of active contracts",
        f"Pago até entre {lo:+d} e {hi:+d} meses do mês do relatório:"
        f" {r.rate(dist.healthy_share)} dos contratos ativos",
    )

    r.section("Prepaid customers report", "Relatório de clientes pré-pago")
    pre = prepaid_customers_report(contracts, custs, as_of=as_of)
    r.line(
        f"{r.count(pre.totals.contracts)} contracts of {r.count(pre.totals.customers)}"
        f" customers, total {r.totals(pre.totals.value)}; the first 8:",
        f"{r.count(pre.totals.contracts)} contratos de {r.count(pre.totals.customers)}"
        f" clientes, total {r.totals(pre.totals.value)}; os 8 primeiros:",
    )
    r.table(
        [
            r.t("Customer", "Cliente"),
            r.t("Plan", "Plano"),
            r.t("Value", "Valor"),
            r.t("Activated", "Ativação"),
            r.t("Renewal", "Renovação"),
        ],
        [
            [
                row.customer_name or "—",
                row.plan,
                r.money(row.value),
                r.date(row.activation_date),
                r.date(row.renewal_date),
            ]
            for row in pre.rows[:8]
        ],
        "llrll",
    )

    r.section("Customers without contact information", "Clientes sem contato informado")
    wc = customers_without_contact(custs, as_of=as_of)
    r.line(
        f"{r.count(wc.without_contact)} of {r.count(wc.customers)} customers"
        f" ({r.rate(wc.share)}) have no usable e-mail or phone",
        f"{r.count(wc.without_contact)} de {r.count(wc.customers)} clientes"
        f" ({r.rate(wc.share)}) sem e-mail nem telefone válido",
    )

    r.section("Cancelled credits", "Créditos cancelados")
    cc = cancelled_credits(credits, as_of=as_of, freq="quarter")
    r.line(
        f"{r.count(cc.count)} credits cancelled or refunded: {r.totals(cc.value)}",
        f"{r.count(cc.count)} créditos cancelados ou estornados: {r.totals(cc.value)}",
    )
    if cc.groups is not None:
        r.table(
            [r.t("Quarter", "Trimestre"), r.t("Credits", "Créditos"), r.t("Value", "Valor")],
            [
                [format_period(p, lang=lang), r.count(g.count), r.totals(g.value)]
                for p, g in cc.groups.items()
            ],
            "lrr",
        )
    print()

    if plots is None:
        return []
    charts: dict[str, tuple[Any, dict[str, Any]]] = {
        "aging": (ag, {}),
        "dso_distribution": (invoice_dso(log, as_of=as_of), {}),
        "dso_trend": (dso_m, {"kind": "trend"}),
        "disputes": (dr, {}),
        "dunning_funnel": (eff, {"kind": "funnel"}),
        "dunning_effectiveness": (eff, {}),
        "paid_until_status": (report, {}),
        "paid_until_distribution": (dist, {}),
        "cancelled_credits": (cc, {}),
        "contacts_trend": (customers_without_contact(custs, as_of=as_of, freq="quarter"), {}),
        "variants": (variants, {}),
        "directly_follows": (log.directly_follows(), {}),
    }
    written = _write_charts(charts, plots, lang)
    r.line(
        f"{len(written)} charts written to {plots}",
        f"{len(written)} gráficos gravados em {plots}",
    )
    return written


def _write_charts(
    charts: Mapping[str, tuple[Any, Mapping[str, Any]]], folder: Path, lang: Lang
) -> list[Path]:
    """Each result's chart as ``folder/<name>.png`` (the command line's only file output)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (result, options) in charts.items():
        ax = result.plot(lang=lang, **options)
        fig = ax.figure
        path = folder / f"{name}.png"
        fig.savefig(path, dpi=110, bbox_inches="tight")
        plt.close(fig)
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m kpicore``."""
    parser = argparse.ArgumentParser(
        prog="python -m kpicore",
        description=(
            "kpicore's command line. 'demo' prints a credit-and-collections KPI report"
            " on a deterministic synthetic internet-provider portfolio (BRL)."
        ),
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_demo = sub.add_parser(
        "demo",
        help="print a KPI report on deterministic synthetic data",
        description=(
            "Print a KPI report (DSO, aging, disputes, dunning, pago até, prepaid customers,"
            " credits) on a synthetic portfolio, as of 2024-12-31, in one language."
        ),
    )
    p_demo.add_argument("--lang", choices=["en", "pt-BR"], default="en", help="report language")
    p_demo.add_argument(
        "--plots",
        type=Path,
        metavar="DIR",
        help="also write the charts as PNG files into DIR (needs matplotlib)",
    )
    p_demo.add_argument("--invoices", type=int, default=5_000, help="number of invoices")
    p_demo.add_argument("--customers", type=int, default=800, help="number of customers")
    p_demo.add_argument("--seed", type=int, default=7, help="random seed (same seed, same data)")
    args = parser.parse_args(argv)
    commands: dict[str, Callable[[], object]] = {
        "demo": lambda: demo(
            invoices=args.invoices,
            customers=args.customers,
            seed=args.seed,
            lang=check_lang(args.lang),
            plots=args.plots,
        ),
    }
    commands[args.command]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
