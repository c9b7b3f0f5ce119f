"""Per-run tables of `optlib bench report` (optlib.bench.tables): columns, --where, --ratio-to, compact
numbers; the same flags in docs blocks (optlib.bench.docs), whose text equals the command's --markdown."""
from __future__ import annotations

import json
import math

import pytest

from optlib.bench import docs
from optlib.bench.tables import (ReportSpec, check_spec, command_args, compact_number, parse_report_args,
                                 render_markdown, runs_cells, select)
from optlib.cli import main


def rec(inst, method, wall, obj, backend="highs", seed=0, status="OPTIMAL", **extra):
    return {"suite": "speed", "instance": inst, "method": method, "backend": backend, "seed": seed,
            "status": status, "objective": obj, "bound": obj, "gap": 0.0, "verified": True, "wall_s": wall,
            "options": {"time_limit": 60.0}, "key": f"speed|{inst}|{method}|{backend}|{seed}", "extra": extra}


def speed_records():
    return [rec("afiro", "optlib", 0.02, -464.753, solve_s=0.01),
            rec("afiro", "cvxpy", 0.08, -464.7531),
            rec("afiro", "highspy", 0.01, -464.753),
            rec("lp10", "optlib", 1.5, 1234567.891),
            rec("lp10", "highspy", 1.0, 1234567.891),
            rec("lp2", "optlib", 0.3, None, status="ERROR"),
            rec("lp2", "highspy", 0.25, 7.0)]


def table(records, **kw):
    header, rows = runs_cells(records, check_spec(ReportSpec(table="runs", **kw)))
    return [dict(zip(header, r)) for r in rows]


def test_columns_and_ratio_to_a_method():
    rows = table(speed_records(), columns=("instance", "method", "wall_s", "extra.solve_s"), ratio_to="highspy")
    # natural order of instances (lp2 before lp10), then method
    assert [(r["instance"], r["method"]) for r in rows] == [
        ("afiro", "cvxpy"), ("afiro", "highspy"), ("afiro", "optlib"), ("lp2", "highspy"), ("lp2", "optlib"),
        ("lp10", "highspy"), ("lp10", "optlib")]
    by = {(r["instance"], r["method"]): r for r in rows}
    assert by["afiro", "optlib"]["time / highspy"] == "2" and by["afiro", "cvxpy"]["time / highspy"] == "8"
    assert by["lp10", "optlib"]["time / highspy"] == "1.5" and by["lp10", "highspy"]["time / highspy"] == "1"
    assert by["lp2", "optlib"]["time / highspy"] == "1.2"           # 0.3 / 0.25
    assert by["afiro", "cvxpy"]["obj / highspy"] == "1"              # 6 digits: 1.0000002 prints as 1
    assert by["lp2", "optlib"]["obj / highspy"] == "-"               # no objective: no ratio
    assert by["afiro", "optlib"]["extra.solve_s"] == "0.01" and by["afiro", "cvxpy"]["extra.solve_s"] == "-"
    assert by["lp10", "optlib"]["wall_s"] == "1.5"


def test_where_filters_rows_but_not_the_reference():
    recs = speed_records()
    assert len(select(recs, ["method=optlib"])) == 3
    assert len(select(recs, ["method=optlib", "instance=afiro"])) == 1
    assert len(select(recs, ["options.time_limit=60"])) == 7 and select(recs, ["options.time_limit=6"]) == []
    assert len(select(recs, ["verified=true"])) == 7 and len(select(recs, ["extra.solve_s=0.01"])) == 1
    header, rows = runs_cells(select(recs, ["method=optlib"]),
                              check_spec(ReportSpec(table="runs", columns=("instance",), ratio_to="highspy")), recs)
    assert header == ["instance", "time / highspy", "obj / highspy"]
    assert [r[:2] for r in rows] == [["afiro", "2"], ["lp2", "1.2"], ["lp10", "1.5"]]


def test_reference_prefers_the_same_backend_and_refuses_to_guess():
    recs = [rec("a", "M", 2.0, 1.0, backend="highs"), rec("a", "M", 4.0, 1.0, backend="scip"),
            rec("a", "X", 8.0, 1.0, backend="scip")]
    rows = table(recs, columns=("method", "backend"), ratio_to="M")
    assert {(r["method"], r["backend"]): r["time / M"] for r in rows} == {
        ("M", "highs"): "1", ("M", "scip"): "1", ("X", "scip"): "2"}
    with pytest.raises(ValueError, match="--ratio-to: 2 runs of M on instance a .* backend 'cpsat'"):
        table(recs + [rec("a", "Y", 1.0, 1.0, backend="cpsat")], ratio_to="M")


def test_compact_numbers():
    cases = {(0.0, 6): "0", (-0.0, 6): "0", (1234567.891, 6): "1234568", (123456.7, 6): "123457",
             (-464.7531, 6): "-464.753", (2.4e-15, 3): "2.4e-15", (1234.5, 3): "1234", (0.012345, 3): "0.0123",
             (math.inf, 3): "inf", (-math.inf, 3): "-inf", (math.nan, 3): "-", (3e17, 3): "3e+17"}
    for (v, d), want in cases.items():
        assert compact_number(v, d) == want, (v, d)


def test_bad_flags_and_columns_name_the_flag():
    for spec, msg in [(ReportSpec(table="runs", columns=("wall",)), "--columns: unknown column 'wall'"),
                      (ReportSpec(table="runs", columns=("extra.",)), "--columns: unknown column"),
                      (ReportSpec(columns=("wall_s",)), "--columns: applies to --table runs"),
                      (ReportSpec(ratio_to="M"), "--ratio-to: applies to --table runs"),
                      (ReportSpec(table="plain"), "--table: must be one of"),
                      (ReportSpec(where=("method",)), "--where: expected KEY=VALUE"),
                      (ReportSpec(where=("nope=1",)), "--where: unknown column 'nope'"),
                      (ReportSpec(shift=-1.0), "--shift")]:
        with pytest.raises(ValueError, match=msg):
            check_spec(spec)
    with pytest.raises(ValueError, match="--columns: no record has extra.nothing"):
        table(speed_records(), columns=("extra.nothing",))
    with pytest.raises(ValueError, match="--ratio-to: no run of method 'gurobipy'"):
        table(speed_records(), ratio_to="gurobipy")
    for text, msg in [("a.jsonl --colums x", "unknown flag --colums"), ("a.jsonl --table", "--table: needs a value"),
                      ("a.jsonl --shift x", "--shift: expected a number"), ("--table runs", "names no records file"),
                      ("a.jsonl --table runs --table runs", "--table: given twice"),
                      ("a.jsonl --table runs b.jsonl", "unexpected 'b.jsonl'")]:
        with pytest.raises(ValueError, match=msg):
            parse_report_args(text)


def test_block_arguments_round_trip():
    spec = check_spec(ReportSpec(shift=10.0, table="runs", columns=("instance", "extra.n"),
                                 where=("method=a b", "seed=0"), ratio_to="M"))
    text = command_args(["r.jsonl"], spec)
    assert text == "r.jsonl --shift 10 --table runs --columns instance,extra.n --where 'method=a b' --where seed=0 " \
                   "--ratio-to M"
    assert parse_report_args(text) == (["r.jsonl"], spec)
    assert parse_report_args("r.jsonl --table=runs") == (["r.jsonl"], ReportSpec(table="runs"))


# -- docs blocks and the command line ------------------------------------------------------------------
BLOCK_ARGS = "records/speed.jsonl --table runs --columns instance,method,status,objective,wall_s --where " \
             "backend=highs --ratio-to highspy"


@pytest.fixture
def project(tmp_path):
    (tmp_path / "records").mkdir()
    (tmp_path / "records" / "speed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in speed_records()))
    (tmp_path / "docs").mkdir()
    return tmp_path


def test_docs_block_equals_the_commands_markdown(project, monkeypatch, capsys):
    doc = project / "docs" / "d.md"
    doc.write_text(f"# t\n\n<!-- bench-report: {BLOCK_ARGS} -->\nold\n<!-- /bench-report -->\n")
    assert docs.update(doc, root=project) == ["records/speed.jsonl"]
    text = doc.read_text()
    body = text.split(" -->\n", 1)[1].split("<!-- /bench-report -->")[0]
    monkeypatch.chdir(project)
    assert main(["bench", "report", *BLOCK_ARGS.split(), "--markdown", "out.md"]) == 0
    printed = capsys.readouterr().out
    assert (project / "out.md").read_text() == body
    assert f"Generated by `optlib bench report {BLOCK_ARGS}`." in body
    lines = [ln for ln in body.splitlines() if ln.startswith("|")]
    assert lines[0] == "| instance | method | status | objective | wall_s | time / highspy | obj / highspy |"
    assert lines[1] == "|:---|:---|:---|---:|---:|---:|---:|"
    assert "| lp10 | optlib | OPTIMAL | 1234568 | 1.5 | 1.5 | 1 |" in lines
    assert "| lp2 | optlib | ERROR | - | 0.3 | 1.2 | - |" in lines
    assert "time / highspy" in printed and "1234568" in printed
    assert docs.update(doc, root=project, check=True) == []                        # stable
    # the summary block of the same file, filtered, is the command's summary markdown too
    doc.write_text("<!-- bench-report: records/speed.jsonl --where method=optlib -->\n<!-- /bench-report -->\n")
    docs.update(doc, root=project)
    assert main(["bench", "report", "records/speed.jsonl", "--where", "method=optlib", "--markdown", "s.md"]) == 0
    assert (project / "s.md").read_text() in doc.read_text()
    assert "| speed | optlib | highs | 3 |" in doc.read_text()


def test_bad_block_names_document_line_and_flag(project):
    doc = project / "docs" / "d.md"
    doc.write_text("# t\n\ntext\n<!-- bench-report: records/speed.jsonl --table runs --columns instance,wal_s -->\n"
                   "x\n<!-- /bench-report -->\n")
    with pytest.raises(ValueError, match=r"d\.md, line 4: bench-report block: --columns: unknown column 'wal_s'"):
        docs.update(doc, root=project, check=True)
    doc.write_text("<!-- bench-report: records/speed.jsonl --ratio-too M -->\nx\n<!-- /bench-report -->\n")
    with pytest.raises(ValueError, match=r"line 1: bench-report block: unknown flag --ratio-too"):
        docs.update(doc, root=project, check=True)
    doc.write_text("<!-- bench-report: records/none.jsonl -->\nx\n<!-- /bench-report -->\n")
    with pytest.raises(ValueError, match=r"line 1: bench-report block: results file not found"):
        docs.update(doc, root=project, check=True)
    assert docs.main([str(doc), "--check"]) == 2


def test_cli_errors_name_the_flag(project, capsys):
    f = str(project / "records" / "speed.jsonl")
    for argv, msg in [(["--table", "runs", "--columns", "instance,nope"], "--columns: unknown column 'nope'"),
                      (["--ratio-to", "highspy"], "--ratio-to: applies to --table runs"),
                      (["--where", "method=nobody"], "--where: no record matches method=nobody"),
                      (["--where", "method"], "--where: expected KEY=VALUE")]:
        assert main(["bench", "report", f, *argv]) == 2
        err = capsys.readouterr().err
        assert msg in err and "Traceback" not in err, (argv, err)


def test_render_markdown_summary_keeps_the_old_text():
    """Without flags the markdown is the summary as before (existing docs blocks do not change)."""
    from optlib.bench.report import summarize, summary_markdown

    recs = speed_records()
    assert render_markdown(recs, ["r.jsonl"], ReportSpec()) == summary_markdown(summarize(recs), source="r.jsonl")
