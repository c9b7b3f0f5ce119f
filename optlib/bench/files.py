"""Backends on files: every backend on every .mps/.lp file, one `BenchRecord` per (file, backend).

This is the per-file engine under the `mps` suite (optlib.suites.mps) and the API that
`optlib bench FILE...` offered before suites existed; sweeps with tidy records, resume and
executors are in optlib.bench.runner.

    records = run_benchmark(["a.mps", "b.lp"], ["highs", "scip"], time_limit=60, progress=print)
    print(format_table(records))
    write_json(records, "bench-out/bench.json", machine_meta(["optlib", "bench", ...]))
    plot(records, "bench-out/bench.png")          # needs matplotlib

An instance a backend cannot take (wrong problem class, package not installed, file that
cannot be read) gives a record with status ``"n/a"`` and the reason, never an exception.
A solver crash gives status ``"ERROR"`` with the message. ``time`` is the backend's solve
time (what the time limit applies to); ``total_time`` adds optlib's compile and certify time.
"""
from __future__ import annotations

import datetime as _dt
import json
import math
import os
import platform
import sys
import time as _time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

NA = "n/a"
#: the one install command for the plots (pyproject extra `plots`)
PLOTS_INSTALL = "pip install optlib[plots]"
# Statuses whose times take part in the "ratio to the fastest backend" column.
_TIMED = {"OPTIMAL", "FEASIBLE", "INFEASIBLE", "UNBOUNDED", "INFEASIBLE_OR_UNBOUNDED", "NO_SOLUTION",
          "UNVERIFIED"}


@dataclass
class BenchRecord:
    """One run of one backend on one instance."""

    instance: str                      # file name (no directory)
    backend: str                       # the name asked for ('highs', 'cvxpy:SCS', 'auto', ...)
    status: str                        # Status name, or 'n/a' when the run did not happen
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None           # relative gap (fraction; inf when unknown)
    time: float | None = None          # backend solve time in seconds
    total_time: float | None = None    # compile + solve + certify
    reason: str = ""                   # why 'n/a', or the solver's message
    path: str = ""
    problem_class: str = ""
    sense: str = ""
    resolved_backend: str = ""         # the backend that ran ('auto' resolves to one)
    backend_version: str = ""
    certificate: str = ""              # certificate kind
    verified: bool | None = None       # whether optlib's certificate checks passed
    solver_status: str = ""            # what the solver said, where optlib's status differs
    solver_bound: float | None = None  # the solver's own bound (unchecked)
    time_limit: float | None = None
    threads: int | None = None

    @property
    def ran(self) -> bool:
        return self.status != NA

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: infinities as the strings 'inf' / '-inf' (as Result.to_dict does)."""
        return {k: _json_num(v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "BenchRecord":
        """From `to_dict`'s output, or from a tidy run record (optlib.bench.records: those have
        a 'key'; its message becomes `reason`, its solve time `time`, its wall time `total_time`)."""
        if "key" in data and "wall_s" in data:
            return cls.from_tidy(data)
        names = {f.name for f in fields(cls)}
        kw = {k: _from_json_num(v) for k, v in data.items() if k in names}
        return cls(**kw)


    @classmethod
    def from_tidy(cls, rec: dict[str, Any]) -> "BenchRecord":
        """The per-file view of a tidy record of the `mps` suite (see optlib.suites.mps)."""
        extra = rec.get("extra") or {}
        opts = rec.get("options") or {}
        wall = _from_json_num(rec.get("wall_s"))
        return cls(instance=rec.get("instance", ""), backend=rec.get("backend", ""), status=rec.get("status", ""),
                   objective=_from_json_num(rec.get("objective")), bound=_from_json_num(rec.get("bound")),
                   gap=_from_json_num(rec.get("gap")),
                   time=_from_json_num(extra.get("solve_s", wall)), total_time=wall,
                   reason=rec.get("message") or "", path=extra.get("path", opts.get("path", "")),
                   problem_class=extra.get("problem_class", ""), sense=extra.get("sense", ""),
                   resolved_backend=extra.get("resolved_backend", ""),
                   backend_version=extra.get("backend_version", ""), certificate=extra.get("certificate", ""),
                   verified=rec.get("verified"), solver_status=extra.get("solver_status", ""),
                   solver_bound=_from_json_num(extra.get("solver_bound")),
                   time_limit=opts.get("time_limit"), threads=opts.get("threads"))


ProgressFn = Callable[[str], None]
LoaderFn = Callable[[str], Any]


# -- running -------------------------------------------------------------------------
def _default_loader(path: str) -> Any:
    from .. import read

    return read(path)


def iter_benchmark(files: Sequence[str | os.PathLike], backends: Sequence[str],
                   time_limit: float | None = None, threads: int | None = None,
                   progress: ProgressFn | None = None, rel_gap: float | None = None,
                   loader: LoaderFn | None = None) -> Iterator[BenchRecord]:
    """Like `run_benchmark`, but yields each record as soon as its run ends (so a caller can
    keep the partial results of an interrupted benchmark)."""
    load = loader or _default_loader
    files = [str(f) for f in files]
    backends = list(backends)
    total = len(files) * len(backends)
    k = 0
    for path in files:
        inst = os.path.basename(path) or path
        try:
            model = load(path)
            load_error = ""
        except Exception as exc:  # a bad file makes n/a rows, not a crash
            model, load_error = None, f"cannot read {inst}: {_one_line(exc)}"
        for name in backends:
            k += 1
            if model is None:
                rec = BenchRecord(inst, name, NA, reason=load_error, path=path,
                                  time_limit=time_limit, threads=threads)
            else:
                if progress is not None and (time_limit is None or time_limit >= 5):
                    limit = "" if time_limit is None else f" (limit {time_limit:g} s)"
                    progress(f"[{k}/{total}] {inst} on {name}: running{limit}")
                rec = run_one(model, name, time_limit=time_limit, threads=threads, rel_gap=rel_gap,
                              instance=inst, path=path)
            if progress is not None:
                progress(f"[{k}/{total}] {inst} on {name} ... {_progress_outcome(rec)}")
            yield rec


def run_benchmark(files: Sequence[str | os.PathLike], backends: Sequence[str],
                  time_limit: float | None = None, threads: int | None = None,
                  progress: ProgressFn | None = None, rel_gap: float | None = None,
                  loader: LoaderFn | None = None) -> list[BenchRecord]:
    """Run every backend on every file (read with `optlib.read`, or `loader`).

    Each file is read once. `progress`, if given, is called with one line per finished run,
    e.g. "[3/9] inst.mps on scip ... FEASIBLE in 60.0 s". Never raises for a backend that
    cannot take an instance, is not installed, or crashes: see BenchRecord.status.
    """
    return list(iter_benchmark(files, backends, time_limit, threads, progress, rel_gap, loader))


def backend_unavailable_reason(name: str) -> str | None:
    """Why backend `name` cannot run here (adapter or package missing, CVXPY solver not
    installed), or None when it can. Unknown names raise ValueError (from get_backend)."""
    from ..backend import get_backend

    if name.strip().lower() == "auto":
        return None
    try:
        be = get_backend(name)
    except ImportError as exc:
        return f"backend unavailable: {_one_line(exc)}"
    if be.available():
        return None
    if name.strip().lower().startswith("cvxpy:"):
        try:
            import cvxpy
        except ImportError:
            return "not installed: CVXPY is missing: pip install cvxpy"
        solver = name.split(":", 1)[1].strip().upper()
        return (f"not installed: CVXPY has no installed solver {solver!r} "
                f"(installed: {', '.join(cvxpy.installed_solvers())})")
    return f"not installed: pip install {be.package}" if be.package else "not installed"


def run_one(model: Any, backend: str, time_limit: float | None = None, threads: int | None = None,
            rel_gap: float | None = None, instance: str = "", path: str = "") -> BenchRecord:
    """Solve `model` on `backend` and turn the outcome (or the reason it can't run) into a record."""
    from ..backend import MissingDependency

    base = dict(instance=instance or getattr(model, "name", "model"), backend=backend, path=path,
                time_limit=time_limit, threads=threads)
    try:
        why = backend_unavailable_reason(backend)
    except ValueError as exc:
        return BenchRecord(status=NA, reason=_one_line(exc), **base)
    if why:
        return BenchRecord(status=NA, reason=why, **base)
    t0 = _time.perf_counter()
    try:
        res = model.solve(backend=backend, time_limit=time_limit, rel_gap=rel_gap, threads=threads)
    except MissingDependency as exc:
        return BenchRecord(status=NA, reason=f"not installed: {_one_line(exc)}", **base)
    except ImportError as exc:
        return BenchRecord(status=NA, reason=f"backend unavailable: {_one_line(exc)}", **base)
    except ValueError as exc:   # the backend's check() refused this problem, or a bad name
        return BenchRecord(status=NA, reason=_one_line(exc), **base)
    except Exception as exc:    # keep the benchmark going; report the crash
        wall = _time.perf_counter() - t0
        return BenchRecord(status="ERROR", reason=f"{type(exc).__name__}: {_one_line(exc)}",
                           time=wall, total_time=wall, **base)
    cert = res.certificate
    return BenchRecord(
        status=res.status.name, objective=res.objective, bound=res.bound, gap=res.gap,
        time=res.timings.solve, total_time=res.timings.total, reason=_one_line(res.message),
        problem_class=res.problem_class, sense=res.sense, resolved_backend=res.backend.name,
        backend_version=res.backend.version, certificate=cert.kind, verified=cert.verified,
        solver_status="" if res.solver_status in (None, res.status) else res.solver_status.name,
        solver_bound=res.solver_bound, **base)


def _progress_outcome(rec: BenchRecord) -> str:
    if rec.status == NA:
        return f"n/a ({rec.reason})"
    out = f"{rec.status} in {rec.time:.1f} s" if rec.time is not None else rec.status
    if rec.status == "ERROR" and rec.reason:
        out += f" ({rec.reason})"
    return out


# -- table ---------------------------------------------------------------------------
def time_ratios(records: Sequence[BenchRecord]) -> list[float | None]:
    """For each record, its time divided by the fastest time on the same instance (among runs
    that ended with a real status, not 'n/a' or an error); None where it does not apply."""
    best: dict[str, float] = {}
    for r in records:
        if r.status in _TIMED and r.time is not None and math.isfinite(r.time):
            best[r.instance] = min(best.get(r.instance, math.inf), r.time)
    out: list[float | None] = []
    for r in records:
        b = best.get(r.instance)
        if b is None or r.status not in _TIMED or r.time is None:
            out.append(None)
        else:
            out.append(r.time / b if b > 0 else (1.0 if r.time == 0 else math.inf))
    return out


def _fmt_num(v: float | None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return f"{v:.8g}"


def _fmt_gap(g: float | None) -> str:
    if g is None or (isinstance(g, float) and (math.isnan(g) or math.isinf(g))):
        return "-"
    return f"{100.0 * g:.4g}"


def format_table(records: Sequence[BenchRecord]) -> str:
    """A plain-text table: instance, backend, status, objective, bound, gap (%), time (s),
    ratio to the fastest backend on that instance, whether optlib verified the answer
    (`certificate.verified`), and a note (reason for 'n/a' / errors)."""
    header = ["instance", "backend", "status", "objective", "bound", "gap (%)", "time (s)", "x fastest",
              "verified"]
    right = {3, 4, 5, 6, 7}
    rows: list[list[str]] = []
    notes: list[str] = []
    for rec, ratio in zip(records, time_ratios(records)):
        if rec.status == NA:
            row = [rec.instance, rec.backend, NA, "-", "-", "-", "-", "-", "-"]
        else:
            row = [rec.instance, rec.backend, rec.status, _fmt_num(rec.objective), _fmt_num(rec.bound),
                   _fmt_gap(rec.gap), "-" if rec.time is None else f"{rec.time:.3f}",
                   "-" if ratio is None else f"{ratio:.2f}", "yes" if rec.verified else "no"]
        rows.append(row)
        notes.append(rec.reason if rec.status in (NA, "ERROR", "NUMERICAL_ERROR")
                     else (f"solver said {rec.solver_status}" if rec.solver_status else ""))
    if any(notes):
        header.append("note")
        for row, note in zip(rows, notes):
            row.append(note)
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) if rows else len(header[i])
              for i in range(len(header))]

    def line(cells: list[str]) -> str:
        parts = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))]
        return "  ".join(parts).rstrip()

    out = [line(header), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    return "\n".join(out)


# -- JSON ------------------------------------------------------------------------------
def _json_num(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        if math.isnan(v):
            return None
        return "inf" if v > 0 else "-inf"
    return v


def _from_json_num(v: Any) -> Any:
    if v == "inf":
        return math.inf
    if v == "-inf":
        return -math.inf
    return v


def machine_meta(argv: Sequence[str] | None = None, backends: Iterable[str] = ()) -> dict[str, Any]:
    """Metadata for a benchmark file: command line, date, machine, package and backend versions."""
    from .. import __version__

    versions: dict[str, str] = {"optlib": __version__, "python": platform.python_version()}
    for mod in ("numpy", "scipy"):
        try:
            versions[mod] = __import__(mod).__version__
        except Exception:  # pragma: no cover - both are dependencies
            pass
    backend_versions: dict[str, str] = {}
    for name in backends:
        if name == "auto":
            continue
        try:
            from ..backend import get_backend

            be = get_backend(name)
            backend_versions[name] = be.version() if be.available() else "not installed"
        except Exception as exc:
            backend_versions[name] = f"unavailable ({_one_line(exc)})"
    return {
        "command": " ".join(argv) if argv is not None else " ".join(sys.argv),
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "machine": platform.machine(),
                    "processor": platform.processor(), "cpu_count": os.cpu_count(),
                    "python": sys.version.split()[0]},
        "versions": versions,
        "backend_versions": backend_versions,
    }


def write_json(records: Sequence[BenchRecord], path: str | os.PathLike, meta: dict[str, Any] | None = None) -> Path:
    """Write {"meta": ..., "records": [...]} to `path` (parent folders created); returns the path.
    Each record also carries its `time_ratio` to the fastest backend on its instance."""
    p = Path(path)
    if p.parent and not p.parent.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
    recs = []
    for rec, ratio in zip(records, time_ratios(records)):
        d = rec.to_dict()
        d["time_ratio"] = _json_num(ratio)
        recs.append(d)
    doc = {"meta": {k: _json_num(v) for k, v in (meta or {}).items()}, "records": recs}
    p.write_text(json.dumps(doc, indent=2, allow_nan=False, default=str) + "\n")
    return p


def write_records_document(records: Sequence[dict[str, Any]], path: str | os.PathLike,
                           meta: dict[str, Any] | None = None) -> Path:
    """Write tidy records (optlib.bench.records) as one JSON document {"meta": ..., "records": [...]}
    to `path` (what `optlib bench --json OUT.json` writes; `load_json` and `load_records` read it)."""
    from .records import _to_json

    p = Path(path)
    if p.parent and not p.parent.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
    doc = {"meta": _to_json(dict(meta or {})), "records": [_to_json(dict(r)) for r in records]}
    p.write_text(json.dumps(doc, indent=2, allow_nan=False, default=str) + "\n")
    return p


def load_json(path: str | os.PathLike) -> tuple[list[BenchRecord], dict[str, Any]]:
    """Read a file written by `write_json` back into records and metadata."""
    doc = json.loads(Path(path).read_text())
    return [BenchRecord.from_dict(d) for d in doc.get("records", [])], doc.get("meta", {})


# -- plot ------------------------------------------------------------------------------
def plot(records: Sequence[BenchRecord], path: str | os.PathLike, title: str | None = None) -> Path:
    """Grouped bar charts: solve time per instance x backend (log scale) and relative gap (%).

    'n/a' runs are left out and marked 'n/a'; an infinite gap (no incumbent or no bound) is
    drawn as a hatched bar at the top of the gap axis. Raises ImportError (with the pip
    command) if matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(f"plotting needs matplotlib: {PLOTS_INSTALL}") from exc

    instances = list(dict.fromkeys(r.instance for r in records))
    backends = list(dict.fromkeys(r.backend for r in records))
    by_key = {(r.instance, r.backend): r for r in records}
    nb = max(len(backends), 1)
    width = 0.8 / nb
    fig, (ax_t, ax_g) = plt.subplots(2, 1, figsize=(max(6.0, 1.4 * len(instances) * max(1, nb / 2) + 2), 7.5),
                                     sharex=True)
    finite_gaps = [100 * r.gap for r in records if r.status in _TIMED and r.gap is not None and math.isfinite(r.gap)]
    gap_top = max([*finite_gaps, 1e-9]) * 1.25 if finite_gaps and max(finite_gaps) > 0 else 1.0
    times = [r.time for r in records if r.status in _TIMED and r.time is not None and r.time > 0]
    t_floor = min(times) / 2 if times else 1e-3
    from matplotlib.transforms import blended_transform_factory

    mark_t = blended_transform_factory(ax_t.transData, ax_t.transAxes)
    mark_g = blended_transform_factory(ax_g.transData, ax_g.transAxes)
    for j, be in enumerate(backends):
        xs = [i - 0.4 + width * (j + 0.5) for i in range(len(instances))]
        tv, gv, inf_x = [], [], []
        for x, inst in zip(xs, instances):
            rec = by_key.get((inst, be))
            if rec is None or rec.status not in _TIMED or rec.time is None:
                label = NA if rec is None or not rec.ran else rec.status
                tv.append(math.nan)
                gv.append(math.nan)
                for ax, tr in ((ax_t, mark_t), (ax_g, mark_g)):
                    ax.text(x, 0.02, label, transform=tr, rotation=90, ha="center", va="bottom",
                            fontsize=7, color="gray")
                continue
            tv.append(max(rec.time, t_floor))
            if rec.status != "OPTIMAL":   # say why a bar is not a proven optimum
                ax_t.text(x, max(rec.time, t_floor), rec.status, rotation=90, ha="center", va="bottom",
                          fontsize=6, color="dimgray")
            if rec.gap is None or not math.isfinite(rec.gap):
                gv.append(math.nan)
                inf_x.append(x)
            else:
                gv.append(100 * rec.gap)
        color = f"C{j % 10}"
        ax_t.bar(xs, tv, width, label=be, color=color)
        ax_g.bar(xs, gv, width, color=color)
        if inf_x:
            ax_g.bar(inf_x, [gap_top] * len(inf_x), width, color="none", edgecolor=color, hatch="//")
    ax_t.set_yscale("log")
    t_max = max(times) if times else 1.0
    ax_t.set_ylim(t_floor, t_max * 8)     # room for the status labels above the bars
    ax_t.set_xlim(-0.5, len(instances) - 0.5)
    ax_t.set_ylabel("solve time (s)")
    ax_t.legend(title="backend", fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax_t.grid(axis="y", alpha=0.3)
    ax_g.set_ylabel("relative gap (%)")
    ax_g.set_ylim(0, gap_top * 1.05)
    ax_g.grid(axis="y", alpha=0.3)
    ax_g.set_xticks(range(len(instances)))
    ax_g.set_xticklabels(instances, rotation=30, ha="right", fontsize=8)
    ax_g.set_title("relative gap (hatched: no finite gap)", fontsize=9)
    limits = {r.time_limit for r in records if r.time_limit}
    ttl = title or "optlib bench" + (f" (time limit {limits.pop():g} s)" if len(limits) == 1 else "")
    ax_t.set_title(ttl)
    fig.tight_layout()
    p = Path(path)
    if p.parent and not p.parent.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(p, dpi=120)
    plt.close(fig)
    return p


def _one_line(exc: BaseException | str) -> str:
    text = str(exc).strip()
    return " ".join(text.split()) if text else (type(exc).__name__ if isinstance(exc, BaseException) else "")


__all__ = ["BenchRecord", "run_benchmark", "iter_benchmark", "run_one", "format_table", "time_ratios", "backend_unavailable_reason",
           "write_json", "load_json", "machine_meta", "plot", "NA"]
