"""Side by side: exact CCG and Neur2RO (default config, certified evaluation of its answer) on the held-out
n = 30 / 40 knapsack instances of the robust suite's 'neur2ro' set, for this checkout and optionally an
older one, interleaved per instance so that both see the same machine load.

    OMP_NUM_THREADS=1 python examples/robust_evaluation.py                       # this checkout
    OMP_NUM_THREADS=1 python examples/robust_evaluation.py --quick               # one instance, 20 s limit
    OMP_NUM_THREADS=1 python examples/robust_evaluation.py --old /path/to/old/checkout --json out.json

Each measurement runs in its own process (PYTHONPATH = the checkout; import time excluded) and reports
wall and CPU seconds, the certified objective, and for Neur2RO the loop and evaluation seconds.  rel. err. =
(best known - objective) / best known (branch-and-price results).  Needs torch (the pretrained model).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _requires import require  # noqa: E402


def worker(instance: str, method: str, time_limit: float) -> dict:
    """One measurement in this process (the checkout on sys.path)."""
    from problems.robust import Neur2RO, ccg, load_knapsack

    inst = load_knapsack(instance)
    if method == "CCG":
        t, c = time.perf_counter(), time.process_time()
        r = ccg(inst, time_limit=time_limit)
        return {"wall": time.perf_counter() - t, "cpu": time.process_time() - c, "objective": r.value,
                "bound": r.bound, "status": r.status.name, "iterations": r.iterations}
    model = Neur2RO.pretrained("knapsack")
    t, c = time.perf_counter(), time.process_time()
    r = model.solve(inst, time_limit=time_limit, eval_time_limit=time_limit)
    return {"wall": time.perf_counter() - t, "cpu": time.process_time() - c, "objective": r.objective,
            "status": r.status.name, "loop": r.timings["solve"], "eval": r.timings["evaluation"],
            "exact": r.exact, "verified": r.verified}


def measure(tree: Path, instance: str, method: str, time_limit: float) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree), OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
    cmd = [sys.executable, __file__, "--worker", instance, method, str(time_limit)]
    out = subprocess.run(cmd, env=env, cwd=tree, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", default=None, help="an older checkout to run beside this one")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--json", default=None)
    ap.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true",
                    help="one instance (UN n30, which CCG proves in seconds) with a 20 s limit")
    args = ap.parse_args()
    if args.quick and args.time_limit == ap.get_default("time_limit"):
        args.time_limit = 20.0
    if args.worker:
        print(json.dumps(worker(args.worker[0], args.worker[1], float(args.worker[2]))))
        return
    require("torch", why="Neur2RO's pretrained model is read with torch")
    from problems.robust.suite import HELD_OUT, best_known

    held_out = [i for i in HELD_OUT if "UN_n30" in i] if args.quick else list(HELD_OUT)

    known = best_known()
    trees = {"new": ROOT} | ({"old": Path(args.old).resolve()} if args.old else {})
    rows = []
    for inst in held_out:
        for method in ("CCG", "Neur2RO"):
            for label, tree in trees.items():
                r = measure(tree, inst, method, args.time_limit)
                r.update(instance=inst, method=method, code=label)
                b = known.get(inst)
                r["rel_err"] = None if r["objective"] is None or not b else (b - r["objective"]) / b
                rows.append(r)
                extra = f" loop {r['loop']:.2f} eval {r['eval']:.2f}" if method != "CCG" else f" {r['status']}"
                print(f"{inst} {method:8s} {label}: wall {r['wall']:.2f} cpu {r['cpu']:.2f} obj {r['objective']}"
                      f" rel.err {100 * (r['rel_err'] or 0):.2f}%{extra}", flush=True)
    print("\n| instance | code | CCG: status / wall (cpu) s | Neur2RO: rel. err. / loop + eval = wall (cpu) s "
          "| CCG wall / Neur2RO wall |")
    print("|---|---|---|---|---|")
    for inst in held_out:
        for label in trees:
            c = next(r for r in rows if r["instance"] == inst and r["method"] == "CCG" and r["code"] == label)
            n = next(r for r in rows if r["instance"] == inst and r["method"] == "Neur2RO" and r["code"] == label)
            more = ">= " if c["status"] != "OPTIMAL" else ""
            print(f"| {inst} | {label} | {c['status']} / {c['wall']:.2f} ({c['cpu']:.2f}) | "
                  f"{100 * n['rel_err']:.2f}% / {n['loop']:.2f} + {n['eval']:.2f} = {n['wall']:.2f} ({n['cpu']:.2f}) | "
                  f"{more}{c['wall'] / n['wall']:.1f}x |")
    for label in trees:
        n = [r for r in rows if r["method"] == "Neur2RO" and r["code"] == label]
        c = [r for r in rows if r["method"] == "CCG" and r["code"] == label]
        med = statistics.median
        print(f"{label}: Neur2RO median rel. err. {100 * med(r['rel_err'] for r in n):.2f}%, "
              f"median wall {med(r['wall'] for r in n):.2f} s (eval {med(r['eval'] for r in n):.2f} s); "
              f"median CCG wall / Neur2RO wall {med(a['wall'] / b['wall'] for a, b in zip(c, n)):.1f}x")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
