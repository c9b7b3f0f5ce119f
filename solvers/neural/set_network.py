"""The Neur2RO set network with numpy weights: forward pass and MIP pieces (no torch needed).

    V(x, xi) = rho([phi_x(sum_i a_x([x_i, f_i])), phi_xi(sum_i a_xi([u_i, f_i]))])

For binary x_i the item net takes two values, so sum_i a_x([x_i, f_i]) = G0 + D'x is affine in x
(exact, no binaries); the rest is embedded with `embed_relu_network` (big-M, interval bounds).
If the scenario net's input width is 2k + d (k = item view width, d = features), it sees
[u_i, x_i u_i, f_i] (x-xi interaction); for a fixed scenario that sum is again G0 + D'x.
"""
from __future__ import annotations

from typing import Any

import numpy as np

import optlib

from .relu_mip import embed_relu_network, forward, interval_bounds

PARTS = ("x_item", "x_post", "xi_item", "xi_post", "value")


def check_parts(parts: dict) -> dict:
    """Validate {part: ([(W, b), ...], activations)} for the five parts of the set network."""
    if not isinstance(parts, dict) or set(parts) != set(PARTS):
        raise ValueError(f"parts must be a dict with keys {PARTS}")
    for name, val in parts.items():
        if not isinstance(val, (list, tuple)) or len(val) != 2:
            raise ValueError(f"parts[{name!r}] must be (layers, activations)")
        interval_bounds(val[0], np.zeros(val[0][0][0].shape[1]), np.zeros(val[0][0][0].shape[1]), val[1])
    return parts


def _out_bounds(layers: Any, acts: list[str], lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    L, U = interval_bounds(layers, lo, hi, acts)[-1]
    return (np.maximum(L, 0), np.maximum(U, 0)) if acts[-1] == "relu" else (L, U)


def interacts(parts: dict, u_width: int, n_feats: int) -> bool:
    """True if the scenario item net takes [u_i, x_i u_i, f_i] (input width 2k + d), not [u_i, f_i]."""
    width = parts["xi_item"][0][0][0].shape[1]
    if width not in (u_width + n_feats, 2 * u_width + n_feats):
        raise ValueError(f"scenario item net has input width {width}, expected {u_width + n_feats} or "
                         f"{2 * u_width + n_feats} for item views of width {u_width} and {n_feats} features")
    return width == 2 * u_width + n_feats and u_width > 0


def _xi_inputs(parts: dict, x: Any, feats: np.ndarray, u: np.ndarray) -> np.ndarray:
    u = np.asarray(u, dtype=float)
    if interacts(parts, u.shape[1], feats.shape[1]):
        if x is None:
            raise ValueError("this network's scenario part depends on x (x-xi interaction): pass x")
        return np.column_stack([u, np.asarray(x, dtype=float)[:, None] * u, feats])
    return np.column_stack([u, feats])


def value(parts: dict, x: np.ndarray, feats: np.ndarray, u: np.ndarray) -> float:
    """V(x, xi) for one instance: x (n,), feats (n, d) scaled, u (n, k) item views of xi."""
    hx = _fwd(parts, "x_item", np.column_stack([x, feats])).sum(axis=0)
    hu = _fwd(parts, "xi_item", _xi_inputs(parts, x, feats, u)).sum(axis=0)
    z = np.concatenate([_fwd(parts, "x_post", hx[None])[0], _fwd(parts, "xi_post", hu[None])[0]])
    return float(_fwd(parts, "value", z[None])[0, 0])


def item_outputs(parts: dict, item: str, x: np.ndarray, feats: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Per-item outputs (n, width) of the item net `item` ('x_item' or 'xi_item') before the sum."""
    if item == "x_item":
        return _fwd(parts, item, np.column_stack([x, feats]))
    return _fwd(parts, item, _xi_inputs(parts, x, feats, u))


def post_outputs(parts: dict, name: str, inputs: np.ndarray) -> np.ndarray:
    """Rows of `inputs` through the part `name` ('x_post', 'xi_post' or 'value')."""
    return _fwd(parts, name, np.atleast_2d(inputs))


def _fwd(parts: dict, name: str, inputs: np.ndarray) -> np.ndarray:
    layers, acts = parts[name]
    return forward(layers, inputs, list(acts))


def _p(parts: dict, name: str) -> tuple[Any, list[str]]:
    layers, acts = parts[name]
    return layers, list(acts)


def x_embedding_constant(parts: dict, x: np.ndarray, feats: np.ndarray) -> np.ndarray:
    hx = _fwd(parts, "x_item", np.column_stack([x, feats])).sum(axis=0)
    return _fwd(parts, "x_post", hx[None])[0]


def xi_embedding_constant(parts: dict, feats: np.ndarray, u: np.ndarray, x: np.ndarray | None = None) -> np.ndarray:
    """phi_xi(sum_i a_xi(.)) at a fixed scenario (and fixed x when the network has the interaction)."""
    hu = _fwd(parts, "xi_item", _xi_inputs(parts, x, feats, u)).sum(axis=0)
    return _fwd(parts, "xi_post", hu[None])[0]


def _embed_binary_sum(model: optlib.Model, parts: dict, item: str, post: str, x_var: Any, inp0: np.ndarray,
                      inp1: np.ndarray, name: str) -> tuple[Any, np.ndarray, np.ndarray]:
    """phi(sum_i a(x_i ? inp1_i : inp0_i)) for binary x: the sum is G0 + D'x exactly."""
    layers, acts = _p(parts, item)
    g0, g1 = forward(layers, inp0, acts), forward(layers, inp1, acts)
    D = g1 - g0
    s = D.T @ x_var + g0.sum(axis=0)
    lo = g0.sum(axis=0) + np.minimum(D, 0).sum(axis=0)
    hi = g0.sum(axis=0) + np.maximum(D, 0).sum(axis=0)
    pl, pacts = _p(parts, post)
    emb = embed_relu_network(model, s, pl, lo, hi, pacts, name=name)
    return (emb,) + _out_bounds(pl, pacts, lo, hi)


def embed_x(model: optlib.Model, parts: dict, x_var: Any, feats: np.ndarray,
            name: str = "xemb") -> tuple[Any, np.ndarray, np.ndarray]:
    """phi_x(sum_i a_x([x_i, f_i])) for a binary vector variable x: (expression, lower, upper)."""
    n = feats.shape[0]
    return _embed_binary_sum(model, parts, "x_item", "x_post", x_var, np.column_stack([np.zeros(n), feats]),
                             np.column_stack([np.ones(n), feats]), name)


def embed_xi_fixed_scenario(model: optlib.Model, parts: dict, x_var: Any, feats: np.ndarray, u: np.ndarray,
                            name: str = "xifix") -> tuple[Any, np.ndarray, np.ndarray]:
    """phi_xi(sum_i a_xi([u_i, x_i u_i, f_i])) at a fixed scenario for a binary x (interaction networks)."""
    u = np.asarray(u, dtype=float)
    if not interacts(parts, u.shape[1], feats.shape[1]):
        e = xi_embedding_constant(parts, feats, u)
        return e, e, e
    return _embed_binary_sum(model, parts, "xi_item", "xi_post", x_var, np.column_stack([u, 0 * u, feats]),
                             np.column_stack([u, u, feats]), name)


def embed_xi(model: optlib.Model, parts: dict, u_exprs: list, u_lo: np.ndarray, u_hi: np.ndarray,
             feats: np.ndarray, name: str = "xiemb", u_start: np.ndarray | None = None,
             warm_start: dict | None = None, x: np.ndarray | None = None) -> tuple[Any, np.ndarray, np.ndarray]:
    """phi_xi(sum_i a_xi([u_i, f_i])) with u_i affine expressions in [u_lo_i, u_hi_i]: (expression, lower, upper).

    With `u_start` (n, k), the values of the new variables there go into `warm_start`.  Networks with the
    x-xi interaction need the fixed first stage `x` (inputs [u_i, x_i u_i, f_i])."""
    layers, acts = _p(parts, "xi_item")
    u_lo, u_hi = np.asarray(u_lo, dtype=float), np.asarray(u_hi, dtype=float)
    if interacts(parts, u_lo.shape[1], feats.shape[1]):
        if x is None:
            raise ValueError("this network's scenario part depends on x (x-xi interaction): pass x")
        xs = np.asarray(x, dtype=float)
        u_exprs = [optlib.hstack([u, float(xs[i]) * u]) for i, u in enumerate(u_exprs)]
        u_lo, u_hi = np.column_stack([u_lo, xs[:, None] * u_lo]), np.column_stack([u_hi, xs[:, None] * u_hi])
        if u_start is not None:
            u_start = np.column_stack([u_start, xs[:, None] * np.asarray(u_start, dtype=float)])
    total, lo, hi = 0.0, 0.0, 0.0
    for i, u in enumerate(u_exprs):
        inp = optlib.hstack([u, feats[i]])
        ilo, ihi = np.concatenate([u_lo[i], feats[i]]), np.concatenate([u_hi[i], feats[i]])
        s0 = None if u_start is None else np.concatenate([u_start[i], feats[i]])
        total = total + embed_relu_network(model, inp, layers, ilo, ihi, acts, name=f"{name}_item{i}",
                                           start=s0, warm_start=warm_start)
        olo, ohi = _out_bounds(layers, acts, ilo, ihi)
        lo, hi = lo + olo, hi + ohi
    post, pacts = _p(parts, "xi_post")
    s0 = None if u_start is None else _fwd(parts, "xi_item", np.column_stack([u_start, feats])).sum(axis=0)
    emb = embed_relu_network(model, total, post, lo, hi, pacts, name=name, start=s0, warm_start=warm_start)
    return (emb,) + _out_bounds(post, pacts, lo, hi)


def embed_value(model: optlib.Model, parts: dict, ex: Any, ex_lo: np.ndarray, ex_hi: np.ndarray,
                exi: Any, exi_lo: np.ndarray, exi_hi: np.ndarray, name: str = "value", start: Any = None,
                warm_start: dict | None = None) -> Any:
    """rho([ex, exi]) as a scalar expression; either embedding may be a numpy constant (lo = hi = it).

    `start`: the value of [ex, exi] for a warm start (see `embed_relu_network`)."""
    layers, acts = _p(parts, "value")
    inp = optlib.hstack([ex, exi])
    out = embed_relu_network(model, inp, layers, np.concatenate([ex_lo, exi_lo]), np.concatenate([ex_hi, exi_hi]),
                             acts, name=name, start=start, warm_start=warm_start)
    return out[0]
