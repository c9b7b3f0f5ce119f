"""The exact worst case of one fixed first stage (KnapsackInstance.worst_case, problems.robust._knapsack_adversary):
against the LP over every recourse plan, warm starts and stabilisation, honest bounds when stopped early; Neur2RO's
`evaluate=` and `device=` arguments (no torch needed except where marked)."""
import itertools
import math

import numpy as np
import pytest

import optlib
from problems.robust import Neur2RO, generate_knapsack
from problems.robust._knapsack_adversary import greedy_vertex


def brute_force_worst_case(inst, x):
    """min over Xi of max over EVERY recourse plan feasible for x: one LP with all plans as cuts (small n)."""
    keep = np.flatnonzero(x > 0.5)
    cuts = []
    for opts in itertools.product((0, 1, 2), repeat=keep.size):     # skip / produce / produce and repair
        y, r = np.zeros(inst.n), np.zeros(inst.n)
        for i, o in zip(keep, opts):
            y[i], r[i] = float(o >= 1), float(o == 2)
        if inst.c @ y + inst.t @ r <= inst.C + 1e-9:
            cuts.append((y, r))
    m = optlib.Model("brute")
    xi = m.continuous(inst.n, lb=0.0, ub=1.0)
    z = m.continuous()
    m.add(xi.sum() <= inst.gamma)
    ys, rs = np.array([c[0] for c in cuts]), np.array([c[1] for c in cuts])
    m.add(z >= ys @ inst.f + ((rs - ys) * inst.p_hat) @ xi)
    m.minimize(z)
    res = m.solve(backend="highs")
    assert res.status is optlib.Status.OPTIMAL
    return inst.first_stage_value(x) + res.objective


CASES = [(seed, corr, integral) for seed, corr in ((0, "UN"), (1, "ASC"), (2, "WC"), (3, "SC"))
         for integral in (True, False)]


@pytest.mark.parametrize("seed,corr,integral", CASES)
def test_worst_case_equals_the_lp_over_all_plans(seed, corr, integral):
    inst = generate_knapsack(7, correlation=corr, h=80, delta=1.0, budget_factor=0.3, seed=seed, integral=integral)
    rng = np.random.default_rng(seed)
    for x in [np.ones(7)] + list(inst.random_first_stage(2, rng)):
        want = brute_force_worst_case(inst, x)
        for kw in ({}, {"stabilize": 0.0}, {"scenarios": inst.random_scenarios(5, rng)}):
            wc = inst.worst_case(x, **kw)
            assert wc.exact and wc.verified
            assert wc.lower == pytest.approx(want, rel=1e-6, abs=1e-6)
            assert wc.upper == pytest.approx(want, rel=1e-6, abs=1e-6)
            if integral:        # the upper bound is the exact DP value at the scenario returned
                q = inst.recourse_values(x, wc.xi[None])[0]
                assert inst.first_stage_value(x) + q == pytest.approx(wc.upper, rel=1e-6, abs=1e-6)


def test_a_stopped_evaluation_keeps_honest_bounds():
    inst = generate_knapsack(14, correlation="UN", h=80, delta=1.0, budget_factor=0.3, seed=5, integral=True)
    x = np.ones(14)
    full = inst.worst_case(x)
    assert full.exact and full.iterations > 2
    short = inst.worst_case(x, max_iter=1)
    assert not short.exact and short.verified
    assert short.lower <= full.lower + 1e-6 <= short.upper + 2e-6       # the true worst case lies in between
    assert short.lower < short.upper


def test_batched_dp_plans_are_optimal_at_every_scenario():
    inst = generate_knapsack(12, correlation="WC", h=60, seed=7, integral=True)
    rng = np.random.default_rng(1)
    x = np.ones(12)
    xis = inst.random_scenarios(11, rng)                 # more than one chunk of 8
    plans = inst._dp_plans(np.flatnonzero(x > 0.5), xis)
    values = inst.recourse_values(x, xis)
    for xi, plan, v in zip(xis, plans, values):
        y, r = plan
        assert np.all(r <= y) and inst.c @ y + inst.t @ r <= inst.C
        assert inst.plan_value(x, xi, plan) == pytest.approx(v, rel=1e-9)
        assert v == pytest.approx(inst.recourse(x, xi, method="mip")[0], rel=1e-6)


def test_greedy_vertex_spends_gamma_on_accepted_items():
    inst = generate_knapsack(9, seed=3, budget_factor=0.3, integral=True)     # Gamma = 2.7
    x = np.array([1, 0, 1, 1, 0, 1, 0, 0, 1.0])
    xi = greedy_vertex(inst, x)
    assert xi.sum() == pytest.approx(inst.gamma) and np.all(xi[x < 0.5] == 0)
    top = np.flatnonzero(x > 0.5)[np.argsort(-inst.p_hat[x > 0.5])]
    assert np.allclose(xi[top[:2]], 1.0) and xi[top[2]] == pytest.approx(0.7)


@pytest.mark.parametrize("bad,match", [({"tol": -1.0}, "tol must be"), ({"stabilize": 1.0}, "stabilize must be"),
                                       ({"max_iter": 0}, "max_iter must be")])
def test_bad_arguments_name_themselves(bad, match):
    inst = generate_knapsack(4, seed=0, integral=True)
    with pytest.raises(ValueError, match=match):
        inst.worst_case(np.ones(4), **bad)


# -- Neur2RO: evaluate= and device= -------------------------------------------------------------------------
def _random_model(inst):
    from test_contract_robust import random_model
    return random_model(inst, max_iter=3)


def test_evaluate_none_claims_no_objective():
    inst = generate_knapsack(8, seed=2, integral=True)
    model = _random_model(inst)
    ev = model.solve(inst, time_limit=20, evaluate="exact")
    none = model.solve(inst, time_limit=20, evaluate="none")
    optlib.check_answer(ev)
    optlib.check_answer(none)
    assert none.status is optlib.Status.FEASIBLE and none.objective is None and not none.verified
    assert none.exact_value is None and math.isinf(none.gap) and math.isfinite(none.predicted_value)
    assert np.array_equal(none.x, ev.x)                          # the same x, only not evaluated
    assert ev.objective == pytest.approx(brute_force_worst_case(inst, ev.x), rel=1e-6) and ev.verified
    assert model.solve(inst, time_limit=20, evaluate=False).objective is None
    for bad in ("fast", 1, None):
        with pytest.raises(ValueError, match="evaluate must be"):
            model.solve(inst, evaluate=bad)


@pytest.mark.parametrize("bad", ["gpu", "cuda:x", "cpu:0", "", 0, None])
def test_device_is_validated_at_construction(bad):
    with pytest.raises(ValueError, match="device must be"):
        Neur2RO("knapsack", device=bad)
    assert Neur2RO("knapsack", device="cuda:1").device == "cuda:1"      # the GPU is checked at training time


def test_device_auto_picks_cuda_only_when_present():
    torch = pytest.importorskip("torch")
    from problems.robust import resolve_device

    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    assert resolve_device("cpu") == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA device"):
            resolve_device("cuda")
    with pytest.raises(ValueError, match="CUDA device"):
        resolve_device(f"cuda:{torch.cuda.device_count()}")       # one past the last GPU


def test_fit_on_the_device_asked_for():
    pytest.importorskip("torch")
    from problems.robust import collect_data

    data = collect_data([generate_knapsack(6, seed=s, integral=True) for s in range(2)], n_first_stage=2,
                        n_scenarios=3, seed=0, progress=False)
    model = Neur2RO("knapsack", epochs=2, batch_size=8, device="cpu").fit(data=data)
    assert model.history_["device"] == "cpu"
    if not __import__("torch").cuda.is_available():
        with pytest.raises(ValueError, match="CUDA device"):
            Neur2RO("knapsack", epochs=2, device="cuda").fit(data=data)


def test_the_suite_offers_the_held_out_study():
    from problems.robust.suite import HELD_OUT, RobustSuite

    runs = RobustSuite().runs("neur2ro")
    assert sorted({r.instance for r in runs}) == sorted(HELD_OUT) and len(runs) == 2 * len(HELD_OUT)
    assert {r.method for r in runs} == {"CCG", "Neur2RO"} and all(r.options["time_limit"] == 60.0 for r in runs)
    with pytest.raises(ValueError, match="neur2ro"):
        RobustSuite().runs("held-out")


def test_checked_parts_evaluate_as_the_raw_ones():
    from solvers.neural import set_network

    inst = generate_knapsack(9, seed=4, integral=True)
    model = _random_model(inst)
    raw = model.parts_
    checked = set_network.checked_parts(raw)
    assert isinstance(checked, set_network.CheckedParts) and set_network.checked_parts(checked) is checked
    feats = model._feats(inst)
    rng = np.random.default_rng(3)
    X = inst.random_first_stage(6, rng)
    views = [inst.xi_item_views(xi) for xi in inst.random_scenarios(4, rng)]
    full = set_network.batch_evaluator(checked, feats, views)
    V = full(X)
    want = np.array([[set_network.value(raw, x, feats, u) for u in views] for x in X])
    assert np.allclose(V, want, rtol=1e-10, atol=1e-12)
    assert np.allclose(full(X, cols=[3, 1]), V[:, [3, 1]]) and full(X, cols=[]).shape == (6, 0)
    bad = {k: ([(W.copy(), b.copy()) for W, b in layers], acts) for k, (layers, acts) in raw.items()}
    bad["value"][0][0][0][0, 0] = np.nan
    with pytest.raises(ValueError, match="finite"):
        set_network.checked_parts(bad)


def test_eval_gap_stops_early_with_honest_bounds():
    pytest.importorskip("torch")
    from problems.robust import load_knapsack

    inst = load_knapsack("RKP_UN_n30_R1000_H100_h80_dev0.1_d0.1")       # shipped; its evaluation takes ~40 LPs
    model = Neur2RO.pretrained("knapsack")
    exact = model.solve(inst, time_limit=60)
    loose = model.solve(inst, time_limit=60, eval_gap=2e-3)
    assert np.array_equal(exact.x, loose.x) and exact.exact and exact.verified and loose.verified
    assert not loose.exact and len(loose.results) < len(exact.results)      # it did stop early
    assert loose.objective < exact.objective <= loose.exact_upper + 1e-6 * abs(exact.objective)
    assert loose.exact_upper - loose.objective <= 2e-3 * abs(loose.exact_upper)
    for bad in (-0.1, 1.0, True):
        with pytest.raises(ValueError, match="eval_gap must be"):
            model.solve(inst, eval_gap=bad)
