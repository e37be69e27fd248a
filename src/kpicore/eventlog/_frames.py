"""Frames in: recognise a table object by the module of its type, never by importing.

:func:`as_table` turns every kind of table users hold into an object with column
names and ``table[name]`` -> column, which the column encoders take as they are
(pandas, polars and pyarrow columns each have their fast path there):

* a mapping of name to column (kept as it is);
* a pandas DataFrame (numpy-, nullable- or pyarrow-backed dtypes);
* a polars DataFrame, or a LazyFrame (collected: only the columns asked for
  when the caller names them);
* a pyarrow Table or RecordBatch;
* any other object exposing the Arrow PyCapsule stream interface
  (``__arrow_c_stream__``: duckdb relations, nanoarrow, ...), read through
  ``pyarrow.table`` (pyarrow must then be installed).

Dask DataFrames are handled by the constructors themselves (one log per
partition of whole cases, see :mod:`kpicore.dask`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kpicore.errors import InvalidParameterError, MissingDependencyError

__all__ = ["as_table", "column_names", "frame_kind", "is_dask_frame"]

_SUPPORTED = (
    "a mapping of column name to column, a pandas or polars DataFrame, a polars "
    "LazyFrame, a pyarrow Table or RecordBatch, a Dask DataFrame, or an object with "
    "the Arrow PyCapsule stream interface (__arrow_c_stream__)"
)


def _module(obj: object) -> str:
    return type(obj).__module__.split(".", 1)[0]


def frame_kind(obj: object) -> str | None:
    """``"mapping"``, ``"pandas"``, ``"polars"``, ``"polars-lazy"``, ``"arrow"``,
    ``"arrow-batch"``, ``"dask"``, ``"arrow-stream"`` or None (not a table).

    Examples
    --------
    >>> frame_kind({"a": [1]}), frame_kind([1, 2])
    ('mapping', None)
    """
    if isinstance(obj, Mapping):
        return "mapping"
    mod, name = _module(obj), type(obj).__name__
    if mod == "pandas" and name == "DataFrame":
        return "pandas"
    if mod == "polars" and name == "DataFrame":
        return "polars"
    if mod == "polars" and name == "LazyFrame":
        return "polars-lazy"
    if mod == "pyarrow" and name == "Table":
        return "arrow"
    if mod == "pyarrow" and name == "RecordBatch":
        return "arrow-batch"
    if mod in ("dask", "dask_expr") and name == "DataFrame":
        return "dask"
    if hasattr(type(obj), "__arrow_c_stream__"):
        return "arrow-stream"
    return None


def is_dask_frame(obj: object) -> bool:
    """A Dask DataFrame (by the module of its type)."""
    return frame_kind(obj) == "dask"


def column_names(table: Any) -> list[str]:
    """The column names of a table returned by :func:`as_table`."""
    if isinstance(table, Mapping):
        return [str(k) for k in table]
    if _module(table) == "pyarrow":
        return [str(c) for c in table.column_names]
    return [str(c) for c in list(table.columns)]


def as_table(obj: Any, *, columns: Sequence[str] | None = None, what: str = "data") -> Any:
    """``obj`` as a table with column names and ``table[name]`` access.

    Parameters
    ----------
    obj:
        The table (see the module documentation for what is accepted).
    columns:
        The names needed, when known: a polars LazyFrame is collected with only
        those (and a missing one is reported by the caller by name).
    what:
        The argument's name, for the error message.

    Raises
    ------
    InvalidParameterError
        When ``obj`` is none of the supported kinds; the message names its type.
    MissingDependencyError
        For an Arrow stream object when pyarrow is not installed.
    """
    kind = frame_kind(obj)
    if kind in ("mapping", "pandas", "polars", "arrow"):
        return obj
    if kind == "polars-lazy":
        if columns is not None:
            present = set(obj.collect_schema().names())
            obj = obj.select([c for c in columns if c in present])
        return obj.collect()
    if kind == "arrow-batch":
        import pyarrow as pa  # a RecordBatch exists: pyarrow is imported already

        return pa.Table.from_batches([obj])
    if kind == "arrow-stream":
        try:
            import pyarrow as pa
        except ImportError as exc:  # pragma: no cover - pyarrow is a test dependency
            raise MissingDependencyError(
                f"{what} is a {type(obj).__module__}.{type(obj).__name__} (an Arrow "
                "stream): reading it needs pyarrow (pip install pyarrow)"
            ) from exc
        return pa.table(obj)
    if kind == "dask":  # pragma: no cover - the constructors route Dask frames first
        raise InvalidParameterError(f"{what}: a Dask DataFrame goes through kpicore.dask")
    raise InvalidParameterError(
        f"{what} must be {_SUPPORTED}; got {type(obj).__module__}.{type(obj).__name__}"
    )
