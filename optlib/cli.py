"""Command line interface: ``optlib backends | solve | bench`` (also ``python -m optlib``).

    optlib backends [--json]
    optlib solve FILE [--backend auto] [--time-limit S] [--rel-gap G] [--threads N] [--verbose] [--json]
    optlib bench FILE... [--backends highs,scip] [--time-limit S] [--json out.json] [--plot out.png]

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

    r = sub.add_parser("bench", help="run several backends on several files and compare")
    r.add_argument("files", nargs="+", metavar="FILE", help=".mps or .lp files")
    r.add_argument("--backends", metavar="A,B,C",
                   help="comma-separated backend names (default: every installed native backend)")
    r.add_argument("--time-limit", type=_positive_float, default=60.0, metavar="S",
                   help="time limit per run in seconds (default 60)")
    r.add_argument("--rel-gap", type=_rel_gap, metavar="G", help="relative MIP gap to stop at")
    r.add_argument("--threads", type=_positive_int, metavar="N", help="number of solver threads")
    r.add_argument("--json", dest="json_out", default=os.path.join("bench-out", "bench.json"), metavar="OUT",
                   help="where to write the records (default bench-out/bench.json)")
    r.add_argument("--plot", metavar="PNG", help="also draw time and gap bar charts to this file")
    return p


# -- backends ------------------------------------------------------------------------------
def _accepts(caps: Any) -> list[str]:
    out = []
    if caps.continuous:
        out.append("LP")
    if caps.integer:
        out.append("MILP" if caps.continuous else "MILP (all-integer)")
    if caps.soc and caps.continuous:
        out.append("SOCP")
    if caps.psd and caps.continuous:
        out.append("SDP")
    return out


def describe_backends() -> list[dict[str, Any]]:
    """One dict per backend: name, installed, version, accepts, install (pip command) and note.
    Covers every registered name (built-in or registered by another package / at run time)
    plus the members of each family, e.g. `cvxpy:<SOLVER>` for CVXPY's installed solvers."""
    from .backend import families, get_backend, registered_names

    names = registered_names()
    cvx_note = ""
    for fam in families().values():
        try:
            names += [f"{fam.prefix}:{m}" for m in fam.members()]
        except ImportError:
            pass
    if importlib.util.find_spec("cvxpy") is None:
        cvx_note = "CVXPY is not installed"
    rows: list[dict[str, Any]] = []
    for name in names:
        row: dict[str, Any] = {"name": name, "installed": False, "version": "", "accepts": [],
                               "capabilities": {}, "install": None, "note": ""}
        try:
            be = get_backend(name)
        except ImportError as exc:
            row["note"] = f"adapter not available: {' '.join(str(exc).split())}"
            rows.append(row)
            continue
        installed = bool(be.available())
        row["installed"] = installed
        if installed:
            row["version"] = be.version()
            pkg = getattr(be, "package", "") or ""
            if pkg and not pkg.lower().startswith(name.split(":")[0].lower()) or name.startswith("cvxpy:"):
                row["version"] += f" ({pkg})"
            caps = be.capabilities
            row["accepts"] = _accepts(caps)
            row["capabilities"] = {k: bool(getattr(caps, k)) for k in
                                   ("continuous", "integer", "soc", "psd", "duals", "mip_bound")}
        else:
            caps = be.capabilities
            row["accepts"] = _accepts(caps)
            row["install"] = f"pip install {be.package}" if be.package else None
        rows.append(row)
    if cvx_note:
        rows.append({"name": "cvxpy:<SOLVER>", "installed": False, "version": "", "accepts": [],
                     "capabilities": {}, "install": "pip install cvxpy", "note": cvx_note})
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
def _default_bench_backends() -> list[str]:
    from .backend import get_backend, registered_names

    out = []
    for name in registered_names():
        try:
            if get_backend(name).available():
                out.append(name)
        except (ImportError, ValueError):
            continue
    return out


def cmd_bench(args: argparse.Namespace, argv: Sequence[str] | None) -> int:
    from . import bench

    if args.backends is None:
        names = _default_bench_backends()
        if not names:
            raise UsageError("no backend is installed (see `optlib backends`)")
    else:
        names = [n.strip() for n in args.backends.split(",") if n.strip()]
        if not names:
            raise UsageError("--backends is empty; give names such as highs,scip")
    names = list(dict.fromkeys(names))
    for name in names:
        _check_backend_name(name)
    for f in args.files:
        _check_file(f)

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    records: list[bench.BenchRecord] = []
    interrupted = False
    try:
        with _stdout_to_stderr(True):   # solver banners/logs must not mix with the table
            for rec in bench.iter_benchmark(args.files, names, time_limit=args.time_limit,
                                            threads=args.threads, rel_gap=args.rel_gap, progress=progress):
                records.append(rec)
    except KeyboardInterrupt:
        interrupted = True
        print("interrupted: writing the runs finished so far", file=sys.stderr)

    print(bench.format_table(records))
    cmdline = [PROG, *(argv if argv is not None else sys.argv[1:])]
    meta = bench.machine_meta(cmdline, names)
    meta.update({"files": list(args.files), "backends": names, "time_limit": args.time_limit,
                 "threads": args.threads, "rel_gap": args.rel_gap, "interrupted": interrupted})
    try:
        out = bench.write_json(records, args.json_out, meta)
        print(f"wrote {out}", file=sys.stderr)
    except OSError as exc:
        print(f"{PROG}: error: cannot write {args.json_out}: {_one_line(exc)}", file=sys.stderr)
        return 2
    if args.plot:
        try:
            png = bench.plot(records, args.plot)
            print(f"wrote {png}", file=sys.stderr)
        except ImportError:
            print(f"{PROG}: --plot skipped: matplotlib is not installed (pip install matplotlib)",
                  file=sys.stderr)
        except OSError as exc:
            print(f"{PROG}: --plot skipped: cannot write {args.plot}: {_one_line(exc)}", file=sys.stderr)
    return 130 if interrupted else 0


# -- entry point ---------------------------------------------------------------------------
def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `optlib` command with `argv` (default sys.argv[1:]); returns the exit status."""
    parser = build_parser()
    argv = list(argv) if argv is not None else None
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
