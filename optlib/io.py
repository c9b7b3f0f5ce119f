"""Read and write linear (MILP) models as MPS or LP files.

MPS files (.mps, .mps.gz) are read by optlib's strict reader, `optlib.mps.read_mps`, which
refuses broken files (see that module). LP files (.lp, .lp.gz) are read by HiGHS
(`highspy`) with these checks on top, each a ValueError naming the file (and the line and
column where known):
- an empty file, or one with only blanks and comments (HiGHS reads an empty model), and a
  file that declares no variable;
- every error HiGHS's LP parser reports ('abc' as a coefficient or bound, an unknown
  token, a missing `end`...), with the line and column it points at;
- every parse warning in which HiGHS says it ignores part of the file (HiGHS 1.16 warns
  so for a constant on the left-hand side of a constraint, and reads the row without it);
- a second lower or upper bound for a variable in the Bounds section (HiGHS keeps the last);
- a variable named nan, inf or infinity (a number where a variable was meant);
- after reading: a NaN or infinite objective coefficient (HiGHS turns |c| >= 1e20 into
  inf), objective constant or matrix value, and NaN in a bound or constraint side.
Not checked for LP files, since the LP format allows them or HiGHS handles them visibly:
a variable first named in Bounds, Generals or Binaries is a new variable (LP files have no
declarations, and HiGHS writes a zero-cost variable without constraints only there), a
repeated variable in one expression is summed (HiGHS warns), repeated constraint names are
kept, semi-continuous variables and quadratic objectives are refused as before, and
|value| >= 1e20 in a bound or side means infinite, as in MPS files.

A file's rows lo <= a'x <= hi become standard-form rows (A x + s = b, s in {0}^z x R_+^l):
an equality (lo == hi) gives a zero-cone row a'x = hi; every finite hi gives a nonneg row
a'x <= hi; every finite lo gives a nonneg row -a'x <= -lo (a `>=` side, negated=True).
Each such row has its own RowBlock named after the file's row; a ranged row
(lo < hi, both finite) gives two blocks, "<name>" (the <= side) and "<name>:lo" (the >=
side). Free rows (both sides infinite) are dropped. A maximisation file comes in as
sense = -1 with c and the offset negated (the form always minimises).

Writing goes through HiGHS, one file row per standard-form row (negated rows are written
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

from .row_form import standard_form_from_rows as _standard_form_from_rows
from .standard_form import StandardForm

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
    from .highs_util import new_highs

    return highspy, new_highs(highspy)


def read_standard_form(path: str | os.PathLike) -> StandardForm:
    """Read an MPS or LP file (optionally gzipped) into a StandardForm.

    MPS files go through optlib's strict reader (`optlib.mps.read_mps`), LP files through
    HiGHS with the checks listed in this module's docstring; a file that cannot be read
    as it stands raises a ValueError naming the file and, where known, line and field.
    """
    p = Path(path)
    ext = _extension(p)
    if not p.is_file():
        raise FileNotFoundError(f"no such model file: {str(p)!r}")
    if ext.startswith(".mps"):
        from .mps import read_mps

        return read_mps(p)
    return _read_lp(p)


def _highs_read(p: Path, log: list[str] | None = None):
    """HiGHS's reading of a file: (highspy, HighsLp); its log messages go to `log` if given.

    Raises ValueError when HiGHS reports an error (with the first ERROR message it logged,
    when `log` is given) or the model has a quadratic objective.
    """
    highspy, h = _highs()
    log_path = None
    if log is not None:
        fd, log_path = tempfile.mkstemp(suffix=".log")
        os.close(fd)
        h.setOptionValue("output_flag", True)
        h.setOptionValue("log_to_console", False)
        h.setOptionValue("log_file", log_path)
    try:
        status = h.readModel(str(p))
    finally:
        if log_path is not None:
            h.setOptionValue("log_file", "")
            h.setOptionValue("output_flag", False)
            with open(log_path, encoding="utf-8", errors="replace") as fh:
                log.extend(_log_messages(fh.read()))
            os.unlink(log_path)
    if status == highspy.HighsStatus.kError:
        errors = [msg for msg in (log or []) if msg.startswith("ERROR:")]
        if errors:
            raise _located_error(p, errors[0])
        raise ValueError(f"HiGHS could not read {str(p)!r} (not a valid MPS/LP file?)")
    if h.getHessianNumNz() > 0:
        raise ValueError(f"{str(p)!r} has a quadratic objective; only linear models are supported")
    return highspy, h.getLp()


def _read_with_highs(path: str | os.PathLike) -> StandardForm:
    """Read a file through HiGHS alone (no strict checks), as optlib read MPS files before
    `optlib.mps`; kept for LP files and to compare the two readers in the tests."""
    p = Path(path)
    highspy, lp = _highs_read(p)
    return _from_highs_lp(p, highspy, lp)


def _from_highs_lp(p: Path, highspy, lp) -> StandardForm:
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
    return _standard_form_from_rows(
        cost=np.asarray(lp.col_cost_, dtype=float), A=A,
        row_lower=np.asarray(lp.row_lower_, dtype=float),
        row_upper=np.asarray(lp.row_upper_, dtype=float),
        col_lower=np.asarray(lp.col_lower_, dtype=float),
        col_upper=np.asarray(lp.col_upper_, dtype=float),
        integer=np.array([k != V.kContinuous for k in kinds], dtype=bool),
        sense=-1 if lp.sense_ == highspy.ObjSense.kMaximize else 1,
        offset=float(lp.offset_),
        row_names=list(lp.row_names_) or [f"r{i}" for i in range(m)],
        col_names=list(lp.col_names_) or [f"x{j}" for j in range(n)],
        name=lp.model_name_ or p.name.split(".")[0],
    )


# -- LP files: HiGHS's reader plus strict checks --------------------------------------------
_LOCATION = re.compile(r"-->\s*(.*?):(\d+):(\d+)\s*$", re.MULTILINE)
_LP_SECTION = re.compile(
    r"(?i)^\s*(max|maximize|maximise|maximum|min|minimize|minimise|minimum|subject\s+to|"
    r"such\s+that|st|s\.t\.|bounds?|generals?|gen|integers?|binary|binaries|bin|"
    r"semi-continuous|semis?|sos[12]?|end)(?!\S)")
_LP_NUMBER = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity)",
                        re.IGNORECASE)
_LP_COMPARISON = re.compile(r"(<=|>=|=<|=>|<|>|=)")
_NOT_NAMES = {"nan", "+nan", "-nan", "inf", "infinity"}


def _lp_error(p: Path, what: str, line: int | None = None,
              column: int | None = None) -> ValueError:
    """A ValueError about an LP file, naming the file and, when known, line and column."""
    where = f'"{p}"' + (f", line {line}" if line is not None else "") + (
        f", column {column}" if column is not None else "")
    return ValueError(f"{where}: {what}")


def _log_messages(text: str) -> list[str]:
    """HiGHS's log cut into messages, each from a line starting with WARNING:/ERROR: (or
    any other unindented line) to the next one."""
    out: list[str] = []
    for line in text.splitlines():
        if out and (not line or line[0] in " |=" or line[:1].isdigit()):
            out[-1] += "\n" + line
        else:
            out.append(line)
    return out


def _located_error(p: Path, message: str) -> ValueError:
    """A ValueError from a HiGHS log message, with the line and column it points at."""
    head = message.split("\n", 1)[0]
    warning = head.startswith("WARNING:")
    head = " ".join((head.split(":", 1)[1] if head[:6] in ("ERROR:", "WARNIN") else head).split())
    if warning:
        head = f"HiGHS reports that {head} (so the model read would differ from the file)"
    loc = _LOCATION.search(message)
    if loc:
        return _lp_error(p, head, int(loc.group(2)), int(loc.group(3)))
    return _lp_error(p, f"HiGHS could not read the file: {head}")


def _lp_content_lines(text: str) -> list[tuple[int, str]]:
    """(line number, text without its comment) for the lines of an LP file that hold
    something; a backslash starts a comment."""
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        body = line.split("\\", 1)[0]
        if body.strip():
            out.append((number, body))
    return out


def _lp_bound_sides(body: str) -> tuple[str, str] | None:
    """(variable, sides) of one line of an LP Bounds section, sides 'l', 'u' or 'lu';
    None when the line is not a plain bound (HiGHS has parsed the file already)."""
    words = body.split()
    if len(words) == 2 and words[1].lower() == "free":
        return words[0], "lu"
    parts = [x.strip() for x in _LP_COMPARISON.split(body)]
    if len(parts) == 3:
        a, op, b = parts
        if _LP_NUMBER.fullmatch(b) and not _LP_NUMBER.fullmatch(a):
            return a, "lu" if op == "=" else ("u" if "<" in op else "l")
        if _LP_NUMBER.fullmatch(a) and not _LP_NUMBER.fullmatch(b):
            return b, "lu" if op == "=" else ("l" if "<" in op else "u")
    if len(parts) == 5 and not _LP_NUMBER.fullmatch(parts[2]):
        return parts[2], "lu"
    return None


def _check_lp_bounds(p: Path, lines: list[tuple[int, str]]) -> None:
    """Refuse a second lower or upper bound for a variable (HiGHS keeps the last one)."""
    in_bounds = False
    first: dict[tuple[str, str], int] = {}
    for number, body in lines:
        match = _LP_SECTION.match(body)
        if match:
            in_bounds = match.group(1).lower() in ("bound", "bounds")
            body = body[match.end():]
            if not body.strip():
                continue
        if not in_bounds:
            continue
        found = _lp_bound_sides(body)
        if found is None:
            continue
        var, sides = found
        for side in sides:
            key = (var, side)
            if key in first:
                word = "lower" if side == "l" else "upper"
                raise _lp_error(p, f"a second {word} bound for variable {var!r} (the first is "
                                f"on line {first[key]}); HiGHS would keep only the last one",
                                number)
            first[key] = number


def _read_lp(p: Path) -> StandardForm:
    """Read an LP file through HiGHS, with the strict checks of the module docstring."""
    from .mps import read_text

    lines = _lp_content_lines(read_text(p))
    if not lines:
        raise _lp_error(p, "the file is empty (or holds only comments)")
    log: list[str] = []
    highspy, lp = _highs_read(p, log)
    for message in log:
        if message.startswith("WARNING:") and _LOCATION.search(message) and (
                "ignored" in message.split("\n", 1)[0]):
            raise _located_error(p, message)  # e.g. a constant on the left side of a row
    _check_lp_bounds(p, lines)
    names = list(lp.col_names_)
    if not names:
        raise _lp_error(p, "no variables")
    for name in names:
        if name.lower() in _NOT_NAMES:
            raise _lp_error(p, f"a variable named {name!r} (a number where a variable is "
                            "expected?)")
    cost = np.asarray(lp.col_cost_, dtype=float)
    bad = np.flatnonzero(~np.isfinite(cost))
    if bad.size:
        raise _lp_error(p, f"objective coefficient {cost[bad[0]]} of variable "
                        f"{names[bad[0]]!r} is not finite (HiGHS reads |c| >= 1e20 as infinite)")
    if not np.isfinite(lp.offset_):
        raise _lp_error(p, f"objective constant {lp.offset_} is not finite")
    values = np.asarray(lp.a_matrix_.value_, dtype=float)
    if not np.all(np.isfinite(values)):
        raise _lp_error(p, "a constraint coefficient is not finite")
    for arr, what in ((lp.col_lower_, "variable bound"), (lp.col_upper_, "variable bound"),
                      (lp.row_lower_, "constraint side"), (lp.row_upper_, "constraint side")):
        if np.isnan(np.asarray(arr, dtype=float)).any():
            raise _lp_error(p, f"a {what} is NaN")
    return _from_highs_lp(p, highspy, lp)


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
    if sf.has_soc or sf.has_psd or sf.has_exp:
        raise ValueError(f"cannot write {str(p)!r}: the problem has second-order/PSD/exponential cones, "
                         "and MPS/LP files hold linear models only")
    if sf.has_quadratic:
        raise ValueError(f"cannot write {str(p)!r}: the objective is quadratic, and optlib writes "
                         "linear models only")
    if sf.has_logic:
        raise ValueError(f"cannot write {str(p)!r}: the model has logical constraints (implies, "
                         "all_different, ...), which MPS/LP files cannot hold; write "
                         "optlib.bridges.bridge_logic(m.compile())[0] for their big-M rows")
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
