"""Benchmark: Neur2RO (pretrained capital budgeting model) vs exact CCG on generated instances.

    python examples/robust_capital_budgeting.py --n 10 --seeds 100 101 --ccg-time-limit 120 --n2ro-time-limit 60

Instances: `generate_capital_budgeting(n, seed=s)` (Subramanyam et al.'s generator).  Values are the
instance's objective (maximised).  Neur2RO's value is the exact (certified) worst case of its x; CCG's
`value` is certified too, with an upper `bound`.  Each Neur2RO variant named in --mains is run.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _requires import require  # noqa: E402
from problems.robust import Neur2RO, ccg, generate_capital_budgeting  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10)
    ap.add_argument("--seeds", type=int, nargs="+", default=[100, 101])
    ap.add_argument("--ccg-time-limit", type=float, default=120.0)
    ap.add_argument("--n2ro-time-limit", type=float, default=60.0)
    ap.add_argument("--mains", nargs="+", default=["mip", "local_search"], choices=["mip", "local_search"])
    ap.add_argument("--json", default=None)
    ap.add_argument("--quick", action="store_true", help="a run of about a minute: n = 4, one seed, local search, short limits")
    args = ap.parse_args()
    if args.quick:                   # the quick settings as defaults: flags given explicitly still win
        ap.set_defaults(**{"n": 4, "seeds": [1], "ccg_time_limit": 10.0, "n2ro_time_limit": 3.0, "mains": ["local_search"]})
        args = ap.parse_args()
    if args.mains:
        require("torch", why="Neur2RO's pretrained model is read with torch")
    rows = []
    print("| instance | CCG status | CCG value | CCG bound | CCG time (s) | "
          + " | ".join(f"Neur2RO {m}: exact value / time (s) / it, status" for m in args.mains) + " |")
    print("|---|---|---|---|---|" + "---|" * len(args.mains))
    for seed in args.seeds:
        inst = generate_capital_budgeting(args.n, seed=seed)
        c = ccg(inst, time_limit=args.ccg_time_limit)
        row = {"seed": seed, "n": args.n, "ccg_status": c.status.name, "ccg_value": c.value, "ccg_bound": c.bound,
               "ccg_time": c.time}
        cells = []
        for main in args.mains:
            model = Neur2RO.pretrained("capital_budgeting", config="paper", main=main)   # the MIP adversary kept
            r = model.solve(inst, time_limit=args.n2ro_time_limit)
            row[main] = {"exact_value": r.exact_value, "time": r.timings["solve"], "iterations": r.iterations,
                         "status": r.stop_reason}
            gap = 100 * (c.value - r.exact_value) / abs(c.value)
            cells.append(f"{r.exact_value:.4f} ({gap:.2f} % below CCG's) / {r.timings['solve']:.1f} / "
                         f"{r.iterations}, {r.stop_reason}")
        rows.append(row)
        print(f"| cb n={args.n} seed {seed} | {c.status.name} | {c.value:.4f} | {c.bound:.4f} | {c.time:.1f} | "
              + " | ".join(cells) + " |", flush=True)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"rows": rows, "args": vars(args)}, indent=1))


if __name__ == "__main__":
    main()
