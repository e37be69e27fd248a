"""The shared result model: every KPI result, its frames, views and JSON form.

Every KPI result is a frozen attrs value deriving from :class:`Result`, which
gives it, from its fields alone: ``to_dict()`` (JSON-ready builtins), tables
(``to_records()``, ``to_frame()`` / ``to_pandas()`` / ``to_polars()`` /
``to_arrow()``), a short readable ``repr``, an HTML view for notebooks
(``_repr_html_``) and ``plot()``. Grouped results are a :class:`Breakdown`: an
ordered, immutable mapping from a group key (a ``by=`` value, a
:class:`~kpicore.periods.Period`, or the pair of both) to the per-group result.
"""

from __future__ import annotations

import datetime as _dt
import enum
import html
import math
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any, ClassVar, Generic, NoReturn, TypeVar

import attrs
import numpy as np
import numpy.typing as npt

__all__ = [
    "Breakdown",
    "FrozenDict",
    "GroupKey",
    "Result",
    "fields_to_dict",
    "freeze",
    "to_jsonable",
]

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")

#: A group key: a ``by=`` value, a Period, or ``(by value, Period)``.
GroupKey = Any


def read_only(arr: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """A read-only view of an array (the array itself when already read-only).

    Results never hand out writable arrays: a caller cannot change a result,
    nor the log or cache it was computed from.

    Examples
    --------
    >>> a = np.arange(3)
    >>> v = read_only(a)
    >>> v.flags.writeable, a.flags.writeable, read_only(v) is v
    (False, True, True)
    """
    if arr.flags.writeable:
        arr = arr.view()
        arr.setflags(write=False)
    return arr


class FrozenDict(Mapping[K, V]):
    """An immutable, picklable mapping (the mapping fields of frozen results).

    Unlike :class:`types.MappingProxyType` it pickles with the standard
    :mod:`pickle` (Dask, multiprocessing), is hashable when its values are,
    compares equal to a dict with the same items and prints like one.

    Examples
    --------
    >>> import pickle
    >>> m = FrozenDict({"a": 1})
    >>> m, m == {"a": 1}, pickle.loads(pickle.dumps(m)) == m, hash(m) == hash(FrozenDict(a=1))
    ({'a': 1}, True, True, True)
    >>> m["b"] = 2
    Traceback (most recent call last):
    ...
    TypeError: 'FrozenDict' object does not support item assignment
    """

    __slots__ = ("_data", "_hash")
    _data: dict[K, V]
    _hash: int | None

    def __init__(self, data: Mapping[K, V] | Iterable[tuple[K, V]] = (), **kwargs: V) -> None:
        d: dict[Any, V] = dict(data, **kwargs)
        object.__setattr__(self, "_data", d)
        object.__setattr__(self, "_hash", None)

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenDict):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other.items())
        return NotImplemented

    def __hash__(self) -> int:
        if self._hash is None:
            object.__setattr__(self, "_hash", hash(frozenset(self._data.items())))
        return self._hash  # type: ignore[return-value]  # set just above

    def __repr__(self) -> str:
        return repr(self._data)

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenDict, (self._data,))

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"'FrozenDict' object is immutable (cannot set {name!r})")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"'FrozenDict' object is immutable (cannot delete {name!r})")


def freeze(mapping: Mapping[Any, Any]) -> Mapping[Any, Any]:
    """A read-only copy of a mapping (for the mapping fields of frozen results).

    Examples
    --------
    >>> import pickle
    >>> m = freeze({"a": 1})
    >>> m["a"], type(m).__name__, pickle.loads(pickle.dumps(m)) == {"a": 1}
    (1, 'FrozenDict', True)
    """
    return FrozenDict(mapping)


def plain(value: Any) -> Any:
    """A numpy scalar as the Python value (anything else unchanged).

    Examples
    --------
    >>> type(plain(np.int64(3))).__name__, plain("F-1")
    ('int', 'F-1')
    """
    return value.item() if isinstance(value, np.generic) else value


def to_jsonable(value: Any) -> Any:
    """Convert a result (or any part of it) into JSON-ready builtins.

    attrs instances become dicts (through their own ``to_dict`` when they have
    one), Money becomes ``{"amount": 1500.75, "minor": 150075, "currency": "BRL"}``, dates
    and datetimes become ISO strings, Periods their label, numpy arrays lists,
    NaN becomes ``None``, mapping keys become strings, and enum members and
    other ``str`` subclasses plain ``str`` values.

    Examples
    --------
    >>> import datetime, numpy as np
    >>> to_jsonable({"when": datetime.date(2024, 1, 31), "x": np.array([1.5, np.nan])})
    {'when': '2024-01-31', 'x': [1.5, None]}
    """
    if isinstance(value, enum.Enum):  # before str: a StrEnum member becomes its plain value
        return to_jsonable(value.value)
    if isinstance(value, str):
        return value if type(value) is str else str.__str__(value)  # a subclass: plain str
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, np.generic):
        return to_jsonable(value.item())
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "M":
            return [None if np.isnat(v) else str(v) for v in value]
        return [to_jsonable(v) for v in value.tolist()]
    if isinstance(value, _dt.datetime | _dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict) and not isinstance(value, Mapping):
        return to_dict()
    label = getattr(value, "label", None)
    if isinstance(label, str) and hasattr(value, "freq"):  # a Period
        return label
    if attrs.has(type(value)):
        return fields_to_dict(value)
    if isinstance(value, Mapping):
        return {_key_str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    return str(value)


def fields_to_dict(value: Any) -> dict[str, Any]:
    """The public attrs fields of ``value`` as a JSON-ready dict.

    Use it to implement ``to_dict()`` of a result class (calling
    :func:`to_jsonable` on ``self`` there would recurse into ``to_dict``).

    Examples
    --------
    >>> import attrs
    >>> @attrs.frozen
    ... class Rate:
    ...     value: float | None
    ...     used: int
    ...     def to_dict(self) -> dict[str, object]:
    ...         return fields_to_dict(self)
    >>> Rate(None, 0).to_dict()
    {'value': None, 'used': 0}
    """
    return {
        f.name: to_jsonable(getattr(value, f.name))
        for f in attrs.fields(type(value))
        if not f.name.startswith("_")
    }


def _key_str(key: Any) -> str:
    if isinstance(key, tuple):
        return " | ".join(_key_str(k) for k in key)
    if isinstance(key, str):
        return to_jsonable(key)  # type: ignore[no-any-return]  # plain str, also for a StrEnum
    plain = to_jsonable(key)
    return plain if isinstance(plain, str) else str(plain)


def _as_dict(groups: Mapping[GroupKey, Any]) -> dict[GroupKey, Any]:
    return dict(groups)


_RATE_WORDS = ("rate", "ratio", "share", "effectiveness", "utilisation", "coverage_pct")
_HTML_ROWS = 20


def _fmt_number(value: float) -> str:
    if value != value:
        return "nan"
    if abs(value) >= 1000:
        return f"{value:,.1f}"
    return f"{value:.4g}"


def _is_rate(name: str) -> bool:
    return any(w in name for w in _RATE_WORDS) and not name.endswith(("_days", "_count"))


def _fmt_value(name: str, value: Any, *, nested: bool = True) -> str:
    """A short display form of one field value (for reprs and HTML views)."""
    from kpicore.money import Money
    from kpicore.summary import Summary

    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, np.generic):
        value = value.item()
    if value is None:
        return "None"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if _is_rate(name) and -10.0 <= value <= 10.0:
            return f"{100 * value:.1f}%"
        return _fmt_number(value)
    if isinstance(value, str):
        return repr(str.__str__(value))
    if isinstance(value, _dt.datetime | _dt.date):
        return value.isoformat()
    if isinstance(value, Money):
        return value.format()
    if isinstance(value, np.ndarray):
        return f"<{value.shape[0]:,} values>" if value.ndim == 1 else f"<array {value.shape}>"
    if isinstance(value, Breakdown):
        return f"<{_plural(len(value), 'group')}{_breakdown_words(value)}>"
    if isinstance(value, Summary):
        parts = [f"n={value.count:,}"]
        if value.missing:
            parts.append(f"missing={value.missing:,}")
        for stat in ("mean", "median"):
            v = getattr(value, stat)
            if v is not None:
                parts.append(f"{stat}={_fmt_number(v)}")
        return f"Summary({', '.join(parts)})"
    if isinstance(value, Mapping):
        items = [(k, v) for k, v in value.items() if not (isinstance(v, int) and v == 0)]
        if items and all(isinstance(v, Money) for _, v in items):
            return (
                ", ".join(v.format() for _, v in items)
                if len(items) < 4
                else (f"<{len(items)} currencies>")
            )
        shown = ", ".join(f"{_key_str(k)}: {_fmt_value(_key_str(k), v)}" for k, v in items[:6])
        more = ", …" if len(items) > 6 else ""
        return "{" + shown + more + "}"
    if isinstance(value, tuple | list):
        if all(isinstance(v, int | float | str) for v in value) and len(value) <= 8:
            return "(" + ", ".join(str(v) for v in value) + ")"
        word = name[:-1] if name.endswith("s") and len(name) > 1 else "item"
        return f"<{_plural(len(value), word)}>"
    if nested and isinstance(value, Result):
        return value._short_repr()
    label = getattr(value, "label", None)
    if isinstance(label, str):
        return label
    return f"<{type(value).__name__}>"


def _attrs_type(value: object) -> Any:
    return type(value)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _breakdown_words(b: Breakdown[Any]) -> str:
    parts = []
    if b.by is not None:
        parts.append(f" by {b.by}")
    if b.freq is not None:
        parts.append(f" per {b.freq}")
    return "".join(parts)


class Result:
    """The shared model of every KPI result: JSON, tables, frames, views and charts.

    A result class is a frozen attrs class deriving from ``Result`` (declared
    ``@attrs.frozen(repr=False)`` so that the short repr below is kept). From
    its fields alone it gets:

    - :meth:`to_dict`: JSON-ready builtins (numbers, strings, lists, dicts;
      money as ``{"amount", "minor", "currency"}``);
    - *tables*: :attr:`tables` names them, the first being the default.
      ``"groups"`` (one row per ``by=`` / ``freq=`` group, when grouped),
      ``"cases"`` (one row per case, for per-case results) and ``"total"``
      (one row of the headline figures) come from the fields; a class adds
      its own (``"buckets"`` of an aging, ``"variants"``, ...) by naming it in
      ``_TABLES`` and defining ``_table_<name>()``;
    - :meth:`to_records` (plain dicts, no dependency), :meth:`to_frame`,
      :meth:`to_pandas`, :meth:`to_polars`, :meth:`to_arrow` (each imports
      its library only when called). Columns are numeric: money as exact
      minor units (``*_minor``) beside a major-unit float for plotting;
    - a short readable ``repr`` and ``_repr_html_`` (notebook tables);
    - :meth:`plot` (matplotlib, through :mod:`kpicore.plot`).

    Examples
    --------
    >>> import attrs
    >>> from kpicore.money import Money
    >>> @attrs.frozen(repr=False)
    ... class Paid(Result):
    ...     invoices: int
    ...     paid_rate: float | None
    ...     amount: Money
    >>> r = Paid(3, 2 / 3, Money(150075, "BRL"))
    >>> r
    Paid(invoices=3, paid_rate=66.7%, amount=BRL 1500.75)
    >>> r.to_dict()
    {'invoices': 3, 'paid_rate': 0.6666666666666666, 'amount': {'amount': 1500.75, \
'minor': 150075, 'currency': 'BRL'}}
    >>> r.to_records()
    [{'invoices': 3, 'paid_rate': 0.6666666666666666, 'amount_minor': 150075, \
'amount_currency': 'BRL', 'amount': 1500.75}]
    """

    __slots__ = ()

    #: Names of the class's own tables (each made by ``_table_<name>()``), before the
    #: generic ones; the first available table is the default.
    _TABLES: ClassVar[tuple[str, ...]] = ()
    #: Per-case code columns shown by name in the ``"cases"`` table (``{field: names}``).
    _CASE_CODES: ClassVar[Mapping[str, tuple[str, ...]]] = {}

    # ------------------------------------------------------------------------- JSON

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: the public fields as builtins (see :func:`to_jsonable`)."""
        return fields_to_dict(self)

    # ----------------------------------------------------------------------- tables

    def _breakdown(self) -> Breakdown[Any] | None:
        groups = getattr(self, "groups", None)
        return groups if isinstance(groups, Breakdown) else None

    def _case_field_names(self) -> list[str]:
        ids = getattr(self, "case_ids", None)
        if not isinstance(ids, np.ndarray) or not attrs.has(type(self)):
            return []
        n = ids.shape[0]
        return [
            f.name
            for f in attrs.fields(_attrs_type(self))
            if not f.name.startswith("_")
            and f.name != "case_ids"
            and isinstance(getattr(self, f.name), np.ndarray)
            and getattr(self, f.name).ndim == 1
            and getattr(self, f.name).shape[0] == n
        ]

    def _item_fields(self) -> list[str]:
        """Fields that hold a table of their own: a tuple of result values (buckets,
        levels, issues, rows) or a mapping of keys to result values (per currency)."""
        names = []
        for name, value in self._display_fields():
            items = value.values() if isinstance(value, Mapping) else value
            if (
                isinstance(value, tuple | list | Mapping)
                and not isinstance(value, Breakdown)
                and value
                and all(isinstance(v, Result) for v in items)
            ):
                names.append(name)
        return names

    def _item_rows(self, name: str, prefix: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        from kpicore._tables import flatten

        value = getattr(self, name)
        rows = []
        if isinstance(value, Mapping):
            for key, item in value.items():
                row = dict(prefix or {})
                row["key"] = _key_str(key)
                rows.append(flatten(item, out=row))
        else:
            for item in value:
                rows.append(flatten(item, out=dict(prefix or {})))
        return rows

    @property
    def tables(self) -> tuple[str, ...]:
        """The names of the tables this result offers; the first is the default.

        Examples
        --------
        >>> import attrs
        >>> @attrs.frozen(repr=False)
        ... class Count(Result):
        ...     n: int
        >>> Count(1).tables
        ('total',)
        """
        names = list(self._TABLES) + [n for n in self._item_fields() if n not in self._TABLES]
        if self._breakdown() is not None:
            names.append("groups")
        if getattr(self, "case_ids", None) is not None and self._case_field_names():
            names.append("cases")
        names.append("total")
        return tuple(names)

    def table(self, name: str | None = None) -> dict[str, Any]:
        """One table as columns (``{name: list or array}``); the default table when None.

        Raises
        ------
        InvalidParameterError
            For a name not in :attr:`tables`.
        """
        from kpicore._tables import records_to_columns

        available = self.tables
        if name is None:
            name = available[0]
        if name not in available:
            from kpicore.errors import InvalidParameterError

            raise InvalidParameterError(
                f"{type(self).__name__} has no table {name!r}; tables: {list(available)}"
            )
        if name == "total":
            return records_to_columns([self._total_row()])
        if name == "groups":
            return records_to_columns(self._group_rows())
        if name == "cases":
            return self._cases_columns()
        if name in self._TABLES:
            made: dict[str, Any] = getattr(self, f"_table_{name}")()
            return made
        return records_to_columns(self._item_rows(name))

    def _total_row(self) -> dict[str, Any]:
        from kpicore._tables import flatten

        return flatten(self)

    def _group_rows(self) -> list[dict[str, Any]]:
        from kpicore._tables import flatten, group_key_columns

        b = self._breakdown()
        if b is None:
            return []
        rows = []
        for key, group in b.items():
            row = group_key_columns(key, b.by, b.freq)
            items = group._item_fields() if isinstance(group, Result) else []
            if items:  # one row per group and item (e.g. segment x aging bucket)
                rows.extend(group._item_rows(items[0], row))
            else:
                rows.append(flatten(group, out=row))
        return rows

    def _cases_columns(self) -> dict[str, Any]:
        cols: dict[str, Any] = {"case_id": np.asarray(getattr(self, "case_ids", None))}
        for name in self._case_field_names():
            arr = getattr(self, name)
            codes = self._CASE_CODES.get(name)
            if codes is not None:
                cols[name] = np.asarray(codes, dtype=object)[arr]
            elif name.endswith("_ns") and arr.dtype == np.int64:
                dt = arr.view("datetime64[ns]").copy()
                dt[arr == np.iinfo(np.int64).min] = np.datetime64("NaT")
                cols[name[:-3]] = dt
            else:
                cols[name] = arr
        return cols

    def to_records(self, table: str | None = None) -> list[dict[str, Any]]:
        """One table as a list of plain dicts (one per row); no optional dependency.

        Examples
        --------
        >>> import attrs
        >>> @attrs.frozen(repr=False)
        ... class Count(Result):
        ...     n: int
        >>> Count(4).to_records()
        [{'n': 4}]
        """
        cols = self.table(table)
        lists = {
            k: (v.tolist() if isinstance(v, np.ndarray) else list(v)) for k, v in cols.items()
        }
        n = len(next(iter(lists.values()))) if lists else 0
        return [{k: v[i] for k, v in lists.items()} for i in range(n)]

    def to_frame(self, table: str | None = None, *, backend: str = "pandas") -> Any:
        """One table as a DataFrame of ``backend``: ``"pandas"``, ``"polars"`` or ``"arrow"``.

        Instants are time-zone aware (UTC); money is exact in the ``*_minor``
        columns (int) beside a major-unit float column for plotting.

        Raises
        ------
        MissingDependencyError
            When the back end's library is not installed.
        InvalidParameterError
            For an unknown table or back end.
        """
        from kpicore._tables import to_backend

        return to_backend(self.table(table), backend)

    def to_pandas(self, table: str | None = None) -> Any:
        """:meth:`to_frame` as a pandas DataFrame."""
        return self.to_frame(table, backend="pandas")

    def to_polars(self, table: str | None = None) -> Any:
        """:meth:`to_frame` as a polars DataFrame."""
        return self.to_frame(table, backend="polars")

    def to_arrow(self, table: str | None = None) -> Any:
        """:meth:`to_frame` as a pyarrow Table."""
        return self.to_frame(table, backend="arrow")

    # ------------------------------------------------------------------------ views

    def _display_fields(self) -> list[tuple[str, Any]]:
        if not attrs.has(type(self)):
            return []
        return [
            (f.name, getattr(self, f.name))
            for f in attrs.fields(_attrs_type(self))
            if not f.name.startswith("_")
            and f.repr is not False
            and not (f.name == "groups" and getattr(self, f.name) is None)
        ]

    def _short_repr(self) -> str:
        parts = [
            f"{name}={_fmt_value(name, v, nested=False)}" for name, v in self._display_fields()
        ]
        return f"{type(self).__name__}({', '.join(parts)})"

    def __repr__(self) -> str:
        parts = [f"{name}={_fmt_value(name, v)}" for name, v in self._display_fields()]
        return f"{type(self).__name__}({', '.join(parts)})"

    def _repr_html_(self) -> str:
        """An HTML view for notebooks: the headline figures, then the default table."""
        esc = html.escape
        head = "".join(
            f"<tr><th style='text-align:left'>{esc(name)}</th>"
            f"<td>{esc(_fmt_value(name, v))}</td></tr>"
            for name, v in self._display_fields()
        )
        out = [
            f"<div class='kpicore-result'><strong>{esc(type(self).__name__)}</strong>",
            f"<table>{head}</table>",
        ]
        name = self.tables[0]
        if name != "total":
            cols = self.table(name)
            names = list(cols)
            n = len(next(iter(cols.values()))) if cols else 0
            rows = []
            for i in range(min(n, _HTML_ROWS)):
                cells = "".join(f"<td>{esc(_cell_text(c, cols[c][i]))}</td>" for c in names)
                rows.append(f"<tr>{cells}</tr>")
            header = "".join(f"<th>{esc(c)}</th>" for c in names)
            more = f"<p>… {n - _HTML_ROWS:,} more rows</p>" if n > _HTML_ROWS else ""
            out.append(
                f"<p>{esc(name)} ({_plural(n, 'row')})</p>"
                f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
                f"{more}"
            )
        out.append("</div>")
        return "".join(out)

    # ------------------------------------------------------------------------ chart

    def plot(self, *, ax: Any = None, lang: str = "en", **options: Any) -> Any:
        """Draw this result with matplotlib (see :mod:`kpicore.plot`); returns the Axes.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw (a new figure's axes when None).
        lang : {"en", "pt-BR"}
            The language of titles, labels and number formats.
        **options
            Passed to the chart function of this result's type.

        Raises
        ------
        MissingDependencyError
            When matplotlib is not installed.
        InvalidParameterError
            When no chart is defined for this result's type.
        """
        import importlib

        charts = importlib.import_module("kpicore.plot")
        return charts.plot(self, ax=ax, lang=lang, **options)


def _cell_text(column: str, value: Any) -> str:
    if isinstance(value, float):
        return "" if value != value else _fmt_value(column, value)
    if isinstance(value, np.datetime64):
        return "" if np.isnat(value) else str(value)[:19].replace("T", " ")
    if value is None:
        return ""
    if isinstance(value, np.generic):
        value = value.item()
    return str(value) if isinstance(value, str) else _fmt_value(column, value)


@attrs.frozen(repr=False)
class Breakdown(Result, Mapping[GroupKey, T], Generic[T]):
    """A KPI split by ``by=`` and/or ``freq=``: an ordered, immutable mapping.

    Keys are the ``by`` value alone, the :class:`~kpicore.periods.Period`
    alone, or ``(by value, Period)`` when both were asked for. Groups are in
    ascending key order (``None`` values last); empty groups are not listed.

    Attributes
    ----------
    by:
        The name of the dimension (``None`` when not split by a dimension).
    freq:
        The period frequency (``None`` when not split by period).
    groups:
        The per-group results.
    """

    by: str | None
    freq: str | None
    groups: Mapping[GroupKey, T] = attrs.field(converter=_as_dict)

    def __getitem__(self, key: GroupKey) -> T:
        return self.groups[key]

    def __iter__(self) -> Iterator[GroupKey]:
        return iter(self.groups)

    def __len__(self) -> int:
        return len(self.groups)

    def _breakdown(self) -> Breakdown[Any]:
        return self

    @property
    def tables(self) -> tuple[str, ...]:
        """``("groups",)``: one row per group."""
        return ("groups",)

    def __repr__(self) -> str:
        return f"Breakdown(<{_plural(len(self), 'group')}{_breakdown_words(self)}>)"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``{"by": ..., "freq": ..., "groups": {"key": result, ...}}``."""
        return {
            "by": self.by,
            "freq": self.freq,
            "groups": {_key_str(k): to_jsonable(v) for k, v in self.groups.items()},
        }
