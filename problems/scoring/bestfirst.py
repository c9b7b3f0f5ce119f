"""Best-first support search for SLIM with many feature sets (no solver, certified bound).

The support decomposition of `support.py` (one node per exact support S, |S| <= K) needs a
search of every node; with hundreds of thousands of sets (heart: 32 features, at most 5:
242,825) that is too slow. Here every node first gets the cheap bound of `support_bounds.py`
(vectorised over all sets), priced with its sparsity:

    f(lambda) >= LB(S) + (C0' + eps0 + eps1) |S|     for every system with support exactly S

(errors >= LB(S); |S| points of absolute value >= 1). Nodes are then taken in increasing
order of that bound (best first, as in Land & Doig's branch and bound, Econometrica 28,
1960): once a node's bound reaches the incumbent f* minus the margin m = eps1 / 2 (distinct
objective values differ by at least eps1, `tiebreak.py`), it and every later node are
pruned. A node that is not pruned is searched exactly per sign orthant by the interval
branch and bound of `boxsearch.py`, after discarding orthants whose directional bound (the
same bound with the signs of the points fixed) reaches the cutoff. The certified bound is
min(f*, the smallest bound of a node not closed); OPTIMAL when every node is closed. All
error counts are sums of integer weights (exact in floating point); the bound holds without
the coefficient and intercept boxes, so it is valid for the model as built (no constraints
hook: a hook's objective is not SLIM's and its optimum is checked by `support.py` instead).
"""
from __future__ import annotations

import dataclasses
import itertools
import math
import time
from itertools import combinations
from typing import Any, Callable

import numpy as np

from .boxsearch import box_search
from .recheck import full_objective
from .slim_model import SLIMProblem, auto_intercept_bounds
from .support import SupportNode, SupportSearch, _forced_and_optional, cutoff_margin
from .support_bounds import ThresholdBounds

_BATCH = 20000      # feature sets per bound batch (a deadline check between batches)
PROGRESS_EVERY = 0.5   # seconds between progress calls of the search (more often when the incumbent improves)


def feature_sets(problem: SLIMProblem) -> list[np.ndarray]:
    """The exact supports of the decomposition as integer arrays, one (N_k, k) array per size
    k (the forced columns plus k - #forced of the others), largest size first; empty when
    more columns are forced than max_features allows."""
    forced, optional, room = _forced_and_optional(problem)
    if room < 0:
        return []
    out = []
    for k in range(room, -1, -1):
        rest = np.array(list(combinations(optional, k)), dtype=np.int64).reshape(math.comb(len(optional), k), k)
        sets = np.hstack([np.broadcast_to(np.asarray(forced, dtype=np.int64), (rest.shape[0], len(forced))), rest])
        out.append(np.sort(sets, axis=1))
    return out


def _orthants(problem: SLIMProblem, S: tuple[int, ...]) -> list[tuple[int, ...]]:
    """The sign patterns (+1 / -1 per feature of S) whose orthant meets the coefficient box."""
    sides = [[s for s in (1, -1) if (problem.hi[j] >= 1 if s > 0 else problem.lo[j] <= -1)] for j in S]
    return list(itertools.product(*sides))


class _BestFirst:
    def __init__(self, problem: SLIMProblem, deadline: float):
        self.problem, self.deadline = problem, deadline
        self.margin, self.exact = cutoff_margin(problem, 1e-9)
        tb = problem.tiebreak
        self.per_feature = problem.c0_units + tb.eps0 + tb.eps1
        self.best: tuple[np.ndarray, int] | None = None
        self.best_val = math.inf
        self.orthant_boxes = 0

    def left(self) -> float:
        return self.deadline - time.perf_counter()

    def offer(self, model: tuple[np.ndarray, int]) -> float:
        if not self.problem.admits(*model):
            return math.inf
        val = full_objective(self.problem, *model)
        if val < self.best_val:
            self.best, self.best_val = model, val
        return val

    def search(self, node: SupportNode, directions: np.ndarray) -> None:
        """Node `node` (exact support) by box search per orthant, cheapest orthant first."""
        t0 = time.perf_counter()
        S = node.features
        base = self.per_feature * len(S)
        if not S:
            orth: list[tuple[tuple[int, ...], float]] = [((), base + float(directions))]
        else:
            idx = np.arange(len(S))
            orth = [(sig, base + float(directions[idx, [0 if s > 0 else 1 for s in sig]].max()))
                    for sig in _orthants(self.problem, S)]
        orth.sort(key=lambda o: o[1])
        proofs: list[float] = []            # per orthant: a proven lower bound on it
        boxes, finished = 0, True
        for n, (sig, lb) in enumerate(orth):
            cutoff = self.best_val
            if lb >= cutoff - self.margin:                 # this and every later orthant
                proofs.append(cutoff if self.exact else cutoff - self.margin)
                break
            if self.left() <= 0:
                proofs.extend(b for _, b in orth[n:])
                finished = False
                break
            lo, hi = np.zeros_like(self.problem.lo), np.zeros_like(self.problem.hi)
            for j, s in zip(S, sig):
                lo[j], hi[j] = (max(self.problem.lo[j], 1), self.problem.hi[j]) if s > 0 else \
                    (self.problem.lo[j], min(self.problem.hi[j], -1))
            # an intercept beyond the sub-box's largest |score| + margin classifies as that one does
            blo, bhi = auto_intercept_bounds(self.problem.data.X[:, list(S)], lo[list(S)], hi[list(S)], len(S),
                                             self.problem.margin)
            pblo, pbhi = self.problem.intercept_bounds
            sub = dataclasses.replace(self.problem, lo=lo, hi=hi,
                                      intercept_bounds=(min(max(blo, pblo), pbhi), max(min(bhi, pbhi), pblo)))
            res = box_search(sub, S, cutoff, self.deadline, self.margin, exact_support=False)
            boxes += res.boxes
            if res.best is not None:
                self.offer((res.best[1], res.best[2]))
            if res.finished:
                top = min(res.best[0] if res.best is not None else math.inf, cutoff)
                proofs.append(top if self.exact else top - self.margin)
            else:
                proofs.append(max(lb, res.bound if res.best is None else min(res.bound, res.best[0])))
                proofs.extend(b for _, b in orth[n + 1:])
                finished = False
                break
        self.orthant_boxes += boxes
        node.solver_status = f"{boxes} boxes"
        node.seconds += time.perf_counter() - t0
        node.bound = max(node.bound, min(proofs, default=math.inf))
        node.state = "closed" if finished else "open"


def best_first_search(problem: SLIMProblem, start: tuple[np.ndarray, int] | None, time_limit: float | None,
                      fallback_bound: float = -math.inf,
                      on_progress: Callable[[float, float], Any] | None = None,
                      ) -> tuple[SupportSearch, tuple[np.ndarray, int] | None]:
    """Run the search of the module doc; (record, best scoring system or None).

    start: a candidate scoring system (kept if inside the boxes); time_limit: seconds (None: no
    limit); fallback_bound: a valid global lower bound for nodes the time limit left without
    their own bound; on_progress(incumbent, bound): called after the bounding passes and then at
    most every PROGRESS_EVERY seconds of the search (and when the incumbent improves) with the
    incumbent and the certified bound so far (min of the incumbent and the next node's bound). The record's nodes are the exact supports; states 'pruned' (bound reached
    the incumbent), 'closed' (searched: nothing better, or its best is the incumbent), 'open',
    'not reached'."""
    t0 = time.perf_counter()
    deadline = t0 + (math.inf if time_limit is None else float(time_limit))
    run = _BestFirst(problem, deadline)
    if start is not None:
        run.offer(start)
    bounds = ThresholdBounds(problem)
    nodes: list[SupportNode] = []
    lbs: list[np.ndarray] = []
    for sets in feature_sets(problem):          # first pass: every set, cheap bounds
        k = sets.shape[1]
        for a in range(0, sets.shape[0], _BATCH):
            part = sets[a:a + _BATCH]
            lb = np.full(part.shape[0], -math.inf)
            if run.left() > 0:
                err = bounds.directional(part, widest_only=True).min(axis=2).max(axis=1) if k else bounds(part)
                lb = err + run.per_feature * k
            lbs.append(np.maximum(lb, fallback_bound))
            nodes.extend(SupportNode(tuple(int(j) for j in S), exact_support=True) for S in part)
    lb_all = np.concatenate(lbs) if lbs else np.zeros(0)
    for node, lb in zip(nodes, lb_all.tolist()):
        node.bound = lb
    bounded = run.left() > 0
    directions: dict[int, np.ndarray] = {}
    live = np.flatnonzero(lb_all < run.best_val - run.margin) if bounded else np.zeros(0, dtype=int)
    by_size: dict[int, list[int]] = {}
    for i in live.tolist():                     # second pass: the sets not pruned, every feature
        by_size.setdefault(len(nodes[i].features), []).append(i)
    for k, idx in by_size.items():
        for a in range(0, len(idx), _BATCH):
            if run.left() <= 0:
                bounded = False
                break
            part = idx[a:a + _BATCH]
            sets = np.array([nodes[i].features for i in part], dtype=np.int64).reshape(len(part), k)
            dirs = bounds.directional(sets) if k else np.zeros((len(part), 0, 2))
            err = dirs.min(axis=2).max(axis=1) if k else bounds(sets)
            for i, e, dr in zip(part, err.tolist(), dirs if k else err):
                nodes[i].bound = max(nodes[i].bound, e + run.per_feature * k)
                directions[i] = dr
    order = sorted(live.tolist(), key=lambda i: nodes[i].bound)
    last = [-math.inf, math.inf]                # time and incumbent of the last progress call

    def progress(next_bound: float) -> None:
        if on_progress is None or not bounded:
            return
        now = time.perf_counter()
        if now - last[0] < PROGRESS_EVERY and run.best_val >= last[1]:
            return
        last[0], last[1] = now, run.best_val
        cap = run.best_val if run.exact else run.best_val - run.margin     # what pruning proved
        on_progress(run.best_val, min(cap, next_bound))

    progress(nodes[order[0]].bound if order else math.inf)
    for i in order:
        node = nodes[i]
        if node.bound >= run.best_val - run.margin:
            continue                            # pruned below
        if run.left() <= 0 or i not in directions:
            break
        progress(node.bound)
        run.search(node, directions[i])
    for node in nodes:                      # what the incumbent prunes
        if not node.done and node.bound >= run.best_val - run.margin:
            node.state = "pruned"
    out = SupportSearch(nodes, run.best_val, margin=run.margin, exact=run.exact)
    out.bound = min([run.best_val] + [n.bound for n in nodes if not n.done])
    if not run.exact and math.isfinite(run.best_val):      # pruned nodes proved only f* - m
        out.bound = min(out.bound, run.best_val - run.margin)
    out.seconds = time.perf_counter() - t0
    out.timed_out = not out.complete and (run.left() <= 0 or not bounded)
    return out, run.best
