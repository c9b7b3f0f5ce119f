"""Retrain the pretrained Neur2RO models shipped in problems/robust/pretrained/.

    python examples/robust_train.py                      # both problems, default settings
    # the shipped knapsack model (v2: size-free features, x-xi interaction, guided samples, DP labels):
    python examples/robust_train.py --problem knapsack --instances 500 --first-stage 10 --scenarios 50 \
        --sampling guided --features 2 --interaction --integral --epochs 400 --batch-size 512 \
        --train-time-limit 1200 --adversary-time-limit 10 --data-cache bench-out/knapsack_data.npz --jobs 1
    # the shipped capital budgeting model:
    python examples/robust_train.py --problem capital_budgeting --instances 40 --first-stage 4 --scenarios 8 \
        --epochs 150 --jobs 1

Data: random instances from the paper's generators (--integral: integer data as in the published
files, so knapsack recourse values come from the exact dynamic programme), first stages and scenarios
(--sampling guided: x near greedy decisions, scenarios hitting accepted items), recourse values by
our exact solvers, labelled on an `optlib.bench.executors` executor (--executor local / processes / dask,
--scheduler tcp://HOST:PORT for a running Dask cluster); training: Adam, MSE, on --device (auto: the GPU
when torch sees one, else the CPU; cuda[:N] asks for one and fails clearly without it).  --data-cache stores the
labelled samples (npz, plain arrays) and reuses them if the file exists; --collect-only stops there.
Prints the data and training times.
--quick: 4 small knapsack instances, 2 epochs, written to a temporary folder (not over the shipped models).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _requires import require  # noqa: E402
from problems.robust import KnapsackInstance, Neur2RO, collect_data  # noqa: E402
from problems.robust.neur2ro import PRETRAINED_DIR, random_instances  # noqa: E402

SIZES = {"knapsack": (20, 30, 40, 50, 60, 70, 80), "capital_budgeting": (10, 20, 30, 40, 50)}
FIELDS = ("p_bar", "p_hat", "t", "c", "f")


def save_knapsack_data(path: Path, data: dict) -> None:
    """Knapsack samples as padded plain arrays (no pickled objects)."""
    insts, samples = data["instances"], data["samples"]
    nmax = max(i.n for i in insts)
    arr = {"n": np.array([i.n for i in insts]), "C": np.array([i.C for i in insts]),
           "gamma": np.array([i.gamma for i in insts]), "time": np.array(data["time"]),
           "jobs": np.array(data["jobs"]), "idx": np.array([s[0] for s in samples]),
           "value": np.array([s[3] for s in samples])}
    for fld in FIELDS:
        arr[fld] = np.zeros((len(insts), nmax))
        for k, inst in enumerate(insts):
            arr[fld][k, :inst.n] = getattr(inst, fld)
    arr["x"] = np.zeros((len(samples), nmax), dtype=np.int8)
    arr["xi"] = np.zeros((len(samples), nmax))
    for j, (k, x, xi, _) in enumerate(samples):
        arr["x"][j, :x.size], arr["xi"][j, :xi.size] = x, xi
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arr)


def load_knapsack_data(path: Path) -> dict:
    with np.load(path) as npz:
        z = {key: npz[key] for key in npz.files}        # read each array once (npz access decompresses)
    ns = z["n"]
    insts = [KnapsackInstance(**{fld: z[fld][k, :n].copy() for fld in FIELDS}, C=float(z["C"][k]),
                              gamma=float(z["gamma"][k]), name=f"train{k}") for k, n in enumerate(ns)]
    xs, xis, vals = z["x"], z["xi"], z["value"]
    samples = [(int(k), xs[j, :ns[k]].astype(float), xis[j, :ns[k]].copy(), float(vals[j]))
               for j, k in enumerate(z["idx"])]
    return {"instances": insts, "samples": samples, "time": float(z["time"]), "jobs": int(z["jobs"])}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--problem", choices=["knapsack", "capital_budgeting", "both"], default="both")
    ap.add_argument("--instances", type=int, default=100)
    ap.add_argument("--first-stage", type=int, default=5)
    ap.add_argument("--scenarios", type=int, default=10)
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--patience", type=int, default=25)
    ap.add_argument("--train-time-limit", type=float, default=None, help="seconds of training at most")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--executor", choices=["local", "processes", "dask"], default=None,
                    help="who labels the samples (optlib.bench.executors; default: local for --jobs 1, else "
                         "processes)")
    ap.add_argument("--scheduler", default=None, help="--executor dask: tcp://HOST:PORT of a running cluster")
    ap.add_argument("--device", default="auto", help="training device: auto (cuda when present), cpu, cuda[:N]")
    ap.add_argument("--adversary-time-limit", type=float, default=30.0, help="stored with the model")
    ap.add_argument("--sampling", choices=["uniform", "guided"], default="uniform")
    ap.add_argument("--features", type=int, default=None, help="item feature version (knapsack: 1 or 2)")
    ap.add_argument("--interaction", action="store_true", help="scenario net sees x_i xi_i (knapsack)")
    ap.add_argument("--integral", action="store_true", help="integer instance data (exact DP labels)")
    ap.add_argument("--data-cache", default=None, help="npz file of labelled knapsack samples (read or written)")
    ap.add_argument("--collect-only", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(PRETRAINED_DIR))
    ap.add_argument("--quick", action="store_true",
                    help="4 knapsack instances, 2 epochs, saved to a temporary folder (seconds)")
    args = ap.parse_args()
    if args.quick:                   # the quick settings as defaults: flags given explicitly still win
        ap.set_defaults(problem="knapsack", instances=4, first_stage=2, scenarios=3, epochs=2,
                        out=tempfile.mkdtemp(prefix="neur2ro-quick-"))
        args = ap.parse_args()
    require("torch", why="training the value network")
    from problems.robust import resolve_device
    try:                                            # a bad or missing device fails before the data
        print(f"training device: {resolve_device(args.device)}", flush=True)
    except ValueError as exc:
        sys.exit(f"robust_train.py: {exc}")
    problems = ["knapsack", "capital_budgeting"] if args.problem == "both" else [args.problem]
    for problem in problems:
        t0 = time.perf_counter()
        model = Neur2RO(problem, epochs=args.epochs, n_first_stage=args.first_stage, n_scenarios=args.scenarios,
                        n_jobs=args.jobs, seed=args.seed, verbose=True, batch_size=args.batch_size, lr=args.lr,
                        patience=args.patience, sampling=args.sampling, feature_version=args.features,
                        interaction=args.interaction, train_time_limit=args.train_time_limit,
                        adversary_time_limit=args.adversary_time_limit, device=args.device,
                        executor=args.executor, scheduler=args.scheduler)
        cache = Path(args.data_cache) if args.data_cache and problem == "knapsack" else None
        if cache is not None and cache.is_file():
            data = load_knapsack_data(cache)
            print(f"{problem}: {len(data['samples'])} samples read from {cache} (collected in {data['time']:.0f} s)")
        else:
            insts = random_instances(problem, args.instances, SIZES[problem], seed=args.seed, integral=args.integral)
            data = collect_data(insts, args.first_stage, args.scenarios, n_jobs=args.jobs, seed=args.seed,
                                progress=True, sampling=args.sampling, executor=args.executor,
                                scheduler=args.scheduler)
            print(f"{problem}: {len(data['samples'])} samples collected in {data['time']:.0f} s "
                  f"on {data['jobs']} worker(s) ({data.get('executor', 'local')})", flush=True)
            if cache is not None:
                save_knapsack_data(cache, data)
        if args.collect_only:
            continue
        model.fit(data=data)
        pt, js = model.save(Path(args.out) / problem)
        h = model.history_
        print(f"{problem}: {h['samples']} samples; data {h['data_time']:.0f} s on {h['data_jobs']} process(es); "
              f"training {h['time']:.0f} s on {h['device']} ({h['epochs']} epochs); best validation MSE "
              f"{h['best_val']:.5f} (scaled); total {time.perf_counter() - t0:.0f} s -> {pt}, {js}")


if __name__ == "__main__":
    main()
