"""Tests of the shared by=/freq= grouping and of Breakdown / to_jsonable."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpicore.errors import InvalidParameterError
from kpicore.grouping import make_grouping, resolve_by
from kpicore.money import Money
from kpicore.periods import Period
from kpicore.results import Breakdown, to_jsonable


def test_resolve_by_attribute_alias_and_related() -> None:
    invs = [
        SimpleNamespace(customer_id="c1", amount=Money(100, "BRL"), collector="Ana"),
        SimpleNamespace(customer_id="c9", amount=Money(5, "USD"), collector=None),
    ]
    customers = {"c1": SimpleNamespace(segment="SMB")}
    related = {"customer": ("customer_id", customers)}
    for by, expected in [
        ("collector", ["Ana", None]),
        ("currency", ["BRL", "USD"]),
        ("customer", ["c1", "c9"]),
    ]:
        got = resolve_by(invs, by)[1]
        assert got is not None
        assert got.tolist() == expected
    # c9 is not in the customer table: its key is missing (None), not an error
    name, keys = resolve_by(invs, "segment", related=related)
    assert name == "segment"
    assert keys is not None
    assert keys.tolist() == ["SMB", None]


def test_resolve_by_callable_sequence_and_errors() -> None:
    recs = [SimpleNamespace(x=1), SimpleNamespace(x=2)]

    def parity(r: Any) -> str:
        return "odd" if r.x % 2 else "even"

    assert resolve_by(recs, parity)[1].tolist() == ["odd", "even"]  # type: ignore[union-attr]
    assert resolve_by(recs, ["a", "b"])[1].tolist() == ["a", "b"]  # type: ignore[union-attr]
    assert resolve_by(recs, None) == (None, None)
    with pytest.raises(InvalidParameterError, match="3 keys for 2 records"):
        resolve_by(recs, ["a", "b", "c"])
    with pytest.raises(InvalidParameterError, match="has no attribute 'segment'"):
        resolve_by(recs, "segment")


def test_grouping_by_and_freq_hand_worked() -> None:
    keys = np.array(["b", "a", None, "a"], dtype=object)
    when = np.array(["2024-01-31", "2024-02-01", "2024-01-01", "NaT"], dtype="datetime64[D]")
    g = make_grouping(4, by_name="k", by_keys=keys, freq="month", when=when)
    jan, feb = Period.month(2024, 1), Period.month(2024, 2)
    # item 3 has no date: ungrouped; keys sorted by value with None last
    assert g.keys == (("a", feb), ("b", jan), (None, jan))
    assert g.codes.tolist() == [1, 0, 2, -1]
    assert g.ungrouped == 1
    assert [ix.tolist() for ix in g.indices()] == [[1], [0], [2]]
    b = g.breakdown(lambda ix: len(ix))
    assert dict(b) == {("a", feb): 1, ("b", jan): 1, (None, jan): 1}
    assert b.to_dict()["groups"] == {"a | 2024-02": 1, "b | 2024-01": 1, "None | 2024-01": 1}


def test_grouping_by_ns_and_dates_and_errors() -> None:
    ns = np.array([0, 86_400 * 10**9 * 40], dtype=np.int64)  # 1970-01-01 and 1970-02-10
    g = make_grouping(2, freq="month", when=ns)
    assert [str(k) for k in g.keys] == ["1970-01", "1970-02"]
    g2 = make_grouping(3, freq="year", when=[dt.date(2023, 5, 1), None, dt.date(2024, 1, 1)])
    assert [str(k) for k in g2.keys] == ["2023", "2024"]
    assert g2.codes.tolist() == [0, -1, 1]
    with pytest.raises(InvalidParameterError, match="freq="):
        make_grouping(1, freq="decade", when=ns[:1])  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="needs a date"):
        make_grouping(1, freq="month")
    with pytest.raises(InvalidParameterError, match="2 keys for 3"):
        make_grouping(3, by_keys=np.array(["a", "b"], dtype=object))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["x", "y", "z", None]),
            st.one_of(st.none(), st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31))),
        ),
        max_size=40,
    ),
    st.sampled_from(["day", "week", "month", "quarter", "year"]),
)
def test_grouping_equals_naive(items: list[tuple[str | None, dt.date | None]], freq: Any) -> None:
    keys = np.array([k for k, _ in items], dtype=object)
    g = make_grouping(len(items), by_name="k", by_keys=keys, freq=freq, when=[d for _, d in items])
    naive: dict[tuple[Any, Period], list[int]] = {}
    for i, (k, d) in enumerate(items):
        if d is not None:
            naive.setdefault((k, Period.containing(d, freq)), []).append(i)
    got = {k: ix.tolist() for k, ix in zip(g.keys, g.indices(), strict=True)}
    assert got == naive
    assert g.ungrouped == sum(d is None for _, d in items)
    assert list(g.keys) == sorted(g.keys, key=lambda kp: (kp[0] is None, kp[0] or "", kp[1]))


def test_to_jsonable_and_breakdown_mapping() -> None:
    b: Breakdown[Money] = Breakdown(by="currency", freq=None, groups={"BRL": Money(150, "BRL")})
    assert b["BRL"] == Money(150, "BRL")
    assert len(b) == 1
    assert list(b) == ["BRL"]
    assert b.to_dict() == {
        "by": "currency",
        "freq": None,
        "groups": {"BRL": {"amount": 1.5, "minor": 150, "currency": "BRL"}},
    }
    stamp = dt.datetime(2024, 1, 2, 3, 4, tzinfo=dt.UTC)
    assert to_jsonable((stamp, float("nan"), np.int64(3), Period.quarter(2024, 2))) == [
        "2024-01-02T03:04:00+00:00",
        None,
        3,
        "2024-Q2",
    ]
    assert to_jsonable(np.array(["2024-01-01", "NaT"], dtype="datetime64[D]")) == [
        "2024-01-01",
        None,
    ]


def test_resolve_by_unknown_name_is_an_error_even_with_dangling_links() -> None:
    recs = [SimpleNamespace(customer_id="gone")]
    customers = {"c1": SimpleNamespace(segment="SMB")}
    related = {"customer": ("customer_id", customers)}
    with pytest.raises(InvalidParameterError, match="segmnet"):
        resolve_by(recs, "segmnet", related=related)
    _name, keys = resolve_by(recs, "segment", related=related)  # a real name: key is None
    assert keys is not None
    assert keys.tolist() == [None]


def test_to_jsonable_enum_is_plain_value() -> None:
    from enum import StrEnum

    class Color(StrEnum):
        RED = "red"

    out = to_jsonable({"c": Color.RED})
    assert out == {"c": "red"}
    assert type(out["c"]) is str


def test_to_jsonable_keys_and_str_subclasses_are_plain_str() -> None:
    from enum import StrEnum

    class Color(StrEnum):
        RED = "red"

    class Code(str):
        pass

    out = to_jsonable({Color.RED: [Code("x")], Code("k"): 1})
    assert out == {"red": ["x"], "k": 1}
    assert [type(k) for k in out] == [str, str]
    assert type(out["red"][0]) is str
    b: Breakdown[int] = Breakdown(by="status", freq=None, groups={Color.RED: 1})
    assert [type(k) for k in b.to_dict()["groups"]] == [str]


def test_result_helpers() -> None:
    from kpicore.results import freeze, plain, read_only

    a = np.arange(3)
    ro = read_only(a)
    assert not ro.flags.writeable
    assert a.flags.writeable
    assert read_only(ro) is ro
    frozen = freeze({"a": 1})
    with pytest.raises(TypeError):
        frozen["b"] = 2  # type: ignore[index]
    assert type(plain(np.float64(1.5))) is float
