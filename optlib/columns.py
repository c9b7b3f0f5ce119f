"""Where each variable of a model sits among the columns of its StandardForm.

Blocks are laid out in creation order, block b on columns [start_b, start_b + size_b). This is
the one place that knows the offsets: compile uses it to place coefficients, a warm start to
place values, a result to read values back, `Model.columns` to answer the user.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import numpy as np


class ColumnMap:
    """{VarBlock: (start, stop)} for blocks in order, and the conversions that use it."""

    __slots__ = ("slices", "n")

    def __init__(self, blocks: Iterable[Any]):
        self.slices: dict[Any, tuple[int, int]] = {}
        start = 0
        for blk in blocks:
            self.slices[blk] = (start, start + blk.size)
            start += blk.size
        self.n = start

    def offset(self, block: Any) -> int:
        return self.slices[block][0]

    def columns(self, block: Any) -> np.ndarray:
        start, stop = self.slices[block]
        return np.arange(start, stop)

    def values(self, variables: Iterable[Any], x: np.ndarray) -> dict[Any, Any]:
        """{variable: its value at the column vector x} (symmetric blocks as full matrices)."""
        out = {}
        for var in variables:
            start, stop = self.slices[var.block]
            out[var] = var.evaluate({var.block: np.asarray(x[start:stop], dtype=float)})
        return out

    def vector(self, assignment: Mapping[Any, Any], what: str = "warm_start") -> np.ndarray:
        """A column vector with the given variables' values (NaN elsewhere); ValueError naming
        `what` for keys that are not variables of the model, symmetric blocks, or shapes that
        do not fit."""
        x = np.full(self.n, np.nan)
        for var, val in assignment.items():
            block = getattr(var, "block", None)
            if block not in self.slices:
                raise ValueError(f"{what} keys must be variables of this model, got {var!r}")
            if block.symmetric:
                raise ValueError(f"{what} for symmetric variable {var.name!r} is not supported")
            arr = np.asarray(val, dtype=float)
            try:
                arr = np.broadcast_to(arr, var.shape).ravel()
            except ValueError as exc:
                raise ValueError(f"{what} for {var.name!r} has shape {arr.shape}, the variable "
                                 f"{var.shape}") from exc
            start, stop = self.slices[block]
            x[start:stop] = arr
        return x
