"""`ILASDP`: iterative likelihood-adjusted SDP clustering for heterogeneous Gaussian mixtures.

Zhuang, Chen, Yang, "Likelihood Adjusted Semidefinite Programs for Clustering
Heterogeneous Data" (ICML 2023). Cluster labels are parameters; each iteration
(1) estimates per-cluster covariances Sigma_k (full or diagonal, regularised when singular),
(2) solves the LA-SDP of `lasdp.py`, whose affinities X Sigma_k^{-1} X' are adjusted by those
covariances, with one membership matrix Z_k per cluster, and (3) rounds
labels_i = argmax_k (Z_k 1)_i; it stops when the labels repeat. `log_likelihood_` is the
Gaussian log-likelihood with labels as parameters (`gaussian.py`).

Our choices (the paper body was not readable here, see `lasdp.py`):
* covariance_update='membership' (default) re-estimates Sigma_k from the relaxed Z_k of the
  last LA-SDP, Sigma_k = X'(diag(Z_k 1) - Z_k)X / 1'Z_k 1 (equal to the label estimate at an
  integral Z_k, share-weighted like an EM M-step at a fractional one); 'labels' uses the
  rounded labels. Chosen on held-out seeds (docs/studies.md): lower error on both
  heterogeneous settings.
* Safeguard: the rounded SDP need not raise the likelihood, so each run keeps the iterate (or
  its start) with the highest log-likelihood (`best_iteration_`).
* Starts (`starts.py`): `init` always runs; a pool of cheap partitions (pool_size k-means++
  runs and pool_size EM fits by default) is ranked after dropping duplicates, and the
  n_init - 1 best run too (default n_init=2: init + the best of the pool). Pool partitions
  and finished runs are compared by l_nu, the labels-as-parameters likelihood at
  covariances shrunk towards the pooled within-cluster covariance by nu =
  selection_shrinkage pseudo-points (default 10): with 30 points per cluster in 4-5
  dimensions the plain likelihood overfits the covariances; on held-out adversarial seeds
  it ranked EM-trapped partitions above the true one on every seed. The winner's
  attributes are reported (`start_names_`,
  `start_scores_`, `best_start_`). The previous defaults (init + 3 k-means++ runs, all run,
  plain likelihood) are n_init=4, start_pool=('kmeans',), pool_size=None,
  selection_shrinkage=0. Chosen on held-out seeds 100-132 only (docs/studies.md).
* covariance_shrinkage (default 0) applies the same shrinkage to the covariances of the
  iterations (a regularised likelihood); on held-out seeds it changed the error by at most
  0.003, so it is off by default.
* covariance='auto' (default) chooses full, diagonal or spherical (one variance per
  cluster) covariances by BIC over the candidate partitions (`starts.select_covariance`,
  as mclust chooses its model): with 30 points per cluster in 4-5 dimensions BIC picked
  spherical covariances on almost every seed of our heterogeneous settings, and those
  partitions had lower error on held-out seeds even where the clusters are anisotropic.
* refine='em' (an option, off by default): the winning partition is the start of an EM fit
  of the mixture in the same covariance model, and labels_ are its MAP labels (`refine.py`;
  the labels-as-parameters likelihood is the classification likelihood, biased where
  clusters overlap). It helped the pool partitions alone but raised the final error on all
  three heterogeneous settings of held-out seeds 100-119 (docs/studies.md), so it is off.
* The low-rank path starts each LA-SDP at the posterior shares of the current Gaussians
  (`gaussian.responsibilities`), not at the current partition (a local minimum of the
  factored problem that it rarely left).

Time limit: `time_limit` holds for the whole fit (one optlib.Deadline): the SDPKMeans start
(init='sdp') may take INIT_SHARE of it, the pool stops adding partitions at the deadline, each
run gets an equal share of what is left and stops iterating when its share is spent (keeping
its best iterate, at worst its start), and refine='em' is skipped once the time is up. An
LA-SDP solve that returns no point ends its run the same way. A time limit never raises.

Prediction: `predict(X)` is the MAP rule of the fitted Gaussian mixture, argmax_k
log w_k + log N(x; means_k, covariances_k) with weights_ = cluster shares of labels_;
`score(X)` is the mean log-likelihood of X under that mixture,
(1/n) sum_i log sum_k w_k N(x_i; means_k, covariances_k) (higher is better, as
GaussianMixture.score), so GridSearchCV can compare fits.
"""
from __future__ import annotations

import math
import numbers
import time
import warnings
from typing import Any

import numpy as np
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from optlib import Deadline, Status
from optlib.validate import check_nonneg, check_positive

from ._contract import ClusteringAnswer, check_backend, solve_options
from ._validation import check_choice, check_data, check_features, check_labels, check_n_clusters
from .gaussian import (
    estimate_covariances,
    gaussian_loglik,
    membership_covariances,
    membership_shares,
    responsibilities,
    shrink_covariances,
    shrunk_loglik,
)
from .lasdp import affinity_terms, build_lasdp, factored_costs
from .lowrank import nonneg_burer_monteiro
from .metrics import cluster_means
from .refine import em_refine
from .rounding import fill_empty
from .starts import KINDS, POOLS, pool_partitions, rank_starts, select_covariance

COVARIANCES = KINDS + ("auto",)
REFINES = ("em", "none")
UPDATES = ("labels", "membership")
AUTO_SDP_MAX = 300     # solver='auto': the dense LA-SDP (K blocks of n x n on SCS) while n K <= this
INITS = ("sdp", "kmeans", "random")
INIT_SHARE = 0.25      # share of the time limit the SDPKMeans start (init='sdp') may take


class SingularCovarianceWarning(UserWarning):
    """A cluster covariance was singular (too few points or collinear) and was regularised."""


def _label_attributes(X: np.ndarray, labels: np.ndarray, covs: list[np.ndarray], loglik: float) -> dict:
    """labels_, covariances_ (the label covariances `covs`), means_ and log_likelihood_ (`loglik`,
    the labels-as-parameters log-likelihood at `covs`) of a final partition."""
    return {"labels_": labels, "covariances_": np.stack(covs), "means_": cluster_means(X, labels, len(covs)),
            "log_likelihood_": loglik}


class ILASDP(ClusterMixin, BaseEstimator):
    """Iterative likelihood-adjusted SDP clustering (iLA-SDP).

    Parameters: n_clusters; max_iter (outer iterations per start); covariance 'auto' (default:
    'full', 'diag' or 'spherical', whichever has the highest BIC over the candidate partitions,
    `starts.select_covariance`) | 'full' | 'diag' | 'spherical' (one variance per cluster);
    init 'sdp' (SDPKMeans labels) | 'kmeans' (scikit-learn KMeans) | 'random' | an array
    of labels; n_init (number of LA-SDP runs: init, then the n_init - 1 best distinct
    partitions of the pool by l_nu; the run with the highest l_nu wins); start_pool (kinds of pool partitions,
    a subset of ('kmeans', 'em'), see `starts.py`); pool_size (partitions per kind; None:
    n_init - 1, the previous behaviour); selection_shrinkage (nu >= 0: pool partitions and
    finished runs are compared by l_nu, the likelihood at covariances shrunk towards the
    pooled one by nu pseudo-points, `starts.labels_loglik`; 0: the plain likelihood);
    covariance_shrinkage (nu >= 0, default 0: the covariances entering each LA-SDP are shrunk
    the same way, `gaussian.shrink_covariances`, and each run keeps its iterate with the
    highest l_nu);
    covariance_update 'membership' | 'labels' (see the module docstring); solver 'auto' (the
    dense SDP while n K <= AUTO_SDP_MAX = 300, low rank above) | 'sdp' (optlib model, K PSD
    blocks of n x n) | 'lowrank' (non-negative Burer-Monteiro, rank `rank` per block, a local
    method without certificate); backend (default 'scs': Clarabel's dense PSD scaling makes K
    blocks of n = 60 take minutes); reg_covar (relative ridge on every covariance); time_limit
    (seconds for the whole fit, see the module docstring); random_state; options (dict of
    backend options for Model.solve); solve_options (deprecated alias of options); refine None
    (default: the iLA-SDP partition as it is) | 'em' (the winning partition is refined by EM in
    the same covariance model, labels = its MAP labels, `refine.py`).

    Fitted (of the winning start): labels_, covariances_, means_, log_likelihood_, history_
    (one dict per iteration: labels changed, log-likelihood, LA-SDP objective, status),
    n_iter_, converged_ (labels repeated), regularized_ (clusters whose covariance was
    singular), path_, init_labels_, best_iteration_ (0 = the start), result_ (last optlib
    Result or low-rank result); start_names_ ('init', 'kmeans3', 'em-k-means++-1', ...),
    start_log_likelihoods_ (final log-likelihood of each run), start_scores_ (its l_nu),
    best_start_ (argmax of start_scores_); n_candidates_ (init + pool); covariance_type_ (the
    model used), covariance_bic_ ({model: BIC}, covariance='auto' only); lasdp_labels_ (the
    iLA-SDP partition before refinement), refine_changed_ (points relabelled by it),
    mixture_ (the refining GaussianMixture or None), refine_message_. labels_, covariances_,
    means_ and log_likelihood_ describe the final labels (labels as parameters); weights_ (their
    cluster shares) with means_ and covariances_ make the mixture of `predict` and `score`.
    answer_ (the optlib.Answer: objective = log_likelihood_, maximised; bound = +inf, no
    certificate; status FEASIBLE, OPTIMAL only for n_clusters=1; limit_reached 'time_limit' when
    the time limit cut the fit, 'iteration_limit' when the winning run stopped at max_iter;
    results = the optlib Results of every SDP solved), status_ (= answer_.status), stop_ (how
    the winning run ended: 'converged', 'max_iter', 'time_limit' or 'no point from the LA-SDP'),
    n_features_in_, time_.
    """

    def __init__(self, n_clusters: int = 2, max_iter: int = 10, covariance: str = "auto", init: Any = "sdp",
                 solver: str = "auto", backend: str = "scs", rank: int = 1, reg_covar: float = 1e-6,
                 time_limit: float | None = None, lowrank_iter: int = 3000, random_state: int | None = 0,
                 solve_options: dict | None = None, covariance_update: str = "membership", n_init: int = 2,
                 start_pool: Any = ("kmeans", "em"), pool_size: int | None = 9,
                 selection_shrinkage: float = 10.0, covariance_shrinkage: float = 0.0,
                 refine: str | None = None, options: dict | None = None):
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
        self.covariance_update = covariance_update
        self.n_init = n_init
        self.start_pool = start_pool
        self.pool_size = pool_size
        self.selection_shrinkage = selection_shrinkage
        self.covariance_shrinkage = covariance_shrinkage
        self.refine = refine
        self.options = options

    def _pools(self) -> tuple[str, ...]:
        pools = (self.start_pool,) if isinstance(self.start_pool, str) else tuple(self.start_pool)
        return tuple(check_choice(p, "start_pool", POOLS) for p in pools)

    def _initial_labels(self, X: np.ndarray, K: int, deadline: Deadline) -> np.ndarray:
        if not isinstance(self.init, str):
            return check_labels(self.init, X.shape[0], K)
        init = check_choice(self.init, "init", INITS)
        if init == "random":
            rng = np.random.default_rng(self.random_state)
            return fill_empty(rng.integers(0, K, X.shape[0]), X, K)
        if init == "kmeans":
            return KMeans(K, n_init=10, random_state=self.random_state).fit_predict(X).astype(np.int64)
        from .kmeans_sdp import SDPKMeans

        start = SDPKMeans(K, backend=self.backend, random_state=self.random_state, options=self._opts,
                          time_limit=deadline.left(fraction=INIT_SHARE), certify=False).fit(X)
        self._results += list(start.answer_.results)
        if start.answer_.limit_reached == "time_limit":
            self._limits.append("time_limit")
        return start.labels_

    def fit(self, X: Any, y: Any = None) -> "ILASDP":
        """Cluster the rows of X (n x d); y is ignored."""
        X = check_data(X)
        n = X.shape[0]
        K = check_n_clusters(self.n_clusters, n)
        kind = check_choice(self.covariance, "covariance", COVARIANCES)
        refine = check_choice("none" if self.refine is None else self.refine, "refine", REFINES)
        solver = check_choice(self.solver, "solver", ("auto", "sdp", "lowrank"))
        max_iter = check_positive(self.max_iter, "max_iter", integer=True)
        n_init = check_positive(self.n_init, "n_init", integer=True)
        check_positive(self.reg_covar, "reg_covar")
        check_positive(self.time_limit, "time_limit", allow_none=True)
        deadline = Deadline(self.time_limit)
        check_backend(self.backend)
        self._opts = solve_options(self)
        update = check_choice(self.covariance_update, "covariance_update", UPDATES)
        if solver == "auto":
            solver = "sdp" if n * K <= AUTO_SDP_MAX else "lowrank"
        pools = self._pools()
        pool_size = n_init - 1 if self.pool_size is None else self.pool_size
        if isinstance(pool_size, bool) or not isinstance(pool_size, numbers.Integral) or pool_size < 0:
            raise ValueError(f"pool_size must be a non-negative integer or None, got {self.pool_size!r}")
        Xc = X - X.mean(axis=0)
        nu = check_nonneg(self.selection_shrinkage, "selection_shrinkage")
        shrink = check_nonneg(self.covariance_shrinkage, "covariance_shrinkage")
        self._results, self._limits = [], []
        timings = {}
        t = time.perf_counter()
        first = fill_empty(self._initial_labels(X, K, deadline), X, K)
        timings["init"] = time.perf_counter() - t
        t = time.perf_counter()
        candidates = (pool_partitions(X, K, pools, pool_size, "full" if kind == "auto" else kind,
                                      np.random.default_rng(self.random_state), deadline=deadline)
                      if n_init > 1 else [])      # one run: only init, no pool needed
        self.covariance_bic_ = None
        if kind == "auto":
            kind, self.covariance_bic_ = select_covariance(
                Xc, K, [first] + [lab for _, lab in candidates], self.reg_covar, nu)
        self.covariance_type_ = kind
        starts = rank_starts(X, K, first, candidates, n_init, kind, self.reg_covar, nu)
        timings["pool"] = time.perf_counter() - t
        t = time.perf_counter()
        runs = []
        for i, (_, lab, _) in enumerate(starts):
            share = deadline.remaining() / (len(starts) - i) if deadline.limited else None
            runs.append(self._run(X, Xc, lab, K, kind, solver, update, max_iter, shrink,
                                  deadline.sub(share) if deadline.limited else deadline))
        timings["runs"] = time.perf_counter() - t
        scores = [shrunk_loglik(Xc, r["labels_"], list(r["covariances_"]), nu) for r in runs]
        best = int(np.argmax(scores))
        for key, value in runs[best].items():
            setattr(self, key, value)
        t = time.perf_counter()
        self._refine(X, Xc, K, kind, refine, deadline)
        timings["refine"] = time.perf_counter() - t
        self.start_names_ = [name for name, _, _ in starts]
        self.start_log_likelihoods_ = [r["log_likelihood_"] for r in runs]
        self.start_scores_ = scores
        self.best_start_ = best
        self.n_candidates_ = len(candidates) + 1
        self.path_ = "lasdp " + solver + (f" ({self.result_.backend.name})" if solver == "sdp" and self.result_ else "")
        self.weights_ = np.bincount(self.labels_, minlength=K) / n
        self.n_features_in_ = X.shape[1]
        self.time_ = deadline.elapsed()
        if deadline.expired() or any(r["stop_"] == "time_limit" for r in runs):
            self._limits.append("time_limit")
        if not self.converged_ and self.stop_ == "max_iter":
            self._limits.append("iteration_limit")
        limit = "time_limit" if "time_limit" in self._limits else (self._limits[0] if self._limits else None)
        ll = float(self.log_likelihood_)
        self.answer_ = ClusteringAnswer(
            status=Status.OPTIMAL if K == 1 else Status.FEASIBLE, objective=ll,
            bound=ll if K == 1 else math.inf, verified=K == 1, limit_reached=limit,
            timings={"total": self.time_, **timings}, results=tuple(self._results), sense="max",
            stop_reason=self.stop_)
        self.status_ = self.answer_.status
        del self._results, self._limits, self._opts
        return self

    def _refine(self, X, Xc, K, kind, refine, deadline) -> None:
        """refine='em': EM from the winning partition; labels_, covariances_, means_ and
        log_likelihood_ then describe its MAP labels (skipped once the deadline has passed)."""
        self.lasdp_labels_ = self.labels_
        self.mixture_, self.refine_changed_ = None, 0
        if refine == "none" or K == 1:
            self.refine_message_ = "not refined (refine=None)" if refine == "none" else "not refined (one cluster)"
            return
        if deadline.expired():
            self.refine_message_ = "not refined (time limit reached)"
            self._limits.append("time_limit")
            return
        out = em_refine(X, self.labels_, K, kind, self.reg_covar, random_state=self.random_state)
        self.mixture_, self.refine_message_ = out.mixture, out.message
        self.refine_changed_ = int((out.labels != self.labels_).sum())
        if self.refine_changed_:
            covs, _ = estimate_covariances(Xc, out.labels, K, kind, self.reg_covar)
            for key, value in _label_attributes(X, out.labels, covs, gaussian_loglik(Xc, out.labels, covs)).items():
                setattr(self, key, value)

    def _run(self, X, Xc, labels, K, kind, solver, update, max_iter, shrink, deadline) -> dict:
        """One iLA-SDP run from the starting partition `labels` (covariance_shrinkage = `shrink`)
        until the labels repeat, max_iter iterations, `deadline` or an LA-SDP without a point:
        the fitted attributes as a dict (stop_ says which)."""
        d = X.shape[1]
        init_labels = labels.copy()
        history, regularized, best_labels = [], set(), []
        converged, stop = False, "max_iter"
        self.result_ = None
        members = None                        # relaxed memberships of the last LA-SDP (update='membership')
        label_covs, label_fixed = estimate_covariances(Xc, labels, K, kind, self.reg_covar)
        iterate_covs = [label_covs]           # the label covariances of the start and of each iterate
        for it in range(1, max_iter + 1):
            if deadline.expired():
                stop = "time_limit"
                break
            if members is None:
                covs, fixed = label_covs, label_fixed
                sizes = np.bincount(labels, minlength=K)
            else:
                covs, fixed = membership_covariances(Xc, members, kind, self.reg_covar, solver == "lowrank")
                sizes = [float(membership_shares(U, solver == "lowrank").sum()) for U in members]
            covs = shrink_covariances(covs, sizes, shrink)
            for k, ridge in fixed:
                regularized.add(k)
                warnings.warn(f"ILASDP: the covariance of cluster {k} ({int((labels == k).sum())} points in "
                              f"{d} dimensions) is singular; regularised by adding {ridge:.3g} * I",
                              SingularCovarianceWarning, stacklevel=3)
            if K == 1:
                new, obj, status, step_members = labels.copy(), math.nan, "trivial", None
            elif solver == "sdp":
                step = self._step_sdp(Xc, covs, K, deadline)
                if step is None:              # no point (a time limit or a failed solve): the run ends
                    stop = "time_limit" if deadline.expired() or self.result_.limit_reached == "time_limit" \
                        else "no point from the LA-SDP"
                    break
                new, obj, status, step_members = step
            else:
                new, obj, status, step_members = self._step_lowrank(Xc, covs, K, it, labels, deadline)
            if update == "membership":
                members = step_members
            new = fill_empty(new, X, K)
            changed = int((new != labels).sum())
            label_covs, label_fixed = estimate_covariances(Xc, new, K, kind, self.reg_covar)
            iterate_covs.append(label_covs)
            history.append({"iteration": it, "changed": changed, "lasdp_objective": obj, "status": status,
                            "log_likelihood": gaussian_loglik(Xc, new, label_covs)})
            labels = new
            best_labels.append(new)
            if changed == 0:
                converged, stop = True, "converged"
                break
        iterates = [init_labels] + best_labels
        plain = [gaussian_loglik(Xc, init_labels, iterate_covs[0])] + [h["log_likelihood"] for h in history]
        lls = plain
        if shrink > 0:                            # the iterations raise l_nu, nu = covariance_shrinkage
            lls = [shrunk_loglik(Xc, lab, covs, shrink) for lab, covs in zip(iterates, iterate_covs)]
        best_iteration = int(np.argmax(lls))      # 0: the initial labels
        labels, covs = iterates[best_iteration], iterate_covs[best_iteration]
        return {**_label_attributes(X, labels, covs, plain[best_iteration]), "history_": history,
                "n_iter_": len(history), "regularized_": sorted(regularized), "converged_": converged,
                "init_labels_": init_labels, "best_iteration_": best_iteration, "result_": self.result_,
                "stop_": stop}

    def _step_sdp(self, Xc, covs, K, deadline):
        """(labels, objective, status, memberships) of one LA-SDP, or None when it gave no point."""
        costs = affinity_terms(Xc, covs)
        scale = max(float(np.mean([np.abs(B).mean() for B in costs])), 1e-12)
        model, Zs = build_lasdp([B / scale for B in costs])
        # only the point is used (labels by rounding), so first-order answers are not refined
        res = model.solve(backend=self.backend, time_limit=deadline.left(floor=0.05),
                          **{"refine": False, **self._opts})
        self.result_ = res
        self._results.append(res)
        if res.x is None:
            if res.limit_reached != "time_limit" and not deadline.expired():
                warnings.warn(f"ILASDP: an LA-SDP solve returned no point (status {res.status.name}: "
                              f"{res.message}); the run keeps its best iterate", ConvergenceWarning, stacklevel=4)
            return None
        Zv = [np.asarray(res[Z]) for Z in Zs]
        shares = np.stack([Z.sum(axis=1) for Z in Zv], axis=1)
        return shares.argmax(axis=1).astype(np.int64), float(res.objective) * scale, res.status.name, Zv

    def _step_lowrank(self, Xc, covs, K, it, labels, deadline):
        rank = check_positive(self.rank, "rank", integer=True)
        applies = factored_costs(Xc, covs)
        scale = max(float(np.mean([np.abs(ap(np.ones((Xc.shape[0], 1)))).mean() for ap in applies]))
                    / Xc.shape[0], 1e-12)
        rng = np.random.default_rng(None if self.random_state is None else self.random_state + it)
        resp = responsibilities(Xc, labels, covs)
        U0 = []                               # start at the soft assignment of the current Gaussians
        for k in range(K):
            r = resp[:, k:k + 1] / math.sqrt(max(float(resp[:, k].sum()), 1e-12))
            U0.append(0.95 * r + 0.05 * rng.random((Xc.shape[0], rank)) / math.sqrt(Xc.shape[0]))
        res = nonneg_burer_monteiro([lambda U, ap=ap: ap(U) / scale for ap in applies], [1.0] * K, U0,
                                    max_iter=int(self.lowrank_iter), tol=1e-6, time_limit=deadline)
        self.result_ = res
        shares = np.stack([U @ U.sum(axis=0) for U in res.U], axis=1)
        status = "converged" if res.converged else f"stopped (row-sum violation {res.infeasibility:.2g})"
        return shares.argmax(axis=1).astype(np.int64), res.objective * scale, status, res.U

    # -- sklearn API ------------------------------------------------------------------
    def _log_joint(self, X: np.ndarray) -> np.ndarray:
        """(n, K): log w_k + log N(x_i; means_k, covariances_k)."""
        d = X.shape[1]
        out = np.empty((X.shape[0], len(self.weights_)))
        for k, (w, m, S) in enumerate(zip(self.weights_, self.means_, self.covariances_)):
            L = np.linalg.cholesky(S)
            Y = np.linalg.solve(L, (X - m).T)
            out[:, k] = (math.log(w) if w > 0 else -math.inf) - 0.5 * (Y * Y).sum(axis=0) \
                - float(np.log(np.diag(L)).sum()) - 0.5 * d * math.log(2 * math.pi)
        return out

    def predict(self, X: Any) -> np.ndarray:
        """MAP cluster of each row under the fitted mixture: argmax_k log w_k + log N(x; means_k, covariances_k)."""
        check_is_fitted(self, "labels_", msg="this ILASDP is not fitted yet; call fit(X) first")
        X = check_features(X, self.n_features_in_, type(self).__name__)
        return self._log_joint(X).argmax(axis=1)

    def score(self, X: Any, y: Any = None) -> float:
        """Mean log-likelihood of the rows of X under the fitted mixture,
        (1/n) sum_i log sum_k w_k N(x_i; means_k, covariances_k): higher is better."""
        check_is_fitted(self, "labels_", msg="this ILASDP is not fitted yet; call fit(X) first")
        X = check_features(X, self.n_features_in_, type(self).__name__)
        return float(logsumexp(self._log_joint(X), axis=1).mean())
