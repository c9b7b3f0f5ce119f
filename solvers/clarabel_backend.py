"""Clarabel adapter (interior point; LP, SOCP, SDP with duals).

Clarabel solves  min c'x  s.t.  A x + s = b, s in K,  with dual  max -b'z  s.t.
c + A'z = 0, z in K*: its z is optlib's z as is. Its PSD triangle is the upper triangle
column-major (sqrt 2 scaled), so the PSD rows are permuted with `svec_to_triu_perm`.

Parameters: time_limit -> time_limit, rel_gap -> tol_gap_rel, threads -> max_threads,
options -> DefaultSettings attributes. Status: Solved -> OPTIMAL (bound = dual objective);
AlmostSolved -> FEASIBLE; (Almost)PrimalInfeasible -> INFEASIBLE; (Almost)DualInfeasible
-> UNBOUNDED once `Backend.settle_by_feasibility` finds a feasible point; MaxTime /
MaxIterations -> FEASIBLE or NO_SOLUTION by our own feasibility check of x; NumericalError / InsufficientProgress -> NUMERICAL_ERROR.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from optlib.cones import svec_to_triu_perm
from optlib.standard_form import ConeDims, RawResult, SolveParams, StandardForm
from optlib.status import Status

from .base import Backend, Capabilities, require
from .conic_form import ConicData, conic_data, ignored_params


def _triu_row_perm(cones: ConeDims) -> np.ndarray:
    """Row permutation p with clarabel_rows = rows[p] (identity outside PSD blocks)."""
    perm = np.arange(cones.rows)
    for kind, start, size, dim in cones.blocks():
        if kind == "psd":
            perm[start:start + size] = start + svec_to_triu_perm(dim)
    return perm


class ClarabelBackend(Backend):
    name = "clarabel"
    package = "clarabel"
    module = "clarabel"
    capabilities = Capabilities(continuous=True, integer=False, soc=True, psd=True, duals=True)

    def _settings(self, clarabel: Any, params: SolveParams) -> tuple[Any, dict[str, Any]]:
        settings = clarabel.DefaultSettings()
        used = params.native("time_limit", "tol_gap_rel", "max_threads", verbose=bool(params.verbose))
        for key, value in used.items():
            if not hasattr(settings, key):
                raise ValueError(f"backend 'clarabel': unknown option {key!r}")
            try:
                setattr(settings, key, value)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"backend 'clarabel': bad value for option {key!r}: {exc}") from exc
        used.update(ignored_params(params, ("time_limit", "rel_gap", "threads"),
                                   "Clarabel has no warm start"))
        return settings, used

    def solve(self, sf: StandardForm, params: SolveParams) -> RawResult:
        self.check(sf)
        clarabel = require("clarabel", self.package, self.name)
        settings, used = self._settings(clarabel, params)
        data = conic_data(sf)
        perm = _triu_row_perm(data.cones)
        cones = self._cones(clarabel, data.cones)
        P = sp.csc_matrix((sf.n, sf.n))
        solver = clarabel.DefaultSolver(P, data.c, data.A[perm], data.b[perm], cones, settings)
        sol = solver.solve()
        x = np.asarray(sol.x, dtype=float)
        z_ext = np.empty(data.cones.rows)
        z_ext[perm] = np.asarray(sol.z, dtype=float)
        result = RawResult(status=Status.ERROR, solver=self.name, version=self.version(),
                           solve_time=float(sol.solve_time), iterations=int(sol.iterations),
                           parameters=used)
        self._classify(result, str(sol.status), data, x, z_ext, sf.offset,
                       float(sol.obj_val_dual))
        if result.status is Status.UNBOUNDED:  # dual infeasibility alone does not prove it
            result = self.settle_by_feasibility(sf, params, result)
        return result

    @staticmethod
    def _cones(clarabel: Any, dims: ConeDims) -> list[Any]:
        make = {"zero": clarabel.ZeroConeT, "nonneg": clarabel.NonnegativeConeT,
                "soc": clarabel.SecondOrderConeT, "psd": clarabel.PSDTriangleConeT}
        return [make[kind](dim) for kind, _, _, dim in dims.blocks()]

    @staticmethod
    def _classify(res: RawResult, status: str, data: ConicData, x: np.ndarray,
                  z_ext: np.ndarray, offset: float, dual_obj: float) -> None:
        """Fill status, message, bound and rays of `res` from Clarabel's answer."""
        reduced = "Clarabel: reduced accuracy" if status.startswith("Almost") else ""
        if status == "Solved":
            res.status, res.bound = Status.OPTIMAL, dual_obj + offset
        elif status == "AlmostSolved":
            res.status, res.message = Status.FEASIBLE, reduced
        elif status in ("PrimalInfeasible", "AlmostPrimalInfeasible"):
            res.status, res.message, res.dual_ray = Status.INFEASIBLE, reduced, data.own(z_ext)
        elif status in ("DualInfeasible", "AlmostDualInfeasible"):
            res.status, res.message, res.primal_ray = Status.UNBOUNDED, reduced, x
        elif status in ("MaxTime", "MaxIterations", "CallbackTerminated"):
            res.status, res.message = data.stopped_status(x, f"Clarabel stopped: {status}")
            res.limit = {"MaxTime": "time_limit", "MaxIterations": "iteration_limit"}.get(status, "interrupted")
        elif status in ("NumericalError", "InsufficientProgress"):
            res.status, res.message = Status.NUMERICAL_ERROR, f"Clarabel: {status}"
        else:
            res.status, res.message = Status.ERROR, f"Clarabel returned status {status}"
        data.fill_point(res, x, data.own(z_ext), offset)
