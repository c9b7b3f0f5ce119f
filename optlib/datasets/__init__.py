"""Small public data sets shipped inside the package (sources and licences in DATA.md).

Larger sets are read from `$OPTLIB_DATA` (or `data=DIR`), a folder laid out like the shipped
one (scoring/, mps/, networks/, tensors/, robust/); a missing file raises DataNotFoundError
naming the variable and where to download it.

    X, y, names = optlib.datasets.load_scoring("breastcancer")
    optlib.datasets.slim_mps("max_5_features")        # path of a gzipped MPS file
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from .catalog import ENV_VAR, SOURCES, source_of
from .files import DataNotFoundError, data_folder, data_path, missing, open_text, plain_name, read_bytes
from .loaders import (NETWORKS, SCORING, SLIM_TASKS, knapsack_dir, knapsack_files, knapsack_instance,
                      knapsack_results, lipsdp_weights, load_scoring, mushroom_entries, mushroom_tensor_path,
                      network_path, read_mat_weights, read_scoring_file, read_table_file, scoring_path,
                      scoring_table, slim_mps)

__all__ = ["ENV_VAR", "SOURCES", "DataNotFoundError", "Instance", "NETWORKS", "SCORING", "SLIM_TASKS",
           "data_folder", "data_path", "highs_check", "missing", "knapsack_dir", "knapsack_files", "knapsack_instance",
           "knapsack_results", "lipsdp_weights", "load_scoring", "mushroom_entries", "mushroom_tensor_path",
           "network_path", "open_text", "plain_name", "read_bytes", "read_mat_weights", "read_scoring_file",
           "read_table_file", "scoring_path", "scoring_table", "slim_mps", "source_of"]

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Instance:
    """One public test instance: its file, class (LP / MIP), the expected outcome ('optimal',
    'infeasible' or 'invalid ...'), the asserted optimum (None when not asserted), its sense
    and where the optimum is asserted."""

    path: Path
    problem_class: str
    expected: str
    optimum: float | None
    sense: str
    source: str

    @property
    def name(self) -> str:
        return self.path.name.split(".")[0]


def highs_check() -> list[Instance]:
    """The HiGHS test instances with the answers HiGHS's own tests assert (see DATA.md)."""
    folder = HERE / "highs_check"
    out = []
    with open(folder / "known.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out.append(Instance(path=folder / (row["file"] + ".gz"), problem_class=row["class"],
                                expected=row["expected"],
                                optimum=float(row["optimum"]) if row["optimum"] else None,
                                sense=row["sense"] or "minimize",
                                source=row["where the value is asserted (HiGHS repository check/)"]))
    return out
