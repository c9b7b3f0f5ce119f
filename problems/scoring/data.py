"""Loaders for the SLIM / checklist data sets shipped in ``../shared/data/scoring``.

Processed UCI sets from the SLIM reference code: first column the 0/1 outcome, then the
features, one header row. ``heart_raw.csv`` (numeric and categorical columns, outcome
``target``) is the input of training-time binarisation for checklists.

    X, y, names = load_dataset("breastcancer")          # 683 x 9, y in {0, 1}
    table = load_table("heart_raw")                     # dict column -> numpy array
"""
from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np

DATASETS = ("adult", "bankruptcy", "breastcancer", "haberman", "heart", "mammo", "mushroom", "spambase")


def data_dir() -> Path:
    """The folder holding the CSV files: ``$OPTLIB_SCORING_DATA`` or ``<repo>/../shared/data/scoring``."""
    env = os.environ.get("OPTLIB_SCORING_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "shared" / "data" / "scoring"


def _path(name: str) -> Path:
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a data set name such as 'breastcancer', got {name!r}")
    path = Path(name)
    if path.suffix != ".csv":
        path = data_dir() / f"{name}.csv"
    if not path.exists():
        raise FileNotFoundError(f"data set {name!r} not found at {path} "
                                f"(known: {', '.join(DATASETS)}, heart_raw)")
    return path


def load_dataset(name: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(X, y, feature_names) of a processed data set: y in {0, 1} (first column), X float."""
    path = _path(name)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], [r for r in rows[1:] if r]
    data = np.asarray(body, dtype=float)
    y = data[:, 0]
    if not np.all(np.isin(y, (0.0, 1.0))):
        raise ValueError(f"{path}: the first column must be a 0/1 outcome")
    return data[:, 1:], y.astype(int), [h.strip() for h in header[1:]]


def load_table(name: str) -> dict[str, np.ndarray]:
    """A CSV as {column: array} (float where every entry parses, str otherwise), in file order."""
    path = _path(name)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], [r for r in rows[1:] if r]
    out: dict[str, np.ndarray] = {}
    for j, col in enumerate(header):
        vals = [r[j] for r in body]
        try:
            out[col.strip()] = np.asarray(vals, dtype=float)
        except ValueError:
            out[col.strip()] = np.asarray(vals, dtype=object)
    return out
