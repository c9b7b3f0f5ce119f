"""Check the logical constraints (`StandardForm.logic`) at a point, in the user's words.

The point is taken with its integer columns rounded (the point a user decodes, as the
primal check's second pass does); then

- an indicator whose literal is active (x[z] == active value) must satisfy its rows: row i
  is violated by max(0, a_i'x - b_i) ('<=') or |a_i'x - b_i| ('=='), and fails when that
  exceeds tol * (1 + |b_i| + sum_j |a_ij x_j|), the row's own scale as in optlib.primal_check;
- all_different fails when two of its (rounded) entries are equal;
- a clause fails when its count of true literals is out of range.

A backend's rows are never trusted to have encoded the logic: a point that satisfies the big-M
rows (or a lying backend's rows) but breaks the logic is reported here.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .logic import AllDifferent, Clause, Indicator
from .primal_check import MAX_NAMED, Violation, column_name
from .standard_form import StandardForm


def _rounded(sf: StandardForm, x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float).copy()
    cols = np.flatnonzero(sf.integer)
    x[cols] = np.round(x[cols])
    return x


def _row_label(rec: Indicator, i: int) -> str:
    if rec.A.shape[0] == 1:
        return f"constraint '{rec.name}'"
    shape = rec.shape if rec.shape and int(np.prod(rec.shape)) == rec.A.shape[0] else (rec.A.shape[0],)
    idx = np.unravel_index(i, shape)
    return f"constraint '{rec.name}'[{', '.join(str(int(k)) for k in idx)}]"


def _indicator(sf: StandardForm, rec: Indicator, x: np.ndarray, tol: float) -> list[Violation]:
    if int(x[rec.z_col]) != rec.active_value:
        return []
    A = sp.csr_matrix(rec.A)
    ax = A @ x
    b = np.asarray(rec.b, dtype=float)
    diff = ax - b
    viol = np.abs(diff) if rec.sense == "==" else np.maximum(0.0, diff)
    scale = 1.0 + np.abs(b) + abs(A) @ np.abs(x)
    lit = f"{column_name(sf, rec.z_col)} = {rec.active_value}"
    return [Violation(f"{_row_label(rec, int(i))} (implied by {lit})", float(viol[i]), float(scale[i]))
            for i in np.flatnonzero(viol > tol * scale)]


def _all_different(sf: StandardForm, rec: AllDifferent, x: np.ndarray) -> list[Violation]:
    vals = x[list(rec.cols)]
    seen: dict[float, list[int]] = {}
    for col, v in zip(rec.cols, vals.tolist()):
        seen.setdefault(v, []).append(col)
    out = []
    for v, cols in seen.items():
        if len(cols) > 1:
            names = " = ".join(column_name(sf, c) for c in cols)
            out.append(Violation(f"constraint '{rec.name}' all_different ({names} = {v:g})",
                                 float(len(cols) - 1), 1.0))
    return out


def _clause(sf: StandardForm, rec: Clause, x: np.ndarray) -> list[Violation]:
    if rec.satisfied(x):
        return []
    t = rec.count(x)
    size = len(rec.cols)
    need = {"or": (1, size), "and": (size, size), "at_most": (0, rec.k), "at_least": (rec.k, size),
            "exactly": (rec.k, rec.k)}[rec.kind]
    short = max(need[0] - t, t - need[1], 0)
    lits = ", ".join(("~" if neg else "") + column_name(sf, c) for c, neg in zip(rec.cols[:6], rec.negated[:6]))
    more = ", ..." if size > 6 else ""
    return [Violation(f"constraint '{rec.name}' {rec.describe()} ({t} of [{lits}{more}] true)", float(short), 1.0)]


def check_logic(sf: StandardForm, x: np.ndarray, feasibility: float = 1e-6) -> list[Violation]:
    """The violated logical constraints of `sf` at x (integers rounded), worst first (at most
    MAX_NAMED). Empty when the form has none or x satisfies them all."""
    if not sf.logic:
        return []
    xr = _rounded(sf, x)
    out: list[Violation] = []
    for rec in sf.logic:
        if isinstance(rec, Indicator):
            out.extend(_indicator(sf, rec, xr, feasibility))
        elif isinstance(rec, AllDifferent):
            out.extend(_all_different(sf, rec, xr))
        elif isinstance(rec, Clause):
            out.extend(_clause(sf, rec, xr))
        else:
            raise ValueError(f"cannot check the logical record {type(rec).__name__}")
    out.sort(key=lambda v: -v.relative)
    return out[:MAX_NAMED]
