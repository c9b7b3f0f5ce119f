"""The predictive-checklist integer program (Zhang, Morris, Ustun, Ghassemi, NeurIPS 2021).

Binary items A (distinct rows r, integer weights w_r), chosen items u_j in {0,1}, the
threshold M (integer, fixed or free) and errors z_r: predict positive iff A_r' u >= M.

    min  cost(FN, FP) + eps * sum_j u_j      FN = sum_{r pos} w_r z_r, FP = sum_{r neg} w_r z_r
    s.t. A_r' u - M + B_r z_r >= 0                  (r positive; B_r = max M)
         A_r' u - M - B_r z_r <= -1                 (r negative; B_r = min(|A_r|, N) - min M + 1)
         sum_j u_j <= N,  M <= sum_j u_j,  sum_{j in feature f} u_j <= 1 (one item per feature)
         FN <= floor(max_fnr P), FP <= floor(max_fpr Q),  |FPR_g - FPR_h| <= gap (groups)

cost: '01' FN + FP, 'balanced' Q FN + P FP (P, Q = positives, negatives), 'fnr' FN,
'fpr' FP. eps = 1 / (N + 1): the cost is an integer, so fewer items never costs accuracy.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import scipy.sparse as sp

import optlib

from .prepare import MergedRows

COSTS = ("01", "balanced", "fnr", "fpr")


@dataclass
class ChecklistVariables:
    """Variables a constraint hook receives: use[j], M (shape (1,)), errors[r]."""

    model: optlib.Model
    use: optlib.Variable
    M: optlib.Variable
    errors: optlib.Variable
    item_names: list[str]


@dataclass
class ChecklistSpec:
    """Everything that defines the IP besides the data."""

    max_items: int
    M: int | None
    cost: str
    max_fnr: float | None
    max_fpr: float | None
    max_fnr_gap: float | None
    max_fpr_gap: float | None
    include: list[int]
    exclude: list[int]
    item_features: list[str] | None


@dataclass
class ChecklistProblem:
    model: optlib.Model
    variables: ChecklistVariables
    data: MergedRows
    spec: ChecklistSpec
    keep: np.ndarray           # kept distinct rows (one error variable each)
    cost_weight: np.ndarray    # objective weight per distinct row
    eps: float
    M_bounds: tuple[int, int]
    objective: Any = None      # the built objective (grid rounding needs it unchanged)

    def grid_extras(self) -> list[tuple[float, float]]:
        """(g_min, g_max) = (eps k, eps k) per number k of items: objective = integer cost +
        eps k (`grid.py`). Empty (no rounding) if a hook replaced the objective."""
        if self.objective is None or self.model.objective is not self.objective:
            return []
        return [(self.eps * k, self.eps * k) for k in range(min(self.spec.max_items, self.data.X.shape[1]) + 1)]


def cost_weights(data: MergedRows, cost: str) -> np.ndarray:
    """Integer objective weight of an error on each distinct row."""
    pos = data.sign > 0
    P, Q = int(data.weight[pos].sum()), int(data.weight[~pos].sum())
    if cost == "01":
        fp, fn = 1, 1
    elif cost == "balanced":
        g = math.gcd(P, Q) or 1
        fn, fp = Q // g, P // g
    elif cost == "fnr":
        fn, fp = 1, 0
    else:
        fn, fp = 0, 1
    return data.weight * np.where(pos, fn, fp)


def _group_rates(m: optlib.Model, z, data: MergedRows, label: int, gap: float, name: str) -> None:
    """|rate_g - rate_h| <= gap for every pair of groups, rate = errors / count on class `label`,
    written as N_h E_g - N_g E_h <= gap N_g N_h (both signs)."""
    cls = data.sign == label
    sel, count = {}, {}
    for g in np.unique(data.group):
        mask = cls & (data.group == g)
        count[g] = int(data.weight[mask].sum())
        sel[g] = np.where(mask, data.weight, 0).astype(float)
    for g, h in combinations([g for g in count if count[g] > 0], 2):
        Ng, Nh = count[g], count[h]
        e = Nh * (sel[g] @ z) - Ng * (sel[h] @ z)
        m.add(e <= gap * Ng * Nh, name=f"{name}[{g:g},{h:g}]")
        m.add(e >= -gap * Ng * Nh, name=f"{name}[{h:g},{g:g}]")


def build_checklist(data: MergedRows, spec: ChecklistSpec, item_names: list[str]) -> ChecklistProblem:
    """The model of the module docstring on merged rows."""
    A = data.X
    n, p = A.shape
    N = min(spec.max_items, p)
    Mlo, Mhi = (spec.M, spec.M) if spec.M is not None else (1, N)
    ones = A.sum(axis=1)
    pos = data.sign > 0
    m = optlib.Model("checklist")
    use = m.boolean(p, name="use")
    Mv = m.integer(1, lb=Mlo, ub=Mhi, name="M")
    rows = np.arange(n)                          # every distinct row keeps an error variable
    z = m.boolean(n, name="errors")
    cap = np.minimum(ones, N)
    Ap = sp.csr_matrix(A[pos])
    if pos.any():
        m.add(Ap @ use - np.ones((pos.sum(), 1)) @ Mv + Mhi * z[np.flatnonzero(pos)] >= 0, name="positives")
    neg = np.flatnonzero(~pos)
    if neg.size:
        B = np.maximum(cap[neg] - Mlo + 1, 0)
        m.add(sp.csr_matrix(A[neg]) @ use - np.ones((neg.size, 1)) @ Mv - B * z[neg] <= -1, name="negatives")
    m.add(use.sum() <= N, name="max_items")
    m.add(Mv.sum() - use.sum() <= 0, name="M_le_items")
    for j in spec.include:
        m.add(use[j] >= 1, name=f"include[{item_names[j]}]")
    for j in spec.exclude:
        m.add(use[j] <= 0, name=f"exclude[{item_names[j]}]")
    if spec.item_features is not None:
        feats = np.asarray(spec.item_features, dtype=object)
        for f in dict.fromkeys(spec.item_features):
            idx = np.flatnonzero(feats == f)
            if idx.size > 1:
                m.add(use[idx].sum() <= 1, name=f"one_item[{f}]")
    pairs = data.conflicts()
    if pairs.size:
        sel = sp.csr_matrix((np.ones(pairs.size), (np.repeat(np.arange(len(pairs)), 2), pairs.ravel())),
                            shape=(len(pairs), n))
        m.add(sel @ z == 1, name="same_x")
    wpos = np.where(pos, data.weight, 0).astype(float)
    wneg = np.where(~pos, data.weight, 0).astype(float)
    if spec.max_fnr is not None:
        m.add(wpos @ z <= math.floor(spec.max_fnr * wpos.sum() + 1e-9), name="max_fnr")
    if spec.max_fpr is not None:
        m.add(wneg @ z <= math.floor(spec.max_fpr * wneg.sum() + 1e-9), name="max_fpr")
    if spec.max_fnr_gap is not None:
        _group_rates(m, z, data, 1, spec.max_fnr_gap, "fnr_gap")
    if spec.max_fpr_gap is not None:
        _group_rates(m, z, data, -1, spec.max_fpr_gap, "fpr_gap")
    cw = cost_weights(data, spec.cost).astype(float)
    eps = 1.0 / (N + 1)
    m.minimize(cw @ z + eps * use.sum())
    return ChecklistProblem(m, ChecklistVariables(m, use, Mv, z, list(item_names)), data, spec, rows, cw, eps,
                            (Mlo, Mhi), m.objective)


def evaluate(problem: ChecklistProblem, items: np.ndarray, M: int) -> tuple[float, float]:
    """(objective, constraint violation) of the checklist (items, M) on the distinct rows."""
    d, spec = problem.data, problem.spec
    pred = d.X[:, items].sum(axis=1) >= M
    pos = d.sign > 0
    wrong = np.where(pos, ~pred, pred)
    obj = float(problem.cost_weight[wrong].sum()) + problem.eps * len(items)
    viol = 0.0
    if spec.max_fnr is not None:
        P = d.weight[pos].sum()
        viol += max(0.0, d.weight[wrong & pos].sum() - math.floor(spec.max_fnr * P + 1e-9))
    if spec.max_fpr is not None:
        Q = d.weight[~pos].sum()
        viol += max(0.0, d.weight[wrong & ~pos].sum() - math.floor(spec.max_fpr * Q + 1e-9))
    for gap, label in ((spec.max_fnr_gap, 1), (spec.max_fpr_gap, -1)):
        if gap is None:
            continue
        cls = d.sign == label
        rates = [d.weight[wrong & cls & (d.group == g)].sum() / max(d.weight[cls & (d.group == g)].sum(), 1)
                 for g in np.unique(d.group) if d.weight[cls & (d.group == g)].sum() > 0]
        if rates:
            viol += max(0.0, max(rates) - min(rates) - gap)
    return obj, viol
