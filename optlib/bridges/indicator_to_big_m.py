"""Indicator constraints as big-M rows over the variables' bounds.

For  delta = 1 => a'x <= b  (delta = z, or 1 - z when the rows are enforced at z = 0) the row

    a'x <= b + M (1 - delta),    M = U - b,   U = sum_{a_j > 0} a_j ub_j + sum_{a_j < 0} a_j lb_j

is the same constraint on 0/1 delta: at delta = 1 it is a'x <= b, at delta = 0 it holds for
every x in the box (U is the largest value a'x takes there). Where a variable has no bound of
its own, the bound its rows imply (optlib.implied_bounds, valid at every feasible point) is
used; with neither, a ValueError names the variable. A row with U <= b always holds
and is dropped. An equality is the two inequalities a'x <= b and -a'x <= -b.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..logic import Indicator
from .builder import BridgeBuilder


def _activity_max(builder: BridgeBuilder, A: sp.csr_matrix, rec: Indicator, what: str) -> np.ndarray:
    """max over the box of each row of A x; ValueError naming a variable whose bound is missing."""
    lb, ub = builder.sf.lb, builder.sf.ub
    rows = np.repeat(np.arange(A.shape[0]), np.diff(A.indptr))
    pos = A.data > 0
    ends = np.where(pos, ub[A.indices], lb[A.indices])
    bad = ~np.isfinite(ends)
    if np.any(bad):                 # a bound the rows imply will do (it holds at every feasible x)
        ilb, iub = builder.implied_box()
        ends = np.where(pos, iub[A.indices], ilb[A.indices])
        bad = ~np.isfinite(ends)
    if np.any(bad):
        k = int(np.flatnonzero(bad)[0])
        j = int(A.indices[k])
        side = "upper" if pos[k] else "lower"
        raise ValueError(f"implies(...) on constraint '{rec.name}': variable {builder.column_name(j)} has "
                         f"no {side} bound (nor one its rows imply), needed for the big-M rewrite ({what}); "
                         "give it bounds")
    return np.bincount(rows, weights=A.data * ends, minlength=A.shape[0])


def bridge_indicator(rec: Indicator, builder: BridgeBuilder) -> None:
    """Append the big-M rows of one indicator record (see the module docstring)."""
    A = sp.csr_matrix(rec.A)
    b = np.asarray(rec.b, dtype=float)
    sides = [(A, b, "row <= b")]
    if rec.sense == "==":
        sides.append((sp.csr_matrix(-A), -b, "row >= b"))
    z = rec.z_col
    for S, rhs, what in sides:
        U = _activity_max(builder, S, rec, what)
        for i in range(S.shape[0]):
            M = float(U[i] - rhs[i])
            if M <= 0.0:
                continue                    # a'x <= b holds on the whole box
            cols = S.indices[S.indptr[i]:S.indptr[i + 1]]
            vals = S.data[S.indptr[i]:S.indptr[i + 1]]
            if rec.active_value == 1:       # a'x + M z <= b + M
                builder.le(np.append(cols, z), np.append(vals, M), rhs[i] + M)
            else:                           # delta = 1 - z:  a'x - M z <= b
                builder.le(np.append(cols, z), np.append(vals, -M), rhs[i])
