"""entr(x) = -x log x elementwise (concave; x >= 0 implied, entr(0) = 0); reduction: (t, x, 1)
in the exponential cone, i.e. x exp(t / x) <= 1."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..expressions import Expression
from .base import AFFINE, CONCAVE, argument, exp_cone, make_atom


def entr(x: Any) -> Expression:
    """-x log(x) elementwise (x affine)."""
    e = argument(x, "entr", AFFINE)

    def value(v: np.ndarray) -> np.ndarray:
        if np.any(v < 0):
            raise ValueError("entr of a negative constant")
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(v > 0, -v * np.log(np.where(v > 0, v, 1.0)), 0.0)

    return make_atom("entr", (e,), e.shape, CONCAVE, lambda t: as_exponential_cone(t, e), value)


def as_exponential_cone(t: Expression, x: Expression) -> list:
    return [exp_cone(t, x, 1.0)]
