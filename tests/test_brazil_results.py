"""The results of the Brazilian-provider KPIs pickle and serialise to JSON (as every result)."""

from __future__ import annotations

import datetime as dt
import json
import pickle
from collections.abc import Callable
from typing import Any

import pytest

from kpicore.bankcalendar import BankCalendar
from kpicore.eventlog import EventLog
from kpicore.kpis.anatel import anatel_compliance
from kpicore.kpis.charges import late_charges
from kpicore.kpis.promises import (
    contact_performance,
    promise_performance,
    recovery_by_dunning_level,
)
from kpicore.money import Money
from kpicore.synth import synth_customers, synth_event_columns

AS_OF = dt.date(2024, 9, 30)
LOG = EventLog.from_columns(
    synth_event_columns(150, seed=5, promises=True).to_mapping(),
    attributes="all",
    order="lifecycle_rank",
)
CUSTOMERS = synth_customers(40, seed=5)

CASES: dict[str, Callable[[], Any]] = {
    "anatel_compliance": lambda: anatel_compliance(
        LOG, customers=CUSTOMERS, as_of=AS_OF, calendar=BankCalendar(), by="customer_id"
    ),
    "promise_performance": lambda: promise_performance(LOG, as_of=AS_OF, freq="month"),
    "contact_performance": lambda: contact_performance(LOG, as_of=AS_OF, freq="month"),
    "recovery_by_dunning_level": lambda: recovery_by_dunning_level(
        LOG, as_of=AS_OF, by="currency"
    ),
    "late_charges": lambda: late_charges(Money.of("99.90", "BRL"), "2024-02-10", "2024-03-01"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_pickles_and_json(name: str) -> None:
    result = CASES[name]()
    assert pickle.loads(pickle.dumps(result)) == result
    json.dumps(result.to_dict())


def test_anatel_on_synthetic_log_counts_add_up() -> None:
    r = CASES["anatel_compliance"]()
    assert r.actions > 0
    assert r.actions == r.compliant + r.violations
    assert r.actions == sum(g.actions for g in r.by_level.values())
    assert r.groups is not None
    assert r.actions == sum(g.actions for g in r.groups.values())
    assert len(r.flags) == r.violations
