"""Variable bounds implied by the linear rows (activity-based bound propagation).

For a row  sum_k a_ik x_k <= b_i  (an equality row gives it in both directions; the v and w
rows of an exponential cone block, whose slacks are >= 0, give one each) and a column j
with a_ij > 0:

    x_j <= (b_i - sum_{k != j} min(a_ik lb_k, a_ik ub_k)) / a_ij,

finite when every other term of the minimum activity is finite (a_ij < 0 gives a lower bound
the same way). A few rounds of this give a box that contains every feasible point. The box is
widened outward by 1e-7 relative (plus 1e-7), far more than the rounding of the propagation, so
it can be used wherever a certified bound needs a finite box: a reduced cost that points to an
infinite side of the original box, but is tiny, costs r_j times the implied bound instead of an
infinite bound.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .standard_form import StandardForm

ROUNDS = 6
WIDEN = 1e-7
EPS = float(np.finfo(float).eps)


class _Layout:
    """Index arrays of a CSR matrix used by every round: the row of each nonzero, and the
    nonzeros in column order with the start of each present column."""

    def __init__(self, A: sp.csr_matrix):
        self.rows = np.repeat(np.arange(A.shape[0]), np.diff(A.indptr))
        self.order = np.argsort(A.indices, kind="stable")
        self.present, self.starts = np.unique(A.indices[self.order], return_index=True)


def _one_side(A: sp.csr_matrix, b: np.ndarray, lb: np.ndarray, ub: np.ndarray,
              lay: _Layout) -> tuple[np.ndarray, np.ndarray]:
    """New (lb, ub) candidates from the rows A x <= b (each a CSR row)."""
    n = lb.size
    rows = lay.rows
    cols, a = A.indices, A.data
    # the smallest value of each term a_ik x_k over the box
    low = np.where(a > 0, a * lb[cols], a * ub[cols])
    inf = ~np.isfinite(low)
    flow = np.where(inf, 0.0, low)
    fin_sum = np.bincount(rows, weights=flow, minlength=A.shape[0])
    abs_sum = np.bincount(rows, weights=np.abs(flow), minlength=A.shape[0])
    n_inf = np.bincount(rows, weights=inf.astype(float), minlength=A.shape[0])
    nnz = np.diff(A.indptr)
    # the minimum activity of the row without term k, and the rounding it may carry
    rest = fin_sum[rows] - flow
    ok = (n_inf[rows] - inf) == 0
    err = (nnz[rows] + 4.0) * EPS * (abs_sum[rows] + np.abs(b[rows])) / np.abs(a)
    limit = (b[rows] - rest) / a
    limit = np.where(a > 0, limit + err, limit - err)
    up = np.where(ok & (a > 0) & np.isfinite(limit), limit, np.inf)
    dn = np.where(ok & (a < 0) & np.isfinite(limit), limit, -np.inf)
    # per column: the tightest limit (nonzeros taken in column order, one reduceat per side)
    new_ub = np.full(n, np.inf)
    new_lb = np.full(n, -np.inf)
    if lay.present.size:
        new_ub[lay.present] = np.minimum.reduceat(up[lay.order], lay.starts)
        new_lb[lay.present] = np.maximum.reduceat(dn[lay.order], lay.starts)
    return new_lb, new_ub


def implied_box(sf: StandardForm, rounds: int = ROUNDS,
                columns: np.ndarray | None = None,
                extra: tuple[sp.csr_matrix, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(lb, ub): the original box tightened by the bounds the linear rows imply, widened
    outward (see the module doc). Of the conic rows only the v and w rows of exponential cone
    blocks are used (v >= 0 and w >= 0 hold in the cone). `columns` (a boolean mask): only
    the rows that touch these columns take part, in one round (a cheap first try when only a
    few columns need a finite bound). `extra` = (G, h): more rows G x <= h that every point of
    interest satisfies (an objective cutoff, see optlib.dual_bound)."""
    z, l = sf.cones.zero, sf.cones.nonneg
    A = sf.A.tocsr()
    # an exponential cone block (u, v, w) has v >= 0 and w >= 0: those rows are inequalities too
    first = sf.m - 3 * sf.cones.exp + 3 * np.arange(sf.cones.exp)
    vw = np.sort(np.concatenate([first + 1, first + 2])).astype(np.int64)
    rows_le = sp.vstack([A[:z + l], -A[:z], A[vw]]).tocsr()
    b_le = np.concatenate([sf.b[:z + l], -sf.b[:z], sf.b[vw]])
    if extra is not None:
        rows_le = sp.vstack([rows_le, sp.csr_matrix(extra[0])]).tocsr()
        b_le = np.concatenate([b_le, np.asarray(extra[1], dtype=float)])
    lb, ub = sf.lb.astype(float).copy(), sf.ub.astype(float).copy()
    if columns is not None:
        touch = np.flatnonzero(np.asarray(rows_le[:, np.flatnonzero(columns)].getnnz(axis=1)).ravel() > 0)
        rows_le, b_le, rounds = rows_le[touch], b_le[touch], 1
    if rows_le.shape[0] == 0:
        return lb, ub
    lay = _Layout(rows_le)
    for _ in range(rounds):
        nlb, nub = _one_side(rows_le, b_le, lb, ub, lay)
        nlb = nlb - WIDEN * (1.0 + np.abs(nlb))
        nub = nub + WIDEN * (1.0 + np.abs(nub))
        tighter_lb = nlb > lb
        tighter_ub = nub < ub
        if not (tighter_lb.any() or tighter_ub.any()):
            break
        lb = np.where(tighter_lb, nlb, lb)
        ub = np.where(tighter_ub, nub, ub)
        if np.any(lb > ub):           # the rows are infeasible (or nearly): keep the original box
            return sf.lb.astype(float).copy(), sf.ub.astype(float).copy()
    return lb, ub
