"""What the SLIM and checklist estimators share: solving the IP with honest statuses."""
from __future__ import annotations

import dataclasses
import warnings
from typing import Any

from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from optlib import Result

from .validation import fit_status_message


class IPClassifierMixin:
    """Solve a built problem with the estimator's solve parameters and record `result_`.

    A solve with no incumbent (INFEASIBLE, NO_SOLUTION, ...) does not raise: `result_`
    carries the status and a message saying what to relax, a UserWarning repeats it, and
    predicting raises NotFittedError with that message.
    """

    _model_attr = ""     # fitted attribute that exists only when a model was found
    _model_word = ""     # "scoring system", "checklist"
    _relax = ""          # parameters to relax when infeasible

    def _solve(self, problem: Any, start: dict | None) -> Result:
        result = problem.model.solve(backend=self.backend, time_limit=self.time_limit, rel_gap=self.rel_gap,
                                     threads=self.threads, verbose=self.verbose, warm_start=start)
        if not result.status.has_solution:
            message = fit_status_message(type(self).__name__, result, self._relax)
            result = dataclasses.replace(result, message=message)
            warnings.warn(message, UserWarning, stacklevel=3)
        return result

    def _fitted(self) -> None:
        check_is_fitted(self, "result_")
        if not hasattr(self, self._model_attr):
            raise NotFittedError(f"{type(self).__name__}.fit found no {self._model_word}: {self.result_.message}")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.classifier_tags.poor_score = True
        return tags
