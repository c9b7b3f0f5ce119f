"""Exact reformulations shared by backends.

`implied_integers`: a continuous column j can be declared integer without changing the
optimal value when its bounds are integral (or infinite) and every row it appears in,
divided by its coefficient a_ij, has integer coefficients on integer columns only and an
integer right-hand side. Then, for any integer values of the other columns, each row
bounds x_j by an integer, the feasible x_j form an interval with integer ends, and a
linear objective attains its minimum over that interval at an integer point (the "dual"
implied-integer detection of MIP presolvers, e.g. Achterberg et al., "Presolve reductions
in mixed integer programming", INFORMS J. Computing 2020). SLIM's |lambda_j| columns are
of this kind.
"""
from __future__ import annotations

import numpy as np

from optlib.standard_form import StandardForm

_TOL = 1e-9


def _integral(v: np.ndarray) -> np.ndarray:
    return np.abs(v - np.round(v)) <= _TOL * np.maximum(1.0, np.abs(v))


def implied_integers(sf: StandardForm) -> np.ndarray:
    """Mask of continuous columns that may be made integer (see the module docstring)."""
    mask = np.zeros(sf.n, dtype=bool)
    if sf.has_soc or sf.has_psd or not sf.has_integers:
        return mask
    A = sf.A.tocsc()
    R = sf.A.tocsr()
    for j in np.flatnonzero(~sf.integer):
        ends = np.array([sf.lb[j], sf.ub[j]])
        if not np.all(_integral(ends[np.isfinite(ends)])):
            continue
        ok = True
        for r, a in zip(A.indices[A.indptr[j]:A.indptr[j + 1]], A.data[A.indptr[j]:A.indptr[j + 1]]):
            cols = R.indices[R.indptr[r]:R.indptr[r + 1]]
            vals = R.data[R.indptr[r]:R.indptr[r + 1]] / a
            others = cols != j
            if (not np.all(sf.integer[cols[others]]) or not np.all(_integral(vals[others]))
                    or not _integral(np.array([sf.b[r] / a]))[0]):
                ok = False
                break
        mask[j] = ok
    return mask


def promote_implied_integers(sf: StandardForm) -> StandardForm:
    """`sf` with its implied-integer continuous columns marked integer (same optimum)."""
    extra = implied_integers(sf)
    return sf.replace(integer=sf.integer | extra) if extra.any() else sf
