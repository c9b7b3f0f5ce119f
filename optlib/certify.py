"""Re-check a backend's answer instead of trusting it.

For the compiled problem  min c'x + c0  s.t.  b - A x in K,  lb <= x <= ub  (x_I integer):

- primal: the row/cone violation of s = b - A x (eigenvalues for PSD blocks), the
  bound and integrality violations of x, and the objective recomputed as c'x + c0; for
  MIPs the rows are checked again with the integer entries rounded (the point a user
  decodes), which catches big-M rows satisfied only through an integrality slip;
- dual (continuous problems): z is projected onto K*, and weak duality gives the bound
      c'x >= -b'z + sum_j min_{lb_j <= x_j <= ub_j} r_j x_j,   r = c + A'z,
  which is exact (valid for any z in K*) wherever the box is finite; on free directions
  |r_j| is the dual residual and must be within tolerance;
- MIP: the solver's dual bound is taken as reported and checked to lie on the right
  side of the incumbent;
- infeasibility: a ray z in K* with -b'z + min_box (A'z)'x > 0 proves no x exists;
- unboundedness: a feasible point and a ray d with c'd < 0, -A d in K and d in the
  recession cone of the box.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .cones import min_eig_svec, project_psd_svec, project_soc, smat
from .result import Certificate
from .standard_form import ConeDims, RawResult, StandardForm
from .status import Status


@dataclass(frozen=True)
class Tolerances:
    """Tolerances of the checks, relative to the scale of the data.

    feasibility: row/cone violation <= feasibility * (1 + ||b||_inf), bound violation
    <= feasibility * (1 + ||x||_inf); integrality: |x_j - round(x_j)| <= integrality;
    dual: dual residual <= dual * (1 + ||c||_inf); gap: an OPTIMAL continuous solve must
    have |objective - bound| <= gap * (1 + |objective|).
    """

    feasibility: float = 1e-6
    integrality: float = 1e-5
    dual: float = 1e-6
    gap: float = 1e-5

    def as_dict(self) -> dict[str, float]:
        return {"feasibility": self.feasibility, "integrality": self.integrality,
                "dual": self.dual, "gap": self.gap}


def row_violations(cones: ConeDims, s: np.ndarray) -> np.ndarray:
    """Violation of s in K for each row: |s| on zero rows, max(0, -s) on nonneg rows; a SOC
    block's max(0, ||x|| - t) and a PSD block's max(0, -lambda_min) sit on the block's
    first row (its other rows get 0)."""
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
    return v


def project_dual_cone(sf: StandardForm, z: np.ndarray) -> np.ndarray:
    """Projection of z onto K* (zero cone: free; the other cones are self-dual)."""
    zp = np.array(z, dtype=float, copy=True)
    for kind, start, size, dim in sf.cones.blocks():
        sl = slice(start, start + size)
        if kind == "nonneg":
            zp[sl] = np.maximum(zp[sl], 0.0)
        elif kind == "soc":
            zp[sl] = project_soc(zp[sl])
        elif kind == "psd":
            zp[sl] = project_psd_svec(zp[sl])
    return zp


def box_minimum(r: np.ndarray, lb: np.ndarray, ub: np.ndarray, free_tol: float) -> tuple[float, float]:
    """(min_{lb<=x<=ub} r'x ignoring |r_j| <= free_tol on unbounded sides, worst such |r_j|).

    Returns -inf as the minimum when some |r_j| > free_tol points to an infinite bound."""
    pos, neg = r > 0, r < 0
    need_lb_inf = pos & ~np.isfinite(lb)
    need_ub_inf = neg & ~np.isfinite(ub)
    unbounded = need_lb_inf | need_ub_inf
    resid = float(np.max(np.abs(r[unbounded]))) if np.any(unbounded) else 0.0
    if resid > free_tol:
        return -math.inf, resid
    fin_lo = pos & ~need_lb_inf
    fin_hi = neg & ~need_ub_inf
    total = float(np.dot(r[fin_lo], lb[fin_lo]) + np.dot(r[fin_hi], ub[fin_hi]))
    return total, resid


def dual_bound(sf: StandardForm, z: np.ndarray, free_tol: float) -> tuple[float, float, float]:
    """(bound, dual cone residual, free-direction residual) for duals z (minimisation sense)."""
    zp = project_dual_cone(sf, z)
    cone_res = float(np.max(np.abs(zp - z))) if z.size else 0.0
    r = sf.c + sf.A.T @ zp
    boxmin, free_res = box_minimum(r, sf.lb, sf.ub, free_tol)
    return -float(sf.b @ zp) + boxmin + sf.offset, cone_res, free_res


def _user(sf: StandardForm, v: float | None) -> float | None:
    return None if v is None else sf.sense * v


def _violated_blocks(sf: StandardForm, viol: np.ndarray, limit: float) -> list[str]:
    """Names of the row blocks with a violation above `limit`."""
    return [rb.name for rb in sf.row_blocks if viol[rb.start:rb.start + rb.size].max(initial=0.0) > limit]


def primal_checks(sf: StandardForm, x: np.ndarray, tol: Tolerances, checks: dict[str, bool],
                  violated: list[str]) -> dict[str, float]:
    """Row/cone, bound and integrality residuals of x; fills `checks` and `violated`."""
    out: dict[str, float] = {}
    s = sf.b - sf.A @ x
    viol = row_violations(sf.cones, s)
    bscale = 1.0 + (float(np.max(np.abs(sf.b))) if sf.m else 0.0)
    out["primal_residual"] = (float(viol.max()) / bscale + 0.0) if sf.m else 0.0
    checks["primal_feasible"] = out["primal_residual"] <= tol.feasibility
    violated.extend(_violated_blocks(sf, viol, tol.feasibility * bscale))
    xscale = 1.0 + float(np.max(np.abs(x), initial=0.0))
    bviol = np.maximum(sf.lb - x, x - sf.ub)
    out["bound_residual"] = float(max(0.0, bviol.max(initial=0.0)))
    checks["bounds"] = out["bound_residual"] <= tol.feasibility * xscale
    for j in np.flatnonzero(bviol > tol.feasibility * xscale)[:10]:
        violated.append(sf.var_names[j] if sf.var_names else f"x[{j}]")
    if sf.has_integers:
        xi = x[sf.integer]
        out["integrality_residual"] = float(np.max(np.abs(xi - np.round(xi)), initial=0.0))
        checks["integrality"] = out["integrality_residual"] <= tol.integrality
        if checks["integrality"] and sf.m and out["integrality_residual"] > 0:
            # the point a user decodes has integer entries: with big-M rows a 1e-7 slip inside
            # the solver's integrality tolerance can hide a violation of M * 1e-7
            xr = x.copy()
            xr[sf.integer] = np.round(xi)
            rviol = row_violations(sf.cones, sf.b - sf.A @ xr)
            out["rounded_residual"] = float(rviol.max()) / bscale
            checks["rounded_feasible"] = out["rounded_residual"] <= tol.feasibility
            if not checks["rounded_feasible"]:
                violated.extend(f"{name} (integers rounded)"
                                for name in _violated_blocks(sf, rviol, tol.feasibility * bscale))
    return out


def certify(sf: StandardForm, raw: RawResult, tol: Tolerances | None = None) -> Certificate:
    """Check `raw` against `sf`; see the module docstring for what is checked."""
    tol = tol or Tolerances()
    checks: dict[str, bool] = {}
    msgs: list[str] = []
    violated: list[str] = []
    out: dict[str, float | None] = {}
    obj = None

    if raw.x is not None and (raw.status.has_solution or raw.status is Status.UNBOUNDED):
        x = np.asarray(raw.x, dtype=float)
        out.update(primal_checks(sf, x, tol, checks, violated))
        if raw.status.has_solution:
            obj = float(sf.c @ x) + sf.offset
            if raw.objective is not None:
                out["objective_mismatch"] = abs(obj - raw.objective)
                if out["objective_mismatch"] > 1e-6 * (1.0 + abs(obj)):
                    msgs.append(f"solver objective {raw.objective:.10g} differs from recomputed {obj:.10g}")

    kind = "none"
    bound = None
    cscale = 1.0 + (float(np.max(np.abs(sf.c))) if sf.n else 0.0)
    if raw.status.has_solution:
        if sf.has_integers:
            kind = "mip"
            bound = raw.bound
            msgs.append("MIP dual bound as reported by the solver; its side is checked")
        elif raw.z is not None:
            kind = "conic-duality" if (sf.has_soc or sf.has_psd) else "lp-duality"
            bound, cone_res, free_res = dual_bound(sf, np.asarray(raw.z, dtype=float), tol.dual * cscale)
            out["dual_residual"] = max(cone_res, free_res) / cscale
            checks["dual_feasible"] = out["dual_residual"] <= tol.dual
            if not checks["dual_feasible"]:
                msgs.append("duals are not feasible to tolerance; the bound falls back to the solver's")
                bound = raw.bound
        else:
            kind = "primal"
            bound = raw.bound
            checks["dual_certificate"] = False
            msgs.append("backend returned no duals: the bound is the solver's and was not re-derived")
        if bound is not None and obj is not None and math.isfinite(bound):
            checks["bound_side"] = bound <= obj + tol.gap * (1.0 + abs(obj))
            if raw.status is Status.OPTIMAL and not sf.has_integers:
                checks["duality_gap"] = abs(obj - bound) <= tol.gap * (1.0 + abs(obj))
    elif raw.status is Status.INFEASIBLE:
        kind = "infeasibility"
        if raw.dual_ray is not None:
            y = np.asarray(raw.dual_ray, dtype=float)
            y = project_dual_cone(sf, y)
            scale = float(np.max(np.abs(y), initial=0.0))
            if scale > 0:
                y = y / scale
            r = sf.A.T @ y
            boxmin, free_res = box_minimum(r, sf.lb, sf.ub, tol.dual)
            margin = -float(sf.b @ y) + boxmin
            out["dual_residual"] = free_res
            checks["farkas_ray"] = scale > 0 and margin > tol.dual
        else:
            checks["farkas_ray"] = False
            msgs.append("infeasibility reported by the solver without a certificate")
    elif raw.status is Status.UNBOUNDED:
        kind = "unboundedness"
        if raw.primal_ray is not None:
            d = np.asarray(raw.primal_ray, dtype=float)
            scale = float(np.max(np.abs(d), initial=0.0))
            d = d / scale if scale > 0 else d
            sviol = row_violations(sf.cones, -(sf.A @ d)).max(initial=0.0)
            rec = max(float(np.max(-d[np.isfinite(sf.lb)], initial=0.0)),
                      float(np.max(d[np.isfinite(sf.ub)], initial=0.0)))
            ray_residual = max(float(sviol), rec)
            checks["primal_ray"] = (scale > 0 and float(sf.c @ d) < -tol.dual
                                    and ray_residual <= tol.feasibility)
            if raw.x is None:
                checks["feasible_point"] = False
                msgs.append("no feasible point given: a ray alone does not prove unboundedness")
            if sf.has_integers:
                msgs.append("ray checked on the continuous relaxation")
        else:
            checks["primal_ray"] = False
            msgs.append("unboundedness reported by the solver without a certificate")
    else:
        msgs.append(f"nothing to certify for status {raw.status.name}")

    verified = bool(checks) and all(checks.values())
    return Certificate(
        kind=kind, verified=verified,
        primal_residual=_f(out.get("primal_residual")), bound_residual=_f(out.get("bound_residual")),
        integrality_residual=_f(out.get("integrality_residual")), dual_residual=_f(out.get("dual_residual")),
        objective_mismatch=_f(out.get("objective_mismatch")),
        bound=_user(sf, bound) if bound is not None else None,
        solver_bound=_user(sf, raw.bound),
        tolerance=tol.as_dict(), checks=checks, messages=tuple(msgs), violated=tuple(violated),
    )


def _f(v: float | None) -> float:
    return math.nan if v is None else float(v)


def dual_values(sf: StandardForm, z: np.ndarray) -> dict[str, np.ndarray | float]:
    """Duals per user constraint: arrays of the constraint's shape, smat(z) for PSD blocks."""
    duals: dict[str, np.ndarray | float] = {}
    for rb in sf.row_blocks:
        zb = np.asarray(z[rb.start:rb.start + rb.size], dtype=float)
        if rb.cone == "psd":
            duals[rb.name] = smat(zb)
        elif rb.cone == "soc":
            duals[rb.name] = zb
        elif rb.shape == ():
            duals[rb.name] = float(zb[0])
        else:
            duals[rb.name] = zb.reshape(rb.shape)
    return duals
