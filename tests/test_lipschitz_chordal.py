"""Chordal-LipSDP (lipsdp-neuron-chordal): same optimum as LipSDP-Neuron, certified on the full LMI."""
import math

import numpy as np
import pytest

from optlib import datasets
from problems.lipschitz import lipschitz_bound, load_mat
from problems.lipschitz.certify_lmi import lipsdp_matrix, multiplier_matrix
from problems.lipschitz.chordal import band_pattern, build_chordal_model
from problems.lipschitz.lipsdp import neuron_slopes
from problems.lipschitz.network import from_weights

_NO_RANDOM = datasets.missing("networks/lipsdp_random_weights.mat")     # shipped with optlib; None when found
needs_random = pytest.mark.skipif(_NO_RANDOM is not None, reason=f"LipSDP random network: {_NO_RANDOM}")
RANDOM = None if _NO_RANDOM else datasets.network_path("random")
FORMS = ("explicit", "split")


def weights(seed=0, dims=(4, 7, 5, 6, 3)):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((dims[i + 1], dims[i])) / np.sqrt(dims[i]) for i in range(len(dims) - 1)]


def full_lmi_max_eig(W, activation, b):
    """lambda_max of M(rho, lambda) rebuilt from the returned multipliers (original weights)."""
    net = from_weights(W, activation)
    alpha, beta = neuron_slopes(net)
    lam = np.concatenate(b.multipliers["lambda"])
    M = lipsdp_matrix(W, alpha, beta, multiplier_matrix(lam), b.multipliers["rho"]).toarray()
    return float(np.linalg.eigvalsh(M)[-1]), float(np.abs(M).max())


@pytest.fixture(scope="module")
def random_ref():
    net = load_mat(RANDOM)
    return net, lipschitz_bound(net, "lipsdp-neuron", backend="clarabel", lower=False)


@needs_random
@pytest.mark.parametrize("form", FORMS)
def test_lipsdp_random_net_reference(form, random_ref):
    net, ref = random_ref
    b = lipschitz_bound(net, "lipsdp-neuron-chordal", backend="clarabel", form=form, lower=False)
    assert b.value == pytest.approx(36.482, rel=1e-4)
    assert b.value == pytest.approx(ref.value, rel=1e-4)
    c = b.certificate
    assert c.verified and b.verified and c.rho_certified >= c.rho_solver
    assert b.value == pytest.approx(math.sqrt(c.rho_certified))
    assert b.method == "lipsdp-neuron-chordal" and "chordal" in b.path and "[12, 40, 50]" in b.path


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "sigmoid", ["tanh", "relu", "elu"]])
def test_equals_lipsdp_neuron_on_three_hidden_layers(activation):
    W = weights(1)
    ref = lipschitz_bound(W, "lipsdp-neuron", activation=activation, backend="clarabel", lower=False)
    for form in FORMS:
        b = lipschitz_bound(W, "lipsdp-neuron-chordal", activation=activation, backend="clarabel", form=form,
                            lower=False)
        assert b.value == pytest.approx(ref.value, rel=1e-4)
        assert b.certificate.verified and b.valid
        lmax, scale = full_lmi_max_eig(W, activation, b)
        assert lmax <= 1e-9 * scale                 # the full M is negative semidefinite
        assert all(np.all(v >= 0) for v in b.multipliers["lambda"])


def test_decomposition_sums_to_the_full_lmi():
    """The explicit form's Z_k are negative semidefinite and sum to M(rho, lambda) on the band."""
    W = weights(2)
    net = from_weights(W)
    alpha, beta = neuron_slopes(net)
    m, rho, lam, info = build_chordal_model(W, alpha, beta, list(net.hidden), "explicit")
    assert info["cliques"] == [4 + 7, 7 + 5, 5 + 6]
    res = m.solve(backend="clarabel")
    M = lipsdp_matrix(W, alpha, beta, multiplier_matrix(np.asarray(res[lam])), float(res[rho])).toarray()
    S = np.zeros_like(M)
    offs = np.cumsum([0, 4, 7, 5, 6])
    for k in range(3):
        Z = np.asarray(res[f"Z{k}"])
        assert np.linalg.eigvalsh(Z)[-1] <= 1e-6
        g = np.arange(offs[k], offs[k + 2])
        S[np.ix_(g, g)] += Z
    assert np.allclose(S, M, atol=1e-6)
    keys, cliques = band_pattern([4, 7, 5, 6])
    n = 22
    i, j = np.divmod(keys, n)
    assert np.all(i >= j) and np.all(np.abs(np.searchsorted(offs, i, "right") - np.searchsorted(offs, j, "right")) <= 1)
    assert np.all(M[np.abs(np.subtract.outer(np.searchsorted(offs, np.arange(n), "right"),
                                             np.searchsorted(offs, np.arange(n), "right"))) > 1] == 0)


def test_scs_answer_is_certified_and_not_below_the_optimum():
    W = weights(3)
    ref = lipschitz_bound(W, "lipsdp-neuron", backend="clarabel", lower=False)
    b = lipschitz_bound(W, "lipsdp-neuron-chordal", backend="scs", lower=False)
    assert b.certificate.verified
    assert b.value >= ref.value * (1 - 1e-6)
    lmax, scale = full_lmi_max_eig(W, "relu", b)
    assert lmax <= 1e-9 * scale


def test_one_hidden_layer_split_and_single_matrix():
    W = weights(4, dims=(3, 6, 2))
    ref = lipschitz_bound(W, "lipsdp-neuron", backend="clarabel", lower=False)
    b = lipschitz_bound(W, "lipsdp-neuron-chordal", backend="clarabel", lower=False)   # one clique
    assert b.value == pytest.approx(ref.value, rel=1e-4) and b.certificate.verified
    W4 = weights(5)
    s_ref = lipschitz_bound(W4, "lipsdp-neuron", backend="clarabel", split=2, lower=False)
    s = lipschitz_bound(W4, "lipsdp-neuron-chordal", backend="clarabel", split=2, lower=False)
    assert s.value == pytest.approx(s_ref.value, rel=1e-4) and len(s.parts) == 2 and s.verified
    one = lipschitz_bound([W4[0]], "lipsdp-neuron-chordal", lower=False)
    assert one.value == pytest.approx(np.linalg.norm(W4[0], 2))


@pytest.mark.parametrize("kwargs,match", [
    ({"form": "banded"}, "form must be one of explicit, split"),
    ({"method": "lipsdp-neuron", "form": "split"}, "form applies"),
    ({"n_pairs": 3}, "n_pairs applies"),
    ({"norm": "linf"}, "l2 formulation"),
    ({"activation": "maxmin"}, "slope-restricted"),
    ({"net": [np.ones((3, 2)), np.ones((2, 4))]}, "do not chain"),
    ({"net": [np.full((3, 2), np.inf), np.ones((1, 3))]}, "inf|NaN|finite"),
])
def test_bad_input_raises_value_error(kwargs, match):
    args = {"net": [np.ones((4, 2)), np.ones((1, 4))], "method": "lipsdp-neuron-chordal", "lower": False}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        lipschitz_bound(**args)
