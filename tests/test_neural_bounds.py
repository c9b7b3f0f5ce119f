"""Tightened big-M bounds (solvers.neural.bounds, set_network.value_bounds_lp) are valid: they contain every
value the network takes on the feasible binary x's, and the main-problem MIP with them has the brute-force
optimum over all x."""
import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

import optlib
from solvers.neural import embed_relu_network, forward, interval_bounds, set_network
from solvers.neural.bounds import Domain, Forms, propagate


def layers_of(dims, seed):
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(dims[k + 1], dims[k])), rng.normal(size=dims[k + 1]) * 0.5)
            for k in range(len(dims) - 1)]


def parts_of(seed, interaction, d=2):
    def part(dims, last, s):
        layers = layers_of(dims, s)
        return layers, ["relu"] * (len(layers) - 1) + [last]
    return set_network.check_parts({
        "x_item": part((1 + d, 6, 4), "relu", seed), "x_post": part((4, 8, 3), "identity", seed + 1),
        "xi_item": part(((2 if interaction else 1) + d, 6, 4), "relu", seed + 2),
        "xi_post": part((4, 8, 3), "identity", seed + 3), "value": part((6, 5, 1), "identity", seed + 4)})


def binaries(n, budget=None):
    X = np.array(list(itertools.product([0.0, 1.0], repeat=n)))
    return X if budget is None else X[X @ budget[0] <= budget[1] + 1e-9]


@pytest.mark.parametrize("seed", range(4))
def test_domain_maximum_is_the_lp_optimum(seed):
    rng = np.random.default_rng(seed)
    n = 6
    G = rng.normal(size=(5, n))
    lo, hi = -rng.uniform(0, 1, n), rng.uniform(0, 2, n)
    a = rng.uniform(0.1, 2.0, n)
    a[0] = 0.0                                   # a free variable
    b = float(a @ lo + 0.4 * a @ (hi - lo))
    for budget in (None, (a, b)):
        dom = Domain(lo, hi, budget)
        got = dom.maximum(G)
        for j in range(G.shape[0]):
            lp = linprog(-G[j], A_ub=None if budget is None else a[None], b_ub=None if budget is None else [b],
                         bounds=list(zip(lo, hi)), method="highs")
            assert got[j] == pytest.approx(-lp.fun, abs=1e-9)
        assert np.allclose(dom.minimum(G), -dom.maximum(-G))


def test_domain_rejects_bad_input():
    with pytest.raises(ValueError, match="lo <= hi"):
        Domain(np.ones(2), np.zeros(2))
    with pytest.raises(ValueError, match="nonnegative weights"):
        Domain(np.zeros(2), np.ones(2), (np.array([1.0, -1.0]), 1.0))
    with pytest.raises(ValueError, match="excludes every point"):
        Domain(np.ones(2), np.ones(2), (np.ones(2), 1.0))


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("with_budget", [False, True])
def test_symbolic_bounds_contain_every_binary_point_and_beat_intervals(seed, with_budget):
    rng = np.random.default_rng(seed)
    n = 8
    A, c = rng.normal(size=(4, n)), rng.normal(size=4)
    layers = layers_of((4, 10, 8, 2), seed + 7)
    acts = ["relu", "relu", "identity"]
    budget = (rng.uniform(0.5, 2.0, n), 4.0) if with_budget else None
    dom = Domain(np.zeros(n), np.ones(n), budget)
    bounds, out = propagate(layers, acts, Forms.affine(A, c), dom)
    h = binaries(n, budget) @ A.T + c
    for (W, b), act, (L, U) in zip(layers, acts, bounds):
        a = h @ W.T + b
        assert np.all(a >= L - 1e-9) and np.all(a <= U + 1e-9)
        h = np.maximum(a, 0.0) if act == "relu" else a
    lo, up = out.concrete(dom)
    assert np.all(h >= lo - 1e-9) and np.all(h <= up + 1e-9)
    # first layer: exact over the box (the affine map's range); never looser than interval arithmetic
    box_lo, box_hi = c + np.minimum(A, 0).sum(axis=1), c + np.maximum(A, 0).sum(axis=1)
    ib = interval_bounds(layers, box_lo, box_hi, acts)
    assert np.all(bounds[0][0] >= ib[0][0] - 1e-9) and np.all(bounds[0][1] <= ib[0][1] + 1e-9)
    if not with_budget:
        a1 = binaries(n) @ (layers[0][0] @ A).T + layers[0][0] @ c + layers[0][1]
        assert np.allclose(bounds[0][0], a1.min(axis=0)) and np.allclose(bounds[0][1], a1.max(axis=0))


def test_wrong_relu_relaxation_would_be_caught():
    """The containment check above can fail: bounds from a network with the ReLU dropped do not hold."""
    n = 8
    A, c = np.random.default_rng(0).normal(size=(4, n)), np.zeros(4)
    layers = layers_of((4, 10, 2), 3)
    dom = Domain(np.zeros(n), np.ones(n))
    wrong, _ = propagate(layers, ["identity", "identity"], Forms.affine(A, c), dom)
    h = np.maximum(binaries(n) @ A.T @ layers[0][0].T + layers[0][1], 0) @ layers[1][0].T + layers[1][1]
    assert np.any(h < wrong[1][0] - 1e-9) or np.any(h > wrong[1][1] + 1e-9)


def test_embedding_rejects_bounds_that_cut_everything():
    layers = layers_of((2, 3, 1), 0)
    m = optlib.Model()
    x = m.continuous(2, lb=0, ub=1)
    ib = interval_bounds(layers, np.zeros(2), np.ones(2))
    bad = [(U + 1.0, U + 2.0) for _, U in ib]
    with pytest.raises(ValueError, match="not valid"):
        embed_relu_network(m, x, layers, np.zeros(2), np.ones(2), bounds=bad)
    with pytest.raises(ValueError, match="one \\(L, U\\) pair per layer"):
        embed_relu_network(m, x, layers, np.zeros(2), np.ones(2), bounds=ib[:1])


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("interaction", [False, True])
def test_main_problem_with_tightened_bounds_has_the_brute_force_optimum(seed, interaction):
    """max_x a'x + min_k V(x, xi_k) over binary x (with a budget row): the MIP with symbolic + LP bounds, the
    MIP with interval bounds and enumeration of all x agree; LP bounds contain every feasible point."""
    parts = parts_of(seed, interaction)
    rng = np.random.default_rng(seed + 20)
    n = 7
    feats = rng.uniform(0, 1, size=(n, 2))
    views = [rng.uniform(0, 1, size=(n, 1)) for _ in range(3)]
    a = rng.normal(size=n) * 0.3
    budget = (rng.uniform(0.5, 1.5, n), 3.0)
    dom = Domain(np.zeros(n), np.ones(n), budget)
    X = binaries(n, budget)
    V = set_network.batch_values(parts, X, feats, views)
    for k, u in enumerate(views):      # batch evaluation == one-at-a-time forward pass
        assert np.allclose(V[:5, k], [set_network.value(parts, x, feats, u) for x in X[:5]])
    brute = float(np.max(X @ a + V.min(axis=1)))
    lp_bounds = [set_network.value_bounds_lp(parts, feats, u, dom) for u in views]
    for u, (L, U) in zip(views, lp_bounds):      # value head's first pre-activations at every feasible x
        D, g = set_network._x_sum(parts, feats)
        ex = forward(parts["x_post"][0], X @ D + g, parts["x_post"][1])
        sc = set_network._scenario_parts(parts, feats, u)
        exi = (forward(parts["xi_post"][0], X @ sc[0] + sc[1], parts["xi_post"][1]) if sc is not None
               else np.tile(set_network.xi_embedding_constant(parts, feats, u), (len(X), 1)))
        pre = np.column_stack([ex, exi]) @ parts["value"][0][0][0].T + parts["value"][0][0][1]
        assert np.all(pre >= L - 1e-6) and np.all(pre <= U + 1e-6)
    results = []
    for tightened in (True, False):
        m = optlib.Model()
        x = m.boolean(n, name="x")
        m.add(budget[0] @ x <= budget[1])
        theta = m.continuous(name="theta")
        if tightened:
            vals = set_network.embed_scenario_values(m, parts, x, feats, views, dom, value_bounds=lp_bounds)
        else:
            ex, lo, hi = set_network.embed_x(m, parts, x, feats)
            vals = []
            for k, u in enumerate(views):
                e, elo, ehi = set_network.embed_xi_fixed_scenario(m, parts, x, feats, u, name=f"s{k}")
                vals.append(set_network.embed_value(m, parts, ex, lo, hi, e, elo, ehi, name=f"v{k}"))
        for v in vals:
            m.add(theta <= v)
        m.maximize(a @ x + theta)
        res = m.solve("highs", rel_gap=1e-9)
        assert res.status is optlib.Status.OPTIMAL
        results.append(res.objective)
    assert results[0] == pytest.approx(brute, abs=1e-6)
    assert results[1] == pytest.approx(brute, abs=1e-6)


def test_warm_start_values_are_the_network_at_the_start():
    parts = parts_of(1, True)
    rng = np.random.default_rng(3)
    n = 6
    feats = rng.uniform(0, 1, size=(n, 2))
    views = [rng.uniform(0, 1, size=(n, 1)) for _ in range(2)]
    x0 = np.array([1.0, 0, 1, 1, 0, 0])
    m = optlib.Model()
    x = m.boolean(n, name="x")
    warm: dict = {x: x0}
    vals = set_network.embed_scenario_values(m, parts, x, feats, views, x_start=x0, warm_start=warm)
    m.add(x == x0)
    m.maximize(vals[0] + vals[1])
    res = m.solve("highs", warm_start=warm)
    expect = [set_network.value(parts, x0, feats, u) for u in views]
    assert sum(expect) == pytest.approx(res.objective, abs=1e-6)
    for var, val in warm.items():            # every warm-start value is the solution's (x is fixed)
        assert np.allclose(res[var], val, atol=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_adversary_bounds_hold_over_the_budgeted_set_and_keep_the_mip_optimum(seed):
    """Symbolic bounds of the adversary (x fixed, xi in [0,1]^n with sum(xi) <= Gamma) contain the network's
    pre-activations at sampled points of the set, and the adversary MIP has the same optimum with them."""
    parts = parts_of(seed, True)
    rng = np.random.default_rng(seed + 40)
    n, gamma = 5, 2.0
    feats = rng.uniform(0, 1, size=(n, 2))
    x = np.array([1.0, 0, 1, 1, 0])
    dom = Domain(np.zeros(n), np.ones(n), (np.ones(n), gamma))
    item_b, post_b, value_b = set_network.adversary_bounds(parts, feats, np.eye(n)[:, None, :], dom, x=x)
    pts = rng.uniform(0, 1, size=(3000, n))
    pts = np.vstack([pts[pts.sum(axis=1) <= gamma], binaries(n, (np.ones(n), gamma))])
    for xi in pts[::7]:
        inp = np.column_stack([xi, x * xi, feats])
        for i in range(n):
            h = inp[i][None]
            for (W, b), act, (L, U) in zip(*parts["xi_item"], item_b[i]):
                a = h @ W.T + b
                assert np.all(a >= L - 1e-9) and np.all(a <= U + 1e-9)
                h = np.maximum(a, 0) if act == "relu" else a
        hu = forward(parts["xi_item"][0], inp, parts["xi_item"][1]).sum(axis=0)
        (W, b) = parts["xi_post"][0][0]
        a = W @ hu + b
        assert np.all(a >= post_b[0][0] - 1e-9) and np.all(a <= post_b[0][1] + 1e-9)
        z = np.concatenate([set_network.x_embedding_constant(parts, x, feats),
                            set_network.post_outputs(parts, "xi_post", hu)[0]])
        (W, b) = parts["value"][0][0]
        a = W @ z + b
        assert np.all(a >= value_b[0][0] - 1e-9) and np.all(a <= value_b[0][1] + 1e-9)
    objs = []
    for tight in (False, True):
        m = optlib.Model()
        xi = m.continuous(n, lb=0, ub=1, name="xi")
        m.add(xi.sum() <= gamma)
        exi, lo, hi = set_network.embed_xi(m, parts, [xi[i:i + 1] for i in range(n)], np.zeros((n, 1)),
                                           np.ones((n, 1)), feats, x=x,
                                           bounds=(item_b, post_b) if tight else None)
        e = set_network.x_embedding_constant(parts, x, feats)
        m.minimize(set_network.embed_value(m, parts, e, e, e, exi, lo, hi, bounds=value_b if tight else None))
        res = m.solve("highs", rel_gap=1e-9)
        assert res.status is optlib.Status.OPTIMAL
        objs.append(res.objective)
    assert objs[1] == pytest.approx(objs[0], abs=1e-6)
    assert objs[0] <= set_network.batch_values(parts, x[None], feats, [p[:, None] for p in pts[::7]]).min() + 1e-6
