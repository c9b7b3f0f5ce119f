"""Cheap certified lower bounds on the errors of every scoring system on a feature set.

For a feature set S and one of its features j, rows that agree on S \\ {j} form a cell; inside
a cell every scoring system with support in S scores theta_c + lambda_j x_j (theta_c the same
for the cell), so with lambda_j > 0 every right negative row of the cell has a smaller x_j than
every right positive one (lambda_j x_p >= margin - theta_c > -margin - theta_c >= lambda_j x_n),
and the other way round for lambda_j < 0 (lambda_j = 0 is a special case of either). Hence

    errors(lambda) >= min over sign of sum_c min_t [ w(pos in c, x_j <= t) + w(neg in c, x_j > t) ]

(the sign flips the roles), and the bound of S is the largest over j in S. With integer row
weights every sum is an integer computed exactly in floating point (below 2^53). It relaxes
the coefficient and intercept boxes, so it holds for every support inside S. This is the
one-feature case of monotone classification (a linear rule is monotone in each feature along
the sign of its point); the cell-conflict bound min(w+, w-) per cell of S, as in Ustun & Rudin
(Machine Learning 2016), is the weaker special case with every threshold at +-infinity.

Computed for many feature sets at once, with numpy: the rows' weights binned on the grid of
value ranks of S (a dense tensor per set), or, when that grid is much larger than the number
of rows, only its occupied entries, sorted by set, cell and value.
"""
from __future__ import annotations

import numpy as np

from .slim_model import SLIMProblem

_CHUNK = 2_000_000      # grid entries (dense path) or row entries (sorted path) per batch
_DENSE_PER_ROW = 2      # a value grid larger than this many entries per row is binned sparsely


class ThresholdBounds:
    """Lower bounds of the module doc on the weighted errors of `problem`'s rows (every row
    of `problem.data`, the always-wrong rows included) for feature sets."""

    def __init__(self, problem: SLIMProblem):
        d = problem.data
        X = np.asarray(d.X)
        self.codes = np.empty(X.shape, dtype=np.int64)
        self.radix = np.empty(X.shape[1], dtype=np.int64)
        for j in range(X.shape[1]):
            _, inv = np.unique(X[:, j], return_inverse=True)
            self.codes[:, j] = np.asarray(inv).ravel()
            self.radix[j] = int(self.codes[:, j].max(initial=0)) + 1
        self.codes_t = np.ascontiguousarray(self.codes.T)            # (features, rows)
        w = np.asarray(d.weight, dtype=float)
        self.w_pos = np.where(d.sign > 0, w, 0.0)
        self.w_neg = np.where(d.sign < 0, w, 0.0)
        self.m = X.shape[0]

    def __call__(self, sets: np.ndarray) -> np.ndarray:
        """Bounds for the feature sets, the rows of the integer array `sets` (N, k); (N,) floats."""
        sets = np.asarray(sets, dtype=np.int64)
        if sets.ndim == 2 and sets.shape[1] == 0:
            return np.full(sets.shape[0], min(self.w_pos.sum(), self.w_neg.sum()))
        return self.directional(sets).min(axis=2).max(axis=1)

    def directional(self, sets: np.ndarray, widest_only: bool = False) -> np.ndarray:
        """(N, k, 2): for each set and each of its features j, the bound with lambda_j >= 0
        ([..., 0]: negatives below positives along x_j) and with lambda_j <= 0 ([..., 1]). A
        system whose points have the signs sigma makes at least max_j of the matching entries'
        errors (the bound of an orthant). widest_only: on sets binned sparsely, only the feature
        with the most values is thresholded (a cheaper, weaker first pass); the other entries
        are 0 (a valid, trivial bound)."""
        sets = np.asarray(sets, dtype=np.int64)
        if sets.ndim != 2:
            raise ValueError(f"sets must be a 2-d integer array (sets x features), got shape {sets.shape}")
        if sets.size and (sets.min() < 0 or sets.max() >= self.radix.size):
            raise ValueError(f"sets: feature indices must lie in 0..{self.radix.size - 1}")
        N, k = sets.shape
        out = np.empty((N, k, 2))
        if k == 0:
            return out
        shapes = self.radix[sets]                                   # (N, k) value-grid shape per set
        keys, group = np.unique(shapes, axis=0, return_inverse=True)
        group = np.asarray(group).ravel()
        for g, shape in enumerate(keys):
            idx = np.flatnonzero(group == g)
            shape = tuple(int(s) for s in shape)
            size = int(np.prod(shape))
            dense = size <= _DENSE_PER_ROW * self.m
            step = max(1, _CHUNK // (size if dense else self.m), 1)
            step = min(step, max(1, _CHUNK // self.m))
            for a in range(0, idx.size, step):
                part = idx[a:a + step]
                out[part] = self._dense(sets[part], shape) if dense else \
                    self._sparse(sets[part], shape, widest_only)
        return out

    def _grid_index(self, sets: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        """(N, m): each row's cell on the value grid of each set, offset by set * grid size."""
        N = sets.shape[0]
        flat = np.zeros((N, self.m), dtype=np.int64)
        for q, r in enumerate(shape):
            flat *= r
            flat += self.codes_t[sets[:, q]]
        flat += (np.arange(N, dtype=np.int64) * int(np.prod(shape)))[:, None]
        return flat

    def _dense(self, sets: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        """Bounds for sets sharing one value-grid shape: weights binned on the whole grid."""
        N = sets.shape[0]
        size = int(np.prod(shape))
        flat = self._grid_index(sets, shape).ravel()
        grid = (N,) + shape
        pos = np.bincount(flat, weights=np.tile(self.w_pos, N), minlength=N * size).reshape(grid)
        neg = np.bincount(flat, weights=np.tile(self.w_neg, N), minlength=N * size).reshape(grid)
        return np.stack([_axis_bound(pos, neg, q) for q in range(1, len(shape) + 1)], axis=1)

    def _sparse(self, sets: np.ndarray, shape: tuple[int, ...], widest_only: bool = False) -> np.ndarray:
        """The same for grids much larger than the rows: only the occupied (cell, value) groups,
        sorted by set, cell and value, for each choice of the thresholded feature."""
        N = sets.shape[0]
        out = np.zeros((N, len(shape), 2))
        wp, wn = np.tile(self.w_pos, N), np.tile(self.w_neg, N)
        for q in ([int(np.argmax(shape))] if widest_only else range(len(shape))):
            order = [i for i in range(len(shape)) if i != q] + [q]     # the thresholded feature last
            sub = sets[:, order]
            flat = self._grid_index(sub, tuple(shape[i] for i in order)).ravel()
            keys, inv = np.unique(flat, return_inverse=True)
            inv = np.asarray(inv).ravel()
            gp = np.bincount(inv, weights=wp, minlength=keys.size)
            gn = np.bincount(inv, weights=wn, minlength=keys.size)
            cell = keys // shape[q]                                  # set * cells + cell
            owner = keys // int(np.prod(shape))
            out[:, q] = _segment_bound(gp, gn, cell, owner, N)
        return out


def _axis_bound(pos: np.ndarray, neg: np.ndarray, q: int) -> np.ndarray:
    """(N, 2) per set (axis 0) and sign (up: lambda_q >= 0, down: <= 0): the sum over cells
    (all axes but q) of the best threshold along axis q."""
    cp, cn = np.cumsum(pos, axis=q), np.cumsum(neg, axis=q)
    tp = np.take(cp, [-1], axis=q)
    tn = np.take(cn, [-1], axis=q)
    up = np.minimum((cp + tn - cn).min(axis=q), np.squeeze(tn, axis=q))   # negatives low, positives high
    down = np.minimum((cn + tp - cp).min(axis=q), np.squeeze(tp, axis=q))
    axes = tuple(range(1, up.ndim))
    return np.stack([up.sum(axis=axes), down.sum(axis=axes)], axis=1)


def _segment_bound(gp: np.ndarray, gn: np.ndarray, cell: np.ndarray, owner: np.ndarray, N: int) -> np.ndarray:
    """`_axis_bound` for occupied (cell, value) groups sorted by cell then value; owner: the
    set of each group; (N,) per set."""
    starts = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])
    cp, cn = np.cumsum(gp), np.cumsum(gn)
    base_p, base_n = np.r_[0.0, cp][starts], np.r_[0.0, cn][starts]
    seg = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, gp.size]))
    lp, ln = cp - base_p[seg], cn - base_n[seg]              # weight at or below the value, in the cell
    tp, tn = np.add.reduceat(gp, starts), np.add.reduceat(gn, starts)
    up = np.minimum(np.minimum.reduceat(lp + tn[seg] - ln, starts), tn)
    down = np.minimum(np.minimum.reduceat(ln + tp[seg] - lp, starts), tp)
    who = owner[starts]
    return np.stack([np.bincount(who, weights=up, minlength=N), np.bincount(who, weights=down, minlength=N)], axis=1)
