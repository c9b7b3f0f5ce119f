"""User-level conformance suite: every case on every installed backend.

In the spirit of MathOptInterface's `Test` module and CVXPY's `solver_test_helpers`, but at
the level a user sees: `optlib.Model` -> `m.solve(backend=...)` -> `Result`. Each case is a
small model with an answer known independently of any backend (worked out by hand, by
enumeration, or by eigenvalues). Every case is run on every name in `optlib.backends()`
(the `cvxpy:<SOLVER>` ones included) that accepts its compiled form; the others are
skipped with the backend's own reason.

Tolerances: 1e-6 (relative) for the exact and interior-point backends; 1e-3 for the
first-order ones (scs, pdlp and CVXPY's SCS, PDLP and OSQP), which stop at a low default
accuracy. For those, FEASIBLE (a low-accuracy point, optimality not proven) is accepted as
well as OPTIMAL, and optlib's certificate (checked at 1e-6) is not required to verify: only
what is honest is asserted, small primal / dual residuals and a bound on the right side of
the objective up to the tolerance. Values are compared at 10 * tol for vertex optima and at
sqrt(tol) for curved (SOCP/SDP) optima, where the objective grows only quadratically.

Expected failures, each a limitation of the backend and not of optlib: scip (pywraplp) has
no LP duals, so its LP certificate is primal-only; PDLP through pywraplp reports an
unbounded LP as NOT_SOLVED, which optlib honestly maps to NO_SOLUTION.

Dual convention (`Result.dual`): the duals z of the compiled minimisation
(a maximisation is compiled as min -f), z >= 0 for `<=` and `>=` rows, free for `==`
rows, with reduced costs c + A'z. For a minimisation the dual of a row is minus the
derivative of the optimum with respect to the row's right-hand side; for a maximisation
it is plus that derivative (the shadow price).
"""
from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pytest

import optlib
from optlib import Model, Status
from solvers import AUTO_PREFERENCE, auto_order, get_backend

BACKENDS = optlib.backends()

# CVXPY warns on the answers these cases are built to provoke (inaccurate at a time limit,
# "infeasible or unbounded"); the tests check the statuses instead
pytestmark = [
    pytest.mark.filterwarnings("ignore:Solution may be inaccurate:UserWarning"),
    pytest.mark.filterwarnings("ignore:(?s).*either infeasible or unbounded:UserWarning"),
]

# first-order methods through CVXPY: default stopping accuracy about 1e-4, so answers are
# checked at 1e-3. optlib's own scs and pdlp adapters are refined until they certify, so they
# are held to the same standard as the exact and interior-point backends.
FIRST_ORDER = {"cvxpy:SCS", "cvxpy:PDLP", "cvxpy:OSQP"}


def tol_of(backend: str) -> float:
    return 1e-3 if backend in FIRST_ORDER else 1e-6


def close(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(b))


# -- cases ---------------------------------------------------------------------------------
@dataclass
class Case:
    model: Model
    kind: str                                   # "optimal", "infeasible", "unbounded"
    objective: float | None = None
    values: list[tuple[Any, Any]] = field(default_factory=list)   # (variable/expression, value)
    duals: dict[str, Any] = field(default_factory=dict)
    check: Callable[[Any, float], None] | None = None             # extra checks (result, tol)
    mip: bool = False
    # a vertex optimum is sharp (|x - x*| ~ objective error); around a curved optimum the
    # objective grows quadratically, so x is only determined to ~sqrt(objective error)
    sharp: bool = True


def lp_mixed_rows() -> Case:
    """min x0 + 2 x1 + 3 x2 + w + 5
    s.t. demand: x0 + x1 + x2 == 10,  cap: x0 <= 4,  need: x2 >= 3,  0 <= x <= 8,  1 <= w <= 5.

    Cheapest first: x0 = 4 (cap), x2 = 3 (need), x1 = 3 (rest), w = 1 (its bound):
    objective 4 + 6 + 9 + 1 + 5 = 25. x1 is strictly inside its box, so its reduced cost is
    0: 2 + z_demand = 0 -> z_demand = -2; then 1 + z_demand + z_cap = 0 -> z_cap = 1 and
    3 + z_demand - z_need = 0 -> z_need = 1 (the row is 3 - x2 <= 0). The vertex is
    nondegenerate (4 active constraints for 4 variables) and every nonbasic reduced cost is
    nonzero, so primal and dual are unique. Check: raising the demand by 1 costs 2 more
    (= -z_demand), raising the cap by 1 saves 1 (= z_cap)."""
    m = Model("lp_mixed_rows")
    x = m.continuous(3, lb=0, ub=8, name="x")
    w = m.continuous(lb=1, ub=5, name="w")
    m.add(x.sum() == 10, name="demand")
    m.add(x[0] <= 4, name="cap")
    m.add(x[2] >= 3, name="need")
    m.minimize(np.array([1.0, 2.0, 3.0]) @ x + w + 5)
    return Case(m, "optimal", 25.0, values=[(x, [4.0, 3.0, 3.0]), (w, 1.0)],
                duals={"demand": -2.0, "cap": 1.0, "need": 1.0})


def lp_maximize() -> Case:
    """max x + y  s.t.  a: x + 2y <= 4,  b: 3x + y <= 6,  x, y >= 0  ->  2.8 at (1.6, 1.2).
    Both rows are tight: 1 = z_a + 3 z_b, 1 = 2 z_a + z_b -> z = (0.4, 0.2), the shadow prices."""
    m = Model("lp_maximize")
    x = m.continuous(lb=0, name="x")
    y = m.continuous(lb=0, name="y")
    m.add(x + 2 * y <= 4, name="a")
    m.add(3 * x + y <= 6, name="b")
    m.maximize(x + y)
    return Case(m, "optimal", 2.8, values=[(x, 1.6), (y, 1.2)], duals={"a": 0.4, "b": 0.2})


MILP_COST = np.array([4, 3, 5])
MILP_FIXED = np.array([7, 6])


def _milp_feasible(n, u) -> bool:
    return (2 * n[0] + 3 * n[1] + 4 * n[2] >= 17 and n[0] <= 6 * u[0] and n[2] <= 6 * u[1]
            and n[0] - n[1] + n[2] == 1 and sum(n) <= 8)


def milp_mixed_rows() -> Case:
    """min 4a + 3b + 5c + 7u + 6v over a, b, c in {0..6}, u, v in {0, 1} with
    cover: 2a + 3b + 4c >= 17, on_a: a <= 6u, on_c: c <= 6v, balance: a - b + c == 1,
    total: a + b + c <= 8. Unique optimum 27 at (0, 2, 3, 0, 1) (see
    `test_milp_answer_by_enumeration`); the LP relaxation is strictly lower."""
    m = Model("milp_mixed_rows")
    n = m.integer(3, lb=0, ub=6, name="n")
    u = m.boolean(2, name="u")
    m.add(np.array([2, 3, 4]) @ n >= 17, name="cover")
    m.add(n[0] <= 6 * u[0], name="on_a")
    m.add(n[2] <= 6 * u[1], name="on_c")
    m.add(n[0] - n[1] + n[2] == 1, name="balance")
    m.add(n.sum() <= 8, name="total")
    m.minimize(MILP_COST @ n + MILP_FIXED @ u)
    return Case(m, "optimal", 27.0, values=[(n, [0, 2, 3]), (u, [0, 1])], mip=True)


def socp_ball() -> Case:
    """min c'x s.t. ||x - x0|| <= 2 with c = (1, 2, -2), x0 = (1, 0, 1): the minimiser is
    x0 - 2 c / ||c|| = (1/3, -4/3, 7/3), value c'x0 - 2 ||c|| = -1 - 6 = -7."""
    m = Model("socp_ball")
    x = m.continuous(3, name="x")
    c, x0 = np.array([1.0, 2.0, -2.0]), np.array([1.0, 0.0, 1.0])
    m.add(optlib.norm2(x - x0) <= 2, name="ball")
    m.minimize(c @ x)
    return Case(m, "optimal", -7.0, values=[(x, [1 / 3, -4 / 3, 7 / 3])], sharp=False)


def socp_projection() -> Case:
    """min ||x - p|| s.t. sum(x) == 1, 0 <= x <= 2 with p = (1, 2, 3): the projection onto the
    plane is p - (5/3)(1, 1, 1) = (-2/3, 1/3, 4/3), but x >= 0 cuts it off; on the face
    x0 = 0 the projection of (2, 3) onto x1 + x2 = 1 is (0, 1), inside the box, and the KKT
    multiplier of x0 >= 0 is positive. So x* = (0, 0, 1), value ||(1, 2, 2)|| = 3."""
    m = Model("socp_projection")
    x = m.continuous(3, lb=0, ub=2, name="x")
    p = np.array([1.0, 2.0, 3.0])
    m.add(x.sum() == 1, name="plane")
    m.minimize(optlib.norm2(x - p))
    return Case(m, "optimal", 3.0, values=[(x, [0.0, 0.0, 1.0])], sharp=False)


SDP_C = np.array([[2.0, -1.0, 0.5], [-1.0, 3.0, 1.0], [0.5, 1.0, 1.0]])


def sdp_min_eigenvalue() -> Case:
    """min trace(C X) s.t. trace(X) == 1, X >> 0 is lambda_min(C), attained at X = v v' for
    its unit eigenvector v (unique: lambda_min is simple). The dual of the trace row is
    -lambda_min and the dual of X >> 0 is C - lambda_min I."""
    lam, vecs = np.linalg.eigh(SDP_C)
    assert lam[1] - lam[0] > 0.1
    v = vecs[:, 0]
    m = Model("sdp_min_eigenvalue")
    X = m.symmetric(3, psd=True, name="X")
    m.add(optlib.trace(X) == 1, name="unit_trace")
    m.minimize(optlib.trace(SDP_C @ X))
    return Case(m, "optimal", float(lam[0]), values=[(X, np.outer(v, v))], sharp=False,
                duals={"unit_trace": -float(lam[0]), "X_psd": SDP_C - lam[0] * np.eye(3)})


def sdp_maxcut_c5() -> Case:
    """Goemans-Williamson relaxation of max-cut on the 5-cycle:
    max trace(L X) / 4 s.t. diag(X) == 1, X >> 0. For a vertex-transitive graph its value is
    (n / 4) lambda_max(L) (the dual with equal multipliers is optimal), here
    (5/4)(2 + 2 cos(pi/5)) = 4.5225. X is not checked entry-wise; diag(X) = 1 and X >> 0 are."""
    n = 5
    adj = np.zeros((n, n))
    for i in range(n):
        adj[i, (i + 1) % n] = adj[(i + 1) % n, i] = 1.0
    L = np.diag(adj.sum(1)) - adj
    value = n / 4 * float(np.linalg.eigvalsh(L)[-1])
    assert math.isclose(value, 1.25 * (2 + 2 * math.cos(math.pi / 5)))
    m = Model("sdp_maxcut_c5")
    X = m.symmetric(n, psd=True, name="X")
    m.add(optlib.diag(X) == 1, name="unit_diag")
    m.maximize(optlib.trace(L @ X) / 4)

    def check(res, tol):
        Xv = np.asarray(res.value(X))
        assert np.allclose(np.diag(Xv), 1.0, atol=10 * tol)
        assert np.linalg.eigvalsh(Xv)[0] >= -10 * tol

    return Case(m, "optimal", value, check=check)


def lp_infeasible() -> Case:
    """x + y >= 5 and x + y <= 3 with x, y >= 0: infeasible through the rows alone (a Farkas
    ray is z = (1, 1) on the two rows); the dual is feasible."""
    m = Model("lp_infeasible")
    x = m.continuous(lb=0, name="x")
    y = m.continuous(lb=0, name="y")
    m.add(x + y >= 5, name="low")
    m.add(x + y <= 3, name="high")
    m.minimize(x + 2 * y)
    return Case(m, "infeasible")


def lp_infeasible_dual_too() -> Case:
    """The same rows with free x, y and min x + 2y: the dual is infeasible too (c is not in
    the row space), so a ray d = (1, -1) with A d = 0, c'd < 0 exists. That ray does not make
    the problem UNBOUNDED: there is no feasible point (SCS used to be reported UNBOUNDED)."""
    m = Model("lp_infeasible_dual_too")
    x = m.continuous(name="x")
    y = m.continuous(name="y")
    m.add(x + y >= 5, name="low")
    m.add(x + y <= 3, name="high")
    m.minimize(x + 2 * y)
    return Case(m, "infeasible")


def milp_infeasible() -> Case:
    """2a + 2b == 3 with a, b in {0..5}: the LP relaxation is feasible, no integer point is."""
    m = Model("milp_infeasible")
    a = m.integer(lb=0, ub=5, name="a")
    b = m.integer(lb=0, ub=5, name="b")
    m.add(2 * a + 2 * b == 3, name="odd")
    m.add(a - b <= 2, name="spread")
    m.maximize(a + b)
    return Case(m, "infeasible", mip=True)


def lp_unbounded() -> Case:
    """max x + y s.t. x - y <= 1, x, y >= 0: the ray (1, 1) improves without end."""
    m = Model("lp_unbounded")
    x = m.continuous(lb=0, name="x")
    y = m.continuous(lb=0, name="y")
    m.add(x - y <= 1, name="r")
    m.maximize(x + y)
    return Case(m, "unbounded")


OPTIMAL = {f.__name__: f for f in (lp_mixed_rows, lp_maximize, milp_mixed_rows, socp_ball,
                                   socp_projection, sdp_min_eigenvalue, sdp_maxcut_c5)}
INFEASIBLE = {f.__name__: f for f in (lp_infeasible, lp_infeasible_dual_too, milp_infeasible)}
UNBOUNDED = {f.__name__: f for f in (lp_unbounded,)}


KNAPSACK_OPT = 3004.0


def knapsack(seed: int = 7) -> Model:
    """An 80-item, 5-constraint 0/1 knapsack with random correlated data (seed 7). Proving
    its optimum (3004) takes seconds on 2 idle cores (HiGHS 9.5 s, SCIP 6.4 s, CP-SAT 9.3 s),
    so a 0.2 s limit stops them with an incumbent and a bound."""
    rng = np.random.default_rng(seed)
    k, n = 5, 80
    W = rng.integers(20, 100, size=(k, n))
    v = np.round(W.sum(0) / k + rng.integers(0, 20, size=n))
    cap = np.floor(W.sum(1) * 0.5)
    m = Model("knapsack_80")
    pick = m.boolean(n, name="pick")
    m.add(W @ pick <= cap, name="capacity")
    m.maximize(v @ pick)
    return m


# -- helpers -------------------------------------------------------------------------------
def accepted(model: Model, backend: str):
    """The compiled form, or skip with the backend's own reason when it cannot take it."""
    sf = model.compile()
    be = get_backend(backend)
    if not be.accepts(sf):
        try:
            be.check(sf)
        except ValueError as exc:
            pytest.skip(str(exc))
        pytest.skip(f"{backend} does not accept this {sf.problem_class}")  # pragma: no cover
    return sf


def check_reports(res, backend: str | None = None) -> None:
    text = res.summary()
    assert res.status.name in text
    assert res.backend.name in text
    if backend is not None:
        assert res.backend.name == backend
    d = res.to_dict()
    for key in ("status", "objective", "bound", "gap", "backend", "time"):
        assert key in d, key
    assert d["status"] == res.status.name and d["backend"] == res.backend.name
    assert d["time"] >= 0
    json.dumps(d)  # JSON-ready


def pairs(cases: dict) -> list:
    return [pytest.param(c, b, id=f"{c}-{b}") for c in cases for b in BACKENDS]


# -- optimal cases -------------------------------------------------------------------------
@pytest.mark.parametrize("case,backend", pairs(OPTIMAL))
def test_optimal(case, backend):
    cs = OPTIMAL[case]()
    accepted(cs.model, backend)
    tol = tol_of(backend)
    first_order = backend in FIRST_ORDER
    res = cs.model.solve(backend=backend)
    check_reports(res, backend)

    # first-order backends through CVXPY may honestly stop at FEASIBLE (optimality not proven)
    # or UNVERIFIED (the solver's point does not pass optlib's 1e-6 checks)
    allowed = (Status.OPTIMAL, Status.FEASIBLE, Status.UNVERIFIED) if first_order else (Status.OPTIMAL,)
    assert res.status in allowed, (res.status, res.message)
    assert close(res.objective, cs.objective, tol), (res.objective, cs.objective)
    vtol = 10 * tol if cs.sharp else math.sqrt(tol)
    for var, expected in cs.values:
        got = np.asarray(res.value(var), dtype=float)
        expected = np.asarray(expected, dtype=float)
        assert got.shape == expected.shape
        assert np.allclose(got, expected, rtol=0, atol=vtol * max(1.0, np.abs(expected).max())), \
            (got, expected)
    if cs.check is not None:
        cs.check(res, tol)

    # the bound: on the right side of the objective, and (when proven) tight
    minimize = cs.model.sense == "minimize"
    slack = tol * max(1.0, abs(res.objective))
    if minimize:
        assert res.bound <= res.objective + slack, (res.bound, res.objective)
    else:
        assert res.bound >= res.objective - slack, (res.bound, res.objective)
    cert = res.certificate
    caps = get_backend(backend).capabilities
    if cs.mip:
        assert cert.kind == "mip"
        assert cert.checks.get("integrality") is True
        if caps.mip_bound:
            # proven optimal: the bound is the solvers' (default relative MIP gap <= 1e-4)
            assert math.isfinite(res.bound) and res.gap <= 1e-4, (res.bound, res.gap)
    elif res.status is Status.OPTIMAL:
        # re-derived from the duals, or (no duals: scip) the solver's own claim
        assert math.isfinite(res.bound) and close(res.bound, cs.objective, tol), res.bound
        assert res.gap <= 10 * tol, res.gap

    # the certificate
    if first_order:
        assert cert.primal_residual <= tol, cert
        if cert.kind in ("lp-duality", "conic-duality"):
            assert cert.dual_residual <= tol, cert
    else:
        assert cert.checks.get("primal_feasible") is True and cert.checks.get("variable_bounds") is True
        assert cert.verified, (cert, cert.checks, cert.messages)

    # duals of named rows, where the backend returns them
    if cs.duals and not cs.mip:
        if not res.duals:
            assert not caps.duals or res.status is not Status.OPTIMAL, \
                f"{backend} claims duals but returned none"
            return
        dtol = 10 * tol if first_order else tol
        for name, expected in cs.duals.items():
            got = np.asarray(res.dual(name), dtype=float)
            expected = np.asarray(expected, dtype=float)
            assert np.allclose(got, expected, rtol=0, atol=dtol * max(1.0, np.abs(expected).max())), \
                (name, got, expected)


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
    cs = INFEASIBLE[case]()
    accepted(cs.model, backend)
    res = cs.model.solve(backend=backend)
    check_reports(res, backend)
    assert res.status in (Status.INFEASIBLE, Status.INFEASIBLE_OR_UNBOUNDED), (res.status, res.message)
    assert res.objective is None and res.x is None
    assert math.isinf(res.gap)
    cert = res.certificate
    if res.status is Status.INFEASIBLE:
        assert cert.kind == "infeasibility"
        # a Farkas ray, when the backend gives one, must check out
        ray = not any("without a certificate" in m for m in cert.messages)
        if ray:
            assert cert.verified, (cert, cert.checks)
        if backend in ("clarabel", "scs") and not cs.mip:
            assert ray and cert.verified, "native conic backends return a ray that must check out"
    with pytest.raises(ValueError):
        res.value(next(iter(cs.model.variables.values())))


@pytest.mark.parametrize("case,backend", pairs(UNBOUNDED))
def test_unbounded(case, backend):
    cs = UNBOUNDED[case]()
    accepted(cs.model, backend)
    res = cs.model.solve(backend=backend)
    check_reports(res, backend)
    if backend == "pdlp" and res.status is Status.NO_SOLUTION:
        pytest.xfail("PDLP (through pywraplp) reports an unbounded LP as NOT_SOLVED; it cannot "
                     "tell it from a stop without a solution, so optlib says NO_SOLUTION")
    assert res.status in (Status.UNBOUNDED, Status.INFEASIBLE_OR_UNBOUNDED), (res.status, res.message)
    if res.status is Status.UNBOUNDED:
        cert = res.certificate
        assert cert.kind == "unboundedness"
        if not any("without a certificate" in m for m in cert.messages):   # a ray was given
            assert cert.verified, (cert, cert.checks)
        if backend in ("clarabel", "scs"):
            assert cert.verified, "native conic backends return a ray that must check out"


# -- time limit with an incumbent -------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_time_limit_with_incumbent(backend):
    m = knapsack()
    accepted(m, backend)
    res = m.solve(backend=backend, time_limit=0.2)  # must not raise
    check_reports(res, backend)
    assert res.problem_class == "MILP" and res.sense == "maximize"
    if res.status is Status.OPTIMAL:
        # only honest if the bound really meets the objective (within the default MIP gap)
        assert math.isfinite(res.bound) and res.gap <= 1e-4, (res.bound, res.objective)
        assert abs(res.objective - KNAPSACK_OPT) <= 1e-4 * KNAPSACK_OPT
        return
    assert res.status is Status.FEASIBLE, (res.status, res.message)
    assert res.objective is not None and res.certificate.checks.get("integrality") is True
    assert res.certificate.checks.get("primal_feasible") is True
    if not math.isfinite(res.bound):
        assert not get_backend(backend).capabilities.mip_bound, \
            f"{backend} reports MIP bounds but gave none at the time limit"
        pytest.xfail(f"{backend} gives no MIP dual bound at a time limit")
    assert res.bound >= res.objective, (res.bound, res.objective)   # maximisation: upper bound
    # the optimum (proven by HiGHS, SCIP and CP-SAT) lies between incumbent and bound
    assert res.objective <= KNAPSACK_OPT + 1e-6 and res.bound >= KNAPSACK_OPT - 1e-6
    assert res.gap > 0 and math.isfinite(res.gap)


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
    assert auto_order(small.compile()) == AUTO_PREFERENCE["SDP"]
    if "scs" not in BACKENDS:
        pytest.skip("scs not installed")
    res = m.solve(backend="auto")
    assert res.backend.name == "scs" and "SCS preferred" in res.backend.reason
    assert res.objective == pytest.approx(1.0, abs=1e-3)      # min eigenvalue of diag(1..n)
