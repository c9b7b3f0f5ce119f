"""Small helpers shared by the robust-optimisation models: solve a model and read a bound."""
from __future__ import annotations

import math
import time

import optlib


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
              rel_gap: float | None = 1e-9) -> optlib.Result:
    """Solve `model` on `backend` (single thread) and return the optlib Result unchanged."""
    if time_limit is not None:
        time_limit = max(float(time_limit), 0.05)
    return model.solve(backend=backend, time_limit=time_limit, rel_gap=rel_gap, threads=1)


def remaining(deadline: float | None) -> float | None:
    """Seconds left until `deadline` (a time.perf_counter() value), or None without one."""
    if deadline is None:
        return None
    return max(deadline - time.perf_counter(), 0.0)


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
