"""Neur2RO (problems.robust.Neur2RO): the torch value network, its MIP embedding, save/load, pretrained models."""
import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from optlib import datasets  # noqa: E402
from problems.robust import (Neur2RO, collect_data, generate_capital_budgeting, generate_knapsack,  # noqa: E402
                             load_knapsack)
from problems.robust.data import fit_scaler, to_arrays  # noqa: E402
from solvers.neural import set_network, value_net  # noqa: E402

_NO_DATA = datasets.missing("robust/knapsack")       # 44 instances ship with optlib; None when found
needs_data = pytest.mark.skipif(_NO_DATA is not None, reason=f"robust knapsack instances: {_NO_DATA}")


@pytest.fixture(scope="module")
def tiny_data():
    insts = [generate_knapsack(n, seed=s) for s, n in enumerate((6, 8, 6, 7))]
    return collect_data(insts, n_first_stage=4, n_scenarios=6, seed=1, progress=False)


@pytest.fixture(scope="module")
def tiny_model(tiny_data):
    return Neur2RO("knapsack", epochs=40, batch_size=32, seed=0).fit(data=tiny_data)


def test_numpy_export_matches_torch(tiny_data):
    scaler = fit_scaler(tiny_data)
    arrays = to_arrays(tiny_data, scaler)
    net = value_net.build(value_net.default_config(6, 1))
    torch_out = value_net.predict(net, arrays)
    parts = value_net.export_numpy(net)
    for j in range(0, len(torch_out), 17):
        n = int(arrays["mask"][j].sum())
        v = set_network.value(parts, arrays["x"][j, :n], arrays["feats"][j, :n], arrays["u"][j, :n])
        assert v == pytest.approx(torch_out[j], rel=1e-4, abs=1e-5)


def test_training_lowers_the_loss(tiny_model, tiny_data):
    h = tiny_model.history_
    assert h["train"][-1] < 0.5 * h["train"][0]
    assert h["device"] in ("cpu", "cuda") and h["samples"] == len(tiny_data["samples"])


def test_save_load_roundtrip(tiny_model, tmp_path):
    pt, js = tiny_model.save(tmp_path / "model")
    meta = json.loads(Path(js).read_text())
    assert meta["problem"] == "knapsack" and meta["config"]["x_item"] == [32, 16]
    state = torch.load(pt, weights_only=True)
    assert all(isinstance(v, torch.Tensor) for v in state.values())
    back = Neur2RO.load(pt)
    inst = generate_knapsack(9, seed=11)
    rng = np.random.default_rng(0)
    for x, xi in zip(inst.random_first_stage(3, rng), inst.random_scenarios(3, rng)):
        assert back.predict(inst, x, xi) == pytest.approx(tiny_model.predict(inst, x, xi), rel=1e-9)


def test_solve_returns_exactly_evaluated_x(tiny_model):
    inst = generate_knapsack(8, seed=21)
    res = tiny_model.solve(inst, time_limit=60)
    assert res.x.shape == (8,) and set(np.unique(res.x)) <= {0.0, 1.0}
    wc = inst.worst_case(res.x)
    assert res.exact and res.exact_value == pytest.approx(wc.lower, rel=1e-6)
    assert res.exact_upper >= res.exact_value - 1e-6
    assert np.isfinite(res.predicted_value) and res.iterations >= 1
    assert set(res.timings) == {"solve", "evaluation", "total"}
    assert res.stop_reason in ("converged", "adversary_limit", "repeated_scenario", "iteration_limit", "time_limit")


def test_bad_input(tiny_model, tmp_path):
    with pytest.raises(ValueError, match="problem must be one of"):
        Neur2RO("tsp")
    with pytest.raises(RuntimeError, match="not fitted"):
        Neur2RO().solve(generate_knapsack(5, seed=0))
    with pytest.raises(ValueError, match="trained for 'knapsack'"):
        tiny_model.solve(generate_capital_budgeting(5, seed=0))
    with pytest.raises(ValueError, match="name must be one of"):
        Neur2RO.pretrained("tsp")
    with pytest.raises(ValueError, match="does not exist"):
        Neur2RO.load(tmp_path / "missing")
    with pytest.raises(ValueError, match="time_limit"):
        tiny_model.solve(generate_knapsack(5, seed=0), time_limit=0)
    with pytest.raises(ValueError, match=r"config\['x_item'\]"):
        Neur2RO(architecture={"x_item": []})._config()


@needs_data
def test_pretrained_knapsack_on_published_instance():
    model = Neur2RO.pretrained("knapsack", max_iter=2, adversary_time_limit=5)
    assert model.config_["x_item"] == [32, 16] and model.max_iter == 2
    name = "RKP_UN_n20_R1000_H100_h40_dev0.1_d0.5"
    bp = datasets.knapsack_results()[name]
    inst = load_knapsack(datasets.knapsack_instance(name))
    res = model.solve(inst, time_limit=20, eval_time_limit=60)
    assert res.exact and res.iterations <= 2
    if bp["Solved to optimality"] == "1":      # a certified value can not beat the proven optimum
        assert res.exact_value <= float(bp["Best primal bound"]) * (1 + 1e-6)
    assert res.exact_value > 0


def test_pretrained_capital_budgeting():
    model = Neur2RO.pretrained("capital_budgeting", max_iter=2, adversary_time_limit=5)
    inst = generate_capital_budgeting(6, seed=5)
    res = model.solve(inst, time_limit=20, eval_time_limit=20)
    assert 1.5 * inst.c_bar @ res.x <= inst.budget + 1e-9
    assert res.exact_value is not None and res.exact_upper >= res.exact_value - 1e-6


# -- v2 features, x-xi interaction, guided samples, exact DP labels, candidate post-step ---------------

@pytest.fixture(scope="module")
def v2_model():
    insts = [generate_knapsack(n, correlation=c, seed=s, integral=True)
             for s, (n, c) in enumerate(((6, "UN"), (8, "ASC"), (7, "WC"), (9, "SC")))]
    data = collect_data(insts, n_first_stage=5, n_scenarios=6, seed=2, progress=False, sampling="guided")
    return Neur2RO("knapsack", epochs=40, batch_size=32, seed=0, feature_version=2, interaction=True,
                   sampling="guided").fit(data=data)


def test_dp_labels_equal_the_recourse_mip():
    inst = generate_knapsack(12, correlation="WC", delta=1.0, seed=4, integral=True)
    assert inst.integral() and not generate_knapsack(12, seed=4).integral()
    rng = np.random.default_rng(3)
    for x in inst.guided_first_stage(4, rng):
        xis = inst.guided_scenarios(x, 5, rng)
        dp = inst.recourse_values(x, xis)
        mip = [inst.recourse(x, xi, rel_gap=1e-9, method="mip")[0] for xi in xis]
        assert dp == pytest.approx(mip, rel=1e-9, abs=1e-6)
        for xi, v in zip(xis, mip):                   # the DP's plan is feasible and optimal
            val, ub, (y, r) = inst.recourse(x, xi, method="dp")
            assert val == ub == pytest.approx(v, rel=1e-9, abs=1e-6)
            assert inst.c @ y + inst.t @ r <= inst.C and np.all(r <= y) and np.all(y <= x)
            assert inst.plan_value(x, xi, (y, r)) == pytest.approx(val)
    frac = generate_knapsack(7, seed=1)       # fractional weights: MIP per scenario
    x = np.ones(7)
    xis = frac.random_scenarios(3, rng)
    assert frac.recourse_values(x, xis) == pytest.approx([frac.recourse(x, xi)[0] for xi in xis])
    with pytest.raises(ValueError, match="integral"):
        frac.recourse(x, xis[0], method="dp")
    with pytest.raises(ValueError, match="method"):
        inst.recourse(x[:0].tolist() + [1.0] * 12, xis[0][:0].tolist() + [0.0] * 12, method="bb")


def test_v2_features_and_guided_samples():
    inst = generate_knapsack(15, correlation="ASC", seed=3, integral=True)
    f = inst.item_features(2)
    assert f.shape == (15, 11) and np.all(np.isfinite(f))
    assert f[:, 0].sum() == pytest.approx(inst.c.sum() / inst.C)          # shares: sum x c/C = capacity use
    assert f[:, 2].sum() == pytest.approx(1.0)                             # f_i / sum f
    assert inst.item_features(1).shape == (15, 6)
    with pytest.raises(ValueError, match="feature version"):
        inst.item_features(3)
    with pytest.raises(ValueError, match="version must be 1"):
        generate_capital_budgeting(4, seed=0).item_features(2)
    rng = np.random.default_rng(0)
    xs = inst.guided_first_stage(9, rng)
    assert xs.shape == (9, 15) and set(np.unique(xs)) <= {0.0, 1.0}
    greedy = xs[3:]                                                         # the non-uniform two thirds
    assert np.all(greedy @ inst.c <= 1.6 * inst.C + inst.c.max())
    for x in xs:
        for xi in inst.guided_scenarios(x, 4, rng):
            inst.check_xi(xi)


def test_v2_model_shapes_predictions_and_roundtrip(v2_model, tmp_path):
    assert v2_model.config_["item_features"] == 11 and v2_model.config_["xi_x_interaction"]
    inst = generate_knapsack(10, seed=8, integral=True)
    rng = np.random.default_rng(1)
    x, xi = inst.guided_first_stage(2, rng)[1], inst.random_scenarios(1, rng)[0]
    # numpy forward (used in the MIPs) equals the torch module
    arrays = to_arrays({"instances": [inst], "samples": [(0, x, xi, 0.0)]}, v2_model.scaler_, compact=True)
    torch_v = value_net.predict(v2_model.net_, arrays)[0] * inst.value_scale() * v2_model.scaler_["target_scale"]
    assert v2_model.predict(inst, x, xi) == pytest.approx(torch_v, rel=1e-4)
    v2_model.save(tmp_path / "v2")
    back = Neur2RO.load(tmp_path / "v2")
    assert back.feature_version == 2 and back.interaction and back.scaler_["feature_version"] == 2
    assert back.predict(inst, x, xi) == v2_model.predict(inst, x, xi)


def test_greedy_scenario_is_a_local_minimum_in_the_set(v2_model):
    inst = generate_knapsack(12, seed=9, budget_factor=0.2, integral=True)
    feats = v2_model._feats(inst)
    x = inst.guided_first_stage(2, np.random.default_rng(0))[1]
    xi = v2_model._greedy_knapsack_scenario(inst, feats, x)
    inst.check_xi(xi)
    assert xi.sum() == pytest.approx(inst.gamma)
    v = v2_model.predict(inst, x, xi)
    on, off = np.flatnonzero(xi == 1), np.flatnonzero(xi == 0)
    for i in on:
        for j in off:
            nb = xi.copy()
            nb[i], nb[j] = 0.0, 1.0
            assert v2_model.predict(inst, x, nb) >= v - 1e-6 * max(1.0, abs(v))


def test_candidate_post_step_returns_the_best_exact_candidate(v2_model):
    v2_model.n_candidates = 3
    try:
        inst = generate_knapsack(8, seed=21, integral=True)
        res = v2_model.solve(inst, time_limit=60)
    finally:
        v2_model.n_candidates = 1
    assert 1 <= len(res.candidates) <= 3 and "candidates" in res.timings
    keys = {c["x"].astype(int).tobytes() for c in res.candidates}
    assert len(keys) == len(res.candidates)                                 # distinct x's
    for c in res.candidates:
        assert c["exact_value"] == pytest.approx(inst.worst_case(c["x"]).lower, rel=1e-6)
    assert res.exact_value == max(c["exact_value"] for c in res.candidates)
    assert res.ml_exact_value == res.candidates[0]["exact_value"]
    assert np.array_equal(res.ml_x, res.candidates[0]["x"])
    assert res.exact_value >= res.ml_exact_value


def test_training_time_limit_and_bad_options():
    with pytest.raises(ValueError, match="sampling"):
        Neur2RO("knapsack", sampling="grid")
    with pytest.raises(ValueError, match="feature_version"):
        Neur2RO("capital_budgeting", feature_version=2)
    with pytest.raises(ValueError, match="n_candidates"):
        Neur2RO("knapsack", n_candidates=0)
    with pytest.raises(ValueError, match="sampling"):
        collect_data([generate_knapsack(5, seed=0)], sampling="grid")
    insts = [generate_knapsack(6, seed=s, integral=True) for s in range(2)]
    data = collect_data(insts, n_first_stage=3, n_scenarios=4, progress=False)
    m = Neur2RO("knapsack", epochs=10_000, patience=None, batch_size=8, train_time_limit=0.5).fit(data=data)
    assert m.history_["stopped"] == "time_limit" and m.history_["epochs"] < 10_000


def test_time_limited_run_returns_the_best_rated_visited_x(v2_model, monkeypatch):
    """At a time limit the pure answer is the visited x of best network value over all scenarios found."""
    inst = generate_knapsack(9, seed=5, integral=True)
    rng = np.random.default_rng(4)
    visited = list(inst.guided_first_stage(6, rng))
    scenarios = [inst.initial_scenario()] + list(inst.guided_scenarios(visited[0], 3, rng))
    monkeypatch.setattr(v2_model, "_ml_ccg",
                        lambda *a: (visited[-1], "time_limit", 6, 0.0, scenarios, visited, True))
    res = v2_model.solve(inst, time_limit=30)
    rating = [inst.first_stage_value(x) + min(v2_model.predict(inst, x, xi) for xi in scenarios) for x in visited]
    assert np.array_equal(res.x, visited[int(np.argmax(rating))])
    assert res.predicted_value == pytest.approx(max(rating), rel=1e-9)
    assert res.stop_reason == "time_limit"


@pytest.mark.parametrize("last_optimal", [False, True])
def test_unfinished_last_main_problem_returns_the_best_rated_visited_x(v2_model, monkeypatch, last_optimal):
    """A loop that stopped after a main problem cut short by its own limit ('adversary_limit' here) returns
    the best-rated visited x; after an optimal last main problem it keeps that problem's x."""
    inst = generate_knapsack(9, seed=5, integral=True)
    rng = np.random.default_rng(4)
    visited = list(inst.guided_first_stage(6, rng))
    scenarios = [inst.initial_scenario()] + list(inst.guided_scenarios(visited[0], 3, rng))
    rating = [inst.first_stage_value(x) + min(v2_model.predict(inst, x, xi) for xi in scenarios) for x in visited]
    last = int(np.argmin(rating))
    assert rating[last] < max(rating)           # the instance makes the two cases differ
    monkeypatch.setattr(v2_model, "_ml_ccg",
                        lambda *a: (visited[last], "adversary_limit", 6, 0.0, scenarios, visited, last_optimal))
    res = v2_model.solve(inst, time_limit=30, evaluate=False)
    want = visited[last] if last_optimal else visited[int(np.argmax(rating))]
    assert np.array_equal(res.x, want)
    assert res.stop_reason == "adversary_limit"


# -- main-problem variants: tightened big-M bounds, local search, several cuts per iteration ----------------

def variant(model, **params):
    """A fresh Neur2RO with `params` and the fitted network of `model`."""
    m = Neur2RO(model.problem, feature_version=model.feature_version, interaction=model.interaction, **params)
    m.config_, m.scaler_, m.parts_ = model.config_, model.scaler_, model.parts_
    return m


def test_main_problem_bounds_variants_agree(v2_model):
    """The main-problem MIP has the same optimum with interval, symbolic and LP-tightened (OBBT) bounds."""
    inst = generate_knapsack(9, correlation="ASC", seed=8, integral=True)
    feats = v2_model._feats(inst)
    rng = np.random.default_rng(0)
    scenarios = [inst.initial_scenario()] + list(inst.guided_scenarios(inst.guided_first_stage(1, rng)[0], 3, rng))
    objs = []
    for mb in ("interval", "symbolic", "obbt"):
        res, _ = variant(v2_model, main_bounds=mb)._main(inst, feats, scenarios, 60)
        objs.append(res.objective)
    assert objs[1] == pytest.approx(objs[0], abs=1e-5) and objs[2] == pytest.approx(objs[0], abs=1e-5)
    with pytest.raises(ValueError, match="main_bounds"):
        Neur2RO("knapsack", main_bounds="lp")
    with pytest.raises(ValueError, match="main must be"):
        Neur2RO("knapsack", main="greedy")
    with pytest.raises(ValueError, match="scenarios_per_iteration"):
        Neur2RO("knapsack", scenarios_per_iteration=0)
    with pytest.raises(ValueError, match="adversary_bounds"):
        Neur2RO("knapsack", adversary_bounds="lp")
    with pytest.raises(ValueError, match="local_search_starts"):
        Neur2RO("knapsack", local_search_starts=-1)


def test_local_search_main_problem(v2_model):
    """main='local_search' returns an exactly evaluated x whose network rating is at least that of every
    visited x; its main problem reaches the MIP optimum on a small instance."""
    inst = generate_knapsack(8, correlation="UN", seed=3, integral=True)
    m = variant(v2_model, main="local_search", scenarios_per_iteration=3, local_search_starts=4)
    feats = m._feats(inst)
    scenarios = [inst.initial_scenario(), np.r_[np.ones(int(inst.gamma)), np.zeros(8 - int(inst.gamma))]]
    best_x, best_v = m._main_local_search(inst, feats, scenarios, [], None)[0]
    res, xvar = v2_model._main(inst, feats, scenarios, 60)
    assert best_v == pytest.approx(res.objective, rel=1e-4)
    out = m.solve(inst, time_limit=30, eval_time_limit=30)
    assert out.exact and out.x is not None and out.iterations >= 1


def test_heuristic_adversary_never_builds_the_adversary_mip(v2_model, monkeypatch):
    inst = generate_knapsack(8, correlation="UN", seed=3, integral=True)
    m = variant(v2_model, main="local_search", adversary="heuristic", scenarios_per_iteration=2)

    def no_mip(*a, **k):
        raise AssertionError("the adversary MIP was built")
    monkeypatch.setattr(set_network, "embed_xi", no_mip)
    out = m.solve(inst, time_limit=30, eval_time_limit=30)
    assert out.stop_reason in ("adversary_limit", "repeated_scenario", "iteration_limit") and out.exact
    with pytest.raises(ValueError, match="adversary must be"):
        Neur2RO("knapsack", adversary="exact")


def test_local_search_keeps_the_capital_budgeting_budget():
    model = Neur2RO.pretrained("capital_budgeting", main="local_search", adversary="heuristic", max_iter=3)
    inst = generate_capital_budgeting(8, seed=7)
    res = model.solve(inst, time_limit=20, eval_time_limit=20)
    assert 1.5 * inst.c_bar @ res.x <= inst.budget + 1e-9
    assert res.exact_value is not None and res.exact_upper >= res.exact_value - 1e-6


def test_capital_budgeting_example_runs_small(tmp_path):
    import subprocess
    import sys
    script = Path(__file__).resolve().parents[1] / "examples" / "robust_capital_budgeting.py"
    out = subprocess.run([sys.executable, str(script), "--n", "4", "--seeds", "1", "--ccg-time-limit", "10",
                          "--n2ro-time-limit", "3", "--mains", "local_search", "--json", str(tmp_path / "cb.json")],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "| cb n=4 seed 1 |" in out.stdout
    row = json.loads((tmp_path / "cb.json").read_text())["rows"][0]
    if row["ccg_status"] == "OPTIMAL":          # a certified Neur2RO value can not beat the proven optimum
        assert row["local_search"]["exact_value"] <= row["ccg_value"] + 1e-6 * abs(row["ccg_value"])
