"""What a solve returns: status, incumbent, bound, gap, values, duals and a certificate.

Objectives and bounds are in the user's sense: for a minimisation `bound <= objective`
(a lower bound), for a maximisation `bound >= objective` (an upper bound). The gap is

    gap = |objective - bound| / max(|objective|, 1e-10)      (0 when they are equal)

(the convention of Gurobi and CPLEX), `inf` when there is no incumbent or no finite bound.
"""
from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .expressions import Expression, Variable
from .status import Status


class NotOptimalError(RuntimeError):
    """Raised by `Result.raise_unless_optimal`."""


@dataclass(frozen=True)
class Certificate:
    """What optlib re-checked itself after the solve.

    kind: 'lp-duality' / 'conic-duality' (bound recomputed from the duals),
    'mip' (incumbent checked; the dual bound is the solver's, its side is checked),
    'infeasibility' (a Farkas ray checked), 'unboundedness' (a primal ray checked),
    'primal' (feasibility only) or 'none'. `verified` is True only when every check
    listed in `checks` passed to the tolerances given.
    """

    kind: str
    verified: bool
    primal_residual: float = math.nan     # worst row/cone violation (scaled, see `checks`)
    bound_residual: float = math.nan      # worst bound violation of x
    integrality_residual: float = math.nan
    dual_residual: float = math.nan       # dual cone violation and |c + A'z| on free directions
    objective_mismatch: float = math.nan  # |solver objective - recomputed objective|
    bound: float | None = None            # the bound optlib computed (user sense), if any
    solver_bound: float | None = None     # the bound the solver reported (user sense)
    tolerance: dict[str, float] = field(default_factory=dict)
    checks: dict[str, bool] = field(default_factory=dict)
    messages: tuple[str, ...] = ()
    violated: tuple[str, ...] = ()        # violated items in the user's words, worst first

    def __str__(self) -> str:
        head = f"{self.kind}: {'verified' if self.verified else 'NOT verified'}"
        fails = [k for k, v in self.checks.items() if not v]
        if self.violated:
            head += f" ({self.violated[0]})"
        elif fails:
            head += " (failed: " + ", ".join(fails) + ")"
        return head


@dataclass(frozen=True)
class Timings(Mapping):
    """Seconds spent compiling, solving and certifying; also a read-only mapping
    {'compile', 'solve', 'certify', 'total'} (the `timings` of the answer protocol)."""

    compile: float = 0.0
    solve: float = 0.0
    certify: float = 0.0

    @property
    def total(self) -> float:
        return self.compile + self.solve + self.certify

    def __getitem__(self, key: str) -> float:
        if key not in ("compile", "solve", "certify", "total"):
            raise KeyError(key)
        return float(getattr(self, key))

    def __iter__(self):
        return iter(("compile", "solve", "certify", "total"))

    def __len__(self) -> int:
        return 4


@dataclass(frozen=True)
class BackendInfo:
    name: str
    version: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    auto: bool = False       # chosen by backend="auto"
    reason: str = ""         # why auto chose it


def relative_gap(objective: float | None, bound: float | None) -> float:
    """|objective - bound| / max(|objective|, 1e-10); inf if either is missing or infinite."""
    if objective is None or bound is None or not math.isfinite(objective) or not math.isfinite(bound):
        return math.inf
    diff = abs(objective - bound)
    if diff == 0.0:
        return 0.0
    return diff / max(abs(objective), 1e-10)


@dataclass(frozen=True)
class Result:
    status: Status
    objective: float | None
    bound: float
    gap: float
    values: dict[Variable, Any]
    duals: dict[str, Any]
    certificate: Certificate
    timings: Timings
    backend: BackendInfo
    log: str = ""
    message: str = ""
    problem_class: str = ""
    sense: str = "minimize"
    x: np.ndarray | None = field(default=None, repr=False)
    iterations: int | None = None
    nodes: int | None = None
    limit_reached: str | None = None      # e.g. 'time_limit' when a limit stopped the solve
    solver_status: Status | None = None   # what the solver said (status is what optlib confirmed)
    solver_bound: float | None = None     # the solver's own bound (user sense), unchecked
    _blocks: dict[Any, tuple[int, int]] = field(default_factory=dict, repr=False)

    # -- access ----------------------------------------------------------------------
    def value(self, item: Expression | str) -> Any:
        """Value of a variable (by object or name) or of any affine expression of the model."""
        if self.x is None:
            raise ValueError(f"no solution available (status {self.status.name})")
        if isinstance(item, str):
            for var, val in self.values.items():
                if var.name == item:
                    return val
            raise KeyError(f"no variable named {item!r}")
        if isinstance(item, Variable) and item in self.values:
            return self.values[item]
        if isinstance(item, Expression):
            return item.evaluate({blk: self._block_value(blk) for blk in item.terms})
        raise TypeError(f"cannot take the value of {type(item).__name__}")

    def _block_value(self, blk: Any) -> np.ndarray:
        """The flat values of a variable block; an atom's (optlib.atoms) is the atom evaluated at
        its arguments' values, not its epigraph variable's (which may lie above it)."""
        aux = blk.aux
        if aux is not None and "numeric" in aux.extra:
            args = [np.asarray(self.value(a), dtype=float) for a in aux.extra["args"]]
            return np.ravel(np.asarray(aux.extra["numeric"](*args), dtype=float))
        if blk not in self._blocks:
            raise ValueError(f"variable {blk.name!r} is not part of the solved model")
        start, stop = self._blocks[blk]
        return self.x[start:stop]

    def __getitem__(self, item: Expression | str) -> Any:
        return self.value(item)

    def dual(self, name: str) -> Any:
        """Dual of the constraint called `name` (nonnegative for inequalities, PSD for LMIs)."""
        if name not in self.duals:
            if not self.duals:
                raise KeyError(f"no duals available from backend {self.backend.name!r} for this solve")
            raise KeyError(f"no constraint named {name!r}")
        return self.duals[name]

    @property
    def solve_time(self) -> float:
        return self.timings.solve

    # -- the answer protocol (optlib.answer) ----------------------------------------------
    @property
    def verified(self) -> bool:
        return bool(self.certificate.verified)

    @property
    def results(self) -> tuple["Result", ...]:
        return (self,)

    # -- checks ----------------------------------------------------------------------
    def raise_unless_optimal(self) -> "Result":
        if self.status is not Status.OPTIMAL:
            raise NotOptimalError(f"solve ended with status {self.status.name}: {self.message}".rstrip(": "))
        return self

    # -- reports ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (no per-variable values)."""
        def num(v: float | None) -> float | None | str:
            if v is None:
                return None
            if isinstance(v, float) and not math.isfinite(v):
                return "inf" if v > 0 else "-inf"
            return v

        return {
            "status": self.status.name,
            "solver_status": None if self.solver_status is None else self.solver_status.name,
            "objective": num(self.objective),
            "bound": num(self.bound),
            "solver_bound": num(self.solver_bound),
            "gap": num(self.gap),
            "backend": self.backend.name,
            "backend_version": self.backend.version,
            "auto": self.backend.auto,
            "problem_class": self.problem_class,
            "sense": self.sense,
            "time": self.timings.total,
            "timings": {"compile": self.timings.compile, "solve": self.timings.solve,
                        "certify": self.timings.certify},
            "certificate": {"kind": self.certificate.kind, "verified": self.certificate.verified,
                            "checks": self.certificate.checks,
                            "primal_residual": num(self.certificate.primal_residual),
                            "dual_residual": num(self.certificate.dual_residual),
                            "messages": list(self.certificate.messages),
                            "violated": list(self.certificate.violated)},
            "limit_reached": self.limit_reached,
            "iterations": self.iterations,
            "nodes": self.nodes,
            "message": self.message,
        }

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    def summary(self, verbose: bool = False) -> str:
        """A readable report in the spirit of JuMP's `solution_summary`."""
        def fmt(v: float | None) -> str:
            if v is None:
                return "-"
            return f"{v:.10g}"

        be = self.backend
        lines = [
            "* Solver : " + be.name + (f" {be.version}" if be.version else "")
            + (f" (chosen by auto: {be.reason})" if be.auto else ""),
            f"* Problem : {self.problem_class}, {self.sense}",
            "* Status",
            f"  Result status      : {self.status.name}",
        ]
        if self.solver_status is not None and self.solver_status is not self.status:
            lines.append(f"  Solver said        : {self.solver_status.name} (not confirmed by optlib's checks)")
        if self.limit_reached:
            lines.append(f"  Limit reached      : {self.limit_reached}")
        if self.message:
            lines.append(f"  Message            : {self.message}")
        lines += [
            "* Candidate solution",
            f"  Objective value    : {fmt(self.objective)}",
            f"  Bound (certified)  : {fmt(self.bound)}",
            f"  Relative gap       : {'-' if math.isinf(self.gap) else f'{self.gap:.4%}'}",
            "* Certificate",
            f"  {self.certificate}",
        ]
        if self.solver_bound is not None and self.solver_bound != self.bound:
            lines.insert(-3, f"  Solver's bound     : {fmt(self.solver_bound)} (unchecked)")
        cert = self.certificate
        for label, val in (("primal residual", cert.primal_residual), ("bound residual", cert.bound_residual),
                           ("integrality", cert.integrality_residual), ("dual residual", cert.dual_residual)):
            if not math.isnan(val):
                lines.append(f"  {label:<18} : {val:.3g}")
        for msg in cert.violated[:3]:
            lines.append(f"  violated: {msg}")
        for msg in cert.messages:
            lines.append(f"  note: {msg}")
        lines += [
            "* Work counters",
            f"  Solve time (s)     : {self.timings.solve:.4g}",
            f"  Compile time (s)   : {self.timings.compile:.4g}",
            f"  Certify time (s)   : {self.timings.certify:.4g}",
        ]
        if self.iterations is not None:
            lines.append(f"  Iterations         : {self.iterations}")
        if self.nodes is not None:
            lines.append(f"  Nodes              : {self.nodes}")
        if verbose and self.x is not None:
            lines.append("* Values")
            for var, val in self.values.items():
                lines.append(f"  {var.name} = {np.array2string(np.asarray(val), precision=6)}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()
