"""Events: one step of one invoice's invoice-to-cash process."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar, cast

import attrs

from kpicore.errors import InvalidRecordError
from kpicore.model import _common as c
from kpicore.results import FrozenDict

__all__ = ["Event"]


def _freeze(value: Mapping[str, object] | None) -> Mapping[str, object]:
    """A read-only copy of a mapping (``None`` = empty); anything else passes through."""
    if value is None:
        return FrozenDict({})
    if isinstance(value, Mapping):
        return FrozenDict(dict(value))
    return cast(Mapping[str, object], value)


def _attributes(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Mapping):
        raise InvalidRecordError(
            record=c.record_of(instance),
            field=attribute.name,
            value=value,
            expected="a mapping of attribute names (str) to values",
        )
    for key in value:
        if not isinstance(key, str):
            raise InvalidRecordError(
                record=c.record_of(instance),
                field=attribute.name,
                value=key,
                expected="attribute names that are strings",
            )


@attrs.frozen
class Event:
    """One event of an invoice-to-cash event log.

    Parameters
    ----------
    case_id : str
        The case (the invoice number); non-empty.
    activity : str
        The activity label; non-empty. Canonical labels are in
        :mod:`kpicore.activities`, but any label is kept as given.
    timestamp : datetime, date or str
        When it happened (aware; a date means 00:00 UTC, e.g. the calculated
        "Due Date Passed" event).
    resource : str, optional
        Who or what performed it (user, collector, system).
    attributes : mapping of str to object, optional
        Further event attributes. Stored as a read-only copy
        (:class:`~kpicore.results.FrozenDict`, a copy: later changes to
        the caller's dict do not show; mutable *values* are not copied).
        Compared as dicts; left out of the hash.

    Raises
    ------
    InvalidRecordError
        Naming the case id and the field: empty case id or activity, a
        non-string attribute name, ...
    NaiveDatetimeError
        If ``timestamp`` is naive.

    Examples
    --------
    >>> attrs_in = {"channel": "whatsapp"}
    >>> ev = Event("F-1", "Collection Activity Logged", "2024-02-15T10:30:00-03:00",
    ...            resource="ana", attributes=attrs_in)
    >>> attrs_in["channel"] = "sms"
    >>> ev.attributes["channel"]
    'whatsapp'
    >>> ev == Event("F-1", "Collection Activity Logged", "2024-02-15T13:30:00+00:00",
    ...             resource="ana", attributes={"channel": "whatsapp"})
    True
    """

    _record_field: ClassVar[str | None] = "case_id"

    case_id: str = attrs.field(validator=c.record_id)
    activity: str = attrs.field(validator=c.record_id)
    timestamp: datetime = attrs.field(converter=c.to_timestamp, validator=c.timestamp)
    resource: str | None = attrs.field(default=None, validator=c.optional_text)
    attributes: Mapping[str, object] = attrs.field(
        factory=dict,
        converter=_freeze,
        validator=_attributes,
        hash=False,
    )

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt through __init__ (validation and conversion run again).
        return (
            Event,
            (self.case_id, self.activity, self.timestamp, self.resource, dict(self.attributes)),
        )
