"""Rounding a lower bound up to the grid of objective values a model can attain.

If every feasible objective value is E + g with E an integer and, for some k in a finite set,
g in [g_min(k), g_max(k)], then objective >= B implies E >= ceil(B - g_max(k)), hence

    objective >= min_k ( ceil(B - g_max(k)) + g_min(k) ),

a valid bound that may exceed B (e.g. a solver bound 6.6 on an integer error count is 7).
SLIM: E = weighted errors (integer weights), g = (C0' + eps0) k + eps1 L1 with k = number of
features used and k <= L1 <= largest L1 with k features. Checklists: E = integer cost,
g = eps k with k items. `_TOL` absorbs the solver's float noise on B (it only lowers B).
"""
from __future__ import annotations

import math
from collections.abc import Iterable

_TOL = 1e-6


def grid_min(bound: float, extras: Iterable[tuple[float, float]]) -> float:
    """min over (g_min, g_max) of ceil(bound - g_max - tol) + g_min (-inf if no extras or
    bound is not finite): a lower bound on any attainable value >= bound."""
    if not math.isfinite(bound):
        return -math.inf
    return min((math.ceil(bound - g_max - _TOL * max(1.0, abs(bound))) + g_min for g_min, g_max in extras),
               default=-math.inf)


def grid_round(bound: float, extras: Iterable[tuple[float, float]]) -> float:
    """The bound rounded up to the grid: max(bound, grid_min(bound, extras))."""
    return max(bound, grid_min(bound, extras))
