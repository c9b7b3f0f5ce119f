"""Pre-activation bounds of a ReLU network whose input is affine in a variable v over a simple set.

Symbolic (linear) interval propagation: every neuron carries two linear forms with
A_lo v + c_lo <= h(v) <= A_up v + c_up for all v in the domain; a linear layer maps them with W+ / W-,
an unstable ReLU (L < 0 < U) is relaxed by  lambda a <= relu(a) <= U (a - L) / (U - L)  (lambda = 1 if
U >= -L else 0), and the concrete bounds are the exact minimum / maximum of the forms over the domain
(Wang, Pei, Whitehouse, Yang, Jana, "Efficient formal safety analysis of neural networks", NeurIPS 2018;
Singh, Gehr, Pueschel, Vechev, "An abstract domain for certifying neural networks", POPL 2019).

The domain is the box lo <= v <= hi, optionally with one budget row a'v <= b (a >= 0): a linear form
is then maximised by the fractional-knapsack rule (LP optimum, a valid bound for binary v too).  Since the
forms keep the dependence on v, the bounds are never looser than interval arithmetic on the input box
of the first layer, and exact on the first layer.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np


@dataclasses.dataclass(frozen=True)
class Domain:
    """{v : lo <= v <= hi, budget[0] @ v <= budget[1]} (the budget row optional, weights >= 0)."""

    lo: np.ndarray
    hi: np.ndarray
    budget: tuple[np.ndarray, float] | None = None

    def __post_init__(self) -> None:
        lo = np.asarray(self.lo, dtype=float).ravel()
        hi = np.asarray(self.hi, dtype=float).ravel()
        if lo.shape != hi.shape or np.any(lo > hi) or not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
            raise ValueError("domain bounds must be finite vectors of one length with lo <= hi")
        object.__setattr__(self, "lo", lo)
        object.__setattr__(self, "hi", hi)
        if self.budget is not None:
            a, b = np.asarray(self.budget[0], dtype=float).ravel(), float(self.budget[1])
            if a.shape != lo.shape or np.any(a < 0) or not np.all(np.isfinite(a)) or not np.isfinite(b):
                raise ValueError("the budget row needs finite nonnegative weights, one per variable, and a finite b")
            if a @ lo > b + 1e-9:
                raise ValueError("the budget row a'v <= b excludes every point of the box")
            object.__setattr__(self, "budget", (a, b))

    @property
    def size(self) -> int:
        return int(self.lo.size)

    def maximum(self, G: np.ndarray) -> np.ndarray:
        """max over the domain of G[j] @ v for every row j (the LP optimum)."""
        G = np.atleast_2d(np.asarray(G, dtype=float))
        base = G @ self.lo
        gain = np.maximum(G, 0.0) * (self.hi - self.lo)        # raising v_i from lo_i to hi_i
        if self.budget is None:
            return base + gain.sum(axis=1)
        a, b = self.budget
        room = b - a @ self.lo
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(G > 0, np.where(a > 0, G / np.where(a > 0, a, 1.0), np.inf), 0.0)
        order = np.argsort(-ratio, axis=1)
        cost = np.take_along_axis(np.where(G > 0, a * (self.hi - self.lo), 0.0), order, axis=1)
        value = np.take_along_axis(gain, order, axis=1)
        before = np.cumsum(cost, axis=1) - cost                  # budget used by the better items
        frac = np.clip((room - before) / np.where(cost > 0, cost, 1.0), 0.0, 1.0)
        return base + (frac * value).sum(axis=1)

    def minimum(self, G: np.ndarray) -> np.ndarray:
        return -self.maximum(-np.asarray(G, dtype=float))


@dataclasses.dataclass
class Forms:
    """Linear lower / upper forms of a vector quantity in v: A_lo v + c_lo <= q <= A_up v + c_up."""

    A_lo: np.ndarray
    c_lo: np.ndarray
    A_up: np.ndarray
    c_up: np.ndarray

    @classmethod
    def affine(cls, A: Any, c: Any) -> Forms:
        """q = A v + c exactly."""
        A, c = np.atleast_2d(np.asarray(A, dtype=float)), np.asarray(c, dtype=float).ravel()
        return cls(A, c, A.copy(), c.copy())

    @classmethod
    def concat(cls, parts: Sequence[Forms]) -> Forms:
        return cls(*(np.concatenate([getattr(p, k) for p in parts]) for k in ("A_lo", "c_lo", "A_up", "c_up")))

    def __add__(self, other: Forms) -> Forms:
        return Forms(self.A_lo + other.A_lo, self.c_lo + other.c_lo, self.A_up + other.A_up, self.c_up + other.c_up)

    def linear(self, W: np.ndarray, b: np.ndarray) -> Forms:
        """Forms of W q + b."""
        Wp, Wn = np.maximum(W, 0.0), np.minimum(W, 0.0)
        return Forms(Wp @ self.A_lo + Wn @ self.A_up, Wp @ self.c_lo + Wn @ self.c_up + b,
                     Wp @ self.A_up + Wn @ self.A_lo, Wp @ self.c_up + Wn @ self.c_lo + b)

    def concrete(self, domain: Domain) -> tuple[np.ndarray, np.ndarray]:
        """(L, U): the exact range of the forms over the domain (L <= q <= U)."""
        return domain.minimum(self.A_lo) + self.c_lo, domain.maximum(self.A_up) + self.c_up

    def relu(self, L: np.ndarray, U: np.ndarray) -> Forms:
        """Forms of relu(q) given L <= q <= U (the triangle relaxation on unstable entries)."""
        on, off = L >= 0, U <= 0
        unstable = ~(on | off)
        width = np.where(unstable, U - L, 1.0)
        s_up = np.where(on, 1.0, np.where(unstable, U / width, 0.0))
        t_up = np.where(unstable, -s_up * L, 0.0)
        s_lo = np.where(on | (unstable & (U >= -L)), 1.0, 0.0)
        return Forms(s_lo[:, None] * self.A_lo, s_lo * self.c_lo,
                     s_up[:, None] * self.A_up, s_up * self.c_up + t_up)


def propagate(layers: Sequence[Any], activations: Sequence[str], forms: Forms,
              domain: Domain) -> tuple[list[tuple[np.ndarray, np.ndarray]], Forms]:
    """Pre-activation bounds (L, U) of every layer and the output forms, for an input given by `forms`."""
    out = []
    for (W, b), act in zip(layers, activations):
        pre = forms.linear(np.asarray(W, dtype=float), np.asarray(b, dtype=float))
        L, U = pre.concrete(domain)
        U = np.maximum(U, L)                       # guard against rounding
        out.append((L, U))
        forms = pre.relu(L, U) if act == "relu" else pre
    return out, forms

