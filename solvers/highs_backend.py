"""HiGHS adapter (LP, MILP and continuous QP) through `highspy`.

The form's linear rows are passed as lo <= A x <= hi (zero rows: lo = hi = b; nonneg rows:
-inf <= A x <= b) with the box lb <= x <= ub, in one `passModel` call on column-wise
sparse arrays. A quadratic objective 1/2 x'P x goes through `passHessian` as the lower
triangle of P (HiGHS' objective is c'x + 1/2 x'Q x with Q given by its lower triangle,
column-wise). HiGHS reports row duals y with reduced costs d = c + P x - A'y; this module's
z (r = c + P x + A'z) is z = -y (`StandardForm.z_from_row_duals`). HiGHS has no
mixed-integer QP: `check` refuses one (capability miqp=False, and no SOC to rewrite it).

The solver's log is always captured (through a temporary `log_file`); `verbose` only
decides whether it is echoed to the console.
"""
from __future__ import annotations

import os
import tempfile
import time

import numpy as np
import scipy.sparse as sp

from optlib.standard_form import RawResult, SolveParams, StandardForm
from optlib.status import Status

from optlib.highs_util import new_highs

from .base import Backend, Capabilities, require

_FEAS_TOL = 1e-9


class HighsBackend(Backend):
    name = "highs"
    package = "highspy"
    module = "highspy"
    capabilities = Capabilities(continuous=True, integer=True, duals=True, mip_bound=True,
                                quadratic=True, miqp=False)

    def solve(self, sf: StandardForm, params: SolveParams) -> RawResult:
        self.check(sf)
        highspy = require(self.module, self.package, self.name)
        A, lo, hi, order = sf.rows_in_order()
        if sf.n == 0:
            return self._empty(sf, lo, hi)

        h = new_highs(highspy)
        fd, log_path = tempfile.mkstemp(prefix="optlib_highs_", suffix=".log")
        os.close(fd)
        try:
            used = self._set_options(h, params, log_path)
            if pass_model(highspy, h, sf, A, lo, hi) == highspy.HighsStatus.kError:
                return RawResult(status=Status.ERROR, solver=self.name, version=self.version(),
                                 message="HiGHS rejected the model (passModel failed)")
            if sf.has_quadratic and pass_hessian(highspy, h, sf.P) == highspy.HighsStatus.kError:
                return RawResult(status=Status.ERROR, solver=self.name, version=self.version(),
                                 message="HiGHS rejected the quadratic objective (passHessian failed)")
            if params.warm_start is not None and sf.has_integers:
                sol = highspy.HighsSolution()
                sol.col_value = np.asarray(params.warm_start, dtype=float).tolist()
                sol.value_valid = True
                h.setSolution(sol)
            # HiGHS' thread pool is global: a solve with its own thread count needs a fresh
            # pool, and leaves a fresh one behind so later solves get the default size
            resize = "threads" in used
            if resize:
                h.resetGlobalScheduler(True)
            t0 = time.perf_counter()
            try:
                run_status = h.run()
                result = self._result(highspy, h, sf, run_status, order)
            finally:
                if resize:
                    h.resetGlobalScheduler(True)
            solve_time = time.perf_counter() - t0
            h.setOptionValue("log_file", "")  # closes the file before it is read
            with open(log_path, encoding="utf-8", errors="replace") as fh:
                result.log = fh.read()
        finally:
            os.unlink(log_path)
        result.solve_time = solve_time
        result.parameters = used
        if result.status is Status.INFEASIBLE_OR_UNBOUNDED:
            result = self.settle_by_feasibility(sf, params, result)
        return result

    # -- helpers ---------------------------------------------------------------------
    def _set_options(self, h, params: SolveParams, log_path: str) -> dict:
        """Apply `params` as HiGHS options; return the options set (for RawResult.parameters)."""
        _set(h, "output_flag", True)
        _set(h, "log_file", log_path)
        used = params.native("time_limit", "mip_rel_gap", "threads", log_to_console=bool(params.verbose))
        for key, value in used.items():
            _set(h, key, value)
        return used

    def _empty(self, sf: StandardForm, lo: np.ndarray, hi: np.ndarray) -> RawResult:
        """No variables: HiGHS says 'model empty'; feasible iff lo <= 0 <= hi row-wise."""
        feasible = bool(np.all(lo <= _FEAS_TOL) and np.all(hi >= -_FEAS_TOL))
        common = dict(solver=self.name, version=self.version(), message="model has no variables")
        if not feasible:
            return RawResult(status=Status.INFEASIBLE, **common)
        obj = float(sf.offset)
        z = None if sf.has_integers else np.zeros(sf.m)
        return RawResult(status=Status.OPTIMAL, x=np.zeros(0), z=z, objective=obj, bound=obj,
                         **common)

    def _result(self, highspy, h, sf: StandardForm, run_status, order=None) -> RawResult:
        ms = h.getModelStatus()
        info = h.getInfo()
        S = highspy.HighsModelStatus
        has_x = info.primal_solution_status == 2  # kSolutionStatusFeasible
        message = h.modelStatusToString(ms)
        if run_status == highspy.HighsStatus.kError:
            message = f"HiGHS returned an error ({message})"
        if ms == S.kOptimal:
            status = Status.OPTIMAL
        elif ms == S.kInfeasible:
            status = Status.INFEASIBLE
        elif ms == S.kUnbounded:
            status = Status.UNBOUNDED
        elif ms == S.kUnboundedOrInfeasible:
            status = Status.INFEASIBLE_OR_UNBOUNDED
        elif ms in (S.kTimeLimit, S.kIterationLimit, S.kInterrupt, S.kHighsInterrupt,
                    S.kSolutionLimit, S.kObjectiveBound, S.kObjectiveTarget,
                    S.kMemoryLimit, S.kUnknown):
            status = Status.FEASIBLE if has_x else Status.NO_SOLUTION
        else:  # kNotset, kLoadError, kModelError, kPresolveError, kSolveError, kPostsolveError
            status = Status.ERROR
        res = RawResult(status=status, solver=self.name, version=self.version(), message=message,
                        limit={S.kTimeLimit: "time_limit", S.kIterationLimit: "iteration_limit",
                               S.kSolutionLimit: "solution_limit", S.kMemoryLimit: "memory_limit",
                               S.kInterrupt: "interrupted"}.get(ms))

        sol = h.getSolution()
        if has_x and status in (Status.OPTIMAL, Status.FEASIBLE, Status.UNBOUNDED):
            res.x = np.asarray(sol.col_value, dtype=float)
            res.objective = sf.objective_value(res.x)
        if sf.has_integers:
            bound = float(info.mip_dual_bound)  # includes the objective offset
            if status.has_solution and np.isfinite(bound):
                res.bound = bound
            res.nodes = int(info.mip_node_count)
        elif status == Status.OPTIMAL:
            res.bound = res.objective
            if info.dual_solution_status == 2:
                res.z = sf.z_from_row_duals(sf.from_given_order(sol.row_dual, order))
                if not sf.has_quadratic:
                    res.basis = _basis(highspy, h, sf, order)
            if sf.has_quadratic:
                _check_qp_optimality(sf, res)
        if not sf.has_integers and status in (Status.INFEASIBLE, Status.UNBOUNDED):
            self._rays(h, status, res, sf, order)
        counts = [info.simplex_iteration_count, info.ipm_iteration_count,
                  info.pdlp_iteration_count, info.crossover_iteration_count]
        counts = [int(c) for c in counts if c >= 0]
        res.iterations = sum(counts) if counts else None
        return res


    @staticmethod
    def _rays(h, status: Status, res: RawResult, sf: StandardForm, order) -> None:
        """LP certificates: HiGHS' dual ray y (infeasibility; our z = -y, as for duals) or
        primal ray d (unboundedness), when HiGHS has one; optlib checks them in certify."""
        try:
            if status is Status.INFEASIBLE:
                _, has, ray = h.getDualRay()
                if has:
                    res.dual_ray = -sf.from_given_order(ray, order)
            else:
                _, has, ray = h.getPrimalRay()
                if has:
                    res.primal_ray = np.asarray(ray, dtype=float)
        except (RuntimeError, ValueError):  # no ray available after presolve: stay uncertified
            pass


def _basis(highspy, h, sf: StandardForm, order) -> tuple[np.ndarray, np.ndarray] | None:
    """HiGHS's final simplex basis as (basic columns, basic rows) boolean masks in the form's
    order, or None when it has none (an interior-point solve without crossover) or it is not
    a basis of this form (m basic variables). `getBasicVariables` numbers a column j >= 0 as j
    and a row i as -1 - i; it costs about 0.1 ms for 2,000 rows (the per-variable
    `getBasis` statuses cost 20x that)."""
    try:
        status, bv = h.getBasicVariables()
    except (AttributeError, RuntimeError, ValueError, TypeError):
        return None
    bv = np.asarray(bv, dtype=np.int64)
    if status != highspy.HighsStatus.kOk or bv.shape != (sf.m,):
        return None
    cols = np.zeros(sf.n, dtype=bool)
    rows = np.zeros(sf.m, dtype=bool)
    c_idx, r_idx = bv[bv >= 0], -1 - bv[bv < 0]
    if np.any(c_idx >= sf.n) or np.any(r_idx >= sf.m):
        return None
    cols[c_idx] = True
    rows[r_idx if order is None else np.asarray(order)[r_idx]] = True   # given row k is form row order[k]
    return cols, rows


def pass_model(highspy, h, sf: StandardForm, A: sp.csc_matrix, lo: np.ndarray, hi: np.ndarray):
    """Hand the rows lo <= A x <= hi (CSC; `StandardForm.rows_in_order`) and the box of `sf`
    (minimisation) to the Highs object `h` in one call on numpy arrays (4x faster than filling
    a HighsLp, whose fields copy element by element). Returns HiGHS's status."""
    integrality = np.asarray(sf.integer, dtype=np.int32)              # 1 = kInteger, 0 = kContinuous
    return h.passModel(int(sf.n), int(sf.m), int(A.nnz), int(highspy.MatrixFormat.kColwise),
                       int(highspy.ObjSense.kMinimize), float(sf.offset),
                       np.asarray(sf.c, dtype=float), np.asarray(sf.lb, dtype=float),
                       np.asarray(sf.ub, dtype=float), np.asarray(lo, dtype=float), np.asarray(hi, dtype=float),
                       np.asarray(A.indptr, dtype=np.int32), np.asarray(A.indices, dtype=np.int32),
                       np.asarray(A.data, dtype=float), integrality)


def qp_stationarity_violation(sf: StandardForm, x: np.ndarray, z: np.ndarray) -> float:
    """How far (x, z) is from the KKT conditions of a continuous QP on everything but primal
    feasibility, relative to 1 + the largest of |c|, |P x|, |A'z|: r = c + P x + A'z must be
    >= 0 where x_j sits at its lower bound, <= 0 at its upper bound, 0 in between (to 1e-7
    relative to the bound), and z >= 0 on the nonneg rows."""
    px = sf.P @ x
    atz = sf.A.T @ z
    r = sf.c + px + atz
    near = 1e-7
    with np.errstate(invalid="ignore"):
        at_lb = np.isfinite(sf.lb) & (x - sf.lb <= near * (1.0 + np.abs(sf.lb)))
        at_ub = np.isfinite(sf.ub) & (sf.ub - x <= near * (1.0 + np.abs(sf.ub)))
    viol = np.where(at_lb & at_ub, 0.0,
                    np.where(at_lb, np.maximum(-r, 0.0), np.where(at_ub, np.maximum(r, 0.0), np.abs(r))))
    z_nonneg = z[sf.cones.zero:sf.cones.zero + sf.cones.nonneg]
    worst = max(float(viol.max(initial=0.0)), float(np.maximum(-z_nonneg, 0.0).max(initial=0.0)))
    scale = 1.0 + max(float(np.abs(a).max(initial=0.0)) for a in (sf.c, px, atz))
    return worst / scale


#: Relative KKT residual (`qp_stationarity_violation`) above which HiGHS' "Optimal" for a QP
#: is not taken: its active-set QP solver can stop at a huge finite x of an unbounded QP
#: (x = 1e7 along the ray of min -x0 + 1/2 x1^2) and call it optimal, with zero duals.
QP_KKT_TOL = 1e-6


def _check_qp_optimality(sf: StandardForm, res: RawResult) -> None:
    """Downgrade HiGHS' OPTIMAL on a QP to FEASIBLE (no bound, no duals) when its duals are
    missing or fail the stationarity check: HiGHS' word alone is not taken."""
    why = "HiGHS gave no duals"
    if res.z is not None and res.x is not None:
        viol = qp_stationarity_violation(sf, res.x, res.z)
        if viol <= QP_KKT_TOL:
            return
        why = f"its point and duals violate stationarity by {viol:.2g} (relative)"
    res.status, res.bound, res.z = Status.FEASIBLE, None, None
    res.message = f"HiGHS reported Optimal for this QP, but {why}: kept as a feasible point only"


def pass_hessian(highspy, h, P: sp.spmatrix):
    """Hand the objective term 1/2 x'P x (P symmetric, full storage) to the Highs object `h`
    as the lower triangle of P, column-wise (HiGHS' kTriangular format). Returns HiGHS's status."""
    L = sp.tril(sp.csc_matrix(P, dtype=float), format="csc")
    L.eliminate_zeros()
    L.sort_indices()
    return h.passHessian(int(L.shape[0]), int(L.nnz), int(highspy.HessianFormat.kTriangular),
                         np.asarray(L.indptr, dtype=np.int32), np.asarray(L.indices, dtype=np.int32),
                         np.asarray(L.data, dtype=float))


def _set(h, key: str, value) -> None:
    """setOptionValue, turning HiGHS' error status into a ValueError naming the option."""
    try:
        status = h.setOptionValue(key, value)
    except TypeError as exc:
        raise ValueError(f"backend 'highs': invalid value {value!r} for option {key!r}") from exc
    if status == type(status).kError:
        raise ValueError(
            f"backend 'highs': unknown option {key!r} or invalid value {value!r} "
            "(see the HiGHS option list)"
        )
