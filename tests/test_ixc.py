"""Tests of kpicore.ixc: IXC Provedor webservice rows mapped to the domain model.

The sample rows are written from the published field lists of the IXC tables
(``cliente``, ``cliente_contrato``, ``vd_contratos``, ``fn_areceber``): every
value a string, as the webservice returns them, with the quirks of real data
('0000-00-00' dates, '99,90' amounts, empty strings).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import polars as pl
import pytest

from kpicore.bankcalendar import BankCalendar
from kpicore.errors import InvalidParameterError, InvalidRecordError
from kpicore.ixc import (
    DEFAULT_IXC_VOCABULARY,
    IxcVocabulary,
    billing_mode_from_ixc,
    billing_modes_from_ixc,
    contract_from_ixc,
    contracts_from_ixc,
    customer_from_ixc,
    customers_from_ixc,
    invoice_from_ixc,
    invoices_from_ixc,
    ixc_rows,
    parse_ixc_date,
    parse_ixc_money,
)
from kpicore.kpis.contacts import customers_without_contact
from kpicore.kpis.overdue import days_overdue
from kpicore.model import AccessStatus, BillingMode, ContractStatus, CustomerKind, InvoiceStatus
from kpicore.money import Money

D = dt.date
BRL = "BRL"


def _any(value: object) -> Any:
    return value


# --------------------------------------------------------------------------- sample rows

CLIENTES: list[dict[str, str]] = [
    {
        "id": "1502", "razao": "Maria Aparecida Souza", "fantasia": "", "tipo_pessoa": "F",
        "cnpj_cpf": "123.456.789-09", "ativo": "S", "id_tipo_cliente": "1", "id_segmento": "3",
        "cidade": "4205", "uf": "SC", "filial_id": "1", "data_cadastro": "2024-03-05",
        "email": "maria.souza@exemplo.com.br", "hotsite_email": "",
        "fone": "(48) 3222-1100", "telefone_celular": "(48) 99123-4567",
        "telefone_comercial": "", "whatsapp": "48991234567", "contato": "", "ramal": "",
        "cob_envia_email": "S", "cob_envia_sms": "N", "participa_cobranca": "S",
    },
    {
        "id": "1503", "razao": "", "fantasia": "Mercado Bom Preço", "tipo_pessoa": "J",
        "cnpj_cpf": "12.345.678/0001-90", "ativo": "S", "id_tipo_cliente": "2",
        "id_segmento": "1", "cidade": "4205", "uf": "SC", "filial_id": "1",
        "data_cadastro": "0000-00-00", "email": "-", "hotsite_email": "",
        "fone": "0000000000", "telefone_celular": "", "telefone_comercial": "",
        "whatsapp": "", "contato": "Seu João", "ramal": "",
    },
    {
        "id": "1504", "razao": "José Lima", "fantasia": "", "tipo_pessoa": "F",
        "cnpj_cpf": "987.654.321-00", "ativo": "S", "id_tipo_cliente": "1", "id_segmento": "3",
        "cidade": "4210", "uf": "SC", "filial_id": "2", "data_cadastro": "05/01/2025",
        "email": "", "hotsite_email": "jose.lima@provedor.net.br", "fone": "",
        "telefone_celular": "", "telefone_comercial": "", "whatsapp": "",
    },
]  # fmt: skip

PLANOS: list[dict[str, str]] = [
    {"id": "12", "nome": "Fibra 500M", "valor_contrato": "99.90", "ativo": "S"},
    {"id": "13", "nome": "Fibra 1G", "valor_contrato": "149,90", "ativo": "S"},
]

CONTRATOS: list[dict[str, str]] = [
    {
        "id": "733", "id_cliente": "1502", "id_vd_contrato": "12", "contrato": "FIBRA 500M",
        "status": "A", "status_internet": "A", "status_velocidade": "N",
        "isentar_contrato": "N", "tipo_cobranca": "E", "tipo": "I",
        "data": "2024-03-05", "data_ativacao": "2024-03-06", "data_renovacao": "2025-03-06",
        "data_expiracao": "2026-03-06", "pago_ate_data": "2026-01-31",
        "data_cancelamento": "0000-00-00", "motivo_cancelamento": "",
        "bloqueio_automatico": "S", "aviso_atraso": "S", "num_parcelas_atraso": "0",
    },
    {
        "id": "734", "id_cliente": "1503", "id_vd_contrato": "13", "contrato": "FIBRA 1G",
        "status": "A", "status_internet": "CA", "status_velocidade": "R",
        "isentar_contrato": "N", "tipo_cobranca": "I", "tipo": "I",
        "data_ativacao": "2023-07-01", "data_renovacao": "0000-00-00",
        "pago_ate_data": "0000-00-00", "data_cancelamento": "0000-00-00",
    },
    {
        "id": "735", "id_cliente": "1504", "id_vd_contrato": "12", "contrato": "FIBRA 500M",
        "status": "I", "status_internet": "D", "status_velocidade": "N",
        "isentar_contrato": "S", "tipo_cobranca": "P", "tipo": "I",
        "data_ativacao": "2025-01-06", "pago_ate_data": "", "data_cancelamento": "2025-09-30",
        "motivo_cancelamento": "3", "origem_cancelamento": "M",
    },
]  # fmt: skip

_TITULO = {
    "id_cliente": "1502", "id_contrato": "733", "data_emissao": "2026-01-25",
    "data_vencimento": "2026-02-10", "valor": "99.90", "valor_aberto": "99.90",
    "valor_recebido": "0.00", "valor_cancelado": "0.00", "status": "A", "liberado": "S",
    "estornado": "N", "pagamento_data": "0000-00-00", "credito_data": "0000-00-00",
    "baixa_data": "0000-00-00", "data_inicial": "2026-01-01", "data_final": "2026-01-31",
    "parcela_proporcional": "N", "tipo_recebimento": "Boleto", "documento": "",
}  # fmt: skip

TITULOS: list[dict[str, str]] = [
    {**_TITULO, "id": "88231", "status": "R", "valor_aberto": "0.00", "valor_recebido": "99.90",
     "pagamento_data": "2026-02-12", "credito_data": "2026-02-13", "baixa_data": "2026-02-13"},
    {**_TITULO, "id": "88232", "data_emissao": "2026-02-25", "data_vencimento": "2026-03-10",
     "data_inicial": "2026-02-01", "data_final": "2026-02-28"},
    {**_TITULO, "id": "88233", "id_cliente": "1503", "id_contrato": "734", "valor": "149,90",
     "valor_aberto": "100,00", "valor_recebido": "49,90", "pagamento_data": "2026-02-09",
     "data_vencimento": "2026-04-03", "data_inicial": "2026-04-03",
     "data_final": "2026-05-02"},
    {**_TITULO, "id": "88234", "status": "C", "valor_cancelado": "99.90"},
    {**_TITULO, "id": "88235", "liberado": "N", "data_vencimento": "2026-04-10"},
    {**_TITULO, "id": "88236", "status": "R", "estornado": "S", "valor_recebido": "99.90",
     "pagamento_data": "2026-02-11"},
]  # fmt: skip


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-02-10", D(2026, 2, 10)),
        (" 2026-02-10 ", D(2026, 2, 10)),
        ("2026-02-10 14:32:05", D(2026, 2, 10)),
        ("2026-02-10T14:32", D(2026, 2, 10)),
        ("10/02/2026", D(2026, 2, 10)),
        ("29/02/2024", D(2024, 2, 29)),
        ("0000-00-00", None),
        ("0000-00-00 00:00:00", None),
        ("", None),
        ("  ", None),
        (None, None),
        (float("nan"), None),
        (D(2026, 2, 10), D(2026, 2, 10)),
    ],
)
def test_parse_ixc_date(value: object, expected: dt.date | None) -> None:
    assert parse_ixc_date(value) == expected


@pytest.mark.parametrize(
    "value",
    ["2026-02-30", "31/02/2026", "29/02/2025", "2026/02/10", "10-02-2026", "ontem", 20260210,
     dt.datetime(2026, 2, 10)],
)  # fmt: skip
def test_parse_ixc_date_rejects(value: object) -> None:
    with pytest.raises(InvalidRecordError) as info:
        parse_ixc_date(value, field="data_vencimento", record="88231", row=4)
    msg = str(info.value)
    assert "record '88231' (row 4)" in msg
    assert "'data_vencimento'" in msg
    assert repr(value) in msg


@pytest.mark.parametrize(
    ("value", "minor"),
    [
        ("26.00", 2600),
        ("99,90", 9990),
        ("99.9", 9990),
        ("0,5", 50),
        ("1.234,56", 123456),
        ("12.345.678,90", 1234567890),
        ("1,234.56", 123456),
        ("R$ 79,90", 7990),
        (" 150 ", 15000),
        ("10.500", 1050),  # trailing zero: exact
        (Decimal("10.5"), 1050),
        (7, 700),
    ],
)
def test_parse_ixc_money(value: object, minor: int) -> None:
    assert parse_ixc_money(value) == Money(minor, BRL)


def test_parse_ixc_money_missing_and_currency() -> None:
    assert parse_ixc_money("") is None
    assert parse_ixc_money(None) is None
    assert parse_ixc_money("1500", "JPY") == Money(1500, "JPY")


@pytest.mark.parametrize("value", [99.9, True, "1.234", "-5,00", "abc", "1,2,3", "1.234.56", [1]])
def test_parse_ixc_money_rejects(value: object) -> None:
    with pytest.raises(InvalidRecordError) as info:
        parse_ixc_money(value, field="valor", record="88231", row=2)
    assert "record '88231' (row 2): field 'valor'" in str(info.value)


# --------------------------------------------------------------------------- cliente


def test_customers_from_sample_rows() -> None:
    r = customers_from_ixc(CLIENTES)
    assert dict(r.coverage) == {"rows": 3, "used": 3, "rejected": 0}
    maria, mercado, jose = r.records
    assert maria.name == "Maria Aparecida Souza"
    assert maria.kind is CustomerKind.INDIVIDUAL
    assert [(c.kind.value, c.value) for c in maria.contacts] == [
        ("email", "maria.souza@exemplo.com.br"),
        ("phone", "(48) 99123-4567"),
        ("phone", "48991234567"),
        ("phone", "(48) 3222-1100"),
    ]
    assert maria.created_at == dt.datetime(2024, 3, 5, tzinfo=dt.UTC)
    assert (maria.segment, maria.sector, maria.city, maria.region, maria.country) == (
        "3", "1", "4205", "SC", "BR",
    )  # fmt: skip
    assert mercado.name == "Mercado Bom Preço"  # fantasia when razao is empty
    assert mercado.kind is CustomerKind.COMPANY
    assert mercado.created_at is None  # '0000-00-00'
    assert [c.value for c in mercado.contacts] == ["-", "0000000000"]  # kept as recorded
    assert jose.created_at == dt.datetime(2025, 1, 5, tzinfo=dt.UTC)  # DD/MM/YYYY
    assert [c.kind.value for c in jose.contacts] == ["email"]
    # the contacts KPI decides usability: only Mercado Bom Preço has none
    assert customers_without_contact(r.records).customer_ids == ("1503",)


def test_customer_tz_and_fields() -> None:
    sp = ZoneInfo("America/Sao_Paulo")
    c = customer_from_ixc(CLIENTES[0], tz=sp, phone_fields=["whatsapp"], email_fields=[])
    assert c.created_at == dt.datetime(2024, 3, 5, tzinfo=sp)
    assert [k.value for k in c.contacts] == ["48991234567"]


def test_customers_errors_report_and_raise() -> None:
    rows = [
        *CLIENTES,
        {**CLIENTES[0], "id": "1600", "tipo_pessoa": "X"},
        {**CLIENTES[0]},
        {**CLIENTES[0], "id": "1601", "data_cadastro": "2024-13-01"},
    ]
    r = customers_from_ixc(rows, errors="report")
    assert dict(r.coverage) == {"rows": 6, "used": 3, "rejected": 3}
    assert [(x.row, x.record, x.field) for x in r.rejected] == [
        (3, "1600", "tipo_pessoa"),
        (4, "1502", "id"),
        (5, "1601", "data_cadastro"),
    ]
    assert "row 0" in r.rejected[1].expected  # the repeated id names the first row
    with pytest.raises(InvalidRecordError, match=r"record '1600' \(row 3\): field 'tipo_pessoa'"):
        customers_from_ixc(rows)


# --------------------------------------------------------------------------- contracts


def test_contracts_from_sample_rows() -> None:
    r = contracts_from_ixc(CONTRATOS, plans=PLANOS, billing_mode="prepaid")
    assert dict(r.coverage) == {"rows": 3, "used": 3, "rejected": 0}
    k1, k2, k3 = r.records
    assert (k1.plan, k1.monthly_amount, k1.status, k1.access_status) == (
        "Fibra 500M", Money(9990, BRL), ContractStatus.ACTIVE, AccessStatus.ACTIVE,
    )  # fmt: skip
    assert (k1.activation_date, k1.renewal_date, k1.paid_until, k1.cancelled_at) == (
        D(2024, 3, 6), D(2025, 3, 6), D(2026, 1, 31), None,
    )  # fmt: skip
    assert k1.billing_mode is BillingMode.PREPAID  # from the caller, not tipo_cobranca 'E'
    assert k1.service_type == "I"
    # blocked automatically stays blocked even with reduced speed; 149,90 from the plan
    assert (k2.access_status, k2.monthly_amount) == (AccessStatus.BLOCKED_AUTO, Money(14990, BRL))
    assert (k3.status, k3.exempt, k3.cancelled_at) == (
        ContractStatus.INACTIVE, True, D(2025, 9, 30),
    )  # fmt: skip


def test_contract_reduced_speed_and_plan_fallback() -> None:
    row = {**CONTRATOS[0], "status_velocidade": "R", "valor_contrato": "89,90"}
    k = contract_from_ixc(row, billing_mode=BillingMode.POSTPAID)
    assert k.access_status is AccessStatus.REDUCED
    assert (k.plan, k.monthly_amount) == ("FIBRA 500M", Money(8990, BRL))  # no plans given
    by_id = contract_from_ixc(row, plans={"12": PLANOS[0]}, billing_mode={"733": "postpaid"})
    assert by_id.monthly_amount == Money(9990, BRL)


def test_contracts_errors() -> None:
    rows = [
        CONTRATOS[0],
        {**CONTRATOS[1], "status": "C"},  # not an IXC contract code
        {**CONTRATOS[2], "id_vd_contrato": "99"},  # unknown plan
        {**CONTRATOS[0], "id": "736", "data_ativacao": "2024-02-30"},
    ]
    r = contracts_from_ixc(rows, plans=PLANOS, billing_mode="postpaid", errors="report")
    assert [(x.row, x.record, x.field, x.value) for x in r.rejected] == [
        (1, "734", "status", "C"),
        (2, "735", "id_vd_contrato", "99"),
        (3, "736", "data_ativacao", "2024-02-30"),
    ]
    # no billing mode: the message says tipo_cobranca is not one
    with pytest.raises(InvalidRecordError, match="tipo_cobranca is the delivery channel"):
        contracts_from_ixc(CONTRATOS, plans=PLANOS)
    with pytest.raises(InvalidRecordError, match="valor_contrato"):
        contract_from_ixc(CONTRATOS[0], billing_mode="prepaid")  # no plan, no amount


def test_vocabulary_override() -> None:
    # an ERP export that writes cancelled contracts as 'C' and suspension as 'S'
    vocab = IxcVocabulary(
        contract_status={**DEFAULT_IXC_VOCABULARY.contract_status, "C": "cancelled",
                         "s": "suspended"},
    )  # fmt: skip
    rows = [{**CONTRATOS[1], "status": "C"}, {**CONTRATOS[1], "id": "740", "status": " s "}]
    r = contracts_from_ixc(rows, plans=PLANOS, billing_mode="postpaid", vocabulary=vocab)
    assert [k.status for k in r.records] == [ContractStatus.CANCELLED, ContractStatus.SUSPENDED]
    with pytest.raises(InvalidParameterError, match="not a ContractStatus"):
        IxcVocabulary(contract_status={"A": "alive"})
    with pytest.raises(InvalidParameterError, match="receivable_status"):
        IxcVocabulary(receivable_status={"A": "aberto"})
    assert DEFAULT_IXC_VOCABULARY.to_dict()["flags"] == {"S": True, "N": False}


# --------------------------------------------------------------------------- fn_areceber


def test_invoices_from_sample_rows() -> None:
    r = invoices_from_ixc(TITULOS)
    assert dict(r.coverage) == {
        "rows": 6, "used": 4, "rejected": 0, "cancelled": 1, "not_released": 1,
    }  # fmt: skip
    paid, open_, partial, reversed_ = r.records
    assert paid.number == "88231"
    assert paid.status() is InvoiceStatus.PAID
    assert paid.payments[0].received_at == dt.datetime(2026, 2, 12, tzinfo=dt.UTC)
    assert paid.payments[0].posted_at == dt.datetime(2026, 2, 13, tzinfo=dt.UTC)
    assert paid.days_late == 2
    assert (paid.contract_id, paid.source_system) == ("733", "IXC")
    assert open_.status() is InvoiceStatus.OPEN
    assert open_.payments == ()
    assert partial.amount == Money(14990, BRL)
    assert partial.status() is InvoiceStatus.PARTIALLY_PAID
    assert partial.open_amount() == Money(10000, BRL)
    assert reversed_.payments == ()  # estornado: the payment was reversed
    with_unreleased = invoices_from_ixc(TITULOS, include_unreleased=True)
    assert with_unreleased.coverage["used"] == 5


def test_invoice_payment_date_fallback_and_errors() -> None:
    row = {**TITULOS[0], "pagamento_data": "0000-00-00"}
    inv = invoice_from_ixc(row)
    assert inv.payments[0].received_at.date() == D(2026, 2, 13)  # credito_data
    bad = {**TITULOS[0], "pagamento_data": "", "credito_data": "0000-00-00"}
    with pytest.raises(InvalidRecordError, match="'pagamento_data'"):
        invoice_from_ixc(bad, row_index=7)
    with pytest.raises(InvalidRecordError, match="cancelled"):
        invoice_from_ixc(TITULOS[3])
    rows = [
        {**_TITULO, "id": "1", "data_vencimento": "2026-01-20"},  # before data_emissao
        {**_TITULO, "id": "2", "valor": ""},
        {**_TITULO, "id": "3", "data_emissao": "0000-00-00"},
        {**_TITULO, "id": "4", "id_cliente": "0"},
        {**_TITULO, "id": "5", "estornado": "talvez"},
        {**_TITULO, "id": "6", "valor": "99.999"},
    ]
    r = invoices_from_ixc(rows, errors="report")
    assert [(x.row, x.record, x.field) for x in r.rejected] == [
        (0, "1", "due_date"),
        (1, "2", "valor"),
        (2, "3", "data_emissao"),
        (3, "4", "id_cliente"),
        (4, "5", "estornado"),
        (5, "6", "valor"),
    ]
    assert r.rejected[0].message.startswith("record '1' (row 0): field 'due_date'")
    with pytest.raises(InvalidRecordError, match=r"record '1' \(row 0\)"):
        invoices_from_ixc(rows)


def test_billing_modes_from_service_periods() -> None:
    assert billing_mode_from_ixc(TITULOS[0]) is BillingMode.POSTPAID  # Jan served, due 10 Feb
    assert billing_mode_from_ixc(TITULOS[2]) is BillingMode.PREPAID  # period starts on due
    straddle = {**_TITULO, "data_inicial": "2026-02-01", "data_final": "2026-02-28"}
    assert billing_mode_from_ixc(straddle) is None
    rows = [*TITULOS, {**_TITULO, "id": "9", "id_contrato": "734", "data_inicial": "2026-01-01",
            "data_final": "2026-01-31"}, {**_TITULO, "id": "10", "id_contrato": ""}]  # fmt: skip
    r = billing_modes_from_ixc(rows)
    assert dict(r.modes) == {"733": BillingMode.POSTPAID}
    assert r.conflicting == ("734",)
    assert dict(r.coverage) == {"rows": 8, "decided": 7, "undecided": 0, "without_contract": 1}
    # the modes feed the contracts
    k = contracts_from_ixc(CONTRATOS[:1], plans=PLANOS, billing_mode=r.modes)
    assert k.records[0].billing_mode is BillingMode.POSTPAID


# --------------------------------------------------------------------------- input shapes


def test_envelope_and_frames() -> None:
    envelope = {"page": "1", "total": str(len(TITULOS)), "registros": TITULOS}
    direct = invoices_from_ixc(TITULOS)
    assert invoices_from_ixc(envelope).records == direct.records
    assert invoices_from_ixc(pd.DataFrame(TITULOS)).records == direct.records
    assert invoices_from_ixc(pl.DataFrame(TITULOS)).records == direct.records
    assert ixc_rows({"total": "0", "registros": None}) == []
    frame = pd.DataFrame(CLIENTES)  # the shorter rows get NaN cells: read as missing
    assert customers_from_ixc(frame).records == customers_from_ixc(CLIENTES).records


@pytest.mark.parametrize("data", ["rows", 3, {"id": "1"}])
def test_bad_input_shapes(data: object) -> None:
    with pytest.raises(InvalidParameterError):
        ixc_rows(data)


def test_bad_item_and_errors_option() -> None:
    with pytest.raises(InvalidRecordError, match="row 1"):
        ixc_rows([{"id": "1"}, "2"])
    with pytest.raises(InvalidParameterError, match="errors"):
        invoices_from_ixc(TITULOS, errors=_any("ignore"))


# --------------------------------------------------------------------------- end to end


def test_ixc_rows_to_days_overdue_with_the_bank_calendar() -> None:
    invs = invoices_from_ixc(TITULOS).records
    # 88233 is due Good Friday 3 April 2026: on Tuesday the 7th it is 1 day overdue with the
    # calendar (payable Monday the 6th), 4 without; 88232 (due 10 March) is 28 days overdue
    as_of = D(2026, 4, 7)
    plain = days_overdue(list(invs), as_of=as_of).to_mapping()
    rolled = days_overdue(list(invs), as_of=as_of, calendar=BankCalendar()).to_mapping()
    assert plain == {"88231": 0.0, "88232": 28.0, "88233": 4.0, "88236": 56.0}
    assert rolled == {"88231": 0.0, "88232": 28.0, "88233": 1.0, "88236": 56.0}
