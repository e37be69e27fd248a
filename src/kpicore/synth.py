"""Deterministic synthetic invoice-to-cash data for the demo, docs, tests and benchmarks.

Everything here is drawn from seeded :func:`numpy.random.default_rng` generators
(PCG64) and never reads the clock: the same arguments give the same data on
every platform. Only exact operations are applied to the random draws
(integer arithmetic and products of uniform floats, floored), never ``exp`` or
``log``, whose last bit may differ between C libraries. The streams belong to
numpy's ``Generator``, whose output may change between numpy feature releases
(NEP 19); within one numpy version it is reproducible everywhere.

Two levels of data:

* :func:`synth_event_columns` -- an event log as numpy columns in XES naming,
  fully vectorised (a million invoices, about six million events, in a couple
  of seconds), for benchmarks and :meth:`kpicore.eventlog.EventLog.from_columns`;
* :func:`synth_invoices`, :func:`synth_customers`, :func:`synth_contracts` and
  :func:`synth_credits` -- the same kind of data as :mod:`kpicore.model`
  objects, with realistic Brazilian ISP names, cities, plans and contacts.

:func:`synth_invoices` is built from the *same draws* as
:func:`synth_event_columns`: with the same ``n``, ``seed``, ``start``, ``days``,
``as_of`` and ``n_customers`` the invoices and the columns describe the same
process, event for event (see :func:`synth_invoices` for the one option that
differs by default, promises to pay). The draws are made for all ``n`` invoices
at once, so the first ten invoices of ``n=1000`` are not those of ``n=10``.

The generated process
---------------------
Each invoice is issued on a uniformly drawn day of ``[start, start + days)``
in business hours (08:00--18:00 in Brasília, UTC-3, i.e. 11:00--21:00 UTC), so
its UTC calendar date is also its local date. Then:

========================  ==========================================================
event                     rule
========================  ==========================================================
Invoice Generated         the issue instant
Invoice Posted and Sent   10 min to 2 days later; at the *same instant* for 5 %
                          (a deliberate timestamp tie)
Payment Received          terms of 15/30/45 days (25/60/15 %); the payment comes
                          -10..+2 days from the due date (70 %), +3..+30 (25 %) or
                          +31..+90 (5 %); 30 % pay in two instalments (the first
                          30--70 % of the amount, between posting and the final one)
Payment Posted            0--3 days (plus 5 min--6 h) after each Payment Received
Invoice Settled           the instant of the payment that completes the amount,
                          *tied* with that Payment Received (listed after it)
Dispute Registered        8 % of invoices, 1 h--20 days after posting, with a reason
Dispute Resolved          90 % of disputes, 1--40 days later; the payment then comes
                          after the resolution. An unresolved dispute blocks payment.
Collection Letter         levels 1, 2, 3 at due + 5, + 15, + 30 days (+0--2 days of
Generated                 jitter), each only while the invoice is unsettled and not
                          written off (about 30 % of invoices get at least one)
Promise to Pay Created    35 % of the invoices with a letter, 1 h--4 days after the
                          first letter, while unsettled (objects only by default)
Invoice Written Off       3 % of invoices never pay in full (40 % of those pay a
                          first instalment); written off at due + 45..105 days
========================  ==========================================================

Nothing happens after a write-off, and nothing is recorded at or after the
as-of instant (the end of day ``as_of``, exclusive, as in
:mod:`kpicore.model.invoice`): payments, resolutions and write-offs due later
are simply absent, so recent invoices are open. With the default window (a
year, as of its last day) about 10 % of invoices are open, 2 % written off,
8 % disputed, 30 % dunned, and there are about 6 events per invoice.

Examples
--------
>>> cols = synth_event_columns(1000, seed=7)
>>> cols.n_invoices, 5.0 < cols.n_events / cols.n_invoices < 7.0
(1000, True)
>>> invoices = synth_invoices(3, seed=7)
>>> invoices[0].number == synth_event_columns(3, seed=7).invoice_number[0]
True
"""

from __future__ import annotations

import operator
import unicodedata
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

import attrs
import numpy as np
import numpy.typing as npt
from dateutil.relativedelta import relativedelta

from kpicore import activities
from kpicore.errors import InvalidParameterError
from kpicore.model import (
    AccessStatus,
    BillingMode,
    Contact,
    ContactKind,
    Contract,
    ContractStatus,
    Credit,
    CreditStatus,
    Customer,
    CustomerKind,
    Dispute,
    DunningLetter,
    Invoice,
    Payment,
    PromiseToPay,
)
from kpicore.money import Money

__all__ = [
    "ACTIVITY_NAMES",
    "SynthColumns",
    "synth_contracts",
    "synth_credits",
    "synth_customers",
    "synth_event_columns",
    "synth_invoices",
]

# ----------------------------------------------------------------------------- constants

_DEFAULT_START: Final[date] = date(2024, 1, 1)
_DEFAULT_DAYS: Final[int] = 365

ACTIVITY_NAMES: Final[tuple[str, ...]] = tuple(
    a.en
    for a in (
        activities.INVOICE_GENERATED,
        activities.INVOICE_POSTED,
        activities.DISPUTE_REGISTERED,
        activities.COLLECTION_LETTER,
        activities.PROMISE_TO_PAY,
        activities.PAYMENT_RECEIVED,
        activities.PAYMENT_POSTED,
        activities.DISPUTE_RESOLVED,
        activities.INVOICE_SETTLED,
        activities.INVOICE_WRITTEN_OFF,
    )
)
"""The activities :func:`synth_event_columns` emits (canonical English names of
:mod:`kpicore.activities`); ``SynthColumns.activity_code`` indexes this tuple."""

_EPOCH: Final[date] = date(1970, 1, 1)
_DAY: Final[int] = 86_400
_HOUR: Final[int] = 3_600
_NS_PER_S: Final[int] = 1_000_000_000
_BIZ_START: Final[int] = 11 * _HOUR  # 08:00 in Brasília (UTC-3)
_BIZ_SPAN: Final[int] = 10 * _HOUR  # until 18:00 in Brasília
_NEVER: Final[int] = 1 << 40  # seconds: far beyond any date; absent events
_SENTINEL: Final[int] = int(np.iinfo(np.int64).max)

# Event slots of an invoice. The slot number is the tie-breaker for events at
# the same instant, so it encodes the lifecycle order (Generated before Posted,
# a Payment Received before the Invoice Settled it causes).
_GEN, _POST, _DREG, _L1, _L2, _L3, _PROM, _PAR, _PAP, _DRES, _PBR, _PBP, _SET, _WOFF = range(14)
_N_SLOTS: Final[int] = 14
_SLOT_BITS: Final[int] = 4
_SLOT_ACTIVITY: Final[npt.NDArray[np.int8]] = np.array(
    [0, 1, 2, 3, 3, 3, 4, 5, 6, 7, 5, 6, 8, 9], dtype=np.int8
)
_SLOT_LEVEL: Final[npt.NDArray[np.int8]] = np.array(
    [0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0], dtype=np.int8
)
# Which amount an event of each slot carries: 0 the invoice's, 1 the first
# payment, 2 the second instalment, 3 the open balance at that instant.
_SLOT_AMOUNT: Final[npt.NDArray[np.int8]] = np.array(
    [0, 0, 0, 3, 3, 3, 3, 1, 1, 0, 2, 2, 0, 3], dtype=np.int8
)
_ACTIVITY_OBJ: Final[npt.NDArray[np.object_]] = np.array(ACTIVITY_NAMES, dtype=object)

# Streams: one independent generator per purpose, so that drawing one kind of
# data never shifts another.
_STREAM_INVOICES, _STREAM_CUSTOMER_TABLE, _STREAM_CUSTOMERS = 0, 1, 2
_STREAM_CONTRACTS, _STREAM_CREDITS, _STREAM_SHUFFLE = 3, 4, 5

_SEGMENTS: Final[tuple[str, ...]] = ("Residencial", "PME", "Corporativo", "Governo")
_COUNTRIES: Final[tuple[str, ...]] = ("BR", "AR", "PY", "UY")
# (city, state, region, area code); the first rows are Brazilian.
_CITIES: Final[tuple[tuple[str, str, str, str], ...]] = (
    ("São Paulo", "SP", "Sudeste", "11"),
    ("Campinas", "SP", "Sudeste", "19"),
    ("Rio de Janeiro", "RJ", "Sudeste", "21"),
    ("Belo Horizonte", "MG", "Sudeste", "31"),
    ("Uberlândia", "MG", "Sudeste", "34"),
    ("Curitiba", "PR", "Sul", "41"),
    ("Londrina", "PR", "Sul", "43"),
    ("Porto Alegre", "RS", "Sul", "51"),
    ("Florianópolis", "SC", "Sul", "48"),
    ("Joinville", "SC", "Sul", "47"),
    ("Salvador", "BA", "Nordeste", "71"),
    ("Recife", "PE", "Nordeste", "81"),
    ("Fortaleza", "CE", "Nordeste", "85"),
    ("Natal", "RN", "Nordeste", "84"),
    ("Goiânia", "GO", "Centro-Oeste", "62"),
    ("Brasília", "DF", "Centro-Oeste", "61"),
    ("Campo Grande", "MS", "Centro-Oeste", "67"),
    ("Manaus", "AM", "Norte", "92"),
    ("Belém", "PA", "Norte", "91"),
)
_FOREIGN_CITIES: Final[dict[str, tuple[str, str]]] = {
    "AR": ("Puerto Iguazú", "Misiones"),
    "PY": ("Ciudad del Este", "Alto Paraná"),
    "UY": ("Rivera", "Rivera"),
}
_COLLECTORS: Final[tuple[str, ...]] = (
    "Ana Souza",
    "Bruno Lima",
    "Carla Mendes",
    "Diego Rocha",
    "Elisa Martins",
    "Felipe Araújo",
)
_DISPUTE_REASONS: Final[tuple[str, ...]] = (
    "Valor incorreto",
    "Serviço indisponível",
    "Cobrança em duplicidade",
    "Plano não contratado",
    "Desconto não aplicado",
    "Fatura não recebida",
)
# (plan, monthly price in centavos); residential plans first.
_RESIDENTIAL_PLANS: Final[tuple[tuple[str, int], ...]] = (
    ("Fibra 300 Mega", 9_990),
    ("Fibra 500 Mega", 11_990),
    ("Fibra 600 Mega", 12_990),
    ("Fibra 800 Mega", 14_990),
    ("Fibra 1 Giga", 19_990),
    ("Fibra 2 Giga", 29_990),
)
_BUSINESS_PLANS: Final[tuple[tuple[str, int], ...]] = (
    ("Empresarial 500 Mega", 29_990),
    ("Empresarial 1 Giga", 59_990),
    ("Link Dedicado 100 Mega", 149_990),
    ("Link Dedicado 500 Mega", 349_990),
    ("Link Dedicado 1 Giga", 499_990),
)
_PHONE_PLANS: Final[tuple[tuple[str, int], ...]] = (
    ("Telefone Fixo Ilimitado", 4_990),
    ("VoIP Empresarial 10 Canais", 19_990),
)
_RES_PRICES: Final[npt.NDArray[np.int64]] = np.array(
    [p for _, p in _RESIDENTIAL_PLANS], dtype=np.int64
)
_FIRST_NAMES: Final[tuple[str, ...]] = (
    "Ana", "Beatriz", "Bruna", "Camila", "Carlos", "Daniel", "Eduarda", "Fernanda",
    "Gabriel", "Gustavo", "Helena", "Isabela", "João", "José", "Juliana", "Larissa",
    "Lucas", "Luiz", "Marcos", "Maria", "Mariana", "Mateus", "Paulo", "Pedro",
    "Rafael", "Renata", "Rodrigo", "Sofia", "Thiago", "Vitória",
)  # fmt: skip
_SURNAMES: Final[tuple[str, ...]] = (
    "Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira",
    "Lima", "Gomes", "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Lopes",
    "Soares", "Fernandes", "Vieira", "Barbosa", "Rocha", "Dias", "Nascimento", "Araújo",
)  # fmt: skip
# (sector, business name prefixes)
_SECTORS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("Varejo", ("Mercado", "Padaria", "Loja", "Farmácia")),
    ("Serviços", ("Escritório", "Contabilidade", "Oficina", "Salão")),
    ("Saúde", ("Clínica", "Laboratório", "Consultório")),
    ("Educação", ("Escola", "Colégio", "Curso")),
    ("Indústria", ("Metalúrgica", "Indústria", "Confecções")),
    ("Agronegócio", ("Agropecuária", "Fazenda", "Cooperativa")),
)
_COMPANY_SUFFIXES: Final[tuple[str, ...]] = ("Ltda", "ME", "EIRELI", "S.A.")
_EMAIL_DOMAINS: Final[tuple[str, ...]] = (
    "gmail.com",
    "hotmail.com",
    "outlook.com",
    "yahoo.com.br",
    "uol.com.br",
    "bol.com.br",
)
_INVALID_CONTACTS: Final[tuple[tuple[str, str], ...]] = (
    ("email", ""),
    ("email", "n/a"),
    ("email", "foo@"),
    ("email", "sem email"),
    ("phone", "123"),
    ("phone", ""),
    ("phone", "(11) 1111-1111"),
    ("phone", "0"),
)
_CREDIT_REASONS: Final[tuple[str, ...]] = (
    "Indisponibilidade do serviço (Anatel)",
    "Pagamento em duplicidade",
    "Pagamento a maior",
    "Bônus de fidelidade",
    "Ajuste manual",
    "Devolução de equipamento",
)

IntArray = npt.NDArray[np.int64]


# ----------------------------------------------------------------------------- helpers


def _check_count(value: object, name: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InvalidParameterError(f"{name} must be an int, got {value!r}")
    count = operator.index(value)
    if count < minimum:
        raise InvalidParameterError(f"{name} must be >= {minimum}, got {count}")
    return count


def _check_date(value: object, name: str) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidParameterError(f"{name} must be a datetime.date, got {value!r}")
    return value


def _rng(seed: object, stream: int) -> np.random.Generator:
    """The generator of one stream of one seed (seed: an int >= 0)."""
    checked = _check_count(seed, "seed")
    return np.random.default_rng([checked, stream])


def _epoch_day(d: date) -> int:
    return (d - _EPOCH).days


def _biz(rng: np.random.Generator, n: int) -> IntArray:
    """Seconds into a day, within business hours (UTC)."""
    return _BIZ_START + rng.integers(0, _BIZ_SPAN, n)


def _ids(prefix: str, n: int, *, width: int, start: int = 1) -> npt.NDArray[np.str_]:
    """``prefix`` + zero-padded numbers ``start .. start + n - 1``, as a ``<U`` array.

    Built from code points (no Python loop): faster than ``np.strings`` or a
    list comprehension.
    """
    length = len(prefix) + width
    codes = np.empty((n, length), dtype=np.uint32)
    for j, ch in enumerate(prefix):
        codes[:, j] = ord(ch)
    rest = np.arange(start, start + n, dtype=np.int64)
    for k in range(width - 1, -1, -1):
        codes[:, len(prefix) + k] = (48 + rest % 10).astype(np.uint32)
        rest //= 10
    return codes.view(f"<U{length}").reshape(n)


def _width(n: int, minimum: int) -> int:
    return max(minimum, len(str(n)))


def _readonly(arr: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """A read-only view (the caller's array keeps its own flags)."""
    view = np.asarray(arr).view()
    view.flags.writeable = False
    return view


def _default_customers(n: int) -> int:
    return max(n // 10, min(n, 10), 1)


def _as_of_day(start: date, days: int, as_of: date | None) -> int:
    last_issue = _epoch_day(start) + days - 1
    if as_of is None:
        return last_issue + 1
    day = _epoch_day(_check_date(as_of, "as_of"))
    if day < last_issue:
        raise InvalidParameterError(
            f"as_of must be on or after the last issue day "
            f"{(start + timedelta(days=days - 1)).isoformat()}, got {as_of.isoformat()}"
        )
    return day


# ----------------------------------------------------------------------------- customer table


@attrs.frozen(eq=False)
class _CustomerTable:
    """Per-customer draws shared by the invoice columns and :func:`synth_customers`."""

    segment: IntArray  # 0 Residencial (individuals), 1-3 companies
    country: IntArray
    city: IntArray
    collector: IntArray
    plan: IntArray


def _customer_table(n_customers: int, seed: int) -> _CustomerTable:
    rng = _rng(seed, _STREAM_CUSTOMER_TABLE)
    company = rng.random(n_customers) < 0.25
    u = rng.random(n_customers)
    segment = np.where(company, np.where(u < 0.70, 1, np.where(u < 0.92, 2, 3)), 0)
    u = rng.random(n_customers)
    country = np.where(u < 0.95, 0, np.where(u < 0.97, 1, np.where(u < 0.985, 2, 3)))
    city = rng.integers(0, len(_CITIES), n_customers)
    collector = rng.integers(0, len(_COLLECTORS), n_customers)
    plan = rng.integers(0, len(_RESIDENTIAL_PLANS), n_customers)
    return _CustomerTable(
        segment=segment.astype(np.int64),
        country=country.astype(np.int64),
        city=city,
        collector=collector,
        plan=plan,
    )


# ----------------------------------------------------------------------------- the draws


@attrs.frozen(eq=False)
class _Draws:
    """Everything about ``n`` invoices, as arrays (times in seconds since the epoch, UTC).

    ``ts`` holds one column per event slot; ``_NEVER`` marks an event that did
    not happen (or not before the as-of instant).
    """

    n_customers: int
    customer: IntArray
    table: _CustomerTable
    due_day: IntArray
    amount: IntArray
    ts: IntArray  # (_N_SLOTS, n)
    pay_a_amount: IntArray  # the first (or only) payment
    pay_b_amount: IntArray  # the second instalment
    reason: IntArray
    promised_day: IntArray


def _draw(n: int, seed: int, start: date, days: int, as_of_day: int, n_customers: int) -> _Draws:
    rng = _rng(seed, _STREAM_INVOICES)
    table = _customer_table(n_customers, seed)
    never = np.int64(_NEVER)

    # Issue, posting, terms, customer, amount.
    issue_day = _epoch_day(start) + rng.integers(0, days, n)
    issued = issue_day * _DAY + _biz(rng, n)
    tie = rng.random(n) < 0.05
    posted = issued + np.where(tie, 0, rng.integers(600, 2 * _DAY, n))
    u = rng.random(n)
    terms = np.where(u < 0.25, 15, np.where(u < 0.85, 30, 45))
    due_day = issue_day + terms
    customer = rng.integers(0, n_customers, n)
    segment = table.segment[customer]
    extra = np.where(rng.random(n) < 0.15, rng.integers(500, 5_001, n), 0)
    residential = _RES_PRICES[table.plan[customer]] + extra
    small_business = rng.integers(19_990, 150_001, n)
    r = rng.random(n)
    r2 = r * r  # skewed towards small amounts, exact in IEEE arithmetic
    corporate = 100_000 + np.floor(r2 * 2_900_000).astype(np.int64)
    government = 200_000 + np.floor(r2 * 4_800_000).astype(np.int64)
    amount = np.choose(segment, [residential, small_business, corporate, government])

    # Outcome: when the invoice would be paid in full.
    bad = rng.random(n) < 0.03
    r = rng.random(n)
    delay = np.where(
        r < 0.70,
        rng.integers(-10, 3, n),
        np.where(r < 0.95, rng.integers(3, 31, n), rng.integers(31, 91, n)),
    )
    final = np.maximum((due_day + delay) * _DAY + _biz(rng, n), posted + _HOUR)

    # Disputes: an unresolved one blocks payment; a resolved one delays it.
    disputed = rng.random(n) < 0.08
    registered = posted + rng.integers(_HOUR, 20 * _DAY, n)
    stuck = rng.random(n) < 0.10
    resolved_at = (registered // _DAY + rng.integers(1, 41, n)) * _DAY + _biz(rng, n)
    resolved_at = np.maximum(resolved_at, registered + _HOUR)
    reason = rng.integers(0, len(_DISPUTE_REASONS), n)
    after_resolution = resolved_at + rng.integers(_HOUR, 5 * _DAY, n)
    final = np.where(disputed & ~stuck, np.maximum(final, after_resolution), final)
    final = np.where(bad | (disputed & stuck), never, final)

    # Instalments.
    two = rng.random(n) < 0.3
    partial_bad = rng.random(n) < 0.4
    share = rng.integers(30, 71, n)
    first_amount = amount * share // 100
    low = posted + _HOUR
    high = np.where(final < never, final - _HOUR, posted + 40 * _DAY)
    high = np.minimum(high, posted + 60 * _DAY)
    span = np.maximum(high - low, 1)
    first_at = low + np.floor(rng.random(n) * span).astype(np.int64)
    two &= high > low
    partial = (two & ~bad) | (bad & partial_bad)
    pay_a_at = np.where(partial, first_at, final)
    pay_a_amount = np.where(partial, first_amount, amount)
    pay_b_at = np.where(partial & (final < never), final, never)
    pay_b_amount = amount - first_amount
    lag_a = rng.integers(0, 4, n) * _DAY + rng.integers(300, 6 * _HOUR, n)
    lag_b = rng.integers(0, 4, n) * _DAY + rng.integers(300, 6 * _HOUR, n)

    # Write-offs.
    written_off = np.where(bad, (due_day + rng.integers(45, 106, n)) * _DAY + _biz(rng, n), never)

    # Letters while unsettled and not written off.
    stop = np.minimum(final, written_off)
    letters = []
    for offset in (5, 15, 30):
        at = (due_day + offset + rng.integers(0, 3, n)) * _DAY + _biz(rng, n)
        letters.append(np.where(at < stop, at, never))

    # Promises to pay after the first letter.
    wants_promise = rng.random(n) < 0.35
    created = letters[0] + rng.integers(_HOUR, 4 * _DAY, n)
    promise_at = np.where(wants_promise & (letters[0] < never) & (created < stop), created, never)
    promised_day = promise_at // _DAY + rng.integers(3, 11, n)

    # One row per slot (contiguous rows: cheap to fill and to mask).
    ts = np.empty((_N_SLOTS, n), dtype=np.int64)
    ts[_GEN] = issued
    ts[_POST] = posted
    ts[_DREG] = np.where(disputed, registered, never)
    ts[_DRES] = np.where(disputed & ~stuck, resolved_at, never)
    ts[_L1], ts[_L2], ts[_L3] = letters
    ts[_PROM] = promise_at
    ts[_PAR] = pay_a_at
    ts[_PAP] = np.where(pay_a_at < never, pay_a_at + lag_a, never)
    ts[_PBR] = pay_b_at
    ts[_PBP] = np.where(pay_b_at < never, pay_b_at + lag_b, never)
    ts[_SET] = final
    ts[_WOFF] = written_off
    # Nothing after a write-off; nothing at or after the as-of instant.
    as_of_s = as_of_day * _DAY + _DAY
    limit = np.minimum(written_off, as_of_s)
    for slot in range(_N_SLOTS):
        row = ts[slot]
        row[row >= (as_of_s if slot == _WOFF else limit)] = never
    return _Draws(
        n_customers=n_customers,
        customer=customer,
        table=table,
        due_day=due_day,
        amount=amount,
        ts=ts,
        pay_a_amount=pay_a_amount,
        pay_b_amount=pay_b_amount,
        reason=reason,
        promised_day=promised_day,
    )


def _prepare(
    n: int,
    seed: int,
    start: date,
    days: int,
    as_of: date | None,
    n_customers: int | None,
) -> _Draws:
    """Validate the common parameters and draw."""
    count = _check_count(n, "n")
    checked_seed = _check_count(seed, "seed")
    first = _check_date(start, "start")
    span = _check_count(days, "days", minimum=1)
    customers = (
        _default_customers(count)
        if n_customers is None
        else _check_count(n_customers, "n_customers", minimum=1)
    )
    as_of_day = _as_of_day(first, span, as_of)
    return _draw(count, checked_seed, first, span, as_of_day, customers)


# ----------------------------------------------------------------------------- columns


@attrs.frozen(eq=False)
class SynthColumns:
    """A synthetic event log as numpy columns, plus one row of attributes per invoice.

    Built by :func:`synth_event_columns`; every array is read-only. The event
    columns (length :attr:`n_events`) are grouped by invoice, invoices in
    number order, events of one invoice in time order (ties in lifecycle
    order), like a real extract; :meth:`shuffled` gives a permuted copy. The
    invoice columns (length :attr:`n_invoices`) are indexed by
    :attr:`case_index`.

    Attributes
    ----------
    case_index : ndarray of int64
        Per event: the row of its invoice in the invoice columns.
    case_id : ndarray of object (str)
        Per event: the invoice number, e.g. ``"INV0000001"`` (XES
        ``case:concept:name``); the events of one invoice share one ``str``.
        Measured at a million invoices: building the numbers as ``<U10``
        from code points and converting once to objects (0.1 s), then taking
        them per event (0.05 s), beats a per-event ``<U10`` column, which is
        five times larger (240 MB against 48 MB) and slower to allocate.
    activity : ndarray of object (str)
        Per event: the canonical English activity name (XES ``concept:name``).
    activity_code : ndarray of int8
        Per event: the index of :attr:`activity` in :data:`ACTIVITY_NAMES`.
    timestamp : ndarray of datetime64[ns]
        Per event: the instant, UTC (XES ``time:timestamp``). Whole seconds.
    amount : ndarray of int64
        Per event, in centavos (BRL minor units): the invoice amount for
        Invoice Generated, Posted and Sent, Settled and the dispute events; the
        payment for Payment Received and Posted; the open balance at that
        instant for letters, promises and write-offs.
    dunning_level : ndarray of int8
        Per event: the letter's level (1--3); 0 for other activities.
    dispute_reason : ndarray of object (str or None)
        Per event: the reason on dispute events, ``None`` elsewhere.
    lifecycle_rank : ndarray of int8
        Per event: the rank of its kind in the invoice lifecycle (0 Invoice
        Generated, 1 Posted, 2 Dispute Registered, 3--5 letters 1--3, 6
        promise, 7--8 first payment received/posted, 9 Dispute Resolved,
        10--11 second payment, 12 Invoice Settled, 13 Written Off). Events of
        one invoice at the same instant are in this order; pass it as the
        tie-break (``order=``) after shuffling.
    invoice_number : ndarray of object (str)
        Per invoice: its number (the case id).
    issued_at, posted_at : ndarray of datetime64[ns]
        Per invoice: issue and posting instants, UTC (``posted_at`` is NaT
        when the posting fell after as-of).
    due_date : ndarray of datetime64[D]
        Per invoice: the calendar due date (issue date + 15, 30 or 45 days).
    invoice_amount : ndarray of int64
        Per invoice: the amount in centavos.
    currency : ndarray of object (str)
        Per invoice: ``"BRL"``.
    customer_id : ndarray of object (str)
        Per invoice: ``"CUS000001"``, ... (the ids of :func:`synth_customers`).
    segment, country, collector : ndarray of object (str)
        Per invoice: the customer's segment, ISO country code and collector.
    settled_at, written_off_at : ndarray of datetime64[ns]
        Per invoice: settlement and write-off instants before as-of, else NaT.
    promised_date : ndarray of datetime64[D] or None
        Per event, with ``promises=True``: the promised date on Promise to Pay
        Created events (NaT elsewhere), as ``EventLog.from_invoices`` writes
        it; ``None`` when the columns have no promise events.
    as_of : date
        The data describe what was known at the end of this day (UTC).
    n_customers : int
        The number of customers drawn from: ``synth_customers(n_customers,
        seed=seed)`` gives the customers of :attr:`customer_id`.

    Examples
    --------
    >>> cols = synth_event_columns(2, seed=6)
    >>> list(cols.activity[cols.case_index == 0])  # doctest: +NORMALIZE_WHITESPACE
    ['Invoice Generated', 'Invoice Posted and Sent', 'Payment Received',
     'Invoice Settled', 'Payment Posted']
    >>> str(cols.case_id[0]), str(cols.timestamp.dtype)
    ('INV0000001', 'datetime64[ns]')
    >>> bool(cols.timestamp[2] == cols.timestamp[3])  # Settled at the payment's instant
    True
    """

    case_index: IntArray = attrs.field(converter=_readonly, repr=False)
    case_id: npt.NDArray[np.object_] = attrs.field(converter=_readonly, repr=False)
    activity: npt.NDArray[np.object_] = attrs.field(converter=_readonly, repr=False)
    activity_code: npt.NDArray[np.int8] = attrs.field(converter=_readonly, repr=False)
    timestamp: npt.NDArray[np.datetime64] = attrs.field(converter=_readonly, repr=False)
    amount: IntArray = attrs.field(converter=_readonly, repr=False)
    dunning_level: npt.NDArray[np.int8] = attrs.field(converter=_readonly, repr=False)
    dispute_reason: npt.NDArray[np.object_] = attrs.field(converter=_readonly, repr=False)
    lifecycle_rank: npt.NDArray[np.int8] = attrs.field(converter=_readonly, repr=False)
    invoice_number: npt.NDArray[np.object_] = attrs.field(converter=_readonly, repr=False)
    issued_at: npt.NDArray[np.datetime64] = attrs.field(converter=_readonly, repr=False)
    posted_at: npt.NDArray[np.datetime64] = attrs.field(converter=_readonly, repr=False)
    due_date: npt.NDArray[np.datetime64] = attrs.field(converter=_readonly, repr=False)
    invoice_amount: IntArray = attrs.field(converter=_readonly, repr=False)
    currency: npt.NDArray[np.object_] = attrs.field(converter=_readonly, repr=False)
    customer_id: npt.NDArray[np.object_] = attrs.field(converter=_readonly, repr=False)
    segment: npt.NDArray[np.object_] = attrs.field(converter=_readonly, repr=False)
    country: npt.NDArray[np.object_] = attrs.field(converter=_readonly, repr=False)
    collector: npt.NDArray[np.object_] = attrs.field(converter=_readonly, repr=False)
    settled_at: npt.NDArray[np.datetime64] = attrs.field(converter=_readonly, repr=False)
    written_off_at: npt.NDArray[np.datetime64] = attrs.field(converter=_readonly, repr=False)
    as_of: date = attrs.field()
    n_customers: int = attrs.field()
    promised_date: npt.NDArray[np.datetime64] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_readonly), repr=False
    )

    @property
    def n_events(self) -> int:
        """The number of events (rows of the event columns).

        Examples
        --------
        >>> synth_event_columns(0).n_events
        0
        """
        return int(self.case_index.shape[0])

    @property
    def n_invoices(self) -> int:
        """The number of invoices (rows of the invoice columns).

        Examples
        --------
        >>> synth_event_columns(4).n_invoices
        4
        """
        return int(self.invoice_number.shape[0])

    def shuffled(self, seed: int = 0) -> SynthColumns:
        """A copy with the events in a random order (invoice columns unchanged).

        For tests of order independence: every result computed from an event
        log must be the same on the shuffled copy.

        Parameters
        ----------
        seed : int, default 0
            Seed of the permutation (an int >= 0).

        Returns
        -------
        SynthColumns

        Examples
        --------
        >>> cols = synth_event_columns(50, seed=3)
        >>> mixed = cols.shuffled(seed=1)
        >>> bool((mixed.case_index != cols.case_index).any())
        True
        >>> sorted(mixed.timestamp.tolist()) == sorted(cols.timestamp.tolist())
        True
        """
        order = _rng(seed, _STREAM_SHUFFLE).permutation(self.n_events)
        return attrs.evolve(
            self,
            case_index=self.case_index[order],
            case_id=self.case_id[order],
            activity=self.activity[order],
            activity_code=self.activity_code[order],
            timestamp=self.timestamp[order],
            amount=self.amount[order],
            dunning_level=self.dunning_level[order],
            dispute_reason=self.dispute_reason[order],
            lifecycle_rank=self.lifecycle_rank[order],
            promised_date=None if self.promised_date is None else self.promised_date[order],
        )

    def to_mapping(self, *, case_attributes: bool = True) -> dict[str, npt.NDArray[Any]]:
        """The event columns under XES names, for ``EventLog.from_columns`` or pandas.

        Parameters
        ----------
        case_attributes : bool, default True
            Also repeat the invoice attributes on every event under ``case:``
            keys, as pm4py's DataFrames do.

        Returns
        -------
        dict of str to ndarray
            ``"case:concept:name"`` (case id), ``"concept:name"`` (activity),
            ``"time:timestamp"`` (datetime64[ns], UTC), ``"amount_minor"``
            (:attr:`amount`), ``"dunning_level"``, ``"dispute_reason"``,
            ``"lifecycle_rank"`` (the tie-break, for ``order=``), and
            ``"promised_date"`` when the columns hold promises; with
            case attributes also ``"case:customer_id"``, ``"case:due_date"``,
            ``"case:amount_minor"`` (:attr:`invoice_amount`),
            ``"case:currency"``, ``"case:collector"``, ``"case:segment"`` and
            ``"case:country"``. The arrays are shared, not copied, where
            possible (read-only).

        Notes
        -----
        Key names follow the XES standard extensions (concept, time) and
        pm4py's ``case:`` prefix for trace attributes (IEEE 1849-2016). The
        attribute names are those of ``EventLog.from_invoices``, so
        ``EventLog.from_columns(cols.to_mapping(), attributes="all")`` and
        ``EventLog.from_invoices(synth_invoices(...))`` have the same events
        and attribute names. Their *values* differ where the object path has
        nothing to say: here every event carries an amount and a dunning level
        (0 off letters), there only some do (``None`` elsewhere).

        Examples
        --------
        >>> m = synth_event_columns(3, seed=2).to_mapping()
        >>> list(m)[:3]
        ['case:concept:name', 'concept:name', 'time:timestamp']
        >>> len({len(v) for v in m.values()})
        1
        """
        mapping: dict[str, npt.NDArray[Any]] = {
            "case:concept:name": self.case_id,
            "concept:name": self.activity,
            "time:timestamp": self.timestamp,
            "amount_minor": self.amount,
            "dunning_level": self.dunning_level,
            "dispute_reason": self.dispute_reason,
            "lifecycle_rank": self.lifecycle_rank,
        }
        if self.promised_date is not None:
            mapping["promised_date"] = self.promised_date
        if case_attributes:
            index = self.case_index
            for key, column in (
                ("case:customer_id", self.customer_id),
                ("case:due_date", self.due_date),
                ("case:amount_minor", self.invoice_amount),
                ("case:currency", self.currency),
                ("case:collector", self.collector),
                ("case:segment", self.segment),
                ("case:country", self.country),
            ):
                mapping[key] = _readonly(column[index])
        return mapping


def _ns(seconds: IntArray) -> npt.NDArray[np.datetime64]:
    """Seconds since the epoch (``_NEVER`` = missing) -> datetime64[ns] with NaT."""
    out = np.where(seconds < _NEVER, seconds * _NS_PER_S, np.iinfo(np.int64).min)
    return out.astype(np.int64).view("datetime64[ns]")


def _columns(d: _Draws, as_of_day: int, promises: bool) -> SynthColumns:
    ts = d.ts
    n = ts.shape[1]
    key_by_slot = (ts << _SLOT_BITS) | np.arange(_N_SLOTS, dtype=np.int64)[:, None]
    key_by_slot[ts >= _NEVER] = _SENTINEL
    if not promises:
        key_by_slot[_PROM] = _SENTINEL
    key = np.ascontiguousarray(key_by_slot.T)  # (n, _N_SLOTS): one row per invoice
    key.sort(axis=1)
    present = key != _SENTINEL
    counts = present.sum(axis=1)
    flat = key[present]
    case_index = np.repeat(np.arange(n, dtype=np.int64), counts)
    slot = flat & ((1 << _SLOT_BITS) - 1)
    seconds = flat >> _SLOT_BITS
    activity_code = _SLOT_ACTIVITY[slot]
    # Amount: the invoice's, a payment's, or the open balance (amount less the
    # first instalment once received: the final payment always comes last).
    amount = d.amount[case_index]
    kind = _SLOT_AMOUNT[slot]
    mask = kind == 1
    amount[mask] = d.pay_a_amount[case_index[mask]]
    mask = kind == 2
    amount[mask] = d.pay_b_amount[case_index[mask]]
    mask = kind == 3
    owner = case_index[mask]
    amount[mask] -= np.where(ts[_PAR][owner] < seconds[mask], d.pay_a_amount[owner], 0)
    is_dispute = (slot == _DREG) | (slot == _DRES)
    reason = np.full(flat.shape[0], None, dtype=object)
    reasons = np.array(_DISPUTE_REASONS, dtype=object)
    reason[is_dispute] = reasons[d.reason[case_index[is_dispute]]]

    numbers = _ids("INV", n, width=_width(n, 7)).astype(object)
    customer_ids = _ids("CUS", d.n_customers, width=_width(d.n_customers, 6)).astype(object)
    customer = d.customer
    segment = np.array(_SEGMENTS, dtype=object)[d.table.segment][customer]
    country = np.array(_COUNTRIES, dtype=object)[d.table.country][customer]
    collector = np.array(_COLLECTORS, dtype=object)[d.table.collector][customer]
    currency = np.full(n, "BRL", dtype=object)
    promised_date = None
    if promises:  # the promised date on promise events, as EventLog.from_invoices writes it
        is_promise = slot == _PROM
        days = np.full(flat.shape[0], np.iinfo(np.int64).min, dtype=np.int64)
        days[is_promise] = d.promised_day[case_index[is_promise]]
        promised_date = days.view("datetime64[D]")
    return SynthColumns(
        case_index=case_index,
        case_id=numbers[case_index],
        activity=_ACTIVITY_OBJ[activity_code],
        activity_code=activity_code,
        timestamp=(seconds * _NS_PER_S).view("datetime64[ns]"),
        amount=amount,
        dunning_level=_SLOT_LEVEL[slot],
        dispute_reason=reason,
        lifecycle_rank=slot.astype(np.int8),
        invoice_number=numbers,
        issued_at=_ns(ts[_GEN]),
        posted_at=_ns(ts[_POST]),
        due_date=d.due_day.view("datetime64[D]"),
        invoice_amount=d.amount.copy(),
        currency=currency,
        customer_id=customer_ids[customer],
        segment=segment,
        country=country,
        collector=collector,
        settled_at=_ns(ts[_SET]),
        written_off_at=_ns(ts[_WOFF]),
        as_of=_EPOCH + timedelta(days=as_of_day),
        n_customers=d.n_customers,
        promised_date=promised_date,
    )


def synth_event_columns(
    n_invoices: int,
    *,
    seed: int = 0,
    start: date = _DEFAULT_START,
    days: int = _DEFAULT_DAYS,
    as_of: date | None = None,
    n_customers: int | None = None,
    promises: bool = False,
) -> SynthColumns:
    """Draw a synthetic invoice-to-cash event log as numpy columns (fast, vectorised).

    About six events per invoice (see the module docstring for the process);
    a million invoices take a couple of seconds. The same arguments always
    give the same columns.

    Parameters
    ----------
    n_invoices : int
        Number of invoices (cases), >= 0.
    seed : int, default 0
        Seed (an int >= 0).
    start : date, default 2024-01-01
        First issue day.
    days : int, default 365
        Invoices are issued on days ``start .. start + days - 1``.
    as_of : date, optional
        The extract is taken at the end of this day (UTC): later events are
        absent. Default ``start + days``; must not be before the last issue day.
    n_customers : int, optional
        Number of customers the invoices are spread over (default
        ``max(n // 10, min(n, 10), 1)``). Customer ``k`` has the id, segment
        and country of the ``k``-th customer of
        ``synth_customers(n_customers, seed=seed)``.
    promises : bool, default False
        Also emit "Promise to Pay Created" events, with their promised date
        (:attr:`SynthColumns.promised_date`; always drawn, so the other events
        do not change with this flag).

    Returns
    -------
    SynthColumns

    Raises
    ------
    InvalidParameterError
        For a negative ``n_invoices`` or ``seed``, ``days < 1``, a non-date
        ``start``/``as_of`` or an ``as_of`` before the last issue day.

    Notes
    -----
    The event mix follows the credit-management event-log template [PMD]_ and
    a workload of about six events per invoice (as in kpicore's benchmarks).
    Dunning offsets (5, 15, 30 days) follow the "notice D+1..5, block ≈ D+20,
    negativação ≈ D+30" practice of Brazilian internet providers
    (:func:`kpicore.kpis.dunning.isp_typical_schedule`). Vectorisation: the events of each
    invoice fill a fixed set of 14 slots; one sort of the ``(n, 14)`` key
    matrix ``seconds << 4 | slot`` orders them (ties in slot order) and a mask
    drops the absent ones.

    Examples
    --------
    >>> cols = synth_event_columns(5, seed=42)
    >>> cols.n_invoices, str(cols.as_of)
    (5, '2024-12-31')
    >>> str(cols.invoice_number[0]), str(cols.customer_id[0]), str(cols.due_date[0])
    ('INV0000001', 'CUS000004', '2024-03-03')
    >>> bool((cols.timestamp < np.datetime64("2025-01-01")).all())
    True
    """
    draws = _prepare(n_invoices, seed, start, days, as_of, n_customers)
    as_of_day = _as_of_day(start, days, as_of)
    return _columns(draws, as_of_day, _check_flag(promises, "promises"))


def _check_flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidParameterError(f"{name} must be True or False, got {value!r}")
    return value


# ----------------------------------------------------------------------------- invoices


class _Amounts:
    """Minor units -> Money in one currency, memoised (Money is immutable)."""

    __slots__ = ("_cache", "_currency")

    def __init__(self, currency: str) -> None:
        self._currency = currency
        self._cache: dict[int, Money] = {}

    def __call__(self, minor: int) -> Money:
        found = self._cache.get(minor)
        if found is None:
            found = Money(minor, self._currency)
            self._cache[minor] = found
        return found


def synth_invoices(
    n: int,
    *,
    seed: int = 0,
    start: date = _DEFAULT_START,
    days: int = _DEFAULT_DAYS,
    as_of: date | None = None,
    n_customers: int | None = None,
    promises: bool = True,
) -> list[Invoice]:
    """Draw synthetic invoices (model objects) with payments, disputes, letters and promises.

    Built from the same vectorised draws as :func:`synth_event_columns`: with
    the same arguments, invoice ``i`` here is case ``i`` there, with the same
    number, customer, amount, due date and events.

    Parameters
    ----------
    n : int
        Number of invoices, >= 0.
    seed : int, default 0
        Seed (an int >= 0).
    start : date, default 2024-01-01
        First issue day.
    days : int, default 365
        Invoices are issued on days ``start .. start + days - 1``.
    as_of : date, optional
        Only what happened before the end of this day (UTC) is recorded.
        Default ``start + days``; not before the last issue day.
    n_customers : int, optional
        As in :func:`synth_event_columns`.
    promises : bool, default True
        Record promises to pay (on about a third of the dunned invoices). The
        columns omit them by default: pass ``promises=True`` to both for the
        same events.

    Returns
    -------
    list of Invoice
        In number order (``INV0000001``, ...); BRL amounts; ``contract_id`` is
        ``"<customer id>-C1"`` (the first contract of :func:`synth_contracts`),
        ``source_system`` is ``"synth"``, ``collector`` the customer's.

    Raises
    ------
    InvalidParameterError
        As :func:`synth_event_columns`.

    Notes
    -----
    Mapping to the columns (same arguments, ``promises`` equal): Invoice
    Generated = ``issued_at``; Invoice Posted and Sent = ``posted_at``;
    Payment Received / Posted = ``payments[k].received_at`` / ``posted_at``
    (``posted_at`` is ``None`` when posting fell after as-of); Dispute
    Registered / Resolved = ``disputes[0]``; Collection Letter Generated =
    ``dunning_letters`` (level = ``dunning_level``); Promise to Pay Created =
    ``promises[0].created_at``; Invoice Settled = :attr:`Invoice.settled_at`
    (derived from the payments, equal to the column's instant); Invoice Written
    Off = ``written_off_at``. Amounts are equal too (letters, promises and
    write-offs carry the open balance). So ``EventLog.from_invoices`` of these
    invoices and ``EventLog.from_columns`` of the columns hold the same events
    in the same order, ties included (tested). Differences: the columns carry
    ``segment`` and ``country`` per invoice (the objects leave them to
    :func:`synth_customers`), the objects carry ``contract_id``, payment ids,
    promised dates and ``source_system``; event attributes differ as described
    in :meth:`SynthColumns.to_mapping`. 100 000 invoices take a few seconds
    (mostly model validation).

    Examples
    --------
    >>> invoices = synth_invoices(3, seed=42)
    >>> inv = invoices[0]
    >>> inv.number, inv.customer_id, inv.amount.format_br(), inv.due_date.isoformat()
    ('INV0000001', 'CUS000003', 'R$ 119,90', '2024-02-17')
    >>> [p.amount.format_br() for p in inv.payments], inv.status().value
    (['R$ 53,95', 'R$ 65,95'], 'paid')
    >>> cols = synth_event_columns(3, seed=42, promises=True)
    >>> len(cols.activity[cols.case_index == 0]) == (
    ...     2 + 2 * len(inv.payments) + len(inv.dunning_letters) + len(inv.promises) + 1)
    True
    """
    draws = _prepare(n, seed, start, days, as_of, n_customers)
    with_promises = _check_flag(promises, "promises")
    numbers = _ids("INV", n, width=_width(n, 7)).tolist()
    customer_ids = _ids("CUS", draws.n_customers, width=_width(draws.n_customers, 6)).tolist()
    collectors = [_COLLECTORS[k] for k in draws.table.collector.tolist()]
    ts_rows = draws.ts.T.tolist()
    amounts = draws.amount.tolist()
    pay_a_amounts = draws.pay_a_amount.tolist()
    pay_b_amounts = draws.pay_b_amount.tolist()
    due_days = draws.due_day.tolist()
    promised_days = draws.promised_day.tolist()
    reasons = draws.reason.tolist()
    customers = draws.customer.tolist()
    money = _Amounts("BRL")

    def at(seconds: int) -> datetime:
        return datetime.fromtimestamp(seconds, UTC)

    epoch_ordinal = _EPOCH.toordinal()
    never = _NEVER
    letter_slots = ((1, _L1), (2, _L2), (3, _L3))

    out: list[Invoice] = []
    for i in range(n):
        row = ts_rows[i]
        number = numbers[i]
        payments = []
        for k, (received, posted_slot, paid) in enumerate(
            ((_PAR, _PAP, pay_a_amounts[i]), (_PBR, _PBP, pay_b_amounts[i])), start=1
        ):
            if row[received] < never:
                posted = row[posted_slot]
                payments.append(
                    Payment(
                        at(row[received]),
                        money(paid),
                        posted_at=at(posted) if posted < never else None,
                        id=f"{number}-P{k}",
                    )
                )
        disputes: tuple[Dispute, ...] = ()
        if row[_DREG] < never:
            resolved = row[_DRES]
            disputes = (
                Dispute(
                    at(row[_DREG]),
                    _DISPUTE_REASONS[reasons[i]],
                    resolved_at=at(resolved) if resolved < never else None,
                ),
            )
        letters = tuple(
            DunningLetter(level, at(row[slot]))
            for level, slot in letter_slots
            if row[slot] < never
        )
        promise_list: tuple[PromiseToPay, ...] = ()
        if with_promises and row[_PROM] < never:
            promise_list = (
                PromiseToPay(
                    at(row[_PROM]),
                    date.fromordinal(epoch_ordinal + promised_days[i]),
                    money(amounts[i] - (pay_a_amounts[i] if row[_PAR] < row[_PROM] else 0)),
                ),
            )
        customer = customers[i]
        out.append(
            Invoice(
                number,
                customer_ids[customer],
                at(row[_GEN]),
                date.fromordinal(epoch_ordinal + due_days[i]),
                money(amounts[i]),
                contract_id=f"{customer_ids[customer]}-C1",
                posted_at=at(row[_POST]) if row[_POST] < never else None,
                payments=tuple(payments),
                disputes=disputes,
                dunning_letters=letters,
                promises=promise_list,
                written_off_at=at(row[_WOFF]) if row[_WOFF] < never else None,
                collector=collectors[customer],
                source_system="synth",
            )
        )
    return out


# ----------------------------------------------------------------------------- customers


def _ascii_slug(text: str) -> str:
    """Lower-case ASCII letters and digits only ("Araújo" -> "araujo")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed.lower() if ch.isascii() and ch.isalnum())


def _phone(area: str, digits: int, *, mobile: bool) -> str:
    """A Brazilian phone number: ``(11) 99876-5432`` or ``(11) 3456-7890``."""
    if mobile:
        return f"({area}) 9{digits // 10_000 % 10_000:04d}-{digits % 10_000:04d}"
    return f"({area}) 3{digits // 10_000 % 1_000:03d}-{digits % 10_000:04d}"


def synth_customers(
    n: int,
    *,
    seed: int = 0,
    start: date = _DEFAULT_START,
) -> list[Customer]:
    """Draw synthetic ISP customers with Brazilian names, cities and contacts.

    Customer ``k`` (id ``CUS000001`` + k) has the segment and country that the
    invoices of ``synth_event_columns(..., n_customers=n, seed=seed)`` and
    :func:`synth_invoices` give it, so KPIs can be split by customer
    attributes. About 25 % are companies (segments PME, Corporativo,
    Governo, with a sector), the rest individuals (segment Residencial); 95 %
    are in Brazil.

    Parameters
    ----------
    n : int
        Number of customers, >= 0.
    seed : int, default 0
        Seed (an int >= 0).
    start : date, default 2024-01-01
        Customers were registered during the eight years before this day;
        contacts were added between registration and this day.

    Returns
    -------
    list of Customer

    Raises
    ------
    InvalidParameterError
        For a negative ``n`` or ``seed``, or a non-date ``start``.

    Notes
    -----
    Contacts, for the contact-quality KPIs
    (:func:`kpicore.kpis.contacts.customers_without_contact`): 85 % have an
    e-mail, 80 % a mobile phone, 25 % a second phone; about 8 % of e-mails
    and phones are unusable (``""``, ``"n/a"``, ``"foo@"``, ``"sem email"``,
    ``"123"``, ``"(11) 1111-1111"``, ``"0"``), and about 3 % of customers
    have no contact at all. Valid phones look
    like ``"(11) 99999-8888"``. 20 % of contacts have no ``added_at``.
    Credit limits: companies always, individuals 40 %.

    Examples
    --------
    >>> people = synth_customers(3, seed=5)
    >>> [c.id for c in people]
    ['CUS000001', 'CUS000002', 'CUS000003']
    >>> people[0].name, people[0].segment, people[0].city
    ('Pedro Costa Martins', 'Residencial', 'São Paulo')
    >>> [c.value for c in people[0].contacts]
    ['(11) 98832-1986']
    """
    count = _check_count(n, "n")
    first_day = _epoch_day(_check_date(start, "start"))
    table = _customer_table(count, _check_count(seed, "seed"))
    rng = _rng(seed, _STREAM_CUSTOMERS)
    ids = _ids("CUS", count, width=_width(count, 6)).tolist()
    first = rng.integers(0, len(_FIRST_NAMES), count).tolist()
    surname1 = rng.integers(0, len(_SURNAMES), count).tolist()
    surname2 = rng.integers(0, len(_SURNAMES), count).tolist()
    sector = rng.integers(0, len(_SECTORS), count).tolist()
    prefix = rng.integers(0, 12, count).tolist()
    suffix = rng.integers(0, len(_COMPANY_SUFFIXES), count).tolist()
    created_day = first_day - rng.integers(1, 8 * 365, count)
    domain = rng.integers(0, len(_EMAIL_DOMAINS), count).tolist()
    number = rng.integers(1, 100, count).tolist()
    has_email = (rng.random(count) < 0.85).tolist()
    has_phone = (rng.random(count) < 0.80).tolist()
    has_phone2 = (rng.random(count) < 0.25).tolist()
    bad = (rng.random((count, 3)) < 0.08).tolist()
    bad_value = rng.integers(0, len(_INVALID_CONTACTS), (count, 3)).tolist()
    digits = rng.integers(0, 100_000_000, (count, 2)).tolist()
    no_date = (rng.random((count, 3)) < 0.20).tolist()
    added_fraction = rng.random((count, 3))
    created_s = created_day * _DAY + _biz(rng, count)
    window = first_day * _DAY - created_s  # registration .. start
    added = (
        created_s[:, None] + np.floor(added_fraction * window[:, None]).astype(np.int64)
    ).tolist()
    created = created_s.tolist()
    limit_draw = rng.integers(1, 11, count).tolist()
    has_limit = (rng.random(count) < 0.40).tolist()
    segments = table.segment.tolist()
    countries = table.country.tolist()
    cities = table.city.tolist()
    money = _Amounts("BRL")

    def at(seconds: int) -> datetime:
        return datetime.fromtimestamp(seconds, UTC)

    out: list[Customer] = []
    for i in range(count):
        segment = segments[i]
        company = segment != 0
        country = _COUNTRIES[countries[i]]
        if country == "BR":
            city, _, region, area = _CITIES[cities[i]]
        else:
            city, region = _FOREIGN_CITIES[country]
            area = "45"
        first_name = _FIRST_NAMES[first[i]]
        last1, last2 = _SURNAMES[surname1[i]], _SURNAMES[surname2[i]]
        sector_name, prefixes = _SECTORS[sector[i]]
        if company:
            name = f"{prefixes[prefix[i] % len(prefixes)]} {last1} {_COMPANY_SUFFIXES[suffix[i]]}"
            email = f"financeiro@{_ascii_slug(prefixes[prefix[i] % len(prefixes)] + last1)}.com.br"
        else:
            name = f"{first_name} {last1} {last2}"
            email = (
                f"{_ascii_slug(first_name)}.{_ascii_slug(last1)}{number[i]}"
                f"@{_EMAIL_DOMAINS[domain[i]]}"
            )
        values: list[tuple[str, str]] = []
        if has_email[i]:
            values.append(("email", email))
        if has_phone[i]:
            values.append(("phone", _phone(area, digits[i][0], mobile=True)))
        if has_phone2[i]:
            values.append(("phone", _phone(area, digits[i][1], mobile=not company)))
        contacts = []
        for k, (kind, value) in enumerate(values):
            if bad[i][k]:
                kind, value = _INVALID_CONTACTS[bad_value[i][k]]
            added_at = None if no_date[i][k] else at(added[i][k])
            contacts.append(Contact(ContactKind(kind), value, added_at))
        if segment == 0:
            credit_limit = money(limit_draw[i] * 30_000) if has_limit[i] else None
        else:
            credit_limit = money(limit_draw[i] * (500_000, 5_000_000, 10_000_000)[segment - 1])
        out.append(
            Customer(
                ids[i],
                name,
                CustomerKind.COMPANY if company else CustomerKind.INDIVIDUAL,
                segment=_SEGMENTS[segment],
                sector=sector_name if company else None,
                country=country,
                region=region,
                city=city,
                credit_limit=credit_limit,
                contacts=tuple(contacts),
                created_at=at(created[i]),
            )
        )
    return out


# ----------------------------------------------------------------------------- contracts

_STATUS_CUTS: Final[tuple[tuple[float, ContractStatus], ...]] = (
    (0.74, ContractStatus.ACTIVE),
    (0.81, ContractStatus.SUSPENDED),
    (0.89, ContractStatus.CANCELLED),
    (0.92, ContractStatus.INACTIVE),
    (0.95, ContractStatus.PRE_CONTRACT),
    (1.00, ContractStatus.NEGATIVADO),
)
_ACCESS_CUTS: Final[dict[ContractStatus, tuple[tuple[float, AccessStatus], ...]]] = {
    ContractStatus.ACTIVE: (
        (0.85, AccessStatus.ACTIVE),
        (0.90, AccessStatus.REDUCED),
        (0.95, AccessStatus.BLOCKED_AUTO),
        (1.00, AccessStatus.FINANCIAL_HOLD),
    ),
    ContractStatus.SUSPENDED: (
        (0.50, AccessStatus.BLOCKED_AUTO),
        (0.75, AccessStatus.BLOCKED_MANUAL),
        (1.00, AccessStatus.FINANCIAL_HOLD),
    ),
    ContractStatus.CANCELLED: ((1.00, AccessStatus.DISABLED),),
    ContractStatus.INACTIVE: ((1.00, AccessStatus.DISABLED),),
    ContractStatus.PRE_CONTRACT: ((1.00, AccessStatus.AWAITING_SIGNATURE),),
    ContractStatus.NEGATIVADO: ((0.60, AccessStatus.BLOCKED_AUTO), (1.00, AccessStatus.DISABLED)),
}
_BILLING_DAYS: Final[tuple[int, ...]] = (5, 10, 15, 20, 25)


def _pick(cuts: tuple[tuple[float, Any], ...], u: float) -> Any:
    for cut, value in cuts:
        if u < cut:
            return value
    return cuts[-1][1]


def _default_as_of() -> date:
    return _DEFAULT_START + timedelta(days=_DEFAULT_DAYS)


def _paid_until_offset(status: ContractStatus, u: float, k: int) -> int | None:
    """Months of ``paid_until`` relative to the expected period (None = never paid)."""
    if status in (ContractStatus.SUSPENDED, ContractStatus.NEGATIVADO):
        return -2 - k % 5  # two to six months behind
    if u < 0.03:
        return None
    if u < 0.80:
        return 0
    if u < 0.86:
        return 1
    if u < 0.94:
        return -1 - k % 2
    if u < 0.98:
        return -3 - k % 4
    return 3 + k % 10  # far ahead: 3 to 12 months


def synth_contracts(
    customers: Sequence[Customer],
    *,
    seed: int = 0,
    as_of: date | None = None,
) -> list[Contract]:
    """Draw synthetic ISP service contracts for customers, as of a date.

    One contract per customer, two for 10 %; ids ``"<customer id>-C1"``,
    ``"-C2"``. Individuals get residential fibre plans ("Fibra 300 Mega",
    "Fibra 600 Mega", ...), companies business plans ("Empresarial 1 Giga",
    "Link Dedicado 100 Mega", ...) or, 10 %, a phone plan.

    Parameters
    ----------
    customers : sequence of Customer
        The customers (e.g. from :func:`synth_customers`); their ``id`` and
        ``kind`` are used.
    seed : int, default 0
        Seed (an int >= 0).
    as_of : date, optional
        The day the contracts are observed (default 2024-12-31, the default
        as-of of the invoices).

    Returns
    -------
    list of Contract

    Raises
    ------
    InvalidParameterError
        For a negative seed or a non-date ``as_of``.

    Notes
    -----
    The mix exercises the paid-until and prepaid KPIs (IXC contract
    fields [IXC-API]_): 30 % prepaid; statuses active 74 %, suspended
    7 %, cancelled 8 %, inactive 3 %, pre-contract 3 %, negativado 5 %, with
    consistent access statuses (blocked, financial hold, reduced speed,
    disabled, awaiting signature); 3 % exempt. ``paid_until`` is the day
    before the billing day, counted in months from the expected period
    (the current one for prepaid, the previous one for postpaid): on time
    for 77 %, one month ahead 6 %, one or two behind 8 %, three to six
    behind 4 %, three to twelve months *ahead* 2 % (the suspicious case), never
    paid (``None``) 3 %; suspended and negativado contracts are two to six
    months behind. Pre-contracts have no activation or a future one, and 2 %
    of the active ones are activated after ``as_of`` (without ``paid_until``).
    Cancelled and inactive contracts have a ``cancelled_at`` between
    activation and ``as_of``. Billing days are 5, 10, 15, 20 or 25, 5 % on the
    31st (clipped to the month's end), 3 % unknown.

    Examples
    --------
    >>> from datetime import date
    >>> contracts = synth_contracts(synth_customers(3, seed=5), seed=5, as_of=date(2024, 6, 30))
    >>> [(k.id, k.plan, k.billing_mode.value, k.status.value) for k in contracts][:2]
    [('CUS000001-C1', 'Fibra 500 Mega', 'postpaid', 'active'),
     ('CUS000002-C1', 'Fibra 500 Mega', 'prepaid', 'active')]
    >>> contracts[0].billing_day, contracts[0].paid_until  # the previous period is paid
    (25, datetime.date(2024, 6, 24))
    """
    _check_count(seed, "seed")
    day = _default_as_of() if as_of is None else _check_date(as_of, "as_of")
    people = list(customers)
    for i, customer in enumerate(people):
        if not isinstance(customer, Customer):
            raise InvalidParameterError(
                f"customers[{i}] must be a kpicore.model.Customer, got {customer!r}"
            )
    rng = _rng(seed, _STREAM_CONTRACTS)
    size = 2 * len(people)
    second = (rng.random(len(people)) < 0.10).tolist()
    u_status = rng.random(size).tolist()
    u_access = rng.random(size).tolist()
    prepaid = (rng.random(size) < 0.30).tolist()
    u_plan = rng.random(size).tolist()
    plan_k = rng.integers(0, 60, size).tolist()
    exempt = (rng.random(size) < 0.03).tolist()
    age_days = rng.integers(30, 6 * 365, size).tolist()
    future = (rng.random(size) < 0.02).tolist()
    ahead_days = rng.integers(1, 46, size).tolist()
    u_day = rng.random(size).tolist()
    billing_k = rng.integers(0, len(_BILLING_DAYS), size).tolist()
    u_paid = rng.random(size).tolist()
    paid_k = rng.integers(0, 60, size).tolist()
    u_cancel = rng.random(size).tolist()
    u_renewal = rng.random(size).tolist()
    money = _Amounts("BRL")

    out: list[Contract] = []
    for i, customer in enumerate(people):
        company = customer.kind is CustomerKind.COMPANY
        for j in range(2 if second[i] else 1):
            x = 2 * i + j
            status: ContractStatus = _pick(_STATUS_CUTS, u_status[x])
            access: AccessStatus = _pick(_ACCESS_CUTS[status], u_access[x])
            if company and u_plan[x] < 0.10:
                plan, price = _PHONE_PLANS[plan_k[x] % len(_PHONE_PLANS)]
                service = "Telefonia"
            else:
                plans = _BUSINESS_PLANS if company else _RESIDENTIAL_PLANS
                plan, price = plans[plan_k[x] % len(plans)]
                service = "Internet"
            activation: date | None
            if status is ContractStatus.PRE_CONTRACT:
                activation = day + timedelta(days=ahead_days[x]) if u_cancel[x] < 0.5 else None
            elif future[x] and status is ContractStatus.ACTIVE:
                activation = day + timedelta(days=ahead_days[x])
            else:
                activation = day - timedelta(days=age_days[x])
            billing_day: int | None
            if u_day[x] < 0.03:
                billing_day = None
            elif u_day[x] < 0.08:
                billing_day = 31
            else:
                billing_day = _BILLING_DAYS[billing_k[x]]
            mode = BillingMode.PREPAID if prepaid[x] else BillingMode.POSTPAID
            cancelled_at: date | None = None
            if (
                activation is not None
                and activation <= day
                and (
                    status is ContractStatus.CANCELLED
                    or (status is ContractStatus.INACTIVE and u_cancel[x] < 0.8)
                )
            ):
                span = (day - activation).days
                cancelled_at = activation + timedelta(days=int(u_cancel[x] * span))
            paid_until: date | None = None
            offset = _paid_until_offset(status, u_paid[x], paid_k[x])
            if (
                activation is not None
                and activation <= day
                and status is not ContractStatus.PRE_CONTRACT
                and offset is not None
            ):
                anchor = billing_day or activation.day
                # The current period runs to the next billing day after as_of.
                next_bill = day + relativedelta(day=anchor)
                if next_bill <= day:
                    next_bill = day + relativedelta(months=1, day=anchor)
                expected = 0 if mode is BillingMode.PREPAID else -1
                end = next_bill + relativedelta(months=expected + offset, day=anchor)
                paid_until = max(end - timedelta(days=1), activation - timedelta(days=1))
                if cancelled_at is not None:
                    paid_until = min(paid_until, cancelled_at)
            renewal: date | None = None
            if activation is not None and u_renewal[x] < 0.9:
                years = max(1, day.year - activation.year + 1)
                renewal = activation + relativedelta(years=years)
            out.append(
                Contract(
                    f"{customer.id}-C{j + 1}",
                    customer.id,
                    plan,
                    mode,
                    status,
                    access,
                    money(price),
                    activation_date=activation,
                    renewal_date=renewal,
                    paid_until=paid_until,
                    exempt=exempt[x],
                    billing_day=billing_day,
                    cancelled_at=cancelled_at,
                    service_type=service,
                )
            )
    return out


# ----------------------------------------------------------------------------- credits

_CREDIT_CUTS: Final[tuple[tuple[float, CreditStatus], ...]] = (
    (0.40, CreditStatus.OPEN),
    (0.70, CreditStatus.USED),
    (0.82, CreditStatus.CANCELLED),
    (0.92, CreditStatus.REFUNDED),
    (1.00, CreditStatus.EXPIRED),
)


def synth_credits(
    customers: Sequence[Customer],
    *,
    seed: int = 0,
    as_of: date | None = None,
    foreign_share: float = 0.03,
) -> list[Credit]:
    """Draw synthetic customer credits (*créditos em haver*) as of a date.

    About 30 % of customers hold credits (one, sometimes two); ids
    ``CR000001``, ... in customer order.

    Parameters
    ----------
    customers : sequence of Customer
        The customers (their ``id`` is used).
    seed : int, default 0
        Seed (an int >= 0).
    as_of : date, optional
        Credits were issued during the 400 days before the end of this day and
        ended (if they did) before it. Default 2024-12-31.
    foreign_share : float, default 0.03
        Share of credits drawn in USD instead of BRL (to exercise per-currency
        totals); 0 gives a portfolio in BRL only. In ``[0, 1]``.

    Returns
    -------
    list of Credit

    Raises
    ------
    InvalidParameterError
        For a negative seed or a non-date ``as_of``.

    Notes
    -----
    Statuses open 40 %, used 30 %, cancelled 12 %, refunded 10 %, expired 8 %
    (the lifecycle of :mod:`kpicore.kpis.credits`): an open credit is partly
    used (or not at all), a used one fully, an ended one partly; ended
    credits have ``cancelled_at``. Amounts R$ 10--300; ``foreign_share`` of
    them (3 % by default) are in USD, the rest BRL. Reasons: outage abatement
    (Anatel), duplicate payment, overpayment, loyalty bonus, manual
    adjustment, equipment return.

    Examples
    --------
    >>> credits = synth_credits(synth_customers(20, seed=1), seed=1)
    >>> credits[0].id, credits[0].customer_id, credits[0].status.value
    ('CR000001', 'CUS000002', 'used')
    >>> all(c.used_amount <= c.amount for c in credits)
    True
    """
    _check_count(seed, "seed")
    day = _default_as_of() if as_of is None else _check_date(as_of, "as_of")
    if (
        isinstance(foreign_share, bool)
        or not isinstance(foreign_share, int | float)
        or not 0.0 <= foreign_share <= 1.0
    ):
        raise InvalidParameterError(f"foreign_share must be in [0, 1], got {foreign_share!r}")
    people = list(customers)
    for i, customer in enumerate(people):
        if not isinstance(customer, Customer):
            raise InvalidParameterError(
                f"customers[{i}] must be a kpicore.model.Customer, got {customer!r}"
            )
    rng = _rng(seed, _STREAM_CREDITS)
    count = len(people)
    u = rng.random(count)
    how_many = np.where(u < 0.70, 0, np.where(u < 0.92, 1, 2)).tolist()
    size = 2 * count
    end_s = (_epoch_day(day) + 1) * _DAY
    issued = ((_epoch_day(day) - rng.integers(0, 400, size)) * _DAY + _biz(rng, size)).tolist()
    usd = (rng.random(size) < foreign_share).tolist()
    amount = rng.integers(1_000, 30_001, size).tolist()
    u_status = rng.random(size).tolist()
    u_used = rng.random(size).tolist()
    u_end = rng.random(size).tolist()
    reason = rng.integers(0, len(_CREDIT_REASONS), size).tolist()
    brl, usd_money = _Amounts("BRL"), _Amounts("USD")

    out: list[Credit] = []
    for i, customer in enumerate(people):
        for j in range(how_many[i]):
            x = 2 * i + j
            money = usd_money if usd[x] else brl
            status: CreditStatus = _pick(_CREDIT_CUTS, u_status[x])
            total = amount[x]
            if status is CreditStatus.USED:
                used = total
            else:
                used = int(u_used[x] * total) if u_used[x] >= 0.3 else 0
            issued_at = min(issued[x], end_s - 1)
            cancelled_at = None
            if status.is_terminal:
                ended = issued_at + int(u_end[x] * (end_s - issued_at))
                cancelled_at = datetime.fromtimestamp(ended, UTC)
            out.append(
                Credit(
                    f"CR{len(out) + 1:06d}",
                    customer.id,
                    money(total),
                    money(used),
                    datetime.fromtimestamp(issued_at, UTC),
                    status,
                    cancelled_at=cancelled_at,
                    reason=_CREDIT_REASONS[reason[x]],
                    service_type="Internet",
                )
            )
    return out
