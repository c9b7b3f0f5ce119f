"""Audit of the slope bounds [alpha, beta] that every elementwise activation claims (no torch needed).

LipSDP's certificate is only as good as alpha <= (phi(a) - phi(b)) / (a - b) <= beta. Checked here
directly on secant slopes of phi (dense neighbours and random far-apart pairs), together with
tightness (the bounds are the exact inf / sup of phi'), phi' against finite differences of phi, and
the surrogate phi'' of the lower bound's smoothing against finite differences of phi'. The name
interface (make_activation, Activation(name, params=...)) keeps working.
"""
import numpy as np
import pytest

from problems.lipschitz import Activation, from_weights, lipschitz_bound, make_activation
from problems.lipschitz.activations import SPECS, slope_bounds

CASES = [("relu", ()), ("leaky_relu", (0.01,)), ("leaky_relu", (2.0,)), ("leaky_relu", (-0.5,)),
         ("elu", (0.5,)), ("elu", (1.0,)), ("elu", (3.0,)), ("elu", (10.0,)), ("elu", (-0.7,)), ("elu", (0.0,)),
         ("celu", (0.5,)), ("celu", (3.0,)), ("selu", ()), ("softplus", (0.5,)), ("softplus", (5.0,)),
         ("hardtanh", (-0.5, 2.0)), ("hardtanh", (0.0, 6.0)), ("tanh", ()), ("sigmoid", ()),
         ("hardsigmoid", ()), ("hardswish", ()), ("gelu", ()), ("gelu_tanh", ()), ("silu", ()), ("mish", ()),
         ("softsign", ()), ("tanhshrink", ()), ("logsigmoid", ()), ("softshrink", (0.3,)), ("softshrink", (0.0,)),
         ("linear", ())]
IDS = [f"{n}{p}" for n, p in CASES]


def _grid():
    far = np.logspace(1.0, 4.0, 400)
    return np.unique(np.concatenate([np.arange(-30.0, 30.0, 1e-3), far, -far]))


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_secant_slopes_lie_in_the_bounds_and_the_bounds_are_tight(name, params):
    act = Activation(name, params=params)
    lo, hi = act.alpha, act.beta
    z = _grid()
    phi = act(z)
    sec = np.diff(phi) / np.diff(z)
    rng = np.random.default_rng(0)
    a, b = rng.normal(scale=8.0, size=(2, 20000))
    far = (act(a) - act(b)) / (a - b)
    for s in (sec, far):
        tol = 1e-9 * max(1.0, abs(lo), abs(hi))
        assert s.min() >= lo - tol and s.max() <= hi + tol, (name, params, s.min(), s.max(), lo, hi)
    tight = 1e-3 * max(1.0, abs(hi))
    assert sec.min() <= lo + tight and sec.max() >= hi - tight, (name, params, sec.min(), sec.max(), lo, hi)
    assert (lo, hi) == slope_bounds(name, params)


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_derivative_and_surrogate_match_finite_differences(name, params):
    act = Activation(name, params=params)
    spec = SPECS[name]
    z = np.linspace(-7.3, 7.1, 3001)
    kinks = [k.at for k in spec.kinks(act.params)] if spec.kinks else []
    far = np.all([np.abs(z - k) > 1e-3 for k in kinks], axis=0) if kinks else np.ones_like(z, bool)
    h = 1e-6
    fd = (act(z + h) - act(z - h)) / (2 * h)
    assert np.allclose(act.derivative(z)[far], fd[far], atol=1e-6)
    d1, d2 = spec.smooth(z, act.params, 1e-4)            # narrow sigmoids: phi' away from the kinks
    away = np.all([np.abs(z - k) > 0.05 for k in kinks], axis=0) if kinks else far
    assert np.allclose(d1[away], act.derivative(z)[away], atol=1e-8)
    if spec.d2 is not None:
        fd2 = (act.derivative(z + h) - act.derivative(z - h)) / (2 * h)
        assert np.allclose(d2[far], fd2[far], atol=1e-5)


def test_name_activations_keep_working():
    assert (make_activation("elu").alpha, make_activation("elu").beta) == (0.0, 1.0)
    assert make_activation("relu6").params == (0.0, 6.0)
    assert (make_activation("leaky_relu").alpha, make_activation("leaky_relu").beta) == (0.01, 1.0)
    assert Activation("leaky_relu", 0.2, 1.0).params == (0.2,)                 # old form: alpha is the slope
    assert (Activation("elu", params=(3.0,)).alpha, Activation("elu", params=(3.0,)).beta) == (0.0, 3.0)
    assert Activation("leaky_relu", params=(2.0,)).alpha == 1.0
    assert slope_bounds("elu", (-2.0,)) == (-2.0, 1.0)
    with pytest.raises(ValueError, match="do not contain"):
        Activation("elu", 0.0, 1.0, params=(3.0,))
    with pytest.raises(ValueError, match="alpha"):
        Activation("celu", params=(-1.0,))
    with pytest.raises(ValueError, match="beta"):
        Activation("softplus", params=(0.0,))
    with pytest.raises(ValueError, match="takes 1 parameter"):
        Activation("elu", params=(1.0, 2.0))
    with pytest.raises(ValueError, match="supported: relu, leaky_relu"):
        make_activation("swish")


def test_parameterised_elu_net_bound_is_above_sampled_gradients():
    rng = np.random.default_rng(0)
    Ws = [rng.standard_normal((6, 2)), rng.standard_normal((1, 6))]
    for alpha in (3.0, -2.0):
        net = from_weights(Ws, Activation("elu", params=(alpha,)))
        b = lipschitz_bound(net)
        X = rng.standard_normal((3000, 2)) * 3
        grads = max(np.linalg.norm(net.jacobian(x)) for x in X)
        assert b.verified and b.value >= grads and b.lower <= b.value
