"""The four tasks with pm4py (AGPL-3.0: a benchmark-time tool only, never a kpicore
dependency; it runs in its own interpreter, see ``benchmarks/README.md``).

Written as a pm4py user would: ``format_dataframe`` once, pm4py's filters
(``filter_between`` for the episodes, ``filter_time_range`` for "as of",
``filter_event_attribute_values`` at case or event level) and
``get_all_case_durations`` for the episode durations; the arithmetic pm4py has no
function for (due dates, buckets, per-level shares) in pandas on its frame, as
pm4py users do.

Two pm4py semantics the definitions rely on, checked on the data by the harness
(every number is compared with kpicore's): ``filter_between(A, B)`` cuts sub-cases
from the first A (later A's ignored) to the next B, which is task (b)'s pairing and,
with one Invoice Generated per invoice and no payment before it, task (a)'s; and
``filter_time_range`` is closed on both ends with second-resolution bounds, so
"before the cutoff" is ``[.., cutoff - 1 s]`` (the synthetic timestamps are whole
seconds).
"""

from __future__ import annotations

import datetime as dt
import statistics
import warnings
from typing import Any

import numpy as np
import pandas as pd

try:  # pm4py is optional: the harness skips this tool when it is missing
    import pm4py
except ImportError:  # pragma: no cover - depends on the environment
    pm4py = None

from ..common import (
    ACTIVITY_KEY,
    AGING_BUCKETS,
    AMOUNT_KEY,
    CASE_KEY,
    CURRENCY_KEY,
    DISPUTE_REGISTERED,
    DISPUTE_RESOLVED,
    DUE_KEY,
    DUNNING_LEVELS,
    INVOICE_AMOUNT_KEY,
    INVOICE_GENERATED,
    INVOICE_SETTLED,
    LETTER,
    LEVEL_KEY,
    PAYMENT_RECEIVED,
    TIME_KEY,
    WRITTEN_OFF,
    Dataset,
    Params,
    Peer,
    TaskResult,
    normalise,
    ratio,
)

__all__ = ["PEER", "available"]

_SUB = "##@@"
_DAY_S = 86_400.0
_FMT = "%Y-%m-%d %H:%M:%S"
_EPOCH_STR = "1970-01-01 00:00:00"


def available() -> bool:
    """Whether pm4py can be imported in this interpreter."""
    return pm4py is not None


def load(data: Dataset) -> pd.DataFrame:
    """A pandas frame in pm4py's format (``format_dataframe``: ids as str, UTC, sorted)."""
    assert pm4py is not None
    frame = pd.DataFrame(data.columns())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out: pd.DataFrame = pm4py.format_dataframe(
            frame, case_id=CASE_KEY, activity_key=ACTIVITY_KEY, timestamp_key=TIME_KEY
        )
    if out[DUE_KEY].dt.tz is not None:  # format_dataframe makes every datetime column UTC
        out[DUE_KEY] = out[DUE_KEY].dt.tz_localize(None)
    return out


def _before(df: pd.DataFrame, p: Params) -> pd.DataFrame:
    """Events strictly before the cutoff (closed range, second-resolution bounds)."""
    last = (p.cutoff - dt.timedelta(seconds=1)).strftime(_FMT)
    assert pm4py is not None
    out: pd.DataFrame = pm4py.filter_time_range(df, _EPOCH_STR, last, mode="events")
    return out


def _cases_with(df: pd.DataFrame, activities: list[str], *, retain: bool = True) -> pd.DataFrame:
    assert pm4py is not None
    out: pd.DataFrame = pm4py.filter_event_attribute_values(
        df, ACTIVITY_KEY, activities, level="case", retain=retain
    )
    return out


def _events_of(df: pd.DataFrame, activities: list[str]) -> pd.DataFrame:
    assert pm4py is not None
    out: pd.DataFrame = pm4py.filter_event_attribute_values(
        df, ACTIVITY_KEY, activities, level="event"
    )
    return out


def _n_cases(df: pd.DataFrame) -> int:
    return int(df[CASE_KEY].nunique())


def _stats(seconds: list[float]) -> tuple[float | None, float | None]:
    if not seconds:
        return None, None
    days = np.asarray(seconds) / _DAY_S
    return float(days.mean()), float(statistics.median(days.tolist()))


def dso(df: pd.DataFrame, p: Params) -> TaskResult:
    """(a) first Invoice Generated -> first Payment Received at or after it: the first
    ``filter_between`` sub-case of each invoice."""
    assert pm4py is not None
    sub = pm4py.filter_between(df, INVOICE_GENERATED, PAYMENT_RECEIVED)
    seconds = pm4py.get_all_case_durations(sub.loc[sub[CASE_KEY].str.endswith(_SUB + "0")])
    issued = _cases_with(df, [INVOICE_GENERATED])
    invoices = _n_cases(issued)
    with_payment = _n_cases(_cases_with(issued, [PAYMENT_RECEIVED]))
    mean, median = _stats(seconds)
    return normalise(
        {
            "invoices": invoices,
            "paid": len(seconds),
            "missing_payment": invoices - with_payment,
            "payment_before_issue": with_payment - len(seconds),
            "mean_days": mean,
            "median_days": median,
        }
    )


def disputes(df: pd.DataFrame, p: Params) -> TaskResult:
    """(b) each Dispute Registered run paired with the next Dispute Resolved
    (``filter_between``); open = disputed invoices without a resolution after the
    registration (one dispute per invoice in the data, checked by the harness)."""
    assert pm4py is not None
    seconds = pm4py.get_all_case_durations(
        pm4py.filter_between(df, DISPUTE_REGISTERED, DISPUTE_RESOLVED)
    )
    disputed = _n_cases(_cases_with(df, [DISPUTE_REGISTERED]))
    mean, median = _stats(seconds)
    return normalise(
        {
            "resolved": len(seconds),
            "open": disputed - len(seconds),
            "mean_days": mean,
            "median_days": median,
        }
    )


def _invoices(cases: pd.DataFrame) -> pd.DataFrame:
    """One row per invoice of a case-level-filtered frame: due date, amount, currency."""
    cols = [DUE_KEY, INVOICE_AMOUNT_KEY, CURRENCY_KEY]
    out: pd.DataFrame = cases.groupby(CASE_KEY, sort=False)[cols].first()
    return out


def _paid(events: pd.DataFrame) -> pd.Series:
    """Amount received per invoice over the Payment Received events of ``events``."""
    paid: pd.Series = (
        _events_of(events, [PAYMENT_RECEIVED]).groupby(CASE_KEY, sort=False)[AMOUNT_KEY].sum()
    )
    return paid


def aging(df: pd.DataFrame, p: Params) -> TaskResult:
    """(c) open invoices as of D (not settled, not written off): count and open amount
    per age bucket and currency."""
    before = _before(df, p)
    not_closed = _cases_with(before, [INVOICE_SETTLED, WRITTEN_OFF], retain=False)
    inv = _invoices(_cases_with(not_closed, [INVOICE_GENERATED]))
    paid = _paid(not_closed).reindex(inv.index).fillna(0).astype(np.int64)
    open_mask = paid < inv[INVOICE_AMOUNT_KEY]
    inv, paid = inv.loc[open_mask], paid.loc[open_mask]
    age = (pd.Timestamp(p.as_of) - inv[DUE_KEY]).dt.days
    edges = [-np.inf, *[float(hi or 0) for _, _, hi in AGING_BUCKETS[:-1]], np.inf]
    bucket = pd.cut(age, edges, labels=[name for name, _, _ in AGING_BUCKETS])
    table = (
        (inv[INVOICE_AMOUNT_KEY] - paid)
        .groupby([bucket, inv[CURRENCY_KEY]], observed=True)
        .agg(["size", "sum"])
    )
    out: dict[str, Any] = {"open_invoices": len(inv)}
    for cur, total in table["sum"].groupby(level=1).sum().items():
        out[f"open_minor_{cur}"] = int(total)
    for name, _, _ in AGING_BUCKETS:
        rows = table.loc[name] if name in table.index.get_level_values(0) else table.iloc[:0]
        out[f"{name}_count"] = int(rows["size"].sum())
        for cur, amount in rows["sum"].items():
            out[f"{name}_open_minor_{cur}"] = int(amount)
    return normalise(out)


def dunning(df: pd.DataFrame, p: Params) -> TaskResult:
    """(d) dunning rate of the invoices overdue as of D; payment (settlement) rate by
    the highest dunning level reached."""
    before = _before(df, p)
    inv = _invoices(_cases_with(before, [INVOICE_GENERATED]))
    letters = (
        _events_of(before, [LETTER]).groupby(CASE_KEY, sort=False)[LEVEL_KEY].agg(["size", "max"])
    )
    # overdue: past due before D, neither settled nor written off by the end of the due date
    past_due = inv.loc[inv[DUE_KEY] < pd.Timestamp(p.as_of)]
    due_end = (past_due[DUE_KEY] + pd.Timedelta(days=1)).dt.tz_localize("UTC")
    ev = _events_of(df, [PAYMENT_RECEIVED, INVOICE_SETTLED, WRITTEN_OFF])
    ev = ev.loc[ev[CASE_KEY].isin(past_due.index)]
    ev = ev.loc[ev[TIME_KEY] <= due_end.reindex(ev[CASE_KEY]).to_numpy()]
    closed = ev.loc[ev[ACTIVITY_KEY] != PAYMENT_RECEIVED, CASE_KEY].unique()
    paid_by_due = _paid(ev).reindex(past_due.index).fillna(0)
    overdue = (paid_by_due < past_due[INVOICE_AMOUNT_KEY]) & ~past_due.index.isin(closed)
    n_let = letters["size"].reindex(past_due.index[overdue.to_numpy()])
    settled_evt = _events_of(before, [INVOICE_SETTLED])[CASE_KEY].unique()
    paid = _paid(before).reindex(inv.index).fillna(0)
    settled = inv.index.isin(settled_evt) | (paid >= inv[INVOICE_AMOUNT_KEY]).to_numpy()
    level = letters["max"].reindex(inv.index).fillna(0).astype(np.int64)
    n_over, n_dunned = int(overdue.sum()), int(n_let.notna().sum())
    out: dict[str, Any] = {
        "overdue": n_over,
        "dunned": n_dunned,
        "letters": int(n_let.sum()),
        "dunning_rate": ratio(n_dunned, n_over),
        "invoices": len(inv),
    }
    per_level = level.value_counts()
    per_level_paid = level[settled].value_counts()
    for lvl in DUNNING_LEVELS:
        n_l = int(per_level.get(lvl, 0))
        paid_l = int(per_level_paid.get(lvl, 0))
        out[f"level{lvl}_invoices"] = n_l
        out[f"level{lvl}_paid"] = paid_l
        out[f"level{lvl}_payment_rate"] = ratio(paid_l, n_l)
    return normalise(out)


def _version() -> str:
    return str(getattr(pm4py, "__version__", "?"))


def _frame_bytes(df: pd.DataFrame) -> int:
    return int(df.memory_usage(deep=True).sum())


PEER: Peer[pd.DataFrame] = Peer(
    name="pm4py",
    version=_version,
    load=load,
    tasks={"dso": dso, "disputes": disputes, "aging": aging, "dunning": dunning},
    frame_bytes=_frame_bytes,
)
