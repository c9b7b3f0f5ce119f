"""log(x) elementwise (concave, nondecreasing; x > 0 implied); reduction: (t, 1, x) in the
exponential cone, i.e. exp(t) <= x."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..expressions import Expression
from .base import CONCAVE, argument, exp_cone, make_atom


def log(x: Any) -> Expression:
    """The natural logarithm elementwise (x concave)."""
    e = argument(x, "log", CONCAVE)
    if e.is_constant and np.any(e.const <= 0):
        raise ValueError("log of a nonpositive constant")
    return make_atom("log", (e,), e.shape, CONCAVE, lambda t: as_exponential_cone(t, e), np.log)


def as_exponential_cone(t: Expression, x: Expression) -> list:
    return [exp_cone(t, 1.0, x)]
