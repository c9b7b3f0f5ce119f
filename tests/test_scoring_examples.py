"""The scoring examples run (short time limits) and print what they promise."""
import subprocess
import sys
from pathlib import Path

import pytest

from optlib import datasets

ROOT = Path(__file__).resolve().parents[1]
_NO_DATA = datasets.missing("scoring/breastcancer.csv")       # shipped with optlib; None when found
needs_data = pytest.mark.skipif(_NO_DATA is not None, reason=f"data set breastcancer: {_NO_DATA}")


def run(script: str, *args: str) -> str:
    out = subprocess.run([sys.executable, str(ROOT / "examples" / script), *args], capture_output=True,
                         text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    return out.stdout


@needs_data
def test_slim_example_prints_a_scorecard():
    out = run("scoring_slim.py", "--time-limit", "2")
    assert "points" in out and "predict" in out and "gap" in out
    assert "UniformityOfCellSize" not in out or "UniformityOfCellShape" not in out   # the user constraint


@needs_data
def test_checklist_example_prints_a_checklist():
    out = run("scoring_checklist.py", "--time-limit", "2")
    assert "items hold" in out and "FNR" in out


@needs_data
def test_benchmark_script_runs_small(tmp_path):
    js = tmp_path / "b.json"
    out = run("scoring_benchmark.py", "--datasets", "haberman", "--backends", "highs", "--time-limit", "2",
              "--folds", "2", "--fold-time-limit", "1", "--json", str(js))
    assert "slim:haberman" in out and js.exists()
