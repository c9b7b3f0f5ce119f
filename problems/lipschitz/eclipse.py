"""ECLipsE and ECLipsE-Fast: LipSDP-Neuron solved layer by layer, certified clique by clique.

Xu and Sivaranjani, "ECLipsE: Efficient Compositional Lipschitz Constant Estimation for Deep
Neural Networks" (NeurIPS 2024). Our own derivation and code, on optlib.lmi.

With per-neuron slopes a <= phi' <= b, P_k = diag(a b), S_k = diag(a + b) on hidden layer k
(multipliers Lambda_k = diag(lambda_k) >= 0, weights W_0..W_l) the LipSDP-Neuron matrix -M
(`lipsdp.py`, with rho = 1) is block tridiagonal over (x_0, .., x_l) and splits exactly into
one clique matrix per hidden layer (a chordal decomposition, telescoping in the X_k):

    G_k = [[Y_{k-1}, -W_{k-1}' S_k Lambda_k], [-Lambda_k S_k W_{k-1}, 2 Lambda_k - X_k]],
    Y_{k-1} = X_{k-1} + 2 W_{k-1}' P_k Lambda_k W_{k-1},   X_0 = I,

with the last one G_l(c) = [[Y_{l-1}, ..], [.., 2 Lambda_l - W_l' W_l / c]]. If every G_k >= 0
then (c, c Lambda) is feasible for LipSDP-Neuron and L <= sqrt(c). Going forward, layer k
picks Lambda_k given X_{k-1}; X_k is the Schur complement 2 Lambda - Lambda S W Y^{-1} W' S Lambda
(matrix concave in Lambda) less a slack delta_k I that makes G_k strictly positive definite.

* ``eclipse``: per layer the small SDP  max s  s.t.  [[Y_{k-1}(lambda), -W' S Lambda],
  [-Lambda S W, 2 Lambda - s W_k' W_k]] >= 0, lambda >= 0  (order n_{k-1} + n_k; W_k the next
  weight), then mixed with the Fast choice where needed for strict feasibility (concavity keeps
  the mix feasible); the better of the two per layer is kept.
* ``eclipse-fast``: Lambda_k = lambda I with lambda maximising lambda_min(X_k): the closed form
  lambda = 1 / lambda_max(S W X_{k-1}^{-1} W' S) when a b = 0 (ReLU, tanh, sigmoid, ...), a
  golden-section search on the concave lambda_min(X_k(lambda)) otherwise (leaky ReLU, GELU, ...).

The reference code drops the a b term (valid only for a b >= 0); here it is kept in Y. Weights
are scaled by powers of two (W_k 2^-e_k, exact in floating point) to unit-order norms; the
bound is 2^(sum e_k) sqrt(c), exact by the equivariance of LipSDP (`lipsdp_matrices.unscale`).

Certificate: every G_k is formed again in float64 from the chosen multipliers and checked by
`eigvalsh` with the margin lambda_min(G_k) >= 8 n eps ||G_k||_1 (the rule of
`certify_lmi._Check`), delta_k (k < l) or c (k = l) raised until it holds. A layer that
cannot be certified makes the answer unverified (value: the product of norms, labelled).
There is no dual bound on LipSDP's optimum (bound = -inf): the status is FEASIBLE at best.
"""
from __future__ import annotations

import dataclasses
import math
import time
from typing import Any, Callable

import numpy as np
import scipy.linalg as sla

import optlib
from optlib import Deadline

from .bound import LipschitzBound, LMICertificate, spectral_part
from .certify_lmi import OWN_CERTIFICATE
from .golden import golden_min
from .lipsdp_matrices import neuron_slopes, unscale
from .network import Network

METHODS = ("eclipse", "eclipse-fast")
EPS = float(np.finfo(float).eps)
Chooser = Callable[[int, "_Layer", np.ndarray], tuple[np.ndarray, str]]
__all__ = ["METHODS", "eclipse_bound", "certified_chain", "clique_check", "pow2_scale"]


def pow2_scale(weights: list[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
    """(W_k 2^-e_k, e) with e_k = round(log2 ||W_k||_2) (0 for a zero matrix): exact scaling."""
    Ws, es = [], []
    for W in weights:
        W = np.asarray(W, dtype=float)
        nrm = float(np.linalg.norm(W, 2)) if W.size else 0.0
        e = int(round(math.log2(nrm))) if nrm > 0 else 0
        Ws.append(np.ldexp(W, -e))
        es.append(e)
    return Ws, np.array(es, dtype=int)


def clique_check(G: np.ndarray) -> tuple[bool, float, float]:
    """(lambda_min(G) >= margin, lambda_min(G), margin) with margin = 8 n eps ||G||_1."""
    G = 0.5 * (G + G.T)
    n = G.shape[0]
    lmin = float(sla.eigvalsh(G, subset_by_index=[0, 0])[0])
    margin = 8.0 * n * EPS * max(float(np.abs(G).sum(axis=0).max()), 1e-300)
    return bool(lmin >= margin), lmin, margin


class _Layer:
    """The pieces of hidden layer k given X_{k-1}: Y(lambda), the Schur complement X(lambda), G."""

    def __init__(self, X_prev: np.ndarray, W: np.ndarray, a: np.ndarray, b: np.ndarray):
        self.X_prev, self.W = X_prev, W
        self.p, self.s = a * b, a + b

    def Y(self, lam: np.ndarray) -> np.ndarray:
        Y = self.X_prev + 2.0 * (self.W.T * (self.p * lam)) @ self.W if np.any(self.p) else self.X_prev.copy()
        return 0.5 * (Y + Y.T)

    def schur(self, lam: np.ndarray) -> np.ndarray | None:
        """2 Lambda - Lambda S W Y^{-1} W' S Lambda, None when Y is not positive definite."""
        try:
            R = np.linalg.cholesky(self.Y(lam))
        except np.linalg.LinAlgError:
            return None
        Z = sla.solve_triangular(R, self.W.T * (self.s * lam), lower=True)
        X = np.diag(2.0 * lam) - Z.T @ Z
        return 0.5 * (X + X.T)

    def G(self, lam: np.ndarray, corner: np.ndarray) -> np.ndarray:
        """[[Y, -W' S Lambda], [-Lambda S W, corner]] (corner = 2 Lambda - X_k)."""
        C = -(self.W.T * (self.s * lam))
        return np.block([[self.Y(lam), C], [C.T, corner]])


def _lmin(X: np.ndarray | None) -> float:
    return -math.inf if X is None else float(sla.eigvalsh(X, subset_by_index=[0, 0])[0])


def _fast_lambda(layer: _Layer) -> np.ndarray:
    """lambda I maximising lambda_min(X(lambda)): closed form when a b = 0, else a search."""
    n = layer.W.shape[0]
    R = np.linalg.cholesky(layer.X_prev)
    Z = sla.solve_triangular(R, layer.W.T * layer.s, lower=True)
    top = float(np.linalg.eigvalsh(Z.T @ Z)[-1]) if n else 0.0
    lam0 = 1.0 / top if top > 0 else 1.0          # the maximiser of 2 lam - lam^2 top
    if not np.any(layer.p):
        return np.full(n, lam0)

    def f(u: float) -> float:                      # concave in lam, so unimodal in u = log lam
        return _lmin(layer.schur(np.full(n, math.exp(u))))

    probes = golden_min(lambda u: -f(u), math.log(lam0) - 12.0, math.log(lam0) + 6.0, 60, tol=1e-6)
    return np.full(n, math.exp(min(probes)[1]))


def _capacity(X: np.ndarray | None, W_next: np.ndarray) -> float:
    """The largest s with X >= s W_next' W_next (0 when X is not positive definite)."""
    if X is None or _lmin(X) <= 0:
        return 0.0
    R = np.linalg.cholesky(X)
    Z = sla.solve_triangular(R, W_next.T, lower=True)     # W_next X^{-1} W_next' = Z' Z
    top = float(np.linalg.eigvalsh(Z.T @ Z)[-1])
    return 1.0 / top if top > 0 else math.inf


def _sdp_lambda(layer: _Layer, W_next: np.ndarray, backend: str, time_limit: float | None,
                options: dict) -> tuple[np.ndarray | None, Any]:
    """ECLipsE's layer SDP (module docstring), solved through optlib; (lambda, Result)."""
    W, X_prev = layer.W, layer.X_prev
    n_prev, n = W.shape[1], W.shape[0]
    dim = n_prev + n
    F0 = np.zeros((dim, dim))
    F0[:n_prev, :n_prev] = X_prev
    Fs = []
    for j in range(n):
        F = np.zeros((dim, dim))
        w = W[j]
        if layer.p[j]:
            F[:n_prev, :n_prev] = 2.0 * layer.p[j] * np.outer(w, w)
        F[:n_prev, n_prev + j] = -layer.s[j] * w
        F[n_prev + j, :n_prev] = -layer.s[j] * w
        F[n_prev + j, n_prev + j] = 2.0
        Fs.append(F)
    Fc = np.zeros((dim, dim))
    Fc[n_prev:, n_prev:] = -(W_next.T @ W_next)
    m = optlib.Model("eclipse-layer")
    lam = m.continuous(n, lb=0, ub=1e6, name="lambda")
    s = m.continuous(lb=0, ub=1e6, name="s")
    m.add(optlib.lmi(F0, [(lam, Fs), (s, Fc)]) >> 0, name="layer")
    m.maximize(s)
    res = m.solve(backend=backend, time_limit=time_limit, **{**OWN_CERTIFICATE, **options})
    if res.x is None:
        return None, res
    return np.maximum(np.nan_to_num(np.asarray(res[lam], dtype=float).reshape(-1)), 0.0), res


def _layer_value(layer: _Layer, lam: np.ndarray, W_next: np.ndarray,
                 grad: bool) -> tuple[float, np.ndarray | None]:
    """f(lambda) = lambda_max(W_next X(lambda)^{-1} W_next') (= 1 / capacity; convex in lambda, as
    X is matrix concave) and its gradient: df/dlambda_j = -(2 u_j^2 - 2 s_j u_j r_j + 2 p_j r_j^2)
    with v the top eigenvector, u = X^{-1} W_next' v, r = W Y^{-1} W' S Lambda u."""
    try:
        R = np.linalg.cholesky(layer.Y(lam))
        Z = sla.solve_triangular(R, layer.W.T * (layer.s * lam), lower=True)
        X = np.diag(2.0 * lam) - Z.T @ Z
        Rx = np.linalg.cholesky(0.5 * (X + X.T))
    except np.linalg.LinAlgError:
        return math.inf, None
    V = sla.solve_triangular(Rx, W_next.T, lower=True)
    ev, vec = np.linalg.eigh(V.T @ V)
    f = float(ev[-1])
    if not grad:
        return f, None
    u = sla.solve_triangular(Rx.T, V @ vec[:, -1], lower=False)        # X^{-1} W_next' v
    q = sla.solve_triangular(R.T, Z @ u, lower=False)                  # Y^{-1} W' S Lambda u
    r = layer.W @ q
    g = -(2.0 * u * u - 2.0 * layer.s * u * r + 2.0 * layer.p * r * r)
    return f, g


def _fo_lambda(layer: _Layer, W_next: np.ndarray, lam0: np.ndarray, max_iter: int = 2000,
               lr: float = 0.05, tol: float = 1e-7, patience: int = 200,
               stop_at: float | None = None) -> tuple[np.ndarray, int]:
    """min_lambda f(lambda) (`_layer_value`) by Adam on log lambda from `lam0`, halving a step
    that leaves the domain (X, Y positive definite). A plateau (no relative gain > `tol` in
    `patience` iterations) restarts from the best point with lr / 5, twice, then stops; so does
    the clock passing `stop_at` (time.perf_counter seconds). Returns the best point and the
    iterations."""
    th = np.log(np.maximum(lam0, 1e-300))
    f, g = _layer_value(layer, lam0, W_next, True)
    best_f, best = f, th.copy()
    m = np.zeros_like(th)
    v = np.zeros_like(th)
    it, t, since, drops = 0, 0, 0, 0
    for it in range(1, max_iter + 1):
        if stop_at is not None and it % 10 == 0 and time.perf_counter() >= stop_at:
            break
        t += 1
        gt = g * np.exp(th)                                       # chain rule for theta = log lambda
        m = 0.9 * m + 0.1 * gt
        v = 0.999 * v + 0.001 * gt * gt
        step = lr * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-12)
        for _ in range(30):
            f_new, g_new = _layer_value(layer, np.exp(th - step), W_next, True)
            if math.isfinite(f_new):
                break
            step = 0.5 * step
        else:
            break
        th, f, g = th - step, f_new, g_new
        if f < best_f * (1.0 - tol):
            best_f, best, since = f, th.copy(), 0
        else:
            if f < best_f:
                best_f, best = f, th.copy()
            since += 1
            if since >= patience:
                if drops == 2:
                    break
                lr, drops, since, t = lr / 5.0, drops + 1, 0, 0
                th, m, v = best.copy(), np.zeros_like(th), np.zeros_like(th)
                f, g = _layer_value(layer, np.exp(th), W_next, True)
    return np.exp(best), it


def _pick(layer: _Layer, lam_sdp: np.ndarray | None, lam_fast: np.ndarray,
          score: Callable[[np.ndarray | None], float]) -> tuple[np.ndarray, str]:
    """The SDP multipliers mixed toward the Fast ones by the least t that leaves X strictly
    positive definite (the mix of two feasible points is feasible: X is concave), or the Fast
    ones when they score better."""
    best, how = lam_fast, "fast"
    best_score = score(layer.schur(lam_fast))
    if lam_sdp is None:
        return best, how
    for t in (0.0, 1e-8, 1e-6, 1e-4, 1e-2, 1e-1):
        lam = (1.0 - t) * lam_sdp + t * lam_fast
        X = layer.schur(lam)
        if X is not None and _lmin(X) > 1e-12 * max(float(np.abs(X).max()), 1e-300):
            sc = score(X)
            if sc > best_score:
                best, how, best_score = lam, ("sdp" if t == 0 else f"sdp mixed with fast (t = {t:g})"), sc
            break
    return best, how


def eclipse_bound(net: Network, method: str = "eclipse", backend: str = "auto",
                  time_limit: float | Deadline | None = None, options: dict | None = None,
                  layer_solver: str = "fo", max_iter: int = 2000) -> LipschitzBound:
    """ECLipsE (`method='eclipse'`) or ECLipsE-Fast (`'eclipse-fast'`) l2 bound of `net`,
    certified clique by clique (module docstring). ECLipsE's layer problem is solved by
    `layer_solver`: 'fo' (default: Adam on log lambda for the convex f(lambda) =
    lambda_max(W_k X(lambda)^{-1} W_k') = 1 / s, at most `max_iter` iterations from the Fast point, stopped at a plateau) or
    'sdp' (the layer SDP as an optlib Model on `backend`, 'auto' meaning scs at eps 1e-7;
    `options` go to its Model.solve). With a time limit the layers left once it has passed get the Fast choice."""
    t0 = time.perf_counter()
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if layer_solver not in ("fo", "sdp"):
        raise ValueError(f"layer_solver must be 'fo' or 'sdp', got {layer_solver!r}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
        raise ValueError(f"max_iter must be a positive integer, got {max_iter!r}")
    if layer_solver == "fo" and (options or backend not in ("auto", "numpy")):
        raise ValueError("backend and options apply to layer_solver='sdp'; the 'fo' layer solver runs in numpy")
    backend = "scs" if backend == "auto" else backend
    if layer_solver == "sdp" and backend == "scs" and not {"eps_abs", "eps_rel"} & set(options):
        options = {"eps_abs": 1e-7, "eps_rel": 1e-7, **options}   # SCS's 1e-4 loses ~10 % per layer
    options = dict(options or {})
    deadline = Deadline.of(time_limit)
    results: list[Any] = []
    state = {"limit": None}
    L = len(net.hidden)

    def choose(k: int, layer: _Layer, W_next: np.ndarray) -> tuple[np.ndarray, str]:
        lam_fast = _fast_lambda(layer)
        lam_sdp = None
        if method == "eclipse":
            if deadline.expired():
                state["limit"] = "time_limit"
            elif layer_solver == "fo":
                share = deadline.left(fraction=1.0 / (L - k)) if deadline.limited else None
                lam_sdp, _ = _fo_lambda(layer, W_next, lam_fast, max_iter=int(max_iter),
                                        stop_at=None if share is None else time.perf_counter() + share)
            else:
                lam_sdp, res = _sdp_lambda(layer, W_next, backend,
                                           deadline.left(fraction=1.0 / (L - k)) if deadline.limited else None,
                                           options)
                results.append(res)
        lam, how = _pick(layer, lam_sdp, lam_fast, lambda Xk: _capacity(Xk, W_next))
        return lam, (how.replace("sdp", "layer fo") if layer_solver == "fo" else how)

    out = certified_chain(net, method, choose, t0)
    changes: dict[str, Any] = {"result_": results[-1]} if results else {}
    if state["limit"]:
        changes.update(path=out.path + "; time limit reached: later layers took the Fast choice",
                       limit_reached=state["limit"])
    return dataclasses.replace(out, **changes) if changes else out


def certified_chain(net: Network, method: str, choose: Chooser, t0: float | None = None) -> LipschitzBound:
    """The bound from multipliers picked layer by layer by `choose(k, layer, W_next) -> (lambda,
    how)` on the 2^-e scaled weights, every clique matrix G_k formed again and checked (module
    docstring); unverified (the product of norms) when a layer fails."""
    t0 = time.perf_counter() if t0 is None else t0
    if len(net.weights) == 1:
        return spectral_part(net.weights[0], t0)
    alpha, beta = neuron_slopes(net)
    Ws, es = pow2_scale(list(net.weights))
    hidden = list(net.hidden)
    offs = np.concatenate([[0], np.cumsum(hidden)]).astype(int)
    L = len(hidden)
    X = np.eye(Ws[0].shape[1])
    lams: list[np.ndarray] = []
    lmins: list[float] = []
    kinds: dict[str, int] = {}
    repaired, failed = False, None
    t_solve = t_cert = 0.0
    c = c_star = math.nan
    for k in range(L):
        sl = slice(offs[k], offs[k + 1])
        layer = _Layer(X, Ws[k], alpha[sl], beta[sl])
        W_next = Ws[k + 1]
        t1 = time.perf_counter()
        lam, how = choose(k, layer, W_next)
        kinds[how.split(" (")[0]] = kinds.get(how.split(" (")[0], 0) + 1
        schur = layer.schur(lam)
        t_solve += time.perf_counter() - t1
        t1 = time.perf_counter()
        if schur is None:
            failed = f"hidden layer {k + 1}: Y is not positive definite"
            break
        if k < L - 1:
            smin = _lmin(schur)
            ok, lm = False, -math.inf
            for tau in (1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 0.5):
                delta = tau * smin
                Xk = schur - delta * np.eye(schur.shape[0])
                ok, lm, _ = clique_check(layer.G(lam, np.diag(2.0 * lam) - Xk))
                if ok:
                    repaired = repaired or tau > 1e-6
                    break
            t_cert += time.perf_counter() - t1
            lams.append(lam)
            lmins.append(lm)
            if not ok or smin <= 0:
                failed = f"hidden layer {k + 1}: clique matrix not positive definite (lambda_min {lm:.3g})"
                break
            X = Xk
        else:
            c_star = 1.0 / _capacity(schur, W_next) if _capacity(schur, W_next) > 0 else math.inf
            lams.append(lam)
            if not math.isfinite(c_star):
                failed = f"hidden layer {k + 1}: last Schur complement not positive definite"
                break
            c = c_star * (1.0 + 1e-9)
            step = 1e-8
            WtW = W_next.T @ W_next
            for _ in range(60):
                ok, lm, _ = clique_check(layer.G(lam, np.diag(2.0 * lam) - WtW / c))
                if ok:
                    break
                c *= 1.0 + step
                step *= 4.0
                repaired = True
            lmins.append(lm)
            t_cert += time.perf_counter() - t1
            if not ok:
                failed = f"last hidden layer: clique matrix not positive definite (lambda_min {lm:.3g})"
    scale = 2.0 ** int(es.sum())
    counts = ", ".join(f"{v} {k}" for k, v in kinds.items())
    path = (f"{method}: {L} layer-wise steps ({counts}), each clique of order n_k-1 + n_k checked by eigvalsh; "
            f"weights scaled by 2^-e (sum e = {int(es.sum())}); solve {t_solve:.2f} s, certificate {t_cert:.2f} s")
    stages = {"solve": t_solve, "certify": t_cert}
    if failed is not None:
        cert = LMICertificate(False, tuple(-v for v in lmins), repaired, None, None, 0.0, failed)
        return LipschitzBound(value=net.naive_bound(), method=f"{method} (not verified: product of norms)",
                              norm="l2", certificate=cert, path=path + f"; {failed}; value is the product of norms",
                              time=time.perf_counter() - t0, stage_times=stages)
    value = math.sqrt(c) * scale
    rho_solver = c_star * scale ** 2
    lam_all = np.concatenate(lams)
    rho_orig, lam_orig, _ = unscale(np.ldexp(1.0, es), hidden, c, lam_all * c, None)
    cert = LMICertificate(True, tuple(-v for v in lmins), repaired, rho_solver, value ** 2,
                          value ** 2 - rho_solver,
                          f"{L} clique matrices G_k >= 8 n eps ||G_k||_1 (eigvalsh); "
                          f"min lambda_min(G_k) = {min(lmins):.3g}")
    multipliers = {"rho": rho_orig, "lambda": [lam_orig[offs[k]:offs[k + 1]] for k in range(L)],
                   "scale_exponents": es}
    return LipschitzBound(value=value, method=method, norm="l2", certificate=cert, multipliers=multipliers,
                          path=path, time=time.perf_counter() - t0, stage_times=stages)
