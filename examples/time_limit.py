"""A time limit returns the incumbent and the best bound, never an exception.

    python examples/time_limit.py [--time-limit 1.0]

A multi-dimensional 0/1 knapsack (120 items, 5 resources) that the MIP backends do not
close in a second: each returns FEASIBLE with its incumbent, its dual bound and the gap,
and optlib checks the incumbent (rows, bounds, integrality) and that the bound lies on
the right side of it.
"""
from __future__ import annotations

import argparse

import numpy as np

import optlib
import solvers


def knapsack(n: int = 120, k: int = 5, seed: int = 0) -> optlib.Model:
    rng = np.random.default_rng(seed)
    W = rng.integers(10, 100, (k, n))
    v = (W.sum(axis=0) / k + rng.integers(0, 20, n)).round()
    m = optlib.Model("multi-knapsack")
    x = m.boolean(n, name="x")
    m.add(W @ x <= W.sum(axis=1) // 2, name="resources")
    m.maximize(v @ x)
    return m


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=1.0)
    args = ap.parse_args()
    m = knapsack()
    sf = m.compile()
    for name in ("highs", "scip", "cpsat"):
        if name not in optlib.backends() or not solvers.get_backend(name).accepts(sf):
            continue
        res = m.solve(backend=name, time_limit=args.time_limit)
        print(f"{name:>6}: {res.status.name:<8} incumbent {res.objective}  bound {res.bound:.2f}  "
              f"gap {res.gap:.3%}  time {res.timings.solve:.2f} s  certificate: {res.certificate}")


if __name__ == "__main__":
    main()
