"""kpicore.plot: what each chart draws equals the result's values (Agg backend, no pixels).

Every expected number is worked out by hand from the inputs (or counted with a
plain loop over the result's rows), never read back from the code under test.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import math
import re
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from kpicore import plot as kplot
from kpicore.errors import InvalidParameterError, MissingDependencyError
from kpicore.eventlog import EventLog
from kpicore.formatting import LABELS
from kpicore.kpis.contacts import customers_without_contact
from kpicore.kpis.credits import cancelled_credits
from kpicore.kpis.disputes import dispute_resolution
from kpicore.kpis.dso import invoice_dso
from kpicore.kpis.dunning import dunning_effectiveness
from kpicore.kpis.overdue import aging, days_overdue
from kpicore.kpis.paid_until import (
    PaidUntilStatus,
    PaidUntilSummary,
    paid_until_distribution,
    paid_until_status,
)
from kpicore.model import (
    Contact,
    Credit,
    Customer,
    Dispute,
    DunningLetter,
    Invoice,
    Payment,
)
from kpicore.money import Money
from kpicore.synth import synth_contracts, synth_credits, synth_customers, synth_invoices

BRL = "BRL"


def brl(amount: str | int) -> Money:
    return Money.of(amount, BRL)


def heights(ax: Any, container: int = 0) -> list[float]:
    return [float(p.get_height()) for p in ax.containers[container]]


def widths(ax: Any, container: int = 0) -> list[float]:
    return [float(p.get_width()) for p in ax.containers[container]]


def xticks(ax: Any) -> list[str]:
    return [t.get_text() for t in ax.get_xticklabels()]


def yticks(ax: Any) -> list[str]:
    return [t.get_text() for t in ax.get_yticklabels()]


def bar_texts(ax: Any) -> list[str]:
    """The texts written on the bars (bar_label annotations), in bar order."""
    return [t.get_text() for t in ax.texts if type(t).__name__ == "Annotation"]


def ydata(ax: Any, line: int = 0) -> list[float]:
    return [float(v) for v in np.asarray(ax.lines[line].get_ydata())]


def legend_texts(ax: Any) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def gid(artist: Any) -> str:
    return str(artist.get_gid() or "")


def free_texts(ax: Any) -> list[str]:
    return [t.get_text() for t in ax.texts if type(t).__name__ == "Text"]


# ---------------------------------------------------------------------------- aging


@pytest.fixture
def aged() -> Any:
    # as of 2024-03-15: F-1 due 2024-01-31 (44 days: 31-60), 30 paid -> open 70.00;
    # F-2 due 2024-03-31 (current) 1500.75; F-3 due 2023-10-31 (136 days: 90+) 20.00;
    # F-4 due 2024-03-01 (14 days: 1-30) 0.50; F-5 paid in full (closed, not aged)
    invs = [
        Invoice("F-1", "C1", "2024-01-01", "2024-01-31", brl(100),
                payments=[Payment("2024-02-10", brl(30))]),
        Invoice("F-2", "C1", "2024-03-01", "2024-03-31", brl("1500.75")),
        Invoice("F-3", "C2", "2023-10-01", "2023-10-31", brl(20)),
        Invoice("F-4", "C2", "2024-02-01", "2024-03-01", brl("0.50")),
        Invoice("F-5", "C3", "2024-02-01", "2024-03-01", brl(10),
                payments=[Payment("2024-02-05", brl(10))]),
    ]  # fmt: skip
    return aging(invs, as_of=dt.date(2024, 3, 15))


def test_aging_amount_bars(aged: Any) -> None:
    ax = kplot.plot_aging(aged)
    assert heights(ax) == [1500.75, 0.5, 70.0, 0.0, 20.0]
    assert xticks(ax) == ["Current", "1–30", "31–60", "61–90", "91+"]
    assert bar_texts(ax) == ["BRL 1,500.75", "BRL 0.50", "BRL 70.00", "BRL 0.00", "BRL 20.00"]
    assert ax.get_title() == "Accounts receivable aging"
    assert ax.get_xlabel() == "Days past due"
    assert ax.get_ylabel() == "Open amount (BRL)"


def test_aging_pt_br(aged: Any) -> None:
    ax = kplot.plot_aging(aged, lang="pt-BR")
    assert xticks(ax) == ["A vencer", "1–30 dias", "31–60 dias", "61–90 dias", "Acima de 90 dias"]
    assert bar_texts(ax) == ["R$ 1.500,75", "R$ 0,50", "R$ 70,00", "R$ 0,00", "R$ 20,00"]
    assert ax.get_title() == "Contas a receber por faixa de atraso"
    assert ax.get_ylabel() == "Valor em aberto (BRL)"
    ax.figure.canvas.draw()
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert "1.000" in ticks  # the pt-BR thousands separator on the value axis


def test_aging_count_and_invoice_anchor(aged: Any) -> None:
    ax = kplot.plot_aging(aged, measure="count")
    assert heights(ax) == [1, 1, 1, 0, 1]
    assert bar_texts(ax) == ["1", "1", "1", "0", "1"]
    assert ax.get_ylabel() == "Open invoices"
    inv = [Invoice("F-1", "C1", "2024-01-01", "2024-01-31", brl(5))]
    by_issue = aging(inv, as_of=dt.date(2024, 3, 15), anchor="invoice")  # 74 days: 61-90
    ax = kplot.plot_aging(by_issue, lang="pt-BR")
    assert heights(ax) == [0.0, 0.0, 5.0, 0.0]
    assert ax.get_xlabel() == "Dias desde a emissão"


def test_aging_currencies_are_never_mixed() -> None:
    invs = [
        Invoice("F-1", "C1", "2024-01-01", "2024-01-31", brl(100)),
        Invoice("F-2", "C1", "2024-03-01", "2024-03-31", Money.of(7, "USD")),
    ]
    r = aging(invs, as_of=dt.date(2024, 3, 15))
    with pytest.raises(InvalidParameterError, match=r"BRL, USD: .*currency="):
        kplot.plot_aging(r)
    ax = kplot.plot_aging(r, currency="USD", lang="pt-BR")
    assert heights(ax) == [7.0, 0.0, 0.0, 0.0, 0.0]
    assert bar_texts(ax)[0] == "US$ 7,00"
    assert ax.get_ylabel() == "Valor em aberto (USD)"


def test_aging_exact_labels_for_large_amounts() -> None:
    inv = [Invoice("F-1", "C1", "2024-03-01", "2024-03-31", Money(123456789012345678, BRL))]
    ax = kplot.plot_aging(aging(inv, as_of=dt.date(2024, 3, 15)), lang="pt-BR")
    assert bar_texts(ax)[0] == "R$ 1.234.567.890.123.456,78"  # exact, not the float


# ---------------------------------------------------------------------------- DSO


def dso_invoices() -> list[Invoice]:
    # first payment after issue: F-1 10 days, F-2 20 days (both January), F-3 6 days
    # (March), F-4 never paid (missing end); February has no invoice
    return [
        Invoice("F-1", "C1", "2024-01-02", "2024-02-01", brl(100),
                payments=[Payment("2024-01-12", brl(100))]),
        Invoice("F-2", "C2", "2024-01-10", "2024-02-09", brl(50),
                payments=[Payment("2024-01-30", brl(50))]),
        Invoice("F-3", "C2", "2024-03-05", "2024-04-04", brl(70),
                payments=[Payment("2024-03-11", brl(70))]),
        Invoice("F-4", "C3", "2024-03-06", "2024-04-05", brl(70)),
    ]  # fmt: skip


def test_dso_distribution_bins() -> None:
    r = invoice_dso(dso_invoices())
    ax = kplot.plot_dso_distribution(r, bins=[0, 5, 10, 15, 20, 25])
    # 6 in [5, 10); 10 in [10, 15); 20 in [20, 25]
    assert heights(ax) == [0, 1, 1, 0, 1]
    legend = legend_texts(ax)
    assert legend == ["Mean: 12.0 days", "Median: 10.0 days"]  # (10 + 20 + 6) / 3
    assert [float(np.asarray(line.get_xdata())[0]) for line in ax.lines] == [12.0, 10.0]
    assert ax.get_title() == "Days to pay per invoice"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Days", "Invoices")


def test_dso_distribution_pt_br() -> None:
    invs = [
        *dso_invoices()[:2],
        Invoice("F-9", "C9", "2024-01-01", "2024-01-31", brl(1),
                payments=[Payment("2024-01-01T12:00:00Z", brl(1))]),
    ]  # fmt: skip
    ax = kplot.plot_dso_distribution(invoice_dso(invs), lang="pt-BR", bins=4)
    legend = legend_texts(ax)
    assert legend == ["Média: 10,2 dias", "Mediana: 10,0 dias"]  # (10 + 20 + 0.5) / 3
    assert ax.get_title() == "Dias para pagamento por fatura"
    assert sum(heights(ax)) == 3


def test_dso_trend_by_month() -> None:
    r = invoice_dso(dso_invoices(), freq="month")
    ax = kplot.plot_dso_trend(r)
    assert xticks(ax) == ["Jan 2024", "Feb 2024", "Mar 2024"]
    y = ydata(ax)
    assert y[0] == 15.0
    assert math.isnan(y[1])  # no invoice in February: a gap, not a zero
    assert y[2] == 6.0
    assert ax.get_title() == "Days to pay by month"
    assert r.groups is not None
    ax = kplot.plot_dso_trend(r.groups, stat="median", lang="pt-BR")  # the Breakdown itself
    assert xticks(ax) == ["jan/2024", "fev/2024", "mar/2024"]
    assert ax.get_title() == "Dias para pagamento por mês"
    assert ax.lines[0].get_label() == "Mediana"


def test_dso_trend_by_customer_and_month() -> None:
    r = invoice_dso(dso_invoices(), by=lambda inv: inv.customer_id, freq="month")
    ax = kplot.plot_dso_trend(r)
    lines = {ax.lines[i].get_label(): ydata(ax, i) for i in range(len(ax.lines))}
    assert set(lines) == {"C1", "C2", "C3"}
    assert lines["C1"][0] == 10.0
    assert lines["C2"][0] == 20.0
    assert lines["C2"][2] == 6.0
    assert math.isnan(lines["C3"][2])  # C3's only invoice has no payment


def test_dso_trend_needs_freq() -> None:
    with pytest.raises(InvalidParameterError, match="freq="):
        kplot.plot_dso_trend(invoice_dso(dso_invoices()))
    with pytest.raises(InvalidParameterError, match="freq="):
        kplot.plot_dso_trend(invoice_dso(dso_invoices(), by=lambda inv: inv.customer_id))
    with pytest.raises(InvalidParameterError, match="stat="):
        kplot.plot_dso_trend(invoice_dso(dso_invoices(), freq="month"), stat="max")


def test_dso_trend_many_months_thins_ticks() -> None:
    r = invoice_dso(synth_invoices(400, seed=11), freq="week")
    ax = kplot.plot_dso_trend(r)
    n_points = len(ydata(ax))
    assert n_points > 18
    assert len(xticks(ax)) <= 19
    assert r.groups is not None
    assert xticks(ax)[0] == min(r.groups).label  # ISO week label, e.g. '2024-W01'


# ---------------------------------------------------------------------------- disputes


def test_dispute_resolution_histogram() -> None:
    invs = [
        Invoice("F-1", "C1", "2024-01-01", "2024-01-31", brl(1),
                disputes=[Dispute("2024-01-05", resolved_at="2024-01-15")]),  # 10 days
        Invoice("F-2", "C1", "2024-01-01", "2024-01-31", brl(1),
                disputes=[Dispute("2024-01-05", resolved_at="2024-01-08")]),  # 3 days
        Invoice("F-3", "C2", "2024-01-01", "2024-01-31", brl(1),
                disputes=[Dispute("2024-01-05")]),  # open
    ]  # fmt: skip
    r = dispute_resolution(invs)
    ax = kplot.plot_dispute_resolution(r, bins=[0, 5, 10, 15])
    assert heights(ax) == [1, 0, 1]
    assert legend_texts(ax) == [
        "Mean: 6.5 days",
        "Median: 6.5 days",
        "2 resolved, 1 open (not drawn)",
    ]
    ax = kplot.plot_dispute_resolution(r, lang="pt-BR")
    assert legend_texts(ax)[-1] == "2 resolvidas, 1 em aberto (fora do gráfico)"
    assert ax.get_title() == "Tempo de resolução de disputas"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Dias para resolver", "Disputas")


# ---------------------------------------------------------------------------- dunning


@pytest.fixture
def dunned() -> Any:
    # F-1: letter 1, paid after; F-2: letters 1 and 2, paid after both; F-3: letter 1,
    # never paid; F-4: paid without a letter
    invs = [
        Invoice("F-1", "C1", "2024-01-01", "2024-01-31", brl(10),
                dunning_letters=[DunningLetter(1, "2024-02-05")],
                payments=[Payment("2024-02-10", brl(10))]),
        Invoice("F-2", "C1", "2024-01-01", "2024-01-31", brl(10),
                dunning_letters=[DunningLetter(1, "2024-02-05"), DunningLetter(2, "2024-02-20")],
                payments=[Payment("2024-03-01", brl(10))]),
        Invoice("F-3", "C2", "2024-01-01", "2024-01-31", brl(10),
                dunning_letters=[DunningLetter(1, "2024-02-05")]),
        Invoice("F-4", "C3", "2024-01-01", "2024-01-31", brl(10),
                payments=[Payment("2024-01-20", brl(10))]),
    ]  # fmt: skip
    return dunning_effectiveness(invs, as_of=dt.date(2024, 6, 30))


def test_dunning_funnel(dunned: Any) -> None:
    ax = kplot.plot_dunning_funnel(dunned)
    assert widths(ax) == [4, 3, 1]
    assert yticks(ax) == ["Issued", "Level 1", "Level 2"]
    assert bar_texts(ax) == ["4 (100.0%)", "3 (75.0%)", "1 (25.0%)"]
    lefts = [float(p.get_x()) for p in ax.containers[0]]
    assert lefts == [0.0, 0.5, 1.5]  # centred on the widest bar
    ax = kplot.plot_dunning_funnel(dunned, lang="pt-BR")
    assert yticks(ax) == ["Emitidas", "Nível 1", "Nível 2"]
    assert bar_texts(ax) == ["4 (100,0%)", "3 (75,0%)", "1 (25,0%)"]
    assert ax.get_title() == "Funil de cobrança"


def test_dunning_effectiveness(dunned: Any) -> None:
    ax = kplot.plot_dunning_effectiveness(dunned)
    assert heights(ax) == [2 / 3, 1.0]
    assert xticks(ax) == ["1", "2"]
    assert bar_texts(ax) == ["66.7%\n2/3", "100.0%\n1/1"]
    ax = kplot.plot_dunning_effectiveness(dunned, measure="rate_by_max_level", lang="pt-BR")
    assert xticks(ax) == ["0", "1", "2"]
    assert heights(ax) == [1.0, 0.5, 1.0]  # F-4 | F-1, F-3 | F-2
    assert bar_texts(ax) == ["100,0%\n1/1", "50,0%\n1/2", "100,0%\n1/1"]
    assert ax.get_xlabel() == "Nível de cobrança"
    ax.figure.canvas.draw()
    assert yticks(ax)[:3] == ["0%", "20%", "40%"]


# ---------------------------------------------------------------------------- pago até


def test_paid_until_status_by_hand() -> None:
    summary = PaidUntilSummary(10, {"current": 6, "behind": 3, "ahead": 1, "never_paid": 0}, 2, 1)
    ax = kplot.plot_paid_until_status(summary, lang="pt-BR")
    assert heights(ax) == [6, 3, 1, 0]
    assert xticks(ax) == ["Em dia", "Em atraso", "Adiantado", "Nunca pago"]
    assert bar_texts(ax) == ["6 (60,0%)", "3 (30,0%)", "1 (10,0%)", "0 (0,0%)"]
    assert ax.get_title() == "Situação do pago até"
    ax = kplot.plot_paid_until_status(summary)
    assert xticks(ax) == ["Current", "Behind", "Ahead", "Never paid"]


@pytest.fixture(scope="module")
def contracts() -> Any:
    return synth_contracts(synth_customers(300, seed=8), seed=8)


def test_paid_until_status_counts_rows(contracts: Any) -> None:
    r = paid_until_status(contracts, as_of=dt.date(2024, 12, 31))
    tally = Counter(row.status.value for row in r.rows)  # a loop over the rows
    ax = kplot.plot(r)
    assert heights(ax) == [tally[s.value] for s in PaidUntilStatus]
    assert sum(heights(ax)) == len(r.rows)


def test_paid_until_advance(contracts: Any) -> None:
    as_of = dt.date(2024, 12, 31)
    dist = paid_until_distribution(contracts, as_of=as_of)
    rows = paid_until_status(contracts, as_of=as_of).rows
    offsets = Counter(r.month_offset for r in rows if r.month_offset is not None)
    never = sum(1 for r in rows if r.paid_until is None)
    ax = kplot.plot_paid_until_advance(dist, lang="pt-BR")
    bars = ax.containers[0]
    drawn = {round(float(p.get_x() + p.get_width() / 2)): float(p.get_height()) for p in bars}
    assert {k: v for k, v in drawn.items() if v} == dict(offsets)
    low, high = dist.healthy_window
    assert all(drawn[o] == offsets.get(o, 0) for o in range(low, high + 1))
    assert xticks(ax) == [f"{b.offset:+d}" if b.offset else "0" for b in dist.bins]
    assert legend_texts(ax) == ["Janela saudável", f"Nunca pago (fora do gráfico): {never}"]
    span: Any = ax.patches[0]  # the shaded healthy window
    assert span.get_x() == low - 0.5
    assert span.get_width() == high - low + 1


# ---------------------------------------------------------------------------- credits


@pytest.fixture
def credits() -> list[Credit]:
    return [
        Credit("CR1", "C1", brl(50), brl(20), "2024-01-05", "cancelled",
               cancelled_at="2024-01-31", reason="bônus"),  # 30.00 unused, January
        Credit("CR2", "C2", brl(30), brl(0), "2024-01-10", "refunded",
               cancelled_at="2024-03-01", reason="duplicidade"),  # 30.00, March
        Credit("CR3", "C2", brl("12.50"), brl(0), "2024-01-10", "cancelled",
               cancelled_at="2024-03-20", reason="bônus"),  # 12.50, March
        Credit("CR4", "C3", brl(10), brl(0), "2024-01-10", "expired",
               cancelled_at="2024-02-01"),  # expired: not counted
    ]  # fmt: skip


def test_cancelled_credits_by_month(credits: list[Credit]) -> None:
    r = cancelled_credits(credits, freq="month")
    ax = kplot.plot_cancelled_credits(r, lang="pt-BR")
    assert xticks(ax) == ["jan/2024", "fev/2024", "mar/2024"]
    assert heights(ax) == [30.0, 0.0, 42.5]
    assert ax.get_ylabel() == "Saldo não utilizado (BRL)"
    assert ax.get_title() == "Créditos cancelados"
    ax = kplot.plot_cancelled_credits(r, measure="count")
    assert heights(ax) == [1, 0, 2]


def test_cancelled_credits_by_reason(credits: list[Credit]) -> None:
    r = cancelled_credits(credits, by="reason")
    ax = kplot.plot_cancelled_credits(r, lang="pt-BR")
    assert xticks(ax) == ["bônus", "duplicidade"]
    assert heights(ax) == [42.5, 30.0]
    assert bar_texts(ax) == ["R$ 42,50", "R$ 30,00"]
    assert ax.get_xlabel() == "Motivo"


def test_cancelled_credits_by_reason_and_month(credits: list[Credit]) -> None:
    r = cancelled_credits(credits, by="reason", freq="month")
    ax = kplot.plot_cancelled_credits(r)
    series = {c.get_label(): [float(p.get_height()) for p in c] for c in ax.containers}
    assert series == {"bônus": [30.0, 0.0, 12.5], "duplicidade": [0.0, 0.0, 30.0]}
    bottoms = [float(p.get_y()) for p in ax.containers[1]]
    assert bottoms == [30.0, 0.0, 12.5]  # stacked on the first reason
    legend: Any = ax.get_legend()
    assert legend.get_title().get_text() == "Reason"


def test_cancelled_credits_without_groups(credits: list[Credit]) -> None:
    r = cancelled_credits(credits)
    ax = kplot.plot_cancelled_credits(r, lang="pt-BR")
    assert xticks(ax) == ["Cancelado", "Reembolsado"]
    assert heights(ax) == [2, 1]
    with pytest.raises(InvalidParameterError, match="by='status'"):
        kplot.plot_cancelled_credits(r, measure="value")


def test_cancelled_credits_currencies(credits: list[Credit]) -> None:
    usd = Credit("CR9", "C9", Money.of(5, "USD"), Money.of(0, "USD"), "2024-01-05",
                 "cancelled", cancelled_at="2024-02-02")  # fmt: skip
    r = cancelled_credits([*credits, usd], freq="month")
    with pytest.raises(InvalidParameterError, match="currency="):
        kplot.plot_cancelled_credits(r)
    ax = kplot.plot_cancelled_credits(r, currency="USD")
    assert heights(ax) == [0.0, 5.0, 0.0]


# ---------------------------------------------------------------------------- contacts


def test_contacts_trend() -> None:
    mail = Contact("email", "ana@example.com")

    def customer(cid: str, created: str, contacts: tuple[Contact, ...]) -> Customer:
        return Customer(cid, f"Cliente {cid}", contacts=contacts, created_at=created)

    customers = [
        customer("C1", "2024-01-03", (mail,)),
        customer("C2", "2024-01-20", ()),  # January: 1 of 2 without contact
        customer("C3", "2024-03-02", ()),  # February: nobody; March: 2 of 2 without
        customer("C4", "2024-03-09", (Contact("email", "not-an-email"),)),
    ]
    r = customers_without_contact(customers, as_of=dt.date(2024, 6, 30), freq="month")
    ax = kplot.plot_contacts_trend(r, lang="pt-BR")
    y = ydata(ax)
    assert y[0] == 0.5
    assert math.isnan(y[1])
    assert y[2] == 1.0
    assert xticks(ax) == ["jan/2024", "fev/2024", "mar/2024"]
    assert ax.get_title() == "Clientes sem contato válido"
    ax = kplot.plot_contacts_trend(r, measure="count")
    assert heights(ax, 0) == [2, 0, 2]  # registered (background)
    assert heights(ax, 1) == [1, 0, 2]  # without contact
    with pytest.raises(InvalidParameterError, match="freq="):
        kplot.plot_contacts_trend(customers_without_contact(customers, as_of=dt.date(2024, 6, 30)))


# ---------------------------------------------------------------------------- event log


@pytest.fixture
def log() -> EventLog:
    # 1: G, P, S; 2: G, P, S; 3: G, L, P, S; 4: G, "Boleto Impresso", L, L
    cases = ["1"] * 3 + ["2"] * 3 + ["3"] * 4 + ["4"] * 4
    acts = (["Invoice Generated", "Payment Received", "Invoice Settled"] * 2
            + ["Invoice Generated", "Collection Letter Generated", "Payment Received",
               "Invoice Settled"]
            + ["Invoice Generated", "Boleto Impresso", "Collection Letter Generated",
               "Collection Letter Generated"])  # fmt: skip
    ts = [f"2024-01-{d:02d}T00:00Z" for d in (1, 5, 6, 1, 7, 8, 1, 9, 12, 13, 1, 2, 10, 20)]
    return EventLog.from_columns(case=cases, activity=acts, timestamp=ts)


def test_variants_top_k(log: EventLog) -> None:
    ax = kplot.plot_variants(log.variants(), wrap=0)
    assert widths(ax) == [2, 1, 1]
    names = yticks(ax)
    assert names[0] == "Invoice Generated → Payment Received → Invoice Settled"
    assert set(names[1:]) == {
        "Invoice Generated → Collection Letter Generated → Payment Received → Invoice Settled",
        "Invoice Generated → Boleto Impresso → Collection Letter Generated → "
        "Collection Letter Generated",
    }
    ax = kplot.plot_variants(log.variants(), top=1, lang="pt-BR")
    assert yticks(ax) == ["Fatura Gerada → Pagamento Recebido → Fatura Quitada"]
    assert widths(ax) == [2]
    assert free_texts(ax) == ["2 outras variantes com 2 casos (fora do gráfico)"]
    ax = kplot.plot_variants(log.variants(), wrap=30)
    assert all(len(line) <= 30 for line in yticks(ax)[0].split("\n"))
    assert yticks(ax)[0].replace("\n", " ") == names[0]
    with pytest.raises(InvalidParameterError, match="top="):
        kplot.plot_variants(log.variants(), top=0)


def test_dfg_nodes_and_arrows(log: EventLog) -> None:
    ax = kplot.plot_dfg(log.directly_follows(), lang="pt-BR")
    nodes = {gid(t): t.get_text() for t in ax.texts if gid(t) and "->" not in gid(t)}
    assert nodes == {
        "Invoice Generated": "Fatura Gerada\n4",
        "Payment Received": "Pagamento Recebido\n3",
        "Invoice Settled": "Fatura Quitada\n3",
        "Collection Letter Generated": "Carta de Cobrança\nGerada\n3",
        "Boleto Impresso": "Boleto Impresso\n1",
    }
    arrows = {gid(p): float(p.get_linewidth()) for p in ax.patches if gid(p)}
    expected_counts = {
        "Invoice Generated -> Payment Received": 2,
        "Payment Received -> Invoice Settled": 3,
        "Invoice Generated -> Collection Letter Generated": 1,
        "Collection Letter Generated -> Payment Received": 1,
        "Invoice Generated -> Boleto Impresso": 1,
        "Boleto Impresso -> Collection Letter Generated": 1,
        "Collection Letter Generated -> Collection Letter Generated": 1,
    }
    # the widest arrow is Start -> Invoice Generated (4 cases): width 0.8 + 4.2 * c / 4
    assert arrows == pytest.approx({k: 0.8 + 4.2 * c / 4 for k, c in expected_counts.items()})
    labels = {gid(t)[: -len(" count")]: t.get_text() for t in ax.texts
              if gid(t).endswith(" count")}  # fmt: skip
    assert labels == {k: str(c) for k, c in expected_counts.items()}
    specials = sorted(t.get_text() for t in ax.texts if t.get_text() in ("Início", "Fim"))
    assert specials == ["Fim", "Início"]
    assert ax.get_title() == "Grafo de sucessão direta"


def test_dfg_layers_and_min_count(log: EventLog) -> None:
    ax = kplot.plot_dfg(log.directly_follows(), min_count=2, start_end=False)
    drawn = sorted(gid(p) for p in ax.patches if gid(p))
    assert drawn == [
        "Invoice Generated -> Payment Received",
        "Payment Received -> Invoice Settled",
    ]
    assert free_texts(ax)[-1] == "5 arcs with fewer than 2 occurrences not drawn"
    y = {gid(t): t.get_position()[1] for t in ax.texts if gid(t) and "->" not in gid(t)}
    assert y["Invoice Generated"] > y["Payment Received"] > y["Invoice Settled"]
    assert not [t for t in ax.texts if t.get_text() in ("Start", "End")]


# ---------------------------------------------------------------------------- dispatch


def test_registry_covers_every_chart() -> None:
    functions = {f for kinds in kplot.KINDS.values() for f in kinds.values()}
    public = {getattr(kplot, n) for n in kplot.__all__ if n.startswith("plot_")}
    assert functions == public
    assert set(kplot.REGISTRY) == set(kplot.KINDS)
    for cls, default in kplot.REGISTRY.items():
        assert next(iter(kplot.KINDS[cls].values())) is default


def test_plot_dispatches_by_type_and_kind(aged: Any, dunned: Any) -> None:
    assert kplot.plot(aged).get_title() == "Accounts receivable aging"
    assert kplot.plot(dunned).get_title() == "Paid after the letter, by dunning level"
    assert kplot.plot(dunned, kind="funnel", lang="pt-BR").get_title() == "Funil de cobrança"
    r = invoice_dso(dso_invoices(), freq="month")
    assert kplot.plot(r, kind="trend").get_title() == "Days to pay by month"
    with pytest.raises(InvalidParameterError, match=r"kind='pie'.*'distribution', 'trend'"):
        kplot.plot(r, kind="pie")
    with pytest.raises(InvalidParameterError, match="no chart for a dict"):
        kplot.plot({})


def test_plot_on_given_axes_and_options(aged: Any) -> None:
    _, axes = plt.subplots(1, 2)
    out = kplot.plot(aged, ax=axes[1], title="Carteira", color="red", measure="count")
    assert out is axes[1]
    assert out.get_title() == "Carteira"
    assert heights(out) == [1, 1, 1, 0, 1]
    assert matplotlib.colors.to_hex(out.containers[0][0].get_facecolor()) == "#ff0000"
    assert not axes[0].patches
    assert kplot.plot(aged, title="").get_title() == ""
    ax = kplot.plot(aged, figsize=(3.0, 2.0))
    fig: Any = ax.figure
    assert tuple(fig.get_size_inches()) == (3.0, 2.0)


def test_bad_arguments(aged: Any, dunned: Any) -> None:
    with pytest.raises(InvalidParameterError, match=r"unknown chart option.*'colour'"):
        kplot.plot(aged, colour="red")
    with pytest.raises(InvalidParameterError, match="lang='pt'"):
        kplot.plot(aged, lang="pt")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="measure="):
        kplot.plot_aging(aged, measure="share")
    with pytest.raises(InvalidParameterError, match="plot_aging draws a Aging, got"):
        kplot.plot_aging(dunned)
    with pytest.raises(InvalidParameterError, match="title="):
        kplot.plot(aged, title=3)


def test_missing_matplotlib(monkeypatch: pytest.MonkeyPatch, aged: Any) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)  # import fails
    with pytest.raises(MissingDependencyError, match=r"pip install 'kpicore\[plot\]'"):
        kplot.plot(aged)
    with pytest.raises(ImportError):
        kplot.plot_aging(aged)


def test_import_does_not_load_matplotlib() -> None:
    code = "import sys, kpicore, kpicore.plot; print('matplotlib' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={"PYTHONPATH": ":".join(sys.path)},
    )  # fmt: skip
    assert out.stdout.strip() == "False"


def all_texts(ax: Any) -> list[str]:
    """Every string a chart shows: title, axis labels, ticks, texts and legend."""
    out = [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
    out += xticks(ax) + yticks(ax) + [t.get_text() for t in ax.texts]
    legend = ax.get_legend()
    if legend is not None:
        out += [t.get_text() for t in legend.get_texts()] + [legend.get_title().get_text()]
    return [t for t in out if t]


# English-only words of the catalogue (and the bits of labels that templates leave)
ENGLISH = {
    pair["en"]
    for pair in LABELS.values()
    if pair["en"] != pair["pt-BR"] and "{" not in pair["en"] and len(pair["en"]) > 3
} | {"per invoice", " by ", "not drawn", "other variants", "resolved"}
ENGLISH_DECIMAL = re.compile(r"\d\.\d{1,2}(?!\d)|\d,\d{3}")  # 27.4 or 1,234


@pytest.fixture(scope="module")
def every_chart() -> list[tuple[Any, str | None, dict[str, Any]]]:
    as_of = dt.date(2024, 9, 30)
    invs = synth_invoices(500, seed=12)
    people = synth_customers(300, seed=12)
    contracts = synth_contracts(people, seed=12)
    log = EventLog.from_invoices(invs)
    end = dt.date(2024, 12, 31)
    brl_only: dict[str, Any] = {"currency": "BRL"}
    return [
        (aging(invs, as_of=as_of), None, {}),
        (aging(invs, as_of=as_of), None, {"measure": "count"}),
        (invoice_dso(invs), None, {}),
        (invoice_dso(invs, freq="month"), "trend", {}),
        (invoice_dso(invs, freq="quarter", by=lambda i: i.customer_id[:2]), "trend", {}),
        (days_overdue(invs, as_of=as_of), None, {}),
        (dispute_resolution(invs), None, {}),
        (dunning_effectiveness(invs, as_of=as_of), None, {}),
        (dunning_effectiveness(invs, as_of=as_of), None, {"measure": "rate_by_max_level"}),
        (dunning_effectiveness(invs, as_of=as_of), "funnel", {}),
        (paid_until_status(contracts, as_of=end), None, {}),
        (paid_until_distribution(contracts, as_of=end), None, {}),
        (cancelled_credits(synth_credits(people, seed=12), freq="month"), None, brl_only),
        (cancelled_credits(synth_credits(people, seed=12), by="reason"), None, brl_only),
        (cancelled_credits(synth_credits(people, seed=12)), None, {}),
        (customers_without_contact(people, as_of=end, freq="quarter"), None, {}),
        (customers_without_contact(people, as_of=end, freq="year"), None, {"measure": "count"}),
        (log.variants(), None, {}),
        (log.directly_follows(), None, {}),
    ]


def test_every_chart_draws_in_both_languages(every_chart: Any) -> None:
    """Every chart of synthetic data drawn through to pixels, in en and in pt-BR only."""
    for result, kind, options in every_chart:
        ax = kplot.plot(result, kind=kind, lang="en", **options)
        ax.figure.canvas.draw()
        english = all_texts(ax)
        assert english[0]  # a title
        ax = kplot.plot(result, kind=kind, lang="pt-BR", **options)
        ax.figure.canvas.draw()
        portuguese = all_texts(ax)
        assert portuguese != english
        for text in portuguese:
            found = [w for w in ENGLISH if re.search(rf"\b{re.escape(w.strip())}\b", text)]
            assert not found, (type(result).__name__, text)
            assert not ENGLISH_DECIMAL.search(text), (type(result).__name__, text)
        plt.close("all")


def test_metric_titles_and_units() -> None:
    invs = dso_invoices()
    late = days_overdue(invs, as_of=dt.date(2024, 4, 30))
    ax = kplot.plot(late, lang="pt-BR")
    assert ax.get_title() == "Dias em atraso por fatura"
    ax = kplot.plot(invoice_dso(invs, days="business"))
    assert ax.get_xlabel() == "Business days"
    ax = kplot.plot(
        invoice_dso(invs, until="settlement", freq="quarter"), kind="trend", lang="pt-BR"
    )
    assert ax.get_title() == "Dias até a quitação por trimestre"
    ax = kplot.plot(invoice_dso(invs, by="customer", freq="month"), kind="trend", lang="pt-BR")
    legend: Any = ax.get_legend()
    assert legend.get_title().get_text() == "Cliente"


# ---------------------------------------------------------------------------- real data

IBM = Path(__file__).parents[1] / "examples" / "data" / "ibm-accounts-receivable.csv"


def _us_date(text: str) -> dt.date:
    month, day, year = (int(p) for p in text.split("/"))
    return dt.date(year, month, day)


@pytest.fixture(scope="module")
def ibm() -> tuple[list[dict[str, str]], list[Invoice]]:
    with IBM.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    invs = []
    for r in rows:
        amount = Money.of(r["InvoiceAmount"], "USD")
        settled = _us_date(r["SettledDate"])
        invs.append(
            Invoice(r["invoiceNumber"], r["customerID"], _us_date(r["InvoiceDate"]),
                    _us_date(r["DueDate"]), amount, payments=[Payment(settled, amount)])
        )  # fmt: skip
    return rows, invs


def test_ibm_aging_chart_equals_a_loop_over_the_csv(ibm: Any) -> None:
    rows, invs = ibm
    as_of = dt.date(2013, 6, 30)
    totals = dict.fromkeys(["current", "1-30", "31-60", "61-90", "91+"], Decimal(0))
    for r in rows:  # open on as_of: issued by then, settled after it
        if _us_date(r["InvoiceDate"]) <= as_of < _us_date(r["SettledDate"]):
            age = (as_of - _us_date(r["DueDate"])).days
            key = (
                "current" if age <= 0 else "1-30" if age <= 30 else "31-60" if age <= 60
                else "61-90" if age <= 90 else "91+"
            )  # fmt: skip
            totals[key] += Decimal(r["InvoiceAmount"])
    assert sum(totals.values()) > 0
    ax = kplot.plot_aging(aging(invs, as_of=as_of))
    assert heights(ax) == pytest.approx([float(v) for v in totals.values()])
    assert bar_texts(ax) == [f"USD {v:,.2f}" for v in totals.values()]


def test_ibm_dso_trend_equals_monthly_mean_days_to_settle(ibm: Any) -> None:
    rows, invs = ibm
    by_month: dict[tuple[int, int], list[int]] = {}
    for r in rows:
        issued = _us_date(r["InvoiceDate"])
        by_month.setdefault((issued.year, issued.month), []).append(int(r["DaysToSettle"]))
    months = sorted(by_month)
    ax = kplot.plot_dso_trend(invoice_dso(invs, freq="month"))
    assert ydata(ax) == pytest.approx([sum(v) / len(v) for v in (by_month[m] for m in months)])
    first, last = months[0], months[-1]
    assert len(ydata(ax)) == (last[0] - first[0]) * 12 + last[1] - first[1] + 1
    ax = kplot.plot_dso_distribution(invoice_dso(invs), bins=[0, 15, 30, 45, 60, 200])
    edges = [0, 15, 30, 45, 60, 200]
    days = [int(r["DaysToSettle"]) for r in rows]
    expected = [
        sum(1 for d in days if lo <= d < hi or (hi == edges[-1] and d == hi))
        for lo, hi in itertools.pairwise(edges)
    ]
    assert heights(ax) == expected
    assert sum(expected) == len(rows)
