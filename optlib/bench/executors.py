"""Where the runs of a sweep execute: in this process, in a pool of processes on this machine,
or on a Dask cluster (a LocalCluster, or an existing one at tcp://HOST:PORT).

    with make_executor("dask", workers=4) as ex:          # or "local", "processes"
        for item, result in ex.map_unordered(fn, items):  # in completion order
            ...

`fn` must be a module-level function (it is pickled to the workers) and `items` picklable.
At most a few tasks per worker are in flight at once, so an iterator of 250,000 items is
consumed as the workers free up, not submitted at once. An exception raised by `fn` is
raised again here (the sweep runner's worker function never raises for a failed run).
Any executor is usable by other long loops of independent work (e.g. Neur2RO's data generation).
"""
from __future__ import annotations

import itertools
import logging
import os
from typing import Any, Callable, Iterable, Iterator, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")

EXECUTORS = ("local", "processes", "dask")
#: the one install command for the dask executor (pyproject extra `dask`)
DASK_INSTALL = "pip install optlib[dask]"


class ExecutorUnavailable(ImportError):
    """The executor asked for cannot run here (a missing package, an unreachable scheduler)."""


class Executor(Protocol):
    name: str
    workers: int

    def map_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R]]: ...

    def close(self) -> None: ...


class _Base:
    name = "local"
    workers = 1

    def close(self) -> None:
        pass

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def describe(self) -> str:
        return self.name


class LocalExecutor(_Base):
    """Runs each item in this process, in order."""

    name = "local"
    workers = 1

    def map_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R]]:
        for item in items:
            yield item, fn(item)


class ProcessExecutor(_Base):
    """A concurrent.futures.ProcessPoolExecutor with `workers` processes (default: cpu count)."""

    name = "processes"

    def __init__(self, workers: int | None = None) -> None:
        from concurrent.futures import ProcessPoolExecutor

        self.workers = _check_workers(workers)
        self._pool = ProcessPoolExecutor(max_workers=self.workers)

    def map_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R]]:
        from concurrent.futures import FIRST_COMPLETED, wait

        it = iter(items)
        pending = {self._pool.submit(fn, item): item for item in itertools.islice(it, 2 * self.workers)}
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    item = pending.pop(fut)
                    for nxt in itertools.islice(it, 1):
                        pending[self._pool.submit(fn, nxt)] = nxt
                    yield item, fut.result()
        finally:
            for fut in pending:
                fut.cancel()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def describe(self) -> str:
        return f"processes ({self.workers} workers)"


class DaskExecutor(_Base):
    """dask.distributed: `Client(scheduler)` for an existing cluster, else a LocalCluster of
    `workers` processes with one thread each (default: cpu count). Raises ExecutorUnavailable
    (naming `pip install optlib[dask]`) when dask.distributed is missing, or when the scheduler
    cannot be reached, before any work is submitted."""

    name = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None) -> None:
        distributed = require_dask()
        self._cluster = None
        if scheduler:
            try:
                self._client = distributed.Client(scheduler, timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise ExecutorUnavailable(f"cannot reach the Dask scheduler at {scheduler}: "
                                          f"{' '.join(str(exc).split()) or type(exc).__name__}") from None
            info = self._client.scheduler_info()
            self.workers = max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))
            self._where = scheduler
        else:
            self.workers = _check_workers(workers)
            self._cluster = distributed.LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                                     processes=True, dashboard_address=None,
                                                     silence_logs=logging.ERROR)
            self._client = distributed.Client(self._cluster)
            self._where = "LocalCluster"
        self._distributed = distributed

    def map_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R]]:
        it = iter(items)
        pending: dict[Any, T] = {}

        def submit(item: T) -> Any:
            fut = self._client.submit(fn, item, pure=False)
            pending[fut] = item
            return fut

        first = [submit(item) for item in itertools.islice(it, 2 * self.workers)]
        ac = self._distributed.as_completed(first)
        try:
            for fut in ac:
                item = pending.pop(fut)
                for nxt in itertools.islice(it, 1):
                    ac.add(submit(nxt))
                result = fut.result()
                fut.release()
                yield item, result
        finally:
            for fut in list(pending):
                fut.cancel()

    def close(self) -> None:
        try:
            self._client.close()
        finally:
            if self._cluster is not None:
                self._cluster.close()

    def describe(self) -> str:
        return f"dask ({self._where}, {self.workers} workers)"


def require_dask() -> Any:
    """Import dask.distributed, or raise ExecutorUnavailable with the install command."""
    try:
        import distributed
    except ImportError as exc:
        raise ExecutorUnavailable(f"--executor dask needs dask.distributed, which is not installed: "
                                  f"{DASK_INSTALL}") from exc
    return distributed


def _check_workers(workers: int | None) -> int:
    if workers is None:
        return max(1, os.cpu_count() or 1)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    return workers


def check_executor(name: str, workers: int | None = None, scheduler: str | None = None) -> None:
    """Raise (ValueError for bad arguments, ExecutorUnavailable for a missing package) before
    any work, without starting anything."""
    if name not in EXECUTORS:
        raise ValueError(f"executor must be one of {', '.join(EXECUTORS)}, got {name!r}")
    if workers is not None:
        _check_workers(workers)
    if scheduler and name != "dask":
        raise ValueError(f"scheduler applies to executor 'dask' only (got executor {name!r})")
    if workers is not None and name == "local" and workers != 1:
        raise ValueError("workers applies to executors 'processes' and 'dask' (executor 'local' runs one at a time)")
    if name == "dask":
        require_dask()


def make_executor(name: str = "local", workers: int | None = None, scheduler: str | None = None) -> Any:
    """An executor by name ('local', 'processes' or 'dask'); see the module docstring."""
    check_executor(name, workers, scheduler)
    if name == "local":
        return LocalExecutor()
    if name == "processes":
        return ProcessExecutor(workers)
    return DaskExecutor(workers, scheduler)
