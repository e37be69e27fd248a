"""The one ``by=`` / ``freq=`` grouping mechanism every KPI uses.

A KPI computes per-item values (per invoice, per case, per contract, ...) and
then, when the caller asks for ``by=`` and/or ``freq=``, splits them with a
:class:`Grouping` into a :class:`~kpicore.results.Breakdown`. Grouping is
vectorised: items are factorised once into integer group codes and split by
one stable argsort, never by a Python loop per item.

``by`` may be

* ``None`` — no split by dimension;
* a ``str`` — the name of an attribute of each record (``"collector"``,
  ``"currency"``, ``"segment"`` ...), resolved by :func:`resolve_by`, which
  also looks into related records such as the invoice's customer;
* a callable ``record -> key``;
* a sequence or array with one key per record.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, TypeVar

import attrs
import numpy as np
import numpy.typing as npt

from kpicore.errors import InvalidParameterError
from kpicore.periods import FREQS, Freq, Period, bucket
from kpicore.results import Breakdown, GroupKey

__all__ = ["By", "Grouping", "make_grouping", "resolve_by"]

T = TypeVar("T")

#: What ``by=`` accepts: a dimension name, a callable, per-record keys or None.
By = str | Callable[[Any], Hashable] | Sequence[Hashable] | npt.NDArray[Any] | None

#: Dimension aliases: ``by="currency"`` on an invoice means ``invoice.amount.currency``.
_ALIASES: dict[str, tuple[str, ...]] = {
    "currency": ("currency", "amount.currency", "monthly_amount.currency"),
    "customer": ("customer_id",),
    "contract": ("contract_id",),
    "reason": ("reason",),
}


def _get_path(obj: Any, path: str) -> tuple[bool, Any]:
    for part in path.split("."):
        if obj is None or not hasattr(obj, part):
            return False, None
        obj = getattr(obj, part)
    return True, obj


def resolve_by(
    records: Sequence[Any],
    by: By,
    *,
    related: Mapping[str, tuple[str, Mapping[Any, Any]]] | None = None,
) -> tuple[str | None, npt.NDArray[np.object_] | None]:
    """Resolve ``by=`` into one key per record.

    Parameters
    ----------
    records:
        The records being grouped (invoices, contracts, customers, credits...).
    by:
        See the module documentation.
    related:
        Records reachable from each record, as ``{name: (link attribute,
        {id: related record})}``; for example ``{"customer": ("customer_id",
        customers_by_id)}`` lets ``by="segment"`` reach ``customer.segment``.

    Returns
    -------
    (name, keys)
        The dimension's name (``None`` for a callable or a sequence without
        name) and an object array of keys, or ``(None, None)`` for ``by=None``.

    Raises
    ------
    InvalidParameterError
        When a name is neither an attribute of the records nor of a related
        record, or a sequence has the wrong length.

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> recs = [R(customer_id="c1"), R(customer_id="c2")]
    >>> custs = {"c1": R(segment="SMB"), "c2": R(segment="Enterprise")}
    >>> name, keys = resolve_by(recs, "segment", related={"customer": ("customer_id", custs)})
    >>> name, list(keys)
    ('segment', ['SMB', 'Enterprise'])
    """
    n = len(records)
    if by is None:
        return None, None
    out = np.empty(n, dtype=object)
    if isinstance(by, str):
        paths = _ALIASES.get(by, (by,))
        resolved_any = False  # the name resolved on at least one record
        for i, rec in enumerate(records):
            found, value, dangling = _lookup(rec, by, paths, related)
            if not found and not dangling:
                raise InvalidParameterError(
                    f"by={by!r}: record {i} ({type(rec).__name__}) has no attribute {by!r}"
                    + (f" and neither has its {', '.join(related)}" if related else "")
                )
            resolved_any = resolved_any or found
            out[i] = getattr(value, "value", value) if _is_enum(value) else value
        if n and not resolved_any and not _related_has(related, by):
            raise InvalidParameterError(
                f"by={by!r}: no record nor related record has an attribute {by!r}"
            )
        return by, out
    if callable(by):
        for i, rec in enumerate(records):
            out[i] = by(rec)
        return getattr(by, "__name__", None), out
    keys = list(by)
    if len(keys) != n:
        raise InvalidParameterError(f"by= has {len(keys)} keys for {n} records")
    out[:] = keys
    return None, out


def _lookup(
    rec: Any,
    by: str,
    paths: tuple[str, ...],
    related: Mapping[str, tuple[str, Mapping[Any, Any]]] | None,
) -> tuple[bool, Any, bool]:
    """(found, value, dangling): dangling = the related record is unknown (key None)."""
    for path in paths:
        found, value = _get_path(rec, path)
        if found:
            return True, value, False
    dangling = False
    for link, table in (related or {}).values():
        ok, link_id = _get_path(rec, link)
        if ok and link_id in table:
            found, value = _get_path(table[link_id], by)
            if found:
                return True, value, False
        elif ok:
            dangling = True
    return False, None, dangling


def _related_has(related: Mapping[str, tuple[str, Mapping[Any, Any]]] | None, name: str) -> bool:
    """Whether ``name`` may be an attribute of the related records.

    True when a related record has it, or when every related table is empty
    (nothing to check against); False when the tables have records and none of
    their first records has it.
    """
    tables = [table for _link, table in (related or {}).values() if table]
    if not tables:
        return bool(related)
    return any(_get_path(next(iter(table.values())), name)[0] for table in tables)


def _is_enum(value: object) -> bool:
    import enum

    return isinstance(value, enum.Enum)


def _sort_key(value: Any) -> tuple[int, str, Any]:
    # None last; otherwise by type name then value, so mixed types never raise.
    if value is None:
        return (1, "", "")
    return (0, type(value).__name__, value)


@attrs.frozen
class Grouping:
    """Items factorised into groups: ``codes[i]`` is item i's group, -1 when ungrouped.

    Attributes
    ----------
    by, freq:
        What was asked for.
    codes:
        int64 group index per item; ``-1`` for items without a period (their
        date is missing): they are counted in :attr:`ungrouped`.
    keys:
        The group keys in ascending order.
    """

    by: str | None
    freq: Freq | None
    codes: npt.NDArray[np.int64]
    keys: tuple[GroupKey, ...]

    @property
    def ungrouped(self) -> int:
        """Number of items in no group (missing date for ``freq=``)."""
        return int(np.count_nonzero(self.codes < 0))

    def indices(self) -> list[npt.NDArray[np.int64]]:
        """Item indices of each group, in key order (one stable argsort)."""
        order = np.argsort(self.codes, kind="stable")
        sorted_codes = self.codes[order]
        bounds = np.searchsorted(sorted_codes, np.arange(len(self.keys) + 1) - 0.5)
        return [order[bounds[k] : bounds[k + 1]] for k in range(len(self.keys))]

    def breakdown(self, compute: Callable[[npt.NDArray[np.int64]], T]) -> Breakdown[T]:
        """Apply ``compute(item_indices)`` to each group and collect a Breakdown."""
        return Breakdown(
            by=self.by,
            freq=self.freq,
            groups={k: compute(ix) for k, ix in zip(self.keys, self.indices(), strict=True)},
        )


def make_grouping(
    n: int,
    *,
    by_name: str | None = None,
    by_keys: npt.NDArray[np.object_] | None = None,
    freq: Freq | None = None,
    when: Any = None,
    tz: Any = None,
) -> Grouping:
    """Factorise ``n`` items by dimension keys and/or the period of a date.

    Parameters
    ----------
    n:
        Number of items.
    by_name, by_keys:
        The dimension (from :func:`resolve_by`); ``by_keys`` has one key per item.
    freq:
        ``"day"``, ``"week"``, ``"month"``, ``"quarter"`` or ``"year"``.
    when:
        Per item, the instant or date that places it in a period: a
        datetime64 array (NaT = missing), an int64 ns-UTC array, or a sequence
        of dates (None = missing). Required with ``freq``.
    tz:
        Time zone whose calendar the periods follow (UTC by default).

    Examples
    --------
    >>> import numpy as np
    >>> when = np.array(["2024-01-05", "2024-02-01", "2024-01-31"], dtype="datetime64[D]")
    >>> g = make_grouping(3, freq="month", when=when)
    >>> [str(k) for k in g.keys], g.codes.tolist()
    (['2024-01', '2024-02'], [0, 1, 0])
    """
    if freq is not None and freq not in FREQS:
        raise InvalidParameterError(f"freq={freq!r}: expected one of {', '.join(FREQS)}")
    if freq is not None and when is None:
        raise InvalidParameterError("freq= needs a date per item to place it in a period")
    if by_keys is not None and len(by_keys) != n:
        raise InvalidParameterError(f"by= has {len(by_keys)} keys for {n} items")

    parts: list[npt.NDArray[np.int64]] = []
    tables: list[list[Any]] = []
    valid = np.ones(n, dtype=bool)
    if by_keys is not None:
        uniq = sorted(set(by_keys.tolist()), key=_sort_key)
        index = {k: i for i, k in enumerate(uniq)}
        parts.append(np.fromiter((index[k] for k in by_keys.tolist()), dtype=np.int64, count=n))
        tables.append(uniq)
    if freq is not None:
        ords, ok = _ordinals(when, freq, tz, n)
        valid &= ok
        uniq_o = np.unique(ords[ok])
        parts.append(np.searchsorted(uniq_o, ords).astype(np.int64))
        tables.append([Period.from_ordinal(int(o), freq) for o in uniq_o])

    if not parts:
        return Grouping(by_name, freq, np.zeros(n, dtype=np.int64), ((),))
    if len(parts) == 1:
        codes = np.where(valid, parts[0], -1).astype(np.int64)
        keys: tuple[GroupKey, ...] = tuple(tables[0])
        # drop keys that no valid item uses (possible when by values are NaT-only)
        used = np.unique(codes[codes >= 0])
        if len(used) != len(keys):
            keys = tuple(keys[i] for i in used)
            codes = np.where(codes >= 0, np.searchsorted(used, codes), -1).astype(np.int64)
        return Grouping(by_name, freq, codes, keys)
    combined = parts[0] * (len(tables[1]) + 1) + parts[1]
    uniq_c, inverse = np.unique(combined[valid], return_inverse=True)
    codes = np.full(n, -1, dtype=np.int64)
    codes[valid] = inverse
    width = len(tables[1]) + 1
    keys = tuple((tables[0][c // width], tables[1][c % width]) for c in uniq_c.tolist())
    return Grouping(by_name, freq, codes, keys)


def _ordinals(
    when: Any, freq: Freq, tz: Any, n: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    arr = when if isinstance(when, np.ndarray) else None
    if arr is None:
        seq = list(when)
        ok = np.array([v is not None for v in seq], dtype=bool)
        filled = [v for v in seq if v is not None]
        ords = np.zeros(len(seq), dtype=np.int64)
        if filled:
            ords[ok] = bucket(filled, freq, tz=tz)
    elif arr.dtype.kind == "M":
        ok = ~np.isnat(arr)
        ords = np.zeros(len(arr), dtype=np.int64)
        if ok.any():
            ords[ok] = bucket(arr[ok], freq, tz=tz)
    else:
        ints = arr.astype(np.int64)
        ok = ints != np.iinfo(np.int64).min
        ords = np.zeros(len(arr), dtype=np.int64)
        if ok.any():
            ords[ok] = bucket(ints[ok], freq, tz=tz)
    if len(ords) != n:
        raise InvalidParameterError(f"when= has {len(ords)} values for {n} items")
    return ords, ok
