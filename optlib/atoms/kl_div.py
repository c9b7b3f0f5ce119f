"""kl_div(x, y) = x log(x / y) - x + y elementwise (convex, nonnegative); reduction:
(-(t + x - y), x, y) in the exponential cone, i.e. x log(x / y) <= t + x - y."""
from __future__ import annotations

from typing import Any

from ..expressions import Expression
from .base import AFFINE, CONVEX, argument, exp_cone, make_atom
from .maximum import _broadcast
from .rel_entr import value as rel_entr_value


def kl_div(x: Any, y: Any) -> Expression:
    """x log(x / y) - x + y elementwise (x and y affine)."""
    a = argument(x, "kl_div", AFFINE, "first argument")
    b = argument(y, "kl_div", AFFINE, "second argument")
    shape = _broadcast([a, b], "kl_div")
    a, b = a.broadcast_to(shape), b.broadcast_to(shape)
    return make_atom("kl_div", (a, b), shape, CONVEX, lambda t: as_exponential_cone(t, a, b),
                     lambda u, v: rel_entr_value(u, v) - u + v, lb=0.0)


def as_exponential_cone(t: Expression, x: Expression, y: Expression) -> list:
    return [exp_cone(-(t + x - y), x, y)]
