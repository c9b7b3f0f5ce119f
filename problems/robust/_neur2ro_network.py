"""The Neur2RO network on one instance: V(x, xi) ~ Q(x, xi) / s, its MIP embeddings and heuristics on it.

`InstanceNetwork` binds the fitted set network (numpy weights, `solvers.neural.set_network`) to an instance
(its scaled item features and the unit s of the value); Q is estimated by s V(x, xi).  It offers what the
two CCG steps of Neur2RO need (`_neur2ro_loop`):

    main:      max_x  a'x + s min_k V(x, xi_k)     as a MIP (`main_mip`) or by local search (`main_local_search`),
    adversary: min_{xi in Xi} V(x, xi)             as a MIP (`adversary_mip`) or heuristically
               (`heuristic_scenario`: the best of the scenarios found, random ones and, for the knapsack,
               a greedy + swap vertex of Xi).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

import optlib
from solvers.neural import set_network
from solvers.neural.bounds import Domain

from ._local_search import local_search
from ._mip import left, solve_mip
from .data import features, value_unit
from .neur2ro_options import Neur2ROOptions


class InstanceNetwork:
    """The fitted network `parts` on `instance`; `opts` choose the bounds, starts and backend of its MIPs."""

    def __init__(self, parts: dict, scaler: dict, instance: Any, opts: Neur2ROOptions,
                 feats: np.ndarray | None = None):
        self.parts, self.instance, self.opts = set_network.checked_parts(parts), instance, opts   # validated once
        self.feats = features(instance, scaler) if feats is None else feats
        self.s = value_unit(instance, scaler)          # network output -> instance units
        self.obbt_cache: dict = {}                     # LP bounds of the value head per scenario

    # -- values -------------------------------------------------------------------------------
    def value(self, x: np.ndarray, xi: np.ndarray) -> float:
        """V(x, xi) in network units."""
        return set_network.value(self.parts, x, self.feats, self.instance.xi_item_views(xi))

    def rated(self, scenarios: list, xs: list) -> list:
        """(x, a'x + s min_k V(x, xi_k)) for the distinct x's of `xs`, in their order."""
        seen, out = set(), []
        for xc in xs:
            key = xc.astype(np.int8).tobytes()
            if key not in seen:
                seen.add(key)
                v = min(self.value(xc, xi) for xi in scenarios)
                out.append((xc, self.instance.first_stage_value(xc) + self.s * v))
        return out

    # -- main problem -------------------------------------------------------------------------
    def main_mip(self, scenarios: list, deadline: optlib.Deadline | float | None, exclude: list | None = None,
                 cache: dict | None = None) -> tuple[optlib.Result, Any]:
        """The main problem as a MIP over the scenarios found: (Result, x variable).  `exclude`: no-good cuts
        on these x's; `cache`: LP bounds of the value head per scenario (main_bounds='obbt'), kept between
        calls; once the deadline has passed, a new scenario gets symbolic bounds instead of the LPs."""
        deadline = optlib.Deadline.of(deadline)
        inst, opts = self.instance, self.opts
        m = optlib.Model("neur2ro_main")
        x = m.boolean(inst.n, name="x")
        inst.add_first_stage(m, x)
        theta = m.continuous(name="theta")
        if opts.main_bounds != "interval":
            dom = Domain(np.zeros(inst.n), np.ones(inst.n), inst.first_stage_budget())
            views = [inst.xi_item_views(xi) for xi in scenarios]
            vb = None
            if opts.main_bounds == "obbt":
                cache = self.obbt_cache if cache is None else cache
                vb = []
                for xi, u in zip(scenarios, views):
                    key = np.asarray(xi, dtype=float).tobytes()
                    if key not in cache and not deadline.expired():
                        cache[key] = set_network.value_bounds_lp(self.parts, self.feats, u, dom, backend="highs")
                    vb.append(cache.get(key))
            vals = set_network.embed_scenario_values(m, self.parts, x, self.feats, views, dom, value_bounds=vb)
        else:
            ex, lo, hi = set_network.embed_x(m, self.parts, x, self.feats)
            vals = []
            for k, xi in enumerate(scenarios):
                e, elo, ehi = set_network.embed_xi_fixed_scenario(m, self.parts, x, self.feats,
                                                                  inst.xi_item_views(xi), name=f"xi{k}")
                vals.append(set_network.embed_value(m, self.parts, ex, lo, hi, e, elo, ehi, name=f"v{k}"))
        for k, v in enumerate(vals):
            m.add(theta <= self.s * v, name=f"scenario{k}")
        for k, xc in enumerate(exclude or []):      # no-good cuts: x differs from xc in at least one item
            m.add((1 - xc) @ x + xc @ (1 - x) >= 1, name=f"exclude{k}")
        m.maximize(inst.first_stage_objective_expr(x) + theta)
        return solve_mip(m, opts.backend, left(deadline), rel_gap=1e-4, options=opts.options), x

    def main_local_search(self, scenarios: list, visited: list,
                          deadline: optlib.Deadline | float | None) -> list[tuple[np.ndarray, float]]:
        """The main problem by local search: the local optima found, best first, as (x, a'x + s min_k V)."""
        inst, s, opts = self.instance, self.s, self.opts
        n = inst.n
        net = set_network.batch_evaluator(self.parts, self.feats, [inst.xi_item_views(xi) for xi in scenarios])
        c0 = inst.first_stage_value(np.zeros(n))
        coef = np.array([inst.first_stage_value(np.eye(n)[i]) for i in range(n)]) - c0

        hot: list = list(range(max(0, net.size - 3), net.size))     # scenarios likely to be the minimum

        def score(X: np.ndarray, threshold: float | None = None) -> np.ndarray:
            """Exact where the value can exceed `threshold`: the min over the 'hot' scenarios is an upper
            bound, and only rows whose bound exceeds the threshold get the other scenarios too."""
            base, ex = X @ coef + c0, net.x_part(X)
            if threshold is None or net.size <= len(hot):
                return base + s * net(X, None, ex).min(axis=1)
            vals = base + s * net(X, hot, ex).min(axis=1)
            need = np.flatnonzero(vals > threshold)
            rest = [k for k in range(net.size) if k not in hot]
            if need.size:
                full = net(X[need], rest, ex[need])
                rest_min = full.min(axis=1)
                vals[need] = np.minimum(vals[need], base[need] + s * rest_min)
                j = int(np.argmax(vals[need]))
                if base[need[j]] + s * rest_min[j] <= vals[need[j]]:     # binding at the best row: make it hot
                    hot.pop(0)
                    hot.append(rest[int(np.argmin(full[j]))])
            return vals
        rng = np.random.default_rng(opts.seed + len(scenarios))
        starts = np.vstack([np.asarray(visited[-2:], dtype=float).reshape(-1, n),      # the last x's, then fresh
                            inst.guided_first_stage(opts.local_search_starts, rng),
                            np.zeros((0 if visited else 1, n))])
        return local_search(score, starts, inst.first_stage_budget(), seed=opts.seed,
                            deadline=None if deadline is None else optlib.Deadline.of(deadline))

    # -- adversary ----------------------------------------------------------------------------
    def heuristic_scenario(self, x: np.ndarray, scenarios: list) -> np.ndarray:
        """The scenario of smallest network value among those found and random ones (a MIP start)."""
        rng = np.random.default_rng(self.opts.seed)
        cands = list(scenarios) + list(self.instance.random_scenarios(64, rng))
        if self.opts.problem == "knapsack":
            cands.append(self.greedy_knapsack_scenario(x))
        vals = [self.value(x, c) for c in cands]
        return np.asarray(cands[int(np.argmin(vals))], dtype=float)

    def greedy_knapsack_scenario(self, x: np.ndarray) -> np.ndarray:
        """Greedy vertex of Xi for min_xi V(x, xi): floor(Gamma) times set xi_i = 1 on the item that lowers V most,
        then best-improvement swaps (one degraded item for another) while V decreases.

        The scenario net is item-separable (item i sees only xi_i), so the per-item outputs at xi_i = 0, 1 and
        the remainder are computed once and every greedy step is one batched pass of the post-aggregation net.
        """
        parts, feats = self.parts, self.feats
        n, gamma = self.instance.n, self.instance.gamma
        full, rest = int(math.floor(gamma + 1e-9)), gamma - math.floor(gamma + 1e-9)
        a0, a1, ar = (set_network.item_outputs(parts, "xi_item", x, feats, np.full((n, 1), t))
                      for t in (0.0, 1.0, rest))
        ex = set_network.x_embedding_constant(parts, x, feats)
        xi, total = np.zeros(n), a0.sum(axis=0)

        def values(sums: np.ndarray) -> np.ndarray:
            exi = set_network.post_outputs(parts, "xi_post", sums)
            return set_network.post_outputs(parts, "value", np.column_stack([np.tile(ex, (len(sums), 1)),
                                                                             exi]))[:, 0]
        for step in range(min(full, n) + (1 if rest > 1e-9 else 0)):
            delta = (a1 if step < full else ar) - a0
            v = values(total[None] + delta)
            v[xi > 0] = np.inf
            i = int(np.argmin(v))
            if not np.isfinite(v[i]):
                break
            xi[i] = 1.0 if step < full else rest
            total = total + delta[i]
        d1 = a1 - a0
        for _ in range(2 * n):                        # best-improvement swaps of one fully degraded item
            on, off = np.flatnonzero(xi == 1.0), np.flatnonzero(xi == 0.0)
            if not on.size or not off.size:
                break
            cand = total[None, None] - d1[on][:, None] + d1[off][None, :]
            v = values(cand.reshape(-1, total.size)).reshape(on.size, off.size)
            k = int(np.argmin(v))
            if v.flat[k] >= values(total[None])[0] - 1e-12:
                break
            i, j = on[k // off.size], off[k % off.size]
            xi[i], xi[j] = 0.0, 1.0
            total = cand[k // off.size, k % off.size]
        return xi

    def adversary(self, x: np.ndarray, scenarios: list, time_limit: float | None,
                  theta: float | None = None) -> tuple:
        """min over Xi of the network at x: (scenario, value in network units, proven minimal, Results), the
        scenario None when the MIP found none in time.

        With `adversary='heuristic_first'` and `theta` (network units), a heuristic scenario already below
        theta is returned without the MIP (any violated scenario is a valid CCG cut); the MIP, warm-started
        from that scenario, is solved otherwise.  `adversary='heuristic'` never solves the MIP."""
        opts, inst = self.opts, self.instance
        xi0 = self.heuristic_scenario(x, scenarios)
        if opts.adversary_ != "mip" and theta is not None:
            v0 = self.value(x, xi0)
            if v0 < theta - 1e-4 * max(1.0, abs(theta)) or opts.adversary_ == "heuristic":
                return xi0, v0, False, ()
        res, xi = self.adversary_mip(x, xi0, time_limit)
        if not res.status.has_solution:
            return None, None, False, (res,)
        return (inst.check_xi(np.asarray(res[xi])), float(res.objective), res.status is optlib.Status.OPTIMAL,
                (res,))

    def adversary_mip(self, x: np.ndarray, xi0: np.ndarray, time_limit: float | None) -> tuple[optlib.Result, Any]:
        """min_{xi in Xi} V(x, xi) as a MIP warm-started at xi0: (Result, xi variable)."""
        opts, inst, parts, feats = self.opts, self.instance, self.parts, self.feats
        m = optlib.Model("neur2ro_adversary")
        xi = inst.add_xi(m)
        warm: dict = {xi: xi0}
        e = set_network.x_embedding_constant(parts, x, feats)
        ulo, uhi = inst.xi_item_bounds()
        bnds = None
        if opts.adversary_bounds == "symbolic":
            bnds = set_network.adversary_bounds(parts, feats, inst.xi_view_matrices(), Domain(*inst.xi_set()), x=x)
        exi, lo, hi = set_network.embed_xi(m, parts, inst.xi_item_exprs(xi), ulo, uhi, feats,
                                           u_start=inst.xi_item_views(xi0), warm_start=warm, x=x,
                                           bounds=None if bnds is None else bnds[:2])
        e0 = set_network.xi_embedding_constant(parts, feats, inst.xi_item_views(xi0), x)
        m.minimize(set_network.embed_value(m, parts, e, e, e, exi, lo, hi, start=np.concatenate([e, e0]),
                                           warm_start=warm, bounds=None if bnds is None else bnds[2]))
        return solve_mip(m, opts.backend, time_limit, rel_gap=1e-4, options=opts.options, warm_start=warm), xi
