"""TOPO: NOTEARS objectives optimised by topological swaps.

Deng, Bello, Aragam, Ravikumar, "Optimizing NOTEARS Objectives via Topological Swaps",
ICML 2023. Bi-level: the outer search runs over topological orders pi; the inner problem
fits W(pi) = argmin F(W) over W supported on pi (each node on its predecessors). Candidate
swaps are the pairs (i, j) that pi forbids (j before i) with the smallest entries of
grad h(W) = (I - |W|)^{-T}, h(W) = -log det(I - |W|); swapping i and j refits only the nodes
between their positions. Improving swaps are applied greedily without overlapping
position intervals; when the small candidate set has none, a larger set is searched
(at most `max_large_search` times). Stopping because the large set has no improving swap
is the paper's local-minimum / KKT condition (`converged_`). The answer (`result_`) is FEASIBLE:
a local optimum over orders is not a proof of global optimality (no lower bound: -inf).

Fast path (l2, lambda1 = 0, no forbidden edges or signs): with G[pi, pi] = L L', the
nodes in positions a..b after the prefix have residual covariance K = M M', M = L[a:b+1,
a:b+1], so a swap costs one QR of the permuted M; all candidates of one block size are
scored in one batched QR.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from optlib import Deadline, Status
from optlib.validate import check_nonneg

from ._checks import (
    check_binary,
    check_constraints,
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
from .inner import INNERS, NodeFitter, TimeUp
from .metrics import to_digraph
from .orders import initial_order, respect_required
from .score import (
    gram,
    logdet_grad,
    order_cholesky,
    order_score,
    score,
    weights_from_cholesky,
)


def default_sizes(d: int) -> tuple[int, int]:
    """(size_small, size_large) = (1.5 d, max(1.5 d, sqrt(d)(d-1) log10 d)), at most d(d-1)/2."""
    pairs = d * (d - 1) // 2
    small = min(math.ceil(1.5 * d), pairs)
    large = max(small, min(math.ceil(math.sqrt(d) * (d - 1) * math.log10(max(d, 2))), pairs))
    return max(small, 1), max(large, 1)


def _fast_deltas(L: np.ndarray, ab: np.ndarray) -> np.ndarray:
    """Change of the l2 score for swapping the nodes in positions a < b (rows of ab), batched by b - a."""
    out = np.empty(len(ab))
    sizes = ab[:, 1] - ab[:, 0] + 1
    diag_sq = np.diag(L) ** 2
    csum = np.concatenate([[0.0], np.cumsum(diag_sq)])
    for m in np.unique(sizes):
        rows = np.flatnonzero(sizes == m)
        perm = np.r_[m - 1, np.arange(1, m - 1), 0] if m > 2 else np.array([1, 0])
        blocks = np.stack([L[a:a + m, a:a + m][perm] for a in ab[rows, 0]])
        R = np.linalg.qr(np.swapaxes(blocks, 1, 2), mode="r")
        new = np.sum(np.diagonal(R, axis1=1, axis2=2) ** 2, axis=1)
        old = csum[ab[rows, 0] + m] - csum[ab[rows, 0]]
        out[rows] = 0.5 * (new - old)
    return out


class TOPO(DAGScoreMixin, BaseEstimator):
    """DAG learning by topological swaps (scikit-learn style; `fit(X)` returns self).

    Parameters: `loss` 'l2' | 'logistic'; `lambda1` l1 weight of the inner problem;
    `w_threshold` for `adjacency_`; `size_small`, `size_large` candidate-set sizes (None:
    `default_sizes`); `max_large_search`; `init` 'random', an order, or a weight matrix;
    `random_state`; `inner` 'auto' (closed form unless constraints need a solver) | 'lstsq'
    | 'optlib' (every l2 node fit through an optlib Model); `forbidden`, `required` edges
    (pairs (i, j) or boolean matrices; required edges fix the order and survive the
    threshold); `signs` ((d, d) array or {(i, j): +-1}); `max_iter`; `backend` for optlib;
    `blas_threads` (BLAS threads during the fit; None leaves the setting alone); `n_restarts`
    extra searches from random orders (the best score is kept; 0 = the paper's single run);
    `time_limit` seconds for the whole fit (None: no limit; 0: the first order's fit): when it
    passes, the search stops and keeps its best order so far (`result_.limit_reached` =
    'time_limit'; the first order's fit always completes); `options` a dict of backend options
    for the inner optlib solves (passed to `Model.solve`).

    Fitted: `weights_` (W(pi), unthresholded), `adjacency_` (thresholded, weighted),
    `order_`, `score_` = F(weights_) (the objective TOPO minimises), `thresholded_score_`,
    `graph_` (networkx.DiGraph of adjacency_), `n_iter_`, `history_` (score per outer
    iteration), `n_large_searches_`, `converged_`, `stop_reason_`, `restart_scores_` (final
    score of each start, the first from `init`), `n_inner_solves_`, and `result_` (the
    `optlib.Answer`: objective = `score_`, bound -inf, status FEASIBLE: a local optimum,
    not a proven one; `results` the optlib solves behind `weights_`, if any).
    `score(X)` = -F(weights_) on X without the penalty (higher is better).
    """

    def __init__(self, loss: str = "l2", lambda1: float = 0.0, w_threshold: float = 0.3,
                 size_small: int | None = None, size_large: int | None = None, max_large_search: int = 20,
                 init: Any = "random", random_state: Any = None, inner: str = "auto", forbidden: Any = None,
                 required: Any = None, signs: Any = None, max_iter: int = 10_000, backend: str = "auto",
                 blas_threads: int | None = 1, n_restarts: int = 0, time_limit: float | None = None,
                 options: dict | None = None):
        self.loss = loss
        self.lambda1 = lambda1
        self.w_threshold = w_threshold
        self.size_small = size_small
        self.size_large = size_large
        self.max_large_search = max_large_search
        self.init = init
        self.random_state = random_state
        self.inner = inner
        self.forbidden = forbidden
        self.required = required
        self.signs = signs
        self.max_iter = max_iter
        self.backend = backend
        self.blas_threads = blas_threads
        self.n_restarts = n_restarts
        self.time_limit = time_limit
        self.options = options

    # -- public API -----------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None) -> TOPO:
        """Learn a DAG from the (n, d) data X."""
        deadline = check_time_limit(self.time_limit)
        with blas_threads(self.blas_threads):
            return self._fit(check_data(X), self.init, deadline)

    def refine(self, W: Any, X: Any = None) -> TOPO:
        """Post-process another method's weight matrix W: start TOPO from the order of W's heaviest
        acyclic part (on X, or on the data of the last `fit`)."""
        deadline = check_time_limit(self.time_limit)
        if X is None:
            if not hasattr(self, "_X"):
                raise ValueError("refine(W) needs X, or a previous fit(X) whose data it reuses")
            X = self._X
        X = check_data(X)
        Wa = np.asarray(W, dtype=float)
        if Wa.shape != (X.shape[1], X.shape[1]):
            raise ValueError(f"W must have shape ({X.shape[1]}, {X.shape[1]}) to match X, got {Wa.shape}")
        with blas_threads(self.blas_threads):
            return self._fit(X, Wa, deadline)

    # -- implementation ---------------------------------------------------------------------
    def _check_params(self, d: int) -> dict:
        check_loss(self.loss)
        check_nonneg(self.lambda1, "lambda1")
        check_nonneg(self.w_threshold, "w_threshold")
        check_positive_int(self.size_small, "size_small", allow_none=True)
        check_positive_int(self.size_large, "size_large", allow_none=True)
        check_positive_int(self.max_large_search, "max_large_search", minimum=0)
        check_positive_int(self.max_iter, "max_iter", minimum=0)
        check_positive_int(self.n_restarts, "n_restarts", minimum=0)
        if self.inner not in INNERS:
            raise ValueError(f"inner must be one of {INNERS}, got {self.inner!r}")
        if self.inner == "optlib" and self.loss == "logistic":
            raise ValueError("inner='optlib' supports loss='l2' only (the logistic inner problem is solved "
                             "by L-BFGS-B; optlib has no exponential cone)")
        return check_options(self.options, "backend options for the inner optlib solves")

    def _fit(self, X: np.ndarray, init: Any, deadline: Deadline) -> TOPO:
        d = X.shape[1]
        solve_options = self._check_params(d)
        check_binary(X, self.loss)
        forb, req, sg = check_constraints(self.forbidden, self.required, self.signs, d)
        const = constant_columns(X)
        touched = req.any(axis=0) | req.any(axis=1)
        if np.any(const & touched):
            raise ValueError(f"required edges touch constant columns {np.flatnonzero(const & touched).tolist()}")
        rng = np.random.default_rng(self.random_state)
        order_full = initial_order(init, d, rng)
        keep = np.flatnonzero(~const)
        sub = -np.ones(d, dtype=int)
        sub[keep] = np.arange(len(keep))
        order = sub[order_full[~const[order_full]]]
        ix = np.ix_(keep, keep)
        Xs, forb_s, req_s, sg_s = X[:, keep], forb[ix], req[ix], sg[ix]
        order = respect_required(order, req_s)
        W = np.zeros((d, d))
        t_search = deadline.elapsed()
        limit = None
        if len(keep) >= 2:
            Ws, order, info = self._search(Xs, order, forb_s, req_s, sg_s, deadline, solve_options)
            limit = info["limit"]
            scores = [info["history"][-1]]
            for _ in range(self.n_restarts):         # extra starts from random orders; keep the best
                if deadline.expired():
                    limit = "time_limit"
                    break
                start = respect_required(rng.permutation(len(keep)), req_s)
                Wr, order_r, info_r = self._search(Xs, start, forb_s, req_s, sg_s, deadline, solve_options,
                                                   first_in_full=False)
                if info_r["limit"] == "time_limit":
                    limit = "time_limit"
                if not info_r["history"]:            # cut before its first order was fitted
                    break
                scores.append(info_r["history"][-1])
                if scores[-1] < min(scores[:-1]):
                    Ws, order, info = Wr, order_r, info_r
            info["restart_scores"] = scores
            W[ix] = Ws
        else:
            info = {"history": [], "n_iter": 0, "large": 0, "stop": "fewer than 2 non-constant columns",
                    "converged": True, "n_solves": 0, "restart_scores": [], "results": ()}
        t_search = (t_search, deadline.elapsed())
        self.weights_ = W
        A = np.where(np.abs(W) >= self.w_threshold, W, 0.0)
        A[req] = W[req]
        self.adjacency_ = A
        self.order_ = np.concatenate([keep[order], np.flatnonzero(const)]).astype(int)
        self.score_ = score(X, W, self.loss, self.lambda1)
        self.thresholded_score_ = score(X, A, self.loss, self.lambda1)
        self.graph_ = to_digraph(A)
        self.history_ = info["history"]
        self.n_iter_ = info["n_iter"]
        self.n_large_searches_ = info["large"]
        self.stop_reason_ = info["stop"]
        self.converged_ = info["converged"]
        self.n_inner_solves_ = info["n_solves"]
        self.restart_scores_ = info["restart_scores"]
        self.n_features_in_ = d
        self._X = X
        self.result_ = self._answer(W, forb, sg, req, len(keep), limit, info, t_search, deadline)
        return self

    def _answer(self, W: np.ndarray, forb: np.ndarray, sg: np.ndarray, req: np.ndarray, n_free: int,
                limit: str | None, info: dict, t_search: tuple[float, float], deadline: Deadline) -> DAGAnswer:
        """The optlib.Answer of this fit: the DAG weights_ re-checked, objective score_, no bound
        (with fewer than 2 non-constant columns the empty graph is the only DAG: optimal)."""
        problem = check_dag_claims(W, forb, sg, self.order_, req)
        if not np.isfinite(self.score_):
            problem = problem or "the score is not finite"
        trivial = n_free < 2 and not problem
        status = Status.UNVERIFIED if problem else (Status.OPTIMAL if trivial else Status.FEASIBLE)
        if trivial:
            note = "the empty graph is the only DAG"
        elif self.converged_:
            note = "a local optimum over topological orders; no lower bound is proven"
        else:
            note = "the search was stopped before a local optimum; no lower bound is proven"
        return DAGAnswer(status=status, objective=float(self.score_),
                         bound=float(self.score_) if trivial else -math.inf, verified=not problem,
                         limit_reached=limit, timings=phase_timings(deadline, *t_search, "search"),
                         results=tuple(info.get("results", ())), stop_reason=self.stop_reason_,
                         message=problem or note, method="TOPO")

    def _search(self, X: np.ndarray, order: np.ndarray, forb: np.ndarray, req: np.ndarray,
                sg: np.ndarray, deadline: Deadline, solve_options: dict,
                first_in_full: bool = True) -> tuple[np.ndarray, np.ndarray, dict]:
        """Local search from `order` (changed in place). With `first_in_full`, the first order's inner
        fits are not cut by the deadline (the fit needs one DAG); else a cut there gives an empty
        history and no weights."""
        d = X.shape[1]
        fast = (self.loss == "l2" and self.lambda1 == 0 and not forb.any() and not sg.any()
                and self.inner != "optlib")
        pairs = d * (d - 1) // 2
        small, large = default_sizes(d)
        small = min(self.size_small or small, pairs)
        large = max(min(self.size_large or large, pairs), small)
        G = gram(X) if fast else None
        fitter = None if fast else NodeFitter(X, self.loss, float(self.lambda1), sg, self.inner, self.backend,
                                              deadline=None if first_in_full else deadline, options=solve_options)
        history: list[float] = []
        n_iter = used = 0
        converged, stop, limit = False, "", None
        last = None                                  # (W, order) of the last order fitted in full
        while True:
            try:
                if fast:
                    L = order_cholesky(G, order)
                    W, cur, terms = weights_from_cholesky(L, order), order_score(L), None
                else:
                    W, terms = self._generic_state(fitter, order, forb)
                    L, cur = None, float(terms.sum())
            except TimeUp:                           # keep the last order fitted in full
                stop, limit = "time_limit: the search stopped when the time limit passed", "time_limit"
                if last is None:
                    W = None
                    break
                W, order[:] = last
                break
            history.append(cur)
            last = (W, order.copy())
            if fitter is not None:
                fitter.deadline = deadline           # the first order's fit is not cut by the limit
            if n_iter >= self.max_iter:
                stop, limit = "max_iter", "iteration_limit"
                break
            if deadline.expired():
                stop, limit = "time_limit: the search stopped when the time limit passed", "time_limit"
                break
            pos = np.empty(d, dtype=int)
            pos[order] = np.arange(d)
            ii, jj = np.nonzero(pos[:, None] > pos[None, :])       # i after j: edge i -> j forbidden by pi
            vals = logdet_grad(W)[ii, jj]
            ranked = np.sort(vals)
            in_small = vals <= ranked[small - 1]
            in_large = (vals <= ranked[large - 1]) & ~in_small
            ab_all = np.stack([pos[jj], pos[ii]], axis=1)
            tol = 1e-10 * max(1.0, abs(cur))
            moved = self._apply_best(ab_all[in_small], order, req, L, fitter, forb, terms, tol, deadline)
            if moved:
                n_iter += 1
                continue
            if moved is None:
                stop, limit = "time_limit: the search stopped when the time limit passed", "time_limit"
                break
            if used >= self.max_large_search:
                stop = f"no improving swap in the small set and max_large_search={self.max_large_search} used"
                limit = "large_search_limit"
                break
            moved = self._apply_best(ab_all[in_large], order, req, L, fitter, forb, terms, tol, deadline)
            if moved is None:
                stop, limit = "time_limit: the search stopped when the time limit passed", "time_limit"
                break
            if not moved:
                stop, converged = "local optimum: no improving swap in the large candidate set", True
                break
            used += 1
            n_iter += 1
        results = ()
        if fitter is not None and W is not None:
            keys = [(int(order[p]), self._allowed(order, p, forb)) for p in range(d)]
            results = tuple(fitter.results[k] for k in keys if k in fitter.results)
        info = {"history": history, "n_iter": n_iter, "large": used, "stop": stop, "converged": converged,
                "n_solves": 0 if fitter is None else fitter.n_solves, "limit": limit, "results": results}
        return W, order, info

    @staticmethod
    def _allowed(order: np.ndarray, p: int, forb: np.ndarray) -> tuple[int, ...]:
        preds = order[:p]
        return tuple(sorted(int(v) for v in preds[~forb[preds, order[p]]]))

    def _generic_state(self, fitter: NodeFitter, order: np.ndarray, forb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        d = len(order)
        W, terms = np.zeros((d, d)), np.zeros(d)
        for p in range(d):
            P = self._allowed(order, p, forb)
            w, terms[p] = fitter.fit(int(order[p]), P)
            W[list(P), order[p]] = w
        return W, terms

    def _apply_best(self, ab: np.ndarray, order: np.ndarray, req: np.ndarray, L: np.ndarray | None,
                    fitter: NodeFitter | None, forb: np.ndarray, terms: np.ndarray | None, tol: float,
                    deadline: Deadline) -> bool | None:
        """Score the swaps ab (positions a < b), apply the improving ones greedily without overlap.
        True when some were applied, False when none improves, None when the time limit passed
        while scoring (nothing applied)."""
        if req.any() and len(ab):
            ok = [not (req[order[a], order[a + 1:b + 1]].any() or req[order[a:b], order[b]].any()) for a, b in ab]
            ab = ab[np.asarray(ok, dtype=bool)]
        if not len(ab):
            return False
        if L is not None:
            deltas = _fast_deltas(L, ab)
        else:
            deltas = np.empty(len(ab))
            try:
                for k, (a, b) in enumerate(ab):
                    if deadline.expired():
                        return None
                    new = order.copy()
                    new[a], new[b] = order[b], order[a]
                    deltas[k] = sum(fitter.fit(int(new[p]), self._allowed(new, p, forb))[1]
                                    for p in range(a, b + 1)) - terms[a:b + 1].sum()
            except TimeUp:
                return None
        good = np.flatnonzero(deltas < -tol)
        if not len(good):
            return False
        taken = np.zeros(len(order), dtype=bool)
        for k in good[np.argsort(deltas[good], kind="stable")]:
            a, b = ab[k]
            if not taken[a:b + 1].any():
                taken[a:b + 1] = True
                order[a], order[b] = order[b], order[a]
        return True
