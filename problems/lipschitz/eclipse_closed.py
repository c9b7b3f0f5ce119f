"""ECLipsE-Fast generalised: closed-form diagonal multipliers for the layer chain of `eclipse.py`.

After Syed and Hu, "Improved Scalable Lipschitz Bounds for Deep Neural Networks" (2025,
arXiv 2503.14297): more general closed-form feasible points of LipSDP than ECLipsE-Fast's
Lambda_k = lambda I, combined. The paper's full text was not available to us; the three
parameterisations below are those a public implementation attributes to it (its Theorem 1 and
Eq. 9); the feasibility argument of each is ours (below) and every bound is certified here, so
nothing rests on that attribution. Our own code.

Layer k (hidden, slopes a <= phi' <= b, S = diag(a + b)) with Gamma_k = S W_k X_{k-1}^{-1} W_k' S
has the Schur complement X_k = 2 Lambda - Lambda Gamma_k Lambda = Lambda (2 Lambda^{-1} - Gamma_k) Lambda
when a b = 0, positive definite iff Gamma_k < 2 Lambda^{-1}. Each family makes that hold by
construction for its parameter c:

* ``spectral``:   Lambda = c / lambda_max(Gamma) I,  0 < c < 2  (c = 1 is ECLipsE-Fast);
* ``gershgorin``: Lambda_ii = c / sum_j |Gamma_ij|,  0 < c < 2  (2 Lambda^{-1} - Gamma is then
  strictly diagonally dominant with a positive diagonal);
* ``shift``:      Lambda_ii = 1 / (Gamma_ii / 2 + c ||R||_2), R = Gamma / 2 - diag(Gamma) / 2, c > 1
  (2 Lambda^{-1} - Gamma = 2 (c ||R|| I - R)).

With a b != 0 the same Lambda is used and the true Schur complement (with Y = X_{k-1} + 2 W' P
Lambda W, `eclipse._Layer`) decides: for a b > 0, Y >= X_{k-1} keeps it feasible; for a b < 0
a chain that fails is dropped. The method ``eclipse-closed``: per family, one c for all layers
chosen by a golden-section search on the end bound sqrt(lambda_max(W_l X_{l-1}^{-1} W_l')) of
an uncertified float64 chain; the best chain (ECLipsE-Fast among the candidates, so the result
is never above it before the certificate) is run again through `eclipse.certified_chain`
(every clique matrix formed again and checked by eigvalsh with a margin); if its certificate
fails the next best is tried.
"""
from __future__ import annotations

import dataclasses
import math
import time
from typing import Callable

import numpy as np
import scipy.linalg as sla

from optlib import Deadline

from .bound import LipschitzBound, spectral_part
from .eclipse import _fast_lambda, _Layer, certified_chain, pow2_scale
from .golden import golden_min
from .lipsdp_matrices import neuron_slopes
from .network import Network

FAMILIES = {"spectral": (1.0, 1.98), "gershgorin": (1.0, 1.98), "shift": (1.02, 4.0)}
__all__ = ["FAMILIES", "closed_form_lambda", "eclipse_closed_bound"]


def _gamma(layer: _Layer) -> np.ndarray | None:
    """Gamma = S W X_{k-1}^{-1} W' S (None when X_{k-1} is not positive definite)."""
    try:
        R = np.linalg.cholesky(layer.X_prev)
    except np.linalg.LinAlgError:
        return None
    Z = sla.solve_triangular(R, layer.W.T * layer.s, lower=True)
    G = Z.T @ Z
    return 0.5 * (G + G.T)


def closed_form_lambda(family: str, c: float, G: np.ndarray) -> np.ndarray:
    """The multipliers of `family` ('spectral', 'gershgorin', 'shift') with parameter `c` for
    Gamma = `G` (module docstring); neurons with a zero row of Gamma get the largest value."""
    n = G.shape[0]
    if family == "spectral":
        top = float(sla.eigvalsh(G, subset_by_index=[n - 1, n - 1])[0]) if n else 0.0
        return np.full(n, c / top if top > 0 else 1.0)
    if family == "gershgorin":
        r = np.abs(G).sum(axis=1)
    elif family == "shift":
        d = 0.5 * np.diag(G)
        R = 0.5 * G - np.diag(d)
        ev = np.linalg.eigvalsh(R) if n else np.zeros(1)
        r = d + c * float(np.abs(ev).max())
        c = 1.0
    else:
        raise ValueError(f"family must be one of {', '.join(FAMILIES)}, got {family!r}")
    top = float(r.max()) if n else 0.0
    if top <= 0:
        return np.ones(n)
    return c / np.maximum(r, 1e-12 * top)


Rule = Callable[[_Layer, "np.ndarray | None"], "np.ndarray | None"]


def _rule(family: str, c: float) -> Rule:
    """lambda for a layer from its Gamma (None: X_{k-1} not positive definite)."""
    def rule(layer: _Layer, G: np.ndarray | None) -> np.ndarray | None:
        if family == "fast":
            return _fast_lambda(layer)
        return None if G is None else closed_form_lambda(family, c, G)
    return rule


def _chain_value(Ws: list[np.ndarray], alpha: np.ndarray, beta: np.ndarray, offs: np.ndarray,
                 rule: Rule) -> float:
    """log of the end bound of the chain picked by `rule` (float64, no certificate; inf when a
    Schur complement is not positive definite)."""
    X = np.eye(Ws[0].shape[1])
    for k in range(len(Ws) - 1):
        sl = slice(offs[k], offs[k + 1])
        layer = _Layer(X, Ws[k], alpha[sl], beta[sl])
        G = _gamma(layer)
        lam = rule(layer, G)
        if G is None or lam is None or not np.all(np.isfinite(lam)):
            return math.inf
        if np.any(layer.p):
            X = layer.schur(lam)
            if X is None:
                return math.inf
        else:                                     # a b = 0: X_k = 2 Lambda - Lambda Gamma Lambda
            X = np.diag(2.0 * lam) - lam[:, None] * G * lam[None, :]
    try:
        R = np.linalg.cholesky(X)
    except np.linalg.LinAlgError:
        return math.inf
    Z = sla.solve_triangular(R, Ws[-1].T, lower=True)
    n = Z.shape[1]
    top = float(sla.eigvalsh(Z.T @ Z, subset_by_index=[n - 1, n - 1])[0])
    return 0.5 * math.log(top) if top > 0 else -math.inf


def eclipse_closed_bound(net: Network, time_limit: float | Deadline | None = None,
                         search_steps: int = 10) -> LipschitzBound:
    """Certified l2 bound from the best closed-form chain (module docstring): per family a
    golden-section search of `search_steps` steps over its parameter c, beside ECLipsE-Fast.
    With a time limit the search stops where it is and the best chain so far is certified."""
    t0 = time.perf_counter()
    if isinstance(search_steps, bool) or not isinstance(search_steps, (int, np.integer)) or search_steps < 0:
        raise ValueError(f"search_steps must be a non-negative integer, got {search_steps!r}")
    deadline = Deadline.of(time_limit)
    if len(net.weights) == 1:
        return spectral_part(net.weights[0], t0)
    alpha, beta = neuron_slopes(net)
    Ws, es = pow2_scale(list(net.weights))
    log_scale = float(es.sum()) * math.log(2.0)
    offs = np.concatenate([[0], np.cumsum(list(net.hidden))]).astype(int)
    found: dict[tuple[str, float], float] = {("fast", 1.0): _chain_value(Ws, alpha, beta, offs, _rule("fast", 1.0))}
    limit = None
    for family, (lo, hi) in FAMILIES.items():
        if deadline.expired():
            limit = "time_limit"
            break

        def f(c: float, family: str = family) -> float:
            if deadline.expired():
                return math.inf
            v = _chain_value(Ws, alpha, beta, offs, _rule(family, c))
            found[(family, c)] = v
            return v

        golden_min(f, lo, hi, int(search_steps))
    t_search = time.perf_counter() - t0
    ranked = sorted((v, k) for k, v in found.items() if math.isfinite(v))
    tried = []
    out = None
    for v, (family, c) in ranked[:3] + ([] if any(k[0] == "fast" for _, k in ranked[:3]) else [(0.0, ("fast", 1.0))]):
        rule = _rule(family, c)
        name = "fast" if family == "fast" else f"{family} c = {c:.4g}"
        out = certified_chain(net, "eclipse-closed", lambda k, layer, W_next, rule=rule, name=name: (rule(layer, _gamma(layer)), name), t0)
        tried.append(name)
        if out.verified:
            break
    assert out is not None
    summary = ", ".join(f"{fam}: {math.exp(log_scale + min(v for (g, _), v in found.items() if g == fam)):.6g}"
                        for fam in ("fast",) + tuple(FAMILIES)
                        if any(g == fam and math.isfinite(v) for (g, _), v in found.items()))
    path = (out.path + f"; search {t_search:.2f} s over {len(found)} chains (best uncertified value per family: "
            f"{summary}); certified: {tried[-1]}")
    return dataclasses.replace(out, path=path, time=time.perf_counter() - t0, limit_reached=limit)
