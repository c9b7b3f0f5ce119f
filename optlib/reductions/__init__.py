"""Rewrites of a StandardForm for a backend that lacks a feature, each with its inverse.

    quadratic_to_soc   1/2 x'P x in the objective -> an epigraph variable and a rotated
                       second-order cone (backends with SOCs but no quadratic objective)
    optlib.bridges     logical constraints -> big-M rows over the variables' bounds
                       (backends with integers but no logical constraints)

`for_backend(capabilities, sf)` returns (the form the backend solves, the map of its RawResult
back to `sf`'s terms), or (sf, None) when the backend takes `sf` as it is. The certificate is
always derived on the original form (CVXPY's `Reduction.apply` / `invert`, MathOptInterface's
bridges).
"""
from __future__ import annotations

from typing import Any, Callable

from ..standard_form import RawResult, StandardForm

Invert = Callable[[RawResult], RawResult]


def for_backend(capabilities: Any, sf: StandardForm) -> tuple[StandardForm, Invert | None]:
    """(form, invert) with the rewrites `capabilities` need (see the module docstring)."""
    steps: list[Invert] = []
    if sf.has_logic and not getattr(capabilities, "logic", False):
        from ..bridges import bridge_logic

        sf, back = bridge_logic(sf)
        steps.append(back)
    native_quad = capabilities.miqp if sf.has_integers else capabilities.quadratic
    if sf.has_quadratic and not native_quad:
        from .quadratic_to_soc import quadratic_to_soc

        sf, back = quadratic_to_soc(sf)
        steps.append(back)
    if not steps:
        return sf, None

    def invert(raw: RawResult) -> RawResult:
        for back in reversed(steps):
            raw = back(raw)
        return raw

    return sf, invert
