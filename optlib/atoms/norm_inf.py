"""norm_inf(x) = max_i |x_i| over all entries (convex, nonnegative); reduction: t >= x_i,
t >= -x_i (linear rows)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..expressions import Expression
from .base import AFFINE, CONVEX, argument, le, make_atom


def norm_inf(x: Any) -> Expression:
    """The largest absolute value of the entries of x (x affine)."""
    e = argument(x, "norm_inf", AFFINE)
    return make_atom("norm_inf", (e,), (), CONVEX, lambda t: as_linear_rows(t, e),
                     lambda v: np.abs(v).max(initial=0.0), lb=0.0)


def as_linear_rows(t: Expression, x: Expression) -> list:
    return [le(x, t), le(-x, t)]
