"""The core-shape benchmark script runs (quick mode) and its exact methods agree."""
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "tensor_core_shapes.py"


def test_benchmark_quick_mode_exact_ip_and_brute_force_agree():
    proc = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--tensors", "tucker,video",
                           "--budgets", "400,1000", "--methods", "exact,ip,brute-force,hosvd-greedy",
                           "--hooi-iters", "2"], capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    assert out.count("all proved optimal: True") == 2
    rows = [ln.split() for ln in out.splitlines() if ln.strip().startswith(("400 ", "1000 "))]
    assert len(rows) == 16
    for row in rows:
        if row[1] in ("exact", "ip", "brute-force"):
            assert float(row[2]) == 1.0 and "not proved" not in " ".join(row), row
        else:
            assert float(row[2]) <= 1.0
