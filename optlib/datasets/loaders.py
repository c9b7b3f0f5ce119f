"""Loaders of the data sets the methods' examples, tests and quick suites use (see DATA.md).

Each takes `data=DIR` (a folder laid out like the shipped data: scoring/, mps/, networks/,
tensors/, robust/) searched before $OPTLIB_DATA and the shipped files; a missing file raises
`DataNotFoundError` naming the variable and the source.

    X, y, names = load_scoring("breastcancer")        # 683 x 9, y in {0, 1}
    path = slim_mps("max_5_features")                 # .mps.gz readable by optlib.io.read
    weights = lipsdp_weights("random")                # [W_1, ..., W_L] of the 2-10-30-20-2 net
    files = knapsack_files(n=20)                      # RKP_* instance files
"""
from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import numpy as np

from .files import data_folder, data_path, open_text, plain_name, read_bytes

PathLike = str | os.PathLike
SCORING = ("adult", "bankruptcy", "breastcancer", "haberman", "heart", "mammo", "mushroom", "spambase")
SLIM_TASKS = ("max_5_features", "regularized", "best")
NETWORKS = {"random": "lipsdp_random_weights.mat", "mnist": "lipsdp_mnist_weights.mat"}
_RKP = re.compile(r"RKP_[A-Z]+_n(?P<n>\d+)_R\d+_H\d+_h\d+_dev[\d.]+_d[\d.]+(\.gz)?$")


def _read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with open_text(path) as fh:
        rows = [r for r in csv.reader(fh)]
    if not rows:
        raise ValueError(f"{path}: empty file (expected a header row)")
    return [h.strip() for h in rows[0]], [r for r in rows[1:] if r]


def scoring_path(name: str, data: PathLike | None = None) -> Path:
    """The file of a scoring data set: one of SCORING or 'heart_raw'."""
    if not isinstance(name, str) or name not in SCORING + ("heart_raw",):
        raise ValueError(f"name must be one of {', '.join(SCORING)}, heart_raw; got {name!r}")
    return data_path(f"scoring/{name}.csv", data)


def read_scoring_file(path: PathLike) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(X, y, feature_names) of a processed CSV (plain or .gz): first column the 0/1 outcome."""
    header, body = _read_csv(Path(path))
    try:
        values = np.asarray(body, dtype=float)
    except ValueError as exc:
        raise ValueError(f"{path}: every entry must be a number ({exc})") from None
    if values.ndim != 2 or values.shape[1] < 2:
        raise ValueError(f"{path}: expected an outcome column and at least one feature column")
    y = values[:, 0]
    if not np.all(np.isin(y, (0.0, 1.0))):
        bad = int(np.flatnonzero(~np.isin(y, (0.0, 1.0)))[0])
        raise ValueError(f"{path}: line {bad + 2}: the first column must be a 0/1 outcome, got {y[bad]!r}")
    return values[:, 1:], y.astype(int), header[1:]


def load_scoring(name: str, data: PathLike | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(X, y, feature_names) of a SLIM data set (`name` in SCORING): y in {0, 1}, X float."""
    if name == "heart_raw":
        raise ValueError("heart_raw has categorical columns and the outcome last: use scoring_table('heart_raw')")
    return read_scoring_file(scoring_path(name, data))


def read_table_file(path: PathLike) -> dict[str, np.ndarray]:
    """A CSV (plain or .gz) as {column: array}: float where every entry parses, object otherwise."""
    header, body = _read_csv(Path(path))
    for i, r in enumerate(body):
        if len(r) != len(header):
            raise ValueError(f"{path}: line {i + 2} has {len(r)} fields, the header {len(header)}")
    out: dict[str, np.ndarray] = {}
    for j, col in enumerate(header):
        vals = [r[j] for r in body]
        try:
            out[col] = np.asarray(vals, dtype=float)
        except ValueError:
            out[col] = np.asarray(vals, dtype=object)
    return out


def scoring_table(name: str, data: PathLike | None = None) -> dict[str, np.ndarray]:
    """A scoring CSV as {column: array} (e.g. 'heart_raw': 303 rows, outcome column 'target')."""
    return read_table_file(scoring_path(name, data))


def slim_mps(task: str = "max_5_features", data: PathLike | None = None) -> Path:
    """The MIPLIB 2017 SLIM program on breastcancer for `task` in SLIM_TASKS (an .mps or .mps.gz)."""
    if task not in SLIM_TASKS:
        raise ValueError(f"task must be one of {', '.join(SLIM_TASKS)}, got {task!r}")
    return data_path(f"mps/slim_breastcancer_{task}.mps", data)


def network_path(name: str = "random", data: PathLike | None = None) -> Path:
    """The LipSDP network file: 'random' (2-10-30-20-2) or 'mnist' (784-50-10)."""
    if name not in NETWORKS:
        raise ValueError(f"name must be one of {', '.join(NETWORKS)}, got {name!r}")
    return data_path(f"networks/{NETWORKS[name]}", data)


def read_mat_weights(path: PathLike) -> list[np.ndarray]:
    """The weight matrices of a LipSDP MATLAB file (plain or .gz) with a 1 x L cell `weights`."""
    from scipy.io import loadmat

    mat = loadmat(io.BytesIO(read_bytes(path)))
    if "weights" not in mat:
        keys = sorted(k for k in mat if not k.startswith("__"))
        raise ValueError(f"{path} has no 'weights' entry (keys: {keys})")
    return [np.asarray(W, dtype=float) for W in np.asarray(mat["weights"]).ravel()]


def lipsdp_weights(name: str = "random", data: PathLike | None = None) -> list[np.ndarray]:
    """The weight matrices W_k (n_{k+1} x n_k) of a LipSDP network ('random' or 'mnist')."""
    return read_mat_weights(network_path(name, data))


def knapsack_dir(data: PathLike | None = None) -> Path:
    """The folder of RKP_* robust knapsack instances (the shipped 44, or all 504 under OPTLIB_DATA)."""
    return data_folder("robust/knapsack", data)


def knapsack_files(n: int | list[int] | None = None, data: PathLike | None = None) -> list[Path]:
    """The RKP_* instance files (optionally only sizes `n`), sorted by name."""
    sizes = None if n is None else ({n} if isinstance(n, int) else set(n))
    files = [p for p in sorted(knapsack_dir(data).iterdir()) if _RKP.match(p.name)]
    return [p for p in files if sizes is None or int(_RKP.match(p.name).group("n")) in sizes]


def knapsack_instance(name: str, data: PathLike | None = None) -> Path:
    """The file of one RKP instance by its name, e.g. 'RKP_ASC_n20_R1000_H100_h40_dev0.15_d0.1'."""
    if not isinstance(name, str) or not _RKP.match(name):
        raise ValueError(f"name must be an RKP_* instance name, got {name!r}")
    return data_path(f"robust/knapsack/{plain_name(name)}", data)


def knapsack_results(data: PathLike | None = None) -> dict[str, dict[str, str]]:
    """The published branch-and-price results, keyed by instance name (columns as in the file:
    'Time', 'Best primal bound', 'Solved to optimality', ...)."""
    path = data_path("robust/knapsack_branch_and_price_results.csv", data)
    with open_text(path) as fh:
        return {r["File name"]: r for r in csv.DictReader(fh)}


def mushroom_tensor_path(data: PathLike | None = None) -> Path:
    """The CSV of the order-22 mushroom tensor (rows: class, then 22 codes from 1)."""
    return data_path("tensors/mushroom.csv", data)


def mushroom_entries(data: PathLike | None = None) -> np.ndarray:
    """The mushroom tensor's rows as an 8124 x 23 integer array (class, 22 codes from 1)."""
    return np.loadtxt(mushroom_tensor_path(data), delimiter=",", dtype=np.int64, ndmin=2)
