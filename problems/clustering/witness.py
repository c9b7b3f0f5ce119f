"""A tight dual witness for a candidate K-means partition, by a small SDP in a low-rank family.

Dual of the Peng-Wei SDP (max <A, Z>, Z PSD, Z >= 0, Z 1 = 1, tr Z = K): any y, symmetric
B >= 0 give <A, Z> <= 1'y + K lambda_max(A - sym(y 1') + B) (`certificate.py`). For a partition
P with clusters of sizes n_a, complementary slackness with Z_P = sum_a 1_a 1_a' / n_a fixes
(Iguchi, Mixon, Peterson, Villar, Math. Program. 2017; Awasthi et al., ITCS 2015):

* B_aa = 0 and, with z = lambda_max, y is a function of z (`_witness_parts` in certificate.py);
* each cross block B_ba (rows in b, columns in a) has fixed row sums u and column sums w, both
  affine in z: B_ba = u 1'/n_a + 1 w'/n_b - (1'u) 1 1'/(n_a n_b) + D_ba with D_ba 1 = 0, 1'D_ba = 0;
* then S = z I + sym(y 1') - A - B annihilates every 1_a, and S PSD  <=>  z >= lambda_max(P A P + D)
  with P the projection off span{1_a} (P A P = E E', E the within-cluster centred data).

The rank-one B of Iguchi et al. is one D; it often misses (a gap of a few per cent on clusters
that the SDP recovers exactly). Here D_ba = F_b M_ab F_a' with F_b = [E_b Q, u - mean u] and
F_a = [E_a Q, w - mean w] (Q: the data directions, at most `max_dirs` principal ones), which
contains the rank-one choice and the choice that cancels the cross blocks of E E'. We
minimise t s.t. (z + t) I >= lambda_max(E E' + D) (an LMI of order K q + K(K-1) in the span of
the columns) and B >= 0 entrywise (linear rows, added by a cutting plane when n_a n_b is large),
on any optlib SDP backend. The solver only proposes (z, M): the bound is re-derived from them
in floating point (`_rigorous_bound`), negative entries of B being repaired by a norm term, so
a wrong solver answer gives a looser bound, never a wrong one.
"""
from __future__ import annotations

import math

import numpy as np

import optlib
from optlib import Deadline
from optlib.backend import get_backend
from optlib.columns import ColumnMap
from optlib.solve import pick_backend, run_backend
from optlib.standard_form import SolveParams

from .certificate import EPS, DualBound, lambda_max_factored

MAX_LMI = 80           # largest LMI order the search takes on (K q + K (K - 1))
MAX_ROWS = 6000        # B >= 0 rows per solve; more entries go through the cutting plane
CUT_ROUNDS = 6
T_STOP = 1e-7         # a first solve with t above this (relative to z) ends the search


def _pair_data(Xs: np.ndarray, labels: np.ndarray, K: int):
    """Sizes, the y(z) = y0 - z y1 of complementary slackness, and per pair (a < b) the row sums
    u = u0 - z cu (on b) and column sums w = w0 - z cw (on a) of B_ba."""
    n = Xs.shape[0]
    sizes = np.bincount(labels, minlength=K).astype(float)
    sums = np.stack([Xs[labels == a].sum(axis=0) for a in range(K)], axis=1)   # d x K
    S = Xs @ sums                                            # S[i, a] = (A 1_a)_i
    Saa = np.array([S[labels == a, a].sum() for a in range(K)])
    na = sizes[labels]
    y0 = 2.0 * S[np.arange(n), labels] / na - Saa[labels] / na ** 2
    y1 = 1.0 / na
    ya0, ya1 = Saa / sizes, np.ones(K)                      # 1_a'y = ya0 - z ya1
    pairs = []
    for a in range(K):
        for b in range(a + 1, K):
            ib, ia = np.flatnonzero(labels == b), np.flatnonzero(labels == a)
            u0 = 0.5 * (sizes[a] * y0[ib] + ya0[a]) - S[ib, a]
            cu = 0.5 * (sizes[a] * y1[ib] + ya1[a])
            w0 = 0.5 * (sizes[b] * y0[ia] + ya0[b]) - S[ia, b]
            cw = 0.5 * (sizes[b] * y1[ia] + ya1[b])
            pairs.append((a, b, ia, ib, u0, float(cu[0]), w0, float(cw[0])))
    return sizes, y0, y1, pairs


def _features(E: np.ndarray, labels: np.ndarray, K: int, groups: int, seed: int) -> list:
    """Per cluster a the columns Phi_a (n_a x p): the centred data E_a, then the centred
    indicators of `groups` sub-groups of the cluster (k-means on E_a) and the centred |e_i|^2:
    the space the cross blocks D_ba = Phi_b M Phi_a' live in (the data part alone contains
    the rank-one witness of Iguchi et al.; the rest lets B >= 0 hold near the boundaries)."""
    from sklearn.cluster import KMeans
    out = []
    for a in range(K):
        Ea = E[labels == a]
        cols = [Ea]
        s = min(groups, Ea.shape[0] // 3)
        if s >= 2:
            sub = KMeans(s, n_init=1, random_state=seed).fit_predict(Ea)
            ind = np.stack([(sub == g).astype(float) for g in range(1, s)], axis=1)
            cols.append(ind - ind.mean(axis=0))
        sq = (Ea ** 2).sum(axis=1)
        cols.append((sq - sq.mean())[:, None])
        out.append(np.hstack(cols))
    return out


class _Family:
    """The block columns W = blockdiag(Phi_a) (n x m) of the LMI space, H0 with W H0 W' = E E',
    and the maps (z, M) -> H, B blocks."""

    def __init__(self, Xs, labels, K, groups, seed=0):
        self.n, self.K = Xs.shape[0], K
        self.labels = labels
        self.sizes, self.y0, self.y1, self.pairs = _pair_data(Xs, labels, K)
        cent = np.stack([Xs[labels == a].mean(axis=0) for a in range(K)])
        self.E = Xs - cent[labels]
        self.d = d = Xs.shape[1]
        self.phi = _features(self.E, labels, K, groups, seed)
        self.p = [f.shape[1] for f in self.phi]
        self.off = np.concatenate([[0], np.cumsum(self.p)]).astype(int)
        self.m = int(self.off[-1])
        W = np.zeros((self.n, self.m))
        for a in range(K):
            W[labels == a, self.off[a]:self.off[a + 1]] = self.phi[a]
        self.norms = np.maximum(np.linalg.norm(W, axis=0), 1e-300)
        Wu = W / self.norms
        G = Wu.T @ Wu
        D, V = np.linalg.eigh(0.5 * (G + G.T))
        self.R = (V * np.sqrt(np.maximum(D, 0.0))) @ V.T     # G^(1/2) of the unit columns
        H0 = np.zeros((self.m, self.m))
        for a in range(K):
            for b in range(K):
                H0[self.off[a]:self.off[a] + d, self.off[b]:self.off[b] + d] = np.eye(d)
        self.H0 = H0 * np.outer(self.norms, self.norms)      # in the unit columns

    def embed(self, k: int, r: int, c: int) -> np.ndarray:
        """The m x m matrix (unit columns) of D_ba = Phi_b e_r e_c' Phi_a', both triangles."""
        a, b = self.pairs[k][0], self.pairs[k][1]
        T = np.zeros((self.m, self.m))
        i, j = self.off[b] + r, self.off[a] + c
        T[i, j] = self.norms[i] * self.norms[j]
        return T + T.T

    def features(self, k: int):
        """(Phi_b, Phi_a): D_ba = Phi_b M Phi_a'."""
        a, b = self.pairs[k][0], self.pairs[k][1]
        return self.phi[b], self.phi[a]

    def block(self, k: int, z: float, M: np.ndarray, f=None, g=None) -> np.ndarray:
        """B_ba (n_b x n_a) for multiplier z and M_ab."""
        a, b, ia, ib, u0, cu, w0, cw = self.pairs[k]
        if f is None:
            f, g = self.features(k)
        na, nb = self.sizes[a], self.sizes[b]
        u, w = u0 - z * cu, w0 - z * cw
        return (u[:, None] / na + w[None, :] / nb - u.sum() / (na * nb)) + f @ M @ g.T


def _select(F: _Family, k: int, z: float, M: np.ndarray, rows: set, count: int, negative: bool = False) -> int:
    """Add to `rows` up to `count` new entries of B_ba, smallest first (only entries below 0 when
    `negative`); how many were added."""
    B = F.block(k, z, M).ravel()
    order = np.argsort(B)
    if negative:
        order = order[B[order] < 0]
    before = len(rows)
    for t in order:
        if len(rows) - before >= count:
            break
        rows.add(int(t))
    return len(rows) - before


def _solve(F: _Family, rows: list, backend: str, time_limit: float | None):
    """min t s.t. (z + t) I - R H(M) R PSD, B_ba[rows] >= 0. (z, [M], t) or None."""
    m = optlib.Model("kmeans witness")
    z = m.continuous(name="z")
    t = m.continuous(name="t")
    R, I = F.R, np.eye(F.m)
    Ms, terms = [], [(z, I), (t, I)]
    for k, (a, b, *_r) in enumerate(F.pairs):
        pb, pa = F.p[b], F.p[a]
        Mk = m.continuous((pb, pa), name=f"M{k}")
        Ms.append(Mk)
        terms.append((Mk.flatten(), [-(R @ F.embed(k, r_, c_) @ R) for r_ in range(pb) for c_ in range(pa)]))
    m.add(optlib.lmi(-(R @ F.H0 @ R), terms) >> 0, name="lmi")
    for k, sel in enumerate(rows):
        a, b, ia, ib, u0, cu, w0, cw = F.pairs[k]
        f, g = F.features(k)
        idx = np.asarray(sorted(sel), dtype=np.int64)
        i, j = np.unravel_index(idx, (ib.size, ia.size))
        na, nb = F.sizes[a], F.sizes[b]
        const = u0[i] / na + w0[j] / nb - u0.sum() / (na * nb)
        zc = -cw / nb                                       # = -(n_a + n_b) / (2 n_a n_b)
        kron = (f[i][:, :, None] * g[j][:, None, :]).reshape(idx.size, f.shape[1] * g.shape[1])
        m.add(kron @ Ms[k].flatten() + zc * z + const >= 0, name=f"nonneg{k}")
    m.minimize(t)
    # the backend's raw point only: optlib's certificate of this small solve is not needed, the
    # bound is re-derived from (z, M) by `_rigorous_bound` whatever the solver says
    sf = m.compile()
    be, _why = pick_backend(sf, backend, time_limit)
    raw = run_backend(be, sf, SolveParams(time_limit=time_limit, refine=False))
    _solve.last = raw
    if raw.x is None or not np.all(np.isfinite(raw.x)):
        return None
    vals = ColumnMap(m._blocks).values([z, t, *Ms], np.asarray(raw.x, dtype=float))
    return (float(vals[z]), [np.asarray(vals[M], dtype=float).reshape(M.shape) for M in Ms], float(vals[t]))


def _rigorous_bound(F: _Family, Xs: np.ndarray, labels: np.ndarray, z: float, Ms: list) -> DualBound:
    """1'y + K lambda_max(A - sym(y 1') + B) for the witness (z, M), recomputed here in factored
    form; entries of B below 0 (and a rounding allowance) are replaced by 0, which adds at most
    ||B_-||_F (both triangles) to lambda_max."""
    n, K, d = F.n, F.K, F.d
    y = F.y0 - z * F.y1
    ind = np.stack([(labels == a).astype(float) for a in range(K)], axis=1)
    Phi = np.zeros((n, F.m))
    for a in range(K):
        Phi[labels == a, F.off[a]:F.off[a + 1]] = F.phi[a]
    cols = [Xs, y[:, None], np.ones((n, 1)), ind, Phi]
    e0 = d + 2 + K                                          # first column of Phi
    start = e0 + F.m
    neg2, extra = 0.0, []
    for k, (a, b, ia, ib, u0, cu, w0, cw) in enumerate(F.pairs):
        na, nb = F.sizes[a], F.sizes[b]
        u, w = u0 - z * cu, w0 - z * cw
        f, g = F.features(k)
        B = F.block(k, z, Ms[k], f, g)
        scale = (np.abs(u).max() / na + np.abs(w).max() / nb + abs(u.sum()) / (na * nb)
                 + np.abs(f).sum(axis=1).max() * np.abs(Ms[k]).max() * np.abs(g).sum(axis=1).max())
        slack = 8 * (f.shape[1] * g.shape[1] + 4) * EPS * scale
        neg = np.maximum(slack - B, 0.0)
        neg2 += 2.0 * float((neg * neg).sum())
        uc, wc = np.zeros(n), np.zeros(n)
        uc[ib], wc[ia] = u, w
        extra += [uc[:, None], wc[:, None]]
    Wm = np.hstack(cols + extra)
    C = np.zeros((Wm.shape[1], Wm.shape[1]))
    C[:d, :d] = np.eye(d)                                   # A = Xs Xs'
    C[d, d + 1] = C[d + 1, d] = -0.5                        # - sym(y 1')
    for k, (a, b, ia, ib, u0, cu, w0, cw) in enumerate(F.pairs):
        na, nb = F.sizes[a], F.sizes[b]
        T = np.zeros_like(C)
        cu_, cw_ = start + 2 * k, start + 2 * k + 1
        ca, cb = d + 2 + a, d + 2 + b                       # indicators 1_a, 1_b
        T[cu_, ca] += 1.0 / na                              # u 1_a' / n_a
        T[cb, cw_] += 1.0 / nb                              # 1_b w' / n_b
        T[cb, ca] -= float((u0 - z * cu).sum()) / (na * nb)
        T[e0 + F.off[b]:e0 + F.off[b + 1], e0 + F.off[a]:e0 + F.off[a + 1]] += Ms[k]
        C += T + T.T
    lam, marg = lambda_max_factored(Wm, C)
    corr = math.sqrt(neg2)
    return DualBound(float(y.sum()) + K * (lam + marg + corr), lam, K * (marg + corr), "partition witness (sdp)")


def _backends(backend: str) -> list:
    """The backend asked for, then SCS (first order) when that is not it and is installed."""
    out = [backend]
    if backend.strip().lower() != "scs":
        try:
            if get_backend("scs").available():
                out.append("scs")
        except (ValueError, ImportError):
            pass
    return out


def tight_partition_certificate(labels: np.ndarray, K: int, Xs: np.ndarray, backend: str = "auto",
                                deadline: Deadline | None = None, groups: int = 6,
                                random_state: int | None = 0) -> DualBound | None:
    """The witness bound for `labels` on the centred data Xs (A = Xs Xs') from the family in the
    module docstring, or None when the family is too large (LMI order over MAX_LMI), the
    deadline passed or the small SDP gave no point. Valid for any outcome of the small solve."""
    labels = np.asarray(labels, dtype=np.int64)
    deadline = deadline if deadline is not None else Deadline(None)
    if K < 2 or np.bincount(labels, minlength=K).min() == 0:
        return None
    if K * (Xs.shape[1] + groups) > MAX_LMI:
        return None
    F = _Family(Xs, labels, K, groups, random_state)
    rows = []
    for k, (a, b, ia, ib, *_r) in enumerate(F.pairs):
        total = ia.size * ib.size
        rows.append(set(range(total)) if total * len(F.pairs) <= MAX_ROWS else set())
    for k, sel in enumerate(rows):                          # start: the tightest rows at M = 0
        if not sel:
            a, b = F.pairs[k][0], F.pairs[k][1]
            _select(F, k, 0.0, np.zeros((F.p[b], F.p[a])), sel, MAX_ROWS // (2 * len(F.pairs)))
    best = None
    for _ in range(CUT_ROUNDS):
        if deadline.expired():
            break
        out = None
        for be in _backends(backend):          # an interior-point failure: once more on SCS
            if deadline.expired():
                break
            try:
                out = _solve(F, rows, be, deadline.left(floor=0.05, fraction=0.6))
            except (ValueError, RuntimeError, ImportError, np.linalg.LinAlgError):
                out = None
            if out is not None:
                break
        if out is None:
            break
        z, Ms, t = out
        bound = _rigorous_bound(F, Xs, labels, z, Ms)
        if best is None or bound.value < best.value:
            best = bound
        if t > T_STOP * max(1.0, abs(z)):
            break                    # more rows only raise t: this family cannot certify the partition
        added = 0
        for k, sel in enumerate(rows):
            a, b, ia, ib, *_r = F.pairs[k]
            if len(sel) < ia.size * ib.size:
                added += _select(F, k, z, Ms[k], sel, max(64, MAX_ROWS // (4 * len(F.pairs))), negative=True)
        if added == 0:
            break
    return best
