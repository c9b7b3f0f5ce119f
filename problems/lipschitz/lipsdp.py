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
(`lipsdp_matrices.unscale`; LipSDP is equivariant under layer scaling because the slope class is closed
under phi(c z) / c). This is exact and keeps rho and the multipliers near 1, which matters
for first-order solvers: SCS at its default tolerances stops at rho = 1137 on the unscaled
LMI of the LipSDP random net (optimum 1331) but within 0.03 % on the scaled one. The
network methods are solved unscaled (a pair across layers does not map to a pair).

Every answer is certified by `certify_lmi.certify_lipsdp`: the LMI is rebuilt from the
returned multipliers (mapped back to the original weights) in scipy, its largest
eigenvalue is checked and rho is raised if needed; the reported value is
sqrt(rho_certified). If no certificate can be produced (or the solver returned no point)
the value falls back to the product of norms and the method name says so. The answer's
`bound` is optlib's certified dual bound on rho* mapped back the same way, sqrt(P^2 bound),
a lower bound on this formulation's optimum (see `bound.py` for the answer protocol).

The matrices, slopes, compression and scaling live in `lipsdp_matrices.py` and the answer
constructors in `bound.py` / `certify_lmi.py`, shared with `chordal.py` and `firstorder.py`.
"""
from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import scipy.sparse as sp

import optlib
from optlib import Deadline

from .bound import (LipschitzBound, LMICertificate, certified_bound, naive_part, sdp_lower_bound, spectral_part,
                    unsolved_bound)
from .certify_lmi import OWN_CERTIFICATE, certify_solution
from .chordal import lipsdp_chordal
from .lipsdp_matrices import (MAX_PAIRS, compress_input, coupling_pairs, neuron_matrices, neuron_slopes,
                              pair_matrices, rho_scale, scale_weights, unscale)
from .network import Network, as_network
from .options import merge_solve_options as _merge_options

METHODS = ("lipsdp-neuron", "lipsdp-layer", "lipsdp-network", "lipsdp-network-rand")
__all__ = ["METHODS", "MAX_PAIRS", "lipsdp_bound", "lipsdp_single", "neuron_slopes", "compress_input",
           "coupling_pairs", "certify_solution", "certified_bound", "unsolved_bound"]


def lipsdp_single(net: Network, method: str = "lipsdp-neuron", backend: str = "auto",
                  time_limit: float | Deadline | None = None, n_pairs: int | None = None, seed: int | None = 0,
                  compress: bool = True, normalize: bool = True, dense_limit: int = 4000,
                  repair: bool = True, options: dict | None = None,
                  form: str | None = None, solve_options: dict | None = None) -> LipschitzBound:
    """LipSDP on one (sub)network, certified; see the module docstring. `form` applies to
    lipsdp-neuron-chordal only (see `chordal.py`); `options` go to Model.solve
    (`solve_options` is its deprecated name); `time_limit` may be an optlib.Deadline."""
    t0 = time.perf_counter()
    options = _merge_options(options, solve_options, where="lipsdp_single")
    if method == "lipsdp-neuron-chordal":
        if n_pairs is not None:
            raise ValueError("n_pairs applies to method='lipsdp-network-rand' only")
        return lipsdp_chordal(net, backend, time_limit, compress=compress, normalize=normalize,
                              dense_limit=dense_limit, repair=repair, form=form or "explicit",
                              options=options)
    if method not in METHODS:
        raise ValueError(f"unknown LipSDP method {method!r}; choose one of "
                         f"{', '.join(METHODS + ('lipsdp-neuron-chordal',))}")
    if form is not None:
        raise ValueError("form applies to method='lipsdp-neuron-chordal' only")
    if len(net.weights) == 1:
        return spectral_part(net.weights[0], t0)
    deadline = Deadline.of(time_limit)
    alpha, beta = neuron_slopes(net)
    Wc, compressed = compress_input(net.weights) if compress else ([np.asarray(W, float) for W in net.weights], False)
    # scale every W_k to unit spectral norm (exact: LipSDP is equivariant, see unscale)
    normalize = normalize and not method.startswith("lipsdp-network")
    Ws, norms = scale_weights(Wc, normalize)
    n0 = Ws[0].shape[1]
    N = alpha.size
    dim = n0 + N
    hidden = net.hidden

    last = Ws[-1].shape[1]
    F0 = sp.block_diag([sp.csr_matrix((dim - last, dim - last)), sp.csr_matrix(Ws[-1].T @ Ws[-1])], format="csr")
    E0 = sp.block_diag([sp.identity(n0), sp.csr_matrix((N, N))], format="csr")

    m = optlib.Model(method)
    rho = m.continuous(lb=0, name="rho")
    Fn = neuron_matrices(Ws, alpha, beta)
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
                terms.append((zeta, pair_matrices(Ws, alpha, beta, pairs)))
    m.add(optlib.lmi(F0, terms) << 0, name="lipsdp")
    m.minimize(rho)
    t_build = time.perf_counter() - t0
    valid = not method.startswith("lipsdp-network")
    if deadline.expired():
        return naive_part(net, method, "time limit reached before the solve", t0, limit_reached="time_limit",
                          valid=valid)
    t1 = time.perf_counter()
    res = m.solve(backend=backend, time_limit=deadline.left(), **{**OWN_CERTIFICATE, **options})
    t_solve = time.perf_counter() - t1
    bound = sdp_lower_bound(res, rho_scale(norms))

    path = (f"optlib.lmi ({len(terms[1][1]) + (len(pairs) if pairs is not None else 0)} multipliers, "
            f"LMI order {dim}{f', input compressed {net.dims[0]}->{n0}' if compressed else ''}) "
            f"on {res.backend.name}: {res.status.name}; build {t_build:.2f} s, solve {res.timings.solve:.2f} s")
    if res.x is None:
        return unsolved_bound(net, method, res, path, t0, valid=valid, bound=bound,
                              stage_times={"build": t_build, "solve": t_solve})

    rho_val = float(res[rho])
    if method == "lipsdp-layer":
        lam_val = np.repeat(np.asarray(res[tau], dtype=float).reshape(-1), hidden)
    else:
        lam_val = np.asarray(res[lam], dtype=float).reshape(-1)
    zeta_val = None
    if pairs is not None and len(pairs):
        zeta_val = np.asarray(res[zeta], dtype=float).reshape(-1)
    rho_val, lam_val, zeta_val = unscale(norms, hidden, rho_val, lam_val, zeta_val)
    t2 = time.perf_counter()
    cert, multipliers = certify_solution(net, Wc, compressed, N, alpha, beta, lam_val, rho_val, pairs,
                                         zeta_val, hidden, dense_limit, repair)
    if method == "lipsdp-layer":
        multipliers["tau"] = np.array([v[0] if v.size else 0.0 for v in multipliers["lambda"]])
    return certified_bound(net, method, cert, multipliers, path, t0, valid=valid, result_=res, bound=bound,
                           stage_times={"build": t_build, "solve": t_solve, "certify": time.perf_counter() - t2})


def check_split(split: Any) -> int | None:
    if split is None:
        return None
    if isinstance(split, bool) or not isinstance(split, (int, np.integer)) or split < 1:
        raise ValueError(f"split must be a positive integer (matrices per subnetwork) or None, got {split!r}")
    return int(split)



def lipsdp_bound(net: Any, method: str = "lipsdp-neuron", backend: str = "auto", split: int | None = None,
                 activation: Any = "relu", time_limit: float | Deadline | None = None,
                 options: dict | None = None, **method_options: Any) -> LipschitzBound:
    """LipSDP (neuron / layer / network / network-rand) l2 bound of `net`, optionally split
    into subnetworks of `split` weight matrices (bound = product of the chunk bounds times the
    boundary slopes); `method` may also be 'lipsdp-neuron-chordal' (`chordal.py`).
    `method_options`: n_pairs, seed, compress, normalize, dense_limit, repair, form (chordal
    only); `options` go to Model.solve (`solve_options` is its deprecated name). With a
    time limit the chunks that need a solve share what is left equally; a chunk reached
    after the limit gets its product of norms (labelled, status NO_SOLUTION)."""
    options = _merge_options(options, method_options.pop("solve_options", None), where="lipsdp_bound")
    net = as_network(net, activation)
    split = check_split(split)
    neuron_slopes(net)   # raises for non-slope-restricted activations
    deadline = Deadline.of(time_limit)
    if split is None or split >= len(net.weights):
        return lipsdp_single(net, method, backend, deadline, options=options, **method_options)
    t0 = time.perf_counter()
    parts: list[LipschitzBound] = []
    boundary = 1.0
    L = len(net.weights)
    chunks = [(s, min(s + split, L)) for s in range(0, L, split)]
    to_solve = sum(1 for s, e in chunks if e - s > 1)
    for s, e in chunks:
        sub = Network(tuple(net.weights[s:e]), tuple(net.activations[s:e - 1]))
        if e - s == 1:
            parts.append(lipsdp_single(sub, method, backend, None, options=options, **method_options))
        elif deadline.expired():
            parts.append(naive_part(sub, method, "time limit reached before this subnetwork", time.perf_counter(),
                                    limit_reached="time_limit", valid=not method.startswith("lipsdp-network")))
        else:
            share = deadline.left(fraction=1.0 / to_solve)
            parts.append(lipsdp_single(sub, method, backend, share, options=options, **method_options))
        to_solve -= e - s > 1
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
    # the split formulation's optimum is the product of the chunk optima: bounded below by the
    # product of their (non-negative) lower bounds
    bound = boundary * math.prod(p.bound for p in parts) if all(math.isfinite(p.bound) for p in parts) else -math.inf
    failed = [p.status for p in parts if not p.status.has_solution]
    stages: dict[str, float] = {}
    for p in parts:
        for k, v in p.stage_times.items():
            stages[k] = stages.get(k, 0.0) + v
    return LipschitzBound(value=value, method=method, norm="l2", valid=all(p.valid for p in parts),
                          certificate=cert, path=path, time=time.perf_counter() - t0, parts=tuple(parts),
                          bound=bound, status=failed[0] if failed else None, stage_times=stages)
