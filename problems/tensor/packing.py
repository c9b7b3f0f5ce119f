"""The Tucker packing problem and its combinatorial solvers (exact DP, brute force, greedy).

    maximise   sum_n  S_n(R_n),   S_n(r) = sigma_{n,1}^2 + ... + sigma_{n,r}^2
    subject to prod_n R_n + sum_n I_n R_n <= B,   1 <= R_n <= I_n  (integers)

(Ghadiri, Fahrbach, Fu, Mirrokni, ICML 2023). The size constraint is nonlinear; `exact`
handles it without approximation: a dynamic programme over the modes whose states are
partial shapes summarised by (p, l, v) = (prod R_m, sum I_m R_m, sum S_m(R_m)) over the
modes done so far. A state is dropped only when it is infeasible even with every later
rank at 1, or when another state has p' <= p, l' <= l, v' > v (any completion of the
first is a completion of the second, feasible and at least as good, since the size is
monotone in p and l). The last mode is set in closed form: S_N is nondecreasing, so the
best rank is the largest feasible one, R_N = min(I_N, floor((B - l) / (p + I_N))). Neither
rule depends on B below the largest budget, so one pass serves a whole budget sweep.
"""
from __future__ import annotations

import math
import numbers
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from optlib import Deadline


class Expired(Exception):
    """The time limit passed before the dynamic programme or the enumeration finished."""


@dataclass(frozen=True, eq=False)
class Packing:
    """Mode sizes I_n and the prefix sums S_n(0..I_n) of the squared singular values."""

    shape: tuple[int, ...]
    prefix: tuple[np.ndarray, ...]

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def size(self, ranks: Sequence[int]) -> int:
        """prod R_n + sum I_n R_n (exact, Python integers)."""
        return math.prod(int(r) for r in ranks) + sum(int(i) * int(r) for i, r in zip(self.shape, ranks))

    def value(self, ranks: Sequence[int]) -> float:
        return float(sum(self.prefix[n][int(r)] for n, r in enumerate(ranks)))

    @property
    def min_size(self) -> int:
        return 1 + sum(self.shape)

    @property
    def full_size(self) -> int:
        """Size of the full shape R = I: every budget >= this admits every shape."""
        return self.size(self.shape)

    def max_ranks(self, budget: int) -> tuple[int, ...]:
        """The largest R_n of a feasible shape (all other ranks at 1)."""
        total = sum(self.shape)
        return tuple(max(0, min(i, (budget - total + i) // (i + 1))) for i in self.shape)

    def upper_bound(self, budget: int) -> float:
        """A trivial bound on the optimum: every mode at its largest feasible rank."""
        return float(sum(self.prefix[n][r] for n, r in enumerate(self.max_ranks(budget))))


def check_budget(budget: Any, packing: Packing, what: str = "budget") -> int:
    """`budget` as an int >= the smallest decomposition (all ranks 1); ValueError/TypeError otherwise."""
    if isinstance(budget, bool) or not isinstance(budget, numbers.Real):
        raise TypeError(f"{what} must be an integer number of parameters, got {budget!r}")
    if not isinstance(budget, numbers.Integral) and (not math.isfinite(budget) or float(budget) != int(budget)):
        raise ValueError(f"{what} must be an integer number of parameters, got {budget!r}")
    b = int(budget)
    if b < packing.min_size:
        raise ValueError(f"{what}={b} is smaller than the smallest decomposition of a tensor of shape "
                         f"{packing.shape}: with all ranks 1 it has {packing.min_size} parameters")
    return b


# -- exact: dynamic programming over modes ------------------------------------------------
def _segment_keep(group: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Rows (sorted by group) whose rank beats every earlier rank of the same group."""
    key = group.astype(np.int64) * (int(rank.max()) + 2) + rank
    prior = np.concatenate([[-1], np.maximum.accumulate(key)[:-1]])
    return key > prior


def _prune(p: np.ndarray, l: np.ndarray, v: np.ndarray, grid_limit: int) -> np.ndarray:
    """Indices of states not strictly dominated (p' <= p, l' <= l, v' > v); keeps one of equals."""
    if p.size <= 1:
        return np.arange(p.size)
    _, vr = np.unique(v, return_inverse=True)
    vr = vr.ravel()
    order = np.lexsort((-vr, l, p))                       # by p, then l, then v descending
    pu, pg = np.unique(p[order], return_inverse=True)
    keep = order[_segment_keep(pg.ravel(), vr[order])]
    lu, li = np.unique(l[keep], return_inverse=True)
    pi = np.searchsorted(pu, p[keep])
    if pu.size * lu.size <= grid_limit:                   # across p: 2-D running maximum
        grid = np.full((pu.size, lu.size), -1, dtype=np.int64)
        np.maximum.at(grid, (pi, li.ravel()), vr[keep])
        np.maximum.accumulate(grid, axis=0, out=grid)
        np.maximum.accumulate(grid, axis=1, out=grid)
        keep = keep[grid[pi, li.ravel()] <= vr[keep]]
    return keep


@dataclass(frozen=True, eq=False)
class DPStates:
    """The pruned states before the last mode, with back pointers to their shapes."""

    packing: Packing
    budget_max: int
    order: tuple[int, ...]          # modes in DP order; the last one is set in closed form
    p: np.ndarray
    l: np.ndarray
    v: np.ndarray
    layers: tuple[tuple[np.ndarray, np.ndarray], ...]   # per DP mode: (parent index, rank) of each state
    n_states: tuple[int, ...]       # states kept after each DP mode
    n_candidates: int               # partial shapes examined in total
    time: float = 0.0

    def shape_of(self, k: int) -> list[int]:
        ranks = [0] * self.packing.ndim
        for mode, (parent, rank) in zip(reversed(self.order[:-1]), reversed(self.layers)):
            ranks[mode] = int(rank[k])
            k = int(parent[k])
        return ranks

    def best(self, budget: int) -> tuple[tuple[int, ...], float]:
        """The optimal shape and packed value for `budget` <= budget_max."""
        if budget > self.budget_max:
            raise ValueError(f"budget {budget} exceeds the DP's budget_max {self.budget_max}")
        budget = min(budget, self.packing.full_size)   # int64-safe; larger budgets admit nothing more
        last = self.order[-1]
        c = self.packing.shape[last]
        R = np.minimum(c, (budget - self.l) // (self.p + c))
        ok = R >= 1
        if not ok.any():
            raise ValueError(f"no feasible core shape for budget {budget}")
        vals = np.where(ok, self.v + self.packing.prefix[last][np.maximum(R, 0)], -np.inf)
        k = int(np.argmax(vals))
        ranks = self.shape_of(k)
        ranks[last] = int(R[k])
        return tuple(ranks), self.packing.value(ranks)


def exact_states(packing: Packing, budget_max: int, grid_limit: int = 4 * 10 ** 6,
                 deadline: Deadline | None = None) -> DPStates:
    """Run the DP once for every budget <= budget_max (see the module docstring); `Expired` when
    `deadline` passes between two modes."""
    t0 = time.perf_counter()
    cap = min(budget_max, packing.full_size)
    if cap > 2 ** 62 // (max(packing.shape) + 1):
        raise ValueError(f"budget {budget_max} is too large for the int64 dynamic programme")
    rmax = packing.max_ranks(cap)
    last = int(np.argmax(rmax))
    order = tuple(sorted((n for n in range(packing.ndim) if n != last), key=lambda n: (rmax[n], n))) + (last,)
    p = np.ones(1, dtype=np.int64)
    l = np.zeros(1, dtype=np.int64)
    v = np.zeros(1)
    rest = sum(packing.shape)
    layers, counts, candidates = [], [], 0
    for mode in order[:-1]:
        if deadline is not None and deadline.expired():
            raise Expired(f"the time limit passed in the DP after {len(layers)} of {len(order) - 1} modes")
        c = packing.shape[mode]
        rest -= c
        r = np.arange(1, rmax[mode] + 1, dtype=np.int64)
        P = np.multiply.outer(p, r)
        L = l[:, None] + c * r[None, :]
        si, ri = np.nonzero(P + L + rest <= cap)
        candidates += si.size
        p, l = P[si, ri], L[si, ri]
        v = v[si] + packing.prefix[mode][ri + 1]
        keep = _prune(p, l, v, grid_limit)
        p, l, v = p[keep], l[keep], v[keep]
        layers.append((si[keep], ri[keep] + 1))
        counts.append(int(p.size))
    return DPStates(packing, budget_max, order, p, l, v, tuple(layers), tuple(counts), candidates,
                    time.perf_counter() - t0)


# -- brute force ------------------------------------------------------------------------
def brute_force(packing: Packing, budget: int, max_shapes: int = 2 * 10 ** 7,
                deadline: Deadline | None = None) -> tuple[tuple[int, ...], float, int]:
    """Enumerate every feasible core shape; returns (best shape, value, number of shapes);
    `Expired` when `deadline` passes between two modes."""
    rest = sum(packing.shape)
    ranks = np.ones((1, 0), dtype=np.int64)
    p = np.ones(1, dtype=np.int64)
    l = np.zeros(1, dtype=np.int64)
    for n, c in enumerate(packing.shape):
        if deadline is not None and deadline.expired():
            raise Expired(f"the time limit passed in the enumeration after {n} of {packing.ndim} modes")
        rest -= c
        r = np.arange(1, c + 1, dtype=np.int64)
        P, L = np.multiply.outer(p, r), l[:, None] + c * r[None, :]
        si, ri = np.nonzero(P + L + rest <= budget)
        if si.size > max_shapes:
            raise ValueError(f"brute force: more than {max_shapes} partial shapes; use method='exact'")
        ranks = np.hstack([ranks[si], r[ri][:, None]])
        p, l = P[si, ri], L[si, ri]
    values = sum(packing.prefix[n][ranks[:, n]] for n in range(packing.ndim))
    k = int(np.argmax(values))
    best = tuple(int(x) for x in ranks[k])
    return best, packing.value(best), int(ranks.shape[0])


# -- greedy on the singular values (the paper's baselines) -----------------------------------
def hosvd_greedy(packing: Packing, budget: int, ratio: bool = False) -> tuple[int, ...]:
    """From all ranks 1, repeatedly raise the feasible mode with the largest next sigma^2
    (`ratio=True`: the largest sigma^2 per parameter added, "bang for the buck")."""
    ranks = [1] * packing.ndim
    sq = [np.diff(pre) for pre in packing.prefix]
    size = packing.size(ranks)
    while True:
        best, best_gain, best_size = -1, -math.inf, size
        for n in range(packing.ndim):
            if ranks[n] == packing.shape[n]:
                continue
            trial = ranks.copy()
            trial[n] += 1
            new_size = packing.size(trial)
            if new_size > budget:
                continue
            gain = sq[n][ranks[n]] / (new_size - size) if ratio else sq[n][ranks[n]]
            if gain > best_gain:
                best, best_gain, best_size = n, gain, new_size
        if best < 0:
            return tuple(ranks)
        ranks[best] += 1
        size = best_size


@dataclass(frozen=True)
class ExactCertificate:
    """Why an `exact` answer is optimal: the DP examined `n_candidates` partial shapes and
    kept `n_states` (per mode) under the dominance rules of `packing`'s docstring; the packed
    value re-evaluated from the shape is `value`, the size check `size <= budget` passed."""

    kind: str
    verified: bool
    value: float
    size: int
    budget: int
    n_states: tuple[int, ...] = ()
    n_candidates: int = 0
    messages: tuple[str, ...] = field(default_factory=tuple)
