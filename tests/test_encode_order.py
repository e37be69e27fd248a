"""The order-independent construction path: string factorisation and integer sorts.

Each result is checked against its definition: labels are ``sorted(set(values))``
and ``labels[codes]`` gives the values back; a stable order is what numpy's
merge sort (``kind="stable"``) gives.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpicore.eventlog import EventLog
from kpicore.eventlog._encode import _encode_fixed_width, encode_keys
from kpicore.eventlog._scan import sort_order, stable_argsort_codes, stable_argsort_key


def _objects(values: list[str]) -> npt.NDArray[np.object_]:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _check_factorisation(
    values: list[str], codes: npt.NDArray[np.integer], labels: object
) -> None:
    expected = sorted(set(values))
    assert list(labels) == expected  # type: ignore[call-overload]
    assert [expected[c] for c in codes.tolist()] == values


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from("AB09-é日\U0001f600\x00"), min_size=0, max_size=6),
        min_size=1,
        max_size=200,
    ),
    st.sampled_from(["", "INV", "ÁRVORE-"]),
)
def test_fixed_width_factorisation_is_exact(values: list[str], prefix: str) -> None:
    values = [prefix + v for v in values]
    got = _encode_fixed_width(_objects(values))
    if got is not None:  # None: too few distinct values or trailing NULs; hashed instead
        _check_factorisation(values, *got)
    enc = encode_keys(_objects(values), field="case")
    labels = enc.labels.tolist()
    assert labels == sorted(set(values))
    assert [labels[c] for c in enc.codes.tolist()] == values


def test_trailing_nul_characters_never_merge_two_ids() -> None:
    values = [f"ID{i:05d}" for i in range(5000)] + ["ID00001\x00", "ID00002\x00\x00"]
    enc = encode_keys(_objects(values[::-1]), field="case")
    assert len(enc.labels) == 5002
    assert enc.labels.tolist() == sorted(values)


@pytest.mark.parametrize("order", ["sorted", "reversed", "shuffled"])
@pytest.mark.parametrize(
    "make",
    [
        lambda i: f"INV{i:07d}",  # common prefix, numeric suffix: the presence table
        lambda i: f"{i * 7919 % 100_003:x}-Ç{i % 13}",  # wide key space: numpy.unique
        lambda i: f"客户{i % 977}/{i}",  # code points above 255
    ],
    ids=["prefixed", "hex", "cjk"],
)
def test_many_ids_in_any_order_get_the_sorted_labels(order: str, make: object) -> None:
    ids = [make(i) for i in range(12_000)]  # type: ignore[operator]
    rows = ids + ids[::3]  # repeats
    if order == "reversed":
        rows = rows[::-1]
    elif order == "shuffled":
        rows = [rows[i] for i in np.random.default_rng(5).permutation(len(rows)).tolist()]
    fixed = _encode_fixed_width(_objects(rows))
    assert fixed is not None  # the vectorised path, not the hashed fallback
    _check_factorisation(rows, *fixed)
    enc = encode_keys(_objects(rows), field="case")
    _check_factorisation(rows, enc.codes, enc.labels)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(0, 70_000), max_size=300),
    st.sampled_from([1, 1 << 16, 1 << 17, 1 << 33]),
)
def test_radix_sort_of_codes_is_the_stable_sort(codes: list[int], spread: int) -> None:
    arr = np.array(codes, dtype=np.int64) % spread
    n_codes = int(arr.max()) + 1 if arr.size else 0
    got = stable_argsort_codes(arr, n_codes)
    assert got.tolist() == np.argsort(arr, kind="stable").tolist()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(-(2**40), 2**40), max_size=300), st.integers(1, 50))
def test_key_sort_puts_ties_back_in_input_order(keys: list[int], modulo: int) -> None:
    arr = np.array(keys, dtype=np.int64) % modulo  # many ties
    assert stable_argsort_key(arr).tolist() == np.argsort(arr, kind="stable").tolist()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 40), st.integers(0, 20)), min_size=2, max_size=200),
    st.booleans(),
)
def test_sort_order_is_the_stable_order_by_case_then_time(
    pairs: list[tuple[int, int]], time_ordered: bool
) -> None:
    if time_ordered:
        pairs = sorted(pairs, key=lambda p: p[1])
    case = np.array([p[0] for p in pairs], dtype=np.int64)
    _, case = np.unique(case, return_inverse=True)  # dense codes
    case = case.astype(np.int64)
    ts = np.array([p[1] for p in pairs], dtype=np.int64) * 10**9
    perm = sort_order(case, ts, int(case.max()) + 1)
    got = list(range(len(pairs))) if perm is None else perm.tolist()
    expected = sorted(range(len(pairs)), key=lambda i: (int(case[i]), int(ts[i]), i))
    assert got == expected


def test_build_does_not_depend_on_row_order_at_scale() -> None:
    rng = np.random.default_rng(11)
    n_cases, n = 20_000, 90_000
    case = _objects([f"INV{i:07d}" for i in rng.integers(0, n_cases, n).tolist()])
    act = _objects(rng.choice(["Invoice Generated", "Payment Received", "X"], n).tolist())
    ts = (1_704_067_200 + rng.integers(0, 10**7, n)).astype("datetime64[s]")
    order = np.arange(n)
    ref = EventLog.from_columns(case=case, activity=act, timestamp=ts, order=order)
    by_time = np.argsort(ts, kind="stable")
    for perm in (by_time, rng.permutation(n), np.argsort(case, kind="stable")):
        log = EventLog.from_columns(
            case=case[perm], activity=act[perm], timestamp=ts[perm], order=order[perm]
        )
        assert log == ref
    # without a tie-break column, time-ordered input keeps ties in their input order
    plain = EventLog.from_columns(case=case[by_time], activity=act[by_time], timestamp=ts[by_time])
    assert plain == EventLog.from_columns(
        case=case[by_time], activity=act[by_time], timestamp=ts[by_time], order=order
    )
