"""Warm starts: a rounded linear classifier for SLIM, a greedy item cover for checklists.

SLIM: fit an L1-penalised logistic regression on the distinct rows (sample weights), keep
the K largest standardised coefficients, scale them so the largest is m for m = 1..max
point value, round into the box and choose the best intercept exactly (a sweep over the
sorted scores); the candidate with the smallest objective is the warm start. Candidates
outside the boxes or with more than K features (rounding into a box whose column must be
nonzero can add one) are skipped; the empty model starts from the box point nearest 0.
Both take an optional `optlib.Deadline` and return the best candidate so far once it expires.
"""
from __future__ import annotations

import warnings

import numpy as np

from optlib import Deadline

from .slim_model import SLIMProblem, main_objective


def best_intercept(scores: np.ndarray, sign: np.ndarray, weight: np.ndarray, blo: int, bhi: int,
                   margin: float) -> tuple[int, float]:
    """Integer b in [blo, bhi] minimising sum of w_i [s_i (b + scores_i) < margin]; (b, errors)."""
    pos, neg = sign > 0, sign < 0
    need = np.ceil(margin - scores[pos] - 1e-9)      # positive i is right iff b >= need_i
    allow = np.floor(-margin - scores[neg] + 1e-9)   # negative i is right iff b <= allow_i
    cand = np.unique(np.clip(np.concatenate([need, allow, [blo, bhi]]), blo, bhi)).astype(np.int64)
    order_p, order_n = np.argsort(need), np.argsort(allow)
    need_s, allow_s = need[order_p], allow[order_n]
    wp = np.concatenate([[0.0], np.cumsum(weight[pos][order_p])])   # wp[k]: first k positives
    wn = np.concatenate([[0.0], np.cumsum(weight[neg][order_n])])
    err_p = wp[-1] - wp[np.searchsorted(need_s, cand, side="right")]  # positives with need > b
    err_n = wn[np.searchsorted(allow_s, cand, side="left")]           # negatives with allow < b
    err = err_p + err_n
    i = int(np.argmin(err))
    return int(cand[i]), float(err[i])


def rounded_start(problem: SLIMProblem, clock: Deadline | None = None) -> tuple[np.ndarray, int] | None:
    """(coef, intercept) of the best rounded logistic-regression candidate inside the boxes and
    within max_features (`SLIMProblem.admits`; see module doc), None when there is none; no
    further regression is fitted once `clock` has expired."""
    d = problem.data
    lo, hi = problem.lo.astype(float), problem.hi.astype(float)
    blo, bhi = problem.intercept_bounds
    p = d.X.shape[1]
    candidates = [np.clip(np.zeros(p), lo, hi)]     # the empty model, or the forced columns at their smallest
    try:
        from sklearn.linear_model import LogisticRegression

        scale = d.X.std(axis=0)
        scale[scale == 0] = 1.0
        for C in (0.01, 0.1, 1.0):
            if clock is not None and clock.expired():
                break
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                lr = LogisticRegression(C=C, l1_ratio=1.0, solver="liblinear", max_iter=200)
                lr.fit(d.X / scale, d.sign > 0, sample_weight=d.weight.astype(float))
            w = lr.coef_.ravel() / scale
            w = np.where((w > 0) & (hi <= 0) | (w < 0) & (lo >= 0), 0.0, w)
            if problem.max_features < p:
                keep = np.argsort(-np.abs(w * scale))[: problem.max_features]
                mask = np.zeros(p, bool)
                mask[keep] = True
                w = np.where(mask, w, 0.0)
            top = np.max(np.abs(w), initial=0.0)
            if top <= 0:
                continue
            for mval in range(1, int(max(np.max(np.abs(lo)), np.max(np.abs(hi)))) + 1):
                candidates.append(np.clip(np.round(w * mval / top), lo, hi))
    except Exception:  # noqa: BLE001 - a warm start is optional; the IP is the answer
        pass
    best, best_val = None, np.inf
    for c in candidates:
        b, _ = best_intercept(d.X @ c, d.sign, d.weight.astype(float), blo, bhi, problem.margin)
        if not problem.admits(c, b):
            continue
        val = main_objective(problem, c, b) + problem.tiebreak.eps0 * np.count_nonzero(c) \
            + problem.tiebreak.eps1 * np.abs(c).sum()
        if val < best_val:
            best, best_val = (c.astype(np.int64), b), val
    return best


def greedy_checklist(problem, clock: Deadline | None = None) -> tuple[np.ndarray, int] | None:
    """Greedy cover for checklists: for each threshold M, add the allowed item that most
    lowers (violation, objective) with threshold min(M, items so far); keep the best
    feasible (items, M) seen. None when no feasible checklist was found. Stops at the next
    threshold M once `clock` has expired."""
    from .checklist_model import evaluate

    spec = problem.spec
    p = problem.data.X.shape[1]
    N = min(spec.max_items, p)
    feats = spec.item_features
    excluded = set(spec.exclude)
    best, best_key = None, (np.inf, np.inf)
    Mlo, Mhi = problem.M_bounds
    for M in range(Mlo, Mhi + 1):
        if clock is not None and clock.expired() and best is not None:
            break
        chosen = list(dict.fromkeys(spec.include))
        while True:
            if len(chosen) >= M:
                obj, viol = evaluate(problem, np.asarray(chosen, int), M)
                if viol == 0 and (obj, 0) < best_key:
                    best, best_key = (np.asarray(chosen, int), M), (obj, 0)
            if len(chosen) >= N:
                break
            used_feats = {feats[j] for j in chosen} if feats is not None else set()
            step = None
            for j in range(p):
                if j in chosen or j in excluded or (feats is not None and feats[j] in used_feats):
                    continue
                trial = np.asarray(chosen + [j], int)
                obj, viol = evaluate(problem, trial, min(M, trial.size))
                if step is None or (viol, obj) < step[0]:
                    step = ((viol, obj), j)
            if step is None:
                break
            chosen.append(step[1])
    return best
