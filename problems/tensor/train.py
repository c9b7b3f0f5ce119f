"""Tensor-train ranks under a size budget: the path-tree case of the paper's tree generalisation.

A tensor train of X (I_1..I_N) with ranks R_1..R_{N-1} (R_0 = R_N = 1) has
size = sum_k R_{k-1} I_k R_k. With sigma_{k,i} the singular values of the k-th sequential
unfolding X_<k> ((I_1..I_k) x (I_{k+1}..I_N)), TT-SVD's error obeys (Oseledets 2011)
||X - X_TT||^2 <= sum_k sum_{i > R_k} sigma_{k,i}^2, and every TT of those ranks has error
>= max_k of the same sums; so, as for Tucker (Ghadiri et al. ICML 2023, Sec. on tree
tensor networks), maximise sum_k S_k(R_k) under the budget. Exact DP along the train: a
state (R_k, cost so far, value so far) is dropped when infeasible with all later ranks 1
or dominated (R' <= R, cost' <= cost, value' > value: later costs grow with R_k, later
values do not depend on it); the last rank is set in closed form (the largest feasible).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from optlib import Status
from optlib.answer import GapFromBound

from .data import SparseTensor, as_tensor
from .packing import _prune, check_budget
from .spectrum import _eig_desc


@dataclass(frozen=True, eq=False)
class TrainPacking:
    """Mode sizes and the prefix sums S_k(0..M_k) of the N-1 sequential unfoldings."""

    shape: tuple[int, ...]
    prefix: tuple[np.ndarray, ...]

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def min_size(self) -> int:           # every rank 1; also what check_budget needs
        return sum(self.shape)

    def size(self, ranks: tuple[int, ...]) -> int:
        r = (1, *(int(x) for x in ranks), 1)
        return sum(r[k] * self.shape[k] * r[k + 1] for k in range(self.ndim))

    def value(self, ranks: tuple[int, ...]) -> float:
        return float(sum(self.prefix[k][int(r)] for k, r in enumerate(ranks)))


def train_spectra(X: np.ndarray, max_gram: int = 10000) -> tuple[tuple[np.ndarray, ...], float]:
    """Squared singular values of X_<1>..X_<N-1> (Gram matrix of the smaller side) and ||X||^2."""
    out = []
    for k in range(1, X.ndim):
        A = X.reshape(math.prod(X.shape[:k]), -1)
        if min(A.shape) > max_gram:
            raise ValueError(f"unfolding {k} is {A.shape[0]} x {A.shape[1]}: both sides exceed {max_gram}")
        w, _ = _eig_desc(A @ A.T if A.shape[0] <= A.shape[1] else A.T @ A)
        out.append(w)
    return tuple(out), float(np.vdot(X, X))


def train_dp(tp: TrainPacking, budget: int, grid_limit: int = 4 * 10 ** 6) -> tuple[tuple[int, ...], float, int]:
    """The exact optimum (ranks, packed value, states examined); see the module docstring."""
    I, N = tp.shape, tp.ndim
    cap = [len(p) - 1 for p in tp.prefix]                # M_k = rank bound of unfolding k
    if N == 2:
        r = max(1, min(cap[0], budget // (I[0] + I[1])))
        return (r,), tp.value((r,)), 1
    rank = np.ones(1, dtype=np.int64)                    # R_{k-1} of each state
    cost = np.zeros(1, dtype=np.int64)
    val = np.zeros(1)
    layers, examined = [], 0
    for k in range(N - 2):                               # choose R_{k+1} (index k); the last one in closed form
        rest = sum(I[k + 2:])                            # later cores with ranks 1 need at least this
        r = np.arange(1, cap[k] + 1, dtype=np.int64)
        C = cost[:, None] + rank[:, None] * I[k] * r[None, :]
        si, ri = np.nonzero(C + r[None, :] * I[k + 1] + rest <= budget)   # next core >= R_k I_{k+1}
        examined += si.size
        new_rank, new_cost = r[ri], C[si, ri]
        new_val = val[si] + tp.prefix[k][ri + 1]
        keep = _prune(new_rank, new_cost, new_val, grid_limit)
        rank, cost, val = new_rank[keep], new_cost[keep], new_val[keep]
        layers.append((si[keep], rank))
    k = N - 2                                            # R_{N-1}: cost R_{N-2} I_{N-1} R + R I_N
    R = np.minimum(cap[k], (budget - cost) // (rank * I[k] + I[k + 1]))
    total = np.where(R >= 1, val + tp.prefix[k][np.maximum(R, 0)], -np.inf)
    j = int(np.argmax(total))
    ranks = [int(R[j])]
    for parent, rk in reversed(layers):
        ranks.append(int(rk[j]))
        j = int(parent[j])
    ranks = tuple(reversed(ranks))
    return ranks, tp.value(ranks), examined


def train_brute_force(tp: TrainPacking, budget: int) -> tuple[tuple[int, ...], float]:
    """Every rank tuple with R_k <= M_k, feasible ones compared (small cases only)."""
    best, best_val = None, -math.inf
    for ranks in np.ndindex(*[len(p) - 1 for p in tp.prefix]):
        ranks = tuple(int(r) + 1 for r in ranks)
        if tp.size(ranks) <= budget and tp.value(ranks) > best_val:
            best, best_val = ranks, tp.value(ranks)
    return best, best_val


def tt_svd(X: np.ndarray, ranks: tuple[int, ...]) -> tuple[list[np.ndarray], float]:
    """TT-SVD with the given ranks: the cores and the squared relative error."""
    cores, C, r_prev = [], X.reshape(X.shape[0], -1), 1
    for k, r in enumerate(ranks):
        U, s, Vt = np.linalg.svd(C, full_matrices=False)
        r = min(r, s.size)
        cores.append(U[:, :r].reshape(r_prev, X.shape[k], r))
        C = (s[:r, None] * Vt[:r]).reshape(r * X.shape[k + 1], -1)
        r_prev = r
    cores.append(C.reshape(r_prev, X.shape[-1], 1))
    Y = cores[0]
    for G in cores[1:]:
        Y = np.tensordot(Y, G, axes=(-1, 0))
    err = float(np.linalg.norm(X - Y.reshape(X.shape)) ** 2 / np.vdot(X, X))
    return cores, err


@dataclass(frozen=True, eq=False)
class TrainShape(GapFromBound):
    """TT ranks R_1..R_{N-1} with `size` <= `budget`; bounds on the squared relative error as
    for `CoreShape` (`error_bound` >= TT-SVD's error, `lower_bound` <= any TT's error).

    The answer protocol (`optlib.Answer`, a maximisation of the packed value): `objective` =
    `packed_value`, `bound` = the same value when `optimal` (the DP and the enumeration are
    exact), `status` OPTIMAL when `optimal` and the size re-check passed (`verified`)."""

    ranks: tuple[int, ...]
    budget: int
    method: str
    packed_value: float
    error_bound: float
    lower_bound: float
    size: int
    optimal: bool
    examined: int = 0
    time: float = 0.0
    _tensor: Any = None
    limit_reached: str | None = None

    @property
    def objective(self) -> float:
        return float(self.packed_value)

    @property
    def bound(self) -> float:
        return float(self.packed_value) if self.optimal else math.inf

    @property
    def verified(self) -> bool:
        return bool(self.size <= self.budget)

    @property
    def status(self) -> Status:
        if not self.verified:
            return Status.UNVERIFIED
        return Status.OPTIMAL if self.optimal else Status.FEASIBLE

    @property
    def timings(self) -> dict[str, float]:
        return {"total": float(self.time)}

    @property
    def results(self) -> tuple:
        return ()

    def fit(self) -> tuple[list[np.ndarray], float]:
        """TT-SVD cores of these ranks and their squared relative error."""
        return tt_svd(self._tensor, self.ranks)


def tensor_train_ranks(tensor: Any, budget: int, method: str = "exact") -> TrainShape:
    """TT ranks maximising sum_k sum_{i <= R_k} sigma_{k,i}^2 under sum_k R_{k-1} I_k R_k <= budget.

    `tensor`: a dense numpy array (a sparse one must have a small unfolding side); `method`:
    ``exact`` (the DP) or ``brute-force`` (every rank tuple; small cases).
    """
    t0 = time.perf_counter()
    if method not in ("exact", "brute-force"):
        raise ValueError(f"unknown method {method!r}; choose 'exact' or 'brute-force'")
    X = as_tensor(tensor)
    if isinstance(X, SparseTensor):
        X = X.todense()
    sq, norm = train_spectra(X)
    tp = TrainPacking(tuple(X.shape), tuple(np.concatenate([[0.0], np.cumsum(s)]) for s in sq))
    budget = check_budget(budget, tp)
    if method == "exact":
        ranks, value, examined = train_dp(tp, budget)
    else:
        (ranks, value), examined = train_brute_force(tp, budget), 0
    suffix = [norm - tp.prefix[k][r] for k, r in enumerate(ranks)]
    return TrainShape(ranks, budget, method, value, max(0.0, sum(suffix) / norm), max(0.0, max(suffix) / norm),
                      tp.size(ranks), True, examined, time.perf_counter() - t0, X)
