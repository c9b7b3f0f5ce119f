"""Result: gap formula, access helpers, reports, and what a time limit returns."""
import json
import math

import numpy as np
import pytest

import optlib
from optlib import Status


def test_relative_gap_formula():
    assert optlib.relative_gap(10.0, 8.0) == pytest.approx(0.2)
    assert optlib.relative_gap(-10.0, -12.0) == pytest.approx(0.2)
    assert optlib.relative_gap(3.0, 3.0) == 0.0
    assert optlib.relative_gap(None, 1.0) == math.inf
    assert optlib.relative_gap(1.0, -math.inf) == math.inf


def small_lp():
    m = optlib.Model("lp")
    x = m.continuous(2, lb=0, name="x")
    m.add(x[0] + 2 * x[1] <= 4, name="cap")
    m.add(x[0] <= 3, name="x0cap")
    m.maximize(x[0] + x[1])
    return m, x


def test_value_of_expressions_and_duals():
    m, x = small_lp()
    res = m.solve(backend="highs")
    assert res.status is Status.OPTIMAL and res.objective == pytest.approx(3.5)
    np.testing.assert_allclose(res[x], [3.0, 0.5])
    assert res.value(x[0] + 2 * x[1]) == pytest.approx(4.0)
    assert res.value("x") is res[x]
    # maximise x0 + x1: duals of cap (1/2) and x0cap (1/2), nonnegative for <= rows
    assert res.dual("cap") == pytest.approx(0.5)
    assert res.dual("x0cap") == pytest.approx(0.5)
    with pytest.raises(KeyError, match="no constraint named"):
        res.dual("nope")
    assert res.raise_unless_optimal() is res


def test_reports():
    m, x = small_lp()
    res = m.solve(backend="glop")
    d = json.loads(res.to_json())
    for key in ("status", "objective", "bound", "gap", "backend", "time", "certificate", "limit_reached"):
        assert key in d
    assert d["status"] == "OPTIMAL" and d["backend"] == "glop"
    text = res.summary()
    assert "OPTIMAL" in text and "glop" in text and "lp-duality: verified" in text


def hard_knapsack(n=150, k=6, seed=3):
    rng = np.random.default_rng(seed)
    W = rng.integers(10, 100, (k, n))
    v = (W.sum(axis=0) / k + rng.integers(0, 20, n)).round()
    m = optlib.Model("mkp")
    x = m.boolean(n, name="x")
    m.add(W @ x <= W.sum(axis=1) // 2)
    m.maximize(v @ x)
    return m


@pytest.mark.parametrize("backend", ["highs", "scip", "cpsat"])
def test_time_limit_returns_incumbent_bound_and_says_so(backend):
    res = hard_knapsack().solve(backend=backend, time_limit=0.2)
    if res.status is Status.OPTIMAL:       # a very fast machine closed it: then bound == objective
        assert res.gap <= 1e-4
        return
    assert res.status in (Status.FEASIBLE, Status.NO_SOLUTION)
    assert res.limit_reached == "time_limit"
    if res.status is Status.FEASIBLE:
        assert res.bound >= res.objective and res.gap > 0 and math.isfinite(res.bound)
        assert res.certificate.verified
    with pytest.raises(optlib.NotOptimalError, match=res.status.name):
        res.raise_unless_optimal()


def unbounded_lp():
    m = optlib.Model()
    x = m.continuous(2, lb=0)
    m.add(x[0] - x[1] <= 1)
    m.maximize(x[0] + x[1])
    return m


def infeasible_lp():
    m = optlib.Model()
    x = m.continuous(2, lb=0)
    m.add(x[0] + x[1] <= -1)
    m.add(x[0] - x[1] == 3)
    m.maximize(x[0] - x[1])
    return m


@pytest.mark.parametrize("backend", ["highs", "clarabel", "scs"])
def test_rays_are_checked(backend):
    r = unbounded_lp().solve(backend=backend)
    assert r.status is Status.UNBOUNDED and r.objective is None
    assert r.certificate.kind == "unboundedness" and r.certificate.verified
    r = infeasible_lp().solve(backend=backend)
    assert r.status is Status.INFEASIBLE and r.objective is None
    assert r.certificate.kind == "infeasibility" and r.certificate.verified


def test_unbounded_without_ray_is_confirmed_by_a_second_backend():
    r = unbounded_lp().solve(backend="glop")      # glop gives no ray through pywraplp
    assert r.status is Status.UNBOUNDED and r.solver_status is Status.UNBOUNDED
    assert r.certificate.verified                  # HiGHS's ray, checked by optlib
    assert any("ray from highs" in msg for msg in r.certificate.messages)


def test_unbounded_claim_without_ray_is_unverified():
    from optlib.certify import certify, status_from_checks
    from optlib.standard_form import RawResult

    sf = unbounded_lp().compile()
    x = unbounded_lp().solve(backend="highs").x
    cert = certify(sf, RawResult(status=Status.UNBOUNDED, x=x))
    assert not cert.verified
    assert status_from_checks(Status.UNBOUNDED, cert.checks) is Status.UNVERIFIED
    assert any("without a certificate" in msg for msg in cert.messages)


def test_a_ray_without_a_feasible_point_does_not_prove_unboundedness():
    from optlib.certify import certify
    from optlib.standard_form import RawResult

    sf = infeasible_lp().compile()
    fake = RawResult(status=Status.UNBOUNDED, primal_ray=np.array([1.0, 1.0]))
    cert = certify(sf, fake)
    assert not cert.verified and cert.checks.get("feasible_point") is False



def test_model_columns_match_the_compiled_layout():
    m = optlib.Model("cols")
    a = m.continuous(2, name="a")
    b = m.boolean((2, 3), name="b")
    S = m.symmetric(2, name="S")
    c = m.integer(1, name="c")
    names = m.compile().var_names
    for var in (a, b, S, c):
        cols = m.columns(var)
        assert [names[i] for i in cols] == [n for n in names if n.startswith(var.name + "[")]
        assert np.array_equal(cols, m.columns(var.name))
    assert list(m.columns(b)) == [2, 3, 4, 5, 6, 7]
    assert list(m.columns(c)) == [11]
    with pytest.raises(KeyError, match="no variable named 'z'"):
        m.columns("z")
    with pytest.raises(ValueError, match="not part of model"):
        m.columns(optlib.Model("other").continuous(1, name="a"))
