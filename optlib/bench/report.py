"""Reports from tidy records: a summary table per (suite, method, backend), a per-run table,
markdown for docs/benchmarks.md, and performance profiles (Dolan and More 2002).

    records, _ = load_records("out.jsonl")
    rows = summarize(records, shift=1.0)
    print(format_summary(rows, shift=1.0))
    plot_profile(records, "profile.png")                 # needs matplotlib

Definitions (stated in the table header too):
  solved    status OPTIMAL and verified by optlib's certificate checks;
  time      shifted geometric mean of wall seconds, exp(mean(log(t + s))) - s with shift s
            (1 s by default, as in H. Mittelmann's benchmarks); a run that ended without a
            definite answer (OPTIMAL, INFEASIBLE, UNBOUNDED, INFEASIBLE_OR_UNBOUNDED) counts at
            its time limit where it had one (options['time_limit']), else at its wall time;
  gap       mean relative gap over the runs with a finite gap (and how many had none, proofs
            of infeasibility or unboundedness apart);
  obj/base  mean of objective / baseline over the runs with both (the baseline is the exact or
            reference method's objective, or the known optimum).
Runs with status 'n/a' (the method or backend cannot take the instance) are counted apart.
"""
from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from .records import load_records

__all__ = ["load_records", "summarize", "format_summary", "summary_markdown", "format_runs", "is_solved",
           "shifted_geometric_mean", "performance_profile", "profile_fraction", "plot_profile", "require_matplotlib",
           "DEFAULT_SHIFT"]

DEFAULT_SHIFT = 1.0
NA = "n/a"


def is_solved(rec: Mapping[str, Any]) -> bool:
    """Status OPTIMAL and verified (optlib's certificate checks passed)."""
    return rec.get("status") == "OPTIMAL" and rec.get("verified") is True


def shifted_geometric_mean(values: Sequence[float], shift: float = DEFAULT_SHIFT) -> float:
    """exp(mean(log(v + shift))) - shift; nan for no values. `shift` must be >= 0 and every
    value + shift > 0."""
    if not (isinstance(shift, (int, float)) and math.isfinite(shift) and shift >= 0):
        raise ValueError(f"shift must be a finite number >= 0, got {shift!r}")
    if not values:
        return math.nan
    logs = []
    for v in values:
        if not v + shift > 0:
            raise ValueError(f"shifted_geometric_mean needs value + shift > 0, got value {v!r} with shift {shift!r}")
        logs.append(math.log(v + shift))
    return math.exp(sum(logs) / len(logs)) - shift


def _finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


#: statuses that are a definite answer (a proven optimum, or a proof that there is none)
DEFINITE = ("OPTIMAL", "INFEASIBLE", "UNBOUNDED", "INFEASIBLE_OR_UNBOUNDED")


#: a FEASIBLE run that took at least this share of its time limit counts as stopped by it
LIMIT_SHARE = 0.9


def _charged_time(rec: Mapping[str, Any]) -> float | None:
    """The time a run counts with: its wall time if it ended with a definite answer (DEFINITE)
    or ended FEASIBLE on its own (a heuristic, or a method without a certificate, that finished
    before LIMIT_SHARE of its limit); else (stopped by its limit, no solution, an error) its
    time limit where it had one, and its wall time where it had none."""
    wall = rec.get("wall_s")
    limit = (rec.get("options") or {}).get("time_limit")
    finished = rec.get("status") in DEFINITE or (
        rec.get("status") == "FEASIBLE" and _finite(wall) and _finite(limit) and float(wall) < LIMIT_SHARE * float(limit))
    if not finished and _finite(limit):
        return max(float(limit), float(wall) if _finite(wall) else 0.0)
    return float(wall) if _finite(wall) else None


def _group_key(rec: Mapping[str, Any]) -> tuple[str, str, str]:
    return (str(rec.get("suite", "")), str(rec.get("method", "")), str(rec.get("backend", "")))


def summarize(records: Iterable[Mapping[str, Any]], shift: float = DEFAULT_SHIFT) -> list[dict[str, Any]]:
    """One row per (suite, method, backend), sorted by those (so that a table does not depend on
    the order in which a pool finished the runs): runs (not 'n/a'),
    solved, na, errors, time (shifted geometric mean), gap (mean finite relative gap),
    inf_gaps, ratio (mean objective / baseline) and ratio_n (how many runs it is over)."""
    groups: dict[tuple[str, str, str], list[Mapping[str, Any]]] = {}
    for rec in records:
        groups.setdefault(_group_key(rec), []).append(rec)
    rows = []
    for (suite, method, backend), recs in sorted(groups.items(), key=lambda kv: kv[0]):
        ran = [r for r in recs if r.get("status") != NA]
        times = [t for t in (_charged_time(r) for r in ran) if t is not None]
        gaps = [float(r["gap"]) for r in ran if _finite(r.get("gap"))]
        ratios = []
        for r in ran:
            obj, base = r.get("objective"), r.get("baseline")
            if _finite(obj) and _finite(base):
                if base != 0:
                    ratios.append(obj / base)
                elif obj == 0:
                    ratios.append(1.0)
        rows.append({
            "suite": suite, "method": method, "backend": backend, "runs": len(ran),
            "solved": sum(is_solved(r) for r in ran), "na": len(recs) - len(ran),
            "errors": sum(r.get("status") == "ERROR" for r in ran),
            "time": shifted_geometric_mean(times, shift) if times else math.nan,
            "gap": sum(gaps) / len(gaps) if gaps else math.nan,
            "inf_gaps": sum(1 for r in ran if isinstance(r.get("gap"), float) and math.isinf(r["gap"])
                            and r.get("status") not in DEFINITE[1:]),   # no gap is expected of a proof of none
            "ratio": sum(ratios) / len(ratios) if ratios else math.nan, "ratio_n": len(ratios),
        })
    return rows


def _num(v: float, fmt: str) -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, fmt)


def _summary_cells(rows: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[list[str]]]:
    show_method = any(r["method"] not in ("", "backend") for r in rows)
    show_na = any(r["na"] for r in rows)
    show_err = any(r["errors"] for r in rows)
    show_ratio = any(r["ratio_n"] for r in rows)
    header = ["suite"] + (["method"] if show_method else []) + ["backend", "runs", "solved"]
    header += (["n/a"] if show_na else []) + (["errors"] if show_err else [])
    header += ["time (s)", "gap (%)"] + (["obj / baseline"] if show_ratio else [])
    body = []
    for r in rows:
        gap = _num(100 * r["gap"] if _finite(r["gap"]) else math.nan, ".3g")
        if r["inf_gaps"]:
            gap += f" (+{r['inf_gaps']} inf)"
        cells = [r["suite"]] + ([r["method"]] if show_method else []) + [r["backend"] or "-", str(r["runs"]),
                                                                          str(r["solved"])]
        cells += ([str(r["na"])] if show_na else []) + ([str(r["errors"])] if show_err else [])
        cells += [_num(r["time"], ".3f"), gap]
        if show_ratio:
            cells.append(_num(r["ratio"], ".6g") + (f" ({r['ratio_n']})" if r["ratio_n"] else ""))
        body.append(cells)
    return header, body


def _legend(shift: float, sep: str = "\n") -> str:
    return (f"solved = OPTIMAL and verified. time (s) = shifted geometric mean of wall seconds, shift {shift:g} s; "
            f"a run stopped by its time limit (or without a solution) counts at the limit.{sep}"
            f"gap (%) = mean finite relative gap (+k inf: runs without one). "
            f"obj / baseline = mean ratio to the exact or reference objective (number of runs).")


def format_summary(rows: Sequence[Mapping[str, Any]], shift: float = DEFAULT_SHIFT) -> str:
    """The summary rows as a plain-text table under a line stating the definitions and the shift."""
    header, body = _summary_cells(rows)
    left = {0, 1, 2} if "method" in header else {0, 1}
    return _legend(shift) + "\n" + text_table(header, body, set(range(len(header))) - left)


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> str:
    """Columns padded to their widest cell (those in `right` right-aligned), two spaces apart,
    a dashed line under the header."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    return "\n".join([line(header), "  ".join("-" * w for w in widths), *map(line, rows)])


def summary_markdown(rows: Sequence[Mapping[str, Any]], shift: float = DEFAULT_SHIFT,
                     source: str | None = None) -> str:
    """The summary as a markdown table (the definitions in a line above it; `source` names the
    records file it was generated from)."""
    header, body = _summary_cells(rows)
    left = 3 if "method" in header else 2
    out = []
    if source:
        out.append(f"Generated by `optlib bench report {source}`.")
        out.append("")
    out += [_legend(shift, sep=" "), "", "| " + " | ".join(header) + " |",
            "|" + "|".join(":---" if i < left else "---:" for i in range(len(header))) + "|"]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |" for cells in body]
    return "\n".join(out) + "\n"


def format_runs(records: Sequence[Mapping[str, Any]]) -> str:
    """One line per run: instance, (method), backend, (seed), status, objective, bound, gap (%),
    (baseline), time (s) = wall seconds, verified, and a note for 'n/a' and errors. Columns in
    brackets appear only when some run has them."""
    show_method = any(r.get("method") not in ("", "backend", None) for r in records)
    show_seed = any(r.get("seed") for r in records)
    show_base = any(r.get("baseline") is not None for r in records)
    header = ["instance"] + (["method"] if show_method else []) + ["backend"] + (["seed"] if show_seed else [])
    header += ["status", "objective", "bound", "gap (%)"] + (["baseline"] if show_base else [])
    header += ["time (s)", "verified"]
    rows, notes = [], []
    for r in records:
        ran = r.get("status") != NA
        cells = [str(r.get("instance", ""))] + ([str(r.get("method", ""))] if show_method else [])
        cells += [str(r.get("backend") or "-")] + ([str(r.get("seed", 0))] if show_seed else [])
        gap = r.get("gap")
        cells += [str(r.get("status", "")), _fmt(r.get("objective")), _fmt(r.get("bound")),
                  f"{100 * gap:.4g}" if _finite(gap) else "-"]
        cells += [_fmt(r.get("baseline"))] if show_base else []
        wall = r.get("wall_s")
        cells += [f"{wall:.3f}" if ran and _finite(wall) else "-",
                  "-" if not ran else ("yes" if r.get("verified") else "no")]
        rows.append(cells)
        notes.append(r.get("message", "") if r.get("status") in (NA, "ERROR", "NUMERICAL_ERROR") else "")
    if any(notes):
        header.append("note")
        for cells, note in zip(rows, notes):
            cells.append(note or "")
    text_cols = {header.index(h) for h in ("instance", "method", "backend", "status", "verified", "note") if h in header}
    return text_table(header, rows, set(range(len(header))) - text_cols)


def _fmt(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if isinstance(v, float) and math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return f"{v:.8g}" if isinstance(v, (int, float)) else str(v)


# -- performance profiles ----------------------------------------------------------------------
def _label(method: str, backend: str) -> str:
    if method in ("", "backend"):
        return backend or "-"
    return f"{method} ({backend})" if backend else method


def performance_profile(records: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Dolan and More's performance profiles, per suite.

    For instance p (instance name and seed) and solver s (method and backend): t_ps = wall time
    if s solved p, else infinity; r_ps = t_ps / min_s t_ps; rho_s(tau) = the fraction of the
    suite's instances with r_ps <= tau. Returns (sorted by suite, instance, label) {suite:
    {"instances": [...], "ratios":
    {label: [r_ps per instance]}}}; rho_s is `profile_fraction(ratios[label], tau)`. An instance
    no solver solved counts against every solver. 'n/a' runs count as not solved."""
    by_suite: dict[str, dict[tuple[str, int], dict[str, float]]] = {}
    labels: dict[str, list[str]] = {}
    for rec in records:
        suite = str(rec.get("suite", ""))
        inst = (str(rec.get("instance", "")), int(rec.get("seed") or 0))
        label = _label(str(rec.get("method", "")), str(rec.get("backend", "")))
        wall = rec.get("wall_s")
        t = max(float(wall), 1e-9) if is_solved(rec) and _finite(wall) else math.inf
        table = by_suite.setdefault(suite, {}).setdefault(inst, {})
        table[label] = min(t, table.get(label, math.inf))
        if label not in labels.setdefault(suite, []):
            labels[suite].append(label)
    out: dict[str, dict[str, Any]] = {}
    for suite, table in sorted(by_suite.items()):
        instances = sorted(table)
        ratios: dict[str, list[float]] = {lab: [] for lab in sorted(labels[suite])}
        for inst in instances:
            best = min(table[inst].values())
            for lab in ratios:
                t = table[inst].get(lab, math.inf)
                ratios[lab].append(t / best if math.isfinite(t) else math.inf)
        out[suite] = {"instances": [f"{i}" if s == 0 else f"{i} seed {s}" for i, s in instances], "ratios": ratios}
    return out


def profile_fraction(ratios: Sequence[float], tau: float) -> float:
    """rho(tau): the fraction of `ratios` that are <= tau."""
    return sum(r <= tau for r in ratios) / len(ratios) if ratios else 0.0


def require_matplotlib() -> Any:
    """Import matplotlib.pyplot (Agg backend) or raise ImportError with the install command."""
    from .files import PLOTS_INSTALL

    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(f"plotting needs matplotlib, which is not installed: {PLOTS_INSTALL}") from exc
    return plt


def plot_profile(records: Iterable[Mapping[str, Any]], path: str | os.PathLike, title: str | None = None) -> Path:
    """Draw the performance profile of each suite (one panel per suite; x: tau on a log2 axis,
    y: fraction of instances solved within tau x the best time) to `path` (PNG, SVG, PDF by its
    suffix). ImportError naming the install command when matplotlib is missing."""
    plt = require_matplotlib()
    prof = performance_profile(records)
    if not prof:
        raise ValueError("no records to draw a performance profile from")
    fig, axes = plt.subplots(1, len(prof), figsize=(6.0 * len(prof), 4.2), squeeze=False)
    for ax, (suite, data) in zip(axes[0], prof.items()):
        finite = [r for rs in data["ratios"].values() for r in rs if math.isfinite(r)]
        tau_max = max(2.0, max(finite, default=1.0) * 1.5)
        for j, (lab, rs) in enumerate(data["ratios"].items()):
            steps = sorted({1.0, *(r for r in rs if math.isfinite(r)), tau_max})
            ys = [profile_fraction(rs, t) for t in steps]
            ax.step(steps, ys, where="post", label=lab, **line_style(j))
        ax.set_xscale("log", base=2)
        ax.set_xlim(1.0, tau_max)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("tau (time within tau x the best)")
        ax.set_ylabel("fraction of instances solved")
        ax.set_title(title or f"{suite}: performance profile ({len(data['instances'])} instances)", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    return save_figure(plt, fig, path)


def line_style(j: int) -> dict[str, str]:
    """Colour and dash of the j-th curve of a plot (10 colours, then the next dash pattern)."""
    return {"color": f"C{j % 10}", "linestyle": ("-", "--", ":", "-.")[(j // 10) % 4]}


def save_figure(plt: Any, fig: Any, path: str | os.PathLike) -> Path:
    """Lay out `fig`, write it to `path` (folders made) at 120 dpi, close it; the path."""
    fig.tight_layout()
    p = Path(path)
    if not p.parent.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(p, dpi=120)
    plt.close(fig)
    return p
