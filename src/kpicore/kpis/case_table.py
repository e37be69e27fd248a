"""The credit-management case table: one row per invoice with the template's case attributes.

:func:`case_table` assembles, as of a date, the eighteen case attributes of the
credit-management event-log template [PMD]_ (ProcessMind, "Credit management:
Microsoft Dynamics 365 data template") from the
KPI functions that define them -- nothing is computed a second time here:

============================  ===============================================================
column                        source
============================  ===============================================================
InvoiceNumber                 the case id
CustomerName                  ``customers[customer_id].name`` (or the ``customer_name`` case
                              attribute of a log)
CustomerSegment, Country      the customer's ``segment`` / ``country`` (or the log's
                              ``segment`` / ``country`` case attributes)
CollectorAssigned             the ``collector`` case attribute (``Invoice.collector``)
PaymentDueDate                the ledger's due date (``datetime64[D]``)
InvoiceAmount                 the ledger's amount, as an exact :class:`~decimal.Decimal` in
                              major units
CurrencyCode                  the ledger's currency
InvoiceStatus                 the ledger's status (open, partially_paid, disputed, paid,
                              written_off; not_issued / no_issue_event)
DunningLevel                  :func:`kpicore.kpis.dunning.dunning_levels`
DaysOverdue                   :func:`kpicore.kpis.overdue.days_overdue`
DaysSalesOutstanding          :func:`kpicore.kpis.dso.invoice_dso` (``until="settlement"``:
                              days from issue to settlement, the per-invoice DSO [M3]_)
IsDisputed, DisputeReason,    :func:`kpicore.kpis.disputes.dispute_episodes`: any dispute
DisputeResolutionTime         registered; the first dispute's reason and resolution days
CreditLimit                   ``customers[customer_id].credit_limit`` as a Decimal
                              (``CreditLimitCurrency`` says its currency)
SourceSystem                  the ``source_system`` case attribute
LastDataUpdate                the last event of the case known as of ``as_of``
============================  ===============================================================

:data:`CASE_TABLE_COLUMNS_PT` gives pt-BR headers.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, ClassVar, Final, Literal

import attrs
import numpy as np
import numpy.typing as npt

from kpicore import _merge
from kpicore.errors import InvalidParameterError, MissingDataError
from kpicore.eventlog import EventLog
from kpicore.kpis._events import check_roles, freeze, limit_ns, plain, ro
from kpicore.kpis._ledger import DEFAULT_ROLES, MISSING, InvoiceData, Roles, as_log, ledger_of
from kpicore.kpis.disputes import dispute_episodes
from kpicore.kpis.dso import invoice_dso
from kpicore.kpis.dunning import dunning_levels
from kpicore.kpis.overdue import days_overdue
from kpicore.model import Customer, customers_by_id
from kpicore.money import currency_exponent
from kpicore.periods import from_ns
from kpicore.results import Result, to_jsonable

__all__ = ["CASE_TABLE_COLUMNS", "CASE_TABLE_COLUMNS_PT", "InvoiceCaseTable", "case_table"]

#: The columns of :func:`case_table`, in order.
CASE_TABLE_COLUMNS: Final[tuple[str, ...]] = (
    "InvoiceNumber",
    "CustomerName",
    "CustomerSegment",
    "Country",
    "CollectorAssigned",
    "PaymentDueDate",
    "InvoiceAmount",
    "CurrencyCode",
    "InvoiceStatus",
    "DunningLevel",
    "DaysOverdue",
    "DaysSalesOutstanding",
    "IsDisputed",
    "DisputeReason",
    "DisputeResolutionTime",
    "CreditLimit",
    "CreditLimitCurrency",
    "SourceSystem",
    "LastDataUpdate",
)

#: pt-BR headers of the case-table columns.
CASE_TABLE_COLUMNS_PT: Final[Mapping[str, str]] = freeze(
    {
        "InvoiceNumber": "Número da Fatura",
        "CustomerName": "Nome do Cliente",
        "CustomerSegment": "Segmento do Cliente",
        "Country": "País",
        "CollectorAssigned": "Cobrador Responsável",
        "PaymentDueDate": "Data de Vencimento",
        "InvoiceAmount": "Valor da Fatura",
        "CurrencyCode": "Moeda",
        "InvoiceStatus": "Situação da Fatura",
        "DunningLevel": "Nível de Cobrança",
        "DaysOverdue": "Dias em Atraso",
        "DaysSalesOutstanding": "Prazo Médio de Recebimento (dias)",
        "IsDisputed": "Em Disputa",
        "DisputeReason": "Motivo da Disputa",
        "DisputeResolutionTime": "Tempo de Resolução da Disputa (dias)",
        "CreditLimit": "Limite de Crédito",
        "CreditLimitCurrency": "Moeda do Limite de Crédito",
        "SourceSystem": "Sistema de Origem",
        "LastDataUpdate": "Última Atualização dos Dados",
    }
)


def _columns(value: Mapping[str, npt.NDArray[Any]]) -> Mapping[str, npt.NDArray[Any]]:
    return freeze({k: ro(np.asarray(v)) for k, v in value.items()})


@attrs.frozen(eq=False, repr=False)
class InvoiceCaseTable(Result):
    """One row per invoice with the template's case attributes (result of :func:`case_table`).

    Attributes
    ----------
    as_of : date or datetime
        The instant the table describes.
    columns : dict of str to ndarray
        A new plain ``dict`` of read-only arrays (``pandas.DataFrame(t.columns)``
        builds the frame); keys in :data:`CASE_TABLE_COLUMNS` order.
    coverage : Mapping[str, int]
        ``rows``, ``issued`` (before ``as_of``), ``not_issued`` (issued
        later, or no issue event: their KPI columns are empty),
        ``unknown_customer`` (a customer id not among ``customers``).

    Examples
    --------
    >>> import numpy as np
    >>> t = InvoiceCaseTable(None, {"InvoiceNumber": np.array(["F-1"], dtype=object)}, {})
    >>> len(t), t.row("F-1")
    (1, {'InvoiceNumber': 'F-1'})
    """

    _TABLES: ClassVar[tuple[str, ...]] = ("invoices",)

    as_of: _dt.date | _dt.datetime | None
    _data: Mapping[str, npt.NDArray[Any]] = attrs.field(alias="data", converter=_columns)
    coverage: Mapping[str, int] = attrs.field(converter=freeze)

    def _table_invoices(self) -> dict[str, Any]:
        """One row per invoice, numeric: each exact Decimal column ``X`` becomes
        ``X_minor`` (int minor units, None where missing) and ``X`` (major units as
        float); instants stay UTC (``to_frame`` makes them time-zone aware)."""
        out: dict[str, Any] = {}
        for name, col in self._data.items():
            if col.dtype == object and any(isinstance(v, Decimal) for v in col.tolist()):
                values = col.tolist()
                out[f"{name}_minor"] = [
                    None if v is None else int(v.scaleb(_places(v))) for v in values
                ]
                out[name] = np.array(
                    [np.nan if v is None else float(v) for v in values], dtype=np.float64
                )
            else:
                out[name] = col
        return out

    @property
    def columns(self) -> dict[str, npt.NDArray[Any]]:
        """The columns as a plain dict (read-only arrays)."""
        return dict(self._data)

    @property
    def case_ids(self) -> npt.NDArray[Any]:
        """The invoice numbers (the ``InvoiceNumber`` column)."""
        return self._data["InvoiceNumber"]

    def __len__(self) -> int:
        return int(self.case_ids.shape[0])

    def row(self, invoice: Any) -> dict[str, Any]:
        """All columns of one invoice (by number).

        Raises
        ------
        MissingDataError
            For an invoice not in the table.
        """
        hits = np.flatnonzero(self.case_ids == invoice)
        if hits.shape[0] == 0:
            raise MissingDataError(f"no invoice {invoice!r} in the case table")
        i = int(hits[0])
        return {k: _cell(v[i]) for k, v in self._data.items()}

    def rows(self) -> list[dict[str, Any]]:
        """Every row as a dict (Python values: dates, aware UTC datetimes, Decimals; NaT and
        NaN as None)."""
        lists = {k: [_cell(x) for x in v] for k, v in self._data.items()}
        return [dict(zip(lists, vals, strict=True)) for vals in zip(*lists.values(), strict=True)]

    def merge(self, other: InvoiceCaseTable) -> InvoiceCaseTable:
        """The table of both invoice sets (disjoint), rows in invoice-number order: exact.

        Rows are concatenated and ordered as the cases of the union (sorted
        invoice numbers, as an EventLog orders them); coverage is added.

        Raises
        ------
        InvalidParameterError
            For a different ``as_of`` or columns, or an invoice present in
            both (its events were split between two partitions).

        Examples
        --------
        >>> import datetime as dt
        >>> from kpicore.model import Invoice
        >>> from kpicore.money import Money
        >>> invs = [Invoice(f"F-{i}", "C1", "2024-03-01", "2024-03-31", Money.of(10, "BRL"))
        ...         for i in (1, 2, 3)]
        >>> d = dt.date(2024, 4, 30)
        >>> m = case_table(invs[2:], as_of=d).merge(case_table(invs[:2], as_of=d))
        >>> m.case_ids.tolist(), m.row("F-3")["DaysOverdue"], dict(m.coverage)["rows"]
        (['F-1', 'F-2', 'F-3'], 30.0, 3)
        """
        _merge.check_type(self, other)
        _merge.same(self.as_of, other.as_of, "as_of")
        _merge.same(list(self._data), list(other._data), "columns")
        _, order = _merge.case_order(self.case_ids, other.case_ids, "case-table")
        coverage = _merge.add_counts(self.coverage, other.coverage)
        if not len(self) or not len(other):
            full = self if len(self) else other
            return InvoiceCaseTable(self.as_of, dict(full._data), coverage)
        data = {k: np.concatenate([v, other._data[k]])[order] for k, v in self._data.items()}
        return InvoiceCaseTable(self.as_of, data, coverage)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``{"as_of", "coverage", "columns": {name: list}}``."""
        return {
            "as_of": to_jsonable(self.as_of),
            "coverage": dict(self.coverage),
            "columns": {k: to_jsonable(v) for k, v in self._data.items()},
        }


def _places(d: Decimal) -> int:
    exponent = d.as_tuple().exponent
    return -exponent if isinstance(exponent, int) else 0


def _cell(v: Any) -> Any:
    if isinstance(v, np.datetime64):
        if np.isnat(v):
            return None
        unit, _ = np.datetime_data(v.dtype)
        if unit == "D":
            return v.astype("datetime64[D]").item()
        return from_ns(int(v.astype("datetime64[ns]").view(np.int64)))
    if isinstance(v, float | np.floating) and v != v:
        return None
    return plain(v)


def _objects(values: list[Any]) -> npt.NDArray[np.object_]:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _case_attr(log: EventLog, name: str) -> npt.NDArray[np.object_] | None:
    if name not in log.case_attribute_names:
        return None
    vals = log.case_attribute(name)
    return vals if vals.dtype == object else _objects(vals.tolist())


def _decimal(minor: int, code: str | None) -> Decimal | None:
    if code is None or minor == MISSING:
        return None
    return Decimal(minor).scaleb(-currency_exponent(code))


def _align(case_ids: npt.NDArray[Any], sub_ids: npt.NDArray[Any], values: Any, n: int) -> Any:
    """Values given for ``sub_ids`` (a sorted subset of ``case_ids``), NaN elsewhere."""
    out = np.full(n, np.nan)
    if sub_ids.shape[0]:
        out[np.searchsorted(case_ids, sub_ids)] = values
    return out


def case_table(
    data: InvoiceData,
    *,
    as_of: _dt.date | _dt.datetime,
    customers: Iterable[Customer] | Mapping[str, Customer] | None = None,
    tz: _dt.tzinfo | None = None,
    pairing: Literal["fifo", "first", "last"] = "fifo",
    roles: Roles = DEFAULT_ROLES,
) -> InvoiceCaseTable:
    """The template's case table as of a date: one row per invoice, eighteen attributes.

    Parameters
    ----------
    data : sequence of Invoice or EventLog
        Every case of the log is a row (also those not issued yet).
    as_of : date or aware datetime
        Required: status, days overdue, DSO, disputes and dunning level are
        as of this instant (a date means its end, in ``tz``).
    customers : iterable or mapping of Customer, optional
        Enrich the rows with the customer's name, segment, country and
        credit limit (by the ``customer_id`` case attribute). Without them,
        a log's own ``customer_name`` / ``segment`` / ``country`` case
        attributes are used when present; otherwise those columns are None.
    tz : tzinfo, optional
        Zone of a date ``as_of``.
    pairing : {"fifo", "first", "last"}
        Dispute pairing (see :mod:`kpicore.kpis.disputes`).
    roles : Roles
        Activities and attribute names.

    Returns
    -------
    InvoiceCaseTable
        ``pandas.DataFrame(table.columns)`` gives the frame.

    Raises
    ------
    InvalidParameterError
        For a missing ``as_of``.

    Notes
    -----
    Each column is computed by the KPI that defines it (see the module
    table); DaysOverdue is 0 once paid or written off and before the due
    date (:func:`~kpicore.kpis.overdue.days_overdue`), DaysSalesOutstanding
    is empty (NaN) until settled, DisputeResolutionTime is empty while the
    first dispute is open. Amounts are exact Decimals (never floats).

    Examples
    --------
    >>> import datetime as dt
    >>> from kpicore.model import Customer, Dispute, Invoice, Payment
    >>> from kpicore.money import Money
    >>> custs = [Customer("C1", "Ana Lima", segment="Residencial", country="BR",
    ...                   credit_limit=Money.of(500, "BRL"))]
    >>> invs = [Invoice("F-1", "C1", "2024-03-01", "2024-03-10", Money.of("99.90", "BRL"),
    ...                 collector="ana",
    ...                 payments=[Payment("2024-03-21", Money.of("99.90", "BRL"))],
    ...                 disputes=[Dispute("2024-03-05", "valor", resolved_at="2024-03-15")])]
    >>> row = case_table(invs, customers=custs, as_of=dt.date(2024, 3, 31)).row("F-1")
    >>> row["CustomerName"], row["InvoiceAmount"], row["InvoiceStatus"]
    ('Ana Lima', Decimal('99.90'), 'paid')
    >>> row["DaysSalesOutstanding"], row["DaysOverdue"], row["DunningLevel"]
    (20.0, 0.0, 0)
    >>> row["IsDisputed"], row["DisputeReason"], row["DisputeResolutionTime"]
    (True, 'valor', 10.0)
    >>> row["CreditLimit"], row["LastDataUpdate"]
    (Decimal('500.00'), datetime.datetime(2024, 3, 21, 0, 0, tzinfo=datetime.timezone.utc))
    """
    if as_of is None:
        raise InvalidParameterError("case_table needs as_of= (a date or an aware datetime)")
    check_roles(roles)
    log = as_log(data)
    n = log.n_cases
    ids = log.case_ids
    lg = ledger_of(log, as_of=as_of, tz=tz, roles=roles)
    index = customers_by_id(customers)
    cust_ids = _case_attr(log, "customer_id")
    unknown = 0
    by_case: list[Customer | None] = [None] * n
    if customers is not None and cust_ids is not None:
        found = {cid: index.get(cid) for cid in set(cust_ids.tolist()) if cid is not None}
        by_case = [found.get(cid) if cid is not None else None for cid in cust_ids.tolist()]
        unknown = sum(1 for cid, c in zip(cust_ids.tolist(), by_case, strict=True) if c is None)

    def from_customer(attr: str, fallback: str) -> npt.NDArray[np.object_]:
        if customers is not None:
            return _objects([getattr(c, attr, None) if c is not None else None for c in by_case])
        own = _case_attr(log, fallback)
        return own if own is not None else _objects([None] * n)

    def case_col(name: str) -> npt.NDArray[np.object_]:
        own = _case_attr(log, name)
        return own if own is not None else _objects([None] * n)

    currency = lg.currency
    amount = _objects(
        [_decimal(m, c) for m, c in zip(lg.amount_minor.tolist(), currency.tolist(), strict=True)]
    )
    limits = [c.credit_limit if c is not None else None for c in by_case]
    credit_limit = _objects([None if m is None else m.amount for m in limits])
    credit_cur = _objects([None if m is None else m.currency for m in limits])
    levels = dunning_levels(log, as_of=as_of, tz=tz, roles=roles)
    overdue = days_overdue(log, as_of=as_of, tz=tz, roles=roles)
    dso = invoice_dso(log, as_of=as_of, tz=tz, until="settlement", roles=roles)
    ep = dispute_episodes(log, as_of=as_of, tz=tz, pairing=pairing, roles=roles)
    ep_case = np.searchsorted(ids, ep.case_ids) if len(ep) else np.zeros(0, dtype=np.int64)
    first = np.ones(ep_case.shape[0], dtype=bool)
    first[1:] = ep_case[1:] != ep_case[:-1]
    is_disputed = np.zeros(n, dtype=bool)
    is_disputed[ep_case] = True
    reason = _objects([None] * n)
    reason[ep_case[first]] = ep.reason[first]
    resolution = np.full(n, np.nan)
    resolution[ep_case[first]] = ep.days[first]
    # last event known as of as_of
    limit = limit_ns(as_of, tz)
    known = np.flatnonzero(log.timestamps < limit)
    last = np.full(n, MISSING, dtype=np.int64)
    if known.shape[0]:
        c = log.case_codes[known]
        tail = np.ones(known.shape[0], dtype=bool)
        tail[:-1] = c[1:] != c[:-1]
        last[c[tail]] = log.timestamps[known[tail]]
    cols: dict[str, npt.NDArray[Any]] = {
        "InvoiceNumber": ids,
        "CustomerName": from_customer("name", "customer_name"),
        "CustomerSegment": from_customer("segment", "segment"),
        "Country": from_customer("country", "country"),
        "CollectorAssigned": case_col("collector"),
        "PaymentDueDate": lg.due_day,
        "InvoiceAmount": amount,
        "CurrencyCode": currency,
        "InvoiceStatus": lg.status_names,
        "DunningLevel": levels.level,
        "DaysOverdue": _align(ids, overdue.case_ids, overdue.days, n),
        "DaysSalesOutstanding": _align(ids, dso.case_ids, dso.days, n),
        "IsDisputed": is_disputed,
        "DisputeReason": reason,
        "DisputeResolutionTime": resolution,
        "CreditLimit": credit_limit,
        "CreditLimitCurrency": credit_cur,
        "SourceSystem": case_col("source_system"),
        "LastDataUpdate": last.view("datetime64[ns]"),
    }
    issued = int(np.count_nonzero(lg.is_issued))
    return InvoiceCaseTable(
        as_of,
        cols,
        {
            "rows": n,
            "issued": issued,
            "not_issued": n - issued,
            "unknown_customer": unknown,
        },
    )
