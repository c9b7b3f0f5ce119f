"""Affine expressions over blocks of variables, stored sparse.

An expression of shape S is  vec(E) = const + sum_B C_B x_B,  with vec the row-major
(C order) flattening, x_B the scalars of variable block B and C_B a scipy.sparse CSR
matrix of shape (prod(S), B.size). Every operation (indexing, transpose, sums,
stacking, products with constants) is a sparse linear map applied to the C_B, so large
structured matrices (LMIs with 10^4 rows) stay sparse end to end.
"""
from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING, Any, Callable, Iterable

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:  # pragma: no cover
    from .constraints import Constraint
    from .model import Model

Shape = tuple[int, ...]


# ----------------------------------------------------------------------------------------
# variable blocks
# ----------------------------------------------------------------------------------------
class VarBlock:
    """The scalars behind one user variable: `size` scalars with bounds and a kind.

    `integer` is a per-scalar mask (all True for integer/boolean blocks); `names`, when
    given, are the scalars' names (e.g. the columns of an MPS file).
    """

    __slots__ = ("model", "name", "size", "kind", "lb", "ub", "shape", "symmetric", "integer", "names", "aux")

    def __init__(self, model: "Model", name: str, size: int, kind: str, lb: np.ndarray,
                 ub: np.ndarray, shape: Shape, symmetric: bool = False,
                 integer: np.ndarray | None = None, names: tuple[str, ...] | None = None):
        self.model = model
        self.name = name
        self.size = size
        self.kind = kind          # 'continuous' | 'integer' | 'boolean' | 'mixed'
        self.lb = lb
        self.ub = ub
        self.shape = shape
        self.symmetric = symmetric
        if integer is None:
            integer = np.full(size, kind in ("integer", "boolean"))
        self.integer = integer
        self.names = names
        self.aux = None           # an atom's definition (optlib.atoms.base.AuxDef) for its variable

    def scalar_names(self) -> list[str]:
        """One name per scalar: `x`, `x[3]`, `x[1,2]`, or for symmetric blocks `X[i,j]` (i >= j)."""
        if self.names is not None:
            return list(self.names)
        if self.symmetric:
            from .cones import svec_indices
            r, c = svec_indices(self.shape[0])
            return [f"{self.name}[{i},{j}]" for i, j in zip(r.tolist(), c.tolist())]
        if not self.shape:
            return [self.name]
        return [f"{self.name}[{','.join(map(str, idx))}]" for idx in np.ndindex(*self.shape)]

    def scalar_name(self, k: int) -> str:
        """The name of scalar k of the block (as in `scalar_names`), without making the others."""
        if self.names is not None:
            return self.names[k]
        if self.symmetric:
            n = self.shape[0]
            # svec order: column j holds rows j..n-1; find j with start(j) <= k < start(j+1)
            starts = np.cumsum(np.concatenate(([0], np.arange(n, 0, -1))))
            j = int(np.searchsorted(starts, k, side="right")) - 1
            return f"{self.name}[{j + k - int(starts[j])},{j}]"
        if not self.shape:
            return self.name
        return f"{self.name}[{','.join(str(int(i)) for i in np.unravel_index(k, self.shape))}]"

    def __repr__(self) -> str:
        return f"VarBlock({self.name!r}, size={self.size}, kind={self.kind})"


#: the constraint classes the comparison operators build, and "not" (the ~ of a boolean literal):
#: optlib.constraints and optlib.logic fill this in when imported (they depend on this module;
#: this module does not import them)
CONSTRAINTS: dict[str, Callable[..., Any]] = {}
#: the atoms products of two expressions may become (x @ P @ x, x @ x): optlib.atoms fills it in
ATOMS: dict[str, Callable[..., Any]] = {}


# ----------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------
def _size(shape: Shape) -> int:
    return int(math.prod(shape))


def _as_shape(shape: Any, what: str = "shape") -> Shape:
    if shape is None:
        return ()
    if isinstance(shape, numbers.Integral):
        shape = (int(shape),)
    try:
        out = tuple(int(s) for s in shape)
    except TypeError as exc:
        raise ValueError(f"{what} must be an int or a tuple of ints, got {shape!r}") from exc
    if any(s < 0 for s in out):
        raise ValueError(f"{what} must have non-negative entries, got {out}")
    if len(out) > 2:
        raise ValueError(f"{what} must have at most 2 dimensions, got {out}")
    return out


def as_constant(value: Any, what: str = "constant") -> np.ndarray:
    """A float ndarray (dense) from a number, array or scipy.sparse matrix; NaN/inf rejected."""
    if sp.issparse(value):
        arr = value.toarray()
    else:
        arr = np.asarray(value)
    if arr.dtype == object:
        raise TypeError(f"{what}: cannot use an object of type {type(value).__name__} here")
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{what} must be numeric, got dtype {arr.dtype}")
    arr = arr.astype(float, copy=False)
    if arr.ndim > 2:
        raise ValueError(f"{what} must have at most 2 dimensions, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = "NaN" if np.isnan(arr).any() else "inf"
        raise ValueError(f"{what} contains {bad}; constants in a model must be finite")
    return arr


def _check_sparse_finite(mat: sp.spmatrix, what: str) -> sp.csr_matrix:
    mat = sp.csr_matrix(mat, dtype=float)
    if not np.all(np.isfinite(mat.data)):
        raise ValueError(f"{what} contains NaN or inf; constants in a model must be finite")
    return mat


def _index_grid(shape: Shape) -> np.ndarray:
    return np.arange(_size(shape), dtype=np.int64).reshape(shape)


def _selection(idx: np.ndarray, n_in: int) -> sp.csr_matrix:
    """Sparse 0/1 matrix P with (P v)[k] = v[idx[k]]."""
    idx = np.asarray(idx, dtype=np.int64).ravel()
    return sp.csr_matrix((np.ones(idx.size), (np.arange(idx.size), idx)), shape=(idx.size, n_in))


def to_expression(value: Any) -> "Expression":
    """Wrap numbers, arrays and sparse matrices as constant expressions."""
    if isinstance(value, Expression):
        return value
    arr = as_constant(value)
    return Expression({}, arr.ravel().copy(), arr.shape)


# ----------------------------------------------------------------------------------------
# expressions
# ----------------------------------------------------------------------------------------
class Expression:
    """An affine expression `const + sum_B C_B x_B` with a numpy-like shape (0-2 dims)."""

    __array_ufunc__ = None       # make numpy defer to our reflected operators
    __array_priority__ = 1000

    def __init__(self, terms: dict[VarBlock, sp.csr_matrix], const: np.ndarray, shape: Shape):
        self.terms = terms
        self.const = np.asarray(const, dtype=float).ravel()
        self.shape = tuple(shape)
        if self.const.size != _size(self.shape):
            raise ValueError(f"internal: constant of size {self.const.size} for shape {self.shape}")

    # -- basic properties ------------------------------------------------------------
    @property
    def size(self) -> int:
        return _size(self.shape)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def is_constant(self) -> bool:
        return not self.terms

    @property
    def model(self) -> "Model | None":
        for block in self.terms:
            return block.model
        return None

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a scalar expression")
        return self.shape[0]

    def __repr__(self) -> str:
        names = ", ".join(b.name for b in self.terms) or "constant"
        return f"Expression(shape={self.shape}, vars=[{names}])"

    def __bool__(self) -> bool:
        raise TypeError("an optlib expression has no truth value; compare it to build a constraint")

    def __iter__(self):
        if not self.shape:
            raise TypeError("iteration over a scalar expression")
        for i in range(self.shape[0]):
            yield self[i]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        # An opaque 0-d object array: scipy.sparse operators (`A @ x`, `A + X`, `A <= X`)
        # then return NotImplemented and Python calls our reflected operator, instead of
        # scipy treating the expression as a sequence of entries.
        out = np.empty(1, dtype=object)
        out[0] = self
        return out.reshape(())

    # -- linear maps -----------------------------------------------------------------
    def _apply(self, P: sp.spmatrix, shape: Shape) -> "Expression":
        """The expression P vec(self), reshaped to `shape`."""
        P = sp.csr_matrix(P)
        terms = {b: P if _is_identity(C) else sp.csr_matrix(P @ C) for b, C in self.terms.items()}
        const = P @ self.const if self.const.any() else np.zeros(P.shape[0])   # a variable's is zero
        return Expression(terms, const, shape)

    def _take(self, idx: np.ndarray, shape: Shape) -> "Expression":
        """Select flat entries `idx` (row selection, no matrix product)."""
        idx = np.asarray(idx, dtype=np.int64).ravel()
        terms = {b: C[idx] for b, C in self.terms.items()}
        return Expression(terms, self.const[idx], shape)

    def _scale_rows(self, w: np.ndarray) -> "Expression":
        terms = {b: _diagonal(w) if _is_identity(C) else sp.csr_matrix(sp.diags(w) @ C)
                 for b, C in self.terms.items()}
        const = w * self.const if self.const.any() else np.zeros(self.const.size)   # a variable's is 0
        return Expression(terms, const, self.shape)

    def broadcast_to(self, shape: Shape) -> "Expression":
        shape = tuple(shape)
        if shape == self.shape:
            return self
        try:
            idx = np.broadcast_to(_index_grid(self.shape), shape)
        except ValueError as exc:
            raise ValueError(f"shape mismatch: cannot broadcast {self.shape} to {shape}") from exc
        return self._take(idx, shape)

    def reshape(self, *shape: Any) -> "Expression":
        if len(shape) == 1 and not isinstance(shape[0], numbers.Integral):
            shape = shape[0]
        new = np.empty(self.size).reshape(shape).shape   # numpy resolves -1 and checks size
        return Expression(dict(self.terms), self.const, _as_shape(new))

    def flatten(self) -> "Expression":
        return Expression(dict(self.terms), self.const, (self.size,))

    ravel = flatten

    @property
    def T(self) -> "Expression":
        if self.ndim < 2:
            return self
        return self._take(_index_grid(self.shape).T, self.shape[::-1])

    def transpose(self) -> "Expression":
        return self.T

    def __getitem__(self, key: Any) -> "Expression":
        if isinstance(key, Expression):
            raise TypeError("cannot index with an optlib expression")
        sel = _index_grid(self.shape)[key]
        sel = np.asarray(sel)
        if sel.ndim > 2:
            raise ValueError(f"indexing gives {sel.ndim} dimensions; at most 2 are supported")
        return self._take(sel, sel.shape)

    def sum(self, axis: int | None = None) -> "Expression":
        if axis is None:                 # the column sums of each coefficient matrix
            terms = {b: _column_sums(C) for b, C in self.terms.items()}
            return Expression(terms, np.array([self.const.sum()]), ())
        if self.ndim == 0:
            raise ValueError("axis given for a scalar expression")
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral) or not -self.ndim <= axis < self.ndim:
            raise ValueError(f"axis {axis!r} is out of range for an expression of shape {self.shape}")
        axis = int(axis) % self.ndim
        if self.ndim == 2 and self.size:   # the summing matrix straight in CSR form
            r, c = self.shape
            it = _index_type(r * c + 1)     # what scipy would cast the indices to
            if axis == 1:                  # row i: entries i*c .. i*c + c - 1
                idx, ptr, out_shape = np.arange(r * c, dtype=it), np.arange(0, r * c + 1, c, dtype=it), (r,)
            else:                          # column j: entries j, j + c, ...
                idx = (np.arange(r, dtype=it)[None, :] * c + np.arange(c, dtype=it)[:, None]).ravel()
                ptr, out_shape = np.arange(0, r * c + 1, max(r, 1), dtype=it), (c,)
            P = sp.csr_matrix((np.ones(r * c), idx, ptr), shape=(out_shape[0], r * c))
            return self._apply(P, out_shape)
        grid = _index_grid(self.shape)
        out_shape = tuple(s for i, s in enumerate(self.shape) if i != axis)
        rows = np.broadcast_to(np.expand_dims(_index_grid(out_shape), axis), self.shape)
        P = sp.csr_matrix((np.ones(self.size), (rows.ravel(), grid.ravel())),
                          shape=(_size(out_shape), self.size))
        return self._apply(P, out_shape)

    # -- arithmetic ------------------------------------------------------------------
    def _combine(self, other: Any, sign: float) -> "Expression":
        other = to_expression(other)
        _check_same_model(self, other)
        try:
            shape = np.broadcast_shapes(self.shape, other.shape)
        except ValueError as exc:
            raise ValueError(f"shape mismatch: cannot add shapes {self.shape} and {other.shape}") from exc
        a, b = self.broadcast_to(shape), other.broadcast_to(shape)
        terms = dict(a.terms)
        for blk, C in b.terms.items():
            C = C if sign > 0 else -C
            terms[blk] = sp.csr_matrix(terms[blk] + C) if blk in terms else C
        return Expression(terms, a.const + sign * b.const, shape)

    def __add__(self, other: Any) -> "Expression":
        return self._combine(other, 1.0)

    def __radd__(self, other: Any) -> "Expression":
        return to_expression(other)._combine(self, 1.0)

    def __sub__(self, other: Any) -> "Expression":
        return self._combine(other, -1.0)

    def __rsub__(self, other: Any) -> "Expression":
        return to_expression(other)._combine(self, -1.0)

    def __neg__(self) -> "Expression":
        return Expression({b: -C for b, C in self.terms.items()}, -self.const, self.shape)

    def __pos__(self) -> "Expression":
        return self

    def __invert__(self) -> "Expression":
        """~z: the negated literal 1 - z of a scalar boolean entry (optlib.logic.negate)."""
        return CONSTRAINTS["not"](self)

    def __mul__(self, other: Any) -> "Expression":
        if isinstance(other, Expression):
            if other.is_constant:
                other = other.const.reshape(other.shape)
            elif self.is_constant:
                return other * self.const.reshape(self.shape)
            else:
                raise ValueError("product of two non-constant expressions is not affine")
        if isinstance(other, numbers.Number):
            c = float(other)
            if not math.isfinite(c):
                raise ValueError("multiplier contains NaN or inf")
            return Expression({b: C * c for b, C in self.terms.items()}, self.const * c, self.shape)
        if sp.issparse(other) and other.ndim == 2:
            return self._times_sparse(other)
        arr = as_constant(other, "multiplier")
        try:
            shape = np.broadcast_shapes(self.shape, arr.shape)
        except ValueError as exc:
            raise ValueError(f"shape mismatch: cannot multiply shapes {self.shape} and {arr.shape} "
                             "elementwise (use @ for matrix products)") from exc
        return self.broadcast_to(shape)._scale_rows(np.broadcast_to(arr, shape).ravel())

    __rmul__ = __mul__

    def _times_sparse(self, S: sp.spmatrix) -> "Expression":
        """self * S elementwise for a sparse constant matrix S: only S's nonzero entries are
        formed (rho * E with a scalar rho and an n x n sparse E costs nnz(E), not n^2)."""
        S = sp.coo_matrix(S)
        if not np.all(np.isfinite(S.data)):
            raise ValueError("multiplier contains NaN or inf")
        try:
            shape = np.broadcast_shapes(self.shape, S.shape)
        except ValueError as exc:
            raise ValueError(f"shape mismatch: cannot multiply shapes {self.shape} and {S.shape} "
                             "elementwise (use @ for matrix products)") from exc
        if shape != S.shape:     # S itself would be broadcast: rare; go through the dense path
            return self * S.toarray()
        keep = S.data != 0
        i, j, v = S.row[keep].astype(np.int64), S.col[keep].astype(np.int64), S.data[keep]
        dst = i * shape[1] + j
        # the entry of self each (i, j) reads (self is broadcast to `shape`)
        own = (1,) * (2 - self.ndim) + self.shape
        src = (i % own[0]) * own[1] + (j % own[1])
        out = sp.csr_matrix((v, (dst, np.arange(dst.size))), shape=(_size(shape), dst.size))
        terms = {b: sp.csr_matrix(out @ C[src]) for b, C in self.terms.items()}
        const = np.zeros(_size(shape))
        const[dst] = self.const[src] * v
        return Expression(terms, const, shape)

    def __truediv__(self, other: Any) -> "Expression":
        if isinstance(other, Expression):
            if not other.is_constant:
                raise ValueError("division by a non-constant expression is not affine")
            other = other.const.reshape(other.shape)
        arr = as_constant(other, "divisor")
        if np.any(arr == 0):
            raise ValueError("division by zero")
        return self * (1.0 / arr)

    def __matmul__(self, other: Any) -> "Expression":
        if isinstance(other, Expression):
            if other.is_constant:
                other = other.const.reshape(other.shape)
            elif self.is_constant:
                return _const_matmul_expr(self.const.reshape(self.shape), other)
            else:
                return _quadratic_product(self, other)
        out = _expr_matmul_const(self, other)
        if self.ndim == 1 and np.ndim(other) == 2 and out.ndim == 1:
            out._quad_left = (self, other)     # x @ P, so that (x @ P) @ x is quad_form(x, P)
        return out

    def __rmatmul__(self, other: Any) -> "Expression":
        return _const_matmul_expr(other, self)

    # -- constraints -----------------------------------------------------------------
    def __le__(self, other: Any) -> "Constraint":
        return CONSTRAINTS["inequality"](self, other)

    def __ge__(self, other: Any) -> "Constraint":
        return CONSTRAINTS["inequality"](other, self)

    def __eq__(self, other: Any) -> "Constraint":  # type: ignore[override]
        return CONSTRAINTS["equality"](self, other)

    def __rshift__(self, other: Any) -> "Constraint":
        return CONSTRAINTS["psd"](self - other)

    def __rrshift__(self, other: Any) -> "Constraint":
        return CONSTRAINTS["psd"](to_expression(other) - self)

    def __lshift__(self, other: Any) -> "Constraint":
        return CONSTRAINTS["psd"](to_expression(other) - self)

    def __rlshift__(self, other: Any) -> "Constraint":
        return CONSTRAINTS["psd"](self - other)

    __hash__ = object.__hash__

    # -- evaluation ------------------------------------------------------------------
    def evaluate(self, values: dict[VarBlock, np.ndarray]) -> np.ndarray | float:
        """Value of the expression given flat values for each variable block."""
        out = self.const.copy()
        for blk, C in self.terms.items():
            out += C @ values[blk]
        if not self.shape:
            return float(out[0])
        return out.reshape(self.shape)


class Variable(Expression):
    """A user variable: an expression whose coefficients pick the scalars of its block."""

    def __init__(self, block: VarBlock, coef: sp.csr_matrix | None = None):
        if coef is None:
            n = block.size                    # the identity, straight in CSR form (no DIA detour)
            idx = np.arange(n + 1, dtype=_index_type(n + 1))
            coef = sp.csr_matrix((np.ones(n), idx[:n], idx), shape=(n, n))
            coef._optlib_identity = True      # products with it are the other factor itself
        super().__init__({block: coef}, np.zeros(_size(block.shape)), block.shape)
        self.block = block

    @property
    def name(self) -> str:
        return self.block.name

    @property
    def kind(self) -> str:
        return self.block.kind

    def __repr__(self) -> str:
        return f"Variable({self.block.name!r}, shape={self.shape}, {self.block.kind})"


def _same(a: Expression, b: Expression) -> bool:
    """a and b are the same affine expression (same coefficients and constant)."""
    if a is b:
        return True
    if a.shape != b.shape or set(a.terms) != set(b.terms) or not np.array_equal(a.const, b.const):
        return False
    return all((sp.csr_matrix(a.terms[k]) != sp.csr_matrix(b.terms[k])).nnz == 0 for k in a.terms)


def _quadratic_product(a: Expression, b: Expression) -> Expression:
    """a @ b for two non-constant expressions: x @ P @ x is quad_form(x, P) and x @ x is
    sum_squares(x) (optlib.atoms); any other product is not affine (ValueError)."""
    left = getattr(a, "_quad_left", None)
    if left is not None and b.ndim == 1 and _same(left[0], b) and "quad_form" in ATOMS:
        return ATOMS["quad_form"](b, left[1])
    if a.ndim == 1 and _same(a, b) and "sum_squares" in ATOMS:
        return ATOMS["sum_squares"](a)
    raise ValueError("product of two non-constant expressions is not affine (x @ P @ x and x @ x "
                     "are taken as quad_form(x, P) and sum_squares(x); write other products with the atoms)")


def _diagonal(w: np.ndarray) -> sp.csr_matrix:
    """diag(w) as CSR without its zero entries, marked so that its column sums are w itself."""
    w = np.asarray(w, dtype=float).ravel()
    n = w.size
    if np.count_nonzero(w) == n:             # the common case: no entry to drop
        idx = np.arange(n + 1, dtype=_index_type(n + 1))
        D = sp.csr_matrix((w.copy(), idx[:n], idx), shape=(n, n))
    else:
        keep = np.flatnonzero(w)
        D = sp.csr_matrix((w[keep], keep, np.concatenate(([0], np.cumsum(w != 0)))), shape=(n, n))
    D._optlib_diagonal = w                   # column sums of diag(w) (products make new matrices)
    return D


def _column_sums(C: sp.spmatrix) -> sp.csr_matrix:
    """1 x K row of the column sums of C (by bincount over its nonzeros; of diag(w): w)."""
    w = getattr(C, "_optlib_diagonal", None)
    if w is not None and C.shape == (w.size, w.size):
        it = _index_type(w.size + 1)
        if np.count_nonzero(w) == w.size:    # every column kept: no index gather
            return sp.csr_matrix((w.copy(), np.arange(w.size, dtype=it), np.array([0, w.size], dtype=it)),
                                 shape=(1, w.size))
        nz = np.flatnonzero(w).astype(it)
        return sp.csr_matrix((w[nz], nz, np.array([0, nz.size], dtype=it)), shape=(1, w.size))
    C = sp.csr_matrix(C)
    col = np.bincount(C.indices, weights=C.data, minlength=C.shape[1])
    it = _index_type(C.shape[1] + 1)
    nz = np.flatnonzero(col).astype(it)
    return sp.csr_matrix((col[nz], nz, np.array([0, nz.size], dtype=it)), shape=(1, C.shape[1]))


def _index_type(largest: int) -> type:
    """int32 when every index and pointer up to `largest` fits (scipy would cast to it,
    scanning and copying the arrays), else int64."""
    return np.int32 if largest < 2 ** 31 - 1 else np.int64


def _is_identity(C: sp.spmatrix) -> bool:
    """True for the identity coefficient matrix a plain Variable is made with."""
    return getattr(C, "_optlib_identity", False)


def _check_same_model(a: Expression, b: Expression) -> None:
    ma, mb = a.model, b.model
    if ma is not None and mb is not None and ma is not mb:
        raise ValueError("expression mixes variables from two different models")


# ----------------------------------------------------------------------------------------
# products with constant matrices, by reshaping the coefficient tensor (no Kronecker product of
# the coefficients is formed; for a plain variable the result is kron(A, I) / kron(I, B'), written
# directly)
# ----------------------------------------------------------------------------------------
def _const_operand(M: Any, what: str) -> sp.csr_matrix | np.ndarray:
    if sp.issparse(M):
        return _check_sparse_finite(M, what)
    return as_constant(M, what)


def _canonical_copy(M: sp.spmatrix) -> sp.csr_matrix:
    """M as a new CSR matrix, duplicates summed and zeros dropped (what a sparse product gives)."""
    M = sp.csr_matrix(M, dtype=float, copy=True)
    M.sum_duplicates()
    M.eliminate_zeros()
    return M


def _left_product_terms(A: sp.csr_matrix, C: sp.csr_matrix, m: int, n: int) -> sp.csr_matrix:
    """Coefficients of A @ X where X (m x n) has coefficients C (mn x K); A is p x m.
    X a plain variable (C = I): kron(A, I_n), written directly."""
    if _is_identity(C) and C.shape == (m * n, m * n):
        return _kron_identity_right(A, n)
    K = C.shape[1]
    Cc = C.tocoo()
    i, j = np.divmod(Cc.row.astype(np.int64), n)
    G = sp.csr_matrix((Cc.data, (i, j * K + Cc.col)), shape=(m, n * K))
    H = (A @ G).tocoo()
    j2, k2 = np.divmod(H.col.astype(np.int64), K)
    p = A.shape[0]
    return sp.csr_matrix((H.data, (H.row.astype(np.int64) * n + j2, k2)), shape=(p * n, K))


def _right_product_terms(C: sp.csr_matrix, B: sp.csr_matrix, m: int, n: int) -> sp.csr_matrix:
    """Coefficients of X @ B where X (m x n) has coefficients C (mn x K); B is n x q.
    X a plain variable (C = I): kron(I_m, B'), written directly."""
    if _is_identity(C) and C.shape == (m * n, m * n):
        return _kron_identity_left(m, _canonical_copy(B.T))
    K = C.shape[1]
    Cc = C.tocoo()
    i, j = np.divmod(Cc.row.astype(np.int64), n)
    G = sp.csr_matrix((Cc.data, (i * K + Cc.col, j)), shape=(m * K, n))
    H = (G @ B).tocoo()
    i2, k2 = np.divmod(H.row.astype(np.int64), K)
    q = B.shape[1]
    return sp.csr_matrix((H.data, (i2 * q + H.col, k2)), shape=(m * q, K))


def _kron_identity_left(m: int, M: sp.csr_matrix) -> sp.csr_matrix:
    """kron(I_m, M) for a canonical CSR M (r x s): block i is M at rows i r.., columns i s..
    (the coefficients of X @ B for a plain variable X, with M = B')."""
    r, s = M.shape
    nz = M.nnz
    it = _index_type(max(m * nz, m * s, m * r) + 1)
    blocks = np.arange(m, dtype=it)[:, None]
    ptr = np.empty(m * r + 1, dtype=it)
    ptr[:-1] = (M.indptr[:-1].astype(it)[None, :] + nz * blocks).ravel()
    ptr[-1] = m * nz
    cols = (M.indices.astype(it)[None, :] + s * blocks).ravel()
    return sp.csr_matrix((np.tile(M.data, m), cols, ptr), shape=(m * r, m * s))


def _kron_identity_right(A: sp.csr_matrix, n: int) -> sp.csr_matrix:
    """kron(A, I_n): row p n + j holds A's row p at columns i n + j (the coefficients of A @ X
    for a plain variable X with n columns)."""
    A = _canonical_copy(A)
    if n == 1:
        return A
    p = A.shape[0]
    lens = np.diff(A.indptr)
    row_lens = np.repeat(lens, n)                              # row (p, j) has A's row p's count
    it = _index_type(max(A.nnz * n, A.shape[1] * n, p * n) + 1)
    ptr = np.zeros(p * n + 1, dtype=it)
    np.cumsum(row_lens, out=ptr[1:])
    pos = _ranges(np.repeat(A.indptr[:-1], n), row_lens)        # A's entries, row p repeated n times
    j = np.repeat(np.tile(np.arange(n, dtype=it), p), row_lens)
    cols = A.indices[pos].astype(it) * n + j
    return sp.csr_matrix((A.data[pos], cols, ptr), shape=(p * n, A.shape[1] * n))


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The concatenation of arange(s, s + c) for each (s, c), without a Python loop."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(starts, counts).astype(np.int64) + (np.arange(total) - first)


class _Product(Expression):
    """M @ X ("left") or X @ M ("right") for a constant sparse matrix M and a matrix expression X,
    whose coefficients are formed only when something needs all of them. The entries a
    structure-aware caller keeps are formed directly: `trace(A @ X)` and `diag(A @ X)` select
    n entries (nnz(A) coefficients instead of n * nnz(A)), `(A @ X).sum()` is (1'A) X 1."""

    def __init__(self, M: sp.csr_matrix, X: Expression, side: str, shape: Shape, const: np.ndarray):
        self._M, self._X, self._side = M, X, side
        self._terms: dict | None = None
        self.const = np.asarray(const, dtype=float).ravel()
        self.shape = tuple(shape)

    @property
    def terms(self) -> dict:  # type: ignore[override]
        if self._terms is None:
            m, n = self._X.shape
            if self._side == "left":
                self._terms = {b: _left_product_terms(self._M, C, m, n) for b, C in self._X.terms.items()}
            else:
                self._terms = {b: _right_product_terms(C, self._M, m, n) for b, C in self._X.terms.items()}
        return self._terms

    @property
    def model(self) -> "Model | None":
        return self._X.model

    @property
    def is_constant(self) -> bool:
        return self._X.is_constant

    def _selector(self, idx: np.ndarray) -> sp.csr_matrix:
        """P with P vec(X) = the entries `idx` (flat, row-major) of the product."""
        m, n = self._X.shape
        q = self.shape[1]
        i, j = np.divmod(np.asarray(idx, dtype=np.int64), q)
        if self._side == "left":      # (A X)_ij = sum_k A_ik X_kj: the nonzeros of row i of A
            M, lines, other = self._M, i, j
        else:                         # (X B)_ij = sum_k X_ik B_kj: the nonzeros of column j of B
            M, lines, other = self._M.tocsc(), j, i
        counts = np.diff(M.indptr)[lines]
        sel = _ranges(M.indptr[lines], counts)
        ks, vals = M.indices[sel], M.data[sel]
        rows = np.repeat(np.arange(idx.size), counts)
        fixed = np.repeat(other, counts)
        cols = ks * n + fixed if self._side == "left" else fixed * n + ks
        return sp.csr_matrix((vals, (rows, cols)), shape=(idx.size, m * n))

    def _take(self, idx: np.ndarray, shape: Shape) -> Expression:
        if self._terms is not None:
            return super()._take(idx, shape)
        idx = np.asarray(idx, dtype=np.int64).ravel()
        P = self._selector(idx)
        terms = {b: sp.csr_matrix(P @ C) for b, C in self._X.terms.items()}
        return Expression(terms, self.const[idx], shape)

    def sum(self, axis: int | None = None) -> Expression:
        if axis is not None or self._terms is not None:
            return super().sum(axis)
        m, n = self._X.shape
        if self._side == "left":      # 1'(A X)1 = (1'A) X 1
            w = np.asarray(self._M.sum(axis=0)).ravel()
            weights = np.repeat(w, n)
        else:                         # 1'(X B)1 = 1'X (B 1)
            w = np.asarray(self._M.sum(axis=1)).ravel()
            weights = np.tile(w, m)
        P = sp.csr_matrix(weights.reshape(1, -1))
        terms = {b: sp.csr_matrix(P @ C) for b, C in self._X.terms.items()}
        return Expression(terms, np.array([self.const.sum()]), ())


def _sparse_product(M: sp.csr_matrix, D: np.ndarray, left: bool) -> np.ndarray:
    """Flat M @ D (left) or D @ M (right) for a mostly-zero dense D, computed sparsely."""
    Ds = sp.csr_matrix(D)
    out = (M @ Ds) if left else (Ds @ M)
    return np.asarray(out.toarray()).ravel()


def _const_matmul_expr(A: Any, X: Expression) -> Expression:
    A = _const_operand(A, "left matrix operand")
    if A.ndim == 0 or X.ndim == 0:
        raise ValueError("matmul with a scalar; use * instead")
    a_vec, x_vec = A.ndim == 1, X.ndim == 1
    A2 = A.reshape(1, -1) if a_vec else A
    Xm = X.reshape(X.shape[0], 1) if x_vec else X
    m, n = Xm.shape
    if A2.shape[1] != m:
        raise ValueError(f"shape mismatch in matmul: {A.shape} @ {X.shape}")
    As = sp.csr_matrix(A2)
    const = _sparse_product(As, X.const.reshape(m, n), left=True)
    if not a_vec and not x_vec:           # a matrix product: coefficients only when needed
        return _Product(As, Xm, "left", (A2.shape[0], n), const)
    terms = {b: _left_product_terms(As, C, m, n) for b, C in X.terms.items()}
    shape = (A2.shape[0], n)
    if a_vec and x_vec:
        shape = ()
    elif a_vec:
        shape = (n,)
    elif x_vec:
        shape = (A2.shape[0],)
    return Expression(terms, const, shape)


def _expr_matmul_const(X: Expression, B: Any) -> Expression:
    B = _const_operand(B, "right matrix operand")
    if B.ndim == 0 or X.ndim == 0:
        raise ValueError("matmul with a scalar; use * instead")
    x_vec, b_vec = X.ndim == 1, B.ndim == 1
    Xm = X.reshape(1, X.shape[0]) if x_vec else X
    B2 = B.reshape(-1, 1) if b_vec else B
    m, n = Xm.shape
    if B2.shape[0] != n:
        raise ValueError(f"shape mismatch in matmul: {X.shape} @ {B.shape}")
    Bs = sp.csr_matrix(B2)
    const = _sparse_product(Bs, X.const.reshape(m, n), left=False)
    if not x_vec and not b_vec:
        return _Product(Bs, Xm, "right", (m, B2.shape[1]), const)
    terms = {b: _right_product_terms(C, Bs, m, n) for b, C in X.terms.items()}
    q = B2.shape[1]
    shape = (m, q)
    if x_vec and b_vec:
        shape = ()
    elif x_vec:
        shape = (q,)
    elif b_vec:
        shape = (m,)
    return Expression(terms, const, shape)


# ----------------------------------------------------------------------------------------
# atoms
# ----------------------------------------------------------------------------------------
def _concat(items: Iterable[Any], what: str) -> Expression:
    exprs = [to_expression(e) for e in items]
    if not exprs:
        raise ValueError(f"{what} needs at least one argument")
    for e in exprs[1:]:
        _check_same_model(exprs[0], e)
    offsets = np.cumsum([0] + [e.size for e in exprs])
    grids = [off + _index_grid(e.shape) for off, e in zip(offsets, exprs)]
    stacker = np.hstack if what == "hstack" else np.vstack
    try:
        order = stacker(grids)
    except ValueError as exc:
        shapes = [e.shape for e in exprs]
        raise ValueError(f"shape mismatch in {what}: {shapes}") from exc
    if order.ndim > 2:
        raise ValueError(f"{what} gives {order.ndim} dimensions; at most 2 are supported")
    blocks = set().union(*(e.terms for e in exprs))
    terms = {}
    for blk in blocks:
        parts = [e.terms[blk] if blk in e.terms else sp.csr_matrix((e.size, blk.size)) for e in exprs]
        terms[blk] = sp.csr_matrix(sp.vstack(parts, format="csr")[order.ravel()])
    const = np.concatenate([e.const for e in exprs])[order.ravel()]
    return Expression(terms, const, order.shape)


def hstack(items: Iterable[Any]) -> Expression:
    """Horizontal concatenation (vectors are joined end to end; matrices along columns)."""
    return _concat(items, "hstack")


def vstack(items: Iterable[Any]) -> Expression:
    """Vertical concatenation (vectors become rows)."""
    return _concat(items, "vstack")


def bmat(blocks: list[list[Any]]) -> Expression:
    """A block matrix from a nested list of matrix expressions or constants."""
    return vstack([hstack(row) for row in blocks])


def trace(X: Any) -> Expression:
    """trace(X) = sum_i X_ii for a square matrix expression."""
    X = to_expression(X)
    if X.ndim != 2 or X.shape[0] != X.shape[1]:
        raise ValueError(f"trace needs a square matrix, got shape {X.shape}")
    return X._take(np.arange(X.shape[0]) * (X.shape[0] + 1), (X.shape[0],)).sum()


def diag(x: Any) -> Expression:
    """diag of a vector is a diagonal matrix; diag of a square matrix is its diagonal vector."""
    x = to_expression(x)
    if x.ndim == 1:
        n = x.shape[0]
        P = sp.csr_matrix((np.ones(n), (np.arange(n) * (n + 1), np.arange(n))), shape=(n * n, n))
        return x._apply(P, (n, n))
    if x.ndim == 2 and x.shape[0] == x.shape[1]:
        n = x.shape[0]
        return x._take(np.arange(n) * (n + 1), (n,))
    raise ValueError(f"diag needs a vector or a square matrix, got shape {x.shape}")


def sum(x: Any, axis: int | None = None) -> Expression:  # noqa: A001 - numpy-like name
    """Sum of the entries (optionally along an axis)."""
    return to_expression(x).sum(axis)


def lmi(F0: Any, terms: Iterable[tuple[Any, Any]]) -> Expression:
    """The symmetric matrix F0 + sum_i x_i F_i as one sparse expression.

    Each `x_i` is a scalar expression (a scalar variable or an entry), or a vector
    expression paired with a list of matrices of the same length. The F_i stay sparse:
    the coefficient matrix is the stack of vec(F_i) columns times the x_i coefficients.
    Use it as `optlib.lmi(F0, [(x, F1), ...]) << 0` or `>> 0`.
    """
    F0c = _const_operand(F0, "F0")
    if F0c.ndim != 2 or F0c.shape[0] != F0c.shape[1]:
        raise ValueError(f"lmi: F0 must be a square matrix, got shape {F0c.shape}")
    n = F0c.shape[0]
    scalars: list[Expression] = []
    cols: list[sp.csr_matrix] = []
    for k, pair in enumerate(terms):
        try:
            x, F = pair
        except (TypeError, ValueError) as exc:
            raise ValueError(f"lmi: term {k} must be a pair (x, F)") from exc
        x = to_expression(x)
        Fs = F if isinstance(F, (list, tuple)) else [F]
        if x.size != len(Fs):
            raise ValueError(f"lmi: term {k} pairs an expression of size {x.size} with {len(Fs)} matrices")
        for j, Fj in enumerate(Fs):
            Fj = sp.csr_matrix(_const_operand(Fj, f"lmi term {k} matrix {j}"))
            if Fj.shape != (n, n):
                raise ValueError(f"lmi: term {k} matrix {j} has shape {Fj.shape}, expected {(n, n)}")
            cols.append(Fj.reshape(1, n * n))
        scalars.append(x.flatten())
    F0_expr = to_expression(F0c.toarray() if sp.issparse(F0c) else F0c)
    if not cols:
        return F0_expr
    V = sp.vstack(cols, format="csr").T.tocsr()        # (n^2) x p
    xs = _concat(scalars, "hstack") if len(scalars) > 1 else scalars[0]
    terms_out = {b: sp.csr_matrix(V @ C) for b, C in xs.terms.items()}
    const = F0_expr.const + V @ xs.const
    return Expression(terms_out, const, (n, n))
