"""Structure-recovery metrics of an estimated graph against the true one.

SHD = extra + missing + reversed edges (a reversed edge counts once); TPR = correct /
true edges; FDR = (reversed + extra) / predicted edges; FPR = (reversed + extra) / non-edges
of the true skeleton's complement (d(d-1)/2 - true edges). The usual NOTEARS definitions.
"""
from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np


def is_dag(W: Any) -> bool:
    """True when the support of W (W[i, j] != 0: edge i -> j) has no directed cycle."""
    A = np.asarray(W)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"W must be a square matrix, got shape {A.shape}")
    g = nx.DiGraph(list(zip(*np.nonzero(A))))
    return nx.is_directed_acyclic_graph(g)


def to_digraph(W: Any) -> nx.DiGraph:
    """A networkx.DiGraph on nodes 0..d-1 with an edge i -> j (attribute weight) for each W[i, j] != 0."""
    A = np.asarray(W, dtype=float)
    g = nx.DiGraph()
    g.add_nodes_from(range(A.shape[0]))
    g.add_weighted_edges_from((int(i), int(j), float(A[i, j])) for i, j in zip(*np.nonzero(A)))
    return g


def count_accuracy(B_true: Any, B_est: Any) -> dict[str, float]:
    """{'shd', 'tpr', 'fdr', 'fpr', 'nnz', 'extra', 'missing', 'reverse'} of B_est against B_true."""
    T = np.asarray(B_true) != 0
    E = np.asarray(B_est) != 0
    if T.shape != E.shape or T.ndim != 2 or T.shape[0] != T.shape[1]:
        raise ValueError(f"B_true and B_est must be square matrices of one shape, got {T.shape} and {E.shape}")
    if not is_dag(E):
        raise ValueError("B_est is not a DAG")
    d = T.shape[0]
    n_true, n_pred = int(T.sum()), int(E.sum())
    correct = int((E & T).sum())
    reverse = int((E & T.T & ~T).sum())
    extra = int((E & ~T & ~T.T).sum())
    skel_t, skel_e = np.triu(T | T.T, 1), np.triu(E | E.T, 1)
    shd = int((skel_e & ~skel_t).sum() + (skel_t & ~skel_e).sum()) + reverse
    neg = d * (d - 1) / 2 - n_true
    return {"shd": shd, "tpr": correct / max(n_true, 1), "fdr": (reverse + extra) / max(n_pred, 1),
            "fpr": (reverse + extra) / max(neg, 1), "nnz": n_pred, "extra": extra,
            "missing": int((skel_t & ~skel_e).sum()), "reverse": reverse}
