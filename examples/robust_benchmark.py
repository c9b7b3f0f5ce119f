"""Benchmark: our Neur2RO (pretrained) and exact CCG on the Arslan-Detienne robust knapsack instances.

    python examples/robust_benchmark.py --sizes 20 30 40 50 60 70 80 --per-size 6 --ccg-sizes 20 30 \
        --ccg-time-limit 120 --json bench-out/robust.json
    # fast variant: local search main problem, 4 cuts per iteration, heuristic adversary (no MIP in the loop)
    python examples/robust_benchmark.py ... --main local_search --scenarios-per-iteration 4 --adversary heuristic

Instances: for each size n, every (72 / per-size)-th file of the sorted RKP_*_n<n>_* list (spread over the
correlation types).  Values are profits (maximised), as in the branch-and-price file.  relative error =
(best known - ours) / best known; ours is the exact (certified) worst-case value of the returned x.
The paper's Neur2RO on the same instances comes from knapsack_neur2ro_reference.csv when it is found
(not shipped: put it under --data DIR/robust/ or $OPTLIB_DATA/robust/).

Data: 44 of the 504 instances ship with optlib (6 per size and the ones the tests use) with the
branch-and-price results; the full set is read from --data DIR or $OPTLIB_DATA (DIR/robust/knapsack/).
--quick: size 20, 2 instances, CCG and Neur2RO with 20 s limits (about a minute).
"""
from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _requires import require  # noqa: E402
from optlib import datasets  # noqa: E402
from problems.robust import Neur2RO, ccg, knapsack_files, load_knapsack  # noqa: E402


def read_reference(data: str | None) -> dict:
    """The Neur2RO paper's per-instance results keyed by instance, or {} (with a note) when absent."""
    reason = datasets.missing("robust/knapsack_neur2ro_reference.csv", data)
    if reason is not None:
        print(f"note: no paper columns: {reason}")
        return {}
    with datasets.open_text(datasets.data_path("robust/knapsack_neur2ro_reference.csv", data)) as fh:
        return {r["inst"]: r for r in csv.DictReader(fh)}


def pick(n: int, per_size: int, directory: Path) -> list[Path]:
    files = knapsack_files(directory, n=n)
    step = max(1, len(files) // per_size)
    return files[::step][:per_size]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=None,
                    help="a folder holding robust/knapsack/RKP_* (default: $OPTLIB_DATA, then the 44 shipped)")
    ap.add_argument("--quick", action="store_true", help="n = 20, 2 instances, 20 s limits")
    ap.add_argument("--sizes", type=int, nargs="+", default=[20, 30, 40, 50, 60, 70, 80])
    ap.add_argument("--per-size", type=int, default=6)
    ap.add_argument("--ccg-sizes", type=int, nargs="*", default=[20, 30])
    ap.add_argument("--ccg-time-limit", type=float, default=120.0)
    ap.add_argument("--n2ro-time-limit", type=float, default=120.0)
    ap.add_argument("--eval-time-limit", type=float, default=600.0)
    ap.add_argument("--model", default="knapsack", help="'knapsack' (pretrained) or a saved model path")
    ap.add_argument("--candidates", type=int, default=1,
                    help="> 1: exact post-step over that many candidate x's (pure ML-CCG answer reported too)")
    ap.add_argument("--main", choices=["mip", "local_search"], default="mip",
                    help="Neur2RO main problem: the MIP over the embedded network, or local search on the network")
    ap.add_argument("--main-bounds", choices=["obbt", "symbolic", "interval"], default="obbt",
                    help="big-M bounds of the main-problem MIP")
    ap.add_argument("--scenarios-per-iteration", type=int, default=1,
                    help="local search: also add the heuristic worst scenario of up to k-1 further local optima")
    ap.add_argument("--adversary-time-limit", type=float, default=None,
                    help="per adversary MIP (default: the model's, 10 s for the shipped knapsack model)")
    ap.add_argument("--adversary", choices=["heuristic_first", "mip", "heuristic"], default="heuristic_first",
                    help="Neur2RO adversary: heuristic then MIP, MIP only, or the heuristic only")
    ap.add_argument("--skip-n2ro", action="store_true", help="run only the exact CCG")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    if args.quick:
        args.sizes, args.per_size, args.ccg_sizes = [20], 2, [20]
        args.ccg_time_limit = args.n2ro_time_limit = args.eval_time_limit = 20.0
    if not args.skip_n2ro:
        require("torch", why="Neur2RO's model is read with torch; --skip-n2ro runs CCG only")
    bp = datasets.knapsack_results(args.data)
    ref = read_reference(args.data)
    folder = datasets.knapsack_dir(args.data)
    model = None
    if not args.skip_n2ro:
        kw = {"n_candidates": args.candidates, "main": args.main, "main_bounds": args.main_bounds,
              "scenarios_per_iteration": args.scenarios_per_iteration, "adversary": args.adversary}
        if args.adversary_time_limit is not None:
            kw["adversary_time_limit"] = args.adversary_time_limit
        model = Neur2RO.pretrained(args.model, **kw) if args.model == "knapsack" else Neur2RO.load(args.model, **kw)
    rows = []
    for n in args.sizes:
        for path in pick(n, args.per_size, folder):
            inst = load_knapsack(path)
            path = Path(inst.name)           # the name without '.gz', as the result tables spell it
            best = float(bp[path.name]["Best primal bound"])
            bp_time = bp[path.name]["Time"]       # 'TIME_LIMIT' where branch-and-price stopped at 3 h
            row = {"instance": path.name, "n": n, "best_known": best,
                   "bp_optimal": bp[path.name]["Solved to optimality"] == "1",
                   "bp_time": float(bp_time) if bp_time.replace(".", "", 1).isdigit() else bp_time}
            if model is not None:
                r = model.solve(inst, time_limit=args.n2ro_time_limit, eval_time_limit=args.eval_time_limit)
                row.update(n2ro_value=r.exact_value, n2ro_upper=r.exact_upper, n2ro_exact=r.exact,
                           n2ro_predicted=r.predicted_value, n2ro_time=r.timings["solve"],
                           n2ro_eval_time=r.timings["evaluation"], n2ro_iterations=r.iterations,
                           n2ro_status=r.stop_reason, n2ro_rel_err=(best - r.exact_value) / best)
                if args.candidates > 1:     # pure ML-CCG answer vs the exact post-step over the candidates
                    row.update(n2ro_ml_value=r.ml_exact_value, n2ro_ml_rel_err=(best - r.ml_exact_value) / best,
                               n2ro_candidates=len(r.candidates), n2ro_candidate_time=r.timings["candidates"],
                               n2ro_post_time=r.timings["solve"] + r.timings["candidates"] + r.timings["evaluation"])
            if path.name in ref:
                pv = float(ref[path.name]["n2ro_obj"])
                row.update(paper_value=pv, paper_time=float(ref[path.name]["n2ro_time"]),
                           paper_rel_err=(best - pv) / best)
            if n in args.ccg_sizes:
                c = ccg(inst, time_limit=args.ccg_time_limit)
                row.update(ccg_value=c.value, ccg_bound=c.bound, ccg_gap=c.gap, ccg_status=c.status.name,
                           ccg_time=c.time, ccg_iterations=c.iterations,
                           ccg_rel_err=None if c.value is None else (best - c.value) / best)
                if "n2ro_time" in row and c.status.name == "OPTIMAL":
                    row["ccg_over_n2ro_time"] = c.time / row["n2ro_time"]
            rows.append(row)
            ours = (f"ours {row['n2ro_value']:10.2f} ({100 * row['n2ro_rel_err']:6.2f}%, {row['n2ro_time']:5.1f} s"
                    f" + eval {row['n2ro_eval_time']:5.1f} s, {row['n2ro_iterations']} it {row['n2ro_status']})"
                    if model is not None else "")
            if "n2ro_ml_value" in row:
                ours += (f" [pure ML-CCG {row['n2ro_ml_value']:10.2f} ({100 * row['n2ro_ml_rel_err']:6.2f}%), "
                         f"{row['n2ro_candidates']} candidates, post-step total {row['n2ro_post_time']:5.1f} s]")
            print(f"{path.name:45s} best {best:10.2f}  {ours}  paper {row.get('paper_value', float('nan')):10.2f}"
                  + (f"  CCG {row['ccg_value']:10.2f} bound {row['ccg_bound']:10.2f} {row['ccg_status']} "
                     f"{row['ccg_time']:.1f} s" if "ccg_value" in row else "")
                  + (f" (CCG time / Neur2RO time {row['ccg_over_n2ro_time']:.1f}x)"
                     if "ccg_over_n2ro_time" in row else ""), flush=True)
    print("\n| n | instances | ours: median rel. err. | mean | mean time (s) | paper on same: median | mean time (s) "
          "| CCG solved | CCG median rel. err. | CCG mean time (s) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        rs = [r for r in rows if r["n"] == n]
        if not rs:
            continue
        e = [r["n2ro_rel_err"] for r in rs if "n2ro_rel_err" in r] or [float("nan")]

        pe = [r["paper_rel_err"] for r in rs if "paper_rel_err" in r]
        pt = [r["paper_time"] for r in rs if "paper_time" in r]
        cs = [r for r in rs if r.get("ccg_rel_err") is not None]      # CCG runs with a solution
        ccg_cols = (f"{sum(r['ccg_status'] == 'OPTIMAL' for r in cs)}/{len(cs)} | "
                    f"{100 * statistics.median(r['ccg_rel_err'] for r in cs):.2f}% | "
                    f"{statistics.mean(r['ccg_time'] for r in cs):.1f}") if cs else "- | - | -"
        print(f"| {n} | {len(rs)} | {100 * statistics.median(e):.2f}% | {100 * statistics.mean(e):.2f}% | "
              f"{statistics.mean(r.get('n2ro_time', float('nan')) for r in rs):.1f} | "
              f"{100 * statistics.median(pe) if pe else float('nan'):.2f}% | "
              f"{statistics.mean(pt) if pt else float('nan'):.1f} | {ccg_cols} |")
    done = [r for r in rows if "n2ro_rel_err" in r]
    if done:
        e = [r["n2ro_rel_err"] for r in done]
        print(f"\nall {len(done)}: median rel. err. {100 * statistics.median(e):.2f}%, mean {100 * statistics.mean(e):.2f}%, "
              f"mean time {statistics.mean(r['n2ro_time'] for r in done):.1f} s (ML-CCG), "
              f"mean exact evaluation {statistics.mean(r['n2ro_eval_time'] for r in done):.1f} s")
        ml = [r for r in done if "n2ro_ml_rel_err" in r]
        if ml:
            for n in args.sizes:
                rs = [r for r in ml if r["n"] == n]
                if rs:
                    print(f"  n={n}: pure ML-CCG median {100 * statistics.median(r['n2ro_ml_rel_err'] for r in rs):.2f}%"
                          f", post-step median {100 * statistics.median(r['n2ro_rel_err'] for r in rs):.2f}%, "
                          f"post-step mean total time {statistics.mean(r['n2ro_post_time'] for r in rs):.1f} s")
            print(f"pure ML-CCG: median {100 * statistics.median(r['n2ro_ml_rel_err'] for r in ml):.2f}%, "
                  f"mean {100 * statistics.mean(r['n2ro_ml_rel_err'] for r in ml):.2f}%; post-step total time mean "
                  f"{statistics.mean(r['n2ro_post_time'] for r in ml):.1f} s")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"rows": rows, "args": vars(args), "date": time.ctime()}, indent=1))


if __name__ == "__main__":
    main()
