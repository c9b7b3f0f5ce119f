"""The atoms of optlib.atoms: each reduction is tight (minimising a convex atom, or maximising a
concave one, at a fixed argument gives the atom's value), DCP rules and errors, curvature/sign."""
from __future__ import annotations

import numpy as np
import pytest

import optlib

X0 = np.array([0.7, -1.3, 2.1])
Y0 = np.array([0.4, 1.5, 0.9])
S = np.array([[2.0, 0.3, 0.0], [0.3, 1.0, -0.2], [0.0, -0.2, 0.5]])
M0 = np.array([[2.0, 0.5, 0.1], [0.5, 1.0, -0.3], [0.1, -0.3, 3.0]])

# (name, builder of the atom expression from (x, y, M), its value at (X0, Y0, M0), curvature)
CASES = [
    ("abs", lambda x, y, M: optlib.abs(x).sum(), np.abs(X0).sum(), "convex"),
    ("pos", lambda x, y, M: optlib.pos(x).sum(), np.maximum(X0, 0).sum(), "convex"),
    ("neg", lambda x, y, M: optlib.neg(x).sum(), np.maximum(-X0, 0).sum(), "convex"),
    ("maximum", lambda x, y, M: optlib.maximum(x, y, 1.0).sum(), np.maximum(np.maximum(X0, Y0), 1).sum(), "convex"),
    ("minimum", lambda x, y, M: optlib.minimum(x, y).sum(), np.minimum(X0, Y0).sum(), "concave"),
    ("max", lambda x, y, M: optlib.max(x), X0.max(), "convex"),
    ("max_axis", lambda x, y, M: optlib.max(M, axis=0).sum(), M0.max(axis=0).sum(), "convex"),
    ("min_axis", lambda x, y, M: optlib.min(M, axis=1).sum(), M0.min(axis=1).sum(), "concave"),
    ("norm1", lambda x, y, M: optlib.norm1(x), np.abs(X0).sum(), "convex"),
    ("norm2", lambda x, y, M: 2.0 * optlib.norm2(x), 2 * np.linalg.norm(X0), "convex"),
    ("norm_inf", lambda x, y, M: optlib.norm_inf(x), np.abs(X0).max(), "convex"),
    ("norm_p1", lambda x, y, M: optlib.norm(x, 1), np.abs(X0).sum(), "convex"),
    ("norm_pinf", lambda x, y, M: optlib.norm(x, np.inf), np.abs(X0).max(), "convex"),
    ("sum_squares", lambda x, y, M: optlib.sum_squares(x - 1), ((X0 - 1) ** 2).sum(), "convex"),
    ("quad_form", lambda x, y, M: optlib.quad_form(x, S), X0 @ S @ X0, "convex"),
    ("quad_over_lin", lambda x, y, M: optlib.quad_over_lin(x, y[1]), (X0 ** 2).sum() / Y0[1], "convex"),
    ("huber", lambda x, y, M: optlib.huber(x, 1.0).sum(),
     np.where(np.abs(X0) <= 1, X0 ** 2, 2 * np.abs(X0) - 1).sum(), "convex"),
    ("lambda_max", lambda x, y, M: optlib.lambda_max(M), np.linalg.eigvalsh(M0)[-1], "convex"),
    ("lambda_min", lambda x, y, M: optlib.lambda_min(M), np.linalg.eigvalsh(M0)[0], "concave"),
    ("exp", lambda x, y, M: optlib.exp(x).sum(), np.exp(X0).sum(), "convex"),
    ("log", lambda x, y, M: optlib.log(y).sum(), np.log(Y0).sum(), "concave"),
    ("entr", lambda x, y, M: optlib.entr(y).sum(), (-Y0 * np.log(Y0)).sum(), "concave"),
    ("log_sum_exp", lambda x, y, M: optlib.log_sum_exp(x), np.log(np.exp(X0).sum()), "convex"),
    ("logistic", lambda x, y, M: optlib.logistic(x).sum(), np.logaddexp(0, X0).sum(), "convex"),
    ("kl_div", lambda x, y, M: optlib.kl_div(y, y[::-1]).sum(),
     (Y0 * np.log(Y0 / Y0[::-1]) - Y0 + Y0[::-1]).sum(), "convex"),
    ("rel_entr", lambda x, y, M: optlib.rel_entr(y, y[::-1]).sum(), (Y0 * np.log(Y0 / Y0[::-1])).sum(), "convex"),
]


def _model():
    m = optlib.Model("atoms")
    x = m.continuous(3, name="x")
    y = m.continuous(3, name="y")
    M = m.symmetric(3, name="M")
    m.add(x == X0, name="fix_x")
    m.add(y == Y0, name="fix_y")
    m.add(M == M0, name="fix_M")
    return m, x, y, M


@pytest.mark.parametrize("name,build,value,curv", CASES, ids=[c[0] for c in CASES])
def test_reduction_is_tight(name, build, value, curv):
    m, x, y, M = _model()
    f = build(x, y, M)
    assert optlib.curvature(f) == curv
    (m.minimize if curv == "convex" else m.maximize)(f)
    res = m.solve(backend="clarabel")
    assert res.status.has_solution, res.message
    assert res.objective == pytest.approx(value, rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("name,build,value,curv", CASES, ids=[c[0] for c in CASES])
def test_constant_arguments_give_numbers(name, build, value, curv):
    f = build(optlib.Expression({}, X0, (3,)), optlib.Expression({}, Y0, (3,)),
              optlib.Expression({}, M0.ravel(), (3, 3)))
    assert f.is_constant
    assert float(f.const.sum()) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("name,build,value,curv", CASES, ids=[c[0] for c in CASES])
def test_wrong_direction_is_refused(name, build, value, curv):
    m, x, y, M = _model()
    f = build(x, y, M)
    with pytest.raises(ValueError, match="not convex"):
        (m.maximize if curv == "convex" else m.minimize)(f)
    with pytest.raises(ValueError, match="not convex"):
        m.add(f >= 1.0) if curv == "convex" else m.add(f <= 1.0)
    with pytest.raises(ValueError, match="not convex"):
        m.add(f == 1.0)


def test_message_names_the_term():
    m = optlib.Model()
    x = m.continuous(3, name="x")
    with pytest.raises(ValueError, match=r"maximize\(norm1\(x\)\): maximizing a convex expression"):
        m.maximize(optlib.norm1(x))
    with pytest.raises(ValueError, match=r"abs: its argument must be affine.*abs\(x\)"):
        optlib.abs(optlib.abs(x) - 1)
    with pytest.raises(ValueError, match=r"exp: .* must be convex.*log"):
        optlib.exp(optlib.log(x))
    with pytest.raises(ValueError, match="neither PSD nor NSD"):
        optlib.quad_form(x, np.diag([1.0, -1.0, 1.0]))
    with pytest.raises(ValueError, match="symmetric"):
        optlib.quad_form(x, np.array([[1.0, 2.0, 0], [0, 1.0, 0], [0, 0, 1.0]]))
    with pytest.raises(ValueError, match="p must be"):
        optlib.norm(x, 3)
    with pytest.raises(ValueError, match="positive"):
        optlib.huber(x, -1.0)
    with pytest.raises(ValueError, match="axis"):
        optlib.max(x, axis=2)


def test_composition_rules():
    m = optlib.Model()
    x = m.continuous(3, name="x")
    # convex nondecreasing of convex: fine; of concave: refused
    assert optlib.curvature(optlib.maximum(optlib.norm2(x), 1.0)) == "convex"
    assert optlib.curvature(optlib.exp(optlib.norm1(x))) == "convex"
    assert optlib.curvature(optlib.log(optlib.minimum(x, 2.0)).sum()) == "concave"
    assert optlib.curvature(optlib.norm1(x) - optlib.log(x[0])) == "convex"
    assert optlib.curvature(optlib.norm1(x) + optlib.log(x[0])) == "unknown"
    assert optlib.curvature(x.sum()) == "affine"
    # scaled, summed, indexed, on either side of a constraint
    m.add(3.0 * optlib.norm1(x) + optlib.abs(x)[0] <= 10 + optlib.log(x[1]))
    m.add(optlib.sum_squares(x) <= 4)
    m.add(-optlib.norm_inf(x) >= -1.5)
    m.maximize(x.sum() - optlib.quad_over_lin(x, 2.0))
    res = m.solve(backend="clarabel")
    assert res.status.has_solution, res.message
    xv = res.values[x]
    assert 3 * np.abs(xv).sum() + abs(xv[0]) <= 10 + np.log(xv[1]) + 1e-6
    assert (xv ** 2).sum() <= 4 + 1e-6 and np.abs(xv).max() <= 1.5 + 1e-6


def test_sign_tracking():
    m = optlib.Model()
    x = m.continuous(3, name="x")
    z = m.continuous(2, lb=0, name="z")
    assert optlib.sign(optlib.norm2(x)) == "nonnegative"
    assert optlib.sign(-optlib.abs(x)) == "nonpositive"
    assert optlib.sign(x) == "unknown"
    assert optlib.sign(z + optlib.exp(x[0])) == "nonnegative"
    assert optlib.sign(optlib.log(z)) == "unknown"


def test_quadratic_objective_is_kept_quadratic():
    m = optlib.Model()
    x = m.continuous(3, lb=0, name="x")
    m.add(x.sum() == 1)
    m.minimize(optlib.quad_form(x, S) + 0.5 * optlib.sum_squares(x) - np.array([1.0, 0.5, 0.0]) @ x)
    sf = m.compile()
    assert sf.problem_class == "QP" and sf.cones.soc == ()
    np.testing.assert_allclose(sf.P.toarray(), 2 * S + np.eye(3))
    # the same atom in a constraint is a cone
    m.add(optlib.sum_squares(x) <= 1)
    assert m.compile().cones.soc != ()


def test_unused_atoms_add_nothing():
    m = optlib.Model()
    x = m.continuous(3, name="x")
    optlib.norm1(x)
    optlib.exp(x)
    m.minimize(x.sum())
    m.add(x >= 0)
    sf = m.compile()
    assert sf.n == 3 and sf.m == 3


def test_an_optimum_of_zero_certifies():
    """kl_div(x, q) is 0 at x = q: the gap must close in absolute terms (Clarabel's default 1e-8
    gap is refined once, as optlib's absolute tolerance is 1e-9)."""
    m = optlib.Model()
    x = m.continuous(5, name="x")
    m.add(x.sum() == 1)
    m.minimize(optlib.kl_div(x, np.full(5, 0.2)).sum())
    res = m.solve(backend="clarabel")
    assert res.status is optlib.Status.OPTIMAL and res.verified
    assert abs(res.objective) <= 1e-8 and res.bound <= res.objective + 1e-12


def test_a_new_objective_takes_out_what_only_the_old_one_used():
    m = optlib.Model()
    X = m.continuous((2, 3), name="X")
    m.add(X == np.array([[1.0, 2.0, 0.0], [3.0, 4.0, -1.0]]))
    m.minimize(optlib.norm(X, 2))                    # an LMI (the largest singular value)
    assert m.compile().problem_class == "SDP"
    m.minimize(optlib.norm(X, np.inf))               # its LMI and atom variable leave the model
    sf = m.compile()
    assert sf.problem_class == "LP" and sf.cones.psd == ()
    res = m.solve(backend="clarabel")
    assert res.status is optlib.Status.OPTIMAL and res.objective == pytest.approx(8.0)
    # an atom a constraint uses stays when the objective that also used it goes
    m = optlib.Model()
    x = m.continuous(3, name="x")
    a = optlib.norm1(x)
    m.add(a <= 2, name="budget")
    m.minimize(a - x.sum())
    n = m.compile().n
    m.maximize(x.sum())
    assert m.compile().n == n and m.solve().objective == pytest.approx(2.0)


def test_matrix_norms_mean_what_they_mean_in_cvxpy():
    X0 = np.array([[1.0, 2.0, 0.0], [3.0, 4.0, -1.0]])
    expect = {1: np.abs(X0).sum(axis=0).max(), 2: np.linalg.norm(X0, 2), np.inf: np.abs(X0).sum(axis=1).max(),
              "fro": np.linalg.norm(X0)}
    for p, value in expect.items():
        m = optlib.Model()
        X = m.continuous((2, 3), name="X")
        m.add(X == X0)
        m.minimize(optlib.norm(X, p))
        res = m.solve(backend="clarabel")
        assert res.status is optlib.Status.OPTIMAL and res.objective == pytest.approx(value, rel=1e-6), p
    assert float(optlib.norm2(optlib.Expression({}, X0.ravel(), (2, 3))).const[0]) == pytest.approx(np.linalg.norm(X0, 2))
