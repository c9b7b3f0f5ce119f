"""Exact Lipschitz constants of small ReLU nets by region enumeration (Jordan & Dimakis 2020)."""
from __future__ import annotations

import math
import time

import numpy as np
import pytest

from optlib import datasets
from problems.lipschitz.exact import (
    ExactLipschitz,
    exact_lipschitz_regions,
    operator_norm,
)
from problems.lipschitz.network import Activation, from_weights, load_mat


# a 2-2-1 net whose four patterns are all realisable around 0:
#   on,on: [3,-1] (sqrt 10);  on,off: [1,1] (sqrt 2);  off,on: [2,-2] (sqrt 8);  off,off: 0
W0_221 = np.array([[1.0, 1.0], [1.0, -1.0]])
W1_221 = np.array([[1.0, 2.0]])


def sampled_lower(net, lo, hi, norm: str, n: int = 2000, seed: int = 0) -> float:
    X = np.random.default_rng(seed).uniform(lo, hi, size=(n, net.dims[0]))
    return max(operator_norm(net.jacobian(x), norm) for x in X)


def check_witness(net, res: ExactLipschitz) -> None:
    assert operator_norm(net.jacobian(res.witness_x), res.norm) == pytest.approx(res.value, rel=1e-9)
    lo, hi = res.domain
    assert np.all(res.witness_x > lo) and np.all(res.witness_x < hi)


# -- (a) closed forms ------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 3])
def test_identity_net(n):
    net = from_weights([np.eye(n), np.eye(n)], "relu")
    for norm in ("l2", "linf"):
        res = exact_lipschitz_regions(net, norm=norm)
        assert res.value == pytest.approx(1.0)
        assert res.n_regions == 2 ** n                      # the orthants
        assert all(p.all() for p in res.argmax_pattern)     # all neurons on
        check_witness(net, res)


def test_221_by_hand():
    net = from_weights([W0_221, W1_221], "relu")
    res = exact_lipschitz_regions(net)
    assert res.value == pytest.approx(math.sqrt(10.0))
    assert res.n_regions == 4
    assert res.argmax_pattern[0].tolist() == [True, True]
    check_witness(net, res)
    res_inf = exact_lipschitz_regions(net, norm="linf")
    assert res_inf.value == pytest.approx(4.0)
    res_l1 = exact_lipschitz_regions(net, norm="l1")   # max column abs sum
    assert res_l1.value == pytest.approx(3.0)


def test_221_optlib_lp_backend_agrees():
    net = from_weights([W0_221, W1_221], "relu")
    a = exact_lipschitz_regions(net, lp="optlib")
    b = exact_lipschitz_regions(net, lp="scipy")
    assert a.value == pytest.approx(b.value) and a.n_regions == b.n_regions == 4


def test_221_bias_makes_pattern_unreachable_and_domain_matters():
    # neuron 0 = relu(x1 + x2 - 5) is off on [-1, 1]^2: only (off, *) patterns remain
    net = from_weights([W0_221, W1_221], "relu", biases=[np.array([-5.0, 0.0]), np.zeros(1)])
    res = exact_lipschitz_regions(net)
    assert res.value == pytest.approx(math.sqrt(8.0))
    assert res.n_regions == 2
    check_witness(net, res)
    # on [4, 6] x [-1, 1] both neurons switch: (on, on) is back
    res2 = exact_lipschitz_regions(net, domain=([4.0, -1.0], [6.0, 1.0]))
    assert res2.value == pytest.approx(math.sqrt(10.0))
    check_witness(net, res2)


def test_leaky_relu():
    alpha = 0.2
    net = from_weights([W0_221, W1_221], Activation("leaky_relu", alpha, 1.0))
    res = exact_lipschitz_regions(net)
    expected = max(np.linalg.norm(W1_221 @ np.diag(d) @ W0_221, 2)
                   for d in ([1, 1], [1, alpha], [alpha, 1], [alpha, alpha]))
    assert res.value == pytest.approx(expected)
    check_witness(net, res)
    # leaky with negative weights: off-slope regions can matter
    net2 = from_weights([np.eye(2), -np.eye(2)], Activation("leaky_relu", alpha, 1.0))
    assert exact_lipschitz_regions(net2).value == pytest.approx(1.0)


def test_no_hidden_layer():
    W = np.array([[3.0, 4.0]])
    res = exact_lipschitz_regions(from_weights([W]))
    assert res.value == pytest.approx(5.0) and res.n_regions == 1


# -- (b) random tiny nets ------------------------------------------------------------------
@pytest.mark.parametrize("dims", [(2, 8, 8, 1), (3, 6, 6, 2)])
@pytest.mark.parametrize("bias", [False, True])
def test_random_nets_between_sampling_and_naive(dims, bias):
    rng = np.random.default_rng(sum(dims) + 7 * bias)
    Ws = [rng.standard_normal((dims[i + 1], dims[i])) for i in range(len(dims) - 1)]
    bs = [rng.standard_normal(d) for d in dims[1:]] if bias else None
    net = from_weights(Ws, "relu", bs)
    lo, hi = -np.ones(dims[0]), np.ones(dims[0])
    for norm in ("l2", "linf"):
        res = exact_lipschitz_regions(net, norm=norm)
        assert res.value >= sampled_lower(net, lo, hi, norm) - 1e-9
        assert res.value <= net.naive_bound(norm) + 1e-9
        check_witness(net, res)
        assert len(res.argmax_pattern) == len(dims) - 2
        assert [p.size for p in res.argmax_pattern] == list(dims[1:-1])


def test_bias_free_constant_is_global():
    rng = np.random.default_rng(3)
    Ws = [rng.standard_normal((6, 3)), rng.standard_normal((6, 6)), rng.standard_normal((2, 6))]
    net = from_weights(Ws, "relu")
    big = exact_lipschitz_regions(net)
    small = exact_lipschitz_regions(net, domain=(-1e-2, 1e-2))
    shifted = exact_lipschitz_regions(net, domain=([-0.1, -3.0, -0.5], [5.0, 0.2, 0.5]))
    assert small.value == pytest.approx(big.value, rel=1e-9)
    assert shifted.value == pytest.approx(big.value, rel=1e-9)
    assert small.n_regions == big.n_regions == shifted.n_regions


# -- (c) the LipSDP authors' random network ----------------------------------------------
def test_lipsdp_random_net_exact():
    reason = datasets.missing("networks/lipsdp_random_weights.mat")      # shipped with optlib
    if reason is not None:
        pytest.skip(f"LipSDP random network: {reason}")
    net = load_mat(datasets.network_path("random"))
    assert net.dims == (2, 10, 30, 20, 2) and net.biases == ()
    t0 = time.perf_counter()
    res = exact_lipschitz_regions(net)
    elapsed = time.perf_counter() - t0
    print(f"\nexact global l2 Lipschitz constant of the 2-10-30-20-2 LipSDP net: {res.value:.10g} "
          f"({res.n_regions} regions, {res.n_lps} LPs, {elapsed:.2f} s)")
    assert elapsed < 20
    lower = sampled_lower(net, -1.0, 1.0, "l2")
    assert lower <= res.value + 1e-9
    assert res.value == pytest.approx(36.4822296, rel=1e-7)
    assert res.n_regions == 20   # bias-free, 2-D input: sectors around 0
    # LipSDP-Neuron (36.482 rounded; 36.48222968 with Clarabel) is tight on this net, so
    # compare with the rounded figure to its last digit; the naive bound is 43.31
    lipsdp_neuron = 36.4823
    assert res.value <= lipsdp_neuron <= net.naive_bound()
    assert net.naive_bound() == pytest.approx(43.31, abs=5e-3)
    check_witness(net, res)


# -- (d) bad input -------------------------------------------------------------------------
def test_non_relu_activation_rejected():
    net = from_weights([W0_221, W1_221], "tanh")
    with pytest.raises(ValueError, match="tanh"):
        exact_lipschitz_regions(net)


def test_max_regions():
    net = from_weights([np.eye(3), np.eye(3)], "relu")
    assert exact_lipschitz_regions(net, max_regions=8).n_regions == 8
    with pytest.raises(ValueError, match="max_regions"):
        exact_lipschitz_regions(net, max_regions=7)
    with pytest.raises(ValueError, match="max_regions"):
        exact_lipschitz_regions(net, max_regions=0)


def test_bad_norm_and_domain():
    net = from_weights([W0_221, W1_221], "relu")
    with pytest.raises(ValueError, match="norm"):
        exact_lipschitz_regions(net, norm="fro")
    with pytest.raises(ValueError, match="lo < hi"):
        exact_lipschitz_regions(net, domain=([0.0, 1.0], [0.0, 2.0]))
    with pytest.raises(ValueError, match="domain"):
        exact_lipschitz_regions(net, domain=[1.0])
    with pytest.raises(ValueError, match="lp"):
        exact_lipschitz_regions(net, lp="gurobi")
