"""Any CVXPY solver as a backend ("cvxpy:<SOLVER>").

The StandardForm is rebuilt as a CVXPY problem on one variable x:
    min 1/2 x'P x + c'x + offset  s.t.  A_0 x == b_0,  A_l x <= b_l,  (b - A x)_q in SOC
    (grouped by cone size), svec(S_k) + A_k x == b_k with S_k >> 0, (b - A x)_e in K_exp
    (one ExpCone over all exponential blocks, CVXPY's (x, y, z): y exp(x / y) <= z, which is
    optlib's (u, v, w)), lb <= x <= ub (finite entries).
With CVXPY's duals (Lagrangian f + y'(lhs - rhs) for ==, <=, and f - <y, expr> for cones)
every block's dual is optlib's z as is: r = c + P x + A'z.

Capabilities are read off CVXPY's solver classes: exponential cones where the solver's
SUPPORTED_CONSTRAINTS (MI_SUPPORTED_CONSTRAINTS with integers) hold ExpCone; a quadratic
objective where CVXPY can solve a QP with it (a QP interface, a conic interface taking
a quadratic objective, or second-order cones CVXPY writes it into), with integer variables
where that route is mixed-integer capable. P goes to CVXPY as 1/2 quad_form(x, P).

Generic parameters are mapped for CLARABEL (time_limit, tol_gap_rel, max_threads), SCS
(time_limit_secs, eps_rel), HIGHS (time_limit, mip_rel_gap), SCIP (scip_params
limits/time, limits/gap), SCIPY (scipy_options time_limit, mip_rel_gap), GLOP and PDLP
(time_limit_sec), OSQP (time_limit); any other setting goes through `options` as the
solver's own CVXPY keyword arguments. Unmapped generic parameters are recorded as ignored
in RawResult.parameters (HiGHS fixes its thread count at its first solve in a process, so
threads are not mapped for it; pass options={'threads': k} to force it).

Status: optimal -> OPTIMAL; infeasible / unbounded / infeasible_or_unbounded are settled by
`Backend.settle_by_feasibility` (a zero-objective re-solve), since CVXPY passes on GLOP's "infeasible or unbounded" as
infeasible and SCS's dual-infeasibility ray as unbounded;
optimal_inaccurate, user_limit and the *_inaccurate infeasible/unbounded answers (which
CVXPY gives without a certificate to check, e.g. when SCS stops at a limit) -> FEASIBLE if
the returned x is approximately feasible, else NO_SOLUTION; a SolverError -> ERROR.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from optlib.cones import svec_indices, svec_scale
from optlib.standard_form import RawResult, SolveParams, StandardForm
from optlib.status import Status

from optlib.backend import Backend, BackendFamily, Capabilities, require
from .conic_form import ConicData, conic_data, ignored_params

# pip package providing each CVXPY solver (for error messages).
_PIP = {
    "CLARABEL": "clarabel", "SCS": "scs", "OSQP": "osqp", "ECOS": "ecos", "ECOS_BB": "ecos",
    "SCIP": "pyscipopt", "HIGHS": "highspy", "SCIPY": "scipy", "GLOP": "ortools",
    "PDLP": "ortools", "MOSEK": "mosek", "GUROBI": "gurobipy", "CPLEX": "cplex",
    "XPRESS": "xpress", "COPT": "coptpy", "CVXOPT": "cvxopt", "GLPK": "cvxopt",
    "GLPK_MI": "cvxopt", "CBC": "cylp", "QOCO": "qoco", "PIQP": "piqp", "PROXQP": "proxsuite",
    "DAQP": "daqp", "KNITRO": "knitro", "DIFFCP": "diffcp",
}

# solver -> (time_limit key, rel_gap key, threads key, name of the dict they go in or None)
_PARAM_KEYS: dict[str, tuple[str | None, str | None, str | None, str | None]] = {
    "CLARABEL": ("time_limit", "tol_gap_rel", "max_threads", None),
    "SCS": ("time_limit_secs", "eps_rel", None, None),
    "HIGHS": ("time_limit", "mip_rel_gap", None, None),
    "SCIP": ("limits/time", "limits/gap", None, "scip_params"),
    "SCIPY": ("time_limit", "mip_rel_gap", None, "scipy_options"),
    "GLOP": ("time_limit_sec", None, None, None),
    "PDLP": ("time_limit_sec", None, None, None),
    "OSQP": ("time_limit", None, None, None),
}

_STOPPED = ("optimal_inaccurate", "user_limit", "infeasible_inaccurate", "unbounded_inaccurate")


def _svec_operator(k: int) -> sp.csr_matrix:
    """Sparse matrix mapping vec(S) (column-major, k x k) to svec(S)."""
    r, c = svec_indices(k)
    return sp.csr_matrix((svec_scale(k), (np.arange(r.size), r + c * k)),
                         shape=(r.size, k * k))


class CvxpyBackend(Backend):
    package = "cvxpy"
    module = "cvxpy"

    def __init__(self, solver: str) -> None:
        self.solver = solver.strip().upper()
        self.name = f"cvxpy:{self.solver}"

    # -- what the CVXPY solver can take ------------------------------------------------
    def _solver_class(self) -> Any:
        from cvxpy.reductions.solvers.defines import SOLVER_MAP_CONIC, SOLVER_MAP_QP

        return SOLVER_MAP_CONIC.get(self.solver) or SOLVER_MAP_QP.get(self.solver)

    def _constraint_names(self, mixed_integer: bool) -> set[str]:
        cls = self._solver_class()
        attr = "MI_SUPPORTED_CONSTRAINTS" if mixed_integer else "SUPPORTED_CONSTRAINTS"
        return {con.__name__ for con in getattr(cls, attr, ())}

    def _quadratic_routes(self) -> tuple[bool, bool]:
        """(continuous, mixed-integer): whether CVXPY can solve a problem with a quadratic
        objective on this solver, through its QP interface, a conic interface that takes a
        quadratic objective, or second-order cones (CVXPY's own rewrite)."""
        from cvxpy.reductions.solvers.defines import SOLVER_MAP_CONIC, SOLVER_MAP_QP

        qp = SOLVER_MAP_QP.get(self.solver)
        conic = SOLVER_MAP_CONIC.get(self.solver)
        cont = qp is not None
        mixed = qp is not None and bool(getattr(qp, "MIP_CAPABLE", False))
        if conic is not None:
            try:
                takes_p = bool(conic.supports_quad_obj(conic))
            except Exception:  # pragma: no cover - a solver class with an odd signature
                takes_p = False
            names = {c.__name__ for c in getattr(conic, "SUPPORTED_CONSTRAINTS", ())}
            mi_names = {c.__name__ for c in getattr(conic, "MI_SUPPORTED_CONSTRAINTS", ())}
            conic_mip = bool(getattr(conic, "MIP_CAPABLE", False))
            cont = cont or takes_p or "SOC" in names
            mixed = mixed or (conic_mip and (takes_p or "SOC" in mi_names))
        return cont, mixed

    @property
    def capabilities(self) -> Capabilities:  # type: ignore[override]
        if not super().available() or self._solver_class() is None:
            return Capabilities(continuous=False)
        names = self._constraint_names(False)
        integer = bool(getattr(self._solver_class(), "MIP_CAPABLE", False))
        quadratic, miqp = self._quadratic_routes()
        return Capabilities(continuous=True, integer=integer, soc="SOC" in names,
                            psd=bool(names & {"PSD", "SvecPSD"}), duals=True,
                            mip_bound=integer and self.solver in ("HIGHS", "SCIPY"),
                            quadratic=quadratic, miqp=integer and miqp, exp="ExpCone" in names)

    def available(self) -> bool:
        if not super().available():
            return False
        import cvxpy

        return self.solver in cvxpy.installed_solvers()

    def check(self, sf: StandardForm) -> None:
        cvxpy = require("cvxpy", self.package, self.name)
        if self._solver_class() is None:
            raise ValueError(f"backend {self.name!r}: CVXPY has no solver {self.solver!r}; "
                             f"installed: {', '.join(cvxpy.installed_solvers())}")
        if self.solver not in cvxpy.installed_solvers():
            pip = _PIP.get(self.solver)
            how = f"pip install {pip}" if pip else "install the package CVXPY documents for it"
            raise ValueError(f"backend {self.name!r}: the CVXPY solver {self.solver} is not "
                             f"installed ({how})")
        super().check(sf)
        if sf.has_integers:
            names = self._constraint_names(True)
            missing = [what for what, present, ok in (
                ("second-order cone", sf.has_soc, "SOC" in names),
                ("PSD", sf.has_psd, bool(names & {"PSD", "SvecPSD"})),
                ("exponential cone", sf.has_exp, "ExpCone" in names)) if present and not ok]
            if missing:
                raise ValueError(f"backend {self.name!r} cannot solve this {sf.problem_class}: "
                                 f"it does not support {' or '.join(missing)} constraints "
                                 "together with integer variables")

    # -- parameters --------------------------------------------------------------------
    def _solver_kwargs(self, params: SolveParams) -> tuple[dict[str, Any], dict[str, Any]]:
        """CVXPY keyword arguments for the solver, and the generic parameters ignored."""
        time_key, gap_key, threads_key, nest = _PARAM_KEYS.get(self.solver, (None,) * 4)
        mapped = {key: value for key, value in ((time_key, params.time_limit),
                                                (gap_key, params.rel_gap),
                                                (threads_key, params.threads))
                  if key is not None and value is not None}
        kwargs = dict(params.options)
        if nest is not None:
            kwargs[nest] = {**mapped, **kwargs.get(nest, {})}
        else:
            kwargs = {**mapped, **kwargs}
        supported = tuple(name for name, key in (("time_limit", time_key), ("rel_gap", gap_key),
                                                 ("threads", threads_key)) if key is not None)
        return kwargs, ignored_params(params, supported + ("warm_start",),
                                      f"not mapped for CVXPY's {self.solver}; use options")

    # -- model -------------------------------------------------------------------------
    @staticmethod
    def _build(cp: Any, sf: StandardForm, data: ConicData) -> tuple[Any, Any, list]:
        """The CVXPY problem, its variable and [(rows of z, constraint, part)] for duals."""
        x = _split_variable(cp, np.asarray(data.integer, dtype=bool))
        A = sp.csr_matrix(sf.A)
        b = np.asarray(sf.b, dtype=float)
        cons, duals = [], []
        z, l = sf.cones.zero, sf.cones.nonneg
        if z:
            con = A[:z] @ x == b[:z]
            cons.append(con)
            duals.append((np.arange(z), con, None))
        if l:
            con = A[z:z + l] @ x <= b[z:z + l]
            cons.append(con)
            duals.append((z + np.arange(l), con, None))
        soc = np.asarray(sf.cones.soc, dtype=np.int64)
        starts = z + l + np.concatenate(([0], np.cumsum(soc)[:-1])).astype(np.int64)
        for q in np.unique(soc):  # one constraint per cone size, cones in columns
            st = starts[soc == q]
            rows_x = st[None, :] + np.arange(1, q)[:, None]      # (q-1, K)
            flat = rows_x.ravel(order="F")
            t = b[st] - A[st] @ x
            X = cp.reshape(b[flat] - A[flat] @ x, (int(q) - 1, st.size), order="F")
            con = cp.SOC(t, X, axis=0)
            cons.append(con)
            duals.append((st, con, 0))
            duals.append((rows_x, con, 1))
        for kind, start, size, k in sf.cones.blocks():
            if kind != "psd":
                continue
            S = cp.Variable((k, k), symmetric=True)
            rows = start + np.arange(size)
            con = _svec_operator(k) @ cp.vec(S, order="F") + A[rows] @ x == b[rows]
            cons += [S >> 0, con]
            duals.append((rows, con, None))
        if sf.cones.exp:  # the exp blocks are the last 3e rows: (u_i, v_i, w_i) interleaved
            head = sf.m - 3 * sf.cones.exp
            parts = [head + np.arange(j, 3 * sf.cones.exp, 3) for j in range(3)]
            con = cp.constraints.ExpCone(*(b[r] - A[r] @ x for r in parts))
            cons.append(con)
            duals += [(r, con, j) for j, r in enumerate(parts)]
        lb_idx = np.flatnonzero(np.isfinite(sf.lb))
        ub_idx = np.flatnonzero(np.isfinite(sf.ub))
        if lb_idx.size:
            cons.append(x[lb_idx] >= sf.lb[lb_idx])
        if ub_idx.size:
            cons.append(x[ub_idx] <= sf.ub[ub_idx])
        objective = data.c @ x + sf.offset
        if data.P is not None:
            objective = objective + 0.5 * cp.quad_form(x, sp.csc_matrix(data.P), assume_PSD=True)
        problem = cp.Problem(cp.Minimize(objective), cons)
        return problem, x, duals

    @staticmethod
    def _z(m: int, duals: list) -> np.ndarray | None:
        z = np.zeros(m)
        for rows, con, part in duals:
            val = con.dual_value
            if val is None:
                return None
            z[rows] = np.asarray(val if part is None else val[part], dtype=float)
        return z

    def _reported_bound(self, stats: Any, mip: bool, status: str) -> float | None:
        """The solver's own dual bound from CVXPY's extra stats (minimisation, no offset):
        SCS's dual objective for continuous problems, HiGHS/SciPy's MIP dual bound."""
        extra = getattr(stats, "extra_stats", None)
        try:
            if not mip and self.solver == "SCS" and status == "optimal":
                value = extra["info"]["dobj"]
            elif mip and self.solver == "SCIPY":
                value = extra["mip_dual_bound"]
            elif mip and self.solver == "HIGHS":
                value = extra.mip_dual_bound
            else:
                return None
        except (KeyError, TypeError, AttributeError):
            return None
        return float(value) if value is not None and np.isfinite(value) else None

    # -- solve -------------------------------------------------------------------------
    def solve(self, sf: StandardForm, params: SolveParams) -> RawResult:
        self.check(sf)
        cp = require("cvxpy", self.package, self.name)
        data = conic_data(sf)
        problem, x, duals = self._build(cp, sf, data)
        kwargs, ignored = self._solver_kwargs(params)
        if params.warm_start is not None:
            _set_start(x, np.asarray(params.warm_start, dtype=float))
        res = RawResult(status=Status.ERROR, solver=self.name, version=self.version(),
                        parameters={**kwargs, "verbose": bool(params.verbose),
                                    "warm_start": params.warm_start is not None, **ignored})
        # CVXPY may edit the dicts it is given: pass copies, keep `parameters` as sent
        sent = {key: dict(val) if isinstance(val, dict) else val for key, val in kwargs.items()}
        try:
            problem.solve(solver=self.solver, verbose=bool(params.verbose),
                          warm_start=params.warm_start is not None, **sent)
        except (TypeError, ValueError) as exc:  # unknown or ill-typed solver settings
            raise ValueError(f"backend {self.name!r}: invalid option: {exc}") from exc
        except cp.error.SolverError as exc:
            res.message = f"{self.name}: {exc}"
            return res
        stats = problem.solver_stats
        res.solve_time = float(stats.solve_time or 0.0)
        res.iterations = stats.num_iters
        status = str(problem.status)
        xv = None if x.value is None else np.asarray(x.value, dtype=float).reshape(-1)
        if status == "optimal":
            res.status = Status.OPTIMAL
        elif status in ("infeasible", "unbounded", "infeasible_or_unbounded"):
            res.status, res.message = Status(status), f"{self.name} returned {status}"
            return self.settle_by_feasibility(sf, params, res)
        elif status in _STOPPED:
            res.status, res.message = data.stopped_status(xv, f"{self.name} returned {status}")
        else:
            res.message = f"{self.name} returned {status}"
        data.fill_point(res, xv, None if sf.has_integers else self._z(sf.m, duals), sf.offset)
        if res.status.has_solution:
            bound = self._reported_bound(stats, sf.has_integers, status)
            res.bound = None if bound is None else bound + sf.offset
        return res


def _split_variable(cp: Any, integer: np.ndarray) -> Any:
    """x as one CVXPY expression P_I x_I + P_C x_C over an integer and a continuous variable
    (CVXPY 1.9 cannot index integrality inside a single vector variable on every path)."""
    n = integer.size
    if integer.all() or not integer.any():
        return cp.Variable(n, integer=bool(integer.any()))
    parts = []
    for mask, is_int in ((integer, True), (~integer, False)):
        idx = np.flatnonzero(mask)
        P = sp.csr_matrix((np.ones(idx.size), (idx, np.arange(idx.size))), shape=(n, idx.size))
        parts.append(P @ cp.Variable(idx.size, integer=is_int))
    return parts[0] + parts[1]


def _set_start(x: Any, x0: np.ndarray) -> None:
    """Give every CVXPY variable inside x its entries of the warm start x0."""
    if x.variables() == [x]:                  # a single cp.Variable
        x.value = x0
        return
    for term in x.args:                       # P @ var terms of _split_variable
        P, var = term.args[0].value, term.args[1]
        var.value = np.asarray(sp.csr_matrix(P).T @ x0).ravel()


def _installed_solvers() -> list[str]:
    try:
        import cvxpy
    except ImportError:
        return []
    return list(cvxpy.installed_solvers())


#: the `cvxpy:<SOLVER>` family, registered through the `optlib.backend_families` entry point
FAMILY = BackendFamily("cvxpy", CvxpyBackend, _installed_solvers)
