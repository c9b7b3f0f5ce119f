"""Binary items for checklists: thresholds of numeric columns, ==value of categoricals.

A numeric column x gives items "x >= t" for thresholds t at the midpoints between sorted
distinct training values (thinned to at most `max_thresholds` by quantiles) and, with
`complements=True`, their complements "x < t". A categorical column (strings, or integer
columns with at most `max_categories` values, or those named in `categorical`) gives
"x == v" and "x != v". Every item remembers its source column, so the checklist IP can
keep at most one item per column (`one_item_per_feature`): the IP picks the threshold.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted


def _columns(X: Any, names: list[str] | None) -> tuple[list[str], list[np.ndarray]]:
    """(names, columns) from a dict of arrays, a pandas DataFrame or a 2-d array; complex
    entries are refused (ValueError), never cast to real."""
    if sp.issparse(X):
        raise TypeError("Binarizer needs dense data; sparse input is not supported (use X.toarray())")
    if isinstance(X, dict):
        cols = list(X)
        names, columns = [str(c) for c in cols], [np.asarray(X[c]) for c in cols]
    elif hasattr(X, "columns") and hasattr(X, "__getitem__"):
        cols = list(X.columns)
        names, columns = [str(c) for c in cols], [np.asarray(X[c]) for c in cols]
    else:
        arr = np.asarray(X, dtype=object)
        if arr.ndim != 2:
            raise ValueError(f"X must be 2-d (a table), got shape {arr.shape}")
        names = names or [f"x{j}" for j in range(arr.shape[1])]
        if len(names) != arr.shape[1]:
            raise ValueError(f"feature_names has {len(names)} names but X has {arr.shape[1]} columns")
        names, columns = list(names), [arr[:, j] for j in range(arr.shape[1])]
    for name, col in zip(names, columns):
        if _is_complex(col):
            raise ValueError(f"Complex data not supported: column {name!r} holds complex numbers")
    return names, columns


def _is_complex(col: np.ndarray) -> bool:
    """True when the column is complex, or an object column holding a complex number."""
    if np.iscomplexobj(col):
        return True
    return col.dtype == object and any(isinstance(v, (complex, np.complexfloating)) for v in col.ravel())


def _numeric(col: np.ndarray) -> np.ndarray | None:
    try:
        out = np.asarray(col, dtype=float)
    except (TypeError, ValueError):
        return None
    return out


def _fmt(v: float) -> str:
    return f"{v:.4g}"


class Binarizer(TransformerMixin, BaseEstimator):
    """Turn a table into 0/1 items (see the module doc). Fitted: item_names_,
    item_features_ (source column of each item), rules_ (column, op, value)."""

    def __init__(self, max_thresholds: int = 8, max_categories: int = 6, categorical: Any = None,
                 complements: bool = True, feature_names: list[str] | None = None, skip: Any = None):
        self.max_thresholds = max_thresholds
        self.max_categories = max_categories
        self.categorical = categorical
        self.complements = complements
        self.feature_names = feature_names
        self.skip = skip

    def fit(self, X: Any, y: Any = None) -> "Binarizer":
        if not isinstance(self.max_thresholds, int) or self.max_thresholds < 1:
            raise ValueError(f"max_thresholds must be a positive integer, got {self.max_thresholds!r}")
        names, cols = _columns(X, self.feature_names)
        cat = set(self.categorical or ())
        unknown = cat.difference(names)
        if unknown:
            raise ValueError(f"categorical names unknown columns {sorted(unknown)}")
        skip = set(self.skip or ())
        rules: list[tuple[str, str, Any]] = []
        for name, col in zip(names, cols):
            if name in skip:
                continue
            num = _numeric(col)
            if num is not None and np.isnan(num).any():
                raise ValueError(f"column {name!r} contains NaN; impute or drop it first")
            values = np.unique(col.astype(str) if num is None else num)
            if values.size < 2:
                continue                                   # constant: no information
            is_cat = name in cat or num is None or (
                np.all(num == np.round(num)) and values.size <= self.max_categories)
            if is_cat and values.size == 2 and num is not None and set(values.tolist()) == {0.0, 1.0}:
                rules.append((name, "==", 1.0))
                if self.complements:
                    rules.append((name, "==", 0.0))
            elif is_cat:
                for v in values:
                    rules.append((name, "==", v))
                    if self.complements and values.size > 2:
                        rules.append((name, "!=", v))
            else:
                mids = (values[1:] + values[:-1]) / 2.0
                if mids.size > self.max_thresholds:
                    qs = np.quantile(num, np.linspace(0, 1, self.max_thresholds + 2)[1:-1])
                    mids = np.unique(mids[np.clip(np.searchsorted(mids, qs), 0, mids.size - 1)])
                for t in mids:
                    rules.append((name, ">=", float(t)))
                    if self.complements:
                        rules.append((name, "<", float(t)))
        if not rules:
            raise ValueError("Binarizer: no column gives any item (all constant or skipped)")
        self.rules_ = rules
        self.columns_ = names
        self.item_features_ = [r[0] for r in rules]
        self.item_names_ = [self._label(r) for r in rules]
        return self

    @staticmethod
    def _label(rule: tuple[str, str, Any]) -> str:
        name, op, v = rule
        value = _fmt(v) if isinstance(v, (float, np.floating)) else str(v)
        return f"{name} {op} {value}"

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "rules_")
        table_like = hasattr(X, "columns") or (isinstance(X, dict) and not sp.issparse(X))
        names, cols = _columns(X, self.feature_names or (None if table_like else self.columns_))
        table = dict(zip(names, cols))
        missing = sorted({r[0] for r in self.rules_}.difference(table))
        if missing:
            raise ValueError(f"X lacks the columns {missing} seen in fit")
        out = np.zeros((len(cols[0]) if cols else 0, len(self.rules_)), dtype=np.int8)
        for k, (name, op, v) in enumerate(self.rules_):
            col = table[name]
            if op in (">=", "<"):
                num = np.asarray(col, dtype=float)
                out[:, k] = (num >= v) if op == ">=" else (num < v)
            else:
                num = _numeric(col) if isinstance(v, (float, np.floating)) else None
                eq = (num == v) if num is not None else (col.astype(str) == str(v))
                out[:, k] = eq if op == "==" else ~eq
        return out

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "rules_")
        return np.asarray(self.item_names_, dtype=object)


def binarize(X: Any, **options: Any) -> tuple[np.ndarray, Binarizer]:
    """(items, fitted Binarizer) for table X; options go to `Binarizer`."""
    b = Binarizer(**options).fit(X)
    return b.transform(X), b
