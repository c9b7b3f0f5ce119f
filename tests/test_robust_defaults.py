"""Neur2RO's defaults (issue 20): the fast loop by default, the paper's one option away, a time limit that
covers the exact evaluation, pickling; training data through the benchmark executors; progress output."""
import pickle
import time

import numpy as np
import pytest

from problems.robust import Neur2RO, Neur2ROOptions, ccg, collect_data, generate_knapsack
from problems.robust.neur2ro_options import CONFIG_LOOPS


def test_default_config_is_the_fast_loop_and_the_paper_loop_is_one_option_away():
    fast = {"main": "local_search", "adversary": "heuristic", "scenarios_per_iteration": 4}
    assert Neur2ROOptions().loop_ == fast == CONFIG_LOOPS["fast"]
    assert Neur2RO()._options().main_ == "local_search"          # the default model runs no MIP in its loop
    paper = Neur2RO(config="paper")._options()
    assert (paper.main_, paper.adversary_, paper.scenarios_per_iteration_) == ("mip", "heuristic_first", 1)
    mixed = Neur2ROOptions(config="paper", adversary="mip", scenarios_per_iteration=2)   # set fields override
    assert mixed.loop_ == {"main": "mip", "adversary": "mip", "scenarios_per_iteration": 2}
    m = Neur2RO()
    m.config = "paper"                                             # sklearn-style: read again at solve
    assert m._options().main_ == "mip" and m.get_params()["main"] is None
    with pytest.raises(ValueError, match="config must be one of"):
        Neur2RO(config="fastest")
    with pytest.raises(ValueError, match="scenarios_per_iteration"):
        Neur2RO(scenarios_per_iteration=0)
    with pytest.raises(ValueError, match="executor must be one of"):
        Neur2RO(executor="threads")
    with pytest.raises(ValueError, match="n_jobs must be 1 with executor='local'"):
        Neur2RO(executor="local", n_jobs=2)
    with pytest.raises(ValueError, match="scheduler"):
        Neur2RO(scheduler="tcp://127.0.0.1:8786")


def _tiny_instances() -> list:
    return [generate_knapsack(n, seed=s, integral=True) for s, n in enumerate((6, 7, 5))]


def _same_data(a: dict, b: dict) -> bool:
    if len(a["samples"]) != len(b["samples"]):
        return False
    return all(i == j and np.array_equal(x, y) and np.array_equal(u, w) and v == pytest.approx(z, rel=1e-9)
               for (i, x, u, v), (j, y, w, z) in zip(a["samples"], b["samples"]))


def test_training_data_through_the_executors_is_the_same():
    from optlib.bench.executors import LocalExecutor

    insts = _tiny_instances()
    kw = dict(n_first_stage=3, n_scenarios=4, seed=3, progress=False)
    local = collect_data(insts, **kw)
    procs = collect_data(insts, executor="processes", n_jobs=2, **kw)
    assert local["executor"] == "local" and procs["executor"].startswith("processes") and procs["jobs"] == 2
    assert _same_data(local, procs)
    assert _same_data(local, collect_data(insts, executor=LocalExecutor(), **kw))   # an executor object
    other = collect_data(insts, **{**kw, "seed": 4})
    assert not _same_data(local, other)                             # the comparison can fail
    with pytest.raises(ValueError, match="executor must be"):
        collect_data(insts, executor="threads", **kw)
    with pytest.raises(ValueError, match="executor must be"):
        collect_data(insts, executor=object(), **kw)


def test_ccg_progress_is_opt_in(capsys):
    inst = generate_knapsack(6, correlation="UN", seed=0, integral=True)
    quiet = ccg(inst, time_limit=30)
    out = capsys.readouterr()
    assert out.err == "" and out.out == ""
    loud = ccg(inst, time_limit=30, progress=True)
    err = capsys.readouterr().err
    assert "CCG" in err and "iteration 1" in err and "incumbent" in err and "bound" in err
    assert loud.value == pytest.approx(quiet.value)
    lines: list = []
    ccg(inst, time_limit=30, progress=lines.append)                # a callable gets the lines
    assert lines and all(line.startswith("CCG") for line in lines)
    assert capsys.readouterr().err == ""
    with pytest.raises(ValueError, match="progress must be"):
        ccg(inst, progress="loud")


# -- with torch (the pretrained network is a torch file) ------------------------------------------------------
@pytest.fixture(scope="module")
def pretrained():
    pytest.importorskip("torch")
    return Neur2RO.pretrained("knapsack")


def test_fitted_model_pickles_and_solves_the_same(pretrained):
    inst = generate_knapsack(12, correlation="UN", seed=2, integral=True)
    before = pretrained.solve(inst, time_limit=30)
    copy = pickle.loads(pickle.dumps(pretrained))
    after = copy.solve(inst, time_limit=30)
    assert np.array_equal(before.x, after.x) and after.exact_value == pytest.approx(before.exact_value)
    assert copy.get_params() == pretrained.get_params()
    x, xi = before.x, inst.initial_scenario()
    assert copy.predict(inst, x, xi) == pytest.approx(pretrained.predict(inst, x, xi), rel=1e-12)
    torch = pytest.importorskip("torch")
    for k, v in pretrained.net_.state_dict().items():             # the torch module comes back too
        assert torch.equal(copy.net_.state_dict()[k], v)


def test_default_solve_runs_no_mip_in_the_loop(pretrained, monkeypatch):
    from solvers.neural import set_network

    inst = generate_knapsack(14, correlation="UN", seed=1, integral=True)

    def no_mip(*a, **k):
        raise AssertionError("a network MIP was built")
    monkeypatch.setattr(set_network, "embed_xi", no_mip)
    monkeypatch.setattr(set_network, "embed_scenario_values", no_mip)
    res = pretrained.solve(inst, time_limit=30)
    assert res.exact and res.x is not None


def test_time_limit_covers_the_exact_evaluation(pretrained):
    """The paper's loop (MIPs) on n = 60 runs into any short limit; the whole call, exact evaluation
    included, ends near it (a generous margin: the machine may be loaded)."""
    inst = generate_knapsack(60, correlation="ASC", h=80, seed=5, integral=True)
    model = Neur2RO.pretrained("knapsack", config="paper")
    t = time.perf_counter()
    res = model.solve(inst, time_limit=4.0)
    wall = time.perf_counter() - t
    assert wall <= 4.0 + 3.0, wall
    assert res.timings["total"] <= 4.0 + 3.0
    assert res.x is None or res.exact_value is not None


def test_neur2ro_progress_is_opt_in(pretrained, capsys):
    inst = generate_knapsack(10, correlation="UN", seed=4, integral=True)
    quiet = pretrained.solve(inst, time_limit=30)
    assert capsys.readouterr().err == ""
    loud = pretrained.solve(inst, time_limit=30, progress=True)
    err = capsys.readouterr().err
    assert "Neur2RO" in err and "iteration 1" in err and "exact worst case" in err
    assert np.array_equal(quiet.x, loud.x)
