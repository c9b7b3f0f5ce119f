"""Elementwise activations: phi, phi' and outward-safe slope bounds [alpha, beta] of phi'.

LipSDP (Fazlyab et al., NeurIPS 2019) needs, for every hidden neuron, numbers alpha <= beta
with alpha <= (phi(a) - phi(b)) / (a - b) <= beta for all a != b. For a continuous,
piecewise-differentiable phi every secant slope is an average of phi', so the closed
interval [inf phi', sup phi'] is the tightest such pair; each entry of `SPECS` gives it in
closed form (or, for the non-monotone smooth activations GELU, SiLU and Mish, from the
critical points of phi', see `_critical_range`), rounded outward.

The slopes (derivations, parameters as in torch.nn):

* relu: phi' in {0, 1} -> [0, 1].
* leaky_relu(negative_slope = a): phi' in {a, 1} -> [min(a, 1), max(a, 1)] (a may be > 1 or < 0).
* elu(alpha = a): phi(z) = z (z > 0), a (e^z - 1) (z <= 0), continuous at 0 for every a;
  phi' = 1 (z > 0), a e^z (z < 0), and a e^z sweeps (0, a] for a > 0, [a, 0) for a < 0, {0}
  for a = 0 -> [min(0, a), max(1, a)].
* celu(alpha = a > 0): phi' = exp(z / a) in (0, 1] for z < 0, 1 for z > 0 -> [0, 1]. For
  a < 0 the negative side is a (exp(z / a) - 1), whose slope exp(z / a) grows without bound as
  z -> -inf: not Lipschitz (refused); a = 0 is undefined (refused).
* selu: phi' = scale (z > 0), scale alpha e^z in (0, scale alpha] (z < 0), scale alpha ~ 1.7581
  > scale -> [0, scale * alpha] (product rounded up).
* softplus(beta = b > 0): phi = log(1 + e^{b z}) / b, phi' = sigmoid(b z) in (0, 1) -> [0, 1]
  for every b (the threshold switch of torch is handled in network.from_torch).
* hardtanh(min_val, max_val), relu6 = hardtanh(0, 6): phi' in {0, 1} -> [0, 1] ([0, 0] if
  min_val == max_val: a constant).
* tanh: 1 - tanh^2 in (0, 1] -> [0, 1]. sigmoid: s (1 - s) in (0, 1/4] -> [0, 1/4].
* hardsigmoid: z / 6 + 1/2 clipped to [0, 1]: phi' in {0, 1/6} -> [0, 1/6 rounded up to the
  float32 constant 0.16666667163..., which torch's backward uses even in float64].
* hardswish: z relu6(z + 3) / 6: phi' = 0 (z < -3), (2z + 3) / 6 in (-1/2, 3/2) (|z| < 3),
  1 (z > 3); continuous at +-3 -> [-1/2, 3/2] (exact in binary).
* softsign z / (1 + |z|): phi' = 1 / (1 + |z|)^2 in (0, 1] -> [0, 1].
* tanhshrink z - tanh z: phi' = tanh^2 in [0, 1) -> [0, 1].
* logsigmoid: phi' = sigmoid(-z) in (0, 1) -> [0, 1].
* softshrink(lambd >= 0): phi' in {0, 1} -> [0, 1] ([1, 1] for lambd = 0: the identity).
* gelu (z Phi(z)), gelu_tanh (torch's approximate='tanh'), silu (z sigmoid(z)), mish
  (z tanh(softplus(z))): non-monotone, phi' dips below 0 and overshoots 1; the exact
  extremes are at the roots of phi'' (e.g. GELU: phi'' = pdf(z) (2 - z^2), so z = +-sqrt 2 and
  phi' in [Phi(-sqrt 2) - sqrt 2 pdf(sqrt 2), Phi(sqrt 2) + sqrt 2 pdf(sqrt 2)] ~ [-0.1289,
  1.1289]); found numerically by bracketing every sign change of phi'' on a fine grid and
  refining it with brentq, then widened by 1e-9.
* linear: [1, 1].

Convention: the bounds are for the real-arithmetic function with the parameters as Python
floats (float64). A float32 torch module rounds its constants (e.g. 1/6, the SELU constants,
alpha = 1.1) to float32, a relative change of at most 6e-8 -- the same order as the
float32 rounding of its weights, which no bound on the real-arithmetic network covers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np
from scipy import optimize, special

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_GELU_C = math.sqrt(2.0 / math.pi)
_GELU_K = 0.044715
_NUMERIC_PAD = 1e-9


def _up(x: float) -> float:
    return float(np.nextafter(float(x), np.inf))


def _down(x: float) -> float:
    return float(np.nextafter(float(x), -np.inf))


def _sig(z: np.ndarray) -> np.ndarray:
    return special.expit(z)


# ----------------------------------------------------------------------------------------
# numeric extremes of phi' for the smooth non-monotone activations
# ----------------------------------------------------------------------------------------
def _critical_range(d1: Callable[[np.ndarray], np.ndarray], d2: Callable[[np.ndarray], np.ndarray],
                    limits: tuple[float, float], radius: float = 40.0, n: int = 400_001) -> tuple[float, float]:
    """[min phi', max phi'] over the real line, widened by `_NUMERIC_PAD`.

    Candidates: phi' at every root of phi'' in [-radius, radius] (each sign change of phi''
    on a grid of spacing 2 radius / (n - 1) = 2e-4, refined by brentq to ~1e-15), at the two
    grid ends and the limits of phi' at -inf / +inf. Between consecutive candidates phi' is
    monotone, so its range is spanned by them, provided phi'' keeps one sign beyond the grid
    (checked: phi'' must not change sign over the last 1 % of the grid on either side, else
    ValueError)."""
    xs = np.linspace(-radius, radius, n)
    v = d2(xs)
    s = np.sign(v)
    tail = max(2, n // 100)
    for part in (s[:tail], s[-tail:]):
        nz = part[part != 0]
        if nz.size and np.any(nz != nz[0]):
            raise ValueError("phi'' changes sign near the end of the search grid: slopes cannot be bounded")
    cands = [float(d1(np.array([-radius]))[0]), float(d1(np.array([radius]))[0]), *limits]
    idx = np.nonzero(s[:-1] * s[1:] < 0)[0]
    for i in idx:
        r = optimize.brentq(lambda x: float(d2(np.array([x]))[0]), xs[i], xs[i + 1], xtol=1e-15, rtol=1e-15)
        cands.append(float(d1(np.array([r]))[0]))
    cands += [float(v) for v in d1(xs[s == 0])]
    lo, hi = min(cands), max(cands)
    return lo - _NUMERIC_PAD, hi + _NUMERIC_PAD


def _gelu_d1(z: np.ndarray) -> np.ndarray:
    return special.ndtr(z) + z * np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def _gelu_d2(z: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi) * (2.0 - z * z)


def _gelu_tanh_parts(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    u = _GELU_C * (z + _GELU_K * z ** 3)
    T = np.tanh(u)
    up = _GELU_C * (1.0 + 3.0 * _GELU_K * z * z)
    upp = 6.0 * _GELU_C * _GELU_K * z
    T1 = (1.0 - T * T) * up
    T2 = (1.0 - T * T) * (upp - 2.0 * T * up * up)
    return T, T1, T2, u


def _gelu_tanh_d1(z: np.ndarray) -> np.ndarray:
    T, T1, _, _ = _gelu_tanh_parts(z)
    return 0.5 * (1.0 + T) + 0.5 * z * T1


def _gelu_tanh_d2(z: np.ndarray) -> np.ndarray:
    _, T1, T2, _ = _gelu_tanh_parts(z)
    return T1 + 0.5 * z * T2


def _silu_d1(z: np.ndarray) -> np.ndarray:
    s = _sig(z)
    return s * (1.0 + z * (1.0 - s))


def _silu_d2(z: np.ndarray) -> np.ndarray:
    s = _sig(z)
    return s * (1.0 - s) * (2.0 + z * (1.0 - 2.0 * s))


def _mish_parts(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    g = np.tanh(np.logaddexp(0.0, z))
    s = _sig(z)
    g1 = (1.0 - g * g) * s
    g2 = (1.0 - g * g) * s * (1.0 - s - 2.0 * g * s)
    return g, g1, g2


def _mish_d1(z: np.ndarray) -> np.ndarray:
    g, g1, _ = _mish_parts(z)
    return g + z * g1


def _mish_d2(z: np.ndarray) -> np.ndarray:
    _, g1, g2 = _mish_parts(z)
    return 2.0 * g1 + z * g2


@lru_cache(maxsize=None)
def numeric_slopes(name: str) -> tuple[float, float]:
    """[min, max] of phi' for gelu, gelu_tanh, silu, mish (cached)."""
    fns = {"gelu": (_gelu_d1, _gelu_d2), "gelu_tanh": (_gelu_tanh_d1, _gelu_tanh_d2),
           "silu": (_silu_d1, _silu_d2), "mish": (_mish_d1, _mish_d2)}
    d1, d2 = fns[name]
    return _critical_range(d1, d2, (0.0, 1.0))


# ----------------------------------------------------------------------------------------
# the table
# ----------------------------------------------------------------------------------------
Params = tuple


@dataclass(frozen=True)
class Kink:
    """A jump of phi' at z = at: phi' gains f(z) for z > at (f' its derivative)."""

    at: float
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]


def _const(c: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda z: np.full(np.shape(z), float(c))


@dataclass(frozen=True)
class Spec:
    """One elementwise activation: parameter names and defaults, a validity check, phi,
    phi' (a.e.), the slope bounds, and the pieces of phi' for the lower bound's smoothing:
    phi' = base(z) + sum_k [z > at_k] f_k(z) (`kinks`), or a smooth phi'' (`d2`)."""

    name: str
    params: tuple[str, ...]
    defaults: tuple[float, ...]
    phi: Callable[[np.ndarray, Params], np.ndarray]
    d1: Callable[[np.ndarray, Params], np.ndarray]
    slopes: Callable[[Params], tuple[float, float]]
    check: Callable[[Params], str | None] = lambda p: None
    d2: Callable[[np.ndarray, Params], np.ndarray] | None = None
    base: Callable[[np.ndarray, Params], tuple[np.ndarray, np.ndarray]] | None = None
    kinks: Callable[[Params], tuple[Kink, ...]] | None = None

    def smooth(self, z: np.ndarray, p: Params, t: float) -> tuple[np.ndarray, np.ndarray]:
        """(phi'_t, phi''_t): phi' with each jump replaced by a sigmoid of width t."""
        if self.d2 is not None:
            return self.d1(z, p), self.d2(z, p)
        b, db = self.base(z, p)
        d1, d2 = b.astype(float), db.astype(float)
        for k in self.kinks(p):
            s = 1.0 / (1.0 + np.exp(-np.clip((z - k.at) / t, -60, 60)))
            fz = k.f(z)
            d1 = d1 + s * fz
            d2 = d2 + s * (1.0 - s) / t * fz + s * k.df(z)
        return d1, d2


def _finite(p: Params) -> str | None:
    return None if all(math.isfinite(v) for v in p) else "parameters must be finite"


def _elu_neg(z: np.ndarray, a: float) -> np.ndarray:
    return a * np.exp(np.minimum(z, 0.0))


def _celu_check(p: Params) -> str | None:
    if not math.isfinite(p[0]) or p[0] <= 0:
        return (f"alpha must be a positive finite number, got {p[0]!r} (for alpha < 0 the negative side "
                "alpha (exp(z/alpha) - 1) has unbounded slope; alpha = 0 is undefined)")
    return None


def _softplus_check(p: Params) -> str | None:
    if not math.isfinite(p[0]) or p[0] <= 0:
        return f"beta must be a positive finite number, got {p[0]!r}"
    return None


def _hardtanh_check(p: Params) -> str | None:
    if not all(math.isfinite(v) for v in p):
        return "min_val and max_val must be finite"
    if p[0] > p[1]:
        return f"min_val ({p[0]}) must not exceed max_val ({p[1]})"
    return None


def _softshrink_check(p: Params) -> str | None:
    if not math.isfinite(p[0]) or p[0] < 0:
        return f"lambd must be a non-negative finite number, got {p[0]!r}"
    return None


def _zero2(z: np.ndarray, p: Params) -> tuple[np.ndarray, np.ndarray]:
    return np.zeros_like(z, dtype=float), np.zeros_like(z, dtype=float)


_LAM_A = SELU_SCALE * SELU_ALPHA
# 1/6 rounded up; torch's hardsigmoid backward uses the float32 constant 1/6 (0.16666667163...)
# even for float64 inputs, so its autograd slopes reach that: cover it too (3e-8 relative)
_HARDSIGMOID_BETA = max(_up(1.0 / 6.0), _up(float(np.float32(1.0 / 6.0))))

SPECS: dict[str, Spec] = {s.name: s for s in [
    Spec("relu", (), (),
         phi=lambda z, p: np.maximum(z, 0.0),
         d1=lambda z, p: (z > 0).astype(float),
         slopes=lambda p: (0.0, 1.0),
         base=_zero2, kinks=lambda p: (Kink(0.0, _const(1.0), _const(0.0)),)),
    Spec("leaky_relu", ("negative_slope",), (0.01,),
         phi=lambda z, p: np.where(z >= 0, z, p[0] * z),
         d1=lambda z, p: np.where(z > 0, 1.0, p[0]),
         slopes=lambda p: (min(p[0], 1.0), max(p[0], 1.0)), check=_finite,
         base=lambda z, p: (np.full(np.shape(z), p[0]), np.zeros(np.shape(z))),
         kinks=lambda p: (Kink(0.0, _const(1.0 - p[0]), _const(0.0)),)),
    Spec("elu", ("alpha",), (1.0,),
         phi=lambda z, p: np.where(z > 0, z, p[0] * np.expm1(np.minimum(z, 0.0))),
         d1=lambda z, p: np.where(z > 0, 1.0, _elu_neg(z, p[0])),
         slopes=lambda p: (min(0.0, p[0]), max(1.0, p[0])), check=_finite,
         base=lambda z, p: (_elu_neg(z, p[0]), np.where(z < 0, _elu_neg(z, p[0]), 0.0)),
         kinks=lambda p: (Kink(0.0, lambda z: 1.0 - _elu_neg(z, p[0]),
                               lambda z: -np.where(z < 0, _elu_neg(z, p[0]), 0.0)),)),
    Spec("celu", ("alpha",), (1.0,),
         phi=lambda z, p: np.where(z > 0, z, p[0] * np.expm1(np.minimum(z, 0.0) / p[0])),
         d1=lambda z, p: np.where(z > 0, 1.0, np.exp(np.minimum(z, 0.0) / p[0])),
         slopes=lambda p: (0.0, 1.0), check=_celu_check,
         base=lambda z, p: (np.exp(np.minimum(z, 0.0) / p[0]),
                            np.where(z < 0, np.exp(np.minimum(z, 0.0) / p[0]) / p[0], 0.0)),
         kinks=lambda p: (Kink(0.0, lambda z: 1.0 - np.exp(np.minimum(z, 0.0) / p[0]),
                               lambda z: -np.where(z < 0, np.exp(np.minimum(z, 0.0) / p[0]) / p[0], 0.0)),)),
    Spec("selu", (), (),
         phi=lambda z, p: SELU_SCALE * np.where(z > 0, z, SELU_ALPHA * np.expm1(np.minimum(z, 0.0))),
         d1=lambda z, p: np.where(z > 0, SELU_SCALE, _elu_neg(z, _LAM_A)),
         slopes=lambda p: (0.0, _up(_LAM_A)),
         base=lambda z, p: (_elu_neg(z, _LAM_A), np.where(z < 0, _elu_neg(z, _LAM_A), 0.0)),
         kinks=lambda p: (Kink(0.0, lambda z: SELU_SCALE - _elu_neg(z, _LAM_A),
                               lambda z: -np.where(z < 0, _elu_neg(z, _LAM_A), 0.0)),)),
    Spec("softplus", ("beta",), (1.0,),
         phi=lambda z, p: np.logaddexp(0.0, p[0] * z) / p[0],
         d1=lambda z, p: _sig(p[0] * z),
         d2=lambda z, p: p[0] * _sig(p[0] * z) * (1.0 - _sig(p[0] * z)),
         slopes=lambda p: (0.0, 1.0), check=_softplus_check),
    Spec("hardtanh", ("min_val", "max_val"), (-1.0, 1.0),
         phi=lambda z, p: np.clip(z, p[0], p[1]),
         d1=lambda z, p: ((z > p[0]) & (z < p[1])).astype(float),
         slopes=lambda p: (0.0, 1.0) if p[0] < p[1] else (0.0, 0.0), check=_hardtanh_check,
         base=_zero2,
         kinks=lambda p: (Kink(p[0], _const(1.0), _const(0.0)), Kink(p[1], _const(-1.0), _const(0.0)))),
    Spec("tanh", (), (),
         phi=lambda z, p: np.tanh(z),
         d1=lambda z, p: 1.0 - np.tanh(z) ** 2,
         d2=lambda z, p: -2.0 * np.tanh(z) * (1.0 - np.tanh(z) ** 2),
         slopes=lambda p: (0.0, 1.0)),
    Spec("sigmoid", (), (),
         phi=lambda z, p: _sig(z),
         d1=lambda z, p: _sig(z) * (1.0 - _sig(z)),
         d2=lambda z, p: _sig(z) * (1.0 - _sig(z)) * (1.0 - 2.0 * _sig(z)),
         slopes=lambda p: (0.0, 0.25)),
    Spec("hardsigmoid", (), (),
         phi=lambda z, p: np.clip(z / 6.0 + 0.5, 0.0, 1.0),
         d1=lambda z, p: np.where((z > -3.0) & (z < 3.0), 1.0 / 6.0, 0.0),
         slopes=lambda p: (0.0, _HARDSIGMOID_BETA),
         base=_zero2,
         kinks=lambda p: (Kink(-3.0, _const(1.0 / 6.0), _const(0.0)), Kink(3.0, _const(-1.0 / 6.0), _const(0.0)))),
    Spec("hardswish", (), (),
         phi=lambda z, p: z * np.clip(z + 3.0, 0.0, 6.0) / 6.0,
         d1=lambda z, p: np.where(z >= 3.0, 1.0, np.where(z > -3.0, (2.0 * z + 3.0) / 6.0, 0.0)),
         slopes=lambda p: (-0.5, 1.5),
         base=_zero2,
         kinks=lambda p: (Kink(-3.0, lambda z: (2.0 * z + 3.0) / 6.0, _const(1.0 / 3.0)),
                          Kink(3.0, lambda z: 1.0 - (2.0 * z + 3.0) / 6.0, _const(-1.0 / 3.0)))),
    Spec("softsign", (), (),
         phi=lambda z, p: z / (1.0 + np.abs(z)),
         d1=lambda z, p: 1.0 / (1.0 + np.abs(z)) ** 2,
         d2=lambda z, p: -2.0 * np.sign(z) / (1.0 + np.abs(z)) ** 3,
         slopes=lambda p: (0.0, 1.0)),
    Spec("tanhshrink", (), (),
         phi=lambda z, p: z - np.tanh(z),
         d1=lambda z, p: np.tanh(z) ** 2,
         d2=lambda z, p: 2.0 * np.tanh(z) * (1.0 - np.tanh(z) ** 2),
         slopes=lambda p: (0.0, 1.0)),
    Spec("logsigmoid", (), (),
         phi=lambda z, p: -np.logaddexp(0.0, -z),
         d1=lambda z, p: _sig(-z),
         d2=lambda z, p: -_sig(z) * (1.0 - _sig(z)),
         slopes=lambda p: (0.0, 1.0)),
    Spec("softshrink", ("lambd",), (0.5,),
         phi=lambda z, p: np.where(z > p[0], z - p[0], np.where(z < -p[0], z + p[0], 0.0)),
         d1=lambda z, p: ((z > p[0]) | (z < -p[0])).astype(float),
         slopes=lambda p: (0.0, 1.0) if p[0] > 0 else (1.0, 1.0), check=_softshrink_check,
         base=lambda z, p: (np.ones(np.shape(z)), np.zeros(np.shape(z))),
         kinks=lambda p: (Kink(-p[0], _const(-1.0), _const(0.0)), Kink(p[0], _const(1.0), _const(0.0)))),
    Spec("gelu", (), (),
         phi=lambda z, p: z * special.ndtr(z),
         d1=lambda z, p: _gelu_d1(z), d2=lambda z, p: _gelu_d2(z),
         slopes=lambda p: numeric_slopes("gelu")),
    Spec("gelu_tanh", (), (),
         phi=lambda z, p: 0.5 * z * (1.0 + np.tanh(_GELU_C * (z + _GELU_K * z ** 3))),
         d1=lambda z, p: _gelu_tanh_d1(z), d2=lambda z, p: _gelu_tanh_d2(z),
         slopes=lambda p: numeric_slopes("gelu_tanh")),
    Spec("silu", (), (),
         phi=lambda z, p: z * _sig(z),
         d1=lambda z, p: _silu_d1(z), d2=lambda z, p: _silu_d2(z),
         slopes=lambda p: numeric_slopes("silu")),
    Spec("mish", (), (),
         phi=lambda z, p: z * np.tanh(np.logaddexp(0.0, z)),
         d1=lambda z, p: _mish_d1(z), d2=lambda z, p: _mish_d2(z),
         slopes=lambda p: numeric_slopes("mish")),
    Spec("linear", (), (),
         phi=lambda z, p: np.asarray(z, dtype=float),
         d1=lambda z, p: np.ones(np.shape(z)),
         d2=lambda z, p: np.zeros(np.shape(z)),
         slopes=lambda p: (1.0, 1.0)),
]}

ALIASES = {"relu6": ("hardtanh", (0.0, 6.0))}   # name -> (spec name, parameters)


def resolve(name: str, params: Params | None) -> tuple[Spec, Params]:
    """(spec, validated float parameters) for an activation name; ValueError naming it."""
    spec = SPECS[name]
    if params is None or len(params) == 0:
        p = tuple(float(v) for v in spec.defaults)
    else:
        if len(params) != len(spec.params):
            raise ValueError(f"activation {name!r} takes {len(spec.params)} parameter(s) "
                             f"({', '.join(spec.params) or 'none'}), got {len(params)}: {tuple(params)!r}")
        try:
            p = tuple(float(v) for v in params)
        except (TypeError, ValueError):
            raise ValueError(f"parameters of activation {name!r} ({', '.join(spec.params)}) must be "
                             f"numbers, got {tuple(params)!r}") from None
    problem = spec.check(p)
    if problem:
        raise ValueError(f"activation {name!r} cannot be bounded: {problem}")
    return spec, p


def slope_bounds(name: str, params: Params | None = None) -> tuple[float, float]:
    """Outward-safe [inf phi', sup phi'] of the named activation with these parameters."""
    spec, p = resolve(name, params)
    return spec.slopes(p)
