"""sum_squares(x) = sum_i x_i^2 (convex, nonnegative). In an objective: the quadratic term
x'x of P (a QP); elsewhere the rotated second-order cone ||x||^2 <= t * 1."""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from ..expressions import Expression
from .base import AFFINE, CONVEX, argument, make_atom, rotated_soc


def sum_squares(x: Any) -> Expression:
    """The sum of the squares of the entries of x (x affine)."""
    e = argument(x, "sum_squares", AFFINE).flatten()
    return make_atom("sum_squares", (e,), (), CONVEX, lambda t: as_rotated_cone(t, e),
                     lambda v: float(np.sum(np.square(v))), lb=0.0,
                     quadratic=(e, sp.identity(e.size, format="csr")))


def as_rotated_cone(t: Expression, x: Expression) -> list:
    return [rotated_soc(x, t, 1.0)]
