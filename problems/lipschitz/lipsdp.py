"""LipSDP: certified l2 Lipschitz bounds for slope-restricted activations, on optlib.lmi.

Fazlyab, Robey, Hassani, Morari, Pappas, "Efficient and Accurate Estimation of Lipschitz
Constants for Deep Neural Networks" (NeurIPS 2019). With A = [blkdiag(W_0..W_{l-1}), 0],
B = [0, I_N] and per-neuron slopes alpha_j <= phi' <= beta_j:

    minimise rho  s.t.  [A;B]^T Q(T) [A;B] + blkdiag(-rho I_{n0}, 0, W_l^T W_l) << 0,
    Q(T) = [[-2 alpha beta T, (alpha + beta) T], [(alpha + beta) T, -2 T]],   L = sqrt(rho).

Methods (the multiplier T):

* ``lipsdp-neuron``: T = diag(lambda), lambda >= 0 (one multiplier per hidden neuron).
* ``lipsdp-layer``: T = blkdiag(tau_k I), tau_k >= 0 (one per hidden layer).
* ``lipsdp-network``: T = diag(lambda) + sum_{i<j} zeta_ij (e_i - e_j)(e_i - e_j)^T,
  zeta >= 0, over every pair of hidden neurons with the same slope pair (the paper couples
  all pairs; neurons with different slopes obey no common pair constraint, so they are
  not coupled). ``lipsdp-network-rand`` couples `n_pairs` pairs drawn at random (`seed`).
  **Not a valid upper bound in general**: Pauli, Koch, Berberich, Kohler, Allgoewer,
  "Training robust neural networks using Lipschitz bounds" (2021, arXiv 2005.02929)
  showed that the coupling is not valid for ReLU. The pair constraint needs
  (dv_i - dv_j - alpha (dz_i - dz_j)) (beta (dz_i - dz_j) - (dv_i - dv_j)) >= 0 for the
  differences dz, dv of pre-activations and outputs between two inputs; for ReLU take
  z_i: 1 -> 0 and z_j: 0 -> -1, so dz_i = dz_j = 1, dv_i = 1, dv_j = 0 and the product
  is -1. The value is computed and its LMI certified, but it is returned with
  ``valid=False``; use lipsdp-neuron for a rigorous bound.

Each multiplier contributes one sparse matrix to `optlib.lmi`: for neuron j (row a_j of A,
row e_j of B) F_j = -2 alpha_j beta_j a_j a_j' + (alpha_j + beta_j)(a_j e_j' + e_j a_j')
- 2 e_j e_j', with O(width) nonzeros when alpha_j = 0 (ReLU, tanh, sigmoid, ELU with alpha >= 0) and
O(width^2) otherwise (leaky ReLU), so no dense n x n matrix is formed per neuron.

Exact input compression: if n0 > n1, W_0 = U S V' (thin SVD) is replaced by U S (n1 x n1):
the input block only sees W_0 through W_0 W_0' = (U S)(U S)', so the optimum is the same
(MNIST 784-50-10: an LMI of order 100 instead of 834). The certificate is still computed
on the original, uncompressed LMI when its order is at most `dense_limit`.

Splitting (`split=k`): the weight list is cut into consecutive chunks of k matrices; chunk
c (W_s..W_e) is the subnetwork x -> W_e phi(... phi(W_s x)) with its own hidden
activations, bounded on its own (a one-matrix chunk is its spectral norm), and the
activation phi_e that follows a chunk boundary is bounded by its largest absolute slope
max(|alpha_e|, |beta_e|) (1 for ReLU/tanh/leaky ReLU, 0.25 for sigmoid). By the chain rule
for Lipschitz constants the product of chunk bounds and boundary slopes is a valid bound.

Scaling: the LMI is solved for W_k / ||W_k||_2 and the multipliers are mapped back
(`_unscale`; LipSDP is equivariant under layer scaling because the slope class is closed
under phi(c z) / c). This is exact and keeps rho and the multipliers near 1, which matters
for first-order solvers: SCS at its default tolerances stops at rho = 1137 on the unscaled
LMI of the LipSDP random net (optimum 1331) but within 0.03 % on the scaled one. The
network methods are solved unscaled (a pair across layers does not map to a pair).

Every answer is certified by `certify_lmi.certify_lipsdp`: the LMI is rebuilt from the
returned multipliers (mapped back to the original weights) in scipy, its largest
eigenvalue is checked and rho is raised if needed; the reported value is
sqrt(rho_certified). If no certificate can be produced (or the solver returned no point)
the value falls back to the product of norms and the method name says so.
"""
from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

import optlib

from .bound import LipschitzBound, LMICertificate
from .certify_lmi import OWN_CERTIFICATE, certify_lipsdp
from .network import Network, as_network

METHODS = ("lipsdp-neuron", "lipsdp-layer", "lipsdp-network", "lipsdp-network-rand")
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
    """Replace W_0 by U S from its thin SVD when n0 > n1 (same LipSDP optimum)."""
    Ws = [np.asarray(W, dtype=float) for W in weights]
    n1, n0 = Ws[0].shape
    if len(Ws) < 2 or n0 <= n1:
        return Ws, False
    U, s, _ = np.linalg.svd(Ws[0], full_matrices=False)
    Ws[0] = U * s
    return Ws, True


def _neuron_matrices(weights: Sequence[np.ndarray], alpha: np.ndarray, beta: np.ndarray) -> list[sp.csr_matrix]:
    """F_j = -2 a_j b_j a a' + (a_j + b_j)(a e' + e a') - 2 e e' for every hidden neuron j."""
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


def _pair_matrices(weights: Sequence[np.ndarray], alpha: np.ndarray, beta: np.ndarray,
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


def _unscale(norms: np.ndarray, hidden: Sequence[int], rho: float, lam: np.ndarray,
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


def _spectral_part(W: np.ndarray, t0: float) -> LipschitzBound:
    value = float(np.linalg.norm(W, 2))
    return LipschitzBound(value=value, method="spectral-norm", norm="l2", naive=value,
                          path="one-matrix chunk: largest singular value (LAPACK SVD)",
                          time=time.perf_counter() - t0)


def lipsdp_single(net: Network, method: str = "lipsdp-neuron", backend: str = "auto",
                  time_limit: float | None = None, n_pairs: int | None = None, seed: int | None = 0,
                  compress: bool = True, normalize: bool = True, dense_limit: int = 4000,
                  repair: bool = True, solve_options: dict | None = None,
                  form: str | None = None) -> LipschitzBound:
    """LipSDP on one (sub)network, certified; see the module docstring. `form` applies to
    lipsdp-neuron-chordal only (see `chordal.py`)."""
    t0 = time.perf_counter()
    if method == "lipsdp-neuron-chordal":
        from .chordal import lipsdp_chordal

        if n_pairs is not None:
            raise ValueError("n_pairs applies to method='lipsdp-network-rand' only")
        return lipsdp_chordal(net, backend, time_limit, compress=compress, normalize=normalize,
                              dense_limit=dense_limit, repair=repair, form=form or "explicit",
                              solve_options=solve_options)
    if method not in METHODS:
        raise ValueError(f"unknown LipSDP method {method!r}; choose one of "
                         f"{', '.join(METHODS + ('lipsdp-neuron-chordal',))}")
    if form is not None:
        raise ValueError("form applies to method='lipsdp-neuron-chordal' only")
    if len(net.weights) == 1:
        return _spectral_part(net.weights[0], t0)
    alpha, beta = neuron_slopes(net)
    Wc, compressed = compress_input(net.weights) if compress else ([np.asarray(W, float) for W in net.weights], False)
    # scale every W_k to unit spectral norm (exact: LipSDP is equivariant, see _unscale)
    normalize = normalize and not method.startswith("lipsdp-network")
    norms = np.array([float(np.linalg.norm(W, 2)) for W in Wc]) if normalize else np.ones(len(Wc))
    norms[norms == 0] = 1.0
    Ws = [W / c for W, c in zip(Wc, norms)]
    n0 = Ws[0].shape[1]
    N = alpha.size
    dim = n0 + N
    hidden = net.hidden

    last = Ws[-1].shape[1]
    F0 = sp.block_diag([sp.csr_matrix((dim - last, dim - last)), sp.csr_matrix(Ws[-1].T @ Ws[-1])], format="csr")
    E0 = sp.block_diag([sp.identity(n0), sp.csr_matrix((N, N))], format="csr")

    m = optlib.Model(method)
    rho = m.continuous(lb=0, name="rho")
    Fn = _neuron_matrices(Ws, alpha, beta)
    terms: list[tuple[Any, Any]] = [(rho, -E0)]
    pairs = None
    if method == "lipsdp-layer":
        bounds = np.concatenate([[0], np.cumsum(hidden)])
        Fl = [sp.csr_matrix(sum(Fn[bounds[k]:bounds[k + 1]], sp.csr_matrix((dim, dim)))) for k in range(len(hidden))]
        tau = m.continuous(len(hidden), lb=0, name="tau")
        terms.append((tau, Fl))
    else:
        lam = m.continuous(N, lb=0, name="lambda")
        terms.append((lam, Fn))
        if method.startswith("lipsdp-network"):
            pairs = coupling_pairs(alpha, beta, n_pairs if method == "lipsdp-network-rand" else None, seed)
            if len(pairs):
                zeta = m.continuous(len(pairs), lb=0, name="zeta")
                terms.append((zeta, _pair_matrices(Ws, alpha, beta, pairs)))
    m.add(optlib.lmi(F0, terms) << 0, name="lipsdp")
    m.minimize(rho)
    t_build = time.perf_counter() - t0
    res = m.solve(backend=backend, time_limit=time_limit, **{**OWN_CERTIFICATE, **(solve_options or {})})

    valid = not method.startswith("lipsdp-network")
    path = (f"optlib.lmi ({len(terms[1][1]) + (len(pairs) if pairs is not None else 0)} multipliers, "
            f"LMI order {dim}{f', input compressed {net.dims[0]}->{n0}' if compressed else ''}) "
            f"on {res.backend.name}: {res.status.name}; build {t_build:.2f} s, solve {res.timings.solve:.2f} s")
    if res.x is None:
        return unsolved_bound(net, method, res, path, t0, valid=valid)

    rho_val = float(res[rho])
    if method == "lipsdp-layer":
        lam_val = np.repeat(np.asarray(res[tau], dtype=float).reshape(-1), hidden)
    else:
        lam_val = np.asarray(res[lam], dtype=float).reshape(-1)
    zeta_val = None
    if pairs is not None and len(pairs):
        zeta_val = np.asarray(res[zeta], dtype=float).reshape(-1)
    rho_val, lam_val, zeta_val = _unscale(norms, hidden, rho_val, lam_val, zeta_val)
    cert, multipliers = certify_solution(net, Wc, compressed, N, alpha, beta, lam_val, rho_val, pairs,
                                         zeta_val, hidden, dense_limit, repair)
    if method == "lipsdp-layer":
        multipliers["tau"] = np.array([v[0] if v.size else 0.0 for v in multipliers["lambda"]])
    return certified_bound(net, method, cert, multipliers, path, t0, valid=valid, result_=res)


def certify_solution(net: Network, Wc: list[np.ndarray], compressed: bool, N: int, alpha: np.ndarray,
                     beta: np.ndarray, lam_val: np.ndarray, rho_val: float, pairs: Any, zeta_val: Any,
                     hidden: list[int], dense_limit: int, repair: bool) -> tuple[LMICertificate, dict[str, Any]]:
    """Certify a solver's (rho, lambda[, zeta]) on the full LipSDP-Neuron LMI M(rho, lambda) <= 0
    (original weights when n_0 + N <= dense_limit, else the compressed ones `Wc`) and split the
    certified multipliers per hidden layer."""
    cert_W = list(net.weights) if (net.dims[0] + N <= dense_limit) else Wc
    cert, mult = certify_lipsdp(cert_W, alpha, beta, lam_val, rho_val, pairs, zeta_val,
                                dense_limit=dense_limit, repair=repair)
    if cert_W is Wc and compressed:
        cert = LMICertificate(cert.verified, cert.max_eigenvalues, cert.repaired, cert.rho_solver,
                              cert.rho_certified, cert.rho_increase,
                              cert.message + "; checked on the compressed LMI (U S in place of W_0)")
    offs = np.concatenate([[0], np.cumsum(hidden)])
    multipliers: dict[str, Any] = {"rho": mult["rho"],
                                   "lambda": [mult["lambda"][offs[k]:offs[k + 1]] for k in range(len(hidden))]}
    if zeta_val is not None:
        multipliers["zeta"] = mult["zeta"]
        multipliers["pairs"] = pairs
    return cert, multipliers


def unsolved_bound(net: Network, method: str, res: optlib.Result, path: str, t0: float,
                   valid: bool = True) -> LipschitzBound:
    """The answer when the solver returned no point: the product of norms, labelled."""
    cert = LMICertificate(False, (), False, None, None, 0.0,
                          f"no solution from {res.backend.name} ({res.status.name}): {res.message}")
    return LipschitzBound(value=net.naive_bound(), method=f"{method} (no LMI solution: product of norms)",
                          norm="l2", valid=valid, certificate=cert, result_=res,
                          path=path + "; value falls back to the product of norms", time=time.perf_counter() - t0)


def certified_bound(net: Network, method: str, cert: LMICertificate, multipliers: dict[str, Any], path: str,
                    t0: float, valid: bool = True, result_: Any = None) -> LipschitzBound:
    """L = sqrt(rho_certified) when the LMI certificate holds, else the product of norms (labelled)."""
    if cert.verified:
        value, name = math.sqrt(max(cert.rho_certified, 0.0)), method
    else:
        value, name = net.naive_bound(), f"{method} (LMI not verified: product of norms)"
        path += "; the LMI could not be certified, value falls back to the product of norms"
    return LipschitzBound(value=value, method=name, norm="l2", valid=valid, certificate=cert,
                          multipliers=multipliers, result_=result_, path=path, time=time.perf_counter() - t0)


def _check_split(split: Any) -> int | None:
    if split is None:
        return None
    if isinstance(split, bool) or not isinstance(split, (int, np.integer)) or split < 1:
        raise ValueError(f"split must be a positive integer (matrices per subnetwork) or None, got {split!r}")
    return int(split)


def lipsdp_bound(net: Any, method: str = "lipsdp-neuron", backend: str = "auto", split: int | None = None,
                 activation: Any = "relu", time_limit: float | None = None, **options: Any) -> LipschitzBound:
    """LipSDP (neuron / layer / network / network-rand) l2 bound of `net`, optionally split
    into subnetworks of `split` weight matrices; `method` may also be
    'lipsdp-neuron-chordal' (`chordal.py`); options: n_pairs, seed, compress,
    dense_limit, repair, form (chordal only), solve_options (passed to Model.solve)."""
    net = as_network(net, activation)
    split = _check_split(split)
    neuron_slopes(net)   # raises for non-slope-restricted activations
    if split is None or split >= len(net.weights):
        return lipsdp_single(net, method, backend, time_limit, **options)
    t0 = time.perf_counter()
    parts: list[LipschitzBound] = []
    boundary = 1.0
    L = len(net.weights)
    for s in range(0, L, split):
        e = min(s + split, L)
        sub = Network(tuple(net.weights[s:e]), tuple(net.activations[s:e - 1]))
        parts.append(lipsdp_single(sub, method, backend, time_limit, **options))
        if e < L:
            act = net.activations[e - 1]
            boundary *= max(abs(act.alpha), abs(act.beta))
    value = math.prod(p.value for p in parts) * boundary
    certs = [p.certificate for p in parts if p.certificate is not None]
    solver_value = boundary * math.prod(
        p.value if p.certificate is None else math.sqrt(max(p.certificate.rho_solver or 0.0, 0.0)) for p in parts)
    cert = None if not certs else LMICertificate(
        verified=all(c.verified for c in certs),
        max_eigenvalues=tuple(v for c in certs for v in c.max_eigenvalues),
        repaired=any(c.repaired for c in certs),
        rho_solver=solver_value ** 2, rho_certified=value ** 2 if math.isfinite(value) else None,
        rho_increase=(value ** 2 - solver_value ** 2) if math.isfinite(value) else 0.0,
        message=f"{len(parts)} subnetworks; rho_* are squares of the products of the chunk bounds")
    path = (f"split into {len(parts)} subnetworks of <= {split} matrices; product of chunk bounds"
            + (f" x boundary slopes {boundary:g}" if boundary != 1.0 else ""))
    return LipschitzBound(value=value, method=method, norm="l2", valid=all(p.valid for p in parts),
                          certificate=cert, path=path, time=time.perf_counter() - t0, parts=tuple(parts))
