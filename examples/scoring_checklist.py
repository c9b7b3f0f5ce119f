"""A predictive checklist for heart disease (Zhang et al., NeurIPS 2021) from the raw table.

    python examples/scoring_checklist.py [--time-limit 30] [--backend highs]

Binarises heart_raw.csv at training time (thresholds and ==value items, one item per
column chosen by the IP), fits at most 5 items with a false negative rate <= 10 %, and
prints the checklist with its status, bound and gap.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from problems.scoring import Binarizer, ChecklistClassifier, load_table  # noqa: E402


def main(argv=None) -> ChecklistClassifier:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--backend", default="highs")
    args = ap.parse_args(argv)
    table = load_table("heart_raw")
    y = table.pop("target")
    clf = ChecklistClassifier(max_items=5, max_fnr=0.1, binarizer=Binarizer(), backend=args.backend,
                              time_limit=args.time_limit).fit(table, y)
    print(clf.checklist())
    pred = clf.predict(table)
    pos = y == 1
    r = clf.result_
    print(f"accuracy {clf.score(table, y):.4f}; FNR {(pos & (pred != 1)).sum() / pos.sum():.3f}; "
          f"status {r.status.name}; errors {r.objective:.4g}; bound {r.bound:.4g}; gap {r.gap:.2%}")
    return clf


if __name__ == "__main__":
    main()
