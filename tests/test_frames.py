"""Frames in: every kind of table gives the same log, whatever the order of its rows.

pandas (numpy- and pyarrow-backed), polars (eager and lazy), pyarrow (Table,
RecordBatch, dictionary columns), Arrow PyCapsule streams and Dask frames all go
through ``EventLog.from_frame`` (and ``from_columns``); the expected values are
worked out by hand or from a definition loop over plain Python rows.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import dask
import dask.dataframe
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import EVENTLOG_BASE_NS, eventlog_rows

from kpicore.errors import InvalidParameterError, InvalidRecordError, NaiveDatetimeError
from kpicore.eventlog import EventLog
from kpicore.kpis.disputes import dispute_resolution
from kpicore.kpis.dso import invoice_dso

DD: Any = dask.dataframe

CASE, ACT, TS = "case:concept:name", "concept:name", "time:timestamp"
GEN, PAY, REG, RES = (
    "Invoice Generated",
    "Payment Received",
    "Dispute Registered",
    ("Dispute Resolved"),
)
DAY = 86_400_000_000_000
HOUR = 3_600_000_000_000


class Stream:
    """A foreign table that only exposes the Arrow PyCapsule stream interface."""

    def __init__(self, table: pa.Table) -> None:
        self._table = table

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        return self._table.__arrow_c_stream__(requested_schema)


def _pandas(cols: dict[str, Any]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {k: list(v) if not isinstance(v, np.ndarray) else v for k, v in cols.items()}
    )
    frame[TS] = pd.to_datetime(frame[TS].astype("int64"), unit="ns", utc=True)
    return frame


def _kinds() -> dict[str, Callable[[dict[str, Any]], Any]]:
    def pandas_arrow(cols: dict[str, Any]) -> pd.DataFrame:
        return _pandas(cols).convert_dtypes(dtype_backend="pyarrow")

    def pandas_object(cols: dict[str, Any]) -> pd.DataFrame:
        frame = _pandas(cols)
        for name in (CASE, ACT):
            frame[name] = frame[name].astype(object)
        return frame

    def arrow(cols: dict[str, Any]) -> pa.Table:
        return pa.Table.from_pandas(_pandas(cols), preserve_index=False)

    def arrow_dictionary(cols: dict[str, Any]) -> pa.Table:
        table = arrow(cols)
        for name in (CASE, ACT):
            i = table.column_names.index(name)
            table = table.set_column(i, name, table[name].dictionary_encode())
        return table

    return {
        "mapping": lambda cols: cols,
        "pandas": _pandas,
        "pandas_object": pandas_object,
        "pandas_arrow": pandas_arrow,
        "polars": lambda cols: pl.from_pandas(_pandas(cols)),
        "polars_lazy": lambda cols: pl.from_pandas(_pandas(cols)).lazy(),
        "polars_categorical": lambda cols: pl.from_pandas(_pandas(cols)).with_columns(
            pl.col(CASE).cast(pl.Categorical), pl.col(ACT).cast(pl.Categorical)
        ),
        "arrow": arrow,
        "arrow_dictionary": arrow_dictionary,
        "record_batch": lambda cols: arrow(cols).combine_chunks().to_batches()[0],
        "arrow_stream": lambda cols: Stream(arrow(cols)),
    }


KINDS = _kinds()


def _example() -> dict[str, Any]:
    """Three invoices; DSO by hand: A 10 days, B 2.5 days, C unpaid.

    Dispute on B from day 1 12:00 to day 3 00:00: 1.5 days.
    """
    rows = [
        ("B", GEN, 1 * DAY),
        ("A", PAY, 10 * DAY),
        ("C", GEN, 5 * DAY),
        ("B", REG, 1 * DAY + 12 * HOUR),
        ("A", GEN, 0),
        ("B", PAY, 3 * DAY + 12 * HOUR),
        ("B", RES, 3 * DAY),
    ]
    return {
        CASE: [r[0] for r in rows],
        ACT: [r[1] for r in rows],
        TS: np.array([EVENTLOG_BASE_NS + r[2] for r in rows], dtype=np.int64).view(
            "datetime64[ns]"
        ),
        "amount": [100, 50, 70, 0, 100, 70, 0],
    }


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_gives_the_hand_worked_log(kind: str) -> None:
    log = EventLog.from_frame(KINDS[kind](_example()), resource=None)
    assert log.case_ids.tolist() == ["A", "B", "C"]
    assert log.events_per_case().values.tolist() == [2, 4, 1]
    dso = invoice_dso(log)
    assert dso.days.tolist()[:2] == [10.0, 2.5]
    assert np.isnan(dso.days[2])
    disputes = dispute_resolution(log, pairing="first")
    assert disputes.summary.count == 1
    assert disputes.summary.mean == 1.5
    assert log.event_attribute("amount").tolist() == [100, 50, 100, 0, 0, 70, 70]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_equals_the_mapping_log(kind: str) -> None:
    ref = EventLog.from_columns(_example(), resource=None)
    assert EventLog.from_frame(KINDS[kind](_example()), resource=None) == ref
    assert EventLog.from_columns(KINDS[kind](_example()), resource=None) == ref


def test_dask_frame_goes_through_the_same_constructor() -> None:
    ref = EventLog.from_columns(_example(), resource=None)
    frame = DD.from_pandas(_pandas(_example()), npartitions=2, sort=False)
    with dask.config.set(scheduler="synchronous"):
        log = EventLog.from_frame(frame, resource=None)
        log_arrow = EventLog.from_frame(
            DD.from_pandas(
                _pandas(_example()).convert_dtypes(dtype_backend="pyarrow"), npartitions=3
            ),
            resource=None,
        )
    assert log == ref
    assert log_arrow == ref
    assert invoice_dso(log).days.tolist()[:2] == [10.0, 2.5]


def _definition_dso(rows: list[tuple[str, str, int, Any]], order: list[int]) -> dict[str, float]:
    """Per case: first Payment Received at or after the first Invoice Generated (loop)."""
    out: dict[str, float] = {}
    for case in sorted({r[0] for r in rows}):
        evs = sorted(((r[2], order[i], r[1]) for i, r in enumerate(rows) if r[0] == case))
        gens = [t for t, _, a in evs if a == GEN]
        if not gens:
            continue
        pays = [t for t, _, a in evs if a == PAY and t >= gens[0]]
        if pays:
            out[case] = (pays[0] - gens[0]) / DAY
    return out


@settings(max_examples=40, deadline=None)
@given(
    rows=eventlog_rows(max_cases=5, max_events=25, activities=(GEN, PAY, REG, RES)),
    seed=st.integers(0, 2**32 - 1),
    kind=st.sampled_from(sorted(KINDS)),
)
def test_row_order_and_input_kind_do_not_change_the_log(
    rows: list[tuple[str, str, int, Any]], seed: int, kind: str
) -> None:
    n = len(rows)
    tiebreak = list(range(n))  # the declared key that breaks ties at one instant
    cols = {
        CASE: [r[0] for r in rows],
        ACT: [r[1] for r in rows],
        TS: np.array([r[2] for r in rows], dtype=np.int64).view("datetime64[ns]"),
        "seq": tiebreak,
    }
    ref = EventLog.from_columns(cols, resource=None, order="seq")
    perm = np.random.default_rng(seed).permutation(n)
    shuffled = {k: np.asarray(v)[perm] for k, v in cols.items()}
    shuffled[CASE] = shuffled[CASE].astype(object)
    shuffled[ACT] = shuffled[ACT].astype(object)
    log = EventLog.from_frame(KINDS[kind](shuffled), resource=None, order="seq")
    assert log == ref
    expected = _definition_dso(rows, tiebreak)
    dso = invoice_dso(log)
    got = {c: d for c, d in zip(dso.case_ids.tolist(), dso.days.tolist(), strict=True) if d == d}
    assert got == expected


def _with_nulls() -> pa.Table:
    return pa.table(
        {
            CASE: pa.array(["A", None, "B", "A", "C"]),
            ACT: pa.array([GEN, GEN, None, PAY, GEN]),
            TS: pa.array([0, DAY, 2 * DAY, None, 4 * DAY], type=pa.timestamp("ns", tz="UTC")),
        }
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda t: t,
        lambda t: t.to_pandas(types_mapper=pd.ArrowDtype),
        lambda t: pl.from_arrow(t),
        lambda t: Stream(t),
    ],
    ids=["arrow", "pandas_arrow", "polars", "stream"],
)
def test_nulls_are_counted_in_the_dropped_report(make: Callable[[pa.Table], Any]) -> None:
    log = EventLog.from_frame(make(_with_nulls()), resource=None, on_invalid="drop")
    # rows 1 (case), 2 (activity) and 3 (timestamp) are null: 2 of 5 rows kept
    assert log.n_events == 2
    assert log.case_ids.tolist() == ["A", "C"]
    assert log.dropped.rows == 3
    assert dict(log.dropped.by_field) == {CASE: 1, ACT: 1, TS: 1}
    assert dict(log.dropped.examples) == {CASE: (1,), ACT: (2,), TS: (3,)}


def test_a_null_raises_naming_row_and_field_by_default() -> None:
    with pytest.raises(InvalidRecordError, match=r"row 1\b.*'case:concept:name'"):
        EventLog.from_frame(_with_nulls(), resource=None)


def test_naive_arrow_timestamps_need_a_zone() -> None:
    table = pa.table(
        {
            CASE: ["A", "A"],
            ACT: [GEN, PAY],
            TS: pa.array([dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2, 6)],
                         type=pa.timestamp("us")),
        }
    )  # fmt: skip
    with pytest.raises(NaiveDatetimeError, match=r"row 0.*'time:timestamp'"):
        EventLog.from_frame(table)
    log = EventLog.from_frame(table, tz=ZoneInfo("America/Sao_Paulo"))
    # Sao Paulo is UTC-3 in January 2024: 00:00 local = 03:00 UTC
    assert int(log.timestamps[0]) == EVENTLOG_BASE_NS + 3 * HOUR
    assert log.case_durations(GEN, PAY).days.tolist() == [1.25]


def test_arrow_units_dates_and_aware_zones() -> None:
    table = pa.table(
        {
            CASE: ["A", "A", "B"],
            ACT: [GEN, PAY, GEN],
            TS: pa.array([0, 86_400, 3_600], type=pa.timestamp("s", tz="America/Sao_Paulo")),
            "due": pa.array([19_723, 19_723, None], type=pa.date32()),
            "level": pa.array([1, None, 3], type=pa.int8()),
            "flag": pa.array([True, False, True]),
            "paid": pa.array([1.5, None, 2.0]),
            "reason": pa.array(["x", None, "y"]).dictionary_encode(),
        }
    )
    log = EventLog.from_frame(table, resource=None)
    assert log.timestamps.tolist() == [0, DAY, HOUR]  # an aware instant is its UTC value
    assert log.event_attribute("due").tolist() == [dt.date(2024, 1, 1), dt.date(2024, 1, 1), None]
    assert log.event_attribute_kind("due") == "date"
    level = log.event_attribute("level")
    assert level[0] == 1.0
    assert np.isnan(level[1])
    assert level[2] == 3.0
    assert log.event_attribute("flag").tolist() == [True, False, True]
    assert log.event_attribute("reason").tolist() == ["x", None, "y"]


def test_chunks_with_different_dictionaries_and_unused_entries() -> None:
    first = pa.DictionaryArray.from_arrays(
        pa.array([2, 0], type=pa.int32()), pa.array(["B", "zz-unused", "A"])
    )
    second = pa.DictionaryArray.from_arrays(pa.array([0, 0], type=pa.int32()),
                                            pa.array(["C", "A"]))  # fmt: skip
    table = pa.table(
        {
            CASE: pa.chunked_array([first, second]),
            ACT: [GEN, GEN, GEN, PAY],
            TS: pa.array([0, DAY, 2 * DAY, 3 * DAY], type=pa.timestamp("ns", tz="UTC")),
        }
    )
    log = EventLog.from_frame(table, resource=None)
    assert log.case_ids.tolist() == ["A", "B", "C"]  # the unused label is gone
    assert log.events_per_case().values.tolist() == [1, 1, 2]


def test_integer_case_ids_from_arrow_sort_numerically() -> None:
    table = pa.table(
        {
            CASE: pa.array([10, 9, 100], type=pa.int64()),
            ACT: [GEN, GEN, GEN],
            TS: pa.array([0, 1, 2], type=pa.timestamp("ns", tz="UTC")),
        }
    )
    ref = EventLog.from_columns(case=[10, 9, 100], activity=[GEN] * 3,
                                timestamp=np.array([0, 1, 2], dtype="datetime64[ns]"))  # fmt: skip
    log = EventLog.from_frame(table, resource=None)
    assert log.case_ids.tolist() == [9, 10, 100]
    assert log == ref


def test_unsupported_objects_are_named() -> None:
    with pytest.raises(InvalidParameterError, match=r"got builtins\.list"):
        EventLog.from_frame([[1, 2]])
    with pytest.raises(InvalidParameterError, match=r"got numpy\.ndarray"):
        EventLog.from_columns(np.zeros((2, 3)))
    with pytest.raises(InvalidParameterError, match="nested"):
        EventLog.from_frame(
            pa.table({CASE: pa.array([[1], [2]]), ACT: [GEN, GEN],
                      TS: pa.array([0, 1], type=pa.timestamp("ns", tz="UTC"))})
        )  # fmt: skip


def test_lazy_frame_reads_only_the_named_columns() -> None:
    lazy = (
        pl.from_pandas(_pandas(_example()))
        .lazy()
        .with_columns(
            pl.col("amount").map_elements(lambda _v: 1 // 0, return_dtype=pl.Int64).alias("boom")
        )
    )
    log = EventLog.from_frame(lazy, resource=None, attributes=["amount"])
    assert log.attribute_names == ("amount",)  # "boom" was never computed


def test_no_frame_library_is_imported_for_plain_columns() -> None:
    code = (
        "import sys; import numpy as np; from kpicore.eventlog import EventLog;"
        "EventLog.from_frame({'case:concept:name': ['a'], 'concept:name': ['X'],"
        "'time:timestamp': np.array(['2024-01-01'], dtype='datetime64[ns]')});"
        "print(sorted(m for m in ('pandas', 'polars', 'pyarrow', 'dask') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"
