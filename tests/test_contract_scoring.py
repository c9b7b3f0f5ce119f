"""The contract of problems.scoring (issue 17): scikit-learn's estimator checks, the answer
protocol of `result_`, backend / time_limit / options, and the time limit of the whole fit."""
import time
import warnings

import numpy as np
import pytest

from wallclock import Clock
from sklearn.utils.estimator_checks import parametrize_with_checks

import optlib
from optlib import Status
from problems.scoring import Binarizer, ChecklistClassifier, SLIMClassifier
from problems.scoring.answer import FitAnswer, Seconds, fit_answer

# -- scikit-learn's estimator checks -------------------------------------------------------------
# With binarizer=None (the default) a checklist's X must hold 0/1 items: every check below fits
# or predicts on real-valued (or negative, or one-column real) data and meets the ValueError
# "X must hold 0/1 items" by design. With binarizer=Binarizer() every check passes (the second
# ChecklistClassifier below).
REAL_VALUED_X = (
    "check_classifier_data_not_an_array", "check_classifiers_classes", "check_classifiers_train",
    "check_dict_unchanged", "check_dont_overwrite_parameters", "check_dtype_object",
    "check_estimators_dtypes", "check_estimators_fit_returns_self", "check_estimators_nan_inf",
    "check_estimators_overwrite_params", "check_estimators_pickle", "check_f_contiguous_array_estimator",
    "check_fit2d_1feature", "check_fit2d_predict1d", "check_fit_check_is_fitted", "check_fit_idempotent",
    "check_fit_score_takes_y", "check_methods_sample_order_invariance", "check_methods_subset_invariance",
    "check_n_features_in", "check_n_features_in_after_fitting", "check_pipeline_consistency",
    "check_positive_only_tag_during_fit", "check_readonly_memmap_input", "check_supervised_y_2d",
)
BINARY_ONLY = "binarizer=None: X must hold 0/1 items and this check fits on real-valued X"

SLIM_TIES = {
    # the 0-1 loss optimum is not unique: fits with weights and with repeated rows reach the
    # same objective (tests/test_scoring_slim.py::test_sample_weight_equals_repeated_rows) but
    # may pick different points
    "check_sample_weight_equivalence_on_dense_data": "ties: equal objective, possibly different optimal point",
}

FAST = [
    SLIMClassifier(max_features=2, coef_bounds=(-3, 3), time_limit=2, cuts=1),
    SLIMClassifier(max_features=2, coef_bounds=(-3, 3), time_limit=2, cuts=1, method="mip"),
    ChecklistClassifier(max_items=2, binarizer=Binarizer(max_thresholds=2), time_limit=2, cuts=1),
    ChecklistClassifier(max_items=2, time_limit=2, cuts=1),
]


def expected_failed_checks(estimator):
    if isinstance(estimator, SLIMClassifier):
        return SLIM_TIES
    if isinstance(estimator, ChecklistClassifier) and estimator.binarizer is None:
        return dict.fromkeys(REAL_VALUED_X, BINARY_ONLY)
    return {}


@parametrize_with_checks(FAST, expected_failed_checks=expected_failed_checks)
def test_sklearn_contract(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


# -- small problems ------------------------------------------------------------------------------
def slim_data(seed=0, n=18, d=4, high=4, noise=1.5):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, high, size=(n, d)).astype(float)
    y = ((X - (high - 1) / 2) @ rng.normal(size=d) + rng.normal(scale=noise, size=n) > 0).astype(int)
    return X, y


def items(seed=0, n=60, d=8):
    rng = np.random.default_rng(seed)
    A = (rng.random((n, d)) < 0.4).astype(float)
    y = ((A[:, :3].sum(1) + rng.normal(scale=0.8, size=n)) > 1.2).astype(int)
    return A, y


def hard_slim():
    """300 x 10 noisy balanced rows, coefficients in -10..10: nothing closes it in a few seconds."""
    rng = np.random.default_rng(0)
    X = rng.integers(0, 10, size=(300, 10)).astype(float)
    y = ((X - 4.5) @ rng.normal(size=10) + rng.normal(scale=6.0, size=300) > 0).astype(int)
    return X, y


def hard_items():
    return items(0, n=300, d=40)


def check_fit_answer(clf, model=True):
    r = clf.result_
    optlib.check_answer(r)
    assert isinstance(r, FitAnswer) and r.results and all(isinstance(s, optlib.Result) for s in r.results)
    assert r.result in r.results
    assert {"build", "total"} <= set(r.timings) and r.timings.total == r.timings["total"]
    assert r.timings.total >= sum(v for k, v in r.timings.items() if k != "total") - 1e-6
    if model:
        assert r.status.has_solution and r.verified and r.bound <= r.objective + 1e-9
    return r


@pytest.mark.parametrize("method", ["support", "mip"])
def test_slim_result_is_an_answer(method):
    X, y = slim_data(1)
    with Clock() as clock:
        clf = SLIMClassifier(C0=0.02, coef_bounds=(-2, 2), max_features=2, margin=1.0, backend="highs",
                             method=method).fit(X, y)
    wall = clock.wall
    r = check_fit_answer(clf)
    assert clf.method_ == method and r.status is Status.OPTIMAL and r.gap <= 1e-9 and r.limit_reached is None
    assert r.timings.total <= wall and ("search" in r.timings) == (method == "support")
    # the point behind the answer is the fitted model
    assert np.array_equal(np.round(r.value("coef")).astype(int), clf.coef_)
    assert round(float(np.ravel(r["intercept"])[0])) == clf.intercept_
    assert r.certificate.verified and r.backend.name == "highs"
    assert "OPTIMAL" in r.summary() and r.to_dict()["status"] == "OPTIMAL"
    r.raise_unless_optimal()


def test_answers_without_a_model():
    X, y = slim_data(4)
    with pytest.warns(UserWarning, match="infeasible"):
        clf = SLIMClassifier(coef_bounds=([1, 1, -2, -2], [2, 2, 2, 2]), max_features=1, margin=1.0,
                             backend="highs").fit(X, y)
    r = check_fit_answer(clf, model=False)
    assert r.status is Status.INFEASIBLE and r.objective is None and np.isinf(r.gap)
    with pytest.raises(optlib.NotOptimalError):
        r.raise_unless_optimal()
    A, s = items(2)
    A[0], A[1], s[0], s[1] = A[2], A[2], 0, 1      # same items, opposite labels: one is always wrong
    with pytest.warns(UserWarning, match="infeasible"):
        cl = ChecklistClassifier(max_items=3, max_fnr=0.0, max_fpr=0.0, backend="highs").fit(A, s)
    r = check_fit_answer(cl, model=False)
    assert r.status is Status.INFEASIBLE and r.objective is None


def test_checklist_result_is_an_answer():
    A, y = items(3)
    clf = ChecklistClassifier(max_items=3, backend="highs").fit(A, y)
    r = check_fit_answer(clf)
    assert r.status is Status.OPTIMAL and set(r.timings) == {"build", "cuts", "warm_start", "solve", "total"}
    assert np.array_equal(np.flatnonzero(np.asarray(r.value("use")) > 0.5), clf.item_indices_)


def test_fit_answer_is_honest_about_a_bound_on_the_wrong_side():
    X, y = slim_data(1)
    clf = SLIMClassifier(C0=0.02, coef_bounds=(-2, 2), max_features=2, margin=1.0, backend="highs",
                         method="mip").fit(X, y)
    point = clf.result_.result
    import dataclasses

    above = dataclasses.replace(point, bound=point.objective + 1.0)
    ans = fit_answer(above, point, [point], {"build": 0.0}, time.perf_counter())
    optlib.check_answer(ans)
    assert not ans.verified and ans.gap == optlib.relative_gap(ans.objective, ans.bound)
    # pickles (scikit-learn pickles fitted estimators) and reads the point's attributes
    import pickle

    back = pickle.loads(pickle.dumps(clf.result_))
    assert back.status is clf.result_.status and back.timings.total == clf.result_.timings.total
    assert back.backend.name == "highs" and isinstance(back.timings, Seconds)
    with pytest.raises(AttributeError):
        back.no_such_attribute


def test_a_warm_start_the_hook_rejects_is_never_returned(monkeypatch):
    """When the single IP is not proved optimal and the rounded warm start looks better, the warm
    start is returned only after a solve fixed at it passes every row and the constraints hook
    (the hook's rows are not in the warm start's box check)."""
    import dataclasses

    from problems.scoring import slim as slim_mod

    real = slim_mod.recheck
    monkeypatch.setattr(slim_mod, "recheck", lambda *a: dataclasses.replace(real(*a), status=Status.FEASIBLE))
    rng = np.random.default_rng(5)
    X = rng.integers(0, 4, size=(40, 3)).astype(float)
    y = (X[:, 0] >= 2).astype(int)                   # feature 0 decides; the hook forbids it
    j = 0

    def no_j(model, v):
        model.add(v.coef[j] == 0, name="no_j")

    clf = SLIMClassifier(C0=0.0, coef_bounds=(-3, 3), margin=1.0, backend="highs", method="mip", cuts=False,
                         constraints=no_j).fit(X, y)
    assert clf.coef_[j] == 0
    r = check_fit_answer(clf)
    assert np.array_equal(np.round(r.value("coef")).astype(int), clf.coef_)
    # without a hook, a better warm start (here: the solver's point decodes to the empty model) is
    # returned with the solve fixed at it as the point behind result_
    from problems.scoring.slim_model import SLIMVariables

    monkeypatch.setattr(SLIMVariables, "decode", lambda self, res: (np.zeros(len(self.feature_names), np.int64), 0))
    clf = SLIMClassifier(C0=0.0, coef_bounds=(-3, 3), margin=1.0, backend="highs", method="mip",
                         cuts=False).fit(X, y)
    assert clf.coef_[0] != 0 and "warm start" in clf.result_.message
    r = check_fit_answer(clf)
    assert np.array_equal(np.round(r.value("coef")).astype(int), clf.coef_) and len(r.results) == 2


def test_an_unconfirmed_solver_point_still_gives_an_honest_model(monkeypatch):
    """A solve optlib cannot confirm (UNVERIFIED: e.g. HiGHS's integrality tolerance in a big-M
    row; scikit-learn's check_fit_idempotent data does this with method='mip') used to leave the
    fit without a model. Its rounded model, with the best intercept, is kept once a solve fixed at
    it passes: FEASIBLE, its exact objective, the LP bound; never OPTIMAL on the solver's word."""
    import dataclasses

    from problems.scoring.recheck import full_objective

    solve = optlib.Model.solve
    calls = []

    def unconfirmed_first(self, *args, **kwargs):
        res = solve(self, *args, **kwargs)
        calls.append(res)
        if len(calls) == 1:
            res = dataclasses.replace(res, status=Status.UNVERIFIED, bound=-np.inf, message="not confirmed")
        return res

    monkeypatch.setattr(optlib.Model, "solve", unconfirmed_first)
    X, y = slim_data(1)
    clf = SLIMClassifier(C0=0.02, coef_bounds=(-2, 2), max_features=2, margin=1.0, backend="highs",
                         method="mip", warm_start=False).fit(X, y)
    r = check_fit_answer(clf)
    assert r.status is Status.FEASIBLE and "could not confirm" in r.message and len(r.results) == 2
    assert r.objective == pytest.approx(full_objective(clf.problem_, clf.coef_, clf.intercept_), abs=1e-9)
    assert max(clf.cuts_.lp_bounds) - 1e-9 <= r.bound < r.objective
    assert np.array_equal(np.round(r.value("coef")).astype(int), clf.coef_)


def test_an_ip_without_a_model_falls_back_on_the_confirmed_warm_start(monkeypatch):
    """A limit that stops the IP before any incumbent (NO_SOLUTION) no longer leaves the fit
    without a model when the rounded warm start exists: it is returned FEASIBLE, once a solve
    fixed at it passes, with limit_reached kept."""
    import dataclasses

    from problems.scoring.warmstart import rounded_start

    solve = optlib.Model.solve
    calls = []

    def stopped_first(self, *args, **kwargs):
        res = solve(self, *args, **kwargs)
        calls.append(res)
        if len(calls) == 1:
            res = dataclasses.replace(res, status=Status.NO_SOLUTION, objective=None, x=None, bound=-np.inf,
                                      limit_reached="time_limit", message="stopped")
        return res

    monkeypatch.setattr(optlib.Model, "solve", stopped_first)
    X, y = slim_data(1)
    clf = SLIMClassifier(C0=0.02, coef_bounds=(-2, 2), max_features=2, margin=1.0, backend="highs",
                         method="mip").fit(X, y)
    r = check_fit_answer(clf)
    assert r.status is Status.FEASIBLE and r.limit_reached == "time_limit" and "warm start" in r.message
    start = rounded_start(clf.problem_)
    assert np.array_equal(clf.coef_, start[0]) and clf.intercept_ == start[1]
    assert np.array_equal(np.round(r.value("coef")).astype(int), clf.coef_)


# -- backend, time_limit, options ------------------------------------------------------------------
def spy_solves(monkeypatch):
    seen = []
    solve = optlib.Model.solve

    def spy(self, *args, **kwargs):
        seen.append(kwargs)
        return solve(self, *args, **kwargs)

    monkeypatch.setattr(optlib.Model, "solve", spy)
    return seen


@pytest.mark.parametrize("make", [
    lambda o: SLIMClassifier(coef_bounds=(-2, 2), max_features=2, margin=1.0, method="support", options=o),
    lambda o: SLIMClassifier(coef_bounds=(-2, 2), max_features=2, margin=1.0, method="mip", options=o),
    lambda o: ChecklistClassifier(max_items=2, options=o),
], ids=["slim-support", "slim-mip", "checklist"])
def test_options_reach_every_solve(make, monkeypatch):
    seen = spy_solves(monkeypatch)
    data = items(1) if "Checklist" in type(make(None)).__name__ else slim_data(2)
    clf = make({"random_seed": 7})
    clf.set_params(backend="highs").fit(*data)
    assert clf.options == {"random_seed": 7}                   # stored unchanged
    assert seen and all(kw.get("random_seed") == 7 and kw.get("backend") == "highs" for kw in seen)
    assert len(clf.result_.results) <= len(seen)


@pytest.mark.parametrize("options,match", [
    ("fast", "options must be a dict"), ({1: 2}, "options must be a dict"),
    ({"time_limit": 5}, "must not set 'time_limit'"), ({"backend": "scip", "threads": 2}, "'backend', 'threads'"),
])
@pytest.mark.parametrize("cls", [SLIMClassifier, ChecklistClassifier])
def test_bad_options(cls, options, match):
    X, y = items(1)
    with pytest.raises(ValueError, match=match):
        cls(options=options).fit(X, y)


@pytest.mark.parametrize("cls", [SLIMClassifier, ChecklistClassifier])
def test_bad_time_limit(cls):
    X, y = items(1)
    for bad in (0, -1.0, float("inf"), "10", True):
        with pytest.raises(ValueError, match="time_limit"):
            cls(time_limit=bad).fit(X, y)


@pytest.mark.parametrize("case", ["slim-mip", "slim-support", "checklist"])
def test_time_limit_holds_for_the_whole_fit(case):
    """time_limit=1 on problems no backend closes in a second: the whole fit (cut loop, warm
    start, search, solves, re-checks) ends within 1.5 s, with the incumbent and an honest
    FEASIBLE status (before one Deadline served the fit, the cut loop alone took 2 s here)."""
    limit = 1.0
    if case == "checklist":
        X, y = hard_items()
        clf = ChecklistClassifier(time_limit=limit)
    else:
        X, y = hard_slim()
        clf = SLIMClassifier(max_features=5, method=case.split("-")[1], time_limit=limit)
    with Clock() as clock:
        clf.fit(X, y)
    wall = clock.wall
    r = check_fit_answer(clf)
    assert r.status is Status.FEASIBLE and r.limit_reached == "time_limit" and r.gap > 0
    assert clock.elapsed <= 1.5 * limit, f"{case}: {clock.wall:.2f} s wall, {clock.cpu:.2f} s CPU for time_limit={limit}"
    assert r.timings.total <= wall and clf.cuts_.seconds <= 0.5 * limit + 0.3


# -- complex input is refused ----------------------------------------------------------------------
def test_complex_input_is_refused():
    X, y = slim_data(1)
    Xc = X + 1j
    with pytest.raises(ValueError, match="Complex data not supported"):
        SLIMClassifier().fit(Xc, y)
    fitted = SLIMClassifier(coef_bounds=(-2, 2), max_features=2, margin=1.0, backend="highs").fit(X, y)
    with pytest.raises(ValueError, match="Complex data not supported"):
        fitted.predict(Xc)
    A, s = items(1)
    with pytest.raises(ValueError, match="Complex data not supported"):
        ChecklistClassifier().fit(A + 0j, s)
    with pytest.raises(ValueError, match="Complex data not supported"):
        ChecklistClassifier(binarizer=Binarizer()).fit(X + 1j, y)
    # object columns and tables reach the Binarizer without scikit-learn's numeric check
    mixed = np.column_stack([X[:, :1].astype(object) + 1j, np.where(y > 0, "a", "b").astype(object)])
    with pytest.raises(ValueError, match="Complex data not supported: column 'x0'"):
        ChecklistClassifier(binarizer=Binarizer()).fit(mixed, y)
    with pytest.raises(ValueError, match="Complex data not supported: column 'age'"):
        ChecklistClassifier(binarizer=Binarizer()).fit({"age": X[:, 0] + 2j, "sex": X[:, 1]}, y)
    b = Binarizer().fit({"age": X[:, 0]})
    with pytest.raises(ValueError, match="Complex data not supported"):
        b.transform({"age": X[:, 0] * (1 + 1j)})
