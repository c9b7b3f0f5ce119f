"""What a benchmark suite is: a list of runs (each one method or backend on one instance, with
one seed and options) and a function that executes one run and returns its outcome.

    suite = get_suite("dag")
    runs = suite.runs("quick")                  # or "paper"; data=DIR for larger sets
    outcome = suite.execute(runs[0])            # {'status': 'OPTIMAL', 'objective': ..., ...}

A `Run` is a small frozen, picklable value, so executors (one process, a process pool, Dask)
can ship it anywhere; its `key` names it for `--resume`. The runner (optlib.bench) adds timing,
memory, versions and the machine to the outcome and writes the tidy record.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, runtime_checkable

#: the fields an outcome may hold (others go under 'extra')
OUTCOME_FIELDS = ("status", "objective", "bound", "gap", "verified", "baseline", "message")


@dataclass(frozen=True)
class Run:
    """One unit of work of a suite: `method` (a method name, e.g. 'TOPO', or 'backend' for a plain
    backend solve) on `instance` with `backend`, `seed` and `options` (JSON-serialisable)."""

    suite: str
    instance: str
    method: str
    backend: str = ""
    seed: int = 0
    options: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def key(self) -> str:
        """A stable identifier: the same run gets the same key in every session (for --resume)."""
        opts = json.dumps(self.options, sort_keys=True, default=str)
        return f"{self.suite}|{self.instance}|{self.method}|{self.backend}|{self.seed}|{opts}"


@runtime_checkable
class Suite(Protocol):
    """A benchmark suite: `name`, `runs(which, data)` and `execute(run)`.

    `which` is one of the suite's `sets`: 'quick' (minutes on 2 cores), 'paper' (the settings
    of the paper's tables) and any study set the suite adds (a suite without `sets` has these two);
    `data` a folder for larger data sets (None: the data shipped with optlib, or OPTLIB_DATA).
    `execute` returns a dict with the OUTCOME_FIELDS it knows (status as an optlib.Status
    name, objective, bound, gap, verified, baseline = the exact/reference method's objective on
    the instance when the suite runs one, message) plus anything else, and never raises for a
    failed solve (status 'ERROR' with the message)."""

    name: str

    def runs(self, which: str = "quick", data: str | None = None) -> list[Run]: ...

    def execute(self, run: Run) -> dict[str, Any]: ...


DEFAULT_SETS = ("quick", "paper")


def suite_sets(suite: Any) -> tuple[str, ...]:
    """The names of the run sets `suite` offers: its `sets` attribute, else quick and paper."""
    sets = getattr(suite, "sets", None)
    return tuple(sets) if sets else DEFAULT_SETS


def check_set(suite: Any, which: Any) -> str:
    """`which` itself when `suite` offers that set; ValueError naming the argument and the sets otherwise."""
    sets = suite_sets(suite)
    if not isinstance(which, str) or which not in sets:
        raise ValueError(f"which must be one of {', '.join(map(repr, sets))} "
                         f"(the sets of suite {getattr(suite, 'name', '?')!r}), got {which!r}")
    return which


_SUITES: dict[str, Callable[[], Suite]] = {}


def register_suite(name: str, factory: Callable[[], Suite]) -> None:
    """Make `factory()` available as suite `name` (`optlib bench NAME`)."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"a suite name must be an identifier, got {name!r}")
    _SUITES[name] = factory


def suite_names() -> list[str]:
    _load_builtin()
    return sorted(_SUITES)


def get_suite(name: str) -> Suite:
    """The suite called `name`; ValueError listing the known ones otherwise."""
    _load_builtin()
    if name not in _SUITES:
        raise ValueError(f"unknown benchmark suite {name!r}; known: {', '.join(sorted(_SUITES))}")
    return _SUITES[name]()


#: entry-point group through which packages (optlib's own `problems`, or a third party) add suites
ENTRY_POINT_GROUP = "optlib.suites"
_loaded = False


def _load_builtin() -> None:
    """Register optlib's file suite and every suite declared in the `optlib.suites` entry-point
    group (the method suites live beside their methods in `problems/`, which optlib does not
    import by name)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    import importlib
    import importlib.metadata

    try:
        importlib.import_module("optlib.suites.mps")
    except ModuleNotFoundError as exc:
        if exc.name != "optlib.suites.mps":
            raise
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.name not in _SUITES:
            _SUITES[ep.name] = _lazy(ep)


def _lazy(ep: Any) -> Callable[[], Suite]:
    def make() -> Suite:
        return ep.load()()
    return make
