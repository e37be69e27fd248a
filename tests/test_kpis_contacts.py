"""Tests of kpicore.kpis.contacts: customers without a usable contact."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import customer_strategy

from kpicore.errors import InvalidParameterError, InvalidRecordError, KpiError
from kpicore.kpis.contacts import (
    customers_without_contact,
    is_usable_contact,
    is_usable_email,
    is_usable_phone,
    normalize_phone,
)
from kpicore.model import Contact, Customer, CustomerKind
from kpicore.periods import as_of_ns, to_ns


def _any(value: object) -> Any:
    return value


# ---------------------------------------------------------------------------------------
# usability rules
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "ana@x.com",
        "  ana@provedor.com.br  ",  # surrounding whitespace stripped
        "a.b+cobranca@sub.domain.org",
        "FINANCEIRO@EMPRESA.COM.BR",
        "joão@exemplo.com.br",  # non-ASCII local part: accepted (syntax only)
    ],
)
def test_usable_emails(value: str) -> None:
    assert is_usable_email(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "-",
        "sem email",
        "ana",
        "ana@",  # no domain
        "@x.com",  # no local part
        "ana@x",  # no TLD
        "ana@@x.com",  # two @
        "a@b@x.com",  # two @
        "ana @x.com",  # inner space
        "ana@x..com",  # empty label
        "ana@.x.com",  # empty label
        "ana@x.com.",  # trailing dot
        "ana@x.c",  # one-letter TLD
        "ana@x.c0m",  # TLD with a digit
        "ana@x.com\nbia@y.com",  # two addresses in one field
    ],
)
def test_unusable_emails(value: str) -> None:
    assert not is_usable_email(value)


@pytest.mark.parametrize(
    ("value", "digits"),
    [
        ("+55 (11) 91234-5678", "11912345678"),  # 13 digits starting 55 -> drop 55 -> 11
        ("55 11 3222-1100", "1132221100"),  # 12 digits starting 55 -> 10
        ("5511912345678", "11912345678"),
        ("(11) 91234-5678", "11912345678"),  # mobile: 11 digits
        ("(48) 3222-1100", "4832221100"),  # landline: 10 digits
        ("(55) 9999-8888", "5599998888"),  # area code 55 (RS), 10 digits: kept
        ("  48.3222.1100 ", "4832221100"),
    ],
)
def test_usable_phones(value: str, digits: str) -> None:
    assert normalize_phone(value) == digits
    assert is_usable_phone(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "  ",
        "-",
        "n/a",
        "91234-5678",  # 9 digits: no area code
        "3222-1100",  # 8 digits
        "0000000000",  # all one digit
        "(11) 1111-1111",  # all one digit
        "55 0000000000",  # 12 digits -> drop 55 -> all zeros
        "011 91234-5678",  # trunk prefix 0: 12 digits not starting 55
        "+55 (11) 91234-56789",  # 14 digits
        "119123456789",  # 12 digits not starting with 55
    ],
)
def test_unusable_phones(value: str) -> None:
    assert normalize_phone(value) is None
    assert not is_usable_phone(value)


def test_usable_contact_uses_its_kind() -> None:
    # an e-mail-looking value recorded as a phone is not a usable phone, and vice versa
    assert is_usable_contact(Contact("email", "ana@x.com"))
    assert not is_usable_contact(Contact("phone", "ana@x.com"))
    assert is_usable_contact(Contact("phone", "(11) 91234-5678"))
    assert not is_usable_contact(Contact("email", "(11) 91234-5678"))


def test_non_strings_are_not_usable() -> None:
    assert not is_usable_email(_any(None))
    assert normalize_phone(_any(11912345678)) is None


# ---------------------------------------------------------------------------------------
# customers_without_contact: hand-worked
# ---------------------------------------------------------------------------------------

EMAIL = Contact("email", "cliente@provedor.com.br")
PHONE = Contact("phone", "(11) 91234-5678")


def _c(cid: str, kind: str, sector: str | None, region: str | None, **kw: Any) -> Customer:
    return Customer(cid, f"Cliente {cid}", kind=kind, sector=sector, region=region, **kw)


CUSTOMERS = [
    # C0: Nov 2023, phone since registration
    _c("C0", "individual", "residencial", "SP", contacts=[PHONE], created_at=date(2023, 11, 15)),
    # C1: Jan, e-mail since registration
    _c("C1", "individual", "residencial", "SP", contacts=[EMAIL], created_at=date(2024, 1, 5)),
    # C2: Jan, only invalid contacts -> without contact
    _c("C2", "company", "comercial", "RJ",
       contacts=[Contact("phone", "0000000000"), Contact("email", "-"), Contact("email", " ")],
       created_at=date(2024, 1, 20)),
    # C3: Feb, phone added 10 days after registration
    _c("C3", "individual", "residencial", "SP",
       contacts=[Contact("phone", "(11) 91234-5678", added_at=date(2024, 2, 14))],
       created_at=date(2024, 2, 4)),
    # C4: Feb, no contacts at all
    _c("C4", "individual", "residencial", "RJ", created_at=date(2024, 2, 10)),
    # C5: Mar, e-mail added 10 Apr (after as_of 31 Mar): without contact at as_of
    _c("C5", "company", "comercial", "SP",
       contacts=[Contact("email", "compras@loja.com", added_at=date(2024, 4, 10))],
       created_at=date(2024, 3, 1)),
    # C6: registered 1 May, after as_of: excluded at as_of
    _c("C6", "individual", "residencial", "SP", contacts=[EMAIL], created_at=date(2024, 5, 1)),
    # C7: no registration date, usable phone (no added_at)
    _c("C7", "individual", None, None, contacts=[PHONE]),
    # C8: Mar, registered 10 Mar 00:00 UTC, e-mail added 12 Mar 12:00 UTC -> 2.5 days
    _c("C8", "company", "comercial", "RJ",
       contacts=[Contact("email", "ti@empresa.com.br",
                         added_at=datetime(2024, 3, 12, 12, tzinfo=UTC))],
       created_at=date(2024, 3, 10)),
    # C9: Mar, invalid e-mail only
    _c("C9", "individual", "residencial", "RJ", contacts=[Contact("email", "nao tem")],
       created_at=date(2024, 3, 20)),
]  # fmt: skip
AS_OF = date(2024, 3, 31)


def test_count_share_and_ids() -> None:
    r = customers_without_contact(CUSTOMERS, as_of=AS_OF)
    # considered: all but C6 = 9; without: C2, C4, C5, C9 = 4
    assert (r.customers, r.without_contact) == (9, 4)
    assert r.share == 4 / 9
    assert r.customer_ids == ("C2", "C4", "C5", "C9")
    assert dict(r.coverage) == {"used": 9, "excluded_not_yet_registered": 1}


def test_without_as_of_everything_known() -> None:
    r = customers_without_contact(CUSTOMERS)
    # all 10 considered; C5 got its e-mail on 10 Apr -> without: C2, C4, C9
    assert (r.customers, r.without_contact, r.customer_ids) == (10, 3, ("C2", "C4", "C9"))
    # time to first contact: C3 10 d, C8 2.5 d, C5 40 d (1 Mar -> 10 Apr: 30 + 10)
    t = r.time_to_first_contact
    assert (t.count, t.missing, t.mean, t.median) == (3, 3, (10 + 2.5 + 40) / 3, 10.0)


def test_contact_added_on_as_of_boundary() -> None:
    # as_of 10 Apr (end of day): C5's e-mail added 10 Apr 00:00 UTC counts
    r = customers_without_contact(CUSTOMERS, as_of=date(2024, 4, 10))
    assert "C5" not in r.customer_ids
    # as_of 9 Apr: not yet
    r = customers_without_contact(CUSTOMERS, as_of=date(2024, 4, 9))
    assert "C5" in r.customer_ids


def test_time_to_first_contact() -> None:
    r = customers_without_contact(CUSTOMERS, as_of=AS_OF)
    # without contact at registration (known created_at): C2, C3, C4, C5, C8, C9 = 6
    assert r.without_contact_at_registration == 6
    # got one by as_of: C3 (14 Feb - 4 Feb = 10 d), C8 (2.5 d); still without: C2, C4, C5, C9
    t = r.time_to_first_contact
    assert (t.count, t.missing, t.mean, t.median, t.min, t.max) == (2, 4, 6.25, 6.25, 2.5, 10.0)
    assert t.unit == "days"


def test_contact_added_before_registration_counts_as_at_registration() -> None:
    c = Customer(
        "X", "X", contacts=[Contact("email", "x@x.com", added_at=date(2024, 1, 1))],
        created_at=date(2024, 1, 2),
    )  # fmt: skip
    r = customers_without_contact([c])
    assert (r.without_contact_at_registration, r.time_to_first_contact.count) == (0, 0)


def test_trend_by_registration_month() -> None:
    r = customers_without_contact(CUSTOMERS, as_of=AS_OF, freq="month")
    got = [
        (p.period.label, p.registered, p.without_contact, p.share, p.change, p.share_change)
        for p in r.trend
    ]
    assert got == [
        ("2023-11", 1, 0, 0.0, None, None),  # C0
        ("2023-12", 0, 0, None, 0, None),  # nobody registered: kept, share None
        ("2024-01", 2, 1, 0.5, 1, None),  # C1, C2 (C2 without); previous share None
        ("2024-02", 2, 1, 0.5, 0, 0.0),  # C3, C4 (C4 without)
        ("2024-03", 3, 2, 2 / 3, 1, 2 / 3 - 0.5),  # C5, C8, C9 (C5, C9 without)
    ]
    assert r.unplaced == 1  # C7 has no created_at
    assert sum(p.registered for p in r.trend) + r.unplaced == r.customers
    assert r.groups is not None
    assert r.groups.freq == "month"
    assert len(r.groups) == 4  # empty December is not a group


def test_trend_quarter_and_time_zone() -> None:
    r = customers_without_contact(CUSTOMERS, as_of=AS_OF, freq="quarter")
    assert [(p.period.label, p.registered, p.without_contact) for p in r.trend] == [
        ("2023-Q4", 1, 0),
        ("2024-Q1", 7, 4),
    ]
    # 1 Feb 01:00 UTC is 31 Jan 22:00 in São Paulo
    late = Customer("T", "T", created_at=datetime(2024, 2, 1, 1, tzinfo=UTC))
    sp = ZoneInfo("America/Sao_Paulo")
    assert [p.period.label for p in customers_without_contact([late], freq="month").trend] == [
        "2024-02"
    ]
    assert [
        p.period.label for p in customers_without_contact([late], freq="month", tz=sp).trend
    ] == ["2024-01"]


def test_segments_by_kind_sector_region() -> None:
    r = customers_without_contact(CUSTOMERS, as_of=AS_OF)
    kind = r.segments["kind"]
    # company: C2, C5, C8 -> without C2, C5; individual: C0, C1, C3, C4, C7, C9 -> C4, C9
    assert (kind["company"].customers, kind["company"].without_contact) == (3, 2)
    assert (kind["individual"].customers, kind["individual"].without_contact) == (6, 2)
    assert kind["individual"].share == 2 / 6
    region = r.segments["region"]
    # RJ: C2, C4, C8, C9 -> 3 without; SP: C0, C1, C3, C5 -> 1; None: C7 -> 0
    assert list(region) == ["RJ", "SP", None]
    assert [(g.customers, g.without_contact, g.share) for g in region.values()] == [
        (4, 3, 0.75),
        (4, 1, 0.25),
        (1, 0, 0.0),
    ]
    sector = r.segments["sector"]
    assert (sector["comercial"].without_contact, sector["residencial"].without_contact) == (2, 2)
    assert sector["residencial"].share == 2 / 5  # C0, C1, C3, C4, C9
    # configurable
    r = customers_without_contact(CUSTOMERS, as_of=AS_OF, segment_by=["segment"])
    assert list(r.segments) == ["segment"]
    assert r.segments["segment"][None].customers == 9
    assert customers_without_contact(CUSTOMERS, segment_by=None).segments == {}


def test_by_and_freq_together() -> None:
    r = customers_without_contact(CUSTOMERS, as_of=AS_OF, by="region", freq="quarter")
    assert r.groups is not None
    keys = [(k[0], k[1].label) for k in r.groups]
    # C7 has neither region nor created_at: in no group (no period)
    assert keys == [("RJ", "2024-Q1"), ("SP", "2023-Q4"), ("SP", "2024-Q1")]
    assert r.groups[("RJ", r.trend[1].period)].without_contact == 3


def test_kind_enum_and_to_dict() -> None:
    r = customers_without_contact(CUSTOMERS, as_of=AS_OF, freq="month")
    assert r.segments["kind"][CustomerKind.COMPANY].without_contact == 2
    d = r.to_dict()
    json.dumps(d)
    assert d["customer_ids"] == ["C2", "C4", "C5", "C9"]
    assert d["segments"]["region"]["groups"]["RJ"]["without_contact"] == 3
    assert d["trend"][0]["period"] == "2023-11"
    assert d["time_to_first_contact"]["mean"] == 6.25


def test_empty() -> None:
    r = customers_without_contact([], freq="month")
    assert (r.customers, r.without_contact, r.share, r.trend) == (0, 0, None, ())
    assert r.time_to_first_contact.mean is None


# ---------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------


def test_not_a_customer_names_row_and_field() -> None:
    with pytest.raises(InvalidRecordError) as info:
        customers_without_contact([CUSTOMERS[0], _any("C1")])
    assert "row 1" in str(info.value)
    assert "'customers'" in str(info.value)


def test_duplicate_customer_names_record_and_field() -> None:
    with pytest.raises(InvalidRecordError) as info:
        customers_without_contact([CUSTOMERS[0], CUSTOMERS[0]])
    assert "'C0'" in str(info.value)
    assert "'id'" in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"freq": "fortnight"}, "freq"),
        ({"by": "colour"}, "colour"),
        ({"segment_by": [_any(1)]}, "segment_by"),
        ({"segment_by": ["colour"]}, "colour"),
    ],
)
def test_parameter_validation(kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(InvalidParameterError, match=fragment):
        customers_without_contact(CUSTOMERS, **kwargs)


def test_naive_as_of_raises() -> None:
    with pytest.raises(KpiError, match="as_of"):
        customers_without_contact(CUSTOMERS, as_of=datetime(2024, 3, 31, 12))


# ---------------------------------------------------------------------------------------
# properties
# ---------------------------------------------------------------------------------------

contact_values = st.sampled_from(
    [
        "cliente@provedor.com.br",
        "(11) 91234-5678",
        "+55 48 3222-1100",
        "",
        "n/a",
        "0000000000",
        "ana@",
    ]
)
contacts = st.builds(
    Contact,
    st.sampled_from(["email", "phone"]),
    contact_values,
    st.none() | st.datetimes(datetime(2015, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC)),
)


def _with_contacts(customers: list[Customer], extra: list[list[Contact]]) -> list[Customer]:
    return [
        attrs.evolve(c, id=f"C{i}", contacts=(*c.contacts, *more))
        for i, (c, more) in enumerate(zip(customers, extra, strict=False))
    ]


@st.composite
def customer_lists(draw: st.DrawFn) -> list[Customer]:
    base = draw(st.lists(customer_strategy(), max_size=20))
    extra = draw(st.lists(st.lists(contacts, max_size=3), min_size=len(base), max_size=len(base)))
    return _with_contacts(base, extra)


@given(customer_lists(), st.none() | st.dates(date(2015, 1, 1), date(2030, 12, 31)))
def test_property_matches_naive_definition(customers: list[Customer], as_of: date | None) -> None:
    r = customers_without_contact(customers, as_of=as_of, freq="month")
    cutoff = None if as_of is None else as_of_ns(as_of)

    def known(c: Customer) -> bool:
        return cutoff is None or c.created_at is None or to_ns(c.created_at) < cutoff

    def reachable(c: Customer) -> bool:
        return any(
            is_usable_contact(x)
            and (cutoff is None or x.added_at is None or to_ns(x.added_at) < cutoff)
            for x in c.contacts
        )

    considered = [c for c in customers if known(c)]
    expected = tuple(c.id for c in considered if not reachable(c))
    assert r.customers == len(considered)
    assert r.customer_ids == expected
    assert r.without_contact == len(expected)
    assert sum(r.coverage.values()) == len(customers)
    for breakdown in r.segments.values():
        assert sum(g.customers for g in breakdown.values()) == r.customers
        assert sum(g.without_contact for g in breakdown.values()) == r.without_contact
    assert sum(p.registered for p in r.trend) + r.unplaced == r.customers
    assert sum(p.without_contact for p in r.trend) == sum(
        1 for c in considered if c.created_at is not None and not reachable(c)
    )
    ttfc = r.time_to_first_contact
    assert ttfc.count + ttfc.missing == r.without_contact_at_registration
    assert ttfc.count == 0 or (ttfc.min is not None and ttfc.min > 0)


@given(customer_lists(), st.randoms(use_true_random=False))
def test_property_order_invariance(customers: list[Customer], rnd: Any) -> None:
    r = customers_without_contact(customers, freq="quarter")
    shuffled = list(customers)
    rnd.shuffle(shuffled)
    s = customers_without_contact(shuffled, freq="quarter")
    assert sorted(r.customer_ids) == sorted(s.customer_ids)
    assert r.trend == s.trend
    assert r.time_to_first_contact == s.time_to_first_contact
    assert r.segments["region"].to_dict() == s.segments["region"].to_dict()
