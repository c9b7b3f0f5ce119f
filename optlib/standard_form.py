"""The compiled problem every backend receives, and the raw answer it gives back.

    minimise    1/2 x'P x + c'x + offset          (P symmetric PSD, None: a linear objective)
    subject to  A x + s = b,   s in K = {0}^z x R_+^l x Q^{q_1} x ... x S_+^{n_1} x ... x K_exp^e
                lb <= x <= ub,  x_j integer for j with integer[j]
                the logical constraints `logic` (optlib.logic records over columns)

The cone order (zero, nonneg, second-order, PSD in svec form, exponential) is the one of SCS
and Clarabel; an exponential cone block is the triple (u, v, w) with v exp(u / v) <= w, v > 0
(closure included), as in SCS and Clarabel. A maximisation is compiled as the minimisation of -objective (`sense == -1`);
objectives and bounds are turned back into the user's sense by `optlib.Result`.

Dual convention (`RawResult.z`): z in K*, and r = c + A'z are the reduced costs, so
that for every feasible x:  c'x >= -b'z + min_{lb <= x <= ub} r'x  (weak duality).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import scipy.sparse as sp

from .cones import svec_size
from .status import Status

CONE_KINDS = ("zero", "nonneg", "soc", "psd", "exp")


@dataclass(frozen=True)
class ConeDims:
    """Sizes of the cone blocks of s, in order: zero, nonneg, soc (each size), psd (each order
    n), exp (the number of 3-row exponential cone blocks)."""

    zero: int = 0
    nonneg: int = 0
    soc: tuple[int, ...] = ()
    psd: tuple[int, ...] = ()
    exp: int = 0

    @property
    def rows(self) -> int:
        return self.zero + self.nonneg + sum(self.soc) + sum(svec_size(n) for n in self.psd) + 3 * self.exp

    def blocks(self):
        """Yield (kind, start, size, dim) for every cone block, in row order.

        For 'zero'/'nonneg' there is one block each (dim = size); for 'soc' dim is the
        cone size; for 'psd' dim is the matrix order n and size = n(n+1)/2; every 'exp'
        block has size = dim = 3.
        """
        start = 0
        if self.zero:
            yield ("zero", start, self.zero, self.zero)
            start += self.zero
        if self.nonneg:
            yield ("nonneg", start, self.nonneg, self.nonneg)
            start += self.nonneg
        for q in self.soc:
            yield ("soc", start, q, q)
            start += q
        for n in self.psd:
            k = svec_size(n)
            yield ("psd", start, k, n)
            start += k
        for _ in range(self.exp):
            yield ("exp", start, 3, 3)
            start += 3


@dataclass(frozen=True)
class RowBlock:
    """Rows of the standard form that came from one user constraint (for duals and reports).

    `shape` is the shape of the user's constraint expression; for 'psd' it is (n, n) and
    the rows are svec(M); for 'soc' it is (size,) with rows (t, x). `negated` is True when
    the rows hold -(expr) (a `>=` constraint), so the user's dual is the row dual as is but
    the slack sign differs.
    """

    name: str
    cone: str
    start: int
    size: int
    shape: tuple[int, ...]
    dim: int = 0
    negated: bool = False


@dataclass(frozen=True)
class StandardForm:
    c: np.ndarray
    A: sp.csc_matrix
    b: np.ndarray
    cones: ConeDims
    lb: np.ndarray
    ub: np.ndarray
    integer: np.ndarray
    offset: float = 0.0
    sense: int = 1
    var_names: Sequence[str] = ()           # per column (optlib.names.ScalarNames: made when asked)
    row_blocks: tuple[RowBlock, ...] = ()
    name: str = "model"
    # the order the rows were given in (a file's order, the order constraints were added): LP
    # and MIP adapters hand rows over in it, since a simplex run depends on it (netlib 25fv47
    # takes 15 % longer with the equalities moved first); None: row order as stored
    row_order: np.ndarray | None = None
    # 1/2 x'P x in the objective (minimisation sense): a symmetric PSD n x n matrix, or None
    P: sp.csc_matrix | None = None
    # logical constraints over columns (optlib.logic: Indicator, AllDifferent, Clause), checked
    # at the point by the certificate; backends without them get them as rows (optlib.bridges)
    logic: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        n, m = self.c.shape[0], self.b.shape[0]
        if self.A.shape != (m, n):
            raise ValueError(f"A has shape {self.A.shape}, expected {(m, n)}")
        if self.cones.rows != m:
            raise ValueError(f"cones cover {self.cones.rows} rows, b has {m}")
        for arr, nm in ((self.lb, "lb"), (self.ub, "ub"), (self.integer, "integer")):
            if arr.shape != (n,):
                raise ValueError(f"{nm} has shape {arr.shape}, expected {(n,)}")
        if self.row_order is not None and (np.shape(self.row_order) != (m,)
                                           or not np.array_equal(np.sort(self.row_order), np.arange(m))):
            raise ValueError(f"row_order must be a permutation of the {m} rows")
        if self.P is not None and self.P.shape != (n, n):
            raise ValueError(f"P has shape {self.P.shape}, expected {(n, n)}")

    # -- sizes and classes -------------------------------------------------------------
    @property
    def n(self) -> int:
        return int(self.c.shape[0])

    @property
    def m(self) -> int:
        return int(self.b.shape[0])

    @property
    def has_integers(self) -> bool:
        return bool(np.any(self.integer))

    @property
    def has_soc(self) -> bool:
        return len(self.cones.soc) > 0

    @property
    def has_psd(self) -> bool:
        return len(self.cones.psd) > 0

    @property
    def has_exp(self) -> bool:
        return self.cones.exp > 0

    @property
    def has_quadratic(self) -> bool:
        """A quadratic objective term (P with a nonzero)."""
        return self.P is not None and self.P.nnz > 0

    @property
    def has_logic(self) -> bool:
        return len(self.logic) > 0

    @property
    def problem_class(self) -> str:
        """'LP', 'QP', 'SOCP', 'EXP', 'SDP', with 'MI' in front when some variable is integer
        ('MILP', 'MIQP', ...): the most general cone present (PSD > exponential > second-order),
        else QP for a quadratic objective, else LP."""
        if self.has_psd:
            base = "SDP"
        elif self.has_exp:
            base = "EXP"
        elif self.has_soc:
            base = "SOCP"
        elif self.has_quadratic:
            base = "QP"
        else:
            base = "LP"
        return ("MI" + base) if self.has_integers else base

    def objective_value(self, x: np.ndarray) -> float:
        """1/2 x'P x + c'x + offset at x (this form's minimisation sense)."""
        x = np.asarray(x, dtype=float)
        value = float(self.c @ x) + self.offset
        if self.P is not None and self.P.nnz:
            value += 0.5 * float(x @ (self.P @ x))
        return value

    def user_objective(self, value: float | None) -> float | None:
        """Turn a minimisation value of this form back into the user's sense."""
        if value is None:
            return None
        return self.sense * value

    def replace(self, **changes: Any) -> "StandardForm":
        return dataclasses.replace(self, **changes)

    # -- helpers for LP/MIP adapters ---------------------------------------------------
    def linear_rows(self) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
        """Rows as lo <= A x <= hi for the zero and nonneg cones (LP/MIP solvers).

        Zero rows give A_i x == b_i, nonneg rows give A_i x <= b_i. Raises ValueError if
        the form has second-order or PSD cones.
        """
        lo, hi = self.row_bounds()
        return self.A.tocsr(), lo, hi

    def row_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """(lo, hi) of the rows as lo <= A x <= hi (see `linear_rows`), without touching A."""
        if self.has_soc or self.has_psd or self.has_exp:
            raise ValueError("problem has conic (SOC/PSD/exponential) constraints; not a linear program")
        lo = np.full(self.m, -np.inf)
        hi = self.b.astype(float).copy()
        lo[: self.cones.zero] = self.b[: self.cones.zero]
        return lo, hi

    def linprog_rows(self, A: sp.csr_matrix | None = None, lo: np.ndarray | None = None,
                     hi: np.ndarray | None = None) -> tuple[sp.csr_matrix, np.ndarray, sp.csr_matrix, np.ndarray]:
        """(A_ub, b_ub, A_eq, b_eq) for scipy's linprog from rows lo <= A x <= hi (default: this
        form's `linear_rows`): rows with lo == hi become equalities, every other finite side
        a row A_i x <= hi_i or -A_i x <= -lo_i."""
        if A is None:
            A, lo, hi = self.linear_rows()
        eq = np.isfinite(lo) & (lo == hi)
        up = ~eq & np.isfinite(hi)
        down = ~eq & np.isfinite(lo)
        return sp.vstack([A[up], -A[down]]).tocsr(), np.concatenate([hi[up], -lo[down]]), A[eq], hi[eq]

    def rows_in_order(self) -> tuple[sp.csc_matrix, np.ndarray, np.ndarray, np.ndarray | None]:
        """(A, lo, hi, order) with the rows in `row_order` (lo <= A x <= hi as `row_bounds`),
        for LP/MIP adapters: row k of the result is row order[k] of the form (order None: as
        stored). `from_given_order` maps row values (duals, rays) back."""
        lo, hi = self.row_bounds()
        A = self.A if sp.isspmatrix_csc(self.A) else sp.csc_matrix(self.A)
        order = self.row_order
        if order is None or np.array_equal(order, np.arange(self.m)):
            return A, lo, hi, None               # stored as given (== rows added before <= rows)
        inv = np.empty(self.m, dtype=np.int64)
        inv[order] = np.arange(self.m)
        Ap = sp.csc_matrix((A.data.copy(), inv[A.indices], A.indptr.copy()), shape=A.shape)
        Ap.sort_indices()                    # in place: on copies, the form's A stays as it is
        return Ap, lo[order], hi[order], order

    def from_given_order(self, v: np.ndarray, order: np.ndarray | None) -> np.ndarray:
        """Row values in `order` (from `rows_in_order`) back in the form's row order."""
        v = np.asarray(v, dtype=float)
        if order is None:
            return v
        out = np.empty_like(v)
        out[order] = v
        return out

    def z_from_row_duals(self, y: np.ndarray) -> np.ndarray:
        """Convert LP row duals y (reduced costs d = c - A'y, the HiGHS/Glop convention,
        for this minimisation form) to this module's z (r = c + A'z): z = -y."""
        return -np.asarray(y, dtype=float)


@dataclass(frozen=True)
class SolveParams:
    """Generic solve parameters mapped by each backend adapter; `options` go through as-is."""

    time_limit: float | None = None
    rel_gap: float | None = None
    threads: int | None = None
    verbose: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    warm_start: np.ndarray | None = None
    refine: bool = True          # re-solve with tighter tolerances when an answer does not certify
    resume: Any = None           # backend-specific state of a previous solve to warm-start from

    def native(self, time_limit: str | None = None, rel_gap: str | None = None,
               threads: str | None = None, **fixed: Any) -> dict[str, Any]:
        """The solver's own settings: `fixed` ones, then the generic parameters that are set
        under the solver's names given here, then `options` (which win)."""
        used: dict[str, Any] = dict(fixed)
        for key, value, cast in ((time_limit, self.time_limit, float), (rel_gap, self.rel_gap, float),
                                 (threads, self.threads, int)):
            if key is not None and value is not None:
                used[key] = cast(value)
        used.update(self.options)
        return used


@dataclass
class RawResult:
    """A backend's own answer, in standard-form terms (minimisation, offset included).

    `objective` is c'x + offset at `x` (as the solver reports it), `bound` the solver's
    own dual bound (minimisation sense: bound <= optimum), None when it has none.
    `z` are duals in this module's convention (see the module docstring), or None.
    `dual_ray` (infeasibility certificate: z in K*, A'z = 0 on free directions, b'z < 0)
    and `primal_ray` (unboundedness: A d in -K, c'd < 0) are optional. `limit` names the
    limit that stopped the solve, when the backend says so.
    """

    status: Status
    x: np.ndarray | None = None
    z: np.ndarray | None = None
    objective: float | None = None
    bound: float | None = None
    solver: str = ""
    version: str = ""
    solve_time: float = 0.0
    iterations: int | None = None
    nodes: int | None = None
    log: str = ""
    message: str = ""
    dual_ray: np.ndarray | None = None
    primal_ray: np.ndarray | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    limit: str | None = None   # 'time_limit', 'iteration_limit', ... when a limit stopped the solve
    resume: Any = None         # backend-specific state to warm-start a refinement from
    # a simplex basis the LP duals come from, (basic columns, basic rows) as boolean masks in
    # the form's order: optlib.dual_bound may recompute the duals from it (a hint, never trusted)
    basis: tuple[np.ndarray, np.ndarray] | None = None
