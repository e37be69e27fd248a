"""How many threads kpicore may use.

A KPI computed from an event log needs several independent per-invoice
columns -- the first settlement event of each invoice, the covering payment,
the collection letters, the due dates... Most of the work in each is inside
numpy, which releases the GIL, so kpicore computes independent columns on
several threads at once, the way polars and duckdb use every core by
default. The numbers never depend on the thread count: each column is
computed by one thread, in one way, and kept.

The default is the machine's core count, at most 4 (a KPI has only a few
independent columns). Set it with :func:`set_threads` or the environment
variable ``KPICORE_THREADS`` (read when first needed); ``1`` computes
everything on the calling thread -- what to use inside a process pool or a
Dask worker that already keeps every core busy.

Examples
--------
>>> from kpicore.threads import get_threads, set_threads
>>> set_threads(1); get_threads()
1
>>> set_threads(None)  # back to the default
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from kpicore.errors import InvalidParameterError

__all__ = ["get_threads", "set_threads"]

#: The most threads the default uses (a KPI has a few independent columns).
DEFAULT_MAX_THREADS = 4

_lock = threading.Lock()
_setting: int | None = None
_pool: ThreadPoolExecutor | None = None
_pool_workers = 0


def _check(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidParameterError(f"{name}: expected a whole number >= 1, got {value!r}")
    return value


def get_threads() -> int:
    """The number of threads kpicore may use (see the module notes).

    Raises
    ------
    InvalidParameterError
        When ``KPICORE_THREADS`` is set to anything but a whole number >= 1.

    Examples
    --------
    >>> get_threads() >= 1
    True
    """
    if _setting is not None:
        return _setting
    env = os.environ.get("KPICORE_THREADS", "").strip()
    if env:
        try:
            value: object = int(env)
        except ValueError:
            value = env
        return _check(value, "KPICORE_THREADS")
    return max(1, min(os.cpu_count() or 1, DEFAULT_MAX_THREADS))


def set_threads(n: int | None) -> None:
    """Let kpicore use ``n`` threads (``None``: back to the default).

    Raises
    ------
    InvalidParameterError
        For anything but a whole number >= 1 or None.

    Examples
    --------
    >>> set_threads(2); get_threads()
    2
    >>> set_threads(0)
    Traceback (most recent call last):
    ...
    kpicore.errors.InvalidParameterError: set_threads: expected a whole number >= 1, got 0
    >>> set_threads(None)
    """
    global _setting
    _setting = None if n is None else _check(n, "set_threads")


_local = threading.local()  # .worker: this thread is one of kpicore's


def _as_worker(job: Callable[[], object]) -> object:
    _local.worker = True
    return job()


def _executor(workers: int) -> ThreadPoolExecutor:
    global _pool, _pool_workers
    with _lock:
        if _pool is None or _pool_workers != workers:
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kpicore")
            _pool_workers = workers
        return _pool


def _forget_pool() -> None:  # a forked child has none of its parent's threads
    global _pool, _pool_workers
    _pool, _pool_workers = None, 0


if hasattr(os, "register_at_fork"):  # pragma: no branch - POSIX
    os.register_at_fork(after_in_child=_forget_pool)


#: Below this many rows (events) the jobs run on the calling thread: handing them to
#: a thread costs more than it saves.
MIN_PARALLEL_ROWS = 100_000


def run_all(jobs: Sequence[Callable[[], object]], *, rows: int | None = None) -> None:
    """Run every job, on up to :func:`get_threads` threads (the caller's included);
    return when all are done. A job's error is raised after every job ended: the
    first failing job's, in the order given, so the error does not depend on timing.

    Jobs are meant to compute and keep independent columns (cached properties,
    memoised values); what they return is dropped. The calling thread runs the
    first (put the heaviest first); the others are taken in the order given by
    whichever thread is free, so several small jobs balance the threads' work.
    ``rows``: the size of the data they work on; below :data:`MIN_PARALLEL_ROWS`
    they run on the calling thread.

    Examples
    --------
    >>> seen = []
    >>> run_all([lambda: seen.append(1), lambda: seen.append(2)])
    >>> sorted(seen)
    [1, 2]
    """
    n = get_threads()
    # a worker never waits for the pool (its jobs could queue behind it): nested calls
    # run on the calling thread
    inline = n <= 1 or len(jobs) <= 1 or getattr(_local, "worker", False)
    inline = inline or (rows is not None and rows < MIN_PARALLEL_ROWS)
    errors: list[BaseException | None] = [None] * len(jobs)
    if inline:
        for k, job in enumerate(jobs):
            errors[k] = _attempt(job)
    else:
        order = iter(range(len(jobs)))
        take = threading.Lock()

        def drain() -> None:
            while True:
                with take:
                    k = next(order, -1)
                if k < 0:
                    return
                errors[k] = _attempt(jobs[k])

        # the caller claims the first job before any helper starts: the heaviest job
        # goes first and stays on the calling thread (whose allocations are cheaper
        # than a pool thread's: glibc gives each thread an arena of its own, trimmed
        # back to the OS, so a worker's fresh arrays page-fault more)
        first = next(order)
        pool = _executor(n - 1)
        helpers = [pool.submit(_as_worker, drain) for _ in range(min(n, len(jobs)) - 1)]
        errors[first] = _attempt(jobs[first])
        drain()
        for fut in helpers:
            if not fut.cancel():  # a helper not started yet (pool busy) is not waited for
                fut.result()  # drain() itself never raises
    for error in errors:
        if error is not None:
            raise error


def _attempt(job: Callable[[], object]) -> BaseException | None:
    try:
        job()
    except BaseException as exc:  # re-raised by run_all once every job has ended
        return exc
    return None
