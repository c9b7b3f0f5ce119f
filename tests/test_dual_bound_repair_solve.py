"""The least-norm solve of the dual repair (optlib.dual_bound._min_norm_solution): the sparse LU
of M M' for sparse M, LSQR on M when M M' would be dense (a dense column made a 29,127-order
M M' with 3.2e8 nonzeros, whose LU ran out of memory inside a certificate)."""
import numpy as np
import pytest
import scipy.sparse as sp

import optlib.dual_bound as db


def _least_norm(M, rhs):
    return np.linalg.pinv(M.toarray()) @ rhs


@pytest.mark.parametrize("direct_max", [10 ** 9, 0])          # the LU path, then LSQR
def test_min_norm_solution_both_paths(monkeypatch, direct_max):
    monkeypatch.setattr(db, "DIRECT_MAX_NNZ", direct_max)
    rng = np.random.default_rng(0)
    M = sp.random(30, 80, density=0.1, random_state=1, format="csr") + sp.hstack(
        [sp.identity(30), sp.csr_matrix((30, 50))], format="csr")
    rhs = rng.standard_normal(30)
    theta = db._min_norm_solution(sp.csr_matrix(M), rhs)
    assert np.allclose(M @ theta, rhs, atol=1e-9)
    assert np.allclose(theta, _least_norm(M, rhs), atol=1e-8)      # the least-norm one, not any


def test_dense_column_goes_to_lsqr(monkeypatch):
    """A column with every row in it would make M M' dense: LSQR, M M' never formed."""
    n = 400
    M = sp.hstack([sp.identity(n), sp.csr_matrix(np.ones((n, 1)))], format="csr")
    formed = []
    real_matmul = sp.csr_matrix.__matmul__

    def spy(a, b):
        if isinstance(b, sp.spmatrix) and b.shape[1] == a.shape[0]:
            formed.append(b.shape)
        return real_matmul(a, b)

    monkeypatch.setattr(db, "DIRECT_MAX_NNZ", n * n - 1)
    monkeypatch.setattr(sp.csr_matrix, "__matmul__", spy)
    rhs = np.linspace(-1.0, 1.0, n)
    theta = db._min_norm_solution(M, rhs)
    assert not formed
    assert np.allclose(M @ theta, rhs, atol=1e-8)
    assert np.allclose(theta, _least_norm(M, rhs), atol=1e-7)
