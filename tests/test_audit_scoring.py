"""Audit of the scoring status flags (SLIMClassifier / ChecklistClassifier `result_.status`
OPTIMAL, `result_.bound`) against enumerations written here, on fresh random instances.

OPTIMAL follows optlib's contract: the certified bound is within the requested `rel_gap` of the
incumbent (0 by default, i.e. proven optimal); the bound is a valid lower bound always.
"""
import itertools

import numpy as np
import pytest

from optlib import Status
from problems.scoring import ChecklistClassifier, SLIMClassifier
from problems.scoring.recheck import full_objective


def instance(seed, n=16, d=3):
    rng = np.random.default_rng(100 + seed)
    X = rng.integers(-1, 4, size=(n, d)).astype(float)
    y = (X @ rng.normal(size=d) + rng.normal(scale=1.2, size=n) > 0.5).astype(int)
    if y.min() == y.max():
        y[0] = 1 - y[0]
    return X, y


def slim_enumeration(X, y, C0, K, box=2, bbox=8, margin=1.0):
    """(lexicographic key (errors/n + C0 L0, L0, L1), coef, intercept) of the best integer model."""
    s = np.where(y == 1, 1, -1)
    best = None
    for lam in itertools.product(range(-box, box + 1), repeat=X.shape[1]):
        lam = np.array(lam)
        L0 = int(np.count_nonzero(lam))
        if K is not None and L0 > K:
            continue
        errs = [int(np.sum(s * (b + X @ lam) < margin)) for b in range(-bbox, bbox + 1)]
        b = int(np.argmin(errs)) - bbox
        key = (round(min(errs) / len(y) + C0 * L0, 12), L0, int(np.abs(lam).sum()))
        if best is None or key < best[0]:
            best = (key, lam, b)
    return best


def slim_key(clf, X, y, C0, margin=1.0):
    s = np.where(y == clf.classes_[1], 1, -1)
    errors = int(np.sum(s * clf.decision_function(X) < margin - 1e-9))
    L0 = int(np.count_nonzero(clf.coef_))
    return (round(errors / len(y) + C0 * L0, 12), L0, int(np.abs(clf.coef_).sum()))


@pytest.mark.parametrize("seed,n,C0,K,method,rel_gap,cuts", [
    (0, 16, 0.0, None, "mip", 0.0, True), (1, 16, 0.04, 2, "support", 0.0, True), (2, 16, 0.02, 1, "mip", 0.0, True),
    (3, 16, 0.0, 2, "auto", 0.0, True), (4, 16, 0.03, None, "mip", 0.3, True),
    # without cuts HiGHS needs a search on these: with rel_gap 0.9 it stops early (OPTIMAL within the
    # gap, not the enumerated optimum); with rel_gap 0 it must reach the enumerated optimum
    (8, 30, 0.01, None, "mip", 0.9, False), (12, 30, 0.01, None, "mip", 0.9, False),
    (8, 30, 0.01, None, "mip", 0.0, False), (12, 30, 0.01, None, "mip", 0.0, False),
])
def test_slim_status_and_bound_against_enumeration(seed, n, C0, K, method, rel_gap, cuts):
    X, y = instance(seed, n=n)
    clf = SLIMClassifier(C0=C0, coef_bounds=(-2, 2), intercept_bounds=(-8, 8), max_features=K, margin=1.0,
                         method=method, rel_gap=rel_gap, cuts=cuts, backend="highs").fit(X, y)
    r = clf.result_
    key, lam, b = slim_enumeration(X, y, C0, K)
    assert slim_key(clf, X, y, C0) >= key                               # nobody beats the enumeration
    best = full_objective(clf.problem_, lam, b)                          # the optimum in the IP's units
    assert r.bound <= best + 1e-9 * max(1.0, abs(best))                   # the bound is a lower bound
    assert r.objective == pytest.approx(full_objective(clf.problem_, clf.coef_, int(clf.intercept_)), abs=1e-9)
    if r.status is Status.OPTIMAL:
        assert r.objective - best <= rel_gap * abs(r.objective) + 1e-9 * max(1.0, abs(best))
        if rel_gap == 0.0:
            assert slim_key(clf, X, y, C0) == key


def checklist_enumeration(A, y, N, max_fnr=None):
    pos = y == 1
    best = None
    for k in range(1, N + 1):
        for S in itertools.combinations(range(A.shape[1]), k):
            for m in range(1, k + 1):
                pred = A[:, S].sum(axis=1) >= m
                fn, fp = int((pos & ~pred).sum()), int((~pos & pred).sum())
                if max_fnr is not None and fn > np.floor(max_fnr * pos.sum() + 1e-9):
                    continue
                if best is None or (fn + fp, k) < best:
                    best = (fn + fp, k)
    return best


@pytest.mark.parametrize("seed,N,max_fnr", [(0, 3, None), (1, 2, None), (2, 3, 0.2), (3, 4, 0.1)])
def test_checklist_status_against_enumeration(seed, N, max_fnr):
    rng = np.random.default_rng(200 + seed)
    A = (rng.random((36, 6)) < 0.5).astype(float)
    y = ((A[:, 1:4].sum(axis=1) + rng.random(36) * 1.5) >= 2).astype(int)
    clf = ChecklistClassifier(max_items=N, max_fnr=max_fnr, backend="highs").fit(A, y)
    best = checklist_enumeration(A, y, N, max_fnr)
    r = clf.result_
    if best is None:
        assert r.status is Status.INFEASIBLE
        return
    pred = clf.predict(A) == 1
    pos = y == 1
    got = (int((pos & ~pred).sum()) + int((~pos & pred).sum()), len(clf.items_))
    assert got >= best
    assert r.bound <= best[0] + best[1] / (N + 1) + 1e-9        # objective = cost + k / (max_items + 1)
    if r.status is Status.OPTIMAL:
        assert got == best
