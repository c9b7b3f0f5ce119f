"""Input checks shared by the clustering estimators (clear errors naming the argument)."""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import scipy.sparse as sp


def check_data(X: Any, name: str = "X") -> np.ndarray:
    """X as a finite real float (n, d) array, n, d >= 1; otherwise an error naming `name`
    (worded so that scikit-learn's estimator checks recognise it): sparse input and complex
    data are refused (ValueError), not converted."""
    if sp.issparse(X):
        raise TypeError(f"{name} is a scipy sparse matrix; sparse input is not supported by the clustering "
                        "estimators: pass a dense array (X.toarray())")
    try:
        raw = np.asarray(X)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a numeric array of shape (n_samples, n_features): {exc}") from exc
    if np.iscomplexobj(raw) or (raw.dtype == object and any(isinstance(v, complex) for v in raw.ravel())):
        raise ValueError(f"Complex data not supported: {name} has complex entries; pass real features "
                         "(e.g. the real and imaginary parts as separate columns)")
    try:
        arr = raw.astype(float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a numeric array of shape (n_samples, n_features): {exc}") from exc
    if arr.ndim == 1:
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got shape {arr.shape}; "
                         "Reshape your data: a single feature with X.reshape(-1, 1)")
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a non-empty 2-D array, got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty 2-D array: found array with 0 sample(s) (shape={arr.shape}) "
                         "while a minimum of 1 is required.")
    if arr.shape[1] == 0:
        raise ValueError(f"{name} must be a non-empty 2-D array: found array with 0 feature(s) (shape={arr.shape}) "
                         "while a minimum of 1 is required.")
    if not np.all(np.isfinite(arr)):
        bad = "NaN" if np.isnan(arr).any() else "inf"
        raise ValueError(f"{name} contains {bad}; remove or impute those entries first")
    return arr


def check_features(X: Any, n_features: int, owner: str, name: str = "X") -> np.ndarray:
    """`check_data`, and X must have the `n_features` columns the estimator was fitted with."""
    arr = check_data(X, name)
    if arr.shape[1] != n_features:
        raise ValueError(f"{name} has {arr.shape[1]} features, but {owner} is expecting {n_features} "
                         "features as input")
    return arr


def check_n_clusters(n_clusters: Any, n: int) -> int:
    """1 <= n_clusters <= n (an integer)."""
    if isinstance(n_clusters, bool) or not isinstance(n_clusters, numbers.Integral):
        raise TypeError(f"n_clusters must be an integer, got {n_clusters!r}")
    if n_clusters < 1:
        raise ValueError(f"n_clusters must be >= 1, got {n_clusters}")
    if n_clusters > n:
        raise ValueError(f"n_clusters={n_clusters} is larger than the number of samples n={n}")
    return int(n_clusters)


def check_choice(value: Any, name: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value.strip().lower() not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return value.strip().lower()


def check_labels(labels: Any, n: int, n_clusters: int, name: str = "init") -> np.ndarray:
    """Integer labels 0..n_clusters-1 of length n (values are re-coded to 0..k-1)."""
    arr = np.asarray(labels)
    if arr.shape != (n,):
        raise ValueError(f"{name} labels must have shape ({n},), got {arr.shape}")
    uniq, coded = np.unique(arr, return_inverse=True)
    if uniq.size > n_clusters:
        raise ValueError(f"{name} labels have {uniq.size} distinct values, more than n_clusters={n_clusters}")
    return coded.astype(np.int64)
