"""Every example script runs and prints what it promises (kept small and fast)."""
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run(script: str, *args: str) -> str:
    proc = subprocess.run([sys.executable, str(EXAMPLES / script), *args], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_demo_prints_verified_results_for_every_class():
    out = run("demo.py")
    for cls in ("LP", "MILP", "SOCP", "SDP"):
        assert f": {cls} on " in out
    assert out.count("status OPTIMAL") == 4
    assert out.count("verified") >= 4 and "NOT verified" not in out


def test_lmi_example_reproduces_lipsdp_neuron():
    out = run("lmi_lipsdp.py")
    assert "status OPTIMAL" in out and "certificate verified" in out
    if "lipsdp_random_weights.mat" in out:          # the LipSDP authors' network: 36.482
        value = float(out.split("LipSDP-Neuron bound      :")[1].split()[0])
        assert value == pytest.approx(36.482, abs=2e-3)


def test_from_cvxpy_example_agrees_across_backends():
    out = run("from_cvxpy_example.py")
    lines = [ln for ln in out.splitlines() if "objective" in ln]
    assert len(lines) >= 2
    objectives = {ln.split("objective")[1].split()[0] for ln in lines}
    assert len(objectives) == 1, out


def test_time_limit_example_never_raises():
    out = run("time_limit.py", "--time-limit", "0.3")
    assert "highs:" in out
    for ln in out.splitlines():
        assert ln.split(":")[1].split()[0] in ("OPTIMAL", "FEASIBLE", "NO_SOLUTION")


def test_lmi_build_benchmark_runs_small():
    out = run("bench_lmi_build.py", "--widths", "5", "--timeout", "120")
    assert out.count(" ok") == 2 and "CVXPY / optlib time" in out


@pytest.mark.slow
def test_lipschitz_bounds_example_reproduces_references():
    out = run("lipschitz_bounds.py")
    assert "lipsdp-neuron" in out and "verified" in out
    if "lipsdp_random_weights.mat" in out:
        assert "36.4822" in out and "39.8386" in out and "37.6681" in out


def test_qp_example_certifies_each_portfolio():
    out = run("qp_portfolio.py")
    lines = [ln for ln in out.splitlines() if ln.startswith("gamma")]
    assert len(lines) == 3
    for ln in lines:
        assert ": QP on " in ln and "status OPTIMAL" in ln and "NOT verified" not in ln


def test_exp_cone_example_certifies_both_models():
    out = run("exp_cone_models.py")
    for name in ("logistic regression", "maximum entropy"):
        line = next(ln for ln in out.splitlines() if ln.startswith(name))
        assert ": EXP on " in line and "status OPTIMAL" in line and "NOT verified" not in line


def test_atoms_benchmark_runs_small():
    out = run("bench_atoms.py", "--features", "200", "--samples", "50", "--assets", "50", "--repeat", "1")
    assert "lasso 50 x 200" in out and "markowitz 50 assets" in out


def test_logic_example_same_optimum_natively_and_bridged():
    out = run("logic_models.py")
    for model in ("facility_location", "job_slots"):
        lines = [ln for ln in out.splitlines() if ln.startswith(model)]
        assert len(lines) == 2
        assert all("status OPTIMAL" in ln and "NOT verified" not in ln for ln in lines)
        assert len({ln.split("objective")[1].split(",")[0] for ln in lines}) == 1, lines
