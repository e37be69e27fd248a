"""Tests of kpicore.activities: the vocabulary, lookup, canonical_name and resolve."""

from __future__ import annotations

import pickle
import unicodedata
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpicore import activities as act
from kpicore.activities import (
    ALL_ACTIVITIES,
    CANONICAL,
    Activities,
    Activity,
    EventType,
    canonical_name,
    lookup,
    resolve,
)
from kpicore.errors import (
    InvalidParameterError,
    InvalidRecordError,
    MissingDataError,
    UnknownActivityError,
)


def _any(value: object) -> Any:
    """Let a test pass a deliberately ill-typed value past mypy."""
    return value


# The vocabulary exactly as specified (contract / credit-management template).
EXPECTED = [
    ("INVOICE_GENERATED", "Invoice Generated", "Fatura Gerada", "explicit"),
    ("INVOICE_POSTED", "Invoice Posted and Sent", "Fatura Lançada e Enviada", "explicit"),
    ("DUE_DATE_PASSED", "Due Date Passed", "Vencimento Ultrapassado", "calculated"),
    ("COLLECTION_LETTER", "Collection Letter Generated", "Carta de Cobrança Gerada", "explicit"),
    (
        "COLLECTION_ACTIVITY",
        "Collection Activity Logged",
        "Ação de Cobrança Registrada",
        "explicit",
    ),
    ("PROMISE_TO_PAY", "Promise to Pay Created", "Promessa de Pagamento Criada", "explicit"),
    ("DISPUTE_REGISTERED", "Dispute Registered", "Disputa Registrada", "explicit"),
    ("DISPUTE_RESOLVED", "Dispute Resolved", "Disputa Resolvida", "explicit"),
    ("PAYMENT_RECEIVED", "Payment Received", "Pagamento Recebido", "explicit"),
    ("PAYMENT_POSTED", "Payment Posted", "Pagamento Lançado", "explicit"),
    ("INVOICE_SETTLED", "Invoice Settled", "Fatura Quitada", "inferred"),
    ("INVOICE_WRITTEN_OFF", "Invoice Written Off", "Fatura Baixada como Perda", "explicit"),
]


# ---------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------


def test_vocabulary_matches_the_specification() -> None:
    assert len(CANONICAL) == 12
    for activity, (name, en, pt, event_type) in zip(CANONICAL, EXPECTED, strict=True):
        assert getattr(act, name) is activity
        assert getattr(Activities, name) is activity
        assert activity.key == name.lower()
        assert (activity.en, activity.pt, activity.event_type.value) == (en, pt, event_type)
        assert str(activity) == en


def test_all_activities_and_namespace() -> None:
    assert ALL_ACTIVITIES is CANONICAL
    assert Activities.ALL is CANONICAL
    assert isinstance(CANONICAL, tuple)
    assert all(isinstance(a, Activity) for a in CANONICAL)


def test_labels_are_unique_after_normalisation() -> None:
    # 12 activities x (key, en, pt) = 36 labels, no two equal ignoring case/whitespace;
    # otherwise lookup would be ambiguous.
    labels = [lab for a in CANONICAL for lab in (a.key, a.en, a.pt)]
    assert len({" ".join(lab.casefold().split()) for lab in labels}) == 36


def test_event_type_labels() -> None:
    assert [e.value for e in EventType] == ["explicit", "inferred", "calculated"]
    assert EventType.INFERRED.label_pt == "Inferido"
    assert _any(EventType.EXPLICIT) == "explicit"


def test_activity_is_frozen_hashable_and_picklable() -> None:
    a = act.PAYMENT_RECEIVED
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        a.en = "x"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(a)) == a
    assert len(set(CANONICAL)) == 12


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("key", {"key": "", "en": "X", "pt": "Y"}),
        ("en", {"key": "x", "en": "  ", "pt": "Y"}),
        ("pt", {"key": "x", "en": "X", "pt": None}),
        ("event_type", {"key": "x", "en": "X", "pt": "Y", "event_type": "explicit"}),
    ],
)
def test_activity_validation(field: str, kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidRecordError) as info:
        Activity(**kwargs)
    assert info.value.field == field
    assert f"field {field!r}" in str(info.value)


# ---------------------------------------------------------------------------------------
# lookup
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("activity", CANONICAL, ids=lambda a: a.key)
def test_lookup_by_english_pt_and_key(activity: Activity) -> None:
    for label in (activity.en, activity.pt, activity.key):
        assert lookup(label) is activity
        assert lookup(label.upper()) is activity
        assert lookup(label.lower()) is activity
        assert lookup(f"  {label}\t\n") is activity


def test_lookup_collapses_internal_whitespace() -> None:
    assert lookup("Payment    Received") is act.PAYMENT_RECEIVED
    assert lookup("Fatura\tLançada \n e  Enviada") is act.INVOICE_POSTED
    assert lookup("\u00a0Fatura\u00a0Gerada ") is act.INVOICE_GENERATED  # no-break spaces


def test_lookup_accepts_decomposed_accents() -> None:
    # "ç" as c + combining cedilla (NFD), as some exports produce.
    decomposed = unicodedata.normalize("NFD", "Carta de Cobrança Gerada")
    assert decomposed != "Carta de Cobrança Gerada"
    assert lookup(decomposed) is act.COLLECTION_LETTER


def test_lookup_casefold_handles_non_ascii_case() -> None:
    assert lookup("AÇÃO DE COBRANÇA REGISTRADA") is act.COLLECTION_ACTIVITY
    assert lookup("PAGAMENTO LANÇADO") is act.PAYMENT_POSTED


@pytest.mark.parametrize(
    "label",
    [
        "Fatura Lancada e Enviada",  # missing accent: strict
        "Payment Receivd",  # typo
        "PaymentReceived",  # missing space
        "payment-received",
        "Payment",
        "",
        "   ",
        "Invoice Generated.",
    ],
)
def test_lookup_is_strict_otherwise(label: str) -> None:
    with pytest.raises(UnknownActivityError) as info:
        lookup(label)
    message = str(info.value)
    assert repr(label) in message
    for activity in CANONICAL:  # the message lists every canonical name
        assert activity.en in message


def test_unknown_activity_error_types() -> None:
    with pytest.raises(MissingDataError):
        lookup("Bloqueio")
    with pytest.raises(KeyError):
        lookup("Bloqueio")
    with pytest.raises(UnknownActivityError) as info:
        lookup("Bloqueio")
    assert str(info.value).startswith("unknown activity 'Bloqueio'")  # not repr()-quoted


@pytest.mark.parametrize("label", [None, 1, b"Fatura Gerada"])
def test_lookup_rejects_non_strings(label: object) -> None:
    with pytest.raises(InvalidRecordError) as info:
        lookup(_any(label))
    assert info.value.field == "activity"


def _scramble(text: str, flips: list[bool], left: str, right: str, inner: str) -> str:
    chars = [
        ch.upper() if flip else ch.lower()
        for ch, flip in zip(text, flips + [False] * len(text), strict=False)
    ]
    return left + "".join(chars).replace(" ", inner) + right


WHITESPACE = st.text(alphabet=" \t\n\r\u00a0\u2003", max_size=3)


@given(
    st.sampled_from(CANONICAL),
    st.sampled_from(["key", "en", "pt"]),
    st.lists(st.booleans(), max_size=40),
    WHITESPACE,
    WHITESPACE,
    WHITESPACE.map(lambda s: s + " "),
)
def test_lookup_ignores_case_and_whitespace_property(
    activity: Activity, which: str, flips: list[bool], left: str, right: str, inner: str
) -> None:
    label = _scramble(getattr(activity, which), flips, left, right, inner)
    assert lookup(label) is activity


@given(st.text(max_size=30))
def test_lookup_finds_only_normalised_labels(label: str) -> None:
    normalised = " ".join(unicodedata.normalize("NFC", label).casefold().split())
    known = {" ".join(lab.casefold().split()): a for a in CANONICAL for lab in (a.key, a.en, a.pt)}
    if normalised in known:
        assert lookup(label) is known[normalised]
    else:
        with pytest.raises(UnknownActivityError):
            lookup(label)


# ---------------------------------------------------------------------------------------
# canonical_name
# ---------------------------------------------------------------------------------------


def test_canonical_name_without_map() -> None:
    assert canonical_name("Pagamento Recebido") == "Payment Received"
    assert canonical_name("invoice_written_off") == "Invoice Written Off"
    assert canonical_name("Visita técnica") is None


def test_canonical_name_map_comes_first() -> None:
    mapping = {
        "Boleto pago": "Payment Received",  # to a canonical English name
        "Baixa manual": "pagamento lançado",  # to a pt-BR label: becomes English
        "Bloqueio": "Service Blocked",  # to a custom activity: kept as given
        "Payment Received": "Payment Posted",  # overrides the vocabulary
    }
    assert canonical_name("Boleto pago", mapping) == "Payment Received"
    assert canonical_name("  BOLETO   PAGO ", mapping) == "Payment Received"
    assert canonical_name("Baixa manual", mapping) == "Payment Posted"
    assert canonical_name("Bloqueio", mapping) == "Service Blocked"
    assert canonical_name("Payment Received", mapping) == "Payment Posted"
    assert canonical_name("Fatura Gerada", mapping) == "Invoice Generated"  # falls through
    assert canonical_name("Desbloqueio", mapping) is None
    assert canonical_name("Boleto pago", {}) is None


def test_canonical_name_rejects_bad_maps() -> None:
    with pytest.raises(InvalidParameterError, match="differ only in case"):
        canonical_name("x", {"Boleto pago": "Payment Received", "boleto PAGO": "Payment Posted"})
    # The same target twice is not a conflict.
    same = {"Boleto pago": "Payment Received", "boleto PAGO": "Payment Received"}
    assert canonical_name("BOLETO pago", same) == "Payment Received"
    with pytest.raises(InvalidParameterError, match="mapping"):
        canonical_name("x", _any([("a", "b")]))
    with pytest.raises(InvalidParameterError, match="non-empty"):
        canonical_name("x", {"a": " "})
    with pytest.raises(InvalidParameterError):
        canonical_name("x", _any({"a": 1}))


def test_canonical_name_rejects_non_string_labels() -> None:
    with pytest.raises(InvalidRecordError):
        canonical_name(_any(None))


# ---------------------------------------------------------------------------------------
# resolve
# ---------------------------------------------------------------------------------------


def test_resolve_hand_worked() -> None:
    labels = [
        "Fatura Gerada",
        "Boleto pago",
        "Fatura Gerada",
        "  fatura gerada ",
        "Ligação de cobrança",
        "Payment Received",
    ]
    result = resolve(labels, {"boleto pago": "Pagamento Recebido"})
    assert result == {
        "Fatura Gerada": "Invoice Generated",
        "Boleto pago": "Payment Received",
        "  fatura gerada ": "Invoice Generated",
        "Ligação de cobrança": "Ligação de cobrança",  # unknown: kept as is
        "Payment Received": "Payment Received",
    }
    assert list(result) == [
        "Fatura Gerada",
        "Boleto pago",
        "  fatura gerada ",
        "Ligação de cobrança",
        "Payment Received",
    ]  # first-seen order, each distinct label once


def test_resolve_accepts_any_iterable() -> None:
    assert resolve(iter(["Disputa Registrada"])) == {"Disputa Registrada": "Dispute Registered"}
    assert resolve([]) == {}
    assert resolve("x" for _ in range(3)) == {"x": "x"}


def test_resolve_rejects_non_string_labels_and_bad_maps() -> None:
    with pytest.raises(InvalidRecordError) as info:
        resolve(_any(["Fatura Gerada", float("nan")]))
    assert info.value.field == "activity"
    with pytest.raises(InvalidParameterError):
        resolve(["x"], {"X": "a", "x": "b"})


@given(
    st.lists(
        st.one_of(
            st.sampled_from([lab for a in CANONICAL for lab in (a.key, a.en, a.pt)]),
            st.text(max_size=12),
        ),
        max_size=20,
    )
)
def test_resolve_property(labels: list[str]) -> None:
    result = resolve(labels)
    assert set(result) == set(labels)
    names = {a.en for a in CANONICAL}
    for label, name in result.items():
        assert name == label or name in names
        expected = canonical_name(label)
        assert name == (label if expected is None else expected)
