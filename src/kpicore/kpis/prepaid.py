"""Prepaid customers report (*Relatório de Clientes Pré-pago*).

The list of contracts of prepaid customers that ISP ERPs such as IXC Provedor
print for the finance team: one row per contract with the customer's name,
the plan (*plano de venda*), the value, the activation and renewal dates, and
the totals. Filters (contract status, billing mode, plan, activation by
``as_of``) and the sort order are parameters; the order is stable (the
contract id breaks ties).

References
----------
IXC Provedor's ``cliente_contrato`` entity (``status``, ``data_ativacao``,
``data_renovacao``, ``id_vd_contrato`` -> plan), as in the isacna/ixc-soft-api
client [IXC-API]_, https://github.com/isacna/ixc-soft-api. IXC does not store the
billing mode (``tipo_cobranca`` is the bill's delivery channel, not
pre/postpaid); a bill's service period against its due date tells it
[HUBSOFT]_.
"""

from __future__ import annotations

import types
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, tzinfo
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from kpicore.errors import InvalidParameterError
from kpicore.grouping import By, make_grouping, resolve_by
from kpicore.model import (
    BillingMode,
    Contract,
    ContractStatus,
    Customer,
    customers_by_id,
    unique_records,
)
from kpicore.model.enums import enum_members
from kpicore.money import Money, totals_by_currency
from kpicore.periods import as_of_date
from kpicore.results import Breakdown, Result, fields_to_dict, freeze

__all__ = [
    "PREPAID_REPORT_COLUMNS_PT",
    "PREPAID_SORT_KEYS",
    "PrepaidCustomerRow",
    "PrepaidCustomersReport",
    "PrepaidTotals",
    "prepaid_customers_report",
]

#: pt-BR column headers of the report (as printed by IXC-style reports).
PREPAID_REPORT_COLUMNS_PT: Mapping[str, str] = types.MappingProxyType(
    {
        "contract_id": "Contrato",
        "customer_id": "Código do cliente",
        "customer_name": "Cliente",
        "plan": "Plano de venda",
        "value": "Valor total",
        "activation_date": "Data de ativação",
        "renewal_date": "Data de renovação",
        "billing_mode": "Condição de pagamento",
        "status": "Status do contrato",
    }
)

#: Keys accepted by ``sort_by=`` (prefix with ``-`` for descending order).
PREPAID_SORT_KEYS: tuple[str, ...] = (
    "customer_name",
    "customer_id",
    "contract_id",
    "plan",
    "value",
    "activation_date",
    "renewal_date",
)


@attrs.frozen(repr=False)
class PrepaidCustomerRow(Result):
    """One contract of the prepaid customers report.

    Attributes
    ----------
    contract_id, customer_id : str
    customer_name : str or None
        None when the customer is not among the ``customers`` given.
    plan : str
        *Plano de venda*.
    value : Money
        The contract's recurring value (``monthly_amount``).
    activation_date, renewal_date : date or None
    billing_mode : BillingMode
    status : ContractStatus
    """

    contract_id: str
    customer_id: str
    customer_name: str | None
    plan: str
    value: Money
    activation_date: date | None
    renewal_date: date | None
    billing_mode: BillingMode
    status: ContractStatus

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready row (English keys, ISO dates, exact amounts).

        Examples
        --------
        >>> row = PrepaidCustomerRow("K1", "C1", "Ana", "Fibra", Money.of(99, "BRL"),
        ...     date(2024, 1, 5), None, BillingMode.PREPAID, ContractStatus.ACTIVE)
        >>> row.to_dict()["value"], row.to_dict()["activation_date"]
        ({'amount': 99.0, 'minor': 9900, 'currency': 'BRL'}, '2024-01-05')
        """
        return fields_to_dict(self)

    def to_dict_pt(self) -> dict[str, Any]:
        """The row for a pt-BR report: pt-BR headers, ``R$ 1.500,75``, ``DD/MM/AAAA`` dates.

        Examples
        --------
        >>> row = PrepaidCustomerRow("K1", "C1", "Ana", "Fibra", Money.of("1500.75", "BRL"),
        ...     date(2024, 1, 5), None, BillingMode.PREPAID, ContractStatus.ACTIVE)
        >>> d = row.to_dict_pt()
        >>> d["Valor total"], d["Data de ativação"], d["Condição de pagamento"]
        ('R$ 1.500,75', '05/01/2024', 'Pré-pago')
        """
        out: dict[str, Any] = {}
        for name, header in PREPAID_REPORT_COLUMNS_PT.items():
            value = getattr(self, name)
            if isinstance(value, Money):
                value = value.format_br()
            elif isinstance(value, date):
                value = value.strftime("%d/%m/%Y")
            elif isinstance(value, BillingMode | ContractStatus):
                value = value.label_pt
            out[header] = value
        return out


@attrs.frozen(repr=False)
class PrepaidTotals(Result):
    """Totals of a set of report rows (the whole report or one ``by=`` group).

    Attributes
    ----------
    contracts : int
        Number of rows.
    customers : int
        Distinct customers among them.
    value : Mapping[str, Money]
        Sum of the rows' values per currency (sorted by code; never mixed).
    """

    contracts: int
    customers: int
    value: Mapping[str, Money] = attrs.field(converter=freeze)


@attrs.frozen(repr=False)
class PrepaidCustomersReport(Result):
    """Result of :func:`prepaid_customers_report`.

    Attributes
    ----------
    rows : tuple of PrepaidCustomerRow
        In the requested order.
    totals : PrepaidTotals
    coverage : Mapping[str, int]
        ``used`` (rows), ``excluded_status``, ``excluded_billing_mode``,
        ``excluded_plan``, ``excluded_not_yet_active`` (activated after
        ``as_of``). Each contract is counted once, under the first reason in
        that order.
    missing_customers : int
        Rows whose customer is not among the customers given (their
        ``customer_name`` is None).
    sort_by : tuple of str
        The order applied (``contract_id`` is always the last tie-breaker).
    groups : Breakdown of PrepaidTotals or None
        Subtotals per ``by=`` group, when asked for.
    """

    rows: tuple[PrepaidCustomerRow, ...]
    totals: PrepaidTotals
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    missing_customers: int
    sort_by: tuple[str, ...]
    groups: Breakdown[PrepaidTotals] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``{"rows": [...], "totals": {...}, "coverage": {...}, ...}``."""
        return fields_to_dict(self)

    def to_rows_pt(self) -> list[dict[str, Any]]:
        """The rows with pt-BR headers and Brazilian formats (see ``to_dict_pt``)."""
        return [r.to_dict_pt() for r in self.rows]


def _sort_spec(sort_by: str | Sequence[str]) -> tuple[str, ...]:
    keys = (sort_by,) if isinstance(sort_by, str) else tuple(sort_by)
    for key in keys:
        if not isinstance(key, str) or key.lstrip("-") not in PREPAID_SORT_KEYS:
            raise InvalidParameterError(
                f"sort_by: {key!r} is not one of {', '.join(PREPAID_SORT_KEYS)} "
                "(prefix '-' for descending)"
            )
    if "contract_id" not in {k.lstrip("-") for k in keys}:
        keys = (*keys, "contract_id")
    return keys


def _collate(text: str) -> str:
    """Accent- and case-insensitive sort key (``Álvaro`` sorts with ``alvaro``)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _field_key(row: PrepaidCustomerRow, key: str) -> Any:
    if key == "value":
        return (row.value.currency, row.value.minor)
    value = getattr(row, key)
    if isinstance(value, str):
        return (_collate(value), value)
    return value


def _sorted(rows: list[PrepaidCustomerRow], keys: tuple[str, ...]) -> list[PrepaidCustomerRow]:
    # successive stable sorts, last key first; missing values (None) always last
    out = list(rows)
    for spec in reversed(keys):
        key = spec.lstrip("-")
        descending = spec.startswith("-")
        present = [r for r in out if getattr(r, key) is not None]
        missing = [r for r in out if getattr(r, key) is None]
        present.sort(key=lambda r: _field_key(r, key), reverse=descending)
        out = present + missing
    return out


def _totals(rows: Sequence[PrepaidCustomerRow], ix: npt.NDArray[np.int64]) -> PrepaidTotals:
    chosen = [rows[i] for i in ix.tolist()]
    return PrepaidTotals(
        contracts=len(chosen),
        customers=len({r.customer_id for r in chosen}),
        value=totals_by_currency(r.value for r in chosen),
    )


def prepaid_customers_report(
    contracts: Iterable[Contract],
    customers: Iterable[Customer] | Mapping[str, Customer],
    *,
    contract_statuses: Iterable[ContractStatus | str] | None = (ContractStatus.ACTIVE,),
    billing_modes: Iterable[BillingMode | str] | None = (BillingMode.PREPAID,),
    plans: Iterable[str] | None = None,
    as_of: date | datetime | None = None,
    tz: tzinfo | None = None,
    sort_by: str | Sequence[str] = ("customer_name", "contract_id"),
    by: By = None,
) -> PrepaidCustomersReport:
    """The prepaid customers report (*Relatório de Clientes Pré-pago*).

    Parameters
    ----------
    contracts : iterable of Contract
    customers : iterable or mapping of Customer
        Where the customer names come from (by ``contract.customer_id``).
    contract_statuses : iterable of ContractStatus, default ``(ACTIVE,)``
        Contract statuses listed; ``None`` for all.
    billing_modes : iterable of BillingMode, default ``(PREPAID,)``
        Payment conditions listed; ``None`` for both.
    plans : iterable of str, optional
        Only these plans (exact names); ``None`` for all.
    as_of : date or aware datetime, optional
        When given, contracts activated after this day are left out (and
        counted). ``None``: no date filter.
    tz : tzinfo, optional
        Zone of ``as_of`` when it is a datetime.
    sort_by : str or sequence of str, default ``("customer_name", "contract_id")``
        Keys among :data:`PREPAID_SORT_KEYS`, ``-key`` for descending. Names
        sort ignoring case and accents; missing values sort last; the
        contract id always breaks remaining ties, so the order is total.
    by : str, callable or sequence, optional
        Subtotals per group (``"plan"``, ``"service_type"``, ``"currency"``,
        or a customer attribute such as ``"region"``).

    Returns
    -------
    PrepaidCustomersReport

    Raises
    ------
    InvalidParameterError
        For an unknown status, billing mode or sort key.
    InvalidRecordError
        For an item that is not a Contract or Customer, or a repeated contract id.

    Notes
    -----
    ``totals.value[c] = sum(row.value for rows in currency c)``;
    ``totals.customers = #distinct customer ids``. The value is the contract's
    recurring amount (``monthly_amount``). A contract whose customer is
    unknown is listed with ``customer_name=None`` and counted in
    ``missing_customers``. Source: IXC's ``cliente_contrato`` and
    ``vd_contratos`` [IXC-API]_.

    Examples
    --------
    >>> from kpicore.model import Contract, Customer
    >>> from kpicore.money import Money
    >>> custs = [Customer("C1", "Érica Souza"), Customer("C2", "ana lima")]
    >>> ks = [
    ...     Contract("K1", "C1", "Fibra 300M", "prepaid", "active", "active",
    ...              Money.of("99.90", "BRL"), activation_date="2024-01-10",
    ...              renewal_date="2025-01-10"),
    ...     Contract("K2", "C2", "Fibra 500M", "prepaid", "active", "active",
    ...              Money.of("129.90", "BRL"), activation_date="2023-06-01"),
    ...     Contract("K3", "C2", "Fibra 500M", "postpaid", "active", "active",
    ...              Money.of("129.90", "BRL")),
    ... ]
    >>> rep = prepaid_customers_report(ks, custs)
    >>> [(r.customer_name, r.plan, str(r.value)) for r in rep.rows]
    [('ana lima', 'Fibra 500M', 'BRL 129.90'), ('Érica Souza', 'Fibra 300M', 'BRL 99.90')]
    >>> rep.totals.contracts, rep.totals.value["BRL"].format_br(), rep.coverage["excluded_billing_mode"]
    (2, 'R$ 229,80', 1)
    """  # noqa: E501
    statuses = enum_members(contract_statuses, ContractStatus, "contract_statuses")
    modes = enum_members(billing_modes, BillingMode, "billing_modes")
    plan_set: frozenset[str] | None = None
    if plans is not None:
        plan_list = [plans] if isinstance(plans, str) else list(plans)
        for p in plan_list:
            if not isinstance(p, str):
                raise InvalidParameterError(f"plans: {p!r} is not a plan name (str)")
        plan_set = frozenset(plan_list)
    keys = _sort_spec(sort_by)
    day = None if as_of is None else as_of_date(as_of, tz=tz)
    index = customers_by_id(customers)

    coverage = {
        "used": 0,
        "excluded_status": 0,
        "excluded_billing_mode": 0,
        "excluded_plan": 0,
        "excluded_not_yet_active": 0,
    }
    rows: list[PrepaidCustomerRow] = []
    chosen: list[Contract] = []
    missing = 0
    for k in unique_records(contracts, Contract, "contracts"):
        if k.status not in statuses:
            coverage["excluded_status"] += 1
            continue
        if k.billing_mode not in modes:
            coverage["excluded_billing_mode"] += 1
            continue
        if plan_set is not None and k.plan not in plan_set:
            coverage["excluded_plan"] += 1
            continue
        if day is not None and k.activation_date is not None and k.activation_date > day:
            coverage["excluded_not_yet_active"] += 1
            continue
        customer = index.get(k.customer_id)
        if customer is None:
            missing += 1
        chosen.append(k)
        rows.append(
            PrepaidCustomerRow(
                contract_id=k.id,
                customer_id=k.customer_id,
                customer_name=None if customer is None else customer.name,
                plan=k.plan,
                value=k.monthly_amount,
                activation_date=k.activation_date,
                renewal_date=k.renewal_date,
                billing_mode=k.billing_mode,
                status=k.status,
            )
        )
    coverage["used"] = len(rows)
    ordered = _sorted(rows, keys)
    n = len(ordered)
    groups = None
    if by is not None:
        position = {r.contract_id: j for j, r in enumerate(ordered)}
        order = [position[k.id] for k in chosen]
        name, by_keys = resolve_by(chosen, by, related={"customer": ("customer_id", index)})
        assert by_keys is not None
        keys_in_order = np.empty(n, dtype=object)
        keys_in_order[order] = by_keys
        grouping = make_grouping(n, by_name=name, by_keys=keys_in_order)
        groups = grouping.breakdown(lambda ix: _totals(ordered, ix))
    return PrepaidCustomersReport(
        rows=tuple(ordered),
        totals=_totals(ordered, np.arange(n, dtype=np.int64)),
        coverage=coverage,
        missing_customers=missing,
        sort_by=keys,
        groups=groups,
    )
