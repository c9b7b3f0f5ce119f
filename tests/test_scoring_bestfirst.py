"""Best-first support search for SLIM (problems/scoring/bestfirst.py, support_bounds.py):
the threshold bounds against plain loops and against every scoring system of a small box,
and the search's optimum and bound against brute force."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from optlib import Status
from problems.scoring import support_bounds
from problems.scoring.bestfirst import best_first_search, feature_sets
from problems.scoring.recheck import full_objective
from problems.scoring.slim import SLIMClassifier
from problems.scoring.support_bounds import ThresholdBounds

BOX = (-2, 2)


def _data(seed: int, n: int = 28, d: int = 4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 3, size=(n, d)).astype(float)
    X[:, -1] = np.round(rng.normal(size=n), 1)                 # a many-valued feature
    y = (X[:, 0] - X[:, 1] + 0.7 * X[:, -1] + rng.normal(0, 0.8, n) > 0).astype(int)
    return X, y


def _problem(seed: int, K: int = 2):
    X, y = _data(seed)
    clf = SLIMClassifier(C0=0.02, coef_bounds=BOX, intercept_bounds=(-12, 12), max_features=K)
    return clf, clf.build(X, y), X, y


def _loop_bound(problem, S, signs=None) -> float:
    """max over j in S of [min over the sign of lambda_j (or the given one)] of the sum over cells
    of S minus j of the best threshold on x_j, by plain loops."""
    d = problem.data
    X, s, w = np.asarray(d.X), d.sign, np.asarray(d.weight, dtype=float)
    if not S:                                  # one cell, one score: the smaller class is wrong
        return float(min(w[s > 0].sum(), w[s < 0].sum()))
    best = 0.0
    for q, j in enumerate(S):
        others = [f for f in S if f != j]
        cells: dict[tuple, list[int]] = {}
        for i in range(X.shape[0]):
            cells.setdefault(tuple(X[i, others]), []).append(i)
        total = {1: 0.0, -1: 0.0}
        for rows in cells.values():
            for up in (1, -1):
                errs = []
                for t in [-math.inf] + sorted(set(X[rows, j])):
                    errs.append(sum(w[i] for i in rows if (X[i, j] <= t) == (s[i] * up > 0)))
                total[up] += min(errs)
        best = max(best, min(total.values()) if signs is None else total[signs[q]])
    return best


def _min_errors(problem, S, signs=None) -> float:
    """The fewest weighted errors of any scoring system with support exactly S (points of the
    given signs) in the box, over every intercept in the box."""
    d = problem.data
    X, s, w = np.asarray(d.X), d.sign, np.asarray(d.weight, dtype=float)
    blo, bhi = problem.intercept_bounds
    ranges = [range(1, BOX[1] + 1) if (signs and signs[q] > 0) else range(BOX[0], 0) if signs
              else [v for v in range(BOX[0], BOX[1] + 1) if v] for q in range(len(S))]
    best = math.inf
    for pts in itertools.product(*ranges):
        score = X[:, list(S)] @ np.array(pts, dtype=float) if S else np.zeros(X.shape[0])
        for b in range(blo, bhi + 1):
            best = min(best, float(w[s * (b + score) < problem.margin - 1e-9].sum()))
    return best


def _brute_optimum(problem) -> float:
    d = problem.data.X.shape[1]
    blo, bhi = problem.intercept_bounds
    best = math.inf
    for coef in itertools.product(range(BOX[0], BOX[1] + 1), repeat=d):
        coef = np.array(coef, dtype=np.int64)
        if np.count_nonzero(coef) > problem.max_features:
            continue
        best = min(best, min(full_objective(problem, coef, b) for b in range(blo, bhi + 1)))
    return best


@pytest.mark.parametrize("dense_per_row", [1000, 0])       # every set binned densely / sparsely
def test_threshold_bounds_match_loops(monkeypatch, dense_per_row):
    monkeypatch.setattr(support_bounds, "_DENSE_PER_ROW", dense_per_row)
    _, problem, _, _ = _problem(0, K=3)
    tb = ThresholdBounds(problem)
    for sets in feature_sets(problem):
        got = tb(sets)
        want = [_loop_bound(problem, tuple(S)) for S in sets]
        np.testing.assert_array_equal(got, want)
        if sets.shape[1]:
            dirs = tb.directional(sets)
            for S, dr in zip(sets, dirs):
                for q in range(len(S)):
                    signs = [1] * len(S)
                    signs[q] = -1
                    assert max(dr[np.arange(len(S)), [0 if g > 0 else 1 for g in signs]]) == \
                        _loop_bound(problem, tuple(S), signs)


@pytest.mark.parametrize("seed", [1, 2])
def test_threshold_bounds_are_valid(seed):
    """No scoring system makes fewer errors than the bound of its support (nor, with the signs
    of its points, than the orthant's bound); a bound above the true minimum fails here."""
    _, problem, _, _ = _problem(seed)
    tb = ThresholdBounds(problem)
    tight = 0
    for sets in feature_sets(problem):
        bounds = tb(sets)
        dirs = tb.directional(sets)
        for S, lb, dr in zip(sets, bounds, dirs):
            S = tuple(int(j) for j in S)
            true = _min_errors(problem, S)
            assert lb <= true + 1e-9, (S, lb, true)
            tight += lb == true
            for signs in itertools.product((1, -1), repeat=len(S)):
                if S:
                    orth = max(dr[np.arange(len(S)), [0 if g > 0 else 1 for g in signs]])
                    assert orth <= _min_errors(problem, S, signs) + 1e-9, (S, signs)
    assert tight >= 2                 # the bound is not vacuous


def test_threshold_bounds_reject_bad_sets():
    _, problem, _, _ = _problem(0)
    with pytest.raises(ValueError, match="sets"):
        ThresholdBounds(problem)(np.array([0, 1]))
    with pytest.raises(ValueError, match="sets"):
        ThresholdBounds(problem)(np.array([[0, 9]]))


@pytest.mark.parametrize("seed", [0, 3])
def test_best_first_finds_the_brute_force_optimum(seed):
    clf, problem, X, y = _problem(seed)
    optimum = _brute_optimum(problem)
    search, best = best_first_search(problem, None, None)
    assert search.complete and search.objective == pytest.approx(optimum, abs=1e-12)
    assert search.bound <= optimum + 1e-12
    assert full_objective(problem, *best) == pytest.approx(optimum, abs=1e-12)
    fitted = SLIMClassifier(**{**clf.get_params(), "method": "bestfirst"}).fit(X, y)
    assert fitted.method_ == "bestfirst" and fitted.result_.status is Status.OPTIMAL
    assert fitted.result_.objective == pytest.approx(optimum, abs=1e-9)
    assert fitted.result_.verified


def test_best_first_bound_is_valid_when_stopped():
    """With no time the bound falls back to the given global bound; with a poor start and a
    tiny limit it stays below the optimum."""
    _, problem, _, _ = _problem(4)
    optimum = _brute_optimum(problem)
    start = (np.zeros(problem.lo.size, dtype=np.int64), 0)
    search, _ = best_first_search(problem, start, 0.0, fallback_bound=1.0)
    assert not search.complete and search.bound == 1.0 and search.timed_out
    for limit in (1e-3, 5e-3):
        search, _ = best_first_search(problem, start, limit)
        assert search.bound <= optimum + 1e-12


def test_auto_picks_best_first_beyond_the_support_limit(monkeypatch):
    import problems.scoring.slim as slim_mod

    clf, problem, X, y = _problem(0)
    monkeypatch.setattr(slim_mod, "AUTO_SUPPORTS", 3)
    assert clf._chosen_method(problem) == "bestfirst"
    monkeypatch.setattr(slim_mod, "AUTO_BESTFIRST", 5)
    assert clf._chosen_method(problem) == "mip"
    hooked = SLIMClassifier(method="bestfirst", constraints=lambda m, v: None)
    assert hooked._chosen_method(problem) == "support"
    with pytest.raises(ValueError, match="method"):
        SLIMClassifier(method="best").fit(X, y)


def test_best_first_reports_incumbent_and_bound(monkeypatch):
    """The search's progress steps carry the incumbent and a bound that never exceeds the
    optimum (brute force) nor the incumbent; the fit passes them to a progress= sink."""
    import problems.scoring.bestfirst as bf
    from optlib.bench.trace import TraceRecorder

    monkeypatch.setattr(bf, "PROGRESS_EVERY", 0.0)            # every node
    clf, problem, X, y = _problem(3)
    optimum = _brute_optimum(problem)
    steps: list[tuple[float, float]] = []
    search, _ = best_first_search(problem, None, None, on_progress=lambda inc, bd: steps.append((inc, bd)))
    assert steps and search.complete
    assert all(bd <= optimum + 1e-12 and bd <= inc + 1e-12 for inc, bd in steps)
    assert all(b2 >= b1 - 1e-12 for (_, b1), (_, b2) in zip(steps, steps[1:]))   # bounds only rise
    trace = TraceRecorder()
    SLIMClassifier(**{**clf.get_params(), "method": "bestfirst"}).fit(X, y, progress=trace)
    assert trace.points and all(p[2] <= optimum + 1e-9 for p in trace.points)
