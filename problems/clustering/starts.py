"""Candidate starting partitions for ILASDP, ranked by the labels-as-parameters likelihood.

iLA-SDP (Zhuang, Chen, Yang, ICML 2023) maximises the Gaussian log-likelihood with labels as
parameters, a non-concave problem whose iterations stop at the first fixed point; which
fixed point depends on the start. The pool holds cheap partitions of different kinds:

* 'kmeans': k-means++ / Lloyd runs (Arthur & Vassilvitskii 2007), one seed each;
* 'em': the MAP labels of EM fits of a Gaussian mixture (Dempster, Laird, Rubin 1977;
  scikit-learn's GaussianMixture, n_init=1), cycling through its 'kmeans', 'k-means++' and
  'random_from_data' initialisations, one seed each.

Partitions equal up to relabelling, or with an empty cluster, are dropped, and the rest are
ranked by l_nu(G) = sum_k sum_{i in G_k} log N(x_i; mean_k, Sigma_k), with MLE means and
covariances S_k shrunk towards the pooled within-cluster covariance W,
Sigma_k = (n_k S_k + nu W) / (n_k + nu) (nu pseudo-points; nu = 0 is the objective the LA-SDP
iterations raise). With few points per cluster the MLE l(G) overfits the covariances and is
biased as a partition criterion (the classification likelihood, Celeux & Govaert 1992);
shrinkage towards a pooled covariance as in regularised discriminant analysis (Friedman
1989) damps that. The kinds, counts and nu were chosen on held-out seeds (docs/studies.md).

`select_covariance` picks the covariance model (full, diagonal or spherical per cluster) by
BIC (Schwarz 1978), as model-based clustering does (Fraley & Raftery 2002, mclust):
BIC(m) = max over the candidate partitions of l_nu(G; m) - p_m / 2 log n, with p_m the
number of means and covariance parameters of model m: higher is better (scikit-learn's
GaussianMixture.bic is -2 times a mixture BIC, lower is better), l_nu with nu = the
selection shrinkage in place of the maximised likelihood, and the K - 1 mixing weights
left out (the same for every model, so the choice does not change).
"""
from __future__ import annotations

import math

import numpy as np
from sklearn.cluster import KMeans
from sklearn.mixture import GaussianMixture

from optlib import Deadline

from .gaussian import estimate_covariances, shrunk_loglik
from .metrics import misclustering_error

POOLS = ("kmeans", "em")
KINDS = ("full", "diag", "spherical")
EM_INITS = ("kmeans", "k-means++", "random_from_data")


def labels_loglik(X: np.ndarray, labels: np.ndarray, K: int, kind: str, reg_covar: float,
                  shrinkage: float = 0.0) -> float:
    """l_nu(G): the Gaussian log-likelihood of the partition at its MLE means and at the covariances
    Sigma_k = (n_k S_k + nu W) / (n_k + nu), shrunk towards the pooled within-cluster covariance
    W = sum_k n_k S_k / n by nu = `shrinkage` pseudo-points (nu = 0: l(G), the MLE)."""
    Xc = X - X.mean(axis=0)
    return shrunk_loglik(Xc, labels, estimate_covariances(Xc, labels, K, kind, reg_covar)[0], shrinkage)


def pool_partitions(X: np.ndarray, K: int, pools: tuple[str, ...], count: int, kind: str,
                    rng: np.random.Generator, deadline: Deadline | None = None) -> list[tuple[str, np.ndarray]]:
    """[(name, labels)]: `count` partitions of each kind in `pools` (seeds drawn from rng); fewer
    when `deadline` (an optlib.Deadline) passes: the pool stops growing then."""
    out = []
    for pool in pools:
        for i in range(count):
            if deadline is not None and deadline.expired():
                return out
            seed = int(rng.integers(2**31 - 1))
            if pool == "kmeans":
                lab = KMeans(K, n_init=1, random_state=seed).fit_predict(X)
            else:
                init = EM_INITS[i % len(EM_INITS)]
                lab = GaussianMixture(K, covariance_type=kind, init_params=init,
                                      random_state=seed).fit(X).predict(X)
            out.append((f"{pool}{i}" if pool == "kmeans" else f"em-{init}-{i}", np.asarray(lab, dtype=np.int64)))
    return out


def rank_starts(X: np.ndarray, K: int, first: np.ndarray, candidates: list[tuple[str, np.ndarray]],
                n_starts: int, kind: str, reg_covar: float,
                shrinkage: float = 0.0) -> list[tuple[str, np.ndarray, float]]:
    """The starts to run: `first` (always), then the n_starts - 1 distinct candidates with the
    highest l_nu (nu = shrinkage).

    Returns [(name, labels, l_nu(labels))]; candidates with an empty cluster or equal to an
    earlier partition up to relabelling are skipped.
    """
    def score(lab):
        return labels_loglik(X, lab, K, kind, reg_covar, shrinkage)

    kept: list[tuple[str, np.ndarray, float]] = [("init", first, score(first))]
    scored = []
    for name, lab in candidates:
        if np.unique(lab).size < K:
            continue
        if any(misclustering_error(other, lab) == 0 for _, other, _ in kept + scored):   # same up to relabelling
            continue
        scored.append((name, lab, score(lab)))
    scored.sort(key=lambda t: -t[2])
    return kept + scored[:max(n_starts - 1, 0)]


def covariance_parameters(kind: str, K: int, d: int) -> int:
    """Free parameters of K clusters' means and covariances of the given kind in d dimensions."""
    per_cluster = {"full": d * (d + 1) // 2, "diag": d, "spherical": 1}[kind]
    return K * (d + per_cluster)


def select_covariance(X: np.ndarray, K: int, partitions: list[np.ndarray], reg_covar: float,
                      shrinkage: float = 0.0, kinds: tuple[str, ...] = KINDS) -> tuple[str, dict[str, float]]:
    """(kind with the highest BIC, {kind: BIC}) with BIC(kind) = max_G l_nu(G; kind) - p_kind / 2 log n
    over the partitions G without an empty cluster (nu = shrinkage)."""
    usable = [lab for lab in partitions if np.unique(lab).size == K]
    if not usable:
        raise ValueError("select_covariance needs at least one partition with all clusters non-empty")
    n, d = X.shape
    bic = {}
    for kind in kinds:
        best = max(labels_loglik(X, lab, K, kind, reg_covar, shrinkage) for lab in usable)
        bic[kind] = best - 0.5 * covariance_parameters(kind, K, d) * math.log(n)
    return max(bic, key=bic.get), bic
