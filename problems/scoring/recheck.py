"""Re-check a SLIM solve on the decoded scoring system (integer points, exact 0-1 loss).

Big-M rows are exposed to the solver's integrality tolerance (about 1e-6): an error
variable z_i = 1e-7 counts as 0 yet adds M_i * 1e-7 to the row, which exceeds the margin
when M_i / margin > 1e6 (unscaled features such as spambase's run lengths). `recheck`
recomputes the objective of the rounded model exactly; when it exceeds the solver's
objective the status becomes FEASIBLE (a valid model, optimality not proven) with the true
objective, and the message says why. The solver's bound stays: the tolerance only enlarges
the set it searched, so its bound is still a lower bound.
"""
from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from optlib import Result, Status, relative_gap

from .slim_model import SLIMProblem, main_objective

_RATIO_WARN = 1e5     # M / margin above which the integrality tolerance can hide errors


def full_objective(problem: SLIMProblem, coef: np.ndarray, intercept: int) -> float:
    """The IP objective (tie-break included) of the scoring system, computed exactly."""
    tb = problem.tiebreak
    return (main_objective(problem, coef, intercept) + tb.eps0 * np.count_nonzero(coef)
            + tb.eps1 * float(np.abs(coef).sum()))


def recheck(problem: SLIMProblem, result: Result, coef: np.ndarray, intercept: int) -> Result:
    """The result with the exact objective of the decoded model (see the module doc)."""
    true = full_objective(problem, coef, intercept)
    if result.objective is None or true <= result.objective + 1e-6 * max(1.0, abs(result.objective)):
        return result
    msg = (f"the decoded scoring system has objective {true:.8g}, above the solver's {result.objective:.8g}: "
           f"the solver's integrality tolerance let error variables cover rows (max big-M / margin = "
           f"{float(np.max(problem.big_m, initial=0.0)) / problem.margin:.3g}); optimality is not proven. "
           "Scale large features down (e.g. to 0..10) or raise margin.")
    return dataclasses.replace(result, status=Status.FEASIBLE, objective=true, gap=relative_gap(true, result.bound),
                               message=msg)


def warn_big_m(problem: SLIMProblem) -> None:
    """UserWarning when big-M / margin is large enough for the tolerance problem above."""
    ratio = float(np.max(problem.big_m, initial=0.0)) / problem.margin
    if ratio > _RATIO_WARN:
        warnings.warn(f"SLIMClassifier: big-M / margin = {ratio:.3g} > {_RATIO_WARN:g}; the solver's integrality "
                      "tolerance may hide misclassified rows (the fit re-checks the decoded model). Scale large "
                      "features down or raise margin.", UserWarning, stacklevel=3)


def keep_better(problem: SLIMProblem, result: Result, model: tuple[np.ndarray, int],
                start: tuple[np.ndarray, int]) -> tuple[Result, tuple[np.ndarray, int]]:
    """(result, model) with the warm start instead when its exact objective is lower than
    the decoded solver model's (possible when `recheck` found the solver's point wrong)."""
    mine, theirs = full_objective(problem, *start), full_objective(problem, *model)
    if mine >= theirs - 1e-9:
        return result, model
    msg = (result.message + " " if result.message else "") + (
        f"The warm start (rounded logistic regression, objective {mine:.8g}) beats the decoded solver "
        "model and is returned.")
    return dataclasses.replace(result, objective=mine, gap=relative_gap(mine, result.bound), message=msg), start
