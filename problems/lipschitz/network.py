"""Feed-forward networks whose Lipschitz constant we bound.

    x_{k+1} = phi_k(W_k x_k + b_k)  (k = 0..l-1),   f(x) = W_l x_l + b_l

`Network` holds the weights W_0..W_l (W_k of shape n_{k+1} x n_k), optional biases and one
`Activation` per hidden layer. A slope-restricted activation (the elementwise activations of
`activations.py` with their parameters -- ReLU, leaky ReLU, ELU, SELU, softplus, tanh,
sigmoid, GELU, SiLU, ... -- or any (alpha, beta) pair) satisfies alpha <= (phi(a) - phi(b)) /
(a - b) <= beta elementwise; GroupSort / MaxMin / Householder act on groups of neurons and are
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

from .activations import ALIASES, SPECS, resolve

# name -> (alpha, beta) slope bounds of the elementwise activations with default parameters
# (see activations.py for the derivations and for the parameterised bounds)
SLOPES: dict[str, tuple[float, float]] = {name: spec.slopes(tuple(spec.defaults)) for name, spec in SPECS.items()}
GROUPED = ("groupsort", "maxmin", "householder")
SUPPORTED = tuple(SLOPES) + tuple(ALIASES) + GROUPED + ("(alpha, beta) pair",)


@dataclass(frozen=True)
class Activation:
    """One hidden layer's activation: a name, its slope bounds when slope-restricted, the
    group size for GroupSort (MaxMin is GroupSort with groups of 2) and the parameters of a
    parameterised elementwise activation (`params`, in the order of
    `activations.SPECS[name].params`, e.g. ("alpha",) for elu, ("negative_slope",) for
    leaky_relu, ("beta",) for softplus, ("min_val", "max_val") for hardtanh).

    For an elementwise activation (a name in `activations.SPECS`) the slope bounds default
    to the exact outward-rounded range of phi' for those parameters; bounds given
    explicitly must contain that range (wider is allowed, e.g. RReLU's random slopes), else
    ValueError. For leaky_relu without `params`, `alpha` is read as the negative slope (the
    form Activation("leaky_relu", a, 1.0) with a <= 1). A name outside the table with both
    bounds given is a bare slope pair: bounded, but not evaluated.
    """

    name: str
    alpha: float | None = None
    beta: float | None = None
    group_size: int = 2
    params: tuple = ()

    def __post_init__(self) -> None:
        name = self.name
        if name in ALIASES:
            if self.params:
                raise ValueError(f"activation {name!r} takes no parameters, got {self.params!r}")
            name, params = ALIASES[name]
            object.__setattr__(self, "name", name)
            object.__setattr__(self, "params", params)
        if name not in SPECS:
            if self.params:
                raise ValueError(f"activation {name!r} takes no parameters, got {self.params!r}")
            if (self.alpha is None) != (self.beta is None):
                raise ValueError(f"activation {name!r}: give both slope bounds alpha and beta or neither")
            if self.alpha is not None:
                a, b = float(self.alpha), float(self.beta)
                if not (math.isfinite(a) and math.isfinite(b) and a <= b):
                    raise ValueError(f"activation {name!r}: slope bounds must be finite with alpha <= beta, "
                                     f"got ({self.alpha!r}, {self.beta!r})")
            return
        params = tuple(self.params)
        if name == "leaky_relu" and not params and self.alpha is not None:
            params = (self.alpha,)                 # Activation("leaky_relu", slope, 1.0)
        _, p = resolve(name, params)
        object.__setattr__(self, "params", p)
        lo, hi = SPECS[name].slopes(p)
        if self.alpha is None and self.beta is None:
            object.__setattr__(self, "alpha", lo)
            object.__setattr__(self, "beta", hi)
            return
        if self.alpha is None or self.beta is None:
            raise ValueError(f"activation {name!r}: give both slope bounds alpha and beta or neither")
        a, b = float(self.alpha), float(self.beta)
        if not (a <= lo and b >= hi and math.isfinite(a) and math.isfinite(b)):
            raise ValueError(f"activation {name!r} with parameters {p!r} has slopes in [{lo!r}, {hi!r}]; "
                             f"the given bounds [{self.alpha!r}, {self.beta!r}] do not contain them")
        object.__setattr__(self, "alpha", a)
        object.__setattr__(self, "beta", b)

    @property
    def slope_restricted(self) -> bool:
        return self.alpha is not None

    @property
    def elementwise(self) -> bool:
        """True when phi and phi' can be evaluated (a name in activations.SPECS)."""
        return self.name in SPECS

    def __call__(self, z: np.ndarray) -> np.ndarray:
        """phi applied to pre-activations z (rows are samples)."""
        if self.name in SPECS:
            return SPECS[self.name].phi(np.asarray(z, dtype=float), self.params)
        if self.name in ("groupsort", "maxmin"):
            g = self.group_size
            shape = z.shape
            return np.sort(z.reshape(*shape[:-1], shape[-1] // g, g), axis=-1).reshape(shape)
        raise ValueError(f"activation {self.name!r} cannot be evaluated here")

    def derivative(self, z: np.ndarray) -> np.ndarray:
        """phi'(z) elementwise for the elementwise activations (a.e. at kinks)."""
        if self.name in SPECS:
            return SPECS[self.name].d1(np.asarray(z, dtype=float), self.params)
        raise ValueError(f"activation {self.name!r} has no elementwise derivative")


def make_activation(spec: Any) -> Activation:
    """An Activation from a name (default parameters), an (alpha, beta) pair or an Activation."""
    if isinstance(spec, Activation):
        return spec
    if isinstance(spec, str):
        name = spec.strip().lower().replace("-", "_")
        if name in SPECS or name in ALIASES:
            return Activation(name)
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
    """A Network from a MATLAB file (plain or .gz) with a 1 x L cell `weights` (LipSDP's format).
    `path` 'random' or 'mnist': the LipSDP authors' networks shipped with optlib (optlib.datasets)."""
    from optlib import datasets

    if isinstance(path, str) and path in datasets.NETWORKS and not Path(path).exists():
        return from_weights(datasets.lipsdp_weights(path), activation)
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"network file not found: {p}")
    return from_weights(datasets.read_mat_weights(p), activation)


_TORCH_PLAIN = {"ReLU": "relu", "Tanh": "tanh", "Sigmoid": "sigmoid", "SELU": "selu", "SiLU": "silu",
                "Mish": "mish", "Hardsigmoid": "hardsigmoid", "Hardswish": "hardswish", "Softsign": "softsign",
                "Tanhshrink": "tanhshrink", "LogSigmoid": "logsigmoid"}
# torch class -> (hyperparameters read; our name; the parameters in our order)
_TORCH_PARAM = {"LeakyReLU": (("negative_slope",), "leaky_relu"), "ELU": (("alpha",), "elu"),
                "CELU": (("alpha",), "celu"), "Hardtanh": (("min_val", "max_val"), "hardtanh"),
                "Softshrink": (("lambd",), "softshrink")}
_TORCH_SPECIAL = ("Softplus", "GELU", "RReLU", "PReLU")
_TORCH_REFUSED = {
    "Hardshrink": "it jumps by lambd at +-lambd (discontinuous, no Lipschitz constant)",
    "Threshold": "it jumps from value to threshold at the threshold (discontinuous)",
    "Softmax": "it is not elementwise", "Softmin": "it is not elementwise",
    "LogSoftmax": "it is not elementwise", "GLU": "it is not elementwise",
    "Softmax2d": "it is not elementwise", "MultiheadAttention": "it is not elementwise",
}
_PASS_THROUGH = ("Identity", "Flatten", "Dropout")
_MODULE_ATTRS: frozenset | None = None


def _torch_class(layer: Any, nn: Any, names: Sequence[str]) -> str | None:
    """The first class of layer's MRO whose name is in `names` and is torch.nn's own class;
    None when there is none. Subclasses are accepted only when they keep that class's forward."""
    for cls in type(layer).__mro__:
        if cls.__name__ in names and getattr(nn, cls.__name__, None) is cls:
            if type(layer).forward is not cls.forward:
                raise ValueError(f"torch module {type(layer).__name__} subclasses nn.{cls.__name__} but overrides "
                                 "forward: its function is unknown here and cannot be bounded")
            return cls.__name__
    return None


def _check_plain(layer: Any, where: str, known: Sequence[str], parameters: Sequence[str] = (),
                 modules: Sequence[str] = ()) -> None:
    """Refuse a module with hooks, submodules, buffers, parameters or attributes beyond those read."""
    import torch.nn as nn

    global _MODULE_ATTRS
    if _MODULE_ATTRS is None:
        _MODULE_ATTRS = frozenset(vars(nn.Module()))
    name = type(layer).__name__
    hooks = [h for h in ("_forward_hooks", "_forward_pre_hooks") if getattr(layer, h, None)]
    if hooks:
        raise ValueError(f"{where} ({name}) has forward hooks (e.g. the old spectral_norm/weight_norm): the "
                         "function it computes may differ from its stored weights; remove the hooks "
                         "(torch.nn.utils.parametrize keeps the weights readable)")
    extra_modules = sorted(set(getattr(layer, "_modules", None) or {}) - set(modules))
    if extra_modules:
        raise ValueError(f"{where} ({name}) has submodules {extra_modules}: cannot be bounded")
    if getattr(layer, "_buffers", None):
        raise ValueError(f"{where} ({name}) has buffers {sorted(layer._buffers)} that are not understood here: "
                         "cannot be bounded")
    extra_params = sorted(set(getattr(layer, "_parameters", {})) - set(parameters))
    if extra_params:
        raise ValueError(f"{where} ({name}) has parameters {extra_params} that are not understood here: "
                         "cannot be bounded")
    extra = sorted(set(vars(layer)) - _MODULE_ATTRS - set(known) - {"inplace"})
    if extra:
        raise ValueError(f"{where} ({name}) has attributes {extra} that are not understood here: "
                         "cannot be bounded")


def _number(layer: Any, attr: str, where: str) -> float:
    value = getattr(layer, attr)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(float(value)):
        raise ValueError(f"{where} ({type(layer).__name__}): {attr} must be a finite number, got {value!r}")
    return float(value)


def _softplus_from_torch(layer: Any, where: str, dtype: Any) -> Activation:
    """nn.Softplus(beta, threshold): log(1 + exp(beta z)) / beta for beta z <= threshold, z above.

    At z = threshold / beta the switch drops the output by log1p(exp(-threshold)) / beta (a
    discontinuity of the real-arithmetic module). We bound the smooth softplus (slopes in
    [0, 1]) and accept the module only when that drop is below half a unit in the last place
    of the output there in the network's dtype (float32: threshold >= ~14, the default 20
    passes; float64: threshold >= ~34), so that the module cannot be told from the smooth
    function beyond rounding; otherwise ValueError."""
    import torch

    beta = _number(layer, "beta", where)
    t = _number(layer, "threshold", where)
    if beta <= 0:
        raise ValueError(f"{where} (Softplus): beta must be positive to be bounded, got {beta}")
    eps = float(torch.finfo(dtype).eps) if dtype is not None else float(np.finfo(float).eps)
    drop = math.log1p(math.exp(-t)) if t > -700 else -t
    if not drop <= 0.5 * eps * abs(t):
        raise ValueError(
            f"{where} (Softplus(beta={beta:g}, threshold={t:g})) cannot be bounded: its switch to the identity at "
            f"z = threshold / beta drops the output by log1p(exp(-threshold)) / beta = {drop / beta:.3g} "
            f"(a discontinuity, larger than the rounding of {dtype}); use threshold >= "
            f"{_softplus_threshold(eps):.0f} for this dtype")
    return Activation("softplus", params=(beta,))


def _softplus_threshold(eps: float) -> float:
    t = 1.0
    while math.log1p(math.exp(-t)) > 0.5 * eps * t:
        t += 1.0
    return t


def _activation_from_torch(layer: Any, where: str, dtype: Any) -> Activation | None:
    """Activation of a torch activation module; None when the module is not an activation;
    ValueError when it is one that cannot be bounded."""
    import torch.nn as nn

    cls = _torch_class(layer, nn, tuple(_TORCH_PLAIN) + tuple(_TORCH_PARAM) + _TORCH_SPECIAL)
    if cls is None:
        return None
    if cls in _TORCH_PLAIN:
        _check_plain(layer, where, ())
        return Activation(_TORCH_PLAIN[cls])
    if cls in _TORCH_PARAM:
        attrs, name = _TORCH_PARAM[cls]
        _check_plain(layer, where, attrs)
        values = tuple(_number(layer, a, where) for a in attrs)
        try:
            return Activation(name, params=values)
        except ValueError as exc:
            raise ValueError(f"{where} ({type(layer).__name__}): {exc}") from None
    if cls == "Softplus":
        _check_plain(layer, where, ("beta", "threshold"))
        return _softplus_from_torch(layer, where, dtype)
    if cls == "GELU":
        _check_plain(layer, where, ("approximate",))
        approx = layer.approximate
        if approx not in ("none", "tanh"):
            raise ValueError(f"{where} (GELU): approximate={approx!r} is not understood here: cannot be bounded")
        return Activation("gelu" if approx == "none" else "gelu_tanh")
    if cls == "RReLU":
        # training mode: a random negative slope in [lower, upper] per element; eval mode:
        # the mean (lower + upper) / 2. Both lie in [min(lower, 1), max(upper, 1)].
        _check_plain(layer, where, ("lower", "upper"))
        lo, up = _number(layer, "lower", where), _number(layer, "upper", where)
        if lo > up:
            raise ValueError(f"{where} (RReLU): lower ({lo}) must not exceed upper ({up})")
        return Activation("leaky_relu", min(lo, 1.0), max(up, 1.0), params=(0.5 * (lo + up),))
    # PReLU: one learned negative slope (num_parameters=1); per-channel slopes are refused
    _check_plain(layer, where, ("num_parameters", "init"), parameters=("weight",))
    w = layer.weight.detach().cpu().numpy().astype(float).reshape(-1)
    if w.size != 1:
        raise ValueError(f"{where} (PReLU with {w.size} parameters) cannot be bounded here: one negative slope "
                         "per channel is not supported (use num_parameters=1)")
    return Activation("leaky_relu", params=(float(w[0]),))


def _flatten_sequential(module: Any, nn: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if type(module).forward is not nn.Sequential.forward:
        raise ValueError(f"{type(module).__name__} overrides nn.Sequential.forward: cannot be bounded")
    _check_hooks_only(module, f"container {prefix or 'model'}")
    out = []
    for key, layer in module.named_children():
        name = f"{prefix}{key}"
        if isinstance(layer, nn.Sequential):
            out += _flatten_sequential(layer, nn, name + ".")
        else:
            out.append((name, layer))
    return out


def _check_hooks_only(module: Any, where: str) -> None:
    if getattr(module, "_forward_hooks", None) or getattr(module, "_forward_pre_hooks", None):
        raise ValueError(f"{where} has forward hooks: the function it computes is unknown here")


def from_torch(module: Any) -> Network:
    """A Network from a torch `nn.Sequential` (nested ones are flattened) of Linear layers and
    elementwise activation modules; Identity, Flatten and Dropout (in eval mode or p = 0) are
    skipped.

    Every activation module's hyperparameters are read into its exact slope bounds
    (activations.py): ReLU, LeakyReLU(negative_slope), ELU(alpha), CELU(alpha > 0), SELU,
    Softplus(beta, threshold) (see `_softplus_from_torch`), Hardtanh(min_val, max_val),
    ReLU6, Tanh, Sigmoid, Hardsigmoid, Hardswish, GELU (approximate 'none' or 'tanh'), SiLU,
    Mish, Softsign, Tanhshrink, LogSigmoid, Softshrink(lambd), RReLU(lower, upper) (both
    modes), PReLU with one parameter. Anything else -- a module with forward hooks, a
    subclass that overrides forward, an attribute, parameter or buffer not read here,
    a discontinuous or non-elementwise activation, Dropout in training mode -- raises
    ValueError naming the module.
    """
    try:
        import torch
        import torch.nn as nn  # lazy: torch is optional
    except ImportError as exc:  # pragma: no cover - only reached with a torch-like object
        raise ValueError("from_torch needs torch installed") from exc

    if not isinstance(module, nn.Module):
        raise ValueError(f"from_torch needs a torch nn.Sequential, got {type(module).__name__}")
    if not isinstance(module, nn.Sequential):
        raise ValueError(f"from_torch needs a torch nn.Sequential, got {type(module).__name__} (its forward "
                         "is not known here)")
    mm = torch.nn.modules.module
    for hooks in ("_global_forward_hooks", "_global_forward_pre_hooks"):
        if getattr(mm, hooks, None):
            raise ValueError("global torch module forward hooks are registered: the function the model "
                             "computes is unknown here")
    weights, biases, acts = [], [], []
    dtype = None
    expect_linear = True
    for key, layer in _flatten_sequential(module, nn):
        where = f"torch module {key!r}"
        cls = _torch_class(layer, nn, ("Linear",))
        if cls == "Linear":
            # torch.nn.utils.parametrize keeps nn.Linear.forward and computes .weight on access
            _check_plain(layer, where, ("in_features", "out_features"), parameters=("weight", "bias"),
                         modules=("parametrizations",))
            if not expect_linear:
                raise ValueError(f"{where}: two Linear layers in a row: merge them or add an activation between")
            weight = layer.weight
            dtype = dtype or weight.dtype
            weights.append(weight.detach().cpu().numpy().astype(float))
            b = layer.bias
            biases.append(np.zeros(layer.out_features) if b is None else b.detach().cpu().numpy().astype(float))
            expect_linear = False
            continue
        passing = _torch_class(layer, nn, _PASS_THROUGH)
        if passing is not None:
            if passing == "Dropout":
                _check_plain(layer, where, ("p",))
                if layer.training and layer.p > 0:
                    raise ValueError(f"{where} (Dropout(p={layer.p})) is in training mode, where it rescales "
                                     "random units by 1/(1-p): call model.eval() first")
            elif passing == "Flatten":
                _check_plain(layer, where, ("start_dim", "end_dim"))
            else:
                _check_plain(layer, where, ())
            continue
        if type(layer).__name__ in _TORCH_REFUSED and getattr(nn, type(layer).__name__, None) is type(layer):
            raise ValueError(f"{where} ({type(layer).__name__}) cannot be bounded: "
                             f"{_TORCH_REFUSED[type(layer).__name__]}")
        act = _activation_from_torch(layer, where, dtype)
        if act is None:
            raise ValueError(f"{where} ({type(layer).__name__}) cannot be bounded: unsupported torch module; "
                             "supported: Linear, " + ", ".join(sorted(set(_TORCH_PLAIN) | set(_TORCH_PARAM)
                                                                     | set(_TORCH_SPECIAL) | {"ReLU6"}))
                             + " (and Identity/Flatten/Dropout in eval mode)")
        if expect_linear:
            raise ValueError(f"{where} ({type(layer).__name__}): an activation must follow a Linear layer "
                             "(two activations in a row, or one before the first Linear)")
        acts.append(act)
        expect_linear = True
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
