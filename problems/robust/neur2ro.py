"""Neur2RO: column-and-constraint generation over a learned second-stage value function.

Dumouchelle, Julien, Kurtz, Khalil, "Neur2RO: Neural Two-Stage Robust Optimization", ICLR 2024.
A set network V(x, xi) ~ Q(x, xi) (see `solvers.neural.value_net`) is trained on recourse values,
then embedded as a MIP (`solvers.neural.set_network`):

    main:      max_x  a'x + theta   s.t.  theta <= s V(x, xi_k)  for the scenarios found,
    adversary: min_{xi in Xi} V(x, xi)  for the main problem's x,

until the adversary finds no scenario below theta (relative 1e-4), repeats one, or `max_iter` rounds.
The final x is evaluated exactly (`instance.worst_case`): `exact_value` is a certified lower bound on
its worst-case value.  torch is needed to train and to load weights, not to solve.
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

from ._mip import check_time_limit, remaining, solve_mip
from .capital_budgeting import generate_capital_budgeting
from .data import collect_data, fit_scaler, to_arrays, value_unit
from .knapsack import CORRELATIONS, generate_knapsack

PROBLEMS = ("knapsack", "capital_budgeting")
PRETRAINED_DIR = Path(__file__).with_name("pretrained")
ITEM_FEATURES = {"knapsack": 6, "capital_budgeting": 11}
XI_ITEM_INPUTS = {"knapsack": 1, "capital_budgeting": 2}


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
    status: str                     # 'converged', 'repeated_scenario', 'iteration_limit' or 'time_limit'

    def summary(self) -> str:
        ev = "not evaluated" if self.exact_value is None else f"{self.exact_value:.4f}"
        if self.x is None:
            return f"Neur2RO: no first-stage solution ({self.status}, {self.timings.get('solve', 0):.1f} s)"
        return (f"Neur2RO: x with {int(self.x.sum())} items, predicted {self.predicted_value:.4f}, exact {ev} "
                f"({self.iterations} iterations, {self.timings.get('solve', 0):.1f} s, {self.status})")


def random_instances(problem: str, count: int, sizes: Sequence[int], seed: int = 0) -> list:
    """Random training instances with the paper's generator parameters."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        n = int(rng.choice(list(sizes)))
        if problem == "knapsack":
            out.append(generate_knapsack(n, correlation=str(rng.choice(CORRELATIONS)), h=int(rng.choice([40, 80])),
                                         delta=float(rng.choice([0.1, 0.5, 1.0])),
                                         budget_factor=float(rng.choice([0.1, 0.15, 0.2])), seed=rng))
        else:
            out.append(generate_capital_budgeting(n, seed=rng))
    return out


class Neur2RO:
    """Learn the second-stage value, then solve robust instances by ML-driven CCG (sklearn-style)."""

    def __init__(self, problem: str = "knapsack", architecture: dict | None = None, epochs: int = 300,
                 lr: float = 1e-3, batch_size: int = 256, n_first_stage: int = 10, n_scenarios: int = 20,
                 n_jobs: int = 1, device: str = "auto", backend: str = "highs", max_iter: int = 20,
                 adversary_time_limit: float = 30.0, patience: int | None = 25, seed: int = 0,
                 verbose: bool = False):
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

    # -- training -------------------------------------------------------------------------
    def _config(self) -> dict:
        from solvers.neural.value_net import check_config, default_config

        cfg = default_config(ITEM_FEATURES[self.problem], XI_ITEM_INPUTS[self.problem])
        cfg.update(self.architecture or {})
        return check_config(cfg)

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
                                seed=self.seed, backend=self.backend, progress=self.verbose)
        self.scaler_ = fit_scaler(data)
        arrays = to_arrays(data, self.scaler_)
        self.config_ = self._config()
        net = value_net.build(self.config_)
        self.history_ = value_net.train(net, arrays, epochs=self.epochs, lr=self.lr, batch_size=self.batch_size,
                                        device=self.device, seed=self.seed, verbose=self.verbose,
                                        patience=self.patience)
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
        return instance.item_features() / np.asarray(self.scaler_["feature_scale"])

    def predict(self, instance: Any, x: Any, xi: Any) -> float:
        """Network estimate of the recourse value Q(x, xi) in the instance's units (numpy only)."""
        self._check_fitted()
        x, xi = instance.check_x(x), instance.check_xi(xi)
        v = set_network.value(self.parts_, x, self._feats(instance), instance.xi_item_views(xi))
        return v * value_unit(instance, self.scaler_)

    # -- ML-driven CCG --------------------------------------------------------------------
    def _main(self, instance: Any, feats: np.ndarray, scenarios: list, time_limit: float | None) -> tuple:
        m = optlib.Model("neur2ro_main")
        x = m.boolean(instance.n, name="x")
        instance.add_first_stage(m, x)
        ex, lo, hi = set_network.embed_x(m, self.parts_, x, feats)
        theta = m.continuous(name="theta")
        s = value_unit(instance, self.scaler_)
        for k, xi in enumerate(scenarios):
            e = set_network.xi_embedding_constant(self.parts_, feats, instance.xi_item_views(xi))
            m.add(theta <= s * set_network.embed_value(m, self.parts_, ex, lo, hi, e, e, e, name=f"v{k}"),
                  name=f"scenario{k}")
        m.maximize(instance.first_stage_objective_expr(x) + theta)
        res = solve_mip(m, self.backend, time_limit, rel_gap=1e-4)
        return res, x

    def _heuristic_scenario(self, instance: Any, feats: np.ndarray, x: np.ndarray, scenarios: list) -> np.ndarray:
        """The scenario of smallest network value among those found and random ones (a MIP start)."""
        rng = np.random.default_rng(self.seed)
        cands = list(scenarios) + list(instance.random_scenarios(64, rng))
        vals = [set_network.value(self.parts_, x, feats, instance.xi_item_views(c)) for c in cands]
        return np.asarray(cands[int(np.argmin(vals))], dtype=float)

    def _adversary(self, instance: Any, feats: np.ndarray, x: np.ndarray, scenarios: list,
                   time_limit: float | None) -> tuple:
        m = optlib.Model("neur2ro_adversary")
        xi = instance.add_xi(m)
        xi0 = self._heuristic_scenario(instance, feats, x, scenarios)
        warm: dict = {xi: xi0}
        e = set_network.x_embedding_constant(self.parts_, x, feats)
        ulo, uhi = instance.xi_item_bounds()
        exi, lo, hi = set_network.embed_xi(m, self.parts_, instance.xi_item_exprs(xi), ulo, uhi, feats,
                                           u_start=instance.xi_item_views(xi0), warm_start=warm)
        e0 = set_network.xi_embedding_constant(self.parts_, feats, instance.xi_item_views(xi0))
        m.minimize(set_network.embed_value(m, self.parts_, e, e, e, exi, lo, hi, start=np.concatenate([e, e0]),
                                           warm_start=warm))
        res = m.solve(backend=self.backend, time_limit=time_limit, rel_gap=1e-4, threads=1, warm_start=warm)
        return res, xi

    def solve(self, instance: Any, time_limit: float | None = None, evaluate: bool = True,
              eval_time_limit: float | None = 600.0) -> Neur2ROResult:
        """Neur2RO on one instance; `evaluate` adds the exact worst case of the returned x."""
        self._check_fitted()
        time_limit = check_time_limit(time_limit)
        eval_time_limit = check_time_limit(eval_time_limit, "eval_time_limit")
        feats = self._feats(instance)
        t0 = time.perf_counter()
        deadline = None if time_limit is None else t0 + time_limit
        scenarios = [instance.initial_scenario()]
        x, status, it, pred = None, "iteration_limit", 0, math.nan
        s = value_unit(instance, self.scaler_)
        while it < self.max_iter:
            it += 1
            res, xvar = self._main(instance, feats, scenarios, remaining(deadline))
            if not res.status.has_solution:
                if res.status is not optlib.Status.NO_SOLUTION:
                    raise RuntimeError(f"Neur2RO main problem ended with status {res.status.name}: {res.message}")
                status = "time_limit"
                break
            x = np.round(res[xvar])
            theta = res.objective - instance.first_stage_value(x)
            lim = self.adversary_time_limit
            rem = remaining(deadline)
            adv, xivar = self._adversary(instance, feats, x, scenarios,
                                         lim if rem is None else max(min(lim, rem), 0.05))
            if not adv.status.has_solution:
                status = "time_limit"
                pred = instance.first_stage_value(x) + theta
                break
            xi_new = instance.check_xi(np.asarray(adv[xivar]))
            v_new = s * float(adv.objective)
            pred = instance.first_stage_value(x) + min(theta, v_new)
            if v_new >= theta - 1e-4 * max(1.0, abs(theta)):
                status = "converged"
                break
            if any(np.allclose(xi_new, sc, atol=1e-6) for sc in scenarios):
                status = "repeated_scenario"
                break
            scenarios.append(xi_new)
            if deadline is not None and time.perf_counter() >= deadline:
                status = "time_limit"
                break
        t_solve = time.perf_counter() - t0
        if x is None:       # the time limit came before the first main problem had a solution
            return Neur2ROResult(x=None, predicted_value=math.nan, exact_value=None, exact_upper=None, exact=False,
                                 iterations=it, scenarios=scenarios, timings={"solve": t_solve, "evaluation": 0.0},
                                 status=status)
        ev_lo = ev_hi = None
        exact = False
        t1 = time.perf_counter()
        if evaluate:
            wc = instance.worst_case(x, backend=self.backend, time_limit=eval_time_limit)
            ev_lo, ev_hi, exact = wc.lower, wc.upper, wc.exact
        return Neur2ROResult(x=x, predicted_value=pred, exact_value=ev_lo, exact_upper=ev_hi, exact=exact,
                             iterations=it, scenarios=scenarios,
                             timings={"solve": t_solve, "evaluation": time.perf_counter() - t1}, status=status)

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
                                                         "max_iter", "adversary_time_limit", "patience", "seed")},
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
