"""Conic solver data shared by the Clarabel, SCS and CVXPY adapters.

The finite variable bounds of a StandardForm become extra nonneg rows placed after its
own nonneg rows, so the cone order (zero, nonneg, soc, psd, exp) is kept and the
exponential cone blocks stay last:

    [A; E_u; -E_l] x + s = [b; ub_F; -lb_F],   s in K'   (F: the finite bounds)

and the duals of the extra rows are dropped again (`ConicData.own`): the box term of the
weak-duality bound, min_{lb<=x<=ub} r'x over the reduced costs r = c + P x + A'z, accounts
for them.
The objective 1/2 x'P x + c'x keeps the form's P (symmetric, full storage; None: linear);
the adapters hand the solvers its upper triangle (`upper_triangle`).

The module also holds the numerical checks the adapters use to classify a solve that
stopped early or inaccurately: approximate primal feasibility (A x + s = b, s in K, to a
relative tolerance) and the validity of infeasibility / unboundedness rays (the dual cone
K* is K except on exponential blocks, whose dual is checked with `exp_dual_violation`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from optlib.certify import row_violations
from optlib.cones import exp_dual_violation
from optlib.standard_form import ConeDims, RawResult, SolveParams, StandardForm
from optlib.status import Status

#: Relative tolerance of `ConicData.is_approx_feasible` and of the ray checks.
FEAS_TOL = 1e-5


def cone_violation(v: np.ndarray, cones: ConeDims) -> float:
    """How far v is from K, in the max norm (per block as `optlib.certify.row_violations`)."""
    return float(row_violations(cones, v).max(initial=0.0))


def dual_cone_violation(v: np.ndarray, cones: ConeDims) -> float:
    """How far v is from K*, in the max norm: the zero, nonneg, soc and psd blocks are
    self-dual (their part is checked as in K, the zero rows being free in K* = R^z x ...),
    the exponential blocks against K_exp* (`optlib.cones.exp_dual_violation`)."""
    v = np.asarray(v, dtype=float)
    head = cones.rows - 3 * cones.exp
    self_dual = ConeDims(zero=0, nonneg=cones.nonneg, soc=tuple(cones.soc), psd=tuple(cones.psd))
    worst = float(row_violations(self_dual, v[cones.zero:head]).max(initial=0.0))
    if cones.exp:
        e = v[head:].reshape(-1, 3)
        worst = max(worst, float(exp_dual_violation(e[:, 0], e[:, 1], e[:, 2]).max(initial=0.0)))
    return worst


def upper_triangle(P: sp.spmatrix | None, n: int) -> sp.csc_matrix:
    """The upper triangle of the symmetric n x n matrix P in CSC with sorted indices (what
    Clarabel and SCS take for 1/2 x'P x); the zero matrix when P is None."""
    if P is None:
        return sp.csc_matrix((n, n))
    U = sp.triu(sp.csc_matrix(P, dtype=float), format="csc")
    U.eliminate_zeros()
    U.sort_indices()
    return U


@dataclass(frozen=True)
class ConicData:
    """A StandardForm with its finite bounds turned into nonneg rows (see module doc)."""

    c: np.ndarray
    A: sp.csc_matrix
    b: np.ndarray
    cones: ConeDims
    own_rows: np.ndarray   # positions of the StandardForm's rows among the rows of A
    integer: np.ndarray
    P: sp.csc_matrix | None = None   # the objective's 1/2 x'P x (full storage), None: linear

    def objective(self, x: np.ndarray) -> float:
        """1/2 x'P x + c'x at x (no offset)."""
        value = float(self.c @ x)
        if self.P is not None:
            value += 0.5 * float(x @ (self.P @ x))
        return value

    def own(self, y: np.ndarray | None) -> np.ndarray | None:
        """Restrict a row vector (duals, rays) to the StandardForm's own rows."""
        return None if y is None else np.asarray(y, dtype=float)[self.own_rows]

    def is_approx_feasible(self, x: np.ndarray | None, tol: float = FEAS_TOL) -> bool:
        """A x + s = b with s in K (bounds included) and integrality, to `tol` relative to
        1 + max(||b||, ||A x||) (max norms)."""
        if x is None:
            return False
        x = np.asarray(x, dtype=float)
        if x.shape != self.c.shape or not np.all(np.isfinite(x)):
            return False
        ax = self.A @ x
        scale = 1.0 + max(_inf_norm(self.b), _inf_norm(ax))
        if cone_violation(self.b - ax, self.cones) > tol * scale:
            return False
        xi = x[self.integer]
        return bool(np.all(np.abs(xi - np.round(xi)) <= tol * (1.0 + np.abs(xi))))

    def is_infeasibility_ray(self, y: np.ndarray | None, tol: float = FEAS_TOL) -> bool:
        """y proves primal infeasibility: b'y < 0, y in K*, A'y = 0 (after scaling y so
        that b'y = -1, to `tol` relative to max(1, ||y||)). The objective plays no part."""
        if y is None or not np.all(np.isfinite(y)):
            return False
        by = float(self.b @ y)
        if not by < 0:
            return False
        y = np.asarray(y, dtype=float) / -by
        scale = max(1.0, _inf_norm(y))
        return (_inf_norm(self.A.T @ y) <= tol * scale
                and dual_cone_violation(y, self.cones) <= tol * scale)

    def is_unbounded_ray(self, d: np.ndarray | None, tol: float = FEAS_TOL) -> bool:
        """d proves unboundedness (given a feasible point): c'd < 0, A d in -K and, with a
        quadratic objective, P d = 0 (else 1/2 (x + t d)'P (x + t d) grows as t^2 along d),
        after scaling d so that c'd = -1, to `tol` relative to max(1, ||A d||) (P d:
        relative to max(1, ||P||_max ||d||))."""
        if d is None or not np.all(np.isfinite(d)):
            return False
        cd = float(self.c @ d)
        if not cd < 0:
            return False
        d = np.asarray(d, dtype=float) / -cd
        ad = self.A @ d
        if self.P is not None and self.P.nnz:
            p_scale = max(1.0, float(np.max(np.abs(self.P.data))) * _inf_norm(d))
            if _inf_norm(self.P @ d) > tol * p_scale:
                return False
        return cone_violation(-ad, self.cones) <= tol * max(1.0, _inf_norm(ad))

    def fill_point(self, res: RawResult, x: np.ndarray | None, z: np.ndarray | None,
                   offset: float) -> None:
        """Set res.x, res.z (duals of the StandardForm's rows) and res.objective =
        1/2 x'P x + c'x + offset when res.status has a solution."""
        if res.status.has_solution:
            res.x = np.asarray(x, dtype=float)
            res.z = z
            res.objective = self.objective(res.x) + offset

    def stopped_status(self, x: np.ndarray | None, why: str) -> tuple[Status, str]:
        """Status of a solve that stopped before proving anything (limit, low accuracy):
        FEASIBLE when x is approximately feasible, else NO_SOLUTION."""
        if self.is_approx_feasible(x):
            return Status.FEASIBLE, f"{why}; the returned point is feasible to {FEAS_TOL:g}"
        return Status.NO_SOLUTION, f"{why}; no feasible point (to {FEAS_TOL:g}) was found"


def conic_data(sf: StandardForm) -> ConicData:
    """Build the conic data of `sf` (bounds as extra nonneg rows after its own ones; its
    exponential blocks stay last, its P is kept when it has a nonzero)."""
    n = sf.n
    ub_idx = np.flatnonzero(np.isfinite(sf.ub))
    lb_idx = np.flatnonzero(np.isfinite(sf.lb))
    nb = ub_idx.size + lb_idx.size
    head = sf.cones.zero + sf.cones.nonneg   # rows before the new ones
    A = sp.csc_matrix(sf.A, dtype=float)
    E = sp.csr_matrix(
        (np.concatenate((np.ones(ub_idx.size), -np.ones(lb_idx.size))),
         (np.arange(nb), np.concatenate((ub_idx, lb_idx)))),
        shape=(nb, n),
    )
    b = np.asarray(sf.b, dtype=float)
    A_ext = sp.vstack([A[:head], E, A[head:]], format="csc")
    b_ext = np.concatenate((b[:head], sf.ub[ub_idx], -sf.lb[lb_idx], b[head:]))
    own_rows = np.concatenate((np.arange(head), head + nb + np.arange(sf.m - head)))
    cones = ConeDims(zero=sf.cones.zero, nonneg=sf.cones.nonneg + nb,
                     soc=tuple(sf.cones.soc), psd=tuple(sf.cones.psd), exp=sf.cones.exp)
    P = sp.csc_matrix(sf.P, dtype=float) if sf.has_quadratic else None
    return ConicData(c=np.asarray(sf.c, dtype=float), A=A_ext, b=b_ext, cones=cones,
                     own_rows=own_rows.astype(np.int64), integer=np.asarray(sf.integer, dtype=bool),
                     P=P)


def ignored_params(params: SolveParams, supported: tuple[str, ...], why: str) -> dict[str, Any]:
    """{'ignored': {param: reason}} for the generic parameters that are set but that a
    backend does not map (recorded in RawResult.parameters), or {} if none."""
    out = {}
    for name in ("time_limit", "rel_gap", "threads"):
        if getattr(params, name) is not None and name not in supported:
            out[name] = why
    if params.warm_start is not None and "warm_start" not in supported:
        out["warm_start"] = why
    return {"ignored": out} if out else {}


def _inf_norm(v: np.ndarray) -> float:
    return float(np.max(np.abs(v), initial=0.0))
