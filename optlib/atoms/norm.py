"""norm(x, p) for p in {1, 2, inf, 'inf', 'fro'}: norm1, norm2 or norm_inf (over all entries)."""
from __future__ import annotations

import math
from typing import Any

from ..expressions import Expression
from .norm1 import norm1
from .norm2 import norm2
from .norm_inf import norm_inf


def norm(x: Any, p: Any = 2) -> Expression:
    """The p-norm of the entries of x, p in {1, 2, inf} ('inf' and 'fro' = 2 accepted)."""
    if isinstance(p, str):
        key = p.lower()
        if key == "inf":
            return norm_inf(x)
        if key == "fro":
            return norm2(x)
    elif not isinstance(p, bool) and isinstance(p, (int, float)):
        if p == 1:
            return norm1(x)
        if p == 2:
            return norm2(x)
        if math.isinf(p) and p > 0:
            return norm_inf(x)
    raise ValueError(f"norm: p must be 1, 2, inf, 'inf' or 'fro', got {p!r}")
