"""Two-stage robust capital budgeting (Subramanyam, Gounaris, Wiesemann, Math. Prog. Comp. 2020), as in Neur2RO.

Projects i = 1..n with cost c_i(xi) = (1 + phi_i'xi / 2) c_bar_i and revenue r_i(xi) = (1 + psi_i'xi / 2) r_bar_i,
xi in [-1, 1]^4; invest now (x) or after xi is revealed (y, revenue discounted by k):

    max_x min_xi max_y  r(xi)'(x + k y)   s.t.  x + y <= 1,  c(xi)'(x + y) <= B,  x, y in {0,1}^n.

y = 0 is a recourse for every xi iff x is robustly affordable, max_xi c(xi)'x = 1.5 c_bar'x <= B (phi_i lies on
the unit simplex), which the first stage imposes.  Exact worst case of x: cutting planes over the recourse plans
y_k found so far, with the disjunction 'plan k is over budget at xi (by at least eps) or z >= its revenue' as a
MIP (binary per plan); the recourse MIP at the adversary's xi adds the next plan.
"""
from __future__ import annotations

import dataclasses
import itertools
import json
import math
import os
import time
from typing import Any, Mapping

import numpy as np

import optlib

from ._mip import TimeLimitReached, binary_vector, check_options, checked_solution, left, solve_mip
from .protocol import WorstCase

XI_DIM = 4


@dataclasses.dataclass(frozen=True)
class CapitalBudgetingInstance:
    """A capital budgeting instance: c_bar, r_bar (n,), phi, psi (n, 4), budget B, discount k."""

    c_bar: np.ndarray
    r_bar: np.ndarray
    phi: np.ndarray
    psi: np.ndarray
    budget: float
    k: float = 0.8
    name: str = "capital_budgeting"

    kind = "capital_budgeting"
    sense = "maximize"

    def __post_init__(self) -> None:
        c = np.asarray(self.c_bar, dtype=float)
        n = c.size
        if c.ndim != 1 or n == 0:
            raise ValueError(f"c_bar must be a non-empty vector, got shape {c.shape}")
        for fld, shape in (("c_bar", (n,)), ("r_bar", (n,)), ("phi", (n, XI_DIM)), ("psi", (n, XI_DIM))):
            arr = np.asarray(getattr(self, fld), dtype=float)
            if arr.shape != shape:
                raise ValueError(f"{fld} must have shape {shape}, got {arr.shape}")
            if not np.all(np.isfinite(arr)) or np.any(arr < 0):
                raise ValueError(f"{fld} must be finite and nonnegative")
            object.__setattr__(self, fld, arr)
        for fld in ("phi", "psi"):
            if np.any(np.abs(getattr(self, fld).sum(axis=1) - 1) > 1e-6):
                raise ValueError(f"each row of {fld} must lie on the unit simplex (sum to 1)")
        if not (math.isfinite(self.budget) and self.budget > 0):
            raise ValueError(f"budget must be positive and finite, got {self.budget!r}")
        if not 0 <= self.k <= 1:
            raise ValueError(f"k (second-stage revenue factor) must be in [0, 1], got {self.k!r}")
        object.__setattr__(self, "budget", float(self.budget))
        object.__setattr__(self, "k", float(self.k))

    @property
    def n(self) -> int:
        return int(self.c_bar.size)

    def cost(self, xi: np.ndarray) -> np.ndarray:
        return self.c_bar * (1 + self.phi @ xi / 2)

    def revenue(self, xi: np.ndarray) -> np.ndarray:
        return self.r_bar * (1 + self.psi @ xi / 2)

    def first_stage_value(self, x: Any) -> float:
        """Nothing of the revenue is independent of xi: 0 (the whole value is the recourse value)."""
        return 0.0

    def first_stage_objective_expr(self, x: Any) -> Any:
        return 0.0 * x.sum()

    def check_x(self, x: Any) -> np.ndarray:
        """x as a float 0/1 vector that is robustly affordable (1.5 c_bar'x <= B); ValueError otherwise."""
        arr = binary_vector(x, self.n)
        if 1.5 * self.c_bar @ arr > self.budget * (1 + 1e-9):
            raise ValueError("x is not robustly affordable: 1.5 c_bar'x exceeds the budget")
        return arr

    def check_xi(self, xi: Any) -> np.ndarray:
        """xi in [-1, 1]^4 (clipped); ValueError otherwise."""
        arr = np.asarray(xi, dtype=float).ravel()
        if arr.size != XI_DIM or np.any(np.abs(arr) > 1 + 1e-9):
            raise ValueError(f"xi must lie in [-1, 1]^{XI_DIM}")
        return np.clip(arr, -1.0, 1.0)

    def plan_value(self, x: Any, xi: Any, plan: Any) -> float:
        """r(xi)'(x + k y) for the plan y (the whole revenue: nothing is fixed by the first stage alone)."""
        x, y = np.asarray(x, dtype=float), np.asarray(plan, dtype=float)
        return float(self.revenue(np.asarray(xi, dtype=float)) @ (x + self.k * y))

    # -- second stage ----------------------------------------------------------------------
    def recourse(self, x: Any, xi: Any, backend: str = "highs", time_limit: float | None = None,
                 rel_gap: float = 1e-7, options: Mapping[str, Any] | None = None) -> tuple[float, float, Any]:
        """Solve the recourse MIP at (x, xi): (value r(xi)'(x + k y), upper bound, plan y)."""
        x, xi = self.check_x(x), self.check_xi(xi)
        options = check_options(options)
        free = np.flatnonzero(x < 0.5)
        y_full = np.zeros(self.n)
        cost, rev = self.cost(xi), self.revenue(xi)
        if free.size:
            m = optlib.Model("cb_recourse")
            y = m.boolean(free.size, name="y")
            m.add(cost[free] @ y <= self.budget - cost @ x, name="budget")
            m.maximize(self.k * rev[free] @ y)
            res = checked_solution(solve_mip(m, backend, time_limit, rel_gap, options), "recourse MIP")
            y_full[free] = np.round(res[y])
            ub = float(rev @ x + res.bound)
        else:
            ub = float(rev @ x)
        val = self.plan_value(x, xi, y_full)
        return val, max(ub, val), y_full

    def recourse_values(self, x: Any, xis: Any, backend: str = "highs", time_limit: float | None = None,
                        rel_gap: float = 1e-7, options: Mapping[str, Any] | None = None) -> np.ndarray:
        """Q(x, xi) for every row of `xis`: the recourse MIP per scenario (`recourse`)."""
        xis = np.atleast_2d(np.asarray(xis, dtype=float))
        return np.array([self.recourse(x, xi, backend, time_limit, rel_gap, options)[0] for xi in xis])

    def add_scenario(self, m: Any, x: Any, xi: Any, tag: str) -> Any:
        """Recourse copy y_tag for scenario xi: x + y <= 1, c(xi)'(x + y) <= B; value r(xi)'(x + k y)."""
        y = m.boolean(self.n, name=f"y_{tag}")
        cost, rev = self.cost(xi), self.revenue(xi)
        m.add(x + y <= 1, name=f"once_{tag}")
        m.add(cost @ x + cost @ y <= self.budget, name=f"budget_{tag}")
        return rev @ x + self.k * rev @ y

    def add_first_stage(self, m: Any, x: Any) -> None:
        """Robust affordability 1.5 c_bar'x <= B."""
        m.add(1.5 * self.c_bar @ x <= self.budget, name="robust_affordable")

    def first_stage_budget(self) -> tuple[np.ndarray, float] | None:
        """The first-stage constraint 1.5 c_bar'x <= B as a budget row (a, b)."""
        return 1.5 * self.c_bar, float(self.budget)

    def initial_scenario(self) -> np.ndarray:
        """The nominal scenario xi = 0."""
        return np.zeros(XI_DIM)

    def random_scenarios(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """Half vertices of the box, half uniform points."""
        out = rng.uniform(-1, 1, size=(count, XI_DIM))
        out[::2] = np.sign(out[::2])
        return out

    def random_first_stage(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """Random robustly affordable x: items added in random order while 1.5 c_bar'x <= B."""
        out = np.zeros((count, self.n))
        for j in range(count):
            room = self.budget / 1.5 * rng.uniform(0.2, 1.0)
            for i in rng.permutation(self.n):
                if self.c_bar[i] <= room:
                    out[j, i], room = 1.0, room - self.c_bar[i]
        return out

    def guided_first_stage(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """No guided sampling for capital budgeting: `random_first_stage` (the same draws from `rng`)."""
        return self.random_first_stage(count, rng)

    def guided_scenarios(self, x: Any, count: int, rng: np.random.Generator) -> np.ndarray:
        """No guided sampling for capital budgeting: `random_scenarios` (the same draws from `rng`)."""
        return self.random_scenarios(count, rng)

    # -- exact adversary ------------------------------------------------------------------
    def worst_case(self, x: Any, backend: str = "highs", time_limit: float | None = None, tol: float = 1e-6,
                   plans: list | None = None, max_iter: int = 10_000,
                   options: Mapping[str, Any] | None = None, *, scenarios: Any = None,
                   eps: float = 1e-6) -> WorstCase:
        """Exact worst case of x by cutting planes; a plan counts as over budget if it exceeds B by eps*B.

        lower is the adversary MIP's bound, so -inf when the time limit came before any adversary MIP.
        The recourse plans at the rows of `scenarios` (warm-start points, e.g. an ML-CCG loop's) join the
        seed plans.
        """
        x = self.check_x(x)
        options = check_options(options)
        t0 = time.perf_counter()
        deadline = optlib.Deadline(time_limit, start=t0)
        results: list = []
        pool = plans if plans is not None else []
        cuts = [y for y in pool if np.all(x + y <= 1)]

        def add_plan(y: np.ndarray) -> bool:
            """Add recourse plan y to the cuts (and the caller's pool); False when it is there already."""
            if any(np.array_equal(y, c) for c in cuts):
                return False
            cuts.append(y)
            pool.append(y)
            return True

        if not cuts:        # seed the cuts with the best plans at the 16 vertices of the box
            for v in itertools.product((-1.0, 1.0), repeat=XI_DIM):
                try:
                    y = self.recourse(x, np.array(v), backend, left(deadline), options=options)[2]
                except TimeLimitReached:
                    break
                add_plan(y)
        upper, lower, iters, best_xi = math.inf, -math.inf, 0, self.initial_scenario()
        for v in (scenarios if scenarios is not None else []):
            v = np.clip(np.asarray(v, dtype=float).ravel(), -1.0, 1.0)
            if v.size != XI_DIM or deadline.expired():
                continue
            try:
                val, ub, y = self.recourse(x, v, backend, left(deadline), options=options)
            except TimeLimitReached:
                break
            if ub < upper:
                upper, best_xi = ub, v
            add_plan(y)
        xi = self.initial_scenario()
        # r(xi)'v = r0 + r1'xi and c(xi)'v = c0 + c1'xi for every row v of V: (r0 (k,), r1 (k, 4))
        lin_rev = lambda V: (V @ self.r_bar, (V * self.r_bar) @ self.psi / 2)    # noqa: E731
        lin_cost = lambda V: (V @ self.c_bar, (V * self.c_bar) @ self.phi / 2)   # noqa: E731
        while iters < max_iter:
            iters += 1
            if cuts:
                m = optlib.Model("cb_adversary")
                xv = m.continuous(XI_DIM, lb=-1.0, ub=1.0, name="xi")
                z = m.continuous(name="z")
                r0, r1 = (v[0] for v in lin_rev(x[None, :]))
                m.add(z >= r0 + r1 @ xv, name="no_recourse")
                d = m.boolean(len(cuts), name="over_budget")
                ys = np.array(cuts)                 # one block of rows per kind, plan j in row j
                v0, v1 = lin_rev(x + self.k * ys)
                c0, c1 = lin_cost(x + ys)
                big = 1.5 * v0 - 0.5 * r0
                big_c = self.budget * (1 + eps) - 0.5 * c0
                m.add(z >= v0 + v1 @ xv - d * big, name="plans")
                m.add(c0 + c1 @ xv - d * big_c >= self.budget * (1 + eps) - big_c, name="over")
                m.minimize(z)
                res = solve_mip(m, backend, left(deadline), options=options)
                results.append(res)
                if not res.status.has_solution:
                    break
                lower = max(lower, float(res.bound))
                xi = np.clip(res[xv], -1.0, 1.0)
            try:
                val, ub, y = self.recourse(x, xi, backend, left(deadline), options=options)
            except TimeLimitReached:
                break
            if ub < upper:
                upper, best_xi = ub, xi
            if not add_plan(y) and val <= lower + tol * max(1.0, abs(val)):
                break
            if upper - lower <= tol * max(1.0, abs(upper)) or deadline.expired():
                break
        return WorstCase(lower=lower, upper=upper, xi=best_xi, iterations=iters, time=time.perf_counter() - t0,
                         exact=upper - lower <= tol * max(1.0, abs(upper)), results=tuple(results))

    # -- features for the value network ------------------------------------------------------
    def item_features(self, version: int = 1) -> np.ndarray:
        """Per-item features (n, 11): c_bar, r_bar, phi (4), psi (4), budget (one version)."""
        if version != 1:
            raise ValueError(f"capital budgeting feature version must be 1, got {version!r}")
        return np.column_stack([self.c_bar, self.r_bar, self.phi, self.psi, np.full(self.n, self.budget)])

    def value_scale(self) -> float:
        """1.5 sum(r_bar): an upper bound on the recourse value, the unit of the network's target."""
        return float(max(1.5 * self.r_bar.sum(), 1e-12))

    def xi_item_views(self, xi: Any) -> np.ndarray:
        """u_i = (phi_i'xi, psi_i'xi): how item i sees the scenario (n, 2)."""
        xi = np.asarray(xi, dtype=float)
        return np.column_stack([self.phi @ xi, self.psi @ xi])

    def xi_item_exprs(self, xi_var: Any) -> list:
        """u_i = (phi_i'xi, psi_i'xi) as length-2 expressions."""
        return [optlib.vstack([self.phi[i] @ xi_var, self.psi[i] @ xi_var]).reshape((2,)) for i in range(self.n)]

    def xi_item_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """-1 <= u_i <= 1 (phi_i, psi_i on the unit simplex, xi in the box)."""
        return -np.ones((self.n, 2)), np.ones((self.n, 2))

    def xi_view_matrices(self) -> np.ndarray:
        """(n, 2, 4): u_i = [phi_i; psi_i] xi (the linear map behind `xi_item_views`)."""
        return np.stack([self.phi, self.psi], axis=1)

    def xi_set(self) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, float] | None]:
        """Xi as (lower, upper, budget row or None): the box [-1, 1]^4."""
        return -np.ones(XI_DIM), np.ones(XI_DIM), None

    def add_xi(self, m: Any) -> Any:
        """xi in [-1, 1]^4."""
        return m.continuous(XI_DIM, lb=-1.0, ub=1.0, name="xi")

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "budget": self.budget, "k": self.k,
                "c_bar": self.c_bar.tolist(), "r_bar": self.r_bar.tolist(), "phi": self.phi.tolist(),
                "psi": self.psi.tolist()}


def _simplex_rows(n: int, rng: np.random.Generator) -> np.ndarray:
    """Rows uniform on the unit simplex: gaps between sorted uniforms in [0, 1]."""
    cuts = np.sort(rng.random((n, XI_DIM - 1)), axis=1)
    edges = np.hstack([np.zeros((n, 1)), cuts, np.ones((n, 1))])
    return np.diff(edges, axis=1)


def generate_capital_budgeting(n: int = 10, k: float = 0.8,
                               seed: int | np.random.Generator | None = None) -> CapitalBudgetingInstance:
    """c_bar ~ U(1, 10), r_bar = c_bar / 5, B = sum(c_bar) / 2, phi_i, psi_i uniform on the unit simplex."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    c = rng.uniform(1, 10, size=n)
    return CapitalBudgetingInstance(c_bar=c, r_bar=c / 5, phi=_simplex_rows(n, rng), psi=_simplex_rows(n, rng),
                                    budget=c.sum() / 2, k=k, name=f"cb_n{n}")


def save_capital_budgeting(instance: CapitalBudgetingInstance, path: str | os.PathLike) -> None:
    """Write an instance as JSON (fields of `CapitalBudgetingInstance`)."""
    with open(path, "w") as fh:
        json.dump(instance.to_dict(), fh)


def load_capital_budgeting(path: str | os.PathLike) -> CapitalBudgetingInstance:
    """Read an instance written by `save_capital_budgeting` (errors name the field)."""
    path = str(path)
    if not os.path.isfile(path):
        raise ValueError(f"path {path!r} is not a file")
    try:
        with open(path) as fh:
            d = json.load(fh)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(d, dict):
        raise ValueError(f"{path}: expected a JSON object")
    for key in ("c_bar", "r_bar", "phi", "psi", "budget"):
        if key not in d:
            raise ValueError(f"{path}: missing field {key!r}")
    try:
        arr = {key: np.asarray(d[key], dtype=float) for key in ("c_bar", "r_bar", "phi", "psi")}
        return CapitalBudgetingInstance(c_bar=arr["c_bar"], r_bar=arr["r_bar"], phi=arr["phi"], psi=arr["psi"],
                                        budget=float(d["budget"]), k=float(d.get("k", 0.8)),
                                        name=str(d.get("name", os.path.basename(path))))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: {exc}") from None
