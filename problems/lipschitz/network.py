"""Feed-forward networks whose Lipschitz constant we bound.

    x_{k+1} = phi_k(W_k x_k + b_k)  (k = 0..l-1),   f(x) = W_l x_l + b_l

`Network` holds the weights W_0..W_l (W_k of shape n_{k+1} x n_k), optional biases and one
`Activation` per hidden layer. A slope-restricted activation (ReLU, leaky ReLU, tanh,
sigmoid, ELU, or any (alpha, beta) pair) satisfies alpha <= (phi(a) - phi(b)) / (a - b)
<= beta elementwise; GroupSort / MaxMin / Householder act on groups of neurons and are
handled by the ICLR 2024 constraints (Pauli et al.). Biases do not change the LipSDP
bounds but do change the exact constant, so they are kept.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

# name -> (alpha, beta) slope bounds of the slope-restricted activations
SLOPES: dict[str, tuple[float, float]] = {
    "relu": (0.0, 1.0),
    "leaky_relu": (0.01, 1.0),
    "tanh": (0.0, 1.0),
    "sigmoid": (0.0, 0.25),
    "elu": (0.0, 1.0),
    "linear": (1.0, 1.0),
}
GROUPED = ("groupsort", "maxmin", "householder")
SUPPORTED = tuple(SLOPES) + GROUPED + ("(alpha, beta) pair",)


@dataclass(frozen=True)
class Activation:
    """One hidden layer's activation: a name, its slope bounds when slope-restricted, and
    the group size for GroupSort (MaxMin is GroupSort with groups of 2)."""

    name: str
    alpha: float | None = None
    beta: float | None = None
    group_size: int = 2

    @property
    def slope_restricted(self) -> bool:
        return self.alpha is not None

    def __call__(self, z: np.ndarray) -> np.ndarray:
        """phi applied to pre-activations z (rows are samples)."""
        if self.name == "relu":
            return np.maximum(z, 0.0)
        if self.name == "leaky_relu":
            return np.where(z >= 0, z, self.alpha * z)
        if self.name == "tanh":
            return np.tanh(z)
        if self.name == "sigmoid":
            return 1.0 / (1.0 + np.exp(-z))
        if self.name == "elu":
            return np.where(z >= 0, z, np.expm1(np.minimum(z, 0.0)))
        if self.name == "linear":
            return z
        if self.name in ("groupsort", "maxmin"):
            g = self.group_size
            shape = z.shape
            return np.sort(z.reshape(*shape[:-1], shape[-1] // g, g), axis=-1).reshape(shape)
        raise ValueError(f"activation {self.name!r} cannot be evaluated here")

    def derivative(self, z: np.ndarray) -> np.ndarray:
        """phi'(z) elementwise for the slope-restricted activations (a.e. for ReLU)."""
        if self.name == "relu":
            return (z > 0).astype(float)
        if self.name == "leaky_relu":
            return np.where(z > 0, 1.0, self.alpha)
        if self.name == "tanh":
            return 1.0 - np.tanh(z) ** 2
        if self.name == "sigmoid":
            s = 1.0 / (1.0 + np.exp(-z))
            return s * (1.0 - s)
        if self.name == "elu":
            return np.where(z > 0, 1.0, np.exp(np.minimum(z, 0.0)))
        if self.name == "linear":
            return np.ones_like(z)
        raise ValueError(f"activation {self.name!r} has no elementwise derivative")


def make_activation(spec: Any) -> Activation:
    """An Activation from a name, an (alpha, beta) pair or an Activation."""
    if isinstance(spec, Activation):
        return spec
    if isinstance(spec, str):
        name = spec.strip().lower().replace("-", "_")
        if name in SLOPES:
            a, b = SLOPES[name]
            return Activation(name, a, b)
        if name in ("groupsort", "maxmin"):
            return Activation(name, group_size=2)
        if name == "householder":
            return Activation(name)
        raise ValueError(f"unsupported activation {spec!r}; supported: {', '.join(SUPPORTED)}")
    if isinstance(spec, (tuple, list)) and len(spec) == 2:
        a, b = (float(v) for v in spec)
        if not (math.isfinite(a) and math.isfinite(b) and a <= b):
            raise ValueError(f"activation slope pair must be finite with alpha <= beta, got {spec!r}")
        return Activation("slope", a, b)
    raise ValueError(f"unsupported activation {spec!r}; supported: {', '.join(SUPPORTED)}")


@dataclass(frozen=True)
class Network:
    weights: tuple[np.ndarray, ...]
    activations: tuple[Activation, ...]
    biases: tuple[np.ndarray, ...] = field(default=())

    @property
    def dims(self) -> tuple[int, ...]:
        """(n_0, n_1, ..., n_{l+1}): input, hidden and output sizes."""
        return (self.weights[0].shape[1],) + tuple(W.shape[0] for W in self.weights)

    @property
    def hidden(self) -> tuple[int, ...]:
        return self.dims[1:-1]

    @property
    def slope_restricted(self) -> bool:
        return all(a.slope_restricted for a in self.activations)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """f(x) for inputs x of shape (n_0,) or (batch, n_0)."""
        h = np.asarray(x, dtype=float)
        for k, W in enumerate(self.weights):
            h = h @ W.T
            if self.biases:
                h = h + self.biases[k]
            if k < len(self.activations):
                h = self.activations[k](h)
        return h

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        """df/dx at one input x (shape (n_out, n_0)); slope-restricted activations only."""
        h = np.asarray(x, dtype=float)
        J = np.eye(h.size)
        for k, W in enumerate(self.weights):
            z = W @ h + (self.biases[k] if self.biases else 0.0)
            J = W @ J
            if k < len(self.activations):
                act = self.activations[k]
                J = act.derivative(z)[:, None] * J
                h = act(z)
            else:
                h = z
        return J

    def naive_bound(self, norm: str = "l2") -> float:
        """Product of the layers' operator norms times the largest activation slope."""
        order = 2 if norm == "l2" else np.inf
        value = math.prod(float(np.linalg.norm(W, order)) for W in self.weights)
        for act in self.activations:
            if act.slope_restricted:
                value *= max(abs(act.alpha), abs(act.beta))
        return value


def as_matrix(W: Any, what: str) -> np.ndarray:
    """W as a finite 2-D float array; ValueError naming `what` otherwise."""
    arr = np.asarray(W, dtype=float)
    if arr.ndim != 2:
        raise ValueError(f"{what} must be a 2-D matrix, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} contains NaN or inf")
    return arr


def from_weights(weights: Sequence[Any], activation: Any = "relu",
                 biases: Sequence[Any] | None = None) -> Network:
    """A Network from weight matrices (W_k: n_{k+1} x n_k), one activation for every hidden
    layer (or a list, one per hidden layer) and optional biases."""
    Ws = tuple(as_matrix(W, f"weight {k}") for k, W in enumerate(weights))
    if not Ws:
        raise ValueError("net needs at least one weight matrix")
    for k in range(1, len(Ws)):
        if Ws[k].shape[1] != Ws[k - 1].shape[0]:
            raise ValueError(f"layer shapes do not chain: weight {k - 1} has {Ws[k - 1].shape[0]} "
                             f"rows but weight {k} has {Ws[k].shape[1]} columns")
    n_hidden = len(Ws) - 1
    if isinstance(activation, (list, tuple)) and not (
            len(activation) == 2 and all(isinstance(v, (int, float)) for v in activation)):
        acts = tuple(make_activation(a) for a in activation)
        if len(acts) != n_hidden:
            raise ValueError(f"got {len(acts)} activations for {n_hidden} hidden layers")
    else:
        acts = (make_activation(activation),) * n_hidden
    for k, act in enumerate(acts):
        if act.name in ("groupsort", "maxmin") and Ws[k].shape[0] % act.group_size:
            raise ValueError(f"{act.name} on hidden layer {k} needs a width divisible by "
                             f"{act.group_size}, got {Ws[k].shape[0]}")
    bs: tuple[np.ndarray, ...] = ()
    if biases is not None:
        if len(biases) != len(Ws):
            raise ValueError(f"got {len(biases)} biases for {len(Ws)} layers")
        bs = tuple(np.asarray(b, dtype=float).reshape(-1) for b in biases)
        for k, (b, W) in enumerate(zip(bs, Ws)):
            if b.size != W.shape[0]:
                raise ValueError(f"bias {k} has {b.size} entries, layer {k} has {W.shape[0]} outputs")
            if not np.all(np.isfinite(b)):
                raise ValueError(f"bias {k} contains NaN or inf")
    return Network(Ws, acts, bs)


def load_mat(path: str | os.PathLike, activation: Any = "relu") -> Network:
    """A Network from a MATLAB file with a 1 x L cell `weights` (LipSDP's format)."""
    from scipy.io import loadmat

    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"network file not found: {p}")
    data = loadmat(str(p))
    if "weights" not in data:
        raise ValueError(f"{p} has no 'weights' entry (keys: {sorted(k for k in data if not k.startswith('__'))})")
    cells = np.asarray(data["weights"]).ravel()
    return from_weights([np.asarray(W, dtype=float) for W in cells], activation)


_TORCH_ACTS = {"ReLU": "relu", "Tanh": "tanh", "Sigmoid": "sigmoid", "ELU": "elu"}


def from_torch(module: Any) -> Network:
    """A Network from a torch `nn.Sequential` of Linear layers and activation modules."""
    import torch.nn as nn  # lazy: torch is optional

    weights, biases, acts = [], [], []
    expect_linear = True
    for layer in module:
        if isinstance(layer, nn.Linear):
            if not expect_linear:
                raise ValueError("two Linear layers in a row: merge them or add an activation between")
            weights.append(layer.weight.detach().cpu().numpy().astype(float))
            b = layer.bias
            biases.append(np.zeros(layer.out_features) if b is None else b.detach().cpu().numpy().astype(float))
            expect_linear = False
        elif isinstance(layer, nn.LeakyReLU):
            acts.append(Activation("leaky_relu", float(layer.negative_slope), 1.0))
            expect_linear = True
        elif type(layer).__name__ in _TORCH_ACTS:
            acts.append(make_activation(_TORCH_ACTS[type(layer).__name__]))
            expect_linear = True
        elif isinstance(layer, (nn.Identity, nn.Flatten, nn.Dropout)):
            continue
        else:
            raise ValueError(f"unsupported torch module {type(layer).__name__}; supported: Linear, "
                             "ReLU, LeakyReLU, Tanh, Sigmoid, ELU (and Identity/Flatten/Dropout)")
    if expect_linear or not weights:
        raise ValueError("the torch model must end with a Linear layer")
    return from_weights(weights, acts, biases)


def as_network(net: Any, activation: Any = "relu") -> Network:
    """Accept a Network, a list of weight matrices, a .mat path or a torch nn.Sequential."""
    if isinstance(net, Network):
        return net
    if isinstance(net, (str, os.PathLike)):
        return load_mat(net, activation)
    if type(net).__module__.startswith("torch"):
        return from_torch(net)
    if isinstance(net, (list, tuple)):
        return from_weights(net, activation)
    raise ValueError(f"net must be a list of weight matrices, a .mat path, a torch nn.Sequential "
                     f"or a Network, got {type(net).__name__}")
