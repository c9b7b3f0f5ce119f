"""Read and write linear (MILP) models as MPS or LP files, through HiGHS (`highspy`).

A file's rows lo <= a'x <= hi become standard-form rows (A x + s = b, s in {0}^z x R_+^l):
an equality (lo == hi) gives a zero-cone row a'x = hi; every finite hi gives a nonneg row
a'x <= hi; every finite lo gives a nonneg row -a'x <= -lo (a `>=` side, negated=True).
Each such row has its own RowBlock named after the file's row; a ranged row
(lo < hi, both finite) gives two blocks, "<name>" (the <= side) and "<name>:lo" (the >=
side). Free rows (both sides infinite) are dropped. A maximisation file comes in as
sense = -1 with c and the offset negated (the form always minimises).

Writing goes the other way, one file row per standard-form row (negated rows are written
back as `>=` rows). Names are made safe for the LP format on writing: characters other
than letters, digits, '_', '.', '(' and ')' become '_', names that start with something
else than a letter or '_' or that are LP keywords get a leading '_', duplicates a suffix.
Accepted extensions: .mps, .lp, .mps.gz, .lp.gz.
"""
from __future__ import annotations

import gzip
import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from .standard_form import ConeDims, RowBlock, StandardForm

EXTENSIONS = (".mps", ".lp", ".mps.gz", ".lp.gz")
_LP_KEYWORDS = {
    "inf", "infinity", "end", "bound", "bounds", "bin", "binary", "binaries", "gen", "general",
    "generals", "int", "integer", "integers", "max", "maximize", "maximise", "maximum", "min",
    "minimize", "minimise", "minimum", "sos", "sos1", "sos2", "semi", "semis", "semi-continuous",
    "st", "s.t.", "subject", "such", "free",
}
_UNSAFE = re.compile(r"[^A-Za-z0-9_.()]")


def _extension(path: Path) -> str:
    name = path.name.lower()
    for ext in sorted(EXTENSIONS, key=len, reverse=True):
        if name.endswith(ext):
            return ext
    raise ValueError(
        f"cannot tell the format of {str(path)!r}: accepted extensions are " + ", ".join(EXTENSIONS)
    )


def _highs():
    try:
        import highspy
    except ImportError as exc:  # pragma: no cover - depends on environment
        raise ImportError("reading/writing MPS and LP files needs highspy: "
                          "pip install highspy") from exc
    from solvers.highs_backend import new_highs

    return highspy, new_highs(highspy)


def read_standard_form(path: str | os.PathLike) -> StandardForm:
    """Read an MPS or LP file (optionally gzipped) into a StandardForm."""
    p = Path(path)
    _extension(p)
    if not p.is_file():
        raise FileNotFoundError(f"no such model file: {str(p)!r}")
    highspy, h = _highs()
    if h.readModel(str(p)) == highspy.HighsStatus.kError:
        raise ValueError(f"HiGHS could not read {str(p)!r} (not a valid MPS/LP file?)")
    if h.getHessianNumNz() > 0:
        raise ValueError(f"{str(p)!r} has a quadratic objective; only linear models are supported")
    lp = h.getLp()
    n, m = int(lp.num_col_), int(lp.num_row_)

    mat = lp.a_matrix_
    parts = (np.asarray(mat.value_, dtype=float), np.asarray(mat.index_, dtype=np.int64),
             np.asarray(mat.start_, dtype=np.int64))
    if mat.format_ == highspy.MatrixFormat.kColwise:
        A = sp.csc_matrix(parts, shape=(m, n)).tocsr()
    else:
        A = sp.csr_matrix(parts, shape=(m, n))

    V = highspy.HighsVarType
    kinds = list(lp.integrality_) or [V.kContinuous] * n
    if any(k in (V.kSemiContinuous, V.kSemiInteger) for k in kinds):
        raise ValueError(f"{str(p)!r} has semi-continuous/semi-integer variables (not supported)")
    integer = np.array([k != V.kContinuous for k in kinds], dtype=bool)

    sense = -1 if lp.sense_ == highspy.ObjSense.kMaximize else 1
    lo = np.asarray(lp.row_lower_, dtype=float)
    hi = np.asarray(lp.row_upper_, dtype=float)
    row_names = list(lp.row_names_) or [f"r{i}" for i in range(m)]
    col_names = list(lp.col_names_) or [f"x{j}" for j in range(n)]

    eq = np.flatnonzero((lo == hi) & np.isfinite(hi))
    ranged = np.isfinite(lo) & np.isfinite(hi) & (lo != hi)
    up = np.flatnonzero(np.isfinite(hi) & (lo != hi))
    down = np.flatnonzero(np.isfinite(lo) & (lo != hi))
    # nonneg rows in file order, the <= side of a ranged row before its >= side
    rows = np.concatenate([up, down])
    side = np.concatenate([np.zeros(up.size, bool), np.ones(down.size, bool)])  # True: >= side
    order = np.lexsort((side, rows))
    rows, side = rows[order], side[order]
    sign = np.where(side, -1.0, 1.0)

    A_std = sp.vstack([A[eq], sp.diags(sign) @ A[rows]]).tocsc()
    b = np.concatenate([hi[eq], np.where(side, -lo[rows], hi[rows])])
    blocks = [RowBlock(name=row_names[i], cone="zero", start=k, size=1, shape=(1,), dim=1)
              for k, i in enumerate(eq.tolist())]
    for k, (i, neg) in enumerate(zip(rows.tolist(), side.tolist()), start=eq.size):
        name = row_names[i] + (":lo" if neg and ranged[i] else "")
        blocks.append(RowBlock(name=name, cone="nonneg", start=k, size=1, shape=(1,), dim=1,
                               negated=neg))
    return StandardForm(
        c=sense * np.asarray(lp.col_cost_, dtype=float),
        A=A_std,
        b=b,
        cones=ConeDims(zero=int(eq.size), nonneg=int(rows.size)),
        lb=np.asarray(lp.col_lower_, dtype=float),
        ub=np.asarray(lp.col_upper_, dtype=float),
        integer=integer,
        offset=sense * float(lp.offset_),
        sense=sense,
        var_names=tuple(col_names),
        row_blocks=tuple(blocks),
        name=lp.model_name_ or p.name.split(".")[0],
    )


def _safe_names(names: list[str]) -> list[str]:
    out, seen = [], set()
    for name in names:
        s = _UNSAFE.sub("_", name) or "_"
        if not (s[0].isalpha() or s[0] == "_") or s.lower() in _LP_KEYWORDS:
            s = "_" + s
        base, k = s, 1
        while s in seen:
            s, k = f"{base}_{k}", k + 1
        seen.add(s)
        out.append(s)
    return out


def _row_names(sf: StandardForm) -> list[str]:
    names = [f"r{i}" for i in range(sf.m)]
    for blk in sf.row_blocks:
        for k in range(blk.size):
            if blk.start + k < sf.m:
                names[blk.start + k] = blk.name if blk.size == 1 else f"{blk.name}_{k}"
    return names


def write_standard_form(sf: StandardForm, path: str | os.PathLike) -> None:
    """Write a linear StandardForm as an MPS or LP file (gzipped for .gz names)."""
    p = Path(path)
    ext = _extension(p)
    if sf.has_soc or sf.has_psd:
        raise ValueError(f"cannot write {str(p)!r}: the problem has second-order/PSD cones, "
                         "and MPS/LP files hold linear models only")
    A, lo, hi = sf.linear_rows()
    negated = np.zeros(sf.m, dtype=bool)
    for blk in sf.row_blocks:
        if blk.negated and blk.cone == "nonneg":
            negated[blk.start:blk.start + blk.size] = True
    sign = np.where(negated, -1.0, 1.0)
    A = (sp.diags(sign) @ A).tocsc()
    row_lo = np.where(negated, -hi, lo)
    row_hi = np.where(negated, np.inf, hi)

    highspy, h = _highs()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = sf.n, sf.m
    lp.sense_ = highspy.ObjSense.kMaximize if sf.sense == -1 else highspy.ObjSense.kMinimize
    lp.col_cost_ = sf.sense * np.asarray(sf.c, dtype=float)
    lp.offset_ = sf.sense * float(sf.offset)
    lp.col_lower_ = np.asarray(sf.lb, dtype=float)
    lp.col_upper_ = np.asarray(sf.ub, dtype=float)
    lp.row_lower_ = row_lo
    lp.row_upper_ = row_hi
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = sf.n, sf.m
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(float)
    V = highspy.HighsVarType
    lp.integrality_ = [V.kInteger if flag else V.kContinuous for flag in sf.integer]
    var_names = list(sf.var_names) if len(sf.var_names) == sf.n else [f"x{j}" for j in range(sf.n)]
    lp.col_names_ = _safe_names(var_names)
    lp.row_names_ = _safe_names(_row_names(sf))
    lp.model_name_ = sf.name
    if h.passModel(lp) == highspy.HighsStatus.kError:
        raise ValueError(f"HiGHS rejected the model to be written to {str(p)!r}")

    if not ext.endswith(".gz"):
        if h.writeModel(str(p)) == highspy.HighsStatus.kError:
            raise OSError(f"HiGHS could not write {str(p)!r}")
        return
    fd, tmp = tempfile.mkstemp(suffix=ext[:-3], dir=p.parent)
    os.close(fd)
    try:
        if h.writeModel(tmp) == highspy.HighsStatus.kError:
            raise OSError(f"HiGHS could not write {str(p)!r}")
        with open(tmp, "rb") as src, gzip.open(p, "wb") as dst:
            shutil.copyfileobj(src, dst)
    finally:
        os.unlink(tmp)
