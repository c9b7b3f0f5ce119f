"""`CoreShape`: the answer of `core_shape` (a Tucker core shape under a size budget)."""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from optlib import Status
from optlib.answer import GapFromBound

from .data import SparseTensor
from .spectrum import ModeSpectra
from .tucker import TuckerFit, hooi


@dataclass(frozen=True, eq=False)
class CoreShape(GapFromBound):
    """A core shape (R_1..R_N) for a Tucker decomposition of size <= `budget`.

    `packed_value` = sum_n sum_{i <= R_n} sigma_{n,i}^2; `bound` an upper bound on the best
    packed value for this budget (the value itself for `exact`, the MILP's dual bound for
    `ip`, every mode at its largest feasible rank for the heuristics). `error_bound` =
    sum_n sum_{i > R_n} sigma_{n,i}^2 / ||X||^2 >= the truncated-HOSVD squared relative
    error, and `lower_bound` = max_n of the same per-mode sums <= the error of *any* Tucker
    decomposition of this shape, so error_bound <= N * (best possible error). `optimal` is
    True only when the packing optimum was proved (`certificate` says how).

    The answer protocol (`optlib.Answer`, a maximisation): `objective` = `packed_value`,
    `bound` as above, `gap` = optlib.relative_gap(objective, bound), `status` OPTIMAL when
    `optimal` (and verified), else FEASIBLE (the shape fits the budget, re-checked in exact
    integers); `verified` the shape's size and value re-checked and any MILP bound kept only
    from a certified solve; `limit_reached` ('time_limit' when the time limit cut the search);
    `timings` ({'total': time, ...}); `results` the optlib Results of method 'ip'.
    """

    shape: tuple[int, ...]
    budget: int
    method: str
    packed_value: float
    bound: float
    error_bound: float
    lower_bound: float
    size: int
    optimal: bool
    certificate: Any = None
    result_: Any = None                        # the optlib Result of method 'ip'
    time: float = 0.0
    message: str = ""
    tensor_shape: tuple[int, ...] = ()
    _tensor: Any = field(default=None, repr=False)
    _spectra: ModeSpectra | None = field(default=None, repr=False)
    verified: bool = True
    limit_reached: str | None = None
    results: tuple = ()
    timings: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "timings", {"total": float(self.time), **dict(self.timings)})
        object.__setattr__(self, "results", tuple(self.results))

    @property
    def objective(self) -> float:
        """The packed value (the answer protocol's name)."""
        return float(self.packed_value)

    @property
    def status(self) -> Status:
        """OPTIMAL when proved (and verified), FEASIBLE for a verified shape, else UNVERIFIED."""
        if not self.verified:
            return Status.UNVERIFIED
        return Status.OPTIMAL if self.optimal else Status.FEASIBLE

    @property
    def compression_ratio(self) -> float:
        """size / number of entries of the tensor."""
        return self.size / math.prod(self.tensor_shape) if self.tensor_shape else math.nan

    def fit(self, n_iter: int = 10, tol: float = 1e-10) -> TuckerFit:
        """Our truncated HOSVD of this shape (n_iter=0) refined by up to `n_iter` HOOI sweeps;
        its `rre` lies in [lower_bound, error_bound] (HOSVD start, HOOI never increases it)."""
        if self._tensor is None or self._spectra is None:
            raise ValueError("this CoreShape holds no tensor (built without one); call core_shape(tensor, ...)")
        if isinstance(n_iter, bool) or not isinstance(n_iter, int) or n_iter < 0:
            raise ValueError(f"n_iter must be a nonnegative integer, got {n_iter!r}")
        return hooi(self._tensor, self.shape, self._spectra.factors, self._spectra.norm_sq, n_iter, tol,
                    lower_bound=self.lower_bound)

    def summary(self) -> str:
        kind = "sparse " if isinstance(self._tensor, SparseTensor) else ""
        lines = [
            f"core shape {self.shape} of a {kind}tensor {self.tensor_shape} by {self.method!r}",
            f"  size {self.size} <= budget {self.budget} (compression {self.compression_ratio:.3g})",
            (f"  packed value {self.packed_value:.10g}  (upper bound {self.bound:.10g}, "
             f"{'proved optimal' if self.optimal else 'not proved optimal'})"),
            (f"  squared relative error: >= {self.lower_bound:.6g} for any Tucker of this shape, "
             f"<= {self.error_bound:.6g} for truncated HOSVD"),
            f"  status {self.status.name}, gap {self.gap:.3g}"
            + (f", limit reached: {self.limit_reached}" if self.limit_reached else ""),
            f"  time {self.time:.4g} s",
        ]
        if self.message:
            lines.append(f"  note: {self.message}")
        return "\n".join(lines)
