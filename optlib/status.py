"""Solve statuses reported by every backend, in one vocabulary."""
from __future__ import annotations

import enum


class Status(enum.Enum):
    """Outcome of a solve.

    The status follows optlib's own checks, not the solver's word (kept in
    `Result.solver_status`): OPTIMAL only when the point passed every check, the certified
    bound is finite and the gap is within the tolerance; FEASIBLE when the point passed but
    optimality was not proven (a limit, a bound not close enough); INFEASIBLE / UNBOUNDED only
    with a checked ray (or, where no ray can exist, as for MIPs, when a second backend agrees).
    UNVERIFIED: the solver claimed a solution, infeasibility or unboundedness that optlib could
    not confirm (CVXPY's OPTIMAL_INACCURATE is the precedent); the solver's point, if any, is
    still in the result. NO_SOLUTION means the solve stopped (e.g. time limit) before any
    feasible point was found.
    """

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"
    UNVERIFIED = "unverified"
    NO_SOLUTION = "no_solution"
    NUMERICAL_ERROR = "numerical_error"
    ERROR = "error"

    @property
    def has_solution(self) -> bool:
        return self in (Status.OPTIMAL, Status.FEASIBLE)

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.name
