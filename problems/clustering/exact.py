"""Exact K-means for tiny n: depth-first branch and bound over partitions.

Points are assigned one at a time (farthest-first order); a partial assignment's inertia
never decreases when points are added (adding x to a cluster of m points with mean c adds
m/(m+1) ||x - c||^2 >= 0), so it is a lower bound and branches at or above the incumbent
(scikit-learn KMeans with several starts) are pruned. Cluster labels are opened in order
(symmetry breaking), and a branch that cannot still open all K clusters is cut. The
result is the global optimum when the search finishes (`optimal=True`); a time limit
returns the incumbent with optimal=False.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.cluster import KMeans

from optlib.validate import check_positive

from ._validation import check_data, check_n_clusters
from .metrics import inertia


@dataclass(frozen=True)
class ExactKMeans:
    labels: np.ndarray
    inertia: float
    optimal: bool
    nodes: int
    time: float


def exact_kmeans(X: Any, n_clusters: int, time_limit: float | None = 60.0, max_n: int = 40) -> ExactKMeans:
    """The minimum-inertia partition of X into n_clusters non-empty clusters."""
    t0 = time.perf_counter()
    X = check_data(X)
    n = X.shape[0]
    K = check_n_clusters(n_clusters, n)
    check_positive(time_limit, "time_limit", allow_none=True)
    if n > max_n:
        raise ValueError(f"exact_kmeans is exponential in n: n={n} > max_n={max_n} (raise max_n to insist)")
    km = KMeans(K, n_init=20, random_state=0).fit(X)
    best_lab = km.labels_.astype(np.int64)
    best = inertia(X, best_lab)
    if K == 1 or K == n:
        return ExactKMeans(best_lab if K == 1 else np.arange(n), 0.0 if K == n else best, True, 0,
                           time.perf_counter() - t0)
    order = [int(np.argmax(((X - X.mean(axis=0)) ** 2).sum(axis=1)))]
    dist = ((X - X[order[0]]) ** 2).sum(axis=1)
    while len(order) < n:
        dist[order] = -1
        j = int(np.argmax(dist))
        order.append(j)
        dist = np.minimum(dist, ((X - X[j]) ** 2).sum(axis=1))
    P = X[order]
    cnt = np.zeros(K)
    sums = np.zeros((K, X.shape[1]))
    assign = np.zeros(n, dtype=np.int64)
    state = {"best": best, "labels": None, "nodes": 0, "stopped": False}
    tol = 1e-12 * max(1.0, best)

    def dfs(i: int, opened: int, cost: float) -> None:
        state["nodes"] += 1
        if state["nodes"] % 4096 == 0 and time_limit is not None and time.perf_counter() - t0 > time_limit:
            state["stopped"] = True
        if state["stopped"]:
            return
        if i == n:
            if cost < state["best"] - tol:
                state["best"], state["labels"] = cost, assign.copy()
            return
        if K - opened > n - i:
            return
        x = P[i]
        choices = []
        for k in range(min(opened + 1, K)):
            if cnt[k] == 0:
                inc = 0.0
            else:
                c = sums[k] / cnt[k]
                inc = cnt[k] / (cnt[k] + 1) * float(((x - c) ** 2).sum())
            choices.append((inc, k))
        choices.sort()
        for inc, k in choices:
            if cost + inc >= state["best"] - tol:
                break
            cnt[k] += 1
            sums[k] += x
            assign[i] = k
            dfs(i + 1, max(opened, k + 1), cost + inc)
            cnt[k] -= 1
            sums[k] -= x

    dfs(0, 0, 0.0)
    if state["labels"] is not None:
        lab = np.empty(n, dtype=np.int64)
        lab[order] = state["labels"]
        best_lab = lab
    return ExactKMeans(best_lab, inertia(X, best_lab), not state["stopped"], state["nodes"],
                       time.perf_counter() - t0)
