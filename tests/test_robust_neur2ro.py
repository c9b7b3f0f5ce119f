"""Neur2RO (problems.robust.Neur2RO): the torch value network, its MIP embedding, save/load, pretrained models."""
import csv
import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from problems.robust import (Neur2RO, collect_data, generate_capital_budgeting, generate_knapsack,  # noqa: E402
                             load_knapsack)
from problems.robust.data import fit_scaler, to_arrays  # noqa: E402
from solvers.neural import set_network, value_net  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "robust"
needs_data = pytest.mark.skipif(not (DATA / "knapsack").is_dir(), reason="shared robust data not present")


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
    assert set(res.timings) == {"solve", "evaluation"}
    assert res.status in ("converged", "repeated_scenario", "iteration_limit", "time_limit")


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
    with open(DATA / "knapsack_branch_and_price_results.csv") as fh:
        bp = {r["File name"]: r for r in csv.DictReader(fh)}[name]
    inst = load_knapsack(DATA / "knapsack" / name)
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
