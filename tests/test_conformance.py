"""The conformance suite (optlib.testing.conformance, shipped with optlib) on every installed
backend, plus the choice `auto` makes.

Each case is a small model with an answer known independently of any backend (by hand, by
enumeration, by eigenvalues), run on every name in `optlib.backends()` (the `cvxpy:<SOLVER>`
ones included) that accepts its compiled form; the others are skipped with the backend's own
reason. Tolerances and the dual convention: see optlib/testing/conformance.py.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import optlib
from optlib import Status
from optlib.backend import AUTO_PREFERENCE, auto_order, get_backend
from optlib.testing.conformance import (INFEASIBLE, MILP_COST, MILP_FIXED, OPTIMAL, UNBOUNDED, Skip,
                                        _milp_feasible, check_infeasible, check_optimal, check_reports,
                                        check_time_limit, check_unbounded, close, lp_mixed_rows, milp_mixed_rows,
                                        sdp_min_eigenvalue, socp_ball, tol_of)

BACKENDS = optlib.backends()

# CVXPY warns on the answers these cases are built to provoke (inaccurate at a time limit,
# "infeasible or unbounded"); the tests check the statuses instead
pytestmark = [
    pytest.mark.filterwarnings("ignore:Solution may be inaccurate:UserWarning"),
    pytest.mark.filterwarnings("ignore:(?s).*either infeasible or unbounded:UserWarning"),
]

def pairs(cases: dict) -> list:
    return [pytest.param(c, b, id=f"{c}-{b}") for c in cases for b in BACKENDS]


def run(check, *args) -> None:
    """Run a check of optlib.testing.conformance, turning its Skip into pytest's."""
    try:
        check(*args)
    except Skip as exc:
        pytest.skip(str(exc))


@pytest.mark.parametrize("case,backend", pairs(OPTIMAL))
def test_optimal(case, backend):
    run(check_optimal, OPTIMAL[case](), backend)


def test_milp_answer_by_enumeration():
    """The MILP case's optimum, independently of any solver."""
    best = []
    for n in itertools.product(range(7), repeat=3):
        for u in itertools.product(range(2), repeat=2):
            if _milp_feasible(n, u):
                best.append((int(MILP_COST @ n + MILP_FIXED @ u), n, u))
    best.sort()
    assert best[0] == (27, (0, 2, 3), (0, 1)) and best[1][0] > 27


# -- infeasible and unbounded cases ----------------------------------------------------------
@pytest.mark.parametrize("case,backend", pairs(INFEASIBLE))
def test_infeasible(case, backend):
    run(check_infeasible, INFEASIBLE[case](), backend)


@pytest.mark.parametrize("case,backend", pairs(UNBOUNDED))
def test_unbounded(case, backend):
    run(check_unbounded, UNBOUNDED[case](), backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_time_limit_with_incumbent(backend):
    run(check_time_limit, backend)


# -- backend="auto" --------------------------------------------------------------------------
AUTO_CASES = {"LP": lp_mixed_rows, "MILP": milp_mixed_rows, "SOCP": socp_ball,
              "SDP": sdp_min_eigenvalue}


@pytest.mark.parametrize("cls", list(AUTO_CASES))
def test_auto_picks_and_says_so(cls):
    cs = AUTO_CASES[cls]()
    sf = cs.model.compile()
    assert sf.problem_class == cls
    candidates = [n for n in auto_order(sf)
                  if n in BACKENDS and get_backend(n).accepts(sf)]
    if not candidates:
        with pytest.raises(ValueError, match="no installed backend"):
            cs.model.solve(backend="auto")
        return
    res = cs.model.solve(backend="auto")
    assert res.backend.auto is True
    assert res.backend.name in AUTO_PREFERENCE[cls]
    assert res.backend.name == candidates[0]
    assert res.backend.reason
    check_reports(res)
    assert "auto" in res.summary()
    assert res.to_dict()["auto"] is True
    assert res.status is Status.OPTIMAL
    assert close(res.objective, cs.objective, tol_of(res.backend.name))


def test_auto_prefers_scs_for_large_psd_cones():
    """Clarabel's dense PSD scaling blocks make large SDPs slow or out of memory: above
    LARGE_PSD_ORDER auto tries SCS first and says why."""
    from solvers import LARGE_PSD_ORDER

    n = LARGE_PSD_ORDER + 1
    m = optlib.Model()
    X = m.symmetric(n, psd=True, name="X")
    m.add(optlib.trace(X) == 1, name="unit_trace")
    m.minimize(optlib.trace(np.diag(np.arange(1.0, n + 1)) @ X))
    sf = m.compile()
    assert auto_order(sf)[0] == "scs"
    small = optlib.Model()
    Y = small.symmetric(3, psd=True)
    small.add(optlib.trace(Y) == 1)
    small.minimize(Y[0, 0])
    pref = AUTO_PREFERENCE["SDP"]
    assert auto_order(small.compile())[:len(pref)] == pref   # then any other registered backend
    if "scs" not in BACKENDS:
        pytest.skip("scs not installed")
    res = m.solve(backend="auto")
    assert res.backend.name == "scs" and "SCS preferred" in res.backend.reason
    assert res.objective == pytest.approx(1.0, abs=1e-3)      # min eigenvalue of diag(1..n)
