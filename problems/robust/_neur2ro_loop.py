"""Neur2RO's loop: the shared CCG loop (`ccg.ccg_loop`) with steps on the learned value, then the exact step.

Main step: max_x a'x + theta s.t. theta <= s V(x, xi_k) for the scenarios found (`InstanceNetwork.main_mip`,
or `main_local_search` with the heuristic worst scenarios of up to `scenarios_per_iteration` - 1 further
local optima as extra cuts).  Adversary step: min_xi V(x, xi) (heuristic first, then the MIP, per
`adversary`); its scenario cuts x off when s V(x, xi) < theta - 1e-4 max(1, |theta|).  The network gives
no certified bound, so the loop runs without a gap test and stops when no cut is found ('converged' if the
adversary MIP proved its minimum, else 'adversary_limit'), on a repeated scenario, or at a limit.

After the loop the answer x is evaluated exactly (`instance.worst_case`: a certified lower bound on its
worst-case value), warm-started at the loop's scenarios (their recourse plans seed the cuts); with
`n_candidates` = k > 1 further x's (the loop's other x's, best network value first, then the main problem
re-solved with no-good cuts) are evaluated while time is left (sharing their recourse plans) and the best
exact one is kept.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import numpy as np

import optlib
from optlib.progress import Reporter

from ._mip import left
from ._neur2ro_network import InstanceNetwork
from .ccg import AdversaryFn, AdversaryStep, LoopOutcome, MainFn, MainStep, ccg_loop


def ml_steps(net: InstanceNetwork) -> tuple[MainFn, AdversaryFn]:
    """The main-problem and adversary steps of ML-driven CCG on the network `net`."""
    opts, inst, s = net.opts, net.instance, net.s
    visited: list = []

    def main(scenarios: list, deadline: optlib.Deadline) -> MainStep:
        if opts.main_ == "local_search":
            optima = net.main_local_search(scenarios, visited, deadline)
            (x, obj), others = optima[0], optima[1:]
            visited.append(x)
            return MainStep(x=x, objective=float(obj), others=tuple(others))
        res, xvar = net.main_mip(scenarios, deadline)
        if not res.status.has_solution:
            if res.status is not optlib.Status.NO_SOLUTION:
                raise RuntimeError(f"Neur2RO main problem ended with status {res.status.name}: {res.message}")
            return MainStep(x=None, limit_reached="time_limit", results=(res,))
        x = np.round(res[xvar])
        visited.append(x)
        return MainStep(x=x, objective=float(res.objective), optimal=res.status is optlib.Status.OPTIMAL,
                        results=(res,))

    def more(others: tuple, scenarios: list) -> Iterator[np.ndarray]:
        """The heuristic worst scenarios of the next-best local optima that cut them off (read lazily: each
        sees the scenarios added before it)."""
        for xo, vo in others[:opts.scenarios_per_iteration_ - 1]:
            xi_o = net.heuristic_scenario(xo, scenarios)
            theta_o = (vo - inst.first_stage_value(xo)) / s
            if net.value(xo, xi_o) < theta_o - 1e-4 * max(1.0, abs(theta_o)):
                yield xi_o

    def adversary(x: np.ndarray, ms: MainStep, scenarios: list, deadline: optlib.Deadline) -> AdversaryStep:
        fs = inst.first_stage_value(x)
        theta = ms.objective - fs
        xi, v_net, proven, results = net.adversary(x, scenarios, left(deadline, cap=opts.adversary_time_limit),
                                                   theta=theta / s)
        if xi is None:
            return AdversaryStep(xi=None, results=results)
        v = s * v_net
        return AdversaryStep(xi=xi, value=fs + v, exact=proven, cuts_off=v < theta - 1e-4 * max(1.0, abs(theta)),
                             more=more(ms.others, scenarios), results=results)

    return main, adversary


def run(net: InstanceNetwork, deadline: optlib.Deadline, report: Reporter | None = None) -> LoopOutcome:
    """ML-driven CCG from the instance's initial scenario until `deadline` or `max_iter` rounds (`report`:
    one progress step per round)."""
    main, adversary = ml_steps(net)
    return ccg_loop(main, adversary, [net.instance.initial_scenario()], deadline, net.opts.max_iter,
                    label="Neur2RO", report=report)


def final_choice(net: InstanceNetwork, out: LoopOutcome) -> tuple[np.ndarray | None, float]:
    """The loop's answer: the last main problem's x, or, when that problem was not solved to optimality (a
    time limit, local search), the visited x of best network value over all scenarios found (what a
    converged run's final main problem maximises)."""
    x, pred = out.x, out.predicted_value
    if x is not None and (out.stop_reason == "time_limit" or not out.last_optimal):
        x, pred = max(net.rated(out.scenarios, out.visited), key=lambda c: c[1])
    return x, pred


def post_step(net: InstanceNetwork, x: np.ndarray, pred: float, out: LoopOutcome, deadline: optlib.Deadline,
              evaluate: bool, eval_time_limit: float | None, report: Reporter | None = None,
              eval_gap: float = 1e-6) -> dict[str, Any]:
    """Exact evaluation of x, then (n_candidates > 1) of further candidates while `deadline` leaves time.

    Returns {'evals': [{'x', 'predicted_value', 'exact_value', 'exact_upper', 'exact'}, ...] (x first),
    'worst_cases', 'results', 'evaluation' and 'candidates' (seconds), 'cut' (a candidate was skipped or an
    evaluation stopped by the deadline)}.
    """
    inst, opts = net.instance, net.opts
    state: dict[str, Any] = {"evals": [], "worst_cases": [], "results": [], "evaluation": 0.0, "candidates": 0.0,
                             "cut": False}
    plans: list = []        # recourse plans shared by the candidates' evaluations (each keeps those valid for it)

    def add(xc: np.ndarray, pc: float, required: bool) -> bool:
        if not evaluate:
            state["evals"].append({"x": xc, "predicted_value": pc, "exact_value": None, "exact_upper": None,
                                   "exact": False})
            state["worst_cases"].append(None)
            return True
        if not required and deadline.expired():
            state["cut"] = True
            return False
        t = time.perf_counter()
        wc = inst.worst_case(xc, backend=opts.backend, time_limit=left(deadline, cap=eval_time_limit),
                             options=opts.options, scenarios=out.scenarios, plans=plans, tol=eval_gap)
        exact = wc.upper - wc.lower <= 1e-6 * max(1.0, abs(wc.upper))
        state["evaluation"] += time.perf_counter() - t
        state["cut"] |= not wc.exact and deadline.expired()
        state["evals"].append({"x": xc, "predicted_value": pc, "exact_value": wc.lower, "exact_upper": wc.upper,
                               "exact": exact})
        state["worst_cases"].append(wc)
        state["results"].extend(wc.results)
        if report is not None:
            report(f"candidate {len(state['evals'])}: predicted {pc:.6g}, exact worst case "
                   f"{'in [%.6g, %.6g]' % (wc.lower, wc.upper) if not exact else '%.6g' % wc.lower}")
        return True

    add(x, pred, True)
    k = opts.n_candidates
    if k > 1:
        t = time.perf_counter()
        others = [xc for xc in out.visited if not np.array_equal(xc, x)]
        ranked = sorted(net.rated(out.scenarios, others), key=lambda c: -c[1])[:k - 1]
        state["candidates"] += time.perf_counter() - t
        found = [x] + [xc for xc, _ in ranked]
        going = all(add(xc, pc, False) for xc, pc in ranked)
        while going and len(found) < k and not deadline.expired():
            t = time.perf_counter()
            res, xvar = net.main_mip(out.scenarios, deadline, exclude=found)
            state["candidates"] += time.perf_counter() - t
            state["results"].append(res)
            if not res.status.has_solution:
                break
            xc = np.round(res[xvar])
            found.append(xc)
            going = add(xc, float(res.objective), False)
    return state
