"""Model.from_cvxpy with exponential cones and quadratic objectives.

CVXPY's conic data with exponential cones (rows (x, y, z), y exp(x / y) <= z, after the PSD
rows) is optlib's (u, v, w) layout, and a quadratic objective comes over as P (1/2 x'P x).
Checked on CVXPY's own exponential cone test problems (expcone_1 and expcone_socp_1 of
cvxpy/tests/solver_test_helpers.py, written out here with their expected values), logistic
regression (cp.logistic), entropy maximisation (cp.entr) and QPs, solved on clarabel and
scs (and CVXPY's solvers as `cvxpy:<SOLVER>` backends), each answer required OPTIMAL and
certified.
"""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

cp = pytest.importorskip("cvxpy")

from optlib import Model, Status  # noqa: E402
from optlib.from_cvxpy import model_from_cvxpy  # noqa: E402
from optlib.model import cvxpy_values  # noqa: E402

#: backend -> (relative tolerance on objectives, absolute tolerance on variable values)
TOL = {"clarabel": (1e-6, 1e-4), "scs": (1e-4, 1e-3), "cvxpy:CLARABEL": (1e-6, 1e-4),
       "cvxpy:SCS": (1e-4, 1e-3)}
EXP_BACKENDS = ["clarabel", "scs"]


def solved(model: Model, backend: str):
    res = model.solve(backend=backend)
    assert res.status is Status.OPTIMAL, (backend, res.status, res.message)
    assert res.certificate is not None and res.certificate.verified, (backend, res.message)
    return res


def cvxpy_reference(problem) -> float:
    """CVXPY's own optimum (on Clarabel), the variables' values kept in `.value`."""
    value = problem.solve(solver="CLARABEL")
    assert problem.status == cp.OPTIMAL
    return float(value)


def objective_at(problem, values: dict) -> float:
    """The CVXPY objective evaluated at the given values (independently of optlib)."""
    for var, val in values.items():
        var.value = val
    return float(problem.objective.value)


# -- CVXPY's expcone_1 ---------------------------------------------------------------------
EXPCONE_1_VALUE = 0.23534820622420757
EXPCONE_1_X = np.array([0.05462721, 0.02609378, 0.01927901])
EXPCONE_1_DUAL = np.array([-1.35348213, -0.35348211, 0.64651792])


def expcone_1():
    """min 3 x0 + 2 x1 + x2  s.t.  0.1 <= sum(x) <= 1, x >= 0, x0 >= x1 exp(x2 / x1)."""
    x = cp.Variable(shape=(3, 1), name="x")
    cone = cp.constraints.ExpCone(x[2], x[1], x[0])
    prob = cp.Problem(cp.Minimize(3 * x[0] + 2 * x[1] + x[2]),
                      [cp.sum(x) <= 1.0, cp.sum(x) >= 0.1, x >= 0, cone])
    return prob, x


@pytest.mark.parametrize("backend", EXP_BACKENDS + ["cvxpy:CLARABEL", "cvxpy:SCS"])
def test_expcone_1(backend):
    prob, x = expcone_1()
    m = Model.from_cvxpy(prob)
    sf = m.compile()
    assert sf.problem_class == "EXP" and sf.cones.exp == 1
    res = solved(m, backend)
    rel, atol = TOL[backend]
    assert res.objective == pytest.approx(EXPCONE_1_VALUE, rel=rel)
    got = cvxpy_values(m, res)
    assert got[x].shape == (3, 1)
    np.testing.assert_allclose(got[x].ravel(), EXPCONE_1_X, atol=atol)
    assert objective_at(prob, got) == pytest.approx(EXPCONE_1_VALUE, rel=10 * rel)
    # the cone's dual (u, v, w) is CVXPY's expected dual of ExpCone(x2, x1, x0)
    np.testing.assert_allclose(np.ravel(res.dual("cvxpy_exp")), EXPCONE_1_DUAL, atol=10 * atol)


# -- CVXPY's expcone_socp_1: a risk-parity portfolio -----------------------------------------
def expcone_socp_1():
    sigma = np.array([[1.83, 1.79, 3.22], [1.79, 2.18, 3.18], [3.22, 3.18, 8.69]])
    L = np.linalg.cholesky(sigma)
    t = cp.Variable(name="t")
    x = cp.Variable(shape=(3,), name="x")
    s = cp.Variable(shape=(3,), name="s")
    e = cp.Constant(np.ones(3))
    prob = cp.Problem(cp.Minimize(t - 0.75 * e @ s),
                      [cp.norm(L.T @ x, p=2) <= t, cp.constraints.ExpCone(s, e, x)])
    return prob, x, s


@pytest.mark.parametrize("backend", EXP_BACKENDS)
def test_expcone_socp_1(backend):
    prob, x, s = expcone_socp_1()
    m = Model.from_cvxpy(prob)
    sf = m.compile()
    assert sf.cones.exp == 3 and len(sf.cones.soc) == 1 and sf.problem_class == "EXP"
    res = solved(m, backend)
    rel, atol = TOL[backend]
    assert res.objective == pytest.approx(4.0751197, rel=max(rel, 1e-6))
    got = cvxpy_values(m, res)
    # the expected values have 3 to 6 digits; CVXPY checks them to 3 places
    np.testing.assert_allclose(got[x], [0.576079, 0.54315, 0.28037], atol=5e-4)
    np.testing.assert_allclose(got[s], [-0.55150, -0.61036, -1.27161], atol=5e-4)
    # CVXPY's expected cone duals, one (u, v, w) row per cone
    dual = np.column_stack([[-0.75, -0.75, -0.75], [-1.16363, -1.20777, -1.70371],
                            [1.30190, 1.38082, 2.67496]])
    np.testing.assert_allclose(np.reshape(res.dual("cvxpy_exp"), (3, 3)), dual, atol=5e-4)


def test_exp_rows_equal_cvxpy_scs_data():
    """Row by row the compiled form is CVXPY's SCS data (exp cones last, (x, y, z) order)."""
    prob, _, _ = expcone_socp_1()
    sf = Model.from_cvxpy(prob).compile()
    data, _, _ = prob.get_problem_data(cp.SCS)
    dims = data["dims"]
    assert (sf.cones.zero, sf.cones.nonneg, sf.cones.exp) == (dims.zero, dims.nonneg, dims.exp)
    assert list(sf.cones.soc) == list(dims.soc)
    assert abs(sf.A - sp.csc_matrix(data["A"])).max() == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(sf.b, data["b"], atol=1e-12)
    np.testing.assert_allclose(sf.c, data["c"], atol=1e-12)


# -- logistic regression and entropy ---------------------------------------------------------
def logistic_regression():
    rng = np.random.default_rng(3)
    n, d = 30, 3
    X = rng.normal(size=(n, d))
    y = np.sign(X @ np.array([1.0, -2.0, 0.5]) + 0.8 * rng.normal(size=n))
    w = cp.Variable(d, name="w")
    b = cp.Variable(name="b")
    loss = cp.sum(cp.logistic(-cp.multiply(y, X @ w + b)))
    return cp.Problem(cp.Minimize(loss / n + 0.05 * cp.norm1(w))), w, b


@pytest.mark.parametrize("backend", EXP_BACKENDS)
def test_logistic_regression_equals_cvxpy(backend):
    prob, w, b = logistic_regression()
    m = Model.from_cvxpy(prob)
    assert m.compile().cones.exp >= 60          # two exp cones per softplus term
    res = solved(m, backend)
    rel, atol = TOL[backend]
    ref = cvxpy_reference(prob)
    w_ref = np.array(w.value)
    assert res.objective == pytest.approx(ref, rel=rel)
    got = cvxpy_values(m, res)
    np.testing.assert_allclose(got[w], w_ref, atol=10 * atol)
    assert objective_at(prob, got) == pytest.approx(ref, rel=10 * rel)


@pytest.mark.parametrize("backend", EXP_BACKENDS)
def test_entropy_maximisation_equals_cvxpy(backend):
    # max sum entr(p)  s.t.  sum p = 1, E[k] = 1.2 over k = 0..4, p_4 <= 0.05
    k = np.arange(5.0)
    p = cp.Variable(5, name="p")
    prob = cp.Problem(cp.Maximize(cp.sum(cp.entr(p))), [cp.sum(p) == 1, k @ p == 1.2, p[4] <= 0.05])
    m = Model.from_cvxpy(prob)
    res = solved(m, backend)
    rel, atol = TOL[backend]
    ref = cvxpy_reference(prob)
    p_ref = np.array(p.value)
    assert res.objective == pytest.approx(ref, rel=rel)     # the user's (maximisation) sense
    assert res.objective < np.log(5) - 1e-3                  # the constraints bind
    got = cvxpy_values(m, res)
    np.testing.assert_allclose(got[p], p_ref, atol=atol)
    assert got[p][4] == pytest.approx(0.05, abs=atol)


# -- quadratic objectives ----------------------------------------------------------------------
Q = np.array([[2.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 1.0]])


def small_qp(maximize: bool = False):
    z = cp.Variable(3, name="z")
    cons = [cp.sum(z) == 1, z >= -1, z[0] - z[2] <= 0.2]
    if maximize:
        return cp.Problem(cp.Maximize(-cp.quad_form(z, Q) + 2 * z[0] - 2), cons), z
    return cp.Problem(cp.Minimize(cp.quad_form(z, Q) - 2 * z[0] + 2), cons), z


@pytest.mark.parametrize("maximize", [False, True])
def test_quadratic_objective_comes_over_as_P(maximize):
    prob, _ = small_qp(maximize)
    sf = Model.from_cvxpy(prob).compile()
    assert sf.problem_class == "QP" and not sf.cones.soc
    np.testing.assert_allclose(sf.P.toarray(), 2 * Q, atol=1e-12)   # 1/2 x'(2Q)x = x'Qx
    data, _, _ = prob.get_problem_data(cp.SCS)
    np.testing.assert_allclose(sf.P.toarray(), data["P"].toarray(), atol=1e-12)
    np.testing.assert_allclose(sf.c, data["c"], atol=1e-12)
    # quad_obj=False: CVXPY writes the quadratic as a second-order cone instead
    sf_soc = model_from_cvxpy(prob, None, Model, quad_obj=False).compile()
    assert sf_soc.P is None and sf_soc.cones.soc and sf_soc.problem_class == "SOCP"


@pytest.mark.parametrize("maximize", [False, True])
@pytest.mark.parametrize("backend", ["clarabel", "highs", "scs", "cvxpy:CLARABEL"])
def test_qp_equals_cvxpy(backend, maximize):
    prob, z = small_qp(maximize)
    m = Model.from_cvxpy(prob)
    res = solved(m, backend)
    rel, atol = TOL.get(backend, (1e-6, 1e-4))
    ref = cvxpy_reference(prob)
    z_ref = np.array(z.value)
    assert res.objective == pytest.approx(ref, rel=rel)
    got = cvxpy_values(m, res)
    np.testing.assert_allclose(got[z], z_ref, atol=atol)
    assert objective_at(prob, got) == pytest.approx(ref, rel=10 * rel)


def test_qp_with_exp_cone_and_quad_obj_on_auto():
    # min ||x - 1||^2 + sum exp(x)  s.t.  sum x == 1: P and exp cones together
    x = cp.Variable(3, name="x")
    prob = cp.Problem(cp.Minimize(cp.sum_squares(x - np.array([1.0, 0.0, -1.0])) + cp.sum(cp.exp(x))),
                      [cp.sum(x) == 1])
    m = Model.from_cvxpy(prob)
    sf = m.compile()
    assert sf.has_quadratic and sf.cones.exp == 3 and sf.problem_class == "EXP"
    res = solved(m, "auto")
    ref = cvxpy_reference(prob)
    assert res.objective == pytest.approx(ref, rel=1e-5)
    np.testing.assert_allclose(cvxpy_values(m, res)[x], x.value, atol=1e-4)


def test_power_cone_is_refused_by_name():
    x = cp.Variable(3)
    prob = cp.Problem(cp.Maximize(x[2]), [cp.constraints.PowConeND(x[:2], x[2], np.array([0.3, 0.7])),
                                          x[:2] <= 1])
    with pytest.raises(ValueError, match="power cone.*PowConeND"):
        Model.from_cvxpy(prob)
