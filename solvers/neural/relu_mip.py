"""Exact MIP embedding of a feed-forward ReLU network (big-M), numpy weights only (no torch).

For a neuron h = max(0, a), a = w'h_prev + b, with pre-activation bounds L <= a <= U from interval
arithmetic (propagated layer by layer, so each neuron gets its own big-M; tighter valid bounds, e.g. from
`solvers.neural.bounds`, can be passed in):

    U <= 0: h = 0;   L >= 0: h = a;   else  h >= a,  h <= a - L (1 - z),  h <= U z,  h >= 0,  z in {0,1}

(Cheng, Nuehrenberg, Ruess 2017; Fischetti & Jo 2018; Tjeng, Xiao, Tedrake 2019).  The result is an
optlib expression, so any MILP backend (HiGHS, SCIP, CP-SAT via scaling) can optimise over it.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import scipy.sparse as sp

ACTIVATIONS = ("relu", "identity")


def _check_layers(layers: Sequence[Any], activations: Sequence[str] | None) -> tuple[list, list[str]]:
    if not isinstance(layers, (list, tuple)) or not layers:
        raise ValueError("layers must be a non-empty list of (W, b) pairs of numpy arrays")
    out = []
    width = None
    for k, layer in enumerate(layers):
        if not isinstance(layer, (list, tuple)) or len(layer) != 2:
            raise ValueError(f"layers[{k}] must be a pair (W, b), got {type(layer).__name__}")
        W = np.asarray(layer[0], dtype=float)
        b = np.asarray(layer[1], dtype=float).ravel()
        if W.ndim != 2 or b.size != W.shape[0]:
            raise ValueError(f"layers[{k}]: W must be (out, in) and b of length out, got {W.shape} and {b.shape}")
        if width is not None and W.shape[1] != width:
            raise ValueError(f"layers[{k}]: W has {W.shape[1]} inputs but the previous layer has {width} outputs")
        if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
            raise ValueError(f"layers[{k}]: weights must be finite")
        width = W.shape[0]
        out.append((W, b))
    if activations is None:
        activations = ["relu"] * (len(out) - 1) + ["identity"]
    activations = [str(a).lower() for a in activations]
    if len(activations) != len(out):
        raise ValueError(f"activations must have one entry per layer ({len(out)}), got {len(activations)}")
    for k, a in enumerate(activations):
        if a not in ACTIVATIONS:
            raise ValueError(f"layer {k} has activation {a!r}: only ReLU networks can be embedded "
                             f"exactly in a MIP (supported: {ACTIVATIONS})")
    return out, activations


def interval_bounds(layers: Sequence[Any], lb: Any, ub: Any,
                    activations: Sequence[str] | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Pre-activation bounds (L, U) of every layer for inputs in the box [lb, ub] (interval arithmetic)."""
    layers, acts = _check_layers(layers, activations)
    lo = np.asarray(lb, dtype=float).ravel()
    hi = np.asarray(ub, dtype=float).ravel()
    if lo.size != layers[0][0].shape[1] or hi.size != lo.size:
        raise ValueError(f"input bounds must have length {layers[0][0].shape[1]}, got {lo.size} and {hi.size}")
    if np.any(lo > hi) or not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
        raise ValueError("input bounds must be finite with lb <= ub")
    out = []
    for (W, b), act in zip(layers, acts):
        Wp, Wn = np.maximum(W, 0.0), np.minimum(W, 0.0)
        L = Wp @ lo + Wn @ hi + b
        U = Wp @ hi + Wn @ lo + b
        out.append((L, U))
        lo, hi = (np.maximum(L, 0.0), np.maximum(U, 0.0)) if act == "relu" else (L, U)
    return out


def forward(layers: Sequence[Any], inputs: Any, activations: Sequence[str] | None = None,
            check: bool = True) -> np.ndarray:
    """Numpy forward pass (rows of `inputs` are samples); `check=False` skips the validation of `layers`
    and `activations` (for callers that passed them through `_check_layers` once)."""
    layers, acts = _check_layers(layers, activations) if check else (layers, activations)
    h = np.asarray(inputs, dtype=float)
    for (W, b), act in zip(layers, acts):
        h = h @ W.T + b
        if act == "relu":
            h = np.maximum(h, 0.0)
    return h


def embed_relu_network(model: Any, inputs: Any, layers: Sequence[Any], input_lb: Any, input_ub: Any,
                       activations: Sequence[str] | None = None, name: str = "net", start: Any = None,
                       warm_start: dict | None = None,
                       bounds: Sequence[tuple[Any, Any]] | None = None, relax: bool = False) -> Any:
    """Add the network y = f(inputs) to `model` and return y as an optlib expression.

    `inputs`: an optlib affine expression (or constant vector) of the input width, known to lie in
    [input_lb, input_ub]; `layers`: [(W, b), ...] with W of shape (out, in); `activations`: 'relu' or
    'identity' per layer (default: ReLU on hidden layers, identity on the last).  Stable neurons
    (bounds of one sign) add no binary variable.  The embedding is exact for inputs in the box.
    With `start` (an input vector) the values of the new variables at that input are written into the
    dict `warm_start`, for `Model.solve(warm_start=...)`.  `bounds`: valid pre-activation bounds (L, U) per
    layer computed elsewhere (e.g. `solvers.neural.bounds.propagate`, tighter); they are intersected with
    the interval bounds from [input_lb, input_ub], so the embedding stays exact if they are valid.
    `relax`: continuous z in [0, 1] instead of binaries (the LP relaxation, e.g. for bound tightening).
    """
    layers, acts = _check_layers(layers, activations)
    ibounds = interval_bounds(layers, input_lb, input_ub, acts)
    if bounds is not None:
        if len(bounds) != len(layers):
            raise ValueError(f"bounds must have one (L, U) pair per layer ({len(layers)}), got {len(bounds)}")
        merged = []
        for (L0, U0), (L1, U1) in zip(ibounds, bounds):
            L, U = np.maximum(L0, np.asarray(L1, dtype=float)), np.minimum(U0, np.asarray(U1, dtype=float))
            if np.any(L > U + 1e-6 * (1 + np.abs(U))):
                raise ValueError("the given bounds do not intersect the interval bounds: they are not valid")
            merged.append((np.minimum(L, U), U))
        ibounds = merged
    bounds = ibounds
    h: Any = inputs
    h0 = None if start is None else np.asarray(start, dtype=float).ravel()
    if hasattr(h, "shape") and tuple(h.shape) not in ((layers[0][0].shape[1],),):
        raise ValueError(f"inputs must be a vector of length {layers[0][0].shape[1]}, got shape {tuple(h.shape)}")
    for k, ((W, b), act, (L, U)) in enumerate(zip(layers, acts, bounds)):
        a = W @ h + b
        a0 = None if h0 is None else W @ h0 + b
        if act == "identity":
            h, h0 = a, a0
            continue
        active = L >= 0
        unstable = np.flatnonzero((L < 0) & (U > 0))
        n_out = W.shape[0]
        h_new: Any = sp.diags(active.astype(float)) @ a if active.any() else np.zeros(n_out)
        if unstable.size:
            hv = model.continuous(unstable.size, lb=0.0, ub=U[unstable], name=f"{name}_h{k}")
            z = (model.continuous(unstable.size, lb=0.0, ub=1.0, name=f"{name}_z{k}") if relax
                 else model.boolean(unstable.size, name=f"{name}_z{k}"))
            sel = sp.csr_matrix((np.ones(unstable.size), (np.arange(unstable.size), unstable)),
                                shape=(unstable.size, n_out))
            a_u = sel @ a
            model.add(hv >= a_u, name=f"{name}_above{k}")
            model.add(hv <= a_u - sp.diags(L[unstable]) @ (1 - z), name=f"{name}_active{k}")
            model.add(hv <= sp.diags(U[unstable]) @ z, name=f"{name}_inactive{k}")
            h_new = h_new + sel.T @ hv
            if a0 is not None and warm_start is not None:
                warm_start[hv] = np.clip(np.maximum(a0[unstable], 0.0), 0.0, U[unstable])
                warm_start[z] = (a0[unstable] > 0).astype(float)
        h = h_new
        h0 = None if a0 is None else np.maximum(a0, 0.0)
    return h
