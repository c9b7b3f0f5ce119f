"""CP-SAT adapter (pure-integer linear programs) through `ortools.sat.python.cp_model`.

CP-SAT works on integers only: continuous columns that are implied integer (see
`solvers.presolve`) are declared integer first, which keeps the optimum; every row of lo <= A x <= hi is scaled by the smallest
power of ten 10^k (k <= 6) that makes its coefficients and right-hand side integers, or,
for rows of small-denominator rationals such as 7/150 = 0.04666.. (data binarised on a
grid), by the least common multiple of the denominators (each entry must equal p/q with
q <= 10^6 to 1e-14 relative, float noise: pi is refused, its best such fraction is
5e-13 off), and
the bounds are rounded inward (lb -> ceil, ub -> floor). `check` refuses forms where
that is impossible (continuous or unbounded variables, rows that need a larger scale).
The objective is scaled the same way (decimal or rational) when it can be (so optimality is exact); otherwise
CP-SAT's floating-point objective is used. The log is always captured through
`log_callback`; `verbose` only echoes it to stdout.

Logical constraints (`StandardForm.logic`, optlib.logic) are native: an indicator's rows
(scaled to integers like the other rows) get `OnlyEnforceIf(z)` or `OnlyEnforceIf(z.Not())`,
all_different is `AddAllDifferent`, clauses are `AddBoolOr` / `AddBoolAnd` / `AddAtMostOne` /
`AddExactlyOne` or a linear count over the literals. The implied-integer detection counts the
indicator rows as rows (a continuous column in an indicator row with a fractional coefficient
stays continuous, and the form is refused).
"""
from __future__ import annotations

import math
import time
from fractions import Fraction

import numpy as np
import scipy.sparse as sp

from optlib.logic import AllDifferent, Clause, Indicator
from optlib.standard_form import ConeDims, RawResult, SolveParams, StandardForm
from optlib.status import Status

from .base import Backend, Capabilities, require
from .presolve import implied_integers, promote_implied_integers

_MAX_POW10 = 6          # rows may be scaled by at most 10**6
_MAX_INT = 2.0 ** 53    # largest magnitude a scaled value or bound may have
_INT_TOL = 1e-9         # relative tolerance when deciding that a float is an integer


def _is_int(values: np.ndarray) -> np.ndarray:
    return np.abs(values - np.round(values)) <= _INT_TOL * np.maximum(1.0, np.abs(values))


def _decimal_exponents(A, rhs: np.ndarray) -> np.ndarray:
    """Per row of the CSR matrix A, the smallest k <= 6 with 10^k (A_i, rhs_i) integral
    and within +-2^53 (-1 if none). A rhs of +inf (no constraint) counts as integral."""
    m = A.shape[0]
    row_of = np.repeat(np.arange(m), np.diff(A.indptr))
    rhs = np.where(rhs == np.inf, 0.0, rhs)
    exps = np.full(m, -1)
    for k in range(_MAX_POW10 + 1):
        data, b = A.data * 10.0 ** k, rhs * 10.0 ** k
        bad_nz = ~_is_int(data) | (np.abs(data) > _MAX_INT)
        bad = np.bincount(row_of[bad_nz], minlength=m) > 0
        bad |= ~_is_int(b) | (np.abs(b) > _MAX_INT)
        exps[(exps < 0) & ~bad] = k
        if np.all(exps >= 0):
            break
    return exps


_MAX_DEN = 10 ** 6      # rational rows: denominators up to this
_FRAC_TOL = 1e-14       # relative distance from p/q at which a float counts as p/q (float noise)


def _rational_row(values: np.ndarray) -> tuple[list[int], int] | None:
    """(s * values as integers, s) for the least s making every entry p/q (q <= 10^6, within
    1e-14 relative) an integer, or None when some entry is no such fraction or s * values
    leaves +-2^53."""
    fracs = []
    for v in values.tolist():
        f = Fraction(v).limit_denominator(_MAX_DEN)
        if abs(float(f) - v) > _FRAC_TOL * max(1.0, abs(v)):
            return None
        fracs.append(f)
    s = 1
    for f in fracs:
        s = s * f.denominator // math.gcd(s, f.denominator)
    ints = [int(f * s) for f in fracs]
    return (ints, s) if all(abs(i) <= _MAX_INT for i in ints) else None


def _rational_of_row(A, r: np.ndarray, i: int) -> tuple[list[int], int] | None:
    """Row i of CSR A with rhs r[i] as integers by a rational scale (see `_rational_row`)."""
    scaled = _rational_row(np.append(A.data[A.indptr[i]:A.indptr[i + 1]], r[i]))
    return None if scaled is None else (scaled[0][:-1], scaled[0][-1])


def _scaled_rows(A, rhs: np.ndarray) -> list[tuple[list[int], int] | None]:
    """Per CSR row of A (with rhs, +inf meaning no constraint), integer coefficients and
    rhs: a decimal scale when one exists, else a rational one; None when neither works."""
    exps = _decimal_exponents(A, rhs)
    r = np.where(rhs == np.inf, 0.0, rhs)
    out: list[tuple[list[int], int] | None] = []
    for i in range(A.shape[0]):
        if exps[i] < 0:
            out.append(_rational_of_row(A, r, i))
            continue
        sc = 10.0 ** int(exps[i])
        out.append((np.round(A.data[A.indptr[i]:A.indptr[i + 1]] * sc).astype(np.int64).tolist(),
                    int(round(r[i] * sc))))
    return out


def _unscalable_rows(A, rhs: np.ndarray) -> list[int]:
    """Rows `_scaled_rows` would give None, found without converting the decimal ones."""
    r = np.where(rhs == np.inf, 0.0, rhs)
    return [int(i) for i in np.flatnonzero(_decimal_exponents(A, rhs) < 0) if _rational_of_row(A, r, i) is None]


def _row_label(sf: StandardForm, i: int) -> str:
    for blk in sf.row_blocks:
        if blk.start <= i < blk.start + blk.size:
            where = "" if blk.size == 1 else f"[{i - blk.start}]"
            return f"row {i} ('{blk.name}'{where})"
    return f"row {i}"


def _var_label(sf: StandardForm, j: int) -> str:
    return f"'{sf.var_names[j]}'" if j < len(sf.var_names) else f"x[{j}]"


def _indicators(sf: StandardForm) -> list[Indicator]:
    return [r for r in sf.logic if isinstance(r, Indicator)]


def _promote(sf: StandardForm) -> StandardForm:
    """`promote_implied_integers` with the indicator rows counted as rows (each bounds its
    columns whenever it is enforced, so the implied-integer argument needs them too)."""
    inds = _indicators(sf)
    if not inds or sf.has_soc or sf.has_psd or sf.has_exp:
        return promote_implied_integers(sf)
    A = sp.vstack([sf.A.tocsr()] + [sp.csr_matrix(r.A) for r in inds], format="csc")
    b = np.concatenate([sf.b] + [np.asarray(r.b, dtype=float) for r in inds])
    extra = sum(r.A.shape[0] for r in inds)
    aug = sf.replace(A=A, b=b, cones=ConeDims(zero=sf.cones.zero, nonneg=sf.cones.nonneg + extra),
                     row_blocks=(), row_order=None, logic=())
    mask = implied_integers(aug)
    return sf.replace(integer=sf.integer | mask) if mask.any() else sf


class CpSatBackend(Backend):
    name = "cpsat"
    package = "ortools"
    module = "ortools"
    capabilities = Capabilities(continuous=False, integer=True, mip_bound=True, logic=True)

    def check(self, sf: StandardForm) -> None:
        super().check(_promote(sf))
        head = f"backend {self.name!r} cannot solve this {sf.problem_class}: "
        infinite = np.flatnonzero(~np.isfinite(sf.lb) | ~np.isfinite(sf.ub))
        if infinite.size:
            raise ValueError(head + f"variable {_var_label(sf, int(infinite[0]))} has an infinite "
                             "bound (CP-SAT needs finite integer bounds)")
        huge = np.flatnonzero((np.abs(sf.lb) > _MAX_INT) | (np.abs(sf.ub) > _MAX_INT))
        if huge.size:
            raise ValueError(head + f"variable {_var_label(sf, int(huge[0]))} has a bound "
                             f"beyond +-2^53, too large for CP-SAT integers")
        A, _, hi = sf.linear_rows()
        bad = _unscalable_rows(A, hi)
        if bad:
            raise ValueError(head + f"{_row_label(sf, bad[0])} cannot be scaled to integer "
                             f"coefficients and right-hand side (by a power of ten <= 1e{_MAX_POW10} "
                             f"or as fractions with denominators <= {_MAX_DEN})")
        self._check_logic(sf, head)

    @staticmethod
    def _check_logic(sf: StandardForm, head: str) -> None:
        """Literals on 0/1 columns, indicator rows scalable to integers."""
        for rec in sf.logic:
            if isinstance(rec, Indicator):
                lits = [rec.z_col]
                bad = _unscalable_rows(sp.csr_matrix(rec.A), np.asarray(rec.b, dtype=float))
                if bad:
                    raise ValueError(head + f"row {bad[0]} of implies(...) on constraint '{rec.name}' cannot "
                                     "be scaled to integer coefficients and right-hand side")
            elif isinstance(rec, Clause):
                lits = list(rec.cols)
            elif isinstance(rec, AllDifferent):
                continue
            else:
                raise ValueError(head + f"unknown logical record {type(rec).__name__}")
            for j in lits:
                if not (sf.integer[j] and sf.lb[j] >= 0 and sf.ub[j] <= 1):
                    raise ValueError(head + f"the literal {_var_label(sf, j)} of constraint '{rec.name}' "
                                     "is not a 0/1 variable")

    def solve(self, sf: StandardForm, params: SolveParams) -> RawResult:
        self.check(sf)
        sf = _promote(sf)
        cp_model = require("ortools.sat.python.cp_model", self.package, self.name)
        common: dict = dict(solver=self.name, version=self.version())
        lb = np.ceil(sf.lb - _INT_TOL)
        ub = np.floor(sf.ub + _INT_TOL)
        empty = np.flatnonzero(lb > ub)
        if empty.size:
            label = _var_label(sf, int(empty[0]))
            return RawResult(status=Status.INFEASIBLE, **common,
                             message=f"variable {label} has no integer value between its bounds")

        model = cp_model.CpModel()
        xs = [model.new_int_var(int(a), int(b), f"x{j}") for j, (a, b) in enumerate(zip(lb, ub))]
        self._add_rows(cp_model, model, xs, sf)
        self._add_logic(cp_model, model, xs, sf)
        obj_scale = self._set_objective(cp_model, model, xs, sf.c, np.maximum(np.abs(lb), np.abs(ub)))
        if params.warm_start is not None:
            hint = np.clip(np.round(np.asarray(params.warm_start, dtype=float)), lb, ub)
            for var, value in zip(xs, hint.astype(np.int64).tolist()):
                model.add_hint(var, value)

        solver = cp_model.CpSolver()
        lines: list[str] = []
        common["parameters"] = self._set_params(solver, params, lines)
        t0 = time.perf_counter()
        code = solver.solve(model)
        solve_time = time.perf_counter() - t0

        status = {
            cp_model.OPTIMAL: Status.OPTIMAL,
            cp_model.FEASIBLE: Status.FEASIBLE,
            cp_model.INFEASIBLE: Status.INFEASIBLE,
            cp_model.MODEL_INVALID: Status.ERROR,
        }.get(code, Status.NO_SOLUTION)
        message = solver.status_name(code)
        if code == cp_model.MODEL_INVALID:
            message += ": " + model.validate()
        resp = solver.response_proto
        res = RawResult(status=status, solve_time=solve_time, message=message,
                        log="\n".join(lines), iterations=int(resp.num_lp_iterations),
                        nodes=int(resp.num_branches), **common)
        if status.has_solution:
            res.x = np.asarray(resp.solution, dtype=float)[: sf.n]
            res.objective = float(sf.c @ res.x + sf.offset)
            res.bound = float(solver.best_objective_bound) / obj_scale + float(sf.offset)
        return res

    # -- helpers ---------------------------------------------------------------------
    @staticmethod
    def _add_rows(cp_model, model, xs: list, sf: StandardForm) -> None:
        A, _, hi = sf.linear_rows()
        idx, ptr = A.indices.tolist(), A.indptr.tolist()
        for i, row in enumerate(_scaled_rows(A, hi)):
            if hi[i] == np.inf:
                continue  # an empty constraint A_i x <= +inf
            coef, r = row   # check() refused the form if some row is None
            expr = cp_model.LinearExpr.weighted_sum([xs[j] for j in idx[ptr[i]:ptr[i + 1]]], coef)
            model.add_linear_constraint(expr, r if i < sf.cones.zero else cp_model.INT_MIN, r)

    @staticmethod
    def _add_logic(cp_model, model, xs: list, sf: StandardForm) -> None:
        """The logical records as CP-SAT constraints (see the module docstring)."""
        for rec in sf.logic:
            if isinstance(rec, Indicator):
                lit = xs[rec.z_col] if rec.active_value == 1 else xs[rec.z_col].Not()
                A = sp.csr_matrix(rec.A)
                rhs = np.asarray(rec.b, dtype=float)
                idx, ptr = A.indices.tolist(), A.indptr.tolist()
                for i, (coef, r) in enumerate(_scaled_rows(A, rhs)):   # check() refused None rows
                    expr = cp_model.LinearExpr.weighted_sum([xs[j] for j in idx[ptr[i]:ptr[i + 1]]], coef)
                    lo = r if rec.sense == "==" else cp_model.INT_MIN
                    model.add_linear_constraint(expr, lo, r).only_enforce_if(lit)
            elif isinstance(rec, AllDifferent):
                model.add_all_different([xs[j] for j in rec.cols])
            elif isinstance(rec, Clause):
                lits = [xs[j].Not() if neg else xs[j] for j, neg in zip(rec.cols, rec.negated)]
                if rec.kind == "or" or (rec.kind == "at_least" and rec.k == 1):
                    model.add_bool_or(lits)
                elif rec.kind == "and":
                    model.add_bool_and(lits)
                elif rec.kind == "at_most" and rec.k == 1:
                    model.add_at_most_one(lits)
                elif rec.kind == "exactly" and rec.k == 1:
                    model.add_exactly_one(lits)
                else:
                    lo, hi = {"at_most": (0, rec.k), "at_least": (rec.k, len(lits)),
                              "exactly": (rec.k, rec.k)}[rec.kind]
                    model.add_linear_constraint(cp_model.LinearExpr.sum(lits), lo, hi)

    @staticmethod
    def _set_objective(cp_model, model, xs: list, c: np.ndarray, reach: np.ndarray) -> float:
        """Minimise c'x (integer after a decimal or rational scale when possible, so that
        CP-SAT's bound is exact); return the scale. `reach` = max(|lb|, |ub|) per variable:
        a rational scale is used only while sum |s c_j| reach_j stays below 2^62 (int64)."""
        c = c.astype(float)
        k = _decimal_exponents(sp.csr_matrix(np.atleast_2d(c)), np.zeros(1))
        rational = None if k[0] >= 0 else _rational_row(c)
        if rational is not None and float(np.abs(np.asarray(rational[0], float)) @ reach) >= 2.0 ** 62:
            rational = None
        if k[0] >= 0:
            scale = 10.0 ** int(k[0])
            coeffs = np.round(c * scale).astype(np.int64).tolist()
        elif rational is not None:
            coeffs, s = rational
            scale = float(s)
        else:
            scale, coeffs = 1.0, c.tolist()
        model.minimize(cp_model.LinearExpr.weighted_sum(xs, coeffs))
        return scale

    def _set_params(self, solver, params: SolveParams, lines: list[str]) -> dict:
        """Apply `params` to solver.parameters; return the fields set."""
        used = params.native("max_time_in_seconds", "relative_gap_limit", "num_workers",
                             log_search_progress=True, log_to_stdout=bool(params.verbose))
        p = solver.parameters
        for key, value in used.items():
            if key.startswith("_") or not hasattr(p, key) or callable(getattr(p, key)):
                raise ValueError(f"backend {self.name!r}: unknown option {key!r} "
                                 "(not a CP-SAT SatParameters field)")
            try:
                setattr(p, key, value)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"backend {self.name!r}: invalid value {value!r} for option "
                                 f"{key!r}") from exc
        solver.log_callback = lines.append
        return used
