"""Exact Lipschitz constants of small ReLU networks by enumerating linear regions.

The ground truth for the tests of the LipSDP upper bounds and the gradient lower bounds.
Jordan & Dimakis, "Exactly Computing the Local Lipschitz Constant of ReLU Networks"
(NeurIPS 2020, LipMIP) show that for a ReLU network f, which is piecewise linear and
continuous, the Lipschitz constant over an open convex set equals the largest operator
norm of the Jacobian over the points where f is differentiable; every such point lies in
(or is a limit of) a linear region, so the constant is the maximum, over the linear
regions that meet the domain with nonempty interior, of ||J_R|| with

    J_R = W_l D_{l-1} W_{l-1} ... D_0 W_0,   D_k = diag(phi'(pre-activations on R)).

LipMIP finds that maximum with a mixed-integer program over the activation patterns (for
l_inf / l_1 norms and a scalar output). For the small networks in our tests we do the
brute-force version of the same statement, which also covers the l2 (spectral) norm and
vector outputs: enumerate every *realisable* activation pattern layer by layer and
neuron by neuron. Each region is a polyhedron {x in domain : A x <= c} (one row per neuron
whose sign was fixed by a split); the next neuron's pre-activation is affine in x on the
region, and the region is split into the parts where it is >= 0 and <= 0. A part is kept
only if it has nonempty interior, decided by the LP

    max t  s.t.  a_i x / ||a_i|| + t <= c_i / ||a_i||  (all rows),  lo + t <= x <= hi - t,

(the radius of the largest ball inside the part): interior iff t* > tol. Most of these
LPs are avoided: a neuron whose pre-activation has one sign over a bounding box of the
region (propagated cheaply through the rows added so far) needs no split, and the side
that contains the parent's interior point needs no LP either.

LP backend: these are thousands of LPs with ~3 columns and ~20 rows, so the fixed cost per
call dominates. Measured on such an LP (2 cores): `scipy.optimize.linprog(method='highs')`
~1.0 ms, `optlib.Model(...).solve(backend='highs')` ~2.8 ms (it also compiles and
certifies each LP). The default is therefore scipy (`lp='scipy'`); `lp='optlib'` routes
every LP through optlib and gives the same answer.

Domain: a box [lo, hi] (default [-1, 1]^n0). For a network without biases every region
is a cone with apex 0, so every region meets any box that contains a neighbourhood of 0:
the default box then gives the *global* Lipschitz constant. With biases the answer is
the local constant over the box.

Answer protocol (`optlib.Answer`): the enumeration solves max_R ||J_R|| exactly, so
objective = bound = value, gap 0 and status OPTIMAL; `verified` re-checks the claim from the
other side: the Jacobian of the network at the witness point (inside the maximising region)
is computed again by back-propagation and must have the reported norm (else UNVERIFIED).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from optlib import Status

from .lower import jacobian
from .network import Network, as_network

_PIECEWISE_LINEAR = ("relu", "leaky_relu", "linear")


@dataclass(frozen=True)
class ExactLipschitz:
    """The exact Lipschitz constant `value` of a ReLU network over a box, in `norm`.

    `argmax_pattern` holds one boolean array per hidden layer (True: the neuron is on,
    i.e. its pre-activation is >= 0 on the maximising region); `witness_x` is an interior
    point of that region, so ||net.jacobian(witness_x)|| == value. `n_regions` counts the
    linear regions (realisable activation patterns) meeting the box with nonempty
    interior, `n_lps` the interior LPs solved.
    """

    value: float
    norm: str
    n_regions: int
    argmax_pattern: tuple[np.ndarray, ...]
    witness_x: np.ndarray
    time: float
    n_lps: int = 0
    domain: tuple[np.ndarray, np.ndarray] | None = None
    verified: bool = True
    status: Status = Status.OPTIMAL
    limit_reached: str | None = None

    @property
    def objective(self) -> float:
        return float(self.value)

    @property
    def bound(self) -> float:
        """The enumeration is exhaustive: the bound is the value itself."""
        return float(self.value)

    @property
    def gap(self) -> float:
        return 0.0

    @property
    def timings(self) -> dict[str, float]:
        return {"total": float(self.time)}

    @property
    def results(self) -> tuple:
        return ()             # the interior LPs are not kept

    def __float__(self) -> float:
        return float(self.value)


def operator_norm(J: np.ndarray, norm: str = "l2") -> float:
    """The operator norm of J induced by `norm` on inputs and outputs ('l2': largest
    singular value; 'linf': max row abs sum; 'l1': max column abs sum)."""
    J = np.atleast_2d(np.asarray(J, dtype=float))
    if J.size == 0:
        return 0.0
    if norm == "l2":
        return float(np.linalg.norm(J, 2))
    if norm == "linf":
        return float(np.abs(J).sum(axis=1).max())
    if norm == "l1":
        return float(np.abs(J).sum(axis=0).max())
    raise ValueError(f"norm must be 'l2', 'linf' or 'l1', got {norm!r}")


@dataclass
class _Region:
    A: np.ndarray                 # rows (normalised) of A x <= c fixed so far
    c: np.ndarray
    lo: np.ndarray                # a bounding box of the region (valid, not tight)
    hi: np.ndarray
    x: np.ndarray                 # a point in the interior of the region
    signs: list[bool]             # on/off of the neurons fixed so far in the current layer


class _InteriorLP:
    """max t s.t. every row holds with margin t and x lies in the box with margin t."""

    def __init__(self, lo: np.ndarray, hi: np.ndarray, backend: str):
        if backend not in ("scipy", "optlib"):
            raise ValueError(f"lp must be 'scipy' or 'optlib', got {backend!r}")
        self.lo, self.hi, self.backend = lo, hi, backend
        self.n = lo.size
        self.t_cap = max(1.0, float(np.max(hi - lo)) / 2.0)
        self.count = 0

    def solve(self, A: np.ndarray, c: np.ndarray) -> tuple[float, np.ndarray]:
        """(t*, x*): the largest margin and a point attaining it (rows of A normalised)."""
        self.count += 1
        if self.backend == "optlib":
            return self._solve_optlib(A, c)
        from scipy.optimize import linprog

        n = self.n
        eye = np.eye(n)
        ones = np.ones((A.shape[0] + 2 * n, 1))
        A_ub = np.hstack([np.vstack([A, eye, -eye]), ones])
        b_ub = np.concatenate([c, self.hi, -self.lo])
        cost = np.zeros(n + 1)
        cost[-1] = -1.0
        res = linprog(cost, A_ub=A_ub, b_ub=b_ub, bounds=[(None, None)] * n + [(None, self.t_cap)],
                      method="highs")
        if res.status != 0:
            raise RuntimeError(f"interior LP failed: {res.message}")
        return float(-res.fun), np.asarray(res.x[:n], dtype=float)

    def _solve_optlib(self, A: np.ndarray, c: np.ndarray) -> tuple[float, np.ndarray]:
        import optlib

        m = optlib.Model("interior")
        x = m.continuous(self.n, name="x")
        t = m.continuous(ub=self.t_cap, name="t")
        if A.shape[0]:
            m.add(A @ x + t <= c)
        m.add(x + t <= self.hi)
        m.add(x - t >= self.lo)
        m.maximize(t)
        res = m.solve(backend="highs")
        if res.status != optlib.Status.OPTIMAL:
            raise RuntimeError(f"interior LP failed: status {res.status}")
        return float(res.objective), np.asarray(res[x], dtype=float).reshape(-1)


def _tighten(lo: np.ndarray, hi: np.ndarray, a: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray]:
    """The box [lo, hi] tightened by the row a x <= c (one pass of bound propagation)."""
    mins = np.minimum(a * lo, a * hi)
    rest = c - (mins.sum() - mins)          # a_i x_i <= rest_i
    lo, hi = lo.copy(), hi.copy()
    pos, neg = a > 0, a < 0
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = rest / np.where(a == 0, 1.0, a)
    hi[pos] = np.minimum(hi[pos], bound[pos])
    lo[neg] = np.maximum(lo[neg], bound[neg])
    lo = np.minimum(lo, hi)                 # keep a valid (possibly degenerate) box
    return lo, hi


def _box(domain: Any, n0: int) -> tuple[np.ndarray, np.ndarray]:
    if domain is None:
        return -np.ones(n0), np.ones(n0)
    if not isinstance(domain, (tuple, list)) or len(domain) != 2:
        raise ValueError("domain must be None or a box (lo, hi) of arrays or scalars")
    try:
        lo = np.broadcast_to(np.asarray(domain[0], dtype=float), (n0,)).copy()
        hi = np.broadcast_to(np.asarray(domain[1], dtype=float), (n0,)).copy()
    except ValueError as exc:
        raise ValueError(f"domain bounds must broadcast to the input size {n0}") from exc
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
        raise ValueError("domain bounds must be finite")
    if np.any(lo >= hi):
        raise ValueError("domain needs lo < hi in every coordinate (a box with nonempty interior)")
    return lo, hi


def _slopes(net: Network) -> list[float]:
    """The slope of each hidden activation where it is off (0 for ReLU)."""
    out = []
    for k, act in enumerate(net.activations):
        if act.name not in _PIECEWISE_LINEAR:
            raise ValueError(f"exact_lipschitz_regions needs a ReLU network (relu, leaky_relu or "
                             f"linear activations); hidden layer {k} has activation {act.name!r}")
        if act.name == "relu":
            out.append(0.0)
        elif act.name == "leaky_relu":
            out.append(float(act.params[0]))     # the negative slope (alpha is the lower slope bound)
        else:
            out.append(1.0)
    return out


def exact_lipschitz_regions(net: Any, domain: tuple[Any, Any] | None = None, norm: str = "l2",
                            max_regions: int = 100_000, tol: float = 1e-9,
                            lp: str = "scipy") -> ExactLipschitz:
    """The exact Lipschitz constant of a ReLU (or leaky ReLU) network over a box.

    `domain` is None (the box [-1, 1]^n0; the global constant for bias-free networks) or
    (lo, hi). `norm` is 'l2', 'linf' or 'l1' (on input and output). A region is kept when
    the LP margin t* exceeds `tol` times the box scale. Raises ValueError for other
    activations and when more than `max_regions` regions appear.
    """
    t_start = time.perf_counter()
    net = as_network(net)
    operator_norm(np.eye(1), norm)          # validates norm
    alphas = _slopes(net)
    if int(max_regions) < 1:
        raise ValueError(f"max_regions must be a positive integer, got {max_regions!r}")
    n0 = net.dims[0]
    lo, hi = _box(domain, n0)
    scale = max(1.0, float(np.max(np.abs(np.concatenate([lo, hi])))))
    eps = float(tol) * scale
    solver = _InteriorLP(lo, hi, lp)
    weights = net.weights
    biases = net.biases if net.biases else tuple(np.zeros(W.shape[0]) for W in weights)

    _, x0 = solver.solve(np.zeros((0, n0)), np.zeros(0))
    # each entry: region polyhedron, the affine map h = M x + m of the current layer's
    # input on it, and the patterns of the finished layers
    live: list[tuple[_Region, np.ndarray, np.ndarray, list[np.ndarray]]] = [
        (_Region(np.zeros((0, n0)), np.zeros(0), lo.copy(), hi.copy(), x0, []), np.eye(n0), np.zeros(n0), [])]

    for k in range(len(net.activations)):
        W, b, alpha = weights[k], biases[k], alphas[k]
        nxt: list[tuple[_Region, np.ndarray, np.ndarray, list[np.ndarray]]] = []
        for i_live, (reg, M, mv, pats) in enumerate(live):
            Z, z0 = W @ M, W @ mv + b                     # pre-activations Z x + z0 on reg
            regions = [reg]
            for j in range(W.shape[0]):
                g, d = Z[j], float(z0[j])
                gn = float(np.linalg.norm(g))
                children: list[_Region] = []
                for r in regions:
                    if alpha == 1.0 or gn <= 1e-12 * max(1.0, abs(d)):
                        # linear activation, or constant pre-activation on the region
                        r.signs.append(d >= 0 if gn <= 1e-12 * max(1.0, abs(d)) else True)
                        children.append(r)
                        continue
                    zmin = d + float(np.minimum(g * r.lo, g * r.hi).sum())
                    zmax = d + float(np.maximum(g * r.lo, g * r.hi).sum())
                    if zmin >= 0 or zmax <= 0:
                        r.signs.append(zmin >= 0)
                        children.append(r)
                        continue
                    a, cc = g / gn, d / gn                # normalised: a x + cc = z / ||g||
                    v = float(a @ r.x + cc)
                    # on side: -a x <= cc ; off side: a x <= -cc
                    sides = {True: (-a, cc), False: (a, -cc)}
                    # the side holding r.x (strictly, |v| > eps) has interior without an LP
                    known = (v > 0) if abs(v) > eps else None
                    for side in (True, False):
                        row, rhs = sides[side]
                        A2 = np.vstack([r.A, row[None, :]])
                        c2 = np.append(r.c, rhs)
                        if side == known:
                            xin = r.x
                        else:
                            t, xin = solver.solve(A2, c2)
                            if t <= eps:
                                continue
                        lo2, hi2 = _tighten(r.lo, r.hi, row, rhs)
                        children.append(_Region(A2, c2, lo2, hi2, xin, r.signs + [side]))
                regions = children
                # every region still to be split yields at least one final region
                if len(nxt) + len(regions) + (len(live) - i_live - 1) > max_regions:
                    raise ValueError(f"more than max_regions={max_regions} linear regions; "
                                     "raise max_regions or use a smaller network/domain")
            for r in regions:
                s = np.array(r.signs, dtype=bool)
                slope = np.where(s, 1.0, alpha)
                r.signs = []
                nxt.append((r, slope[:, None] * Z, slope * z0, pats + [s]))
        live = nxt

    W_out = weights[-1]
    best, best_i = -math.inf, 0
    for i, (_, M, _, _) in enumerate(live):
        val = operator_norm(W_out @ M, norm)
        if val > best:
            best, best_i = val, i
    reg = live[best_i][0]
    _, witness = solver.solve(reg.A, reg.c)   # the centre of the largest ball in the region
    # re-check: the network's own Jacobian at the witness has the reported norm
    again = operator_norm(jacobian(net, witness), norm)
    verified = bool(math.isclose(again, best, rel_tol=1e-9, abs_tol=1e-12))
    return ExactLipschitz(value=float(best), norm=norm, n_regions=len(live),
                          argmax_pattern=tuple(live[best_i][3]), witness_x=witness,
                          time=time.perf_counter() - t_start, n_lps=solver.count,
                          domain=(lo, hi), verified=verified,
                          status=Status.OPTIMAL if verified else Status.UNVERIFIED)


__all__ = ["ExactLipschitz", "exact_lipschitz_regions", "operator_norm"]
