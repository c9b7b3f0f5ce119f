"""exp(x) elementwise (convex, nondecreasing, positive); reduction: (x, 1, t) in the
exponential cone, i.e. exp(x) <= t."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..expressions import Expression
from .base import CONVEX, argument, exp_cone, make_atom


def exp(x: Any) -> Expression:
    """e^x elementwise (x convex)."""
    e = argument(x, "exp", CONVEX)
    return make_atom("exp", (e,), e.shape, CONVEX, lambda t: as_exponential_cone(t, e), np.exp, lb=0.0)


def as_exponential_cone(t: Expression, x: Expression) -> list:
    return [exp_cone(x, 1.0, t)]
