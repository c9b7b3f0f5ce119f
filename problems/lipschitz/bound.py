"""The answer every Lipschitz method returns, and the constructors the LipSDP solvers share.

`LipschitzBound` follows optlib's answer protocol (`optlib.Answer`, docs/certificates.md):

    objective = value   the certified upper bound U >= L(f) on the Lipschitz constant
    bound               a certified lower bound on the optimum of the method's own problem
                        (LipSDP: sqrt of optlib's dual bound on rho*, mapped back to the
                        original weights), so bound <= U* <= value; -inf when there is none
    gap                 optlib.relative_gap(value, bound): how far `value` may be from the
                        best bound this formulation can give, not from L(f)
    status              OPTIMAL: the LMI certificate holds and gap <= GAP_TOL; FEASIBLE: the
                        certificate holds (a rigorous upper bound) but optimality is not
                        proven; UNVERIFIED: no LMI certificate, or a formulation that is not a
                        valid bound in general (lipsdp-network); NO_SOLUTION etc.: the solve
                        returned no point (value is then the product of norms, labelled)
    verified            valid and the LMI certificate (when there is one) holds
    limit_reached       'time_limit' / 'iteration_limit' when a limit cut the work short
    timings             {'total', and per stage: 'build', 'solve', 'certify', 'lower', ...}
    results             the optlib.Result of every solve behind the answer

`reason` says why ``method="auto"`` chose `method` (empty when the method was given).

`lower` (the largest Jacobian norm found at sampled inputs) is a lower bound on L(f) itself,
not on the method's optimum U*, so it is kept apart and never reported as `bound`.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from optlib import Status, relative_gap

#: relative gap (value - bound) / value under which a certified answer is OPTIMAL (optlib's
#: default for continuous problems)
GAP_TOL = 1e-6


@dataclass(frozen=True)
class LMICertificate:
    """optlib's own check of an LMI bound: the matrix M(rho, multipliers) built again from
    the returned multipliers must satisfy lambda_max(M) <= 0 (one entry per LMI checked).

    `repaired` is True when the solver's rho had to be increased (by `rho_increase`) until
    every LMI held; `verified` is True when the reported value passed the eigenvalue check.
    """

    verified: bool
    max_eigenvalues: tuple[float, ...] = ()
    repaired: bool = False
    rho_solver: float | None = None
    rho_certified: float | None = None
    rho_increase: float = 0.0
    message: str = ""


@dataclass(frozen=True)
class LipschitzBound:
    """An upper bound `value` on the Lipschitz constant of a network in `norm` (the module
    docstring gives the answer protocol: objective, bound, gap, status, ...).

    `value` is rigorous when `certificate.verified` (and `valid`) are True; `valid` is
    False only for formulations known not to give upper bounds in general (LipSDP-Network
    for ReLU, Pauli et al. 2021), which are reported but labelled. `lower` is a lower bound
    from gradients at sampled and optimised inputs, `naive` the product of layer norms.
    `status=None` derives the status from the certificate, the bound and the solve.
    """

    value: float
    method: str
    norm: str = "l2"
    lower: float | None = None
    naive: float | None = None
    valid: bool = True
    certificate: LMICertificate | None = None
    multipliers: dict[str, Any] = field(default_factory=dict)
    result_: Any = None
    path: str = ""
    time: float = 0.0
    parts: tuple["LipschitzBound", ...] = ()   # per-subnetwork bounds when split
    bound: float = -math.inf
    status: Status | None = None
    limit_reached: str | None = None
    stage_times: Mapping[str, float] = field(default_factory=dict)
    reason: str = ""          # why method="auto" chose `method` ("" when the method was given)

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", float(self.value))
        object.__setattr__(self, "bound", float(self.bound))
        if self.status is None:
            object.__setattr__(self, "status", self._derived_status())
        elif not isinstance(self.status, Status):
            raise ValueError(f"status must be an optlib.Status, got {self.status!r}")
        if self.limit_reached is None:
            limits = [r.limit_reached for r in self.results if getattr(r, "limit_reached", None)]
            limits += [p.limit_reached for p in self.parts if p.limit_reached]
            if limits:
                object.__setattr__(self, "limit_reached", limits[0])

    def _derived_status(self) -> Status:
        if not self.valid:
            return Status.UNVERIFIED
        if self.certificate is not None and not self.certificate.verified:
            res = self.result_
            if res is not None and getattr(res, "x", None) is None and not res.status.has_solution:
                return res.status            # the solve gave no point (time limit, error, ...)
            return Status.UNVERIFIED
        if math.isfinite(self.bound) and relative_gap(self.value, self.bound) <= GAP_TOL:
            return Status.OPTIMAL
        return Status.FEASIBLE

    @property
    def objective(self) -> float:
        """The certified upper bound (= `value`), under optlib's answer protocol."""
        return self.value

    @property
    def gap(self) -> float:
        """optlib.relative_gap(value, bound) = |value - bound| / max(|value|, 1e-10)."""
        return relative_gap(self.value, self.bound)

    @property
    def verified(self) -> bool:
        return bool(self.valid and (self.certificate is None or self.certificate.verified))

    @property
    def timings(self) -> dict[str, float]:
        return {**self.stage_times, "total": float(self.time)}

    @property
    def results(self) -> tuple[Any, ...]:
        """The optlib.Result of every solve behind this answer (its own, then its parts')."""
        out: list[Any] = [] if self.result_ is None else [self.result_]
        for p in self.parts:
            out.extend(r for r in p.results if not any(r is q for q in out))
        return tuple(out)

    def __float__(self) -> float:
        return float(self.value)

    def summary(self) -> str:
        cert = "no LMI (closed form)" if self.certificate is None else (
            ("verified" if self.certificate.verified else "NOT verified")
            + (f", repaired rho +{self.certificate.rho_increase:.3g}" if self.certificate.repaired else ""))
        lines = [f"{self.method} ({self.norm}): L <= {self.value:.6g}  [{cert}]",
                 f"  status: {self.status.name}"
                 + (f"; optimum of the formulation >= {self.bound:.6g} (gap {self.gap:.2g})"
                    if math.isfinite(self.bound) else "")
                 + (f"; limit reached: {self.limit_reached}" if self.limit_reached else "")]
        if not self.valid:
            lines.append("  warning: this formulation is not a valid upper bound in general")
        if self.lower is not None:
            lines.append(f"  lower bound (gradients): {self.lower:.6g}")
        if self.naive is not None:
            lines.append(f"  naive (product of norms): {self.naive:.6g}")
        if self.reason:
            lines.append(f"  auto: {self.reason}")
        if self.path:
            lines.append(f"  path: {self.path}")
        lines.append(f"  time: {self.time:.3g} s")
        return "\n".join(lines)


def spectral_max(M: np.ndarray) -> float:
    """Largest eigenvalue of a symmetric matrix."""
    return float(np.linalg.eigvalsh(M)[-1]) if M.size else 0.0


# -- constructors shared by the LipSDP solvers (lipsdp.py, chordal.py, firstorder.py) ---------
def sdp_lower_bound(res: Any, scale: float = 1.0, sqrt: bool = True) -> float:
    """A certified lower bound on the method's optimum from optlib's dual bound on rho*:
    sqrt(max(bound, 0) * scale) (`scale` = P^2 of a scaled LMI), or bound * scale for an l_inf
    value (sqrt=False); -inf when the solve certified no bound. Rounded down by a few ulps."""
    b = getattr(res, "bound", -math.inf) if res is not None else -math.inf
    if b is None or not math.isfinite(b):
        return -math.inf
    if sqrt:
        v = math.sqrt(max(float(b), 0.0)) * math.sqrt(scale)
    else:
        v = float(b) * scale
    return v - 4.0 * np.finfo(float).eps * abs(v)


def spectral_part(W: np.ndarray, t0: float) -> LipschitzBound:
    """A one-matrix (sub)network: its Lipschitz constant is exactly ||W||_2 (LAPACK SVD),
    the LipSDP optimum too, so value = bound and the answer is OPTIMAL."""
    value = float(np.linalg.norm(W, 2))
    return LipschitzBound(value=value, method="spectral-norm", norm="l2", naive=value, bound=value,
                          path="one-matrix chunk: largest singular value (LAPACK SVD)",
                          time=time.perf_counter() - t0)


def naive_part(net: Any, method: str, why: str, t0: float, status: Status = Status.NO_SOLUTION,
               limit_reached: str | None = None, valid: bool = True) -> LipschitzBound:
    """The product of norms of `net`, labelled, when no LipSDP answer was computed (`why`)."""
    cert = LMICertificate(False, (), False, None, None, 0.0, why)
    return LipschitzBound(value=net.naive_bound(), method=f"{method} ({why}: product of norms)", norm="l2",
                          valid=valid, certificate=cert, status=status, limit_reached=limit_reached,
                          path=f"{why}; value is the product of norms", time=time.perf_counter() - t0)


def unsolved_bound(net: Any, method: str, res: Any, path: str, t0: float,
                   valid: bool = True, bound: float = -math.inf,
                   stage_times: Mapping[str, float] | None = None) -> LipschitzBound:
    """The answer when the solver returned no point: the product of norms, labelled."""
    cert = LMICertificate(False, (), False, None, None, 0.0,
                          f"no solution from {res.backend.name} ({res.status.name}): {res.message}")
    return LipschitzBound(value=net.naive_bound(), method=f"{method} (no LMI solution: product of norms)",
                          norm="l2", valid=valid, certificate=cert, result_=res, bound=bound,
                          path=path + "; value falls back to the product of norms", time=time.perf_counter() - t0,
                          stage_times=dict(stage_times or {}))


def certified_bound(net: Any, method: str, cert: LMICertificate, multipliers: dict[str, Any], path: str,
                    t0: float, valid: bool = True, result_: Any = None, bound: float = -math.inf,
                    limit_reached: str | None = None,
                    stage_times: Mapping[str, float] | None = None) -> LipschitzBound:
    """L = sqrt(rho_certified) when the LMI certificate holds, else the product of norms (labelled)."""
    if cert.verified:
        value, name = math.sqrt(max(cert.rho_certified, 0.0)), method
    else:
        value, name = net.naive_bound(), f"{method} (LMI not verified: product of norms)"
        path += "; the LMI could not be certified, value falls back to the product of norms"
    return LipschitzBound(value=value, method=name, norm="l2", valid=valid, certificate=cert,
                          multipliers=multipliers, result_=result_, path=path, time=time.perf_counter() - t0,
                          bound=bound, limit_reached=limit_reached, stage_times=dict(stage_times or {}))
