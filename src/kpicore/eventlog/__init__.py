"""The columnar invoice-to-cash event log and its vectorised primitives.

:class:`EventLog` stores events as numpy columns sorted once by (case,
timestamp): int32 case codes, int16 activity codes and int64 nanosecond UTC
timestamps, plus label tables, optional event attributes and a per-case
attribute table. Every primitive -- counts, first/last occurrences, per-case
durations, paired episodes, filters, variants, the directly-follows graph,
derived *Due Date Passed* events, the case table and the quality report -- is
a vectorised scan over those columns.

Semantics are anchored in the tools users know (see each docstring):
case duration = ``max(ts) - min(ts)`` as edeaR's ``throughput_time``;
first/last start to the first end after it as Celonis ``CALC_THROUGHPUT``;
"A to the next B" episodes as pm4py ``filter_between`` / Celonis
``SOURCE``/``TARGET``; performance-DFG arcs ``next.ts - cur.ts`` as pm4py;
variants as tuples rendered ``'A, B, C'`` as Celonis ``VARIANT``. Where those
tools fail (unsorted input, ties, time zones, silently dropped rows) kpicore
sorts once, keeps ties stable, never guesses a zone and counts what it leaves
out.

Examples
--------
>>> from kpicore.eventlog import EventLog
>>> log = EventLog.from_columns(
...     case=["F-1", "F-1", "F-2", "F-2", "F-2"],
...     activity=["Invoice Generated", "Payment Received", "Invoice Generated",
...               "Dispute Registered", "Payment Received"],
...     timestamp=["2024-03-01T09:00:00-03:00", "2024-03-11T09:00:00-03:00",
...                "2024-03-02T12:00:00Z", "2024-03-05T12:00:00Z", "2024-03-22T12:00:00Z"])
>>> log.case_durations("Invoice Generated", "Payment Received").summary().mean
15.0
"""

from __future__ import annotations

from ._casetable import DEFAULT_ROLES as CASE_TABLE_ROLES
from ._casetable import CaseTable
from ._log import (
    ACTIVITY_KEY,
    CASE_KEY,
    CASE_PREFIX,
    DEFAULT_BLOCK_EVENTS,
    RESOURCE_KEY,
    TIMESTAMP_KEY,
    ActivitySpec,
    EventLog,
    concat,
)
from ._quality import DEFAULT_ORDER_RULES, QualityIssue, QualityReport
from ._results import (
    END_BEFORE_START,
    MISSING_END,
    MISSING_START,
    STATUS_NAMES,
    USED,
    CaseDurations,
    CaseTimes,
    CaseValues,
    DroppedReport,
    Episodes,
    Pairs,
)
from ._variants import DirectlyFollows, VariantCoverage, Variants, variant_coverage

__all__ = [
    "ACTIVITY_KEY",
    "CASE_KEY",
    "CASE_PREFIX",
    "CASE_TABLE_ROLES",
    "DEFAULT_BLOCK_EVENTS",
    "DEFAULT_ORDER_RULES",
    "END_BEFORE_START",
    "MISSING_END",
    "MISSING_START",
    "RESOURCE_KEY",
    "STATUS_NAMES",
    "TIMESTAMP_KEY",
    "USED",
    "ActivitySpec",
    "CaseDurations",
    "CaseTable",
    "CaseTimes",
    "CaseValues",
    "DirectlyFollows",
    "DroppedReport",
    "Episodes",
    "EventLog",
    "Pairs",
    "QualityIssue",
    "QualityReport",
    "VariantCoverage",
    "Variants",
    "concat",
    "variant_coverage",
]
