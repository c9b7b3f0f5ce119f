"""Clarabel adapter (interior point; LP, QP, SOCP, exponential cone, SDP with duals).

Clarabel solves  min 1/2 x'P x + c'x  s.t.  A x + s = b, s in K,  with dual
max -1/2 x'P x - b'z  s.t.  P x + c + A'z = 0, z in K*: its z is optlib's z as is. It takes
the upper triangle of P (CSC; `conic_form.upper_triangle`, the zero matrix for a linear
objective). Its PSD triangle is the upper triangle column-major (sqrt 2 scaled), so the PSD
rows are permuted with `svec_to_triu_perm`. Its exponential cone (ExponentialConeT) is
closure{(u, v, w): v > 0, v exp(u / v) <= w}, optlib's, so those rows go as they are.

Parameters: time_limit -> time_limit, rel_gap -> tol_gap_rel, threads -> max_threads,
options -> DefaultSettings attributes (but `memory_check`, see Memory below). Status:
Solved -> OPTIMAL (bound = dual objective);
AlmostSolved -> FEASIBLE; (Almost)PrimalInfeasible -> INFEASIBLE; (Almost)DualInfeasible
-> UNBOUNDED once `Backend.settle_by_feasibility` finds a feasible point; MaxTime /
MaxIterations -> FEASIBLE or NO_SOLUTION by our own feasibility check of x; NumericalError / InsufficientProgress -> NUMERICAL_ERROR.

Memory: Clarabel stores the scaling of each PSD cone of order n as a dense block of order
k = n(n+1)/2 and factors its KKT system around it, about 57 k^2 bytes per block at the peak
(`solvers.memory`); past the machine's memory the process aborts, with no Python exception.
`check` therefore refuses an SDP whose estimated peak exceeds MEMORY_FRACTION (one half) of
the available memory (`solvers.memory.available_memory_bytes`), with a ValueError naming
the cone, the memory and SCS, so `auto` passes over Clarabel for it. A cone whose sparsity
pattern Clarabel decomposes (chordal decomposition, on by default) is counted by its
cliques (`chordal_decomposition_enable=False` makes `solve` count the whole cones).

To try Clarabel anyway pass the option `memory_check=False` (`m.solve(backend="clarabel",
memory_check=False)`; popped before the Clarabel settings are applied), or set
OPTLIB_CLARABEL_MEMORY_CHECK=0 in the environment, which also lets `auto` pick Clarabel.
"""
from __future__ import annotations

import dataclasses
import os
from typing import Any

import numpy as np

from optlib.cones import svec_size, svec_to_triu_perm
from optlib.standard_form import ConeDims, RawResult, SolveParams, StandardForm
from optlib.status import Status

from .base import Backend, Capabilities, require
from .conic_form import ConicData, conic_data, ignored_params, upper_triangle
from .memory import available_memory_bytes, clarabel_peak_bytes, format_bytes, psd_cone_blocks

#: Share of the available memory Clarabel's estimated peak may take. Memory grows as n^4 in
#: the order n of a PSD cone, so halving the share costs only ~16 % in the largest accepted
#: order, and it covers the estimate's error (+-10 % on the SDPs measured, up to 2.5x under
#: on arrow-shaped sparsity patterns) and what else the process and the machine hold.
MEMORY_FRACTION = 0.5
#: Environment variable that switches the memory check off ("0", "false", "off", "no").
MEMORY_CHECK_ENV = "OPTLIB_CLARABEL_MEMORY_CHECK"


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
    capabilities = Capabilities(continuous=True, integer=False, soc=True, psd=True, duals=True,
                                quadratic=True, exp=True)

    def check(self, sf: StandardForm, memory_check: bool = True, chordal: bool = True) -> None:
        """The capability check, then (unless `memory_check` is False or the environment
        variable OPTLIB_CLARABEL_MEMORY_CHECK is 0) `check_memory`."""
        super().check(sf)
        if memory_check:
            self.check_memory(sf, chordal)

    def check_memory(self, sf: StandardForm, chordal: bool = True) -> None:
        """ValueError when Clarabel's estimated peak memory on `sf` (its dense PSD blocks;
        `chordal`: as Clarabel's chordal decomposition splits them) exceeds MEMORY_FRACTION
        of the available memory. Silent without PSD cones, when the available memory is
        unknown, or when OPTLIB_CLARABEL_MEMORY_CHECK is 0."""
        if not sf.has_psd or os.environ.get(MEMORY_CHECK_ENV, "").strip().lower() in ("0", "false", "off", "no"):
            return
        avail = available_memory_bytes()
        if avail is None:
            return
        limit = MEMORY_FRACTION * avail
        if clarabel_peak_bytes(sf, chordal=False) <= limit:   # cheap: the whole cones, an upper bound
            return
        blocks = psd_cone_blocks(sf, chordal)
        need = clarabel_peak_bytes(sf, blocks=blocks)
        if need <= limit:
            return
        raise ValueError(
            f"backend {self.name!r} cannot solve this {sf.problem_class}: {_describe(blocks)} "
            f"{'needs' if len(blocks) == 1 else 'need'} about {format_bytes(need)} (Clarabel stores "
            f"the scaling of each PSD cone of order n as a dense block of order n(n+1)/2 and factors "
            f"its KKT system around it), more than {MEMORY_FRACTION:.0%} of the {format_bytes(avail)} "
            f"available; use backend='scs' (first-order, memory linear in the problem size), or pass "
            f"memory_check=False (or set {MEMORY_CHECK_ENV}=0) to try Clarabel anyway")

    #: the tolerances of the one re-solve an answer that did not certify gets (no PSD cone: an
    #: interior-point re-solve of an SDP costs as much as the first one); Clarabel's are 1e-8
    REFINE_TOL = {"tol_gap_abs": 1e-11, "tol_gap_rel": 1e-11, "tol_feas": 1e-11}

    def refined_params(self, sf: StandardForm, params: SolveParams, raw: RawResult,
                       round_: int) -> SolveParams | None:
        """One re-solve with tolerances 1e-11 (an optimum of 0 needs an absolute gap below
        optlib's 1e-9), for forms without PSD cones and when the user set no tolerance."""
        if round_ > 0 or sf.has_psd or any(k.startswith("tol_") for k in params.options):
            return None
        return dataclasses.replace(params, options={**params.options, **self.REFINE_TOL})

    @staticmethod
    def _memory_options(params: SolveParams) -> tuple[bool, bool]:
        """(memory_check, chordal decomposition on) from the options."""
        check = params.options.get("memory_check", True)
        if not isinstance(check, (bool, np.bool_)):
            raise ValueError(f"backend 'clarabel': option 'memory_check' must be True or False, got {check!r}")
        return bool(check), bool(params.options.get("chordal_decomposition_enable", True))

    def _settings(self, clarabel: Any, params: SolveParams) -> tuple[Any, dict[str, Any]]:
        settings = clarabel.DefaultSettings()
        used = params.native("time_limit", "tol_gap_rel", "max_threads", verbose=bool(params.verbose))
        memory_check = used.pop("memory_check", None)   # ours, not a Clarabel setting
        for key, value in used.items():
            if not hasattr(settings, key):
                raise ValueError(f"backend 'clarabel': unknown option {key!r}")
            try:
                setattr(settings, key, value)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"backend 'clarabel': bad value for option {key!r}: {exc}") from exc
        if memory_check is not None:
            used["memory_check"] = memory_check
        used.update(ignored_params(params, ("time_limit", "rel_gap", "threads"),
                                   "Clarabel has no warm start"))
        return settings, used

    def solve(self, sf: StandardForm, params: SolveParams) -> RawResult:
        memory_check, chordal = self._memory_options(params)
        self.check(sf, memory_check, chordal)
        clarabel = require("clarabel", self.package, self.name)
        settings, used = self._settings(clarabel, params)
        data = conic_data(sf)
        perm = _triu_row_perm(data.cones)
        cones = self._cones(clarabel, data.cones)
        P = upper_triangle(data.P, sf.n)
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
                "soc": clarabel.SecondOrderConeT, "psd": clarabel.PSDTriangleConeT,
                "exp": lambda _dim: clarabel.ExponentialConeT()}
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


def _describe(blocks: list[tuple[int, list[int]]]) -> str:
    """'its PSD cone of order 300', 'its 3 PSD cones (the largest of order 300)', with the
    block orders of a cone that Clarabel's chordal decomposition splits."""
    def one(n: int, qs: list[int]) -> str:
        if len(qs) == 1 and qs[0] == n:
            return f"order {n}"
        return f"order {n} (split by Clarabel's chordal decomposition into {len(qs)} blocks of order up to {max(qs)})"

    biggest = max(blocks, key=lambda item: sum(svec_size(q) ** 2 for q in item[1]))
    if len(blocks) == 1:
        return f"its PSD cone of {one(*biggest)}"
    return f"its {len(blocks)} PSD cones (the largest of {one(*biggest)})"
