"""Bridges: logical constraints (optlib.logic records) rewritten as linear rows.

`bridge_logic(sf)` returns (sf2, invert): sf2 has no logical records; in their place

    Indicator     -> big-M rows with M from the variables' bounds (indicator_to_big_m)
    AllDifferent  -> pairwise big-M rows with one 0/1 column per pair, or the value encoding
                     for small domains (all_different_to_big_m)
    Clause        -> linear rows over the 0/1 columns (clause_to_linear)

New columns (0/1 integers) are appended after the n original ones; new rows go at the end of
the zero / nonnegative blocks (row blocks named '<constraint>_bigm', '_rows', ...), so the cone
order is kept. `invert(raw)` maps an answer of sf2 back to sf's terms: x (and a primal ray)
truncated to n columns, z (and a dual ray) restricted to the original rows in their order; the
objective and bound are the same numbers (the added columns cost nothing). Every rewrite is
exact on integer points, so the optimum of sf2 is that of sf.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from ..logic import AllDifferent, Clause, Indicator
from ..standard_form import RawResult, StandardForm
from .all_different_to_big_m import bridge_all_different
from .builder import BridgeBuilder
from .clause_to_linear import bridge_clause
from .indicator_to_big_m import bridge_indicator

Invert = Callable[[RawResult], RawResult]

_SUFFIX = {Indicator: "_bigm", AllDifferent: "_alldiff", Clause: "_rows"}


def bridge_logic(sf: StandardForm) -> tuple[StandardForm, Invert]:
    """(sf2, invert): `sf` with its logical records as rows (see the module docstring)."""
    builder = BridgeBuilder(sf)
    for rec in sf.logic:
        z0, l0 = builder.zero.m, builder.nonneg.m
        if isinstance(rec, Indicator):
            bridge_indicator(rec, builder)
        elif isinstance(rec, AllDifferent):
            bridge_all_different(rec, builder)
        elif isinstance(rec, Clause):
            bridge_clause(rec, builder)
        else:
            raise ValueError(f"no bridge for the logical record {type(rec).__name__}")
        builder.mark(rec.name + _SUFFIX[type(rec)], z0, l0)
    sf2, positions = builder.build()
    n, n2, m2 = sf.n, sf2.n, sf2.m

    def cut(v, size: int, keep) -> np.ndarray | None:
        if v is None:
            return None
        v = np.asarray(v, dtype=float)
        return v[keep] if v.shape == (size,) else v

    def invert(raw: RawResult) -> RawResult:
        return dataclasses.replace(raw, x=cut(raw.x, n2, slice(0, n)), z=cut(raw.z, m2, positions),
                                   dual_ray=cut(raw.dual_ray, m2, positions),
                                   primal_ray=cut(raw.primal_ray, n2, slice(0, n)))

    return sf2, invert


__all__ = ["bridge_logic", "bridge_indicator", "bridge_all_different", "bridge_clause", "BridgeBuilder"]
