"""The solve and answer contract of problems.clustering (issue 17): SDPKMeans and ILASDP follow
scikit-learn's estimator checks, report an optlib.Answer in `answer_`, take backend= /
time_limit= / options= (solve_options= is a deprecated alias), hold the time limit for the whole
fit and never raise because of it, and refuse complex input."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from wallclock import Clock
from scipy.stats import multivariate_normal
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import parametrize_with_checks

import optlib
from optlib import Deadline, Status, check_answer, relative_gap
from problems.clustering import ILASDP, SDPKMeans, exact_kmeans, gaussian_mixture, misclustering_error
from problems.clustering.lowrank import nonneg_burer_monteiro

clarabel = pytest.mark.skipif("clarabel" not in optlib.backends(), reason="clarabel not installed")

# Fast settings: the low-rank path; the SDP path on SCS at loose tolerances (the default SDP on
# Clarabel takes ~60 s for the whole suite, 40 s of it in check_fit_idempotent at n = 75); ILASDP
# with one pool partition and few iterations, on both of its paths.
FAST_SCS = {"eps_abs": 1e-4, "eps_rel": 1e-4, "refine": False}
CHECKED = [
    SDPKMeans(solver="lowrank", max_iter=300, device="numpy"),
    SDPKMeans(solver="sdp", backend="scs", options=FAST_SCS),
    ILASDP(max_iter=3, n_init=2, pool_size=1, start_pool="kmeans", solver="lowrank", lowrank_iter=200,
           init="kmeans"),
    ILASDP(max_iter=1, n_init=1, pool_size=0, solver="sdp", backend="scs", init="kmeans",
           covariance="spherical", options={"eps_abs": 1e-3, "eps_rel": 1e-3}),
]


def expected_failed_checks(estimator):
    """Every check applies: none is excluded. (SDPKMeans(kernel='precomputed') is not in CHECKED:
    it has no cluster centres, so its predict raises, and check_clustering passes it features
    rather than a Gram matrix.)"""
    return {}


@parametrize_with_checks(CHECKED, expected_failed_checks=expected_failed_checks)
def test_sklearn_contract(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


def blobs(n, K=3, sep=8.0, seed=0, d=2):
    return gaussian_mixture(n, K, d, separation=sep, random_state=seed)


# -- the answer protocol ------------------------------------------------------------------------
@clarabel
def test_sdpkmeans_answer_optimal_when_certified():
    X, y = blobs(24)
    m = SDPKMeans(3, solver="sdp", backend="clarabel").fit(X)
    check_answer(m.answer_)
    a = m.answer_
    assert m.optimal_ and a.status is Status.OPTIMAL and m.status_ is Status.OPTIMAL
    assert a.objective == m.inertia_ and a.bound == m.bound_ and a.verified and a.limit_reached is None
    assert m.gap_ == a.gap == relative_gap(m.inertia_, m.bound_)
    assert a.results == (m.result_,) and isinstance(m.result_, optlib.Result)
    assert m.solve_status_ == "OPTIMAL" and a.sense == "min"
    assert a.timings["total"] >= a.timings["solve"] > 0


@clarabel
def test_sdpkmeans_answer_feasible_when_bound_is_loose():
    """The rounded partition is the exact optimum, but the SDP bound does not prove it: FEASIBLE."""
    X, _ = gaussian_mixture(14, 3, 2, separation=2.0, random_state=1)
    m = SDPKMeans(3, solver="sdp", backend="clarabel").fit(X)
    check_answer(m.answer_)
    assert m.inertia_ == pytest.approx(exact_kmeans(X, 3).inertia, rel=1e-9)
    assert not m.optimal_ and m.status_ is Status.FEASIBLE and m.answer_.gap > 1e-3


def test_sdpkmeans_answer_on_lowrank_and_single_cluster():
    X, _ = blobs(60, sep=9.0, seed=2)
    m = SDPKMeans(3, solver="lowrank", device="numpy").fit(X)
    check_answer(m.answer_)
    assert m.status_ is (Status.OPTIMAL if m.optimal_ else Status.FEASIBLE)
    assert m.answer_.results == () and m.solve_status_ == "converged"
    stopped = SDPKMeans(3, solver="lowrank", device="numpy", max_iter=2, init="random").fit(X)
    check_answer(stopped.answer_)
    assert stopped.answer_.limit_reached == "iteration_limit" and stopped.solve_status_.startswith("stopped")
    one = SDPKMeans(1).fit(X)
    check_answer(one.answer_)
    assert one.status_ is Status.OPTIMAL and one.answer_.gap == pytest.approx(0.0, abs=1e-9)


def test_ilasdp_answer():
    X, y = blobs(40, K=2, sep=6.0, d=3)
    m = ILASDP(2, solver="sdp", backend="scs", init="kmeans", n_init=1, max_iter=2).fit(X)
    check_answer(m.answer_)
    a = m.answer_
    assert a.status is Status.FEASIBLE and m.status_ is Status.FEASIBLE and not a.verified
    assert a.objective == m.log_likelihood_ and a.bound == math.inf and a.gap == math.inf and a.sense == "max"
    assert len(a.results) == m.n_iter_ and all(isinstance(r, optlib.Result) for r in a.results)
    assert a.limit_reached == (None if m.converged_ else "iteration_limit")
    one = ILASDP(1, solver="lowrank", init="kmeans").fit(X)
    check_answer(one.answer_)
    assert one.status_ is Status.OPTIMAL and one.answer_.bound == one.answer_.objective


# -- predict, score, GridSearchCV ---------------------------------------------------------------
def test_ilasdp_predict_and_score_are_the_fitted_mixture():
    X, y = blobs(90, K=3, sep=7.0, d=2, seed=4)
    m = ILASDP(3, solver="lowrank", init="kmeans", n_init=1, max_iter=3).fit(X)
    assert np.allclose(m.weights_, np.bincount(m.labels_) / 90)
    dens = np.stack([w * multivariate_normal(mu, S).pdf(X) for w, mu, S in
                     zip(m.weights_, m.means_, m.covariances_)], axis=1)
    assert np.array_equal(m.predict(X), dens.argmax(axis=1))
    assert m.score(X) == pytest.approx(float(np.log(dens.sum(axis=1)).mean()), rel=1e-10)
    assert misclustering_error(m.labels_, m.predict(X)) < 0.05      # well separated: MAP ~ labels


@pytest.mark.parametrize("est", [ILASDP(solver="lowrank", init="kmeans", n_init=1, max_iter=2),
                                 SDPKMeans(solver="lowrank", device="numpy")], ids=["ILASDP", "SDPKMeans"])
def test_grid_search_runs(est):
    X, _ = blobs(60, K=3, sep=8.0)
    gs = GridSearchCV(est, {"n_clusters": [2, 3]}, cv=2).fit(X)
    assert gs.best_params_["n_clusters"] in (2, 3) and np.isfinite(gs.best_score_)


@pytest.mark.parametrize("cls", [SDPKMeans, ILASDP])
def test_not_fitted_and_complex_input(cls):
    X, _ = blobs(20)
    with pytest.raises(NotFittedError):
        cls(2).predict(X)
    with pytest.raises(NotFittedError):
        cls(2).score(X)
    with pytest.raises(ValueError, match="Complex data not supported"):
        cls(2).fit(X + 1j)
    m = cls(2, solver="lowrank").fit(X)
    with pytest.raises(ValueError, match="Complex data not supported"):
        m.predict(X.astype(complex))
    with pytest.raises(ValueError, match="X has 1 features, but .* is expecting 2 features"):
        m.predict(X[:, :1])


# -- backend, options and the deprecated alias ---------------------------------------------------
@pytest.mark.parametrize("cls", [SDPKMeans, ILASDP])
def test_options_and_deprecated_solve_options(cls):
    X, _ = blobs(18)
    kw = {"solver": "sdp", "backend": "scs"} | ({"init": "kmeans", "n_init": 1, "max_iter": 1} if cls is ILASDP else {})
    with pytest.warns(FutureWarning, match=r"solve_options=\.\.\.\) is deprecated; use options="):
        old = cls(3, solve_options={"eps_abs": 1e-3}, **kw).fit(X)
    new = cls(3, options={"eps_abs": 1e-3}, **kw).fit(X)
    assert np.array_equal(old.labels_, new.labels_)
    assert new.answer_.results[-1].backend.parameters.get("eps_abs") == 1e-3
    with pytest.raises(ValueError, match="not both"):
        with pytest.warns(FutureWarning):
            cls(3, options={"eps_abs": 1e-3}, solve_options={"eps_abs": 1e-4}, **kw).fit(X)
    with pytest.raises(ValueError, match="options must not set .time_limit."):
        cls(3, options={"time_limit": 1}, **kw).fit(X)
    with pytest.raises(ValueError, match="options must be a dict"):
        cls(3, options=[("eps_abs", 1)], **kw).fit(X)
    with pytest.raises(ValueError, match="backend must be"):
        cls(3, **(kw | {"backend": 3})).fit(X)


def test_sdp_without_a_point_falls_back_and_warns():
    """Not a time limit (SCS stopped after 2 iterations): the low-rank partition, a warning."""
    X, _ = blobs(30, sep=3.0, seed=5)
    with pytest.warns(ConvergenceWarning, match="returned no point"):
        m = SDPKMeans(3, solver="sdp", backend="scs", options={"max_iters": 2, "refine": False}).fit(X)
    check_answer(m.answer_)
    assert "fallback from sdp (scs)" in m.path_ and m.answer_.results[0].x is None
    assert m.bound_ <= exact_kmeans(X, 3).inertia + 1e-9 and len(set(m.labels_)) == 3


# -- the time limit: the whole fit, never raising -----------------------------------------------
def timed(est, X):
    """The smaller of the fit's wall and CPU time (tests/wallclock.py)."""
    with Clock() as clock, warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X)
    return clock.elapsed


@clarabel
@pytest.mark.parametrize("n", [150, 300])
def test_clarabel_not_started_when_it_cannot_reach_a_first_iterate(n):
    """Clarabel needs ~160 s (n = 150; ~1e4 s at 300) before it can stop: the fit does not start
    it and returns the low-rank partition at once (before: 36-54 s at n = 150, a RuntimeError or
    a ValueError at n = 300)."""
    X, _ = blobs(n, sep=3.0)
    m = SDPKMeans(3, solver="sdp", backend="clarabel", time_limit=2)
    wall = timed(m, X)
    check_answer(m.answer_)
    assert wall <= 3.0 and m.answer_.limit_reached == "time_limit"
    assert m.path_.startswith("lowrank") and "sdp on clarabel skipped" in m.solve_status_
    assert m.answer_.results == () and len(set(m.labels_)) == 3 and np.isfinite(m.bound_)


@clarabel
def test_auto_takes_scs_when_clarabel_is_too_slow_for_the_limit():
    X, _ = blobs(80, sep=8.0)
    m = SDPKMeans(3, solver="sdp", backend="auto", time_limit=2)
    wall = timed(m, X)
    check_answer(m.answer_)
    assert wall <= 3.0 and m.result_.backend.name == "scs" and "auto: scs" in m.solve_status_


def test_scs_time_limit_returns_an_answer():
    """SCS stops at the limit without a point at n = 300: the low-rank partition, limit reported
    (before: a RuntimeError)."""
    X, _ = blobs(300, sep=3.0)
    m = SDPKMeans(3, solver="sdp", backend="scs", time_limit=1.5)
    wall = timed(m, X)
    check_answer(m.answer_)
    assert wall <= 1.5 * 1.5 + 0.3 and m.answer_.limit_reached == "time_limit"
    assert m.status_ in (Status.FEASIBLE, Status.OPTIMAL) and len(set(m.labels_)) == 3


def test_ilasdp_time_limit_holds_for_the_whole_fit():
    """Before: 'time_limit' bounded each LA-SDP (n = 90 on SCS: 9 s for time_limit=2, then a
    RuntimeError)."""
    X, _ = gaussian_mixture(90, 3, 2, separation=3.0, random_state=0)
    m = ILASDP(3, solver="sdp", backend="scs", time_limit=1.5)
    wall = timed(m, X)
    check_answer(m.answer_)
    assert wall <= 1.5 * 1.5 + 0.3 and m.answer_.limit_reached == "time_limit"
    assert len(m.start_names_) == len(m.start_scores_) and len(set(m.labels_)) == 3


def test_lowrank_iteration_stops_at_a_shared_deadline():
    X, _ = blobs(2000, sep=2.0, d=5)
    Xs = X - X.mean(axis=0)
    U0 = np.random.default_rng(0).random((2000, 3))
    res = nonneg_burer_monteiro([lambda U: -(Xs @ (Xs.T @ U))], [3.0], [U0], max_iter=10**6, tol=1e-14,
                                time_limit=Deadline(0.3))
    assert res.limit_reached == "time_limit" and not res.converged and res.time < 0.6
