"""Gap over time: the mean relative gap of each group of runs as a function of time, from
tidy records and their traces, and its plot (`optlib bench report RESULTS --plot-gap gap.png`).

    curves = gap_curves(records)             # {suite: {"times": [...], "curves": {label: [...]}, "runs": {...}}}
    plot_gap(records, "gap.png")             # one panel per suite, log time axis (needs matplotlib)

A run's gap at time t (seconds since it started), capped at 1 (= 100 %):
  - with a trace ([[seconds, objective, bound], ...], record['extra']['trace']): 1 until its first
    point, then the gap of the latest point at or before t (optlib.relative_gap(objective, bound),
    1 while either is unknown or infinite), a step function; from its wall time wall_s on, its final
    gap (the record's 'gap'; 1 when it has none);
  - without a trace: 1 until wall_s, then its final gap.
A run without a finite wall time never reaches its final gap. A group's curve (suite, method,
backend) is the mean of its runs' gaps; runs with status 'n/a' are left out. This is the
"gap over time" view of solver benchmarks (T. Berthold, Measuring the impact of primal
heuristics, Operations Research Letters 41(6), 2013: the primal-dual integral is the area under it).
"""
from __future__ import annotations

import bisect
import math
import os
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from ..result import relative_gap
from .trace import TRACE_KEY, clean_trace

__all__ = ["run_gap_steps", "gap_at", "gap_curves", "plot_gap"]

NA = "n/a"


def _cap(g: Any) -> float:
    """A gap in [0, 1]: 1 for None, NaN, infinity or anything above 1."""
    if g is None or isinstance(g, bool) or not isinstance(g, (int, float)) or math.isnan(g):
        return 1.0
    return min(max(float(g), 0.0), 1.0)


def _finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def run_gap_steps(record: Mapping[str, Any]) -> list[tuple[float, float]]:
    """The breakpoints (seconds, gap) of one run's gap over time (see the module docstring): the
    gap is 1 before the first breakpoint and equals a breakpoint's gap from it to the next one.
    A trace that cannot be read (not a list of [seconds, objective, bound]) counts as none."""
    wall = record.get("wall_s")
    wall = float(wall) if _finite(wall) else math.inf
    trace = (record.get("extra") or {}).get(TRACE_KEY)
    steps: list[tuple[float, float]] = []
    if trace:
        try:
            points = clean_trace(trace)
        except ValueError:
            points = []
        for t, obj, bound in sorted(points, key=lambda p: p[0]):
            if t >= wall:
                break
            steps.append((t, _cap(relative_gap(obj, bound))))
    if math.isfinite(wall):
        steps.append((wall, _cap(record.get("gap"))))
    return steps


def gap_at(steps: Sequence[tuple[float, float]], t: float) -> float:
    """The gap at time t of a run with these breakpoints (run_gap_steps): the last breakpoint at or
    before t, else 1."""
    i = bisect.bisect_right([s[0] for s in steps], t)
    return steps[i - 1][1] if i else 1.0


def _label(method: str, backend: str) -> str:
    if method in ("", "backend"):
        return backend or "-"
    return f"{method} ({backend})" if backend else method


def gap_curves(records: Iterable[Mapping[str, Any]], times: Sequence[float] | None = None
               ) -> dict[str, dict[str, Any]]:
    """Per suite (sorted): "times" (the given `times`, else every breakpoint of the suite's runs,
    sorted), "curves" {label: [mean gap of the group's runs at each time]} and "runs" {label:
    number of runs}; label = 'method (backend)' (or the backend for plain backend runs)."""
    groups: dict[str, dict[str, list[list[tuple[float, float]]]]] = {}
    for rec in records:
        if rec.get("status") == NA:
            continue
        label = _label(str(rec.get("method", "")), str(rec.get("backend", "") or ""))
        groups.setdefault(str(rec.get("suite", "")), {}).setdefault(label, []).append(run_gap_steps(rec))
    out: dict[str, dict[str, Any]] = {}
    for suite in sorted(groups):
        by_label = groups[suite]
        ts = sorted(float(t) for t in times) if times is not None else sorted(
            {s[0] for runs in by_label.values() for steps in runs for s in steps})
        curves = {lab: [sum(gap_at(steps, t) for steps in runs) / len(runs) for t in ts]
                  for lab, runs in sorted(by_label.items())}
        out[suite] = {"times": ts, "curves": curves, "runs": {lab: len(r) for lab, r in sorted(by_label.items())}}
    return out


def plot_gap(records: Iterable[Mapping[str, Any]], path: str | os.PathLike, title: str | None = None) -> Path:
    """Draw the mean relative gap over time of each (method, backend) group, one panel per suite
    (x: seconds on a log axis, y: gap in %, capped at 100 %), to `path` (PNG, SVG, PDF by its
    suffix). ImportError naming the install command when matplotlib is missing; ValueError when
    there are no records (other than 'n/a')."""
    from .report import line_style, require_matplotlib, save_figure

    plt = require_matplotlib()
    data = gap_curves(records)
    if not data:
        raise ValueError("no records to draw the gap over time from")
    fig, axes = plt.subplots(1, len(data), figsize=(6.0 * len(data), 4.2), squeeze=False)
    for ax, (suite, d) in zip(axes[0], data.items()):
        positive = [t for t in d["times"] if t > 0]
        t_min = min(positive) / 2 if positive else 1e-3
        t_max = max(positive) * 1.5 if positive else 1.0
        xs = [t_min] + [max(t, t_min) for t in d["times"]] + [t_max]
        for j, (lab, ys) in enumerate(d["curves"].items()):
            full = [1.0] + list(ys) + [ys[-1] if ys else 1.0]
            ax.step(xs, [100 * y for y in full], where="post", label=f"{lab} ({d['runs'][lab]} runs)",
                    **line_style(j))
        ax.set_xscale("log")
        ax.set_xlim(t_min, t_max)
        ax.set_ylim(-2, 102)
        ax.set_xlabel("seconds")
        ax.set_ylabel("mean relative gap (%, capped at 100)")
        ax.set_title(title or f"{suite}: gap over time", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    return save_figure(plt, fig, path)
