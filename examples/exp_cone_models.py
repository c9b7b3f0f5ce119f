"""Exponential-cone models written as in CVXPY, each certified: logistic regression with
`logistic`, and a maximum-entropy distribution with `entr` under moment constraints.

    minimise  sum_i logistic(x_i'w) - y'(X w) + lam ||w||^2
    maximise  sum_i entr(p_i)  s.t.  sum(p) = 1,  G p <= h

Run:  python examples/exp_cone_models.py
"""
from __future__ import annotations

import numpy as np

import optlib


def report(name: str, res: optlib.Result) -> None:
    print(f"{name}: {res.problem_class} on {res.backend.name}: status {res.status.name}, "
          f"objective {res.objective:.6f}, bound {res.bound:.6f}, "
          f"{'verified' if res.verified else 'NOT verified'}")


def main() -> None:
    rng = np.random.default_rng(3)
    X = rng.standard_normal((200, 4))
    y = (X @ np.array([1.5, -1.0, 0.0, 0.5]) + 0.5 * rng.standard_normal(200) > 0).astype(float)
    m = optlib.Model("logistic_regression")
    w = m.continuous(4, name="w")
    z = X @ w
    m.minimize(optlib.logistic(z).sum() - y @ z + 0.1 * optlib.sum_squares(w))
    res = m.solve()
    report("logistic regression", res)
    print(f"  weights {np.round(res.values[w], 3)}, training accuracy "
          f"{np.mean((X @ res.values[w] > 0) == (y > 0.5)):.3f}")

    n = 10
    G = np.vstack([np.arange(n) / n, (np.arange(n) / n) ** 2])
    h = np.array([0.3, 0.15])
    m = optlib.Model("max_entropy")
    p = m.continuous(n, name="p")
    m.add(p.sum() == 1, name="simplex")
    m.add(G @ p <= h, name="moments")
    m.maximize(optlib.entr(p).sum())
    res = m.solve()
    report("maximum entropy", res)
    print(f"  p = {np.round(res.values[p], 4)}")


if __name__ == "__main__":
    main()
