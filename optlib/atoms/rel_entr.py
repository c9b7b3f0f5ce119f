"""rel_entr(x, y) = x log(x / y) elementwise (convex; x, y >= 0 implied); reduction:
(-t, x, y) in the exponential cone, i.e. x exp(-t / x) <= y."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..expressions import Expression
from .base import AFFINE, CONVEX, argument, exp_cone, make_atom
from .maximum import _broadcast


def rel_entr(x: Any, y: Any) -> Expression:
    """x log(x / y) elementwise (x and y affine)."""
    a = argument(x, "rel_entr", AFFINE, "first argument")
    b = argument(y, "rel_entr", AFFINE, "second argument")
    shape = _broadcast([a, b], "rel_entr")
    a, b = a.broadcast_to(shape), b.broadcast_to(shape)
    return make_atom("rel_entr", (a, b), shape, CONVEX, lambda t: as_exponential_cone(t, a, b), value)


def value(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    if np.any(x < 0) or np.any(y < 0):
        raise ValueError("rel_entr of a negative constant")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(x > 0, x * np.log(np.where(x > 0, x, 1.0) / y), 0.0)
    return np.where((x > 0) & (y == 0), np.inf, out)


def as_exponential_cone(t: Expression, x: Expression, y: Expression) -> list:
    return [exp_cone(-t, x, y)]
