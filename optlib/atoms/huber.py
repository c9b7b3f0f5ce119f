"""huber(x, M) elementwise: x^2 for |x| <= M, 2M|x| - M^2 beyond (convex, nonnegative);
reduction: x = s + n with helpers, t >= s^2 + 2M a, a >= |n| (linear rows and one rotated
second-order cone per entry): min over the split of s^2 + 2M|n| is the Huber function."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..expressions import Expression
from .base import AFFINE, CONVEX, argument, eq, helper_variable, le, make_atom, rotated_soc


def huber(x: Any, M: float = 1.0) -> Expression:
    """The Huber function of each entry of x (x affine) with threshold M > 0."""
    if isinstance(M, bool) or not isinstance(M, (int, float, np.floating, np.integer)) or not np.isfinite(M) or M <= 0:
        raise ValueError(f"huber: M must be a positive number, got {M!r}")
    e = argument(x, "huber", AFFINE)
    M = float(M)

    def value(v: np.ndarray) -> np.ndarray:
        a = np.abs(v)
        return np.where(a <= M, a * a, 2 * M * a - M * M)

    return make_atom("huber", (e,), e.shape, CONVEX, lambda t: as_split(t, e, M), value, lb=0.0)


def as_split(t: Expression, x: Expression, M: float) -> list:
    m = t.model
    s = helper_variable(m, x.shape, "huber.s")
    n = helper_variable(m, x.shape, "huber.n")
    a = helper_variable(m, x.shape, "huber.a", lb=0.0)
    q = helper_variable(m, x.shape, "huber.sq", lb=0.0)
    cons = [eq(s + n, x), le(n, a), le(-n, a), le(q + 2.0 * M * a, t)]
    sf, qf = s.flatten(), q.flatten()
    cons += [rotated_soc(sf[i], qf[i], 1.0) for i in range(x.size)]
    return cons
