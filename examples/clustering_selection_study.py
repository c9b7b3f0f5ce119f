"""Which covariance model and selection rule pick the best ILASDP start? (no LA-SDP solved)

    python examples/clustering_selection_study.py --seeds 100 133 --settings "hetero K=2"
    python examples/clustering_selection_study.py --seeds 100 125 --settings "hetero K=3,hetero adversarial"

For each seed of a benchmark setting (`clustering_benchmark.SETTINGS`) the candidates are
the SDPKMeans labels and the pool ILASDP draws (9 k-means++ runs, 9 EM fits, duplicates
dropped). Each rule picks one candidate; the table gives the mean mis-clustering error of
the pick: l_nu (`starts.labels_loglik`) with full / diagonal / spherical covariances at
nu = 0 and 10, BIC (`starts.select_covariance` with nu = 10, then the best candidate by l_nu
in the chosen model, as ILASDP(covariance='auto') picks its start), BIC followed by EM from
the picked partition (`refine.em_refine`), and the best candidate (an oracle that
knows the truth). This study chose covariance='auto' (docs/studies.md).
"""
from __future__ import annotations

import argparse
import warnings
from collections import Counter

import numpy as np
from sklearn.cluster import KMeans

from problems.clustering import SDPKMeans, gaussian_mixture, misclustering_error
from problems.clustering.refine import em_refine
from problems.clustering.starts import KINDS, labels_loglik, pool_partitions, rank_starts, select_covariance

try:
    from clustering_benchmark import SETTINGS
except ImportError:                      # run from the repository root
    from examples.clustering_benchmark import SETTINGS


def study(kw: dict, seed: int) -> tuple[dict[str, float], str]:
    """Errors of each rule's pick on one seed, and the model BIC chose."""
    X, y = gaussian_mixture(random_state=seed, **kw)
    X = X - X.mean(axis=0)
    K = kw["n_clusters"]
    first = SDPKMeans(K, random_state=seed).fit(X).labels_
    pool = pool_partitions(X, K, ("kmeans", "em"), 9, "full", np.random.default_rng(seed))
    cands = [lab for _, lab, _ in rank_starts(X, K, first, pool, len(pool) + 1, "full", 1e-6)]

    def pick(kind, nu):
        return cands[int(np.argmax([labels_loglik(X, lab, K, kind, 1e-6, nu) for lab in cands]))]

    out = {"KMeans": misclustering_error(y, KMeans(K, n_init=10, random_state=seed).fit_predict(X)),
           "oracle": min(misclustering_error(y, lab) for lab in cands)}
    for kind in KINDS:
        for nu in (0.0, 10.0):
            out[f"{kind} nu={nu:g}"] = misclustering_error(y, pick(kind, nu))
    kind, _ = select_covariance(X, K, cands, 1e-6, 10.0)     # as ILASDP(covariance='auto') does
    best = pick(kind, 10.0)
    out["BIC"] = misclustering_error(y, best)
    out["BIC + EM"] = misclustering_error(y, em_refine(X, best, K, kind, 1e-6, random_state=seed).labels)
    return out, kind


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs=2, default=[100, 125], metavar=("FIRST", "STOP"))
    ap.add_argument("--settings", default="hetero", help="comma-separated substrings of setting names")
    ap.add_argument("--quick", action="store_true", help="a run of about a minute: seeds 100-101, hetero K=2")
    args = ap.parse_args()
    if args.quick:                   # the quick settings as defaults: flags given explicitly still win
        ap.set_defaults(**{"seeds": [100, 102], "settings": "hetero K=2"})
        args = ap.parse_args()
    warnings.simplefilter("ignore")
    for name, kw in SETTINGS.items():
        if not any(part in name for part in args.settings.split(",")):
            continue
        rows, kinds = [], Counter()
        for seed in range(*args.seeds):
            errs, kind = study(kw, seed)
            rows.append(errs)
            kinds[kind] += 1
        print(f"\n{name}, seeds {args.seeds[0]}..{args.seeds[1] - 1}; BIC chose {dict(kinds)}")
        for rule in rows[0]:
            print(f"  {rule:22s} {np.mean([r[rule] for r in rows]):.4f}")


if __name__ == "__main__":
    main()
