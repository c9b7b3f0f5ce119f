"""Two-stage robust knapsack with repairs (Arslan & Detienne, INFORMS J. Computing 2020).

First stage: x_i = 1 accepts item i (profit p_bar_i, or outsourcing cost f_i if not produced).
Second stage, after the degradation xi in Xi = {xi in [0,1]^n : sum(xi) <= Gamma}: y_i produces
item i (y <= x), r_i repairs it (r <= y) so that it keeps its full profit, with
sum(c y + t r) <= C.  Profit (maximised, the sense of the published branch-and-price values):

    max_x  (p_bar - f)'x + min_{xi in Xi} max_{y,r} sum_i (f_i - p_hat_i xi_i) y_i + p_hat_i xi_i r_i.

The exact worst case of a fixed x is computed by a cutting-plane (Benders-like) scheme
(`_knapsack_adversary`): the adversary LP  min z  s.t.  z >= q(xi; y_k, r_k)  over the recourse plans
found so far (warm-started, in-out stabilised), and the recourse DP / MIP at its xi adds the next plan.
Every z is a certified lower bound on the worst-case profit; the recourse value at xi (exact DP, or the
recourse MIP's dual bound) is a certified upper bound.
"""
from __future__ import annotations

import dataclasses
import math
import os
import re
from pathlib import Path
from typing import Any, Mapping

import numpy as np

import optlib
from optlib import datasets

from ._knapsack_adversary import STABILIZE_DEFAULT, knapsack_worst_case
from ._mip import binary_vector, check_options, checked_solution, solve_mip
from .protocol import WorstCase

__all__ = ["KnapsackInstance", "WorstCase", "load_knapsack", "knapsack_files", "generate_knapsack"]

CORRELATIONS = ("UN", "WC", "ASC", "SC")
FEATURE_NAMES = ("c", "p_bar", "p_hat", "f", "t", "C")


@dataclasses.dataclass(frozen=True)
class KnapsackInstance:
    """A two-stage robust knapsack instance (all arrays of length n)."""

    p_bar: np.ndarray
    p_hat: np.ndarray
    t: np.ndarray
    c: np.ndarray
    f: np.ndarray
    C: float
    gamma: float
    name: str = "knapsack"

    kind = "knapsack"
    sense = "maximize"

    def __post_init__(self) -> None:
        n = len(np.asarray(self.p_bar))
        for field in ("p_bar", "p_hat", "t", "c", "f"):
            arr = np.asarray(getattr(self, field), dtype=float)
            if arr.ndim != 1 or arr.size != n:
                raise ValueError(f"{field} must be a vector of length {n} (the number of items), got shape {arr.shape}")
            if not np.all(np.isfinite(arr)) or np.any(arr < 0):
                raise ValueError(f"{field} must be finite and nonnegative")
            object.__setattr__(self, field, arr)
        if n == 0:
            raise ValueError("a knapsack instance needs at least one item")
        if not (math.isfinite(self.C) and self.C >= 0):
            raise ValueError(f"capacity C must be finite and nonnegative, got {self.C!r}")
        if not (isinstance(self.gamma, (int, float)) and 0 <= self.gamma <= n):
            raise ValueError(f"gamma (uncertainty budget) must be in [0, n={n}], got {self.gamma!r}")
        object.__setattr__(self, "C", float(self.C))
        object.__setattr__(self, "gamma", float(self.gamma))

    @property
    def n(self) -> int:
        return int(self.p_bar.size)

    # -- values --------------------------------------------------------------------------
    def first_stage_value(self, x: Any) -> float:
        """(p_bar - f)'x: the part of the profit fixed by the first stage."""
        return float((self.p_bar - self.f) @ np.asarray(x, dtype=float))

    def first_stage_objective_expr(self, x: Any) -> Any:
        """(p_bar - f) @ x for an optlib variable (or an array)."""
        return (self.p_bar - self.f) @ x

    def plan_value(self, x: Any, xi: Any, plan: Any) -> float:
        """Second-stage profit q(xi; y, r) = sum (f - p_hat xi) y + p_hat xi r of a recourse plan (y, r) (y <= x)."""
        y, r = plan
        xi = np.asarray(xi, dtype=float)
        return float((self.f - self.p_hat * xi) @ y + (self.p_hat * xi) @ r)

    def check_x(self, x: Any) -> np.ndarray:
        """x as a float 0/1 vector of length n (every such x is a first-stage decision)."""
        return binary_vector(x, self.n)

    def check_xi(self, xi: Any) -> np.ndarray:
        """xi in Xi = {xi in [0,1]^n : sum(xi) <= Gamma} (clipped to [0, 1]); ValueError otherwise."""
        arr = np.asarray(xi, dtype=float).ravel()
        if arr.size != self.n or np.any(arr < -1e-9) or np.any(arr > 1 + 1e-9) or arr.sum() > self.gamma + 1e-7:
            raise ValueError(f"xi must lie in [0,1]^{self.n} with sum(xi) <= Gamma={self.gamma}")
        return np.clip(arr, 0.0, 1.0)

    # -- second stage ----------------------------------------------------------------------
    def recourse(self, x: Any, xi: Any, backend: str = "highs", time_limit: float | None = None,
                 rel_gap: float = 1e-7, options: Mapping[str, Any] | None = None, *,
                 method: str = "auto") -> tuple[float, float, Any]:
        """Solve the recourse problem at (x, xi): (value, upper bound, plan (y, r)).

        method 'mip': the recourse MIP on `backend` to `rel_gap`; 'dp': the exact dynamic programme over
        the capacity (integral weights only, value = bound); 'auto': dp when the weights are integral and
        C <= 10^6, the MIP otherwise.
        """
        if method not in ("auto", "mip", "dp"):
            raise ValueError(f"method must be 'auto', 'mip' or 'dp', got {method!r}")
        options = check_options(options)
        x, xi = self.check_x(x), self.check_xi(xi)
        keep = np.flatnonzero(x > 0.5)
        y_full, r_full = np.zeros(self.n), np.zeros(self.n)
        if keep.size == 0:
            return 0.0, 0.0, (y_full, r_full)
        if method == "dp" or (method == "auto" and self._dp_applies()):
            if not self.integral():
                raise ValueError("method='dp' needs integral weights c, t and capacity C")
            plan = self._dp_plan(keep, xi)
            val = self.plan_value(x, xi, plan)
            return val, val, plan
        m = optlib.Model("knapsack_recourse")
        y = m.boolean(keep.size, name="y")
        r = m.boolean(keep.size, name="r")
        m.add(self.c[keep] @ y + self.t[keep] @ r <= self.C, name="capacity")
        m.add(r <= y, name="repair_needs_use")
        m.maximize((self.f[keep] - self.p_hat[keep] * xi[keep]) @ y + (self.p_hat[keep] * xi[keep]) @ r)
        res = checked_solution(solve_mip(m, backend, time_limit, rel_gap, options), "recourse MIP")
        y_full[keep] = np.round(res[y])
        r_full[keep] = np.round(res[r])
        plan = (y_full, r_full)
        val = self.plan_value(x, xi, plan)
        return val, max(float(res.bound), val), plan

    def _dp(self, keep: np.ndarray, xis: np.ndarray, track: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """The capacity DP of `recourse_values` over the items `keep`, for every row of `xis` at once:
        (B (scenarios, C + 1), the option chosen per item, scenario and capacity if `track`)."""
        cap = int(self.C)
        best = np.zeros((xis.shape[0], cap + 1))
        choice = np.zeros((keep.size, xis.shape[0], cap + 1), dtype=np.int8) if track else None
        for k, i in enumerate(keep):
            c1 = int(self.c[i])
            new = best.copy()
            for option, w, gain in ((1, c1, (self.f[i] - self.p_hat[i] * xis[:, i])[:, None]),
                                    (2, c1 + int(self.t[i]), self.f[i])):
                if w <= cap:
                    cand = best[:, :cap + 1 - w] + gain
                    if track:
                        choice[k][:, w:][cand > new[:, w:]] = option
                    np.maximum(new[:, w:], cand, out=new[:, w:])
            best = new
        return best, choice

    def _dp_plans(self, keep: np.ndarray, xis: np.ndarray, chunk: int = 8) -> list[tuple[np.ndarray, np.ndarray]]:
        """Optimal (y, r) at every row of `xis`: the DP of `_dp` with its choices backtracked from capacity C
        (`chunk` scenarios per DP, to bound the choice table's memory)."""
        xis = np.atleast_2d(np.asarray(xis, dtype=float))
        out = []
        for lo in range(0, xis.shape[0], chunk):
            _, choice = self._dp(keep, xis[lo:lo + chunk], track=True)
            for s in range(choice.shape[1]):
                y, r = np.zeros(self.n), np.zeros(self.n)
                w = int(self.C)
                for k in range(keep.size - 1, -1, -1):
                    i, ch = keep[k], choice[k, s, w]
                    if ch:
                        y[i] = 1.0
                        r[i] = float(ch == 2)
                        w -= int(self.c[i]) + (int(self.t[i]) if ch == 2 else 0)
                out.append((y, r))
        return out

    def _dp_plan(self, keep: np.ndarray, xi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Optimal (y, r) at xi (`_dp_plans` for one scenario)."""
        return self._dp_plans(keep, xi[None, :])[0]

    def _dp_applies(self) -> bool:
        """Whether the exact capacity DP is used by default: integral weights and C <= 10^6."""
        return self.integral() and self.C <= 1e6

    def add_scenario(self, m: Any, x: Any, xi: Any, tag: str) -> Any:
        """Add a recourse copy for scenario xi to a main problem; returns its second-stage profit."""
        y = m.boolean(self.n, name=f"y_{tag}")
        r = m.boolean(self.n, name=f"r_{tag}")
        m.add(self.c @ y + self.t @ r <= self.C, name=f"capacity_{tag}")
        m.add(r <= y, name=f"repair_{tag}")
        m.add(y <= x, name=f"use_{tag}")
        return (self.f - self.p_hat * xi) @ y + (self.p_hat * xi) @ r

    def add_first_stage(self, m: Any, x: Any) -> None:
        """First-stage constraints (none for the knapsack)."""

    def first_stage_budget(self) -> tuple[np.ndarray, float] | None:
        """The first-stage set as a budget row (a, b), a'x <= b, or None (the knapsack: every x is feasible)."""
        return None

    def initial_scenario(self) -> np.ndarray:
        """Gamma / n on every item."""
        return np.full(self.n, self.gamma / self.n)

    def random_scenarios(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """`count` scenarios in Xi: half spend Gamma on random items (vertices), half are spread out."""
        out = np.zeros((count, self.n))
        for k in range(count):
            if k % 2 == 0:
                order = rng.permutation(self.n)
                full = int(math.floor(self.gamma))
                out[k, order[:full]] = 1.0
                if full < self.n:
                    out[k, order[full]] = self.gamma - full
            else:
                u = rng.random(self.n)
                out[k] = np.clip(u / u.sum() * self.gamma * rng.uniform(0.3, 1.0), 0.0, 1.0)
        return out

    def random_first_stage(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """`count` random 0/1 vectors x, each with its own density uniform in [0, 1]."""
        dens = rng.uniform(0.0, 1.0, size=(count, 1))
        return (rng.random((count, self.n)) < dens).astype(float)

    def guided_first_stage(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """`count` 0/1 vectors near good decisions: a third uniform (`random_first_stage`), the rest greedy.

        Greedy: items by a noisy profit density f_i (1 + 0.3 N(0,1)) / (c_i + t_i u_i), u_i ~ U(0,1), are
        accepted until sum(c x) reaches rho C, rho ~ U(0.6, 1.5); then each item flips with probability 5 %.
        """
        out = np.zeros((count, self.n))
        n_uniform = count // 3
        out[:n_uniform] = self.random_first_stage(n_uniform, rng)
        for k in range(n_uniform, count):
            score = self.f * (1 + 0.3 * rng.standard_normal(self.n)) / (self.c + self.t * rng.random(self.n))
            order = np.argsort(-score)
            m = int(np.searchsorted(np.cumsum(self.c[order]), rng.uniform(0.6, 1.5) * self.C))
            out[k, order[:m]] = 1.0
            flip = rng.random(self.n) < 0.05
            out[k, flip] = 1.0 - out[k, flip]
        return out

    def guided_scenarios(self, x: Any, count: int, rng: np.random.Generator) -> np.ndarray:
        """`count` scenarios for first stage x: half `random_scenarios`, half spend Gamma on accepted items.

        The targeted half picks accepted items (x_i = 1) with probability proportional to p_hat_i (items
        with larger degradation first, as a worst case would), fractional remainder on the next one.
        """
        out = np.zeros((count, self.n))
        n_rand = count - count // 2
        out[:n_rand] = self.random_scenarios(n_rand, rng)
        full = math.floor(self.gamma)
        w = (self.p_hat + 1e-9) * np.where(np.asarray(x) > 0.5, 1.0, 0.05)
        for k in range(n_rand, count):
            order = rng.choice(self.n, size=self.n, replace=False, p=w / w.sum())
            out[k, order[:full]] = 1.0
            if full < self.n:
                out[k, order[full]] = self.gamma - full
        return out

    def integral(self) -> bool:
        """True when the weights c, t and the capacity C are integers (the published instances)."""
        return bool(np.all(self.c == np.round(self.c)) and np.all(self.t == np.round(self.t))
                    and float(self.C) == math.floor(self.C))

    def recourse_values(self, x: Any, xis: Any, backend: str = "highs", time_limit: float | None = None,
                        rel_gap: float = 1e-7, options: Mapping[str, Any] | None = None) -> np.ndarray:
        """Q(x, xi) for every row of `xis`: exact dynamic programme over the capacity for integral weights.

        Each accepted item has three options (skip; produce: weight c_i, profit f_i - p_hat_i xi_i; produce
        and repair: weight c_i + t_i, profit f_i), so  B_i(w) = max(B_{i-1}(w), B_{i-1}(w - c_i) + f_i -
        p_hat_i xi_i, B_{i-1}(w - c_i - t_i) + f_i)  and Q = B_n(C), for all scenarios at once.  Instances
        with fractional weights (or C > 10^6) use the recourse MIP per scenario (`recourse`).
        """
        x = self.check_x(x)
        xis = np.atleast_2d(np.asarray(xis, dtype=float))
        xis = np.array([self.check_xi(xi) for xi in xis])
        if not self._dp_applies():
            return np.array([self.recourse(x, xi, backend, time_limit, rel_gap, options, method="mip")[0]
                             for xi in xis])
        best, _ = self._dp(np.flatnonzero(x > 0.5), xis)
        return best[:, int(self.C)].copy()

    # -- exact adversary ------------------------------------------------------------------
    def worst_case(self, x: Any, backend: str = "highs", time_limit: float | None = None, tol: float = 1e-6,
                   plans: list | None = None, max_iter: int = 10_000,
                   options: Mapping[str, Any] | None = None, *, scenarios: Any = None,
                   stabilize: float = STABILIZE_DEFAULT) -> WorstCase:
        """Exact worst case of a first-stage x: min over Xi of the recourse value, by cutting planes
        (`_knapsack_adversary`: warm-started, in-out stabilised).

        Returns lower (certified: no scenario gives less profit), upper (profit at the scenario found,
        exact from the DP or the recourse MIP's bound) and that scenario; it stops once
        upper - lower <= tol max(1, |upper|).  `plans` (a list, extended in place) carries recourse plans
        between calls (plans not feasible for x are skipped); `scenarios` (rows) are warm-start points
        whose plans seed the cuts; `stabilize` in [0, 1) is the in-out separation weight (0: Kelley).
        """
        x = self.check_x(x)
        options = check_options(options)
        if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 <= tol < 1:
            raise ValueError(f"tol must be in [0, 1), got {tol!r}")
        if isinstance(stabilize, bool) or not isinstance(stabilize, (int, float)) or not 0 <= stabilize < 1:
            raise ValueError(f"stabilize must be in [0, 1), got {stabilize!r}")
        if isinstance(max_iter, bool) or not isinstance(max_iter, int) or max_iter < 1:
            raise ValueError(f"max_iter must be a positive integer, got {max_iter!r}")
        return knapsack_worst_case(self, x, backend, time_limit, float(tol), plans, max_iter, options,
                                   scenarios=scenarios, stabilize=float(stabilize))

    # -- features for the value network ------------------------------------------------------
    def item_features(self, version: int = 1) -> np.ndarray:
        """Per-item features of the value network.

        version 1 (n, 6): c, p_bar, p_hat, f, t and the capacity C (raw units).
        version 2 (n, 11), size-free: shares c_i/C, t_i/C, f_i/U, p_bar_i/U, p_hat_i/U (U = sum f, so that
        sum_i x_i c_i/C is the capacity use and the target Q/U a sum of item shares), densities
        log(1 + (f_i/U)/(c_i/C)), log(1 + (p_hat_i/U)/(c_i/C)), p_hat_i/f_i, log(1 + t_i/c_i), and the
        instance's Gamma/n and C/sum(c).
        """
        if version == 1:
            return np.column_stack([self.c, self.p_bar, self.p_hat, self.f, self.t, np.full(self.n, self.C)])
        if version != 2:
            raise ValueError(f"knapsack feature version must be 1 or 2, got {version!r}")
        U, C = self.value_scale(), max(self.C, 1e-12)
        sc, sf, sh = self.c / C, self.f / U, self.p_hat / U
        eps = 1e-12
        return np.column_stack([sc, self.t / C, sf, self.p_bar / U, sh, np.log1p(sf / np.maximum(sc, eps)),
                                np.log1p(sh / np.maximum(sc, eps)), self.p_hat / np.maximum(self.f, eps),
                                np.log1p(self.t / np.maximum(self.c, eps)), np.full(self.n, self.gamma / self.n),
                                np.full(self.n, C / max(self.c.sum(), eps))])

    def value_scale(self) -> float:
        """sum(f): an upper bound on the recourse value, the unit of the network's target."""
        return float(max(self.f.sum(), 1e-12))

    def xi_item_views(self, xi: Any) -> np.ndarray:
        """u_i = xi_i: how item i sees the scenario (n, 1)."""
        return np.asarray(xi, dtype=float).reshape(self.n, 1)

    def xi_item_exprs(self, xi_var: Any) -> list:
        """u_i = xi_var[i] (length-1 expressions)."""
        return [xi_var[i:i + 1] for i in range(self.n)]

    def xi_item_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """0 <= u_i <= 1."""
        return np.zeros((self.n, 1)), np.ones((self.n, 1))

    def xi_view_matrices(self) -> np.ndarray:
        """(n, 1, n): u_i = e_i' xi (the linear map behind `xi_item_views`)."""
        return np.eye(self.n)[:, None, :]

    def xi_set(self) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, float] | None]:
        """Xi as (lower, upper, budget row (a, b) or None): [0, 1]^n with sum(xi) <= Gamma."""
        return np.zeros(self.n), np.ones(self.n), (np.ones(self.n), self.gamma)

    def add_xi(self, m: Any) -> Any:
        """xi in [0, 1]^n with sum(xi) <= Gamma."""
        xi = m.continuous(self.n, lb=0.0, ub=1.0, name="xi")
        m.add(xi.sum() <= self.gamma, name="budget")
        return xi


_NAME = re.compile(r"RKP_(?P<corr>[A-Z]+)_n(?P<n>\d+)_R(?P<R>\d+)_H(?P<H>\d+)_h(?P<h>\d+)"
                   r"_dev(?P<dev>[\d.]+)_d(?P<d>[\d.]+)(\.gz)?$")


def _number(tok: str, path: str, line: int, field: str) -> float:
    try:
        v = float(tok)
    except ValueError:
        raise ValueError(f"{path}: line {line}, field {field!r}: {tok!r} is not a number") from None
    if not math.isfinite(v):
        raise ValueError(f"{path}: line {line}, field {field!r}: {tok!r} is not finite")
    return v


def load_knapsack(path: str | os.PathLike) -> KnapsackInstance:
    """Read an Arslan-Detienne RKP_* file (plain or .gz): 'n C Gamma', then per item 'p_bar p_hat t c f'.
    A bare instance name ('RKP_ASC_n20_...') is looked up by `optlib.datasets.knapsack_instance`
    (the shipped instances, or $OPTLIB_DATA/robust/knapsack)."""
    path = str(path)
    if not os.path.isfile(path) and _NAME.match(path):
        path = str(datasets.knapsack_instance(path))
    if not os.path.isfile(path):
        raise ValueError(f"path {path!r} is not a file")
    with datasets.open_text(path) as fh:
        lines = [ln.split() for ln in fh.read().splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    if not lines or len(lines[0]) != 3:
        raise ValueError(f"{path}: line 1 must hold 3 fields 'NumberOfItems Capacity UncertaintyBudget', "
                         f"got {len(lines[0]) if lines else 0}")
    header = ("NumberOfItems", "Capacity", "UncertaintyBudget")
    n_f, cap, gamma = (_number(tok, path, 1, fld) for tok, fld in zip(lines[0], header))
    if n_f != int(n_f) or n_f < 1:
        raise ValueError(f"{path}: line 1, field 'NumberOfItems': must be a positive integer, got {lines[0][0]!r}")
    n = int(n_f)
    if cap < 0:
        raise ValueError(f"{path}: line 1, field 'Capacity': must be nonnegative, got {lines[0][1]!r}")
    if not 0 <= gamma <= n:
        raise ValueError(f"{path}: line 1, field 'UncertaintyBudget': Gamma must be in [0, {n}], got {lines[0][2]!r}")
    if len(lines) - 1 != n:
        raise ValueError(f"{path}: expected {n} item lines after line 1, got {len(lines) - 1}")
    fields = ("NominalProfit", "MaximumProfitDegradation", "RepairWeight", "NormalWeight", "OutsourcingCost")
    data = np.zeros((n, 5))
    for i, toks in enumerate(lines[1:], start=2):
        if len(toks) != 5:
            raise ValueError(f"{path}: line {i} must hold 5 fields {' '.join(fields)}, got {len(toks)}")
        for j, (tok, fld) in enumerate(zip(toks, fields)):
            data[i - 2, j] = _number(tok, path, i, fld)
            if data[i - 2, j] < 0:
                raise ValueError(f"{path}: line {i}, field {fld!r}: must be nonnegative, got {tok!r}")
    return KnapsackInstance(p_bar=data[:, 0], p_hat=data[:, 1], t=data[:, 2], c=data[:, 3], f=data[:, 4],
                            C=cap, gamma=gamma, name=datasets.plain_name(path))


def knapsack_files(directory: str | os.PathLike | None = None, n: int | list[int] | None = None) -> list[Path]:
    """The RKP_* files (plain or .gz) of a directory (optionally only sizes `n`), sorted by name.
    `directory=None`: $OPTLIB_DATA/robust/knapsack (all 504) or the 44 shipped with optlib."""
    d = Path(directory) if directory is not None else datasets.knapsack_dir()
    if not d.is_dir():
        raise ValueError(f"directory {str(d)!r} does not exist")
    sizes = None if n is None else ({n} if isinstance(n, int) else set(n))
    out = []
    for p in sorted(d.iterdir()):
        mt = _NAME.match(p.name)
        if mt and (sizes is None or int(mt.group("n")) in sizes):
            out.append(p)
    return out


def generate_knapsack(n: int = 20, correlation: str = "UN", h: int = 40, delta: float = 0.5,
                      budget_factor: float = 0.15, R: int = 1000, H: int = 100,
                      seed: int | np.random.Generator | None = None, integral: bool = False) -> KnapsackInstance:
    """Random instance with the generator of Arslan & Detienne (as used by Neur2RO).

    c ~ U(1, R), C = h/(H+1) sum(c); p_bar by `correlation` (UN: U(1,R), WC: c +- R/20,
    ASC: c + R/10 +- R/1000, SC: c + R/10); p_hat = p_bar U((1-delta)/2, (1+delta)/2);
    f = p_bar U(1.1, 1.5); repair weight t correlated like p_bar; Gamma = budget_factor n.
    `integral`: round all data to integers, as in the published files (exact DP labels, `recourse_values`).
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if correlation not in CORRELATIONS:
        raise ValueError(f"correlation must be one of {CORRELATIONS}, got {correlation!r}")
    if not 0 <= delta <= 1:
        raise ValueError(f"delta must be in [0, 1], got {delta!r}")
    if not 0 <= budget_factor <= 1:
        raise ValueError(f"budget_factor must be in [0, 1] (Gamma = budget_factor * n), got {budget_factor!r}")
    if R < 2 or H < 1 or h < 0:
        raise ValueError(f"R must be >= 2, H >= 1 and h >= 0, got R={R!r}, H={H!r}, h={h!r}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    c = rng.uniform(1, R, size=n)
    cap = h / (H + 1) * c.sum()
    if correlation == "UN":
        p_bar = rng.uniform(1, R, size=n)
    elif correlation == "WC":
        p_bar = rng.uniform(c - R / 20, c + R / 20)
    elif correlation == "ASC":
        p_bar = rng.uniform(c + R / 10 - R / 1000, c + R / 10 + R / 1000)
    else:
        p_bar = c + R / 10
    p_bar = np.maximum(p_bar, 1.0)
    p_hat = p_bar * rng.uniform((1 - delta) / 2, (1 + delta) / 2, size=n)
    f = p_bar * rng.uniform(1.1, 1.5, size=n)
    if correlation == "UN":
        t = rng.uniform(1, c)
    elif correlation == "WC":
        t = rng.uniform(0.5 * p_hat - R / 40, 0.5 * p_hat + R / 40)
    elif correlation == "ASC":
        t = rng.uniform(0.5 * p_hat + c / 10 - R / 1000, 0.5 * p_hat + c / 10 + R / 1000)
    else:
        t = 0.5 * p_hat + c / 10
    t = np.maximum(t, 1.0)
    if integral:
        c, p_bar, p_hat, t, f, cap = (np.round(v) for v in (c, p_bar, p_hat, t, f, cap))
        p_bar, t, c = np.maximum(p_bar, 1.0), np.maximum(t, 1.0), np.maximum(c, 1.0)
    name = f"gen_{correlation}_n{n}_R{R}_H{H}_h{h}_dev{budget_factor}_d{delta}"
    return KnapsackInstance(p_bar=p_bar, p_hat=p_hat, t=t, c=c, f=f, C=cap, gamma=budget_factor * n, name=name)
