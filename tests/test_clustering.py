"""SDPKMeans (problems.clustering): SDP and low-rank paths, certified bounds, exact K-means, bad input."""
import math

import numpy as np
import pytest

from problems.clustering import (SDPKMeans, exact_kmeans, gaussian_mixture, inertia, misclustering_error,
                                 partition_certificate, sdp_dual_bound)
from optlib import Status
from problems.clustering.metrics import membership_matrix
from problems.clustering.sdp import build_kmeans_sdp


def blobs(n=36, sep=8.0, seed=0, K=3, d=2):
    return gaussian_mixture(n, K, d, separation=sep, random_state=seed)


@pytest.fixture(scope="module")
def separated_fit():
    X, y = blobs()
    return X, y, SDPKMeans(3, solver="sdp", backend="clarabel").fit(X)


def test_sdp_certifies_exact_recovery_on_separated_data(separated_fit):
    X, y, m = separated_fit
    assert m.path_ == "sdp (clarabel)"
    assert misclustering_error(y, m.labels_) == 0.0
    assert m.optimal_ and m.bound_certified_ and m.gap_ < 1e-6
    assert m.inertia_ == pytest.approx(inertia(X, m.labels_))
    # every source is a valid lower bound, the conic one re-derived by optlib
    assert m.result_.certificate.verified
    assert set(m.bound_sources_) >= {"optlib conic duality", "partition witness"}
    assert all(b <= m.inertia_ * (1 + 1e-7) for b in m.bound_sources_.values())
    Z = m.membership_
    assert np.allclose(Z, membership_matrix(m.labels_), atol=1e-4)
    assert np.linalg.eigvalsh(Z)[0] > -1e-6 and np.allclose(Z.sum(axis=1), 1, atol=1e-6)
    assert "CERTIFIED" in m.summary()


def test_bound_is_below_exact_optimum_and_optimal_is_not_claimed_when_loose():
    X = np.random.default_rng(4).normal(size=(12, 2))      # no cluster structure
    ex = exact_kmeans(X, 3)
    assert ex.optimal
    m = SDPKMeans(3, solver="sdp", backend="clarabel").fit(X)
    assert m.bound_ <= ex.inertia + 1e-7 * ex.inertia
    assert m.inertia_ >= ex.inertia - 1e-9
    # optimal_ must agree with whether the rounded partition meets the certified bound
    assert m.optimal_ == (m.inertia_ - m.bound_ <= 1e-6 * max(1, m.inertia_))
    if not math.isclose(m.inertia_, ex.inertia, rel_tol=1e-9):
        assert not m.optimal_


def test_optimal_not_claimed_when_rounding_is_optimal_but_relaxation_is_not_tight():
    """The rounded partition IS the global optimum (branch and bound), but the SDP bound is
    below it: nothing certifies that, so optimal_ must stay False."""
    X, _ = gaussian_mixture(14, 3, 2, separation=2.0, random_state=1)
    ex = exact_kmeans(X, 3)
    m = SDPKMeans(3, solver="sdp", backend="clarabel").fit(X)
    assert ex.optimal and m.inertia_ == pytest.approx(ex.inertia, rel=1e-9)
    assert m.bound_ < ex.inertia * (1 - 1e-3)
    assert not m.optimal_ and m.gap_ > 1e-3


def test_exact_kmeans_matches_brute_force():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(9, 2))
    best = math.inf
    for code in range(3 ** 9):
        lab = np.array([(code // 3 ** i) % 3 for i in range(9)])
        if len(set(lab)) == 3:
            best = min(best, inertia(X, lab))
    ex = exact_kmeans(X, 3)
    assert ex.optimal and ex.inertia == pytest.approx(best, rel=1e-12)


def test_lowrank_path_certifies_with_partition_witness():
    X, y = blobs(n=300, sep=9.0, seed=2)
    m = SDPKMeans(3, solver="lowrank", device="numpy").fit(X)
    assert m.path_ == "lowrank (numpy cpu)"
    assert misclustering_error(y, m.labels_) == 0.0
    assert m.optimal_ and list(m.bound_sources_) == ["partition witness"]
    U = m.membership_factor_
    assert U.shape == (300, 3) and U.min() >= 0
    assert np.allclose((U ** 2).sum(), 3.0)


def test_stopped_lowrank_solve_says_so_and_bound_stays_valid():
    X, _ = blobs(n=30, sep=3.0, seed=11)
    m = SDPKMeans(3, solver="lowrank", device="numpy", max_iter=3, init="random").fit(X)
    assert m.solve_status_.startswith("stopped after") and "stopped" in m.summary()
    assert m.bound_ <= exact_kmeans(X, 3).inertia + 1e-9


def test_witness_bound_is_valid_for_a_wrong_partition():
    """Weak duality holds for any multipliers: a bad partition gives a loose but valid bound."""
    X, y = blobs(n=30, sep=6.0, seed=3)
    Xc = X - X.mean(axis=0)
    opt = exact_kmeans(X, 3)
    wrong = np.arange(30) % 3                # ignores the data
    rng = np.random.default_rng(0)
    wrong = rng.permutation(wrong)
    b = partition_certificate(wrong, 3, X=Xc)
    assert (Xc ** 2).sum() - b.value <= opt.inertia + 1e-9
    b_dense = partition_certificate(wrong, 3, A=Xc @ Xc.T)
    assert (Xc ** 2).sum() - b_dense.value <= opt.inertia + 1e-9


def test_eigenvalue_corrected_bound_from_any_duals_is_above_sdp_value():
    X, _ = blobs(n=20, sep=3.0, seed=5)
    Xc = X - X.mean(axis=0)
    A = Xc @ Xc.T
    res = build_kmeans_sdp(A, 3).model.solve(backend="clarabel")
    rng = np.random.default_rng(0)
    for _ in range(3):                        # random multipliers: valid, loose
        y = rng.normal(size=20)
        B = np.abs(rng.normal(size=(20, 20)))
        assert sdp_dual_bound(A, y, B, 3).value >= res.objective - 1e-8


def test_duplicates_and_predict():
    X, _ = blobs(n=24, sep=8.0, seed=6)
    X = np.vstack([X, X[:6]])                # duplicate points
    m = SDPKMeans(3, solver="sdp", backend="scs").fit(X)
    assert len(set(m.labels_)) == 3 and m.bound_ <= m.inertia_ * (1 + 1e-7)
    assert np.array_equal(m.predict(X), m.labels_)
    assert m.score(X) == pytest.approx(-m.inertia_)
    # all points identical: any partition has inertia 0 and the bound certifies it
    same = SDPKMeans(2, solver="sdp", backend="scs").fit(np.ones((6, 2)))
    assert len(set(same.labels_)) == 2 and same.inertia_ == pytest.approx(0.0)


def test_precomputed_kernel_equals_linear():
    X, _ = blobs(n=24, sep=8.0, seed=7)
    a = SDPKMeans(3, solver="sdp", backend="clarabel").fit(X)
    b = SDPKMeans(3, solver="sdp", backend="clarabel", kernel="precomputed").fit(X @ X.T)
    assert b.inertia_ == pytest.approx(a.inertia_, rel=1e-8)
    assert b.bound_ == pytest.approx(a.bound_, rel=1e-6)
    with pytest.raises(ValueError, match="predict needs kernel='linear'"):
        b.predict(X)


def test_single_cluster():
    X, _ = blobs(n=10, seed=8)
    m = SDPKMeans(1).fit(X)
    assert np.all(m.labels_ == 0) and m.optimal_ and m.bound_ == pytest.approx(m.inertia_)


@pytest.mark.parametrize("kwargs,X,match", [
    ({"n_clusters": 0}, np.zeros((5, 2)), "n_clusters must be >= 1"),
    ({"n_clusters": 6}, np.zeros((5, 2)), "larger than the number of samples"),
    ({"n_clusters": 2.5}, np.zeros((5, 2)), "n_clusters must be an integer"),
    ({"n_clusters": 2}, np.array([[0.0, np.nan], [1, 2], [3, 4]]), "X contains NaN"),
    ({"n_clusters": 2}, np.zeros(5), "must be 2-D"),
    ({"n_clusters": 2, "solver": "magic"}, np.zeros((5, 2)), "solver must be one of"),
    ({"n_clusters": 2, "kernel": "precomputed"}, np.zeros((5, 2)), "symmetric n x n Gram"),
    ({"n_clusters": 2, "time_limit": -1}, np.zeros((5, 2)), "time_limit must be a positive"),
    ({"n_clusters": 2, "certify": "yes"}, np.zeros((5, 2)), "certify must be True or False"),
])
def test_bad_input(kwargs, X, match):
    with pytest.raises((ValueError, TypeError), match=match):
        SDPKMeans(**kwargs).fit(X)


def equilateral_mixture(seed=0, per=30, sep=6.0):
    """Three unit-variance Gaussian clusters of `per` points, centres `sep` apart (issue 20)."""
    rng = np.random.default_rng(seed)
    C = sep * np.array([[0.0, 0.0], [1.0, 0.0], [0.5, math.sqrt(3) / 2]])
    X = np.vstack([c + rng.standard_normal((per, 2)) for c in C])
    return X, np.repeat(np.arange(3), per)


def test_auto_certifies_exact_recovery_n90_where_closed_form_witness_misses():
    """n = 90 > AUTO_SDP_MAX_N: the low-rank path; the closed-form (rank-one) witness leaves a
    gap, the small-SDP witness closes it (before issue 20: optimal_ False, gap 0.86 %)."""
    X, y = equilateral_mixture(seed=0)
    m = SDPKMeans(3).fit(X)
    assert m.path_.startswith("lowrank")
    assert m.optimal_ and m.status_ is Status.OPTIMAL and m.answer_.verified and m.gap_ <= 1e-6
    assert misclustering_error(y, m.labels_) == 0.0
    src = m.bound_sources_
    assert src["partition witness"] < m.inertia_ * (1 - 1e-3)        # the closed form alone fails
    assert src["partition witness (sdp)"] <= m.inertia_ * (1 + 1e-9)
    assert src["partition witness (sdp)"] >= m.inertia_ * (1 - 1e-6)


def _scaled(X):
    Xc = X - X.mean(axis=0)
    return Xc / math.sqrt((Xc ** 2).sum() / X.shape[0])


def test_tight_witness_bound_is_valid_for_a_wrong_partition_and_any_multipliers():
    """The small SDP only proposes (z, M); the bound is re-derived. A wrong partition, and
    random (z, M) for the right one, still give upper bounds on the SDP (so inertia lower bounds
    below the exact optimum); without the repair of negative B entries the second one is not."""
    from problems.clustering import witness

    X, _ = blobs(n=30, sep=6.0, seed=3)
    Xs = _scaled(X)
    opt = exact_kmeans(Xs, 3)
    trace = float((Xs ** 2).sum())
    rng = np.random.default_rng(0)
    wrong = rng.permutation(np.arange(30) % 3)
    b = witness.tight_partition_certificate(wrong, 3, Xs)
    assert b is not None and trace - b.value <= opt.inertia + 1e-9
    # complementary slackness for the wrong partition with M = 0 and z >= lambda_max(E E'): S is
    # PSD but B has negative entries; unrepaired, the bound would be its inertia (above the optimum)
    F = witness._Family(Xs, wrong, 3, groups=6)
    z = float(np.linalg.eigvalsh(F.E @ F.E.T)[-1]) + 1.0
    Ms = [np.zeros((F.p[p[1]], F.p[p[0]])) for p in F.pairs]
    assert min(F.block(k, z, Ms[k]).min() for k in range(len(F.pairs))) < 0
    bound = witness._rigorous_bound(F, Xs, wrong, z, Ms)
    assert trace - bound.value <= opt.inertia + 1e-9 < inertia(Xs, wrong)


def test_certify_false_skips_the_sdp_witness():
    X, _ = equilateral_mixture(seed=0)
    m = SDPKMeans(3, certify=False).fit(X)
    assert list(m.bound_sources_) == ["partition witness"] and not m.optimal_


def test_exact_kmeans_refuses_large_n():
    with pytest.raises(ValueError, match="max_n"):
        exact_kmeans(np.zeros((100, 2)), 2)


def test_torch_lowrank_matches_numpy():
    torch = pytest.importorskip("torch")
    X, y = blobs(n=60, sep=9.0, seed=9)
    a = SDPKMeans(3, solver="lowrank", device="numpy", max_iter=600).fit(X)
    b = SDPKMeans(3, solver="lowrank", device="torch", max_iter=600).fit(X)
    assert b.path_ == "lowrank (torch cpu)"
    assert misclustering_error(a.labels_, b.labels_) == 0.0 and b.optimal_ == a.optimal_
    del torch


@pytest.mark.slow
def test_lowrank_n5000_certified():
    X, y = gaussian_mixture(5000, 4, 10, separation=8.0, random_state=0)
    m = SDPKMeans(4, solver="lowrank", device="numpy").fit(X)
    assert m.optimal_ and misclustering_error(y, m.labels_) == 0.0


@pytest.mark.slow
def test_examples_run():
    import subprocess
    import sys
    from pathlib import Path

    ex = Path(__file__).resolve().parents[1] / "examples"
    out = subprocess.run([sys.executable, str(ex / "clustering_demo.py")], capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "exact recovery CERTIFIED" in out.stdout and "<= optimum" in out.stdout
    out = subprocess.run([sys.executable, str(ex / "clustering_benchmark.py"), "--seeds", "1", "--no-real"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    row = next(ln for ln in out.stdout.splitlines() if ln.startswith("| common-K3-d2-sep8-n60 | SDPKMeans (scs) |"))
    assert row.endswith("| certified optimal 1/1 |")   # the separated setting
