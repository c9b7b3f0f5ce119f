"""Local search for the Neur2RO main problem  max_x a'x + s min_k V(x, xi_k)  over binary x (no MIP).

Steepest ascent over single flips, and one-in/one-out swaps at a flip-local optimum, from several
starts; candidates are scored by the network (batched, `solvers.neural.set_network.batch_evaluator`),
lazily: a score may stop at an upper bound for candidates that cannot beat the current value.  The
first-stage set is {0,1}^n with an optional budget row a'x <= b (`instance.first_stage_budget()`).  A
heuristic: it returns local optima, not a certified main-problem optimum (cf. the MIP main problem of
Neur2RO, Dumouchelle et al., ICLR 2024).
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

import optlib


def _flips(x: np.ndarray) -> np.ndarray:
    """All single flips of x."""
    n = x.size
    flips = np.tile(x, (n, 1))
    flips[np.arange(n), np.arange(n)] = 1 - x
    return flips


def _swaps(x: np.ndarray, max_swaps: int, rng: np.random.Generator) -> np.ndarray:
    """One-in/one-out swaps of x (at most max_swaps, sampled)."""
    on, off = np.flatnonzero(x > 0.5), np.flatnonzero(x < 0.5)
    if not on.size or not off.size:
        return np.zeros((0, x.size))
    pairs = np.array(np.meshgrid(on, off, indexing="ij")).reshape(2, -1).T
    if len(pairs) > max_swaps:
        pairs = pairs[rng.choice(len(pairs), max_swaps, replace=False)]
    swaps = np.tile(x, (len(pairs), 1))
    swaps[np.arange(len(pairs)), pairs[:, 0]] = 0.0
    swaps[np.arange(len(pairs)), pairs[:, 1]] = 1.0
    return swaps


def local_search(score: Callable[..., np.ndarray], starts: np.ndarray,
                 budget: tuple[np.ndarray, float] | None = None, max_swaps: int = 4000, seed: int = 0,
                 deadline: optlib.Deadline | None = None, max_steps: int = 1000) -> list[tuple[np.ndarray, float]]:
    """The distinct local optima (x, score) of `score` (rows of a 0/1 matrix -> values) reached from the
    rows of `starts`, best first.  `score(X, threshold)` may return, for rows whose value is at most
    `threshold`, any number <= threshold instead of the value (lazy evaluation; threshold None = exact).
    Infeasible starts (a'x > b) are repaired by dropping items of largest weight first.  The search stops
    at `deadline` (an optlib.Deadline, checked after each step)."""
    rng = np.random.default_rng(seed)
    optima: dict = {}
    for x in np.atleast_2d(np.asarray(starts, dtype=float)):
        x = np.round(x)
        if budget is not None:
            a, b = budget
            for i in np.argsort(-a):
                if a @ x <= b + 1e-9:
                    break
                x[i] = 0.0
        v = float(score(x[None], None)[0])
        swaps = False                       # flips until none improves, then swaps (flips again after one)
        for _ in range(max_steps):
            nb = _swaps(x, max_swaps, rng) if swaps else _flips(x)
            if budget is not None:
                nb = nb[nb @ budget[0] <= budget[1] + 1e-9]
            vals = score(nb, v) if len(nb) else np.zeros(0)
            k = int(np.argmax(vals)) if len(nb) else -1
            if k < 0 or vals[k] <= v + 1e-9 * max(1.0, abs(v)):
                if swaps:
                    break
                swaps = True
                continue
            x, v, swaps = nb[k], float(vals[k]), False
            if deadline is not None and deadline.expired():
                break
        optima.setdefault(x.astype(np.int8).tobytes(), (x.copy(), v))
        if deadline is not None and deadline.expired():
            break
    return sorted(optima.values(), key=lambda o: -o[1])
