"""First-order LipSDP-Neuron: minimise the least feasible rho over the multipliers, in torch.

The scale path for networks with thousands of neurons, in the spirit of LipDiff (Wang,
Feng, Sun, Zhang, Yin, Fazlyab, "On the Scalability and Memory Efficiency of Semidefinite
Programs for Lipschitz Constant Estimation of Neural Networks", ICLR 2024: LipSDP as an
eigenvalue problem solved by a first-order method on GPU), written on the block structure
of LipSDP-Neuron (Fazlyab et al., NeurIPS 2019).

For fixed multipliers lambda >= 0 the LipSDP-Neuron matrix M(rho, lambda) (`lipsdp.py`) is
block tridiagonal over the states x_0..x_l and rho enters only through -rho I on the x_0
block, so the least feasible rho is a Schur complement eigenvalue

    rho*(lambda) = lambda_max(D_0 + C_0 (-S_1)^{-1} C_0^T),
    S_l = D_l,  S_k = D_k + C_k (-S_{k+1})^{-1} C_k^T  (k = l-1..1),  all S_k < 0,

with D_k the diagonal blocks of M(0, lambda) and C_k = W_k^T diag(lambda_{k+1} (a + b)) the
(x_k, x_{k+1}) blocks. rho*(lambda) is convex in lambda (a partial minimisation of a convex
feasibility set) and finite exactly where every S_k is negative definite, which acts as a
barrier. We minimise it over theta = log lambda by Adam with step halving whenever a
Cholesky factorisation of -S_k fails (the iterate stays strictly feasible), starting from
the anchor multipliers of `certify_lmi.anchor_multipliers`. One iteration costs l Cholesky
factorisations of order n_k and one eigenvalue problem of order n_0 (after the exact
input compression of `lipsdp.compress_input`), against an SDP of order n_0 + N for an
interior-point solver. Runs on CUDA when available (``device='auto'``) and on CPU otherwise.

Every iterate is a feasible point, so a stop at `max_iter` or `time_limit` still gives a
rigorous bound (not the LipSDP optimum, and the path says so). The final multipliers are
certified exactly like an SDP solver's answer: `certify_lmi.certify_lipsdp` rebuilds
M(rho, lambda) in scipy (float64) and checks its largest eigenvalue, raising rho if needed.
"""
from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from optlib import Deadline
from optlib.validate import check_positive

from .bound import LipschitzBound, certified_bound
from .certify_lmi import anchor_multipliers, certify_solution
from .lipsdp_matrices import compress_input, neuron_slopes, scale_weights, unscale
from .network import Network

METHOD = "lipsdp-neuron-fo"
DEVICES = ("auto", "cpu", "cuda")


def _torch() -> Any:
    try:
        import torch
    except ImportError as exc:
        raise ImportError(f"method {METHOD!r} needs torch: pip install torch  "
                          "(or pip install 'optlib[neural]')") from exc
    return torch


def pick_device(device: str) -> str:
    """'auto' -> 'cuda' when torch sees a GPU, else 'cpu'; an explicit 'cuda' must exist."""
    if device not in DEVICES:
        raise ValueError(f"device must be one of {', '.join(DEVICES)}, got {device!r}")
    torch = _torch()
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' requested but torch sees no CUDA device; use device='auto' or 'cpu'")
    return device


def least_rho(Ws: Sequence[Any], ab: Sequence[Any], sm: Sequence[Any], lam: Sequence[Any]) -> Any:
    """rho*(lambda) by the backward Schur recursion (torch tensors); None when some S_k is
    not negative definite. Ws[k] = W_k (n_{k+1} x n_k); ab, sm, lam per hidden layer k = 1..l
    (index k - 1): alpha*beta, alpha+beta and the multipliers."""
    import torch

    l = len(Ws) - 1
    S = Ws[l].T @ Ws[l] - 2.0 * torch.diag(lam[l - 1])
    for k in range(l - 1, -1, -1):
        C = Ws[k].T * (lam[k] * sm[k])                      # (x_k, x_{k+1}) block, n_k x n_{k+1}
        L, info = torch.linalg.cholesky_ex(-S)
        if int(info) != 0:
            return None
        Y = torch.linalg.solve_triangular(L, C.T, upper=False)   # L^{-1} C^T
        D = -2.0 * (Ws[k].T * (lam[k] * ab[k])) @ Ws[k]
        if k > 0:
            D = D - 2.0 * torch.diag(lam[k - 1])
        S = D + Y.T @ Y
    S = 0.5 * (S + S.T)
    if not bool(torch.isfinite(S).all()):
        return None
    try:
        return torch.linalg.eigvalsh(S)[-1]
    except RuntimeError:          # torch.linalg.LinAlgError: treated like an infeasible point
        return None


def lipsdp_first_order(net: Network, time_limit: float | Deadline | None = None, device: str = "auto",
                       max_iter: int = 10000, lr: float = 0.1, tol: float = 1e-6, patience: int = 200,
                       compress: bool = True, dense_limit: int = 4000, repair: bool = True,
                       dtype: str = "float64") -> LipschitzBound:
    """LipSDP-Neuron by first-order minimisation of rho*(lambda) (module docstring), certified.

    Stops after `max_iter` iterations, at `time_limit` seconds, or when the best rho has not
    improved by a relative `tol` for `patience` iterations at lr / 100 (each such plateau at
    a larger step restarts from the best point with a 10x smaller step). `dtype` is the torch dtype of
    the iterations ('float64' or 'float32'); the certificate is always computed in float64.
    `time_limit` may be an optlib.Deadline shared with the caller. The answer has no dual
    bound (bound = -inf), so its status is FEASIBLE at best: a certified upper bound whose
    distance to the LipSDP optimum is not proven.
    """
    t0 = time.perf_counter()
    check_positive(max_iter, "max_iter", integer=True)
    check_positive(patience, "patience", integer=True)
    check_positive(lr, "lr")
    check_positive(tol, "tol")
    if not isinstance(time_limit, Deadline):
        check_positive(time_limit, "time_limit", allow_none=True)
    deadline = Deadline.of(time_limit)
    if dtype not in ("float64", "float32"):
        raise ValueError(f"dtype must be 'float64' or 'float32', got {dtype!r}")
    dev = pick_device(device)
    torch = _torch()
    tdt = getattr(torch, dtype)

    alpha, beta = neuron_slopes(net)
    Wc, compressed = compress_input(net.weights) if compress else ([np.asarray(W, float) for W in net.weights], False)
    Wn, norms = scale_weights(Wc)
    hidden = list(net.hidden)
    offs = np.concatenate([[0], np.cumsum(hidden)]).astype(int)
    N = int(offs[-1])

    def per_layer(v: np.ndarray) -> list[Any]:
        return [torch.as_tensor(v[offs[k]:offs[k + 1]], dtype=tdt, device=dev) for k in range(len(hidden))]

    Ws = [torch.as_tensor(W, dtype=tdt, device=dev) for W in Wn]
    ab, sm = per_layer(alpha * beta), per_layer(alpha + beta)
    lam0 = anchor_multipliers(Wn, alpha, beta)
    theta = torch.as_tensor(np.log(lam0), dtype=tdt, device=dev)

    def value(th: Any, grad: bool) -> tuple[float, Any]:
        th = th.detach().requires_grad_(grad)
        lam = [torch.exp(th[offs[k]:offs[k + 1]]) for k in range(len(hidden))]
        r = least_rho(Ws, ab, sm, lam)
        if r is None or not bool(torch.isfinite(r)):
            return math.inf, None
        if grad:
            r.backward()
            return float(r.detach()), th.grad.detach()
        return float(r.detach()), None

    f, g = value(theta, True)
    if not math.isfinite(f):  # pragma: no cover - the anchor is negative definite by construction
        raise RuntimeError("the anchor multipliers are not strictly feasible; use method='lipsdp-neuron'")
    best_f, best_theta = f, theta.clone()
    m = torch.zeros_like(theta)
    v = torch.zeros_like(theta)
    b1, b2, eps = 0.9, 0.999, 1e-12
    history = [f]
    stop, it, since_best, halvings, lr_drops = "max_iter", 0, 0, 0, 0
    for it in range(1, max_iter + 1):
        if deadline.expired():
            stop = "time_limit"
            break
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        step = lr * (m / (1 - b1 ** it)) / (torch.sqrt(v / (1 - b2 ** it)) + eps)
        for _ in range(40):                       # halve until every S_k stays negative definite
            f_new, g_new = value(theta - step, True)
            if math.isfinite(f_new):
                break
            step = 0.5 * step
            halvings += 1
        else:
            stop = "no feasible step"
            break
        theta, f, g = theta - step, f_new, g_new
        history.append(f)
        if f < best_f * (1.0 - tol):
            best_f, best_theta, since_best = f, theta.clone(), 0
        else:
            best_f, best_theta = (f, theta.clone()) if f < best_f else (best_f, best_theta)
            since_best += 1
            if since_best >= patience:           # plateau: refine with a 10x smaller step, twice
                if lr_drops == 2:
                    stop = "converged"
                    break
                lr, lr_drops, since_best = lr / 10.0, lr_drops + 1, 0
                theta, f, g = best_theta.clone(), *value(best_theta, True)
    t_solve = time.perf_counter() - t0

    lam_best = np.exp(best_theta.detach().cpu().numpy().astype(float))
    # rho*(lambda) makes M(rho*, lambda) singular; hand over a point 1e-6 (relative) inside
    # so that the certificate's strict test passes without a repair loop
    rho_val, lam_val, _ = unscale(norms, hidden, float(best_f) * (1.0 + 1e-6), lam_best, None)
    t_cert = time.perf_counter()
    cert, multipliers = certify_solution(net, Wc, compressed, N, alpha, beta, lam_val, rho_val, None, None,
                                         hidden, dense_limit, repair)
    t_cert = time.perf_counter() - t_cert
    stopped = {"max_iter": f"stopped at max_iter={max_iter} (not converged: a valid bound above the LipSDP optimum)",
               "time_limit": f"stopped at the time limit {deadline.time_limit:g} s (a valid bound above the "
                             "LipSDP optimum)" if deadline.limited else "",
               "converged": f"converged (no relative improvement > {tol:g} in {patience} iterations at lr/100)",
               "no feasible step": "stopped: no feasible step after 40 halvings"}[stop]
    path = (f"first-order LipSDP-Neuron (Adam on log multipliers, Schur recursion over {len(hidden)} hidden "
            f"layers, {dtype} on {dev}{f', input compressed {net.dims[0]}->{Wc[0].shape[1]}' if compressed else ''}): "
            f"{it} iterations, {halvings} step halvings, {stopped}; {t_solve:.2f} s, certificate {t_cert:.2f} s")
    multipliers["history"] = np.sqrt(np.maximum(np.array(history), 0.0) * float(np.prod(norms) ** 2))
    limit = {"time_limit": "time_limit", "max_iter": "iteration_limit"}.get(stop)
    return certified_bound(net, METHOD, cert, multipliers, path, t0, limit_reached=limit,
                           stage_times={"solve": t_solve, "certify": t_cert})
