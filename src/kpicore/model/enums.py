"""The enumerations of the kpicore domain model, with pt-BR labels.

Every enumeration is an :class:`enum.StrEnum`: a member *is* its English,
snake-case value (``ContractStatus.ACTIVE == "active"``), so it serialises to
JSON and compares with plain strings. Each member also carries a Brazilian
Portuguese label for reports (``.label_pt``). Where the IXC Provedor ERP has
a code for the concept, the enumeration has a ``from_ixc(code)`` classmethod.

Examples
--------
>>> ContractStatus.from_ixc("A")
<ContractStatus.ACTIVE: 'active'>
>>> ContractStatus.ACTIVE.label_pt
'Ativo'
>>> AccessStatus.from_ixc("CA").label_pt
'Bloqueio Automático'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any, TypeVar

from kpicore.errors import InvalidParameterError, InvalidRecordError

__all__ = [
    "AccessStatus",
    "BillingMode",
    "ContactKind",
    "ContractStatus",
    "CreditStatus",
    "CustomerKind",
    "InvoiceStatus",
    "enum_members",
]

# Labels live outside the classes: a dict in an Enum body would become a member,
# and members of different enums with the same value are equal strings, so the
# labels are keyed by (enum class, value).
_E = TypeVar("_E", bound=StrEnum)

_LABELS_PT: dict[type[StrEnum], Mapping[str, str]] = {}


class _LabelledEnum(StrEnum):
    """A StrEnum whose members have a pt-BR label (``label_pt``)."""

    @property
    def label_pt(self) -> str:
        """The Brazilian Portuguese label of the member, for reports."""
        return _LABELS_PT[type(self)][self.value]


def _from_code(enum_name: str, table: Mapping[str, _E], code: object, field: str) -> _E:
    """Map an ERP code (case and surrounding whitespace ignored) to a member."""
    key = code.strip().upper() if isinstance(code, str) else None
    if key is None or key not in table:
        codes = ", ".join(table)
        raise InvalidRecordError(
            field=field,
            value=code,
            expected=f"one of the IXC codes {codes} (for {enum_name})",
        )
    return table[key]


class CustomerKind(_LabelledEnum):
    """Whether a customer is a person or a company.

    Examples
    --------
    >>> CustomerKind("company").label_pt
    'Pessoa Jurídica'
    """

    INDIVIDUAL = "individual"
    COMPANY = "company"


_LABELS_PT[CustomerKind] = {"individual": "Pessoa Física", "company": "Pessoa Jurídica"}


class BillingMode(_LabelledEnum):
    """Whether a contract is billed before (prepaid) or after (postpaid) the service period.

    Notes
    -----
    IXC has no pre/postpaid flag: ``tipo_cobranca`` (P/I/E) is the delivery
    channel of the bill, not the billing mode. The mode comes from an explicit
    column or from comparing the service period with the due date.

    Examples
    --------
    >>> BillingMode.PREPAID.label_pt
    'Pré-pago'
    """

    PREPAID = "prepaid"
    POSTPAID = "postpaid"


_LABELS_PT[BillingMode] = {"prepaid": "Pré-pago", "postpaid": "Pós-pago"}


class ContractStatus(_LabelledEnum):
    """The commercial status of a service contract.

    Examples
    --------
    >>> ContractStatus.from_ixc(" n ")
    <ContractStatus.NEGATIVADO: 'negativado'>
    >>> [s.label_pt for s in ContractStatus][:3]
    ['Ativo', 'Suspenso', 'Cancelado']
    """

    ACTIVE = "active"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"
    INACTIVE = "inactive"
    PRE_CONTRACT = "pre_contract"
    NEGATIVADO = "negativado"

    @classmethod
    def from_ixc(cls, code: str) -> ContractStatus:
        """Map an IXC ``cliente_contrato.status`` code to a status.

        Parameters
        ----------
        code : str
            ``P`` (pré-contrato), ``A`` (ativo), ``I`` (inativo),
            ``N`` (negativado) or ``D`` (desistiu). Case and surrounding
            whitespace are ignored.

        Returns
        -------
        ContractStatus

        Raises
        ------
        InvalidRecordError
            For any other code (the message lists the accepted codes).

        Notes
        -----
        ``D`` (the customer gave up, *desistiu*) maps to ``CANCELLED``. IXC has
        no cancelled code: a cancelled contract is ``I`` with
        ``data_cancelamento`` set, so ``I`` maps to ``INACTIVE`` and the caller
        decides with the cancellation date. ``SUSPENDED`` has no IXC contract
        code (suspension is an access status, see :class:`AccessStatus`).
        Codes from IXC Provedor's ``cliente_contrato`` field labels.

        Examples
        --------
        >>> ContractStatus.from_ixc("D")
        <ContractStatus.CANCELLED: 'cancelled'>
        >>> ContractStatus.from_ixc("C")
        Traceback (most recent call last):
        ...
        kpicore.errors.InvalidRecordError: value: field 'status' = 'C': expected one of the IXC
        codes P, A, I, N, D (for ContractStatus)
        """
        return _from_code("ContractStatus", _IXC_CONTRACT_STATUS, code, "status")


_LABELS_PT[ContractStatus] = {
    "active": "Ativo",
    "suspended": "Suspenso",
    "cancelled": "Cancelado",
    "inactive": "Inativo",
    "pre_contract": "Pré-contrato",
    "negativado": "Negativado",
}
_IXC_CONTRACT_STATUS: Mapping[str, ContractStatus] = {
    "P": ContractStatus.PRE_CONTRACT,
    "A": ContractStatus.ACTIVE,
    "I": ContractStatus.INACTIVE,
    "N": ContractStatus.NEGATIVADO,
    "D": ContractStatus.CANCELLED,
}


class AccessStatus(_LabelledEnum):
    """The technical (internet access) status of a contract.

    Examples
    --------
    >>> AccessStatus.from_ixc("FA")
    <AccessStatus.FINANCIAL_HOLD: 'financial_hold'>
    """

    ACTIVE = "active"
    BLOCKED_AUTO = "blocked_auto"
    BLOCKED_MANUAL = "blocked_manual"
    FINANCIAL_HOLD = "financial_hold"
    REDUCED = "reduced"
    DISABLED = "disabled"
    AWAITING_SIGNATURE = "awaiting_signature"

    @classmethod
    def from_ixc(cls, code: str, *, status_velocidade: str | None = None) -> AccessStatus:
        """Map an IXC ``cliente_contrato.status_internet`` code to an access status.

        Parameters
        ----------
        code : str
            ``A`` (ativo), ``D`` (desativado), ``CM`` (bloqueio manual),
            ``CA`` (bloqueio automático), ``FA`` (financeiro em atraso) or
            ``AA`` (aguardando assinatura). Case and surrounding whitespace are
            ignored.
        status_velocidade : str, optional
            IXC ``status_velocidade`` (``N`` normal, ``R`` reduzida). An active
            access (``A``) with reduced speed (``R``) maps to ``REDUCED``.

        Returns
        -------
        AccessStatus

        Raises
        ------
        InvalidRecordError
            For any other code.

        Notes
        -----
        IXC has no access code for reduced speed; it is the separate
        ``status_velocidade`` field, combined here only when the access is
        otherwise active (our inference). Codes from IXC Provedor's
        ``cliente_contrato`` field labels.

        Examples
        --------
        >>> AccessStatus.from_ixc("cm")
        <AccessStatus.BLOCKED_MANUAL: 'blocked_manual'>
        >>> AccessStatus.from_ixc("A", status_velocidade="R")
        <AccessStatus.REDUCED: 'reduced'>
        """
        member = _from_code("AccessStatus", _IXC_ACCESS_STATUS, code, "status_internet")
        if status_velocidade is not None:
            speed = _from_code("AccessStatus", _IXC_SPEED, status_velocidade, "status_velocidade")
            if member is AccessStatus.ACTIVE and speed is AccessStatus.REDUCED:
                return AccessStatus.REDUCED
        return member


_LABELS_PT[AccessStatus] = {
    "active": "Ativo",
    "blocked_auto": "Bloqueio Automático",
    "blocked_manual": "Bloqueio Manual",
    "financial_hold": "Financeiro em Atraso",
    "reduced": "Velocidade Reduzida",
    "disabled": "Desativado",
    "awaiting_signature": "Aguardando Assinatura",
}
_IXC_ACCESS_STATUS: Mapping[str, AccessStatus] = {
    "A": AccessStatus.ACTIVE,
    "D": AccessStatus.DISABLED,
    "CM": AccessStatus.BLOCKED_MANUAL,
    "CA": AccessStatus.BLOCKED_AUTO,
    "FA": AccessStatus.FINANCIAL_HOLD,
    "AA": AccessStatus.AWAITING_SIGNATURE,
}
_IXC_SPEED: Mapping[str, AccessStatus] = {
    "N": AccessStatus.ACTIVE,
    "R": AccessStatus.REDUCED,
}


class CreditStatus(_LabelledEnum):
    """The lifecycle status of a customer credit (*crédito em haver*).

    ``CANCELLED``, ``REFUNDED`` and ``EXPIRED`` end the credit: a credit has a
    ``cancelled_at`` instant exactly when its status is one of them.

    Examples
    --------
    >>> CreditStatus.REFUNDED.label_pt
    'Reembolsado'
    >>> CreditStatus.EXPIRED.is_terminal, CreditStatus.USED.is_terminal
    (True, False)
    """

    OPEN = "open"
    USED = "used"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    EXPIRED = "expired"

    @property
    def is_terminal(self) -> bool:
        """Whether the status ends the credit (cancelled, refunded or expired)."""
        return self in _TERMINAL_CREDIT_STATUSES


_LABELS_PT[CreditStatus] = {
    "open": "Em aberto",
    "used": "Utilizado",
    "cancelled": "Cancelado",
    "refunded": "Reembolsado",
    "expired": "Expirado",
}
_TERMINAL_CREDIT_STATUSES = frozenset(
    {CreditStatus.CANCELLED, CreditStatus.REFUNDED, CreditStatus.EXPIRED}
)


class ContactKind(_LabelledEnum):
    """The channel of a customer contact.

    Examples
    --------
    >>> ContactKind.PHONE.label_pt
    'Telefone'
    """

    EMAIL = "email"
    PHONE = "phone"


_LABELS_PT[ContactKind] = {"email": "E-mail", "phone": "Telefone"}


class InvoiceStatus(_LabelledEnum):
    """The collection status of an invoice at an as-of instant.

    Computed by :meth:`kpicore.model.Invoice.status` with the precedence
    ``WRITTEN_OFF > PAID > DISPUTED > PARTIALLY_PAID > OPEN``.

    Examples
    --------
    >>> InvoiceStatus.PARTIALLY_PAID.label_pt
    'Parcialmente Pago'
    """

    OPEN = "open"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    DISPUTED = "disputed"
    WRITTEN_OFF = "written_off"


_LABELS_PT[InvoiceStatus] = {
    "open": "Em Aberto",
    "partially_paid": "Parcialmente Pago",
    "paid": "Pago",
    "disputed": "Em Disputa",
    "written_off": "Baixado como Perda",
}


def enum_members(values: Iterable[Any] | None, enum: type[_E], name: str) -> frozenset[_E]:
    """The members named by ``values`` (a value, a member or several); every member for None.

    For KPI parameters such as ``contract_statuses=``: a value that is not a
    member raises InvalidParameterError naming the parameter and the allowed
    values.

    Examples
    --------
    >>> sorted(enum_members("active", ContractStatus, "statuses"))
    [<ContractStatus.ACTIVE: 'active'>]
    >>> len(enum_members(None, BillingMode, "modes")) == len(BillingMode)
    True
    >>> enum_members(["sleeping"], ContractStatus, "statuses")
    Traceback (most recent call last):
    ...
    kpicore.errors.InvalidParameterError: statuses: 'sleeping' is not a ContractStatus (one of ...)
    """
    if values is None:
        return frozenset(enum)
    if isinstance(values, str):
        values = (values,)
    out: set[_E] = set()
    for v in values:
        try:
            out.add(enum(v))
        except ValueError:
            allowed = ", ".join(m.value for m in enum)
            raise InvalidParameterError(
                f"{name}: {v!r} is not a {enum.__name__} (one of {allowed})"
            ) from None
    return frozenset(out)
