"""OR-Tools linear solvers through `pywraplp`: SCIP (LP/MILP), Glop (LP) and PDLP (LP).

All three share one builder: the form's rows lo <= A x <= hi (`StandardForm.linear_rows`)
and the box lb <= x <= ub are written into an `MPModelProto` with one repeated-field
`extend` per row (no Python work per nonzero), then loaded with `LoadModelFromProto`;
the answer is read back in one `FillSolutionResponseProto`. Measured on a 10^4 x 10^4 LP
with 10^5 nonzeros: ~0.05 s, against ~0.18 s for per-coefficient `SetCoefficient` calls.
(`model_builder` fills a model from sparse arrays faster still, but has no generic
threads / MIP-gap / hint settings, so pywraplp's MPSolver is kept.)

Duals: Glop and PDLP report row duals y with reduced costs d = c - A'y (minimisation),
so this module's z (r = c + A'z) is z = -y; checked on `<=` rows (y <= 0, z >= 0) and
by the tight weak-duality relation c'x = -b'z + min_box r'x at the optimum.

pywraplp reports "infeasible or unbounded" as INFEASIBLE (Glop presolve, SCIP's
INFORUNBD). Every INFEASIBLE answer is therefore settled by `Backend.settle_by_feasibility`
(a zero-objective re-solve). PDLP reports an
unbounded LP as NOT_SOLVED, which maps to NO_SOLUTION (it cannot be told apart from a
stop without a solution).
"""
from __future__ import annotations

import dataclasses
import math
import time

import numpy as np

from optlib.standard_form import RawResult, SolveParams, StandardForm
from optlib.status import Status

from .base import Backend, Capabilities, require

_NO_BOUND = 1e20  # SCIP's "infinity"; larger magnitudes mean "no bound"


class _PywraplpBackend(Backend):
    """One pywraplp solver (`solver_id` is the name `CreateSolver` takes)."""

    package = "ortools"
    module = "ortools"
    solver_id = ""

    def solve(self, sf: StandardForm, params: SolveParams) -> RawResult:
        self.check(sf)
        pywraplp = require("ortools.linear_solver.pywraplp", self.package, self.name)
        pb = require("ortools.linear_solver.linear_solver_pb2", self.package, self.name)
        model = _model_proto(pb, sf)

        t0 = time.perf_counter()
        status, response, counts, notes, used = self._run(pywraplp, pb, model, sf, params)
        mapped = _map_status(pywraplp, status)
        solve_time = time.perf_counter() - t0

        res = RawResult(status=mapped, solver=self.name, version=self.version(),
                        solve_time=solve_time, message="; ".join(notes), parameters=used)
        if mapped.has_solution and len(response.variable_value) == sf.n:
            res.x = np.asarray(response.variable_value, dtype=float)
            res.objective = float(sf.c @ res.x + sf.offset)
            if self.capabilities.mip_bound:
                bound = response.best_objective_bound  # includes the objective offset
                if response.HasField("best_objective_bound") and abs(bound) < _NO_BOUND:
                    res.bound = float(bound)
            elif mapped == Status.OPTIMAL:
                res.bound = res.objective
            if (mapped == Status.OPTIMAL and self.capabilities.duals
                    and len(response.dual_value) == sf.m):
                res.z = sf.z_from_row_duals(np.asarray(response.dual_value, dtype=float))
        res.iterations, res.nodes = counts
        if mapped is Status.INFEASIBLE:      # pywraplp's INFEASIBLE may mean "or unbounded"
            res = self.settle_by_feasibility(sf, params, res)
        return res

    def _run(self, pywraplp, pb, model, sf: StandardForm, params: SolveParams, hint: bool = True):
        """Create the solver, load `model`, apply `params`, solve; return
        (status, response, (iterations, nodes), notes, settings used)."""
        solver = pywraplp.Solver.CreateSolver(self.solver_id)
        if solver is None:
            raise RuntimeError(f"this OR-Tools build has no {self.solver_id} solver")
        response = pb.MPSolutionResponse()
        error = solver.LoadModelFromProto(model)
        if error:
            return (pywraplp.Solver.MODEL_INVALID, response, (None, None),
                    [f"model rejected: {error}"], {})
        notes: list[str] = []
        used: dict = {"output": bool(params.verbose)}
        mp_params = pywraplp.MPSolverParameters()
        if params.verbose:
            solver.EnableOutput()
        else:
            solver.SuppressOutput()
        if params.time_limit is not None:
            used["time_limit_ms"] = max(1, math.ceil(float(params.time_limit) * 1000.0))
            solver.SetTimeLimit(used["time_limit_ms"])
        if params.rel_gap is not None and sf.has_integers:
            used["RELATIVE_MIP_GAP"] = float(params.rel_gap)
            mp_params.SetDoubleParam(mp_params.RELATIVE_MIP_GAP, float(params.rel_gap))
        if params.threads is not None:
            if solver.SetNumThreads(int(params.threads)):
                used["num_threads"] = int(params.threads)
            else:
                notes.append(f"threads={params.threads} ignored "
                             f"({self.solver_id} is single-threaded)")
        for key, value in params.options.items():
            if key != "solver_specific":
                raise ValueError(
                    f"backend {self.name!r}: unknown option {key!r} "
                    "(the only option is 'solver_specific', a parameter string)"
                )
            if not solver.SetSolverSpecificParametersAsString(str(value)):
                raise ValueError(
                    f"backend {self.name!r}: {self.solver_id} rejected option "
                    f"'solver_specific' = {value!r}"
                )
            used["solver_specific"] = str(value)
        if hint and params.warm_start is not None and sf.has_integers:
            solver.SetHint(solver.variables(), [float(v) for v in params.warm_start])
        status = solver.Solve(mp_params)
        solver.FillSolutionResponseProto(response)
        iterations = int(solver.iterations())
        # nodes() logs an error for the LP-only solvers, so only SCIP is asked
        nodes = int(solver.nodes()) if self.capabilities.integer else -1
        return (status, response, (iterations if iterations >= 0 else None,
                                   nodes if nodes >= 0 else None), notes, used)


def _map_status(pywraplp, status: int) -> Status:
    S = pywraplp.Solver
    return {
        S.OPTIMAL: Status.OPTIMAL,
        S.FEASIBLE: Status.FEASIBLE,
        S.INFEASIBLE: Status.INFEASIBLE,
        S.UNBOUNDED: Status.UNBOUNDED,
        S.NOT_SOLVED: Status.NO_SOLUTION,
        S.ABNORMAL: Status.ERROR,
        S.MODEL_INVALID: Status.ERROR,
    }.get(status, Status.ERROR)


def _model_proto(pb, sf: StandardForm):
    """The MPModelProto (minimisation) of the linear rows and box of `sf`."""
    A, lo, hi = sf.linear_rows()
    model = pb.MPModelProto()
    model.objective_offset = float(sf.offset)
    for lbj, ubj, cj, ij in zip(sf.lb.tolist(), sf.ub.tolist(), sf.c.tolist(), sf.integer.tolist()):
        model.variable.add(lower_bound=lbj, upper_bound=ubj, objective_coefficient=cj,
                           is_integer=bool(ij))
    ptr = A.indptr.tolist()
    idx = A.indices.tolist()
    val = A.data.astype(float).tolist()
    for i, (loi, hii) in enumerate(zip(lo.tolist(), hi.tolist())):
        row = model.constraint.add(lower_bound=loi, upper_bound=hii)
        row.var_index.extend(idx[ptr[i]:ptr[i + 1]])
        row.coefficient.extend(val[ptr[i]:ptr[i + 1]])
    return model


class ScipBackend(_PywraplpBackend):
    name = "scip"
    solver_id = "SCIP"
    capabilities = Capabilities(continuous=True, integer=True, duals=False, mip_bound=True,
                                logic=False)   # logical constraints arrive as big-M rows (optlib.bridges)


class GlopBackend(_PywraplpBackend):
    name = "glop"
    solver_id = "GLOP"
    capabilities = Capabilities(continuous=True, integer=False, duals=True, logic=False)


class PdlpBackend(_PywraplpBackend):
    """PDLP with optimality tolerances eps_optimal_absolute = eps_optimal_relative = 1e-9 (or the
    solve's rel_gap) instead of OR-Tools' 1e-6, since optlib certifies a row to 1e-6 of its own
    scale and the gap to 1e-6: measured on netlib, 1e-9 costs 1.3-1.9x the iterations of the
    default and certifies where the default does not. A refinement re-solves at 1e-11 and 1e-13
    (PDLP through pywraplp has no warm start). A user's 'solver_specific' string replaces all
    of this."""

    name = "pdlp"
    solver_id = "PDLP"
    capabilities = Capabilities(continuous=True, integer=False, duals=True, logic=False)
    DEFAULT_EPS = 1e-9
    REFINE_EPS = (1e-11, 1e-13)

    def solve(self, sf: StandardForm, params: SolveParams) -> RawResult:
        if "solver_specific" not in params.options:
            eps = (params.resume or {}).get("eps") if isinstance(params.resume, dict) else None
            if eps is None:
                eps = params.rel_gap if params.rel_gap is not None else self.DEFAULT_EPS
            spec = ("termination_criteria { simple_optimality_criteria { "
                    f"eps_optimal_relative: {eps:g} eps_optimal_absolute: {eps:g} }} }}")
            params = dataclasses.replace(params, options={**params.options, "solver_specific": spec})
        return super().solve(sf, params)

    def refined_params(self, sf: StandardForm, params: SolveParams, raw: RawResult,
                       round_: int) -> SolveParams | None:
        if round_ >= len(self.REFINE_EPS) or "solver_specific" in params.options:
            return None
        return dataclasses.replace(params, resume={"eps": self.REFINE_EPS[round_]})
