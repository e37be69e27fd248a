"""EventLog construction with few temporaries: the low-cardinality key encoder, narrow
code and integer dtypes, view-based case attributes, the datetime64 fast paths and the
label compaction / offsets shortcuts. Every result is checked against an expectation
computed independently (plain Python, or numpy's own conversions)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest

from kpicore.errors import InvalidRecordError
from kpicore.eventlog import EventLog, concat
from kpicore.eventlog._encode import _FEW_SAMPLE, code_dtype, encode_attribute, encode_keys
from kpicore.eventlog._log import _offsets
from kpicore.eventlog._timestamps import NAT, parse_timestamps

NAMES = ["Invoice Generated", "Payment Received", "Dispute Registered", "Invoice Settled"]
N = 3 * _FEW_SAMPLE  # above the size at which the low-cardinality encoder is tried
T0 = np.datetime64("2024-01-01T00:00:00", "ns")


def _objects(values: list[Any]) -> np.ndarray[Any, Any]:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _shuffled_names(n: int, seed: int = 0) -> list[Any]:
    rng = np.random.default_rng(seed)
    return [NAMES[i] for i in rng.integers(0, len(NAMES), n).tolist()]


def _expected(values: list[Any]) -> tuple[list[int], list[str]]:
    labels = sorted({v for v in values if v is not None and v == v})
    index = {v: i for i, v in enumerate(labels)}
    return [index[v] if v is not None and v == v else -1 for v in values], labels


def _off_sample_rows(n: int) -> list[int]:
    """Rows the strided sample of the low-cardinality encoder does not look at."""
    step = max(1, n // _FEW_SAMPLE)
    return [r for r in (5, n // 2 + 1, n - 2) if r % step]


# ----------------------------------------------------------------------------- keys


def test_few_values_coded_in_sorted_label_order_as_int16() -> None:
    values = _shuffled_names(N)
    enc = encode_keys(_objects(values), field="activity")
    codes, labels = _expected(values)
    assert enc.codes.dtype == np.int16
    assert enc.codes.tolist() == codes
    assert enc.labels.tolist() == labels
    assert enc.dense


@pytest.mark.parametrize("rare", ["AAA first", "Zzz last", "Invoice M middle"])
def test_values_missing_from_the_sample_are_added_and_ranked(rare: str) -> None:
    values = _shuffled_names(N, seed=1)
    rows = _off_sample_rows(N)
    assert rows
    for r in rows:
        values[r] = rare
    enc = encode_keys(_objects(values), field="activity")
    codes, labels = _expected(values)
    assert rare in labels
    assert enc.labels.tolist() == labels
    assert enc.codes.tolist() == codes


@pytest.mark.parametrize("null", [None, float("nan")])
def test_nulls_outside_the_sample_fall_back_to_the_general_path(null: object) -> None:
    values: list[Any] = _shuffled_names(N, seed=2)
    for r in _off_sample_rows(N):
        values[r] = null
    enc = encode_keys(_objects(values), field="activity")
    codes, labels = _expected(values)
    assert enc.codes.tolist() == codes
    assert enc.labels.tolist() == labels


def test_a_number_among_the_strings_is_reported_at_its_row() -> None:
    values: list[Any] = _shuffled_names(N, seed=3)
    row = _off_sample_rows(N)[0]
    values[row] = 7
    with pytest.raises(InvalidRecordError) as err:
        encode_keys(_objects(values), field="activity")
    assert err.value.row == row
    assert err.value.value == 7


def test_str_subclass_values_take_the_code_of_the_equal_string() -> None:
    values: list[Any] = _shuffled_names(N, seed=4)
    rows = _off_sample_rows(N)
    for r in rows:
        values[r] = np.str_(NAMES[1])
    values.append(np.str_("Q new label"))  # a subclass value never seen as a str
    enc = encode_keys(_objects(values), field="activity")
    plain = [str(v) for v in values]
    codes, labels = _expected(plain)
    assert enc.codes.tolist() == codes
    assert enc.labels.tolist() == labels
    assert {type(x) for x in enc.labels.tolist()} == {str}


def test_many_distinct_values_take_the_general_path() -> None:
    rng = np.random.default_rng(5)
    values = [f"L{i:04d}" for i in rng.integers(0, 2000, N).tolist()]
    enc = encode_keys(_objects(values), field="activity")
    codes, labels = _expected(values)
    assert enc.codes.tolist() == codes
    assert enc.labels.tolist() == labels


def test_code_dtype_follows_the_number_of_labels() -> None:
    assert code_dtype(0) is np.int16
    assert code_dtype(32_767) is np.int16
    assert code_dtype(32_768) is np.int32
    ids = [f"INV{i:06d}" for i in range(40_000)]
    enc = encode_keys(_objects(ids[::-1]), field="case")
    assert enc.codes.dtype == np.int32
    assert enc.codes.tolist() == list(range(39_999, -1, -1))
    small = encode_keys(np.array([30, 10, 10, 20], dtype=np.int64), field="case")
    assert small.codes.dtype == np.int16
    assert small.codes.tolist() == [2, 0, 0, 1]
    assert small.labels.tolist() == [10, 20, 30]


def test_activities_outside_the_sample_reach_the_log() -> None:
    n = N
    acts = _shuffled_names(n, seed=6)
    rows = _off_sample_rows(n)
    for r in rows:
        acts[r] = "Collection Letter Generated"
    case = _objects([f"C{i // 4:05d}" for i in range(n)])
    ts = T0 + np.arange(n).astype("timedelta64[s]")
    log = EventLog.from_columns(case=case, activity=_objects(acts), timestamp=ts, resource=None)
    assert list(log.activities) == sorted(set(acts))
    assert log.to_columns()["concept:name"].tolist() == acts
    assert log.activity_codes.dtype == np.int16


# ----------------------------------------------------------------------------- integers


@pytest.mark.parametrize(
    "dtype", ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", ">i4"]
)
def test_narrow_integer_attributes_are_stored_narrow_and_read_as_int64(dtype: str) -> None:
    rng = np.random.default_rng(7)
    info = np.iinfo(np.dtype(dtype))
    n = 600
    vals = rng.integers(max(info.min, -1000), min(info.max, 1000), n).astype(dtype)
    per_case = rng.integers(max(info.min, -1000), min(info.max, 1000), n // 3).astype(dtype)
    case = np.repeat(np.arange(n // 3), 3)
    order = rng.permutation(n)  # unsorted input: every column goes through the sort
    log = EventLog.from_columns(
        case=_objects([f"K{c:04d}" for c in case[order].tolist()]),
        activity=_objects(["X"] * n),
        timestamp=(T0 + np.arange(n).astype("timedelta64[s]"))[order],
        resource=None,
        attributes={"level": vals[order]},
        case_attributes={"amount": per_case[case][order]},
    )
    expect_level = [int(v) for v in vals.tolist()]  # log order = case, then input time
    got = log.event_attribute("level")
    assert got.dtype == np.int64
    assert got.tolist() == expect_level
    lo, hi = int(vals.min()), int(vals.max())
    fits = [
        t for t in ("int8", "int16", "int32") if np.iinfo(t).min <= lo and hi <= np.iinfo(t).max
    ]
    narrow = np.dtype(fits[0]) if fits else np.dtype("int64")
    stored = narrow if narrow.itemsize < np.dtype(dtype).itemsize else np.dtype(dtype)
    assert log._attrs["level"].data.dtype == stored.newbyteorder("=")
    amount = log.case_attribute("amount")
    assert amount.dtype == np.int64
    assert amount.tolist() == [int(v) for v in per_case.tolist()]
    events = log.role_events("X")[::7]
    assert log.event_attribute("level", events).tolist() == expect_level[::7]
    again = EventLog.from_columns(log.to_columns(), resource=None)
    assert again == log


def test_uint64_attributes_still_wrap_to_int64() -> None:
    col = encode_attribute(np.array([1, 2**63 + 5], dtype=np.uint64), field="x")
    assert col.data.dtype == np.int64
    assert col.decode().tolist() == [1, -(2**63) + 5]
    small = encode_attribute(np.array([1, 2**31 - 1], dtype=np.uint64), field="x")
    assert small.data.dtype == np.int32
    assert small.decode().tolist() == [1, 2**31 - 1]


@pytest.mark.parametrize(
    ("values", "stored"),
    [
        ([0, 127, -128], np.int8),
        ([0, 128], np.int16),
        ([-(2**15) - 1, 5], np.int32),
        ([2**31 - 1, -(2**31)], np.int32),
        ([2**31, 0], np.int64),
        ([-(2**63), 2**63 - 1], np.int64),
    ],
)
def test_int64_attributes_are_stored_in_the_narrowest_dtype_holding_them(
    values: list[int], stored: type[np.signedinteger[Any]]
) -> None:
    col = encode_attribute(np.array(values, dtype=np.int64), field="x")
    assert col.data.dtype == stored
    assert col.decode().dtype == np.int64
    assert col.decode().tolist() == values
    as_list = encode_attribute(values, field="x")  # Python ints: int64 as before
    assert as_list.decode().tolist() == values


def test_concat_widens_integer_columns_of_different_widths() -> None:
    def one(case: str, level: np.ndarray[Any, Any]) -> EventLog:
        n = level.shape[0]
        return EventLog.from_columns(
            case=[case] * n, activity=["X"] * n,
            timestamp=T0 + np.arange(n).astype("timedelta64[s]"),
            resource=None, attributes={"level": level},
        )  # fmt: skip

    a = one("A", np.array([1, -2], dtype=np.int8))
    b = one("B", np.array([2**40], dtype=np.int64))
    both = concat([a, b])
    assert both.event_attribute("level").tolist() == [1, -2, 2**40]


def test_case_attribute_views_leave_the_callers_arrays_alone() -> None:
    n = 8
    amount = np.array([5, 5, 7, 7, 9, 9, 9, 11], dtype=np.int32)
    due = np.array(["2024-02-01"] * 2 + ["2024-03-01"] * 2 + ["2024-04-01"] * 4, "M8[D]")
    flag = np.array([True, True, False, False, True, True, True, False])
    level = np.arange(n, dtype=np.int16)
    log = EventLog.from_columns(
        case=["a", "a", "b", "b", "c", "c", "c", "c"],
        activity=["X"] * n,
        timestamp=T0 + np.arange(n).astype("timedelta64[s]"),
        resource=None,
        attributes={"level": level},
        case_attributes={"amount": amount, "due": due, "flag": flag},
    )
    for arr in (amount, due, flag, level):
        assert arr.flags.writeable
    conflicts = log.quality()["case_attribute_conflicts"]
    assert (conflicts.count, conflicts.examples) == (2, ("c",))  # amount 11, flag False
    assert log._conflicts["amount"].tolist() == [False, False, True]
    assert log._conflicts["flag"].tolist() == [False, False, True]
    before = {k: log.case_attribute(k).tolist() for k in ("amount", "due", "flag")}
    amount[:] = 0
    due[:] = np.datetime64("2000-01-01")
    flag[:] = False
    level[:] = 0
    assert {k: log.case_attribute(k).tolist() for k in ("amount", "due", "flag")} == before
    assert before["amount"] == [5, 7, 9]
    assert before["due"] == [dt.date(2024, 2, 1), dt.date(2024, 3, 1), dt.date(2024, 4, 1)]
    assert log.event_attribute("level").tolist() == list(range(n))


def test_event_attributes_are_copies() -> None:
    vals = np.array([1.5, 2.5])
    col = encode_attribute(vals, field="x")
    vals[0] = 9.0
    assert col.data.tolist() == [1.5, 2.5]
    view = encode_attribute(vals, field="x", copy=False)
    assert vals.flags.writeable
    assert view.data is not vals
    assert not view.data.flags.writeable


# ----------------------------------------------------------------------------- timestamps


def test_datetime64_ns_is_copied_with_nat_as_null() -> None:
    raw = np.array([0, NAT, 2**62, -(2**62)], dtype=np.int64)
    arr = raw.view("M8[ns]")
    parsed = parse_timestamps(arr, field="t")
    assert parsed.ns.tolist() == raw.tolist()
    assert not np.shares_memory(parsed.ns, arr)
    assert parsed.null.tolist() == [False, True, False, False]
    assert not parsed.invalid.any()


@pytest.mark.parametrize("unit", ["h", "m", "s", "ms", "us", "10s", "3us", "25ns", "ps", "fs"])
def test_sub_day_units_outside_the_ns_range_are_invalid(unit: str) -> None:
    max_ns = 2**63 - 1
    num = int("".join(c for c in unit if c.isdigit()) or 1)
    base = unit.lstrip("0123456789")
    per_ns = {"h": 3600 * 10**9, "m": 60 * 10**9, "s": 10**9, "ms": 10**6, "us": 10**3,
              "ns": 1}.get(base)  # fmt: skip
    rng = np.random.default_rng(8)
    values = rng.integers(-(10**6), 10**6, 50).tolist()
    if per_ns is not None:
        lim = max_ns // (per_ns * num)
        values += [lim + d for d in (-2, -1, 0, 1, 2)] + [-lim + d for d in (-2, -1, 0, 1, 2)]
    values += [2**62, -(2**62), max_ns, NAT + 1, NAT]
    arr = np.array(values, dtype=np.int64).view(f"M8[{unit}]")
    parsed = parse_timestamps(arr, field="t")
    for i, v in enumerate(values):
        one = arr[i : i + 1]
        if v == NAT:
            assert parsed.null[i]
            assert not parsed.invalid[i]
            continue
        # independently: numpy's own conversion of that one value, and its way back
        as_ns = one.astype("M8[ns]")
        exact = as_ns.astype(one.dtype).view(np.int64)[0] == v
        assert parsed.invalid[i] == (not exact), (unit, v)
        assert parsed.ns[i] == (as_ns.view(np.int64)[0] if exact else NAT), (unit, v)
        if per_ns is not None and abs(v) * per_ns * num < max_ns - per_ns * num:
            assert parsed.ns[i] == v * per_ns * num  # plain integer arithmetic


# ----------------------------------------------------------------------------- assembly


def test_offsets_with_and_without_empty_cases() -> None:
    rng = np.random.default_rng(9)
    for n_cases in (0, 1, 5, 200):
        counts = rng.integers(0, 4, n_cases)
        if n_cases:
            counts[0] = 0
        case = np.repeat(np.arange(n_cases), counts).astype(np.int32)
        expect = [0]
        for c in counts.tolist():
            expect.append(expect[-1] + c)
        offsets, dense = _offsets(case, n_cases)
        assert offsets.tolist() == expect
        assert dense == bool((counts > 0).all())
        full = np.repeat(np.arange(n_cases), counts + 1).astype(np.int32)
        expect_full = [0]
        for c in (counts + 1).tolist():
            expect_full.append(expect_full[-1] + c)
        offsets, dense = _offsets(full, n_cases)
        assert offsets.tolist() == expect_full
        assert dense


def test_dropped_rows_drop_the_labels_only_they_used() -> None:
    log = EventLog.from_columns(
        case=["a", "b", "c", "d", "d"],
        activity=["X", "Only dropped", "X", "Y", "X"],
        timestamp=[
            "2024-01-01T00:00Z",
            None,
            "not a time",
            "2024-01-02T00:00Z",
            "2024-01-03T00:00Z",
        ],
        resource=None,
        on_invalid="drop",
    )
    assert log.dropped.rows == 2
    assert log.case_ids.tolist() == ["a", "d"]
    assert log.activities == ("X", "Y")
    assert log.case_starts.tolist() == [0, 1, 3]
    assert log.activity_codes.tolist() == [0, 1, 0]


def test_large_string_log_equals_the_same_log_built_from_lists() -> None:
    n = N
    acts = _shuffled_names(n, seed=10)
    case_ids = [f"C{(i * 7919) % 1000:04d}" for i in range(n)]  # not grouped, not sorted
    ts = (T0 + np.arange(n).astype("timedelta64[m]")).astype("M8[s]")
    level = (np.arange(n) % 4).astype(np.int8)
    log = EventLog.from_columns(
        case=_objects(case_ids), activity=_objects(acts), timestamp=ts, resource=None,
        attributes={"level": level},
    )  # fmt: skip
    order = sorted(range(n), key=lambda i: (case_ids[i], int(ts[i].astype(np.int64)), i))
    cols = log.to_columns()
    assert cols["case:concept:name"].tolist() == [case_ids[i] for i in order]
    assert cols["concept:name"].tolist() == [acts[i] for i in order]
    assert cols["level"].tolist() == [int(level[i]) for i in order]
    starts = [0]
    for cid in sorted(set(case_ids)):
        starts.append(starts[-1] + case_ids.count(cid))
    assert log.case_starts.tolist() == starts
