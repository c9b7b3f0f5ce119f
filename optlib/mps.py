"""A strict MPS reader: `read_mps(path)` gives the StandardForm of an .mps or .mps.gz file.

File layout (free and fixed MPS):
- Section names start in column 1: NAME, OBJSENSE, ROWS, COLUMNS, RHS, RANGES, BOUNDS,
  ENDATA (ENDATA is required). Data lines start with a blank; lines starting with '*'
  and blank lines are comments.
- ROWS: `type name`, type N (objective / free), L (<=), G (>=), E (=). The first N row is
  the objective; further N rows are free rows and are dropped with their COLUMNS entries.
- COLUMNS: `column row value [row value]`; a column's lines are contiguous. Lines
  `name 'MARKER' 'INTORG'` ... `name 'MARKER' 'INTEND'` bracket integer columns (a block
  left open runs to the end of COLUMNS, as HiGHS reads it).
- RHS: `[set] row value [row value]`; a right-hand side on the objective row is minus the
  objective offset.
- RANGES: `[set] row R [row R]`: an L row becomes [rhs - |R|, rhs], a G row
  [rhs, rhs + |R|], an E row [rhs, rhs + R] for R > 0 and [rhs + R, rhs] for R < 0.
- BOUNDS: `type [set] column [value]`, types UP LO FX (value) and FR MI PL BV (no value,
  an extra numeric value is ignored), LI UI (integer column and its bound). The default
  bounds are [0, +inf].
- Values are decimal numbers (a Fortran 'D' exponent is accepted), or inf / infinity.
- Fields are numbered as in fixed MPS: 1 the type code (ROWS, BOUNDS), 2 the column or
  set name, 3 the row/column name, 4 the value, 5 a second row name, 6 its value. Free
  MPS splits fields at blanks; fixed MPS reads them from columns 2-3, 5-12, 15-22, 25-36,
  40-47 and 50-61, so names may hold blanks. A file is read as free MPS and, when that
  fails, as fixed MPS (the free-format error is the one reported); `fixed=` forces one.

Conventions that match HiGHS's MPS reader (so the result equals the one `highspy` reads):
- |value| >= 1e20 is infinite (`kHighsInf`) in bounds, right-hand sides and ranges;
  infinity is accepted only where it means "no bound" (an upper bound or the `<=` side
  of a row at +inf, a lower bound or the `>=` side at -inf).
- Integer (MARKER) columns that no BOUNDS line mentions get the bounds [0, 1]; any
  BOUNDS line on such a column turns this off (UP 5 alone gives [0, 5], MI alone
  (-inf, +inf)). BV gives an integer column in [0, 1].
- A negative UP bound on a column whose lower bound is the default 0 leaves the lower
  bound at 0 (so the bounds are inconsistent and the model infeasible); some other readers
  (CPLEX, HiGHS's own fixed-format fallback) set the lower bound to -inf instead.
- Matrix entries with |a| <= 1e-9 and zero entries are dropped (HiGHS's
  `small_matrix_value`), and the model name is the file name without its extension.

Refused with a `ModelFileError` (a ValueError naming the file, line and field), where HiGHS
warns and drops data, guesses, or reads garbage:
- a field that is not a number (HiGHS reads 'abc', '12abc', '1.2.3' as 0, 12, 1.2), NaN
  anywhere, an infinite matrix entry or objective coefficient (|c| >= 1e20 included), an
  infinite objective RHS (offset), +inf as a lower or -inf as an upper bound or row side
  (also from an infinite RHS of an E row), a range on a row whose RHS is infinite;
- rows or columns that ROWS / COLUMNS do not declare (HiGHS drops the entry, or adds a
  column for a bound), RANGES on an N row, an RHS on a free N row (HiGHS adds it to the
  objective offset);
- duplicates: a (column, row) entry, a row's RHS or range, a column's lower or upper
  bound (HiGHS keeps the first and warns), a row name declared twice or a column whose
  lines are not contiguous (HiGHS makes two rows / columns and drops all names), and a
  second RHS, RANGES or BOUNDS vector (HiGHS ignores set names and merges the vectors);
- unknown sections, unsupported ones (quadratic, cones, SOS, indicators...), SC / SI
  bounds, a wrong number of fields, data before the first section or after ENDATA, a
  missing ENDATA, an empty or comment-only file, and a file without any column.

Differences from HiGHS on purpose: `OBJSENSE MAXIMIZE` on one line is a maximisation
(HiGHS 1.16 understands only MAX / MIN there and silently minimises); finite matrix
entries with |a| >= 1e15 are read (HiGHS refuses the model, so the highs backend will);
fixed-format files follow the same rules as free ones (HiGHS's fixed-format fallback drops
entries of names with blanks and takes a negative UP bound as lower bound -inf).

Two readers, one result: a free-format file is first read in bulk (`optlib.mps_bulk`,
1.5-1.8x faster: whole sections at a time, no line numbers); on anything it is not sure of
(any error, a Fortran exponent, a line without a set name, non-ASCII text...) the file is read
again line by line, which is the reference and reports errors with their line and field.
"""
from __future__ import annotations

import gzip
import math
import os
import re
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from .mps_bulk import INFINITE, SMALL_MATRIX_VALUE, MpsArrays, Unreadable, bulk_parse
from .row_form import standard_form_from_rows as _standard_form_from_rows
from .standard_form import StandardForm

__all__ = ["ModelFileError", "read_mps"]

# Fixed MPS fields 1..6 as [start, stop) column slices (0-based), and the blank gaps between them.
_FIXED_FIELDS = ((1, 3), (4, 12), (14, 22), (24, 36), (39, 47), (49, 61))
_FIXED_GAPS = ((3, 4), (12, 14), (22, 24), (36, 39), (47, 49))
_FORTRAN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)[dD][+-]?\d+")
_SECTIONS = ("NAME", "OBJSENSE", "ROWS", "COLUMNS", "RHS", "RANGES", "BOUNDS", "ENDATA")
_UNSUPPORTED = {
    "QUADOBJ": "a quadratic objective; only linear models are supported",
    "QMATRIX": "a quadratic objective; only linear models are supported",
    "QSECTION": "quadratic constraints; only linear models are supported",
    "QCMATRIX": "quadratic constraints; only linear models are supported",
    "CSECTION": "cone constraints; only linear models are supported",
    "SOS": "SOS constraints (not supported)",
    "SETS": "SOS constraints (not supported)",
    "INDICATORS": "indicator constraints (not supported)",
    "GENCONS": "general constraints (not supported)",
    "PWLOBJ": "a piecewise-linear objective (not supported)",
    "PWLNAM": "piecewise-linear constraints (not supported)",
    "PWLCON": "piecewise-linear constraints (not supported)",
    "DELAYEDROWS": "lazy constraints (not supported)",
    "MODELCUTS": "model cuts (not supported)",
    "USERCUTS": "user cuts (not supported)",
    "OBJNAME": "an objective chosen by name (not supported: the first N row is the objective)",
}
_SENSES = {"MAX": -1, "MAXIMIZE": -1, "MAXIMISE": -1, "MAXIMUM": -1,
           "MIN": 1, "MINIMIZE": 1, "MINIMISE": 1, "MINIMUM": 1}
_BOUND_TYPES = ("UP", "LO", "FX", "FR", "MI", "PL", "BV", "LI", "UI")
_NO_VALUE_BOUNDS = ("FR", "MI", "PL", "BV")


class ModelFileError(ValueError):
    """A model file that cannot be read as it stands; `path`, `line` (1-based) and `field`
    (the MPS field number, see the module docstring) say where, when known."""

    def __init__(self, path: str, what: str, line: int | None = None,
                 field: int | None = None) -> None:
        where = f'"{path}"'
        if line is not None:
            where += f", line {line}"
            if field is not None:
                where += f", field {field}"
        super().__init__(f"{where}: {what}")
        self.path, self.line, self.field, self.what = path, line, field, what


class _Retry(Exception):
    """A line that does not split into valid fields (args[0]: the ModelFileError); the
    caller may then try the other format."""


def read_text(path: Path) -> str:
    """The text of a (possibly gzipped) model file: UTF-8, or Latin-1 where that fails."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise ModelFileError(str(path), f"not a readable gzip file ({exc})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def read_mps(path: str | os.PathLike, *, fixed: bool | None = None) -> StandardForm:
    """Read a free or fixed MPS file (.mps or .mps.gz) strictly into a StandardForm.

    `fixed=None` reads free MPS and falls back to fixed MPS (names with blanks) when the
    file is not valid free MPS; True / False force one format.
    Raises ModelFileError (a ValueError) naming the file, line and field of any problem.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"no such model file: {str(p)!r}")
    text = read_text(p)
    if not fixed:
        try:
            return _read_bulk(p, text)
        except (Unreadable, ModelFileError):
            pass  # the line reader decides, and names the line and field of any error
    lines = text.splitlines()

    def attempt(fixed_format: bool) -> StandardForm:
        return _read_lines(p, lines, fixed_format)

    if fixed is not None:
        try:
            return attempt(fixed)
        except _Retry as exc:
            raise exc.args[0] from None
    try:
        return attempt(False)
    except (_Retry, ModelFileError) as exc:
        free_error = exc
    # not valid free MPS: a fixed-format file (names with blanks) is read by column positions
    try:
        return attempt(True)
    except (_Retry, ModelFileError) as exc:
        fixed_error = exc.args[0] if isinstance(exc, _Retry) else exc
    if isinstance(free_error, ModelFileError):
        raise free_error from None
    first = free_error.args[0]
    where = f"line {fixed_error.line}: " if fixed_error.line is not None else ""
    raise ModelFileError(str(p), f"{first.what} (nor is the file fixed-format MPS: {where}"
                         f"{fixed_error.what})", first.line, first.field) from None


def _read_bulk(p: Path, text: str) -> StandardForm:
    """Free MPS read section by section in bulk (`optlib.mps_bulk`); `Unreadable` (or a
    ModelFileError without a line) where that path cannot be sure."""
    return _assemble(bulk_parse(text, _Parser(str(p), False)), p, None)


def _read_lines(p: Path, lines: list[str], fixed: bool) -> StandardForm:
    """Free or fixed MPS read line by line: the reference reader, whose errors name the line
    and field."""
    parser = _Parser(str(p), fixed).parse(lines)
    return _assemble(parser.arrays(), p, parser)


class _Parser:
    """One pass over the lines of an MPS file; `arrays` hands what it read to `_assemble`."""

    def __init__(self, path: str, fixed: bool) -> None:
        self.path, self.fixed = path, fixed
        self.sense = 1
        self.sense_line: int | None = None
        # rows: index >= 0 for a constraint, -1 the objective, -2 a further (free) N row
        self.row_index: dict[str, int] = {}
        self.row_line: dict[str, int] = {}
        self.row_names: list[str] = []
        self.row_types: list[str] = []
        self.objective: str | None = None
        # columns
        self.col_index: dict[str, int] = {}
        self.col_names: list[str] = []
        self.col_integer: list[bool] = []
        self.cost: list[float] = []
        self.ent_col: list[int] = []
        self.ent_row: list[int] = []
        self.ent_val: list[float] = []
        self.in_integer_block = False
        self.current: str | None = None
        self.current_rows: dict[int, int] = {}  # row index -> line, for the current column
        # RHS / RANGES / BOUNDS
        self.rhs: dict[int, tuple[float, int]] = {}
        self.ranges: dict[int, tuple[float, int]] = {}
        self.offset = 0.0
        self.offset_line: int | None = None
        self.set_names: dict[str, tuple[str, int]] = {}
        self.lower: dict[int, tuple[float, int]] = {}
        self.upper: dict[int, tuple[float, int]] = {}
        self.bound_integer: set[int] = set()
        self.bounded: set[int] = set()

    # -- errors and values ---------------------------------------------------------------
    def error(self, what: str, line: int | None = None, field: int | None = None) -> ModelFileError:
        return ModelFileError(self.path, what, line, field)

    def value(self, token: str, line: int, field: int, what: str) -> float:
        """A number from a field: decimal, Fortran 'D' exponent or inf/infinity; never NaN."""
        try:
            v = float(token)
            ok = token.isascii() and "_" not in token
        except ValueError:
            ok = False
        if not ok:
            if not _FORTRAN_NUMBER.fullmatch(token):
                raise self.error(f"{token!r} is not a number", line, field)
            v = float(token.replace("D", "e").replace("d", "e"))
        if v != v:
            raise self.error(f"NaN {what}", line, field)
        return v

    def wrong_fields(self, line: int, count: int, expected: str, section: str) -> _Retry:
        err = self.error(f"{count} fields in {section} where {expected} are expected", line)
        return _Retry(err)

    # -- the pass --------------------------------------------------------------------------
    def parse(self, lines: list[str]) -> _Parser:
        section: str | None = None
        seen: dict[str, int] = {}
        ended = False
        nonblank = False
        handlers = {"ROWS": self.rows, "COLUMNS": self.columns, "RHS": self.rhs_line,
                    "RANGES": self.ranges_line, "BOUNDS": self.bounds_line,
                    "OBJSENSE": self.objsense_line}
        for number, text in enumerate(lines, start=1):
            if not text or text[0] == "*" or text.isspace():
                continue
            nonblank = True
            if ended:
                raise self.error("text after ENDATA", number)
            if not text[0].isspace():  # a section line
                section = self.section(text, number, section, seen)
                ended = section == "ENDATA"
                continue
            handler = handlers.get(section) if section else None
            if handler is None:
                where = f"in the {section} section" if section else "before the first section"
                raise self.error(f"unexpected data line {where}", number)
            handler(self.fields(text, number, section), number)
        if not nonblank:
            comments = any(t.strip() for t in lines)
            raise self.error("the file holds only comments" if comments else "the file is empty")
        if not ended:
            raise self.error(f"missing ENDATA (the file ends at line {len(lines)})")
        if "ROWS" not in seen:
            raise self.error("no ROWS section")
        self.end_column()
        if not self.col_names:
            raise self.error("no columns (variables) in the COLUMNS section")
        return self

    def fields(self, text: str, number: int, section: str | None) -> list[str]:
        """The fields of a data line: split at blanks, or cut at the fixed-format columns."""
        if not self.fixed:
            return text.split()
        if "\t" in text:
            text = text.expandtabs(8)
        if text[61:].strip():
            raise _Retry(self.error("text after column 61, outside the fixed-format fields",
                                    number))
        for a, b in _FIXED_GAPS:
            if text[a:b].strip():
                raise _Retry(self.error(
                    f"text in columns {a + 1}-{b}, between fixed-format fields", number))
        parts = [text[a:b].strip() for a, b in _FIXED_FIELDS]
        if section == "OBJSENSE":
            return [" ".join(x for x in parts if x)]
        if section in ("ROWS", "BOUNDS"):
            head, rest = parts[:1], parts[1:]
            if section == "BOUNDS" and not rest[0]:
                rest = rest[1:]  # no set name
        else:
            if parts[0]:
                raise _Retry(self.error(f"field 1 must be empty in {section}", number, 1))
            if section == "COLUMNS" and parts[2] == "'MARKER'":
                return [parts[1], parts[2], parts[4] or parts[3]]
            head, rest = [], parts[1:]
            if section in ("RHS", "RANGES") and not rest[0]:
                rest = rest[1:]  # no set name
        while rest and not rest[-1]:
            rest.pop()
        out = head + rest
        if not all(out):
            raise _Retry(self.error("an empty fixed-format field between filled ones", number))
        return out

    def section(self, text: str, number: int, current: str | None, seen: dict[str, int]) -> str:
        words = text.split()
        name = words[0].upper()
        if name in _UNSUPPORTED:
            raise self.error(f"section {name}: the model has {_UNSUPPORTED[name]}", number)
        if name not in _SECTIONS:
            raise self.error(f"unknown section {words[0]!r} (section names start in column 1, "
                             "data lines with a blank)", number)
        if name in seen and name != "OBJSENSE":
            raise self.error(f"a second {name} section (the first is on line {seen[name]})",
                             number)
        if len(words) > 1 and name not in ("NAME", "OBJSENSE"):
            raise self.error(f"unexpected text {' '.join(words[1:])!r} after {name}", number)
        needs = {"COLUMNS": "ROWS", "RHS": "COLUMNS", "RANGES": "COLUMNS", "BOUNDS": "COLUMNS"}
        if name in needs and needs[name] not in seen:
            raise self.error(f"the {name} section needs a {needs[name]} section before it",
                             number)
        if name == "ROWS" and "COLUMNS" in seen:
            raise self.error("the ROWS section comes after the COLUMNS section", number)
        if current == "COLUMNS":
            self.end_column()
        seen[name] = number
        if name == "OBJSENSE" and len(words) > 1:
            if len(words) > 2:
                raise self.error(f"unexpected text after OBJSENSE {words[1]}", number, 2)
            self.set_sense(words[1], number, 2)
        return name

    # -- OBJSENSE --------------------------------------------------------------------------
    def set_sense(self, word: str, number: int, field: int) -> None:
        sense = _SENSES.get(word.upper())
        if sense is None:
            raise self.error(f"objective sense {word!r} is not one of MAX, MAXIMIZE, MIN, "
                             "MINIMIZE", number, field)
        if self.sense_line is not None and sense != self.sense:
            raise self.error(f"a second, different objective sense (the first is on line "
                             f"{self.sense_line})", number, field)
        self.sense, self.sense_line = sense, number

    def objsense_line(self, f: list[str], number: int) -> None:
        if len(f) != 1:
            raise self.error(f"{len(f)} fields in OBJSENSE where 1 (MAX or MIN) is expected",
                             number)
        self.set_sense(f[0], number, 1)

    # -- ROWS ------------------------------------------------------------------------------
    def rows(self, f: list[str], number: int) -> None:
        if len(f) != 2:
            raise self.wrong_fields(number, len(f), "2 (type, name)", "ROWS")
        kind, name = f
        if kind not in ("N", "L", "G", "E"):
            raise self.error(f"row type {kind!r} is not one of N, L, G, E", number, 1)
        if name in self.row_index:
            raise self.error(f"row {name!r} is declared twice (first on line "
                             f"{self.row_line[name]})", number, 2)
        self.row_line[name] = number
        if kind == "N":
            if self.objective is None:
                self.objective = name
                self.row_index[name] = -1
            else:
                self.row_index[name] = -2
            return
        self.row_index[name] = len(self.row_names)
        self.row_names.append(name)
        self.row_types.append(kind)

    # -- COLUMNS ---------------------------------------------------------------------------
    def end_column(self) -> None:
        self.current = None
        self.current_rows = {}

    def columns(self, f: list[str], number: int) -> None:
        n = len(f)
        if n == 3 and f[1] == "'MARKER'":
            self.marker(f[2], number)
            return
        if n not in (3, 5):
            raise self.wrong_fields(number, n, "3 or 5 (column, row, value[, row, value])",
                                    "COLUMNS")
        name = f[0]
        if name != self.current:
            if name in self.col_index:
                raise self.error(f"column {name!r} appears again after other columns; a "
                                 "column's entries must be contiguous", number, 2)
            self.col_index[name] = len(self.col_names)
            self.col_names.append(name)
            self.col_integer.append(self.in_integer_block)
            self.cost.append(0.0)
            self.current, self.current_rows = name, {}
        j = self.col_index[name]
        self.entry(j, f[1], f[2], number, 3)
        if n == 5:
            self.entry(j, f[3], f[4], number, 5)

    def entry(self, j: int, row: str, token: str, number: int, field: int) -> None:
        i = self.row_index.get(row)
        if i is None:
            raise self.error(f"row {row!r} is not declared in ROWS", number, field)
        try:                                   # the common case inline: a plain decimal number
            v = float(token)
            if not token.isascii() or "_" in token:
                raise ValueError
        except ValueError:
            v = self.value(token, number, field + 1, "coefficient")
        if v != v:
            raise self.error("NaN coefficient", number, field + 1)
        if v == math.inf or v == -math.inf:
            raise self.error(f"infinite coefficient {token!r}", number, field + 1)
        rows = self.current_rows
        if i in rows:
            raise self.error(f"a second entry for column {self.current!r} in row {row!r} "
                             f"(the first is on line {rows[i]})", number, field)
        rows[i] = number
        if i == -1:
            if abs(v) >= INFINITE:
                raise self.error(f"objective coefficient {token!r} is infinite (|c| >= 1e20)",
                                 number, field + 1)
            self.cost[j] = v
        elif i >= 0 and abs(v) > SMALL_MATRIX_VALUE:
            self.ent_col.append(j)
            self.ent_row.append(i)
            self.ent_val.append(v)

    def marker(self, kind: str, number: int) -> None:
        if kind == "'INTORG'" and not self.in_integer_block:
            self.in_integer_block = True
        elif kind == "'INTEND'" and self.in_integer_block:
            self.in_integer_block = False
        else:
            state = "inside" if self.in_integer_block else "outside"
            raise self.error(f"MARKER {kind} {state} an integer block (expected "
                             f"{'INTEND' if self.in_integer_block else 'INTORG'})", number, 5)
        self.end_column()

    # -- RHS and RANGES ----------------------------------------------------------------------
    def vector_fields(self, f: list[str], number: int, section: str) -> list[tuple[str, str, int]]:
        """(row, value, field of the row) pairs of an RHS/RANGES line, checking the set name."""
        n = len(f)
        if n in (3, 5):
            self.check_set(section, f[0], number)
            f, first = f[1:], 3
        elif n in (2, 4) and f[0] in self.row_index:
            first = 3  # no set name (allowed when the line starts with a row name)
        else:
            raise self.wrong_fields(number, n, "3 or 5 ([set,] row, value[, row, value])",
                                    section)
        return [(f[k], f[k + 1], first + k) for k in range(0, len(f), 2)]

    def check_set(self, section: str, name: str, number: int) -> None:
        first = self.set_names.setdefault(section, (name, number))
        if first[0] != name:
            raise self.error(f"a second {section} vector {name!r} (the first, {first[0]!r}, is on "
                             f"line {first[1]}); only one {section} vector is read", number, 2)

    def row_of(self, name: str, number: int, field: int) -> int:
        i = self.row_index.get(name)
        if i is None:
            raise self.error(f"row {name!r} is not declared in ROWS", number, field)
        return i

    def rhs_line(self, f: list[str], number: int) -> None:
        for row, token, field in self.vector_fields(f, number, "RHS"):
            i = self.row_of(row, number, field)
            v = self.value(token, number, field + 1, "right-hand side")
            if i == -2:
                raise self.error(f"right-hand side for the free row {row!r} (an N row other "
                                 "than the objective)", number, field)
            if i == -1:
                if self.offset_line is not None:
                    raise self.error(f"a second right-hand side for the objective row {row!r} "
                                     f"(the first is on line {self.offset_line})", number, field)
                if abs(v) >= INFINITE:
                    raise self.error(f"infinite right-hand side {token!r} on the objective row "
                                     "(the objective offset)", number, field + 1)
                self.offset, self.offset_line = -v, number
                continue
            if i in self.rhs:
                raise self.error(f"a second right-hand side for row {row!r} (the first is on "
                                 f"line {self.rhs[i][1]})", number, field)
            self.rhs[i] = (v, number)

    def ranges_line(self, f: list[str], number: int) -> None:
        for row, token, field in self.vector_fields(f, number, "RANGES"):
            i = self.row_of(row, number, field)
            v = self.value(token, number, field + 1, "range")
            if i < 0:
                raise self.error(f"RANGES entry for the N row {row!r}", number, field)
            if i in self.ranges:
                raise self.error(f"a second range for row {row!r} (the first is on line "
                                 f"{self.ranges[i][1]})", number, field)
            self.ranges[i] = (v, number)

    # -- BOUNDS ----------------------------------------------------------------------------
    def bounds_line(self, f: list[str], number: int) -> None:
        n = len(f)
        kind = f[0]
        if kind not in _BOUND_TYPES:
            if kind in ("SC", "SI"):
                raise self.error(f"bound type {kind}: semi-continuous/semi-integer variables are "
                                 "not supported", number, 1)
            raise self.error(f"bound type {kind!r} is not one of {', '.join(_BOUND_TYPES)}",
                             number, 1)
        needs_value = kind not in _NO_VALUE_BOUNDS
        named = 4 if needs_value else 3  # fields with a set name
        if n == named or (not needs_value and n == 4):
            self.check_set("BOUNDS", f[1], number)
            col, col_field, rest = f[2], 3, f[3:]
        elif n == named - 1 and f[1] in self.col_index:
            col, col_field, rest = f[1], 3, f[2:]  # no set name
        else:
            expected = "4 (type, set, column, value)" if needs_value else "3 (type, set, column)"
            raise self.wrong_fields(number, n, expected, "BOUNDS")
        j = self.col_index.get(col)
        if j is None:
            raise self.error(f"column {col!r} is not declared in COLUMNS", number, col_field)
        v = self.value(rest[0], number, 4, "bound") if rest else 0.0
        sides = {"UP": "u", "UI": "u", "PL": "u", "LO": "l", "LI": "l", "MI": "l"}.get(kind, "lu")
        for side, table in (("l", self.lower), ("u", self.upper)):
            if side in sides and j in table:
                word = "lower" if side == "l" else "upper"
                raise self.error(f"a second {word} bound for column {col!r} (the first is on "
                                 f"line {table[j][1]})", number, 1)
        self.bounded.add(j)
        if kind in ("LI", "UI", "BV"):
            self.bound_integer.add(j)
        if kind in ("MI", "FR"):
            self.lower[j] = (-math.inf, number)
        if kind in ("PL", "FR"):
            self.upper[j] = (math.inf, number)
        if kind == "BV":
            self.lower[j], self.upper[j] = (0.0, number), (1.0, number)
        if kind in ("LO", "LI", "FX"):
            if v >= INFINITE:
                raise self.error(f"lower bound {rest[0]!r} is +infinite", number, 4)
            self.lower[j] = (v, number)
        if kind in ("UP", "UI", "FX"):
            if v <= -INFINITE:
                raise self.error(f"upper bound {rest[0]!r} is -infinite", number, 4)
            self.upper[j] = (v, number)

    # -- assembly --------------------------------------------------------------------------
    def arrays(self) -> MpsArrays:
        """What the pass read, as the arrays `_assemble` takes."""
        n, m = len(self.col_names), len(self.row_names)
        rhs = np.zeros(m)
        for i, (v, _) in self.rhs.items():
            rhs[i] = v
        col_lo, col_hi = np.zeros(n), np.full(n, math.inf)
        for j, (v, _) in self.lower.items():
            col_lo[j] = v
        for j, (v, _) in self.upper.items():
            col_hi[j] = v
        bound_integer, bounded = np.zeros(n, bool), np.zeros(n, bool)
        bound_integer[list(self.bound_integer)] = True
        bounded[list(self.bounded)] = True
        return MpsArrays(
            sense=self.sense, offset=self.offset, row_names=self.row_names,
            row_kind=np.array([{"L": 0, "G": 1, "E": 2}[k] for k in self.row_types], np.int8),
            col_names=self.col_names, cost=np.asarray(self.cost, dtype=float),
            ent_row=np.asarray(self.ent_row, dtype=np.int64),
            ent_col=np.asarray(self.ent_col, dtype=np.int64),
            ent_val=np.asarray(self.ent_val, dtype=float), rhs=rhs,
            range_rows=np.fromiter(self.ranges, dtype=np.int64, count=len(self.ranges)),
            range_vals=np.array([v for v, _ in self.ranges.values()], dtype=float),
            col_lower=col_lo, col_upper=col_hi,
            marker_integer=np.array(self.col_integer, dtype=bool),
            bound_integer=bound_integer, bounded=bounded)


def _assemble(a: MpsArrays, p: Path, parser: _Parser | None) -> StandardForm:
    """The StandardForm of the arrays: rows lo <= A x <= hi from the kinds, right-hand sides
    and ranges (see the module docstring), bounds with |v| >= 1e20 infinite, integer marker
    columns that no BOUNDS line mentions binary. A row with an infinite side the wrong way is a
    ModelFileError naming the line `parser` (the line reader) read it on; without a parser it
    is `Unreadable` (the caller then reads the file line by line)."""
    n, m = len(a.col_names), len(a.row_names)

    A = sp.csr_matrix((a.ent_val, (a.ent_row, a.ent_col)), shape=(m, n))
    kinds = a.row_kind
    rhs = a.rhs
    lo = np.where(kinds == 0, -math.inf, rhs)
    hi = np.where(kinds == 1, math.inf, rhs)
    if a.range_rows.size:
        i, r = a.range_rows, a.range_vals
        bad = np.flatnonzero(np.abs(rhs[i]) >= INFINITE)
        if bad.size:
            if parser is None:
                raise Unreadable
            k = int(i[bad[0]])
            raise parser.error(f"a range for row {a.row_names[k]!r}, whose right-hand side is "
                               f"infinite (line {parser.rhs[k][1]})", parser.ranges[k][1])
        down = (kinds[i] == 0) | ((kinds[i] == 2) & (r < 0))   # lo = hi - |R|
        up = (kinds[i] == 1) | ((kinds[i] == 2) & (r > 0))     # hi = lo + |R|
        lo[i[down]] = hi[i[down]] - np.abs(r[down])
        hi[i[up]] = lo[i[up]] + np.abs(r[up])
    lo = np.where(lo <= -INFINITE, -math.inf, np.where(lo >= INFINITE, math.inf, lo))
    hi = np.where(hi >= INFINITE, math.inf, np.where(hi <= -INFINITE, -math.inf, hi))
    bad = np.flatnonzero((lo == math.inf) | (hi == -math.inf))
    if bad.size:
        if parser is None:
            raise Unreadable
        i = int(bad[0])
        line = parser.ranges.get(i, parser.rhs.get(i, (0.0, None)))[1]
        side = "lower side is +inf" if lo[i] == math.inf else "upper side is -inf"
        raise parser.error(f"{'LGE'[kinds[i]]} row {a.row_names[i]!r}: its {side} (from an "
                           "infinite right-hand side)", line)

    integer = a.marker_integer | a.bound_integer
    col_lo, col_hi = a.col_lower.copy(), a.col_upper.copy()
    # integer (MARKER) columns no BOUNDS line mentions are binary
    col_hi[integer & ~a.bounded] = 1.0
    col_lo = np.where(col_lo <= -INFINITE, -math.inf, col_lo)
    col_hi = np.where(col_hi >= INFINITE, math.inf, col_hi)

    return _standard_form_from_rows(
        cost=a.cost, A=A, row_lower=lo, row_upper=hi, col_lower=col_lo, col_upper=col_hi,
        integer=integer, sense=a.sense, offset=a.offset, row_names=a.row_names,
        col_names=a.col_names, name=_model_name(p))


def _model_name(p: Path) -> str:
    """The file name without .mps/.lp and .gz, as HiGHS names a model it reads."""
    name = p.name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    stem, dot, _ = name.rpartition(".")
    return (stem if dot else name) or p.name.split(".")[0]
