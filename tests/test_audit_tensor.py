"""Audit of the tensor core-shape flags (`CoreShape.optimal`, `bound`; `TrainShape.optimal`) against an
enumeration written here, with the singular values taken from numpy's SVD of the unfoldings."""
import itertools
import math

import numpy as np
import pytest

from problems.tensor import core_shape, tensor_train_ranks


def _sq_sv(A):
    return np.linalg.svd(A, compute_uv=False) ** 2


def tucker_enumeration(X, budget):
    """max over every rank tuple with prod R + sum I_n R_n <= budget of sum_n sum_{i<R_n} sigma_{n,i}^2."""
    spectra = [_sq_sv(np.moveaxis(X, n, 0).reshape(X.shape[n], -1)) for n in range(X.ndim)]
    best, arg = -np.inf, None
    for ranks in itertools.product(*[range(1, len(s) + 1) for s in spectra]):
        if math.prod(ranks) + sum(i * r for i, r in zip(X.shape, ranks)) > budget:
            continue
        v = sum(float(s[:r].sum()) for s, r in zip(spectra, ranks))
        if v > best:
            best, arg = v, ranks
    return best, arg


def train_enumeration(X, budget):
    """max over TT ranks (R_0 = R_N = 1, sum R_{k-1} I_k R_k <= budget) of sum_k sum_{i<R_k} sigma^2 of X_<k>."""
    N = X.ndim
    spectra = [_sq_sv(X.reshape(math.prod(X.shape[:k]), -1)) for k in range(1, N)]
    best = -np.inf
    for ranks in itertools.product(*[range(1, len(s) + 1) for s in spectra]):
        r = (1, *ranks, 1)
        if sum(r[k] * X.shape[k] * r[k + 1] for k in range(N)) <= budget:
            best = max(best, sum(float(s[:q].sum()) for s, q in zip(spectra, ranks)))
    return best


def tensors():
    rng = np.random.default_rng(0)
    low = np.einsum("ia,jb,kc,abc->ijk", rng.normal(size=(6, 2)), rng.normal(size=(5, 3)), rng.normal(size=(7, 2)),
                    rng.normal(size=(2, 3, 2)))
    return [rng.normal(size=(5, 4, 6)),
            low + 0.05 * rng.normal(size=low.shape),
            rng.normal(size=(3, 4, 3, 5)) * np.linspace(1, 3, 5)]


@pytest.mark.parametrize("case", range(3))
def test_core_shape_optimal_flag_and_bound_against_enumeration(case):
    X = tensors()[case]
    full = math.prod(X.shape) + sum(i * i for i in X.shape)
    for budget in np.linspace(1 + sum(X.shape) + 3, full * 0.6, 5).astype(int):
        best, _ = tucker_enumeration(X, budget)
        for method, kw in [("exact", {}), ("ip", {"backend": "highs"}), ("brute-force", {}),
                           ("greedy", {}), ("hosvd-greedy", {}), ("ip", {"formulation": "log-split"})]:
            cs = core_shape(X, int(budget), method, **kw)
            assert cs.size <= budget and cs.size == math.prod(cs.shape) + sum(i * r for i, r in zip(X.shape, cs.shape))
            assert cs.packed_value <= best * (1 + 1e-10)
            assert cs.bound >= best * (1 - 1e-9), (method, kw, budget)
            if cs.optimal:
                assert cs.packed_value == pytest.approx(best, rel=1e-9), (method, kw, budget)
            if method in ("exact", "brute-force") or kw.get("backend") == "highs":
                assert cs.optimal, (method, budget)


@pytest.mark.parametrize("case", range(3))
def test_train_ranks_optimal_flag_against_enumeration(case):
    X = tensors()[case]
    for budget in (sum(X.shape) + 10, sum(X.shape) * 3, sum(X.shape) * 6):
        ts = tensor_train_ranks(X, budget)
        best = train_enumeration(X, budget)
        assert ts.size <= budget
        if ts.optimal:
            assert ts.packed_value == pytest.approx(best, rel=1e-9)
