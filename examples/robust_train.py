"""Retrain the pretrained Neur2RO models shipped in problems/robust/pretrained/.

    python examples/robust_train.py                      # both problems, default settings
    # the shipped models were trained with:
    python examples/robust_train.py --problem knapsack --instances 120 --epochs 150 --jobs 2
    python examples/robust_train.py --problem capital_budgeting --instances 40 --first-stage 4 --scenarios 8 \
        --epochs 150 --jobs 1

Data: random instances from the paper's generators, random first stages and scenarios, recourse values
by HiGHS; training: Adam, MSE, on the GPU when there is one.  Prints the data and training times.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from problems.robust import Neur2RO
from problems.robust.neur2ro import PRETRAINED_DIR

SIZES = {"knapsack": (20, 30, 40, 50, 60, 70, 80), "capital_budgeting": (10, 20, 30, 40, 50)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--problem", choices=["knapsack", "capital_budgeting", "both"], default="both")
    ap.add_argument("--instances", type=int, default=100)
    ap.add_argument("--first-stage", type=int, default=5)
    ap.add_argument("--scenarios", type=int, default=10)
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--out", default=str(PRETRAINED_DIR))
    args = ap.parse_args()
    problems = ["knapsack", "capital_budgeting"] if args.problem == "both" else [args.problem]
    for problem in problems:
        t0 = time.perf_counter()
        model = Neur2RO(problem, epochs=args.epochs, n_first_stage=args.first_stage, n_scenarios=args.scenarios,
                        n_jobs=args.jobs, seed=0, verbose=True)
        model.fit(n_instances=args.instances, sizes=SIZES[problem])
        pt, js = model.save(Path(args.out) / problem)
        h = model.history_
        print(f"{problem}: {h['samples']} samples; data {h['data_time']:.0f} s on {h['data_jobs']} process(es); "
              f"training {h['time']:.0f} s on {h['device']}; best validation MSE {h['best_val']:.4f} (scaled); "
              f"total {time.perf_counter() - t0:.0f} s -> {pt}, {js}")


if __name__ == "__main__":
    main()
