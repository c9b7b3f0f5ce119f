"""Logical constraints (optlib.logic): implies, all_different, clauses, on CP-SAT (native) and on
HiGHS / SCIP (big-M bridges), with the logic re-checked at the returned point."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import optlib
from optlib.backend import Backend, get_backend
from optlib.bridges import bridge_logic
from optlib.certify import certify, status_from_checks
from optlib.logic import AllDifferent, Clause, Indicator
from optlib.logic_check import check_logic
from optlib.standard_form import RawResult
from optlib.status import Status

MIP = ["cpsat", "highs", "scip"]


def _need(name: str) -> None:
    if not get_backend(name).available():
        pytest.skip(f"{name} not installed")


# -- facility location with implies ----------------------------------------------------------
F, C = 4, 7
_rng = np.random.default_rng(3)
FIXED = _rng.integers(6, 16, F).astype(float)
COST = _rng.integers(1, 12, (F, C)).astype(float)
CAP = np.array([3, 3, 4, 2])


def facility(style: str) -> optlib.Model:
    """Single-sourcing capacitated facility location: open[j] boolean, x[j, i] = facility j
    serves customer i. `style`: 'implies' (~open => no customer), 'when_false' (the same with
    when=False), 'each' (x[j, i] = 1 => open[j] = 1, per pair), 'bigm' (by hand)."""
    m = optlib.Model("facility")
    o = m.boolean(F, name="open")
    x = m.boolean((F, C), name="x")
    m.add(x.sum(axis=0) == 1, name="serve")
    m.add(x.sum(axis=1) <= CAP, name="cap")
    for j in range(F):
        if style == "implies":
            m.add(optlib.implies(~o[j], x[j, :].sum() <= 0), name=f"closed{j}")
        elif style == "when_false":
            m.add(optlib.implies(o[j], x[j, :] <= 0, when=False), name=f"closed{j}")
        elif style == "each":
            for i in range(C):
                m.add(optlib.implies(x[j, i], o[j] >= 1), name=f"uses{j}_{i}")
        else:
            m.add(x[j, :].sum() <= C * o[j], name=f"closed{j}")
    m.minimize(FIXED @ o + (COST * x).sum())
    return m


def _brute_facility() -> float:
    best = np.inf
    for opened in itertools.product([0, 1], repeat=F):
        idx = [j for j in range(F) if opened[j]]
        if sum(CAP[idx]) < C:
            continue
        # assignment with capacities: brute force over the open facilities per customer
        for assign in itertools.product(idx, repeat=C):
            counts = np.bincount(assign, minlength=F)
            if np.all(counts <= CAP):
                best = min(best, FIXED @ np.array(opened) + sum(COST[a, i] for i, a in enumerate(assign)))
    return float(best)


FACILITY_OPT = None


def _facility_opt() -> float:
    global FACILITY_OPT
    if FACILITY_OPT is None:
        FACILITY_OPT = float(facility("bigm").solve(backend="highs").objective)
    return FACILITY_OPT


@pytest.mark.parametrize("backend", MIP)
@pytest.mark.parametrize("style", ["implies", "when_false", "each"])
def test_facility_location_matches_big_m_by_hand(backend, style):
    _need(backend)
    r = facility(style).solve(backend=backend)
    assert r.status is Status.OPTIMAL and r.verified
    assert r.certificate.checks.get("logic") is True
    assert r.objective == pytest.approx(_facility_opt(), abs=1e-6)
    o = r["open"]
    x = r["x"]
    assert np.all(x.sum(axis=1)[o < 0.5] < 0.5)          # no customer at a closed facility


def test_facility_reference_optimum_is_right():
    # the by-hand big-M model agrees with enumeration on a smaller copy (guards the reference)
    assert _facility_opt() == pytest.approx(_brute_facility())


def test_facility_without_the_implication_is_cheaper():
    # the implications bind: without them nothing needs to be opened
    m = optlib.Model()
    o = m.boolean(F, name="open")
    x = m.boolean((F, C), name="x")
    m.add(x.sum(axis=0) == 1)
    m.add(x.sum(axis=1) <= CAP)
    m.minimize(FIXED @ o + (COST * x).sum())
    assert m.solve(backend="highs").objective < _facility_opt() - 1


# -- all_different --------------------------------------------------------------------------
W = np.array([3.0, 7.0, 1.0, 5.0, 4.0])


def schedule(hi: int) -> optlib.Model:
    """Jobs in distinct slots 0..hi; job i finishing at slot p_i costs W_i * p_i, and job 1 must
    come after job 3 (p_1 >= p_3 + 1)."""
    m = optlib.Model("schedule")
    p = m.integer(W.size, lb=0, ub=hi, name="p")
    m.add(optlib.all_different(p), name="slots")
    m.add(p[1] >= p[3] + 1, name="order")
    m.minimize(W @ p)
    return m


def _schedule_brute(hi: int) -> float:
    best = np.inf
    for perm in itertools.permutations(range(hi + 1), W.size):
        if perm[1] >= perm[3] + 1:
            best = min(best, float(W @ np.array(perm)))
    return best


@pytest.mark.parametrize("backend", MIP)
def test_all_different_value_encoding(backend):
    _need(backend)
    r = schedule(5).solve(backend=backend)
    assert r.status is Status.OPTIMAL and r.verified
    assert r.objective == pytest.approx(_schedule_brute(5))
    assert len(set(np.round(r["p"]).tolist())) == W.size


@pytest.mark.parametrize("backend", ["highs", "cpsat"])
def test_all_different_pairwise_big_m(backend):
    _need(backend)
    # domains of 300 values: the pairwise encoding (one boolean per pair)
    sf2, _ = bridge_logic(schedule(299).compile())
    assert sf2.n == W.size + W.size * (W.size - 1) // 2
    r = schedule(299).solve(backend=backend)
    assert r.status is Status.OPTIMAL and r.verified
    assert r.objective == pytest.approx(_schedule_brute(5))   # the optimum uses slots 0..4


def test_all_different_binds():
    m = optlib.Model()
    p = m.integer(W.size, lb=0, ub=5, name="p")
    m.add(p[1] >= p[3] + 1)
    m.minimize(W @ p)
    assert m.solve(backend="highs").objective < _schedule_brute(5) - 1


def test_all_different_infeasible_when_too_few_values():
    m = optlib.Model()
    p = m.integer(4, lb=0, ub=2, name="p")
    m.add(optlib.all_different(p))
    m.minimize(p.sum())
    for backend in ("cpsat", "highs"):
        assert m.solve(backend=backend).status is Status.INFEASIBLE


# -- clauses --------------------------------------------------------------------------------
OBJECTIVES = [np.array(v, float) for v in np.random.default_rng(2).integers(-5, 6, (6, 8))]
CLAUSES = ["few", "either", "fixed", "some", "one"]


def clauses_model(values: np.ndarray = OBJECTIVES[0], drop: str | None = None) -> optlib.Model:
    m = optlib.Model("clauses")
    b = m.boolean(8, name="b")
    made = {"few": lambda: optlib.at_most(2, b[:4]), "either": lambda: optlib.any_of([b[4], ~b[5]]),
            "fixed": lambda: optlib.all_of([b[6], ~b[7]]),
            "some": lambda: optlib.at_least(2, [b[0], b[1], ~b[4], b[5]]),
            "one": lambda: optlib.exactly(1, [b[2], b[3], ~b[5]])}
    for name in CLAUSES:
        if name != drop:
            m.add(made[name](), name=name)
    m.maximize(values @ b)
    return m


def _clauses_brute(values: np.ndarray, drop: str | None = None) -> float:
    best = -np.inf
    for bits in itertools.product([0, 1], repeat=8):
        b = np.array(bits)
        ok = {"few": b[:4].sum() <= 2, "either": bool(b[4] or not b[5]), "fixed": b[6] == 1 and b[7] == 0,
              "some": b[0] + b[1] + (1 - b[4]) + b[5] >= 2, "one": b[2] + b[3] + (1 - b[5]) == 1}
        if all(v for k, v in ok.items() if k != drop):
            best = max(best, float(values @ b))
    return best


def test_every_clause_binds_for_some_objective():
    # guards the test below: dropping any one clause changes some optimum
    for name in CLAUSES:
        assert any(_clauses_brute(v, name) != _clauses_brute(v) for v in OBJECTIVES), name


@pytest.mark.parametrize("backend", MIP)
def test_clauses(backend):
    _need(backend)
    for values in OBJECTIVES:
        r = clauses_model(values).solve(backend=backend)
        assert r.status is Status.OPTIMAL and r.verified
        assert r.objective == pytest.approx(_clauses_brute(values))
        b = np.round(r["b"])
        assert b[6] == 1 and b[7] == 0 and b[2] + b[3] + (1 - b[5]) == 1


def test_clause_records():
    sf = clauses_model().compile()
    kinds = [(r.kind, r.k) for r in sf.logic]
    assert kinds == [("at_most", 2), ("or", 1), ("and", 2), ("at_least", 2), ("exactly", 1)]
    assert sf.logic[1].negated == (False, True)
    assert sf.logic[1].cols == (4, 5)


# -- ~z, when=False, equality indicators --------------------------------------------------------
def test_negation_is_one_minus_z_and_involutive():
    m = optlib.Model()
    z = m.boolean(3, name="z")
    nz = ~z[1]
    assert nz.const[0] == 1.0 and nz.terms[z.block].toarray().tolist() == [[0, -1, 0]]
    back = ~nz
    assert back.const[0] == 0.0 and back.terms[z.block].toarray().tolist() == [[0, 1, 0]]


@pytest.mark.parametrize("backend", ["cpsat", "highs"])
@pytest.mark.parametrize("literal,when,expect", [("z", True, 3.0), ("z", False, 10.0),
                                                 ("~z", True, 10.0), ("~z", False, 3.0)])
def test_implies_polarity(backend, literal, when, expect):
    _need(backend)
    # z fixed to 1; x <= 3 enforced exactly when the literal equals `when`
    m = optlib.Model()
    z = m.boolean(name="z")
    x = m.integer(lb=0, ub=10, name="x")
    m.add(z >= 1)
    lit = z if literal == "z" else ~z
    m.add(optlib.implies(lit, x <= 3, when=when), name="cap")
    m.maximize(x)
    r = m.solve(backend=backend)
    assert r.status is Status.OPTIMAL
    assert r.objective == pytest.approx(expect)


@pytest.mark.parametrize("backend", ["cpsat", "highs", "scip"])
def test_implies_equality_and_vector(backend):
    _need(backend)
    m = optlib.Model()
    z = m.boolean(2, name="z")
    x = m.integer(3, lb=-5, ub=5, name="x")
    m.add(optlib.implies(z[0], x[:2] == np.array([2, -3])), name="pin")
    m.add(optlib.implies(z[1], x.sum() >= 4), name="many")
    m.add(z.sum() >= 2)
    m.minimize(x.sum())
    r = m.solve(backend=backend)
    assert r.status is Status.OPTIMAL and r.verified
    assert r["x"][:2] == pytest.approx([2, -3])
    assert r.objective == pytest.approx(4.0)


# -- errors ---------------------------------------------------------------------------------
def test_invert_errors_name_the_expression():
    m = optlib.Model()
    x = m.integer(3, lb=0, ub=5, name="n")
    y = m.continuous(name="y")
    z = m.boolean(2, name="z")
    with pytest.raises(ValueError, match=r"n\[2\]"):
        ~x[2]
    with pytest.raises(ValueError, match="y"):
        ~y
    with pytest.raises(ValueError, match="scalar"):
        ~z
    with pytest.raises(ValueError, match="z"):
        ~(2 * z[0])


def test_implies_errors():
    m = optlib.Model()
    x = m.integer(3, lb=0, ub=5, name="n")
    z = m.boolean(name="z")
    with pytest.raises(ValueError, match=r"n\[1\]"):
        optlib.implies(x[1], x[0] <= 2)
    with pytest.raises(ValueError, match="linear"):
        optlib.implies(z, optlib.norm2(x) <= 3)
    with pytest.raises(ValueError, match="when"):
        optlib.implies(z, x[0] <= 2, when=2)
    with pytest.raises(ValueError, match="linear"):
        optlib.implies(z, "x <= 2")


def test_missing_bound_names_the_variable():
    m = optlib.Model()
    z = m.boolean(name="z")
    x = m.integer(3, lb=0, name="x")            # no upper bounds
    m.add(optlib.implies(z, x[2] - x[0] <= 1), name="c3")
    m.add(z >= 1)
    m.minimize(-x[0])
    with pytest.raises(ValueError, match=r"implies\(\.\.\.\) on constraint 'c3': variable x\[2\] has no upper bound"):
        m.solve(backend="highs")


def test_all_different_errors():
    m = optlib.Model()
    x = m.continuous(3, lb=0, ub=4, name="t")
    n = m.integer(3, lb=0, ub=4, name="n")
    with pytest.raises(ValueError, match=r"t\[0\].*continuous"):
        optlib.all_different(x)
    with pytest.raises(ValueError, match="integer variable entry"):
        optlib.all_different(n + 1)
    with pytest.raises(ValueError, match="at least one"):
        optlib.all_different([])
    u = m.integer(2, lb=0, name="u")
    m.add(optlib.all_different(u), name="d")
    m.minimize(u.sum())
    with pytest.raises(ValueError, match=r"'d': variable u\[0\] has no upper bound"):
        m.solve(backend="highs")


def test_clause_errors():
    m = optlib.Model()
    b = m.boolean(3, name="b")
    n = m.integer(2, lb=0, ub=3, name="n")
    with pytest.raises(ValueError, match=r"n\[0\]"):
        optlib.any_of([b[0], n[0]])
    with pytest.raises(ValueError, match="non-negative integer"):
        optlib.at_most(-1, b)
    with pytest.raises(ValueError, match="non-negative integer"):
        optlib.at_most(1.5, b)


# -- the certificate re-checks the logic ----------------------------------------------------
def _raw(sf, x):
    obj = sf.objective_value(x)
    return RawResult(status=Status.OPTIMAL, x=np.asarray(x, float), objective=obj, bound=obj)


def test_certify_catches_a_point_that_breaks_all_different():
    sf = schedule(5).compile()
    x = np.array([0, 2, 0, 1, 3], float)       # rows (p1 >= p3 + 1) hold; p0 = p2 breaks the logic
    assert check_logic(sf, np.array([0, 2, 4, 1, 3], float)) == []
    cert = certify(sf, _raw(sf, x))
    assert cert.checks["primal_feasible"] and not cert.checks["logic"]
    assert status_from_checks(Status.OPTIMAL, cert.checks) is Status.UNVERIFIED
    assert not cert.verified
    assert any("'slots' all_different (p[0] = p[2] = 0)" in v for v in cert.violated)


def test_certify_catches_broken_indicator_and_clause():
    sf = facility("implies").compile()
    # everything at facility 0, which is closed: the rows hold, the implication does not
    x = np.zeros(sf.n)
    x[F:F + C] = 1.0                           # x[0, :] = 1
    x[1] = 1.0                                 # open another one (irrelevant)
    viols = check_logic(sf, x)
    assert viols and "constraint 'closed0' (implied by open[0] = 0)" in viols[0].where
    cert = certify(sf, _raw(sf, x))
    assert cert.checks.get("rounded_feasible", True) and cert.checks["logic"] is False
    sfc = clauses_model().compile()
    xc = np.array([0, 1, 1, 0, 0, 1, 1, 0], float)   # only 'either' (b4 or ~b5) fails
    msgs = [v.where for v in check_logic(sfc, xc)]
    assert msgs == ["constraint 'either' any_of (0 of [b[4], ~b[5]] true)"]


def test_indicator_check_uses_row_scale_and_rounding():
    m = optlib.Model()
    z = m.boolean(name="z")
    y = m.continuous(lb=0, ub=10, name="y")
    m.add(optlib.implies(z, y <= 2), name="cap")
    sf = m.compile()
    assert check_logic(sf, np.array([1 - 1e-7, 2 + 1e-9])) == []      # within 1e-6 of its scale
    (v,) = check_logic(sf, np.array([1 - 1e-7, 2.01]))                # z rounds to 1: enforced
    assert v.where == "constraint 'cap' (implied by z = 1)" and v.amount == pytest.approx(0.01)
    assert check_logic(sf, np.array([0.4, 9.0])) == []                # z rounds to 0: not enforced


class _IgnoresLogic(Backend):
    """Claims native logic, then drops it: solves the rows alone on HiGHS."""

    name = "ignores_logic"
    package = "highspy"
    module = "highspy"

    def __init__(self):
        self.inner = get_backend("highs")
        self.capabilities = optlib.Capabilities(continuous=True, integer=True, mip_bound=True, logic=True)

    def solve(self, sf, params):
        raw = self.inner.solve(sf.replace(logic=()), params)
        raw.solver = self.name
        return raw


def test_backend_that_drops_the_logic_is_not_optimal():
    optlib.register_backend("ignores_logic", _IgnoresLogic, replace=True)
    try:
        r = schedule(5).solve(backend="ignores_logic")
    finally:
        optlib.unregister_backend("ignores_logic")
    assert r.status is Status.UNVERIFIED and not r.verified
    assert "all_different" in r.message


# -- the bridge's form ----------------------------------------------------------------------
def test_bridge_keeps_cone_order_and_maps_back():
    m = optlib.Model()
    z = m.boolean(2, name="z")
    x = m.continuous(2, lb=-3, ub=3, name="x")
    t = m.continuous(lb=0, ub=10, name="t")
    m.add(x[0] + x[1] == 1, name="eq")
    m.add(x[0] <= 2, name="le")
    m.add(optlib.norm2(x) <= t, name="soc")
    m.add(optlib.implies(z[0], x[0] >= 1), name="ind")
    m.add(optlib.exactly(1, z), name="pick")
    m.minimize(t)
    sf = m.compile()
    sf2, invert = bridge_logic(sf)
    assert sf2.logic == () and sf2.cones.soc == sf.cones.soc
    assert sf2.cones.zero == sf.cones.zero + 1 and sf2.cones.nonneg == sf.cones.nonneg + 1
    names = [rb.name for rb in sf2.row_blocks]
    assert "ind_bigm" in names and "pick_rows" in names
    soc_rows = slice(sf2.m - sum(sf.cones.soc), sf2.m)
    assert np.allclose(sf2.A.toarray()[soc_rows, :sf.n], sf.A.toarray()[sf.m - sum(sf.cones.soc):])
    z2 = np.arange(sf2.m, dtype=float)
    back = invert(RawResult(status=Status.OPTIMAL, x=np.arange(sf2.n, dtype=float), z=z2))
    assert back.x.shape == (sf.n,)
    # the original rows, in their original order, with the values they had in sf2
    A2 = sf2.A.toarray()[:, :sf.n]
    assert np.allclose(A2[back.z.astype(int)], sf.A.toarray())
    assert np.allclose(sf2.b[back.z.astype(int)], sf.b)


def test_bridge_extends_row_order():
    sf = facility("implies").compile()
    assert sf.row_order is not None
    sf2, _ = bridge_logic(sf)
    assert sorted(sf2.row_order.tolist()) == list(range(sf2.m))
    # the original rows first, in the order they were given, then the bridge's rows
    given = sf2.A.toarray()[sf2.row_order[: sf.m], : sf.n]
    assert np.allclose(given, sf.A.toarray()[sf.row_order])
    assert np.allclose(sf2.b[sf2.row_order[: sf.m]], sf.b[sf.row_order])


def test_records_are_column_level():
    m = optlib.Model()
    y = m.integer(2, lb=0, ub=3, name="y")
    z = m.boolean(3, name="z")
    m.add(optlib.implies(~z[2], 2 * y[1] <= 3), name="c")
    m.add(optlib.all_different([y[1], y[0]]), name="d")
    sf = m.compile()
    ind, alld = sf.logic
    assert isinstance(ind, Indicator) and ind.z_col == 4 and ind.active_value == 0
    assert ind.A.toarray().tolist() == [[0, 2, 0, 0, 0]] and ind.b.tolist() == [3.0]
    assert isinstance(alld, AllDifferent) and alld.cols == (1, 0)
    assert not isinstance(alld, Clause)


def test_big_m_takes_a_bound_the_rows_imply():
    """y has no bounds of its own but the rows y <= 3 bound it: the big-M rewrite uses that, and
    the optimum is the same as with the bounds on the variable."""
    results = []
    for own_bounds in (False, True):
        m = optlib.Model()
        y = m.continuous(2, ub=3 if own_bounds else None, name="y")
        w = m.boolean(name="w")
        m.add(y >= -1)
        if not own_bounds:
            m.add(y <= 3)
        m.add(optlib.implies(w, y.sum() <= 1))
        m.maximize(y.sum() + 5 * w)
        res = m.solve(backend="highs")
        assert res.status is optlib.Status.OPTIMAL and res.verified
        results.append(res.objective)
    assert results[0] == pytest.approx(results[1]) == pytest.approx(6.0)
