"""Solve a CVXPY problem on optlib's backends and get a certified bound.

    python examples/from_cvxpy_example.py

`optlib.Model.from_cvxpy` imports the problem's conic form; optlib then solves it on any
of its backends (here every installed one that accepts the problem) and re-checks each
answer, which CVXPY itself does not report (no bound, no gap for MIPs).
"""
from __future__ import annotations

import cvxpy as cp
import numpy as np

import optlib
import solvers


def build() -> cp.Problem:
    """A facility-location MILP: open facilities (boolean) and serve customers (continuous)."""
    rng = np.random.default_rng(4)
    n_fac, n_cus = 6, 12
    fixed = rng.uniform(20, 40, n_fac)
    cost = rng.uniform(1, 10, (n_fac, n_cus))
    demand = rng.uniform(1, 3, n_cus)
    cap = 10.0
    open_ = cp.Variable(n_fac, boolean=True)
    serve = cp.Variable((n_fac, n_cus), nonneg=True)
    cons = [cp.sum(serve, axis=0) == 1,
            serve @ demand <= cap * open_]
    return cp.Problem(cp.Minimize(fixed @ open_ + cp.sum(cp.multiply(cost, serve))), cons), open_


def main() -> None:
    problem, open_ = build()
    model = optlib.Model.from_cvxpy(problem)
    sf = model.compile()
    print(f"imported: {model}")
    for name in optlib.backends():
        if not solvers.get_backend(name).accepts(sf):
            continue
        res = model.solve(backend=name, time_limit=20)
        values = model.cvxpy_values(res) if res.status.has_solution else {}
        opened = np.flatnonzero(np.round(values[open_])) if open_ in values else "-"
        print(f"{name:>12}: {res.status.name:<9} objective {res.objective if res.objective is None else round(res.objective, 4)}"
              f"  bound {res.bound:.4f}  gap {res.gap:.1e}  certificate "
              f"{'verified' if res.certificate.verified else 'NOT verified'}  open facilities {opened}")


if __name__ == "__main__":
    main()
