"""Tables of KPI results: flat columns for frames, records and notebook views.

The shared result model (:class:`kpicore.results.Result`) turns any result into
one or more *tables*: named, column-oriented views with plain, numeric
columns. This module holds the flattening rules and the frame back ends; it
imports pandas, polars and pyarrow only when a frame of theirs is asked for.

Flattening rules (one row object -> columns):

- ``None``, bool, int, float, str, date, datetime: one column, as is (enum
  members as their value, numpy scalars as Python values);
- :class:`~kpicore.money.Money` ``m`` of field ``f``: ``f_minor`` (exact int),
  ``f_currency`` and ``f`` (major units as float, for plotting);
- a mapping of currency code to Money (``f``): per currency ``f_minor_XXX``
  and ``f_XXX`` (``XXX`` the ISO 4217 code), so one row stays one group;
- a :class:`~kpicore.summary.Summary` ``s``: ``s_count``, ``s_missing``,
  ``s_mean``, ``s_median``, ``s_min``, ``s_max`` and ``s_p<level>``;
- a mapping of str to numbers (coverage, counts, rates per currency):
  ``f_<key>``;
- a nested attrs value: its own columns, prefixed ``f_``;
- arrays, tuples of results and :class:`~kpicore.results.Breakdown` values
  are not columns of a row (they are tables of their own).

Group keys become leading columns: the ``by=`` dimension under its name, a
:class:`~kpicore.periods.Period` as ``period`` (its label) and
``period_start`` (its first day).
"""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import numpy as np

from kpicore.errors import InvalidParameterError, MissingDependencyError
from kpicore.money import Money

__all__ = [
    "Columns",
    "flatten",
    "group_key_columns",
    "records_to_columns",
    "to_backend",
]

#: A table: column name -> list of Python values or a 1-D numpy array (all one length).
Columns = dict[str, Any]

_SCALARS = (bool, int, float, str, _dt.date, _dt.datetime)


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, str) and type(value) is not str:
        return str.__str__(value)
    return value


def _is_money_map(value: Mapping[Any, Any]) -> bool:
    return bool(value) and all(isinstance(v, Money) for v in value.values())


def _key_name(key: Any) -> str:
    if isinstance(key, float) and key.is_integer():
        return f"{int(key)}"
    return str(_plain(key))


def flatten(value: Any, prefix: str = "", out: dict[str, Any] | None = None) -> dict[str, Any]:
    """The columns of one row object (an attrs result, group or bucket).

    Examples
    --------
    >>> from kpicore.money import Money
    >>> import attrs
    >>> @attrs.frozen
    ... class G:
    ...     count: int
    ...     amount: dict[str, Money]
    ...     coverage: dict[str, int]
    >>> flatten(G(2, {"BRL": Money(150075, "BRL")}, {"used": 2}))
    {'count': 2, 'amount_minor_BRL': 150075, 'amount_BRL': 1500.75, 'coverage_used': 2}
    """
    from kpicore.results import Breakdown
    from kpicore.summary import Summary

    cols: dict[str, Any] = {} if out is None else out
    if isinstance(value, Summary):
        _summary_columns(value, prefix, cols)
        return cols
    if not attrs.has(type(value)):
        raise InvalidParameterError(f"cannot flatten a {type(value).__name__} into columns")
    for field in attrs.fields(type(value)):
        name = field.name
        if name.startswith("_") or name == "groups":
            continue
        item = getattr(value, name)
        col = f"{prefix}{name}"
        if isinstance(item, Breakdown | np.ndarray) or (
            isinstance(item, tuple | list) and not all(isinstance(v, _SCALARS) for v in item)
        ):
            continue
        _cell(item, col, cols)
    return cols


def _cell(item: Any, col: str, cols: dict[str, Any]) -> None:
    from kpicore.summary import Summary

    item = _plain(item)
    if item is None or isinstance(item, _SCALARS):
        cols[col] = item
    elif isinstance(item, Money):
        cols[f"{col}_minor"] = item.minor
        cols[f"{col}_currency"] = item.currency
        cols[col] = item.minor / 10**item.exponent
    elif isinstance(item, Mapping):
        if _is_money_map(item):
            for code, m in item.items():
                cols[f"{col}_minor_{code}"] = m.minor
                cols[f"{col}_{code}"] = m.minor / 10**m.exponent
        else:
            for k, v in item.items():
                v = _plain(v)
                if v is None or isinstance(v, _SCALARS):
                    cols[f"{col}_{_key_name(k)}"] = v
                elif isinstance(v, Money):
                    _cell(v, f"{col}_{_key_name(k)}", cols)
    elif isinstance(item, tuple | list):
        cols[col] = ", ".join(str(_plain(v)) for v in item)
    elif isinstance(item, Summary) or attrs.has(type(item)):
        flatten(item, f"{col}_", cols)
    elif hasattr(item, "label") and hasattr(item, "freq"):  # a Period
        cols[col] = item.label


def _summary_columns(s: Any, prefix: str, cols: dict[str, Any]) -> None:
    cols[f"{prefix}count"] = s.count
    cols[f"{prefix}missing"] = s.missing
    for stat in ("mean", "median", "min", "max"):
        cols[f"{prefix}{stat}"] = getattr(s, stat)
    for level, v in s.percentiles.items():
        cols[f"{prefix}p{_key_name(level)}"] = v


def group_key_columns(key: Any, by: str | None, freq: str | None) -> dict[str, Any]:
    """The leading columns of a group: the ``by`` value and/or the period.

    Examples
    --------
    >>> from kpicore.periods import Period
    >>> import datetime as dt
    >>> group_key_columns(("SMB", Period.containing(dt.date(2024, 3, 5), "month")),
    ...                   "segment", "month")
    {'segment': 'SMB', 'period': '2024-03', 'period_start': datetime.date(2024, 3, 1)}
    """
    from kpicore.periods import Period

    out: dict[str, Any] = {}
    parts = key if (by is not None and freq is not None and isinstance(key, tuple)) else (key,)
    for part in parts:
        if isinstance(part, Period):
            out["period"] = part.label
            out["period_start"] = part.start
        else:
            out[by or "group"] = _plain(part)
    return out


def records_to_columns(records: list[dict[str, Any]]) -> Columns:
    """Row dicts as columns (the union of their keys, first-seen order; None where absent).

    Examples
    --------
    >>> records_to_columns([{"a": 1}, {"a": 2, "b": "x"}])
    {'a': [1, 2], 'b': [None, 'x']}
    """
    names: dict[str, None] = {}
    for rec in records:
        names.update(dict.fromkeys(rec))
    # a currency absent from a row's per-currency amounts is an amount of zero there
    zero: dict[str, Any] = {}
    for n in names:
        head, sep, code = n.rpartition("_minor_")
        if sep:
            zero[n] = 0
            zero[f"{head}_{code}"] = 0.0
    return {n: [rec.get(n, zero.get(n)) for rec in records] for n in names}


def _require(module: str, extra: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingDependencyError(
            f"this needs {module}: pip install 'kpicore[{extra}]' (or pip install {module})"
        ) from exc


def _is_instant(col: Any) -> bool:
    """A datetime64 column of instants (UTC); a ``datetime64[D]`` column holds dates."""
    return (
        isinstance(col, np.ndarray)
        and col.dtype.kind == "M"
        and np.datetime_data(col.dtype)[0] not in ("D", "W", "M", "Y")
    )


def _pandas(cols: Columns) -> Any:
    pd = _require("pandas", "pandas")
    data: dict[str, Any] = {}
    for name, col in cols.items():
        if _is_instant(col):
            data[name] = pd.Series(col.astype("datetime64[ns]")).dt.tz_localize("UTC")
        else:
            data[name] = col
    return pd.DataFrame(data)


def _polars(cols: Columns) -> Any:
    pl = _require("polars", "polars")
    series = []
    for name, col in cols.items():
        if _is_instant(col):
            s = pl.Series(name, col.astype("datetime64[ns]")).dt.replace_time_zone("UTC")
        else:
            s = pl.Series(name, col, strict=False)
        series.append(s)
    return pl.DataFrame(series)


def _arrow(cols: Columns) -> Any:
    pa = _require("pyarrow", "arrow")
    arrays, names = [], []
    for name, col in cols.items():
        if _is_instant(col):
            ns = col.astype("datetime64[ns]")
            arr = pa.array(ns.astype(np.int64), type=pa.int64(), mask=np.isnat(ns))
            arrays.append(arr.cast(pa.timestamp("ns", tz="UTC")))
        elif isinstance(col, np.ndarray) and col.dtype.kind == "f":
            arrays.append(pa.array(col, mask=np.isnan(col)))
        else:
            arrays.append(pa.array(col.tolist() if isinstance(col, np.ndarray) else col))
        names.append(name)
    return pa.table(arrays, names=names)


_BACKENDS: dict[str, Callable[[Columns], Any]] = {
    "pandas": _pandas,
    "polars": _polars,
    "arrow": _arrow,
}


def to_backend(cols: Columns, backend: str) -> Any:
    """The columns as a frame of ``backend`` (``"pandas"``, ``"polars"`` or ``"arrow"``)."""
    try:
        make = _BACKENDS[backend]
    except KeyError:
        raise InvalidParameterError(
            f"backend must be one of {sorted(_BACKENDS)}, got {backend!r}"
        ) from None
    return make(cols)
