"""Exact brute-force baseline for tiny (mixed-)integer linear programs.

Every integer point of the box ceil(lb_I) <= x_I <= floor(ub_I) is enumerated: for a pure
integer problem the rows lo <= A x <= hi and the objective c'x + offset are evaluated on
chunks of points at once; with continuous variables, each point whose integer-only rows
hold fixes x_I and the rest, min c_C'x_C s.t. A_C x_C in [lo, hi] - A_I x_I, is solved
by `scipy.optimize.linprog`. It is a test oracle for the MIP backends, not a solver.
"""
from __future__ import annotations

import math
import time

import numpy as np
from scipy.optimize import linprog

from optlib.standard_form import RawResult, StandardForm
from optlib.status import Status

_TOL = 1e-9
_CHUNK = 1 << 15


def _rows_hold(Ax: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Columns of Ax (rows x points) with lo <= Ax <= hi up to a small tolerance."""
    lo_t = lo[:, None] - _TOL * (1.0 + np.abs(np.where(np.isfinite(lo), lo, 0.0)))[:, None]
    hi_t = hi[:, None] + _TOL * (1.0 + np.abs(np.where(np.isfinite(hi), hi, 0.0)))[:, None]
    return np.all((Ax >= lo_t) & (Ax <= hi_t), axis=0)


def enumerate_milp(sf: StandardForm, max_points: int = 10**6) -> RawResult:
    """Solve `sf` (zero/nonneg rows only) exactly by enumerating its integer points.

    Raises ValueError if an integer variable has an infinite bound or if there are more
    than `max_points` integer points. Returns OPTIMAL (bound == objective), INFEASIBLE,
    or UNBOUNDED when some integer point leaves an unbounded continuous LP; `nodes` is
    the number of integer points in the box.
    """
    t0 = time.perf_counter()
    A, lo, hi = sf.linear_rows()
    A = A.tocsc()
    I = np.flatnonzero(sf.integer)
    C = np.flatnonzero(~sf.integer)
    if not (np.all(np.isfinite(sf.lb[I])) and np.all(np.isfinite(sf.ub[I]))):
        raise ValueError("enumerate_milp needs finite bounds on every integer variable")
    lbI = np.ceil(sf.lb[I] - _TOL).astype(np.int64)
    sizes = np.floor(sf.ub[I] + _TOL).astype(np.int64) - lbI + 1
    done = dict(solver="enumerate")
    if np.any(sizes <= 0):
        return RawResult(status=Status.INFEASIBLE, message="an integer variable has an empty range",
                         solve_time=time.perf_counter() - t0, **done)
    total = math.prod(int(s) for s in sizes)
    if total > max_points:
        raise ValueError(f"enumerate_milp: {total} integer points exceed max_points={max_points}")

    AI, AC = A[:, I].tocsr(), A[:, C].tocsr()
    int_only = np.diff(AC.indptr) == 0  # rows that the integer part alone decides
    strides = np.cumprod(np.concatenate(([1], sizes[:-1]))) if I.size else np.zeros(0, np.int64)
    best_val, best_x = math.inf, None
    for start in range(0, total, _CHUNK):
        k = np.arange(start, min(start + _CHUNK, total), dtype=np.int64)
        XI = lbI[None, :] + (k[:, None] // strides[None, :]) % sizes[None, :]  # points x |I|
        AxI = AI @ XI.T.astype(float)                                           # rows x points
        ok = _rows_hold(AxI[int_only], lo[int_only], hi[int_only])
        if C.size == 0:
            vals = np.where(ok, XI @ sf.c[I] + sf.offset, math.inf)
            j = int(np.argmin(vals))
            if vals[j] < best_val:
                best_val, best_x = float(vals[j]), XI[j].astype(float)
            continue
        for j in np.flatnonzero(ok):
            lp = _continuous_part(sf, AC[~int_only], lo[~int_only] - AxI[~int_only, j],
                                  hi[~int_only] - AxI[~int_only, j], C)
            if lp is None:
                continue
            if lp == "unbounded":
                return RawResult(status=Status.UNBOUNDED, solve_time=time.perf_counter() - t0,
                                 message="a continuous subproblem is unbounded", **done)
            val = float(XI[j] @ sf.c[I] + lp[0] + sf.offset)
            if val < best_val:
                best_val, best_x = val, np.concatenate([XI[j], lp[1]])
    elapsed = time.perf_counter() - t0
    if best_x is None:
        return RawResult(status=Status.INFEASIBLE, solve_time=elapsed, nodes=total, **done)
    x = np.empty(sf.n)
    x[np.concatenate([I, C])] = best_x  # best_x lists the integer part, then the rest
    obj = float(sf.c @ x + sf.offset)
    return RawResult(status=Status.OPTIMAL, x=x, objective=obj, bound=obj,
                     solve_time=elapsed, nodes=total, **done)


def _continuous_part(sf: StandardForm, AC, lo: np.ndarray, hi: np.ndarray, C: np.ndarray):
    """min c_C'x_C s.t. lo <= AC x_C <= hi, box: (value, x_C), None if infeasible,
    or "unbounded"."""
    A_ub, b_ub, A_eq, b_eq = sf.linprog_rows(AC, lo, hi)
    res = linprog(sf.c[C], A_ub=A_ub if A_ub.shape[0] else None, b_ub=b_ub if b_ub.size else None,
                  A_eq=A_eq if A_eq.shape[0] else None, b_eq=b_eq if b_eq.size else None,
                  bounds=np.column_stack([sf.lb[C], sf.ub[C]]), method="highs")
    if res.status == 0:
        return float(res.fun), np.asarray(res.x, dtype=float)
    if res.status == 2:
        return None
    if res.status == 3:
        return "unbounded"
    raise RuntimeError(f"enumerate_milp: linprog failed on a continuous subproblem: {res.message}")
