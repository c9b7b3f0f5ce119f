"""max(x, axis=None): the largest entry (or along an axis), convex and nondecreasing; reduction:
t >= x_i for every entry (t broadcast along the reduced axis)."""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ..expressions import Expression
from .base import CONVEX, argument, le, make_atom


def reduced_shape(e: Expression, axis: Any, name: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(shape of the result, shape t is broadcast back to) of a reduction along `axis`."""
    if axis is None:
        if e.size == 0:
            raise ValueError(f"{name} of an empty expression")
        return (), ()
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral) or e.ndim == 0 \
            or not -e.ndim <= axis < e.ndim:
        raise ValueError(f"{name}: axis {axis!r} is out of range for an expression of shape {e.shape}")
    axis = int(axis) % e.ndim
    out = tuple(s for i, s in enumerate(e.shape) if i != axis)
    keep = tuple(1 if i == axis else s for i, s in enumerate(e.shape))
    return out, keep


def max(x: Any, axis: int | None = None) -> Expression:  # noqa: A001 - CVXPY's name
    """The largest entry of x (axis=None) or along `axis` (x must be convex)."""
    e = argument(x, "max", CONVEX)
    shape, keep = reduced_shape(e, axis, "max")
    return make_atom("max", (e,), shape, CONVEX, lambda t: as_inequalities(t, e, keep),
                     lambda v: np.max(v, axis=axis))


def as_inequalities(t: Expression, x: Expression, keep: tuple[int, ...]) -> list:
    return [le(x, t.reshape(keep).broadcast_to(x.shape) if keep else t)]
