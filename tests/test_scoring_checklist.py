"""ChecklistClassifier and binarize (problems.scoring): brute force, constraints, statuses, bad input."""
import itertools

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from optlib import Status
from problems.scoring import Binarizer, ChecklistClassifier, binarize, load_table
from problems.scoring.checklist_model import evaluate
from optlib import datasets
from problems.scoring.warmstart import greedy_checklist

_NO_DATA = datasets.missing("scoring/breastcancer.csv")       # shipped with optlib; None when found
needs_data = pytest.mark.skipif(_NO_DATA is not None, reason=f"data set breastcancer: {_NO_DATA}")


def items(seed=0, n=40, p=6):
    rng = np.random.default_rng(seed)
    A = (rng.random((n, p)) < 0.45).astype(float)
    y = ((A[:, :3].sum(axis=1) + rng.random(n) * 1.2) >= 2).astype(int)
    return A, y


def brute(A, y, N, cost="01", M=None, max_fnr=None, include=(), exclude=(), groups=None, fpr_gap=None):
    """Lexicographic optimum (cost, number of items) over every checklist."""
    pos = y == 1
    P, Q = pos.sum(), (~pos).sum()
    best = None
    for k in range(1, N + 1):
        for S in itertools.combinations(range(A.shape[1]), k):
            if not set(include) <= set(S) or set(exclude) & set(S):
                continue
            for m in ([M] if M is not None else range(1, k + 1)):
                if m > k:
                    continue
                pred = A[:, S].sum(axis=1) >= m
                fn, fp = int((pos & ~pred).sum()), int((~pos & pred).sum())
                if max_fnr is not None and fn > np.floor(max_fnr * P + 1e-9):
                    continue
                if fpr_gap is not None:
                    rates = [(~pos & pred & (groups == g)).sum() / (~pos & (groups == g)).sum()
                             for g in np.unique(groups)]
                    if max(rates) - min(rates) > fpr_gap + 1e-12:
                        continue
                c = {"01": fn + fp, "balanced": fn * Q + fp * P, "fnr": fn, "fpr": fp}[cost]
                if cost == "balanced":
                    g = np.gcd(P, Q)
                    c = fn * (Q // g) + fp * (P // g)
                key = (c, k)
                if best is None or key < best:
                    best = key
    return best


def key(clf, A, y):
    pred = clf.predict(A) == 1
    pos = y == 1
    fn, fp = int((pos & ~pred).sum()), int((~pos & pred).sum())
    return fn, fp, len(clf.items_)


@pytest.mark.parametrize("backend", ["highs", "scip", "cpsat"])
@pytest.mark.parametrize("cost", ["01", "balanced"])
def test_checklist_matches_brute_force(backend, cost):
    A, y = items(0)
    clf = ChecklistClassifier(max_items=3, cost=cost, backend=backend).fit(A, y)
    assert clf.result_.status is Status.OPTIMAL
    fn, fp, k = key(clf, A, y)
    P, Q = (y == 1).sum(), (y == 0).sum()
    g = np.gcd(P, Q)
    c = fn + fp if cost == "01" else fn * (Q // g) + fp * (P // g)
    assert (c, k) == brute(A, y, 3, cost)
    assert clf.result_.objective == pytest.approx(c + k / 4)


def test_fnr_limit_forced_items_and_fixed_M():
    A, y = items(1)
    clf = ChecklistClassifier(max_items=4, M=2, cost="fpr", max_fnr=0.3, include=[5], exclude=["x0"],
                              backend="highs").fit(A, y)
    assert clf.result_.status is Status.OPTIMAL
    assert clf.M_ == 2 and 5 in clf.item_indices_ and 0 not in clf.item_indices_
    fn, fp, k = key(clf, A, y)
    assert fn <= np.floor(0.3 * (y == 1).sum())
    assert (fp, k) == brute(A, y, 4, "fpr", M=2, max_fnr=0.3, include=(5,), exclude=(0,))
    # with max_fnr=0.1 no checklist exists (brute force agrees): INFEASIBLE, not a crash
    assert brute(A, y, 4, "fpr", M=2, max_fnr=0.1, include=(5,), exclude=(0,)) is None
    with pytest.warns(UserWarning, match="max_fnr"):
        clf.set_params(max_fnr=0.1).fit(A, y)
    assert clf.result_.status is Status.INFEASIBLE


def test_group_fairness():
    A, y = items(2, n=60)
    groups = np.arange(60) % 2
    clf = ChecklistClassifier(max_items=3, max_fpr_gap=0.05, backend="highs").fit(A, y, groups=groups)
    assert clf.result_.status is Status.OPTIMAL
    pred = clf.predict(A) == 1
    neg = y == 0
    rates = [(neg & pred & (groups == g)).sum() / (neg & (groups == g)).sum() for g in (0, 1)]
    assert abs(rates[0] - rates[1]) <= 0.05 + 1e-12
    fn, fp, k = key(clf, A, y)
    assert (fn + fp, k) == brute(A, y, 3, groups=groups, fpr_gap=0.05)


def test_greedy_warm_start_is_feasible():
    A, y = items(3)
    clf = ChecklistClassifier(max_items=3, max_fnr=0.2)
    problem = clf.build(A, y)
    found = greedy_checklist(problem)
    assert found is not None
    S, M = found
    obj, viol = evaluate(problem, S, M)
    assert viol == 0 and 1 <= M <= len(S) <= 3


def test_infeasible_limits_give_infeasible_result():
    A, y = items(4)
    A[0], A[1] = A[2], A[2]           # same items, opposite labels: one of them is always wrong
    y[0], y[1] = 0, 1
    clf = ChecklistClassifier(max_items=3, max_fnr=0.0, max_fpr=0.0, backend="highs")
    with pytest.warns(UserWarning, match="infeasible"):
        clf.fit(A, y)
    assert clf.result_.status is Status.INFEASIBLE
    with pytest.raises(NotFittedError, match="no checklist"):
        clf.predict(A)


@needs_data
def test_binarize_heart_raw_and_one_item_per_feature():
    table = load_table("heart_raw")
    y = table.pop("target")
    Xb, b = binarize(table, max_thresholds=4)
    assert Xb.shape[0] == 303 and Xb.shape[1] == len(b.item_names_) == len(b.item_features_)
    assert set(np.unique(Xb)) <= {0, 1}
    k = b.item_names_.index("age >= 54.5") if "age >= 54.5" in b.item_names_ else None
    if k is not None:
        np.testing.assert_array_equal(Xb[:, k], table["age"] >= 54.5)
    # complements: "x < t" is the negation of "x >= t"
    ge = [i for i, n in enumerate(b.item_names_) if " >= " in n][0]
    lt = b.item_names_.index(b.item_names_[ge].replace(" >= ", " < "))
    np.testing.assert_array_equal(Xb[:, ge], 1 - Xb[:, lt])
    assert "cp == 0" in b.item_names_ and "sex == 1" in b.item_names_
    clf = ChecklistClassifier(max_items=4, binarizer=Binarizer(max_thresholds=4), time_limit=5,
                              backend="highs").fit(table, y)
    assert clf.result_.status in (Status.OPTIMAL, Status.FEASIBLE)
    feats = [b.item_features_[b.item_names_.index(it)] for it in clf.items_]
    assert len(feats) == len(set(feats))              # one item per source column
    text = str(clf.checklist())
    assert f"at least {clf.M_} of these {len(clf.items_)} items" in text
    assert all(it in text for it in clf.items_)
    assert clf.score(table, y) > 0.7


@pytest.mark.parametrize("kwargs,match", [
    ({"max_items": 0}, "max_items"), ({"M": 9}, "M must"), ({"cost": "f1"}, "cost"),
    ({"max_fnr": 1.5}, "max_fnr"), ({"include": ["nope"]}, "unknown item"), ({"exclude": [99]}, "out of range")])
def test_bad_parameters(kwargs, match):
    A, y = items(5)
    with pytest.raises(ValueError, match=match):
        ChecklistClassifier(**kwargs).fit(A, y)


def test_bad_data():
    A, y = items(6)
    with pytest.raises(ValueError, match="0/1 items"):
        ChecklistClassifier().fit(A * 2.5, y)
    with pytest.raises(ValueError, match="Only binary"):
        ChecklistClassifier().fit(A, np.arange(len(y)) % 3)
    with pytest.raises(ValueError, match="groups"):
        ChecklistClassifier(max_fpr_gap=0.1).fit(A, y)
    table = {"a": np.array([1.0, np.nan, 3.0])}
    with pytest.raises(ValueError, match="NaN"):
        Binarizer().fit(table)


CHECKLIST_EXPECTED_FAILURES = {
    # with a binarizer, text columns are categorical items by design (no TypeError)
    "check_dtype_object": "text columns become ==value items",
}


@pytest.mark.slow
def test_check_estimator_checklist():
    """scikit-learn's estimator checks (with a Binarizer, so numeric X is accepted). Slow:
    about 60 IPs with 2 s limits."""
    import warnings

    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(ChecklistClassifier(max_items=2, binarizer=Binarizer(max_thresholds=2),
                                                      time_limit=2),
                                  expected_failed_checks=CHECKLIST_EXPECTED_FAILURES, on_fail=None)
    failed = {r["check_name"] for r in results if r["status"] == "failed"}
    assert failed == set(), failed
