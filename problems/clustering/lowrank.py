"""Non-negative low-rank (Burer-Monteiro) solver for the K-means-type SDPs, for large n.

Zhuang, Chen, Yang, Zhang, "Statistically optimal K-means clustering via nonnegative
low-rank semidefinite programming" (ICLR 2024) factor Z = U U' with U >= 0 (n x r), which
makes Z PSD and entrywise nonnegative by construction. We solve, for blocks b = 1..p,

    minimise sum_b <C_b, U_b U_b'>  s.t.  U_b >= 0,  ||U_b||_F^2 = t_b,  sum_b U_b U_b' 1 = 1

(Peng-Wei: one block, C = -A, t = K; the LA-SDP of iLA-SDP: K blocks, t_b = 1) by an
augmented Lagrangian on the row-sum equality, L = f + y'h + beta/2 ||h||^2 with
h = sum_b U_b U_b' 1 - 1, minimised by projected gradient with backtracking (the
projection onto {U >= 0, ||U||_F^2 = t} clips and rescales), then y <- y + beta h;
beta doubles (up to 1e4 times its start) when ||h||_inf fell by less than 4x.
Each C_b is given as a function U -> C_b U, so A = X X' is never formed: O(n d r) a step.

The iterate is feasible for the cone constraints but only approximately for the row sums,
so its objective is NOT a bound; certified bounds come from `certificate.py`.
Arrays may be numpy or torch tensors (same code; torch is used only if the caller passes
tensors, e.g. on a GPU).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from optlib import Deadline

Apply = Callable[[Any], Any]


@dataclass
class LowRankResult:
    U: list                      # one factor per block (numpy arrays)
    y: np.ndarray                # multiplier of the row-sum equality
    objective: float             # sum_b <C_b, U_b U_b'> at the final iterate
    infeasibility: float         # ||sum_b U_b U_b' 1 - 1||_inf
    iterations: int
    converged: bool
    time: float
    history: list = field(default_factory=list)
    limit_reached: str | None = None   # 'time_limit' or 'iteration_limit' when stopped by one


def _project(U: Any, t: float) -> Any:
    V = U.clip(min=0)
    nrm = float((V * V).sum()) ** 0.5
    if nrm <= 0:                 # all entries <= 0: the nearest point puts sqrt(t) on the largest
        V = U * 0
        flat = int(np.argmax(_np(U).ravel()))
        V.reshape(-1)[flat] = math.sqrt(t)
        return V
    return V * (math.sqrt(t) / nrm)


def _np(a: Any) -> np.ndarray:
    if isinstance(a, np.ndarray):
        return a
    return a.detach().cpu().numpy()


def _rowsum(Us: Sequence[Any]) -> Any:
    h = None
    for U in Us:
        v = U @ U.sum(dim=0, keepdim=True).T if not isinstance(U, np.ndarray) else U @ U.sum(axis=0)[:, None]
        h = v if h is None else h + v
    return h


def _lagrangian(Us, applies, y, beta):
    CU = [ap(U) for ap, U in zip(applies, Us)]
    f = sum(float((U * cu).sum()) for U, cu in zip(Us, CU))
    h = _rowsum(Us) - 1.0
    val = f + float((y * h).sum()) + 0.5 * beta * float((h * h).sum())
    return val, f, h, CU


def _stationarity(Us, grads, traces) -> float:
    """Relative first-order residual on {U >= 0, ||U||_F^2 = t}: with mu = <g, U>/t and
    r = g - mu U, the residual is r where U > 0 and min(r, 0) where U = 0 (KKT of the
    orthant-sphere), divided by ||g||."""
    num, den = 0.0, 0.0
    for U, g, t in zip(Us, grads, traces):
        mu = float((g * U).sum()) / t
        r = g - mu * U
        r = r * (U > 0) + r.clip(max=0) * (U <= 0)
        num += float((r * r).sum())
        den += float((g * g).sum())
    return math.sqrt(num) / max(math.sqrt(den), 1e-300)


def nonneg_burer_monteiro(applies: Sequence[Apply], traces: Sequence[float], U0: Sequence[Any],
                          max_iter: int = 3000, tol: float = 1e-6, stat_tol: float = 1e-4,
                          beta: float = 1.0, inner: int = 50, time_limit: float | Deadline | None = None,
                          callback: Callable | None = None) -> LowRankResult:
    """Augmented-Lagrangian projected gradient on the factors U_b (see the module docstring).

    `applies[b](U)` returns C_b U; `U0` are the starting factors (n x r_b, numpy or torch).
    Each outer iteration takes up to `inner` projected-gradient steps (fewer once the
    relative stationarity residual of L is below max(stat_tol, ||h||_inf)), then updates y.
    converged=True when ||h||_inf <= tol and the residual <= stat_tol; otherwise it stops
    after max_iter gradient steps (limit_reached='iteration_limit') or when `time_limit` (seconds
    or an optlib.Deadline shared with the caller; checked after every step) has passed
    (limit_reached='time_limit'), with converged=False.
    """
    t0 = time.perf_counter()
    deadline = Deadline.of(time_limit)
    stop, stuck = None, False
    Us = [_project(U, t) for U, t in zip(U0, traces)]
    y = Us[0][:, :1] * 0.0
    step = 1.0
    it = 0
    converged = False
    history = []
    val, f, h, CU = _lagrangian(Us, applies, y, beta)
    prev_infeas = math.inf
    beta_max = 1e4 * beta
    stat = math.inf

    def gradients(Us, CU, h):
        w = y + beta * h
        out = []
        for U, cu in zip(Us, CU):
            s = U.sum(axis=0)[None, :] if isinstance(U, np.ndarray) else U.sum(dim=0, keepdim=True)
            out.append(2.0 * cu + w @ s + (U.T @ w).T)
        return out

    while it < max_iter and stop is None and not stuck:
        infeas = float(abs(h).max())
        for j in range(inner):               # at least one step per multiplier update
            grads = gradients(Us, CU, h)
            stat = _stationarity(Us, grads, traces)
            if j > 0 and stat <= max(stat_tol, min(infeas, 1e-2)):
                break
            while True:                      # backtracking: the descent-lemma test
                new = [_project(U - step * g, t) for U, g, t in zip(Us, grads, traces)]
                nval, nf, nh, nCU = _lagrangian(new, applies, y, beta)
                dec = sum(float(((V - U) * (V - U)).sum()) for U, V in zip(Us, new))
                lin = sum(float((g * (V - U)).sum()) for U, V, g in zip(Us, new, grads))
                if (math.isfinite(nval) and nval <= val + lin + 0.5 / step * dec) or step < 1e-14:
                    break
                step *= 0.5
            if not math.isfinite(nval):      # no finite step found: stop rather than take it
                stuck = True
                break
            Us, val, f, h, CU = new, nval, nf, nh, nCU
            step = min(1.5 * step, 1e8)
            it += 1
            if it >= max_iter:
                break
            if deadline.expired():
                stop = "time_limit"
                break
        y = y + beta * h
        infeas = float(abs(h).max())
        if infeas > 0.25 * prev_infeas:      # slow progress on the row sums: stiffen the penalty
            beta = min(2.0 * beta, beta_max)
        prev_infeas = infeas
        val, f, h, CU = _lagrangian(Us, applies, y, beta)
        history.append((it, f, infeas, stat))
        if callback is not None:
            callback(it, f, infeas)
        if infeas <= tol and stat <= stat_tol:
            converged = True
            break
        if deadline.expired():
            stop = "time_limit"
    if converged:
        stop = None
    elif stop is None and it >= max_iter:
        stop = "iteration_limit"
    return LowRankResult(U=[_np(U) for U in Us], y=_np(y).ravel(), objective=f,
                         infeasibility=float(abs(h).max()), iterations=it, converged=converged,
                         time=time.perf_counter() - t0, history=history, limit_reached=stop)
