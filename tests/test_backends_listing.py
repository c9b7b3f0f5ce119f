"""What each backend accepts (`optlib.backend_table`, `optlib backends`), and `auto`'s choice for
every problem class: QP, MIQP, EXP, MIEXP and models with logical constraints included.

A class no installed backend takes must fail with an error that says what to install."""
from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sp

import optlib
from optlib import ConeDims, StandardForm
from optlib.backend import AUTO_PREFERENCE, auto_order, choose_backend, get_backend
from optlib.cli import main
from optlib.logic import Clause


def form(c, A, b, cones, lb=None, ub=None, integer=None, P=None, logic=()) -> StandardForm:
    c = np.asarray(c, dtype=float)
    n = c.size
    return StandardForm(
        c=c, A=sp.csc_matrix(np.asarray(A, dtype=float).reshape(len(b), n)), b=np.asarray(b, dtype=float),
        cones=cones, lb=np.full(n, -np.inf) if lb is None else np.asarray(lb, dtype=float),
        ub=np.full(n, np.inf) if ub is None else np.asarray(ub, dtype=float),
        integer=np.zeros(n, bool) if integer is None else np.asarray(integer, bool),
        P=None if P is None else sp.csc_matrix(np.asarray(P, dtype=float)), logic=tuple(logic))


INT2 = [True, True]
P2 = [[2.0, 0.5], [0.5, 1.0]]
#: (u, v, w) = (x0, 1, x1): exp(x0) <= x1
EXP_A, EXP_B = [[-1.0, 0.0], [0.0, 0.0], [0.0, -1.0]], [0.0, 1.0, 0.0]

CASES = {
    "LP": lambda: form([1, 1], [[-1, -1]], [-1], ConeDims(nonneg=1), lb=[0, 0]),
    "MILP": lambda: form([1, 1], [[-1, -1]], [-1.5], ConeDims(nonneg=1), lb=[0, 0], ub=[3, 3],
                         integer=INT2),
    "MILP+logic": lambda: form([1, 2, 0.5], [[-1, -1, 0]], [-1], ConeDims(nonneg=1), lb=[0, 0, 0],
                               ub=[1, 1, 4], integer=[True, True, False],
                               logic=[Clause("pick", "or", (0, 1), (False, False))]),
    "ILP+logic": lambda: form([1, 2], [[-1, -1]], [-1], ConeDims(nonneg=1), lb=[0, 0], ub=[1, 1],
                              integer=INT2, logic=[Clause("one", "exactly", (0, 1), (False, False), 1)]),
    "QP": lambda: form([-1, 0], [[1, 1]], [1], ConeDims(nonneg=1), P=P2),
    "MIQP": lambda: form([-1, 0], [[1, 1]], [1], ConeDims(nonneg=1), lb=[0, 0], ub=[3, 3],
                         integer=INT2, P=P2),
    "SOCP": lambda: form([0, 0, 1], [[0, 0, -1], [-1, 0, 0], [0, -1, 0], [-1, -1, 0]],
                         [0, 0, 0, -1], ConeDims(nonneg=1, soc=(3,))),
    "EXP": lambda: form([0, 1], EXP_A, EXP_B, ConeDims(exp=1), lb=[-1, -np.inf]),
    "MIEXP": lambda: form([0, 1], EXP_A, EXP_B, ConeDims(exp=1), lb=[-1, -np.inf], ub=[2, np.inf],
                          integer=[True, False]),
    # (nonneg row) x0 + x2 <= 1, then svec rows s = x: [[x0, x1/sqrt2], [x1/sqrt2, x2]] >> 0
    "SDP": lambda: form([1, 0, 1], [[1, 0, 1], [-1, 0, 0], [0, -1, 0], [0, 0, -1]], [1, 0, 0, 0],
                        ConeDims(nonneg=1, psd=(2,))),
}


def case(name: str) -> StandardForm:
    return CASES[name]()


def word(problem_class: str, accepted: list[str]) -> bool:
    """The class appears in a backend's accepted list ('QP (as SOCP)' counts as QP; an
    all-integer backend's 'ILP' counts for a MILP whose variables are all integer)."""
    heads = {a.split(" (")[0] for a in accepted}
    if problem_class in ("MISOCP", "MIEXP", "MISDP"):
        return "mixed-integer conic" in heads and problem_class[2:] in heads
    return problem_class in heads or (problem_class == "MILP" and "ILP" in heads)


def installed_candidates(sf: StandardForm) -> list[str]:
    out = []
    for name in auto_order(sf):
        try:
            be = get_backend(name)
        except (ValueError, ImportError):
            continue
        if be.available() and be.accepts(sf):
            out.append(name)
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_auto_picks_a_backend_that_accepts_each_class(name):
    sf = case(name)
    cls = sf.problem_class
    assert cls in AUTO_PREFERENCE, f"no AUTO_PREFERENCE entry for {cls}"
    candidates = installed_candidates(sf)
    if not candidates:
        with pytest.raises(ValueError, match=f"no installed backend can solve this {cls}.*(install|relax)"):
            choose_backend(sf)
        return
    choice = choose_backend(sf)
    be = choice.backend
    assert be.name == candidates[0] and be.accepts(sf)
    assert word(cls, be.capabilities.accepted()), (be.name, be.capabilities.accepted())
    if sf.has_logic:
        assert any(a.startswith("logical constraints") for a in be.capabilities.accepted())
        if not be.capabilities.logic:
            assert "logical constraints as big-M rows" in choice.reason
    if any(n in candidates for n in AUTO_PREFERENCE[cls]):
        assert be.name in AUTO_PREFERENCE[cls] and f"for {cls}" in choice.reason


def test_preferences_for_the_new_classes():
    assert AUTO_PREFERENCE["QP"][0] in ("clarabel", "highs")
    assert set(AUTO_PREFERENCE["QP"]) == {"clarabel", "highs", "scs"}
    assert AUTO_PREFERENCE["EXP"] == ("clarabel", "scs")
    assert AUTO_PREFERENCE["MIQP"] == ("cvxpy:SCIP",) and AUTO_PREFERENCE["MIEXP"] == ()
    # the native backends auto may pick must really take their class (a preference that
    # refuses its own class would only be skipped silently)
    for cls, names in AUTO_PREFERENCE.items():
        sample = {"LP": "LP", "MILP": "MILP", "QP": "QP", "SOCP": "SOCP", "EXP": "EXP", "SDP": "SDP"}.get(cls)
        if sample is None:
            continue
        sf = case(sample)
        for n in names:
            be = get_backend(n)
            if be.available() and not n.startswith("cvxpy:"):
                assert be.accepts(sf), (cls, n)


def test_auto_solves_the_exp_case():
    # exp(x0) <= x1 with x0 >= -1: min x1 = exp(-1)
    sf = case("EXP")
    raw = choose_backend(sf).backend.solve(sf, optlib.SolveParams())
    assert raw.objective == pytest.approx(np.exp(-1.0), rel=1e-5)


def test_miqp_and_miexp_errors_say_what_to_install():
    for name, text in (("MIQP", "pyscipopt"), ("MIEXP", "relax the integrality")):
        sf = case(name)
        if installed_candidates(sf):
            pytest.skip(f"a backend for {name} is installed here")
        with pytest.raises(ValueError, match=text):
            choose_backend(sf)
        with pytest.raises(ValueError, match="cannot solve this MIQP" if name == "MIQP" else "MIEXP"):
            get_backend("highs").check(sf)


# -- the listing ---------------------------------------------------------------------------
def test_backend_table_rows_are_the_capabilities():
    rows = optlib.backend_table()
    by_name = {r["name"]: r for r in rows}
    assert set(optlib.backends()) <= set(by_name)
    for r in rows:
        assert set(r) >= {"name", "installed", "version", "accepts", "capabilities", "install", "note"}
        if r["installed"]:
            be = get_backend(r["name"])
            assert r["accepts"] == be.capabilities.accepted() and r["version"]
            assert r["capabilities"]["exp"] == be.capabilities.exp
    clar = by_name["clarabel"]
    assert {"LP", "QP", "SOCP", "EXP", "SDP"} <= set(clar["accepts"])
    highs = by_name["highs"]
    assert {"LP", "MILP", "QP"} <= set(highs["accepts"]) and "EXP" not in highs["accepts"]
    assert "MIQP" not in {a.split(" (")[0] for a in highs["accepts"]}
    assert "logical constraints" in by_name["cpsat"]["accepts"]
    assert "logical constraints (as big-M rows)" in highs["accepts"]


def test_cli_lists_accepted_classes(capsys):
    assert main(["backends", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert "EXP" in rows["clarabel"]["accepts"] and "EXP" in rows["scs"]["accepts"]
    assert "QP" in rows["highs"]["accepts"]
    assert rows["clarabel"]["capabilities"]["quadratic"] is True
    assert main(["backends"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = lines[0].split()
    assert header[:4] == ["backend", "installed", "version", "accepts"]
    line = next(l for l in lines if l.startswith("clarabel "))
    cols = [c for c in line.split("  ") if c.strip()]          # columns: two or more blanks
    assert cols[0].strip() == "clarabel" and cols[1].strip() == "yes"
    assert [a.strip() for a in cols[3].split(",")] == rows["clarabel"]["accepts"]


# -- the cvxpy:<SOLVER> family ---------------------------------------------------------------
def test_cvxpy_family_declares_exp_and_quadratic():
    cp = pytest.importorskip("cvxpy")
    from solvers.cvxpy_backend import CvxpyBackend

    installed = cp.installed_solvers()
    if "CLARABEL" in installed:
        caps = CvxpyBackend("CLARABEL").capabilities
        assert caps.exp and caps.quadratic and not caps.miqp and "EXP" in caps.accepted()
        assert CvxpyBackend("CLARABEL").accepts(case("EXP"))
        with pytest.raises(ValueError, match="integer"):
            CvxpyBackend("CLARABEL").check(case("MIEXP"))
    if "HIGHS" in installed:
        be = CvxpyBackend("HIGHS")
        assert be.capabilities.quadratic and not be.capabilities.exp and not be.capabilities.miqp
        with pytest.raises(ValueError, match="'cvxpy:HIGHS'.*exponential cone"):
            be.check(case("EXP"))
        with pytest.raises(ValueError, match="quadratic objective with integer variables"):
            be.check(case("MIQP"))
    if "OSQP" in installed:
        caps = CvxpyBackend("OSQP").capabilities
        assert caps.quadratic and not caps.soc and not caps.exp
    if "GLOP" in installed:
        caps = CvxpyBackend("GLOP").capabilities
        assert not caps.quadratic and not caps.exp
        with pytest.raises(ValueError, match="quadratic objective"):
            CvxpyBackend("GLOP").check(case("QP"))
