"""The Neur2RO set network with numpy weights: forward pass and MIP pieces (no torch needed).

    V(x, xi) = rho([phi_x(sum_i a_x([x_i, f_i])), phi_xi(sum_i a_xi([u_i, f_i]))])

For binary x_i the item net takes two values, so sum_i a_x([x_i, f_i]) = G0 + D'x is affine in x
(exact, no binaries); the rest is embedded with `embed_relu_network` (big-M, interval bounds).
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


def value(parts: dict, x: np.ndarray, feats: np.ndarray, u: np.ndarray) -> float:
    """V(x, xi) for one instance: x (n,), feats (n, d) scaled, u (n, k) item views of xi."""
    hx = _fwd(parts, "x_item", np.column_stack([x, feats])).sum(axis=0)
    hu = _fwd(parts, "xi_item", np.column_stack([u, feats])).sum(axis=0)
    z = np.concatenate([_fwd(parts, "x_post", hx[None])[0], _fwd(parts, "xi_post", hu[None])[0]])
    return float(_fwd(parts, "value", z[None])[0, 0])


def _fwd(parts: dict, name: str, inputs: np.ndarray) -> np.ndarray:
    layers, acts = parts[name]
    return forward(layers, inputs, list(acts))


def _p(parts: dict, name: str) -> tuple[Any, list[str]]:
    layers, acts = parts[name]
    return layers, list(acts)


def x_embedding_constant(parts: dict, x: np.ndarray, feats: np.ndarray) -> np.ndarray:
    hx = _fwd(parts, "x_item", np.column_stack([x, feats])).sum(axis=0)
    return _fwd(parts, "x_post", hx[None])[0]


def xi_embedding_constant(parts: dict, feats: np.ndarray, u: np.ndarray) -> np.ndarray:
    hu = _fwd(parts, "xi_item", np.column_stack([u, feats])).sum(axis=0)
    return _fwd(parts, "xi_post", hu[None])[0]


def embed_x(model: optlib.Model, parts: dict, x_var: Any, feats: np.ndarray,
            name: str = "xemb") -> tuple[Any, np.ndarray, np.ndarray]:
    """phi_x(sum_i a_x([x_i, f_i])) for a binary vector variable x: (expression, lower, upper)."""
    layers, acts = _p(parts, "x_item")
    n = feats.shape[0]
    g0 = forward(layers, np.column_stack([np.zeros(n), feats]), acts)
    g1 = forward(layers, np.column_stack([np.ones(n), feats]), acts)
    D = g1 - g0
    s = D.T @ x_var + g0.sum(axis=0)
    lo = g0.sum(axis=0) + np.minimum(D, 0).sum(axis=0)
    hi = g0.sum(axis=0) + np.maximum(D, 0).sum(axis=0)
    post, pacts = _p(parts, "x_post")
    emb = embed_relu_network(model, s, post, lo, hi, pacts, name=name)
    return (emb,) + _out_bounds(post, pacts, lo, hi)


def embed_xi(model: optlib.Model, parts: dict, u_exprs: list, u_lo: np.ndarray, u_hi: np.ndarray,
             feats: np.ndarray, name: str = "xiemb", u_start: np.ndarray | None = None,
             warm_start: dict | None = None) -> tuple[Any, np.ndarray, np.ndarray]:
    """phi_xi(sum_i a_xi([u_i, f_i])) with u_i affine expressions in [u_lo_i, u_hi_i]: (expression, lower, upper).

    With `u_start` (n, k), the values of the new variables there go into `warm_start`."""
    layers, acts = _p(parts, "xi_item")
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
