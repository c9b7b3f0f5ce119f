"""Find a data file by its path inside the data layout ('scoring/adult.csv', 'robust/knapsack', ...).

Search order: the explicit `data` folder, then `$OPTLIB_DATA`, then the files shipped inside optlib
(gzipped copies, `NAME.gz`, count as `NAME`). A file found nowhere raises `DataNotFoundError`, a
FileNotFoundError whose message names the folders searched, the variable and the source URL.
"""
from __future__ import annotations

import gzip
import io
import os
from pathlib import Path
from typing import IO

from .catalog import ENV_VAR, source_of

#: the folder of the data shipped inside the package
SHIPPED = Path(__file__).parent


class DataNotFoundError(FileNotFoundError):
    """A data file is neither in `data=`, nor under $OPTLIB_DATA, nor shipped with optlib."""


def _check_relpath(relpath: str) -> str:
    if not isinstance(relpath, str) or not relpath.strip():
        raise ValueError(f"relpath must be a path inside the data folder such as 'scoring/adult.csv', "
                         f"got {relpath!r}")
    parts = Path(relpath).parts
    if Path(relpath).is_absolute() or ".." in parts:
        raise ValueError(f"relpath must be relative and stay inside the data folder, got {relpath!r}")
    return "/".join(parts)


def search_dirs(data: str | os.PathLike | None = None) -> list[tuple[str, Path]]:
    """The (label, folder) pairs searched, in order: `data`, $OPTLIB_DATA, the shipped files."""
    out: list[tuple[str, Path]] = []
    if data is not None:
        if not isinstance(data, (str, os.PathLike)):
            raise ValueError(f"data must be a folder path or None, got {type(data).__name__}")
        out.append(("data", Path(data)))
    env = os.environ.get(ENV_VAR)
    if env:
        out.append((f"${ENV_VAR}", Path(env)))
    out.append(("shipped with optlib", SHIPPED))
    return out


def _missing(relpath: str, data: str | os.PathLike | None, kind: str) -> DataNotFoundError:
    looked = "; ".join(f"{label} {folder / relpath}" for label, folder in search_dirs(data))
    env = "" if os.environ.get(ENV_VAR) else f" (${ENV_VAR} is not set)"
    return DataNotFoundError(
        f"data {kind} {relpath!r} not found; looked in: {looked}{env}. Source: {source_of(relpath)}. "
        f"Download it and set {ENV_VAR}=DIR (or pass data=DIR / --data DIR) where DIR/{relpath} exists.")


def data_path(relpath: str, data: str | os.PathLike | None = None) -> Path:
    """The first existing `DIR/relpath` or `DIR/relpath.gz` over `search_dirs(data)`."""
    relpath = _check_relpath(relpath)
    for _, folder in search_dirs(data):
        for cand in (folder / relpath, folder / (relpath + ".gz")):
            if cand.is_file():
                return cand
    raise _missing(relpath, data, "file")


def data_folder(relpath: str, data: str | os.PathLike | None = None) -> Path:
    """The first existing folder `DIR/relpath` over `search_dirs(data)` (e.g. 'robust/knapsack')."""
    relpath = _check_relpath(relpath)
    for _, folder in search_dirs(data):
        if (folder / relpath).is_dir():
            return folder / relpath
    raise _missing(relpath, data, "folder")


def open_text(path: str | os.PathLike) -> IO[str]:
    """Open a text file for reading, transparently un-gzipping a `.gz` name."""
    p = Path(path)
    if p.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(p, "rb"), encoding="utf-8", newline="")
    return open(p, encoding="utf-8", newline="")


def read_bytes(path: str | os.PathLike) -> bytes:
    """The bytes of a file, un-gzipped for a `.gz` name."""
    p = Path(path)
    return gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()


def plain_name(path: str | os.PathLike) -> str:
    """The file's name without a trailing '.gz' (the name the data set's own tables use)."""
    name = Path(path).name
    return name[:-3] if name.endswith(".gz") else name


def missing(relpath: str, data: str | os.PathLike | None = None) -> str | None:
    """None when `relpath` (a file or folder) is found, else the message saying where to get it
    (for skip reasons: `pytest.mark.skipif(missing(p) is not None, reason=str(missing(p)))`)."""
    try:
        data_path(relpath, data)
        return None
    except DataNotFoundError:
        pass
    try:
        data_folder(relpath, data)
        return None
    except DataNotFoundError as exc:
        return str(exc).replace("data folder", "data", 1)
