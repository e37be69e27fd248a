"""EventLog construction: columns, encodings, timestamps, invalid rows, attributes."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import polars as pl
import pytest

from kpicore.activities import PAYMENT_RECEIVED
from kpicore.errors import (
    InvalidParameterError,
    InvalidRecordError,
    MissingDataError,
    NaiveDatetimeError,
    UnknownActivityError,
)
from kpicore.eventlog import RESOURCE_KEY, EventLog, concat
from kpicore.eventlog._encode import Column, encode_attribute, encode_keys
from kpicore.eventlog._timestamps import NAT, parse_timestamps, timestamp_bound
from kpicore.model import Event

UTC = dt.UTC
SP = ZoneInfo("America/Sao_Paulo")
NS_H = 3_600_000_000_000
NS_D = 24 * NS_H
T0 = 1_704_067_200_000_000_000  # 2024-01-01T00:00Z


def ns(text: str) -> int:
    return int(np.datetime64(text, "ns").astype(np.int64))


# ----------------------------------------------------------------------------- basics


def test_codes_follow_sorted_labels_and_events_sort_by_case_then_time() -> None:
    log = EventLog.from_columns(
        case=["c", "a", "b", "a"],
        activity=["Y", "X", "X", "Z"],
        timestamp=["2024-01-03T00:00Z", "2024-01-02T00:00Z", "2024-01-01T00:00Z",
                   "2024-01-01T00:00Z"],
    )  # fmt: skip
    assert log.case_ids.tolist() == ["a", "b", "c"]
    assert log.activities == ("X", "Y", "Z")
    # a: Z(01-01) then X(01-02); b: X; c: Y
    assert log.case_codes.tolist() == [0, 0, 1, 2]
    assert [log.activities[a] for a in log.activity_codes] == ["Z", "X", "X", "Y"]
    assert log.case_starts.tolist() == [0, 2, 3, 4]
    assert log.case_codes.dtype == np.int32
    assert log.activity_codes.dtype == np.int16
    assert log.timestamps.dtype == np.int64
    assert (log.n_events, log.n_cases, len(log)) == (4, 3, 4)


def test_ties_keep_input_order_unless_an_order_column_is_given() -> None:
    kwargs: dict[str, Any] = {
        "case": ["a", "a", "a"],
        "activity": ["B", "A", "C"],
        "timestamp": ["2024-01-01T00:00Z", "2024-01-01T00:00Z", "2023-12-31T00:00Z"],
    }
    log = EventLog.from_columns(**kwargs)
    assert [log.activities[a] for a in log.activity_codes] == ["C", "B", "A"]
    ordered = EventLog.from_columns(**kwargs, order=[2, 1, 0])
    assert [ordered.activities[a] for a in ordered.activity_codes] == ["C", "A", "B"]


def test_memory_is_14_bytes_per_event_plus_offsets() -> None:
    n = 1000
    log = EventLog.from_columns(
        case=np.repeat(np.arange(100), 10), activity=["X"] * n,
        timestamp=np.arange(n).astype("datetime64[s]"),
    )  # fmt: skip
    assert log.nbytes == 14 * n + 8 * (log.n_cases + 1)


def test_log_is_immutable() -> None:
    log = EventLog.from_columns(case=["a"], activity=["X"], timestamp=["2024-01-01T00:00Z"])
    with pytest.raises(AttributeError):
        log._ts = np.zeros(1, dtype=np.int64)
    with pytest.raises(ValueError, match="read-only"):
        log.timestamps[0] = 0
    with pytest.raises(InvalidParameterError, match="from_columns"):
        EventLog()


def test_repr_and_equality() -> None:
    a = EventLog.from_columns(case=["a"], activity=["X"], timestamp=["2024-01-01T00:00Z"])
    b = EventLog.from_columns(case=["a"], activity=["X"], timestamp=["2024-01-01T00:00Z"])
    c = EventLog.from_columns(case=["a"], activity=["Y"], timestamp=["2024-01-01T00:00Z"])
    assert a == b
    assert a != c
    assert a.__eq__(1) is NotImplemented
    assert "1 event, 1 case, 1 activity" in repr(a)


def test_pm4py_named_dict_with_resource() -> None:
    log = EventLog.from_columns(
        {
            "case:concept:name": ["F-1", "F-1"],
            "concept:name": ["Fatura Gerada", "Pagamento Recebido"],
            "time:timestamp": ["2024-01-01T10:00:00-03:00", "2024-01-02T10:00:00-03:00"],
            "org:resource": ["ana", None],
        }
    )
    assert log.event_attribute(RESOURCE_KEY).tolist() == ["ana", None]
    assert log.first_occurrence("Invoice Generated").ns.tolist() == [ns("2024-01-01T13:00")]


def test_other_column_names_by_keyword() -> None:
    data = {"inv": ["a", "b"], "what": ["X", "Y"], "when": ["2024-01-01", "2024-01-02"],
            "who": ["u1", "u2"]}  # fmt: skip
    log = EventLog.from_columns(
        data, case="inv", activity="what", timestamp="when", resource="who"
    )
    assert log.event_attribute(RESOURCE_KEY).tolist() == ["u1", "u2"]
    assert log.timestamps.tolist() == [T0, T0 + NS_D]


def test_missing_column_is_named() -> None:
    with pytest.raises(MissingDataError, match=r"'nope'.*available columns"):
        EventLog.from_columns({"a": [1]}, case="nope")
    with pytest.raises(MissingDataError, match=r"'who' \(resource\)"):
        EventLog.from_columns(
            {"case:concept:name": ["a"], "concept:name": ["X"], "time:timestamp": ["2024-01-01"]},
            resource="who",
        )
    with pytest.raises(InvalidParameterError, match="no data="):
        EventLog.from_columns(case="x", activity=["X"], timestamp=["2024-01-01"])
    with pytest.raises(InvalidParameterError, match="DataFrame"):
        EventLog.from_columns(42, case=["a"], activity=["X"], timestamp=["2024-01-01"])


def test_length_mismatch_raises() -> None:
    with pytest.raises(InvalidParameterError, match="differ in length"):
        EventLog.from_columns(case=["a", "b"], activity=["X"], timestamp=["2024-01-01"] * 2)
    with pytest.raises(InvalidParameterError, match="rows"):
        EventLog.from_columns(
            case=["a"], activity=["X"], timestamp=["2024-01-01"], attributes={"n": [1, 2]}
        )


def test_empty_log() -> None:
    log = EventLog.from_columns(case=[], activity=[], timestamp=np.zeros(0, "datetime64[ns]"))
    assert (log.n_events, log.n_cases) == (0, 0)
    assert log.case_durations().counts["used"] == 0
    assert log.variants().to_dict() == {}
    assert log.directly_follows().as_dict() == {}
    assert log.quality().ok


# ------------------------------------------------------------------------ encodings


@pytest.mark.parametrize(
    "column",
    [
        ["b", "a", "b", "c"],
        np.array(["b", "a", "b", "c"]),
        np.array(["b", "a", "b", "c"], dtype=object),
        np.array([b"b", b"a", b"b", b"c"]),
        pd.Series(["b", "a", "b", "c"]),
        pd.Series(["b", "a", "b", "c"], dtype="category"),
        pd.Series(pd.Categorical(["b", "a", "b", "c"], categories=["z", "c", "b", "a"])),
        pl.Series(["b", "a", "b", "c"]),
        pl.Series(["b", "a", "b", "c"]).cast(pl.Categorical),
        pl.Series(["b", "a", "b", "c"], dtype=pl.Enum(["c", "b", "a", "z"])),
    ],
)
def test_every_column_type_encodes_to_the_same_codes(column: Any) -> None:
    enc = encode_keys(column, field="case")
    assert enc.labels.tolist() == ["a", "b", "c"]
    assert enc.codes.tolist() == [1, 0, 1, 2]


def test_integer_ids_keep_integer_labels() -> None:
    for column in ([30, 10, 30], np.array([30, 10, 30]), np.array([30.0, 10.0, 30.0]),
                   pd.Series([30, 10, 30]), pl.Series([30, 10, 30])):  # fmt: skip
        enc = encode_keys(column, field="case")
        assert enc.labels.tolist() == [10, 30]
        assert enc.codes.tolist() == [1, 0, 1]


def test_grouped_sorted_and_grouped_unsorted_ids() -> None:
    grouped = np.array(["b", "b", "a", "a", "c"], dtype=object)
    assert encode_keys(grouped, field="c").codes.tolist() == [1, 1, 0, 0, 2]
    ordered = np.array(["a", "a", "b", "c", "c"], dtype=object)
    assert encode_keys(ordered, field="c").codes.tolist() == [0, 0, 1, 2, 2]


def test_many_distinct_shuffled_ids_take_the_hash_path() -> None:
    rng = np.random.default_rng(1)
    ids = [f"K{i:06d}" for i in rng.permutation(100_000).tolist()]
    enc = encode_keys(ids, field="case")
    assert enc.labels.tolist() == sorted(ids)
    assert enc.labels[enc.codes].tolist() == ids


def test_nulls_in_keys() -> None:
    enc = encode_keys(["b", None, float("nan"), "a"], field="case")
    assert enc.codes.tolist() == [1, -1, -1, 0]
    assert encode_keys(pd.Series(["b", None]), field="c").codes.tolist() == [0, -1]
    assert encode_keys([None, None], field="c").labels.tolist() == []


def test_mixed_key_types_raise_naming_row_and_column() -> None:
    with pytest.raises(InvalidRecordError, match=r"row 1: field 'case'") as info:
        encode_keys(["a", 5, "b"], field="case")
    assert info.value.row == 1
    with pytest.raises(InvalidRecordError, match="field 'case'"):
        encode_keys([1.5, 2.0], field="case")
    with pytest.raises(InvalidRecordError, match="booleans"):
        encode_keys(np.array([True, False]), field="case")
    with pytest.raises(InvalidRecordError, match="string or an integer"):
        encode_keys([dt.date(2024, 1, 1)], field="case")


def test_activity_names_must_be_strings() -> None:
    with pytest.raises(InvalidRecordError, match="field 'activity'"):
        EventLog.from_columns(case=["a"], activity=[7], timestamp=["2024-01-01"])


def test_too_many_activities() -> None:
    n = 32_768
    with pytest.raises(InvalidParameterError, match="32767"):
        EventLog.from_columns(
            case=["a"] * n, activity=[f"A{i}" for i in range(n)],
            timestamp=np.zeros(n, dtype="datetime64[ns]"),
        )  # fmt: skip


# ----------------------------------------------------------------------- timestamps


def test_iso_strings_with_offsets_zulu_and_dates() -> None:
    p = parse_timestamps(
        ["2024-01-01T00:00:00Z", "2024-01-01T00:00:00-03:00", "2024-01-01T05:30:00+05:30",
         "2024-01-01", "2024-01-01 01:00:00.123456789+00:00"],
        field="ts",
    )  # fmt: skip
    assert p.ns.tolist() == [T0, T0 + 3 * NS_H, T0, T0, T0 + NS_H + 123_456_789]
    assert not p.null.any()
    assert not p.invalid.any()


def test_iso_fallback_forms() -> None:
    # compact offsets and mixed suffixes within one length go through fromisoformat
    p = parse_timestamps(
        ["2024-01-01T00:00:00+0100", "2024-01-01T00:00Z", "2024-01-01T01:00+01:00",
         " 2024-01-01T00:00:00Z", "2024-01-01T00:00:00.1234567+00:00"],
        field="ts",
    )  # fmt: skip
    assert p.ns.tolist() == [T0 - NS_H, T0, T0, T0, T0 + 123_456_700]


def test_unparsable_and_null_strings() -> None:
    p = parse_timestamps(["2024-13-01T00:00:00Z", "", "NaT", "garbage!", None], field="ts")
    assert p.invalid.tolist() == [True, False, False, True, False]
    assert p.null.tolist() == [False, True, True, False, True]


def test_naive_string_raises_naming_row_and_column_unless_tz() -> None:
    with pytest.raises(NaiveDatetimeError, match=r"row 1: field 'when'") as info:
        parse_timestamps(["2024-01-01T00:00:00Z", "2024-01-01T10:00:00"], field="when")
    assert info.value.row == 1
    p = parse_timestamps(["2024-01-01T10:00:00", "2024-07-01T10:00:00"], field="when", tz=SP)
    assert p.ns.tolist() == [ns("2024-01-01T13:00"), ns("2024-07-01T13:00")]


def test_naive_with_tz_across_a_dst_change() -> None:
    # New York 2024-03-10: 01:30 is EST (-5), 03:30 is EDT (-4); the hour 02:xx does not exist
    ny = ZoneInfo("America/New_York")
    wall = ["2024-03-10T01:30:00", "2024-03-10T03:30:00", "2024-11-03T01:30:00"]
    p = parse_timestamps(wall, field="ts", tz=ny)
    # 2024-11-03 01:30 is ambiguous: fold=0 takes the first (EDT, -4)
    assert p.ns.tolist() == [ns("2024-03-10T06:30"), ns("2024-03-10T07:30"),
                             ns("2024-11-03T05:30")]  # fmt: skip
    naive64 = np.array(wall, dtype="datetime64[ns]")
    assert parse_timestamps(naive64, field="ts", tz=ny).ns.tolist() == p.ns.tolist()


def test_datetime64_units() -> None:
    assert parse_timestamps(np.array(["2024-01-01"], "datetime64[D]"), field="t").ns[0] == T0
    assert parse_timestamps(np.array([T0 // 10**9], "datetime64[s]"), field="t").ns[0] == T0
    assert parse_timestamps(np.array(["2024-01"], "datetime64[M]"), field="t").ns[0] == T0
    far = parse_timestamps(np.array(["2300-01-01"], "datetime64[s]"), field="t")
    assert far.invalid.tolist() == [True]
    nat = parse_timestamps(np.array(["NaT"], "datetime64[ns]"), field="t")
    assert nat.null.tolist() == [True]


def test_aware_datetimes_of_any_zone_and_pandas_timestamps() -> None:
    values = [
        dt.datetime(2024, 1, 1, tzinfo=UTC),
        dt.datetime(2023, 12, 31, 21, tzinfo=SP),
        dt.datetime(2024, 1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1))),
        pd.Timestamp("2024-01-01T00:00:00.000000007", tz="UTC"),
        dt.date(2024, 1, 1),
        np.datetime64("2024-01-01T00:00:00", "ns"),
        None,
    ]
    p = parse_timestamps(values, field="ts")
    assert p.ns.tolist()[:6] == [T0, T0, T0, T0 + 7, T0, T0]
    assert p.null.tolist() == [False] * 6 + [True]


def test_naive_datetime_raises_naming_row() -> None:
    with pytest.raises(NaiveDatetimeError, match=r"row 1: field 'ts'"):
        parse_timestamps([dt.datetime(2024, 1, 1, tzinfo=UTC), dt.datetime(2024, 1, 1)],
                         field="ts")  # fmt: skip
    p = parse_timestamps([dt.datetime(2024, 1, 1, 9)], field="ts", tz=SP)
    assert p.ns.tolist() == [ns("2024-01-01T12:00")]


def test_epoch_numbers_need_a_unit() -> None:
    with pytest.raises(InvalidParameterError, match="unit="):
        parse_timestamps([1_704_067_200], field="ts")
    assert parse_timestamps([1_704_067_200], field="ts", unit="s").ns.tolist() == [T0]
    assert parse_timestamps(np.array([1_704_067_200.5]), field="ts", unit="s").ns.tolist() == [
        T0 + 500_000_000
    ]
    p = parse_timestamps(np.array([np.nan, 1e30]), field="ts", unit="ms")
    assert p.null.tolist() == [True, False]
    assert p.invalid.tolist() == [False, True]
    assert parse_timestamps([19723], field="ts", unit="D").ns.tolist() == [T0]
    with pytest.raises(InvalidParameterError, match="unit must be"):
        parse_timestamps([1], field="ts", unit="h")


def test_pandas_and_polars_datetime_columns() -> None:
    aware = pd.Series(pd.to_datetime(["2024-01-01T00:00:00"])).dt.tz_localize("America/Sao_Paulo")
    assert parse_timestamps(aware, field="t").ns.tolist() == [T0 + 3 * NS_H]
    naive = pd.Series(pd.to_datetime(["2024-01-01T00:00:00"]))
    with pytest.raises(NaiveDatetimeError, match="field 't'"):
        parse_timestamps(naive, field="t")
    assert parse_timestamps(naive, field="t", tz=SP).ns.tolist() == [T0 + 3 * NS_H]
    pl_aware = pl.Series([dt.datetime(2024, 1, 1, tzinfo=UTC), None])
    got = parse_timestamps(pl_aware, field="t")
    assert got.ns.tolist()[0] == T0
    assert got.null.tolist() == [False, True]
    pl_naive = pl.Series([dt.datetime(2024, 1, 1)])
    with pytest.raises(NaiveDatetimeError):
        parse_timestamps(pl_naive, field="t")
    assert parse_timestamps(pl_naive, field="t", tz=UTC).ns.tolist() == [T0]
    assert parse_timestamps(pl.Series([dt.date(2024, 1, 1)]), field="t").ns.tolist() == [T0]
    assert parse_timestamps(pd.Series(["2024-01-01T00:00Z"]), field="t").ns.tolist() == [T0]


def test_unsupported_timestamp_inputs() -> None:
    with pytest.raises(InvalidParameterError, match="tz must be"):
        parse_timestamps(["2024-01-01"], field="t", tz="UTC")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="dtype"):
        parse_timestamps(np.array([True]), field="t")
    p = parse_timestamps([object()], field="t")
    assert p.invalid.tolist() == [True]


def test_timestamp_bounds() -> None:
    assert timestamp_bound(dt.date(2024, 1, 1), name="s", end=False) == T0
    assert timestamp_bound(dt.date(2024, 1, 1), name="e", end=True) == T0 + NS_D - 1
    assert timestamp_bound("2024-01-01", name="e", end=True) == T0 + NS_D - 1
    assert timestamp_bound("2024-01-01T00:00:00-03:00", name="s", end=False) == T0 + 3 * NS_H
    assert timestamp_bound(np.datetime64("2024-01-01", "ns"), name="s", end=False) == T0
    assert timestamp_bound(T0, name="s", end=False) == T0
    with pytest.raises(NaiveDatetimeError, match="field 'start'"):
        timestamp_bound(dt.datetime(2024, 1, 1), name="start", end=False)
    with pytest.raises(InvalidParameterError, match="start"):
        timestamp_bound("nope", name="start", end=False)
    with pytest.raises(InvalidParameterError, match="start"):
        timestamp_bound(True, name="start", end=False)
    with pytest.raises(InvalidParameterError, match="start"):
        timestamp_bound("2024-99-99T00:00Z", name="start", end=False)
    with pytest.raises(InvalidParameterError, match="start"):
        timestamp_bound(1.5, name="start", end=False)


# --------------------------------------------------------------------- invalid rows


def test_null_case_raises_naming_row_and_column() -> None:
    with pytest.raises(InvalidRecordError, match=r"row 1: field 'case:concept:name'"):
        EventLog.from_columns(
            {"case:concept:name": ["a", None], "concept:name": ["X", "X"],
             "time:timestamp": ["2024-01-01T00:00Z"] * 2}
        )  # fmt: skip


def test_bad_timestamp_names_record_row_and_value() -> None:
    with pytest.raises(InvalidRecordError) as info:
        EventLog.from_columns(
            case=["a", "b"], activity=["X", "X"], timestamp=["2024-01-01T00:00Z", "soon"]
        )
    err = info.value
    assert (err.record, err.row, err.field, err.value) == ("b", 1, "timestamp", "soon")
    assert "record 'b' (row 1): field 'timestamp' = 'soon'" in str(err)


def test_empty_activity_is_invalid() -> None:
    with pytest.raises(InvalidRecordError, match="field 'activity'"):
        EventLog.from_columns(case=["a"], activity=[""], timestamp=["2024-01-01"])


def test_drop_keeps_count_and_example_rows() -> None:
    log = EventLog.from_columns(
        case=["a", None, "b", "c", "d"],
        activity=["X", "X", None, "X", "X"],
        timestamp=["2024-01-01T00:00Z", "2024-01-01T00:00Z", "2024-01-01T00:00Z", "bad", None],
        on_invalid="drop",
    )
    assert log.case_ids.tolist() == ["a"]
    assert log.dropped.rows == 4
    assert dict(log.dropped.by_field) == {"case": 1, "activity": 1, "timestamp": 2}
    assert dict(log.dropped.examples) == {"case": (1,), "activity": (2,), "timestamp": (3, 4)}
    q = log.quality()["dropped_rows"]
    assert (q.count, q.examples) == (4, (1, 2, 3, 4))
    assert log.dropped.to_dict()["rows"] == 4
    with pytest.raises(InvalidParameterError, match="on_invalid"):
        EventLog.from_columns(case=["a"], activity=["X"], timestamp=["2024-01-01"],
                              on_invalid="ignore")  # type: ignore[arg-type]  # fmt: skip


# ----------------------------------------------------------------------- attributes


def test_attribute_kinds() -> None:
    assert encode_attribute([1, 2], field="n").kind == "int"
    assert encode_attribute([1, None], field="n").kind == "float"
    assert encode_attribute([1.5, 2], field="n").kind == "float"
    assert encode_attribute([True, False], field="b").kind == "bool"
    assert encode_attribute([True, None], field="b").decode().tolist()[0] == 1.0
    assert encode_attribute(["x", None], field="s").kind == "category"
    assert encode_attribute([dt.date(2024, 1, 1), None], field="d").kind == "date"
    aware = encode_attribute([dt.datetime(2024, 1, 1, tzinfo=UTC), None], field="w")
    assert aware.kind == "datetime"
    assert aware.data.tolist() == [T0, NAT]
    assert encode_attribute(np.array(["2024-01-01"], "datetime64[D]"), field="d").kind == "date"
    assert encode_attribute(np.array([T0], "datetime64[ns]"), field="d").kind == "datetime"
    assert encode_attribute(np.array([1, 2], dtype=np.uint8), field="n").kind == "int"
    assert encode_attribute(pd.Series(["x"], dtype="category"), field="c").kind == "category"
    assert encode_attribute(pl.Series(["x"]), field="c").kind == "category"
    assert encode_attribute(pl.Series([dt.date(2024, 1, 1)]), field="c").kind == "date"
    pl_dt = encode_attribute(pl.Series([dt.datetime(2024, 1, 1, tzinfo=UTC)]), field="c")
    assert pl_dt.kind == "datetime"
    pd_dt = encode_attribute(pd.Series(pd.to_datetime(["2024-01-01"], utc=True)), field="c")
    assert pd_dt.data.tolist() == [T0]


def test_mixed_attribute_raises_naming_row_and_column() -> None:
    with pytest.raises(InvalidRecordError, match=r"row 1: field 'level'"):
        encode_attribute([1, "two"], field="level")
    with pytest.raises(InvalidRecordError, match=r"field 'level'"):
        encode_attribute([dt.timedelta(1)], field="level")
    with pytest.raises(NaiveDatetimeError, match=r"row 1: field 'when'"):
        encode_attribute([dt.datetime(2024, 1, 1, tzinfo=UTC), dt.datetime(2024, 1, 1)],
                         field="when")  # fmt: skip


def test_attributes_all_and_case_prefix() -> None:
    data = {
        "case:concept:name": ["b", "a", "a"],
        "concept:name": ["X", "X", "Y"],
        "time:timestamp": ["2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-01T00:00Z"],
        "amount": [1.5, 2.0, 3.0],
        "case:customer": ["C2", "C1", "C1"],
    }
    log = EventLog.from_columns(data, attributes="all")
    assert log.attribute_names == ("amount",)
    assert log.case_attribute("customer").tolist() == ["C1", "C2"]
    # a's events in time order: Y(01-01, 3.0), X(01-02, 2.0)
    assert log.event_attribute("amount").tolist() == [3.0, 2.0, 1.5]
    with pytest.raises(InvalidParameterError, match="'all'"):
        EventLog.from_columns(data, attributes="some")
    with pytest.raises(MissingDataError, match="no event attribute"):
        log.event_attribute("nope")
    with pytest.raises(MissingDataError, match="no case attribute"):
        log.case_attribute("nope")


def test_case_attribute_first_non_null_and_conflicts() -> None:
    log = EventLog.from_columns(
        case=["a", "a", "a", "b"],
        activity=["X", "Y", "Z", "X"],
        timestamp=["2024-01-03T00:00Z", "2024-01-01T00:00Z", "2024-01-02T00:00Z",
                   "2024-01-01T00:00Z"],
        case_attributes={"collector": ["ana", None, "rui", None], "limit": [1, 1, 1, 2]},
    )  # fmt: skip
    # a in time order: Y(None) Z(rui) X(ana) -> first non-null is rui; ana conflicts
    assert log.case_attribute("collector").tolist() == ["rui", None]
    assert log.case_attribute("limit").tolist() == [1, 2]
    conflicts = log.quality()["case_attribute_conflicts"]
    assert (conflicts.count, conflicts.examples) == (1, ("a",))


def test_with_case_attributes_from_mapping_and_array() -> None:
    log = EventLog.from_columns(case=["b", "a"], activity=["X", "X"],
                                timestamp=["2024-01-01T00:00Z"] * 2)  # fmt: skip
    out = log.with_case_attributes(
        {"segment": {"a": "SMB", "zz": "ignored"}, "limit": np.array([10.0, 20.0])}
    )
    assert out.case_attribute("segment").tolist() == ["SMB", None]
    assert out.case_attribute("limit").tolist() == [10.0, 20.0]
    assert out.case_attribute_names == ("segment", "limit")
    assert dict(out.case_attributes)["limit"].tolist() == [10.0, 20.0]
    assert log.case_attribute_names == ()  # the original is unchanged
    with pytest.raises(InvalidParameterError, match="2 cases"):
        log.with_case_attributes({"limit": [1, 2, 3]})
    with pytest.raises(InvalidParameterError, match="mapping"):
        log.with_case_attributes([1, 2])  # type: ignore[arg-type]


# -------------------------------------------------------------------- activity roles


def test_activity_roles_canonical_pt_label_activity_object_and_map() -> None:
    log = EventLog.from_columns(
        case=["a", "a", "b"],
        activity=["Pagamento Recebido", "Boleto pago", "Payment Received"],
        timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-03T00:00Z"],
        activity_map={"Boleto pago": "Payment Received"},
    )
    assert log.count("Payment Received").to_dict() == {"a": 2, "b": 1}
    assert log.count(PAYMENT_RECEIVED).to_dict() == {"a": 2, "b": 1}
    assert log.count("pagamento recebido").to_dict() == {"a": 2, "b": 1}
    assert log.count("Boleto pago").to_dict() == {"a": 2, "b": 1}
    assert log.canonical_activities["Boleto pago"] == "Payment Received"
    assert log.activity_map == {"Boleto pago": "Payment Received"}


def test_free_text_label_and_list_roles() -> None:
    log = EventLog.from_columns(case=["a", "a"], activity=["Ligação", "Visita"],
                                timestamp=["2024-01-01T00:00Z"] * 2)  # fmt: skip
    assert log.count("Ligação").values.tolist() == [1]
    assert log.count(["Ligação", "Visita"]).values.tolist() == [2]


def test_unknown_activity_lists_the_logs_activities() -> None:
    log = EventLog.from_columns(case=["a"], activity=["Ligação"], timestamp=["2024-01-01"])
    with pytest.raises(UnknownActivityError, match=r"'Lgacao'.*\['Ligação'\]"):
        log.count("Lgacao")
    # canonical but absent: zero occurrences, no error
    assert log.count("Invoice Written Off").values.tolist() == [0]
    with pytest.raises(InvalidParameterError, match="empty"):
        log.count([])
    with pytest.raises(InvalidParameterError, match="activity"):
        log.count(5)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="activity"):
        log.count([5])  # type: ignore[list-item]


def test_with_activity_map() -> None:
    log = EventLog.from_columns(case=["a"], activity=["Baixa"], timestamp=["2024-01-01"])
    with pytest.raises(UnknownActivityError):
        log.count("Baixa manual")
    mapped = log.with_activity_map({"Baixa": "Invoice Written Off"})
    assert mapped.count("Invoice Written Off").values.tolist() == [1]
    assert mapped != log
    with pytest.raises(InvalidParameterError):
        log.with_activity_map([("a", "b")])  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError):
        EventLog.from_columns(case=["a"], activity=["X"], timestamp=["2024-01-01"],
                              activity_map=[("X", "Y")])  # type: ignore[arg-type]  # fmt: skip


# ------------------------------------------------------------- events, round trips


def test_from_events_equals_from_columns() -> None:
    events = [
        Event("F-2", "Invoice Generated", "2024-01-02T00:00:00Z", attributes={"n": 1}),
        Event("F-1", "Invoice Generated", "2024-01-01T00:00:00-03:00", resource="erp"),
        Event("F-1", "Payment Received", "2024-01-05T00:00:00Z", attributes={"n": 2}),
    ]
    log = EventLog.from_events(events)
    cols = EventLog.from_columns(
        case=["F-2", "F-1", "F-1"],
        activity=["Invoice Generated", "Invoice Generated", "Payment Received"],
        timestamp=["2024-01-02T00:00:00Z", "2024-01-01T03:00:00Z", "2024-01-05T00:00:00Z"],
        resource=[None, "erp", None],
        attributes={"n": [1, None, 2]},
    )
    assert log == cols
    with pytest.raises(InvalidRecordError, match="row 0: field 'event'"):
        EventLog.from_events(["nope"])  # type: ignore[list-item]


def test_to_columns_round_trip() -> None:
    log = EventLog.from_columns(
        case=["b", "a", "a"],
        activity=["X", "Y", "X"],
        timestamp=["2024-01-01T00:00Z", "2024-01-03T00:00Z", "2024-01-02T00:00Z"],
        resource=["u", None, "v"],
        attributes={"amount": [1.5, None, 2.5], "when": [dt.date(2024, 1, 9)] * 3},
        case_attributes={"customer": ["C2", "C1", "C1"]},
        activity_map={"X": "Payment Received"},
    )
    cols = log.to_columns()
    assert cols["case:concept:name"].tolist() == ["a", "a", "b"]
    assert cols["case:customer"].tolist() == ["C1", "C1", "C2"]
    again = EventLog.from_columns(cols, attributes="all", activity_map=log.activity_map)
    assert again == log
    # through pandas: numpy datetime64 columns become naive pandas datetimes (and dates
    # become datetimes), so name the zone and leave the date column out
    frame = pd.DataFrame({k: v for k, v in cols.items() if k != "when"})
    with pytest.raises(NaiveDatetimeError, match="time:timestamp"):
        EventLog.from_columns(frame)
    back = EventLog.from_columns(frame, attributes="all", tz=UTC, activity_map=log.activity_map)
    assert back.to_columns().keys() == {k: 0 for k in cols if k != "when"}.keys()
    assert back.timestamps.tolist() == log.timestamps.tolist()
    assert back.case_attribute("customer").tolist() == ["C1", "C2"]


def test_concat_merges_cases_attributes_and_maps() -> None:
    a = EventLog.from_columns(
        case=["x", "y"], activity=["A", "A"], timestamp=["2024-01-01T00:00Z"] * 2,
        attributes={"n": [1, 2]}, case_attributes={"c": ["C1", "C2"]},
        activity_map={"A": "Invoice Generated"},
    )  # fmt: skip
    b = EventLog.from_columns(
        case=["x", "z"], activity=["B", "B"], timestamp=["2024-01-02T00:00Z"] * 2,
        attributes={"m": ["u", "v"]}, case_attributes={"c": ["C9", "C3"]},
    )  # fmt: skip
    c = concat([a, b])
    assert c.case_ids.tolist() == ["x", "y", "z"]
    assert c.variants().as_tuples() == {("A", "B"): 1, ("A",): 1, ("B",): 1}
    assert np.array_equal(c.event_attribute("n"), [1.0, np.nan, 2.0, np.nan], equal_nan=True)
    assert c.event_attribute("m").tolist() == [None, "u", None, "v"]
    assert c.case_attribute("c").tolist() == ["C1", "C2", "C3"]
    assert c.quality()["case_attribute_conflicts"].examples == ("x",)
    assert c.count("Invoice Generated").values.tolist() == [1, 1, 0]
    assert EventLog.concat([a]) is a
    with pytest.raises(InvalidParameterError, match="at least one"):
        concat([])
    with pytest.raises(InvalidParameterError, match="EventLog"):
        concat([a, "b"])  # type: ignore[list-item]
    other_map = b.with_activity_map({"A": "Payment Received"})
    with pytest.raises(InvalidParameterError, match="conflict"):
        concat([a, other_map])
    ints = EventLog.from_columns(case=[1], activity=["A"], timestamp=["2024-01-01"])
    with pytest.raises(InvalidParameterError, match="strings and integers"):
        concat([a, ints])
    dates = EventLog.from_columns(case=["q"], activity=["A"], timestamp=["2024-01-01"],
                                  attributes={"n": [dt.date(2024, 1, 1)]})  # fmt: skip
    with pytest.raises(InvalidParameterError, match="incompatible"):
        concat([a, dates])


def test_logs_and_results_pickle() -> None:
    import pickle

    log = EventLog.from_columns(
        case=["a", "a", None], activity=["X", "Y", "X"],
        timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-01T00:00Z"],
        attributes={"n": [1, 2, 3]}, case_attributes={"c": ["u", "v", "w"]},
        activity_map={"X": "Invoice Generated"}, on_invalid="drop",
    )  # fmt: skip
    back = pickle.loads(pickle.dumps(log))
    assert back == log
    assert back.dropped.rows == 1
    assert back.quality()["case_attribute_conflicts"].count == 1
    d = log.case_durations()
    assert pickle.loads(pickle.dumps(d.summary())) == d.summary()
    assert pickle.loads(pickle.dumps(log.case_table()))["events"].tolist() == [2]
    assert pickle.loads(pickle.dumps(log.quality())).n_events == 2


@pytest.mark.parametrize("unit", [1, 1_000, 1_000_000, 1_000_000_000])
def test_sorting_paths_agree_and_keep_ties_in_input_order(unit: int) -> None:
    # shuffled rows (packed-key sort), grouped by case (runs reordered, then per-case
    # fixes), time-ordered (one stable sort by case) and sorted input: each must give
    # the stable (case, ts) order of its own input, which the "row" attribute reveals
    rng = np.random.default_rng(unit)
    n = 3000
    case = rng.integers(0, 200, n)
    ts = T0 + rng.integers(0, 50, n) * unit
    rows = list(range(n))
    orders = {
        "shuffled": rows,
        "grouped": sorted(rows, key=lambda i: (-case[i], i)),
        "by_time": sorted(rows, key=lambda i: (ts[i], i)),
        "sorted": sorted(rows, key=lambda i: (case[i], ts[i])),
    }
    for order in orders.values():
        idx = np.array(order)
        log = EventLog.from_columns(
            case=case[idx], activity=["A"] * n, timestamp=ts[idx].view("datetime64[ns]"),
            attributes={"row": idx},
        )  # fmt: skip
        want = sorted(order, key=lambda i: (case[i], ts[i]))  # Python's sort is stable
        assert log.event_attribute("row").tolist() == want
    wide = EventLog.from_columns(
        case=case, activity=["A"] * n,
        timestamp=rng.integers(-(2**62), 2**62, n).view("datetime64[ns]"),
    )  # fmt: skip
    same_case = np.diff(wide.case_codes) == 0
    assert np.all(np.diff(wide.timestamps)[same_case] >= 0)


def test_from_columns_keeps_every_column_by_default() -> None:
    """No column of a frame is dropped silently: extra columns become attributes."""
    data = {
        "case:concept:name": ["A", "A", "B"],
        "concept:name": ["Invoice Generated", "Payment Received", "Invoice Generated"],
        "time:timestamp": np.array(["2024-01-01", "2024-01-05", "2024-01-02"], "datetime64[D]"),
        "amount_minor": [None, 500, None],
        "case:segment": ["SMB", "SMB", "Enterprise"],
        "collector": ["Ana", "Ana", "Bia"],
        "@@index": [0, 1, 2],
    }
    log = EventLog.from_columns(data)
    assert set(log.attribute_names) == {"amount_minor", "collector"}
    assert log.case_attribute_names == ("segment",)
    assert log.case_attribute("segment").tolist() == ["SMB", "Enterprise"]
    # a column claimed as a case attribute is not also an event attribute
    claimed = EventLog.from_columns(data, case_attributes=["collector"])
    assert set(claimed.attribute_names) == {"amount_minor"}
    assert set(claimed.case_attribute_names) == {"segment", "collector"}
    # () keeps the core columns only
    assert EventLog.from_columns(data, attributes=()).attribute_names == ()


@pytest.mark.parametrize(
    "values",
    [
        ["a", "a", None, "b", "b", "b"],
        [None, None, "z", "z", "a"],
        ["a", float("nan"), "a", "a"],
        [float("nan"), float("nan"), None],
        [None, None],
        [],
        [1, 1, 2, 2, 3],
        [1, None, 1, 1, 3],
        [1, 2.5, None, np.int8(4), np.float32(0.5)],
        [2**40, 2**40, 7],
        [1, float("nan"), 1],
        [True, True, None],
        [True, False, True],
        [1, True, 1],
        ["a", 1, "a"],
        [dt.date(2024, 1, 1), None, dt.date(2024, 1, 1)],
        [dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(1970, 1, 1)],
        [dt.date(2024, 1, 1), dt.datetime(2024, 1, 1, tzinfo=dt.UTC)],
        [None, dt.date(2024, 1, 1), pd.NaT],
        [np.str_("a"), "a", "b"],
        ["x", pd.NA, "x"],
        [1, pd.NA, 1],
        [1, pd.NaT, 2],
    ],
)
def test_encode_attribute_object_fast_path_matches_elementwise(values: list[Any]) -> None:
    """The type-set / run-head classification of object columns changes nothing."""
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    try:
        fast = encode_attribute(arr, field="x")
    except InvalidRecordError:
        with pytest.raises(InvalidRecordError):
            _reference_attribute(values)
        return
    kind, decoded = _reference_attribute(values)
    assert fast.kind == kind
    got = fast.decode().tolist()
    assert len(got) == len(decoded)
    for g, d in zip(got, decoded, strict=True):
        assert g == d or (g != g and d != d) or (g is None and d is None)


def _reference_attribute(values: list[Any]) -> tuple[str, list[Any]]:
    from kpicore.eventlog import _encode

    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    original = _encode._object_fast_path
    _encode._object_fast_path = lambda arr, *, field: None
    try:
        col = _encode.encode_attribute(arr, field="x")
    finally:
        _encode._object_fast_path = original
    return col.kind, col.decode().tolist()


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("dtype", ["str", object])
def test_pandas_str_column_with_missing_values_no_warning(dtype: Any) -> None:
    """A str/object column holding None and NaN encodes without a RuntimeWarning."""
    frame = pd.DataFrame(
        {
            "case:concept:name": ["c1", "c1", "c2", "c3"],
            "concept:name": ["A", "B", "A", "B"],
            "time:timestamp": pd.to_datetime(
                ["2024-01-01", "2024-01-02", "2024-01-01", "2024-01-03"], utc=True
            ),
            "reason": pd.Series([None, np.nan, None, np.nan], dtype=dtype),
            "note": pd.Series(["p", None, np.nan, "q"], dtype=dtype),
        }
    )
    log = EventLog.from_columns(frame)
    assert log.event_attribute("note").tolist() == ["p", None, None, "q"]
    if "reason" in log.attribute_names:
        assert log.event_attribute("reason").tolist() == [None] * 4
    else:
        assert log.case_attribute("reason").tolist() == [None] * 3


@pytest.mark.parametrize(
    "col",
    [
        Column("int", np.array([5, 5, 7, 1, 2, 2], dtype=np.int64)),
        Column("float", np.array([0.5, 0.5, 1.0, 2.0, 3.0, 4.0])),
        Column("bool", np.array([True, True, False, True, True, False])),
        Column(
            "category",
            np.array([1, 1, 0, 2, 0, 0], dtype=np.int32),
            np.array(["a", "b", "c"], dtype=object),
        ),
    ],
)
def test_reduce_case_column_without_nulls_matches_reference(col: Column) -> None:
    """The neighbour-comparison path (no nulls) gives first value and conflicts per case."""
    from kpicore.eventlog._log import _reduce_case_column

    case = np.array([0, 0, 1, 2, 2, 2], dtype=np.int32)
    per_case, conflict = _reduce_case_column(col, case, 3)
    values = col.decode().tolist()
    firsts = [values[0], values[2], values[3]]
    assert per_case.kind == col.kind
    assert per_case.decode().tolist() == firsts
    expected = [
        any(v != firsts[c] for v, c in zip(values, case.tolist(), strict=True) if c == k)
        for k in range(3)
    ]
    assert conflict.tolist() == expected
