"""Chordal-LipSDP vs LipSDP-Neuron on random ReLU nets 10-w-w-w-10 (weights N(0,1)/sqrt(fan_in), seed 0).

    python examples/bench_lipschitz_chordal.py --widths 100 300 1000 --limit 360 [--out results.jsonl]

Each (width, method, backend) runs in its own process with a wall clock cap of limit + 60 s
and a 20 GiB address-space cap; one JSON line per run (build/solve time, values).

A study no suite covers (the two chordal forms at widths up to 1000, each run capped in its own
process); the shared comparison of the LipSDP variants with the exact constant is the `lipschitz`
suite: `optlib bench lipschitz` or `python examples/bench_lipschitz.py --quick`.
"""
import argparse
import json
import resource
import subprocess
import sys
import time

CONFIGS = [("lipsdp-neuron-chordal", "explicit"), ("lipsdp-neuron-chordal", "split"), ("lipsdp-neuron", None)]


def weights(w, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    dims = [10, w, w, w, 10]
    return [rng.standard_normal((dims[i + 1], dims[i])) / np.sqrt(dims[i]) for i in range(len(dims) - 1)]


def one(w, method, form, backend, limit):
    from problems.lipschitz import lipschitz_bound

    opts = {"form": form} if form else {}
    t0 = time.perf_counter()
    b = lipschitz_bound(weights(w), method, backend=backend, lower=False, time_limit=limit, **opts)
    res = b.result_
    c = b.certificate
    build = None
    if "build " in b.path:
        build = float(b.path.split("build ")[1].split(" s")[0])
    return {"w": w, "method": method, "form": form, "backend": backend,
            "status": None if res is None else res.status.name, "limit_reached": None if res is None else res.limit_reached,
            "build_s": build, "compile_s": None if res is None else res.timings.compile,
            "solve_s": None if res is None else res.timings.solve, "total_s": time.perf_counter() - t0,
            "rho_solver": c.rho_solver, "value_solver": (c.rho_solver ** 0.5 if c.rho_solver and c.rho_solver > 0 else None),
            "value_certified": b.value, "verified": c.verified, "repaired": c.repaired, "method_out": b.method,
            "naive": b.naive}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--widths", type=int, nargs="+", default=[100, 300, 1000])
    ap.add_argument("--backends", nargs="+", default=["scs", "clarabel"])
    ap.add_argument("--methods", nargs="+", default=None, help="e.g. chordal-explicit chordal-split neuron")
    ap.add_argument("--limit", type=float, default=360.0)
    ap.add_argument("--out", default=None)
    ap.add_argument("--one", nargs=4, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true", help="a run of about a minute: width 30 only, 60 s limit")
    a = ap.parse_args()
    if a.quick:                   # the quick settings as defaults: flags given explicitly still win
        ap.set_defaults(**{"widths": [30], "limit": 60.0})
        a = ap.parse_args()
    if a.one:
        w, method, form, backend = a.one
        print(json.dumps(one(int(w), method, None if form == "-" else form, backend, a.limit)), flush=True)
        return
    names = {"chordal-explicit": CONFIGS[0], "chordal-split": CONFIGS[1], "neuron": CONFIGS[2]}
    configs = [names[m] for m in a.methods] if a.methods else CONFIGS
    for w in a.widths:
        for backend in a.backends:
            for method, form in configs:
                cmd = [sys.executable, __file__, "--limit", str(a.limit), "--one", str(w), method, form or "-", backend]
                t0 = time.perf_counter()

                def cap():
                    resource.setrlimit(resource.RLIMIT_AS, (20 << 30, 20 << 30))
                try:
                    p = subprocess.run(cmd, capture_output=True, text=True, timeout=a.limit + 60, preexec_fn=cap)
                    line = p.stdout.strip().splitlines()[-1] if p.returncode == 0 and p.stdout.strip() else json.dumps(
                        {"w": w, "method": method, "form": form, "backend": backend, "error": f"rc {p.returncode}",
                         "stderr": p.stderr.strip()[-300:], "total_s": time.perf_counter() - t0})
                except subprocess.TimeoutExpired:
                    line = json.dumps({"w": w, "method": method, "form": form, "backend": backend,
                                       "error": f"killed after {a.limit + 60:.0f} s wall", "total_s": time.perf_counter() - t0})
                print(line, flush=True)
                if a.out:
                    with open(a.out, "a") as f:
                        f.write(line + "\n")


if __name__ == "__main__":
    main()
