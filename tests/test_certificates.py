"""The cases of the certificate contract (docs/certificates.md), each with a check that a wrong
answer fails: a bound from duals that leaves no term out, points checked row by row on their
own scale, a status that follows the proof, first-order backends that finish verified."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import optlib
from optlib import ConeDims, RawResult, StandardForm, Status
from optlib.certify import certify, status_from_checks
from optlib.dual_bound import dual_bound
from optlib.implied_bounds import implied_box
from optlib.primal_check import check_point


def lp_form(big: float = 9.2e5) -> StandardForm:
    """min -x0 - x1  s.t.  x0 + x1 <= 1 (row 'small'),  x0 + 1e-3 x1 <= big (row 'large'),
    0 <= x <= 10."""
    A = sp.csc_matrix(np.array([[1.0, 1.0], [1.0, 1e-3]]))
    from optlib import RowBlock
    blocks = (RowBlock("small", "nonneg", 0, 1, (), 1), RowBlock("large", "nonneg", 1, 1, (), 1))
    return StandardForm(c=np.array([-1.0, -1.0]), A=A, b=np.array([1.0, big]),
                        cones=ConeDims(nonneg=2), lb=np.zeros(2), ub=np.full(2, 10.0),
                        integer=np.zeros(2, bool), var_names=("x[0]", "x[1]"), row_blocks=blocks)


# -- primal checks, row by row ---------------------------------------------------------------------
def test_a_row_is_checked_on_its_own_scale_not_the_largest_rhs():
    """israel/pdlp: one row broken by 0.451 passed because the test was scaled by the largest
    right-hand side of the whole problem (9.2e5)."""
    sf = lp_form()
    x = np.array([0.7255, 0.7255])          # row 'small': 1.451 <= 1, violated by 0.451
    pc = check_point(sf, x)
    assert not pc.passed
    assert pc.violations[0].where == "constraint 'small'"
    assert pc.violations[0].amount == pytest.approx(0.451)
    # the whole-problem scale of the old check would have let it through
    assert 0.451 / (1 + 9.2e5) < 1e-6
    assert check_point(sf, np.array([0.5, 0.5])).passed


def test_violations_are_named_in_the_users_words():
    m = optlib.Model("names")
    x = m.continuous(20, lb=0, name="x")
    y = m.continuous(4, name="y")
    m.add(y <= 1, name="capacity")
    m.add(x.sum() <= 100, name="total")
    m.minimize(x.sum() + y.sum())
    sf = m.compile()
    point = np.zeros(sf.n)
    point[12] = -4.1e-6                     # x[12] >= 0 broken
    point[20 + 3] = 1.5                     # capacity[3] broken by 0.5
    cert = certify(sf, RawResult(status=Status.OPTIMAL, x=point))
    assert not cert.verified
    assert "constraint 'capacity'[3] violated by 0.5" in cert.violated[0]
    assert any(v.startswith("variable bound x[12] >= 0 violated by 4.1e-06") for v in cert.violated)
    assert "failed: bounds" not in str(cert) and "capacity" in str(cert)
    assert status_from_checks(Status.OPTIMAL, cert.checks) is Status.UNVERIFIED


def test_integrality_and_rounded_rows():
    m = optlib.Model()
    z = m.boolean(name="z")
    x = m.continuous(lb=0, ub=1e6, name="x")
    m.add(x <= 1e6 * z, name="bigM")
    m.maximize(x - z)
    sf = m.compile()
    # z = 1e-6 passes the integrality tolerance, but x = 1 needs z = 1: rounded, bigM breaks
    cert = certify(sf, RawResult(status=Status.OPTIMAL, x=np.array([1e-6, 1.0]), bound=-1.0))
    assert cert.checks["integrality"] and not cert.checks["rounded_feasible"]
    assert "(integers rounded)" in cert.violated[0]


# -- the bound ---------------------------------------------------------------------------------------
def test_reduced_cost_on_a_free_column_is_not_dropped():
    """80bau3b/pdlp: reduced costs up to 1e-6 (1 + |c|) on columns with no bound on that side
    were skipped, giving a 'verified' bound above the optimum."""
    # min w  s.t. w + x >= 1e5 (as -w - x <= -1e5), 0 <= x <= 1, w free: optimum 99999
    sf = StandardForm(c=np.array([1.0, 0.0]), A=sp.csc_matrix(np.array([[-1.0, -1.0]])),
                      b=np.array([-1e5]), cones=ConeDims(nonneg=1), lb=np.array([-np.inf, 0.0]),
                      ub=np.array([np.inf, 1.0]), integer=np.zeros(2, bool))
    z = np.array([1.0 + 5e-7])               # r_w = -5e-7 on the free column
    naive = -sf.b @ z + min(0.0, (sf.c + sf.A.T @ z)[1]) * 1.0
    assert naive > 99999 + 0.01               # what dropping the term gives
    db = dual_bound(sf, z)
    assert db.value <= 99999 + 1e-9 and db.value == pytest.approx(99999, abs=1e-6)
    assert db.repaired or math.isfinite(db.value)


def test_no_finite_bound_is_minus_inf_and_the_solver_bound_is_kept_apart():
    """An SDP whose infimum 0 is not attained: cvxpy:SCS said 'verified' bound 1.47e-4."""
    m = optlib.Model()
    X = m.symmetric(2, psd=True, name="X")
    m.add(X[0, 1] == 1, name="offdiag")
    m.minimize(X[0, 0])
    for backend in ("cvxpy:SCS", "scs", "clarabel"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = m.solve(backend=backend)
        assert res.bound <= 1e-12, (backend, res.bound)
        assert res.status is not Status.OPTIMAL or res.bound <= 1e-12
        if res.solver_bound is not None and res.solver_bound > 0:
            assert res.bound != res.solver_bound


def test_implied_box_contains_every_feasible_point():
    rng = np.random.default_rng(0)
    for _ in range(20):
        A = sp.csc_matrix(rng.normal(size=(6, 4)) * (rng.random((6, 4)) < 0.7))
        x0 = rng.uniform(-1, 1, 4)
        b = A @ x0 + rng.uniform(0, 1, 6)
        sf = StandardForm(c=np.zeros(4), A=A, b=b, cones=ConeDims(nonneg=6), lb=np.full(4, -3.0),
                          ub=np.where(rng.random(4) < 0.5, 3.0, np.inf), integer=np.zeros(4, bool))
        lb, ub = implied_box(sf)
        assert np.all(lb <= sf.lb + 1e-12) or np.all(lb >= sf.lb)
        for _ in range(200):                  # feasible points stay inside the implied box
            x = rng.uniform(-3, 3, 4)
            if np.all(A @ x <= b) and np.all(x <= sf.ub):
                assert np.all(x >= lb) and np.all(x <= ub)


def test_cpsat_optimal_with_a_huge_gap_is_not_optimal():
    """CP-SAT on max 2.39e-6 x, x in {0..3}: OPTIMAL, objective 0, bound 7.17e-6, gap 71700."""
    m = optlib.Model()
    x = m.integer(lb=0, ub=3, name="x")
    m.maximize(2.39e-6 * x)
    res = m.solve(backend="cpsat")
    assert res.status is not Status.OPTIMAL or res.gap <= 1e-4
    if res.objective == 0:
        assert res.status is Status.FEASIBLE and res.solver_status is Status.OPTIMAL


def test_status_follows_the_certificate_everywhere():
    """summary(), to_dict() and the JSON show optlib's status and the solver's word apart."""
    m = optlib.Model()
    x = m.integer(lb=0, ub=3, name="x")
    m.maximize(2.39e-6 * x)
    res = m.solve(backend="cpsat")
    d = res.to_dict()
    assert d["status"] == res.status.name and d["solver_status"] == res.solver_status.name
    if res.status is not res.solver_status:
        assert "Solver said" in res.summary()


# -- first-order backends finish verified ----------------------------------------------------------------
def markowitz(n: int = 12, seed: int = 0) -> optlib.Model:
    rng = np.random.default_rng(seed)
    F = rng.normal(size=(n, n)) * 0.1
    mu = rng.uniform(0.01, 0.1, n)
    m = optlib.Model("markowitz")
    x = m.continuous(n, lb=0, name="x")
    t = m.continuous(name="risk")
    m.add(x.sum() == 1, name="budget")
    m.add(optlib.norm2(F.T @ x) <= t, name="risk_cone")
    m.minimize(t - 0.5 * (mu @ x))
    return m


def lasso(n: int = 30, d: int = 8, seed: int = 1) -> optlib.Model:
    """min ||A w - y|| + 0.1 * ||w||_1 with the L1 norm through u >= |w| (an SOCP)."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, d))
    y = A @ (rng.normal(size=d) * (rng.random(d) < 0.5)) + 0.1 * rng.normal(size=n)
    m = optlib.Model("lasso")
    w = m.continuous(d, name="w")
    u = m.continuous(d, lb=0, name="u")
    t = m.continuous(name="t")
    m.add(w <= u, name="abs_pos")
    m.add(-1.0 * w <= u, name="abs_neg")
    m.add(optlib.norm2(A @ w - y) <= t, name="residual")
    m.minimize(t + 0.1 * u.sum())
    return m


def l1_regression(n: int = 40, d: int = 5, seed: int = 2) -> optlib.Model:
    """min sum |A w - y| (an LP, for pdlp)."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, d))
    y = A @ rng.normal(size=d) + rng.laplace(size=n)
    m = optlib.Model("l1 regression")
    w = m.continuous(d, name="w")
    e = m.continuous(n, lb=0, name="e")
    m.add(A @ w - y <= e, name="above")
    m.add(y - A @ w <= e, name="below")
    m.minimize(e.sum())
    return m


def maxcut(n: int = 10, seed: int = 3) -> optlib.Model:
    rng = np.random.default_rng(seed)
    W = np.triu(rng.random((n, n)) < 0.4, 1).astype(float)
    W = W + W.T
    L = np.diag(W.sum(axis=1)) - W
    m = optlib.Model("max-cut")
    X = m.symmetric(n, psd=True, name="X")
    m.add(optlib.diag(X) == 1, name="unit")
    m.maximize(optlib.trace(L @ X) / 4)
    return m


@pytest.mark.parametrize("build,backend", [(markowitz, "scs"), (lasso, "scs"), (maxcut, "scs"),
                                           (l1_regression, "scs"), (l1_regression, "pdlp")])
def test_first_order_backends_finish_verified(build, backend):
    ref = build().solve(backend="highs" if build is l1_regression else "clarabel")
    assert ref.status is Status.OPTIMAL
    res = build().solve(backend=backend)
    assert res.status is Status.OPTIMAL and res.certificate.verified, (res.status, res.message)
    assert res.objective == pytest.approx(ref.objective, rel=1e-5, abs=1e-6)
    # the bound stays on its side of the reference (itself certified to its own 1e-6 checks)
    slack = 1e-6 * (1 + abs(ref.objective))
    if ref.sense == "minimize":
        assert res.bound <= ref.objective + slack
    else:
        assert res.bound >= ref.objective - slack


def test_refinement_can_be_turned_off():
    res = maxcut().solve(backend="scs", refine=False)
    assert res.status is not Status.OPTIMAL or res.certificate.verified
    assert "refined" not in res.message
    with pytest.raises(ValueError, match="refine"):
        maxcut().solve(backend="scs", refine="yes")


def test_demo_problems_finish_verified_on_first_order_backends():
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).parents[1] / "examples" / "demo.py"
    spec = importlib.util.spec_from_file_location("optlib_demo", path)
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    for build, backends in ((demo.transport_lp, ("scs", "pdlp")), (demo.robust_lp_socp, ("scs",)),
                            (demo.maxcut_sdp, ("scs",))):
        for backend in backends:
            res = build().solve(backend=backend)
            assert res.status is Status.OPTIMAL and res.certificate.verified, (build.__name__, backend)


def test_an_expired_deadline_stops_the_repair_and_reports_no_bound():
    import time

    sf = StandardForm(c=np.array([1.0, 0.0]), A=sp.csc_matrix(np.array([[-1.0, -1.0]])),
                      b=np.array([-1e5]), cones=ConeDims(nonneg=1), lb=np.array([-np.inf, 0.0]),
                      ub=np.array([np.inf, 1.0]), integer=np.zeros(2, bool))
    z = np.array([1.0 + 5e-7])
    done = optlib.Deadline(0.001)
    time.sleep(0.005)
    assert done.expired() and done.sub(None).expired() and done.sub(3.0).expired()
    assert dual_bound(sf, z, deadline=done).value == -math.inf          # less, never more
    assert dual_bound(sf, z).value == pytest.approx(99999, abs=1e-6)     # with time: repaired
