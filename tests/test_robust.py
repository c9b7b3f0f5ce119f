"""Two-stage robust instances and exact CCG (problems.robust): reader, generators, brute force, bad input."""
import itertools
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import optlib
from optlib import datasets
from problems.robust import (KnapsackInstance, ccg, generate_capital_budgeting,
                             generate_knapsack, knapsack_files, load_capital_budgeting, load_knapsack,
                             save_capital_budgeting)

# 44 of the 504 Arslan-Detienne instances ship with optlib; all 504 under $OPTLIB_DATA/robust/knapsack
_NO_DATA = datasets.missing("robust/knapsack")
needs_data = pytest.mark.skipif(_NO_DATA is not None, reason=f"robust knapsack instances: {_NO_DATA}")
KP_DIR = None if _NO_DATA else datasets.knapsack_dir()
_FULL = KP_DIR is not None and len(datasets.knapsack_files()) == 504
needs_full_set = pytest.mark.skipif(
    not _FULL, reason=f"the full set of 504 robust knapsack instances is not under ${datasets.ENV_VAR}/robust/knapsack "
                      f"(44 ship with optlib); get them from {datasets.SOURCES['robust'].url}")


def bp_results() -> dict:
    return datasets.knapsack_results()


def small_knapsack(n=5, seed=0, **kw) -> KnapsackInstance:
    return generate_knapsack(n, seed=seed, **kw)


def all_plans(n):
    """Every recourse plan (y, r) with r <= y: 3^n of them."""
    for choice in itertools.product((0, 1, 2), repeat=n):
        c = np.array(choice)
        yield (c >= 1).astype(float), (c == 2).astype(float)


def brute_recourse(inst, x, xi):
    best = -math.inf
    for y, r in all_plans(inst.n):
        if np.all(y <= x) and inst.c @ y + inst.t @ r <= inst.C + 1e-9:
            best = max(best, inst.plan_value(x, xi, (y, r)))
    return best


def brute_worst_case(inst, x):
    """min over Xi of max over the feasible plans, as one LP with every plan as a cut."""
    m = optlib.Model()
    xi = m.continuous(inst.n, lb=0, ub=1)
    z = m.continuous()
    m.add(xi.sum() <= inst.gamma)
    for y, r in all_plans(inst.n):
        if np.all(y <= x) and inst.c @ y + inst.t @ r <= inst.C + 1e-9:
            m.add(z >= inst.f @ y + (inst.p_hat * (r - y)) @ xi)
    m.minimize(z)
    return inst.first_stage_value(x) + m.solve("highs").objective


# -- reader ---------------------------------------------------------------------------------
@needs_data
def test_load_shipped_instance():
    p = datasets.knapsack_instance("RKP_ASC_n20_R1000_H100_h40_dev0.15_d0.1")
    inst = load_knapsack(p)
    assert inst.name == "RKP_ASC_n20_R1000_H100_h40_dev0.15_d0.1"          # no '.gz' in the name
    assert inst.n == 20 and inst.C == 4233 and inst.gamma == 3
    assert inst.p_bar[0] == 645 and inst.p_hat[0] == 334 and inst.t[0] == 221 and inst.c[0] == 546 and inst.f[0] == 827
    assert load_knapsack(inst.name).C == 4233                               # a bare name is looked up
    files = knapsack_files(KP_DIR)
    assert len(files) >= 44 and all(f.name.startswith("RKP_") for f in files)
    assert {int(f.name.split("_n")[1].split("_")[0]) for f in files} == {20, 30, 40, 50, 60, 70, 80}
    assert 6 <= len(knapsack_files(KP_DIR, n=20)) <= 72


@needs_full_set
def test_full_published_set():
    assert len(knapsack_files(KP_DIR)) == 504
    assert len(knapsack_files(KP_DIR, n=20)) == 72


@pytest.mark.parametrize("text,match", [
    ("2 10\n1 1 1 1 1\n1 1 1 1 1\n", "line 1 must hold 3 fields"),
    ("2 10 1\n1 1 1 1 1\n1 1 x 1 1\n", r"line 3, field 'RepairWeight'"),
    ("2 10 1\n1 1 1 1\n1 1 1 1 1\n", "line 2 must hold 5 fields"),
    ("2 10 3\n1 1 1 1 1\n1 1 1 1 1\n", r"'UncertaintyBudget': Gamma must be in \[0, 2\]"),
    ("2 10 1\n1 1 1 1 1\n", "expected 2 item lines"),
    ("2.5 10 1\n1 1 1 1 1\n", "'NumberOfItems'"),
    ("2 10 1\n1 -1 1 1 1\n1 1 1 1 1\n", r"line 2, field 'MaximumProfitDegradation': must be nonnegative"),
])
def test_malformed_files_name_line_and_field(tmp_path, text, match):
    p = tmp_path / "bad"
    p.write_text(text)
    with pytest.raises(ValueError, match=match):
        load_knapsack(p)


def test_reader_missing_file(tmp_path):
    with pytest.raises(ValueError, match="is not a file"):
        load_knapsack(tmp_path / "nope")


# -- generators -----------------------------------------------------------------------------------
@pytest.mark.parametrize("corr", ["UN", "WC", "ASC", "SC"])
def test_generate_knapsack(corr):
    a = generate_knapsack(30, correlation=corr, h=80, delta=1.0, budget_factor=0.2, seed=3)
    b = generate_knapsack(30, correlation=corr, h=80, delta=1.0, budget_factor=0.2, seed=3)
    assert a.n == 30 and a.gamma == pytest.approx(6.0)
    assert np.array_equal(a.p_bar, b.p_bar) and a.C == b.C
    assert a.C == pytest.approx(80 / 101 * a.c.sum())
    assert np.all(a.f >= 1.1 * a.p_bar - 1e-9) and np.all(a.f <= 1.5 * a.p_bar + 1e-9)
    assert np.all(a.p_hat <= a.p_bar)
    if corr == "SC":
        assert np.allclose(a.p_bar, a.c + 100)


def test_generator_bad_input():
    with pytest.raises(ValueError, match="correlation"):
        generate_knapsack(10, correlation="XX")
    with pytest.raises(ValueError, match="budget_factor"):
        generate_knapsack(10, budget_factor=1.5)
    with pytest.raises(ValueError, match="gamma"):
        KnapsackInstance(np.ones(3), np.ones(3), np.ones(3), np.ones(3), np.ones(3), C=2, gamma=4)
    with pytest.raises(ValueError, match="n must be"):
        generate_capital_budgeting(0)


def test_capital_budgeting_generator_and_json(tmp_path):
    inst = generate_capital_budgeting(12, seed=2)
    assert np.allclose(inst.phi.sum(axis=1), 1) and np.all(inst.phi >= 0)
    assert np.allclose(inst.r_bar, inst.c_bar / 5) and inst.budget == pytest.approx(inst.c_bar.sum() / 2)
    assert np.all((inst.c_bar >= 1) & (inst.c_bar <= 10)) and inst.k == 0.8
    p = tmp_path / "cb.json"
    save_capital_budgeting(inst, p)
    back = load_capital_budgeting(p)
    assert np.array_equal(back.psi, inst.psi) and back.budget == inst.budget
    p.write_text('{"c_bar": [1, 2], "r_bar": [1, 2], "phi": [[1, 0, 0, 0]], "psi": [[1, 0, 0, 0]], "budget": 3}')
    with pytest.raises(ValueError, match="phi must have shape"):
        load_capital_budgeting(p)
    p.write_text('{"c_bar": [1]')
    with pytest.raises(ValueError, match="not valid JSON"):
        load_capital_budgeting(p)


# -- exact pieces against brute force --------------------------------------------------------------
def test_recourse_matches_enumeration():
    inst = small_knapsack(6, seed=1, correlation="UN")
    rng = np.random.default_rng(0)
    for x, xi in zip(inst.random_first_stage(4, rng), inst.random_scenarios(4, rng)):
        val, ub, plan = inst.recourse(x, xi)
        assert val == pytest.approx(brute_recourse(inst, x, xi), rel=1e-9, abs=1e-6)
        assert ub >= val - 1e-6 and np.all(plan[1] <= plan[0]) and np.all(plan[0] <= x)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_worst_case_matches_full_lp(seed):
    inst = small_knapsack(5, seed=seed, correlation="WC", delta=1.0, budget_factor=0.2, h=80)
    x = np.ones(5)
    wc = inst.worst_case(x)
    exact = brute_worst_case(inst, x)
    assert wc.exact
    assert wc.lower == pytest.approx(exact, rel=1e-6) and wc.upper == pytest.approx(exact, rel=1e-6)
    assert wc.xi.sum() <= inst.gamma + 1e-7


def test_ccg_matches_enumeration_of_first_stages():
    inst = small_knapsack(5, seed=4, correlation="UN", delta=1.0, budget_factor=0.2)
    best = max(brute_worst_case(inst, np.array(x, dtype=float)) for x in itertools.product((0, 1), repeat=5))
    res = ccg(inst, time_limit=60)
    assert res.status is optlib.Status.OPTIMAL
    assert res.value == pytest.approx(best, rel=1e-4) and res.bound >= best - 1e-6
    assert brute_worst_case(inst, res.x) == pytest.approx(res.value, rel=1e-4)


@needs_data
def test_ccg_brackets_branch_and_price_optimum():
    """A time-limited CCG on a published instance: value <= B&P optimum <= bound, status FEASIBLE."""
    name = "RKP_ASC_n20_R1000_H100_h40_dev0.15_d0.1"
    bp = float(bp_results()[name]["Best primal bound"])
    res = ccg(load_knapsack(datasets.knapsack_instance(name)), time_limit=4)
    assert res.value <= bp * (1 + 1e-6) and res.bound >= bp * (1 - 1e-6)
    assert res.status in (optlib.Status.FEASIBLE, optlib.Status.OPTIMAL)
    if res.status is optlib.Status.FEASIBLE:
        assert res.limit_reached == "time_limit" and res.gap > 0


@needs_data
def test_ccg_tiny_time_limit_never_raises():
    res = ccg(load_knapsack(datasets.knapsack_instance("RKP_UN_n30_R1000_H100_h80_dev0.1_d0.1")), time_limit=0.3)
    assert res.status in (optlib.Status.FEASIBLE, optlib.Status.NO_SOLUTION, optlib.Status.OPTIMAL)
    if res.status is optlib.Status.FEASIBLE:
        assert res.value <= res.bound + 1e-6


def test_ccg_bad_input():
    inst = small_knapsack(4)
    with pytest.raises(ValueError, match="time_limit"):
        ccg(inst, time_limit=-1)
    with pytest.raises(ValueError, match="rel_gap"):
        ccg(inst, rel_gap=2)
    with pytest.raises(TypeError, match="instance"):
        ccg("knapsack")
    with pytest.raises(ValueError, match="x must be a 0/1 vector"):
        inst.worst_case(np.full(4, 0.5))


# -- capital budgeting ------------------------------------------------------------------------------
def cb_brute(inst, x, grid=5):
    """min over a grid of xi of the enumerated recourse: an upper bound on the exact worst case."""
    vals = []
    for xi in itertools.product(np.linspace(-1, 1, grid), repeat=4):
        xi = np.array(xi)
        best = -math.inf
        for y in itertools.product((0, 1), repeat=inst.n):
            y = np.array(y, dtype=float)
            if np.all(x + y <= 1) and inst.cost(xi) @ (x + y) <= inst.budget:
                best = max(best, inst.plan_value(x, xi, y))
        vals.append(best)
    return min(vals)


def test_capital_budgeting_worst_case_and_ccg():
    inst = generate_capital_budgeting(4, seed=0)
    res = ccg(inst, time_limit=60)
    assert res.status is optlib.Status.OPTIMAL
    wc = inst.worst_case(res.x)
    assert wc.exact and wc.lower == pytest.approx(res.value, rel=1e-5)
    assert wc.lower <= cb_brute(inst, res.x) + 1e-6
    assert wc.upper == pytest.approx(inst.recourse(res.x, wc.xi)[0], rel=1e-6)
    with pytest.raises(ValueError, match="robustly affordable"):
        inst.worst_case(np.ones(4))


@pytest.mark.slow
def test_capital_budgeting_ccg_against_all_first_stages():
    inst = generate_capital_budgeting(5, seed=0)
    res = ccg(inst, time_limit=60)
    assert res.status is optlib.Status.OPTIMAL
    assert 1.5 * inst.c_bar @ res.x <= inst.budget + 1e-9
    wc = inst.worst_case(res.x)
    assert wc.exact and wc.lower <= cb_brute(inst, res.x) + 1e-6
    assert wc.upper == pytest.approx(inst.recourse(res.x, wc.xi)[0], rel=1e-6)
    # every robustly affordable x is worth at most the CCG bound
    for x in itertools.product((0, 1), repeat=5):
        x = np.array(x, dtype=float)
        if 1.5 * inst.c_bar @ x <= inst.budget:
            assert inst.worst_case(x).lower <= res.bound + 1e-6


def test_import_without_torch():
    code = ("import sys; sys.modules['torch'] = None\n"
            "import problems.robust, solvers.neural\n"
            "from problems.robust import Neur2RO, generate_knapsack, ccg\n"
            "print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


@needs_data
def test_benchmark_script_runs_small(tmp_path):
    script = Path(__file__).resolve().parents[1] / "examples" / "robust_benchmark.py"
    out = subprocess.run([sys.executable, str(script), "--skip-n2ro", "--sizes", "20", "--per-size", "1",
                          "--ccg-sizes", "20", "--ccg-time-limit", "2", "--json", str(tmp_path / "b.jsonl")],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "RKP_ASC_n20" in out.stdout and "| 20 | 1 |" in out.stdout
    lines = (tmp_path / "b.jsonl").read_text().splitlines()          # one record per run (the robust suite's)
    rows = [__import__("json").loads(line) for line in lines]
    assert len(rows) == 1 and rows[0]["method"] == "CCG" and rows[0]["options"]["time_limit"] == 2.0
    assert rows[0]["objective"] <= rows[0]["baseline"] * (1 + 1e-6) <= rows[0]["bound"] * (1 + 2e-6)
