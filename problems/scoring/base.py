"""What the SLIM and checklist estimators share: solving the IP with honest statuses, one
time budget for the whole fit, and the backend's own options."""
from __future__ import annotations

import dataclasses
import numbers
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from optlib import Deadline, Result, Status, relative_gap
from optlib.options import method_options

from .grid import grid_round
from .validation import fit_status_message

# keywords the estimators give Model.solve themselves: `options` may not set them
_OWN_SOLVE_KEYWORDS = ("backend", "time_limit", "rel_gap", "threads", "verbose", "warm_start", "deadline",
                       "options")


class IPClassifierMixin:
    """Solve a built problem with the estimator's solve parameters and record `result_`.

    A solve with no incumbent (INFEASIBLE, NO_SOLUTION, ...) does not raise: `result_`
    carries the status and a message saying what to relax, a UserWarning repeats it, and
    predicting raises NotFittedError with that message.
    """

    _model_attr = ""     # fitted attribute that exists only when a model was found
    _model_word = ""     # "scoring system", "checklist"
    _relax = ""          # parameters to relax when infeasible

    def _clock(self, start: float | None = None) -> Deadline:
        """One Deadline for the whole fit (from `start`, a time.perf_counter() value); checks
        time_limit and options first (ValueError naming them)."""
        self._solve_options()
        return Deadline(self.time_limit, start=start)

    def _solve_options(self) -> dict[str, Any]:
        """`options` as a dict of the backend's own solve options (passed to Model.solve)."""
        return method_options(self.options, type(self).__name__, reserved=tuple(_OWN_SOLVE_KEYWORDS),
                              what="the backend's solve options")

    def _solve_kw(self) -> dict[str, Any]:
        """backend, threads, verbose and the backend's options, for every solve of the fit."""
        return dict(backend=self.backend, threads=self.threads, verbose=self.verbose, **self._solve_options())

    def _time_left(self, clock: Deadline, spent: float = 0.0) -> float | None:
        """The time limit for the next step: what is left of time_limit (on the clock, and less
        the `spent` seconds the earlier steps report), but at least min(1, time_limit / 4) s
        (a solver needs some time even when the budget is spent); None: no limit."""
        if self.time_limit is None:
            return None
        limit = float(self.time_limit)
        left = min(limit - spent, clock.remaining())
        return max(left, min(1.0, limit / 4))

    def _solve(self, problem: Any, start: dict | None, clock: Deadline, spent: float = 0.0) -> Result:
        """Solve with the estimator's parameters within what is left on `clock`; the cut loop's
        seconds (`cuts_`) and `spent` (e.g. a support search that found nothing) come off
        time_limit too."""
        cuts = getattr(self, "cuts_", None)
        limit = self._time_left(clock, spent + (cuts.seconds if cuts is not None else 0.0))
        return problem.model.solve(time_limit=limit, rel_gap=self.rel_gap, warm_start=start, **self._solve_kw())

    def _no_model(self, result: Result, stacklevel: int = 3) -> Result:
        """`result` with a message saying what to relax, repeated as a UserWarning at
        `stacklevel` (the caller of fit): the fit found no model."""
        message = fit_status_message(type(self).__name__, result, self._relax)
        warnings.warn(message, UserWarning, stacklevel=stacklevel)
        return dataclasses.replace(result, message=message)

    def _cut_rounds(self) -> int:
        """LP rounds of the cut loop: 0 for cuts=False, 30 for True, else the positive int given."""
        c = self.cuts
        if isinstance(c, (bool, np.bool_)):
            return 30 if c else 0
        if not isinstance(c, numbers.Integral) or c < 0:
            raise ValueError(f"cuts must be True, False or a number of LP rounds >= 0, got {c!r}")
        return int(c)

    def _cut_budget(self) -> float:
        """Seconds for a cut loop: cut_time, or min(10, max(2, time_limit / 5))."""
        budget = self.cut_time
        if budget is None:
            return 10.0 if self.time_limit is None else min(10.0, max(2.0, float(self.time_limit) / 5))
        if isinstance(budget, bool) or not isinstance(budget, numbers.Real) or not budget >= 0:
            raise ValueError(f"cut_time must be a number >= 0 or None, got {budget!r}")
        return float(budget)

    def _cut_seconds(self, clock: Deadline) -> float:
        """The cut loop's seconds on this fit: `_cut_budget()`, but at most half the time left."""
        left = clock.remaining()
        budget = self._cut_budget()
        return budget if left is None else min(budget, 0.5 * left)

    @staticmethod
    def _round_bound(result: Result, extras: Iterable[tuple[float, float]]) -> Result:
        """The result with its bound rounded up to the objective grid (`grid.grid_round`);
        FEASIBLE becomes OPTIMAL when the rounded bound reaches the incumbent."""
        bound = grid_round(result.bound, extras)
        if not bound > result.bound:
            return result
        status, obj = result.status, result.objective
        note = f"bound {result.bound:.10g} rounded up to {bound:.10g} on the grid of attainable objective values"
        if obj is not None:
            if bound > obj + 1e-9 * max(1.0, abs(obj)):
                return result            # cannot happen for a valid bound; keep the solver's word
            bound = min(bound, obj)
            if status is Status.FEASIBLE and bound >= obj - 1e-9 * max(1.0, abs(obj)):
                status, note = Status.OPTIMAL, note + ", which proves the incumbent optimal"
        message = (result.message + " " if result.message else "") + note + "."
        return dataclasses.replace(result, status=status, bound=bound, gap=relative_gap(obj, bound),
                                   message=message)

    def _fitted(self) -> None:
        check_is_fitted(self, "result_")
        if not hasattr(self, self._model_attr):
            raise NotFittedError(f"{type(self).__name__}.fit found no {self._model_word}: {self.result_.message}")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.classifier_tags.poor_score = True
        return tags
