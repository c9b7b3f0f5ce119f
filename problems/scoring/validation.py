"""scikit-learn style input checks and the message of a fit that found no model."""
from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.multiclass import check_classification_targets

from optlib import Result, Status

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _validate
except ImportError:  # pragma: no cover - older scikit-learn
    def _validate(est, X, y="no_validation", reset=True, **kw):
        return est._validate_data(X, y, reset=reset, **kw)


def check_fit_data(est: Any, X: Any, y: Any, dtype: Any = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """(X 2-d without NaN/inf, y 1-d class labels); ValueError naming what is wrong.
    dtype=None keeps text columns (object arrays) for a binarizer."""
    if y is None:
        raise ValueError(f"{type(est).__name__} requires y to be passed, but the target y is None")
    X, y = _validate(est, X, y, reset=True, dtype=dtype, ensure_min_samples=1,
                     ensure_all_finite=dtype is not None)
    check_classification_targets(y)
    return X, y


def check_predict_data(est: Any, X: Any, dtype: Any = np.float64) -> np.ndarray:
    return _validate(est, X, reset=False, dtype=dtype, ensure_all_finite=dtype is not None)


def feature_names_of(est: Any, d: int) -> list[str]:
    """The estimator's `feature_names` parameter, else DataFrame columns, else x0, x1, ..."""
    names = getattr(est, "feature_names", None)
    if names is not None:
        names = [str(n) for n in names]
        if len(names) != d:
            raise ValueError(f"feature_names has {len(names)} names but X has {d} columns")
        return names
    seen = getattr(est, "feature_names_in_", None)
    if seen is not None:
        return [str(n) for n in seen]
    return [f"x{j}" for j in range(d)]


def fit_status_message(owner: str, result: Result, relax: str) -> str:
    """A clear message for a solve that returned no model; `relax` names what to relax."""
    why = {
        Status.INFEASIBLE: f"the constraints admit no model (infeasible): relax {relax} "
                           "or the operational constraints",
        Status.NO_SOLUTION: "the solver stopped before finding any feasible model "
                            "(raise time_limit or relax the constraints)",
    }.get(result.status, f"the solver ended with status {result.status.name}")
    solver = f" [{result.backend.name}: {result.message}]" if result.message else f" [{result.backend.name}]"
    return f"{owner}.fit: {why}{solver}"
