"""docs/benchmarks.md's generated tables match their committed record files (optlib.bench.docs),
and regeneration follows the records (a changed record changes the table)."""
from __future__ import annotations

import json
from pathlib import Path

from optlib.bench import docs

ROOT = Path(__file__).resolve().parents[1]


def test_documented_tables_are_generated_from_committed_records():
    doc = ROOT / "docs" / "benchmarks.md"
    assert docs.BLOCK.search(doc.read_text(encoding="utf-8")), "no generated table in docs/benchmarks.md"
    assert docs.update(doc, root=ROOT, check=True) == [], \
        "stale tables: run python -m optlib.bench.docs docs/benchmarks.md"


def _record(**kw):
    rec = {"key": "s|i|m|b|0|{}", "suite": "s", "instance": "i", "method": "m", "backend": "b", "seed": 0,
           "status": "OPTIMAL", "objective": 1.0, "bound": 1.0, "gap": 0.0, "verified": True,
           "baseline": 1.0, "wall_s": 0.5, "options": {}}
    rec.update(kw)
    return rec


def test_regeneration_follows_the_records(tmp_path):
    rec_file = tmp_path / "records" / "r.jsonl"
    rec_file.parent.mkdir()
    rec_file.write_text(json.dumps(_record()) + "\n")
    doc = tmp_path / "docs" / "d.md"
    doc.parent.mkdir()
    doc.write_text("# t\n<!-- bench-report: records/r.jsonl -->\ntyped by hand\n<!-- /bench-report -->\n")
    assert docs.update(doc, root=tmp_path, check=True) == ["records/r.jsonl"]
    assert "typed by hand" in doc.read_text()                  # check leaves it alone
    assert docs.update(doc, root=tmp_path) == ["records/r.jsonl"]
    first = doc.read_text()
    assert "typed by hand" not in first and "| s | m | b |" in first.replace("  ", " ")
    assert docs.update(doc, root=tmp_path, check=True) == []
    rec_file.write_text(json.dumps(_record(status="FEASIBLE", verified=False, wall_s=9.0)) + "\n")
    assert docs.update(doc, root=tmp_path, check=True) == ["records/r.jsonl"]
    docs.update(doc, root=tmp_path)
    assert doc.read_text() != first


def test_committed_records_name_no_machine_paths():
    """A committed record names shipped files by their place in the package, not by a path of the
    machine that ran it (the project must read the same anywhere)."""
    for path in sorted((ROOT / "benchmarks" / "records").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            where = (rec.get("extra") or {}).get("path")
            assert where is None or not Path(where).is_absolute(), (path.name, where)
