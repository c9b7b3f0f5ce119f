"""Command line interface: ``optlib backends | solve | bench`` (also ``python -m optlib``).

    optlib backends [--json]
    optlib solve FILE [--backend auto] [--time-limit S] [--rel-gap G] [--threads N] [--verbose] [--json]
    optlib bench SUITE [--suite quick|paper] [--backends a,b] [--time-limit S] [--seeds N] [--data DIR]
                 [--json OUT.jsonl] [--resume] [--executor local|processes|dask] [--workers K]
                 [--scheduler tcp://HOST:PORT] [--plot PNG] [--progress/--no-progress]
    optlib bench FILE... [same options]           (the suite `mps` on these .mps/.lp files)
    optlib bench report RESULTS.jsonl... [--plot PNG] [--plot-gap PNG] [--markdown OUT.md] [--shift S] [--runs]
                 [--table summary|runs] [--columns A,B,...] [--where KEY=VALUE]... [--ratio-to METHOD]

Exit status: 0 when the command ran (a solve that ends INFEASIBLE or at a time limit still
ran), 2 for usage errors, unreadable files, unknown or unusable backends (one line on
stderr), 1 for an unexpected internal error.
"""
from __future__ import annotations

import argparse
import importlib.util
import contextlib
import json
import os
import sys
from typing import Any, Callable, Iterator, Sequence

from .solve import solve_params

PROG = "optlib"


class UsageError(Exception):
    """A problem with what the user asked for: reported on one line, exit status 2."""


# -- argument types ----------------------------------------------------------------------
def _solve_param(name: str, parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """An argparse type: parse the text, then validate it exactly as `Model.solve` does."""
    def convert(text: str) -> Any:
        try:
            value = parse(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {'an integer' if parse is int else 'a number'}, "
                                             f"got {text!r}") from None
        try:
            solve_params(**{name: value})
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc).replace(f"{name} must", "must")) from None
        return value

    return convert


_positive_float = _solve_param("time_limit", float)
_rel_gap = _solve_param("rel_gap", float)
_positive_int = _solve_param("threads", int)


def _option_value(text: str) -> Any:
    low = text.lower()
    if low in ("true", "on", "yes"):
        return True
    if low in ("false", "off", "no"):
        return False
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return text


def _parse_options(items: Sequence[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--option expects KEY=VALUE, got {item!r}")
        out[key.strip()] = _option_value(value.strip())
    return out


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser for the `optlib` command."""
    from . import __version__

    p = argparse.ArgumentParser(prog=PROG, description="Solve and benchmark .mps/.lp models on open backends.")
    p.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    b = sub.add_parser("backends", help="list the backends, whether installed, and what they accept")
    b.add_argument("--json", action="store_true", help="print a JSON list instead of a table")

    s = sub.add_parser("solve", help="solve one .mps/.lp file")
    s.add_argument("file", metavar="FILE", help="an .mps or .lp file")
    s.add_argument("--backend", "-b", default="auto", help="backend name (see `optlib backends`); default auto")
    s.add_argument("--time-limit", type=_positive_float, metavar="S", help="time limit in seconds")
    s.add_argument("--rel-gap", type=_rel_gap, metavar="G", help="relative MIP gap to stop at (0.01 = 1%%)")
    s.add_argument("--threads", type=_positive_int, metavar="N", help="number of solver threads")
    s.add_argument("--verbose", "-v", action="store_true", help="show the solver's log")
    s.add_argument("--json", action="store_true", help="print the result as JSON")
    s.add_argument("--option", "-o", action="append", metavar="KEY=VALUE",
                   help="backend-specific option passed through as-is (repeatable)")

    r = sub.add_parser("bench", help="run a benchmark suite (or backends on files) and compare",
                       description="Run a benchmark suite, or every backend on .mps/.lp files, appending one "
                                   "record per run to a JSON-lines file. Suites: "
                                   f"{', '.join(_suite_names_or_note())}. Summarise a results file with "
                                   "`optlib bench report RESULTS.jsonl`.")
    r.add_argument("targets", nargs="+", metavar="SUITE|FILE",
                   help="a suite name, or .mps/.lp files (the suite `mps` on them)")
    r.add_argument("--suite", dest="which", default="quick", metavar="SET",
                   help="which set of the suite: quick (minutes on 2 cores, default), paper (the paper's "
                        "settings) or a study set the suite defines (a wrong name lists them)")
    r.add_argument("--backends", metavar="A,B,C",
                   help="comma-separated backend names (files / mps: default every installed native backend; "
                        "method suites: keep the runs on these backends)")
    r.add_argument("--time-limit", type=_positive_float, metavar="S",
                   help="time limit per run in seconds (files / mps: default 60; method suites: their own)")
    r.add_argument("--rel-gap", type=_rel_gap, metavar="G", help="relative MIP gap to stop at (files / mps)")
    r.add_argument("--threads", type=_positive_int, metavar="N", help="number of solver threads (files / mps)")
    r.add_argument("--seeds", type=_positive_int, metavar="N", help="repeat every run with seeds 0..N-1")
    r.add_argument("--data", metavar="DIR", help="folder of larger data sets (default: shipped data, or $OPTLIB_DATA)")
    r.add_argument("--json", dest="json_out", metavar="OUT",
                   help="results file: JSON lines, one record per run as it finishes (default "
                        "bench-out/SUITE.jsonl); a name ending in .json gets one JSON document at the end instead")
    r.add_argument("--resume", action="store_true",
                   help="skip the runs already in the results file (finish a killed sweep)")
    r.add_argument("--overwrite", action="store_true", help="replace an existing results file")
    r.add_argument("--executor", choices=("local", "processes", "dask"), default="local",
                   help="local: one run at a time in this process (default); processes: a pool on this "
                        "machine; dask: a Dask LocalCluster, or --scheduler (pip install optlib[dask])")
    r.add_argument("--workers", type=_positive_int, metavar="K",
                   help="worker processes for --executor processes / dask (default: cpu count)")
    r.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="an existing Dask scheduler (--executor dask)")
    r.add_argument("--plot", metavar="PNG", help="also draw the performance profile to this file (needs matplotlib)")
    r.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True,
                   help="show progress on stderr (a bar with tqdm on a terminal, else one line per run)")
    return p


def _suite_names_or_note() -> list[str]:
    try:
        from .suites import suite_names

        return suite_names()
    except Exception as exc:   # a broken entry point must not break --help
        return [f"(cannot list: {_one_line(exc)})"]


def build_report_parser() -> argparse.ArgumentParser:
    """The parser for `optlib bench report`."""
    p = argparse.ArgumentParser(prog=f"{PROG} bench report",
                                description="Summarise benchmark records: per (suite, method, backend) the runs, "
                                            "solved (OPTIMAL and verified), shifted geometric mean of wall time, "
                                            "mean gap and ratio to the baseline; a performance profile "
                                            "(Dolan and More) with --plot.")
    p.add_argument("results", nargs="+", metavar="RESULTS", help="results files (.jsonl, or .json documents)")
    p.add_argument("--plot", metavar="PNG", help="draw the performance profile to this file (needs matplotlib)")
    p.add_argument("--plot-gap", metavar="PNG",
                   help="draw the mean relative gap over time per method and backend, one panel per suite, "
                        "from the runs' traces and final gaps (needs matplotlib)")
    p.add_argument("--markdown", metavar="OUT.md",
                   help="also write the table as markdown (what a docs/*.md bench-report block with the same "
                        "arguments holds)")
    p.add_argument("--shift", type=_shift, default=1.0, metavar="S",
                   help="shift of the geometric mean of times, in seconds (default 1)")
    p.add_argument("--runs", action="store_true", help="also print one line per run")
    p.add_argument("--table", choices=("summary", "runs"), default="summary",
                   help="summary: one row per suite, method and backend (default); runs: one row per run "
                        "with --columns")
    p.add_argument("--columns", metavar="A,B,...",
                   help="columns of --table runs: record fields, options.X or extra.X (default instance, method, "
                        "backend, status, objective, bound, gap, wall_s, verified)")
    p.add_argument("--where", action="append", default=[], metavar="KEY=VALUE",
                   help="keep only the records whose KEY (a column) equals VALUE; repeatable (all must hold)")
    p.add_argument("--ratio-to", metavar="METHOD",
                   help="--table runs: add time / METHOD (wall_s over that of METHOD's run on the same instance "
                        "and seed) and obj / METHOD")
    return p


def _shift(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (v >= 0 and v != float("inf")):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text!r}")
    return v


# -- backends ------------------------------------------------------------------------------
def describe_backends() -> list[dict[str, Any]]:
    """One dict per backend (`optlib.backend.backend_table`): name, installed, version,
    accepts (the problem classes, `Capabilities.accepted()`), capabilities, install (pip
    command) and note. Covers every registered name (built-in or registered by another
    package / at run time) plus the members of each family, e.g. `cvxpy:<SOLVER>` for
    CVXPY's installed solvers (one row saying how to get them when CVXPY is missing)."""
    from .backend import backend_table

    rows = backend_table()
    if importlib.util.find_spec("cvxpy") is None:
        rows.append({"name": "cvxpy:<SOLVER>", "installed": False, "version": "", "accepts": [],
                     "capabilities": {}, "install": "pip install cvxpy", "note": "CVXPY is not installed"})
    return rows


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(header, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines)


def cmd_backends(args: argparse.Namespace) -> int:
    rows = describe_backends()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    body = []
    for r in rows:
        hint = r["install"] or r["note"] or ""
        if r["install"] and r["note"]:
            hint = f"{r['install']} ({r['note']})"
        body.append([r["name"], "yes" if r["installed"] else "no", r["version"] or "-",
                     ", ".join(r["accepts"]) or "-", hint])
    # columns are separated by two or more blanks; `accepts` lists classes separated by ", "
    print(_table(["backend", "installed", "version", "accepts", "install / note"], body))
    return 0


# -- solve ---------------------------------------------------------------------------------
@contextlib.contextmanager
def _stdout_to_stderr(active: bool) -> Iterator[None]:
    """Send file descriptor 1 to stderr for the duration (solver logs printed by C code
    would otherwise corrupt a JSON document on stdout)."""
    if not active:
        yield
        return
    try:
        sys.stdout.flush()
        saved = os.dup(1)
        os.dup2(2, 1)
    except (OSError, ValueError, AttributeError):
        yield
        return
    try:
        yield
    finally:
        try:
            sys.stdout.flush()
        except Exception:
            pass
        os.dup2(saved, 1)
        os.close(saved)


def _check_file(path: str) -> None:
    if not os.path.exists(path):
        raise UsageError(f"file not found: {path}")
    if os.path.isdir(path):
        raise UsageError(f"{path} is a directory, expected an .mps or .lp file")


def _read_model(path: str) -> Any:
    from . import read

    _check_file(path)
    try:
        return read(path)
    except ImportError as exc:
        raise UsageError(f"cannot read {path}: {_one_line(exc)}") from None
    except Exception as exc:
        raise UsageError(f"cannot read {path}: {_one_line(exc)}") from None


def _check_backend_name(name: str, installed: bool = False) -> None:
    """Unknown names are usage errors; with `installed`, so is a backend that cannot run here."""
    from .bench import backend_unavailable_reason

    try:
        why = backend_unavailable_reason(name)
    except ValueError as exc:
        raise UsageError(_one_line(exc)) from None
    if installed and why:
        raise UsageError(f"backend {name!r}: {why}")


def cmd_solve(args: argparse.Namespace) -> int:
    from .backend import MissingDependency

    options = _parse_options(args.option)
    _check_file(args.file)
    _check_backend_name(args.backend, installed=True)
    with _stdout_to_stderr(True):     # readers may print banners; keep stdout for the result
        model = _read_model(args.file)
    with _stdout_to_stderr(args.json):
        try:
            result = model.solve(backend=args.backend, time_limit=args.time_limit, rel_gap=args.rel_gap,
                                 threads=args.threads, verbose=args.verbose, **options)
        except MissingDependency as exc:
            raise UsageError(_one_line(exc)) from None
        except ImportError as exc:
            raise UsageError(f"backend {args.backend!r} is not available: {_one_line(exc)}") from None
        except (ValueError, TypeError) as exc:
            raise UsageError(_one_line(exc)) from None
    if args.json:
        doc = result.to_dict()
        doc["file"] = args.file
        print(json.dumps(doc, indent=2, default=str))
    else:
        print(f"* File : {args.file}")
        print(result.summary())
    return 0


# -- bench ---------------------------------------------------------------------------------
_FILE_SUFFIXES = (".mps", ".lp", ".gz", ".mps.gz", ".lp.gz")


def _default_bench_backends() -> list[str]:
    from .suites.mps import default_backends

    return default_backends()


def _bench_backends(text: str | None, default: bool) -> list[str] | None:
    """The --backends names (checked: unknown names are usage errors); with `default`, every
    installed native backend when none are given."""
    if text is None:
        if not default:
            return None
        names = _default_bench_backends()
        if not names:
            raise UsageError("no backend is installed (see `optlib backends`)")
        return names
    names = list(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    if not names:
        raise UsageError("--backends is empty; give names such as highs,scip")
    for name in names:
        _check_backend_name(name)
    return names


def _bench_target(targets: Sequence[str]) -> tuple[str, list[str] | None]:
    """(suite name, files or None): one known suite name that is not a file, else files."""
    from .suites import suite_names

    names = suite_names()
    if len(targets) == 1 and targets[0] in names and not os.path.isfile(targets[0]):
        return targets[0], None
    for t in targets:
        if t in names and not os.path.exists(t):
            raise UsageError(f"give one suite ({t!r}) or files, not both")
        if not os.path.exists(t) and not t.lower().endswith(_FILE_SUFFIXES) and os.sep not in t:
            raise UsageError(f"unknown benchmark suite {t!r}; known: {', '.join(names)} "
                             f"(or give .mps/.lp files)")
        _check_file(t)
    return "mps", list(targets)


def _early_checks(args: argparse.Namespace) -> None:
    """Everything that can fail before any work: plotting, the executor, its options."""
    from .bench.executors import ExecutorUnavailable, check_executor

    if args.plot:
        _require_matplotlib("--plot")
    try:
        check_executor(args.executor, args.workers if args.executor != "local" else None, args.scheduler)
    except ExecutorUnavailable as exc:
        raise UsageError(str(exc)) from None
    except ValueError as exc:
        raise UsageError(_one_line(exc).replace("workers ", "--workers ").replace("scheduler ", "--scheduler ")
                         ) from None
    if args.workers is not None and args.executor == "local":
        raise UsageError("--workers applies to --executor processes or dask")


def _require_matplotlib(flag: str) -> None:
    from .bench.report import require_matplotlib

    try:
        require_matplotlib()
    except ImportError as exc:
        raise UsageError(f"{flag} needs matplotlib, which is not installed: {_plots_install()}") from exc


def _plots_install() -> str:
    from .bench.files import PLOTS_INSTALL

    return PLOTS_INSTALL


def _results_path(args: argparse.Namespace, suite: str) -> tuple[str, bool]:
    """(path, as_document): JSON lines unless the name ends in .json; checks --resume / --overwrite."""
    out = args.json_out or os.path.join("bench-out", f"{suite}.jsonl")
    as_doc = out.lower().endswith(".json")
    if os.path.isdir(out):
        raise UsageError(f"--json {out} is a directory, expected a file name")
    if as_doc and args.resume:
        raise UsageError(f"--resume needs a JSON-lines results file (a name not ending in .json), got {out}")
    if not as_doc and os.path.exists(out) and os.path.getsize(out) > 0 and not (args.resume or args.overwrite):
        raise UsageError(f"{out} already holds results: add --resume to finish that sweep (skipping the runs "
                         f"it has), or --overwrite to start again, or give another --json")
    if args.resume and args.overwrite:
        raise UsageError("--resume and --overwrite exclude each other")
    parent = os.path.dirname(out)
    try:
        if parent:
            os.makedirs(parent, exist_ok=True)
        if not as_doc:                  # can we write it? (emptied only when the runs start)
            with open(out, "a", encoding="utf-8"):
                pass
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {_one_line(exc)}") from None
    return out, as_doc


def _plan(args: argparse.Namespace, suite_name: str, files: list[str] | None) -> list[Any]:
    from .bench.runner import plan_runs
    from .suites import get_suite
    from .suites.mps import DEFAULT_TIME_LIMIT, MpsSuite

    if suite_name == "mps":
        names = _bench_backends(args.backends, default=True)
        if files is not None and args.data:
            raise UsageError("give files or --data DIR, not both")
        suite: Any = MpsSuite(files, names, time_limit=args.time_limit or DEFAULT_TIME_LIMIT,
                              threads=args.threads, rel_gap=args.rel_gap)
        keep, limit = None, None
    else:
        for flag, value in (("--threads", args.threads), ("--rel-gap", args.rel_gap)):
            if value is not None:
                raise UsageError(f"{flag} applies to the mps suite (files) only, not to {suite_name!r}")
        keep = _bench_backends(args.backends, default=False)
        limit = args.time_limit
        try:
            suite = get_suite(suite_name)
        except ImportError as exc:
            raise UsageError(f"suite {suite_name!r} cannot run here: {_one_line(exc)}") from None
    try:
        runs = plan_runs(suite, args.which, args.data, time_limit=limit, seeds=args.seeds, backends=keep)
    except (OSError, ImportError, ValueError, RuntimeError) as exc:   # missing data (names where to get it), a package
        raise UsageError(f"suite {suite_name!r}: {_one_line(exc)}") from None
    if not runs:
        raise UsageError(f"suite {suite_name!r} ({args.which}) has no runs"
                         + (f" on backends {args.backends}" if args.backends else ""))
    return runs


def cmd_bench(args: argparse.Namespace, argv: Sequence[str] | None) -> int:
    from .bench import files as bench_files
    from .bench.report import format_runs, format_summary, plot_profile, summarize
    from .bench.runner import order_like, run_sweep

    _early_checks(args)
    suite_name, files = _bench_target(args.targets)
    runs = _plan(args, suite_name, files)
    out, as_doc = _results_path(args, suite_name)

    try:
        with _stdout_to_stderr(True):   # solver banners/logs must not mix with the tables
            result = run_sweep(runs, None if as_doc else out, executor=args.executor, workers=args.workers,
                               scheduler=args.scheduler, resume=args.resume, progress=args.progress)
    except (ImportError, ValueError, OSError) as exc:   # the executor could not start, the file could not be read
        raise UsageError(_one_line(exc)) from None
    records = order_like(result.records, runs)
    if result.interrupted:
        print(f"interrupted: {result.ran} runs finished this time"
              + ("" if as_doc else f" are in {out}; add --resume to finish the sweep"), file=sys.stderr)
    print(format_runs(records))
    print()
    print(format_summary(summarize(records)))
    if as_doc:
        cmdline = [PROG, *(argv if argv is not None else sys.argv[1:])]
        names = sorted({r.backend for r in runs if r.backend})
        meta = bench_files.machine_meta(cmdline, names)
        meta.update({"suite": suite_name, "which": args.which, "files": files, "backends": names,
                     "time_limit": args.time_limit, "threads": args.threads, "rel_gap": args.rel_gap,
                     "executor": args.executor, "interrupted": result.interrupted})
        try:
            bench_files.write_records_document(records, out, meta)
        except OSError as exc:
            print(f"{PROG}: error: cannot write {out}: {_one_line(exc)}", file=sys.stderr)
            return 2
    print(f"wrote {out}", file=sys.stderr)
    if args.plot and records:
        try:
            png = plot_profile(records, args.plot)
            print(f"wrote {png}", file=sys.stderr)
        except OSError as exc:
            print(f"{PROG}: error: cannot write {args.plot}: {_one_line(exc)}", file=sys.stderr)
            return 2
    return 130 if result.interrupted else 0


def cmd_bench_report(args: argparse.Namespace) -> int:
    from .bench.gaptime import plot_gap
    from .bench.records import load_records
    from .bench.report import format_runs, plot_profile
    from .bench.tables import ReportSpec, check_spec, render_markdown, render_text, select

    columns = None if args.columns is None else tuple(c.strip() for c in args.columns.split(",") if c.strip())
    try:
        spec = check_spec(ReportSpec(shift=args.shift, table=args.table, columns=columns,
                                     where=tuple(args.where), ratio_to=args.ratio_to))
    except ValueError as exc:
        raise UsageError(_one_line(exc)) from None
    if args.plot:
        _require_matplotlib("--plot")
    if args.plot_gap:
        _require_matplotlib("--plot-gap")
    records: list[dict[str, Any]] = []
    for path in args.results:
        _check_results_file(path)
        try:
            recs, warnings = load_records(path)
        except (OSError, ValueError) as exc:
            raise UsageError(_one_line(exc)) from None
        for w in warnings:
            print(f"{PROG}: warning: {w}", file=sys.stderr)
        records += recs
    if not records:
        raise UsageError(f"no records in {', '.join(args.results)}")
    try:
        text = render_text(records, spec)
        markdown = render_markdown(records, args.results, spec) if args.markdown else None
    except ValueError as exc:
        raise UsageError(_one_line(exc)) from None
    chosen = select(records, spec.where)          # render_text checked that some record is left
    if args.runs:
        print(format_runs(chosen))
        print()
    print(text)
    if markdown is not None:
        try:
            parent = os.path.dirname(args.markdown)
            if parent:
                os.makedirs(parent, exist_ok=True)
            with open(args.markdown, "w", encoding="utf-8") as fh:
                fh.write(markdown)
        except OSError as exc:
            raise UsageError(f"cannot write {args.markdown}: {_one_line(exc)}") from None
        print(f"wrote {args.markdown}", file=sys.stderr)
    for flag, target, draw in (("--plot", args.plot, plot_profile), ("--plot-gap", args.plot_gap, plot_gap)):
        if not target:
            continue
        try:
            png = draw(chosen, target)
        except OSError as exc:
            raise UsageError(f"cannot write {target}: {_one_line(exc)}") from None
        except ValueError as exc:
            raise UsageError(f"{flag}: {_one_line(exc)}") from None
        print(f"wrote {png}", file=sys.stderr)
    return 0


def _check_results_file(path: str) -> None:
    if not os.path.exists(path):
        raise UsageError(f"results file not found: {path}")
    if os.path.isdir(path):
        raise UsageError(f"{path} is a directory, expected a results file (.jsonl)")

# -- entry point ---------------------------------------------------------------------------
def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `optlib` command with `argv` (default sys.argv[1:]); returns the exit status."""
    parser = build_parser()
    argv = list(argv) if argv is not None else None
    words = argv if argv is not None else sys.argv[1:]
    if words[:2] == ["bench", "report"]:
        try:
            rargs = build_report_parser().parse_args(words[2:])
        except SystemExit as exc:
            return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        try:
            return cmd_bench_report(rargs)
        except UsageError as exc:
            print(f"{PROG}: error: {exc}", file=sys.stderr)
            return 2
        except Exception as exc:
            print(f"{PROG}: internal error: {type(exc).__name__}: {_one_line(exc)}", file=sys.stderr)
            return 1
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:       # argparse: --help/--version (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    if args.command is None:
        parser.print_usage(sys.stderr)
        print(f"{PROG}: error: missing command (backends, solve or bench)", file=sys.stderr)
        return 2
    try:
        if args.command == "backends":
            return cmd_backends(args)
        if args.command == "solve":
            return cmd_solve(args)
        if args.command == "bench":
            return cmd_bench(args, argv)
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # an internal error: one line, not a traceback
        print(f"{PROG}: internal error: {type(exc).__name__}: {_one_line(exc)}", file=sys.stderr)
        return 1
    parser.error(f"unknown command {args.command!r}")  # pragma: no cover - argparse rejects it first
    return 2  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
