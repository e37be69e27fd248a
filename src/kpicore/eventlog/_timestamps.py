"""Parse timestamp columns into int64 nanoseconds since the epoch, UTC.

Accepted per column (see :func:`parse_timestamps`):

* numpy ``datetime64`` of any unit. Units of a day or coarser (``D``, ``W``,
  ``M``, ``Y``) are calendar dates and become midnight UTC; finer units are
  UTC instants (numpy has no time zone: this is its own convention), unless
  ``tz=`` names the zone their wall-clock times are in;
* pandas columns (duck-typed, pandas is never imported): tz-aware ones are
  converted through their own UTC values; naive ones are naive;
* polars columns (duck-typed): ``Datetime`` with or without ``time_zone``,
  ``Date``;
* sequences of aware :class:`datetime.datetime` (pandas ``Timestamp``
  included, nanoseconds kept), of :class:`datetime.date` (midnight UTC), of
  ISO-8601 strings with an offset (``Z``, ``+HH:MM``...) or date-only ISO
  strings (midnight UTC);
* epoch numbers (int or float) when ``unit=`` is given (``"s"``, ``"ms"``,
  ``"us"``, ``"ns"`` or ``"D"``).

Naive values (naive datetimes, ISO strings without offset, naive pandas or
polars datetime columns) raise :class:`~kpicore.errors.NaiveDatetimeError`
naming the row and column unless ``tz=`` is given; with ``tz=`` they are read
as wall-clock times in that zone (ambiguous times take the first occurrence,
``fold=0``, as :mod:`zoneinfo` does). pm4py instead labels naive values as UTC
and shifts non-UTC aware ones with ``replace`` (pm4py issue #561): kpicore never
guesses a zone.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from kpicore.errors import InvalidParameterError, NaiveDatetimeError

__all__ = ["NAT", "TimestampParse", "parse_timestamps", "timestamp_bound"]

#: The int64 sentinel for "no timestamp" (numpy's NaT bit pattern).
NAT = np.iinfo(np.int64).min

_I64 = npt.NDArray[np.int64]
_B = npt.NDArray[np.bool_]

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_EPOCH_NAIVE = _dt.datetime(1970, 1, 1)
_EPOCH_DATE = _dt.date(1970, 1, 1)
_US = _dt.timedelta(microseconds=1)
_NS_PER_DAY = 86_400_000_000_000
_NS_PER_HOUR = 3_600_000_000_000
_UNIT_NS = {"D": _NS_PER_DAY, "s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
_MIN_NS = -(2**63) + 1
_MAX_NS = 2**63 - 1
_DATE_UNITS = frozenset({"D", "W", "M", "Y"})
_SUB_DAY_NS = {"h": 3_600 * 10**9, "m": 60 * 10**9, "s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}


class TimestampParse:
    """Parsed timestamps: ``ns`` plus masks of null and unparsable rows."""

    __slots__ = ("invalid", "ns", "null")

    def __init__(self, ns: _I64, null: _B, invalid: _B) -> None:
        self.ns = ns
        self.null = null
        self.invalid = invalid


def _is_null(v: object) -> bool:
    if v is None:
        return True
    if isinstance(v, float):
        return math.isnan(v)
    name = type(v).__name__
    if name in ("NaTType", "NAType"):
        return True
    return isinstance(v, np.datetime64) and bool(np.isnat(v))


def _localize(naive: _dt.datetime, tz: _dt.tzinfo) -> _dt.datetime:
    localize = getattr(tz, "localize", None)  # pytz zones need localize(), not replace()
    if callable(localize):
        out = localize(naive)
        assert isinstance(out, _dt.datetime)
        return out
    return naive.replace(tzinfo=tz)


def _offset_ns(wall_ns: int, tz: _dt.tzinfo) -> int:
    wall = _EPOCH_NAIVE + _dt.timedelta(microseconds=wall_ns // 1000)
    off = _localize(wall, tz).utcoffset()
    return 0 if off is None else (off // _US) * 1000


def localize_wall(wall: _I64, valid: _B, tz: _dt.tzinfo) -> _I64:
    """Wall-clock ns in ``tz`` -> UTC ns, vectorised over unique hours.

    The offset is computed once per distinct wall-clock hour (at its start and
    its end); hours whose two offsets differ (a transition inside the hour) are
    resolved value by value.
    """
    out = wall.copy()
    if not valid.any():
        return out
    w = wall[valid]
    hours = w // _NS_PER_HOUR
    uh, inv = np.unique(hours, return_inverse=True)
    start_off = np.array([_offset_ns(int(h) * _NS_PER_HOUR, tz) for h in uh], dtype=np.int64)
    end_off = np.array(
        [_offset_ns((int(h) + 1) * _NS_PER_HOUR - 1000, tz) for h in uh], dtype=np.int64
    )
    off = start_off[inv]
    unsure = (start_off != end_off)[inv]
    if unsure.any():
        idx = np.flatnonzero(unsure)
        uv, vinv = np.unique(w[idx], return_inverse=True)
        exact = np.array([_offset_ns(int(v), tz) for v in uv], dtype=np.int64)
        off[idx] = exact[vinv]
    out[valid] = w - off
    return out


def _check_tz(tz: object) -> _dt.tzinfo | None:
    if tz is None or isinstance(tz, _dt.tzinfo):
        return tz
    raise InvalidParameterError(f"tz must be a datetime.tzinfo (e.g. ZoneInfo(...)), got {tz!r}")


def _overflowed(arr: npt.NDArray[np.datetime64], raw: _I64, null: _B) -> _B:
    """Rows of a sub-ns ``datetime64`` column outside the int64-ns range: those that do
    not survive the round trip through ``datetime64[ns]``. Only the rows beyond the
    range of exact multiplication are tried (usually none: no per-row temporaries)."""
    unit, count = np.datetime_data(arr.dtype)
    per = _SUB_DAY_NS.get(unit, 0) * count  # 0: finer than 1 ns (ps, fs, as)
    invalid = np.zeros(raw.shape, dtype=bool)
    if per == 0:  # finer than 1 ns: rows not a whole ns lose precision too, try them all
        rows = np.flatnonzero(~null)
    else:
        lim = _MAX_NS // per - 1  # one unit of margin: numpy's floor division back
        rows = np.flatnonzero(~null & ((raw > lim) | (raw < -lim)))  # can overflow too
    if rows.shape[0]:
        sub = arr[rows]
        back = sub.astype("datetime64[ns]").astype(arr.dtype).view(np.int64)
        invalid[rows] = back != raw[rows]
    return invalid


def _datetime64_to_ns(
    arr: npt.NDArray[np.datetime64], *, field: str, tz: _dt.tzinfo | None, naive: bool
) -> TimestampParse:
    unit, _count = np.datetime_data(arr.dtype)
    raw = arr.view(np.int64)
    null = raw == NAT
    if unit in _DATE_UNITS:
        days = arr.astype("datetime64[D]").view(np.int64)
        ok = (days > -106_000) & (days < 106_000)  # inside the int64-ns range
        invalid = ~null & ~ok
        ns = np.where(null | invalid, NAT, days * _NS_PER_DAY)
        return TimestampParse(ns.astype(np.int64), null, invalid)
    if unit == "generic":
        raise InvalidParameterError(f"column {field!r}: datetime64 without a unit")
    if unit == "ns" and _count == 1:
        ns = raw.copy()  # NaT is the NAT sentinel already; nothing can overflow
        invalid = np.zeros(raw.shape, dtype=bool)
    else:
        ns = arr.astype("datetime64[ns]").view(np.int64)
        invalid = _overflowed(arr, raw, null)
        ns[invalid] = NAT
    if naive:
        if tz is None:
            first = int(np.flatnonzero(~null)[0]) if (~null).any() else None
            if first is not None:
                raise NaiveDatetimeError(row=first, field=field, value=str(arr[first]))
        else:
            ns = localize_wall(ns, ~null & ~invalid, tz)
    elif tz is not None:
        ns = localize_wall(ns, ~null & ~invalid, tz)
    return TimestampParse(ns, null, invalid)


def _numbers_to_ns(arr: npt.NDArray[Any], *, field: str, unit: str | None) -> TimestampParse:
    if unit is None:
        raise InvalidParameterError(
            f"column {field!r} holds numbers: pass unit= ('s', 'ms', 'us', 'ns' or 'D') "
            "to read them as epoch times"
        )
    if unit not in _UNIT_NS:
        raise InvalidParameterError(f"unit must be one of {sorted(_UNIT_NS)}, got {unit!r}")
    factor = _UNIT_NS[unit]
    if arr.dtype.kind == "f":
        null = np.isnan(arr)
        scaled = arr * float(factor)
        invalid = ~null & ~((scaled > _MIN_NS) & (scaled < 9.2e18))
        good = ~null & ~invalid
        ns = np.full(arr.shape, NAT, dtype=np.int64)
        ns[good] = np.rint(scaled[good]).astype(np.int64)
        return TimestampParse(ns, null, invalid)
    ints = arr.astype(np.int64)
    lim = _MAX_NS // factor
    null = np.zeros(arr.shape, dtype=bool)
    invalid = (ints > lim) | (ints < -lim)
    ns = np.where(invalid, NAT, ints * factor)
    return TimestampParse(ns.astype(np.int64), null, invalid)


def _datetime_objects_to_ns(
    values: list[Any], rows: _I64, *, field: str, tz: _dt.tzinfo | None
) -> _I64:
    out = np.empty(len(values), dtype=np.int64)
    for i, d in enumerate(values):
        if d.tzinfo is None or d.utcoffset() is None:
            if tz is None:
                raise NaiveDatetimeError(row=int(rows[i]), field=field, value=d)
            d = _localize(d, tz)
        out[i] = ((d - _EPOCH) // _US) * 1000 + int(getattr(d, "nanosecond", 0))
    return out


def _parse_one_iso(s: str, *, tz: _dt.tzinfo | None, row: int, field: str) -> int | None:
    """One ISO string -> ns, None when unparsable; naive without tz raises."""
    text = s.strip()
    try:
        if len(text) <= 10:
            return (_dt.date.fromisoformat(text) - _EPOCH_DATE).days * _NS_PER_DAY
        d = _dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if d.tzinfo is None:
        if tz is None:
            raise NaiveDatetimeError(row=row, field=field, value=s)
        d = _localize(d, tz)
    return ((d - _EPOCH) // _US) * 1000 + _extra_ns(text)


def _extra_ns(text: str) -> int:
    """Digits of a fraction beyond microseconds (``fromisoformat`` drops them)."""
    dot = text.find(".", 10)
    if dot < 0:
        return 0
    end = dot + 1
    while end < len(text) and text[end].isdigit():
        end += 1
    frac = text[dot + 1 : end]
    if len(frac) <= 6:
        return 0
    return int(frac[6:9].ljust(3, "0"))


def _strings_to_ns(
    strings: npt.NDArray[np.str_], rows: _I64, *, field: str, tz: _dt.tzinfo | None
) -> TimestampParse:
    """Vectorised ISO-8601 parsing, grouped by string length.

    Within a group of equal length, a trailing ``Z`` or ``±HH:MM`` is cut off
    column-wise, the rest parsed by numpy's C parser and the offset
    subtracted; anything else falls back to :func:`datetime.fromisoformat`
    once per distinct string.
    """
    n = strings.shape[0]
    ns = np.full(n, NAT, dtype=np.int64)
    null = np.zeros(n, dtype=bool)
    invalid = np.zeros(n, dtype=bool)
    if n == 0:
        return TimestampParse(ns, null, invalid)
    width = strings.dtype.itemsize // 4
    codes = strings.view(np.uint32).reshape(n, width) if width else np.zeros((n, 0), np.uint32)
    lengths = np.char.str_len(strings)
    fallback = np.zeros(n, dtype=bool)
    null |= lengths == 0
    for length in np.unique(lengths).tolist():
        if length == 0:
            continue
        idx = np.flatnonzero(lengths == length)
        block = codes[idx, :length]
        if length == 10:  # date only: midnight UTC
            body_len, off = 10, np.zeros(idx.shape[0], dtype=np.int64)
            naive = np.zeros(idx.shape[0], dtype=bool)
        else:
            zulu = block[:, -1] == ord("Z")
            if length >= 16:
                sign_ch = block[:, length - 6]
                colon = block[:, length - 3] == ord(":")
                signed = ((sign_ch == ord("+")) | (sign_ch == ord("-"))) & colon
                dig = block[:, length - 5 :].astype(np.int64) - ord("0")
                digits_ok = (dig[:, [0, 1, 3, 4]] >= 0).all(axis=1) & (
                    dig[:, [0, 1, 3, 4]] <= 9
                ).all(axis=1)
                signed &= digits_ok
            else:
                signed = np.zeros(idx.shape[0], dtype=bool)
                dig = np.zeros((idx.shape[0], 5), dtype=np.int64)
            naive = ~zulu & ~signed
            if zulu.all():
                body_len, off = length - 1, np.zeros(idx.shape[0], dtype=np.int64)
            elif signed.all():
                minutes = (dig[:, 0] * 10 + dig[:, 1]) * 60 + dig[:, 3] * 10 + dig[:, 4]
                sign = np.where(block[:, length - 6] == ord("-"), -1, 1)
                body_len, off = length - 6, sign * minutes * 60_000_000_000
            elif naive.all() and tz is not None:
                body_len, off = length, np.zeros(idx.shape[0], dtype=np.int64)
            else:  # mixed suffixes within one length, or naive without tz
                fallback[idx] = True
                continue
        body = np.ascontiguousarray(block[:, :body_len]).view(f"<U{body_len}").ravel()
        try:
            parsed = np.array(body, dtype="datetime64[ns]")
        except ValueError:
            fallback[idx] = True
            continue
        raw = parsed.view(np.int64)
        is_nat = raw == NAT
        if is_nat.any():  # 'NaT' text: numpy reads it as null
            null[idx[is_nat]] = True
        if length > 10 and naive.all():
            raw = localize_wall(raw, ~is_nat, tz) if tz is not None else raw
            ns[idx] = raw
        else:
            ns[idx] = np.where(is_nat, NAT, raw - off)
    if fallback.any():
        fidx = np.flatnonzero(fallback)
        uniq, inv = np.unique(strings[fidx], return_inverse=True)
        first_row = np.full(uniq.shape[0], -1, dtype=np.int64)
        first_row[inv[::-1]] = fidx[::-1]
        parsed_u = np.full(uniq.shape[0], NAT, dtype=np.int64)
        bad_u = np.zeros(uniq.shape[0], dtype=bool)
        null_u = np.zeros(uniq.shape[0], dtype=bool)
        for j, s in enumerate(uniq.tolist()):
            if s.strip() in ("", "NaT"):  # numpy's and pandas' text for a missing instant
                null_u[j] = True
                continue
            r = int(rows[first_row[j]])
            v = _parse_one_iso(s, tz=tz, row=r, field=field)
            if v is None or not (_MIN_NS <= v <= _MAX_NS):
                bad_u[j] = True
            else:
                parsed_u[j] = v
        ns[fidx] = parsed_u[inv]
        invalid[fidx] = bad_u[inv]
        null[fidx] = null_u[inv]
    return TimestampParse(ns, null, invalid)


def _objects_to_ns(
    arr: npt.NDArray[np.object_], *, field: str, tz: _dt.tzinfo | None, unit: str | None
) -> TimestampParse:
    n = arr.shape[0]
    kinds = set(map(type, arr.tolist()))
    if kinds == {str}:
        return _strings_to_ns(arr.astype(str), np.arange(n, dtype=np.int64), field=field, tz=tz)
    ns = np.full(n, NAT, dtype=np.int64)
    null = np.zeros(n, dtype=bool)
    invalid = np.zeros(n, dtype=bool)
    str_rows: list[int] = []
    dt_rows: list[int] = []
    num_rows: list[int] = []
    for i, v in enumerate(arr.tolist()):
        if _is_null(v):
            null[i] = True
        elif isinstance(v, str):
            str_rows.append(i)
        elif isinstance(v, _dt.datetime):
            dt_rows.append(i)
        elif isinstance(v, _dt.date):
            ns[i] = (v - _EPOCH_DATE).days * _NS_PER_DAY
        elif isinstance(v, np.datetime64):
            sub = _datetime64_to_ns(np.array([v]), field=field, tz=tz, naive=False)
            ns[i] = sub.ns[0]
            invalid[i] = sub.invalid[0]
        elif isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool):
            num_rows.append(i)
        else:
            invalid[i] = True
    if str_rows:
        r = np.array(str_rows, dtype=np.int64)
        sub = _strings_to_ns(arr[r].astype(str), r, field=field, tz=tz)
        ns[r], null[r], invalid[r] = sub.ns, sub.null, sub.invalid
    if dt_rows:
        r = np.array(dt_rows, dtype=np.int64)
        ns[r] = _datetime_objects_to_ns(arr[r].tolist(), r, field=field, tz=tz)
    if num_rows:
        r = np.array(num_rows, dtype=np.int64)
        nums = np.array(arr[r].tolist())
        if unit is None:
            raise InvalidParameterError(
                f"column {field!r} holds numbers (row {int(r[0])}): pass unit= to read "
                "them as epoch times"
            )
        sub = _numbers_to_ns(nums, field=field, unit=unit)
        ns[r], null[r], invalid[r] = sub.ns, sub.null, sub.invalid
    return TimestampParse(ns, null, invalid)


def _from_pandas(values: Any, *, field: str, tz: _dt.tzinfo | None) -> TimestampParse | None:
    dtype = getattr(values, "dtype", None)
    if getattr(dtype, "kind", None) != "M" or not hasattr(values, "to_numpy"):
        return None
    if getattr(dtype, "tz", None) is not None:  # tz-aware pandas: its UTC instants
        conv = values.dt.tz_convert(None) if hasattr(values, "dt") else values.tz_convert(None)
        arr = np.asarray(conv.to_numpy())
        return _datetime64_to_ns(arr, field=field, tz=None, naive=False)
    arr = np.asarray(values.to_numpy())
    return _datetime64_to_ns(arr, field=field, tz=tz, naive=True)


def _from_polars(values: Any, *, field: str, tz: _dt.tzinfo | None) -> TimestampParse | None:
    dtype: Any = getattr(values, "dtype", None)
    name = type(dtype).__name__
    if name not in ("Datetime", "Date") or not hasattr(values, "to_physical"):
        return None
    null = np.asarray(values.is_null().to_numpy(), dtype=bool)
    phys = np.asarray(values.to_physical().fill_null(0).to_numpy()).astype(np.int64)
    if name == "Date":
        invalid = np.zeros(null.shape, dtype=bool)
        return TimestampParse(np.where(null, NAT, phys * _NS_PER_DAY), null, invalid)
    sub = _numbers_to_ns(phys, field=field, unit=str(dtype.time_unit))
    ns = np.where(null, NAT, sub.ns)
    invalid = sub.invalid & ~null
    if dtype.time_zone is None:
        if tz is None:
            if (~null).any():
                first = int(np.flatnonzero(~null)[0])
                raise NaiveDatetimeError(row=first, field=field, value=values[first])
        else:
            ns = localize_wall(ns, ~null & ~invalid, tz)
    return TimestampParse(ns, null, invalid)


def parse_timestamps(
    values: Any,
    *,
    field: str,
    tz: _dt.tzinfo | None = None,
    unit: str | None = None,
) -> TimestampParse:
    """Parse one timestamp column into int64 ns UTC.

    Parameters
    ----------
    values:
        The column (see the module documentation for what is accepted).
    field:
        Column name, used in error messages.
    tz:
        Zone of naive values; ``None`` makes naive values an error.
    unit:
        Unit of epoch numbers.

    Returns
    -------
    TimestampParse
        ``ns`` (NaT sentinel where null or invalid), ``null`` and ``invalid``
        row masks.

    Raises
    ------
    NaiveDatetimeError
        On a naive value without ``tz``, naming its row and the column.

    Examples
    --------
    >>> p = parse_timestamps(["2024-01-01T00:00:00-03:00", None], field="ts")
    >>> p.ns[0], bool(p.null[1])
    (np.int64(1704078000000000000), True)
    """
    tz = _check_tz(tz)
    from ._arrow import arrow_column, arrow_timestamps, check_pyarrow_type

    arrow = arrow_column(values)
    if arrow is not None:  # pyarrow, or pandas backed by pyarrow: the int64 view
        got_arrow = arrow_timestamps(arrow, field=field, tz=tz)
        if got_arrow is not None:
            return got_arrow
        check_pyarrow_type(arrow, field=field)
        values = arrow.to_numpy()
    for special in (_from_pandas, _from_polars):
        got = special(values, field=field, tz=tz)
        if got is not None:
            return got
    if hasattr(values, "to_numpy") and not isinstance(values, np.ndarray):
        values = values.to_numpy()
    if isinstance(values, np.ndarray):
        arr = values
    else:
        seq = values if isinstance(values, Sequence) else list(values)
        arr = np.empty(len(seq), dtype=object)
        arr[:] = list(seq)
        kinds = set(map(type, seq))
        if kinds and kinds <= {int, float}:
            arr = np.array(seq)
    if arr.ndim != 1:
        raise InvalidParameterError(f"column {field!r} must be one-dimensional")
    kind = arr.dtype.kind
    if kind == "M":
        return _datetime64_to_ns(arr, field=field, tz=tz, naive=False)
    if kind in "iuf":
        return _numbers_to_ns(arr, field=field, unit=unit)
    if kind == "U":
        return _strings_to_ns(arr, np.arange(arr.shape[0], dtype=np.int64), field=field, tz=tz)
    if kind == "O":
        return _objects_to_ns(arr, field=field, tz=tz, unit=unit)
    raise InvalidParameterError(f"column {field!r}: cannot read timestamps from dtype {arr.dtype}")


def timestamp_bound(value: object, *, name: str, end: bool) -> int:
    """One bound of a time window as ns UTC.

    Accepts an aware datetime, a date (start of day for a start bound, last
    nanosecond of the day for an end bound: a closed window ``[d1, d2]`` of
    dates covers both whole days), an ISO string with offset (or date-only),
    a ``numpy.datetime64`` (UTC) or an int of ns.

    Examples
    --------
    >>> timestamp_bound(_dt.date(1970, 1, 2), name="end", end=True)
    172799999999999
    """
    if isinstance(value, bool):
        raise InvalidParameterError(f"{name}: expected a datetime, got {value!r}")
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise NaiveDatetimeError(field=name, value=value)
        return ((value - _EPOCH) // _US) * 1000 + int(getattr(value, "nanosecond", 0))
    if isinstance(value, _dt.date):
        day = (value - _EPOCH_DATE).days
        return (day + 1) * _NS_PER_DAY - 1 if end else day * _NS_PER_DAY
    if isinstance(value, str) and len(value.strip()) <= 10:
        try:
            d = _dt.date.fromisoformat(value.strip())
        except ValueError as exc:
            raise InvalidParameterError(f"{name}: cannot parse {value!r} as a date") from exc
        return timestamp_bound(d, name=name, end=end)
    if isinstance(value, str | np.datetime64):
        parsed = parse_timestamps([value], field=name)
        if parsed.null[0] or parsed.invalid[0]:
            raise InvalidParameterError(f"{name}: cannot parse {value!r} as a timestamp")
        return int(parsed.ns[0])
    raise InvalidParameterError(f"{name}: expected a datetime, date or ISO string, got {value!r}")
