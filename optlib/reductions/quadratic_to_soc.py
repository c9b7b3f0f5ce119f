"""A quadratic objective as a second-order cone, for backends with SOCs but no quadratic term.

With P = F'F (F of k rows) and a new column t:

    1/2 x'P x <= t   <=>   ||F x||^2 <= 2 t   <=>   ||(F x, t - 1/2)|| <= t + 1/2,

since (t + 1/2)^2 - (t - 1/2)^2 = 2 t (and the cone forces t + 1/2 >= |t - 1/2|, so t >= 0).
The form  min 1/2 x'P x + c'x + c0  becomes  min c'x + t + c0  with the cone rows
s = (t + 1/2, F x, t - 1/2) in Q^{k+2} (A rows -e_t, -F, -e_t; b = (1/2, 0, -1/2)) placed after
the other second-order cones (the cone order zero, nonneg, soc, psd, exp is kept). At an optimum
t = 1/2 x'P x, so both forms have the same optimal value; `invert` maps an answer back: x to its
first n entries, duals and rays to the original rows in their order, the objective recomputed
on the original form, the bound kept (it bounds the same optimum).

P is factored per connected block of its sparsity pattern: a 1 x 1 block by its square root, a
larger one by Cholesky, or (singular) by its eigen-decomposition with eigenvalues below 1e-8
of the block's largest magnitude dropped; a P with a clearly negative eigenvalue is refused
(ValueError). No shift is added: the cone states the problem as given.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Callable

import numpy as np
import scipy.sparse as sp
import scipy.sparse.csgraph as csgraph

from ..names import ExtendedNames
from ..standard_form import RawResult, RowBlock, StandardForm

#: eigenvalues of a singular block of P within this fraction of its largest are taken as zero
ZERO_EIG = 1e-8
#: name of the row block of the epigraph cone and of the epigraph column
EPIGRAPH_NAME = "quadratic objective"


def factor_psd(P: sp.spmatrix) -> sp.csr_matrix:
    """F (k x n, sparse) with F'F = (P + P')/2 for a PSD P (up to the eigenvalues dropped as
    zero, see the module doc); ValueError naming P when it is not PSD."""
    P = sp.csr_matrix(P, dtype=float)
    n = P.shape[0]
    if P.shape != (n, n):
        raise ValueError(f"P must be square, got shape {P.shape}")
    if not np.all(np.isfinite(P.data)):
        raise ValueError("P has NaN or infinite entries")
    P = ((P + P.T) * 0.5).tocsr()             # x'P x = x'((P + P')/2) x
    P.eliminate_zeros()
    if not P.nnz:
        return sp.csr_matrix((0, n))
    diag = P.diagonal()
    off = P - sp.diags(diag)
    off.eliminate_zeros()
    n_comp, label = csgraph.connected_components(abs(off), directed=False)
    sizes = np.bincount(label, minlength=n_comp)
    single = np.flatnonzero((sizes[label] == 1) & (diag != 0))
    if np.any(diag[single] < 0):
        j = int(single[np.argmin(diag[single])])
        raise ValueError(f"P is not positive semidefinite: P[{j}, {j}] = {diag[j]:.6g} < 0")
    rows_i, rows_j, vals = [np.arange(single.size)], [single], [np.sqrt(diag[single])]
    k = single.size
    for cidx in np.flatnonzero(sizes > 1):
        cols = np.flatnonzero(label == cidx)
        B = P[cols][:, cols].toarray()
        try:
            F = np.linalg.cholesky(B).T          # B = L L' = F'F
        except np.linalg.LinAlgError:
            w, U = np.linalg.eigh(B)
            big = float(np.max(np.abs(w)))
            if w[0] < -ZERO_EIG * big:
                raise ValueError(f"P is not positive semidefinite: eigenvalue {w[0]:.6g} on columns "
                                 f"{cols[:5].tolist()}{'...' if cols.size > 5 else ''}") from None
            keep = w > ZERO_EIG * big
            F = np.sqrt(w[keep])[:, None] * U[:, keep].T
        r, c = np.nonzero(F)
        rows_i.append(k + r)
        rows_j.append(cols[c])
        vals.append(F[r, c])
        k += F.shape[0]
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows_i), np.concatenate(rows_j))),
                         shape=(k, n))


def quadratic_to_soc(sf: StandardForm) -> tuple[StandardForm, Callable[[RawResult], RawResult]]:
    """(the form with 1/2 x'P x replaced by an epigraph column t and the cone
    ||(F x, t - 1/2)|| <= t + 1/2, the map of its RawResult back to `sf`); see the module doc."""
    if not isinstance(sf, StandardForm):
        raise ValueError(f"sf must be a StandardForm, got {type(sf).__name__}")
    n, m = sf.n, sf.m
    if not sf.has_quadratic:
        return sf.replace(P=None), (lambda raw: raw)
    F = factor_psd(sf.P)
    k = F.shape[0]
    q = k + 2
    pos = sf.cones.zero + sf.cones.nonneg + int(sum(sf.cones.soc))   # end of the SOC rows
    # the cone rows over (x, t): s = (t + 1/2, F x, t - 1/2) = b_new - A_new (x, t)
    et = sp.csr_matrix(([-1.0], ([0], [n])), shape=(1, n + 1))
    A_new = sp.vstack([et, sp.hstack([-F, sp.csr_matrix((k, 1))]), et], format="csr")
    b_new = np.concatenate(([0.5], np.zeros(k), [-0.5]))
    A_x = sp.hstack([sp.csr_matrix(sf.A), sp.csr_matrix((m, 1))], format="csr")
    A2 = sp.vstack([A_x[:pos], A_new, A_x[pos:]], format="csc")
    b2 = np.concatenate((sf.b[:pos], b_new, sf.b[pos:]))
    cones = dataclasses.replace(sf.cones, soc=tuple(sf.cones.soc) + (q,))
    blocks = [rb if rb.start < pos else dataclasses.replace(rb, start=rb.start + q) for rb in sf.row_blocks]
    blocks.append(RowBlock(EPIGRAPH_NAME, "soc", pos, q, (q,), q))
    blocks.sort(key=lambda rb: rb.start)
    names = ExtendedNames(sf.var_names, sf.n, ["t[quadratic objective]"]) if len(sf.var_names) == n else ()
    sf2 = sf.replace(c=np.concatenate((sf.c, [1.0])), A=A2, b=b2, cones=cones,
                     lb=np.concatenate((sf.lb, [0.0])),      # t >= 0 is implied by the cone
                     ub=np.concatenate((sf.ub, [np.inf])),
                     integer=np.concatenate((sf.integer, [False])),
                     var_names=names, row_blocks=tuple(blocks), row_order=None, P=None)
    keep = np.concatenate((np.arange(pos), np.arange(pos + q, m + q))).astype(np.int64)

    def invert(raw: RawResult) -> RawResult:
        """`raw` of sf2 in `sf`'s terms (vectors of the wrong size are left for the checks to refuse)."""
        out = dataclasses.replace(raw)
        if raw.x is not None and np.shape(raw.x) == (n + 1,):
            out.x = np.asarray(raw.x, dtype=float)[:n]
            obj = sf.objective_value(out.x)
            out.objective = obj if math.isfinite(obj) else raw.objective
        if raw.primal_ray is not None and np.shape(raw.primal_ray) == (n + 1,):
            out.primal_ray = np.asarray(raw.primal_ray, dtype=float)[:n]
        if raw.z is not None and np.shape(raw.z) == (m + q,):
            out.z = np.asarray(raw.z, dtype=float)[keep]
        if raw.dual_ray is not None and np.shape(raw.dual_ray) == (m + q,):
            out.dual_ray = np.asarray(raw.dual_ray, dtype=float)[keep]
        return out

    return sf2, invert
