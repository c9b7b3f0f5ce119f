"""Public instances with asserted optima (optlib.datasets.highs_check: netlib / MIPLIB files from
the HiGHS repository) on every installed backend that takes them: no verified bound on the wrong
side of the optimum, no verified point that breaks a row by more than 1e-6 of that row's own
scale, no OPTIMAL without verified, no infeasible instance reported OPTIMAL or FEASIBLE, and
the file with a NaN refused."""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

import optlib
from optlib import Status
from optlib.datasets import highs_check

INSTANCES = highs_check()
LP_BACKENDS = ("highs", "glop", "clarabel", "scs", "pdlp", "scip")
MIP_BACKENDS = ("highs", "scip", "cpsat")
TIME_LIMIT = 5.0


def digits_tolerance(v: float) -> float:
    """Half a unit in the last digit the optimum is asserted to (known.csv keeps those digits)."""
    text = repr(float(v)).lstrip("-")
    mant = text.replace(".", "").lstrip("0").rstrip("0") or "0"
    exp = math.floor(math.log10(abs(v))) if v else 0
    return 0.5 * 10.0 ** (exp - len(mant) + 1)


def file_violation(path, x: np.ndarray) -> float:
    """Worst row / column violation of x on each item's own scale, from the file as HiGHS reads it."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(str(path))
    lp = h.getLp()
    a = lp.a_matrix_
    parts = (a.value_, a.index_, a.start_)
    shape = (lp.num_row_, lp.num_col_)
    A = sp.csc_matrix(parts, shape=shape) if a.format_ == highspy.MatrixFormat.kColwise else sp.csr_matrix(parts, shape=shape)
    ax, mag = A @ x, abs(A) @ np.abs(x)
    lo, hi = np.asarray(lp.row_lower_), np.asarray(lp.row_upper_)
    fin = lambda v: np.where(np.isfinite(v), np.abs(v), 0.0)
    rows = np.maximum(np.maximum(lo - ax, ax - hi), 0) / (1 + np.maximum(fin(lo), fin(hi)) + mag)
    cl, cu = np.asarray(lp.col_lower_), np.asarray(lp.col_upper_)
    cols = np.maximum(np.maximum(cl - x, x - cu), 0) / (1 + np.maximum(fin(cl), fin(cu)))
    return float(max(rows.max(initial=0.0), cols.max(initial=0.0)))


def cases():
    out = []
    for inst in INSTANCES:
        if inst.expected.startswith("invalid"):
            continue
        for be in (MIP_BACKENDS if inst.problem_class == "MIP" else LP_BACKENDS):
            out.append(pytest.param(inst, be, id=f"{inst.name}-{be}"))
    return out


@pytest.mark.parametrize("inst,backend", cases())
def test_verdict_holds(inst, backend):
    model = optlib.read(inst.path)
    try:
        res = model.solve(backend=backend, time_limit=TIME_LIMIT, threads=1)
    except ValueError as exc:               # a backend that cannot take the class says so
        assert backend in str(exc)
        pytest.skip(str(exc))
    cert = res.certificate
    assert res.status is not Status.OPTIMAL or cert.verified, res.message
    if inst.expected == "infeasible":
        assert res.status not in (Status.OPTIMAL, Status.FEASIBLE, Status.UNBOUNDED), res.status
        return
    opt = inst.optimum
    tol = 1e-9 * (1 + abs(opt)) + digits_tolerance(opt)
    if cert.verified and math.isfinite(res.bound):
        if inst.sense == "maximize":
            assert res.bound >= opt - tol, (res.bound, opt)
        else:
            assert res.bound <= opt + tol, (res.bound, opt)
    if res.status in (Status.OPTIMAL, Status.FEASIBLE):
        assert cert.verified
        assert file_violation(inst.path, res.x) <= 1e-6
    if res.status is Status.OPTIMAL:
        assert abs(res.objective - opt) <= 1e-6 * (1 + abs(opt)) + digits_tolerance(opt)


def test_a_file_with_nan_is_refused():
    (nan,) = [inst for inst in INSTANCES if inst.expected.startswith("invalid")]
    with pytest.raises(ValueError, match="NaN|nan"):
        optlib.read(nan.path)
