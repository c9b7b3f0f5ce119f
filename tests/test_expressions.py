"""The expression algebra checked against numpy, without solving anything.

Each test builds expressions over the variables of a Model, evaluates them at random
values of the variables' scalars and compares with the same formula computed in numpy
on matrices built independently from those scalars.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import optlib
from optlib import Model
from optlib.cones import svec_indices, svec_scale
from optlib.constraints import LinearConstraint, PSDConstraint, SOCConstraint

RNG_SEED = 1234


# ----------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------
def random_values(m: Model, seed: int = RNG_SEED) -> dict:
    """Random flat values for every variable block of m."""
    rng = np.random.default_rng(seed)
    return {blk: rng.normal(size=blk.size) for blk in m._blocks}


def np_value(var, vals: dict) -> np.ndarray | float:
    """The numpy value of a variable from the flat values, built without optlib's maps."""
    flat = vals[var.block]
    blk = var.block
    if blk.symmetric:
        n = blk.shape[0]
        r, c = svec_indices(n)
        X = np.zeros((n, n))
        X[r, c] = flat
        X[c, r] = flat
        return X
    if blk.shape == ():
        return float(flat[0])
    return flat.reshape(blk.shape)


def check(expr, expected, vals, tol=1e-10):
    got = expr.evaluate(vals)
    expected = np.asarray(expected, dtype=float)
    assert np.shape(got) == expected.shape, (np.shape(got), expected.shape)
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)


@pytest.fixture
def env():
    """A model with a scalar, vectors, matrices and a symmetric matrix variable."""
    m = Model("expr")
    t = m.continuous(name="t")
    x = m.continuous(3, name="x")
    y = m.continuous(3, name="y")
    X = m.continuous((2, 3), name="X")
    Y = m.continuous((2, 3), name="Y")
    S = m.symmetric(3, name="S")
    vals = random_values(m)
    npv = {v.name: np_value(v, vals) for v in (t, x, y, X, Y, S)}
    return m, vals, npv, dict(t=t, x=x, y=y, X=X, Y=Y, S=S)


# ----------------------------------------------------------------------------------------
# variables themselves
# ----------------------------------------------------------------------------------------
def test_variable_evaluates_to_its_values(env):
    m, vals, npv, v = env
    for name in ("t", "x", "X", "S"):
        check(v[name], npv[name], vals)
    assert v["S"].shape == (3, 3)
    assert v["S"].block.size == 6
    S = v["S"].evaluate(vals)
    np.testing.assert_array_equal(S, S.T)


def test_symmetric_scalar_order_is_lower_triangle_column_major():
    m = Model()
    S = m.symmetric(3, name="S")
    flat = np.arange(1.0, 7.0)
    got = S.evaluate({S.block: flat})
    # column-major lower triangle: (0,0),(1,0),(2,0),(1,1),(2,1),(2,2)
    expected = np.array([[1, 2, 3], [2, 4, 5], [3, 5, 6]], dtype=float)
    np.testing.assert_array_equal(got, expected)
    assert S.block.scalar_names() == ["S[0,0]", "S[1,0]", "S[2,0]", "S[1,1]", "S[2,1]", "S[2,2]"]


# ----------------------------------------------------------------------------------------
# + - * / with scalars and arrays
# ----------------------------------------------------------------------------------------
def test_scalar_arithmetic(env):
    m, vals, npv, v = env
    x, X, t = v["x"], v["X"], v["t"]
    xv, Xv, tv = npv["x"], npv["X"], npv["t"]
    check(x + 2, xv + 2, vals)
    check(2 + x, 2 + xv, vals)
    check(x - 2.5, xv - 2.5, vals)
    check(2.5 - x, 2.5 - xv, vals)
    check(-x, -xv, vals)
    check(+X, Xv, vals)
    check(3 * X, 3 * Xv, vals)
    check(X * -0.5, -0.5 * Xv, vals)
    check(X / 4, Xv / 4, vals)
    check(t * 3 + 1, tv * 3 + 1, vals)
    check(np.float64(2.0) * x, 2.0 * xv, vals)
    check(np.int64(3) + x, 3 + xv, vals)
    check(x + x, 2 * xv, vals)
    check(x - x, np.zeros(3), vals)
    check(x + v["y"] - 2 * x, npv["y"] - xv, vals)


def test_array_arithmetic_and_broadcasting(env):
    m, vals, npv, v = env
    x, X, Y, t, S = v["x"], v["X"], v["Y"], v["t"], v["S"]
    xv, Xv, Yv, tv, Sv = npv["x"], npv["X"], npv["Y"], npv["t"], npv["S"]
    a = np.array([1.0, -2.0, 3.0])
    col = np.array([[2.0], [-1.0]])
    A = np.arange(6.0).reshape(2, 3) - 2
    check(x + a, xv + a, vals)
    check(x - a, xv - a, vals)
    check(x * a, xv * a, vals)
    check(x / a, xv / a, vals)
    check(X + a, Xv + a, vals)             # (2,3) + (3,)
    check(X * col, Xv * col, vals)         # (2,3) * (2,1)
    check(X - col, Xv - col, vals)
    check(X + x, Xv + xv, vals)            # expression broadcast (2,3) + (3,)
    check(x - X, xv - Xv, vals)
    check(t + X, tv + Xv, vals)            # scalar expression broadcast
    check(t * A, tv * A, vals)
    check(X * A + Y / 2, Xv * A + Yv / 2, vals)
    check(X / A.clip(1, None), Xv / A.clip(1, None), vals)
    check(S * np.eye(3), Sv * np.eye(3), vals)
    check(S + 1, Sv + 1, vals)
    # lists work as constants
    check(x + [1, 2, 3], xv + np.array([1, 2, 3]), vals)
    # a constant expression times a variable expression
    c = optlib.Expression({}, np.array([1.0, 2.0, 3.0]), (3,))
    check(c * x, np.array([1.0, 2.0, 3.0]) * xv, vals)
    check(x * c, np.array([1.0, 2.0, 3.0]) * xv, vals)
    check(x / c, xv / np.array([1.0, 2.0, 3.0]), vals)


def test_numpy_on_the_left_defers_to_optlib(env):
    m, vals, npv, v = env
    x, X = v["x"], v["X"]
    xv, Xv = npv["x"], npv["X"]
    a = np.array([1.0, -2.0, 3.0])
    A = np.arange(6.0).reshape(2, 3)
    r = np.ones(3) @ x
    assert isinstance(r, optlib.Expression)
    check(r, xv.sum(), vals)
    check(a + x, a + xv, vals)
    check(a - x, a - xv, vals)
    check(a * x, a * xv, vals)
    check(A + X, A + Xv, vals)
    check(A * X, A * Xv, vals)
    check(A - X, A - Xv, vals)
    check(A @ x, A @ xv, vals)
    check(np.float64(2) * X, 2 * Xv, vals)


def test_sparse_on_the_left_defers_to_optlib(env):
    m, vals, npv, v = env
    x, X = v["x"], v["X"]
    xv, Xv = npv["x"], npv["X"]
    A = np.array([[1.0, 0.0, 2.0], [0.0, -1.0, 0.0]])
    for conv in (sp.csr_matrix, sp.csc_matrix, sp.coo_matrix, sp.csr_array):
        As = conv(A)
        r = As @ x
        assert isinstance(r, optlib.Expression)
        check(r, A @ xv, vals)
        check(As + X, A + Xv, vals)
        check(As - X, A - Xv, vals)
        check(X - As, Xv - A, vals)
        check(conv(A.T) @ X, A.T @ Xv, vals)


# ----------------------------------------------------------------------------------------
# matrix products
# ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["dense", "csr", "csc", "csr_array"])
def test_matmul_with_constants(env, kind):
    m, vals, npv, v = env
    x, X, S = v["x"], v["X"], v["S"]
    xv, Xv, Sv = npv["x"], npv["X"], npv["S"]
    rng = np.random.default_rng(7)
    conv = {"dense": np.asarray, "csr": sp.csr_matrix, "csc": sp.csc_matrix, "csr_array": sp.csr_array}[kind]

    def rnd(*shape):
        M = rng.normal(size=shape)
        M[np.abs(M) < 0.5] = 0.0
        return M

    A = rnd(4, 3)
    check(conv(A) @ x, A @ xv, vals)                  # matrix @ vector -> (4,)
    check(x @ conv(A.T), xv @ A.T, vals)              # vector @ matrix -> (4,)
    L = rnd(4, 2)
    check(conv(L) @ X, L @ Xv, vals)                  # (4,2) @ (2,3)
    R = rnd(3, 5)
    check(X @ conv(R), Xv @ R, vals)                  # (2,3) @ (3,5)
    check(conv(L) @ X @ conv(R), L @ Xv @ R, vals)
    check(conv(L) @ (X @ conv(R)), L @ Xv @ R, vals)
    check(conv(R.T) @ S @ conv(R), R.T @ Sv @ R, vals)
    check(S @ conv(A.T), Sv @ A.T, vals)
    if kind == "dense":
        u = rng.normal(size=3)
        w = rng.normal(size=2)
        check(x @ u, xv @ u, vals)                     # vector @ vector -> scalar
        check(u @ x, u @ xv, vals)
        check(X @ u, Xv @ u, vals)                     # matrix @ vector -> (2,)
        check(w @ X, w @ Xv, vals)                     # vector @ matrix -> (3,)
        check(w @ X @ u, w @ Xv @ u, vals)
    # with a constant part: (X + C) @ R and L @ (X + C)
    C = rnd(2, 3)
    check((X + C) @ conv(R), (Xv + C) @ R, vals)
    check(conv(L) @ (X + C), L @ (Xv + C), vals)


def test_matmul_shapes_are_numpy_like(env):
    m, vals, npv, v = env
    x, X = v["x"], v["X"]
    assert (np.ones(3) @ x).shape == ()
    assert (np.ones((4, 3)) @ x).shape == (4,)
    assert (x @ np.ones((3, 2))).shape == (2,)
    assert (X @ np.ones(3)).shape == (2,)
    assert (np.ones(2) @ X).shape == (3,)
    assert (X @ np.ones((3, 1))).shape == (2, 1)
    assert (np.ones((1, 2)) @ X).shape == (1, 3)


def test_constant_expression_matmul(env):
    m, vals, npv, v = env
    x, X = v["x"], v["X"]
    A = np.arange(12.0).reshape(4, 3)
    cA = optlib.expressions.to_expression(A)
    check(cA @ x, A @ npv["x"], vals)
    cB = optlib.expressions.to_expression(A.T)
    check(X @ cB, npv["X"] @ A.T, vals)


# ----------------------------------------------------------------------------------------
# indexing, transpose, reshape, sums
# ----------------------------------------------------------------------------------------
INDEX_CASES_VEC = [1, -1, slice(1, None), slice(None, None, -1), slice(0, 3, 2), [0, 2], [2, 2, 0],
                   np.array([True, False, True]), np.array([-1, 0]), (slice(None),)]
INDEX_CASES_MAT = [1, -1, (1, 2), (-1, -2), (slice(None), 1), (slice(None), -1), (1, slice(None)),
                   ([0, 1], [2, 0]), (slice(None), [0, 2]), (slice(1, None), slice(None, None, -1)),
                   (np.array([True, False]),), (0, slice(0, 2)), ([1, 0],), (Ellipsis, 0),
                   (np.array([[0, 1], [1, 0]]), np.array([[2, 2], [0, 1]]))]


@pytest.mark.parametrize("key", INDEX_CASES_VEC, ids=[repr(k) for k in INDEX_CASES_VEC])
def test_vector_indexing(env, key):
    m, vals, npv, v = env
    check(v["x"][key], npv["x"][key], vals)
    check((v["x"] * 2 + 1)[key], (npv["x"] * 2 + 1)[key], vals)


@pytest.mark.parametrize("key", INDEX_CASES_MAT, ids=[repr(k) for k in INDEX_CASES_MAT])
def test_matrix_indexing(env, key):
    m, vals, npv, v = env
    check(v["X"][key], npv["X"][key], vals)
    check(v["X"].T[key[::-1] if isinstance(key, tuple) and len(key) == 2 else 0],
          npv["X"].T[key[::-1] if isinstance(key, tuple) and len(key) == 2 else 0], vals)


def test_symmetric_indexing(env):
    m, vals, npv, v = env
    S, Sv = v["S"], npv["S"]
    check(S[0, 2], Sv[0, 2], vals)
    check(S[2, 0], Sv[2, 0], vals)
    check(S[1], Sv[1], vals)
    check(S[:, 1:], Sv[:, 1:], vals)


def test_transpose_reshape_flatten(env):
    m, vals, npv, v = env
    x, X, S = v["x"], v["X"], v["S"]
    xv, Xv, Sv = npv["x"], npv["X"], npv["S"]
    check(X.T, Xv.T, vals)
    check(X.transpose(), Xv.T, vals)
    check(X.T.T, Xv, vals)
    check(x.T, xv, vals)
    check(S.T, Sv, vals)
    check(X.reshape((3, 2)), Xv.reshape(3, 2), vals)
    check(X.reshape(3, 2), Xv.reshape(3, 2), vals)
    check(X.reshape(-1), Xv.reshape(-1), vals)
    check(X.reshape(6, 1), Xv.reshape(6, 1), vals)
    check(X.T.reshape(2, 3), Xv.T.reshape(2, 3), vals)      # row-major of the transpose
    check(x.reshape(1, 3), xv.reshape(1, 3), vals)
    check(X.flatten(), Xv.flatten(), vals)
    check(X.T.flatten(), Xv.T.flatten(), vals)
    check(X.ravel(), Xv.ravel(), vals)
    check(v["t"].reshape(1, 1), np.array([[npv["t"]]]), vals)
    with pytest.raises(ValueError):
        X.reshape(4, 2)


def test_sums(env):
    m, vals, npv, v = env
    x, X, S = v["x"], v["X"], v["S"]
    xv, Xv, Sv = npv["x"], npv["X"], npv["S"]
    check(x.sum(), xv.sum(), vals)
    check(X.sum(), Xv.sum(), vals)
    check(X.sum(axis=0), Xv.sum(axis=0), vals)
    check(X.sum(axis=1), Xv.sum(axis=1), vals)
    check(X.sum(axis=-1), Xv.sum(axis=-1), vals)
    check(X.T.sum(axis=0), Xv.T.sum(axis=0), vals)
    check(x.sum(axis=0), xv.sum(axis=0), vals)
    check(S.sum(axis=1), Sv.sum(axis=1), vals)
    check(optlib.sum(X, axis=0), Xv.sum(axis=0), vals)
    check(optlib.sum(X + 1), (Xv + 1).sum(), vals)
    assert X.sum().shape == ()


def test_len_and_iteration(env):
    m, vals, npv, v = env
    X = v["X"]
    assert len(X) == 2
    rows = list(X)
    assert len(rows) == 2
    check(rows[1], npv["X"][1], vals)
    with pytest.raises(TypeError):
        len(v["t"])


# ----------------------------------------------------------------------------------------
# stacking and atoms
# ----------------------------------------------------------------------------------------
def test_hstack_vstack(env):
    m, vals, npv, v = env
    x, y, X, Y, t = v["x"], v["y"], v["X"], v["Y"], v["t"]
    xv, yv, Xv, Yv, tv = npv["x"], npv["y"], npv["X"], npv["Y"], npv["t"]
    check(optlib.hstack([x, y]), np.hstack([xv, yv]), vals)
    check(optlib.hstack([x, np.ones(2), y]), np.hstack([xv, np.ones(2), yv]), vals)
    check(optlib.vstack([x, y]), np.vstack([xv, yv]), vals)
    check(optlib.vstack([x, np.arange(3.0), 2 * y]), np.vstack([xv, np.arange(3.0), 2 * yv]), vals)
    check(optlib.hstack([X, Y]), np.hstack([Xv, Yv]), vals)
    check(optlib.hstack([X, Y.T.T, np.ones((2, 1))]), np.hstack([Xv, Yv, np.ones((2, 1))]), vals)
    check(optlib.vstack([X, Y, x]), np.vstack([Xv, Yv, xv]), vals)
    check(optlib.vstack([X.T, Y.T]), np.vstack([Xv.T, Yv.T]), vals)
    check(optlib.hstack([x, t.reshape(1)]), np.hstack([xv, [tv]]), vals)
    check(optlib.vstack([X, X]), np.vstack([Xv, Xv]), vals)      # same block twice
    with pytest.raises(ValueError, match="shape mismatch"):
        optlib.hstack([X, x])
    with pytest.raises(ValueError, match="shape mismatch"):
        optlib.vstack([X, X.T])


def test_bmat(env):
    m, vals, npv, v = env
    X, S, x = v["X"], v["S"], v["x"]
    Xv, Sv, xv = npv["X"], npv["S"], npv["x"]
    I2 = np.eye(2)
    M = optlib.bmat([[I2, X], [X.T, S]])
    expected = np.block([[I2, Xv], [Xv.T, Sv]])
    check(M, expected, vals)
    M2 = optlib.bmat([[S, x.reshape(3, 1)], [x.reshape(1, 3), np.array([[2.0]])]])
    expected2 = np.block([[Sv, xv.reshape(3, 1)], [xv.reshape(1, 3), np.array([[2.0]])]])
    check(M2, expected2, vals)
    # the block matrices are symmetric so they can go in a PSD constraint
    PSDConstraint(M)
    PSDConstraint(M2)


def test_trace_and_diag(env):
    m, vals, npv, v = env
    S, x, X = v["S"], v["x"], v["X"]
    Sv, xv, Xv = npv["S"], npv["x"], npv["X"]
    check(optlib.trace(S), np.trace(Sv), vals)
    check(optlib.trace(2 * S + np.eye(3)), np.trace(2 * Sv + np.eye(3)), vals)
    C = np.arange(9.0).reshape(3, 3)
    check(optlib.trace(C @ S), np.trace(C @ Sv), vals)
    check(optlib.trace(X.T @ np.ones((2, 3))), np.trace(Xv.T @ np.ones((2, 3))), vals)
    check(optlib.diag(x), np.diag(xv), vals)
    check(optlib.diag(x + 1), np.diag(xv + 1), vals)
    check(optlib.diag(S), np.diag(Sv), vals)
    check(optlib.diag(optlib.diag(x)), xv, vals)
    check(optlib.diag(X[:, :2]), np.diag(Xv[:, :2]), vals)
    with pytest.raises(ValueError, match="square"):
        optlib.trace(X)
    with pytest.raises(ValueError):
        optlib.diag(X)


def test_lmi_scalar_terms(env):
    m, vals, npv, v = env
    x, t = v["x"], v["t"]
    xv, tv = npv["x"], npv["t"]
    rng = np.random.default_rng(3)

    def sym(n):
        B = rng.normal(size=(n, n))
        return B + B.T

    F0, F1, F2, F3 = (sym(3) for _ in range(4))
    M = optlib.lmi(F0, [(x[0], F1), (x[2], sp.csr_matrix(F2)), (t, F3)])
    check(M, F0 + xv[0] * F1 + xv[2] * F2 + tv * F3, vals)
    assert M.shape == (3, 3)
    # an affine scalar expression as x_i
    M2 = optlib.lmi(F0, [(2 * x[1] + 1, F1)])
    check(M2, F0 + (2 * xv[1] + 1) * F1, vals)
    # no terms: just F0
    check(optlib.lmi(F0, []), F0, vals)


def test_lmi_vector_term(env):
    m, vals, npv, v = env
    x, y = v["x"], v["y"]
    xv, yv = npv["x"], npv["y"]
    rng = np.random.default_rng(4)
    Fs = []
    for _ in range(6):
        B = rng.normal(size=(4, 4))
        B[np.abs(B) < 0.7] = 0
        Fs.append(B + B.T)
    F0 = np.eye(4)
    M = optlib.lmi(sp.csr_matrix(F0), [(x, Fs[:3]), (y, [sp.csr_matrix(F) for F in Fs[3:]])])
    expected = F0 + sum(xv[i] * Fs[i] for i in range(3)) + sum(yv[i] * Fs[3 + i] for i in range(3))
    check(M, expected, vals)
    con = M >> 0
    assert isinstance(con, PSDConstraint)
    with pytest.raises(ValueError, match="size 3 with 2 matrices"):
        optlib.lmi(F0, [(x, Fs[:2])])


# ----------------------------------------------------------------------------------------
# constraints
# ----------------------------------------------------------------------------------------
def test_linear_constraint_construction(env):
    m, vals, npv, v = env
    x, X = v["x"], v["X"]
    xv, Xv = npv["x"], npv["X"]
    a = np.array([1.0, 2.0, 3.0])
    cases = [
        (x <= a, "<=", xv - a),
        (x >= a, "<=", a - xv),
        (x == a, "==", xv - a),
        (a <= x, "<=", a - xv),            # numpy on the left defers to optlib
        (a >= x, "<=", xv - a),
        (a == x, "==", xv - a),            # reflected to x == a
        (1 >= x, "<=", xv - 1),
        (x <= 2 * x + 1, "<=", xv - (2 * xv + 1)),
        (X <= x, "<=", Xv - xv),           # broadcast
        (sp.csr_matrix(np.ones((2, 3))) <= X, "<=", np.ones((2, 3)) - Xv),
    ]
    for con, sense, expected in cases:
        assert isinstance(con, LinearConstraint)
        assert con.sense == sense
        check(con.expr, expected, vals)
        assert con.shape == expected.shape


def test_soc_constraint_construction(env):
    m, vals, npv, v = env
    x, X, t = v["x"], v["X"], v["t"]
    xv, Xv, tv = npv["x"], npv["X"], npv["t"]
    for con in (optlib.norm2(x) <= t, t >= optlib.norm2(x)):
        assert isinstance(con, SOCConstraint)
        check(con.t, tv, vals)
        check(con.x, xv, vals)
    con = optlib.norm(X - 1, "fro") <= 2 * t + 3      # norm2 of a matrix is its spectral norm (CVXPY)
    check(con.t, 2 * tv + 3, vals)
    check(con.x, (Xv - 1).ravel(), vals)
    assert con.shape == (7,)
    con = optlib.norm2(x) <= 5
    check(con.t, 5.0, vals)


def test_psd_constraint_construction(env):
    m, vals, npv, v = env
    S, Sv = v["S"], npv["S"]
    B = np.array([[2.0, 1.0, 0.0], [1.0, 3.0, 0.0], [0.0, 0.0, 1.0]])
    cases = [
        (S >> 0, Sv),
        (S >> B, Sv - B),
        (S << B, B - Sv),
        (B << S, Sv - B),       # numpy on the left
        (B >> S, B - Sv),
        (0 << S, Sv),
        (0 >> S, -Sv),
        (S >> sp.csr_matrix(B), Sv - B),
    ]
    for con, expected in cases:
        assert isinstance(con, PSDConstraint)
        check(con.expr, expected, vals)


def test_constraint_names_and_model(env):
    m, vals, npv, v = env
    c1 = m.add(v["x"] <= 1, name="cap")
    c2 = m.add(v["S"] >> 0)
    assert c1.name == "cap" and c2.name is not None
    assert m.constraints["cap"] is c1
    assert c1.model is m
    cs = m.add([v["x"] >= 0, v["t"] <= 3], name="grp")
    assert [c.name for c in cs] == ["grp[0]", "grp[1]"]


# ----------------------------------------------------------------------------------------
# compile(): rows of A, b and the cones
# ----------------------------------------------------------------------------------------
def _dense(sf):
    return sf.A.toarray()


def test_compile_linear_rows():
    m = Model()
    x = m.continuous(2, lb=[0, -1], ub=[4, 5], name="x")
    z = m.integer(lb=0, ub=3, name="z")
    A_eq = np.array([[1.0, 2.0]])
    m.add(A_eq @ x + 3 * z == 4, name="eq")
    m.add(x >= np.array([1.0, -2.0]), name="ge")         # stored as [1,-2] - x <= 0
    m.add(2 * x[0] - z <= 7, name="le")
    m.maximize(3 * x[0] - x[1] + 2 * z + 10)
    sf = m.compile()
    A = _dense(sf)
    # equalities first: E = x0 + 2 x1 + 3 z - 4 -> A = C, b = -e = 4
    np.testing.assert_allclose(A[0], [1, 2, 3])
    assert sf.b[0] == pytest.approx(4.0)
    # inequalities in insertion order: 'ge' (two rows) then 'le'
    np.testing.assert_allclose(A[1:3], [[-1, 0, 0], [0, -1, 0]])
    np.testing.assert_allclose(sf.b[1:3], [-1.0, 2.0])
    np.testing.assert_allclose(A[3], [2, 0, -1])
    assert sf.b[3] == pytest.approx(7.0)
    assert sf.cones.zero == 1 and sf.cones.nonneg == 3 and sf.cones.soc == () and sf.cones.psd == ()
    # maximisation compiled as min of -objective
    assert sf.sense == -1
    np.testing.assert_allclose(sf.c, [-3, 1, -2])
    assert sf.offset == pytest.approx(-10.0)
    np.testing.assert_allclose(sf.lb, [0, -1, 0])
    np.testing.assert_allclose(sf.ub, [4, 5, 3])
    np.testing.assert_array_equal(sf.integer, [False, False, True])
    names = {rb.name: rb for rb in sf.row_blocks}
    assert (names["eq"].cone, names["eq"].start, names["eq"].size) == ("zero", 0, 1)
    assert (names["ge"].cone, names["ge"].start, names["ge"].size) == ("nonneg", 1, 2)
    assert (names["le"].cone, names["le"].start, names["le"].size) == ("nonneg", 3, 1)
    # the slack s = b - A x is -E: zero for the equality and >= 0 for satisfied inequalities
    xv = np.array([1.0, 1.5, 0.0])
    s = sf.b - A @ xv
    assert s[0] == pytest.approx(-(1 + 3 - 4))
    np.testing.assert_allclose(s[1:3], xv[:2] - np.array([1.0, -2.0]))


def test_compile_soc_rows():
    m = Model()
    x = m.continuous(2, name="x")
    t = m.continuous(name="t")
    B = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 0.0]])
    d = np.array([1.0, -1.0, 0.5])
    m.add(optlib.norm2(B @ x + d) <= 2 * t + 1, name="cone")
    m.minimize(t)
    sf = m.compile()
    A = _dense(sf)
    # s = (t', x') with rows A = -[C_t; C_x], b = [e_t; e_x]
    np.testing.assert_allclose(A[0], [0, 0, -2])
    np.testing.assert_allclose(A[1:], -np.hstack([B, np.zeros((3, 1))]))
    np.testing.assert_allclose(sf.b, np.concatenate([[1.0], d]))
    assert sf.cones.soc == (4,)
    assert sf.cones.zero == 0 and sf.cones.nonneg == 0
    np.testing.assert_allclose(sf.c, [0, 0, 1])
    # s = b - A v equals (2t + 1, B x + d)
    v = np.array([0.3, -0.7, 1.1])
    np.testing.assert_allclose(sf.b - A @ v, np.concatenate([[2 * v[2] + 1], B @ v[:2] + d]))


def test_compile_psd_rows_svec_scaling():
    m = Model()
    S = m.symmetric(2, name="S")
    y = m.continuous(name="y")
    F0 = np.array([[1.0, 0.5], [0.5, 2.0]])
    F1 = np.array([[0.0, 1.0], [1.0, 3.0]])
    m.add(S + optlib.lmi(F0, [(y, F1)]) >> np.eye(2), name="lmi")
    m.minimize(optlib.trace(S) + y)
    sf = m.compile()
    assert sf.cones.psd == (2,)
    assert sf.A.shape == (3, 4)
    # expression M = S + F0 + y F1 - I; rows are -svec(C_M) and b = svec(e_M)
    r, c = svec_indices(2)
    w = svec_scale(2)
    np.testing.assert_allclose(w, [1.0, math.sqrt(2), 1.0])
    e_M = F0 - np.eye(2)
    np.testing.assert_allclose(sf.b, w * e_M[r, c])
    # independent check: for random variable values, b - A v = svec(M(v))
    rng = np.random.default_rng(0)
    for _ in range(3):
        v = rng.normal(size=4)
        Sv = np.array([[v[0], v[1]], [v[1], v[2]]])
        M = Sv + F0 + v[3] * F1 - np.eye(2)
        expected = np.array([M[0, 0], math.sqrt(2) * M[1, 0], M[1, 1]])
        np.testing.assert_allclose(sf.b - _dense(sf) @ v, expected, atol=1e-12)
    # objective trace(S) + y: diagonal scalars S[0,0], S[1,1] and y
    np.testing.assert_allclose(sf.c, [1, 0, 1, 1])
    assert sf.var_names == ("S[0,0]", "S[1,0]", "S[1,1]", "y")


def test_compile_cone_order_mixed():
    """Rows are ordered zero, nonneg, soc, psd whatever the insertion order."""
    m = Model()
    x = m.continuous(3, name="x")
    S = m.symmetric(2, name="S")
    m.add(S >> 0, name="p")
    m.add(optlib.norm2(x[:2]) <= x[2], name="q")
    m.add(x.sum() <= 1, name="l")
    m.add(x[0] == S[0, 1], name="e")
    sf = m.compile()
    kinds = [(rb.name, rb.cone, rb.start, rb.size) for rb in sf.row_blocks]
    assert kinds == [("e", "zero", 0, 1), ("l", "nonneg", 1, 1), ("q", "soc", 2, 3), ("p", "psd", 5, 3)]
    assert sf.cones.rows == sf.A.shape[0] == 8
    A = _dense(sf)
    # e: x0 - S[1,0] == 0
    np.testing.assert_allclose(A[0], [1, 0, 0, 0, -1, 0])
    # q: rows -[x2; x0; x1]
    np.testing.assert_allclose(A[2:5], -np.array([[0, 0, 1, 0, 0, 0], [1, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0]]))
    # p: -svec(S) = -(S00, sqrt2 S10, S11)
    np.testing.assert_allclose(A[5:8], -np.array([[0, 0, 0, 1, 0, 0], [0, 0, 0, 0, math.sqrt(2), 0],
                                                  [0, 0, 0, 0, 0, 1]]))
    assert sf.problem_class == "SDP"


# ----------------------------------------------------------------------------------------
# property-based checks
# ----------------------------------------------------------------------------------------
dims = st.integers(min_value=1, max_value=4)


@settings(max_examples=25, deadline=None)
@given(p=dims, q=dims, r=dims, s=dims, seed=st.integers(0, 2**31 - 1), sparse=st.booleans())
def test_property_matmul_chain(p, q, r, s, seed, sparse):
    rng = np.random.default_rng(seed)
    m = Model()
    X = m.continuous((q, r), name="X")
    vals = random_values(m, seed)
    Xv = np_value(X, vals)
    L = rng.normal(size=(p, q)) * (rng.random((p, q)) < 0.7)
    R = rng.normal(size=(r, s)) * (rng.random((r, s)) < 0.7)
    C = rng.normal(size=(q, r))
    Lc, Rc = (sp.csr_matrix(L), sp.csc_matrix(R)) if sparse else (L, R)
    check(Lc @ (X + C) @ Rc, L @ (Xv + C) @ R, vals, tol=1e-9)
    check((X.T @ L.T).T, L @ Xv, vals, tol=1e-9)
    check((Lc @ X).sum(axis=0), (L @ Xv).sum(axis=0), vals, tol=1e-9)


@settings(max_examples=25, deadline=None)
@given(shape=st.tuples(dims, dims), bshape=st.sampled_from(["full", "row", "col", "scalar"]),
       seed=st.integers(0, 2**31 - 1))
def test_property_broadcast_arith(shape, bshape, seed):
    rng = np.random.default_rng(seed)
    m = Model()
    X = m.continuous(shape, name="X")
    y = m.continuous(shape[1], name="y")
    vals = random_values(m, seed)
    Xv, yv = np_value(X, vals), np_value(y, vals)
    cshape = {"full": shape, "row": (shape[1],), "col": (shape[0], 1), "scalar": ()}[bshape]
    a = rng.normal(size=cshape)
    b = rng.uniform(0.5, 2.0, size=cshape)
    check(2 * X - a * X + y / b - a, 2 * Xv - a * Xv + yv / b - a, vals, tol=1e-9)
    check((a - X).T * 3, (a - Xv).T * 3, vals, tol=1e-9)


@settings(max_examples=30, deadline=None)
@given(data=st.data(), shape=st.tuples(dims, st.integers(1, 5)))
def test_property_indexing(data, shape):
    m = Model()
    X = m.continuous(shape, name="X")
    vals = random_values(m, 11)
    Xv = np_value(X, vals)

    def index_for(n):
        return data.draw(st.one_of(
            st.integers(-n, n - 1),
            st.builds(slice, st.none() | st.integers(-n, n), st.none() | st.integers(-n, n),
                      st.none() | st.sampled_from([1, 2, -1, -2])),
            st.lists(st.integers(-n, n - 1), min_size=1, max_size=4).map(np.array),
        ))

    k0, k1 = index_for(shape[0]), index_for(shape[1])
    if isinstance(k0, np.ndarray) and isinstance(k1, np.ndarray) and k0.shape != k1.shape:
        k1 = k1[:1]
        k0 = k0[:1]
    key = (k0, k1)
    expected = Xv[key]
    if expected.size == 0:
        return
    check(X[key], expected, vals)
    check(X.T[k1], Xv.T[k1], vals)


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 4), seed=st.integers(0, 2**31 - 1))
def test_property_compile_psd_slack_is_svec(n, seed):
    """For M = S + C (S symmetric variable, C symmetric constant): b - A v = svec(M(v))."""
    rng = np.random.default_rng(seed)
    m = Model()
    S = m.symmetric(n, name="S")
    B = rng.normal(size=(n, n))
    C = B + B.T
    m.add(S + C >> 0)
    sf = m.compile()
    v = rng.normal(size=S.block.size)
    Sv = np_value(S, {S.block: v})
    M = Sv + C
    r, c = svec_indices(n)
    expected = np.where(r == c, 1.0, math.sqrt(2)) * M[r, c]
    np.testing.assert_allclose(sf.b - sf.A @ v, expected, atol=1e-10)


def test_scaled_variable_sums_with_zero_weights():
    """(w * x).sum() takes the column sums of diag(w) directly; zeros in w, a later product
    and sums along an axis must give the same coefficients as dense arithmetic."""
    import numpy as np
    import optlib

    m = optlib.Model()
    x = m.continuous((3, 4))
    w = np.arange(12.0).reshape(3, 4)
    w[1, 2] = 0.0
    e = w * x
    (C,) = e.sum().terms.values()
    assert np.array_equal(C.toarray().ravel(), w.ravel())
    (C0,) = e.sum(axis=0).terms.values()
    dense = np.zeros((4, 12))
    for j in range(4):
        for i in range(3):
            dense[j, i * 4 + j] = w[i, j]
    assert np.array_equal(C0.toarray(), dense)
    (C2,) = (2.0 * e).sum().terms.values()            # a product makes a new matrix: plain sums
    assert np.array_equal(C2.toarray().ravel(), 2.0 * w.ravel())
