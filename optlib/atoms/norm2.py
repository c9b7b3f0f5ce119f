"""norm2(x) = ||x||_2 over all entries (convex, nonnegative); reduction: the second-order cone
||x|| <= t. Written as `norm2(x) <= t`, the cone takes t itself (no atom variable)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..expressions import Expression, Variable
from .base import AFFINE, CONVEX, argument, describe, make_atom, soc


class Norm2(Variable):
    """The atom variable of norm2(x); `argument` is x (flattened)."""

    argument: Expression

    def __repr__(self) -> str:
        return f"norm2({self.argument!r})"


def norm2(x: Any) -> Expression:
    """The Euclidean norm of all entries of x (x affine); for a matrix, the entrywise
    (Frobenius) norm."""
    e = argument(x, "norm2", AFFINE).flatten()
    out = make_atom("norm2", (e,), (), CONVEX, lambda t: as_second_order_cone(t, e),
                    lambda v: np.linalg.norm(v), lb=0.0, cls=Norm2,
                    label=f"norm2({_name(x)})")
    if isinstance(out, Norm2):
        out.argument = e
        out.block.aux.extra["soc_argument"] = e       # `norm2(x) <= t` is the cone itself
    return out


def _name(x: Any) -> str:
    return describe(x) if isinstance(x, Expression) else "constant"


def as_second_order_cone(t: Expression, x: Expression) -> list:
    return [soc(t, x)]
