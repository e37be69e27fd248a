"""IXC Provedor rows in: webservice records mapped to kpicore's domain model.

IXC Provedor, an ERP used by many Brazilian internet providers, serves its
tables through ``/webservice/v1/<table>``. This module maps the records of
``cliente`` (customers and their contacts), ``cliente_contrato`` (service
contracts), ``vd_contratos`` (plans: name and monthly amount) and
``fn_areceber`` (receivables, *títulos*, with their payment) to
:class:`~kpicore.model.Customer`, :class:`~kpicore.model.Contract` and
:class:`~kpicore.model.Invoice`. It is a pure mapping: no HTTP, no files, no
clock. Rows come as dicts exactly as the webservice returns them (every value
a string), as an iterable of them, as the response envelope
``{"total": ..., "registros": [...]}``, or as a pandas / polars DataFrame.

IXC quirks handled
------------------
* Dates: ``"0000-00-00"`` (and ``"0000-00-00 00:00:00"``), ``""`` and None are
  *missing*; responses use ISO ``YYYY-MM-DD`` (optionally with a time), request
  bodies ``DD/MM/YYYY``: both are read (:func:`parse_ixc_date`).
* Money: ``"26.00"``, ``"99,90"`` and ``"1.234,56"`` become exact
  :class:`~kpicore.money.Money` in BRL (:func:`parse_ixc_money`); floats are
  refused (not exact).
* Codes: contract ``status`` P/A/I/N/D, ``status_internet`` A/D/CM/CA/FA/AA,
  ``status_velocidade`` N/R, ``isentar_contrato`` S/N, título ``status``
  A/R/C, ``liberado`` S/N, ``estornado`` S/N -- through an overridable
  :class:`IxcVocabulary`.
* ``tipo_cobranca`` (P padrão / I impresso / E e-mail) is how the bill is
  delivered, **not** the billing mode: prepaid or postpaid comes from the
  caller, or from the service period of the títulos
  (:func:`billing_mode_from_ixc`: ``data_inicial``/``data_final`` against
  ``data_vencimento``).

Bad rows
--------
The batch functions take ``errors="raise"`` (default: the first bad row
raises :class:`~kpicore.errors.InvalidRecordError` naming its row index, id,
field and value) or ``errors="report"`` (bad rows are left out and listed in
:attr:`IxcImport.rejected` with the same details). Rows left out on purpose
(cancelled or unreleased títulos) are counted in :attr:`IxcImport.coverage`.

References
----------
IXC Provedor webservice API (``/webservice/v1``: tables ``cliente``,
``cliente_contrato``, ``fn_areceber``, ``vd_contratos``; field labels and
codes of the ``cliente_contrato`` form), https://wiki-erp.ixcsoft.com.br.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from typing import Any, Final, Generic, Literal, TypeVar, cast

import attrs

from kpicore.errors import InvalidParameterError, InvalidRecordError
from kpicore.model import (
    AccessStatus,
    BillingMode,
    Contact,
    Contract,
    ContractStatus,
    Customer,
    CustomerKind,
    Invoice,
    Payment,
)
from kpicore.money import Money
from kpicore.results import Result, freeze

__all__ = [
    "DEFAULT_IXC_VOCABULARY",
    "EMAIL_FIELDS",
    "PHONE_FIELDS",
    "BillingModes",
    "IxcImport",
    "IxcRejected",
    "IxcVocabulary",
    "billing_mode_from_ixc",
    "billing_modes_from_ixc",
    "contract_from_ixc",
    "contracts_from_ixc",
    "customer_from_ixc",
    "customers_from_ixc",
    "invoice_from_ixc",
    "invoices_from_ixc",
    "ixc_rows",
    "parse_ixc_date",
    "parse_ixc_money",
]

Row = Mapping[str, Any]
Errors = Literal["raise", "report"]
_T = TypeVar("_T")

#: The ``cliente`` fields read as e-mail contacts, in order.
EMAIL_FIELDS: Final[tuple[str, ...]] = ("email", "hotsite_email")
#: The ``cliente`` fields read as phone contacts, in order.
PHONE_FIELDS: Final[tuple[str, ...]] = (
    "telefone_celular",
    "whatsapp",
    "fone",
    "telefone_comercial",
)

_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_BR = re.compile(r"(\d{2})/(\d{2})/(\d{4})(?: \d{2}:\d{2}(?::\d{2})?)?")
_ZERO_DATE = re.compile(r"0000-00-00(?:[ T]00:00(?::00)?)?")
_PLAIN = re.compile(r"\d+(?:[.,]\d+)?")
_BR_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+,\d+")
_US_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+\.\d+")


# --------------------------------------------------------------------------- values


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):  # a missing cell of a DataFrame
        return True
    return isinstance(value, str) and not value.strip()


def parse_ixc_date(
    value: object, *, field: str = "date", record: object = None, row: int | None = None
) -> date | None:
    """An IXC date: ISO or DD/MM/YYYY; ``"0000-00-00"``, ``""`` and None are missing.

    Parameters
    ----------
    value : str, date or None
        ``"2026-02-10"``, ``"2026-02-10 14:32:00"`` (the time is dropped),
        ``"10/02/2026"``, ``"0000-00-00"``, ``""``, a ``date`` (not a
        datetime) or None.
    field, record, row
        Named in the error message.

    Returns
    -------
    date or None

    Raises
    ------
    InvalidRecordError
        For any other value (an impossible date such as ``"2026-02-30"``, a
        datetime, a number...).

    Examples
    --------
    >>> parse_ixc_date("2026-02-10"), parse_ixc_date("10/02/2026")
    (datetime.date(2026, 2, 10), datetime.date(2026, 2, 10))
    >>> parse_ixc_date("0000-00-00") is None, parse_ixc_date("") is None
    (True, True)
    >>> parse_ixc_date("31/02/2026", field="data_vencimento", record="77")
    Traceback (most recent call last):
    ...
    kpicore.errors.InvalidRecordError: record '77': field 'data_vencimento' = '31/02/2026': ...
    """
    if _blank(value):
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        text = value.strip()
        if _ZERO_DATE.fullmatch(text):
            return None
        try:
            m = _ISO.fullmatch(text)
            if m is not None:
                return date(int(m[1]), int(m[2]), int(m[3]))
            m = _BR.fullmatch(text)
            if m is not None:
                return date(int(m[3]), int(m[2]), int(m[1]))
        except ValueError:
            pass
    raise InvalidRecordError(
        record=record,
        row=row,
        field=field,
        value=value,
        expected="a date 'YYYY-MM-DD' or 'DD/MM/YYYY' ('0000-00-00' or '' when missing)",
    )


def parse_ixc_money(
    value: object,
    currency: str = "BRL",
    *,
    field: str = "valor",
    record: object = None,
    row: int | None = None,
) -> Money | None:
    """An IXC amount as exact Money: ``"26.00"``, ``"99,90"``, ``"1.234,56"``; ``""`` is missing.

    Parameters
    ----------
    value : str, Decimal, int or None
        A single ``.`` or ``,`` is the decimal separator; with both, the
        pt-BR form ``1.234,56`` (dots group thousands) and the English form
        ``1,234.56`` are read. Surrounding whitespace and a leading ``R$``
        are ignored.
    currency : str, default "BRL"
    field, record, row
        Named in the error message.

    Returns
    -------
    Money or None

    Raises
    ------
    InvalidRecordError
        For a float (not exact), a negative or unparsable amount, or more
        decimal places than the currency has (``"1.234"`` is ambiguous and
        refused for BRL).

    Examples
    --------
    >>> parse_ixc_money("26.00"), parse_ixc_money("99,90")
    (Money(minor=2600, currency='BRL'), Money(minor=9990, currency='BRL'))
    >>> parse_ixc_money("R$ 1.234,56").format_br(), parse_ixc_money("") is None
    ('R$ 1.234,56', True)
    >>> parse_ixc_money(99.9)
    Traceback (most recent call last):
    ...
    kpicore.errors.InvalidRecordError: value: field 'valor' = 99.9: expected an amount ...
    """
    if _blank(value):
        return None
    expected = (
        "an amount such as '26.00', '99,90' or '1.234,56' (a str, Decimal or int; "
        "floats are not exact)"
    )
    if isinstance(value, bool | float):
        raise InvalidRecordError(
            record=record, row=row, field=field, value=value, expected=expected
        )
    if isinstance(value, int | Decimal):
        number: Decimal | int = value
    elif isinstance(value, str):
        text = value.strip()
        if text.startswith("R$"):
            text = text[2:].strip()
        if _PLAIN.fullmatch(text):
            number = Decimal(text.replace(",", "."))
        elif _BR_THOUSANDS.fullmatch(text):
            number = Decimal(text.replace(".", "").replace(",", "."))
        elif _US_THOUSANDS.fullmatch(text):
            number = Decimal(text.replace(",", ""))
        else:
            raise InvalidRecordError(
                record=record, row=row, field=field, value=value, expected=expected
            )
    else:
        raise InvalidRecordError(
            record=record, row=row, field=field, value=value, expected=expected
        )
    try:
        money = Money.of(number, currency, record=record)
    except InvalidRecordError as exc:
        raise InvalidRecordError(
            record=record, row=row, field=field, value=value, expected=exc.expected
        ) from None
    if money.minor < 0:
        raise InvalidRecordError(
            record=record, row=row, field=field, value=value, expected="a non-negative amount"
        )
    return money


# --------------------------------------------------------------------------- vocabulary


def _code_map(enum: Any) -> Callable[[Mapping[str, Any]], Mapping[str, Any]]:
    def convert(value: Mapping[str, Any]) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise InvalidParameterError(f"a vocabulary must be a mapping of codes, got {value!r}")
        out: dict[str, Any] = {}
        for code, member in value.items():
            if not isinstance(code, str):
                raise InvalidParameterError(f"vocabulary code {code!r} is not a str")
            try:
                out[code.strip().upper()] = member if enum is None else enum(member)
            except ValueError:
                raise InvalidParameterError(
                    f"vocabulary code {code!r}: {member!r} is not a {enum.__name__}"
                ) from None
        return freeze(out)

    return convert


def _contract_map(value: Mapping[str, Any]) -> Mapping[str, ContractStatus]:
    return _code_map(ContractStatus)(value)


def _access_map(value: Mapping[str, Any]) -> Mapping[str, AccessStatus]:
    return _code_map(AccessStatus)(value)


def _kind_map(value: Mapping[str, Any]) -> Mapping[str, CustomerKind]:
    return _code_map(CustomerKind)(value)


_RECEIVABLE_STATES: Final[tuple[str, ...]] = ("open", "paid", "cancelled")


def _receivable_map(value: Mapping[str, str]) -> Mapping[str, str]:
    out = _code_map(None)(value)
    for code, state in out.items():
        if state not in _RECEIVABLE_STATES:
            raise InvalidParameterError(
                f"receivable_status code {code!r}: {state!r} is not one of "
                f"{', '.join(_RECEIVABLE_STATES)}"
            )
    return out


def _flag_map(value: Mapping[str, bool]) -> Mapping[str, bool]:
    out = _code_map(None)(value)
    for code, flag in out.items():
        if not isinstance(flag, bool):
            raise InvalidParameterError(f"flag code {code!r}: {flag!r} is not True or False")
    return out


@attrs.frozen(repr=False)
class IxcVocabulary(Result):
    """The IXC codes and what they mean in kpicore: override any table.

    Parameters
    ----------
    contract_status : mapping of str to ContractStatus
        ``cliente_contrato.status``. Default P pré-contrato, A active, I
        inactive, N negativado, D cancelled (*desistiu*).
    access_status : mapping of str to AccessStatus
        ``cliente_contrato.status_internet``. Default A active, D disabled,
        CM blocked manually, CA blocked automatically, FA financial hold, AA
        awaiting signature.
    reduced_speed : mapping of str to bool
        ``status_velocidade``: N normal (False), R reduced (True); an active
        access with reduced speed maps to ``AccessStatus.REDUCED``.
    receivable_status : mapping of str to {"open", "paid", "cancelled"}
        ``fn_areceber.status``: A open, R received (paid), C cancelled.
    flags : mapping of str to bool
        S/N fields (``isentar_contrato``, ``liberado``, ``estornado``): S
        True, N False.
    person_kind : mapping of str to CustomerKind
        ``cliente.tipo_pessoa``: F individual, J company.

    Codes are matched ignoring case and surrounding whitespace.

    Examples
    --------
    >>> v = IxcVocabulary(contract_status={**DEFAULT_IXC_VOCABULARY.contract_status, "C": "cancelled"})
    >>> v.contract_status["C"], DEFAULT_IXC_VOCABULARY.receivable_status["R"]
    (<ContractStatus.CANCELLED: 'cancelled'>, 'paid')
    """  # noqa: E501

    contract_status: Mapping[str, ContractStatus] = attrs.field(
        factory=lambda: {"P": "pre_contract", "A": "active", "I": "inactive",
                         "N": "negativado", "D": "cancelled"},
        converter=_contract_map,
    )  # fmt: skip
    access_status: Mapping[str, AccessStatus] = attrs.field(
        factory=lambda: {"A": "active", "D": "disabled", "CM": "blocked_manual",
                         "CA": "blocked_auto", "FA": "financial_hold",
                         "AA": "awaiting_signature"},
        converter=_access_map,
    )  # fmt: skip
    reduced_speed: Mapping[str, bool] = attrs.field(
        factory=lambda: {"N": False, "R": True}, converter=_flag_map
    )
    receivable_status: Mapping[str, str] = attrs.field(
        factory=lambda: {"A": "open", "R": "paid", "C": "cancelled"}, converter=_receivable_map
    )
    flags: Mapping[str, bool] = attrs.field(
        factory=lambda: {"S": True, "N": False}, converter=_flag_map
    )
    person_kind: Mapping[str, CustomerKind] = attrs.field(
        factory=lambda: {"F": "individual", "J": "company"},
        converter=_kind_map,
    )


#: The IXC Provedor codes as documented (see :class:`IxcVocabulary`).
DEFAULT_IXC_VOCABULARY: Final[IxcVocabulary] = IxcVocabulary()


def _lookup(
    table: Mapping[str, _T], row: Row, field: str, record: object, index: int | None, what: str
) -> _T:
    value = row.get(field)
    key = value.strip().upper() if isinstance(value, str) else None
    if key is None or key not in table:
        raise InvalidRecordError(
            record=record,
            row=index,
            field=field,
            value=value,
            expected=f"one of the {what} codes {', '.join(table)}",
        )
    return table[key]


def _flag(
    vocab: IxcVocabulary, row: Row, field: str, record: object, index: int | None, default: bool
) -> bool:
    if _blank(row.get(field)):
        return default
    return _lookup(vocab.flags, row, field, record, index, "S/N")


def _text(row: Row, field: str) -> str | None:
    value = row.get(field)
    if _blank(value):
        return None
    return str(value).strip()


def _id(row: Row, field: str, record: object, index: int | None) -> str:
    value = row.get(field)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip() or value.strip() == "0":
        raise InvalidRecordError(
            record=record, row=index, field=field, value=value, expected="a non-empty id"
        )
    return value.strip()


def _optional_id(row: Row, field: str) -> str | None:
    value = row.get(field)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip() or value.strip() == "0":
        return None
    return value.strip()


def _at(day: date, tz: tzinfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def _instant(day: date | None, tz: tzinfo) -> datetime | None:
    return None if day is None else _at(day, tz)


def _record_id(row: object) -> object:
    if isinstance(row, Mapping):
        value = row.get("id")
        if isinstance(value, str):
            return value.strip() or None
        return None if _blank(value) else value
    return None


# --------------------------------------------------------------------------- input rows


def ixc_rows(data: object) -> list[Row]:
    """The rows of IXC input as a list of mappings.

    Parameters
    ----------
    data : iterable of mappings, response envelope or DataFrame
        A list (or any iterable) of dicts; the webservice response
        ``{"total": "2", "registros": [...]}``; a pandas DataFrame
        (``to_dict("records")``) or a polars DataFrame (``to_dicts()``).

    Returns
    -------
    list of mapping

    Raises
    ------
    InvalidParameterError
        For anything else (a str, a single record without ``registros``...).
    InvalidRecordError
        For an item that is not a mapping (naming its row).

    Examples
    --------
    >>> [r["id"] for r in ixc_rows({"total": "2", "registros": [{"id": "1"}, {"id": "2"}]})]
    ['1', '2']
    """
    if isinstance(data, Mapping):
        if "registros" not in data:
            raise InvalidParameterError(
                "a mapping must be the webservice response with 'registros'; "
                "pass a list of rows for single records"
            )
        data = data["registros"]
        if data is None:
            return []
    to_dicts = getattr(data, "to_dicts", None)
    if callable(to_dicts) and hasattr(data, "columns"):  # polars
        data = to_dicts()
    elif callable(getattr(data, "to_dict", None)) and hasattr(data, "columns"):  # pandas
        data = cast(Any, data).to_dict("records")
    if isinstance(data, str | bytes) or not isinstance(data, Iterable):
        raise InvalidParameterError(
            f"IXC rows must be an iterable of dicts, a response with 'registros' or a "
            f"DataFrame, got {type(data).__name__}"
        )
    rows = list(data)
    for i, r in enumerate(rows):
        if not isinstance(r, Mapping):
            raise InvalidRecordError(
                row=i, field="row", value=type(r).__name__, expected="a mapping of IXC fields"
            )
    return rows


# --------------------------------------------------------------------------- results


@attrs.frozen(repr=False)
class IxcRejected(Result):
    """One IXC row that could not be mapped (``errors="report"``).

    Attributes
    ----------
    row : int
        Its index in the input.
    record : object
        Its ``id`` (None when it has none).
    field : str
        The offending field.
    value : object
        The offending value.
    expected : str
        What would have been accepted.
    """

    row: int
    record: object
    field: str
    value: object
    expected: str

    @property
    def message(self) -> str:
        """The error message ``errors="raise"`` would have raised."""
        return str(
            InvalidRecordError(
                record=self.record,
                row=self.row,
                field=self.field,
                value=self.value,
                expected=self.expected,
            )
        )


@attrs.frozen(repr=False)
class IxcImport(Result, Generic[_T]):
    """Mapped records, the rows rejected and the counts of everything read.

    Attributes
    ----------
    records : tuple
        The domain objects, in input order.
    rejected : tuple of IxcRejected
        Rows that could not be mapped (only with ``errors="report"``).
    coverage : Mapping[str, int]
        ``rows`` read, ``used`` (mapped), ``rejected`` and the rows left out
        on purpose (e.g. ``cancelled``, ``not_released``): they add up to
        ``rows``.
    """

    records: tuple[_T, ...]
    rejected: tuple[IxcRejected, ...]
    coverage: Mapping[str, int] = attrs.field(converter=freeze)


def _check_errors(errors: object) -> Errors:
    if errors not in ("raise", "report"):
        raise InvalidParameterError(f"errors={errors!r}: expected 'raise' or 'report'")
    return errors


def _batch(
    data: object,
    build: Callable[[Row, int], _T | str],
    errors: object,
    skipped: tuple[str, ...] = (),
) -> IxcImport[_T]:
    mode = _check_errors(errors)
    rows = ixc_rows(data)
    records: list[_T] = []
    rejected: list[IxcRejected] = []
    counts = dict.fromkeys(skipped, 0)
    seen: dict[str, int] = {}
    for i, r in enumerate(rows):
        try:
            out = build(r, i)
            if isinstance(out, str):  # a reason to leave the row out
                counts[out] += 1
                continue
            key = getattr(out, "id", getattr(out, "number", None))
            if isinstance(key, str):
                if key in seen:
                    raise InvalidRecordError(
                        record=key, row=i, field="id", value=key,
                        expected=f"an id not seen before (row {seen[key]} has it)",
                    )  # fmt: skip
                seen[key] = i
            records.append(out)
        except InvalidRecordError as exc:
            if mode == "raise":
                if exc.row is None:
                    raise InvalidRecordError(
                        record=exc.record if exc.record is not None else _record_id(r),
                        row=i, field=exc.field, value=exc.value, expected=exc.expected,
                    ) from None  # fmt: skip
                raise
            rec = exc.record if exc.record is not None else _record_id(r)
            rejected.append(IxcRejected(i, rec, exc.field, exc.value, exc.expected))
    coverage = {"rows": len(rows), "used": len(records), "rejected": len(rejected), **counts}
    return IxcImport(tuple(records), tuple(rejected), coverage)


# --------------------------------------------------------------------------- cliente


def customer_from_ixc(
    row: Row,
    *,
    row_index: int | None = None,
    tz: tzinfo = UTC,
    email_fields: Iterable[str] = EMAIL_FIELDS,
    phone_fields: Iterable[str] = PHONE_FIELDS,
    vocabulary: IxcVocabulary = DEFAULT_IXC_VOCABULARY,
) -> Customer:
    """A :class:`~kpicore.model.Customer` from an IXC ``cliente`` record.

    Parameters
    ----------
    row : mapping
        ``id``, ``razao`` (name; ``fantasia`` when empty), ``tipo_pessoa``
        (F/J), ``id_segmento``, ``id_tipo_cliente``, ``cidade``, ``uf``,
        ``data_cadastro`` and the contact fields.
    row_index : int, optional
        Named in errors.
    tz : tzinfo, default UTC
        Zone of ``data_cadastro`` (registration at 00:00 there).
    email_fields, phone_fields : iterable of str
        Contact fields (:data:`EMAIL_FIELDS`, :data:`PHONE_FIELDS`). Empty
        values are no contact; any other value is kept as recorded (the
        contacts KPIs decide what is usable).
    vocabulary : IxcVocabulary

    Returns
    -------
    Customer
        ``segment`` = ``id_segmento``, ``sector`` = ``id_tipo_cliente``,
        ``city`` = ``cidade``, ``region`` = ``uf``, ``country`` = ``"BR"``.

    Raises
    ------
    InvalidRecordError
        For a missing id, an unknown ``tipo_pessoa`` or a bad ``data_cadastro``.

    Examples
    --------
    >>> c = customer_from_ixc({"id": "1502", "razao": "Maria Souza", "tipo_pessoa": "F",
    ...                        "email": "maria@exemplo.com.br", "hotsite_email": "",
    ...                        "telefone_celular": "(48) 99123-4567", "whatsapp": "",
    ...                        "fone": "", "telefone_comercial": "", "uf": "SC",
    ...                        "data_cadastro": "2024-03-05"})
    >>> c.id, c.kind.value, [k.kind.value for k in c.contacts], c.region
    ('1502', 'individual', ['email', 'phone'], 'SC')
    """
    rec = _id(row, "id", _record_id(row), row_index)
    name = _text(row, "razao") or _text(row, "fantasia") or ""
    kind = CustomerKind.INDIVIDUAL
    if not _blank(row.get("tipo_pessoa")):
        kind = _lookup(vocabulary.person_kind, row, "tipo_pessoa", rec, row_index, "tipo_pessoa")
    contacts: list[Contact] = []
    for kind_name, fields in (("email", email_fields), ("phone", phone_fields)):
        for f in fields:
            v = _text(row, f)
            if v is not None:
                contacts.append(Contact(kind_name, v))
    created = parse_ixc_date(row.get("data_cadastro"), field="data_cadastro", record=rec,
                             row=row_index)  # fmt: skip
    return Customer(
        rec,
        name,
        kind=kind,
        segment=_text(row, "id_segmento"),
        sector=_text(row, "id_tipo_cliente"),
        country="BR",
        region=_text(row, "uf"),
        city=_text(row, "cidade"),
        contacts=contacts,
        created_at=_instant(created, tz),
    )


def customers_from_ixc(
    rows: object,
    *,
    errors: Errors = "raise",
    tz: tzinfo = UTC,
    email_fields: Iterable[str] = EMAIL_FIELDS,
    phone_fields: Iterable[str] = PHONE_FIELDS,
    vocabulary: IxcVocabulary = DEFAULT_IXC_VOCABULARY,
) -> IxcImport[Customer]:
    """Customers from IXC ``cliente`` rows (see :func:`customer_from_ixc`).

    Parameters
    ----------
    rows : iterable of mappings, response envelope or DataFrame
        See :func:`ixc_rows`.
    errors : {"raise", "report"}
        Raise on the first bad row, or leave it out and list it.
    tz, email_fields, phone_fields, vocabulary
        See :func:`customer_from_ixc`.

    Returns
    -------
    IxcImport of Customer
        Coverage: ``rows``, ``used``, ``rejected`` (a repeated id is rejected).

    Examples
    --------
    >>> r = customers_from_ixc([{"id": "1", "razao": "Ana"}, {"id": "", "razao": "?"}],
    ...                        errors="report")
    >>> [c.id for c in r.records], r.rejected[0].message
    (['1'], "row 1: field 'id' = '': expected a non-empty id")
    """
    emails, phones = tuple(email_fields), tuple(phone_fields)
    return _batch(
        rows,
        lambda r, i: customer_from_ixc(r, row_index=i, tz=tz, email_fields=emails,
                                       phone_fields=phones, vocabulary=vocabulary),
        errors,
    )  # fmt: skip


# --------------------------------------------------------------------------- vd_contratos


def _plans_index(plans: object) -> dict[str, Row]:
    if plans is None:
        return {}
    if isinstance(plans, Mapping) and "registros" not in plans:
        out: dict[str, Row] = {}
        for key, plan in plans.items():
            if not isinstance(plan, Mapping):
                raise InvalidRecordError(
                    record=key, field="plans", value=plan, expected="a vd_contratos row"
                )
            out[str(key)] = plan
        return out
    rows = ixc_rows(plans)
    index: dict[str, Row] = {}
    for i, plan in enumerate(rows):
        index[_id(plan, "id", _record_id(plan), i)] = plan
    return index


# --------------------------------------------------------------------------- fn_areceber


def billing_mode_from_ixc(row: Row, *, row_index: int | None = None) -> BillingMode | None:
    """Prepaid or postpaid from a título's service period (``data_inicial``/``data_final``).

    Parameters
    ----------
    row : mapping
        An ``fn_areceber`` record with ``data_vencimento`` and the service
        period ``data_inicial``, ``data_final``.
    row_index : int, optional

    Returns
    -------
    BillingMode or None
        ``PREPAID`` when the period starts on or after the due date (the
        service is paid before it is used); ``POSTPAID`` when it ended
        before the due date (billed after use); None when the period is
        missing or straddles the due date (undecided).

    Raises
    ------
    InvalidRecordError
        For an unreadable date.

    Notes
    -----
    ``tipo_cobranca`` (P/I/E) is the delivery channel of the bill and says
    nothing about the mode. A título "de 08/11/2024 até 19/11/2024" due
    21/11/2024 is postpaid.

    Examples
    --------
    >>> billing_mode_from_ixc({"data_vencimento": "2024-11-21",
    ...                        "data_inicial": "08/11/2024", "data_final": "19/11/2024"})
    <BillingMode.POSTPAID: 'postpaid'>
    >>> billing_mode_from_ixc({"data_vencimento": "2024-11-10",
    ...                        "data_inicial": "2024-11-10", "data_final": "2024-12-09"})
    <BillingMode.PREPAID: 'prepaid'>
    """
    rec = _record_id(row)
    due = parse_ixc_date(row.get("data_vencimento"), field="data_vencimento", record=rec,
                         row=row_index)  # fmt: skip
    start = parse_ixc_date(row.get("data_inicial"), field="data_inicial", record=rec,
                           row=row_index)  # fmt: skip
    end = parse_ixc_date(row.get("data_final"), field="data_final", record=rec, row=row_index)
    if due is None:
        return None
    if start is not None and start >= due:
        return BillingMode.PREPAID
    if end is not None and end < due:
        return BillingMode.POSTPAID
    return None


@attrs.frozen(repr=False)
class BillingModes(Result):
    """Result of :func:`billing_modes_from_ixc`.

    Attributes
    ----------
    modes : Mapping[str, BillingMode]
        Per contract id, the mode all its decided títulos agree on.
    conflicting : tuple of str
        Contracts whose títulos disagree (left out of ``modes``).
    coverage : Mapping[str, int]
        ``rows``; ``decided`` (títulos with a mode); ``undecided`` (no
        period, or one straddling the due date); ``without_contract``.
    """

    modes: Mapping[str, BillingMode] = attrs.field(converter=freeze)
    conflicting: tuple[str, ...]
    coverage: Mapping[str, int] = attrs.field(converter=freeze)


def billing_modes_from_ixc(rows: object) -> BillingModes:
    """The billing mode of each contract, from the service periods of its títulos.

    Parameters
    ----------
    rows : iterable of mappings, response envelope or DataFrame
        ``fn_areceber`` rows with ``id_contrato``.

    Returns
    -------
    BillingModes

    Raises
    ------
    InvalidRecordError
        For an unreadable date (naming the row).

    Examples
    --------
    >>> r = billing_modes_from_ixc([
    ...     {"id": "1", "id_contrato": "10", "data_vencimento": "2024-11-21",
    ...      "data_inicial": "2024-11-08", "data_final": "2024-11-19"},
    ...     {"id": "2", "id_contrato": "11", "data_vencimento": "2024-11-10",
    ...      "data_inicial": "2024-11-10", "data_final": "2024-12-09"},
    ...     {"id": "3", "id_contrato": "11", "data_vencimento": "2024-12-10",
    ...      "data_inicial": "0000-00-00", "data_final": "0000-00-00"}])
    >>> {k: v.value for k, v in r.modes.items()}, r.coverage["undecided"]
    ({'10': 'postpaid', '11': 'prepaid'}, 1)
    """
    found: dict[str, set[BillingMode]] = {}
    counts = {"rows": 0, "decided": 0, "undecided": 0, "without_contract": 0}
    for i, r in enumerate(ixc_rows(rows)):
        counts["rows"] += 1
        contract = _optional_id(r, "id_contrato")
        if contract is None:
            counts["without_contract"] += 1
            continue
        mode = billing_mode_from_ixc(r, row_index=i)
        if mode is None:
            counts["undecided"] += 1
            continue
        counts["decided"] += 1
        found.setdefault(contract, set()).add(mode)
    modes = {k: next(iter(v)) for k, v in found.items() if len(v) == 1}
    conflicting = tuple(sorted(k for k, v in found.items() if len(v) > 1))
    return BillingModes(modes, conflicting, counts)


def invoice_from_ixc(
    row: Row,
    *,
    row_index: int | None = None,
    tz: tzinfo = UTC,
    currency: str = "BRL",
    vocabulary: IxcVocabulary = DEFAULT_IXC_VOCABULARY,
) -> Invoice:
    """An :class:`~kpicore.model.Invoice` from an IXC ``fn_areceber`` record (a título).

    Parameters
    ----------
    row : mapping
        ``id``, ``id_cliente``, ``id_contrato``, ``data_emissao``,
        ``data_vencimento``, ``valor``, ``status`` (A/R/C), ``valor_recebido``,
        ``pagamento_data``, ``credito_data``, ``baixa_data``, ``estornado``.
    row_index : int, optional
    tz : tzinfo, default UTC
        Zone of the dates that become instants (issue, payment, posting: 00:00
        there).
    currency : str, default "BRL"
    vocabulary : IxcVocabulary

    Returns
    -------
    Invoice
        ``source_system="IXC"``. A received título (R) has one payment of
        ``valor_recebido`` (``valor`` when empty) at ``pagamento_data``
        (``credito_data`` when missing), posted at ``baixa_data``; an open
        título (A) with ``valor_recebido`` > 0 is partially paid; a reversed
        one (``estornado = S``) has no payment.

    Raises
    ------
    InvalidRecordError
        For a cancelled título (C: not a receivable; :func:`invoices_from_ixc`
        counts and leaves them out), a missing id, customer, issue date, due
        date or amount, a received título without a payment date, an unknown
        code, an unreadable date or amount, a due date before the issue.

    Examples
    --------
    >>> inv = invoice_from_ixc({
    ...     "id": "88231", "id_cliente": "1502", "id_contrato": "733",
    ...     "data_emissao": "2026-01-25", "data_vencimento": "2026-02-10",
    ...     "valor": "99.90", "valor_aberto": "0.00", "valor_recebido": "99.90",
    ...     "status": "R", "liberado": "S", "estornado": "N",
    ...     "pagamento_data": "2026-02-12", "credito_data": "2026-02-13",
    ...     "baixa_data": "2026-02-13"})
    >>> inv.status().value, inv.days_late, inv.amount.format_br()
    ('paid', 2, 'R$ 99,90')
    """
    rec = _id(row, "id", _record_id(row), row_index)
    customer = _id(row, "id_cliente", rec, row_index)
    state = _lookup(
        vocabulary.receivable_status, row, "status", rec, row_index, "fn_areceber status"
    )
    if state == "cancelled":
        raise InvalidRecordError(
            record=rec, row=row_index, field="status", value=row.get("status"),
            expected="an open or received título (a cancelled one is no receivable)",
        )  # fmt: skip

    def day(field: str) -> date | None:
        return parse_ixc_date(row.get(field), field=field, record=rec, row=row_index)

    def required(field: str) -> date:
        d = day(field)
        if d is None:
            raise InvalidRecordError(
                record=rec, row=row_index, field=field, value=row.get(field),
                expected="a date (it is missing)",
            )  # fmt: skip
        return d

    def money(field: str) -> Money | None:
        return parse_ixc_money(row.get(field), currency, field=field, record=rec, row=row_index)

    issued = required("data_emissao")
    due = required("data_vencimento")
    amount = money("valor")
    if amount is None:
        raise InvalidRecordError(
            record=rec, row=row_index, field="valor", value=row.get("valor"),
            expected="an amount (it is missing)",
        )  # fmt: skip
    reversed_ = _flag(vocabulary, row, "estornado", rec, row_index, False)
    received = money("valor_recebido")
    payments: list[Payment] = []
    if not reversed_ and (state == "paid" or (received is not None and received.minor > 0)):
        paid_amount = received if received is not None and received.minor > 0 else amount
        when = day("pagamento_data") or day("credito_data")
        if when is None:
            raise InvalidRecordError(
                record=rec, row=row_index, field="pagamento_data",
                value=row.get("pagamento_data"),
                expected="the payment date of a received título (or credito_data)",
            )  # fmt: skip
        posted = day("baixa_data")
        payments.append(Payment(_at(when, tz), paid_amount, posted_at=_instant(posted, tz)))
    try:
        return Invoice(
            rec,
            customer,
            _at(issued, tz),
            due,
            amount,
            contract_id=_optional_id(row, "id_contrato"),
            payments=payments,
            source_system="IXC",
        )
    except InvalidRecordError as exc:
        raise InvalidRecordError(
            record=rec, row=row_index, field=exc.field, value=exc.value, expected=exc.expected
        ) from None


def invoices_from_ixc(
    rows: object,
    *,
    errors: Errors = "raise",
    include_unreleased: bool = False,
    tz: tzinfo = UTC,
    currency: str = "BRL",
    vocabulary: IxcVocabulary = DEFAULT_IXC_VOCABULARY,
) -> IxcImport[Invoice]:
    """Invoices from IXC ``fn_areceber`` rows (see :func:`invoice_from_ixc`).

    Parameters
    ----------
    rows : iterable of mappings, response envelope or DataFrame
    errors : {"raise", "report"}
    include_unreleased : bool, default False
        Map títulos not released to the customer (``liberado = N``) too;
        by default they are left out and counted.
    tz, currency, vocabulary
        See :func:`invoice_from_ixc`.

    Returns
    -------
    IxcImport of Invoice
        Coverage: ``rows``, ``used``, ``rejected``, ``cancelled`` (status C)
        and ``not_released`` (``liberado = N``), adding up to ``rows``.

    Examples
    --------
    >>> base = {"id_cliente": "7", "data_emissao": "2026-01-25",
    ...         "data_vencimento": "2026-02-10", "valor": "99,90", "liberado": "S"}
    >>> r = invoices_from_ixc([{**base, "id": "1", "status": "A"},
    ...                        {**base, "id": "2", "status": "C"},
    ...                        {**base, "id": "3", "status": "A", "liberado": "N"},
    ...                        {**base, "id": "4", "status": "X"}], errors="report")
    >>> dict(r.coverage)
    {'rows': 4, 'used': 1, 'rejected': 1, 'cancelled': 1, 'not_released': 1}
    >>> r.rejected[0].field, r.rejected[0].row
    ('status', 3)
    """
    if not isinstance(include_unreleased, bool):
        raise InvalidParameterError(
            f"include_unreleased must be True or False, got {include_unreleased!r}"
        )

    def build(r: Row, i: int) -> Invoice | str:
        rec = _record_id(r)
        state = _lookup(vocabulary.receivable_status, r, "status", rec, i, "fn_areceber status")
        if state == "cancelled":
            return "cancelled"
        if not include_unreleased and not _flag(vocabulary, r, "liberado", rec, i, True):
            return "not_released"
        return invoice_from_ixc(r, row_index=i, tz=tz, currency=currency, vocabulary=vocabulary)

    return _batch(rows, build, errors, ("cancelled", "not_released"))


# --------------------------------------------------------------------------- cliente_contrato


def contract_from_ixc(
    row: Row,
    *,
    row_index: int | None = None,
    plans: object = None,
    billing_mode: BillingMode | str | Mapping[str, BillingMode | str] | None = None,
    currency: str = "BRL",
    vocabulary: IxcVocabulary = DEFAULT_IXC_VOCABULARY,
) -> Contract:
    """A :class:`~kpicore.model.Contract` from an IXC ``cliente_contrato`` record.

    Parameters
    ----------
    row : mapping
        ``id``, ``id_cliente``, ``id_vd_contrato``, ``contrato``, ``status``,
        ``status_internet``, ``status_velocidade``, ``isentar_contrato``,
        ``data_ativacao``, ``data_renovacao``, ``pago_ate_data``,
        ``data_cancelamento``, ``tipo``.
    row_index : int, optional
    plans : vd_contratos rows or {id: row}, optional
        The plans: ``nome`` is the plan name and ``valor_contrato`` the
        monthly amount (the contract itself has no value). Without the plan,
        the plan name is ``contrato`` and the amount ``valor_contrato`` of
        the contract row when present.
    billing_mode : BillingMode, str or {contract id: mode}
        Prepaid or postpaid, from the caller or from
        :func:`billing_modes_from_ixc` (``.modes``). Required: IXC has no
        such field (``tipo_cobranca`` is the delivery channel).
    currency : str, default "BRL"
    vocabulary : IxcVocabulary

    Returns
    -------
    Contract

    Raises
    ------
    InvalidRecordError
        For a missing id or customer, no billing mode for the contract, no
        monthly amount, an unknown code, an unreadable date or amount.

    Examples
    --------
    >>> plans = [{"id": "12", "nome": "Fibra 500M", "valor_contrato": "99.90"}]
    >>> k = contract_from_ixc({"id": "733", "id_cliente": "1502", "id_vd_contrato": "12",
    ...                        "status": "A", "status_internet": "A", "status_velocidade": "R",
    ...                        "isentar_contrato": "N", "tipo_cobranca": "E",
    ...                        "data_ativacao": "2024-03-06", "pago_ate_data": "0000-00-00",
    ...                        "data_cancelamento": "0000-00-00"},
    ...                       plans=plans, billing_mode="postpaid")
    >>> k.plan, k.access_status.value, k.monthly_amount.format_br(), k.paid_until
    ('Fibra 500M', 'reduced', 'R$ 99,90', None)
    """
    rec = _id(row, "id", _record_id(row), row_index)
    customer = _id(row, "id_cliente", rec, row_index)
    index = _plans_index(plans)
    plan_id = _optional_id(row, "id_vd_contrato")
    plan_row: Row = index.get(plan_id, {}) if plan_id is not None else {}
    if plans is not None and plan_id is not None and plan_id not in index:
        raise InvalidRecordError(
            record=rec, row=row_index, field="id_vd_contrato", value=plan_id,
            expected="the id of one of the plans given (vd_contratos)",
        )  # fmt: skip
    plan = _text(plan_row, "nome") or _text(row, "contrato") or ""
    amount_field, source = ("valor_contrato", plan_row) if plan_row else ("valor_contrato", row)
    amount = parse_ixc_money(source.get(amount_field), currency, field=amount_field, record=rec,
                             row=row_index)  # fmt: skip
    if amount is None:
        raise InvalidRecordError(
            record=rec, row=row_index, field="valor_contrato", value=source.get(amount_field),
            expected="the monthly amount of the contract's plan (pass plans= with vd_contratos)",
        )  # fmt: skip
    mode: object = billing_mode.get(rec) if isinstance(billing_mode, Mapping) else billing_mode
    try:
        mode = BillingMode(str(mode) if isinstance(mode, str) else "")
    except ValueError:
        raise InvalidRecordError(
            record=rec, row=row_index, field="billing_mode", value=mode,
            expected="'prepaid' or 'postpaid' from billing_mode= (IXC has no such field: "
            "tipo_cobranca is the delivery channel; see billing_modes_from_ixc)",
        ) from None  # fmt: skip
    status = _lookup(vocabulary.contract_status, row, "status", rec, row_index, "contract status")
    access = _lookup(vocabulary.access_status, row, "status_internet", rec, row_index,
                     "status_internet")  # fmt: skip
    if not _blank(row.get("status_velocidade")):
        reduced = _lookup(vocabulary.reduced_speed, row, "status_velocidade", rec, row_index,
                          "status_velocidade")  # fmt: skip
        if reduced and access is AccessStatus.ACTIVE:
            access = AccessStatus.REDUCED

    def day(field: str) -> date | None:
        return parse_ixc_date(row.get(field), field=field, record=rec, row=row_index)

    try:
        return Contract(
            rec,
            customer,
            plan,
            mode,
            status,
            access,
            amount,
            activation_date=day("data_ativacao"),
            renewal_date=day("data_renovacao"),
            paid_until=day("pago_ate_data"),
            exempt=_flag(vocabulary, row, "isentar_contrato", rec, row_index, False),
            cancelled_at=day("data_cancelamento"),
            service_type=_text(row, "tipo"),
        )
    except InvalidRecordError as exc:
        raise InvalidRecordError(
            record=rec, row=row_index, field=exc.field, value=exc.value, expected=exc.expected
        ) from None


def contracts_from_ixc(
    rows: object,
    *,
    errors: Errors = "raise",
    plans: object = None,
    billing_mode: BillingMode | str | Mapping[str, BillingMode | str] | None = None,
    currency: str = "BRL",
    vocabulary: IxcVocabulary = DEFAULT_IXC_VOCABULARY,
) -> IxcImport[Contract]:
    """Contracts from IXC ``cliente_contrato`` rows (see :func:`contract_from_ixc`).

    Parameters
    ----------
    rows : iterable of mappings, response envelope or DataFrame
    errors : {"raise", "report"}
    plans, billing_mode, currency, vocabulary
        See :func:`contract_from_ixc`.

    Returns
    -------
    IxcImport of Contract

    Examples
    --------
    >>> rows = [{"id": "1", "id_cliente": "9", "status": "A", "status_internet": "CA",
    ...          "valor_contrato": "79.90"},
    ...         {"id": "2", "id_cliente": "9", "status": "A", "status_internet": "CA",
    ...          "valor_contrato": "79.90"}]
    >>> r = contracts_from_ixc(rows, billing_mode={"1": "prepaid"}, errors="report")
    >>> [k.id for k in r.records], r.rejected[0].field
    (['1'], 'billing_mode')
    """
    index = _plans_index(plans)  # once, not per row
    return _batch(
        rows,
        lambda r, i: contract_from_ixc(r, row_index=i, plans=index if plans is not None else None,
                                       billing_mode=billing_mode, currency=currency,
                                       vocabulary=vocabulary),
        errors,
    )  # fmt: skip
