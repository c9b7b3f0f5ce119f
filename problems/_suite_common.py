"""What the method benchmark suites (`problems/<method>/suite.py`) share: turning a method's
answer (an `optlib.Answer`) into a suite outcome, a failed run into status 'ERROR', the
'quick' / 'paper' check, locating data files and reporting missing optional packages.

A suite subclasses `MethodSuite`, lists its runs in `_runs(which, data)` and names one handler
per method in `handlers`: handler(run) -> outcome dict. `execute` never raises: any exception
of a handler becomes {'status': 'ERROR', 'message': 'TypeName: text'}.
"""
from __future__ import annotations

import importlib.util
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from optlib.suites.base import Run

WHICH = ("quick", "paper")          # every method suite's sets; a suite may add study sets in `sets`

#: the install command printed when an optional package is missing (one wording everywhere)
INSTALL = {"torch": "pip install torch==2.13.0", "PIL": "pip install optlib[images]"}


def check_which(which: Any, sets: tuple[str, ...] = WHICH) -> str:
    """`which` itself when it is one of `sets`; ValueError naming the argument otherwise."""
    if not isinstance(which, str) or which not in sets:
        raise ValueError(f"which must be one of {', '.join(sets)}, got {which!r}")
    return which


def number(value: Any) -> float | None:
    """A finite float, or None (no value, NaN or +-inf: JSON cannot hold them)."""
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def from_answer(answer: Any, **extra: Any) -> dict[str, Any]:
    """The outcome fields of an `optlib.Answer`: status (its name), objective, bound, gap,
    verified, message (the answer's message or stop reason), limit_reached; plus `extra`."""
    status = getattr(answer, "status", None)
    message = getattr(answer, "message", "") or getattr(answer, "stop_reason", "") or ""
    out = {"status": getattr(status, "name", str(status)),
           "objective": number(getattr(answer, "objective", None)),
           "bound": number(getattr(answer, "bound", None)),
           "gap": number(getattr(answer, "gap", None)),
           "verified": bool(getattr(answer, "verified", False)),
           "message": str(message),
           "limit_reached": getattr(answer, "limit_reached", None)}
    out.update(extra)
    return out


def error_outcome(exc: BaseException) -> dict[str, Any]:
    """status 'ERROR' with the exception's type and text as the message."""
    return {"status": "ERROR", "objective": None, "bound": None, "gap": None, "verified": False,
            "message": f"{type(exc).__name__}: {exc}"}


def missing_package(module: str) -> str | None:
    """None when `module` can be imported, else the sentence naming the install command."""
    if importlib.util.find_spec(module) is not None:
        return None
    return f"{module} is not installed: {INSTALL.get(module, f'pip install {module}')}"


def locate(relpath: str, data: str | os.PathLike | None = None) -> Path:
    """The file `relpath` (e.g. 'scoring/heart.csv', a '.gz' beside it also counts) under `data`,
    then $OPTLIB_DATA, then the data shipped in optlib.datasets. FileNotFoundError naming the
    file and where to get it otherwise."""
    try:
        from optlib.datasets.files import data_path
    except ImportError:
        data_path = None
    if data_path is not None:
        return Path(data_path(relpath, data))
    roots = [Path(p) for p in (data, os.environ.get("OPTLIB_DATA")) if p]
    roots.append(Path(__file__).resolve().parents[1] / "optlib" / "datasets")
    for root in roots:
        for cand in (root / relpath, root / (relpath + ".gz")):
            if cand.exists():
                return cand
    raise FileNotFoundError(f"data file {relpath!r} not found under {', '.join(map(str, roots))}; "
                            f"put it under --data DIR or $OPTLIB_DATA (source: {_source(relpath)})")


def _source(relpath: str) -> str:
    try:
        from optlib.datasets.catalog import source_of
    except ImportError:
        return "see optlib/datasets/DATA.md"
    return source_of(relpath)


class MethodSuite:
    """Base of the method suites: `runs` checks `which` and delegates to `_runs`; `execute`
    dispatches on run.method to `handlers` and turns any exception into status 'ERROR'."""

    name: str = ""
    handlers: dict[str, str] = {}           # method name -> name of the handler method
    sets: tuple[str, ...] = WHICH           # quick, paper and any study set the suite adds

    def runs(self, which: str = "quick", data: str | None = None) -> list[Run]:
        """The runs of the set `which` (one of `sets`; see the suite's module docstring)."""
        return self._runs(check_which(which, self.sets), data)

    def _runs(self, which: str, data: str | None) -> list[Run]:
        raise NotImplementedError

    def missing(self, runs: list[Run]) -> list[str]:
        """Sentences naming the optional packages `runs` need that are not installed (empty: none)."""
        return []

    def execute(self, run: Run) -> dict[str, Any]:
        """The outcome of `run` (OUTCOME_FIELDS plus method-specific extras); never raises for a
        failed solve: status 'ERROR' with the message."""
        try:
            if not isinstance(run, Run) or run.suite != self.name:
                raise ValueError(f"run must be a Run of suite {self.name!r}, got {run!r}")
            handler: Callable[[Run], dict] | None = getattr(self, self.handlers.get(run.method, ""), None)
            if handler is None:
                raise ValueError(f"suite {self.name!r} has no method {run.method!r}; "
                                 f"known: {', '.join(sorted(self.handlers))}")
            return handler(run)
        except Exception as exc:  # noqa: BLE001 - a failed run is an outcome, not a crash
            return error_outcome(exc)
