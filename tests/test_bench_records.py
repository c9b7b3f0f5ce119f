"""Tidy benchmark records (optlib.bench.records), planning and sweeps with --resume
(optlib.bench.runner), on a tiny suite registered here (no solver, milliseconds per run)."""
from __future__ import annotations

import json
import math
import sys

import numpy as np
import pytest

from optlib.bench.records import (RECORD_FIELDS, PeakMemory, RecordWriter, finished_keys, load_records,
                                  make_record, read_records, to_json_line)
from optlib.bench.runner import execute_run, plan_runs, run_sweep
from optlib.suites import Run, register_suite


class RecSuite:
    """Runs i0..i{n-1} x methods 'exact' (the max of a random vector) and 'half' (the max of
    its first half); `executed` lists the keys run in this process, `stop_at` raises
    KeyboardInterrupt at that run (a killed sweep), `boom` makes instance i1 raise."""

    name = "tiny_rec"
    executed: list[str] = []
    stop_at: str | None = None
    boom = False

    def runs(self, which="quick", data=None):
        n = 3 if which == "quick" else 4
        return [Run("tiny_rec", f"i{i}", m, "", 0, {"n": 8 + i}) for i in range(n) for m in ("exact", "half")]

    def execute(self, run):
        if run.key == RecSuite.stop_at:
            raise KeyboardInterrupt
        RecSuite.executed.append(run.key)
        if RecSuite.boom and run.instance == "i1":
            raise RuntimeError("bad\ninstance")
        v = np.random.default_rng([run.seed, int(run.instance[1:])]).random(run.options["n"])
        exact = float(v.max())
        obj = exact if run.method == "exact" else float(v[: len(v) // 2].max())
        return {"status": "OPTIMAL" if run.method == "exact" else "FEASIBLE", "objective": obj, "bound": exact,
                "gap": (exact - obj) / exact, "verified": True, "baseline": exact, "message": "",
                "n": run.options["n"]}


register_suite("tiny_rec", RecSuite)


@pytest.fixture(autouse=True)
def _reset():
    RecSuite.executed, RecSuite.stop_at, RecSuite.boom = [], None, False
    yield
    RecSuite.executed, RecSuite.stop_at, RecSuite.boom = [], None, False


def keys_in(path):
    return [json.loads(line)["key"] for line in open(path) if line.strip()]


# -- one record ------------------------------------------------------------------------------
def test_make_record_fields_extra_and_json_roundtrip(tmp_path):
    run = Run("tiny_rec", "i0", "exact", "highs", 2, {"n": 3, "time_limit": 5.0})
    from optlib.status import Status

    rec = make_record(run, {"status": Status.OPTIMAL, "objective": np.float64(2.5), "bound": -math.inf,
                            "gap": math.inf, "verified": 1, "baseline": None, "message": "line 1\n  line 2",
                            "iterations": 7},
                      wall_s=0.5, cpu_s=0.25, peak_memory_mb=12.0, memory_source="VmHWM", started_at="t")
    assert tuple(rec) == RECORD_FIELDS
    assert rec["status"] == "OPTIMAL" and rec["verified"] is True and rec["objective"] == 2.5
    assert rec["key"] == run.key and rec["seed"] == 2 and rec["options"] == {"n": 3, "time_limit": 5.0}
    assert rec["extra"] == {"iterations": 7} and rec["message"] == "line 1 line 2"
    assert {"optlib", "python", "numpy"} <= set(rec["versions"])
    assert rec["machine"]["cpu_count"] >= 1 and rec["machine"]["hostname"]
    line = to_json_line(rec)
    assert "Infinity" not in line and "\n" not in line
    with RecordWriter(tmp_path / "sub" / "r.jsonl") as w:
        w.write(rec)
    back, warnings = read_records(tmp_path / "sub" / "r.jsonl")
    assert warnings == [] and len(back) == 1
    assert back[0]["gap"] == math.inf and back[0]["bound"] == -math.inf and back[0]["objective"] == 2.5


def test_make_record_bad_outcomes():
    run = Run("tiny_rec", "i0", "exact")
    rec = make_record(run, None, wall_s=0, cpu_s=0, peak_memory_mb=None, memory_source="x", started_at="t")
    assert rec["status"] == "ERROR" and "NoneType" in rec["message"]
    rec = make_record(run, {"objective": 1.0}, wall_s=0, cpu_s=0, peak_memory_mb=None, memory_source="x",
                      started_at="t")
    assert rec["status"] == "ERROR" and "no status" in rec["message"]


def test_execute_run_measures_and_catches(tmp_path):
    RecSuite.boom = True
    runs = RecSuite().runs()
    ok = execute_run(runs[0])
    assert ok["status"] == "OPTIMAL" and ok["wall_s"] > 0 and ok["cpu_s"] >= 0
    assert ok["peak_memory_mb"] > 1 and ok["memory_source"] in ("VmHWM", "ru_maxrss")
    assert ok["extra"] == {"n": 8} and ok["objective"] == ok["baseline"]
    bad = execute_run(runs[2])                      # i1 raises: an ERROR record, not an exception
    assert bad["status"] == "ERROR" and bad["message"] == "RuntimeError: bad instance"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-run peak memory (VmHWM) is Linux-only")
def test_peak_memory_is_per_run():
    mem = PeakMemory()
    mem.start()
    big = np.ones(20_000_000)           # 160 MB
    big[::4096] = 2.0
    peak_big = mem.peak_mb()
    del big
    mem.start()                         # reset: the next run does not inherit the 320 MB peak
    small = np.ones(10)
    peak_small = mem.peak_mb()
    assert mem.source == "VmHWM"
    assert peak_big - peak_small > 120, (peak_big, peak_small)
    del small


# -- reading a results file --------------------------------------------------------------------
def test_read_records_half_written_last_line(tmp_path):
    p = tmp_path / "r.jsonl"
    p.write_text('{"key": "a", "status": "OPTIMAL"}\n\n{"key": "b", "status": "ERR')
    recs, warnings = read_records(p)
    assert [r["key"] for r in recs] == ["a"] and len(warnings) == 1
    assert "line 3" in warnings[0] and "half-written" in warnings[0]
    assert p.read_text().endswith('"ERR')             # reading alone changes nothing
    recs, warnings = read_records(p, repair=True)     # repair cuts it so appending goes on cleanly
    assert p.read_text() == '{"key": "a", "status": "OPTIMAL"}\n\n' and len(warnings) == 1
    q = tmp_path / "q.jsonl"                          # a complete last line without its newline is kept
    q.write_text('{"key": "a", "status": "OPTIMAL"}')
    recs, warnings = read_records(q, repair=True)
    assert len(recs) == 1 and not warnings and q.read_text().endswith("}\n")


def test_read_records_bad_line_in_the_middle(tmp_path):
    p = tmp_path / "r.jsonl"
    p.write_text('{"key": "a", "status": "OPTIMAL"}\nnot json\n{"key": "b", "status": "OPTIMAL"}\n')
    with pytest.raises(ValueError, match=r"r.jsonl, line 2"):
        read_records(p)
    p.write_text('[1, 2]\n')
    with pytest.raises(ValueError, match="line 1: expected a JSON object"):
        read_records(p)


def test_finished_keys():
    assert finished_keys([{"key": "a", "status": "OPTIMAL"}, {"key": "b", "status": ""}, {"key": "c"},
                          {"status": "OPTIMAL"}, {"key": "d", "status": "n/a"}]) == {"a", "d"}


def test_load_records_documents(tmp_path):
    from optlib.bench import BenchRecord, load_json, write_json

    legacy = tmp_path / "old.json"                    # optlib bench's earlier format
    write_json([BenchRecord("a.mps", "highs", "OPTIMAL", objective=1.0, bound=1.0, gap=0.0, time=0.5,
                            total_time=0.7, verified=True, time_limit=10.0)], legacy, {"command": "x"})
    recs, _ = load_records(legacy)
    assert recs[0]["suite"] == "mps" and recs[0]["backend"] == "highs" and recs[0]["wall_s"] == 0.7
    assert recs[0]["key"] == Run("mps", "a.mps", "backend", "highs", 0, {"time_limit": 10.0}).key
    jsonl = tmp_path / "r.jsonl"
    with RecordWriter(jsonl) as w:
        w.write(execute_run(RecSuite().runs()[0]))
    recs, _ = load_records(jsonl)
    assert recs[0]["suite"] == "tiny_rec"
    back, _ = load_json(legacy)
    assert back[0].total_time == 0.7
    with pytest.raises(FileNotFoundError, match="results file not found"):
        load_records(tmp_path / "nope.jsonl")


# -- planning ------------------------------------------------------------------------------------
def test_plan_runs_overrides():
    suite = RecSuite()
    assert len(plan_runs(suite, "quick")) == 6 and len(plan_runs(suite, "paper")) == 8
    runs = plan_runs(suite, "quick", time_limit=2.0, seeds=3)
    assert len(runs) == 18 and {r.seed for r in runs} == {0, 1, 2}
    assert all(r.options["time_limit"] == 2.0 for r in runs) and len({r.key for r in runs}) == 18
    assert "2.0" in runs[0].key                       # the time limit is part of what a run is
    with pytest.raises(ValueError, match="which"):
        plan_runs(suite, "full")
    with pytest.raises(ValueError, match="seeds"):
        plan_runs(suite, "quick", seeds=0)


def test_plan_runs_study_sets():
    """A suite's `sets` names the sets it offers beyond quick and paper; others are refused."""
    class Study(RecSuite):
        sets = ("quick", "paper", "deep")

        def runs(self, which="quick", data=None):
            return super().runs("paper" if which == "deep" else which, data)

    assert len(plan_runs(Study(), "deep")) == 8
    with pytest.raises(ValueError, match="'deep'"):           # the message lists the sets
        plan_runs(Study(), "deeper")
    with pytest.raises(ValueError, match="which"):
        plan_runs(RecSuite(), "deep")                         # no `sets`: quick and paper only


def test_plan_runs_backend_filter_and_duplicates():
    class S:
        def runs(self, which, data):
            return [Run("s", "a", "m", "highs"), Run("s", "a", "m", "scip"), Run("s", "a", "exact", ""),
                    Run("s", "a", "m", "highs")]

    runs = plan_runs(S(), "quick", backends=["highs"])
    assert [(r.method, r.backend) for r in runs] == [("m", "highs"), ("exact", "")]


# -- sweeps and resume ---------------------------------------------------------------------------
def test_sweep_writes_each_record_and_resume_skips_done(tmp_path):
    out = tmp_path / "r.jsonl"
    runs = plan_runs(RecSuite(), "quick")
    res = run_sweep(runs, out)
    assert res.ran == 6 and res.skipped == 0 and keys_in(out) == [r.key for r in runs]
    # a second sweep with resume over the larger set runs only the two new runs
    RecSuite.executed = []
    more = plan_runs(RecSuite(), "paper")
    res = run_sweep(more, out, resume=True)
    assert RecSuite.executed == [r.key for r in more[6:]]
    assert res.skipped == 6 and res.ran == 2 and len(res.records) == 8
    assert sorted(keys_in(out)) == sorted(r.key for r in more)


def test_killed_sweep_resumes_without_redoing(tmp_path):
    out = tmp_path / "r.jsonl"
    runs = plan_runs(RecSuite(), "paper")
    RecSuite.stop_at = runs[5].key                     # Ctrl-C during the 6th run
    res = run_sweep(runs, out)
    assert res.interrupted and res.ran == 5 and keys_in(out) == [r.key for r in runs[:5]]
    with open(out, "a") as fh:                         # and the kill cut a line in half
        fh.write('{"instance": "i2", "suite": "tiny_rec", "key": "tiny_rec|i2|ha')
    RecSuite.stop_at, RecSuite.executed = None, []
    res = run_sweep(runs, out, resume=True)
    assert RecSuite.executed == [r.key for r in runs[5:]]        # only the missing runs
    assert len(res.warnings) == 1 and "half-written" in res.warnings[0]
    assert sorted(keys_in(out)) == sorted(r.key for r in runs)   # each exactly once, file clean
    assert not res.interrupted and res.skipped == 5 and res.ran == 3


def test_sweep_without_resume_starts_afresh(tmp_path):
    out = tmp_path / "r.jsonl"
    runs = plan_runs(RecSuite(), "quick")
    run_sweep(runs[:2], out)
    run_sweep(runs[2:4], out)
    assert keys_in(out) == [r.key for r in runs[2:4]]
