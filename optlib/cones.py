"""Cone helpers shared by compile, backends and certify.

PSD blocks are stored in *svec* form: the lower triangle of the symmetric matrix,
column by column, with off-diagonal entries scaled by sqrt(2), so that
<svec(X), svec(Y)> = trace(XY) (the SCS convention). Clarabel uses the upper
triangle column by column; `svec_to_triu_perm` maps between the two.
"""
from __future__ import annotations

import math

import numpy as np

SQRT2 = math.sqrt(2.0)


def svec_size(n: int) -> int:
    """Number of svec entries of an n x n symmetric matrix: n(n+1)/2."""
    return n * (n + 1) // 2


def svec_order(k: int) -> int:
    """Inverse of `svec_size`: the order n with n(n+1)/2 == k (ValueError if none)."""
    n = int(round((math.sqrt(8 * k + 1) - 1) / 2))
    if svec_size(n) != k:
        raise ValueError(f"{k} is not a triangular number n(n+1)/2")
    return n


def svec_indices(n: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, col) of each svec entry: lower triangle, column-major (i >= j)."""
    rows, cols = [], []
    for j in range(n):
        rows.append(np.arange(j, n))
        cols.append(np.full(n - j, j))
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(rows).astype(np.int64), np.concatenate(cols).astype(np.int64)


def svec_scale(n: int) -> np.ndarray:
    """Scale factors of the svec entries: 1 on the diagonal, sqrt(2) off it."""
    r, c = svec_indices(n)
    return np.where(r == c, 1.0, SQRT2)


def svec(X: np.ndarray) -> np.ndarray:
    """svec of a symmetric matrix (lower triangle, column-major, off-diagonal * sqrt 2)."""
    X = np.asarray(X, dtype=float)
    n = X.shape[0]
    r, c = svec_indices(n)
    return X[r, c] * svec_scale(n)


def smat(v: np.ndarray) -> np.ndarray:
    """Inverse of `svec`: the symmetric matrix whose svec is v."""
    v = np.asarray(v, dtype=float)
    n = svec_order(v.size)
    r, c = svec_indices(n)
    vals = v / svec_scale(n)
    X = np.zeros((n, n))
    X[r, c] = vals
    X[c, r] = vals
    return X


def svec_to_triu_perm(n: int) -> np.ndarray:
    """Permutation p with triu_colmajor = svec[p] (Clarabel's PSDTriangleConeT order)."""
    r, c = svec_indices(n)
    pos = np.zeros((n, n), dtype=np.int64)
    pos[r, c] = np.arange(r.size)
    # upper triangle column-major lists (i, j), i <= j, by j then i; that is (j, i) in the lower one
    ju, iu = np.triu_indices(n)[1], np.triu_indices(n)[0]
    order = np.lexsort((iu, ju))
    return pos[ju[order], iu[order]]


def min_eig_svec(v: np.ndarray) -> float:
    """Smallest eigenvalue of smat(v)."""
    X = smat(v)
    if X.size == 0:
        return 0.0
    return float(np.linalg.eigvalsh(X)[0])


def project_psd_svec(v: np.ndarray) -> np.ndarray:
    """Euclidean projection of smat(v) onto the PSD cone, returned in svec form."""
    X = smat(v)
    if X.size == 0:
        return v.copy()
    w, U = np.linalg.eigh(X)
    return svec((U * np.maximum(w, 0.0)) @ U.T)


def soc_violation(v: np.ndarray) -> float:
    """max(0, ||v[1:]|| - v[0]) for v = (t, x) in the second-order cone."""
    v = np.asarray(v, dtype=float)
    return max(0.0, float(np.linalg.norm(v[1:])) - float(v[0]))


def project_soc(v: np.ndarray) -> np.ndarray:
    """Euclidean projection onto {(t, x): ||x|| <= t}."""
    v = np.asarray(v, dtype=float)
    t, x = float(v[0]), v[1:]
    nx = float(np.linalg.norm(x))
    if nx <= t:
        return v.copy()
    if nx <= -t:
        return np.zeros_like(v)
    a = (t + nx) / 2.0
    out = np.empty_like(v)
    out[0] = a
    out[1:] = a * x / nx
    return out


def exp_violation(u: np.ndarray, v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """How far each (u_i, v_i, w_i) is from the exponential cone
    K_exp = closure{(u, v, w): v > 0, v exp(u / v) <= w} = that set with {u <= 0, v = 0, w >= 0}:
    max(0, v exp(u / v) - w) where v > 0, else max(-v, u, -w, 0)."""
    u, v, w = (np.asarray(a, dtype=float) for a in (u, v, w))
    out = np.maximum.reduce([-v, u, -w, np.zeros_like(u)])
    pos = v > 0
    if np.any(pos):
        ratio = u[pos] / v[pos]
        with np.errstate(over="ignore"):
            val = v[pos] * np.exp(np.minimum(ratio, 709.0))
        val = np.where(ratio > 709.0, np.inf, val)
        out[pos] = np.maximum(0.0, val - w[pos])
    return out


def exp_dual_violation(u: np.ndarray, v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """How far each (u_i, v_i, w_i) is from the dual cone
    K_exp* = closure{(u, v, w): u < 0, -u exp(v / u) <= e w} = that set with {u = 0, v >= 0, w >= 0}:
    max(0, -u exp(v / u - 1) - w) where u < 0, else max(u, -v, -w, 0)."""
    u, v, w = (np.asarray(a, dtype=float) for a in (u, v, w))
    out = np.maximum.reduce([u, -v, -w, np.zeros_like(u)])
    neg = u < 0
    if np.any(neg):
        ratio = v[neg] / u[neg] - 1.0
        with np.errstate(over="ignore"):
            val = -u[neg] * np.exp(np.minimum(ratio, 709.0))
        val = np.where(ratio > 709.0, np.inf, val)
        out[neg] = np.maximum(0.0, val - w[neg])
    return out
