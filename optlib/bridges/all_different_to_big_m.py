"""all_different(x) as rows over integer columns with finite bounds.

Pairwise (big-M): for each pair i < j whose domains meet, a new 0/1 column b_ij and

    x_i - x_j >= 1 - M1 b_ij,       M1 = 1 + ub_j - lb_i   (b_ij = 0: x_i > x_j)
    x_j - x_i >= 1 - M2 (1 - b_ij), M2 = 1 + ub_i - lb_j   (b_ij = 1: x_j > x_i)

each M large enough that the relaxed side holds on the whole box.

Value encoding (small domains): y_iv = [x_i = v] for v in [lb_i, ub_i], with
sum_v y_iv = 1, x_i = sum_v v y_iv and sum_i y_iv <= 1 for every value v; an assignment
polytope, whose LP relaxation is much tighter. Used when the domains hold at most
max(VALUE_MIN, VALUE_RATIO * k^2) values in all (k the number of variables).
"""
from __future__ import annotations

import numpy as np

from ..logic import AllDifferent
from .builder import BridgeBuilder

VALUE_MIN = 256
VALUE_RATIO = 2


def _domains(rec: AllDifferent, builder: BridgeBuilder) -> tuple[np.ndarray, np.ndarray]:
    cols = np.asarray(rec.cols, dtype=np.int64)
    lb, ub = builder.sf.lb[cols], builder.sf.ub[cols]
    for arr, side in ((lb, "lower"), (ub, "upper")):
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            name = builder.column_name(int(cols[bad[0]]))
            raise ValueError(f"all_different on constraint '{rec.name}': variable {name} has no {side} "
                             "bound, needed for the big-M rewrite; give it bounds")
    return np.ceil(lb - 1e-9), np.floor(ub + 1e-9)


def bridge_all_different(rec: AllDifferent, builder: BridgeBuilder) -> None:
    """Append the rows (and columns) of one all_different record."""
    cols = np.asarray(rec.cols, dtype=np.int64)
    k = cols.size
    if k < 2:
        return
    lb, ub = _domains(rec, builder)
    sizes = np.maximum(ub - lb + 1, 0)
    if sizes.sum() <= max(VALUE_MIN, VALUE_RATIO * k * k):
        _value_encoding(rec, builder, cols, lb, ub)
    else:
        _pairwise(rec, builder, cols, lb, ub)


def _pairwise(rec: AllDifferent, builder: BridgeBuilder, cols: np.ndarray, lb: np.ndarray, ub: np.ndarray) -> None:
    k = cols.size
    for i in range(k):
        for j in range(i + 1, k):
            if ub[j] < lb[i] or ub[i] < lb[j]:
                continue                    # disjoint domains: always different
            (bij,) = builder.new_booleans([f"{rec.name}_order[{i},{j}]"])
            m1 = 1.0 + ub[j] - lb[i]
            m2 = 1.0 + ub[i] - lb[j]
            xi, xj = cols[i], cols[j]
            builder.le([xj, xi, bij], [1.0, -1.0, -m1], -1.0)        # x_i - x_j >= 1 - M1 b
            builder.le([xi, xj, bij], [1.0, -1.0, m2], m2 - 1.0)     # x_j - x_i >= 1 - M2 (1 - b)


def _value_encoding(rec: AllDifferent, builder: BridgeBuilder, cols: np.ndarray, lb: np.ndarray,
                    ub: np.ndarray) -> None:
    users: dict[int, list[int]] = {}
    for i, xi in enumerate(cols.tolist()):
        values = np.arange(int(lb[i]), int(ub[i]) + 1)
        y = builder.new_booleans([f"{rec.name}_is[{i},{v}]" for v in values.tolist()])
        builder.eq(y, np.ones(y.size), 1.0)                                   # one value each
        builder.eq(np.append(y, xi), np.append(values.astype(float), -1.0), 0.0)   # x_i = sum v y_iv
        for v, yv in zip(values.tolist(), y.tolist()):
            users.setdefault(v, []).append(yv)
    for v in sorted(users):
        if len(users[v]) > 1:
            builder.le(users[v], np.ones(len(users[v])), 1.0)                # value v used once
