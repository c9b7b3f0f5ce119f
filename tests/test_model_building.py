"""Model building without waste: names made when asked, a file's form kept, rows handed over in
the order they were given, products that form only the coefficients a caller keeps, sparse
elementwise products, a symmetry check on the nonzeros. Each fast path is checked against the
plain computation it replaces."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import optlib
from optlib import Status
from optlib.datasets import highs_check
from optlib.names import ScalarNames


def test_scalar_names_equal_the_eager_names():
    m = optlib.Model()
    m.continuous((2, 3), name="x")
    m.symmetric(4, name="X")
    m.continuous(name="t")
    m.integer(5, lb=0, ub=3, name="n")
    sf = m.compile()
    eager = [name for blk in m._blocks for name in blk.scalar_names()]
    assert isinstance(sf.var_names, ScalarNames) and len(sf.var_names) == len(eager) == sf.n
    assert [sf.var_names[j] for j in range(sf.n)] == eager == list(sf.var_names)
    assert sf.var_names == tuple(eager) and sf.var_names[-1] == "n[4]" and sf.var_names[-6] == "t"
    assert sf.var_names[1:3] == eager[1:3]
    with pytest.raises(IndexError):
        sf.var_names[sf.n]


def _file(name):
    (inst,) = [i for i in highs_check() if i.name == name]
    return inst


def test_a_model_read_from_a_file_compiles_to_the_files_form_until_changed():
    path = _file("afiro").path
    m = optlib.read(path)
    sf = m.compile()
    assert m.compile() is sf                           # no detour through the expression layer
    names = [rb.name for rb in sf.row_blocks]
    cons = m.constraints                               # made on demand, one per row block
    assert list(cons) == names
    res = m.solve(backend="highs")
    assert res.status is Status.OPTIMAL and res.objective == pytest.approx(-464.75314286, rel=1e-8)
    x = m.variables["x"]
    m.add(x[0] <= 1e6, name="extra")                    # a change: the form is built anew
    sf2 = m.compile()
    assert sf2 is not sf and sf2.m == sf.m + 1
    assert m.solve(backend="highs").objective == pytest.approx(res.objective, rel=1e-9)


def test_rows_go_to_highs_in_the_given_order_and_duals_come_back():
    m = optlib.Model()
    x = m.continuous(3, lb=0, name="x")
    m.add(x[0] + x[1] <= 4, name="a")
    m.add(x.sum() == 5, name="total")
    m.add(x[1] - x[2] >= -2, name="b")                 # inactive: the duals are unique
    m.minimize(np.array([1.0, 2.0, 3.0]) @ x)
    sf = m.compile()
    A_before = sf.A.copy()
    assert sf.row_order is not None and sorted(sf.row_order) == list(range(sf.m))
    A, lo, hi, order = sf.rows_in_order()
    assert (abs(sf.A - A_before)).max() == 0            # the form's matrix is untouched
    assert np.allclose(A.toarray(), sf.A.toarray()[order])
    res, ref = m.solve(backend="highs"), m.solve(backend="clarabel")
    # duals mapped back wrongly would not certify the bound
    assert res.status is Status.OPTIMAL and res.verified and res.certificate.kind == "lp-duality"
    assert res.objective == pytest.approx(ref.objective, abs=1e-7)
    for name in ("a", "total", "b"):
        assert res.dual(name) == pytest.approx(ref.dual(name), abs=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_structure_aware_products_equal_the_full_products(seed):
    rng = np.random.default_rng(seed)
    n = 5
    m = optlib.Model()
    X = m.symmetric(n, name="X")
    Y = m.continuous((n, 3), name="Y")
    L = rng.normal(size=(n, n)) * (rng.random((n, n)) < 0.6)
    A = rng.normal(size=(2, n))
    B = rng.normal(size=(3, 4))
    Xv = rng.normal(size=(n, n))
    Xv = Xv + Xv.T
    Yv = rng.normal(size=(n, 3))
    vals = {X.block: np.array([Xv[i, j] for j in range(n) for i in range(j, n)]), Y.block: Yv.ravel()}
    cases = [(optlib.trace(L @ X), np.trace(L @ Xv)), (optlib.diag(L @ X), np.diag(L @ Xv)),
             ((L @ X).sum(), (L @ Xv).sum()), (optlib.trace(X @ L), np.trace(Xv @ L)),
             (optlib.diag(X @ L), np.diag(Xv @ L)), ((A @ Y).sum(), (A @ Yv).sum()),
             ((Y @ B).sum(), (Yv @ B).sum()), (A @ Y @ B, A @ Yv @ B), ((L @ X)[1:3, 0], (L @ Xv)[1:3, 0]),
             ((L @ X) * 2 + 1, 2 * (L @ Xv) + 1), ((L @ X).T, (L @ Xv).T)]
    for expr, want in cases:
        assert np.allclose(np.asarray(expr.evaluate(vals)), want)
    # the selected entries are formed without the full product's n * nnz(L) coefficients
    prod = L @ X
    optlib.trace(prod)
    assert prod._terms is None


def test_scalar_times_sparse_matrix_forms_only_the_nonzeros():
    rng = np.random.default_rng(0)
    m = optlib.Model()
    r = m.continuous(name="r")
    X = m.continuous((3, 4), name="X")
    S = sp.random(3, 4, density=0.4, random_state=1, format="csr")
    vals = {r.block: np.array([2.5]), X.block: rng.normal(size=12)}
    Xv = vals[X.block].reshape(3, 4)
    for expr, want in [(r * S, 2.5 * S.toarray()), (S * r, 2.5 * S.toarray()), (X * S, Xv * S.toarray()),
                       ((X + 1) * S, (Xv + 1) * S.toarray())]:
        assert np.allclose(expr.evaluate(vals), want)
    big = sp.identity(2000, format="csr")
    assert (r * big).terms[r.block].nnz == 2000       # not 4,000,000


def test_symmetry_check_on_the_nonzeros_names_the_entry():
    m = optlib.Model()
    x = m.continuous(2, name="x")
    F = np.array([[1.0, 2.0], [2.0, 0.0]])
    m.add(optlib.lmi(np.eye(2), [(x[0], F)]) >> 0, name="ok")          # symmetric: accepted
    with pytest.raises(ValueError, match=r"variable .x. in entry \((0, 1|1, 0)\)"):
        m.add(optlib.hstack([x.reshape((2, 1)), x.reshape((2, 1))]) >> 0)
    with pytest.raises(ValueError, match=r"constant entry \(1, 0\) is 3 but \(0, 1\) is 0"):
        m.add(np.array([[1.0, 0.0], [3.0, 4.0]]) + optlib.lmi(np.zeros((2, 2)), [(x[0], F)]) >> 0)
    with pytest.raises(ValueError, match="not symmetric"):               # a tiny asymmetry of 1e-3
        m.add(optlib.lmi(np.eye(2), [(x[0], np.array([[1.0, 2.0], [2.001, 0.0]]))]) >> 0)


def test_rows_already_in_given_order_go_to_backends_as_stored():
    """== rows added before <= rows: the given order is the stored one, so rows_in_order hands
    out the form's own matrix with no permutation (order None), and HiGHS's duals still map back."""
    m = optlib.Model()
    x = m.continuous(3, lb=0, name="x")
    m.add(x.sum() == 2, name="total")
    m.add(x[0] + 2 * x[1] <= 3, name="a")
    m.minimize(x @ np.array([1.0, -1.0, 0.5]))
    sf = m.compile()
    assert sf.row_order is not None and list(sf.row_order) == list(range(sf.m))
    A, lo, hi, order = sf.rows_in_order()
    assert order is None and A is sf.A
    res, ref = m.solve(backend="highs"), m.solve(backend="clarabel")
    assert res.status is Status.OPTIMAL and res.verified
    for name in ("a", "total"):
        assert res.dual(name) == pytest.approx(ref.dual(name), abs=1e-6)


def test_stacked_rows_equal_the_dense_assembly_with_duplicates_and_zeros():
    """The compiled A is sign * C of each constraint placed at its blocks' columns: a piece with
    duplicate entries gets them summed, explicit zeros are dropped, two blocks share a row, the
    variables' bounds and a full objective row land at their offsets, and no array of the form
    is shared with an expression (editing A leaves the model's coefficients alone)."""
    from optlib.expressions import Expression

    m = optlib.Model()
    x = m.continuous(3, lb=-1, ub=[1, 2, 3], name="x")
    y = m.continuous(2, lb=0, name="y")
    ((bx, Cx),) = x.terms.items()
    ((by, _),) = y.terms.items()
    # 2 rows over x, not canonical: row 0 holds column 1 twice (2 + 3) and an explicit zero at 2
    dup = sp.csr_matrix((np.array([2.0, 3.0, 0.0, 4.0]), np.array([1, 1, 2, 0]), np.array([0, 3, 4])),
                        shape=(2, 3))
    assert not dup.has_canonical_format
    m.add(Expression({bx: dup}, np.array([-1.0, -2.0]), (2,)) <= 0, name="dup")
    m.add(x[0] - 2 * y[1] + x[2] == 1, name="mixed")
    m.add(y.sum() >= 1, name="cover")
    m.minimize(np.array([1.0, 2.0, 3.0]) @ x + y.sum())
    sf = m.compile()
    assert sp.isspmatrix_csc(sf.A) and sf.A.has_canonical_format
    assert np.all(sf.A.data != 0)
    expect = np.array([[1.0, 0, 1, 0, -2],       # == rows first: x0 - 2 y1 + x2 - 1 == 0
                       [0, 5, 0, 0, 0],          # dup row 0 (2 + 3 at x1; the zero dropped)
                       [4, 0, 0, 0, 0],          # dup row 1
                       [0, 0, 0, -1, -1]])       # 1 - sum(y) <= 0
    np.testing.assert_array_equal(sf.A.toarray(), expect)
    np.testing.assert_array_equal(sf.b, [1.0, 1.0, 2.0, -1.0])
    np.testing.assert_array_equal(sf.c, [1.0, 2.0, 3.0, 1.0, 1.0])
    np.testing.assert_array_equal(sf.lb, [-1, -1, -1, 0, 0])
    np.testing.assert_array_equal(sf.ub, [1, 2, 3, np.inf, np.inf])
    sf.A.data[:] = 7.0
    sf.lb[:] = 9.0
    assert Cx.toarray().tolist() == np.eye(3).tolist() and dup.data.tolist() == [2.0, 3.0, 0.0, 4.0]
    assert bx.lb.tolist() == [-1, -1, -1] and by.lb.tolist() == [0, 0]


def test_elementwise_weights_scale_the_constant_and_the_coefficients():
    """(x + a) * w keeps w * a as its constant (a variable alone: zeros) and diag(w) with w's
    zeros dropped as coefficients; its sums over an axis and in full match the dense sums."""
    m = optlib.Model()
    x = m.continuous((2, 3), name="x")
    a = np.arange(6.0).reshape(2, 3) + 1
    w = np.array([[2.0, 0.0, -1.0], [0.5, 3.0, 0.0]])
    e = (x + a) * w
    np.testing.assert_array_equal(e.const, (w * a).ravel())
    ((_, C),) = e.terms.items()
    assert C.nnz == 4
    np.testing.assert_array_equal(C.toarray(), np.diag(w.ravel()))
    np.testing.assert_array_equal((x * w).const, np.zeros(6))
    for axis in (0, 1):
        s = e.sum(axis=axis)
        ((_, S),) = s.terms.items()
        np.testing.assert_array_equal(s.const, (w * a).sum(axis=axis))
        dense = np.array([np.diag(w.ravel())[i::3].sum(axis=0) for i in range(3)]) if axis == 0 else \
            np.diag(w.ravel()).reshape(2, 3, 6).sum(axis=1)
        np.testing.assert_array_equal(S.toarray(), dense)
    total = e.sum()
    ((_, T),) = total.terms.items()
    np.testing.assert_array_equal(T.toarray().ravel(), w.ravel())
    assert float(total.const[0]) == float((w * a).sum())


@pytest.mark.parametrize("m,n,vector", [(3, 4, False), (5, 1, False), (1, 6, False), (4, 0, True), (6, 0, True)])
def test_products_with_a_plain_variable_are_the_kronecker_coefficients(m, n, vector):
    """A @ X and X @ B for a plain variable X have the coefficients kron(A, I_n) and
    kron(I_m, B') (written directly); checked against the dense Kronecker products and the
    general path, with a duplicate and an explicit zero in the sparse constants."""
    from optlib.expressions import _left_product_terms, _right_product_terms

    rng = np.random.default_rng(m * 10 + n)
    p, q = 3, 2
    shape = (m,) if vector else (m, n)
    cols = 1 if vector else n
    m_ = optlib.Model()
    X = m_.continuous(shape, name="X")
    ((blk, C),) = X.terms.items()
    A = sp.random(p, m, density=0.6, random_state=rng, format="coo")
    A = sp.coo_matrix((np.r_[A.data, 1.5, 0.0], (np.r_[A.row, 0, p - 1], np.r_[A.col, 0, m - 1])), shape=(p, m))
    B = sp.random(cols if not vector else m, q, density=0.6, random_state=rng, format="coo")
    B = sp.coo_matrix((np.r_[B.data, 2.5, 0.0], (np.r_[B.row, 0, 0], np.r_[B.col, 0, q - 1])), shape=B.shape)
    plain = sp.csr_matrix(C.toarray())            # the same matrix without the identity mark
    left = (A @ X).terms[blk] if not vector else (A.tocsr() @ X).terms[blk]
    dense_left = np.kron(A.toarray(), np.eye(cols))
    np.testing.assert_allclose(left.toarray(), dense_left)
    np.testing.assert_allclose(_left_product_terms(sp.csr_matrix(A), plain, m, cols).toarray(), dense_left)
    assert left.has_canonical_format and np.all(left.data != 0)
    if not vector:
        right = (X @ B).terms[blk]
        dense_right = np.kron(np.eye(m), B.toarray().T)
        np.testing.assert_allclose(right.toarray(), dense_right)
        np.testing.assert_allclose(_right_product_terms(plain, sp.csr_matrix(B), m, n).toarray(), dense_right)
        assert right.has_canonical_format and np.all(right.data != 0)
