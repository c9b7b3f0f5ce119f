"""The Peng-Wei K-means SDP as an optlib Model.

Peng & Wei, "Approximating K-means-type clustering via semidefinite programming", SIAM J.
Optim. 18(1), 2007. For an affinity (Gram) matrix A = X X' (or a kernel matrix):

    maximise <A, Z>   s.t.  Z PSD,  Z >= 0 (entrywise),  Z 1 = 1,  tr Z = K.

Every partition P gives a feasible Z_P = sum_k 1_k 1_k' / n_k with inertia(P) = tr A - <A, Z_P>,
so tr A - (an upper bound on the SDP) is a lower bound on the inertia of every partition.
The model has n(n+1)/2 scalars (the symmetric Z), as many nonnegativity rows, n + 1
equalities and one n x n PSD cone; interior point is practical to n ~ 100-150 here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

import optlib


@dataclass
class KMeansSDP:
    """The model and handles to its variable and named constraints."""

    model: optlib.Model
    Z: optlib.Variable
    rows: np.ndarray      # lower-triangle index pairs of the nonnegativity rows
    cols: np.ndarray


def build_kmeans_sdp(A: np.ndarray, n_clusters: int, name: str = "peng-wei") -> KMeansSDP:
    """The Peng-Wei SDP for affinity `A` (n x n, symmetric) and K = n_clusters."""
    n = A.shape[0]
    m = optlib.Model(name)
    Z = m.symmetric(n, psd=True, name="Z")
    r, c = np.tril_indices(n)
    m.add(Z[r, c] >= 0, name="nonneg")
    m.add(Z.sum(axis=1) == np.ones(n), name="rowsum")
    m.add(optlib.trace(Z) == n_clusters, name="trace")
    m.maximize((A * Z).sum())
    return KMeansSDP(m, Z, r, c)


def dual_matrices(sdp: KMeansSDP, result: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """(y, B) from a solve: y the row-sum duals, B >= 0 the nonnegativity duals as a
    symmetric matrix (an off-diagonal row Z_ij >= 0 acts on Z_ij and Z_ji: half each)."""
    try:
        y = np.asarray(result.dual("rowsum"), dtype=float)
        b = np.asarray(result.dual("nonneg"), dtype=float)
    except KeyError:
        return None
    n = y.size
    B = np.zeros((n, n))
    off = sdp.rows != sdp.cols
    B[sdp.rows, sdp.cols] = np.where(off, 0.5 * b, b)
    B[sdp.cols[off], sdp.rows[off]] = 0.5 * b[off]
    return y, B
