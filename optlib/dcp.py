"""Disciplined convex programming over optlib's affine expressions: the rules (optlib.atoms
holds the atoms).

An atom f(args) is a fresh variable t of the model (an *atom variable*) with a definition:
t >= f(args) for a convex f (its epigraph), t <= f(args) for a concave f (its hypograph). The
definition's constraints (the atom's reduction to linear rows and cones, in the atom's own
file) join the model when t is first used in a constraint or an objective. Since every affine
operation (indexing, sums, products with constants) acts on the coefficient matrices, t can be
scaled, summed and indexed like any expression, and the disciplined convex programming (DCP)
rules become sign conditions on t's coefficients, as in Grant, Boyd and Ye, "Disciplined
convex programming" (2006):

    an expression is convex   iff every convex atom variable has coefficients >= 0 in it and
                              every concave one coefficients <= 0;
    concave                   the other way round;  affine: no atom variable at all.

`minimize(E)` and `E <= F` need E (E - F) convex, `maximize(E)` concave, `==` affine; an
atom's argument must be affine, convex or concave as its monotonicity requires (CVXPY's
composition rule). A quadratic atom (sum_squares, quad_form) that the objective uses with a
nonnegative weight enters the objective as 1/2 x'P x instead (`Model._quadratic`), so QP
backends get a P matrix; anywhere else it is a rotated second-order cone.

`curvature(expr)` and `sign(expr)` report what an expression is ('convex', 'nonnegative', ...);
the sign comes from the variables' bounds (atom variables of nonnegative atoms have lb = 0).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import scipy.sparse as sp

from .expressions import Expression, Variable, VarBlock, to_expression

if TYPE_CHECKING:  # pragma: no cover
    from .model import Model

CONVEX, AFFINE, CONCAVE = 1, 0, -1
_CURVATURE_NAMES = {CONVEX: "convex", CONCAVE: "concave", AFFINE: "affine"}


@dataclass
class AuxDef:
    """The definition of an atom variable t: `label` (how the user wrote it, e.g. 'norm1(x)'),
    its curvature (CONVEX: t >= f, CONCAVE: t <= f, AFFINE: t == an expression or a plain
    helper variable of a reduction), `reduce(t)` the constraints that define it, and for the
    quadratic atoms `quadratic = (e, Q)` with f = e'Q e exactly."""

    label: str
    curvature: int
    reduce: Callable[[Variable], list]
    quadratic: tuple[Expression, Any] | None = None
    active: bool = False
    extra: dict = field(default_factory=dict)


def model_of(*args: Expression) -> "Model | None":
    for a in args:
        m = a.model
        if m is not None:
            return m
    return None


def describe(e: Any) -> str:
    """A short name for an argument in messages: the variable's name, an atom's label, or
    'expression of x, y'."""
    if isinstance(e, Variable):
        return e.block.aux.label if e.block.aux is not None else e.name
    if not isinstance(e, Expression):
        return "constant"
    if len(e.terms) == 1:
        (blk,) = e.terms
        if blk.aux is not None:
            return f"expression of {blk.aux.label}"
    names = [b.aux.label if b.aux is not None else b.name for b in e.terms]
    if not names:
        return "constant"
    return "expression of " + ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")


# -- curvature and sign -----------------------------------------------------------------------
def _aux_signs(e: Expression) -> list[tuple[VarBlock, bool, bool]]:
    """(atom block, has a positive coefficient, has a negative one) for each atom variable in e."""
    out = []
    for blk, C in e.terms.items():
        if blk.aux is None or blk.aux.curvature == AFFINE:
            continue
        data = sp.csr_matrix(C).data
        out.append((blk, bool(np.any(data > 0)), bool(np.any(data < 0))))
    return out


def offending(e: Expression, need: int) -> VarBlock | None:
    """The first atom variable that keeps e from having curvature `need` (CONVEX, CONCAVE or
    AFFINE), None when e has it."""
    for blk, pos, neg in _aux_signs(e):
        c = blk.aux.curvature
        if need == AFFINE and (pos or neg):
            return blk
        if need == CONVEX and ((c == CONVEX and neg) or (c == CONCAVE and pos)):
            return blk
        if need == CONCAVE and ((c == CONVEX and pos) or (c == CONCAVE and neg)):
            return blk
    return None


def curvature(expr: Any) -> str:
    """'constant', 'affine', 'convex', 'concave' or 'unknown' (neither: not DCP)."""
    e = to_expression(expr)
    if e.is_constant:
        return "constant"
    if offending(e, AFFINE) is None:
        return "affine"
    if offending(e, CONVEX) is None:
        return "convex"
    if offending(e, CONCAVE) is None:
        return "concave"
    return "unknown"


def bounds(expr: Any) -> tuple[np.ndarray, np.ndarray]:
    """Entrywise (lo, hi) of an expression over its variables' bounds (interval arithmetic)."""
    e = to_expression(expr)
    lo = e.const.copy()
    hi = e.const.copy()
    for blk, C in e.terms.items():
        C = sp.csr_matrix(C)
        Cp, Cn = C.maximum(0), C.minimum(0)
        with np.errstate(invalid="ignore"):
            lo += _times(Cp, blk.lb) + _times(Cn, blk.ub)
            hi += _times(Cp, blk.ub) + _times(Cn, blk.lb)
    return lo.reshape(e.shape), hi.reshape(e.shape)


def _times(C: sp.csr_matrix, v: np.ndarray) -> np.ndarray:
    """C @ v with 0 * inf = 0 (a zero coefficient never meets an infinite bound)."""
    C = sp.csr_matrix(C)
    C.eliminate_zeros()
    fin = np.isfinite(v)
    out = C @ np.where(fin, v, 0.0)
    if not fin.all():
        inf_part = C[:, ~fin] @ np.sign(v[~fin])
        out = out + np.where(inf_part > 0, np.inf, np.where(inf_part < 0, -np.inf, 0.0))
    return np.asarray(out, dtype=float)


def sign(expr: Any) -> str:
    """'zero', 'nonnegative', 'nonpositive' or 'unknown', from the variables' bounds."""
    lo, hi = bounds(expr)
    if np.all(lo == 0) and np.all(hi == 0):
        return "zero"
    if np.all(lo >= 0):
        return "nonnegative"
    if np.all(hi <= 0):
        return "nonpositive"
    return "unknown"


# -- arguments ------------------------------------------------------------------------------
def argument(x: Any, atom: str, need: int, what: str = "argument") -> Expression:
    """x as an expression, checked to be `need` (AFFINE, CONVEX or CONCAVE) as the atom's
    monotonicity requires; ValueError naming the atom and the offending term otherwise."""
    if isinstance(x, (list, tuple)):
        x = _stack(x)
    e = to_expression(x)
    bad = offending(e, need)
    if bad is not None:
        have = _CURVATURE_NAMES[bad.aux.curvature]
        rule = {AFFINE: "must be affine", CONVEX: "must be convex (the atom is nondecreasing in it)",
                CONCAVE: "must be concave (the atom is nonincreasing in it)"}[need]
        raise ValueError(f"{atom}: its {what} {rule}, but it contains {bad.aux.label}, which is "
                         f"{have} there; the expression is not DCP (not known to be convex)")
    return e


def _stack(items: Any) -> Expression:
    from .expressions import hstack

    exprs = [to_expression(i) for i in items]
    if all(e.ndim == 0 for e in exprs):
        return hstack([e.reshape((1,)) for e in exprs])
    return hstack(exprs)


# -- DCP checks of constraints and objectives -------------------------------------------------
def check_inequality(diff: Expression, text: object) -> None:
    """`diff <= 0` must be convex."""
    bad = offending(diff, CONVEX)
    if bad is not None:
        kind = _CURVATURE_NAMES[bad.aux.curvature]
        side = "<=" if bad.aux.curvature == CONCAVE else ">="
        raise ValueError(f"{text}: {bad.aux.label} is {kind} and sits on the {side} side; a convex "
                         "expression must be on the smaller side of <= and a concave one on the "
                         "larger side, so this is not convex")


def check_equality(diff: Expression, text: object) -> None:
    bad = offending(diff, AFFINE)
    if bad is not None:
        kind = _CURVATURE_NAMES[bad.aux.curvature]
        raise ValueError(f"{text}: {bad.aux.label} is {kind}; both sides of == must be affine, "
                         "so this is not convex")


def check_objective(e: Expression, sense: int) -> None:
    need = CONVEX if sense > 0 else CONCAVE
    bad = offending(e, need)
    if bad is not None:
        kind = _CURVATURE_NAMES[bad.aux.curvature]
        verb = "minimize" if sense > 0 else "maximize"
        raise ValueError(f"{verb}({bad.aux.label}): {verb[:-1]}ing a {kind} expression; the problem is "
                         "not convex")


def selection_form(e: Expression) -> bool:
    """True when every entry of e is one variable scalar with coefficient 1 and no constant
    (then e'Q e is a block of P as it stands)."""
    if np.any(e.const != 0) or len(e.terms) != 1:
        return False
    (C,) = e.terms.values()
    C = sp.csr_matrix(C)
    return bool(np.all(np.diff(C.indptr) == 1) and np.all(C.data == 1.0))


