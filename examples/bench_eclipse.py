"""ECLipsE / ECLipsE-Fast side by side with LipSDP-Neuron and the product of norms.

Random nets as in the ECLipsE paper (Xu and Sivaranjani, NeurIPS 2024): input 4, output 1,
`layers` weight matrices with `width` neurons between them, each W_k ~ N(0, 1) rescaled to a
spectral norm drawn uniformly from [0.4, 1.8] (seed from layers and width), ReLU. Every optlib
value is certified (eclipse: clique by clique; lipsdp-neuron: the full LMI).

    python examples/bench_eclipse.py --quick
    python examples/bench_eclipse.py --layers 10,30,100 --widths 80 --neuron-max 200
    python examples/bench_eclipse.py --layers 5,10 --widths 20 --theirs /tmp/theirs/src

`--theirs DIR`: a checkout of the authors' Python package (github YuezhuXu/ECLipsE, its `src`
folder, never part of optlib) to run their ECLipsE / ECLipsE-Fast on the same nets (needs
torch and cvxpy); their values are what their code prints (not certified here).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from problems.lipschitz import lipschitz_bound  # noqa: E402
from problems.lipschitz.network import from_weights  # noqa: E402


def random_net(layers: int, width: int, n_in: int = 4, n_out: int = 1) -> list[np.ndarray]:
    """`layers` weight matrices n_in -> width -> ... -> width -> n_out, norms uniform in [0.4, 1.8]."""
    rng = np.random.default_rng(1000 * layers + width)
    dims = [n_in] + [width] * (layers - 1) + [n_out]
    out = []
    for a, b in zip(dims[:-1], dims[1:]):
        W = rng.standard_normal((b, a))
        out.append(rng.uniform(0.4, 1.8) * W / np.linalg.norm(W, 2))
    return out


def theirs(src: str, Ws: list[np.ndarray], fast: bool, solver: str | None = None) -> tuple[float, float]:
    """(value, seconds) of the authors' code on the same weights (ReLU: slopes [0, 1]); nan when
    their code reports a numerical failure (exit code 1). `solver`: a CVXPY solver name to use
    in place of their hard-coded SCS (eps 1e-6) for the layer SDPs."""
    sys.path.insert(0, src)
    import cvxpy as cp
    import torch
    from eclipse_nn.eclipsE import ECLipsE
    from eclipse_nn.eclipsE_fast import ECLipsE_Fast

    T = [torch.tensor(W, dtype=torch.float64) for W in Ws]
    a, b = [0.0] * (len(Ws) - 1), [1.0] * (len(Ws) - 1)
    t = time.perf_counter()
    if fast:
        v = ECLipsE_Fast(T, a, b)
    else:
        solve = cp.Problem.solve
        if solver:
            cp.Problem.solve = lambda self, *p, **k: solve(self, solver=solver)
        try:
            v, code = ECLipsE(T, a, b)
        finally:
            cp.Problem.solve = solve
        if code or v is None:
            return math.nan, time.perf_counter() - t
    return float(v), time.perf_counter() - t


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--layers", default="10,30,100", help="comma-separated numbers of weight matrices")
    ap.add_argument("--widths", default="80", help="comma-separated widths")
    ap.add_argument("--neuron-max", type=int, default=200, help="run lipsdp-neuron up to this many hidden neurons")
    ap.add_argument("--limit", type=float, default=600.0, help="time limit (s) per lipsdp-neuron solve")
    ap.add_argument("--theirs", default=None, help="path of the authors' src folder (outside optlib)")
    ap.add_argument("--theirs-max-layers", type=int, default=10, help="run their ECLipsE (SDP) up to this depth")
    ap.add_argument("--their-solver", default=None, help="CVXPY solver for their layer SDPs (default: their SCS)")
    ap.add_argument("--quick", action="store_true", help="small nets only (seconds)")
    ap.add_argument("--json", default=None, help="write the rows as JSON here")
    args = ap.parse_args(argv)
    layers = [3, 6] if args.quick else [int(v) for v in args.layers.split(",")]
    widths = [8] if args.quick else [int(v) for v in args.widths.split(",")]
    rows = []
    print("| net | naive | eclipse-fast | eclipse | lipsdp-neuron | their fast | their eclipse |")
    print("|---|---|---|---|---|---|---|")
    for L in layers:
        for w in widths:
            Ws = random_net(L, w)
            net = from_weights(Ws, "relu")
            row: dict = {"layers": L, "width": w, "neurons": sum(net.hidden), "naive": net.naive_bound()}
            for m in ("eclipse-fast", "eclipse"):
                b = lipschitz_bound(net, m, lower=False)
                row[m] = (b.value, b.time, b.verified)
            if sum(net.hidden) <= args.neuron_max:
                b = lipschitz_bound(net, "lipsdp-neuron", lower=False, time_limit=args.limit)
                row["lipsdp-neuron"] = (b.value, b.time, b.verified)
            if args.theirs:
                row["their fast"] = theirs(args.theirs, Ws, True)
                if L <= args.theirs_max_layers:
                    row["their eclipse"] = theirs(args.theirs, Ws, False, args.their_solver)

            def cell(key: str) -> str:
                if key not in row:
                    return "-"
                v, t, *ok = row[key]
                return f"{v:.6g} ({t:.2f} s{'' if not ok or ok[0] else ', NOT verified'})"

            print(f"| {L} x {w} | {row['naive']:.6g} | " + " | ".join(
                cell(k) for k in ("eclipse-fast", "eclipse", "lipsdp-neuron", "their fast", "their eclipse")) + " |",
                flush=True)
            rows.append(row)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return rows


if __name__ == "__main__":
    main()
