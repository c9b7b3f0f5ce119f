"""Audit of SDPKMeans' `bound_` / `optimal_` and exact_kmeans' `optimal` against a brute-force
K-means written here: every labelling of a tiny data set into K non-empty clusters."""
import itertools

import numpy as np
import pytest

from problems.clustering import SDPKMeans, exact_kmeans, gaussian_mixture


def brute_kmeans(X, K):
    """Minimum inertia over every partition of the rows of X into K non-empty clusters."""
    n = X.shape[0]
    codes = np.array(list(itertools.product(range(K), repeat=n - 1)), dtype=np.int64)
    labels = np.hstack([np.zeros((len(codes), 1), dtype=np.int64), codes])     # point 0 in cluster 0
    onehot = labels[:, :, None] == np.arange(K)[None, None, :]                    # (P, n, K)
    counts = onehot.sum(axis=1)                                                   # (P, K)
    full = (counts > 0).all(axis=1)
    onehot, counts = onehot[full].astype(float), counts[full]
    sums = np.einsum("pnk,nd->pkd", onehot, X)
    # inertia = sum ||x||^2 - sum_k ||S_k||^2 / n_k
    cost = float((X ** 2).sum()) - ((sums ** 2).sum(axis=2) / counts).sum(axis=1)
    return float(cost.min())


def datasets():
    out = []
    for seed, (n, K, sep) in enumerate([(9, 3, 8.0), (9, 3, 2.0), (10, 2, 5.0), (10, 2, 0.5),
                                        (8, 4, 6.0), (9, 3, 0.3)]):
        X, _ = gaussian_mixture(n, K, max(2, K - 1), separation=sep, random_state=seed)
        out.append((X, K))
    rng = np.random.default_rng(7)
    out.append((np.vstack([rng.normal(size=(4, 3)), rng.normal(size=(4, 3))[:2].repeat(2, axis=0)]), 3))
    return out


@pytest.mark.parametrize("case", range(7))
@pytest.mark.parametrize("solver", ["sdp", "lowrank", "lowrank-stopped"])
def test_bound_and_optimal_flag_against_enumeration(case, solver):
    """Also on low-rank solves stopped after 2 steps from a random start: their partitions are far
    from optimal, so a flag set too eagerly would show."""
    X, K = datasets()[case]
    best = brute_kmeans(X, K)
    kw = {"sdp": {"solver": "sdp", "backend": "clarabel"}, "lowrank": {"solver": "lowrank", "device": "numpy"},
          "lowrank-stopped": {"solver": "lowrank", "device": "numpy", "max_iter": 2, "init": "random",
                              "random_state": 1}}[solver]
    m = SDPKMeans(K, **kw).fit(X)
    assert m.bound_ <= best * (1 + 1e-9) + 1e-9, "the certified lower bound is above the K-means optimum"
    assert m.inertia_ >= best * (1 - 1e-12) - 1e-12
    if m.optimal_:
        assert m.inertia_ <= best * (1 + m.certify_tol) + 1e-12, "optimal_ claimed for a suboptimal partition"
    for name, value in m.bound_sources_.items():
        assert value <= best * (1 + 1e-9) + 1e-9, name


def test_some_fits_claim_optimality_and_some_do_not():
    """The cases above exercise both values of the flag (else the audit checks nothing)."""
    flags = [SDPKMeans(K, solver="sdp", backend="clarabel").fit(X).optimal_ for X, K in datasets()]
    assert any(flags) and not all(flags)


@pytest.mark.parametrize("case", range(7))
def test_exact_kmeans_optimal_against_enumeration(case):
    X, K = datasets()[case]
    ex = exact_kmeans(X, K)
    assert ex.optimal and ex.inertia == pytest.approx(brute_kmeans(X, K), rel=1e-10, abs=1e-10)
