"""KPIs over a Dask DataFrame of events: one EventLog per partition, merged partial results.

This module is the optional Dask integration (extra ``dask``: ``pip install
'kpicore[dask]'``). It imports dask only inside its functions, so ``import
kpicore`` never needs it.

How it works
------------
1. :func:`to_eventlogs` makes sure every partition holds *whole cases* -- it
   shuffles the frame by case id unless the partitions already are split by
   case -- and turns each partition into an :class:`~kpicore.eventlog.EventLog`
   (lazily: one ``dask.delayed`` object per partition).
2. A KPI function of this module (:func:`invoice_dso`, :func:`days_overdue`,
   :func:`aging`, :func:`past_due_ratio`, :func:`days_late`,
   :func:`days_to_settle`, :func:`dispute_resolution`, :func:`dispute_rate`,
   :func:`open_disputes`, :func:`dso_by_dispute`,
   :func:`dunning_rate`, :func:`dunning_effectiveness`,
   :func:`write_off_ratio`, :func:`cash_application_lag`,
   :func:`promise_kept_rate`, :func:`posting_lag`, :func:`standard_dso`, :func:`best_possible_dso`,
   :func:`average_days_delinquent`, :func:`collection_effectiveness_index`,
   :func:`case_table`; the event-log primitives :func:`case_durations`,
   :func:`variants`, :func:`directly_follows`, :func:`quality`; or any
   function through :func:`map_reduce`) calls the *same* single-machine
   function on each partition's log, on the workers.
   :func:`filter_variants` returns filtered partitions (lazily).
3. The partial results are merged pairwise in a tree on the workers
   (:func:`merge_results`, ``split_every`` at a time); only the merged result
   reaches the driver.

Counts, coverage, money totals, sums, means, minima and maxima are exact in
every mode, and so are ratios (recomputed from the merged counts). Per-case
results (durations, variants, case tables) are concatenated in case-id order
and refuse to merge when a case is in two partitions. Quantiles depend on
``quantiles=``:

``"exact"`` (default)
    Partial :class:`~kpicore.summary.Summary` objects are merged exactly
    (:meth:`Summary.merge <kpicore.summary.Summary.merge>`): the result
    *equals* the single-machine result on the same data. Memory: the values
    themselves, 8 bytes per case, end up on the driver.
``"sketch"``
    Each partition's summaries become :class:`~kpicore.sketch.QuantileSketch`
    objects (DDSketch, relative error ``relative_accuracy``, default 0.5 %)
    before they leave the worker; sketches merge by adding bucket counts, so
    the driver holds a few thousand counters whatever the number of cases.
    The result has the same class as in exact mode; its summary fields hold
    sketches, which have the same statistics attributes (``count``,
    ``mean``, ``median``, ``percentiles``...) and ``exact=False``.

Days KPIs (:func:`invoice_dso`, :func:`days_overdue`) return a
:class:`DaysSummary` -- the statistics, coverage and groups of the
single-machine :class:`~kpicore.kpis._ledger.InvoiceDays` -- since one value
per invoice is exactly what a cluster should not send to the driver; the
per-invoice values stay available per partition through :func:`map_reduce`.

Examples
--------
>>> import datetime as dt
>>> import dask
>>> import dask.dataframe as dd
>>> import pandas as pd
>>> from kpicore.synth import synth_event_columns
>>> cols = synth_event_columns(300, seed=7)
>>> frame = dd.from_pandas(pd.DataFrame(cols.to_mapping()), npartitions=3)
>>> with dask.config.set(scheduler="synchronous"):
...     logs = to_eventlogs(frame, order="lifecycle_rank", tz=dt.timezone.utc)
...     dso = invoice_dso(logs)
...     sketched = invoice_dso(logs, quantiles="sketch")
>>> dso.summary.count, round(dso.summary.mean, 3), sketched.summary.mean == dso.summary.mean
(265, 26.774, True)
>>> abs(sketched.summary.median / dso.summary.median - 1) < 0.005
True
"""

from __future__ import annotations

import datetime as _dt
import functools
import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final, Literal, TypeVar, cast

import attrs
import numpy as np

from kpicore import _merge
from kpicore.blocks import merge_results
from kpicore.errors import InvalidParameterError, MissingDependencyError
from kpicore.eventlog import (
    ACTIVITY_KEY,
    CASE_KEY,
    RESOURCE_KEY,
    TIMESTAMP_KEY,
    CaseDurations,
    DirectlyFollows,
    DroppedReport,
    EventLog,
    QualityIssue,
    QualityReport,
    Variants,
)
from kpicore.eventlog import _variants as _vr
from kpicore.kpis import collections as _collections
from kpicore.kpis import disputes as _disputes
from kpicore.kpis import dso as _dso
from kpicore.kpis import dunning as _dunning
from kpicore.kpis import overdue as _overdue
from kpicore.kpis._ledger import InvoiceDays
from kpicore.kpis.case_table import InvoiceCaseTable
from kpicore.kpis.case_table import case_table as _invoice_case_table
from kpicore.periods import from_ns
from kpicore.results import Breakdown, FrozenDict, Result, fields_to_dict
from kpicore.sketch import DEFAULT_RELATIVE_ACCURACY, QuantileSketch
from kpicore.summary import Summary

__all__ = [
    "DaysSummary",
    "Quantiles",
    "aging",
    "average_days_delinquent",
    "best_possible_dso",
    "case_durations",
    "case_table",
    "cash_application_lag",
    "collection_effectiveness_index",
    "days_late",
    "days_overdue",
    "days_to_settle",
    "directly_follows",
    "dispute_rate",
    "dispute_resolution",
    "dso_by_dispute",
    "dunning_effectiveness",
    "dunning_rate",
    "filter_variants",
    "invoice_dso",
    "map_reduce",
    "merge_results",
    "open_disputes",
    "past_due_ratio",
    "posting_lag",
    "promise_kept_rate",
    "quality",
    "standard_dso",
    "to_eventlogs",
    "variants",
    "write_off_ratio",
]

T = TypeVar("T")

#: How quantiles are merged: ``"exact"`` (sorted values) or ``"sketch"`` (DDSketch).
Quantiles = Literal["exact", "sketch"]

_NS_PER_DAY_F: Final[float] = 86_400e9

#: Partial results merged per task of the reduction tree.
_SPLIT_EVERY: Final[int] = 8

_INSTALL_HINT: Final[str] = (
    "kpicore.dask needs dask with its DataFrame support: pip install 'kpicore[dask]'"
)


# ================================================================================ dask access


def _dask() -> Any:
    """The ``dask`` package (imported on first use)."""
    try:
        import dask
        import dask.dataframe  # DataFrame support must be there too
    except ImportError as exc:  # an environment problem: name the extra to install
        raise MissingDependencyError(_INSTALL_HINT) from exc
    return dask


def _is_dask_frame(data: object) -> bool:
    import dask.dataframe as dd

    return isinstance(data, dd.DataFrame)


# ================================================================================ partitions


def _check_name(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidParameterError(f"{what} must be a column name (str), got {value!r}")
    return value


def _needs_shuffle(ddf: Any, case_is_index: bool, shuffle: bool | str) -> bool:
    if shuffle is True:
        return True
    if shuffle is False:
        return False
    if ddf.npartitions <= 1:
        return False
    return not (case_is_index and bool(ddf.known_divisions))


def _columns(part: Any) -> dict[str, Any]:
    """A pandas partition as a mapping of columns for ``EventLog.from_columns``.

    Text columns (pandas ``str``/``string`` or ``object`` dtype) become
    object arrays with ``None`` where pandas sees a missing value (NaN, NA,
    None); the other columns (numbers, datetimes with or without zone,
    categoricals) are passed as they are.
    """
    import pandas as pd

    out: dict[str, Any] = {}
    for name in part.columns:
        col = part[name]
        dtype = col.dtype
        if isinstance(dtype, pd.CategoricalDtype | pd.ArrowDtype) or (
            isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"
        ):  # categorical codes, or Arrow data: encoded by their own kernels
            out[str(name)] = col
        elif pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype):
            out[str(name)] = col.to_numpy(dtype=object, na_value=None)
        else:
            out[str(name)] = col
    return out


def _partition_log(part: Any, *, case: str, options: Mapping[str, Any]) -> EventLog:
    """One pandas partition (holding whole cases) -> its EventLog."""
    if case not in part.columns and part.index.name == case:
        part = part.reset_index()
    return EventLog.from_columns(_columns(part), case=case, **options)


def to_eventlogs(
    ddf: Any,
    *,
    case: str = CASE_KEY,
    activity: str = ACTIVITY_KEY,
    timestamp: str = TIMESTAMP_KEY,
    resource: str | None = RESOURCE_KEY,
    attributes: Sequence[str] | Literal["all"] = "all",
    case_attributes: Sequence[str] = (),
    order: str | None = None,
    tz: _dt.tzinfo | None = None,
    unit: str | None = None,
    activity_map: Mapping[str, str] | None = None,
    on_invalid: Literal["raise", "drop"] = "raise",
    shuffle: bool | Literal["auto"] = "auto",
) -> list[Any]:
    """One EventLog per partition of a Dask DataFrame of events, each holding whole cases.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        One row per event (the pm4py / XES layout of
        :meth:`EventLog.from_columns <kpicore.eventlog.EventLog.from_columns>`);
        the case id may be a column or the index.
    case, activity, timestamp : str
        Column names (defaults: ``case:concept:name``, ``concept:name``,
        ``time:timestamp``).
    resource : str or None
        Resource column, used when present (default ``org:resource``).
    attributes : sequence of str or "all", default "all"
        Event attribute columns; ``"all"`` takes every other column, those
        prefixed ``case:`` as case attributes (pm4py's convention), which is
        what the KPIs need (``dunning_level``, ``amount_minor``,
        ``case:due_date``...).
    case_attributes : sequence of str
        Further per-case columns (see ``from_columns``).
    order : str, optional
        Tie-break column for events of a case at the same instant. Pass it
        when the data has one: a shuffle does not promise to keep the input
        order of rows, which is the tie-break otherwise.
    tz : tzinfo, optional
        Zone of naive timestamps (pandas ``datetime64`` columns without zone
        raise :class:`~kpicore.errors.NaiveDatetimeError` without it).
    unit, activity_map, on_invalid
        As in :meth:`EventLog.from_columns <kpicore.eventlog.EventLog.from_columns>`.
    shuffle : bool or "auto", default "auto"
        ``True``: always shuffle by case id (``ddf.shuffle(on=case)``).
        ``False``: never (the caller guarantees that no case spans two
        partitions; if one does, its events are split into two cases and the
        KPIs are wrong). ``"auto"``: no shuffle when the frame has one
        partition, or when the case id is the index and the divisions are
        known (a sorted index: each case falls in one division); otherwise
        shuffle.

    Returns
    -------
    list of dask.delayed.Delayed
        One lazy :class:`~kpicore.eventlog.EventLog` per partition (logs
        pickle, so any scheduler works). Pass the list to the KPI functions
        of this module; ``dask.persist(*logs)`` keeps the logs in the
        cluster's memory for several KPIs.

    Raises
    ------
    InvalidParameterError
        When ``ddf`` is not a Dask DataFrame, a column name is not a string,
        the case column is missing or ``shuffle`` is not True, False or "auto".

    Notes
    -----
    Text columns are handed to ``from_columns`` as object arrays with
    ``None`` for missing values (Dask stores text as pyarrow strings whose
    missing values are NA). Each log is built by the partition's worker;
    validation errors (bad timestamps, naive datetimes...) surface when the
    result is computed.

    Examples
    --------
    >>> import datetime as dt
    >>> import dask
    >>> import dask.dataframe as dd
    >>> import pandas as pd
    >>> frame = pd.DataFrame({
    ...     "case:concept:name": ["F-1", "F-2", "F-1", "F-2"],
    ...     "concept:name": ["Invoice Generated", "Invoice Generated",
    ...                      "Payment Received", "Payment Received"],
    ...     "time:timestamp": pd.to_datetime(["2024-03-01", "2024-03-02",
    ...                                       "2024-03-11", "2024-03-05"], utc=True)})
    >>> logs = to_eventlogs(dd.from_pandas(frame, npartitions=2, sort=False))
    >>> with dask.config.set(scheduler="synchronous"):
    ...     parts = dask.compute(*logs)
    >>> sorted(sum((log.case_ids.tolist() for log in parts), []))  # each case once
    ['F-1', 'F-2']
    """
    dask = _dask()
    if not _is_dask_frame(ddf):
        raise InvalidParameterError(
            f"to_eventlogs needs a dask.dataframe.DataFrame, got {type(ddf).__name__}"
        )
    if not (shuffle is True or shuffle is False or shuffle == "auto"):
        raise InvalidParameterError(f"shuffle={shuffle!r}: expected True, False or 'auto'")
    case = _check_name(case, "case")
    activity = _check_name(activity, "activity")
    timestamp = _check_name(timestamp, "timestamp")
    columns = [str(c) for c in ddf.columns]
    case_is_index = case not in columns and ddf.index.name == case
    if case not in columns and not case_is_index:
        raise InvalidParameterError(
            f"case={case!r} is neither a column nor the index of the DataFrame "
            f"(columns: {', '.join(columns)})"
        )
    if _needs_shuffle(ddf, case_is_index, shuffle):
        if case_is_index:
            ddf = ddf.reset_index()
        ddf = ddf.shuffle(on=case)
    options: dict[str, Any] = {
        "activity": activity,
        "timestamp": timestamp,
        "resource": resource,
        "attributes": attributes,
        "case_attributes": case_attributes,
        "order": order,
        "tz": tz,
        "unit": unit,
        "activity_map": activity_map,
        "on_invalid": on_invalid,
    }
    build = functools.partial(_partition_log, case=case, options=options)
    return [dask.delayed(build, pure=True)(part) for part in ddf.to_delayed()]


def _eventlog_of_frame(ddf: Any, **options: Any) -> EventLog:
    """One EventLog from a Dask DataFrame: partition logs built on the workers, concatenated.

    What :meth:`EventLog.from_frame <kpicore.eventlog.EventLog.from_frame>` does with a
    Dask DataFrame (the options are :func:`to_eventlogs`'s).
    """
    from kpicore.eventlog import concat

    dask = _dask()
    return concat(dask.compute(*to_eventlogs(ddf, **options)))


# ================================================================================ map / reduce


def _as_parts(data: Any) -> list[Any]:
    """The per-partition logs (delayed or in memory) of ``data``."""
    if _is_dask_frame(data):
        return to_eventlogs(data)
    if isinstance(data, EventLog):
        return [data]
    if isinstance(data, str | bytes) or not isinstance(data, Iterable):
        raise InvalidParameterError(
            "data must be a dask DataFrame or the partitions of to_eventlogs "
            f"(a list of delayed EventLogs), got {type(data).__name__}"
        )
    parts = list(data)
    if not parts:
        raise InvalidParameterError("data holds no partition")
    return parts


def _check_split_every(split_every: object) -> int:
    if isinstance(split_every, bool) or not isinstance(split_every, int) or split_every < 2:
        raise InvalidParameterError(f"split_every must be an int >= 2, got {split_every!r}")
    return split_every


def _merge_all(items: Sequence[T], merge: Callable[[T, T], T]) -> T:
    out = items[0]
    for item in items[1:]:
        out = merge(out, item)
    return out


def _tree(dask: Any, parts: list[Any], merge: Callable[[T, T], T], split_every: int) -> Any:
    """Pairwise (``split_every``-wise) reduction of delayed partial results, on the workers."""
    level = parts
    while len(level) > 1:
        level = [
            dask.delayed(_merge_all, pure=False)(level[i : i + split_every], merge)
            for i in range(0, len(level), split_every)
        ]
    return level[0]


def map_reduce(
    data: Any,
    fn: Callable[[EventLog], T],
    *,
    merge: Callable[[T, T], T] | None = None,
    split_every: int = _SPLIT_EVERY,
) -> T:
    """Apply ``fn`` to each partition's EventLog and merge the results in a tree.

    Parameters
    ----------
    data : list of delayed EventLog, or dask DataFrame
        The output of :func:`to_eventlogs` (or a DataFrame, converted with
        its defaults). In-memory EventLogs holding disjoint cases also work.
    fn : callable
        ``EventLog -> partial result``; called on the workers.
    merge : callable, optional
        ``(partial, partial) -> partial``, associative; default
        :func:`merge_results`.
    split_every : int, default 8
        Partial results merged per task of the reduction tree.

    Returns
    -------
    The merged result, computed with the current Dask scheduler.

    Notes
    -----
    ``fn`` must not depend on anything global to the data set that a
    partition does not see. KPIs whose ``as_of=None`` means "the log's last
    event" (:func:`kpicore.kpis.dunning.dunning_rate`,
    ``dunning_adherence``) need an explicit ``as_of`` here;
    :func:`dunning_rate` of this module supplies it.

    Examples
    --------
    >>> import numpy as np
    >>> from kpicore.eventlog import EventLog
    >>> a = EventLog.from_columns(case=["A", "A"], activity=["x", "y"],
    ...     timestamp=np.array(["2024-01-01", "2024-01-03"], dtype="datetime64[ns]"))
    >>> b = EventLog.from_columns(case=["B"], activity=["x"],
    ...     timestamp=np.array(["2024-01-02"], dtype="datetime64[ns]"))
    >>> map_reduce([a, b], lambda log: log.n_events, merge=lambda x, y: x + y)
    3
    """
    dask = _dask()
    every = _check_split_every(split_every)
    parts = _as_parts(data)
    combine = cast(Callable[[T, T], T], merge_results) if merge is None else merge
    partials = [dask.delayed(fn, pure=False)(part) for part in parts]
    (result,) = dask.compute(_tree(dask, partials, combine, every))
    return cast(T, result)


# ================================================================================ merging


def _freeze(mapping: Mapping[Any, Any]) -> Mapping[Any, Any]:
    return FrozenDict(mapping)


@attrs.frozen(repr=False)
class DaysSummary(Result):
    """A per-invoice day count (DSO, days overdue...) summarised: no per-invoice values.

    The distributed counterpart of :class:`~kpicore.kpis._ledger.InvoiceDays`:
    the same ``metric``, ``unit``, ``summary``, ``coverage`` and ``groups``,
    without the one-value-per-invoice arrays.

    Attributes
    ----------
    metric : str
        What is counted (e.g. ``"days_to_first_payment"``).
    unit : str
        ``"days"`` or ``"business days"``.
    summary : Summary or QuantileSketch
        Statistics of the values (a sketch in ``quantiles="sketch"`` mode).
    coverage : Mapping[str, int]
        As in the single-machine result, added over the partitions.
    groups : Breakdown of Summary or QuantileSketch, or None
        By ``by=`` and/or ``freq=``.

    Examples
    --------
    >>> from kpicore.kpis.dso import invoice_dso as single_dso
    >>> from kpicore.model import Invoice, Payment
    >>> from kpicore.money import Money
    >>> inv = Invoice("F-1", "C1", "2024-03-01", "2024-03-31", Money.of(100, "BRL"),
    ...               payments=[Payment("2024-03-11", Money.of(100, "BRL"))])
    >>> d = DaysSummary.of(single_dso([inv]))
    >>> d.merge(d).summary.count, dict(d.merge(d).coverage)["used"]
    (2, 2)
    """

    metric: str
    unit: str
    summary: Summary | QuantileSketch
    coverage: Mapping[str, int] = attrs.field(converter=_freeze)
    groups: Breakdown[Summary | QuantileSketch] | None = None

    @classmethod
    def of(cls, result: InvoiceDays) -> DaysSummary:
        """The summary part of an :class:`~kpicore.kpis._ledger.InvoiceDays`."""
        groups = None
        if result.groups is not None:
            groups = Breakdown[Summary | QuantileSketch](
                by=result.groups.by, freq=result.groups.freq, groups=dict(result.groups.groups)
            )
        return cls(result.metric, result.unit, result.summary, result.coverage, groups)

    def __reduce__(self) -> tuple[Any, ...]:  # mapping proxies do not pickle
        return (
            DaysSummary,
            (self.metric, self.unit, self.summary, dict(self.coverage), self.groups),
        )

    def merge(self, other: DaysSummary) -> DaysSummary:
        """The summary of both invoice sets (disjoint), exact for ``Summary`` statistics.

        Raises
        ------
        InvalidParameterError
            For a different metric, unit or grouping.
        """
        return DaysSummary(
            metric=_merge.same(self.metric, other.metric, "metrics"),
            unit=_merge.same(self.unit, other.unit, "units"),
            summary=_merge.merge_stat(self.summary, other.summary),
            coverage=_merge.add_counts(self.coverage, other.coverage),
            groups=_merge.merge_groups(self.groups, other.groups, _merge.merge_stat),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the keys of ``InvoiceDays.to_dict``)."""
        return fields_to_dict(self)


# ================================================================================ sketching


def _sketch_of(summary: Summary, alpha: float) -> QuantileSketch:
    return QuantileSketch.of(
        summary.data,
        missing=summary.missing,
        relative_accuracy=alpha,
        percentiles=summary.levels,
        unit=summary.unit,
    )


def _sketched(value: Any, alpha: float) -> tuple[Any, bool]:
    """``value`` with every Summary inside replaced by its sketch; (new, changed)."""
    if isinstance(value, Summary):
        return _sketch_of(value, alpha), True
    if isinstance(value, Breakdown):
        groups = {k: _sketched(v, alpha) for k, v in value.groups.items()}
        if not any(c for _, c in groups.values()):
            return value, False
        return Breakdown(value.by, value.freq, {k: v for k, (v, _) in groups.items()}), True
    if isinstance(value, Mapping):
        items = {k: _sketched(v, alpha) for k, v in value.items()}
        if not any(c for _, c in items.values()):
            return value, False
        return {k: v for k, (v, _) in items.items()}, True
    if isinstance(value, tuple):
        elems = [_sketched(v, alpha) for v in value]
        if not any(c for _, c in elems):
            return value, False
        return tuple(v for v, _ in elems), True
    if attrs.has(type(value)):
        changes: dict[str, Any] = {}
        for field in attrs.fields(type(value)):
            if not field.init:
                continue
            new, changed = _sketched(getattr(value, field.name), alpha)
            if changed:
                changes[field.alias] = new
        if not changes:
            return value, False
        return attrs.evolve(value, **changes), True
    return value, False


# ================================================================================ KPIs


def _check_quantiles(quantiles: object, relative_accuracy: object) -> float:
    if quantiles not in ("exact", "sketch"):
        raise InvalidParameterError(f"quantiles={quantiles!r}: expected 'exact' or 'sketch'")
    QuantileSketch.empty(relative_accuracy=cast(float, relative_accuracy))  # validates
    return cast(float, relative_accuracy)


def _check_options(kpi: Callable[..., Any], options: Mapping[str, Any]) -> None:
    """Reject unknown options before any graph is built (not later, on a worker)."""
    params = inspect.signature(kpi).parameters
    known = [n for n, p in params.items() if p.kind is inspect.Parameter.KEYWORD_ONLY]
    for name in options:
        if name not in known:
            raise InvalidParameterError(
                f"{kpi.__name__}() has no option {name!r}; options: {', '.join(known)}"
            )
    by = options.get("by")
    if by is not None and not isinstance(by, str) and not callable(by):
        raise InvalidParameterError(
            "by= must be a dimension name or a callable in distributed use: "
            "one key per record cannot follow the records into their partitions"
        )


def _partial(
    log: EventLog,
    horizon: int | None = None,
    *,
    kpi: Callable[..., Any],
    options: Mapping[str, Any],
    sketch: float | None,
    days: bool,
) -> Any:
    """Run the single-machine KPI on one partition's log (on a worker)."""
    opts = dict(options)
    if horizon is not None:
        opts["as_of"] = from_ns(-(-horizon // 1000) * 1000)  # the first microsecond >= horizon
    result = kpi(log, **opts)
    if days:
        result = DaysSummary.of(result)
    if sketch is not None:
        result, _ = _sketched(result, sketch)
    return result


def _horizon(log: EventLog) -> int | None:
    ts = log.timestamps
    return int(ts.max()) + 1 if ts.shape[0] else None


def _max_horizon(a: int | None, b: int | None) -> int | None:
    if a is None or b is None:
        return b if a is None else a
    return max(a, b)


def _run(
    data: Any,
    kpi: Callable[..., Any],
    options: dict[str, Any],
    *,
    quantiles: Quantiles,
    relative_accuracy: float,
    split_every: int,
    days: bool = False,
    global_horizon: bool = False,
) -> Any:
    dask = _dask()
    alpha = _check_quantiles(quantiles, relative_accuracy)
    every = _check_split_every(split_every)
    _check_options(kpi, options)
    parts = _as_parts(data)
    task = functools.partial(
        _partial,
        kpi=kpi,
        options=options,
        sketch=alpha if quantiles == "sketch" else None,
        days=days,
    )
    if global_horizon:
        ends = [dask.delayed(_horizon, pure=False)(part) for part in parts]
        horizon = _tree(dask, ends, _max_horizon, every)
        partials = [dask.delayed(task, pure=False)(part, horizon) for part in parts]
    else:
        partials = [dask.delayed(task, pure=False)(part) for part in parts]
    (result,) = dask.compute(_tree(dask, partials, merge_results, every))
    return result


def invoice_dso(
    data: Any,
    *,
    quantiles: Quantiles = "exact",
    relative_accuracy: float = DEFAULT_RELATIVE_ACCURACY,
    split_every: int = _SPLIT_EVERY,
    **options: Any,
) -> DaysSummary:
    """Per-invoice DSO over a Dask DataFrame (:func:`kpicore.kpis.dso.invoice_dso` per partition).

    Parameters
    ----------
    data : list of delayed EventLog, or dask DataFrame
        The output of :func:`to_eventlogs` (a DataFrame is converted with
        its defaults).
    quantiles : {"exact", "sketch"}
        Exact merged quantiles, or a DDSketch (driver memory independent of
        the number of invoices); see the module documentation.
    relative_accuracy : float, default 0.005
        The sketch's relative error bound (``quantiles="sketch"``).
    split_every : int, default 8
        Partial results merged per task of the reduction tree.
    **options
        The keyword options of :func:`kpicore.kpis.dso.invoice_dso`
        (``as_of``, ``until``, ``days``, ``by`` as a name or callable,
        ``freq``, ``tz``, ``customers``, ``roles``, ``percentiles``...).

    Returns
    -------
    DaysSummary
        ``summary``, ``coverage`` and ``groups`` equal to those of the
        single-machine result on the same data (exact mode).

    Examples
    --------
    Two in-memory partitions (disjoint invoices) give the single-machine result:

    >>> from kpicore.synth import synth_event_columns
    >>> log = EventLog.from_columns(synth_event_columns(200, seed=1).to_mapping(),
    ...                             attributes="all", order="lifecycle_rank")
    >>> parts = [log.filter_cases(log.case_ids[:120]), log.filter_cases(log.case_ids[120:])]
    >>> from kpicore.kpis import dso
    >>> invoice_dso(parts, by="segment").summary == dso.invoice_dso(log).summary
    True
    >>> invoice_dso(parts, quantiles="sketch").summary.mean == dso.invoice_dso(log).summary.mean
    True
    """
    result: DaysSummary = _run(
        data,
        _dso.invoice_dso,
        options,
        quantiles=quantiles,
        relative_accuracy=relative_accuracy,
        split_every=split_every,
        days=True,
    )
    return result


def days_overdue(
    data: Any,
    *,
    as_of: _dt.date | _dt.datetime,
    quantiles: Quantiles = "exact",
    relative_accuracy: float = DEFAULT_RELATIVE_ACCURACY,
    split_every: int = _SPLIT_EVERY,
    **options: Any,
) -> DaysSummary:
    """Days overdue as of a date (:func:`kpicore.kpis.overdue.days_overdue` per partition).

    Parameters are those of :func:`invoice_dso`, plus the required ``as_of``
    and the options of :func:`kpicore.kpis.overdue.days_overdue`
    (``grace_days``, ``by``, ``freq``, ``tz``...).

    Returns
    -------
    DaysSummary

    Examples
    --------
    Two in-memory partitions (disjoint invoices) give the single-machine result:

    >>> from kpicore.synth import synth_event_columns
    >>> log = EventLog.from_columns(synth_event_columns(200, seed=1).to_mapping(),
    ...                             attributes="all", order="lifecycle_rank")
    >>> parts = [log.filter_cases(log.case_ids[:120]), log.filter_cases(log.case_ids[120:])]
    >>> import datetime as dt
    >>> from kpicore.kpis import overdue
    >>> mine = days_overdue(parts, as_of=dt.date(2024, 6, 30))
    >>> mine.summary == overdue.days_overdue(log, as_of=dt.date(2024, 6, 30)).summary
    True
    """
    options["as_of"] = as_of
    result: DaysSummary = _run(
        data,
        _overdue.days_overdue,
        options,
        quantiles=quantiles,
        relative_accuracy=relative_accuracy,
        split_every=split_every,
        days=True,
    )
    return result


def aging(
    data: Any,
    *,
    as_of: _dt.date | _dt.datetime,
    split_every: int = _SPLIT_EVERY,
    **options: Any,
) -> _overdue.Aging:
    """Aging buckets as of a date (:func:`kpicore.kpis.overdue.aging` per partition).

    Counts and open amounts per bucket and currency are added over the
    partitions: the result equals the single-machine one (it has no
    quantiles).

    Parameters
    ----------
    data : list of delayed EventLog, or dask DataFrame
    as_of : date or aware datetime
    split_every : int, default 8
    **options
        The keyword options of :func:`kpicore.kpis.overdue.aging`.

    Returns
    -------
    Aging

    Examples
    --------
    Two in-memory partitions (disjoint invoices) give the single-machine result:

    >>> from kpicore.synth import synth_event_columns
    >>> log = EventLog.from_columns(synth_event_columns(200, seed=1).to_mapping(),
    ...                             attributes="all", order="lifecycle_rank")
    >>> parts = [log.filter_cases(log.case_ids[:120]), log.filter_cases(log.case_ids[120:])]
    >>> import datetime as dt
    >>> from kpicore.kpis import overdue
    >>> aging(parts, as_of=dt.date(2024, 6, 30)) == overdue.aging(log, as_of=dt.date(2024, 6, 30))
    True
    """
    options["as_of"] = as_of
    result: _overdue.Aging = _run(
        data,
        _overdue.aging,
        options,
        quantiles="exact",
        relative_accuracy=DEFAULT_RELATIVE_ACCURACY,
        split_every=split_every,
    )
    return result


def dispute_resolution(
    data: Any,
    *,
    quantiles: Quantiles = "exact",
    relative_accuracy: float = DEFAULT_RELATIVE_ACCURACY,
    split_every: int = _SPLIT_EVERY,
    **options: Any,
) -> _disputes.DisputeResolution:
    """Dispute resolution time (:func:`kpicore.kpis.disputes.dispute_resolution` per partition).

    Parameters are those of :func:`invoice_dso`, with the options of
    :func:`kpicore.kpis.disputes.dispute_resolution` (``as_of``, ``by``
    including ``"reason"``, ``freq``, ``pairing``, ``percentiles``...).

    Returns
    -------
    DisputeResolution
        Equal to the single-machine result in exact mode; in sketch mode its
        ``summary`` fields (total and groups) hold QuantileSketch objects.

    Examples
    --------
    Two in-memory partitions (disjoint invoices) give the single-machine result:

    >>> from kpicore.synth import synth_event_columns
    >>> log = EventLog.from_columns(synth_event_columns(200, seed=1).to_mapping(),
    ...                             attributes="all", order="lifecycle_rank")
    >>> parts = [log.filter_cases(log.case_ids[:120]), log.filter_cases(log.case_ids[120:])]
    >>> from kpicore.kpis import disputes
    >>> dispute_resolution(parts, by="reason") == disputes.dispute_resolution(log, by="reason")
    True
    """
    result: _disputes.DisputeResolution = _run(
        data,
        _disputes.dispute_resolution,
        options,
        quantiles=quantiles,
        relative_accuracy=relative_accuracy,
        split_every=split_every,
    )
    return result


def dunning_rate(
    data: Any,
    *,
    split_every: int = _SPLIT_EVERY,
    **options: Any,
) -> _dunning.DunningRate:
    """Dunning rate (:func:`kpicore.kpis.dunning.dunning_rate` per partition).

    Without ``as_of`` the single-machine function ends the window just after
    the log's last event; here that instant is the last event of *all*
    partitions, found first by a max-reduction in the same Dask graph (and
    passed to every partition as the first microsecond at or after it, which
    no event, due date or period boundary falls between).

    Parameters
    ----------
    data : list of delayed EventLog, or dask DataFrame
    split_every : int, default 8
    **options
        The keyword options of :func:`kpicore.kpis.dunning.dunning_rate`.

    Returns
    -------
    DunningRate
        Equal to the single-machine result (it has no quantiles).

    Examples
    --------
    Two in-memory partitions (disjoint invoices) give the single-machine result:

    >>> from kpicore.synth import synth_event_columns
    >>> log = EventLog.from_columns(synth_event_columns(200, seed=1).to_mapping(),
    ...                             attributes="all", order="lifecycle_rank")
    >>> parts = [log.filter_cases(log.case_ids[:120]), log.filter_cases(log.case_ids[120:])]
    >>> from kpicore.kpis import dunning
    >>> dunning_rate(parts) == dunning.dunning_rate(log)  # the same window end
    True
    """
    whole = options.get("as_of") is None
    result: _dunning.DunningRate = _run(
        data,
        _dunning.dunning_rate,
        options,
        quantiles="exact",
        relative_accuracy=DEFAULT_RELATIVE_ACCURACY,
        split_every=split_every,
        global_horizon=whole,
    )
    return result


def dunning_effectiveness(
    data: Any,
    *,
    quantiles: Quantiles = "exact",
    relative_accuracy: float = DEFAULT_RELATIVE_ACCURACY,
    split_every: int = _SPLIT_EVERY,
    **options: Any,
) -> _dunning.DunningEffectiveness:
    """Dunning effectiveness and payment rate by highest level reached, per partition merged.

    Runs :func:`kpicore.kpis.dunning.dunning_effectiveness` on each
    partition; ``by_max_level`` is the payment rate by maximum dunning level.
    Parameters are those of :func:`invoice_dso`.

    Returns
    -------
    DunningEffectiveness
        Equal to the single-machine result in exact mode; in sketch mode the
        ``days_to_payment`` summaries hold QuantileSketch objects.

    Examples
    --------
    Two in-memory partitions (disjoint invoices) give the single-machine result:

    >>> from kpicore.synth import synth_event_columns
    >>> log = EventLog.from_columns(synth_event_columns(200, seed=1).to_mapping(),
    ...                             attributes="all", order="lifecycle_rank")
    >>> parts = [log.filter_cases(log.case_ids[:120]), log.filter_cases(log.case_ids[120:])]
    >>> from kpicore.kpis import dunning
    >>> mine = dunning_effectiveness(parts)
    >>> mine == dunning.dunning_effectiveness(log), list(mine.by_max_level)
    (True, [0, 1, 2, 3])
    """
    result: _dunning.DunningEffectiveness = _run(
        data,
        _dunning.dunning_effectiveness,
        options,
        quantiles=quantiles,
        relative_accuracy=relative_accuracy,
        split_every=split_every,
    )
    return result


# ================================================================================ more KPIs


def _single(
    data: Any,
    kpi: Callable[..., Any],
    options: dict[str, Any],
    split_every: int,
    *,
    days: bool = False,
) -> Any:
    """A KPI without quantiles, run per partition and merged exactly."""
    return _run(
        data,
        kpi,
        options,
        quantiles="exact",
        relative_accuracy=DEFAULT_RELATIVE_ACCURACY,
        split_every=split_every,
        days=days,
    )


def write_off_ratio(
    data: Any, *, split_every: int = _SPLIT_EVERY, **options: Any
) -> _collections.WriteOffRatio:
    """Write-off ratio (:func:`kpicore.kpis.collections.write_off_ratio` per partition).

    Counts, coverage and amounts (per currency) are added over the
    partitions and the ratios recomputed from the sums: the result equals the
    single-machine one. Without ``as_of`` every event counts, on one machine
    as here.

    Parameters
    ----------
    data : list of delayed EventLog, or dask DataFrame
    split_every : int, default 8
    **options
        The keyword options of :func:`kpicore.kpis.collections.write_off_ratio`
        (``as_of``, ``tz``, ``by`` as a name or callable, ``freq``, ``customers``, ``roles``).

    Returns
    -------
    WriteOffRatio

    Examples
    --------
    Two in-memory partitions (disjoint invoices) give the single-machine result:

    >>> from kpicore.synth import synth_event_columns
    >>> log = EventLog.from_columns(synth_event_columns(200, seed=1).to_mapping(),
    ...                             attributes="all", order="lifecycle_rank")
    >>> parts = [log.filter_cases(log.case_ids[:120]), log.filter_cases(log.case_ids[120:])]
    >>> from kpicore.kpis import collections
    >>> write_off_ratio(parts, freq="quarter") == collections.write_off_ratio(log, freq="quarter")
    True
    """
    result: _collections.WriteOffRatio = _single(
        data, _collections.write_off_ratio, options, split_every
    )
    return result


def standard_dso(
    data: Any,
    *,
    as_of: _dt.date | _dt.datetime,
    split_every: int = _SPLIT_EVERY,
    **options: Any,
) -> _dso.AccountingDSO:
    """Standard (accounting) DSO (:func:`kpicore.kpis.dso.standard_dso` per partition).

    Receivables and sales are added per currency and the DSO recomputed
    from the sums (:meth:`AccountingDSO.merge
    <kpicore.kpis.dso.AccountingDSO.merge>`): equal to the single-machine
    result. ``receivables="average"`` over several months is refused (each
    partition's average balance is rounded to the minor unit).

    Parameters
    ----------
    data : list of delayed EventLog, or dask DataFrame
    as_of : date or aware datetime
    split_every : int, default 8
    **options
        The keyword options of :func:`kpicore.kpis.dso.standard_dso`
        (``months``, ``days_basis``, ``receivables``, ``by``, ``tz``...).

    Returns
    -------
    AccountingDSO

    Raises
    ------
    InvalidParameterError
        For ``receivables="average"`` with ``months > 1`` (when the partial
        results are merged).

    Examples
    --------
    >>> import datetime as dt
    >>> from kpicore.synth import synth_event_columns
    >>> log = EventLog.from_columns(synth_event_columns(200, seed=1).to_mapping(),
    ...                             attributes="all", order="lifecycle_rank")
    >>> parts = [log.filter_cases(log.case_ids[:120]), log.filter_cases(log.case_ids[120:])]
    >>> d = dt.date(2024, 6, 30)
    >>> standard_dso(parts, as_of=d, by="segment") == _dso.standard_dso(log, as_of=d, by="segment")
    True
    """
    options["as_of"] = as_of
    result: _dso.AccountingDSO = _single(data, _dso.standard_dso, options, split_every)
    return result


def best_possible_dso(
    data: Any,
    *,
    as_of: _dt.date | _dt.datetime,
    split_every: int = _SPLIT_EVERY,
    **options: Any,
) -> _dso.AccountingDSO:
    """Best possible DSO (:func:`kpicore.kpis.dso.best_possible_dso` per partition).

    Merged as :func:`standard_dso`; options as
    :func:`kpicore.kpis.dso.best_possible_dso` (``current_within``...).

    Returns
    -------
    AccountingDSO

    Examples
    --------
    >>> import datetime as dt
    >>> from kpicore.synth import synth_event_columns
    >>> log = EventLog.from_columns(synth_event_columns(200, seed=1).to_mapping(),
    ...                             attributes="all", order="lifecycle_rank")
    >>> parts = [log.filter_cases(log.case_ids[:120]), log.filter_cases(log.case_ids[120:])]
    >>> d = dt.date(2024, 6, 30)
    >>> best_possible_dso(parts, as_of=d) == _dso.best_possible_dso(log, as_of=d)
    True
    """
    options["as_of"] = as_of
    result: _dso.AccountingDSO = _single(data, _dso.best_possible_dso, options, split_every)
    return result


def average_days_delinquent(
    data: Any,
    *,
    as_of: _dt.date | _dt.datetime,
    split_every: int = _SPLIT_EVERY,
    **options: Any,
) -> _dso.AverageDaysDelinquent:
    """Average days delinquent (:func:`kpicore.kpis.dso.average_days_delinquent` per partition).

    Receivables, current receivables and sales are added per currency; DSO,
    best possible DSO and their difference recomputed from the sums.

    Returns
    -------
    AverageDaysDelinquent

    Examples
    --------
    >>> import datetime as dt
    >>> from kpicore.synth import synth_event_columns
    >>> log = EventLog.from_columns(synth_event_columns(200, seed=1).to_mapping(),
    ...                             attributes="all", order="lifecycle_rank")
    >>> parts = [log.filter_cases(log.case_ids[:120]), log.filter_cases(log.case_ids[120:])]
    >>> d = dt.date(2024, 6, 30)
    >>> average_days_delinquent(parts, as_of=d) == _dso.average_days_delinquent(log, as_of=d)
    True
    """
    options["as_of"] = as_of
    result: _dso.AverageDaysDelinquent = _single(
        data, _dso.average_days_delinquent, options, split_every
    )
    return result


def collection_effectiveness_index(
    data: Any,
    *,
    as_of: _dt.date | _dt.datetime,
    split_every: int = _SPLIT_EVERY,
    **options: Any,
) -> _dso.CollectionEffectiveness:
    """CEI (:func:`kpicore.kpis.dso.collection_effectiveness_index` per partition).

    The four amounts of the formula (begin receivables, sales, end and end
    current receivables) are added per currency and the index recomputed.

    Returns
    -------
    CollectionEffectiveness

    Examples
    --------
    >>> import datetime as dt
    >>> from kpicore.synth import synth_event_columns
    >>> log = EventLog.from_columns(synth_event_columns(200, seed=1).to_mapping(),
    ...                             attributes="all", order="lifecycle_rank")
    >>> parts = [log.filter_cases(log.case_ids[:120]), log.filter_cases(log.case_ids[120:])]
    >>> d = dt.date(2024, 6, 30)
    >>> mine = collection_effectiveness_index(parts, as_of=d)
    >>> mine == _dso.collection_effectiveness_index(log, as_of=d)
    True
    """
    options["as_of"] = as_of
    result: _dso.CollectionEffectiveness = _single(
        data, _dso.collection_effectiveness_index, options, split_every
    )
    return result


def dso_by_dispute(
    data: Any,
    *,
    quantiles: Quantiles = "exact",
    relative_accuracy: float = DEFAULT_RELATIVE_ACCURACY,
    split_every: int = _SPLIT_EVERY,
    **options: Any,
) -> DaysSummary:
    """DSO of disputed and undisputed invoices (:func:`kpicore.kpis.disputes.dso_by_dispute`).

    Parameters are those of :func:`invoice_dso`, with the options of
    :func:`kpicore.kpis.disputes.dso_by_dispute`.

    Returns
    -------
    DaysSummary
        Groups ``"disputed"`` / ``"not_disputed"``, equal to the
        single-machine result in exact mode.

    Examples
    --------
    >>> from kpicore.synth import synth_event_columns
    >>> log = EventLog.from_columns(synth_event_columns(200, seed=1).to_mapping(),
    ...                             attributes="all", order="lifecycle_rank")
    >>> parts = [log.filter_cases(log.case_ids[:120]), log.filter_cases(log.case_ids[120:])]
    >>> whole = _disputes.dso_by_dispute(log)
    >>> dict(dso_by_dispute(parts).groups) == dict(whole.groups.groups)
    True
    """
    result: DaysSummary = _run(
        data,
        _disputes.dso_by_dispute,
        options,
        quantiles=quantiles,
        relative_accuracy=relative_accuracy,
        split_every=split_every,
        days=True,
    )
    return result


def case_table(
    data: Any,
    *,
    as_of: _dt.date | _dt.datetime,
    split_every: int = _SPLIT_EVERY,
    **options: Any,
) -> InvoiceCaseTable:
    """The template's case table (:func:`kpicore.kpis.case_table.case_table` per partition).

    One row per invoice: the partitions' rows are concatenated in
    invoice-number order (:meth:`InvoiceCaseTable.merge
    <kpicore.kpis.case_table.InvoiceCaseTable.merge>`), so the driver holds
    the whole table, as on one machine.

    Returns
    -------
    InvoiceCaseTable

    Raises
    ------
    InvalidParameterError
        When an invoice is in two partitions (``to_eventlogs(shuffle=False)``
        on data not partitioned by case).

    Examples
    --------
    >>> import datetime as dt
    >>> from kpicore.synth import synth_event_columns
    >>> log = EventLog.from_columns(synth_event_columns(50, seed=1).to_mapping(),
    ...                             attributes="all", order="lifecycle_rank")
    >>> parts = [log.filter_cases(log.case_ids[30:]), log.filter_cases(log.case_ids[:30])]
    >>> d = dt.date(2024, 6, 30)
    >>> mine, whole = case_table(parts, as_of=d), _invoice_case_table(log, as_of=d)
    >>> mine.rows() == whole.rows(), mine.coverage == whole.coverage
    (True, True)
    """
    options["as_of"] = as_of
    result: InvoiceCaseTable = _single(data, _invoice_case_table, options, split_every)
    return result


# ========================================================================== event-log primitives


def _case_durations(
    log: EventLog,
    *,
    start: Any = None,
    end: Any = None,
    start_at: Literal["first", "last"] = "first",
    end_at: Literal["first_after", "first", "last"] = "first_after",
) -> Any:
    return log.case_durations(start, end, start_at=start_at, end_at=end_at)


def case_durations(
    data: Any,
    start: Any = None,
    end: Any = None,
    *,
    split_every: int = _SPLIT_EVERY,
    **options: Any,
) -> CaseDurations:
    """Per-case durations (:meth:`EventLog.case_durations
    <kpicore.eventlog.EventLog.case_durations>` per partition), merged exactly.

    Parameters
    ----------
    data : list of delayed EventLog, or dask DataFrame
    start, end : activity spec, optional
        As in ``EventLog.case_durations`` (default: first and last event).
    split_every : int, default 8
    **options
        ``start_at``, ``end_at``.

    Returns
    -------
    CaseDurations
        One entry per case of all partitions, in case-id order: equal to the
        single-machine result (its ``summary()`` too).

    Raises
    ------
    InvalidParameterError
        When a case is in two partitions.

    Examples
    --------
    >>> from kpicore.synth import synth_event_columns
    >>> log = EventLog.from_columns(synth_event_columns(100, seed=1).to_mapping(),
    ...                             attributes="all", order="lifecycle_rank")
    >>> parts = [log.filter_cases(log.case_ids[60:]), log.filter_cases(log.case_ids[:60])]
    >>> mine = case_durations(parts, "Invoice Generated", "Invoice Settled")
    >>> mine.summary() == log.case_durations("Invoice Generated", "Invoice Settled").summary()
    True
    """
    options["start"], options["end"] = start, end
    result: CaseDurations = _single(data, _case_durations, options, split_every)
    return result


def _variants(log: EventLog, *, max_repeats: int | None = None) -> Variants:
    return log.variants(max_repeats=max_repeats)


def variants(
    data: Any, *, max_repeats: int | None = None, split_every: int = _SPLIT_EVERY
) -> Variants:
    """Variants (:meth:`EventLog.variants <kpicore.eventlog.EventLog.variants>` per
    partition), merged exactly (:meth:`Variants.merge <kpicore.eventlog.Variants.merge>`).

    Returns
    -------
    Variants
        Counts, order (descending count, ties by first case id), case ids and
        each case's variant equal to the single-machine result.

    Examples
    --------
    >>> from kpicore.synth import synth_event_columns
    >>> log = EventLog.from_columns(synth_event_columns(100, seed=1).to_mapping(),
    ...                             attributes="all", order="lifecycle_rank")
    >>> parts = [log.filter_cases(log.case_ids[60:]), log.filter_cases(log.case_ids[:60])]
    >>> variants(parts).to_dict() == log.variants().to_dict()
    True
    """
    result: Variants = _single(data, _variants, {"max_repeats": max_repeats}, split_every)
    return result


def _as_sequence(spec: object) -> tuple[str, ...]:
    if isinstance(spec, str):
        return tuple(spec.split(", ")) if spec else ()
    if isinstance(spec, tuple | list) and all(isinstance(a, str) for a in spec):
        return tuple(spec)
    raise InvalidParameterError(
        f"a variant is a tuple of activity labels or an 'A, B, C' string, got {spec!r}"
    )


def _wanted(variants: object) -> frozenset[tuple[str, ...]]:
    if isinstance(variants, str) or (
        isinstance(variants, tuple) and all(isinstance(a, str) for a in variants)
    ):
        return frozenset([_as_sequence(variants)])
    if isinstance(variants, Variants) or not isinstance(variants, Iterable):
        raise InvalidParameterError(
            "variants must be a variant (tuple of labels or 'A, B, C') or an iterable of "
            f"them, got {type(variants).__name__}"
        )
    return frozenset(_as_sequence(v) for v in variants)


def _keep_variants(log: EventLog, wanted: Any, *, keep: bool, max_repeats: int | None) -> EventLog:
    """The cases of ``log`` whose variant is (``keep``) or is not in ``wanted`` (on a worker)."""
    v = log.variants(max_repeats=max_repeats)
    chosen = np.array([seq in wanted for seq in v], dtype=bool)  # a loop per variant
    mask = chosen[v.case_variant] if chosen.shape[0] else np.zeros(log.n_cases, dtype=bool)
    return log.filter_cases(mask if keep else ~mask)


def _top_sequences(merged: Variants, k: int) -> frozenset[tuple[str, ...]]:
    return frozenset(merged.sequence(i) for i in range(min(k, len(merged))))


def filter_variants(
    data: Any,
    variants: Any = None,
    *,
    top_k: int | None = None,
    keep: bool = True,
    max_repeats: int | None = None,
    split_every: int = _SPLIT_EVERY,
) -> list[Any]:
    """Keep (or drop) the cases of some variants in every partition (lazy, like to_eventlogs).

    Parameters
    ----------
    data : list of delayed EventLog, or dask DataFrame
    variants : variant or iterable of variants, optional
        A tuple of activity labels or its ``'A, B, C'`` rendering, or an
        iterable of them; each partition keeps the cases whose variant is
        one of them (no global step needed).
    top_k : int, optional
        Instead of ``variants``: the ``k`` most frequent variants of *all*
        partitions (descending count, ties by the first case id, as on one
        machine): the variants of every partition are merged first (in the
        same graph), then each partition keeps the cases of the chosen ones.
    keep : bool, default True
        ``False`` drops the selected cases instead.
    max_repeats : int, optional
        Variants with this cap on repetitions (the cases keep all events).
    split_every : int, default 8

    Returns
    -------
    list of dask.delayed.Delayed
        One filtered EventLog per partition (the input to this module's KPIs).

    Raises
    ------
    InvalidParameterError
        Unless exactly one of ``variants`` and ``top_k`` is given, for a bad
        ``top_k`` or ``keep``, or a malformed variant.

    Examples
    --------
    >>> import dask
    >>> from kpicore.synth import synth_event_columns
    >>> log = EventLog.from_columns(synth_event_columns(100, seed=1).to_mapping(),
    ...                             attributes="all", order="lifecycle_rank")
    >>> parts = [log.filter_cases(log.case_ids[60:]), log.filter_cases(log.case_ids[:60])]
    >>> kept = dask.compute(*filter_variants(parts, top_k=2))
    >>> top = set(list(log.variants().to_dict())[:2])
    >>> sum(p.n_cases for p in kept) == int(log.variants().counts[:2].sum())
    True
    >>> all(set(p.variants().to_dict()) <= top for p in kept)
    True
    """
    dask = _dask()
    every = _check_split_every(split_every)
    if (variants is None) == (top_k is None):
        raise InvalidParameterError("give exactly one of variants= and top_k=")
    if not isinstance(keep, bool):
        raise InvalidParameterError(f"keep must be a bool, got {keep!r}")
    if max_repeats is not None and (
        isinstance(max_repeats, bool) or not isinstance(max_repeats, int) or max_repeats < 1
    ):
        raise InvalidParameterError(f"max_repeats must be an int >= 1, got {max_repeats!r}")
    parts = _as_parts(data)
    if top_k is not None:
        if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 0:
            raise InvalidParameterError(f"top_k must be an int >= 0, got {top_k!r}")
        task = functools.partial(_variants, max_repeats=max_repeats)
        partial = [dask.delayed(task, pure=False)(p) for p in parts]
        merged = _tree(dask, partial, merge_results, every)
        wanted: Any = dask.delayed(_top_sequences, pure=True)(merged, top_k)
    else:
        wanted = _wanted(variants)
    pick = functools.partial(_keep_variants, keep=keep, max_repeats=max_repeats)
    return [dask.delayed(pick, pure=False)(p, wanted) for p in parts]


@attrs.frozen(eq=False)
class _Arcs:
    """Directly-follows partial result: per arc its durations (ns), exact sums; start/end counts.

    :class:`~kpicore.eventlog.DirectlyFollows` itself does not merge (an
    arc's median needs its durations), so each partition sends this instead:
    the durations of every arc (8 bytes per directly-follows pair, as an
    exact Summary), from which the driver computes the same statistics as
    the single-machine graph.
    """

    arcs: dict[tuple[str, str], tuple[int, Any]]  # (source, target) -> (exact sum, durations)
    starts: dict[str, int]
    ends: dict[str, int]

    @classmethod
    def of(cls, log: EventLog) -> _Arcs:
        case, act, ts = log.case_codes, log.activity_codes, log.timestamps
        labels = log.activities
        keys, bounds, dur, width = _vr.dfg_arcs(case, act, ts, len(labels))
        sums = _vr.exact_sums(dur, bounds[:-1]) if keys.shape[0] else []
        arcs = {}
        for i, (k, total) in enumerate(zip(keys.tolist(), sums, strict=True)):
            seg = dur[int(bounds[i]) : int(bounds[i + 1])].copy()
            arcs[(labels[k // width], labels[k % width])] = (total, seg)
        starts: dict[str, int] = {}
        ends: dict[str, int] = {}
        if case.shape[0]:
            head = np.ones(case.shape[0], dtype=bool)
            head[1:] = case[1:] != case[:-1]
            tail = np.ones(case.shape[0], dtype=bool)
            tail[:-1] = head[1:]
            for out, m in ((starts, head), (ends, tail)):
                c = np.bincount(act[m], minlength=len(labels))
                out.update({labels[i]: int(c[i]) for i in np.flatnonzero(c).tolist()})
        return cls(arcs, starts, ends)

    def merge(self, other: _Arcs) -> _Arcs:
        arcs = dict(self.arcs)
        for key, (total, seg) in other.arcs.items():
            if key in arcs:
                t0, s0 = arcs[key]
                arcs[key] = (t0 + total, np.concatenate([s0, seg]))
            else:
                arcs[key] = (total, seg)
        return _Arcs(
            arcs,
            _merge.add_counts(self.starts, other.starts),
            _merge.add_counts(self.ends, other.ends),
        )

    def result(self) -> DirectlyFollows:
        keys = sorted(self.arcs)
        n = len(keys)
        cnt = np.empty(n, dtype=np.int64)
        mean, median, mins, maxs = (np.empty(n) for _ in range(4))
        for i, key in enumerate(keys):  # a loop per arc
            total, seg = self.arcs[key]
            cnt[i] = seg.shape[0]
            mean[i] = _vr.mean_days(total, int(seg.shape[0]))
            median[i] = _vr.arc_median_days(seg)
            mins[i] = float(seg.min()) / _NS_PER_DAY_F
            maxs[i] = float(seg.max()) / _NS_PER_DAY_F
        return DirectlyFollows(
            tuple(k[0] for k in keys),
            tuple(k[1] for k in keys),
            cnt,
            mean,
            median,
            mins,
            maxs,
            {k: self.starts[k] for k in sorted(self.starts)},
            {k: self.ends[k] for k in sorted(self.ends)},
        )


def directly_follows(data: Any, *, split_every: int = _SPLIT_EVERY) -> DirectlyFollows:
    """The directly-follows graph of all partitions, equal to the single-machine one.

    :class:`~kpicore.eventlog.DirectlyFollows` has no ``merge`` (an arc's
    median needs all its durations): each partition sends the durations of
    its arcs (int64 ns, 8 bytes per pair of consecutive events) and their
    exact integer sums; the driver computes count, mean (exact sum ÷ count,
    correctly rounded, as the single-machine graph), median, min and max per
    arc. Arcs never cross partitions, since a case lies in one.

    Parameters
    ----------
    data : list of delayed EventLog, or dask DataFrame
    split_every : int, default 8

    Returns
    -------
    DirectlyFollows

    Examples
    --------
    >>> from kpicore.synth import synth_event_columns
    >>> log = EventLog.from_columns(synth_event_columns(100, seed=1).to_mapping(),
    ...                             attributes="all", order="lifecycle_rank")
    >>> parts = [log.filter_cases(log.case_ids[60:]), log.filter_cases(log.case_ids[:60])]
    >>> directly_follows(parts).to_dict() == log.directly_follows().to_dict()
    True
    """
    arcs: _Arcs = map_reduce(data, _Arcs.of, merge=_Arcs.merge, split_every=split_every)
    return arcs.result()


@attrs.frozen(eq=False)
class _Quality:
    """Quality partial result: the report plus what its detail texts summarise."""

    report: QualityReport
    examples: int
    nulls: dict[str, int]  # per event attribute column, in column order
    conflicts: dict[str, int]  # per case attribute
    non_canonical: tuple[str, ...]
    dropped: DroppedReport

    @classmethod
    def of(cls, log: EventLog, *, examples: int = 5, **options: Any) -> _Quality:
        report = log.quality(examples=examples, **options)
        nulls = {n: int(np.count_nonzero(log._attrs[n].null_mask())) for n in log.attribute_names}
        conflicts = {k: int(np.count_nonzero(m)) for k, m in log._conflicts.items()}
        canon = log.canonical_activities
        present = np.bincount(log.activity_codes, minlength=len(log.activities))
        odd = tuple(a for i, a in enumerate(log.activities) if canon.get(a) is None and present[i])
        return cls(report, examples, nulls, conflicts, odd, log.dropped)

    def merge(self, other: _Quality) -> _Quality:
        k = _merge.same(self.examples, other.examples, "examples")
        a, b = self.report, other.report
        _merge.same([i.name for i in a.issues], [i.name for i in b.issues], "issues")
        issues = [
            QualityIssue(
                x.name,
                x.count + y.count,
                x.cases + y.cases,
                tuple(sorted(x.examples + y.examples)[:k]),
                x.detail,
            )
            for x, y in zip(a.issues, b.issues, strict=True)
        ]
        report = QualityReport(a.n_events + b.n_events, a.n_cases + b.n_cases, tuple(issues))
        return _Quality(
            report,
            k,
            _merge.add_counts(self.nulls, other.nulls),
            _merge.add_counts(self.conflicts, other.conflicts),
            tuple(sorted(set(self.non_canonical) | set(other.non_canonical))),
            self.dropped.merge(other.dropped),
        )

    def result(self) -> QualityReport:
        # the texts that summarise counts, rebuilt from the merged counts as quality() words them
        per_col = {n: c for n, c in self.nulls.items() if c}
        detail = {
            "dropped_rows": "input rows dropped at construction, by column "
            f"{dict(self.dropped.by_field)}",
            "null_attribute_values": f"null cells in event attributes, by column {per_col}",
            "case_attribute_conflicts": "cases whose events disagree on a case attribute, "
            f"by attribute {self.conflicts}",
            "non_canonical_activities": "events of activities outside the canonical "
            f"vocabulary: {list(self.non_canonical)}",
        }
        issues = tuple(
            attrs.evolve(i, detail=detail[i.name]) if i.name in detail else i
            for i in self.report.issues
        )
        return QualityReport(self.report.n_events, self.report.n_cases, issues)


def quality(data: Any, *, split_every: int = _SPLIT_EVERY, **options: Any) -> QualityReport:
    """The data-quality report of all partitions (:meth:`EventLog.quality
    <kpicore.eventlog.EventLog.quality>` per partition, merged).

    Counts and affected cases are added, the examples are the first
    ``examples`` case ids of the union (each partition lists its first ones,
    in case-id order), and the per-column and per-attribute breakdowns of
    the details are added: equal to the single-machine report -- except the
    examples of ``dropped_rows``, which are row indices *within their
    partition* (a shuffled frame has no global row order; the count is
    exact).

    Parameters
    ----------
    data : list of delayed EventLog, or dask DataFrame
    split_every : int, default 8
    **options
        The keyword options of ``EventLog.quality`` (``start``,
        ``terminal``, ``allowed_after_end``, ``order_rules``, ``examples``).

    Returns
    -------
    QualityReport

    Examples
    --------
    >>> from kpicore.synth import synth_event_columns
    >>> log = EventLog.from_columns(synth_event_columns(100, seed=1).to_mapping(),
    ...                             attributes="all", order="lifecycle_rank")
    >>> parts = [log.filter_cases(log.case_ids[60:]), log.filter_cases(log.case_ids[:60])]
    >>> quality(parts) == log.quality()
    True
    """
    _check_options(EventLog.quality, options)
    task = functools.partial(_Quality.of, **options)
    merged: _Quality = map_reduce(data, task, merge=_Quality.merge, split_every=split_every)
    return merged.result()


# ================================================================================ further KPIs


def days_late(
    data: Any,
    *,
    quantiles: Quantiles = "exact",
    relative_accuracy: float = DEFAULT_RELATIVE_ACCURACY,
    split_every: int = _SPLIT_EVERY,
    **options: Any,
) -> DaysSummary:
    """Days late at settlement (:func:`kpicore.kpis.overdue.days_late` per partition).

    Parameters are those of :func:`invoice_dso`, with the options of
    :func:`kpicore.kpis.overdue.days_late`.

    Returns
    -------
    DaysSummary

    Examples
    --------
    >>> from kpicore.synth import synth_event_columns
    >>> log = EventLog.from_columns(synth_event_columns(200, seed=1).to_mapping(),
    ...                             attributes="all", order="lifecycle_rank")
    >>> parts = [log.filter_cases(log.case_ids[:120]), log.filter_cases(log.case_ids[120:])]
    >>> days_late(parts, signed=True).summary == _overdue.days_late(log, signed=True).summary
    True
    """
    result: DaysSummary = _run(
        data, _overdue.days_late, options, quantiles=quantiles,
        relative_accuracy=relative_accuracy, split_every=split_every, days=True,
    )  # fmt: skip
    return result


def days_to_settle(
    data: Any,
    *,
    quantiles: Quantiles = "exact",
    relative_accuracy: float = DEFAULT_RELATIVE_ACCURACY,
    split_every: int = _SPLIT_EVERY,
    **options: Any,
) -> DaysSummary:
    """Days to settle (:func:`kpicore.kpis.overdue.days_to_settle` per partition).

    Parameters are those of :func:`invoice_dso`, with the options of
    :func:`kpicore.kpis.overdue.days_to_settle`.

    Returns
    -------
    DaysSummary

    Examples
    --------
    >>> from kpicore.synth import synth_event_columns
    >>> log = EventLog.from_columns(synth_event_columns(200, seed=1).to_mapping(),
    ...                             attributes="all", order="lifecycle_rank")
    >>> parts = [log.filter_cases(log.case_ids[:120]), log.filter_cases(log.case_ids[120:])]
    >>> days_to_settle(parts).summary == _overdue.days_to_settle(log).summary
    True
    """
    result: DaysSummary = _run(
        data, _overdue.days_to_settle, options, quantiles=quantiles,
        relative_accuracy=relative_accuracy, split_every=split_every, days=True,
    )  # fmt: skip
    return result


def past_due_ratio(
    data: Any,
    *,
    as_of: _dt.date | _dt.datetime,
    split_every: int = _SPLIT_EVERY,
    **options: Any,
) -> _overdue.PastDueRatio:
    """Past-due ratio (:func:`kpicore.kpis.overdue.past_due_ratio` per partition).

    Counts and open / past-due amounts (per currency) are added, the ratios
    recomputed: equal to the single-machine result.

    Returns
    -------
    PastDueRatio

    Examples
    --------
    >>> import datetime as dt
    >>> from kpicore.synth import synth_event_columns
    >>> log = EventLog.from_columns(synth_event_columns(200, seed=1).to_mapping(),
    ...                             attributes="all", order="lifecycle_rank")
    >>> parts = [log.filter_cases(log.case_ids[:120]), log.filter_cases(log.case_ids[120:])]
    >>> d = dt.date(2024, 6, 30)
    >>> past_due_ratio(parts, as_of=d) == _overdue.past_due_ratio(log, as_of=d)
    True
    """
    options["as_of"] = as_of
    result: _overdue.PastDueRatio = _single(data, _overdue.past_due_ratio, options, split_every)
    return result


def dispute_rate(
    data: Any, *, split_every: int = _SPLIT_EVERY, **options: Any
) -> _disputes.DisputeRate:
    """Dispute rate (:func:`kpicore.kpis.disputes.dispute_rate` per partition), merged exactly.

    Returns
    -------
    DisputeRate

    Examples
    --------
    >>> from kpicore.synth import synth_event_columns
    >>> log = EventLog.from_columns(synth_event_columns(200, seed=1).to_mapping(),
    ...                             attributes="all", order="lifecycle_rank")
    >>> parts = [log.filter_cases(log.case_ids[:120]), log.filter_cases(log.case_ids[120:])]
    >>> dispute_rate(parts, by="segment") == _disputes.dispute_rate(log, by="segment")
    True
    """
    result: _disputes.DisputeRate = _single(data, _disputes.dispute_rate, options, split_every)
    return result


def open_disputes(
    data: Any,
    *,
    as_of: _dt.date | _dt.datetime,
    quantiles: Quantiles = "exact",
    relative_accuracy: float = DEFAULT_RELATIVE_ACCURACY,
    split_every: int = _SPLIT_EVERY,
    **options: Any,
) -> _disputes.OpenDisputes:
    """Open disputes as of a date (:func:`kpicore.kpis.disputes.open_disputes` per partition).

    Counts, invoices and open amounts are added; the age summaries merge
    exactly (or as sketches with ``quantiles="sketch"``).

    Returns
    -------
    OpenDisputes

    Examples
    --------
    >>> import datetime as dt
    >>> from kpicore.synth import synth_event_columns
    >>> log = EventLog.from_columns(synth_event_columns(200, seed=1).to_mapping(),
    ...                             attributes="all", order="lifecycle_rank")
    >>> parts = [log.filter_cases(log.case_ids[:120]), log.filter_cases(log.case_ids[120:])]
    >>> d = dt.date(2024, 6, 30)
    >>> open_disputes(parts, as_of=d) == _disputes.open_disputes(log, as_of=d)
    True
    """
    options["as_of"] = as_of
    result: _disputes.OpenDisputes = _run(
        data, _disputes.open_disputes, options, quantiles=quantiles,
        relative_accuracy=relative_accuracy, split_every=split_every,
    )  # fmt: skip
    return result


def cash_application_lag(
    data: Any,
    *,
    quantiles: Quantiles = "exact",
    relative_accuracy: float = DEFAULT_RELATIVE_ACCURACY,
    split_every: int = _SPLIT_EVERY,
    **options: Any,
) -> _collections.CashApplication:
    """Cash application lag (:func:`kpicore.kpis.collections.cash_application_lag` per partition).

    Counts and amounts are added, rates recomputed, the lag summaries merged
    (exactly, or as sketches).

    Returns
    -------
    CashApplication

    Examples
    --------
    >>> from kpicore.synth import synth_event_columns
    >>> log = EventLog.from_columns(synth_event_columns(200, seed=1).to_mapping(),
    ...                             attributes="all", order="lifecycle_rank")
    >>> parts = [log.filter_cases(log.case_ids[:120]), log.filter_cases(log.case_ids[120:])]
    >>> cash_application_lag(parts) == _collections.cash_application_lag(log)
    True
    """
    result: _collections.CashApplication = _run(
        data, _collections.cash_application_lag, options, quantiles=quantiles,
        relative_accuracy=relative_accuracy, split_every=split_every,
    )  # fmt: skip
    return result


def promise_kept_rate(
    data: Any, *, split_every: int = _SPLIT_EVERY, **options: Any
) -> _collections.PromiseKeptRate:
    """Promise-to-pay kept rate (:func:`kpicore.kpis.collections.promise_kept_rate`).

    Without ``as_of`` the window ends just after the last event of *all*
    partitions (found first, as in :func:`dunning_rate`).

    Returns
    -------
    PromiseKeptRate

    Examples
    --------
    >>> from kpicore.synth import synth_event_columns
    >>> cols = synth_event_columns(300, seed=2, promises=True).to_mapping()
    >>> log = EventLog.from_columns(cols, attributes="all", order="lifecycle_rank")
    >>> parts = [log.filter_cases(log.case_ids[:100]), log.filter_cases(log.case_ids[100:])]
    >>> mine = promise_kept_rate(parts)
    >>> mine == _collections.promise_kept_rate(log), mine.promises > 0
    (True, True)
    """
    whole = options.get("as_of") is None
    result: _collections.PromiseKeptRate = _run(
        data, _collections.promise_kept_rate, options, quantiles="exact",
        relative_accuracy=DEFAULT_RELATIVE_ACCURACY, split_every=split_every,
        global_horizon=whole,
    )  # fmt: skip
    return result


def posting_lag(
    data: Any,
    *,
    quantiles: Quantiles = "exact",
    relative_accuracy: float = DEFAULT_RELATIVE_ACCURACY,
    split_every: int = _SPLIT_EVERY,
    **options: Any,
) -> _collections.EventLag:
    """Payment posting lag (:func:`kpicore.kpis.collections.posting_lag` per partition).

    The lag summaries merge exactly (or as sketches), coverage is added.

    Returns
    -------
    EventLag

    Examples
    --------
    >>> from kpicore.synth import synth_event_columns
    >>> log = EventLog.from_columns(synth_event_columns(200, seed=1).to_mapping(),
    ...                             attributes="all", order="lifecycle_rank")
    >>> parts = [log.filter_cases(log.case_ids[:120]), log.filter_cases(log.case_ids[120:])]
    >>> posting_lag(parts, freq="month") == _collections.posting_lag(log, freq="month")
    True
    """
    result: _collections.EventLag = _run(
        data, _collections.posting_lag, options, quantiles=quantiles,
        relative_accuracy=relative_accuracy, split_every=split_every,
    )  # fmt: skip
    return result
