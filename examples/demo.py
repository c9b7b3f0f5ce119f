"""optlib demo: solve small bundled problems of every class and print certified results.

    pip install -e . && python examples/demo.py

Each problem is solved on the backend `auto` picks (it says which) and the result is
re-checked by optlib: primal feasibility, the bound (from the duals for LP/SOCP/SDP, the
solver's MIP bound otherwise) and the gap.
"""
from __future__ import annotations

import numpy as np

import optlib


def transport_lp() -> optlib.Model:
    """Ship from 3 plants to 4 markets at least cost (an LP)."""
    supply = np.array([35.0, 50.0, 40.0])
    demand = np.array([45.0, 20.0, 30.0, 30.0])
    cost = np.array([[8.0, 6, 10, 9], [9, 12, 13, 7], [14, 9, 16, 5]])
    m = optlib.Model("transport LP")
    x = m.continuous((3, 4), lb=0, name="ship")
    m.add(x.sum(axis=1) <= supply, name="supply")
    m.add(x.sum(axis=0) >= demand, name="demand")
    m.minimize((cost * x).sum())
    return m


def knapsack_milp(seed: int = 1, n: int = 30) -> optlib.Model:
    """0/1 knapsack with 30 items (a MILP)."""
    rng = np.random.default_rng(seed)
    w = rng.integers(5, 40, n)
    v = w + rng.integers(0, 10, n)
    m = optlib.Model("knapsack MILP")
    pick = m.boolean(n, name="pick")
    m.add(w @ pick <= int(w.sum() // 3), name="capacity")
    m.maximize(v @ pick)
    return m


def robust_lp_socp(seed: int = 2) -> optlib.Model:
    """Max return with an ellipsoidal risk limit ||Sigma^1/2 x|| <= 0.1 (an SOCP)."""
    rng = np.random.default_rng(seed)
    k = 8
    mu = rng.uniform(0.02, 0.12, k)
    F = rng.standard_normal((k, k)) * 0.05
    m = optlib.Model("portfolio SOCP")
    x = m.continuous(k, lb=0, name="weights")
    m.add(x.sum() == 1, name="budget")
    m.add(optlib.norm2(F.T @ x) <= 0.1, name="risk")
    m.maximize(mu @ x)
    return m


def maxcut_sdp(seed: int = 3, n: int = 12) -> optlib.Model:
    """Goemans-Williamson max-cut relaxation: max 1/4 <L, X>, diag(X) = 1, X >> 0 (an SDP)."""
    rng = np.random.default_rng(seed)
    W = np.triu(rng.random((n, n)) < 0.4, 1).astype(float)
    W = W + W.T
    L = np.diag(W.sum(axis=1)) - W
    m = optlib.Model("max-cut SDP")
    X = m.symmetric(n, psd=True, name="X")
    m.add(optlib.diag(X) == 1, name="unit_diagonal")
    m.maximize(optlib.trace(L @ X) / 4)
    return m


def main() -> None:
    print("installed backends:", ", ".join(optlib.backends()))
    for build in (transport_lp, knapsack_milp, robust_lp_socp, maxcut_sdp):
        model = build()
        res = model.solve()
        cert = res.certificate
        print(f"\n== {model.name}: {res.problem_class} on {res.backend.name} (auto) ==")
        print(f"status {res.status.name}, objective {res.objective:.6g}, bound {res.bound:.6g}, "
              f"gap {res.gap:.2e}, certificate {cert.kind} {'verified' if cert.verified else 'NOT verified'}"
              f" (primal residual {cert.primal_residual:.1e})")
    print("\nfull report of the last solve:\n")
    print(res.summary())


if __name__ == "__main__":
    main()
