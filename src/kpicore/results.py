"""Shared result types: the grouped breakdown every KPI returns and JSON conversion.

Every KPI result is a frozen value with ``to_dict()``. Grouped results are a
:class:`Breakdown`: an ordered, immutable mapping from a group key (a ``by=``
value, a :class:`~kpicore.periods.Period`, or the pair of both) to the
per-group result.
"""

from __future__ import annotations

import datetime as _dt
import enum
import math
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any, Generic, NoReturn, TypeVar

import attrs
import numpy as np
import numpy.typing as npt

__all__ = ["Breakdown", "FrozenDict", "GroupKey", "fields_to_dict", "freeze", "to_jsonable"]

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
    one), Money becomes ``{"amount": "1500.75", "currency": "BRL"}``, dates
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


@attrs.frozen
class Breakdown(Mapping[GroupKey, T], Generic[T]):
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

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``{"by": ..., "freq": ..., "groups": {"key": result, ...}}``."""
        return {
            "by": self.by,
            "freq": self.freq,
            "groups": {_key_str(k): to_jsonable(v) for k, v in self.groups.items()},
        }
