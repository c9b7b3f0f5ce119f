"""MPS/LP reading and writing (optlib.io): conversion of row kinds, sense, round trips."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from optlib import ConeDims, RowBlock, SolveParams, StandardForm, Status, datasets
from optlib.io import read_standard_form, write_standard_form
from solvers import get_backend

RANGED_MPS = """NAME          RANGED
OBJSENSE
    MAX
ROWS
 N  obj
 L  cap
 G  need
 E  bal
 L  band
COLUMNS
    MARKER                 'MARKER'                 'INTORG'
    x         obj       3.0          cap       1.0
    x         need      1.0          band      1.0
    MARKER                 'MARKER'                 'INTEND'
    y         obj       2.0          cap       1.0
    y         bal       1.0          band      -1.0
    w         bal       -1.0
RHS
    RHS       cap       4.0          need      1.0
    RHS       band      1.0          obj       -7.0
RANGES
    RNG       band      3.0
BOUNDS
 UP BND       x         3.0
 UP BND       y         10.0
 UP BND       w         10.0
ENDATA
"""


def highs_optimum(sf: StandardForm) -> float:
    res = get_backend("highs").solve(sf, SolveParams())
    assert res.status == Status.OPTIMAL
    return sf.user_objective(res.objective)


def lp_form() -> StandardForm:
    # max x + y  s.t. x + 2y <= 4, 3x + y <= 6, x - y == 0.5, x, y in [0, 5], user offset 1
    A = sp.csc_matrix(np.array([[1.0, -1.0], [1.0, 2.0], [3.0, 1.0]]))
    return StandardForm(c=np.array([-1.0, -1.0]), A=A, b=np.array([0.5, 4.0, 6.0]),
                        cones=ConeDims(zero=1, nonneg=2), lb=np.zeros(2), ub=np.full(2, 5.0),
                        integer=np.zeros(2, bool), offset=-1.0, sense=-1,
                        var_names=("x", "y[0]"), name="lp")


def milp_form() -> StandardForm:
    # min -5x - 4y  s.t. 6x + 4y <= 24, x + 2y >= 1 (held as -x - 2y <= -1), x, y in Z ∩ [0, 10]
    A = sp.csc_matrix(np.array([[6.0, 4.0], [-1.0, -2.0]]))
    blocks = (RowBlock("cap", "nonneg", 0, 1, (1,), 1),
              RowBlock("need", "nonneg", 1, 1, (1,), 1, negated=True))
    return StandardForm(c=np.array([-5.0, -4.0]), A=A, b=np.array([24.0, -1.0]),
                        cones=ConeDims(nonneg=2), lb=np.zeros(2), ub=np.full(2, 10.0),
                        integer=np.ones(2, bool), var_names=("x", "y"), row_blocks=blocks,
                        name="milp")


@pytest.mark.parametrize("ext", [".mps", ".lp", ".mps.gz"])
@pytest.mark.parametrize("make", [lp_form, milp_form])
def test_round_trip_preserves_the_optimum(tmp_path, ext, make):
    sf = make()
    path = tmp_path / f"model{ext}"
    write_standard_form(sf, path)
    back = read_standard_form(path)
    assert (back.n, back.sense, int(back.integer.sum())) == (sf.n, sf.sense, int(sf.integer.sum()))
    assert highs_optimum(back) == pytest.approx(highs_optimum(sf), abs=1e-9)
    # and a second trip changes nothing
    write_standard_form(back, tmp_path / f"again{ext}")
    again = read_standard_form(tmp_path / f"again{ext}")
    assert again.m == back.m and again.var_names == back.var_names
    assert highs_optimum(again) == pytest.approx(highs_optimum(sf), abs=1e-9)


def test_milp_round_trip_keeps_names_and_ge_rows(tmp_path):
    write_standard_form(milp_form(), tmp_path / "m.lp")
    back = read_standard_form(tmp_path / "m.lp")
    assert back.var_names == ("x", "y")
    assert [(b.name, b.cone, b.negated) for b in back.row_blocks] == [
        ("cap", "nonneg", False), ("need", "nonneg", True)]
    np.testing.assert_allclose(back.A.toarray(), milp_form().A.toarray())
    np.testing.assert_allclose(back.b, milp_form().b)


def test_reading_ranged_rows_and_maximisation(tmp_path):
    path = tmp_path / "ranged.mps"
    path.write_text(RANGED_MPS)
    sf = read_standard_form(path)
    # user objective max 3x + 2y + 7 (an RHS on the objective row is minus the offset)
    assert sf.sense == -1
    np.testing.assert_allclose(sf.c, [-3.0, -2.0, 0.0])
    assert sf.offset == pytest.approx(-7.0)
    assert sf.var_names == ("x", "y", "w")
    np.testing.assert_array_equal(sf.integer, [True, False, False])
    assert sf.cones == ConeDims(zero=1, nonneg=4)
    blocks = [(b.name, b.cone, b.start, b.negated) for b in sf.row_blocks]
    assert blocks == [("bal", "zero", 0, False), ("cap", "nonneg", 1, False),
                      ("need", "nonneg", 2, True), ("band", "nonneg", 3, False),
                      ("band:lo", "nonneg", 4, True)]
    # band: -2 <= x - y <= 1 (L row with range 3)
    np.testing.assert_allclose(sf.A.toarray()[3:], [[1, -1, 0], [-1, 1, 0]])
    np.testing.assert_allclose(sf.b, [0.0, 4.0, -1.0, 1.0, 2.0])
    # x - y <= 1 and x + y <= 4 with x integer: x = 2, y = 2 -> 3*2 + 2*2 + 7 = 17
    assert highs_optimum(sf) == pytest.approx(17.0)


def test_bad_paths_and_cones(tmp_path):
    with pytest.raises(ValueError, match=r"model\.txt.*\.mps.*\.lp"):
        read_standard_form(tmp_path / "model.txt")
    with pytest.raises(FileNotFoundError):
        read_standard_form(tmp_path / "missing.mps")
    with pytest.raises(ValueError, match=r"\.lp"):
        write_standard_form(lp_form(), tmp_path / "model.json")
    socp = StandardForm(c=np.array([1.0, 0.0]), A=sp.csc_matrix(-np.eye(2)), b=np.zeros(2),
                        cones=ConeDims(soc=(2,)), lb=np.full(2, -np.inf), ub=np.full(2, np.inf),
                        integer=np.zeros(2, bool))
    with pytest.raises(ValueError, match="cone"):
        write_standard_form(socp, tmp_path / "socp.mps")


def test_read_shared_slim_instance():
    sf = read_standard_form(datasets.slim_mps("max_5_features"))      # shipped with optlib (gzipped)
    assert (sf.n, sf.m) == (715, 723)
    assert int(sf.integer.sum()) > 0
    assert sf.problem_class == "MILP"
    res = get_backend("highs").solve(sf, SolveParams(time_limit=5))
    assert res.status.has_solution or res.status == Status.NO_SOLUTION
    if res.status.has_solution:
        assert res.bound is None or res.bound <= res.objective + 1e-6
