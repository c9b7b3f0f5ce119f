"""A bound derived from a dual vector with nothing dropped (weak duality, rounding included).

For  min c'x + c0  s.t.  b - A x = s in K,  lb <= x <= ub  and any z:

    c'x + c0  =  c0 - b'z + r'x + z's,     r = c + A'z,

and z's >= 0 when z is in the dual cone K* (Neumaier and Shcherbina, "Safe bounds in linear
and mixed-integer linear programming", Math. Programming 99, 2004). The steps:

1. z is moved into K* (nonneg: max(z, 0); second-order cone: projected, then t raised past
   ||x|| by the rounding error of the norm; PSD: eigenvalues clipped at 0, then the diagonal
   raised until the smallest eigenvalue clears its own backward error; exponential cone
   K_exp* = cl{(u, v, w): u < 0, -u exp(v/u - 1) <= w}: w raised past -u exp(v/u - 1) by the
   rounding of exp, v raised until that holds, or the block moved to the face
   (0, max(v, 0), max(w, 0)), whichever changes the reduced costs least).
   A PSD block whose slack has a finite upper bound T on its trace (derived the same way, by
   weak duality from the linear rows and the box: `trace_bounds`) is *soft*: its dual Z is not
   projected, and z's >= lambda_min(Z) T accounts for a slightly indefinite Z instead (Jansson's
   approach in VSDP). This keeps Z exactly matched to the cost of the matrix variable.
2. r is computed with a bound on its rounding error, e_j = (k_j + 2) eps (|c_j| + (|A|'|z|)_j)
   (k_j nonzeros in column j), so the true reduced cost lies in [r_j - e_j, r_j + e_j].
3. A column whose reduced cost points to an infinite side of its box (beyond e_j) makes the
   bound -inf, unless the rows imply a finite bound on that side (`optlib.implied_bounds`):
   then the box term uses the implied box. Before that, an LP's duals that came with a simplex
   basis are recomputed from it (`basis_duals`: the basis solved again in double precision, a
   polish kept only when it stays within BASIS_POLISH_MAX of z and leaves no more columns open).
   Columns still open are *repaired*: a column that is the only one in a row of a
   soft PSD block gets that row's dual set so that its reduced cost vanishes; the others by a
   weighted least-squares change of the free duals (equality rows, soft PSD rows), of the
   positive duals of inequality rows, of exponential cone blocks' entries (moved back in as in
   step 1), and of the scale of each other cone block's dual (which keeps it in its cone).
   The repaired z is checked like any other.
4. The box term takes r_j over its whole rounding interval at the corners of the box; on an
   infinite side a reduced cost within e_j of zero counts as zero (it may be zero in exact
   arithmetic: the one place where rounding is not bounded, see docs/certificates.md). The sum
   is taken exactly rounded (math.fsum) and lowered by 2 eps times the sum of the magnitudes
   of its terms.

Quadratic objectives (1/2 x'P x + c'x + c0, `qp_linearisation`): for P PSD and any xhat,
1/2 x'P x >= xhat'P x - 1/2 xhat'P xhat, so the bound above with c + P xhat and
c0 - 1/2 xhat'P xhat is a bound of the QP (tight at xhat = x*: the Wolfe dual). The rounding
of P xhat widens every e_j; a P not proved PSD (lambda_min >= -delta) costs
-delta/2 max_box ||x - xhat||^2, -inf on an unbounded box.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.csgraph as csgraph
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
#: a connected block of P up to this order may get a dense eigenvalue bound (Cholesky first)
PSD_EIG_MAX = 3000
#: dense Cholesky tests of P's blocks up to this order
PSD_CHOL_MAX = 6000
#: blocks of P up to this order that the floating-point tests cannot show PSD are decided exactly
PSD_EXACT_MAX = 16


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
    if sf.cones.exp:
        first = sf.m - 3 * sf.cones.exp
        A = sf.A.tocsr()[first:]
        norms = np.asarray(abs(A).sum(axis=1)).ravel()    # a row's move changes r by a_i dz_i
        zp[first:] = exp_into_dual_cone(zp[first:].reshape(-1, 3), norms.reshape(-1, 3)).ravel()
    return zp


def _exp_need(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """For u < 0: a w that is >= -u exp(v/u - 1) in exact arithmetic, i.e. (u, v, w) in K_exp*:
    the computed value times (1 + eps (16 + 4|v/u|)) plus a tiny absolute term against
    underflow. The factor covers the rounding of q = v/u and of q - 1 ((|q| + |q - 1|) eps
    absolute in the argument), of exp (a few ulps) and of the products, with a factor 2 to spare.
    Infinite (or nan) where exp overflows."""
    q = v / u
    with np.errstate(over="ignore", invalid="ignore"):
        return -u * np.exp(q - 1.0) * (1.0 + EPS * (16.0 + 4.0 * np.abs(q))) + 1e-300 * np.maximum(1.0, -u)


def exp_into_dual_cone(blocks: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Rows (u, v, w) moved into K_exp* = cl{(u, v, w): u < 0, -u exp(v/u) <= e w}, with room for
    rounding (`_exp_need`). A block with u < 0 may have w raised to that need, or v raised until
    it holds (v -> u (1 + log(w / -u)), a hair more, kept only when the need test then passes);
    any block may go to the face (0, max(v, 0), max(w, 0)), exactly in K_exp*. Of these the
    move of least cost sum_i weights_i |change_i| is taken (weights (k, 3), e.g. the norms of
    the rows' columns in A, so that a coordinate whose row is empty moves first as it changes
    no reduced cost; None: all 1). Blocks already inside with that margin stay."""
    blk = np.array(blocks, dtype=float, copy=True).reshape(-1, 3)
    wt = np.ones_like(blk) if weights is None else np.asarray(weights, dtype=float).reshape(-1, 3)
    wt = wt + 1e-9                                 # ties go to the smaller move
    u, v, w = blk[:, 0], blk[:, 1], blk[:, 2]
    cands = [np.stack([np.zeros_like(u), np.maximum(v, 0.0), np.maximum(w, 0.0)], axis=1)]
    neg = np.flatnonzero(u < 0)
    if neg.size:
        un, vn, wn = u[neg], v[neg], w[neg]
        need = _exp_need(un, vn)
        raised = np.full_like(blk, np.nan)
        raised[neg] = blk[neg]
        raised[neg, 2] = np.where(need > wn, need, wn)
        raised[neg[~np.isfinite(need)]] = np.nan
        cands.append(raised)
        vmove = np.full_like(blk, np.nan)
        pos_w = wn > 0
        if np.any(pos_w):
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                L = 1.0 + np.log(wn[pos_w] / -un[pos_w])
                v_new = un[pos_w] * L - un[pos_w] * EPS * (64.0 + 8.0 * np.abs(L))
            v_new = np.maximum(v_new, vn[pos_w])
            good = np.isfinite(v_new) & (_exp_need(un[pos_w], v_new) <= wn[pos_w])
            rows = neg[pos_w][good]
            vmove[rows] = blk[rows]
            vmove[rows, 1] = v_new[good]
        cands.append(vmove)
    costs = np.stack([np.where(np.isnan(cd).any(axis=1), np.inf, np.sum(wt * np.abs(cd - blk), axis=1))
                      for cd in cands], axis=1)
    pick = np.argmin(costs, axis=1)
    out = cands[0].copy()
    for k in range(1, len(cands)):
        sel = pick == k
        out[sel] = cands[k][sel]
    return out


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
def reduced_costs(sf: StandardForm, z: np.ndarray, absA=None,
                  c_err: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(r = c + A'z, e): the true reduced costs lie in [r - e, r + e] (step 2); c_err: how far
    the true cost may lie from sf.c (a QP's linearised cost, `qp_linearisation`), added to e."""
    absA = abs(sf.A) if absA is None else absA
    r = sf.c + sf.A.T @ z
    k = np.diff(sf.A.indptr) if sp.isspmatrix_csc(sf.A) else np.asarray((sf.A != 0).sum(axis=0)).ravel()
    e = (k + 2.0) * EPS * (np.abs(sf.c) + absA.T @ np.abs(z))
    if c_err is not None:
        e = e + c_err
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
    terms = terms[terms != 0.0]                # zeros change neither sum (fsum is exact)
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
        db = dual_bound(sf.replace(c=g, offset=0.0, P=None), np.zeros(sf.m), soft_psd=False, grow=1.0)
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


#: M M' is factored directly while its nonzeros stay below this bound (by the column counts of M:
#: a dense column of m entries makes m^2; a PSD block's scale column made M M' of order 29,127
#: with 3.2e8 nonzeros, whose LU did not fit in 10 GB); above it LSQR on M, no M M' formed
DIRECT_MAX_NNZ = 2 * 10 ** 7
#: LSQR's iteration limit and tolerances for the large case (the step is a candidate: the bound
#: derived from it is checked in full, so an inexact step costs only the bound)
LSQR_ITER_LIMIT = 2000
LSQR_TOL = 1e-14


def _min_norm_solution(M: sp.csr_matrix, rhs: np.ndarray) -> np.ndarray | None:
    """theta = M' (M M')^-1 rhs, the least-norm solution of M theta = rhs: by a sparse LU of
    M M' + reg I with REFINE_STEPS steps of iterative refinement, or by LSQR on M when M M'
    would have more than DIRECT_MAX_NNZ nonzeros; None when the LU fails (singular, memory)."""
    M = sp.csr_matrix(M)                      # (no copy when it is CSR already)
    counts = np.bincount(M.indices, minlength=M.shape[1]).astype(np.float64)   # entries per column
    if float(np.dot(counts, counts)) > DIRECT_MAX_NNZ:
        out = spla.lsqr(M, rhs, atol=LSQR_TOL, btol=LSQR_TOL, iter_lim=LSQR_ITER_LIMIT)
        return np.asarray(out[0], dtype=float)
    MMt = (M @ M.T).tocsc()
    reg = 1e-13 * max(float(MMt.diagonal().max(initial=0.0)), 1e-300)
    try:
        solve = spla.factorized((MMt + reg * sp.identity(MMt.shape[0], format="csc")).tocsc())
    except (RuntimeError, MemoryError):
        return None
    theta = M.T @ solve(rhs)
    for _ in range(REFINE_STEPS):             # iterative refinement of the residual
        theta = theta + M.T @ solve(rhs - M @ theta)
    return theta


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
    n_exp = sf.cones.exp
    exp0 = m - 3 * n_exp
    if n_exp:   # exponential cone blocks entry by entry too (the caller's `into_dual_cone` moves
        # them back in along their cheapest coordinate), and by one scale each (below)
        weights[exp0:] = np.repeat(np.abs(z[exp0:]).reshape(-1, 3).max(axis=1), 3)
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
    if n_exp:                                 # and one scale per exponential cone block
        Zexp = sp.csr_matrix((z[exp0:], (np.arange(3 * n_exp), np.repeat(np.arange(n_exp), 3))),
                             shape=(3 * n_exp, n_exp))
        parts.append((AJ[:, exp0:] @ Zexp).tocsr())
    M = sp.hstack(parts, format="csr")
    norms = np.sqrt(np.asarray(M.multiply(M).sum(axis=1)).ravel())
    if M.nnz == 0 or not np.any(norms > 0):
        return None
    scale = 1.0 / np.where(norms > 0, norms, 1.0)   # equations of unit norm: the regularisation
    M = sp.diags(scale) @ M                          # below must not swamp small ones
    rhs = -r[cols] * scale
    theta = _min_norm_solution(M, rhs)
    if theta is None or not np.all(np.isfinite(theta)):
        return None
    dz = weights * theta[:m]
    pos = m
    for start, size, apply in congruent:
        dz[start:start + size] += apply(theta[pos:pos + size][None, :])[0]
        pos += size
    for k, (start, size) in enumerate(blocks):
        t = max(float(theta[pos + k]), -1.0)  # the scale stays >= 0: the block stays in its cone
        dz[start:start + size] += t * z[start:start + size]
    pos += len(blocks)
    if n_exp:
        t = np.maximum(theta[pos:pos + n_exp], -1.0)
        dz[exp0:] += np.repeat(t, 3) * z[exp0:]
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
            soft: frozenset[int], grow: float, congruence: bool, absA, A_csc, A_csr, deadline=None,
            c_err: np.ndarray | None = None):
    """Rounds of repair (step 3); returns (z, r, e, still open columns)."""
    free = ~np.isfinite(box.lb) & ~np.isfinite(box.ub)
    cols = bad | free                         # free columns must stay at zero while others move
    r, e = reduced_costs(sf, zk, absA, c_err)
    for _ in range(REPAIR_ROUNDS):
        if deadline is not None and deadline.expired():
            break
        rest = _absorb(sf, zk, r, np.flatnonzero(cols), soft_rows, A_csc, A_csr)
        if rest.size:
            r, e = reduced_costs(sf, zk, absA, c_err)
            dz = _repair_step(sf, zk, r, rest, soft_rows, soft, grow, congruence)
            if dz is None:
                break
            zk = into_dual_cone(sf, zk + dz, soft, lift=not congruence)
            r, _ = reduced_costs(sf, zk, absA, c_err)
            _absorb(sf, zk, r, np.flatnonzero(cols), soft_rows, A_csc, A_csr)
        r, e = reduced_costs(sf, zk, absA, c_err)
        bad = open_columns(box, r, e)
        if not bad.any():
            break
        cols |= bad
    return zk, r, e, bad


#: refinement steps of the basis solve (`basis_duals`)
BASIS_REFINE_STEPS = 2
#: the duals recomputed from a basis replace the solver's only when no entry moved by more than
#: this times 1 + max |z| (they polish the solver's duals; they never stand in for wrong ones)
BASIS_POLISH_MAX = 1e-7


def basis_duals(sf: StandardForm, z: np.ndarray, basis) -> np.ndarray | None:
    """LP duals recomputed from a simplex basis: z = 0 on the basic rows and, on the others,
    the solution of  c_B + A_NB' z_N = 0  (reduced costs zero on the basic columns B; A_NB is
    the square basis matrix on the nonbasic rows N), by a sparse LU and BASIS_REFINE_STEPS
    steps of iterative refinement started from z_N; entries below eps max|z| (the noise of
    that solve on duals that are zero) are set to 0. None when the basis does not fit the
    form (not boolean masks of n columns and m rows, not square) or is singular.

    A solver's duals hold only to its tolerances: a basic column's reduced cost of -1e-12
    points to the unbounded side of a column with only a lower bound and voids the bound,
    while the same basis solved again in double precision leaves residuals at the rounding
    level, which `reduced_costs` accounts for. The result is a candidate like any z: the
    bound derived from it is checked in full, so a wrong basis costs only the bound."""
    try:
        cols, rows = (np.asarray(v) for v in basis)
    except (TypeError, ValueError):
        return None
    if cols.dtype != bool or rows.dtype != bool or cols.shape != (sf.n,) or rows.shape != (sf.m,):
        return None
    B_cols = np.flatnonzero(cols)
    N_rows = np.flatnonzero(~rows)
    if B_cols.size != N_rows.size or not B_cols.size:
        return None
    AB = sf.A.tocsc()[:, B_cols]                 # the basic columns (a CSC column slice is cheap)
    pos = np.full(sf.m, -1, dtype=np.int64)
    pos[N_rows] = np.arange(N_rows.size)
    keep = pos[AB.indices] >= 0                   # their entries in the nonbasic rows
    per_col = np.bincount(np.repeat(np.arange(B_cols.size), np.diff(AB.indptr))[keep],
                          minlength=B_cols.size)
    if not np.all(per_col):
        return None                               # a basic column without a nonbasic row: singular
    indptr = np.concatenate(([0], np.cumsum(per_col)))
    B = sp.csc_matrix((AB.data[keep], pos[AB.indices[keep]], indptr), shape=(N_rows.size, B_cols.size))
    try:
        # B' factored (its COLAMD ordering gives half the fill of B's on netlib bases: greenbea
        # 2.5 ms against 5.1 ms)
        lu = spla.splu(sp.csc_matrix(B.T))
    except RuntimeError:                          # singular
        return None
    zb = np.zeros(sf.m)
    zb[N_rows] = np.asarray(z, dtype=float)[N_rows]
    ABT = AB.T                                    # CSR view: the basic columns' reduced costs
    cB = np.asarray(sf.c, dtype=float)[B_cols]
    for _ in range(BASIS_REFINE_STEPS):
        step = lu.solve(-(cB + ABT @ zb))
        if not np.all(np.isfinite(step)):
            return None
        zb[N_rows] += step
    zb[np.abs(zb) < EPS * float(np.max(np.abs(zb), initial=0.0))] = 0.0
    return zb


def _plain_lp(sf: StandardForm) -> bool:
    """Only zero and nonnegative rows and no quadratic objective."""
    return not (sf.has_soc or sf.has_psd or sf.has_exp or sf.has_quadratic)


def dual_bound(sf: StandardForm, z: np.ndarray, repair: bool = True, soft_psd: bool = True,
               grow: float = 0.0, deadline=None, xhat: np.ndarray | None = None,
               cutoff: float | None = None, basis=None, absA=None) -> DualBound:
    """The certified lower bound of the minimisation form from duals z (see the module doc).

    soft_psd: use trace bounds for PSD blocks where they exist; grow: weight with which the
    repair may raise inequality duals that are zero (0: only positive ones move); deadline (an
    optlib.Deadline): no repair round starts after it (the bound is then -inf where one was
    needed: reporting less, never more); xhat: the point at which a quadratic objective is
    linearised (`qp_linearisation`; None: zero); cutoff: an objective value (minimisation sense)
    no smaller than the optimum, e.g. that of a point that passed the primal check: when columns
    stay open, the level set {x : c'x + c0 <= cutoff} (valid for a QP whose P is proved PSD, as
    1/2 x'P x >= 0) takes part in the implied box, so the bound is that of the problem over its
    level set, which holds the optimum (see docs/certificates.md); basis: a simplex basis
    (basic columns, basic rows) the duals of an LP came from: when reduced costs point to an
    infinite side, the duals recomputed from it (`basis_duals`) are tried first, if they lie
    within BASIS_POLISH_MAX of z; absA: abs(sf.A) when the caller has it."""
    z_in = np.asarray(z, dtype=float)
    level = None
    if cutoff is not None and math.isfinite(cutoff):
        level = (np.asarray(sf.c, dtype=float),     # the row c'x <= rhs, made a matrix only if used
                 np.array([cutoff - sf.offset + 4.0 * EPS * (abs(cutoff) + abs(sf.offset))]))
    if z_in.shape != (sf.m,) or not np.all(np.isfinite(z_in)):
        return DualBound(-math.inf, np.zeros(sf.m), math.inf, False, 0,
                         "the duals have the wrong shape or non-finite entries")
    c_err = None
    extra: list[float] = []
    qp_msg = ""
    if sf.has_quadratic:
        lin = qp_linearisation(sf, _qp_point(sf, z_in, xhat) if repair else
                               (np.zeros(sf.n) if xhat is None else xhat))
        if not math.isfinite(lin.curvature):
            return DualBound(-math.inf, into_dual_cone(sf, z_in), math.inf, False, 0, lin.message)
        if lin.curvature != 0.0:
            level = None                  # 1/2 x'P x >= 0 is not proved: no level set
        sf = sf.replace(c=lin.c, offset=lin.offset, P=None)
        c_err = lin.c_err
        extra.append(lin.curvature)
        qp_msg = lin.message
    elif sf.P is not None:
        sf = sf.replace(P=None)
    traces = trace_bounds(sf) if (soft_psd and sf.has_psd) else {}
    soft = frozenset(traces)
    soft_rows = np.concatenate([np.arange(start, start + size) for kind, start, size, _ in sf.cones.blocks()
                                if kind == "psd" and start in soft] or [np.zeros(0, dtype=np.int64)])
    soft_rows = soft_rows.astype(np.int64)
    absA = abs(sf.A) if (absA is None or sf.A.shape != absA.shape) else absA
    zk = into_dual_cone(sf, z_in, soft)
    shift = float(np.max(np.abs(zk - z_in), initial=0.0))
    r, e = reduced_costs(sf, zk, absA, c_err)
    bad = open_columns(sf, r, e)
    polished = ""
    if bad.any() and basis is not None and _plain_lp(sf) and c_err is None:
        zb = basis_duals(sf, zk, basis)
        # a polish, not new duals: a basis whose duals are far from the solver's disagrees with them
        if zb is not None and np.max(np.abs(zb - zk)) <= BASIS_POLISH_MAX * (1.0 + np.max(np.abs(zk))):
            zb = into_dual_cone(sf, zb, soft)
            rb, eb = reduced_costs(sf, zb, absA)
            bad_b = open_columns(sf, rb, eb)
            if bad_b.sum() <= bad.sum():
                zk, r, e, bad = zb, rb, eb, bad_b
                polished = "duals recomputed from the solver's basis"
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
        A_csc, A_csr = sf.A.tocsc(), sf.A.tocsr()     # (only a repair needs both layouts)
        # interior duals are best repaired inside their cones (congruence maps); duals on the
        # boundary of a cone (first-order solvers) entry by entry, lifted back in
        for congruence in ((True, False) if (sf.has_soc or sf.has_psd) else (False,)):
            zk, r, e, bad = _repair(sf, box, start_z.copy(), bad, soft_rows, soft, grow, congruence,
                                    absA, A_csc, A_csr, deadline, c_err)
            if not bad.any():
                break
    if bad.any() and level is not None:   # last, the objective's level set closes what is still open
        lb, ub = implied_box(box, extra=(sp.csr_matrix(level[0].reshape(1, -1)), level[1]))
        box = box.replace(lb=np.where(bad, lb, box.lb), ub=np.where(bad, ub, box.ub))
        bad = open_columns(box, r, e)
    n_open = int(bad.sum())
    if n_open:
        return DualBound(-math.inf, zk, shift, repaired, n_open,
                         f"{n_open} reduced cost(s) point to an unbounded side of their variable "
                         "and could not be repaired: no finite bound")
    for kind, start, size, dim in sf.cones.blocks():
        if kind == "psd" and start in soft:
            lam = lambda_min_lower(zk[start:start + size], dim)
            if lam < 0:
                extra.append(lam * traces[start])
    value = bound_value(box, zk, r, e, extra)
    msg = "; ".join(m for m in (polished, "duals repaired" if repaired else "", qp_msg) if m)
    return DualBound(value, zk, shift, repaired, 0, msg)


# -- quadratic objectives ---------------------------------------------------------------------
#: rounds of the Newton correction of the linearisation point (`_qp_point`)
QP_POINT_ROUNDS = 3
#: the correction solves dense least squares up to this many columns, else LSQR
QP_DENSE_MAX = 2000


def _qp_point(sf: StandardForm, z: np.ndarray, xhat: np.ndarray | None) -> np.ndarray:
    """The linearisation point: the solver's xhat, or a Newton correction of it when that gives
    a better bound (without repair) from z. Any point gives a valid bound; the correction makes
    the reduced costs c + P xhat + A'z vanish, in the least-squares sense P_JJ dx_J = -r_J, on
    the columns J (with P_jj > 0) where they should: free ones, those pointing to an infinite
    side, and those strictly inside their box (a solver's stationarity P x + c + A'z = 0 holds
    only to its tolerance, and a residual r_j costs |r_j| times the box's width)."""
    n = sf.n
    x = np.zeros(n) if xhat is None else np.array(xhat, dtype=float, copy=True).reshape(-1)
    if x.shape != (n,) or not np.all(np.isfinite(x)):
        x = np.zeros(n)
    P = sp.csc_matrix(sf.P)
    P = ((P + P.T) * 0.5).tocsc()
    has_curv = P.diagonal() > 0
    zk = into_dual_cone(sf, z)
    margin = 1e-7 * (1.0 + np.abs(x))
    inside = ~((x - sf.lb <= margin) | (sf.ub - x <= margin))   # free columns too
    no_curvature = np.zeros(n)                # the curvature term does not depend on the step
    best_x, best_val = x, (-n, -math.inf)
    for k in range(QP_POINT_ROUNDS + 1):
        lin = qp_linearisation(sf, x, lam=no_curvature)
        lsf = sf.replace(c=lin.c, offset=lin.offset, P=None)
        r, e = reduced_costs(lsf, zk, c_err=lin.c_err)
        opened = open_columns(lsf, r, e)
        # better: fewer open columns, then the smaller reduced costs left on them for the
        # repair, or (none open) the larger bound
        val = (-int(opened.sum()), -float(np.sum(np.abs(r[opened]))) if opened.any()
               else bound_value(lsf, zk, r, e))
        if k == 0 or val > best_val:
            best_x, best_val = x.copy(), val
        J = np.flatnonzero((opened | inside) & (np.abs(r) > e) & has_curv)
        if not J.size or k == QP_POINT_ROUNDS:
            break
        dx = _psd_solve(P[J][:, J], -r[J])
        if not np.all(np.isfinite(dx)):
            break
        x = x.copy()
        x[J] += dx
    return best_x


def _psd_solve(B: sp.spmatrix, rhs: np.ndarray) -> np.ndarray:
    """A least-squares solution of B dx = rhs for a PSD B: Cholesky (dense up to QP_DENSE_MAX,
    else a sparse LU) when B is definite, else dense least squares (order <= QP_DENSE_MAX / 4)
    or LSQR."""
    import scipy.linalg as sla

    k = B.shape[0]
    try:
        if k <= QP_DENSE_MAX:
            return sla.cho_solve(sla.cho_factor(B.toarray(), check_finite=False), rhs)
        dx = spla.spsolve(sp.csc_matrix(B), rhs)
        if np.all(np.isfinite(dx)) and np.linalg.norm(B @ dx - rhs) <= 1e-8 * (np.linalg.norm(rhs) + 1e-300):
            return dx
    except (np.linalg.LinAlgError, RuntimeError, ValueError):
        pass
    if k <= QP_DENSE_MAX // 4:
        return np.linalg.lstsq(B.toarray(), rhs, rcond=1e-13)[0]
    return spla.lsqr(B, rhs, atol=1e-15, btol=1e-15, iter_lim=20 * k)[0]


@dataclass(frozen=True)
class QPLinearisation:
    """The linear objective that bounds 1/2 x'P x + c'x + c0 from below (see `qp_linearisation`)."""

    c: np.ndarray          # c + P xhat (as computed)
    offset: float          # c0 - 1/2 xhat'P xhat, lowered past its rounding
    c_err: np.ndarray      # |true (c + P xhat)_j - c_j| <= c_err_j
    curvature: float       # 0 when P is proved PSD, else -delta/2 max ||x - xhat||^2 (-inf: unbounded)
    lambda_min: float      # a lower bound on the smallest eigenvalue of P (on its support)
    message: str = ""


def qp_linearisation(sf: StandardForm, xhat: np.ndarray, lam: np.ndarray | None = None) -> QPLinearisation:
    """For P PSD and any xhat:  1/2 x'P x >= xhat'P x - 1/2 xhat'P xhat  (as 1/2 (x - xhat)'P
    (x - xhat) >= 0), so  1/2 x'P x + c'x + c0 >= (c + P xhat)'x + c0 - 1/2 xhat'P xhat  and any
    bound of that linear objective bounds the QP (tight at xhat = x*: the Wolfe dual).

    Rounding: (P xhat)_j is within (k_j + 1) eps (|P| |xhat|)_j of its computed value (k_j
    nonzeros in row j) and the sum c_j + (P xhat)_j within eps of its magnitude: c_err covers
    both; xhat'P xhat is lowered by (k + n + 4) eps |xhat|'|P||xhat|. When P is not proved PSD
    (`psd_lower_bound`: lambda >= -delta_B on a block B of columns), the bound
    1/2 (x - xhat)'P (x - xhat) >= -sum_B delta_B/2 ||x_B - xhat_B||^2 is paid over the box (the
    implied box where the original one is infinite): `curvature`, -inf when that is unbounded.
    lam: `psd_lower_bound` of P when already known (it is the costly part)."""
    n = sf.n
    x = np.asarray(xhat, dtype=float)
    if x.shape != (n,) or not np.all(np.isfinite(x)):
        x = np.zeros(n)              # any point gives a valid (if weaker) bound
    P = sp.csr_matrix(sf.P) if sf.P is not None else sp.csr_matrix((n, n))
    sym_err = 0.0
    if P.nnz and (abs(P - P.T) > 0).nnz:       # not symmetric: 1/2 x'P x = 1/2 x'((P + P')/2) x
        P = ((P + P.T) * 0.5).tocsr()
        sym_err = 1.0                          # one more rounding per entry of P
    absP = abs(P)
    k = np.diff(P.indptr).astype(float)
    g = P @ x
    ag = absP @ np.abs(x)
    c_new = sf.c + g
    c_err = (k + 3.0 + sym_err) * EPS * (ag + np.abs(sf.c))
    q = float(x @ g)
    q_err = (float(k.max(initial=0.0)) + n + 4.0 + sym_err) * EPS * float(np.abs(x) @ ag)
    offset = sf.offset - 0.5 * q - 0.5 * q_err
    offset -= 4.0 * EPS * (abs(sf.offset) + abs(q) + q_err)
    lam = psd_lower_bound(P, sym_err) if lam is None else lam
    curvature, msg = 0.0, ""
    lam_min = float(lam.min(initial=0.0))
    neg = np.flatnonzero(lam < 0)
    if neg.size:
        lb, ub = sf.lb[neg], sf.ub[neg]
        if not (np.all(np.isfinite(lb)) and np.all(np.isfinite(ub))):
            lb, ub = (v[neg] for v in implied_box(sf.replace(P=None)))
        dev = np.maximum(np.abs(lb - x[neg]), np.abs(ub - x[neg]))
        terms = 0.5 * lam[neg] * dev * dev
        if np.all(np.isfinite(terms)):
            curvature = math.fsum(terms.tolist()) * (1.0 + 8.0 * EPS * (neg.size + 2))
            msg = (f"the objective's P is not proved PSD (lambda_min >= {lam_min:.3g}): the bound "
                   f"pays {curvature:.3g} for it over the variables' box")
        else:
            curvature = -math.inf
            msg = (f"the objective's P is not proved PSD (lambda_min >= {lam_min:.3g}) and its "
                   "variables are unbounded: no finite bound")
    return QPLinearisation(c_new, offset, c_err, curvature, lam_min, msg)


def psd_lower_bound(P: sp.spmatrix, extra_rel: float = 0.0) -> np.ndarray:
    """Per column j, a lower bound on the smallest eigenvalue of the connected block of the
    symmetric matrix P that holds j (0 where P's column is empty). extra_rel: entries of P may
    be off by extra_rel eps relative (subtracted as eps |P| row sums).

    Per block, the first of these that proves PSD, else the largest bound: a 1 x 1 block its
    entry; Gershgorin, min_i P_ii - sum_{j != i} |P_ij| less its rounding; a dense Cholesky
    of B - sigma I with sigma = 2 gamma tr(B): R'R = B - sigma I + E, |E| <= gamma_{k+1} |R'||R|
    (Higham, Thm 10.3), so lambda_min(B) >= sigma - gamma_{k+1} ||R||_F^2; the eigenvalues of
    B less their backward error 4 k eps ||B||_2 (order <= PSD_EIG_MAX); 0 for a block shown
    PSD in rational arithmetic (order <= PSD_EXACT_MAX: singular PSD blocks)."""
    P = sp.csr_matrix(P, dtype=float)
    P.eliminate_zeros()
    n = P.shape[0]
    lam = np.zeros(n)
    if not P.nnz:
        return lam
    diag = P.diagonal()
    absP = abs(P)
    rowsum = np.asarray(absP.sum(axis=1)).ravel()
    k_row = np.diff(P.indptr).astype(float)
    pert = extra_rel * EPS * rowsum
    off = P - sp.diags(diag)
    off.eliminate_zeros()
    n_comp, label = csgraph.connected_components(abs(off) + abs(off.T), directed=False)
    sizes = np.bincount(label, minlength=n_comp)
    single = sizes[label] == 1
    lam[single] = diag[single] - pert[single]     # a 1 x 1 block (0 where P's column is empty)
    # Gershgorin per row, less its rounding; a block's bound is its smallest row's
    gersh = diag - (rowsum - np.abs(diag)) - (k_row + 2.0) * EPS * rowsum - pert
    block_min = np.full(n_comp, np.inf)
    np.minimum.at(block_min, label, gersh)
    pert_max = np.zeros(n_comp)
    np.maximum.at(pert_max, label, pert)
    for cidx in np.flatnonzero((sizes > 1) & (block_min < 0)):
        cols = np.flatnonzero(label == cidx)
        best = float(block_min[cidx])
        if cols.size <= PSD_CHOL_MAX:
            best = max(best, _dense_lambda_lower(P[cols][:, cols].toarray()) - float(pert_max[cidx]))
        lam[cols] = best
    multi = ~single & (block_min[label] >= 0)
    lam[multi] = block_min[label[multi]]
    return lam


def _dense_lambda_lower(B: np.ndarray) -> float:
    """A lower bound on lambda_min of the dense symmetric B (see `psd_lower_bound`): >= 0 when a
    shifted Cholesky succeeds, else the eigenvalue bound (order <= PSD_EIG_MAX), else -inf."""
    kk = B.shape[0]
    gam = (kk + 1) * (EPS / 2) / (1.0 - (kk + 1) * (EPS / 2))
    sigma = 2.0 * gam * float(np.sum(np.abs(np.diag(B))))
    best = -math.inf
    try:
        R = np.linalg.cholesky(B - sigma * np.eye(kk))
        fro = float(np.sum(R * R)) * (1.0 + (kk * kk + 2) * EPS)
        best = sigma - gam * fro
    except np.linalg.LinAlgError:
        pass
    if best < 0 and kk <= PSD_EIG_MAX:
        w = np.linalg.eigvalsh(B)
        best = max(best, float(w[0]) - 4.0 * kk * EPS * float(np.max(np.abs(w))))
    if best < 0 and kk <= PSD_EXACT_MAX and _exact_psd(B):
        best = 0.0
    return best


def _exact_psd(B: np.ndarray) -> bool:
    """B (floats: exact rationals) is PSD, decided exactly: symmetric elimination in rational
    arithmetic, without pivoting; a negative pivot, or a zero pivot with a nonzero entry left in
    its row, disproves it (a Schur complement of a PSD matrix is PSD; a zero diagonal entry of a
    PSD matrix has a zero row). Singular PSD blocks such as [[1, 1], [1, 1]] pass here, which no
    floating-point test can show."""
    from fractions import Fraction

    k = B.shape[0]
    if not np.array_equal(B, B.T):
        return False
    M = [[Fraction(float(B[i, j])) for j in range(k)] for i in range(k)]
    for j in range(k):
        p = M[j][j]
        if p < 0:
            return False
        if p == 0:
            if any(M[j][l] != 0 for l in range(j + 1, k)):
                return False
            continue
        for l in range(j + 1, k):
            f = M[l][j] / p
            if f:
                row_j, row_l = M[j], M[l]
                for mm in range(j + 1, k):
                    row_l[mm] -= f * row_j[mm]
    return True
