"""Learn a DAG with TOPO, check it against the exact optimum, add constraints, refine NOTEARS.

    python examples/dag_topo.py [--d 20] [--seed 0]

Prints TOPO's score (1/(2n)||X - XW||^2 of the order's least-squares W), the exact optimum
over all DAGs on a d=10 instance (dynamic programming), structure metrics against the true
graph, a run with forbidden/required edges and a sign (the inner problems then go through
an optlib Model), and TOPO used to refine NOTEARS' output.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from problems.dag import NOTEARS, TOPO, ExactDAG, count_accuracy, simulate


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--d", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()

    X, W_true = simulate(1000, args.d, "ER", 2, random_state=args.seed)
    t0 = time.perf_counter()
    topo = TOPO(random_state=args.seed).fit(X)
    acc = count_accuracy(W_true, topo.adjacency_)
    print(f"TOPO d={args.d}: score {topo.score_:.6f} (thresholded {topo.thresholded_score_:.6f}), "
          f"SHD {acc['shd']}, TPR {acc['tpr']:.2f}, FDR {acc['fdr']:.2f}, {topo.n_iter_} iterations, "
          f"{time.perf_counter() - t0:.2f}s; stop: {topo.stop_reason_}")

    X10, W10 = simulate(1000, 10, "ER", 2, random_state=args.seed)
    exact = ExactDAG().fit(X10)
    small = TOPO(random_state=args.seed).fit(X10)
    print(f"d=10: exact optimum {exact.score_:.6f}, TOPO {small.score_:.6f} "
          f"(gap {(small.score_ - exact.score_) / exact.score_:.2e})")

    edges = np.argwhere(W10 != 0)
    forbidden, (ri, rj) = [tuple(map(int, edges[0]))], map(int, edges[1])
    signs = {(ri, rj): int(np.sign(W10[ri, rj]))}
    con = TOPO(forbidden=forbidden, required=[(ri, rj)], signs=signs, random_state=args.seed).fit(X10)
    print(f"constrained: forbidden {forbidden} weight {con.weights_[forbidden[0]]:.1f}, required ({ri}, {rj}) "
          f"weight {con.adjacency_[ri, rj]:+.3f} (sign {signs[(ri, rj)]:+d}), score {con.score_:.6f}, "
          f"{con.n_inner_solves_} inner solves")

    nt = NOTEARS().fit(X10)
    ref = TOPO().refine(nt.weights_, X10)
    print(f"NOTEARS: SHD {count_accuracy(W10, nt.adjacency_)['shd']}, l2 score of its W "
          f"{float(np.sum((X10 - X10 @ nt.weights_) ** 2) / 2000):.6f}; refined by TOPO: {ref.score_:.6f}, "
          f"SHD {count_accuracy(W10, ref.adjacency_)['shd']}")


if __name__ == "__main__":
    main()
