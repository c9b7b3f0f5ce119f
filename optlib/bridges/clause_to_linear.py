"""Clauses and cardinality constraints as linear rows over 0/1 columns.

With literals l_i = x_i (or 1 - x_i when negated) and s = sum_pos x_i - sum_neg x_i, so that
sum_i l_i = s + (number negated):

    or:        sum l >= 1        ->  -s <= n_neg - 1
    and:       every l_i = 1     ->  -x_i <= -1 (positive), x_i <= 0 (negated), one row each
    at_most:   sum l <= k        ->   s <= k - n_neg
    at_least:  sum l >= k        ->  -s <= n_neg - k
    exactly:   sum l == k        ->   s == k - n_neg
"""
from __future__ import annotations

import numpy as np

from ..logic import Clause
from .builder import BridgeBuilder


def bridge_clause(rec: Clause, builder: BridgeBuilder) -> None:
    """Append the rows of one clause record."""
    cols = np.asarray(rec.cols, dtype=np.int64)
    neg = np.asarray(rec.negated, dtype=bool)
    sign = np.where(neg, -1.0, 1.0)
    n_neg = int(neg.sum())
    if rec.kind == "and":
        for j, sg in zip(cols.tolist(), sign.tolist()):
            builder.le([j], [-sg], -1.0 if sg > 0 else 0.0)
    elif rec.kind == "or":
        builder.le(cols, -sign, n_neg - 1.0)
    elif rec.kind == "at_least":
        builder.le(cols, -sign, float(n_neg - rec.k))
    elif rec.kind == "at_most":
        builder.le(cols, sign, float(rec.k - n_neg))
    elif rec.kind == "exactly":
        builder.eq(cols, sign, float(rec.k - n_neg))
    else:
        raise ValueError(f"clause '{rec.name}': unknown kind {rec.kind!r}")
