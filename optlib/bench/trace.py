"""Traces of a run's progress: (seconds, objective, bound) points recorded while a method works,
kept in the run's record (record['extra']['trace']) for gap-over-time plots
(optlib.bench.gaptime).

    rec = TraceRecorder()                     # the clock starts here
    answer = ccg(instance, progress=rec)      # a callable progress= sink: each step's incumbent and bound
    outcome = {..., "trace": rec.points}      # [[seconds, objective, bound], ...]

A point's objective is the incumbent (the best value found so far, in the method's own sense)
and its bound the best proven bound; either may be None (not known yet). The relative gap at a
point is optlib.relative_gap(objective, bound). The recorder takes them from the structured
fields of `optlib.progress.Reporter.step` (`incumbent` or `objective`, and `bound`); the text
lines a Reporter also sends are ignored. Repeated points (same objective and bound) are kept once.
"""
from __future__ import annotations

import math
import time
from typing import Any, Mapping

__all__ = ["TraceRecorder", "clean_trace", "TRACE_KEY"]

#: the outcome / extra key a trace is stored under
TRACE_KEY = "trace"


def _number(v: Any) -> float | None:
    """A float for numbers and 'inf' / '-inf' strings (as records store them); None otherwise."""
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, str):
        return {"inf": math.inf, "-inf": -math.inf}.get(v.strip().lower())
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


class TraceRecorder:
    """A progress sink that keeps (seconds since it was made, incumbent, bound) points.

    Pass it as `progress=` to a method that reports steps through optlib.progress (it is a
    callable, so `check_progress` accepts it); `record(objective, bound)` adds a point by hand."""

    def __init__(self, max_points: int = 10_000) -> None:
        if isinstance(max_points, bool) or not isinstance(max_points, int) or max_points < 2:
            raise ValueError(f"max_points must be an integer >= 2, got {max_points!r}")
        self.t0 = time.perf_counter()
        self.max_points = max_points
        self.points: list[list[float | None]] = []

    def __call__(self, line: str) -> None:
        """A text line from a Reporter: ignored (the numbers come through on_step)."""

    def on_step(self, fields: Mapping[str, Any]) -> None:
        """One Reporter step: records a point when it carries an incumbent / objective or a bound."""
        obj = fields.get("incumbent", fields.get("objective"))
        bound = fields.get("bound")
        if obj is None and bound is None:
            return
        self.record(_number(obj), _number(bound))

    def record(self, objective: float | None, bound: float | None, seconds: float | None = None) -> None:
        """Add the point (seconds, objective, bound); seconds default to the time since the recorder
        was made. A point equal to the last one in objective and bound is skipped; past max_points
        the last point is overwritten (the trace keeps its start and its latest state)."""
        t = time.perf_counter() - self.t0 if seconds is None else float(seconds)
        obj, b = _number(objective), _number(bound)
        if self.points and self.points[-1][1:] == [obj, b]:
            return
        point = [t, obj, b]
        if len(self.points) >= self.max_points:
            self.points[-1] = point
        else:
            self.points.append(point)


def clean_trace(trace: Any, name: str = "trace") -> list[list[float | None]]:
    """`trace` as a list of [seconds, objective, bound] with floats (or None for an unknown value;
    'inf' / '-inf' strings, as JSON records hold infinities, become floats; numpy numbers become
    floats). ValueError naming `name` and the point for anything else, or for seconds that are
    not finite and >= 0."""
    if not isinstance(trace, (list, tuple)) and not (hasattr(trace, "tolist") and getattr(trace, "ndim", 0) == 2):
        raise ValueError(f"{name} must be a list of [seconds, objective, bound] points, got {type(trace).__name__}")
    if hasattr(trace, "tolist"):
        trace = trace.tolist()
    out: list[list[float | None]] = []
    for i, p in enumerate(trace):
        if not isinstance(p, (list, tuple)) and hasattr(p, "tolist"):
            p = p.tolist()
        if not isinstance(p, (list, tuple)) or len(p) != 3:
            raise ValueError(f"{name}[{i}] must be [seconds, objective, bound], got {p!r}")
        t = _number(p[0])
        if t is None or not math.isfinite(t) or t < 0:
            raise ValueError(f"{name}[{i}]: seconds must be a finite number >= 0, got {p[0]!r}")
        vals = []
        for label, v in (("objective", p[1]), ("bound", p[2])):
            x = _number(v)
            if x is None and v is not None and not (isinstance(v, float) and math.isnan(v)):
                raise ValueError(f"{name}[{i}]: {label} must be a number or null, got {v!r}")
            vals.append(x)
        out.append([t, *vals])
    return out
