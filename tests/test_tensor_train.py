"""Tensor-train ranks under a budget (problems.tensor.train): exact DP vs brute force, TT-SVD bounds."""
from __future__ import annotations

import numpy as np
import pytest

from problems.tensor import random_tucker
from problems.tensor.train import (
    TrainPacking,
    tensor_train_ranks,
    train_brute_force,
    train_dp,
    tt_svd,
)


def test_train_dp_equals_brute_force_on_random_instances():
    rng = np.random.default_rng(0)
    for _ in range(60):
        n = int(rng.integers(2, 6))
        shape = tuple(int(i) for i in rng.integers(1, 6, size=n))
        caps = [min(int(np.prod(shape[:k])), int(np.prod(shape[k:]))) for k in range(1, n)]
        prefix = tuple(np.concatenate([[0.0], np.cumsum(np.sort(rng.exponential(size=c) ** 3)[::-1])]) for c in caps)
        tp = TrainPacking(shape, prefix)
        for budget in range(tp.min_size, tp.min_size + 120, 13):
            ranks, value, _ = train_dp(tp, budget)
            _, best = train_brute_force(tp, budget)
            assert tp.size(ranks) <= budget
            assert value == pytest.approx(best, rel=1e-12, abs=1e-12)


def test_hand_solved_train():
    # shape (2, 3, 2): caps (2, 2); size = 2 R1 + 3 R1 R2 + 2 R2; sigma^2 = (5, 1) and (4, 3)
    tp = TrainPacking((2, 3, 2), (np.array([0, 5, 6.0]), np.array([0, 4, 7.0])))
    assert tp.size((1, 1)) == 7 and tp.size((1, 2)) == 12 and tp.size((2, 1)) == 12 and tp.size((2, 2)) == 20
    assert train_dp(tp, 12)[:2] == ((1, 2), 12.0)        # (1, 2): 5 + 7 beats (2, 1): 6 + 4
    assert train_dp(tp, 19)[:2] == ((1, 2), 12.0)
    assert train_dp(tp, 20)[:2] == ((2, 2), 13.0)


def test_tt_svd_error_between_the_bounds():
    X = random_tucker((6, 7, 8, 5), (2, 3, 3, 2), noise=0.05, seed=3)
    for budget in (60, 150, 400):
        ts = tensor_train_ranks(X, budget)
        assert ts.size <= budget and ts.optimal
        assert ts.packed_value == pytest.approx(tensor_train_ranks(X, budget, "brute-force").packed_value, rel=1e-12)
        _, err = ts.fit()
        assert ts.lower_bound - 1e-12 <= err <= ts.error_bound + 1e-12


def test_exact_low_tt_rank_tensor_is_recovered():
    rng = np.random.default_rng(1)
    cores = [rng.standard_normal(s) for s in [(1, 5, 2), (2, 6, 3), (3, 4, 1)]]
    X = np.einsum("aib,bjc,ckd->ijk", *cores)
    ts = tensor_train_ranks(X, 5 * 2 + 2 * 6 * 3 + 3 * 4)
    assert ts.ranks == (2, 3) and ts.error_bound < 1e-12 and tt_svd(X, ts.ranks)[1] < 1e-20


def test_train_bad_input():
    X = random_tucker((4, 5, 6), (2, 2, 2), seed=0)
    with pytest.raises(ValueError, match="with all ranks 1 it has 15 parameters"):
        tensor_train_ranks(X, 14)
    with pytest.raises(ValueError, match="unknown method"):
        tensor_train_ranks(X, 100, "ip")
    with pytest.raises(ValueError, match="budget"):
        tensor_train_ranks(X, 100.5)
