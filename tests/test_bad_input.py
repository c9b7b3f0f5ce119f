"""Every bad input raises a clear ValueError (TypeError where noted) naming the problem."""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

import optlib
from optlib import Model


@pytest.fixture
def m():
    return Model("bad")


@pytest.fixture
def xy(m):
    return m.continuous(3, name="x"), m.continuous(3, name="y")


# ----------------------------------------------------------------------------------------
# NaN and inf
# ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad, word", [(math.nan, "NaN"), (math.inf, "inf"), (-math.inf, "inf")])
def test_nan_inf_constants_in_expressions(m, xy, bad, word):
    x, _ = xy
    arr = np.array([1.0, bad, 0.0])
    for make in (lambda: x + bad, lambda: bad - x, lambda: x + arr, lambda: arr - x, lambda: x * arr,
                 lambda: x * bad, lambda: x / arr, lambda: x <= arr, lambda: x == bad, lambda: arr >= x):
        with pytest.raises(ValueError, match=word):
            make()


@pytest.mark.parametrize("bad, word", [(math.nan, "NaN"), (math.inf, "inf")])
def test_nan_inf_in_matrices(m, xy, bad, word):
    x, _ = xy
    X = m.continuous((3, 3), name="X")
    A = np.ones((2, 3))
    A[1, 2] = bad
    with pytest.raises(ValueError, match=word):
        A @ x
    with pytest.raises(ValueError, match=word):
        x @ A.T
    with pytest.raises(ValueError, match=word):
        X @ A.T
    # sparse matrices (the message names both, the check runs on the stored entries)
    As = sp.csr_matrix(A)
    with pytest.raises(ValueError, match=word):
        As @ x
    with pytest.raises(ValueError, match=word):
        X @ As.T
    with pytest.raises(ValueError, match=word):
        x + sp.csr_matrix(A[1])
    # LMI data
    F = np.eye(2)
    F[0, 0] = bad
    with pytest.raises(ValueError, match=word):
        optlib.lmi(F, [])
    with pytest.raises(ValueError, match=word):
        optlib.lmi(np.eye(2), [(x[0], F)])
    with pytest.raises(ValueError, match=word):
        optlib.lmi(np.eye(2), [(x[0], sp.csr_matrix(F))])


def test_nan_inf_in_objective(m, xy):
    x, _ = xy
    with pytest.raises(ValueError, match="NaN"):
        m.minimize(x.sum() + math.nan)
    with pytest.raises(ValueError, match="inf"):
        m.maximize(np.array([1.0, math.inf, 0.0]) @ x)


def test_nan_inf_in_bounds(m):
    with pytest.raises(ValueError, match="NaN"):
        m.continuous(2, lb=math.nan)
    with pytest.raises(ValueError, match="NaN"):
        m.continuous(2, ub=[1.0, math.nan])
    with pytest.raises(ValueError, match="NaN"):
        m.integer(2, lb=[0, math.nan])
    with pytest.raises(ValueError, match="inf"):
        m.continuous(lb=math.inf)
    with pytest.raises(ValueError, match="inf"):
        m.continuous(ub=-math.inf)
    # infinite bounds on the right side are fine (free variables)
    v = m.continuous(2, lb=-math.inf, ub=math.inf)
    assert np.all(np.isinf(v.block.lb))


# ----------------------------------------------------------------------------------------
# shapes
# ----------------------------------------------------------------------------------------
def test_shape_mismatch_in_add(m, xy):
    x, _ = xy
    X = m.continuous((2, 3), name="X")
    z = m.continuous(4, name="z")
    for make in (lambda: x + np.ones(4), lambda: x + z, lambda: z - x, lambda: X + X.T,
                 lambda: np.ones((3, 2)) + X, lambda: x <= np.ones(2), lambda: X == z,
                 lambda: x * np.ones(2)):
        with pytest.raises(ValueError, match="shape mismatch"):
            make()


def test_shape_mismatch_in_matmul(m, xy):
    x, _ = xy
    X = m.continuous((2, 3), name="X")
    for make in (lambda: np.ones((2, 2)) @ x, lambda: x @ np.ones((2, 3)), lambda: X @ np.ones((2, 3)),
                 lambda: np.ones((3, 3)) @ X, lambda: sp.csr_matrix(np.ones((2, 2))) @ x,
                 lambda: X @ sp.csr_matrix(np.ones((2, 2)))):
        with pytest.raises(ValueError, match="shape mismatch"):
            make()


def test_sum_axis_out_of_range(m):
    X = m.continuous((2, 3), name="X")
    with pytest.raises(ValueError, match="out of range"):
        X.sum(axis=2)
    with pytest.raises(ValueError, match="out of range"):
        X.sum(axis=-3)


def test_bad_variable_shapes(m):
    with pytest.raises(ValueError, match="at most 2 dimensions"):
        m.continuous((2, 2, 2))
    with pytest.raises(ValueError, match="non-negative"):
        m.continuous(-1)
    with pytest.raises(ValueError, match="positive integer"):
        m.symmetric(0)
    with pytest.raises(ValueError, match="does not broadcast"):
        m.continuous(3, lb=[0, 1])


# ----------------------------------------------------------------------------------------
# PSD arguments
# ----------------------------------------------------------------------------------------
def test_psd_not_square(m):
    X = m.continuous((2, 3), name="X")
    x = m.continuous(3, name="x")
    with pytest.raises(ValueError, match="square"):
        X >> 0
    with pytest.raises(ValueError, match="square"):
        x >> 0
    with pytest.raises(ValueError, match="square"):
        optlib.PSDConstraint(np.ones((2, 3)))


def test_psd_not_symmetric(m):
    V = m.continuous((2, 2), name="V")       # a general (non-symmetric) matrix variable
    with pytest.raises(ValueError, match="not symmetric") as err:
        V >> 0
    assert "'V'" in str(err.value)
    with pytest.raises(ValueError, match="not symmetric"):
        np.array([[1.0, 2.0], [0.0, 1.0]]) << m.symmetric(2) * 0
    S = m.symmetric(2, name="S")
    with pytest.raises(ValueError, match="not symmetric"):
        S >> np.array([[1.0, 2.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="not symmetric"):
        S @ np.array([[1.0, 2.0], [0.0, 1.0]]) >> 0
    with pytest.raises(ValueError, match="not symmetric"):
        optlib.lmi(np.eye(2), [(V[0, 0], np.array([[0.0, 1.0], [0.0, 0.0]]))]) >> 0
    # symmetric arguments are accepted
    S >> np.array([[1.0, 2.0], [2.0, 1.0]])
    (V + V.T) >> 0


# ----------------------------------------------------------------------------------------
# backends and solve arguments
# ----------------------------------------------------------------------------------------
def _tiny_lp():
    m = Model("tiny")
    x = m.continuous(2, lb=0, ub=1, name="x")
    m.add(x.sum() >= 1)
    m.minimize(x.sum())
    return m


def test_unknown_backend():
    with pytest.raises(ValueError, match="unknown backend") as err:
        _tiny_lp().solve(backend="nope")
    assert "'nope'" in str(err.value)
    with pytest.raises(ValueError, match="backend"):
        _tiny_lp().solve(backend=3)


@pytest.mark.parametrize("kwargs, word", [
    ({"time_limit": -1}, "time_limit"), ({"time_limit": 0}, "time_limit"), ({"time_limit": "10"}, "time_limit"),
    ({"time_limit": True}, "time_limit"), ({"rel_gap": 2}, "rel_gap"), ({"rel_gap": -0.1}, "rel_gap"),
    ({"threads": 0}, "threads"), ({"threads": 1.5}, "threads"), ({"threads": -2}, "threads"),
])
def test_bad_solve_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        _tiny_lp().solve(backend="auto", **kwargs)


def test_sdp_to_highs_is_rejected():
    pytest.importorskip("solvers.highs_backend")
    m = Model("sdp")
    S = m.symmetric(2, psd=True, name="S")
    m.add(optlib.trace(S) == 1)
    m.minimize(S[0, 1])
    with pytest.raises(ValueError, match="highs") as err:
        m.solve(backend="highs")
    assert "PSD" in str(err.value) or "semidefinite" in str(err.value)


def test_continuous_model_to_cpsat_is_rejected():
    pytest.importorskip("solvers.cpsat_backend")
    with pytest.raises(ValueError, match="cpsat") as err:
        _tiny_lp().solve(backend="cpsat")
    assert "integer" in str(err.value) or "continuous" in str(err.value)


# ----------------------------------------------------------------------------------------
# variables, names, objective
# ----------------------------------------------------------------------------------------
def test_integer_with_fractional_bounds(m):
    with pytest.raises(ValueError, match="fractional"):
        m.integer(lb=0.5)
    with pytest.raises(ValueError, match="fractional"):
        m.integer(2, lb=0, ub=[1, 2.5])
    v = m.integer(2, lb=-1.0, ub=np.array([3.0, math.inf]))   # integral floats and inf are fine
    np.testing.assert_array_equal(v.block.ub, [3.0, math.inf])


def test_lb_greater_than_ub(m):
    with pytest.raises(ValueError, match="lb > ub"):
        m.continuous(lb=2, ub=1)
    with pytest.raises(ValueError, match="lb > ub"):
        m.integer(3, lb=[0, 5, 0], ub=4)


def test_duplicate_names(m, xy):
    x, _ = xy
    with pytest.raises(ValueError, match="already exists"):
        m.continuous(name="x")
    with pytest.raises(ValueError, match="already exists"):
        m.symmetric(2, name="y")
    m.add(x <= 1, name="cap")
    with pytest.raises(ValueError, match="already exists") as err:
        m.add(x >= 0, name="cap")
    assert "'cap'" in str(err.value)
    c = m.add(x >= -1, name="floor")
    with pytest.raises(ValueError, match="already added"):
        m.add(c, name="floor2")
    with pytest.raises(ValueError, match="non-empty string"):
        m.continuous(name="")


def test_objective_not_scalar(m, xy):
    x, _ = xy
    with pytest.raises(ValueError, match="scalar"):
        m.minimize(x)
    with pytest.raises(ValueError, match="scalar"):
        m.maximize(2 * x + 1)
    with pytest.raises(ValueError, match="not convex"):
        m.maximize(optlib.norm2(x))


def test_product_of_variables_not_affine(m, xy):
    x, y = xy
    t = m.continuous(name="t")
    for make in (lambda: x * y, lambda: x @ y, lambda: t * x, lambda: x / y, lambda: (x + 1) * (y - 1)):
        with pytest.raises(ValueError, match="not affine"):
            make()


def test_norm_misuse(m, xy):
    x, _ = xy
    t = m.continuous(name="t")
    with pytest.raises(ValueError, match="not convex"):
        optlib.norm2(x) >= t
    with pytest.raises(ValueError, match="not convex"):
        t <= optlib.norm2(x)
    with pytest.raises(ValueError, match="not convex"):
        optlib.norm2(x) == t
    with pytest.raises(ValueError, match="not convex"):
        t == optlib.norm2(x)
    # norm2 is an expression like any other atom (optlib.atoms): ||x|| <= x_i for every i and
    # x + ||x|| are convex, and a convex term on the larger side is refused
    con = optlib.norm2(x) <= x
    assert con.shape == (3,)
    assert optlib.curvature(x + optlib.norm2(x)) == "convex"
    with pytest.raises(ValueError, match="not convex"):
        x <= optlib.norm2(x)
    with pytest.raises(ValueError, match="not convex"):
        m.maximize(2 * optlib.norm2(x))


def test_bool_to_add_is_type_error(m, xy):
    x, _ = xy
    with pytest.raises(TypeError, match="bool"):
        m.add(True)
    with pytest.raises(TypeError, match="bool"):
        m.add(np.bool_(False))
    with pytest.raises(TypeError, match="bool"):
        m.add(1 <= 2)
    with pytest.raises(TypeError, match="constraint"):
        m.add(x)


def test_chained_comparison_truthiness(m, xy):
    x, _ = xy
    with pytest.raises(TypeError, match="chained"):
        m.add(0 <= x <= 1)
    with pytest.raises(TypeError, match="truth value"):
        if x <= 1:
            pass
    with pytest.raises(TypeError, match="truth value"):
        bool(x)
    with pytest.raises(TypeError, match="truth value"):
        bool(optlib.norm2(x))


def test_variables_from_two_models(m, xy):
    x, _ = xy
    other = Model("other")
    z = other.continuous(3, name="z")
    with pytest.raises(ValueError, match="two different models"):
        x + z
    with pytest.raises(ValueError, match="two different models"):
        optlib.hstack([x, z])
    with pytest.raises(ValueError, match="two different models"):
        optlib.norm2(x) <= z[0]
    with pytest.raises(ValueError, match="another model"):
        m.add(z <= 1)
    with pytest.raises(ValueError, match="another model"):
        m.minimize(z.sum())


def test_non_numeric_constants(m, xy):
    x, _ = xy
    with pytest.raises(ValueError, match="numeric"):
        x + "a"
    with pytest.raises(TypeError):
        x + [x[0], 1, 2]
    with pytest.raises(ValueError, match="division by zero"):
        x / np.array([1.0, 0.0, 2.0])
