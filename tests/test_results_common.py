"""Common invariants of every KPI result: it pickles and its to_dict() is JSON.

A registry loop over the public KPI functions of :mod:`kpicore.kpis`: each is
called on a small synthetic data set (event log, customers, contracts,
credits) with its required arguments filled by name, and its result checked.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import json
import pickle
from collections.abc import Callable
from typing import Any

import pytest

from kpicore.eventlog import EventLog
from kpicore.kpis import dunning
from kpicore.model import Customer
from kpicore.results import FrozenDict, freeze
from kpicore.synth import synth_contracts, synth_credits, synth_customers, synth_event_columns

MODULES = (
    "dso",
    "overdue",
    "disputes",
    "dunning",
    "collections",
    "case_table",
    "paid_until",
    "prepaid",
    "contacts",
    "credits",
)
AS_OF = dt.date(2024, 9, 30)

# Public functions of the KPI modules that are not KPIs over a data set
# (closed-form helpers, schedules, validators): their results are plain values.
NOT_KPIS = frozenset(
    {
        "average_days",
        "average_days_delinquent_from_totals",
        "best_possible_dso_from_totals",
        "cei_from_totals",
        "countback_dso_from_totals",
        "countback_walk_from_totals",
        "standard_dso_from_totals",
        "weighted_average_days",
        "isp_typical_schedule",
        "rgc_2014_schedule",
        "rgc_2023_schedule",
        "is_usable_contact",
        "is_usable_email",
        "is_usable_phone",
        "normalize_phone",
        "advance_paid_until",
        "expected_paid_until",
    }
)


def _kpi_functions() -> list[tuple[str, Callable[..., Any]]]:
    out: list[tuple[str, Callable[..., Any]]] = []
    for name in MODULES:
        module = importlib.import_module(f"kpicore.kpis.{name}")
        for fn_name in module.__all__:
            fn = getattr(module, fn_name)
            if inspect.isfunction(fn) and fn_name not in NOT_KPIS:
                out.append((f"{name}.{fn_name}", fn))
    return out


KPI_FUNCTIONS = _kpi_functions()


@pytest.fixture(scope="module")
def inputs() -> dict[str, Any]:
    log = EventLog.from_columns(
        synth_event_columns(150, seed=5, promises=True).to_mapping(),
        attributes="all",
        order="lifecycle_rank",
    )
    customers: list[Customer] = synth_customers(40, seed=5)
    return {
        "data": log,
        "as_of": AS_OF,
        "customers": customers,
        "contracts": synth_contracts(customers, seed=5, as_of=AS_OF),
        "credits": synth_credits(customers, seed=5, as_of=AS_OF),
        "schedule": dunning.rgc_2023_schedule(),
    }


def _call(fn: Callable[..., Any], inputs: dict[str, Any]) -> Any:
    kwargs: dict[str, Any] = {}
    for p in inspect.signature(fn).parameters.values():
        if p.default is inspect.Parameter.empty and p.kind is not p.VAR_KEYWORD:
            kwargs[p.name] = inputs[p.name]
    return fn(**kwargs)


def test_registry_covers_the_kpis() -> None:
    names = {n for n, _ in KPI_FUNCTIONS}
    assert {"disputes.dispute_resolution", "overdue.aging", "credits.cancelled_credits"} <= names
    assert len(names) >= 30


@pytest.mark.parametrize(("name", "fn"), KPI_FUNCTIONS, ids=[n for n, _ in KPI_FUNCTIONS])
def test_result_pickles_with_the_standard_pickle(
    name: str, fn: Callable[..., Any], inputs: dict[str, Any]
) -> None:
    result: Any = _call(fn, inputs)
    restored: Any = pickle.loads(pickle.dumps(result))
    assert type(restored) is type(result)
    eq: Any = type(result).__eq__
    if eq is object.__eq__:  # results holding arrays compare by identity
        assert restored.to_dict() == result.to_dict()
    else:
        assert restored == result


@pytest.mark.parametrize(("name", "fn"), KPI_FUNCTIONS, ids=[n for n, _ in KPI_FUNCTIONS])
def test_result_to_dict_is_json(name: str, fn: Callable[..., Any], inputs: dict[str, Any]) -> None:
    result = _call(fn, inputs)
    data = result.to_dict()
    assert isinstance(data, dict)
    json.dumps(data)


def test_frozen_dict_behaves_like_a_read_only_dict() -> None:
    m = freeze({"b": 2, "a": 1})
    assert isinstance(m, FrozenDict)
    plain = {"b": 2, "a": 1}
    assert m == plain
    assert plain == m  # dict.__eq__ defers to FrozenDict.__eq__
    assert m != {"a": 1}
    assert m != [("a", 1)]
    assert list(m) == ["b", "a"]
    assert repr(m) == "{'b': 2, 'a': 1}"
    assert hash(m) == hash(FrozenDict(a=1, b=2))
    assert pickle.loads(pickle.dumps(m)) == m
    with pytest.raises(TypeError):
        m["c"] = 3  # type: ignore[index]
    with pytest.raises(AttributeError):
        m._data = {}
    with pytest.raises(TypeError):
        hash(FrozenDict(a=[1]))
