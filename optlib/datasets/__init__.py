"""Small public data sets shipped inside the package (sources and licences in DATA.md)."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

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
