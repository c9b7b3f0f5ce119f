"""norm2(x) = ||x||_2 of a vector (convex, nonnegative); reduction: the second-order cone
||x|| <= t. Written as `norm2(x) <= t`, the cone takes t itself (no atom variable). For a matrix
X (more than one row and column), as in CVXPY, the largest singular value:
lambda_max([[0, X], [X', 0]]) (a linear matrix inequality); norm(X, 'fro') is the entrywise one."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..expressions import Expression, Variable
from .base import AFFINE, CONVEX, argument, describe, make_atom, soc


class Norm2(Variable):
    """The atom variable of norm2(x); `argument` is x (flattened)."""

    argument: Expression

    def __repr__(self) -> str:
        return f"norm2({self.argument!r})"


def norm2(x: Any) -> Expression:
    """The Euclidean norm of a vector x (x affine); of a matrix, its largest singular value."""
    e = argument(x, "norm2", AFFINE)
    if e.ndim == 2 and min(e.shape) > 1:
        return spectral_norm(e)
    e = e.flatten()
    out = make_atom("norm2", (e,), (), CONVEX, lambda t: as_second_order_cone(t, e),
                    lambda v: np.linalg.norm(v), lb=0.0, cls=Norm2,
                    label=f"norm2({_name(x)})")
    if isinstance(out, Norm2):
        out.argument = e
        out.block.aux.extra["soc_argument"] = e       # `norm2(x) <= t` is the cone itself
    return out


def _name(x: Any) -> str:
    return describe(x) if isinstance(x, Expression) else "constant"


def as_second_order_cone(t: Expression, x: Expression) -> list:
    return [soc(t, x)]


def spectral_norm(X: Expression) -> Expression:
    """sigma_max(X) = lambda_max of the symmetric [[0, X], [X', 0]]."""
    from ..expressions import bmat
    from .lambda_max import lambda_max

    m, n = X.shape
    return lambda_max(bmat([[np.zeros((m, m)), X], [X.T, np.zeros((n, n))]]))
