"""Column-and-constraint generation (Zeng & Zhao, Oper. Res. Lett. 2013): one loop, exact or learned steps.

For a two-stage robust problem  max_x a'x + min_{xi in Xi} Q(x, xi)  (see `protocol.RobustInstance`), CCG
alternates

    main:      max_{x, theta}  a'x + theta   s.t.  theta <= Q(x, xi_s)  for the scenarios s in S found so far,
    adversary: min_{xi in Xi}  Q(x, xi)     for the main problem's x,  adding its xi to S,

until the adversary's scenario no longer cuts x off.  The main problem is a relaxation of the robust
problem, so its bound is an upper bound; the adversary's certified lower bound on x's worst case is an
incumbent value.  `ccg_loop` is that loop, parametrised by its two steps: `ccg` below runs it with the exact
steps (the main problem as a MIP with one recourse copy per scenario, the adversary by cutting planes,
`instance.worst_case`), `Neur2RO` with steps on a learned Q (see `_neur2ro_loop`).  With a finite first
stage the exact loop terminates: once an x repeats, its worst scenario is already in S and the bounds meet.
"""
from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

import numpy as np

import optlib
from optlib.progress import ProgressArg, Reporter, check_progress
from optlib.result import relative_gap

from ._mip import check_backend, check_options, check_time_limit, left, solve_mip


# -- the loop ---------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class MainStep:
    """One main problem over the scenarios found: its x, the value it gives x, and an upper bound."""

    x: np.ndarray | None                 # None: no first-stage solution (a limit, or proven infeasible)
    objective: float = math.nan          # the main problem's value at x: a'x + theta
    bound: float = math.inf              # upper bound on the main problem's optimum (+inf: none)
    optimal: bool = False                # solved to optimality
    infeasible: bool = False             # proven infeasible (then so is the robust problem)
    limit_reached: str | None = None     # why there is no x, when a limit stopped the step
    others: tuple = ()                   # further (x, objective) candidates of the step (local search)
    results: tuple = ()                  # the optlib Results of the step


@dataclasses.dataclass(frozen=True)
class AdversaryStep:
    """The adversary's answer for the main problem's x."""

    xi: np.ndarray | None                # the scenario found; None: none within the time limit
    value: float = math.nan              # x's value a'x + Q(x, xi) at xi (as the adversary's Q rates it)
    lower: float = -math.inf             # certified lower bound on x's true worst-case value (-inf: none)
    exact: bool = False                  # xi proven a worst scenario (of the Q the adversary minimises)
    cuts_off: bool = True                # xi gives x less than the main problem's objective: a new cut
    more: Iterable = ()                  # further scenarios to add after xi (read lazily, after xi is added)
    results: tuple = ()                  # the optlib Results behind `lower` (and the step's other solves)


class LoopOutcome(NamedTuple):
    """What `ccg_loop` found (the first seven fields in the order of the earlier Neur2RO loop's tuple)."""

    x: np.ndarray | None                 # the last main problem's x
    stop_reason: str                     # see `ccg_loop`
    iterations: int
    predicted_value: float               # min(main objective, adversary value) at the last x
    scenarios: list
    visited: list                        # every main-problem x, in order
    last_optimal: bool                   # the last main problem with an x was solved to optimality
    bound: float = math.inf              # min over the main problems' bounds
    best_x: np.ndarray | None = None     # the x of the best certified lower bound
    best_lower: float = -math.inf
    best_results: tuple = ()             # the adversary Results behind best_lower
    limit_reached: str | None = None     # 'time_limit' / 'iteration_limit' when a limit stopped the loop
    history: tuple = ()
    main_results: tuple = ()             # the Results of the main problems
    adversary_results: tuple = ()        # the Results of the adversaries
    main_time: float = 0.0
    adversary_time: float = 0.0

    @property
    def results(self) -> tuple:
        return self.main_results + self.adversary_results


MainFn = Callable[[list, optlib.Deadline], MainStep]
AdversaryFn = Callable[[np.ndarray, MainStep, list, optlib.Deadline], AdversaryStep]


def _known(xi: np.ndarray, scenarios: list) -> bool:
    return any(np.allclose(xi, s, atol=1e-6) for s in scenarios)


def ccg_loop(main: MainFn, adversary: AdversaryFn, scenarios: list, deadline: optlib.Deadline, max_iter: int,
             rel_gap: float | None = None, require_proof: bool = False, verbose: bool = False,
             label: str = "CCG", report: Reporter | None = None) -> LoopOutcome:
    """Column-and-constraint generation with the given steps, from the scenario list `scenarios`.

    Each round: `main(scenarios, deadline)`, then `adversary(x, main_step, scenarios, deadline)`; the loop
    stops (stop_reason) when the main problem is infeasible ('infeasible') or has no x, or the adversary no
    scenario, within the time ('time_limit'); when the best certified lower bound is within `rel_gap` of the
    main problems' bound ('converged'); with `require_proof`, when a step was not solved to optimality (a
    limit: 'time_limit'); when the adversary's scenario does not cut x off ('converged' if the adversary
    proved its minimum, else 'adversary_limit'); when the scenario is already in S ('repeated_scenario');
    at the deadline ('time_limit'); after `max_iter` rounds ('iteration_limit').  `report` (an
    `optlib.progress.Reporter`; `verbose=True`: lines on stderr) gets one step per round: iteration, main
    objective, adversary value, incumbent (best certified lower bound) and bound with their gap when known,
    scenarios.
    """
    if report is None:
        report = Reporter(bool(verbose), label)
    scenarios = list(scenarios)
    visited: list = []
    main_results: list = []
    adversary_results: list = []
    history: list = []
    bound, best_x, best_lower, best_results = math.inf, None, -math.inf, ()
    x, pred, last_optimal, stop, limit = None, math.nan, False, "iteration_limit", None
    t_main = t_adv = 0.0
    it = 0
    while it < max_iter:
        it += 1
        t = time.perf_counter()
        ms = main(scenarios, deadline)
        t_main += time.perf_counter() - t
        main_results.extend(ms.results)
        if ms.infeasible:
            stop = "infeasible"
            break
        bound = min(bound, float(ms.bound))
        if ms.x is None:
            stop = limit = ms.limit_reached or "time_limit"
            break
        x, last_optimal = ms.x, ms.optimal
        visited.append(x)
        t = time.perf_counter()
        adv = adversary(x, ms, scenarios, deadline)
        t_adv += time.perf_counter() - t
        adversary_results.extend(adv.results)
        if adv.xi is None:
            stop = limit = "time_limit"
            pred = ms.objective
            break
        pred = min(ms.objective, adv.value)
        if adv.lower > best_lower:
            best_x, best_lower, best_results = x, adv.lower, tuple(adv.results)
        history.append({"iteration": it, "main_objective": ms.objective, "bound": bound, "value": best_lower,
                        "time": deadline.elapsed()})
        if report.enabled:
            certified = {"incumbent": best_lower} if math.isfinite(best_lower) else {}
            if math.isfinite(bound):
                certified.update(bound=bound, gap=f"{relative_gap(best_lower, bound):.3%}")
            report.step(iteration=it, main=ms.objective, adversary=adv.value, **certified,
                        scenarios=len(scenarios) + bool(adv.cuts_off))
        if rel_gap is not None and relative_gap(best_lower, bound) <= rel_gap:
            stop = "converged"
            break
        if require_proof and not (ms.optimal and adv.exact):
            stop = limit = "time_limit"
            break
        if not adv.cuts_off:
            stop = "converged" if adv.exact else "adversary_limit"
            break
        if _known(adv.xi, scenarios):
            stop = "repeated_scenario"
            break
        scenarios.append(adv.xi)
        for xi in adv.more:         # a generator may look at the scenarios added so far
            if xi is not None and not _known(xi, scenarios):
                scenarios.append(xi)
        if deadline.expired():
            stop = limit = "time_limit"
            break
    else:
        limit = "iteration_limit"
    return LoopOutcome(x=x, stop_reason=stop, iterations=it, predicted_value=pred, scenarios=scenarios,
                       visited=visited, last_optimal=last_optimal, bound=bound, best_x=best_x,
                       best_lower=best_lower, best_results=best_results, limit_reached=limit,
                       history=tuple(history), main_results=tuple(main_results),
                       adversary_results=tuple(adversary_results), main_time=t_main, adversary_time=t_adv)


# -- exact CCG --------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class CCGResult:
    """Outcome of `ccg` (an `optlib.Answer`): first-stage x, its certified worst-case value and an upper
    bound on the robust optimum; gap = |value - bound| / max(|value|, 1e-10)."""

    x: np.ndarray
    value: float | None      # certified worst-case profit of x (no scenario in Xi gives less); None: no x
    bound: float             # upper bound on the optimal robust profit (+inf: none)
    gap: float               # optlib.relative_gap(value, bound)
    status: optlib.Status    # OPTIMAL if gap <= rel_gap, FEASIBLE if a limit stopped it, NO_SOLUTION, INFEASIBLE
    iterations: int
    scenarios: list
    time: float
    history: list = dataclasses.field(default_factory=list, repr=False)
    limit_reached: str | None = None
    sense: str = "maximize"
    stop_reason: str = ""    # how the loop ended (see `ccg_loop`)
    verified: bool = False   # value and bound come from solves that passed optlib's checks
    timings: Mapping[str, float] = dataclasses.field(default_factory=dict)   # total, main, adversary (s)
    results: tuple = dataclasses.field(default=(), repr=False)  # main-problem Results + the incumbent's adversary

    @property
    def objective(self) -> float | None:
        """The incumbent's certified worst-case value (`value`)."""
        return self.value

    def summary(self) -> str:
        value = "none" if self.value is None else f"{self.value:.4f}"
        return (f"CCG: {self.status.name} value {value} bound {self.bound:.4f} gap {self.gap:.3%} "
                f"after {self.iterations} iterations, {self.time:.1f} s")


# the part of `RobustInstance` that exact CCG uses
EXACT_NEEDS = ("n", "add_first_stage", "add_scenario", "first_stage_objective_expr", "initial_scenario", "worst_case")


def _main_problem(instance: Any, scenarios: list, backend: str, time_limit: float | None,
                  options: Mapping[str, Any]) -> tuple[optlib.Result, Any]:
    m = optlib.Model("ccg_main")
    x = m.boolean(instance.n, name="x")
    theta = m.continuous(name="theta")
    instance.add_first_stage(m, x)
    for s, xi in enumerate(scenarios):
        m.add(theta <= instance.add_scenario(m, x, xi, str(s)), name=f"value_{s}")
    m.maximize(instance.first_stage_objective_expr(x) + theta)
    return solve_mip(m, backend, time_limit, options=options), x


def exact_steps(instance: Any, backend: str, options: Mapping[str, Any]) -> tuple[MainFn, AdversaryFn]:
    """The exact CCG steps: the main MIP with a recourse copy per scenario, and `instance.worst_case`
    (recourse plans shared between its calls)."""
    plans: list = []

    def main(scenarios: list, deadline: optlib.Deadline) -> MainStep:
        res, xvar = _main_problem(instance, scenarios, backend, left(deadline), options)
        if res.status is optlib.Status.INFEASIBLE:
            return MainStep(x=None, infeasible=True, results=(res,))
        if not res.status.has_solution:
            return MainStep(x=None, bound=float(res.bound), limit_reached=res.limit_reached or "time_limit",
                            results=(res,))
        return MainStep(x=np.round(res[xvar]), objective=float(res.objective), bound=float(res.bound),
                        optimal=res.status is optlib.Status.OPTIMAL, results=(res,))

    def adversary(x: np.ndarray, ms: MainStep, scenarios: list, deadline: optlib.Deadline) -> AdversaryStep:
        wc = instance.worst_case(x, backend=backend, time_limit=left(deadline), plans=plans, options=options)
        cuts = wc.upper < ms.objective - 1e-9 * max(1.0, abs(ms.objective))
        return AdversaryStep(xi=wc.xi, value=wc.upper, lower=wc.lower, exact=wc.exact, cuts_off=cuts,
                             results=wc.results)

    return main, adversary


def ccg(instance: Any, time_limit: float | None = 600.0, backend: str = "highs", rel_gap: float = 1e-4,
        max_iter: int = 1000, verbose: bool = False, options: Mapping[str, Any] | None = None,
        progress: ProgressArg = False) -> CCGResult:
    """Solve a two-stage robust instance exactly by column-and-constraint generation.

    Returns the best first-stage x found, its certified worst-case `value`, an upper `bound` on the
    robust optimum and their relative `gap`.  `time_limit` bounds the whole call (one deadline shared by
    every solve); a limit returns the incumbent and the bound (status FEASIBLE), never raises.  `options`:
    backend options for every solve (passed to `optlib.Model.solve`).  `progress` (True, 'bar' or a
    callable; `verbose=True` is progress=True): one line per round on stderr with the iteration, the
    incumbent, the bound and the gap, and the final status; silent by default.
    """
    time_limit = check_time_limit(time_limit)
    if not isinstance(rel_gap, (int, float)) or not 0 <= rel_gap < 1:
        raise ValueError(f"rel_gap must be in [0, 1), got {rel_gap!r}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, int) or max_iter < 1:
        raise ValueError(f"max_iter must be a positive integer, got {max_iter!r}")
    backend, options = check_backend(backend), check_options(options)
    progress = check_progress(progress) or bool(verbose)
    missing = [m for m in EXACT_NEEDS if not hasattr(instance, m)]
    if missing:
        raise TypeError(f"instance must implement problems.robust.RobustInstance (a KnapsackInstance or "
                        f"CapitalBudgetingInstance), got {type(instance).__name__} without {missing[0]!r}")
    deadline = optlib.Deadline(time_limit)
    main, adversary = exact_steps(instance, backend, options)
    with Reporter(progress, "CCG") as report:
        out = ccg_loop(main, adversary, [instance.initial_scenario()], deadline, max_iter, rel_gap=rel_gap,
                       require_proof=True, report=report)
        report(f"{out.stop_reason} after {out.iterations} iterations")
    limit = out.limit_reached
    status = optlib.Status.INFEASIBLE if out.stop_reason == "infeasible" else optlib.Status.NO_SOLUTION
    value, gap = None, math.inf
    if out.best_x is not None:
        value = float(out.best_lower)
        gap = relative_gap(value, out.bound)
        status = optlib.Status.OPTIMAL if gap <= rel_gap else optlib.Status.FEASIBLE
        if status is optlib.Status.FEASIBLE and limit is None:
            limit = "tolerance"
    results = out.main_results + out.best_results
    verified = out.best_x is not None and all(r.verified for r in results if r.status.has_solution)
    total = deadline.elapsed()
    return CCGResult(x=out.best_x if out.best_x is not None else np.zeros(instance.n), value=value,
                     bound=float(out.bound), gap=gap, status=status, iterations=out.iterations,
                     scenarios=out.scenarios, time=total, history=list(out.history), limit_reached=limit,
                     stop_reason=out.stop_reason, verified=bool(verified),
                     timings={"total": total, "main": out.main_time, "adversary": out.adversary_time},
                     results=results)
