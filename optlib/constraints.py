"""Constraints built from affine expressions.

- `LinearConstraint`: E <= 0 or E == 0 elementwise (`a <= b` stores E = a - b).
- `SOCConstraint`:   ||x||_2 <= t  (second-order cone).
- `PSDConstraint`:   M >= 0 in the semidefinite order, M symmetric (`A >> B` stores A - B).
Each constraint gets a name when it is added to a model, so duals and violations are
reported in the user's words.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from . import expressions as _expressions
from .expressions import Expression, Norm2, _check_same_model, to_expression


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


def _check_symmetric(M: Expression, tol: float = 1e-9) -> None:
    """Raise ValueError naming an entry (i, j) where M differs from M^T. Works on the
    nonzeros only (sorting their positions and their transposed positions), so an LMI of
    order 3,000 is checked in O(nnz log nnz), without touching its n^2 rows."""
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
    for blk, C in M.terms.items():
        coo = sp.coo_matrix(C)
        coo.sum_duplicates()
        cscale = 1.0 + (np.abs(coo.data).max() if coo.nnz else 0.0)
        keep = np.abs(coo.data) > tol * cscale          # entries within tolerance of 0 are 0
        r, k, v = coo.row[keep].astype(np.int64), coo.col[keep].astype(np.int64), coo.data[keep]
        i, j = np.divmod(r, n)
        K = C.shape[1]
        key, key_t = r * K + k, (j * n + i) * K + k     # (entry, column) and its transpose
        a, b = np.argsort(key, kind="stable"), np.argsort(key_t, kind="stable")
        same_keys = key[a].size == key_t[b].size and np.array_equal(key[a], key_t[b])
        if same_keys and np.all(np.abs(v[a] - v[b]) <= tol * cscale):
            continue
        if same_keys:
            at = int(a[np.flatnonzero(np.abs(v[a] - v[b]) > tol * cscale)[0]])
        else:
            missing = np.setxor1d(key, key_t)[0]
            at = int(np.flatnonzero((key == missing) | (key_t == missing))[0])
        raise ValueError(f"PSD constraint argument is not symmetric: the coefficient of "
                         f"variable {blk.name!r} in entry ({int(i[at])}, {int(j[at])}) differs from "
                         f"({int(j[at])}, {int(i[at])})")


def make_inequality(lhs: Any, rhs: Any) -> Constraint:
    """lhs <= rhs, elementwise (or a second-order cone if lhs is norm2(...))."""
    if isinstance(lhs, Norm2):
        return lhs <= rhs
    if isinstance(rhs, Norm2):
        raise ValueError("t <= norm2(x) is not convex; only norm2(x) <= t is allowed")
    diff = to_expression(lhs) - to_expression(rhs)
    return LinearConstraint(diff, "<=")


def make_equality(lhs: Any, rhs: Any) -> Constraint:
    if isinstance(rhs, Norm2) or isinstance(lhs, Norm2):
        raise ValueError("norm2(x) == t is not convex; use norm2(x) <= t")
    diff = to_expression(lhs) - to_expression(rhs)
    return LinearConstraint(diff, "==")


# the comparison operators of optlib.expressions build these (see expressions.CONSTRAINTS)
_expressions.CONSTRAINTS.update(inequality=make_inequality, equality=make_equality, psd=PSDConstraint,
                                soc=SOCConstraint)
