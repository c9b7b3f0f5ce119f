"""The solve contract of problems.robust (issue 17): the declared instance protocol, the one CCG loop behind
`ccg` and `Neur2RO`, the answer protocol (optlib.check_answer), backend= / time_limit= / options=, the time
limit of the whole call, and Neur2RO's options validated in one place.

Neur2RO runs here on a small random network in numpy (no torch): the contract does not depend on training.
"""
import dataclasses
import importlib
import inspect
import math
import time

import numpy as np
import pytest

from wallclock import Clock

import optlib
from optlib import datasets
from problems.robust import (CapitalBudgetingInstance, KnapsackInstance, Neur2RO, Neur2ROOptions, RobustInstance,
                             ccg, generate_capital_budgeting, generate_knapsack)
from problems.robust.ccg import AdversaryStep, LoopOutcome, MainStep, ccg_loop
from problems.robust.neur2ro import STOP_REASONS
from solvers.neural import value_net

ccg_module = importlib.import_module("problems.robust.ccg")      # (problems.robust.ccg is the function)
loop_module = importlib.import_module("problems.robust._neur2ro_loop")
_NO_DATA = datasets.missing("robust/knapsack")       # 44 instances ship with optlib; None when found


# -- helpers --------------------------------------------------------------------------------------------
def random_model(instance, seed=0, **params):
    """A Neur2RO for `instance`'s problem with random numpy weights (feature version 1, no torch)."""
    model = Neur2RO(instance.kind, **params)
    cfg = value_net.check_config(value_net.default_config(instance.item_features(1).shape[1],
                                                          instance.xi_item_views(instance.initial_scenario()).shape[1]))
    cfg.update(x_item=[8, 4], x_post=[8, 3], xi_item=[8, 4], xi_post=[8, 3], value=[5])
    rng = np.random.default_rng(seed)
    parts = {}
    for name, (dims, last) in value_net.layer_sizes(cfg).items():
        layers = [(rng.normal(size=(dims[k + 1], dims[k])) / math.sqrt(dims[k]), 0.1 * rng.normal(size=dims[k + 1]))
                  for k in range(len(dims) - 1)]
        parts[name] = (layers, ["relu"] * (len(layers) - 1) + [last])
    feats = instance.item_features(1)
    model.config_, model.parts_ = cfg, parts
    model.scaler_ = {"feature_scale": np.maximum(np.abs(feats).max(axis=0), 1e-12).tolist(), "target_scale": 0.5,
                     "feature_version": 1}
    return model


def signature_mismatches(cls) -> list[str]:
    """Where `cls` departs from RobustInstance: a missing member, or a method whose parameters (names, kinds,
    defaults, annotations) differ; extra parameters are allowed only keyword-only with a default, at the end."""
    out = []
    for name, proto in vars(RobustInstance).items():
        if name.startswith("_") or not callable(proto):
            continue
        impl = getattr(cls, name, None)
        if impl is None:
            out.append(f"{name}: missing")
            continue
        want = list(inspect.signature(proto).parameters.values())
        have = list(inspect.signature(impl).parameters.values())
        if have[:len(want)] != want:
            out.append(f"{name}: {inspect.signature(impl)} != {inspect.signature(proto)}")
        for p in have[len(want):]:
            if p.kind is not inspect.Parameter.KEYWORD_ONLY or p.default is inspect.Parameter.empty:
                out.append(f"{name}: extra parameter {p.name!r} must be keyword-only with a default")
    return out


# -- the instance protocol --------------------------------------------------------------------------------
def test_both_instance_classes_satisfy_the_protocol():
    kp, cb = generate_knapsack(5, seed=0), generate_capital_budgeting(4, seed=0)
    assert isinstance(kp, RobustInstance) and isinstance(cb, RobustInstance)
    assert not isinstance(np.zeros(3), RobustInstance)

    class Partial:                                   # everything but worst_case
        pass
    for name in dir(RobustInstance):
        if not name.startswith("_") and name != "worst_case":
            setattr(Partial, name, getattr(KnapsackInstance, name, None) or (lambda self: None))
    Partial.kind = Partial.sense = Partial.name = "x"
    assert not isinstance(Partial(), RobustInstance)


@pytest.mark.parametrize("cls", [KnapsackInstance, CapitalBudgetingInstance])
def test_signatures_agree_with_the_protocol(cls):
    methods = [n for n, v in vars(RobustInstance).items() if not n.startswith("_") and callable(v)]
    assert len(methods) >= 24                        # the comparison really covers the protocol
    assert signature_mismatches(cls) == []


def test_the_signature_check_catches_a_disagreement():
    class OldKnapsack(KnapsackInstance):             # plan_value as it was before the protocol
        def plan_value(self, xi, plan):
            return 0.0

    class PositionalExtra(CapitalBudgetingInstance):    # an extra parameter without a default
        def worst_case(self, x, backend="highs", time_limit=None, tol=1e-6, plans=None, max_iter=10_000,
                       options=None, *, scenarios=None, eps):
            return None
    assert [m.split(":")[0] for m in signature_mismatches(OldKnapsack)] == ["plan_value"]
    assert "must be keyword-only" in " ".join(signature_mismatches(PositionalExtra))


def test_plan_value_agrees_with_recourse_on_both_problems():
    kp = generate_knapsack(6, seed=2, integral=True)
    cb = generate_capital_budgeting(5, seed=1)
    for inst, x in ((kp, np.ones(6)), (cb, np.array([1.0, 0, 0, 0, 0]))):
        xi = inst.random_scenarios(1, np.random.default_rng(0))[0]
        val, ub, plan = inst.recourse(x, xi)
        assert inst.plan_value(x, xi, plan) == pytest.approx(val) and ub >= val - 1e-9
        assert inst.recourse_values(x, xi[None]) == pytest.approx([val], rel=1e-6)


# -- the one loop -----------------------------------------------------------------------------------------------
def toy_loop(script, max_iter=10, rel_gap=None, require_proof=False, deadline=None):
    """ccg_loop with steps that follow `script`: per round (main kwargs, adversary kwargs)."""
    calls = iter(script)
    adv_kw: dict = {}

    def main(scenarios, dl):
        nonlocal adv_kw
        main_kw, adv_kw = next(calls)
        return MainStep(**{"x": np.array([float(len(scenarios))]), "objective": 10.0, **main_kw})

    def adversary(x, ms, scenarios, dl):
        return AdversaryStep(**{"xi": np.array([float(len(scenarios))]), "value": 5.0, **adv_kw})
    return ccg_loop(main, adversary, [np.array([-1.0])], deadline or optlib.Deadline(None), max_iter,
                    rel_gap=rel_gap, require_proof=require_proof)


def test_loop_stop_reasons():
    assert toy_loop([({}, {})] * 3, max_iter=3).stop_reason == "iteration_limit"
    out = toy_loop([({}, {})] * 3, max_iter=3)
    assert out.limit_reached == "iteration_limit" and len(out.scenarios) == 4 and out.iterations == 3
    assert toy_loop([({}, {"cuts_off": False, "exact": True})]).stop_reason == "converged"
    assert toy_loop([({}, {"cuts_off": False})]).stop_reason == "adversary_limit"
    assert toy_loop([({}, {"xi": np.array([-1.0])})]).stop_reason == "repeated_scenario"
    out = toy_loop([({}, {"xi": None})])
    assert out.stop_reason == out.limit_reached == "time_limit" and out.predicted_value == 10.0
    assert toy_loop([({"x": None, "infeasible": True}, {})]).stop_reason == "infeasible"
    assert toy_loop([({"x": None}, {})]).stop_reason == "time_limit"
    # certified gap: lower 9.99995 against the main bound 10
    out = toy_loop([({"bound": 10.0}, {"lower": 9.99995})], rel_gap=1e-4)
    assert out.stop_reason == "converged" and out.best_lower == 9.99995 and out.bound == 10.0
    assert toy_loop([({"bound": 10.0}, {"lower": 9.0})], rel_gap=1e-4, require_proof=True).stop_reason == "time_limit"
    expired = optlib.Deadline(1e-3)
    time.sleep(0.002)
    assert toy_loop([({}, {})] * 3, deadline=expired).stop_reason == "time_limit"


def test_loop_reads_extra_scenarios_lazily():
    seen = []

    def more(scenarios):
        for k in range(3):
            seen.append(len(scenarios))          # each extra scenario sees the ones added before it
            yield np.array([100.0 + (k % 2)])    # the third repeats the first: not added

    def main(scenarios, dl):
        return MainStep(x=np.zeros(1), objective=10.0)

    def adversary(x, ms, scenarios, dl):
        return AdversaryStep(xi=np.array([7.0]), value=5.0, more=more(scenarios))
    out = ccg_loop(main, adversary, [np.array([-1.0])], optlib.Deadline(None), 1)
    assert seen == [2, 3, 4] and [s[0] for s in out.scenarios] == [-1.0, 7.0, 100.0, 101.0]


def test_one_loop_serves_ccg_and_neur2ro(monkeypatch):
    assert loop_module.ccg_loop is ccg_module.ccg_loop is ccg_loop
    labels = []

    def spy(main, adversary, *a, **k):
        labels.append(k.get("label", "CCG"))
        return ccg_loop(main, adversary, *a, **k)
    monkeypatch.setattr(ccg_module, "ccg_loop", spy)
    monkeypatch.setattr(loop_module, "ccg_loop", spy)
    inst = generate_knapsack(5, seed=4, correlation="UN", delta=1.0, budget_factor=0.2)
    assert ccg(inst, time_limit=60).status is optlib.Status.OPTIMAL
    random_model(inst, max_iter=3).solve(inst, time_limit=30)
    assert labels == ["CCG", "Neur2RO"]


# -- answers ----------------------------------------------------------------------------------------------------
def test_ccg_answer_optimal():
    inst = generate_knapsack(5, seed=4, correlation="UN", delta=1.0, budget_factor=0.2)
    res = ccg(inst, time_limit=60)
    optlib.check_answer(res)
    assert isinstance(res, optlib.Answer)
    assert res.status is optlib.Status.OPTIMAL and res.verified and res.stop_reason == "converged"
    assert res.objective == res.value and res.gap == optlib.relative_gap(res.value, res.bound) <= 1e-4
    assert res.results and all(isinstance(r, optlib.Result) for r in res.results)
    assert res.timings["total"] == res.time >= res.timings["main"] + res.timings["adversary"] - 1e-9
    cb = ccg(generate_capital_budgeting(4, seed=0), time_limit=60)
    optlib.check_answer(cb)
    assert cb.status is optlib.Status.OPTIMAL and cb.verified


def test_ccg_answer_at_a_limit_and_when_infeasible():
    inst = generate_knapsack(25, seed=1, correlation="ASC", h=80, delta=1.0, budget_factor=0.2)
    res = ccg(inst, time_limit=0.5)
    optlib.check_answer(res)
    assert res.status in (optlib.Status.FEASIBLE, optlib.Status.NO_SOLUTION, optlib.Status.OPTIMAL)
    if res.status is optlib.Status.FEASIBLE:
        assert res.limit_reached == "time_limit" and res.value <= res.bound + 1e-6
    stopped = ccg(generate_knapsack(6, seed=3, correlation="WC", delta=1.0, budget_factor=0.4), max_iter=1)
    optlib.check_answer(stopped)

    class Impossible(KnapsackInstance):          # a first stage with no feasible x
        def add_first_stage(self, m, x):
            m.add(x.sum() >= self.n + 1, name="impossible")
    base = generate_knapsack(4, seed=0)
    bad = Impossible(**{f.name: getattr(base, f.name) for f in dataclasses.fields(base)})
    res = ccg(bad, time_limit=30)
    optlib.check_answer(res)
    assert res.status is optlib.Status.INFEASIBLE and res.value is None and res.objective is None
    assert res.stop_reason == "infeasible" and not res.verified


def test_neur2ro_answer():
    inst = generate_knapsack(7, seed=5, integral=True)
    res = random_model(inst, max_iter=4).solve(inst, time_limit=30)
    optlib.check_answer(res)
    assert res.status is optlib.Status.FEASIBLE          # Neur2RO proves no bound: never OPTIMAL
    assert res.bound == math.inf and res.gap == math.inf and res.stop_reason in STOP_REASONS
    assert res.objective == res.exact_value == pytest.approx(inst.worst_case(res.x).lower, rel=1e-6)
    assert res.verified and res.exact and res.results and "total" in res.timings
    plain = random_model(inst, max_iter=4).solve(inst, time_limit=30, evaluate=False)
    optlib.check_answer(plain)
    assert plain.status is optlib.Status.FEASIBLE and plain.objective is None and not plain.verified


def test_neur2ro_answer_without_a_first_stage_solution(monkeypatch):
    inst = generate_knapsack(6, seed=1)
    model = random_model(inst)
    monkeypatch.setattr(model, "_ml_ccg", lambda *a: LoopOutcome(None, "time_limit", 1, math.nan,
                                                                 [inst.initial_scenario()], [], False,
                                                                 limit_reached="time_limit"))
    res = model.solve(inst, time_limit=5)
    optlib.check_answer(res)
    assert res.status is optlib.Status.NO_SOLUTION and res.x is None and res.limit_reached == "time_limit"


# -- backend= / options= ------------------------------------------------------------------------------------------
@pytest.fixture
def solve_spy(monkeypatch):
    """Records (model name, keywords) of every Model.solve; drops the test's 'probe' option before solving."""
    calls = []
    original = optlib.Model.solve

    def spy(self, *args, **kw):
        calls.append((self.name, dict(kw)))
        kw.pop("probe", None)
        return original(self, *args, **kw)
    monkeypatch.setattr(optlib.Model, "solve", spy)
    return calls


def test_options_reach_every_solve(solve_spy):
    inst = generate_knapsack(5, seed=4, correlation="UN", delta=1.0, budget_factor=0.2)
    assert ccg(inst, time_limit=60, options={"probe": 1, "threads": 1}).status is optlib.Status.OPTIMAL
    assert solve_spy and all(kw.get("probe") == 1 and kw["backend"] == "highs" for _, kw in solve_spy)
    assert {name for name, _ in solve_spy} >= {"ccg_main", "knapsack_adversary"}
    solve_spy.clear()
    kp = generate_knapsack(8, seed=2)
    model = random_model(kp, max_iter=2, config="paper", adversary="mip", main_bounds="symbolic", options={"probe": 2})
    model.solve(kp, time_limit=30)
    assert {"neur2ro_main", "neur2ro_adversary", "knapsack_adversary"} <= {name for name, _ in solve_spy}
    assert all(kw.get("probe") == 2 for _, kw in solve_spy)
    solve_spy.clear()                               # fractional weights: the recourse is a MIP
    kp.recourse_values(np.ones(8), kp.random_scenarios(2, np.random.default_rng(0)), options={"probe": 3})
    assert [name for name, _ in solve_spy] == ["knapsack_recourse"] * 2
    assert all(kw.get("probe") == 3 for _, kw in solve_spy)


@pytest.mark.parametrize("bad,match", [({"time_limit": 3}, "options must not set 'time_limit'"),
                                       ({"backend": "scip"}, "options must not set 'backend'"),
                                       ([("threads", 1)], "options must be a dict")])
def test_bad_options_and_backend_name_the_argument(bad, match):
    inst = generate_knapsack(4, seed=0)
    with pytest.raises(ValueError, match=match):
        ccg(inst, options=bad)
    with pytest.raises(ValueError, match=match):
        Neur2RO("knapsack", options=bad)
    with pytest.raises(ValueError, match=match):
        inst.worst_case(np.ones(4), options=bad)
    with pytest.raises(ValueError, match="backend must be"):
        ccg(inst, backend=3)
    with pytest.raises(ValueError, match="max_iter"):
        ccg(inst, max_iter=0)


# -- Neur2RO's options ------------------------------------------------------------------------------------------
OLD_POSITIONAL = ["problem", "architecture", "epochs", "lr", "batch_size", "n_first_stage", "n_scenarios", "n_jobs",
                  "device", "backend", "max_iter", "adversary_time_limit", "patience", "seed", "verbose", "sampling",
                  "feature_version", "interaction", "train_time_limit", "n_candidates", "adversary", "main_bounds",
                  "main", "local_search_starts", "scenarios_per_iteration", "adversary_bounds"]


def test_constructor_parameters_are_the_options():
    params = inspect.signature(Neur2RO).parameters
    assert list(params) == list(Neur2ROOptions.names())
    assert list(params)[:len(OLD_POSITIONAL)] == OLD_POSITIONAL          # positional use keeps working
    for f in dataclasses.fields(Neur2ROOptions):
        assert params[f.name].default == f.default
    m = Neur2RO("knapsack", None, 7, main="local_search")
    assert m.epochs == 7 and m.main == "local_search" and m.get_params()["epochs"] == 7
    assert Neur2RO.pretrained.__doc__ and Neur2RO(interaction=1).interaction is True
    with pytest.raises(TypeError, match="unexpected keyword argument 'epoch'"):
        Neur2RO(epoch=3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        Neur2ROOptions().max_iter = 3


@pytest.mark.parametrize("bad,match", [(dict(max_iter=0), "max_iter must be a positive integer"),
                                       (dict(lr=-1.0), "lr must be a positive number"),
                                       (dict(adversary_time_limit=0), "adversary_time_limit"),
                                       (dict(n_jobs=0), "n_jobs"),
                                       (dict(main="greedy"), "main must be one of"),
                                       (dict(feature_version=2, problem="capital_budgeting"), "feature_version"),
                                       (dict(backend=""), "backend must be")])
def test_options_are_validated_in_one_place(bad, match):
    with pytest.raises(ValueError, match=match):
        Neur2ROOptions(**bad)
    with pytest.raises(ValueError, match=match):
        Neur2RO(**bad)


def test_an_attribute_changed_after_construction_is_validated_at_solve():
    inst = generate_knapsack(5, seed=0)
    model = random_model(inst)
    model.n_candidates = 0
    with pytest.raises(ValueError, match="n_candidates"):
        model.solve(inst)
    with pytest.raises(ValueError, match="eval_share"):
        random_model(inst).solve(inst, eval_share=1.0)


# -- the time limit holds for the whole call (post-processing included) -------------------------------------------
def test_ccg_time_limit_holds():
    inst = generate_knapsack(30, seed=1, correlation="ASC", h=40, delta=0.1, budget_factor=0.15, integral=True)
    with Clock() as clock:
        res = ccg(inst, time_limit=1.5)
    wall = clock.elapsed
    assert res.limit_reached == "time_limit" and wall <= 1.5 * 1.5, wall
    optlib.check_answer(res)


def test_neur2ro_time_limit_includes_the_exact_evaluation(monkeypatch):
    """A fast loop, then an expensive exact post-step: fractional weights (recourse MIPs) and dense x's, about
    4 s per exact evaluation on n = 30, three candidates.  Before, the evaluation ran after the time limit
    (eval_time_limit apart, 600 s per candidate); now the whole call stays within its deadline."""
    inst = generate_knapsack(30, seed=3, correlation="UN", h=80, delta=1.0, budget_factor=0.2)
    model = random_model(inst, n_candidates=3)
    visited = [np.ones(30), np.r_[np.zeros(3), np.ones(27)], np.r_[np.ones(27), np.zeros(3)]]
    monkeypatch.setattr(model, "_ml_ccg", lambda *a: LoopOutcome(visited[0], "converged", 3, 0.0,
                                                                 [inst.initial_scenario()], visited, True))
    with Clock() as clock:
        res = model.solve(inst, time_limit=1.5)
    wall = clock.elapsed
    assert wall <= 1.5 * 1.5, (wall, res.timings)
    assert res.timings["total"] <= clock.wall and res.x is not None
    optlib.check_answer(res)
    assert not res.exact and res.limit_reached == "time_limit" and res.stop_reason == "converged"


@pytest.mark.skipif(_NO_DATA is not None, reason=f"robust knapsack instances: {_NO_DATA}")
def test_pretrained_neur2ro_time_limit_on_a_published_instance():
    """The case measured at 6.7x before (fast configuration, 5 candidates, 2 s): within 1.5x now."""
    pytest.importorskip("torch")
    from problems.robust import load_knapsack
    model = Neur2RO.pretrained("knapsack", main="local_search", adversary="heuristic", scenarios_per_iteration=4,
                               n_candidates=5)
    inst = load_knapsack(datasets.knapsack_instance("RKP_UN_n30_R1000_H100_h80_dev0.15_d1"))
    with Clock() as clock:
        res = model.solve(inst, time_limit=2)
    wall = clock.elapsed
    assert wall <= 1.5 * 2, (wall, res.timings)
    optlib.check_answer(res)
    assert res.exact_value is not None and res.exact_value > 0
