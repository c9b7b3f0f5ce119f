"""A SLIM scoring system for breast cancer (Ustun & Rudin 2016), with an operational constraint.

    python examples/scoring_slim.py [--time-limit 30] [--backend highs]

Fits at most 5 features with points in -10..10, forbids using both cell-size and
cell-shape uniformity together (a user constraint on the optlib model), prints the score
card, the status, the incumbent, the bound and the gap.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from problems.scoring import SLIMClassifier, load_dataset  # noqa: E402


def not_both(model, v) -> None:
    a, b = v.feature("UniformityOfCellSize"), v.feature("UniformityOfCellShape")
    model.add(v.used[a] + v.used[b] <= 1, name="size_or_shape")


def main(argv=None) -> SLIMClassifier:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--backend", default="highs")
    args = ap.parse_args(argv)
    X, y, names = load_dataset("breastcancer")
    clf = SLIMClassifier(C0=0.01, coef_bounds=(-10, 10), max_features=5, constraints=not_both,
                         backend=args.backend, time_limit=args.time_limit, feature_names=names).fit(X, y)
    print(clf.scorecard())
    r = clf.result_
    print(f"training accuracy {clf.score(X, y):.4f}; status {r.status.name}; gap {r.gap:.2%}; "
          f"{r.timings.total:.1f} s on {r.backend.name}")
    print(f"IP objective (errors + {clf.problem_.c0_units:.4g} per feature + tie-break): "
          f"{r.objective:.6g}, bound {r.bound:.6g}; objective_ (error rate + C0 L0) {clf.objective_:.4f}")
    p = clf.problem_
    print(f"{len(y)} rows -> {p.data.n} distinct; intercept box {p.intercept_bounds}; margin {p.margin:g}")
    return clf


if __name__ == "__main__":
    main()
