"""NOTEARS baseline: continuous optimisation with an acyclicity equality constraint.

Zheng, Aragam, Ravikumar, Xing, "DAGs with NO TEARS: Continuous Optimization for Structure
Learning", NeurIPS 2018.  min_W F(W) + lambda1 ||W||_1  s.t.  h(W) = tr(exp(W o W)) - d = 0,
by the augmented Lagrangian F + lambda1 ||W||_1 + rho/2 h^2 + alpha h; each subproblem
is solved by L-BFGS-B on W = W+ - W-, W+-  >= 0 (diagonal fixed at 0); rho grows x10
until h falls below a quarter of its previous value, then alpha += rho h.
The returned DAG is W thresholded (cycles that survive broken by dropping the smallest
edges); its score is the answer's objective (FEASIBLE: a stationary point, no bound).
"""
from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import scipy.linalg as sla
import scipy.optimize as sopt
from sklearn.base import BaseEstimator

from optlib import Status
from optlib.validate import check_nonneg

from ._checks import (
    check_binary,
    check_data,
    check_loss,
    check_positive_int,
    constant_columns,
)
from ._contract import (
    DAGAnswer,
    DAGScoreMixin,
    check_dag_claims,
    check_options,
    check_time_limit,
    phase_timings,
)
from ._threads import blas_threads
from .metrics import is_dag, to_digraph
from .score import gram, score


def expm_acyclicity(W: np.ndarray) -> tuple[float, np.ndarray]:
    """h(W) = tr(exp(W o W)) - d and its gradient exp(W o W)' o 2W."""
    E = sla.expm(W * W)
    return float(np.trace(E) - W.shape[0]), E.T * W * 2.0


def _loss_and_grad(X: np.ndarray, G: np.ndarray | None, W: np.ndarray, loss: str) -> tuple[float, np.ndarray]:
    """l2 through G = X'X/n: 1/2 tr((I-W)' G (I-W)) with gradient -G(I-W); logistic on X."""
    if loss == "l2":
        GW = G - G @ W                      # G (I - W)
        return 0.5 * float(np.sum((np.eye(len(G)) - W) * GW)), -GW
    n = X.shape[0]
    M = X @ W
    return float(np.sum(np.logaddexp(0.0, M) - X * M) / n), X.T @ (1.0 / (1.0 + np.exp(-M)) - X) / n


def break_cycles(W: np.ndarray) -> np.ndarray:
    """Drop the smallest |W_ij| until the support is acyclic: zero the first k entries of the
    stable ascending |W| order for the smallest k that leaves a DAG (found by bisection, since
    dropping more entries keeps a DAG acyclic)."""
    A = W.copy()
    if is_dag(A):
        return A
    flat = np.argsort(np.abs(A), axis=None, kind="stable")

    def cut(k: int) -> np.ndarray:
        B = W.copy()
        B.flat[flat[:k]] = 0.0
        return B

    lo, hi = 0, flat.size                     # cut(lo) has a cycle, cut(hi) = 0 is a DAG
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if is_dag(cut(mid)):
            hi = mid
        else:
            lo = mid
    return cut(hi)


class NOTEARS(DAGScoreMixin, BaseEstimator):
    """NOTEARS (linear, l2 or logistic loss), scikit-learn style.

    `time_limit` (seconds, None: no limit) bounds the whole fit: L-BFGS-B stops at its next
    iteration once it passes, and the DAG of the current iterate is returned
    (`result_.limit_reached` = 'time_limit'). `options`: a dict of L-BFGS-B options
    (scipy.optimize.minimize, e.g. {"maxiter": 200}) for every subproblem.

    Fitted: `weights_` (the augmented-Lagrangian solution), `adjacency_` (thresholded at
    `w_threshold`; if a cycle survives, the smallest edges are dropped and `cycles_broken_`
    is True), `score_` = F(weights_) + lambda1||weights_||_1, `thresholded_score_`, `h_`,
    `rho_`, `n_iter_` (dual ascent steps), `converged_` (h <= h_tol), `graph_`, `time_`,
    `result_` (the `optlib.Answer` of the DAG `adjacency_`: objective = `thresholded_score_`,
    the NOTEARS score at that DAG (`weights_` itself is acyclic only up to h_tol), bound -inf,
    status FEASIBLE). `score(X)` = -F(adjacency_) on X without the penalty (higher is better).
    """

    def __init__(self, lambda1: float = 0.1, loss: str = "l2", w_threshold: float = 0.3, max_iter: int = 100,
                 h_tol: float = 1e-8, rho_max: float = 1e16, time_limit: float | None = None,
                 blas_threads: int | None = 1, options: dict | None = None):
        self.lambda1 = lambda1
        self.loss = loss
        self.w_threshold = w_threshold
        self.max_iter = max_iter
        self.h_tol = h_tol
        self.rho_max = rho_max
        self.time_limit = time_limit
        self.blas_threads = blas_threads
        self.options = options

    def fit(self, X: Any, y: Any = None) -> NOTEARS:
        deadline = check_time_limit(self.time_limit)
        with blas_threads(self.blas_threads):
            return self._fit(check_data(X), deadline)

    def _score_weights(self) -> np.ndarray:
        return self.adjacency_

    def _fit(self, X: np.ndarray, deadline: Any) -> NOTEARS:
        loss = check_loss(self.loss)
        lam = check_nonneg(self.lambda1, "lambda1")
        check_nonneg(self.w_threshold, "w_threshold")
        max_iter = check_positive_int(self.max_iter, "max_iter")
        h_tol = check_nonneg(self.h_tol, "h_tol")
        lbfgs_options = check_options(self.options, "L-BFGS-B options")
        check_binary(X, loss)
        constant_columns(X)
        d = X.shape[1]
        t0 = time.perf_counter()
        t_start = deadline.elapsed()
        G = gram(X) if loss == "l2" else None

        def unpack(z: np.ndarray) -> np.ndarray:
            return (z[:d * d] - z[d * d:]).reshape(d, d)

        def aug_lagrangian(z: np.ndarray, rho: float, alpha: float) -> tuple[float, np.ndarray]:
            W = unpack(z)
            f, gf = _loss_and_grad(X, G, W, loss)
            h, gh = expm_acyclicity(W)
            g = gf + (rho * h + alpha) * gh
            val = f + 0.5 * rho * h * h + alpha * h + lam * z.sum()
            return val, np.concatenate([(g + lam).ravel(), (-g + lam).ravel()])

        def stop_at_deadline(intermediate_result: Any) -> None:
            if deadline.expired():
                raise StopIteration          # L-BFGS-B returns its current iterate

        callback = stop_at_deadline if deadline.limited else None
        off = ~np.eye(d, dtype=bool).ravel()
        bounds = [(0.0, None) if o else (0.0, 0.0) for o in np.concatenate([off, off])]
        z, rho, alpha, h = np.zeros(2 * d * d), 1.0, 0.0, np.inf
        it, timed_out = 0, False
        for it in range(1, max_iter + 1):
            while rho < self.rho_max:
                sol = sopt.minimize(aug_lagrangian, z, args=(rho, alpha), jac=True, method="L-BFGS-B",
                                    bounds=bounds, callback=callback, options=lbfgs_options or None)
                h_new = expm_acyclicity(unpack(sol.x))[0]
                if h_new > 0.25 * h:
                    rho *= 10.0
                else:
                    break
                if deadline.expired():
                    break
            z, h = sol.x, h_new
            alpha += rho * h
            if h <= h_tol or rho >= self.rho_max:
                break
            if deadline.expired():
                timed_out = True
                break
        t_end = deadline.elapsed()
        W = unpack(z)
        A = np.where(np.abs(W) >= self.w_threshold, W, 0.0)
        self.cycles_broken_ = not is_dag(A)
        if self.cycles_broken_:
            A = break_cycles(A)
        self.weights_, self.adjacency_ = W, A
        self.h_, self.rho_, self.n_iter_ = h, rho, it
        self.converged_ = bool(h <= h_tol)
        self.timed_out_ = timed_out
        self.score_ = score(X, W, loss, lam)
        self.thresholded_score_ = score(X, A, loss, lam)
        self.graph_ = to_digraph(A)
        self.n_features_in_ = d
        if self.converged_:
            stop, limit = f"converged: h(W) = {h:.3g} <= h_tol", None
        elif timed_out:
            stop, limit = "time_limit: stopped when the time limit passed", "time_limit"
        elif rho >= self.rho_max:
            stop, limit = f"rho reached rho_max = {self.rho_max:g} with h(W) = {h:.3g}", "rho_max"
        else:
            stop, limit = f"max_iter = {max_iter} dual steps with h(W) = {h:.3g}", "iteration_limit"
        problem = check_dag_claims(A) or ("" if np.isfinite(self.thresholded_score_) else "the score is not finite")
        self.time_ = time.perf_counter() - t0
        self.result_ = DAGAnswer(
            status=Status.UNVERIFIED if problem else Status.FEASIBLE, objective=float(self.thresholded_score_),
            bound=-math.inf, verified=not problem, limit_reached=limit,
            timings=phase_timings(deadline, t_start, t_end, "optimise"), results=(), stop_reason=stop,
            method="NOTEARS",
            message=problem or ("objective: the NOTEARS score of the returned DAG adjacency_ (a stationary point "
                                "of the augmented Lagrangian; no lower bound is proven)"))
        return self
