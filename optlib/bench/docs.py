"""Tables in markdown documents regenerated from committed record files, so that documented
numbers are computed, never typed.

A block in a document

    <!-- bench-report: benchmarks/records/dag-quick.jsonl -->
    ...anything...
    <!-- /bench-report -->

is replaced by `optlib bench report`'s markdown summary of that records file (paths relative
to the repository root, i.e. the document's parent's parent for docs/*.md; `--shift S` may
follow the path). `python -m optlib.bench.docs docs/benchmarks.md` rewrites the blocks,
`--check` only reports the stale ones (exit 1), as the test suite does.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from .records import load_records
from .report import DEFAULT_SHIFT, summarize, summary_markdown

BLOCK = re.compile(r"(<!-- bench-report: (?P<args>[^>]*?) -->\n)(?P<body>.*?)(<!-- /bench-report -->)", re.S)


def _parse(args: str, doc: Path) -> tuple[Path, float]:
    parts = args.split()
    if not parts:
        raise ValueError(f"{doc}: a bench-report block names no records file")
    shift = DEFAULT_SHIFT
    if len(parts) == 3 and parts[1] == "--shift":
        shift = float(parts[2])
    elif len(parts) != 1:
        raise ValueError(f"{doc}: bench-report block arguments {args!r}: expected PATH [--shift S]")
    return Path(parts[0]), shift


def render(records_path: Path, root: Path, shift: float = DEFAULT_SHIFT) -> str:
    """The markdown summary of one records file (its path as written in the document)."""
    records, _ = load_records(root / records_path)
    return summary_markdown(summarize(records, shift=shift), shift=shift, source=str(records_path))


def update(doc: str | Path, root: str | Path | None = None, check: bool = False) -> list[str]:
    """Regenerate every bench-report block of `doc` (`root`: where the records paths start;
    default the document's folder's parent). Returns the records paths whose block was stale;
    with check=True the document is left as it is."""
    doc = Path(doc)
    root = Path(root) if root is not None else doc.resolve().parent.parent
    text = doc.read_text(encoding="utf-8")
    stale: list[str] = []

    def fill(m: re.Match) -> str:
        path, shift = _parse(m.group("args"), doc)
        body = render(path, root, shift)
        if body != m.group("body"):
            stale.append(str(path))
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
        stale = update(d, check=args.check)
        stale_all += stale
        for s in stale:
            print(f"{d}: {'stale' if args.check else 'regenerated'} table from {s}")
    return 1 if (args.check and stale_all) else 0


if __name__ == "__main__":
    sys.exit(main())
