"""The problems.dag example scripts run and print what they promise (small settings)."""
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run(script: str, *args: str) -> str:
    proc = subprocess.run([sys.executable, str(EXAMPLES / script), *args], capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_dag_topo_example():
    out = run("dag_topo.py", "--d", "12")
    assert "TOPO d=12" in out and "exact optimum" in out and "constrained:" in out and "refined by TOPO" in out


def test_dag_benchmark_small_grid():
    out = run("dag_benchmark.py", "--d", "8", "--graphs", "ER2", "--seeds", "2", "--methods", "topo", "exact",
              "notears")
    assert "= exact optimum on" in out
    assert out.count("ER2      8") == 3          # topo, exact, notears rows of the summary
