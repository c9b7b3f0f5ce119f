"""Audit of the Lipschitz flags against independent ground truth.

* `exact_lipschitz_regions` ("exact"): against a brute force written here -- every activation
  pattern of a tiny (leaky) ReLU net, each kept when an LP of our own shows its region meets
  the box with nonempty interior; the constant is the largest Jacobian norm over those.
* `LipschitzBound.verified` of every upper-bound method (naive, LipSDP neuron / layer /
  chordal / first-order, splits, LipSDP-NSR in l2 and l_inf): a verified value must be at
  least that exact constant, taken over a box of radius 1000 (every region of these tiny
  nets meets it, so it is the global constant; the gradient lower bound, which samples all of
  R^n, must not exceed it); LipSDP-Network (not a bound in general) must never be reported
  verified.
"""
import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from problems.lipschitz import Activation, from_weights, lipschitz_bound
from problems.lipschitz.exact import exact_lipschitz_regions


def _has_torch():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def _norm(J, norm):
    return float(np.linalg.norm(J, 2)) if norm == "l2" else float(np.abs(J).sum(axis=1).max())


def brute_force_constant(Ws, bs, neg_slope, norm, lo=-1.0, hi=1.0):
    """max ||J_p|| over every activation pattern p whose region has interior in [lo, hi]^n0."""
    n0 = Ws[0].shape[1]
    widths = [W.shape[0] for W in Ws[:-1]]
    best, count = 0.0, 0
    for flat in itertools.product((False, True), repeat=sum(widths)):
        pats = np.split(np.array(flat), np.cumsum(widths)[:-1])
        M, m = np.eye(n0), np.zeros(n0)              # layer input = M x + m on the region
        rows, rhs, ok = [], [], True
        for W, b, p in zip(Ws[:-1], bs[:-1], pats):
            G, d = W @ M, W @ m + b                   # pre-activations G x + d
            for j in range(W.shape[0]):
                sgn = 1.0 if p[j] else -1.0           # on: z >= 0, off: z <= 0
                g = float(np.linalg.norm(G[j]))
                if g < 1e-12:
                    ok &= sgn * d[j] >= 0
                    continue
                rows.append(-sgn * G[j] / g)          # -sgn z / |g| + t <= 0
                rhs.append(sgn * d[j] / g)
            s = np.where(p, 1.0, neg_slope)
            M, m = s[:, None] * G, s * d
        if not ok:
            continue
        A = np.array(rows).reshape(-1, n0)
        A_ub = np.vstack([np.hstack([A, np.ones((len(A), 1))]),
                          np.hstack([np.eye(n0), np.ones((n0, 1))]),
                          np.hstack([-np.eye(n0), np.ones((n0, 1))])])
        b_ub = np.concatenate([rhs, np.full(n0, hi), np.full(n0, -lo)])
        c = np.zeros(n0 + 1)
        c[-1] = -1.0
        res = linprog(c, A_ub=A_ub, b_ub=b_ub, bounds=[(None, None)] * n0 + [(None, 1.0)], method="highs")
        if res.status == 0 and -res.fun > 1e-9:
            count += 1
            best = max(best, _norm(Ws[-1] @ M, norm))
    return best, count


def tiny_net(seed, dims=(2, 4, 3, 2), neg_slope=0.0):
    """Random weights and biases; seed >= 100: nonnegative weights, where the all-on region holds
    the constant and LipSDP-Neuron is tight (so a bound only slightly too small is caught)."""
    rng = np.random.default_rng(seed)
    Ws = [rng.standard_normal((dims[k + 1], dims[k])) for k in range(len(dims) - 1)]
    if seed >= 100:
        Ws = [np.abs(W) for W in Ws]
    bs = [0.5 * rng.standard_normal(d) for d in dims[1:]]
    act = "relu" if neg_slope == 0.0 else Activation("leaky_relu", params=(neg_slope,))
    return Ws, bs, from_weights(Ws, act, bs)


CASES = [(0, 0.0), (1, 0.0), (2, 0.1), (3, 2.5), (4, -0.4), (100, 0.0)]


@pytest.mark.parametrize("seed,neg_slope", CASES)
@pytest.mark.parametrize("norm", ["l2", "linf"])
@pytest.mark.parametrize("radius", [1.0, 1000.0])
def test_exact_regions_equal_brute_force_over_patterns(seed, neg_slope, norm, radius):
    Ws, bs, net = tiny_net(seed, neg_slope=neg_slope)
    want, count = brute_force_constant(Ws, bs, neg_slope, norm, -radius, radius)
    got = exact_lipschitz_regions(net, domain=(-radius, radius), norm=norm)
    assert got.value == pytest.approx(want, rel=1e-9)
    assert got.n_regions == count


L2_METHODS = [("naive", {}), ("lipsdp-neuron", {}), ("lipsdp-layer", {}), ("lipsdp-neuron-chordal", {}),
              ("lipsdp-neuron", {"split": 1}), ("lipsdp-neuron", {"split": 2}), ("lipsdp-nsr", {}),
              ("lipsdp-neuron", {"backend": "scs"})]


@pytest.mark.parametrize("seed,neg_slope", CASES)
def test_every_verified_upper_bound_is_above_the_exact_constant(seed, neg_slope):
    Ws, bs, net = tiny_net(seed, neg_slope=neg_slope)
    exact = {n: brute_force_constant(Ws, bs, neg_slope, n, -1000.0, 1000.0)[0] for n in ("l2", "linf")}
    methods = L2_METHODS
    if seed in (3, 100) and _has_torch():                 # the first-order path (torch) on two nets only
        methods = methods + [("lipsdp-neuron-fo", {"max_iter": 100, "device": "cpu"})]
    for method, kw in methods:
        b = lipschitz_bound(net, method, lower=False, **kw)
        assert b.verified, (method, kw, b.summary())
        assert b.value >= exact["l2"] * (1 - 1e-9), (method, kw, b.value, exact["l2"])
    for method in ("naive", "lipsdp-nsr"):
        b = lipschitz_bound(net, method, norm="linf", lower=False)
        assert b.verified and b.value >= exact["linf"] * (1 - 1e-9), (method, b.value, exact["linf"])
    low = lipschitz_bound(net, "naive").lower             # a gradient at some x: never above the constant
    assert low <= exact["l2"] * (1 + 1e-9)


def test_network_coupling_is_never_reported_verified():
    """LipSDP-Network can go below the true constant (Pauli et al. 2021): its answer must not
    be flagged verified, whatever the LMI check says."""
    for seed in range(3):
        _, _, net = tiny_net(seed)
        b = lipschitz_bound(net, "lipsdp-network", lower=False)
        assert not b.verified and not b.valid
