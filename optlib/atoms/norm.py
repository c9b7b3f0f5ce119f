"""norm(x, p) for p in {1, 2, inf, 'inf', 'fro'}, with CVXPY's meaning: for a vector (or a
matrix with one row or column) the p-norm of the entries (norm1, norm2, norm_inf); for a matrix
the induced norm: p = 1 the largest column sum of |X|, p = inf the largest row sum, p = 2 the
largest singular value (norm2 of a matrix); 'fro' the entrywise 2-norm."""
from __future__ import annotations

import math
from typing import Any

from ..expressions import Expression, to_expression
from .abs import abs as abs_
from .max import max as max_
from .norm1 import norm1
from .norm2 import norm2
from .norm_inf import norm_inf


def norm(x: Any, p: Any = 2) -> Expression:
    """The p-norm of x, p in {1, 2, inf, 'inf', 'fro'} (see the module docstring for matrices)."""
    key = None
    if isinstance(p, str):
        key = {"inf": "inf", "fro": "fro"}.get(p.lower())
    elif not isinstance(p, bool) and isinstance(p, (int, float)):
        key = {1: "1", 2: "2"}.get(p) if not math.isinf(p) else ("inf" if p > 0 else None)
    if key is None:
        raise ValueError(f"norm: p must be 1, 2, inf, 'inf' or 'fro', got {p!r}")
    e = to_expression(x)
    if key == "fro":
        return norm2(e.flatten())
    if is_matrix(e):
        if key == "1":                      # the largest column sum of |X|
            return max_(abs_(e).sum(axis=0))
        if key == "inf":                    # the largest row sum of |X|
            return max_(abs_(e).sum(axis=1))
        return norm2(e)                     # the largest singular value
    return {"1": norm1, "2": norm2, "inf": norm_inf}[key](e)


def is_matrix(e: Expression) -> bool:
    """A 2-D expression with more than one row and more than one column."""
    return e.ndim == 2 and min(e.shape) > 1
