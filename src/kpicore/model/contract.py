"""Service contracts (the recurring billing agreement of an ISP customer)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

import attrs

from kpicore.model import _common as c
from kpicore.model.enums import AccessStatus, BillingMode, ContractStatus
from kpicore.money import Money

__all__ = ["Contract"]


def _billing_mode(value: BillingMode | str) -> BillingMode:
    return c.to_enum(BillingMode, value)


def _contract_status(value: ContractStatus | str) -> ContractStatus:
    return c.to_enum(ContractStatus, value)


def _access_status(value: AccessStatus | str) -> AccessStatus:
    return c.to_enum(AccessStatus, value)


@attrs.frozen
class Contract:
    """A customer's service contract (IXC ``cliente_contrato``).

    Parameters
    ----------
    id : str
        The contract id (non-empty).
    customer_id : str
        The customer's id (non-empty).
    plan : str
        The plan's name (IXC ``vd_contratos``).
    billing_mode : BillingMode or str
        ``"prepaid"`` or ``"postpaid"``.
    status : ContractStatus or str
        Commercial status; build it from an IXC code with
        :meth:`ContractStatus.from_ixc`.
    access_status : AccessStatus or str
        Internet access status; from IXC with :meth:`AccessStatus.from_ixc`.
    monthly_amount : Money
        The recurring amount billed per month (non-negative).
    activation_date, renewal_date : date or ISO str, optional
        ``data_ativacao``, ``data_renovacao``.
    paid_until : date or ISO str, optional
        ``pago_ate_data``: the end of the latest paid service period.
    exempt : bool, default False
        ``isentar_contrato == "S"``: not billed; KPIs exclude and count these.
    billing_day : int, optional
        Day of the month the contract is billed, 1 to 31 (a 31 means the last
        day in shorter months).
    cancelled_at : date or ISO str, optional
        ``data_cancelamento``. IXC marks a cancelled contract as inactive
        (``I``) with this date; it is not cross-checked against ``status``.
    service_type : str, optional
        IXC ``tipo`` (Internet, Telefonia, Serviços, SVA) or any label.

    Raises
    ------
    InvalidRecordError
        Naming the contract id and the field: empty ids, negative monthly
        amount, ``billing_day`` outside 1..31, a datetime (not a date) in a
        date field, an unknown status, ...

    Notes
    -----
    Dates in IXC responses are ISO strings (``"0000-00-00"`` means missing in
    real data: map it to ``None`` before building the contract). Field
    meanings from the IXC Provedor API (``cliente_contrato``).

    Examples
    --------
    >>> from kpicore.money import Money
    >>> k = Contract("K1", "C1", "Fibra 300M", "prepaid",
    ...              ContractStatus.from_ixc("A"), AccessStatus.from_ixc("CA"),
    ...              Money.of("99.90", "BRL"), paid_until="2024-03-31", billing_day=10)
    >>> k.status, k.access_status.label_pt, k.paid_until
    (<ContractStatus.ACTIVE: 'active'>, 'Bloqueio Automático', datetime.date(2024, 3, 31))
    >>> Contract("K2", "C1", "Fibra", "prepaid", "active", "active",
    ...          Money.of(99, "BRL"), billing_day=32)
    Traceback (most recent call last):
    ...
    kpicore.errors.InvalidRecordError: record 'K2': field 'billing_day' = 32: expected ...
    """

    _record_field: ClassVar[str | None] = "id"

    id: str = attrs.field(validator=c.record_id)
    customer_id: str = attrs.field(validator=c.record_id)
    plan: str = attrs.field(validator=c.text)
    billing_mode: BillingMode = attrs.field(
        converter=_billing_mode, validator=c.member_of(BillingMode)
    )
    status: ContractStatus = attrs.field(
        converter=_contract_status, validator=c.member_of(ContractStatus)
    )
    access_status: AccessStatus = attrs.field(
        converter=_access_status, validator=c.member_of(AccessStatus)
    )
    monthly_amount: Money = attrs.field(validator=c.money)
    activation_date: date | None = attrs.field(
        default=None, converter=c.to_optional_date, validator=c.optional_date
    )
    renewal_date: date | None = attrs.field(
        default=None, converter=c.to_optional_date, validator=c.optional_date
    )
    paid_until: date | None = attrs.field(
        default=None, converter=c.to_optional_date, validator=c.optional_date
    )
    exempt: bool = attrs.field(default=False, validator=c.flag)
    billing_day: int | None = attrs.field(
        default=None, validator=c.int_between(1, 31, optional=True)
    )
    cancelled_at: date | None = attrs.field(
        default=None, converter=c.to_optional_date, validator=c.optional_date
    )
    service_type: str | None = attrs.field(default=None, validator=c.optional_text)
