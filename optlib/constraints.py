"""Constraints built from affine expressions.

- `LinearConstraint`: E <= 0 or E == 0 elementwise (`a <= b` stores E = a - b).
- `SOCConstraint`:   ||x||_2 <= t  (second-order cone).
- `PSDConstraint`:   M >= 0 in the semidefinite order, M symmetric (`A >> B` stores A - B).
- `ExpConeConstraint`: (u, v, w) in the exponential cone, v exp(u / v) <= w elementwise
  (`optlib.exp_cone(u, v, w)`; the atoms exp, log, entr, ... reduce to it).
Each constraint gets a name when it is added to a model, so duals and violations are
reported in the user's words.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from . import expressions as _expressions
from .cones import svec_indices
from .dcp import AFFINE, CONCAVE, CONVEX, argument, check_equality, check_inequality, describe
from .expressions import Expression, Variable, _check_same_model, to_expression


class Constraint:
    """Base class: a named constraint over one model's variables."""

    kind = ""

    def __init__(self) -> None:
        self.name: str | None = None

    @property
    def model(self):
        for e in self.expressions():
            m = e.model
            if m is not None:
                return m
        return None

    def expressions(self) -> list[Expression]:
        raise NotImplementedError

    def __bool__(self) -> bool:
        raise TypeError(
            "a constraint has no truth value; add it to a model with m.add(...)"
            " (chained comparisons like 0 <= x <= 1 need two separate constraints)"
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class LinearConstraint(Constraint):
    """expr <= 0 (sense '<=') or expr == 0 (sense '==') elementwise."""

    kind = "linear"

    def __init__(self, expr: Expression, sense: str):
        super().__init__()
        if sense not in ("<=", "=="):
            raise ValueError(f"internal: sense {sense!r}")
        self.expr = expr
        self.sense = sense

    @property
    def shape(self) -> tuple[int, ...]:
        return self.expr.shape

    def expressions(self) -> list[Expression]:
        return [self.expr]


class SOCConstraint(Constraint):
    """||x||_2 <= t with t a scalar expression."""

    kind = "soc"

    def __init__(self, t: Expression, x: Expression):
        super().__init__()
        if t.size != 1:
            raise ValueError(f"norm2(x) <= t needs a scalar t, got shape {t.shape}")
        _check_same_model(t, x)
        self.t = t.reshape(())
        self.x = x.flatten()

    @property
    def shape(self) -> tuple[int, ...]:
        return (1 + self.x.size,)

    def expressions(self) -> list[Expression]:
        return [self.t, self.x]


class PSDConstraint(Constraint):
    """M >> 0 for a square, symmetric affine matrix M."""

    kind = "psd"

    def __init__(self, expr: Any):
        super().__init__()
        expr = to_expression(expr)
        if expr.ndim != 2 or expr.shape[0] != expr.shape[1]:
            raise ValueError(f"PSD constraint needs a square matrix, got shape {expr.shape}")
        _check_symmetric(expr)
        self.expr = expr

    @property
    def shape(self) -> tuple[int, ...]:
        return self.expr.shape

    def expressions(self) -> list[Expression]:
        return [self.expr]


class ExpConeConstraint(Constraint):
    """(u_i, v_i, w_i) in K_exp = closure{(u, v, w): v > 0, v exp(u / v) <= w} for each entry i
    of three affine expressions of one shape (scalars broadcast)."""

    kind = "exp"

    def __init__(self, u: Any, v: Any, w: Any):
        super().__init__()
        parts = [to_expression(a) for a in (u, v, w)]
        for a in parts[1:]:
            _check_same_model(parts[0], a)
        try:
            shape = np.broadcast_shapes(*(a.shape for a in parts))
        except ValueError as exc:
            raise ValueError("exp_cone(u, v, w): shapes "
                             f"{[a.shape for a in parts]} do not broadcast") from exc
        self.u, self.v, self.w = (a.broadcast_to(shape).flatten() for a in parts)
        self._shape = tuple(shape)

    @property
    def shape(self) -> tuple[int, ...]:
        return self._shape

    @property
    def count(self) -> int:
        """The number of 3-row cone blocks."""
        return self.u.size

    def expressions(self) -> list[Expression]:
        return [self.u, self.v, self.w]


def exp_cone(u: Any, v: Any, w: Any) -> ExpConeConstraint:
    """The constraint v exp(u / v) <= w, v > 0 (its closure), elementwise: (u, v, w) in K_exp."""
    return ExpConeConstraint(u, v, w)


def _check_symmetric(M: Expression, tol: float = 1e-9) -> None:
    """Raise ValueError naming an entry (i, j) where M differs from M^T: the constant on its
    nonzeros, the coefficients by comparing the rows of the strict lower triangle with their
    mirrors (two row selections in scipy's C code; 0.3 s for an LMI of order 3,000)."""
    n = M.shape[0]
    const = M.const
    scale = 1.0 + (np.abs(const).max() if const.size else 0.0)
    nz = np.flatnonzero(const)                         # an entry and its mirror, nonzeros only
    ci, cj = np.divmod(nz, n)
    bad = nz[np.abs(const[nz] - const[cj * n + ci]) > tol * scale]
    if bad.size:
        i, j = divmod(int(bad[0]), n)
        raise ValueError(f"PSD constraint argument is not symmetric: constant entry ({i}, {j}) "
                         f"is {const[i * n + j]:g} but ({j}, {i}) is {const[j * n + i]:g}")
    if not M.terms:
        return
    r, c = svec_indices(n)
    off = r != c
    low, up = (r * n + c)[off], (c * n + r)[off]          # entry (i, j), i > j, and its mirror
    for blk, C in M.terms.items():
        C = sp.csr_matrix(C)
        cscale = 1.0 + (np.abs(C.data).max() if C.nnz else 0.0)
        D = sp.csr_matrix(C[low] - C[up])                  # row selections in scipy's C code
        big = np.abs(D.data) > tol * cscale
        if np.any(big):
            row = int(np.searchsorted(D.indptr, int(np.flatnonzero(big)[0]), side="right")) - 1
            i, j = divmod(int(low[row]), n)
            raise ValueError(f"PSD constraint argument is not symmetric: the coefficient of "
                             f"variable {blk.name!r} in entry ({i}, {j}) differs from ({j}, {i})")


class _Text:
    """`lhs op rhs` as text for a DCP error, written out only when an error needs it (the repr
    of a data array on every constraint cost milliseconds per model build)."""

    __slots__ = ("lhs", "op", "rhs")

    def __init__(self, lhs: Any, op: str, rhs: Any) -> None:
        self.lhs, self.op, self.rhs = lhs, op, rhs

    def __str__(self) -> str:
        def one(v: Any) -> str:
            return describe(v) if isinstance(v, Expression) else repr(v)

        return f"{one(self.lhs)} {self.op} {one(self.rhs)}"


def make_inequality(lhs: Any, rhs: Any) -> Constraint:
    """lhs <= rhs, elementwise; a second-order cone when lhs is norm2(x) as written (no atom
    variable then). Either side may hold atoms as the DCP rules allow (optlib.atoms.base)."""
    aux = lhs.block.aux if isinstance(lhs, Variable) else None
    if aux is not None and "soc_argument" in aux.extra and not aux.active:     # norm2(x) <= t
        t = to_expression(rhs)
        if t.size == 1:
            return SOCConstraint(t, aux.extra["soc_argument"])
    diff = to_expression(lhs) - to_expression(rhs)
    check_inequality(diff, _Text(lhs, "<=", rhs))
    return LinearConstraint(diff, "<=")


def make_equality(lhs: Any, rhs: Any) -> Constraint:
    diff = to_expression(lhs) - to_expression(rhs)
    check_equality(diff, _Text(lhs, "==", rhs))
    return LinearConstraint(diff, "==")


def check_constraint(con: Constraint) -> None:
    """The DCP rule of a constraint a user adds (ValueError naming the offending atom)."""
    if isinstance(con, LinearConstraint):
        (check_inequality if con.sense == "<=" else check_equality)(con.expr, f"constraint {con.sense} 0")
    elif isinstance(con, SOCConstraint):
        argument(con.x, "norm2(x) <= t", AFFINE, "x")
        argument(con.t, "norm2(x) <= t", CONCAVE, "t")
    elif isinstance(con, PSDConstraint):
        argument(con.expr, "a PSD constraint", AFFINE, "matrix")
    elif isinstance(con, ExpConeConstraint):
        argument(con.u, "exp_cone(u, v, w)", CONVEX, "u")
        argument(con.v, "exp_cone(u, v, w)", AFFINE, "v")
        argument(con.w, "exp_cone(u, v, w)", CONCAVE, "w")


# the comparison operators of optlib.expressions build these (see expressions.CONSTRAINTS)
_expressions.CONSTRAINTS.update(inequality=make_inequality, equality=make_equality, psd=PSDConstraint,
                                soc=SOCConstraint)
