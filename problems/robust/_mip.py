"""Small helpers shared by the robust-optimisation models: solve a model, check the call's arguments."""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import optlib
from optlib.options import method_options

RESERVED_OPTIONS = ("time_limit", "deadline", "backend", "options")   # set by the methods themselves


class TimeLimitReached(RuntimeError):
    """A sub-problem stopped at its time limit before it had any solution."""


def checked_solution(res: optlib.Result, what: str) -> optlib.Result:
    """`res` if it holds a solution; TimeLimitReached after a limit, RuntimeError otherwise."""
    if res.status.has_solution:
        return res
    if res.status is optlib.Status.NO_SOLUTION:
        raise TimeLimitReached(f"{what} stopped at its time limit without a solution")
    raise RuntimeError(f"{what} ended with status {res.status.name}: {res.message}")


def solve_mip(model: optlib.Model, backend: str, time_limit: float | None = None,
              rel_gap: float | None = 1e-9, options: Mapping[str, Any] | None = None, **solve_kw: Any) -> optlib.Result:
    """Solve `model` on `backend` (single thread unless `options` say otherwise) and return the optlib Result
    unchanged; `options` go to `Model.solve` as keywords (backend options), a time limit is at least 0.05 s."""
    if time_limit is not None:
        time_limit = max(float(time_limit), 0.05)
    kw = {"rel_gap": rel_gap, "threads": 1, **solve_kw, **(options or {})}
    return model.solve(backend=backend, time_limit=time_limit, **kw)


def check_options(options: Mapping[str, Any] | None) -> dict[str, Any]:
    """The backend options of a method as a dict (None: none); ValueError naming `options` otherwise."""
    return method_options(options, "the method", reserved=RESERVED_OPTIONS)


def check_backend(backend: Any) -> str:
    """A backend name ('highs', 'scip', ...); ValueError naming `backend` otherwise."""
    if not isinstance(backend, str) or not backend:
        raise ValueError(f"backend must be a backend name such as 'highs', got {backend!r}")
    return backend


def left(deadline: optlib.Deadline, cap: float | None = None, floor: float = 0.05) -> float | None:
    """The time limit for the next solve: what `deadline` leaves (at least `floor`), at most `cap`; None
    when neither limits it."""
    rem = deadline.left(floor=floor)
    if cap is None:
        return rem
    return max(min(cap, rem), floor) if rem is not None else cap


def check_time_limit(time_limit: float | None, name: str = "time_limit") -> float | None:
    """Validate a positive time limit in seconds (None means no limit)."""
    if time_limit is None:
        return None
    if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) or not 0 < time_limit < math.inf:
        raise ValueError(f"{name} must be a positive number of seconds, got {time_limit!r}")
    return float(time_limit)


def binary_vector(x, n: int, name: str = "x"):
    """x as a float 0/1 vector of length n (ValueError naming `name` otherwise)."""
    import numpy as np

    arr = np.asarray(x, dtype=float).ravel()
    if arr.size != n or not np.all(np.isfinite(arr)) or np.any(np.abs(arr - np.round(arr)) > 1e-6) \
            or np.any((arr < -1e-6) | (arr > 1 + 1e-6)):
        raise ValueError(f"{name} must be a 0/1 vector of length {n}")
    return np.round(arr)
