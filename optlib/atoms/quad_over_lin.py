"""quad_over_lin(x, y) = sum_i x_i^2 / y for a scalar y > 0 (convex, nonincreasing in y);
reduction: the rotated second-order cone ||x||^2 <= t y."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..expressions import Expression
from .base import AFFINE, CONCAVE, CONVEX, argument, make_atom, rotated_soc


def quad_over_lin(x: Any, y: Any) -> Expression:
    """||x||^2 / y (x affine, y a concave scalar, y > 0 implied)."""
    e = argument(x, "quad_over_lin", AFFINE, "first argument").flatten()
    d = argument(y, "quad_over_lin", CONCAVE, "second argument")
    if d.size != 1:
        raise ValueError(f"quad_over_lin: y must be a scalar, got shape {d.shape}")
    d = d.reshape(())
    if d.is_constant and float(d.const[0]) <= 0:
        raise ValueError(f"quad_over_lin: y must be positive, got {float(d.const[0]):g}")
    return make_atom("quad_over_lin", (e, d), (), CONVEX, lambda t: as_rotated_cone(t, e, d),
                     lambda v, w: float(np.sum(np.square(v)) / w), lb=0.0)


def as_rotated_cone(t: Expression, x: Expression, y: Expression) -> list:
    return [rotated_soc(x, t, y)]
