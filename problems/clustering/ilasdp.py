"""`ILASDP`: iterative likelihood-adjusted SDP clustering for heterogeneous Gaussian mixtures.

Zhuang, Chen, Yang, "Likelihood Adjusted Semidefinite Programs for Clustering
Heterogeneous Data" (ICML 2023). Cluster labels are parameters; each iteration
(1) estimates per-cluster covariances Sigma_k from the current labels (full or diagonal,
regularised when singular), (2) solves the LA-SDP of `lasdp.py`, whose affinities
X Sigma_k^{-1} X' are adjusted by those covariances, with one membership matrix Z_k per
cluster, and (3) rounds labels_i = argmax_k (Z_k 1)_i; it stops when the labels repeat.
`log_likelihood_` is the Gaussian log-likelihood of the data with labels as parameters
(sum_i log N(x_i; mean_k(i), Sigma_k(i)), MLE means and covariances of the labels).
Safeguard (ours): the rounded SDP need not raise the likelihood, so `labels_` are those of
the iterate (or the initial labels) with the highest log-likelihood (`best_iteration_`).
"""
from __future__ import annotations

import math
import time
import warnings
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans

from optlib.validate import check_positive

from ._validation import check_choice, check_data, check_labels, check_n_clusters
from .lasdp import affinity_terms, build_lasdp, factored_costs
from .lowrank import nonneg_burer_monteiro
from .rounding import fill_empty

COVARIANCES = ("full", "diag")
INITS = ("sdp", "kmeans", "random")


class SingularCovarianceWarning(UserWarning):
    """A cluster covariance was singular (too few points or collinear) and was regularised."""


def estimate_covariances(X: np.ndarray, labels: np.ndarray, K: int, kind: str, reg_covar: float):
    """(covariances, list of (cluster, added ridge) for the regularised ones).

    MLE covariance of each cluster (diagonal for kind='diag'), plus reg_covar * mean
    variance * I always; a cluster whose covariance is still ill-conditioned (fewer points
    than dimensions, collinear points) gets a larger ridge, 1e-3 * (mean variance of X).
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
        if kind == "diag":
            S = np.diag(np.diag(S))
        S = S + reg_covar * base * np.eye(d)
        w = np.linalg.eigvalsh(S)
        if P.shape[0] <= d or w[0] <= 1e-8 * max(w[-1], 1e-300):
            ridge = 1e-3 * base
            S = S + ridge * np.eye(d)
            fixed.append((k, ridge))
        covs.append(S)
    return covs, fixed


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


class ILASDP(ClusterMixin, BaseEstimator):
    """Iterative likelihood-adjusted SDP clustering (iLA-SDP).

    Parameters: n_clusters; max_iter (outer iterations); covariance 'full' | 'diag';
    init 'sdp' (SDPKMeans labels) | 'kmeans' (scikit-learn KMeans) | 'random' | an array
    of labels; solver 'auto' | 'sdp' (optlib model, K PSD blocks of n x n: n <= ~100
    here) | 'lowrank' (non-negative Burer-Monteiro, rank `rank` per block); backend
    (default 'scs': Clarabel's dense PSD scaling makes K blocks of n = 60 take minutes);
    reg_covar (relative ridge on every covariance); time_limit per SDP; random_state;
    solve_options (dict for Model.solve).

    Fitted: labels_, covariances_, means_, log_likelihood_, history_ (one dict per
    iteration: labels changed, log-likelihood, LA-SDP objective, status), n_iter_,
    converged_ (labels repeated), regularized_ (clusters whose covariance was singular),
    path_, init_labels_, best_iteration_ (0 = the initial labels), result_ (last optlib
    Result or low-rank result).
    """

    def __init__(self, n_clusters: int = 2, max_iter: int = 10, covariance: str = "full", init: Any = "sdp",
                 solver: str = "auto", backend: str = "scs", rank: int = 1, reg_covar: float = 1e-6,
                 time_limit: float | None = None, lowrank_iter: int = 3000, random_state: int | None = 0,
                 solve_options: dict | None = None):
        self.n_clusters = n_clusters
        self.max_iter = max_iter
        self.covariance = covariance
        self.init = init
        self.solver = solver
        self.backend = backend
        self.rank = rank
        self.reg_covar = reg_covar
        self.time_limit = time_limit
        self.lowrank_iter = lowrank_iter
        self.random_state = random_state
        self.solve_options = solve_options

    def _initial_labels(self, X: np.ndarray, K: int) -> np.ndarray:
        if not isinstance(self.init, str):
            return check_labels(self.init, X.shape[0], K)
        init = check_choice(self.init, "init", INITS)
        if init == "random":
            rng = np.random.default_rng(self.random_state)
            return fill_empty(rng.integers(0, K, X.shape[0]), X, K)
        if init == "kmeans":
            return KMeans(K, n_init=10, random_state=self.random_state).fit_predict(X).astype(np.int64)
        from .kmeans_sdp import SDPKMeans

        return SDPKMeans(K, backend=self.backend, random_state=self.random_state,
                         solve_options=self.solve_options).fit(X).labels_

    def fit(self, X: Any, y: Any = None) -> "ILASDP":
        t0 = time.perf_counter()
        X = check_data(X)
        n, d = X.shape
        K = check_n_clusters(self.n_clusters, n)
        kind = check_choice(self.covariance, "covariance", COVARIANCES)
        solver = check_choice(self.solver, "solver", ("auto", "sdp", "lowrank"))
        max_iter = check_positive(self.max_iter, "max_iter", integer=True)
        check_positive(self.reg_covar, "reg_covar")
        check_positive(self.time_limit, "time_limit", allow_none=True)
        if solver == "auto":
            solver = "sdp" if n * K <= 150 else "lowrank"
        Xc = X - X.mean(axis=0)
        labels = fill_empty(self._initial_labels(X, K), X, K)
        self.init_labels_ = labels.copy()
        history, regularized, best_labels = [], set(), []
        self.converged_ = False
        self.result_ = None
        for it in range(1, max_iter + 1):
            covs, fixed = estimate_covariances(Xc, labels, K, kind, self.reg_covar)
            for k, ridge in fixed:
                regularized.add(k)
                warnings.warn(f"ILASDP: the covariance of cluster {k} ({int((labels == k).sum())} points in "
                              f"{d} dimensions) is singular; regularised by adding {ridge:.3g} * I",
                              SingularCovarianceWarning, stacklevel=2)
            if K == 1:
                new, obj, status = labels.copy(), math.nan, "trivial"
            elif solver == "sdp":
                new, obj, status = self._step_sdp(Xc, covs, K)
            else:
                new, obj, status = self._step_lowrank(Xc, covs, K, it, labels)
            new = fill_empty(new, X, K)
            changed = int((new != labels).sum())
            covs_new, _ = estimate_covariances(Xc, new, K, kind, self.reg_covar)
            history.append({"iteration": it, "changed": changed, "lasdp_objective": obj, "status": status,
                            "log_likelihood": gaussian_loglik(Xc, new, covs_new)})
            labels = new
            best_labels.append(new)
            if changed == 0:
                self.converged_ = True
                break
        init_ll = gaussian_loglik(Xc, self.init_labels_, estimate_covariances(Xc, self.init_labels_, K, kind,
                                                                              self.reg_covar)[0])
        lls = [init_ll] + [h["log_likelihood"] for h in history]
        self.best_iteration_ = int(np.argmax(lls))      # 0: the initial labels
        if self.best_iteration_ != len(history):
            labels = self.init_labels_ if self.best_iteration_ == 0 else best_labels[self.best_iteration_ - 1]
        covs, _ = estimate_covariances(Xc, labels, K, kind, self.reg_covar)
        self.labels_ = labels
        self.covariances_ = np.stack(covs)
        self.means_ = np.stack([X[labels == k].mean(axis=0) for k in range(K)])
        self.log_likelihood_ = gaussian_loglik(Xc, labels, covs)
        self.history_ = history
        self.n_iter_ = len(history)
        self.regularized_ = sorted(regularized)
        self.path_ = "lasdp " + solver + (f" ({self.result_.backend.name})" if solver == "sdp" and self.result_ else "")
        self.time_ = time.perf_counter() - t0
        return self

    def _step_sdp(self, Xc, covs, K):
        costs = affinity_terms(Xc, covs)
        scale = max(float(np.mean([np.abs(B).mean() for B in costs])), 1e-12)
        model, Zs = build_lasdp([B / scale for B in costs])
        res = model.solve(backend=self.backend, time_limit=self.time_limit, **dict(self.solve_options or {}))
        self.result_ = res
        if res.x is None:
            raise RuntimeError(f"the LA-SDP solve returned no point (status {res.status.name}: {res.message})")
        shares = np.stack([np.asarray(res[Z]).sum(axis=1) for Z in Zs], axis=1)
        return shares.argmax(axis=1).astype(np.int64), float(res.objective) * scale, res.status.name

    def _step_lowrank(self, Xc, covs, K, it, labels):
        rank = check_positive(self.rank, "rank", integer=True)
        applies = factored_costs(Xc, covs)
        scale = max(float(np.mean([np.abs(ap(np.ones((Xc.shape[0], 1)))).mean() for ap in applies]))
                    / Xc.shape[0], 1e-12)
        rng = np.random.default_rng(None if self.random_state is None else self.random_state + it)
        U0 = []                               # warm start near the current partition
        for k in range(K):
            ind = (labels == k).astype(float)[:, None] / math.sqrt(max(int((labels == k).sum()), 1))
            U0.append(0.9 * ind + 0.1 * rng.random((Xc.shape[0], rank)) / math.sqrt(Xc.shape[0]))
        res = nonneg_burer_monteiro([lambda U, ap=ap: ap(U) / scale for ap in applies], [1.0] * K, U0,
                                    max_iter=int(self.lowrank_iter), tol=1e-6, time_limit=self.time_limit)
        self.result_ = res
        shares = np.stack([U @ U.sum(axis=0) for U in res.U], axis=1)
        status = "converged" if res.converged else f"stopped (row-sum violation {res.infeasibility:.2g})"
        return shares.argmax(axis=1).astype(np.int64), res.objective * scale, status
