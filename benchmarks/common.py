"""What every tool of the benchmark shares: the dataset, the task parameters, results.

The exact task definitions are written down in ``benchmarks/README.md``; each tool
module implements them and returns a :data:`TaskResult` per task, a flat mapping
of field name to number. :func:`compare` checks a peer's results against
kpicore's: counts exactly, days to ``1e-6``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Generic, TypeVar

import numpy as np
import numpy.typing as npt

from kpicore import activities
from kpicore.synth import ACTIVITY_NAMES, synth_event_columns

__all__ = [
    "ACTIVITY_KEY",
    "AGING_BUCKETS",
    "AMOUNT_KEY",
    "CASE_KEY",
    "CURRENCY_KEY",
    "DISPUTE_REGISTERED",
    "DISPUTE_RESOLVED",
    "DUE_KEY",
    "DUNNING_LEVELS",
    "INVOICE_AMOUNT_KEY",
    "INVOICE_GENERATED",
    "INVOICE_SETTLED",
    "LETTER",
    "LEVEL_KEY",
    "PAYMENT_RECEIVED",
    "TASKS",
    "TIME_KEY",
    "WRITTEN_OFF",
    "Dataset",
    "Params",
    "Peer",
    "TaskResult",
    "compare",
    "make_dataset",
    "normalise",
    "ratio",
]

CASE_KEY: Final = "case:concept:name"
ACTIVITY_KEY: Final = "concept:name"
TIME_KEY: Final = "time:timestamp"
LEVEL_KEY: Final = "dunning_level"
AMOUNT_KEY: Final = "amount_minor"
DUE_KEY: Final = "case:due_date"
INVOICE_AMOUNT_KEY: Final = "case:amount_minor"
CURRENCY_KEY: Final = "case:currency"

INVOICE_GENERATED: Final[str] = activities.INVOICE_GENERATED.en
PAYMENT_RECEIVED: Final[str] = activities.PAYMENT_RECEIVED.en
DISPUTE_REGISTERED: Final[str] = activities.DISPUTE_REGISTERED.en
DISPUTE_RESOLVED: Final[str] = activities.DISPUTE_RESOLVED.en
LETTER: Final[str] = activities.COLLECTION_LETTER.en
INVOICE_SETTLED: Final[str] = activities.INVOICE_SETTLED.en
WRITTEN_OFF: Final[str] = activities.INVOICE_WRITTEN_OFF.en

#: The four tasks, in the order they are run and reported.
TASKS: Final[tuple[str, ...]] = ("dso", "disputes", "aging", "dunning")

#: Aging buckets of task (c): name and inclusive age range in days (None = unbounded);
#: "current" is everything not yet past due (age <= 0), as kpicore's ``aging``.
AGING_BUCKETS: Final[tuple[tuple[str, int | None, int | None], ...]] = (
    ("current", None, 0),
    ("d1_30", 1, 30),
    ("d31_60", 31, 60),
    ("d61_90", 61, 90),
    ("d90_plus", 91, None),
)
#: Dunning levels reported by task (d) (the synthetic data has levels 1..3).
DUNNING_LEVELS: Final[tuple[int, ...]] = (0, 1, 2, 3)

NS_PER_DAY: Final[int] = 86_400_000_000_000
_EPOCH: Final = dt.date(1970, 1, 1)

#: One task's answer: field name -> count (int), days or ratio (float), or None.
TaskResult = dict[str, int | float | None]

FrameT = TypeVar("FrameT")


@dataclass(frozen=True)
class Params:
    """The parameters of the tasks: the as-of date ``D``.

    ``cutoff_ns`` is the instant the date stands for: the end of day ``D``, i.e.
    ``D + 1`` at 00:00 UTC (kpicore's ``periods.as_of_ns`` convention); "before
    D" means strictly before that instant.
    """

    as_of: dt.date

    @property
    def as_of_day(self) -> int:
        """``D`` as days since 1970-01-01."""
        return (self.as_of - _EPOCH).days

    @property
    def cutoff_ns(self) -> int:
        """ns since the epoch of ``D + 1`` 00:00 UTC."""
        return (self.as_of_day + 1) * NS_PER_DAY

    @property
    def cutoff(self) -> dt.datetime:
        """The cutoff as a naive UTC datetime (for tools without time zones)."""
        return dt.datetime(1970, 1, 1) + dt.timedelta(days=self.as_of_day + 1)


@dataclass(frozen=True)
class Dataset:
    """The benchmark's event table, as in-memory numpy columns.

    Per event: the invoice number (``object`` array of ``str``), the activity
    name (``object`` array of ``str``), the instant (``datetime64[ns]``, UTC),
    the amount in minor units (``int64``: the payment on payment events), the
    dunning level (``int8``, 1..3 on letters, 0 elsewhere) and, repeated per
    event as pm4py's ``case:`` columns are, the invoice's due date
    (``datetime64[D]``), amount (``int64`` minor units) and currency
    (``object`` array of ``str``). The coded forms (invoice row, activity
    code) are the same data already encoded, for the "coded input"
    construction.
    """

    n_invoices: int
    seed: int
    case_id: npt.NDArray[np.object_]
    activity: npt.NDArray[np.object_]
    timestamp: npt.NDArray[np.datetime64]
    amount: npt.NDArray[np.int64]
    dunning_level: npt.NDArray[np.int8]
    due_date: npt.NDArray[np.datetime64]
    invoice_amount: npt.NDArray[np.int64]
    currency: npt.NDArray[np.object_]
    case_code: npt.NDArray[np.int64]
    activity_code: npt.NDArray[np.int8]
    activity_names: tuple[str, ...]
    invoice_number: npt.NDArray[np.object_]
    data_as_of: dt.date
    fingerprint: str = field(default="")

    @property
    def n_events(self) -> int:
        """Number of events."""
        return int(self.timestamp.shape[0])

    def columns(self) -> dict[str, npt.NDArray[Any]]:
        """The event table under XES / pm4py names."""
        return {
            CASE_KEY: self.case_id,
            ACTIVITY_KEY: self.activity,
            TIME_KEY: self.timestamp,
            AMOUNT_KEY: self.amount,
            LEVEL_KEY: self.dunning_level,
            DUE_KEY: self.due_date,
            INVOICE_AMOUNT_KEY: self.invoice_amount,
            CURRENCY_KEY: self.currency,
        }


def _fingerprint(arrays: list[npt.NDArray[Any]], n: int, seed: int) -> str:
    h = hashlib.sha256(f"{n}:{seed}".encode())
    for arr in arrays:
        h.update(np.ascontiguousarray(arr).view(np.uint8).data)
    return h.hexdigest()[:16]


def make_dataset(n_invoices: int, *, seed: int = 0) -> Dataset:
    """The deterministic benchmark dataset of ``n_invoices`` invoices.

    Built with :func:`kpicore.synth.synth_event_columns` (a year of invoices as
    of 2024-12-31: about 6 events per invoice, disputes on ~8 %, letters on
    ~30 %, write-offs ~2 %, ~10 % open). Same arguments, same data, in every
    process (the fingerprint proves it).
    """
    cols = synth_event_columns(n_invoices, seed=seed)
    m = cols.to_mapping(case_attributes=True)
    data = Dataset(
        n_invoices=n_invoices,
        seed=seed,
        case_id=m[CASE_KEY],
        activity=m[ACTIVITY_KEY],
        timestamp=m[TIME_KEY],
        amount=m[AMOUNT_KEY],
        dunning_level=m[LEVEL_KEY],
        due_date=m[DUE_KEY],
        invoice_amount=m[INVOICE_AMOUNT_KEY],
        currency=m[CURRENCY_KEY],
        case_code=cols.case_index,
        activity_code=cols.activity_code,
        activity_names=ACTIVITY_NAMES,
        invoice_number=cols.invoice_number,
        data_as_of=cols.as_of,
    )
    fp = _fingerprint(
        [
            data.case_code,
            data.activity_code,
            data.timestamp.view(np.int64),
            data.amount,
            data.dunning_level,
            data.due_date.view(np.int64),
            data.invoice_amount,
            np.frombuffer("|".join(cols.currency.tolist()).encode(), dtype=np.uint8),
        ],
        n_invoices,
        seed,
    )
    return dataclasses.replace(data, fingerprint=fp)


@dataclass(frozen=True)
class Peer(Generic[FrameT]):
    """One tool: how it loads the event table and how it runs the four tasks.

    ``load`` builds the tool's own frame from the dataset's numpy columns
    (timed as "load"); each task takes that frame and the parameters.
    ``frame_bytes`` reports the frame's size by the tool's own accounting
    (None when the tool has none). ``before_each`` runs before every timed task
    repetition (untimed): kpicore clears any per-log memo there, so that no
    repetition reuses work of a previous one (the peers recompute everything per
    query too).
    """

    name: str
    version: Callable[[], str]
    load: Callable[[Dataset], FrameT]
    tasks: Mapping[str, Callable[[FrameT, Params], TaskResult]]
    frame_bytes: Callable[[FrameT], int | None] = lambda _frame: None
    before_each: Callable[[FrameT], None] = lambda _frame: None


# ----------------------------------------------------------------------------- results


def days_stats(values: npt.NDArray[np.float64]) -> tuple[float | None, float | None]:
    """Mean and median of float days (None, None when empty) -- for numpy-based peers."""
    if values.shape[0] == 0:
        return None, None
    return float(values.mean()), float(np.median(values))


def ratio(num: int, den: int) -> float | None:
    """``num / den``, None when ``den`` is 0."""
    return num / den if den else None


def compare(
    reference: Mapping[str, TaskResult],
    other: Mapping[str, TaskResult],
    *,
    tol: float = 1e-6,
) -> list[str]:
    """Differences between two tools' results (empty list: equal).

    Integers must be equal; floats (days, ratios) within ``tol`` absolute;
    None only equals None; both must have the same fields.
    """
    problems: list[str] = []
    for task, ref in reference.items():
        got = other.get(task)
        if got is None:
            problems.append(f"{task}: missing")
            continue
        if set(ref) != set(got):
            problems.append(f"{task}: fields differ: {sorted(set(ref) ^ set(got))}")
        for key in sorted(set(ref) & set(got)):
            a, b = ref[key], got[key]
            if a is None or b is None:
                ok = a is None and b is None
            elif isinstance(a, int) and isinstance(b, int):
                ok = a == b
            elif isinstance(a, int) != isinstance(b, int):
                ok = False
            else:
                ok = abs(float(a) - float(b)) <= tol
            if not ok:
                problems.append(f"{task}.{key}: kpicore {a!r} != {b!r}")
    return problems


def normalise(result: Mapping[str, Any]) -> TaskResult:
    """Plain Python ints/floats/None (numpy scalars converted; bools refused)."""
    out: TaskResult = {}
    for key, value in result.items():
        if value is None:
            out[key] = None
        elif isinstance(value, bool | np.bool_):
            raise TypeError(f"{key}: booleans are not task results")
        elif isinstance(value, int | np.integer):
            out[key] = int(value)
        elif isinstance(value, float | np.floating):
            f = float(value)
            out[key] = None if f != f else f
        else:
            raise TypeError(f"{key}: unsupported result type {type(value).__name__}")
    return out
