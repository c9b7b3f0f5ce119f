"""Neur2RO: column-and-constraint generation over a learned second-stage value function.

Dumouchelle, Julien, Kurtz, Khalil, "Neur2RO: Neural Two-Stage Robust Optimization", ICLR 2024.
A set network V(x, xi) ~ Q(x, xi) (see `solvers.neural.value_net`) is trained on recourse values,
then embedded as a MIP (`solvers.neural.set_network`):

    main:      max_x  a'x + theta   s.t.  theta <= s V(x, xi_k)  for the scenarios found,
    adversary: min_{xi in Xi} V(x, xi)  for the main problem's x,

until the adversary finds no scenario below theta (relative 1e-4), repeats one, or `max_iter` rounds.
The final x is evaluated exactly (`instance.worst_case`): `exact_value` is a certified lower bound on
its worst-case value.  torch is needed to train and to load weights, not to solve.

Beyond the paper (knapsack; all optional, the shipped knapsack model uses them): size-free item
features (`feature_version=2`: capacity and value shares, densities), a scenario net that sees which
accepted items a scenario hits (`interaction=True`, still an exact MIP), training samples near greedy
decisions and worst-case-like scenarios (`sampling='guided'`) labelled by an exact DP, a greedy +
swap heuristic adversary tried before the MIP (`adversary='heuristic_first'`), and an exact post-step
(`n_candidates` > 1) that evaluates several x's of the run exactly and keeps the best.

Main problem: big-M bounds from symbolic propagation over the first-stage set plus LP-based bound
tightening of the value head per scenario (`main_bounds='obbt'`, default; 'symbolic', 'interval' = the
earlier bounds; `solvers.neural.bounds`), or, as a faster heuristic, local search on the network
(`main='local_search'`, flips and swaps from several starts) with the heuristic worst scenarios of up to
`scenarios_per_iteration` local optima added per iteration; `adversary='heuristic'` skips the adversary
MIP (the loop then has no MIP; the answer is still evaluated exactly).  `adversary_bounds='symbolic'`
bounds the adversary MIP over the budgeted uncertainty set instead of intervals.
"""
from __future__ import annotations

import dataclasses
import json
import math
import os
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

import optlib
from solvers.neural import set_network
from solvers.neural.bounds import Domain

from ._local_search import local_search
from ._mip import check_time_limit, remaining, solve_mip
from .capital_budgeting import generate_capital_budgeting
from .data import collect_data, features, fit_scaler, to_arrays, value_unit
from .knapsack import CORRELATIONS, generate_knapsack

PROBLEMS = ("knapsack", "capital_budgeting")
PRETRAINED_DIR = Path(__file__).with_name("pretrained")
FEATURE_VERSIONS = {"knapsack": {1: 6, 2: 11}, "capital_budgeting": {1: 11}}   # version -> item features
XI_ITEM_INPUTS = {"knapsack": 1, "capital_budgeting": 2}
ADVERSARIES = ("heuristic_first", "mip", "heuristic")  # heuristic: no MIP (stops when the heuristic finds no cut)
MAIN_BOUNDS = ("obbt", "symbolic", "interval")     # big-M bounds in the main problem, tightest first


@dataclasses.dataclass(frozen=True)
class Neur2ROResult:
    """First-stage x from Neur2RO, the network's worst-case estimate and the exact evaluation."""

    x: np.ndarray | None            # None only if the time limit came before any first-stage solution
    predicted_value: float          # first-stage value + min over the scenarios found of the network's value
    exact_value: float | None       # certified lower bound on the true worst-case value of x
    exact_upper: float | None       # profit at the worst scenario found (upper bound on the worst case)
    exact: bool                     # exact_value == exact_upper to 1e-6
    iterations: int
    scenarios: list
    timings: dict
    status: str                     # 'converged', 'adversary_limit' (no violated scenario found, not proven),
    #                                 'repeated_scenario', 'iteration_limit' or 'time_limit'
    # with n_candidates > 1 (exact post-step): every candidate x with its predicted and exact value;
    # x / exact_value above are then the candidate of best exact value, ml_x / ml_exact_value the
    # pure ML-CCG answer (the last main-problem x, or the best-rated visited x when the loop stopped early).
    candidates: list = dataclasses.field(default_factory=list, repr=False)
    ml_x: np.ndarray | None = None
    ml_exact_value: float | None = None

    def summary(self) -> str:
        ev = "not evaluated" if self.exact_value is None else f"{self.exact_value:.4f}"
        if self.x is None:
            return f"Neur2RO: no first-stage solution ({self.status}, {self.timings.get('solve', 0):.1f} s)"
        return (f"Neur2RO: x with {int(self.x.sum())} items, predicted {self.predicted_value:.4f}, exact {ev} "
                f"({self.iterations} iterations, {self.timings.get('solve', 0):.1f} s, {self.status})")


def random_instances(problem: str, count: int, sizes: Sequence[int], seed: int = 0, integral: bool = False) -> list:
    """Random training instances with the paper's generator parameters (`integral`: knapsack data rounded)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        n = int(rng.choice(list(sizes)))
        if problem == "knapsack":
            out.append(generate_knapsack(n, correlation=str(rng.choice(CORRELATIONS)), h=int(rng.choice([40, 80])),
                                         delta=float(rng.choice([0.1, 0.5, 1.0])),
                                         budget_factor=float(rng.choice([0.1, 0.15, 0.2])), seed=rng,
                                         integral=integral))
        else:
            out.append(generate_capital_budgeting(n, seed=rng))
    return out


class Neur2RO:
    """Learn the second-stage value, then solve robust instances by ML-driven CCG (sklearn-style)."""

    def __init__(self, problem: str = "knapsack", architecture: dict | None = None, epochs: int = 300,
                 lr: float = 1e-3, batch_size: int = 256, n_first_stage: int = 10, n_scenarios: int = 20,
                 n_jobs: int = 1, device: str = "auto", backend: str = "highs", max_iter: int = 20,
                 adversary_time_limit: float = 30.0, patience: int | None = 25, seed: int = 0,
                 verbose: bool = False, sampling: str = "uniform", feature_version: int | None = None,
                 interaction: bool = False, train_time_limit: float | None = None, n_candidates: int = 1,
                 adversary: str = "heuristic_first", main_bounds: str = "obbt", main: str = "mip",
                 local_search_starts: int = 4, scenarios_per_iteration: int = 1,
                 adversary_bounds: str = "interval"):
        if problem not in PROBLEMS:
            raise ValueError(f"problem must be one of {PROBLEMS}, got {problem!r}")
        self.problem = problem
        self.architecture = architecture
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size
        self.n_first_stage = n_first_stage
        self.n_scenarios = n_scenarios
        self.n_jobs = n_jobs
        self.device = device
        self.backend = backend
        self.max_iter = max_iter
        self.adversary_time_limit = adversary_time_limit
        self.patience = patience
        self.seed = seed
        self.verbose = verbose
        if sampling not in ("uniform", "guided"):
            raise ValueError(f"sampling must be 'uniform' or 'guided', got {sampling!r}")
        if feature_version is not None and feature_version not in FEATURE_VERSIONS[problem]:
            raise ValueError(f"feature_version for {problem!r} must be one of {sorted(FEATURE_VERSIONS[problem])}, "
                             f"got {feature_version!r}")
        if isinstance(n_candidates, bool) or not isinstance(n_candidates, int) or n_candidates < 1:
            raise ValueError(f"n_candidates must be a positive integer, got {n_candidates!r}")
        if adversary not in ADVERSARIES:
            raise ValueError(f"adversary must be one of {ADVERSARIES}, got {adversary!r}")
        self.adversary = adversary
        if main_bounds not in MAIN_BOUNDS:
            raise ValueError(f"main_bounds must be one of {MAIN_BOUNDS}, got {main_bounds!r}")
        self.main_bounds = main_bounds
        if main not in ("mip", "local_search"):
            raise ValueError(f"main must be 'mip' or 'local_search', got {main!r}")
        if isinstance(local_search_starts, bool) or not isinstance(local_search_starts, int) or local_search_starts < 0:
            raise ValueError(f"local_search_starts must be a nonnegative integer, got {local_search_starts!r}")
        self.main = main
        if adversary_bounds not in ("symbolic", "interval"):
            raise ValueError(f"adversary_bounds must be 'symbolic' or 'interval', got {adversary_bounds!r}")
        self.adversary_bounds = adversary_bounds
        if (isinstance(scenarios_per_iteration, bool) or not isinstance(scenarios_per_iteration, int)
                or scenarios_per_iteration < 1):
            raise ValueError(f"scenarios_per_iteration must be a positive integer, got {scenarios_per_iteration!r}")
        self.scenarios_per_iteration = scenarios_per_iteration
        self.local_search_starts = local_search_starts
        self.sampling = sampling
        self.feature_version = feature_version
        self.interaction = bool(interaction)
        self.train_time_limit = check_time_limit(train_time_limit, "train_time_limit")
        self.n_candidates = n_candidates

    # -- training -------------------------------------------------------------------------
    def _config(self) -> dict:
        from solvers.neural.value_net import check_config, default_config

        cfg = default_config(FEATURE_VERSIONS[self.problem][self._feature_version()], XI_ITEM_INPUTS[self.problem])
        cfg["xi_x_interaction"] = self.interaction
        cfg.update(self.architecture or {})
        return check_config(cfg)

    def _feature_version(self) -> int:
        return 1 if self.feature_version is None else int(self.feature_version)

    def fit(self, instances: Sequence[Any] | None = None, data: dict | None = None, n_instances: int = 100,
            sizes: Sequence[int] = (20, 30, 40, 50, 60, 70, 80)) -> "Neur2RO":
        """Collect data on `instances` (random ones if None) unless `data` is given, then train."""
        from solvers.neural import value_net

        if data is None:
            if instances is None:
                instances = random_instances(self.problem, n_instances, sizes, seed=self.seed)
            for inst in instances:
                if getattr(inst, "kind", None) != self.problem:
                    raise ValueError(f"instances must be {self.problem} instances, got {type(inst).__name__}")
            data = collect_data(instances, self.n_first_stage, self.n_scenarios, n_jobs=self.n_jobs,
                                seed=self.seed, backend=self.backend, progress=self.verbose, sampling=self.sampling)
        self.scaler_ = fit_scaler(data, self._feature_version())
        arrays = to_arrays(data, self.scaler_, compact=True)
        self.config_ = self._config()
        net = value_net.build(self.config_)
        self.history_ = value_net.train(net, arrays, epochs=self.epochs, lr=self.lr, batch_size=self.batch_size,
                                        device=self.device, seed=self.seed, verbose=self.verbose,
                                        patience=self.patience, time_limit=self.train_time_limit)
        self.history_["data_time"] = data["time"]
        self.history_["data_jobs"] = data["jobs"]
        self.net_ = net
        self.parts_ = value_net.export_numpy(net)
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "parts_"):
            raise RuntimeError("this Neur2RO is not fitted: call fit(...), load(path) or pretrained(name) first")

    def _feats(self, instance: Any) -> np.ndarray:
        if getattr(instance, "kind", None) != self.problem:
            raise ValueError(f"this model was trained for {self.problem!r} instances, got {type(instance).__name__}")
        return features(instance, self.scaler_)

    def predict(self, instance: Any, x: Any, xi: Any) -> float:
        """Network estimate of the recourse value Q(x, xi) in the instance's units (numpy only)."""
        self._check_fitted()
        x, xi = instance.check_x(x), instance.check_xi(xi)
        v = set_network.value(self.parts_, x, self._feats(instance), instance.xi_item_views(xi))
        return v * value_unit(instance, self.scaler_)

    # -- ML-driven CCG --------------------------------------------------------------------
    def _main(self, instance: Any, feats: np.ndarray, scenarios: list, time_limit: float | None,
              exclude: list | None = None, cache: dict | None = None) -> tuple:
        """The main-problem MIP over the scenarios found; `cache`: a dict keeping each scenario's LP bounds
        (main_bounds='obbt') between calls."""
        m = optlib.Model("neur2ro_main")
        x = m.boolean(instance.n, name="x")
        instance.add_first_stage(m, x)
        theta = m.continuous(name="theta")
        s = value_unit(instance, self.scaler_)
        if self.main_bounds != "interval":
            dom = Domain(np.zeros(instance.n), np.ones(instance.n), instance.first_stage_budget())
            views = [instance.xi_item_views(xi) for xi in scenarios]
            vb = None
            if self.main_bounds == "obbt":
                cache = {} if cache is None else cache
                vb = []
                for xi, u in zip(scenarios, views):
                    key = np.asarray(xi, dtype=float).tobytes()
                    if key not in cache:
                        cache[key] = set_network.value_bounds_lp(self.parts_, feats, u, dom, backend="highs")
                    vb.append(cache[key])
            vals = set_network.embed_scenario_values(m, self.parts_, x, feats, views, dom, value_bounds=vb)
        else:
            ex, lo, hi = set_network.embed_x(m, self.parts_, x, feats)
            vals = []
            for k, xi in enumerate(scenarios):
                e, elo, ehi = set_network.embed_xi_fixed_scenario(m, self.parts_, x, feats,
                                                                  instance.xi_item_views(xi), name=f"xi{k}")
                vals.append(set_network.embed_value(m, self.parts_, ex, lo, hi, e, elo, ehi, name=f"v{k}"))
        for k, v in enumerate(vals):
            m.add(theta <= s * v, name=f"scenario{k}")
        for k, xc in enumerate(exclude or []):      # no-good cuts: x differs from xc in at least one item
            m.add((1 - xc) @ x + xc @ (1 - x) >= 1, name=f"exclude{k}")
        m.maximize(instance.first_stage_objective_expr(x) + theta)
        res = solve_mip(m, self.backend, time_limit, rel_gap=1e-4)
        return res, x

    def _main_local_search(self, instance: Any, feats: np.ndarray, scenarios: list, visited: list,
                           deadline: float | None) -> list[tuple[np.ndarray, float]]:
        """The main problem by local search (`main='local_search'`): the local optima found, best first,
        as (x, first-stage value + s min_k V)."""
        n, s = instance.n, value_unit(instance, self.scaler_)
        net = set_network.batch_evaluator(self.parts_, feats, [instance.xi_item_views(xi) for xi in scenarios])
        c0 = instance.first_stage_value(np.zeros(n))
        coef = np.array([instance.first_stage_value(np.eye(n)[i]) for i in range(n)]) - c0

        hot: list = list(range(max(0, net.size - 3), net.size))     # scenarios likely to be the minimum

        def score(X: np.ndarray, threshold: float | None = None) -> np.ndarray:
            """Exact where the value can exceed `threshold`: the min over the 'hot' scenarios is an upper
            bound, and only rows whose bound exceeds the threshold get the other scenarios too."""
            base, ex = X @ coef + c0, net.x_part(X)
            if threshold is None or net.size <= len(hot):
                return base + s * net(X, None, ex).min(axis=1)
            vals = base + s * net(X, hot, ex).min(axis=1)
            need = np.flatnonzero(vals > threshold)
            rest = [k for k in range(net.size) if k not in hot]
            if need.size:
                full = net(X[need], rest, ex[need])
                rest_min = full.min(axis=1)
                vals[need] = np.minimum(vals[need], base[need] + s * rest_min)
                j = int(np.argmax(vals[need]))
                if base[need[j]] + s * rest_min[j] <= vals[need[j]]:     # binding at the best row: make it hot
                    hot.pop(0)
                    hot.append(rest[int(np.argmin(full[j]))])
            return vals
        rng = np.random.default_rng(self.seed + len(scenarios))
        sampler = getattr(instance, "guided_first_stage", instance.random_first_stage)
        starts = np.vstack([np.asarray(visited[-2:], dtype=float).reshape(-1, n),      # the last x's, then fresh
                            sampler(self.local_search_starts, rng), np.zeros((0 if visited else 1, n))])
        return local_search(score, starts, instance.first_stage_budget(), seed=self.seed, deadline=deadline)

    def _heuristic_scenario(self, instance: Any, feats: np.ndarray, x: np.ndarray, scenarios: list) -> np.ndarray:
        """The scenario of smallest network value among those found and random ones (a MIP start)."""
        rng = np.random.default_rng(self.seed)
        cands = list(scenarios) + list(instance.random_scenarios(64, rng))
        if self.problem == "knapsack":
            cands.append(self._greedy_knapsack_scenario(instance, feats, x))
        vals = [set_network.value(self.parts_, x, feats, instance.xi_item_views(c)) for c in cands]
        return np.asarray(cands[int(np.argmin(vals))], dtype=float)

    def _greedy_knapsack_scenario(self, instance: Any, feats: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Greedy vertex of Xi for min_xi V(x, xi): floor(Gamma) times set xi_i = 1 on the item that lowers V most,
        then best-improvement swaps (one degraded item for another) while V decreases.

        The scenario net is item-separable (item i sees only xi_i), so the per-item outputs at xi_i = 0, 1 and
        the remainder are computed once and every greedy step is one batched pass of the post-aggregation net.
        """
        n, gamma = instance.n, instance.gamma
        full, rest = int(math.floor(gamma + 1e-9)), gamma - math.floor(gamma + 1e-9)
        a0, a1, ar = (set_network.item_outputs(self.parts_, "xi_item", x, feats, np.full((n, 1), t))
                      for t in (0.0, 1.0, rest))
        ex = set_network.x_embedding_constant(self.parts_, x, feats)
        xi, total = np.zeros(n), a0.sum(axis=0)

        def values(sums: np.ndarray) -> np.ndarray:
            exi = set_network.post_outputs(self.parts_, "xi_post", sums)
            return set_network.post_outputs(self.parts_, "value", np.column_stack([np.tile(ex, (len(sums), 1)),
                                                                                   exi]))[:, 0]
        for step in range(min(full, n) + (1 if rest > 1e-9 else 0)):
            delta = (a1 if step < full else ar) - a0
            v = values(total[None] + delta)
            v[xi > 0] = np.inf
            i = int(np.argmin(v))
            if not np.isfinite(v[i]):
                break
            xi[i] = 1.0 if step < full else rest
            total = total + delta[i]
        d1 = a1 - a0
        for _ in range(2 * n):                        # best-improvement swaps of one fully degraded item
            on, off = np.flatnonzero(xi == 1.0), np.flatnonzero(xi == 0.0)
            if not on.size or not off.size:
                break
            cand = total[None, None] - d1[on][:, None] + d1[off][None, :]
            v = values(cand.reshape(-1, total.size)).reshape(on.size, off.size)
            k = int(np.argmin(v))
            if v.flat[k] >= values(total[None])[0] - 1e-12:
                break
            i, j = on[k // off.size], off[k % off.size]
            xi[i], xi[j] = 0.0, 1.0
            total = cand[k // off.size, k % off.size]
        return xi

    def _adversary(self, instance: Any, feats: np.ndarray, x: np.ndarray, scenarios: list,
                   time_limit: float | None, theta: float | None = None) -> tuple:
        """min over Xi of the network at x: (scenario, value in network units, proven minimal) or None's.

        With `adversary='heuristic_first'` and `theta` (network units), a heuristic scenario already below
        theta is returned without the MIP (any violated scenario is a valid CCG cut); the MIP, warm-started
        from that scenario, is solved otherwise.  `adversary='heuristic'` never solves the MIP (the loop
        then stops with 'adversary_limit' when the heuristic finds no violated scenario)."""
        xi0 = self._heuristic_scenario(instance, feats, x, scenarios)
        if self.adversary != "mip" and theta is not None:
            v0 = set_network.value(self.parts_, x, feats, instance.xi_item_views(xi0))
            if v0 < theta - 1e-4 * max(1.0, abs(theta)) or self.adversary == "heuristic":
                return xi0, v0, False
        m = optlib.Model("neur2ro_adversary")
        xi = instance.add_xi(m)
        warm: dict = {xi: xi0}
        e = set_network.x_embedding_constant(self.parts_, x, feats)
        ulo, uhi = instance.xi_item_bounds()
        bnds = None
        if self.adversary_bounds == "symbolic":
            bnds = set_network.adversary_bounds(self.parts_, feats, instance.xi_view_matrices(),
                                                Domain(*instance.xi_set()), x=x)
        exi, lo, hi = set_network.embed_xi(m, self.parts_, instance.xi_item_exprs(xi), ulo, uhi, feats,
                                           u_start=instance.xi_item_views(xi0), warm_start=warm, x=x,
                                           bounds=None if bnds is None else bnds[:2])
        e0 = set_network.xi_embedding_constant(self.parts_, feats, instance.xi_item_views(xi0), x)
        m.minimize(set_network.embed_value(m, self.parts_, e, e, e, exi, lo, hi, start=np.concatenate([e, e0]),
                                           warm_start=warm, bounds=None if bnds is None else bnds[2]))
        res = m.solve(backend=self.backend, time_limit=time_limit, rel_gap=1e-4, threads=1, warm_start=warm)
        if not res.status.has_solution:
            return None, None, False
        return instance.check_xi(np.asarray(res[xi])), float(res.objective), res.status is optlib.Status.OPTIMAL

    def solve(self, instance: Any, time_limit: float | None = None, evaluate: bool = True,
              eval_time_limit: float | None = 600.0) -> Neur2ROResult:
        """Neur2RO on one instance; `evaluate` adds the exact worst case of the returned x.

        With `n_candidates` = k > 1 (exact post-step, after the ML loop): up to k distinct x's - the final
        one, the earlier iterations' x's (best network value over the final scenarios first), then the
        main problem re-solved with no-good cuts while time is left - are evaluated by the exact
        adversary, and the best exact one is returned
        (`ml_x`/`ml_exact_value` keep the pure ML-CCG answer).  `eval_time_limit` is per candidate.
        """
        self._check_fitted()
        time_limit = check_time_limit(time_limit)
        eval_time_limit = check_time_limit(eval_time_limit, "eval_time_limit")
        feats = self._feats(instance)
        t0 = time.perf_counter()
        deadline = None if time_limit is None else t0 + time_limit
        x, status, it, pred, scenarios, visited, last_optimal = self._ml_ccg(instance, feats, deadline)
        if x is not None and (status == "time_limit" or not last_optimal):
            # the last main problem stopped early (time limit, or its own limit before optimality): keep
            # the visited x of best network value over all scenarios found (what a converged run's final
            # main problem maximises)
            x, pred = max(self._rated(instance, feats, scenarios, visited), key=lambda c: c[1])
        t_solve = time.perf_counter() - t0
        if x is None:       # the time limit came before the first main problem had a solution
            return Neur2ROResult(x=None, predicted_value=math.nan, exact_value=None, exact_upper=None, exact=False,
                                 iterations=it, scenarios=scenarios, timings={"solve": t_solve, "evaluation": 0.0},
                                 status=status)
        cands = [(x, pred)]
        if self.n_candidates > 1:
            cands += self._iteration_candidates(instance, feats, scenarios, visited, x)[:self.n_candidates - 1]
            cands += self._more_candidates(instance, feats, scenarios, [c for c, _ in cands], deadline)
        t_cand = time.perf_counter() - t0 - t_solve
        t1 = time.perf_counter()
        evals = []
        if evaluate:
            for xc, pc in cands:
                wc = instance.worst_case(xc, backend=self.backend, time_limit=eval_time_limit)
                evals.append({"x": xc, "predicted_value": pc, "exact_value": wc.lower, "exact_upper": wc.upper,
                              "exact": wc.exact})
        else:
            evals = [{"x": xc, "predicted_value": pc, "exact_value": None, "exact_upper": None, "exact": False}
                     for xc, pc in cands]
        best = max(evals, key=lambda e: -math.inf if e["exact_value"] is None else e["exact_value"])
        timings = {"solve": t_solve, "evaluation": time.perf_counter() - t1}
        if self.n_candidates > 1:
            timings["candidates"] = t_cand
        return Neur2ROResult(x=best["x"], predicted_value=best["predicted_value"], exact_value=best["exact_value"],
                             exact_upper=best["exact_upper"], exact=best["exact"], iterations=it,
                             scenarios=scenarios, timings=timings, status=status,
                             candidates=evals if self.n_candidates > 1 else [], ml_x=x,
                             ml_exact_value=evals[0]["exact_value"])

    def _ml_ccg(self, instance: Any, feats: np.ndarray, deadline: float | None) -> tuple:
        """The ML-driven CCG loop: (x, status, iterations, predicted value, scenarios, main-problem x's,
        whether the last main problem was solved to optimality)."""
        scenarios, visited, last_optimal = [instance.initial_scenario()], [], False
        x, status, it, pred = None, "iteration_limit", 0, math.nan
        s = value_unit(instance, self.scaler_)
        cache: dict = {}
        others: list = []
        while it < self.max_iter:
            it += 1
            if self.main == "local_search":
                optima = self._main_local_search(instance, feats, scenarios, visited, deadline)
                (x, obj), others = optima[0], optima[1:]
                last_optimal = False
            else:
                res, xvar = self._main(instance, feats, scenarios, remaining(deadline), cache=cache)
                if not res.status.has_solution:
                    if res.status is not optlib.Status.NO_SOLUTION:
                        raise RuntimeError(f"Neur2RO main problem ended with status {res.status.name}: {res.message}")
                    status = "time_limit"
                    break
                x, obj = np.round(res[xvar]), res.objective
                last_optimal = res.status is optlib.Status.OPTIMAL
            visited.append(x)
            theta = obj - instance.first_stage_value(x)
            lim = self.adversary_time_limit
            rem = remaining(deadline)
            xi_new, v_net, proven = self._adversary(instance, feats, x, scenarios,
                                            lim if rem is None else max(min(lim, rem), 0.05), theta=theta / s)
            if xi_new is None:
                status = "time_limit"
                pred = instance.first_stage_value(x) + theta
                break
            v_new = s * v_net
            pred = instance.first_stage_value(x) + min(theta, v_new)
            if v_new >= theta - 1e-4 * max(1.0, abs(theta)):
                status = "converged" if proven else "adversary_limit"   # no better scenario found / proven
                break
            if any(np.allclose(xi_new, sc, atol=1e-6) for sc in scenarios):
                status = "repeated_scenario"
                break
            scenarios.append(xi_new)
            for xo, vo in others[:self.scenarios_per_iteration - 1]:
                # more cuts per iteration: the heuristic worst scenario of the next-best local optima
                xi_o = self._heuristic_scenario(instance, feats, xo, scenarios)
                theta_o = (vo - instance.first_stage_value(xo)) / s
                if (set_network.value(self.parts_, xo, feats, instance.xi_item_views(xi_o))
                        < theta_o - 1e-4 * max(1.0, abs(theta_o))
                        and not any(np.allclose(xi_o, sc, atol=1e-6) for sc in scenarios)):
                    scenarios.append(xi_o)
            if deadline is not None and time.perf_counter() >= deadline:
                status = "time_limit"
                break
        return x, status, it, pred, scenarios, visited, last_optimal

    def _rated(self, instance: Any, feats: np.ndarray, scenarios: list, xs: list) -> list:
        """(x, first-stage value + min over `scenarios` of the network) for the distinct x's of `xs`."""
        s = value_unit(instance, self.scaler_)
        seen, out = set(), []
        for xc in xs:
            key = xc.astype(np.int8).tobytes()
            if key not in seen:
                seen.add(key)
                v = min(set_network.value(self.parts_, xc, feats, instance.xi_item_views(xi)) for xi in scenarios)
                out.append((xc, instance.first_stage_value(xc) + s * v))
        return out

    def _iteration_candidates(self, instance: Any, feats: np.ndarray, scenarios: list, visited: list,
                              final: np.ndarray) -> list:
        """The other distinct x's of the ML-CCG iterations, best first by the network's value over all scenarios."""
        others = [xc for xc in visited if not np.array_equal(xc, final)]
        return sorted(self._rated(instance, feats, scenarios, others), key=lambda c: -c[1])

    def _more_candidates(self, instance: Any, feats: np.ndarray, scenarios: list, found: list,
                         deadline: float | None) -> list:
        """Up to n_candidates - 1 further x's: the main problem with no-good cuts on the x's found."""
        out: list = []
        found = list(found)
        cache: dict = {}
        while len(found) < self.n_candidates and (deadline is None or time.perf_counter() < deadline):
            res, xvar = self._main(instance, feats, scenarios, remaining(deadline), exclude=found, cache=cache)
            if not res.status.has_solution:
                break
            xc = np.round(res[xvar])
            found.append(xc)
            out.append((xc, float(res.objective)))
        return out

    # -- persistence ----------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> tuple[str, str]:
        """Write `path`.pt (torch state dict) and `path`.json (config, scaler, hyper-parameters)."""
        import torch

        self._check_fitted()
        base = str(path)
        base = base[:-3] if base.endswith(".pt") else base
        torch.save(self.net_.state_dict(), base + ".pt")
        meta = {"problem": self.problem, "config": self.config_, "scaler": self.scaler_,
                "params": {k: getattr(self, k) for k in ("epochs", "lr", "batch_size", "n_first_stage", "n_scenarios",
                                                         "max_iter", "adversary_time_limit", "patience", "seed",
                                                         "sampling", "feature_version", "interaction")},
                "history": {k: v for k, v in getattr(self, "history_", {}).items() if k not in ("train", "val")}}
        with open(base + ".json", "w") as fh:
            json.dump(meta, fh, indent=1)
        return base + ".pt", base + ".json"

    @classmethod
    def load(cls, path: str | os.PathLike, **kwargs: Any) -> "Neur2RO":
        """Load a model written by `save` (weights_only torch load: no pickled classes)."""
        import torch

        from solvers.neural import value_net

        base = str(path)
        base = base[:-3] if base.endswith(".pt") else base
        for ext in (".pt", ".json"):
            if not os.path.isfile(base + ext):
                raise ValueError(f"path {path!r}: {base + ext} does not exist")
        with open(base + ".json") as fh:
            meta = json.load(fh)
        params = dict(meta.get("params", {}))
        params.update(kwargs)
        params.setdefault("feature_version", meta["scaler"].get("feature_version", 1))
        params.setdefault("interaction", bool(meta["config"].get("xi_x_interaction", False)))
        model = cls(problem=meta["problem"], architecture=meta["config"], **params)
        net = value_net.build(meta["config"])
        net.load_state_dict(torch.load(base + ".pt", map_location="cpu", weights_only=True))
        model.config_, model.scaler_, model.net_ = value_net.check_config(meta["config"]), meta["scaler"], net
        model.history_ = meta.get("history", {})
        model.parts_ = value_net.export_numpy(net)
        return model

    @classmethod
    def pretrained(cls, name: str, **kwargs: Any) -> "Neur2RO":
        """The small models shipped with the package: 'knapsack' or 'capital_budgeting'."""
        if name not in PROBLEMS:
            raise ValueError(f"name must be one of {PROBLEMS}, got {name!r}")
        return cls.load(PRETRAINED_DIR / f"{name}.pt", **kwargs)
