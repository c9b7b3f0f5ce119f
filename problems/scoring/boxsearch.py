"""Exact interval branch and bound for SLIM on one feature set (no LP, no solver).

For a box B = prod_j [l_j, u_j] of integer points on the columns S, the score x_i' lambda of
row i ranges over [lo_i, hi_i] with lo = X+ l + X- u and hi = X+ u + X- l (X+- the positive
and negative parts of X). For an integer intercept b a positive row is wrong for every
lambda in B when b + hi_i < margin, a negative one when b + lo_i > -margin, so

    LB(B) = min_b sum_i w_i [row i wrong for all of B at b]
            + (C0' + eps0) #{j : 0 not in [l_j, u_j]} + eps1 sum_j dist(0, [l_j, u_j])

bounds the SLIM objective (`slim_model.py`) on B from below, and equals it on a single
point (best intercept). Boxes with LB >= cutoff are dropped, the others are split in half
on their widest coordinate, depth first, a batch of boxes per numpy pass. This is interval
branch and bound (Hansen, "Global Optimization Using Interval Analysis", 1992) on the
0-1 loss; it handles the box, signs, weights and max_features (via `support.py`), but not a
user's constraints hook.
"""
from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass

import numpy as np

from .recheck import full_objective
from .slim_model import SLIMProblem
from .warmstart import best_intercept

_BATCH = 2048
_MAX_BINS = 20000        # intercept ranges wider than this use the per-box sweep


@dataclass
class BoxResult:
    """best: (value, coef, intercept) below the cutoff, or None; bound: proven lower bound
    on the objective over the feature set (the cutoff when the search finished and found
    nothing below it); finished: the search ended before the deadline; boxes: boxes seen."""

    best: tuple[float, np.ndarray, int] | None
    bound: float
    finished: bool
    boxes: int


class BoxBounds:
    """LB(B) of the module doc for batches of boxes on the columns `cols` of `problem`."""

    def __init__(self, problem: SLIMProblem, cols: np.ndarray):
        d = problem.data
        self.problem, self.cols = problem, np.asarray(cols, dtype=int)
        X, sign, w = d.X[:, self.cols], d.sign, d.weight.astype(float)
        keys, inv = np.unique(X, axis=0, return_inverse=True)      # rows equal on the columns S
        inv = np.asarray(inv).ravel()
        wp = np.bincount(inv, weights=np.where(sign > 0, w, 0.0), minlength=keys.shape[0])
        wn = np.bincount(inv, weights=np.where(sign < 0, w, 0.0), minlength=keys.shape[0])
        # a positive and a negative row with the same x_S: one of them is wrong for every model
        self.conflict = float(np.minimum(wp, wn).sum())
        pos, neg = wp > wn, wn > wp
        self.Xp_pos, self.Xn_pos = np.maximum(keys[pos], 0).T, np.minimum(keys[pos], 0).T
        self.Xp_neg, self.Xn_neg = np.maximum(keys[neg], 0).T, np.minimum(keys[neg], 0).T
        self.w_pos, self.w_neg = (wp - wn)[pos], (wn - wp)[neg]
        self.blo, self.bhi = problem.intercept_bounds
        self.margin = problem.margin
        tb = problem.tiebreak
        self.c_l0, self.c_l1 = problem.c0_units + tb.eps0, tb.eps1

    def __call__(self, L: np.ndarray, U: np.ndarray) -> np.ndarray:
        hi_pos = U @ self.Xp_pos + L @ self.Xn_pos           # (boxes, positives)
        lo_neg = L @ self.Xp_neg + U @ self.Xn_neg           # (boxes, negatives)
        errors = self._min_errors(hi_pos, lo_neg) + self.conflict
        nz = (L > 0) | (U < 0)
        dist = np.where(L > 0, L, np.where(U < 0, -U, 0)).sum(axis=1)
        return errors + self.c_l0 * nz.sum(axis=1) + self.c_l1 * dist

    def _min_errors(self, hi_pos: np.ndarray, lo_neg: np.ndarray) -> np.ndarray:
        """min over integer b in [blo, bhi] of the weight of rows wrong at b for the whole box:
        a positive row is right for some lambda iff b >= need = ceil(margin - hi - 1e-9), a
        negative one iff b <= allow = floor(-margin - lo + 1e-9)."""
        blo, bhi = self.blo, self.bhi
        R = bhi - blo + 1
        N = hi_pos.shape[0]
        if R > _MAX_BINS:
            return np.array([self._sweep(hi_pos[k], lo_neg[k]) for k in range(N)])
        base = (np.arange(N) * (R + 1.0))[:, None]
        p = np.ceil((self.margin - blo - 1e-9) - hi_pos)                  # need - blo
        np.clip(p, 0, R, out=p)
        a = np.floor((1 - self.margin - blo + 1e-9) - lo_neg)              # allow - blo + 1
        np.clip(a, 0, R, out=a)
        p += base
        a += base
        cp = np.bincount(p.astype(np.int64).ravel(), weights=np.broadcast_to(self.w_pos, p.shape).ravel(),
                         minlength=N * (R + 1)).reshape(N, R + 1).cumsum(axis=1)
        cn = np.bincount(a.astype(np.int64).ravel(), weights=np.broadcast_to(self.w_neg, a.shape).ravel(),
                         minlength=N * (R + 1)).reshape(N, R + 1).cumsum(axis=1)
        # at b = blo + k: positives with need > b are wrong, negatives with allow < b are wrong
        wrong = self.w_pos.sum() - cp[:, :R] + cn[:, :R]
        return wrong.min(axis=1)

    def _sweep(self, hi_pos: np.ndarray, lo_neg: np.ndarray) -> float:
        """The same minimum for one box by `best_intercept` on the rows' most favourable scores."""
        scores = np.concatenate([hi_pos, lo_neg])
        sign = np.concatenate([np.ones(hi_pos.size), -np.ones(lo_neg.size)])
        w = np.concatenate([self.w_pos, self.w_neg])
        return best_intercept(scores, sign, w, self.blo, self.bhi, self.margin)[1]


def orthants(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(L, U): the boxes with every coordinate nonzero, one per sign pattern (lo, hi integers)."""
    sides = [[(a, b) for a, b in ((lo[j], min(hi[j], -1)), (max(lo[j], 1), hi[j])) if a <= b]
             for j in range(lo.size)]
    boxes = list(itertools.product(*sides))
    L = np.array([[a for a, _ in box] for box in boxes], dtype=float).reshape(len(boxes), lo.size)
    U = np.array([[b for _, b in box] for box in boxes], dtype=float).reshape(len(boxes), lo.size)
    return L, U


def box_search(problem: SLIMProblem, cols: tuple[int, ...], cutoff: float, deadline: float = math.inf,
               margin: float = 0.0, exact_support: bool = False) -> BoxResult:
    """Branch and bound of the module doc on the columns `cols` (others fixed at 0): every
    scoring system with objective < cutoff - margin is found (the best one is returned).
    exact_support: only the systems whose support is exactly `cols` (all of them nonzero)."""
    cols = np.asarray(cols, dtype=int)
    bounds = BoxBounds(problem, cols)
    if exact_support:
        L, U = orthants(problem.lo[cols], problem.hi[cols])
    else:
        L = problem.lo[cols].astype(float)[None, :]
        U = problem.hi[cols].astype(float)[None, :]
    lb = np.full(L.shape[0], -math.inf)
    best: tuple[float, np.ndarray, int] | None = None
    limit = cutoff - margin
    seen = 0
    while L.shape[0]:
        if time.perf_counter() > deadline:
            return BoxResult(best, min(float(lb.min()), best[0] if best else limit), False, seen)
        take = min(_BATCH, L.shape[0])
        Lb, Ub = L[-take:], U[-take:]
        L, U, lb = L[:-take], U[:-take], lb[:-take]
        seen += take
        val = bounds(Lb, Ub)
        live = val < limit
        Lb, Ub, val = Lb[live], Ub[live], val[live]
        leaf = np.all(Lb == Ub, axis=1)
        for row in np.flatnonzero(leaf):
            coef = np.zeros(problem.lo.size, dtype=np.int64)
            coef[cols] = Lb[row].astype(np.int64)
            exact = _exact(problem, coef)
            if exact[0] < limit:
                best, limit = exact, exact[0] - margin
        Lb, Ub, val = Lb[~leaf], Ub[~leaf], val[~leaf]
        if not Lb.shape[0]:
            continue
        j = np.argmax(Ub - Lb, axis=1)
        r = np.arange(Lb.shape[0])
        mid = np.floor((Lb[r, j] + Ub[r, j]) / 2)
        U1, L2 = Ub.copy(), Lb.copy()
        U1[r, j], L2[r, j] = mid, mid + 1
        L = np.concatenate([L, L2, Lb])
        U = np.concatenate([U, Ub, U1])
        lb = np.concatenate([lb, val, val])
    found = best[0] if best else math.inf
    return BoxResult(best, min(found, cutoff), True, seen)


def _exact(problem: SLIMProblem, coef: np.ndarray) -> tuple[float, np.ndarray, int]:
    """(objective, coef, intercept) with the best intercept, computed exactly."""
    d = problem.data
    blo, bhi = problem.intercept_bounds
    b, _ = best_intercept(d.X @ coef, d.sign, d.weight.astype(float), blo, bhi, problem.margin)
    return full_objective(problem, coef, b), coef, b
