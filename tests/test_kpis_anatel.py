"""Tests of kpicore.kpis.anatel: actions earlier than the RGC allows, or without notice."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from kpicore.bankcalendar import BankCalendar
from kpicore.errors import InvalidParameterError, MissingDataError
from kpicore.eventlog import EventLog
from kpicore.kpis.anatel import ANATEL_ISSUES, anatel_compliance, anatel_rules
from kpicore.model import Contact, Customer, DunningLetter, Invoice, Payment
from kpicore.money import Money

D = dt.date
AS_OF = D(2026, 6, 30)


def _inv(number: str, customer: str, due: str, *letters: tuple[int, str]) -> Invoice:
    return Invoice(
        number, customer, "2026-01-20", due, Money.of("99.90", "BRL"),
        dunning_letters=[DunningLetter(lev, day) for lev, day in letters],
    )  # fmt: skip


CUSTOMERS = [
    Customer("C1", "Ana", contacts=[Contact("email", "ana@exemplo.com.br")]),
    Customer("C2", "Bia", contacts=[Contact("phone", "0000000000"), Contact("email", "-")]),
    Customer("C3", "Caio", contacts=[Contact("phone", "(48) 99123-4567", added_at="2026-03-01")]),
]


def test_rules_presets() -> None:
    r14 = anatel_rules("rgc_2014")
    assert [(s.level, s.days) for s in r14.schedule.steps] == [(1, 1), (2, 15), (3, 30), (4, 30)]
    assert r14.schedule.clock == "previous_letter"
    r23 = anatel_rules("rgc_2023", notice_min_days=3)
    assert [(s.level, s.days) for s in r23.schedule.steps] == [(1, 3), (2, 15), (3, 60)]
    assert "765/2023" in r23.resolution
    with pytest.raises(InvalidParameterError, match="rgc_2014"):
        anatel_rules("rgc_2019")
    assert set(ANATEL_ISSUES) == {"early", "without_prior_step", "without_usable_contact"}


def test_rgc_2023_hand_worked() -> None:
    invs = [
        # notice 12 Feb, suspension 27 Feb (exactly +15: allowed), termination 28 Apr (+60 ok)
        _inv("F-1", "C1", "2026-02-10", (1, "2026-02-12"), (2, "2026-02-27"), (3, "2026-04-28")),
        # notice on the due date itself (not overdue yet: early), suspension 26 Feb (< 10+1+15?)
        _inv("F-2", "C1", "2026-02-10", (1, "2026-02-10"), (2, "2026-02-24")),
        # termination 60 days after suspension minus one: early
        _inv("F-3", "C1", "2026-02-10", (1, "2026-02-11"), (2, "2026-02-26"), (3, "2026-04-26")),
    ]
    r = anatel_compliance(invs, rules="rgc_2023", as_of=AS_OF)
    assert r.actions == 8
    flagged = {(f.invoice, f.level): (f.sent_on, f.earliest_allowed, f.issues) for f in r.flags}
    assert flagged == {
        ("F-2", 1): (D(2026, 2, 10), D(2026, 2, 11), ("early",)),
        ("F-2", 2): (D(2026, 2, 24), D(2026, 2, 25), ("early",)),  # 10 Feb + 15
        ("F-3", 3): (D(2026, 4, 26), D(2026, 4, 27), ("early",)),  # 26 Feb + 60
    }
    assert (r.compliant, r.early, r.violations) == (5, 3, 3)
    assert r.compliance_rate == 5 / 8
    assert r.by_level[2].actions == 3
    assert r.by_level[2].early == 1
    assert not r.contacts_checked
    assert r.without_usable_contact == 0


def test_rgc_2014_partial_then_full_suspension() -> None:
    inv = _inv(
        "F-1", "C1", "2026-02-10",
        (1, "2026-02-11"), (2, "2026-02-26"), (3, "2026-03-27"), (4, "2026-04-26"),
    )  # fmt: skip
    r = anatel_compliance([inv], rules="rgc_2014", as_of=AS_OF)
    # 26 Feb = 11 + 15 (ok); 27 Mar = 26 Feb + 29: one day early; 26 Apr = 27 Mar + 30 (ok)
    assert [(f.level, f.earliest_allowed) for f in r.flags] == [(3, D(2026, 3, 28))]
    assert (r.actions, r.early) == (4, 1)


def test_without_prior_step_and_out_of_order() -> None:
    invs = [
        _inv("F-1", "C1", "2026-02-10", (2, "2026-03-01")),  # suspension without notice
        # the notice came after the suspension: no prior step at the suspension
        _inv("F-2", "C1", "2026-02-10", (2, "2026-03-01"), (1, "2026-03-05")),
    ]
    r = anatel_compliance(invs, as_of=AS_OF)
    assert [(f.invoice, f.level, f.issues, f.earliest_allowed) for f in r.flags] == [
        ("F-1", 2, ("without_prior_step",), None),
        ("F-2", 2, ("without_prior_step",), None),
    ]
    assert r.without_prior_step == 2


def test_contacts() -> None:
    invs = [
        _inv("F-1", "C1", "2026-02-10", (1, "2026-02-12"), (2, "2026-03-01")),
        _inv("F-2", "C2", "2026-02-10", (1, "2026-02-12"), (2, "2026-03-01")),
        # C3 got a usable phone on 1 March, after the notice of 12 Feb: notice not provable
        _inv("F-3", "C3", "2026-02-10", (1, "2026-02-12"), (2, "2026-03-01")),
        # ... but on this invoice the notice came after the phone was added
        _inv("F-4", "C3", "2026-03-10", (1, "2026-03-12"), (2, "2026-03-30")),
        _inv("F-5", "C9", "2026-02-10", (1, "2026-02-12"), (2, "2026-03-01")),  # unknown
    ]
    r = anatel_compliance(invs, customers=CUSTOMERS, as_of=AS_OF)
    assert r.contacts_checked
    assert [(f.invoice, f.issues) for f in r.flags] == [
        ("F-2", ("without_usable_contact",)),
        ("F-3", ("without_usable_contact",)),
    ]
    assert r.coverage["actions_customer_unknown"] == 1
    # the notice itself is never flagged for contacts (it is the attempt)
    assert r.by_level[1].without_usable_contact == 0


def test_calendar_rolls_the_due_date() -> None:
    # due Saturday 14 Feb 2026 -> payable Wednesday 18 Feb: a notice on 18 Feb is early
    inv = _inv("F-1", "C1", "2026-02-14", (1, "2026-02-18"))
    assert anatel_compliance([inv], as_of=AS_OF).early == 0
    r = anatel_compliance([inv], as_of=AS_OF, calendar=BankCalendar())
    assert r.early == 1
    assert r.flags[0].earliest_allowed == D(2026, 2, 19)


def test_coverage_and_as_of() -> None:
    invs = [
        _inv("F-1", "C1", "2026-02-10", (1, "2026-02-12"), (1, "2026-02-13"), (7, "2026-02-14"),
             (2, "2026-07-15")),
    ]  # fmt: skip
    r = anatel_compliance(invs, as_of=AS_OF)
    assert r.actions == 1
    assert dict(r.coverage) == {
        "invoices": 1, "actions": 1, "missing_due_date": 0, "letters_repeated_level": 1,
        "letters_unscheduled_level": 1, "letters_without_level": 0,
        "letters_on_cases_not_counted": 0, "letters_after_as_of": 1,
        "actions_customer_unknown": 0,
    }  # fmt: skip


def test_groups_by_customer_and_month() -> None:
    invs = [
        _inv("F-1", "C1", "2026-02-10", (1, "2026-02-12"), (2, "2026-02-20")),
        _inv("F-2", "C2", "2026-02-10", (1, "2026-02-12"), (2, "2026-03-01")),
    ]
    r = anatel_compliance(invs, by="customer_id", as_of=AS_OF)
    assert r.groups is not None
    assert {k: (g.actions, g.early) for k, g in r.groups.items()} == {"C1": (2, 1), "C2": (2, 0)}
    m = anatel_compliance(invs, freq="month", as_of=AS_OF)
    assert m.groups is not None
    assert [(str(k), g.actions, g.early) for k, g in m.groups.items()] == [
        ("2026-02", 3, 1), ("2026-03", 1, 0),
    ]  # fmt: skip


def test_event_log_input_equals_objects() -> None:
    invs = [
        _inv("F-1", "C1", "2026-02-10", (1, "2026-02-12"), (2, "2026-02-20")),
        _inv("F-2", "C2", "2026-02-10", (1, "2026-02-12"), (2, "2026-03-01")),
    ]
    log = EventLog.from_invoices(invs)
    a = anatel_compliance(invs, customers=CUSTOMERS, as_of=AS_OF)
    b = anatel_compliance(log, customers=CUSTOMERS, as_of=AS_OF)
    assert a == b
    # a log without a customer_id attribute cannot be checked against contacts
    bare = EventLog.from_columns(
        case=["F-1", "F-1", "F-1"],
        activity=["Invoice Generated", "Collection Letter Generated",
                  "Collection Letter Generated"],
        timestamp=np.array(["2026-01-20", "2026-02-12", "2026-02-20"], dtype="datetime64[ns]"),
        case_attributes={"due_date": np.array(["2026-02-10"] * 3, dtype="datetime64[D]")},
    )  # fmt: skip
    assert anatel_compliance(bare, as_of=AS_OF).actions == 2
    with pytest.raises(MissingDataError):
        anatel_compliance(bare, customers=CUSTOMERS, as_of=AS_OF)


def test_paid_invoices_still_checked_and_json() -> None:
    inv = Invoice(
        "F-1", "C1", "2026-01-20", "2026-02-10", Money.of(10, "BRL"),
        payments=[Payment("2026-02-11", Money.of(10, "BRL"))],
        dunning_letters=[DunningLetter(1, "2026-02-10")],
    )  # fmt: skip
    r = anatel_compliance([inv], as_of=AS_OF)
    assert r.early == 1
    d = r.to_dict()
    assert d["flags"][0]["sent_on"] == "2026-02-10"
    assert d["rules"]["name"] == "rgc_2023"


def test_bad_parameters() -> None:
    with pytest.raises(InvalidParameterError):
        anatel_compliance([], rules=3)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="BankCalendar"):
        anatel_compliance([], calendar="BR")  # type: ignore[arg-type]


def test_customers_as_an_iterator_serve_both_the_check_and_by() -> None:
    inv = _inv("F-1", "C1", "2026-02-10", (1, "2026-02-12"), (2, "2026-02-20"))
    cs = iter([Customer("C1", "Ana", segment="residencial")])
    r = anatel_compliance([inv], customers=cs, by="segment", as_of=AS_OF)
    assert r.groups is not None
    g = r.groups["residencial"]
    assert (g.actions, g.early, g.without_usable_contact) == (2, 1, 1)
