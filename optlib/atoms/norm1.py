"""norm1(x) = sum_i |x_i| over all entries (convex, nonnegative); reduction: helper u >= x,
u >= -x, t == sum(u) (linear rows; t >= sum(u) would do, but the equality's free dual lets
the certificate's dual repair move it both ways)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..expressions import Expression
from .base import AFFINE, CONVEX, argument, eq, helper_variable, le, make_atom


def norm1(x: Any) -> Expression:
    """The sum of the absolute values of the entries of x (x affine)."""
    e = argument(x, "norm1", AFFINE)
    return make_atom("norm1", (e,), (), CONVEX, lambda t: as_linear_rows(t, e),
                     lambda v: np.abs(v).sum(), lb=0.0)


def as_linear_rows(t: Expression, x: Expression) -> list:
    u = helper_variable(t.model, x.shape, "norm1.abs", lb=0.0)
    return [le(x, u), le(-x, u), eq(u.sum(), t)]
