"""A bound derived from a dual vector with nothing dropped (weak duality, rounding included).

For  min c'x + c0  s.t.  b - A x = s in K,  lb <= x <= ub  and any z:

    c'x + c0  =  c0 - b'z + r'x + z's,     r = c + A'z,

and z's >= 0 when z is in the dual cone K* (Neumaier and Shcherbina, "Safe bounds in linear
and mixed-integer linear programming", Math. Programming 99, 2004). The steps:

1. z is moved into K* (nonneg: max(z, 0); second-order cone: projected, then t raised past
   ||x|| by the rounding error of the norm; PSD: eigenvalues clipped at 0, then the diagonal
   raised until the smallest eigenvalue clears its own backward error).
   A PSD block whose slack has a finite upper bound T on its trace (derived the same way, by
   weak duality from the linear rows and the box: `trace_bounds`) is *soft*: its dual Z is not
   projected, and z's >= lambda_min(Z) T accounts for a slightly indefinite Z instead (Jansson's
   approach in VSDP). This keeps Z exactly matched to the cost of the matrix variable.
2. r is computed with a bound on its rounding error, e_j = (k_j + 2) eps (|c_j| + (|A|'|z|)_j)
   (k_j nonzeros in column j), so the true reduced cost lies in [r_j - e_j, r_j + e_j].
3. A column whose reduced cost points to an infinite side of its box (beyond e_j) makes the
   bound -inf, unless the rows imply a finite bound on that side (`optlib.implied_bounds`):
   then the box term uses the implied box. Columns still open are *repaired*: a column that is the only one in a row of a
   soft PSD block gets that row's dual set so that its reduced cost vanishes; the others by a
   weighted least-squares change of the free duals (equality rows, soft PSD rows), of the
   positive duals of inequality rows, and of the scale of each other cone block's dual (which
   keeps it in its cone). The repaired z is checked like any other.
4. The box term takes r_j over its whole rounding interval at the corners of the box; on an
   infinite side a reduced cost within e_j of zero counts as zero (it may be zero in exact
   arithmetic: the one place where rounding is not bounded, see docs/certificates.md). The sum
   is taken exactly rounded (math.fsum) and lowered by 2 eps times the sum of the magnitudes
   of its terms.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .cones import smat, svec, svec_indices
from .implied_bounds import implied_box
from .standard_form import StandardForm

EPS = float(np.finfo(float).eps)
#: rounds of repair before giving up on a finite bound
REPAIR_ROUNDS = 6
#: iterative-refinement steps of each least-squares repair
REFINE_STEPS = 8
#: cone blocks are repaired inside their cone (congruence) while the work of forming the map on
#: the repaired columns (|J| n^3 for a PSD block of order n, |J| q for a cone of size q) and the
#: dense matrix it gives (|J| x block size) stay below these
CONGRUENCE_MAX_WORK = 3e9
CONGRUENCE_MAX_ENTRIES = 2e7


@dataclass(frozen=True)
class DualBound:
    """The certified bound (minimisation form, offset included; -inf when none could be
    derived), the dual z it came from, and what had to be done to z."""

    value: float
    z: np.ndarray
    cone_shift: float          # max |z after step 1 - z given|
    repaired: bool             # a repair was applied
    open_columns: int          # columns still pointing to an infinite side (value is -inf then)
    message: str = ""


# -- step 1: into the dual cone ---------------------------------------------------------------
def into_dual_cone(sf: StandardForm, z: np.ndarray, soft: frozenset[int] = frozenset(),
                   lift: bool = False) -> np.ndarray:
    """z moved into K* so that membership holds despite rounding; PSD blocks starting at a row
    in `soft` are only symmetrised (their indefiniteness is paid for by a trace bound).
    lift: cone blocks are not projected but lifted (a second-order cone block's t raised to
    ||x||, a PSD block's diagonal raised by -lambda_min), which changes the reduced costs only
    of the columns in the block's t / diagonal rows."""
    zp = np.array(z, dtype=float, copy=True)
    blocks = list(sf.cones.blocks())
    for kind, start, size, dim in blocks:
        if kind == "nonneg":
            np.maximum(zp[start:start + size], 0.0, out=zp[start:start + size])
    _soc_into_cone(sf, zp, lift)
    for kind, start, size, dim in blocks:
        if kind == "psd" and start not in soft:
            zp[start:start + size] = _psd_into_cone(zp[start:start + size], dim, lift)
    return zp


def _soc_into_cone(sf: StandardForm, zp: np.ndarray, lift: bool = False) -> None:
    soc = np.asarray(sf.cones.soc, dtype=np.int64)
    if not soc.size:
        return
    starts = sf.cones.zero + sf.cones.nonneg + np.concatenate(([0], np.cumsum(soc)[:-1]))
    for q in np.unique(soc):
        first = starts[soc == q]
        idx = first[:, None] + np.arange(q)[None, :]
        blk = zp[idx]
        t, v = blk[:, 0], blk[:, 1:]
        nv = np.linalg.norm(v, axis=1)
        out = blk.copy()
        outside = (nv > t) & (not lift)
        polar = outside & (nv <= -t)
        mid = outside & ~polar
        a = (t[mid] + nv[mid]) / 2.0
        out[mid, 0] = a
        out[mid, 1:] = v[mid] * (a / nv[mid])[:, None]
        out[polar] = 0.0
        # t past ||v|| by the rounding error of the computed norm ((q + 3) eps relative)
        nv2 = np.linalg.norm(out[:, 1:], axis=1)
        out[:, 0] = np.maximum(out[:, 0], nv2 * (1.0 + (q + 3) * EPS))
        zp[idx] = out


def _psd_into_cone(v: np.ndarray, n: int, lift: bool = False) -> np.ndarray:
    """svec of a matrix that is PSD with margin for the rounding of its own eigenvalues
    (projected, or with lift=True shifted by a multiple of the identity)."""
    if n == 0:
        return v.copy()
    Z = smat(v)
    w, U = np.linalg.eigh(Z)
    norm = float(np.max(np.abs(w)))
    if w[0] >= 4.0 * n * EPS * norm:
        return v.copy()
    Zp = Z.copy() if lift else (U * np.maximum(w, 0.0)) @ U.T
    Zp = (Zp + Zp.T) / 2.0
    lam = float(np.linalg.eigvalsh(Zp)[0])
    Zp[np.diag_indices(n)] += max(0.0, -lam) + 4.0 * n * EPS * max(norm, 1e-300)
    return svec(Zp)


def lambda_min_lower(v: np.ndarray, n: int) -> float:
    """A lower bound on the smallest eigenvalue of smat(v): the computed one less its backward
    error bound 4 n eps ||Z||_2."""
    if n == 0:
        return 0.0
    w = np.linalg.eigvalsh(smat(v))
    return float(w[0]) - 4.0 * n * EPS * float(np.max(np.abs(w)))


# -- steps 2 and 4: reduced costs and the bound --------------------------------------------------
def reduced_costs(sf: StandardForm, z: np.ndarray, absA=None) -> tuple[np.ndarray, np.ndarray]:
    """(r = c + A'z, e): the true reduced costs lie in [r - e, r + e] (step 2)."""
    absA = abs(sf.A) if absA is None else absA
    r = sf.c + sf.A.T @ z
    k = np.diff(sf.A.indptr) if sp.isspmatrix_csc(sf.A) else np.asarray((sf.A != 0).sum(axis=0)).ravel()
    e = (k + 2.0) * EPS * (np.abs(sf.c) + absA.T @ np.abs(z))
    return r, e


def open_columns(sf: StandardForm, r: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Columns whose reduced cost points to an infinite side of the box beyond its rounding."""
    return (~np.isfinite(sf.lb) & (r > e)) | (~np.isfinite(sf.ub) & (r < -e))


def box_term(sf: StandardForm, r: np.ndarray, e: np.ndarray) -> np.ndarray:
    """min over the box and over r_j +- e_j of r_j x_j, per column (open columns must have
    been ruled out by the caller; free columns give 0)."""
    lb, ub = sf.lb, sf.ub
    flo, fhi = np.isfinite(lb), np.isfinite(ub)
    lo_ = np.where(flo, lb, 0.0)
    hi_ = np.where(fhi, ub, 0.0)
    rlo, rhi = r - e, r + e
    out = np.zeros_like(r)
    both = flo & fhi
    out[both] = np.minimum.reduce([rlo[both] * lo_[both], rlo[both] * hi_[both],
                                   rhi[both] * lo_[both], rhi[both] * hi_[both]])
    only_lo = flo & ~fhi                      # r >= -e here: r in [max(rlo, 0), rhi] at x = lb
    out[only_lo] = np.minimum(np.maximum(rlo[only_lo], 0.0) * lo_[only_lo], rhi[only_lo] * lo_[only_lo])
    only_hi = fhi & ~flo                      # r <= e here: r in [rlo, min(rhi, 0)] at x = ub
    out[only_hi] = np.minimum(rlo[only_hi] * hi_[only_hi], np.minimum(rhi[only_hi], 0.0) * hi_[only_hi])
    return out


def bound_value(sf: StandardForm, z: np.ndarray, r: np.ndarray, e: np.ndarray,
                extra: list[float] | None = None) -> float:
    """c0 - b'z + sum_j box_term_j (+ extra terms), rounded down by 2 eps times the magnitudes
    summed (step 4)."""
    terms = np.concatenate((-(sf.b * z), box_term(sf, r, e), [sf.offset], extra or []))
    if not np.all(np.isfinite(terms)):
        return -math.inf
    total = math.fsum(terms.tolist())
    slack = 2.0 * EPS * math.fsum(np.abs(terms).tolist()) + 1e-300
    return total - slack


# -- soft PSD blocks: a bound on the trace of the slack -----------------------------------------
def trace_bounds(sf: StandardForm) -> dict[int, float]:
    """{start row of a PSD block: an upper bound T on trace(S) over the feasible set} for the
    blocks where a finite one can be derived. trace(S) = svec(I)'(b - A x) on the block's rows,
    so T = svec(I)'b - (a certified lower bound of g'x, g = A_blk' svec(I)), found by this
    module's own bound with objective g and duals repaired from zero."""
    out: dict[int, float] = {}
    A = sf.A.tocsr()
    for kind, start, size, dim in sf.cones.blocks():
        if kind != "psd":
            continue
        r_, c_ = svec_indices(dim)
        diag = start + np.flatnonzero(r_ == c_)
        g = np.asarray(A[diag].sum(axis=0)).ravel()
        g0 = float(np.sum(sf.b[diag]))
        db = dual_bound(sf.replace(c=g, offset=0.0), np.zeros(sf.m), soft_psd=False, grow=1.0)
        if math.isfinite(db.value):
            t = g0 - db.value
            out[start] = max(0.0, t + 2.0 * EPS * (abs(g0) + abs(db.value)))
    return out


# -- step 3: repair ---------------------------------------------------------------------------
def _absorb(sf: StandardForm, z: np.ndarray, r: np.ndarray, cols: np.ndarray, soft_rows: np.ndarray,
            A_csc: sp.csc_matrix, A_csr: sp.csr_matrix) -> np.ndarray:
    """Columns of `cols` that are the only column of `cols` in some soft PSD row: that row's
    dual absorbs the column's reduced cost. Returns the columns left for least squares."""
    if not soft_rows.size or not cols.size:
        return cols
    sub = A_csr[soft_rows][:, cols]
    per_row = np.diff(sub.indptr)
    single = np.flatnonzero(per_row == 1)     # soft rows touching exactly one column of cols
    if not single.size:
        return cols
    rows = soft_rows[single]
    js = cols[sub.indices[sub.indptr[single]]]
    a = sub.data[sub.indptr[single]]
    _, first = np.unique(js, return_index=True)   # one absorbing row per column
    rows, js, a = rows[first], js[first], a[first]
    # r_j = rest + a z_i  ->  z_i = -rest / a
    z[rows] -= r[js] / a
    done = np.zeros(sf.n, dtype=bool)
    done[js] = True
    return cols[~done[cols]]


def _repair_step(sf: StandardForm, z: np.ndarray, r: np.ndarray, cols: np.ndarray,
                 soft_rows: np.ndarray, soft: frozenset[int], grow: float,
                 congruence: bool = True) -> np.ndarray | None:
    """A change of z that makes r vanish on `cols`, by weighted least squares; None when no
    direction touches those columns or the system cannot be solved."""
    A = sf.A.tocsc()
    AJ = A[:, cols].T.tocsr()                 # |J| x m: the reduced costs of cols as functions of z
    z0, l0 = sf.cones.zero, sf.cones.nonneg
    m = sf.m
    weights = np.zeros(m)
    weights[:z0] = 1.0 + np.abs(z[:z0])
    zl = z[z0:z0 + l0]
    weights[z0:z0 + l0] = np.where(zl > 0, zl, grow)   # positive duals may move, in proportion
    weights[soft_rows] = 1.0 + np.abs(z[soft_rows])
    # the other cone blocks: a PSD block (within CONGRUENCE_MAX_WORK) moves as
    # Z + Z^(1/2) H Z^(1/2), which stays PSD while ||H|| < 1 (an interior dual has room in every
    # direction), a second-order cone block as z + P(z^(1/2)) h, its Jordan-algebra analogue,
    # which stays in the cone while e + h does; other blocks move entry by entry, in proportion to the block's size, and are
    # projected back by the caller (the next round repairs what that undid)
    congruent = []
    dense_cols = 0                        # the congruence maps make dense columns of M
    for kind, start, size, dim in sf.cones.blocks():
        if kind in ("soc", "psd") and start not in soft:
            work = cols.size * (dim ** 3 if kind == "psd" else size)
            # forming M M' then costs |J|^2 per dense column: keep that bounded too
            normal = cols.size ** 2 * (dense_cols + size)
            if (congruence and work <= CONGRUENCE_MAX_WORK and cols.size * size <= CONGRUENCE_MAX_ENTRIES
                    and normal <= CONGRUENCE_MAX_WORK / 3):
                dense_cols += size
                apply = (_psd_congruence if kind == "psd" else _soc_congruence)(z[start:start + size], dim)
                congruent.append((start, size, apply))
            else:
                weights[start:start + size] = float(np.max(np.abs(z[start:start + size]), initial=0.0))
    parts = [AJ @ sp.diags(weights)]
    for start, size, apply in congruent:       # the maps are symmetric: row j of A_J K is K a_j
        parts.append(sp.csr_matrix(apply(AJ[:, start:start + size].toarray())))
    blocks = [(start, size) for kind, start, size, _ in sf.cones.blocks()
              if kind in ("soc", "psd") and start not in soft]
    if blocks:                                # and one scale per block: z_blk -> (1 + t) z_blk
        S = np.zeros((cols.size, len(blocks)))
        for k, (start, size) in enumerate(blocks):
            S[:, k] = AJ[:, start:start + size] @ z[start:start + size]
        parts.append(sp.csr_matrix(S))
    M = sp.hstack(parts, format="csr")
    norms = np.sqrt(np.asarray(M.multiply(M).sum(axis=1)).ravel())
    if M.nnz == 0 or not np.any(norms > 0):
        return None
    scale = 1.0 / np.where(norms > 0, norms, 1.0)   # equations of unit norm: the regularisation
    M = sp.diags(scale) @ M                          # below must not swamp small ones
    rhs = -r[cols] * scale
    MMt = (M @ M.T).tocsc()
    reg = 1e-13 * max(float(MMt.diagonal().max(initial=0.0)), 1e-300)
    try:
        solve = spla.factorized((MMt + reg * sp.identity(MMt.shape[0], format="csc")).tocsc())
    except RuntimeError:
        return None
    theta = M.T @ solve(rhs)
    for _ in range(REFINE_STEPS):             # iterative refinement of the residual
        theta = theta + M.T @ solve(rhs - M @ theta)
    if not np.all(np.isfinite(theta)):
        return None
    dz = weights * theta[:m]
    pos = m
    for start, size, apply in congruent:
        dz[start:start + size] += apply(theta[pos:pos + size][None, :])[0]
        pos += size
    for k, (start, size) in enumerate(blocks):
        t = max(float(theta[pos + k]), -1.0)  # the scale stays >= 0: the block stays in its cone
        dz[start:start + size] += t * z[start:start + size]
    return dz


def _soc_congruence(v: np.ndarray, q: int):
    """h -> P(a) h (rows of a 2-D array) for a = z^(1/2) in the second-order cone's Jordan
    algebra: P(a) = 2 a a' - det(a) R, R = diag(1, -1, ..., -1), det(a) = a_0^2 - ||a_1:||^2.
    P(a) e = z and P(a) maps the cone onto itself, so z + P(a) h = P(a)(e + h) stays in it
    while ||h_1:|| <= 1 + h_0."""
    t, x = float(v[0]), np.asarray(v[1:], dtype=float)
    nx = float(np.linalg.norm(x))
    u = x / nx if nx > 0 else np.zeros_like(x)
    l1, l2 = max(t + nx, 0.0), max(t - nx, 0.0)
    a = np.concatenate(([0.5 * (math.sqrt(l1) + math.sqrt(l2))], 0.5 * (math.sqrt(l1) - math.sqrt(l2)) * u))
    det = a[0] ** 2 - float(a[1:] @ a[1:])
    R = -np.ones(v.size)
    R[0] = 1.0

    def apply(H: np.ndarray) -> np.ndarray:
        return 2.0 * np.outer(H @ a, a) - det * (H * R)
    return apply


def _psd_congruence(v: np.ndarray, n: int):
    """h -> svec(R smat(h) R) (rows of a 2-D array), R = Z^(1/2) for Z = smat(v) (eigenvalues
    clipped at 0): Z + R H R = R (I + H) R stays PSD while ||H|| < 1."""
    w, U = np.linalg.eigh(smat(v))
    R = (U * np.sqrt(np.maximum(w, 0.0))) @ U.T
    a, b = svec_indices(n)
    sq = np.where(a == b, 1.0, math.sqrt(2.0))

    def apply(H: np.ndarray) -> np.ndarray:
        S = np.zeros((H.shape[0], n, n))
        S[:, a, b] = H / sq
        S[:, b, a] = H / sq
        out = R @ S @ R
        return out[:, a, b] * sq
    return apply


def _repair(sf: StandardForm, box: StandardForm, zk: np.ndarray, bad: np.ndarray, soft_rows: np.ndarray,
            soft: frozenset[int], grow: float, congruence: bool, absA, A_csc, A_csr, deadline=None):
    """Rounds of repair (step 3); returns (z, r, e, still open columns)."""
    free = ~np.isfinite(box.lb) & ~np.isfinite(box.ub)
    cols = bad | free                         # free columns must stay at zero while others move
    r, e = reduced_costs(sf, zk, absA)
    for _ in range(REPAIR_ROUNDS):
        if deadline is not None and deadline.expired():
            break
        rest = _absorb(sf, zk, r, np.flatnonzero(cols), soft_rows, A_csc, A_csr)
        if rest.size:
            r, e = reduced_costs(sf, zk, absA)
            dz = _repair_step(sf, zk, r, rest, soft_rows, soft, grow, congruence)
            if dz is None:
                break
            zk = into_dual_cone(sf, zk + dz, soft, lift=not congruence)
            r, _ = reduced_costs(sf, zk, absA)
            _absorb(sf, zk, r, np.flatnonzero(cols), soft_rows, A_csc, A_csr)
        r, e = reduced_costs(sf, zk, absA)
        bad = open_columns(box, r, e)
        if not bad.any():
            break
        cols |= bad
    return zk, r, e, bad


def dual_bound(sf: StandardForm, z: np.ndarray, repair: bool = True, soft_psd: bool = True,
               grow: float = 0.0, deadline=None) -> DualBound:
    """The certified lower bound of the minimisation form from duals z (see the module doc).

    soft_psd: use trace bounds for PSD blocks where they exist; grow: weight with which the
    repair may raise inequality duals that are zero (0: only positive ones move); deadline (an
    optlib.Deadline): no repair round starts after it (the bound is then -inf where one was
    needed: reporting less, never more)."""
    z_in = np.asarray(z, dtype=float)
    if z_in.shape != (sf.m,) or not np.all(np.isfinite(z_in)):
        return DualBound(-math.inf, np.zeros(sf.m), math.inf, False, 0,
                         "the duals have the wrong shape or non-finite entries")
    traces = trace_bounds(sf) if (soft_psd and sf.has_psd) else {}
    soft = frozenset(traces)
    soft_rows = np.concatenate([np.arange(start, start + size) for kind, start, size, _ in sf.cones.blocks()
                                if kind == "psd" and start in soft] or [np.zeros(0, dtype=np.int64)])
    soft_rows = soft_rows.astype(np.int64)
    absA = abs(sf.A)
    A_csc, A_csr = sf.A.tocsc(), sf.A.tocsr()
    zk = into_dual_cone(sf, z_in, soft)
    shift = float(np.max(np.abs(zk - z_in), initial=0.0))
    r, e = reduced_costs(sf, zk, absA)
    bad = open_columns(sf, r, e)
    box = sf
    if bad.any():      # bounds the rows imply may close those sides: the open columns' rows first
        lb, ub = implied_box(sf, columns=bad)
        box = sf.replace(lb=lb, ub=ub)
        if open_columns(box, r, e).any():
            lb, ub = implied_box(sf)                   # every row, several rounds
            box = sf.replace(lb=lb, ub=ub)
        bad = open_columns(box, r, e)
    repaired = False
    if bad.any() and repair:
        repaired = True
        start_z = zk
        # interior duals are best repaired inside their cones (congruence maps); duals on the
        # boundary of a cone (first-order solvers) entry by entry, lifted back in
        for congruence in ((True, False) if (sf.has_soc or sf.has_psd) else (False,)):
            zk, r, e, bad = _repair(sf, box, start_z.copy(), bad, soft_rows, soft, grow, congruence,
                                    absA, A_csc, A_csr, deadline)
            if not bad.any():
                break
    n_open = int(bad.sum())
    if n_open:
        return DualBound(-math.inf, zk, shift, repaired, n_open,
                         f"{n_open} reduced cost(s) point to an unbounded side of their variable "
                         "and could not be repaired: no finite bound")
    extra = []
    for kind, start, size, dim in sf.cones.blocks():
        if kind == "psd" and start in soft:
            lam = lambda_min_lower(zk[start:start + size], dim)
            if lam < 0:
                extra.append(lam * traces[start])
    value = bound_value(box, zk, r, e, extra)
    msg = "duals repaired" if repaired else ""
    return DualBound(value, zk, shift, repaired, 0, msg)
