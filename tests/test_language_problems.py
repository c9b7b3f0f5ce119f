"""Everyday problems written with optlib's atoms, each certified and equal to CVXPY's value on
the same data (issue 16): Markowitz (quad_form), Lasso (sum_squares + norm1), L1 regression
(norm1), minimax (norm_inf), logistic regression (logistic), maximum entropy (entr)."""
from __future__ import annotations

import numpy as np
import pytest

import optlib

cp = pytest.importorskip("cvxpy")

RNG = np.random.default_rng(7)
A = RNG.standard_normal((30, 8))
B = A @ RNG.standard_normal(8) + 0.3 * RNG.standard_normal(30)


def _certified(res, cvx_value, backend=None):
    assert res.status is optlib.Status.OPTIMAL, (res.status, res.message, res.backend.name)
    assert res.verified, res.certificate.messages
    assert res.objective == pytest.approx(cvx_value, rel=1e-5, abs=1e-6)
    assert res.bound <= res.objective + 1e-9 if res.sense == "minimize" else res.bound >= res.objective - 1e-9


def _markowitz():
    n = 8
    F = RNG.standard_normal((n, 3))
    Sigma = F @ F.T / 3 + np.diag(RNG.uniform(0.05, 0.2, n))
    mu = RNG.uniform(0.01, 0.15, n)
    gamma = 2.0
    m = optlib.Model("markowitz")
    w = m.continuous(n, lb=0, name="w")
    m.add(w.sum() == 1, name="budget")
    m.maximize(mu @ w - gamma * optlib.quad_form(w, Sigma))
    wc = cp.Variable(n)
    ref = cp.Problem(cp.Maximize(mu @ wc - gamma * cp.quad_form(wc, Sigma)), [cp.sum(wc) == 1, wc >= 0])
    return m, ref


def _lasso():
    lam = 2.0
    m = optlib.Model("lasso")
    x = m.continuous(8, name="x")
    m.minimize(optlib.sum_squares(A @ x - B) + lam * optlib.norm1(x))
    xc = cp.Variable(8)
    return m, cp.Problem(cp.Minimize(cp.sum_squares(A @ xc - B) + lam * cp.norm1(xc)))


def _l1_regression():
    m = optlib.Model("l1")
    x = m.continuous(8, name="x")
    m.minimize(optlib.norm1(A @ x - B))
    xc = cp.Variable(8)
    return m, cp.Problem(cp.Minimize(cp.norm1(A @ xc - B)))


def _minimax():
    m = optlib.Model("minimax")
    x = m.continuous(8, name="x")
    m.minimize(optlib.norm_inf(A @ x - B))
    xc = cp.Variable(8)
    return m, cp.Problem(cp.Minimize(cp.norm_inf(A @ xc - B)))


def _logistic():
    X = RNG.standard_normal((40, 3))
    y = (X @ np.array([1.0, -2.0, 0.5]) + 0.5 * RNG.standard_normal(40) > 0).astype(float)
    lam = 0.1
    m = optlib.Model("logistic")
    w = m.continuous(3, name="w")
    z = X @ w
    m.minimize(optlib.logistic(z).sum() - y @ z + lam * optlib.sum_squares(w))
    wc = cp.Variable(3)
    zc = X @ wc
    return m, cp.Problem(cp.Minimize(cp.sum(cp.logistic(zc)) - y @ zc + lam * cp.sum_squares(wc)))


def _max_entropy():
    n = 6
    G = RNG.standard_normal((2, n))
    h = G @ np.full(n, 1.0 / n) + 0.05
    m = optlib.Model("maxent")
    p = m.continuous(n, name="p")
    m.add(p.sum() == 1, name="simplex")
    m.add(G @ p <= h, name="moments")
    m.maximize(optlib.entr(p).sum())
    pc = cp.Variable(n)
    return m, cp.Problem(cp.Maximize(cp.sum(cp.entr(pc))), [cp.sum(pc) == 1, G @ pc <= h])


PROBLEMS = {"markowitz": _markowitz, "lasso": _lasso, "l1_regression": _l1_regression,
            "minimax": _minimax, "logistic": _logistic, "max_entropy": _max_entropy}


@pytest.mark.parametrize("name", list(PROBLEMS))
def test_certified_and_equal_to_cvxpy(name):
    m, ref = PROBLEMS[name]()
    ref.solve(solver=cp.CLARABEL)
    res = m.solve()                      # auto picks by class
    _certified(res, ref.value)


@pytest.mark.parametrize("name,backend", [("markowitz", "highs"), ("markowitz", "scs"), ("lasso", "clarabel"),
                                          ("l1_regression", "highs"), ("minimax", "highs"),
                                          ("logistic", "scs"), ("max_entropy", "scs")])
def test_on_other_backends(name, backend):
    m, ref = PROBLEMS[name]()
    ref.solve(solver=cp.CLARABEL)
    _certified(m.solve(backend=backend), ref.value)


def test_problem_classes():
    assert _markowitz()[0].compile().problem_class == "QP"
    assert _lasso()[0].compile().problem_class == "QP"
    assert _l1_regression()[0].compile().problem_class == "LP"
    assert _logistic()[0].compile().problem_class == "EXP"
