"""DAG learning benchmark: TOPO beside the exact DP (ExactDAG) and NOTEARS, as the `dag` suite runs
them (`optlib bench dag`), and optionally the authors' reference TOPO code on the same data.

    python examples/dag_benchmark.py --quick                       # d = 8, 10; ER2/ER4/SF4; 2 seeds (seconds)
    python examples/dag_benchmark.py [--d 10 20 50 100] [--graphs ER2 ER4 SF4] [--seeds 5]
        [--methods TOPO TOPO-ref TOPO-r4 ExactDAG NOTEARS reference] [--reference /tmp/TOPO]
        [--json dag.jsonl] [--resume] [--executor processes --workers 2]

The runs, data and measures are the suite's (problems/dag/suite.py): n samples of a linear SEM
with Gaussian noise on ER-k / SF-k DAGs, every method from the same data and TOPO from the same
initial order; objective = the score 1/(2n)||X - XW||_F^2 of the unthresholded W, baseline = its
exact minimum over all DAGs (ExactDAG, d <= 12); shd/tpr/fdr (graph thresholded at 0.3) are in
each record's `extra`. Without --quick the paper set (n = 1000, d = 10..100, seeds 0..4).
--d, --graphs and --methods keep those runs of the set; --seeds N runs seeds 0..N-1;
--time-limit S gives every run that limit (default: the suite's, NOTEARS 20 s quick / 300 s paper).

`--reference DIR` (a special study no suite covers) also runs Topo_linear.py from a checkout of
github.com/Duntrain/TOPO (needs numpy, scipy, scikit-learn, torch; nothing of it is copied here)
on each instance with d <= --reference-max-d, with the reference's sizes size_small=100,
size_large=400 (clipped to d(d-1)/2) and no_large_search=1, from the same order; its records
(method 'reference-TOPO') join the report. BLAS runs on one thread (--blas-threads).

Dropped flags (the suite fixes them): --n, --exact-max-d, --notears-max-d, --notears-time-limit
(use --time-limit), --ref-large-search; --merge (use `optlib bench report a.jsonl b.jsonl`).
--json now writes JSON lines, one tidy record per run.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import os
import sys
import time
from pathlib import Path
from typing import Any

ALIASES = {"topo": "TOPO", "topo-ref": "TOPO-ref", "topo-r4": "TOPO-r4", "exact": "ExactDAG",
           "exactdag": "ExactDAG", "notears": "NOTEARS", "reference": "reference"}


def _parse(argv: list[str] | None = None) -> argparse.Namespace:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _suite_example import add_sweep_args

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--d", type=int, nargs="+", default=None, help="keep these numbers of nodes")
    p.add_argument("--graphs", nargs="+", default=None, help="keep these graphs (ER2, ER4, SF4)")
    p.add_argument("--seeds", type=int, default=None, help="run seeds 0..N-1 (default: the suite's)")
    p.add_argument("--methods", nargs="+", default=None,
                   help="keep these methods: TOPO TOPO-ref TOPO-r4 ExactDAG NOTEARS, and 'reference' "
                        "(the authors' code, with --reference)")
    p.add_argument("--time-limit", type=float, default=None, help="seconds per run (default: the suite's)")
    p.add_argument("--reference", default=None, help="directory of a Duntrain/TOPO checkout")
    p.add_argument("--reference-max-d", type=int, default=50)
    p.add_argument("--blas-threads", default="1")
    add_sweep_args(p)
    args = p.parse_args(argv)
    if args.methods is not None:
        bad = [m for m in args.methods if m.lower() not in ALIASES]
        if bad:
            p.error(f"--methods: unknown {' '.join(bad)}; choose from TOPO TOPO-ref TOPO-r4 ExactDAG NOTEARS reference")
        args.methods = [ALIASES[m.lower()] for m in args.methods]
    if args.reference and args.methods is not None and "reference" not in args.methods:
        args.methods.append("reference")
    return args


ARGS = _parse() if __name__ == "__main__" else None
if ARGS is not None:                    # before numpy is imported (by the suite)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = ARGS.blas_threads


def runs_for(args: argparse.Namespace) -> list[Any]:
    """The dag suite's runs (quick or paper) that --d, --graphs, --methods and --seeds select."""
    from _suite_example import choose, plan, select

    runs = plan("dag", args, time_limit=args.time_limit, seeds=args.seeds)
    ds = choose(args.d, (r.options["d"] for r in runs), "--d")
    graphs = choose(args.graphs, (r.options["graph"] for r in runs), "--graphs")
    methods = None if args.methods is None else set(args.methods) - {"reference"}
    if methods is not None and not methods:
        return []
    return select(runs, lambda r: (ds is None or r.options["d"] in ds) and (graphs is None or r.options["graph"] in graphs)
                  and (methods is None or r.method in methods), "--d / --graphs / --methods")


# -- the reference study ------------------------------------------------------------------------
def load_reference(path: str) -> Any:
    """Topo_linear from a checkout (its utilities file is imported as topo_utils)."""
    sys.path.insert(0, path)
    if "topo_utils" not in sys.modules:
        name = "topo_utils" if os.path.exists(os.path.join(path, "topo_utils.py")) else "Topo_utils"
        sys.modules["topo_utils"] = importlib.import_module(name)
    return importlib.import_module("Topo_linear")


def run_reference(mod: Any, X: Any, order: Any) -> tuple[Any, float]:
    """(W, seconds) of the reference TOPO_linear with its own sizes, from `order`."""
    from sklearn.linear_model import LinearRegression

    def regress(X, y):
        return LinearRegression(fit_intercept=False).fit(X=X, y=y).coef_

    def score(X, W):
        R = X - X @ W
        return 0.5 / X.shape[0] * (R ** 2).sum(), -1.0 / X.shape[0] * X.T @ R

    d = X.shape[1]
    pairs = d * (d - 1) // 2
    mod.X = X                      # its _init_W reads a module-level X
    model = mod.TOPO_linear(score=score, regress=regress)
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        W, *_ = model.fit(X=X, topo=[int(v) for v in order], no_large_search=1,
                          size_small=min(100, pairs), size_large=min(400, pairs))
    return W, time.perf_counter() - t0


def reference_records(runs: list[Any], args: argparse.Namespace) -> list[dict[str, Any]]:
    """One record (method 'reference-TOPO') per instance and seed of `runs` with d <= --reference-max-d,
    in the suite's units (objective = F(W) of the unthresholded W, baseline = ExactDAG's optimum)."""
    import dataclasses

    import numpy as np

    from optlib.bench.records import PeakMemory, RecordWriter, make_record, now_iso
    from problems.dag.metrics import count_accuracy
    from problems.dag.score import l2_score
    from problems.dag.suite import EXACT_MAX_D, W_THRESHOLD, exact_optimum, instance

    mod = load_reference(args.reference)
    seen, out = set(), []
    for r in runs:
        o = r.options
        key = (o["graph"], o["d"], o["n"], r.seed)
        if key in seen or o["d"] > args.reference_max_d:
            continue
        seen.add(key)
        X, W_true, order = instance(*key)
        mem = PeakMemory()
        started = now_iso()
        mem.start()
        c0 = time.process_time()
        W, seconds = run_reference(mod, X, order)
        cpu = time.process_time() - c0
        A = np.where(np.abs(W) >= W_THRESHOLD, W, 0.0)
        acc = count_accuracy(W_true, A)
        outcome = {"status": "FEASIBLE", "objective": float(l2_score(X, W)), "verified": True,
                   "message": "the authors' TOPO_linear (Duntrain/TOPO), reference sizes",
                   "shd": int(acc["shd"]), "tpr": float(acc["tpr"]), "fdr": float(acc["fdr"]), "nnz": int(acc["nnz"])}
        if o["d"] <= EXACT_MAX_D:
            outcome["baseline"] = exact_optimum(*key)
        run = dataclasses.replace(r, method="reference-TOPO", backend="",
                                  options={"graph": o["graph"], "d": o["d"], "n": o["n"]})
        rec = make_record(run, outcome, wall_s=seconds, cpu_s=cpu, peak_memory_mb=mem.peak_mb(),
                          memory_source=mem.source, started_at=started)
        out.append(rec)
        if args.json:
            with RecordWriter(args.json, append=True) as w:
                w.write(rec)
        print(f"reference-TOPO {run.instance} seed {r.seed}: F(W) {outcome['objective']:.6g}, {seconds:.2f} s",
              file=sys.stderr, flush=True)
    return out


def reference_note(records: list[dict[str, Any]]) -> None:
    """TOPO's score against the reference's on the same instances: lower / tie (1e-6 rel.) / higher."""
    ref = {(r["instance"], r["seed"]): r for r in records if r["method"] == "reference-TOPO"}
    for method in ("TOPO", "TOPO-ref", "TOPO-r4"):
        pairs = [(r, ref[(r["instance"], r["seed"])]) for r in records
                 if r["method"] == method and (r["instance"], r["seed"]) in ref and r.get("objective") is not None]
        if pairs:
            rel = [a["objective"] / b["objective"] - 1 for a, b in pairs]
            speed = sum(b["wall_s"] / max(a["wall_s"], 1e-9) for a, b in pairs) / len(pairs)
            print(f"{method} vs reference-TOPO on {len(pairs)} runs: score lower {sum(x < -1e-6 for x in rel)}, "
                  f"tie (1e-6) {sum(abs(x) <= 1e-6 for x in rel)}, higher {sum(x > 1e-6 for x in rel)}; "
                  f"reference / {method} time x{speed:.1f}")


def main(args: argparse.Namespace) -> list[dict[str, Any]]:
    from _suite_example import fail, report, sweep

    if args.reference and not Path(args.reference, "Topo_linear.py").exists():
        fail(f"--reference {args.reference}: no Topo_linear.py there (a checkout of github.com/Duntrain/TOPO)")
    study = bool(args.reference) and (args.methods is None or "reference" in args.methods)
    runs = runs_for(args)
    records = sweep(runs, args, show=not study) if runs else []
    if study:
        basis = runs or runs_for(argparse.Namespace(**{**vars(args), "methods": None}))
        records = records + reference_records(basis, args)
        report(records)
        reference_note(records)
    return records


if __name__ == "__main__":
    main(ARGS)
