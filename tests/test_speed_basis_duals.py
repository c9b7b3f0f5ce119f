"""LP duals recomputed from the solver's simplex basis (optlib.dual_bound.basis_duals).

A solver's duals hold only to its tolerances: a basic column with only a lower bound whose
reduced cost comes out at -1e-9 voids the bound (netlib greenbea ended FEASIBLE with bound
-inf that way). The basis solved again closes it; the bound is still derived and checked in
full, so a wrong or singular basis costs only the bound.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import optlib
from optlib.dual_bound import basis_duals, dual_bound, open_columns, reduced_costs
from optlib.standard_form import SolveParams

highspy = pytest.importorskip("highspy")


def _lp():
    """min x0 + 2 x1  s.t.  x0 + x1 >= 1,  x0 - x1 == 0,  x >= 0 (no upper bounds, and the
    rows imply none): optimum 1.5 at x = (0.5, 0.5), both columns basic."""
    m = optlib.Model()
    x = m.continuous(2, lb=0, name="x")
    m.add(x[0] + x[1] >= 1, name="cover")
    m.add(x[0] - x[1] == 0, name="same")
    m.minimize(x[0] + 2 * x[1])
    return m.compile()


def _solve(sf):
    from solvers.highs_backend import HighsBackend

    return HighsBackend().solve(sf, SolveParams())


def _noisy(sf, z, column=0, size=-1e-9):
    """z moved so that the reduced cost of `column` is `size` and the other column's stays."""
    A = sf.A.toarray()
    target = np.zeros(sf.n)
    target[column] = size
    dz = np.linalg.lstsq(A.T, target, rcond=None)[0]
    return z + dz


def test_highs_returns_its_basis_as_masks_in_the_forms_order():
    sf = _lp()
    raw = _solve(sf)
    cols, rows = raw.basis
    assert cols.dtype == bool and rows.dtype == bool
    assert cols.shape == (sf.n,) and rows.shape == (sf.m,)
    assert cols.sum() + rows.sum() == sf.m          # m basic variables
    assert cols.all()                              # both columns are strictly positive


def test_a_tiny_wrong_sign_reduced_cost_is_closed_by_the_basis():
    sf = _lp()
    raw = _solve(sf)
    z = _noisy(sf, raw.z)
    r, e = reduced_costs(sf, z)
    assert open_columns(sf, r, e).any()            # the noise opens the unbounded side
    without = dual_bound(sf, z, repair=False)      # (the least-squares repair is the other way)
    assert without.value == -math.inf and without.open_columns == 1
    with_basis = dual_bound(sf, z, repair=False, basis=raw.basis)
    assert with_basis.open_columns == 0
    assert with_basis.value <= 1.5                 # a bound, never above the optimum
    assert with_basis.value == pytest.approx(1.5, abs=1e-12)
    assert "basis" in with_basis.message
    zb = basis_duals(sf, z, raw.basis)
    rb, eb = reduced_costs(sf, zb)
    assert np.all(np.abs(rb) <= eb)                # zero on the basic columns to rounding


def test_a_basis_that_does_not_fit_is_ignored():
    sf = _lp()
    raw = _solve(sf)
    z = _noisy(sf, raw.z)
    cols, rows = raw.basis
    for bad in [(cols[:1], rows), (cols.astype(int), rows), (cols, ~rows), (np.zeros_like(cols), rows), None]:
        if bad is not None:
            assert basis_duals(sf, z, bad) is None
        db = dual_bound(sf, z, repair=False, basis=bad)
        assert db.value == -math.inf               # nothing else can close it: no bound, no error


def test_a_wrong_basis_never_gives_a_bound_above_the_optimum():
    """Every basis of the 2 x 2 system: the duals it gives are checked like any others."""
    sf = _lp()
    raw = _solve(sf)
    z = _noisy(sf, raw.z)
    for c0 in (False, True):
        for c1 in (False, True):
            for r0 in (False, True):
                for r1 in (False, True):
                    cols, rows = np.array([c0, c1]), np.array([r0, r1])
                    if cols.sum() + rows.sum() != sf.m:
                        continue
                    db = dual_bound(sf, z, repair=False, basis=(cols, rows))
                    assert db.value <= 1.5 + 1e-12


def test_the_solve_reports_optimal_through_the_basis(monkeypatch):
    """End to end: HiGHS's duals made noisy as a solver's may be, the certificate still closes."""
    from solvers import highs_backend

    sf = _lp()
    real = highs_backend.HighsBackend.solve

    def noisy_solve(self, form, params):
        raw = real(self, form, params)
        raw.z = _noisy(form, raw.z)
        return raw

    monkeypatch.setattr(highs_backend.HighsBackend, "solve", noisy_solve)
    from optlib.certify import certify

    raw = highs_backend.HighsBackend().solve(sf, SolveParams())
    cert = certify(sf, raw)
    assert cert.checks.get("gap") and cert.verified
    assert cert.bound == pytest.approx(1.5, abs=1e-12) and cert.bound <= 1.5
    assert any("basis" in m for m in cert.messages)
    raw.basis = None                               # without it the least-squares repair is needed
    assert not any("basis" in m for m in certify(sf, raw).messages)


def test_the_basis_polishes_the_solvers_duals_and_never_replaces_wrong_ones():
    """Duals off by far more than noise (scaled by 1.5, as a lying solver's) with the honest
    basis: the basis's duals would be right, but they are not the solver's, so they are not
    used (optlib.testing.lying expects such duals to cost the bound)."""
    sf = _lp()
    raw = _solve(sf)
    z = _noisy(sf, 1.5 * raw.z)
    db = dual_bound(sf, z, repair=False, basis=raw.basis)
    assert "basis" not in db.message
    assert db.value < 1.5 - 1e-3 or db.value == -math.inf
