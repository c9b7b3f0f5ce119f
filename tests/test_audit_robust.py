"""Audit of the robust-optimisation flags against a brute force written here (scipy LPs over
every recourse plan, every first-stage decision):

* `KnapsackInstance.worst_case(x)`: lower <= true worst case <= upper, equal when `exact`;
* `ccg`: status OPTIMAL means the certified `value` is within `rel_gap` of the robust optimum,
  `bound` is above it, and `value` is below x's true worst case;
* `Neur2RO.solve(...).exact`: `exact_value` is x's true worst case.
"""
import itertools

import numpy as np
import optlib
import pytest
from scipy.optimize import linprog

from problems.robust import ccg, generate_knapsack


def brute_worst_case(inst, x):
    """(p_bar - f)'x + min over Xi of max over every feasible plan (y <= x, r <= y, c'y + t'r <= C)
    of sum (f - p_hat xi) y + p_hat xi r, as one LP in (xi, z) with one row per plan."""
    n = inst.n
    codes = np.array(list(itertools.product((0, 1, 2), repeat=n)))
    y, r = (codes >= 1).astype(float), (codes == 2).astype(float)
    ok = np.all(y <= x + 1e-9, axis=1) & (y @ inst.c + r @ inst.t <= inst.C + 1e-9)
    y, r = y[ok], r[ok]
    # z >= f'y + sum p_hat (r - y) xi   <=>   p_hat (r - y) . xi - z <= -f'y
    A = np.hstack([inst.p_hat * (r - y), -np.ones((len(y), 1))])
    A = np.vstack([A, np.append(np.ones(n), 0.0)])
    b = np.append(-(y @ inst.f), inst.gamma)
    cost = np.append(np.zeros(n), 1.0)
    res = linprog(cost, A_ub=A, b_ub=b, bounds=[(0, 1)] * n + [(None, None)], method="highs")
    assert res.status == 0
    return inst.first_stage_value(x) + float(res.fun)


INSTANCES = [dict(n=5, seed=4, correlation="UN", delta=1.0, budget_factor=0.2),
             dict(n=5, seed=11, correlation="WC", delta=0.8, budget_factor=0.4, h=60),
             dict(n=6, seed=3, correlation="ASC", delta=1.0, budget_factor=0.3, h=80)]


@pytest.mark.parametrize("kw", INSTANCES)
def test_worst_case_flag_against_brute_force(kw):
    inst = generate_knapsack(**kw)
    rng = np.random.default_rng(0)
    for x in [np.ones(inst.n)] + [rng.integers(0, 2, inst.n).astype(float) for _ in range(3)]:
        truth = brute_worst_case(inst, x)
        for max_iter in (10_000, 1, 2):               # converged, and stopped early (exact must then be False
            wc = inst.worst_case(x, max_iter=max_iter)  # unless the bounds really met)
            assert wc.lower <= truth + 1e-6 * max(1.0, abs(truth))
            assert wc.upper >= truth - 1e-6 * max(1.0, abs(truth))
            if wc.exact:
                assert wc.lower == pytest.approx(truth, rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("kw", INSTANCES)
def test_ccg_optimal_against_every_first_stage(kw):
    inst = generate_knapsack(**kw)
    values = {x: brute_worst_case(inst, np.array(x, dtype=float)) for x in itertools.product((0, 1), repeat=inst.n)}
    best = max(values.values())
    res = ccg(inst, time_limit=60)
    tol = 1e-6 * max(1.0, abs(best))
    assert res.bound >= best - tol
    assert res.value <= values[tuple(int(v) for v in res.x)] + tol      # certified: x really earns it
    assert res.status is optlib.Status.OPTIMAL
    assert res.value >= best - 1e-4 * max(1.0, abs(best)) - tol            # rel_gap 1e-4 (the default)
    for max_iter in (1, 2):                                               # stopped early: flags stay honest
        early = ccg(inst, time_limit=60, max_iter=max_iter)
        assert early.bound >= best - tol
        assert early.value <= values[tuple(int(v) for v in early.x)] + tol
        if early.status is optlib.Status.OPTIMAL:
            assert early.value >= best - 1e-4 * max(1.0, abs(best)) - tol


def test_neur2ro_exact_value_against_brute_force():
    from problems.robust import Neur2RO
    try:
        model = Neur2RO.pretrained("knapsack", max_iter=2)
    except (FileNotFoundError, ImportError, ValueError) as exc:
        pytest.skip(f"no pretrained Neur2RO knapsack model: {exc}")
    inst = generate_knapsack(**INSTANCES[0])
    res = model.solve(inst, time_limit=20)
    truth = brute_worst_case(inst, res.x)
    assert res.exact_value <= truth + 1e-6 * max(1.0, abs(truth))
    if res.exact:
        assert res.exact_value == pytest.approx(truth, rel=1e-6, abs=1e-6)
