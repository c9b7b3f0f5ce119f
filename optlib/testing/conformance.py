"""The conformance suite every backend runs, shipped with optlib (MathOptInterface's
`Test.runtests` is the model): small LP, MILP, SOCP and SDP cases whose answers are known
independently of any solver (by hand, by enumeration, by eigenvalues), infeasible and unbounded
cases, a time limit that must return an incumbent, and the lying-backend cases of
`optlib.testing.lying` that certify must catch.

    from optlib.testing import run_conformance
    report = run_conformance("mysolver")          # a registered backend name
    assert report.ok, report                       # or print(report)

Each case is skipped (with the backend's own reason) when the backend does not accept its
class. Tolerances: 1e-6 relative for exact and interior-point backends; 1e-3 for first-order
backends reached through CVXPY, which stop at a low default accuracy and may end FEASIBLE or
UNVERIFIED (optlib's own scs and pdlp adapters refine until they certify, so they are held to
1e-6). Values are compared at 10 tol for vertex optima and sqrt(tol) for curved optima.

Dual convention (`Result.dual`): the duals z of the compiled minimisation (a maximisation is
compiled as min -f), z >= 0 for `<=` and `>=` rows, free for `==` rows, with reduced costs
c + A'z: for a minimisation the dual of a row is minus the derivative of the optimum with
respect to its right-hand side; for a maximisation plus that derivative (the shadow price).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np

from .. import expressions as _expr
from ..atoms import norm2
from ..backend import get_backend
from ..model import Model
from ..status import Status

# first-order methods through CVXPY: default stopping accuracy about 1e-4, so answers are
# checked at 1e-3
FIRST_ORDER = {"cvxpy:SCS", "cvxpy:PDLP", "cvxpy:OSQP"}


class Skip(Exception):
    """A case that does not apply to a backend (it cannot take the class, or a documented
    limitation of the solver)."""


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
    m.add(norm2(x - x0) <= 2, name="ball")
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
    m.minimize(norm2(x - p))
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
    m.add(_expr.trace(X) == 1, name="unit_trace")
    m.minimize(_expr.trace(SDP_C @ X))
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
    m.add(_expr.diag(X) == 1, name="unit_diag")
    m.maximize(_expr.trace(L @ X) / 4)

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


def accepted(model: Model, backend: str):
    """The compiled form, or Skip with the backend's own reason when it cannot take it."""
    sf = model.compile()
    be = get_backend(backend)
    if not be.accepts(sf):
        try:
            be.check(sf)
        except ValueError as exc:
            raise Skip(str(exc)) from None
        raise Skip(f"{backend} does not accept this {sf.problem_class}")
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



def check_optimal(cs: Case, backend: str) -> None:
    """Solve an optimal case on `backend` and assert the answer, the bound, the certificate and
    the duals (see the module doc for the tolerances)."""
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



def check_infeasible(cs: Case, backend: str) -> None:
    """Solve an infeasible case: INFEASIBLE (or INFEASIBLE_OR_UNBOUNDED), no point, a ray that
    checks out when one is given (always for the native conic backends)."""
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
    try:
        res.value(next(iter(cs.model.variables.values())))
    except ValueError:
        pass
    else:
        raise AssertionError("an infeasible result gave variable values")



def check_unbounded(cs: Case, backend: str) -> None:
    """Solve an unbounded case: UNBOUNDED (or INFEASIBLE_OR_UNBOUNDED) with a checked ray when
    one is given (always for the native conic backends)."""
    accepted(cs.model, backend)
    res = cs.model.solve(backend=backend)
    check_reports(res, backend)
    if backend == "pdlp" and res.status is Status.NO_SOLUTION:
        raise Skip("PDLP (through pywraplp) reports an unbounded LP as NOT_SOLVED; it cannot "
                     "tell it from a stop without a solution, so optlib says NO_SOLUTION")
    assert res.status in (Status.UNBOUNDED, Status.INFEASIBLE_OR_UNBOUNDED), (res.status, res.message)
    if res.status is Status.UNBOUNDED:
        cert = res.certificate
        assert cert.kind == "unboundedness"
        if not any("without a certificate" in m for m in cert.messages):   # a ray was given
            assert cert.verified, (cert, cert.checks)
        if backend in ("clarabel", "scs"):
            assert cert.verified, "native conic backends return a ray that must check out"



def check_time_limit(backend: str) -> None:
    """A 0.2 s limit on a knapsack that takes seconds: no exception, an honest FEASIBLE with the
    incumbent between the optimum and a bound on the right side (or OPTIMAL if proven)."""
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
        raise Skip(f"{backend} gives no MIP dual bound at a time limit")
    assert res.bound >= res.objective, (res.bound, res.objective)   # maximisation: upper bound
    # the optimum (proven by HiGHS, SCIP and CP-SAT) lies between incumbent and bound
    assert res.objective <= KNAPSACK_OPT + 1e-6 and res.bound >= KNAPSACK_OPT - 1e-6
    assert res.gap > 0 and math.isfinite(res.gap)


@dataclass(frozen=True)
class Outcome:
    case: str
    outcome: str            # 'passed', 'failed', 'skipped'
    message: str = ""


@dataclass(frozen=True)
class Report:
    """What `run_conformance` found, one Outcome per case."""

    backend: str
    outcomes: tuple[Outcome, ...]

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.outcome == "failed"]

    def __str__(self) -> str:
        counts = {k: sum(o.outcome == k for o in self.outcomes) for k in ("passed", "failed", "skipped")}
        lines = [f"conformance of {self.backend!r}: {counts['passed']} passed, {counts['failed']} failed, "
                 f"{counts['skipped']} skipped"]
        lines += [f"  FAILED {o.case}: {o.message}" for o in self.failed]
        return "\n".join(lines)


def conformance_cases() -> dict[str, Callable[[str], None]]:
    """{case name: check(backend)} of the whole suite."""
    out: dict[str, Callable[[str], None]] = {}
    for name, build in OPTIMAL.items():
        out[name] = lambda be, build=build: check_optimal(build(), be)
    for name, build in INFEASIBLE.items():
        out[name] = lambda be, build=build: check_infeasible(build(), be)
    for name, build in UNBOUNDED.items():
        out[name] = lambda be, build=build: check_unbounded(build(), be)
    out["time_limit_with_incumbent"] = check_time_limit
    return out


def run_conformance(backend: str, include: Iterable[str] | None = None, exclude: Iterable[str] = (),
                    lies: bool = True) -> Report:
    """Run the suite on the registered backend `backend`; `include` / `exclude`: case names
    (see `conformance_cases()`); `lies`: also check that answers of `backend` distorted by the
    lying-backend script are caught (`optlib.testing.lying.LIES`, with `backend` as the honest
    solver where it accepts the case)."""
    be = get_backend(backend)
    if not be.available():
        raise ValueError(f"backend {backend!r} is not installed")
    cases = conformance_cases()
    names = list(cases) if include is None else list(include)
    unknown = [n for n in names if n not in cases]
    if unknown:
        raise ValueError(f"unknown conformance case(s) {unknown}; known: {', '.join(cases)}")
    outcomes = []
    for name in names:
        if name in set(exclude):
            continue
        outcomes.append(_run(name, lambda: cases[name](backend)))
    if lies:
        from .lying import LIES, Lie, check_not_fooled, run_lie
        from ..backend import register_backend, unregister_backend

        for lie in LIES:
            if not be.accepts(lie.build().compile()):
                outcomes.append(Outcome("lie: " + lie.name, "skipped", f"{backend} does not take this class"))
                continue
            mine = Lie(lie.name, lie.build, backend, lie.distort, lie.allowed)

            def one(mine=mine):
                names = []

                def register(name, liar):
                    register_backend(name, lambda: liar, replace=True)
                    names.append(name)
                try:
                    res, truth, model = run_lie(mine, register)
                finally:
                    for n in names:
                        unregister_backend(n)
                if truth.status is not Status.OPTIMAL and truth.status is not Status.INFEASIBLE:
                    raise Skip(f"{backend} does not solve the honest case ({truth.status.name})")
                check_not_fooled(mine, res, truth, model)
            outcomes.append(_run("lie: " + lie.name, one))
    return Report(backend, tuple(outcomes))


def _run(name: str, fn: Callable[[], None]) -> Outcome:
    try:
        fn()
    except Skip as exc:
        return Outcome(name, "skipped", str(exc))
    except AssertionError as exc:
        return Outcome(name, "failed", str(exc) or "assertion failed")
    return Outcome(name, "passed")
