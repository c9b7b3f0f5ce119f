"""Tie-break weights that provably never trade the main objective.

The main objective is F = L + c0 * ||lambda||_0 with the loss L an integer (weights are
integers, see `prepare.rational_weights`) in [0, A] and ||lambda||_0 in {0..d}. Let

    delta = min { |a - c0 k| > 0 : a in {-A..A}, k in {-d..d} }

(>= the smallest positive difference of F between two models; 1 when c0 = 0). With
eps0 = delta / (2 (d + 1)) and eps1 = eps0 / (2 (l1_max + 1)) the full objective
F + eps0 ||lambda||_0 + eps1 ||lambda||_1 has tie-break terms in [0, delta/2 + eps0/2) with
eps0/2 < delta/2, so a model with a smaller F always wins; among equal F the sparser
wins (a feature changes eps0 L0 by eps0 > eps1 * l1_max), then the smaller L1 norm.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

_ZERO = 1e-9     # |a - c0 k| below this is an exact tie of F, broken by the tie-break


@dataclass(frozen=True)
class TieBreak:
    delta: float    # smallest positive change of the main objective
    eps0: float     # weight on the number of nonzero coefficients
    eps1: float     # weight on the L1 norm


def min_positive_difference(c0: float, max_loss: int, n_terms: int) -> float:
    """delta above: smallest positive |a - c0 k| over integers |a| <= max_loss, |k| <= n_terms."""
    delta = 1.0
    if c0 <= 0:
        return delta
    for k in range(1, n_terms + 1):
        v = c0 * k
        nearest = min(max(round(v), 0), max_loss)
        for a in {nearest, max(nearest - 1, 0), min(nearest + 1, max_loss)}:
            diff = abs(v - a)
            if diff > _ZERO:
                delta = min(delta, diff)
    return delta


def tie_break(c0: float, max_loss: int, n_terms: int, l1_max: float) -> TieBreak:
    """The weights (eps0, eps1) of the module docstring."""
    if not (math.isfinite(c0) and c0 >= 0):
        raise ValueError(f"the L0 penalty must be finite and >= 0, got {c0!r}")
    delta = min_positive_difference(c0, int(max_loss), int(n_terms))
    eps0 = delta / (2.0 * (n_terms + 1))
    eps1 = eps0 / (2.0 * (float(l1_max) + 1.0))
    return TieBreak(delta, eps0, eps1)
