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
(`certificate.py`; both paths), and, when that closed-form witness leaves a gap, the best
witness of a richer family found by a small SDP (`witness.py`, linear kernel; its bound is
re-derived, not taken from the solver). `bound_` is the largest certified one; `optimal_` is
True only when the inertia of the rounded partition meets it within `certify_tol`: then that
partition is a certified global K-means optimum (and the SDP recovered it exactly).

``solver="auto"``: the SDP up to n = AUTO_SDP_MAX_N, the low-rank path above; when no witness
certifies the low-rank partition, n <= AUTO_SDP_FALLBACK_MAX_N and the best witness is within
AUTO_SDP_FALLBACK_GAP of the inertia, the SDP is solved too (its partition is kept when it is no
worse, its bounds count either way). ``certify=False`` skips the small-SDP witness and that
fallback (for callers that need the labels only, e.g. ILASDP's start).

The time limit holds for the whole fit (one optlib.Deadline: the SDP solve gets 80 % of what
is left, the rest is for rounding and the bounds; the witness search stops at the deadline
with the best bound found). A time limit never raises; the sdp path under a limit:

* Clarabel (interior point) cannot stop before its first iterate, which costs a dense
  factorisation of order k = n(n+1)/2: about CLARABEL_SECONDS_PER_K3 * k^3 seconds (measured
  here: n = 60 0.8 s, 80 2.8 s, 100 11 s, 150 ~ 60 s). When that is more than half the time
  left, backend='auto' solves on SCS instead (first order, stops on time), and
  backend='clarabel' does not start it: the fit falls back to the low-rank path.
* An SDP solve that returns no point (a time limit, a solver failure) falls back to the
  low-rank path too (a solver failure also warns); its duals, if any, still give a bound.

Then `answer_.limit_reached` is 'time_limit' and `solve_status_` says what happened. Without a
time limit nothing is predicted or skipped: a backend that refuses the problem raises its
ValueError (Clarabel's memory check, from n ~ 150-185 with 16-32 GB available, names SCS), as
Model.solve does; backend='auto' passes over Clarabel then, and above n = 100 prefers SCS anyway.
"""
from __future__ import annotations

import importlib.util
import math
import os
import shutil
import sys
import time
import warnings
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from optlib import Deadline, Status
from optlib.backend import choose_backend, get_backend
from optlib.validate import check_positive

from ._contract import ClusteringAnswer, check_backend, solve_options
from ._validation import check_choice, check_data, check_features, check_n_clusters
from .certificate import partition_certificate, sdp_dual_bound
from .witness import tight_partition_certificate
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
#: Predicted seconds to Clarabel's first iterate on the Peng-Wei SDP per k^3, k = n(n+1)/2
#: (setup and one interior-point iteration, each a factorisation with a dense block of order k):
#: measured with Clarabel 0.11.1 on one thread: n = 60 0.76 s, 80 2.8 s, 100 11.2 s (predicted
#: 0.67, 3.7, 14.2).
CLARABEL_SECONDS_PER_K3 = 1.1e-10
SDP_SHARE = 0.8               # share of the time left that the SDP solve may take
#: solver="auto": when no witness certifies the low-rank partition, the SDP is solved up to this n
#: and when the best witness leaves at most this relative gap (a larger one: the relaxation was
#: not tight in the cases measured, docs/studies.md, and the SDP costs a minute at n = 90)
AUTO_SDP_FALLBACK_MAX_N = 100
AUTO_SDP_FALLBACK_GAP = 0.25
WITNESS_MIN_SECONDS = 1.0     # the small-SDP witness starts only with this much time left


def _witness_gap(inertia: float, sources: dict, scale: float, trace_scaled: float) -> float:
    """Relative gap between `inertia` and the best bound in `sources` (inf when none)."""
    lower = [scale * (trace_scaled - v) for v in sources.values() if math.isfinite(v)]
    return (inertia - max(lower)) / max(abs(inertia), 1e-300) if lower else math.inf


def _meets(inertia: float, sources: dict, scale: float, trace_scaled: float, tol: float) -> bool:
    """Whether the best bound in `sources` (upper bounds on the scaled SDP) certifies `inertia`."""
    lower = [scale * (trace_scaled - v) for v in sources.values() if math.isfinite(v)]
    return bool(lower) and inertia - max(lower) <= tol * max(1.0, abs(inertia))


class SDPKMeans(ClusterMixin, BaseEstimator):
    """K-means clustering by the Peng-Wei SDP relaxation with a certified bound.

    Parameters: n_clusters (K); solver 'auto' | 'sdp' | 'lowrank'; backend (optlib backend
    of the sdp path); kernel 'linear' (A = Xc Xc') or 'precomputed' (X is an n x n PSD Gram
    matrix); time_limit (seconds for the whole fit, either path; see the module docstring);
    rank (columns of U, default K), max_iter and tol (low-rank path); device 'auto' | 'numpy' |
    'torch' | 'cuda' (low-rank path: 'auto' uses torch on a GPU when one is present, numpy
    otherwise; torch is imported only when it already is or a GPU device is visible);
    certify_tol (relative tolerance of `optimal_`); certify (True: the small-SDP witness and
    auto's SDP fallback when the closed-form witness leaves a gap); random_state; options (dict of backend
    options passed on to Model.solve); solve_options (deprecated alias of options).

    Fitted: labels_, membership_ (Z, or U U' up to n = 2000; None above),
    membership_factor_ (U, low-rank path), inertia_, bound_ (certified lower bound on the
    inertia of every partition; -inf if none), bound_certified_, bound_sources_, gap_
    (optlib.relative_gap(inertia_, bound_)), optimal_, sdp_objective_, cluster_centers_ (linear
    kernel), path_, answer_ (the optlib.Answer: objective = inertia_, bound = bound_, status
    OPTIMAL exactly when optimal_, else FEASIBLE; limit_reached; timings; results), status_
    (= answer_.status, an optlib.Status), solve_status_ (the solve's own status in words: an SDP
    status, whether the low-rank iteration converged, a fallback), result_ (the optlib Result of
    the SDP, or the low-rank result), n_features_in_, time_.
    The labels and the bound are valid whatever the status (a stopped solve gives a looser
    bound, never a wrong one); a time limit never raises.
    """

    def __init__(self, n_clusters: int = 2, solver: str = "auto", backend: str = "auto",
                 kernel: str = "linear", time_limit: float | None = None, rank: int | None = None,
                 max_iter: int = 3000, tol: float = 1e-6, init: str = "kmeans++", device: str = "auto",
                 certify_tol: float = 1e-6, random_state: int | None = 0, options: dict | None = None,
                 solve_options: dict | None = None, certify: bool = True):
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
        self.options = options
        self.solve_options = solve_options
        self.certify = certify

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.pairwise = self.kernel == "precomputed"
        return tags

    # -- fitting ----------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None) -> "SDPKMeans":
        """Cluster X (n x d data, or an n x n Gram matrix for kernel='precomputed'); y is ignored."""
        kernel = check_choice(self.kernel, "kernel", KERNELS)
        solver = check_choice(self.solver, "solver", SOLVERS)
        check_choice(self.device, "device", DEVICES)
        check_positive(self.time_limit, "time_limit", allow_none=True)
        deadline = Deadline(self.time_limit)
        check_positive(self.certify_tol, "certify_tol")
        if not isinstance(self.certify, (bool, np.bool_)):
            raise ValueError(f"certify must be True or False, got {self.certify!r}")
        backend = check_backend(self.backend)
        opts = solve_options(self)
        X = check_data(X)
        n = X.shape[0]
        if kernel == "precomputed":
            if X.shape[1] != n or not np.allclose(X, X.T, atol=1e-10 * max(1.0, np.abs(X).max())):
                raise ValueError(f"kernel='precomputed' needs a symmetric n x n Gram matrix, got shape {X.shape}")
        K = check_n_clusters(self.n_clusters, n)
        auto = solver == "auto"
        if auto:
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

        self._results: list = []            # optlib Results of the solves of this fit
        self._limits: list = []              # limits met ('time_limit', 'iteration_limit')
        self._times = {"solve": 0.0, "round": 0.0, "certify": 0.0}
        sources: dict[str, float] = {}     # upper bounds on the (scaled) SDP value
        if K == 1:
            labels = np.zeros(n, dtype=np.int64)
            Z = np.full((n, n), 1.0 / n) if n <= DENSE_MEMBERSHIP_MAX_N else None
            self.sdp_objective_ = 0.0
            sources["single cluster"] = 0.0 if kernel == "linear" else float(A.sum()) / n
            self.result_, self.membership_factor_, self.n_iter_ = None, None, 0
            self.path_ = "trivial (n_clusters=1)"
            self.solve_status_ = "OPTIMAL"
        elif solver == "sdp":
            out = self._fit_sdp(Xs, A, K, sources, backend, opts, deadline)
            if out is None:                  # no point from the SDP: the low-rank path's partition
                sdp_path, sdp_status = self.path_, self.solve_status_
                Z, labels = self._fit_lowrank(Xs, A, K, sources, deadline)
                self.path_ = f"{self.path_}, fallback from {sdp_path}"
                self.solve_status_ = f"{sdp_status}; low-rank fallback: {self.solve_status_}"
            else:
                Z, labels = out
        else:
            Z, labels = self._fit_lowrank(Xs, A, K, sources, deadline)
        t_cert = time.perf_counter()
        if K > 1:
            self._witnesses(labels, K, Xs, A, sources, backend, deadline)
        cost = (lambda lab: _inertia(X, lab)) if kernel == "linear" else (lambda lab: kernel_inertia(scale * A, lab))
        meets = lambda lab: _meets(cost(lab), sources, scale, trace_scaled, self.certify_tol)
        if (K > 1 and self.certify and auto and self.path_.startswith("lowrank")
                and n <= AUTO_SDP_FALLBACK_MAX_N and not meets(labels) and not deadline.expired()
                and _witness_gap(cost(labels), sources, scale, trace_scaled) <= AUTO_SDP_FALLBACK_GAP):
            # auto: no witness certified the low-rank partition; the SDP decides (module docstring)
            keep = ("path_", "solve_status_", "result_", "membership_factor_", "n_iter_", "sdp_objective_")
            lowrank = {k: getattr(self, k) for k in keep}
            self._times["certify"] += time.perf_counter() - t_cert
            out = self._fit_sdp(Xs, A, K, sources, backend, opts, deadline)
            t_cert = time.perf_counter()
            sdp_path, sdp_status = self.path_, self.solve_status_
            if out is not None and cost(out[1]) <= cost(labels) * (1 + 1e-12):
                if not np.array_equal(out[1], labels):
                    self._witnesses(out[1], K, Xs, A, sources, backend, deadline)
                Z, labels = out
                self.path_ = f"{sdp_path} after {lowrank['path_']} (not certified)"
            else:                             # the low-rank partition stays; the SDP's bounds count
                for k, v in lowrank.items():
                    setattr(self, k, v)
                self.path_ = f"{lowrank['path_']}, bounds from {sdp_path}"
            self.solve_status_ = f"{lowrank['solve_status_']}; then {sdp_path}: {sdp_status}"

        self.labels_ = labels
        self.membership_ = Z
        self.inertia_ = cost(labels)
        lower = {k: scale * (trace_scaled - v) for k, v in sources.items() if math.isfinite(v)}
        self.bound_sources_ = lower
        self.bound_ = max(lower.values()) if lower else -math.inf
        self.bound_certified_ = bool(lower)
        diff = self.inertia_ - self.bound_
        self.optimal_ = bool(lower) and diff <= self.certify_tol * max(1.0, abs(self.inertia_))
        if kernel == "linear":
            self.cluster_centers_ = cluster_means(X, labels, K)
        self.n_features_in_ = X.shape[1]
        self._times["certify"] += time.perf_counter() - t_cert
        self.time_ = deadline.elapsed()
        if deadline.expired():
            self._limits.append("time_limit")
        limit = "time_limit" if "time_limit" in self._limits else (self._limits[0] if self._limits else None)
        self.answer_ = ClusteringAnswer(
            status=Status.OPTIMAL if self.optimal_ else Status.FEASIBLE, objective=float(self.inertia_),
            bound=float(self.bound_), verified=self.bound_certified_, limit_reached=limit,
            timings={"total": self.time_, **self._times}, results=tuple(self._results), sense="min",
            stop_reason=self.solve_status_)
        self.status_ = self.answer_.status
        self.gap_ = self.answer_.gap
        del self._results, self._limits, self._times
        return self

    def _witnesses(self, labels, K, Xs, A, sources, backend, deadline) -> None:
        """The dual witnesses of the partition `labels` into `sources`: the closed-form one
        (certificate.py) and, when that leaves a gap and `certify`, the small-SDP one (witness.py,
        linear kernel)."""
        try:
            w = (partition_certificate(labels, K, X=Xs, deadline=deadline) if Xs is not None
                 else partition_certificate(labels, K, A=A, deadline=deadline))
            sources["partition witness"] = min(float(w.value), sources.get("partition witness", math.inf))
        except (ValueError, np.linalg.LinAlgError):
            pass
        if not self.certify or Xs is None or (deadline.limited and deadline.remaining() < WITNESS_MIN_SECONDS):
            return
        trace_scaled = float((Xs ** 2).sum())
        value = trace_scaled - _inertia(Xs, labels)           # the partition's SDP objective
        best = min(sources.values(), default=math.inf)
        if best - value <= self.certify_tol * max(1.0, abs(trace_scaled - value)):
            return
        try:
            w2 = tight_partition_certificate(labels, K, Xs, backend=backend, deadline=deadline,
                                             random_state=self.random_state)
        except (ValueError, np.linalg.LinAlgError):
            w2 = None
        if w2 is not None and math.isfinite(w2.value):
            sources["partition witness (sdp)"] = min(float(w2.value),
                                                     sources.get("partition witness (sdp)", math.inf))

    def _sdp_backend(self, sdp, n: int, backend: str, deadline: Deadline) -> tuple[str | None, str]:
        """(backend to solve the SDP on, or None to skip it; why, '' when as asked). Under a time
        limit Clarabel runs only when its predicted time to a first iterate is at most half the
        time left (module docstring); 'auto' then takes SCS, an explicit 'clarabel' is skipped."""
        auto = backend.lower() == "auto"
        if not deadline.limited:
            return backend, ""
        chosen = choose_backend(sdp.model.compile()).name if auto else backend.lower()
        if chosen != "clarabel":
            return backend, ""
        predicted = CLARABEL_SECONDS_PER_K3 * (n * (n + 1) / 2) ** 3
        left = deadline.remaining()
        if predicted <= 0.5 * left:
            return backend, ""
        why = (f"clarabel predicted {predicted:.3g} s to its first iterate (n = {n}), more than half of the "
               f"{left:.3g} s left")
        if auto:
            try:
                if get_backend("scs").available():
                    return "scs", f"auto: scs ({why})"
            except (ValueError, ImportError):
                pass
            return None, f"sdp skipped ({why}; scs not installed)"
        return None, f"sdp on clarabel skipped ({why})"

    def _fit_sdp(self, Xs, A, K, sources, backend, opts, deadline):
        """(Z, labels) from the SDP, or None when it gave no point (path_ and solve_status_ say why)."""
        Aff = Xs @ Xs.T if A is None else A
        n = Aff.shape[0]
        self.result_, self.membership_factor_, self.n_iter_ = None, None, 0
        sdp = build_kmeans_sdp(Aff, K)
        use, why = self._sdp_backend(sdp, n, backend, deadline)
        if use is None:
            self.path_, self.solve_status_ = "sdp (not started)", why
            self._limits.append("time_limit")
            return None
        if deadline.expired():
            self.path_, self.solve_status_ = "sdp (not started)", "time limit reached before the SDP solve"
            self._limits.append("time_limit")
            return None
        t0 = time.perf_counter()
        given = deadline.left(floor=0.05, fraction=SDP_SHARE)
        res = sdp.model.solve(backend=use, time_limit=given, **opts)
        self._times["solve"] += time.perf_counter() - t0
        self._results.append(res)
        self.result_ = res
        self.n_iter_ = res.iterations
        self.path_ = f"sdp ({res.backend.name})"
        self.solve_status_ = res.status.name + (f" ({res.limit_reached})" if res.limit_reached else "")
        if why:
            self.solve_status_ += f"; {why}"
        limit = res.limit_reached
        if (limit is None and given is not None and res.status is not Status.OPTIMAL
                and res.timings["total"] >= 0.9 * given):
            limit = "time_limit"             # e.g. SCS's 'solved (inaccurate)' at its time limit
        if limit:
            self._limits.append(limit)
        t0 = time.perf_counter()
        if res.x is not None and res.certificate.verified and math.isfinite(res.bound):
            sources["optlib conic duality"] = float(res.bound)
        try:
            duals = dual_matrices(sdp, res)
        except (ValueError, TypeError, IndexError):
            duals = None
        if duals is not None and np.all(np.isfinite(duals[0])) and np.all(np.isfinite(duals[1])):
            sources["duals + eigenvalue correction"] = float(sdp_dual_bound(Aff, duals[0], duals[1], K).value)
        self._times["certify"] += time.perf_counter() - t0
        if res.x is None:
            if limit != "time_limit":
                warnings.warn(f"SDPKMeans: the SDP solve on {res.backend.name} returned no point (status "
                              f"{res.status.name}: {res.message}); the labels come from the low-rank path",
                              ConvergenceWarning, stacklevel=3)
            return None
        Z = np.asarray(res[sdp.Z], dtype=float)
        self.sdp_objective_ = float(res.objective)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            labels = round_membership(Xs if Xs is not None else Aff, K, Z=Z, random_state=self.random_state,
                                      n_init=1 if deadline.expired() else 10)
        self._times["round"] += time.perf_counter() - t0
        return Z, labels

    def _fit_lowrank(self, Xs, A, K, sources, deadline):
        n = Xs.shape[0] if Xs is not None else A.shape[0]
        r = K if self.rank is None else check_positive(self.rank, "rank", integer=True)
        check_positive(self.max_iter, "max_iter", integer=True)
        check_positive(self.tol, "tol")
        xp, dev = _array_module(self.device)
        init = check_choice(self.init, "init", ("kmeans++", "random"))
        t0 = time.perf_counter()
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
                                    time_limit=deadline)
        self._times["solve"] += time.perf_counter() - t0
        U = res.U[0]
        self.result_ = res
        self.membership_factor_ = U
        self.n_iter_ = res.iterations
        self.sdp_objective_ = -res.objective
        self.path_ = "lowrank (" + ("numpy cpu" if xp is None else f"torch {dev}") + ")"
        self.solve_status_ = ("converged" if res.converged else
                              f"stopped after {res.iterations} steps (row-sum violation {res.infeasibility:.2g}"
                              + (f", {res.limit_reached}" if res.limit_reached else "") + ")")
        if res.limit_reached:
            self._limits.append(res.limit_reached)
        t0 = time.perf_counter()
        Z = U @ U.T if n <= DENSE_MEMBERSHIP_MAX_N else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            labels = round_membership(Xs if Xs is not None else A, K, U=U, random_state=self.random_state,
                                      n_init=1 if deadline.expired() else 10)
        self._times["round"] += time.perf_counter() - t0
        return Z, labels

    # -- sklearn API ------------------------------------------------------------------
    def fit_predict(self, X: Any, y: Any = None) -> np.ndarray:
        return self.fit(X).labels_

    def predict(self, X: Any) -> np.ndarray:
        """Nearest fitted cluster centre, argmin_k ||x - c_k||^2 (linear kernel only)."""
        check_is_fitted(self, "labels_", msg="this SDPKMeans is not fitted yet; call fit(X) first")
        if not hasattr(self, "cluster_centers_"):
            raise ValueError("predict needs kernel='linear' (no centres in a precomputed kernel's feature space)")
        X = check_features(X, self.n_features_in_, type(self).__name__)
        d = ((X[:, None, :] - self.cluster_centers_[None]) ** 2).sum(axis=2)
        return d.argmin(axis=1)

    def score(self, X: Any, y: Any = None) -> float:
        """Minus the inertia of X assigned to the fitted centres, -sum_i min_k ||x_i - c_k||^2
        (as sklearn's KMeans: higher is better)."""
        lab = self.predict(X)
        X = check_data(X)
        return -float(((X - self.cluster_centers_[lab]) ** 2).sum())

    def summary(self) -> str:
        lines = [f"SDPKMeans(K={self.n_clusters}) via {self.path_}: inertia {self.inertia_:.8g}",
                 f"  certified lower bound {self.bound_:.8g} (gap {self.gap_:.3g}); "
                 + ("exact recovery CERTIFIED (global K-means optimum)" if self.optimal_ else "not certified optimal")]
        for k, v in self.bound_sources_.items():
            lines.append(f"  bound from {k}: {v:.8g}")
        limit = f"; limit reached: {self.answer_.limit_reached}" if self.answer_.limit_reached else ""
        lines.append(f"  status {self.status_.name}; solve status: {self.solve_status_}{limit}; "
                     f"time {self.time_:.3g} s")
        return "\n".join(lines)


def _gpu_visible() -> bool:
    """Whether a GPU may be there, without importing torch (2+ s) when it is not imported yet:
    torch's own answer if it is imported, else an NVIDIA / ROCm device node or nvidia-smi."""
    torch = sys.modules.get("torch")
    if torch is not None:
        return bool(torch.cuda.is_available())
    if importlib.util.find_spec("torch") is None:
        return False
    return (any(os.path.exists(p) for p in ("/dev/nvidia0", "/dev/nvidiactl", "/dev/kfd"))
            or shutil.which("nvidia-smi") is not None)


def _array_module(device: str):
    """(torch, device) for the low-rank path, or (None, 'cpu') for numpy."""
    device = device.strip().lower()
    if device == "numpy":
        return None, "cpu"
    if device == "auto" and not _gpu_visible():
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
