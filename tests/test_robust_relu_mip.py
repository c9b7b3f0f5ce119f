"""ReLU networks embedded as MIPs (solvers.neural, numpy weights, no torch) against numpy forward passes."""
import numpy as np
import pytest

import optlib
from solvers.neural import embed_relu_network, forward, interval_bounds
from solvers.neural import set_network


def random_layers(dims, seed):
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(dims[k + 1], dims[k])), rng.normal(size=dims[k + 1]) * 0.5)
            for k in range(len(dims) - 1)]


@pytest.mark.parametrize("seed", range(4))
def test_embedding_equals_forward_on_random_inputs(seed):
    layers = random_layers((3, 10, 8, 2), seed)
    rng = np.random.default_rng(100 + seed)
    lb, ub = -np.ones(3), 2 * np.ones(3)
    for x0 in rng.uniform(lb, ub, size=(4, 3)):
        m = optlib.Model()
        x = m.continuous(3, lb=lb, ub=ub, name="x")
        m.add(x == x0)
        y = embed_relu_network(m, x, layers, lb, ub)
        m.maximize(y[0] + 0.5 * y[1])       # any objective: the outputs are fixed by x
        res = m.solve("highs")
        assert res.status is optlib.Status.OPTIMAL
        assert np.allclose(res[y], forward(layers, x0[None])[0], atol=1e-6)
        m.minimize(y[0] + 0.5 * y[1])
        assert np.allclose(m.solve("highs")[y], forward(layers, x0[None])[0], atol=1e-6)


def test_maximum_over_box_dominates_samples_and_is_attained():
    layers = random_layers((2, 12, 12, 1), 7)
    lb, ub = -np.ones(2), np.ones(2)
    m = optlib.Model()
    x = m.continuous(2, lb=lb, ub=ub, name="x")
    y = embed_relu_network(m, x, layers, lb, ub)
    m.maximize(y[0])
    res = m.solve("highs", rel_gap=1e-9)
    samples = np.random.default_rng(0).uniform(-1, 1, size=(20000, 2))
    assert res.objective >= forward(layers, samples).max() - 1e-6
    assert res.objective == pytest.approx(forward(layers, res[x][None])[0, 0], abs=1e-6)


def test_interval_bounds_contain_samples_and_stable_neurons_add_no_binaries():
    layers = random_layers((4, 16, 16, 3), 3)
    layers[0][1][:4] += 20.0      # always active
    layers[0][1][4:8] -= 20.0     # always inactive
    lb, ub = -np.ones(4), np.ones(4)
    bounds = interval_bounds(layers, lb, ub)
    h = np.random.default_rng(1).uniform(-1, 1, size=(5000, 4))
    for k, ((W, b), (L, U)) in enumerate(zip(layers, bounds)):
        a = h @ W.T + b
        assert np.all(a >= L - 1e-9) and np.all(a <= U + 1e-9)
        h = np.maximum(a, 0) if k < len(layers) - 1 else a
    m = optlib.Model()
    x = m.continuous(4, lb=lb, ub=ub, name="x")
    embed_relu_network(m, x, layers, lb, ub, name="net")
    n_bin = sum(v.size for name, v in m.variables.items() if "_z" in name)
    unstable = sum(int(np.sum((L < 0) & (U > 0))) for L, U in bounds[:-1])
    assert n_bin == unstable <= 32 - 8


def test_bad_networks_are_rejected():
    layers = random_layers((2, 3, 1), 0)
    m = optlib.Model()
    x = m.continuous(2, lb=0, ub=1)
    with pytest.raises(ValueError, match="only ReLU networks"):
        embed_relu_network(m, x, layers, np.zeros(2), np.ones(2), activations=["tanh", "identity"])
    with pytest.raises(ValueError, match="inputs but the previous layer"):
        embed_relu_network(m, x, [layers[0], (np.ones((1, 5)), np.ones(1))], np.zeros(2), np.ones(2))
    with pytest.raises(ValueError, match="input bounds must have length 2"):
        embed_relu_network(m, x, layers, np.zeros(3), np.ones(3))
    with pytest.raises(ValueError, match="finite with lb <= ub"):
        embed_relu_network(m, x, layers, np.ones(2), np.zeros(2))
    with pytest.raises(ValueError, match="non-empty list"):
        embed_relu_network(m, x, [], np.zeros(2), np.ones(2))


def random_parts(d=3, k=1, seed=0, interaction=False):
    """A small set network with numpy weights, in the layout of solvers.neural.value_net."""
    def part(dims, last, s):
        layers = random_layers(dims, s)
        return layers, ["relu"] * (len(layers) - 1) + [last]
    return {"x_item": part((1 + d, 6, 4), "relu", seed), "x_post": part((4, 6, 3), "identity", seed + 1),
            "xi_item": part(((2 if interaction else 1) * k + d, 6, 4), "relu", seed + 2), "xi_post": part((4, 6, 3), "identity", seed + 3),
            "value": part((6, 5, 1), "identity", seed + 4)}


@pytest.mark.parametrize("seed", range(3))
def test_set_network_pieces_match_numpy(seed):
    parts = set_network.check_parts(random_parts(seed=seed))
    rng = np.random.default_rng(seed)
    n = 5
    feats = rng.uniform(0, 1, size=(n, 3))
    x0 = (rng.random(n) < 0.5).astype(float)
    xi0 = rng.uniform(0, 1, size=n)
    target = set_network.value(parts, x0, feats, xi0[:, None])
    # main-problem side: binary x, scenario constant
    m = optlib.Model()
    x = m.boolean(n, name="x")
    m.add(x == x0)
    ex, lo, hi = set_network.embed_x(m, parts, x, feats)
    e = set_network.xi_embedding_constant(parts, feats, xi0[:, None])
    v = set_network.embed_value(m, parts, ex, lo, hi, e, e, e)
    m.maximize(v)
    assert m.solve("highs").objective == pytest.approx(target, abs=1e-6)
    # adversary side: xi continuous, x constant
    m = optlib.Model()
    xi = m.continuous(n, lb=0, ub=1, name="xi")
    m.add(xi == xi0)
    exi, lo, hi = set_network.embed_xi(m, parts, [xi[i:i + 1] for i in range(n)], np.zeros((n, 1)),
                                       np.ones((n, 1)), feats)
    e = set_network.x_embedding_constant(parts, x0, feats)
    m.minimize(set_network.embed_value(m, parts, e, e, e, exi, lo, hi))
    assert m.solve("highs").objective == pytest.approx(target, abs=1e-6)


def test_check_parts_rejects_missing_part():
    parts = random_parts()
    del parts["value"]
    with pytest.raises(ValueError, match="keys"):
        set_network.check_parts(parts)


@pytest.mark.parametrize("seed", range(3))
def test_interaction_network_pieces_match_numpy(seed):
    """Scenario net on [u_i, x_i u_i, f_i]: main (x binary, xi fixed) and adversary (x fixed) MIPs are exact."""
    parts = set_network.check_parts(random_parts(seed=seed, interaction=True))
    rng = np.random.default_rng(10 + seed)
    n = 5
    feats = rng.uniform(0, 1, size=(n, 3))
    x0 = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    xi0 = rng.uniform(0, 1, size=n)
    assert set_network.interacts(parts, 1, 3)
    target = set_network.value(parts, x0, feats, xi0[:, None])
    inputs = np.column_stack([xi0, x0 * xi0, feats])           # what the scenario net must see
    hu = forward(parts["xi_item"][0], inputs, parts["xi_item"][1]).sum(axis=0)
    e_ref = set_network.post_outputs(parts, "xi_post", hu)[0]
    assert np.allclose(set_network.xi_embedding_constant(parts, feats, xi0[:, None], x0), e_ref)
    with pytest.raises(ValueError, match="pass x"):
        set_network.xi_embedding_constant(parts, feats, xi0[:, None])
    m = optlib.Model()
    x = m.boolean(n, name="x")
    m.add(x == x0)
    ex, lo, hi = set_network.embed_x(m, parts, x, feats)
    e, elo, ehi = set_network.embed_xi_fixed_scenario(m, parts, x, feats, xi0[:, None])
    m.maximize(set_network.embed_value(m, parts, ex, lo, hi, e, elo, ehi))
    assert m.solve("highs").objective == pytest.approx(target, abs=1e-6)
    m = optlib.Model()
    xi = m.continuous(n, lb=0, ub=1, name="xi")
    m.add(xi == xi0)
    exi, lo, hi = set_network.embed_xi(m, parts, [xi[i:i + 1] for i in range(n)], np.zeros((n, 1)),
                                       np.ones((n, 1)), feats, x=x0)
    e = set_network.x_embedding_constant(parts, x0, feats)
    m.minimize(set_network.embed_value(m, parts, e, e, e, exi, lo, hi))
    assert m.solve("highs").objective == pytest.approx(target, abs=1e-6)


def test_interaction_changes_with_x_only_on_hit_items():
    """Flipping x_i of an item the scenario does not hit (xi_i = 0) leaves the scenario part unchanged."""
    parts = random_parts(seed=4, interaction=True)
    feats = np.random.default_rng(0).uniform(0, 1, size=(4, 3))
    u = np.array([[0.0], [1.0], [0.5], [0.0]])
    x = np.array([1.0, 1.0, 0.0, 0.0])
    base = set_network.xi_embedding_constant(parts, feats, u, x)
    assert np.allclose(set_network.xi_embedding_constant(parts, feats, u, np.array([0.0, 1.0, 0.0, 1.0])), base)
    assert not np.allclose(set_network.xi_embedding_constant(parts, feats, u, np.array([1.0, 0.0, 0.0, 0.0])), base)
