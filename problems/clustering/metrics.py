"""Clustering scores: K-means inertia of a partition and the mis-clustering error.

inertia(P) = sum_k sum_{i in G_k} ||x_i - mean(G_k)||^2 = tr(A) - <A, Z_P>, with A = X X^T
and Z_P = sum_k 1_k 1_k^T / n_k. The mis-clustering error is the fraction of points whose
label differs from the truth under the best one-to-one matching of labels (Hungarian).
"""
from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment


def cluster_means(X: np.ndarray, labels: np.ndarray, K: int) -> np.ndarray:
    """(K, d) mean of each cluster 0..K-1 of `labels` (every cluster non-empty)."""
    return np.stack([X[labels == k].mean(axis=0) for k in range(K)])


def inertia(X: Any, labels: Any) -> float:
    """Sum of squared distances of the points to the mean of their cluster."""
    X = np.asarray(X, dtype=float)
    labels = np.asarray(labels)
    total = 0.0
    for k in np.unique(labels):
        pts = X[labels == k]
        total += float(((pts - pts.mean(axis=0)) ** 2).sum())
    return total


def kernel_inertia(G: np.ndarray, labels: Any) -> float:
    """K-means objective in the feature space of a Gram matrix G: tr(G) - <G, Z_P>."""
    labels = np.asarray(labels)
    total = float(np.trace(G))
    for k in np.unique(labels):
        idx = np.flatnonzero(labels == k)
        total -= float(G[np.ix_(idx, idx)].sum()) / idx.size
    return total


def membership_matrix(labels: Any) -> np.ndarray:
    """Z_P = sum_k 1_k 1_k^T / n_k (the Peng-Wei matrix of a partition)."""
    labels = np.asarray(labels)
    n = labels.size
    Z = np.zeros((n, n))
    for k in np.unique(labels):
        idx = np.flatnonzero(labels == k)
        Z[np.ix_(idx, idx)] = 1.0 / idx.size
    return Z


def misclustering_error(y_true: Any, y_pred: Any) -> float:
    """Fraction of mislabelled points under the best matching of cluster labels."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(f"y_true and y_pred must be 1-D of equal length, got {y_true.shape} and {y_pred.shape}")
    t, ti = np.unique(y_true, return_inverse=True)
    p, pi = np.unique(y_pred, return_inverse=True)
    C = np.zeros((t.size, p.size))
    np.add.at(C, (ti, pi), 1)
    rows, cols = linear_sum_assignment(-C)
    return 1.0 - float(C[rows, cols].sum()) / y_true.size
