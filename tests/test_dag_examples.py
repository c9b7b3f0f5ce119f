"""The problems.dag example scripts run and print what they promise (small settings)."""
import json
import subprocess
import sys
import textwrap
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run(script: str, *args: str) -> str:
    proc = subprocess.run([sys.executable, str(EXAMPLES / script), *args], capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_dag_topo_example():
    out = run("dag_topo.py", "--d", "12")
    assert "TOPO d=12" in out and "exact optimum" in out and "constrained:" in out and "refined by TOPO" in out


def check_topo_against_exact(recs: list[dict]) -> None:
    """ExactDAG proves the optimum of F(W) over all DAGs: TOPO can reach it, never go below it."""
    exact = {(r["instance"], r["seed"]): r for r in recs if r["method"] == "ExactDAG"}
    topo = [r for r in recs if r["method"] == "TOPO"]
    assert exact and topo and len(topo) == len(exact)
    for r in topo:
        e = exact[(r["instance"], r["seed"])]
        assert e["status"] == "OPTIMAL" and e["verified"] and e["objective"] == e["baseline"]
        assert r["baseline"] == e["objective"]
        assert e["objective"] * (1 - 1e-9) <= r["objective"] <= e["objective"] * (1 + 1e-3), (r, e)


def test_dag_benchmark_is_the_suite(tmp_path):
    js = tmp_path / "dag.jsonl"
    out = run("dag_benchmark.py", "--quick", "--d", "8", "--graphs", "ER2", "--json", str(js), "--no-progress")
    recs = records(js)
    assert sorted({r["method"] for r in recs}) == ["ExactDAG", "NOTEARS", "TOPO"]
    assert {r["suite"] for r in recs} == {"dag"} and {r["seed"] for r in recs} == {0, 1}
    assert all(r["options"]["d"] == 8 and r["options"]["graph"] == "ER2" for r in recs)
    check_topo_against_exact(recs)
    summary = out.split("obj / baseline")[-1]          # the summary table of optlib bench report
    for method in ("ExactDAG", "NOTEARS", "TOPO"):
        assert f"dag    {method}" in summary
    assert "ER2-d8-n500  TOPO" in out                  # the per-run table


def test_dag_benchmark_rejects_a_size_outside_the_set():
    proc = subprocess.run([sys.executable, str(EXAMPLES / "dag_benchmark.py"), "--quick", "--d", "50"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "--d 50" in proc.stderr and "8 10" in proc.stderr


def test_dag_benchmark_reference_study(tmp_path):
    """--reference runs a TOPO_linear from a checkout on the same data; a stand-in module here
    (least squares along the given order) whose score is known from the instance."""
    ref = tmp_path / "TOPO"
    ref.mkdir()
    (ref / "topo_utils.py").write_text("")
    (ref / "Topo_linear.py").write_text(textwrap.dedent("""
        import numpy as np
        X = None
        class TOPO_linear:
            def __init__(self, score, regress):
                self.regress = regress
            def fit(self, X, topo, no_large_search, size_small, size_large):
                W = np.zeros((X.shape[1], X.shape[1]))
                for i, j in enumerate(topo):
                    if i:
                        W[list(topo[:i]), j] = self.regress(X[:, list(topo[:i])], X[:, j])
                return W, None
        """))
    js = tmp_path / "dag.jsonl"
    out = run("dag_benchmark.py", "--quick", "--d", "8", "--graphs", "ER2", "--methods", "TOPO", "ExactDAG",
              "--reference", str(ref), "--json", str(js), "--no-progress")
    recs = records(js)
    check_topo_against_exact(recs)
    refs = [r for r in recs if r["method"] == "reference-TOPO"]
    assert len(refs) == 2
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import numpy as np

    from problems.dag.score import l2_score
    from problems.dag.suite import instance

    for r in refs:
        X, _, order = instance("ER2", 8, 500, r["seed"])
        W = np.zeros((8, 8))
        for i, j in enumerate(order):
            if i:
                W[order[:i], j] = np.linalg.lstsq(X[:, order[:i]], X[:, j], rcond=None)[0]
        assert abs(r["objective"] - l2_score(X, W)) <= 1e-9 * l2_score(X, W)
        assert r["objective"] >= r["baseline"] * (1 - 1e-9)
    assert "TOPO vs reference-TOPO on 2 runs" in out and "dag    reference-TOPO" in out
