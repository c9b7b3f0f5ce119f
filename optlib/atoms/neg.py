"""neg(x) = max(-x, 0) elementwise (convex, nonincreasing, nonnegative); reduction: t >= -x, t >= 0."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..expressions import Expression
from .base import CONCAVE, CONVEX, argument, le, make_atom


def neg(x: Any) -> Expression:
    """max(-x, 0) elementwise (convex; the argument must be concave)."""
    e = argument(x, "neg", CONCAVE)
    return make_atom("neg", (e,), e.shape, CONVEX, lambda t: as_inequality(t, e),
                     lambda v: np.maximum(-v, 0.0), lb=0.0)


def as_inequality(t: Expression, x: Expression) -> list:
    return [le(-x, t)]
