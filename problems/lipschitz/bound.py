"""The answer every Lipschitz method returns."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


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
    """An upper bound `value` on the Lipschitz constant of a network in `norm`.

    `value` is rigorous when `certificate.verified` (and `valid`) are True; `valid` is
    False only for formulations known not to give upper bounds in general (LipSDP-Network
    for ReLU, Pauli et al. 2021), which are reported but labelled. `lower` is a lower bound
    from gradients at sampled and optimised inputs, `naive` the product of layer norms.
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

    @property
    def verified(self) -> bool:
        return bool(self.valid and (self.certificate is None or self.certificate.verified))

    def __float__(self) -> float:
        return float(self.value)

    def summary(self) -> str:
        cert = "no LMI (closed form)" if self.certificate is None else (
            ("verified" if self.certificate.verified else "NOT verified")
            + (f", repaired rho +{self.certificate.rho_increase:.3g}" if self.certificate.repaired else ""))
        lines = [f"{self.method} ({self.norm}): L <= {self.value:.6g}  [{cert}]"]
        if not self.valid:
            lines.append("  warning: this formulation is not a valid upper bound in general")
        if self.lower is not None:
            lines.append(f"  lower bound (gradients): {self.lower:.6g}")
        if self.naive is not None:
            lines.append(f"  naive (product of norms): {self.naive:.6g}")
        if self.path:
            lines.append(f"  path: {self.path}")
        lines.append(f"  time: {self.time:.3g} s")
        return "\n".join(lines)


def spectral_max(M: np.ndarray) -> float:
    """Largest eigenvalue of a symmetric matrix."""
    return float(np.linalg.eigvalsh(M)[-1]) if M.size else 0.0
