"""The fast path of the strict MPS reader: a free-format file read a section at a time.

`bulk_parse(text, checker)` reads the files the line-by-line reader in `optlib.mps` reads, to
the same arrays, with the work done per section instead of per line: numpy finds the line
starts, section lines and each line's field count in the bytes, one `str.split` per section
gives its fields, dict lookups over whole columns of fields give row and column indices, and
one `float` per number fills numpy arrays; duplicates, contiguity and infinities are checked
on the arrays. It keeps no line numbers: on anything it is not sure of (any error, a Fortran
'D' exponent, RHS/RANGES/BOUNDS lines without a set name, non-ASCII text, control characters
other than tabs) it raises `Unreadable`, and the caller reads the file line by line, which
reports the error with its file, line and field.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import compress
from operator import itemgetter, ne
from typing import Any, Sequence

import numpy as np

__all__ = ["INFINITE", "SMALL_MATRIX_VALUE", "MpsArrays", "Unreadable", "bulk_parse"]

INFINITE = 1e20          # HiGHS's infinite_bound and infinite_cost: |v| >= 1e20 is infinite
SMALL_MATRIX_VALUE = 1e-9  # HiGHS drops matrix entries with |a| <= this when it is passed a model

_ROW_KIND = {"L": 0, "G": 1, "E": 2}
# bound type -> (sets the lower bound, sets the upper bound, takes a value, makes it integer)
_BOUNDS = {"UP": (False, True, True, False), "LO": (True, False, True, False),
           "FX": (True, True, True, False), "LI": (True, False, True, True),
           "UI": (False, True, True, True), "FR": (True, True, False, False),
           "MI": (True, False, False, False), "PL": (False, True, False, False),
           "BV": (True, True, False, True)}
_BOUND_CODE = {k: i for i, k in enumerate(_BOUNDS)}
_BOUND_SPEC = np.array(list(_BOUNDS.values()), dtype=bool)
# the bounds a type without a value sets (FR, MI: lower -inf; FR, PL: upper +inf; BV: [0, 1])
_BOUND_LOWER = np.array([{"MI": -math.inf, "FR": -math.inf}.get(k, 0.0) for k in _BOUNDS])
_BOUND_UPPER = np.array([{"PL": math.inf, "FR": math.inf, "BV": 1.0}.get(k, 0.0) for k in _BOUNDS])


class Unreadable(Exception):
    """The bulk path does not read this file; the line-by-line reader will (or will say why not)."""


@dataclass
class MpsArrays:
    """An MPS file's content as arrays: rows lo <= A x <= hi come from `row_kind` (0 L, 1 G,
    2 E), `rhs` and the (`range_rows`, `range_vals`) pairs; `col_lower` / `col_upper` are the
    BOUNDS values over the defaults [0, +inf]; matrix entries (`ent_row`, `ent_col`,
    `ent_val`) hold only constraint rows and |a| > SMALL_MATRIX_VALUE."""

    sense: int
    offset: float
    row_names: list[str]
    row_kind: np.ndarray
    col_names: list[str]
    cost: np.ndarray
    ent_row: np.ndarray
    ent_col: np.ndarray
    ent_val: np.ndarray
    rhs: np.ndarray
    range_rows: np.ndarray
    range_vals: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    marker_integer: np.ndarray   # columns inside an INTORG / INTEND block
    bound_integer: np.ndarray    # columns made integer by an LI, UI or BV bound
    bounded: np.ndarray          # columns some BOUNDS line mentions


def bulk_parse(text: str, checker: Any) -> MpsArrays:
    """The arrays of a free-format MPS file given as its text, or `Unreadable`.

    `checker` is the line reader's parser: its `section(text, number, current, seen)` checks
    a section line, `objsense_line(fields, number)` an OBJSENSE data line, and it keeps the
    sense in `.sense`. Any error it raises is left to the caller (who rereads line by line).
    """
    lines = _Lines(text)
    heads = np.flatnonzero(lines.head).tolist()
    if not heads or lines.tokens(0, heads[0])[0]:
        raise Unreadable  # no section, or data before the first one
    sections: dict[str, tuple[list[str], np.ndarray]] = {}
    seen: dict[str, int] = {}
    current: str | None = None
    for k, h in enumerate(heads):
        if current == "ENDATA":
            raise Unreadable  # a section after ENDATA
        current = checker.section(lines.line(h), h + 1, current, seen)
        end = heads[k + 1] if k + 1 < len(heads) else lines.count
        flat, counts = lines.tokens(h + 1, end)
        if not flat:
            continue
        if current == "OBJSENSE":
            for i in range(h + 1, end):
                f = lines.line(i).split()
                if f and not lines.comment[i]:
                    checker.objsense_line(f, i + 1)
        elif current in ("ROWS", "COLUMNS", "RHS", "RANGES", "BOUNDS"):
            sections[current] = (flat, counts)  # section() refuses a second one
        else:
            raise Unreadable  # data in NAME or after ENDATA
    if current != "ENDATA" or "ROWS" not in sections or "COLUMNS" not in sections:
        raise Unreadable

    row_names, row_kind, row_index = _rows(*sections["ROWS"])
    m = len(row_names)
    underscores = "_" in text
    col_names, col_index, cost, ent_row, ent_col, ent_val, marker_integer = _columns(
        *sections["COLUMNS"], row_index, m, "'MARKER'" in text, underscores)
    n = len(col_names)
    rhs, offset = np.zeros(m), 0.0
    if "RHS" in sections:
        rows, vals = _vector(*sections["RHS"], row_index, underscores)
        objective = rows == -1
        if objective.any():
            if abs(vals[objective][0]) >= INFINITE:
                raise Unreadable
            offset = -float(vals[objective][0])
        rows, vals = rows[~objective], vals[~objective]
        if (rows < 0).any():
            raise Unreadable  # an RHS on a free row
        rhs[rows] = vals
    range_rows, range_vals = np.zeros(0, np.int64), np.zeros(0)
    if "RANGES" in sections:
        range_rows, range_vals = _vector(*sections["RANGES"], row_index, underscores)
        if (range_rows < 0).any():
            raise Unreadable
    col_lower, col_upper = np.zeros(n), np.full(n, math.inf)
    bound_integer, bounded = np.zeros(n, bool), np.zeros(n, bool)
    if "BOUNDS" in sections:
        _bounds(*sections["BOUNDS"], col_index, col_lower, col_upper,
                bound_integer, bounded, underscores)
    return MpsArrays(sense=checker.sense, offset=offset, row_names=row_names,
                     row_kind=row_kind, col_names=col_names, cost=cost, ent_row=ent_row,
                     ent_col=ent_col, ent_val=ent_val, rhs=rhs, range_rows=range_rows,
                     range_vals=range_vals, col_lower=col_lower, col_upper=col_upper,
                     marker_integer=marker_integer, bound_integer=bound_integer,
                     bounded=bounded)


class _Lines:
    """The lines of an ASCII text as positions: `start[i]` where line i starts, `head[i]` a
    section line (starts in column 1), `comment[i]` a '*' line, `fields[i]` its field count.

    Only tabs, blanks and line feeds (after CR LF -> LF) may be blank: other control
    characters (which str.split / splitlines treat as blanks or line breaks) are Unreadable."""

    def __init__(self, text: str) -> None:
        if not text.isascii():
            raise Unreadable
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        self.text = text
        b = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
        size = b.size
        start = np.flatnonzero(b == 10) + 1
        if np.count_nonzero(b < 32) != start.size + np.count_nonzero(b == 9):
            raise Unreadable
        start = np.concatenate([[0], start[start < size]])
        white = b <= 32
        first = b[start] if size else np.zeros(1, np.uint8)
        self.start, self.count, self.size = start, start.size, size
        self.comment = first == 42
        self.head = (first > 32) & ~self.comment
        # a field starts where a blank is followed by a non-blank
        begins = np.flatnonzero(white[:-1] > white[1:]) + 1
        if size and not white[0]:
            begins = np.concatenate([[0], begins])
        self.fields = np.diff(np.searchsorted(begins, start), append=begins.size)

    def line(self, i: int) -> str:
        stop = self.start[i + 1] if i + 1 < self.count else self.size
        return self.text[self.start[i]:stop]

    def tokens(self, a: int, b: int) -> tuple[list[str], np.ndarray]:
        """The fields of the data lines a..b-1 in one list, and each such line's field count
        (comment and blank lines left out)."""
        stop = self.start[b] if b < self.count else self.size
        text = self.text[self.start[a]:stop] if a < self.count else ""
        counts = self.fields[a:b]
        comments = self.comment[a:b]
        if comments.any():
            text = "\n".join(self.line(i) for i in range(a, b) if not self.comment[i])
            counts = counts[~comments]
        flat = text.split()
        counts = counts[counts > 0]
        if len(flat) != int(counts.sum()):  # pragma: no cover (the two splits agree)
            raise Unreadable
        return flat, counts


def _numbers(tokens: Sequence[str], underscores: bool) -> np.ndarray:
    """float() of each token where the line reader takes float() too (ASCII, no '_'; the text
    is ASCII and `underscores` says whether it holds a '_' at all), never NaN."""
    if underscores and "_" in "".join(tokens):
        raise Unreadable
    try:
        v = np.fromiter(map(float, tokens), dtype=float, count=len(tokens))
    except ValueError:
        raise Unreadable from None  # a Fortran 'D' exponent or not a number
    if np.isnan(v).any():
        raise Unreadable
    return v


def _lookup(table: dict[str, int], names: Sequence[str]) -> np.ndarray:
    """The index of each name; Unreadable if one is not in the table."""
    try:
        return np.fromiter(map(table.__getitem__, names), dtype=np.int64, count=len(names))
    except KeyError:
        raise Unreadable from None


def _unique(keys: np.ndarray) -> None:
    """Unreadable unless the integer keys are distinct."""
    if keys.size > 1:
        s = np.sort(keys)
        if (s[1:] == s[:-1]).any():
            raise Unreadable


def _pick(flat: list[str], at: np.ndarray) -> list[str]:
    """flat[i] for each i in `at`."""
    if at.size < 2:
        return [flat[i] for i in at.tolist()]
    return list(itemgetter(*at.tolist())(flat))


def _pairs(flat: list[str], counts: np.ndarray, lead: np.ndarray) -> tuple[list[str], list[str]]:
    """Lines `lead fields, then (name, value) pairs`: the names and values of all pairs in
    file order, leaving out each line's first `lead` fields (an array, one per line). The
    pairs' positions are computed on arrays and picked in one C-level pass each."""
    rest = counts - lead
    if (rest < 0).any() or (rest % 2).any():      # a pair across lines: the general way
        skip = np.zeros(len(flat), bool)
        starts = np.cumsum(counts) - counts
        for k in range(int(lead.max(initial=0))):
            skip[starts[lead > k] + k] = True
        fields = list(compress(flat, (~skip).tolist()))
        return fields[0::2], fields[1::2]
    per_line = rest // 2
    total = int(per_line.sum())
    if total == 0:
        return [], []
    line = np.repeat(np.arange(counts.size), per_line)
    first_pair = np.cumsum(per_line) - per_line            # index of each line's first pair
    at = (np.cumsum(counts) - counts + lead)[line] + 2 * (np.arange(total) - first_pair[line])
    return _pick(flat, at), _pick(flat, at + 1)


def _rows(flat: list[str], counts: np.ndarray) -> tuple[list[str], np.ndarray, dict[str, int]]:
    """ROWS `type name`: constraint names, kinds (0 L, 1 G, 2 E) and the name -> index map
    (-1 the first N row, the objective; -2 further N rows)."""
    if (counts != 2).any():
        raise Unreadable
    kinds, names = flat[0::2], flat[1::2]
    if not set(kinds) <= {"N", "L", "G", "E"} or len(set(names)) != len(names):
        raise Unreadable
    free = [k for k, kind in enumerate(kinds) if kind == "N"] if "N" in kinds else []
    if free:
        rows = [nm for kind, nm in zip(kinds, names) if kind != "N"]
        kinds = [kind for kind in kinds if kind != "N"]
    else:
        rows = names
    index = dict(zip(rows, range(len(rows))))
    for k, i in enumerate(free):
        index[names[i]] = -1 if k == 0 else -2
    kind = np.fromiter(map(_ROW_KIND.__getitem__, kinds), dtype=np.int8, count=len(kinds))
    return rows, kind, index


def _columns(flat: list[str], counts: np.ndarray, row_index: dict[str, int], m: int,
             markers: bool, underscores: bool) -> tuple:
    """COLUMNS `column row value [row value]`, with `name 'MARKER' 'INTORG'` / `'INTEND'`
    lines around integer columns when `markers` (the text holds 'MARKER' somewhere): the
    column names, the name -> index map, the costs, the (row, column, value) entries of the
    constraint rows with |a| > SMALL_MATRIX_VALUE, and which columns are integer."""
    if ((counts != 3) & (counts != 5)).any():
        raise Unreadable
    starts = np.cumsum(counts) - counts
    line_counts = counts
    lead = np.ones(counts.size, np.int64)   # the column name, then (row, value) pairs
    block = None                            # MARKER lines before each line
    if markers:
        is_marker = np.array([f == "'MARKER'" for f in _pick(flat, starts + 1)], dtype=bool)
        if is_marker.any():
            if (counts[is_marker] != 3).any():
                raise Unreadable  # 5 fields on a row called 'MARKER': the line reader decides
            kinds = _pick(flat, starts[is_marker] + 2)
            if kinds != (["'INTORG'", "'INTEND'"] * len(kinds))[:len(kinds)]:
                raise Unreadable
            lead[is_marker] = 3
            block = np.cumsum(is_marker)[~is_marker]
            starts, counts = starts[~is_marker], counts[~is_marker]
    names = _pick(flat, starts)
    # a column's lines are contiguous: a new name starts a column, and no name comes back
    change = np.ones(len(names), bool)
    change[1:] = np.fromiter(map(ne, names, names[1:]), dtype=bool, count=len(names) - 1)
    if block is not None and (~change[1:] & (block[1:] != block[:-1])).any():
        raise Unreadable  # a column running across a MARKER line
    col_names = list(compress(names, change.tolist()))
    n = len(col_names)
    col_index = dict(zip(col_names, range(n)))
    if n == 0 or len(col_index) != n:
        raise Unreadable
    line_col = np.cumsum(change) - 1
    marker_integer = np.zeros(n, bool)
    if block is not None:
        marker_integer[line_col[block % 2 == 1]] = True

    row_names, values = _pairs(flat, line_counts, lead)  # (MARKER lines give none)
    rows = _lookup(row_index, row_names)
    vals = _numbers(values, underscores)
    cols = np.repeat(line_col, (counts - 1) // 2)
    if not np.isfinite(vals).all():
        raise Unreadable
    _unique(cols * (m + 2) + (rows + 2))
    cost = np.zeros(n)
    objective = rows == -1
    if objective.any():
        c = vals[objective]
        if (np.abs(c) >= INFINITE).any():
            raise Unreadable
        cost[cols[objective]] = c
    keep = (rows >= 0) & (np.abs(vals) > SMALL_MATRIX_VALUE)
    return col_names, col_index, cost, rows[keep], cols[keep], vals[keep], marker_integer


def _vector(flat: list[str], counts: np.ndarray, row_index: dict[str, int],
            underscores: bool) -> tuple[np.ndarray, np.ndarray]:
    """RHS / RANGES lines `set row value [row value]` (one set name): row indices and values,
    each row at most once."""
    if ((counts != 3) & (counts != 5)).any():
        raise Unreadable  # a line without a set name (or a wrong one): line by line
    if len(set(_pick(flat, np.cumsum(counts) - counts))) != 1:
        raise Unreadable
    rows, vals = _pairs(flat, counts, np.ones(counts.size, np.int64))
    r = _lookup(row_index, rows)
    _unique(r)
    return r, _numbers(vals, underscores)


def _bounds(flat: list[str], counts: np.ndarray, col_index: dict[str, int], lower: np.ndarray,
            upper: np.ndarray, bound_integer: np.ndarray, bounded: np.ndarray,
            underscores: bool) -> None:
    """BOUNDS lines `type set column [value]` (one set name) into the bound arrays."""
    if ((counts != 3) & (counts != 4)).any():
        raise Unreadable
    starts = np.cumsum(counts) - counts
    kind = _lookup(_BOUND_CODE, _pick(flat, starts))
    sets_lo, sets_up, takes, integer = (_BOUND_SPEC[:, k][kind] for k in range(4))
    has_value = counts == 4
    # a value bound has 4 fields, a bound without one 3 or 4 (the value is read and ignored)
    if (takes & ~has_value).any() or len(set(_pick(flat, starts + 1))) != 1:
        raise Unreadable
    j = _lookup(col_index, _pick(flat, starts + 2))
    value = np.zeros(kind.size)
    if has_value.any():
        value[has_value] = _numbers(_pick(flat, starts[has_value] + 3), underscores)
    _unique(j[sets_lo])
    _unique(j[sets_up])
    lo = np.where(takes, value, _BOUND_LOWER[kind])
    up = np.where(takes, value, _BOUND_UPPER[kind])
    if (lo[sets_lo & takes] >= INFINITE).any() or (up[sets_up & takes] <= -INFINITE).any():
        raise Unreadable
    lower[j[sets_lo]] = lo[sets_lo]
    upper[j[sets_up]] = up[sets_up]
    bounded[j] = True
    bound_integer[j[integer]] = True
