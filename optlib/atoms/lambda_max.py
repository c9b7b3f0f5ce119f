"""lambda_max(X): the largest eigenvalue of a symmetric affine matrix (convex); reduction: the
linear matrix inequality t I - X >> 0."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..constraints import _check_symmetric
from ..expressions import Expression
from .base import AFFINE, CONVEX, argument, make_atom, psd


def square_symmetric(x: Any, name: str) -> Expression:
    e = argument(x, name, AFFINE)
    if e.ndim != 2 or e.shape[0] != e.shape[1]:
        raise ValueError(f"{name} needs a square matrix, got shape {e.shape}")
    try:
        _check_symmetric(e)
    except ValueError as exc:
        raise ValueError(f"{name}: {str(exc).replace('PSD constraint argument', 'the matrix')}") from None
    return e


def lambda_max(X: Any) -> Expression:
    """The largest eigenvalue of the symmetric matrix expression X."""
    e = square_symmetric(X, "lambda_max")
    return make_atom("lambda_max", (e,), (), CONVEX, lambda t: as_matrix_inequality(t, e),
                     lambda v: float(np.linalg.eigvalsh(v)[-1]))


def as_matrix_inequality(t: Expression, X: Expression) -> list:
    n = X.shape[0]
    return [psd(t * np.eye(n) - X)]
