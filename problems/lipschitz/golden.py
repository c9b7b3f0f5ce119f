"""Golden-section search for the minimum of a unimodal function on an interval."""
from __future__ import annotations

import math
from typing import Callable

_G = (math.sqrt(5.0) - 1.0) / 2.0


def golden_min(f: Callable[[float], float], a: float, b: float, iterations: int,
               tol: float = 0.0) -> list[tuple[float, float]]:
    """Shrink [a, b] by the golden ratio `iterations` times (or until b - a < tol) towards a
    minimum of f; returns the last two probes as (f(x), x), the smaller x first."""
    c, d = b - _G * (b - a), a + _G * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(iterations):
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - _G * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + _G * (b - a)
            fd = f(d)
        if b - a < tol:
            break
    return [(fc, c), (fd, d)]
