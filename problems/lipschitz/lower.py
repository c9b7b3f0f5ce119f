"""Lower bounds on the Lipschitz constant from Jacobians at sampled and optimised inputs.

For any input x where f is differentiable, ||J(x)|| <= L (the Lipschitz constant in the
matching operator norm: spectral for l2, max absolute row sum for l_inf), so the largest
Jacobian norm found is a valid lower bound; Jordan & Dimakis (NeurIPS 2020) show that for
ReLU networks the supremum over such points *is* L. We sample inputs at several scales
(and x = 0), then run normalised gradient ascent from the best few on a smoothed
surrogate: sigma(x) = u' J_t(x) v with (u, v) the top singular pair of J_t(x), where J_t
replaces a kinked derivative (ReLU, leaky ReLU) by a sigmoid of width t (annealed) and
keeps the exact derivative of smooth activations. The gradient of the surrogate is
computed exactly by one forward and one backward pass (numpy only). Every candidate is
scored with the *exact* Jacobian of the network, so the reported value never depends on
the surrogate; accepted random perturbations of the incumbent add a derivative-free
search (useful where the surrogate is flat).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from optlib import Deadline

from .activations import SPECS
from .network import Activation, Network, as_network


def _layer_backprop(act: Activation, z: np.ndarray, J: np.ndarray) -> np.ndarray:
    """J @ dphi/dz(z) for a batch: J (B, m, n), z (B, n)."""
    if act.elementwise:
        return J * act.derivative(z)[:, None, :]
    if act.name in ("groupsort", "maxmin"):
        g = act.group_size
        B, n = z.shape
        order = np.argsort(z.reshape(B, n // g, g), axis=2, kind="stable")
        src = (order + (np.arange(n // g) * g)[None, :, None]).reshape(B, n)   # h_i = z_src[i]
        out = np.zeros_like(J)
        for b in range(B):
            out[b][:, src[b]] = J[b]
        return out
    raise ValueError(f"no Jacobian for activation {act.name!r}")


def jacobians(net: Network, X: np.ndarray) -> np.ndarray:
    """df/dx at each row of X: shape (batch, n_out, n_0); built from the output side, so the
    cost is n_out x (n_k n_{k+1}) per layer (slope-restricted and GroupSort/MaxMin)."""
    X = np.atleast_2d(np.asarray(X, dtype=float))
    zs, h = [], X
    for k, W in enumerate(net.weights[:-1]):
        z = h @ W.T + (net.biases[k] if net.biases else 0.0)
        zs.append(z)
        h = net.activations[k](z)
    J = np.broadcast_to(net.weights[-1], (X.shape[0],) + net.weights[-1].shape)
    for k in range(len(zs) - 1, -1, -1):
        J = _layer_backprop(net.activations[k], zs[k], J) @ net.weights[k]
    return np.array(J)


def jacobian(net: Network, x: np.ndarray) -> np.ndarray:
    """df/dx at one input x (slope-restricted activations and GroupSort/MaxMin)."""
    return jacobians(net, np.asarray(x, dtype=float).reshape(1, -1))[0]


def operator_norms(J: np.ndarray, norm: str = "l2") -> np.ndarray:
    """Batched ||J_b||_2 or ||J_b||_inf for J of shape (batch, m, n)."""
    if norm == "l2":
        return np.linalg.svd(J, compute_uv=False)[:, 0] if J.size else np.zeros(J.shape[0])
    if norm == "linf":
        return np.abs(J).sum(axis=2).max(axis=1) if J.size else np.zeros(J.shape[0])
    raise ValueError(f"norm must be 'l2' or 'linf', got {norm!r}")


def operator_norm(J: np.ndarray, norm: str = "l2") -> float:
    """||J||_2 (largest singular value) or ||J||_inf (largest absolute row sum)."""
    if norm == "l2":
        return float(np.linalg.norm(J, 2)) if J.size else 0.0
    if norm == "linf":
        return float(np.abs(J).sum(axis=1).max()) if J.size else 0.0
    raise ValueError(f"norm must be 'l2' or 'linf', got {norm!r}")


def _smooth_derivs(act: Activation, z: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray]:
    """(phi'_t, phi''_t) of the surrogate: each jump of phi' (ReLU, leaky ReLU, ELU with
    alpha != 1, hardtanh, ...) replaced by a sigmoid of width t; smooth activations exact."""
    if act.name not in SPECS:
        raise ValueError(f"no smooth surrogate for activation {act.name!r}")
    return SPECS[act.name].smooth(z, act.params, t)


def _evaluable(act: Activation) -> bool:
    return act.elementwise or act.name in ("groupsort", "maxmin")


def _surrogate_grad(net: Network, x: np.ndarray, temps: list[float], norm: str) -> np.ndarray:
    """Gradient in x of u' J_t(x) v (u, v fixed at the top singular pair of J_t(x))."""
    zs, h = [], x
    for k, W in enumerate(net.weights[:-1]):
        z = W @ h + (net.biases[k] if net.biases else 0.0)
        zs.append(z)
        h = net.activations[k](z)
    d1, d2 = zip(*(_smooth_derivs(net.activations[k], zs[k], temps[k]) for k in range(len(zs))))
    J = net.weights[-1]
    for k in range(len(zs) - 1, -1, -1):
        J = (J * d1[k]) @ net.weights[k]
    if norm == "l2":
        U, _, Vt = np.linalg.svd(J, full_matrices=False)
        u, v = U[:, 0], Vt[0]
    else:
        i = int(np.argmax(np.abs(J).sum(axis=1)))
        u = np.zeros(J.shape[0])
        u[i] = 1.0
        v = np.sign(J[i])
    # forward tangents p_k = dz_k along v, backward covectors r_k at the output of layer k
    p, ps = v, []
    for k, W in enumerate(net.weights[:-1]):
        p = W @ p
        ps.append(p)
        p = d1[k] * p
    r = net.weights[-1].T @ u
    rs = [None] * len(zs)
    for k in range(len(zs) - 1, -1, -1):
        rs[k] = r
        r = net.weights[k].T @ (d1[k] * r)
    g = [rs[k] * ps[k] * d2[k] for k in range(len(zs))]
    delta = g[-1]                                    # covector on the last pre-activation
    for k in range(len(zs) - 2, -1, -1):
        delta = g[k] + (net.weights[k + 1].T @ delta) * net.activations[k].derivative(zs[k])
    return net.weights[0].T @ delta


def gradient_lower_bound(net: Any, n_samples: int = 4096, steps: int = 100, seed: int | None = 0,
                         norm: str = "l2", scale: float = 1.0, top: int = 8, activation: Any = "relu",
                         return_point: bool = False,
                         time_limit: float | Deadline | None = None) -> float | tuple[float, np.ndarray]:
    """Largest ||J(x)|| found by sampling `n_samples` inputs (Gaussian, radii scale x {0.1, 1,
    10}, plus x = 0) and `steps` steps of normalised gradient ascent and random perturbation
    from the `top` best; a valid lower bound on the Lipschitz constant in `norm`.

    `time_limit` (seconds or an optlib.Deadline) stops the sampling after the batch of 256
    inputs that passes it, and the ascent after the step that passes it; the best norm found
    so far is returned (still a valid lower bound, possibly a weaker one)."""
    deadline = Deadline.of(time_limit)
    net = as_network(net, activation)
    if norm not in ("l2", "linf"):
        raise ValueError(f"norm must be 'l2' or 'linf', got {norm!r}")
    for k, act in enumerate(net.activations):
        if not _evaluable(act):
            raise ValueError(f"gradient_lower_bound cannot evaluate activation {act.name!r} (hidden layer {k})")
    if isinstance(n_samples, bool) or int(n_samples) < 1 or int(steps) < 0:
        raise ValueError("n_samples must be >= 1 and steps >= 0")
    rng = np.random.default_rng(seed)
    n0 = net.dims[0]
    if len(net.weights) == 1:                        # linear map: the bound is exact
        value = operator_norm(net.weights[0], norm)
        return (value, np.zeros(n0)) if return_point else value
    radii = scale * np.array([0.1, 1.0, 10.0])
    X = rng.standard_normal((int(n_samples), n0)) * radii[np.arange(int(n_samples)) % 3][:, None]
    X[0] = 0.0

    def score(x: np.ndarray) -> float:
        return operator_norm(jacobian(net, x), norm)

    batches = []
    for i in range(0, len(X), 256):
        batches.append(operator_norms(jacobians(net, X[i:i + 256]), norm))
        if deadline.expired():
            break
    vals = np.concatenate(batches)
    order = np.argsort(vals)[::-1][:max(1, int(top))]
    best_val, best_x = float(vals[order[0]]), X[order[0]].copy()
    smooth = all(a.elementwise for a in net.activations)
    # per-layer widths of the pre-activations, for the surrogate temperature
    Z = X
    spreads = []
    for k, W in enumerate(net.weights[:-1]):
        Z = Z @ W.T + (net.biases[k] if net.biases else 0.0)
        spreads.append(float(np.std(Z)) or 1.0)
        Z = net.activations[k](Z)
    for idx in order:
        if deadline.expired():
            break
        x = X[idx].copy()
        if not np.any(x):
            x = rng.standard_normal(n0) * scale * 1e-3
        cur = score(x)
        for it in range(int(steps)):
            if deadline.expired():
                break
            frac = it / max(int(steps) - 1, 1)
            radius = max(float(np.linalg.norm(x)), 1e-12)
            if smooth:
                temps = [s * (0.3 * (1 - frac) + 0.01 * frac) for s in spreads]
                g = _surrogate_grad(net, x, temps, norm)
                gn = float(np.linalg.norm(g))
                if gn > 0 and np.isfinite(gn):
                    cand = x + (0.1 * (1 - frac) + 0.005) * radius * g / gn
                    val = score(cand)
                    if val >= cur or frac < 0.5:   # follow the surrogate early, then only improve
                        x, cur = cand, val
            cand = x + (0.05 * (1 - frac) + 0.002) * radius * rng.standard_normal(n0) / np.sqrt(n0)
            val = score(cand)
            if val > cur:
                x, cur = cand, val
            if cur > best_val:
                best_val, best_x = cur, x.copy()
    return (best_val, best_x) if return_point else best_val
