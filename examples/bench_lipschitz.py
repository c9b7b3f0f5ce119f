"""Lipschitz bounds side by side: methods of `problems.lipschitz` and the same LipSDP-Neuron
LMI written in CVXPY, on the shipped networks and random ReLU nets.

    python examples/bench_lipschitz.py [--widths 16,32,64] [--layers 2,4] [--json out.json]

For each network: naive, lipsdp-layer, lipsdp-neuron (optlib, Clarabel), the gradient
lower bound, the exact constant for 2-D-input nets (region enumeration), and CVXPY's
LipSDP-Neuron (Clarabel) with its time. optlib's values are certified (eigenvalue check
of the LMI at the returned multipliers); CVXPY's are reported as the solver gives them.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import scipy.sparse as sp

from optlib import datasets
from problems.lipschitz import as_network, lipschitz_bound
from problems.lipschitz.exact import exact_lipschitz_regions



def random_net(width: int, layers: int, n_in: int = 2, n_out: int = 2, seed: int = 0):
    rng = np.random.default_rng(seed)
    dims = [n_in] + [width] * layers + [n_out]
    return [rng.standard_normal((dims[i + 1], dims[i])) / np.sqrt(dims[i]) for i in range(len(dims) - 1)]


def cvxpy_neuron(weights: list[np.ndarray], solver: str = "CLARABEL") -> tuple[float, float]:
    """LipSDP-Neuron (ReLU) written directly in CVXPY; returns (L, seconds incl. compile)."""
    import cvxpy as cp

    n0 = weights[0].shape[1]
    hidden = [W.shape[0] for W in weights[:-1]]
    N = sum(hidden)
    A = sp.hstack([sp.block_diag(weights[:-1]), sp.csr_matrix((N, hidden[-1]))], format="csr")
    B = sp.hstack([sp.csr_matrix((N, n0)), sp.identity(N)], format="csr")
    dim = n0 + N
    F0 = np.zeros((dim, dim))
    F0[dim - hidden[-1]:, dim - hidden[-1]:] = weights[-1].T @ weights[-1]
    E0 = np.zeros((dim, dim))
    E0[:n0, :n0] = np.eye(n0)
    t0 = time.perf_counter()
    lam = cp.Variable(N, nonneg=True)
    rho = cp.Variable(nonneg=True)
    T = cp.diag(lam)
    M = A.T @ T @ B + B.T @ T @ A - 2 * (B.T @ T @ B) + F0 - rho * E0
    prob = cp.Problem(cp.Minimize(rho), [(M + M.T) / 2 << 0])
    prob.solve(solver=solver)
    return math.sqrt(max(float(rho.value), 0.0)), time.perf_counter() - t0


def networks(args):
    for key, name in datasets.NETWORKS.items():        # shipped with optlib (or $OPTLIB_DATA/networks)
        if key != "mnist" or args.mnist:
            yield name, as_network(str(datasets.network_path(key)))
    for layers in args.layers:
        for width in args.widths:
            yield f"random 2-{width}x{layers}-2", as_network(random_net(width, layers))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--widths", default="16,32,64")
    ap.add_argument("--layers", default="2,4")
    ap.add_argument("--mnist", action="store_true", help="include the 784-50-10 MNIST net (slow)")
    ap.add_argument("--json", default=None)
    ap.add_argument("--quick", action="store_true", help="a run of about a minute: one 2-16x2-2 net")
    args = ap.parse_args()
    if args.quick:                   # the quick settings as defaults: flags given explicitly still win
        ap.set_defaults(**{"widths": "16", "layers": "2"})
        args = ap.parse_args()
    args.widths = [int(w) for w in args.widths.split(",")]
    args.layers = [int(k) for k in args.layers.split(",")]
    rows = []
    print(f"{'network':<28} {'method':<16} {'bound':>10} {'time s':>8}  note", flush=True)
    for label, net in networks(args):
        for method in ("naive", "lipsdp-layer", "lipsdp-neuron"):
            t0 = time.perf_counter()
            b = lipschitz_bound(net, method=method, lower=(method == "lipsdp-neuron"))
            dt = time.perf_counter() - t0
            note = "verified" if b.verified else "NOT verified"
            if b.lower is not None:
                note += f", lower {b.lower:.4f}"
            rows.append({"network": label, "method": method, "bound": b.value, "time": dt,
                         "verified": b.verified, "lower": b.lower})
            print(f"{label:<28} {method:<16} {b.value:>10.4f} {dt:>8.2f}  {note}", flush=True)
        if net.dims[0] == 2 and sum(net.hidden) <= 200:
            t0 = time.perf_counter()
            ex = exact_lipschitz_regions(net)
            dt = time.perf_counter() - t0
            rows.append({"network": label, "method": "exact", "bound": ex.value, "time": dt,
                         "regions": ex.n_regions})
            print(f"{label:<28} {'exact':<16} {ex.value:>10.4f} {dt:>8.2f}  {ex.n_regions} regions", flush=True)
        try:
            L, dt = cvxpy_neuron(list(net.weights))
            rows.append({"network": label, "method": "cvxpy-neuron", "bound": L, "time": dt})
            print(f"{label:<28} {'cvxpy-neuron':<16} {L:>10.4f} {dt:>8.2f}  as reported (unchecked)", flush=True)
        except Exception as exc:  # report, keep going
            print(f"{label:<28} {'cvxpy-neuron':<16} {'-':>10} {'-':>8}  failed: {type(exc).__name__}", flush=True)
    if args.json:
        os.makedirs(os.path.dirname(args.json) or ".", exist_ok=True)
        with open(args.json, "w") as fh:
            json.dump({"command": " ".join(sys.argv), "rows": rows}, fh, indent=2)


if __name__ == "__main__":
    main()
