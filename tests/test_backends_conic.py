"""Conic backends (clarabel, scs, cvxpy:CLARABEL, cvxpy:SCS) on hand-built StandardForms.

Every OPTIMAL answer is checked independently of the adapters: A x + s = b with s in K,
lb <= x <= ub, z in K* (self-dual cones), and weak duality -b'z + min_box (c + A'z)'x
matching the objective (which verifies the sign of z for every cone kind).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from optlib import ConeDims, SolveParams, StandardForm, Status
from optlib.cones import min_eig_svec, soc_violation, svec, svec_size
from solvers.clarabel_backend import ClarabelBackend
from solvers.conic_form import conic_data
from solvers.cvxpy_backend import CvxpyBackend
from solvers.scs_backend import ScsBackend
from forms import make

BACKENDS = {
    "clarabel": (ClarabelBackend, 1e-6),
    "scs": (ScsBackend, 1e-3),
    "cvxpy:CLARABEL": (lambda: CvxpyBackend("CLARABEL"), 1e-6),
    "cvxpy:SCS": (lambda: CvxpyBackend("SCS"), 1e-3),
}




# -- problems: (StandardForm, optimal value of the minimisation form incl. offset) ------
def lp():
    # min -x - 2y  s.t. x + y + w == 4, x + 3y <= 6, x, y, w >= 0  -> -5 at (3, 1, 0)
    A = [[1, 1, 1], [1, 3, 0], [-1, 0, 0], [0, -1, 0], [0, 0, -1]]
    return make([-1, -2, 0], A, [4, 6, 0, 0, 0], ConeDims(zero=1, nonneg=4), offset=0.5), -4.5


def socp_zero():
    # min t  s.t. ||(x - 1, y - 2)|| <= t  -> 0
    return make([1, 0, 0], -np.eye(3), [0, -1, -2], ConeDims(soc=(3,))), 0.0


def socp_disc():
    # min x + y  s.t. ||(x, y)|| <= 1  -> -sqrt 2
    return make([1, 1], [[0, 0], [-1, 0], [0, -1]], [1, 0, 0], ConeDims(soc=(3,))), -math.sqrt(2)


def socp_multi():
    # vars (t, x, y, u, v, w): min t + u + v + w  s.t. ||(x-1, y-2)|| <= t, ||(u, v)|| <= 1,
    # ||(w, 1, 1)|| <= 2, and u + v >= -2 (nonneg row)  -> 0 - sqrt2 - sqrt2
    A = np.zeros((11, 6))
    A[0, 3] = A[0, 4] = -1                                  # -(u + v) <= 2
    A[1:4, 0:3] = -np.eye(3)                                 # (t, x - 1, y - 2)
    A[5, 3], A[6, 4] = -1, -1                                # (1, u, v)
    A[8, 5] = -1                                             # (2, w, 1, 1)
    b = [2, 0, -1, -2, 1, 0, 0, 2, 0, 1, 1]
    sf = make([1, 0, 0, 1, 1, 1], A, b, ConeDims(nonneg=1, soc=(3, 3, 4)))
    return sf, -2 * math.sqrt(2)


def sdp(n=3, seed=1):
    # min <C, X>  s.t. trace X == 1, X >> 0 over the svec variables of X -> lambda_min(C)
    rng = np.random.default_rng(seed)
    C = rng.standard_normal((n, n))
    C = C + C.T
    k = svec_size(n)
    A = np.vstack([svec(np.eye(n))[None, :], -np.eye(k)])
    b = np.concatenate(([1.0], np.zeros(k)))
    return make(svec(C), A, b, ConeDims(zero=1, psd=(n,))), float(np.linalg.eigvalsh(C)[0])


def sdp_mixed():
    # vars (x, svec X 2x2): min x + X_11 + X_22  s.t. [[X_11, X_12],[X_12, X_22]] >> 0,
    # X_12 == 1 (i.e. svec entry / sqrt2 == 1), x >= -1 -> -1 + 2
    A = np.zeros((5, 4))
    A[0, 2] = 1 / math.sqrt(2)
    A[1, 0] = -1
    A[2:5, 1:4] = -np.eye(3)
    return make([1, 1, 0, 1], A, [1, 1, 0, 0, 0], ConeDims(zero=1, nonneg=1, psd=(2,))), 1.0


def maximisation():
    # max x + y s.t. x + 2y <= 4, 3x + y <= 6, x, y >= 0 -> 2.8 (min form: -2.8)
    A = [[1, 2], [3, 1], [-1, 0], [0, -1]]
    return make([-1, -1], A, [4, 6, 0, 0], ConeDims(nonneg=4), sense=-1), -2.8


def bounded():
    # min 2x + y + w  s.t. x + y == 1, ||(y, w)|| <= 5 (loose), x >= 0, y <= 3, 1 <= w <= 3
    # -> 2 at (0, 1, 1); the dual of the equality is -1 (y is strictly inside its box)
    A = [[1, 1, 0], [0, 0, 0], [0, -1, 0], [0, 0, -1]]
    sf = make([2, 1, 1], A, [1, 5, 0, 0], ConeDims(zero=1, soc=(3,)),
              lb=[0, -np.inf, 1], ub=[np.inf, 3, 3])
    return sf, 2.0


OPTIMAL_CASES = {f.__name__: f for f in (lp, socp_zero, socp_disc, socp_multi, sdp, sdp_mixed,
                                         maximisation, bounded)}


def infeasible_lp():
    # x >= 1 and x <= 0
    return make([1], [[-1], [1]], [-1, 0], ConeDims(nonneg=2))


def unbounded_lp():
    # min -x s.t. x >= 0
    return make([-1], [[-1]], [0], ConeDims(nonneg=1))


# -- independent checks -----------------------------------------------------------------
def cone_viol(v, cones: ConeDims) -> float:
    worst = 0.0
    for kind, start, size, _ in cones.blocks():
        blk = v[start:start + size]
        if kind == "zero":
            worst = max(worst, float(np.max(np.abs(blk))))
        elif kind == "nonneg":
            worst = max(worst, float(np.max(-blk, initial=0.0)))
        elif kind == "soc":
            worst = max(worst, soc_violation(blk))
        else:
            worst = max(worst, -min_eig_svec(blk))
    return worst


def dual_cone_viol(z, cones: ConeDims) -> float:
    """Distance-like violation of z in K* = {free} x R+ x SOC x PSD."""
    free = ConeDims(nonneg=cones.nonneg, soc=cones.soc, psd=cones.psd)
    return cone_viol(z[cones.zero:], free)


def box_min(r, lb, ub, tol) -> float:
    """min over lb <= x <= ub of r'x, treating |r_j| <= tol as 0 on infinite sides."""
    total = 0.0
    for rj, lo, hi in zip(r, lb, ub):
        side = lo if rj > 0 else hi
        if abs(rj) <= tol:
            total += min(rj * lo, rj * hi) if np.isfinite(lo) and np.isfinite(hi) else 0.0
        elif not np.isfinite(side):
            return -np.inf
        else:
            total += rj * side
    return total


def check_optimal(sf: StandardForm, res, opt: float, tol: float) -> None:
    assert res.status is Status.OPTIMAL, (res.status, res.message)
    scale = 1.0 + abs(opt)
    assert abs(res.objective - opt) <= tol * scale, (res.objective, opt)
    x, z = res.x, res.z
    assert x.shape == (sf.n,) and z.shape == (sf.m,)
    assert cone_viol(sf.b - sf.A @ x, sf.cones) <= tol
    assert np.all(x >= sf.lb - tol) and np.all(x <= sf.ub + tol)
    assert dual_cone_viol(z, sf.cones) <= tol
    r = sf.c + sf.A.T @ z
    dual_value = -sf.b @ z + box_min(r, sf.lb, sf.ub, tol) + sf.offset
    assert abs(dual_value - res.objective) <= tol * scale, (dual_value, res.objective)
    if res.bound is not None:
        assert abs(res.bound - opt) <= tol * scale, (res.bound, opt)


def run(name: str, sf: StandardForm, **params):
    factory, tol = BACKENDS[name]
    return factory().solve(sf, SolveParams(**params)), tol


# -- tests ------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", list(BACKENDS))
@pytest.mark.parametrize("case", list(OPTIMAL_CASES))
def test_optimal(backend, case):
    sf, opt = OPTIMAL_CASES[case]()
    res, tol = run(backend, sf)
    check_optimal(sf, res, opt, tol)
    assert res.solver == backend


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_maximisation_reports_user_sense(backend):
    sf, _ = maximisation()
    res, tol = run(backend, sf)
    assert sf.user_objective(res.objective) == pytest.approx(2.8, abs=tol)


@pytest.mark.parametrize("backend", ["clarabel", "scs"])
def test_bound_from_solver(backend):
    sf, opt = socp_disc()
    res, tol = run(backend, sf)
    assert res.bound is not None and res.bound == pytest.approx(opt, abs=tol)


def test_cvxpy_scs_reports_dual_objective():
    sf, opt = sdp()
    res, tol = run("cvxpy:SCS", sf)
    assert res.bound is not None and res.bound == pytest.approx(opt, abs=tol)


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_infeasible(backend):
    sf = infeasible_lp()
    res, tol = run(backend, sf)
    assert res.status is Status.INFEASIBLE, (res.status, res.message)
    assert res.x is None and res.objective is None
    if res.dual_ray is not None:
        y = res.dual_ray
        assert np.all(y >= -tol) and sf.b @ y < 0
        assert np.max(np.abs(sf.A.T @ y)) <= tol * abs(sf.b @ y)


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_unbounded(backend):
    sf = unbounded_lp()
    res, tol = run(backend, sf)
    assert res.status is Status.UNBOUNDED, (res.status, res.message)
    if res.primal_ray is not None:
        d = res.primal_ray
        assert sf.c @ d < 0 and cone_viol(-(sf.A @ d), sf.cones) <= tol * abs(sf.c @ d)


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_limits_give_honest_status(backend):
    sf, _ = sdp(n=40, seed=3)
    key = "max_iter" if "CLARABEL" in backend.upper() else "max_iters"
    res, _ = run(backend, sf, time_limit=5.0, options={key: 2})
    assert res.status in (Status.FEASIBLE, Status.NO_SOLUTION, Status.ERROR)
    assert res.message
    if res.status is Status.FEASIBLE:
        assert conic_data(sf).is_approx_feasible(res.x)


@pytest.mark.parametrize("backend", ["clarabel", "scs"])
def test_native_rejects_integers(backend):
    sf, _ = lp()
    sf = sf.replace(integer=np.array([True, False, False]))
    be = BACKENDS[backend][0]()
    with pytest.raises(ValueError, match=backend):
        be.check(sf)
    assert not be.accepts(sf)


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_unknown_option(backend):
    sf, _ = lp()
    with pytest.raises(ValueError, match="no_such_option"):
        BACKENDS[backend][0]().solve(sf, SolveParams(options={"no_such_option": 1}))


def test_cvxpy_unknown_solver():
    be = CvxpyBackend("NOTASOLVER")
    assert not be.available()
    with pytest.raises(ValueError, match="cvxpy:NOTASOLVER"):
        be.check(lp()[0])


def test_cvxpy_missing_solver_names_pip_package():
    import cvxpy

    if "SCIP" in cvxpy.installed_solvers():
        pytest.skip("SCIP is installed")
    with pytest.raises(ValueError, match="pip install pyscipopt"):
        CvxpyBackend("SCIP").check(lp()[0])


def test_cvxpy_capabilities():
    assert CvxpyBackend("CLARABEL").capabilities.psd
    assert not CvxpyBackend("CLARABEL").capabilities.integer
    highs = CvxpyBackend("HIGHS")
    assert highs.capabilities.integer and not highs.capabilities.soc
    with pytest.raises(ValueError, match="cvxpy:HIGHS"):
        highs.check(socp_disc()[0])


def test_cvxpy_milp_with_bound():
    # max x + y  s.t. 2x + 2y <= 5, x, y in {0..10} integer; min form -> -2
    sf = make([-1, -1], [[2, 2]], [5], ConeDims(nonneg=1), lb=[0, 0], ub=[10, 10],
              integer=[True, True])
    res = CvxpyBackend("HIGHS").solve(sf, SolveParams(time_limit=10.0, rel_gap=1e-6))
    assert res.status is Status.OPTIMAL
    assert res.objective == pytest.approx(-2.0) and np.allclose(res.x, np.round(res.x))
    assert res.z is None
    assert res.bound is not None and res.bound <= res.objective + 1e-9
    assert res.parameters["time_limit"] == 10.0 and res.parameters["mip_rel_gap"] == 1e-6


def test_parameter_mapping_recorded():
    sf, _ = lp()
    params = SolveParams(time_limit=10.0, rel_gap=1e-7, threads=1)
    clar = ClarabelBackend().solve(sf, params)
    assert clar.parameters["time_limit"] == 10.0 and clar.parameters["tol_gap_rel"] == 1e-7
    assert clar.parameters["max_threads"] == 1
    scs_res = ScsBackend().solve(sf, params)
    assert scs_res.parameters["time_limit_secs"] == 10.0 and scs_res.parameters["eps_rel"] == 1e-7
    assert "threads" in scs_res.parameters["ignored"]


def test_conic_data_bound_rows():
    sf, _ = bounded()
    data = conic_data(sf)
    # own rows: 1 zero, then 2 + 2 bound rows (ub of y, w; lb of x, w), then 3 soc rows
    assert data.cones.nonneg == 4 and data.A.shape == (sf.m + 4, sf.n)
    assert np.array_equal(data.own_rows, [0, 5, 6, 7])
    assert np.array_equal(data.b[1:5], [3, 3, 0, -1])
    x = np.array([0.0, 1.0, 1.0])
    assert data.is_approx_feasible(x)
    assert not data.is_approx_feasible(x + np.array([0, 0, -0.1]))     # w < 1
    assert not data.is_approx_feasible(x + np.array([-2.5, 2.5, 0]))   # y > 3
    assert not data.is_approx_feasible(x + np.array([6, -6, 0]))       # ||(y, w)|| > 5

