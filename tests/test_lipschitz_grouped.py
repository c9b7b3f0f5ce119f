"""LipSDP-NSR (Pauli et al., ICLR 2024) for GroupSort / MaxMin / Householder networks."""
from __future__ import annotations

import numpy as np
import pytest

import optlib
from problems.lipschitz import grouped as G
from problems.lipschitz.grouped import ResidualNetwork, grouped_bound
from problems.lipschitz.network import Activation, Network, from_weights


def orth(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.linalg.qr(rng.standard_normal((n, n)))[0]


def pair_ratio(f, rng: np.random.Generator, n_in: int, norm: str = "l2", n: int = 4000) -> float:
    """Largest ||f(x) - f(y)|| / ||x - y|| over random pairs, near and far (a lower bound)."""
    order = 2 if norm == "l2" else np.inf
    X = rng.standard_normal((n, n_in))
    Y = np.concatenate([X[: n // 2] + 1e-2 * rng.standard_normal((n // 2, n_in)),
                        rng.standard_normal((n - n // 2, n_in))])
    num = np.linalg.norm(np.atleast_2d(f(X) - f(Y)).reshape(n, -1), order, axis=1)
    return float(np.max(num / np.linalg.norm(X - Y, order, axis=1)))


def fd_lower(net: Network, rng: np.random.Generator, samples: int = 200, h: float = 1e-6) -> float:
    """max over random x of ||J(x)||_2 with J by central finite differences on net.forward."""
    n0 = net.dims[0]
    best = 0.0
    for _ in range(samples):
        x = rng.standard_normal(n0)
        E = np.eye(n0) * h
        J = (net.forward(x + E) - net.forward(x - E)).T / (2 * h)
        best = max(best, float(np.linalg.norm(J, 2)))
    return best


def product_of_norms(weights) -> float:
    return float(np.prod([np.linalg.norm(W, 2) for W in weights]))


# --- (a) exactness on orthogonal MaxMin nets; sandwich otherwise ----------------------------
def test_orthogonal_maxmin_net_is_exactly_one():
    rng = np.random.default_rng(0)
    Ws = [orth(rng, 8) for _ in range(4)]
    b = grouped_bound(from_weights(Ws, "maxmin"))
    assert abs(b.value - 1.0) <= 1e-5
    assert b.value >= 1.0                     # rigorous: the true constant is 1
    assert abs(product_of_norms(Ws) - 1.0) < 1e-12
    assert b.verified and b.certificate.verified
    assert max(b.certificate.max_eigenvalues) <= 0
    assert b.certificate.rho_certified >= b.certificate.rho_solver
    assert b.method == "lipsdp-nsr" and b.norm == "l2"


def test_general_maxmin_net_between_lower_and_product():
    rng = np.random.default_rng(1)
    Ws = [rng.standard_normal((8, 6)), rng.standard_normal((10, 8)), rng.standard_normal((3, 10))]
    net = from_weights(Ws, "maxmin")
    b = grouped_bound(net)
    lower = fd_lower(net, rng)
    assert b.verified
    assert lower <= b.value <= product_of_norms(Ws) * (1 + 1e-9)
    assert b.value < 0.95 * product_of_norms(Ws)      # and strictly better than the product here
    assert b.naive == pytest.approx(product_of_norms(Ws))


def test_certificate_rebuilt_independently():
    """Rebuild the chain from the returned multipliers with plain numpy."""
    rng = np.random.default_rng(2)
    Ws = [rng.standard_normal((6, 5)), rng.standard_normal((6, 6)), rng.standard_normal((2, 6))]
    b = grouped_bound(from_weights(Ws, "maxmin"))
    T = b.multipliers["rho"] * np.eye(5)
    for W, mult in zip(Ws[:-1], b.multipliers["steps"]):
        assert np.all(mult["lam"] >= 0)
        Q = np.zeros((W.shape[0],) * 2)
        for j, (lam, gam) in enumerate(zip(mult["lam"], mult["gam"])):
            Q[2 * j:2 * j + 2, 2 * j:2 * j + 2] = lam * np.eye(2) + gam * np.ones((2, 2))
        assert np.linalg.eigvalsh(T - W.T @ Q @ W)[0] >= 0
        T = Q
    assert np.linalg.eigvalsh(T - Ws[-1].T @ Ws[-1])[0] >= 0
    assert b.value == pytest.approx(np.sqrt(b.multipliers["rho"]), rel=1e-12)


# --- (b) upper bound on empirical ratios -------------------------------------------------
@pytest.mark.parametrize("group", [2, 4])
def test_bound_above_empirical_ratio(group):
    rng = np.random.default_rng(3 + group)
    act = Activation("groupsort", group_size=group)
    Ws = [rng.standard_normal((8, 5)), rng.standard_normal((8, 8)), rng.standard_normal((3, 8))]
    net = from_weights(Ws, [act, act])
    b = grouped_bound(net)
    assert b.verified
    assert pair_ratio(net.forward, rng, 5) <= b.value <= b.naive * (1 + 1e-9)


def test_mixed_maxmin_and_relu_layers():
    rng = np.random.default_rng(5)
    Ws = [rng.standard_normal((6, 4)), rng.standard_normal((6, 6)), rng.standard_normal((2, 6))]
    net = from_weights(Ws, ["maxmin", "relu"])
    b = grouped_bound(net)
    assert b.verified and pair_ratio(net.forward, rng, 4) <= b.value <= b.naive * (1 + 1e-9)


def test_relu_layer_matches_lipsdp_neuron():
    """A slope-restricted layer in the chain is a chordal split of LipSDP-Neuron's matrix."""
    rng = np.random.default_rng(6)
    W0, W1 = rng.standard_normal((6, 4)), rng.standard_normal((2, 6))
    b = grouped_bound(from_weights([W0, W1], "relu"))
    m = optlib.Model()
    rho, lam = m.continuous(lb=0), m.continuous(6, lb=0)
    L = optlib.diag(lam)
    m.add(optlib.bmat([[rho * np.eye(4), -(W0.T @ L)], [-(L @ W0), 2 * L - W1.T @ W1]]) >> 0)
    m.minimize(rho)
    ref = np.sqrt(m.solve().objective)
    assert b.value == pytest.approx(ref, rel=1e-5)


# --- (c) l_inf ---------------------------------------------------------------------------
def test_linf_linear_layer_is_l1_norm():
    w = np.array([[1.5, -2.0, 0.5, 3.0]])
    b = grouped_bound(from_weights([w]), norm="linf")
    assert b.value == pytest.approx(7.0, rel=1e-6) and b.value >= 7.0


def test_linf_scalar_output_above_empirical():
    rng = np.random.default_rng(7)
    Ws = [rng.standard_normal((8, 5)), rng.standard_normal((8, 8)), rng.standard_normal((1, 8))]
    net = from_weights(Ws, "maxmin")
    b = grouped_bound(net, norm="linf")
    assert b.verified and b.norm == "linf"
    assert pair_ratio(net.forward, rng, 5, "linf") <= b.value
    assert b.value <= product_of_norms_inf(Ws) * (1 + 1e-9)


def product_of_norms_inf(weights) -> float:
    return float(np.prod([np.linalg.norm(W, np.inf) for W in weights]))


def test_linf_several_outputs_is_max_over_rows():
    rng = np.random.default_rng(8)
    Ws = [rng.standard_normal((6, 4)), rng.standard_normal((3, 6))]
    net = from_weights(Ws, "maxmin")
    b = grouped_bound(net, norm="linf")
    assert len(b.parts) == 3 and b.value == max(p.value for p in b.parts)
    assert grouped_bound(net, norm="inf", output=1).value == pytest.approx(b.parts[1].value, rel=1e-6)
    assert pair_ratio(net.forward, rng, 4, "linf") <= b.value


# --- (d) residual layers -----------------------------------------------------------------
def residual_net(rng: np.random.Generator, n: int = 6, depth: int = 2) -> ResidualNetwork:
    layers = [(0.5 * rng.standard_normal((n, n)), 0.3 * rng.standard_normal((n, n))) for _ in range(depth)]
    return ResidualNetwork(layers, "maxmin", input_weight=rng.standard_normal((n, 4)),
                           output_weight=rng.standard_normal((2, n)),
                           biases=[rng.standard_normal(n) for _ in range(depth)])


def test_residual_maxmin_above_empirical():
    rng = np.random.default_rng(9)
    net = residual_net(rng)
    b = grouped_bound(net)
    assert b.verified and max(b.certificate.max_eigenvalues) <= 0
    assert pair_ratio(net.forward, rng, 4) <= b.value <= b.naive * (1 + 1e-9)
    bi = grouped_bound(net, norm="linf")
    assert bi.verified and pair_ratio(net.forward, rng, 4, "linf") <= bi.value


def test_residual_identity_maps_give_one():
    """x + 0 * sigma(W x) between orthogonal maps: exactly 1."""
    rng = np.random.default_rng(10)
    net = ResidualNetwork([(rng.standard_normal((4, 4)), np.zeros((4, 4)))], "maxmin",
                          input_weight=orth(rng, 4), output_weight=orth(rng, 4))
    assert grouped_bound(net).value == pytest.approx(1.0, abs=1e-5)


# --- (e) the MaxMin 1-Lipschitz fact -----------------------------------------------------
def test_single_maxmin_layer_between_orthogonal_maps_is_one():
    rng = np.random.default_rng(11)
    U, V = orth(rng, 6), orth(rng, 6)
    net = from_weights([V, U], "maxmin")
    b = grouped_bound(net)
    assert 1.0 <= b.value <= 1.0 + 1e-5


def test_relu_rewrite_of_maxmin_misses_one():
    """MaxMin(a, b) = (b - relu(b - a), b + relu(a - b)) as a residual ReLU layer: the
    slope-restricted QC only gets sqrt(2), the MaxMin QC gets 1 (METHOD-NOTES)."""
    rng = np.random.default_rng(12)
    U, V = orth(rng, 4), orth(rng, 4)
    W = np.kron(np.eye(2), [[-1.0, 1.0], [1.0, -1.0]])
    H = np.kron(np.eye(2), np.diag([-1.0, 1.0]))
    D = np.kron(np.eye(2), [[0.0, 1.0], [0.0, 1.0]])
    rewrite = ResidualNetwork([(W, H)], "relu", input_weight=V, output_weight=U, skips=[D])
    maxmin = from_weights([V, U], "maxmin")
    x = rng.standard_normal((50, 4))
    assert np.allclose(rewrite.forward(x), maxmin.forward(x))
    relu_value = grouped_bound(rewrite).value
    assert relu_value == pytest.approx(np.sqrt(2.0), rel=1e-5)
    assert grouped_bound(maxmin).value == pytest.approx(1.0, abs=1e-5)


# --- certificate repair ------------------------------------------------------------------
@pytest.mark.parametrize("case", ["chain", "relu", "residual", "linf"])
def test_repair_makes_perturbed_multipliers_valid(case):
    rng = np.random.default_rng(13)
    Ws = [rng.standard_normal((6, 4)), rng.standard_normal((6, 6)), rng.standard_normal((1, 6))]
    norm, row = "l2", None
    if case == "residual":
        steps, C = G._steps_residual(residual_net(rng))
    else:
        steps, C = G._steps_network(from_weights(Ws, "relu" if case == "relu" else "maxmin"))
        if case == "linf":
            norm, row = "linf", 0
    n0 = steps[0].n_in
    m = optlib.Model()
    head, mults = G._variables(m, steps, n0, norm)
    for M in G._all_lmis(steps, mults, head, C, norm, row, G._Sym):
        m.add(M >> 0)
    m.minimize(head["rho"])
    rho_opt = m.solve().objective
    h, ms = G._values(m.solve(), head, mults)
    h["rho"] *= 0.5                                    # break it on purpose
    for mult in ms:
        for key in mult:
            mult[key] = mult[key] * 0.9
    verified, eigs, repaired = G._certify(steps, ms, h, C, norm, row, n0)
    assert verified and repaired and max(eigs) <= 0
    assert h["rho"] >= rho_opt * (1 - 1e-6)
    mins, _ = G._check(G._numeric(steps, ms, h, C, norm, row), 8)
    assert min(mins) >= 0


# --- (f) bad input and Householder -------------------------------------------------------
def test_odd_width_maxmin_raises():
    rng = np.random.default_rng(14)
    Ws = (rng.standard_normal((5, 4)), rng.standard_normal((1, 5)))
    with pytest.raises(ValueError, match="divisible"):
        from_weights(list(Ws), "maxmin")
    net = Network(Ws, (Activation("maxmin"),))      # built directly, bypassing from_weights
    with pytest.raises(ValueError, match="divisible"):
        grouped_bound(net)
    with pytest.raises(ValueError, match="divisible"):
        ResidualNetwork([(rng.standard_normal((3, 4)), rng.standard_normal((4, 3)))], "maxmin")


def test_unknown_norm_and_bad_arguments_raise():
    rng = np.random.default_rng(15)
    net = from_weights([rng.standard_normal((4, 3)), rng.standard_normal((1, 4))], "maxmin")
    with pytest.raises(ValueError, match="norm"):
        grouped_bound(net, norm="l1")
    with pytest.raises(ValueError, match="output"):
        grouped_bound(net, norm="linf", output=3)
    with pytest.raises(ValueError, match="Network"):
        grouped_bound([np.eye(2)])
    with pytest.raises(ValueError, match="pair"):
        ResidualNetwork([(np.eye(2),)], "maxmin")
    with pytest.raises(ValueError, match="W"):
        ResidualNetwork([(np.eye(2), np.eye(3))], "maxmin")


def householder(z: np.ndarray, v: np.ndarray) -> np.ndarray:
    """z if v'z > 0 else (I - 2 v v') z on consecutive pairs, v[j] unit."""
    zz = z.reshape(*z.shape[:-1], -1, 2)
    d = np.einsum("...jk,jk->...j", zz, v)
    out = np.where((d > 0)[..., None], zz, zz - 2 * d[..., None] * v)
    return out.reshape(z.shape)


@pytest.mark.parametrize("norm", ["l2", "linf"])
def test_householder_bound_valid_for_any_reflection(norm):
    rng = np.random.default_rng(16)
    Ws = [rng.standard_normal((6, 4)), rng.standard_normal((6, 6)), rng.standard_normal((1, 6))]
    hh = Activation("householder")
    b = grouped_bound(Network(tuple(Ws), (hh, hh)), norm=norm)
    assert b.verified
    for _ in range(3):                          # the bound does not depend on v
        v = rng.standard_normal((3, 2))
        v /= np.linalg.norm(v, axis=1, keepdims=True)

        def f(x):
            return householder(householder(x @ Ws[0].T, v) @ Ws[1].T, v) @ Ws[2].T
        assert pair_ratio(f, rng, 4, norm) <= b.value
