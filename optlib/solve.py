"""`optlib.solve(model, *, backend, options)`: the solve pipeline, one named step each.

    compile   Model -> StandardForm, with the ColumnMap that inverts it (optlib.compile)
    pick      backend name or 'auto' -> Backend (and why auto chose it)
    run       Backend.solve(form, params) -> RawResult (a crash becomes Status.ERROR)
    certify   optlib.certify: the point row by row, the bound from the duals, the gap
    refine    first-order backends (SCS, PDLP) whose answer did not certify are re-solved with
              tighter tolerances, warm-started where the backend can, while time is left
    confirm   an INFEASIBLE / UNBOUNDED claim without a checked ray: for a MIP, the LP
              relaxation's ray on HiGHS; else a second backend must agree
    report    optlib.Result in the user's sense; status from the checks, the solver's word kept
              in `solver_status`, its bound in `solver_bound`

One `optlib.Deadline` runs through every step: a re-solve, a confirmation or a second backend
gets what is left of it, so the whole call stays within the time limit.
"""
from __future__ import annotations

import dataclasses
import math
import sys
import time
import traceback
from typing import Any

import numpy as np

from .backend import MissingDependency, choose_backend, get_backend
from .certify import Tolerances, certify, dual_values, status_from_checks
from .columns import ColumnMap
from .deadline import Deadline
from .options import SolveOptions
from .reductions import for_backend
from .result import BackendInfo, Certificate, Result, Timings, relative_gap
from .standard_form import RawResult, SolveParams, StandardForm
from .status import Status

#: refinement rounds a first-order backend gets after an answer that did not certify
REFINE_ROUNDS = 3
#: second backends asked to confirm a ray-less INFEASIBLE / UNBOUNDED claim, by problem kind
CONFIRMERS = {"linear": ("highs", "scip"), "conic": ("clarabel", "scs")}


def solve_params(time_limit: Any = None, rel_gap: Any = None, threads: Any = None, verbose: Any = False,
                 options: dict | None = None, refine: Any = True) -> SolveParams:
    """Validated generic solve parameters (ValueError naming the argument otherwise)."""
    opts = SolveOptions(time_limit=time_limit, rel_gap=rel_gap, threads=threads, verbose=bool(verbose),
                        refine=bool(refine) if isinstance(refine, np.bool_) else refine,
                        backend_options=dict(options or {}))
    return SolveParams(time_limit=opts.time_limit, rel_gap=opts.rel_gap, threads=opts.threads,
                       verbose=opts.verbose, options=dict(opts.backend_options), refine=opts.refine)


def status_stopped(status: Status) -> bool:
    """True for the statuses of a solve that stopped early (FEASIBLE or NO_SOLUTION)."""
    return status in (Status.FEASIBLE, Status.NO_SOLUTION)


# -- pick and run ------------------------------------------------------------------------------
def pick_backend(sf: StandardForm, backend: str, time_limit: float | None = None):
    """(Backend, why auto chose it - '' for a named backend) for a name or 'auto'; errors name
    the backend and the reason."""
    if not isinstance(backend, str):
        raise ValueError(f"backend must be a string such as 'auto' or 'highs', got {backend!r}")
    if backend.strip().lower() == "auto":
        be, reason = choose_backend(sf, time_limit)
    else:
        be, reason = get_backend(backend), ""
    if not be.available():
        raise MissingDependency(f"backend {be.name!r} needs the package {be.package!r}: pip install {be.package}")
    return be, reason            # each adapter's solve() starts with its own check (with its options)


def run_backend(be, sf: StandardForm, params: SolveParams) -> RawResult:
    """The backend's raw answer; a crash inside the solver is an ERROR result, not an exception
    (bad arguments still raise)."""
    form, invert = for_backend(be.capabilities, sf)
    if invert is not None and params.warm_start is not None and form.n != sf.n:
        params = dataclasses.replace(params, warm_start=None)     # the rewritten form has more columns
    try:
        raw = be.solve(form, params)
        if invert is not None:
            raw = invert(raw)
    except (ValueError, TypeError, ImportError):
        raise
    except Exception as exc:  # a solver crash is reported, not hidden
        raw = RawResult(status=Status.ERROR, solver=be.name, message=f"{type(exc).__name__}: {exc}",
                        log=traceback.format_exc())
    raw.x = into_box(sf, raw.x)
    return raw


def into_box(sf: StandardForm, x: np.ndarray | None) -> np.ndarray | None:
    """x clipped into lb <= x <= ub (first-order and interior-point solvers return points a hair
    outside their bounds; the clipped point is the one certified and reported)."""
    if x is None:
        return None
    x = np.asarray(x, dtype=float)
    if x.shape != sf.lb.shape:
        return x
    return np.minimum(np.maximum(x, sf.lb), sf.ub)


# -- certify, refine, confirm ------------------------------------------------------------------
#: share of the time limit the certificate may use beyond it (a dual repair on a large form can
#: take longer than the solve; past this it stops and the bound is -inf where one was needed)
CERTIFY_GRACE = 0.25


def _grace(deadline: Deadline) -> Deadline | None:
    """The deadline the certify step works to: what is left, but at least CERTIFY_GRACE of the
    time limit (None without a limit)."""
    if not deadline.limited:
        return None
    return Deadline(max(deadline.remaining(), CERTIFY_GRACE * deadline.time_limit))


def _rank(status: Status) -> int:
    return {Status.OPTIMAL: 4, Status.FEASIBLE: 3, Status.INFEASIBLE: 3, Status.UNBOUNDED: 3,
            Status.UNVERIFIED: 1}.get(status, 0)


def refine(be, sf: StandardForm, params: SolveParams, raw: RawResult, cert: Certificate,
           tol: Tolerances | None, deadline: Deadline) -> tuple[RawResult, Certificate, float, int]:
    """Re-solve with the backend's tighter settings while the answer does not certify.

    Returns (raw, certificate, seconds spent certifying, rounds run); the best answer seen is
    kept (a refinement that ends worse does not replace the first answer)."""
    t_cert = 0.0
    rounds = 0
    status = status_from_checks(raw.status, cert.checks)
    while (params.refine and status is not Status.OPTIMAL and rounds < REFINE_ROUNDS
           and raw.limit is None and raw.status not in (Status.ERROR,)):
        left = deadline.remaining()
        if left is not None and left <= 0.05 * deadline.time_limit:
            break
        tighter = be.refined_params(sf, params, raw, rounds)
        if tighter is None:
            break
        if left is not None:
            tighter = dataclasses.replace(tighter, time_limit=left)
        rounds += 1
        new = run_backend(be, sf, tighter)
        new.solve_time += raw.solve_time
        t0 = time.perf_counter()
        new_cert = certify(sf, new, tol, params.rel_gap, _grace(deadline))
        t_cert += time.perf_counter() - t0
        new_status = status_from_checks(new.status, new_cert.checks)
        if _rank(new_status) >= _rank(status):
            raw, cert, status = new, new_cert, new_status
        if new.limit is not None:
            break
    return raw, cert, t_cert, rounds


def borrow_duals(be, sf: StandardForm, params: SolveParams, raw: RawResult, cert: Certificate,
                 tol: Tolerances | None, deadline: Deadline) -> tuple[Certificate, str]:
    """A backend that returns no duals (SCIP on an LP): the certified bound is derived from the
    duals of a second solve on a backend that has them (HiGHS for LPs, Clarabel for conic forms).
    The duals are only a candidate certificate: the bound is derived from them as from any
    duals, so the second backend is not trusted either. Returns (certificate, note)."""
    if raw.z is not None or not raw.status.has_solution or raw.x is None or sf.has_integers:
        return cert, ""
    if status_from_checks(raw.status, cert.checks) is not Status.FEASIBLE or deadline.expired():
        return cert, ""
    left = deadline.remaining()
    name = "clarabel" if (sf.has_soc or sf.has_psd) else "highs"
    if name == be.name:
        return cert, ""
    try:
        other = get_backend(name)
        if not (other.available() and other.accepts(sf)):
            return cert, ""
        sub = run_backend(other, sf, dataclasses.replace(params, time_limit=left, warm_start=None,
                                                         resume=None, options={}))
    except (ValueError, ImportError):
        return cert, ""
    if sub.z is None:
        return cert, ""
    new = certify(sf, dataclasses.replace(raw, z=sub.z), tol, params.rel_gap, _grace(deadline))
    if _finite(new.bound) and (not _finite(cert.bound) or sf.sense * new.bound > sf.sense * cert.bound):
        note = f"bound derived from duals computed by {name} (this backend returns none)"
        return dataclasses.replace(new, messages=tuple(m for m in new.messages) + (note,)), note
    return cert, ""


def _finite(v: float | None) -> bool:
    return v is not None and math.isfinite(v)


def confirm(be, sf: StandardForm, params: SolveParams, raw: RawResult, tol: Tolerances | None,
            deadline: Deadline) -> tuple[bool, Certificate | None, str]:
    """A ray-less INFEASIBLE / UNBOUNDED claim checked another way.

    Returns (agreed, a verified certificate if a ray was found, a note). For an infeasible MIP
    the LP relaxation is solved on HiGHS: its checked Farkas ray proves the claim. Otherwise the
    first other installed backend of the same kind must reach the same (certified) verdict."""
    if deadline.expired():
        return False, None, "no time left to confirm"
    sub_params = dataclasses.replace(params, time_limit=deadline.remaining(), warm_start=None, resume=None)
    if raw.status is Status.INFEASIBLE and sf.has_integers and not (sf.has_soc or sf.has_psd):
        relaxed = sf.replace(integer=np.zeros(sf.n, dtype=bool))
        try:
            hb = get_backend("highs")
            if hb.available():
                sub = run_backend(hb, relaxed, sub_params)
                c = certify(relaxed, sub, tol)
                if status_from_checks(sub.status, c.checks) is Status.INFEASIBLE:
                    return True, dataclasses.replace(c, messages=c.messages + (
                        "the LP relaxation is infeasible (checked Farkas ray from highs)",)), ""
        except (ValueError, ImportError):
            pass
    kind = "conic" if (sf.has_soc or sf.has_psd) else "linear"
    for name in CONFIRMERS[kind]:
        if name == be.name:
            continue
        try:
            other = get_backend(name)
            if not (other.available() and other.accepts(sf)):
                continue
            sub = run_backend(other, sf, sub_params)
        except (ValueError, ImportError):
            continue
        c = certify(sf, sub, tol)
        if sub.status is raw.status:
            if status_from_checks(sub.status, c.checks) is raw.status and c.verified:
                return True, dataclasses.replace(c, messages=c.messages + (
                    f"{raw.status.name.lower()} proven by a ray from {name}",)), ""
            return True, None, f"{name} agrees ({raw.status.name}), without a ray"
        return False, None, f"{name} does not agree: it says {sub.status.name}"
    return False, None, "no second backend to confirm it"


# -- the pipeline ------------------------------------------------------------------------------
def solve(model: Any, *, backend: str = "auto", options: SolveOptions | None = None, **kw: Any) -> Result:
    """Solve `model` on `backend` ('auto' picks by problem class) and certify the answer.

    `options` (an optlib.SolveOptions) or its fields as keywords (time_limit=..., rel_gap=...,
    backend_options={...}); keywords override the fields of `options`. A time limit never
    raises: the result is FEASIBLE with the incumbent and the bound, or NO_SOLUTION."""
    unknown = sorted(set(kw) - set(SolveOptions.field_names()))
    if unknown:
        raise ValueError(f"unknown solve option(s) {', '.join(map(repr, unknown))}; the fields of "
                         f"optlib.SolveOptions are {', '.join(SolveOptions.field_names())} (backend-specific "
                         "options go in backend_options={...})")
    if options is None:
        options = SolveOptions(**kw)
    elif not isinstance(options, SolveOptions):
        raise ValueError(f"options must be an optlib.SolveOptions, got {type(options).__name__}")
    elif kw:
        options = dataclasses.replace(options, **kw)
    deadline = options.start()
    t0 = time.perf_counter()
    sf = model.compile()
    cmap = ColumnMap(model._blocks)
    params = options.params(deadline)
    if options.warm_start:
        params = dataclasses.replace(params, warm_start=cmap.vector(options.warm_start))
    t_compile = time.perf_counter() - t0
    _progress(options, deadline, f"compiled {sf.problem_class}: {sf.n} columns, {sf.m} rows")
    return solve_form(sf, backend, options, deadline, params, t_compile, cmap, model._variables.values())


def _progress(options: SolveOptions, deadline: Deadline, message: str) -> None:
    if options.progress:
        print(f"[optlib {deadline.elapsed():8.3f} s] {message}", file=sys.stderr, flush=True)


def solve_standard_form(sf: StandardForm, backend: str, params: SolveParams,
                        tolerances: Tolerances | None = None, t_compile: float = 0.0) -> Result:
    """The pipeline on a StandardForm given backend-facing `params` (no user variables: the
    result has the point `x` but no per-variable values)."""
    options = SolveOptions(time_limit=params.time_limit, rel_gap=params.rel_gap, threads=params.threads,
                           verbose=params.verbose, refine=params.refine, tolerances=tolerances,
                           backend_options=params.options)
    deadline = options.start()
    return solve_form(sf, backend, options, deadline, dataclasses.replace(params, time_limit=deadline.left()),
                      t_compile, ColumnMap(()), ())


def solve_form(sf: StandardForm, backend: str, options: SolveOptions, deadline: Deadline, params: SolveParams,
               t_compile: float, cmap: ColumnMap, variables: Any) -> Result:
    """Run a backend on a StandardForm, certify (refine, confirm) the answer, build the Result."""
    be, reason = pick_backend(sf, backend, deadline.remaining())
    tol = options.tolerances
    _progress(options, deadline, f"backend {be.name}" + (f" (auto: {reason})" if reason else ""))

    t1 = time.perf_counter()
    raw = run_backend(be, sf, params)
    t2 = time.perf_counter()
    _progress(options, deadline, f"{be.name} said {raw.status.name} in {t2 - t1:.3g} s")
    cert = certify(sf, raw, tol, params.rel_gap, _grace(deadline))
    t_cert = time.perf_counter() - t2
    raw, cert, t_ref_cert, rounds = refine(be, sf, params, raw, cert, tol, deadline)
    t_cert += t_ref_cert
    notes: list[str] = []
    if rounds:
        notes.append(f"refined {rounds} time(s) with tighter tolerances")
        _progress(options, deadline, notes[-1])
    t3 = time.perf_counter()
    cert, note = borrow_duals(be, sf, params, raw, cert, tol, deadline)
    if not note:                          # a second solve counts as solving, the rest as certifying
        t_cert += time.perf_counter() - t3
    status = status_from_checks(raw.status, cert.checks)
    if status is Status.UNVERIFIED and raw.status in (Status.INFEASIBLE, Status.UNBOUNDED):
        agreed, proof, note = confirm(be, sf, params, raw, tol, deadline)
        if agreed:
            status = raw.status
            if proof is not None:
                cert = proof
            else:
                cert = dataclasses.replace(cert, messages=cert.messages + (
                    "confirmed by a second backend, not by a certificate: " + note,))
        elif note:
            cert = dataclasses.replace(cert, messages=cert.messages + ("not confirmed: " + note,))
    t_solve = time.perf_counter() - t1 - t_cert
    _progress(options, deadline, f"status {status.name} ({cert.kind}: "
                                 f"{'verified' if cert.verified else 'not verified'})")

    limit = raw.limit
    if (limit is None and (status_stopped(status) or status is Status.UNVERIFIED) and deadline.limited
            and max(t_solve, raw.solve_time) >= 0.9 * deadline.time_limit):
        limit = "time_limit"              # the backend did not say why; the clock does
    return build_result(sf, be, reason, raw, cert, status, Timings(t_compile, t_solve, t_cert),
                        limit, cmap, variables, notes)


def build_result(sf: StandardForm, be, reason: str, raw: RawResult, cert: Certificate, status: Status,
                 timings: Timings, limit: str | None, cmap: ColumnMap, variables: Any,
                 notes: list[str]) -> Result:
    """The user-facing Result: user sense, certified bound, values of the returned point."""
    has_point = raw.x is not None and (status.has_solution or status is Status.UNVERIFIED) \
        and raw.status.has_solution
    objective = sf.user_objective(sf.objective_value(raw.x)) if has_point else None
    if status is Status.INFEASIBLE:
        bound = math.inf * sf.sense       # no point exists: any bound holds
    elif cert.bound is not None and status is not Status.UNVERIFIED:
        bound = cert.bound
    else:
        bound = -math.inf * sf.sense
    if math.isnan(bound):
        bound = -math.inf * sf.sense
    gap = relative_gap(objective, bound)

    values = cmap.values(variables, raw.x) if has_point else {}
    duals = dual_values(sf, raw.z) if raw.z is not None and has_point else {}
    info = BackendInfo(name=be.name, version=raw.version or be.version(), parameters=dict(raw.parameters),
                       auto=bool(reason), reason=reason)
    message = "; ".join(m for m in [raw.message] + notes if m)
    if status is Status.UNVERIFIED:
        why = cert.violated[0] if cert.violated else next(
            (m for m in cert.messages if "ray" in m or "certificate" in m or "point" in m), "")
        message = "; ".join(m for m in (f"the solver said {raw.status.name}, optlib could not confirm it"
                                        + (f": {why}" if why else ""), message) if m)
    solver_bound = sf.user_objective(raw.bound) if raw.bound is not None and math.isfinite(raw.bound) else None
    return Result(status=status, objective=objective, bound=float(bound), gap=gap, values=values, duals=duals,
                  certificate=cert, timings=timings, backend=info, log=raw.log,
                  message=message, problem_class=sf.problem_class,
                  sense="minimize" if sf.sense > 0 else "maximize",
                  x=None if (raw.x is None or not has_point and status is not Status.UNBOUNDED)
                  else np.asarray(raw.x, dtype=float),
                  iterations=raw.iterations, nodes=raw.nodes, limit_reached=limit, _blocks=dict(cmap.slices),
                  solver_status=raw.status, solver_bound=solver_bound)
