"""Random DAGs and structural equation models (SEMs) for benchmarks.

Graphs: Erdos-Renyi (ER-k: expected k*d edges) and scale-free (SF-k: Barabasi-Albert with
k/... attachments per node, edges pointing from the newer node to the older one, so hubs have
many parents), in a random topological order. Weights uniform on [-2, -0.5] u [0.5, 2].
Linear SEM: X_j = X_pa(j) W_pa(j),j + N_j with gauss, exp, gumbel or uniform noise (scale 1);
logistic SEM: X_j ~ Bernoulli(sigmoid(X_pa(j) W_pa(j),j)).
"""
from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np

from ._checks import check_positive_int

GRAPHS = ("ER", "SF")
NOISES = ("gauss", "exp", "gumbel", "uniform", "logistic")


def _rng(random_state: Any) -> np.random.Generator:
    return random_state if isinstance(random_state, np.random.Generator) else np.random.default_rng(random_state)


def simulate_dag(d: int, n_edges: int, graph: str = "ER", random_state: Any = None) -> np.ndarray:
    """A (d, d) 0/1 adjacency matrix B (B[i, j] = 1: edge i -> j) of a random DAG with about n_edges edges."""
    d = check_positive_int(d, "d", minimum=2)
    n_edges = check_positive_int(n_edges, "n_edges", minimum=0)
    if graph not in GRAPHS:
        raise ValueError(f"graph must be one of {GRAPHS}, got {graph!r}")
    rng = _rng(random_state)
    seed = int(rng.integers(2**31 - 1))
    if graph == "ER":
        p = min(1.0, 2.0 * n_edges / (d * (d - 1)))
        und = nx.gnp_random_graph(d, p, seed=seed)
        B = np.zeros((d, d))
        for u, v in und.edges():
            B[min(u, v), max(u, v)] = 1           # oriented along 0 < 1 < ... < d-1
    else:
        m = round(n_edges / d)
        if not 1 <= m < d:
            raise ValueError(f"SF needs 1 <= round(n_edges / d) < d, got n_edges={n_edges}, d={d}")
        und = nx.barabasi_albert_graph(d, m, seed=seed)
        B = np.zeros((d, d))
        for u, v in und.edges():
            B[max(u, v), min(u, v)] = 1           # newer node -> older node: hubs collect parents
    perm = rng.permutation(d)
    return B[np.ix_(perm, perm)]


def simulate_weights(B: np.ndarray, weight_range: tuple[float, float] = (0.5, 2.0),
                     random_state: Any = None) -> np.ndarray:
    """W with W[i, j] uniform on +-[lo, hi] where B[i, j] = 1, else 0."""
    lo, hi = weight_range
    if not 0 <= lo <= hi:
        raise ValueError(f"weight_range must be (lo, hi) with 0 <= lo <= hi, got {weight_range!r}")
    rng = _rng(random_state)
    B = np.asarray(B, dtype=float)
    mag = rng.uniform(lo, hi, size=B.shape)
    sign = rng.choice([-1.0, 1.0], size=B.shape)
    return (B != 0) * mag * sign


def simulate_sem(W: np.ndarray, n: int, noise: str = "gauss", random_state: Any = None) -> np.ndarray:
    """n samples of the SEM with weights W (a DAG) and the given noise ('logistic' for binary data)."""
    n = check_positive_int(n, "n", minimum=1)
    if noise not in NOISES:
        raise ValueError(f"noise must be one of {NOISES}, got {noise!r}")
    W = np.asarray(W, dtype=float)
    d = W.shape[0]
    g = nx.DiGraph(list(zip(*np.nonzero(W))))
    g.add_nodes_from(range(d))
    if not nx.is_directed_acyclic_graph(g):
        raise ValueError("W must be the weight matrix of a DAG")
    rng = _rng(random_state)
    X = np.zeros((n, d))
    for j in nx.topological_sort(g):
        mean = X @ W[:, j]
        if noise == "logistic":
            X[:, j] = rng.binomial(1, 1.0 / (1.0 + np.exp(-mean))).astype(float)
            continue
        eps = {"gauss": lambda: rng.normal(size=n), "exp": lambda: rng.exponential(size=n),
               "gumbel": lambda: rng.gumbel(size=n), "uniform": lambda: rng.uniform(-1.0, 1.0, size=n)}[noise]()
        X[:, j] = mean + eps
    return X


def simulate(n: int, d: int, graph: str = "ER", k: int = 2, noise: str = "gauss",
             weight_range: tuple[float, float] = (0.5, 2.0), random_state: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """(X, W_true): n samples of a linear (or logistic, noise='logistic') SEM on a random graph-k DAG."""
    rng = _rng(random_state)
    B = simulate_dag(d, int(k) * int(d), graph, rng)
    W = simulate_weights(B, weight_range, rng)
    return simulate_sem(W, n, noise, rng), W
