"""Tables of `optlib bench report` beyond the per-group summary: the report's flags (shared by the
command line and the `<!-- bench-report: ... -->` blocks of docs), record filters, and a per-run
table of chosen columns with ratios to a reference method (speed studies).

    spec = check_spec(ReportSpec(table="runs", columns=("instance", "method", "wall_s"),
                                 where=("backend=highs",), ratio_to="highspy"))
    print(render_text(records, spec))
    md = render_markdown(records, ["out.jsonl"], spec)     # what --markdown writes and a docs block holds

Columns are record fields (optlib.bench.records.RECORD_FIELDS), `options.X` or `extra.X` (X may
name a nested key with more dots). `--where KEY=VALUE` keeps the records whose column KEY equals
VALUE (numbers compared as numbers, true/false as booleans, null as missing); several are all
required. `--ratio-to METHOD` adds `time / METHOD` = wall_s / wall_s of the run of METHOD on the
same suite, instance and seed (looked up among all records, not only those --where keeps; a run
of METHOD on the same backend is preferred), and `obj / METHOD` = objective / its objective where
both have one. Numbers are printed compactly and deterministically: times, gaps and ratios to 3
significant digits, other numbers to 6.
"""
from __future__ import annotations

import dataclasses
import json
import math
import re
import shlex
from typing import Any, Iterable, Mapping, Sequence

from .records import RECORD_FIELDS
from .report import DEFAULT_SHIFT, format_summary, summarize, summary_markdown, text_table

__all__ = ["ReportSpec", "TABLES", "DEFAULT_COLUMNS", "check_spec", "parse_report_args", "command_args",
           "select", "column_value", "runs_cells", "render_text", "render_markdown", "compact_number"]

TABLES = ("summary", "runs")
DEFAULT_COLUMNS = ("instance", "method", "backend", "status", "objective", "bound", "gap", "wall_s", "verified")
#: columns printed to 3 significant digits (times, memory, gaps); other numbers get 6
_SHORT = {"wall_s", "cpu_s", "peak_memory_mb", "gap"}
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")


@dataclasses.dataclass(frozen=True)
class ReportSpec:
    """What `optlib bench report` shows: `table` 'summary' (per suite, method and backend; `shift`
    of the geometric mean) or 'runs' (one row per run: `columns`, and with `ratio_to` the ratio
    columns); `where`: 'KEY=VALUE' filters applied to the records first."""

    shift: float = DEFAULT_SHIFT
    table: str = "summary"
    columns: tuple[str, ...] | None = None
    where: tuple[str, ...] = ()
    ratio_to: str | None = None

    def flags(self) -> list[str]:
        """The command-line flags that give this spec (defaults left out), in a fixed order."""
        out: list[str] = []
        if self.shift != DEFAULT_SHIFT:
            out += ["--shift", f"{self.shift:g}"]
        if self.table != "summary":
            out += ["--table", self.table]
        if self.columns is not None:
            out += ["--columns", ",".join(self.columns)]
        for w in self.where:
            out += ["--where", w]
        if self.ratio_to is not None:
            out += ["--ratio-to", self.ratio_to]
        return out


def _check_column(col: str, flag: str) -> str:
    if col in RECORD_FIELDS:
        return col
    head, _, rest = col.partition(".")
    if head in ("options", "extra") and rest and all(rest.split(".")):
        return col
    raise ValueError(f"{flag}: unknown column {col!r} (a record field: {', '.join(RECORD_FIELDS)}; "
                     f"or options.X or extra.X)")


def check_spec(spec: ReportSpec) -> ReportSpec:
    """`spec` when it is consistent; ValueError naming the flag otherwise (a shift that is not a
    finite number >= 0, an unknown table or column, --columns / --ratio-to without --table runs,
    a --where that is not KEY=VALUE)."""
    if isinstance(spec.shift, bool) or not isinstance(spec.shift, (int, float)) or not (
            math.isfinite(spec.shift) and spec.shift >= 0):
        raise ValueError(f"--shift: must be a finite number >= 0, got {spec.shift!r}")
    if spec.table not in TABLES:
        raise ValueError(f"--table: must be one of {', '.join(TABLES)}, got {spec.table!r}")
    if spec.columns is not None:
        if spec.table != "runs":
            raise ValueError("--columns: applies to --table runs")
        if not spec.columns:
            raise ValueError("--columns: names no column")
        for c in spec.columns:
            _check_column(c, "--columns")
        dup = sorted({c for c in spec.columns if spec.columns.count(c) > 1})
        if dup:
            raise ValueError(f"--columns: {', '.join(dup)} named twice")
    if spec.ratio_to is not None:
        if spec.table != "runs":
            raise ValueError("--ratio-to: applies to --table runs")
        if not spec.ratio_to or not _NAME.match(spec.ratio_to):
            raise ValueError(f"--ratio-to: expected a method name, got {spec.ratio_to!r}")
    for w in spec.where:
        key, eq, _ = w.partition("=")
        if not eq or not key:
            raise ValueError(f"--where: expected KEY=VALUE, got {w!r}")
        _check_column(key, "--where")
    return spec


#: flags of a report that take one value (a docs block uses the same ones as the command line)
_FLAGS = ("--shift", "--table", "--columns", "--where", "--ratio-to")


def parse_report_args(text: str) -> tuple[list[str], ReportSpec]:
    """The records paths and the checked ReportSpec of the arguments of a docs block
    ('PATH... [--shift S] [--table runs] [--columns A,B] [--where K=V]... [--ratio-to M]', quoted
    as a shell would). ValueError naming the flag for an unknown or incomplete one."""
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise ValueError(f"cannot split the arguments {text!r}: {exc}") from None
    paths: list[str] = []
    values: dict[str, Any] = {"where": []}
    i = 0
    while i < len(words):
        w = words[i]
        if not w.startswith("--"):
            if len(values) > 1 or values["where"]:
                raise ValueError(f"unexpected {w!r} after the flags (paths come first)")
            paths.append(w)
            i += 1
            continue
        flag, eq, inline = w.partition("=")
        if flag not in _FLAGS:
            raise ValueError(f"unknown flag {flag} (known: {', '.join(_FLAGS)})")
        if eq:
            value, i = inline, i + 1
        else:
            if i + 1 >= len(words) or words[i + 1].startswith("--"):
                raise ValueError(f"{flag}: needs a value")
            value, i = words[i + 1], i + 2
        name = flag[2:].replace("-", "_")
        if name == "where":
            values["where"].append(value)
            continue
        if name in values:
            raise ValueError(f"{flag}: given twice")
        if name == "shift":
            try:
                value = float(value)
            except ValueError:
                raise ValueError(f"--shift: expected a number, got {value!r}") from None
        if name == "columns":
            value = tuple(c.strip() for c in value.split(",") if c.strip())
        values[name] = value
    if not paths:
        raise ValueError("names no records file")
    values["where"] = tuple(values["where"])
    return paths, check_spec(ReportSpec(**values))


def command_args(paths: Sequence[str], spec: ReportSpec) -> str:
    """'PATH... FLAGS' as one shell-quoted line: what follows `optlib bench report` to get `spec`."""
    return " ".join(shlex.quote(str(w)) for w in [*paths, *spec.flags()])


# -- values and filters ----------------------------------------------------------------------------
_MISSING = object()


def column_value(rec: Mapping[str, Any], col: str) -> Any:
    """The value of column `col` ('field', 'options.X', 'extra.X.Y') in `rec`; None when absent."""
    v = _lookup(rec, col)
    return None if v is _MISSING else v


def _lookup(rec: Mapping[str, Any], col: str) -> Any:
    if col in RECORD_FIELDS:
        return rec.get(col)
    v: Any = rec
    for part in col.split("."):
        if not isinstance(v, Mapping) or part not in v:
            return _MISSING
        v = v[part]
    return v


def _equals(v: Any, want: str) -> bool:
    if v is None:
        return want.lower() in ("", "null", "none", "-")
    if isinstance(v, bool):
        return want.lower() in (("true", "yes", "1") if v else ("false", "no", "0"))
    if isinstance(v, (int, float)):
        try:
            return float(want) == float(v)
        except ValueError:
            return False
    if isinstance(v, (dict, list)):
        return json.dumps(v, sort_keys=True, separators=(",", ":")) == want
    return str(v) == want


def select(records: Iterable[Mapping[str, Any]], where: Sequence[str]) -> list[Mapping[str, Any]]:
    """The records that satisfy every 'KEY=VALUE' of `where` (see the module docstring)."""
    conds = [w.partition("=")[::2] for w in where]
    return [r for r in records if all(_equals(column_value(r, k), v) for k, v in conds)]


# -- formatting ---------------------------------------------------------------------------------
def compact_number(v: float, digits: int = 6) -> str:
    """`v` to `digits` significant digits without an exponent from 10**digits up to 1e16 (then
    as an integer), 'inf' / '-inf' for infinities, '-' for NaN; -0 is 0."""
    if math.isnan(v):
        return "-"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0:
        return "0"
    if 10 ** digits <= abs(v) < 1e16:
        return f"{v:.0f}"
    return format(v, f".{digits}g")


def _cell(col: str, v: Any, short: bool = False) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return compact_number(v, 3 if short or col in _SHORT else 6)
    if isinstance(v, (dict, list, tuple)):
        return json.dumps(v, sort_keys=True, separators=(",", ":"), default=str)
    return str(v) if str(v) else "-"


def _natural(s: Any) -> tuple:
    """Sort key that orders 'n9' before 'n10'."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", str(s)) if p)


def _row_order(rec: Mapping[str, Any]) -> tuple:
    return (_natural(rec.get("suite", "")), _natural(rec.get("instance", "")), rec.get("seed") or 0,
            _natural(rec.get("method", "")), _natural(rec.get("backend", "")), str(rec.get("key", "")))


def _reference(rec: Mapping[str, Any], refs: dict[tuple, list[Mapping[str, Any]]], method: str
               ) -> Mapping[str, Any] | None:
    cands = refs.get((rec.get("suite"), rec.get("instance"), rec.get("seed") or 0), [])
    if len(cands) > 1:
        same = [c for c in cands if c.get("backend") == rec.get("backend")]
        cands = same or cands
    if len(cands) > 1:
        same = [c for c in cands if c.get("options") == rec.get("options")]
        cands = same or cands
    if len(cands) > 1:
        raise ValueError(f"--ratio-to: {len(cands)} runs of {method} on instance {rec.get('instance')} "
                         f"(suite {rec.get('suite')}, seed {rec.get('seed') or 0}) and none on backend "
                         f"{rec.get('backend')!r} with the same options: cannot tell which one to divide by")
    return cands[0] if cands else None


def _ratio(a: Any, b: Any) -> float | None:
    if not (isinstance(a, (int, float)) and isinstance(b, (int, float))) or isinstance(a, bool) or isinstance(b, bool):
        return None
    if not (math.isfinite(a) and math.isfinite(b)):
        return None
    if b == 0:
        return 1.0 if a == 0 else None
    return a / b


def runs_cells(records: Sequence[Mapping[str, Any]], spec: ReportSpec,
               all_records: Sequence[Mapping[str, Any]] | None = None) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the per-run table of `records` (already selected): spec.columns (default
    DEFAULT_COLUMNS) and, with spec.ratio_to, 'time / M' and (when some row has one) 'obj / M',
    the reference runs looked up in `all_records` (default `records`). Rows sorted by suite,
    instance, seed, method, backend. ValueError naming the flag for an options. / extra. column
    that no record has, or a reference that is ambiguous."""
    cols = tuple(spec.columns) if spec.columns is not None else DEFAULT_COLUMNS
    for c in cols:
        if c not in RECORD_FIELDS and records and all(_lookup(r, c) is _MISSING for r in records):
            raise ValueError(f"--columns: no record has {c}")
    rows_recs = sorted(records, key=_row_order)
    header = list(cols)
    rows = [[_cell(c, column_value(r, c)) for c in cols] for r in rows_recs]
    m = spec.ratio_to
    if m is not None:
        pool = all_records if all_records is not None else records
        refs: dict[tuple, list[Mapping[str, Any]]] = {}
        for r in pool:
            if r.get("method") == m and r.get("status") not in ("n/a", "ERROR"):
                refs.setdefault((r.get("suite"), r.get("instance"), r.get("seed") or 0), []).append(r)
        if not refs:
            methods = sorted({str(r.get("method")) for r in pool})
            raise ValueError(f"--ratio-to: no run of method {m!r} (methods: {', '.join(methods)})")
        times, objs = [], []
        for r in rows_recs:
            ref = _reference(r, refs, m)
            ok = ref is not None and r.get("status") != "n/a"
            times.append(_ratio(r.get("wall_s"), ref.get("wall_s")) if ok else None)
            objs.append(_ratio(r.get("objective"), ref.get("objective")) if ok else None)
        header.append(f"time / {m}")
        for row, t in zip(rows, times):
            row.append(_cell("", t, short=True))
        if any(o is not None for o in objs):
            header.append(f"obj / {m}")
            for row, o in zip(rows, objs):
                row.append(_cell("", o))
    return header, rows


def _numeric_cols(rows: list[list[str]], n: int) -> set[int]:
    def number(s: str) -> bool:
        try:
            float(s)
            return True
        except ValueError:
            return s == "-"
    return {i for i in range(n) if rows and all(number(r[i]) for r in rows) and any(r[i] != "-" for r in rows)}


def _legend(spec: ReportSpec) -> str:
    m = spec.ratio_to
    text = "One row per run; wall_s and cpu_s in seconds, gap relative (optlib.relative_gap)."
    if m is not None:
        text += (f" time / {m} = wall_s over that of {m}'s run on the same instance and seed; "
                 f"obj / {m} = objective over its objective.")
    return text


def render_text(records: Sequence[Mapping[str, Any]], spec: ReportSpec) -> str:
    """The plain-text table `optlib bench report` prints for `spec` (records selected by spec.where)."""
    chosen = _chosen(records, spec)
    if spec.table == "summary":
        return format_summary(summarize(chosen, shift=spec.shift), shift=spec.shift)
    header, rows = runs_cells(chosen, spec, records)
    return _legend(spec) + "\n" + text_table(header, rows, _numeric_cols(rows, len(header)))


def render_markdown(records: Sequence[Mapping[str, Any]], paths: Sequence[str], spec: ReportSpec) -> str:
    """The markdown that `optlib bench report PATHS FLAGS --markdown OUT` writes and a docs block
    holds: a line naming that command, then the table."""
    chosen = _chosen(records, spec)
    source = command_args(paths, spec)
    if spec.table == "summary":
        return summary_markdown(summarize(chosen, shift=spec.shift), shift=spec.shift, source=source)
    header, rows = runs_cells(chosen, spec, records)
    right = _numeric_cols(rows, len(header))
    out = [f"Generated by `optlib bench report {source}`.", "", _legend(spec), "",
           "| " + " | ".join(h.replace("|", "\\|") for h in header) + " |",
           "|" + "|".join("---:" if i in right else ":---" for i in range(len(header))) + "|"]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |" for cells in rows]
    return "\n".join(out) + "\n"


def _chosen(records: Sequence[Mapping[str, Any]], spec: ReportSpec) -> list[Mapping[str, Any]]:
    chosen = select(records, spec.where)
    if not chosen:
        raise ValueError(f"--where: no record matches {' and '.join(spec.where)}" if spec.where
                         else "no records")
    return chosen
