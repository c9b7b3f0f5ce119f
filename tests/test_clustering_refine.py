"""ILASDP's covariance model choice (BIC over full / diag / spherical) and EM refinement."""
import math

import numpy as np
import pytest
from sklearn.mixture import GaussianMixture

from problems.clustering import ILASDP, gaussian_mixture
from problems.clustering.gaussian import estimate_covariances, gaussian_loglik
from problems.clustering.refine import em_refine
from problems.clustering.starts import covariance_parameters, labels_loglik, select_covariance


def _two_clusters(cov, n=150, shift=8.0, seed=0):
    rng = np.random.default_rng(seed)
    L = np.linalg.cholesky(cov)
    d = cov.shape[0]
    A = rng.standard_normal((n, d)) @ L.T
    B = rng.standard_normal((n, d)) @ L.T + shift * np.eye(d)[0] + shift * np.eye(d)[1]
    return np.vstack([A, B]), np.repeat([0, 1], n)


def test_covariance_parameters():
    assert covariance_parameters("full", 2, 3) == 2 * (3 + 6)
    assert covariance_parameters("diag", 2, 3) == 12
    assert covariance_parameters("spherical", 3, 4) == 15


def test_select_covariance_is_bic_over_partitions_and_kinds():
    X, y = gaussian_mixture(150, 3, 4, separation=6.0, random_state=0)      # spherical clusters
    X = X - X.mean(axis=0)
    other = y.copy()
    other[:10] = (other[:10] + 1) % 3
    kind, bic = select_covariance(X, 3, [y, other], 1e-6)
    for k, value in bic.items():
        best = max(labels_loglik(X, lab, 3, k, 1e-6) for lab in (y, other))
        assert value == pytest.approx(best - 0.5 * covariance_parameters(k, 3, 4) * math.log(150))
    assert kind == "spherical" == max(bic, key=bic.get)


@pytest.mark.parametrize("cov, want", [
    (np.diag([16.0, 1.0, 0.0625]), "diag"),                                   # axis-aligned, unequal variances
    (np.array([[4.0, 3.8, 0.0], [3.8, 4.0, 0.0], [0.0, 0.0, 1.0]]), "full"),  # strongly correlated
])
def test_select_covariance_finds_the_generating_model(cov, want):
    X, y = _two_clusters(cov)
    assert select_covariance(X - X.mean(axis=0), 2, [y], 1e-6)[0] == want


def test_select_covariance_skips_partitions_with_an_empty_cluster():
    X, y = _two_clusters(np.eye(2))
    empty = np.zeros(len(y), dtype=int)
    assert select_covariance(X, 2, [empty, y], 1e-6) == select_covariance(X, 2, [y], 1e-6)
    with pytest.raises(ValueError, match="all clusters non-empty"):
        select_covariance(X, 2, [empty], 1e-6)


@pytest.mark.parametrize("kind", ["full", "diag", "spherical"])
def test_duplicate_points_get_the_larger_ridge(kind):
    """A cluster of identical points has no spread: it is regularised (and reported) in every
    covariance model, so it cannot buy an unbounded likelihood."""
    X, _ = _two_clusters(np.eye(3), n=20)
    X[:6] = X[0]
    lab = np.ones(len(X), dtype=int)
    lab[:6] = 0
    covs, fixed = estimate_covariances(X, lab, 2, kind, 1e-6)
    base = X.var(axis=0).mean()
    assert [k for k, _ in fixed] == [0]
    assert np.linalg.eigvalsh(covs[0])[0] >= 1e-3 * base


def test_spherical_covariances_are_one_variance_per_cluster():
    X, y = _two_clusters(np.diag([1.0, 4.0]), n=40)
    covs, _ = estimate_covariances(X, y, 2, "spherical", 1e-9)
    for k, S in enumerate(covs):
        P = X[y == k]
        assert np.allclose(S, np.eye(2) * P.var(axis=0).mean(), rtol=1e-6)
    m = ILASDP(2, covariance="spherical", init=y, solver="sdp", n_init=1, max_iter=2).fit(X)
    assert m.covariance_type_ == "spherical" and m.covariance_bic_ is None
    for S in m.covariances_:
        assert np.allclose(S, np.eye(2) * S[0, 0])


def _mixture_loglik(X, weights, means, covs):
    logp = np.stack([np.log(w) - 0.5 * np.einsum("ij,jk,ik->i", X - m, np.linalg.inv(S), X - m)
                     - 0.5 * np.linalg.slogdet(2 * np.pi * S)[1] for w, m, S in zip(weights, means, covs)], axis=1)
    top = logp.max(axis=1)
    return float((top + np.log(np.exp(logp - top[:, None]).sum(axis=1))).sum())


@pytest.mark.parametrize("kind", ["full", "diag", "spherical"])
def test_em_refine_is_scikit_learn_em_from_the_partition(kind):
    X, y = gaussian_mixture(90, 3, 3, separation=3.0, covariance="heterogeneous", ratio=6.0, random_state=4)
    start = y.copy()
    start[:12] = (start[:12] + 1) % 3
    out = em_refine(X, start, 3, kind, 1e-6, random_state=0)
    covs, _ = estimate_covariances(X, start, 3, kind, 1e-6)
    means = [X[start == k].mean(axis=0) for k in range(3)]
    weights = np.bincount(start) / len(start)
    ours = out.mixture
    assert ours.covariance_type == kind and np.array_equal(out.labels, ours.predict(X))
    assert ours.score(X) * len(X) >= _mixture_loglik(X, weights, means, covs) - 1e-6   # EM never lowers it
    assert np.allclose(ours.means_init, np.stack(means))
    want = {"full": np.stack([np.linalg.inv(S) for S in covs]), "diag": np.stack([1 / np.diag(S) for S in covs]),
            "spherical": np.array([1 / S[0, 0] for S in covs])}[kind]
    assert np.allclose(ours.precisions_init, want)                                   # EM starts at the partition
    assert out.message.startswith("EM ")


def test_em_refine_keeps_labels_it_cannot_refine():
    X, _ = gaussian_mixture(30, 2, 2, separation=5.0, random_state=1)
    lab = np.zeros(30, dtype=np.int64)
    out = em_refine(X, lab, 2, "full", 1e-6)
    assert out.labels is lab and out.mixture is None and "empty" in out.message


def test_ilasdp_refines_the_winning_partition_and_reports_it():
    X, y = gaussian_mixture(90, 3, 4, separation=3.0, covariance="heterogeneous", ratio=4.0, adversarial=True,
                            random_state=7)
    plain = ILASDP(3, solver="sdp", max_iter=2, refine=None).fit(X)
    refined = ILASDP(3, solver="sdp", max_iter=2, refine="em").fit(X)
    assert np.array_equal(plain.labels_, plain.lasdp_labels_) and plain.mixture_ is None
    assert np.array_equal(refined.lasdp_labels_, plain.labels_)          # same runs, then EM
    Xc = X - X.mean(axis=0)
    assert np.array_equal(refined.labels_, refined.mixture_.predict(X))      # in the coordinates of X
    assert refined.refine_changed_ == int((refined.labels_ != plain.labels_).sum())
    assert refined.covariance_type_ == max(refined.covariance_bic_, key=refined.covariance_bic_.get)
    assert refined.log_likelihood_ == pytest.approx(gaussian_loglik(Xc, refined.labels_, list(refined.covariances_)))
    want, _ = estimate_covariances(Xc, refined.labels_, 3, refined.covariance_type_, refined.reg_covar)
    assert np.allclose(refined.covariances_, np.stack(want))


def test_selection_study_example_runs():
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "examples" / "clustering_selection_study.py"
    out = subprocess.run([sys.executable, str(script), "--seeds", "100", "102", "--settings", "hetero K=2"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "BIC chose" in out.stdout
    for rule in ("full nu=10", "spherical nu=0", "BIC + EM", "oracle"):
        assert rule in out.stdout
