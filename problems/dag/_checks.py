"""Input checks shared by the DAG learners: data matrices and edge constraints."""
from __future__ import annotations

import numbers
import warnings
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

LOSSES = ("l2", "logistic")


def check_data(X: Any, name: str = "X", min_samples: int = 2, min_features: int = 2) -> np.ndarray:
    """X as a float (n, d) array. TypeError for sparse or non-numeric input; ValueError for complex
    data, NaN/inf, n < 2 or d < 2 (the messages also use scikit-learn's wording)."""
    if X is None:
        raise TypeError(f"{name} must be a 2-d numeric array, got None")
    if sp.issparse(X):
        raise TypeError(f"{name} is a scipy sparse matrix: sparse input is not supported, pass a dense array "
                        f"({name}.toarray())")
    try:
        raw = np.asarray(X)
        if np.iscomplexobj(raw):
            raise ValueError(f"Complex data not supported: {name} has complex entries (pass its real part "
                             "explicitly if that is meant)")
        arr = raw.astype(float)
    except (TypeError, ValueError) as err:
        if str(err).startswith("Complex data"):
            raise
        raise TypeError(f"{name} must be a 2-d numeric array, got {type(X).__name__} ({err})") from None
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-d (n samples x d variables), got shape {arr.shape}")
    n, d = arr.shape
    if n < min_samples:
        raise ValueError(f"{name} must have at least {min_samples} rows (samples): found array with {n} sample(s) "
                         f"(shape={arr.shape}) while a minimum of {min_samples} is required (n_samples={n})")
    if d < min_features:
        raise ValueError(f"{name} must have at least {min_features} columns (variables): found array with {d} "
                         f"feature(s) (shape={arr.shape}) while a minimum of {min_features} is required "
                         f"(n_features={d})")
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(f"{name} contains NaN or inf (first at row {bad[0]}, column {bad[1]})")
    return arr


def constant_columns(X: np.ndarray, name: str = "X") -> np.ndarray:
    """Boolean mask of constant columns, with a warning naming them (they get no edges)."""
    mask = np.ptp(X, axis=0) == 0
    if mask.any():
        cols = np.flatnonzero(mask).tolist()
        warnings.warn(f"{name} has constant columns {cols}: they are left out of the search and get no "
                      "edges in or out", UserWarning, stacklevel=3)
    return mask


def check_loss(loss: Any) -> str:
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    return loss


def check_binary(X: np.ndarray, loss: str) -> None:
    if loss == "logistic" and not np.all((X == 0) | (X == 1)):
        raise ValueError("loss='logistic' needs X with entries in {0, 1} (a logistic SEM); got other values")


def check_positive_int(value: Any, name: str, allow_none: bool = False, minimum: int = 1) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def edge_matrix(edges: Any, d: int, name: str) -> np.ndarray:
    """A (d, d) boolean matrix from None, a boolean/0-1 matrix, or pairs (i, j) meaning i -> j."""
    out = np.zeros((d, d), dtype=bool)
    if edges is None:
        return out
    arr = np.asarray(edges) if not isinstance(edges, (set, frozenset)) else np.asarray(sorted(edges))
    if arr.ndim == 2 and arr.shape == (d, d) and d != 2 and arr.dtype != object:
        if not np.all((arr == 0) | (arr == 1)):
            raise ValueError(f"{name} as a matrix must hold 0/1 or booleans, got other values")
        out = arr.astype(bool)
    elif arr.dtype == bool and arr.shape == (d, d):
        out = arr.copy()
    else:
        pairs = list(edges)
        for p in pairs:
            if (not isinstance(p, (tuple, list, np.ndarray)) or len(p) != 2
                    or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in p)):
                raise ValueError(f"{name} must be a (d, d) boolean matrix or pairs (i, j) of node indices, "
                                 f"got element {p!r}")
            i, j = int(p[0]), int(p[1])
            if not (0 <= i < d and 0 <= j < d):
                raise ValueError(f"{name} has edge ({i}, {j}) outside the {d} nodes")
            out[i, j] = True
    if np.any(np.diag(out)):
        raise ValueError(f"{name} has a self-loop ({int(np.flatnonzero(np.diag(out))[0])}, same)")
    return out


def check_constraints(forbidden: Any, required: Any, signs: Any, d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(forbidden, required, signs) as (d, d) arrays; required must be acyclic and disjoint from forbidden."""
    forb = edge_matrix(forbidden, d, "forbidden")
    req = edge_matrix(required, d, "required")
    if req.any():
        g = nx.DiGraph(list(zip(*np.nonzero(req))))
        if not nx.is_directed_acyclic_graph(g):
            cycle = [int(u) for u, _ in nx.find_cycle(g)]
            raise ValueError(f"required edges contain a cycle through nodes {cycle}")
    both = forb & req
    if both.any():
        i, j = np.argwhere(both)[0]
        raise ValueError(f"edge ({i}, {j}) is both required and forbidden")
    sg = np.zeros((d, d))
    if signs is not None:
        if isinstance(signs, dict):
            for key, s in signs.items():
                i, j = key
                if not (0 <= i < d and 0 <= j < d) or i == j:
                    raise ValueError(f"signs has an invalid edge {key!r} for {d} nodes")
                sg[i, j] = s
        else:
            sg = np.asarray(signs, dtype=float)
            if sg.shape != (d, d):
                raise ValueError(f"signs must be a ({d}, {d}) array or a dict {{(i, j): +1 or -1}}, "
                                 f"got shape {sg.shape}")
        if not np.all(np.isin(sg, (-1.0, 0.0, 1.0))):
            raise ValueError("signs entries must be -1 (weight <= 0), +1 (weight >= 0) or 0 (free)")
        if np.any(np.diag(sg) != 0):
            raise ValueError("signs must be 0 on the diagonal (no self-loops)")
    return forb, req, sg
