"""Local search for the Neur2RO main problem (problems.robust._local_search)."""
import itertools

import numpy as np
import pytest

from problems.robust._local_search import local_search


def quadratic(seed, n):
    rng = np.random.default_rng(seed)
    Q = rng.normal(size=(n, n))
    q = rng.normal(size=n)
    return lambda X, threshold=None: np.einsum("bi,ij,bj->b", X, Q, X) + X @ q


@pytest.mark.parametrize("seed", range(4))
def test_local_optimum_is_feasible_and_flip_and_swap_optimal(seed):
    n = 8
    score = quadratic(seed, n)
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.5, 2.0, n)
    budget = (a, 0.5 * a.sum())
    starts = np.ones((2, n))                    # infeasible: repaired first
    optima = local_search(score, starts, budget)
    vals = [v for _, v in optima]
    assert vals == sorted(vals, reverse=True)
    x, v = optima[0]
    assert a @ x <= budget[1] + 1e-9 and v == pytest.approx(score(x[None])[0])
    for i in range(n):                          # no feasible flip improves
        y = x.copy()
        y[i] = 1 - y[i]
        assert a @ y > budget[1] + 1e-9 or score(y[None])[0] <= v + 1e-9
    for i, j in itertools.product(np.flatnonzero(x), np.flatnonzero(1 - x)):     # nor a swap
        y = x.copy()
        y[i], y[j] = 0, 1
        assert a @ y > budget[1] + 1e-9 or score(y[None])[0] <= v + 1e-9


def test_from_every_start_it_finds_the_global_optimum():
    n = 7
    score = quadratic(11, n)
    X = np.array(list(itertools.product([0.0, 1.0], repeat=n)))
    optima = local_search(score, X)
    assert optima[0][1] == pytest.approx(score(X).max())


@pytest.mark.parametrize("seed", range(3))
def test_lazy_scores_below_the_threshold_give_the_same_search(seed):
    """A score may return anything <= threshold for rows that do not beat it (lazy evaluation)."""
    n = 9
    exact = quadratic(seed, n)

    def lazy(X, threshold=None):
        v = exact(X)
        return v if threshold is None else np.where(v > threshold, v, threshold - 1e6)
    starts = np.random.default_rng(seed).integers(0, 2, size=(5, n)).astype(float)
    a, b = local_search(exact, starts), local_search(lazy, starts)
    assert len(a) == len(b)
    for (xa, va), (xb, vb) in zip(a, b):
        assert np.array_equal(xa, xb) and va == pytest.approx(vb)
