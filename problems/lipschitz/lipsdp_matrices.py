"""The LipSDP-Neuron pieces shared by `lipsdp.py`, `chordal.py` and `firstorder.py`.

Fazlyab, Robey, Hassani, Morari, Pappas, "Efficient and Accurate Estimation of Lipschitz
Constants for Deep Neural Networks" (NeurIPS 2019). With A = [blkdiag(W_0..W_{l-1}), 0],
B = [0, I_N] and per-neuron slopes alpha_j <= phi' <= beta_j the LipSDP matrix is

    M(rho, T) = [A;B]^T Q(T) [A;B] + blkdiag(-rho I_{n0}, 0, W_l^T W_l),
    Q(T) = [[-2 alpha beta T, (alpha + beta) T], [(alpha + beta) T, -2 T]],

and T = diag(lambda) + sum_{pairs} zeta_ij (e_i - e_j)(e_i - e_j)^T. This module builds the
per-multiplier matrices F_j of M (`neuron_matrices`, `pair_matrices`), the slopes, the exact
input compression, and the layer scaling with its inverse (`scale_weights`, `unscale`). It
imports nothing from the solver modules, so they all depend on it and not on each other.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from .network import Network

MAX_PAIRS = 20000   # lipsdp-network couples all pairs only up to this many


def neuron_slopes(net: Network) -> tuple[np.ndarray, np.ndarray]:
    """Per-hidden-neuron (alpha, beta) vectors from the per-layer activations."""
    if not net.slope_restricted:
        bad = sorted({a.name for a in net.activations if not a.slope_restricted})
        raise ValueError(f"LipSDP needs slope-restricted activations; got {', '.join(bad)} "
                         "(use problems.lipschitz.grouped for groupsort/maxmin/householder)")
    alpha = np.concatenate([np.full(n, act.alpha, dtype=float) for n, act in zip(net.hidden, net.activations)]) \
        if net.hidden else np.zeros(0)
    beta = np.concatenate([np.full(n, act.beta, dtype=float) for n, act in zip(net.hidden, net.activations)]) \
        if net.hidden else np.zeros(0)
    return alpha, beta


def compress_input(weights: Sequence[np.ndarray]) -> tuple[list[np.ndarray], bool]:
    """Replace W_0 by U S from its thin SVD when n0 > n1 (same LipSDP optimum: the input block
    sees W_0 only through W_0 W_0' = (U S)(U S)')."""
    Ws = [np.asarray(W, dtype=float) for W in weights]
    n1, n0 = Ws[0].shape
    if len(Ws) < 2 or n0 <= n1:
        return Ws, False
    U, s, _ = np.linalg.svd(Ws[0], full_matrices=False)
    Ws[0] = U * s
    return Ws, True


def scale_weights(weights: Sequence[np.ndarray], normalize: bool = True) -> tuple[list[np.ndarray], np.ndarray]:
    """(W_k / c_k, c) with c_k = ||W_k||_2 (1 for a zero matrix, all 1 when not `normalize`);
    LipSDP is equivariant under this scaling, `unscale` maps the multipliers back."""
    Ws = [np.asarray(W, dtype=float) for W in weights]
    norms = np.array([float(np.linalg.norm(W, 2)) for W in Ws]) if normalize else np.ones(len(Ws))
    norms[norms == 0] = 1.0
    return [W / c for W, c in zip(Ws, norms)], norms


def neuron_matrices(weights: Sequence[np.ndarray], alpha: np.ndarray, beta: np.ndarray) -> list[sp.csr_matrix]:
    """F_j = -2 a_j b_j a a' + (a_j + b_j)(a e' + e a') - 2 e e' for every hidden neuron j
    (a: row j of A, e: row j of B), O(width) nonzeros each when alpha_j beta_j = 0."""
    n0 = weights[0].shape[1]
    hidden = [W.shape[0] for W in weights[:-1]]
    dim = n0 + sum(hidden)
    offs = np.concatenate([[0], np.cumsum([n0] + hidden)])
    out: list[sp.csr_matrix] = []
    j = 0
    for k, W in enumerate(weights[:-1]):
        nk = W.shape[1]
        cols = offs[k] + np.arange(nk)
        for r in range(W.shape[0]):
            a_idx = cols[W[r] != 0]
            a_val = W[r][W[r] != 0]
            e = offs[k + 1] + r
            ab, s = alpha[j] * beta[j], alpha[j] + beta[j]
            rr, cc, vv = [np.array([e])], [np.array([e])], [np.array([-2.0])]
            if s != 0:
                rr += [a_idx, np.full(a_idx.size, e)]
                cc += [np.full(a_idx.size, e), a_idx]
                vv += [s * a_val, s * a_val]
            if ab != 0:
                rr.append(np.repeat(a_idx, a_idx.size))
                cc.append(np.tile(a_idx, a_idx.size))
                vv.append(-2.0 * ab * np.outer(a_val, a_val).ravel())
            out.append(sp.csr_matrix((np.concatenate(vv), (np.concatenate(rr), np.concatenate(cc))), shape=(dim, dim)))
            j += 1
    return out


def pair_matrices(weights: Sequence[np.ndarray], alpha: np.ndarray, beta: np.ndarray,
                  pairs: np.ndarray) -> list[sp.csr_matrix]:
    """The coupling matrix of each pair (i, j): the neuron form with a = a_i - a_j, e = e_i - e_j."""
    n0 = weights[0].shape[1]
    N = alpha.size
    dim = n0 + N
    A = sp.hstack([sp.block_diag([sp.csr_matrix(W) for W in weights[:-1]]),
                   sp.csr_matrix((N, weights[-1].shape[1]))], format="csr")
    out = []
    for i, j in pairs:
        d = (A.getrow(i) - A.getrow(j)).tocoo()
        a_idx, a_val = d.col, d.data
        e_idx = np.array([n0 + i, n0 + j])
        e_val = np.array([1.0, -1.0])
        ab, s = alpha[i] * beta[i], alpha[i] + beta[i]
        rr = [np.repeat(e_idx, 2)]
        cc = [np.tile(e_idx, 2)]
        vv = [-2.0 * np.outer(e_val, e_val).ravel()]
        if s != 0:
            rr += [np.repeat(a_idx, 2), np.tile(e_idx, a_idx.size)]
            cc += [np.tile(e_idx, a_idx.size), np.repeat(a_idx, 2)]
            cross = s * np.outer(a_val, e_val).ravel()
            vv += [cross, cross]
        if ab != 0:
            rr.append(np.repeat(a_idx, a_idx.size))
            cc.append(np.tile(a_idx, a_idx.size))
            vv.append(-2.0 * ab * np.outer(a_val, a_val).ravel())
        out.append(sp.csr_matrix((np.concatenate(vv), (np.concatenate(rr), np.concatenate(cc))), shape=(dim, dim)))
    return out


def coupling_pairs(alpha: np.ndarray, beta: np.ndarray, n_pairs: int | None = None,
                   seed: int | None = 0) -> np.ndarray:
    """All pairs i < j of neurons with equal slopes, or `n_pairs` of them drawn at random."""
    N = alpha.size
    iu, ju = np.triu_indices(N, k=1)
    same = (alpha[iu] == alpha[ju]) & (beta[iu] == beta[ju])
    pairs = np.stack([iu[same], ju[same]], axis=1)
    if n_pairs is None:
        if len(pairs) > MAX_PAIRS:
            raise ValueError(f"lipsdp-network would couple {len(pairs)} pairs (more than {MAX_PAIRS}); "
                             "use method='lipsdp-network-rand' with n_pairs=...")
        return pairs
    if isinstance(n_pairs, bool) or not isinstance(n_pairs, (int, np.integer)) or n_pairs < 0:
        raise ValueError(f"n_pairs must be a non-negative integer, got {n_pairs!r}")
    rng = np.random.default_rng(seed)
    take = rng.choice(len(pairs), size=min(int(n_pairs), len(pairs)), replace=False)
    return pairs[np.sort(take)]


def unscale(norms: np.ndarray, hidden: Sequence[int], rho: float, lam: np.ndarray,
            zeta: np.ndarray | None) -> tuple[float, np.ndarray, np.ndarray | None]:
    """Multipliers of the LMI with the original weights from those of the LMI with W_k / c_k.

    With P_k = c_0 ... c_{k-1} and x_k = P_k x'_k: x' M(rho, lambda) x = P_{l+1}^2 x'' M'(rho',
    lambda') x' for rho = P_{l+1}^2 rho' and lambda_j = lambda'_j P_{l+1}^2 / P_{k+1}^2 (neuron j
    of hidden layer k, whose output is x_{k+1}). Coupled pairs across layers do not map to
    pairs, so the network methods are solved without scaling (zeta is passed through).
    """
    logP = np.concatenate([[0.0], np.cumsum(np.log(norms))])          # log P_k, k = 0..l+1
    per_neuron = np.repeat(np.exp(2.0 * (logP[-1] - logP[1:-1])), hidden)
    return rho * float(np.exp(2.0 * logP[-1])), lam * per_neuron, zeta


def rho_scale(norms: np.ndarray) -> float:
    """P_{l+1}^2 = prod_k c_k^2: rho of the original LMI is this times rho' of the scaled one
    (the factor `unscale` applies; it maps a lower bound on rho' to one on rho as well)."""
    return float(np.exp(2.0 * np.sum(np.log(np.asarray(norms, dtype=float)))))
