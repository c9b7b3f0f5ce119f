"""TOPO with constraints (inner problem through an optlib Model), the logistic loss, and NOTEARS."""
import numpy as np
import pytest

from problems.dag import NOTEARS, TOPO, ExactDAG, count_accuracy, is_dag, simulate
from problems.dag.inner import NodeFitter


def test_optlib_inner_equals_least_squares():
    X, _ = simulate(300, 5, "ER", 2, random_state=0)
    fit = NodeFitter(X, inner="optlib", backend="clarabel")
    ls = NodeFitter(X, inner="lstsq")
    w1, v1 = fit.fit(4, (0, 1, 2))
    w2, v2 = ls.fit(4, (0, 1, 2))
    assert np.allclose(w1, w2, atol=1e-3) and v1 == pytest.approx(v2, rel=1e-6)   # clarabel's tolerance
    a = TOPO(inner="optlib", random_state=0).fit(X)
    b = TOPO(inner="lstsq", random_state=0).fit(X)
    assert a.score_ == pytest.approx(b.score_, rel=1e-5) and a.n_inner_solves_ > 0


def test_forbidden_edges_stop_at_a_swap_local_optimum_above_the_constrained_dp():
    X, W = simulate(800, 7, "ER", 2, random_state=3)
    forbidden = [tuple(e) for e in np.argwhere(W != 0)[:2]]
    est = TOPO(forbidden=forbidden, random_state=0, size_small=21, size_large=21).fit(X)
    for i, j in forbidden:
        assert est.weights_[i, j] == 0
    assert est.converged_
    forb = np.zeros((7, 7), dtype=bool)
    forb[tuple(np.array(forbidden).T)] = True
    fitter = NodeFitter(X)
    here = est._generic_state(fitter, est.order_, forb)[1].sum()
    assert here == pytest.approx(est.score_, rel=1e-12)
    for a in range(7):                     # no swap of two positions improves: a local optimum
        for b in range(a + 1, 7):
            new = est.order_.copy()
            new[a], new[b] = new[b], new[a]
            assert est._generic_state(fitter, new, forb)[1].sum() >= here - 1e-12
    opt = ExactDAG(forbidden=forbidden).fit(X).score_       # with forbidden edges TOPO can stop above it
    assert est.score_ >= opt - 1e-9
    assert opt >= ExactDAG().fit(X).score_ - 1e-9


def test_required_edges_fix_the_order_and_survive_the_threshold():
    X, W = simulate(800, 7, "ER", 2, random_state=5)
    i, j = np.argwhere((W == 0) & (W.T == 0) & ~np.eye(7, dtype=bool))[0]   # an absent pair: weight near 0
    est = TOPO(required=[(i, j)], random_state=0).fit(X)
    pos = np.argsort(est.order_)
    assert pos[i] < pos[j]
    assert est.adjacency_[i, j] == est.weights_[i, j] != 0
    assert is_dag(est.adjacency_)


def test_sign_constraints_go_through_optlib():
    X, W = simulate(600, 6, "ER", 2, random_state=2)
    i, j = np.argwhere(W < 0)[0]
    signs = {(int(i), int(j)): 1}
    est = TOPO(signs=signs, random_state=0, backend="clarabel").fit(X)
    assert est.weights_[i, j] >= -1e-9 and est.n_inner_solves_ > 0
    assert est.score_ >= TOPO(random_state=0).fit(X).score_ - 1e-9


def test_l1_inner_problem_shrinks_weights():
    X, _ = simulate(500, 5, "ER", 2, random_state=1)
    plain = TOPO(random_state=0).fit(X)
    l1 = TOPO(lambda1=0.05, random_state=0, init=plain.order_, backend="clarabel").fit(X)
    assert np.abs(l1.weights_).sum() < np.abs(plain.weights_).sum()


def test_logistic_topo_finds_a_good_dag():
    X, W = simulate(3000, 6, "ER", 1, noise="logistic", random_state=0)
    est = TOPO(loss="logistic", lambda1=0.01, random_state=0).fit(X)
    assert is_dag(est.adjacency_) and np.isfinite(est.score_)
    assert np.all(np.diff(est.history_) < 0)
    assert count_accuracy(W, est.adjacency_)["shd"] <= 4


def test_notears_small_graph():
    X, W = simulate(1000, 5, "ER", 2, random_state=0)
    est = NOTEARS(lambda1=0.1).fit(X)
    assert est.converged_ and est.h_ <= 1e-8 and is_dag(est.adjacency_)
    assert count_accuracy(W, est.adjacency_)["shd"] <= 1
    topo = TOPO(random_state=0).fit(X)
    assert topo.score_ <= est.score_          # TOPO's objective (no l1) is lower than NOTEARS' l1 objective


def test_notears_time_limit_is_reported():
    X, _ = simulate(300, 6, "ER", 2, random_state=0)
    est = NOTEARS(time_limit=0.0).fit(X)
    assert est.timed_out_ or est.converged_
