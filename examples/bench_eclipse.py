"""ECLipsE / ECLipsE-Fast / eclipse-closed side by side with LipSDP-Neuron, the product of norms
and (optionally) the authors' own code on the same weights.

Nets (`problems/lipschitz/deep.py`): the ECLipsE paper's random nets (input 4, output 1,
`layers` weight matrices of width w, spectral norms uniform in [0.4, 1.8]) and, with
`--trained`, bias-free ReLU MLPs trained on the shipped breast-cancer data (torch; weights
cached under the temp folder). Every optlib value is certified (clique by clique, or the full LMI).

    python examples/bench_eclipse.py --quick
    python examples/bench_eclipse.py --layers 10,30,50,100 --widths 20,80 --trained
    python examples/bench_eclipse.py --layers 10,30,50,100 --widths 20,80 --trained \\
        --ours eclipse-fast,eclipse-closed,eclipse-closed-s0 --authors /tmp/eclipse_authors/src --their-solver CLARABEL --neuron-max 0 \\
        --json benchmarks/records/eclipse-authors.jsonl

`--authors DIR` (alias `--theirs`): the `src` folder of a checkout of the authors' Python
package (github YuezhuXu/ECLipsE; never part of optlib: fetch it yourself, e.g. into /tmp) to
run their ECLipsE-Fast and ECLipsE (needs torch and cvxpy; their ECLipsE on nets up to
width `--theirs-max-width`); their values are what their code returns (not
certified here; nan where it reports a numerical failure). `--json FILE` writes one JSON
record per (net, method) line.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _requires import require  # noqa: E402

from problems.lipschitz import lipschitz_bound  # noqa: E402
from problems.lipschitz.deep import paper_random_net, trained_mlp  # noqa: E402
from problems.lipschitz.network import from_weights  # noqa: E402

random_net = paper_random_net          # the name earlier versions of this script exported
OURS = ("eclipse-fast", "eclipse-closed", "eclipse-closed-s0", "eclipse")
#: eclipse-closed-s0: eclipse-closed with search_steps=0 (7 chains: two values of c per family and Fast)
THEIRS = ("authors eclipse-fast", "authors eclipse")


def theirs(src: str, Ws: list[np.ndarray], fast: bool, solver: str | None = None) -> tuple[float, float, float]:
    """(value, wall seconds, CPU seconds) of the authors' code on the same weights (ReLU: slopes [0, 1]); nan when
    their code reports a numerical failure (exit code 1). `solver`: a CVXPY solver name to use
    in place of their hard-coded SCS (eps 1e-6) for the layer SDPs."""
    sys.path.insert(0, src)
    import cvxpy as cp
    import torch
    from eclipse_nn.eclipsE import ECLipsE
    from eclipse_nn.eclipsE_fast import ECLipsE_Fast

    T = [torch.tensor(W, dtype=torch.float64) for W in Ws]
    a, b = [0.0] * (len(Ws) - 1), [1.0] * (len(Ws) - 1)
    t, c = time.perf_counter(), time.process_time()
    if fast:
        v = ECLipsE_Fast(T, a, b)
    else:
        solve = cp.Problem.solve
        if solver:
            cp.Problem.solve = lambda self, *p, **k: solve(self, solver=solver)
        try:
            v, code = ECLipsE(T, a, b)
        except Exception:  # noqa: BLE001 - their solver's failure is a result here
            v, code = None, 1
        finally:
            cp.Problem.solve = solve
        if code or v is None:
            return math.nan, time.perf_counter() - t, time.process_time() - c
    return float(v), time.perf_counter() - t, time.process_time() - c


def nets(layers: list[int], widths: list[int], trained: bool) -> list[tuple[str, list[np.ndarray], dict]]:
    """(name, weights, how it was made) for every requested net."""
    out = []
    for kind in ("random", "trained-bc") if trained else ("random",):
        for L in layers:
            for w in widths:
                if kind == "random":
                    out.append((f"random-{L}x{w}", paper_random_net(L, w), {"kind": "paper_random_net"}))
                else:
                    Ws, info = trained_mlp(L, w)
                    out.append((f"trained-bc-{L}x{w}", Ws, {"kind": "trained_mlp", **info}))
    return out


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--layers", default="10,30,100", help="comma-separated numbers of weight matrices")
    ap.add_argument("--widths", default="80", help="comma-separated widths")
    ap.add_argument("--trained", action="store_true", help="also the breast-cancer MLPs (torch)")
    ap.add_argument("--neuron-max", type=int, default=200, help="run lipsdp-neuron up to this many hidden neurons")
    ap.add_argument("--limit", type=float, default=600.0, help="time limit (s) per lipsdp-neuron solve")
    ap.add_argument("--authors", "--theirs", dest="authors", default=None,
                    help="path of the authors' src folder (outside optlib)")
    ap.add_argument("--theirs-max-width", type=int, default=20,
                    help="run their ECLipsE (SDP) on nets up to this width (their SCS fails its own check at 80)")
    ap.add_argument("--theirs-max-layers", type=int, default=10 ** 6, help="and up to this many weight matrices")
    ap.add_argument("--their-solver", default=None, help="CVXPY solver for their layer SDPs (default: their SCS)")
    ap.add_argument("--ours", default=",".join(OURS), help="comma-separated optlib methods to run (empty: none)")
    ap.add_argument("--quick", action="store_true", help="small nets only (seconds)")
    ap.add_argument("--json", default=None, help="write one JSON record per (net, method) line here")
    args = ap.parse_args(argv)
    if args.trained:
        require("torch", why="training the MLPs of --trained")
    if args.authors:
        require("torch", "cvxpy", why="the authors' code of --authors")
    layers = [3, 6] if args.quick else [int(v) for v in args.layers.split(",")]
    widths = [8] if args.quick else [int(v) for v in args.widths.split(",")]
    ours = tuple(m for m in args.ours.split(",") if m)
    bad = sorted(set(ours) - set(OURS))
    if bad:
        ap.error(f"--ours takes {', '.join(OURS)}; got {', '.join(bad)}")
    cols = ours + (("lipsdp-neuron",) if ours else ()) + (THEIRS if args.authors else ())
    records: list[dict] = []
    print("| net | naive | " + " | ".join(cols) + " |")
    print("|---|---|" + "---|" * len(cols))
    for name, Ws, how in nets(layers, widths, args.trained):
        net = from_weights(Ws, "relu")
        neurons = int(sum(net.hidden))
        row: dict[str, tuple] = {}
        if ours:
            for m in ours:
                t, c = time.perf_counter(), time.process_time()
                b = (lipschitz_bound(net, "eclipse-closed", lower=False, search_steps=0) if m == "eclipse-closed-s0"
                     else lipschitz_bound(net, m, lower=False))
                row[m] = (b.value, time.perf_counter() - t, time.process_time() - c, b.verified)
            if neurons <= args.neuron_max:
                t, c = time.perf_counter(), time.process_time()
                b = lipschitz_bound(net, "lipsdp-neuron", lower=False, time_limit=args.limit)
                row["lipsdp-neuron"] = (b.value, time.perf_counter() - t, time.process_time() - c, b.verified)
        if args.authors:
            row["authors eclipse-fast"] = theirs(args.authors, Ws, True)
            if int(Ws[0].shape[0]) <= args.theirs_max_width and len(Ws) <= args.theirs_max_layers:
                row["authors eclipse"] = theirs(args.authors, Ws, False, args.their_solver)

        def cell(key: str) -> str:
            if key not in row:
                return "-"
            v, t, _, *ok = row[key]
            return f"{v:.6g} ({t:.2f} s{'' if not ok or ok[0] else ', NOT verified'})"

        print(f"| {name} | {net.naive_bound():.6g} | " + " | ".join(cell(k) for k in cols) + " |", flush=True)
        for key, (v, t, cpu, *ok) in row.items():
            records.append(tidy_record(name, Ws, neurons, net.naive_bound(), how, key, v, t, cpu,
                                       bool(ok[0]) if ok else None, args.their_solver))
    if args.json:
        from optlib.bench.records import RecordWriter

        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        with RecordWriter(args.json, append=False) as w:
            for r in records:
                w.write(r)
    return records


def tidy_record(name: str, Ws, neurons: int, naive: float, how: dict, key: str, value: float, wall: float,
                cpu: float, certified: bool | None, their_solver: str | None) -> dict:
    """One optlib.bench.records record (suite 'eclipse'): objective = the bound, verified = certified
    here (None for the authors' values, which are not certified here), extras = the net's shape."""
    from optlib.bench.records import make_record, now_iso
    from optlib.suites.base import Run

    authors = key.startswith("authors")
    finite = math.isfinite(value)
    extra = {"layers": len(Ws), "width": int(Ws[0].shape[0]), "neurons": neurons, "naive": float(naive),
             "net_source": how}
    if authors:
        extra.update(code="github YuezhuXu/ECLipsE (src/eclipse_nn), run outside optlib",
                     solver=(their_solver or "SCS (their default)") if key == "authors eclipse" else None)
    outcome = {"status": ("FEASIBLE" if finite else "ERROR"), "objective": value if finite else None,
               "verified": None if authors else bool(certified),
               "message": ("value as returned by the authors' code; not certified here"
                           + ("" if finite else "; their code reported a numerical failure")) if authors else "",
               "extra": extra}
    run = Run(suite="eclipse", instance=name, method=key, backend="")
    return make_record(run, outcome, wall_s=float(wall), cpu_s=float(cpu), peak_memory_mb=None,
                       memory_source="not measured", started_at=now_iso())


if __name__ == "__main__":
    main()
