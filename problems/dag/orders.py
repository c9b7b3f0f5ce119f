"""Topological orders: from a user's init (an order, a weight matrix, 'random') and under required edges."""
from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np


def order_from_weights(W: np.ndarray) -> np.ndarray:
    """An order compatible with the heaviest acyclic part of W: add edges by |W| descending unless they
    close a cycle, then sort topologically (ties by node index)."""
    W = np.asarray(W, dtype=float)
    d = W.shape[0]
    g = nx.DiGraph()
    g.add_nodes_from(range(d))
    idx = np.argsort(-np.abs(W), axis=None, kind="stable")
    for flat in idx:
        i, j = divmod(int(flat), d)
        if W[i, j] == 0:
            break
        if i != j and not nx.has_path(g, j, i):
            g.add_edge(i, j)
    return np.array(list(nx.lexicographical_topological_sort(g)), dtype=int)


def respect_required(order: np.ndarray, required: np.ndarray) -> np.ndarray:
    """The order closest to `order` (lexicographic by position) in which every required i -> j has i first."""
    if not required.any():
        return np.asarray(order, dtype=int)
    pos = np.empty(len(order), dtype=int)
    pos[order] = np.arange(len(order))
    g = nx.DiGraph(list(zip(*np.nonzero(required))))
    g.add_nodes_from(range(len(order)))
    return np.array(list(nx.lexicographical_topological_sort(g, key=lambda v: pos[v])), dtype=int)


def initial_order(init: Any, d: int, rng: np.random.Generator) -> np.ndarray:
    """'random' -> a random permutation; a permutation of 0..d-1; or a (d, d) weight matrix."""
    if isinstance(init, str):
        if init != "random":
            raise ValueError(f"init must be 'random', an order (a permutation of 0..{d - 1}) or a ({d}, {d}) "
                             f"weight matrix, got {init!r}")
        return rng.permutation(d)
    arr = np.asarray(init)
    if arr.ndim == 2:
        if arr.shape != (d, d) or not np.all(np.isfinite(arr.astype(float))):
            raise ValueError(f"init as a weight matrix must be finite with shape ({d}, {d}), got {arr.shape}")
        return order_from_weights(arr.astype(float))
    if arr.ndim == 1 and arr.shape[0] == d and np.issubdtype(arr.dtype, np.integer) \
            and np.array_equal(np.sort(arr), np.arange(d)):
        return arr.astype(int)
    raise ValueError(f"init must be 'random', an order (a permutation of 0..{d - 1}) or a ({d}, {d}) "
                     f"weight matrix, got {type(init).__name__} of shape {arr.shape}")
