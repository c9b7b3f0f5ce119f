"""A backend that lies on purpose, and the lies every certificate must catch.

In the spirit of MathOptInterface's `Utilities.MockOptimizer`: `LyingBackend` solves a problem
honestly on a real backend, then hands back a scripted distortion of that answer (a wrong
point, wrong duals, flipped signs, a bound on the wrong side, a fake ray, a too-large MIP gap
marked optimal, ...). `LIES` lists the cases, one per problem class and kind of lie, each with
what optlib must report instead of the lie. `check_not_fooled` asserts the contract that holds
for every case: whatever the backend says,

- the reported bound lies on the right side of the true optimum (up to rounding),
- a reported OPTIMAL / FEASIBLE point passes an independent feasibility check, and OPTIMAL
  has an objective within the gap tolerance of the true optimum,
- INFEASIBLE / UNBOUNDED are reported only for problems that are.

Use it from a test: `run_lie(case)` registers the liar, solves, and returns (result, truth).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..backend import get_backend
from ..cones import smat, svec
from ..standard_form import RawResult, SolveParams, StandardForm
from ..status import Status


@dataclass(frozen=True)
class Truth:
    """The honest answer of a case: its status and optimum (minimisation form of the model)."""

    status: Status
    optimum: float | None           # user sense
    sense: int                      # +1 minimise, -1 maximise
    raw: RawResult                  # the honest raw answer the lie starts from


@dataclass(frozen=True)
class Lie:
    """One scripted lie: a model builder, the honest backend, the distortion, and the statuses
    optlib may report for it."""

    name: str
    build: Callable[[], object]                                # () -> optlib.Model
    honest: str                                                # backend that gives the truth
    distort: Callable[[StandardForm, RawResult], RawResult]
    allowed: tuple[Status, ...]                                # statuses optlib may report


class LyingBackend:
    """Duck-typed backend: the honest answer of `honest`, distorted by `distort`."""

    package = "optlib"
    module = "optlib"

    def __init__(self, name: str, honest, distort: Callable[[StandardForm, RawResult], RawResult]):
        self.name = name
        self.honest = honest
        self.distort = distort
        self.capabilities = honest.capabilities

    def available(self) -> bool:
        return True

    def version(self) -> str:
        return "lying"

    def check(self, sf: StandardForm) -> None:
        self.honest.check(sf)

    def accepts(self, sf: StandardForm) -> bool:
        return self.honest.accepts(sf)

    def refined_params(self, sf, params, raw, round_):
        return None

    def solve(self, sf: StandardForm, params: SolveParams) -> RawResult:
        raw = self.honest.solve(sf, params)
        out = self.distort(sf, dataclasses.replace(raw))
        out.solver = self.name
        return out


# -- the problems --------------------------------------------------------------------------------
def lp():
    """min x0 + 2 x1 - x2 + w  s.t. x0 + x1 + x2 == 4, x0 - x2 <= 1, x1 + w >= 1, w <= 2,
    0 <= x <= 3, w free (a free column, an equality and both kinds of inequality rows)."""
    import optlib

    m = optlib.Model("lying_lp")
    x = m.continuous(3, lb=0, ub=3, name="x")
    w = m.continuous(name="w")
    m.add(x.sum() == 4, name="total")
    m.add(x[0] - x[2] <= 1, name="spread")
    m.add(x[1] + w >= 1, name="cover")
    m.add(w <= 2, name="cap")
    m.minimize(x[0] + 2 * x[1] - x[2] + w)
    return m


def lp_large_free():
    """min w  s.t. w + x >= 1e5, 0 <= x <= 1, w free: optimum 99999 at w = 99999, x = 1, with
    dual 1 on the row; a free column whose value is large, so a reduced cost of 5e-7 left on it
    moves a bound that ignores it by 0.05."""
    import optlib

    m = optlib.Model("lying_large_free")
    x = m.continuous(lb=0, ub=1, name="x")
    w = m.continuous(name="w")
    m.add(w + x >= 1e5, name="cover")
    m.minimize(w)
    return m


def milp():
    """A small knapsack-like MILP (maximisation) with a unique optimum."""
    import optlib

    m = optlib.Model("lying_milp")
    n = m.integer(3, lb=0, ub=5, name="n")
    m.add(np.array([3.0, 4.0, 5.0]) @ n <= 17, name="capacity")
    m.add(n[0] + n[1] <= 4, name="pair")
    m.maximize(np.array([4.0, 5.0, 7.0]) @ n)
    return m


def socp():
    """min t + y0  s.t. ||(y0 - 1, y1 + 2)|| <= t, y0 + y1 == 1, y free."""
    import optlib

    m = optlib.Model("lying_socp")
    y = m.continuous(2, name="y")
    t = m.continuous(name="t")
    m.add(optlib.norm2(optlib.hstack([y[0] - 1, y[1] + 2])) <= t, name="cone")
    m.add(y[0] + y[1] == 1, name="line")
    m.minimize(t + y[0])
    return m


def sdp():
    """max-cut relaxation of a 4-cycle with a chord: max trace(L X) / 4, diag X = 1, X PSD."""
    import optlib

    L = np.array([[2.0, -1, 0, -1], [-1, 3, -1, -1], [0, -1, 2, -1], [-1, -1, -1, 3]])
    m = optlib.Model("lying_sdp")
    X = m.symmetric(4, psd=True, name="X")
    m.add(optlib.diag(X) == 1, name="unit")
    m.maximize(optlib.trace(L @ X) / 4.0)
    return m


def infeasible_lp():
    import optlib

    m = optlib.Model("lying_infeasible")
    x = m.continuous(2, lb=0, name="x")
    m.add(x.sum() <= 1, name="small")
    m.add(x[0] - x[1] >= 3, name="big")
    m.minimize(x.sum())
    return m


# -- the distortions -------------------------------------------------------------------------------
def _shift_point(amount: float):
    def f(sf: StandardForm, raw: RawResult) -> RawResult:
        raw.x = np.asarray(raw.x, dtype=float) + amount
        raw.objective = float(sf.c @ raw.x) + sf.offset
        return raw
    return f


def _scale_duals(factor: float):
    def f(sf: StandardForm, raw: RawResult) -> RawResult:
        raw.z = np.asarray(raw.z, dtype=float) * factor
        raw.bound = None if raw.bound is None else raw.bound + abs(raw.bound) * 0.5 + 1.0
        return raw
    return f


def _flip_duals(sf: StandardForm, raw: RawResult) -> RawResult:
    raw.z = -np.asarray(raw.z, dtype=float)
    return raw


def _nudge_free_column(sf: StandardForm, raw: RawResult) -> RawResult:
    """Duals raised by 5e-7: a reduced cost of -5e-7 appears on the free column, which a
    certifier that drops small terms on unbounded sides would ignore (its bound then exceeds
    the optimum by 5e-7 times the column's value)."""
    raw.z = np.asarray(raw.z, dtype=float) + 5e-7
    return raw


def _optimistic_duals(sf: StandardForm, raw: RawResult) -> RawResult:
    """Duals that would give a bound 1.0 above the optimum if trusted: b'z lowered."""
    z = np.asarray(raw.z, dtype=float).copy()
    i = int(np.argmax(np.abs(sf.b)))
    z[i] -= 1.0 / sf.b[i]
    raw.z = z
    raw.bound = (raw.bound or 0.0) + 1.0
    return raw


def _nan_point(sf: StandardForm, raw: RawResult) -> RawResult:
    raw.x = np.full(sf.n, np.nan)
    return raw


def _misreport_objective(sf: StandardForm, raw: RawResult) -> RawResult:
    raw.objective = (raw.objective or 0.0) - 10.0
    raw.bound = raw.objective
    return raw


def _fake_infeasible_ray(sf: StandardForm, raw: RawResult) -> RawResult:
    rng = np.random.default_rng(0)
    return RawResult(status=Status.INFEASIBLE, dual_ray=rng.normal(size=sf.m))


def _fake_infeasible_no_ray(sf: StandardForm, raw: RawResult) -> RawResult:
    return RawResult(status=Status.INFEASIBLE)


def _fake_unbounded(sf: StandardForm, raw: RawResult) -> RawResult:
    d = np.zeros(sf.n)
    d[0] = -1.0
    return RawResult(status=Status.UNBOUNDED, x=raw.x, primal_ray=d)


def _claim_optimal_when_infeasible(sf: StandardForm, raw: RawResult) -> RawResult:
    x = np.zeros(sf.n)
    return RawResult(status=Status.OPTIMAL, x=x, objective=float(sf.c @ x) + sf.offset,
                     bound=float(sf.c @ x) + sf.offset, z=np.zeros(sf.m))


def _mip_bound_wrong_side(sf: StandardForm, raw: RawResult) -> RawResult:
    raw.bound = float(raw.objective) + 10.0   # minimisation form: a "lower" bound above the incumbent
    return raw


def _mip_gap_too_large(sf: StandardForm, raw: RawResult) -> RawResult:
    raw.bound = float(raw.objective) - 0.5 * abs(float(raw.objective)) - 1.0
    return raw


def _mip_suboptimal_marked_optimal(sf: StandardForm, raw: RawResult) -> RawResult:
    raw.x = np.zeros(sf.n)                    # feasible (all zero), far from the optimum
    raw.objective = float(sf.c @ raw.x) + sf.offset
    return raw


def _fractional(sf: StandardForm, raw: RawResult) -> RawResult:
    raw.x = np.asarray(raw.x, dtype=float) + 0.3 * np.asarray(sf.integer, dtype=float)
    raw.objective = float(sf.c @ raw.x) + sf.offset
    return raw


def _cone_point_outside(sf: StandardForm, raw: RawResult) -> RawResult:
    x = np.asarray(raw.x, dtype=float).copy()
    x[-1] -= 0.1                               # t (the SOCP's last column) too small for the cone
    raw.x = x
    raw.objective = float(sf.c @ x) + sf.offset
    return raw


def _socp_dual_outside_cone(sf: StandardForm, raw: RawResult) -> RawResult:
    z = np.asarray(raw.z, dtype=float).copy()
    start = sf.cones.zero + sf.cones.nonneg
    z[start] *= 0.5                            # the cone dual's t halved: outside the dual cone
    raw.z = z
    raw.bound = (raw.bound or 0.0) + 1.0
    return raw


def _psd_point_indefinite(sf: StandardForm, raw: RawResult) -> RawResult:
    x = np.asarray(raw.x, dtype=float).copy()
    X = smat(x[:10])
    X[0, 1] = X[1, 0] = X[0, 1] + 1.5          # off-diagonal past the 2x2 minor's limit
    x[:10] = svec(X)
    raw.x = x
    raw.objective = float(sf.c @ x) + sf.offset
    return raw


def _psd_dual_indefinite(sf: StandardForm, raw: RawResult) -> RawResult:
    z = np.asarray(raw.z, dtype=float).copy()
    start = sf.cones.zero + sf.cones.nonneg
    Z = smat(z[start:start + 10]) - 0.5 * np.eye(4)
    z[start:start + 10] = svec(Z)
    raw.z = z
    raw.bound = (raw.bound or 0.0) - 2.0
    return raw


_NOT_OPT = (Status.UNVERIFIED, Status.FEASIBLE)
LIES: tuple[Lie, ...] = (
    Lie("lp: point off a row", lp, "highs", _shift_point(0.01), (Status.UNVERIFIED,)),
    Lie("lp: NaN point", lp, "highs", _nan_point, (Status.UNVERIFIED,)),
    Lie("lp: duals scaled", lp, "highs", _scale_duals(1.5), _NOT_OPT),
    Lie("lp: duals with flipped signs", lp, "highs", _flip_duals, _NOT_OPT),
    Lie("lp: small reduced cost on a free column", lp_large_free, "highs", _nudge_free_column,
        (Status.OPTIMAL, Status.FEASIBLE)),
    Lie("lp: duals that overstate the bound", lp, "highs", _optimistic_duals, (Status.OPTIMAL, Status.FEASIBLE)),
    Lie("lp: objective misreported", lp, "highs", _misreport_objective, (Status.OPTIMAL,)),
    Lie("lp: fake infeasibility ray", lp, "highs", _fake_infeasible_ray, (Status.UNVERIFIED,)),
    Lie("lp: infeasible without a ray", lp, "highs", _fake_infeasible_no_ray, (Status.UNVERIFIED,)),
    Lie("lp: fake unboundedness ray", lp, "highs", _fake_unbounded, (Status.UNVERIFIED,)),
    Lie("lp: optimal claimed for an infeasible problem", infeasible_lp, "highs",
        _claim_optimal_when_infeasible, (Status.UNVERIFIED,)),
    Lie("milp: bound on the wrong side", milp, "highs", _mip_bound_wrong_side, (Status.FEASIBLE,)),
    Lie("milp: gap too large marked optimal", milp, "highs", _mip_gap_too_large, (Status.FEASIBLE,)),
    Lie("milp: suboptimal point marked optimal", milp, "highs", _mip_suboptimal_marked_optimal,
        (Status.FEASIBLE,)),
    Lie("milp: fractional point", milp, "highs", _fractional, (Status.UNVERIFIED,)),
    Lie("milp: infeasible without a ray", milp, "highs", _fake_infeasible_no_ray, (Status.UNVERIFIED,)),
    Lie("socp: point outside the cone", socp, "clarabel", _cone_point_outside, (Status.UNVERIFIED,)),
    Lie("socp: dual outside the dual cone", socp, "clarabel", _socp_dual_outside_cone, _NOT_OPT + (Status.OPTIMAL,)),
    Lie("socp: duals with flipped signs", socp, "clarabel", _flip_duals, _NOT_OPT),
    Lie("socp: fake infeasibility ray", socp, "clarabel", _fake_infeasible_ray, (Status.UNVERIFIED,)),
    Lie("sdp: indefinite point", sdp, "clarabel", _psd_point_indefinite, (Status.UNVERIFIED,)),
    Lie("sdp: indefinite dual", sdp, "clarabel", _psd_dual_indefinite, (Status.OPTIMAL, Status.FEASIBLE)),
    Lie("sdp: duals with flipped signs", sdp, "clarabel", _flip_duals, _NOT_OPT),
)


# -- running and judging ----------------------------------------------------------------------------
def truth_of(lie: Lie) -> Truth:
    """The honest answer, from the honest backend, through optlib (so it is certified too)."""
    model = lie.build()
    res = model.solve(backend=lie.honest)
    raw = get_backend(lie.honest).solve(model.compile(), SolveParams())
    sense = 1 if res.sense == "minimize" else -1
    return Truth(res.status, res.objective, sense, raw)


def independent_violation(model, x: np.ndarray) -> float:
    """The largest violation of any constraint or bound of `model` at x, relative to 1 + the
    magnitudes involved, computed from the model's own expressions (not optlib.primal_check)."""
    from ..constraints import LinearConstraint, PSDConstraint, SOCConstraint

    sf = model.compile()
    worst = float(np.max(np.maximum(sf.lb - x, x - sf.ub) / (1.0 + np.abs(x)), initial=0.0))
    flat: dict = {}
    start = 0
    for blk in model._blocks:
        flat[blk] = x[start:start + blk.size]
        start += blk.size
    for con in model.constraints.values():
        if isinstance(con, LinearConstraint):
            v = np.asarray(con.expr.evaluate(flat), dtype=float).ravel()
            worst = max(worst, float(np.max(np.abs(v) if con.sense == "==" else np.maximum(v, 0.0),
                                            initial=0.0)) / (1.0 + float(np.max(np.abs(v), initial=0.0))))
        elif isinstance(con, SOCConstraint):
            t = float(np.asarray(con.t.evaluate(flat)).ravel()[0])
            v = np.asarray(con.x.evaluate(flat), dtype=float).ravel()
            worst = max(worst, max(0.0, float(np.linalg.norm(v)) - t) / (1.0 + abs(t)))
        elif isinstance(con, PSDConstraint):
            M = np.asarray(con.expr.evaluate(flat), dtype=float)
            lam = float(np.linalg.eigvalsh((M + M.T) / 2.0)[0])
            worst = max(worst, max(0.0, -lam) / (1.0 + float(np.max(np.abs(M)))))
    return worst


def run_lie(lie: Lie, register: Callable[[str, object], None]):
    """Register the liar with `register(name, backend)`, solve the case on it; return
    (result, truth, model)."""
    truth = truth_of(lie)
    name = "liar:" + lie.name
    register(name, LyingBackend(name, get_backend(lie.honest), lie.distort))
    model = lie.build()
    return model.solve(backend=name), truth, model


def check_not_fooled(lie: Lie, res, truth: Truth, model) -> None:
    """Assert the contract of the module doc for one lie, and that the status is allowed."""
    assert res.status in lie.allowed, (lie.name, res.status, res.message)
    tol = 1e-7 * (1.0 + abs(truth.optimum or 0.0))
    if truth.optimum is not None and math.isfinite(res.bound):
        if truth.sense > 0:
            assert res.bound <= truth.optimum + tol, (lie.name, "bound above the optimum", res.bound)
        else:
            assert res.bound >= truth.optimum - tol, (lie.name, "bound below the optimum", res.bound)
    if res.status in (Status.OPTIMAL, Status.FEASIBLE):
        assert res.x is not None and independent_violation(model, res.x) <= 1e-6, (lie.name, "infeasible point")
    if res.status is Status.OPTIMAL:
        assert res.certificate.verified, lie.name
        assert abs(res.objective - truth.optimum) <= 1e-4 * (1.0 + abs(truth.optimum)), \
            (lie.name, "OPTIMAL away from the optimum", res.objective, truth.optimum)
    if res.status is Status.INFEASIBLE:
        assert truth.status is Status.INFEASIBLE, lie.name
    if res.status is Status.UNBOUNDED:
        assert truth.status is Status.UNBOUNDED, lie.name
