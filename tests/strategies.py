"""Shared hypothesis strategies for the kpicore test suite.

Import them from the tests as ``from strategies import ...`` (pytest puts
``tests/`` on ``sys.path``). Each domain keeps its strategies in its own clearly
marked section; add a new section for a new domain rather than editing another's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import cast
from zoneinfo import ZoneInfo

from dateutil import tz as dateutil_tz
from hypothesis import strategies as st

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
    Event,
    Invoice,
    Payment,
    PromiseToPay,
)
from kpicore.money import CURRENCY_EXPONENTS, Money
from kpicore.periods import FREQS, NS_PER_DAY, Freq, date_to_ns, to_ns

# =====================================================================================
# money (kpicore.money) -- currencies(), money_strategy()/money(), money_decimals()
# =====================================================================================

#: Currencies worth over-sampling: 2-, 0-, 3- and 4-decimal ones and the pt-BR symbols.
COMMON_CURRENCIES: tuple[str, ...] = ("BRL", "USD", "EUR", "GBP", "JPY", "CLP", "KWD", "CLF")

#: Default bound on generated amounts, in minor units (plenty for any invoice).
MAX_MINOR = 10**15


def currencies() -> st.SearchStrategy[str]:
    """Any code of ``CURRENCY_EXPONENTS``, with the common ones drawn more often."""
    return st.one_of(
        st.sampled_from(COMMON_CURRENCIES),
        st.sampled_from(sorted(CURRENCY_EXPONENTS)),
    )


def money_strategy(
    currency: str | None = None,
    *,
    min_minor: int = -MAX_MINOR,
    max_minor: int = MAX_MINOR,
) -> st.SearchStrategy[Money]:
    """Money in ``currency`` (any of :func:`currencies` when None), minor units bounded."""
    codes = st.just(currency) if currency is not None else currencies()
    return st.builds(Money, st.integers(min_minor, max_minor), codes)


#: Short alias of :func:`money_strategy`.
money = money_strategy


def money_decimals(currency: str, *, max_abs_minor: int = MAX_MINOR) -> st.SearchStrategy[Decimal]:
    """Decimals that ``Money.of(..., currency)`` must accept exactly.

    They have at most the currency's number of decimal places, sometimes with
    extra trailing zeros (``Decimal("10.500")`` for BRL) and sometimes
    normalised to exponent form (``Decimal("1.5E+3")``).
    """
    exponent = CURRENCY_EXPONENTS[currency]

    def build(minor: int, extra_zeros: int, normalise: bool) -> Decimal:
        value = Decimal(minor * 10**extra_zeros).scaleb(-(exponent + extra_zeros))
        return value.normalize() if normalise else value

    return st.builds(
        build,
        st.integers(-max_abs_minor, max_abs_minor),
        st.integers(0, 3),
        st.booleans(),
    )


# ===================================== end money =====================================


# =====================================================================================
# periods (kpicore.periods) -- period_dates(), freqs(), time_zones(), aware_datetimes(),
# instants_ns(), transition_days(), ns_of_day()
# =====================================================================================

#: Default date range of the periods strategies (wide enough for leap centuries, DST eras).
PERIODS_MIN_DATE = date(1900, 1, 1)
PERIODS_MAX_DATE = date(2100, 12, 31)

#: Zones the periods tests run in: UTC, fixed offsets (negative, and a 45-minute one),
#: DST zones from zoneinfo (Brazil had DST until 2019, with changes at local midnight)
#: and the same Berlin rules through dateutil.
TIME_ZONES: tuple[tzinfo, ...] = (
    UTC,
    timezone(timedelta(hours=-3)),
    timezone(timedelta(hours=5, minutes=45)),
    ZoneInfo("America/Sao_Paulo"),
    ZoneInfo("Europe/Berlin"),
    cast(tzinfo, dateutil_tz.gettz("Europe/Berlin")),
)

_TRANSITION_DAYS: dict[tuple[int, date, date], tuple[tzinfo, tuple[date, ...]]] = {}


def period_dates(
    min_value: date = PERIODS_MIN_DATE, max_value: date = PERIODS_MAX_DATE
) -> st.SearchStrategy[date]:
    """Calendar dates in ``[min_value, max_value]``."""
    return st.dates(min_value, max_value)


def freqs() -> st.SearchStrategy[Freq]:
    """Any period frequency of ``kpicore.periods.FREQS``."""
    return st.sampled_from(FREQS)


def time_zones() -> st.SearchStrategy[tzinfo]:
    """One of :data:`TIME_ZONES`."""
    return st.sampled_from(TIME_ZONES)


def aware_datetimes(
    zones: st.SearchStrategy[tzinfo] | None = None,
    min_value: date = PERIODS_MIN_DATE,
    max_value: date = PERIODS_MAX_DATE,
) -> st.SearchStrategy[datetime]:
    """Aware datetimes (wall times in a zone of ``zones``, ambiguous and skipped ones too)."""
    return st.datetimes(
        datetime.combine(min_value, datetime.min.time()),
        datetime.combine(max_value, datetime.max.time()),
        timezones=zones if zones is not None else time_zones(),
    )


def transition_days(
    zone: tzinfo, min_value: date = PERIODS_MIN_DATE, max_value: date = PERIODS_MAX_DATE
) -> tuple[date, ...]:
    """UTC days in ``[min_value, max_value]`` during which ``zone`` changes its UTC offset.

    Found by comparing the offsets at the first and last microsecond of every day (cached).
    """
    key = (id(zone), min_value, max_value)
    if key not in _TRANSITION_DAYS:
        found = []
        day = datetime.combine(min_value, datetime.min.time(), tzinfo=UTC)
        last = datetime.combine(max_value, datetime.min.time(), tzinfo=UTC)
        one_day, one_us = timedelta(days=1), timedelta(microseconds=1)
        while day <= last:
            if (
                day.astimezone(zone).utcoffset()
                != (day + one_day - one_us).astimezone(zone).utcoffset()
            ):
                found.append(day.date())
            day += one_day
        _TRANSITION_DAYS[key] = (zone, tuple(found))  # keep zone alive: its id stays unique
    return _TRANSITION_DAYS[key][1]


def _instant_in_day(day: date, ns_of_day: int) -> int:
    return date_to_ns(day) + ns_of_day


_NS_PER_HOUR = 3_600 * 10**9


def ns_of_day() -> st.SearchStrategy[int]:
    """A nanosecond of a day, spread over the 24 hours and often right at an hour boundary
    (or 1 ns before it), where DST changes and local midnights of whole-hour zones fall."""
    within_hour = st.one_of(
        st.just(0), st.just(_NS_PER_HOUR - 1), st.integers(0, _NS_PER_HOUR - 1)
    )
    return st.builds(lambda h, r: h * _NS_PER_HOUR + r, st.integers(0, 23), within_hour)


def instants_ns(
    zone: tzinfo | None = None,
    min_value: date = PERIODS_MIN_DATE,
    max_value: date = PERIODS_MAX_DATE,
) -> st.SearchStrategy[int]:
    """Instants as int64 ns since the epoch: uniform, from aware datetimes, and (for a zone
    with DST) any nanosecond of a UTC day in which ``zone`` changes its offset."""
    lo = date_to_ns(min_value)
    hi = date_to_ns(max_value) + NS_PER_DAY - 1
    choices = [
        st.integers(lo, hi),
        aware_datetimes(st.just(zone) if zone is not None else None, min_value, max_value).map(
            to_ns
        ),
    ]
    if zone is not None:
        days = transition_days(zone, min_value, max_value)
        if days:
            choices.append(
                st.builds(
                    _instant_in_day,
                    st.sampled_from(days),
                    ns_of_day(),
                )
            )
    return st.one_of(*choices)


# ==================================== end periods ====================================


# =====================================================================================
# model (kpicore.model) -- model_timestamps(), contact_strategy(), customer_strategy(),
# contract_strategy(), payment_strategy(), dispute_strategy(), dunning_letter_strategy(),
# promise_to_pay_strategy(), invoice_strategy(), credit_strategy(), event_strategy()
# =====================================================================================

#: Fixed offsets used for generated instants: UTC, Brasília (-03:00), Fernando de Noronha
#: (-02:00), Acre (-05:00) and a non-whole-hour one (+05:30).
MODEL_ZONES: tuple[timezone, ...] = tuple(
    timezone(timedelta(minutes=m)) for m in (0, -180, -120, -300, 330)
)
MODEL_MIN_INSTANT = datetime(2015, 1, 1)
MODEL_MAX_INSTANT = datetime(2030, 12, 31)
#: Bound on generated model amounts, in minor units (R$ 100.000,00).
MODEL_MAX_MINOR = 10_000_000


def model_timestamps(
    min_value: datetime = MODEL_MIN_INSTANT, max_value: datetime = MODEL_MAX_INSTANT
) -> st.SearchStrategy[datetime]:
    """Aware datetimes (naive bounds, in the wall time of one of :data:`MODEL_ZONES`)."""
    return st.datetimes(min_value, max_value, timezones=st.sampled_from(MODEL_ZONES))


def model_ids(prefix: str = "") -> st.SearchStrategy[str]:
    """Non-empty ids such as ``'F-042'``."""
    return st.integers(0, 10**6).map(lambda n: f"{prefix}{n:03d}")


def _optional_text() -> st.SearchStrategy[str | None]:
    return st.none() | st.sampled_from(["SP", "RJ", "MG", "Fibra", "Rádio", "corporate"])


def _model_amounts(currency: str, max_minor: int = MODEL_MAX_MINOR) -> st.SearchStrategy[Money]:
    return money_strategy(currency, min_minor=0, max_minor=max_minor)


def contact_strategy() -> st.SearchStrategy[Contact]:
    """Valid contacts (e-mail or phone)."""
    return st.builds(
        Contact,
        st.sampled_from(ContactKind),
        st.sampled_from(["financeiro@example.com.br", "+55 11 91234-5678", "", "n/a"]),
        st.none() | model_timestamps(),
    )


def customer_strategy(currency: str = "BRL") -> st.SearchStrategy[Customer]:
    """Valid customers with optional dimensions, credit limit and contacts."""
    return st.builds(
        Customer,
        model_ids("C"),
        st.text(max_size=20),
        kind=st.sampled_from(CustomerKind),
        segment=_optional_text(),
        sector=_optional_text(),
        country=st.none() | st.sampled_from(["BR", "PT", "US"]),
        region=_optional_text(),
        city=_optional_text(),
        credit_limit=st.none() | _model_amounts(currency),
        contacts=st.lists(contact_strategy(), max_size=3),
        created_at=st.none() | model_timestamps(),
    )


def contract_strategy(currency: str = "BRL") -> st.SearchStrategy[Contract]:
    """Valid contracts."""
    dates = st.none() | st.dates(date(2015, 1, 1), date(2030, 12, 31))
    return st.builds(
        Contract,
        model_ids("K"),
        model_ids("C"),
        st.sampled_from(["Fibra 300M", "Fibra 1G", "Rádio 10M"]),
        st.sampled_from(BillingMode),
        st.sampled_from(ContractStatus),
        st.sampled_from(AccessStatus),
        _model_amounts(currency, 100_000),
        activation_date=dates,
        renewal_date=dates,
        paid_until=dates,
        exempt=st.booleans(),
        billing_day=st.none() | st.integers(1, 31),
        cancelled_at=dates,
        service_type=st.none() | st.sampled_from(["Internet", "Telefonia", "SVA"]),
    )


def payment_strategy(
    currency: str = "BRL",
    *,
    min_value: datetime = MODEL_MIN_INSTANT,
    max_value: datetime = MODEL_MAX_INSTANT,
    max_minor: int = MODEL_MAX_MINOR,
) -> st.SearchStrategy[Payment]:
    """Valid payments in ``currency`` received between the (naive wall-time) bounds."""
    return st.builds(
        Payment,
        model_timestamps(min_value, max_value),
        _model_amounts(currency, max_minor),
        posted_at=st.none() | model_timestamps(min_value, max_value),
        id=st.none() | model_ids("P"),
    )


@st.composite
def dispute_strategy(
    draw: st.DrawFn,
    *,
    min_value: datetime = MODEL_MIN_INSTANT,
    max_value: datetime = MODEL_MAX_INSTANT,
) -> Dispute:
    """Valid disputes, resolved (not before registration) or open."""
    registered = draw(model_timestamps(min_value, max_value))
    resolved = None
    if draw(st.booleans()):
        resolved = registered + draw(st.timedeltas(timedelta(0), timedelta(days=90)))
    return Dispute(registered, draw(st.none() | st.sampled_from(["valor", "serviço"])), resolved)


def dunning_letter_strategy(
    *, min_value: datetime = MODEL_MIN_INSTANT, max_value: datetime = MODEL_MAX_INSTANT
) -> st.SearchStrategy[DunningLetter]:
    """Valid dunning letters (levels 1 to 5)."""
    return st.builds(DunningLetter, st.integers(1, 5), model_timestamps(min_value, max_value))


def promise_to_pay_strategy(
    currency: str = "BRL",
    *,
    min_value: datetime = MODEL_MIN_INSTANT,
    max_value: datetime = MODEL_MAX_INSTANT,
) -> st.SearchStrategy[PromiseToPay]:
    """Valid promises to pay."""
    return st.builds(
        PromiseToPay,
        model_timestamps(min_value, max_value),
        st.dates(min_value.date(), max_value.date()),
        st.none() | _model_amounts(currency),
    )


@st.composite
def invoice_strategy(
    draw: st.DrawFn,
    currency: str | None = "BRL",
    *,
    max_payments: int = 4,
    max_minor: int = 1_000_000,
) -> Invoice:
    """Valid invoices with payments, disputes, dunning letters, promises, write-offs.

    Payments are drawn around the amount so that open, partially paid, exactly
    paid and overpaid invoices all occur, some of them received on the same
    instant and a few before the issue (prepayments). ``currency=None`` draws
    one from :func:`currencies`.
    """
    code = currency if currency is not None else draw(currencies())
    issued_at = draw(model_timestamps(datetime(2020, 1, 1), datetime(2025, 12, 31)))
    issue_day = issued_at.astimezone(UTC).date()
    due_date = issue_day + timedelta(days=draw(st.integers(0, 60)))
    amount = Money(draw(st.integers(0, max_minor)), code)
    # Payments within [issue - 10 days, issue + 400 days] (wall time, naive bounds).
    start = issued_at.replace(tzinfo=None) - timedelta(days=10)
    end = issued_at.replace(tzinfo=None) + timedelta(days=400)
    payments = draw(
        st.lists(
            payment_strategy(code, min_value=start, max_value=end, max_minor=max_minor),
            max_size=max_payments,
        )
    )
    tie = draw(st.booleans())
    if payments and tie:  # a same-instant tie
        payments.append(Payment(payments[0].received_at, Money(draw(st.integers(0, 99)), code)))
    window = {"min_value": start, "max_value": end}
    return Invoice(
        draw(model_ids("F-")),
        draw(model_ids("C")),
        issued_at,
        due_date,
        amount,
        contract_id=draw(st.none() | model_ids("K")),
        posted_at=draw(st.none() | model_timestamps(**window)),
        payments=payments,
        disputes=draw(st.lists(dispute_strategy(**window), max_size=2)),
        dunning_letters=draw(st.lists(dunning_letter_strategy(**window), max_size=3)),
        promises=draw(st.lists(promise_to_pay_strategy(code, **window), max_size=2)),
        written_off_at=draw(st.none() | model_timestamps(**window)),
        collector=draw(st.none() | st.sampled_from(["ana", "bruno"])),
        source_system=draw(st.none() | st.just("IXC")),
    )


@st.composite
def credit_strategy(draw: st.DrawFn, currency: str = "BRL") -> Credit:
    """Valid credits: used amount within the amount, terminal status iff cancelled_at."""
    amount = draw(_model_amounts(currency))
    used = Money(draw(st.integers(0, amount.minor)), currency)
    issued_at = draw(model_timestamps())
    status = draw(st.sampled_from(CreditStatus))
    cancelled_at = None
    if status.is_terminal:
        cancelled_at = issued_at + draw(st.timedeltas(timedelta(0), timedelta(days=365)))
    return Credit(
        draw(model_ids("CR")),
        draw(model_ids("C")),
        amount,
        used,
        issued_at,
        status,
        cancelled_at,
        reason=draw(st.none() | st.sampled_from(["queda de sinal", "pagamento em duplicidade"])),
        service_type=draw(st.none() | st.just("Internet")),
    )


def event_strategy(
    case_ids: st.SearchStrategy[str] | None = None,
    activities: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[Event]:
    """Valid events; activities canonical (English or pt-BR) or free text by default."""
    canonical = [
        "Invoice Generated",
        "Payment Received",
        "Dispute Registered",
        "Fatura Gerada",
        "Pagamento Recebido",
        "Visita técnica",
    ]
    return st.builds(
        Event,
        case_ids if case_ids is not None else model_ids("F-"),
        activities if activities is not None else st.sampled_from(canonical),
        model_timestamps(),
        resource=st.none() | st.sampled_from(["ana", "bruno", "system"]),
        attributes=st.dictionaries(
            st.sampled_from(["channel", "level", "amount"]),
            st.integers(-5, 5) | st.sampled_from(["email", "sms"]),
            max_size=3,
        ),
    )


# ===================================== end model =====================================


# =====================================================================================
# eventlog (kpicore.eventlog) -- eventlog_rows(), rows_to_columns(), rows_to_events()
# =====================================================================================

#: A row of a test event log: (case id, activity, timestamp ns UTC, resource or None).
EventRow = tuple[str, str, int, str | None]

#: Activities drawn for test logs: canonical ones, a pt-BR label and a free-text one.
EVENTLOG_ACTIVITIES: tuple[str, ...] = (
    "Invoice Generated",
    "Invoice Posted and Sent",
    "Payment Received",
    "Payment Posted",
    "Invoice Settled",
    "Dispute Registered",
    "Dispute Resolved",
    "Pagamento Recebido",
    "Visita técnica",
)

#: 2024-01-01T00:00Z in ns: the base instant of generated logs.
EVENTLOG_BASE_NS = 1_704_067_200_000_000_000


@st.composite
def eventlog_rows(
    draw: st.DrawFn,
    *,
    max_cases: int = 6,
    max_events: int = 30,
    distinct_times: bool = False,
    activities: tuple[str, ...] = EVENTLOG_ACTIVITIES,
) -> list[EventRow]:
    """Rows of a small event log, in arbitrary order.

    Timestamps are whole hours within ten days, so ties within a case are
    frequent; ``distinct_times=True`` makes every timestamp of the log distinct
    (no ties at all), for results that depend on the order of tied events.
    """
    case_ids = draw(
        st.lists(st.from_regex(r"INV-[0-9A-Z]{1,4}", fullmatch=True), min_size=1,
                 max_size=max_cases, unique=True)
    )  # fmt: skip
    n = draw(st.integers(1, max_events))
    hours = st.integers(0, 240)
    if distinct_times:
        stamps = draw(st.lists(hours, min_size=n, max_size=n, unique=True))
    else:
        stamps = draw(st.lists(hours, min_size=n, max_size=n))
    rows: list[EventRow] = []
    for h in stamps:
        rows.append(
            (
                draw(st.sampled_from(case_ids)),
                draw(st.sampled_from(activities)),
                EVENTLOG_BASE_NS + h * 3_600_000_000_000,
                draw(st.one_of(st.none(), st.sampled_from(("ana", "bot", "rui")))),
            )
        )
    return rows


def rows_to_columns(rows: list[EventRow]) -> dict[str, object]:
    """pm4py-named columns of ``rows`` (timestamps as ``datetime64[ns]``, UTC)."""
    import numpy as np

    return {
        "case:concept:name": [r[0] for r in rows],
        "concept:name": [r[1] for r in rows],
        "time:timestamp": np.array([r[2] for r in rows], dtype=np.int64).view("datetime64[ns]"),
        "org:resource": [r[3] for r in rows],
    }


def rows_to_events(rows: list[EventRow]) -> list[Event]:
    """:class:`kpicore.model.Event` objects of ``rows``."""
    return [
        Event(c, a, datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=t // 1000),
              resource=r)
        for c, a, t, r in rows
    ]  # fmt: skip


# ==================================== end eventlog ===================================


# =====================================================================================
# invoice KPIs (kpicore.kpis._ledger, dso, overdue) -- invoice_lists(), invoice_columns()
# =====================================================================================


def invoice_lists(
    *, max_size: int = 6, currencies_: tuple[str, ...] = ("BRL", "USD", "JPY")
) -> st.SearchStrategy[list[Invoice]]:
    """Lists of valid invoices with distinct numbers, in one or several currencies."""
    return st.lists(
        st.sampled_from(currencies_).flatmap(lambda c: invoice_strategy(c)),
        max_size=max_size,
        unique_by=lambda inv: inv.number,
    )


def invoice_columns(invoices: list[Invoice]) -> dict[str, object]:
    """The events of ``invoices`` as pm4py-named columns, built independently of kpicore.

    Invoice Generated, one Payment Received per payment (attribute
    ``amount_minor``), Dispute Registered / Resolved and Invoice Written Off --
    but *no* Invoice Settled events, so a ledger must infer settlement from
    the payments. Case attributes under ``case:`` keys: ``due_date``,
    ``amount_minor``, ``currency``, ``customer_id``, ``collector``. Use with
    ``EventLog.from_columns(cols, attributes="all")``.
    """
    import numpy as np

    case: list[str] = []
    act: list[str] = []
    ts: list[int] = []
    amount: list[int | None] = []
    per_case: dict[str, list[object]] = {
        "due_date": [], "amount_minor": [], "currency": [], "customer_id": [], "collector": []
    }  # fmt: skip

    def add(inv: Invoice, activity: str, when: datetime, minor: int | None = None) -> None:
        case.append(inv.number)
        act.append(activity)
        ts.append(to_ns(when))
        amount.append(minor)
        per_case["due_date"].append(inv.due_date)
        per_case["amount_minor"].append(inv.amount.minor)
        per_case["currency"].append(inv.amount.currency)
        per_case["customer_id"].append(inv.customer_id)
        per_case["collector"].append(inv.collector)

    for inv in invoices:
        add(inv, "Invoice Generated", inv.issued_at)
        for p in inv.payments:
            add(inv, "Payment Received", p.received_at, p.amount.minor)
        for d in inv.disputes:
            add(inv, "Dispute Registered", d.registered_at)
            if d.resolved_at is not None:
                add(inv, "Dispute Resolved", d.resolved_at)
        if inv.written_off_at is not None:
            add(inv, "Invoice Written Off", inv.written_off_at)
    cols: dict[str, object] = {
        "case:concept:name": case,
        "concept:name": act,
        "time:timestamp": np.array(ts, dtype=np.int64).view("datetime64[ns]"),
        "amount_minor": amount,
    }
    for name, values in per_case.items():
        cols["case:" + name] = values
    return cols


# ================================== end invoice KPIs =================================
