"""quad_form(x, P) = x'P x for a constant symmetric P: convex when P is PSD, concave when P is
NSD (checked by its eigenvalues). In an objective: the block P of the QP's P matrix; elsewhere
the rotated second-order cone ||F x||^2 <= t with P = F'F."""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from ..expressions import Expression, as_constant
from .base import AFFINE, CONCAVE, CONVEX, argument, describe, make_atom, rotated_soc

#: eigenvalues down to -PSD_TOL * max|eigenvalue| count as zero
PSD_TOL = 1e-10


def quad_form(x: Any, P: Any) -> Expression:
    """x'P x for a vector expression x and a constant symmetric PSD (or NSD) matrix P."""
    e = argument(x, "quad_form", AFFINE)
    if e.ndim > 1 and min(e.shape) != 1:
        raise ValueError(f"quad_form: x must be a vector, got shape {e.shape}")
    e = e.flatten()
    Pm = P.toarray() if sp.issparse(P) else as_constant(P, "quad_form: P")
    if Pm.ndim == 0 and e.size == 1:
        Pm = Pm.reshape(1, 1)
    if Pm.shape != (e.size, e.size):
        raise ValueError(f"quad_form: P must be {e.size} x {e.size} for x of size {e.size}, got shape {Pm.shape}")
    scale = max(1.0, float(np.abs(Pm).max(initial=0.0)))
    if np.abs(Pm - Pm.T).max(initial=0.0) > 1e-10 * scale:
        i, j = np.unravel_index(int(np.argmax(np.abs(Pm - Pm.T))), Pm.shape)
        raise ValueError(f"quad_form: P must be symmetric; P[{i},{j}] = {Pm[i, j]:g} but P[{j},{i}] = {Pm[j, i]:g}")
    Pm = 0.5 * (Pm + Pm.T)
    curv = definiteness(Pm)
    Q = sp.csr_matrix(Pm) if np.count_nonzero(Pm) < 0.25 * Pm.size else Pm
    return make_atom("quad_form", (e,), (), curv, lambda t: as_rotated_cone(t, e, Pm, curv),
                     lambda v: float(v @ Pm @ v), lb=0.0 if curv == CONVEX else -np.inf,
                     quadratic=(e, Q), label=f"quad_form({_name(x)}, P)")


def definiteness(P: np.ndarray) -> int:
    """CONVEX for a PSD P, CONCAVE for an NSD one (eigenvalues down to -PSD_TOL * max|P_ij| * n
    count as zero), by a Cholesky factorisation of P + delta I (or -P + delta I); ValueError
    with the extreme eigenvalues otherwise."""
    n = P.shape[0]
    if n == 0:
        return CONVEX
    delta = PSD_TOL * n * max(float(np.abs(P).max()), 1e-300)
    shifted = np.eye(n) * delta
    for sign, curv in ((1.0, CONVEX), (-1.0, CONCAVE)):
        try:
            np.linalg.cholesky(sign * P + shifted)
            return curv
        except np.linalg.LinAlgError:
            continue
    w = np.linalg.eigvalsh(P)
    raise ValueError(f"quad_form: P is neither PSD nor NSD (eigenvalues {w[0]:.3g} and {w[-1]:.3g}); "
                     "x'P x is then neither convex nor concave")


def _name(x: Any) -> str:
    return describe(x) if isinstance(x, Expression) else "constant"


def _factor(P: np.ndarray, sign: float) -> np.ndarray:
    """F with F'F = sign * P (eigenvalues <= 0 after the sign are dropped)."""
    w, U = np.linalg.eigh(sign * P)
    keep = w > 0
    return (U[:, keep] * np.sqrt(w[keep])).T


def as_rotated_cone(t: Expression, x: Expression, P: np.ndarray, curv: int) -> list:
    """x'Px <= t (PSD) or x'Px >= t, i.e. x'(-P)x <= -t (NSD), with P = F'F."""
    sign = 1.0 if curv == CONVEX else -1.0
    F = _factor(P, sign)
    return [rotated_soc(F @ x if F.shape[0] else x * 0.0, sign * t, 1.0)]
