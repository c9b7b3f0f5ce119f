"""EM refinement of a partition: the maximum a posteriori labels of a Gaussian mixture fitted
by EM (Dempster, Laird, Rubin 1977) from the partition's weights, means and covariances.

iLA-SDP (Zhuang, Chen, Yang, ICML 2023) maximises the likelihood with labels as parameters
(the classification likelihood), whose maximiser is biased where clusters overlap (Celeux &
Govaert 1992, Bryant & Williamson 1978): every point is forced wholly into one cluster, so
the covariance estimates shrink and the boundary moves. A few EM steps from that partition
fit the mixture likelihood instead; labels_i = argmax_k pi_k N(x_i; mu_k, Sigma_k).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

from .gaussian import estimate_covariances
from .metrics import cluster_means


@dataclass
class Refinement:
    """Result of `em_refine`: MAP labels, the fitted mixture (None when its labels were not
    taken: mixture.predict(X) == labels whenever it is set), and whether EM converged."""
    labels: np.ndarray
    mixture: GaussianMixture | None
    converged: bool
    message: str


def _precisions(covs: list[np.ndarray], kind: str) -> np.ndarray:
    """scikit-learn's precisions_init for covariance_type `kind` from full matrices."""
    if kind == "full":
        return np.stack([np.linalg.inv(S) for S in covs])
    if kind == "diag":
        return np.stack([1.0 / np.diag(S) for S in covs])
    return np.array([1.0 / float(S[0, 0]) for S in covs])


def em_refine(X: np.ndarray, labels: np.ndarray, K: int, kind: str, reg_covar: float,
              max_iter: int = 100, random_state: int | None = None) -> Refinement:
    """EM for a K-component Gaussian mixture (covariance_type `kind`) started at the weights
    n_k / n, means and covariances of `labels`; the refined labels are its MAP labels.

    reg_covar is relative (times the mean variance of X), as in `estimate_covariances`. If EM
    fails (a component collapses) the labels come back unchanged with the reason in `message`.
    """
    base = max(float(X.var(axis=0).mean()), 1e-12)
    sizes = np.bincount(labels, minlength=K).astype(float)
    if np.any(sizes == 0):
        return Refinement(labels, None, False, "a cluster is empty; labels kept")
    covs, _ = estimate_covariances(X, labels, K, kind, reg_covar)
    means = cluster_means(X, labels, K)
    gm = GaussianMixture(K, covariance_type=kind, weights_init=sizes / sizes.sum(), means_init=means,
                         precisions_init=_precisions(covs, kind), reg_covar=reg_covar * base,
                         max_iter=max_iter, random_state=random_state)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            gm.fit(X)
        except ValueError as exc:          # scikit-learn: "Fitting the mixture model failed ..."
            return Refinement(labels, None, False, f"EM failed ({exc}); labels kept")
    new = np.asarray(gm.predict(X), dtype=np.int64)
    if np.unique(new).size < K:
        return Refinement(labels, None, bool(gm.converged_), "EM emptied a cluster; labels kept")
    return Refinement(new, gm, bool(gm.converged_),
                      f"EM {'converged' if gm.converged_ else 'stopped at max_iter'} after {gm.n_iter_} iterations")
