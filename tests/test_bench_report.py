"""Benchmark reports (optlib.bench.report, `optlib bench report`) and the file suite `mps`
end to end on the shipped HiGHS check instances."""
from __future__ import annotations

import json
import math
import sys

import pytest

from optlib.bench.report import (format_runs, format_summary, performance_profile, profile_fraction,
                                 shifted_geometric_mean, summarize, summary_markdown)
from optlib.cli import main


def rec(inst, method, backend, status, wall, *, obj=None, base=None, gap=None, verified=True, limit=None,
        suite="s", seed=0, message=""):
    opts = {} if limit is None else {"time_limit": limit}
    return {"instance": inst, "suite": suite, "method": method, "backend": backend, "options": opts, "seed": seed,
            "status": status, "objective": obj, "bound": None, "gap": gap, "verified": verified, "baseline": base,
            "wall_s": wall, "cpu_s": wall, "peak_memory_mb": 1.0, "memory_source": "VmHWM", "versions": {},
            "machine": {}, "started_at": "", "key": f"{suite}|{inst}|{method}|{backend}|{seed}", "message": message,
            "extra": {}}


def hand_records():
    # A solves p1 in 1 s, p2 in 2 s, p3 not at all (time limit 10); B: 2 s, 1 s, 4 s
    return [
        rec("p1", "A", "highs", "OPTIMAL", 1.0, obj=10.0, base=10.0, gap=0.0, limit=10),
        rec("p2", "A", "highs", "OPTIMAL", 2.0, obj=12.0, base=10.0, gap=0.01, limit=10),
        rec("p3", "A", "highs", "FEASIBLE", 10.2, obj=30.0, base=20.0, gap=math.inf, limit=10),
        rec("p1", "B", "", "OPTIMAL", 2.0, obj=10.0, base=10.0, gap=0.0, limit=10),
        rec("p2", "B", "", "OPTIMAL", 1.0, obj=10.0, base=10.0, gap=0.0, limit=10),
        rec("p3", "B", "", "OPTIMAL", 4.0, obj=20.0, base=20.0, gap=0.0, limit=10),
        rec("p4", "B", "", "n/a", None, message="B cannot take p4"),
    ]


def test_shifted_geometric_mean():
    assert shifted_geometric_mean([1.0, 3.0], 1.0) == pytest.approx(math.sqrt(2 * 4) - 1)
    assert shifted_geometric_mean([1.0, 3.0], 0.0) == pytest.approx(math.sqrt(3))
    assert shifted_geometric_mean([5.0], 10.0) == pytest.approx(5.0)
    assert math.isnan(shifted_geometric_mean([], 1.0))
    with pytest.raises(ValueError, match="shift"):
        shifted_geometric_mean([1.0], -1.0)
    with pytest.raises(ValueError, match="value \\+ shift > 0"):
        shifted_geometric_mean([0.0], 0.0)


def test_summarize_hand_made():
    rows = {(r["method"], r["backend"]): r for r in summarize(hand_records(), shift=1.0)}
    a, b = rows[("A", "highs")], rows[("B", "")]
    assert (a["runs"], a["solved"], a["na"]) == (3, 2, 0)
    assert (b["runs"], b["solved"], b["na"]) == (3, 3, 1)
    # A's unfinished p3 counts at its time limit... but not below its own wall time (10.2 s)
    assert a["time"] == pytest.approx(shifted_geometric_mean([1.0, 2.0, 10.2], 1.0))
    assert b["time"] == pytest.approx(shifted_geometric_mean([2.0, 1.0, 4.0], 1.0))
    assert a["gap"] == pytest.approx(0.005) and a["inf_gaps"] == 1
    assert a["ratio"] == pytest.approx((1.0 + 1.2 + 1.5) / 3) and a["ratio_n"] == 3
    assert b["ratio"] == pytest.approx(1.0)
    unverified = summarize([rec("p1", "A", "x", "OPTIMAL", 1.0, verified=False)])[0]
    assert unverified["solved"] == 0


def test_time_limit_charge_only_without_definite_answer():
    recs = [rec("p1", "A", "x", "INFEASIBLE", 0.5, limit=60), rec("p2", "A", "x", "ERROR", 0.1, limit=60)]
    row = summarize(recs, shift=1.0)[0]
    assert row["time"] == pytest.approx(shifted_geometric_mean([0.5, 60.0], 1.0))
    assert row["errors"] == 1


def test_performance_profile_dolan_more():
    prof = performance_profile(hand_records())["s"]
    assert prof["instances"] == ["p1", "p2", "p3", "p4"]
    ra, rb = prof["ratios"]["A (highs)"], prof["ratios"]["B"]
    assert ra == [1.0, 2.0, math.inf, math.inf] and rb == [2.0, 1.0, 1.0, math.inf]
    assert profile_fraction(ra, 1.0) == 0.25 and profile_fraction(ra, 2.0) == 0.5
    assert profile_fraction(rb, 1.0) == 0.5 and profile_fraction(rb, 2.0) == 0.75
    assert profile_fraction(rb, 1e9) == 0.75            # p4 solved by nobody counts against everyone


def test_tables_and_markdown_state_the_shift():
    recs = hand_records()
    text = format_summary(summarize(recs, shift=10.0), shift=10.0)
    assert "shift 10 s" in text
    lines = text.splitlines()
    header = next(ln for ln in lines if ln.startswith("suite"))
    assert header.split()[:5] == ["suite", "method", "backend", "runs", "solved"] and "n/a" in header
    md = summary_markdown(summarize(recs), shift=1.0, source="out.jsonl")
    table = [ln for ln in md.splitlines() if ln.startswith("|")]
    assert len(table) == 2 + 2 and "`optlib bench report out.jsonl`" in md and "shift 1 s" in md
    assert table[0].count("|") == table[1].count("|") == table[2].count("|")
    runs = format_runs(recs)
    assert "B cannot take p4" in runs and "method" in runs.splitlines()[0]


def test_plot_profile(tmp_path):
    pytest.importorskip("matplotlib")
    from optlib.bench.report import plot_profile

    two = hand_records() + [dict(r, suite="t") for r in hand_records()]
    png = plot_profile(two, tmp_path / "p.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_without_matplotlib(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    from optlib.bench.report import plot_profile

    with pytest.raises(ImportError, match=r"pip install optlib\[plots\]"):
        plot_profile(hand_records(), tmp_path / "p.png")


# -- the command line --------------------------------------------------------------------------------
@pytest.fixture
def results(tmp_path):
    p = tmp_path / "out.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in hand_records()))
    return p


def test_cli_report_markdown_and_plot(results, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    md, png = tmp_path / "docs" / "t.md", tmp_path / "profile.png"
    assert main(["bench", "report", str(results), "--markdown", str(md), "--plot", str(png), "--shift", "0",
                 "--runs"]) == 0
    out = capsys.readouterr().out
    assert "shift 0 s" in out and "A" in out and "p4" in out
    assert md.read_text().count("\n|") >= 3 and png.stat().st_size > 1000


def test_cli_report_errors_before_work(results, tmp_path, capsys, monkeypatch):
    assert main(["bench", "report", str(tmp_path / "none.jsonl")]) == 2
    assert "results file not found" in capsys.readouterr().err
    assert main(["bench", "report", str(results), "--shift", "-1"]) == 2
    capsys.readouterr()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"key": 1}\nnope\n{"key": 2}\n')
    assert main(["bench", "report", str(bad)]) == 2
    assert "bad.jsonl, line 2" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert main(["bench", "report", str(results), "--plot", str(tmp_path / "p.png")]) == 2
    cap = capsys.readouterr()
    assert "pip install optlib[plots]" in cap.err and cap.out == ""


def test_cli_unknown_suite_and_mixed_targets(tmp_path, capsys):
    assert main(["bench", "nosuchsuite"]) == 2
    err = capsys.readouterr().err
    assert "unknown benchmark suite 'nosuchsuite'" in err and "mps" in err
    assert main(["bench", "mps", "--suite", "quick", "--threads", "2", "--executor", "local", "--workers", "2",
                 "--json", str(tmp_path / "x.jsonl")]) == 2
    assert "--workers applies" in capsys.readouterr().err


# -- the file suite `mps` end to end -----------------------------------------------------------------------
def test_mps_quick_on_highs_then_report(tmp_path, capsys):
    pytest.importorskip("highspy")
    from optlib.suites.mps import QUICK

    out = tmp_path / "mps.jsonl"
    assert main(["bench", "mps", "--backends", "highs", "--time-limit", "20", "--json", str(out)]) == 0
    cap = capsys.readouterr()
    recs = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["instance"] for r in recs] == list(QUICK)
    for r in recs:
        assert r["suite"] == "mps" and r["backend"] == "highs" and r["options"] == {"time_limit": 20.0}
        if r["extra"]["expected"] == "optimal":       # every optimum matches what HiGHS's own tests assert
            assert r["status"] == "OPTIMAL" and r["verified"] is True
            assert r["objective"] == pytest.approx(r["baseline"], rel=1e-6, abs=1e-6)
        else:
            assert r["status"] == "INFEASIBLE" and r["baseline"] is None
    assert "[12/12] p01 on highs ... OPTIMAL" in cap.err
    # the same command again refuses to overwrite the sweep; --resume finishes at once
    assert main(["bench", "mps", "--backends", "highs", "--time-limit", "20", "--json", str(out)]) == 2
    assert "--resume" in capsys.readouterr().err
    assert main(["bench", "mps", "--backends", "highs", "--time-limit", "20", "--json", str(out), "--resume"]) == 0
    assert "12 runs already done, 0 to run" in capsys.readouterr().err
    assert len(out.read_text().splitlines()) == 12
    assert main(["bench", "report", str(out)]) == 0
    row = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("mps")][0].split()
    assert row[:4] == ["mps", "highs", "12", "10"]      # 12 runs, 10 optimal (2 infeasible instances)


def test_a_heuristic_that_finished_counts_its_own_time():
    """FEASIBLE well inside the limit (a method without a certificate that finished) counts its
    wall time; FEASIBLE at the limit, NO_SOLUTION and ERROR count the limit."""
    recs = [rec("p1", "H", "-", "FEASIBLE", 1.0, limit=10, verified=False),
            rec("p2", "H", "-", "FEASIBLE", 1.0, limit=10, verified=False),
            rec("p1", "S", "-", "FEASIBLE", 9.5, limit=10, verified=False),
            rec("p2", "S", "-", "NO_SOLUTION", 2.0, limit=10, verified=False)]
    rows = {r["method"]: r for r in summarize(recs, shift=1.0)}
    assert rows["H"]["time"] == pytest.approx(1.0)
    assert rows["S"]["time"] == pytest.approx(10.0)
