"""Higher-order singular values: the spectra of the mode-n unfoldings, from Gram matrices.

For X of shape (I_1..I_N), the mode-n Gram matrix is G_n = X_(n) X_(n)^T (I_n x I_n), whose
eigenvalues are the squared singular values sigma_{n,1}^2 >= ... of the unfolding and
whose eigenvectors are the truncated-HOSVD factors. A sparse tensor is never densified:
grouping its nonzeros by their other N-1 coordinates gives a sparse matrix M_n (one row per
distinct fibre) with G_n = M_n^T M_n.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .data import SparseTensor


@dataclass(frozen=True, eq=False)
class ModeSpectra:
    """Squared singular values of every unfolding (length I_n, descending, zero-padded),
    ||X||_F^2, and the eigenvector matrices (the HOSVD factors, columns in that order)."""

    shape: tuple[int, ...]
    sq_singular_values: tuple[np.ndarray, ...]
    norm_sq: float
    factors: tuple[np.ndarray, ...]
    time: float = 0.0

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def prefix_sums(self) -> tuple[np.ndarray, ...]:
        """prefix[n][r] = sum_{i <= r} sigma_{n,i}^2 for r = 0..I_n (prefix[n][0] = 0)."""
        return tuple(np.concatenate([[0.0], np.cumsum(s)]) for s in self.sq_singular_values)


def _fibre_ids(coords: np.ndarray, shape: tuple[int, ...], n: int) -> np.ndarray:
    """A dense id (0..K-1) for each nonzero's coordinates outside mode n."""
    others = [m for m in range(len(shape)) if m != n]
    sub = coords[:, others]
    if math.prod(shape[m] for m in others) < 2 ** 62:
        key = np.ravel_multi_index(tuple(sub.T), tuple(shape[m] for m in others))
        _, ids = np.unique(key, return_inverse=True)
    else:
        _, ids = np.unique(sub, axis=0, return_inverse=True)
    return ids.ravel()


def mode_gram(tensor: np.ndarray | SparseTensor, n: int) -> np.ndarray:
    """G_n = X_(n) X_(n)^T as a dense I_n x I_n array."""
    if isinstance(tensor, SparseTensor):
        ids = _fibre_ids(tensor.coords, tensor.shape, n)
        M = sp.csr_matrix((tensor.values, (ids, tensor.coords[:, n])),
                          shape=(int(ids.max()) + 1, tensor.shape[n]))
        return np.asarray((M.T @ M).toarray())
    A = np.moveaxis(tensor, n, 0).reshape(tensor.shape[n], -1)
    return A @ A.T


def _eig_desc(G: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    w, V = np.linalg.eigh((G + G.T) / 2)
    w, V = w[::-1], V[:, ::-1]
    return np.clip(w, 0.0, None), np.ascontiguousarray(V)


def mode_spectra(tensor: np.ndarray | SparseTensor) -> ModeSpectra:
    """The squared singular values of all N unfoldings (and the HOSVD factors)."""
    t0 = time.perf_counter()
    sq, factors = [], []
    for n in range(len(tensor.shape)):
        w, V = _eig_desc(mode_gram(tensor, n))
        sq.append(w)
        factors.append(V)
    norm_sq = tensor.norm_sq() if isinstance(tensor, SparseTensor) else float(np.vdot(tensor, tensor))
    return ModeSpectra(tuple(tensor.shape), tuple(sq), norm_sq, tuple(factors), time.perf_counter() - t0)
