"""Benchmarks: sweeps of suites (methods and backends on instances) with tidy records, resume,
executors and reports; and the per-file backend comparison that `optlib bench FILE...` runs.

    from optlib.suites import get_suite
    from optlib.bench import plan_runs, run_sweep, summarize, format_summary
    runs = plan_runs(get_suite("mps"), "quick")
    result = run_sweep(runs, "bench-out/mps.jsonl", executor="processes", workers=2)
    print(format_summary(summarize(result.records)))

Modules: records (the tidy record, JSON lines, resume keys), executors (local, processes, dask),
runner (worker-side execution, plans, the sweep, progress), report (tables, markdown,
performance profiles), files (BenchRecord, run_one, run_benchmark: backends on files).
"""
from .executors import EXECUTORS, ExecutorUnavailable, make_executor
from .files import (NA, PLOTS_INSTALL, BenchRecord, backend_unavailable_reason, format_table, iter_benchmark,
                    load_json, machine_meta, plot, run_benchmark, run_one, time_ratios, write_json)
from .records import RECORD_FIELDS, RecordWriter, finished_keys, load_records, read_records
from .report import format_runs, format_summary, performance_profile, plot_profile, summarize, summary_markdown
from .runner import SweepResult, execute_run, plan_runs, run_sweep

__all__ = ["BenchRecord", "run_benchmark", "iter_benchmark", "run_one", "format_table", "time_ratios",
           "backend_unavailable_reason", "write_json", "load_json", "machine_meta", "plot", "NA", "PLOTS_INSTALL",
           "EXECUTORS", "ExecutorUnavailable", "make_executor", "RECORD_FIELDS", "RecordWriter", "finished_keys",
           "load_records", "read_records", "format_runs", "format_summary", "performance_profile", "plot_profile",
           "summarize", "summary_markdown", "SweepResult", "execute_run", "plan_runs", "run_sweep"]
