"""Re-check a backend's answer instead of trusting it, and decide the status from the proof.

For the compiled problem  min 1/2 x'P x + c'x + c0  s.t.  b - A x in K,  lb <= x <= ub  (x_I
integer):

- the point (`optlib.primal_check`): every row, cone, variable bound and integer on its own
  scale, the objective recomputed as 1/2 x'P x + c'x + c0; violations named in the user's words;
- the bound, continuous problems (`optlib.dual_bound`): derived from the solver's duals moved
  into K*, with every reduced cost counted against its column's box, the duals polished from
  the solver's simplex basis (`RawResult.basis`) and then a least-squares repair for reduced
  costs that point to an unbounded side, and rounding accounted for; -inf when no
  finite bound can be derived. A quadratic objective is linearised at the solver's point
  (`optlib.dual_bound.qp_linearisation`: valid for P PSD, P's eigenvalues bounded first).
  The solver's own number is kept apart as `solver_bound`,
  unchecked;
- the bound, MIPs: the solver's dual bound, checked for its side of the incumbent (a branch
  and bound tree cannot be re-derived here), labelled 'mip';
- infeasibility: a ray z in K* with -b'z + min_box (A'z)'x > 0 (the dual bound of the
  zero-objective problem, with the same rigour) proves that no x exists;
- unboundedness: a feasible point and a ray d with c'd < 0, -A d in K, d in the recession cone
  of the box (and P d = 0 for a quadratic objective).

`status_from_checks` turns the solver's claim and these checks into the reported status:
OPTIMAL only when the point passes, the certified bound is finite and the gap is within the
tolerance; FEASIBLE when the point passes but the bound is not close; UNVERIFIED when the
solver claims a point, infeasibility or unboundedness that optlib could not confirm.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .cones import smat
from .dual_bound import dual_bound
from .primal_check import check_point
from .result import Certificate, relative_gap
from .standard_form import ConeDims, RawResult, StandardForm
from .status import Status
from .cones import exp_violation, min_eig_svec

#: relative and absolute gap within which a verified point and bound make a solve OPTIMAL
DEFAULT_GAP = {"continuous": 1e-6, "mip": 1e-4}
DEFAULT_ABS_GAP = {"continuous": 1e-9, "mip": 1e-6}


@dataclass(frozen=True)
class Tolerances:
    """Tolerances of the checks.

    feasibility: each row, cone and variable bound, relative to its own scale (see
    `optlib.primal_check`); integrality: |x_j - round(x_j)|, absolute; gap: the relative gap
    |objective - bound| / max(|objective|, 1e-10) within which a verified solve is OPTIMAL
    (None: the solve's `rel_gap`, else 1e-6 for continuous problems and 1e-4 for MIPs);
    abs_gap: the same as an absolute difference (None: 1e-9 continuous, 1e-6 MIP).
    """

    feasibility: float = 1e-6
    integrality: float = 1e-5
    gap: float | None = None
    abs_gap: float | None = None

    def gaps(self, sf: StandardForm, requested: float | None = None) -> tuple[float, float]:
        """(relative, absolute) gap tolerances for `sf` (a MIP or not)."""
        key = "mip" if sf.has_integers else "continuous"
        rel = self.gap if self.gap is not None else (requested if requested is not None else DEFAULT_GAP[key])
        return float(rel), float(self.abs_gap if self.abs_gap is not None else DEFAULT_ABS_GAP[key])

    def as_dict(self) -> dict[str, float | None]:
        return {"feasibility": self.feasibility, "integrality": self.integrality,
                "gap": self.gap, "abs_gap": self.abs_gap}


def row_violations(cones: ConeDims, s: np.ndarray) -> np.ndarray:
    """Violation of s in K for each row: |s| on zero rows, max(0, -s) on nonneg rows; a SOC
    block's max(0, ||x|| - t) and a PSD block's max(0, -lambda_min) sit on the block's
    first row (its other rows get 0), as does an exponential cone block's (`exp_violation`).
    Unscaled; used by the adapters' quick checks."""
    s = np.asarray(s, dtype=float)
    v = np.zeros(s.size)
    z, l = cones.zero, cones.nonneg
    v[:z] = np.abs(s[:z])
    v[z:z + l] = np.maximum(0.0, -s[z:z + l])
    soc = np.asarray(cones.soc, dtype=np.int64)
    if soc.size:
        starts = z + l + np.concatenate(([0], np.cumsum(soc)[:-1]))
        for q in np.unique(soc):          # one vectorised pass per distinct cone size
            first = starts[soc == q]
            blk = s[first[:, None] + np.arange(q)[None, :]]
            v[first] = np.maximum(0.0, np.linalg.norm(blk[:, 1:], axis=1) - blk[:, 0])
    for kind, start, size, _ in cones.blocks():
        if kind == "psd":
            v[start] = max(0.0, -min_eig_svec(s[start:start + size]))
    if cones.exp:
        first = cones.rows - 3 * cones.exp + 3 * np.arange(cones.exp)
        v[first] = exp_violation(s[first], s[first + 1], s[first + 2])
    return v


def _finite(v: float | None) -> bool:
    return v is not None and math.isfinite(v)


class _Checks:
    """Accumulates named checks, notes and violations for one certificate."""

    def __init__(self) -> None:
        self.checks: dict[str, bool] = {}
        self.notes: list[str] = []
        self.violations: list[str] = []
        self.values: dict[str, float] = {}


def _point(sf: StandardForm, x: np.ndarray, tol: Tolerances, acc: _Checks, absA=None) -> bool:
    pc = check_point(sf, x, tol.feasibility, tol.integrality, absA)
    acc.values.update(primal_residual=pc.row_residual, bound_residual=pc.bound_residual,
                      integrality_residual=pc.integrality_residual)
    acc.checks["primal_feasible"] = pc.finite and pc.row_residual <= tol.feasibility
    acc.checks["variable_bounds"] = pc.finite and pc.bound_residual <= tol.feasibility
    if sf.has_integers and pc.finite:
        acc.checks["integrality"] = pc.integrality_residual <= tol.integrality
        if not math.isnan(pc.rounded_residual):
            acc.checks["rounded_feasible"] = pc.rounded_residual <= tol.feasibility
    acc.violations.extend(str(v) for v in pc.violations)
    logic_ok = True
    if sf.has_logic and pc.finite:     # the logical constraints themselves, never the rows they became
        from .logic_check import check_logic

        bad = check_logic(sf, x, tol.feasibility)
        acc.checks["logic"] = logic_ok = not bad
        acc.violations.extend(str(v) for v in bad)
    return pc.passed and logic_ok


#: the objective level set a certificate may use (optlib.dual_bound's cutoff) ends this far
#: (relative) above the objective of the point that passed the primal check: the optimum lies
#: in it unless that point, feasible to the check's tolerance, is better than the optimum by more
CUTOFF_MARGIN = 1e-3


def _continuous_bound(sf: StandardForm, raw: RawResult, acc: _Checks, deadline=None,
                      cutoff: float | None = None, absA=None) -> float:
    """The certified bound of a continuous problem (minimisation form), -inf when none."""
    if raw.z is None:
        acc.notes.append("backend returned no duals: no certified bound")
        return -math.inf
    xhat = None if raw.x is None else np.asarray(raw.x, dtype=float)
    db = dual_bound(sf, np.asarray(raw.z, dtype=float), deadline=deadline, xhat=xhat, cutoff=cutoff,
                    basis=getattr(raw, "basis", None), absA=absA)
    acc.values["dual_residual"] = db.cone_shift
    if db.message:
        acc.notes.append(db.message)
    return db.value


def _gap_ok(obj: float, bound: float, rel: float, abs_: float) -> bool:
    diff = abs(obj - bound)
    return diff <= abs_ or relative_gap(obj, bound) <= rel


def certify(sf: StandardForm, raw: RawResult, tol: Tolerances | None = None,
            rel_gap: float | None = None, deadline=None) -> Certificate:
    """Check `raw` against `sf`; see the module docstring for what is checked. `rel_gap` is
    the gap the solve asked for (it sets the OPTIMAL tolerance unless `tol.gap` is given);
    `deadline` (optlib.Deadline) stops the dual repair (the bound is then -inf if one was needed)."""
    tol = tol or Tolerances()
    rel, abs_ = tol.gaps(sf, rel_gap)
    acc = _Checks()
    kind = "none"
    bound: float | None = None
    obj = None
    x = None if raw.x is None else np.asarray(raw.x, dtype=float)
    point_ok = False

    absA = None
    if raw.status.has_solution:
        if x is None:
            acc.checks["point"] = False
            acc.notes.append("the solver claims a solution but returned no point")
        else:
            absA = abs(sf.A)                  # the point check and the bound both scale by it
            point_ok = _point(sf, x, tol, acc, absA)
            if x.shape == (sf.n,):
                obj = sf.objective_value(x)
                if raw.objective is not None and math.isfinite(obj):
                    mismatch = abs(obj - raw.objective)
                    acc.values["objective_mismatch"] = mismatch
                    if not mismatch <= 1e-6 * (1.0 + abs(obj)):
                        acc.notes.append(f"solver objective {raw.objective:.10g} differs from the "
                                         f"recomputed {obj:.10g}; the recomputed one is reported")
        if sf.has_integers:
            kind = "mip"
            bound = raw.bound if _finite(raw.bound) else -math.inf
            acc.notes.append("MIP dual bound as reported by the solver; its side is checked")
        else:
            kind = "conic-duality" if (sf.has_soc or sf.has_psd or sf.has_exp or sf.has_quadratic) \
                else "lp-duality"
            cutoff = obj + CUTOFF_MARGIN * (1.0 + abs(obj)) if (point_ok and obj is not None
                                                                and math.isfinite(obj)) else None
            bound = _continuous_bound(sf, raw, acc, deadline, cutoff, absA)
        if obj is not None and point_ok:
            if _finite(bound) and bound > obj and sf.has_integers:
                # a solver's MIP bound beyond a feasible incumbent is wrong by at least the excess;
                # a derived bound above a point feasible to tolerance is fine (the point is
                # infeasible by a hair), so only the MIP bound is checked for its side
                if bound - obj <= max(abs_, rel * max(abs(obj), 1e-10)):
                    acc.notes.append(f"the solver's bound exceeds the incumbent by {bound - obj:.2g} "
                                     "(within the gap tolerance): taken as equal")
                    bound = obj
                else:
                    acc.checks["bound_side"] = False
                    acc.notes.append(f"the solver's bound {bound:.10g} lies beyond the incumbent "
                                     f"{obj:.10g}: it is not valid and is dropped")
                    bound = -math.inf
            acc.checks["gap"] = _finite(bound) and _gap_ok(obj, bound, rel, abs_)
    elif raw.status is Status.INFEASIBLE:
        kind = "infeasibility"
        acc.checks["farkas_ray"] = _farkas(sf, raw.dual_ray, acc, deadline)
    elif raw.status is Status.UNBOUNDED:
        kind = "unboundedness"
        acc.checks["primal_ray"] = _unbounded_ray(sf, raw.primal_ray, acc)
        if x is None:
            acc.checks["feasible_point"] = False
            acc.notes.append("no feasible point given: a ray alone does not prove unboundedness")
        else:
            acc.checks["feasible_point"] = _point(sf, x, tol, acc)
        if sf.has_integers:
            acc.notes.append("ray checked on the continuous relaxation")
    else:
        acc.notes.append(f"nothing to certify for status {raw.status.name}")

    status = status_from_checks(raw.status, acc.checks)
    verified = _verified(status, acc.checks)
    v = acc.values
    return Certificate(
        kind=kind, verified=verified,
        primal_residual=_f(v.get("primal_residual")), bound_residual=_f(v.get("bound_residual")),
        integrality_residual=_f(v.get("integrality_residual")), dual_residual=_f(v.get("dual_residual")),
        objective_mismatch=_f(v.get("objective_mismatch")),
        bound=sf.user_objective(bound),
        solver_bound=sf.user_objective(raw.bound),
        tolerance={**tol.as_dict(), "gap_used": rel, "abs_gap_used": abs_},
        checks=acc.checks, messages=tuple(acc.notes), violated=tuple(acc.violations),
    )


def _normalised_ray(ray: np.ndarray | None, size: int, what: str, acc: _Checks) -> np.ndarray | None:
    """The ray scaled to max-norm 1, or None (with a note) when it is missing, empty or not finite."""
    if ray is None:
        acc.notes.append(f"{what} reported by the solver without a certificate")
        return None
    v = np.asarray(ray, dtype=float)
    if v.shape != (size,) or not np.all(np.isfinite(v)) or not np.any(v):
        acc.notes.append(f"the {what} ray is empty or not finite")
        return None
    return v / float(np.max(np.abs(v)))


def _farkas(sf: StandardForm, ray: np.ndarray | None, acc: _Checks, deadline=None) -> bool:
    """A dual ray proves infeasibility: the zero-objective problem's dual bound is > 0."""
    y = _normalised_ray(ray, sf.m, "infeasibility", acc)
    if y is None:
        return False
    db = dual_bound(sf.replace(c=np.zeros(sf.n), offset=0.0, P=None), y, deadline=deadline)
    acc.values["dual_residual"] = db.cone_shift
    if db.value > 0:
        return True
    acc.notes.append("the infeasibility ray does not check out" +
                     (f" ({db.message})" if db.message else f" (margin {db.value:.3g} <= 0)"))
    return False


def _unbounded_ray(sf: StandardForm, ray: np.ndarray | None, acc: _Checks) -> bool:
    """c'd < 0, -A d in K and d in the recession cone of the box, to 1e-9 of its scale; with a
    quadratic objective also P d = 0 (for P PSD, the objective falls along d only then)."""
    d = _normalised_ray(ray, sf.n, "unboundedness", acc)
    if d is None:
        return False
    ad = sf.A @ d
    scale = 1.0 + abs(sf.A) @ np.abs(d)
    viol = row_violations(sf.cones, -ad)
    rec = max(float(np.max(-d[np.isfinite(sf.lb)], initial=0.0)),
              float(np.max(d[np.isfinite(sf.ub)], initial=0.0)))
    cd = float(sf.c @ d)
    ok = cd < -1e-9 * (1.0 + float(np.abs(sf.c) @ np.abs(d))) and float(np.max(viol / scale, initial=0.0)) <= 1e-9 \
        and rec <= 1e-12
    if ok and sf.has_quadratic:
        pd = sf.P @ d
        if not float(np.max(np.abs(pd) / (1.0 + abs(sf.P) @ np.abs(d)), initial=0.0)) <= 1e-9:
            acc.notes.append("the unboundedness ray has P d != 0: the quadratic objective grows along it")
            return False
    if not ok:
        acc.notes.append("the unboundedness ray does not check out")
    return ok


def status_from_checks(claim: Status, c: dict[str, bool]) -> Status:
    """The status optlib reports for the solver's claim and the checks made of it.

    OPTIMAL: the point passes, the certified bound is finite and the gap is within tolerance;
    FEASIBLE: the point passes, the bound is not close (or not certified); UNVERIFIED: the
    solver claimed a solution whose point fails the checks, or infeasibility / unboundedness
    without a checked ray. Other claims (limits, errors) are passed through.
    """
    if claim.has_solution:
        point = all(c.get(k, True) for k in ("point", "primal_feasible", "variable_bounds",
                                              "integrality", "rounded_feasible", "logic"))
        if not point:
            return Status.UNVERIFIED
        return Status.OPTIMAL if c.get("gap") else Status.FEASIBLE
    if claim is Status.INFEASIBLE:
        return Status.INFEASIBLE if c.get("farkas_ray") else Status.UNVERIFIED
    if claim is Status.UNBOUNDED:
        return Status.UNBOUNDED if (c.get("primal_ray") and c.get("feasible_point")) else Status.UNVERIFIED
    return claim


def _verified(status: Status, c: dict[str, bool]) -> bool:
    """Everything `status` asserts was re-derived: OPTIMAL every check; FEASIBLE the point
    (the bound it reports is certified or infinite, so a dropped solver bound or a wide gap
    does not count against it); INFEASIBLE / UNBOUNDED their rays."""
    if status is Status.OPTIMAL:
        return bool(c) and all(c.values())
    if status is Status.FEASIBLE:
        return all(v for k, v in c.items() if k not in ("gap", "bound_side"))
    if status in (Status.INFEASIBLE, Status.UNBOUNDED):
        return bool(c) and all(c.values())
    return False


def _f(v: float | None) -> float:
    return math.nan if v is None else float(v)


def dual_values(sf: StandardForm, z: np.ndarray) -> dict[str, np.ndarray | float]:
    """Duals per user constraint: arrays of the constraint's shape, smat(z) for PSD blocks
    (views into z, one indexing per single-row block: a file's thousands of rows)."""
    z = np.asarray(z, dtype=float)
    rows = z.reshape(-1, 1)                   # rows[i]: row i as a (1,) view
    duals: dict[str, np.ndarray | float] = {}
    for rb in sf.row_blocks:
        cone, start = rb.cone, rb.start
        if cone == "psd":
            duals[rb.name] = smat(z[start:start + rb.size])
        elif cone == "soc":
            duals[rb.name] = z[start:start + rb.size]
        elif cone == "exp":            # one (u, v, w) triple per entry
            duals[rb.name] = z[start:start + rb.size].reshape(tuple(rb.shape) + (3,))
        elif rb.shape == ():
            duals[rb.name] = float(z[start])
        elif rb.size == 1 and rb.shape == (1,):
            duals[rb.name] = rows[start]
        else:
            duals[rb.name] = z[start:start + rb.size].reshape(rb.shape)
    return duals
