"""A file's rows lo <= A x <= hi as a StandardForm (shared by the MPS and LP readers).

An equality (lo == hi) gives a zero-cone row a'x = hi; every finite hi gives a nonneg row
a'x <= hi; every finite lo gives a nonneg row -a'x <= -lo (negated=True). A ranged row gives two
blocks, "<name>" (the <= side) and "<name>:lo" (the >= side); free rows are dropped. A
maximisation comes in as sense = -1 with c and the offset negated (the form always minimises).
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .standard_form import ConeDims, RowBlock, StandardForm


def standard_form_from_rows(*, cost: np.ndarray, A: sp.spmatrix, row_lower: np.ndarray,
                             row_upper: np.ndarray, col_lower: np.ndarray,
                             col_upper: np.ndarray, integer: np.ndarray, sense: int,
                             offset: float, row_names: list[str], col_names: list[str],
                             name: str) -> StandardForm:
    """The StandardForm of a file's rows lo <= A x <= hi (see the module docstring).

    `cost` and `offset` are in the file's sense (sense = -1 for a maximisation).
    """
    A = sp.csr_matrix(A)
    lo = np.asarray(row_lower, dtype=float)
    hi = np.asarray(row_upper, dtype=float)
    eq = np.flatnonzero((lo == hi) & np.isfinite(hi))
    ranged = np.isfinite(lo) & np.isfinite(hi) & (lo != hi)
    up = np.flatnonzero(np.isfinite(hi) & (lo != hi))
    down = np.flatnonzero(np.isfinite(lo) & (lo != hi))
    # nonneg rows in file order, the <= side of a ranged row before its >= side
    rows = np.concatenate([up, down])
    side = np.concatenate([np.zeros(up.size, bool), np.ones(down.size, bool)])  # True: >= side
    order = np.lexsort((side, rows))
    rows, side = rows[order], side[order]
    sign = np.where(side, -1.0, 1.0)

    # the equalities, then the nonneg rows (>= sides negated): one row selection of A
    A_std = A[np.concatenate([eq, rows])]
    if side.any():
        row_sign = np.concatenate([np.ones(eq.size), sign])
        A_std.data *= np.repeat(row_sign, np.diff(A_std.indptr))
    A_std = A_std.tocsc()
    b = np.concatenate([hi[eq], np.where(side, -lo[rows], hi[rows])])
    names = [row_names[i] for i in eq.tolist()]
    names += [row_names[i] + ":lo" if neg and two else row_names[i]
              for i, neg, two in zip(rows.tolist(), side.tolist(), ranged[rows].tolist())]
    blocks = _row_blocks(names, eq.size, side)
    return StandardForm(
        c=sense * np.asarray(cost, dtype=float),
        A=A_std,
        b=b,
        cones=ConeDims(zero=int(eq.size), nonneg=int(rows.size)),
        lb=np.asarray(col_lower, dtype=float),
        ub=np.asarray(col_upper, dtype=float),
        integer=np.asarray(integer, dtype=bool),
        offset=sense * float(offset),
        sense=sense,
        var_names=tuple(col_names),
        row_blocks=tuple(blocks),
        name=name,
        # the file's order: row i of the file (its <= side before its >= side)
        row_order=np.argsort(np.concatenate([2 * eq, 2 * rows + side]), kind="stable"),
    )


def _row_blocks(names: list[str], zero: int, negated: np.ndarray) -> list[RowBlock]:
    """One single-row RowBlock per name: the first `zero` in the zero cone, the rest nonneg
    (negated where `negated` says). The instances are filled in directly: a frozen
    dataclass's __init__ sets each field through object.__setattr__, and a file with many
    rows spends most of this function there (RowBlock has no __post_init__ or __slots__;
    tests/test_io_strict.py compares the result with RowBlock(...))."""
    new = object.__new__
    flags = [False] * zero + negated.tolist()
    cones = ["zero"] * zero + ["nonneg"] * (len(names) - zero)
    blocks = []
    for k, (name, cone, neg) in enumerate(zip(names, cones, flags)):
        block = new(RowBlock)
        block.__dict__.update(name=name, cone=cone, start=k, size=1, shape=(1,), dim=1,
                              negated=neg)
        blocks.append(block)
    return blocks
