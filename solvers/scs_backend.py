"""SCS adapter (first-order splitting; LP, QP, SOCP, exponential cone, SDP with duals).

SCS solves  min 1/2 x'P x + c'x  s.t.  A x + s = b, s in K,  with dual
max -1/2 x'P x - b'y  s.t.  P x + c + A'y = 0, y in K*: its y is optlib's z as is, its P is
the upper triangle (CSC; `conic_form.upper_triangle`), its PSD svec (lower triangle,
column-major, sqrt 2 scaled) is optlib's, and its exponential cone ('ep': that many primal
blocks closure{(u, v, w): v > 0, v exp(u / v) <= w}, placed last) is optlib's.

Parameters: time_limit -> time_limit_secs, rel_gap -> eps_rel (SCS stops when the
relative primal, dual residuals and the duality gap are below eps_abs + eps_rel * scale,
so eps_rel is its relative gap tolerance; eps_abs stays at SCS's default unless given in
options), warm_start -> the x warm start; SCS has no threads setting. SCS's own default
tolerances are loose (1e-4): its dual objective can lie slightly above the optimum. When an
answer does not certify, the solve pipeline re-solves with eps_abs = eps_rel = 1e-7, then
1e-9, 1e-11, each warm-started from the previous (x, y, s) (`refined_params`), unless the
user set SCS's tolerances or passed refine=False.

Status: solved -> OPTIMAL (bound = dual objective); infeasible / unbounded -> INFEASIBLE /
UNBOUNDED; their inaccurate variants only when the ray passes our check; an unbounded ray
only proves dual infeasibility, so UNBOUNDED is settled by `Backend.settle_by_feasibility`
(a zero-objective re-solve that looks for a feasible point); solved_inaccurate
and any stop at a limit -> FEASIBLE or NO_SOLUTION by our feasibility check of x; failed
(not at a limit) -> NUMERICAL_ERROR.
"""
from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import scipy.sparse as sp

from optlib.standard_form import RawResult, SolveParams, StandardForm
from optlib.status import Status

from .base import Backend, Capabilities, require
from .conic_form import ConicData, conic_data, ignored_params, upper_triangle


class ScsBackend(Backend):
    name = "scs"
    package = "scs"
    module = "scs"
    capabilities = Capabilities(continuous=True, integer=False, soc=True, psd=True, duals=True,
                                quadratic=True, exp=True)

    #: eps_abs = eps_rel of the refinement rounds (SCS's own default is 1e-4)
    REFINE_EPS = (1e-7, 1e-9, 1e-11)

    @staticmethod
    def _settings(params: SolveParams) -> dict[str, Any]:
        settings = params.native("time_limit_secs", "eps_rel", verbose=bool(params.verbose))
        if isinstance(params.resume, dict) and "eps" in params.resume:
            settings["eps_abs"] = settings["eps_rel"] = float(params.resume["eps"])
        return settings

    def refined_params(self, sf: StandardForm, params: SolveParams, raw: RawResult,
                       round_: int) -> SolveParams | None:
        """Tighter eps_abs = eps_rel (1e-7, 1e-9, 1e-11), warm-started from the last (x, y, s);
        none when the user set SCS's tolerances."""
        if round_ >= len(self.REFINE_EPS) or {"eps_abs", "eps_rel"} & set(params.options):
            return None
        state = dict(raw.resume or {})
        state["eps"] = self.REFINE_EPS[round_]
        return dataclasses.replace(params, resume=state)

    def solve(self, sf: StandardForm, params: SolveParams) -> RawResult:
        self.check(sf)
        scs = require("scs", self.package, self.name)
        data = conic_data(sf)
        settings = self._settings(params)
        cone = {"z": data.cones.zero, "l": data.cones.nonneg,
                "q": list(data.cones.soc), "s": list(data.cones.psd), "ep": data.cones.exp}
        problem = {"A": data.A, "b": data.b, "c": data.c}
        rows = data.cones.rows
        if rows == 0:   # SCS needs a row: 0'x + s = 0, s in {0} (its dual is dropped below)
            problem.update(A=sp.csc_matrix((1, sf.n)), b=np.zeros(1))
            cone["z"] = 1
        if data.P is not None:
            problem["P"] = upper_triangle(data.P, sf.n)
        try:
            solver = scs.SCS(problem, cone, **dict(settings))
        except TypeError as exc:  # SCS rejects unknown or ill-typed settings with TypeError
            raise ValueError(f"backend 'scs': invalid option: {exc}") from exc
        warm = params.warm_start
        state = params.resume if isinstance(params.resume, dict) else {}
        if all(k in state for k in ("x", "y", "s")):
            settings["warm_start"] = "previous solve"
            sol = solver.solve(warm_start=True, x=state["x"], y=state["y"], s=state["s"])
        elif warm is not None:
            settings["warm_start"] = True
            sol = solver.solve(warm_start=True, x=np.asarray(warm, dtype=float))
        else:
            sol = solver.solve()
        info = sol["info"]
        settings.update(ignored_params(params, ("time_limit", "rel_gap", "warm_start"),
                                       "SCS has no threads setting"))
        res = RawResult(status=Status.ERROR, solver=self.name, version=self.version(),
                        solve_time=float(info["solve_time"]) / 1000.0,
                        iterations=int(info["iter"]), parameters=settings)
        self._classify(res, int(info["status_val"]), str(info["status"]), data,
                       np.asarray(sol["x"], dtype=float), np.asarray(sol["y"], dtype=float)[:rows],
                       sf.offset, float(info["dobj"]))
        res.resume = {"x": np.asarray(sol["x"], dtype=float), "y": np.asarray(sol["y"], dtype=float),
                      "s": np.asarray(sol["s"], dtype=float)}
        if res.status is Status.UNBOUNDED:   # an unbounded ray alone only proves dual infeasibility
            res = self.settle_by_feasibility(sf, params, res)
        return res

    @staticmethod
    def _classify(res: RawResult, code: int, text: str, data: ConicData, x: np.ndarray,
                  y: np.ndarray, offset: float, dual_obj: float) -> None:
        """Fill status, message, bound and rays of `res` from SCS's answer. Inaccurate
        infeasible/unbounded answers (SCS gives them when it stops at a limit) count only
        if their ray checks out; otherwise they are treated like any stopped solve."""
        if code == 1:  # solved
            res.status, res.bound = Status.OPTIMAL, dual_obj + offset
        elif code == -2 or (code == -7 and data.is_infeasibility_ray(y)):
            res.status, res.dual_ray = Status.INFEASIBLE, data.own(y)
            res.message = "" if code == -2 else f"SCS: {text}; the ray checks out"
        elif code == -1 or (code == -6 and data.is_unbounded_ray(x)):
            res.status, res.primal_ray = Status.UNBOUNDED, x
            res.message = "" if code == -1 else f"SCS: {text}; the ray checks out"
        elif code == -4 and "reached" not in text:  # failed, not at a max_iters/time limit
            res.status, res.message = Status.NUMERICAL_ERROR, f"SCS: {text}"
        else:  # solved_inaccurate, unfinished, indeterminate, interrupted, stopped at a
            # limit without a status, or an inaccurate ray that does not check out
            res.status, res.message = data.stopped_status(x, f"SCS stopped: {text}")
            if "max_iters" in text:
                res.limit = "iteration_limit"
            elif "time_limit" in text:
                res.limit = "time_limit"
        data.fill_point(res, x, data.own(y), offset)
