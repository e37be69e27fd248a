"""Tests of kpicore.kpis.prepaid: the prepaid customers report (Relatório de Clientes Pré-pago)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import contract_strategy, customer_strategy

from kpicore.errors import InvalidParameterError, InvalidRecordError
from kpicore.kpis.prepaid import PREPAID_SORT_KEYS, prepaid_customers_report
from kpicore.model import BillingMode, Contract, ContractStatus, Customer
from kpicore.money import Money, totals_by_currency


def _any(value: object) -> Any:
    return value


def _k(
    cid: str, cust: str, mode: str, status: str, plan: str, value: Money, **kw: Any
) -> Contract:
    return Contract(cid, cust, plan, mode, status, "active", value, **kw)


CUSTOMERS = [
    Customer("C1", "Érica Souza", region="SP"),
    Customer("C2", "ana lima", region="RJ"),
    Customer("C3", "Bruno", region="SP"),
]
CONTRACTS = [
    _k("K1", "C1", "prepaid", "active", "Fibra 300M", Money.of("99.90", "BRL"),
       activation_date="2024-01-10", renewal_date="2025-01-10"),
    _k("K2", "C2", "prepaid", "active", "Fibra 500M", Money.of("129.90", "BRL"),
       activation_date="2023-06-01"),
    _k("K3", "C2", "postpaid", "active", "Fibra 500M", Money.of("129.90", "BRL")),
    _k("K4", "C3", "prepaid", "cancelled", "Fibra 300M", Money.of("99.90", "BRL")),
    _k("K5", "C9", "prepaid", "active", "Fibra 300M", Money.of("10.00", "USD"),
       activation_date="2024-05-01"),
    _k("K6", "C3", "prepaid", "active", "Rádio 10M", Money.of("59.90", "BRL"),
       activation_date="2024-06-01"),
]  # fmt: skip


def _ids(rep: Any) -> list[str]:
    return [r.contract_id for r in rep.rows]


def test_default_report_hand_worked() -> None:
    rep = prepaid_customers_report(CONTRACTS, CUSTOMERS)
    # active + prepaid: K1, K2, K5, K6 (K3 is postpaid, K4 cancelled).
    # Sorted by name ignoring case and accents: "ana lima" (K2) < "Bruno" (K6) <
    # "Érica Souza" (K1); K5's customer C9 is unknown -> name None -> last.
    assert _ids(rep) == ["K2", "K6", "K1", "K5"]
    assert [r.customer_name for r in rep.rows] == ["ana lima", "Bruno", "Érica Souza", None]
    first = rep.rows[0]
    assert (first.plan, first.value, first.activation_date, first.renewal_date) == (
        "Fibra 500M", Money.of("129.90", "BRL"), date(2023, 6, 1), None,
    )  # fmt: skip
    assert rep.rows[2].renewal_date == date(2025, 1, 10)
    # totals: 4 contracts, customers C2, C3, C1, C9 = 4;
    # BRL 129.90 + 59.90 + 99.90 = 289.70; USD 10.00 apart (never mixed)
    assert rep.totals.contracts == 4
    assert rep.totals.customers == 4
    assert dict(rep.totals.value) == {
        "BRL": Money.of("289.70", "BRL"),
        "USD": Money.of("10.00", "USD"),
    }
    assert dict(rep.coverage) == {
        "used": 4,
        "excluded_status": 1,
        "excluded_billing_mode": 1,
        "excluded_plan": 0,
        "excluded_not_yet_active": 0,
    }
    assert rep.missing_customers == 1
    assert rep.sort_by == ("customer_name", "contract_id")


def test_filters_are_configurable() -> None:
    # as_of 15 May 2024: K6 (activated 1 Jun) is left out; K5 (1 May) stays
    rep = prepaid_customers_report(CONTRACTS, CUSTOMERS, as_of=date(2024, 5, 15))
    assert _ids(rep) == ["K2", "K1", "K5"]
    assert rep.coverage["excluded_not_yet_active"] == 1
    # plans: only Fibra 300M -> K1, K5; K2 and K6 excluded by plan
    rep = prepaid_customers_report(CONTRACTS, CUSTOMERS, plans=["Fibra 300M"])
    assert _ids(rep) == ["K1", "K5"]
    assert rep.coverage["excluded_plan"] == 2
    rep = prepaid_customers_report(CONTRACTS, CUSTOMERS, plans="Rádio 10M")
    assert _ids(rep) == ["K6"]
    # both billing modes and every status: all six contracts
    rep = prepaid_customers_report(
        CONTRACTS, CUSTOMERS, billing_modes=None, contract_statuses=None
    )
    assert rep.coverage["used"] == 6
    # "ana lima" has K2 and K3: the contract id breaks the tie
    assert _ids(rep) == ["K2", "K3", "K4", "K6", "K1", "K5"]
    # postpaid only
    rep = prepaid_customers_report(CONTRACTS, CUSTOMERS, billing_modes=[BillingMode.POSTPAID])
    assert _ids(rep) == ["K3"]
    rep = prepaid_customers_report(CONTRACTS, CUSTOMERS, contract_statuses="cancelled")
    assert _ids(rep) == ["K4"]


def test_sort_orders() -> None:
    # by activation date: K2 2023-06-01, K1 2024-01-10, K5 2024-05-01, K6 2024-06-01
    rep = prepaid_customers_report(CONTRACTS, CUSTOMERS, sort_by="activation_date")
    assert _ids(rep) == ["K2", "K1", "K5", "K6"]
    # descending: missing values still last
    extra = [*CONTRACTS, _k("K0", "C1", "prepaid", "active", "X", Money.of(1, "BRL"))]
    rep = prepaid_customers_report(extra, CUSTOMERS, sort_by="-activation_date")
    assert _ids(rep) == ["K6", "K5", "K1", "K2", "K0"]
    # by value, descending: currencies are not compared as amounts; USD sorts after BRL,
    # so descending gives USD 10.00 first, then BRL 129.90, 99.90, 59.90
    rep = prepaid_customers_report(CONTRACTS, CUSTOMERS, sort_by="-value")
    assert _ids(rep) == ["K5", "K2", "K1", "K6"]
    # renewal date: only K1 has one; the others keep the contract-id order after it
    rep = prepaid_customers_report(CONTRACTS, CUSTOMERS, sort_by=["renewal_date"])
    assert _ids(rep) == ["K1", "K2", "K5", "K6"]
    # plan then name
    rep = prepaid_customers_report(CONTRACTS, CUSTOMERS, sort_by=("plan", "customer_name"))
    assert [r.plan for r in rep.rows] == ["Fibra 300M", "Fibra 300M", "Fibra 500M", "Rádio 10M"]
    assert _ids(rep) == ["K1", "K5", "K2", "K6"]
    assert rep.sort_by == ("plan", "customer_name", "contract_id")


def test_subtotals_by() -> None:
    rep = prepaid_customers_report(CONTRACTS, CUSTOMERS, by="plan")
    assert rep.groups is not None
    assert list(rep.groups) == ["Fibra 300M", "Fibra 500M", "Rádio 10M"]
    g = rep.groups["Fibra 300M"]  # K1 (BRL 99.90) and K5 (USD 10.00)
    assert (g.contracts, g.customers) == (2, 2)
    assert dict(g.value) == {"BRL": Money.of("99.90", "BRL"), "USD": Money.of(10, "USD")}
    # customer attribute: C1, C3 in SP; C2 in RJ; C9 unknown -> None
    rep = prepaid_customers_report(CONTRACTS, CUSTOMERS, by="region")
    assert rep.groups is not None
    assert {k: v.contracts for k, v in rep.groups.items()} == {"RJ": 1, "SP": 2, None: 1}
    assert rep.groups["SP"].value["BRL"] == Money.of("159.80", "BRL")  # 99.90 + 59.90


def test_customers_as_mapping() -> None:
    rep = prepaid_customers_report(CONTRACTS, {c.id: c for c in CUSTOMERS})
    assert [r.customer_name for r in rep.rows] == ["ana lima", "Bruno", "Érica Souza", None]


def test_to_dict_and_pt_rows() -> None:
    rep = prepaid_customers_report(CONTRACTS, CUSTOMERS, by="plan")
    d = rep.to_dict()
    json.dumps(d)
    assert d["rows"][0]["value"] == {"amount": 129.9, "minor": 12990, "currency": "BRL"}
    assert d["rows"][0]["billing_mode"] == "prepaid"
    assert d["rows"][0]["activation_date"] == "2023-06-01"
    assert d["totals"]["value"]["BRL"] == {"amount": 289.7, "minor": 28970, "currency": "BRL"}
    assert d["groups"]["groups"]["Rádio 10M"]["contracts"] == 1
    pt = rep.to_rows_pt()
    assert pt[0]["Cliente"] == "ana lima"
    assert pt[0]["Plano de venda"] == "Fibra 500M"
    assert pt[0]["Valor total"] == "R$ 129,90"
    assert pt[0]["Data de ativação"] == "01/06/2023"
    assert pt[0]["Data de renovação"] is None
    assert pt[0]["Condição de pagamento"] == "Pré-pago"
    assert pt[3]["Valor total"] == "US$ 10,00"


def test_empty() -> None:
    rep = prepaid_customers_report([], [])
    assert rep.rows == ()
    assert (rep.totals.contracts, rep.totals.customers, dict(rep.totals.value)) == (0, 0, {})


# ---------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"sort_by": "name"}, "sort_by"),
        ({"sort_by": ["value", _any(3)]}, "sort_by"),
        ({"contract_statuses": ["ativo"]}, "contract_statuses"),
        ({"billing_modes": ["monthly"]}, "billing_modes"),
        ({"plans": [_any(300)]}, "plans"),
        ({"by": "colour"}, "colour"),
    ],
)
def test_parameter_validation(kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(InvalidParameterError, match=fragment):
        prepaid_customers_report(CONTRACTS, CUSTOMERS, **kwargs)


def test_not_a_contract_names_row_and_field() -> None:
    with pytest.raises(InvalidRecordError) as info:
        prepaid_customers_report([CONTRACTS[0], _any({"id": "K2"})], CUSTOMERS)
    assert "row 1" in str(info.value)
    assert "'contracts'" in str(info.value)


def test_duplicate_contract_names_record_and_field() -> None:
    with pytest.raises(InvalidRecordError) as info:
        prepaid_customers_report([CONTRACTS[0], CONTRACTS[0]], CUSTOMERS)
    assert "'K1'" in str(info.value)
    assert "'id'" in str(info.value)


def test_not_a_customer_names_row_and_field() -> None:
    with pytest.raises(InvalidRecordError) as info:
        prepaid_customers_report(CONTRACTS, [CUSTOMERS[0], _any("C2")])
    assert "row 1" in str(info.value)
    assert "'customers'" in str(info.value)


# ---------------------------------------------------------------------------------------
# properties
# ---------------------------------------------------------------------------------------


def _unique(contracts: list[Contract]) -> list[Contract]:
    return [attrs.evolve(k, id=f"K{i:03d}") for i, k in enumerate(contracts)]


sort_specs = st.lists(
    st.sampled_from(PREPAID_SORT_KEYS).flatmap(lambda k: st.sampled_from([k, f"-{k}"])),
    max_size=3,
)


@given(
    st.lists(contract_strategy(), max_size=25).map(_unique),
    st.lists(customer_strategy(), max_size=8),
    sort_specs,
    st.randoms(use_true_random=False),
)
def test_property_rows_totals_and_stable_order(
    contracts: list[Contract], customers: list[Customer], sort_by: list[str], rnd: Any
) -> None:
    custs = {c.id: c for c in customers}
    rep = prepaid_customers_report(contracts, custs, sort_by=sort_by)
    # independent filter
    expected = [
        k
        for k in contracts
        if k.status is ContractStatus.ACTIVE and k.billing_mode is BillingMode.PREPAID
    ]
    assert sorted(_ids(rep)) == sorted(k.id for k in expected)
    assert dict(rep.totals.value) == totals_by_currency(k.monthly_amount for k in expected)
    assert rep.totals.customers == len({k.customer_id for k in expected})
    assert sum(rep.coverage.values()) == len(contracts)
    assert rep.missing_customers == sum(1 for k in expected if k.customer_id not in custs)
    # the order is total (contract id breaks ties): input order does not matter
    shuffled = list(contracts)
    rnd.shuffle(shuffled)
    assert _ids(prepaid_customers_report(shuffled, custs, sort_by=sort_by)) == _ids(rep)
    # the first key is respected (non-missing values ascending/descending, missing last)
    if sort_by:
        key = sort_by[0].lstrip("-")
        values = [getattr(r, key) for r in rep.rows]
        present = [v for v in values if v is not None]
        assert values[: len(present)] == present
        if key in ("activation_date", "renewal_date"):
            ordered = sorted(present, reverse=sort_by[0].startswith("-"))
            assert present == ordered
