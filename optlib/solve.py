"""The solve pipeline of a StandardForm: pick a backend, run it, certify, refine, confirm, report.

    pick      backend name or 'auto' -> Backend (and why auto chose it)
    run       Backend.solve(form, params) -> RawResult (a crash becomes Status.ERROR)
    certify   optlib.certify: the point row by row, the bound from the duals, the gap
    refine    first-order backends (SCS, PDLP) whose answer did not certify are re-solved with
              tighter tolerances, warm-started where the backend can, while time is left
    confirm   an INFEASIBLE / UNBOUNDED claim without a checked ray: for a MIP, the LP
              relaxation's ray on HiGHS; else a second backend must agree
    report    optlib.Result in the user's sense; status from the checks, the solver's word kept
              in `solver_status`, its bound in `solver_bound`
"""
from __future__ import annotations

import dataclasses
import math
import numbers
import time
import traceback
from typing import Any

import numpy as np

from .certify import Tolerances, certify, dual_values, status_from_checks
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
    if time_limit is not None:
        if (isinstance(time_limit, bool) or not isinstance(time_limit, numbers.Real)
                or not 0 < time_limit < math.inf):
            raise ValueError(f"time_limit must be a positive number of seconds, got {time_limit!r}")
        time_limit = float(time_limit)
    if rel_gap is not None:
        if isinstance(rel_gap, bool) or not isinstance(rel_gap, numbers.Real) or not 0 <= rel_gap < 1:
            raise ValueError(f"rel_gap must be a number in [0, 1), got {rel_gap!r}")
        rel_gap = float(rel_gap)
    if threads is not None:
        if isinstance(threads, bool) or not isinstance(threads, numbers.Integral) or threads < 1:
            raise ValueError(f"threads must be a positive integer, got {threads!r}")
        threads = int(threads)
    if not isinstance(refine, (bool, np.bool_)):
        raise ValueError(f"refine must be True or False, got {refine!r}")
    return SolveParams(time_limit=time_limit, rel_gap=rel_gap, threads=threads, verbose=bool(verbose),
                       options=dict(options or {}), refine=bool(refine))


def status_stopped(status: Status) -> bool:
    """True for the statuses of a solve that stopped early (FEASIBLE or NO_SOLUTION)."""
    return status in (Status.FEASIBLE, Status.NO_SOLUTION)


# -- pick and run ------------------------------------------------------------------------------
def pick_backend(sf: StandardForm, backend: str):
    """(Backend, chosen by auto?) for a name or 'auto'; errors name the backend and the reason."""
    from solvers import choose_backend, get_backend
    from solvers.base import MissingDependency

    if not isinstance(backend, str):
        raise ValueError(f"backend must be a string such as 'auto' or 'highs', got {backend!r}")
    auto = backend.strip().lower() == "auto"
    be = choose_backend(sf) if auto else get_backend(backend)
    if not be.available():
        raise MissingDependency(f"backend {be.name!r} needs the package {be.package!r}: pip install {be.package}")
    return be, auto              # each adapter's solve() starts with its own check (with its options)


def run_backend(be, sf: StandardForm, params: SolveParams) -> RawResult:
    """The backend's raw answer; a crash inside the solver is an ERROR result, not an exception
    (bad arguments still raise)."""
    try:
        raw = be.solve(sf, params)
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
def _rank(status: Status) -> int:
    return {Status.OPTIMAL: 4, Status.FEASIBLE: 3, Status.INFEASIBLE: 3, Status.UNBOUNDED: 3,
            Status.UNVERIFIED: 1}.get(status, 0)


def _time_left(params: SolveParams, t_start: float) -> float | None:
    if params.time_limit is None:
        return None
    return params.time_limit - (time.perf_counter() - t_start)


def refine(be, sf: StandardForm, params: SolveParams, raw: RawResult, cert: Certificate,
           tol: Tolerances | None, t_start: float) -> tuple[RawResult, Certificate, float, int]:
    """Re-solve with the backend's tighter settings while the answer does not certify.

    Returns (raw, certificate, seconds spent certifying, rounds run); the best answer seen is
    kept (a refinement that ends worse does not replace the first answer)."""
    t_cert = 0.0
    rounds = 0
    status = status_from_checks(raw.status, cert.checks)
    while (params.refine and status is not Status.OPTIMAL and rounds < REFINE_ROUNDS
           and raw.limit is None and raw.status not in (Status.ERROR,)):
        left = _time_left(params, t_start)
        if left is not None and left <= 0.05 * params.time_limit:
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
        new_cert = certify(sf, new, tol, params.rel_gap)
        t_cert += time.perf_counter() - t0
        new_status = status_from_checks(new.status, new_cert.checks)
        if _rank(new_status) >= _rank(status):
            raw, cert, status = new, new_cert, new_status
        if new.limit is not None:
            break
    return raw, cert, t_cert, rounds


def borrow_duals(be, sf: StandardForm, params: SolveParams, raw: RawResult, cert: Certificate,
                 tol: Tolerances | None, t_start: float) -> tuple[Certificate, str]:
    """A backend that returns no duals (SCIP on an LP): the certified bound is derived from the
    duals of a second solve on a backend that has them (HiGHS for LPs, Clarabel for conic forms).
    The duals are only a candidate certificate: the bound is derived from them as from any
    duals, so the second backend is not trusted either. Returns (certificate, note)."""
    from solvers import get_backend

    if raw.z is not None or not raw.status.has_solution or raw.x is None or sf.has_integers:
        return cert, ""
    if status_from_checks(raw.status, cert.checks) is not Status.FEASIBLE:
        return cert, ""
    left = _time_left(params, t_start)
    if left is not None and left <= 0:
        return cert, ""
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
    new = certify(sf, dataclasses.replace(raw, z=sub.z), tol, params.rel_gap)
    if _finite(new.bound) and (not _finite(cert.bound) or sf.sense * new.bound > sf.sense * cert.bound):
        note = f"bound derived from duals computed by {name} (this backend returns none)"
        return dataclasses.replace(new, messages=tuple(m for m in new.messages) + (note,)), note
    return cert, ""


def _finite(v: float | None) -> bool:
    return v is not None and math.isfinite(v)


def confirm(be, sf: StandardForm, params: SolveParams, raw: RawResult, tol: Tolerances | None,
            t_start: float) -> tuple[bool, Certificate | None, str]:
    """A ray-less INFEASIBLE / UNBOUNDED claim checked another way.

    Returns (agreed, a verified certificate if a ray was found, a note). For an infeasible MIP
    the LP relaxation is solved on HiGHS: its checked Farkas ray proves the claim. Otherwise the
    first other installed backend of the same kind must reach the same (certified) verdict."""
    from solvers import get_backend

    left = _time_left(params, t_start)
    if left is not None and left <= 0:
        return False, None, "no time left to confirm"
    sub_params = dataclasses.replace(params, time_limit=left, warm_start=None, resume=None)
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
def solve_standard_form(sf: StandardForm, backend: str, params: SolveParams,
                        tolerances: Tolerances | None = None, t_compile: float = 0.0,
                        blocks: list | None = None, variables: dict | None = None) -> Result:
    """Run a backend on a StandardForm, certify (refine, confirm) the answer, build the Result."""
    be, auto = pick_backend(sf, backend)

    t1 = time.perf_counter()
    raw = run_backend(be, sf, params)
    t2 = time.perf_counter()
    cert = certify(sf, raw, tolerances, params.rel_gap)
    t_cert = time.perf_counter() - t2
    raw, cert, t_ref_cert, rounds = refine(be, sf, params, raw, cert, tolerances, t1)
    t_cert += t_ref_cert
    notes: list[str] = []
    if rounds:
        notes.append(f"refined {rounds} time(s) with tighter tolerances")
    t3 = time.perf_counter()
    cert, note = borrow_duals(be, sf, params, raw, cert, tolerances, t1)
    if not note:                          # a second solve counts as solving, the rest as certifying
        t_cert += time.perf_counter() - t3
    status = status_from_checks(raw.status, cert.checks)
    if status is Status.UNVERIFIED and raw.status in (Status.INFEASIBLE, Status.UNBOUNDED):
        agreed, proof, note = confirm(be, sf, params, raw, tolerances, t1)
        if agreed:
            status = raw.status
            if proof is not None:
                cert = proof
            else:
                cert = dataclasses.replace(cert, messages=cert.messages + (
                    "confirmed by a second backend, not by a certificate: " + note,))
        elif note:
            cert = dataclasses.replace(cert, messages=cert.messages + ("not confirmed: " + note,))
    t_total = time.perf_counter() - t1
    t_solve = t_total - t_cert

    limit = raw.limit
    if (limit is None and status_stopped(status) and params.time_limit is not None
            and max(t_solve, raw.solve_time) >= 0.9 * params.time_limit):
        limit = "time_limit"              # the backend did not say why; the clock does
    return build_result(sf, be, auto, raw, cert, status, params, Timings(t_compile, t_solve, t_cert),
                        limit, blocks, variables, notes)


def build_result(sf: StandardForm, be, auto: bool, raw: RawResult, cert: Certificate, status: Status,
                 params: SolveParams, timings: Timings, limit: str | None, blocks: list | None,
                 variables: dict | None, notes: list[str]) -> Result:
    """The user-facing Result: user sense, certified bound, values of the returned point."""
    has_point = raw.x is not None and (status.has_solution or status is Status.UNVERIFIED) \
        and raw.status.has_solution
    objective = sf.sense * (float(sf.c @ raw.x) + sf.offset) if has_point else None
    if status is Status.INFEASIBLE:
        bound = math.inf * sf.sense       # no point exists: any bound holds
    elif cert.bound is not None and status is not Status.UNVERIFIED:
        bound = cert.bound
    else:
        bound = -math.inf * sf.sense
    if math.isnan(bound):
        bound = -math.inf * sf.sense
    gap = relative_gap(objective, bound)

    values: dict = {}
    block_slices: dict = {}
    if blocks is not None:
        start = 0
        for blk in blocks:
            block_slices[blk] = (start, start + blk.size)
            start += blk.size
    if has_point and variables is not None:
        for var in variables.values():
            a, b = block_slices[var.block]
            values[var] = var.evaluate({var.block: np.asarray(raw.x[a:b], dtype=float)})
    duals = dual_values(sf, raw.z) if raw.z is not None and has_point else {}
    reason = ""
    if auto:
        from solvers import LARGE_PSD_ORDER

        big = sf.problem_class == "SDP" and max(sf.cones.psd, default=0) > LARGE_PSD_ORDER
        reason = (f"first installed backend for {sf.problem_class}"
                  + (f" with a PSD cone of order > {LARGE_PSD_ORDER} (first-order SCS preferred)" if big else ""))
    info = BackendInfo(name=be.name, version=raw.version or be.version(), parameters=dict(raw.parameters),
                       auto=auto, reason=reason)
    message = "; ".join(m for m in [raw.message] + notes if m)
    if status is Status.UNVERIFIED:
        why = cert.violated[0] if cert.violated else next(
            (m for m in cert.messages if "ray" in m or "certificate" in m or "point" in m), "")
        message = "; ".join(m for m in (f"the solver said {raw.status.name}, optlib could not confirm it"
                                        + (f": {why}" if why else ""), message) if m)
    solver_bound = None if raw.bound is None or not math.isfinite(raw.bound) else sf.sense * raw.bound
    return Result(status=status, objective=objective, bound=float(bound), gap=gap, values=values, duals=duals,
                  certificate=cert, timings=timings, backend=info, log=raw.log,
                  message=message, problem_class=sf.problem_class,
                  sense="minimize" if sf.sense > 0 else "maximize",
                  x=None if (raw.x is None or not has_point and status is not Status.UNBOUNDED)
                  else np.asarray(raw.x, dtype=float),
                  iterations=raw.iterations, nodes=raw.nodes, limit_reached=limit, _blocks=block_slices,
                  solver_status=raw.status, solver_bound=solver_bound)
