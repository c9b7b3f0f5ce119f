"""Backend adapters on quadratic objectives and exponential cones (clarabel, scs, highs).

Each adapter's RawResult (`get_backend(name).solve(sf, SolveParams())`, no certificate) is
compared with CVXPY solving the same data, and checked on its own: the KKT conditions of
    min 1/2 x'P x + c'x + offset  s.t.  A x + s = b, s in K, lb <= x <= ub
with optlib's duals (z in K*, r = c + P x + A'z the reduced costs, r_j >= 0 where x_j sits at
its lower bound, <= 0 at its upper bound, 0 in between), so a wrong sign, a dropped P x or
a permuted row of z fails. The exponential cone is (u, v, w) with v exp(u / v) <= w.
"""
from __future__ import annotations

import math

import cvxpy as cp
import numpy as np
import pytest
import scipy.sparse as sp

import optlib
from optlib import ConeDims, SolveParams, StandardForm, Status
from optlib.backend import get_backend
from optlib.constraints import exp_cone
from solvers.conic_form import conic_data, dual_cone_violation
from forms import make

#: backend -> relative tolerance on x, the objective and the KKT residuals
TOL = {"clarabel": 1e-6, "scs": 2e-3, "highs": 1e-6}




def solve(name: str, sf: StandardForm, **options):
    return get_backend(name).solve(sf, SolveParams(options=options))


def assert_box_stationary(sf: StandardForm, x: np.ndarray, z: np.ndarray, tol: float) -> None:
    """r = c + P x + A'z is the box term: >= 0 at a lower bound, <= 0 at an upper bound,
    0 for a variable strictly inside its box (to tol relative to the data's scale)."""
    P = sf.P if sf.P is not None else sp.csc_matrix((sf.n, sf.n))
    r = sf.c + P @ x + sf.A.T @ z
    scale = tol * (1.0 + np.abs(sf.c).max() + np.abs(z).max())
    with np.errstate(invalid="ignore"):
        at_lb = np.isfinite(sf.lb) & (np.abs(x - sf.lb) <= 10 * tol * (1 + np.abs(sf.lb)))
        at_ub = np.isfinite(sf.ub) & (np.abs(x - sf.ub) <= 10 * tol * (1 + np.abs(sf.ub)))
    free = ~at_lb & ~at_ub
    assert np.all(np.abs(r[free]) <= scale), f"r = {r} on free columns {np.flatnonzero(free)}"
    assert np.all(r[at_lb & ~at_ub] >= -scale), r
    assert np.all(r[at_ub & ~at_lb] <= scale), r


# -- a QP with an equality row, inequality rows and bounds -------------------------------------
P_QP = np.array([[2.0, 1.0, 0.0], [1.0, 4.0, 0.5], [0.0, 0.5, 1.0]])
C_QP = np.array([-1.0, -2.0, 0.5])
A_QP = np.array([[1.0, 1.0, 1.0],     # x0 + x1 + x2 == 1
                 [1.0, 0.0, -1.0],    # x0 - x2 <= 0.2        (active at the optimum)
                 [0.0, 1.0, 1.0]])    # x1 + x2 <= 5          (inactive)
B_QP = np.array([1.0, 0.2, 5.0])
LB_QP = np.array([-1.0, -1.0, 0.1])
UB_QP = np.array([np.inf, 0.3, np.inf])   # x1 <= 0.3 is active, x2 >= 0.1 is not


def qp_form(**kw) -> StandardForm:
    return make(C_QP, A_QP, B_QP, ConeDims(zero=1, nonneg=2), lb=LB_QP, ub=UB_QP, P=P_QP,
                offset=0.25, **kw)


@pytest.fixture(scope="module")
def qp_reference():
    x = cp.Variable(3)
    cons = [A_QP[0] @ x == B_QP[0], A_QP[1:] @ x <= B_QP[1:], x >= LB_QP, x[1] <= UB_QP[1]]
    prob = cp.Problem(cp.Minimize(0.5 * cp.quad_form(x, P_QP) + C_QP @ x + 0.25), cons)
    prob.solve(solver="CLARABEL")
    assert prob.status == "optimal"
    # CVXPY's duals of `a'x == b` / `a'x <= b` are optlib's z (Lagrangian f + z'(A x - b))
    z = np.concatenate((np.atleast_1d(cons[0].dual_value), cons[1].dual_value))
    return prob.value, x.value, z


@pytest.mark.parametrize("name", ["clarabel", "scs", "highs"])
def test_qp_matches_cvxpy_with_stationary_duals(name, qp_reference):
    value, x_ref, z_ref = qp_reference
    sf = qp_form()
    res = solve(name, sf)
    tol = TOL[name]
    assert res.status is Status.OPTIMAL, res.message
    assert res.objective == pytest.approx(value, rel=tol, abs=tol)
    assert res.objective == pytest.approx(sf.objective_value(res.x), rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(res.x, x_ref, atol=10 * tol)
    assert res.x[1] == pytest.approx(0.3, abs=10 * tol)            # the active upper bound
    assert res.z.shape == (3,)
    np.testing.assert_allclose(res.z, z_ref, atol=10 * tol * (1 + np.abs(z_ref).max()))
    assert res.z[1] > 0.1 and abs(res.z[2]) <= 10 * tol                 # active / inactive row
    assert_box_stationary(sf, res.x, res.z, 10 * tol)
    # the same duals without the P x term are not stationary: the check sees P
    with pytest.raises(AssertionError):
        assert_box_stationary(sf.replace(P=None), res.x, res.z, 10 * tol)
    if res.bound is not None:                                           # a valid lower bound
        assert res.bound <= value + 10 * tol * (1 + abs(value))


def test_highs_qp_duals_come_back_in_the_form_row_order():
    base = solve("highs", qp_form())
    order = np.array([2, 0, 1])
    res = solve("highs", qp_form(row_order=order))
    assert res.status is Status.OPTIMAL
    np.testing.assert_allclose(res.x, base.x, atol=1e-7)
    np.testing.assert_allclose(res.z, base.z, atol=1e-7)


def test_highs_refuses_a_miqp_with_a_clear_reason():
    sf = qp_form(integer=np.array([True, False, False]))
    assert sf.problem_class == "MIQP"
    be = get_backend("highs")
    assert be.capabilities.quadratic and not be.capabilities.miqp
    assert be.accepts(qp_form()) and not be.accepts(sf)
    with pytest.raises(ValueError, match=r"'highs' cannot solve this MIQP: .*quadratic objective "
                                         r"with integer variables"):
        be.check(sf)
    with pytest.raises(ValueError, match="quadratic objective with integer variables"):
        be.solve(sf, SolveParams())


@pytest.mark.parametrize("name", ["clarabel", "scs", "highs"])
def test_qp_bounded_only_by_its_quadratic_term(name):
    # min -x0 - x1 + 1/2 x0^2 + 1/2 (x0 - x1)^2 over R^2: no rows, unbounded as an LP along
    # (1, 1) but P (1, 1) != 0 -> optimum at x = (2, 3), value -2.5
    P = [[2.0, -1.0], [-1.0, 1.0]]
    sf = make([-1.0, -1.0], np.zeros((0, 2)), [], ConeDims(), P=P)
    res = solve(name, sf)
    assert res.status is Status.OPTIMAL, res.message
    np.testing.assert_allclose(res.x, [2.0, 3.0], atol=20 * TOL[name])
    assert res.objective == pytest.approx(-2.5, abs=10 * TOL[name])


def test_unbounded_ray_needs_p_d_zero():
    A = np.zeros((0, 2))
    lp = conic_data(make([-1.0, 0.0], A, [], ConeDims()))
    assert lp.is_unbounded_ray(np.array([1.0, 0.0]))
    flat = conic_data(make([-1.0, 0.0], A, [], ConeDims(), P=[[0.0, 0.0], [0.0, 1.0]]))
    assert flat.is_unbounded_ray(np.array([1.0, 0.0]))           # P d = 0: still unbounded
    curved = conic_data(make([-1.0, 0.0], A, [], ConeDims(), P=[[1.0, 0.0], [0.0, 1.0]]))
    assert not curved.is_unbounded_ray(np.array([1.0, 0.0]))     # P d != 0: not a ray
    assert curved.objective(np.array([2.0, 1.0])) == pytest.approx(-2.0 + 2.5)


@pytest.mark.parametrize("name", ["clarabel", "scs"])
def test_qp_unbounded_along_the_null_space_of_p(name):
    # min -x0 + 1/2 x1^2  s.t.  x1 <= 1: unbounded along d = (1, 0), where P d = 0
    sf = make([-1.0, 0.0], [[0.0, 1.0]], [1.0], ConeDims(nonneg=1), P=[[0.0, 0.0], [0.0, 1.0]])
    res = solve(name, sf)
    assert res.status is Status.UNBOUNDED, res.message
    assert conic_data(sf).is_approx_feasible(res.x)


def test_highs_optimal_on_an_unbounded_qp_is_not_taken():
    # HiGHS' QP solver stops this unbounded QP at x0 = 1e7 with zero duals and says Optimal;
    # the adapter checks stationarity and keeps only a feasible point, no bound
    sf = make([-1.0, 0.0], [[0.0, 1.0]], [1.0], ConeDims(nonneg=1), P=[[0.0, 0.0], [0.0, 1.0]])
    res = solve("highs", sf)
    assert res.status is not Status.OPTIMAL and res.bound is None and res.z is None
    if res.status is Status.FEASIBLE:
        assert "stationarity" in res.message and conic_data(sf).is_approx_feasible(res.x)
    # the check itself: the true optimum of the bounded QP passes, a wrong dual does not
    from solvers.highs_backend import qp_stationarity_violation
    good = solve("highs", qp_form())
    assert qp_stationarity_violation(qp_form(), good.x, good.z) <= 1e-6
    assert qp_stationarity_violation(qp_form(), good.x, good.z + np.array([0.0, 0.01, 0.0])) > 1e-3
    assert qp_stationarity_violation(qp_form(), good.x, -good.z) > 1e-3


def test_scs_qp_refinement_round_tightens_the_answer(qp_reference):
    value, x_ref, _ = qp_reference
    be, sf = get_backend("scs"), qp_form()
    first = be.solve(sf, SolveParams())
    params = be.refined_params(sf, SolveParams(), first, 0)
    assert params is not None and params.resume["eps"] == be.REFINE_EPS[0]
    second = be.solve(sf, params)
    assert second.status is Status.OPTIMAL
    assert second.parameters.get("warm_start") == "previous solve"
    assert abs(second.objective - value) <= 1e-6 * (1 + abs(value))
    np.testing.assert_allclose(second.x, x_ref, atol=1e-5)


# -- exponential cones ------------------------------------------------------------------------
def exp_sum_form() -> StandardForm:
    """min t0 + 2 t1 s.t. exp(x0) <= t0, exp(x1) <= t1, x0 + x1 >= 1, x0 <= 5; columns
    (x0, x1, t0, t1), blocks (x_i, 1, t_i): rows s = b - A x with A = -e_col, b = 1 on v."""
    A = np.zeros((7, 4))
    A[0, [0, 1]] = -1.0                       # -(x0 + x1) <= -1
    A[1, 0], A[3, 2] = -1.0, -1.0             # block 0: (x0, 1, t0)
    A[4, 1], A[6, 3] = -1.0, -1.0             # block 1: (x1, 1, t1)
    b = [-1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0]
    return make([0.0, 0.0, 1.0, 2.0], A, b, ConeDims(nonneg=1, exp=2),
                ub=[5.0, np.inf, np.inf, np.inf])


def exp_sum_reference() -> tuple[float, np.ndarray]:
    x, t = cp.Variable(2), cp.Variable(2)
    prob = cp.Problem(cp.Minimize(t[0] + 2 * t[1]), [cp.exp(x) <= t, cp.sum(x) >= 1, x[0] <= 5])
    prob.solve(solver="CLARABEL")
    return prob.value, np.concatenate((x.value, t.value))


@pytest.mark.parametrize("name", ["clarabel", "scs"])
def test_exp_sum_matches_cvxpy_and_closed_form(name):
    sf = exp_sum_form()
    res = solve(name, sf)
    tol = TOL[name]
    value, x_ref = exp_sum_reference()
    # e^{x0} = 2 e^{x1} and x0 + x1 = 1: x0 = (1 + ln 2) / 2, value 2 e^{x0}
    x0 = (1 + math.log(2)) / 2
    assert value == pytest.approx(2 * math.exp(x0), rel=1e-6)
    assert res.status is Status.OPTIMAL, res.message
    assert res.objective == pytest.approx(value, rel=tol)
    # the objective is flat at the optimum: x is known to about the square root of its error
    np.testing.assert_allclose(res.x, x_ref, atol=max(1e-4, 10 * tol))
    assert res.x[0] == pytest.approx(x0, abs=max(1e-4, 10 * tol))
    data = conic_data(sf)
    assert data.cones.exp == 2 and data.is_approx_feasible(res.x, tol=10 * tol)
    # duals: z in K_exp* on the blocks, z >= 0 on the row, stationary (all columns free but x0,
    # whose bound x0 <= 5 is inactive)
    assert dual_cone_violation(res.z, sf.cones) <= 10 * tol
    assert_box_stationary(sf, res.x, res.z, 10 * tol)
    if res.bound is not None:
        assert res.bound <= value + 10 * tol * (1 + abs(value))


def test_conic_data_keeps_exp_blocks_last_after_bound_rows():
    sf = exp_sum_form()
    data = conic_data(sf)
    assert data.cones == ConeDims(nonneg=2, exp=2)                 # one bound row inserted
    assert data.A.shape == (8, 4)
    np.testing.assert_array_equal(data.A[2:].toarray(), sf.A[1:].toarray())
    np.testing.assert_array_equal(data.b[2:], sf.b[1:])
    np.testing.assert_array_equal(data.own_rows, [0, 2, 3, 4, 5, 6, 7])
    x = np.array([0.5, 0.5, math.exp(0.5), math.exp(0.5)])
    assert data.is_approx_feasible(x)
    assert not data.is_approx_feasible(x - np.array([0, 0, 0.01, 0]))   # exp(x0) > t0
    assert not data.is_approx_feasible(x + np.array([5.0, -5.0, 0, 0]))  # x0 > 5 (bound row)


@pytest.mark.parametrize("name", ["clarabel", "scs"])
@pytest.mark.parametrize("uvw, expected", [
    ((2.0, 1.0), math.exp(2.0)),          # 1 * exp(2 / 1)
    ((1.0, 2.0), 2.0 * math.exp(0.5)),    # 2 * exp(1 / 2)
])
def test_exp_rows_are_read_as_u_v_w(name, uvw, expected):
    # min w  s.t.  u = a, v = b (zero rows), (u, v, w) in K_exp: w = b exp(a / b); with u and v
    # swapped or u and w swapped the answers differ (e^2 vs 2 e^0.5; min u is unbounded)
    a, bv = uvw
    A = np.vstack([np.eye(3)[:2], -np.eye(3)])
    sf = make([0.0, 0.0, 1.0], A, [a, bv, 0.0, 0.0, 0.0], ConeDims(zero=2, exp=1))
    res = solve(name, sf)
    assert res.status is Status.OPTIMAL, res.message
    assert res.objective == pytest.approx(expected, rel=TOL[name])


@pytest.mark.parametrize("name", ["clarabel", "scs"])
def test_infeasible_exp_problem_gives_a_checked_ray(name):
    # exp(x) <= t with t <= -1: infeasible (w >= 0 in K_exp)
    A = np.array([[0.0, 1.0], [-1.0, 0.0], [0.0, 0.0], [0.0, -1.0]])
    sf = make([0.0, 1.0], A, [-1.0, 0.0, 1.0, 0.0], ConeDims(nonneg=1, exp=1))
    res = solve(name, sf)
    assert res.status is Status.INFEASIBLE, res.message
    assert conic_data(sf).is_infeasibility_ray(res.dual_ray)


def test_dual_cone_violation_tells_k_exp_from_its_dual():
    cones = ConeDims(exp=1)
    in_k_only = np.array([-1.0, 0.0, 0.0])       # u <= 0, v = 0, w >= 0: in K_exp, not in K_exp*
    in_dual_only = np.array([-1.0, -0.1, 1.0])   # v < 0: not in K_exp; -u exp(v/u - 1) <= w
    from solvers.conic_form import cone_violation
    assert cone_violation(in_k_only, cones) == 0 and dual_cone_violation(in_k_only, cones) > 0.3
    assert cone_violation(in_dual_only, cones) > 0 and dual_cone_violation(in_dual_only, cones) == 0
    # zero rows are free in K*, nonneg rows must be >= 0
    mixed = ConeDims(zero=1, nonneg=1, exp=1)
    assert dual_cone_violation(np.array([-7.0, 1.0, -1.0, 1.0, 1.0]), mixed) == 0
    assert dual_cone_violation(np.array([0.0, -1.0, -1.0, 1.0, 1.0]), mixed) == 1.0


def entropy_model():
    """max sum entr(x) = sum -x log x  s.t. sum x = 1, x0 <= 0.2, through exp_cone(t, x, 1)
    (x exp(t / x) <= 1, i.e. t <= -x log x)."""
    m = optlib.Model()
    x = m.continuous(3, name="x")
    t = m.continuous(3, name="t")
    m.add(exp_cone(t, x, 1.0), name="entr")
    m.add(x.sum() == 1, name="simplex")
    m.add(x[0] <= 0.2, name="cap")
    m.maximize(t.sum())
    return m


def log_model():
    """max sum log(x_i) s.t. a'x <= 1, through exp_cone(t, 1, x) (exp(t) <= x)."""
    m = optlib.Model()
    x = m.continuous(3, name="x")
    t = m.continuous(3, name="t")
    m.add(exp_cone(t, 1.0, x), name="log")
    m.add(np.array([1.0, 2.0, 4.0]) @ x <= 1, name="budget")
    m.maximize(t.sum())
    return m


def _cvxpy_entropy() -> float:
    x = cp.Variable(3)
    prob = cp.Problem(cp.Maximize(cp.sum(cp.entr(x))), [cp.sum(x) == 1, x[0] <= 0.2])
    prob.solve(solver="SCS", eps=1e-9)
    return prob.value


def _cvxpy_log() -> float:
    x = cp.Variable(3)
    prob = cp.Problem(cp.Maximize(cp.sum(cp.log(x))), [np.array([1.0, 2.0, 4.0]) @ x <= 1])
    prob.solve(solver="CLARABEL")
    return prob.value


@pytest.mark.parametrize("name", ["clarabel", "scs"])
@pytest.mark.parametrize("build, reference, closed", [
    (entropy_model, _cvxpy_entropy, -0.2 * math.log(0.2) - 0.8 * math.log(0.4)),
    (log_model, _cvxpy_log, -3 * math.log(3) - math.log(8)),           # x_i = 1 / (3 a_i)
])
def test_model_built_exp_cones_match_cvxpy(name, build, reference, closed):
    sf = build().compile()
    assert sf.problem_class == "EXP" and sf.cones.exp == 3 and sf.sense == -1
    res = solve(name, sf)
    tol = TOL[name]
    assert res.status is Status.OPTIMAL, res.message
    value = reference()
    assert value == pytest.approx(closed, rel=1e-5)
    assert sf.user_objective(res.objective) == pytest.approx(value, rel=tol, abs=tol)
    assert conic_data(sf).is_approx_feasible(res.x, tol=10 * tol)
    assert dual_cone_violation(res.z, sf.cones) <= 10 * tol
    assert_box_stationary(sf, res.x, res.z, 10 * tol)


def test_capabilities():
    for name in ("clarabel", "scs"):
        caps = get_backend(name).capabilities
        assert caps.quadratic and caps.exp
    caps = get_backend("highs").capabilities
    assert caps.quadratic and not caps.miqp and not caps.exp
    with pytest.raises(ValueError, match="exponential cone"):
        get_backend("highs").check(exp_sum_form())
