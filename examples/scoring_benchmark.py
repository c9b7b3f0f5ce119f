"""Benchmark SLIM scoring systems and checklists across MILP backends, as the `scoring` suite runs
them (`optlib bench scoring`), plus the k-fold test error of SLIM on the UCI sets.

    python examples/scoring_benchmark.py --quick              # synthetic SLIM instances: support vs IP vs plain IP
    python examples/scoring_benchmark.py --mps                # the SLIM authors' MIPLIB instance, same units
    python examples/scoring_benchmark.py --datasets breastcancer,haberman --methods mip,support \
        --backends highs --time-limit 60 --folds 5 --json bench-out/scoring.jsonl
    python examples/scoring_benchmark.py --checklist --backends highs,scip,cpsat

The runs are the suite's (problems/scoring/suite.py). Quick set: seeded synthetic data where every
method proves the optimum; baseline = SLIM-support's optimum. Paper set (the default): the MIPLIB
instance slim_breastcancer_max_5_features (MIP-plain = the authors' IP on each backend, SLIM-mip,
SLIM-support; objectives in the authors' units errors + 0.09 L0 + eps L1), SLIM on breastcancer,
haberman, mammo, heart, spambase, and the heart checklist (5 items, FNR <= 10 %). --mps,
--checklist and --datasets keep those parts of the paper set (none of them: all of it); --methods
(mip, support, plain) keeps those SLIM methods (the authors' IP on the MIPLIB instance and the
checklist stay, as before); --backends, --time-limit as for `optlib bench`;
--C0 and --max-features change the SLIM runs on the UCI sets.

--folds k (a study no suite covers) adds, per selected data set and backend, the mean k-fold test
error of SLIM-mip fits with --fold-time-limit each. The data sets and the MIPLIB file ship with
optlib (optlib.datasets), or come from --data DIR / $OPTLIB_DATA.

--quick is now the suite's quick set (synthetic data), no longer haberman and breastcancer;
--json writes JSON lines, one tidy record per run (`optlib bench report OUT`).
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _suite_example import add_sweep_args, fail, plan, select, sweep  # noqa: E402

METHODS = {"mip": "SLIM-mip", "support": "SLIM-support", "plain": "MIP-plain"}


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", default=None, help="comma-separated UCI sets (paper set): breastcancer, "
                                                      "haberman, mammo, heart, spambase")
    ap.add_argument("--mps", action="store_true", help="the SLIM authors' MIPLIB instance (paper set)")
    ap.add_argument("--checklist", action="store_true", help="the heart checklist (paper set)")
    ap.add_argument("--methods", default=None, help="comma-separated SLIM methods: mip, support, plain")
    ap.add_argument("--backends", default=None, help="comma-separated backends (default: the suite's)")
    ap.add_argument("--time-limit", type=float, default=None, help="seconds per run (default: the suite's, 60)")
    ap.add_argument("--C0", type=float, default=None, help="SLIM's L0 penalty on the UCI sets (suite: 0.01)")
    ap.add_argument("--max-features", type=int, default=None, help="SLIM's feature budget on the UCI sets (suite: 5)")
    ap.add_argument("--folds", type=int, default=0, help="k-fold test error of SLIM on each selected data set")
    ap.add_argument("--fold-time-limit", type=float, default=10.0)
    ap.add_argument("--data", default=None, help="a folder laid out like $OPTLIB_DATA (default: shipped data)")
    add_sweep_args(ap)
    args = ap.parse_args(argv)
    if args.methods is not None:
        bad = [m for m in args.methods.split(",") if m and m not in METHODS]
        if bad:
            ap.error(f"--methods: unknown {', '.join(bad)}; choose from {', '.join(METHODS)}")
    if args.quick and (args.mps or args.checklist or args.datasets):
        ap.error("--mps, --checklist and --datasets select parts of the paper set, not of --quick")
    if args.folds < 0 or args.folds == 1:
        ap.error("--folds must be 0 (none) or at least 2")
    return args


def runs_for(args: argparse.Namespace) -> list[Any]:
    """The scoring suite's runs that the flags select, with --C0 / --max-features applied."""
    backends = None if args.backends is None else [b for b in args.backends.split(",") if b]
    runs = plan("scoring", args, data=args.data, time_limit=args.time_limit, backends=backends)
    if args.methods is not None:
        keep = {METHODS[m] for m in args.methods.split(",") if m}
        runs = select(runs, lambda r: r.method in keep or r.method == "Checklist"
                      or (r.method == "MIP-plain" and "mps" in r.options), f"--methods {args.methods}")
    if not args.quick and (args.mps or args.checklist or args.datasets is not None):
        sets = {f"slim-{d}" for d in (args.datasets or "").split(",") if d}
        wanted = (lambda r: (args.mps and "mps" in r.options) or (args.checklist and r.method == "Checklist")
                  or r.instance in sets)
        runs = select(runs, wanted, "--mps / --checklist / --datasets")
    changes = {k: v for k, v in (("C0", args.C0), ("max_features", args.max_features)) if v is not None}
    if changes:
        runs = [dataclasses.replace(r, options={**r.options, **changes})
                if r.instance.startswith("slim-") else r for r in runs]
    return runs


def fold_errors(runs: list[Any], args: argparse.Namespace) -> None:
    """Mean (sd) k-fold test error of SLIM-mip per UCI set and backend of `runs`."""
    import numpy as np

    from problems.scoring import SLIMClassifier, load_dataset
    from problems._suite_common import locate

    pairs = sorted({(r.options["source"], r.backend) for r in runs if r.instance.startswith("slim-")})
    if not pairs:
        return
    print(f"\n{args.folds}-fold test error of SLIM-mip ({args.fold_time_limit:g} s per fit)")
    for source, backend in pairs:
        o = next(r.options for r in runs if r.options.get("source") == source)
        X, y, names = load_dataset(str(locate(f"scoring/{source}.csv", args.data)))
        folds = np.array_split(np.random.default_rng(0).permutation(len(y)), args.folds)
        errs = []
        for test in folds:
            train = np.setdiff1d(np.arange(len(y)), test)
            clf = SLIMClassifier(C0=float(o["C0"]), coef_bounds=tuple(o["coef_bounds"]),
                                 max_features=int(o["max_features"]), backend=backend or "highs", method="mip",
                                 time_limit=args.fold_time_limit)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                clf.fit(X[train], y[train])
            errs.append(1 - clf.score(X[test], y[test]) if hasattr(clf, "coef_") else math.nan)
        print(f"slim:{source} on {backend}: test error {np.mean(errs):.2%} (sd {np.std(errs):.2%})", flush=True)


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    args = parse(argv)
    runs = runs_for(args)
    if args.folds and not any(r.instance.startswith("slim-") for r in runs):
        fail("--folds needs SLIM runs on a UCI set (--datasets, paper set)")
    records = sweep(runs, args)
    if args.folds:
        fold_errors(runs, args)
    return records


if __name__ == "__main__":
    main()
