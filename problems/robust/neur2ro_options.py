"""The options of Neur2RO in one frozen dataclass, validated in one place (`Neur2ROOptions.__post_init__`).

`Neur2RO(**kw)` takes exactly these fields as its constructor parameters (its signature is generated from
this class) and rebuilds the options from its attributes at `fit` / `solve`, so an attribute changed after
construction is validated there too.
"""
from __future__ import annotations

import dataclasses
import numbers
from typing import Any, Mapping

from ._mip import check_backend, check_options, check_time_limit

PROBLEMS = ("knapsack", "capital_budgeting")
FEATURE_VERSIONS = {"knapsack": {1: 6, 2: 11}, "capital_budgeting": {1: 11}}   # version -> item features
XI_ITEM_INPUTS = {"knapsack": 1, "capital_budgeting": 2}
SAMPLINGS = ("uniform", "guided")
ADVERSARIES = ("heuristic_first", "mip", "heuristic")  # heuristic: no MIP (stops when the heuristic finds no cut)
MAIN_BOUNDS = ("obbt", "symbolic", "interval")         # big-M bounds in the main problem, tightest first
MAINS = ("mip", "local_search")
ADVERSARY_BOUNDS = ("symbolic", "interval")


def _int(name: str, v: Any, low: int) -> int:
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < low:
        kind = "positive" if low == 1 else "nonnegative"
        raise ValueError(f"{name} must be a {kind} integer, got {v!r}")
    return int(v)


def _choice(name: str, v: Any, allowed: tuple) -> Any:
    if v not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {v!r}")
    return v


@dataclasses.dataclass(frozen=True)
class Neur2ROOptions:
    """Every option of a Neur2RO model (the defaults are the constructor's)."""

    # (in the order of the constructor's positional parameters, as before the split)
    problem: str = "knapsack"                  # one of PROBLEMS
    architecture: dict | None = None           # overrides of solvers.neural.value_net.default_config
    epochs: int = 300                          # training
    lr: float = 1e-3
    batch_size: int = 256
    n_first_stage: int = 10                    # training data: first-stage samples per instance
    n_scenarios: int = 20                      # training data: scenarios per first-stage sample
    n_jobs: int = 1                            # labelling processes (-1: all cores)
    device: str = "auto"                       # torch device ('auto': cuda when present)
    backend: str = "highs"                     # every MIP / LP (data labels, main, adversary, evaluation)
    max_iter: int = 20                         # rounds of the ML-driven CCG loop
    adversary_time_limit: float | None = 30.0  # seconds per adversary MIP (never past the call's deadline)
    patience: int | None = 25                  # early stopping of training (None: off)
    seed: int = 0
    verbose: bool = False                      # progress of data collection and training
    sampling: str = "uniform"                  # 'uniform' or 'guided' (near greedy x's, worst-case-like xi)
    feature_version: int | None = None         # item features (None: 1); knapsack 2 = size-free shares
    interaction: bool = False                  # the scenario net also sees x_i xi_i (still an exact MIP)
    train_time_limit: float | None = None      # seconds of training (None: no limit)
    n_candidates: int = 1                      # > 1: exact post-step over that many candidate x's
    adversary: str = "heuristic_first"         # 'heuristic_first', 'mip' or 'heuristic' (no MIP)
    main_bounds: str = "obbt"                  # big-M bounds of the main MIP: 'obbt', 'symbolic', 'interval'
    main: str = "mip"                          # 'mip' (the network embedded) or 'local_search' (heuristic)
    local_search_starts: int = 4               # fresh starts of the local-search main problem
    scenarios_per_iteration: int = 1           # local search: cuts from up to k local optima per round
    adversary_bounds: str = "interval"         # big-M bounds of the adversary MIP: 'interval' or 'symbolic'
    options: Mapping[str, Any] | None = None   # backend options for every solve (optlib.Model.solve keywords)

    def __post_init__(self) -> None:
        put = lambda name, v: object.__setattr__(self, name, v)   # noqa: E731  (frozen: normalise in place)
        _choice("problem", self.problem, PROBLEMS)
        if self.architecture is not None and not isinstance(self.architecture, Mapping):
            raise ValueError(f"architecture must be a dict of network sizes or None, got {self.architecture!r}")
        if self.feature_version is not None and self.feature_version not in FEATURE_VERSIONS[self.problem]:
            raise ValueError(f"feature_version for {self.problem!r} must be one of "
                             f"{sorted(FEATURE_VERSIONS[self.problem])}, got {self.feature_version!r}")
        put("interaction", bool(self.interaction))
        for name in ("n_first_stage", "n_scenarios", "epochs", "batch_size", "max_iter", "n_candidates",
                     "scenarios_per_iteration"):
            put(name, _int(name, getattr(self, name), 1))
        put("local_search_starts", _int("local_search_starts", self.local_search_starts, 0))
        put("seed", _int("seed", self.seed, 0))
        if self.n_jobs != -1:
            put("n_jobs", _int("n_jobs (or -1)", self.n_jobs, 1))
        if self.patience is not None:
            put("patience", _int("patience", self.patience, 1))
        _choice("sampling", self.sampling, SAMPLINGS)
        _choice("main", self.main, MAINS)
        _choice("main_bounds", self.main_bounds, MAIN_BOUNDS)
        _choice("adversary", self.adversary, ADVERSARIES)
        _choice("adversary_bounds", self.adversary_bounds, ADVERSARY_BOUNDS)
        if isinstance(self.lr, bool) or not isinstance(self.lr, numbers.Real) or not 0 < self.lr < float("inf"):
            raise ValueError(f"lr must be a positive number, got {self.lr!r}")
        put("train_time_limit", check_time_limit(self.train_time_limit, "train_time_limit"))
        put("adversary_time_limit", check_time_limit(self.adversary_time_limit, "adversary_time_limit"))
        put("backend", check_backend(self.backend))
        put("options", check_options(self.options) or None)

    @property
    def feature_version_(self) -> int:
        """The feature version in use (1 when not set)."""
        return 1 if self.feature_version is None else int(self.feature_version)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))
