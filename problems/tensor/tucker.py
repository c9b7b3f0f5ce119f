"""Tucker decompositions of a given core shape: truncated HOSVD and HOOI (our own).

X ~ G x_1 U_1 ... x_N U_N with orthonormal U_n (I_n x R_n) and G = X x_1 U_1^T ... x_N U_N^T,
so the squared relative error is  ||X - X_hat||^2 / ||X||^2 = 1 - ||G||^2 / ||X||^2.
HOSVD takes U_n = the leading R_n eigenvectors of the mode-n Gram matrix; HOOI (De
Lathauwer, De Moor, Vandewalle 2000) then sweeps U_n <- leading R_n left singular vectors
of (X x_{m != n} U_m^T)_(n), which never increases the error. Truncated HOSVD satisfies
||X - X_hat||^2 <= sum_n sum_{i > R_n} sigma_{n,i}^2, and every Tucker approximation of
that shape has error >= max_n sum_{i > R_n} sigma_{n,i}^2. Sparse tensors are projected
nonzero by nonzero (Kronecker rows of the factors, in chunks): never densified.
"""
from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from optlib import Deadline, Status
from optlib.answer import GapFromBound

from .data import SparseTensor

_CHUNK_FLOATS = 4 * 10 ** 6
ABS_TOL = 1e-12         # rre - bound below this is rounding (rre is a difference of numbers ~1)


def _mode_dot(X: np.ndarray, M: np.ndarray, n: int) -> np.ndarray:
    """X x_n M for M of shape (J, I_n)."""
    return np.moveaxis(np.tensordot(M, X, axes=(1, n)), 0, n)


def _dense_project(X: np.ndarray, factors: Sequence[np.ndarray], skip: int | None) -> np.ndarray:
    """X x_m U_m^T for every m != skip (the modes that shrink most first)."""
    modes = [m for m in range(X.ndim) if m != skip]
    for m in sorted(modes, key=lambda m: factors[m].shape[1] / X.shape[m]):
        X = _mode_dot(X, factors[m].T, m)
    return X


def _kron_rows(c: np.ndarray, factors: Sequence[np.ndarray], modes: Sequence[int]) -> np.ndarray:
    """Row k: U_{m_1}[c_k, :] kron U_{m_2}[c_k, :] kron ... over `modes` (C order)."""
    K = np.ones((c.shape[0], 1))
    for m in modes:
        F = factors[m][c[:, m]]
        K = (K[:, :, None] * F[:, None, :]).reshape(K.shape[0], -1)
    return K


def _sparse_project(X: SparseTensor, factors: Sequence[np.ndarray], skip: int | None) -> np.ndarray:
    """The same for a sparse tensor, as a matrix product: with the modes split into a head
    and a tail, G = K_head^T diag(x) K_tail (one Kronecker row per nonzero and side);
    mode `skip` keeps its index (identity factor). Returns the core, mode `skip` first
    unfolded if given."""
    fac = list(factors)
    if skip is not None:
        fac[skip] = np.eye(X.shape[skip])
    widths = [f.shape[1] for f in fac]
    total = math.prod(widths)
    split, acc = 0, 1
    while split < X.ndim - 1 and acc * acc < total:
        acc *= widths[split]
        split += 1
    head, tail = list(range(split)), list(range(split, X.ndim))
    chunk = max(1, _CHUNK_FLOATS // max(math.prod(widths[m] for m in head), math.prod(widths[m] for m in tail)))
    G = np.zeros((math.prod(widths[m] for m in head), math.prod(widths[m] for m in tail)))
    for start in range(0, X.nnz, chunk):
        c = X.coords[start:start + chunk]
        KA = _kron_rows(c, fac, head) * X.values[start:start + chunk, None]
        G += KA.T @ _kron_rows(c, fac, tail)
    G = G.reshape(widths)
    if skip is None:
        return G
    return np.moveaxis(G, skip, 0).reshape(widths[skip], -1)


def project(X: np.ndarray | SparseTensor, factors: Sequence[np.ndarray], skip: int | None = None) -> np.ndarray:
    """X x_m U_m^T over m != skip, mode `skip` unfolded first (I_skip x prod R_m); the core if skip is None."""
    if isinstance(X, SparseTensor):
        return _sparse_project(X, factors, skip)
    Y = _dense_project(X, factors, skip)
    if skip is None:
        return Y
    return np.moveaxis(Y, skip, 0).reshape(Y.shape[skip], -1)


def _leading(Y: np.ndarray, r: int) -> np.ndarray:
    """The leading r left singular vectors of Y (from Y Y^T when Y is wide)."""
    if Y.shape[1] >= Y.shape[0]:
        _, V = np.linalg.eigh(Y @ Y.T)
        return np.ascontiguousarray(V[:, ::-1][:, :r])
    U, _, _ = np.linalg.svd(Y, full_matrices=False)
    if U.shape[1] >= r:
        return U[:, :r]
    Q, _ = np.linalg.qr(np.hstack([U, np.random.default_rng(0).standard_normal((Y.shape[0], r - U.shape[1]))]))
    return Q[:, :r]


@dataclass(frozen=True, eq=False)
class TuckerFit(GapFromBound):
    """A Tucker decomposition: `core`, orthonormal `factors`, the squared relative error
    `rre` = ||X - X_hat||^2/||X||^2 (as in the paper) and `relative_error` = sqrt(rre);
    `history` holds rre after HOSVD and after each HOOI sweep.

    The answer protocol (`optlib.Answer`, minimising rre over Tucker decompositions of this
    shape): `objective` = rre, `bound` = `lower_bound` (max_n sum_{i > R_n} sigma_{n,i}^2 /
    ||X||^2 <= the error of any decomposition of the shape; -inf when not given), `status`
    OPTIMAL when rre meets that bound (1e-9 relative or 1e-12 absolute), else FEASIBLE (HOOI is
    a local method); `limit_reached` 'iteration_limit' when all `n_iter` sweeps ran without the
    improvement falling below `tol`."""

    core: np.ndarray
    factors: tuple[np.ndarray, ...]
    rre: float
    n_iter: int
    history: tuple[float, ...] = field(default_factory=tuple)
    time: float = 0.0
    lower_bound: float = -math.inf
    limit_reached: str | None = None

    @property
    def relative_error(self) -> float:
        return math.sqrt(self.rre)

    @property
    def objective(self) -> float:
        return float(self.rre)

    @property
    def bound(self) -> float:
        return float(min(self.lower_bound, self.rre))

    @property
    def status(self) -> Status:
        """OPTIMAL when rre meets the bound: gap <= 1e-9, or rre - bound <= 1e-12 (rre = 1 - ||G||^2 /
        ||X||^2 is accurate to ~1e-15 absolute, so near 0 the relative gap is rounding alone)."""
        done = self.gap <= 1e-9 or self.rre - self.bound <= ABS_TOL
        return Status.OPTIMAL if done else Status.FEASIBLE

    @property
    def verified(self) -> bool:
        """rre is computed from the core (1 - ||G||^2/||X||^2 with orthonormal factors); the bound
        from the singular values: both re-derived here, nothing taken from a solver."""
        return bool(np.isfinite(self.rre))

    @property
    def timings(self) -> dict[str, float]:
        return {"total": float(self.time)}

    @property
    def results(self) -> tuple:
        return ()

    def reconstruct(self) -> np.ndarray:
        X = self.core
        for n, U in enumerate(self.factors):
            X = _mode_dot(X, U, n)
        return X


def _rre(core: np.ndarray, norm_sq: float) -> float:
    return max(0.0, 1.0 - float(np.vdot(core, core)) / norm_sq)


def hooi(X: np.ndarray | SparseTensor, ranks: Sequence[int], init: Sequence[np.ndarray], norm_sq: float,
         n_iter: int = 10, tol: float = 1e-10, lower_bound: float = -math.inf) -> TuckerFit:
    """Truncated HOSVD from `init` (full eigenvector matrices) then up to `n_iter` HOOI sweeps,
    stopping when a sweep lowers rre by less than `tol`; `lower_bound` (a proven lower bound on
    rre for this shape) is carried into the answer."""
    t0 = time.perf_counter()
    factors = [np.ascontiguousarray(V[:, :r]) for V, r in zip(init, ranks)]
    core = project(X, factors)
    history = [_rre(core, norm_sq)]
    done, settled = 0, n_iter == 0
    for _ in range(n_iter):
        for n in range(len(ranks)):
            factors[n] = _leading(project(X, factors, skip=n), ranks[n])
        core = project(X, factors)
        history.append(_rre(core, norm_sq))
        done += 1
        if history[-2] - history[-1] < tol:
            settled = True
            break
    return TuckerFit(core, tuple(factors), history[-1], done, tuple(history), time.perf_counter() - t0,
                     float(lower_bound), None if settled else "iteration_limit")


class HosvdEnergy:
    """||X x_n V_n[:, :R_n]^T||^2 for any shape R: the energy a truncated HOSVD keeps.

    Dense: one all-orthogonal core G = X x_n V_n^T and an N-D cumulative sum of G^2, so each
    query is one lookup. Sparse: the truncated core is computed per query (costly)."""

    def __init__(self, X: np.ndarray | SparseTensor, full_factors: Sequence[np.ndarray]):
        self.X, self.factors = X, tuple(full_factors)
        self._table = None
        if not isinstance(X, SparseTensor):
            C = _dense_project(X, self.factors, None) ** 2
            for axis in range(C.ndim):
                np.cumsum(C, axis=axis, out=C)
            self._table = C

    def __call__(self, ranks: Sequence[int]) -> float:
        if self._table is not None:
            return float(self._table[tuple(int(r) - 1 for r in ranks)])
        core = project(self.X, [V[:, :r] for V, r in zip(self.factors, ranks)])
        return float(np.vdot(core, core))


def error_greedy(energy: HosvdEnergy, shape: tuple[int, ...], budget: int, size,
                 deadline: Deadline | None = None) -> tuple[tuple[int, ...], bool]:
    """The paper's true-error greedy: from all ranks 1, raise the feasible mode whose
    increment leaves the smallest truncated-HOSVD error (largest kept energy). Returns the
    ranks and whether `deadline` stopped the growth early (the ranks are feasible either way)."""
    ranks = [1] * len(shape)
    while True:
        best, best_energy = -1, -math.inf
        for n in range(len(shape)):
            if ranks[n] == shape[n]:
                continue
            trial = ranks.copy()
            trial[n] += 1
            if size(trial) > budget:
                continue
            if deadline is not None and deadline.expired():
                return tuple(ranks), True
            e = energy(trial)
            if e > best_energy:
                best, best_energy = n, e
        if best < 0:
            return tuple(ranks), False
        ranks[best] += 1
