"""The SLIM integer program as an optlib Model (Ustun & Rudin, Machine Learning 2016).

For distinct rows i (sign s_i = +-1, integer weight w_i), integer points lambda_j in
[l_j, u_j], integer intercept b, use indicators a_j, |lambda_j| <= t_j and errors z_i:

    min  sum_i w_i z_i + (C0' + eps0) sum_j a_j + eps1 sum_j t_j        (+ always-wrong weight)
    s.t. s_i (b + x_i' lambda) + M_i z_i >= margin                      (0-1 loss, big-M)
         l_j a_j <= lambda_j <= u_j a_j,  -t_j <= lambda_j <= t_j,  a_j <= t_j,  sum_j a_j <= K
         z_p + z_n >= 1 for a positive and a negative row with the same x

M_i = margin + max over the box (at most K features) of -s_i (b + x_i' lambda): the sum of
the K largest per-feature terms max(0, -s_i x_ij l_j, -s_i x_ij u_j) plus the intercept's.
Rows with s_i (b + x_i' lambda) >= margin on the whole box are dropped (z_i = 0); rows that
can never reach the margin are counted as constant errors. The objective is in units of
the smallest sample weight (one unweighted error costs 1), so C0' = C0 * total weight.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

import optlib

from .prepare import MergedRows
from .tiebreak import TieBreak, tie_break


@dataclass
class SLIMVariables:
    """The variables a constraint hook receives (all optlib Variables of `model`).

    coef[j] (integer points), intercept (shape (1,)), used[j] (1 iff coef[j] != 0),
    abs_coef[j] (= |coef[j]|), errors[r] (1 iff distinct row `rows[r]` is misclassified).
    `feature(name)` gives the column index of a feature name.
    """

    model: optlib.Model
    coef: optlib.Variable
    intercept: optlib.Variable
    used: optlib.Variable
    abs_coef: optlib.Variable
    errors: optlib.Variable
    feature_names: list[str]
    rows: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0, int))

    def decode(self, result: Any) -> tuple[np.ndarray, int]:
        """(coef, intercept) of a solve's point, rounded to integers."""
        coef = np.round(np.asarray(result[self.coef], dtype=float)).astype(np.int64).ravel()
        return coef, int(round(float(np.asarray(result[self.intercept]).ravel()[0])))

    def feature(self, name: str | int) -> int:
        if isinstance(name, (int, np.integer)):
            if not 0 <= int(name) < len(self.feature_names):
                raise ValueError(f"feature index {name} out of range 0..{len(self.feature_names) - 1}")
            return int(name)
        try:
            return self.feature_names.index(name)
        except ValueError:
            raise ValueError(f"unknown feature {name!r}; features are {self.feature_names}") from None


@dataclass
class SLIMProblem:
    """A built SLIM model and what is needed to decode or warm-start it."""

    model: optlib.Model
    variables: SLIMVariables
    data: MergedRows
    lo: np.ndarray
    hi: np.ndarray
    intercept_bounds: tuple[int, int]
    max_features: int
    margin: float
    c0_units: float             # C0 in objective units (per feature)
    tiebreak: TieBreak
    big_m: np.ndarray           # per kept row
    always_wrong: float         # weight of rows no model in the box classifies right
    dropped_right: int          # number of distinct rows every model classifies right
    conflicts: int
    tiebreak_max: float = 0.0   # largest value of the tie-break terms over the box
    l1_top: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(1))  # [k]: largest L1 with k features
    objective: Any = field(repr=False, default=None)   # the built objective (rounding needs it unchanged)

    def admits(self, coef: np.ndarray, intercept: int) -> bool:
        """Whether (coef, intercept) lies in the coefficient and intercept boxes and uses at most
        max_features features (a hook's extra constraints are not checked)."""
        coef = np.asarray(coef)
        return bool(np.all(self.lo <= coef) and np.all(coef <= self.hi)
                    and self.intercept_bounds[0] <= intercept <= self.intercept_bounds[1]
                    and np.count_nonzero(coef) <= self.max_features)

    def free_columns(self) -> np.ndarray:
        """The columns whose box is not {0} (those a model may use)."""
        return np.flatnonzero((self.lo != 0) | (self.hi != 0))

    def grid_extras(self, main: bool = False) -> list[tuple[float, float]]:
        """(g_min, g_max) per number k of features of the objective's non-integer part (`grid`):
        objective = errors + (C0' + eps0) k + eps1 L1 with k <= L1 <= l1_top[k]; main=True:
        the part of F = errors + C0' k. Empty (no rounding) if a hook replaced the objective."""
        if self.objective is None or self.model.objective is not self.objective:
            return []
        c, tb = self.c0_units, self.tiebreak
        return [((c if main else c + tb.eps0 + tb.eps1) * k, (c + tb.eps0) * k + tb.eps1 * float(self.l1_top[k]))
                for k in range(self.max_features + 1)]

    def main_bound(self, bound: float) -> float:
        """A lower bound on min F (no tie-break) from a bound of the full objective, rounded
        up to the grid of values F takes (`grid.grid_round`)."""
        from .grid import grid_min

        return max(bound - self.tiebreak_max, grid_min(bound, self.grid_extras(main=True)))


def box_extremes(X: np.ndarray, sign: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                 blo: int, bhi: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(min, max) over the box with at most k nonzero coefficients of s_i (b + x_i' lambda)."""
    sx = X * sign[:, None]
    a, b = sx * lo[None, :], sx * hi[None, :]
    up = np.maximum(np.maximum(a, b), 0.0)
    down = np.maximum(np.maximum(-a, -b), 0.0)
    k = min(k, X.shape[1])

    def topk(v: np.ndarray) -> np.ndarray:
        if k <= 0 or v.shape[1] == 0:
            return np.zeros(v.shape[0])
        if k >= v.shape[1]:
            return v.sum(axis=1)
        return -np.sort(-v, axis=1)[:, :k].sum(axis=1)

    best = topk(up) + np.maximum(sign * blo, sign * bhi)
    worst = -topk(down) + np.minimum(sign * blo, sign * bhi)
    return worst, best


def auto_intercept_bounds(X: np.ndarray, lo: np.ndarray, hi: np.ndarray, k: int, margin: float) -> tuple[int, int]:
    """[-B, B] with B = ceil(max_i max_box |x_i' lambda| + margin): an intercept beyond it
    classifies every row as one larger intercept would, so the optimum is kept."""
    ones = np.ones(X.shape[0])
    worst, best = box_extremes(X, ones, lo, hi, 0, 0, k)
    S = float(max(np.max(np.abs(worst), initial=0.0), np.max(np.abs(best), initial=0.0)))
    B = int(np.ceil(S + margin))
    return -B, B


def effective_margin(X: np.ndarray, margin: float) -> float:
    """The margin rounded up to the grid of possible scores: if every x_ij is a multiple of
    1/q (q = 10^k, k <= 6), every score b + x' lambda is one too (integer b, lambda), so
    s * score >= margin iff s * score >= ceil(margin q) / q. Same model, tighter LP."""
    for k in range(7):
        q = 10.0 ** k
        if np.all(np.abs(X * q - np.round(X * q)) <= 1e-9 * np.maximum(1.0, np.abs(X * q))):
            return float(np.ceil(margin * q - 1e-9) / q)
    return float(margin)


def build_slim(data: MergedRows, lo: np.ndarray, hi: np.ndarray, intercept_bounds: tuple[int, int],
               max_features: int, margin: float, c0: float, feature_names: list[str],
               like: SLIMProblem | None = None) -> SLIMProblem:
    """The SLIM model of the module docstring on merged rows (c0 in units of training error rate).

    like: a problem built on a larger box; the new one restricts it to [lo, hi] and keeps its
    error rows, constant, tie-break and grid data (so objectives compare and hooks see the same
    variables); only the big-M values shrink to the smaller box (never below 0)."""
    d = data.X.shape[1]
    blo, bhi = intercept_bounds
    K = int(min(max_features, d))
    total = int(data.weight.sum())
    worst, best = box_extremes(data.X, data.sign.astype(float), lo, hi, blo, bhi, K)
    right = worst >= margin                      # right for every model in the box
    wrong = best < margin                        # wrong for every model in the box
    keep = np.flatnonzero(~right & ~wrong)
    if like is not None:
        keep = like.variables.rows
    big_m = np.maximum(margin - worst[keep], 0.0)

    c0_units = float(c0) * total
    l1_max = float(np.sort(np.maximum(np.abs(lo), np.abs(hi)))[::-1][:K].sum())
    tb = tie_break(c0_units, total, K, l1_max) if like is None else like.tiebreak

    m = optlib.Model("slim")
    coef = m.integer(d, lb=lo, ub=hi, name="coef")
    intercept = m.integer(1, lb=blo, ub=bhi, name="intercept")
    used = m.boolean(d, name="used")
    amax = np.maximum(np.abs(lo), np.abs(hi))
    abs_coef = m.integer(d, lb=0, ub=amax, name="abs_coef")
    z = m.boolean(keep.size, name="errors")

    if keep.size:
        Xs = sp.csr_matrix(data.X[keep] * data.sign[keep, None])
        s_col = sp.csr_matrix(data.sign[keep].astype(float)[:, None])
        m.add(Xs @ coef + s_col @ intercept + big_m * z >= margin, name="loss")
    m.add(coef - hi * used <= 0, name="use_ub")
    m.add(coef - lo * used >= 0, name="use_lb")
    m.add(abs_coef - coef >= 0, name="abs_pos")
    m.add(abs_coef + coef >= 0, name="abs_neg")
    m.add(abs_coef - amax * used <= 0, name="abs_use")
    m.add(used - abs_coef <= 0, name="use_nonzero")
    if K < d:
        m.add(used.sum() <= K, name="max_features")
    pos_of = {int(r): i for i, r in enumerate(keep)}
    pairs = [(pos_of[p], pos_of[n]) for p, n in data.conflicts() if p in pos_of and n in pos_of]
    if pairs:
        P = np.asarray(pairs)
        sel = sp.csr_matrix((np.ones(2 * len(P)), (np.repeat(np.arange(len(P)), 2), P.ravel())),
                            shape=(len(P), keep.size))
        m.add(sel @ z >= 1, name="same_x")
    always = float(data.weight[wrong].sum()) if like is None else like.always_wrong
    m.minimize(data.weight[keep].astype(float) @ z + (c0_units + tb.eps0) * used.sum()
               + tb.eps1 * abs_coef.sum() + always)
    vars_ = SLIMVariables(m, coef, intercept, used, abs_coef, z, list(feature_names), keep)
    top = np.concatenate([[0.0], np.cumsum(np.sort(amax.astype(float))[::-1])])[:K + 1]
    tb_max = tb.eps0 * K + tb.eps1 * l1_max
    if like is not None:
        top, tb_max = like.l1_top, like.tiebreak_max
    return SLIMProblem(m, vars_, data, lo, hi, (blo, bhi), K, margin, c0_units, tb, big_m, always,
                       int(right.sum()), len(pairs), tb_max, top, m.objective)


def warm_values(problem: SLIMProblem, coef: np.ndarray, intercept: int) -> dict[Any, np.ndarray]:
    """A full assignment of the model's variables for the scoring system (coef, intercept)."""
    v = problem.variables
    keep = v.rows
    score = problem.data.sign[keep] * (intercept + problem.data.X[keep] @ coef)
    return {v.coef: coef.astype(float), v.intercept: np.array([float(intercept)]),
            v.used: (coef != 0).astype(float), v.abs_coef: np.abs(coef).astype(float),
            v.errors: (score < problem.margin - 1e-9).astype(float)}


def main_objective(problem: SLIMProblem, coef: np.ndarray, intercept: float) -> float:
    """F = weighted errors + C0' * ||coef||_0 in objective units (no tie-break)."""
    d = problem.data
    score = d.sign * (intercept + d.X @ coef)
    errors = float(d.weight[score < problem.margin - 1e-9].sum())
    return errors + problem.c0_units * float(np.count_nonzero(coef))
