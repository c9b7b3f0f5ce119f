"""`ChecklistClassifier`: an optimal M-of-N predictive checklist fitted by an IP.

Zhang, Morris, Ustun, Ghassemi, "Learning Optimal Predictive Checklists", NeurIPS 2021.
Predict positive iff at least M of the N chosen binary items hold; the IP of
`checklist_model.py` picks the items and M (optionally with FNR/FPR limits, group
fairness, forced items and one item per source column), on any MILP backend.

    clf = ChecklistClassifier(max_items=5, max_fnr=0.1, binarizer=Binarizer(), time_limit=60)
    clf.fit(table, y)
    print(clf.checklist(), clf.result_.gap)
"""
from __future__ import annotations

import numbers
import time
from typing import Any, Callable

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.multiclass import check_classification_targets

from .answer import fit_answer
from .base import IPClassifierMixin
from .binarize import Binarizer
from .checklist_model import COSTS, ChecklistProblem, ChecklistSpec, build_checklist
from .display import Checklist, _label, _status_line
from .prepare import binary_labels, merge_rows
from .validation import check_fit_data, check_predict_data, feature_names_of


def _rate(value: Any, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value <= 1:
        raise ValueError(f"{what} must be a number in [0, 1] or None, got {value!r}")
    return float(value)


def _item_index(items: Any, names: list[str], what: str) -> list[int]:
    out = []
    for it in items or ():
        if isinstance(it, (int, np.integer)) and not isinstance(it, bool):
            if not 0 <= int(it) < len(names):
                raise ValueError(f"{what}: item index {it} out of range 0..{len(names) - 1}")
            out.append(int(it))
        elif it in names:
            out.append(names.index(it))
        else:
            raise ValueError(f"{what}: unknown item {it!r} (items are e.g. {names[:4]})")
    return out


class ChecklistClassifier(IPClassifierMixin, ClassifierMixin, BaseEstimator):
    """An M-of-N checklist (see the module doc).

    Parameters: max_items (N), M (None: chosen by the IP), cost ('01', 'balanced', 'fnr',
    'fpr'), max_fnr, max_fpr, max_fnr_gap / max_fpr_gap (with `groups` in fit), include /
    exclude (items forced in / out, by name or index), one_item_per_feature,
    item_features (source column per item, when X is already binary), binarizer (None: X
    must be 0/1, any other value is a ValueError; a Binarizer to build items from a raw table,
    numeric or text columns), constraints
    (callable(model, variables)), backend, time_limit (seconds for the whole fit: binarising,
    cut loop, warm start and solve; a limit never raises, `result_` says what was proved),
    options (a dict of the backend's own solve options, passed to Model.solve), rel_gap,
    warm_start (greedy), threads, verbose, feature_names, cuts (True: before solving, add the dominance cuts of
    `checklist_cuts.py`, which keep the optimum, in up to 30 LP rounds; an int: that many
    rounds; False: none), cut_time (seconds for the cut loop; None: min(10, max(2,
    time_limit / 5))).

    The reported bound is rounded up to the grid of attainable objective values (integer
    cost + items / (N + 1), `grid.py`); the status becomes OPTIMAL when it reaches the incumbent.

    Fitted: classes_, items_ (chosen item names), item_indices_, M_, result_ (the fit's
    `answer.FitAnswer`, an optlib.Answer: status, objective, bound, gap, verified,
    limit_reached, timings of the whole fit, results: the optlib solve), binarizer_, cuts_ (the
    cuts added, None when cuts=False).

    scikit-learn's estimator checks: with a Binarizer every check passes; with binarizer=None
    the checks that fit on real-valued X (25 of scikit-learn 1.9's, listed with the reason in
    tests/test_contract_scoring.py) meet the 0/1 ValueError by design. Complex input is refused.
    """

    _model_attr, _model_word = "M_", "checklist"
    _relax = "max_fnr, max_fpr, the fairness gaps, M, include/exclude"

    def __init__(self, max_items: int = 5, M: int | None = None, cost: str = "01", max_fnr: float | None = None,
                 max_fpr: float | None = None, max_fnr_gap: float | None = None, max_fpr_gap: float | None = None,
                 include: Any = None, exclude: Any = None, one_item_per_feature: bool = True,
                 item_features: Any = None, binarizer: Any = None, constraints: Callable | None = None,
                 backend: str = "auto", time_limit: float | None = None, rel_gap: float | None = 0.0,
                 warm_start: bool = True, threads: int | None = None, verbose: bool = False,
                 feature_names: list[str] | None = None, cuts: bool | int = True, cut_time: float | None = None,
                 options: dict | None = None):
        self.max_items = max_items
        self.M = M
        self.cost = cost
        self.max_fnr = max_fnr
        self.max_fpr = max_fpr
        self.max_fnr_gap = max_fnr_gap
        self.max_fpr_gap = max_fpr_gap
        self.include = include
        self.exclude = exclude
        self.one_item_per_feature = one_item_per_feature
        self.item_features = item_features
        self.binarizer = binarizer
        self.constraints = constraints
        self.backend = backend
        self.time_limit = time_limit
        self.rel_gap = rel_gap
        self.warm_start = warm_start
        self.threads = threads
        self.verbose = verbose
        self.feature_names = feature_names
        self.cuts = cuts
        self.cut_time = cut_time
        self.options = options

    # -- data --------------------------------------------------------------------------
    def _items(self, X: Any, fit: bool) -> tuple[np.ndarray, list[str], list[str] | None]:
        """(0/1 items, item names, source column per item or None) from checked input."""
        if self.binarizer is not None:
            if fit:
                if not isinstance(self.binarizer, Binarizer):
                    raise ValueError(f"binarizer must be a problems.scoring.Binarizer or None, got "
                                     f"{type(self.binarizer).__name__}")
                b = clone(self.binarizer)
                if not _is_table(X) and b.feature_names is None:
                    b.set_params(feature_names=feature_names_of(self, X.shape[1]))
                self.binarizer_ = b.fit(X)
            A = self.binarizer_.transform(X).astype(float)
            return A, list(self.binarizer_.item_names_), list(self.binarizer_.item_features_)
        if not np.all(np.isin(X, (0.0, 1.0))):
            raise ValueError("ChecklistClassifier: X must hold 0/1 items; pass binarizer=Binarizer() "
                             "(or use problems.scoring.binarize) to build items from a raw table")
        names = feature_names_of(self, X.shape[1])
        feats = None
        if self.item_features is not None:
            feats = [str(f) for f in self.item_features]
            if len(feats) != X.shape[1]:
                raise ValueError(f"item_features has {len(feats)} entries but X has {X.shape[1]} items")
        return X, names, feats

    def _check_X(self, X: Any, y: Any = None, fit: bool = False) -> tuple[Any, Any]:
        """scikit-learn checks on X (numeric, or object columns when a binarizer reads them);
        a dict of columns (the `load_table` format) is passed to the binarizer as it is."""
        if _is_table(X):
            if self.binarizer is None:
                raise ValueError("a dict of columns needs binarizer=Binarizer()")
            if fit:
                check_classification_targets(np.asarray(y))
                self.n_features_in_ = len(X)
            return X, (np.asarray(y) if fit else None)
        if self.binarizer is not None and not sp.issparse(X) and _has_text(X):
            return check_fit_data(self, X, y, dtype=None) if fit else (check_predict_data(self, X, dtype=None), None)
        return check_fit_data(self, X, y) if fit else (check_predict_data(self, X), None)

    def _spec(self, names: list[str], feats: list[str] | None) -> ChecklistSpec:
        N = self.max_items
        if isinstance(N, bool) or not isinstance(N, numbers.Integral) or N < 1:
            raise ValueError(f"max_items must be a positive integer, got {N!r}")
        if self.M is not None and (isinstance(self.M, bool) or not isinstance(self.M, numbers.Integral)
                                   or not 1 <= self.M <= min(N, len(names))):
            raise ValueError(f"M must be None or an integer in 1..{min(N, len(names))} (max_items), got {self.M!r}")
        if self.cost not in COSTS:
            raise ValueError(f"cost must be one of {COSTS}, got {self.cost!r}")
        include = _item_index(self.include, names, "include")
        exclude = _item_index(self.exclude, names, "exclude")
        return ChecklistSpec(int(N), None if self.M is None else int(self.M), self.cost,
                             _rate(self.max_fnr, "max_fnr"), _rate(self.max_fpr, "max_fpr"),
                             _rate(self.max_fnr_gap, "max_fnr_gap"), _rate(self.max_fpr_gap, "max_fpr_gap"),
                             include, exclude, feats if self.one_item_per_feature else None)

    # -- fitting -----------------------------------------------------------------------
    def build(self, X: Any, y: Any, groups: Any = None) -> ChecklistProblem:
        """Validate, binarize if asked, and build the checklist IP (without solving it)."""
        X, y = self._check_X(X, y, fit=True)
        self.classes_, s = binary_labels(y)
        A, names, feats = self._items(X, fit=True)
        if A.shape[0] != s.shape[0]:
            raise ValueError(f"X has {A.shape[0]} rows but y has {s.shape[0]}")
        spec = self._spec(names, feats)
        if (spec.max_fnr_gap is not None or spec.max_fpr_gap is not None) and groups is None:
            raise ValueError("max_fnr_gap / max_fpr_gap need groups=... in fit (one group label per row)")
        g = None
        if groups is not None:
            g_raw = np.asarray(groups)
            if g_raw.shape != (A.shape[0],):
                raise ValueError(f"groups must have one label per row ({A.shape[0]}), got shape {g_raw.shape}")
            self.groups_, g = np.unique(g_raw, return_inverse=True)
        data = merge_rows(A, s, np.ones(A.shape[0], dtype=np.int64), g)
        problem = build_checklist(data, spec, names)
        if self.constraints is not None:
            if not callable(self.constraints):
                raise ValueError(f"constraints must be a callable(model, variables), got {self.constraints!r}")
            self.constraints(problem.model, problem.variables)
        self._names = names
        return problem

    def fit(self, X: Any, y: Any, groups: Any = None) -> "ChecklistClassifier":
        """Build and solve the IP; sets items_, M_ and result_. time_limit holds for the whole
        fit (one optlib.Deadline shared by every step)."""
        t0 = time.perf_counter()
        for attr in ("items_", "item_indices_", "M_", "cuts_"):
            self.__dict__.pop(attr, None)
        clock = self._clock(start=t0)
        problem = self.build(X, y, groups)
        parts = {"build": time.perf_counter() - t0}
        self.problem_ = problem
        v = problem.variables
        self.cuts_ = None
        rounds = self._cut_rounds()
        if rounds:
            from .checklist_cuts import separate_pair_cuts

            self.cuts_ = separate_pair_cuts(problem.model, problem.data.X[problem.keep],
                                            problem.data.sign[problem.keep], rounds=rounds,
                                            time_limit=self._cut_seconds(clock))
        parts["cuts"] = self.cuts_.seconds if self.cuts_ is not None else 0.0
        t = time.perf_counter()
        start = None
        if self.warm_start and not clock.expired():
            from .warmstart import greedy_checklist

            found = greedy_checklist(problem, clock)
            if found is not None:
                items, M = found
                use = np.zeros(problem.data.X.shape[1])
                use[items] = 1
                pred = problem.data.X[:, items].sum(axis=1) >= M
                wrong = np.where(problem.data.sign > 0, ~pred, pred)
                start = {v.use: use, v.M: np.array([float(M)]), v.errors: wrong.astype(float)}
        parts["warm_start"] = time.perf_counter() - t
        t = time.perf_counter()
        result = self._solve(problem, start, clock)
        parts["solve"] = time.perf_counter() - t
        if not result.status.has_solution:
            result = self._no_model(result)
        if result.status.has_solution:
            use = np.asarray(result[v.use]).ravel() > 0.5
            self.item_indices_ = np.flatnonzero(use)
            self.items_ = [self._names[j] for j in self.item_indices_]
            self.M_ = int(round(float(np.asarray(result[v.M]).ravel()[0])))
        self.result_ = fit_answer(self._round_bound(result, problem.grid_extras()), result, [result], parts, t0)
        return self

    # -- prediction --------------------------------------------------------------------
    def decision_function(self, X: Any) -> np.ndarray:
        """Number of chosen items that hold, minus M, plus 1/2 (positive class iff > 0)."""
        self._fitted()
        X, _ = self._check_X(X)
        A, _, _ = self._items(X, fit=False)
        return A[:, self.item_indices_].sum(axis=1) - self.M_ + 0.5

    def predict(self, X: Any) -> np.ndarray:
        return np.where(self.decision_function(X) > 0, self.classes_[1], self.classes_[0])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if self.binarizer is not None:          # a Binarizer reads text and categorical columns
            tags.input_tags.string = True
            tags.input_tags.categorical = True
        return tags

    def checklist(self) -> Checklist:
        """The fitted checklist, printable."""
        self._fitted()
        return Checklist(tuple(self.items_), self.M_, _label(self.classes_[1]), _label(self.classes_[0]),
                         _status_line(self.result_))


def _has_text(X: Any) -> bool:
    """True when X (array-like or DataFrame) has non-numeric entries."""
    dtypes = getattr(X, "dtypes", None)
    if dtypes is not None:
        return any(getattr(dt, "kind", "O") not in "biuf" for dt in dtypes)
    return np.asarray(X).dtype.kind not in "biufc"


def _is_table(X: Any) -> bool:
    """A dict of columns (not scipy's dok_matrix, which is a dict subclass)."""
    return isinstance(X, dict) and not sp.issparse(X)
