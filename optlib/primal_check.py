"""Check a point against the compiled problem item by item, each on its own scale.

For  b - A x = s in K,  lb <= x <= ub,  x_I integer:

- a linear row i is violated by v_i = |s_i| (zero cone) or max(0, -s_i) (nonneg cone), and
  passes when v_i <= tol * (1 + |b_i| + sum_j |a_ij x_j|): the scale of that row alone, never
  one taken from the whole problem;
- a second-order cone block by max(0, ||s_x|| - s_t), a PSD block by max(0, -lambda_min(smat s)),
  each on the scale 1 + ||b_blk|| + || |A_blk| |x| || (Euclidean norms over the block);
- an exponential cone block (u, v, w) (v exp(u/v) <= w, v > 0, closure) by the move of w,
  max(0, v exp(u/v) - w), on w's row scale, or the move of u, max(0, u - v log(w/v)), on u's,
  whichever is smaller relative to its scale (the function is steep: a w of 4.9e8 = e^20 is a
  u of 20, and each coordinate is judged on its own row's scale);
- a variable bound by max(0, lb_j - x_j, x_j - ub_j) on the scale 1 + |bound_j|;
- an integer column by |x_j - round(x_j)| (absolute); the rows are checked again with the
  integer entries rounded, the point a user decodes (a big-M row satisfied only through a
  1e-7 integrality slip is caught there).

Every violation is reported in the user's words: "constraint 'capacity'[3] violated by 0.45",
"variable bound x[12] >= 0 violated by 4.1e-06", "integrality of n[2] violated by 0.3".
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .cones import exp_violation, min_eig_svec
from .standard_form import RowBlock, StandardForm


@dataclass(frozen=True)
class Violation:
    """One violated item: where (in the user's words), by how much, and on which scale."""

    where: str
    amount: float          # absolute violation
    scale: float           # the item's own scale; the test is amount <= tol * scale

    @property
    def relative(self) -> float:
        return self.amount / self.scale

    def __str__(self) -> str:
        return f"{self.where} violated by {self.amount:.3g}" + (
            f" (relative {self.relative:.2g})" if self.scale != 1.0 else "")


@dataclass(frozen=True)
class PointCheck:
    """The outcome of `check_point`: worst scaled residuals and the violations, worst first."""

    row_residual: float            # max over rows/cones of violation / own scale
    bound_residual: float          # max over columns of bound violation / (1 + |bound|)
    integrality_residual: float    # max |x_j - round(x_j)| over integer columns (nan if none)
    rounded_residual: float        # row residual with integers rounded (nan if not checked)
    finite: bool                   # every entry of x is finite
    violations: tuple[Violation, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return self.finite and not self.violations


#: at most this many violations are named (the worst ones)
MAX_NAMED = 10


def row_name(sf: StandardForm, row: int) -> str:
    """The user's name of standard-form row `row`: "constraint 'cap'" or "constraint 'cap'[3]"."""
    blk = _block_of(sf, row)
    if blk is None:
        return f"row {row}"
    if blk.cone in ("soc", "psd"):
        return f"constraint '{blk.name}' ({'second-order cone' if blk.cone == 'soc' else 'semidefinite'})"
    if blk.cone == "exp":                     # 3 rows (u, v, w) per entry of the constraint
        k, count = (row - blk.start) // 3, blk.size // 3
        if count == 1:
            return f"constraint '{blk.name}' (exponential cone)"
        shape = blk.shape if blk.shape and int(np.prod(blk.shape)) == count else (count,)
        idx = np.unravel_index(k, shape)
        return f"constraint '{blk.name}'[{', '.join(str(int(i)) for i in idx)}] (exponential cone)"
    k = row - blk.start
    if blk.size == 1:
        return f"constraint '{blk.name}'"
    shape = blk.shape if blk.shape and int(np.prod(blk.shape)) == blk.size else (blk.size,)
    idx = np.unravel_index(k, shape)
    return f"constraint '{blk.name}'[{', '.join(str(int(i)) for i in idx)}]"


def column_name(sf: StandardForm, j: int) -> str:
    """The user's name of column j (e.g. 'x[12]'), or 'x[j]' when the form carries no names."""
    return sf.var_names[j] if len(sf.var_names) == sf.n else f"x[{j}]"


def _block_of(sf: StandardForm, row: int) -> RowBlock | None:
    for blk in sf.row_blocks:
        if blk.start <= row < blk.start + blk.size:
            return blk
    return None


def row_scales(sf: StandardForm, x: np.ndarray, absA=None) -> np.ndarray:
    """1 + |b_i| + sum_j |a_ij x_j| for every row."""
    absA = abs(sf.A) if absA is None else absA
    return 1.0 + np.abs(sf.b) + absA @ np.abs(x)


def _row_violations(sf: StandardForm, x: np.ndarray, scales: np.ndarray) -> tuple[np.ndarray, list]:
    """(violation / scale per linear row, [(start, size, kind, violation, scale)] per cone block)."""
    s = sf.b - sf.A @ x
    z, l = sf.cones.zero, sf.cones.nonneg
    rel = np.zeros(z + l)
    rel[:z] = np.abs(s[:z]) / scales[:z]
    rel[z:] = np.maximum(0.0, -s[z:z + l]) / scales[z:z + l]
    cones = []
    for kind, start, size, _ in sf.cones.blocks():
        if kind not in ("soc", "psd"):
            continue
        blk = s[start:start + size]
        if kind == "soc":
            v = max(0.0, float(np.linalg.norm(blk[1:])) - float(blk[0]))
        else:
            v = max(0.0, -min_eig_svec(blk))
        sc = 1.0 + float(np.linalg.norm(sf.b[start:start + size])) + float(
            np.linalg.norm(scales[start:start + size] - 1.0 - np.abs(sf.b[start:start + size])))
        cones.append((start, size, kind, v, sc))
    if sf.cones.exp:
        first = sf.m - 3 * sf.cones.exp + 3 * np.arange(sf.cones.exp)
        amount, scale = exp_cone_violation(s[first], s[first + 1], s[first + 2],
                                           scales[first], scales[first + 1], scales[first + 2])
        for i in np.flatnonzero(amount > 0):   # only blocks outside the cone are listed
            cones.append((int(first[i]), 3, "exp", float(amount[i]), float(scale[i])))
    return rel, cones


def exp_cone_violation(u: np.ndarray, v: np.ndarray, w: np.ndarray, su: np.ndarray, sv: np.ndarray,
                       sw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(violation, scale) of each exponential cone block (u, v, w) whose rows have the scales
    (su, sv, sw): the move of w, max(0, v exp(u/v) - w) on w's scale, or the move of u,
    max(0, u - v log(w/v)) on u's scale, whichever is smaller relative to its scale (each brings
    the block into the cone); a block with v <= 0 or w <= 0 by max(-v, u, -w, 0) on the largest
    of the three scales."""
    u, v, w = (np.asarray(a, dtype=float) for a in (u, v, w))
    amount = exp_violation(u, v, w)
    scale = np.maximum.reduce([np.asarray(su, float), np.asarray(sv, float), np.asarray(sw, float)])
    inner = (v > 0) & (w > 0) & (amount > 0)
    if np.any(inner):
        du = np.maximum(u[inner] - v[inner] * np.log(w[inner] / v[inner]), 0.0)
        dw = amount[inner]
        by_u = du / su[inner] < dw / sw[inner]
        amount[inner] = np.where(by_u, du, dw)
        scale[inner] = np.where(by_u, su[inner], sw[inner])
    pos_v = (v > 0) & ~inner & (amount > 0)      # w <= 0: the move of w
    scale[pos_v] = sw[pos_v]
    return amount, scale


def _worst(rel: np.ndarray, limit: float) -> np.ndarray:
    """Indices of the (at most MAX_NAMED) largest entries of rel above limit, worst first."""
    idx = np.flatnonzero(rel > limit)
    if idx.size > MAX_NAMED:
        idx = idx[np.argpartition(-rel[idx], MAX_NAMED - 1)[:MAX_NAMED]]
    return idx[np.argsort(-rel[idx], kind="stable")]


def _row_items(sf: StandardForm, x: np.ndarray, absA, feasibility: float,
               suffix: str = "") -> tuple[float, list[Violation]]:
    """(worst scaled row/cone residual, the worst violated rows and cones) at x."""
    scales = row_scales(sf, x, absA)
    rel, cones = _row_violations(sf, x, scales)
    worst = float(rel.max(initial=0.0))
    viols = [Violation(row_name(sf, int(i)) + suffix, float(rel[i] * scales[i]), float(scales[i]))
             for i in _worst(rel, feasibility)]
    for start, _, _, v, sc in cones:
        worst = max(worst, v / sc)
        if v > feasibility * sc:
            viols.append(Violation(row_name(sf, start) + suffix, v, sc))
    return worst, viols


def check_point(sf: StandardForm, x: np.ndarray, feasibility: float = 1e-6,
                integrality: float = 1e-5, absA=None) -> PointCheck:
    """Check x row by row, cone by cone, bound by bound and (for MIPs) integer by integer
    (absA: abs(sf.A) when the caller has it)."""
    x = np.asarray(x, dtype=float)
    if x.shape != (sf.n,) or not np.all(np.isfinite(x)):
        bad = "has the wrong shape" if x.shape != (sf.n,) else "has NaN or infinite entries"
        return PointCheck(math.inf, math.inf, math.nan, math.nan, False,
                          (Violation(f"the solver's point {bad}", math.inf, 1.0),))
    absA = abs(sf.A) if absA is None else absA
    worst, viols = _row_items(sf, x, absA, feasibility)

    fin_lb, fin_ub = np.isfinite(sf.lb), np.isfinite(sf.ub)
    lo_v = np.where(fin_lb, np.where(fin_lb, sf.lb, 0.0) - x, -np.inf)
    hi_v = np.where(fin_ub, x - np.where(fin_ub, sf.ub, 0.0), -np.inf)
    low = lo_v >= hi_v
    bscale = 1.0 + np.abs(np.where(low, np.where(fin_lb, sf.lb, 0.0), np.where(fin_ub, sf.ub, 0.0)))
    brel = np.maximum(0.0, np.maximum(lo_v, hi_v)) / bscale
    bound_res = float(brel.max(initial=0.0))
    for j in _worst(brel, feasibility):
        what = f">= {sf.lb[j]:.10g}" if low[j] else f"<= {sf.ub[j]:.10g}"
        viols.append(Violation(f"variable bound {column_name(sf, int(j))} {what}",
                               float(max(lo_v[j], hi_v[j])), float(bscale[j])))

    int_res = rounded_res = math.nan
    if sf.has_integers:
        cols = np.flatnonzero(sf.integer)
        frac = np.abs(x[cols] - np.round(x[cols]))
        int_res = float(frac.max(initial=0.0))
        for k in _worst(frac, integrality):
            j = int(cols[k])
            viols.append(Violation(f"integrality of {column_name(sf, j)} (value {x[j]:.10g})",
                                   float(frac[k]), 1.0))
        if 0 < int_res <= integrality and sf.m:
            xr = x.copy()
            xr[cols] = np.round(x[cols])
            rounded_res, rviols = _row_items(sf, xr, absA, feasibility, " (integers rounded)")
            viols.extend(rviols)
    viols.sort(key=lambda v: -v.relative)
    return PointCheck(worst, bound_res, int_res, rounded_res, True, tuple(viols[:MAX_NAMED]))
