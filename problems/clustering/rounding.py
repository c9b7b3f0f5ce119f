"""From a membership matrix to labels.

Spectral rounding (Peng & Wei 2007): take the top-K eigenpairs Z ~ V diag(w) V', embed
point i as row i of V diag(sqrt w) (identical rows within a cluster when Z = Z_P) and run
K-means on the embedding. For a factor Z = U U' the eigenpairs come from the SVD of U.
"""
from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans


def spectral_embedding(Z: np.ndarray | None = None, U: np.ndarray | None = None, k: int = 2) -> np.ndarray:
    """Rows of V_k diag(sqrt(w_k)) for the top-k eigenpairs of Z (or of U U')."""
    if U is not None:
        P, s, _ = np.linalg.svd(U, full_matrices=False)
        return P[:, :k] * s[:k]
    w, V = np.linalg.eigh(0.5 * (Z + Z.T))
    w, V = w[::-1][:k], V[:, ::-1][:, :k]
    return V * np.sqrt(np.maximum(w, 0.0))


def fill_empty(labels: np.ndarray, X: np.ndarray, k: int) -> np.ndarray:
    """Give every one of the k clusters at least one point: an empty cluster takes the point
    farthest from its centroid among clusters with more than one point (duplicate points
    can make K-means on the embedding return fewer than k clusters)."""
    labels = labels.copy()
    for empty in range(k):
        if np.any(labels == empty):
            continue
        sizes = np.bincount(labels, minlength=k)
        best, best_d = -1, -1.0
        for c in np.flatnonzero(sizes > 1):
            idx = np.flatnonzero(labels == c)
            d = ((X[idx] - X[idx].mean(axis=0)) ** 2).sum(axis=1)
            j = int(np.argmax(d))
            if d[j] > best_d:
                best, best_d = int(idx[j]), float(d[j])
        labels[best] = empty
    return labels


def round_membership(X: np.ndarray, k: int, Z: np.ndarray | None = None, U: np.ndarray | None = None,
                     random_state: int | None = 0, n_init: int = 10) -> np.ndarray:
    """Labels 0..k-1 (all used) from Z or its factor U, by K-means (n_init starts) on the
    spectral embedding."""
    if k == 1:
        return np.zeros(X.shape[0], dtype=np.int64)
    E = spectral_embedding(Z, U, k)
    lab = KMeans(n_clusters=k, n_init=n_init, random_state=random_state).fit_predict(E)
    return fill_empty(lab.astype(np.int64), X, k)
