"""Non-separability (hull) cuts for 0-1 loss integer programs, each proved by a Farkas multiplier.

Let S be a set of labelled rows (x_i, s_i), s_i = +-1, and F a set of columns. If the convex
hulls of the positive and of the negative rows of S, projected on F, intersect, i.e.

    u >= 0,  sum_{i in S} u_i s_i x_iF = 0,  sum_{i in S+} u_i = sum_{i in S-} u_i = 1,

then no (lambda, b) with lambda_j = 0 off F has s_i (b + x_i' lambda) >= margin > 0 on all of S:
summing the rows with weights u_i gives 0 >= 2 margin (Farkas). So in any 0-1 loss model where
z_i = 0 forces s_i (b + x_i' lambda) >= margin and used_j = 0 forces lambda_j = 0:

    sum_{i in S} z_i + sum_{j not in F} used_j >= 1.

The cut holds for real or integer points, any coefficient box, any side constraints, hence it
keeps the optimum. With F = all columns it is the infeasible-subsystem cut of combinatorial
Benders decomposition (Codato & Fischetti, "Combinatorial Benders' cuts for mixed-integer
linear programming", Oper. Res. 54, 2006); a vertex of the u-polytope has |S| <= |F| + 2. Sets are found by an LP over u weighted by the LP relaxation's z, and
every set is re-proved with an exact rational multiplier (`farkas_certificate`) before use.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

import optlib


@dataclass
class HullCuts:
    """Cuts found: sets[k] (indices into the model's error variables) and outside[k] (columns
    whose `used` variable enters cut k). `lp_bounds` is the LP relaxation per round."""

    sets: list[tuple[int, ...]] = field(default_factory=list)
    outside: list[tuple[int, ...]] = field(default_factory=list)
    lp_bounds: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def __len__(self) -> int:
        return len(self.sets)


def _hull_system(X: np.ndarray, sign: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(A, rhs) with A u = rhs the hull-intersection equalities above (columns = rows of X)."""
    A = np.vstack([(X * sign[:, None]).T, (sign > 0).astype(float), (sign < 0).astype(float)])
    rhs = np.concatenate([np.zeros(X.shape[1]), [1.0, 1.0]])
    return A, rhs


def farkas_certificate(X: np.ndarray, sign: np.ndarray, rows: np.ndarray) -> list[Fraction] | None:
    """Exact u >= 0 on `rows` proving their hulls meet (see module doc), or None.

    Solves the hull equalities restricted to `rows` in rational arithmetic (the data's floats
    are exact binary fractions); None when no nonnegative solution is found on these rows."""
    rows = np.asarray(rows, dtype=int)
    A, rhs = _hull_system(X[rows], sign[rows])
    m, k = A.shape
    M = [[Fraction(float(A[r, c])) for c in range(k)] + [Fraction(float(rhs[r]))] for r in range(m)]
    piv_cols, r0 = [], 0
    for c in range(k):                                   # reduced row echelon form
        p = next((r for r in range(r0, m) if M[r][c] != 0), None)
        if p is None:
            continue
        M[r0], M[p] = M[p], M[r0]
        inv = 1 / M[r0][c]
        M[r0] = [v * inv for v in M[r0]]
        for r in range(m):
            if r != r0 and M[r][c] != 0:
                f = M[r][c]
                M[r] = [a - f * b for a, b in zip(M[r], M[r0])]
        piv_cols.append(c)
        r0 += 1
        if r0 == m:
            break
    if any(all(v == 0 for v in M[r][:k]) and M[r][k] != 0 for r in range(m)):
        return None                                      # inconsistent
    u = [Fraction(0)] * k                                # free columns at 0
    for r, c in enumerate(piv_cols):
        u[c] = M[r][k]
    if any(v < 0 for v in u):
        return None
    return u


def _verified(X: np.ndarray, sign: np.ndarray, rows: np.ndarray) -> np.ndarray | None:
    """The rows with a positive exact multiplier, if `rows` is a proved non-separable set."""
    u = farkas_certificate(X, sign, rows)
    if u is None:
        return None
    return np.asarray(rows)[[v > 0 for v in u]]


def hull_set(X: np.ndarray, sign: np.ndarray, cost: np.ndarray, time_limit: float | None = None) -> np.ndarray | None:
    """Rows of a cheapest (by `cost`) vertex of the hull-intersection polytope, exactly
    re-proved non-separable; None if the hulls of the two classes do not meet (or the LP is
    not solved within `time_limit` seconds)."""
    if not (np.any(sign > 0) and np.any(sign < 0)):
        return None
    A, rhs = _hull_system(X, sign)
    res = linprog(cost, A_eq=A, b_eq=rhs, bounds=(0, None), method="highs-ds", options=_lp_options(time_limit))
    if res.status != 0:
        return None
    u = res.x
    rows = np.flatnonzero(u > 1e-9 * max(1.0, float(u.max())))
    return _verified(X, sign, rows)


_LP_FLOOR = 0.25     # seconds an LP of a cut loop gets even when the loop's budget is spent


def _lp_options(time_limit: float | None) -> dict:
    """scipy linprog options: HiGHS's time limit (at least 1 ms) when one is given."""
    return {} if time_limit is None else {"time_limit": max(float(time_limit), 1e-3)}


def _relaxation(model: optlib.Model):
    """(c, offset, A_ub, b_ub, A_eq, b_eq, bounds) of the model's LP relaxation."""
    sf = model.compile()
    A_ub, b_ub, A_eq, b_eq = sf.linprog_rows()
    return sf.c, sf.offset, A_ub, b_ub, A_eq, b_eq, np.column_stack([sf.lb, sf.ub])


class CutLP:
    """The LP relaxation of a model plus the cut rows found so far (sum of -1s <= -1)."""

    def __init__(self, model: optlib.Model):
        self.c, self.offset, self.A_ub, self.b_ub, self.A_eq, self.b_eq, self.bounds = _relaxation(model)
        self.model = model
        self.rows: list[sp.csr_matrix] = []

    def index(self, block: str, size: int) -> np.ndarray:
        """Columns of the scalars block[0], ..., block[size - 1]."""
        return self.model.columns(block)[:size]

    def add(self, columns: np.ndarray) -> None:
        """The cut: the sum of the given columns >= 1."""
        row = np.zeros(self.c.size)
        row[np.asarray(columns, dtype=int)] = -1.0
        self.rows.append(sp.csr_matrix(row))

    def binding(self, x: np.ndarray, tol: float = 1e-6) -> np.ndarray:
        """Mask of the cut rows that hold with equality at x."""
        if not self.rows:
            return np.zeros(0, bool)
        return (sp.vstack(self.rows) @ x) >= -1 - tol

    def solve(self, bounds_out: list[float], time_limit: float | None = None) -> np.ndarray | None:
        """An optimal point (appending the LP value to bounds_out), or None if not solved
        (within `time_limit` seconds, if given)."""
        A = sp.vstack([self.A_ub] + self.rows).tocsr() if self.rows else self.A_ub
        b = np.concatenate([self.b_ub, -np.ones(len(self.rows))]) if self.rows else self.b_ub
        eq = self.A_eq.shape[0] > 0
        lp = linprog(self.c, A_ub=A, b_ub=b, A_eq=self.A_eq if eq else None, b_eq=self.b_eq if eq else None,
                     bounds=self.bounds, method="highs", options=_lp_options(time_limit))
        if lp.status != 0:
            return None
        bounds_out.append(float(lp.fun + self.offset))
        return lp.x


def separate_hull_cuts(model: optlib.Model, X: np.ndarray, sign: np.ndarray, errors: str = "errors",
                       used: str | None = "used", columns: np.ndarray | None = None, rounds: int = 30,
                       per_round: int = 40, time_limit: float = 10.0, add: bool = True,
                       prune: bool = True) -> HullCuts:
    """Cutting-plane loop on the LP relaxation of `model` (see the module doc).

    X, sign: the rows behind the model's error variables `errors[r]`; `used[j]` the column
    indicators (None if every column is always allowed). columns: the columns that may be
    nonzero (default all). Each round solves the LP, then repeatedly picks a cheapest
    non-separable set under cost z* + penalty (penalty += 1 on each set found, so the
    sets of one round spread out) on all columns and, when `used` is given, on the columns
    the LP uses. Violated, exactly proved cuts are added as rows named "hull" (add=True);
    prune=True keeps only the cuts binding at the last LP (slack ones slow the MIP down).
    time_limit: seconds for the loop; each LP gets what is left of them (at least _LP_FLOOR)."""
    t0 = time.perf_counter()

    def left() -> float:        # seconds of the budget left (an LP gets at least _LP_FLOOR)
        return time_limit - (time.perf_counter() - t0)

    out = HullCuts()
    n, d = X.shape
    cols_all = np.arange(d) if columns is None else np.asarray(columns, dtype=int)
    lp = CutLP(model)
    zi = lp.index(errors, n)
    ui = lp.index(used, d) if used is not None else None
    seen: set[tuple] = set()
    x, new = None, 0
    for _ in range(rounds):
        x = lp.solve(out.lp_bounds, max(left(), _LP_FLOOR))
        if x is None:
            break
        z = np.clip(x[zi], 0, 1)
        u_star = np.clip(x[ui], 0, 1) if ui is not None else None
        families = [cols_all]
        if u_star is not None:
            sup = np.intersect1d(cols_all, np.flatnonzero(u_star > 1e-6))
            if 0 < sup.size < cols_all.size:
                families.append(sup)
        new = 0
        for F in families:
            outside = np.setdiff1d(cols_all, F) if ui is not None else np.zeros(0, int)
            extra = float(u_star[outside].sum()) if outside.size else 0.0
            penalty = np.zeros(n)
            for _ in range(per_round):
                if left() <= 0:
                    break
                S = hull_set(X[:, F], sign, z + penalty + 1e-4, left())
                if S is None or z[S].sum() + extra >= 1 - 1e-6:
                    break
                penalty[S] += 1.0
                key = (tuple(S.tolist()), tuple(outside.tolist()))
                if key in seen:
                    continue
                seen.add(key)
                out.sets.append(key[0])
                out.outside.append(key[1])
                lp.add(np.concatenate([zi[S], ui[outside] if outside.size else []]))
                new += 1

        if new == 0 or time.perf_counter() - t0 > time_limit:
            break
    if prune and out.sets:
        x = lp.solve(out.lp_bounds, max(left(), _LP_FLOOR)) if new else x
        if x is not None:
            keep = np.flatnonzero(lp.binding(x))
            out.sets = [out.sets[k] for k in keep]
            out.outside = [out.outside[k] for k in keep]
    if add and out.sets:
        add_cuts(model, out, n, errors, used, d)
    out.seconds = time.perf_counter() - t0
    return out


def add_cuts(model: optlib.Model, cuts: HullCuts, n: int, errors: str, used: str | None, d: int,
             name: str = "hull") -> None:
    """Add sum_{i in S} z_i + sum_{j outside} used_j >= 1 for every cut (rows named `name`,
    then name_1, ... on later calls)."""
    var = model.variables
    k = len(cuts)
    rows = np.repeat(np.arange(k), [len(S) for S in cuts.sets])
    Z = sp.csr_matrix((np.ones(rows.size), (rows, np.concatenate(cuts.sets))), shape=(k, n))
    expr = Z @ var[errors]
    if used is not None and any(cuts.outside):
        r2 = np.repeat(np.arange(k), [len(o) for o in cuts.outside])
        cols = np.concatenate([np.asarray(o, dtype=int) for o in cuts.outside])
        U = sp.csr_matrix((np.ones(r2.size), (r2, cols)), shape=(k, d))
        expr = expr + U @ var[used]
    base, k = name, 1
    while name in model.constraints:
        name, k = f"{base}_{k}", k + 1
    model.add(expr >= 1, name=name)
