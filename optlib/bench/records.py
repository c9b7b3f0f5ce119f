"""Tidy run records: one flat JSON object per run, appended as one line of a results file.

    rec = make_record(run, outcome, wall_s=1.2, cpu_s=1.1, peak_memory_mb=310.0, ...)
    with RecordWriter("out.jsonl") as w:
        w.write(rec)                      # one line, flushed at once: a killed sweep keeps it
    records, warnings = read_records("out.jsonl")
    done = finished_keys(records)         # the Run.key of every run that has a status

Numbers that JSON cannot hold are written as strings: +/-infinity as "inf" / "-inf", NaN as
null (as Result.to_dict does); `read_records` turns them back into floats.
"""
from __future__ import annotations

import datetime as _dt
import importlib.metadata
import json
import math
import os
import platform
import socket
import sys
from pathlib import Path
from typing import Any, Iterable, Mapping

from .trace import TRACE_KEY, clean_trace

#: the fields of a record, in the order they are written
RECORD_FIELDS = ("instance", "suite", "method", "backend", "options", "seed", "status", "objective", "bound",
                 "gap", "verified", "baseline", "wall_s", "cpu_s", "peak_memory_mb", "memory_source",
                 "versions", "machine", "started_at", "key", "message", "extra")
#: numeric fields that may hold +/-inf
_NUMERIC = ("objective", "bound", "gap", "baseline", "wall_s", "cpu_s", "peak_memory_mb")
#: packages whose versions every record carries (those installed; looked up without importing them)
_VERSION_PACKAGES = ("numpy", "scipy", "highspy", "ortools", "clarabel", "scs", "cvxpy", "networkx",
                     "scikit-learn", "torch")


# -- building a record ----------------------------------------------------------------------
def make_record(run: Any, outcome: Mapping[str, Any], *, wall_s: float, cpu_s: float,
                peak_memory_mb: float | None, memory_source: str, started_at: str) -> dict[str, Any]:
    """The tidy record of `run` (an optlib.suites.Run) from the suite's `outcome` and the
    measurements; outcome keys that are not OUTCOME_FIELDS go under 'extra'."""
    from ..suites import OUTCOME_FIELDS

    if not isinstance(outcome, Mapping):
        outcome = {"status": "ERROR",
                   "message": f"suite {run.suite!r} returned {type(outcome).__name__}, not a dict"}
    extra = {k: v for k, v in outcome.items() if k not in OUTCOME_FIELDS}
    if isinstance(outcome.get("extra"), Mapping):          # a suite that nests its own extras
        extra.pop("extra")
        extra.update(outcome["extra"])
    if extra.get(TRACE_KEY) is not None:                   # [[seconds, objective, bound], ...] as floats
        try:
            extra[TRACE_KEY] = clean_trace(extra[TRACE_KEY])
        except ValueError as exc:                          # a malformed trace must not lose the run
            extra.pop(TRACE_KEY)
            extra["trace_error"] = _one_line(exc)
    status = outcome.get("status")
    return {
        "instance": run.instance, "suite": run.suite, "method": run.method, "backend": run.backend,
        "options": dict(run.options), "seed": run.seed,
        "status": str(getattr(status, "name", status)) if status is not None else "ERROR",
        "objective": _float_or_none(outcome.get("objective")),
        "bound": _float_or_none(outcome.get("bound")),
        "gap": _float_or_none(outcome.get("gap")),
        "verified": None if outcome.get("verified") is None else bool(outcome.get("verified")),
        "baseline": _float_or_none(outcome.get("baseline")),
        "wall_s": wall_s, "cpu_s": cpu_s, "peak_memory_mb": peak_memory_mb, "memory_source": memory_source,
        "versions": versions(), "machine": machine(), "started_at": started_at, "key": run.key,
        "message": (_one_line(outcome["message"]) if outcome.get("message")
                    else ("" if status is not None else "the suite's outcome has no status")),
        "extra": extra,
    }


def _float_or_none(v: Any) -> float | None:
    if v is None:
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _one_line(v: Any) -> str:
    return " ".join(str(v).split())


def now_iso() -> str:
    """The current UTC time, ISO 8601 to the millisecond (a record's started_at)."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")


_VERSIONS: dict[str, str] | None = None
_MACHINE: dict[str, Any] | None = None


def versions() -> dict[str, str]:
    """optlib, python and the installed numeric / solver packages (from package metadata,
    nothing is imported); computed once per process."""
    global _VERSIONS
    if _VERSIONS is None:
        from .. import __version__

        out = {"optlib": __version__, "python": platform.python_version()}
        for pkg in _VERSION_PACKAGES:
            try:
                out[pkg] = importlib.metadata.version(pkg)
            except importlib.metadata.PackageNotFoundError:
                continue
        _VERSIONS = out
    return dict(_VERSIONS)


def machine() -> dict[str, Any]:
    """hostname, cpu_count, platform and processor architecture of this process's machine."""
    global _MACHINE
    if _MACHINE is None:
        _MACHINE = {"hostname": socket.gethostname(), "cpu_count": os.cpu_count(),
                    "platform": platform.platform(), "machine": platform.machine()}
    return dict(_MACHINE)


# -- peak memory ---------------------------------------------------------------------------
class PeakMemory:
    """Peak resident memory of this process during a run.

    On Linux the kernel's high-water mark (VmHWM in /proc/self/status) is reset to the current
    resident size when the run starts (writing 5 to /proc/self/clear_refs), so the peak is this
    run's: source 'VmHWM'. Elsewhere it is resource.getrusage's ru_maxrss, the peak over the
    whole life of the process so far (it includes earlier runs in the same worker): source
    'ru_maxrss'. Memory of child processes is not counted."""

    def __init__(self) -> None:
        self.source = "ru_maxrss"

    def start(self) -> None:
        try:
            with open("/proc/self/clear_refs", "w") as fh:
                fh.write("5")
            self.source = "VmHWM" if _vm_hwm_kb() is not None else "ru_maxrss"
        except OSError:
            self.source = "ru_maxrss"

    def peak_mb(self) -> float | None:
        if self.source == "VmHWM":
            kb = _vm_hwm_kb()
            if kb is not None:
                return kb / 1024.0
        try:
            import resource
        except ImportError:      # Windows
            return None
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return rss / (1024.0 * 1024.0) if sys.platform == "darwin" else rss / 1024.0   # bytes on macOS


def _vm_hwm_kb() -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


# -- JSON lines ----------------------------------------------------------------------------
def _to_json(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if isinstance(v, dict):
        return {str(k): _to_json(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_to_json(x) for x in v]
    if hasattr(v, "item") and callable(v.item) and getattr(v, "shape", None) == ():   # numpy scalars
        return _to_json(v.item())
    return v


def to_json_line(record: Mapping[str, Any]) -> str:
    """One line of strict JSON (no NaN / Infinity literals), without the newline."""
    return json.dumps(_to_json(dict(record)), allow_nan=False, default=str, separators=(",", ":"))


def from_json(data: Mapping[str, Any]) -> dict[str, Any]:
    """A record read back: "inf" / "-inf" in the numeric fields become floats."""
    out = dict(data)
    for k in _NUMERIC:
        v = out.get(k)
        if v == "inf":
            out[k] = math.inf
        elif v == "-inf":
            out[k] = -math.inf
    extra = out.get("extra")
    if isinstance(extra, dict) and isinstance(extra.get(TRACE_KEY), list):   # its "inf" strings back to floats
        try:
            out["extra"] = {**extra, TRACE_KEY: clean_trace(extra[TRACE_KEY])}
        except ValueError:
            pass                                           # kept as written; the gap plot skips it
    return out


class RecordWriter:
    """Appends records to a JSON-lines file, one flushed line per record (parent folders
    created). Use as a context manager or call close()."""

    def __init__(self, path: str | os.PathLike, append: bool = True) -> None:
        self.path = Path(path)
        if not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "a" if append else "w", encoding="utf-8")

    def write(self, record: Mapping[str, Any]) -> None:
        self._fh.write(to_json_line(record) + "\n")
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> "RecordWriter":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def read_records(path: str | os.PathLike, repair: bool = False) -> tuple[list[dict[str, Any]], list[str]]:
    """The records of a JSON-lines results file, and warnings.

    A last line without its newline that is not valid JSON (the run being written when the
    sweep was killed) is ignored with a warning; with `repair` it is also cut from the file,
    so that appending goes on from a clean line. Any other line that is not a JSON object is
    an error naming the file and line (ValueError). Blank lines are skipped."""
    p = Path(path)
    raw = p.read_bytes()
    warnings: list[str] = []
    records: list[dict[str, Any]] = []
    lines = raw.split(b"\n")
    complete = raw.endswith(b"\n") or not raw
    for i, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        last = i == len(lines)          # only the text after the final newline can be cut short
        try:
            doc = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            if last and not complete:
                warnings.append(f"{p}, line {i}: ignoring a half-written last line ({len(line)} bytes: "
                                f"the run being written when the sweep stopped){' and cutting it' if repair else ''}")
                if repair:
                    with open(p, "r+b") as fh:
                        fh.truncate(len(raw) - len(line))
                break
            raise ValueError(f"{p}, line {i}: not a JSON record ({exc})") from None
        if not isinstance(doc, dict):
            raise ValueError(f"{p}, line {i}: expected a JSON object, got {type(doc).__name__}")
        records.append(from_json(doc))
    else:
        if not complete and repair:      # a valid last line without its newline: add it
            with open(p, "ab") as fh:
                fh.write(b"\n")
    return records, warnings


def finished_keys(records: Iterable[Mapping[str, Any]]) -> set[str]:
    """The keys of the runs that finished (a record with a key and a non-empty status)."""
    return {r["key"] for r in records if r.get("key") and isinstance(r.get("status"), str) and r["status"]}


def load_records(path: str | os.PathLike) -> tuple[list[dict[str, Any]], list[str]]:
    """Records from a JSON-lines file, or from a JSON document {"meta": ..., "records": [...]}
    (written by `optlib bench --json OUT.json`; records of optlib's earlier per-file format are
    converted to tidy ones). Returns (records, warnings)."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"results file not found: {p}")
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        doc = None                       # JSON lines (or a damaged file: read_records says where)
    if isinstance(doc, dict) and isinstance(doc.get("records"), list):
        recs = doc["records"]
        for i, r in enumerate(recs):
            if not isinstance(r, dict):
                raise ValueError(f"{p}: records[{i}] is not a JSON object")
        return [from_json(r) if "key" in r else from_legacy(r) for r in recs], []
    return read_records(p)


def from_legacy(d: Mapping[str, Any]) -> dict[str, Any]:
    """A tidy record from a BenchRecord dict (optlib bench's JSON before suites): suite 'mps',
    method 'backend', wall_s = the total time."""
    from ..suites import Run

    opts = {k: d[k] for k in ("time_limit", "threads") if d.get(k) is not None}
    run = Run("mps", d.get("instance", ""), "backend", d.get("backend", ""), 0, opts)
    rec = {k: None for k in RECORD_FIELDS}
    rec.update(instance=run.instance, suite="mps", method="backend", backend=run.backend, options=opts, seed=0,
               status=d.get("status"), objective=d.get("objective"), bound=d.get("bound"), gap=d.get("gap"),
               verified=d.get("verified"), wall_s=d.get("total_time", d.get("time")), key=run.key,
               message=d.get("reason", ""), versions={}, machine={},
               extra={"solve_s": d.get("time"), "path": d.get("path", "")})
    return from_json(rec)
