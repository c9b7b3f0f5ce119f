"""Data for the clustering benchmarks: Gaussian mixtures and standardised real data sets.

Settings in the spirit of the iLA-SDP paper (Zhuang, Chen, Yang, ICML 2023), whose exact
simulation parameters could not be read here (see `lasdp.py`):

* ``covariance="common"``: every cluster N(mu_k, I_d); the K-means / SDP model is right.
* ``covariance="heterogeneous"``: cluster k has covariance scale_k * R_k diag(spectrum) R_k'
  with scales growing geometrically (``ratio``) and random rotations, so clusters differ
  in size and shape; nearest-centroid (K-means) boundaries are then biased.
* ``adversarial=True``: the centroid configuration that traps EM and Lloyd's algorithm
  (Jin, Zhang, Balakrishnan, Wainwright, Jordan, NeurIPS 2016): two clusters close
  together and the others far away, so an initialisation with two centres in a far
  cluster stays there.

Centres: mu_k = separation * e_k (k = 0..K-1; a simplex, all pairwise distances
separation * sqrt 2) unless adversarial.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from optlib.validate import check_positive

from ._validation import check_choice

REAL = ("iris", "wine", "digits")


def _rotation(rng: np.random.Generator, d: int) -> np.ndarray:
    Q, R = np.linalg.qr(rng.standard_normal((d, d)))
    return Q * np.sign(np.diag(R))


def gaussian_mixture(n: int = 200, n_clusters: int = 2, dim: int = 2, separation: float = 4.0,
                     covariance: str = "common", ratio: float = 4.0, anisotropy: float = 1.0,
                     adversarial: bool = False, weights: Any = None,
                     random_state: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(X, y): n points in `dim` dimensions from a K-component Gaussian mixture.

    heterogeneous: covariance of cluster k = ratio^(k / (K-1)) R_k diag(s) R_k' with s
    log-spaced from 1 to `anisotropy` (normalised to mean 1); adversarial: needs K >= 3,
    clusters 0 and 1 at -+ separation/2 e_0, the others at 3 separation (e_0 + e_k).
    Labels are drawn with `weights` (default equal sizes, assigned round robin).
    """
    n = check_positive(n, "n", integer=True)
    K = check_positive(n_clusters, "n_clusters", integer=True)
    dim = check_positive(dim, "dim", integer=True)
    check_positive(separation, "separation")
    cov = check_choice(covariance, "covariance", ("common", "heterogeneous"))
    rng = np.random.default_rng(random_state)
    if K > n:
        raise ValueError(f"n_clusters={K} is larger than n={n}")
    if weights is None:
        y = np.arange(n) % K
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != (K,) or np.any(w <= 0):
            raise ValueError(f"weights must be {K} positive numbers, got {weights!r}")
        y = rng.choice(K, size=n, p=w / w.sum())
    if adversarial:
        if K < 3:
            raise ValueError("adversarial=True needs n_clusters >= 3")
        if dim < K - 1:
            raise ValueError(f"adversarial=True needs dim >= n_clusters - 1 = {K - 1}")
        mu = np.zeros((K, dim))
        mu[0, 0], mu[1, 0] = -separation / 2, separation / 2
        for k in range(2, K):
            mu[k, 0] = 3 * separation
            mu[k, k - 1] = 3 * separation
    else:
        if dim < K - 1:
            raise ValueError(f"dim={dim} must be >= n_clusters - 1 = {K - 1} for simplex centres")
        mu = np.zeros((K, dim))
        for k in range(K):
            if k < dim:
                mu[k, k] = separation
        if K == 2 and dim == 1:
            mu[1, 0] = separation
    X = np.empty((n, dim))
    for k in range(K):
        idx = np.flatnonzero(y == k)
        Zk = rng.standard_normal((idx.size, dim))
        if cov == "heterogeneous":
            scale = ratio ** (k / max(K - 1, 1))
            s = np.logspace(0, np.log10(max(anisotropy, 1e-12)), dim)
            s = s / s.mean()
            L = _rotation(rng, dim) * np.sqrt(scale * s)
            Zk = Zk @ L.T
        X[idx] = mu[k] + Zk
    return X, y


def load_real(name: str) -> tuple[np.ndarray, np.ndarray, int]:
    """(X standardised to mean 0 / variance 1 per feature, y, number of classes) for one of
    the data sets scikit-learn ships: iris (150 x 4), wine (178 x 13), digits (1797 x 64)."""
    from sklearn import datasets
    from sklearn.preprocessing import StandardScaler

    name = check_choice(name, "name", REAL)
    loader = {"iris": datasets.load_iris, "wine": datasets.load_wine, "digits": datasets.load_digits}[name]
    data = loader()
    X = StandardScaler().fit_transform(np.asarray(data.data, dtype=float))
    y = np.asarray(data.target)
    return X, y, int(np.unique(y).size)
