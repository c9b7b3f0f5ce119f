"""min(x, axis=None): the smallest entry (or along an axis), concave and nondecreasing; reduction:
t <= x_i for every entry."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..expressions import Expression
from .base import CONCAVE, argument, le, make_atom
from .max import reduced_shape


def min(x: Any, axis: int | None = None) -> Expression:  # noqa: A001 - CVXPY's name
    """The smallest entry of x (axis=None) or along `axis` (x must be concave)."""
    e = argument(x, "min", CONCAVE)
    shape, keep = reduced_shape(e, axis, "min")
    return make_atom("min", (e,), shape, CONCAVE, lambda t: as_inequalities(t, e, keep),
                     lambda v: np.min(v, axis=axis))


def as_inequalities(t: Expression, x: Expression, keep: tuple[int, ...]) -> list:
    return [le(t.reshape(keep).broadcast_to(x.shape) if keep else t, x)]
