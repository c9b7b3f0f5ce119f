"""Tables in markdown documents regenerated from committed record files, so that documented
numbers are computed, never typed.

A block in a document

    <!-- bench-report: benchmarks/records/dag-quick.jsonl -->
    ...anything...
    <!-- /bench-report -->

is replaced by what `optlib bench report FILE --markdown OUT.md` writes for that records file
(paths relative to the repository root, i.e. the document's parent's parent for docs/*.md). The
report's flags may follow the path, as on the command line (optlib.bench.tables):

    <!-- bench-report: benchmarks/records/speed.jsonl --table runs --columns instance,method,wall_s
         --where backend=highs --ratio-to highspy -->        (on one line)

`--shift S` (the summary's geometric-mean shift), `--table summary|runs`, `--columns A,B,...`
(record fields, options.X, extra.X), `--where KEY=VALUE` (repeatable), `--ratio-to METHOD`.
The generated text starts with the command that reproduces it. `python -m optlib.bench.docs
docs/benchmarks.md` rewrites the blocks, `--check` only reports the stale ones (exit 1), as the
test suite does. A block with an unknown flag or column is a ValueError naming the document, the
block's line and the flag.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Sequence

from .records import load_records
from .report import DEFAULT_SHIFT
from .tables import ReportSpec, parse_report_args, render_markdown

BLOCK = re.compile(r"(<!-- bench-report: (?P<args>[^>]*?) -->\n)(?P<body>.*?)(<!-- /bench-report -->)", re.S)


def _parse(args: str, where: str) -> tuple[list[str], ReportSpec]:
    try:
        return parse_report_args(args)
    except ValueError as exc:
        raise ValueError(f"{where}: bench-report block: {exc}") from None


def render(records_path: Path | str | Sequence[Path | str], root: Path, shift: float = DEFAULT_SHIFT,
           spec: ReportSpec | None = None) -> str:
    """The markdown of one block: `optlib bench report`'s --markdown output for the records
    file(s) (paths as written in the document, read from under `root`) and `spec` (default: the
    summary with `shift`)."""
    paths = [records_path] if isinstance(records_path, (str, Path)) else list(records_path)
    records: list = []
    for p in paths:
        records += load_records(root / p)[0]
    return render_markdown(records, [str(p) for p in paths], spec or ReportSpec(shift=shift))


def update(doc: str | Path, root: str | Path | None = None, check: bool = False) -> list[str]:
    """Regenerate every bench-report block of `doc` (`root`: where the records paths start;
    default the document's folder's parent). Returns the records paths whose block was stale;
    with check=True the document is left as it is."""
    doc = Path(doc)
    root = Path(root) if root is not None else doc.resolve().parent.parent
    text = doc.read_text(encoding="utf-8")
    stale: list[str] = []

    def fill(m: re.Match) -> str:
        where = f"{doc}, line {text.count(chr(10), 0, m.start()) + 1}"
        paths, spec = _parse(m.group("args"), where)
        try:
            body = render(paths, root, spec=spec)
        except (OSError, ValueError) as exc:
            raise ValueError(f"{where}: bench-report block: {exc}") from None
        if body != m.group("body"):
            stale.append(" ".join(paths))
        return m.group(1) + body + m.group(4)

    new = BLOCK.sub(fill, text)
    if stale and not check:
        doc.write_text(new, encoding="utf-8")
    return stale


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m optlib.bench.docs", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("documents", nargs="+")
    ap.add_argument("--check", action="store_true", help="only report stale blocks (exit 1 if any)")
    args = ap.parse_args(argv)
    stale_all = []
    for d in args.documents:
        try:
            stale = update(d, check=args.check)
        except (OSError, ValueError) as exc:
            print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
            return 2
        stale_all += stale
        for s in stale:
            print(f"{d}: {'stale' if args.check else 'regenerated'} table from {s}")
    return 1 if (args.check and stale_all) else 0


if __name__ == "__main__":
    sys.exit(main())
