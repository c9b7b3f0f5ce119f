"""lipsdp-neuron-fo: the first-order LipSDP-Neuron path (torch, CPU here) against the SDP."""
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from optlib import datasets  # noqa: E402
from problems.lipschitz import lipschitz_bound, load_mat  # noqa: E402
from problems.lipschitz.certify_lmi import anchor_multipliers, lipsdp_matrix, multiplier_matrix  # noqa: E402
from problems.lipschitz.firstorder import least_rho, lipsdp_first_order  # noqa: E402
from problems.lipschitz.lipsdp import neuron_slopes  # noqa: E402
from problems.lipschitz.network import from_weights  # noqa: E402

_NO_RANDOM = datasets.missing("networks/lipsdp_random_weights.mat")     # shipped with optlib; None when found
RANDOM = None if _NO_RANDOM else datasets.network_path("random")


def weights(seed=0, dims=(4, 7, 5, 6, 3)):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((dims[i + 1], dims[i])) / np.sqrt(dims[i]) for i in range(len(dims) - 1)]


def split_layers(v, hidden):
    offs = np.concatenate([[0], np.cumsum(hidden)])
    return [torch.as_tensor(v[offs[k]:offs[k + 1]], dtype=torch.float64) for k in range(len(hidden))]


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh"])
def test_least_rho_is_the_boundary_of_the_lmi(activation):
    """rho*(lambda) from the Schur recursion: M(rho*, lambda) is singular and negative semidefinite."""
    W = weights(1)
    net = from_weights(W, activation)
    alpha, beta = neuron_slopes(net)
    lam = anchor_multipliers(W, alpha, beta) * np.random.default_rng(2).uniform(1.0, 1.5, alpha.size)
    hidden = net.hidden
    r = least_rho([torch.as_tensor(w) for w in W], split_layers(alpha * beta, hidden),
                  split_layers(alpha + beta, hidden), split_layers(lam, hidden))
    assert r is not None
    r = float(r)
    top = lambda rho: float(np.linalg.eigvalsh(  # noqa: E731
        lipsdp_matrix(W, alpha, beta, multiplier_matrix(lam), rho).toarray())[-1])
    assert abs(top(r)) < 1e-8 * max(1.0, r)
    assert top(r * (1 + 1e-4)) < 0 < top(r * (1 - 1e-4))


def test_least_rho_reports_infeasible_multipliers():
    W = weights(3)
    net = from_weights(W, "relu")
    alpha, beta = neuron_slopes(net)
    tiny = np.full(alpha.size, 1e-9)          # -2 lambda cannot dominate W_l^T W_l: S_l is not < 0
    assert least_rho([torch.as_tensor(w) for w in W], split_layers(alpha * beta, net.hidden),
                     split_layers(alpha + beta, net.hidden), split_layers(tiny, net.hidden)) is None


@pytest.mark.skipif(_NO_RANDOM is not None, reason=f"LipSDP random network: {_NO_RANDOM}")
def test_reproduces_lipsdp_neuron_on_the_authors_network():
    b = lipschitz_bound(load_mat(RANDOM), "lipsdp-neuron-fo", lower=False, device="cpu")
    assert b.verified and b.method == "lipsdp-neuron-fo"
    assert b.value == pytest.approx(36.482, rel=1e-3)
    assert b.value >= 36.48222960 * (1 - 1e-9)          # the exact constant (region enumeration)
    assert "converged" in b.path and "on cpu" in b.path


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_matches_the_sdp_and_the_certificate_is_independent(activation):
    W = weights(4, dims=(3, 8, 6, 2))
    sdp = lipschitz_bound(W, "lipsdp-neuron", activation=activation, backend="clarabel", lower=False)
    fo = lipschitz_bound(W, "lipsdp-neuron-fo", activation=activation, lower=False, device="cpu")
    assert fo.verified
    assert fo.value == pytest.approx(sdp.value, rel=2e-3)
    net = from_weights(W, activation)
    alpha, beta = neuron_slopes(net)
    lam = np.concatenate(fo.multipliers["lambda"])
    M = lipsdp_matrix(W, alpha, beta, multiplier_matrix(lam), fo.multipliers["rho"]).toarray()
    assert np.linalg.eigvalsh(M)[-1] <= 0
    assert fo.value == pytest.approx(math.sqrt(fo.multipliers["rho"]))


def test_every_iterate_is_a_valid_bound_when_stopped_early():
    W = weights(5, dims=(3, 10, 10, 2))
    full = lipschitz_bound(W, "lipsdp-neuron-fo", lower=False, device="cpu")
    early = lipschitz_bound(W, "lipsdp-neuron-fo", lower=False, device="cpu", max_iter=3)
    assert early.verified and "max_iter=3" in early.path and "not converged" in early.path
    assert early.value >= full.value * (1 - 1e-9)
    assert early.value <= from_weights(W).naive_bound() * (1 + 1e-9)
    hist = early.multipliers["history"]
    assert len(hist) == 4 and hist[-1] <= hist[0] * (1 + 1e-12)


@pytest.mark.parametrize("kwargs, match", [
    ({"device": "tpu"}, "device"), ({"max_iter": 0}, "max_iter"), ({"lr": -1.0}, "lr"),
    ({"dtype": "float16"}, "dtype"), ({"split": 2}, "split"), ({"backend": "scs"}, "backend"),
    ({"eps_abs": 1e-3}, "unknown option"), ({"time_limit": 0}, "time_limit")])
def test_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        lipschitz_bound(weights(), "lipsdp-neuron-fo", lower=False, **kwargs)


def test_cuda_request_without_gpu_is_a_clear_error():
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(ValueError, match="CUDA"):
        lipsdp_first_order(from_weights(weights()), device="cuda")
