"""An example whose optional package is missing stops before any work, exit code 1, with the one
install command (the package is hidden from the script: sys.modules[name] = None)."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run_without(modules: list[str], script: str, *args: str) -> subprocess.CompletedProcess:
    code = ("import runpy, sys\n"
            f"for m in {modules!r}:\n    sys.modules[m] = None\n"
            f"sys.argv = [{str(EXAMPLES / script)!r}, *{list(args)!r}]\n"
            f"runpy.run_path(sys.argv[0], run_name='__main__')\n")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=EXAMPLES.parent)


@pytest.mark.parametrize("hidden,script,args,command", [
    (["matplotlib"], "tensor_core_shapes.py", ["--quick", "--plot", "out.png"], "pip install optlib[plots]"),
    (["PIL"], "tensor_core_shapes.py", ["--quick", "--tensors", "china"], "pip install optlib[images]"),
    (["torch"], "robust_train.py", ["--quick"], "pip install torch==2.13.0"),
    (["torch"], "robust_capital_budgeting.py", ["--quick"], "pip install torch==2.13.0"),
    (["torch"], "robust_benchmark.py", ["--quick"], "pip install torch==2.13.0"),
])
def test_missing_package_is_reported_before_the_run(hidden, script, args, command):
    t0 = time.perf_counter()
    out = run_without(hidden, script, *args)
    assert out.returncode == 1, (out.stdout[-1000:], out.stderr[-1000:])
    assert command in out.stderr and "Traceback" not in out.stderr
    assert out.stdout.strip() == "" or "==" not in out.stdout        # nothing was computed
    assert time.perf_counter() - t0 < 60

