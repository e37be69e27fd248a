"""Data-quality report of an event log."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import numpy.typing as npt

from kpicore.activities import (
    DISPUTE_REGISTERED,
    DISPUTE_RESOLVED,
    INVOICE_GENERATED,
    INVOICE_POSTED,
    INVOICE_SETTLED,
    INVOICE_WRITTEN_OFF,
    PAYMENT_POSTED,
    PAYMENT_RECEIVED,
)
from kpicore.errors import InvalidParameterError, MissingDataError
from kpicore.results import Result
from kpicore.results import plain as _label

from . import _scan

if TYPE_CHECKING:
    from ._log import ActivitySpec, EventLog

__all__ = ["DEFAULT_ORDER_RULES", "QualityIssue", "QualityReport", "quality"]

#: ``(before, after)`` pairs: a case where the first ``after`` precedes the
#: first ``before`` has an out-of-order lifecycle.
DEFAULT_ORDER_RULES: tuple[tuple[str, str], ...] = (
    (INVOICE_GENERATED.en, INVOICE_POSTED.en),
    (PAYMENT_RECEIVED.en, PAYMENT_POSTED.en),
    (DISPUTE_REGISTERED.en, DISPUTE_RESOLVED.en),
    (PAYMENT_RECEIVED.en, INVOICE_SETTLED.en),
)


@attrs.frozen(repr=False)
class QualityIssue(Result):
    """One kind of problem, how often it occurs and where.

    Attributes
    ----------
    name:
        Identifier (``duplicate_events``, ``missing_start_activity``...).
    count:
        Number of offending items (events, cases or rows: see ``detail``).
    cases:
        Number of cases affected.
    examples:
        Up to ``examples`` case ids (or row indices for dropped rows).
    detail:
        What is counted.

    Examples
    --------
    >>> QualityIssue("duplicate_events", 2, 1, ("F-1",), "extra copies").to_dict()["examples"]
    ['F-1']
    """

    name: str
    count: int
    cases: int
    examples: tuple[Any, ...]
    detail: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form.

        Examples
        --------
        >>> QualityIssue("x", 0, 0, (), "nothing").to_dict()
        {'name': 'x', 'count': 0, 'cases': 0, 'examples': [], 'detail': 'nothing'}
        """
        return {
            "name": self.name,
            "count": self.count,
            "cases": self.cases,
            "examples": list(self.examples),
            "detail": self.detail,
        }


@attrs.frozen(repr=False)
class QualityReport(Result):
    """Issues found in a log; ``report[name]`` gives one, ``ok`` says if all are zero.

    Examples
    --------
    >>> QualityReport(0, 0, ()).ok
    True
    """

    n_events: int
    n_cases: int
    issues: tuple[QualityIssue, ...]

    def __getitem__(self, name: str) -> QualityIssue:
        for issue in self.issues:
            if issue.name == name:
                return issue
        raise MissingDataError(
            f"no quality issue {name!r}; issues: {[i.name for i in self.issues]}"
        )

    def __iter__(self) -> Iterator[QualityIssue]:
        return iter(self.issues)

    @property
    def ok(self) -> bool:
        """True when every issue has a zero count.

        Examples
        --------
        >>> QualityReport(1, 1, (QualityIssue("x", 1, 1, ("a",), "one"),)).ok
        False
        """
        return all(i.count == 0 for i in self.issues)

    @property
    def problems(self) -> tuple[QualityIssue, ...]:
        """The issues with a non-zero count.

        Examples
        --------
        >>> issues = (QualityIssue("x", 1, 1, ("a",), ""), QualityIssue("y", 0, 0, (), ""))
        >>> r = QualityReport(1, 1, issues)
        >>> [i.name for i in r.problems]
        ['x']
        """
        return tuple(i for i in self.issues if i.count)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form.

        Examples
        --------
        >>> QualityReport(0, 0, ()).to_dict()
        {'n_events': 0, 'n_cases': 0, 'ok': True, 'issues': {}}
        """
        return {
            "n_events": self.n_events,
            "n_cases": self.n_cases,
            "ok": self.ok,
            "issues": {i.name: i.to_dict() for i in self.issues},
        }


def _issue(
    log: EventLog, name: str, count: int, case_mask: npt.NDArray[np.bool_], k: int, detail: str
) -> QualityIssue:
    idx = np.flatnonzero(case_mask)
    return QualityIssue(
        name,
        int(count),
        int(idx.shape[0]),
        tuple(_label(v) for v in log.case_ids[idx[:k]]),
        detail,
    )


def quality(
    log: EventLog,
    *,
    start: ActivitySpec = INVOICE_GENERATED.en,
    terminal: ActivitySpec = (INVOICE_SETTLED.en, INVOICE_WRITTEN_OFF.en),
    allowed_after_end: ActivitySpec | None = (PAYMENT_POSTED.en,),
    order_rules: Sequence[tuple[ActivitySpec, ActivitySpec]] = DEFAULT_ORDER_RULES,
    examples: int = 5,
) -> QualityReport:
    """Check a log for the usual event-log data-quality problems.

    Parameters
    ----------
    log:
        The log.
    start:
        The activity every case should have (default *Invoice Generated*).
    terminal:
        Activities that end a case (default *Invoice Settled*, *Invoice
        Written Off*).
    allowed_after_end:
        Activities that may legitimately follow the end (default *Payment
        Posted*: posting lags the receipt that settled the invoice).
    order_rules:
        ``(before, after)`` pairs; a case whose first ``after`` comes strictly
        before its first ``before`` is out of order.
    examples:
        How many example case ids (or rows) each issue lists.

    Returns
    -------
    QualityReport
        Issues, always all present (count 0 when clean):

        * ``dropped_rows``: input rows left out at construction
          (``on_invalid="drop"``; examples are row indices);
        * ``duplicate_events``: extra copies of an event with the same case,
          activity and timestamp (attributes not compared);
        * ``null_attribute_values``: null cells in event attribute columns;
        * ``missing_start_activity``: cases without the start activity;
        * ``events_before_start``: events strictly before the case's first
          start activity;
        * ``events_after_end``: events strictly after the case's first
          terminal event (other than ``allowed_after_end`` and the terminal
          activities themselves);
        * ``out_of_order_lifecycle``: cases breaking an order rule (count =
          rule violations);
        * ``case_attribute_conflicts``: cases whose events disagree on a case
          attribute (count = attribute/case pairs);
        * ``non_canonical_activities``: events whose activity maps to no
          canonical activity (informational: free-text activities are fine).

    Examples
    --------
    >>> from kpicore.eventlog import EventLog
    >>> log = EventLog.from_columns(case=["a", "a", "a"],
    ...     activity=["Invoice Generated", "Invoice Settled", "Collection Letter Generated"],
    ...     timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z", "2024-01-03T00:00Z"])
    >>> log.quality()["events_after_end"].count
    1
    """
    if isinstance(examples, bool) or not isinstance(examples, int) or examples < 0:
        raise InvalidParameterError(f"examples must be a non-negative int, got {examples!r}")
    k = examples
    n, n_cases = log.n_events, log.n_cases
    case, act, ts = log.case_codes, log.activity_codes, log.timestamps
    issues: list[QualityIssue] = []
    dropped = log.dropped
    rows = sorted({r for ex in dropped.examples.values() for r in ex})[:k]
    issues.append(
        QualityIssue(
            "dropped_rows",
            dropped.rows,
            0,
            tuple(rows),
            f"input rows dropped at construction, by column {dict(dropped.by_field)}",
        )
    )
    # duplicates: same case, activity, timestamp; only tie groups need sorting
    dup_cases = np.zeros(n_cases, dtype=bool)
    n_dup = 0
    if n > 1:
        tie = (case[1:] == case[:-1]) & (ts[1:] == ts[:-1])
        if tie.any():
            in_tie = np.zeros(n, dtype=bool)
            in_tie[1:] |= tie
            in_tie[:-1] |= tie
            sub = np.flatnonzero(in_tie)
            o = sub[np.lexsort((act[sub], ts[sub], case[sub]))]
            same = (
                (case[o][1:] == case[o][:-1])
                & (ts[o][1:] == ts[o][:-1])
                & (act[o][1:] == act[o][:-1])
            )
            n_dup = int(np.count_nonzero(same))
            dup_cases[case[o][1:][same]] = True
    issues.append(
        _issue(log, "duplicate_events", n_dup, dup_cases, k, "extra events with the same case, "
               "activity and timestamp")
    )  # fmt: skip
    null_cells = 0
    null_cases = np.zeros(n_cases, dtype=bool)
    per_col: dict[str, int] = {}
    for name in log.attribute_names:
        nm = log._attrs[name].null_mask()
        c = int(np.count_nonzero(nm))
        if c:
            per_col[name] = c
            null_cells += c
            null_cases[case[nm]] = True
    issues.append(
        _issue(log, "null_attribute_values", null_cells, null_cases, k,
               f"null cells in event attributes, by column {per_col}")
    )  # fmt: skip
    start_mask = log._mask(start, param="start")
    first_start = _scan.case_first_index(case, np.flatnonzero(start_mask), n_cases)
    missing = first_start < 0
    issues.append(
        _issue(log, "missing_start_activity", int(np.count_nonzero(missing)), missing, k,
               "cases without the start activity")
    )  # fmt: skip
    start_ns = _scan.take_ts(ts, first_start)
    before = ~missing[case] & (ts < start_ns[case]) if n else np.zeros(0, dtype=bool)
    before_cases = np.zeros(n_cases, dtype=bool)
    before_cases[case[before]] = True
    issues.append(
        _issue(log, "events_before_start", int(np.count_nonzero(before)), before_cases, k,
               "events before the case's first start activity")
    )  # fmt: skip
    term_mask = log._mask(terminal, param="terminal")
    first_term = _scan.case_first_index(case, np.flatnonzero(term_mask), n_cases)
    term_ns = _scan.take_ts(ts, first_term)
    allowed = term_mask.copy()
    if allowed_after_end is not None:
        allowed |= log._mask(allowed_after_end, param="allowed_after_end")
    if n:
        after = (first_term[case] >= 0) & (ts > term_ns[case]) & ~allowed
    else:
        after = np.zeros(0, dtype=bool)
    after_cases = np.zeros(n_cases, dtype=bool)
    after_cases[case[after]] = True
    issues.append(
        _issue(log, "events_after_end", int(np.count_nonzero(after)), after_cases, k,
               "events after the case's first settlement or write-off")
    )  # fmt: skip
    order_cases = np.zeros(n_cases, dtype=bool)
    violations = 0
    for before_spec, after_spec in order_rules:
        fb = log.first_occurrence(before_spec).ns
        fa = log.first_occurrence(after_spec).ns
        nat = np.iinfo(np.int64).min
        bad = (fb != nat) & (fa != nat) & (fa < fb)
        violations += int(np.count_nonzero(bad))
        order_cases |= bad
    issues.append(
        _issue(log, "out_of_order_lifecycle", violations, order_cases, k,
               "rule violations: a later lifecycle step first seen before an earlier one")
    )  # fmt: skip
    conflict_cases = np.zeros(n_cases, dtype=bool)
    pairs = 0
    by_attr: dict[str, int] = {}
    for name, m in log._conflicts.items():
        c = int(np.count_nonzero(m))
        by_attr[name] = c
        pairs += c
        conflict_cases |= m
    issues.append(
        _issue(log, "case_attribute_conflicts", pairs, conflict_cases, k,
               f"cases whose events disagree on a case attribute, by attribute {by_attr}")
    )  # fmt: skip
    non_canon = np.array([c is None for c in log._canon] or [False], dtype=bool)
    if n and non_canon.any():
        ev = non_canon[act]
        nc_cases = np.zeros(n_cases, dtype=bool)
        nc_cases[case[ev]] = True
        labels = [lab for lab, c in zip(log.activities, log._canon, strict=True) if c is None]
        issues.append(
            _issue(log, "non_canonical_activities", int(np.count_nonzero(ev)), nc_cases, k,
                   f"events of activities outside the canonical vocabulary: {labels}")
        )  # fmt: skip
    else:
        issues.append(
            QualityIssue("non_canonical_activities", 0, 0, (), "events of activities outside "
                         "the canonical vocabulary: []")
        )  # fmt: skip
    return QualityReport(n, n_cases, tuple(issues))
