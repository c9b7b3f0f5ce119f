"""Benchmark of Tucker core-shape selection (`problems.tensor`) on real and synthetic tensors.

For each tensor and budget: the packed value of every method (and its ratio to `exact`),
the core shape, the squared relative error of our fit of that shape (rre =
||X - X_hat||^2 / ||X||^2, as in the paper; truncated HOSVD refined by --hooi-iters HOOI
sweeps, --sparse-hooi-iters for the sparse tensor), and the time of the shape search (after the
singular values). Brute force is run where it enumerates at most `--max-shapes` shapes.
Then a sweep of 49 budgets 4,000..100,000 with `core_shape_path` (one DP pass), timed.

Tensors: scikit-learn's sample images china and flower (427 x 640 x 3), the sparse
order-22 mushroom tensor (shipped with optlib: optlib.datasets.mushroom_tensor_path), a random
Tucker tensor 100^3 of ranks (16, 32, 64) plus 10 % noise, and a video-like 64 x 90 x 120 x 3
tensor. The sample images need Pillow (pip install optlib[images]); --quick leaves them out
unless --tensors names them.

    python examples/tensor_core_shapes.py [--tensors china,flower,mushroom,tucker,video]
        [--budgets 4000,8000,16000,32000,64000,100000] [--methods exact,ip,...]
        [--hooi-iters 5] [--ip-sweep] [--tt] [--json out.json] [--plot out.png] [--quick]

Method `ip-log-split` is the paper's formulation (a grid of ~56 log-linearised MILPs per
budget, solved here through optlib on HiGHS): it stands in for the reference code's cost.
"""
from __future__ import annotations

import argparse
import json
import math
import time
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _requires import require  # noqa: E402

from problems.tensor import (  # noqa: E402
    core_shape,
    core_shape_path,
    load_mushroom,
    mode_spectra,
    random_tucker,
    sample_images,
    tensor_train_ranks,
    video_tensor,
)

METHODS = ("exact", "ip", "ip-log-split", "brute-force", "greedy", "hosvd-greedy", "hosvd-bang-for-buck")
SWEEP = list(range(4000, 100001, 2000))               # 49 budgets


def load(name: str, quick: bool):
    if name in ("china", "flower"):
        img = sample_images()[name]
        return img[::4, ::4] if quick else img
    if name == "mushroom":
        return load_mushroom()                # shipped with optlib (or $OPTLIB_DATA/tensors)
    if name == "tucker":
        shape = (40, 40, 40) if quick else (100, 100, 100)
        return random_tucker(shape, (4, 8, 16) if quick else (16, 32, 64), noise=0.1, seed=0)
    if name == "video":
        return video_tensor(16, 24, 32) if quick else video_tensor(64, 90, 120)
    raise ValueError(f"unknown tensor {name!r}")


def solve(X, budget: int, method: str, spectra, max_shapes: int):
    if method == "ip-log-split":
        return core_shape(X, budget, "ip", spectra=spectra, formulation="log-split", eps=0.5, backend="highs")
    if method == "ip":
        return core_shape(X, budget, "ip", spectra=spectra, backend="highs", time_limit=60)
    if method == "brute-force":
        return core_shape(X, budget, method, spectra=spectra, max_shapes=max_shapes)
    return core_shape(X, budget, method, spectra=spectra)


def main() -> None:
    ap = argparse.ArgumentParser(description="Tucker core shapes under a budget: methods compared")
    ap.add_argument("--tensors", default=None,
                    help="default china,flower,mushroom,tucker,video (--quick: mushroom,tucker,video)")
    ap.add_argument("--budgets", default="4000,8000,16000,32000,64000,100000")
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--hooi-iters", type=int, default=5)
    ap.add_argument("--sparse-hooi-iters", type=int, default=0, help="HOOI sweeps for the sparse mushroom tensor")
    ap.add_argument("--greedy-max-budget-sparse", type=int, default=16000,
                    help="the true-error greedy on a sparse tensor recomputes a core per candidate: skip above this")
    ap.add_argument("--max-shapes", type=int, default=5 * 10 ** 6)
    ap.add_argument("--ip-sweep", action="store_true",
                    help="also solve the exact MILP (ip, HiGHS) at every sweep budget and compare with exact")
    ap.add_argument("--tt", action="store_true",
                    help="also choose tensor-train ranks (exact DP) for the dense tensors, with the TT-SVD error")
    ap.add_argument("--json", default=None)
    ap.add_argument("--plot", default=None, help="PNG: the fitted rre of each method vs budget, one panel per tensor (matplotlib)")
    ap.add_argument("--quick", action="store_true",
                    help="small tensors, budgets 1000,4000 and a short sweep (about a minute)")
    args = ap.parse_args()
    if args.quick:                   # the quick budgets as defaults: --budgets given explicitly still wins
        ap.set_defaults(budgets="1000,4000")
        args = ap.parse_args()
    if args.tensors is None:
        args.tensors = "mushroom,tucker,video" if args.quick else "china,flower,mushroom,tucker,video"
    if {"china", "flower"} & {t.strip() for t in args.tensors.split(",")}:
        require("PIL", why="the sample images china / flower")
    if args.plot:
        require("matplotlib", why="--plot")
    budgets = [int(b) for b in args.budgets.split(",") if b.strip()]
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    sweep = [b // 10 for b in SWEEP] if args.quick else SWEEP
    report = {}
    for name in [t.strip() for t in args.tensors.split(",") if t.strip()]:
        X = load(name, args.quick)
        t0 = time.perf_counter()
        spectra = mode_spectra(X)
        t_spec = time.perf_counter() - t0
        sparse = not isinstance(X, np.ndarray)
        print(f"\n== {name}: shape {tuple(X.shape)}{f' (sparse, nnz={X.nnz})' if sparse else ''}, "
              f"singular values of all unfoldings in {t_spec:.2f} s")
        rows, fits = [], {}
        iters = args.sparse_hooi_iters if sparse else args.hooi_iters
        print(f"{'budget':>7} {'method':<20} {'packed/exact':>12} {f'rre({iters} it)':>10} {'time s':>8}  shape")
        for b in budgets:
            if b < 1 + sum(X.shape):
                continue
            best = None
            for method in methods:
                if method == "greedy" and sparse and b > args.greedy_max_budget_sparse:
                    continue
                try:
                    cs = solve(X, b, method, spectra, args.max_shapes)
                except ValueError as exc:                 # brute force over its limit
                    print(f"{b:>7} {method:<20} {'-':>12} {'-':>10} {'-':>8}  ({exc})")
                    continue
                if method == "exact":
                    best = cs.packed_value
                if cs.shape not in fits:
                    fits[cs.shape] = cs.fit(n_iter=iters).rre
                ratio = cs.packed_value / best if best else float("nan")
                flag = "" if method not in ("exact", "ip", "brute-force") or cs.optimal else " (not proved)"
                print(f"{b:>7} {method:<20} {ratio:>12.7f} {fits[cs.shape]:>10.5f} {cs.time:>8.3f}  "
                      f"{cs.shape if len(cs.shape) <= 6 else f'prod={math.prod(cs.shape)}'}{flag}")
                rows.append({"budget": b, "method": method, "shape": list(cs.shape), "size": cs.size,
                             "packed_value": cs.packed_value, "ratio_to_exact": ratio, "bound": cs.bound,
                             "optimal": cs.optimal, "error_bound": cs.error_bound, "lower_bound": cs.lower_bound,
                             "rre_hooi": fits[cs.shape], "hooi_iters": iters, "time_s": cs.time})
        t0 = time.perf_counter()
        path = core_shape_path(X, [b for b in sweep if b >= 1 + sum(X.shape)], spectra=spectra)
        t_path = time.perf_counter() - t0
        print(f"sweep of {len(path)} budgets {path[0].budget}..{path[-1].budget} with core_shape_path "
              f"(exact, after the singular values): {t_path:.3f} s; all proved optimal: "
              f"{all(c.optimal for c in path)}")
        tt_rows = []
        if args.tt and not sparse:
            print("tensor train (exact DP over TT ranks, TT-SVD error) vs Tucker exact (rre as above):")
            for b in budgets:
                if b < sum(X.shape):
                    continue
                ts = tensor_train_ranks(X, b)
                _, err = ts.fit()
                tucker = next((r for r in rows if r["budget"] == b and r["method"] == "exact"), None)
                print(f"{b:>7} TT ranks {ts.ranks}, size {ts.size}, rre {err:.5f} (bound {ts.error_bound:.5f}), "
                      f"{ts.time:.3f} s" + (f"; Tucker {tuple(tucker['shape'])} rre {tucker['rre_hooi']:.5f}" if tucker else ""))
                tt_rows.append({"budget": b, "ranks": list(ts.ranks), "size": ts.size, "rre_tt_svd": err,
                                "error_bound": ts.error_bound, "time_s": ts.time})
        ip_sweep = None
        if args.ip_sweep:
            t0 = time.perf_counter()
            ips = [core_shape(X, c.budget, "ip", spectra=spectra, backend="highs", time_limit=60) for c in path]
            worst = max(abs(i.packed_value - c.packed_value) / c.packed_value for i, c in zip(ips, path))
            ip_sweep = {"time_s": time.perf_counter() - t0, "all_optimal": all(i.optimal for i in ips),
                        "max_rel_diff_to_exact": worst}
            print(f"ip (product-chain MILP, HiGHS) on the same {len(ips)} budgets: "
                  f"{ip_sweep['time_s']:.1f} s, all proved optimal: {ip_sweep['all_optimal']}, "
                  f"largest relative difference to exact: {worst:.2e}")
        report[name] = {"shape": list(X.shape), "spectra_time_s": t_spec, "rows": rows, "ip_sweep": ip_sweep,
                        "tensor_train": tt_rows,
                        "sweep": {"budgets": [c.budget for c in path], "time_s": t_path,
                                  "packed_values": [c.packed_value for c in path],
                                  "shapes": [list(c.shape) for c in path]}}
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
        print(f"\nwrote {args.json}")
    if args.plot and report:
        plot(report, args.plot)
        print(f"wrote {args.plot}")


def plot(report: dict, path: str) -> None:
    """One panel per tensor: the fitted rre of each method's shape against the budget."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise SystemExit("--plot needs matplotlib: pip install optlib[plots]") from exc
    fig, axes = plt.subplots(1, len(report), figsize=(4.2 * len(report), 3.6), squeeze=False)
    for ax, (name, data) in zip(axes[0], report.items()):
        for method in sorted({r["method"] for r in data["rows"]}):
            rows = [r for r in data["rows"] if r["method"] == method]
            ax.plot([r["budget"] for r in rows], [r["rre_hooi"] for r in rows], marker="o", ms=3, label=method)
        ax.set_title(name)
        ax.set_xlabel("budget")
        ax.set_ylabel("rre of the fitted shape")
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    main()
