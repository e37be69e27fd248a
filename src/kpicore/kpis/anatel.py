"""Anatel rules for collecting unpaid telecom bills: actions too early, or without notice.

Brazilian telecom consumer rules (the RGC) fix the *minimum* waits of the
*régua de cobrança*: the provider must notify the customer of the debt, may
suspend (or first reduce) the service only a number of days after that
notice, and may terminate the contract only later still. Sending an action
late is a matter of collection efficiency (:func:`kpicore.kpis.dunning.dunning_adherence`);
sending it *early*, without the previous step, or to a customer who could not
be notified at all (no usable e-mail or phone: no provable notice) breaks the
rules. :func:`anatel_compliance` flags those actions.

Rules
-----
:func:`anatel_rules` builds the parameters of each resolution from the
dunning presets (:func:`kpicore.kpis.dunning.rgc_2014_schedule`,
:func:`~kpicore.kpis.dunning.rgc_2023_schedule`, counted on the
previous-letter clock):

* ``"rgc_2014"`` (Res. 632/2014, arts. 90-103): notice; partial suspension
  (reduced speed) >= 15 days after it; full suspension >= 30 days later;
  termination >= 30 days later.
* ``"rgc_2023"`` (Res. 765/2023): notice; full suspension of broadband >= 15
  days after it; termination >= 60 days later.

References
----------
Anatel, Resolução nº 632/2014 (Regulamento Geral de Direitos do Consumidor de
Serviços de Telecomunicações), arts. 90-103; Resolução nº 765/2023 (new RGC);
Anatel consumer pages "Suspensão do serviço por falta de pagamento"
(https://www.gov.br/anatel/pt-br/consumidor/conheca-seus-direitos/suspensao).
LGPD (Lei 13.709/2018) art. 6 V: accurate, up-to-date data.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from typing import Final

import attrs
import numpy as np
import numpy.typing as npt

from kpicore.bankcalendar import BankCalendar, check_calendar
from kpicore.errors import InvalidParameterError
from kpicore.grouping import By
from kpicore.kpis._events import check_roles, horizon_ns, levels_of, ratio, role_events
from kpicore.kpis._ledger import (
    DEFAULT_ROLES,
    MISSING,
    InvoiceData,
    Roles,
    as_log_with_invoices,
    check_int,
    heads,
    item_grouping,
    ledger_of,
    to_day,
)
from kpicore.kpis.contacts import is_usable_contact
from kpicore.kpis.dunning import DunningSchedule, rgc_2014_schedule, rgc_2023_schedule
from kpicore.model import Customer, customers_by_id
from kpicore.periods import Freq, to_ns
from kpicore.results import Breakdown, Result, freeze, plain

__all__ = [
    "ANATEL_ISSUES",
    "AnatelCompliance",
    "AnatelComplianceGroup",
    "AnatelFlag",
    "AnatelRules",
    "anatel_compliance",
    "anatel_rules",
]

_I64 = npt.NDArray[np.int64]
_Customers = Iterable[Customer] | Mapping[str, Customer] | None
_EPOCH: Final[_dt.date] = _dt.date(1970, 1, 1)
_NEVER: Final[int] = int(np.iinfo(np.int64).max)
_ALWAYS: Final[int] = int(np.iinfo(np.int64).min)

#: The issues an action can have, with their pt-BR labels.
ANATEL_ISSUES: Final[Mapping[str, str]] = freeze(
    {
        "early": "Antes do prazo mínimo",
        "without_prior_step": "Sem a etapa anterior",
        "without_usable_contact": "Cliente sem contato utilizável (notificação não comprovável)",
    }
)


@attrs.frozen(repr=False)
class AnatelRules(Result):
    """The minimum waits of an Anatel resolution, as a dunning schedule.

    Attributes
    ----------
    name : str
        ``"rgc_2014"`` or ``"rgc_2023"`` (or a caller's own).
    resolution : str
        The regulation, for reports.
    schedule : DunningSchedule
        Levels in order, on the previous-letter clock: each step's ``days``
        is the minimum wait after the previous step (the first step, the
        notice, after the due date).
    notice_level : int
        The level of the debt notice (the first step).
    notice_min_days : int
        The notice may not precede ``due + notice_min_days`` (default 1: the
        first day overdue).
    """

    name: str
    resolution: str
    schedule: DunningSchedule
    notice_level: int
    notice_min_days: int


def anatel_rules(name: str = "rgc_2023", *, notice_min_days: int = 1) -> AnatelRules:
    """The parameters of an Anatel resolution (``"rgc_2014"`` or ``"rgc_2023"``).

    Parameters
    ----------
    name : {"rgc_2014", "rgc_2023"}
    notice_min_days : int, default 1
        Earliest notice, in days after the due date.

    Returns
    -------
    AnatelRules

    Examples
    --------
    >>> r = anatel_rules("rgc_2014")
    >>> [(s.level, s.days, s.label_en) for s in r.schedule.steps][1:]
    [(2, 15, 'Partial suspension (reduced speed)'), (3, 30, 'Full suspension'), (4, 30, 'Contract termination')]
    >>> [(s.level, s.days) for s in anatel_rules().schedule.steps]
    [(1, 1), (2, 15), (3, 60)]
    """  # noqa: E501
    n = check_int(notice_min_days, "notice_min_days", 0)
    if name == "rgc_2014":
        return AnatelRules(
            "rgc_2014",
            "Anatel Res. 632/2014 (RGC), arts. 90-103",
            rgc_2014_schedule(notice_offset_days=n, clock="previous_letter"),
            1,
            n,
        )
    if name == "rgc_2023":
        return AnatelRules(
            "rgc_2023",
            "Anatel Res. 765/2023 (RGC)",
            rgc_2023_schedule(notice_offset_days=n, clock="previous_letter"),
            1,
            n,
        )
    raise InvalidParameterError(f"rules={name!r}: expected 'rgc_2014' or 'rgc_2023'")


def _resolve(rules: AnatelRules | str) -> AnatelRules:
    if isinstance(rules, AnatelRules):
        return rules
    if isinstance(rules, str):
        return anatel_rules(rules)
    raise InvalidParameterError(
        f"rules must be 'rgc_2014', 'rgc_2023' or AnatelRules, got {rules!r}"
    )


# --------------------------------------------------------------------------- results


@attrs.frozen(repr=False)
class AnatelFlag(Result):
    """One action (letter) that breaks the rules.

    Attributes
    ----------
    invoice : object
        The invoice (case id).
    level : int
    label_pt : str
        The step (e.g. ``"Suspensão total"``).
    sent_on : date
        The day the action was taken (in ``tz``).
    earliest_allowed : date or None
        The first day the rules allowed it (None without the previous step).
    issues : tuple of str
        Keys of :data:`ANATEL_ISSUES`.
    """

    invoice: object
    level: int
    label_pt: str
    sent_on: _dt.date
    earliest_allowed: _dt.date | None
    issues: tuple[str, ...]


@attrs.frozen(repr=False)
class AnatelComplianceGroup(Result):
    """Compliance of the actions of one group.

    Attributes
    ----------
    actions : int
        Actions checked (the first letter of each scheduled level of an
        invoice).
    compliant : int
        Actions without any issue.
    early, without_prior_step, without_usable_contact : int
        Actions with each issue (an action may have several).
    violations : int
        Actions with at least one issue.
    compliance_rate : float or None
        ``compliant / actions``.
    """

    actions: int
    compliant: int
    early: int
    without_prior_step: int
    without_usable_contact: int
    violations: int
    compliance_rate: float | None


@attrs.frozen(repr=False)
class AnatelCompliance(Result):
    """Result of :func:`anatel_compliance`.

    Attributes
    ----------
    rules : AnatelRules
    actions ... compliance_rate
        As in :class:`AnatelComplianceGroup`, over all actions.
    by_level : Mapping[int, AnatelComplianceGroup]
    flags : tuple of AnatelFlag
        Every action with an issue, by invoice and level.
    contacts_checked : bool
        Whether ``customers=`` was given (without it the contact check is
        not made and ``without_usable_contact`` is 0).
    coverage : Mapping[str, int]
        ``invoices`` (issued with a due date), ``actions``,
        ``letters_repeated_level``, ``letters_unscheduled_level``,
        ``letters_without_level``, ``letters_on_cases_not_counted``,
        ``letters_after_as_of``, ``actions_customer_unknown`` (contact check
        impossible: the customer is not in ``customers``).
    groups : Breakdown of AnatelComplianceGroup or None
        By ``by=`` and/or the period of the action (``freq=``).
    """

    rules: AnatelRules
    actions: int
    compliant: int
    early: int
    without_prior_step: int
    without_usable_contact: int
    violations: int
    compliance_rate: float | None
    by_level: Mapping[int, AnatelComplianceGroup] = attrs.field(converter=freeze)
    flags: tuple[AnatelFlag, ...]
    contacts_checked: bool
    coverage: Mapping[str, int] = attrs.field(converter=freeze)
    groups: Breakdown[AnatelComplianceGroup] | None = None


# --------------------------------------------------------------------------- computation


def _first_usable_ns(customers: Mapping[str, Customer]) -> dict[str, int]:
    """Per customer, the instant of its first usable contact (_ALWAYS: no date; _NEVER: none)."""
    out: dict[str, int] = {}
    for cid, cust in customers.items():  # object input: one pass over the customers
        earliest = _NEVER
        for contact in cust.contacts:
            if is_usable_contact(contact):
                at = _ALWAYS if contact.added_at is None else to_ns(contact.added_at)
                earliest = min(earliest, at)
        out[cid] = earliest
    return out


def anatel_compliance(
    data: InvoiceData,
    *,
    rules: AnatelRules | str = "rgc_2023",
    customers: _Customers = None,
    as_of: _dt.date | _dt.datetime | None = None,
    tz: _dt.tzinfo | None = None,
    calendar: BankCalendar | None = None,
    by: By = None,
    freq: Freq | None = None,
    roles: Roles = DEFAULT_ROLES,
) -> AnatelCompliance:
    """Collection actions taken earlier than Anatel allows, or without provable notice.

    Parameters
    ----------
    data : sequence of Invoice or EventLog
        Letters (*Collection Letter Generated*) with their level: 1 the debt
        notice, then the suspension and termination steps of ``rules``.
    rules : AnatelRules or {"rgc_2014", "rgc_2023"}, default "rgc_2023"
    customers : iterable or mapping of Customer, optional
        With their contacts: suspension and termination of a customer with
        no usable e-mail or phone (:func:`kpicore.kpis.contacts.is_usable_contact`)
        at the notice are flagged ``without_usable_contact``. Without it the
        contact check is skipped (``contacts_checked=False``).
    as_of : date or aware datetime, optional
        Letters strictly before this instant (a date means its end). None:
        the log's last event.
    tz : tzinfo, optional
        Calendar of the letter days and of a date ``as_of`` (UTC by default).
    calendar : BankCalendar, optional
        Roll the due date to the next business day first (Lei 7.089/1983):
        the notice may not precede the rolled due date + ``notice_min_days``.
    by, freq
        Split by a dimension of the invoice and/or the period of the action.
    roles : Roles

    Returns
    -------
    AnatelCompliance

    Raises
    ------
    InvalidParameterError
        For unknown rules, a bad calendar, ``by`` or ``freq``.

    Notes
    -----
    For the first letter of each scheduled level of an invoice, sent on day
    ``s`` (in ``tz``), the earliest allowed day is ``due + notice_min_days``
    for the notice (``due`` rolled with ``calendar``) and ``day of the first
    letter of the previous level + days of the step`` for later levels.
    Issues: ``early`` when ``s`` is before it; ``without_prior_step`` when
    the invoice has no letter of the previous level sent at or before this
    one; ``without_usable_contact`` (levels after the notice, with
    ``customers=``) when the invoice's customer had no usable contact
    recorded at or before the notice (or, without a notice, the action)
    -- the notice the rules require could not be proven. ``compliance_rate
    = compliant / actions``.

    Examples
    --------
    RGC 2023: suspension at least 15 days after the notice. F-1 (due 10 Feb
    2026) was notified on 12 Feb and suspended on 20 Feb (early: not before
    27 Feb); F-2 was suspended with no notice; C2 has no usable contact:

    >>> import datetime as dt
    >>> from kpicore.model import Contact, Customer, DunningLetter, Invoice
    >>> from kpicore.money import Money
    >>> invs = [
    ...     Invoice("F-1", "C1", "2026-01-25", "2026-02-10", Money.of("99.90", "BRL"),
    ...             dunning_letters=[DunningLetter(1, "2026-02-12"), DunningLetter(2, "2026-02-20")]),
    ...     Invoice("F-2", "C2", "2026-01-25", "2026-02-10", Money.of("99.90", "BRL"),
    ...             dunning_letters=[DunningLetter(2, "2026-03-01")]),
    ... ]
    >>> cs = [Customer("C1", "Ana", contacts=[Contact("email", "ana@x.com.br")]),
    ...       Customer("C2", "Bia", contacts=[Contact("phone", "0000000000")])]
    >>> r = anatel_compliance(invs, rules="rgc_2023", customers=cs, as_of=dt.date(2026, 3, 31))
    >>> r.actions, r.compliant, r.early, r.without_prior_step, r.without_usable_contact
    (3, 1, 1, 1, 1)
    >>> [(f.invoice, f.level, f.issues) for f in r.flags]
    [('F-1', 2, ('early',)), ('F-2', 2, ('without_prior_step', 'without_usable_contact'))]
    >>> r.flags[0].earliest_allowed
    datetime.date(2026, 2, 27)
    """  # noqa: E501
    rl = _resolve(rules)
    cal = check_calendar(calendar)
    check_roles(roles)
    log, invoices = as_log_with_invoices(data)
    n = log.n_cases
    lg = ledger_of(log, as_of=as_of, tz=tz, roles=roles)
    limit = horizon_ns(log, as_of, tz)
    pop_mask = lg.is_issued & lg.has_due_date
    due = lg.due_days if cal is None else cal.roll_days(lg.due_days)

    idx = role_events(log, roles.letter, "letter")
    ts_all = log.timestamps[idx]
    known = ts_all < limit
    after = int(idx.shape[0] - np.count_nonzero(known))
    idx = idx[known]
    ts = ts_all[known]
    case = log.case_codes[idx].astype(np.int64)
    level, _ = levels_of(log, roles, idx)

    steps = rl.schedule.steps
    step_levels = np.array([st.level for st in steps], dtype=np.int64)
    step_days = np.array([st.days for st in steps], dtype=np.int64)
    k_steps = step_levels.shape[0]
    counted = pop_mask[case]
    with_level = counted & (level > 0)
    pos = np.minimum(np.searchsorted(step_levels, level), k_steps - 1)
    in_sched = with_level & (step_levels[pos] == level)
    sel = np.flatnonzero(in_sched)
    o = sel[np.lexsort((ts[sel], pos[sel], case[sel]))]
    key = case[o] * k_steps + pos[o]
    first = heads(key)
    fo = o[first]
    fkey = key[first]
    fc, fk, fts = case[fo], pos[fo], ts[fo]
    fday = to_day(fts, tz=tz)
    m = fo.shape[0]

    allowed = np.full(m, MISSING, dtype=np.int64)
    base = fk == 0
    allowed[base] = due[fc[base]] + rl.notice_min_days
    later = np.flatnonzero(~base)
    j = np.searchsorted(fkey, fkey[later] - 1)
    ok = j < m
    ok[ok] = (fkey[j[ok]] == fkey[later[ok]] - 1) & (fts[j[ok]] <= fts[later[ok]])
    allowed[later[ok]] = fday[j[ok]] + step_days[fk[later[ok]]]
    no_prior = np.zeros(m, dtype=bool)
    no_prior[later] = ~ok
    early = (allowed != MISSING) & (fday < allowed)

    # the notice instant per invoice (first letter of the first step), for the contact check
    notice_ns = np.full(n, MISSING, dtype=np.int64)
    notice_ns[fc[base]] = fts[base]
    no_contact = np.zeros(m, dtype=bool)
    unknown = 0
    checked = customers is not None
    index = customers_by_id(customers)  # once: an iterator of customers is read here only
    if checked:
        first_usable = _first_usable_ns(index)
        act = np.flatnonzero(~base)
        if act.shape[0]:
            cust_ids = np.asarray(log.case_attribute("customer_id"), dtype=object)
            names, inverse = np.unique(cust_ids[fc[act]].astype(str), return_inverse=True)
            found = [str(x) in first_usable for x in names]
            per_name = np.array([first_usable.get(str(x), _NEVER) for x in names], dtype=np.int64)
            usable_at = per_name[inverse]
            known_cust = np.array(found, dtype=bool).reshape(-1)[inverse]
            unknown = int(np.count_nonzero(~known_cust))
            nt = notice_ns[fc[act]]
            ref = np.where((nt != MISSING) & (nt <= fts[act]), nt, fts[act])
            no_contact[act] = known_cust & (usable_at > ref)
    issue = early | no_prior | no_contact

    def compute(ix: _I64) -> AnatelComplianceGroup:
        k = int(ix.shape[0])
        bad = int(np.count_nonzero(issue[ix]))
        return AnatelComplianceGroup(
            actions=k,
            compliant=k - bad,
            early=int(np.count_nonzero(early[ix])),
            without_prior_step=int(np.count_nonzero(no_prior[ix])),
            without_usable_contact=int(np.count_nonzero(no_contact[ix])),
            violations=bad,
            compliance_rate=ratio(k - bad, k),
        )

    total = compute(np.arange(m, dtype=np.int64))
    by_level = {
        st.level: compute(np.flatnonzero(fk == k).astype(np.int64)) for k, st in enumerate(steps)
    }
    flags: list[AnatelFlag] = []
    for i in np.flatnonzero(issue).tolist():  # the flagged actions only (the detail report)
        issues = tuple(
            name
            for name, on in (("early", early[i]), ("without_prior_step", no_prior[i]),
                             ("without_usable_contact", no_contact[i]))
            if on
        )  # fmt: skip
        a = int(allowed[i])
        flags.append(
            AnatelFlag(
                invoice=plain(log.case_ids[fc[i]]),
                level=int(step_levels[fk[i]]),
                label_pt=steps[int(fk[i])].label_pt,
                sent_on=_EPOCH + _dt.timedelta(days=int(fday[i])),
                earliest_allowed=None if a == MISSING else _EPOCH + _dt.timedelta(days=a),
                issues=issues,
            )
        )
    g = item_grouping(
        log if invoices is None else invoices, log, fc, by=by, freq=freq,
        when=fday.view("datetime64[D]") if freq else None, tz=None,
        customers=index if checked else None, roles=roles, invoices=invoices,
    )  # fmt: skip
    cov = lg.coverage
    return AnatelCompliance(
        rules=rl,
        actions=total.actions,
        compliant=total.compliant,
        early=total.early,
        without_prior_step=total.without_prior_step,
        without_usable_contact=total.without_usable_contact,
        violations=total.violations,
        compliance_rate=total.compliance_rate,
        by_level=by_level,
        flags=tuple(flags),
        contacts_checked=checked,
        coverage={
            "invoices": int(np.count_nonzero(pop_mask)),
            "actions": m,
            "missing_due_date": cov["missing_due_date"],
            "letters_repeated_level": int(sel.shape[0] - m),
            "letters_unscheduled_level": int(np.count_nonzero(with_level & ~in_sched)),
            "letters_without_level": int(np.count_nonzero(counted & (level <= 0))),
            "letters_on_cases_not_counted": int(np.count_nonzero(~counted)),
            "letters_after_as_of": after,
            "actions_customer_unknown": unknown,
        },
        groups=None if g is None else g.breakdown(compute),
    )
