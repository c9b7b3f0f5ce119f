"""`SLIMClassifier`: a Supersparse Linear Integer Model (scoring system) fitted by an IP.

Ustun & Rudin, "Supersparse Linear Integer Models for Optimized Medical Scoring Systems",
Machine Learning 102 (2016). The fit minimises

    (1/W) sum_i w_i 1[y_i (b + x_i' lambda) < margin] + C0 ||lambda||_0 (+ tie-break)

over integer points lambda in the coefficient box, written as the optlib Model of
`slim_model.py` (per-row big-M from the box, L0 by binaries, an L1 tie-break chosen in
`tiebreak.py` so it never trades accuracy or sparsity); solve it on any MILP backend.

    clf = SLIMClassifier(C0=0.01, coef_bounds=(-10, 10), max_features=5, time_limit=60)
    clf.fit(X, y)
    print(clf.scorecard(), clf.result_.status, clf.result_.gap)
"""
from __future__ import annotations

import dataclasses
import math
import numbers
import time
from typing import Any, Callable

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from optlib import Deadline, Result, Status, relative_gap
from optlib.progress import ProgressArg, Reporter
from optlib.validate import check_nonneg

from .answer import fit_answer
from .base import IPClassifierMixin
from .display import ScoreCard
from .prepare import (
    binary_labels,
    class_weights,
    constant_columns,
    merge_rows,
    rational_weights,
)
from .recheck import full_objective, keep_better, recheck, warn_big_m
from .slim_model import (
    SLIMProblem,
    auto_intercept_bounds,
    build_slim,
    effective_margin,
    warm_values,
)
from .validation import check_fit_data, check_predict_data, feature_names_of

AUTO_SUPPORTS = 512     # method='auto' searches supports up to this many feature sets (breastcancer, 5 of 9: 382)
AUTO_BESTFIRST = 1_000_000   # ... and best first (`bestfirst.py`) up to this many (heart, 5 of 32: 242,825)


def _int_bounds(value: Any, d: int, what: str) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError(f"{what} must be a pair (lower, upper) of integers or integer arrays, got {value!r}")
    out = []
    for part, side in zip(value, ("lower", "upper")):
        arr = np.asarray(part, dtype=float)
        if arr.ndim > 1 or (arr.ndim == 1 and arr.size != d):
            raise ValueError(f"{what} {side} must be a number or an array of length {d}, got shape {arr.shape}")
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ValueError(f"{what} {side} must be finite integers, got {part!r}")
        out.append(np.broadcast_to(arr, (d,)).astype(np.int64).copy())
    lo, hi = out
    if np.any(lo > hi):
        j = int(np.flatnonzero(lo > hi)[0])
        raise ValueError(f"{what}: lower > upper at feature {j} ({lo[j]} > {hi[j]})")
    return lo, hi


def _apply_sign(sign: Any, lo: np.ndarray, hi: np.ndarray, names: list[str]) -> None:
    if sign is None:
        return
    d = lo.size
    if isinstance(sign, dict):
        arr = np.zeros(d)
        for key, val in sign.items():
            j = names.index(key) if key in names else key
            if not isinstance(j, (int, np.integer)) or not 0 <= j < d:
                raise ValueError(f"sign: unknown feature {key!r}")
            arr[j] = val
    else:
        if np.ndim(sign) > 1 or (np.ndim(sign) == 1 and np.size(sign) != d):
            raise ValueError(f"sign must be -1, 0, +1, an array of length {d} or a dict, got {sign!r}")
        arr = np.broadcast_to(np.asarray(sign, dtype=float), (d,))
    if not np.all(np.isin(arr, (-1, 0, 1))):
        raise ValueError(f"sign entries must be -1 (points <= 0), 0 (free) or +1 (points >= 0), got {sign!r}")
    lo[arr > 0] = np.maximum(lo[arr > 0], 0)
    hi[arr < 0] = np.minimum(hi[arr < 0], 0)
    if np.any(lo > hi):
        j = int(np.flatnonzero(lo > hi)[0])
        raise ValueError(f"sign of feature {names[j]!r} contradicts coef_bounds")


class SLIMClassifier(IPClassifierMixin, ClassifierMixin, BaseEstimator):
    """A scoring system with integer points, fitted to optimality (or to a time limit).

    Labels: any two classes; classes_[1] is the positive class (score > 0). coef_ is 1-d
    (one integer per feature). Data whose entries are multiples of 10^-k get the margin
    rounded up to that grid (same model, tighter relaxation; `problem_.margin`).

    Parameters: C0 (L0 penalty per feature, in units of training error rate), coef_bounds
    (pair of ints or per-feature int arrays), intercept_bounds (None: the tightest box
    that keeps the optimum), max_features, sign (-1/0/+1 per feature, or {name: sign}),
    class_weight (None, 'balanced', {label: w}), margin (a right answer needs
    y * score >= margin), backend, time_limit (seconds for the whole fit: cut loop, warm start,
    search and solves; a limit never raises, `result_` says what was proved), options (a dict
    of the backend's own solve options, passed to every Model.solve of the fit), rel_gap (0:
    prove optimality),
    constraints (callable(model, variables) adding operational constraints, see
    `SLIMVariables`), warm_start, merge_duplicates, threads, verbose, feature_names,
    cuts (True: before solving, add non-separability cuts proved by exact Farkas multipliers,
    `cuts.py`, in up to 30 LP rounds; an int: that many rounds; False: none; they keep the
    optimum and raise the bound), cut_time (seconds for the cut loop, a safety cap: it also
    stops when a round finds no violated cut; None: min(10, max(2, time_limit / 5))),
    method ("auto", the default: "support" when there is no constraints hook, rel_gap is 0 and
    there are at most AUTO_SUPPORTS = 512 feature sets to search, e.g. 9 features with at most
    5 or all 9, else "mip"; `method_` says which decided the result, "mip" also when the
    support search found no scoring system and the single IP took over; "mip": one IP; "support": the support decomposition of `support.py`, one node per
    exact support of at most max_features features, searched below the incumbent by interval
    branch and bound (`boxsearch.py`, no solver); with a constraints hook a node whose best
    model the hook rejects becomes the same IP on that support with its own cuts and a cutoff
    row; pays off when C(d, <= max_features) is small, e.g. 9 features, at most 5; it proves
    gap 0 or stops at time_limit, rel_gap is not used; "bestfirst": the same nodes, each first
    bounded by cheap threshold bounds (`support_bounds.py`) and searched best first, no cut loop
    (`bestfirst.py`; auto's choice from AUTO_SUPPORTS to AUTO_BESTFIRST = 1,000,000 sets, e.g. heart,
    5 of 32: 242,825; with a constraints hook it is "support")).

    The reported bound is rounded up to the grid of attainable objective values (errors are
    integers, `grid.py`); the status becomes OPTIMAL when that bound reaches the incumbent.

    Fitted: classes_, coef_ (ints, one per feature), intercept_, result_ (the fit's
    `answer.FitAnswer`, an optlib.Answer: status, objective, bound, gap, verified,
    limit_reached, timings of the whole fit, results: the optlib solves; values by name at the
    fitted model, e.g. result_.value("coef"), and its certificate come from `result_.result`,
    the solve whose point it is: the IP's, or with method="support" the solve of the model fixed
    at the incumbent), objective_ (training error rate + C0 * L0 of the incumbent), n_errors_,
    problem_ (the built SLIMProblem, for inspection), cuts_ (the `cuts.HullCuts` added, None
    when cuts=False), supports_ (method="support": the `support.SupportSearch` record, one node
    per feature set; None otherwise).
    """

    _model_attr, _model_word = "coef_", "scoring system"
    _relax = "coef_bounds, intercept_bounds, sign, max_features"

    def __init__(self, C0: float = 0.01, coef_bounds: Any = (-10, 10), intercept_bounds: Any = None,
                 max_features: int | None = None, sign: Any = None, class_weight: Any = None,
                 margin: float = 1e-3, backend: str = "auto", time_limit: float | None = None,
                 rel_gap: float | None = 0.0, constraints: Callable | None = None, warm_start: bool = True,
                 merge_duplicates: bool = True, threads: int | None = None, verbose: bool = False,
                 feature_names: list[str] | None = None, cuts: bool | int = True, cut_time: float | None = None,
                 method: str = "auto", options: dict | None = None):
        self.C0 = C0
        self.coef_bounds = coef_bounds
        self.intercept_bounds = intercept_bounds
        self.max_features = max_features
        self.sign = sign
        self.class_weight = class_weight
        self.margin = margin
        self.backend = backend
        self.time_limit = time_limit
        self.rel_gap = rel_gap
        self.constraints = constraints
        self.warm_start = warm_start
        self.merge_duplicates = merge_duplicates
        self.threads = threads
        self.verbose = verbose
        self.feature_names = feature_names
        self.cuts = cuts
        self.cut_time = cut_time
        self.method = method
        self.options = options

    # -- fitting -----------------------------------------------------------------------
    def _check_params(self, d: int) -> int:
        check_nonneg(self.C0, "C0")
        if isinstance(self.margin, bool) or not isinstance(self.margin, numbers.Real) or not (
                0 < self.margin < math.inf):
            raise ValueError(f"margin must be a positive finite number, got {self.margin!r}")
        if self.method not in ("auto", "mip", "support", "bestfirst"):
            raise ValueError(f"method must be 'auto', 'mip', 'support' or 'bestfirst', got {self.method!r}")
        if self.constraints is not None and not callable(self.constraints):
            raise ValueError(f"constraints must be a callable(model, variables), got {self.constraints!r}")
        K = self.max_features
        if K is None:
            return d
        if isinstance(K, bool) or not isinstance(K, numbers.Integral) or K < 1:
            raise ValueError(f"max_features must be a positive integer or None, got {K!r}")
        return int(K)

    def build(self, X: Any, y: Any, sample_weight: Any = None) -> SLIMProblem:
        """Validate the data and build the SLIM model (without solving it)."""
        X, y = check_fit_data(self, X, y)
        d = X.shape[1]
        K = self._check_params(d)
        names = feature_names_of(self, d)
        if sample_weight is not None:
            sw = np.asarray(sample_weight, dtype=float)
            if sw.shape != (X.shape[0],) or not np.all(np.isfinite(sw)) or np.any(sw < 0):
                raise ValueError(f"sample_weight must be {X.shape[0]} finite numbers >= 0, got shape {sw.shape}")
            if not np.any(sw > 0):
                raise ValueError("sample_weight: all weights are zero")
            X, y, sw = X[sw > 0], y[sw > 0], sw[sw > 0]
        self.classes_, s = binary_labels(y)
        w = class_weights(self.class_weight, s, self.classes_)
        if sample_weight is not None:
            w = w * sw
        k, _ = rational_weights(w, "class_weight x sample_weight")
        lo, hi = _int_bounds(self.coef_bounds, d, "coef_bounds")
        _apply_sign(self.sign, lo, hi, names)
        const = constant_columns(X, names, "SLIMClassifier")
        lo[const], hi[const] = 0, 0
        margin = effective_margin(X, float(self.margin))
        if self.intercept_bounds is None:
            blo, bhi = auto_intercept_bounds(X, lo, hi, K, margin)
        else:
            bl, bh = _int_bounds(self.intercept_bounds, 1, "intercept_bounds")
            blo, bhi = int(bl[0]), int(bh[0])
        data = merge_rows(X, s, k, merge=bool(self.merge_duplicates))
        return self._restricted(build_slim(data, lo, hi, (blo, bhi), K, margin, float(self.C0), names))

    def _restricted(self, like: SLIMProblem, lo: np.ndarray | None = None, hi: np.ndarray | None = None,
                    intercept: tuple[int, int] | None = None) -> SLIMProblem:
        """`like` itself (lo = hi = None), else the same model on the smaller box [lo, hi]
        (`build_slim(like=...)`); the constraints hook is applied to the model returned."""
        problem = like
        if lo is not None:
            problem = build_slim(like.data, lo, hi, intercept or like.intercept_bounds, like.max_features,
                                 like.margin, float(self.C0), like.variables.feature_names, like=like)
        if self.constraints is not None:
            self.constraints(problem.model, problem.variables)
        return problem

    def fit(self, X: Any, y: Any, sample_weight: Any = None, progress: ProgressArg = False) -> "SLIMClassifier":
        """Build and solve the IP; sets coef_, intercept_ and result_ (see the class doc).
        time_limit holds for the whole fit (one optlib.Deadline shared by every step).  `progress`
        (True, 'bar' or a callable; `optlib.progress`): a line per step on stderr (build, cuts, warm
        start, method, the result with its bound and gap); silent by default."""
        with Reporter(progress, "SLIM") as report:
            return self._fit(X, y, sample_weight, report)

    def _fit(self, X: Any, y: Any, sample_weight: Any, report: Reporter) -> "SLIMClassifier":
        t0 = time.perf_counter()
        for attr in ("coef_", "intercept_", "objective_", "n_errors_", "cuts_", "supports_", "method_"):
            self.__dict__.pop(attr, None)
        clock = self._clock(start=t0)
        problem = self.build(X, y, sample_weight)
        parts = {"build": time.perf_counter() - t0}
        report(f"built: {problem.data.X.shape[0]} distinct rows, {problem.data.X.shape[1]} features")
        self.problem_ = problem
        self.supports_ = None
        self.method_ = self._chosen_method(problem)
        self.cuts_ = None if self.method_ == "bestfirst" and problem.grid_extras() else self._add_cuts(problem, clock)
        parts["cuts"] = self.cuts_.seconds if self.cuts_ is not None else 0.0
        if self.cuts_ is not None:
            report(f"cuts: {parts['cuts']:.1f} s")
        t = time.perf_counter()
        start, first = None, None
        if self.warm_start and not clock.expired():
            from .warmstart import rounded_start

            first = rounded_start(problem, clock)           # inside the boxes, or None
            if first is not None:
                start = warm_values(problem, *first)
        parts["warm_start"] = time.perf_counter() - t
        if first is not None and report.enabled:
            report(f"warm start: objective {full_objective(problem, *first):.6g}")
        warn_big_m(problem)
        found = None
        report(f"method {self.method_}" + (" (support search)" if self.method_ in ("support", "bestfirst")
                                           else " (one IP)"))
        if self.method_ == "support" and problem.grid_extras():
            found = self._fit_supports(problem, first, clock)
            parts["search"] = self.supports_.seconds
        elif self.method_ == "bestfirst" and problem.grid_extras():
            found = self._fit_bestfirst(problem, first, clock, report)
            parts["search"] = self.supports_.seconds
        if found is None:                     # the single IP decides (also when the support search found nothing)
            searched = self.supports_.seconds if self.supports_ is not None else 0.0
            if self.supports_ is not None:
                report("the support search found no scoring system: the single IP decides")
            self.method_, self.supports_ = "mip", None
            t = time.perf_counter()
            found = self._fit_ip(problem, start, first, clock, searched)
            parts["solve"] = time.perf_counter() - t
        numbers, point, results, model = found
        if model is not None:
            self._set_model(problem, *model)
        self.result_ = fit_answer(self._round_bound(numbers, problem.grid_extras()), point, results, parts, t0)
        r = self.result_
        report(f"{r.status.name}: objective {'-' if r.objective is None else f'{r.objective:.6g}'}, bound "
               f"{r.bound:.6g}, gap {r.gap:.3%}" + (f" ({r.limit_reached})" if r.limit_reached else ""))
        return self

    def _chosen_method(self, problem: SLIMProblem) -> str:
        """method='auto': without a constraints hook and with rel_gap 0 (the searches always
        aim at gap 0), 'support' up to AUTO_SUPPORTS feature sets (`support.count_supports`),
        'bestfirst' up to AUTO_BESTFIRST; else 'mip'. 'bestfirst' with a hook is 'support'
        (its bound assumes SLIM's own objective and the hook's rows are not searched)."""
        if self.method == "bestfirst" and self.constraints is not None:
            return "support"
        if self.method != "auto":
            return self.method
        from .support import count_supports

        exact = self.rel_gap is not None and float(self.rel_gap) == 0.0
        if not exact or self.constraints is not None:
            return "mip"
        n = count_supports(problem)
        return "support" if n <= AUTO_SUPPORTS else "bestfirst" if n <= AUTO_BESTFIRST else "mip"

    def _fit_ip(self, problem: SLIMProblem, start: dict | None, first: tuple[np.ndarray, int] | None,
                clock: Deadline, searched: float) -> tuple[Result, Result, list[Result], Any]:
        """(numbers, point, solves, (coef, intercept) or None) of the single IP.

        The solve's model is re-checked exactly (`recheck.py`). When optlib could not confirm
        the solver's point (UNVERIFIED, e.g. an integrality tolerance in a big-M row), its
        rounded model is kept if a solve fixed at it passes (FEASIBLE, exact objective, the
        LP bound). When the warm start `first` is better (the solver's point failed a check, a
        limit stopped it early, or it has none), the warm start is returned once a solve fixed
        at it confirms it against every row and the constraints hook. A fixed solve that
        confirms the model is the point. The model is None when no scoring system was found."""
        from .support import point_result

        restrict, kw = self._restricted_box(problem), self._solve_kw()
        result = self._solve(problem, start, clock, spent=searched)
        solves: list[Result] = [result]
        numbers, point, model = result, result, None
        if result.status.has_solution:
            model = problem.variables.decode(result)
            numbers = recheck(problem, result, *model)
        elif result.status is Status.UNVERIFIED and result.x is not None:
            rounded = self._best_intercept(problem, problem.variables.decode(result))
            fixed = point_result(restrict, rounded, kw, time_limit=clock.left(floor=1.0), log=solves)
            if fixed is not None and problem.admits(*rounded):
                true = full_objective(problem, *rounded)
                bound = min(max(result.bound, self._lp_bound(problem)), true)
                note = (f"optlib could not confirm the solver's point ({result.message}); its rounded scoring "
                        f"system passed a solve fixed at it (objective {true:.8g}); the bound is the LP "
                        "relaxation's.")
                numbers = dataclasses.replace(result, status=Status.FEASIBLE, objective=true, bound=bound,
                                              gap=relative_gap(true, bound), message=note)
                point, model = fixed, rounded
        if first is not None and numbers.status not in (Status.OPTIMAL, Status.INFEASIBLE):
            if model is None:        # no model from the IP: the warm start, at the IP's (or the LP's) bound
                bound = max(result.bound, self._lp_bound(problem))
                better = dataclasses.replace(result, status=Status.FEASIBLE, objective=full_objective(problem, *first),
                                             message=f"the IP found no scoring system ({result.status.name}: "
                                                     f"{result.message}); the warm start is returned.")
                better = dataclasses.replace(better, bound=min(bound, better.objective),
                                             gap=relative_gap(better.objective, min(bound, better.objective)))
                chosen = first
            else:
                better, chosen = keep_better(problem, numbers, model, first)
            if chosen is first:
                fixed = point_result(restrict, first, kw, time_limit=clock.left(floor=1.0), log=solves)
                if fixed is not None:
                    return better, fixed, solves, first
        if model is None:
            numbers = point = self._no_model(result, stacklevel=4)
            solves[0] = numbers
        return numbers, point, solves, model

    @staticmethod
    def _best_intercept(problem: SLIMProblem, model: tuple[np.ndarray, int]) -> tuple[np.ndarray, int]:
        """`model` with the intercept that minimises the exact objective for its points (kept
        when no better one exists in the intercept box)."""
        from .warmstart import best_intercept

        coef, b = model
        d = problem.data
        best, _ = best_intercept(d.X @ coef, d.sign, d.weight.astype(float), *problem.intercept_bounds, problem.margin)
        return (coef, best) if full_objective(problem, coef, best) < full_objective(problem, coef, b) else model

    def _lp_bound(self, problem: SLIMProblem) -> float:
        """A lower bound without the IP: the largest LP relaxation value of the cut loop and,
        while the objective is SLIM's own, the weight of rows every model gets wrong."""
        lp = max(self.cuts_.lp_bounds) if self.cuts_ is not None and self.cuts_.lp_bounds else -math.inf
        return max(lp, problem.always_wrong) if problem.grid_extras() else lp

    def _fit_supports(self, problem: SLIMProblem, first: tuple[np.ndarray, int] | None, clock: Deadline):
        """(numbers, point, solves, (coef, intercept)) by the support decomposition
        (`support.py`), or None when it found no scoring system (then the single IP decides,
        e.g. INFEASIBLE)."""
        from .support import MAX_SUPPORTS, count_supports, point_result, search_result, search_supports

        n = count_supports(problem)
        if n > MAX_SUPPORTS:
            raise ValueError(f"method='support' would solve {n} feature sets (more than {MAX_SUPPORTS}); "
                             "use method='mip' or a smaller max_features")
        limit = self._time_left(clock, self.cuts_.seconds if self.cuts_ is not None else 0.0)
        fallback = problem.always_wrong
        if self.cuts_ is not None and self.cuts_.lp_bounds:
            fallback = max(fallback, max(self.cuts_.lp_bounds))
        kw = self._solve_kw()
        search, best = search_supports(problem, self._restricted_box(problem), first, limit, kw,
                                       self._cut_rounds(), self._cut_budget(), fallback,
                                       hooked=self.constraints is not None)
        self.supports_ = search
        if best is None:
            return None
        solves = list(search.results)
        point = point_result(self._restricted_box(problem), best, kw, time_limit=clock.left(floor=1.0), log=solves)
        if point is None:
            return None
        return search_result(search, point), point, solves, best

    def _fit_bestfirst(self, problem: SLIMProblem, first: tuple[np.ndarray, int] | None, clock: Deadline,
                       report: Reporter | None = None):
        """(numbers, point, solves, (coef, intercept)) by the best-first support search
        (`bestfirst.py`, its incumbent and bound reported as progress steps), or None when it
        found no scoring system (the single IP decides)."""
        from .bestfirst import best_first_search
        from .support import point_result, search_result

        fallback = problem.always_wrong
        if self.cuts_ is not None and self.cuts_.lp_bounds:
            fallback = max(fallback, max(self.cuts_.lp_bounds))
        step = None
        if report is not None and report.enabled:
            step = lambda incumbent, bound: report.step(incumbent=incumbent, bound=bound)   # noqa: E731
        search, best = best_first_search(problem, first, self._time_left(clock), fallback, on_progress=step)
        self.supports_ = search
        if best is None:
            return None
        solves = list(search.results)
        point = point_result(self._restricted_box(problem), best, self._solve_kw(),
                             time_limit=clock.left(floor=1.0), log=solves)
        if point is None:
            return None
        return search_result(search, point), point, solves, best

    def _restricted_box(self, problem: SLIMProblem):
        return lambda lo, hi, intercept=None: self._restricted(problem, lo, hi, intercept)

    def _add_cuts(self, problem: SLIMProblem, clock: Deadline):
        """Run the non-separability cut loop of `cuts.py` on the built model (or None), within
        `_cut_seconds`."""
        rounds = self._cut_rounds()
        if not rounds or problem.variables.rows.size == 0:
            return None
        from .cuts import separate_hull_cuts

        budget = self._cut_seconds(clock)
        keep = problem.variables.rows
        used = "used" if problem.max_features < problem.data.X.shape[1] else None
        return separate_hull_cuts(problem.model, problem.data.X[keep], problem.data.sign[keep], used=used,
                                  columns=problem.free_columns(), rounds=rounds, time_limit=budget)

    def _set_model(self, problem: SLIMProblem, coef: np.ndarray, intercept: int) -> None:
        self.coef_, self.intercept_ = coef, intercept
        wrong = problem.data.sign * (intercept + problem.data.X @ coef) < problem.margin - 1e-9
        self.n_errors_ = int(problem.data.weight[wrong].sum())
        total = float(problem.data.weight.sum())
        self.objective_ = self.n_errors_ / total + float(self.C0) * int(np.count_nonzero(coef))

    # -- prediction --------------------------------------------------------------------
    def decision_function(self, X: Any) -> np.ndarray:
        """The score intercept_ + X @ coef_ (positive class iff > 0)."""
        self._fitted()
        X = check_predict_data(self, X)
        return self.intercept_ + X @ self.coef_

    def predict(self, X: Any) -> np.ndarray:
        return np.where(self.decision_function(X) > 0, self.classes_[1], self.classes_[0])

    def scorecard(self, feature_names: list[str] | None = None) -> ScoreCard:
        """The fitted model as a points table (feature, points; threshold)."""
        self._fitted()
        names = feature_names or feature_names_of(self, self.coef_.size)
        return ScoreCard.from_model(self.coef_, self.intercept_, names, self.classes_, self.result_)
