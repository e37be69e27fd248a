"""Arrow columns: pyarrow arrays, and pandas columns backed by pyarrow.

Only used when such an object is passed (pyarrow is then already imported by
whoever made it): the columns are encoded with Arrow's own kernels -- the hash
kernel ``dictionary_encode`` for keys (or the codes of a dictionary array as
they are), ``array_sort_indices`` on the distinct values only, timestamps by
their int64 view -- never through one Python object per row.
"""

from __future__ import annotations

import datetime as _dt
import sys
from typing import Any

import numpy as np
import numpy.typing as npt

from kpicore.errors import InvalidParameterError, InvalidRecordError, NaiveDatetimeError

from ._timestamps import NAT, TimestampParse, localize_wall

__all__ = ["arrow_attribute_parts", "arrow_column", "arrow_keys", "arrow_timestamps"]

_I64 = npt.NDArray[np.int64]
_NS_PER_DAY = 86_400_000_000_000
_UNIT_NS = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
_MAX_NS = 2**63 - 1
_I16_MAX = int(np.iinfo(np.int16).max)
_I32_MAX = int(np.iinfo(np.int32).max)
_ARRAY_TYPES = ("ChunkedArray",)


def _pa() -> Any:
    return sys.modules["pyarrow"]


def _pc() -> Any:
    import pyarrow.compute as pc  # pyarrow is imported: an Arrow object exists

    return pc


def arrow_column(values: Any) -> Any | None:
    """``values`` as a pyarrow ``ChunkedArray`` when it is Arrow data, else None.

    Arrow data: a pyarrow ``Array`` or ``ChunkedArray``, or a pandas column whose
    dtype is backed by pyarrow (``ArrowDtype``, ``string[pyarrow]``, pandas 3's
    default ``str``). Nothing is imported: the module of the object's type decides.
    """
    mod = type(values).__module__.split(".", 1)[0]
    if mod == "pyarrow":
        pa = _pa()
        if isinstance(values, pa.ChunkedArray):
            return values
        if isinstance(values, pa.Array):
            return pa.chunked_array([values], type=values.type)
        return None
    if mod != "pandas" or "pyarrow" not in sys.modules:
        return None
    dtype = getattr(values, "dtype", None)
    name = type(dtype).__name__
    arrow_backed = name == "ArrowDtype" or (
        name == "StringDtype" and getattr(dtype, "storage", None) == "pyarrow"
    )
    if not arrow_backed:
        return None
    array = getattr(values, "array", None)
    to_arrow = getattr(array, "__arrow_array__", None)
    if to_arrow is None:  # pragma: no cover - every pandas Arrow array has it
        return None
    out = to_arrow()
    pa = _pa()
    return out if isinstance(out, pa.ChunkedArray) else pa.chunked_array([out], type=out.type)


def _first_valid(ca: Any) -> tuple[int | None, object]:
    """Row and Python value of the first non-null entry."""
    pc = _pc()
    valid = pc.is_valid(ca)
    idx = pc.index(valid, True).as_py()
    if idx is None or idx < 0:
        return None, None
    return int(idx), ca[idx].as_py()


def _code_dtype(n: int) -> type[np.signedinteger[Any]]:
    if n <= _I16_MAX:
        return np.int16
    if n <= _I32_MAX:
        return np.int32
    return np.int64  # pragma: no cover - more than 2**31 labels


def arrow_keys(ca: Any, *, field: str) -> tuple[npt.NDArray[np.signedinteger[Any]], Any] | None:
    """Codes (``-1`` null) over the sorted distinct values, and those values as a numpy array.

    Strings (any Arrow string type, plain or dictionary-encoded) and integers are
    encoded here; None for other value types (the caller converts them to numpy
    and reports them row by row).
    """
    pa, pc = _pa(), _pc()
    typ = ca.type
    value_type = typ.value_type if pa.types.is_dictionary(typ) else typ
    is_str = (
        pa.types.is_string(value_type)
        or pa.types.is_large_string(value_type)
        or getattr(pa.types, "is_string_view", lambda _t: False)(value_type)
    )
    if not (is_str or pa.types.is_integer(value_type)):
        return None
    n = len(ca)
    if n == 0:
        empty: Any = np.empty(0, dtype=object if is_str else np.int64)
        return np.zeros(0, dtype=np.int16), empty
    if pa.types.is_dictionary(typ):
        chunks = [c for c in ca.chunks if len(c)]
        darr = pa.concat_arrays(chunks) if len(chunks) > 1 else chunks[0]
    else:
        darr = pc.dictionary_encode(ca).combine_chunks()
    dictionary = darr.dictionary
    idx = darr.indices
    codes = np.asarray(pc.fill_null(idx, -1).to_numpy(zero_copy_only=False)).astype(
        np.int64, copy=False
    )
    m = len(dictionary)
    if m == 0:  # every row null
        empty_labels: Any = np.empty(0, dtype=object if is_str else np.int64)
        return np.full(n, -1, dtype=np.int16), empty_labels
    if dictionary.null_count:  # a null among the dictionary's values: null rows
        dnull = np.asarray(dictionary.is_null().to_numpy(zero_copy_only=False), dtype=bool)
        codes = np.where((codes >= 0) & dnull[np.maximum(codes, 0)], -1, codes)
    valid = codes >= 0
    all_valid = bool(valid.all())
    used = np.bincount(codes if all_valid else codes[valid], minlength=m) > 0
    if dictionary.null_count:
        used &= ~dnull
    order = np.asarray(pc.array_sort_indices(dictionary).to_numpy(), dtype=np.int64)
    order = order[used[order]]  # the used values, in sorted order
    k = int(order.shape[0])
    lut = np.full(m, -1, dtype=_code_dtype(k))
    lut[order] = np.arange(k, dtype=lut.dtype)
    out = lut[codes] if all_valid else np.where(valid, lut[np.maximum(codes, 0)], -1)
    values = dictionary.take(pa.array(order, type=pa.int64()))
    if is_str:
        labels: Any = np.asarray(values.to_numpy(zero_copy_only=False), dtype=object)
    else:
        labels = np.asarray(values.to_numpy(zero_copy_only=False)).astype(np.int64)
    return out.astype(lut.dtype, copy=False), labels


def _physical(ca: Any) -> tuple[_I64, npt.NDArray[np.bool_]]:
    """int64 values (0 where null) and the null mask of a temporal column."""
    pa, pc = _pa(), _pc()
    null = np.asarray(ca.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    ints = ca.cast(pa.int64()) if not pa.types.is_date32(ca.type) else ca.cast(pa.int32())
    if ca.null_count:
        ints = pc.fill_null(ints, 0)
    raw = np.asarray(ints.to_numpy(zero_copy_only=False)).astype(np.int64)
    return raw, null


def arrow_timestamps(ca: Any, *, field: str, tz: _dt.tzinfo | None) -> TimestampParse | None:
    """Arrow ``timestamp``, ``date32`` or ``date64`` column -> ns UTC; None for other types.

    Aware timestamps are read through their UTC int64 values; naive ones are
    wall-clock times in ``tz`` (an error without it, as everywhere); dates are
    midnight UTC.
    """
    pa = _pa()
    typ = ca.type
    if pa.types.is_date32(typ) or pa.types.is_date64(typ):
        raw, null = _physical(ca)
        days = raw if pa.types.is_date32(typ) else raw // 86_400_000
        invalid = ~null & ((days <= -106_000) | (days >= 106_000))
        ns = np.where(null | invalid, NAT, days * _NS_PER_DAY)
        return TimestampParse(ns.astype(np.int64), null, invalid)
    if not pa.types.is_timestamp(typ):
        return None
    raw, null = _physical(ca)
    factor = _UNIT_NS[typ.unit]
    if factor == 1:
        ns = raw
        invalid = np.zeros(raw.shape, dtype=bool)
    else:
        lim = _MAX_NS // factor
        invalid = ~null & ((raw > lim) | (raw < -lim))
        ns = np.where(invalid, 0, raw) * factor
    ns[null | invalid] = NAT
    if typ.tz is None:
        if tz is None:
            row, value = _first_valid(ca)
            if row is not None:
                raise NaiveDatetimeError(row=row, field=field, value=value)
        else:
            ns = localize_wall(ns, ~null & ~invalid, tz)
    return TimestampParse(ns, null, invalid)


def arrow_attribute_parts(
    ca: Any, *, field: str, tz: _dt.tzinfo | None
) -> tuple[str, npt.NDArray[Any], npt.NDArray[Any] | None] | None:
    """(kind, data, labels) of an Arrow attribute column, as :class:`~._encode.Column` takes.

    None when the type is none of strings, integers, floats, booleans,
    timestamps, dates or all-null: the caller then converts to numpy.
    """
    pa = _pa()
    typ = ca.type
    value_type = typ.value_type if pa.types.is_dictionary(typ) else typ
    if pa.types.is_null(typ):
        return "category", np.full(len(ca), -1, dtype=np.int32), np.empty(0, dtype=object)
    if (
        pa.types.is_dictionary(typ)
        or pa.types.is_string(value_type)
        or (
            pa.types.is_large_string(value_type)
            or getattr(pa.types, "is_string_view", lambda _t: False)(value_type)
        )
    ):
        got = arrow_keys(ca, field=field)
        if got is None:
            return None
        codes, labels = got
        return "category", codes.astype(np.int32, copy=False), labels.astype(object, copy=False)
    if pa.types.is_boolean(typ) or pa.types.is_integer(typ) or pa.types.is_floating(typ):
        if ca.null_count:
            data = np.asarray(ca.to_numpy(zero_copy_only=False))  # nulls: NaN (float64)
            if data.dtype == object:  # booleans with nulls
                mask = np.asarray(ca.is_null().to_numpy(zero_copy_only=False), dtype=bool)
                data = np.where(mask, np.nan, data).astype(np.float64)
            return "float", data.astype(np.float64, copy=False), None
        data = np.asarray(ca.to_numpy(zero_copy_only=False))
        if pa.types.is_boolean(typ):
            return "bool", data.astype(bool, copy=False), None
        if pa.types.is_integer(typ):
            return "int", data, None
        return "float", data.astype(np.float64), None
    if pa.types.is_date32(typ) or pa.types.is_date64(typ):
        raw, null = _physical(ca)
        days = raw if pa.types.is_date32(typ) else raw // 86_400_000
        return "date", np.where(null, NAT, days).astype(np.int64), None
    if pa.types.is_timestamp(typ):
        parsed = arrow_timestamps(ca, field=field, tz=tz)
        assert parsed is not None
        if parsed.invalid.any():
            row = int(np.flatnonzero(parsed.invalid)[0])
            raise InvalidRecordError(
                row=row, field=field, value=ca[row].as_py(), expected="a valid timestamp"
            )
        return "datetime", parsed.ns, None
    return None


def check_pyarrow_type(ca: Any, *, field: str) -> None:
    """Raise for Arrow types that have no numpy form (nested lists, structs...)."""
    pa = _pa()
    typ = ca.type
    if pa.types.is_nested(typ):
        raise InvalidParameterError(
            f"column {field!r}: Arrow type {typ} (nested) cannot be a column of an event log"
        )
