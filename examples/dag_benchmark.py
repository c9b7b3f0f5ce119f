"""DAG learning benchmark: TOPO, NOTEARS, the exact DP (small d) and, optionally, the authors'
reference TOPO code on the same data and the same initial order.

    python examples/dag_benchmark.py [--d 10 20 50 100] [--graphs ER2 ER4 SF4] [--seeds 5]
        [--reference /tmp/TOPO] [--json dag_bench.json] [--merge earlier.json ...]

"topo" is TOPO with its defaults, "topo-ref" TOPO with the reference's settings (same
algorithm, so the same path and score up to ties), "topo-r4" the defaults plus 4 restarts.
Data: n = 1000 samples of a linear SEM with gauss noise on ER-k / SF-k DAGs, weights on
+-[0.5, 2] (`problems.dag.simulate`). Scores are the l2 NOTEARS objective
1/(2n) ||X - X W||_F^2 of each method's unthresholded W ("score") and of W thresholded at
0.3 without refitting ("thr-norefit"); SHD/TPR/FDR are of the thresholded graph. "exact" is
the global minimum of the same score over all DAGs (`ExactDAG`, d <= --exact-max-d), so
TOPO's score can be checked against it. `--reference DIR` runs Topo_linear.py from a
checkout of github.com/Duntrain/TOPO (needs numpy, scipy, scikit-learn, torch) with its own
defaults size_small=100, size_large=400 (clipped to d(d-1)/2), no_large_search=1 (or
--ref-large-search, also used by topo-ref); nothing
of it is copied here. BLAS runs on one thread for every method (--blas-threads).
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import json
import os
import sys
import time


def _parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--d", type=int, nargs="+", default=[10, 20, 50, 100])
    p.add_argument("--graphs", nargs="+", default=["ER2", "ER4", "SF4"])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--methods", nargs="+", default=["topo", "topo-ref", "topo-r4", "notears", "exact",
                                                           "reference"])
    p.add_argument("--exact-max-d", type=int, default=12)
    p.add_argument("--notears-max-d", type=int, default=20)
    p.add_argument("--notears-time-limit", type=float, default=600.0)
    p.add_argument("--reference", default=None, help="directory of a Duntrain/TOPO checkout")
    p.add_argument("--reference-max-d", type=int, default=50)
    p.add_argument("--ref-large-search", type=int, default=1,
                   help="no_large_search of the reference run and max_large_search of topo-ref")
    p.add_argument("--blas-threads", default="1")
    p.add_argument("--json", default=None)
    p.add_argument("--merge", nargs="*", default=[], help="JSON files of earlier runs to add to the summary")
    p.add_argument("--quick", action="store_true", help="d = 8, ER2, 2 seeds, TOPO / ExactDAG / NOTEARS (seconds)")
    args = p.parse_args()
    if args.quick:                   # the quick settings as defaults: flags given explicitly still win
        p.set_defaults(d=[8], graphs=["ER2"], seeds=2, methods=["topo", "exact", "notears"])
        args = p.parse_args()
    return args


ARGS = _parse() if __name__ == "__main__" else None
if ARGS is not None:
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = ARGS.blas_threads

import numpy as np

from problems.dag import NOTEARS, TOPO, ExactDAG, count_accuracy, l2_score, simulate


def load_reference(path: str):
    """Topo_linear.TOPO_linear from a checkout (its utilities file is imported as topo_utils)."""
    sys.path.insert(0, path)
    if "topo_utils" not in sys.modules:
        name = "topo_utils" if os.path.exists(os.path.join(path, "topo_utils.py")) else "Topo_utils"
        sys.modules["topo_utils"] = importlib.import_module(name)
    return importlib.import_module("Topo_linear")


def run_reference(mod, X: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, float]:
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
        W, *_ = model.fit(X=X, topo=[int(v) for v in order], no_large_search=ARGS.ref_large_search,
                          size_small=min(100, pairs), size_large=min(400, pairs))
    return W, time.perf_counter() - t0


def row(name: str, X, W_true, W, A, seconds: float, extra: dict | None = None) -> dict:
    acc = count_accuracy(W_true, A)
    out = {"method": name, "score": l2_score(X, W), "thr": l2_score(X, A), "shd": acc["shd"], "tpr": acc["tpr"],
           "fdr": acc["fdr"], "nnz": acc["nnz"], "time": seconds}
    out.update(extra or {})
    return out


def run_instance(graph: str, d: int, seed: int, ref_mod) -> list[dict]:
    kind, k = graph[:2], int(graph[2:])
    X, W_true = simulate(ARGS.n, d, kind, k, "gauss", random_state=seed)
    order = np.random.default_rng(10_000 + seed).permutation(d)
    rows = []
    if "topo" in ARGS.methods:
        t0 = time.perf_counter()
        est = TOPO(init=order, blas_threads=None).fit(X)
        rows.append(row("topo", X, W_true, est.weights_, est.adjacency_, time.perf_counter() - t0,
                        {"converged": est.converged_, "n_iter": est.n_iter_}))
    if "topo-ref" in ARGS.methods:             # TOPO with the reference code's settings
        pairs = d * (d - 1) // 2
        t0 = time.perf_counter()
        est = TOPO(init=order, size_small=min(100, pairs), size_large=min(400, pairs),
                   max_large_search=ARGS.ref_large_search, blas_threads=None).fit(X)
        rows.append(row("topo-ref", X, W_true, est.weights_, est.adjacency_, time.perf_counter() - t0,
                        {"converged": est.converged_, "n_iter": est.n_iter_}))
    if "topo-r4" in ARGS.methods:              # TOPO defaults plus 4 restarts from random orders
        t0 = time.perf_counter()
        est = TOPO(init=order, n_restarts=4, random_state=seed, blas_threads=None).fit(X)
        rows.append(row("topo-r4", X, W_true, est.weights_, est.adjacency_, time.perf_counter() - t0,
                        {"converged": est.converged_, "n_iter": est.n_iter_}))
    if "exact" in ARGS.methods and d <= ARGS.exact_max_d:
        t0 = time.perf_counter()
        ex = ExactDAG(w_threshold=0.3, blas_threads=None).fit(X)
        rows.append(row("exact", X, W_true, ex.weights_, ex.adjacency_, time.perf_counter() - t0))
    if "notears" in ARGS.methods and d <= ARGS.notears_max_d:
        t0 = time.perf_counter()
        nt = NOTEARS(time_limit=ARGS.notears_time_limit, blas_threads=None).fit(X)
        rows.append(row("notears", X, W_true, nt.weights_, nt.adjacency_, time.perf_counter() - t0,
                        {"converged": nt.converged_, "timed_out": nt.timed_out_}))
    if ref_mod is not None and d <= ARGS.reference_max_d:
        W, sec = run_reference(ref_mod, X, order)
        A = np.where(np.abs(W) >= 0.3, W, 0.0)
        rows.append(row("reference-topo", X, W_true, W, A, sec))
    truth = np.zeros_like(W_true)          # least squares on the true parents: the score of the truth
    for j in range(d):
        P = np.flatnonzero(W_true[:, j])
        if len(P):
            truth[P, j] = np.linalg.lstsq(X[:, P], X[:, j], rcond=None)[0]
    for r in rows:
        r.update(graph=graph, d=d, seed=seed, truth_score=l2_score(X, truth))
    return rows


def summarise(results: list[dict]) -> None:
    print(f"\n{'graph':5} {'d':>4} {'method':15} {'runs':>4} {'score':>10} {'thr-norefit':>11} {'SHD':>7} {'TPR':>5} "
          f"{'FDR':>5} {'time s':>8}  note")
    keys = sorted({(r["graph"], r["d"]) for r in results}, key=lambda t: (t[0], t[1]))
    for g, d in keys:
        block = [r for r in results if r["graph"] == g and r["d"] == d]
        by = {}
        for r in block:
            by.setdefault(r["method"], []).append(r)
        for m, rs in by.items():
            mean = {k: float(np.mean([r[k] for r in rs])) for k in ("score", "thr", "shd", "tpr", "fdr", "time")}
            note = ""
            if m.startswith("topo"):
                ex = {r["seed"]: r["score"] for r in by.get("exact", [])}
                ref = {r["seed"]: r for r in by.get("reference-topo", [])}
                if ex:
                    gaps = [r["score"] / ex[r["seed"]] - 1 for r in rs if r["seed"] in ex]
                    note += (f"= exact optimum on {sum(g <= 1e-6 for g in gaps)}/{len(gaps)} (rel 1e-6), "
                             f"{sum(g <= 1e-4 for g in gaps)}/{len(gaps)} (1e-4); ")
                if ref:
                    rel = [r["score"] / ref[r["seed"]]["score"] - 1 for r in rs if r["seed"] in ref]
                    sp = np.mean([ref[r["seed"]]["time"] / r["time"] for r in rs if r["seed"] in ref])
                    note += (f"score vs reference: lower {sum(x < -1e-6 for x in rel)}, tie (1e-6) "
                             f"{sum(abs(x) <= 1e-6 for x in rel)}, higher {sum(x > 1e-6 for x in rel)}; "
                             f"reference/this time x{sp:.0f}")
            print(f"{g:5} {d:4d} {m:15} {len(rs):4d} {mean['score']:10.4f} {mean['thr']:11.4f} {mean['shd']:7.1f} "
                  f"{mean['tpr']:5.2f} {mean['fdr']:5.2f} {mean['time']:8.2f}  {note}")


def main() -> None:
    ref_mod = None
    if ARGS.reference and "reference" in ARGS.methods:
        ref_mod = load_reference(ARGS.reference)
    results: list[dict] = []
    for path in ARGS.merge:
        with open(path) as fh:
            results.extend(json.load(fh))
    for d in ARGS.d:
        for graph in ARGS.graphs:
            for seed in range(ARGS.seeds):
                rows = run_instance(graph, d, seed, ref_mod)
                results.extend(rows)
                print(f"{graph} d={d} seed={seed}: " + ", ".join(
                    f"{r['method']} score={r['score']:.4f} shd={r['shd']} {r['time']:.2f}s" for r in rows), flush=True)
                if ARGS.json:
                    with open(ARGS.json, "w") as fh:
                        json.dump(results, fh, indent=1, default=float)
    summarise(results)


if __name__ == "__main__":
    main()
