"""`python -m optlib.datasets`: list the data folders (source, licence, where found);
`python -m optlib.datasets slim`: the paths of the three SLIM MIPLIB files (for `optlib bench`);
`python -m optlib.datasets path RELPATH...`: the path of each file (e.g. scoring/adult.csv)."""
from __future__ import annotations

import sys

from . import SLIM_TASKS, SOURCES, data_folder, data_path, slim_mps
from .catalog import ENV_VAR
from .files import DataNotFoundError


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        if not args:
            for src in SOURCES.values():
                print(f"{src.folder}/  {src.what}\n    source: {src.url} ({src.license})\n"
                      f"    shipped: {src.shipped}\n    found at: {data_folder(src.folder)}")
            print(f"Larger sets: set {ENV_VAR}=DIR (DIR/<folder>/...) or pass data=DIR / --data DIR.")
        elif args[0] == "slim" and len(args) == 1:
            print("\n".join(str(slim_mps(task)) for task in SLIM_TASKS))
        elif args[0] == "path" and len(args) > 1:
            print("\n".join(str(data_path(rel)) for rel in args[1:]))
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except (DataNotFoundError, ValueError) as exc:
        print(f"optlib.datasets: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
