"""Import a `cvxpy.Problem` into an optlib `Model` (`Model.from_cvxpy`).

CVXPY does the modelling work: its reduction chain turns the problem into the conic
form  min 1/2 x'P x + c'x + d  s.t.  A x + s = b,  s in K  (K = zero x nonneg x SOC x PSD x
K_exp), with integrality marks on the columns of x. We ask CVXPY for that data through a
small *export target* (a CVXPY "custom solver" that never solves anything) that declares

- support for the zero, nonnegative, second-order, PSD and exponential cones (and mixed
  integers), so no installed solver is needed and mixed-integer conic problems are
  exported too;
- CVXPY's PSD layout option LOWER + sqrt(2) scaling, which is exactly optlib's svec
  (lower triangle, column-major, off-diagonals * sqrt 2);
- the exponential cone order [0, 1, 2]: each cone is 3 consecutive rows (x, y, z) with
  y exp(x / y) <= z, CVXPY's (and SCS/Clarabel's) convention, which is optlib's (u, v, w);
  CVXPY places them after the PSD rows, as optlib does;
- a quadratic objective (`supports_quad_obj`): CVXPY then keeps quad_form, sum_squares,
  square, ... of the objective as P (1/2 x'P x, symmetric, full storage), which becomes
  the model's quadratic objective, so StandardForm.P is CVXPY's P and a QP stays a QP
  (`quad_obj=False`: CVXPY writes them as second-order cones instead);
- variable bounds as bounds (not as extra rows).
Power cones (3-d and n-d) are refused with a ValueError naming them.

The data maps row block by row block into an optlib model with one vector variable
`x` (CVXPY's stacked variable), so `Model.compile()` reproduces CVXPY's P, A, b and cones.
After `res = model.solve(...)`, `cvxpy_values(model, res)` (also `Model.cvxpy_values`)
returns `{cvxpy_variable: value}` by running CVXPY's own inverse chain on `res`'s x.

Parameters are read at their current values (the import is a snapshot).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from .cones import svec_indices, svec_scale, svec_size
from .constraints import ExpConeConstraint, LinearConstraint, PSDConstraint, SOCConstraint
from .expressions import Expression, Variable, VarBlock, to_expression

if TYPE_CHECKING:  # pragma: no cover
    from .model import Model
    from .result import Result

EXPORT_NAME = "OPTLIB_EXPORT"

_TARGET_CLASS: Any = None


def _export_target():
    """A fresh instance of the CVXPY export target (class built on first use)."""
    global _TARGET_CLASS
    if _TARGET_CLASS is None:
        import cvxpy.settings as s
        from cvxpy.constraints import SOC, ExpCone, SvecPSD
        from cvxpy.reductions.solution import Solution
        from cvxpy.reductions.solvers.conic_solvers.conic_solver import ConicSolver
        from cvxpy.utilities.psd_utils import TriangleKind

        class _OptlibExportTarget(ConicSolver):
            """Collects CVXPY's conic data for optlib; `solve_via_data` is never used."""

            MIP_CAPABLE = True
            BOUNDED_VARIABLES = True
            SUPPORTED_CONSTRAINTS = ConicSolver.SUPPORTED_CONSTRAINTS + [SOC, SvecPSD, ExpCone]
            MI_SUPPORTED_CONSTRAINTS = SUPPORTED_CONSTRAINTS
            PSD_TRIANGLE_KIND = TriangleKind.LOWER
            PSD_SQRT2_SCALING = True
            EXP_CONE_ORDER = [0, 1, 2]

            def name(self) -> str:
                return EXPORT_NAME

            def supports_quad_obj(self) -> bool:
                return True

            def import_solver(self) -> None:
                return None

            def cite(self, data) -> str:
                return ""

            def apply(self, problem):
                data, inv_data = super().apply(problem)
                variables = problem.x
                data[s.BOOL_IDX] = [int(t[0]) for t in variables.boolean_idx]
                data[s.INT_IDX] = [int(t[0]) for t in variables.integer_idx]
                return data, inv_data

            def solve_via_data(self, data, warm_start, verbose, solver_opts, solver_cache=None):
                raise NotImplementedError("the optlib export target does not solve; use Model.solve")

            def invert(self, solution, inverse_data):
                # `solution` is {'x': stacked vector, 'value': c'x} built by cvxpy_values.
                opt_val = float(solution["value"]) + float(inverse_data[s.OFFSET])
                return Solution(s.OPTIMAL, opt_val, {inverse_data[self.VAR_ID]: solution["x"]}, {}, {})

        _TARGET_CLASS = _OptlibExportTarget
    return _TARGET_CLASS()


@dataclass
class CvxpyLink:
    """What an imported model keeps of its CVXPY origin (`model.cvxpy_link`)."""

    problem: Any            # the cvxpy.Problem
    chain: Any              # CVXPY's SolvingChain
    inverse_data: list      # CVXPY's inverse data for the chain
    x: Variable             # optlib's vector variable (CVXPY's stacked x)
    c: np.ndarray           # CVXPY's (minimisation) cost vector
    offset: float           # CVXPY's objective constant (minimisation form)
    maximize: bool
    P: sp.csc_matrix | None = None   # CVXPY's 1/2 x'P x (minimisation form), None: linear


def _offset(inverse_data: list) -> float:
    import cvxpy.settings as s

    d = inverse_data[-1][s.OFFSET]
    return float(np.asarray(d, dtype=float).reshape(-1)[0]) if np.size(d) else 0.0


def model_from_cvxpy(problem: Any, name: str | None, model_class: type, *,
                     quad_obj: bool = True) -> "Model":
    """Build a `model_class` (optlib.Model, which calls this from `Model.from_cvxpy`) equivalent
    to `problem` (a cvxpy.Problem); see the module doc. `quad_obj`: keep a quadratic objective
    as P (True) or let CVXPY write it as second-order cones (False)."""
    Model = model_class
    try:
        import cvxpy as cp
        import cvxpy.settings as s
        from cvxpy.error import DCPError, SolverError
    except ImportError as exc:  # pragma: no cover - cvxpy is a dependency
        raise ImportError("Model.from_cvxpy needs cvxpy: pip install cvxpy") from exc

    if not isinstance(problem, cp.Problem):
        raise TypeError(f"Model.from_cvxpy expects a cvxpy.Problem, got {type(problem).__name__}")
    if not problem.variables():
        raise ValueError("Model.from_cvxpy: the problem has no variables")
    for p in problem.parameters():
        if p.value is None:
            raise ValueError(f"Model.from_cvxpy: parameter {p.name()!r} has no value")
    try:
        data, chain, inverse_data = problem.get_problem_data(
            _export_target(), solver_opts={"use_quad_obj": bool(quad_obj)})
    except DCPError as exc:
        raise ValueError(f"Model.from_cvxpy: the problem is not DCP: {exc}") from exc
    except SolverError as exc:
        power = [type(con).__name__ for con in problem.constraints
                 if type(con).__name__ in ("PowCone3D", "PowConeND")]
        if power:
            raise ValueError(f"Model.from_cvxpy: the problem has {len(power)} power cone "
                             f"constraint(s) ({', '.join(sorted(set(power)))}); optlib supports "
                             "linear, second-order, PSD and exponential cones, not power cones") from exc
        raise ValueError(
            "Model.from_cvxpy: CVXPY could not reduce the problem to zero, nonnegative, "
            f"second-order, PSD and exponential cones (power cones are not supported): {exc}") from exc

    dims = data[s.DIMS]
    unsupported = []  # a guard: the export target declares no power cone, so CVXPY refuses first
    if list(getattr(dims, "p3d", []) or []):
        unsupported.append(f"{len(dims.p3d)} 3-d power cone(s)")
    if list(getattr(dims, "pnd", []) or []):
        unsupported.append(f"{len(dims.pnd)} n-d power cone(s)")
    if unsupported:
        raise ValueError("Model.from_cvxpy: the problem needs " + " and ".join(unsupported)
                         + "; optlib supports linear, second-order, PSD and exponential cones "
                         "(power cones are not supported)")

    c = np.asarray(data[s.C], dtype=float).ravel()
    A = sp.csr_matrix(data[s.A], dtype=float)
    b = np.asarray(data[s.B], dtype=float).ravel()
    n = c.size
    for arr, what in ((c, "objective"), (b, "right-hand side"), (A.data, "constraint matrix")):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"Model.from_cvxpy: the {what} contains NaN or inf")
    offset = _offset(inverse_data)
    maximize = isinstance(problem.objective, cp.Maximize)
    P_obj = _quadratic_part(data.get(s.P), n)

    # variable: bounds and integrality
    lb = np.full(n, -math.inf)
    ub = np.full(n, math.inf)
    if data.get(s.LOWER_BOUNDS) is not None:
        lb = np.maximum(lb, np.asarray(data[s.LOWER_BOUNDS], dtype=float).ravel())
    if data.get(s.UPPER_BOUNDS) is not None:
        ub = np.minimum(ub, np.asarray(data[s.UPPER_BOUNDS], dtype=float).ravel())
    integer = np.zeros(n, dtype=bool)
    bools = np.asarray(data.get(s.BOOL_IDX, []), dtype=np.int64)
    ints = np.asarray(data.get(s.INT_IDX, []), dtype=np.int64)
    integer[bools] = True
    integer[ints] = True
    lb[bools] = np.maximum(lb[bools], 0.0)
    ub[bools] = np.minimum(ub[bools], 1.0)
    fin = integer & np.isfinite(lb)
    lb[fin] = np.ceil(lb[fin] - 1e-9)
    fin = integer & np.isfinite(ub)
    ub[fin] = np.floor(ub[fin] + 1e-9)

    m = Model(name or "cvxpy")
    if integer.all() and n:
        kind = "integer"
    elif integer.any():
        kind = "mixed"
    else:
        kind = "continuous"
    block = VarBlock(m, "x", n, kind, lb, ub, (n,), integer=integer)
    m._blocks.append(block)
    x = Variable(block)
    m._variables["x"] = x

    def slack(start: int, size: int) -> Expression:
        """s = b - A x for rows start:start+size."""
        return slack_rows(np.arange(start, start + size))

    def slack_rows(rows: np.ndarray) -> Expression:
        """s = b - A x for the given rows."""
        return Expression({block: sp.csr_matrix(-A[rows])}, b[rows].copy(), (rows.size,))

    n_soc = n_psd = 0
    for kind_, start, size, dim in _cone_blocks(dims):
        if kind_ == "exp":  # rows (u0, v0, w0, u1, ...): one constraint over all the blocks
            m.add(ExpConeConstraint(*(slack_rows(start + np.arange(j, size, 3)) for j in range(3))),
                  name="cvxpy_exp")
            continue
        s_expr = slack(start, size)
        if kind_ == "zero":
            m.add(LinearConstraint(-s_expr, "=="), name="cvxpy_eq")
        elif kind_ == "nonneg":
            m.add(LinearConstraint(-s_expr, "<="), name="cvxpy_ineq")
        elif kind_ == "soc":
            m.add(SOCConstraint(s_expr[0], s_expr[1:]), name=f"cvxpy_soc{n_soc}")
            n_soc += 1
        else:  # psd: rows are svec (lower, column-major, sqrt 2) of a dim x dim matrix
            r, cc = svec_indices(dim)
            w = 1.0 / svec_scale(dim)
            k = r.size
            rows = np.concatenate([r * dim + cc, (cc * dim + r)[r != cc]])
            cols = np.concatenate([np.arange(k), np.arange(k)[r != cc]])
            vals = np.concatenate([w, w[r != cc]])
            P = sp.csr_matrix((vals, (rows, cols)), shape=(dim * dim, k))
            m.add(PSDConstraint(s_expr._apply(P, (dim, dim))), name=f"cvxpy_psd{n_psd}")
            n_psd += 1

    # objective: CVXPY minimises c'x + offset; for Maximize that is -(user objective)
    sign = -1.0 if maximize else 1.0
    obj = Expression({block: sp.csr_matrix(sign * c.reshape(1, -1))}, np.array([sign * offset]), ())
    (m.maximize if maximize else m.minimize)(obj)
    if P_obj is not None:
        # the user objective gets sign * 1/2 x'P x: compile makes P_form = sense * 2 w P = P
        # with w = sign / 2 and sense = sign (optlib.compile._quadratic_matrix)
        m._quadratic = [(0.5 * sign, to_expression(x), P_obj)]
    m.cvxpy_link = CvxpyLink(problem=problem, chain=chain, inverse_data=inverse_data, x=x, c=c,
                             offset=offset, maximize=maximize, P=P_obj)
    return m


def _quadratic_part(P: Any, n: int) -> sp.csc_matrix | None:
    """CVXPY's objective matrix (1/2 x'P x) as a symmetric n x n CSC matrix, None when it
    is absent or zero; NaN/inf entries are refused."""
    if P is None:
        return None
    P = sp.csc_matrix(P, dtype=float)
    if P.shape != (n, n):
        raise ValueError(f"Model.from_cvxpy: CVXPY's quadratic objective has shape {P.shape}, "
                         f"expected {(n, n)}")
    if not np.all(np.isfinite(P.data)):
        raise ValueError("Model.from_cvxpy: the quadratic objective contains NaN or inf")
    P = sp.csc_matrix(0.5 * (P + P.T))
    P.eliminate_zeros()
    return P if P.nnz else None


def _cone_blocks(dims: Any):
    """(kind, start, size, dim) of each cone block of CVXPY's ConeDims, in row order."""
    start = 0
    if dims.zero:
        yield ("zero", start, int(dims.zero), int(dims.zero))
        start += int(dims.zero)
    if dims.nonneg:
        yield ("nonneg", start, int(dims.nonneg), int(dims.nonneg))
        start += int(dims.nonneg)
    for q in dims.soc:
        yield ("soc", start, int(q), int(q))
        start += int(q)
    for k in dims.psd:
        size = svec_size(int(k))
        yield ("psd", start, size, int(k))
        start += size
    if getattr(dims, "exp", 0):
        yield ("exp", start, 3 * int(dims.exp), 3)
        start += 3 * int(dims.exp)


def cvxpy_values(model: "Model", result: "Result") -> dict:
    """{cvxpy_variable: value} for the solution in `result` of a model from `Model.from_cvxpy`.

    Runs CVXPY's inverse chain on the stacked vector, so symmetric/PSD/diagonal variables
    and eliminated variables come back in the user's shapes. The cvxpy problem itself is
    left untouched (no `.value` is set). Raises ValueError if `result` has no solution.
    """
    link = getattr(model, "cvxpy_link", None)
    if link is None:
        raise ValueError("this model was not built by Model.from_cvxpy")
    if result.x is None or link.x not in result.values:
        raise ValueError(f"no solution available (status {result.status.name})")
    xv = np.asarray(result.values[link.x], dtype=float).ravel()
    value = float(link.c @ xv)
    if link.P is not None:
        value += 0.5 * float(xv @ (link.P @ xv))
    solution = link.chain.invert({"x": xv, "value": value}, link.inverse_data)
    by_id = {v.id: v for v in link.problem.variables()}
    out = {}
    for vid, val in solution.primal_vars.items():
        var = by_id.get(vid)
        if var is None:
            continue
        val = np.asarray(val, dtype=float)
        out[var] = float(val) if var.shape == () else val.reshape(var.shape)
    return out
