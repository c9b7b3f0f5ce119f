"""Independent check (and repair) of a LipSDP answer: rebuild the LMI and look at its eigenvalues.

Fazlyab et al., "Efficient and Accurate Estimation of Lipschitz Constants for Deep Neural
Networks" (NeurIPS 2019). With A = [blkdiag(W_0..W_{l-1}), 0], B = [0, I_N] and the
multiplier matrix T (N x N) the LipSDP matrix is

    M(rho, T) = [A; B]^T Q(T) [A; B] + blkdiag(-rho I_{n0}, 0, W_l^T W_l),
    Q(T) = [[-(D_a T D_b + D_b T D_a), (D_s T + T D_s) / 2], [(D_s T + T D_s) / 2, -2 T]],

with D_a = diag(alpha), D_b = diag(beta), D_s = D_a + D_b (one slope pair per neuron). For
T = diag(lambda) this is the paper's Q = [[-2 alpha beta T, (alpha+beta) T], [., -2T]]
neuron by neuron; an off-diagonal coupling (e_i - e_j)(e_i - e_j)^T is only allowed
between neurons with the same slopes, where it again reduces to the paper's form.

This module builds M directly from the weights and T (it shares no code with the sparse
`optlib.lmi` terms the solver saw), projects the multipliers onto their sign constraints
(rho, lambda, zeta >= 0), and checks lambda_max(M) <= -margin:

* order <= `dense_limit`: dense `eigvalsh`; margin = 8 n eps ||M||_1 covers the rounding
  of the eigenvalue computation (backward error <= c n eps ||M||_2 <= c n eps ||M||_1).
* larger: negative definiteness of M + margin I is decided by a sparse LDL^T-type
  factorisation without pivoting (SuperLU with diagonal pivots; every pivot of
  -(M + margin I) must be positive), margin = 1e-9 ||M||_1 (the backward error of an
  LDL^T factorisation of a definite matrix is O(n eps ||M||), far below this for any
  order we can factor); lambda_max itself is not computed there (reported as nan; an
  ARPACK estimate is available from `_Check.lmax` but never relied on).

Repair. rho enters only through -rho E0 (E0 = identity on the input block), so raising
rho subtracts a PSD term and lambda_max(M) is non-increasing in rho. For fixed T, with H
the hidden block of M(0, T) (H < 0 is necessary), the smallest feasible rho is
lambda_max of the Schur complement M_xx - M_xh H^{-1} M_hx; we take it (never below the
solver's rho) and then raise it geometrically until the eigenvalue check passes. If H
itself is not negative definite (a first-order solver's multipliers can be far off), no
rho helps. The multipliers are then moved toward an *anchor* T_a with a strictly negative
definite hidden block, built layer by layer from the output backwards
(`anchor_multipliers`: tau_k I per layer, each tau_k chosen so that the Schur complement
of the blocks below stays < 0): T(theta) = (1 - theta) T + theta T_a. M is affine in T and
the set of feasible multipliers is convex, so the hidden block is < 0 on an interval
[theta*, 1] (found by bisection), and the least rho, a convex function of theta there, is
minimised by a golden-section search on a log scale above theta*. The certificate reports
the solver's rho, the certified rho and the increase; the certified value is
sqrt(rho_certified). `max_eigenvalues` holds lambda_max at the solver's point and, after a
repair, at the certified point.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp

from .bound import LMICertificate
from .golden import golden_min

EPS = np.finfo(float).eps
#: solve options of the LipSDP solves: their bound is certified here from the multipliers
#: (certify_lipsdp and the grouped certificate), so optlib's re-solves of a first-order answer
#: at tighter tolerances would only cost time; options={"refine": True} asks for them
OWN_CERTIFICATE = {"refine": False}


def lipsdp_matrix(weights: Sequence[np.ndarray], alpha: np.ndarray, beta: np.ndarray,
                  T: sp.spmatrix, rho: float) -> sp.csr_matrix:
    """M(rho, T) = [A;B]^T Q(T) [A;B] + blkdiag(-rho I, 0, W_l^T W_l) as a sparse matrix."""
    Ws = [np.asarray(W, dtype=float) for W in weights]
    n0 = Ws[0].shape[1]
    N = sum(W.shape[0] for W in Ws[:-1])
    dim = n0 + N
    T = sp.csr_matrix(T, dtype=float)
    if T.shape != (N, N):
        raise ValueError(f"multiplier matrix T has shape {T.shape}, expected {(N, N)}")
    alpha = np.asarray(alpha, dtype=float).reshape(-1)
    beta = np.asarray(beta, dtype=float).reshape(-1)
    if alpha.size != N or beta.size != N:
        raise ValueError(f"need one slope pair per hidden neuron ({N}), got {alpha.size} and {beta.size}")
    rows, cols = T.nonzero()
    off = rows != cols
    if np.any(alpha[rows[off]] != alpha[cols[off]]) or np.any(beta[rows[off]] != beta[cols[off]]):
        raise ValueError("T couples neurons with different slope bounds")
    last = Ws[-1].shape[1]
    A = sp.hstack([sp.block_diag([sp.csr_matrix(W) for W in Ws[:-1]]), sp.csr_matrix((N, last))], format="csr")
    B = sp.hstack([sp.csr_matrix((N, n0)), sp.identity(N, format="csr")], format="csr")
    Da, Db = sp.diags(alpha), sp.diags(beta)
    Ds = sp.diags(alpha + beta)
    Q11 = -(Da @ T @ Db + Db @ T @ Da)
    Q12 = 0.5 * (Ds @ T + T @ Ds)
    M = A.T @ Q11 @ A + A.T @ Q12 @ B + B.T @ Q12.T @ A - 2.0 * (B.T @ T @ B)
    WL = Ws[-1]
    tail = sp.csr_matrix(WL.T @ WL)
    M = M + sp.block_diag([sp.csr_matrix((dim - last, dim - last)), tail], format="csr")
    if rho:
        M = M - float(rho) * sp.block_diag([sp.identity(n0), sp.csr_matrix((N, N))], format="csr")
    M = sp.csr_matrix(0.5 * (M + M.T))
    return M


def multiplier_matrix(lam: np.ndarray, pairs: np.ndarray | None = None,
                      zeta: np.ndarray | None = None) -> sp.csr_matrix:
    """T = diag(lambda) + sum_p zeta_p (e_i - e_j)(e_i - e_j)^T for pairs p = (i, j)."""
    lam = np.asarray(lam, dtype=float).reshape(-1)
    N = lam.size
    T = sp.diags(lam).tocoo()
    if pairs is None or zeta is None or len(pairs) == 0:
        return T.tocsr()
    pairs = np.asarray(pairs, dtype=int).reshape(-1, 2)
    z = np.asarray(zeta, dtype=float).reshape(-1)
    i, j = pairs[:, 0], pairs[:, 1]
    r = np.concatenate([i, j, i, j])
    c = np.concatenate([i, j, j, i])
    v = np.concatenate([z, z, -z, -z])
    return (T + sp.coo_matrix((v, (r, c)), shape=(N, N))).tocsr()


def _norm1(M: sp.spmatrix | np.ndarray) -> float:
    if sp.issparse(M):
        return float(abs(M).sum(axis=0).max()) if M.nnz else 0.0
    return float(np.abs(M).sum(axis=0).max()) if M.size else 0.0


@dataclass
class _Check:
    """lambda_max test of one matrix family M(rho) = M0 - rho E0."""

    M0: sp.csr_matrix
    n0: int
    dense: bool

    def __post_init__(self) -> None:
        self.n = self.M0.shape[0]
        self.E0 = sp.block_diag([sp.identity(self.n0), sp.csr_matrix((self.n - self.n0,) * 2)], format="csr")
        if self.dense:
            self.D0 = self.M0.toarray()

    def margin(self, rho: float) -> float:
        scale = _norm1(self.M0) + abs(rho)
        return (8.0 * self.n * EPS if self.dense else 1e-9) * max(scale, 1.0)

    def lmax(self, rho: float) -> float:
        """lambda_max(M(rho)) (dense: exact up to rounding; sparse: an ARPACK estimate with a
        bounded effort, nan when it does not converge)."""
        if self.dense:
            D = self.D0.copy()
            D[np.arange(self.n0), np.arange(self.n0)] -= rho
            return float(sla.eigvalsh(D, subset_by_index=[self.n - 1, self.n - 1])[0]) if self.n else 0.0
        from scipy.sparse.linalg import ArpackError, ArpackNoConvergence, eigsh

        try:
            return float(eigsh(self.M0 - rho * self.E0, k=1, which="LA", tol=1e-8,
                               return_eigenvectors=False, maxiter=min(20 * self.n, 2000))[0])
        except (ArpackNoConvergence, ArpackError):  # unknown: reported as nan, never relied on
            return math.nan

    def holds(self, rho: float, estimate: bool = False) -> tuple[bool, float]:
        """(M(rho) <= -margin I, reported lambda_max). In the sparse case the decision is
        the LDL^T test; the ARPACK estimate (minutes at orders of several thousands, and never
        relied on) is computed only when `estimate`, else reported as nan."""
        mg = self.margin(rho)
        if self.dense:
            lm = self.lmax(rho)
            return bool(lm <= -mg), lm
        ok = _negdef_sparse(self.M0 - rho * self.E0, mg)
        return ok, (self.lmax(rho) if estimate else math.nan)

    def hidden_negdef(self, M0: sp.csr_matrix) -> bool:
        H = M0[self.n0:, self.n0:]
        mg = self.margin(0.0)
        if H.shape[0] == 0:
            return True
        if self.dense:
            return bool(sla.eigvalsh(H.toarray(), subset_by_index=[H.shape[0] - 1] * 2)[0] <= -mg)
        return _negdef_sparse(H, mg)

    def schur_rho(self, M0: sp.csr_matrix) -> float:
        """lambda_max(M_xx - M_xh H^{-1} M_hx): the least rho with M(rho) <= 0 (H < 0 assumed)."""
        n0 = self.n0
        Mxx = M0[:n0, :n0].toarray()
        Mhx = M0[n0:, :n0]
        if M0.shape[0] == n0:
            return float(np.linalg.eigvalsh(Mxx)[-1])
        H = M0[n0:, n0:]
        if self.dense:
            R = np.linalg.cholesky(-H.toarray())              # -H = R R^T
            Y = sla.solve_triangular(R, Mhx.toarray(), lower=True)
            S = Mxx + Y.T @ Y
        else:
            from scipy.sparse.linalg import splu

            lu = splu(sp.csc_matrix(-H))
            S = Mxx + Mhx.T.toarray() @ lu.solve(Mhx.toarray())
        S = 0.5 * (S + S.T)
        return float(np.linalg.eigvalsh(S)[-1])


def _negdef_sparse(M: sp.spmatrix, margin: float) -> bool:
    """True when M + margin I is negative definite: -(M + margin I) = L D L^T with D > 0
    (SuperLU with diagonal pivoting and a symmetric ordering; a non-symmetric pivot
    sequence or a non-positive pivot answers False)."""
    from scipy.sparse.linalg import splu

    n = M.shape[0]
    K = sp.csc_matrix(-(M + margin * sp.identity(n)))
    try:
        lu = splu(K, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                  options={"SymmetricMode": True})
    except RuntimeError:   # exactly singular
        return False
    if not np.array_equal(lu.perm_r, lu.perm_c):
        return False
    return bool(np.all(lu.U.diagonal() > 0))


def certify_lipsdp(weights: Sequence[np.ndarray], alpha: np.ndarray, beta: np.ndarray,
                   lam: np.ndarray, rho: float, pairs: np.ndarray | None = None,
                   zeta: np.ndarray | None = None, *, dense_limit: int = 4000,
                   repair: bool = True) -> tuple[LMICertificate, dict]:
    """Check M(rho, T) <= 0 for the multipliers returned by a solver and repair rho.

    Returns the certificate and the certified multipliers {'rho', 'lambda', 'zeta',
    'theta'} (after projection onto >= 0 and any move toward the anchor). The value
    sqrt(certificate.rho_certified) is an upper bound on the l2 Lipschitz constant of
    every network with these weights and activations slope-restricted in [alpha, beta].
    """
    rho_solver = float(rho) if rho is not None and math.isfinite(rho) else math.nan
    lam = np.maximum(np.nan_to_num(np.asarray(lam, dtype=float).reshape(-1), nan=0.0), 0.0)
    z = None if zeta is None else np.maximum(np.nan_to_num(np.asarray(zeta, dtype=float).reshape(-1), nan=0.0), 0.0)
    rho0 = max(rho_solver, 0.0) if math.isfinite(rho_solver) else 0.0
    n0 = np.asarray(weights[0]).shape[1]
    N = lam.size
    dense = n0 + N <= dense_limit

    def family(scale: float) -> sp.csr_matrix:
        T = multiplier_matrix(scale * lam, pairs, None if z is None else scale * z)
        return lipsdp_matrix(weights, alpha, beta, T, 0.0)

    M0 = family(1.0)
    chk = _Check(M0, n0, dense)
    ok, lm = chk.holds(rho0)
    out = {"rho": rho0, "lambda": lam, "zeta": z, "theta": 0.0}
    how = "dense eigvalsh" if dense else "sparse LDL^T test; lambda_max not computed (nan)"
    if ok:
        return LMICertificate(True, (lm,), False, rho_solver, rho0, 0.0,
                              f"lambda_max(M) = {lm:.3g} <= -{chk.margin(rho0):.2g} ({how})"), out
    if not repair:
        return LMICertificate(False, (lm,), False, rho_solver, None, 0.0,
                              f"lambda_max(M) = {lm:.3g} > -{chk.margin(rho0):.2g} ({how}); not repaired"), out

    theta, note = 0.0, ""
    lam_c, z_c = lam, z
    if not chk.hidden_negdef(M0):
        lam_a = anchor_multipliers(weights, alpha, beta)
        Ma = lipsdp_matrix(weights, alpha, beta, multiplier_matrix(lam_a), 0.0)

        def mix(t: float) -> sp.csr_matrix:
            return sp.csr_matrix((1.0 - t) * M0 + t * Ma)

        if not chk.hidden_negdef(Ma):
            return LMICertificate(False, (lm,), False, rho_solver, None, 0.0,
                                  f"lambda_max(M) = {lm:.3g}: no rho can fix the hidden block and "
                                  f"the anchor multipliers failed too ({how})"), out
        lo, hi = 0.0, 1.0
        for _ in range(40):                       # least theta with a negative definite hidden block
            mid = 0.5 * (lo + hi)
            lo, hi = (lo, mid) if chk.hidden_negdef(mix(mid)) else (mid, hi)
            if hi - lo <= 1e-6 * hi:
                break

        def rho_at(u: float) -> float:
            t = hi + (1.0 - hi) * 10.0 ** (-u)
            try:
                return chk.schur_rho(mix(t))
            except (np.linalg.LinAlgError, RuntimeError):
                return math.inf

        # golden section on u, theta = hi + (1 - hi) 10^-u, and the interval's ends
        cands = [(rho_at(0.0), 0.0), *golden_min(rho_at, 0.0, 8.0, 25), (rho_at(8.0), 8.0)]
        best_u = min(cands)[1]
        theta = hi + (1.0 - hi) * 10.0 ** (-best_u)
        M0 = mix(theta)
        lam_c = (1.0 - theta) * lam + theta * lam_a
        z_c = None if z is None else (1.0 - theta) * z
        note = (f"; hidden block was not negative definite: multipliers moved toward the anchor "
                f"(theta = {theta:.3g})")
        chk = _Check(M0, n0, dense)

    try:
        r = max(rho0, chk.schur_rho(M0))
    except (np.linalg.LinAlgError, RuntimeError):
        r = rho0
    step = max(chk.margin(r), 1e-12 * abs(r), 1e-14)
    for _ in range(80):
        ok, lm2 = chk.holds(r, estimate=False)
        if ok:
            break
        r += step
        step *= 4.0
    else:
        return LMICertificate(False, (lm,), False, rho_solver, None, 0.0,
                              f"lambda_max(M) = {lm:.3g}; repair failed ({how})"), out
    out = {"rho": r, "lambda": lam_c, "zeta": z_c, "theta": theta}
    return LMICertificate(True, (lm, lm2), True, rho_solver, r, r - rho0,
                          f"solver point fails (lambda_max(M) = {lm:.3g} > -{chk.margin(rho0):.2g}); "
                          f"repaired: rho {rho0:.10g} -> {r:.10g}, "
                          f"lambda_max(M) = {lm2:.3g} ({how}){note}"), out


def anchor_multipliers(weights: Sequence[np.ndarray], alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Per-neuron multipliers tau_k (constant on each hidden layer) whose LipSDP matrix has a
    negative definite hidden block: from the last hidden layer backwards, with S_{k+1} the
    Schur complement of the blocks below (< 0), tau_{k-1} = max(lambda_max(R_k), small)
    where R_k = [x_k block without tau_{k-1}] - C_k S_{k+1}^{-1} C_k^T, so that
    S_k = R_k - 2 tau_{k-1} I <= -tau_{k-1} I."""
    Ws = [np.asarray(W, dtype=float) for W in weights]
    hidden = [W.shape[0] for W in Ws[:-1]]
    offs = np.concatenate([[0], np.cumsum(hidden)]).astype(int)
    ab = np.asarray(alpha, float) * np.asarray(beta, float)
    sm = np.asarray(alpha, float) + np.asarray(beta, float)
    l = len(hidden)
    tau = np.zeros(l)
    S_next = None
    for k in range(l, 0, -1):                # x_k is produced by neuron layer k - 1
        if k == l:
            R = Ws[l].T @ Ws[l]
        else:
            sl = slice(offs[k], offs[k + 1])
            R = -2.0 * tau[k] * (Ws[k].T * ab[sl]) @ Ws[k]
            C = tau[k] * (Ws[k].T * sm[sl])               # the x_k x x_{k+1} block of M
            Lc = np.linalg.cholesky(-S_next)
            Y = sla.solve_triangular(Lc, C.T, lower=True)
            R = R + Y.T @ Y
        R = 0.5 * (R + R.T)
        top = float(np.linalg.eigvalsh(R)[-1]) if R.size else 0.0
        scale = max(float(np.abs(R).max()) if R.size else 0.0, 1.0)
        tau[k - 1] = max(top, 1e-3 * scale)
        S_next = R - 2.0 * tau[k - 1] * np.eye(R.shape[0])
    return np.repeat(tau, hidden)


def certify_solution(net: Any, Wc: list[np.ndarray], compressed: bool, N: int, alpha: np.ndarray,
                     beta: np.ndarray, lam_val: np.ndarray, rho_val: float, pairs: Any, zeta_val: Any,
                     hidden: list[int], dense_limit: int, repair: bool) -> tuple[LMICertificate, dict[str, Any]]:
    """Certify a solver's (rho, lambda[, zeta]) on the full LipSDP-Neuron LMI M(rho, lambda) <= 0
    (original weights of `net` when n_0 + N <= dense_limit, else the compressed ones `Wc`) and
    split the certified multipliers per hidden layer."""
    cert_W = list(net.weights) if (net.dims[0] + N <= dense_limit) else Wc
    cert, mult = certify_lipsdp(cert_W, alpha, beta, lam_val, rho_val, pairs, zeta_val,
                                dense_limit=dense_limit, repair=repair)
    if cert_W is Wc and compressed:
        cert = LMICertificate(cert.verified, cert.max_eigenvalues, cert.repaired, cert.rho_solver,
                              cert.rho_certified, cert.rho_increase,
                              cert.message + "; checked on the compressed LMI (U S in place of W_0)")
    offs = np.concatenate([[0], np.cumsum(hidden)])
    multipliers: dict[str, Any] = {"rho": mult["rho"],
                                   "lambda": [mult["lambda"][offs[k]:offs[k + 1]] for k in range(len(hidden))]}
    if zeta_val is not None:
        multipliers["zeta"] = mult["zeta"]
        multipliers["pairs"] = pairs
    return cert, multipliers
