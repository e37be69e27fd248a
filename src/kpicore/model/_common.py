"""Converters and validators shared by the model classes (private).

Converters only coerce what is unambiguous (a list to a tuple, an ISO
``YYYY-MM-DD`` string to a date, a ``date`` to midnight UTC, an enum value to
its member); anything they cannot coerce is passed through unchanged so that
the validator, which runs once every field is set and therefore knows the
record's id, raises a kpicore error naming the record and the field.

Each model class names its id field in the class variable ``_record_field``
(``None`` for records without an id, such as :class:`~kpicore.model.Dispute`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, TypeVar, cast

import attrs

from kpicore.errors import InvalidRecordError, NaiveDatetimeError
from kpicore.money import Money

_E = TypeVar("_E", bound=StrEnum)
_T = TypeVar("_T")

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def record_of(instance: object) -> object:
    """The id of the record being validated (``None`` when it has none)."""
    name: str | None = getattr(type(instance), "_record_field", None)
    if name is None:
        return None
    return getattr(instance, name, None)


def _fail(instance: object, field: str, value: object, expected: str) -> InvalidRecordError:
    return InvalidRecordError(
        record=record_of(instance), field=field, value=value, expected=expected
    )


# --------------------------------------------------------------------------- converters


def _parse_iso_date(text: str) -> date | None:
    stripped = text.strip()
    if _ISO_DATE.fullmatch(stripped) is None:
        return None
    try:
        return date.fromisoformat(stripped)
    except ValueError:
        return None


def to_timestamp(value: datetime | date | str) -> datetime:
    """Coerce a timestamp: a ``date`` (or ISO date string) becomes 00:00 UTC of that day.

    An ISO datetime string is parsed with :meth:`datetime.fromisoformat`; a
    datetime is returned unchanged (naive ones are rejected by the validator).
    """
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        day = _parse_iso_date(value)
        if day is not None:
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    return cast(datetime, value)  # not coercible: the validator reports it


def to_optional_timestamp(value: datetime | date | str | None) -> datetime | None:
    """:func:`to_timestamp`, keeping ``None``."""
    return None if value is None else to_timestamp(value)


def to_date(value: date | str) -> date:
    """Coerce a calendar date: an ISO ``YYYY-MM-DD`` string becomes a ``date``.

    A ``datetime`` is *not* truncated (the validator rejects it): which
    calendar day an instant falls on depends on a time zone.
    """
    if isinstance(value, str):
        day = _parse_iso_date(value)
        if day is not None:
            return day
    return cast(date, value)


def to_optional_date(value: date | str | None) -> date | None:
    """:func:`to_date`, keeping ``None``."""
    return None if value is None else to_date(value)


def to_enum(cls: type[_E], value: object) -> _E:
    """Coerce a member's value (``"active"``) to the member of ``cls``; else pass through."""
    if isinstance(value, cls):
        return value
    if isinstance(value, str):
        try:
            return cls(value)
        except ValueError:
            pass
    return cast(_E, value)


def to_tuple(value: Iterable[_T]) -> tuple[_T, ...]:
    """Coerce a list (or any non-string, non-mapping iterable) to a tuple; else pass through."""
    if isinstance(value, tuple):
        return value
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        return cast(tuple[_T, ...], value)
    return tuple(value)


# --------------------------------------------------------------------------- validators


def is_aware(value: datetime) -> bool:
    """Whether a datetime is aware (has a tzinfo that gives a UTC offset)."""
    return value.tzinfo is not None and value.tzinfo.utcoffset(value) is not None


def check_timestamp(instance: object, field: str, value: object) -> None:
    """Raise unless ``value`` is an aware datetime."""
    if not isinstance(value, datetime):
        raise _fail(
            instance,
            field,
            value,
            "an aware datetime, a date (00:00 UTC) or an ISO 8601 string with offset",
        )
    if not is_aware(value):
        raise NaiveDatetimeError(record=record_of(instance), field=field, value=value)


def timestamp(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: an aware datetime."""
    check_timestamp(instance, attribute.name, value)


def optional_timestamp(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: ``None`` or an aware datetime."""
    if value is not None:
        check_timestamp(instance, attribute.name, value)


def calendar_date(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: a ``date`` that is not a ``datetime``."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise _fail(
            instance,
            attribute.name,
            value,
            "a date or an ISO 'YYYY-MM-DD' string (not a datetime: its day depends on a zone)",
        )


def optional_date(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: ``None`` or a calendar date."""
    if value is not None:
        calendar_date(instance, attribute, value)


def record_id(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: a non-empty (not all-whitespace) string."""
    if not isinstance(value, str) or not value.strip():
        raise _fail(instance, attribute.name, value, "a non-empty string")


def optional_record_id(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: ``None`` or a non-empty string."""
    if value is not None:
        record_id(instance, attribute, value)


def text(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: a string (possibly empty)."""
    if not isinstance(value, str):
        raise _fail(instance, attribute.name, value, "a string")


def optional_text(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: ``None`` or a string."""
    if value is not None:
        text(instance, attribute, value)


def flag(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: a bool."""
    if not isinstance(value, bool):
        raise _fail(instance, attribute.name, value, "True or False")


def check_money(instance: object, field: str, value: object) -> None:
    """Raise unless ``value`` is a non-negative :class:`~kpicore.money.Money`."""
    if not isinstance(value, Money):
        raise _fail(instance, field, value, "a Money amount (kpicore.money.Money)")
    if value.minor < 0:
        raise _fail(instance, field, value, "a non-negative amount")


def money(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: a non-negative Money."""
    check_money(instance, attribute.name, value)


def optional_money(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: ``None`` or a non-negative Money."""
    if value is not None:
        check_money(instance, attribute.name, value)


def int_between(low: int, high: int | None, *, optional: bool = False) -> Validator:
    """attrs validator factory: an int (not bool) in ``[low, high]`` (``high`` None = no bound).

    With ``optional=True`` ``None`` is accepted too.
    """
    bound = f"an integer >= {low}" if high is None else f"an integer from {low} to {high}"

    def _validate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None and optional:
            return
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or value < low
            or (high is not None and value > high)
        ):
            raise _fail(instance, attribute.name, value, bound)

    return _validate


def member_of(cls: type[StrEnum]) -> Validator:
    """attrs validator factory: a member of the enumeration ``cls`` (or its value)."""
    values = ", ".join(repr(m.value) for m in cls)

    def _validate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, cls):
            raise _fail(instance, attribute.name, value, f"a {cls.__name__}: one of {values}")

    return _validate


def tuple_of(cls: type[object]) -> Validator:
    """attrs validator factory: a tuple whose items are instances of ``cls``.

    The offending item is named ``field[i]``.
    """

    def _validate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, tuple):
            raise _fail(
                instance, attribute.name, value, f"a list or tuple of {cls.__name__} objects"
            )
        for i, item in enumerate(value):
            if not isinstance(item, cls):
                raise _fail(instance, f"{attribute.name}[{i}]", item, f"a {cls.__name__}")

    return _validate


def same_currency(instance: object, field: str, value: Money | None, currency: str) -> None:
    """Raise unless ``value`` is ``None`` or an amount in ``currency``."""
    if value is not None and value.currency != currency:
        raise _fail(
            instance,
            field,
            value,
            f"an amount in {currency} (the record's currency; kpicore never converts)",
        )


def not_before(
    instance: object,
    field: str,
    value: datetime | None,
    start: datetime,
    start_field: str,
) -> None:
    """Raise if the instant ``value`` is earlier than ``start``."""
    if value is not None and value < start:
        raise _fail(
            instance, field, value, f"an instant on or after {start_field} ({start.isoformat()})"
        )


def utc_date(value: datetime) -> date:
    """The UTC calendar date of an aware instant."""
    return value.astimezone(UTC).date()
