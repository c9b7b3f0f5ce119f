"""The options of Neur2RO in one frozen dataclass, validated in one place (`Neur2ROOptions.__post_init__`).

`Neur2RO(**kw)` takes exactly these fields as its constructor parameters (its signature is generated from
this class) and rebuilds the options from its attributes at `fit` / `solve`, so an attribute changed after
construction is validated there too.

`config` picks the loop: 'auto' (the default) = 'fast' for both problems: the local-search main problem
with the heuristic worst scenarios of 4 local optima per round and the heuristic adversary (no MIP in the
loop; the answer is still evaluated exactly; the held-out knapsack study of docs/benchmarks.md: median
error 0.44 %, >= 13x faster than exact CCG end to end where CCG needs more than 60 s, 5-7x where CCG proves
the optimum in seconds); 'paper' = the paper's loop (Dumouchelle et al.,
ICLR 2024): the main problem and the adversary as MIPs over the embedded network, one scenario per round
(the heuristic adversary scenario is tried before the MIP: adversary='mip' for the MIP alone).  `main`,
`adversary` and `scenarios_per_iteration` left at None come from the config; set, they override it.
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
CONFIGS = ("auto", "fast", "paper")
#: the loop options each config sets (fields left at None take these)
CONFIG_LOOPS = {"fast": {"main": "local_search", "adversary": "heuristic", "scenarios_per_iteration": 4},
                "paper": {"main": "mip", "adversary": "heuristic_first", "scenarios_per_iteration": 1}}
EXECUTORS = ("local", "processes", "dask")
DEVICE_KINDS = ("auto", "cpu", "cuda")                 # 'cuda:N' picks GPU N
ADVERSARY_BOUNDS = ("symbolic", "interval")


def _int(name: str, v: Any, low: int) -> int:
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < low:
        kind = "positive" if low == 1 else "nonnegative"
        raise ValueError(f"{name} must be a {kind} integer, got {v!r}")
    return int(v)


def check_device(device: Any) -> str:
    """A torch device name: 'auto' (cuda when torch.cuda.is_available(), else cpu), 'cpu', 'cuda' or 'cuda:N';
    ValueError naming `device` otherwise (whether a GPU is there is checked at training time)."""
    if isinstance(device, str):
        kind, _, index = device.partition(":")
        if kind in DEVICE_KINDS and (not _ or (kind == "cuda" and index.isdigit())):
            return device
    raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}")


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
    device: str = "auto"                       # training: 'auto' (cuda when present, else cpu), 'cpu', 'cuda[:N]'
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
    adversary: str | None = None               # 'heuristic_first', 'mip' or 'heuristic' (no MIP); None: config
    main_bounds: str = "obbt"                  # big-M bounds of the main MIP: 'obbt', 'symbolic', 'interval'
    main: str | None = None                    # 'mip' (the network embedded) or 'local_search'; None: config
    local_search_starts: int = 4               # fresh starts of the local-search main problem
    scenarios_per_iteration: int | None = None  # local search: cuts from up to k local optima per round
    adversary_bounds: str = "interval"         # big-M bounds of the adversary MIP: 'interval' or 'symbolic'
    options: Mapping[str, Any] | None = None   # backend options for every solve (optlib.Model.solve keywords)
    config: str = "auto"                       # the loop: 'auto' (= 'fast'), 'fast' or 'paper' (see the module doc)
    executor: str | None = None                # training data: 'local', 'processes' or 'dask' (None: 'local' if
    #                                            n_jobs == 1 else 'processes'); n_jobs = workers
    scheduler: str | None = None               # executor 'dask': tcp://HOST:PORT of a running cluster

    def __post_init__(self) -> None:
        put = lambda name, v: object.__setattr__(self, name, v)   # noqa: E731  (frozen: normalise in place)
        _choice("problem", self.problem, PROBLEMS)
        if self.architecture is not None and not isinstance(self.architecture, Mapping):
            raise ValueError(f"architecture must be a dict of network sizes or None, got {self.architecture!r}")
        if self.feature_version is not None and self.feature_version not in FEATURE_VERSIONS[self.problem]:
            raise ValueError(f"feature_version for {self.problem!r} must be one of "
                             f"{sorted(FEATURE_VERSIONS[self.problem])}, got {self.feature_version!r}")
        put("interaction", bool(self.interaction))
        for name in ("n_first_stage", "n_scenarios", "epochs", "batch_size", "max_iter", "n_candidates"):
            put(name, _int(name, getattr(self, name), 1))
        if self.scenarios_per_iteration is not None:
            put("scenarios_per_iteration", _int("scenarios_per_iteration", self.scenarios_per_iteration, 1))
        put("local_search_starts", _int("local_search_starts", self.local_search_starts, 0))
        put("seed", _int("seed", self.seed, 0))
        if self.n_jobs != -1:
            put("n_jobs", _int("n_jobs (or -1)", self.n_jobs, 1))
        if self.patience is not None:
            put("patience", _int("patience", self.patience, 1))
        _choice("sampling", self.sampling, SAMPLINGS)
        put("device", check_device(self.device))
        _choice("config", self.config, CONFIGS)
        if self.main is not None:
            _choice("main", self.main, MAINS)
        _choice("main_bounds", self.main_bounds, MAIN_BOUNDS)
        if self.adversary is not None:
            _choice("adversary", self.adversary, ADVERSARIES)
        if self.executor is not None:
            _choice("executor", self.executor, EXECUTORS)
            if self.executor == "local" and self.n_jobs != 1:
                raise ValueError(f"n_jobs must be 1 with executor='local' (one task at a time), got {self.n_jobs!r}")
        if self.scheduler is not None and (self.executor != "dask" or not isinstance(self.scheduler, str)):
            raise ValueError(f"scheduler (an address tcp://HOST:PORT) applies to executor='dask' only, got "
                             f"scheduler={self.scheduler!r} with executor={self.executor!r}")
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

    @property
    def loop_(self) -> dict[str, Any]:
        """The loop options in use: `main`, `adversary`, `scenarios_per_iteration` (set ones, else the config's)."""
        base = CONFIG_LOOPS["fast" if self.config == "auto" else self.config]
        return {k: base[k] if getattr(self, k) is None else getattr(self, k) for k in base}

    @property
    def main_(self) -> str:
        return self.loop_["main"]

    @property
    def adversary_(self) -> str:
        return self.loop_["adversary"]

    @property
    def scenarios_per_iteration_(self) -> int:
        return int(self.loop_["scenarios_per_iteration"])

    @property
    def executor_(self) -> str:
        """The training-data executor in use ('local' for n_jobs == 1 unless set)."""
        return self.executor or ("local" if self.n_jobs == 1 else "processes")

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))
