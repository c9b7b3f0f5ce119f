"""abs(x) = |x| elementwise (convex, nonnegative); reduction: t >= x, t >= -x (two linear rows)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..expressions import Expression
from .base import AFFINE, CONVEX, argument, le, make_atom


def abs(x: Any) -> Expression:  # noqa: A001 - CVXPY's name
    """|x| elementwise (convex; the argument must be affine)."""
    e = argument(x, "abs", AFFINE)
    return make_atom("abs", (e,), e.shape, CONVEX, lambda t: as_two_inequalities(t, e), np.abs, lb=0.0)


def as_two_inequalities(t: Expression, x: Expression) -> list:
    return [le(x, t), le(-x, t)]
