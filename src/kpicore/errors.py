"""The exceptions kpicore raises.

Every error the library raises is a :class:`KpiError`. Errors about one input
record name the record (its id, or its row index when it has none), the field,
the offending value and what was expected, so that a bad row in a million can
be found and fixed::

    >>> err = InvalidRecordError(record="INV-7", field="due_date",
    ...                          value="2024-01-01", expected="a date on or after issued_at")
    >>> print(err)
    record 'INV-7': field 'due_date' = '2024-01-01': expected a date on or after issued_at
"""

from __future__ import annotations

__all__ = [
    "CurrencyMismatchError",
    "InvalidParameterError",
    "InvalidRecordError",
    "KpiError",
    "MissingDataError",
    "MissingDependencyError",
    "NaiveDatetimeError",
    "UnknownActivityError",
]


class KpiError(Exception):
    """Base class of every error raised by kpicore."""


def _describe_record(record: object, row: int | None) -> str:
    if record is not None:
        return f"record {record!r}"
    if row is not None:
        return f"row {row}"
    return "value"


class InvalidRecordError(KpiError, ValueError):
    """An input record has a field whose value is not acceptable.

    Parameters
    ----------
    record:
        The record's own id (invoice number, customer id, case id, ...), or
        ``None`` when it has none.
    field:
        The name of the offending field (or column).
    value:
        The offending value.
    expected:
        A short description of what would have been accepted.
    row:
        The row index of the record in its input, used when ``record`` is None
        (and reported besides it otherwise).
    """

    def __init__(
        self,
        *,
        record: object = None,
        field: str,
        value: object,
        expected: str,
        row: int | None = None,
    ) -> None:
        self.record = record
        self.field = field
        self.value = value
        self.expected = expected
        self.row = row
        where = _describe_record(record, row)
        if record is not None and row is not None:
            where = f"{where} (row {row})"
        super().__init__(f"{where}: field {field!r} = {value!r}: expected {expected}")

    def __reduce__(self) -> tuple[object, ...]:  # keep pickling (Dask) working
        return (
            _rebuild,
            (type(self), self.record, self.field, self.value, self.expected, self.row),
        )


def _rebuild(
    cls: type[InvalidRecordError],
    record: object,
    field: str,
    value: object,
    expected: str,
    row: int | None,
) -> InvalidRecordError:
    return cls(record=record, field=field, value=value, expected=expected, row=row)


class NaiveDatetimeError(InvalidRecordError):
    """A datetime without a time zone was given where the instant matters.

    Pass an aware datetime, or name the zone with ``tz=`` where the function
    accepts it.
    """

    def __init__(
        self,
        *,
        record: object = None,
        field: str,
        value: object,
        expected: str = "an aware datetime (with tzinfo), or pass tz= to name its time zone",
        row: int | None = None,
    ) -> None:
        super().__init__(record=record, field=field, value=value, expected=expected, row=row)


class CurrencyMismatchError(KpiError, ValueError):
    """Two amounts in different currencies were combined.

    kpicore never converts currencies: group by currency instead
    (:func:`kpicore.money.totals_by_currency`).
    """

    def __init__(self, left: str, right: str, context: str = "") -> None:
        self.left = left
        self.right = right
        suffix = f" ({context})" if context else ""
        super().__init__(f"cannot combine {left} with {right}{suffix}: group amounts by currency")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.left, self.right))


class MissingDataError(KpiError, LookupError):
    """Data a computation needs is absent (a column, an activity, a customer, ...)."""


class MissingDependencyError(KpiError, ImportError):
    """An optional dependency (an extra such as ``kpicore[dask]``) is not installed.

    An :class:`ImportError` too, so ``except ImportError`` keeps working.

    Examples
    --------
    >>> err = MissingDependencyError("kpicore.dask needs dask: pip install 'kpicore[dask]'")
    >>> isinstance(err, ImportError), isinstance(err, KpiError)
    (True, True)
    """


class UnknownActivityError(MissingDataError, KeyError):
    """An activity label matches nothing in the vocabulary or in the log."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class InvalidParameterError(KpiError, ValueError):
    """A function was called with an option value it does not accept."""
