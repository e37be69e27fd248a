"""The event log of a one-row-per-invoice table (an ERP or AR export), built column-wise.

Every step is a vectorised operation on the table's columns: the invoice numbers
are encoded once (their codes are the case codes of every event), each kind of
event is a mask over the rows, and the events are handed to the log's one
assembly path. See :meth:`EventLog.from_invoice_table
<kpicore.eventlog.EventLog.from_invoice_table>`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from kpicore.activities import (
    DISPUTE_REGISTERED,
    DISPUTE_RESOLVED,
    INVOICE_GENERATED,
    INVOICE_SETTLED,
    INVOICE_WRITTEN_OFF,
    PAYMENT_RECEIVED,
)
from kpicore.errors import (
    InvalidParameterError,
    InvalidRecordError,
    MissingDataError,
    NaiveDatetimeError,
)
from kpicore.money import CURRENCY_EXPONENTS

from ._encode import Column, Encoded, encode_attribute, encode_keys, to_array
from ._frames import as_table, column_names, frame_kind
from ._results import DroppedReport
from ._timestamps import NAT, TimestampParse, parse_timestamps

if TYPE_CHECKING:
    from ._log import EventLog

__all__ = ["invoice_table_log"]

_I64 = npt.NDArray[np.int64]
_B = npt.NDArray[np.bool_]
_NS_PER_DAY = 86_400_000_000_000
_EXAMPLES = 5
#: The events of one invoice at one instant come in this (lifecycle) order.
_EVENTS = (
    INVOICE_GENERATED.en,
    DISPUTE_REGISTERED.en,
    DISPUTE_RESOLVED.en,
    PAYMENT_RECEIVED.en,
    INVOICE_SETTLED.en,
    INVOICE_WRITTEN_OFF.en,
)
_LABELS = np.array(sorted(_EVENTS), dtype=object)
_CODE = {name: i for i, name in enumerate(_LABELS.tolist())}


def _resolve(table: Any, names: list[str], spec: Any, what: str) -> tuple[str, Any] | None:
    """A column argument: a name in ``table`` or the column itself; None when not given."""
    if spec is None:
        return None
    if isinstance(spec, str):
        if table is None:
            raise InvalidParameterError(
                f"{what}={spec!r} names a column but no table was given; pass the column itself"
            )
        if spec not in names:
            raise MissingDataError(
                f"column {spec!r} ({what}) not found; available columns: {names}"
            )
        return spec, table[spec]
    return what, spec


def _instants(values: Any, *, field: str, tz: _dt.tzinfo | None) -> TimestampParse:
    """Dates or instants -> ns UTC. Dates (``datetime64[D]``, date objects, date-only ISO
    strings, Arrow ``date32``) are midnight UTC; naive datetimes are wall-clock times in
    ``tz``, and without ``tz`` they are taken as dates when every one is a midnight (what
    ``pandas.read_csv(parse_dates=...)`` gives for a date column), else an error."""
    try:
        return parse_timestamps(values, field=field, tz=tz)
    except NaiveDatetimeError as exc:
        parsed = parse_timestamps(values, field=field, tz=_dt.UTC)
        ok = ~parsed.null & ~parsed.invalid
        off = ok & (parsed.ns % _NS_PER_DAY != 0)
        if off.any():
            raise NaiveDatetimeError(
                row=int(np.flatnonzero(off)[0]), field=field, value=exc.value
            ) from None
        return parsed


def _flags(values: Any, *, field: str) -> _B:
    """A boolean column (null: False)."""
    col = encode_attribute(values, field=field)
    if col.kind == "bool":
        return np.asarray(col.data, dtype=bool)
    if col.kind in ("float", "int"):
        data = col.data.astype(np.float64)
        bad = ~np.isnan(data) & (data != 0) & (data != 1)
        if not bad.any():
            out: _B = np.nan_to_num(data) == 1
            return out
        row = int(np.flatnonzero(bad)[0])
        raise InvalidRecordError(
            row=row, field=field, value=float(data[row]), expected="True or False"
        )
    first = col.decode()[0] if len(col) else None
    raise InvalidParameterError(
        f"column {field!r} must hold booleans, got {col.kind} values such as {first!r}; "
        f"map them first, e.g. frame[{field!r}].eq('Yes')"
    )


def _minor_units(values: Any, scale: _I64, *, field: str) -> tuple[npt.NDArray[np.float64], _B]:
    """Amounts in major units -> exact minor units (as float64 holding integers, NaN null).

    Floats are rounded to the nearest minor unit when within 1e-6 of it (a decimal
    amount read from text); more decimals than the currency has raise.
    """
    col = encode_attribute(values, field=field)
    n = len(col)
    if col.kind in ("int", "bool"):
        minor = col.data.astype(np.float64) * scale
        return minor, np.zeros(n, dtype=bool)
    if col.kind == "float":
        raw = col.data * scale
        null = np.isnan(raw)
        minor = np.rint(raw)
        bad = ~null & ~(np.abs(raw - minor) <= 1e-6)
    elif col.kind == "category":  # decimal strings ("55.94"), read exactly
        labels = col.labels if col.labels is not None else np.empty(0, dtype=object)
        parsed = np.full(labels.shape[0], np.nan)
        for i, text in enumerate(labels.tolist()):
            try:
                parsed[i] = float(Decimal(str(text).strip()))
            except (InvalidOperation, ValueError):
                parsed[i] = np.inf
        codes = col.data
        null = codes < 0
        major = np.where(null, np.nan, parsed[np.maximum(codes, 0)] if labels.size else np.nan)
        raw = major * scale
        minor = np.rint(raw)
        bad = ~null & ~(np.abs(raw - minor) <= 1e-6)
    else:
        items = to_array(values, field=field).tolist()
        for i, v in enumerate(items):
            if isinstance(v, Decimal):
                continue
            raise InvalidRecordError(
                row=i, field=field, value=v, expected="an amount (a number or decimal string)"
            )
        dec = [
            None if v is None else v * int(s) for v, s in zip(items, scale.tolist(), strict=True)
        ]
        null = np.array([d is None for d in dec], dtype=bool)
        minor = np.array([np.nan if d is None else float(d) for d in dec])
        bad = np.array([d is not None and d != d.to_integral_value() for d in dec], dtype=bool)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InvalidRecordError(
            row=row,
            field=field,
            value=_value(values, row),
            expected=f"an amount with at most {int(np.log10(scale[row]))} decimals "
            "(the currency's minor unit)",
        )
    return minor, null


def _value(values: Any, row: int) -> object:
    try:
        v = values[row]
    except Exception:  # pragma: no cover - exotic containers
        return None
    as_py = getattr(v, "as_py", None)
    if callable(as_py):
        return as_py()
    return v.item() if isinstance(v, np.generic) else v


def _scales(currency_enc: Encoded | None, code: str | None, n: int, field: str) -> _I64:
    """10 ** exponent of each row's currency."""
    if currency_enc is None:
        assert code is not None
        return np.full(n, 10 ** CURRENCY_EXPONENTS[code], dtype=np.int64)
    labels = currency_enc.labels.tolist()
    lut = np.ones(max(len(labels), 1), dtype=np.int64)
    for i, label in enumerate(labels):
        exp = CURRENCY_EXPONENTS.get(str(label))
        if exp is None:
            row = int(np.flatnonzero(currency_enc.codes == i)[0])
            raise InvalidRecordError(
                row=row, field=field, value=label, expected="an ISO 4217 currency code"
            )
        lut[i] = 10**exp
    return lut[np.maximum(currency_enc.codes, 0)]


def invoice_table_log(
    table: Any,
    *,
    invoice: Any,
    issued: Any,
    amount: Any,
    amount_minor: Any,
    currency: Any,
    currency_code: str | None,
    customer: Any,
    due: Any,
    settled: Any,
    paid_amount: Any,
    disputed: Any,
    dispute_opened: Any,
    dispute_resolved: Any,
    written_off: Any,
    case_attributes: Sequence[str] | Mapping[str, Any],
    tz: _dt.tzinfo | None,
    activity_map: Mapping[str, str] | None,
    on_invalid: str,
) -> EventLog:
    """The work of :meth:`EventLog.from_invoice_table` (see there)."""
    from ._log import EventLog

    if on_invalid not in ("raise", "drop"):
        raise InvalidParameterError(f"on_invalid must be 'raise' or 'drop', got {on_invalid!r}")
    if table is not None:
        kind = frame_kind(table)
        if kind == "dask":
            return _dask_log(table, locals())
        table = as_table(table, what="table")
    names = column_names(table) if table is not None else []
    if (amount is None) == (amount_minor is None):
        raise InvalidParameterError("pass exactly one of amount= (major units) and amount_minor=")
    if (currency is None) == (currency_code is None):
        raise InvalidParameterError(
            "pass exactly one of currency= (a column of ISO codes) and currency_code= (one code)"
        )
    if currency_code is not None and currency_code not in CURRENCY_EXPONENTS:
        raise InvalidParameterError(f"currency_code={currency_code!r} is not an ISO 4217 code")

    def get(spec: Any, what: str) -> tuple[str, Any] | None:
        return _resolve(table, names, spec, what)

    got_inv = get(invoice, "invoice")
    got_issued = get(issued, "issued")
    if got_inv is None or got_issued is None:
        raise InvalidParameterError("invoice= and issued= are required")
    inv_name = got_inv[0]
    case_enc = encode_keys(got_inv[1], field=inv_name)
    if case_enc.labels.dtype == object and case_enc.labels.shape[0] and case_enc.labels[0] == "":
        case_enc = Encoded(
            np.where(case_enc.codes > 0, case_enc.codes - 1, -1), case_enc.labels[1:]
        )  # an empty invoice number is no number
    n = int(case_enc.codes.shape[0])
    cur_enc: Encoded | None = None
    got_cur = get(currency, "currency")
    if got_cur is not None:
        cur_enc = encode_keys(got_cur[1], field=got_cur[0])
    cur_field = got_cur[0] if got_cur is not None else "currency"
    issued_p = _instants(got_issued[1], field=got_issued[0], tz=tz)

    checks: list[tuple[str, _B, str, Any]] = [
        (inv_name, case_enc.codes < 0, "an invoice number (not null)", got_inv[1]),
        (got_issued[0], issued_p.null, "an issue date (not null)", got_issued[1]),
        (got_issued[0], issued_p.invalid, "a date or an ISO-8601 timestamp", got_issued[1]),
    ]
    if cur_enc is not None:
        assert got_cur is not None
        checks.append((cur_field, cur_enc.codes < 0, "a currency code (not null)", got_cur[1]))
    scale = _scales(cur_enc, currency_code, n, cur_field)
    if amount is not None:
        got_amount = get(amount, "amount")
        assert got_amount is not None
        amount_field, amount_raw = got_amount
        minor, amount_null = _minor_units(amount_raw, scale, field=amount_field)
    else:
        got_amount = get(amount_minor, "amount_minor")
        assert got_amount is not None
        amount_field, amount_raw = got_amount
        col = encode_attribute(amount_raw, field=amount_field)
        if col.kind not in ("int", "float"):
            raise InvalidParameterError(f"column {amount_field!r} must hold integers")
        minor = col.data.astype(np.float64)
        amount_null = np.isnan(minor)
        frac = ~amount_null & (np.floor(minor) != minor)
        if frac.any():
            row = int(np.flatnonzero(frac)[0])
            raise InvalidRecordError(
                row=row, field=amount_field, value=float(minor[row]), expected="minor units"
            )
    checks.append((amount_field, amount_null, "an amount (not null)", amount_raw))
    for name, col_len in ((amount_field, minor.shape[0]), (got_issued[0], issued_p.ns.shape[0])):
        if col_len != n:
            raise InvalidParameterError(f"column {name!r} has {col_len} rows, {inv_name!r} {n}")

    # optional dates and flags
    def instants_of(spec: Any, what: str) -> tuple[_I64, _B] | None:
        got = get(spec, what)
        if got is None:
            return None
        p = _instants(got[1], field=got[0], tz=tz)
        if p.ns.shape[0] != n:
            raise InvalidParameterError(f"column {got[0]!r} has {p.ns.shape[0]} rows, not {n}")
        if p.invalid.any():
            row = int(np.flatnonzero(p.invalid)[0])
            raise InvalidRecordError(
                row=row, field=got[0], value=_value(got[1], row),
                expected="a date or an ISO-8601 timestamp",
            )  # fmt: skip
        return p.ns, ~p.null

    settled_t = instants_of(settled, "settled")
    opened_t = instants_of(dispute_opened, "dispute_opened")
    resolved_t = instants_of(dispute_resolved, "dispute_resolved")
    written_t = instants_of(written_off, "written_off")
    got_disputed = get(disputed, "disputed")
    if got_disputed is not None:
        flag = _flags(got_disputed[1], field=got_disputed[0])
    elif opened_t is not None:
        flag = opened_t[1].copy()
    else:
        flag = np.zeros(n, dtype=bool)
    paid_minor = minor
    if paid_amount is not None:
        got_paid = get(paid_amount, "paid_amount")
        assert got_paid is not None
        paid_minor, paid_null = _minor_units(got_paid[1], scale, field=got_paid[0])
        paid_minor = np.where(paid_null, minor, paid_minor)

    # rows to drop or report
    bad_any = np.zeros(n, dtype=bool)
    for _f, mask, _e, _r in checks:
        bad_any |= mask
    dropped = DroppedReport.none()
    if bad_any.any():
        if on_invalid == "raise":
            row = int(np.flatnonzero(bad_any)[0])
            for field, mask, expected, raw in checks:
                if mask[row]:
                    code = int(case_enc.codes[row])
                    record = case_enc.labels[code] if code >= 0 else None
                    if isinstance(record, np.generic):
                        record = record.item()
                    raise InvalidRecordError(
                        record=record, row=row, field=field, value=_value(raw, row),
                        expected=expected,
                    )  # fmt: skip
        by_field: dict[str, int] = {}
        examples: dict[str, tuple[int, ...]] = {}
        for field, mask, _e, _r in checks:
            cnt = int(np.count_nonzero(mask))
            if cnt:
                by_field[field] = by_field.get(field, 0) + cnt
                rows = np.flatnonzero(mask)[:_EXAMPLES].tolist()
                examples[field] = tuple(sorted({*examples.get(field, ()), *rows}))[:_EXAMPLES]
        dropped = DroppedReport(int(np.count_nonzero(bad_any)), by_field, examples)
    keep = ~bad_any
    codes = case_enc.codes.astype(np.int64)
    # one row per invoice: a number seen twice is an error, whatever on_invalid says
    counts = np.bincount(codes[keep], minlength=case_enc.labels.shape[0])
    if counts.shape[0] and int(counts.max()) > 1:
        dup = int(np.flatnonzero(counts > 1)[0])
        rows = np.flatnonzero(keep & (codes == dup))
        label = case_enc.labels[dup]
        raise InvalidRecordError(
            record=label.item() if isinstance(label, np.generic) else label,
            row=int(rows[1]),
            field=inv_name,
            value=label.item() if isinstance(label, np.generic) else label,
            expected=f"a unique invoice number (also at row {int(rows[0])})",
        )

    # the events, one mask over the rows per kind, in lifecycle order at one instant
    issued_ns = issued_p.ns
    settled_ns, has_settled = (
        settled_t if settled_t is not None else (issued_ns, np.zeros(n, bool))
    )
    if opened_t is not None:
        opened_ns, has_opened = opened_t
    else:
        opened_ns, has_opened = issued_ns, np.ones(n, dtype=bool)
    if resolved_t is not None:
        resolved_ns, has_resolved = resolved_t
    else:
        resolved_ns, has_resolved = settled_ns, has_settled
    covered = has_settled & (paid_minor >= minor)
    kinds: list[tuple[str, _B, _I64, npt.NDArray[np.float64] | None]] = [
        (INVOICE_GENERATED.en, keep, issued_ns, minor),
        (DISPUTE_REGISTERED.en, keep & flag & has_opened, opened_ns, None),
        (DISPUTE_RESOLVED.en, keep & flag & has_opened & has_resolved, resolved_ns, None),
        (PAYMENT_RECEIVED.en, keep & has_settled, settled_ns, paid_minor),
        (INVOICE_SETTLED.en, keep & covered, settled_ns, None),
    ]
    if written_t is not None:
        kinds.append((INVOICE_WRITTEN_OFF.en, keep & written_t[1], written_t[0], None))
    case_parts, act_parts, ts_parts, amount_parts, rank_parts = [], [], [], [], []
    for rank, (name, mask, ts, amounts) in enumerate(kinds):
        rows = np.flatnonzero(mask)
        case_parts.append(codes[rows])
        act_parts.append(np.full(rows.shape[0], _CODE[name], dtype=np.int16))
        ts_parts.append(ts[rows])
        amount_parts.append(
            amounts[rows] if amounts is not None else np.full(rows.shape[0], np.nan)
        )
        rank_parts.append(np.full(rows.shape[0], rank, dtype=np.int8))
    ts_all = np.concatenate(ts_parts)
    n_events = ts_all.shape[0]
    no_mask = np.zeros(n_events, dtype=bool)
    amount_col = Column("float", np.concatenate(amount_parts))
    log = EventLog._assemble(
        case_enc=Encoded(np.concatenate(case_parts), case_enc.labels),
        act_enc=Encoded(np.concatenate(act_parts), _LABELS.copy()),
        ts=TimestampParse(ts_all, no_mask, no_mask.copy()),
        names=(inv_name, "activity", got_issued[0]),
        raws=(None, None, None),
        attrs={"amount_minor": amount_col},
        case_attr_events={},
        order_key=np.concatenate(rank_parts),
        activity_map=activity_map,
        on_invalid="raise",
        dropped_before=dropped,
    )

    # case attributes, in the log's case order (the sorted invoice numbers kept)
    kept = np.flatnonzero(keep)
    kept = kept[np.argsort(codes[kept], kind="stable")]
    case_attrs: dict[str, Column] = {}
    got_customer = get(customer, "customer")
    if got_customer is not None:
        case_attrs["customer_id"] = encode_attribute(got_customer[1], field=got_customer[0])
    got_due = get(due, "due")
    if got_due is not None:
        due_p = _instants(got_due[1], field=got_due[0], tz=None)
        off = ~due_p.null & ~due_p.invalid & (due_p.ns % _NS_PER_DAY != 0)
        if off.any() or due_p.invalid.any():
            row = int(np.flatnonzero(off | due_p.invalid)[0])
            raise InvalidRecordError(
                row=row, field=got_due[0], value=_value(got_due[1], row), expected="a date"
            )
        days = np.where(due_p.null, NAT, due_p.ns // _NS_PER_DAY)
        case_attrs["due_date"] = Column("date", days.astype(np.int64))
    case_attrs["amount_minor"] = Column("int", np.nan_to_num(minor).astype(np.int64))
    if cur_enc is not None:
        case_attrs["currency"] = Column(
            "category", cur_enc.codes.astype(np.int32), cur_enc.labels.astype(object)
        )
    else:
        assert currency_code is not None
        case_attrs["currency"] = Column(
            "category", np.zeros(n, dtype=np.int32), np.array([currency_code], dtype=object)
        )
    if isinstance(case_attributes, Mapping):
        extra = [(str(k), v) for k, v in case_attributes.items()]
    else:
        if isinstance(case_attributes, str):
            raise InvalidParameterError("case_attributes must be a sequence of names")
        extra = []
        for name in case_attributes:
            got = get(name, "case attribute")
            assert got is not None
            extra.append(got)
    for name, values in extra:
        case_attrs[name] = encode_attribute(values, field=name, tz=tz)
    for name, col in case_attrs.items():
        if len(col) != n:
            raise InvalidParameterError(f"column {name!r} has {len(col)} rows, not {n}")
        case_attrs[name] = col.take(kept).compact()
    return log._replace(case_attrs=case_attrs)


def _dask_log(ddf: Any, options: dict[str, Any]) -> EventLog:
    """A Dask frame of invoices: one log per partition on the workers, then concatenated
    (an invoice number in two partitions is an error, as in one table)."""
    from kpicore.dask import _dask

    from ._log import concat

    dask = _dask()
    opts = {k: v for k, v in options.items() if k not in ("table", "EventLog", "kind")}

    def build(part: Any) -> EventLog:
        return invoice_table_log(part, **opts)

    parts = dask.compute(*[dask.delayed(build, pure=True)(p) for p in ddf.to_delayed()])
    log = concat(parts)
    if log.n_cases != sum(p.n_cases for p in parts):
        seen: dict[Any, int] = {}
        for i, p in enumerate(parts):
            for label in p.case_ids.tolist():
                if label in seen:
                    raise InvalidRecordError(
                        record=label, field=str(options["invoice"]), value=label,
                        expected=f"a unique invoice number (partitions {seen[label]} and {i})",
                    )  # fmt: skip
                seen[label] = i
    return log
