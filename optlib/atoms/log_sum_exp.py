"""log_sum_exp(x, axis=None) = log sum_i exp(x_i) (convex, nondecreasing); reduction: helpers
u_i >= exp(x_i - t), i.e. (x_i - t, 1, u_i) in the exponential cone, and sum_i u_i <= 1."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..expressions import Expression
from .base import CONVEX, argument, exp_cone, helper_variable, le, make_atom
from .max import reduced_shape


def log_sum_exp(x: Any, axis: int | None = None) -> Expression:
    """log(sum(exp(x))) over all entries or along `axis` (x convex)."""
    e = argument(x, "log_sum_exp", CONVEX)
    shape, keep = reduced_shape(e, axis, "log_sum_exp")

    def value(v: np.ndarray) -> np.ndarray:
        top = np.max(v, axis=axis, keepdims=True)
        return np.squeeze(top, axis=axis) + np.log(np.sum(np.exp(v - top), axis=axis))

    return make_atom("log_sum_exp", (e,), shape, CONVEX, lambda t: as_exponential_cones(t, e, keep, axis), value)


def as_exponential_cones(t: Expression, x: Expression, keep: tuple[int, ...], axis: int | None) -> list:
    u = helper_variable(t.model, x.shape, "log_sum_exp.u", lb=0.0)
    tb = t.reshape(keep).broadcast_to(x.shape) if keep else t
    return [exp_cone(x - tb, 1.0, u), le(u.sum(axis), np.ones(t.shape))]
