"""Gap over time (optlib.bench.gaptime, `optlib bench report --plot-gap`) and run traces
(optlib.bench.trace; kept and read back by optlib.bench.records; recorded by the robust suite's CCG)."""
from __future__ import annotations

import json
import math
import sys

import numpy as np
import pytest

from optlib.bench.gaptime import gap_at, gap_curves, run_gap_steps
from optlib.bench.records import make_record, read_records, to_json_line
from optlib.bench.trace import TraceRecorder, clean_trace
from optlib.cli import main
from optlib.progress import Reporter
from optlib.suites import Run


def rec(inst, method, wall, gap, trace=None, suite="s", backend="b", status="OPTIMAL"):
    extra = {} if trace is None else {"trace": trace}
    return {"suite": suite, "instance": inst, "method": method, "backend": backend, "seed": 0, "status": status,
            "objective": 1.0, "bound": 1.0, "gap": gap, "verified": True, "wall_s": wall, "options": {},
            "key": f"{suite}|{inst}|{method}|{backend}|0|{{}}", "extra": extra}


# a run with a trace: no bound until 1 s, gap 1 / 4 from 2 s, 0.5 / 4.5 from 5 s, finished at 10 s with gap 0
TRACED = rec("p1", "M", 10.0, 0.0, trace=[[1.0, None, 5.0], [2.0, 4.0, 5.0], [5.0, 4.5, 5.0], [12.0, 5.0, 5.0]])
# a run without one: finished at 4 s with gap 0.5
PLAIN = rec("p2", "M", 4.0, 0.5)


def test_one_run_with_a_trace_is_a_step_function():
    steps = run_gap_steps(TRACED)
    assert steps == [(1.0, 1.0), (2.0, 0.25), (5.0, pytest.approx(0.5 / 4.5)), (10.0, 0.0)]   # 12 s: after wall
    expected = {0.0: 1.0, 0.99: 1.0, 1.5: 1.0, 2.0: 0.25, 4.9: 0.25, 5.0: 0.5 / 4.5, 9.99: 0.5 / 4.5, 10.0: 0.0,
                100.0: 0.0}
    for t, g in expected.items():
        assert gap_at(steps, t) == pytest.approx(g), t


def test_a_run_without_a_trace_and_capping():
    assert run_gap_steps(PLAIN) == [(4.0, 0.5)]
    assert gap_at(run_gap_steps(PLAIN), 3.99) == 1.0 and gap_at(run_gap_steps(PLAIN), 4.0) == 0.5
    assert run_gap_steps(rec("p", "M", 2.0, 3.0)) == [(2.0, 1.0)]                  # gaps above 100 % count as 100 %
    assert run_gap_steps(rec("p", "M", 2.0, None)) == [(2.0, 1.0)]                 # no final gap: 100 %
    assert run_gap_steps(rec("p", "M", 2.0, math.inf)) == [(2.0, 1.0)]
    inf_bound = rec("p", "M", 9.0, 0.0, trace=[[1.0, 3.0, math.inf], [2.0, 3.0, 3.3]])
    assert run_gap_steps(inf_bound) == [(1.0, 1.0), (2.0, pytest.approx(0.1)), (9.0, 0.0)]
    assert run_gap_steps(rec("p", "M", None, 0.0)) == []                          # never finished: 100 % throughout
    assert run_gap_steps(rec("p", "M", 3.0, 0.0, trace="garbage")) == [(3.0, 0.0)]


def test_group_curves_are_means_per_suite():
    other_group = rec("p1", "N", 1.0, 0.0)
    other_suite = rec("q1", "M", 1.0, 0.2, suite="t")
    na = rec("p3", "M", None, None, status="n/a")                                 # left out, not 100 %
    curves = gap_curves([TRACED, PLAIN, other_group, other_suite, na], times=[0.5, 1.5, 3.0, 4.0, 6.0, 10.0])
    assert list(curves) == ["s", "t"]
    s = curves["s"]
    assert s["runs"] == {"M (b)": 2, "N (b)": 1}
    assert s["curves"]["M (b)"] == pytest.approx([1.0, 1.0, (0.25 + 1) / 2, (0.25 + 0.5) / 2,
                                                 (0.5 / 4.5 + 0.5) / 2, 0.25])
    assert s["curves"]["N (b)"] == [1.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert curves["t"]["curves"]["M (b)"] == [1.0, 0.2, 0.2, 0.2, 0.2, 0.2]
    auto = gap_curves([TRACED, PLAIN])["s"]                                       # every breakpoint once
    assert auto["times"] == [1.0, 2.0, 4.0, 5.0, 10.0]
    assert auto["curves"]["M (b)"] == pytest.approx([1.0, 0.625, 0.375, (0.5 / 4.5 + 0.5) / 2, 0.25])


# -- traces in records --------------------------------------------------------------------------------
def test_records_keep_a_trace_and_read_it_back(tmp_path):
    run = Run("s", "i", "m", "b", 0, {})
    trace = [[np.float64(0.5), np.float64(2.0), math.inf], (1.5, None, 3.0), np.array([2.5, 2.9, 3.0])]
    r = make_record(run, {"status": "OPTIMAL", "objective": 2.9, "bound": 3.0, "trace": trace}, wall_s=3.0,
                    cpu_s=3.0, peak_memory_mb=None, memory_source="x", started_at="t")
    assert r["extra"]["trace"] == [[0.5, 2.0, math.inf], [1.5, None, 3.0], [2.5, 2.9, 3.0]]
    line = to_json_line(r)
    assert '"trace":[[0.5,2.0,"inf"],[1.5,null,3.0],[2.5,2.9,3.0]]' in line
    p = tmp_path / "r.jsonl"
    p.write_text(line + "\n")
    (back,), _ = read_records(p)
    assert back["extra"]["trace"] == [[0.5, 2.0, math.inf], [1.5, None, 3.0], [2.5, 2.9, 3.0]]
    bad = make_record(run, {"status": "OPTIMAL", "trace": [[1.0, "x", 2.0]]}, wall_s=1.0, cpu_s=1.0,
                      peak_memory_mb=None, memory_source="x", started_at="t")
    assert "trace" not in bad["extra"] and "trace[0]: objective" in bad["extra"]["trace_error"]


def test_clean_trace_rejects_bad_points():
    assert clean_trace([[0, "-inf", "inf"]]) == [[0.0, -math.inf, math.inf]]
    for bad, msg in [(5, "list of"), ([[1.0, 2.0]], r"trace\[0\] must be"), ([[-1.0, 1.0, 1.0]], "seconds"),
                     ([[math.nan, 1.0, 1.0]], "seconds"), ([[1.0, 1.0, {}]], "bound")]:
        with pytest.raises(ValueError, match=msg):
            clean_trace(bad)


def test_recorder_takes_reporter_steps():
    r = TraceRecorder()
    rep = Reporter(r, "X")
    rep("a text line")                                     # ignored
    rep.step(iteration=1, main=9.0, bound=10.0)            # a bound, no incumbent yet
    rep.step(iteration=2, incumbent=8.0, bound=10.0, gap="20%")
    rep.step(iteration=3, incumbent=8.0, bound=10.0)       # unchanged: kept once
    rep.step(iteration=4, scenarios=3)                     # nothing to record
    rep.step(iteration=5, incumbent=9.5, bound=9.5)
    assert [p[1:] for p in r.points] == [[None, 10.0], [8.0, 10.0], [9.5, 9.5]]
    ts = [p[0] for p in r.points]
    assert ts == sorted(ts) and all(t >= 0 for t in ts)
    with pytest.raises(ValueError, match="max_points"):
        TraceRecorder(max_points=1)


def test_ccg_records_its_rounds():
    """CCG through the recorder: the trace's bound never increases, its incumbent never decreases
    (maximisation), and its last point is the answer's value and bound."""
    pytest.importorskip("highspy")
    from problems.robust.ccg import ccg
    from problems.robust.knapsack import generate_knapsack

    inst = generate_knapsack(8, correlation="UN", h=40, seed=0, integral=True)
    r = TraceRecorder()
    c = ccg(inst, time_limit=30, progress=r)
    assert c.status.name == "OPTIMAL" and len(r.points) >= 2
    inc = [p[1] for p in r.points if p[1] is not None]
    bounds = [p[2] for p in r.points]
    assert inc == sorted(inc) and bounds == sorted(bounds, reverse=True)
    assert r.points[-1][1] == pytest.approx(c.value) and r.points[-1][2] == pytest.approx(c.bound)
    assert r.points[0][2] > c.bound                       # the first round's bound is not yet the optimum


# -- the plot and the command line ------------------------------------------------------------------
def test_plot_gap_and_cli(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    from optlib.bench.gaptime import plot_gap

    png = plot_gap([TRACED, PLAIN, rec("q1", "M", 1.0, 0.2, suite="t")], tmp_path / "g.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    results = tmp_path / "out.jsonl"
    results.write_text("".join(json.dumps(r) + "\n" for r in (TRACED, PLAIN)))
    out = tmp_path / "plots" / "gap.png"
    assert main(["bench", "report", str(results), "--plot-gap", str(out)]) == 0
    assert out.stat().st_size > 1000 and "wrote" in capsys.readouterr().err
    with pytest.raises(ValueError, match="no records"):
        plot_gap([rec("p", "M", None, None, status="n/a")], tmp_path / "x.png")


def test_plot_gap_without_matplotlib_fails_before_reading(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert main(["bench", "report", str(tmp_path / "missing.jsonl"), "--plot-gap", str(tmp_path / "g.png")]) == 2
    err = capsys.readouterr().err
    assert "--plot-gap needs matplotlib" in err and "pip install optlib[plots]" in err
    assert "not found" not in err                          # refused before the results were read
