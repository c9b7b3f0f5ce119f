"""Implied-integer detection (solvers.presolve) and CP-SAT on mixed models it makes integer."""
import numpy as np
import pytest

import optlib
import solvers
from solvers.presolve import implied_integers, promote_implied_integers


def abs_model(coef_scale: float = 1.0, seed: int = 0) -> tuple[optlib.Model, optlib.Variable]:
    """min sum |l_j| * 0.1 - w'l with l integer in [-4, 4]; beta_j >= +-l_j (continuous)."""
    rng = np.random.default_rng(seed)
    m = optlib.Model("abs")
    lam = m.integer(5, lb=-4, ub=4, name="lam")
    beta = m.continuous(5, lb=0, ub=4, name="beta")
    m.add(coef_scale * beta >= lam, name="pos")
    m.add(coef_scale * beta >= -lam, name="neg")
    m.add(lam.sum() <= 3, name="budget")
    w = rng.uniform(-1, 1, 5)
    m.minimize(0.75 * beta.sum() - w @ lam)
    return m, beta


def test_abs_columns_are_implied_integer():
    m, beta = abs_model()
    sf = m.compile()
    mask = implied_integers(sf)
    assert mask.sum() == 5
    assert all(sf.var_names[j].startswith("beta") for j in np.flatnonzero(mask))
    assert promote_implied_integers(sf).integer.all()


def test_fractional_coefficient_is_not_implied_integer():
    m, _ = abs_model(coef_scale=2.0)      # 2 beta >= lam allows beta = 1/2
    assert not implied_integers(m.compile()).any()
    with pytest.raises(ValueError, match="cpsat"):
        m.solve(backend="cpsat")


def test_fractional_bound_is_not_implied_integer():
    m = optlib.Model()
    x = m.integer(2, lb=0, ub=3)
    y = m.continuous(lb=0, ub=2.5)
    m.add(y >= x[0] - x[1])
    m.minimize(y - x.sum())
    assert not implied_integers(m.compile()).any()


def test_continuous_only_rows_are_not_implied_integer():
    m = optlib.Model()
    x = m.integer(lb=0, ub=3)
    y = m.continuous(2, lb=0, ub=3)
    m.add(y[0] + y[1] >= x)
    m.minimize(y.sum())
    assert not implied_integers(m.compile()).any()


@pytest.mark.parametrize("seed", range(5))
def test_cpsat_matches_highs_on_implied_integer_models(seed):
    m, beta = abs_model(seed=seed)
    a = m.solve(backend="cpsat")
    b = m.solve(backend="highs")
    assert a.status is optlib.Status.OPTIMAL and b.status is optlib.Status.OPTIMAL
    assert a.objective == pytest.approx(b.objective, abs=1e-9)
    assert a.certificate.verified
