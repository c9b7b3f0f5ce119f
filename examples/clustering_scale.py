"""How large an n each SDPKMeans path handles within a time budget (default 300 s).

    python examples/clustering_scale.py --budget 300
    python examples/clustering_scale.py --paths lowrank --sizes 5000 20000 50000

For each path ('sdp:clarabel', 'sdp:scs', 'lowrank') the sizes are tried in increasing
order on a separated mixture (K=4, d=10, separation 8) in a child process killed at the
budget; a path stops at its first size that fails or runs out of time. Prints time,
whether the answer was certified optimal, and the gap.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import time

SIZES = {"sdp:clarabel": [60, 80, 100, 120], "sdp:scs": [200, 300, 400],
         "lowrank": [1000, 5000, 20000, 50000]}


def _one(path: str, n: int, queue) -> None:
    import warnings

    from threadpoolctl import threadpool_limits

    from problems.clustering import SDPKMeans, gaussian_mixture, misclustering_error

    warnings.simplefilter("ignore")
    threadpool_limits(1)
    X, y = gaussian_mixture(n, 4, 10, separation=8.0, random_state=0)
    solver, _, backend = path.partition(":")
    t = time.perf_counter()
    m = SDPKMeans(4, solver=solver, backend=backend or "auto", device="numpy").fit(X)
    queue.put({"path": path, "n": n, "time": time.perf_counter() - t, "optimal": bool(m.optimal_),
               "gap": float(m.gap_), "error": misclustering_error(y, m.labels_), "ran": m.path_})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--budget", type=float, default=300.0)
    ap.add_argument("--paths", nargs="*", default=list(SIZES))
    ap.add_argument("--sizes", type=int, nargs="*", default=None)
    ap.add_argument("--out", default=None)
    ap.add_argument("--quick", action="store_true", help="a run of about a minute: n = 60 on each path, 30 s budget")
    args = ap.parse_args()
    if args.quick:                   # the quick settings as defaults: flags given explicitly still win
        ap.set_defaults(**{"budget": 30.0, "sizes": [60]})
        args = ap.parse_args()
    rows = []
    print("| path | n | time s | certified optimal | gap | error |")
    print("|---|---|---|---|---|---|")
    for path in args.paths:
        for n in args.sizes or SIZES[path]:
            q = mp.Queue()
            p = mp.Process(target=_one, args=(path, n, q))
            t = time.perf_counter()
            p.start()
            p.join(args.budget)
            if p.is_alive():
                p.kill()
                p.join()
                print(f"| {path} | {n} | > {args.budget:.0f} (killed) | - | - | - |", flush=True)
                rows.append({"path": path, "n": n, "time": None})
                break
            if q.empty():
                print(f"| {path} | {n} | failed after {time.perf_counter() - t:.1f} s | - | - | - |", flush=True)
                rows.append({"path": path, "n": n, "time": None})
                break
            r = q.get()
            rows.append(r)
            print(f"| {path} | {n} | {r['time']:.1f} | {r['optimal']} | {r['gap']:.2g} | {r['error']:.4f} |",
                  flush=True)
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
