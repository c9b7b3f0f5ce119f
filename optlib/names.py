"""The names of a model's scalars, made one at a time when asked for.

A model of 250,000 scalars does not need 250,000 Python strings to be solved: messages name a
handful of columns, file writers want them all. `ScalarNames` is the sequence a StandardForm
holds (`sf.var_names`): `len` and indexing cost nothing up front, iterating builds the strings.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Iterator

import numpy as np


class ScalarNames(Sequence):
    """`x`, `x[3]`, `x[1,2]`, `X[i,j]` (i >= j for symmetric blocks) for the scalars of `blocks`
    (optlib VarBlocks) in column order."""

    __slots__ = ("_blocks", "_starts")

    def __init__(self, blocks: Sequence[Any]):
        self._blocks = list(blocks)
        self._starts = np.concatenate(([0], np.cumsum([b.size for b in self._blocks]))).astype(np.int64)

    def __len__(self) -> int:
        return int(self._starts[-1])

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        j = _position(index, len(self))
        k = int(np.searchsorted(self._starts, j, side="right")) - 1
        return self._blocks[k].scalar_name(j - int(self._starts[k]))

    def __iter__(self) -> Iterator[str]:
        for blk in self._blocks:
            yield from blk.scalar_names()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (ScalarNames, tuple, list)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        head = ", ".join(repr(self[i]) for i in range(min(3, len(self))))
        return f"ScalarNames([{head}{', ...' if len(self) > 3 else ''}], {len(self)} scalars)"


class ExtendedNames(Sequence):
    """The form's column names followed by the names of the added columns (no copy of the first)."""

    def __init__(self, base: Sequence[str], n: int, extra: list[str]):
        self._base, self._n, self._extra = base, n, list(extra)

    def __len__(self) -> int:
        return self._n + len(self._extra)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        j = _position(index, len(self))
        if j < self._n:
            return self._base[j] if len(self._base) == self._n else f"x[{j}]"
        return self._extra[j - self._n]


def _position(index: Any, n: int) -> int:
    """The position of a (possibly negative) column index among n; IndexError when outside."""
    j = int(index)
    if j < 0:
        j += n
    if not 0 <= j < n:
        raise IndexError(f"column {index} out of range for {n} scalars")
    return j
