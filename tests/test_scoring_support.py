"""SLIMClassifier(method="support"): the support decomposition reaches the enumerated optimum,
keeps the constraints hook, reports honest statuses at time limits, and rejects bad input."""
import dataclasses
import itertools

import numpy as np
import pytest

from optlib import Status
from problems.scoring import SLIMClassifier, load_dataset
from problems.scoring import boxsearch as boxsearch_mod
from problems.scoring import support as support_mod
from optlib import datasets
from problems.scoring.recheck import full_objective
from problems.scoring.boxsearch import BoxBounds, _exact, orthants
from problems.scoring.support import count_supports, cutoff_margin, supports

_NO_DATA = datasets.missing("scoring/breastcancer.csv")       # shipped with optlib; None when found
needs_data = pytest.mark.skipif(_NO_DATA is not None, reason=f"data set breastcancer: {_NO_DATA}")


def data(seed, n=18, d=4, low=0):
    rng = np.random.default_rng(seed)
    X = rng.integers(low, 4, size=(n, d)).astype(float)
    y = (X @ rng.normal(size=d) + rng.normal(scale=1.5, size=n) > 0).astype(int)
    if y.min() == y.max():
        y[0] = 1 - y[0]
    return X, y


def enumerate_best(X, y, C0, K, box=(-2, 2), bbox=8, allowed=lambda lam: True, margin=1.0, weights=None):
    """Lexicographic optimum (F, L0, L1) over every integer model with at most K features
    (box: per-feature (lo, hi) arrays or one pair), among those `allowed` accepts."""
    s = np.where(y == 1, 1, -1)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=float)
    lo, hi = (np.broadcast_to(np.asarray(v), (X.shape[1],)) for v in box)
    best = None
    for lam in itertools.product(*[range(int(a), int(b) + 1) for a, b in zip(lo, hi)]):
        lam = np.array(lam)
        L0 = np.count_nonzero(lam)
        if L0 > K or not allowed(lam):
            continue
        scores = X @ lam
        err = min(w[s * (b + scores) < margin - 1e-9].sum() for b in range(-bbox, bbox + 1))
        key = (round(err / w.sum() + C0 * L0, 12), L0, int(np.abs(lam).sum()))
        if best is None or key < best:
            best = key
    return best


def key_of(clf, X, y, C0, margin=1.0, weights=None):
    s = np.where(y == clf.classes_[1], 1, -1)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=float)
    err = w[s * clf.decision_function(X) < margin - 1e-9].sum()
    L0 = np.count_nonzero(clf.coef_)
    return (round(err / w.sum() + C0 * L0, 12), L0, int(np.abs(clf.coef_).sum()))


def fit(X, y, C0, K, **kw):
    kw = {"backend": "highs", **kw}
    return SLIMClassifier(C0=C0, coef_bounds=(-2, 2), intercept_bounds=(-8, 8), max_features=K, margin=1.0,
                          method="support", **kw).fit(X, y)


@pytest.mark.parametrize("seed,C0,K,low", [(0, 0.0, 1, 0), (1, 0.03, 2, 0), (2, 0.01, 2, -3), (3, 0.0, 3, -2),
                                          (4, 0.05, 2, 0), (12, 0.0, 4, -1)])
def test_support_decomposition_matches_enumeration(seed, C0, K, low):
    X, y = data(seed, low=low)
    clf = fit(X, y, C0, K)
    r = clf.result_
    assert r.status is Status.OPTIMAL and r.gap == 0 and r.certificate.verified
    assert key_of(clf, X, y, C0) == enumerate_best(X, y, C0, K)
    search = clf.supports_
    assert len(search.nodes) == sum(len(list(itertools.combinations(range(4), k))) for k in range(K + 1))
    assert search.complete and all(n.exact_support for n in search.nodes)
    assert abs(r.objective - full_objective(clf.problem_, clf.coef_, clf.intercept_)) < 1e-9


def test_weights_signs_and_fractional_data():
    X, y = data(13, n=16, d=3, low=-2)
    X = X * 0.5                                               # scores on a 0.5 grid, margin 1e-3
    w = np.random.default_rng(0).integers(1, 4, size=len(y))
    clf = SLIMClassifier(C0=0.02, coef_bounds=(-2, 2), intercept_bounds=(-8, 8), max_features=2, margin=1e-3,
                         sign=[1, 0, -1], backend="highs", method="support").fit(X, y, sample_weight=w)
    assert clf.result_.status is Status.OPTIMAL
    want = enumerate_best(X, y, 0.02, 2, box=([0, -2, -2], [2, 2, 0]), margin=1e-3, weights=w)
    assert key_of(clf, X, y, 0.02, margin=1e-3, weights=w) == want


@pytest.mark.parametrize("sweep", [False, True])     # True: the per-box best_intercept path of wide intercepts
def test_box_bound_is_below_every_point_of_the_box(sweep, monkeypatch):
    if sweep:
        monkeypatch.setattr(boxsearch_mod, "_MAX_BINS", 0)
    X, y = data(14, n=20, d=3, low=-3)
    p = SLIMClassifier(C0=0.02, coef_bounds=(-3, 3), intercept_bounds=(-10, 10), max_features=3, margin=1.0,
                       cuts=False).build(X, y)
    bounds = BoxBounds(p, np.arange(3))
    rng = np.random.default_rng(1)
    for _ in range(40):
        a, b = rng.integers(-3, 4, size=3), rng.integers(-3, 4, size=3)
        L, U = np.minimum(a, b), np.maximum(a, b)
        lb = bounds(L[None, :].astype(float), U[None, :].astype(float))[0]
        best = min(_exact(p, np.array(c))[0] for c in itertools.product(*[range(l, u + 1) for l, u in zip(L, U)]))
        assert lb <= best + 1e-9
        if np.all(L == U):
            assert lb == pytest.approx(best, abs=1e-9)


def test_orthants_cover_the_nonzero_points():
    L, U = orthants(np.array([-2, 0, -3]), np.array([2, 1, -1]))
    assert L.shape == (2, 3)                                  # sign choices only where the box allows them
    assert {tuple(r) for r in L} == {(-2, 1, -3), (1, 1, -3)} and {tuple(r) for r in U} == {(-1, 1, -1), (2, 1, -1)}


def test_support_and_mip_agree_with_scip():
    X, y = data(5)
    a = fit(X, y, 0.02, 2, backend="scip")
    b = SLIMClassifier(C0=0.02, coef_bounds=(-2, 2), intercept_bounds=(-8, 8), max_features=2, margin=1.0,
                       backend="scip").fit(X, y)
    assert a.result_.status is Status.OPTIMAL and b.result_.status is Status.OPTIMAL
    assert abs(a.result_.objective - b.result_.objective) < 1e-9
    assert key_of(a, X, y, 0.02) == enumerate_best(X, y, 0.02, 2)


def test_hook_applies_in_every_subproblem():
    X, y = data(6)
    free = enumerate_best(X, y, 0.0, 2)
    clf0 = fit(X, y, 0.0, 2)
    j = int(np.flatnonzero(clf0.coef_)[0])           # a feature of the unconstrained optimum

    def without_j(model, v):
        model.add(v.used[j] == 0, name="no_j")

    clf = fit(X, y, 0.0, 2, constraints=without_j)
    assert clf.result_.status is Status.OPTIMAL and clf.coef_[j] == 0
    nodes = clf.supports_.nodes
    assert len(nodes) == 11 and all(n.exact_support for n in nodes)
    with_j = [n for n in nodes if j in n.features]         # their box-search optimum used j: MIP nodes
    assert with_j and all(n.solver_status in ("INFEASIBLE", "OPTIMAL") or n.state == "closed" for n in with_j)
    best = enumerate_best(X, y, 0.0, 2, allowed=lambda lam: lam[j] == 0)
    assert key_of(clf, X, y, 0.0) == best
    assert best >= free


@pytest.mark.parametrize("seed,C0", [(15, 0.0), (16, 0.04)])
def test_mip_nodes_with_a_redundant_hook_match_enumeration(seed, C0):
    X, y = data(seed, low=-1)

    def redundant(model, v):
        model.add(v.used.sum() <= 4, name="redundant")

    clf = fit(X, y, C0, 2, constraints=redundant)
    assert clf.result_.status is Status.OPTIMAL and clf.supports_.complete
    assert key_of(clf, X, y, C0) == enumerate_best(X, y, C0, 2)


def test_restricted_problem_keeps_rows_and_objective():
    X, y = data(7)
    clf = fit(X, y, 0.02, 2)
    p = clf.problem_
    lo, hi = p.lo.copy(), p.hi.copy()
    lo[2:], hi[2:] = 0, 0
    sub = clf._restricted(p, lo, hi)
    assert np.array_equal(sub.variables.rows, p.variables.rows) and sub.tiebreak == p.tiebreak
    assert np.all(sub.big_m <= p.big_m + 1e-12)
    coef = np.array([1, -2, 0, 0])
    res = sub.model.solve(backend="highs")
    assert res.objective == pytest.approx(full_objective(p, *sub.variables.decode(res)), abs=1e-9)
    assert full_objective(sub, coef, 0) == pytest.approx(full_objective(p, coef, 0), abs=1e-12)


def test_objective_replacing_hook_falls_back_to_one_mip():
    X, y = data(8)

    def errors_only(model, v):
        model.minimize(v.errors.sum())

    clf = fit(X, y, 0.0, 2, constraints=errors_only)
    mip = SLIMClassifier(C0=0.0, coef_bounds=(-2, 2), intercept_bounds=(-8, 8), max_features=2, margin=1.0,
                         constraints=errors_only, backend="highs").fit(X, y)
    assert clf.supports_ is None and mip.supports_ is None
    assert clf.result_.status is mip.result_.status and clf.result_.objective == mip.result_.objective


def test_infeasible_hook_gives_infeasible_result():
    X, y = data(9)

    def too_many(model, v):
        model.add(v.used.sum() >= 3, name="at_least_three")

    clf = SLIMClassifier(max_features=2, constraints=too_many, backend="highs", method="support")
    with pytest.warns(UserWarning, match="infeasible"):
        clf.fit(X, y)
    assert clf.result_.status is Status.INFEASIBLE


def test_bad_method_and_too_many_supports(monkeypatch):
    X, y = data(10)
    with pytest.raises(ValueError, match="method must be"):
        SLIMClassifier(method="enumerate").fit(X, y)
    monkeypatch.setattr(support_mod, "MAX_SUPPORTS", 2)
    with pytest.raises(ValueError, match="feature sets"):
        fit(X, y, 0.0, 2)


def test_supports_are_the_maximal_sets_of_free_columns():
    X, y = data(11, d=5)
    clf = SLIMClassifier(coef_bounds=([-2, 0, -2, -2, -2], [2, 0, 2, 2, 2]), max_features=3, margin=1.0,
                         backend="highs", cuts=False)
    p = clf.build(X, y)
    assert supports(p) == list(itertools.combinations([0, 2, 3, 4], 3))
    exact = supports(p, maximal=False)
    assert len(exact) == 4 + 6 + 4 + 1 and exact[-1] == () and len(set(exact)) == len(exact)
    assert count_supports(p) == len(exact)


@needs_data
def test_time_limit_gives_honest_feasible_result():
    X, y, names = load_dataset("breastcancer")
    clf = SLIMClassifier(C0=0.09 / 683, coef_bounds=(-10, 10), intercept_bounds=(-100, 100), max_features=5,
                         backend="highs", time_limit=3, method="support", feature_names=names).fit(X, y)
    r, s = clf.result_, clf.supports_
    assert r.status is Status.FEASIBLE and r.limit_reached == "time_limit"
    assert not s.complete and s.timed_out
    lowest = min(n.bound for n in s.nodes if not n.done)     # then rounded up to the objective grid
    assert 0 < lowest <= r.bound <= r.objective and lowest >= max(clf.cuts_.lp_bounds) - 1e-9
    # the optimum of this task, proved by method="support" without a time limit (14 errors,
    # 5 features, L1 = 13; test_scoring_reference.py): no valid bound exceeds it
    assert r.bound <= 14 + 5 * (0.09 + clf.problem_.tiebreak.eps0) + 13 * clf.problem_.tiebreak.eps1 + 1e-9
    assert r.certificate.verified and np.count_nonzero(clf.coef_) <= 5


def test_cutoff_margin_is_exact_only_above_the_floor():
    X, y = data(17)
    p = SLIMClassifier(C0=0.02, coef_bounds=(-2, 2), max_features=2, margin=1.0, cuts=False).build(X, y)
    m, exact = cutoff_margin(p)
    assert exact and m == p.tiebreak.eps1 / 2
    tiny = dataclasses.replace(p, tiebreak=dataclasses.replace(p.tiebreak, eps1=1e-7))
    assert cutoff_margin(tiny) == (1e-5, False) and cutoff_margin(tiny, 1e-9) == (5e-8, True)


def test_hook_that_forces_an_error_indicator_is_priced_in():
    """A hook may set an error indicator to 1 on a row the model classifies right: the incumbent
    value must be the model's objective at the point, not the plain error count."""
    X, y = data(18)

    def count_first(model, v):
        model.add(v.errors[0] >= 1, name="count_row_0")

    kw = dict(C0=0.02, coef_bounds=(-2, 2), intercept_bounds=(-8, 8), max_features=2, margin=1.0,
              constraints=count_first, backend="highs")
    mip = SLIMClassifier(**kw).fit(X, y)
    sup = SLIMClassifier(method="support", **kw).fit(X, y)
    assert mip.result_.status is Status.OPTIMAL and sup.result_.status is Status.OPTIMAL
    assert sup.result_.objective == pytest.approx(mip.result_.objective, abs=1e-9)
    assert sup.result_.objective >= full_objective(sup.problem_, sup.coef_, sup.intercept_) - 1e-9


@pytest.mark.parametrize("seed,K", [(3, 2), (5, 3)])
def test_columns_whose_box_excludes_zero_are_in_every_support(seed, K):
    """coef_bounds that force a feature nonzero (here 1 <= coef_0 <= 2): every feature set holds
    it, so the decomposition reaches the enumerated optimum of that box (it used to search
    supports without the forced feature and report models outside the box)."""
    X, y = data(seed)
    box = ([1, -2, -2, -2], [2, 2, 2, 2])
    clf = SLIMClassifier(
        C0=0.01, coef_bounds=box, intercept_bounds=(-8, 8), max_features=K, margin=1.0, method="support",
        backend="highs").fit(X, y)
    assert clf.coef_[0] != 0 and clf.result_.status is Status.OPTIMAL
    assert key_of(clf, X, y, 0.01) == enumerate_best(X, y, 0.01, K, box=box)
    p = clf.problem_
    assert all(0 in S for S in supports(p, maximal=False)) and count_supports(p) == len(supports(p, maximal=False))
    assert count_supports(p) == sum(len(list(itertools.combinations(range(3), k))) for k in range(K))
    both = SLIMClassifier(coef_bounds=([1, -2, -2, 1], [2, 2, 2, 2]), max_features=1, margin=1.0, cuts=False)
    assert supports(both.build(X, y)) == [] and count_supports(both.build(X, y)) == 0     # 2 forced > 1 allowed


def _forced_case(rng):
    d, n, K = int(rng.integers(3, 5)), int(rng.integers(15, 21)), int(rng.integers(1, 4))
    X, y = data(int(rng.integers(10**6)), n=n, d=d, low=int(rng.integers(-3, 1)))
    lo, hi = [-2] * d, [2] * d
    j = int(rng.integers(d))
    lo[j], hi[j] = (1, 2) if rng.random() < 0.5 else (-2, -1)
    return X, y, K, float(rng.choice([0.0, 0.01, 0.05])), (lo, hi)


@pytest.mark.parametrize("case", range(8))
def test_default_fit_with_a_forced_column_matches_enumeration(case):
    """Default method ('auto' -> support search) and warm start on boxes that force one column
    nonzero: the rounded start often lies outside the box (the all-zero model, or K + 1 features);
    it must be dropped, not taken as the incumbent."""
    X, y, K, C0, box = _forced_case(np.random.default_rng(1000 + case))
    clf = SLIMClassifier(C0=C0, coef_bounds=box, intercept_bounds=(-8, 8), max_features=K, margin=1.0,
                         backend="highs").fit(X, y)
    assert clf.method_ == "support" and clf.result_.status is Status.OPTIMAL
    assert np.all(clf.coef_ >= box[0]) and np.all(clf.coef_ <= box[1])
    assert key_of(clf, X, y, C0) == enumerate_best(X, y, C0, K, box=box)


def test_auto_hands_infeasible_boxes_and_rel_gap_to_the_single_ip():
    X, y = data(4)
    two_forced = SLIMClassifier(coef_bounds=([1, 1, -2, -2], [2, 2, 2, 2]), max_features=1, margin=1.0,
                                backend="highs").fit(X, y)
    assert two_forced.result_.status is Status.INFEASIBLE
    assert two_forced.method_ == "mip" and two_forced.supports_ is None       # the IP decided
    loose = SLIMClassifier(coef_bounds=(-2, 2), max_features=2, margin=1.0, rel_gap=0.5, backend="highs").fit(X, y)
    assert loose.method_ == "mip"                                             # the search would ignore rel_gap
    exact = SLIMClassifier(coef_bounds=(-2, 2), max_features=2, margin=1.0, backend="highs").fit(X, y)
    assert exact.method_ == "support" and exact.supports_ is not None


def test_single_ip_after_a_fruitless_search_gets_only_the_time_left(monkeypatch):
    """When the support search ends without a scoring system the single IP decides, with
    time_limit less the search's seconds (it used to get the whole time_limit again)."""
    import types

    import optlib

    monkeypatch.setattr(support_mod, "search_supports", lambda *a, **k: (types.SimpleNamespace(seconds=12.0), None))
    seen = []
    solve = optlib.Model.solve

    def spy(self, *args, **kwargs):
        seen.append(kwargs.get("time_limit"))
        return solve(self, *args, **kwargs)

    monkeypatch.setattr(optlib.Model, "solve", spy)
    X, y = data(4)
    clf = SLIMClassifier(coef_bounds=(-2, 2), max_features=2, margin=1.0, backend="highs", time_limit=30,
                         cuts=False, method="support").fit(X, y)
    assert clf.method_ == "mip" and clf.supports_ is None
    assert seen and seen[-1] == pytest.approx(18.0)


def test_rounded_start_keeps_to_the_boxes():
    from problems.scoring.warmstart import rounded_start

    for case in range(8):
        X, y, K, C0, box = _forced_case(np.random.default_rng(1000 + case))
        p = SLIMClassifier(C0=C0, coef_bounds=box, intercept_bounds=(-8, 8), max_features=K, margin=1.0,
                           cuts=False).build(X, y)
        start = rounded_start(p)
        assert start is not None and p.admits(*start)
