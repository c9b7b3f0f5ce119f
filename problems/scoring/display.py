"""Readable tables of fitted models: SLIM score cards and M-of-N checklists."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


def _label(v: Any) -> Any:
    """A numpy scalar label as the plain Python value (prints as 1, not np.int64(1))."""
    return v.item() if hasattr(v, "item") else v


def _status_line(result: Any) -> str:
    if result is None:
        return ""
    gap = "-" if not np.isfinite(result.gap) else f"{result.gap:.2%}"
    return f"({result.status.name}, gap {gap}, {result.backend.name})"


@dataclass(frozen=True)
class ScoreCard:
    """rows: (feature, points) for nonzero points; predict `positive` iff total > threshold,
    where threshold = -intercept."""

    rows: tuple[tuple[str, int], ...]
    intercept: int
    positive: Any
    negative: Any
    status: str = ""

    @classmethod
    def from_model(cls, coef: np.ndarray, intercept: int, names: list[str], classes: np.ndarray,
                   result: Any = None) -> "ScoreCard":
        order = [j for j in np.argsort(-np.abs(coef), kind="stable") if coef[j] != 0]
        return cls(tuple((names[j], int(coef[j])) for j in order), int(intercept), _label(classes[1]),
                   _label(classes[0]), _status_line(result))

    @property
    def threshold(self) -> int:
        return -self.intercept

    def score(self, values: dict[str, float]) -> float:
        """Total score of one record given as {feature: value}."""
        return float(sum(p * float(values.get(f, 0.0)) for f, p in self.rows))

    def __str__(self) -> str:
        width = max([len(f) for f, _ in self.rows] + [len("feature")])
        lines = [f"{'#':>3}  {'feature':<{width}}  {'points':>6}", "-" * (width + 14)]
        for i, (f, p) in enumerate(self.rows, 1):
            lines.append(f"{i:>3}  {f:<{width}}  {p:>+6d}")
        lines.append("-" * (width + 14))
        lines.append(f"     {'total score = sum of points x feature value':<{width}}")
        lines.append(f"     predict {self.positive!r} if total score > {self.threshold} "
                     f"(else {self.negative!r})")
        if self.status:
            lines.append(f"     {self.status}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Checklist:
    """Predict `positive` iff at least M of the items hold."""

    items: tuple[str, ...]
    M: int
    positive: Any
    negative: Any
    status: str = ""

    def __str__(self) -> str:
        lines = [f"predict {self.positive!r} if at least {self.M} of these {len(self.items)} items hold "
                 f"(else {self.negative!r}):"]
        lines += [f"  [ ] {item}" for item in self.items]
        if self.status:
            lines.append(f"  {self.status}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)
