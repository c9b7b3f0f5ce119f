"""What the *_benchmark examples share: plan the runs of one method suite (optlib.suites), keep the
ones the script's flags select, execute them through optlib.bench (one tidy record per run, appended
to --json as it finishes) and print the per-run table and the summary of `optlib bench report`.

    ap = argparse.ArgumentParser(); add_sweep_args(ap); args = ap.parse_args()
    runs = plan("dag", "quick", args)                     # MissingPackage / missing data: exit 1 at once
    records = sweep(runs, args)                           # prints the report, returns the records

The same runs from the command line: `optlib bench SUITE --suite quick|paper`.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _requires import require  # noqa: E402


def add_sweep_args(ap: argparse.ArgumentParser, json_help: str = "") -> None:
    """--quick, --json OUT, --resume, --executor, --workers, --scheduler, --plot PNG, --no-progress."""
    ap.add_argument("--quick", action="store_true", help="the suite's quick set (minutes on 2 cores); "
                                                         "default: its paper set")
    ap.add_argument("--json", metavar="OUT", default=None,
                    help=json_help or "append one record per run to this JSON-lines file "
                                      "(summarise later with `optlib bench report OUT`)")
    ap.add_argument("--resume", action="store_true", help="skip the runs already in --json (finish a killed sweep)")
    ap.add_argument("--executor", choices=("local", "processes", "dask"), default="local",
                    help="local (default), processes (a pool here) or dask (pip install optlib[dask])")
    ap.add_argument("--workers", type=int, default=None, help="worker processes for processes / dask")
    ap.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT", help="an existing Dask scheduler")
    ap.add_argument("--plot", metavar="PNG", default=None, help="draw the performance profile (needs matplotlib)")
    ap.add_argument("--no-progress", dest="progress", action="store_false",
                    help="no progress lines on stderr")


def fail(message: str) -> None:
    """Stop (exit status 1) with `message` on stderr, before any run starts."""
    sys.exit(f"{Path(sys.argv[0]).name}: {message}")


class _Kept:
    """`suite` with only the runs for which `keep(run)` holds (the optional-package check then sees
    only those)."""

    def __init__(self, suite: Any, keep: Callable[[Any], bool]) -> None:
        self.suite, self.keep, self.name = suite, keep, suite.name

    def runs(self, which: str = "quick", data: str | None = None) -> list[Any]:
        return [r for r in self.suite.runs(which, data) if self.keep(r)]

    def missing(self, runs: list[Any]) -> list[str]:
        check = getattr(self.suite, "missing", None)
        return list(check(runs)) if callable(check) else []


def plan(suite_name: str, args: argparse.Namespace, *, data: str | None = None, time_limit: float | None = None,
         seeds: int | None = None, backends: Sequence[str] | None = None,
         keep: Callable[[Any], bool] | None = None) -> list[Any]:
    """The runs of suite `suite_name` (quick set with --quick, else the paper set) for which
    `keep(run)` holds, with the overrides of optlib.bench.runner.plan_runs; a missing package
    or data file stops the script (exit 1) before any run starts."""
    from optlib.bench.runner import MissingPackage, plan_runs
    from optlib.suites import get_suite

    if args.plot:
        require("matplotlib", why="--plot")
    if args.executor == "dask":
        require("dask", "distributed", why="--executor dask")
    try:
        suite = get_suite(suite_name)
        return plan_runs(suite if keep is None else _Kept(suite, keep), "quick" if args.quick else "paper", data,
                         time_limit=time_limit, seeds=seeds, backends=backends)
    except MissingPackage as exc:
        fail(str(exc))
    except (OSError, ValueError) as exc:        # a data file not found (the message names where to get it)
        fail(f"suite {suite_name!r}: {exc}")
    raise AssertionError("unreachable")


def select(runs: Iterable[Any], keep: Callable[[Any], bool], what: str) -> list[Any]:
    """The runs for which `keep(run)` holds; exit 1 naming `what` when none is left."""
    out = [r for r in runs if keep(r)]
    if not out:
        fail(f"no runs of the suite match {what}")
    return out


def choose(values: Sequence[Any] | None, known: Iterable[Any], flag: str) -> set[Any] | None:
    """`values` as a set (None: no filter); exit 1 naming `flag` and the choices for an unknown one."""
    if values is None:
        return None
    try:
        known = sorted(set(known))
    except TypeError:
        known = sorted(set(known), key=str)
    bad = [v for v in values if v not in known]
    if bad:
        fail(f"{flag} {' '.join(map(str, bad))}: not in this set of the suite; choose from "
             f"{' '.join(map(str, known))}")
    return set(values)


def sweep(runs: Sequence[Any], args: argparse.Namespace, show: bool = True) -> list[dict[str, Any]]:
    """Execute `runs`, print the per-run table and the summary (`show`), draw --plot; the records in the
    order of `runs`. Exit status 130 when interrupted (the finished runs are in --json)."""
    from optlib.bench.report import plot_profile
    from optlib.bench.runner import order_like, run_sweep

    if args.resume and not args.json:
        fail("--resume needs --json OUT (the file of the earlier runs)")
    try:
        result = run_sweep(runs, args.json, executor=args.executor, workers=args.workers,
                           scheduler=args.scheduler, resume=args.resume, progress=args.progress)
    except (ImportError, ValueError, OSError) as exc:
        fail(" ".join(str(exc).split()))
    records = order_like(result.records, runs)
    if show:
        report(records)
    if args.json:
        print(f"records: {args.json} (optlib bench report {args.json})", file=sys.stderr)
    if args.plot and records:
        print(f"wrote {plot_profile(records, args.plot)}", file=sys.stderr)
    if result.interrupted:
        print(f"interrupted after {result.ran} runs" + (f"; add --resume to finish {args.json}" if args.json else ""),
              file=sys.stderr)
        sys.exit(130)
    return records


def report(records: Sequence[dict[str, Any]]) -> None:
    """The per-run table and the summary of `optlib bench report`."""
    from optlib.bench.report import format_runs, format_summary, summarize

    print(format_runs(records))
    print()
    print(format_summary(summarize(records)), flush=True)
