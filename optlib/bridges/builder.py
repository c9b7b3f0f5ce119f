"""Collect the columns and rows a bridge adds to a StandardForm, then splice them in.

New columns (0/1 integers) go after the form's n columns. New equality rows go at the end of
the zero-cone block, new inequality rows (a'x <= b) at the end of the nonnegative block, so
the cone order (zero, nonneg, soc, psd, exp) is kept; every original row keeps its relative
order and `positions` says where each one went (to map duals and rays back).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from ..names import ExtendedNames
from ..standard_form import ConeDims, RowBlock, StandardForm


class _Rows:
    """Rows a'x <= b (or == b) in COO triples over absolute column indices."""

    def __init__(self) -> None:
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.b: list[float] = []
        self.blocks: list[tuple[str, int, int]] = []    # (name, first row, count) within this group

    @property
    def m(self) -> int:
        return len(self.b)


class BridgeBuilder:
    """Accumulates the additions of one or more bridges to `sf` (see the module docstring)."""

    def __init__(self, sf: StandardForm):
        self.sf = sf
        self.n0 = sf.n
        self.names: list[str] = []
        self.zero = _Rows()
        self.nonneg = _Rows()

    @property
    def n(self) -> int:
        """The number of columns so far (original and added)."""
        return self.n0 + len(self.names)

    def implied_box(self) -> tuple[np.ndarray, np.ndarray]:
        """The variables' box tightened by the bounds the form's rows imply (every feasible point
        lies in it; optlib.implied_bounds), computed once."""
        if getattr(self, "_implied", None) is None:
            from ..implied_bounds import implied_box

            self._implied = implied_box(self.sf)
        return self._implied

    def column_name(self, j: int) -> str:
        names = self.sf.var_names
        return names[j] if len(names) == self.n0 else f"x[{j}]"

    def new_booleans(self, names: list[str]) -> np.ndarray:
        """Append 0/1 integer columns; return their indices."""
        start = self.n
        self.names.extend(names)
        return np.arange(start, self.n, dtype=np.int64)

    def add_row(self, group: _Rows, cols: Any, vals: Any, rhs: float) -> None:
        i = group.m
        cols = np.asarray(cols, dtype=np.int64).ravel()
        group.rows.append(np.full(cols.size, i, dtype=np.int64))
        group.cols.append(cols)
        group.vals.append(np.asarray(vals, dtype=float).ravel())
        group.b.append(float(rhs))

    def le(self, cols: Any, vals: Any, rhs: float) -> None:
        """The row sum_k vals_k x[cols_k] <= rhs."""
        self.add_row(self.nonneg, cols, vals, rhs)

    def eq(self, cols: Any, vals: Any, rhs: float) -> None:
        """The row sum_k vals_k x[cols_k] == rhs."""
        self.add_row(self.zero, cols, vals, rhs)

    def mark(self, name: str, start_zero: int, start_nonneg: int) -> None:
        """Name the rows added since (start_zero, start_nonneg) after one logical constraint."""
        if self.zero.m > start_zero:
            self.zero.blocks.append((name, start_zero, self.zero.m - start_zero))
        if self.nonneg.m > start_nonneg:
            self.nonneg.blocks.append((name, start_nonneg, self.nonneg.m - start_nonneg))

    # -- assembly ----------------------------------------------------------------------
    def _matrix(self, group: _Rows, n: int) -> sp.csr_matrix:
        if not group.m:
            return sp.csr_matrix((0, n))
        M = sp.csr_matrix((np.concatenate(group.vals), (np.concatenate(group.rows), np.concatenate(group.cols))),
                          shape=(group.m, n))
        M.sum_duplicates()
        M.eliminate_zeros()
        return M

    def build(self) -> tuple[StandardForm, np.ndarray]:
        """(the new form, positions): row i of `sf` is row positions[i] of the new form."""
        sf = self.sf
        n, extra = self.n, len(self.names)
        z, l = sf.cones.zero, sf.cones.nonneg
        nz, nn = self.zero.m, self.nonneg.m
        A0 = sf.A.tocsr()
        A0 = sp.csr_matrix((A0.data, A0.indices, A0.indptr), shape=(sf.m, n))
        A = sp.vstack([A0[:z], self._matrix(self.zero, n), A0[z:z + l], self._matrix(self.nonneg, n),
                       A0[z + l:]], format="csc")
        b = np.concatenate([sf.b[:z], self.zero.b, sf.b[z:z + l], self.nonneg.b, sf.b[z + l:]]).astype(float)
        rows = np.arange(sf.m, dtype=np.int64)
        positions = rows + np.where(rows < z, 0, np.where(rows < z + l, nz, nz + nn))
        shift = {"zero": 0, "nonneg": nz}
        blocks = [RowBlock(rb.name, rb.cone, rb.start + shift.get(rb.cone, nz + nn), rb.size, rb.shape, rb.dim,
                           rb.negated) for rb in sf.row_blocks]
        for group, base in ((self.zero, z), (self.nonneg, z + nz + l)):
            for name, first, count in group.blocks:
                cone = "zero" if group is self.zero else "nonneg"
                blocks.append(RowBlock(name, cone, base + first, count, (count,), count))
        blocks.sort(key=lambda rb: rb.start)
        order = None
        if sf.row_order is not None:
            order = np.concatenate([positions[np.asarray(sf.row_order, dtype=np.int64)],
                                    np.arange(z, z + nz), np.arange(z + nz + l, z + nz + l + nn)]).astype(np.int64)
        P = sf.P
        if P is not None:
            P = sp.csc_matrix(P)
            P = sp.csc_matrix((P.data, P.indices, np.concatenate([P.indptr, np.full(extra, P.indptr[-1])])),
                              shape=(n, n))
        cones = ConeDims(zero=z + nz, nonneg=l + nn, soc=sf.cones.soc, psd=sf.cones.psd, exp=sf.cones.exp)
        new = sf.replace(
            c=np.concatenate([sf.c, np.zeros(extra)]), A=A, b=b, cones=cones,
            lb=np.concatenate([sf.lb, np.zeros(extra)]), ub=np.concatenate([sf.ub, np.ones(extra)]),
            integer=np.concatenate([np.asarray(sf.integer, dtype=bool), np.ones(extra, dtype=bool)]),
            var_names=ExtendedNames(sf.var_names, self.n0, self.names) if extra else sf.var_names,
            row_blocks=tuple(blocks), row_order=order, P=P, logic=())
        return new, positions
