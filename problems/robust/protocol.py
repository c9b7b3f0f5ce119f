"""The robust instance protocol: what `ccg`, `Neur2RO` and `collect_data` ask of an instance.

A two-stage robust instance (profit, maximised) is

    max_{x in X}  a'x + min_{xi in Xi}  Q(x, xi),   Q(x, xi) = max_{plan feasible for (x, xi)} q(x, xi; plan),

with a binary first stage x.  `KnapsackInstance` and `CapitalBudgetingInstance` implement `RobustInstance`;
a new problem plugs into exact CCG and Neur2RO by implementing the same methods with the same signatures
(an implementation may add keyword-only parameters with defaults after them: `tests/test_contract_robust.py`
checks this with `inspect`).
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any, Mapping, Protocol, runtime_checkable

import numpy as np


@dataclasses.dataclass(frozen=True)
class WorstCase:
    """Exact worst case of a first-stage decision: lower <= min_{xi in Xi} (a'x + Q(x, xi)) <= upper."""

    lower: float            # certified: no scenario gives less (-inf when nothing was solved)
    upper: float            # the value at `xi`, from the recourse problem's bound
    xi: np.ndarray          # the worst scenario found
    iterations: int
    time: float
    exact: bool             # upper - lower <= tol * max(1, |upper|)
    results: tuple = dataclasses.field(default=(), repr=False)   # the adversary solves behind `lower`

    @property
    def verified(self) -> bool:
        """`lower` is finite and every adversary solve it came from passed optlib's checks."""
        return math.isfinite(self.lower) and all(r.verified for r in self.results if r.status.has_solution)


@runtime_checkable
class RobustInstance(Protocol):
    """A two-stage robust instance with a binary first stage x in {0,1}^n (maximisation).

    Values are in the instance's units: `first_stage_value(x)` = a'x, a recourse value is Q(x, xi) and
    x's worst-case value is a'x + min_xi Q(x, xi).  `options` are backend options passed on to every
    `optlib.Model.solve` (e.g. {'presolve': 'off'}).
    """

    kind: str           # 'knapsack', 'capital_budgeting': the problem a Neur2RO model is trained for
    sense: str          # 'maximize'
    name: str

    @property
    def n(self) -> int: ...

    # -- values and checks --------------------------------------------------------------------
    def first_stage_value(self, x: Any) -> float:
        """a'x: the part of the value fixed by the first stage."""

    def first_stage_objective_expr(self, x: Any) -> Any:
        """a'x for an optlib variable."""

    def plan_value(self, x: Any, xi: Any, plan: Any) -> float:
        """q(x, xi; plan): the recourse value of a second-stage plan at (x, xi)."""

    def check_x(self, x: Any) -> np.ndarray:
        """x as a float 0/1 vector in X (ValueError otherwise)."""

    def check_xi(self, xi: Any) -> np.ndarray:
        """xi as a float vector in Xi (ValueError otherwise)."""

    # -- second stage and exact adversary -------------------------------------------------------
    def recourse(self, x: Any, xi: Any, backend: str = "highs", time_limit: float | None = None,
                 rel_gap: float = 1e-7, options: Mapping[str, Any] | None = None) -> tuple[float, float, Any]:
        """(Q(x, xi) of the plan found, an upper bound on Q(x, xi), the plan)."""

    def recourse_values(self, x: Any, xis: Any, backend: str = "highs", time_limit: float | None = None,
                        rel_gap: float = 1e-7, options: Mapping[str, Any] | None = None) -> np.ndarray:
        """Q(x, xi) for every row of `xis`."""

    def worst_case(self, x: Any, backend: str = "highs", time_limit: float | None = None, tol: float = 1e-6,
                   plans: list | None = None, max_iter: int = 10_000,
                   options: Mapping[str, Any] | None = None, *, scenarios: Any = None) -> WorstCase:
        """Exact worst case of x (see `WorstCase`); `plans` carries recourse plans between calls, the rows
        of `scenarios` are warm-start points (their recourse plans seed the cuts; they change no bound)."""

    # -- the CCG main problem -------------------------------------------------------------------
    def add_first_stage(self, m: Any, x: Any) -> None:
        """Add the constraints of X on the binary variable x to the model m."""

    def add_scenario(self, m: Any, x: Any, xi: Any, tag: str) -> Any:
        """Add a recourse copy for the fixed scenario xi; returns its value q (an optlib expression)."""

    def first_stage_budget(self) -> tuple[np.ndarray, float] | None:
        """X as one budget row (a, b), a'x <= b, or None when X = {0,1}^n."""

    # -- scenarios and samples ------------------------------------------------------------------
    def initial_scenario(self) -> np.ndarray:
        """The first scenario of CCG."""

    def random_scenarios(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """`count` scenarios in Xi (rows)."""

    def random_first_stage(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """`count` first-stage decisions in X (rows)."""

    def guided_first_stage(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """`count` first-stage decisions near good ones (training samples, local-search starts)."""

    def guided_scenarios(self, x: Any, count: int, rng: np.random.Generator) -> np.ndarray:
        """`count` scenarios likely to hurt x (training samples)."""

    # -- what the value network sees ------------------------------------------------------------
    def item_features(self, version: int = 1) -> np.ndarray:
        """Per-item features (n, d) of the network."""

    def value_scale(self) -> float:
        """An upper bound on the recourse value: the unit of the network's target."""

    def xi_item_views(self, xi: Any) -> np.ndarray:
        """u_i(xi): how item i sees the scenario (n, k)."""

    def xi_item_exprs(self, xi_var: Any) -> list:
        """u_i as optlib expressions of a scenario variable."""

    def xi_item_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Bounds (n, k) on u_i over Xi."""

    def xi_view_matrices(self) -> np.ndarray:
        """(n, k, dim xi): the linear map xi -> u_i."""

    def xi_set(self) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, float] | None]:
        """Xi as (lower, upper, budget row or None)."""

    def add_xi(self, m: Any) -> Any:
        """Add a scenario variable constrained to Xi to the model m."""
