"""lambda_min(X): the smallest eigenvalue of a symmetric affine matrix (concave); reduction: the
linear matrix inequality X - t I >> 0."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..expressions import Expression
from .base import CONCAVE, make_atom, psd
from .lambda_max import square_symmetric


def lambda_min(X: Any) -> Expression:
    """The smallest eigenvalue of the symmetric matrix expression X."""
    e = square_symmetric(X, "lambda_min")
    return make_atom("lambda_min", (e,), (), CONCAVE, lambda t: as_matrix_inequality(t, e),
                     lambda v: float(np.linalg.eigvalsh(v)[0]))


def as_matrix_inequality(t: Expression, X: Expression) -> list:
    n = X.shape[0]
    return [psd(X - t * np.eye(n))]
