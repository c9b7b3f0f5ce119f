"""Model.from_cvxpy: CVXPY problems solved on optlib's backends, checked against CVXPY."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

cp = pytest.importorskip("cvxpy")

import optlib  # noqa: E402
from optlib import Model  # noqa: E402
from optlib.model import cvxpy_values  # noqa: E402

TOL = 1e-5


def solve_optlib(problem, backend="auto"):
    """Import and solve; skip when no backend for the class is installed yet."""
    m = Model.from_cvxpy(problem)
    try:
        res = m.solve(backend=backend)
    except ValueError as exc:
        if "no installed backend" in str(exc):
            pytest.skip(f"no optlib backend for this problem yet: {exc}")
        raise
    except ImportError as exc:   # a registered backend whose module is not written yet
        pytest.skip(f"optlib backend not available: {exc}")
    assert res.status.name == "OPTIMAL", (res.status, res.message)
    return m, res


def reference(problem, solver):
    if solver not in cp.installed_solvers():
        pytest.skip(f"CVXPY solver {solver} not installed")
    value = problem.solve(solver=solver)
    assert problem.status == cp.OPTIMAL
    return value, {v: np.array(v.value, dtype=float) for v in problem.variables()}


def assert_values_close(got: dict, ref: dict, atol: float):
    assert set(got) == set(ref)
    for var, val in ref.items():
        np.testing.assert_allclose(np.asarray(got[var], dtype=float), val, atol=atol, rtol=0,
                                   err_msg=f"variable {var}")
        assert np.shape(got[var]) == var.shape


def objective_at(problem, values: dict) -> float:
    """The cvxpy objective evaluated at given variable values (independent of optlib)."""
    for var, val in values.items():
        var.value = val
    return float(problem.objective.value)


# ----------------------------------------------------------------------------------------
# problem classes
# ----------------------------------------------------------------------------------------
def test_lp():
    rng = np.random.default_rng(1)
    n, k = 6, 4
    A = rng.uniform(0.5, 2.0, size=(k, n))
    b = rng.uniform(1.0, 3.0, size=k)
    c = rng.uniform(1.0, 2.0, size=n)
    x = cp.Variable(n, name="x")
    y = cp.Variable(2, name="y")
    prob = cp.Problem(cp.Minimize(c @ x + y[0] - y[1] + 2.5),
                      [A @ x >= b, x <= 3, x >= 0, y >= -1, y <= 1, y[0] + 2 * y[1] == 0.5])
    m, res = solve_optlib(prob)
    assert res.problem_class == "LP"
    got = cvxpy_values(m, res)
    ref_val, ref = reference(prob, "CLARABEL")
    assert res.objective == pytest.approx(ref_val, rel=TOL, abs=TOL)
    assert_values_close(got, ref, atol=1e-5)
    assert objective_at(prob, got) == pytest.approx(res.objective, rel=TOL, abs=TOL)
    assert res.certificate.verified


def test_socp():
    rng = np.random.default_rng(2)
    A = rng.normal(size=(8, 4))
    b = rng.normal(size=8)
    x = cp.Variable(4, name="x")
    t = cp.Variable(name="t")
    prob = cp.Problem(cp.Minimize(cp.sum_squares(A @ x - b) + 0.5 * t + 1.0),
                      [cp.norm(x - 1, 2) <= t, t <= 3, cp.norm(x[:2], 2) <= 0.8 + x[3]])
    m, res = solve_optlib(prob)
    assert res.problem_class == "SOCP"
    got = cvxpy_values(m, res)
    ref_val, ref = reference(prob, "CLARABEL")
    assert res.objective == pytest.approx(ref_val, rel=TOL, abs=TOL)
    assert_values_close(got, ref, atol=1e-4)
    assert objective_at(prob, got) == pytest.approx(res.objective, rel=TOL, abs=TOL)
    assert isinstance(got[t], float)


def test_sdp():
    rng = np.random.default_rng(3)
    C = rng.normal(size=(3, 3))
    C = C + C.T
    F1 = rng.normal(size=(3, 3))
    F1 = F1 + F1.T
    X = cp.Variable((3, 3), symmetric=True, name="X")
    z = cp.Variable(2, name="z")
    prob = cp.Problem(cp.Minimize(cp.trace(C @ X) + z[0] + 0.3 * z[1]),
                      [X >> 0, cp.diag(X) == 1, X + z[0] * F1 + z[1] * np.eye(3) >> 0, cp.norm(z, 2) <= 1])
    m, res = solve_optlib(prob)
    assert res.problem_class == "SDP"
    got = cvxpy_values(m, res)
    ref_val, ref = reference(prob, "CLARABEL")
    assert res.objective == pytest.approx(ref_val, rel=TOL, abs=TOL)
    Xv = got[X]
    assert Xv.shape == (3, 3)
    np.testing.assert_allclose(Xv, Xv.T, atol=1e-12)
    np.testing.assert_allclose(np.diag(Xv), 1.0, atol=1e-6)
    assert np.linalg.eigvalsh(Xv)[0] >= -1e-6
    assert np.linalg.eigvalsh(Xv + got[z][0] * F1 + got[z][1] * np.eye(3))[0] >= -1e-6
    assert objective_at(prob, got) == pytest.approx(ref_val, rel=TOL, abs=TOL)
    assert_values_close(got, ref, atol=1e-3)


def test_sdp_lmi_min_max_eigenvalue():
    """min lambda_max(A0 + sum x_i A_i): unique solution, PSD constraint on an expression."""
    rng = np.random.default_rng(4)
    As = []
    for _ in range(3):
        B = rng.normal(size=(4, 4))
        As.append(B + B.T)
    x = cp.Variable(2, name="x")
    t = cp.Variable(name="t")
    expr = As[0] + x[0] * As[1] + x[1] * As[2]
    prob = cp.Problem(cp.Minimize(t), [t * np.eye(4) - expr >> 0, cp.norm(x, 2) <= 2])
    m, res = solve_optlib(prob)
    got = cvxpy_values(m, res)
    ref_val, ref = reference(prob, "CLARABEL")
    assert res.objective == pytest.approx(ref_val, rel=TOL, abs=TOL)
    lam = np.linalg.eigvalsh(As[0] + got[x][0] * As[1] + got[x][1] * As[2])[-1]
    assert lam == pytest.approx(res.objective, abs=1e-5)
    assert_values_close(got, ref, atol=1e-3)


def test_milp_with_booleans():
    values = np.array([10.0, 13.0, 7.0, 8.0, 4.5, 9.5])
    weights = np.array([5.0, 7.0, 3.0, 4.0, 2.0, 6.0])
    pick = cp.Variable(6, boolean=True, name="pick")
    extra = cp.Variable(integer=True, name="extra")
    prob = cp.Problem(cp.Maximize(values @ pick + 1.5 * extra),
                      [weights @ pick + 2 * extra <= 15.5, extra >= 0, extra <= 3, pick[0] + pick[1] <= 1])
    m, res = solve_optlib(prob)
    assert res.problem_class == "MILP"
    sf = m.compile()
    assert sf.integer.sum() == 7
    got = cvxpy_values(m, res)
    ref_val, ref = reference(prob, "HIGHS")
    assert res.objective == pytest.approx(ref_val, rel=TOL, abs=TOL)
    assert_values_close(got, ref, atol=1e-6)
    # brute force over the booleans: the independent optimum
    best = -np.inf
    for mask in range(64):
        p = np.array([(mask >> i) & 1 for i in range(6)], dtype=float)
        if p[0] + p[1] > 1:
            continue
        for e in range(4):
            if weights @ p + 2 * e <= 15.5:
                best = max(best, values @ p + 1.5 * e)
    assert res.objective == pytest.approx(best, abs=1e-6)


def test_maximize_keeps_user_sense_and_offset():
    x = cp.Variable(3, name="x")
    prob = cp.Problem(cp.Maximize(cp.sum(x) - 2 * x[2] + 7.0),
                      [x >= 0, x <= np.array([1.0, 2.0, 3.0]), x[0] + x[1] <= 2.5, cp.norm(x, 2) <= 2.0])
    m, res = solve_optlib(prob)
    assert m.sense == "maximize"
    assert res.sense == "maximize"
    got = cvxpy_values(m, res)
    ref_val, ref = reference(prob, "CLARABEL")
    assert ref_val > 7.0
    assert res.objective == pytest.approx(ref_val, rel=TOL, abs=TOL)
    assert res.bound >= res.objective - 1e-6
    assert_values_close(got, ref, atol=1e-4)
    assert objective_at(prob, got) == pytest.approx(ref_val, rel=TOL, abs=TOL)


def test_maximize_lp_on_highs_backend_if_present():
    pytest.importorskip("solvers.highs_backend")
    x = cp.Variable(2, name="x")
    prob = cp.Problem(cp.Maximize(3 * x[0] + 2 * x[1] - 4), [x >= 0, x[0] + x[1] <= 4, x[0] + 3 * x[1] <= 6,
                                                             x[0] <= 3])
    m, res = solve_optlib(prob, backend="highs")
    # vertex (3, 1): 3*3 + 2*1 - 4 = 7
    assert res.objective == pytest.approx(7.0, abs=1e-7)
    got = cvxpy_values(m, res)
    np.testing.assert_allclose(got[x], [3.0, 1.0], atol=1e-7)


# ----------------------------------------------------------------------------------------
# the data itself
# ----------------------------------------------------------------------------------------
def test_compiled_form_equals_cvxpy_scs_data():
    """SCS's layout (lower triangle, column-major, sqrt 2) is optlib's svec: same rows."""
    if "SCS" not in cp.installed_solvers():
        pytest.skip("SCS not installed for CVXPY")
    rng = np.random.default_rng(5)
    X = cp.Variable((3, 3), symmetric=True)
    x = cp.Variable(2)
    F = rng.normal(size=(3, 3))
    F = F + F.T
    prob = cp.Problem(cp.Minimize(cp.trace(F @ X) + x[0] - 2),
                      [X + x[0] * F >> np.eye(3), cp.diag(X) <= 2, X[0, 2] == 0.3, cp.norm(x, 2) <= 1 + x[1]])
    sf = Model.from_cvxpy(prob).compile()
    data, _, _ = prob.get_problem_data(cp.SCS, solver_opts={"use_quad_obj": False})
    dims = data["dims"]
    assert (sf.cones.zero, sf.cones.nonneg) == (dims.zero, dims.nonneg)
    assert list(sf.cones.soc) == list(dims.soc) and list(sf.cones.psd) == list(dims.psd)
    assert abs(sf.A - sp.csc_matrix(data["A"])).max() == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(sf.b, data["b"], atol=1e-12)
    np.testing.assert_allclose(sf.c, data["c"], atol=1e-12)
    assert sf.offset == pytest.approx(-2.0)


def test_psd_layout_against_clarabel_upper_triangle():
    """Clarabel's data is the upper triangle: permuting optlib's svec rows reproduces it."""
    from optlib.cones import svec_to_triu_perm

    rng = np.random.default_rng(6)
    X = cp.Variable((3, 3), symmetric=True)
    B = rng.normal(size=(3, 3))
    prob = cp.Problem(cp.Minimize(cp.trace(X)), [X >> B + B.T])
    sf = Model.from_cvxpy(prob).compile()
    data, _, _ = prob.get_problem_data(cp.CLARABEL)
    assert list(data["dims"].psd) == [3] and sf.cones.psd == (3,)
    perm = svec_to_triu_perm(3)
    np.testing.assert_allclose(sf.b[perm], data["b"], atol=1e-12)
    assert abs(sf.A.tocsr()[perm] - sp.csr_matrix(data["A"])).max() == pytest.approx(0.0, abs=1e-12)


def test_bounds_and_integrality_marks():
    b = cp.Variable(2, boolean=True)
    k = cp.Variable(integer=True, bounds=[-2.5, 4.2])
    z = cp.Variable(nonneg=True)
    prob = cp.Problem(cp.Minimize(cp.sum(b) + k + z), [k + z >= -1])
    sf = Model.from_cvxpy(prob).compile()
    assert sf.integer.tolist() == [True, True, True, False]
    np.testing.assert_allclose(sf.lb[:3], [0, 0, -2])
    np.testing.assert_allclose(sf.ub[:3], [1, 1, 4])
    assert sf.problem_class == "MILP"


def test_symmetric_and_psd_attribute_variables_round_trip():
    X = cp.Variable((2, 2), PSD=True, name="X")
    prob = cp.Problem(cp.Minimize(cp.trace(np.array([[2.0, 1.0], [1.0, 3.0]]) @ X)), [cp.trace(X) == 1])
    m, res = solve_optlib(prob)
    got = cvxpy_values(m, res)
    ref_val, ref = reference(prob, "CLARABEL")
    assert res.objective == pytest.approx(ref_val, rel=TOL, abs=TOL)
    # the optimum is the eigenvector of the smallest eigenvalue of C
    w, U = np.linalg.eigh(np.array([[2.0, 1.0], [1.0, 3.0]]))
    assert res.objective == pytest.approx(w[0], abs=1e-5)
    np.testing.assert_allclose(got[X], np.outer(U[:, 0], U[:, 0]), atol=1e-3)


# ----------------------------------------------------------------------------------------
# errors
# ----------------------------------------------------------------------------------------
def test_power_cone_rejected():
    # exponential cones are imported now (tests/test_from_cvxpy_exp.py); power cones are not
    x = cp.Variable(3)
    prob = cp.Problem(cp.Maximize(x[2]), [cp.constraints.PowCone3D(x[0], x[1], x[2], 0.3), x[:2] <= 1])
    with pytest.raises(ValueError, match="power cone"):
        Model.from_cvxpy(prob)


def test_non_problem_and_non_imported_model():
    with pytest.raises(TypeError, match="cvxpy.Problem"):
        Model.from_cvxpy("not a problem")
    m = Model()
    v = m.continuous(lb=0)
    m.minimize(v)
    res = m.solve(backend="clarabel") if "clarabel" in optlib.backends() else None
    with pytest.raises(ValueError, match="from_cvxpy"):
        cvxpy_values(m, res)


def test_non_dcp_rejected():
    x = cp.Variable(2)
    prob = cp.Problem(cp.Maximize(cp.norm(x, 2)), [x <= 1])
    with pytest.raises(ValueError, match="DCP"):
        Model.from_cvxpy(prob)
