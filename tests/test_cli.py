"""The `optlib` command line (optlib.cli) and the benchmark helpers (optlib.bench).

Fast: two tiny models (an LP and a MILP) written to .mps with optlib itself. Tests that
need to read/write files or run HiGHS are skipped while those modules are missing.
"""
from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

import optlib
from optlib.bench import BenchRecord, format_table, load_json, run_benchmark, time_ratios, write_json
from optlib.cli import main


# -- helpers ---------------------------------------------------------------------------
def lp_model() -> optlib.Model:
    # max x + 2y  s.t. x + y <= 4, x + 3y <= 6, x, y >= 0  -> 5 at (3, 1)
    m = optlib.Model("tiny_lp")
    x = m.continuous(2, lb=0, name="x")
    m.add(x[0] + x[1] <= 4, name="cap")
    m.add(x[0] + 3 * x[1] <= 6, name="mix")
    m.maximize(np.array([1.0, 2.0]) @ x)
    return m


def milp_model() -> optlib.Model:
    # knapsack: max 5a + 4b + 3c  s.t. 2a + 3b + c <= 5, binaries  -> 9 ... (a, c: 8; a, b: 9)
    m = optlib.Model("tiny_milp")
    y = m.boolean(3, name="y")
    m.add(np.array([2.0, 3.0, 1.0]) @ y <= 5, name="weight")
    m.maximize(np.array([5.0, 4.0, 3.0]) @ y)
    return m


@pytest.fixture
def files(tmp_path):
    pytest.importorskip("optlib.io")
    lp = tmp_path / "tiny_lp.mps"
    milp = tmp_path / "tiny_milp.mps"
    lp_model().write(str(lp))
    milp_model().write(str(milp))
    return str(lp), str(milp)


@pytest.fixture
def highs():
    pytest.importorskip("solvers.highs_backend")
    from solvers import get_backend

    if not get_backend("highs").available():
        pytest.skip("highspy is not installed")
    return "highs"


def second_backend() -> str:
    """Another installed LP/MILP backend for the 2 x 2 bench (scip, else cvxpy:HIGHS)."""
    from solvers import get_backend

    for name in ("scip", "cvxpy:HIGHS", "cvxpy:SCIPY"):
        try:
            if get_backend(name).available():
                return name
        except ImportError:
            continue
    pytest.skip("no second MILP backend installed")


# -- backends ----------------------------------------------------------------------------
def test_backends_table_lists_highs(capsys):
    assert main(["backends"]) == 0
    out = capsys.readouterr().out
    assert "highs" in out and "accepts" in out
    assert "clarabel" in out


def test_backends_json(capsys):
    assert main(["backends", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    by_name = {r["name"]: r for r in rows}
    assert "highs" in by_name
    for r in rows:
        assert set(r) >= {"name", "installed", "version", "accepts", "install"}
        if not r["installed"] and r["install"]:
            assert r["install"].startswith("pip install ")
    if by_name["highs"]["installed"]:
        assert "MILP" in by_name["highs"]["accepts"]


# -- usage errors --------------------------------------------------------------------------
def test_no_command_is_usage_error(capsys):
    assert main([]) == 2
    assert "missing command" in capsys.readouterr().err


def test_solve_missing_file(tmp_path, capsys):
    missing = tmp_path / "nope.mps"
    assert main(["solve", str(missing)]) == 2
    err = capsys.readouterr().err
    assert "file not found" in err and "nope.mps" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_solve_unknown_backend(tmp_path, capsys):
    f = tmp_path / "x.mps"
    f.write_text("NAME x\nENDATA\n")
    assert main(["solve", str(f), "--backend", "nosuchsolver"]) == 2
    err = capsys.readouterr().err
    assert "nosuchsolver" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_solve_bad_arguments(tmp_path, capsys):
    f = tmp_path / "x.mps"
    f.write_text("NAME x\nENDATA\n")
    assert main(["solve", str(f), "--time-limit", "-3"]) == 2
    assert "time-limit" in capsys.readouterr().err
    assert main(["solve", str(f), "--rel-gap", "2"]) == 2
    assert main(["solve", str(f), "--threads", "zero"]) == 2


def test_solve_bad_file_content(tmp_path, capsys):
    pytest.importorskip("optlib.io")
    f = tmp_path / "garbage.mps"
    f.write_text("this is not\nan MPS file at all\n\x00\x01")
    assert main(["solve", str(f), "--backend", "highs"]) == 2
    err = capsys.readouterr().err
    assert "garbage.mps" in err and "Traceback" not in err


def test_bench_unknown_backend_and_missing_file(tmp_path, capsys):
    f = tmp_path / "x.mps"
    f.write_text("NAME x\nENDATA\n")
    assert main(["bench", str(f), "--backends", "highs,bogus", "--json", str(tmp_path / "b.json")]) == 2
    assert "bogus" in capsys.readouterr().err
    assert main(["bench", str(tmp_path / "missing.mps"), "--backends", "highs",
                 "--json", str(tmp_path / "b.json")]) == 2
    assert "missing.mps" in capsys.readouterr().err
    assert not (tmp_path / "b.json").exists()


# -- solve ---------------------------------------------------------------------------------
def test_solve_json(files, highs, capsys):
    lp, milp = files
    assert main(["solve", milp, "--backend", highs, "--json", "--time-limit", "10"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) >= {"status", "objective", "bound", "gap", "backend", "time"}
    assert doc["status"] == "OPTIMAL" and doc["backend"] == "highs"
    assert doc["objective"] == pytest.approx(9.0)


def test_solve_json_stdout_is_pure_json(files, highs, capfd):
    # solver/reader banners written by C code go to stderr, so stdout parses as one document
    lp, _ = files
    assert main(["solve", lp, "--backend", highs, "--json", "--verbose"]) == 0
    doc = json.loads(capfd.readouterr().out)
    assert doc["status"] == "OPTIMAL" and doc["objective"] == pytest.approx(5.0)


def test_solve_uninstalled_cvxpy_solver(files, capsys):
    pytest.importorskip("cvxpy")
    lp, _ = files
    assert main(["solve", lp, "--backend", "cvxpy:NOSUCH"]) == 2
    err = capsys.readouterr().err
    assert "NOSUCH" in err and "Traceback" not in err


def test_solve_summary_auto(files, highs, capsys):
    lp, _ = files
    assert main(["solve", lp]) == 0
    out = capsys.readouterr().out
    assert "OPTIMAL" in out and "Objective value" in out


def test_solve_backend_that_cannot_take_problem(files, capsys):
    pytest.importorskip("solvers.clarabel_backend")
    _, milp = files
    assert main(["solve", milp, "--backend", "clarabel"]) == 2
    err = capsys.readouterr().err
    assert "clarabel" in err and "Traceback" not in err


# -- bench ---------------------------------------------------------------------------------
def test_bench_two_files_two_backends(files, highs, tmp_path, capsys):
    other = second_backend()
    out_json = tmp_path / "out" / "bench.json"
    rc = main(["bench", *files, "--backends", f"{highs},{other}", "--time-limit", "10",
               "--json", str(out_json)])
    assert rc == 0
    cap = capsys.readouterr()
    assert "[1/4] tiny_lp.mps on highs ... OPTIMAL in" in cap.err
    assert "[4/4]" in cap.err
    for word in ("instance", "backend", "status", "objective", "bound", "gap (%)", "time (s)"):
        assert word in cap.out
    doc = json.loads(out_json.read_text())
    assert len(doc["records"]) == 4
    assert {r["backend"] for r in doc["records"]} == {highs, other}
    assert all(r["status"] == "OPTIMAL" for r in doc["records"])
    meta = doc["meta"]
    assert meta["machine"]["cpu_count"] >= 1 and "date" in meta and "bench" in meta["command"]
    assert "numpy" in meta["versions"]
    objs = {(r["instance"], r["backend"]): r["objective"] for r in doc["records"]}
    assert objs[("tiny_milp.mps", highs)] == pytest.approx(9.0)
    assert objs[("tiny_lp.mps", other)] == pytest.approx(5.0, rel=1e-6)


def test_bench_marks_na(files, highs, tmp_path, capsys):
    pytest.importorskip("solvers.clarabel_backend")
    out_json = tmp_path / "b.json"
    assert main(["bench", *files, "--backends", "highs,clarabel", "--json", str(out_json)]) == 0
    cap = capsys.readouterr()
    recs, _ = load_json(out_json)
    na = [r for r in recs if r.status == "n/a"]
    assert [(r.instance, r.backend) for r in na] == [("tiny_milp.mps", "clarabel")]
    assert "integer" in na[0].reason
    assert "n/a" in cap.out and "n/a (" in cap.err


def test_bench_plot(files, highs, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    png = tmp_path / "bench.png"
    assert main(["bench", *files, "--backends", highs, "--json", str(tmp_path / "b.json"),
                 "--plot", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bench_plot_without_matplotlib(files, highs, tmp_path, capsys, monkeypatch):
    # a missing matplotlib is a usage error reported before any run (not after the sweep)
    monkeypatch.setitem(sys.modules, "matplotlib", None)     # makes `import matplotlib` fail
    png = tmp_path / "bench.png"
    out_json = tmp_path / "b.json"
    assert main(["bench", files[0], "--backends", highs, "--json", str(out_json), "--plot", str(png)]) == 2
    cap = capsys.readouterr()
    assert "pip install optlib[plots]" in cap.err and "OPTIMAL" not in cap.err + cap.out
    assert not out_json.exists() and not png.exists()


def test_run_benchmark_with_loader_and_bad_file(highs):
    models = {"lp": lp_model(), "milp": milp_model()}

    def loader(path):
        if path == "broken":
            raise ValueError("line 3: bad section")
        return models[path]

    lines: list[str] = []
    recs = run_benchmark(["lp", "milp", "broken"], [highs], time_limit=10, progress=lines.append, loader=loader)
    assert [r.status for r in recs] == ["OPTIMAL", "OPTIMAL", "n/a"]
    assert "cannot read broken" in recs[2].reason
    done = [ln for ln in lines if " ... " in ln]          # one line per finished run
    assert len(done) == 3 and done[2].startswith("[3/3] broken on highs ... n/a")
    assert "[1/3] lp on highs: running (limit 10 s)" in lines   # and one when a long run starts


# -- pure table / JSON logic (no solver) ---------------------------------------------------
def hand_records() -> list[BenchRecord]:
    return [
        BenchRecord("a.mps", "highs", "OPTIMAL", objective=10.0, bound=10.0, gap=0.0, time=2.0),
        BenchRecord("a.mps", "scip", "FEASIBLE", objective=11.0, bound=9.0, gap=2 / 11, time=60.0),
        BenchRecord("a.mps", "clarabel", "n/a", reason="backend 'clarabel' cannot solve this MILP"),
        BenchRecord("b.lp", "highs", "NO_SOLUTION", objective=None, bound=-math.inf, gap=math.inf, time=5.0),
        BenchRecord("b.lp", "scip", "ERROR", reason="RuntimeError: boom", time=0.01),
    ]


def test_format_table_hand_made():
    recs = hand_records()
    table = format_table(recs)
    lines = table.splitlines()
    assert lines[0].split()[:4] == ["instance", "backend", "status", "objective"]
    assert "gap (%)" in lines[0] and "time (s)" in lines[0] and "note" in lines[0]
    assert "verified" in lines[0]
    for line, rec in zip(lines[2:], recs):   # the verified cell says what optlib checked
        cell = line[lines[0].index("verified"):].split()[0]
        assert cell == ("-" if rec.status == "n/a" else ("yes" if rec.verified else "no"))
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert len(lines) == 2 + len(recs)
    row_scip = lines[3]
    assert "FEASIBLE" in row_scip and "18.18" in row_scip and "30.00" in row_scip  # gap %, 60/2
    assert "1.00" in lines[2]
    row_na = lines[4]
    assert "n/a" in row_na and "cannot solve this MILP" in row_na
    row_nosol = lines[5]
    assert "NO_SOLUTION" in row_nosol and "-inf" in row_nosol and "1.00" in row_nosol
    assert "boom" in lines[6]
    # columns line up: every 'status' cell starts at the same offset
    col = lines[0].index("status")
    assert all(line[col:].split()[0] in {"OPTIMAL", "FEASIBLE", "n/a", "NO_SOLUTION", "ERROR", "------"}
               for line in lines[2:])


def test_format_table_empty_and_no_notes():
    assert "instance" in format_table([])
    t = format_table([BenchRecord("a", "highs", "OPTIMAL", objective=1.0, bound=1.0, gap=0.0, time=0.5)])
    assert "note" not in t


def test_time_ratios_ignore_na_and_errors():
    assert time_ratios(hand_records()) == [1.0, 30.0, None, 1.0, None]


def test_write_and_load_json_roundtrip(tmp_path):
    recs = hand_records()
    path = write_json(recs, tmp_path / "sub" / "bench.json", {"command": "optlib bench", "x": math.inf})
    text = path.read_text()
    doc = json.loads(text)              # strict JSON: no Infinity / NaN literals
    assert "Infinity" not in text and "NaN" not in text
    assert doc["meta"]["x"] == "inf"
    assert [r["time_ratio"] for r in doc["records"]] == [1.0, 30.0, None, 1.0, None]
    back, meta = load_json(path)
    assert back[3].gap == math.inf and back[3].bound == -math.inf
    assert [r.status for r in back] == [r.status for r in recs]


def test_plot_hand_made(tmp_path):
    pytest.importorskip("matplotlib")
    from optlib.bench import plot

    out = plot(hand_records(), tmp_path / "p.png")
    assert out.exists() and out.stat().st_size > 1000


def test_python_dash_m(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "optlib", "solve", str(tmp_path / "missing.mps")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "file not found" in proc.stderr and "Traceback" not in proc.stderr
