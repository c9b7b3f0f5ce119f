"""Typed, keyword-only solve options (OR-Tools MathOpt's `SolveParameters` is the model).

    optlib.solve(model, backend="scs", options=SolveOptions(time_limit=10, rel_gap=1e-6,
                 backend_options={"eps_abs": 1e-9}))

Every field is validated on construction (a ValueError naming the field). `backend_options`
go to the backend as they are (its own names: HiGHS's options, SCS's settings, ...); the
generic fields are mapped by each adapter. `deadline` shares one time budget with a caller (a
method running many solves): the solve's time limit is what is left of it (and of
`time_limit`, if both are given).
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field, fields
from typing import Any, Mapping

from .certify import Tolerances
from .deadline import Deadline
from .standard_form import SolveParams


@dataclass(frozen=True, kw_only=True)
class SolveOptions:
    """What a solve may use: limits, tolerances, output, refinement, warm start and the
    backend's own options."""

    time_limit: float | None = None           # seconds for the whole solve (certify included)
    rel_gap: float | None = None              # relative gap to stop at and to call OPTIMAL
    threads: int | None = None
    verbose: bool = False                     # the solver's log on the console
    progress: bool = False                    # one line per pipeline step on stderr
    refine: bool = True                       # re-solve first-order answers that do not certify
    tolerances: Tolerances | None = None      # optlib's checks (docs/certificates.md)
    warm_start: Mapping[Any, Any] | None = None   # {variable: value}
    deadline: Deadline | None = None          # a time budget shared with the caller
    backend_options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        tl = self.time_limit
        if tl is not None and (isinstance(tl, bool) or not isinstance(tl, numbers.Real) or not 0 < tl < math.inf):
            raise ValueError(f"time_limit must be a positive number of seconds, got {tl!r}")
        g = self.rel_gap
        if g is not None and (isinstance(g, bool) or not isinstance(g, numbers.Real) or not 0 <= g < 1):
            raise ValueError(f"rel_gap must be a number in [0, 1), got {g!r}")
        t = self.threads
        if t is not None and (isinstance(t, bool) or not isinstance(t, numbers.Integral) or t < 1):
            raise ValueError(f"threads must be a positive integer, got {t!r}")
        for name in ("verbose", "progress", "refine"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be True or False, got {getattr(self, name)!r}")
        if self.tolerances is not None and not isinstance(self.tolerances, Tolerances):
            raise ValueError(f"tolerances must be an optlib.Tolerances, got {type(self.tolerances).__name__}")
        if self.warm_start is not None and not isinstance(self.warm_start, Mapping):
            raise ValueError(f"warm_start must be a dict {{variable: value}}, got {type(self.warm_start).__name__}")
        if self.deadline is not None and not isinstance(self.deadline, Deadline):
            raise ValueError(f"deadline must be an optlib.Deadline, got {type(self.deadline).__name__}")
        if not isinstance(self.backend_options, Mapping) or not all(isinstance(k, str) for k in self.backend_options):
            raise ValueError("backend_options must be a dict of option names (str) to values")
        object.__setattr__(self, "time_limit", None if tl is None else float(tl))
        object.__setattr__(self, "rel_gap", None if g is None else float(g))
        object.__setattr__(self, "threads", None if t is None else int(t))
        object.__setattr__(self, "backend_options", dict(self.backend_options))

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def start(self) -> Deadline:
        """The deadline of one solve: `time_limit` from now, never past `deadline`."""
        if self.deadline is None:
            return Deadline(self.time_limit)
        return self.deadline.sub(self.time_limit)

    def params(self, deadline: Deadline) -> SolveParams:
        """The backend-facing parameters, with the time left on `deadline`."""
        return SolveParams(time_limit=deadline.left(), rel_gap=self.rel_gap, threads=self.threads,
                           verbose=self.verbose, options=dict(self.backend_options), refine=self.refine)


#: keywords a method passes to Model.solve itself: a method's `options` may not set them
METHOD_RESERVED = ("backend", "time_limit", "deadline", "options")


def method_options(options: Any, owner: str, reserved: tuple[str, ...] = METHOD_RESERVED,
                   what: str = "backend options") -> dict[str, Any]:
    """A method's `options=` (the backend's own options, passed on to every Model.solve) as a
    dict; None gives {}. ValueError naming `options` when it is not a dict with str keys, or
    sets a keyword in `reserved` (those are the method's own arguments: `owner` says whose)."""
    if options is None:
        return {}
    if not isinstance(options, Mapping) or not all(isinstance(k, str) for k in options):
        raise ValueError(f"options must be a dict of {what} (str keys) or None, got {options!r}")
    taken = sorted(set(options) & set(reserved))
    if taken:
        raise ValueError(f"options must not set {', '.join(map(repr, taken))}: "
                         f"{'they are arguments' if len(taken) > 1 else 'it is an argument'} of {owner}")
    return dict(options)
