"""Shared helpers of the process-mining formats (:mod:`kpicore.xes`, :mod:`kpicore.ocel`).

Sources and targets are what the caller holds: text, bytes or a file object
the caller opened (the library opens no path). ISO-8601 instants are parsed
into int64 nanoseconds since the epoch (UTC) plus the offset of the text in
minutes, so that writing them back restores the offset the source had.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from kpicore.errors import InvalidParameterError, InvalidRecordError, NaiveDatetimeError

__all__ = [
    "CHUNK",
    "Record",
    "format_float",
    "format_instants",
    "iter_text",
    "parse_bool",
    "parse_floats",
    "parse_instants",
    "parse_ints",
    "write_chunks",
    "xml_attr",
    "xml_text_ok",
]

#: Characters read or written per chunk (1 MiB).
CHUNK = 1 << 20
_NAT = np.iinfo(np.int64).min
_NS_PER_MIN = 60_000_000_000
_GZIP_MAGIC = b"\x1f\x8b"
_OFFSET = re.compile(r"([+-])(\d\d):?(\d\d)$")
#: Characters XML 1.0 cannot hold (control characters other than tab, LF, CR; surrogates).
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ATTR_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;",
     "\t": "&#9;"}
)  # fmt: skip

#: Names a record in an error: ``(record id or None, row or None)``.
Record = Callable[[int], tuple[object, int | None]]


def iter_text(source: Any, *, what: str, first: str) -> Iterator[str | bytes]:
    """The chunks of ``source``: a ``str`` holding the document, ``bytes``, or a file object.

    Bytes and binary files starting with the gzip magic number are decompressed
    as they stream (``.xes.gz``). A ``str`` must be the document itself
    (starting with ``first`` after white space): the library never opens a path.
    """
    if isinstance(source, str):
        if not source.lstrip("\ufeff \t\r\n").startswith(first):
            raise InvalidParameterError(
                f"{what}: a str must hold the document itself (it starts with {first!r}), got "
                f"{source[:40]!r}; kpicore opens no paths: pass open(path, 'rb') instead"
            )
        for i in range(0, len(source), CHUNK):
            yield source[i : i + CHUNK]
        return
    if isinstance(source, bytes | bytearray | memoryview):
        view = memoryview(source).cast("B")
        parts = (bytes(view[i : i + CHUNK]) for i in range(0, len(view), CHUNK))
        if bytes(view[:2]) == _GZIP_MAGIC:
            yield from _gunzip(parts)
        else:
            yield from parts
        return
    read = getattr(source, "read", None)
    if not callable(read):
        raise InvalidParameterError(
            f"{what}: expected the document as str or bytes, or a file object opened by the "
            f"caller, got {type(source).__name__}"
        )

    def chunks() -> Iterator[Any]:
        while True:
            part = read(CHUNK)
            if not part:
                return
            yield part

    it = chunks()
    head = next(it, None)
    if head is None:
        return
    if isinstance(head, bytes) and head[:2] == _GZIP_MAGIC:
        yield from _gunzip(_prepend(head, it))
        return
    yield head
    yield from it


def _prepend(head: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield head
    yield from rest


def _gunzip(parts: Iterable[bytes]) -> Iterator[bytes]:
    d = zlib.decompressobj(wbits=31)
    for part in parts:
        out = d.decompress(part, CHUNK)
        while out:
            yield out
            out = d.decompress(d.unconsumed_tail, CHUNK) if d.unconsumed_tail else b""
    tail = d.flush()
    if tail:
        yield tail


def write_chunks(chunks: Iterable[str], target: Any) -> str | None:
    """Join ``chunks`` into a ``str`` (``target=None``) or write them to a file object.

    A binary file object (one whose ``mode`` has ``"b"`` or an
    :class:`io.BufferedIOBase` / :class:`io.RawIOBase`) gets UTF-8 bytes.
    """
    if target is None:
        return "".join(chunks)
    write = getattr(target, "write", None)
    if not callable(write):
        raise InvalidParameterError(
            f"target must be None (return a str) or a file object opened by the caller, got "
            f"{type(target).__name__}"
        )
    binary = isinstance(target, io.BufferedIOBase | io.RawIOBase) or "b" in str(
        getattr(target, "mode", "")
    )
    buf: list[str] = []
    size = 0
    for chunk in chunks:
        buf.append(chunk)
        size += len(chunk)
        if size >= CHUNK:
            text = "".join(buf)
            write(text.encode("utf-8") if binary else text)
            buf, size = [], 0
    if buf:
        text = "".join(buf)
        write(text.encode("utf-8") if binary else text)
    return None


def xml_text_ok(value: str, *, record: object, row: int | None, field: str) -> None:
    """Raise unless ``value`` can be written in XML 1.0."""
    bad = _BAD_XML.search(value)
    if bad is not None:
        raise InvalidRecordError(
            record=record,
            row=row,
            field=field,
            value=value,
            expected=f"text XML 1.0 can hold (character {bad.group()!r} cannot be written)",
        )


def xml_attr(value: str) -> str:
    """``value`` escaped for a double-quoted XML attribute (tabs and newlines kept)."""
    return value.translate(_ATTR_ESCAPES)


def _fail_at(
    record: Record, i: int, field: str, value: object, expected: str
) -> InvalidRecordError:
    rec, row = record(i)
    return InvalidRecordError(record=rec, row=row, field=field, value=value, expected=expected)


def parse_ints(raw: list[str], *, field: str, record: Record) -> npt.NDArray[np.int64]:
    """Decimal integer strings (xs:long) as int64."""
    try:
        return np.array(raw, dtype=object).astype(str).astype(np.int64)
    except (ValueError, OverflowError):
        for i, v in enumerate(raw):
            try:
                n = int(v.strip())
                if not -(2**63) <= n < 2**63:
                    raise ValueError(v)
            except ValueError:
                raise _fail_at(record, i, field, v, "an integer (xs:long)") from None
        raise  # pragma: no cover - numpy and int() disagree


def parse_floats(raw: list[str], *, field: str, record: Record) -> npt.NDArray[np.float64]:
    """xs:double strings (``INF``, ``-INF``, ``NaN`` included) as float64."""
    try:
        return np.array(raw, dtype=object).astype(str).astype(np.float64)
    except ValueError:
        for i, v in enumerate(raw):
            try:
                float(v)
            except ValueError:
                raise _fail_at(record, i, field, v, "a number (xs:double)") from None
        raise  # pragma: no cover - numpy and float() disagree


def parse_bool(raw: list[str], *, field: str, record: Record) -> npt.NDArray[np.bool_]:
    """xs:boolean strings (``true``/``false``/``1``/``0``) as bool."""
    out = np.empty(len(raw), dtype=bool)
    for i, v in enumerate(raw):
        t = v.strip()
        if t in ("true", "1"):
            out[i] = True
        elif t in ("false", "0"):
            out[i] = False
        else:
            raise _fail_at(record, i, field, v, "a boolean: true, false, 1 or 0")
    return out


def parse_instants(
    raw: list[str], *, field: str, record: Record, tz: _dt.tzinfo | None
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int16]]:
    """ISO-8601 date-times as (ns since the epoch UTC, offset in minutes of the text).

    ``Z``, ``+HH:MM`` and ``+HHMM`` offsets are read; a value without an offset
    raises :class:`~kpicore.errors.NaiveDatetimeError` unless ``tz`` names its
    zone (the offset is then that zone's at that wall-clock time). Fractions
    of a second are kept to the nanosecond. The wall-clock part is parsed by
    numpy in one vectorised call.
    """
    n = len(raw)
    offsets = np.zeros(n, dtype=np.int16)
    bodies: list[str] = []
    naive: list[int] = []
    for i, s in enumerate(raw):
        t = s.strip()
        sep = max(t.find("T"), t.find("t"), t.find(" ", 8))
        if t[-1:] in ("Z", "z"):
            bodies.append(t[:-1])
            continue
        m = _OFFSET.search(t, sep + 1) if sep > 0 else None
        if m is not None:
            minutes = int(m.group(2)) * 60 + int(m.group(3))
            offsets[i] = -minutes if m.group(1) == "-" else minutes
            bodies.append(t[: m.start()])
        else:
            bodies.append(t)
            naive.append(i)
    try:
        local = np.array(bodies, dtype="datetime64[ns]").view(np.int64)
    except ValueError:
        for i, b in enumerate(bodies):
            try:
                np.datetime64(b, "ns")
            except ValueError:
                raise _fail_at(
                    record, i, field, raw[i], "an ISO-8601 date-time (xs:dateTime)"
                ) from None
        raise  # pragma: no cover - numpy's vector and scalar parsers disagree
    if bool((local == _NAT).any()):
        i = int(np.flatnonzero(local == _NAT)[0])
        raise _fail_at(record, i, field, raw[i], "an ISO-8601 date-time (xs:dateTime)")
    if naive:
        if tz is None:
            rec, row = record(naive[0])
            raise NaiveDatetimeError(
                record=rec,
                row=row,
                field=field,
                value=raw[naive[0]],
                expected="a date-time with an offset (Z or +HH:MM), or pass tz= to name its zone",
            )
        epoch = _dt.datetime(1970, 1, 1)
        for i in naive:
            wall = epoch + _dt.timedelta(microseconds=int(local[i]) // 1000)
            off = wall.replace(tzinfo=tz).utcoffset() or _dt.timedelta(0)
            offsets[i] = int(off.total_seconds() // 60)
    ns = local - offsets.astype(np.int64) * _NS_PER_MIN
    return ns, offsets


def _offset_text(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    m = abs(minutes)
    return f"{sign}{m // 60:02d}:{m % 60:02d}"


def format_instants(ns: npt.NDArray[np.int64], offsets: npt.NDArray[Any] | None) -> list[str]:
    """ISO-8601 texts of UTC instants, written in their offsets (``+00:00`` without one).

    Milliseconds are always written (``.000``), finer digits only when present,
    so ``parse_instants(format_instants(ns, off))`` gives ``ns`` and ``off`` back.
    """
    off = np.zeros(ns.shape[0], dtype=np.int64) if offsets is None else offsets.astype(np.int64)
    local = (ns + off * _NS_PER_MIN).view("datetime64[ns]")
    text = np.datetime_as_string(local, unit="ns").tolist()
    frac = (ns % 1_000_000).tolist()
    uniq = {int(m): _offset_text(int(m)) for m in np.unique(off).tolist()}
    out = []
    for t, f, m in zip(text, frac, off.tolist(), strict=True):
        if f == 0:
            t = t[:-6]
        elif f % 1000 == 0:
            t = t[:-3]
        out.append(t + uniq[m])
    return out


def format_float(x: float) -> str:
    """xs:double text of ``x`` (shortest repr that reads back exactly; ``INF``, ``NaN``)."""
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "INF" if x > 0 else "-INF"
    return repr(float(x))
