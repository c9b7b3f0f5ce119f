"""The SLIM authors' MIPLIB 2017 instances (ustunb/miplib2017-slim) next to our model.

Their IP has variables rho_0 (intercept), rho_j (points), alpha_j (used), beta_j (|rho_j|),
error_i (one per sample) and totals; its objective is sum_i error_i + c0 sum_j alpha_j +
eps sum_j beta_j in numbers of errors. `mps_point` maps a scoring system to a full point
of that model, so the same system can be checked feasible there and its objective read in
their units; `scoring_system` maps a solution of their model back. `mps_bound` turns our
bound into a lower bound on their optimum (their value itself when ours is proved optimal
and both objectives order models the same way).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import optlib
from optlib import Result, Status

from .slim_model import SLIMProblem
from .tiebreak import min_positive_difference


@dataclass(frozen=True)
class MPSInstance:
    model: optlib.Model
    names: tuple[str, ...]
    cost: np.ndarray          # objective coefficient per variable
    d: int                    # number of features

    def index(self, name: str) -> int:
        return self.names.index(name)

    @property
    def c0(self) -> float:
        return float(self.cost[self.index("alpha_1")])

    @property
    def eps(self) -> float:
        return float(self.cost[self.index("beta_1")])


def read_slim_mps(path: str) -> MPSInstance:
    """Read a slim_*.mps file (objective coefficients by variable name)."""
    model = optlib.read(str(path))
    sf = model.compile()
    names = tuple(sf.var_names)
    d = sum(1 for n in names if n.startswith("rho_")) - 1
    return MPSInstance(model, names, sf.sense * sf.c, d)


def mps_point(inst: MPSInstance, coef: np.ndarray, intercept: int, X: np.ndarray, y: np.ndarray,
              margin: float = 1e-3) -> np.ndarray:
    """The authors' variables for the scoring system (coef, intercept) on data (X, y in {0,1})."""
    x = np.zeros(len(inst.names))
    s = np.where(y == 1, 1, -1)
    wrong = s * (intercept + X @ coef) < margin
    x[inst.index("rho_0")] = intercept
    for j in range(inst.d):
        x[inst.index(f"rho_{j + 1}")] = coef[j]
        x[inst.index(f"alpha_{j + 1}")] = float(coef[j] != 0)
        x[inst.index(f"beta_{j + 1}")] = abs(coef[j])
    for i in range(len(y)):
        x[inst.index(f"error_{i}")] = float(wrong[i])
    x[inst.index("total_l0_norm")] = np.count_nonzero(coef)
    x[inst.index("total_error")] = wrong.sum()
    x[inst.index("total_error_pos_name")] = (wrong & (s > 0)).sum()
    x[inst.index("total_error_neg_name")] = (wrong & (s < 0)).sum()
    return x


def max_violation(inst: MPSInstance, x: np.ndarray) -> float:
    """Largest violation of a row or a bound of the authors' model at x (0 if feasible)."""
    sf = inst.model.compile()
    A, lo, hi = sf.linear_rows()
    act = A @ x
    rows = np.maximum(np.maximum(lo - act, act - hi), 0.0)
    box = np.maximum(np.maximum(sf.lb - x, x - sf.ub), 0.0)
    return float(max(rows.max(initial=0.0), box.max(initial=0.0)))


def mps_objective(inst: MPSInstance, x: np.ndarray) -> float:
    return float(inst.cost @ x)


def scoring_system(inst: MPSInstance, x: np.ndarray) -> tuple[np.ndarray, int]:
    """(coef, intercept) of a point of the authors' model."""
    coef = np.array([round(x[inst.index(f"rho_{j + 1}")]) for j in range(inst.d)], dtype=np.int64)
    return coef, int(round(x[inst.index("rho_0")]))


def mps_bound(inst: MPSInstance, problem: SLIMProblem, result: Result, objective: float) -> float:
    """A lower bound on the authors' optimum, in their units, from our result on the same task.

    Ours minimises F + eps0 L0 + eps1 L1, theirs G = F + e L1 with F = errors + c0 L0. If
    e * (largest L1) is below the smallest positive change of F, and no two models with equal
    F differ in L0 (c0 k is never an integer for 1 <= k <= K), both are lexicographic in
    (F, L1): a proved optimum of ours is one of theirs, so the bound is `objective` (their
    value at our point). Otherwise: our bound less our tie-break, rounded (`main_bound`)."""
    bound = problem.main_bound(result.bound)
    K = problem.max_features
    total = int(problem.data.weight.sum())
    c0 = problem.c0_units
    same_units = abs(c0 - inst.c0) <= 1e-12 * max(1.0, c0)
    no_ties = all(abs(c0 * k - round(c0 * k)) > 1e-9 for k in range(1, K + 1))
    small = inst.eps * float(problem.l1_top[K]) < min_positive_difference(c0, total, K)
    if result.status is Status.OPTIMAL and same_units and no_ties and small:
        return max(bound, float(objective))
    return bound
