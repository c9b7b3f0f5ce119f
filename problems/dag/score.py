"""The NOTEARS scores and the closed-form fit of a topological order.

l2:       F(W) = 1/(2n) ||X - X W||_F^2 + lambda1 ||W||_1
logistic: F(W) = 1/n sum_ij [log(1 + exp((XW)_ij)) - X_ij (XW)_ij] + lambda1 ||W||_1
For an order pi with no constraints (l2, lambda1 = 0) the best W regresses every node on all
its predecessors; with G = X'X/n and G[pi, pi] = L L' (Cholesky), the residual variance of
the node in position p is L_pp^2, so F = 1/2 sum_p L_pp^2, and W comes from L^{-1}.
"""
from __future__ import annotations

import numpy as np
import scipy.linalg as sla


def gram(X: np.ndarray) -> np.ndarray:
    """G = X'X / n (no centring: the score has no intercept)."""
    return X.T @ X / X.shape[0]


def l2_score(X: np.ndarray, W: np.ndarray, lambda1: float = 0.0) -> float:
    """1/(2n) ||X - XW||_F^2 + lambda1 ||W||_1."""
    R = X - X @ W
    return float(0.5 / X.shape[0] * np.sum(R * R) + lambda1 * np.abs(W).sum())


def logistic_score(X: np.ndarray, W: np.ndarray, lambda1: float = 0.0) -> float:
    """1/n sum (log(1 + e^M) - X o M) + lambda1 ||W||_1 with M = XW."""
    M = X @ W
    return float(np.sum(np.logaddexp(0.0, M) - X * M) / X.shape[0] + lambda1 * np.abs(W).sum())


def score(X: np.ndarray, W: np.ndarray, loss: str = "l2", lambda1: float = 0.0) -> float:
    """The NOTEARS score of W for loss 'l2' or 'logistic'."""
    return l2_score(X, W, lambda1) if loss == "l2" else logistic_score(X, W, lambda1)


def order_cholesky(G: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Lower Cholesky factor of G[order, order] (a tiny ridge if G is singular)."""
    Gp = G[np.ix_(order, order)]
    try:
        return np.linalg.cholesky(Gp)
    except np.linalg.LinAlgError:
        ridge = 1e-10 * max(np.trace(Gp) / len(order), 1e-300)
        return np.linalg.cholesky(Gp + ridge * np.eye(len(order)))


def weights_from_cholesky(L: np.ndarray, order: np.ndarray) -> np.ndarray:
    """W of the regressions of each node on all its predecessors in `order`, from L = chol(G[order, order]).

    With U = L diag(L)^{-1} (unit lower), the residuals are U^{-1} x, so the coefficient of
    the node in position q for the node in position p > q is -(U^{-1})_{pq}.
    """
    d = len(order)
    U = L / np.diag(L)[None, :]
    A = sla.solve_triangular(U, np.eye(d), lower=True, unit_diagonal=True)
    Wp = np.eye(d) - A.T
    np.fill_diagonal(Wp, 0.0)
    W = np.zeros((d, d))
    W[np.ix_(order, order)] = np.triu(Wp, 1)
    return W


def order_score(L: np.ndarray) -> float:
    """1/2 sum of the residual variances, i.e. the l2 score of the order's least-squares W."""
    return 0.5 * float(np.sum(np.diag(L) ** 2))


def logdet_grad(W: np.ndarray) -> np.ndarray:
    """Gradient of h(W) = -log det(I - |W|), i.e. (I - |W|)^{-T} (Bello et al. 2022, s = 1)."""
    d = W.shape[0]
    return np.linalg.inv(np.eye(d) - np.abs(W)).T
