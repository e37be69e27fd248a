"""A pm4py-formatted pandas DataFrame goes in as it is and agrees with plain pandas.

pandas (and polars) are test dependencies only: kpicore's core never imports them.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import polars as pl
import pytest

from kpicore.eventlog import EventLog

GEN, POST, PAY, SET = (
    "Invoice Generated",
    "Invoice Posted and Sent",
    "Payment Received",
    ("Invoice Settled"),
)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    """~2000 invoices in pm4py's ``format_dataframe`` shape: XES keys, tz-aware UTC
    timestamps, string ids, sorted by (case, timestamp, @@index)."""
    rng = np.random.default_rng(7)
    n = 2000
    rows: list[tuple[str, str, int, str]] = []
    base = np.datetime64("2024-01-01T00:00:00", "ns").astype(np.int64)
    for i in range(n):
        case = f"INV{i:07d}"
        t = int(base + rng.integers(0, 200 * 86_400) * 10**9)
        steps = [GEN]
        if rng.random() < 0.8:
            steps.append(POST)
        steps += [PAY] * int(rng.integers(0, 3))
        if PAY in steps and rng.random() < 0.7:
            steps.append(SET)
        if rng.random() < 0.05:  # a payment recorded before the invoice
            steps.insert(0, PAY)
        for act in steps:
            rows.append((case, act, t, str(rng.choice(["ana", "bot"]))))
            t += int(rng.integers(0, 20 * 86_400)) * 10**9 + int(rng.integers(0, 10**9))
    df = pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "ts", "org:resource"])
    df["time:timestamp"] = pd.to_datetime(df.pop("ts"), unit="ns", utc=True)
    df["case:customer"] = "C" + (df.index % 97).astype(str)
    df = df.sort_values(["case:concept:name", "time:timestamp"], kind="stable")
    df["@@index"] = np.arange(len(df))
    return df.reset_index(drop=True)


def pandas_first_after(df: pd.DataFrame, start: str, end: str) -> pd.Series:
    """Days from each case's first ``start`` to its first ``end`` at or after it."""
    ts = "time:timestamp"
    s = df[df["concept:name"] == start].groupby("case:concept:name")[ts].min().rename("s")
    e = df[df["concept:name"] == end][["case:concept:name", ts]].merge(
        s, left_on="case:concept:name", right_index=True
    )
    e = e[e[ts] >= e["s"]]
    first_end = e.groupby("case:concept:name")[ts].min()
    days: pd.Series = (first_end - s.loc[first_end.index]).dt.total_seconds() / 86_400.0
    return days.sort_index()


def test_pm4py_frame_goes_in_as_it_is(frame: pd.DataFrame) -> None:
    log = EventLog.from_columns(frame, case_attributes=["case:customer"])
    assert log.n_events == len(frame)
    assert log.n_cases == frame["case:concept:name"].nunique()
    assert log.case_attribute_names == ("customer",)
    assert log.event_attribute("org:resource").tolist() == frame["org:resource"].tolist()


def test_case_durations_equal_a_pandas_groupby(frame: pd.DataFrame) -> None:
    log = EventLog.from_columns(frame)
    # throughput: max - min per case (edeaR; pm4py's last - first on a sorted frame)
    grouped = frame.groupby("case:concept:name")["time:timestamp"]
    want = ((grouped.max() - grouped.min()).dt.total_seconds() / 86_400.0).sort_index()
    got = log.case_durations()
    assert got.case_ids.tolist() == want.index.tolist()
    np.testing.assert_allclose(got.days, want.to_numpy(), rtol=1e-13, atol=0)
    # first Generated -> first Payment at or after it
    want_ab = pandas_first_after(frame, GEN, PAY)
    got_ab = log.case_durations(GEN, PAY)
    used = got_ab.status == 0
    assert got_ab.case_ids[used].tolist() == want_ab.index.tolist()
    np.testing.assert_allclose(got_ab.days[used], want_ab.to_numpy(), rtol=1e-13, atol=0)
    # and every other case is accounted for
    counts = got_ab.counts
    assert counts["used"] == len(want_ab)
    assert sum(counts.values()) == log.n_cases
    has_pay = frame[frame["concept:name"] == PAY]["case:concept:name"].nunique()
    assert counts["missing_end"] == log.n_cases - has_pay


def test_row_order_of_the_frame_does_not_matter(frame: pd.DataFrame) -> None:
    shuffled = frame.sample(frac=1.0, random_state=3)
    a, b = EventLog.from_columns(frame), EventLog.from_columns(shuffled)
    assert np.array_equal(a.case_durations(GEN, SET).days, b.case_durations(GEN, SET).days,
                          equal_nan=True)  # fmt: skip
    assert a.case_durations().summary() == b.case_durations().summary()


def test_categorical_and_polars_inputs_give_the_same_log(frame: pd.DataFrame) -> None:
    log = EventLog.from_columns(frame)
    cat = frame.astype({"case:concept:name": "category", "concept:name": "category"})
    assert EventLog.from_columns(cat) == log
    polars_frame = pl.from_pandas(frame.drop(columns=["@@index"]))
    assert EventLog.from_columns(polars_frame) == log
    enum = polars_frame.with_columns(pl.col("concept:name").cast(pl.Categorical))
    assert EventLog.from_columns(enum) == log


def test_the_core_does_not_import_pandas_or_polars() -> None:
    code = (
        "import sys, kpicore.eventlog, kpicore.summary; "
        "from kpicore.eventlog import EventLog; "
        "EventLog.from_columns(case=['a'], activity=['X'], timestamp=['2024-01-01']); "
        "print('pandas' in sys.modules, 'polars' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
