"""maximum(a, b, ...) elementwise with broadcasting (convex, nondecreasing in each argument);
reduction: t >= a, t >= b, ... (linear rows)."""
from __future__ import annotations

from functools import reduce as _fold
from typing import Any

import numpy as np

from ..expressions import Expression
from .base import CONVEX, argument, le, make_atom


def maximum(*args: Any) -> Expression:
    """The elementwise maximum of two or more expressions (each must be convex)."""
    if len(args) < 2:
        raise ValueError(f"maximum needs at least two arguments, got {len(args)}")
    es = [argument(a, "maximum", CONVEX, f"argument {i}") for i, a in enumerate(args)]
    shape = _broadcast(es, "maximum")
    es = [e.broadcast_to(shape) for e in es]
    return make_atom("maximum", tuple(es), shape, CONVEX, lambda t: as_inequalities(t, es),
                     lambda *v: _fold(np.maximum, v))


def _broadcast(es: list[Expression], name: str) -> tuple[int, ...]:
    try:
        return tuple(np.broadcast_shapes(*(e.shape for e in es)))
    except ValueError as exc:
        raise ValueError(f"{name}: argument shapes {[e.shape for e in es]} do not broadcast") from exc


def as_inequalities(t: Expression, es: list[Expression]) -> list:
    return [le(e, t) for e in es]
