"""Benchmark: SDPKMeans and ILASDP beside exact K-means, KMeans and EM on Gaussian mixtures and
iris/wine/digits, as the `clustering` suite runs them (`optlib bench clustering`), with the
mis-clustering error table and, optionally, the low-rank path at scale.

    python examples/clustering_benchmark.py --quick                # n = 30 mixtures, exact K-means baseline
    python examples/clustering_benchmark.py --seeds 20             # the paper set: seeds 0..19 + iris/wine/digits
    python examples/clustering_benchmark.py --seeds 20 --seed-start 200 --no-real --settings hetero
    python examples/clustering_benchmark.py --seeds 3 --no-real --scale 1000 2000 5000 --json bench.jsonl

The runs are the suite's (problems/clustering/suite.py): quick: three n = 30 mixtures, seeds 0, 1,
ExactKMeans (the baseline), SDPKMeans on clarabel and scs, ILASDP, KMeans, EM; paper: two common
and three heterogeneous mixtures (n = 60-90), iris, wine and digits (standardised), SDPKMeans and
ILASDP on scs, KMeans (k-means++, n_init = 10: the baseline), EM (GaussianMixture defaults) and
EM-BIC (n_init = 10 with full, diagonal and spherical covariances, the lowest BIC). Objective of
every method: the K-means inertia of its labels; SDPKMeans's bound is a certified lower bound on
the inertia of every partition. After the report: the mean mis-clustering error (best label
matching) and time per setting and method, and how often SDPKMeans certified the optimum.

--seeds N and --seed-start S run the mixtures with seeds S..S+N-1 (the real data sets once);
--settings keeps the settings whose name holds one of the comma-separated parts (e.g. hetero,
common-K3, iris); --no-real drops iris/wine/digits; --backend keeps the SDP runs on that backend.
--scale n1 n2 ... (a study no suite covers) adds the low-rank path on a separated K = 4, d = 10
mixture of each size. --threads sets the BLAS threads (default 1).

Dropped flags: --ilasdp and --compare-old (ILASDP runs with its defaults; docs/studies.md
keeps the comparison with the previous ones), EM10; --out is now --json (JSON lines, one tidy
record per run: `optlib bench report OUT`).
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

#: the paper settings under the names this script used before (examples/clustering_selection_study.py)
OLD_NAMES = {
    "common K=3 d=2 sep=8 (separated)": "common-K3-d2-sep8-n60",
    "common K=3 d=2 sep=4": "common-K3-d2-sep4-n60",
    "hetero K=2 d=5 sep=4 ratio=9": "hetero-K2-d5-sep4-ratio9-n60",
    "hetero K=3 d=5 sep=4 ratio=6": "hetero-K3-d5-sep4-ratio6-n90",
    "hetero adversarial K=3 d=4 sep=3": "adversarial-K3-d4-sep3-n90",
}


def _settings() -> dict[str, dict]:
    from problems.clustering.suite import PAPER

    return {old: dict(PAPER[new]) for old, new in OLD_NAMES.items()}


def __getattr__(name: str) -> Any:          # SETTINGS: the gaussian_mixture arguments by old name
    if name == "SETTINGS":
        return _settings()
    raise AttributeError(name)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    from _suite_example import add_sweep_args

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=None, help="mixture seeds (default: the suite's, 2 quick / 20 paper)")
    ap.add_argument("--seed-start", type=int, default=0, help="first seed (default 0)")
    ap.add_argument("--settings", default=None, help="comma-separated parts of setting names to keep")
    ap.add_argument("--no-real", action="store_true", help="no iris / wine / digits")
    ap.add_argument("--backend", default=None, help="keep the SDP runs on this backend (scs; quick also clarabel)")
    ap.add_argument("--scale", type=int, nargs="*", default=[], help="n values for the low-rank scale test")
    ap.add_argument("--threads", default="1", help="BLAS threads (default 1: faster on these small products)")
    add_sweep_args(ap)
    args = ap.parse_args(argv)
    if args.seeds is not None and args.seeds < 1:
        ap.error("--seeds must be at least 1")
    return args


def runs_for(args: argparse.Namespace) -> list[Any]:
    """The clustering suite's runs that the flags select, with the seeds S..S+N-1 on the mixtures."""
    from _suite_example import plan, select

    from problems.clustering.suite import REAL

    parts = [p for p in (args.settings or "").split(",") if p]

    def keep(r: Any) -> bool:
        return ((not parts or any(p in r.instance for p in parts)) and not (args.no_real and r.instance in REAL)
                and (args.backend is None or r.method not in ("SDPKMeans", "ILASDP") or r.backend == args.backend))

    runs = select(plan("clustering", args), keep, "--settings / --no-real / --backend")
    if args.seeds is not None or args.seed_start:
        seeds = range(args.seed_start, args.seed_start + (args.seeds or len({r.seed for r in runs})))
        first = {}
        for r in runs:                                    # one run per (instance, method, backend)
            first.setdefault((r.instance, r.method, r.backend), r)
        runs = [dataclasses.replace(r, seed=s) for r in first.values()
                for s in ((0,) if r.instance in REAL else seeds)]
        order = {inst: i for i, inst in enumerate(dict.fromkeys(r.instance for r in runs))}
        runs.sort(key=lambda r: (order[r.instance], r.seed))          # stable: the suite's method order
    return runs


def errors(records: list[dict[str, Any]]) -> None:
    """Mean (sd) mis-clustering error and mean time per setting and method; SDPKMeans's certificates."""
    print("\n| setting | method | runs | error (mean ± sd) | time s | notes |")
    print("|---|---|---|---|---|---|")
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in records:
        label = r["method"] + (f" ({r['backend']})" if r["backend"] else "")
        groups.setdefault((r["instance"], label), []).append(r)
    for (inst, label), rs in groups.items():
        e = [r["extra"]["error"] for r in rs if r["extra"].get("error") is not None]
        note = ""
        if label.startswith("SDPKMeans"):
            note = f"certified optimal {sum(bool(r['extra'].get('certified')) for r in rs)}/{len(rs)}"
        err = f"{statistics.mean(e):.3f} ± {statistics.pstdev(e):.3f}" if e else "-"
        print(f"| {inst} | {label} | {len(rs)} | {err} | {statistics.mean(r['wall_s'] for r in rs):.2f} | {note} |")


def scale(sizes: list[int]) -> None:
    """The low-rank path on a separated K = 4, d = 10 mixture of each size."""
    from problems.clustering import SDPKMeans, gaussian_mixture, misclustering_error

    print("\n## Low-rank path scale (separated mixture K=4, d=10, sep=8)\n")
    print("| n | time s | error | certified optimal | gap | converged |")
    print("|---|---|---|---|---|---|")
    for n in sizes:
        X, y = gaussian_mixture(n, 4, 10, separation=8.0, random_state=0)
        t = time.perf_counter()
        m = SDPKMeans(4, solver="lowrank", device="numpy", time_limit=300).fit(X)
        dt = time.perf_counter() - t
        print(f"| {n} | {dt:.2f} | {misclustering_error(y, m.labels_):.4f} | {m.optimal_} | {m.gap_:.2g} | "
              f"{m.result_.converged} |", flush=True)


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    args = parse(argv)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = args.threads        # before numpy is imported (by the suite)
    from _suite_example import sweep

    records = sweep(runs_for(args), args)
    errors(records)
    if args.scale:
        scale(args.scale)
    return records


if __name__ == "__main__":
    main()
