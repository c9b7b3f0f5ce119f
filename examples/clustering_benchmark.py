"""Benchmark: SDPKMeans, ILASDP, KMeans and EM on Gaussian mixtures and iris/wine/digits.

    python examples/clustering_benchmark.py --seeds 20            # the full table (seeds 0..19)
    python examples/clustering_benchmark.py --seeds 20 --seed-start 200 --no-real   # fresh seeds
    python examples/clustering_benchmark.py --seeds 20 --seed-start 300 --no-real --settings hetero --compare-old
    python examples/clustering_benchmark.py --seeds 3 --scale 1000 2000 5000 --out bench.json

Prints the mean mis-clustering error (best label matching) and time per method and
setting, the certified gap and how often SDPKMeans certified exact recovery, and, with
--scale, the low-rank path's time and certificate at each n. Baselines, seeded per
repetition: KMeans (k-means++, n_init=10), EM = GaussianMixture with its defaults (full
covariances, one k-means initialisation, n_init=1), EM10 = the same with n_init=10, and
EM-BIC = n_init=10 fits with full, diagonal and spherical covariances, the one with the
lowest BIC (mclust-style model selection). ILASDP runs with its defaults (the run from the
SDPKMeans labels plus the best partition of a pool of k-means++ runs and EM fits, compared
by the shrunk likelihood l_nu, nu = 10; covariance model by BIC; covariance_update=
'membership', solver='auto'; no EM refinement); --compare-old adds "ILASDP prev", the
previous defaults (full covariances). Real data: time limit 120 s
per SDP / low-rank solve.
"""
from __future__ import annotations

import argparse
import ast
import json
import time
import warnings

import numpy as np
from sklearn.cluster import KMeans
from sklearn.mixture import GaussianMixture

from problems.clustering import ILASDP, SDPKMeans, gaussian_mixture, load_real, misclustering_error

SETTINGS = {   # name: gaussian_mixture keyword arguments
    "common K=3 d=2 sep=8 (separated)": dict(n=60, n_clusters=3, dim=2, separation=8.0),
    "common K=3 d=2 sep=4": dict(n=60, n_clusters=3, dim=2, separation=4.0),
    "hetero K=2 d=5 sep=4 ratio=9": dict(n=60, n_clusters=2, dim=5, separation=4.0, covariance="heterogeneous",
                                         ratio=9.0, anisotropy=4.0),
    "hetero K=3 d=5 sep=4 ratio=6": dict(n=90, n_clusters=3, dim=5, separation=4.0, covariance="heterogeneous",
                                         ratio=6.0, anisotropy=4.0),
    "hetero adversarial K=3 d=4 sep=3": dict(n=90, n_clusters=3, dim=4, separation=3.0,
                                             covariance="heterogeneous", ratio=4.0, adversarial=True),
}


OLD_ILASDP = {"covariance": "full", "refine": None}  # the previous defaults (before covariance='auto')


def run_methods(X, y, K, seed, backend, sdp_max_n=200, time_limit=None, ilasdp_options=None, compare_old=False):
    """Errors and times of the methods; SDPKMeans uses the SDP up to sdp_max_n points
    (low rank above); ILASDP starts from the SDPKMeans labels (its time includes them);
    compare_old adds "ILASDP prev", the previous defaults (full covariances)."""
    out = {}
    t = time.perf_counter()
    solver = "sdp" if X.shape[0] <= sdp_max_n else "lowrank"
    sdp = SDPKMeans(K, solver=solver, backend=backend, random_state=seed, time_limit=time_limit).fit(X)
    t_sdp = time.perf_counter() - t
    out["SDPKMeans"] = (misclustering_error(y, sdp.labels_), t_sdp)
    t = time.perf_counter()
    ila = ILASDP(K, backend=backend, init=sdp.labels_, random_state=seed, time_limit=time_limit,
                 **dict(ilasdp_options or {})).fit(X)
    out["ILASDP"] = (misclustering_error(y, ila.labels_), time.perf_counter() - t + t_sdp)
    if compare_old:
        t = time.perf_counter()
        old = ILASDP(K, backend=backend, init=sdp.labels_, random_state=seed, time_limit=time_limit,
                     **OLD_ILASDP).fit(X)
        out["ILASDP prev"] = (misclustering_error(y, old.labels_), time.perf_counter() - t + t_sdp)
    t = time.perf_counter()
    out["KMeans"] = (misclustering_error(y, KMeans(K, n_init=10, random_state=seed).fit_predict(X)),
                     time.perf_counter() - t)
    t = time.perf_counter()
    em = GaussianMixture(K, random_state=seed).fit(X)
    out["EM"] = (misclustering_error(y, em.predict(X)), time.perf_counter() - t)
    t = time.perf_counter()
    em = GaussianMixture(K, random_state=seed, n_init=10).fit(X)
    out["EM10"] = (misclustering_error(y, em.predict(X)), time.perf_counter() - t)
    t = time.perf_counter()
    fits = [GaussianMixture(K, covariance_type=ct, random_state=seed, n_init=10).fit(X)
            for ct in ("full", "diag", "spherical")]
    em = min(fits, key=lambda g: g.bic(X))
    out["EM-BIC"] = (misclustering_error(y, em.predict(X)), time.perf_counter() - t)
    return out, sdp, ila


def table(rows, title):
    print(f"\n## {title}\n")
    print("| setting | method | error (mean ± sd) | time s | notes |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['setting']} | {r['method']} | {r['error']:.3f} ± {r['sd']:.3f} | {r['time']:.2f} | {r['notes']} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--seed-start", type=int, default=0, help="first seed (default 0: seeds 0..seeds-1)")
    ap.add_argument("--settings", default=None, help="comma-separated substrings: run only matching settings")
    ap.add_argument("--ilasdp", default="", help="ILASDP keyword arguments, e.g. \"n_init=1,covariance_update='labels'\"")
    ap.add_argument("--compare-old", action="store_true", help="also run ILASDP with the previous defaults")
    ap.add_argument("--backend", default="scs", help="optlib backend of the SDP paths (default scs)")
    ap.add_argument("--scale", type=int, nargs="*", default=[], help="n values for the low-rank scale test")
    ap.add_argument("--no-real", action="store_true")
    ap.add_argument("--out", default=None, help="write the rows as JSON here")
    ap.add_argument("--threads", type=int, default=1,
                    help="BLAS threads (default 1: on a busy machine multi-threaded BLAS on these small "
                         "products is 10-100x slower)")
    ap.add_argument("--quick", action="store_true", help="a run of about a minute: 1 seed, no real data sets")
    args = ap.parse_args()
    if args.quick:                   # the quick settings as defaults: flags given explicitly still win
        ap.set_defaults(**{"seeds": 1, "no_real": True})
        args = ap.parse_args()
    warnings.simplefilter("ignore")
    from threadpoolctl import threadpool_limits

    threadpool_limits(args.threads)
    ila_opts = {k.strip(): ast.literal_eval(v) for k, v in (kv.split("=", 1) for kv in args.ilasdp.split(",") if kv)}
    rows = []
    for name, kw in SETTINGS.items():
        if args.settings and not any(part in name for part in args.settings.split(",")):
            continue
        res = {m: [] for m in ("SDPKMeans", "ILASDP", "KMeans", "EM", "EM10", "EM-BIC")
               + (("ILASDP prev",) if args.compare_old else ())}
        certified, gaps, paths, kinds, refined = 0, [], set(), {}, []
        for seed in range(args.seed_start, args.seed_start + args.seeds):
            X, y = gaussian_mixture(random_state=seed, **kw)
            out, sdp, ila = run_methods(X, y, kw["n_clusters"], seed, args.backend, ilasdp_options=ila_opts,
                                        compare_old=args.compare_old)
            for m, v in out.items():
                res[m].append(v)
            certified += sdp.optimal_
            gaps.append(sdp.gap_)
            paths.add(sdp.path_)
            paths.add(ila.path_)
            kinds[ila.covariance_type_] = kinds.get(ila.covariance_type_, 0) + 1
            refined.append(ila.refine_changed_)
            print(f"{name} seed {seed}: " + ", ".join(f"{m} {v[0]:.3f}" for m, v in out.items()), flush=True)
        for m, v in res.items():
            e = np.array([a for a, _ in v])
            note = ""
            if m == "SDPKMeans":
                note = f"certified optimal {certified}/{args.seeds}, median gap {np.median(gaps):.2g}"
            elif m == "ILASDP":
                note = (f"covariance {', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}; "
                        f"EM refinement moved {np.mean(refined):.1f} points per seed")
            rows.append({"setting": name, "method": m, "error": float(e.mean()), "sd": float(e.std()),
                         "time": float(np.mean([t for _, t in v])), "notes": note})
        print("paths:", sorted(paths))
    table(rows, f"Gaussian mixtures ({args.seeds} seeds from {args.seed_start})")

    if not args.no_real:
        real = []
        for name in ("iris", "wine", "digits"):
            X, y, K = load_real(name)
            out, sdp, ila = run_methods(X, y, K, 0, args.backend, time_limit=120, ilasdp_options=ila_opts,
                                        compare_old=args.compare_old)
            for m, (e, t) in out.items():
                note = (f"{sdp.path_}; gap {sdp.gap_:.3g}; optimal {sdp.optimal_}" if m == "SDPKMeans"
                        else (f"{ila.path_}; covariance {ila.covariance_type_}; refinement moved "
                              f"{ila.refine_changed_}" if m == "ILASDP" else ""))
                real.append({"setting": name, "method": m, "error": e, "sd": 0.0, "time": t, "notes": note})
            print(name, {m: round(v[0], 3) for m, v in out.items()}, flush=True)
        table(real, "Real data (standardised, seed 0)")
        rows += real

    if args.scale:
        print("\n## Low-rank path scale (separated mixture K=4, d=10, sep=8)\n")
        print("| n | time s | error | certified optimal | gap | converged |")
        print("|---|---|---|---|---|---|")
        for n in args.scale:
            X, y = gaussian_mixture(n, 4, 10, separation=8.0, random_state=0)
            t = time.perf_counter()
            m = SDPKMeans(4, solver="lowrank", device="numpy", time_limit=300).fit(X)
            dt = time.perf_counter() - t
            print(f"| {n} | {dt:.2f} | {misclustering_error(y, m.labels_):.4f} | {m.optimal_} | {m.gap_:.2g} | "
                  f"{m.result_.converged} |", flush=True)
            rows.append({"setting": f"scale n={n}", "method": "SDPKMeans lowrank", "error":
                         misclustering_error(y, m.labels_), "sd": 0.0, "time": dt,
                         "notes": f"optimal {m.optimal_}, gap {m.gap_:.2g}"})
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
