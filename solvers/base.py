"""The small protocol every backend adapter implements.

An adapter receives an `optlib.StandardForm` and `optlib.SolveParams`, never the user's
objects, and returns an `optlib.RawResult`. `check` raises a ValueError naming the backend
and the reason when it cannot take a problem; `auto` selection never picks such a backend.
"""
from __future__ import annotations

import abc
import dataclasses
import importlib
import importlib.metadata
from dataclasses import dataclass
from types import ModuleType

import numpy as np

from optlib.standard_form import RawResult, SolveParams, StandardForm
from optlib.status import Status


@dataclass(frozen=True)
class Capabilities:
    continuous: bool = True   # accepts continuous variables
    integer: bool = False     # accepts integer variables
    soc: bool = False         # second-order cones
    psd: bool = False         # semidefinite cones
    duals: bool = False       # returns duals z (for LP/conic)
    mip_bound: bool = False   # reports a dual bound for MIPs


class MissingDependency(ImportError):
    """An optional package a backend needs is not installed."""


def require(module: str, pip_name: str, backend: str) -> ModuleType:
    """Import `module` or raise MissingDependency with the pip command that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - depends on environment
        raise MissingDependency(
            f"backend {backend!r} needs the package {pip_name!r}: pip install {pip_name}"
        ) from exc


def package_version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


class Backend(abc.ABC):
    """One solver behind one name."""

    name: str = ""
    package: str = ""          # distribution name for `pip install`
    module: str = ""           # import name checked by `available`
    capabilities: Capabilities = Capabilities()

    def available(self) -> bool:
        try:
            importlib.import_module(self.module)
        except ImportError:
            return False
        return True

    def version(self) -> str:
        return package_version(self.package)

    def check(self, sf: StandardForm) -> None:
        """Raise ValueError('backend X cannot solve this problem: reason') if it can't."""
        caps = self.capabilities
        reasons = []
        if sf.has_integers and not caps.integer:
            reasons.append("it does not support integer variables")
        if not caps.continuous and not bool(sf.integer.all()):
            reasons.append("it needs every variable to be integer (found continuous ones)")
        if sf.has_soc and not caps.soc:
            reasons.append("it does not support second-order cone constraints")
        if sf.has_psd and not caps.psd:
            reasons.append("it does not support semidefinite (PSD) constraints")
        if reasons:
            raise ValueError(
                f"backend {self.name!r} cannot solve this {sf.problem_class}: " + "; ".join(reasons)
            )

    def accepts(self, sf: StandardForm) -> bool:
        try:
            self.check(sf)
        except ValueError:
            return False
        return True

    def refined_params(self, sf: StandardForm, params: SolveParams, raw: RawResult,
                       round_: int) -> SolveParams | None:
        """Parameters for re-solve number `round_` (0, 1, ...) after an answer `raw` that did
        not certify: tighter tolerances, a warm start from `raw.resume`. None: no refinement
        (the default; exact and interior-point backends gain nothing from one)."""
        return None

    @abc.abstractmethod
    def solve(self, sf: StandardForm, params: SolveParams) -> RawResult:
        """Solve `sf`; never raises on time limits (returns FEASIBLE / NO_SOLUTION)."""

    def settle_by_feasibility(self, sf: StandardForm, params: SolveParams, res: RawResult) -> RawResult:
        """Resolve an ambiguous INFEASIBLE / UNBOUNDED / INFEASIBLE_OR_UNBOUNDED answer.

        Many solvers cannot tell these apart (a presolve's "infeasible or unbounded", a
        dual-infeasibility ray that an infeasible problem has too). Re-solving with a zero
        objective, which cannot be unbounded, settles it: a feasible point -> UNBOUNDED
        (the point becomes `res.x`, next to the ray), infeasible -> INFEASIBLE (with a ray
        when the re-solve gives one), anything else -> INFEASIBLE_OR_UNBOUNDED. Uses what
        is left of the time limit; a form whose objective is already zero is settled as is.
        """
        was = res.status
        if not np.any(sf.c):
            if was is Status.INFEASIBLE_OR_UNBOUNDED:   # a zero objective is never unbounded
                res.status = Status.INFEASIBLE
            return res
        left = None
        if params.time_limit is not None:
            left = float(params.time_limit) - res.solve_time
            if left <= 0:
                res.status, res.x, res.primal_ray = Status.INFEASIBLE_OR_UNBOUNDED, None, None
                res.message = _join(res.message, f"{was.name} not re-checked: no time left")
                return res
        sub = self.solve(sf.replace(c=np.zeros_like(sf.c), offset=0.0),
                         dataclasses.replace(params, time_limit=left, warm_start=None))
        res.solve_time += sub.solve_time
        res.objective = res.bound = None
        res.z = None
        if sub.status.has_solution and sub.x is not None:
            res.status, res.x = Status.UNBOUNDED, sub.x
        elif sub.status is Status.INFEASIBLE:
            res.status, res.x, res.primal_ray = Status.INFEASIBLE, None, None
            if res.dual_ray is None:
                res.dual_ray = sub.dual_ray
        else:
            res.status, res.x, res.primal_ray = Status.INFEASIBLE_OR_UNBOUNDED, None, None
        res.message = _join(res.message, f"{was.name} re-checked by a zero-objective solve: {res.status.name}")
        return res


def _join(message: str, note: str) -> str:
    return f"{message}; {note}" if message else note
