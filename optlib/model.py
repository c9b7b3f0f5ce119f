"""`optlib.Model`: variables, constraints and an objective, solved on any backend.

    m = optlib.Model("demo")
    x = m.continuous(3, lb=0)
    m.add(x.sum() <= 1, name="budget")
    m.maximize(np.array([1, 2, 3]) @ x)
    result = m.solve(backend="highs")     # or "auto", "scip", "clarabel", "cvxpy:SCS", ...
"""
from __future__ import annotations

import dataclasses
import math
import numbers
from typing import Any, Iterable

import numpy as np
import scipy.sparse as sp

from .certify import Tolerances
from .compile import compile_model
from .cones import svec_indices, svec_size
from .constraints import Constraint, LinearConstraint
from .expressions import Expression, Variable, VarBlock, _as_shape, to_expression
from .atoms.base import helper_variable
from .dcp import check_objective, selection_form
from .columns import ColumnMap
from .constraints import check_constraint
from .deadline import Deadline
from .options import SolveOptions
from .result import Result
from .standard_form import StandardForm


class Model:
    """An optimization model: build it with variables and constraints, then `solve`."""

    def __init__(self, name: str | None = None):
        self.name = name or "model"
        self._blocks: list[VarBlock] = []
        self._variables: dict[str, Variable] = {}
        self._constraints: dict[str, Constraint] = {}
        self._objective: Expression | None = None
        self._sense = 1
        self._counter = 0
        # quadratic objective terms (weight, e, Q): weight * e'Q e, compiled into P (optlib.atoms)
        self._quadratic: list[tuple[float, Expression, Any]] = []
        # atom variables in the model: who uses each ('objective' or constraint names), the
        # constraints its reduction added, the atoms and helpers taken in while it was
        self._owners: dict[VarBlock, set[str]] = {}
        self._owned: dict[VarBlock, list[str]] = {}
        self._children: dict[VarBlock, list[VarBlock]] = {}
        self._activating: list[VarBlock] = []       # the atoms being taken in, innermost last
        self._owner_now: str | None = None          # who the atoms being taken in are for
        self._atom_count = 0                        # numbers the atom variables' names
        # a model read from a file keeps the file's StandardForm: compile returns it as long as
        # the model is not changed, and its rows become constraint objects only when asked for
        self._source: StandardForm | None = None
        self._pending_rows: StandardForm | None = None

    def _changed(self) -> None:
        """Called before every change: the file's form no longer describes the model."""
        self._materialize()
        self._source = None

    def _materialize(self) -> None:
        """Turn the pending rows of a file's form into constraints (one per row block)."""
        sf, self._pending_rows = self._pending_rows, None
        if sf is None:
            return
        (block,) = self._blocks[:1] or (None,)
        A = sf.A.tocsr()
        for rb in sf.row_blocks or _default_row_blocks(sf):
            a, b = A.indptr[rb.start], A.indptr[rb.start + rb.size]
            rows = sp.csr_matrix((A.data[a:b], A.indices[a:b], A.indptr[rb.start:rb.start + rb.size + 1] - a),
                                 shape=(rb.size, sf.n))
            expr = Expression({block: rows}, -sf.b[rb.start:rb.start + rb.size], (rb.size,))
            con = LinearConstraint(expr, "==" if rb.cone == "zero" else "<=")
            con.name = rb.name
            self._constraints[rb.name] = con

    # -- variables -------------------------------------------------------------------
    def _new_name(self, name: str | None, prefix: str) -> str:
        if name is None:
            self._counter += 1
            name = f"{prefix}{self._counter}"
            while name in self._variables:
                self._counter += 1
                name = f"{prefix}{self._counter}"
        if not isinstance(name, str) or not name:
            raise ValueError(f"name must be a non-empty string, got {name!r}")
        if name in self._variables:
            raise ValueError(f"a variable named {name!r} already exists in model {self.name!r}")
        return name

    def _bounds(self, value: Any, shape: tuple[int, ...], default: float, what: str, name: str) -> np.ndarray:
        if value is None:
            return np.full(int(np.prod(shape)), default)
        if sp.issparse(value):
            value = value.toarray()
        arr = np.asarray(value, dtype=float)
        if np.isnan(arr).any():
            raise ValueError(f"{what} of variable {name!r} contains NaN")
        try:
            return np.array(np.broadcast_to(arr, shape), dtype=float).ravel()   # one new array
        except ValueError as exc:
            raise ValueError(f"{what} of variable {name!r} has shape {arr.shape}, "
                             f"which does not broadcast to the variable's shape {shape}") from exc

    def _add_block(self, shape: Any, lb: Any, ub: Any, name: str | None, kind: str) -> Variable:
        self._changed()
        shape = _as_shape(shape)
        name = self._new_name(name, "x")
        lo = self._bounds(lb, shape, -math.inf, "lb", name)
        hi = self._bounds(ub, shape, math.inf, "ub", name)
        if np.any(lo > hi):
            j = int(np.flatnonzero(lo > hi)[0])
            raise ValueError(f"variable {name!r}: lb > ub at flat index {j} ({lo[j]:g} > {hi[j]:g})")
        if np.any(lo == math.inf) or np.any(hi == -math.inf):
            raise ValueError(f"variable {name!r}: lb cannot be +inf and ub cannot be -inf")
        if kind != "continuous":
            for arr, what in ((lo, "lb"), (hi, "ub")):
                fin = np.isfinite(arr)
                frac = np.zeros(arr.shape, dtype=bool)
                frac[fin] = np.abs(arr[fin] - np.round(arr[fin])) > 1e-9
                if np.any(frac):
                    j = int(np.flatnonzero(frac)[0])
                    raise ValueError(f"integer variable {name!r} has a fractional {what} "
                                     f"{arr[j]:g} at flat index {j}; give integral bounds")
                arr[fin] = np.round(arr[fin])
        block = VarBlock(self, name, int(np.prod(shape)), kind, lo, hi, shape)
        self._blocks.append(block)
        var = Variable(block)
        self._variables[name] = var
        return var

    def continuous(self, shape: Any = (), lb: Any = None, ub: Any = None, name: str | None = None) -> Variable:
        """A continuous variable of the given shape with optional (broadcast) bounds."""
        return self._add_block(shape, lb, ub, name, "continuous")

    def integer(self, shape: Any = (), lb: Any = None, ub: Any = None, name: str | None = None) -> Variable:
        """An integer variable; bounds must be integral (or infinite)."""
        return self._add_block(shape, lb, ub, name, "integer")

    def boolean(self, shape: Any = (), name: str | None = None) -> Variable:
        """A 0/1 variable."""
        return self._add_block(shape, 0, 1, name, "boolean")

    def symmetric(self, n: int, psd: bool = False, name: str | None = None) -> Variable:
        """A symmetric n x n matrix variable (n(n+1)/2 scalars); `psd=True` adds X >> 0."""
        if not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(f"symmetric: n must be a positive integer, got {n!r}")
        n = int(n)
        self._changed()
        name = self._new_name(name, "X")
        k = svec_size(n)
        block = VarBlock(self, name, k, "continuous", np.full(k, -math.inf), np.full(k, math.inf),
                         (n, n), symmetric=True)
        r, c = svec_indices(n)
        pos = np.arange(k)
        rows = np.concatenate([r * n + c, c * n + r])
        cols = np.concatenate([pos, pos])
        keep = np.concatenate([np.ones(k, bool), r != c])   # diagonal once
        coef = sp.csr_matrix((np.ones(int(keep.sum())), (rows[keep], cols[keep])), shape=(n * n, k))
        self._blocks.append(block)
        var = Variable(block, coef)
        self._variables[name] = var
        if psd:
            self.add(var >> 0, name=f"{name}_psd")
        return var

    # -- constraints and objective -------------------------------------------------------
    def add(self, constraint: Constraint | Iterable[Constraint], name: str | None = None) -> Constraint | list[Constraint]:
        """Add a constraint (or a list of them, named name[0], name[1], ...); returns it."""
        if isinstance(constraint, (list, tuple)):
            return [self.add(c, None if name is None else f"{name}[{i}]") for i, c in enumerate(constraint)]
        if isinstance(constraint, (bool, np.bool_)):
            raise TypeError("m.add got a bool: the comparison was evaluated by Python, not optlib "
                            "(compare an optlib expression, e.g. x <= 1)")
        if not isinstance(constraint, Constraint):
            raise TypeError(f"m.add expects a constraint, got {type(constraint).__name__}")
        self._changed()
        owner = constraint.model
        if owner is not None and owner is not self:
            raise ValueError("constraint uses variables of another model")
        check_constraint(constraint)
        if constraint.name is not None and any(c is constraint for c in self._constraints.values()):
            raise ValueError(f"constraint {constraint.name!r} was already added")
        if name is None:
            i = len(self._constraints)
            name = f"c{i}"
            while name in self._constraints:
                i += 1
                name = f"c{i}"
        elif not isinstance(name, str) or not name:
            raise ValueError(f"constraint name must be a non-empty string, got {name!r}")
        if name in self._constraints:
            raise ValueError(f"a constraint named {name!r} already exists in model {self.name!r}")
        constraint.name = name
        self._constraints[name] = constraint
        self._activate(constraint.expressions(), name)
        return constraint

    # -- atom variables (optlib.atoms) ---------------------------------------------------------
    # An atom variable joins the model, with its defining constraints, when a constraint or the
    # objective first uses it; `_owners` records which ('objective' or constraint names) use
    # it, so that replacing the objective takes out what only the old objective used.
    def _activate(self, exprs: Iterable[Expression], owner: str | None = None) -> None:
        """Take in the atom variables the expressions use, with their defining constraints."""
        owner = owner or self._owner_now or "model"
        for e in exprs:
            for blk in list(e.terms):
                if blk.aux is None:
                    continue
                if not blk.aux.active:
                    self._activate_block(blk, owner)
                else:
                    self._own(blk, owner)

    def _own(self, blk: VarBlock, owner: str) -> None:
        who = self._owners.setdefault(blk, set())
        if owner in who:
            return
        who.add(owner)
        for child in self._children.get(blk, ()):
            self._own(child, owner)

    def _activate_block(self, blk: VarBlock, owner: str | None = None) -> None:
        if blk.model is not self:
            raise ValueError(f"{blk.aux.label} belongs to another model")
        owner = owner or self._owner_now or "model"
        stack = self._activating
        if stack:                                  # a nested atom or a reduction's helper
            self._children.setdefault(stack[-1], []).append(blk)
        blk.aux.active = True
        self._blocks.append(blk)
        self._owners[blk] = {owner}
        owned = self._owned.setdefault(blk, [])
        previous, self._owner_now = self._owner_now, owner
        stack.append(blk)
        try:
            for i, con in enumerate(blk.aux.reduce(Variable(blk))):
                name = f"{blk.name}[{i}]"
                con.name = name
                self._constraints[name] = con
                owned.append(name)
                self._activate(con.expressions(), owner)
        finally:
            stack.pop()
            self._owner_now = previous

    def _release(self, owner: str) -> None:
        """`owner` no longer uses its atom variables: those nobody else uses leave the model with
        their defining constraints."""
        owners = self._owners
        gone = []
        for blk, who in owners.items():
            who.discard(owner)
            if not who:
                gone.append(blk)
        for blk in gone:
            del owners[blk]
            blk.aux.active = False
            self._blocks.remove(blk)
            for name in self._owned.pop(blk, []):
                self._constraints.pop(name, None)
            self._children.pop(blk, None)

    def _objective_expr(self, expr: Any, sense: int) -> Expression:
        e = to_expression(expr)
        if e.size != 1:
            raise ValueError(f"the objective must be a scalar expression, got shape {e.shape} "
                             "(use .sum() or a weight vector @ x)")
        if e.model is not None and e.model is not self:
            raise ValueError("objective uses variables of another model")
        e = e.reshape(())
        check_objective(e, sense)
        self._release("objective")                 # what only the previous objective used
        self._owner_now = "objective"
        try:
            return self._split_quadratic(e, sense)
        finally:
            self._owner_now = None

    def _split_quadratic(self, e: Expression, sense: int) -> Expression:
        """Quadratic atoms the objective uses with a weight of the right sign and nowhere else
        yet become terms of P (`_quadratic`); the rest of e is returned (and taken in)."""
        quadratic: list[tuple[float, Expression, Any]] = []
        terms = dict(e.terms)
        for blk, C in e.terms.items():
            aux = blk.aux
            if aux is None or aux.quadratic is None or aux.active:
                continue
            w = float(sp.csr_matrix(C).toarray().ravel()[0])
            q, Q = aux.quadratic
            if not selection_form(q):            # e'Q e with e = C x + d: through y == e
                y = helper_variable(self, q.shape, f"{aux.label}.arg")
                self._constraints[f"{y.name}[0]"] = con = (y == q)
                con.name = f"{y.name}[0]"
                self._owned[y.block].append(con.name)
                self._activate(con.expressions())
                q = y
            else:
                self._activate([q])
            quadratic.append((w, q, Q))
            del terms[blk]
        self._quadratic = quadratic
        rest = Expression(terms, e.const, ()) if len(terms) != len(e.terms) else e
        self._activate([rest])
        return rest

    def minimize(self, expr: Any) -> None:
        """Set the objective to minimise: a scalar expression that is convex (affine, or built with
        the convex atoms of optlib.atoms: norm1, sum_squares, quad_form, ...)."""
        self._changed()
        self._objective = self._objective_expr(expr, 1)
        self._sense = 1

    def maximize(self, expr: Any) -> None:
        """Set the objective to maximise: a scalar concave expression (affine, log, entr, min, ...)."""
        self._changed()
        self._objective = self._objective_expr(expr, -1)
        self._sense = -1

    # -- inspection --------------------------------------------------------------------
    @property
    def variables(self) -> dict[str, Variable]:
        return dict(self._variables)

    @property
    def constraints(self) -> dict[str, Constraint]:
        self._materialize()
        return dict(self._constraints)

    @property
    def objective(self) -> Expression | None:
        return self._objective

    @property
    def sense(self) -> str:
        return "minimize" if self._sense > 0 else "maximize"

    def compile(self) -> StandardForm:
        """The sparse StandardForm the backends receive (for a model read from a file and not
        changed since, the file's own form, read once)."""
        if self._source is not None:
            return self._source
        self._materialize()
        return compile_model(self)

    def columns(self, var: Variable | str) -> np.ndarray:
        """Columns of `var` (the object or its name) in `compile()`'s StandardForm: the block's
        scalars, in the order of `var_names`. Blocks are laid out in creation order."""
        if isinstance(var, str):
            if var not in self._variables:
                raise KeyError(f"no variable named {var!r} in model {self.name!r}")
            var = self._variables[var]
        cmap = ColumnMap(self._blocks)
        if var.block not in cmap.slices:
            raise ValueError(f"variable {var.name!r} is not part of model {self.name!r}")
        return cmap.columns(var.block)

    def __repr__(self) -> str:
        nv = sum(b.size for b in self._blocks)
        pending = len(self._pending_rows.row_blocks or range(self._pending_rows.m)) if self._pending_rows else 0
        return (f"Model({self.name!r}: {nv} scalars in {len(self._blocks)} variables, "
                f"{len(self._constraints) + pending} constraints, {self.sense})")

    # -- solving -----------------------------------------------------------------------
    def solve(self, backend: str = "auto", time_limit: float | None = None, rel_gap: float | None = None,
              threads: int | None = None, verbose: bool = False, *, warm_start: dict | None = None,
              tolerances: Tolerances | None = None, refine: bool = True, progress: bool = False,
              deadline: Deadline | None = None, options: SolveOptions | None = None,
              **backend_options: Any) -> Result:
        """Solve on `backend` ('auto' picks by problem class) and certify the answer: a thin
        call to `optlib.solve` (see there and `optlib.SolveOptions`); keywords the options do
        not know go to the backend as its own options (`backend_options`).

        A time limit never raises: the result is FEASIBLE with the incumbent and the bound,
        or NO_SOLUTION. `refine=False` skips the re-solves with tighter tolerances that
        first-order backends get when their answer does not certify. Invalid arguments raise
        ValueError naming the argument.
        """
        from .solve import solve

        given = dict(time_limit=time_limit, rel_gap=rel_gap, threads=threads, verbose=verbose,
                     warm_start=warm_start, tolerances=tolerances, refine=refine, progress=progress,
                     deadline=deadline)
        if options is None:
            opts = SolveOptions(**given, backend_options=backend_options)
        else:   # explicit keywords (those not at their defaults) override the options object
            defaults = SolveOptions()
            changed = {k: v for k, v in given.items() if v != getattr(defaults, k)}
            if backend_options:
                changed["backend_options"] = {**options.backend_options, **backend_options}
            opts = dataclasses.replace(options, **changed) if changed else options
        return solve(self, backend=backend, options=opts)

    def write(self, path: str) -> None:
        """Write the model as an .mps or .lp file (linear and mixed-integer models only)."""
        from .io import write_standard_form

        write_standard_form(self.compile(), str(path))

    @classmethod
    def from_standard_form(cls, sf: StandardForm, name: str | None = None) -> "Model":
        """A model with one vector variable `x` (per-scalar names and integrality from `sf`)
        and one constraint per row block of `sf` (linear forms only). Until the model is
        changed, `compile()` returns `sf` itself and the constraints are made only when asked
        for (`m.constraints`), so reading a file and solving it costs no detour."""
        sf.row_bounds()                     # ValueError for conic forms
        m = cls(name or sf.name)
        kinds = "integer" if sf.integer.all() and sf.n else ("mixed" if sf.has_integers else "continuous")
        block = VarBlock(m, "x", sf.n, kinds, sf.lb.astype(float).copy(), sf.ub.astype(float).copy(),
                         (sf.n,), integer=sf.integer.copy(), names=tuple(sf.var_names) or None)
        m._blocks.append(block)
        x = Variable(block)
        m._variables["x"] = x
        obj = Expression({block: sp.csr_matrix(sf.sense * sf.c.reshape(1, -1))},
                         np.array([sf.sense * sf.offset]), ())
        (m.minimize if sf.sense > 0 else m.maximize)(obj)
        m._pending_rows = sf
        m._source = sf
        return m


    @classmethod
    def from_cvxpy(cls, problem: Any, name: str | None = None) -> "Model":
        """An optlib model equivalent to a `cvxpy.Problem` (LP, QP, SOCP, exponential cone, SDP,
        mixed-integer).

        One vector variable `x` (CVXPY's stacked variable, integer marks included), one
        constraint per cone block of CVXPY's conic form and CVXPY's quadratic objective as P;
        power cones are rejected with a ValueError. Solve it on any backend, then map the answer back with
        `model.cvxpy_values(result)` (or `optlib.model.cvxpy_values(model, result)`), which
        returns `{cvxpy_variable: value}`. See `optlib.from_cvxpy`.
        """
        from .from_cvxpy import model_from_cvxpy

        return model_from_cvxpy(problem, name, cls)

    def cvxpy_values(self, result: Result) -> dict:
        """For a model built by `from_cvxpy`: `{cvxpy_variable: value}` of `result`."""
        return cvxpy_values(self, result)


def cvxpy_values(model: Model, result: Result) -> dict:
    """`{cvxpy_variable: value}` for a solve of a model built by `Model.from_cvxpy`."""
    from .from_cvxpy import cvxpy_values as _values

    return _values(model, result)


def _default_row_blocks(sf: StandardForm):
    from .standard_form import RowBlock

    out = []
    for i in range(sf.m):
        cone = "zero" if i < sf.cones.zero else "nonneg"
        out.append(RowBlock(f"r{i}", cone, i, 1, (1,), 1))
    return out
