"""The contract the clustering estimators share: the answer they report, their options and the
time budget of a fit.

Every fitted estimator has `answer_`, a `ClusteringAnswer` satisfying `optlib.Answer`:

    SDPKMeans  objective = the K-means inertia of labels_ (minimised), bound = the certified lower
               bound on the inertia of every partition (-inf when none), status OPTIMAL exactly
               when `optimal_` (the partition meets the certified bound), FEASIBLE otherwise
    ILASDP     objective = log_likelihood_ (maximised, labels as parameters), bound = +inf (no
               certificate), status FEASIBLE (OPTIMAL only for n_clusters=1: one partition)

gap = optlib.relative_gap(objective, bound) = |objective - bound| / max(|objective|, 1e-10).
`result_` keeps the underlying solver result (an optlib Result or the low-rank iteration's
result), as before; `answer_.results` lists the optlib Results of every solve of the fit.
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from optlib import Status
from optlib.answer import GapFromBound
from optlib.options import method_options

#: Keywords the estimators pass to Model.solve themselves: not accepted in `options`.
_RESERVED = ("backend", "time_limit", "deadline", "options")


@dataclass(frozen=True, eq=False)
class ClusteringAnswer(GapFromBound):
    """What a clustering estimator reports (the `optlib.Answer` protocol). `sense` is 'min' or
    'max' (the direction of `objective`); `stop_reason` says in words how the solves ended."""

    status: Status
    objective: float | None
    bound: float
    verified: bool
    limit_reached: str | None
    timings: Mapping[str, float]
    results: tuple = ()
    sense: str = "min"
    stop_reason: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "timings", dict(self.timings))
        object.__setattr__(self, "results", tuple(self.results))



def solve_options(est: Any) -> dict:
    """The estimator's `options` (backend options for Model.solve), or its deprecated alias
    `solve_options` (a FutureWarning naming `options`). ValueError naming `options` when it is
    not a dict of str keys, sets a keyword the estimator passes itself, or both are given and differ."""
    opts, old = est.options, est.solve_options
    if old is not None:
        warnings.warn(f"{type(est).__name__}(solve_options=...) is deprecated; use options=... "
                      "(the same dict of backend options, passed on to Model.solve)", FutureWarning, stacklevel=3)
        if opts is not None and opts != old:
            raise ValueError("give options=... or the deprecated solve_options=..., not both")
        opts = old
    return method_options(opts, type(est).__name__)


def check_backend(value: Any) -> str:
    """`backend` as a non-empty string ('auto', 'scs', 'clarabel', ...)."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"backend must be a backend name such as 'auto', 'scs' or 'clarabel', got {value!r}")
    return value.strip()
