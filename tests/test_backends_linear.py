"""LP/MILP backends (highs, scip, glop, pdlp, cpsat) and the enumeration baseline.

Answers are checked independently of the adapters: x satisfies the rows, the box and
integrality, the objective is c'x + offset, MIP bounds never exceed the objective, and
LP duals z satisfy z in K* and weak duality -b'z + min_box (c + A'z)'x + offset = optimum
(which checks the sign convention of z). Random small pure-integer programs must give
the same status and optimum on every MIP backend as exhaustive enumeration.
"""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from optlib import ConeDims, RowBlock, SolveParams, StandardForm, Status
from solvers import get_backend
from solvers.exact import enumerate_milp

ALL = ("highs", "scip", "glop", "pdlp", "cpsat")
MIP = ("highs", "scip", "cpsat")
DUAL_TOL = {"highs": 1e-6, "glop": 1e-6, "pdlp": 1e-3}
INF = np.inf


def make(c, A, b, zero, lb, ub, integer=None, offset=0.0, sense=1, **kw) -> StandardForm:
    c = np.asarray(c, dtype=float)
    n = c.size
    return StandardForm(
        c=c, A=sp.csc_matrix(np.asarray(A, dtype=float).reshape(len(b), n)),
        b=np.asarray(b, dtype=float), cones=ConeDims(zero=zero, nonneg=len(b) - zero),
        lb=np.asarray(lb, dtype=float), ub=np.asarray(ub, dtype=float),
        integer=np.zeros(n, bool) if integer is None else np.asarray(integer, bool),
        offset=offset, sense=sense, **kw)


def backend(name):
    be = get_backend(name)
    if not be.available():
        pytest.skip(f"{name} is not installed")
    return be


# -- problems ------------------------------------------------------------------------
def lp_eq_ineq():
    """min -3x - 2y + w + 2.5  s.t.  y - w = 0,  x + y <= 4,  x + 3y <= 9,
    x in [0, 3], y, w in [0, 10]  ->  -7.5 at (3, 1, 1) with z = (1, 1, 0)."""
    A = [[0, 1, -1], [1, 1, 0], [1, 3, 0]]
    sf = make([-3, -2, 1], A, [0, 4, 9], 1, [0, 0, 0], [3, 10, 10], offset=2.5,
              var_names=("x", "y", "w"))
    return sf, -7.5, np.array([3.0, 1.0, 1.0]), np.array([1.0, 1.0, 0.0])


def milp_max():
    """max 5x + 4y  s.t.  6x + 4y <= 24,  x + 2y <= 6,  x, y integer in [0, 10]
    -> 20 at (4, 0); compiled as min -5x - 4y with sense -1."""
    sf = make([-5, -4], [[6, 4], [1, 2]], [24, 6], 0, [0, 0], [10, 10], integer=[1, 1], sense=-1)
    return sf, -20.0, np.array([4.0, 0.0])


def lp_max():
    """max x + y  s.t.  x + 2y <= 4,  3x + y <= 6, x, y in [0, 5]  ->  2.8 at (1.6, 1.2)."""
    sf = make([-1, -1], [[1, 2], [3, 1]], [4, 6], 0, [0, 0], [5, 5], sense=-1)
    return sf, -2.8, np.array([1.6, 1.2])


def lp_infeasible():
    return make([1, 1], [[1, 1]], [-1], 0, [0, 0], [10, 10])


def lp_unbounded():
    return make([-1, 0], [[1, -1]], [1], 0, [0, 0], [INF, INF])


def milp_infeasible():
    # 2x == 1 with x integer
    return make([1], [[2]], [1], 1, [0], [5], integer=[1])


def knapsack(seed=0, n=150, m=5):
    """A multi-dimensional 0/1 knapsack (min -v'x, W x <= cap): hard for 0.05 s."""
    rng = np.random.default_rng(seed)
    W = rng.integers(20, 100, size=(m, n))
    v = W.mean(axis=0) + rng.integers(-10, 11, size=n)
    cap = W.sum(axis=1) // 2
    return make(-v, W, cap, 0, np.zeros(n), np.ones(n), integer=np.ones(n))


# -- independent checks --------------------------------------------------------------
def assert_feasible(sf: StandardForm, x: np.ndarray, tol: float = 1e-6) -> None:
    assert x is not None and x.shape == (sf.n,)
    Ax = sf.A @ x
    zero = sf.cones.zero
    assert np.all(np.abs(Ax[:zero] - sf.b[:zero]) <= tol * (1 + np.abs(sf.b[:zero])))
    assert np.all(Ax[zero:] <= sf.b[zero:] + tol * (1 + np.abs(sf.b[zero:])))
    assert np.all(x >= sf.lb - tol) and np.all(x <= sf.ub + tol)
    xi = x[sf.integer]
    assert np.all(np.abs(xi - np.round(xi)) <= 1e-6)


def dual_bound(sf: StandardForm, z: np.ndarray) -> float:
    """-b'z + min_{lb <= x <= ub} (c + A'z)'x + offset (weak duality)."""
    r = sf.c + sf.A.T @ z
    lower = np.where(r > 0, r * sf.lb, 0.0) + np.where(r < 0, r * sf.ub, 0.0)
    return float(-sf.b @ z + lower.sum() + sf.offset)


def check_answer(sf: StandardForm, res, opt: float | None = None, tol: float = 1e-6) -> None:
    if res.status.has_solution:
        assert_feasible(sf, res.x)
        assert res.objective == pytest.approx(float(sf.c @ res.x + sf.offset), abs=1e-9)
        if res.bound is not None:
            assert res.bound <= res.objective + tol * (1 + abs(res.objective))
    if res.status == Status.OPTIMAL and opt is not None:
        assert res.objective == pytest.approx(opt, abs=tol * (1 + abs(opt)))
        if res.bound is not None:
            assert res.bound == pytest.approx(opt, abs=tol * (1 + abs(opt)))


# -- tests ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ("highs", "scip", "glop", "pdlp"))
def test_lp_optimum_and_duals(name):
    be = backend(name)
    sf, opt, x_opt, z_opt = lp_eq_ineq()
    res = be.solve(sf, SolveParams())
    assert res.status == Status.OPTIMAL and res.solver == name and res.version
    tol = DUAL_TOL.get(name, 1e-6)
    check_answer(sf, res, opt, tol)
    np.testing.assert_allclose(res.x, x_opt, atol=10 * tol)
    if name in DUAL_TOL:
        assert res.z is not None and res.z.shape == (sf.m,)
        assert np.all(res.z[sf.cones.zero:] >= -tol)           # z in K* for the nonneg rows
        np.testing.assert_allclose(res.z, z_opt, atol=10 * tol)
        assert dual_bound(sf, res.z) == pytest.approx(res.objective, abs=tol)
    else:
        assert res.z is None


@pytest.mark.parametrize("name", ("highs", "scip", "glop", "pdlp"))
def test_lp_maximisation(name):
    be = backend(name)
    sf, opt, x_opt = lp_max()
    res = be.solve(sf, SolveParams())
    assert res.status == Status.OPTIMAL
    check_answer(sf, res, opt, DUAL_TOL.get(name, 1e-6))
    assert sf.user_objective(res.objective) == pytest.approx(2.8, abs=1e-3)
    np.testing.assert_allclose(res.x, x_opt, atol=1e-3)


@pytest.mark.parametrize("name", MIP)
def test_milp_maximisation(name):
    be = backend(name)
    sf, opt, x_opt = milp_max()
    res = be.solve(sf, SolveParams())
    assert res.status == Status.OPTIMAL and res.bound is not None
    check_answer(sf, res, opt)
    np.testing.assert_allclose(res.x, x_opt, atol=1e-6)
    assert sf.user_objective(res.objective) == pytest.approx(20.0)
    assert res.nodes is not None and res.nodes >= 0
    assert enumerate_milp(sf).objective == pytest.approx(opt)


@pytest.mark.parametrize("name", ("highs", "scip", "glop", "pdlp"))
def test_lp_infeasible(name):
    res = backend(name).solve(lp_infeasible(), SolveParams())
    assert res.status == Status.INFEASIBLE
    assert res.x is None and res.objective is None and res.bound is None


@pytest.mark.parametrize("name", ("highs", "scip", "glop", "pdlp"))
def test_lp_unbounded(name):
    res = backend(name).solve(lp_unbounded(), SolveParams())
    # PDLP stops with NOT_SOLVED on an unbounded LP: it cannot say more than NO_SOLUTION
    allowed = {Status.NO_SOLUTION} if name == "pdlp" else {Status.UNBOUNDED}
    assert res.status in allowed
    assert res.bound is None and res.z is None


@pytest.mark.parametrize("name", MIP)
def test_milp_infeasible(name):
    res = backend(name).solve(milp_infeasible(), SolveParams())
    assert res.status == Status.INFEASIBLE
    assert enumerate_milp(milp_infeasible()).status == Status.INFEASIBLE


@pytest.mark.parametrize("name", ("highs", "scip"))
def test_milp_unbounded_is_told_from_infeasible(name):
    # min -x, x integer >= 0: HiGHS/SCIP presolve say "infeasible or unbounded"
    sf = make([-1], np.zeros((0, 1)), [], 0, [0], [INF], integer=[1])
    assert backend(name).solve(sf, SolveParams()).status == Status.UNBOUNDED


def test_cpsat_refuses_continuous_variables():
    sf = lp_eq_ineq()[0]
    with pytest.raises(ValueError, match="cpsat"):
        backend("cpsat").check(sf)
    assert not backend("cpsat").accepts(sf)


@pytest.mark.parametrize("name", ("glop", "pdlp"))
def test_lp_solvers_refuse_integers(name):
    sf = milp_max()[0]
    with pytest.raises(ValueError, match=name):
        backend(name).check(sf)
    with pytest.raises(ValueError, match=name):
        backend(name).solve(sf, SolveParams())


def test_cpsat_check_names_the_variable_and_the_row():
    be = backend("cpsat")
    sf = make([1, 1], [[1, 1]], [3], 0, [0, 0], [INF, 4], integer=[1, 1], var_names=("a", "b"))
    with pytest.raises(ValueError, match=r"backend 'cpsat' cannot solve this .*'a'"):
        be.check(sf)
    sf = make([1, 1], [[1, 1], [0.1234567, 1]], [3, 2], 0, [0, 0], [4, 4], integer=[1, 1],
              row_blocks=(RowBlock("cap", "nonneg", 0, 1, (1,), 1),
                          RowBlock("odd", "nonneg", 1, 1, (1,), 1)))
    with pytest.raises(ValueError, match=r"backend 'cpsat' cannot solve this .*'odd'"):
        be.check(sf)


def test_cpsat_scales_decimal_rows_and_objective():
    # min -1.5x - 2.25y + 5  s.t. 0.2x + 0.25y <= 0.35 (20x + 25y <= 35)  ->  2.75 at (0, 1)
    sf = make([-1.5, -2.25], [[0.2, 0.25]], [0.35], 0, [0, 0], [10, 10], integer=[1, 1],
              offset=5)
    res = backend("cpsat").solve(sf, SolveParams())
    assert res.status == Status.OPTIMAL
    check_answer(sf, res, 2.75)
    np.testing.assert_allclose(res.x, [0, 1])
    assert res.log  # the CP-SAT log is captured even when not verbose


def test_cpsat_scales_rows_of_small_fractions_exactly():
    # max x + 2y + z  s.t. (7/150) x + (1/3) y + z / 4 <= 2, x, y, z in 0..20: 26 at (20, 3, 0)
    sf = make([-1, -2, -1], [[7 / 150, 1 / 3, 0.25]], [2.0], 0, [0, 0, 0], [20, 20, 20], integer=[1, 1, 1])
    res = backend("cpsat").solve(sf, SolveParams())
    assert res.status == Status.OPTIMAL
    check_answer(sf, res, -26.0)
    np.testing.assert_allclose(res.x, [20, 3, 0])
    # an irrational coefficient is not mistaken for a fraction
    sf = make([-1, -1], [[np.pi, 1]], [7], 0, [0, 0], [5, 5], integer=[1, 1])
    with pytest.raises(ValueError, match="denominators"):
        backend("cpsat").check(sf)


def test_cpsat_objective_of_fractions_is_scaled_exactly():
    # min x/3 + y/7  s.t. x + y >= 5, x, y in 0..10: 5/7 at (0, 5); bound exact, not a float search
    sf = make([1 / 3, 1 / 7], [[-1, -1]], [-5], 0, [0, 0], [10, 10], integer=[1, 1])
    res = backend("cpsat").solve(sf, SolveParams())
    assert res.status == Status.OPTIMAL
    check_answer(sf, res, 5 / 7)
    assert res.bound == pytest.approx(5 / 7, abs=1e-12)


@pytest.mark.parametrize("name", ALL)
def test_unknown_option_is_a_value_error(name):
    sf = milp_max()[0] if name in ("cpsat",) else lp_max()[0]
    with pytest.raises(ValueError, match="no_such_option"):
        backend(name).solve(sf, SolveParams(options={"no_such_option": 1}))


@pytest.mark.parametrize("name", ("highs", "scip", "cpsat"))
def test_parameters_and_warm_start(name):
    sf, opt, x_opt = milp_max()
    res = backend(name).solve(sf, SolveParams(time_limit=10, rel_gap=0.0, threads=1,
                                              warm_start=x_opt))
    assert res.status == Status.OPTIMAL
    check_answer(sf, res, opt)
    assert res.parameters  # the solver-native settings actually applied


def test_highs_captures_its_log():
    res = backend("highs").solve(lp_eq_ineq()[0], SolveParams())
    assert "HiGHS" in res.log or "Optimal" in res.log


@pytest.mark.parametrize("name", MIP)
def test_time_limit_never_raises(name):
    sf = knapsack()
    res = backend(name).solve(sf, SolveParams(time_limit=0.05))
    assert res.status in (Status.OPTIMAL, Status.FEASIBLE, Status.NO_SOLUTION)
    check_answer(sf, res)
    if res.status == Status.FEASIBLE and res.bound is not None:
        assert res.bound <= res.objective + 1e-6
    if res.status == Status.NO_SOLUTION:
        assert res.x is None and res.objective is None


def test_enumerate_mixed_and_limits():
    # min -x - 2y - z + 5  s.t. 2x + 2y + z <= 3.5,  z <= 1.2,  x, y integer in [0, 10], z >= 0
    sf = make([-1, -2, -1], [[2, 2, 1], [0, 0, 1]], [3.5, 1.2], 0, [0, 0, 0], [10, 10, INF],
              integer=[1, 1, 0], offset=5)
    res = enumerate_milp(sf)
    assert res.status == Status.OPTIMAL and res.solver == "enumerate"
    assert res.objective == pytest.approx(1.8) and res.bound == res.objective
    assert backend("highs").solve(sf, SolveParams()).objective == pytest.approx(1.8)
    with pytest.raises(ValueError, match="max_points"):
        enumerate_milp(sf, max_points=100)
    with pytest.raises(ValueError, match="finite"):
        enumerate_milp(make([-1], np.zeros((0, 1)), [], 0, [0], [INF], integer=[1]))
    # a continuous ray: unbounded
    sf = make([-1, -1], [[1, 0]], [2], 0, [0, 0], [3, INF], integer=[1, 0])
    assert enumerate_milp(sf).status == Status.UNBOUNDED


# -- random small pure-integer programs against enumeration ---------------------------
@st.composite
def small_ips(draw):
    n = draw(st.integers(2, 4))
    m = draw(st.integers(1, 3))
    lb = np.array([draw(st.integers(-3, 3)) for _ in range(n)], dtype=float)
    ub = np.array([draw(st.integers(int(lo), 3)) for lo in lb], dtype=float)
    A = np.array([[draw(st.integers(-3, 3)) for _ in range(n)] for _ in range(m)], dtype=float)
    b = np.array([draw(st.integers(-6, 8)) for _ in range(m)], dtype=float)
    c = np.array([draw(st.integers(-5, 5)) for _ in range(n)], dtype=float)
    return make(c, A, b, 0, lb, ub, integer=np.ones(n), offset=float(draw(st.integers(-2, 2))))


@settings(max_examples=40, deadline=None)
@given(sf=small_ips())
def test_random_ips_agree_with_enumeration(sf):
    ref = enumerate_milp(sf)
    assert ref.status in (Status.OPTIMAL, Status.INFEASIBLE)
    for name in MIP:
        res = backend(name).solve(sf, SolveParams())
        assert res.status == ref.status, name
        if ref.status == Status.OPTIMAL:
            check_answer(sf, res, ref.objective)


def test_linprog_rows_split_equalities_and_each_finite_side():
    # x0 + x1 == 2 (zero cone); x0 - x1 <= 1 and 3 x1 <= 4 (nonneg cone)
    sf = make([1, 1], [[1, 1], [1, -1], [0, 3]], [2, 1, 4], zero=1, lb=[0, 0], ub=[5, 5])
    A_ub, b_ub, A_eq, b_eq = sf.linprog_rows()
    assert np.allclose(A_eq.toarray(), [[1, 1]]) and np.allclose(b_eq, [2])
    assert np.allclose(A_ub.toarray(), [[1, -1], [0, 3]]) and np.allclose(b_ub, [1, 4])
    # two-sided rows given explicitly: 1 <= x0 + x1 <= 3 gives both sides, -inf <= x0 <= 2 one
    A = sp.csr_matrix(np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0]]))
    A_ub, b_ub, A_eq, b_eq = sf.linprog_rows(A, np.array([1.0, -INF, 0.5]), np.array([3.0, 2.0, 0.5]))
    assert np.allclose(A_ub.toarray(), [[1, 1], [1, 0], [-1, -1]]) and np.allclose(b_ub, [3, 2, -1])
    assert np.allclose(A_eq.toarray(), [[0, 1]]) and np.allclose(b_eq, [0.5])
