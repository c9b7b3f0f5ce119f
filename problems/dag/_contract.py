"""The contract the DAG learners share: the answer they report, their time limit and options,
and the scikit-learn `score`.

Every fitted learner has `result_`, a `DAGAnswer` satisfying `optlib.Answer`:

    objective  the score F(W) the learner minimises, at the DAG it returns
    bound      a certified lower bound on min F over the DAGs allowed (-inf when none is proven)
    status     OPTIMAL only when objective = bound was proven (ExactDAG's dynamic programme);
               FEASIBLE for a DAG without that proof (TOPO's local optimum, NOTEARS)
    gap        optlib.relative_gap(objective, bound)

`score(X)` is the held-out fit of the learned weights: -1/(2n)||X - X W||_F^2 (l2) or minus the
mean logistic loss, without the penalty, so that higher is better (scikit-learn's convention).
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from optlib import Deadline, Status
from optlib.answer import GapFromBound
from optlib.options import method_options

from ._checks import check_data
from .metrics import is_dag
from .score import score as loss_score

_RESERVED = ("backend", "time_limit", "deadline")


@dataclass(frozen=True, eq=False)
class DAGAnswer(GapFromBound):
    """What a DAG learner reports (the `optlib.Answer` protocol); `stop_reason` says in words why
    the search stopped, `message` any caveat (e.g. why a claim was not verified)."""

    status: Status
    objective: float | None
    bound: float
    verified: bool
    limit_reached: str | None
    timings: Mapping[str, float]
    results: tuple = ()
    stop_reason: str = ""
    message: str = ""
    method: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "timings", dict(self.timings))

    def summary(self) -> str:
        lines = [f"{self.method}: {self.status.name}, objective {self.objective!r}, bound {self.bound!r}, "
                 f"gap {self.gap:.3g}, verified {self.verified}",
                 f"  stopped: {self.stop_reason or '-'}; limit reached: {self.limit_reached}; "
                 f"{self.timings['total']:.3g} s"]
        if self.message:
            lines.append(f"  note: {self.message}")
        return "\n".join(lines)


def phase_timings(deadline: Deadline, start: float, end: float, name: str) -> dict[str, float]:
    """{'total', 'setup', name, 'postprocess'} in seconds from the times (since the deadline's start)
    at which the main step began and ended."""
    total = deadline.elapsed()
    return {"total": total, "setup": start, name: end - start, "postprocess": max(0.0, total - end)}


def check_time_limit(value: Any) -> Deadline:
    """A Deadline for `time_limit` seconds: None (no limit) or a finite number >= 0 (0: stop as soon
    as a first DAG is at hand). ValueError naming time_limit otherwise."""
    if value is None:
        return Deadline(None)
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value < 0:
        raise ValueError(f"time_limit must be None or a finite number of seconds >= 0, got {value!r}")
    return Deadline(max(float(value), 1e-9))


def check_options(value: Any, what: str) -> dict:
    """`options` as a dict of str keys (None: empty); the keys the learner sets itself are refused."""
    return method_options(value, "the learner", reserved=_RESERVED, what=what)


def check_dag_claims(W: np.ndarray, forbidden: np.ndarray | None = None, signs: np.ndarray | None = None,
                     order: np.ndarray | None = None, required: np.ndarray | None = None) -> str:
    """'' when W is finite, acyclic, zero on forbidden edges, of the required signs, every edge
    following `order` and every required edge oriented by it; else the first violation in words.
    With `order`, acyclicity follows from every edge going forward in it (O(d^2), no graph search)."""
    if not np.all(np.isfinite(W)):
        return "the weights are not finite"
    if order is not None:
        pos = np.empty(len(order), dtype=int)
        pos[order] = np.arange(len(order))
        src, dst = np.nonzero(W)
        if np.any(pos[src] >= pos[dst]):
            return "an edge goes against the reported order" + ("" if is_dag(W) else " (a directed cycle)")
        if required is not None:
            ri, rj = np.nonzero(required)
            if np.any(pos[ri] >= pos[rj]):
                return "a required edge goes against the reported order"
    elif not is_dag(W):
        return "the support of the weights has a directed cycle"
    if forbidden is not None and np.any(W[forbidden] != 0):
        i, j = np.argwhere(forbidden & (W != 0))[0]
        return f"forbidden edge ({i}, {j}) has weight {W[i, j]:.3g}"
    if signs is not None:
        bad = ((signs > 0) & (W < 0)) | ((signs < 0) & (W > 0))
        if bad.any():
            i, j = np.argwhere(bad)[0]
            return f"edge ({i}, {j}) has weight {W[i, j]:.3g} against its sign {int(signs[i, j]):+d}"
    return ""


class DAGScoreMixin:
    """`score(X)`: the held-out fit of the learned weights (see the module docstring)."""

    def _score_weights(self) -> np.ndarray:
        return self.weights_

    def score(self, X: Any, y: Any = None) -> float:
        """-1/(2n)||X - X W||_F^2 for loss 'l2' (minus the mean logistic loss for 'logistic') of the
        learned weights W on the data X, without the penalty: higher is better."""
        check_is_fitted(self, "weights_")
        X = check_data(X, min_samples=1, min_features=1)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                             f"{self.n_features_in_} features as input")
        return -loss_score(X, self._score_weights(), getattr(self, "loss", "l2"), 0.0)
