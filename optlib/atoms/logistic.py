"""logistic(x) = log(1 + exp(x)) elementwise (convex, nondecreasing, positive); reduction:
helpers u >= exp(-t), v >= exp(x - t) (two exponential cones) and u + v <= 1."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..expressions import Expression
from .base import CONVEX, argument, exp_cone, helper_variable, le, make_atom


def logistic(x: Any) -> Expression:
    """log(1 + e^x) elementwise (x convex)."""
    e = argument(x, "logistic", CONVEX)
    return make_atom("logistic", (e,), e.shape, CONVEX, lambda t: as_exponential_cones(t, e),
                     lambda v: np.logaddexp(0.0, v), lb=0.0)


def as_exponential_cones(t: Expression, x: Expression) -> list:
    u = helper_variable(t.model, x.shape, "logistic.u", lb=0.0)
    v = helper_variable(t.model, x.shape, "logistic.v", lb=0.0)
    return [exp_cone(-t, 1.0, u), exp_cone(x - t, 1.0, v), le(u + v, 1.0)]
