"""Gaussian pieces of iLA-SDP: cluster covariances from labels or from relaxed memberships,
the classification log-likelihood, and the posterior shares of the current Gaussians.

With labels as parameters (Zhuang, Chen, Yang, ICML 2023) the log-likelihood is
sum_k sum_{i in G_k} log N(x_i; mean_k, Sigma_k) with MLE means and covariances of the labels;
a relaxed membership Z_k gives Sigma_k = X'(diag(Z_k 1) - Z_k)X / 1'Z_k 1 (see
`membership_covariances`).
"""
from __future__ import annotations

import math

import numpy as np


def _finish_covariance(S: np.ndarray, size: float, d: int, base: float, kind: str, reg_covar: float):
    """Diagonal part for kind='diag', tr(S)/d * I for kind='spherical', the relative ridge
    reg_covar * base, and a larger ridge 1e-3 * base when the cluster has <= 1 point (<= d
    for 'full' and 'diag'), its points coincide (tr(S)/d <= 1e-8 base: duplicates), or the
    eigenvalue ratio of S plus the relative ridge is <= 1e-8: (S, ridge or None)."""
    spread = float(np.trace(S)) / d
    if kind == "diag":
        S = np.diag(np.diag(S))
    elif kind == "spherical":
        S = np.eye(d) * spread
    S = S + reg_covar * base * np.eye(d)
    w = np.linalg.eigvalsh(S)
    few = size <= 1 or (kind != "spherical" and size <= d)
    if few or spread <= 1e-8 * base or w[0] <= 1e-8 * max(w[-1], 1e-300):
        ridge = 1e-3 * base
        return S + ridge * np.eye(d), ridge
    return S, None


def estimate_covariances(X: np.ndarray, labels: np.ndarray, K: int, kind: str, reg_covar: float):
    """(covariances, list of (cluster, added ridge) for the regularised ones).

    MLE covariance of each cluster (its diagonal for kind='diag', tr(S_k)/d * I for
    kind='spherical'), plus reg_covar * mean variance * I always; a cluster whose covariance
    is still singular (no more points than dimensions, except for kind='spherical'; all its
    points equal; an eigenvalue ratio <= 1e-8) gets a larger ridge, 1e-3 * (mean variance of X).
    """
    d = X.shape[1]
    base = max(float(X.var(axis=0).mean()), 1e-12)
    covs, fixed = [], []
    for k in range(K):
        P = X[labels == k]
        if P.shape[0] == 0:
            S = np.eye(d) * base
        else:
            D = P - P.mean(axis=0)
            S = D.T @ D / P.shape[0]
        S, ridge = _finish_covariance(S, P.shape[0], d, base, kind, reg_covar)
        if ridge is not None:
            fixed.append((k, ridge))
        covs.append(S)
    return covs, fixed


def membership_shares(Z: np.ndarray, factored: bool) -> np.ndarray:
    """The shares max(Z 1, 0) of the points in a relaxed membership Z (or its factor U, Z = U U')."""
    return np.clip(Z @ Z.sum(axis=0) if factored else Z.sum(axis=1), 0.0, None)


def membership_covariances(X: np.ndarray, memberships: list, kind: str, reg_covar: float, factored: bool):
    """Covariances from the relaxed membership matrices Z_k (or factors U_k, Z_k = U_k U_k').

    Sigma_k = X' (diag(Z_k 1) - Z_k) X / 1'Z_k 1: at an integral Z_k = 1_k 1_k' / n_k this is
    the within-cluster MLE covariance (X' diag(1_k) X - X' 1_k 1_k' X / n_k) / n_k; at a
    fractional Z_k it weights the points by their shares like EM's M-step, without centroids
    (diag(Z 1) - Z is a graph Laplacian of the non-negative Z, so Sigma_k is PSD).
    Returns (covariances, list of (cluster, added ridge)).
    """
    d = X.shape[1]
    base = max(float(X.var(axis=0).mean()), 1e-12)
    covs, fixed = [], []
    for k, Z in enumerate(memberships):
        if factored:
            XZ = X.T @ Z
            cross = XZ @ XZ.T
        else:
            cross = X.T @ Z @ X
        w = membership_shares(Z, factored)
        size = float(w.sum())
        if size <= 1e-12:
            S = np.eye(d) * base
        else:
            S = ((X.T * w) @ X - cross) / size
            S = 0.5 * (S + S.T)
        S, ridge = _finish_covariance(S, size, d, base, kind, reg_covar)
        if ridge is not None:
            fixed.append((k, ridge))
        covs.append(S)
    return covs, fixed


def shrink_covariances(covs: list[np.ndarray], sizes: np.ndarray, nu: float) -> list[np.ndarray]:
    """Sigma_k = (n_k S_k + nu W) / (n_k + nu) with W = sum_k n_k S_k / sum_k n_k: each cluster
    covariance shrunk towards the pooled within-cluster one by nu pseudo-points (nu = 0: unchanged)."""
    if nu <= 0:
        return list(covs)
    sizes = np.asarray(sizes, dtype=float)
    pooled = sum(nk * S for nk, S in zip(sizes, covs)) / max(float(sizes.sum()), 1e-12)
    return [(nk * S + nu * pooled) / (nk + nu) for nk, S in zip(sizes, covs)]


def shrunk_loglik(X: np.ndarray, labels: np.ndarray, covs: list[np.ndarray], nu: float) -> float:
    """l_nu: `gaussian_loglik` at the label covariances `covs` shrunk by nu pseudo-points
    (`shrink_covariances` with the cluster sizes of `labels`; nu = 0: the covariances as given)."""
    return gaussian_loglik(X, labels, shrink_covariances(covs, np.bincount(labels, minlength=len(covs)), nu))


def gaussian_loglik(X: np.ndarray, labels: np.ndarray, covs: list[np.ndarray]) -> float:
    """sum_i log N(x_i; mean of its cluster, Sigma of its cluster)."""
    d = X.shape[1]
    total = 0.0
    for k, S in enumerate(covs):
        P = X[labels == k]
        if P.shape[0] == 0:
            continue
        L = np.linalg.cholesky(S)
        Y = np.linalg.solve(L, (P - P.mean(axis=0)).T)
        total += -0.5 * float((Y * Y).sum()) - P.shape[0] * (float(np.log(np.diag(L)).sum())
                                                              + 0.5 * d * math.log(2 * math.pi))
    return total


def responsibilities(X: np.ndarray, labels: np.ndarray, covs: list[np.ndarray]) -> np.ndarray:
    """(n, K) posterior shares of the Gaussians N(mean of cluster k under `labels`, Sigma_k)
    with equal weights: r_ik proportional to det(Sigma_k)^(-1/2) exp(-||x_i - m_k||^2_{Sigma_k^-1} / 2)."""
    logp = np.empty((X.shape[0], len(covs)))
    for k, S in enumerate(covs):
        P = X[labels == k]
        m = P.mean(axis=0) if P.shape[0] else X.mean(axis=0)
        L = np.linalg.cholesky(S)
        Y = np.linalg.solve(L, (X - m).T)
        logp[:, k] = -0.5 * (Y * Y).sum(axis=0) - float(np.log(np.diag(L)).sum())
    logp -= logp.max(axis=1, keepdims=True)
    r = np.exp(logp)
    return r / r.sum(axis=1, keepdims=True)
