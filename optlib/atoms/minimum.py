"""minimum(a, b, ...) elementwise with broadcasting (concave, nondecreasing in each argument);
reduction: t <= a, t <= b, ... (linear rows)."""
from __future__ import annotations

from functools import reduce as _fold
from typing import Any

import numpy as np

from ..expressions import Expression
from .base import CONCAVE, argument, le, make_atom
from .maximum import _broadcast


def minimum(*args: Any) -> Expression:
    """The elementwise minimum of two or more expressions (each must be concave)."""
    if len(args) < 2:
        raise ValueError(f"minimum needs at least two arguments, got {len(args)}")
    es = [argument(a, "minimum", CONCAVE, f"argument {i}") for i, a in enumerate(args)]
    shape = _broadcast(es, "minimum")
    es = [e.broadcast_to(shape) for e in es]
    return make_atom("minimum", tuple(es), shape, CONCAVE, lambda t: as_inequalities(t, es),
                     lambda *v: _fold(np.minimum, v))


def as_inequalities(t: Expression, es: list[Expression]) -> list:
    return [le(t, e) for e in es]
