"""Certificates for quadratic objectives and exponential cones (docs/certificates.md), each with
the wrong answer it must rule out: the QP bound from a linearisation at the solver's point
(valid, tight, never above the optimum for lying duals or points, -inf for a P not proved PSD),
exponential cone duals moved into K_exp* with room for rounding, exponential cone rows checked
and named, and the quadratic-to-SOC reduction that gives the same optimum."""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import scipy.sparse as sp

import optlib
from optlib import ConeDims, RawResult, RowBlock, StandardForm, Status
from optlib.certify import certify
from optlib.cones import exp_dual_violation
from optlib.constraints import exp_cone
from optlib.dual_bound import dual_bound, exp_into_dual_cone, psd_lower_bound, qp_linearisation
from optlib.implied_bounds import implied_box
from optlib.primal_check import check_point
from optlib.reductions.quadratic_to_soc import factor_psd, quadratic_to_soc

clarabel = pytest.importorskip("clarabel")

E = math.e


# -- helpers ---------------------------------------------------------------------------------------
def solve_clarabel(sf: StandardForm) -> tuple[np.ndarray, np.ndarray, str]:
    """(x, z, status) of `sf` (zero / nonneg / soc / exp rows, finite bounds as extra nonneg
    rows) solved by the clarabel package directly, independent of optlib's adapter."""
    n, p = sf.n, sf.cones.zero + sf.cones.nonneg
    fl, fu = np.isfinite(sf.lb), np.isfinite(sf.ub)
    eye = sp.identity(n, format="csr")
    A = sf.A.tocsr()
    A2 = sp.vstack([A[:p], -eye[fl], eye[fu], A[p:]]).tocsc()
    b2 = np.concatenate([sf.b[:p], -sf.lb[fl], sf.ub[fu], sf.b[p:]])
    nb = int(fl.sum() + fu.sum())
    cones = []
    if sf.cones.zero:
        cones.append(clarabel.ZeroConeT(sf.cones.zero))
    if sf.cones.nonneg + nb:
        cones.append(clarabel.NonnegativeConeT(sf.cones.nonneg + nb))
    cones += [clarabel.SecondOrderConeT(q) for q in sf.cones.soc]
    cones += [clarabel.ExponentialConeT() for _ in range(sf.cones.exp)]
    P = sp.triu(sf.P).tocsc() if sf.P is not None else sp.csc_matrix((n, n))
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.tol_gap_abs = settings.tol_gap_rel = settings.tol_feas = 1e-10
    sol = clarabel.DefaultSolver(P, sf.c, A2, b2, cones, settings).solve()
    z = np.asarray(sol.z, dtype=float)
    return np.asarray(sol.x, dtype=float), np.concatenate([z[:p], z[p + nb:]]), str(sol.status)


def random_qp(seed: int = 0, n: int = 6, m: int = 4, box: bool = False) -> StandardForm:
    """min 1/2 x'C'C x + c'x + 1.5  s.t.  A x <= b (rows 'cap'), one equality 'sum', x free
    (or in [-2, 3] with box=True)."""
    rng = np.random.default_rng(seed)
    C = rng.standard_normal((n + 2, n))
    P = sp.csc_matrix(C.T @ C)
    A = sp.csc_matrix(np.vstack([np.ones((1, n)), rng.standard_normal((m, n))]))
    b = np.concatenate([[1.0], rng.random(m)])
    blocks = (RowBlock("sum", "zero", 0, 1, (), 1), RowBlock("cap", "nonneg", 1, m, (m,), m))
    lb, ub = (np.full(n, -2.0), np.full(n, 3.0)) if box else (np.full(n, -np.inf), np.full(n, np.inf))
    return StandardForm(c=rng.standard_normal(n), A=A, b=b, cones=ConeDims(zero=1, nonneg=m),
                        lb=lb, ub=ub, integer=np.zeros(n, bool), P=P, offset=1.5, row_blocks=blocks)


def cvxpy_optimum(sf: StandardForm) -> float:
    """The QP's optimum from CVXPY (an independent reference; linear rows only)."""
    cp = pytest.importorskip("cvxpy")
    x = cp.Variable(sf.n)
    z = sf.cones.zero
    A = sf.A.toarray()
    cons = [A[:z] @ x == sf.b[:z], A[z:] @ x <= sf.b[z:]]
    fl, fu = np.isfinite(sf.lb), np.isfinite(sf.ub)
    if fl.any():
        cons.append(x[np.flatnonzero(fl)] >= sf.lb[fl])
    if fu.any():
        cons.append(x[np.flatnonzero(fu)] <= sf.ub[fu])
    P = sf.P.toarray()
    prob = cp.Problem(cp.Minimize(0.5 * cp.quad_form(x, cp.psd_wrap(P)) + sf.c @ x + sf.offset), cons)
    prob.solve(solver="CLARABEL")
    return float(prob.value)


def exp_form() -> StandardForm:
    """min t  s.t.  exp(x) <= t ((x, 1, t) in K_exp, constraint 'expc'), x >= 1 ('xge1'):
    optimum e at x = 1; the optimal dual is z = (e, -e, 0, 1)."""
    A = sp.csc_matrix(np.array([[-1.0, 0], [-1, 0], [0, 0], [0, -1]]))
    return StandardForm(c=np.array([0.0, 1.0]), A=A, b=np.array([-1.0, 0, 1, 0]),
                        cones=ConeDims(nonneg=1, exp=1), lb=np.full(2, -np.inf), ub=np.full(2, np.inf),
                        integer=np.zeros(2, bool),
                        row_blocks=(RowBlock("xge1", "nonneg", 0, 1, (), 1), RowBlock("expc", "exp", 1, 3, (), 3)))


# -- QP: the bound ---------------------------------------------------------------------------------
@pytest.mark.parametrize("box", [False, True])
def test_qp_bound_is_valid_and_tight(box):
    sf = random_qp(box=box)
    x, z, st = solve_clarabel(sf)
    assert st == "Solved"
    opt = cvxpy_optimum(sf)
    cert = certify(sf, RawResult(status=Status.OPTIMAL, x=x, z=z, objective=sf.objective_value(x)))
    assert cert.verified and cert.checks["gap"], cert.messages
    assert cert.kind == "conic-duality"
    assert cert.bound <= opt + 1e-7 * (1 + abs(opt))
    assert abs(sf.objective_value(x) - cert.bound) <= 1e-6 * (1 + abs(opt))


def test_qp_bound_counts_the_quadratic_term():
    """Without 1/2 x'P x (the LP bound from the same z) the bound is far off, and so is the
    objective: a certificate that dropped P would not be tight, and the objective checked is
    the quadratic one."""
    sf = random_qp()
    x, z, _ = solve_clarabel(sf)
    quad = 0.5 * float(x @ (sf.P @ x))
    assert quad > 0.01
    cert = certify(sf, RawResult(status=Status.OPTIMAL, x=x, z=z, objective=sf.objective_value(x) - quad))
    assert cert.objective_mismatch == pytest.approx(quad, rel=1e-9)
    assert any("differs from the recomputed" in msg for msg in cert.messages)
    linear = dual_bound(sf.replace(P=None), z)
    assert not (abs(linear.value - sf.objective_value(x)) <= 1e-6)


def test_qp_lying_duals_and_points_never_give_a_bound_above_the_optimum():
    sf = random_qp(seed=3)
    x, z, _ = solve_clarabel(sf)
    opt = cvxpy_optimum(sf)
    rng = np.random.default_rng(7)
    for k in range(12):
        zl = z * (1 + rng.normal(scale=0.5, size=z.size)) + rng.normal(scale=0.1 * (k % 3), size=z.size)
        xl = x + rng.normal(scale=0.3 * (k % 2), size=x.size)
        db = dual_bound(sf, zl, xhat=xl)
        assert db.value <= opt + 1e-9 * (1 + abs(opt)), (k, db.value, opt)
    # a solver that claims a bound above the optimum and a duals vector that does not support it
    raw = RawResult(status=Status.OPTIMAL, x=x, z=z * 3.0, objective=opt - 1.0, bound=opt + 1.0)
    cert = certify(sf, raw)
    assert cert.bound <= opt + 1e-9 * (1 + abs(opt)) and cert.solver_bound == opt + 1.0
    assert not cert.checks["gap"]
    # a point moved off the feasible set is named, whatever the duals
    bad = certify(sf, RawResult(status=Status.OPTIMAL, x=x + 0.5, z=z))
    assert not bad.verified and bad.violated


def test_qp_linearisation_covers_its_rounding_exactly():
    """The linearised cost lies within c_err of the exact c + P xhat, and the offset lies below the
    exact c0 - 1/2 xhat'P xhat, checked in rational arithmetic (an e_j or offset that left out
    the rounding of P xhat fails here)."""
    rng = np.random.default_rng(11)
    n = 7
    C = rng.standard_normal((n, n)) * np.exp(rng.normal(scale=3, size=(1, n)))
    P = C.T @ C
    P = (P + P.T) / 2
    sf = StandardForm(c=rng.standard_normal(n) / 3, A=sp.csc_matrix((0, n)), b=np.zeros(0), cones=ConeDims(),
                      lb=np.full(n, -1.0), ub=np.full(n, 1.0), integer=np.zeros(n, bool),
                      P=sp.csc_matrix(P), offset=0.1)
    for trial in range(20):
        xh = rng.standard_normal(n) * 10.0 ** rng.integers(-3, 4)
        lin = qp_linearisation(sf, xh)
        Pf = [[Fraction(float(v)) for v in row] for row in P]
        xf = [Fraction(float(v)) for v in xh]
        g = [sum(Pf[i][j] * xf[j] for j in range(n)) for i in range(n)]
        for j in range(n):
            exact = Fraction(float(sf.c[j])) + g[j]
            assert abs(exact - Fraction(float(lin.c[j]))) <= Fraction(float(lin.c_err[j]))
        exact_off = Fraction(0.1) - sum(xf[i] * g[i] for i in range(n)) / 2
        assert Fraction(lin.offset) <= exact_off
        assert lin.curvature == 0.0                   # P = C'C with C invertible is proved PSD


def test_p_not_psd_does_not_certify():
    """P = [[1, 2], [2, 1]] (eigenvalues 3, -1): the linearisation is not a bound. Free
    variables: -inf; a box: the bound pays for the curvature and stays below the (nonconvex)
    minimum found on a grid."""
    P = sp.csc_matrix(np.array([[1.0, 2.0], [2.0, 1.0]]))
    base = dict(c=np.array([0.3, -0.2]), A=sp.csc_matrix(np.array([[1.0, 1.0]])), b=np.array([5.0]),
                cones=ConeDims(nonneg=1), integer=np.zeros(2, bool), P=P)
    x = np.array([0.5, -0.4])                 # a stationary-looking point with z = 0
    free = StandardForm(lb=np.full(2, -np.inf), ub=np.full(2, np.inf), **base)
    cert = certify(free, RawResult(status=Status.OPTIMAL, x=x, z=np.zeros(1)))
    assert cert.bound == -math.inf and not cert.checks["gap"]
    assert any("not proved PSD" in msg for msg in cert.messages)
    boxed = StandardForm(lb=np.full(2, -1.0), ub=np.full(2, 1.0), **base)
    db = dual_bound(boxed, np.zeros(1), xhat=x)
    g = np.linspace(-1, 1, 401)
    X0, X1 = np.meshgrid(g, g)
    vals = 0.5 * (X0 ** 2 + 4 * X0 * X1 + X1 ** 2) + 0.3 * X0 - 0.2 * X1
    assert math.isfinite(db.value) and db.value <= vals.min()
    cert = certify(boxed, RawResult(status=Status.OPTIMAL, x=x, z=np.zeros(1)))
    assert not cert.checks["gap"]             # the lying 'optimal' local point is not certified


def test_psd_lower_bound_cases():
    lam = psd_lower_bound(sp.csr_matrix(np.array([[1.0, 1.0], [1.0, 1.0]])))
    assert np.all(lam >= 0)                   # singular PSD: shown exactly
    assert np.all(psd_lower_bound(sp.csr_matrix(np.array([[1.0, 2.0], [2.0, 1.0]]))) <= -1.0 + 1e-12)
    assert np.array_equal(psd_lower_bound(sp.diags([1.0, 0.0, -2.0])), [1.0, 0.0, -2.0])
    rng = np.random.default_rng(2)
    C = rng.standard_normal((40, 30))
    assert psd_lower_bound(sp.csr_matrix(C.T @ C)).min() >= 0
    M = C.T @ C
    w, U = np.linalg.eigh(M)
    M2 = M - (w[0] + 1e-3) * np.eye(30)         # smallest eigenvalue -1e-3
    assert psd_lower_bound(sp.csr_matrix(M2)).min() <= -1e-3 * (1 - 1e-6)


def test_singular_psd_objective_with_free_variables_certifies():
    """min 1/2 (x0 + x1)^2 - x0 - x1 (P = [[1, 1], [1, 1]], singular), x free, x0 - x1 <= 1:
    optimum -1/2 on the line x0 + x1 = 1."""
    P = sp.csc_matrix(np.array([[1.0, 1.0], [1.0, 1.0]]))
    sf = StandardForm(c=np.array([-1.0, -1.0]), A=sp.csc_matrix(np.array([[1.0, -1.0]])), b=np.array([1.0]),
                      cones=ConeDims(nonneg=1), lb=np.full(2, -np.inf), ub=np.full(2, np.inf),
                      integer=np.zeros(2, bool), P=P)
    cert = certify(sf, RawResult(status=Status.OPTIMAL, x=np.array([0.5 + 1e-10, 0.5]), z=np.array([1e-12])))
    assert cert.verified and cert.checks["gap"], cert.messages
    assert cert.bound == pytest.approx(-0.5, abs=1e-9) and cert.bound <= -0.5 + 1e-15


def test_qp_rays():
    """Unbounded: the objective falls along d only when P d = 0; infeasible: a Farkas ray does
    not involve P."""
    P = sp.csc_matrix(np.diag([1.0, 0.0]))
    sf = StandardForm(c=np.array([0.0, -1.0]), A=sp.csc_matrix(np.array([[1.0, 0.0]])), b=np.array([5.0]),
                      cones=ConeDims(nonneg=1), lb=np.full(2, -np.inf), ub=np.full(2, np.inf),
                      integer=np.zeros(2, bool), P=P)
    good = certify(sf, RawResult(status=Status.UNBOUNDED, x=np.zeros(2), primal_ray=np.array([0.0, 1.0])))
    assert good.verified and good.checks["primal_ray"]
    bad = certify(sf, RawResult(status=Status.UNBOUNDED, x=np.zeros(2), primal_ray=np.array([-1.0, 1.0])))
    assert not bad.checks["primal_ray"] and not bad.verified
    assert any("P d != 0" in msg for msg in bad.messages)
    # x0 >= 1 and x0 <= 0: infeasible whatever P is
    inf = StandardForm(c=np.zeros(2), A=sp.csc_matrix(np.array([[-1.0, 0.0], [1.0, 0.0]])), b=np.array([-1.0, 0.0]),
                       cones=ConeDims(nonneg=2), lb=np.full(2, -np.inf), ub=np.full(2, np.inf),
                       integer=np.zeros(2, bool), P=P)
    cert = certify(inf, RawResult(status=Status.INFEASIBLE, dual_ray=np.array([1.0, 1.0])))
    assert cert.verified and cert.checks["farkas_ray"]
    assert not certify(inf, RawResult(status=Status.INFEASIBLE, dual_ray=np.array([0.0, 1.0]))).verified


# -- exponential cone --------------------------------------------------------------------------------
def test_exp_bound_from_the_optimal_dual_is_tight_and_below_e():
    sf = exp_form()
    z = np.array([E, -E, 0.0, 1.0])
    db = dual_bound(sf, z)
    assert db.value <= E and db.value >= E - 1e-12
    cert = certify(sf, RawResult(status=Status.OPTIMAL, x=np.array([1.0, E]), z=z, objective=E))
    assert cert.verified and cert.checks["gap"]


def test_exp_lying_duals_are_moved_in_and_the_bound_stays_below_e():
    """Duals outside K_exp* (w too small, u > 0, a wrong-signed v) that, taken as given, would
    claim a bound above e."""
    sf = exp_form()
    liars = [np.array([E + 1, -(E + 1), 0.0, 1.0]),     # -b'z = e + 1: w too small for u
             np.array([4.0, -4.0, -1.0, 1.0]),
             np.array([3.0, 0.5, -2.0, 1.0]),           # u > 0
             np.array([E, -E, -0.5, 1.0])]
    for z in liars:
        assert -float(sf.b @ z) > E                      # the naive bound lies
        assert exp_dual_violation(z[1:2], z[2:3], z[3:4])[0] > 0
        db = dual_bound(sf, z)
        assert db.value <= E + 1e-15, (z, db.value)
        assert db.cone_shift > 0
    raw = RawResult(status=Status.OPTIMAL, x=np.array([1.0, E]), z=liars[0], objective=2.0, bound=3.0)
    cert = certify(sf, raw)
    assert cert.bound <= E and cert.solver_bound == 3.0
    assert cert.objective_mismatch == pytest.approx(E - 2.0)


def test_exp_rows_imply_bounds():
    """w >= 0 in the cone: t >= 0 (widened) is implied, so a dual that leaves t a positive
    reduced cost gives a bound without repair, t paying r_t times that implied bound."""
    sf = exp_form()
    lb, ub = implied_box(sf)
    assert -1e-6 <= lb[1] < 0 and ub[1] == np.inf
    db = dual_bound(sf, np.array([1.0, -1.0, 0.0, 0.5]))
    assert not db.repaired and db.value == pytest.approx(1.0, abs=1e-6) and db.value <= 1.0


def test_exp_into_dual_cone_with_room_for_rounding():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50
    rng = np.random.default_rng(5)
    blk = np.column_stack([rng.normal(size=400) * 10.0 ** rng.integers(-3, 3, 400),
                           rng.normal(size=400) * 10.0 ** rng.integers(-3, 3, 400),
                           rng.normal(size=400) * 10.0 ** rng.integers(-3, 3, 400)])
    out = exp_into_dual_cone(blk)
    for u, v, w in out:
        if u < 0:           # -u exp(v/u - 1) <= w, in 50 digits
            assert -mpmath.mpf(u) * mpmath.exp(mpmath.mpf(v) / mpmath.mpf(u) - 1) <= mpmath.mpf(w)
        else:
            assert u == 0 and v >= 0 and w >= 0
    inside = out[out[:, 0] < 0]
    assert np.array_equal(exp_into_dual_cone(inside), inside)   # already inside with margin: kept
    # with the v rows free of cost (a constant v, as in exp(x) <= t), v moves and u, w stay
    vfree = exp_into_dual_cone(blk, np.tile([1.0, 0.0, 1.0], (400, 1)))
    moved = np.any(vfree != blk, axis=1) & (blk[:, 0] < 0) & (blk[:, 2] > 0)
    assert moved.sum() > 50
    assert np.array_equal(vfree[moved][:, [0, 2]], blk[moved][:, [0, 2]])
    for u, v, w in vfree[moved]:
        assert -mpmath.mpf(u) * mpmath.exp(mpmath.mpf(v) / mpmath.mpf(u) - 1) <= mpmath.mpf(w)
    # the move is small for a block near the cone, and the raised w is the one needed
    near = exp_into_dual_cone(np.array([[-1.0, 0.0, math.exp(-1) * (1 - 1e-9)]]))[0]
    assert near[0] == -1.0 and near[1] == 0.0 and abs(near[2] - math.exp(-1)) <= 1e-14


def _exp_sum_form():
    """x >= 1, (x_i, 1, t_i) in K_exp (t_i >= exp(x_i)), min sum t: optimum 2e at x = 1."""
    m = optlib.Model()
    x = m.continuous(2, name="x")
    t = m.continuous(2, name="t")
    m.add(x >= 1, name="lo")
    m.add(exp_cone(x, np.ones(2), t), name="expc")
    m.minimize(t.sum())
    return m.compile()


def test_exp_rows_are_checked_per_block_and_named():
    sf = _exp_sum_form()
    ok = check_point(sf, np.array([1.0, 1.0, E, E]) * np.array([1, 1, 1 + 1e-9, 1 + 1e-9]))
    assert ok.passed
    pc = check_point(sf, np.array([1.0, 1.0, E, 2.0]))      # exp(1) <= 2 is false for entry 1
    assert not pc.passed and len(pc.violations) == 1
    assert pc.violations[0].where == "constraint 'expc'[1] (exponential cone)"
    assert pc.violations[0].amount == pytest.approx(1.0 - math.log(2.0))   # the move of u
    cert = certify(sf, RawResult(status=Status.OPTIMAL, x=np.array([1.0, 1.0, E, 2.0])))
    assert not cert.verified and cert.violated[0].startswith("constraint 'expc'[1] (exponential cone) violated by")
    # each coordinate on its own row's scale: e^20 needs t = 4.85e8; t short by 1e-9 relative is
    # x = 20 - 1e-9 and passes, t short by 1e-4 relative is x = 20 - 1e-4, broken by 5e-6 on
    # x's scale of 21 (on the block's scale of 4.85e8 it would pass)
    w = math.exp(20.0)
    assert check_point(sf, np.array([20.0, 1.0, w * (1 - 1e-9), E])).passed
    bad = check_point(sf, np.array([20.0, 1.0, w * (1 - 1e-4), E]))
    assert not bad.passed and bad.violations[0].amount == pytest.approx(1e-4, rel=1e-3)
    assert bad.violations[0].scale == pytest.approx(21.0)


def test_exp_solved_by_clarabel_certifies():
    """Exponential cone problems solved by the clarabel package certify to the gap tolerance:
    x >= 1, min sum exp(x) (optimum 2e); and min sum_i w_i exp(x_i) s.t. sum x = -k/2 with free
    x and t, where every reduced cost must vanish (the solver's residual of 1e-10 is repaired,
    the blocks moved back into K_exp* along their v, whose row is constant)."""
    sf = _exp_sum_form()
    xs, zs, st = solve_clarabel(sf)
    assert st == "Solved"
    cert = certify(sf, RawResult(status=Status.OPTIMAL, x=xs, z=zs))
    assert cert.verified and cert.checks["gap"], cert.messages
    assert cert.bound <= 2 * E + 1e-12
    k = 60
    w = np.random.default_rng(0).random(k) + 0.5
    m = optlib.Model()
    x = m.continuous(k, name="x")
    t = m.continuous(k, name="t")
    m.add(x.sum() == -k * 0.5, name="budget")
    m.add(exp_cone(x, np.ones(k), t), name="expc")
    m.minimize(w @ t)
    sf = m.compile()
    xs, zs, st = solve_clarabel(sf)
    cert = certify(sf, RawResult(status=Status.OPTIMAL, x=xs, z=zs))
    assert cert.verified and cert.checks["gap"], cert.messages
    # the optimum in closed form: w_i exp(x_i) = lambda for all i
    lam = math.exp((-k * 0.5 + np.sum(np.log(w))) / k)
    assert cert.bound <= k * lam + 1e-12 and cert.bound >= k * lam * (1 - 1e-6)


# -- quadratic to SOC --------------------------------------------------------------------------------
def qp_with_cones() -> StandardForm:
    """random_qp plus a second-order cone ||x[:2]|| <= 2 and an exponential cone
    exp(x[2]) <= 5 + x[3] (rows: zero, nonneg, soc, exp)."""
    sf = random_qp(seed=4)
    n = sf.n
    soc = sp.lil_matrix((3, n))
    soc[1, 0] = soc[2, 1] = -1.0
    ex = sp.lil_matrix((3, n))
    ex[0, 2] = -1.0
    ex[2, 3] = -1.0
    A = sp.vstack([sf.A, soc, ex]).tocsc()
    b = np.concatenate([sf.b, [2.0, 0, 0], [0.0, 1.0, 5.0]])
    blocks = sf.row_blocks + (RowBlock("ball", "soc", 5, 3, (3,), 3), RowBlock("growth", "exp", 8, 3, (), 3))
    return sf.replace(A=A, b=b, cones=ConeDims(zero=1, nonneg=4, soc=(3,), exp=1), row_blocks=blocks)


def test_quadratic_to_soc_same_optimum_and_certificate():
    for sf in (random_qp(seed=1), random_qp(seed=2, box=True), qp_with_cones()):
        x, z, st = solve_clarabel(sf)
        assert st == "Solved"
        sf2, invert = quadratic_to_soc(sf)
        assert sf2.P is None and sf2.n == sf.n + 1 and sf2.row_order is None
        assert sf2.cones.exp == sf.cones.exp and sf2.cones.soc[:-1] == sf.cones.soc
        x2, z2, st2 = solve_clarabel(sf2)
        assert st2 in ("Solved", "AlmostSolved")
        raw = invert(RawResult(status=Status.OPTIMAL, x=x2, z=z2, objective=float(sf2.c @ x2) + sf2.offset,
                               bound=-1e9))
        assert raw.x.shape == (sf.n,) and raw.z.shape == (sf.m,) and raw.bound == -1e9
        assert raw.objective == sf.objective_value(raw.x)
        assert raw.objective == pytest.approx(sf.objective_value(x), abs=1e-6)
        # the duals of the original rows come back in their order: the certificate on sf holds
        cert = certify(sf, raw)
        assert cert.verified and cert.checks["gap"], cert.messages
        assert np.allclose(raw.z, z, atol=1e-5)
        # row blocks: the original ones keep their rows (shifted past the new cone), in cone order
        kinds = [rb.cone for rb in sorted(sf2.row_blocks, key=lambda rb: rb.start)]
        assert kinds == sorted(kinds, key=["zero", "nonneg", "soc", "psd", "exp"].index)
        names = {rb.name: rb for rb in sf2.row_blocks}
        for rb in sf.row_blocks:
            r2 = names[rb.name]
            assert np.array_equal(sf2.b[r2.start:r2.start + r2.size], sf.b[rb.start:rb.start + rb.size])


def test_quadratic_to_soc_rays_and_bad_input():
    sf = random_qp(seed=1)
    sf2, invert = quadratic_to_soc(sf)
    raw = invert(RawResult(status=Status.INFEASIBLE, dual_ray=np.arange(sf2.m, dtype=float),
                           primal_ray=np.arange(sf2.n, dtype=float)))
    keep = [rb.start + i for rb in sf2.row_blocks if rb.name != "quadratic objective" for i in range(rb.size)]
    assert np.array_equal(raw.dual_ray, np.array(sorted(keep), dtype=float))
    assert np.array_equal(raw.primal_ray, np.arange(sf.n, dtype=float))
    with pytest.raises(ValueError, match="not positive semidefinite"):
        quadratic_to_soc(sf.replace(P=sp.csc_matrix(np.array([[1.0, 2.0], [2.0, 1.0]]))
                                    if sf.n == 2 else sp.csc_matrix(np.diag([1.0] * (sf.n - 1) + [-1.0]))))
    with pytest.raises(ValueError, match="not positive semidefinite"):
        factor_psd(sp.csc_matrix(np.array([[1.0, 2.0], [2.0, 1.0]])))
    with pytest.raises(ValueError, match="sf must be a StandardForm"):
        quadratic_to_soc("model")


@pytest.mark.parametrize("P", [np.diag([2.0, 0.0, 3.0]), np.array([[1.0, 1.0, 0], [1.0, 1.0, 0], [0, 0, 4.0]]),
                               np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])])
def test_factor_psd(P):
    F = factor_psd(sp.csc_matrix(P)).toarray()
    assert np.allclose(F.T @ F, P, atol=1e-12)
    assert F.shape[0] == np.linalg.matrix_rank(P)
