"""Exact bound strengthening in problems.scoring: non-separability (hull) cuts for SLIM,
dominance cuts for checklists, rounding bounds to the objective grid. Every cut family is
checked by enumeration of all integer models on tiny data, and the checker itself is shown
to reject an invalid cut."""
import dataclasses
import itertools
from fractions import Fraction

import numpy as np
import pytest

from optlib import Status
from problems.scoring import ChecklistClassifier, SLIMClassifier
from problems.scoring.base import IPClassifierMixin
from problems.scoring.checklist_cuts import separate_pair_cuts
from problems.scoring.cuts import (
    HullCuts,
    farkas_certificate,
    hull_set,
    separate_hull_cuts,
)
from problems.scoring.grid import grid_min, grid_round


def noisy(seed=0, n=16, d=3, values=4):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, values, size=(n, d)).astype(float)
    y = (X @ rng.normal(size=d) + rng.normal(scale=1.5, size=n) > 0).astype(int)
    y[:2] = [0, 1]
    return X, y


def models(d, box, bbox, zero=()):
    """Every integer (lambda, b) in the box with lambda_j = 0 for j in `zero`."""
    ranges = [[0] if j in zero else range(-box, box + 1) for j in range(d)]
    for lam in itertools.product(*ranges):
        for b in range(-bbox, bbox + 1):
            yield np.array(lam, dtype=float), b


def slim_cut_holds(X, sign, S, outside, margin, box=2, bbox=8):
    """True iff every integer model using no column of `outside` gets a row of S wrong."""
    S = list(S)
    for lam, b in models(X.shape[1], box, bbox, set(outside)):
        if np.all(sign[S] * (b + X[S] @ lam) >= margin - 1e-9):
            return False
    return True


# -- Farkas certificates ------------------------------------------------------------------------
def test_farkas_certificate_is_exact_and_rejects_separable_sets():
    X = np.array([[1.0, 1.0], [0.0, 0.0], [2.0, 2.0], [5.0, 0.0]])
    sign = np.array([1, -1, -1, -1])
    u = farkas_certificate(X, sign, np.array([0, 1, 2]))
    assert u == [Fraction(1), Fraction(1, 2), Fraction(1, 2)]     # (1,1) = midpoint of the negatives
    assert farkas_certificate(X, sign, np.array([0, 1, 3])) is None   # separable: no certificate
    assert farkas_certificate(X, sign, np.array([1, 2])) is None      # one class only
    S = hull_set(X, sign, np.ones(4))
    assert sorted(S.tolist()) == [0, 1, 2]


def test_hull_set_none_when_classes_are_separable():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 3.0], [4.0, 3.0]])
    assert hull_set(X, np.array([-1, -1, 1, 1]), np.ones(4)) is None


# -- SLIM hull cuts ------------------------------------------------------------------------------
@pytest.mark.parametrize("seed,K", [(0, None), (0, 2), (4, 1), (5, 2)])
def test_every_hull_cut_holds_for_every_integer_model(seed, K):
    X, y = noisy(seed)
    clf = SLIMClassifier(C0=0.01, coef_bounds=(-2, 2), intercept_bounds=(-8, 8), max_features=K, margin=1.0)
    p = clf.build(X, y)
    keep = p.variables.rows
    Xk, sk = p.data.X[keep], p.data.sign[keep]
    cuts = separate_hull_cuts(p.model, Xk, sk, used="used" if K is not None else None)
    assert len(cuts) > 0 and cuts.lp_bounds[-1] > cuts.lp_bounds[0]      # they cut the LP off
    for S, outside in zip(cuts.sets, cuts.outside):
        assert slim_cut_holds(Xk, sk, S, outside, p.margin)
    if (seed, K) == (0, 2):
        assert any(cuts.outside)                                           # projected cuts were found


def test_cut_checker_rejects_an_invalid_cut():
    X, y = noisy(0)
    sign = np.where(y == 1, 1, -1)
    p, n = int(np.flatnonzero(sign > 0)[0]), int(np.flatnonzero(sign < 0)[0])
    assert not np.array_equal(X[p], X[n])
    assert not slim_cut_holds(X, sign, (p, n), (), margin=1.0)             # two distinct rows separate


@pytest.mark.parametrize("backend", ["highs", "scip"])
@pytest.mark.parametrize("seed,K", [(0, None), (6, 2), (2, 1)])
def test_hull_cuts_keep_the_optimum(backend, seed, K):
    X, y = noisy(seed, n=24)
    kw = {"C0": 0.02, "coef_bounds": (-2, 2), "intercept_bounds": (-8, 8), "max_features": K, "margin": 1.0,
          "backend": backend}
    on = SLIMClassifier(cuts=True, **kw).fit(X, y)
    off = SLIMClassifier(cuts=False, **kw).fit(X, y)
    assert on.result_.status is Status.OPTIMAL and off.result_.status is Status.OPTIMAL
    assert on.cuts_ is not None and len(on.cuts_) > 0 and off.cuts_ is None
    assert on.result_.objective == pytest.approx(off.result_.objective, abs=1e-9)
    # and both equal the enumerated optimum of the main objective
    s = np.where(y == 1, 1, -1)
    best = min(np.sum(s * (b + X @ lam) < 1) / len(y) + 0.02 * np.count_nonzero(lam)
               for lam, b in models(X.shape[1], 2, 8) if K is None or np.count_nonzero(lam) <= K)
    assert on.objective_ == pytest.approx(best, abs=1e-12)


@pytest.mark.parametrize("kwargs,match", [({"cut_time": -1}, "cut_time"), ({"cuts": -2}, "cuts"),
                                          ({"cuts": "yes"}, "cuts")])
def test_bad_cut_parameters(kwargs, match):
    X, y = noisy(0)
    with pytest.raises(ValueError, match=match):
        SLIMClassifier(**kwargs).fit(X, y)
    with pytest.raises(ValueError, match=match):
        ChecklistClassifier(**kwargs).fit(*binary(0))


def test_cuts_as_a_number_of_rounds():
    X, y = noisy(0)
    one = SLIMClassifier(coef_bounds=(-2, 2), cuts=1).fit(X, y)
    assert one.cuts_ is not None and len(one.cuts_) > 0
    assert len(one.cuts_.lp_bounds) == 2          # one separation round + the LP that prunes slack cuts


# -- checklist dominance cuts ---------------------------------------------------------------------
def checklist_cut_holds(A, sign, p, n, T, N):
    """True iff every checklist (items u, |u| <= N, threshold M) with no item of T gets p or n wrong."""
    free = [j for j in range(A.shape[1]) if j not in set(T)]
    for k in range(1, N + 1):
        for S in itertools.combinations(free, k):
            for M in range(1, k + 1):
                p_right = A[p, list(S)].sum() >= M
                n_right = A[n, list(S)].sum() < M
                if p_right and n_right:
                    return False
    return True


def binary(seed=0, n=40, p=6):
    rng = np.random.default_rng(seed)
    A = (rng.random((n, p)) < 0.45).astype(float)
    y = ((A[:, :3].sum(axis=1) + rng.random(n) * 1.2) >= 2).astype(int)
    return A, y


@pytest.mark.parametrize("seed", [0, 4])
def test_every_dominance_cut_holds_for_every_checklist(seed):
    A, y = binary(seed)
    clf = ChecklistClassifier(max_items=3)
    prob = clf.build(A, y)
    Ak, sk = prob.data.X[prob.keep], prob.data.sign[prob.keep]
    cuts = separate_pair_cuts(prob.model, Ak, sk)
    assert len(cuts) > 0 and cuts.lp_bounds[-1] > cuts.lp_bounds[0]
    for (p, n), T in zip(cuts.sets, cuts.outside):
        assert checklist_cut_holds(Ak, sk, p, n, T, 3)
    # the checker can fail: leaving out the separating items makes the cut wrong
    (p, n), T = cuts.sets[0], cuts.outside[0]
    if T:
        assert not checklist_cut_holds(Ak, sk, p, n, (), A.shape[1])


@pytest.mark.parametrize("backend", ["highs", "scip"])
def test_dominance_cuts_keep_the_checklist_optimum(backend):
    A, y = binary(2)
    on = ChecklistClassifier(max_items=3, backend=backend, cuts=True).fit(A, y)
    off = ChecklistClassifier(max_items=3, backend=backend, cuts=False).fit(A, y)
    assert on.result_.status is Status.OPTIMAL and off.result_.status is Status.OPTIMAL
    assert on.result_.objective == pytest.approx(off.result_.objective, abs=1e-9)
    assert len(on.cuts_) > 0 and off.cuts_ is None


# -- bounds on the objective grid -----------------------------------------------------------------
def test_grid_round_values():
    assert grid_round(6.6, [(0.0, 0.0)]) == 7                       # integer objective
    assert grid_round(7.0, [(0.0, 0.0)]) == 7.0
    assert grid_round(7.0 + 1e-9, [(0.0, 0.0)]) == 7.0 + 1e-9       # float noise is not rounded up to 8
    # objective = integer + 0.25 k, k = 0..3: from 5.2 the next attainable value is 5.25
    assert grid_round(5.2, [(0.25 * k, 0.25 * k) for k in range(4)]) == pytest.approx(5.25)
    # an interval of extras per k: integer + [0.45, 0.46] -> 5.2 becomes 5.45
    assert grid_round(5.2, [(0.45, 0.46)]) == pytest.approx(5.45)
    assert grid_round(5.2, []) == 5.2 and grid_min(5.2, []) == -np.inf
    assert grid_round(-np.inf, [(0.0, 0.0)]) == -np.inf


def test_rounded_bound_is_valid_and_can_prove_optimality():
    A, y = binary(0)
    clf = ChecklistClassifier(max_items=3).fit(A, y)
    r, extras = clf.result_, clf.problem_.grid_extras()
    assert r.status is Status.OPTIMAL
    # a weaker bound just below the optimum rounds back up to it: OPTIMAL again
    weak = dataclasses.replace(r, status=Status.FEASIBLE, bound=r.objective - 1e-3)
    up = IPClassifierMixin._round_bound(weak, extras)
    assert up.status is Status.OPTIMAL and up.bound == pytest.approx(r.objective) and up.gap == pytest.approx(0)
    assert "rounded up" in up.message
    # a bound far below stays below the optimum (valid) and is not OPTIMAL
    low = IPClassifierMixin._round_bound(dataclasses.replace(r, status=Status.FEASIBLE, bound=r.objective - 2.6),
                                         extras)
    assert low.status is Status.FEASIBLE and r.objective - 2.6 < low.bound <= r.objective - 1


def test_slim_main_bound_is_a_valid_bound():
    X, y = noisy(1, n=24)
    clf = SLIMClassifier(C0=0.02, coef_bounds=(-2, 2), intercept_bounds=(-8, 8), max_features=2,
                         margin=1.0).fit(X, y)
    p, r = clf.problem_, clf.result_
    F = p.c0_units * np.count_nonzero(clf.coef_) + clf.n_errors_          # main objective, optimal
    assert p.main_bound(r.bound) <= F + 1e-9
    assert p.main_bound(F - 0.3) > F - 0.3 - p.tiebreak_max              # rounding helps
    assert p.main_bound(F - 0.3) <= F + 1e-9


def test_a_hook_that_replaces_the_objective_turns_rounding_off():
    X, y = noisy(0)
    clf = SLIMClassifier(coef_bounds=(-2, 2), constraints=lambda m, v: m.minimize(v.errors.sum()))
    p = clf.build(X, y)
    assert p.grid_extras() == []
    assert p.main_bound(3.5) == 3.5 - p.tiebreak_max


def test_hull_cuts_struct():
    c = HullCuts()
    assert len(c) == 0 and c.lp_bounds == []


@pytest.mark.parametrize("seed,fix", [(3, 2), (0, 1)])
def test_fixed_nonzero_points_stay_in_the_cut_columns(seed, fix):
    # coef_bounds fixing a point at `fix` (not 0): cuts that treat the column as absent would
    # cut off the optimum on these seeds (2 and 1 errors too many)
    X, y = noisy(seed, n=24)
    kw = {"C0": 0.0, "coef_bounds": ([fix, -2, -2], [fix, 2, 2]), "intercept_bounds": (-8, 8), "margin": 1.0}
    on = SLIMClassifier(cuts=True, **kw).fit(X, y)
    off = SLIMClassifier(cuts=False, **kw).fit(X, y)
    assert on.result_.status is Status.OPTIMAL and off.result_.status is Status.OPTIMAL
    assert on.n_errors_ == off.n_errors_
    s = np.where(y == 1, 1, -1)
    best = min(np.sum(s * (b + X @ lam) < 1) for lam, b in models(3, 2, 8) if lam[0] == fix)
    assert on.n_errors_ == best
