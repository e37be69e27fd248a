"""Encode input columns into integer codes plus sorted label tables.

Case ids and activity names become dense integer codes whose order is the
sorted order of their labels, so the codes (and every result indexed by them)
do not depend on the order of the input rows.

Fast paths, all duck-typed (pandas and polars are never imported):

* pandas ``Categorical`` (``.cat.codes`` / ``.cat.categories``) and polars
  ``Categorical`` / ``Enum`` (``to_physical()``): only the categories are
  sorted;
* other pandas columns: their own hash ``factorize(sort=True)``;
* numpy and Python sequences: runs of equal neighbours (a case-grouped log has
  one run per case) are detected with one vectorised comparison and only the
  run heads are hashed; when the run heads are already strictly increasing
  (a log sorted by case id) no hashing or sorting happens at all.
"""

from __future__ import annotations

import datetime as _dt
import math
import sys
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from kpicore.errors import InvalidParameterError, InvalidRecordError

from ._arrow import arrow_attribute_parts, arrow_column, arrow_keys, check_pyarrow_type
from ._timestamps import NAT, parse_timestamps

__all__ = ["Column", "ColumnKind", "Encoded", "encode_attribute", "encode_keys", "to_array"]

_I64 = npt.NDArray[np.int64]
_B = npt.NDArray[np.bool_]
#: Integer codes of any signed width (see :func:`code_dtype`).
_Codes = npt.NDArray[np.signedinteger[Any]]
_NS_PER_DAY = 86_400_000_000_000
_I16_MAX = int(np.iinfo(np.int16).max)
_I32_MAX = int(np.iinfo(np.int32).max)
#: Low-cardinality encoding: rows sampled, most distinct values in the sample.
_FEW_SAMPLE = 4096
_FEW_MAX = 256
#: Fixed-width factorisation of strings (:func:`_encode_fixed_width`): from this many
#: values, of at most this many characters, converted this many rows at a time.
_RADIX_MIN = 4096
_RADIX_MAX_WIDTH = 64
_RADIX_BLOCK = 1 << 20

ColumnKind = Literal["float", "int", "bool", "datetime", "date", "category"]


def _module_of(values: object) -> str:
    return type(values).__module__.split(".", 1)[0]


def _is_null(v: object) -> bool:
    if v is None:
        return True
    if isinstance(v, float | np.floating):
        return math.isnan(v)
    if type(v).__name__ in ("NaTType", "NAType"):
        return True
    return isinstance(v, np.datetime64) and bool(np.isnat(v))


def to_array(values: Any, *, field: str) -> npt.NDArray[Any]:
    """Any 1-d column (list, tuple, numpy, pandas, polars...) as a numpy array.

    Object arrays are built element-wise so sequences of tuples stay 1-d.
    """
    if isinstance(values, np.ndarray):
        arr = values
    elif hasattr(values, "to_numpy") and not isinstance(values, Sequence | str):
        arr = np.asarray(values.to_numpy())
    else:
        if isinstance(values, str | bytes) or not hasattr(values, "__iter__"):
            raise InvalidParameterError(
                f"column {field!r}: expected a sequence or array, got {type(values).__name__}"
            )
        seq = values if isinstance(values, Sequence) else list(values)
        kinds = set(map(type, seq))
        if kinds and all(k in (int, float, bool, str) for k in kinds) and len(kinds) == 1:
            arr = np.array(seq, dtype=object) if str in kinds else np.array(seq)
        else:
            arr = np.empty(len(seq), dtype=object)
            arr[:] = list(seq)
    if arr.ndim != 1:
        raise InvalidParameterError(f"column {field!r} must be one-dimensional, got {arr.ndim}-d")
    return arr


def code_dtype(n_labels: int) -> type[np.signedinteger[Any]]:
    """The narrowest of int16, int32, int64 holding codes ``-1 .. n_labels - 1``.

    Examples
    --------
    >>> code_dtype(10), code_dtype(40_000)
    (<class 'numpy.int16'>, <class 'numpy.int32'>)
    """
    if n_labels <= _I16_MAX:
        return np.int16
    if n_labels <= _I32_MAX:
        return np.int32
    return np.int64  # pragma: no cover - more than 2**31 labels


class Encoded:
    """Codes (``-1`` where null) and the sorted label table of a key column.

    ``codes`` is a signed integer array, as narrow as the number of labels
    allows (:func:`code_dtype`) when the encoder built it per row. ``dense``:
    every label is known to occur in ``codes`` (true of :func:`encode_keys`).
    """

    __slots__ = ("codes", "dense", "labels")

    def __init__(self, codes: _Codes, labels: npt.NDArray[Any], *, dense: bool = False) -> None:
        self.codes = codes
        self.labels = labels
        self.dense = dense

    @property
    def null(self) -> _B:
        return self.codes < 0


def _key_kind(v: object) -> str:
    if isinstance(v, bool | np.bool_):
        return "bool"
    if isinstance(v, str):
        return "str"
    if isinstance(v, int | np.integer):
        return "int"
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return "int"
    return type(v).__name__


def _labels_array(keys: list[Any], kind: str) -> npt.NDArray[Any]:
    if kind == "int":
        return np.array([int(k) for k in keys], dtype=np.int64)
    out = np.empty(len(keys), dtype=object)
    out[:] = keys if set(map(type, keys)) <= {str} else [str(k) for k in keys]
    return out


def _bad_key(arr: npt.NDArray[Any], field: str, expected_kind: str) -> InvalidRecordError:
    for i, v in enumerate(arr.tolist()):
        if not _is_null(v) and _key_kind(v) != expected_kind:
            return InvalidRecordError(
                row=i,
                field=field,
                value=v,
                expected=f"values of one type (the column's first value is a {expected_kind})",
            )
    return InvalidRecordError(field=field, value=None, expected="strings or integers")


def _first_kind(values: list[Any]) -> str | None:
    for v in values:
        if not _is_null(v):
            return _key_kind(v)
    return None


def _looks_increasing(heads: npt.NDArray[Any]) -> bool:
    probe = heads[: min(heads.shape[0], 65)]
    try:
        with np.errstate(invalid="ignore"):  # NaN among the heads: not increasing
            return bool(np.all(probe[1:] > probe[:-1]))
    except TypeError:
        return False


def _high_cardinality(values: list[Any]) -> bool:
    probe = values[:4096]
    return len(set(probe)) * 4 > len(probe)


def _encode_hashed(
    heads: npt.NDArray[Any], head_list: list[Any]
) -> tuple[_I64, npt.NDArray[Any]] | None:
    """Many distinct strings in no particular order: group by ``hash`` with a numpy sort.

    Dict lookups of millions of strings in random order are bound by memory
    latency; sorting their 64-bit hashes is not. Every value is then compared
    with its group's representative, so a hash collision can never merge two
    ids (it sends the column to the dict path instead). Returns None when the
    values are not all strings.
    """
    m = len(head_list)
    try:
        h = np.fromiter(map(hash, head_list), dtype=np.int64, count=m)
    except TypeError:
        return None
    order = np.argsort(h)
    hs = h[order]
    new = np.empty(m, dtype=bool)
    new[0] = True
    new[1:] = hs[1:] != hs[:-1]
    group_sorted = np.cumsum(new) - 1
    inv = np.empty(m, dtype=np.int64)
    inv[order] = group_sorted
    reps = heads[order[new]]
    rep_list = reps.tolist()
    if set(map(type, rep_list)) != {str}:
        return None
    if not bool(np.all(heads == reps[inv])):  # pragma: no cover - a 64-bit hash collision
        return None
    ranked = sorted(range(len(rep_list)), key=rep_list.__getitem__)
    rank = np.empty(len(rep_list), dtype=np.int64)
    rank[np.array(ranked, dtype=np.int64)] = np.arange(len(rep_list), dtype=np.int64)
    labels = np.empty(len(rep_list), dtype=object)
    labels[:] = [rep_list[i] for i in ranked]
    return rank[inv], labels


def _char_matrix(values: npt.NDArray[Any], lengths: _I64, width: int) -> npt.NDArray[Any] | None:
    """The code points of ``str`` values as an ``(n, width)`` matrix, zero-padded, in the
    narrowest unsigned dtype; built :data:`_RADIX_BLOCK` rows at a time (the ``U``
    temporary of a block is 4 bytes a character). None when a value ends in NUL
    characters (numpy's ``U`` strings drop them, so two values could look equal)."""
    n = values.shape[0]
    blocks: list[npt.NDArray[Any]] = []
    for a in range(0, n, _RADIX_BLOCK):
        part = values[a : a + _RADIX_BLOCK]
        u = part.astype(f"U{width}")
        if not np.array_equal(np.char.str_len(u), lengths[a : a + _RADIX_BLOCK]):
            return None
        mat = u.view(np.uint32).reshape(part.shape[0], width)
        top = int(mat.max()) if mat.size else 0
        blocks.append(
            mat.astype(np.uint8 if top < 256 else np.uint16 if top < 65_536 else mat.dtype)
        )
    widest = max((b.dtype.itemsize for b in blocks), default=1)
    dtype = {1: np.uint8, 2: np.uint16, 4: np.uint32}[widest]
    return np.concatenate([b.astype(dtype, copy=False) for b in blocks])


def _radix_total(mat: npt.NDArray[Any]) -> int:
    """The product of the column ranges of a character matrix (its key space)."""
    lo = mat.min(axis=0).astype(np.int64)
    hi = mat.max(axis=0).astype(np.int64)
    total = 1
    for r in (hi - lo + 1).tolist():
        total *= int(r)
    return total


def _encode_fixed_width(values: npt.NDArray[Any]) -> tuple[_I64, npt.NDArray[Any]] | None:
    """Many ``str`` values, factorised without hashing or comparing strings in Python.

    The values' code points form a zero-padded matrix; the columns that vary are
    read as the digits of one mixed-radix integer per value (column ``j`` in base
    ``max_j - min_j + 1``, the first column most significant), so integer order is
    the strings' order and equal integers are equal strings. The integers are then
    ranked by a presence table (a bincount, no sort at all) when their range is
    small, as ids with a common prefix and a numeric suffix have, else by
    ``numpy.unique``. The cost is the same for any row order. None when the values
    do not pack into 62 bits (long free text): the caller hashes them.
    """
    m = values.shape[0]
    sample = values[:: max(1, m // _FEW_SAMPLE)]
    sample_list = sample.tolist()
    if len(set(sample_list)) * 8 <= len(sample_list):
        return None  # few distinct values: a dict of them is cheaper
    s_width = max(map(len, sample_list))
    if s_width == 0 or s_width > _RADIX_MAX_WIDTH:
        return None
    s_mat = _char_matrix(sample, np.fromiter(map(len, sample_list), np.int64), s_width)
    if s_mat is None or _radix_total(s_mat) >= 1 << 62:
        return None  # long free text: not worth a matrix of every value
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=m)
    width = int(lengths.max()) if m else 0
    if width == 0 or width > _RADIX_MAX_WIDTH:
        return None
    mat = _char_matrix(values, lengths, width)
    if mat is None:
        return None
    lo = mat.min(axis=0).astype(np.int64)
    hi = mat.max(axis=0).astype(np.int64)
    total = 1
    digits: list[tuple[int, int, int]] = []
    for j in range(width):
        r = int(hi[j] - lo[j]) + 1
        if r > 1:
            total *= r
            if total >= 1 << 62:
                return None
            digits.append((j, int(lo[j]), r))
    key = np.zeros(m, dtype=np.int64)
    for j, low, r in digits:
        key *= r
        key += mat[:, j]
        if low:
            key -= low
    del mat
    if total <= max(4 * m, 1 << 20) and total <= 1 << 28:
        present = np.zeros(total, dtype=bool)
        present[key] = True
        rank = np.cumsum(present, dtype=np.int64)
        rank -= 1
        codes = rank[key]
        k = int(rank[-1]) + 1
    else:
        _uniq, inv = np.unique(key, return_inverse=True)
        codes = inv.astype(np.int64, copy=False).reshape(m)
        k = int(_uniq.shape[0])
    rep = np.empty(k, dtype=np.int64)
    rep[codes] = np.arange(m, dtype=np.int64)
    labels = values[rep]
    return codes, labels


def _encode_heads(
    arr: npt.NDArray[Any], heads_idx: _I64, *, field: str
) -> tuple[_I64, npt.NDArray[Any]]:
    """Codes of the run heads and the sorted labels."""
    heads = arr if heads_idx.shape[0] == arr.shape[0] else arr[heads_idx]
    m = heads.shape[0]
    if m > 1 and _looks_increasing(heads):
        try:
            with np.errstate(invalid="ignore"):
                increasing = bool(np.all(heads[1:] > heads[:-1]))
        except TypeError:
            increasing = False
        if increasing and set(map(type, heads.tolist())) == {str}:
            return np.arange(m, dtype=np.int64), heads.copy()
    head_list = heads.tolist()
    if m >= _RADIX_MIN and set(map(type, head_list)) == {str}:
        fixed = _encode_fixed_width(heads)
        if fixed is not None:
            return fixed
    if m > 65_536 and _high_cardinality(head_list):
        hashed = _encode_hashed(heads, head_list)
        if hashed is not None:
            return hashed
    uniq = list(dict.fromkeys(head_list))
    if set(map(type, uniq)) == {str}:  # the common case: no nulls, all strings
        ordered_s = sorted(uniq)
        mapping_s = dict(zip(ordered_s, range(len(ordered_s)), strict=True))
        codes = np.fromiter(map(mapping_s.__getitem__, head_list), dtype=np.int64, count=m)
        return codes, _labels_array(ordered_s, "str")
    kind = _first_kind(uniq)
    if kind is None:
        return np.full(m, -1, dtype=np.int64), np.empty(0, dtype=object)
    if kind not in ("str", "int"):
        first = next(i for i, v in enumerate(arr.tolist()) if not _is_null(v))
        raise InvalidRecordError(
            row=first, field=field, value=arr[first], expected="a string or an integer id"
        )
    nonnull = [k for k in uniq if not _is_null(k)]
    if any(_key_kind(k) != kind for k in nonnull):
        raise _bad_key(arr, field, kind)
    mapping: dict[Any, int] = {}
    if kind == "int":
        by_value: dict[int, list[Any]] = {}
        for k in nonnull:
            by_value.setdefault(int(k), []).append(k)
        ordered = sorted(by_value)
        for code, value in enumerate(ordered):
            for k in by_value[value]:
                mapping[k] = code
        labels = np.array(ordered, dtype=np.int64)
    else:
        ordered_s = sorted(nonnull)
        mapping = {k: i for i, k in enumerate(ordered_s)}
        labels = _labels_array(ordered_s, "str")
    for k in uniq:
        if _is_null(k):
            mapping[k] = -1
    codes = np.fromiter(map(mapping.__getitem__, head_list), dtype=np.int64, count=m)
    return codes, labels


def _run_heads(arr: npt.NDArray[Any]) -> _I64:
    n = arr.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    try:
        neq = np.asarray(arr[1:] != arr[:-1], dtype=bool)
    except (TypeError, ValueError):
        return np.arange(n, dtype=np.int64)
    heads = np.flatnonzero(neq) + 1
    return np.concatenate([np.zeros(1, dtype=np.int64), heads.astype(np.int64)])


def _expand(head_codes: _Codes, heads_idx: _I64, n: int, n_labels: int) -> _Codes:
    """Per-row codes from the run heads' codes, in the narrowest dtype for ``n_labels``."""
    head_codes = head_codes.astype(code_dtype(n_labels), copy=False)
    if heads_idx.shape[0] == n:
        return head_codes
    lengths = np.diff(np.append(heads_idx, n))
    return np.repeat(head_codes, lengths)


def _from_codes(codes: _I64, categories: npt.NDArray[Any], *, field: str) -> Encoded:
    """Re-encode (codes, categories) into codes over the sorted used categories."""
    valid = codes >= 0
    all_valid = bool(valid.all())
    counts = np.bincount(codes[valid] if not all_valid else codes, minlength=categories.shape[0])
    used = np.flatnonzero(counts)
    cat_arr = categories[used]
    cats = cat_arr.tolist()
    if set(map(type, cats)) == {str}:
        kind: str | None = "str"
    else:
        kind = _first_kind(cats)
        if kind is None:
            return Encoded(np.full(codes.shape, -1, dtype=np.int64), np.empty(0, dtype=object))
        if kind not in ("str", "int") or any(_key_kind(c) != kind for c in cats):
            raise InvalidRecordError(
                field=field,
                value=cats[:5],
                expected="categories that are all strings or all integers",
            )
    if kind == "str" and (len(cats) < 2 or bool(np.all(cat_arr[1:] > cat_arr[:-1]))):
        order = np.arange(len(cats), dtype=np.int64)  # categories already sorted
    else:
        key = (lambda i: int(cats[i])) if kind == "int" else cats.__getitem__
        order = np.array(sorted(range(len(cats)), key=key), dtype=np.int64)
    lut = np.full(categories.shape[0], -1, dtype=code_dtype(len(order)))
    lut[used[order]] = np.arange(len(order), dtype=lut.dtype)
    out = lut[codes] if all_valid else np.where(valid, lut[np.where(valid, codes, 0)], -1)
    labels = _labels_array([cats[i] for i in order.tolist()], kind or "str")
    return Encoded(out.astype(lut.dtype, copy=False), labels)


def _polars_categorical(values: Any, *, field: str) -> Encoded | None:
    dtype: Any = getattr(values, "dtype", None)
    name = type(dtype).__name__
    if _module_of(values) != "polars" or name not in ("Categorical", "Enum"):
        return None
    null = np.asarray(values.is_null().to_numpy(), dtype=bool)
    phys = np.asarray(values.to_physical().fill_null(0).to_numpy()).astype(np.int64)
    if name == "Enum":
        cats: npt.NDArray[Any] = np.empty(len(dtype.categories), dtype=object)
        cats[:] = list(dtype.categories.to_list())
    else:
        uniq = values.unique().drop_nulls()
        u_codes = np.asarray(uniq.to_physical().to_numpy()).astype(np.int64)
        size = int(u_codes.max()) + 1 if u_codes.shape[0] else 0
        cats = np.empty(size, dtype=object)
        cats[u_codes] = uniq.to_list()
    phys[null] = -1
    return _from_codes(phys, cats, field=field)


def _pandas_encode(values: Any, *, field: str) -> Encoded | None:
    if _module_of(values) != "pandas":
        return None
    dtype = getattr(values, "dtype", None)
    if getattr(dtype, "name", None) == "category":
        codes = np.asarray(values.cat.codes.to_numpy()).astype(np.int64)
        cats = np.empty(len(values.cat.categories), dtype=object)
        cats[:] = list(values.cat.categories.to_numpy().tolist())
        return _from_codes(codes, cats, field=field)
    if getattr(dtype, "kind", None) not in ("O", "U", "i", "u", "T") and str(dtype) not in (
        "str",
        "string",
    ):
        return None
    factorize = getattr(values, "factorize", None)
    if factorize is None:
        return None
    try:
        codes, uniques = factorize(sort=True)
    except TypeError:  # unorderable mixture: the generic path reports the bad row
        return None
    labels_in = np.empty(len(uniques), dtype=object)
    labels_in[:] = list(uniques.to_numpy().tolist())
    return _from_codes(np.asarray(codes).astype(np.int64), labels_in, field=field)


class _Abort(Exception):
    """A value the low-cardinality encoder does not take (see :func:`_encode_few`)."""


class _FewCodes(dict[Any, int]):
    """Label -> provisional code; an unseen ``str`` gets the next code, anything else
    (None, NaN, a number, a ``str`` subclass) or one label too many aborts."""

    __slots__ = ()

    def __missing__(self, key: Any) -> int:
        if type(key) is not str or len(self) >= _I16_MAX:
            raise _Abort
        code = len(self)
        self[key] = code
        return code


def _encode_few(arr: npt.NDArray[Any]) -> Encoded | None:
    """Strings with few distinct values in no run structure (activity names).

    A strided sample of :data:`_FEW_SAMPLE` rows gives the labels; one pass of
    dict lookups over the array (no list, no index array, int16 codes) codes
    every row. Values missing from the sample are added as they come and the
    codes re-ranked into sorted-label order at the end. Returns None, having
    allocated nothing per row but the codes, when the sample is not all ``str``
    or has many distinct values, or when a row holds anything but a ``str``
    (nulls, numbers, mixtures: the general path handles and reports them).
    """
    n = arr.shape[0]
    sample = arr[:: max(1, n // _FEW_SAMPLE)].tolist()
    if set(map(type, sample)) != {str}:
        return None
    distinct = sorted(set(sample))
    if len(distinct) > _FEW_MAX or len(distinct) * 8 > len(sample):
        return None
    mapping = _FewCodes(zip(distinct, range(len(distinct)), strict=True))
    try:
        codes = np.fromiter(map(mapping.__getitem__, arr), dtype=np.int16, count=n)
    except _Abort:
        return None
    ordered = sorted(mapping)
    if len(ordered) > len(distinct):  # labels outside the sample: re-rank the codes
        rank = np.empty(len(ordered), dtype=np.int16)
        for i, label in enumerate(ordered):
            rank[mapping[label]] = i
        codes = rank[codes]
    return Encoded(codes, _labels_array(ordered, "str"))


def _encode_object(
    arr: npt.NDArray[Any], heads: _I64 | None, *, field: str, few: bool = True
) -> Encoded:
    """Encode an object array; ``heads`` are its run heads when already known.

    ``few``: try the low-cardinality encoder (:func:`_encode_few`) first when the
    values do not come in runs.
    """
    n = arr.shape[0]
    if heads is None:
        probe = arr[: min(n, 4097)]
        try:
            runs_sample = int(np.count_nonzero(np.asarray(probe[1:] != probe[:-1], dtype=bool)))
        except (TypeError, ValueError):
            runs_sample = probe.shape[0]
        if runs_sample * 2 <= probe.shape[0]:
            heads = _run_heads(arr)
        elif few and n > _FEW_SAMPLE:
            got = _encode_few(arr)
            if got is not None:
                return got
    if heads is None or heads.shape[0] * 2 > n:
        heads = np.arange(n, dtype=np.int64)
    head_codes, labels = _encode_heads(arr, heads, field=field)
    return Encoded(_expand(head_codes, heads, n, labels.shape[0]), labels)


def encode_keys(values: Any, *, field: str) -> Encoded:
    """Encode a key column (case ids, activity names, categorical attributes).

    Parameters
    ----------
    values:
        The column: a sequence, numpy array, pandas or polars column.
    field:
        Column name for error messages.

    Returns
    -------
    Encoded
        ``codes`` (signed integers, int16 / int32 / int64 as the number of
        labels requires; ``-1`` where the value is null: None, NaN, NaT,
        pandas NA) and ``labels`` (sorted, each occurring in the column; an
        object array of ``str`` or an int64 array).

    Raises
    ------
    InvalidRecordError
        When the non-null values are not all strings or all integers.

    Examples
    --------
    >>> e = encode_keys(["b", "b", "a", None, "c"], field="case")
    >>> e.codes.tolist(), e.labels.tolist()
    ([1, 1, 0, -1, 2], ['a', 'b', 'c'])
    """
    enc = _encode_keys(values, field=field)
    enc.dense = True  # every encoder below takes its labels from the values present
    return enc


def _encode_keys(values: Any, *, field: str) -> Encoded:
    arrow = arrow_column(values)
    if arrow is not None:  # pyarrow, or pandas backed by pyarrow: Arrow's hash kernel
        got_arrow = arrow_keys(arrow, field=field)
        if got_arrow is not None:
            return Encoded(*got_arrow)
        check_pyarrow_type(arrow, field=field)
        values = arrow.to_numpy()
    for special in (_pandas_encode, _polars_categorical):
        got = special(values, field=field)
        if got is not None:
            return got
    if _module_of(values) == "polars" and type(getattr(values, "dtype", None)).__name__ in (
        "String",
        "Utf8",
    ):
        pl = sys.modules.get("polars")
        if pl is not None:  # hashing in polars beats a round trip through Python objects
            got = _polars_categorical(values.cast(pl.Categorical), field=field)
            if got is not None:
                return got
    arr = to_array(values, field=field)
    n = arr.shape[0]
    kind = arr.dtype.kind
    if kind == "b":
        raise InvalidRecordError(
            row=0 if n else None, field=field, value=arr[0] if n else None,
            expected="strings or integers, not booleans",
        )  # fmt: skip
    if kind in "iu":
        ints = arr.astype(np.int64, copy=False)  # read only
        heads = _run_heads(ints)
        hv = ints[heads]
        if hv.shape[0] < 2 or bool(np.all(hv[1:] > hv[:-1])):
            m = hv.shape[0]
            return Encoded(_expand(np.arange(m, dtype=np.int64), heads, n, m), hv.copy())
        labels, inv = np.unique(hv, return_inverse=True)
        return Encoded(
            _expand(inv.astype(np.int64), heads, n, labels.shape[0]), labels.astype(np.int64)
        )
    if kind == "f":
        nan = np.isnan(arr)
        whole = np.isnan(arr) | (np.floor(arr) == arr)
        if not whole.all():
            bad = int(np.flatnonzero(~whole)[0])
            raise InvalidRecordError(
                row=bad, field=field, value=float(arr[bad]), expected="an integer or string id"
            )
        ints = np.where(nan, 0, arr).astype(np.int64)
        enc = encode_keys(ints, field=field)
        codes = enc.codes.copy()
        codes[nan] = -1
        return _from_codes(codes, enc.labels.astype(object), field=field)
    if kind in "US":
        text = arr.astype(str) if kind == "S" else arr
        heads = _run_heads(text)
        hv = text[heads]
        labels_u, inv = np.unique(hv, return_inverse=True)
        codes_u = _expand(inv.astype(np.int64), heads, n, labels_u.shape[0])
        return Encoded(codes_u, labels_u.astype(object))
    if kind == "O":
        return _encode_object(arr, None, field=field)
    raise InvalidParameterError(f"column {field!r}: cannot use dtype {arr.dtype} as keys")


class Column:
    """One attribute column: its kind, its data and (categorical) its labels.

    ``data`` per kind: ``float`` float64 (NaN null), ``int`` a signed or
    unsigned integer dtype no wider than the input's and than int64 (see
    :func:`_int_data`; no null; :meth:`decode` widens to int64), ``bool`` bool (no
    null), ``datetime`` int64 ns UTC (NaT sentinel null), ``date`` int64 days
    since 1970-01-01 (NaT sentinel null), ``category`` int32 codes into
    ``labels`` (``-1`` null).
    """

    __slots__ = ("data", "kind", "labels")

    def __init__(
        self, kind: ColumnKind, data: npt.NDArray[Any], labels: npt.NDArray[Any] | None = None
    ) -> None:
        self.kind: ColumnKind = kind
        self.data = data
        self.labels = labels
        data.setflags(write=False)
        if labels is not None:
            labels.setflags(write=False)

    def __len__(self) -> int:
        return int(self.data.shape[0])

    def null_mask(self) -> _B:
        """Rows without a value."""
        out: _B
        if self.kind == "float":
            out = np.isnan(self.data)
        elif self.kind in ("datetime", "date"):
            out = self.data == NAT
        elif self.kind == "category":
            out = self.data < 0
        else:
            out = np.zeros(self.data.shape, dtype=bool)
        return out

    def decode(self) -> npt.NDArray[Any]:
        """Values for the user: float/int64/bool arrays, ``datetime64[ns]`` (UTC),
        ``datetime64[D]`` or an object array of labels with None for nulls."""
        if self.kind == "int":
            return self.data.astype(np.int64, copy=False)
        if self.kind == "datetime":
            return self.data.view("datetime64[ns]")
        if self.kind == "date":
            return self.data.view("datetime64[D]")
        if self.kind == "category":
            assert self.labels is not None
            out = np.empty(self.data.shape, dtype=object)
            valid = self.data >= 0
            out[valid] = self.labels[self.data[valid]]
            return out
        return self.data

    def take(self, idx: npt.NDArray[np.intp] | npt.NDArray[np.int64]) -> Column:
        """Rows ``idx`` (labels kept; see :meth:`compact`)."""
        return Column(self.kind, self.data[idx], self.labels)

    def compact(self) -> Column:
        """Drop unused categories (codes stay in sorted-label order)."""
        if self.kind != "category" or self.labels is None:
            return self
        valid = self.data >= 0
        used = np.bincount(self.data[valid], minlength=self.labels.shape[0]) > 0
        if used.all():
            return self
        lut = np.cumsum(used) - 1
        data = np.where(valid, lut[np.where(valid, self.data, 0)], -1).astype(np.int32)
        return Column("category", data, self.labels[used])

    def equals(self, other: Column) -> bool:
        """Same kind, same values (categorical: same decoded labels)."""
        if self.kind != other.kind or self.data.shape != other.data.shape:
            return False
        if self.kind == "category":
            return bool(np.array_equal(self.decode(), other.decode()))
        if self.kind == "float":
            return bool(np.array_equal(self.data, other.data, equal_nan=True))
        return bool(np.array_equal(self.data, other.data))

    def null_like(self, n: int) -> Column:
        """A column of ``n`` nulls of this kind (int and bool widen to float)."""
        if self.kind in ("float", "int", "bool"):
            return Column("float", np.full(n, np.nan))
        if self.kind in ("datetime", "date"):
            return Column(self.kind, np.full(n, NAT, dtype=np.int64))
        return Column("category", np.full(n, -1, dtype=np.int32), np.empty(0, dtype=object))


def _category(values: Any, *, field: str) -> Column:
    enc = encode_keys(values, field=field)
    labels = enc.labels
    if labels.dtype != object:
        labels = labels.astype(object)
    return Column("category", enc.codes.astype(np.int32, copy=False), labels)


def _datetime(values: Any, *, field: str, tz: _dt.tzinfo | None) -> Column:
    parsed = parse_timestamps(values, field=field, tz=tz)
    if parsed.invalid.any():
        row = int(np.flatnonzero(parsed.invalid)[0])
        raise InvalidRecordError(
            row=row, field=field, value=_value_at(values, row), expected="a valid timestamp"
        )
    return Column("datetime", parsed.ns)


def _value_at(values: Any, row: int) -> object:
    try:
        return values[row]
    except Exception:  # pragma: no cover - exotic containers
        return None


def _dates(values: list[Any], null: _B) -> Column:
    epoch = _dt.date(1970, 1, 1)
    days = np.fromiter(
        (NAT if nl else (v - epoch).days for v, nl in zip(values, null.tolist(), strict=True)),
        dtype=np.int64,
        count=len(values),
    )
    return Column("date", days)


_NULL_TYPE_NAMES = ("NoneType", "NaTType", "NAType")
_NUMERIC = (int, float, np.integer, np.floating)


def _is_str_or_none(k: type) -> bool:
    return k is type(None) or issubclass(k, str)


def _object_fast_path(arr: npt.NDArray[Any], *, field: str) -> Column | None:
    """Strings or numbers (with None) classified by the set of element types only.

    First the run heads (one vectorised neighbour comparison): two neighbours
    share a run only when ``==`` holds, and a ``str`` equals only a ``str``
    (``None`` only ``None``), so when every run head is a string or None,
    every value is. Otherwise ``set(map(type, items))`` runs at C speed; only
    the mixtures it cannot decide exactly (NaN floats among strings,
    booleans, dates, pandas NA...) return None and take the element-wise path.
    """
    n = arr.shape[0]
    heads = _run_heads(arr)
    if heads.shape[0] < n and all(map(_is_str_or_none, set(map(type, arr[heads].tolist())))):
        enc = _encode_object(arr, heads, field=field)  # the heads serve the encoding too
        return Column(
            "category",
            enc.codes.astype(np.int32, copy=False),
            enc.labels.astype(object, copy=False),
        )
    items = arr.tolist()
    kinds = set(map(type, items))
    rest = {k for k in kinds if k.__name__ not in _NULL_TYPE_NAMES}
    if all(issubclass(k, str) for k in rest):  # strings (or no value at all)
        return _category(arr, field=field)
    if kinds - rest - {type(None)}:  # NaT / pandas NA among the values
        return None
    if rest == {_dt.date}:  # dates (exactly, not datetimes) with None -> NaT
        return Column("date", np.array(items, dtype="datetime64[D]").view(np.int64))
    if not all(issubclass(k, _NUMERIC) and not issubclass(k, bool | np.bool_) for k in rest):
        return None
    has_none = type(None) in kinds
    if not has_none and all(issubclass(k, int | np.integer) for k in rest):
        return Column("int", np.array(items, dtype=np.int64))
    f = arr.astype(np.float64)  # None -> NaN
    if bool(np.isnan(f).all()):  # no value at all: the element-wise path decides
        return None
    return Column("float", f)


_NARROW_INTS = (np.int8, np.int16, np.int32)


def _int_data(arr: npt.NDArray[Any], *, copy: bool) -> npt.NDArray[Any]:
    """An integer column's storage, never wider than the input: with ``copy`` the
    narrowest signed dtype holding every value (amounts in minor units mostly fit
    int32), else the input's own dtype in native byte order; uint64 values beyond
    int64 wrap as ``astype`` does. :meth:`Column.decode` widens to int64."""
    if copy and arr.shape[0] and arr.dtype.itemsize > 1:
        lo, hi = int(arr.min()), int(arr.max())
        for t in _NARROW_INTS:
            info = np.iinfo(t)
            if info.bits // 8 < arr.dtype.itemsize and info.min <= lo and hi <= info.max:
                return arr.astype(t)
    if arr.dtype.itemsize == 8 and arr.dtype.kind == "u":
        return arr.astype(np.int64)
    return _viewed(arr.astype(arr.dtype.newbyteorder("="), copy=copy), arr)


def _viewed(data: npt.NDArray[Any], arr: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """``data``, or a new view of it when it is the caller's array object itself (so
    that making the column read-only never touches the caller's array's flags)."""
    return data.view() if data is arr else data


def encode_attribute(
    values: Any, *, field: str, tz: _dt.tzinfo | None = None, copy: bool = True
) -> Column:
    """Encode an attribute column into a :class:`Column`.

    Strings become categories (never guessed to be dates: pm4py's habit of
    parsing every string column as a date is a source of surprises), numbers
    stay numbers (integers with nulls widen to float with NaN; integers keep
    their width in storage, see :class:`Column`), datetimes are parsed like the
    timestamp column (naive needs ``tz``), dates stay dates.

    ``copy=False`` lets a numeric, boolean or ``datetime64[D]`` numpy column be
    used as it is (a read-only view of the caller's array): only for columns
    that are reduced into new arrays before the caller sees them again (the
    per-event case attributes of :meth:`EventLog.from_columns`).

    Examples
    --------
    >>> encode_attribute([1, None, 3], field="level").decode().tolist()
    [1.0, nan, 3.0]
    >>> encode_attribute(["x", None], field="reason").decode().tolist()
    ['x', None]
    """
    arrow = arrow_column(values)
    if arrow is not None:  # pyarrow, or pandas backed by pyarrow
        parts = arrow_attribute_parts(arrow, field=field, tz=tz)
        if parts is not None:
            kind_a, data_a, labels_a = parts
            if kind_a == "int":
                data_a = _int_data(data_a, copy=True)
            return Column(kind_a, data_a, labels_a)  # type: ignore[arg-type]
        check_pyarrow_type(arrow, field=field)
        values = arrow.to_numpy()
    dtype = getattr(values, "dtype", None)
    mod = _module_of(values)
    if mod == "pandas" and getattr(dtype, "name", None) == "category":
        return _category(values, field=field)
    if mod == "polars":
        name = type(dtype).__name__
        if name in ("Categorical", "Enum", "String", "Utf8"):
            return _category(values, field=field)
        if name == "Datetime":
            return _datetime(values, field=field, tz=tz)
        if name == "Date":
            null = np.asarray(values.is_null().to_numpy(), dtype=bool)
            phys = np.asarray(values.to_physical().fill_null(0).to_numpy()).astype(np.int64)
            return Column("date", np.where(null, NAT, phys))
    if mod == "pandas" and getattr(dtype, "kind", None) == "M":
        return _datetime(values, field=field, tz=tz)
    arr = to_array(values, field=field)
    kind = arr.dtype.kind
    if kind == "b":
        return Column("bool", _viewed(arr.astype(bool, copy=copy), arr))
    if kind in "iu":
        return Column("int", _int_data(arr, copy=copy))
    if kind == "f":
        return Column("float", _viewed(arr.astype(np.float64, copy=copy), arr))
    if kind == "M":
        unit, _ = np.datetime_data(arr.dtype)
        if unit in ("D", "W", "M", "Y"):
            days = arr.astype("datetime64[D]", copy=copy).view(np.int64)
            return Column("date", days)
        return _datetime(arr, field=field, tz=tz)
    if kind in "US":
        return _category(arr, field=field)
    if kind != "O":
        raise InvalidParameterError(f"attribute {field!r}: unsupported dtype {arr.dtype}")
    fast = _object_fast_path(arr, field=field)
    if fast is not None:
        return fast
    items = arr.tolist()
    null = np.fromiter(map(_is_null, items), dtype=bool, count=len(items))
    kinds = {type(v) for v, nl in zip(items, null.tolist(), strict=True) if not nl}
    if not kinds or all(issubclass(k, str) for k in kinds):
        return _category(arr, field=field)
    if all(issubclass(k, bool | np.bool_) for k in kinds):
        if not null.any():
            return Column("bool", np.array(items, dtype=bool))
        return Column(
            "float",
            np.array(
                [np.nan if nl else float(v) for v, nl in zip(items, null.tolist(), strict=True)]
            ),
        )
    numeric = (int, float, np.integer, np.floating)
    if all(issubclass(k, numeric) and not issubclass(k, bool | np.bool_) for k in kinds):
        if not null.any() and all(issubclass(k, int | np.integer) for k in kinds):
            return Column("int", np.array(items, dtype=np.int64))
        return Column(
            "float",
            np.array(
                [np.nan if nl else float(v) for v, nl in zip(items, null.tolist(), strict=True)]
            ),
        )
    if all(issubclass(k, _dt.datetime) for k in kinds):
        return _datetime(arr, field=field, tz=tz)
    if all(issubclass(k, _dt.date) and not issubclass(k, _dt.datetime) for k in kinds):
        return _dates(items, null)
    first_kind = type(next(v for v, nl in zip(items, null.tolist(), strict=True) if not nl))
    for i, (v, nl) in enumerate(zip(items, null.tolist(), strict=True)):
        if not nl and type(v) is not first_kind:
            raise InvalidRecordError(
                row=i,
                field=field,
                value=v,
                expected=(
                    f"values of one kind like the column's first value ({first_kind.__name__}):"
                    " strings, numbers, booleans, dates or datetimes"
                ),
            )
    raise InvalidRecordError(  # pragma: no cover - one kind but not supported
        row=0,
        field=field,
        value=items[0],
        expected="strings, numbers, booleans, dates or datetimes",
    )
