"""The canonical invoice-to-cash activity vocabulary, in English and pt-BR.

Twelve activities, from the credit-management event-log template
(case id = invoice number). Each has a snake-case ``key``, an English name
(``en``, the canonical name used in event logs), a Brazilian Portuguese label
(``pt``) and an :class:`EventType`: *explicit* (recorded by a system),
*inferred* (derived from other records, e.g. the settlement from the
payments) or *calculated* (from a date field, e.g. the due date).

Source systems use their own labels: :func:`lookup` finds an activity by its
English name, pt-BR label or key, ignoring case and extra whitespace but
nothing else (no fuzzy matching); :func:`canonical_name` and :func:`resolve`
also apply a caller's ``activity_map`` first.

Examples
--------
>>> lookup("  pagamento   RECEBIDO ").en
'Payment Received'
>>> resolve(["Fatura Gerada", "Boleto pago", "Ligação de cobrança"],
...         {"Boleto pago": "Payment Received"})
{'Fatura Gerada': 'Invoice Generated', 'Boleto pago': 'Payment Received',
 'Ligação de cobrança': 'Ligação de cobrança'}
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import ClassVar

import attrs

from kpicore.errors import InvalidParameterError, InvalidRecordError, UnknownActivityError

__all__ = [
    "ALL_ACTIVITIES",
    "CANONICAL",
    "COLLECTION_ACTIVITY",
    "COLLECTION_LETTER",
    "DISPUTE_REGISTERED",
    "DISPUTE_RESOLVED",
    "DUE_DATE_PASSED",
    "INVOICE_GENERATED",
    "INVOICE_POSTED",
    "INVOICE_SETTLED",
    "INVOICE_WRITTEN_OFF",
    "PAYMENT_POSTED",
    "PAYMENT_RECEIVED",
    "PROMISE_TO_PAY",
    "Activities",
    "Activity",
    "EventType",
    "canonical_name",
    "lookup",
    "resolve",
]


class EventType(StrEnum):
    """How an activity's events come to exist.

    Examples
    --------
    >>> EventType.CALCULATED.label_pt
    'Calculado'
    """

    EXPLICIT = "explicit"
    INFERRED = "inferred"
    CALCULATED = "calculated"

    @property
    def label_pt(self) -> str:
        """The Brazilian Portuguese label."""
        return _EVENT_TYPE_PT[self.value]


_EVENT_TYPE_PT = {"explicit": "Explícito", "inferred": "Inferido", "calculated": "Calculado"}


def _label(instance: Activity, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidRecordError(
            record=getattr(instance, "key", None),
            field=attribute.name,
            value=value,
            expected="a non-empty string",
        )


def _event_type(instance: Activity, attribute: attrs.Attribute[EventType], value: object) -> None:
    if not isinstance(value, EventType):
        raise InvalidRecordError(
            record=instance.key,
            field=attribute.name,
            value=value,
            expected="an EventType (explicit, inferred or calculated)",
        )


@attrs.frozen
class Activity:
    """An activity of the invoice-to-cash process.

    Parameters
    ----------
    key : str
        Snake-case identifier (``"payment_received"``).
    en : str
        The English name, canonical in event logs (``"Payment Received"``).
    pt : str
        The pt-BR label (``"Pagamento Recebido"``).
    event_type : EventType
        Explicit, inferred or calculated.

    Examples
    --------
    >>> str(PAYMENT_RECEIVED), PAYMENT_RECEIVED.pt
    ('Payment Received', 'Pagamento Recebido')
    """

    key: str = attrs.field(validator=_label)
    en: str = attrs.field(validator=_label)
    pt: str = attrs.field(validator=_label)
    event_type: EventType = attrs.field(default=EventType.EXPLICIT, validator=_event_type)

    def __str__(self) -> str:
        return self.en


INVOICE_GENERATED = Activity("invoice_generated", "Invoice Generated", "Fatura Gerada")
INVOICE_POSTED = Activity("invoice_posted", "Invoice Posted and Sent", "Fatura Lançada e Enviada")
DUE_DATE_PASSED = Activity(
    "due_date_passed", "Due Date Passed", "Vencimento Ultrapassado", EventType.CALCULATED
)
COLLECTION_LETTER = Activity(
    "collection_letter", "Collection Letter Generated", "Carta de Cobrança Gerada"
)
COLLECTION_ACTIVITY = Activity(
    "collection_activity", "Collection Activity Logged", "Ação de Cobrança Registrada"
)
PROMISE_TO_PAY = Activity(
    "promise_to_pay", "Promise to Pay Created", "Promessa de Pagamento Criada"
)
DISPUTE_REGISTERED = Activity("dispute_registered", "Dispute Registered", "Disputa Registrada")
DISPUTE_RESOLVED = Activity("dispute_resolved", "Dispute Resolved", "Disputa Resolvida")
PAYMENT_RECEIVED = Activity("payment_received", "Payment Received", "Pagamento Recebido")
PAYMENT_POSTED = Activity("payment_posted", "Payment Posted", "Pagamento Lançado")
INVOICE_SETTLED = Activity(
    "invoice_settled", "Invoice Settled", "Fatura Quitada", EventType.INFERRED
)
INVOICE_WRITTEN_OFF = Activity(
    "invoice_written_off", "Invoice Written Off", "Fatura Baixada como Perda"
)

CANONICAL: tuple[Activity, ...] = (
    INVOICE_GENERATED,
    INVOICE_POSTED,
    DUE_DATE_PASSED,
    COLLECTION_LETTER,
    COLLECTION_ACTIVITY,
    PROMISE_TO_PAY,
    DISPUTE_REGISTERED,
    DISPUTE_RESOLVED,
    PAYMENT_RECEIVED,
    PAYMENT_POSTED,
    INVOICE_SETTLED,
    INVOICE_WRITTEN_OFF,
)
"""The twelve canonical activities, in process order."""

ALL_ACTIVITIES: tuple[Activity, ...] = CANONICAL
"""Alias of :data:`CANONICAL`."""


class Activities:
    """Namespace of the canonical activities (``Activities.PAYMENT_RECEIVED``).

    Examples
    --------
    >>> Activities.DUE_DATE_PASSED.event_type
    <EventType.CALCULATED: 'calculated'>
    >>> len(Activities.ALL)
    12
    """

    INVOICE_GENERATED: ClassVar[Activity] = INVOICE_GENERATED
    INVOICE_POSTED: ClassVar[Activity] = INVOICE_POSTED
    DUE_DATE_PASSED: ClassVar[Activity] = DUE_DATE_PASSED
    COLLECTION_LETTER: ClassVar[Activity] = COLLECTION_LETTER
    COLLECTION_ACTIVITY: ClassVar[Activity] = COLLECTION_ACTIVITY
    PROMISE_TO_PAY: ClassVar[Activity] = PROMISE_TO_PAY
    DISPUTE_REGISTERED: ClassVar[Activity] = DISPUTE_REGISTERED
    DISPUTE_RESOLVED: ClassVar[Activity] = DISPUTE_RESOLVED
    PAYMENT_RECEIVED: ClassVar[Activity] = PAYMENT_RECEIVED
    PAYMENT_POSTED: ClassVar[Activity] = PAYMENT_POSTED
    INVOICE_SETTLED: ClassVar[Activity] = INVOICE_SETTLED
    INVOICE_WRITTEN_OFF: ClassVar[Activity] = INVOICE_WRITTEN_OFF
    ALL: ClassVar[tuple[Activity, ...]] = CANONICAL


def _normalise(label: str) -> str:
    """Case- and whitespace-insensitive form: NFC, casefold, single spaces, stripped."""
    return " ".join(unicodedata.normalize("NFC", label).casefold().split())


# Every key, English name and pt-BR label, normalised (36 distinct entries: tested).
_INDEX: dict[str, Activity] = {
    _normalise(label): activity
    for activity in CANONICAL
    for label in (activity.key, activity.en, activity.pt)
}
_NAMES = ", ".join(a.en for a in CANONICAL)


def _check_label(label: object) -> str:
    if not isinstance(label, str):
        raise InvalidRecordError(
            field="activity", value=label, expected="an activity label (a string)"
        )
    return label


def lookup(label: str) -> Activity:
    """Find the canonical activity with this English name, pt-BR label or key.

    Parameters
    ----------
    label : str
        Compared after Unicode NFC normalisation and :meth:`str.casefold`,
        with surrounding whitespace stripped and inner runs of whitespace
        collapsed to one space. Accents and spelling must match.

    Returns
    -------
    Activity

    Raises
    ------
    UnknownActivityError
        If no activity has that label (the message lists the canonical names).
    InvalidRecordError
        If ``label`` is not a string.

    Examples
    --------
    >>> lookup("Fatura Quitada") is INVOICE_SETTLED
    True
    >>> lookup("DISPUTE_RESOLVED").pt
    'Disputa Resolvida'
    >>> lookup("Fatura Lancada e Enviada")
    Traceback (most recent call last):
    ...
    kpicore.errors.UnknownActivityError: unknown activity 'Fatura Lancada e Enviada': ...
    """
    found = _INDEX.get(_normalise(_check_label(label)))
    if found is None:
        raise UnknownActivityError(
            f"unknown activity {label!r}: expected a canonical activity's English name, "
            f"pt-BR label or key (case and extra whitespace ignored); canonical names: {_NAMES}"
        )
    return found


def _normalised_map(activity_map: Mapping[str, str] | None) -> dict[str, str]:
    """The activity map keyed by normalised label; conflicting duplicates raise."""
    if activity_map is None:
        return {}
    if not isinstance(activity_map, Mapping):
        raise InvalidParameterError(
            f"activity_map must be a mapping of source label to activity name, "
            f"got {type(activity_map).__name__}"
        )
    result: dict[str, str] = {}
    origin: dict[str, str] = {}
    for source, target in activity_map.items():
        if not isinstance(source, str) or not isinstance(target, str) or not target.strip():
            raise InvalidParameterError(
                f"activity_map must map strings to non-empty strings, got {source!r}: {target!r}"
            )
        key = _normalise(source)
        if key in result and result[key] != target:
            raise InvalidParameterError(
                f"activity_map labels {origin[key]!r} and {source!r} differ only in case or "
                f"whitespace but map to different activities ({result[key]!r}, {target!r})"
            )
        result[key] = target
        origin[key] = source
    return result


def _canonical(label: str, normalised_map: Mapping[str, str]) -> str | None:
    key = _normalise(label)
    target = normalised_map.get(key)
    if target is not None:
        known = _INDEX.get(_normalise(target))
        return target if known is None else known.en
    found = _INDEX.get(key)
    return None if found is None else found.en


def canonical_name(label: str, activity_map: Mapping[str, str] | None = None) -> str | None:
    """Map a source system's activity label to the canonical English name.

    Parameters
    ----------
    label : str
        The source label.
    activity_map : mapping of str to str, optional
        The caller's translations, consulted first (keys matched like
        :func:`lookup`: case and extra whitespace ignored). A target that is
        a canonical English name, pt-BR label or key becomes the English name;
        any other target is returned as given (a custom activity).

    Returns
    -------
    str or None
        The canonical English name, the map's custom target, or ``None`` when
        the label is neither in the map nor in the vocabulary.

    Raises
    ------
    InvalidParameterError
        If ``activity_map`` is not a mapping of strings to non-empty strings,
        or has two keys that differ only in case/whitespace with different
        targets.
    InvalidRecordError
        If ``label`` is not a string.

    Examples
    --------
    >>> canonical_name("fatura gerada")
    'Invoice Generated'
    >>> canonical_name("Baixa manual", {"baixa manual": "pagamento lançado"})
    'Payment Posted'
    >>> canonical_name("Bloqueio") is None
    True
    """
    return _canonical(_check_label(label), _normalised_map(activity_map))


def resolve(
    labels: Iterable[str], activity_map: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Map each distinct source label to its canonical English name (or to itself).

    Parameters
    ----------
    labels : iterable of str
        Activity labels, typically an event log's activity column; duplicates
        are resolved once.
    activity_map : mapping of str to str, optional
        As in :func:`canonical_name`.

    Returns
    -------
    dict of str to str
        One entry per distinct label, in first-seen order. A label that is
        neither mapped nor canonical maps to itself, so free-text activities
        survive unchanged.

    Raises
    ------
    InvalidParameterError
        For an invalid ``activity_map`` (see :func:`canonical_name`).
    InvalidRecordError
        If a label is not a string.

    Examples
    --------
    >>> resolve(["Pagamento Recebido", "payment received", "Visita técnica"])
    {'Pagamento Recebido': 'Payment Received', 'payment received': 'Payment Received',
     'Visita técnica': 'Visita técnica'}
    """
    normalised_map = _normalised_map(activity_map)
    result: dict[str, str] = {}
    for label in dict.fromkeys(labels):
        name = _canonical(_check_label(label), normalised_map)
        result[label] = label if name is None else name
    return result
