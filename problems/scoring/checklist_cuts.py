"""Dominance cuts for the checklist IP: a positive and a negative row cannot both be right
unless a chosen item separates them.

For a positive row p and a negative row n let T(p, n) = {items j : A_pj = 1, A_nj = 0}. If no
item of T(p, n) is chosen, every chosen item that holds for p holds for n, so A_n'u >= A_p'u:
p predicted positive (A_p'u >= M) forces n predicted positive. Hence, for every M and every
choice of items,

    z_p + z_n + sum_{j in T(p, n)} u_j >= 1,

which keeps the optimum (the pair version of the non-separability cuts of `cuts.py`). They
are separated on the LP relaxation: all P x N pairs are scored with one matrix product.
"""
from __future__ import annotations

import time

import numpy as np

import optlib

from .cuts import _LP_FLOOR, CutLP, HullCuts, add_cuts


def most_violated(V: np.ndarray, done: np.ndarray, limit: int) -> list[tuple[int, int]]:
    """Up to `limit` (i, j) with the smallest V[i, j] < 1 among pairs not `done` (marks them)."""
    V = np.where(done, np.inf, V)
    order = np.argsort(V, axis=None)[:limit]
    order = order[V.ravel()[order] < 1 - 1e-6]
    pairs = [divmod(int(k), V.shape[1]) for k in order]
    for i, j in pairs:
        done[i, j] = True
    return pairs


def separate_pair_cuts(model: optlib.Model, A: np.ndarray, sign: np.ndarray, rounds: int = 30,
                       per_round: int = 200, time_limit: float = 10.0, errors: str = "errors",
                       use: str = "use") -> HullCuts:
    """Cutting-plane loop on the LP relaxation of `model` (rows of A behind `errors[r]`, items
    behind `use[j]`); adds the violated cuts of the module doc as rows named 'dominance'.
    Returns them as HullCuts (sets = (p, n), outside = T(p, n)). time_limit: seconds for the
    loop; each LP gets what is left of them (at least `cuts._LP_FLOOR`)."""
    t0 = time.perf_counter()
    out = HullCuts()
    A = np.asarray(A, dtype=float)
    n, d = A.shape
    pos, neg = np.flatnonzero(sign > 0), np.flatnonzero(sign < 0)
    if pos.size == 0 or neg.size == 0:
        return out
    lp = CutLP(model)
    zi, ui = lp.index(errors, n), lp.index(use, d)
    Ap, An1 = A[pos], 1.0 - A[neg]
    done = np.zeros((pos.size, neg.size), bool)
    for _ in range(rounds):
        x = lp.solve(out.lp_bounds, max(time_limit - (time.perf_counter() - t0), _LP_FLOOR))
        if x is None:
            break
        z, u = x[zi], x[ui]
        V = z[pos][:, None] + z[neg][None, :] + (Ap * u[None, :]) @ An1.T
        found = most_violated(V, done, per_round)
        if not found:
            break
        for i, j in found:
            p, q = int(pos[i]), int(neg[j])
            T = np.flatnonzero((A[p] > 0.5) & (A[q] < 0.5))
            out.sets.append((p, q))
            out.outside.append(tuple(T.tolist()))
            lp.add(np.concatenate([zi[[p, q]], ui[T]]))
        if time.perf_counter() - t0 > time_limit:
            break
    if out.sets:
        add_cuts(model, out, n, errors, use, d, name="dominance")
    out.seconds = time.perf_counter() - t0
    return out
