"""Executors of benchmark sweeps (optlib.bench.executors): local, a process pool and Dask on a
LocalCluster give the same records (up to timings and machine fields); a missing dask is an
error before any work, naming `pip install optlib[dask]`."""
from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from optlib.bench.executors import (DASK_INSTALL, ExecutorUnavailable, LocalExecutor, check_executor,
                                    make_executor)
from optlib.bench.runner import plan_runs, run_sweep
from optlib.cli import main
from optlib.suites import Run, register_suite

# fields that legitimately differ between executors (timings, the process that ran the run)
VOLATILE = {"wall_s", "cpu_s", "peak_memory_mb", "memory_source", "started_at", "machine"}


class ExecSuite:
    """A tiny deterministic suite: per instance a random vector (seeded by seed and instance);
    'exact' reports its max, 'half' the max of its first half, 'fail' an error outcome, and the
    worker's pid goes under extra (so the test sees that the pool used other processes)."""

    name = "tiny_exec"

    def runs(self, which="quick", data=None):
        n = 4 if which == "quick" else 6
        return [Run("tiny_exec", f"i{i}", m, "", 0, {"n": 6 + i}) for i in range(n) for m in ("exact", "half")]

    def execute(self, run):
        import os

        v = np.random.default_rng([run.seed, int(run.instance[1:])]).random(run.options["n"])
        exact = float(v.max())
        obj = exact if run.method == "exact" else float(v[: len(v) // 2].max())
        return {"status": "OPTIMAL" if obj == exact else "FEASIBLE", "objective": obj, "bound": exact,
                "gap": (exact - obj) / exact, "verified": True, "baseline": exact, "pid": os.getpid()}


register_suite("tiny_exec", ExecSuite)


def _square(x: int) -> int:
    return x * x


def _stable(recs):
    out = {}
    for r in recs:
        d = {k: v for k, v in r.items() if k not in VOLATILE}
        d["extra"] = {k: v for k, v in d["extra"].items() if k != "pid"}
        out[r["key"]] = d
    return out


def _read(path):
    return [json.loads(line) for line in open(path) if line.strip()]


# -- argument checks -------------------------------------------------------------------------------
def test_check_executor_arguments():
    with pytest.raises(ValueError, match="executor must be one of"):
        check_executor("threads")
    with pytest.raises(ValueError, match="workers must be a positive integer"):
        check_executor("processes", workers=0)
    with pytest.raises(ValueError, match="scheduler applies to executor 'dask'"):
        check_executor("processes", scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(ValueError, match="workers applies"):
        check_executor("local", workers=3)


def test_missing_dask_is_reported_before_any_work(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)        # makes `import distributed` fail
    with pytest.raises(ExecutorUnavailable, match=r"pip install optlib\[dask\]"):
        make_executor("dask", workers=2)
    out = tmp_path / "r.jsonl"
    assert main(["bench", "tiny_exec", "--executor", "dask", "--json", str(out)]) == 2
    cap = capsys.readouterr()
    assert DASK_INSTALL in cap.err and "Traceback" not in cap.err
    assert not out.exists() and "OPTIMAL" not in cap.out + cap.err


# -- generic map ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["local", "processes"])
def test_map_unordered_all_items_once(name):
    with make_executor(name, workers=None if name == "local" else 2) as ex:
        got = dict(ex.map_unordered(_square, iter(range(25))))    # more items than the in-flight window
    assert got == {i: i * i for i in range(25)}


def test_local_executor_keeps_order():
    assert [i for i, _ in LocalExecutor().map_unordered(_square, [3, 1, 2])] == [3, 1, 2]


# -- the same records from every executor ----------------------------------------------------------
def test_processes_match_local(tmp_path):
    runs = plan_runs(ExecSuite(), "paper")
    local = run_sweep(runs, tmp_path / "local.jsonl").records
    pool = run_sweep(runs, tmp_path / "pool.jsonl", executor="processes", workers=2).records
    assert len(local) == len(pool) == 12
    assert _stable(pool) == _stable(local)
    assert {r["extra"]["pid"] for r in pool}.isdisjoint({r["extra"]["pid"] for r in local})
    assert sorted(r["key"] for r in _read(tmp_path / "pool.jsonl")) == sorted(r.key for r in runs)


def test_dask_local_cluster_matches_local_and_resumes(tmp_path, capsys):
    pytest.importorskip("distributed")
    local, dask_out = tmp_path / "local.jsonl", tmp_path / "dask.jsonl"
    assert main(["bench", "tiny_exec", "--json", str(local)]) == 0
    capsys.readouterr()
    # a sweep killed after 3 runs (and in the middle of writing a 4th line), finished on dask
    lines = local.read_text().splitlines(keepends=True)
    dask_out.write_text("".join(lines[:3]) + lines[3][:40])
    assert main(["bench", "tiny_exec", "--executor", "dask", "--workers", "2", "--resume",
                 "--json", str(dask_out)]) == 0
    cap = capsys.readouterr()
    assert "half-written" in cap.err and "3 runs already done, 5 to run" in cap.err
    assert "[5/5]" in cap.err and "[6/" not in cap.err
    local_recs, dask_recs = _read(local), _read(dask_out)
    assert len(dask_recs) == 8 and len({r["key"] for r in dask_recs}) == 8
    assert _stable(dask_recs) == _stable(local_recs)
    pids = {r["extra"]["pid"] for r in dask_recs[3:]}
    assert pids and not pids & {r["extra"]["pid"] for r in local_recs}     # ran in the worker processes
    assert "exact" in cap.out and "half" in cap.out and "tiny_exec" in cap.out      # per-run and summary tables


def test_dask_existing_scheduler_matches_local(tmp_path, capsys):
    """--executor dask --scheduler ADDRESS sends the runs to a cluster that was already running
    (here an in-process LocalCluster on a tcp address, one worker) and gives local's records."""
    distributed = pytest.importorskip("distributed")
    import logging

    local, dask_out = tmp_path / "local.jsonl", tmp_path / "dask.jsonl"
    assert main(["bench", "tiny_exec", "--json", str(local)]) == 0
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp://",
                                       dashboard_address=None, silence_logs=logging.ERROR)
    try:
        address = cluster.scheduler_address
        assert address.startswith("tcp://")
        capsys.readouterr()
        assert main(["bench", "tiny_exec", "--executor", "dask", "--scheduler", address, "--json", str(dask_out)]) == 0
        cap = capsys.readouterr()
        (worker,) = cluster.workers.values()
        executed = worker.state.executed_count
        prefixes = set(cluster.scheduler.task_prefixes)
    finally:
        cluster.close()
    assert "[8/8]" in cap.err and "tiny_exec" in cap.out
    assert executed >= 8 and "execute_run" in prefixes            # the runs went through that scheduler
    local_recs, dask_recs = _read(local), _read(dask_out)
    assert len(dask_recs) == 8 and _stable(dask_recs) == _stable(local_recs)
