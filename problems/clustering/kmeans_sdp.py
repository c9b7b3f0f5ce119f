"""`SDPKMeans`: K-means by the Peng-Wei SDP, with a certified lower bound on the inertia.

Peng & Wei, "Approximating K-means-type clustering via semidefinite programming" (SIAM J.
Optim. 2007): maximise <A, Z> s.t. Z PSD, Z >= 0, Z 1 = 1, tr Z = K, with A = Xc Xc'
(centred data) or a precomputed kernel. Two paths (`path_` says which ran):

* ``solver="sdp"``: the SDP as an optlib Model, any SDP backend (Clarabel, SCS, ...);
  n(n+1)/2 variables: Clarabel to n ~ 80, SCS to n ~ 200 here (measured, shared 2 cores).
* ``solver="lowrank"``: Z = U U', U >= 0, by an augmented Lagrangian (Zhuang, Chen, Yang,
  Zhang, ICLR 2024; see `lowrank.py`), O(n d K) per step: n = 5000 in seconds.

Labels come from spectral rounding (K-means on the top-K eigenvectors of Z). The bound:
inertia(P) >= tr A - U* for every partition P, for any certified upper bound U* on the SDP:
optlib's re-derived conic-duality bound (sdp path, when verified), the eigenvalue-corrected
weak-duality bound from the duals, and the partition dual witness built from the labels
(`certificate.py`; both paths). `bound_` is the largest certified one; `optimal_` is True
only when the inertia of the rounded partition meets it within `certify_tol`: then that
partition is a certified global K-means optimum (and the SDP recovered it exactly).
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

from ._validation import check_choice, check_data, check_n_clusters
from .certificate import partition_certificate, sdp_dual_bound
from .lowrank import nonneg_burer_monteiro
from .metrics import inertia as _inertia
from .metrics import cluster_means, kernel_inertia
from .rounding import round_membership, spectral_embedding
from .sdp import build_kmeans_sdp, dual_matrices

SOLVERS = ("auto", "sdp", "lowrank")
KERNELS = ("linear", "precomputed")
DEVICES = ("auto", "numpy", "torch", "cuda")
AUTO_SDP_MAX_N = 80           # solver="auto": the SDP up to this n, low rank above
DENSE_MEMBERSHIP_MAX_N = 2000  # membership_ is stored densely up to this n


class SDPKMeans(ClusterMixin, BaseEstimator):
    """K-means clustering by the Peng-Wei SDP relaxation with a certified bound.

    Parameters: n_clusters (K); solver 'auto' | 'sdp' | 'lowrank'; backend (optlib backend
    of the sdp path); kernel 'linear' (A = Xc Xc') or 'precomputed' (X is an n x n PSD Gram
    matrix); time_limit (seconds, either path); rank (columns of U, default K), max_iter
    and tol (low-rank path); device 'auto' | 'numpy' | 'torch' | 'cuda' (low-rank path:
    'auto' uses torch on a GPU when one is present, numpy otherwise); certify_tol (relative
    tolerance of `optimal_`); random_state; solve_options (dict passed to Model.solve).

    Fitted: labels_, membership_ (Z, or U U' up to n = 2000; None above),
    membership_factor_ (U, low-rank path), inertia_, bound_ (certified lower bound on the
    inertia of every partition; -inf if none), bound_certified_, bound_sources_, gap_,
    optimal_, sdp_objective_, cluster_centers_ (linear kernel), path_, status_ (the solve's
    status: an SDP status, or whether the low-rank iteration converged), result_, time_.
    The labels and the bound are valid whatever the status (a stopped solve gives a looser
    bound, never a wrong one); the sdp path raises RuntimeError if the backend returns no point.
    """

    def __init__(self, n_clusters: int = 2, solver: str = "auto", backend: str = "auto",
                 kernel: str = "linear", time_limit: float | None = None, rank: int | None = None,
                 max_iter: int = 3000, tol: float = 1e-6, init: str = "kmeans++", device: str = "auto",
                 certify_tol: float = 1e-6, random_state: int | None = 0,
                 solve_options: dict | None = None):
        self.n_clusters = n_clusters
        self.solver = solver
        self.backend = backend
        self.kernel = kernel
        self.time_limit = time_limit
        self.rank = rank
        self.max_iter = max_iter
        self.tol = tol
        self.init = init
        self.device = device
        self.certify_tol = certify_tol
        self.random_state = random_state
        self.solve_options = solve_options

    # -- fitting ----------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None) -> "SDPKMeans":
        t0 = time.perf_counter()
        kernel = check_choice(self.kernel, "kernel", KERNELS)
        solver = check_choice(self.solver, "solver", SOLVERS)
        check_choice(self.device, "device", DEVICES)
        check_positive(self.time_limit, "time_limit", allow_none=True)
        check_positive(self.certify_tol, "certify_tol")
        X = check_data(X)
        n = X.shape[0]
        if kernel == "precomputed":
            if X.shape[1] != n or not np.allclose(X, X.T, atol=1e-10 * max(1.0, np.abs(X).max())):
                raise ValueError(f"kernel='precomputed' needs a symmetric n x n Gram matrix, got shape {X.shape}")
        K = check_n_clusters(self.n_clusters, n)
        if solver == "auto":
            solver = "sdp" if n <= AUTO_SDP_MAX_N else "lowrank"

        if kernel == "linear":
            Xc = X - X.mean(axis=0)
            scale = max(float((Xc ** 2).sum()) / n, 1e-300)
            Xs, A = Xc / math.sqrt(scale), None
        else:
            H = np.eye(n) - 1.0 / n
            A = H @ (0.5 * (X + X.T)) @ H
            scale = max(float(np.trace(A)) / n, 1e-300)
            A, Xs = A / scale, None
        trace_scaled = float((Xs ** 2).sum()) if Xs is not None else float(np.trace(A))

        sources: dict[str, float] = {}     # upper bounds on the (scaled) SDP value
        if K == 1:
            labels = np.zeros(n, dtype=np.int64)
            Z = np.full((n, n), 1.0 / n) if n <= DENSE_MEMBERSHIP_MAX_N else None
            self.sdp_objective_ = 0.0
            sources["single cluster"] = 0.0 if kernel == "linear" else float(A.sum()) / n
            self.result_, self.membership_factor_, self.n_iter_ = None, None, 0
            self.path_ = "trivial (n_clusters=1)"
            self.status_ = "OPTIMAL"
        elif solver == "sdp":
            Z, labels = self._fit_sdp(Xs, A, K, sources)
        else:
            Z, labels = self._fit_lowrank(Xs, A, K, sources)
        if K > 1:
            try:
                w = partition_certificate(labels, K, X=Xs) if Xs is not None else partition_certificate(labels, K, A=A)
                sources["partition witness"] = float(w.value)
            except (ValueError, np.linalg.LinAlgError):
                pass

        self.labels_ = labels
        self.membership_ = Z
        self.inertia_ = (_inertia(X, labels) if kernel == "linear"
                         else kernel_inertia(H @ (0.5 * (X + X.T)) @ H, labels))
        lower = {k: scale * (trace_scaled - v) for k, v in sources.items() if math.isfinite(v)}
        self.bound_sources_ = lower
        self.bound_ = max(lower.values()) if lower else -math.inf
        self.bound_certified_ = bool(lower)
        diff = self.inertia_ - self.bound_
        self.gap_ = (0.0 if diff <= 0 else diff / max(abs(self.inertia_), 1e-10)) if lower else math.inf
        self.optimal_ = bool(lower) and diff <= self.certify_tol * max(1.0, abs(self.inertia_))
        if kernel == "linear":
            self.cluster_centers_ = cluster_means(X, labels, K)
        self.n_features_in_ = X.shape[1]
        self.time_ = time.perf_counter() - t0
        return self

    def _fit_sdp(self, Xs, A, K, sources):
        Aff = Xs @ Xs.T if A is None else A
        sdp = build_kmeans_sdp(Aff, K)
        opts = dict(self.solve_options or {})
        res = sdp.model.solve(backend=self.backend, time_limit=self.time_limit, **opts)
        self.result_ = res
        self.membership_factor_ = None
        self.n_iter_ = res.iterations
        self.path_ = f"sdp ({res.backend.name})"
        self.status_ = res.status.name + (f" ({res.limit_reached})" if res.limit_reached else "")
        if res.x is None:
            raise RuntimeError(f"the SDP solve returned no point (status {res.status.name}: {res.message}); "
                               "try another backend or solver='lowrank'")
        Z = np.asarray(res[sdp.Z], dtype=float)
        self.sdp_objective_ = float(res.objective)
        if res.certificate.verified and math.isfinite(res.bound):
            sources["optlib conic duality"] = float(res.bound)
        duals = dual_matrices(sdp, res)
        if duals is not None and np.all(np.isfinite(duals[0])) and np.all(np.isfinite(duals[1])):
            sources["duals + eigenvalue correction"] = float(sdp_dual_bound(Aff, duals[0], duals[1], K).value)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            labels = round_membership(Xs if Xs is not None else Aff, K, Z=Z, random_state=self.random_state)
        return Z, labels

    def _fit_lowrank(self, Xs, A, K, sources):
        n = Xs.shape[0] if Xs is not None else A.shape[0]
        r = K if self.rank is None else check_positive(self.rank, "rank", integer=True)
        check_positive(self.max_iter, "max_iter", integer=True)
        check_positive(self.tol, "tol")
        xp, dev = _array_module(self.device)
        init = check_choice(self.init, "init", ("kmeans++", "random"))
        rng = np.random.default_rng(self.random_state)
        U0 = rng.random((n, r)) / math.sqrt(n)
        if init == "kmeans++":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                lab0 = KMeans(K, n_init=1, random_state=self.random_state).fit_predict(
                    Xs if Xs is not None else spectral_embedding(A, k=K))
            ind = np.zeros((n, r))
            ind[np.arange(n), lab0] = 1.0 / np.sqrt(np.bincount(lab0, minlength=K)[lab0])
            U0 = 0.9 * ind + 0.1 * U0
        data = Xs if Xs is not None else A
        if xp is not None:
            data_t = xp.as_tensor(data, dtype=xp.float64, device=dev)
            U0 = xp.as_tensor(U0, dtype=xp.float64, device=dev)
        else:
            data_t = data
        if Xs is not None:
            apply = lambda U: -(data_t @ (data_t.T @ U))
        else:
            apply = lambda U: -(data_t @ U)
        res = nonneg_burer_monteiro([apply], [float(K)], [U0], max_iter=int(self.max_iter), tol=float(self.tol),
                                    time_limit=self.time_limit)
        U = res.U[0]
        self.result_ = res
        self.membership_factor_ = U
        self.n_iter_ = res.iterations
        self.sdp_objective_ = -res.objective
        self.path_ = "lowrank (" + ("numpy cpu" if xp is None else f"torch {dev}") + ")"
        self.status_ = ("converged" if res.converged else
                        f"stopped after {res.iterations} steps (row-sum violation {res.infeasibility:.2g})")
        Z = U @ U.T if n <= DENSE_MEMBERSHIP_MAX_N else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            labels = round_membership(Xs if Xs is not None else A, K, U=U, random_state=self.random_state)
        return Z, labels

    # -- sklearn API ------------------------------------------------------------------
    def fit_predict(self, X: Any, y: Any = None) -> np.ndarray:
        return self.fit(X).labels_

    def predict(self, X: Any) -> np.ndarray:
        """Nearest fitted cluster centre (linear kernel only)."""
        if not hasattr(self, "labels_"):
            raise ValueError("this SDPKMeans is not fitted yet; call fit(X) first")
        if not hasattr(self, "cluster_centers_"):
            raise ValueError("predict needs kernel='linear' (no centres in a precomputed kernel's feature space)")
        X = check_data(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, the model was fitted with {self.n_features_in_}")
        d = ((X[:, None, :] - self.cluster_centers_[None]) ** 2).sum(axis=2)
        return d.argmin(axis=1)

    def score(self, X: Any, y: Any = None) -> float:
        """Minus the inertia of X assigned to the fitted centres (as sklearn's KMeans)."""
        lab = self.predict(X)
        X = np.asarray(X, dtype=float)
        return -float(((X - self.cluster_centers_[lab]) ** 2).sum())

    def summary(self) -> str:
        lines = [f"SDPKMeans(K={self.n_clusters}) via {self.path_}: inertia {self.inertia_:.8g}",
                 f"  certified lower bound {self.bound_:.8g} (gap {self.gap_:.3g}); "
                 + ("exact recovery CERTIFIED (global K-means optimum)" if self.optimal_ else "not certified optimal")]
        for k, v in self.bound_sources_.items():
            lines.append(f"  bound from {k}: {v:.8g}")
        lines.append(f"  solve status: {self.status_}; time {self.time_:.3g} s")
        return "\n".join(lines)


def _array_module(device: str):
    """(torch, device) for the low-rank path, or (None, 'cpu') for numpy."""
    device = device.strip().lower()
    if device == "numpy":
        return None, "cpu"
    try:
        import torch
    except ImportError:
        if device in ("torch", "cuda"):
            raise ValueError(f"device={device!r} needs torch: pip install torch") from None
        return None, "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' but torch sees no GPU; use device='auto' or 'numpy'")
    if device == "auto":
        return (torch, "cuda") if torch.cuda.is_available() else (None, "cpu")
    return torch, ("cuda" if device == "cuda" else "cpu")
