"""Compile an `optlib.Model` into the `StandardForm` every backend receives.

Rows are emitted in the cone order of SCS/Clarabel: equalities (zero cone), inequalities
(nonnegative cone), second-order cones, PSD cones (svec, lower triangle, sqrt 2 scaling):

    E == 0   ->  A = C,  b = -e        (s = -E = 0)
    E <= 0   ->  A = C,  b = -e        (s = -E >= 0)
    ||x||<=t ->  A = -[C_t; C_x], b = [e_t; e_x]   (s = (t, x) in Q)
    M >> 0   ->  A = -svec(C_M), b = svec(e_M)     (s = svec(M) in S_+)
    (u,v,w) in K_exp -> A = -[C_u; C_v; C_w] interleaved per entry, b = [e_u; e_v; e_w] likewise
where an expression is E = C x + e. A quadratic objective term w * e'Q e (e = C x a vector
expression, `Model._quadratic`) adds 2 w C'QC to P (the objective is 1/2 x'P x + c'x), in
the minimisation sense. Logical constraints (optlib.logic) become records over columns
(`StandardForm.logic`), not rows.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from .columns import ColumnMap
from .names import ScalarNames
from .cones import svec_indices, svec_scale
from .constraints import ExpConeConstraint, LinearConstraint, PSDConstraint, SOCConstraint
from .expressions import Expression, VarBlock, _index_type
from .standard_form import ConeDims, RowBlock, StandardForm

if TYPE_CHECKING:  # pragma: no cover
    from .model import Model


class _RowBuilder:
    """Accumulates the rows of A (CSR pieces with the columns already placed) and the entries
    of b, constraint by constraint; `matrix` stacks them once (no COO sort)."""

    def __init__(self, offsets: dict[VarBlock, int], n: int):
        self.offsets = offsets
        self.n = n
        self.index_dtype = _index_type(n)     # int32 where it fits: what HiGHS and SCS take
        self.pieces: list[sp.csr_matrix] = []
        self.b: list[np.ndarray] = []
        self.m = 0

    def add(self, expr: Expression, sign: float, row_select: np.ndarray | None = None,
            row_scale: np.ndarray | None = None) -> int:
        """Append rows sign * S C x  with b = -sign * S e, S = diag(row_scale) selection."""
        const = expr.const if row_select is None else expr.const[row_select]
        k = const.size
        scale = sign if row_scale is None else sign * row_scale
        rows = None
        for blk, C in expr.terms.items():
            C = sp.csr_matrix(C) if row_select is None else sp.csr_matrix(C)[row_select]
            if np.isscalar(scale):      # the arrays are shared only until `matrix` copies them
                data = C.data if scale == 1.0 else C.data * scale
            else:
                data = C.data * np.repeat(scale, np.diff(C.indptr))
            cols = C.indices.astype(self.index_dtype, copy=False)
            cols = cols + self.offsets[blk] if self.offsets[blk] else cols
            piece = sp.csr_matrix((data, cols, C.indptr), shape=(k, self.n))
            rows = piece if rows is None else rows + piece
        self.pieces.append(rows if rows is not None else sp.csr_matrix((k, self.n)))
        self.b.append(-scale * const)
        start = self.m
        self.m += k
        return start

    def matrix(self) -> sp.csc_matrix:
        """The pieces stacked (new arrays: no piece's are shared) and transposed to CSC once;
        duplicates summed and zeros dropped only when a piece has them."""
        if not self.pieces:
            return sp.csc_matrix((0, self.n))
        data = np.concatenate([p.data for p in self.pieces]).astype(float, copy=False)
        cols = np.concatenate([p.indices for p in self.pieces])
        ptrs, at = [np.zeros(1, dtype=np.int64)], 0
        for p in self.pieces:
            ptrs.append(p.indptr[1:].astype(np.int64) + at)
            at += int(p.indptr[-1])
        ptr = np.concatenate(ptrs)
        dtype = _index_type(max(self.n, at))
        A = sp.csr_matrix((data, cols.astype(dtype, copy=False), ptr.astype(dtype, copy=False)),
                          shape=(self.m, self.n))
        if not all(p.has_canonical_format for p in self.pieces):
            A.sum_duplicates()
        if not data.all():
            A.eliminate_zeros()
        return A.tocsc()


def compile_model(model: "Model") -> StandardForm:
    """Build the StandardForm of `model` (sparse, built once)."""
    blocks = model._blocks
    cmap = ColumnMap(blocks)
    offsets = {blk: start for blk, (start, _) in cmap.slices.items()}
    n = cmap.n
    lb = np.concatenate([blk.lb for blk in blocks]) if blocks else np.zeros(0)
    ub = np.concatenate([blk.ub for blk in blocks]) if blocks else np.zeros(0)
    integer = np.concatenate([blk.integer for blk in blocks]) if blocks else np.zeros(0, bool)

    c = np.zeros(n)
    offset = 0.0
    obj = model._objective
    if obj is not None:
        for blk, C in obj.terms.items():
            row = sp.csr_matrix(C)
            row.sum_duplicates()            # one entry per column: the += below does not accumulate
            at = offsets[blk]
            if row.nnz == blk.size:         # sorted, unique and all of them: columns at .. at + size
                c[at:at + blk.size] += row.data
            else:
                c[at + row.indices] += row.data
        offset = float(obj.const[0])
    sense = model._sense
    if sense < 0:
        c, offset = -c, -offset

    builder = _RowBuilder(offsets, n)
    row_blocks: list[RowBlock] = []
    zero = [k for k in model._constraints.values() if isinstance(k, LinearConstraint) and k.sense == "=="]
    nonneg = [k for k in model._constraints.values() if isinstance(k, LinearConstraint) and k.sense == "<="]
    socs = [k for k in model._constraints.values() if isinstance(k, SOCConstraint)]
    psds = [k for k in model._constraints.values() if isinstance(k, PSDConstraint)]
    exps = [k for k in model._constraints.values() if isinstance(k, ExpConeConstraint)]
    logic = [k for k in model._constraints.values() if hasattr(k, "logic_records")]

    for cone, group in (("zero", zero), ("nonneg", nonneg)):
        for con in group:
            start = builder.add(con.expr, 1.0)
            row_blocks.append(RowBlock(con.name, cone, start, con.expr.size, con.shape, con.expr.size))
    soc_dims = []
    for con in socs:
        start = builder.add(con.t, -1.0)
        builder.add(con.x, -1.0)
        q = 1 + con.x.size
        soc_dims.append(q)
        row_blocks.append(RowBlock(con.name, "soc", start, q, con.shape, q))
    psd_dims = []
    for con in psds:
        k = con.shape[0]
        r, cc = svec_indices(k)
        start = builder.add(con.expr, -1.0, row_select=r * k + cc, row_scale=svec_scale(k))
        psd_dims.append(k)
        row_blocks.append(RowBlock(con.name, "psd", start, r.size, con.shape, k))

    n_exp = 0
    for con in exps:
        k = con.count
        stacked = _interleave3(con.u, con.v, con.w)
        start = builder.add(stacked, -1.0)
        n_exp += k
        row_blocks.append(RowBlock(con.name, "exp", start, 3 * k, con.shape, 3))

    A = builder.matrix()
    b = np.concatenate(builder.b) if builder.b else np.zeros(0)
    cones = ConeDims(zero=sum(k.expr.size for k in zero), nonneg=sum(k.expr.size for k in nonneg),
                     soc=tuple(soc_dims), psd=tuple(psd_dims), exp=n_exp)
    P = _quadratic_matrix(model, offsets, n)
    records: list = []
    for con in logic:
        records.extend(con.logic_records(offsets, n))
    # LP/MIP adapters get the linear rows in the order the constraints were added
    order = None
    if not socs and not psds and not exps and zero and nonneg:
        starts = {rb.name: (rb.start, rb.size) for rb in row_blocks}
        order = np.concatenate([np.arange(starts[k.name][0], starts[k.name][0] + starts[k.name][1])
                                for k in model._constraints.values() if k.name in starts]).astype(np.int64)
    return StandardForm(c=c, A=A, b=b, cones=cones, lb=lb.astype(float, copy=False), ub=ub.astype(float, copy=False),
                        integer=integer.astype(bool), offset=offset, sense=sense,
                        var_names=ScalarNames(blocks), row_blocks=tuple(row_blocks), name=model.name,
                        row_order=order, P=P, logic=tuple(records))


def _interleave3(u: Expression, v: Expression, w: Expression) -> Expression:
    """The vector (u_0, v_0, w_0, u_1, v_1, w_1, ...) of three vector expressions of one size."""
    from .expressions import vstack

    return vstack([u, v, w]).T.flatten()


def _quadratic_matrix(model: "Model", offsets: dict, n: int) -> sp.csc_matrix | None:
    """P of the objective's quadratic terms sum_k w_k e_k'Q_k e_k (model._quadratic): each e_k
    selects columns (one coefficient 1 per entry, optlib.atoms.base.selection_form), so
    e_k'Q_k e_k puts Q_k's entries at those columns: P = sense * sum_k 2 w_k Q_k (scattered)."""
    terms = getattr(model, "_quadratic", None)
    if not terms:
        return None
    rows, cols, vals = [], [], []
    for w, e, Q in terms:
        ((blk, C),) = e.terms.items()
        C = sp.csr_matrix(C)
        at = offsets[blk] + C.indices.astype(np.int64)     # the column of each entry of e
        Qc = sp.coo_matrix(Q)
        rows.append(at[Qc.row])
        cols.append(at[Qc.col])
        vals.append((2.0 * w * model._sense) * Qc.data)
    P = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))
    P.sum_duplicates()
    P.eliminate_zeros()
    return P