"""Where each data folder comes from: its source repository, licence and what optlib ships of it.

A folder's files are found under an explicit `data=DIR`, then under `$OPTLIB_DATA`, then among
the files shipped inside the package (see DATA.md); the source is named when a file is missing.
"""
from __future__ import annotations

from dataclasses import dataclass

#: the environment variable naming a folder laid out like the shipped data (scoring/, mps/, ...)
ENV_VAR = "OPTLIB_DATA"


@dataclass(frozen=True)
class Source:
    """One data folder: what it holds, where to get it, its licence and what optlib ships."""

    folder: str
    what: str
    url: str
    license: str
    shipped: str


SOURCES: dict[str, Source] = {s.folder: s for s in (
    Source("scoring", "UCI binary classification sets as processed for SLIM (first column the 0/1 "
           "outcome); heart_raw.csv is the UCI heart data of the predictive-checklists code",
           "https://github.com/ustunb/slim-python (data/*_processed.csv); heart_raw.csv: "
           "https://github.com/MLforHealth/predictive_checklists (examples/data/heart.csv)",
           "CC BY 4.0, UCI Machine Learning Repository", "all nine files, gzipped"),
    Source("mps", "SLIM integer programs on breastcancer submitted to MIPLIB 2017",
           "https://github.com/ustunb/miplib2017-slim", "BSD-3-Clause", "the three slim_*.mps, gzipped"),
    Source("networks", "trained ReLU networks of the LipSDP paper (MATLAB, key 'weights')",
           "https://github.com/arobey1/LipSDP", "MIT", "both .mat files, gzipped"),
    Source("tensors", "the order-22 mushroom tensor of the Tucker core-shape paper's code",
           "https://github.com/fahrbach/approximately-optimal-core-shapes", "MIT", "mushroom.csv, gzipped"),
    Source("robust", "the 504 two-stage robust knapsack instances of Arslan & Detienne (RKP_*) and "
           "their branch-and-price results",
           "https://github.com/borisdetienne/RobustDecomposition", "MIT",
           "44 of the 504 instances (6 per size n = 20..80 and the ones the tests name) and the "
           "branch-and-price results, gzipped; the rest from OPTLIB_DATA"),
)}

#: files known to exist upstream but not shipped (licence not stated as MIT / BSD-3 / CC BY 4.0)
NOT_SHIPPED: dict[str, str] = {
    "robust/knapsack_neur2ro_reference.csv":
        "objectives and times of the Neur2RO paper's runs, read from the result files of "
        "https://github.com/khalil-research/Neur2RO",
}


def source_of(relpath: str) -> str:
    """A sentence naming where the file `relpath` (e.g. 'scoring/adult.csv') comes from."""
    if relpath in NOT_SHIPPED:
        return NOT_SHIPPED[relpath]
    src = SOURCES.get(relpath.split("/", 1)[0])
    if src is None:
        return "no known source (not one of optlib's data folders: " + ", ".join(sorted(SOURCES)) + ")"
    return f"{src.what}: {src.url} ({src.license})"
