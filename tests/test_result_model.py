"""The shared result model: every result class derives from Result, and its tables,
frames, reprs and HTML views carry the result's own numbers (worked by hand here)."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import json
import pkgutil

import attrs
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import kpicore
from kpicore.errors import InvalidParameterError
from kpicore.eventlog import EventLog
from kpicore.kpis import aging, dunning_rate, invoice_dso, standard_dso
from kpicore.model import Invoice, Payment
from kpicore.money import Money
from kpicore.results import Breakdown, Result
from kpicore.summary import Summary
from kpicore.synth import synth_invoices

AS_OF = dt.date(2024, 5, 15)


def _brl(s: str) -> Money:
    return Money.of(s, "BRL")


@pytest.fixture(scope="module")
def invoices() -> list[Invoice]:
    # README's three invoices: F-1 paid on time, F-2 partly paid (49.90 open, 41 days
    # past its 4 April due date on 15 May), F-3 open (14 days past its 1 May due date)
    return [
        Invoice(
            "F-1",
            "C1",
            "2024-03-01",
            "2024-03-31",
            _brl("150.00"),
            payments=[Payment("2024-03-20", _brl("150.00"))],
        ),
        Invoice(
            "F-2",
            "C2",
            "2024-03-05",
            "2024-04-04",
            _brl("89.90"),
            payments=[Payment("2024-04-10", _brl("40.00"))],
        ),
        Invoice("F-3", "C1", "2024-04-01", "2024-05-01", _brl("150.00")),
    ]


# ------------------------------------------------------------------ every class on the base


def _result_classes() -> list[type]:
    found: dict[str, type] = {}
    for mod in pkgutil.walk_packages(kpicore.__path__, "kpicore."):
        if mod.name.endswith(("__main__", "plot")):
            continue
        module = importlib.import_module(mod.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and attrs.has(cls) and "to_dict" in dir(cls):
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return list(found.values())


# values (not results): they keep their own repr and have no tables
_VALUES = {"Money", "Period", "Summary", "QuantileSketch"}


def test_every_result_class_derives_from_the_shared_model() -> None:
    classes = [c for c in _result_classes() if c.__name__ not in _VALUES]
    assert len(classes) > 60  # the KPI results, their groups, the event-log results
    missing = [c.__qualname__ for c in classes if not issubclass(c, Result)]
    assert missing == []


def test_result_classes_keep_the_short_repr() -> None:
    # attrs would generate a long repr over the base's unless repr=False (or own repr)
    long_repr = [
        c.__qualname__
        for c in _result_classes()
        if issubclass(c, Result)
        and c.__repr__ is not Result.__repr__
        and "__repr__" not in vars(c)
    ]
    assert long_repr == []
    generated = [
        c.__qualname__
        for c in _result_classes()
        if issubclass(c, Result)
        and "__repr__" in vars(c)
        and getattr(vars(c)["__repr__"], "__module__", "") == "attr._make"
    ]
    assert generated == []


# ----------------------------------------------------------------------- tables and frames


def test_aging_buckets_table_holds_the_hand_worked_buckets(invoices: list[Invoice]) -> None:
    r = aging(invoices, as_of=AS_OF)
    assert r.tables[0] == "buckets"
    rows = r.to_records()
    assert [row["key"] for row in rows] == ["current", "1-30", "31-60", "61-90", "91+"]
    assert [row["count"] for row in rows] == [0, 1, 1, 0, 0]
    # F-3 (14 days): 150.00 open; F-2 (41 days): 49.90 open; empty buckets hold zero
    assert [row["amount_minor_BRL"] for row in rows] == [0, 15000, 4990, 0, 0]
    assert [row["amount_BRL"] for row in rows] == [0.0, 150.0, 49.9, 0.0, 0.0]
    assert rows[1]["label_pt"] == "1–30 dias"


def test_frames_of_every_backend_agree(invoices: list[Invoice]) -> None:
    r = aging(invoices, as_of=AS_OF)
    pdf = r.to_pandas()
    assert isinstance(pdf, pd.DataFrame)
    assert pdf["amount_minor_BRL"].dtype == np.int64
    assert pdf["amount_minor_BRL"].tolist() == [0, 15000, 4990, 0, 0]
    plf = r.to_polars()
    assert isinstance(plf, pl.DataFrame)
    assert plf["amount_minor_BRL"].to_list() == [0, 15000, 4990, 0, 0]
    assert plf.dtypes[plf.columns.index("amount_minor_BRL")] == pl.Int64
    tbl = r.to_arrow()
    assert isinstance(tbl, pa.Table)
    assert tbl.column("count").to_pylist() == [0, 1, 1, 0, 0]
    assert r.to_frame(backend="arrow").equals(tbl)


def test_total_table_is_one_row_of_headline_figures(invoices: list[Invoice]) -> None:
    r = aging(invoices, as_of=AS_OF)
    (row,) = r.to_records("total")
    assert row["count"] == 2
    assert row["amount_minor_BRL"] == 15000 + 4990
    assert row["coverage_used"] == 2
    assert row["coverage_closed"] == 1  # F-1
    assert row["as_of"] == AS_OF
    assert "groups" not in row
    assert "buckets" not in row


def test_grouped_aging_has_one_row_per_group_and_bucket(invoices: list[Invoice]) -> None:
    r = aging(invoices, as_of=AS_OF, by="customer")
    rows = r.to_records("groups")
    assert len(rows) == 2 * 5
    by_key = {(row["customer"], row["key"]): row for row in rows}
    assert by_key[("C1", "1-30")]["count"] == 1  # F-3
    assert by_key[("C1", "1-30")]["amount_minor_BRL"] == 15000
    assert by_key[("C2", "31-60")]["amount_minor_BRL"] == 4990  # F-2
    assert by_key[("C2", "1-30")]["count"] == 0


def test_cases_table_is_one_row_per_invoice(invoices: list[Invoice]) -> None:
    r = invoice_dso(invoices)
    assert r.tables == ("cases", "total")
    df = r.to_pandas()
    # F-1 paid 19 days after issue, F-2 36 days (first payment), F-3 unpaid
    assert df["case_id"].tolist() == ["F-1", "F-2", "F-3"]
    assert df["days"].iloc[:2].tolist() == [19.0, 36.0]
    assert np.isnan(df["days"].iloc[2])
    (total,) = r.to_records("total")
    assert (total["summary_mean"], total["summary_count"], total["summary_missing"]) == (
        27.5,
        2,
        1,
    )


def test_groups_table_per_month_matches_the_groups() -> None:
    invs = synth_invoices(200, seed=5)
    r = invoice_dso(invs, freq="month")
    assert r.tables[0] == "groups"
    rows = r.to_records()
    assert r.groups is not None
    assert len(rows) == len(r.groups)
    for row, (period, summary) in zip(rows, r.groups.items(), strict=True):
        assert isinstance(summary, Summary)
        assert row["period"] == period.label
        assert row["period_start"] == period.start
        assert row["count"] == summary.count
        assert row["mean"] == summary.mean
        assert row["p90"] == summary.percentiles[90.0]
    # the groups' counts add up to the invoices paid (each paid invoice in one month)
    assert sum(row["count"] for row in rows) == r.summary.count


def test_rates_come_out_as_numbers_and_by_quarter() -> None:
    invs = synth_invoices(300, seed=3)
    d = dt.date(2024, 9, 30)
    r = dunning_rate(invs, as_of=d, freq="quarter")
    df = r.to_polars()
    assert r.groups is not None
    assert df["period"].to_list() == [p.label for p in r.groups]
    for row, g in zip(df.iter_rows(named=True), r.groups.values(), strict=True):
        assert row["overdue"] == g.overdue
        assert row["dunned"] == g.dunned
        assert row["rate"] == pytest.approx(g.dunned / g.overdue)


def test_per_currency_figures_table() -> None:
    invs = synth_invoices(300, seed=3)
    r = standard_dso(invs, as_of=dt.date(2024, 9, 30))
    assert r.tables[0] == "by_currency"
    rows = r.to_records()
    assert [row["key"] for row in rows] == list(r.by_currency)
    for row, fig in zip(rows, r.by_currency.values(), strict=True):
        assert row["receivables_minor"] == fig.receivables.minor
        assert row["sales_minor"] == fig.sales.minor
        assert row["dso"] == pytest.approx(fig.receivables.minor / fig.sales.minor * fig.days)


def test_event_log_results_tables() -> None:
    log = EventLog.from_columns(
        case=["a", "a", "b", "c", "c"],
        activity=["X", "Y", "X", "X", "Y"],
        timestamp=[
            "2024-01-01T00:00Z",
            "2024-01-03T00:00Z",
            "2024-01-02T00:00Z",
            "2024-01-01T00:00Z",
            "2024-01-01T12:00Z",
        ],
    )
    v = log.variants().to_records()
    assert [(r["variant"], r["count"], r["length"]) for r in v] == [("X, Y", 2, 2), ("X", 1, 1)]
    assert [r["share"] for r in v] == [2 / 3, 1 / 3]
    assert v[-1]["cumulative_share"] == pytest.approx(1.0)
    d = log.case_durations("X", "Y").to_pandas()
    assert d["status"].tolist() == ["used", "missing_end", "used"]
    assert d["days"].tolist()[0] == 2.0
    assert d["days"].tolist()[2] == 0.5
    assert str(d["start"].dt.tz) == "UTC"
    assert d["start"].iloc[0] == pd.Timestamp("2024-01-01T00:00Z")
    assert pd.isna(d["end"].iloc[1])


def test_unknown_table_or_backend_is_a_clear_error(invoices: list[Invoice]) -> None:
    r = aging(invoices, as_of=AS_OF)
    with pytest.raises(InvalidParameterError, match=r"no table 'cases'.*buckets"):
        r.to_records("cases")
    with pytest.raises(InvalidParameterError, match="backend must be one of"):
        r.to_frame(backend="excel")


# -------------------------------------------------------------------------- JSON and views


def _all_results(invs: list[Invoice]) -> list[Result]:
    d = dt.date(2024, 9, 30)
    log = EventLog.from_invoices(invs)
    return [
        invoice_dso(log, as_of=d),
        invoice_dso(log, as_of=d, freq="month", by="customer"),
        aging(log, as_of=d, by="currency"),
        dunning_rate(log, as_of=d, freq="quarter"),
        standard_dso(log, as_of=d),
        log.variants(),
        log.case_durations("Invoice Generated", "Payment Received"),
        log.quality(),
    ]


def test_every_view_is_plain_and_short() -> None:
    for r in _all_results(synth_invoices(150, seed=9)):
        text = json.dumps(r.to_dict())  # JSON-ready: plain types only
        assert "Decimal" not in text
        rep = repr(r)
        assert len(rep) < 700, rep
        assert "Money(minor" not in rep
        assert "array(" not in rep
        page = r._repr_html_()
        assert page.startswith("<div")
        assert page.endswith("</div>")
        assert "<table>" in page


def test_repr_formats_rates_days_money_and_counts(invoices: list[Invoice]) -> None:
    r = aging(invoices, as_of=AS_OF)
    text = repr(r)
    assert text.startswith("Aging(as_of=2024-05-15, anchor='due'")
    assert "buckets=<5 buckets>" in text
    assert "amount=BRL 199.90" in text
    assert "coverage={used: 2, closed: 1}" in text  # zero counts left out
    dso = invoice_dso(invoices)
    assert "summary=Summary(n=2, missing=1, mean=27.5, median=27.5)" in repr(dso)
    assert "case_ids=<3 values>" in repr(dso)


def test_html_view_escapes_and_lists_the_default_table(invoices: list[Invoice]) -> None:
    page = aging(invoices, as_of=AS_OF)._repr_html_()
    assert "<p>buckets (5 rows)</p>" in page
    assert "<td>A vencer</td>" in page
    assert "<td>15,000</td>" in page  # F-3's minor units in the 1-30 bucket
    assert "&#x27;due&#x27;" in page  # the repr quotes of 'due', escaped


def test_html_view_cuts_long_tables() -> None:
    r = invoice_dso(synth_invoices(50, seed=1))
    page = r._repr_html_()
    body = page.split("<tbody>", 1)[1]
    assert body.count("<tr>") == 20  # 50 invoices, 20 rows shown
    assert "… 30 more rows" in page


def test_breakdown_is_a_result_of_its_groups() -> None:
    r = invoice_dso(synth_invoices(120, seed=2), freq="quarter")
    assert isinstance(r.groups, Breakdown)
    assert r.groups.tables == ("groups",)
    assert r.groups.to_records() == r.to_records("groups")
    assert repr(r.groups) == f"Breakdown(<{len(r.groups)} groups per quarter>)"


def test_money_to_dict_is_numbers_exact_in_minor_units() -> None:
    d = Money(-150075, "BRL").to_dict()
    assert d == {"amount": -1500.75, "minor": -150075, "currency": "BRL"}
    assert Money(d["minor"], d["currency"]) == Money(-150075, "BRL")
