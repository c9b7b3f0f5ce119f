"""Core-shape selection as a mixed-integer program written in optlib.

Exact formulation (`formulation="product-chain"`, the default of method ``ip``): one-hot
x_{n,r} (mode n has rank r), partial products z_k = R_{o_1} ... R_{o_k} along a mode
order o, and for k >= 2 disaggregated copies w_{k,r} = z_{k-1} x_{o_k,r}:

    sum_r x_{n,r} = 1,   z_1 = sum_r r x_{o_1,r},   sum_r w_{k,r} = z_{k-1},
    0 <= w_{k,r} <= U_{k,r} x_{o_k,r},   z_k = sum_r r w_{k,r},
    z_N + sum_{n,r} I_n r x_{n,r} <= B,      maximise sum_{n,r} S_n(r) x_{n,r}.

For binary one-hot x the w-rows force w_{k,r} = z_{k-1} on the chosen r and 0 elsewhere,
so z_N = prod_n R_n exactly: the MILP's optimum *is* the packing optimum (no
approximation; U_{k,r} = min(prod of the earlier largest ranks, floor(Z / r)) with
Z = B - sum I_n, the largest possible core). The valid cut sum_{n,r} log(r) x_{n,r} <=
log Z tightens the LP relaxation.

The paper's formulation (`formulation="log-split"`, Ghadiri et al. ICML 2023): for each
split of the budget into a core part Q and a factor part B - Q on the grid Q = (1+eps)^k
(and B - Q on it), solve  max sum S_n(r) x  s.t. one-hot, sum log(r) x <= log Q,
sum I_n r x <= B - Q,  and keep the best. Each sub-MILP is solved exactly, but the grid
may miss the optimal split, so the result is not a proof of optimality for the packing
problem.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

import optlib

from .packing import Packing

FLOOR = 0.05        # seconds a MILP gets even when the deadline is (nearly) spent


@dataclass(frozen=True, eq=False)
class IPSolution:
    """A decoded MILP answer: the shape, the optlib Result(s), and whether it is proved optimal."""

    ranks: tuple[int, ...] | None
    value: float | None
    bound: float
    optimal: bool
    result: Any                       # the optlib Result (product-chain) or the best sub-MILP's
    results: tuple[Any, ...] = ()     # every sub-MILP's Result (log-split)
    message: str = ""
    time: float = 0.0
    limit_reached: str | None = None


def _one_hot_rows(rmax: tuple[int, ...]) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Row n sums mode n's indicators; also the mode and rank of every column."""
    mode = np.repeat(np.arange(len(rmax)), rmax)
    rank = np.concatenate([np.arange(1, r + 1) for r in rmax])
    A = sp.csr_matrix((np.ones(mode.size), (mode, np.arange(mode.size))), shape=(len(rmax), mode.size))
    return A, mode, rank


def _decode(res: Any, x: Any, mode: np.ndarray, rank: np.ndarray, n: int) -> tuple[int, ...] | None:
    if res.x is None or not res.status.has_solution:
        return None
    xv = np.asarray(res[x], dtype=float)
    ranks = []
    for k in range(n):
        cols = np.flatnonzero(mode == k)
        j = cols[int(np.argmax(xv[cols]))]
        if xv[j] < 0.5:
            return None
        ranks.append(int(rank[j]))
    return tuple(ranks)


def product_chain_model(packing: Packing, budget: int, log_cut: bool = True
                        ) -> tuple[optlib.Model, Any, np.ndarray, np.ndarray]:
    """The exact MILP (module docstring); returns (model, x, mode of each x, rank of each x).
    z and w are declared integer (they are in every feasible point), so CP-SAT can take
    the model when `log_cut=False` (its irrational coefficients cannot be scaled to integers)."""
    rmax = packing.max_ranks(budget)
    N = packing.ndim
    core_max = budget - sum(packing.shape)            # prod R_n <= B - sum I_n R_n <= B - sum I_n
    order = sorted(range(N), key=lambda n: (-rmax[n], n))
    A1, mode, rank = _one_hot_rows(rmax)
    m = optlib.Model("tucker-core-shape")
    x = m.boolean(mode.size, name="x")
    value = np.array([packing.prefix[n][r] for n, r in zip(mode, rank)])
    cost = np.array([packing.shape[n] * r for n, r in zip(mode, rank)], dtype=float)
    m.add(A1 @ x == 1, name="one_rank_per_mode")
    cols = {n: np.flatnonzero(mode == n) for n in range(N)}
    first = order[0]
    upper = min(rmax[first], core_max)
    z = m.integer(lb=1, ub=upper, name=f"z_{first}")
    m.add(z == rank[cols[first]] @ x[cols[first]], name=f"prod_{first}")
    for n in order[1:]:
        r = rank[cols[n]]
        cap = np.minimum(upper, core_max // r).astype(float)
        w = m.integer(r.size, lb=0, ub=cap, name=f"w_{n}")
        m.add(w.sum() == z, name=f"copy_{n}")
        m.add(w <= sp.diags(cap) @ x[cols[n]], name=f"link_{n}")
        upper = min(upper * rmax[n], core_max)
        z_next = m.integer(lb=1, ub=upper, name=f"z_{n}")
        m.add(z_next == r.astype(float) @ w, name=f"prod_{n}")
        z = z_next
    m.add(z + cost @ x <= budget, name="size")
    if log_cut:
        m.add(np.log(rank.astype(float)) @ x <= math.log(core_max) + 1e-9, name="log_core_cut")
    m.maximize(value @ x)
    return m, x, mode, rank


def _verified_shape(packing: Packing, ranks: tuple[int, ...] | None, budget: int) -> bool:
    return ranks is not None and packing.size(ranks) <= budget


def solve_product_chain(packing: Packing, budget: int, backend: str = "auto", time_limit: float | None = None,
                        rel_gap: float = 1e-9, log_cut: bool | None = None, **solve_options: Any) -> IPSolution:
    """Solve the exact MILP; `optimal` only when the solver proved it and optlib's checks passed.
    `log_cut` defaults to True except on CP-SAT."""
    t0 = time.perf_counter()
    if log_cut is None:
        log_cut = not (isinstance(backend, str) and backend.strip().lower() == "cpsat")
    m, x, mode, rank = product_chain_model(packing, budget, log_cut)
    res = m.solve(backend=backend, time_limit=time_limit, rel_gap=rel_gap, **solve_options)
    ranks = _decode(res, x, mode, rank, packing.ndim)
    ok = _verified_shape(packing, ranks, budget)
    value = packing.value(ranks) if ok else None
    consistent = ok and res.objective is not None and abs(value - res.objective) <= 1e-6 * max(1.0, abs(value))
    optimal = bool(consistent and res.status is optlib.Status.OPTIMAL and res.certificate.verified
                   and res.gap <= max(rel_gap, 1e-9) + 1e-12)
    msg = "" if consistent else "the MILP's answer did not decode to a feasible shape of matching value"
    return IPSolution(ranks if ok else None, value, float(res.bound), optimal, res, (res,), msg,
                      time.perf_counter() - t0, res.limit_reached)


def split_grid(budget: int, eps: float) -> list[tuple[float, float]]:
    """The paper's (core, factor) budget splits: Q = (1+eps)^k and B - Q, both ways round."""
    K = math.floor(math.log(budget) / math.log1p(eps))
    out = []
    for k in range(K):
        q = (1 + eps) ** k
        out += [(q, budget - q), (budget - q, q)]
    return out


def solve_log_split(packing: Packing, budget: int, eps: float = 0.5, backend: str = "auto",
                    time_limit: float | None = None, deadline: optlib.Deadline | None = None,
                    **solve_options: Any) -> IPSolution:
    """The paper's grid of log-linearised MILPs (module docstring); never claims optimality.
    `time_limit` (or `deadline`) bounds the whole grid: each sub-MILP gets what is left (at
    least FLOOR seconds) and the grid stops when it has passed, keeping the best shape so far."""
    if not (isinstance(eps, (int, float)) and 0 < eps):
        raise ValueError(f"eps must be a positive number, got {eps!r}")
    t0 = time.perf_counter()
    if deadline is None:
        deadline = optlib.Deadline(time_limit)
    elif time_limit is not None:
        deadline = deadline.sub(time_limit)
    limit = None
    rmax = tuple(packing.shape)
    A1, mode, rank = _one_hot_rows(rmax)
    value = np.array([packing.prefix[n][r] for n, r in zip(mode, rank)])
    cost = np.array([packing.shape[n] * r for n, r in zip(mode, rank)], dtype=float)
    logs = np.log(rank.astype(float))
    best = tuple([1] * packing.ndim)
    results = []
    grid = [(qc, qf) for qc, qf in split_grid(budget, eps) if qc >= 1 and qf >= sum(packing.shape)]
    for q_core, q_factor in grid:
        if deadline.expired():
            limit = "time_limit"
            break
        m = optlib.Model("tucker-core-shape-log-split")
        x = m.boolean(mode.size, name="x")
        m.add(A1 @ x == 1, name="one_rank_per_mode")
        m.add(logs @ x <= math.log(q_core), name="core")
        m.add(cost @ x <= q_factor, name="factors")
        m.maximize(value @ x)
        res = m.solve(backend=backend, time_limit=deadline.left(floor=FLOOR), **solve_options)
        if res.limit_reached == "time_limit":
            limit = "time_limit"
        results.append(res)
        ranks = _decode(res, x, mode, rank, packing.ndim)
        if _verified_shape(packing, ranks, budget) and packing.value(ranks) > packing.value(best):
            best = ranks
    done = f"{len(results)} of {len(grid)} sub-MILPs" if limit else f"{len(results)} sub-MILPs"
    return IPSolution(best, packing.value(best), math.inf, False, None, tuple(results),
                      f"{done} on the (1+{eps})^k split grid; not a proof of optimality",
                      time.perf_counter() - t0, limit)
