"""A StandardForm from plain lists for backend tests (dense data in, sparse form out)."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from optlib.standard_form import StandardForm


def make(c, A, b, cones, lb=None, ub=None, integer=None, P=None, **kw) -> StandardForm:
    """min 1/2 x'Px + c'x s.t. b - A x in `cones`, lb <= x <= ub (None: free / continuous / no P)."""
    c = np.asarray(c, dtype=float)
    n = c.size
    return StandardForm(
        c=c, A=sp.csc_matrix(np.asarray(A, dtype=float).reshape(len(b), n)),
        b=np.asarray(b, dtype=float), cones=cones,
        lb=np.full(n, -np.inf) if lb is None else np.asarray(lb, dtype=float),
        ub=np.full(n, np.inf) if ub is None else np.asarray(ub, dtype=float),
        integer=np.zeros(n, bool) if integer is None else np.asarray(integer, bool),
        P=None if P is None else sp.csc_matrix(np.asarray(P, dtype=float)), **kw)
