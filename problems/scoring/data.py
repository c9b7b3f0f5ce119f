"""Loaders for the SLIM / checklist data sets (shipped with optlib, see optlib/datasets/DATA.md).

Processed UCI sets from the SLIM reference code: first column the 0/1 outcome, then the
features, one header row. ``heart_raw.csv`` (numeric and categorical columns, outcome
``target``) is the input of training-time binarisation for checklists. Files are looked up in
``$OPTLIB_SCORING_DATA`` (a folder of the CSVs) if set, else by `optlib.datasets` (``data=``,
``$OPTLIB_DATA``/scoring, then the gzipped copies shipped inside optlib).

    X, y, names = load_dataset("breastcancer")          # 683 x 9, y in {0, 1}
    table = load_table("heart_raw")                     # dict column -> numpy array
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from optlib import datasets

DATASETS = datasets.SCORING


def data_dir() -> Path:
    """The folder the CSV files are read from: ``$OPTLIB_SCORING_DATA`` if set, else the folder
    holding breastcancer.csv found by `optlib.datasets` (``$OPTLIB_DATA``/scoring or the shipped one)."""
    env = os.environ.get("OPTLIB_SCORING_DATA")
    if env:
        return Path(env)
    return datasets.scoring_path("breastcancer").parent


def _path(name: str, data: str | os.PathLike | None = None) -> Path:
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a data set name such as 'breastcancer', got {name!r}")
    if name.endswith((".csv", ".csv.gz")):          # an explicit file
        path = Path(name)
        if not path.is_file():
            raise FileNotFoundError(f"data file {name!r} not found")
        return path
    if name not in DATASETS + ("heart_raw",):
        raise ValueError(f"unknown data set {name!r} (known: {', '.join(DATASETS)}, heart_raw)")
    env = os.environ.get("OPTLIB_SCORING_DATA")
    if env and data is None:
        for cand in (Path(env) / f"{name}.csv", Path(env) / f"{name}.csv.gz"):
            if cand.is_file():
                return cand
        raise FileNotFoundError(f"data set {name!r} not found in $OPTLIB_SCORING_DATA={env} "
                                f"(unset it to use the copy shipped with optlib)")
    return datasets.scoring_path(name, data)


def load_dataset(name: str, data: str | os.PathLike | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(X, y, feature_names) of a processed data set: y in {0, 1} (first column), X float.
    `name`: one of DATASETS or a .csv / .csv.gz path; `data`: a folder laid out like OPTLIB_DATA."""
    return datasets.read_scoring_file(_path(name, data))


def load_table(name: str, data: str | os.PathLike | None = None) -> dict[str, np.ndarray]:
    """A CSV as {column: array} (float where every entry parses, str otherwise), in file order."""
    return datasets.read_table_file(_path(name, data))
