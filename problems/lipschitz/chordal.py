"""Chordal-LipSDP: LipSDP-Neuron with the LMI split over the cliques of its band pattern.

Xue, Lindemann, Robey, Hassani, Pappas, Alur, "Chordal Sparsity for Lipschitz Constant
Estimation of Deep Neural Networks" (CDC 2022). With the state x = (x_0, x_1, .., x_l)
(input and the l hidden layers), the LipSDP-Neuron matrix M(rho, lambda) (see
`lipsdp.py`) is block tridiagonal: neuron j of hidden layer k only couples x_k (through
row j of W_k) and x_{k+1}, and W_l^T W_l sits on the x_l diagonal block. Its sparsity
graph is chordal with the maximal cliques C_k = layers {k, k+1}, k = 0..l-1, so (Agler /
Grone et al.) M <= 0 iff M = sum_k E_k^T Z_k E_k with Z_k <= 0 of order n_k + n_{k+1}.

Method ``lipsdp-neuron-chordal`` solves

    minimise rho  s.t.  lambda >= 0,  Z_k << 0 (k = 0..l-1),
                        M(rho, lambda)_ij == sum_k (E_k^T Z_k E_k)_ij  for (i, j) in the band,

with the equalities written entrywise on the lower triangle of the union of the cliques
(the shared diagonal blocks of x_1..x_{l-1} are split between two Z's by the solver). The
coefficients are assembled directly as one sparse Expression (no n x n matrices per
neuron beyond the O(width) nonzeros of each neuron's term), so the optimum equals
LipSDP-Neuron's, with PSD cones of order n_k + n_{k+1} instead of n_0 + N.

`form="split"` is the same decomposition with the Z_k eliminated: the cones are the
affine blocks Z_0 = [[M_00, M_01], [M_10, M_11 - S_1]], Z_k = [[S_k, M_k,k+1], [., M_k+1,k+1 - S_k+1]],
Z_{l-1} = [[S_{l-1}, M_{l-1,l}], [., M_ll]] with one free symmetric S_k per shared
diagonal block (fewer variables and no equality rows; the same optimum).

The Z_k / S_k are only the solver's decomposition. The answer is certified exactly as
for lipsdp-neuron: `certify_lmi.certify_lipsdp` rebuilds the full M(rho, lambda) from the
returned rho and lambda (mapped back to the original weights), checks lambda_max(M)
(dense eigvalsh up to `dense_limit`, a sparse LDL^T test above) and repairs rho if needed;
the answer's `bound` is optlib's certified dual bound on rho*, mapped back (`bound.py`).
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np
import scipy.sparse as sp

import optlib
from optlib import Deadline
from optlib.cones import svec_indices
from optlib.constraints import LinearConstraint, PSDConstraint
from optlib.expressions import Expression

from .bound import LipschitzBound, certified_bound, naive_part, sdp_lower_bound, spectral_part, unsolved_bound
from .certify_lmi import OWN_CERTIFICATE, certify_solution
from .lipsdp_matrices import compress_input, neuron_matrices, neuron_slopes, rho_scale, scale_weights, unscale
from .network import Network
from .options import merge_solve_options as _merge_options

METHOD = "lipsdp-neuron-chordal"
FORMS = ("explicit", "split")


def band_pattern(sizes: list[int]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Sorted keys i * n + j (i >= j) of the lower triangle of the union of the cliques
    {k, k+1} of layer blocks with `sizes`, and for each clique its global indices."""
    offs = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    n = int(offs[-1])
    cliques = [np.arange(offs[k], offs[k + 2]) for k in range(len(sizes) - 1)]
    keys = []
    for g in cliques:
        r, c = svec_indices(g.size)
        keys.append(g[r] * n + g[c])
    return np.unique(np.concatenate(keys)), cliques


def _entry_coefficients(Ws: list[np.ndarray], alpha: np.ndarray, beta: np.ndarray, keys: np.ndarray,
                        n: int) -> tuple[np.ndarray, sp.csr_matrix, np.ndarray]:
    """(const, C_lambda, c_rho) with M(rho, lambda)[key] = const + C_lambda lambda + c_rho rho
    on the band entries `keys` (lower triangle)."""
    n0 = Ws[0].shape[1]
    N = alpha.size
    last = Ws[-1].shape[1]
    Fn = neuron_matrices(Ws, alpha, beta)
    rows, cols, vals = [], [], []
    for j, F in enumerate(Fn):
        F = F.tocoo()
        low = F.row >= F.col
        rows.append(F.row[low].astype(np.int64) * n + F.col[low])
        cols.append(np.full(int(low.sum()), j, dtype=np.int64))
        vals.append(F.data[low])
    k_all = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    pos = np.searchsorted(keys, k_all)
    if k_all.size and (np.any(pos >= keys.size) or np.any(keys[np.minimum(pos, keys.size - 1)] != k_all)):
        raise AssertionError("internal: a LipSDP entry lies outside the band pattern")
    C_lam = sp.csr_matrix((np.concatenate(vals) if vals else np.zeros(0),
                           (pos, np.concatenate(cols) if cols else np.zeros(0, np.int64))),
                          shape=(keys.size, N))
    # constant: W_l^T W_l on the last block (lower triangle)
    const = np.zeros(keys.size)
    T = Ws[-1].T @ Ws[-1]
    r, c = np.tril_indices(last)
    g0 = n - last
    kk = (g0 + r).astype(np.int64) * n + (g0 + c)
    const[np.searchsorted(keys, kk)] += T[r, c]
    c_rho = np.zeros(keys.size)
    d = np.arange(n0, dtype=np.int64)
    c_rho[np.searchsorted(keys, d * n + d)] = -1.0
    return const, C_lam, c_rho


def build_chordal_model(Ws: list[np.ndarray], alpha: np.ndarray, beta: np.ndarray, hidden: list[int],
                        form: str = "explicit", name: str = METHOD):
    """The chordal LipSDP-Neuron model for weights `Ws`; returns (model, rho, lambda, info)."""
    if form not in FORMS:
        raise ValueError(f"form must be one of {', '.join(FORMS)}, got {form!r}")
    n0 = Ws[0].shape[1]
    sizes = [n0] + list(hidden)
    n = int(sum(sizes))
    N = alpha.size
    keys, cliques = band_pattern(sizes)
    const, C_lam, c_rho = _entry_coefficients(Ws, alpha, beta, keys, n)

    m = optlib.Model(name)
    rho = m.continuous(lb=0, name="rho")
    lam = m.continuous(N, lb=0, name="lambda")
    info: dict[str, Any] = {"order": n, "cliques": [g.size for g in cliques], "band_entries": int(keys.size)}
    if form == "explicit":
        terms = {rho.block: sp.csr_matrix(c_rho.reshape(-1, 1)), lam.block: C_lam}
        for k, g in enumerate(cliques):
            Z = m.symmetric(g.size, name=f"Z{k}")
            r, c = svec_indices(g.size)
            pos = np.searchsorted(keys, g[r] * n + g[c])
            terms[Z.block] = sp.csr_matrix((-np.ones(r.size), (pos, np.arange(r.size))),
                                           shape=(keys.size, r.size))
            m.add(PSDConstraint(-Z), name=f"Z{k}_nsd")          # Z_k << 0
        m.add(LinearConstraint(Expression(terms, const, (keys.size,)), "=="), name="band")
        info["equalities"] = int(keys.size)
    else:
        S = {k: m.symmetric(sizes[k], name=f"S{k}") for k in range(1, len(sizes) - 1)}
        for k, g in enumerate(cliques):
            mk = g.size
            ii, jj = np.divmod(np.arange(mk * mk, dtype=np.int64), mk)
            gi, gj = g[ii], g[jj]
            pos = np.searchsorted(keys, np.maximum(gi, gj) * n + np.minimum(gi, gj))
            # Z_k = [[S_k, M_k,k+1], [M_k+1,k, M_k+1,k+1 - S_k+1]]; Z_0 starts with M_00
            # and the last clique ends with M_ll (sum_k E_k^T Z_k E_k = M)
            nk = sizes[k]
            keep = np.ones(mk * mk)
            if k in S:
                keep[(ii < nk) & (jj < nk)] = 0.0
            D = sp.diags(keep)
            terms = {rho.block: sp.csr_matrix(D @ c_rho[pos].reshape(-1, 1)),
                     lam.block: sp.csr_matrix(D @ C_lam[pos])}
            expr = Expression(terms, keep * const[pos], (mk, mk))
            if k in S:
                P = _embed(mk, 0, nk)
                expr = expr + (P @ S[k] @ P.T)
            if k + 1 in S:
                P = _embed(mk, nk, sizes[k + 1])
                expr = expr - (P @ S[k + 1] @ P.T)
            m.add(PSDConstraint(-expr), name=f"Z{k}_nsd")
        info["equalities"] = 0
    m.minimize(rho)
    return m, rho, lam, info


def _embed(mk: int, start: int, size: int) -> sp.csr_matrix:
    """The mk x size matrix placing a block at rows start..start+size."""
    return sp.csr_matrix((np.ones(size), (start + np.arange(size), np.arange(size))), shape=(mk, size))


def lipsdp_chordal(net: Network, backend: str = "auto", time_limit: float | Deadline | None = None,
                   compress: bool = True, normalize: bool = True, dense_limit: int = 4000,
                   repair: bool = True, form: str = "explicit", options: dict | None = None,
                   solve_options: dict | None = None) -> LipschitzBound:
    """Chordal LipSDP-Neuron on one (sub)network, certified on the full M; see the module
    docstring. `options` go to Model.solve (`solve_options` is its deprecated name)."""
    t0 = time.perf_counter()
    options = _merge_options(options, solve_options, where="lipsdp_chordal")
    if form not in FORMS:
        raise ValueError(f"form must be one of {', '.join(FORMS)}, got {form!r}")
    if len(net.weights) == 1:
        return spectral_part(net.weights[0], t0)
    deadline = Deadline.of(time_limit)
    alpha, beta = neuron_slopes(net)
    Wc, compressed = compress_input(net.weights) if compress else ([np.asarray(W, float) for W in net.weights], False)
    Ws, norms = scale_weights(Wc, normalize)
    hidden = list(net.hidden)
    N = alpha.size

    m, rho, lam, info = build_chordal_model(Ws, alpha, beta, hidden, form)
    t_build = time.perf_counter() - t0
    if deadline.expired():
        return naive_part(net, METHOD, "time limit reached before the solve", t0, limit_reached="time_limit")
    t1 = time.perf_counter()
    res = m.solve(backend=backend, time_limit=deadline.left(), **{**OWN_CERTIFICATE, **options})
    t_solve = time.perf_counter() - t1
    bound = sdp_lower_bound(res, rho_scale(norms))
    path = (f"chordal LipSDP-Neuron ({form}; cliques of order {info['cliques']}, full order {info['order']}, "
            f"{info['band_entries']} band entries{f', input compressed {net.dims[0]}->{Ws[0].shape[1]}' if compressed else ''}) "
            f"on {res.backend.name}: {res.status.name}; build {t_build:.2f} s, solve {res.timings.solve:.2f} s")
    if res.x is None:
        return unsolved_bound(net, METHOD, res, path, t0, bound=bound, stage_times={"build": t_build, "solve": t_solve})

    rho_val = float(res[rho])
    lam_val = np.asarray(res[lam], dtype=float).reshape(-1)
    rho_val, lam_val, _ = unscale(norms, hidden, rho_val, lam_val, None)
    t2 = time.perf_counter()
    cert, multipliers = certify_solution(net, Wc, compressed, N, alpha, beta, lam_val, rho_val, None, None,
                                         hidden, dense_limit, repair)
    return certified_bound(net, METHOD, cert, multipliers, path, t0, result_=res, bound=bound,
                           stage_times={"build": t_build, "solve": t_solve, "certify": time.perf_counter() - t2})
