"""Lipschitz bounds beyond slope-restricted activations: GroupSort / MaxMin / Householder
layers, residual layers, l2 and l_inf (LipSDP-NSR).

Pauli, Havens, Araujo, Garg, Khorrami, Allgoewer, Hu, "Novel Quadratic Constraints for
Extending LipSDP beyond Slope-Restricted Activations", ICLR 2024 (arXiv 2401.14033).

Quadratic constraint (QC). Sorting a group z_j (GroupSort; MaxMin is group size 2) keeps
the group's sum and is 1-Lipschitz in l2, so for two inputs with v = z - z', w = sort(z) -
sort(z'), and per group lambda_j >= 0 and free gamma_j, s_j, p_j:
    v'Tv - w'Tw >= 0  and  v'(T - 2S)v + 2 v'(P + S)w - w'(T + 2P)w >= 0,
    T = blkdiag_j(lambda_j I + gamma_j 11'),  S, P = blkdiag_j(s_j 11'), blkdiag_j(p_j 11').
Network convention (network.py): x_{k+1} = phi_k(W_k x_k), k = 0..l-1; f = W_l x_l.
    l2:   T_0 = rho I;  T_k - W_k' T_{k+1} W_k >= 0 (k = 0..l-1);  T_l - W_l' W_l >= 0;
          L = sqrt(rho)   (the paper's T_{k-1} - W_k' T_k W_k with its W_1 = our W_0).
    linf: T_0 = diag(tau), tau >= 0, the same chain, and per output row c of W_l
          [[T_l, c'], [c, 2 rho - sum(tau)]] >= 0;  L = rho bounds |c'(f(x) - f(y))| /
          ||x - y||_inf; several outputs: one SDP per row, the max bounds the linf -> linf
          constant (`output=i` picks one row).
Residual layers x_{k+1} = D_k x_k + H_k sigma(W_k x_k) (D_k = I by default) get a free
symmetric storage matrix T_{k+1} on the stream and the LMI
    [[T_k, 0], [0, 0]] - [D_k, H_k]' T_{k+1} [D_k, H_k] - [[W_k' M11 W_k, W_k' M12], [., M22]] >= 0
with the paper's multiplier [[M11, M12], [M12, M22]] = [[T - 2S, P + S], [P + S, -T - 2P]].
Householder (z if v'z > 0 else (I - 2vv')z per group, ||v|| = 1): Activation carries no
v, so only the norm part T = blkdiag(lambda_j I) is used; it holds for every v because the
map is 1-Lipschitz in l2 (proof in `_householder_note`). GroupSort of any group size uses
the same T (sorting is 1-Lipschitz in l2 by the rearrangement inequality and keeps sums).
Slope-restricted layers in [alpha, beta] may be mixed in, with LipSDP-Neuron's QC and a free
storage matrix (a chordal split of LipSDP's matrix, so the same value for an all-ReLU net).

Certificate: every LMI is rebuilt in numpy from the returned multipliers and checked by
eigenvalues; if one is violated the multipliers are repaired backwards (each step adds a
multiple of I to its incoming storage matrix, bounded with operator norms) ending with an
increase of rho, and everything is checked again. `value` is always a rigorous bound. The
answer's `bound` is optlib's certified dual bound on the SDP's rho (sqrt for l2), a lower
bound on this formulation's optimum (`bound.py` gives the answer protocol).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

import optlib
from optlib import Deadline, Status

from .bound import LipschitzBound, LMICertificate, sdp_lower_bound
from .certify_lmi import OWN_CERTIFICATE
from .network import Activation, Network, as_matrix, make_activation
from .options import merge_solve_options as _merge_options

_SORT = ("groupsort", "maxmin")
_NORMS = {"l2": "l2", "2": "l2", "linf": "linf", "inf": "linf", "l_inf": "linf", "l-inf": "linf",
          "infinity": "linf"}
_EPS = np.finfo(float).eps

_householder_note = """Householder sigma(z) = z if v'z >= 0 else R z with R = I - 2vv', ||v|| = 1:
for v'a >= 0 > v'b, ||a - Rb||^2 = ||a||^2 + ||b||^2 - 2 a'Rb and a'Rb = a'b - 2(v'a)(v'b) >= a'b,
so ||sigma(a) - sigma(b)|| <= ||a - b||; the same-side cases are isometries."""


# ----------------------------------------------------------------------------------------
# residual networks
# ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ResidualNetwork:
    """x_0 = A u;  x_{k+1} = D_k x_k + H_k sigma_k(W_k x_k + b_k);  f(u) = C x_N.

    `layers` holds the (W_k, H_k) pairs (W_k: m_k x n, H_k: n x m_k), `activations` one
    Activation (or a spec for all layers), `skips` optional D_k (n x n, identity when None),
    `input_weight` A (n x n_in) and `output_weight` C (n_out x n), both identity when None.
    """

    layers: tuple[tuple[np.ndarray, np.ndarray], ...]
    activations: Any = "maxmin"
    input_weight: np.ndarray | None = None
    output_weight: np.ndarray | None = None
    skips: tuple[np.ndarray | None, ...] = ()
    biases: tuple[np.ndarray | None, ...] = ()

    def __post_init__(self) -> None:
        layers = []
        for k, pair in enumerate(self.layers):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(f"residual layer {k} must be a pair (W, H)")
            layers.append((as_matrix(pair[0], f"W of residual layer {k}"),
                           as_matrix(pair[1], f"H of residual layer {k}")))
        if not layers:
            raise ValueError("a residual network needs at least one layer")
        acts = self.activations
        if isinstance(acts, (list, tuple)) and not (
                len(acts) == 2 and all(isinstance(v, (int, float)) for v in acts)):
            acts = tuple(make_activation(a) for a in acts)
            if len(acts) != len(layers):
                raise ValueError(f"got {len(acts)} activations for {len(layers)} residual layers")
        else:
            acts = (make_activation(acts),) * len(layers)
        A = None if self.input_weight is None else as_matrix(self.input_weight, "input_weight")
        C = None if self.output_weight is None else as_matrix(self.output_weight, "output_weight")
        n = layers[0][0].shape[1]
        if A is not None and A.shape[0] != n:
            raise ValueError(f"input_weight has {A.shape[0]} rows, the residual stream has width {n}")
        if C is not None and C.shape[1] != n:
            raise ValueError(f"output_weight has {C.shape[1]} columns, the residual stream has width {n}")
        skips = tuple(self.skips) if self.skips else (None,) * len(layers)
        if len(skips) != len(layers):
            raise ValueError(f"got {len(skips)} skips for {len(layers)} residual layers")
        skips = tuple(None if D is None else as_matrix(D, f"skip of residual layer {k}")
                      for k, D in enumerate(skips))
        biases = tuple(self.biases) if self.biases else (None,) * len(layers)
        if len(biases) != len(layers):
            raise ValueError(f"got {len(biases)} biases for {len(layers)} residual layers")
        bs = []
        for k, ((W, H), D, act, b) in enumerate(zip(layers, skips, acts, biases)):
            if W.shape[1] != n or H.shape[0] != n or H.shape[1] != W.shape[0]:
                raise ValueError(f"residual layer {k}: W is {W.shape} and H is {H.shape}; need "
                                 f"W: m x {n} and H: {n} x m")
            if D is not None and D.shape != (n, n):
                raise ValueError(f"residual layer {k}: skip must be {n} x {n}, got {D.shape}")
            _check_groups(act, W.shape[0], f"residual layer {k}")
            if b is not None:
                b = np.asarray(b, dtype=float).reshape(-1)
                if b.size != W.shape[0] or not np.all(np.isfinite(b)):
                    raise ValueError(f"bias of residual layer {k} must be {W.shape[0]} finite numbers")
            bs.append(b)
        object.__setattr__(self, "layers", tuple(layers))
        object.__setattr__(self, "activations", acts)
        object.__setattr__(self, "input_weight", A)
        object.__setattr__(self, "output_weight", C)
        object.__setattr__(self, "skips", skips)
        object.__setattr__(self, "biases", tuple(bs))

    @property
    def width(self) -> int:
        return self.layers[0][0].shape[1]

    @property
    def n_in(self) -> int:
        return self.width if self.input_weight is None else self.input_weight.shape[1]

    @property
    def n_out(self) -> int:
        return self.width if self.output_weight is None else self.output_weight.shape[0]

    def forward(self, u: np.ndarray) -> np.ndarray:
        """f(u) for inputs of shape (n_in,) or (batch, n_in)."""
        x = np.asarray(u, dtype=float)
        if self.input_weight is not None:
            x = x @ self.input_weight.T
        for (W, H), D, act, b in zip(self.layers, self.skips, self.activations, self.biases):
            z = x @ W.T + (0.0 if b is None else b)
            x = (x if D is None else x @ D.T) + act(z) @ H.T
        return x if self.output_weight is None else x @ self.output_weight.T


# ----------------------------------------------------------------------------------------
# steps of the chain
# ----------------------------------------------------------------------------------------
def _act_kind(act: Activation) -> str:
    if act.name in _SORT:
        return "sort"
    if act.name == "householder":
        return "householder"
    if act.slope_restricted:
        return "slope"
    raise ValueError(f"activation {act.name!r} is not supported by grouped_bound")


def _check_groups(act: Activation, width: int, where: str) -> None:
    kind = _act_kind(act)
    if kind == "slope":
        return
    g = int(act.group_size)
    if g < 1:
        raise ValueError(f"{act.name} on {where}: group size must be positive, got {g}")
    if width % g:
        raise ValueError(f"{act.name} on {where} needs a width divisible by its group size {g}, "
                         f"got {width}")


@dataclass
class _Step:
    """One map between storage matrices: 'chain' x' = sort(W x) (T_out = the QC's T),
    'ff' x' = phi(W x) (slope-restricted, free T_out), 'res' x' = D x + H sigma(W x),
    'linear' x' = A x."""

    kind: str
    W: np.ndarray
    act: Activation | None = None
    H: np.ndarray | None = None
    D: np.ndarray | None = None

    @property
    def n_in(self) -> int:
        return self.W.shape[1]

    @property
    def m(self) -> int:               # width of the activation
        return self.W.shape[0]

    @property
    def n_out(self) -> int:
        if self.kind in ("chain", "ff", "linear"):
            return self.W.shape[0]
        return self.H.shape[0]

    @property
    def skip(self) -> np.ndarray:
        return np.eye(self.n_in) if self.D is None else self.D


def _steps_network(net: Network) -> tuple[list[_Step], np.ndarray]:
    steps = []
    for k, (W, act) in enumerate(zip(net.weights[:-1], net.activations)):
        _check_groups(act, W.shape[0], f"hidden layer {k}")
        steps.append(_Step("ff" if _act_kind(act) == "slope" else "chain", W, act))
    return steps, net.weights[-1]


def _steps_residual(net: ResidualNetwork) -> tuple[list[_Step], np.ndarray]:
    steps = []
    if net.input_weight is not None:
        steps.append(_Step("linear", net.input_weight))
    for (W, H), D, act in zip(net.layers, net.skips, net.activations):
        steps.append(_Step("res", W, act, H, D))
    C = np.eye(net.width) if net.output_weight is None else net.output_weight
    return steps, C


# ----------------------------------------------------------------------------------------
# one LMI builder for both optlib expressions and numpy values
# ----------------------------------------------------------------------------------------
class _Sym:
    """Operations on optlib expressions."""

    @staticmethod
    def groups(vec: Any, n: int, g: int, ones: bool) -> Any:
        r, c = (np.indices((g, g)) if ones else np.tile(np.arange(g), (2, 1))).reshape(2, -1)
        mats = [sp.csr_matrix((np.ones(r.size), (r + j * g, c + j * g)), shape=(n, n))
                for j in range(n // g)]
        return optlib.lmi(sp.csr_matrix((n, n)), [(vec, mats)])

    diag = staticmethod(optlib.diag)
    block = staticmethod(optlib.bmat)

    @staticmethod
    def scalar(x: Any) -> Any:
        return x.reshape(1, 1)

    @staticmethod
    def sym(M: Any) -> Any:
        return (M + M.T) * 0.5


class _Num:
    """The same operations on numpy values."""

    @staticmethod
    def groups(vec: Any, n: int, g: int, ones: bool) -> np.ndarray:
        return np.kron(np.diag(np.asarray(vec, dtype=float)), np.ones((g, g)) if ones else np.eye(g))

    @staticmethod
    def diag(vec: Any) -> np.ndarray:
        return np.diag(np.asarray(vec, dtype=float))

    block = staticmethod(np.block)

    @staticmethod
    def scalar(x: Any) -> np.ndarray:
        return np.array([[float(x)]])

    @staticmethod
    def sym(M: np.ndarray) -> np.ndarray:
        return 0.5 * (M + M.T)


class _AbsVal:
    """|terms| of a numpy computation: sums and differences add magnitudes, products
    multiply them, so the result bounds sum |term| entrywise (for rounding allowances)."""

    __array_ufunc__ = None

    def __init__(self, a: Any):
        self.a = np.abs(np.asarray(a.a if isinstance(a, _AbsVal) else a, dtype=float))

    def __add__(self, other: Any) -> "_AbsVal":
        return _AbsVal(self.a + _AbsVal(other).a)

    __radd__ = __sub__ = __rsub__ = __add__

    def __neg__(self) -> "_AbsVal":
        return self

    def __mul__(self, other: Any) -> "_AbsVal":
        return _AbsVal(self.a * _AbsVal(other).a)

    __rmul__ = __mul__

    def __matmul__(self, other: Any) -> "_AbsVal":
        return _AbsVal(self.a @ _AbsVal(other).a)

    def __rmatmul__(self, other: Any) -> "_AbsVal":
        return _AbsVal(_AbsVal(other).a @ self.a)

    @property
    def T(self) -> "_AbsVal":
        return _AbsVal(self.a.T)

    def sum(self) -> "_AbsVal":
        return _AbsVal(self.a.sum())


class _Abs:
    """_Num's operations on magnitudes."""

    @staticmethod
    def groups(vec: Any, n: int, g: int, ones: bool) -> _AbsVal:
        return _AbsVal(_Num.groups(_AbsVal(vec).a, n, g, ones))

    @staticmethod
    def diag(vec: Any) -> _AbsVal:
        return _AbsVal(np.diag(_AbsVal(vec).a))

    @staticmethod
    def block(rows: list[list[Any]]) -> _AbsVal:
        return _AbsVal(np.block([[_AbsVal(x).a for x in row] for row in rows]))

    @staticmethod
    def scalar(x: Any) -> _AbsVal:
        return _AbsVal(np.reshape(_AbsVal(x).a, (1, 1)))

    @staticmethod
    def sym(M: Any) -> _AbsVal:
        return _AbsVal(0.5 * (M.a + M.a.T))


def _abs_tree(d: dict) -> dict:
    return {k: _AbsVal(v) for k, v in d.items()}


def _qc(step: _Step, mult: dict, ops: Any) -> tuple[Any, Any, Any, Any]:
    """(T, M11, M12, M22) of the step's activation QC, [v; w]'[[M11, M12], [M12, M22]][v; w] >= 0."""
    act, m = step.act, step.m
    kind = _act_kind(act)
    if kind == "slope":
        L = ops.diag(mult["Lam"])
        a, b = float(act.alpha), float(act.beta)
        return None, L * (-2.0 * a * b), L * (a + b), L * -2.0
    g = int(act.group_size)
    T = ops.groups(mult["lam"], m, g, False)
    if kind == "sort":
        T = T + ops.groups(mult["gam"], m, g, True)
        if step.kind == "res":
            S = ops.groups(mult["s"], m, g, True)
            P = ops.groups(mult["p"], m, g, True)
            return T, T - S * 2.0, P + S, -T - P * 2.0
    return T, T, np.zeros((m, m)), -T


def _step_lmi(step: _Step, T_in: Any, mult: dict, ops: Any) -> tuple[Any, Any]:
    """(LMI matrix that must be PSD, outgoing storage matrix)."""
    W = step.W
    if step.kind == "linear":
        T_out = mult["T"]
        return ops.sym(T_in - W.T @ T_out @ W), T_out
    Q, M11, M12, M22 = _qc(step, mult, ops)
    if step.kind == "chain":
        return ops.sym(T_in - W.T @ Q @ W), Q
    T_out = mult["T"]
    if step.kind == "ff":
        top = T_in - W.T @ M11 @ W
        off = -(W.T @ M12)
        bottom = -M22 - T_out
    else:  # residual
        D, H = step.skip, step.H
        top = T_in - D.T @ T_out @ D - W.T @ M11 @ W
        off = -(D.T @ T_out @ H) - W.T @ M12
        bottom = -(H.T @ T_out @ H) - M22
    return ops.sym(ops.block([[top, off], [off.T, bottom]])), T_out


def _all_lmis(steps: list[_Step], mults: list[dict], head: dict, C: np.ndarray, norm: str,
              row: int | None, ops: Any) -> list[Any]:
    """Every LMI of the chain, first to last; `head` holds rho (and tau for linf)."""
    n0 = steps[0].n_in if steps else C.shape[1]
    T = head["rho"] * np.eye(n0) if norm == "l2" else ops.diag(head["tau"])
    out = []
    for step, mult in zip(steps, mults):
        M, T = _step_lmi(step, T, mult, ops)
        out.append(M)
    if norm == "l2":
        out.append(ops.sym(T - C.T @ C))
    else:
        c = C[row].reshape(-1, 1)
        corner = ops.scalar(head["rho"] * 2.0 - head["tau"].sum())
        out.append(ops.sym(ops.block([[T, c], [c.T, corner]])))
    return out


# ----------------------------------------------------------------------------------------
# the SDP
# ----------------------------------------------------------------------------------------
def _variables(m: optlib.Model, steps: list[_Step], n0: int, norm: str) -> tuple[dict, list[dict]]:
    head = {"rho": m.continuous(lb=0, name="rho")}
    if norm == "linf":
        head["tau"] = m.continuous(n0, lb=0, name="tau")
    mults = []
    for k, step in enumerate(steps):
        mult: dict[str, Any] = {}
        if step.kind != "linear":
            kind = _act_kind(step.act)
            if kind == "slope":
                mult["Lam"] = m.continuous(step.m, lb=0, name=f"Lam{k}")
            else:
                N = step.m // int(step.act.group_size)
                mult["lam"] = m.continuous(N, lb=0, name=f"lam{k}")
                if kind == "sort":
                    mult["gam"] = m.continuous(N, name=f"gam{k}")
                    if step.kind == "res":
                        mult["s"] = m.continuous(N, name=f"s{k}")
                        mult["p"] = m.continuous(N, name=f"p{k}")
        if step.kind != "chain":
            mult["T"] = m.symmetric(step.n_out, name=f"T{k + 1}")
        mults.append(mult)
    return head, mults


def _values(res: optlib.Result, head: dict, mults: list[dict]) -> tuple[dict, list[dict]]:
    def val(x: Any) -> np.ndarray:
        return np.array(res[x], dtype=float)

    h = {k: val(v) for k, v in head.items()}
    ms = [{k: val(v) for k, v in mult.items()} for mult in mults]
    return h, ms


def _zeros(head: dict, mults: list[dict]) -> tuple[dict, list[dict]]:
    h = {k: np.zeros(v.shape) for k, v in head.items()}
    ms = [{k: np.zeros(v.shape) for k, v in mult.items()} for mult in mults]
    return h, ms


# ----------------------------------------------------------------------------------------
# certificate and repair
# ----------------------------------------------------------------------------------------
def _spec2(M: np.ndarray) -> float:
    """||M||_2^2, rounded up a little."""
    return float(np.linalg.norm(M, 2)) ** 2 * (1.0 + 1e-9) if M.size else 0.0


def _numeric(steps: list[_Step], mults: list[dict], head: dict, C: np.ndarray, norm: str,
             row: int | None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every LMI in numpy, each with the magnitudes of its terms (for rounding allowances)."""
    lmis = _all_lmis(steps, mults, head, C, norm, row, _Num)
    mags = _all_lmis(steps, [_abs_tree(m) for m in mults], _abs_tree(head), np.abs(C), norm, row, _Abs)
    return [(M, A.a) for M, A in zip(lmis, mags)]


def _inner(steps: list[_Step], C: np.ndarray) -> int:
    """The largest dimension of any matrix in the chain (inner dimension of the products)."""
    dims = [max(C.shape)] + [max(max(M.shape) for M in (s.W, s.H, s.D) if M is not None) for s in steps]
    return max(dims)


def _check(pairs: list[tuple[np.ndarray, np.ndarray]], inner: int) -> tuple[list[float], list[float]]:
    """(lambda_min of each LMI, an allowance for rounding in forming it and in eigvalsh).

    Forming an entry as sums of products with inner dimensions <= `inner` errs by at most
    about 3 (inner + 2) eps times the same sums of |terms| (`mag`); eigvalsh adds about
    n eps ||M||_2. Both are below 8 (inner + n) eps ||mag||_F."""
    mins, errs = [], []
    for M, mag in pairs:
        mins.append(float(np.linalg.eigvalsh(M)[0]))
        errs.append(float(8 * (inner + M.shape[0]) * _EPS * np.linalg.norm(mag, "fro")))
    return mins, errs


def _deficit(M: np.ndarray, mag: np.ndarray, inner: int, margin: float) -> float:
    """How much M needs (as + d I) to pass the eigenvalue check with room to spare."""
    mins, errs = _check([(M, mag)], inner)
    if mins[0] - 2 * errs[0] >= 0:
        return 0.0
    return -mins[0] + margin * (4 * errs[0] + 1e-12 * (1.0 + abs(mins[0])))


def _repair(steps: list[_Step], mults: list[dict], head: dict, C: np.ndarray, norm: str,
            row: int | None, n0: int, margin: float) -> None:
    """Raise multipliers (in place) so that every LMI passes, walking backwards.

    e is what LMI k+1 still needs added (as e I) to the storage matrix T_{k+1} it receives.
    Step k supplies it (lam += e when T_{k+1} is the QC's T, else T_{k+1} += e I), then
    measures its own LMI's deficit d and asks its input for more: exactly d when T_k enters
    its LMI as + T_k (chain, linear); for slope/residual steps it raises its own activation
    multiplier by mu (which adds at least mu ||dw||^2 - mu c ||W dx||^2 to the quadratic
    form) and asks for d + mu c ||W||^2. At the head rho (and tau for linf) take the rest.
    """
    inner = _inner(steps, C)
    e = _deficit(*_numeric(steps, mults, head, C, norm, row)[-1], inner, margin)
    if norm == "linf":
        head["rho"] = head["rho"] + e / 2.0          # with T_l += e I: + e I on the last LMI
    for k in range(len(steps) - 1, -1, -1):
        step, mult = steps[k], mults[k]
        if step.kind == "chain":
            mult["lam"] = mult["lam"] + e
        else:
            mult["T"] = mult["T"] + e * np.eye(step.n_out)
        d = _deficit(*_numeric(steps, mults, head, C, norm, row)[k], inner, margin)
        if step.kind in ("chain", "linear") or d == 0.0:
            e = d
            continue
        c = 1.0
        if _act_kind(step.act) == "slope":
            c = float(step.act.alpha) ** 2 + float(step.act.beta) ** 2
        key = "Lam" if "Lam" in mult else "lam"
        mult[key] = mult[key] + d
        e = d + d * c * _spec2(step.W)
    if norm == "l2":
        head["rho"] = head["rho"] + e
    else:
        head["tau"] = head["tau"] + e
        head["rho"] = head["rho"] + n0 * e / 2.0     # keeps 2 rho - sum(tau) unchanged


def _certify(steps: list[_Step], mults: list[dict], head: dict, C: np.ndarray, norm: str,
             row: int | None, n0: int) -> tuple[bool, tuple[float, ...], bool]:
    """Check every LMI; repair (in place) until all hold. -> (verified, max eigs of -LMI, repaired)."""
    for mult in mults:                       # sign constraints hold exactly before checking
        for key in ("lam", "Lam"):
            if key in mult:
                mult[key] = np.maximum(mult[key], 0.0)
    if "tau" in head:
        head["tau"] = np.maximum(head["tau"], 0.0)
    head["rho"] = max(float(head["rho"]), 0.0)
    repaired = False
    for attempt in range(6):
        mins, errs = _check(_numeric(steps, mults, head, C, norm, row), _inner(steps, C))
        if all(mn - err >= 0 for mn, err in zip(mins, errs)):
            return True, tuple(-mn for mn in mins), repaired
        _repair(steps, mults, head, C, norm, row, n0, 2.0 ** attempt)
        repaired = True
    return False, tuple(-mn for mn in mins), repaired


# ----------------------------------------------------------------------------------------
# a rigorous closed-form fallback
# ----------------------------------------------------------------------------------------
def _act_lipschitz(act: Activation | None, norm: str) -> float:
    if act is None:
        return 1.0
    kind = _act_kind(act)
    if kind == "slope":
        return max(abs(float(act.alpha)), abs(float(act.beta)))
    if kind == "sort" or norm == "l2":
        return 1.0          # sorting is 1-Lipschitz in l2 and linf; Householder in l2
    return math.sqrt(int(act.group_size))     # Householder in linf: via l2 within a group


def _naive(steps: list[_Step], C: np.ndarray, norm: str, row: int | None) -> float:
    order = 2 if norm == "l2" else np.inf

    def nrm(M: np.ndarray) -> float:
        return float(np.linalg.norm(M, order))

    value = 1.0
    for step in steps:
        if step.kind == "linear":
            value *= nrm(step.W)
        elif step.kind in ("chain", "ff"):
            value *= _act_lipschitz(step.act, norm) * nrm(step.W)
        else:
            value *= nrm(step.skip) + nrm(step.H) * _act_lipschitz(step.act, norm) * nrm(step.W)
    last = C if row is None else C[row:row + 1]
    return value * nrm(last)


# ----------------------------------------------------------------------------------------
# public entry point
# ----------------------------------------------------------------------------------------
def _norm_name(norm: Any) -> str:
    key = str(norm).strip().lower() if not (isinstance(norm, float) and math.isinf(norm)) else "inf"
    if key not in _NORMS:
        raise ValueError(f"unknown norm {norm!r}; grouped_bound supports 'l2' and 'linf'")
    return _NORMS[key]


def _solve_one(steps: list[_Step], C: np.ndarray, norm: str, row: int | None, backend: str,
               time_limit: float | None, options: dict) -> tuple[float, LMICertificate, dict, Any, float]:
    """(value, certificate, multipliers, optlib Result, lower bound on the SDP's optimal value)."""
    n0 = steps[0].n_in if steps else C.shape[1]
    m = optlib.Model("lipsdp_nsr")
    head, mults = _variables(m, steps, n0, norm)
    for k, M in enumerate(_all_lmis(steps, mults, head, C, norm, row, _Sym)):
        m.add(M >> 0, name=f"lmi{k}")
    m.minimize(head["rho"])
    res = m.solve(backend=backend, time_limit=time_limit, **{**OWN_CERTIFICATE, **options})
    message = f"solver status {res.status.name}"
    if getattr(res, "x", None) is not None:
        h, ms = _values(res, head, mults)
    else:
        h, ms = _zeros(head, mults)
        message += "; no solution returned, repaired from zero multipliers"
    rho_solver = float(h["rho"])
    verified, eigs, repaired = _certify(steps, ms, h, C, norm, row, n0)
    rho_cert = float(h["rho"])
    cert = LMICertificate(verified=verified, max_eigenvalues=eigs, repaired=repaired,
                          rho_solver=rho_solver, rho_certified=rho_cert,
                          rho_increase=max(rho_cert - rho_solver, 0.0), message=message)
    value = math.sqrt(rho_cert) if norm == "l2" else rho_cert
    value = float(np.nextafter(value, np.inf))
    multipliers = {"rho": rho_cert, **{k: v for k, v in h.items() if k != "rho"}, "steps": ms}
    return value, cert, multipliers, res, sdp_lower_bound(res, sqrt=(norm == "l2"))


def grouped_bound(net: Network | ResidualNetwork, norm: str = "l2", backend: str = "auto",
                  time_limit: float | Deadline | None = None, *, output: int | None = None,
                  options: dict | None = None, **solve_kw: Any) -> LipschitzBound:
    """Certified Lipschitz upper bound of a GroupSort / MaxMin / Householder network (also
    residual, also mixed with slope-restricted layers) in l2 or l_inf (LipSDP-NSR).

    `net` is a Network (x_{k+1} = phi_k(W_k x_k), f = W_l x_l) or a ResidualNetwork. For
    norm='linf' the bound is on |f_i(x) - f_i(y)| / ||x - y||_inf for each output row i
    (one SDP each) and the maximum over rows is returned (a bound on the linf -> linf
    constant); `output=i` bounds row i only. `options` go to Model.solve (backend options as
    loose keywords are deprecated). The value is always rigorous: the LMIs are re-checked in
    numpy and repaired if needed; if even that fails the product-of-norms bound is returned,
    labelled as such. With a time limit (a number or an optlib.Deadline) the rows share what
    is left equally; a row reached after the limit gets its product of norms (labelled).

    Cost: one LMI of size n_k per layer (residual: n + m_k). Clarabel's time grows like
    n^6 in the LMI size (about 0.6 s at width 32, 45 s at width 64 for 4 MaxMin layers);
    backend='scs' is far faster there (6.5 s at width 64) and the repair keeps it rigorous.
    """
    t0 = time.perf_counter()
    options = _merge_options(options, None, solve_kw, where="grouped_bound")
    deadline = Deadline.of(time_limit)
    norm = _norm_name(norm)
    if isinstance(net, Network):
        steps, C = _steps_network(net)
    elif isinstance(net, ResidualNetwork):
        steps, C = _steps_residual(net)
    else:
        raise ValueError(f"grouped_bound needs a Network or a ResidualNetwork, got {type(net).__name__}")
    n_out = C.shape[0]
    if output is not None:
        if not isinstance(output, (int, np.integer)) or not 0 <= int(output) < n_out:
            raise ValueError(f"output must be an integer row index in [0, {n_out}), got {output!r}")

    rows: list[int | None] = [None]
    if norm == "linf":
        rows = list(range(n_out)) if output is None else [int(output)]
    elif output is not None:
        C = C[int(output):int(output) + 1]

    parts = []
    for i, row in enumerate(rows):
        t1 = time.perf_counter()
        where = "chain" if row is None else f"chain, output {row}"
        naive = _naive(steps, C, norm, row)
        if deadline.expired():
            why = "time limit reached before this output row"
            cert = LMICertificate(False, (), False, None, None, 0.0, why)
            parts.append(LipschitzBound(value=naive, method=f"lipsdp-nsr ({why}: product of norms)", norm=norm,
                                        naive=naive, certificate=cert, path=f"{where}; {why}",
                                        status=Status.NO_SOLUTION, limit_reached="time_limit",
                                        time=time.perf_counter() - t1))
            continue
        share = deadline.left(fraction=1.0 / (len(rows) - i))
        value, cert, mult, res, low = _solve_one(steps, C, norm, row, backend, share, dict(options))
        method = "lipsdp-nsr"
        if not cert.verified:
            value, method = naive, "lipsdp-nsr (LMIs not verified: product of norms)"
        parts.append(LipschitzBound(value=value, method=method, norm=norm, naive=naive,
                                    certificate=cert, multipliers=mult, result_=res, bound=low,
                                    path=where, time=time.perf_counter() - t1))
    if len(parts) == 1:
        b = parts[0]
        return LipschitzBound(value=b.value, method=b.method, norm=norm, naive=b.naive,
                              certificate=b.certificate, multipliers=b.multipliers,
                              result_=b.result_, path=b.path, time=time.perf_counter() - t0,
                              bound=b.bound, status=b.status, limit_reached=b.limit_reached,
                              stage_times={"solve": b.time})
    worst = max(parts, key=lambda p: p.value)
    wc = worst.certificate
    cert = LMICertificate(
        verified=all(p.certificate.verified for p in parts),
        max_eigenvalues=tuple(e for p in parts for e in p.certificate.max_eigenvalues),
        repaired=any(p.certificate.repaired for p in parts),
        rho_solver=wc.rho_solver, rho_certified=wc.rho_certified, rho_increase=wc.rho_increase,
        message=f"max over {len(parts)} output rows (row {parts.index(worst)})")
    # max over rows of lower bounds <= max over rows of the optima
    bound = max((p.bound for p in parts), default=-math.inf)
    failed = [p.status for p in parts if not p.status.has_solution]
    return LipschitzBound(value=worst.value, method="lipsdp-nsr", norm=norm,
                          naive=max(p.naive for p in parts), certificate=cert,
                          multipliers={"rows": [p.multipliers for p in parts]},
                          result_=worst.result_, path="chain, max over output rows",
                          time=time.perf_counter() - t0, parts=tuple(parts), bound=bound,
                          status=failed[0] if failed else None,
                          stage_times={"solve": sum(p.time for p in parts)})
