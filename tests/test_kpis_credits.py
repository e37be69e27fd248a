"""Tests of kpicore.kpis.credits: cancelled credits, utilisation and frequency."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import credit_strategy

from kpicore.errors import InvalidParameterError, InvalidRecordError, KpiError
from kpicore.kpis.credits import cancelled_credits, credit_frequency, credit_utilisation
from kpicore.model import Credit, CreditStatus, Customer
from kpicore.money import Money, totals_by_currency
from kpicore.periods import Period, as_of_ns, to_ns

SP = ZoneInfo("America/Sao_Paulo")
BRT = timezone(timedelta(hours=-3))


def _any(value: object) -> Any:
    return value


def brl(amount: str) -> Money:
    return Money.of(amount, "BRL")


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


CREDITS = [
    # unused 50.00 - 20.00 = 30.00 BRL; cancelled 31 Jan 23:30 in Brasília = 1 Feb 02:30 UTC
    Credit("CR1", "C1", brl("50.00"), brl("20.00"), "2024-01-05", "cancelled",
           cancelled_at=datetime(2024, 1, 31, 23, 30, tzinfo=BRT), reason="bônus",
           service_type="Internet"),
    # refunded in full: 30.00 BRL at 1 Feb 00:00 UTC (31 Jan 21:00 in Brasília)
    Credit("CR2", "C2", brl("30.00"), brl("0"), "2024-01-10", "refunded",
           cancelled_at=datetime(2024, 2, 1, tzinfo=UTC), reason="pagamento em duplicidade"),
    # expired: unused 10.00 - 2.50 = 7.50 USD
    Credit("CR3", "C2", usd("10.00"), usd("2.50"), "2024-01-10", "expired",
           cancelled_at=datetime(2024, 3, 31, 12, tzinfo=UTC)),
    # used up and open: not ended
    Credit("CR4", "C3", brl("100.00"), brl("100.00"), "2024-02-01", "used"),
    Credit("CR5", "C3", brl("40.00"), brl("15.00"), "2024-03-01", "open"),
    # cancelled unused: 20.00 USD on 2 Apr
    Credit("CR6", "C1", usd("20.00"), usd("0"), "2024-03-05", "cancelled",
           cancelled_at=datetime(2024, 4, 2, 10, tzinfo=UTC), reason="bônus",
           service_type="SVA"),
    # unused 12.34 - 0.34 = 12.00 BRL, cancelled at the last second of 2023 (UTC)
    Credit("CR7", "C4", brl("12.34"), brl("0.34"), "2023-12-20", "cancelled",
           cancelled_at=datetime(2023, 12, 31, 23, 59, 59, tzinfo=UTC), reason="queda de sinal"),
]  # fmt: skip


def _values(groups: Any) -> dict[str, dict[str, str]]:
    return {
        " | ".join(str(x) for x in (k if isinstance(k, tuple) else (k,))): {
            c: str(m) for c, m in g.value.items()
        }
        for k, g in groups.items()
    }


# ---------------------------------------------------------------------------------------
# cancelled_credits
# ---------------------------------------------------------------------------------------


def test_cancelled_default_statuses() -> None:
    r = cancelled_credits(CREDITS)
    # cancelled/refunded: CR1 30.00 + CR2 30.00 + CR7 12.00 = 72.00 BRL; CR6 20.00 USD
    assert r.count == 4
    assert dict(r.value) == {"BRL": brl("72.00"), "USD": usd("20.00")}
    assert r.statuses == ("cancelled", "refunded")
    assert dict(r.count_by_status) == {"cancelled": 3, "refunded": 1}
    assert dict(r.coverage) == {
        "used": 4,
        "not_ended": 2,  # CR4 used, CR5 open
        "ended_other_status": 1,  # CR3 expired
        "ended_after_as_of": 0,
    }
    assert r.groups is None
    # none of them records why it ended: all under None, none dropped
    assert {k: g.count for k, g in r.by_cancellation_reason.items()} == {None: 4}


def test_cancelled_including_expired() -> None:
    r = cancelled_credits(CREDITS, statuses=["cancelled", "refunded", "expired"])
    # + CR3 7.50 USD -> USD 27.50
    assert (r.count, dict(r.value)) == (5, {"BRL": brl("72.00"), "USD": usd("27.50")})
    assert r.coverage["ended_other_status"] == 0
    r = cancelled_credits(CREDITS, statuses="expired")
    assert dict(r.value) == {"USD": usd("7.50")}
    r = cancelled_credits(CREDITS, statuses=[CreditStatus.REFUNDED])
    assert dict(r.value) == {"BRL": brl("30.00")}


def test_cancelled_by_month_across_boundaries() -> None:
    # UTC months: CR7 on 31 Dec 23:59:59 -> Dec; CR1 (1 Feb 02:30 UTC) and CR2 (1 Feb 00:00)
    # -> Feb: 30 + 30 = 60 BRL; CR6 -> Apr: 20 USD
    r = cancelled_credits(CREDITS, freq="month")
    assert r.groups is not None
    assert _values(r.groups) == {
        "2023-12": {"BRL": "BRL 12.00"},
        "2024-02": {"BRL": "BRL 60.00"},
        "2024-04": {"USD": "USD 20.00"},
    }
    # São Paulo calendar: CR1 is 31 Jan 23:30, CR2 31 Jan 21:00 -> January;
    # CR7 is 31 Dec 20:59:59 -> still December
    r = cancelled_credits(CREDITS, freq="month", tz=SP)
    assert r.groups is not None
    assert _values(r.groups) == {
        "2023-12": {"BRL": "BRL 12.00"},
        "2024-01": {"BRL": "BRL 60.00"},
        "2024-04": {"USD": "USD 20.00"},
    }
    assert r.groups[Period.month(2024, 1)].count == 2


def test_cancelled_by_quarter_and_year() -> None:
    r = cancelled_credits(CREDITS, freq="quarter")
    assert r.groups is not None
    assert _values(r.groups) == {
        "2023-Q4": {"BRL": "BRL 12.00"},
        "2024-Q1": {"BRL": "BRL 60.00"},
        "2024-Q2": {"USD": "USD 20.00"},
    }
    r = cancelled_credits(CREDITS, freq="year")
    assert r.groups is not None
    assert _values(r.groups) == {
        "2023": {"BRL": "BRL 12.00"},
        "2024": {"BRL": "BRL 60.00", "USD": "USD 20.00"},
    }


def test_cancelled_as_of() -> None:
    # as_of 31 Mar (end of day UTC = 1 Apr 00:00): CR6 (2 Apr) not yet
    r = cancelled_credits(CREDITS, as_of=date(2024, 3, 31))
    assert dict(r.value) == {"BRL": brl("72.00")}
    assert r.coverage["ended_after_as_of"] == 1
    # as_of 31 Jan (UTC end = 1 Feb 00:00): CR2 ended exactly then -> not yet; CR1 later
    r = cancelled_credits(CREDITS, as_of=date(2024, 1, 31))
    assert dict(r.value) == {"BRL": brl("12.00")}
    assert r.coverage["ended_after_as_of"] == 4  # CR1, CR2, CR3, CR6
    # in São Paulo, 31 Jan ends at 1 Feb 03:00 UTC: CR1 and CR2 are in
    r = cancelled_credits(CREDITS, as_of=date(2024, 1, 31), tz=SP)
    assert dict(r.value) == {"BRL": brl("72.00")}
    assert r.coverage["ended_after_as_of"] == 2  # CR3, CR6
    # an aware datetime as_of
    r = cancelled_credits(CREDITS, as_of=datetime(2024, 2, 1, 1, tzinfo=UTC))
    assert dict(r.value) == {"BRL": brl("42.00")}  # CR7 12 + CR2 30


def test_cancelled_by_reason_customer_service() -> None:
    r = cancelled_credits(CREDITS, by="reason")
    assert r.groups is not None
    assert _values(r.groups) == {
        "bônus": {"BRL": "BRL 30.00", "USD": "USD 20.00"},
        "pagamento em duplicidade": {"BRL": "BRL 30.00"},
        "queda de sinal": {"BRL": "BRL 12.00"},
    }
    r = cancelled_credits(CREDITS, by="customer")
    assert r.groups is not None
    assert _values(r.groups) == {
        "C1": {"BRL": "BRL 30.00", "USD": "USD 20.00"},
        "C2": {"BRL": "BRL 30.00"},
        "C4": {"BRL": "BRL 12.00"},
    }
    r = cancelled_credits(CREDITS, by="service_type")
    assert r.groups is not None
    assert _values(r.groups) == {
        "Internet": {"BRL": "BRL 30.00"},
        "SVA": {"USD": "USD 20.00"},
        "None": {"BRL": "BRL 42.00"},  # CR2 30 + CR7 12
    }
    r = cancelled_credits(CREDITS, by="reason", freq="quarter")
    assert r.groups is not None
    assert _values(r.groups) == {
        "bônus | 2024-Q1": {"BRL": "BRL 30.00"},
        "bônus | 2024-Q2": {"USD": "USD 20.00"},
        "pagamento em duplicidade | 2024-Q1": {"BRL": "BRL 30.00"},
        "queda de sinal | 2023-Q4": {"BRL": "BRL 12.00"},
    }


def test_cancelled_by_customer_attribute() -> None:
    customers = [Customer("C1", "Ana", region="SP"), Customer("C2", "Bia", region="RJ")]
    r = cancelled_credits(CREDITS, by="region", customers=customers)
    assert r.groups is not None
    # C4 is not among the customers: region missing -> None
    assert _values(r.groups) == {
        "RJ": {"BRL": "BRL 30.00"},
        "SP": {"BRL": "BRL 30.00", "USD": "USD 20.00"},
        "None": {"BRL": "BRL 12.00"},
    }


def test_cancelled_to_dict() -> None:
    d = cancelled_credits(CREDITS, freq="month").to_dict()
    json.dumps(d)
    assert d["value"]["BRL"] == {"amount": 72.0, "minor": 7200, "currency": "BRL"}
    assert d["groups"]["groups"]["2024-02"]["value"]["BRL"]["minor"] == 6000
    assert d["statuses"] == ["cancelled", "refunded"]


def test_cancelled_empty() -> None:
    r = cancelled_credits([], freq="month")
    assert (r.count, dict(r.value), r.groups is not None) == (0, {}, True)


# ---------------------------------------------------------------------------------------
# credit_utilisation
# ---------------------------------------------------------------------------------------


def test_utilisation_hand_worked() -> None:
    r = credit_utilisation(CREDITS)
    # BRL offered 50 + 30 + 100 + 40 + 12.34 = 232.34; used 20 + 0 + 100 + 15 + 0.34 = 135.34
    # USD offered 10 + 20 = 30.00; used 2.50
    assert dict(r.offered) == {"BRL": brl("232.34"), "USD": usd("30.00")}
    assert dict(r.used) == {"BRL": brl("135.34"), "USD": usd("2.50")}
    assert r.rate["BRL"] == 13534 / 23234
    assert r.rate["USD"] == 250 / 3000
    assert r.count == 7


def test_utilisation_by_issue_month() -> None:
    r = credit_utilisation(CREDITS, freq="month")
    assert r.groups is not None
    rates = {str(p): dict(g.rate) for p, g in r.groups.items()}
    assert rates == {
        "2023-12": {"BRL": 34 / 1234},  # CR7 0.34 / 12.34
        "2024-01": {"BRL": 0.25, "USD": 0.25},  # CR1+CR2 20/80; CR3 2.50/10
        "2024-02": {"BRL": 1.0},  # CR4
        "2024-03": {"BRL": 0.375, "USD": 0.0},  # CR5 15/40; CR6 0/20
    }


def test_utilisation_as_of_and_zero_offered() -> None:
    r = credit_utilisation(CREDITS, as_of=date(2024, 1, 31))
    # issued by 31 Jan: CR7, CR1, CR2, CR3
    assert (r.count, r.coverage["issued_after_as_of"]) == (4, 3)
    assert dict(r.offered) == {"BRL": brl("92.34"), "USD": usd("10.00")}
    zero = Credit("Z", "C1", brl("0"), brl("0"), "2024-01-01", "open")
    assert credit_utilisation([zero]).rate["BRL"] is None


# ---------------------------------------------------------------------------------------
# credit_frequency
# ---------------------------------------------------------------------------------------


def test_frequency_hand_worked() -> None:
    r = credit_frequency(CREDITS)
    # 7 credits to C1 (CR1, CR6), C2 (CR2, CR3), C3 (CR4, CR5), C4 (CR7): 7 / 4 = 1.75
    assert (r.count, r.customers, r.per_customer) == (7, 4, 1.75)
    s = r.credits_per_customer
    assert (s.count, s.mean, s.median, s.min, s.max, s.unit) == (4, 1.75, 2.0, 1.0, 2.0, "credits")
    assert dict(r.offered) == {"BRL": brl("232.34"), "USD": usd("30.00")}


def test_frequency_per_month_and_customer() -> None:
    r = credit_frequency(CREDITS, freq="month")
    assert r.groups is not None
    got = {str(p): (g.count, g.customers, g.per_customer) for p, g in r.groups.items()}
    assert got == {
        "2023-12": (1, 1, 1.0),  # CR7
        "2024-01": (3, 2, 1.5),  # CR1 (C1), CR2 + CR3 (C2)
        "2024-02": (1, 1, 1.0),  # CR4
        "2024-03": (2, 2, 1.0),  # CR5 (C3), CR6 (C1)
    }
    r = credit_frequency(CREDITS, by="customer")
    assert r.groups is not None
    assert {k: g.count for k, g in r.groups.items()} == {"C1": 2, "C2": 2, "C3": 2, "C4": 1}
    r = credit_frequency(CREDITS, as_of=date(2023, 12, 31))
    assert (r.count, r.coverage["issued_after_as_of"]) == (1, 6)


def test_frequency_empty() -> None:
    r = credit_frequency([])
    assert (r.count, r.customers, r.per_customer, r.credits_per_customer.count) == (0, 0, None, 0)
    json.dumps(r.to_dict())
    json.dumps(credit_utilisation(CREDITS, by="customer").to_dict())


# ---------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statuses", "fragment"),
    [
        (["open"], "does not end"),
        (["cancelled", "used"], "does not end"),
        ([], "at least one"),
        (["lost"], "not a CreditStatus"),
    ],
)
def test_statuses_validation(statuses: list[str], fragment: str) -> None:
    with pytest.raises(InvalidParameterError, match=fragment):
        cancelled_credits(CREDITS, statuses=statuses)


@pytest.mark.parametrize("fn", [cancelled_credits, credit_utilisation, credit_frequency])
def test_not_a_credit_names_row_and_field(fn: Any) -> None:
    with pytest.raises(InvalidRecordError) as info:
        fn([CREDITS[0], _any("CR2")])
    assert "row 1" in str(info.value)
    assert "'credits'" in str(info.value)


@pytest.mark.parametrize("fn", [cancelled_credits, credit_utilisation, credit_frequency])
def test_duplicate_credit_names_record_and_field(fn: Any) -> None:
    with pytest.raises(InvalidRecordError) as info:
        fn([CREDITS[0], CREDITS[0]])
    assert "'CR1'" in str(info.value)
    assert "'id'" in str(info.value)


@pytest.mark.parametrize("fn", [cancelled_credits, credit_utilisation, credit_frequency])
@pytest.mark.parametrize(("kwargs", "fragment"), [({"freq": "fortnight"}, "freq"),
                                                  ({"by": "colour"}, "colour")])  # fmt: skip
def test_grouping_validation(fn: Any, kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(InvalidParameterError, match=fragment):
        fn(CREDITS, **kwargs)


def test_not_a_customer_names_row_and_field() -> None:
    with pytest.raises(InvalidRecordError) as info:
        cancelled_credits(CREDITS, by="region", customers=[_any("C1")])
    assert "row 0" in str(info.value)
    assert "'customers'" in str(info.value)


# ---------------------------------------------------------------------------------------
# properties
# ---------------------------------------------------------------------------------------


@st.composite
def credit_lists(draw: st.DrawFn) -> list[Credit]:
    items = draw(
        st.lists(st.sampled_from(["BRL", "USD", "JPY"]).flatmap(credit_strategy), max_size=25)
    )
    return [attrs.evolve(c, id=f"CR{i}") for i, c in enumerate(items)]


freqs = st.sampled_from(["month", "quarter", "year"])
as_ofs = st.none() | st.dates(date(2015, 1, 1), date(2031, 12, 31))


def _merge(groups: Any) -> dict[str, Money]:
    return totals_by_currency(m for g in groups.values() for m in g.value.values())


@given(credit_lists(), freqs, as_ofs)
def test_property_cancelled_matches_naive_and_groups_merge(
    credits: list[Credit], freq: Any, as_of: date | None
) -> None:
    r = cancelled_credits(credits, freq=freq, as_of=as_of, by="reason")
    cutoff = None if as_of is None else as_of_ns(as_of)
    counted = [
        c
        for c in credits
        if c.status in (CreditStatus.CANCELLED, CreditStatus.REFUNDED)
        and c.cancelled_at is not None
        and (cutoff is None or to_ns(c.cancelled_at) < cutoff)
    ]
    assert r.count == len(counted)
    assert dict(r.value) == totals_by_currency(c.unused_amount for c in counted)
    assert sum(r.coverage.values()) == len(credits)
    assert sum(r.count_by_status.values()) == r.count
    assert r.groups is not None
    assert _merge(r.groups) == dict(r.value)  # partial results merge to the whole
    assert sum(g.count for g in r.groups.values()) == r.count


@given(credit_lists())
def test_property_expired_adds_its_unused_balance(credits: list[Credit]) -> None:
    base = cancelled_credits(credits)
    more = cancelled_credits(credits, statuses=("cancelled", "refunded", "expired"))
    expired = totals_by_currency(
        c.unused_amount for c in credits if c.status is CreditStatus.EXPIRED
    )
    assert dict(more.value) == totals_by_currency([*base.value.values(), *expired.values()])


@given(credit_lists(), freqs, as_ofs)
def test_property_utilisation_and_frequency(
    credits: list[Credit], freq: Any, as_of: date | None
) -> None:
    u = credit_utilisation(credits, freq=freq, as_of=as_of)
    f = credit_frequency(credits, freq=freq, as_of=as_of)
    cutoff = None if as_of is None else as_of_ns(as_of)
    issued = [c for c in credits if cutoff is None or to_ns(c.issued_at) < cutoff]
    assert u.count == f.count == len(issued)
    assert dict(u.offered) == totals_by_currency(c.amount for c in issued)
    assert dict(u.used) == totals_by_currency(c.used_amount for c in issued)
    for code, offered in u.offered.items():
        rate = u.rate[code]
        if offered.minor == 0:
            assert rate is None
        else:
            assert rate == float(Fraction(u.used[code].minor, offered.minor))
            assert 0.0 <= rate <= 1.0
    per_customer = Counter(c.customer_id for c in issued)
    assert f.customers == len(per_customer)
    assert f.credits_per_customer.count == len(per_customer)
    assert f.credits_per_customer.max == (max(per_customer.values()) if per_customer else None)
    assert u.groups is not None
    assert f.groups is not None
    assert sum(g.count for g in f.groups.values()) == f.count
    assert sum(g.count for g in u.groups.values()) == u.count


# ---------------------------------------------------------------------------------------
# cancellation reason and date of use
# ---------------------------------------------------------------------------------------

REASONED = [
    # granted as a bonus, cancelled because the contract ended: unused 40.00
    Credit("R1", "C1", brl("50.00"), brl("10.00"), "2024-01-05", "cancelled",
           cancelled_at="2024-02-01", reason="bônus", cancellation_reason="contrato cancelado",
           used_at="2024-01-20"),
    # granted as a bonus, refunded at the customer's request: unused 25.00
    Credit("R2", "C2", brl("25.00"), brl("0"), "2024-01-10", "refunded",
           cancelled_at="2024-02-03", reason="bônus", cancellation_reason="pedido do cliente"),
    # granted for an outage, cancelled because the contract ended: unused 5.00
    Credit("R3", "C3", brl("30.00"), brl("25.00"), "2024-01-10", "cancelled",
           cancelled_at="2024-03-01", reason="queda de sinal",
           cancellation_reason="contrato cancelado", used_at="2024-02-15"),
    # cancelled without a recorded reason: unused 8.00
    Credit("R4", "C3", brl("8.00"), brl("0"), "2024-01-10", "cancelled",
           cancelled_at="2024-03-02", reason="queda de sinal"),
    # used up: not ended
    Credit("R5", "C1", brl("9.00"), brl("9.00"), "2024-01-10", "used", used_at="2024-01-11"),
]  # fmt: skip


def test_cancelled_credits_grouped_by_their_own_cancellation_reason() -> None:
    r = cancelled_credits(REASONED)
    assert (r.count, dict(r.value)) == (4, {"BRL": brl("78.00")})
    got = {k: (g.count, str(g.value["BRL"])) for k, g in r.by_cancellation_reason.items()}
    # R1 40.00 + R3 5.00; R2 25.00; R4 (no reason) 8.00 -- None last
    assert got == {
        "contrato cancelado": (2, "BRL 45.00"),
        "pedido do cliente": (1, "BRL 25.00"),
        None: (1, "BRL 8.00"),
    }
    assert list(r.by_cancellation_reason) == ["contrato cancelado", "pedido do cliente", None]
    # by= the cancellation reason gives the same split; by="reason" is the grant reason
    by_cancel = cancelled_credits(REASONED, by="cancellation_reason").groups
    assert by_cancel is not None
    assert {k: g.count for k, g in by_cancel.items()} == {
        k: g.count for k, g in r.by_cancellation_reason.items()
    }
    by_grant = cancelled_credits(REASONED, by="reason").groups
    assert by_grant is not None
    assert {k: str(g.value["BRL"]) for k, g in by_grant.items()} == {
        "bônus": "BRL 65.00",  # R1 40 + R2 25
        "queda de sinal": "BRL 13.00",  # R3 5 + R4 8
    }
    json.dumps(r.to_dict())
    assert r.to_dict()["by_cancellation_reason"]["groups"]["None"]["count"] == 1


def test_cancelled_by_reason_as_of_and_partition() -> None:
    # by 1 March (end of day): R1, R2, R3; R4 ended on 2 March
    r = cancelled_credits(REASONED, as_of=date(2024, 3, 1))
    assert {k: g.count for k, g in r.by_cancellation_reason.items()} == {
        "contrato cancelado": 2,
        "pedido do cliente": 1,
    }
    assert sum(g.count for g in r.by_cancellation_reason.values()) == r.count
    assert r.coverage["ended_after_as_of"] == 1


def test_credit_carries_cancellation_reason_and_used_at() -> None:
    cr = REASONED[0]
    assert (cr.reason, cr.cancellation_reason) == ("bônus", "contrato cancelado")
    assert cr.used_at == datetime(2024, 1, 20, tzinfo=UTC)
    assert REASONED[4].used_at == datetime(2024, 1, 11, tzinfo=UTC)
    assert REASONED[1].used_at is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        # a cancellation reason on a credit that has not ended
        ({"status": "open", "cancellation_reason": "x"}, "cancellation_reason"),
        ({"status": "used", "cancellation_reason": "x"}, "cancellation_reason"),
        # a date of use on a credit with nothing used
        ({"used_amount": brl("0"), "used_at": "2024-01-20"}, "used_at"),
        # used before it was granted, or after it ended
        ({"used_at": "2024-01-04"}, "used_at"),
        (
            {"status": "cancelled", "cancelled_at": "2024-02-01", "used_at": "2024-02-02"},
            "used_at",
        ),
        ({"used_at": "2024-01-20T10:00:00"}, "used_at"),  # naive
        (
            {"status": "cancelled", "cancelled_at": "2024-02-01", "cancellation_reason": 7},
            "cancellation_reason",
        ),
    ],
)
def test_credit_cancellation_reason_and_used_at_validation(
    kwargs: dict[str, Any], field: str
) -> None:
    base: dict[str, Any] = {
        "id": "V1", "customer_id": "C1", "amount": brl("50.00"), "used_amount": brl("10.00"),
        "issued_at": "2024-01-05", "status": "open",
    }  # fmt: skip
    base.update(kwargs)
    with pytest.raises(KpiError, match=f"'V1'.*'{field}'"):
        Credit(**base)
