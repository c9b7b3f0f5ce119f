"""ILASDP (problems.clustering): LA-SDP model, iterations, heterogeneous mixtures, bad input."""
import numpy as np
import pytest

from problems.clustering import ILASDP, SingularCovarianceWarning, gaussian_mixture, load_real, misclustering_error
from problems.clustering.ilasdp import estimate_covariances, gaussian_loglik
from problems.clustering.lasdp import affinity_terms, build_lasdp, factored_costs


def test_lasdp_objective_is_minus_twice_the_profile_loglik():
    """At an integral Z_k = 1_k 1_k'/n_k the LA-SDP objective is -2 loglik - n d log(2 pi)."""
    X, y = gaussian_mixture(30, 2, 3, separation=5.0, covariance="heterogeneous", random_state=0)
    Xc = X - X.mean(axis=0)
    covs, _ = estimate_covariances(Xc, y, 2, "full", 1e-6)
    costs = affinity_terms(Xc, covs)
    val = 0.0
    for k, B in enumerate(costs):
        Zk = np.outer(y == k, y == k) / (y == k).sum()
        val += float((B * Zk).sum())
    ll = gaussian_loglik(Xc, y, covs)
    assert val == pytest.approx(-2 * ll - 30 * 3 * np.log(2 * np.pi), rel=1e-10)
    # the factored operator equals the dense matrix
    U = np.random.default_rng(0).random((30, 2))
    for B, ap in zip(costs, factored_costs(Xc, covs)):
        assert np.allclose(ap(U), B @ U)


def test_lasdp_relaxation_bounds_the_true_partition():
    X, y = gaussian_mixture(24, 2, 2, separation=6.0, covariance="heterogeneous", random_state=1)
    Xc = X - X.mean(axis=0)
    covs, _ = estimate_covariances(Xc, y, 2, "full", 1e-6)
    costs = affinity_terms(Xc, covs)
    model, Zs = build_lasdp(costs)
    res = model.solve(backend="clarabel")
    truth = sum(float((B * np.outer(y == k, y == k)).sum()) / (y == k).sum() for k, B in enumerate(costs))
    assert res.certificate.verified and res.bound <= truth + 1e-6 * abs(truth)
    shares = np.stack([np.asarray(res[Z]).sum(axis=1) for Z in Zs], axis=1)
    assert np.allclose(shares.sum(axis=1), 1, atol=1e-6)


@pytest.mark.parametrize("solver", ["sdp", "lowrank"])
def test_ilasdp_on_heterogeneous_mixture(solver):
    X, y = gaussian_mixture(40, 2, 3, separation=6.0, covariance="heterogeneous", ratio=9.0, random_state=2)
    m = ILASDP(2, solver=solver, max_iter=4).fit(X)
    assert m.path_.startswith("lasdp " + solver)
    assert misclustering_error(y, m.labels_) <= 0.1
    assert m.covariances_.shape == (2, 3, 3) and m.means_.shape == (2, 3)
    assert 1 <= m.n_iter_ <= 4 and len(m.history_) == m.n_iter_
    assert m.log_likelihood_ >= max(h["log_likelihood"] for h in m.history_) - 1e-9
    assert m.log_likelihood_ == pytest.approx(
        gaussian_loglik(X - X.mean(axis=0), m.labels_, list(m.covariances_)))


def test_ilasdp_diag_and_label_init():
    X, y = gaussian_mixture(30, 2, 2, separation=7.0, covariance="heterogeneous", random_state=3)
    m = ILASDP(2, covariance="diag", init=y, solver="sdp", max_iter=3).fit(X)
    assert np.allclose(m.covariances_[0], np.diag(np.diag(m.covariances_[0])))
    assert np.array_equal(m.init_labels_, y)


def test_singular_covariance_is_regularised_with_a_warning():
    X, _ = gaussian_mixture(20, 2, 4, separation=6.0, random_state=4)
    init = np.zeros(20, dtype=int)
    init[:3] = 1                              # 3 points in 4 dimensions: singular
    with pytest.warns(SingularCovarianceWarning, match="singular; regularised"):
        m = ILASDP(2, init=init, solver="lowrank", max_iter=2).fit(X)
    assert m.regularized_


@pytest.mark.parametrize("kwargs,match", [
    ({"n_clusters": 0}, "n_clusters must be >= 1"),
    ({"n_clusters": 2, "covariance": "spherical"}, "covariance must be one of"),
    ({"n_clusters": 2, "init": "magic"}, "init must be one of"),
    ({"n_clusters": 2, "init": [0, 1]}, r"init labels must have shape"),
    ({"n_clusters": 2, "max_iter": 0}, "max_iter must be a positive integer"),
])
def test_bad_input(kwargs, match):
    X = np.random.default_rng(0).normal(size=(10, 2))
    with pytest.raises((ValueError, TypeError), match=match):
        ILASDP(**kwargs).fit(X)


def test_nan_rejected():
    X = np.random.default_rng(0).normal(size=(10, 2))
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="X contains NaN"):
        ILASDP(2).fit(X)


def test_generators_and_real_data():
    X, y = gaussian_mixture(60, 3, 4, separation=5.0, covariance="heterogeneous", adversarial=True,
                            random_state=0)
    assert X.shape == (60, 4) and set(y) == {0, 1, 2}
    assert np.allclose(X[y == 0].mean(axis=0)[0], -2.5, atol=1.5)
    with pytest.raises(ValueError, match="adversarial=True needs n_clusters >= 3"):
        gaussian_mixture(10, 2, 2, adversarial=True)
    Xi, yi, k = load_real("iris")
    assert Xi.shape == (150, 4) and k == 3 and np.allclose(Xi.mean(axis=0), 0, atol=1e-12)
    with pytest.raises(ValueError, match="name must be one of"):
        load_real("mnist")
