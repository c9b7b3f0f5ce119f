"""Logical and combinatorial constraints over integer and boolean variables.

A *literal* is a scalar boolean expression: an entry z of a 0/1 integer variable (value z),
or its negation `~z` (value 1 - z; `~z` is the affine expression 1 - z, so it also works in
arithmetic). Over literals l_i and integer entries x_i:

    implies(l, a'x <= b)      l = 1  =>  a'x <= b        (each row of a vector constraint;
    implies(l, c, when=False) l = 0  =>  c                 also '>=' and '==')
    all_different(x)          x_i != x_j for all i < j
    any_of(l) / all_of(l)     sum_i l_i >= 1 / l_i = 1 for all i
    at_most(k, l) / at_least(k, l) / exactly(k, l)   sum_i l_i <= k / >= k / == k

Each is a `Constraint` (add it with `m.add(...)`, it gets a name). `compile` turns it into
column-level records (`Indicator`, `AllDifferent`, `Clause`, in `StandardForm.logic`): CP-SAT
takes them natively, other MIP backends get big-M rows (`optlib.bridges`), and the certificate
re-checks them at the returned point (`optlib.logic_check`).
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from . import expressions as _expressions
from .constraints import Constraint, LinearConstraint
from .expressions import Expression, VarBlock, _check_same_model, to_expression


# ----------------------------------------------------------------------------------------
# records (what compile puts in StandardForm.logic), over the form's columns
# ----------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Indicator:
    """x[z_col] == active_value  =>  A x <= b (sense '<=') or A x == b (sense '=='), row by row.

    A is a CSR matrix (k x n) over the form's columns; `shape` is the user constraint's shape
    (for naming rows)."""

    name: str
    z_col: int
    active_value: int
    A: sp.csr_matrix
    b: np.ndarray
    sense: str
    shape: tuple[int, ...] = ()


@dataclass(frozen=True, eq=False)
class AllDifferent:
    """x[cols[i]] != x[cols[j]] for every i < j (integer columns)."""

    name: str
    cols: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class Clause:
    """Literals l_i = x[cols[i]] (or 1 - x[cols[i]] where negated[i]) over 0/1 columns, with
    kind 'or' (sum l >= 1), 'and' (every l_i = 1), 'at_most' (sum l <= k), 'at_least'
    (sum l >= k) or 'exactly' (sum l == k)."""

    name: str
    kind: str
    cols: tuple[int, ...]
    negated: tuple[bool, ...]
    k: int = 1

    def count(self, x: np.ndarray) -> int:
        """The number of true literals at a 0/1 point x."""
        vals = np.asarray(x, dtype=float)[list(self.cols)]
        neg = np.asarray(self.negated, dtype=bool)
        return int(np.sum(np.where(neg, 1.0 - vals, vals) > 0.5))

    def satisfied(self, x: np.ndarray) -> bool:
        """True when the clause holds at a 0/1 point x."""
        t = self.count(x)
        size = len(self.cols)
        return {"or": t >= 1, "and": t == size, "at_most": t <= self.k,
                "at_least": t >= self.k, "exactly": t == self.k}[self.kind]

    def describe(self) -> str:
        """The clause in words: 'any_of', 'at_most 2', ..."""
        return {"or": "any_of", "and": "all_of"}.get(self.kind, f"{self.kind} {self.k}")


CLAUSE_KINDS = ("or", "and", "at_most", "at_least", "exactly")


# ----------------------------------------------------------------------------------------
# literals and entries
# ----------------------------------------------------------------------------------------
def _label(expr: Expression) -> str:
    """A short name for an expression in an error message."""
    if expr.size == 1 and len(expr.terms) == 1:
        (blk, C), = expr.terms.items()
        C = sp.csr_matrix(C)
        C.eliminate_zeros()
        if C.nnz == 1:
            k = int(C.indices[0])
            name = blk.scalar_name(k)
            a, c = float(C.data[0]), float(expr.const[0])
            if a == 1.0 and c == 0.0:
                return name
            return f"{c:g} + {a:g}*{name}" if c else f"{a:g}*{name}"
    names = ", ".join(b.name for b in expr.terms) or "constant"
    return f"an expression of shape {expr.shape} over [{names}]"


def _single_column(expr: Expression) -> tuple[VarBlock, int, float, float] | None:
    """(block, k, a, c) when the scalar expression is a*x_k + c for one scalar of one block."""
    if expr.size != 1 or len(expr.terms) != 1:
        return None
    (blk, C), = expr.terms.items()
    C = sp.csr_matrix(C, copy=True)
    C.sum_duplicates()
    C.eliminate_zeros()
    if C.nnz != 1:
        return None
    return blk, int(C.indices[0]), float(C.data[0]), float(expr.const[0])


def _is_boolean(blk: VarBlock, k: int) -> bool:
    return bool(blk.integer[k]) and blk.lb[k] >= 0.0 and blk.ub[k] <= 1.0


def _describe_column(blk: VarBlock, k: int) -> str:
    kind = "integer" if blk.integer[k] else "continuous"
    return f"{blk.scalar_name(k)} ({kind}, bounds [{blk.lb[k]:g}, {blk.ub[k]:g}])"


def parse_literal(expr: Any, what: str = "literal") -> tuple[VarBlock, int, bool]:
    """(block, k, negated) of a literal: the entry z = x_k of a 0/1 integer block (negated
    False) or 1 - z (negated True). ValueError naming the expression otherwise."""
    if not isinstance(expr, Expression):
        raise ValueError(f"{what} must be a boolean entry such as z[0] or ~z[0], got {type(expr).__name__}")
    if expr.size != 1:
        raise ValueError(f"{what} must be a scalar boolean expression (an entry of a boolean "
                         f"variable, or ~ of one), got {_label(expr)}")
    one = _single_column(expr)
    if one is None:
        raise ValueError(f"{what} must be a boolean entry z or ~z, got {_label(expr)}")
    blk, k, a, c = one
    if not _is_boolean(blk, k):
        raise ValueError(f"{what} must be boolean (an integer variable with bounds within [0, 1]); "
                         f"{_describe_column(blk, k)} is not")
    if a == 1.0 and c == 0.0:
        return blk, k, False
    if a == -1.0 and c == 1.0:
        return blk, k, True
    raise ValueError(f"{what} must be a boolean entry z or its negation ~z (= 1 - z), got {_label(expr)}")


def negate(expr: Any) -> Expression:
    """`~z`: the literal 1 - z of a scalar boolean entry z (or z of ~z). ValueError for
    anything that is not a scalar boolean literal (the expression is named)."""
    expr = to_expression(expr)
    parse_literal(expr, "~ (logical not)")
    return 1 - expr


# `~expr` (Expression.__invert__) calls this; optlib.expressions does not import this module
_expressions.CONSTRAINTS["not"] = negate


def _entries(items: Any, what: str) -> list[Expression]:
    """The scalar entries of an expression, or of a list of (scalar or vector) expressions."""
    if isinstance(items, Expression):
        groups = [items]
    elif isinstance(items, (list, tuple)):
        groups = list(items)
    else:
        try:
            groups = list(items)
        except TypeError as exc:
            raise ValueError(f"{what} takes an expression or a list of expressions, "
                             f"got {type(items).__name__}") from exc
    out: list[Expression] = []
    for g in groups:
        if not isinstance(g, Expression):
            raise ValueError(f"{what}: every item must be an optlib expression (a variable entry), "
                             f"got {type(g).__name__}")
        flat = g.flatten()
        out.extend(flat[i] for i in range(flat.size))
    if not out:
        raise ValueError(f"{what} needs at least one entry")
    for e in out[1:]:
        _check_same_model(out[0], e)
    return out


def _count(k: Any, what: str) -> int:
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 0:
        raise ValueError(f"{what}: k must be a non-negative integer, got {k!r}")
    return int(k)


# ----------------------------------------------------------------------------------------
# constraints
# ----------------------------------------------------------------------------------------
class LogicConstraint(Constraint):
    """A logical constraint: compiled to records over columns (`logic_records`), not rows."""

    kind = "logic"

    def logic_records(self, offsets: dict[VarBlock, int], n: int) -> list:
        raise NotImplementedError


class Implication(LogicConstraint):
    """literal == when  =>  the linear constraint (each of its rows)."""

    kind = "indicator"

    def __init__(self, literal: Any, constraint: Any, when: bool = True):
        super().__init__()
        if not isinstance(when, (bool, np.bool_)):
            raise ValueError(f"implies: when must be True or False, got {when!r}")
        if not isinstance(constraint, LinearConstraint):
            what = type(constraint).__name__
            raise ValueError(f"implies: the implied constraint must be linear (expr <= b, expr >= b or "
                             f"expr == b), got {what}" + ("" if isinstance(constraint, Constraint)
                                                          else " (not an optlib constraint)"))
        literal = to_expression(literal)
        self.block, self.index, negated = parse_literal(literal, "implies: the condition")
        _check_same_model(literal, constraint.expr)
        self.literal = literal
        self.constraint = constraint
        self.when = bool(when)
        # z's value at which the rows are enforced: literal == when, literal = z or 1 - z
        self.active_value = int(self.when) ^ int(negated)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.constraint.shape

    def expressions(self) -> list[Expression]:
        return [self.literal, self.constraint.expr]

    def logic_records(self, offsets: dict[VarBlock, int], n: int) -> list:
        expr = self.constraint.expr
        k = expr.size
        A = sp.csr_matrix((k, n))
        for blk, C in expr.terms.items():
            C = sp.csr_matrix(C)
            A = A + sp.csr_matrix((C.data, C.indices + offsets[blk], C.indptr), shape=(k, n))
        A = sp.csr_matrix(A)
        A.sum_duplicates()
        A.eliminate_zeros()
        return [Indicator(self.name or "", offsets[self.block] + self.index, self.active_value, A,
                          -expr.const.astype(float).copy(), self.constraint.sense, tuple(self.shape))]


class _OverEntries(LogicConstraint):
    """A logical constraint over a list of scalar entries (`entries`)."""

    entries: list[Expression]

    @property
    def shape(self) -> tuple[int, ...]:
        return (len(self.entries),)

    def expressions(self) -> list[Expression]:
        return list(self.entries)


class AllDifferentConstraint(_OverEntries):
    """x_i != x_j for all pairs of the given integer entries."""

    kind = "all_different"

    def __init__(self, items: Any):
        super().__init__()
        self.entries = _entries(items, "all_different")
        self.columns: list[tuple[VarBlock, int]] = []
        for i, e in enumerate(self.entries):
            one = _single_column(e)
            if one is None or one[2] != 1.0 or one[3] != 0.0:
                raise ValueError(f"all_different: entry {i} must be an integer variable entry such as "
                                 f"x[{i}], got {_label(e)}")
            blk, k, _, _ = one
            if not blk.integer[k]:
                raise ValueError(f"all_different needs integer variables: entry {i}, "
                                 f"{_describe_column(blk, k)}, is continuous")
            self.columns.append((blk, k))

    def logic_records(self, offsets: dict[VarBlock, int], n: int) -> list:
        return [AllDifferent(self.name or "", tuple(offsets[b] + k for b, k in self.columns))]


class ClauseConstraint(_OverEntries):
    """A count of true literals: or, and, at_most k, at_least k, exactly k (see `Clause`)."""

    kind = "clause"

    def __init__(self, kind: str, items: Any, k: int, what: str):
        super().__init__()
        if kind not in CLAUSE_KINDS:
            raise ValueError(f"internal: clause kind {kind!r}")
        self.clause_kind = kind
        self.entries = _entries(items, what)
        self.literals = [parse_literal(e, f"{what}: literal {i}") for i, e in enumerate(self.entries)]
        self.k = k

    def logic_records(self, offsets: dict[VarBlock, int], n: int) -> list:
        return [Clause(self.name or "", self.clause_kind, tuple(offsets[b] + k for b, k, _ in self.literals),
                       tuple(neg for _, _, neg in self.literals), self.k)]


# ----------------------------------------------------------------------------------------
# the user API
# ----------------------------------------------------------------------------------------
def implies(z: Any, constraint: Any, when: bool = True) -> Implication:
    """`z == when  =>  constraint`: z a scalar boolean literal (an entry of a boolean variable
    or ~ of one), constraint linear (`expr <= b`, `expr >= b`, `expr == b`; every row of a
    vector constraint is enforced). `when=False` enforces it when z is false."""
    return Implication(z, constraint, when)


def all_different(x: Any) -> AllDifferentConstraint:
    """x_i != x_j for all i < j: x an integer vector expression or a list of integer entries."""
    return AllDifferentConstraint(x)


def any_of(literals: Any) -> ClauseConstraint:
    """At least one literal is true (a clause l_1 or l_2 or ...)."""
    return ClauseConstraint("or", literals, 1, "any_of")


def all_of(literals: Any) -> ClauseConstraint:
    """Every literal is true."""
    c = ClauseConstraint("and", literals, 0, "all_of")
    c.k = len(c.entries)
    return c


def at_most(k: int, literals: Any) -> ClauseConstraint:
    """At most k literals are true: sum_i l_i <= k."""
    return ClauseConstraint("at_most", literals, _count(k, "at_most"), "at_most")


def at_least(k: int, literals: Any) -> ClauseConstraint:
    """At least k literals are true: sum_i l_i >= k."""
    return ClauseConstraint("at_least", literals, _count(k, "at_least"), "at_least")


def exactly(k: int, literals: Any) -> ClauseConstraint:
    """Exactly k literals are true: sum_i l_i == k."""
    return ClauseConstraint("exactly", literals, _count(k, "exactly"), "exactly")


__all__ = ["implies", "all_different", "any_of", "all_of", "at_most", "at_least", "exactly", "negate",
           "Indicator", "AllDifferent", "Clause", "LogicConstraint", "Implication",
           "AllDifferentConstraint", "ClauseConstraint", "parse_literal"]

