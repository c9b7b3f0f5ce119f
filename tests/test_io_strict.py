"""Strict reading of model files (issue 15, item 5): optlib.mps.read_mps and the LP checks.

MPS files are read by optlib's own reader; on good files it must give exactly the
StandardForm that HiGHS's reading gave before (`optlib.io._read_with_highs`), and broken
files must raise a ValueError naming the file, line and field.
"""
from __future__ import annotations

import gzip
import re
import time

import numpy as np
import pytest

import optlib
from optlib import datasets
from optlib.io import _read_with_highs, read_standard_form
from optlib.mps import ModelFileError, read_mps

# the HiGHS check instances and the SLIM MIPLIB programs, shipped gzipped with optlib
HIGHS_CHECK = datasets.HERE / "highs_check"


def shared_mps_files() -> list:
    files = [datasets.slim_mps(task) for task in datasets.SLIM_TASKS] + sorted(HIGHS_CHECK.glob("*.mps.gz"))
    return [pytest.param(f, id=datasets.plain_name(f)) for f in files if f.name != "nan0.mps.gz"]


def assert_same_form(new, old) -> None:
    np.testing.assert_array_equal(new.c, old.c)
    assert new.A.shape == old.A.shape
    assert (new.A != old.A).nnz == 0
    np.testing.assert_array_equal(new.b, old.b)
    assert new.cones == old.cones
    np.testing.assert_array_equal(new.lb, old.lb)
    np.testing.assert_array_equal(new.ub, old.ub)
    np.testing.assert_array_equal(new.integer, old.integer)
    assert new.offset == old.offset
    assert new.sense == old.sense
    assert new.var_names == old.var_names
    assert new.row_blocks == old.row_blocks
    assert new.name == old.name


# -- (a) the new reader equals HiGHS's reading on real files ---------------------------------
@pytest.mark.parametrize("path", shared_mps_files())
def test_read_mps_equals_the_highs_reading(path):
    assert_same_form(read_mps(path), _read_with_highs(path))
    assert_same_form(read_standard_form(path), _read_with_highs(path))


# -- (b) the NaN instance of HiGHS's check set ------------------------------------------------
def test_nan0_is_refused():
    # HiGHS reads it and solves to objective NaN; line 8 is "    P1      INCOME          nan"
    with pytest.raises(ValueError, match=r'nan0\.mps\.gz", line 8, field 4: NaN coefficient'):
        optlib.read(HIGHS_CHECK / "nan0.mps.gz")


# -- (c) refusals, one edit of a small valid file each ----------------------------------------
BASE = """NAME          SMALL
ROWS
 N  obj
 L  c1
 G  c2
 N  spare
COLUMNS
    x         obj       1.0          c1        2.0
    x         c2        1.0
    y         obj       -1.0         c1        1.0
RHS
    RHS       c1        4.0          c2        1.0
RANGES
    RNG       c1        2.0
BOUNDS
 UP BND       x         3.0
ENDATA
"""
# (name, text replaced in BASE, replacement, expected message after "model.mps")
REFUSALS = [
    ("nan-coefficient", "    x         c2        1.0", "    x         c2        NaN",
     ", line 9, field 4: NaN coefficient"),
    ("inf-coefficient", "    x         c2        1.0", "    x         c2        Infinity",
     ", line 9, field 4: infinite coefficient 'Infinity'"),
    ("huge-cost", "    y         obj       -1.0", "    y         obj       -1e30",
     ", line 10, field 4: objective coefficient '-1e30' is infinite"),
    ("abc-in-columns", "    x         c2        1.0", "    x         c2        abc",
     ", line 9, field 4: 'abc' is not a number"),
    ("number-prefix", "    x         c2        1.0", "    x         c2        12abc",
     ", line 9, field 4: '12abc' is not a number"),
    ("abc-in-rhs", "c2        1.0\nRANGES", "c2        abc\nRANGES",
     ", line 12, field 6: 'abc' is not a number"),
    ("abc-in-ranges", "    RNG       c1        2.0", "    RNG       c1        abc",
     ", line 14, field 4: 'abc' is not a number"),
    ("abc-in-bounds", " UP BND       x         3.0", " UP BND       x         abc",
     ", line 16, field 4: 'abc' is not a number"),
    ("nan-in-rhs", "c2        1.0\nRANGES", "c2        nan\nRANGES",
     ", line 12, field 6: NaN right-hand side"),
    ("nan-in-bounds", " UP BND       x         3.0", " UP BND       x         NaN",
     ", line 16, field 4: NaN bound"),
    ("unknown-row-in-columns", "    x         c2        1.0", "    x         c9        1.0",
     ", line 9, field 3: row 'c9' is not declared in ROWS"),
    ("unknown-row-in-rhs", "    RHS       c1        4.0", "    RHS       c9        4.0",
     ", line 12, field 3: row 'c9' is not declared in ROWS"),
    ("unknown-row-in-ranges", "    RNG       c1        2.0", "    RNG       c9        2.0",
     ", line 14, field 3: row 'c9' is not declared in ROWS"),
    ("unknown-column-in-bounds", " UP BND       x         3.0", " UP BND       z         3.0",
     ", line 16, field 3: column 'z' is not declared in COLUMNS"),
    ("rhs-on-free-row", "    RHS       c1        4.0", "    RHS       spare     4.0",
     ", line 12, field 3: right-hand side for the free row 'spare'"),
    ("range-on-objective", "    RNG       c1        2.0", "    RNG       obj       2.0",
     ", line 14, field 3: RANGES entry for the N row 'obj'"),
    ("duplicate-entry", "    x         c2        1.0", "    x         c2        1.0     c1   5.0",
     ", line 9, field 5: a second entry for column 'x' in row 'c1' (the first is on line 8)"),
    ("duplicate-rhs", "c2        1.0\nRANGES", "c1        1.0\nRANGES",
     ", line 12, field 5: a second right-hand side for row 'c1'"),
    ("duplicate-bound", " UP BND       x         3.0", " UP BND       x         3.0\n"
     " FX BND       x         2.0", ", line 17, field 1: a second upper bound for column 'x'"),
    ("second-rhs-vector", "    RHS       c1        4.0          c2        1.0",
     "    RHS       c1        4.0\n    RHS2      c2        1.0",
     ", line 13, field 2: a second RHS vector 'RHS2'"),
    ("column-not-contiguous", "RHS\n", "    x         obj       2.0\nRHS\n",
     ", line 11, field 2: column 'x' appears again after other columns"),
    ("duplicate-row", " N  spare", " N  spare\n L  c1",
     ", line 7, field 2: row 'c1' is declared twice"),
    ("lower-bound-plus-inf", " UP BND       x         3.0", " LO BND       x         1e30",
     ", line 16, field 4: lower bound '1e30' is +infinite"),
    ("semi-continuous", " UP BND       x         3.0", " SC BND       x         3.0",
     ", line 16, field 1: bound type SC: semi-continuous"),
    ("unknown-section", "RANGES\n", "RANGERS\n", ", line 13: unknown section 'RANGERS'"),
    ("quadratic-section", "ENDATA", "QUADOBJ\n    x         x         1.0\nENDATA",
     ", line 17: section QUADOBJ: the model has a quadratic objective"),
    ("wrong-field-count-columns", "    x         c2        1.0", "    x         c2        1.0   c1",
     ", line 9: 4 fields in COLUMNS where 3 or 5"),
    ("wrong-field-count-rows", " G  c2", " G  c2 extra", ", line 5: 3 fields in ROWS where 2"),
    ("wrong-field-count-bounds", " UP BND       x         3.0", " UP BND       x  3.0  4.0",
     ", line 16: 5 fields in BOUNDS where 4"),
    ("missing-endata", "ENDATA\n", "", ": missing ENDATA"),
    ("text-after-endata", "ENDATA\n", "ENDATA\nx obj 1\n", ", line 18: text after ENDATA"),
    ("data-line-in-column-1", "    y         obj", "y         obj",
     ", line 10: unknown section 'y'"),
    ("bad-row-type", " N  spare", " X  spare", ", line 6, field 1: row type 'X'"),
]


@pytest.mark.parametrize("old,new,expected", [pytest.param(*r[1:], id=r[0]) for r in REFUSALS])
def test_broken_mps_is_refused_with_file_line_and_field(tmp_path, old, new, expected):
    assert old in BASE
    path = tmp_path / "model.mps"
    path.write_text(BASE.replace(old, new, 1))
    with pytest.raises(ValueError) as info:
        read_standard_form(path)
    message = str(info.value)
    assert message.startswith(f'"{path}"'), message
    assert expected in message, message


def test_the_base_file_itself_reads(tmp_path):
    path = tmp_path / "model.mps"
    path.write_text(BASE)
    sf = read_standard_form(path)
    assert sf.var_names == ("x", "y")
    assert [b.name for b in sf.row_blocks] == ["c1", "c1:lo", "c2"]  # the free row is dropped
    np.testing.assert_array_equal(sf.b, [4.0, -2.0, -1.0])  # c1 in [2, 4], c2 >= 1
    assert_same_form(sf, _read_with_highs(path))


def test_infinite_right_hand_side_of_an_equality_is_refused(tmp_path):
    path = tmp_path / "model.mps"
    path.write_text(BASE.replace(" G  c2", " E  c2").replace(
        "    RHS       c1        4.0          c2        1.0",
        "    RHS       c1        4.0          c2        1e30"))
    with pytest.raises(ValueError, match=r'model\.mps", line 12: E row \'c2\': its lower side '
                                         r"is \+inf"):
        read_standard_form(path)


@pytest.mark.parametrize("text,expected", [("", "the file is empty"),
                                           ("\n   \n\t\n", "the file is empty"),
                                           ("* a comment\n*\n\n", "the file holds only comments")])
def test_empty_and_comment_only_mps_files_are_refused(tmp_path, text, expected):
    path = tmp_path / "model.mps"
    path.write_text(text)
    with pytest.raises(ValueError, match=f'model\\.mps": {expected}'):
        read_standard_form(path)


def test_model_file_error_carries_line_and_field(tmp_path):
    path = tmp_path / "model.mps"
    path.write_text(BASE.replace("    x         c2        1.0", "    x         c2        abc"))
    with pytest.raises(ModelFileError) as info:
        read_mps(path)
    assert (info.value.path, info.value.line, info.value.field) == (str(path), 9, 4)
    assert isinstance(info.value, ValueError)


# -- (d) formats and HiGHS's conventions ----------------------------------------------------
def fixed_line(f1="", f2="", f3="", f4="", f5="", f6="") -> str:
    """A fixed-MPS data line: fields in columns 2-3, 5-12, 15-22, 25-36, 40-47, 50-61."""
    line = (" " + f1.ljust(2) + " " + f2.ljust(8) + "  " + f3.ljust(8) + "  " + f4.rjust(12)
            + "   " + f5.ljust(8) + "  " + f6.rjust(12))
    return line.rstrip()


def test_fixed_format_with_blanks_in_names(tmp_path):
    lines = ["NAME          FIXED", "ROWS", fixed_line("N", "COST"), fixed_line("L", "LIM 1"),
             fixed_line("G", "LIM 2"), fixed_line("E", "MY EQN"), "COLUMNS",
             fixed_line("", "MARKER", "'MARKER'", "", "'INTORG'"),
             fixed_line("", "X ONE", "COST", "1.0", "LIM 1", "1.0"),
             fixed_line("", "X ONE", "LIM 2", "1.0"),
             fixed_line("", "MARKER", "'MARKER'", "", "'INTEND'"),
             fixed_line("", "Y TWO", "COST", "2.0", "LIM 1", "1.0"),
             fixed_line("", "Y TWO", "MY EQN", "-1.0"),
             "RHS", fixed_line("", "RHS", "LIM 1", "4.0", "LIM 2", "1.0"),
             fixed_line("", "", "MY EQN", "0.5"),  # no set name
             "RANGES", fixed_line("", "RNG", "LIM 1", "2.5"),
             "BOUNDS", fixed_line("UP", "BND", "X ONE", "4.0"),
             fixed_line("UP", "BND", "Y TWO", "9.0"), "ENDATA"]
    path = tmp_path / "fixed.mps"
    path.write_text("\n".join(lines) + "\n")
    for sf in (read_standard_form(path), read_mps(path, fixed=True)):
        assert sf.var_names == ("X ONE", "Y TWO")
        assert [(b.name, b.cone, b.negated) for b in sf.row_blocks] == [
            ("MY EQN", "zero", False), ("LIM 1", "nonneg", False),
            ("LIM 1:lo", "nonneg", True), ("LIM 2", "nonneg", True)]
        # -y = 0.5; x + y in [1.5, 4]; x >= 1
        np.testing.assert_array_equal(sf.A.toarray(), [[0, -1], [1, 1], [-1, -1], [-1, 0]])
        np.testing.assert_array_equal(sf.b, [0.5, 4.0, -1.5, -1.0])
        np.testing.assert_array_equal(sf.c, [1.0, 2.0])
        np.testing.assert_array_equal(sf.ub, [4.0, 9.0])
        np.testing.assert_array_equal(sf.integer, [True, False])
    with pytest.raises(ValueError, match=r"line 4: 3 fields in ROWS where 2"):
        read_mps(path, fixed=False)


@pytest.mark.parametrize("sense_lines", ["OBJSENSE MAX\n", "OBJSENSE\n    MAX\n",
                                         "OBJSENSE\n    MAXIMIZE\n", "OBJSENSE    MAXIMIZE\n"])
def test_free_format_objsense_max(tmp_path, sense_lines):
    path = tmp_path / "max.mps"
    path.write_text(BASE.replace("ROWS\n", sense_lines + "ROWS\n", 1))
    sf = read_standard_form(path)
    assert sf.sense == -1
    np.testing.assert_array_equal(sf.c, [-1.0, 1.0])  # max x - y, held as min -x + y
    if sense_lines != "OBJSENSE    MAXIMIZE\n":  # HiGHS minimises that one (see optlib.mps)
        assert_same_form(sf, _read_with_highs(path))


def test_gzipped_mps(tmp_path):
    plain, packed = tmp_path / "model.mps", tmp_path / "model.mps.gz"
    plain.write_text(BASE)
    packed.write_bytes(gzip.compress(BASE.encode()))
    assert_same_form(read_standard_form(packed), read_standard_form(plain))
    assert read_standard_form(packed).name == "model"
    bad = tmp_path / "bad.mps.gz"
    bad.write_bytes(gzip.compress(BASE.replace("1.0", "abc", 1).encode()))
    with pytest.raises(ValueError, match=r'bad\.mps\.gz", line 8, field 4'):
        read_standard_form(bad)


CONVENTIONS = """NAME          CONVENTIONS
OBJSENSE
    MAX
ROWS
 N  obj
 L  lim
 G  need
 E  eqp
 E  eqn
 E  eqz
 L  open
COLUMNS
    MARKER                 'MARKER'                 'INTORG'
    b         obj       1.0          lim       1.0
    k         obj       2.0D0        need      1.5
    MARKER                 'MARKER'                 'INTEND'
    x         obj       1.0          eqp       1.0
    x         eqn       1.0          eqz       1e-12
    y         lim       2.5          open      1.0
    z         need      1.0          eqz       1.0
    w         obj       0.0
RHS
    RHS       lim       10.0         need      -1e30
    RHS       eqp       2.0          eqn       3.0
    RHS       obj       -4.0         open      1e30
    eqz       1.0
RANGES
    RNG       eqp       0.5          eqn       -0.5
    RNG       lim       4.0          eqz       0
BOUNDS
 UP BND       k         5.0
 UP BND       x         -2.0
 MI BND       y
 UP BND       y         1e30
 BV BND       z
 LO BND       w         -Infinity
 UP           w         7.0
ENDATA
"""


def test_highs_conventions_are_matched(tmp_path):
    path = tmp_path / "conventions.mps"
    path.write_text(CONVENTIONS)
    sf = read_standard_form(path)
    assert_same_form(sf, _read_with_highs(path))
    assert sf.var_names == ("b", "k", "x", "y", "z", "w")
    # integer column b without BOUNDS lines is binary; k (integer, UP 5) is [0, 5]
    np.testing.assert_array_equal(sf.integer, [True, True, False, False, True, False])
    np.testing.assert_array_equal(sf.lb, [0, 0, 0, -np.inf, 0, -np.inf])
    # a negative UP bound leaves the default lower bound 0 (as HiGHS does)
    np.testing.assert_array_equal(sf.ub, [1, 5, -2, np.inf, 1, 7])
    assert sf.offset == pytest.approx(-4.0)  # RHS -4 on the objective: offset +4, negated (max)
    rows = {b.name: (b.cone, float(sf.b[b.start])) for b in sf.row_blocks}
    # E rows with ranges: 0.5 -> [2, 2.5], -0.5 -> [2.5, 3]; range 0 keeps an equality
    assert rows["eqp"] == ("nonneg", 2.5) and rows["eqp:lo"] == ("nonneg", -2.0)
    assert rows["eqn"] == ("nonneg", 3.0) and rows["eqn:lo"] == ("nonneg", -2.5)
    assert rows["eqz"] == ("zero", 1.0)
    assert rows["lim"] == ("nonneg", 10.0) and rows["lim:lo"] == ("nonneg", -6.0)
    # need >= -1e30 and open <= 1e30 are free rows, dropped
    assert "need" not in rows and "open" not in rows
    # |a| <= 1e-9 is dropped, as HiGHS does when it is given the model
    eqz = next(b.start for b in sf.row_blocks if b.name == "eqz")
    assert sf.A[eqz, 2] == 0 and sf.A[eqz, 4] == 1


# -- (e) LP files ---------------------------------------------------------------------------
GOOD_LP = """\\ a small model
Maximize
 obj: 3 x + 2 y + 7
Subject To
 c1: x + y <= 4
 c2: x - y >= -2
Bounds
 x <= 3
 -1 <= y <= 5
Generals
 x
End
"""


def test_valid_lp_still_reads(tmp_path):
    path = tmp_path / "good.lp"
    path.write_text(GOOD_LP)
    sf = read_standard_form(path)
    assert sf.sense == -1 and sf.var_names == ("x", "y")
    np.testing.assert_array_equal(sf.c, [-3.0, -2.0])
    assert sf.offset == -7.0
    np.testing.assert_array_equal(sf.lb, [0.0, -1.0])
    np.testing.assert_array_equal(sf.ub, [3.0, 5.0])
    np.testing.assert_array_equal(sf.integer, [True, False])
    assert [(b.name, b.negated) for b in sf.row_blocks] == [("c1", False), ("c2", True)]
    assert_same_form(sf, _read_with_highs(path))


@pytest.mark.parametrize("text", ["", "  \n\n", "\\ only a comment\n\\ and another\n"])
def test_empty_lp_is_refused(tmp_path, text):
    path = tmp_path / "empty.lp"
    path.write_text(text)
    with pytest.raises(ValueError, match=r'empty\.lp": the file is empty'):
        read_standard_form(path)


LP_HEAD = "Minimize\n obj: x + 2 y\nSubject To\n c1: x + y >= 1\n"


@pytest.mark.parametrize("text,expected", [
    # HiGHS drops the constant and reads x + y >= 1
    ("Minimize\n obj: x + 2 y\nSubject To\n c1: x + y + 3 >= 1\nEnd\n",
     ", line 4, column 12: HiGHS reports that a constant on the left-hand side"),
    # HiGHS keeps the last bound
    (LP_HEAD + "Bounds\n x <= 4\n y >= 1\n x <= 6\nEnd\n",
     ", line 8: a second upper bound for variable 'x' (the first is on line 6)"),
    (LP_HEAD + "Bounds\n x free\n x <= 6\nEnd\n", ", line 7: a second upper bound"),
    # HiGHS makes the cost +inf
    ("Minimize\n obj: 1e30 x + 2 y\nSubject To\n c1: x + y >= 1\nEnd\n",
     ": objective coefficient inf of variable 'x' is not finite"),
    # HiGHS reads a variable named nan
    ("Minimize\n obj: x + 2 nan\nSubject To\n c1: x + nan >= 1\nEnd\n",
     ": a variable named 'nan'"),
    # HiGHS's own parse errors, now with line and column
    ("Minimize\n obj: abc x + 2 y\nSubject To\n c1: x + y <= 4\nEnd\n",
     ", line 2, column 11: expected `+` or `-`, found `x`"),
    (LP_HEAD + "Bounds\n x <= abc\nEnd\n", ", line 6, column 7: expected a number, found `abc`"),
    (LP_HEAD, ", line 4, column 16: expected `end`, found end of file"),
    ("Minimize\nEnd\n", ": no variables"),
], ids=["lhs-constant", "second-bound", "free-then-bound", "huge-cost", "nan-variable",
        "abc-coefficient", "abc-bound", "missing-end", "no-variables"])
def test_broken_lp_is_refused_with_file_and_line(tmp_path, text, expected):
    path = tmp_path / "model.lp"
    path.write_text(text)
    with pytest.raises(ValueError) as info:
        read_standard_form(path)
    message = str(info.value)
    assert message.startswith(f'"{path}"') and expected in message, message


def test_lp_bounds_on_both_sides_over_several_lines_are_fine(tmp_path):
    path = tmp_path / "sides.lp"
    path.write_text(LP_HEAD + "Bounds\n x <= 4\n x >= -2\n -inf <= y <= 3\nEnd\n")
    sf = read_standard_form(path)
    np.testing.assert_array_equal(sf.lb, [-2.0, -np.inf])
    np.testing.assert_array_equal(sf.ub, [4.0, 3.0])


def test_fast_enough():
    """25fv47 (about 7,000 lines) reads well under 0.2 s (about 15 ms on one core)."""
    path = HIGHS_CHECK / "25fv47.mps.gz"
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        read_mps(path)
        times.append(time.perf_counter() - t0)
    assert min(times) < 0.2


def test_error_messages_name_the_file_first():
    error = ModelFileError("x.mps", "what", 3, 2)
    assert re.fullmatch(r'"x\.mps", line 3, field 2: what', str(error))
    assert str(ModelFileError("x.mps", "what")) == '"x.mps": what'


# -- (f) the bulk reader (optlib.mps_bulk) reads what the line reader reads, to the same form ----
def _exactly_same(new, old) -> None:
    """assert_same_form, and the matrix stored the same way (HiGHS gets the same arrays)."""
    assert_same_form(new, old)
    for attr in ("indptr", "indices", "data"):
        np.testing.assert_array_equal(getattr(new.A, attr), getattr(old.A, attr))
    np.testing.assert_array_equal(new.row_order, old.row_order)


def _both_readers(path):
    """(the bulk reader's form or its exception, the line reader's form or its exception)."""
    from optlib import mps

    text = mps.read_text(path)
    out = []
    for read in (lambda: mps._read_bulk(path, text),
                 lambda: mps._read_lines(path, text.splitlines(), False)):
        try:
            out.append(read())
        except Exception as exc:  # noqa: BLE001 (compared below)
            out.append(exc)
    return out


@pytest.mark.parametrize("path", shared_mps_files())
def test_bulk_reader_takes_the_shipped_files_and_agrees(path):
    from optlib.mps_bulk import Unreadable

    bulk, lines = _both_readers(path)
    if datasets.plain_name(path) == "dD2e.mps":  # Fortran 'D' exponents: left to the line reader
        assert isinstance(bulk, Unreadable)
        return
    assert not isinstance(bulk, Exception), f"the bulk reader handed {path.name} back: {bulk!r}"
    _exactly_same(bulk, lines)


BULK_CONVENTIONS = (CONVENTIONS.replace("2.0D0", "2.0")
                    .replace(" UP           w", " UP BND       w")
                    .replace("1e30\n    eqz       1.0\n", "1e30\n    RHS       eqz       1.0\n"))


@pytest.mark.parametrize("variant", ["plain", "crlf", "tabs", "comments", "objsense-section",
                                     "two-marker-blocks", "no-rhs-no-bounds"])
def test_bulk_reader_agrees_with_the_line_reader(tmp_path, variant):
    from optlib.mps_bulk import Unreadable

    text = BULK_CONVENTIONS
    if variant == "crlf":
        text = text.replace("\n", "\r\n")
    elif variant == "tabs":
        text = text.replace("    x         obj       1.0          eqp       1.0",
                            "\tx\tobj\t1.0\teqp 1.0\t")
    elif variant == "comments":
        text = text.replace("COLUMNS\n", "COLUMNS\n* a comment\n\n   \n").replace(
            "RANGES\n", "* another\nRANGES\n")
    elif variant == "objsense-section":
        text = text.replace("OBJSENSE\n    MAX\n", "OBJSENSE\n\n    MIN\n")
    elif variant == "two-marker-blocks":
        text = text.replace("    y         lim       2.5",
                            "    M2        'MARKER'                 'INTORG'\n"
                            "    y         lim       2.5").replace(
            "    z         need", "    M3        'MARKER'                 'INTEND'\n    z         need")
    elif variant == "no-rhs-no-bounds":
        text = text[:text.index("RHS\n")] + "ENDATA\n"
    path = tmp_path / "model.mps"
    path.write_bytes(text.encode())
    bulk, lines = _both_readers(path)
    assert not isinstance(bulk, Unreadable), f"handed back: {bulk!r}"
    _exactly_same(bulk, lines)
    _exactly_same(read_standard_form(path), lines)


@pytest.mark.parametrize("old,new", [
    ("    x         c2        1.0", "    x         c2        1.0D0"),          # Fortran exponent
    ("    RHS       c1        4.0          c2        1.0", "    c1  4.0  c2  1.0"),  # no set name
    (" UP BND       x         3.0", " UP x  3.0"),                             # no set name
    ("    x         c2        1.0", "    x         c2        1.0\x0c"),       # form feed
    ("    y         obj", "    y\u00e9        obj"),                          # non-ASCII name
])
def test_what_the_bulk_reader_hands_back_is_read_line_by_line(tmp_path, old, new):
    from optlib.mps_bulk import Unreadable

    path = tmp_path / "model.mps"
    path.write_bytes(BASE.replace(old, new, 1).encode())
    bulk, lines = _both_readers(path)
    assert isinstance(bulk, Unreadable)
    assert not isinstance(lines, Exception), lines
    _exactly_same(read_standard_form(path), lines)


@pytest.mark.parametrize("old,new,expected", [pytest.param(*r[1:], id=r[0]) for r in REFUSALS])
def test_the_bulk_reader_never_reads_a_refused_file(tmp_path, old, new, expected):
    from optlib.mps import ModelFileError
    from optlib.mps_bulk import Unreadable

    path = tmp_path / "model.mps"
    path.write_text(BASE.replace(old, new, 1))
    bulk, lines = _both_readers(path)
    assert isinstance(bulk, (Unreadable, ModelFileError)), bulk
    assert isinstance(lines, Exception)  # (a wrong field count: free format's retry signal)


def test_bulk_reader_on_random_edits_never_disagrees(tmp_path):
    """400 files, each BASE or BULK_CONVENTIONS with 1-3 random edits (a field replaced, a line
    copied, dropped, moved or lengthened): whatever the bulk reader reads, the line reader reads
    to the same form (and most edits it hands back)."""
    import random

    from optlib.mps import ModelFileError
    from optlib.mps_bulk import Unreadable

    words = ["1.0", "-1", "0", "1e30", "-1e30", "inf", "nan", "abc", "1_0", "1d3", "'MARKER'",
             "'INTORG'", "'INTEND'", "N", "L", "G", "E", "UP", "LO", "FX", "FR", "MI", "PL", "BV",
             "LI", "UI", "RHS", "RNG", "BND", "x", "y", "k", "c1", "obj", "spare", "1e-12", "*"]
    rng = random.Random(7)
    path = tmp_path / "model.mps"
    read = 0
    for _ in range(400):
        lines = rng.choice([BASE, BULK_CONVENTIONS]).split("\n")
        for _ in range(rng.randint(1, 3)):
            k, op = rng.randrange(len(lines)), rng.random()
            if op < 0.45:
                f = lines[k].split(" ")
                filled = [i for i, x in enumerate(f) if x]
                if filled:
                    f[rng.choice(filled)] = rng.choice(words)
                lines[k] = " ".join(f)
            elif op < 0.6:
                lines.insert(k, lines[rng.randrange(len(lines))])
            elif op < 0.75:
                del lines[k]
            elif op < 0.9:
                j = rng.randrange(len(lines))
                lines[k], lines[j] = lines[j], lines[k]
            else:
                lines[k] += " " + rng.choice(words)
        path.write_text("\n".join(lines))
        bulk, line_form = _both_readers(path)
        if isinstance(bulk, Exception):
            assert isinstance(bulk, (Unreadable, ModelFileError)), bulk  # handed back, no crash
            continue
        read += 1
        assert not isinstance(line_form, Exception), ("\n".join(lines), line_form)
        _exactly_same(bulk, line_form)
    assert read >= 20  # the bulk reader did read some of the edited files


def test_row_blocks_built_in_bulk_equal_the_dataclass():
    from optlib.row_form import _row_blocks
    from optlib.standard_form import RowBlock

    made = _row_blocks(["e", "u", "d"], 1, np.array([False, True]))
    assert made == [RowBlock(name="e", cone="zero", start=0, size=1, shape=(1,), dim=1),
                    RowBlock(name="u", cone="nonneg", start=1, size=1, shape=(1,), dim=1),
                    RowBlock(name="d", cone="nonneg", start=2, size=1, shape=(1,), dim=1,
                             negated=True)]
    assert [hash(b) for b in made] == [hash(RowBlock(**vars(b))) for b in made]


@pytest.mark.parametrize("old,new", [
    ("RHS       obj       -4.0", "RHS       obj       -1e30"),       # infinite objective offset
    ("RHS       obj       -4.0", "RHS       obj       nan"),
    ("    MARKER                 'MARKER'                 'INTEND'\n",
     "    MARKER                 'MARKER'                 'INTEND'\n    k  lim  1.0\n"),  # across
    ("'INTORG'", "'INTEND'"),                                          # INTEND outside a block
    ("    w         obj       0.0\n", "    w         obj       0.0\n    x  lim  1.0\n"),  # x again
    ("    RHS       lim       10.0", "    RHS       lim       1e30"),   # a range on an infinite RHS
    ("    RHS       eqp       2.0", "    RHS       eqp       -1e30"),  # E row: upper side -inf
    (" UP BND       k         5.0", " UP BND       k         -1e30"),
    (" UP BND       k         5.0", " UP BND2      k         5.0"),    # a second BOUNDS vector
    (" BV BND       z", " BV BND       z\n UP BND       z         3.0"),  # a second upper bound
    ("    RNG       lim       4.0", "    RNG       obj       4.0"),
    ("    RHS       eqp       2.0", "    RHS       eqp       2.0\n    RHS       eqp       2.0"),
    (" N  obj", " N  obj\n N  spare\n"),                               # (an RHS on it, below)
    ("ENDATA", "ENDATA\n    x  obj  1.0"),
])
def test_the_bulk_reader_hands_back_what_the_line_reader_refuses(tmp_path, old, new):
    from optlib.mps import ModelFileError
    from optlib.mps_bulk import Unreadable

    text = BULK_CONVENTIONS.replace(old, new, 1)
    if "spare" in new:
        text = text.replace("    RHS       eqp       2.0", "    RHS       spare     2.0")
    assert text != BULK_CONVENTIONS
    path = tmp_path / "model.mps"
    path.write_text(text)
    bulk, lines = _both_readers(path)
    assert isinstance(lines, Exception), "the edit should make the file invalid"
    assert isinstance(bulk, (Unreadable, ModelFileError)), bulk
