"""Sweeps: execute the runs of a suite on an executor and append one tidy record per run.

    runs = plan_runs(get_suite("dag"), "quick", time_limit=60, seeds=3)
    records = run_sweep(runs, "out.jsonl", executor="dask", workers=4, resume=True)

Each task is one `Run`: the worker calls `get_suite(run.suite).execute(run)` and measures wall
and CPU seconds (time.perf_counter / time.process_time of the worker process) and the peak
memory of the worker process (optlib.bench.records.PeakMemory). The record is written to the
results file by this process as soon as it comes back (flushed), so a killed sweep loses only
the runs in flight; `resume` skips every run whose key is already in the file with a status.
"""
from __future__ import annotations

import dataclasses
import math
import os
import pickle
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from .executors import make_executor
from .records import PeakMemory, RecordWriter, make_record, now_iso, read_records
from ..suites.base import check_set


# -- the worker side ----------------------------------------------------------------------------
_SUITES: dict[tuple[str, Any], Any] = {}


def _suite(name: str, factory: Callable[[], Any] | None) -> Any:
    """The suite `name` in this process (made once): from `factory` when the parent shipped one
    (a suite registered at run time is not known to a fresh worker), else get_suite."""
    key = (name, factory)
    if key not in _SUITES:
        if factory is not None:
            _SUITES[key] = factory()
        else:
            from ..suites import get_suite

            _SUITES[key] = get_suite(name)
    return _SUITES[key]


def execute_run(task: Any) -> dict[str, Any]:
    """Execute one run (or a (run, suite factory) pair) and return its tidy record. Never
    raises for a failed run: an exception from the suite becomes status 'ERROR' with the message."""
    run, factory = task if isinstance(task, tuple) else (task, None)
    mem = PeakMemory()
    started = now_iso()
    mem.start()
    c0, t0 = time.process_time(), time.perf_counter()
    try:
        outcome = _suite(run.suite, factory).execute(run)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:   # a bug in a suite must not end the sweep
        outcome = {"status": "ERROR", "message": f"{type(exc).__name__}: {' '.join(str(exc).split())}"}
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return make_record(run, outcome, wall_s=wall, cpu_s=cpu, peak_memory_mb=mem.peak_mb(),
                       memory_source=mem.source, started_at=started)


def suite_factory(name: str) -> Callable[[], Any] | None:
    """The factory registered for suite `name` if it can be pickled to a worker by reference
    (a module-level class or function), else None (the worker then looks the name up itself,
    e.g. through the `optlib.suites` entry points)."""
    from ..suites import base

    base.suite_names()                   # registers the built-in and entry-point suites
    factory = base._SUITES.get(name)
    if factory is None:
        return None
    try:
        pickle.dumps(factory)
    except Exception:
        return None
    return factory


# -- planning -----------------------------------------------------------------------------------
def plan_runs(suite: Any, which: str = "quick", data: str | None = None, *, time_limit: float | None = None,
              seeds: int | None = None, backends: Sequence[str] | None = None) -> list[Any]:
    """The runs of `suite` for `which` (one of its sets: 'quick', 'paper', ...), with the command-line overrides:
    `time_limit` (put in each run's options), `seeds` (each run repeated with seeds
    0..seeds-1) and `backends` (keep runs whose backend is one of these, or has none).
    Duplicate keys are dropped (the first is kept). A suite's `missing(runs)` (optional: the
    optional packages the runs need that are not installed) raises MissingPackage here,
    before any run starts."""
    check_set(suite, which)
    if seeds is not None and (isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1):
        raise ValueError(f"seeds must be a positive integer, got {seeds!r}")
    runs = list(suite.runs(which, data))
    if backends is not None:
        keep = set(backends)
        runs = [r for r in runs if not r.backend or r.backend in keep]
    if time_limit is not None:
        runs = [dataclasses.replace(r, options={**r.options, "time_limit": time_limit}) for r in runs]
    if seeds is not None:
        runs = [dataclasses.replace(r, seed=s) for r in runs for s in range(seeds)]
    seen: set[str] = set()
    out = []
    for r in runs:
        if r.key not in seen:
            seen.add(r.key)
            out.append(r)
    check = getattr(suite, "missing", None)        # optional packages, before any work starts
    lacking = list(check(out)) if callable(check) else []
    if lacking:
        raise MissingPackage("; ".join(lacking))
    return out


class MissingPackage(RuntimeError):
    """A run of the sweep needs an optional package that is not installed."""


# -- progress -----------------------------------------------------------------------------------
def run_label(rec: dict[str, Any]) -> str:
    """'instance on backend' for a plain backend run, 'instance: method (backend)' otherwise."""
    method, backend = rec.get("method", ""), rec.get("backend", "")
    seed = f" seed {rec['seed']}" if rec.get("seed") else ""
    if method in ("", "backend"):
        return f"{rec.get('instance')}{seed} on {backend}"
    return f"{rec.get('instance')}{seed}: {method}" + (f" ({backend})" if backend else "")


def outcome_text(rec: dict[str, Any]) -> str:
    status, msg = rec.get("status", ""), rec.get("message", "")
    if status == "n/a":
        return f"n/a ({msg})"
    wall = rec.get("wall_s")
    out = f"{status} in {wall:.1f} s" if isinstance(wall, (int, float)) and math.isfinite(wall) else status
    return out + (f" ({msg})" if status == "ERROR" and msg else "")


class Progress:
    """A tqdm bar on stderr when tqdm is installed and stderr is a terminal; otherwise one line
    per finished run ('[3/9] afiro on highs ... OPTIMAL in 0.0 s'); nothing when disabled."""

    def __init__(self, total: int, enabled: bool = True, stream: Any = None) -> None:
        self.total, self.done, self.enabled = total, 0, enabled
        self.stream = stream or sys.stderr
        self._bar = None
        if enabled and total and getattr(self.stream, "isatty", lambda: False)():
            try:
                from tqdm import tqdm

                self._bar = tqdm(total=total, file=self.stream, unit="run", dynamic_ncols=True)
            except ImportError:
                self._bar = None

    def update(self, rec: dict[str, Any]) -> None:
        self.done += 1
        if not self.enabled:
            return
        line = f"[{self.done}/{self.total}] {run_label(rec)} ... {outcome_text(rec)}"
        if self._bar is not None:
            if rec.get("status") in ("ERROR", "n/a"):
                self._bar.write(line, file=self.stream)
            self._bar.set_postfix_str(f"{run_label(rec)}: {rec.get('status')}", refresh=False)
            self._bar.update(1)
        else:
            print(line, file=self.stream, flush=True)

    def note(self, text: str) -> None:
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.write(text, file=self.stream)
        else:
            print(text, file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


# -- the sweep ----------------------------------------------------------------------------------
@dataclasses.dataclass
class SweepResult:
    """The records of the planned runs (earlier ones from the file first when resuming, then this
    session's in completion order), how many were skipped as already done, and whether the
    sweep was interrupted."""

    records: list[dict[str, Any]]
    skipped: int = 0
    ran: int = 0
    interrupted: bool = False
    warnings: list[str] = dataclasses.field(default_factory=list)


def run_sweep(runs: Sequence[Any], out: str | os.PathLike | None = None, *, executor: str = "local",
              workers: int | None = None, scheduler: str | None = None, resume: bool = False,
              progress: bool | Progress = False, on_record: Callable[[dict[str, Any]], None] | None = None,
              ) -> SweepResult:
    """Execute `runs` on `executor` and append each record to `out` (JSON lines) as it comes back.

    `resume`: read `out` first and skip the runs whose key is there with a status (a half-written
    last line is cut with a warning). Without `resume`, `out` is started afresh. A KeyboardInterrupt
    stops the sweep and returns what finished (interrupted=True); those records are in `out`."""
    runs = list(runs)
    warnings: list[str] = []
    earlier: list[dict[str, Any]] = []
    if resume and out is not None and Path(out).exists():
        old, warnings = read_records(out, repair=True)
        wanted = {r.key for r in runs}
        by_key = {r["key"]: r for r in old if r.get("key") in wanted and r.get("status")}
        earlier = [by_key[r.key] for r in runs if r.key in by_key]
        runs = [r for r in runs if r.key not in by_key]
    bar = progress if isinstance(progress, Progress) else Progress(len(runs), enabled=bool(progress))
    for w in warnings:
        bar.note(f"warning: {w}")
    if earlier:
        bar.note(f"resuming {out}: {len(earlier)} runs already done, {len(runs)} to run")
    factories = {name: suite_factory(name) for name in {r.suite for r in runs}}
    tasks = ((r, factories[r.suite]) if factories[r.suite] is not None else r for r in runs)
    fresh: list[dict[str, Any]] = []
    writer = None
    interrupted = False
    try:
        if not runs and out is not None and not resume:
            RecordWriter(out, append=False).close()
        if runs:
            with make_executor(executor, workers, scheduler) as ex:   # started before `out` is touched
                writer = RecordWriter(out, append=resume) if out is not None else None
                for _task, rec in ex.map_unordered(execute_run, tasks):
                    if writer is not None:
                        writer.write(rec)
                    fresh.append(rec)
                    bar.update(rec)
                    if on_record is not None:
                        on_record(rec)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
        if writer is not None:
            writer.close()
    return SweepResult(records=earlier + fresh, skipped=len(earlier), ran=len(fresh), interrupted=interrupted,
                       warnings=warnings)


def order_like(records: Iterable[dict[str, Any]], runs: Sequence[Any]) -> list[dict[str, Any]]:
    """`records` in the order of `runs` (by key); records of other runs follow."""
    rank = {r.key: i for i, r in enumerate(runs)}
    return sorted(records, key=lambda rec: rank.get(rec.get("key"), len(rank)))
