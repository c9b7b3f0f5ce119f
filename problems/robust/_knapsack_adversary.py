"""Exact worst case of one fixed first stage x of the robust knapsack: a stabilised cutting-plane method.

For fixed x, Q(x, xi) = max over recourse plans (y, r) of f'y + (p_hat * (r - y))'xi is convex and piecewise
linear in xi, so the worst case min_{xi in Xi} Q(x, xi) is the LP

    min z  s.t.  z >= f'y_k + (p_hat * (r_k - y_k))'xi  (every plan k feasible for x),  xi in Xi,

solved over the plans found so far (Kelley's cutting planes, as in Arslan & Detienne, INFORMS J. Computing
2020): every LP optimum is a certified lower bound (optlib's LP duality certificate), every Q(x, xi) at a
point a certified upper bound.  What makes one evaluation cheap:

- warm start: plans at the scenarios given (e.g. those an ML-CCG loop found for x), at Gamma / n on every
  item and at the vertex that spends Gamma on the accepted items of largest p_hat, all in one batched DP;
- in-out separation (Ben-Ameur and Neto, Networks 2007): a plan is also computed at
  xi_s = alpha xi_LP + (1 - alpha) xi_best, between the LP point and the best scenario so far, which damps
  Kelley's zig-zag; the LP point's own plan is always added too, so the method stays exact;
- the LP is one vectorised block of cuts, the plans come from the exact capacity DP for many points at once.

It stops when (upper - lower) <= tol max(1, |a'x + upper|), when no new plan appears (then upper = lower), at
`max_iter` LPs, or at the deadline (a certified but inexact `lower` then).
"""
from __future__ import annotations

import math
import time
from typing import Any, Mapping

import numpy as np

import optlib

from ._mip import TimeLimitReached, left, solve_mip
from .protocol import WorstCase

STABILIZE_DEFAULT = 0.5     # alpha of the in-out separation point (0: none)


def greedy_vertex(inst: Any, x: np.ndarray) -> np.ndarray:
    """The vertex of Xi that spends Gamma on the accepted items of largest p_hat (the rest fractional)."""
    xi = np.zeros(inst.n)
    budget = inst.gamma
    for i in sorted(np.flatnonzero(x > 0.5), key=lambda j: -inst.p_hat[j]):
        if budget <= 0:
            break
        xi[i] = min(1.0, budget)
        budget -= xi[i]
    return xi


def _plans(inst: Any, x: np.ndarray, xis: list, deadline: optlib.Deadline, backend: str,
           options: Mapping[str, Any]) -> list[tuple[float, tuple[np.ndarray, np.ndarray]]]:
    """(upper bound on Q(x, xi), optimal plan) at each xi: the batched DP for integral data, else the MIP."""
    if inst._dp_applies():
        keep = np.flatnonzero(x > 0.5)
        return [(inst.plan_value(x, xi, p), p) for xi, p in zip(xis, inst._dp_plans(keep, np.array(xis)))]
    out = []
    for xi in xis:
        _, ub, plan = inst.recourse(x, xi, backend, left(deadline), options=options, method="mip")
        out.append((ub, plan))
    return out


def _in_xi(inst: Any, xi: Any) -> np.ndarray | None:
    """xi clipped to [0, 1] and scaled into the budget, None if it is not a vector of length n."""
    arr = np.asarray(xi, dtype=float).ravel()
    if arr.size != inst.n or not np.all(np.isfinite(arr)):
        return None
    arr = np.clip(arr, 0.0, 1.0)
    s = arr.sum()
    return arr * (inst.gamma / s) if s > inst.gamma else arr


def knapsack_worst_case(inst: Any, x: np.ndarray, backend: str, time_limit: float | None, tol: float,
                        plans: list | None, max_iter: int, options: Mapping[str, Any],
                        scenarios: Any = None, stabilize: float = STABILIZE_DEFAULT) -> WorstCase:
    """min_{xi in Xi} a'x + Q(x, xi) for a checked 0/1 x (see the module docstring); `plans` (a list,
    extended in place) carries recourse plans between calls, `scenarios` are warm-start points."""
    t0 = time.perf_counter()
    deadline = optlib.Deadline(time_limit, start=t0)
    fs = inst.first_stage_value(x)
    pool = plans if plans is not None else []
    cuts = [p for p in pool if np.all(p[0] <= x + 1e-9)]
    known = {(p[0].tobytes(), p[1].tobytes()) for p in cuts}
    upper, best_xi, lower = math.inf, inst.initial_scenario(), -math.inf
    results: list = []

    def add_points(points: list) -> int:
        nonlocal upper, best_xi
        new = 0
        for xi, (ub, plan) in zip(points, _plans(inst, x, points, deadline, backend, options)):
            if ub < upper:
                upper, best_xi = ub, xi
            key = (plan[0].tobytes(), plan[1].tobytes())
            if key not in known:
                known.add(key)
                cuts.append(plan)
                pool.append(plan)
                new += 1
        return new

    seeds = [inst.initial_scenario(), greedy_vertex(inst, x)]
    seeds += [s for s in (_in_xi(inst, xi) for xi in (scenarios if scenarios is not None else [])) if s is not None]
    iters = 0
    try:
        add_points(seeds)
        while iters < max_iter and not deadline.expired():
            iters += 1
            m = optlib.Model("knapsack_adversary")
            xv = m.continuous(inst.n, lb=0.0, ub=1.0, name="xi")
            z = m.continuous(name="z")
            m.add(xv.sum() <= inst.gamma, name="budget")
            ys = np.array([p[0] for p in cuts])
            rs = np.array([p[1] for p in cuts])
            m.add(z >= ys @ inst.f + ((rs - ys) * inst.p_hat) @ xv, name="plans")
            m.minimize(z)
            res = solve_mip(m, backend, left(deadline), options=options)
            results.append(res)
            if res.status is not optlib.Status.OPTIMAL:
                break
            lower = max(lower, float(res.bound))
            if upper - lower <= tol * max(1.0, abs(fs + upper)):      # relative to x's whole value
                break
            xi_lp = _in_xi(inst, res[xv])
            points = [xi_lp]
            if stabilize > 0 and not np.allclose(xi_lp, best_xi, atol=1e-9):
                points.append(stabilize * xi_lp + (1 - stabilize) * best_xi)
            if add_points(points) == 0:     # xi_LP's plan is a cut already: Q(xi_LP) = z_LP, so upper = lower
                break
    except TimeLimitReached:
        pass
    exact = upper - lower <= tol * max(1.0, abs(fs + upper))
    return WorstCase(lower=fs + lower, upper=fs + upper, xi=best_xi, iterations=iters,
                     time=time.perf_counter() - t0, exact=exact, results=tuple(results))
