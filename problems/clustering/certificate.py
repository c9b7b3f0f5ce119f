"""Certified upper bounds on the Peng-Wei SDP by weak duality with an eigenvalue correction.

For  max <A, Z>  s.t.  Z PSD, Z >= 0, Z 1 = 1, tr Z = K,  any y in R^n and any symmetric
B >= 0 (entrywise) give, for every feasible Z,

    <A, Z> <= 1'y + <M, Z> <= 1'y + K lambda_max(M),   M = A - (y 1' + 1 y')/2 + B,

because <B, Z> >= 0 and <M, Z> <= lambda_max(M) tr Z for Z PSD. No dual feasibility is
needed: any (y, B) gives a valid bound, a good one a tight bound. So the K-means inertia
of every partition is >= tr(A) - (1'y + K lambda_max(M)). We use it three ways:

* from an interior-point or first-order solve (y, B = the duals of the row-sum and
  nonnegativity constraints, B clipped at 0), which repairs inexact duals (e.g. SCS);
* from a partition alone (`partition_certificate`): y and a block rank-one B are built so
  that complementary slackness holds for Z_P (the dual witness of Iguchi, Mixon, Peterson,
  Villar, "Probably certifiably correct k-means clustering", Math. Program. 2017); when
  Z_P solves the SDP and the witness works the bound equals the inertia of P (exact
  recovery certified), and otherwise it is still a valid, looser bound;
* for large n with A = X X^T: M = W C W' has rank m <= d + 2 + K(K-1), so lambda_max(M)
  is computed from m x m matrices (G = W'W), in O(n m^2), without an n x n matrix.

Every lambda_max is inflated by a floating-point safety margin (see `_margin`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.optimize import minimize_scalar

from optlib import Deadline

EPS = np.finfo(float).eps


@dataclass(frozen=True)
class DualBound:
    """An upper bound `value` = 1'y + K lambda_max(M) on the Peng-Wei SDP (max form)."""

    value: float
    lambda_max: float
    margin: float
    source: str


def _margin(scale: float, dim: int) -> float:
    """Backward-error allowance for a symmetric eigenvalue computation: 16 dim eps scale."""
    return 16.0 * max(dim, 1) * EPS * max(scale, 1.0)


def lambda_max_dense(M: np.ndarray) -> tuple[float, float]:
    """(lambda_max(M), safety margin) for a dense symmetric M."""
    M = 0.5 * (M + M.T)
    lam = float(np.linalg.eigvalsh(M)[-1])
    return lam, _margin(float(np.linalg.norm(M, "fro")), M.shape[0])


def lambda_max_factored(W: np.ndarray, C: np.ndarray) -> tuple[float, float]:
    """(lambda_max(W C W'), margin) for W n x m and symmetric C m x m, from m x m matrices.

    With G = W'W = V D V' and G^(1/2) = V D^(1/2) V', the nonzero eigenvalues of W C W' are
    those of G^(1/2) C G^(1/2); when m < n, W C W' also has the eigenvalue 0.
    """
    n, m = W.shape
    if m >= n:
        return lambda_max_dense(W @ C @ W.T)
    norms = np.linalg.norm(W, axis=0)
    keep = norms > 0
    W, norms = W[:, keep] / norms[keep], norms[keep]
    C = C[np.ix_(keep, keep)] * np.outer(norms, norms)   # W C W' unchanged, unit columns
    G = W.T @ W
    D, V = np.linalg.eigh(0.5 * (G + G.T))
    H = (V * np.sqrt(np.maximum(D, 0.0))) @ V.T
    S = H @ C @ H
    lam = max(float(np.linalg.eigvalsh(0.5 * (S + S.T))[-1]), 0.0)
    return lam, _margin(float(np.linalg.norm(C, "fro")) * W.shape[1], n)


def sdp_dual_bound(A: np.ndarray, y: np.ndarray, B: np.ndarray, K: int, source: str = "duals") -> DualBound:
    """1'y + K lambda_max(A - sym(y 1') + max(B, 0)) for a dense affinity A (any y, B)."""
    n = A.shape[0]
    one = np.ones(n)
    Bp = np.maximum(0.5 * (B + B.T), 0.0)
    M = A - 0.5 * (np.outer(y, one) + np.outer(one, y)) + Bp
    lam, marg = lambda_max_dense(M)
    return DualBound(float(y.sum()) + K * (lam + marg), lam, K * marg, source)


# ------------------------------------------------------------------------------------------
# dual witness from a partition
# ------------------------------------------------------------------------------------------
def _witness_parts(S: np.ndarray, labels: np.ndarray, K: int, lam: float):
    """y(lam) and the clipped rank-one blocks (r_ba, r_ab, tau) of B for a partition.

    S[:, a] = A 1_a. For i in cluster a:  y_i = 2 S_ia / n_a - S_aa / n_a^2 - lam / n_a,
    which makes (A - sym(y 1'))_a 1_a = lam 1_a; for i in b != a the row sums of the block
    B_ba must be r_ba[i] = (n_a y_i + 1_a'y) / 2 - S_ia, and B_ba = r_ba r_ab' / tau_ab.
    """
    sizes = np.bincount(labels, minlength=K).astype(float)
    Saa = np.array([S[labels == a, a].sum() for a in range(K)])
    na = sizes[labels]
    y = 2.0 * S[np.arange(labels.size), labels] / na - Saa[labels] / na ** 2 - lam / na
    ya = Saa / sizes - lam                          # 1_a' y
    blocks = []
    for a in range(K):
        for b in range(a + 1, K):
            ib, ia = labels == b, labels == a
            r_ba = np.maximum(0.5 * (sizes[a] * y[ib] + ya[a]) - S[ib, a], 0.0)
            r_ab = np.maximum(0.5 * (sizes[b] * y[ia] + ya[b]) - S[ia, b], 0.0)
            tau = math.sqrt(float(r_ba.sum()) * float(r_ab.sum()))
            if tau > 0:
                blocks.append((a, b, r_ba, r_ab, tau))
    return y, blocks


def _witness_bound_factored(Xc: np.ndarray, S: np.ndarray, labels: np.ndarray, K: int, lam: float) -> DualBound:
    n = Xc.shape[0]
    y, blocks = _witness_parts(S, labels, K, lam)
    cols = [Xc, y[:, None], np.ones((n, 1))]
    d = Xc.shape[1]
    m = d + 2 + 2 * len(blocks)
    C = np.zeros((m, m))
    C[:d, :d] = np.eye(d)
    C[d, d + 1] = C[d + 1, d] = -0.5
    j = d + 2
    for a, b, r_ba, r_ab, tau in blocks:
        u = np.zeros(n)
        v = np.zeros(n)
        u[labels == b] = r_ba
        v[labels == a] = r_ab
        cols += [u[:, None], v[:, None]]
        C[j, j + 1] = C[j + 1, j] = 1.0 / tau
        j += 2
    lam_max, marg = lambda_max_factored(np.hstack(cols), C)
    return DualBound(float(y.sum()) + K * (lam_max + marg), lam_max, K * marg, "partition witness")


def _witness_bound_dense(A: np.ndarray, S: np.ndarray, labels: np.ndarray, K: int, lam: float) -> DualBound:
    y, blocks = _witness_parts(S, labels, K, lam)
    B = np.zeros_like(A)
    for a, b, r_ba, r_ab, tau in blocks:
        ib, ia = np.flatnonzero(labels == b), np.flatnonzero(labels == a)
        blk = np.outer(r_ba, r_ab) / tau
        B[np.ix_(ib, ia)] = blk
        B[np.ix_(ia, ib)] = blk.T
    out = sdp_dual_bound(A, y, B, K, source="partition witness")
    return out


class _Expired(Exception):
    """The deadline of `partition_certificate` passed during its search."""


def partition_certificate(labels: np.ndarray, K: int, X: np.ndarray | None = None,
                          A: np.ndarray | None = None, grid: int = 24, deadline: Deadline | None = None) -> DualBound:
    """The best witness bound over the free multiplier lam (grid, then bounded Brent).

    Give the centred data X (A = X X', factored path) or a dense affinity A. Every lam gives a
    valid bound, so when `deadline` (an optlib.Deadline) passes the search stops with the best
    bound found so far (always at least the one at lam = 0).
    """
    labels = np.asarray(labels, dtype=np.int64)
    if X is not None:
        S = X @ np.stack([X[labels == a].sum(axis=0) for a in range(K)], axis=1)
        top = float(np.linalg.norm(X, 2) ** 2)
        f: Callable[[float], DualBound] = lambda lam: _witness_bound_factored(X, S, labels, K, lam)
    elif A is not None:
        S = np.stack([A[:, labels == a].sum(axis=1) for a in range(K)], axis=1)
        top = float(np.linalg.eigvalsh(0.5 * (A + A.T))[-1])
        f = lambda lam: _witness_bound_dense(A, S, labels, K, lam)
    else:
        raise ValueError("partition_certificate needs X or A")
    if np.bincount(labels, minlength=K).min() == 0:
        raise ValueError("partition_certificate needs K non-empty clusters")
    hi = max(top, 1e-12)
    lams = np.linspace(0.0, hi, grid + 1)
    vals = [f(lams[0])]
    for lam in lams[1:]:
        if deadline is not None and deadline.expired():
            return min(vals, key=lambda v: v.value)
        vals.append(f(lam))
    best = int(np.argmin([v.value for v in vals]))
    lo_b, hi_b = lams[max(best - 1, 0)], lams[min(best + 1, grid)]
    found = [vals[best]]

    def value(t: float) -> float:
        if deadline is not None and deadline.expired():
            raise _Expired
        cand = f(t)
        if cand.value < found[0].value:
            found[0] = cand
        return cand.value

    if hi_b > lo_b:
        try:
            res = minimize_scalar(value, bounds=(lo_b, hi_b), method="bounded",
                                  options={"xatol": 1e-10 * hi, "maxiter": 60})
            value(float(res.x))
        except _Expired:
            pass
    return found[0]
