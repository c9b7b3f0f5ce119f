"""Check an example's optional packages before it does any work: a missing one stops the script
at once (exit code 1) with the one install command used everywhere in optlib."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

#: the install command per importable module (torch: the CPU build the project pins)
INSTALL = {"torch": "pip install torch==2.13.0", "matplotlib": "pip install optlib[plots]",
           "PIL": "pip install optlib[images]", "dask": "pip install optlib[dask]"}
NAMES = {"PIL": "Pillow"}


def missing(*modules: str) -> list[str]:
    """The modules of `modules` that cannot be imported."""
    return [m for m in modules if importlib.util.find_spec(m) is None]


def require(*modules: str, why: str = "") -> None:
    """Exit (status 1) before any work when one of `modules` is missing, naming the install command."""
    gone = missing(*modules)
    if gone:
        script = Path(sys.argv[0]).name
        what = f" ({why})" if why else ""
        sys.exit("; ".join(f"{script}{what} needs {NAMES.get(m, m)}, which is not installed: "
                           f"{INSTALL.get(m, f'pip install {m}')}" for m in gone))
