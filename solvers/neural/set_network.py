"""The Neur2RO set network with numpy weights: forward pass and MIP pieces (no torch needed).

    V(x, xi) = rho([phi_x(sum_i a_x([x_i, f_i])), phi_xi(sum_i a_xi([u_i, f_i]))])

For binary x_i the item net takes two values, so sum_i a_x([x_i, f_i]) = G0 + D'x is affine in x
(exact, no binaries); the rest is embedded with `embed_relu_network` (big-M, interval bounds, or with
`embed_scenario_values` bounds from symbolic propagation over the first-stage set, `solvers.neural.bounds`).
If the scenario net's input width is 2k + d (k = item view width, d = features), it sees
[u_i, x_i u_i, f_i] (x-xi interaction); for a fixed scenario that sum is again G0 + D'x.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

import optlib

from .bounds import Domain, Forms, propagate
from .relu_mip import _check_layers, embed_relu_network, forward, interval_bounds

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


def _interacts_at(parts: dict, u_width: int, n_feats: int, x: Any) -> bool:
    """`interacts` for a fixed first stage x, which a network with the interaction needs."""
    inter = interacts(parts, u_width, n_feats)
    if inter and x is None:
        raise ValueError("this network's scenario part depends on x (x-xi interaction): pass x")
    return inter


def _xi_inputs(parts: dict, x: Any, feats: np.ndarray, u: np.ndarray) -> np.ndarray:
    u = np.asarray(u, dtype=float)
    if _interacts_at(parts, u.shape[1], feats.shape[1], x):
        return np.column_stack([u, np.asarray(x, dtype=float)[:, None] * u, feats])
    return np.column_stack([u, feats])


def value(parts: dict, x: np.ndarray, feats: np.ndarray, u: np.ndarray) -> float:
    """V(x, xi) for one instance: x (n,), feats (n, d) scaled, u (n, k) item views of xi."""
    z = np.concatenate([x_embedding_constant(parts, x, feats), xi_embedding_constant(parts, feats, u, x)])
    return float(_fwd(parts, "value", z[None])[0, 0])


def item_outputs(parts: dict, item: str, x: np.ndarray, feats: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Per-item outputs (n, width) of the item net `item` ('x_item' or 'xi_item') before the sum."""
    if item == "x_item":
        return _fwd(parts, item, np.column_stack([x, feats]))
    return _fwd(parts, item, _xi_inputs(parts, x, feats, u))


def post_outputs(parts: dict, name: str, inputs: np.ndarray) -> np.ndarray:
    """Rows of `inputs` through the part `name` ('x_post', 'xi_post' or 'value')."""
    return _fwd(parts, name, np.atleast_2d(inputs))


class CheckedParts(dict):
    """Network parts whose layers passed `relu_mip._check_layers` once (`checked_parts`): forward passes
    on them skip the per-call validation (the hot path of batched evaluations)."""


def checked_parts(parts: dict) -> CheckedParts:
    """`parts` ({name: (layers, activations)}) validated once; ValueError as `relu_mip` raises it."""
    return parts if isinstance(parts, CheckedParts) else CheckedParts(
        {name: _check_layers(layers, list(acts)) for name, (layers, acts) in parts.items()})


def _fwd(parts: dict, name: str, inputs: np.ndarray) -> np.ndarray:
    layers, acts = parts[name]
    return forward(layers, inputs, list(acts), check=not isinstance(parts, CheckedParts))


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


def _embed_binary_sum(model: optlib.Model, parts: dict, post: str, x_var: Any, D: np.ndarray, g: np.ndarray,
                      name: str) -> tuple[Any, np.ndarray, np.ndarray]:
    """phi(D'x + g) for binary x (the item sum, exact: `_binary_sum`) with interval bounds."""
    s = D.T @ x_var + g
    lo = g + np.minimum(D, 0).sum(axis=0)
    hi = g + np.maximum(D, 0).sum(axis=0)
    pl, pacts = _p(parts, post)
    emb = embed_relu_network(model, s, pl, lo, hi, pacts, name=name)
    return (emb,) + _out_bounds(pl, pacts, lo, hi)


def _binary_sum(parts: dict, item: str, inp0: np.ndarray, inp1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(D, g) with sum_i a(x_i ? inp1_i : inp0_i) = D'x + g for binary x (D: n x width)."""
    layers, acts = _p(parts, item)
    g0, g1 = forward(layers, inp0, acts), forward(layers, inp1, acts)
    return g1 - g0, g0.sum(axis=0)


def _embed_post(model: optlib.Model, parts: dict, post: str, x_var: Any, D: np.ndarray, g: np.ndarray,
                domain: Domain, name: str, x0: np.ndarray | None, warm: dict | None,
                relax: bool = False) -> tuple[Any, Forms, Any]:
    """phi(D'x + g) with symbolic bounds over `domain`: (expression, forms of the output in x, value at x0)."""
    pl, pacts = _p(parts, post)
    bnds, out = propagate(pl, pacts, Forms.affine(D.T, g), domain)
    lo = g + np.minimum(D, 0).sum(axis=0)
    hi = g + np.maximum(D, 0).sum(axis=0)
    s0 = None if x0 is None else D.T @ x0 + g
    e = embed_relu_network(model, D.T @ x_var + g, pl, lo, hi, pacts, name=name, bounds=bnds, start=s0,
                           warm_start=warm, relax=relax)
    return e, out, None if s0 is None else forward(pl, s0[None], pacts)[0]


def _scenario_parts(parts: dict, feats: np.ndarray, u: np.ndarray) -> tuple | None:
    """(D, g) of the scenario net's sum D'x + g at the fixed scenario u, or None without interaction."""
    if not interacts(parts, u.shape[1], feats.shape[1]):
        return None
    return _binary_sum(parts, "xi_item", np.column_stack([u, 0 * u, feats]), np.column_stack([u, u, feats]))


def _embed_scenario_xi(model: optlib.Model, parts: dict, x_var: Any, feats: np.ndarray, u: np.ndarray,
                       domain: Domain, name: str, x0: np.ndarray | None = None, warm: dict | None = None,
                       relax: bool = False) -> tuple[Any, Forms, Any]:
    """phi_xi at the fixed scenario u as in `_embed_post` (x-xi interaction), else the constant (its forms
    constant in x, its value at any x0)."""
    sc = _scenario_parts(parts, feats, u)
    if sc is not None:
        return _embed_post(model, parts, "xi_post", x_var, *sc, domain, name, x0, warm, relax)
    exi = xi_embedding_constant(parts, feats, u)
    return exi, Forms.affine(np.zeros((exi.size, feats.shape[0])), exi), exi


def _x_sum(parts: dict, feats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = feats.shape[0]
    return _binary_sum(parts, "x_item", np.column_stack([np.zeros(n), feats]), np.column_stack([np.ones(n), feats]))


def batch_values(parts: dict, X: np.ndarray, feats: np.ndarray, views: list) -> np.ndarray:
    """V(x_b, xi_k) for many binary x's (rows of X, (B, n)) and fixed scenarios (item views u_k): (B, K)."""
    return batch_evaluator(parts, feats, views)(X)


def batch_evaluator(parts: dict, feats: np.ndarray, views: list) -> Any:
    """A function X (B, n) -> V(x_b, xi_k) (B, K) for binary x's and the fixed scenarios `views`.

    The item sums are affine in binary x (computed once here), so each call costs a few small
    matrix products per scenario."""
    D, g = _x_sum(parts, feats)
    scen = []
    for u in views:
        u = np.asarray(u, dtype=float)
        scen.append(_scenario_parts(parts, feats, u) or xi_embedding_constant(parts, feats, u))

    def x_part(X: np.ndarray) -> np.ndarray:
        return _fwd(parts, "x_post", np.atleast_2d(np.asarray(X, dtype=float)) @ D + g)

    def evaluate(X: np.ndarray, cols: Any = None, ex: np.ndarray | None = None) -> np.ndarray:
        """(B, K) values; `cols`: only these scenarios; `ex`: x_part(X) if already computed."""
        X = np.atleast_2d(np.asarray(X, dtype=float))
        ex = x_part(X) if ex is None else ex
        cols = list(range(len(scen)) if cols is None else cols)
        B = X.shape[0]
        if not cols:
            return np.empty((B, 0))
        # every scenario in one pass per part: rows k*B..(k+1)*B-1 belong to scenario cols[k]
        inter = [j for j, k in enumerate(cols) if isinstance(scen[k], tuple)]
        exi = np.empty((len(cols), B, np.shape(parts["xi_post"][0][-1][0])[0]))
        if inter:
            ins = np.concatenate([X @ scen[cols[j]][0] + scen[cols[j]][1] for j in inter])
            exi[inter] = _fwd(parts, "xi_post", ins).reshape(len(inter), B, -1)
        for j, k in enumerate(cols):
            if not isinstance(scen[k], tuple):
                exi[j] = scen[k]
        rows = np.column_stack([np.tile(ex, (len(cols), 1)), exi.reshape(len(cols) * B, -1)])
        return _fwd(parts, "value", rows)[:, 0].reshape(len(cols), B).T
    evaluate.x_part = x_part        # type: ignore[attr-defined]
    evaluate.size = len(scen)       # type: ignore[attr-defined]
    return evaluate


def value_bounds_lp(parts: dict, feats: np.ndarray, u: np.ndarray, domain: Domain | None = None,
                    backend: str = "highs") -> tuple[np.ndarray, np.ndarray]:
    """Bounds (L, U) on the value head's first pre-activations at the fixed scenario u, by LP (OBBT).

    Each bound is the optimum of the LP relaxation of the big-M embedding (x in [0, 1]^n, the domain's
    budget row, z in [0, 1]) with symbolic bounds, so it holds for every binary x in the domain; it is
    intersected with the symbolic bound (Tjeng, Xiao, Tedrake 2019, optimisation-based bound tightening).
    """
    n = feats.shape[0]
    domain = Domain(np.zeros(n), np.ones(n)) if domain is None else domain
    m = optlib.Model("obbt")
    x = m.continuous(n, lb=domain.lo, ub=domain.hi, name="x")
    if domain.budget is not None:
        m.add(domain.budget[0] @ x <= domain.budget[1], name="budget")
    ex, fx, _ = _embed_post(m, parts, "x_post", x, *_x_sum(parts, feats), domain, "x", None, None, relax=True)
    exi, fxi, _ = _embed_scenario_xi(m, parts, x, feats, np.asarray(u, dtype=float), domain, "xi", relax=True)
    W, b = parts["value"][0][0]
    bnds, _ = propagate(*_p(parts, "value"), Forms.concat([fx, fxi]), domain)
    L, U = (v.copy() for v in bnds[0])
    a = W @ optlib.hstack([ex, exi]) + b
    for j in range(W.shape[0]):
        for sense in ("max", "min"):
            m.maximize(a[j]) if sense == "max" else m.minimize(a[j])
            res = m.solve(backend=backend, threads=1)
            if res.status is not optlib.Status.OPTIMAL:
                continue        # keep the symbolic bound
            bound = res.bound if res.bound is not None and math.isfinite(res.bound) else res.objective
            if sense == "max":
                U[j] = min(U[j], bound + 1e-7 * (1 + abs(bound)))
            else:
                L[j] = max(L[j], bound - 1e-7 * (1 + abs(bound)))
    return L, np.maximum(U, L)


def embed_scenario_values(model: optlib.Model, parts: dict, x_var: Any, feats: np.ndarray, views: list,
                          domain: Domain | None = None, name: str = "v", x_start: np.ndarray | None = None,
                          warm_start: dict | None = None, value_bounds: list | None = None) -> list:
    """V(x, xi_k) for fixed scenarios (item views u_k, each (n, k)) and a binary vector variable x.

    One shared embedding of phi_x; one of phi_xi (x-xi interaction only; else a constant) and of the value
    head per scenario.  Every network part is affine in x at its input, so its pre-activation bounds come
    from symbolic propagation over `domain` (default: the box [0, 1]^n; pass the first-stage budget row
    for tighter ones): exact on the first layer, never looser than interval bounds on the box.
    With `x_start` (a 0/1 vector) the values of the new variables there go into the dict `warm_start`.
    `value_bounds[k]`: valid bounds (L, U) on the value head's first pre-activations for scenario k
    (e.g. from `value_bounds_lp`), or None.
    """
    n = feats.shape[0]
    domain = Domain(np.zeros(n), np.ones(n)) if domain is None else domain
    if domain.size != n:
        raise ValueError(f"domain has {domain.size} variables, expected {n}")
    D, g = _x_sum(parts, feats)
    x0 = None if x_start is None else np.asarray(x_start, dtype=float).ravel()
    ex, fx, ex0 = _embed_post(model, parts, "x_post", x_var, D, g, domain, f"{name}_x", x0, warm_start)
    vl, vacts = _p(parts, "value")
    out = []
    for k, u in enumerate(views):
        u = np.asarray(u, dtype=float)
        exi, fxi, exi0 = _embed_scenario_xi(model, parts, x_var, feats, u, domain, f"{name}{k}_xi", x0, warm_start)
        fin = Forms.concat([fx, fxi])
        bnds, _ = propagate(vl, vacts, fin, domain)
        if value_bounds is not None and value_bounds[k] is not None:
            L, U = value_bounds[k]
            bnds[0] = (np.maximum(bnds[0][0], L), np.minimum(bnds[0][1], U))
        ilo, ihi = fin.concrete(domain)
        start = None if x0 is None else np.concatenate([ex0, exi0])
        out.append(embed_relu_network(model, optlib.hstack([ex, exi]), vl, ilo, ihi, vacts, name=f"{name}{k}",
                                      bounds=bnds, start=start, warm_start=warm_start)[0])
    return out


def embed_x(model: optlib.Model, parts: dict, x_var: Any, feats: np.ndarray,
            name: str = "xemb") -> tuple[Any, np.ndarray, np.ndarray]:
    """phi_x(sum_i a_x([x_i, f_i])) for a binary vector variable x: (expression, lower, upper)."""
    return _embed_binary_sum(model, parts, "x_post", x_var, *_x_sum(parts, feats), name)


def embed_xi_fixed_scenario(model: optlib.Model, parts: dict, x_var: Any, feats: np.ndarray, u: np.ndarray,
                            name: str = "xifix") -> tuple[Any, np.ndarray, np.ndarray]:
    """phi_xi(sum_i a_xi([u_i, x_i u_i, f_i])) at a fixed scenario for a binary x (interaction networks)."""
    u = np.asarray(u, dtype=float)
    sc = _scenario_parts(parts, feats, u)
    if sc is None:
        e = xi_embedding_constant(parts, feats, u)
        return e, e, e
    return _embed_binary_sum(model, parts, "xi_post", x_var, *sc, name)


def adversary_bounds(parts: dict, feats: np.ndarray, views: np.ndarray, domain: Domain,
                     x: np.ndarray | None = None) -> tuple[list, list, list]:
    """Symbolic bounds for the adversary's MIP at a fixed x: (per-item bounds of the scenario item net, bounds
    of phi_xi, bounds of the value head), over xi in `domain` (e.g. the budgeted set).

    `views`: (n, k, m) with u_i = views[i] @ xi, the item views of a scenario xi in R^m.  Each item net's input
    [u_i, (x_i u_i,) f_i] is affine in xi; the sum over items keeps the dependence on xi, so the bounds of
    phi_xi and of the value head use the budget row, unlike interval bounds on the box of the sum."""
    views = np.asarray(views, dtype=float)
    n, k, m = views.shape
    inter = _interacts_at(parts, k, feats.shape[1], x)
    layers, acts = _p(parts, "xi_item")
    item_bounds, total = [], None
    for i in range(n):
        A = [views[i]] + ([float(x[i]) * views[i]] if inter else []) + [np.zeros((feats.shape[1], m))]
        c = np.concatenate([np.zeros(k * (2 if inter else 1)), feats[i]])
        bnds, out = propagate(layers, acts, Forms.affine(np.vstack(A), c), domain)
        item_bounds.append(bnds)
        total = out if total is None else total + out
    post_bounds, fxi = propagate(*_p(parts, "xi_post"), total, domain)
    ex = x_embedding_constant(parts, np.zeros(n) if x is None else np.asarray(x, dtype=float), feats)
    value_b, _ = propagate(*_p(parts, "value"), Forms.concat([Forms.affine(np.zeros((ex.size, m)), ex), fxi]),
                           domain)
    return item_bounds, post_bounds, value_b


def embed_xi(model: optlib.Model, parts: dict, u_exprs: list, u_lo: np.ndarray, u_hi: np.ndarray,
             feats: np.ndarray, name: str = "xiemb", u_start: np.ndarray | None = None,
             warm_start: dict | None = None, x: np.ndarray | None = None,
             bounds: tuple[list, list] | None = None) -> tuple[Any, np.ndarray, np.ndarray]:
    """phi_xi(sum_i a_xi([u_i, f_i])) with u_i affine expressions in [u_lo_i, u_hi_i]: (expression, lower, upper).

    With `u_start` (n, k), the values of the new variables there go into `warm_start`.  Networks with the
    x-xi interaction need the fixed first stage `x` (inputs [u_i, x_i u_i, f_i]).  `bounds`: (per-item
    bounds, phi_xi bounds) from `adversary_bounds` (intersected with the interval ones)."""
    layers, acts = _p(parts, "xi_item")
    u_lo, u_hi = np.asarray(u_lo, dtype=float), np.asarray(u_hi, dtype=float)
    if _interacts_at(parts, u_lo.shape[1], feats.shape[1], x):
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
                                           start=s0, warm_start=warm_start,
                                           bounds=None if bounds is None else bounds[0][i])
        olo, ohi = _out_bounds(layers, acts, ilo, ihi)
        lo, hi = lo + olo, hi + ohi
    post, pacts = _p(parts, "xi_post")
    s0 = None if u_start is None else _fwd(parts, "xi_item", np.column_stack([u_start, feats])).sum(axis=0)
    emb = embed_relu_network(model, total, post, lo, hi, pacts, name=name, start=s0, warm_start=warm_start,
                             bounds=None if bounds is None else bounds[1])
    return (emb,) + _out_bounds(post, pacts, lo, hi)


def embed_value(model: optlib.Model, parts: dict, ex: Any, ex_lo: np.ndarray, ex_hi: np.ndarray,
                exi: Any, exi_lo: np.ndarray, exi_hi: np.ndarray, name: str = "value", start: Any = None,
                warm_start: dict | None = None, bounds: list | None = None) -> Any:
    """rho([ex, exi]) as a scalar expression; either embedding may be a numpy constant (lo = hi = it).

    `start`: the value of [ex, exi] for a warm start (see `embed_relu_network`); `bounds`: tighter valid
    pre-activation bounds per layer (e.g. from `adversary_bounds`)."""
    layers, acts = _p(parts, "value")
    inp = optlib.hstack([ex, exi])
    out = embed_relu_network(model, inp, layers, np.concatenate([ex_lo, exi_lo]), np.concatenate([ex_hi, exi_hi]),
                             acts, name=name, start=start, warm_start=warm_start, bounds=bounds)
    return out[0]
