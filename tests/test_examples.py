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


def test_build_benchmark_runs_small_sizes_and_writes_records(tmp_path):
    """bench_build.py on tiny models, optlib beside raw highspy only: one line per model, one
    record per model and tool, the ratio on the highspy record; a bad size is an error naming it."""
    pytest.importorskip("highspy")
    import json

    out_file = tmp_path / "b.jsonl"
    out = run("bench_build.py", "--cases", "transport,facility", "--repeat", "2", "--transport-sizes", "20",
              "--facility-sizes", "3x15", "--tools", "highspy", "--json", str(out_file))
    assert "transport LP" in out and "facility MILP 3 x 15" in out and "cvxpy" not in out
    recs = [json.loads(ln) for ln in out_file.read_text().splitlines()]
    assert sorted((r["instance"], r["method"]) for r in recs) == [
        ("facility-3x15", "highspy"), ("facility-3x15", "optlib"), ("transport-20x20", "highspy"),
        ("transport-20x20", "optlib")]
    assert all(r["extra"]["optlib_ratio"] > 0 for r in recs if r["method"] == "highspy")
    proc = subprocess.run([sys.executable, str(EXAMPLES / "bench_build.py"), "--facility-sizes", "50-200"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "--facility-sizes" in proc.stderr and "'50-200'" in proc.stderr


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


# -- the *_benchmark examples: thin calls to the method suites (optlib.suites), one record per run --
def records(path: Path) -> list[dict]:
    import json

    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_bench_lipschitz_quick_is_the_suite(tmp_path):
    """Every certified bound lies above the exact constant (region enumeration), naive above LipSDP."""
    js = tmp_path / "l.jsonl"
    out = run("bench_lipschitz.py", "--quick", "--seeds", "1", "--methods", "ExactLipschitz,naive,lipsdp-neuron",
              "--backends", "clarabel", "--json", str(js), "--no-progress")
    recs = records(js)
    assert {r["suite"] for r in recs} == {"lipschitz"} and len(recs) == 6
    exact = {r["instance"]: r for r in recs if r["method"] == "ExactLipschitz"}
    assert set(exact) == {"relu-2-8x2-2", "relu-2-10x3-2"}
    for r in recs:
        e = exact[r["instance"]]
        assert e["status"] == "OPTIMAL" and r["baseline"] == e["objective"] and r["verified"]
        assert r["objective"] >= e["objective"] * (1 - 1e-7), r
    by = {(r["instance"], r["method"]): r["objective"] for r in recs}
    for inst in exact:
        assert by[(inst, "lipsdp-neuron")] <= by[(inst, "naive")] * (1 + 1e-9)
    import re

    assert re.search(r"^lipschitz\s+lipsdp-neuron\s+clarabel\s+2\s+", out, re.M)   # the summary of optlib bench report


def test_clustering_benchmark_quick_is_the_suite(tmp_path):
    """No partition has inertia below the exact K-means optimum; SDPKMeans's bound is below it."""
    js = tmp_path / "c.jsonl"
    out = run("clustering_benchmark.py", "--quick", "--settings", "common-K2", "--json", str(js), "--no-progress")
    recs = records(js)
    assert {r["instance"] for r in recs} == {"common-K2-d2-sep3-n30"} and {r["seed"] for r in recs} == {0, 1}
    assert {"ExactKMeans", "SDPKMeans", "ILASDP", "KMeans", "EM"} <= {r["method"] for r in recs}
    exact = {r["seed"]: r for r in recs if r["method"] == "ExactKMeans"}
    for r in recs:
        opt = exact[r["seed"]]
        assert opt["status"] == "OPTIMAL" and r["baseline"] == opt["objective"]
        assert r["objective"] >= opt["objective"] * (1 - 1e-9), r
        if r["method"] == "SDPKMeans":
            assert r["bound"] <= opt["objective"] * (1 + 1e-6), r
    assert "| common-K2-d2-sep3-n30 | SDPKMeans (scs) | 2 |" in out      # the error table


@pytest.mark.slow
def test_robust_benchmark_quick_is_the_suite(tmp_path):
    """CCG proves the robust optimum; Neur2RO's first stage, exactly evaluated, cannot beat it."""
    pytest.importorskip("torch", reason="Neur2RO's model needs torch: pip install torch==2.13.0")
    js = tmp_path / "r.jsonl"
    out = run("robust_benchmark.py", "--quick", "--json", str(js), "--no-progress")
    recs = records(js)
    ccg = {(r["instance"], r["seed"]): r for r in recs if r["method"] == "CCG"}
    n2ro = [r for r in recs if r["method"] == "Neur2RO"]
    assert len(ccg) == 2 and len(n2ro) == 2              # the two shipped n = 20 instances of the quick set
    for r in n2ro:
        c = ccg[(r["instance"], r["seed"])]
        # baseline: the branch-and-price value of the shipped results file (2 decimals), which CCG proves
        assert c["status"] == "OPTIMAL" and c["verified"] and c["baseline"] == pytest.approx(c["objective"], abs=0.01)
        assert r["baseline"] == c["baseline"] and r["objective"] <= c["objective"] * (1 + 1e-9), (r, c)
    assert "| 20 | 2 |" in out
