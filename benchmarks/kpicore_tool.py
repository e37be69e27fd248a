"""The kpicore side of the benchmark: EventLog construction and the four tasks.

Each task is one or two calls of kpicore's public KPI functions on the built
log, as a kpicore user would write them: (a) ``invoice_dso``, (b)
``dispute_resolution(pairing="first")``, (c) ``aging``, (d) ``dunning_rate``
and ``dunning_effectiveness`` computed together, block by block of whole cases
(:func:`kpicore.blocks.map_blocks`: the two share each block's work, and the
working memory is one block's); the harness only copies their numbers into a
flat :data:`~benchmarks.common.TaskResult`.
"""

from __future__ import annotations

from typing import Any

import kpicore
from kpicore.blocks import map_blocks
from kpicore.eventlog import EventLog
from kpicore.kpis.disputes import dispute_resolution
from kpicore.kpis.dso import invoice_dso
from kpicore.kpis.dunning import dunning_effectiveness, dunning_rate
from kpicore.kpis.overdue import aging as aging_kpi

from .common import (
    AGING_BUCKETS,
    DUNNING_LEVELS,
    Dataset,
    Params,
    Peer,
    TaskResult,
    normalise,
)

__all__ = ["PEER", "categorical_inputs", "coded_inputs", "load_coded", "load_strings"]


# ----------------------------------------------------------------------------- construction


def _attributes(data: Dataset) -> dict[str, Any]:
    return {
        "attributes": {"amount_minor": data.amount, "dunning_level": data.dunning_level},
        "case_attributes": {
            "due_date": data.due_date,
            "amount_minor": data.invoice_amount,
            "currency": data.currency,
        },
    }


def load_strings(data: Dataset) -> EventLog:
    """From string case ids, string activities and datetime64 timestamps (plus the
    amount and dunning-level event columns and the per-event case columns)."""
    return EventLog.from_columns(
        case=data.case_id,
        activity=data.activity,
        timestamp=data.timestamp,
        resource=None,
        **_attributes(data),
    )


def coded_inputs(data: Dataset) -> dict[str, Any]:
    """Integer case ids and a categorical activity column (built outside the timing)."""
    import pandas as pd

    return {
        "case": data.case_code,
        "activity": pd.Series(
            pd.Categorical.from_codes(
                data.activity_code, categories=pd.Index(list(data.activity_names))
            )
        ),
    }


def categorical_inputs(data: Dataset) -> dict[str, Any]:
    """Dictionary-encoded case ids and activities (pandas Categorical, as from Parquet)."""
    import pandas as pd

    return {
        "case": pd.Series(
            pd.Categorical.from_codes(data.case_code, categories=pd.Index(data.invoice_number))
        ),
        "activity": pd.Series(
            pd.Categorical.from_codes(
                data.activity_code, categories=pd.Index(list(data.activity_names))
            )
        ),
    }


def load_coded(data: Dataset, inputs: dict[str, Any]) -> EventLog:
    """From already-coded columns (see :func:`coded_inputs`, :func:`categorical_inputs`)."""
    return EventLog.from_columns(
        case=inputs["case"],
        activity=inputs["activity"],
        timestamp=data.timestamp,
        resource=None,
        **_attributes(data),
    )


load_categorical = load_coded


# ----------------------------------------------------------------------------- tasks


def dso(log: EventLog, p: Params) -> TaskResult:
    """(a) Days from the first Invoice Generated to the first Payment Received after it."""
    r = invoice_dso(log, percentiles=())
    cov = r.coverage
    return normalise(
        {
            "invoices": cov["used"] + cov["missing_end"] + cov["end_before_start"],
            "paid": cov["used"],
            "missing_payment": cov["missing_end"],
            "payment_before_issue": cov["end_before_start"],
            "mean_days": r.summary.mean,
            "median_days": r.summary.median,
        }
    )


def disputes(log: EventLog, p: Params) -> TaskResult:
    """(b) Each run of Dispute Registered paired with the next Dispute Resolved."""
    r = dispute_resolution(log, pairing="first", percentiles=())
    return normalise(
        {
            "resolved": r.resolved,
            "open": r.open,
            "mean_days": r.summary.mean,
            "median_days": r.summary.median,
        }
    )


_BUCKET_KEYS = {"current": "current", "1-30": "d1_30", "31-60": "d31_60", "61-90": "d61_90",
                "91+": "d90_plus"}  # fmt: skip


def aging(log: EventLog, p: Params) -> TaskResult:
    """(c) Aging of the open invoices as of D: count and open amount per bucket."""
    r = aging_kpi(log, as_of=p.as_of)
    out: dict[str, Any] = {"open_invoices": r.count}
    out.update({f"open_minor_{cur}": m.minor for cur, m in r.amount.items()})
    assert [b.key for b in r.buckets] == list(_BUCKET_KEYS)
    assert [_BUCKET_KEYS[b.key] for b in r.buckets] == [name for name, _, _ in AGING_BUCKETS]
    for b in r.buckets:
        key = _BUCKET_KEYS[b.key]
        out[f"{key}_count"] = b.count
        out.update({f"{key}_open_minor_{cur}": m.minor for cur, m in b.amount.items()})
    return normalise(out)


def dunning(log: EventLog, p: Params) -> TaskResult:
    """(d) Dunning rate of the overdue invoices; payment rate by highest dunning level."""
    rate, eff = map_blocks(
        log,
        lambda blk: (
            dunning_rate(blk, as_of=p.as_of),
            dunning_effectiveness(blk, as_of=p.as_of, percentiles=()),
        ),
    )
    out: dict[str, Any] = {
        "overdue": rate.overdue,
        "dunned": rate.dunned,
        "letters": rate.letters,
        "dunning_rate": rate.rate,
        "invoices": eff.invoices,
    }
    for level in DUNNING_LEVELS:
        stats = eff.by_max_level.get(level)
        out[f"level{level}_invoices"] = stats.invoices if stats else 0
        out[f"level{level}_paid"] = stats.paid if stats else 0
        out[f"level{level}_payment_rate"] = stats.rate if stats else None
    return normalise(out)


def _frame_bytes(log: EventLog) -> int:
    """Core columns (codes, timestamps, case offsets) -- ``EventLog.nbytes``."""
    return log.nbytes


def _forget(log: EventLog) -> None:
    """Drop kpicore's per-log memo (role scans, prepared ledgers, ledgers per as-of), so
    that a timed repetition never reuses the work of the previous one."""
    try:
        from kpicore.kpis import _ledger
    except ImportError:  # pragma: no cover - kpis not importable
        return
    clear = getattr(_ledger, "clear_cache", None)
    if callable(clear):
        clear(log)


PEER: Peer[EventLog] = Peer(
    name="kpicore",
    version=lambda: kpicore.__version__,
    load=load_strings,
    tasks={"dso": dso, "disputes": disputes, "aging": aging, "dunning": dunning},
    frame_bytes=_frame_bytes,
    before_each=_forget,
)
