"""MaxMin networks: the ICLR 2024 quadratic constraints against LipSDP on the residual-ReLU rewrite.

    python examples/bench_lipschitz_maxmin.py [--depths 2,4] [--widths 8,32] [--json out.json]

A MaxMin net f = W_L mm(W_{L-1} ... mm(W_0 u)) with square weights (orthogonal, where the
true constant is 1, or Gaussian N(0, 1/n)). mm sorts each pair (a, b) into (min, max) =
(b - relu(b - a), b + relu(a - b)), so the same function is a residual ReLU network
x_{k+1} = (W_{k+1} D) x_k + (W_{k+1} H) relu(R x_k): LipSDP with the slope-restricted ReLU
constraint can only bound that rewrite, while `lipsdp-nsr` uses the MaxMin constraint of
Pauli et al. (ICLR 2024). Both are solved by optlib (Clarabel) and certified; the lower
bound is the largest input-gradient norm found (`gradient_lower_bound`).

A study no suite covers (MaxMin nets); the shared comparison of the LipSDP variants with the
exact constant is the `lipschitz` suite: `optlib bench lipschitz` or `python examples/bench_lipschitz.py`.
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np

from problems.lipschitz import from_weights, gradient_lower_bound, lipschitz_bound
from problems.lipschitz.grouped import ResidualNetwork


def weights(kind: str, n: int, depth: int, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    if kind == "orthogonal":
        return [np.linalg.qr(rng.standard_normal((n, n)))[0] for _ in range(depth + 1)]
    return [rng.standard_normal((n, n)) / np.sqrt(n) for _ in range(depth + 1)]


def relu_rewrite(Ws: list[np.ndarray]) -> ResidualNetwork:
    """The MaxMin net with weights Ws as a residual ReLU network (same function)."""
    n = Ws[0].shape[0]
    R = np.kron(np.eye(n // 2), [[-1.0, 1.0], [1.0, -1.0]])
    H = np.kron(np.eye(n // 2), np.diag([-1.0, 1.0]))
    D = np.kron(np.eye(n // 2), [[0.0, 1.0], [0.0, 1.0]])
    nxt = Ws[1:-1] + [np.eye(n)]                 # the last MaxMin is followed by C = W_L
    return ResidualNetwork([(R, W @ H) for W in nxt], "relu", input_weight=Ws[0], output_weight=Ws[-1],
                           skips=[W @ D for W in nxt])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--depths", default="2,4", help="number of MaxMin layers")
    ap.add_argument("--widths", default="8,32")
    ap.add_argument("--json", default=None)
    ap.add_argument("--quick", action="store_true", help="a run of about a minute: depth 2, width 8")
    a = ap.parse_args()
    if a.quick:                   # the quick settings as defaults: flags given explicitly still win
        ap.set_defaults(**{"depths": "2", "widths": "8"})
        a = ap.parse_args()
    rows = []
    print(f"{'net':<26} {'naive':>8} {'relu-rewrite':>13} {'lipsdp-nsr':>11} {'lower':>8} {'t nsr s':>8} {'t rw s':>7}")
    for kind in ("orthogonal", "gaussian"):
        for depth in map(int, a.depths.split(",")):
            for n in map(int, a.widths.split(",")):
                Ws = weights(kind, n, depth)
                net = from_weights(Ws, "maxmin")
                t0 = time.perf_counter()
                nsr = lipschitz_bound(net, "lipsdp-nsr", lower=False)
                t_nsr = time.perf_counter() - t0
                rw_net = relu_rewrite(Ws)
                x = np.random.default_rng(1).standard_normal((20, n))
                assert np.allclose(rw_net.forward(x), net.forward(x)), "the rewrite must be the same function"
                t0 = time.perf_counter()
                rw = lipschitz_bound(rw_net, "lipsdp-nsr", lower=False)
                t_rw = time.perf_counter() - t0
                low = float(gradient_lower_bound(net))
                label = f"{kind} {depth}x{n}"
                row = {"net": label, "naive": net.naive_bound(), "relu_rewrite": rw.value,
                       "relu_rewrite_verified": rw.verified, "lipsdp_nsr": nsr.value, "nsr_verified": nsr.verified,
                       "lower": low, "time_nsr": t_nsr, "time_rewrite": t_rw}
                rows.append(row)
                print(f"{label:<26} {row['naive']:>8.4f} {rw.value:>13.4f} {nsr.value:>11.4f} {low:>8.4f} "
                      f"{t_nsr:>8.2f} {t_rw:>7.2f}" + ("" if nsr.verified and rw.verified else "  NOT verified"),
                      flush=True)
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(rows, fh, indent=2)


if __name__ == "__main__":
    main()
