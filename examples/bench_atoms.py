"""Build + compile time of models written with optlib's atoms, side by side with CVXPY's
`get_problem_data` for the same problem (issue 16's speed goal: at least as fast).

    Lasso       minimize sum_squares(A x - b) + lam * norm1(x),  A: m x n dense
    Markowitz   minimize gamma * quad_form(w, Sigma) - mu'w,  sum(w) = 1, w >= 0,  Sigma dense PSD

Run:  OMP_NUM_THREADS=1 python examples/bench_atoms.py [--features 10000] [--samples 500]
      [--assets 2000] [--repeat 3]
Prints one line per model: optlib seconds, CVXPY seconds and their ratio (best of --repeat).
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import optlib


def lasso_optlib(A: np.ndarray, b: np.ndarray, lam: float):
    m = optlib.Model("lasso")
    x = m.continuous(A.shape[1], name="x")
    m.minimize(optlib.sum_squares(A @ x - b) + lam * optlib.norm1(x))
    return m.compile()


def lasso_cvxpy(A: np.ndarray, b: np.ndarray, lam: float, solver: str):
    import cvxpy as cp

    x = cp.Variable(A.shape[1])
    prob = cp.Problem(cp.Minimize(cp.sum_squares(A @ x - b) + lam * cp.norm1(x)))
    return prob.get_problem_data(solver)


def markowitz_optlib(mu: np.ndarray, Sigma: np.ndarray, gamma: float):
    m = optlib.Model("markowitz")
    w = m.continuous(mu.size, lb=0, name="w")
    m.add(w.sum() == 1, name="budget")
    m.minimize(gamma * optlib.quad_form(w, Sigma) - mu @ w)
    return m.compile()


def markowitz_cvxpy(mu: np.ndarray, Sigma: np.ndarray, gamma: float, solver: str):
    import cvxpy as cp

    w = cp.Variable(mu.size)
    prob = cp.Problem(cp.Minimize(gamma * cp.quad_form(w, cp.psd_wrap(Sigma)) - mu @ w), [cp.sum(w) == 1, w >= 0])
    return prob.get_problem_data(solver)


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--features", type=int, default=10_000)
    ap.add_argument("--samples", type=int, default=500)
    ap.add_argument("--assets", type=int, default=2_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--solver", default="CLARABEL", help="CVXPY solver whose problem data is built")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    A = rng.standard_normal((args.samples, args.features))
    b = rng.standard_normal(args.samples)
    F = rng.standard_normal((args.assets, 20))
    Sigma = F @ F.T / 20 + np.diag(rng.uniform(0.1, 0.5, args.assets))
    mu = rng.uniform(0.0, 0.2, args.assets)
    rows = [
        (f"lasso {args.samples} x {args.features}", lambda: lasso_optlib(A, b, 0.1),
         lambda: lasso_cvxpy(A, b, 0.1, args.solver)),
        (f"markowitz {args.assets} assets", lambda: markowitz_optlib(mu, Sigma, 1.0),
         lambda: markowitz_cvxpy(mu, Sigma, 1.0, args.solver)),
    ]
    print(f"{'model':28s} {'optlib s':>9s} {'cvxpy s':>9s} {'cvxpy/optlib':>13s}")
    for name, ours, theirs in rows:
        t_ours = best(ours, args.repeat)
        t_theirs = best(theirs, args.repeat)
        print(f"{name:28s} {t_ours:9.3f} {t_theirs:9.3f} {t_theirs / t_ours:13.2f}")


if __name__ == "__main__":
    main()
