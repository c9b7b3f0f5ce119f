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


def records(path) -> list:
    import json

    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_benchmark_quick_is_the_suite(tmp_path):
    """--quick: the scoring suite's synthetic instances; every method proves the same optimum."""
    js = tmp_path / "q.jsonl"
    out = run("scoring_benchmark.py", "--quick", "--backends", "highs", "--json", str(js), "--no-progress")
    recs = records(js)
    assert len(recs) == 12 and {r["suite"] for r in recs} == {"scoring"}
    assert sorted({r["method"] for r in recs}) == ["MIP-plain", "SLIM-mip", "SLIM-support"]
    for r in recs:
        assert r["status"] == "OPTIMAL" and r["verified"], r
        assert r["baseline"] is not None and abs(r["objective"] - r["baseline"]) <= 1e-6 * max(1, abs(r["baseline"]))
    assert "scoring  SLIM-support  highs       4       4" in out       # the summary: 4 runs, 4 solved


@needs_data
def test_benchmark_script_runs_small(tmp_path):
    """A UCI set of the paper set with a short limit: the support decomposition proves the optimum,
    the one-IP fit can only be above it (its bound below), and --folds adds the test error."""
    js = tmp_path / "b.jsonl"
    out = run("scoring_benchmark.py", "--datasets", "haberman", "--backends", "highs", "--time-limit", "2",
              "--folds", "2", "--fold-time-limit", "1", "--json", str(js), "--no-progress")
    recs = {r["method"]: r for r in records(js)}
    assert set(recs) == {"SLIM-mip", "SLIM-support"}
    opt = recs["SLIM-support"]
    assert opt["status"] == "OPTIMAL" and opt["verified"] and opt["instance"] == "slim-haberman"
    mip = recs["SLIM-mip"]
    assert mip["options"]["time_limit"] == 2.0
    assert mip["objective"] >= opt["objective"] - 1e-6 and mip["bound"] <= opt["objective"] + 1e-6
    assert "slim-haberman  SLIM-support" in out
    line = next(ln for ln in out.splitlines() if ln.startswith("slim:haberman on highs: test error"))
    assert 0 <= float(line.split("test error")[1].split("%")[0]) <= 100
