"""Support decomposition for SLIM: one subproblem per feature set, pruned by bounds, exact.

With at most K of the d free features, every scoring system has its support inside some
K-subset S (best-subset search splits the same way: Furnival & Wilson, "Regressions by
leaps and bounds", Technometrics 16, 1974), so

    min_lambda f(lambda) = min_S min { f(lambda) : lambda_j = 0 for j not in S }.

One node per exact support S, |S| = K, ..., 0 (every lambda_j, j in S, nonzero, so no model
is searched twice), searched below the incumbent f* by the interval branch and bound of
`boxsearch.py` from the 2^|S| sign orthants, with the cutoff f* - m. With a constraints hook
that search is a relaxation: its best model is checked (and priced) in the model with the
hook (`point_result`); if the hook rejects or re-prices it, the node becomes the same optlib
Model (rows, objective, hook) on the box with zero points off S and used_j = 1 on S, with the
non-separability cuts of `cuts.py` on the columns S: pruned when its LP bound, rounded up to
the objective grid (`grid.py`), reaches f*, else solved as a MIP with the cutoff row
f <= f* - m. (`supports(maximal=True)` lists the K-subsets instead, for the same split of a
solver's MIP.)

Distinct objective values differ by at least eps1 (the L1 tie-break weight, `tiebreak.py`),
so with m = eps1/2 "nothing below f* - m" proves f >= f* on the node, and any model found is
a better incumbent. The certified bound is the minimum of the nodes' proven bounds (nodes
the time limit left unsearched get a global bound); OPTIMAL needs every node closed.
"""
from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field
from itertools import combinations
from typing import Callable

import numpy as np
import scipy.sparse as sp

from optlib import Result, Status, relative_gap

from .boxsearch import box_search
from .cuts import HullCuts, add_cuts, separate_hull_cuts
from .grid import grid_round
from .recheck import full_objective
from .slim_model import SLIMProblem

MAX_SUPPORTS = 5000     # more subproblems than this: use method="mip"
_MIN_MARGIN = 1e-5      # a cutoff margin below this is inside the solvers' row tolerances

Restrict = Callable[..., SLIMProblem]     # (lo, hi, intercept=None) -> the restricted problem


@dataclass
class SupportNode:
    """One subproblem: the features it may use, its rounded LP bound, its proven bound and
    state: 'closed' (no better model: box search or MIP), 'solved' (its optimum is below the
    cutoff and found), 'pruned' (a MIP node whose LP bound reaches the incumbent), 'open'
    (stopped early), 'not reached'."""

    features: tuple[int, ...]
    exact_support: bool = False   # the node holds only systems with every feature of the set nonzero
    lp_bound: float = -math.inf
    bound: float = -math.inf
    state: str = "not reached"
    solver_status: str = ""
    seconds: float = 0.0
    cuts: HullCuts | None = field(default=None, repr=False)

    @property
    def done(self) -> bool:
        return self.state in ("pruned", "closed", "solved")


@dataclass
class SupportSearch:
    """The decomposition's record: nodes, incumbent objective, certified bound, seconds."""

    nodes: list[SupportNode]
    objective: float = math.inf
    bound: float = -math.inf
    margin: float = 0.0
    exact: bool = True          # margin = eps1 / 2: a closed node proves f >= incumbent
    seconds: float = 0.0
    timed_out: bool = False     # the time limit left sets open or unreached
    results: list[Result] = field(default_factory=list, repr=False)   # the optlib solves it ran

    @property
    def complete(self) -> bool:
        return all(n.done for n in self.nodes)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for n in self.nodes:
            out[n.state] = out.get(n.state, 0) + 1
        return out

    def summary(self) -> str:
        parts = ", ".join(f"{v} {k}" for k, v in sorted(self.counts().items()))
        return f"support decomposition over {len(self.nodes)} feature sets ({parts}) in {self.seconds:.1f} s"


def _forced_and_optional(problem: SLIMProblem) -> tuple[list[int], list[int], int]:
    """(columns every model uses: box excludes 0, the other columns whose box is not {0}, room:
    how many of the others a feature set may add; negative when more columns are forced than
    max_features allows)."""
    free = [int(j) for j in problem.free_columns()]
    forced = [j for j in free if problem.lo[j] > 0 or problem.hi[j] < 0]
    optional = [j for j in free if j not in forced]
    return forced, optional, min(problem.max_features, len(free)) - len(forced)


def supports(problem: SLIMProblem, maximal: bool = True) -> list[tuple[int, ...]]:
    """The feature sets of the decomposition, from the columns whose box is not {0}: every set
    holds the columns whose box excludes 0 plus up to K of the others (maximal=True: the sets
    of the largest size, a node allows any support inside its set; else every size down to
    the forced columns alone: a node holds the systems whose support is exactly its set).
    Empty when more columns are forced than max_features allows."""
    forced, optional, room = _forced_and_optional(problem)
    if room < 0:
        return []
    sizes = [room] if maximal else range(room, -1, -1)
    return [tuple(sorted(forced + list(S))) for k in sizes for S in combinations(optional, k)]


def count_supports(problem: SLIMProblem) -> int:
    """len(supports(problem, maximal=False)), without listing them."""
    _, optional, room = _forced_and_optional(problem)
    return sum(math.comb(len(optional), k) for k in range(room + 1)) if room >= 0 else 0


def cutoff_margin(problem: SLIMProblem, floor: float = _MIN_MARGIN) -> tuple[float, bool]:
    """(m, exact): m = eps1 / 2 when it is above `floor` (exact), else `floor`. MIP nodes
    need floor = 1e-5 (solver row tolerances); the box search compares exact-ish floats (1e-9)."""
    m = problem.tiebreak.eps1 / 2
    return (m, True) if m >= floor else (floor, False)


class _Search:
    """State of one run (see `search_supports`)."""

    def __init__(self, problem: SLIMProblem, restrict: Restrict, solve_kw: dict, deadline: float,
                 cut_rounds: int, cut_time: float, hooked: bool):
        self.hooked = hooked
        self.problem, self.restrict, self.solve_kw, self.deadline = problem, restrict, solve_kw, deadline
        self.cut_rounds, self.cut_time = cut_rounds, cut_time
        self.extras = problem.grid_extras()
        self.d = problem.data.X.shape[1]
        self.best: tuple[np.ndarray, int] | None = None
        self.best_val = math.inf
        self.margin, self.exact = cutoff_margin(problem, _MIN_MARGIN if hooked else 1e-9)
        self.results: list[Result] = []

    def left(self) -> float:
        return self.deadline - time.perf_counter()

    def solve_limit(self, floor: float) -> float | None:
        """The time limit of a solve: the time left, at least `floor` s; None without a limit."""
        left = self.left()
        return max(left, floor) if math.isfinite(left) else None

    def box(self, S: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = np.zeros_like(self.problem.lo), np.zeros_like(self.problem.hi)
        idx = list(S)
        lo[idx], hi[idx] = self.problem.lo[idx], self.problem.hi[idx]
        return lo, hi

    def offer(self, model: tuple[np.ndarray, int]) -> float:
        """The objective of `model` (inf if it lies outside the boxes or over max_features, or the
        hook rejects it); kept when it beats the incumbent. With a hook the value is the model's own
        objective at the point (`point_result`): a hook may force error indicators up, so the plain
        `full_objective` could undercount it."""
        if not self.problem.admits(*model):
            return math.inf
        val = full_objective(self.problem, *model)
        if self.hooked:
            res = point_result(self.restrict, model, self.solve_kw, time_limit=self.solve_limit(1.0),
                               log=self.results)
            val = math.inf if res is None else max(val, float(res.objective))
        if val < self.best_val:
            self.best, self.best_val = model, val
        return val

    def bound_node(self, node: SupportNode) -> None:
        """The LP bound of the subproblem with its own non-separability cuts."""
        t0 = time.perf_counter()
        sub = self.restrict(*self.box(node.features))
        rows = sub.variables.rows
        if self.cut_rounds and rows.size:
            node.cuts = separate_hull_cuts(sub.model, sub.data.X[rows], sub.data.sign[rows], used="used",
                                           columns=np.asarray(node.features), rounds=self.cut_rounds,
                                           time_limit=max(0.0, min(self.cut_time, self.left())), add=False)
            if node.cuts.lp_bounds:
                node.lp_bound = grid_round(max(node.cuts.lp_bounds), self.extras)
                node.bound = max(node.bound, node.lp_bound)
        node.state = "open"
        node.seconds += time.perf_counter() - t0

    def prunable(self, node: SupportNode) -> bool:
        return node.bound >= self.best_val - self.margin

    def search_node(self, node: SupportNode) -> None:
        """The subproblem by interval branch and bound (`boxsearch.py`) below the incumbent."""
        t0 = time.perf_counter()
        cutoff = self.best_val
        res = box_search(self.problem, node.features, cutoff, self.deadline, self.margin, node.exact_support)
        node.solver_status = f"{res.boxes} boxes"
        node.seconds += time.perf_counter() - t0
        if not res.finished:
            node.bound, node.state = max(node.bound, res.bound), "open"
            return
        found = res.best[0] if res.best is not None else math.inf
        top = min(found, cutoff)
        node.bound = max(node.bound, top if self.exact else top - self.margin)
        if res.best is None:
            node.state = "closed"
        elif self.offer((res.best[1], res.best[2])) <= found + 1e-9:
            node.state = "solved"                # (with a hook: the hook accepts it at that price)
        else:                                    # the hook rejects or re-prices the relaxation's best
            self.bound_node(node)
            if self.prunable(node):
                node.state = "pruned"
            elif self.left() > 0:
                self.solve_node(node)

    def solve_node(self, node: SupportNode) -> None:
        """The subproblem's MIP with the cutoff row f <= incumbent - margin."""
        t0 = time.perf_counter()
        sub = self.restrict(*self.box(node.features))
        v = sub.variables
        if node.cuts is not None and len(node.cuts):
            add_cuts(sub.model, node.cuts, v.rows.size, "errors", "used", self.d)
        if node.exact_support and node.features:
            k = len(node.features)
            pick = sp.csr_matrix((np.ones(k), (np.arange(k), node.features)), shape=(k, self.d))
            sub.model.add(pick @ v.used >= 1, name="exact_support")
        cutoff = self.best_val
        if math.isfinite(cutoff):
            sub.model.add(sub.model.objective <= cutoff - self.margin, name="cutoff")
        res = sub.model.solve(time_limit=self.solve_limit(1e-3), rel_gap=0.0, **self.solve_kw)
        self.results.append(res)
        node.solver_status = res.status.name
        proved = cutoff if self.exact or not math.isfinite(cutoff) else cutoff - self.margin
        if res.status is Status.INFEASIBLE:
            node.bound, node.state = max(node.bound, proved), "closed"
        elif res.status.has_solution:
            true = self.offer(v.decode(res))
            trusted = true <= res.objective + 1e-6 * max(1.0, abs(res.objective))
            if res.status is Status.OPTIMAL and trusted:
                node.bound, node.state = max(node.bound, min(true, proved)), "solved"
            elif math.isfinite(res.bound):
                node.bound = max(node.bound, min(grid_round(res.bound, self.extras), proved))
        elif math.isfinite(res.bound) and res.status is Status.NO_SOLUTION:
            node.bound = max(node.bound, min(grid_round(res.bound, self.extras), proved))
        node.seconds += time.perf_counter() - t0


def search_supports(problem: SLIMProblem, restrict: Restrict, start: tuple[np.ndarray, int] | None,
                    time_limit: float | None, solve_kw: dict, cut_rounds: int, cut_time: float,
                    fallback_bound: float, hooked: bool = False) -> tuple[SupportSearch, tuple[np.ndarray, int] | None]:
    """Run the decomposition of the module doc; (record, best scoring system or None).

    restrict(lo, hi, intercept=None) builds the problem on a smaller box with the user's hook;
    time_limit: seconds for the whole search (None: no limit); start: a candidate scoring
    system (checked feasible before use); solve_kw: backend, threads, verbose and the backend's
    options for each solve; fallback_bound: a valid global bound for the subproblems
    the time limit left unbounded (e.g. the global LP with cuts); hooked: a constraints hook is
    in the model (its nodes' box-search optima are checked in the model, else MIP nodes)."""
    t0 = time.perf_counter()
    deadline = t0 + (math.inf if time_limit is None else float(time_limit))
    run = _Search(problem, restrict, solve_kw, deadline, cut_rounds, cut_time, hooked)
    if start is not None:
        run.offer(start)
    nodes = [SupportNode(S, exact_support=True) for S in supports(problem, maximal=False)]
    for node in nodes:
        if run.left() <= 0:
            break
        run.search_node(node)
    for node in nodes:
        if not node.done:                      # the global bound holds on every node
            node.bound = max(node.bound, fallback_bound)
        if node.state == "open" and run.prunable(node):
            node.state = "pruned"              # a later incumbent reached its bound
    out = SupportSearch(nodes, run.best_val, margin=run.margin, exact=run.exact, results=run.results)
    out.bound = min([run.best_val] + [n.bound for n in nodes if not n.done])
    if out.complete and not run.exact and math.isfinite(run.best_val):
        out.bound = min(out.bound, run.best_val - run.margin)
    out.seconds = time.perf_counter() - t0
    out.timed_out = run.left() <= 0 and not out.complete
    return out, run.best


def point_result(restrict: Restrict, model: tuple[np.ndarray, int], solve_kw: dict,
                 time_limit: float | None = None, log: list | None = None) -> Result | None:
    """A solve of the problem with the box fixed at the scoring system `model`: a Result with
    the full point, checked by optlib against every row and the hook; None if it is infeasible
    (or not proved optimal within `time_limit`). The Result is appended to `log` if given."""
    coef, b = model
    fixed = restrict(coef.astype(np.int64), coef.astype(np.int64), (int(b), int(b)))
    res = fixed.model.solve(rel_gap=0.0, time_limit=time_limit, **solve_kw)
    if log is not None:
        log.append(res)
    return res if res.status is Status.OPTIMAL else None


def search_result(search: SupportSearch, point: Result) -> Result:
    """`point` (the incumbent's Result) with the decomposition's status, bound and message."""
    optimal = search.complete and search.exact
    status = Status.OPTIMAL if optimal else Status.FEASIBLE
    bound = search.objective if optimal else search.bound
    open_ = [n for n in search.nodes if not n.done]
    note = search.summary()
    if open_:
        note += f"; the bound is the smallest of the {len(open_)} open or unreached sets' bounds"
    elif optimal:
        note += "; every set pruned, closed or solved: the incumbent is optimal"
    limit = "time_limit" if search.timed_out else None
    if not search.exact:
        note += (f"; the cutoff margin {search.margin:g} exceeds eps1/2, so the L1 tie-break is not certified")
    return dataclasses.replace(point, status=status, objective=search.objective, bound=bound,
                               gap=relative_gap(search.objective, bound), message=note + ".",
                               limit_reached=limit)
