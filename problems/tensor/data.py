"""Tensors in and out: validation, a sparse COO tensor, loaders and generators.

`SparseTensor(coords, values, shape)` is an order-N tensor stored by its nonzeros
(coords: nnz x N integer array, 0-based); duplicates are summed, as in scipy's COO.
`as_tensor` accepts a numpy array, a SparseTensor, a `(coords, values, shape)` tuple or
any object with `.coords`, `.data` and `.shape` (pydata `sparse.COO`, scipy's n-D
`coo_array`) and checks it (real, no NaN/inf, no mode of size 0, order >= 2, not all zero).
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MUSHROOM_SHAPE = (6, 4, 10, 2, 9, 2, 2, 2, 12, 2, 5, 4, 4, 9, 9, 1, 4, 3, 5, 9, 6, 7)


@dataclass(frozen=True, eq=False)
class SparseTensor:
    """A sparse order-N tensor: X[coords[k]] = values[k] (duplicates summed), zero elsewhere."""

    coords: np.ndarray       # (nnz, N) int64, 0-based, unique rows
    values: np.ndarray       # (nnz,) float64
    shape: tuple[int, ...]

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def nnz(self) -> int:
        return int(self.values.size)

    @property
    def size(self) -> int:
        """Number of entries of the dense tensor (a Python int: it may exceed 2**63)."""
        return math.prod(self.shape)

    def norm_sq(self) -> float:
        return float(self.values @ self.values)

    def todense(self) -> np.ndarray:
        """The dense array (only for small tensors: raises when it would exceed 10^8 entries)."""
        if self.size > 10 ** 8:
            raise ValueError(f"refusing to densify a tensor of {self.size} entries (shape {self.shape})")
        out = np.zeros(self.shape)
        np.add.at(out, tuple(self.coords.T), self.values)
        return out

    def __repr__(self) -> str:
        return f"SparseTensor(shape={self.shape}, nnz={self.nnz})"


def _check_shape(shape: Any, what: str = "tensor") -> tuple[int, ...]:
    try:
        dims = tuple(shape)
    except TypeError:
        raise TypeError(f"{what}: shape must be a tuple of positive integers, got {shape!r}") from None
    for i, d in enumerate(dims):
        if isinstance(d, bool) or not isinstance(d, numbers.Integral):
            raise TypeError(f"{what}: mode {i} has a non-integer size {d!r}")
        if d <= 0:
            raise ValueError(f"{what}: mode {i} has size {d}; every mode must have size >= 1")
    if len(dims) < 2:
        raise ValueError(f"{what}: a Tucker decomposition needs an order >= 2 tensor, got shape {dims}")
    return tuple(int(d) for d in dims)


def sparse_tensor(coords: Any, values: Any, shape: Any) -> SparseTensor:
    """A checked SparseTensor; `coords` is (nnz, N) or (N, nnz) (the pydata layout)."""
    shape = _check_shape(shape, "sparse tensor")
    c = np.asarray(coords)
    if np.iscomplexobj(values):
        raise ValueError("sparse tensor: complex values are not supported (the singular values are of real tensors)")
    v = np.asarray(values, dtype=float).ravel()
    if c.ndim != 2:
        raise ValueError(f"sparse tensor: coords must be a 2-D integer array, got {c.ndim} dimensions")
    if c.shape[1] != len(shape) and c.shape[0] == len(shape):
        c = c.T
    if c.shape != (v.size, len(shape)):
        raise ValueError(f"sparse tensor: coords of shape {c.shape} do not match {v.size} values "
                         f"of an order-{len(shape)} tensor")
    if c.size and not np.issubdtype(c.dtype, np.integer) and (
            not np.all(np.isfinite(c)) or np.any(c != np.round(c))):
        raise ValueError("sparse tensor: coords must be integers")
    c = c.astype(np.int64)
    if not np.all(np.isfinite(v)):
        raise ValueError("sparse tensor: values contain NaN or inf")
    if c.size and (c.min() < 0 or np.any(c.max(axis=0) >= np.array(shape))):
        bad = int(np.flatnonzero((c < 0).any(axis=0) | (c.max(axis=0) >= np.array(shape)))[0])
        raise ValueError(f"sparse tensor: a coordinate of mode {bad} is outside [0, {shape[bad]})")
    if v.size:
        uniq, inv = np.unique(c, axis=0, return_inverse=True)
        if uniq.shape[0] < c.shape[0]:                   # sum duplicates
            c, v = uniq, np.bincount(inv.ravel(), weights=v, minlength=uniq.shape[0])
        keep = v != 0
        c, v = c[keep], v[keep]
    return SparseTensor(np.ascontiguousarray(c), np.ascontiguousarray(v), shape)


def _is_coo_triple(obj: Any) -> bool:
    return (isinstance(obj, tuple) and len(obj) == 3 and isinstance(obj[2], (tuple, list))
            and all(isinstance(d, numbers.Integral) for d in obj[2])
            and np.ndim(obj[0]) == 2 and np.ndim(obj[1]) == 1)


def as_tensor(tensor: Any) -> np.ndarray | SparseTensor:
    """A float64 numpy array or a SparseTensor, checked (see the module docstring)."""
    if isinstance(tensor, SparseTensor):
        out = tensor
    elif _is_coo_triple(tensor):
        out = sparse_tensor(*tensor)
    elif hasattr(tensor, "coords") and hasattr(tensor, "data") and hasattr(tensor, "shape"):
        coords = tensor.coords
        coords = np.vstack(coords) if isinstance(coords, tuple) else np.asarray(coords)
        out = sparse_tensor(coords, np.asarray(tensor.data), tensor.shape)
    else:
        try:
            arr = np.asarray(tensor)
        except Exception as exc:
            raise TypeError(f"tensor must be a numpy array or a sparse COO tensor, got {type(tensor).__name__}") from exc
        if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
            raise TypeError(f"tensor must be numeric, got dtype {arr.dtype}")
        if np.iscomplexobj(arr):
            raise ValueError("tensor: complex data not supported (core shapes are defined for real tensors); "
                             "pass its real part explicitly if that is meant")
        _check_shape(arr.shape)
        arr = np.asarray(arr, dtype=float)
        if not np.all(np.isfinite(arr)):
            raise ValueError("tensor contains NaN or inf entries")
        out = arr
    norm = out.norm_sq() if isinstance(out, SparseTensor) else float(np.vdot(out, out))
    if norm == 0.0:
        raise ValueError("tensor is all zeros: relative errors are undefined")
    return out


def load_mushroom(path: str | Path | None = None) -> SparseTensor:
    """The order-22 mushroom tensor of the core-shape paper's code from its CSV (plain or .gz).

    Each row is `class, c_1, ..., c_22` (codes from 1): one entry at (c_1-1, ..., c_22-1)
    of value +1 (class 2) or -1 (class 1); mode sizes are the numbers of distinct codes.
    `path=None`: the copy shipped with optlib (optlib.datasets.mushroom_tensor_path).
    """
    if path is None:
        from optlib import datasets

        path = datasets.mushroom_tensor_path()
    if not Path(path).is_file():
        raise FileNotFoundError(f"mushroom tensor file not found: {path}")
    data = np.loadtxt(Path(path), delimiter=",", dtype=np.int64, ndmin=2)
    if data.shape[1] < 3:
        raise ValueError(f"{path}: expected a class column and >= 2 coordinate columns")
    coords = data[:, 1:] - 1
    shape = tuple(len(np.unique(data[:, j])) for j in range(1, data.shape[1]))
    if np.any(coords.max(axis=0) >= np.array(shape)):
        raise ValueError(f"{path}: codes are not contiguous 1..k in every column")
    values = 2.0 * (data[:, 0] - 1.5)
    return sparse_tensor(coords, values, shape)


def random_tucker(shape: tuple[int, ...], ranks: tuple[int, ...], noise: float = 0.0,
                  seed: int | None = 0) -> np.ndarray:
    """G x_1 U_1 ... x_N U_N with Gaussian core, orthonormal U_n, plus `noise` * ||X|| / sqrt(size) Gaussian noise."""
    shape = _check_shape(shape, "random_tucker")
    if len(ranks) != len(shape) or any(not 1 <= r <= i for r, i in zip(ranks, shape)):
        raise ValueError(f"random_tucker: ranks {ranks} must satisfy 1 <= R_n <= I_n for shape {shape}")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal(tuple(ranks))
    for n, (i, r) in enumerate(zip(shape, ranks)):
        U, _ = np.linalg.qr(rng.standard_normal((i, r)))
        X = np.moveaxis(np.tensordot(U, X, axes=(1, n)), 0, n)
    if noise:
        E = rng.standard_normal(shape)
        X = X + noise * np.linalg.norm(X) / np.linalg.norm(E) * E
    return X


def video_tensor(frames: int = 48, height: int = 60, width: int = 80, seed: int | None = 0) -> np.ndarray:
    """A video-like (frames, height, width, 3) tensor: a static textured background, two
    moving Gaussian blobs of different colours, a slow global brightness drift and noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width] / max(height, width)
    background = 0.5 + 0.2 * np.sin(9 * x) * np.cos(7 * y) + 0.05 * rng.standard_normal((height, width))
    colours = np.array([[1.0, 0.3, 0.2], [0.2, 0.4, 1.0]])
    video = np.empty((frames, height, width, 3))
    for t in range(frames):
        s = t / max(frames - 1, 1)
        frame = background[:, :, None] * np.array([0.9, 1.0, 0.8]) * (1 + 0.1 * np.sin(2 * np.pi * s))
        for k, (cx, cy) in enumerate(((0.1 + 0.8 * s, 0.3), (0.7, 0.2 + 0.5 * s))):
            blob = np.exp(-((x - cx * width / max(height, width)) ** 2 + (y - cy * height / max(height, width)) ** 2) / 0.004)
            frame = frame + blob[:, :, None] * colours[k]
        video[t] = frame
    return video + 0.01 * rng.standard_normal(video.shape)


def sample_images() -> dict[str, np.ndarray]:
    """scikit-learn's two colour sample images (427 x 640 x 3, scaled to [0, 1])."""
    from sklearn.datasets import load_sample_images

    bunch = load_sample_images()
    return {Path(f).stem: img.astype(float) / 255.0 for f, img in zip(bunch.filenames, bunch.images)}
