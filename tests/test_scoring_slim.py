"""SLIMClassifier (problems.scoring): exactness against brute force, tie-break, speed-ups,
constraint hook, statuses, bad input and the scikit-learn contract."""
import functools
import itertools
import warnings

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from optlib import Status
from problems.scoring import SLIMClassifier, load_dataset
from optlib import datasets
from problems.scoring.prepare import merge_rows, rational_weights
from problems.scoring.slim_model import effective_margin
from problems.scoring.tiebreak import min_positive_difference, tie_break
from problems.scoring.warmstart import best_intercept


@pytest.fixture(autouse=True, params=["auto", "mip"])
def default_method(request, monkeypatch):
    """Every test runs twice: with the real default method='auto' (these small problems take the
    support search) and with 'mip' as the default, so the single-IP path keeps its coverage."""
    if request.param == "auto":
        yield "auto"
        return
    original = SLIMClassifier.__init__

    @functools.wraps(original)
    def init(self, *args, method="mip", **kwargs):
        original(self, *args, method=method, **kwargs)

    monkeypatch.setattr(SLIMClassifier, "__init__", init)
    yield "mip"

BACKENDS = ("highs", "scip", "cpsat")

_NO_DATA = datasets.missing("scoring/breastcancer.csv")       # shipped with optlib; None when found
needs_data = pytest.mark.skipif(_NO_DATA is not None, reason=f"data set breastcancer: {_NO_DATA}")


def tiny(seed=0, n=14, d=2):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 4, size=(n, d)).astype(float)
    y = (X @ rng.normal(size=d) + rng.normal(scale=1.0, size=n) > np.median(X @ rng.normal(size=d))).astype(int)
    if y.min() == y.max():
        y[0] = 1 - y[0]
    return X, y


def brute_force(X, y, C0, box=2, bbox=8, K=None, margin=1.0, weights=None):
    """Lexicographic optimum (F, L0, L1) over every integer model in the box."""
    s = np.where(y == 1, 1, -1)
    w = np.ones(len(y)) if weights is None else weights
    best = None
    for lam in itertools.product(range(-box, box + 1), repeat=X.shape[1]):
        lam = np.array(lam)
        L0 = np.count_nonzero(lam)
        if K is not None and L0 > K:
            continue
        for b in range(-bbox, bbox + 1):
            err = w[s * (b + X @ lam) < margin].sum()
            key = (round(err / w.sum() + C0 * L0, 12), L0, int(np.abs(lam).sum()))
            if best is None or key < best:
                best = key
    return best


def key_of(clf, X, y, C0):
    s = np.where(y == clf.classes_[1], 1, -1)
    err = np.sum(s * clf.decision_function(X) < clf.problem_.margin - 1e-9)
    L0 = np.count_nonzero(clf.coef_)
    return (round(err / len(y) + C0 * L0, 12), L0, int(np.abs(clf.coef_).sum()))


# -- exactness -------------------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("seed,C0,K", [(0, 0.0, None), (1, 0.05, None), (2, 0.0, 1)])
def test_slim_matches_brute_force(backend, seed, C0, K):
    X, y = tiny(seed)
    clf = SLIMClassifier(C0=C0, coef_bounds=(-2, 2), intercept_bounds=(-8, 8), max_features=K, margin=1.0,
                         backend=backend).fit(X, y)
    assert clf.result_.status is Status.OPTIMAL
    assert key_of(clf, X, y, C0) == brute_force(X, y, C0, K=K)
    assert clf.result_.certificate.verified


def test_auto_intercept_bounds_keep_the_optimum():
    X, y = tiny(3)
    clf = SLIMClassifier(C0=0.0, coef_bounds=(-2, 2), margin=1.0, backend="highs").fit(X, y)
    lo, hi = clf.problem_.intercept_bounds
    assert hi < 40 and lo == -hi
    assert key_of(clf, X, y, 0.0) == brute_force(X, y, 0.0, bbox=40)


def test_tie_break_never_trades_accuracy_or_sparsity():
    rng = np.random.default_rng(0)
    for _ in range(200):
        c0, A, d, l1 = float(rng.uniform(0, 3)), int(rng.integers(1, 60)), int(rng.integers(1, 8)), 10.0 * 8
        tb = tie_break(c0, A, d, l1)
        Fs = sorted({a + c0 * k for a in range(A + 1) for k in range(d + 1)})
        gaps = [b - a for a, b in zip(Fs, Fs[1:]) if b - a > 1e-9]
        assert min(gaps, default=1.0) >= tb.delta - 1e-12
        # largest possible tie-break swing is below delta; eps0 beats any L1 change
        assert tb.eps0 * d + tb.eps1 * l1 < tb.delta
        assert tb.eps1 * l1 < tb.eps0
    assert min_positive_difference(0.0, 10, 3) == 1.0
    assert min_positive_difference(0.5, 10, 3) == 0.5


def test_sparsest_smallest_among_most_accurate():
    # a separable set: many perfect models exist; the fit must be the sparsest, then smallest L1
    X = np.array([[0, 0], [1, 0], [2, 0], [3, 1], [4, 1], [5, 1]], float)
    y = np.array([0, 0, 0, 1, 1, 1])
    clf = SLIMClassifier(C0=0.0, coef_bounds=(-5, 5), margin=1.0, backend="highs").fit(X, y)
    assert clf.score(X, y) == 1.0
    # x2 with 2 points (x1 alone cannot separate with margin 1; 1 point on x2 cannot either)
    assert clf.coef_.tolist() == [0, 2]
    assert key_of(clf, X, y, 0.0) == brute_force(X, y, 0.0, box=5, bbox=12) == (0.0, 1, 2)


# -- exact speed-ups -----------------------------------------------------------------------
@needs_data
def test_merging_duplicates_and_weights():
    X, y, _ = load_dataset("breastcancer")
    s = np.where(y == 1, 1, -1)
    data = merge_rows(X, s, np.ones(len(y), dtype=np.int64))
    assert data.n == 449 and data.weight.sum() == 683
    np.testing.assert_array_equal(data.X[data.inverse], X)
    assert rational_weights(np.array([0.5, 1.5, 0.25]))[0].tolist() == [2, 6, 1]
    with pytest.raises(ValueError, match="rational"):
        rational_weights(np.array([1.0, 1.0 + 3e-8]))


def test_sample_weight_equals_repeated_rows():
    X, y = tiny(4, n=10)
    w = np.array([1, 2, 1, 3, 1, 1, 2, 1, 1, 1])
    a = SLIMClassifier(C0=0.01, coef_bounds=(-2, 2), backend="highs").fit(X, y, sample_weight=w)
    b = SLIMClassifier(C0=0.01, coef_bounds=(-2, 2), backend="highs").fit(np.repeat(X, w, 0), np.repeat(y, w))
    assert a.result_.objective == pytest.approx(b.result_.objective, abs=1e-9)
    assert a.objective_ == pytest.approx(b.objective_, abs=1e-12)


def test_effective_margin_and_best_intercept():
    assert effective_margin(np.array([[1.0, 2.0]]), 1e-3) == 1.0
    assert effective_margin(np.array([[0.5, 2.25]]), 1e-3) == 0.01
    assert effective_margin(np.array([[np.pi]]), 1e-3) == 1e-3
    scores = np.array([0.0, 1.0, 3.0, 4.0])
    sign = np.array([-1, -1, 1, 1])
    assert best_intercept(scores, sign, np.ones(4), -5, 5, 1.0) == (-2, 0.0)
    rng = np.random.default_rng(0)
    for _ in range(50):   # against trying every intercept
        sc, sg, w = rng.integers(-6, 7, 9).astype(float), rng.choice([-1, 1], 9), rng.integers(1, 4, 9)
        b, err = best_intercept(sc, sg, w.astype(float), -8, 8, 1.0)
        errs = [w[sg * (c + sc) < 1].sum() for c in range(-8, 9)]
        assert err == min(errs) == w[sg * (b + sc) < 1].sum()


def test_margin_rounding_keeps_the_optimum():
    X, y = tiny(5)
    a = SLIMClassifier(C0=0.02, coef_bounds=(-2, 2), margin=1e-3, backend="highs").fit(X, y)
    assert a.problem_.margin == 1.0
    assert key_of(a, X, y, 0.02) == brute_force(X, y, 0.02, bbox=30, margin=1e-3)


# -- hook, statuses, time limits --------------------------------------------------------------
def test_operational_constraint_hook():
    X, y = tiny(6, n=20, d=3)
    free = SLIMClassifier(C0=0.0, coef_bounds=(-3, 3), backend="highs").fit(X, y)
    a, b = np.argsort(-np.abs(free.coef_))[:2]

    def not_both(model, v):
        model.add(v.used[a] + v.used[b] <= 1, name="not_both")

    clf = SLIMClassifier(C0=0.0, coef_bounds=(-3, 3), constraints=not_both, backend="highs").fit(X, y)
    assert clf.result_.status is Status.OPTIMAL
    assert np.count_nonzero(clf.coef_[[a, b]]) <= 1


def test_infeasible_constraints_give_infeasible_result():
    X, y = tiny(7)

    def too_many(model, v):
        model.add(v.used.sum() >= 2, name="at_least_two")

    clf = SLIMClassifier(max_features=1, constraints=too_many, backend="highs")
    with pytest.warns(UserWarning, match="infeasible"):
        clf.fit(X, y)
    assert clf.result_.status is Status.INFEASIBLE
    assert "constraints admit no model" in clf.result_.message
    with pytest.raises(NotFittedError, match="no scoring system"):
        clf.predict(X)


@needs_data
def test_time_limit_keeps_incumbent_bound_and_gap():
    X, y, names = load_dataset("breastcancer")
    clf = SLIMClassifier(C0=0.0, max_features=5, time_limit=3, backend="highs", feature_names=names).fit(X, y)
    r = clf.result_
    assert r.status in (Status.FEASIBLE, Status.OPTIMAL)
    assert r.objective is not None and r.bound <= r.objective + 1e-6
    if r.status is Status.FEASIBLE:
        assert r.limit_reached == "time_limit" and r.gap > 0
    assert np.count_nonzero(clf.coef_) <= 5 and clf.score(X, y) > 0.95


@needs_data
def test_sign_class_weight_and_scorecard():
    X, y, names = load_dataset("haberman")
    clf = SLIMClassifier(C0=0.0, coef_bounds=(-3, 3), max_features=1, sign={"NumberOfNodes": -1},
                         class_weight="balanced", backend="highs", time_limit=5, feature_names=names).fit(X, y)
    assert clf.coef_[names.index("NumberOfNodes")] <= 0
    card = clf.scorecard()
    text = str(card)
    assert "predict 1 if total score >" in text and str(card.threshold) in text
    for f, p in card.rows:
        assert f in text and p != 0
    row = dict(zip(names, X[0]))
    assert (card.score(row) > card.threshold) == (clf.predict(X[:1])[0] == 1)


# -- bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs,match", [
    ({"max_features": 0}, "max_features"), ({"C0": -1}, "C0"), ({"coef_bounds": (3, -3)}, "lower > upper"),
    ({"coef_bounds": (-1.5, 2)}, "integers"), ({"margin": 0}, "margin"), ({"class_weight": "x"}, "class_weight"),
    ({"sign": 2}, "sign"), ({"constraints": 3}, "callable")])
def test_bad_parameters(kwargs, match):
    X, y = tiny(8)
    with pytest.raises(ValueError, match=match):
        SLIMClassifier(**kwargs).fit(X, y)


def test_bad_data():
    X, y = tiny(9)
    with pytest.raises(ValueError, match="Only binary"):
        SLIMClassifier().fit(X, np.arange(len(y)) % 3)
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        SLIMClassifier().fit(Xn, y)
    with pytest.raises(ValueError, match="Unknown label type"):
        SLIMClassifier().fit(X, np.linspace(0, 1, len(y)))
    Xc = np.column_stack([X, np.ones(len(y))])
    with pytest.warns(UserWarning, match="constant"):
        clf = SLIMClassifier(coef_bounds=(-2, 2), backend="highs").fit(Xc, y)
    assert clf.coef_[-1] == 0


# -- scikit-learn contract ---------------------------------------------------------------------
EXPECTED_FAILURES = {
    # the 0-1 loss optimum is not unique: fits with weights and with repeated rows reach the
    # same objective (test_sample_weight_equals_repeated_rows) but may pick different points
    "check_sample_weight_equivalence_on_dense_data":
        "ties: equal objective, possibly different optimal point",
}


def test_check_estimator(default_method):
    if default_method != "auto":
        pytest.skip("scikit-learn's checks compare the constructor defaults with the real ones")
    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # cuts=1: one LP round of hull cuts (a deterministic effort, keeps the check fast)
        results = check_estimator(SLIMClassifier(max_features=2, coef_bounds=(-3, 3), time_limit=2, cuts=1),
                                  expected_failed_checks=EXPECTED_FAILURES, on_fail=None)
    failed = {r["check_name"] for r in results if r["status"] == "failed"}
    assert failed == set(), failed


def test_recheck_catches_a_solver_objective_below_the_true_one():
    import dataclasses

    from problems.scoring.recheck import full_objective, keep_better, recheck, warn_big_m

    X, y = tiny(10)
    clf = SLIMClassifier(C0=0.01, coef_bounds=(-2, 2), backend="highs").fit(X, y)
    p, r = clf.problem_, clf.result_
    assert full_objective(p, clf.coef_, clf.intercept_) == pytest.approx(r.objective, abs=1e-6)
    assert recheck(p, r, clf.coef_, clf.intercept_) is r                 # consistent: unchanged
    fake = dataclasses.replace(r, objective=r.objective - 1.0)           # a solver that cut corners
    out = recheck(p, fake, clf.coef_, clf.intercept_)
    assert out.status is Status.FEASIBLE and "not proven" in out.message
    assert out.objective == pytest.approx(r.objective, abs=1e-6)
    # a worse decoded model is replaced by a better warm start, objective and gap updated
    zero = (np.zeros_like(clf.coef_), 0)
    res2, model = keep_better(p, dataclasses.replace(out, objective=full_objective(p, *zero)), zero,
                              (clf.coef_, clf.intercept_))
    assert model[0] is clf.coef_ and res2.objective == pytest.approx(r.objective, abs=1e-6)
    assert "warm start" in res2.message
    big = SLIMClassifier(C0=0.01, coef_bounds=(-2, 2)).build(X * 1e6 + 0.5, y)
    with pytest.warns(UserWarning, match="big-M / margin"):
        warn_big_m(big)
