"""A quadratic program written as in CVXPY: long-only Markowitz portfolios along the
risk-aversion path, each kept quadratic (a P matrix) and certified.

    maximise  mu'w - gamma * w'Sigma w   s.t.  sum(w) = 1,  w >= 0,  ||w||_inf <= cap

Run:  python examples/qp_portfolio.py
"""
from __future__ import annotations

import numpy as np

import optlib


def main() -> None:
    rng = np.random.default_rng(1)
    n = 20
    F = rng.standard_normal((n, 4))
    Sigma = F @ F.T / 4 + np.diag(rng.uniform(0.02, 0.1, n))
    mu = rng.uniform(0.0, 0.12, n)
    for gamma in (0.5, 2.0, 8.0):
        m = optlib.Model(f"markowitz_gamma_{gamma:g}")
        w = m.continuous(n, lb=0, name="w")
        m.add(w.sum() == 1, name="budget")
        m.add(optlib.norm_inf(w) <= 0.3, name="cap")
        m.maximize(mu @ w - gamma * optlib.quad_form(w, Sigma))
        res = m.solve()
        wv = res.values[w]
        print(f"gamma {gamma:4.1f}: {res.problem_class} on {res.backend.name}: status {res.status.name}, "
              f"objective {res.objective:.6f}, gap {res.gap:.1e}, "
              f"{'verified' if res.verified else 'NOT verified'}; return {mu @ wv:.4f}, "
              f"risk {wv @ Sigma @ wv:.4f}, {int((wv > 1e-6).sum())} assets held")


if __name__ == "__main__":
    main()
