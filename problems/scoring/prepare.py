"""Input checks and exact data reductions shared by the SLIM and checklist learners.

* `binary_labels`: y must hold exactly two classes; returns classes_ and signs +-1.
* `rational_weights`: per-sample weights as integers times one unit u (so that the loss
  sum_i w_i z_i takes values on the lattice u * Z, which the tie-break proof needs).
* `merge_rows`: rows with the same (x, label[, group]) become one row whose weight is the
  sum: the IP keeps one error variable per distinct row, same optimum (Ustun & Rudin,
  SLIM, Sec. 4.3 mention the same reduction).
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

_MAX_DENOMINATOR = 10 ** 6


def binary_labels(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(classes_, sign) with sign[i] = +1 for classes_[1] and -1 for classes_[0]."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be a 1-d array of labels, got shape {y.shape}")
    classes = np.unique(y)
    if classes.size != 2:
        raise ValueError(f"Only binary classification is supported: y must hold exactly 2 classes, got "
                         f"{classes.size} class{'es' if classes.size != 1 else ''}: {classes[:5].tolist()}")
    return classes, np.where(y == classes[1], 1, -1)


def class_weights(class_weight: Any, sign: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Per-sample weight from class_weight: None, 'balanced' or {label: weight}."""
    if class_weight is None:
        return np.ones(sign.size)
    n = sign.size
    n_pos = int(np.sum(sign > 0))
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(f"class_weight must be None, 'balanced' or a dict {{label: weight}}, "
                             f"got {class_weight!r}")
        # n / (2 n_c) as exact fractions
        wp, wn = Fraction(n, 2 * n_pos), Fraction(n, 2 * (n - n_pos))
        return np.where(sign > 0, float(wp), float(wn))
    if not isinstance(class_weight, dict):
        raise ValueError(f"class_weight must be None, 'balanced' or a dict {{label: weight}}, "
                         f"got {type(class_weight).__name__}")
    unknown = [k for k in class_weight if k not in classes.tolist()]
    if unknown:
        raise ValueError(f"class_weight has labels {unknown} that are not in y (classes {classes.tolist()})")
    out = np.ones(n)
    for label, s in ((classes[0], -1), (classes[1], 1)):
        w = class_weight.get(label, class_weight.get(label.item() if hasattr(label, "item") else label, 1.0))
        if isinstance(w, bool) or not isinstance(w, (int, float, np.integer, np.floating)) or not (
                math.isfinite(float(w)) and float(w) > 0):
            raise ValueError(f"class_weight[{label!r}] must be a positive finite number, got {w!r}")
        out[sign == s] = float(w)
    return out


def rational_weights(w: np.ndarray, what: str = "sample weights") -> tuple[np.ndarray, float]:
    """(k, u) with w = k * u, k positive integers: each weight is read as the fraction with
    denominator <= 10^6 nearest to it; a ValueError if that changes it by more than 1e-9."""
    fracs = [Fraction(float(v)).limit_denominator(_MAX_DENOMINATOR) for v in np.asarray(w, dtype=float)]
    for v, f in zip(w, fracs):
        if f <= 0:
            raise ValueError(f"{what} must be positive, got {float(v)!r}")
        if abs(float(f) - float(v)) > 1e-9 * abs(float(v)):
            raise ValueError(f"{what} must be rational with denominators up to 10^6 (got {float(v)!r}); "
                             "round them, e.g. to 6 decimals")
    den = 1
    for f in fracs:
        den = den * f.denominator // math.gcd(den, f.denominator)
    nums = [int(f * den) for f in fracs]
    g = 0
    for k in nums:
        g = math.gcd(g, k)
    k = np.asarray([v // g for v in nums], dtype=np.int64)
    return k, g / den


@dataclass(frozen=True)
class MergedRows:
    """Distinct rows: X[r], sign[r], weight[r] (integer, sum over the merged samples),
    group[r]; `inverse[i]` is the distinct row of sample i."""

    X: np.ndarray
    sign: np.ndarray
    weight: np.ndarray
    group: np.ndarray
    inverse: np.ndarray

    @property
    def n(self) -> int:
        return int(self.sign.size)

    def conflicts(self) -> np.ndarray:
        """(k, 2) pairs (positive row, negative row) with the same x: one of them is an error."""
        _, inv = np.unique(self.X, axis=0, return_inverse=True)
        inv = np.asarray(inv).ravel()
        pos: dict[int, list[int]] = {}
        for r in np.flatnonzero(self.sign > 0):
            pos.setdefault(int(inv[r]), []).append(int(r))
        pairs = [(p, int(r)) for r in np.flatnonzero(self.sign < 0) for p in pos.get(int(inv[r]), [])]
        return np.asarray(pairs, dtype=int).reshape(-1, 2)


def merge_rows(X: np.ndarray, sign: np.ndarray, weight: np.ndarray, group: np.ndarray | None = None,
               merge: bool = True) -> MergedRows:
    """Merge samples with equal (x, sign, group) by summing their integer weights."""
    g = np.zeros(sign.size) if group is None else np.asarray(group, dtype=float)
    if not merge:
        return MergedRows(X, sign, weight, g, np.arange(sign.size))
    key = np.column_stack([X, sign[:, None], g[:, None]])
    uniq, first, inv = np.unique(key, axis=0, return_index=True, return_inverse=True)
    inv = np.asarray(inv).ravel()
    order = np.argsort(first)                 # keep the order of first appearance
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    inv = rank[inv]
    uniq = uniq[order]
    w = np.bincount(inv, weights=weight, minlength=uniq.shape[0])
    d = X.shape[1]
    return MergedRows(uniq[:, :d], uniq[:, d].astype(int), np.round(w).astype(np.int64), uniq[:, d + 1], inv)


def constant_columns(X: np.ndarray, names: list[str], owner: str) -> np.ndarray:
    """Boolean mask of constant columns; warns naming them (they duplicate the intercept)."""
    const = np.all(X == X[:1], axis=0) if X.shape[0] else np.ones(X.shape[1], bool)
    if const.any() and X.shape[0] > 1:
        cols = [names[j] for j in np.flatnonzero(const)[:10]]
        warnings.warn(f"{owner}: constant column(s) {cols}{' ...' if const.sum() > 10 else ''} carry no "
                      "information; their coefficient is fixed at 0", UserWarning, stacklevel=3)
    return const
