"""problems.dag: simulation, metrics, the exact DP against brute force, TOPO against the DP."""
import itertools

import networkx as nx
import numpy as np
import pytest

from problems.dag import (
    TOPO,
    ExactDAG,
    count_accuracy,
    is_dag,
    l2_score,
    simulate,
    simulate_dag,
    simulate_sem,
    simulate_weights,
)
from problems.dag.score import gram, order_cholesky, order_score, weights_from_cholesky
from problems.dag.topo import _fast_deltas


# -- simulate --------------------------------------------------------------------------------
@pytest.mark.parametrize("graph,k", [("ER", 2), ("ER", 4), ("SF", 4)])
def test_simulate_dag_is_acyclic_with_about_k_d_edges(graph, k):
    counts = []
    for seed in range(5):
        B = simulate_dag(30, k * 30, graph, random_state=seed)
        assert B.shape == (30, 30) and is_dag(B) and np.all(np.diag(B) == 0)
        counts.append(B.sum())
    assert abs(np.mean(counts) - k * 30) < 0.25 * k * 30


def test_scale_free_hubs_collect_parents():
    B = simulate_dag(50, 200, "SF", random_state=0)
    assert B.sum(axis=0).max() > 3 * B.sum(axis=1).max() / 2      # in-degree hubs


def test_weights_and_sem():
    B = simulate_dag(8, 16, "ER", random_state=1)
    W = simulate_weights(B, random_state=1)
    mag = np.abs(W[B != 0])
    assert np.all((mag >= 0.5) & (mag <= 2.0)) and np.all(W[B == 0] == 0)
    assert (W > 0).any() and (W < 0).any()
    for noise in ("gauss", "exp", "gumbel", "uniform"):
        X = simulate_sem(W, 500, noise, random_state=0)
        assert X.shape == (500, 8) and np.all(np.isfinite(X))
    Xb = simulate_sem(W, 300, "logistic", random_state=0)
    assert set(np.unique(Xb)) <= {0.0, 1.0}
    # a root node with gauss noise has unit variance
    root = int(np.flatnonzero(B.sum(axis=0) == 0)[0])
    assert abs(simulate_sem(W, 20000, "gauss", random_state=2)[:, root].var() - 1) < 0.05


def test_simulate_is_reproducible_and_checks_arguments():
    X1, W1 = simulate(100, 6, "ER", 2, random_state=3)
    X2, W2 = simulate(100, 6, "ER", 2, random_state=3)
    assert np.array_equal(X1, X2) and np.array_equal(W1, W2)
    with pytest.raises(ValueError, match="graph"):
        simulate_dag(5, 5, "BA")
    with pytest.raises(ValueError, match="noise"):
        simulate_sem(W1, 10, "cauchy")
    with pytest.raises(ValueError, match="DAG"):
        simulate_sem(np.array([[0, 1.0], [1.0, 0]]), 10)
    with pytest.raises(ValueError, match="d must"):
        simulate_dag(1, 0)


# -- metrics ---------------------------------------------------------------------------------
def test_count_accuracy_by_hand():
    T = np.zeros((4, 4))
    T[0, 1] = T[1, 2] = T[2, 3] = 1
    E = np.zeros((4, 4))
    E[0, 1] = 1          # correct
    E[2, 1] = 1          # reversed
    E[0, 3] = 1          # extra;  2 -> 3 missing
    acc = count_accuracy(T, E)
    assert acc["shd"] == 3 and acc["reverse"] == 1 and acc["extra"] == 1 and acc["missing"] == 1
    assert acc["tpr"] == pytest.approx(1 / 3) and acc["fdr"] == pytest.approx(2 / 3)
    assert acc["fpr"] == pytest.approx(2 / 3) and acc["nnz"] == 3
    assert count_accuracy(T, T)["shd"] == 0
    with pytest.raises(ValueError, match="not a DAG"):
        count_accuracy(T, T + T.T)


# -- the exact DP ----------------------------------------------------------------------------
def _brute_force(X, lambda0):
    """Minimum of 1/(2n)||X - XW||^2 + lambda0 #edges over every DAG on d nodes (d <= 4)."""
    d = X.shape[1]
    offdiag = [(i, j) for i in range(d) for j in range(d) if i != j]
    best = np.inf
    for mask in range(1 << len(offdiag)):
        B = np.zeros((d, d), dtype=bool)
        for b, (i, j) in enumerate(offdiag):
            B[i, j] = (mask >> b) & 1
        if not is_dag(B):
            continue
        W = np.zeros((d, d))
        for j in range(d):
            P = np.flatnonzero(B[:, j])
            if len(P):
                W[P, j] = np.linalg.lstsq(X[:, P], X[:, j], rcond=None)[0]
        best = min(best, l2_score(X, W) + lambda0 * B.sum())
    return best


@pytest.mark.parametrize("lambda0", [0.0, 0.02])
def test_exact_dp_matches_brute_force_over_all_dags(lambda0):
    X, _ = simulate(200, 4, "ER", 1, random_state=5)
    est = ExactDAG(lambda0=lambda0).fit(X)
    assert est.score_ == pytest.approx(_brute_force(X, lambda0), rel=1e-9)
    assert est.dp_value_ == pytest.approx(est.score_, rel=1e-8)
    assert is_dag(est.weights_) and list(nx.topological_sort(est.graph_))
    if lambda0 > 0:
        assert np.count_nonzero(est.weights_) < 6          # the penalty prunes the full DAG


def test_exact_lambda0_zero_is_best_order_of_full_regressions():
    X, _ = simulate(300, 5, "ER", 2, random_state=2)
    G = gram(X)
    best = min(order_score(order_cholesky(G, np.array(p))) for p in itertools.permutations(range(5)))
    assert ExactDAG().fit(X).score_ == pytest.approx(best, rel=1e-9)


def test_exact_recovers_the_true_graph_with_an_edge_penalty():
    X, W = simulate(2000, 8, "ER", 2, random_state=4)
    est = ExactDAG(lambda0=0.01).fit(X)
    assert count_accuracy(W, est.weights_)["shd"] <= 1


def test_exact_honours_forbidden_and_required_edges():
    X, W = simulate(500, 6, "ER", 2, random_state=0)
    i, j = np.argwhere(W != 0)[0]
    est = ExactDAG(lambda0=0.01, forbidden=[(i, j), (j, i)], required=[(0, 5)] if W[5, 0] == 0 else [(5, 0)]).fit(X)
    assert est.weights_[i, j] == 0 and est.weights_[j, i] == 0
    r = (0, 5) if W[5, 0] == 0 else (5, 0)
    assert est.weights_[r] != 0
    free = ExactDAG(lambda0=0.01).fit(X)
    assert est.score_ >= free.score_ - 1e-12


# -- TOPO --------------------------------------------------------------------------------------
def test_fast_swap_deltas_equal_refits():
    X, _ = simulate(200, 9, "ER", 2, random_state=3)
    G = gram(X)
    order = np.random.default_rng(0).permutation(9)
    L = order_cholesky(G, order)
    assert order_score(L) == pytest.approx(l2_score(X, weights_from_cholesky(L, order)), rel=1e-12)
    ab = np.array([(a, b) for a in range(9) for b in range(a + 1, 9)])
    brute = []
    for a, b in ab:
        new = order.copy()
        new[a], new[b] = order[b], order[a]
        brute.append(order_score(order_cholesky(G, new)) - order_score(L))
    assert np.allclose(_fast_deltas(L, ab), brute, atol=1e-11)


def test_weights_of_an_order_are_least_squares_on_predecessors():
    X, _ = simulate(300, 6, "ER", 2, random_state=1)
    order = np.array([3, 1, 5, 0, 2, 4])
    W = weights_from_cholesky(order_cholesky(gram(X), order), order)
    for p in range(1, 6):
        P = order[:p]
        assert np.allclose(W[P, order[p]], np.linalg.lstsq(X[:, P], X[:, order[p]], rcond=None)[0], atol=1e-9)
        assert np.all(W[order[p:], order[p]] == 0)


def test_topo_reaches_the_exact_optimum_on_most_d10_instances():
    hits, seeds = 0, range(6)
    for seed in seeds:
        X, _ = simulate(1000, 10, "ER", 2, random_state=seed)
        opt = ExactDAG().fit(X).score_
        est = TOPO(random_state=seed).fit(X)
        assert est.score_ >= opt - 1e-9                          # the DP is a true lower bound
        assert is_dag(est.weights_) and is_dag(est.adjacency_)
        assert np.all(np.diff(est.history_) < 0) and est.history_[-1] == pytest.approx(est.score_, rel=1e-9)
        hits += est.score_ <= opt * (1 + 1e-4)
    assert hits >= 4


def test_topo_recovers_the_graph_and_fills_attributes():
    X, W = simulate(1000, 20, "ER", 2, random_state=1)
    est = TOPO(random_state=0).fit(X)
    assert count_accuracy(W, est.adjacency_)["shd"] <= 2
    assert isinstance(est.graph_, nx.DiGraph) and est.graph_.number_of_edges() == np.count_nonzero(est.adjacency_)
    assert sorted(est.order_.tolist()) == list(range(20)) and est.n_iter_ >= 1
    assert est.converged_ == ("local optimum" in est.stop_reason_)
    assert est.thresholded_score_ >= est.score_
    pos = np.argsort(est.order_)
    src, dst = np.nonzero(est.weights_)
    assert np.all(pos[src] < pos[dst])


def test_topo_init_from_order_and_refine():
    X, W = simulate(500, 10, "ER", 2, random_state=7)
    order = np.array(list(nx.topological_sort(nx.DiGraph(list(zip(*np.nonzero(W)))))))
    order = np.concatenate([order, np.setdiff1d(np.arange(10), order)])
    est = TOPO(init=order).fit(X)
    assert est.score_ <= est.history_[0]
    rough = W + 0.05 * np.random.default_rng(0).standard_normal(W.shape)   # a noisy, cyclic matrix
    ref = TOPO().refine(rough, X)
    assert ref.score_ <= ExactDAG().fit(X).score_ * (1 + 1e-3)
    again = TOPO(random_state=1).fit(X).refine(W)                            # reuses the fitted X
    assert again.score_ <= again.history_[0]


def test_restarts_keep_the_best_search():
    X, _ = simulate(1000, 20, "ER", 4, random_state=3)
    order = np.random.default_rng(10_003).permutation(20)
    single = TOPO(init=order).fit(X)
    multi = TOPO(init=order, n_restarts=3, random_state=0).fit(X)
    assert len(multi.restart_scores_) == 4 and multi.restart_scores_[0] == pytest.approx(single.score_, rel=1e-9)
    assert multi.score_ == pytest.approx(min(multi.restart_scores_), rel=1e-9) and multi.score_ <= single.score_
