"""Exact column-and-constraint generation (Zeng & Zhao, Oper. Res. Lett. 2013) for two-stage robust problems.

Main problem over the scenarios S found so far (profit, maximised):

    max_{x, theta, y_s}  a'x + theta   s.t.  theta <= q(xi_s; y_s),  y_s feasible for (x, xi_s),  s in S,

a relaxation of the robust problem, so its (MIP dual) bound is an upper bound.  The exact adversary
of the incumbent x (see `KnapsackInstance.worst_case`) returns a certified lower bound on its
worst-case profit and the scenario added next.  With a finite first stage this terminates: once an
x repeats, its worst scenario is already in S and the bounds meet.
"""
from __future__ import annotations

import dataclasses
import math
import time
from typing import Any

import numpy as np

import optlib
from optlib.result import relative_gap

from ._mip import check_time_limit, remaining, solve_mip


@dataclasses.dataclass(frozen=True)
class CCGResult:
    """Outcome of `ccg`: first-stage x, its certified worst-case value and an upper bound on the optimum."""

    x: np.ndarray
    value: float             # certified worst-case profit of x (no scenario in Xi gives less)
    bound: float             # upper bound on the optimal robust profit
    gap: float               # |value - bound| / max(|value|, 1e-10)
    status: optlib.Status    # OPTIMAL if gap <= rel_gap, FEASIBLE if a limit stopped it, NO_SOLUTION
    iterations: int
    scenarios: list
    time: float
    history: list = dataclasses.field(default_factory=list, repr=False)
    limit_reached: str | None = None
    sense: str = "maximize"

    def summary(self) -> str:
        return (f"CCG: {self.status.name} value {self.value:.4f} bound {self.bound:.4f} gap {self.gap:.3%} "
                f"after {self.iterations} iterations, {self.time:.1f} s")


def _main_problem(instance: Any, scenarios: list, backend: str, time_limit: float | None,
                  warm: np.ndarray | None) -> tuple[optlib.Result, Any]:
    m = optlib.Model("ccg_main")
    x = m.boolean(instance.n, name="x")
    theta = m.continuous(name="theta")
    instance.add_first_stage(m, x)
    for s, xi in enumerate(scenarios):
        m.add(theta <= instance.add_scenario(m, x, xi, str(s)), name=f"value_{s}")
    m.maximize(instance.first_stage_objective_expr(x) + theta)
    return solve_mip(m, backend, time_limit), x


def ccg(instance: Any, time_limit: float | None = 600.0, backend: str = "highs", rel_gap: float = 1e-4,
        max_iter: int = 1000, verbose: bool = False) -> CCGResult:
    """Solve a two-stage robust instance exactly by column-and-constraint generation.

    Returns the best first-stage x found, its certified worst-case `value`, an upper `bound` on the
    robust optimum and their relative `gap`.  A time limit returns the incumbent and the bound
    (status FEASIBLE), never raises.
    """
    time_limit = check_time_limit(time_limit)
    if not isinstance(rel_gap, (int, float)) or not 0 <= rel_gap < 1:
        raise ValueError(f"rel_gap must be in [0, 1), got {rel_gap!r}")
    if not hasattr(instance, "worst_case") or not hasattr(instance, "add_scenario"):
        raise TypeError("instance must be a KnapsackInstance or CapitalBudgetingInstance, "
                        f"got {type(instance).__name__}")
    t0 = time.perf_counter()
    deadline = None if time_limit is None else t0 + time_limit
    scenarios = [instance.initial_scenario()]
    plans: list = []
    best_x, best_val, bound = None, -math.inf, math.inf
    seen: set = set()
    history, limit, it = [], None, 0
    status = optlib.Status.NO_SOLUTION
    while it < max_iter:
        it += 1
        res, xvar = _main_problem(instance, scenarios, backend, remaining(deadline), best_x)
        if res.status is optlib.Status.INFEASIBLE:
            status = optlib.Status.INFEASIBLE
            break
        bound = min(bound, float(res.bound))
        if not res.status.has_solution:
            limit = res.limit_reached or "time_limit"
            break
        x = np.round(res[xvar])
        key = x.astype(np.int8).tobytes()
        repeated = key in seen
        seen.add(key)
        wc = instance.worst_case(x, backend=backend, time_limit=remaining(deadline), plans=plans)
        if wc.lower > best_val:
            best_x, best_val = x, wc.lower
        history.append({"iteration": it, "main_objective": res.objective, "bound": bound,
                        "value": best_val, "time": time.perf_counter() - t0})
        if verbose:
            print(f"  CCG it {it}: bound {bound:.3f} incumbent {best_val:.3f} ({time.perf_counter() - t0:.1f} s)")
        if relative_gap(best_val, bound) <= rel_gap:
            break
        if res.status is not optlib.Status.OPTIMAL or not wc.exact:
            limit = "time_limit"
            break
        if repeated and not any(np.allclose(wc.xi, s) for s in scenarios):
            scenarios.append(wc.xi)
        elif repeated:
            break
        else:
            scenarios.append(wc.xi)
        if deadline is not None and time.perf_counter() >= deadline:
            limit = "time_limit"
            break
    else:
        limit = "iteration_limit"
    gap = relative_gap(best_val, bound) if best_x is not None else math.inf
    if best_x is not None:
        status = optlib.Status.OPTIMAL if gap <= rel_gap else optlib.Status.FEASIBLE
        if status is optlib.Status.FEASIBLE and limit is None:
            limit = "tolerance"
    return CCGResult(x=best_x if best_x is not None else np.zeros(instance.n), value=best_val, bound=bound,
                     gap=gap, status=status, iterations=it, scenarios=scenarios,
                     time=time.perf_counter() - t0, history=history, limit_reached=limit)
