"""Frozen result values of the event-log primitives."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Literal

import attrs
import numpy as np
import numpy.typing as npt

from kpicore.errors import InvalidParameterError
from kpicore.results import Result
from kpicore.results import freeze as _frozen_map
from kpicore.results import plain as _label
from kpicore.results import read_only as _ro
from kpicore.summary import DEFAULT_PERCENTILES, Summary

from ._timestamps import NAT

__all__ = [
    "END_BEFORE_START",
    "MISSING_END",
    "MISSING_START",
    "STATUS_NAMES",
    "USED",
    "CaseDurations",
    "CaseTimes",
    "CaseValues",
    "DroppedReport",
    "Episodes",
    "Pairs",
]

NS_PER_DAY_F = 86_400e9

#: Status code of a case whose duration was computed.
USED = 0
#: Status code of a case without the start activity.
MISSING_START = 1
#: Status code of a case with a start but without the end activity.
MISSING_END = 2
#: Status code of a case whose end comes before its start.
END_BEFORE_START = 3
#: Names of the status codes, indexed by code.
STATUS_NAMES: tuple[str, ...] = ("used", "missing_start", "missing_end", "end_before_start")


def _days(ns: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    return ns.astype(np.float64) / NS_PER_DAY_F


def _times(ns: npt.NDArray[np.int64]) -> npt.NDArray[np.datetime64]:
    return _ro(ns.view("datetime64[ns]"))


@attrs.frozen(eq=False, repr=False)
class DroppedReport(Result):
    """What ``on_invalid="drop"`` left out when a log was built.

    Attributes
    ----------
    rows:
        Number of input rows dropped.
    by_field:
        ``{column: rows dropped because of it}`` (a row with two bad fields
        counts under both).
    examples:
        ``{column: up to five input row indices}``.

    Examples
    --------
    >>> DroppedReport.none().rows
    0
    """

    rows: int
    by_field: Mapping[str, int] = attrs.field(converter=_frozen_map)
    examples: Mapping[str, tuple[int, ...]] = attrs.field(converter=_frozen_map)

    def __reduce__(self) -> tuple[Any, ...]:  # mapping proxies do not pickle
        return (DroppedReport, (self.rows, dict(self.by_field), dict(self.examples)))

    @classmethod
    def none(cls) -> DroppedReport:
        """The report of a log that dropped nothing.

        Examples
        --------
        >>> DroppedReport.none().to_dict()
        {'rows': 0, 'by_field': {}, 'examples': {}}
        """
        return cls(0, {}, {})

    def merge(self, other: DroppedReport) -> DroppedReport:
        """Counts added (examples of the first report kept first).

        Examples
        --------
        >>> a = DroppedReport(1, {"ts": 1}, {"ts": (4,)})
        >>> a.merge(DroppedReport(2, {"ts": 2}, {"ts": (0, 9)})).to_dict()
        {'rows': 3, 'by_field': {'ts': 3}, 'examples': {'ts': [4, 0, 9]}}
        """
        by = dict(self.by_field)
        ex = {k: list(v) for k, v in self.examples.items()}
        for k, v in other.by_field.items():
            by[k] = by.get(k, 0) + v
        for k, rows in other.examples.items():
            ex[k] = (ex.get(k, []) + list(rows))[:5]
        return DroppedReport(self.rows + other.rows, by, {k: tuple(v) for k, v in ex.items()})

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form.

        Examples
        --------
        >>> DroppedReport(1, {"case": 1}, {"case": (3,)}).to_dict()
        {'rows': 1, 'by_field': {'case': 1}, 'examples': {'case': [3]}}
        """
        return {
            "rows": self.rows,
            "by_field": dict(self.by_field),
            "examples": {k: list(v) for k, v in self.examples.items()},
        }


@attrs.frozen(eq=False, repr=False)
class CaseValues(Result):
    """One value per case (counts, per-case totals...).

    Attributes
    ----------
    case_ids:
        Case labels, sorted (read-only array).
    values:
        One value per case, aligned with ``case_ids`` (NaN where a float value
        is missing).
    name:
        What the values are.
    unit:
        Their unit (``"events"``, ``"days"``...).

    Examples
    --------
    >>> import numpy as np
    >>> cv = CaseValues(np.array(["a", "b"], dtype=object), np.array([2, 1]), "events", "events")
    >>> cv.to_dict()
    {'a': 2, 'b': 1}
    """

    case_ids: npt.NDArray[Any] = attrs.field(converter=_ro)
    values: npt.NDArray[Any] = attrs.field(converter=_ro)
    name: str
    unit: str

    def __len__(self) -> int:
        return int(self.values.shape[0])

    def summary(self, *, percentiles: Iterable[float] = DEFAULT_PERCENTILES) -> Summary:
        """Summary of the values (NaN counted as missing).

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["a", "a", "b"], activity=["X", "Y", "X"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-03T00:00Z", "2024-01-02T00:00Z"])
        >>> log.events_per_case().summary().mean
        1.5
        """
        return Summary.of(self.values.astype(np.float64), percentiles=percentiles, unit=self.unit)

    def to_dict(self) -> dict[Any, Any]:
        """``{case id: value}`` (NaN as None).

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["a", "a", "b"], activity=["X", "Y", "X"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-03T00:00Z", "2024-01-02T00:00Z"])
        >>> log.count("Y").to_dict()
        {'a': 1, 'b': 0}
        """
        vals = self.values.tolist()
        out = {}
        for k, v in zip(self.case_ids.tolist(), vals, strict=True):
            out[k] = None if isinstance(v, float) and v != v else v
        return out


@attrs.frozen(eq=False, repr=False)
class CaseTimes(Result):
    """One instant per case: first or last occurrence of an activity.

    Attributes
    ----------
    activity:
        The activity (role) asked for, as given.
    which:
        ``"first"`` or ``"last"``.
    case_ids:
        Case labels (read-only array).
    ns:
        int64 ns UTC per case; the NaT sentinel where the case lacks it.

    Examples
    --------
    >>> import numpy as np
    >>> ct = CaseTimes("Payment Received", "first", np.array(["a", "b"], dtype=object),
    ...                np.array([0, np.iinfo(np.int64).min]))
    >>> ct.found.tolist(), ct.counts
    ([True, False], {'found': 1, 'missing': 1})
    """

    activity: str
    which: str
    case_ids: npt.NDArray[Any] = attrs.field(converter=_ro)
    ns: npt.NDArray[np.int64] = attrs.field(converter=_ro)

    @property
    def times(self) -> npt.NDArray[np.datetime64]:
        """``datetime64[ns]`` (UTC) per case, NaT where missing.

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["a", "a", "b"], activity=["X", "Y", "X"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-03T00:00Z", "2024-01-02T00:00Z"])
        >>> log.first_occurrence("Y").times
        array(['2024-01-03T00:00:00.000000000',                           'NaT'],
              dtype='datetime64[ns]')
        """
        return _times(self.ns)

    @property
    def found(self) -> npt.NDArray[np.bool_]:
        """Whether each case has the activity.

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["a", "a", "b"], activity=["X", "Y", "X"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-03T00:00Z", "2024-01-02T00:00Z"])
        >>> log.first_occurrence("Y").found.tolist()
        [True, False]
        """
        found: npt.NDArray[np.bool_] = self.ns != NAT
        return found

    @property
    def counts(self) -> dict[str, int]:
        """``{"found": ..., "missing": ...}``.

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["a", "a", "b"], activity=["X", "Y", "X"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-03T00:00Z", "2024-01-02T00:00Z"])
        >>> log.last_occurrence("X").counts
        {'found': 2, 'missing': 0}
        """
        found = int(np.count_nonzero(self.found))
        return {"found": found, "missing": int(self.ns.shape[0]) - found}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (ISO instants, None where missing).

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["a", "a", "b"], activity=["X", "Y", "X"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-03T00:00Z", "2024-01-02T00:00Z"])
        >>> log.first_occurrence("Y").to_dict()["times"]
        {'a': '2024-01-03T00:00:00.000000000Z', 'b': None}
        """
        return {
            "activity": self.activity,
            "which": self.which,
            "counts": self.counts,
            "times": {
                _label(k): (None if v == NAT else str(np.datetime64(int(v), "ns")) + "Z")
                for k, v in zip(self.case_ids, self.ns.tolist(), strict=True)
            },
        }


@attrs.frozen(eq=False, repr=False)
class CaseDurations(Result):
    """Per-case durations between a start and an end, with coverage.

    Attributes
    ----------
    start, end:
        Descriptions of the start and end (activity and occurrence rule).
    case_ids:
        Case labels (read-only array), one per case of the log.
    days:
        Duration in days per case (float, from exact ns); NaN where the case
        was not used.
    status:
        int8 status per case: ``USED`` (0), ``MISSING_START`` (1),
        ``MISSING_END`` (2), ``END_BEFORE_START`` (3); see ``STATUS_NAMES``.
    start_ns, end_ns:
        The instants used (NaT sentinel where absent). For
        ``END_BEFORE_START`` both are set, so the negative gap can be seen.

    Examples
    --------
    >>> import numpy as np
    >>> d = CaseDurations("A", "B", np.array(["x", "y"], dtype=object),
    ...                   np.array([1.5, np.nan]), np.array([0, 2], dtype=np.int8),
    ...                   np.array([0, 0]), np.array([129600000000000, np.iinfo(np.int64).min]))
    >>> d.counts
    {'used': 1, 'missing_start': 0, 'missing_end': 1, 'end_before_start': 0}
    >>> d.summary().mean, d.summary().missing
    (1.5, 1)
    """

    _CASE_CODES: ClassVar[Mapping[str, tuple[str, ...]]] = {"status": STATUS_NAMES}

    start: str
    end: str
    case_ids: npt.NDArray[Any] = attrs.field(converter=_ro)
    days: npt.NDArray[np.float64] = attrs.field(converter=_ro)
    status: npt.NDArray[np.int8] = attrs.field(converter=_ro)
    start_ns: npt.NDArray[np.int64] = attrs.field(converter=_ro)
    end_ns: npt.NDArray[np.int64] = attrs.field(converter=_ro)

    @property
    def counts(self) -> dict[str, int]:
        """``{"used", "missing_start", "missing_end", "end_before_start"}`` counts.

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["a", "a", "b"], activity=["X", "Y", "X"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-03T00:00Z", "2024-01-02T00:00Z"])
        >>> log.case_durations("X", "Y").counts
        {'used': 1, 'missing_start': 0, 'missing_end': 1, 'end_before_start': 0}
        """
        c = np.bincount(self.status, minlength=4)
        return {name: int(c[i]) for i, name in enumerate(STATUS_NAMES)}

    def cases(
        self,
        status: Literal["used", "missing_start", "missing_end", "end_before_start"] = "used",
    ) -> npt.NDArray[Any]:
        """Case ids with the given status.

        Examples
        --------
        >>> import numpy as np
        >>> d = CaseDurations("A", "B", np.array(["x", "y"], dtype=object),
        ...                   np.array([1.0, np.nan]), np.array([0, 1], dtype=np.int8),
        ...                   np.array([0, np.iinfo(np.int64).min]), np.array([1, 2]))
        >>> d.cases("missing_start").tolist()
        ['y']
        """
        if status not in STATUS_NAMES:
            raise InvalidParameterError(f"status must be one of {STATUS_NAMES}, got {status!r}")
        return _ro(self.case_ids[self.status == STATUS_NAMES.index(status)])

    def merge(self, other: CaseDurations) -> CaseDurations:
        """The durations of both logs' cases (disjoint), in case order: exact.

        The per-case arrays are concatenated and put in the order of the
        cases of the union (sorted case ids, as an EventLog orders them).

        Raises
        ------
        InvalidParameterError
            For a different start or end, or a case present in both (its
            events were split between two partitions).

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["a", "a", "b", "b"], activity=["X", "Y", "X", "Y"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-03T00:00Z", "2024-01-02T00:00Z",
        ...                "2024-01-03T00:00Z"])
        >>> a, b = (log.filter_cases([c]).case_durations("X", "Y") for c in ("b", "a"))
        >>> m = a.merge(b)
        >>> m.case_ids.tolist(), m.days.tolist()
        (['a', 'b'], [2.0, 1.0])
        """
        from kpicore import _merge

        _merge.check_type(self, other)
        _merge.same((self.start, self.end), (other.start, other.end), "start/end activities")
        ids, order = _merge.case_order(self.case_ids, other.case_ids, "case-duration")

        def cat(x: npt.NDArray[Any], y: npt.NDArray[Any]) -> npt.NDArray[Any]:
            out: npt.NDArray[Any] = np.concatenate([x, y])[order]
            return out

        return CaseDurations(
            self.start,
            self.end,
            ids,
            cat(self.days, other.days),
            cat(self.status, other.status),
            cat(self.start_ns, other.start_ns),
            cat(self.end_ns, other.end_ns),
        )

    def summary(self, *, percentiles: Iterable[float] = DEFAULT_PERCENTILES) -> Summary:
        """Summary of the used durations; every other case counts as missing.

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["a", "a", "b"], activity=["X", "Y", "X"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-03T00:00Z", "2024-01-02T00:00Z"])
        >>> s = log.case_durations("X", "Y").summary()
        >>> s.count, s.missing, s.mean
        (1, 1, 2.0)
        """
        used = self.status == USED
        return Summary.of(
            self.days[used],
            missing=int(self.status.shape[0] - np.count_nonzero(used)),
            percentiles=percentiles,
            unit="days",
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: counts, summary and per-case days (None if unused).

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["a", "a", "b"], activity=["X", "Y", "X"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-03T00:00Z", "2024-01-02T00:00Z"])
        >>> log.case_durations("X", "Y").to_dict()["days"]
        {'a': 2.0, 'b': None}
        """
        return {
            "start": self.start,
            "end": self.end,
            "counts": self.counts,
            "summary": self.summary().to_dict(),
            "days": {
                _label(k): (None if s != USED else float(v))
                for k, v, s in zip(
                    self.case_ids, self.days.tolist(), self.status.tolist(), strict=True
                )
            },
        }


@attrs.frozen(eq=False, repr=False)
class Pairs(Result):
    """Every start paired with the next end within its case.

    Attributes
    ----------
    start, end:
        The activities (roles) as given.
    case_ids:
        Case label of each pair (read-only array; a case can have several).
    start_ns, end_ns:
        Instants of each pair (int64 ns UTC).
    log_case_ids:
        All case labels of the log (for :meth:`per_case`).
    pair_case_codes:
        The case code (index into ``log_case_ids``) of each pair.
    unmatched_starts:
        Starts with no later end in their case (open episodes).
    repeated_starts:
        Starts absorbed into an episode that was already open (``match="first"``)
        or superseded by a later start (``match="last"``).
    unmatched_ends:
        Ends with no open episode before them.

    Examples
    --------
    >>> import numpy as np
    >>> p = Pairs("A", "B", np.array(["x", "x"], dtype=object), np.array([0, 10]),
    ...           np.array([5, 10]), np.array(["x", "y"], dtype=object), np.array([0, 0]), 1, 0, 0)
    >>> p.counts
    {'pairs': 2, 'cases_with_pairs': 1, 'unmatched_starts': 1, 'repeated_starts': 0, 'unmatched_ends': 0}
    """  # noqa: E501

    start: str
    end: str
    case_ids: npt.NDArray[Any] = attrs.field(converter=_ro)
    start_ns: npt.NDArray[np.int64] = attrs.field(converter=_ro)
    end_ns: npt.NDArray[np.int64] = attrs.field(converter=_ro)
    log_case_ids: npt.NDArray[Any] = attrs.field(converter=_ro)
    pair_case_codes: npt.NDArray[np.int64] = attrs.field(converter=_ro)
    unmatched_starts: int
    repeated_starts: int
    unmatched_ends: int

    def __len__(self) -> int:
        return int(self.start_ns.shape[0])

    @property
    def days(self) -> npt.NDArray[np.float64]:
        """Duration of each pair in days.

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["a", "a", "a"], activity=["S", "E", "S"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-03T00:00Z", "2024-01-04T00:00Z"])
        >>> p = log.pairs("S", "E")
        >>> p.days.tolist()
        [2.0]
        """
        return _ro(_days(self.end_ns - self.start_ns))

    @property
    def counts(self) -> dict[str, int]:
        """Pairs, cases with at least one pair, and the unmatched counts.

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["a", "a", "a"], activity=["S", "E", "S"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-03T00:00Z", "2024-01-04T00:00Z"])
        >>> p = log.pairs("S", "E")
        >>> p.counts["pairs"], p.counts["unmatched_starts"]
        (1, 1)
        """
        return {
            "pairs": len(self),
            "cases_with_pairs": int(np.unique(self.pair_case_codes).shape[0]),
            "unmatched_starts": self.unmatched_starts,
            "repeated_starts": self.repeated_starts,
            "unmatched_ends": self.unmatched_ends,
        }

    def summary(self, *, percentiles: Iterable[float] = DEFAULT_PERCENTILES) -> Summary:
        """Summary over pairs; open episodes (unmatched starts) count as missing.

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["a", "a", "a"], activity=["S", "E", "S"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-03T00:00Z", "2024-01-04T00:00Z"])
        >>> p = log.pairs("S", "E")
        >>> p.summary().count, p.summary().missing
        (1, 1)
        """
        return Summary.of(
            self.days, missing=self.unmatched_starts, percentiles=percentiles, unit="days"
        )

    def per_case(self, how: Literal["sum", "mean", "max", "min", "count"] = "sum") -> CaseValues:
        """Aggregate the pairs of each case of the log.

        ``count`` gives 0 for a case without pairs; the others give NaN.

        Examples
        --------
        >>> import numpy as np
        >>> p = Pairs("A", "B", np.array(["x", "x"], dtype=object), np.array([0, 0]),
        ...           np.array([86400 * 10**9, 3 * 86400 * 10**9]),
        ...           np.array(["x", "y"], dtype=object), np.array([0, 0]), 0, 0, 0)
        >>> p.per_case("sum").to_dict(), p.per_case("count").to_dict()
        ({'x': 4.0, 'y': None}, {'x': 2, 'y': 0})
        """
        n = int(self.log_case_ids.shape[0])
        codes = self.pair_case_codes
        cnt = np.bincount(codes, minlength=n)
        if how == "count":
            return CaseValues(self.log_case_ids, cnt.astype(np.int64), "pairs", "pairs")
        d = self.days
        has = cnt > 0
        if how in ("sum", "mean"):
            tot = np.bincount(codes, weights=d, minlength=n)
            val = tot if how == "sum" else tot / np.where(has, cnt, 1)
        elif how in ("max", "min"):
            val = np.full(n, -np.inf if how == "max" else np.inf)
            (np.maximum if how == "max" else np.minimum).at(val, codes, d)
        else:
            raise InvalidParameterError(
                f"how must be 'sum', 'mean', 'max', 'min' or 'count', got {how!r}"
            )
        val = np.where(has, val, np.nan)
        return CaseValues(self.log_case_ids, val, f"{how} of pair durations", "days")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: counts and summary.

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["a", "a", "a"], activity=["S", "E", "S"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-03T00:00Z", "2024-01-04T00:00Z"])
        >>> p = log.pairs("S", "E")
        >>> p.to_dict()["summary"]["mean"]
        2.0
        """
        return {
            "start": self.start,
            "end": self.end,
            "counts": self.counts,
            "summary": self.summary().to_dict(),
        }


@attrs.frozen(eq=False)
class Episodes:
    """Every start event paired with its end event, open ones included.

    The result of :meth:`EventLog.episodes`; the pairings (``"fifo"``,
    ``"first"``, ``"last"``) are defined in :meth:`EventLog.episodes`. Arrays
    are read-only and aligned, one entry per episode, in (case, start time)
    order.

    Attributes
    ----------
    start, end:
        The activities (roles) as given.
    match:
        The pairing.
    log_case_ids:
        All case labels of the log (``case_codes`` index into it).
    case_codes:
        The case code of each episode.
    start_index, end_index:
        Event indices (into the log) of the start and of the end; ``end_index``
        is -1 while the episode is open.
    start_ns, end_ns:
        Their instants (int64 ns UTC); ``end_ns`` is the NaT sentinel while open.
    repeated_starts:
        Starts absorbed into an open episode (``"first"``) or superseded by a
        later start (``"last"``); always 0 for ``"fifo"``.
    unmatched_ends:
        Ends with no open episode before them.
    events_after_as_of:
        Start and end events at or after ``as_of`` (not known yet, left out).

    Examples
    --------
    >>> from kpicore.eventlog import EventLog
    >>> log = EventLog.from_columns(case=["a", "a", "a"], activity=["S", "E", "S"],
    ...     timestamp=["2024-01-01T00:00Z", "2024-01-03T00:00Z", "2024-01-04T00:00Z"])
    >>> ep = log.episodes("S", "E")
    >>> ep.days.tolist(), ep.is_open.tolist(), ep.counts["open"]
    ([2.0, nan], [False, True], 1)
    """

    start: str
    end: str
    match: str
    log_case_ids: npt.NDArray[Any] = attrs.field(converter=_ro)
    case_codes: npt.NDArray[np.int64] = attrs.field(converter=_ro)
    start_index: npt.NDArray[np.int64] = attrs.field(converter=_ro)
    end_index: npt.NDArray[np.int64] = attrs.field(converter=_ro)
    start_ns: npt.NDArray[np.int64] = attrs.field(converter=_ro)
    end_ns: npt.NDArray[np.int64] = attrs.field(converter=_ro)
    repeated_starts: int
    unmatched_ends: int
    events_after_as_of: int

    def __len__(self) -> int:
        return int(self.start_index.shape[0])

    @property
    def case_ids(self) -> npt.NDArray[Any]:
        """The case label of each episode.

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["a", "b"], activity=["S", "S"],
        ...     timestamp=["2024-01-01T00:00Z"] * 2)
        >>> log.episodes("S", "Invoice Settled").case_ids.tolist()
        ['a', 'b']
        """
        return _ro(self.log_case_ids[self.case_codes])

    @property
    def is_open(self) -> npt.NDArray[np.bool_]:
        """Episodes without an end (as of ``as_of``).

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["a"], activity=["S"],
        ...     timestamp=["2024-01-01T00:00Z"])
        >>> log.episodes("S", "Invoice Settled").is_open.tolist()
        [True]
        """
        return _ro(self.end_index < 0)

    @property
    def days(self) -> npt.NDArray[np.float64]:
        """Duration of each episode in days (NaN while open).

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["a", "a"], activity=["S", "E"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-01T12:00Z"])
        >>> log.episodes("S", "E").days.tolist()
        [0.5]
        """
        out = np.full(self.start_ns.shape[0], np.nan)
        closed = self.end_index >= 0
        out[closed] = _days(self.end_ns[closed] - self.start_ns[closed])
        return _ro(out)

    @property
    def counts(self) -> dict[str, int]:
        """``closed``, ``open``, ``repeated_starts``, ``unmatched_ends``, ``events_after_as_of``.

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["a", "a"], activity=["E", "S"],
        ...     timestamp=["2024-01-01T00:00Z", "2024-01-02T00:00Z"])
        >>> log.episodes("S", "E").counts
        {'closed': 0, 'open': 1, 'repeated_starts': 0, 'unmatched_ends': 1, 'events_after_as_of': 0}
        """  # noqa: E501
        n_open = int(np.count_nonzero(self.end_index < 0))
        return {
            "closed": len(self) - n_open,
            "open": n_open,
            "repeated_starts": self.repeated_starts,
            "unmatched_ends": self.unmatched_ends,
            "events_after_as_of": self.events_after_as_of,
        }

    def open_per_case(self) -> CaseValues:
        """Number of open episodes of each case of the log (0 where none).

        With *Dispute Registered* / *Dispute Resolved* and ``match="fifo"``
        this is the number of open disputes of each invoice.

        Examples
        --------
        >>> from kpicore.eventlog import EventLog
        >>> log = EventLog.from_columns(case=["a", "a", "b"], activity=["S", "S", "S"],
        ...     timestamp=["2024-01-01T00:00Z"] * 3)
        >>> log.episodes("S", "Dispute Resolved").open_per_case().to_dict()
        {'a': 2, 'b': 1}
        """
        n = int(self.log_case_ids.shape[0])
        cnt = np.bincount(self.case_codes[self.end_index < 0], minlength=n).astype(np.int64)
        return CaseValues(self.log_case_ids, cnt, f"open {self.start} episodes", "episodes")
