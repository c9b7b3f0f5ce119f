"""Audit of ExactDAG's claim (the global minimum of 1/(2n)||X - XW||^2 + lambda0 #edges over all
DAGs honouring forbidden / required edges) against a brute force over every DAG, written here."""
import itertools
import warnings

import numpy as np
import pytest

from problems.dag import ExactDAG, simulate


def _acyclic(B):
    B = B.copy()
    alive = np.ones(len(B), dtype=bool)
    while alive.any():
        sources = alive & ~B[alive].any(axis=0)        # no incoming edge from a live node
        if not sources.any():
            return False
        alive &= ~sources
        B[sources] = False
    return True


def brute_dag(X, lambda0, forbidden=(), required=(), frozen=()):
    """min over every DAG (edge i -> j: x_j regressed on i) of the score; `frozen` nodes get no edges."""
    n, d = X.shape
    pairs = [(i, j) for i in range(d) for j in range(d) if i != j and i not in frozen and j not in frozen]
    best = np.inf
    for bits in itertools.product((False, True), repeat=len(pairs)):
        B = np.zeros((d, d), dtype=bool)
        for (i, j), on in zip(pairs, bits):
            B[i, j] = on
        if any(B[e] for e in forbidden) or not all(B[e] for e in required) or not _acyclic(B):
            continue
        loss = 0.0
        for j in range(d):
            P = np.flatnonzero(B[:, j])
            r = X[:, j] - (X[:, P] @ np.linalg.lstsq(X[:, P], X[:, j], rcond=None)[0] if len(P) else 0.0)
            loss += 0.5 / n * float(r @ r)
        best = min(best, loss + lambda0 * B.sum())
    return best


@pytest.mark.parametrize("seed,lambda0,forbidden,required", [
    (1, 0.0, [(0, 1)], []),
    (2, 0.05, [], [(3, 0)]),
    (3, 0.01, [(1, 2), (2, 1)], [(0, 3)]),
    (4, 0.2, [(2, 0)], [(1, 0), (2, 3)]),
    (5, 0.02, [], []), (6, 0.1, [], []), (7, 0.01, [(0, 2)], []),
])
def test_exact_dag_is_the_minimum_over_all_constrained_dags(seed, lambda0, forbidden, required):
    X, _ = simulate(150, 4, "ER", 1.5, random_state=seed)
    X = X[:, np.random.default_rng(seed).permutation(4)]       # the roots are not always the first columns
    est = ExactDAG(lambda0=lambda0, forbidden=forbidden, required=required).fit(X)
    assert est.score_ == pytest.approx(brute_dag(X, lambda0, forbidden, required), rel=1e-9)
    B = est.weights_ != 0
    assert _acyclic(B) and not any(B[e] for e in forbidden) and all(B[e] for e in required)


def test_constant_column_optimum_is_over_dags_without_its_edges():
    """A constant column is left out of the search (with a warning): the answer is the optimum over
    DAGs in which it has no edges -- which can be worse than the optimum over all DAGs, since an
    edge from a nonzero constant acts as an intercept (the docstring says so)."""
    X, _ = simulate(120, 3, "ER", 1, random_state=5)
    X = np.column_stack([X + np.array([2.0, 0.0, 0.0]), np.full(120, 3.0)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = ExactDAG(lambda0=0.01).fit(X)
    assert est.score_ == pytest.approx(brute_dag(X, 0.01, frozen=(3,)), rel=1e-9)
    assert brute_dag(X, 0.01) < est.score_ - 1e-3      # not the unrestricted optimum
    assert "constant" in ExactDAG.__doc__
