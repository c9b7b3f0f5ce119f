"""LipSDP bounds (problems.lipschitz): reference values, certificates, repair, lower bounds, bad input."""
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from optlib import datasets
from problems.lipschitz import LipschitzBound, gradient_lower_bound, lipschitz_bound, load_mat
from problems.lipschitz.certify_lmi import certify_lipsdp
from problems.lipschitz.lipsdp import neuron_slopes
from problems.lipschitz.network import from_weights

# the LipSDP authors' networks, shipped with optlib (optlib.datasets); a skip names where to get them
_NO_RANDOM = datasets.missing("networks/lipsdp_random_weights.mat")
_NO_MNIST = datasets.missing("networks/lipsdp_mnist_weights.mat")
needs_random = pytest.mark.skipif(_NO_RANDOM is not None, reason=f"LipSDP random network: {_NO_RANDOM}")
needs_mnist = pytest.mark.skipif(_NO_MNIST is not None, reason=f"LipSDP MNIST network: {_NO_MNIST}")
RANDOM = None if _NO_RANDOM else datasets.network_path("random")
MNIST = None if _NO_MNIST else datasets.network_path("mnist")
QUICK_LOWER = {"n_samples": 512, "steps": 20}


def small_weights(seed: int = 0, dims=(3, 8, 6, 2)) -> list:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((dims[i + 1], dims[i])) for i in range(len(dims) - 1)]


@pytest.fixture(scope="module")
def random_net():
    return load_mat(RANDOM)


@pytest.fixture(scope="module")
def neuron(random_net) -> LipschitzBound:
    return lipschitz_bound(random_net, "lipsdp-neuron", backend="clarabel", lower_options=QUICK_LOWER)


# -- the LipSDP README's values on the authors' 2-10-30-20-2 ReLU network ---------------
@needs_random
def test_naive_bound(random_net):
    b = lipschitz_bound(random_net, "naive", lower_options=QUICK_LOWER)
    assert b.value == pytest.approx(43.31, rel=1e-3)
    assert b.certificate is None and b.verified and 0 < b.lower <= b.value


@needs_random
def test_neuron_reference_and_certificate(neuron):
    assert neuron.value == pytest.approx(36.482, rel=1e-3)
    c = neuron.certificate
    assert c.verified and neuron.valid and neuron.verified
    assert c.rho_certified >= c.rho_solver and neuron.value == pytest.approx(math.sqrt(c.rho_certified))
    assert 0 < neuron.lower <= neuron.value
    assert len(neuron.multipliers["lambda"]) == 3 and all(np.all(v >= 0) for v in neuron.multipliers["lambda"])
    assert "verified" in neuron.summary()


@needs_random
@pytest.mark.parametrize("method,split,ref", [("lipsdp-layer", None, 39.839), ("lipsdp-neuron", 2, 37.668)])
def test_layer_and_split_references(random_net, method, split, ref):
    b = lipschitz_bound(random_net, method, backend="clarabel", split=split, lower_options=QUICK_LOWER)
    assert b.value == pytest.approx(ref, rel=1e-3)
    assert b.certificate.verified and b.valid and 0 < b.lower <= b.value
    if split:
        assert len(b.parts) == 2 and all(p.certificate.verified for p in b.parts)
        assert b.value == pytest.approx(math.prod(p.value for p in b.parts))


@needs_random
def test_network_reference_is_labelled_invalid(random_net):
    b = lipschitz_bound(random_net, "lipsdp-network", backend="clarabel", lower=False)
    assert b.value == pytest.approx(36.482, rel=1e-3)
    assert b.certificate.verified and not b.valid and not b.verified
    assert "not a valid upper bound" in b.summary()
    assert len(b.multipliers["pairs"]) == 60 * 59 // 2


def test_network_coupling_goes_below_the_true_constant():
    """On this small ReLU net LipSDP-Network gives less than a Jacobian norm at an input
    (a valid lower bound): the coupled formulation is not a valid upper bound (Pauli et
    al. 2021); LipSDP-Neuron stays above it."""
    W = small_weights(0)
    low, x = gradient_lower_bound(W, return_point=True)
    assert low == pytest.approx(np.linalg.norm(from_weights(W).jacobian(x), 2))
    net_b = lipschitz_bound(W, "lipsdp-network", lower=False)
    neu_b = lipschitz_bound(W, "lipsdp-neuron", lower=False)
    assert not net_b.valid and net_b.value < low - 1.0
    assert neu_b.valid and neu_b.verified and neu_b.value >= low
    rand_b = lipschitz_bound(W, "lipsdp-network-rand", n_pairs=10, seed=1, lower=False)
    assert not rand_b.valid and len(rand_b.multipliers["pairs"]) == 10


# -- certificate and repair -----------------------------------------------------------------
@needs_random
def test_scs_answer_is_certified(neuron, random_net):
    """SCS at its default tolerances on the scaled LMI: whatever it returns, the reported value
    is certified and never below the interior-point optimum."""
    b = lipschitz_bound(random_net, "lipsdp-neuron", backend="scs", lower=False)
    assert b.certificate.verified
    assert b.value >= neuron.value - 1e-6
    assert b.value == pytest.approx(neuron.value, rel=1e-2)


@needs_random
def test_scs_unscaled_answer_is_repaired(neuron, random_net):
    """Without the weight scaling SCS stops far below the optimum (rho 1137 vs 1331) with
    multipliers whose hidden block is not negative definite: the repair moves them toward
    the anchor and raises rho until the rebuilt LMI holds."""
    b = lipschitz_bound(random_net, "lipsdp-neuron", backend="scs", normalize=False, lower=False)
    c = b.certificate
    assert c.repaired and c.verified and c.max_eigenvalues[0] > 0 >= c.max_eigenvalues[-1]
    assert c.rho_solver < neuron.certificate.rho_certified          # the solver's bound was invalid
    assert c.rho_certified > c.rho_solver and c.rho_increase == pytest.approx(c.rho_certified - c.rho_solver)
    assert b.value >= neuron.value - 1e-6
    assert b.value == pytest.approx(math.sqrt(c.rho_certified))


@needs_random
def test_certify_repairs_a_too_small_rho_exactly(neuron, random_net):
    alpha, beta = neuron_slopes(random_net)
    lam = np.concatenate(neuron.multipliers["lambda"])
    rho = neuron.certificate.rho_certified
    for dense_limit in (3000, 10):                       # dense eigvalsh, sparse LDL^T
        cert, _ = certify_lipsdp(random_net.weights, alpha, beta, lam, 0.99 * rho, dense_limit=dense_limit)
        assert cert.verified and cert.repaired and cert.rho_solver == pytest.approx(0.99 * rho)
        assert rho * (1 - 1e-7) <= cert.rho_certified <= rho * (1 + 1e-4)
    cert, _ = certify_lipsdp(random_net.weights, alpha, beta, lam, 0.99 * rho, repair=False)
    assert not cert.verified and cert.rho_certified is None


# -- MNIST 784-50-10: exact input compression -------------------------------------------------
@needs_mnist
@pytest.mark.parametrize("method,ref", [("lipsdp-neuron", 24.366), ("lipsdp-layer", 26.256)])
def test_mnist_with_input_compression_scs(method, ref):
    """The 834 x 834 LMI shrinks to 100 x 100 (W_0 -> U S); SCS at 1e-5 solves it in seconds
    and the certificate (checked on the original 834 x 834 LMI) makes the value rigorous."""
    b = lipschitz_bound(str(MNIST), method, backend="scs", options={"eps_abs": 1e-5, "eps_rel": 1e-5},
                        lower_options=QUICK_LOWER)
    assert "784->50" in b.path and "order 100" in b.path
    assert b.certificate.verified and "compressed LMI" not in b.certificate.message
    assert b.value == pytest.approx(ref, rel=1e-3) and b.value >= ref * (1 - 2e-5)
    assert 0 < b.lower <= b.value


@pytest.mark.slow
@needs_mnist
@pytest.mark.parametrize("method,ref", [("lipsdp-neuron", 24.366), ("lipsdp-layer", 26.256)])
def test_mnist_with_input_compression_clarabel(method, ref):
    b = lipschitz_bound(str(MNIST), method, backend="clarabel", lower=False)
    assert b.value == pytest.approx(ref, rel=1e-4) and b.certificate.verified


# -- other activations -------------------------------------------------------------------------
@pytest.mark.parametrize("activation", ["leaky_relu", "tanh", "sigmoid", "elu", ["tanh", "leaky_relu"]])
def test_slope_restricted_activations_give_valid_bounds(activation):
    W = small_weights(1)
    b = lipschitz_bound(W, "lipsdp-neuron", activation=activation)
    assert b.certificate.verified and b.valid
    assert 0 < b.lower <= b.value <= b.naive * (1 + 1e-9)
    layer = lipschitz_bound(W, "lipsdp-layer", activation=activation, lower=False)
    assert layer.value >= b.value * (1 - 1e-6)


def test_generic_slope_pair_and_split_boundary_slopes():
    W = small_weights(2)
    b = lipschitz_bound(W, "lipsdp-neuron", activation=(-0.5, 1.0))
    assert b.certificate.verified and b.lower is None            # no function to differentiate
    s = lipschitz_bound(W, "lipsdp-neuron", activation="sigmoid", split=1, lower=False)
    assert s.certificate is None and all(p.method == "spectral-norm" for p in s.parts)
    assert s.value == pytest.approx(math.prod(np.linalg.norm(w, 2) for w in W) * 0.25 ** 2)


def test_lower_bound_beats_plain_sampling():
    W = small_weights(3)
    low = gradient_lower_bound(W, n_samples=64, steps=100, seed=0)
    up = lipschitz_bound(W, "lipsdp-neuron", lower=False).value
    assert 0 < low <= up
    net = from_weights(W)
    X = np.random.default_rng(7).standard_normal((64, 3))
    assert low >= max(np.linalg.norm(net.jacobian(x), 2) for x in X) * (1 - 1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lower_exact_upper_sandwich(seed):
    """gradient lower bound <= exact constant (activation-region enumeration) <= LipSDP-Neuron;
    on these bias-free nets the default sampling reaches the exact value."""
    exact_mod = pytest.importorskip("problems.lipschitz.exact")
    if not hasattr(exact_mod, "exact_lipschitz_regions"):
        pytest.skip("problems.lipschitz.exact has no exact_lipschitz_regions")
    W = small_weights(seed)
    exact = exact_mod.exact_lipschitz_regions(from_weights(W)).value
    b = lipschitz_bound(W, "lipsdp-neuron")
    assert b.lower <= exact * (1 + 1e-9) and exact <= b.value * (1 + 1e-9)
    assert b.lower == pytest.approx(exact, rel=1e-6)


# -- bad input ------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs,match", [
    ({"net": [np.ones((3, 2)), np.ones((2, 4))]}, "do not chain"),
    ({"net": [np.full((3, 2), np.nan), np.ones((1, 3))]}, "NaN"),
    ({"net": [np.ones((3, 2)), np.ones((1, 3))], "activation": "swish"}, "supported: relu, leaky_relu"),
    ({"net": [np.ones((3, 2)), np.ones((1, 3))], "norm": "l3"}, "norm must be one of l2, linf"),
    ({"net": [np.ones((3, 2)), np.ones((1, 3))], "method": "lipsdp-foo"}, "unknown method.*lipsdp-neuron"),
    ({"net": [np.ones((4, 2)), np.ones((1, 4))], "method": "lipsdp-neuron", "activation": "maxmin"},
     "slope-restricted.*lipsdp-nsr"),
    ({"net": [np.ones((3, 2)), np.ones((1, 3))], "method": "lipsdp-neuron", "norm": "linf"}, "l2 formulation"),
    ({"net": [np.ones((3, 2)), np.ones((1, 3))], "split": 0}, "split must be a positive integer"),
    ({"net": [np.ones((3, 2)), np.ones((1, 3))], "split": 1.5}, "split must be a positive integer"),
    ({"net": [np.ones((3, 2)), np.ones((1, 3))], "method": "naive", "eps": 1}, "takes no options"),
    ({"net": [np.ones((3, 2)), np.ones((1, 3))], "n_pairs": 2}, "n_pairs applies"),
    ({"net": 42}, "net must be"),
])
def test_bad_input_raises_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        lipschitz_bound(**kwargs)


def test_torch_sequential():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Linear(8, 6),
                                torch.nn.Tanh(), torch.nn.Linear(6, 2))
    b = lipschitz_bound(model, "lipsdp-neuron", lower_options=QUICK_LOWER)
    assert b.certificate.verified and 0 < b.lower <= b.value <= b.naive * (1 + 1e-9)


@needs_random
def test_example_script_runs():
    script = Path(__file__).resolve().parents[1] / "examples" / "lipschitz_bounds.py"
    out = subprocess.run([sys.executable, str(script), "--networks", "random", "--methods",
                          "naive,lipsdp-neuron"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "36.4822" in out.stdout and "verified" in out.stdout


def test_auto_dispatches_grouped_activations_to_lipsdp_nsr():
    pytest.importorskip("problems.lipschitz.grouped")
    W = small_weights(0)
    for norm in ("l2", "linf"):
        b = lipschitz_bound(W, method="auto", activation="maxmin", norm=norm, lower_options=QUICK_LOWER)
        assert b.method.startswith("lipsdp-nsr") and b.norm == norm
        assert b.verified and 0 < b.lower <= b.value <= b.naive * (1 + 1e-9)
    assert lipschitz_bound(W, method="auto", lower=False).method == "lipsdp-neuron"
