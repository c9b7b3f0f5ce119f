"""Build + compile time and peak memory of a LipSDP-Neuron LMI: optlib versus CVXPY.

The LMI (Fazlyab et al., NeurIPS 2019) for a ReLU network (alpha = 0, beta = 1) with
weights W_0..W_l and N hidden neurons, written the obvious way in both tools:

    A = [blkdiag(W_0..W_{l-1}), 0],  B = [0, I_N],  T = diag(lambda), lambda >= 0
    M = A'TB + B'TA - 2 B'TB + blkdiag(-rho I, 0, W_l'W_l)  <<  0,   minimise rho

optlib: model build + `Model.compile()` (the sparse StandardForm a backend receives).
CVXPY:  problem build + `problem.get_problem_data(cp.SCS)` (compile only, no solve).
Each measurement runs in a fresh subprocess with a memory cap and a time limit; peak
memory is the growth of the process's high-water mark (VmHWM) over its size before the
build. Run:

    python examples/bench_lmi_build.py --widths 100,300,1000 --json bench-out/lmi.jsonl

`--json OUT.jsonl` writes one tidy record (optlib.bench.records) per tool and size: suite
'lmi-build', instance 'lipsdp-lmi-N' (N hidden neurons), method = the tool, status BUILT or
ERROR, wall_s = build + compile, cpu_s = their CPU seconds, peak_memory_mb, extra = the build and
compile seconds and the standard form's rows and nonzeros; `optlib bench report` reads it.
"""
from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time

import numpy as np
import scipy.sparse as sp


def network(width: int, layers: int, n_in: int, n_out: int, seed: int = 0) -> list[np.ndarray]:
    """Random weights of an n_in - width x layers - n_out network."""
    rng = np.random.default_rng(seed)
    dims = [n_in] + [width] * layers + [n_out]
    return [rng.standard_normal((dims[i + 1], dims[i])) / np.sqrt(dims[i]) for i in range(len(dims) - 1)]


def lipsdp_data(weights: list[np.ndarray]):
    """A, B, F0 (the W_l'W_l block) and E0 (identity on the input block) as sparse matrices."""
    n0 = weights[0].shape[1]
    hidden = [W.shape[0] for W in weights[:-1]]
    N = sum(hidden)
    A = sp.hstack([sp.block_diag(weights[:-1]), sp.csr_matrix((N, hidden[-1]))], format="csr")
    B = sp.hstack([sp.csr_matrix((N, n0)), sp.identity(N)], format="csr")
    dim = n0 + N
    Wl = weights[-1]
    F0 = sp.lil_matrix((dim, dim))
    F0[dim - hidden[-1]:, dim - hidden[-1]:] = Wl.T @ Wl
    E0 = sp.lil_matrix((dim, dim))
    E0[:n0, :n0] = sp.identity(n0)
    return A, B, F0.tocsr(), E0.tocsr(), N


def vm(key: str) -> float:
    """VmRSS / VmHWM of this process in MB (Linux)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def build_optlib(weights):
    import optlib

    A, B, F0, E0, N = lipsdp_data(weights)
    t0 = time.perf_counter()
    m = optlib.Model("lipsdp")
    lam = m.continuous(N, lb=0, name="lambda")
    rho = m.continuous(lb=0, name="rho")
    T = optlib.diag(lam)
    M = A.T @ T @ B + B.T @ T @ A - 2 * (B.T @ T @ B) + F0 - rho * E0
    m.add(M << 0, name="lmi")
    m.minimize(rho)
    t1 = time.perf_counter()
    sf = m.compile()
    t2 = time.perf_counter()
    return {"build_s": t1 - t0, "compile_s": t2 - t1, "rows": sf.m, "nnz": int(sf.A.nnz)}


def build_cvxpy(weights):
    import cvxpy as cp

    A, B, F0, E0, N = lipsdp_data(weights)
    t0 = time.perf_counter()
    lam = cp.Variable(N, nonneg=True)
    rho = cp.Variable(nonneg=True)
    T = cp.diag(lam)
    M = A.T @ T @ B + B.T @ T @ A - 2 * (B.T @ T @ B) + F0 - rho * E0
    prob = cp.Problem(cp.Minimize(rho), [M << 0])
    t1 = time.perf_counter()
    data, _, _ = prob.get_problem_data(cp.SCS)
    t2 = time.perf_counter()
    return {"build_s": t1 - t0, "compile_s": t2 - t1, "rows": int(data["A"].shape[0]), "nnz": int(data["A"].nnz)}


def worker(tool: str, width: int, layers: int, n_in: int, n_out: int) -> None:
    if tool == "cvxpy":
        import cvxpy  # noqa: F401  (import cost is not part of the measurement)
    else:
        import optlib  # noqa: F401
    weights = network(width, layers, n_in, n_out)
    base = vm("VmRSS")
    c0 = time.process_time()
    out = (build_optlib if tool == "optlib" else build_cvxpy)(weights)
    out["cpu_s"] = time.process_time() - c0
    out["peak_mb"] = vm("VmHWM") - base
    print(json.dumps(out))


def measure(tool: str, width: int, args) -> dict:
    cmd = [sys.executable, __file__, "--worker", tool, "--widths", str(width), "--layers", str(args.layers),
           "--n-in", str(args.n_in), "--n-out", str(args.n_out)]
    limit = int(args.mem_limit_gb * 2**30)

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    rec = {"tool": tool, "width": width, "layers": args.layers, "neurons": width * args.layers}
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout, preexec_fn=cap)
    except subprocess.TimeoutExpired:
        rec.update(status=f"timeout > {args.timeout} s")
        return rec
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        kind = "out of memory" if "MemoryError" in proc.stderr or "bad_alloc" in proc.stderr or proc.returncode < 0 else "error"
        rec.update(status=f"{kind} (cap {args.mem_limit_gb:g} GB): {tail[:120]}", wall_s=wall)
        return rec
    rec.update(json.loads(proc.stdout.strip().splitlines()[-1]), status="ok", wall_s=wall)
    return rec


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--widths", default="100,300,1000", help="hidden widths (comma separated)")
    ap.add_argument("--layers", type=int, default=3, help="hidden layers")
    ap.add_argument("--n-in", type=int, default=10)
    ap.add_argument("--n-out", type=int, default=10)
    ap.add_argument("--tools", default="optlib,cvxpy")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per measurement")
    ap.add_argument("--mem-limit-gb", type=float, default=16.0, help="address-space cap per measurement")
    ap.add_argument("--json", default=None, help="write the records here")
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true", help="a run of about a minute: width 5 only")
    args = ap.parse_args()
    if args.quick:                   # the quick settings as defaults: flags given explicitly still win
        ap.set_defaults(**{"widths": "5", "timeout": 120.0})
        args = ap.parse_args()
    widths = [int(w) for w in args.widths.split(",")]
    if args.worker:
        worker(args.worker, widths[0], args.layers, args.n_in, args.n_out)
        return
    records = []
    for width in widths:
        for tool in args.tools.split(","):
            print(f"... {tool} width {width}", file=sys.stderr, flush=True)
            records.append(measure(tool, width, args))
    print(f"{'neurons':>8} {'tool':>7} {'build s':>9} {'compile s':>10} {'total s':>9} {'peak MB':>9}  status")
    by = {(r["width"], r["tool"]): r for r in records}
    for r in records:
        if r["status"] == "ok":
            print(f"{r['neurons']:>8} {r['tool']:>7} {r['build_s']:>9.2f} {r['compile_s']:>10.2f} "
                  f"{r['build_s'] + r['compile_s']:>9.2f} {r['peak_mb']:>9.0f}  ok")
        else:
            print(f"{r['neurons']:>8} {r['tool']:>7} {'-':>9} {'-':>10} {'-':>9} {'-':>9}  {r['status']}")
    for width in widths:
        o, c = by.get((width, "optlib")), by.get((width, "cvxpy"))
        if o and c and o["status"] == c["status"] == "ok":
            ts = (c["build_s"] + c["compile_s"]) / (o["build_s"] + o["compile_s"])
            ms = c["peak_mb"] / max(o["peak_mb"], 1.0)
            print(f"width {width}: CVXPY / optlib time {ts:.1f}x, memory {ms:.1f}x")
    if args.json:
        write_records(args.json, records)


def write_records(path: str, records: list[dict]) -> None:
    """The measurements as tidy records (see the module docstring), one JSON line each."""
    from optlib.bench.records import RecordWriter, make_record, now_iso
    from optlib.suites.base import Run

    with RecordWriter(path, append=False) as w:
        for r in records:
            ok = r["status"] == "ok"
            run = Run(suite="lmi-build", instance=f"lipsdp-lmi-{r['neurons']}", method=r["tool"], backend="",
                      options={"width": r["width"], "layers": r["layers"]})
            extra = {k: r[k] for k in ("build_s", "compile_s", "rows", "nnz") if k in r}
            outcome = {"status": "BUILT" if ok else "ERROR", "message": "" if ok else r["status"], "extra": extra}
            wall = r["build_s"] + r["compile_s"] if ok else r.get("wall_s", math.nan)
            w.write(make_record(run, outcome, wall_s=wall, cpu_s=r.get("cpu_s", math.nan),
                                peak_memory_mb=r.get("peak_mb"), memory_source="VmHWM growth over the build",
                                started_at=now_iso()))


if __name__ == "__main__":
    main()
