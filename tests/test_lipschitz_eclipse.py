"""method="auto" (the default) and ECLipsE / ECLipsE-Fast (Xu and Sivaranjani, NeurIPS 2024)."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from problems.lipschitz import lipschitz_bound
from problems.lipschitz.auto import AUTO_DEEP_LAYERS, AUTO_SDP_MAX_NEURONS, choose_method
from problems.lipschitz.certify_lmi import certify_lipsdp
from problems.lipschitz.eclipse import clique_check, eclipse_bound, pow2_scale
from problems.lipschitz.lipsdp_matrices import neuron_slopes
from problems.lipschitz.network import from_weights

QUICK_LOWER = {"n_samples": 256, "steps": 10}


def weights(seed=0, dims=(4, 7, 6, 5, 2)):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((dims[i + 1], dims[i])) / np.sqrt(dims[i]) for i in range(len(dims) - 1)]


def orthogonal(n, seed):
    q, r = np.linalg.qr(np.random.default_rng(seed).standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def test_default_bounds_a_maxmin_net_by_its_true_constant():
    """Default arguments on a MaxMin net with orthogonal weights: verified L <= 1 (the true
    constant); before method='auto' became the default this raised and asked for lipsdp-nsr."""
    pytest.importorskip("problems.lipschitz.grouped")
    W = [orthogonal(8, s) for s in range(3)]
    b = lipschitz_bound(W, activation="maxmin", lower_options=QUICK_LOWER)
    assert b.verified and b.value <= 1.0 + 1e-6
    assert b.method == "lipsdp-nsr" and "not slope-restricted" in b.reason
    assert 1.0 - 1e-6 <= b.lower <= b.value
    assert "auto:" in b.summary()


def test_auto_rule_and_reason():
    small = from_weights(weights(0), "relu")
    b = lipschitz_bound(small, lower=False)
    assert b.method == "lipsdp-neuron" and str(sum(small.hidden)) in b.reason
    assert lipschitz_bound(small, "lipsdp-neuron", lower=False).reason == ""
    assert choose_method(small, "linf")[0] == "lipsdp-nsr"
    deep = from_weights([np.zeros((20, 20))] * (AUTO_DEEP_LAYERS + 2), "relu")
    assert sum(deep.hidden) > AUTO_SDP_MAX_NEURONS
    assert choose_method(deep, "l2")[0] == "eclipse"
    assert choose_method(deep, "l2", split=2)[0] == "lipsdp-neuron"
    wide = from_weights([np.zeros((300, 4)), np.zeros((300, 300)), np.zeros((1, 300))], "relu")
    assert choose_method(wide, "l2")[0] in ("lipsdp-neuron-fo", "lipsdp-neuron-chordal")
    assert choose_method(wide, "l2", backend="scs")[0] == "lipsdp-neuron-chordal"


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "gelu", "tanh"])
def test_eclipse_bounds_are_certified_on_the_full_lipsdp_lmi(activation):
    """The multipliers behind each ECLipsE bound (mapped to the original weights) make the full
    LipSDP-Neuron matrix negative definite: an independent check of the clique certificate.
    GELU has alpha < 0 (a b < 0), the case the reference code's dropped a b term gets wrong."""
    net = from_weights(weights(1), activation)
    alpha, beta = neuron_slopes(net)
    for method in ("eclipse-fast", "eclipse"):
        b = eclipse_bound(net, method)
        assert b.verified and b.certificate.verified and len(b.certificate.max_eigenvalues) == len(net.hidden)
        cert, _ = certify_lipsdp(list(net.weights), alpha, beta, np.concatenate(b.multipliers["lambda"]),
                                 b.multipliers["rho"] * (1 + 1e-9), repair=False)
        assert cert.verified, cert.message
        assert b.value == pytest.approx(np.sqrt(b.multipliers["rho"]), rel=1e-9)
        # a bound 1 % lower does not pass with the same multipliers
        low, _ = certify_lipsdp(list(net.weights), alpha, beta, np.concatenate(b.multipliers["lambda"]),
                                b.multipliers["rho"] * 0.98, repair=False)
        assert not low.verified


def test_eclipse_between_lipsdp_and_the_product_of_norms():
    net = from_weights(weights(2), "relu")
    neuron = lipschitz_bound(net, "lipsdp-neuron", lower=False)
    fast = lipschitz_bound(net, "eclipse-fast", lower_options=QUICK_LOWER)
    ecl = lipschitz_bound(net, "eclipse", lower=False)
    assert neuron.bound <= ecl.value <= fast.value * (1 + 1e-9) <= net.naive_bound()
    assert fast.lower <= fast.value
    assert ecl.status.name == "FEASIBLE" and ecl.method == "eclipse"


def test_eclipse_is_lipsdp_neuron_on_one_hidden_layer():
    """With one hidden layer the layer problem is LipSDP-Neuron itself."""
    net = from_weights(weights(3, dims=(5, 12, 3)), "relu")
    neuron = lipschitz_bound(net, "lipsdp-neuron", lower=False)
    ecl = lipschitz_bound(net, "eclipse", lower=False)
    assert ecl.value == pytest.approx(neuron.value, rel=1e-5)
    assert ecl.value >= neuron.bound


def test_eclipse_layer_sdp_through_optlib():
    net = from_weights(weights(4, dims=(3, 6, 5, 2)), "relu")
    sdp = lipschitz_bound(net, "eclipse", layer_solver="sdp", lower=False)
    fo = lipschitz_bound(net, "eclipse", lower=False)
    assert sdp.verified and sdp.results and "sdp" in sdp.path
    assert sdp.value == pytest.approx(fo.value, rel=2e-2)


def test_clique_check_and_scaling():
    assert clique_check(np.eye(3))[0]
    assert not clique_check(np.diag([1.0, 1.0, -1e-12]))[0]
    assert not clique_check(np.diag([1.0, 0.0]))[0]                  # singular: below the margin
    Ws, es = pow2_scale([np.array([[3.0, 1.0]]), np.zeros((2, 1))])
    assert np.array_equal(np.ldexp(Ws[0], es[0]), [[3.0, 1.0]]) and es[1] == 0


def test_eclipse_bad_input():
    W = weights(0)
    with pytest.raises(ValueError, match="layer_solver"):
        lipschitz_bound(W, "eclipse", layer_solver="newton")
    with pytest.raises(ValueError, match="eclipse-fast"):
        lipschitz_bound(W, "eclipse-fast", max_iter=3)
    with pytest.raises(ValueError, match="lipsdp-nsr"):
        lipschitz_bound(weights(0, dims=(4, 6, 4, 2)), "eclipse", activation="maxmin")
    with pytest.raises(ValueError, match="max_iter"):
        lipschitz_bound(W, "eclipse", max_iter=0)
    with pytest.raises(ValueError, match="split"):
        lipschitz_bound(W, "eclipse", split=1)


def test_bench_eclipse_quick():
    script = Path(__file__).resolve().parents[1] / "examples" / "bench_eclipse.py"
    out = subprocess.run([sys.executable, str(script), "--quick"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "| random-3x8 |" in out.stdout and "| random-6x8 |" in out.stdout and "NOT verified" not in out.stdout
    assert "eclipse-closed" in out.stdout


def test_eclipse_honours_its_time_limit():
    """Each layer's first-order search gets a share of what is left and stops at it (before: a
    30-layer net took 23 s for time_limit=1); the layers after the limit take the Fast choice."""
    from wallclock import Clock

    rng = np.random.default_rng(0)
    net = from_weights([rng.standard_normal((40, 40)) / np.sqrt(40) for _ in range(30)], "relu")
    with Clock() as clock:
        b = lipschitz_bound(net, method="eclipse", time_limit=0.5)
    assert clock.elapsed <= 1.5 * 0.5 + 0.3, (clock.wall, clock.cpu)
    assert b.limit_reached == "time_limit" and b.verified and np.isfinite(b.value)
