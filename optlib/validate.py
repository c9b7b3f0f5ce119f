"""Argument checks shared by the method packages: clear errors that name the argument."""
from __future__ import annotations

import math
import numbers
from typing import Any


def check_positive(value: Any, name: str, integer: bool = False, allow_none: bool = False) -> Any:
    """`value` as an int (integer=True) or float > 0 and finite; None passes when `allow_none`.
    Anything else (bool, NaN, inf, <= 0, wrong type) raises ValueError naming `name`."""
    if value is None and allow_none:
        return None
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind) or not value > 0 or not math.isfinite(value):
        what = "a positive integer" if integer else "a positive finite number"
        raise ValueError(f"{name} must be {what}{' or None' if allow_none else ''}, got {value!r}")
    return int(value) if integer else float(value)


def check_nonneg(value: Any, name: str, allow_none: bool = False) -> float | None:
    """`value` as a float >= 0 and finite; None passes when `allow_none`.
    Anything else (bool, NaN, inf, < 0, wrong type) raises ValueError naming `name`."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)
