"""Solve statuses reported by every backend, in one vocabulary."""
from __future__ import annotations

import enum


class Status(enum.Enum):
    """Outcome of a solve.

    OPTIMAL is reported only when the backend proved optimality (to its gap tolerance);
    FEASIBLE means an incumbent exists but optimality was not proven (time limit, node
    limit, interrupted). NO_SOLUTION means the solve stopped (e.g. time limit) before any
    feasible point was found.
    """

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"
    NO_SOLUTION = "no_solution"
    NUMERICAL_ERROR = "numerical_error"
    ERROR = "error"

    @property
    def has_solution(self) -> bool:
        return self in (Status.OPTIMAL, Status.FEASIBLE)

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.name
