"""Neur2RO: column-and-constraint generation over a learned second-stage value function.

Dumouchelle, Julien, Kurtz, Khalil, "Neur2RO: Neural Two-Stage Robust Optimization", ICLR 2024.
A set network V(x, xi) ~ Q(x, xi) (see `solvers.neural.value_net`) is trained on recourse values,
then embedded as a MIP (`solvers.neural.set_network`):

    main:      max_x  a'x + theta   s.t.  theta <= s V(x, xi_k)  for the scenarios found,
    adversary: min_{xi in Xi} V(x, xi)  for the main problem's x,

in the CCG loop shared with exact CCG (`ccg.ccg_loop`), until the adversary finds no scenario below theta
(relative 1e-4), repeats one, or `max_iter` rounds.  The final x is evaluated exactly
(`instance.worst_case`): `exact_value` is a certified lower bound on its worst-case value.  torch is
needed to train and to load weights, not to solve.

The parts: this module is the estimator (fit, predict, solve, save / load); `neur2ro_options` holds every
option (one frozen dataclass, validated in one place); `_neur2ro_network` the network bound to an instance
(its MIPs and heuristics); `_neur2ro_loop` the two CCG steps and the exact post-step.

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

Defaults (`config='auto'`, `neur2ro_options`): local search, 4 scenarios per iteration and the heuristic
adversary (on the held-out knapsack study of docs/benchmarks.md: median error 0.44 %, end to end with the
certified evaluation >= 13x faster than exact CCG where CCG does not finish in 60 s, 5-7x where it proves
the optimum in seconds); `config='paper'` is the paper's loop (MIP main problem and MIP adversary).
`time_limit` of `solve` covers the exact evaluation (warm-started at the loop's scenarios; `eval_gap`
stops it early with honest bounds; `evaluate='none'` skips it and claims no objective); a fitted model
pickles (the torch module travels as its weights); training runs on `device` ('auto': CUDA when torch
sees a GPU); training data can be labelled on any `optlib.bench.executors` executor
(`executor='processes'` / `'dask'`); `solve(progress=True)` and `ccg(progress=True)` report each round.
"""
from __future__ import annotations

import dataclasses
import inspect
import json
import math
import os
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

import optlib
from optlib.answer import GapFromBound
from optlib.progress import ProgressArg, Reporter
from solvers.neural import set_network

from . import _neur2ro_loop as loop
from ._mip import check_time_limit
from ._neur2ro_network import InstanceNetwork
from .capital_budgeting import generate_capital_budgeting
from .ccg import LoopOutcome
from .data import collect_data, features, fit_scaler, to_arrays, value_unit
from .knapsack import CORRELATIONS, generate_knapsack
from .neur2ro_options import (ADVERSARIES, FEATURE_VERSIONS, MAIN_BOUNDS, PROBLEMS, XI_ITEM_INPUTS, Neur2ROOptions,
                              check_device)

__all__ = ["Neur2RO", "Neur2ROResult", "random_instances", "resolve_device", "STOP_REASONS", "PRETRAINED_DIR",
           # the option constants, re-exported where they were before the split
           "PROBLEMS", "FEATURE_VERSIONS", "XI_ITEM_INPUTS", "ADVERSARIES", "MAIN_BOUNDS"]

PRETRAINED_DIR = Path(__file__).with_name("pretrained")
STOP_REASONS = ("converged", "adversary_limit", "repeated_scenario", "iteration_limit", "time_limit")


@dataclasses.dataclass(frozen=True)
class Neur2ROResult(GapFromBound):
    """First-stage x from Neur2RO, the network's worst-case estimate and the exact evaluation (an
    `optlib.Answer`: `objective` = `exact_value`, no upper bound, so status FEASIBLE, never OPTIMAL)."""

    x: np.ndarray | None            # None only if the time limit came before any first-stage solution
    predicted_value: float          # first-stage value + min over the scenarios found of the network's value
    exact_value: float | None       # certified lower bound on the true worst-case value of x (None: not evaluated)
    exact_upper: float | None       # profit at the worst scenario found (upper bound on the worst case)
    exact: bool                     # exact_value == exact_upper to 1e-6
    iterations: int
    scenarios: list
    timings: Mapping[str, float]    # total, solve (the ML loop), evaluation, candidates (n_candidates > 1)
    status: optlib.Status           # FEASIBLE with an x (Neur2RO proves no bound), NO_SOLUTION without
    stop_reason: str = ""           # how the loop ended: one of STOP_REASONS ('adversary_limit': no violated
    #                                 scenario found, not proven)
    # with n_candidates > 1 (exact post-step): every candidate x with its predicted and exact value;
    # x / exact_value above are then the candidate of best exact value, ml_x / ml_exact_value the
    # pure ML-CCG answer (the last main-problem x, or the best-rated visited x when the loop stopped early).
    candidates: list = dataclasses.field(default_factory=list, repr=False)
    ml_x: np.ndarray | None = None
    ml_exact_value: float | None = None
    limit_reached: str | None = None   # 'time_limit' (loop or post-step cut by the deadline), 'iteration_limit'
    verified: bool = False             # exact_value comes from adversary solves that passed optlib's checks
    results: tuple = dataclasses.field(default=(), repr=False)   # the loop's and the evaluation's Results

    @property
    def objective(self) -> float | None:
        """The certified worst-case value of x (`exact_value`), None when not evaluated (or no bound yet)."""
        v = self.exact_value
        return float(v) if v is not None and math.isfinite(v) else None

    @property
    def bound(self) -> float:
        """No upper bound on the robust optimum: +inf."""
        return math.inf

    def summary(self) -> str:
        ev = "not evaluated" if self.exact_value is None else f"{self.exact_value:.4f}"
        if self.x is None:
            return f"Neur2RO: no first-stage solution ({self.stop_reason}, {self.timings.get('solve', 0):.1f} s)"
        return (f"Neur2RO: x with {int(self.x.sum())} items, predicted {self.predicted_value:.4f}, exact {ev} "
                f"({self.iterations} iterations, {self.timings.get('solve', 0):.1f} s, {self.stop_reason})")


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


def resolve_device(device: str = "auto") -> str:
    """The torch device training runs on: 'auto' -> 'cuda' when torch.cuda.is_available(), else 'cpu';
    'cuda' / 'cuda:N' only when that GPU is there (ValueError naming `device` otherwise)."""
    import torch

    device = check_device(device)
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda"):
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        index = int(device.partition(":")[2] or 0)
        if index >= count:
            raise ValueError(f"device {device!r}: torch sees {count} CUDA device(s) (torch.cuda.is_available() = "
                             f"{torch.cuda.is_available()}); use device='auto' or 'cpu'")
    return device


class Neur2RO:
    """Learn the second-stage value, then solve robust instances by ML-driven CCG (sklearn-style).

    The constructor takes the fields of `Neur2ROOptions` (see there for each one), stores them as
    attributes and validates them there; `fit` / `solve` rebuild the options from the attributes.
    """

    def __init__(self, *args: Any, **kwargs: Any):
        bound = _SIGNATURE.bind(self, *args, **kwargs)        # TypeError naming an unknown argument
        opts = Neur2ROOptions(**{k: v for k, v in bound.arguments.items() if k != "self"})
        for name in Neur2ROOptions.names():
            setattr(self, name, getattr(opts, name))

    def get_params(self) -> dict[str, Any]:
        """The constructor parameters (the fields of `Neur2ROOptions`) as set now."""
        return {name: getattr(self, name) for name in Neur2ROOptions.names()}

    def _options(self) -> Neur2ROOptions:
        return Neur2ROOptions(**self.get_params())

    # -- training -------------------------------------------------------------------------
    def _config(self) -> dict:
        from solvers.neural.value_net import check_config, default_config

        opts = self._options()
        cfg = default_config(FEATURE_VERSIONS[opts.problem][opts.feature_version_], XI_ITEM_INPUTS[opts.problem])
        cfg["xi_x_interaction"] = opts.interaction
        cfg.update(opts.architecture or {})
        return check_config(cfg)

    def fit(self, instances: Sequence[Any] | None = None, data: dict | None = None, n_instances: int = 100,
            sizes: Sequence[int] = (20, 30, 40, 50, 60, 70, 80)) -> "Neur2RO":
        """Collect data on `instances` (random ones if None) unless `data` is given, then train."""
        from solvers.neural import value_net

        opts = self._options()
        device = resolve_device(opts.device)       # before the data: a missing GPU fails at once
        if data is None:
            if instances is None:
                instances = random_instances(opts.problem, n_instances, sizes, seed=opts.seed)
            for inst in instances:
                if getattr(inst, "kind", None) != opts.problem:
                    raise ValueError(f"instances must be {opts.problem} instances, got {type(inst).__name__}")
            data = collect_data(instances, opts.n_first_stage, opts.n_scenarios, n_jobs=opts.n_jobs,
                                seed=opts.seed, backend=opts.backend, progress=opts.verbose, sampling=opts.sampling,
                                options=opts.options, executor=opts.executor_, scheduler=opts.scheduler)
        self.scaler_ = fit_scaler(data, opts.feature_version_)
        arrays = to_arrays(data, self.scaler_, compact=True)
        self.config_ = self._config()
        net = value_net.build(self.config_)
        self.history_ = value_net.train(net, arrays, epochs=opts.epochs, lr=opts.lr, batch_size=opts.batch_size,
                                        device=device, seed=opts.seed, verbose=opts.verbose,
                                        patience=opts.patience, time_limit=opts.train_time_limit)
        self.history_["data_time"] = data["time"]
        self.history_["data_jobs"] = data["jobs"]
        self.history_["data_executor"] = data.get("executor", "local")
        self.net_ = net
        self.parts_ = value_net.export_numpy(net)
        return self

    # -- pickling: the torch module is a class local to value_net.build, so it travels as its weights --------
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        net = state.pop("net_", None)
        if net is not None:
            state["_net_weights"] = {k: v.detach().cpu().numpy() for k, v in net.state_dict().items()}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        weights = state.pop("_net_weights", None)
        self.__dict__.update(state)
        if weights is not None:         # solve needs only parts_ (numpy); the torch module when torch is here
            try:
                import torch

                from solvers.neural import value_net
            except ImportError:
                return
            net = value_net.build(self.config_)
            net.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
            self.net_ = net

    def _check_fitted(self) -> None:
        if not hasattr(self, "parts_"):
            raise RuntimeError("this Neur2RO is not fitted: call fit(...), load(path) or pretrained(name) first")

    def _feats(self, instance: Any) -> np.ndarray:
        if getattr(instance, "kind", None) != self.problem:
            raise ValueError(f"this model was trained for {self.problem!r} instances, got {type(instance).__name__}")
        return features(instance, self.scaler_)

    def _network(self, instance: Any, feats: np.ndarray | None = None,
                 opts: Neur2ROOptions | None = None) -> InstanceNetwork:
        """The fitted network bound to `instance` (see `_neur2ro_network.InstanceNetwork`)."""
        feats = self._feats(instance) if feats is None else feats
        return InstanceNetwork(self.parts_, self.scaler_, instance, opts or self._options(), feats=feats)

    def predict(self, instance: Any, x: Any, xi: Any) -> float:
        """Network estimate of the recourse value Q(x, xi) in the instance's units (numpy only)."""
        self._check_fitted()
        x, xi = instance.check_x(x), instance.check_xi(xi)
        v = set_network.value(self.parts_, x, self._feats(instance), instance.xi_item_views(xi))
        return v * value_unit(instance, self.scaler_)

    # -- the pieces of ML-driven CCG (entry points for tests and experiments) -----------------------
    def _main(self, instance: Any, feats: np.ndarray, scenarios: list, time_limit: float | None,
              exclude: list | None = None, cache: dict | None = None) -> tuple:
        """The main-problem MIP over `scenarios`: (Result, x variable)."""
        return self._network(instance, feats).main_mip(scenarios, time_limit, exclude=exclude, cache=cache)

    def _main_local_search(self, instance: Any, feats: np.ndarray, scenarios: list, visited: list,
                           deadline: optlib.Deadline | float | None) -> list[tuple[np.ndarray, float]]:
        """The main problem by local search: the local optima, best first, as (x, a'x + s min_k V)."""
        return self._network(instance, feats).main_local_search(scenarios, visited, deadline)

    def _greedy_knapsack_scenario(self, instance: Any, feats: np.ndarray, x: np.ndarray) -> np.ndarray:
        """The greedy + swap vertex of Xi for min_xi V(x, xi) (knapsack)."""
        return self._network(instance, feats).greedy_knapsack_scenario(x)

    def _ml_ccg(self, net: InstanceNetwork, deadline: optlib.Deadline, report: Reporter | None = None) -> LoopOutcome:
        """The ML-driven CCG loop (the shared `ccg_loop` with Neur2RO's steps)."""
        return loop.run(net, deadline, report)

    # -- solve ----------------------------------------------------------------------------------
    def solve(self, instance: Any, time_limit: float | None = None, evaluate: bool | str = "exact",
              eval_time_limit: float | None = 600.0, eval_share: float = 0.2,
              progress: ProgressArg = False, eval_gap: float = 1e-6) -> Neur2ROResult:
        """Neur2RO on one instance; `evaluate` adds the exact worst case of the returned x.

        `evaluate`: 'exact' (or True, the default): the certified worst case of x (`exact_value` =
        `objective`, a lower bound no scenario beats, and `exact_upper`, the value at the worst scenario
        found); 'none' (or False): no evaluation, the answer is a feasible x (status FEASIBLE) without a
        certified objective (`objective` None, `verified` False), only the network's `predicted_value`.

        `time_limit` bounds the whole call, the exact evaluation included (one deadline): the ML loop runs
        until (1 - `eval_share`) of it, the evaluation (and the candidate post-step) gets what is left, at
        most `eval_time_limit` per candidate.  A limit never raises: the best answer so far is returned with
        `limit_reached='time_limit'` (an evaluation cut short gives a certified but not exact value).

        With `n_candidates` = k > 1 (exact post-step, after the ML loop): up to k distinct x's - the final
        one, the earlier iterations' x's (best network value over the final scenarios first), then the
        main problem re-solved with no-good cuts while time is left - are evaluated by the exact
        adversary, and the best exact one is returned
        (`ml_x`/`ml_exact_value` keep the pure ML-CCG answer).

        `eval_gap`: the evaluation stops once its own bounds are that close, (upper - lower) <= eval_gap
        max(1, |upper|); the certified `exact_value` is then the lower one (`exact` only within 1e-6).

        `progress` (True, 'bar' or a callable; default silent): a line per round on stderr (iteration, the
        main problem's and the adversary's network values, scenarios), then one per exact evaluation.
        """
        self._check_fitted()
        opts = self._options()
        time_limit = check_time_limit(time_limit)
        eval_time_limit = check_time_limit(eval_time_limit, "eval_time_limit")
        if not (isinstance(evaluate, bool) or isinstance(evaluate, str) and evaluate in ("exact", "none")):
            raise ValueError(f"evaluate must be 'exact' (or True) or 'none' (or False), got {evaluate!r}")
        evaluate = evaluate in (True, "exact")
        if isinstance(eval_gap, bool) or not isinstance(eval_gap, (int, float)) or not 0 <= eval_gap < 1:
            raise ValueError(f"eval_gap must be in [0, 1), got {eval_gap!r}")
        if isinstance(eval_share, bool) or not isinstance(eval_share, (int, float)) or not 0 <= eval_share < 1:
            raise ValueError(f"eval_share must be in [0, 1), got {eval_share!r}")
        with Reporter(progress, "Neur2RO") as report:
            return self._solve(instance, opts, time_limit, evaluate, eval_time_limit, eval_share, report,
                               float(eval_gap))

    def _solve(self, instance: Any, opts: Neur2ROOptions, time_limit: float | None, evaluate: bool,
               eval_time_limit: float | None, eval_share: float, report: Reporter,
               eval_gap: float = 1e-6) -> Neur2ROResult:
        net = self._network(instance, opts=opts)
        t0 = time.perf_counter()
        deadline = optlib.Deadline(time_limit, start=t0)
        loop_deadline = deadline.sub((1 - eval_share) * time_limit) if evaluate and time_limit else deadline
        report(f"{opts.main_} main problem, {opts.adversary_} adversary, {opts.scenarios_per_iteration_} "
               f"scenario(s) per round")
        out = LoopOutcome(*self._ml_ccg(net, loop_deadline, report))
        x, pred = loop.final_choice(net, out)
        report(f"loop: {out.stop_reason} after {out.iterations} iterations, predicted value {pred:.6g}")
        t_solve = time.perf_counter() - t0
        loop_results = tuple(out.results)
        if x is None:       # the time limit came before the first main problem had a solution
            return Neur2ROResult(x=None, predicted_value=math.nan, exact_value=None, exact_upper=None, exact=False,
                                 iterations=out.iterations, scenarios=out.scenarios,
                                 timings={"solve": t_solve, "evaluation": 0.0, "total": deadline.elapsed()},
                                 status=optlib.Status.NO_SOLUTION, stop_reason=out.stop_reason,
                                 limit_reached=out.limit_reached or "time_limit", results=loop_results)
        post = loop.post_step(net, x, pred, out, deadline, evaluate, eval_time_limit, report, eval_gap)
        evals = post["evals"]
        i = max(range(len(evals)), key=lambda j: -math.inf if evals[j]["exact_value"] is None
                else evals[j]["exact_value"])
        best, wc = evals[i], post["worst_cases"][i]
        timings = {"solve": t_solve, "evaluation": post["evaluation"]}
        if opts.n_candidates > 1:
            timings["candidates"] = post["candidates"]
        timings["total"] = deadline.elapsed()
        limit = "time_limit" if post["cut"] else out.limit_reached
        return Neur2ROResult(x=best["x"], predicted_value=best["predicted_value"], exact_value=best["exact_value"],
                             exact_upper=best["exact_upper"], exact=best["exact"], iterations=out.iterations,
                             scenarios=out.scenarios, timings=timings, status=optlib.Status.FEASIBLE,
                             stop_reason=out.stop_reason, candidates=evals if opts.n_candidates > 1 else [],
                             ml_x=x, ml_exact_value=evals[0]["exact_value"], limit_reached=limit,
                             verified=bool(wc is not None and wc.verified),
                             results=loop_results + tuple(post["results"]))

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
        """Load a model written by `save` (weights_only torch load: no pickled classes); `kwargs` override
        the saved parameters (any field of `Neur2ROOptions`)."""
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


# The constructor's signature: `self` and the fields of Neur2ROOptions with their defaults (one source).
_SIGNATURE = inspect.Signature(
    [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    + [inspect.Parameter(f.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=f.default,
                         annotation=f.type) for f in dataclasses.fields(Neur2ROOptions)])
Neur2RO.__init__.__signature__ = _SIGNATURE     # type: ignore[attr-defined]
