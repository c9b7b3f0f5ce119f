"""LipSDP-Neuron at scale: the first-order path against the SDP solvers and CVXPY, side by side.

    python examples/bench_lipschitz_scale.py --layers 2,4,8 --widths 64,256,1024 \
        --methods fo,neuron-scs,cvxpy-scs --limit 300 [--out results.jsonl]
    python examples/bench_lipschitz_scale.py --nets shipped --methods fo,neuron-clarabel

Networks: random ReLU nets 10-w-...-w-10 (`layers` hidden layers of width w, weights
N(0, 1/fan_in), seed 0) and, with `--nets shipped`, the two LipSDP networks. Methods:
``fo`` (lipsdp-neuron-fo on CUDA when torch sees one, else CPU), ``fo-cpu``,
``neuron-scs`` / ``neuron-clarabel`` (lipsdp-neuron through optlib), ``chordal-scs``
(lipsdp-neuron-chordal) and ``cvxpy-scs`` / ``cvxpy-clarabel`` (the same LMI written in
CVXPY, value as the solver reports it, unchecked). Each run is its own process with a wall
clock cap of limit + 120 s; optlib's runs get `time_limit=limit` and report what they
reached (a certified bound even when stopped early). One JSON line per run.

A study no suite covers (widths and depths of your choice, CUDA, CVXPY side by side, each run capped
in its own process); the `lipschitz` suite's paper set runs a fixed part of it (10-64x2-10,
10-100x3-10, 10-64x8-10 with lipsdp-neuron, -chordal and -fo on CPU) with tidy records:
`optlib bench lipschitz --suite paper`.
"""
from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

DATA: str | None = None          # --data: a folder laid out like $OPTLIB_DATA (networks/*.mat)
METHODS = {"fo": ("lipsdp-neuron-fo", {"device": "auto"}), "fo-cpu": ("lipsdp-neuron-fo", {"device": "cpu"}),
           "neuron-scs": ("lipsdp-neuron", {"backend": "scs"}),
           "neuron-clarabel": ("lipsdp-neuron", {"backend": "clarabel"}),
           "chordal-scs": ("lipsdp-neuron-chordal", {"backend": "scs"})}


def random_net(width: int, layers: int, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    dims = [10] + [width] * layers + [10]
    return [rng.standard_normal((dims[i + 1], dims[i])) / np.sqrt(dims[i]) for i in range(len(dims) - 1)]


def load(name: str):
    from problems.lipschitz import as_network

    if name.endswith(".mat"):
        from optlib import datasets

        return as_network(str(datasets.data_path(f"networks/{name}", DATA)))
    layers, width = (int(v) for v in name.split("x"))
    return as_network(random_net(width, layers))


def one(name: str, method: str, limit: float) -> dict:
    net = load(name)
    row = {"net": name, "dims": list(net.dims), "neurons": int(sum(net.hidden)), "method": method}
    t0 = time.perf_counter()
    if method.startswith("cvxpy-"):
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from bench_lipschitz import cvxpy_neuron

        L, _ = cvxpy_neuron(list(net.weights), solver=method.split("-", 1)[1].upper())
        row.update(value=L, verified=None, note="as reported by the solver (unchecked)")
    else:
        from problems.lipschitz import lipschitz_bound

        m, opts = METHODS[method]
        b = lipschitz_bound(net, m, lower=False, time_limit=limit, **opts)
        c = b.certificate
        row.update(value=b.value, verified=b.verified, repaired=None if c is None else c.repaired,
                   value_solver=None if c is None or not c.rho_solver else math.sqrt(max(c.rho_solver, 0.0)),
                   status=None if b.result_ is None else b.result_.status.name, path=b.path)
    row["time_s"] = time.perf_counter() - t0
    return row


def main() -> None:
    global DATA
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layers", default="2,4,8")
    ap.add_argument("--widths", default="64,256,1024")
    ap.add_argument("--nets", default="random", help="random, shipped, or random,shipped")
    ap.add_argument("--methods", default="fo,neuron-scs,cvxpy-scs")
    ap.add_argument("--limit", type=float, default=300.0)
    ap.add_argument("--max-cvxpy-neurons", type=int, default=600,
                    help="skip CVXPY above this many neurons (it needs > 16 GB at 900, see docs/studies.md)")
    ap.add_argument("--out", default=None)
    ap.add_argument("--data", default=None,
                    help="a folder holding networks/*.mat (default: $OPTLIB_DATA, then the copies shipped with optlib)")
    ap.add_argument("--one", nargs=2, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true", help="a run of about a minute: one 2 x 32 net, SCS and CVXPY, 60 s limit")
    a = ap.parse_args()
    if a.quick:                   # the quick settings as defaults: flags given explicitly still win
        ap.set_defaults(**{"layers": "2", "widths": "32", "limit": 60.0, "methods": "neuron-scs,cvxpy-scs"})
        a = ap.parse_args()
    if any(m.startswith("fo") for m in a.methods.split(",")):
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from _requires import require

        require("torch", why="the first-order methods fo / fo-cpu")
    DATA = a.data
    if a.one:
        print(json.dumps(one(a.one[0], a.one[1], a.limit)), flush=True)
        return
    names = []
    if "shipped" in a.nets:
        names += ["lipsdp_random_weights.mat", "lipsdp_mnist_weights.mat"]
    if "random" in a.nets:
        names += [f"{k}x{w}" for k in map(int, a.layers.split(",")) for w in map(int, a.widths.split(","))]
    methods = a.methods.split(",")
    for m in methods:
        if m not in METHODS and m not in ("cvxpy-scs", "cvxpy-clarabel"):
            raise SystemExit(f"unknown method {m!r}; choose from {', '.join(list(METHODS) + ['cvxpy-scs', 'cvxpy-clarabel'])}")
    print(f"{'net':<26} {'method':<16} {'bound':>10} {'time s':>8}  note", flush=True)
    for name in names:
        for m in methods:
            neurons = sum(load(name).hidden)
            if m.startswith("cvxpy-") and neurons > a.max_cvxpy_neurons:
                row = {"net": name, "method": m, "skipped": f"{neurons} neurons > --max-cvxpy-neurons"}
            else:
                cmd = [sys.executable, __file__, "--limit", str(a.limit), "--one", name, m] + (["--data", DATA] if DATA else [])
                t0 = time.perf_counter()
                try:
                    p = subprocess.run(cmd, capture_output=True, text=True, timeout=a.limit + 120)
                    out = p.stdout.strip().splitlines()
                    row = json.loads(out[-1]) if p.returncode == 0 and out else {
                        "net": name, "method": m, "error": f"rc {p.returncode}: {p.stderr.strip()[-300:]}",
                        "time_s": time.perf_counter() - t0}
                except subprocess.TimeoutExpired:
                    row = {"net": name, "method": m, "error": f"killed after {a.limit + 120:.0f} s",
                           "time_s": time.perf_counter() - t0}
            note = row.get("skipped") or row.get("error") or (
                "verified" if row.get("verified") else row.get("note", "NOT verified"))
            if row.get("path") and "stopped at the time limit" in row["path"]:
                note += " (stopped at the time limit)"
            if row.get("status") and row["status"] != "OPTIMAL":
                note += f" ({row['status']})"
            val = f"{row['value']:.5f}" if isinstance(row.get("value"), float) else "-"
            ts = f"{row['time_s']:.2f}" if "time_s" in row else "-"
            print(f"{name:<26} {m:<16} {val:>10} {ts:>8}  {note}", flush=True)
            if a.out:
                with open(a.out, "a") as fh:
                    fh.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
