"""kpicore.threads: the setting, the runner, and KPI results independent of the thread count."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

import kpicore.threads
from kpicore.errors import InvalidParameterError
from kpicore.eventlog import EventLog
from kpicore.kpis._ledger import clear_cache
from kpicore.kpis.disputes import dispute_resolution
from kpicore.kpis.dso import invoice_dso
from kpicore.kpis.dunning import dunning_effectiveness, dunning_rate
from kpicore.kpis.overdue import aging, days_overdue
from kpicore.threads import DEFAULT_MAX_THREADS, get_threads, run_all, set_threads


@pytest.fixture(autouse=True)
def _default_threads(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # small logs would run on the calling thread: hand every job to the pool here
    monkeypatch.setattr(kpicore.threads, "MIN_PARALLEL_ROWS", 0)
    set_threads(None)
    yield
    set_threads(None)


def test_small_inputs_stay_on_the_calling_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kpicore.threads, "MIN_PARALLEL_ROWS", 100)
    set_threads(4)
    names: list[str] = []
    run_all([lambda: names.append(threading.current_thread().name)] * 2, rows=99)
    assert names == [threading.current_thread().name] * 2
    run_all([lambda: names.append(threading.current_thread().name)] * 2, rows=100)
    assert any(name.startswith("kpicore") for name in names[2:])


def test_default_and_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KPICORE_THREADS", raising=False)
    assert get_threads() == max(1, min(os.cpu_count() or 1, DEFAULT_MAX_THREADS))
    monkeypatch.setenv("KPICORE_THREADS", "3")
    assert get_threads() == 3
    set_threads(1)  # the setting wins over the environment
    assert get_threads() == 1
    set_threads(None)
    assert get_threads() == 3


@pytest.mark.parametrize("bad", ["0", "-2", "two", "1.5"])
def test_a_bad_environment_value_is_named(monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    monkeypatch.setenv("KPICORE_THREADS", bad)
    with pytest.raises(InvalidParameterError, match="KPICORE_THREADS"):
        get_threads()


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_set_threads_rejects_non_counts(bad: Any) -> None:
    with pytest.raises(InvalidParameterError, match="set_threads"):
        set_threads(bad)


@pytest.mark.parametrize("n", [1, 2, 4])
def test_run_all_runs_every_job(n: int) -> None:
    set_threads(n)
    seen: list[int] = []
    lock = threading.Lock()

    def job(k: int) -> None:
        with lock:
            seen.append(k)

    run_all([lambda k=k: job(k) for k in range(7)])  # type: ignore[misc]
    assert sorted(seen) == list(range(7))


@pytest.mark.parametrize("n", [1, 2, 4])
def test_run_all_raises_the_first_jobs_error_after_all_ended(n: int) -> None:
    set_threads(n)
    done: list[str] = []

    def fails(msg: str) -> None:
        done.append(msg)
        raise ValueError(msg)

    with pytest.raises(ValueError, match="second"):
        run_all([lambda: done.append("ok"), lambda: fails("second"), lambda: fails("third")])
    assert sorted(done) == ["ok", "second", "third"]  # no job was abandoned


def test_nested_run_all_in_a_worker_does_not_wait_for_the_pool() -> None:
    # with two threads the pool has one worker: a worker waiting for jobs queued behind
    # it would hang; nested calls run on the worker itself
    set_threads(2)
    seen: list[str] = []

    def outer() -> None:
        run_all([lambda: seen.append("a"), lambda: seen.append("b")])

    run_all([lambda: seen.append("caller"), outer])
    assert sorted(seen) == ["a", "b", "caller"]


def test_a_free_thread_takes_the_next_job() -> None:
    # two threads, four jobs: the second job waits until the third and fourth have run.
    # Jobs are taken by whichever thread is free, so the caller (done with the first)
    # runs them while the worker waits; handing jobs out in advance would hang here
    set_threads(2)
    later = threading.Event()
    seen: list[str] = []

    def waits() -> None:
        assert later.wait(timeout=10), "the later jobs never ran"
        seen.append("second")

    def last() -> None:
        seen.append("fourth")
        later.set()

    run_all([lambda: seen.append("first"), waits, lambda: seen.append("third"), last])
    assert sorted(seen) == ["first", "fourth", "second", "third"]
    assert seen[-1] == "second"


def test_the_first_job_runs_on_the_calling_thread() -> None:
    # the heaviest job is listed first: it stays on the caller, whichever thread is free
    set_threads(2)
    me = threading.current_thread().name
    names: list[str] = []
    for _ in range(50):
        run_all([lambda: names.append(threading.current_thread().name)] + [lambda: None] * 3)
    assert names == [me] * 50


def test_a_busy_pool_does_not_delay_the_caller() -> None:
    # the pool's one worker is busy elsewhere: the caller runs every job itself and
    # returns without waiting for the helper that never started
    set_threads(2)
    release = threading.Event()
    busy = kpicore.threads._executor(1).submit(release.wait, 10)
    try:
        seen: list[int] = []
        run_all([lambda: seen.append(1), lambda: seen.append(2), lambda: seen.append(3)])
        assert seen == [1, 2, 3]
        assert not busy.done()
    finally:
        release.set()
        busy.result(timeout=10)


def _log() -> EventLog:
    from kpicore.synth import synth_event_columns

    return EventLog.from_columns(synth_event_columns(3000, seed=11).to_mapping())


def _all_kpis(log: EventLog) -> dict[str, Any]:
    as_of = dt.date(2024, 9, 30)
    return {
        "dso": invoice_dso(log).to_dict(),
        "disputes": dispute_resolution(log).to_dict(),
        "aging": aging(log, as_of=as_of).to_dict(),
        "overdue": days_overdue(log, as_of=as_of).to_dict(),
        "rate": dunning_rate(log, as_of=as_of).to_dict(),
        "effectiveness": dunning_effectiveness(log, as_of=as_of).to_dict(),
    }


def test_kpi_results_do_not_depend_on_the_thread_count() -> None:
    log = _log()
    results = []
    for n in (1, 2, 4):
        set_threads(n)
        clear_cache(log)
        results.append(_all_kpis(log))
    assert results[0] == results[1] == results[2]
    assert results[0]["aging"]["count"] > 0
    assert results[0]["rate"]["overdue"] > 0


def test_bad_input_raises_the_same_error_on_any_thread_count() -> None:
    from kpicore.errors import InvalidRecordError

    log = EventLog.from_columns(
        case=["F-1", "F-1", "F-2"],
        activity=["Invoice Generated", "Payment Received", "Invoice Generated"],
        timestamp=["2024-01-01T00:00Z", "2024-01-05T00:00Z", "2024-01-02T00:00Z"],
        attributes={"amount_minor": [None, 10.5, None]},
        case_attributes={"amount_minor": [100] * 3, "currency": ["BRL"] * 3},
    )
    messages = []
    for n in (1, 2):
        set_threads(n)
        clear_cache(log)
        with pytest.raises(InvalidRecordError) as err:
            aging(log, as_of=dt.date(2024, 2, 1))
        messages.append(str(err.value))
    assert messages[0] == messages[1]
    assert "F-1" in messages[0]
    assert "amount_minor" in messages[0]


def _child_runs(q: Any) -> None:
    seen: list[int] = []
    run_all([lambda: seen.append(1), lambda: seen.append(2)])
    q.put(sorted(seen))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX")
def test_a_forked_child_gets_a_pool_of_its_own() -> None:
    # the parent's pool threads do not exist in a forked child: it must start its own
    import multiprocessing

    set_threads(2)
    run_all([lambda: None, lambda: None])  # the parent's pool exists
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    proc = ctx.Process(target=_child_runs, args=(q,))
    proc.start()
    proc.join(timeout=30)
    assert proc.exitcode == 0
    assert q.get(timeout=5) == [1, 2]


@pytest.mark.parametrize("n", [1, 2])
def test_a_large_summary_computes_mean_and_quantiles_together(n: int) -> None:
    # MIN_PARALLEL_ROWS is 0 here: every summary counts as large
    import math

    from kpicore.summary import Summary

    set_threads(n)
    values = [float(v) for v in range(1, 102)]
    s = Summary.of(values, percentiles=[10])
    assert s.median == 51.0
    assert {"mean", "quantiles"} <= set(s._stats)  # the mean came with the median
    assert s.mean == math.fsum(values) / 101
    assert s.percentiles == {10.0: 11.0}


def test_a_large_summary_copies_its_values_on_the_calling_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the quantiles copy the values (8 MB at a million invoices): on the calling thread,
    # whose glibc arena keeps that memory, not on a pool thread, whose arena is trimmed
    # when the copy is freed (fresh pages, and page faults, on every call)
    import kpicore.summary
    from kpicore.summary import Summary

    set_threads(2)
    where: dict[str, str] = {}
    real_quantiles = kpicore.summary.linear_quantiles
    real_sum = kpicore.summary.exact_sum

    def quantiles(values: Any, qs: Any, **kw: Any) -> list[float]:
        where["quantiles"] = threading.current_thread().name
        return real_quantiles(values, qs, **kw)

    def total(values: Any) -> float:
        where["mean"] = threading.current_thread().name
        time.sleep(0.05)  # a slow mean: were it the first job, the pool would take the other
        return real_sum(values)

    monkeypatch.setattr(kpicore.summary, "linear_quantiles", quantiles)
    monkeypatch.setattr(kpicore.summary, "exact_sum", total)
    s = Summary.of([float(v) for v in range(1, 102)], percentiles=[10])
    assert s.mean == 51.0
    # the first job stays on the calling thread (the mean goes to whichever thread is
    # free first: either, with so few values)
    assert where["quantiles"] == threading.current_thread().name
    assert "mean" in where
