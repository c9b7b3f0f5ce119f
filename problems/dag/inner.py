"""The inner problem of TOPO: fit one node on an allowed parent set.

l2:       min_w 1/(2n) ||x_j - X_P w||^2 + lambda1 ||w||_1, sign constraints w_k >= 0 / <= 0.
          Closed form (least squares on G = X'X/n) when lambda1 = 0 and no sign applies;
          otherwise an optlib Model: ||R w||^2 <= s as the cone ||(2 R w, s - 1)|| <= s + 1
          (G_PP = R'R), objective s/2 - g'w + G_jj/2 + lambda1 sum(u), -u <= w <= u.
logistic: min_w 1/n sum log(1 + e^{X_P w}) - x_j'X_P w + lambda1 ||w||_1 by L-BFGS-B on
          w = p - q, p, q >= 0 (a sign fixes p = 0 or q = 0).
A solve that ends FEASIBLE (e.g. Clarabel's reduced accuracy) is used only when optlib verified its
certificate and the certified gap on node j's term of the score is <= GAP_TOL. Fits are cached
by (node, parent set), so a swap only pays for the nodes it moves. With a `deadline`, each
optlib solve gets the time left (at least FLOOR seconds); a solve stopped by that limit raises
`TimeUp`, which the search catches (it then keeps its last complete order).
"""
from __future__ import annotations

import numpy as np
import scipy.optimize as sopt

import optlib

from .score import gram

INNERS = ("auto", "lstsq", "optlib")
GAP_TOL = 1e-6          # a FEASIBLE inner solve is accepted when its certified gap is below this
FLOOR = 0.05            # seconds an inner solve gets even when the deadline is (nearly) spent


class TimeUp(Exception):
    """An inner solve was stopped by the time limit before it was solved to optimality."""


class NodeFitter:
    """Best weights of node j on parents P and their share of the score, cached."""

    def __init__(self, X: np.ndarray, loss: str = "l2", lambda1: float = 0.0, signs: np.ndarray | None = None,
                 inner: str = "auto", backend: str = "auto", deadline: optlib.Deadline | None = None,
                 options: dict | None = None):
        self.X, self.loss, self.lambda1, self.inner, self.backend = X, loss, float(lambda1), inner, backend
        self.deadline, self.options = deadline, dict(options or {})
        self.G = gram(X)
        d = X.shape[1]
        self.signs = np.zeros((d, d)) if signs is None else signs
        self.cache: dict[tuple[int, tuple[int, ...]], tuple[np.ndarray, float]] = {}
        self.results: dict[tuple[int, tuple[int, ...]], optlib.Result] = {}     # the optlib solves, by key
        self.n_solves = 0

    def fit(self, j: int, parents: tuple[int, ...]) -> tuple[np.ndarray, float]:
        """(w, loss_j): weights on `parents` (sorted tuple) and node j's term of the score."""
        key = (j, parents)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        self.n_solves += 1
        P = list(parents)
        if self.loss == "logistic":
            out = self._logistic(j, P)
        elif not P:
            out = (np.zeros(0), 0.5 * self.G[j, j])
        elif self.inner == "optlib" or self.lambda1 > 0 or np.any(self.signs[P, j] != 0):
            out, self.results[key] = self._optlib(j, P)
        else:
            out = self._lstsq(j, P)
        self.cache[key] = out
        return out

    def _l2_value(self, j: int, P: list[int], w: np.ndarray) -> float:
        g, Gpp = self.G[P, j], self.G[np.ix_(P, P)]
        return float(0.5 * (self.G[j, j] - 2 * g @ w + w @ Gpp @ w) + self.lambda1 * np.abs(w).sum())

    def _lstsq(self, j: int, P: list[int]) -> tuple[np.ndarray, float]:
        Gpp, g = self.G[np.ix_(P, P)], self.G[P, j]
        try:
            w = np.linalg.solve(Gpp, g)
        except np.linalg.LinAlgError:
            w = np.linalg.lstsq(Gpp, g, rcond=None)[0]
        return w, self._l2_value(j, P, w)

    def _optlib(self, j: int, P: list[int]) -> tuple[tuple[np.ndarray, float], optlib.Result]:
        Gpp, g = self.G[np.ix_(P, P)], self.G[P, j]
        evals, evecs = np.linalg.eigh(Gpp)
        R = np.sqrt(np.clip(evals, 0.0, None))[:, None] * evecs.T          # R'R = G_PP
        sg = self.signs[P, j]
        m = optlib.Model(f"node{j}")
        w = m.continuous(len(P), lb=np.where(sg > 0, 0.0, -np.inf), ub=np.where(sg < 0, 0.0, np.inf), name="w")
        s = m.continuous(lb=0.0, name="s")
        m.add(optlib.norm2(optlib.hstack([2.0 * (R @ w), s - 1.0])) <= s + 1.0, name="square")
        objective = 0.5 * s - g @ w
        if self.lambda1 > 0:
            u = m.continuous(len(P), lb=0.0, name="u")
            m.add(w <= u, name="abs_pos")
            m.add(-1.0 * w <= u, name="abs_neg")
            objective = objective + self.lambda1 * u.sum()
        m.minimize(objective)
        limit = None if self.deadline is None else self.deadline.left(floor=FLOOR)
        res = m.solve(backend=self.backend, time_limit=limit, **self.options)
        # the gap is measured on node j's term of the score (the model's objective + G_jj / 2): the
        # model's objective alone can be near 0, where its relative gap says nothing
        c = 0.5 * float(self.G[j, j])
        near = (res.status == optlib.Status.FEASIBLE and res.certificate is not None and res.certificate.verified
                and res.objective is not None
                and optlib.relative_gap(res.objective + c, res.bound + c) <= GAP_TOL)
        if res.status != optlib.Status.OPTIMAL and not near:     # e.g. "reduced accuracy", bound certified
            if limit is not None and (res.limit_reached == "time_limit" or self.deadline.expired()):
                # stopped by the limit, or optlib's refining re-solve skipped for lack of time
                raise TimeUp(f"inner problem of node {j} stopped by the time limit")
            raise RuntimeError(f"inner problem of node {j} on parents {P} ended {res.status.name} "
                               f"on backend {res.backend.name}")
        wv = np.asarray(res[w], dtype=float).ravel()
        wv = np.where(sg > 0, np.maximum(wv, 0.0), np.where(sg < 0, np.minimum(wv, 0.0), wv))
        return (wv, self._l2_value(j, P, wv)), res

    def _logistic(self, j: int, P: list[int]) -> tuple[np.ndarray, float]:
        X, y, n, k = self.X, self.X[:, j], self.X.shape[0], len(P)
        if k == 0:
            return np.zeros(0), float(np.sum(np.logaddexp(0.0, 0.0) - 0.0 * y) / n)
        A, lam = X[:, P], self.lambda1

        def f(z: np.ndarray) -> tuple[float, np.ndarray]:
            w = z[:k] - z[k:]
            M = A @ w
            val = np.sum(np.logaddexp(0.0, M) - y * M) / n + lam * z.sum()
            gw = A.T @ (1.0 / (1.0 + np.exp(-M)) - y) / n
            return float(val), np.concatenate([gw + lam, -gw + lam])

        sg = self.signs[P, j]
        bounds = [(0.0, 0.0 if s < 0 else None) for s in sg] + [(0.0, 0.0 if s > 0 else None) for s in sg]
        sol = sopt.minimize(f, np.zeros(2 * k), jac=True, method="L-BFGS-B", bounds=bounds)
        w = sol.x[:k] - sol.x[k:]
        M = A @ w
        return w, float(np.sum(np.logaddexp(0.0, M) - y * M) / n + lam * np.abs(w).sum())
