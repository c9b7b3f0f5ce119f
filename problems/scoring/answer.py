"""`FitAnswer`: what a scoring fit found, in optlib's answer protocol (`optlib.Answer`).

A fit is more than one solve (a cut loop, a warm start, the support search, the IP, a solve fixed
at the chosen model), so its `result_` reports the whole fit:

    status         optlib.Status of the fit (OPTIMAL only when the bound proves the incumbent)
    objective      the IP objective of the fitted model, computed exactly (None: no model)
    bound          the bound on the optimum (the IP's dual bound or the support search's,
                   rounded up to the grid of attainable objective values; -inf when none)
    gap            optlib.relative_gap(objective, bound)
    verified       optlib checked the fitted model (every row, the hook) and the bound lies on
                   the right side of it; for no model, the solve's own certificate (a ray)
    limit_reached  'time_limit' when the time limit stopped the search or the IP, else None
    timings        seconds of the whole fit: build, cuts, warm_start, search, solve, total
    results        the optlib.Results of the solves behind it
    result         the Result whose point is the fitted model (values by name, certificate,
                   backend); attributes not listed here (value, certificate, backend, x, ...)
                   are read from it
"""
from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

from optlib import Result, Status, relative_gap
from optlib.result import NotOptimalError


class Seconds(Mapping):
    """A read-only {part: seconds} mapping that also reads as attributes (`timings.total`)."""

    __slots__ = ("_parts",)

    def __init__(self, parts: Mapping[str, float]):
        object.__setattr__(self, "_parts", {str(k): float(v) for k, v in parts.items()})

    def __getitem__(self, key: str) -> float:
        return self._parts[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._parts)

    def __len__(self) -> int:
        return len(self._parts)

    def __getattr__(self, name: str) -> float:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._parts[name]
        except KeyError:
            raise AttributeError(f"no timing {name!r} (have {', '.join(self._parts)})") from None

    def __getstate__(self) -> dict:
        return self._parts

    def __setstate__(self, state: dict) -> None:
        object.__setattr__(self, "_parts", dict(state))

    def __repr__(self) -> str:
        return "Seconds(" + ", ".join(f"{k}={v:.3g}" for k, v in self._parts.items()) + ")"


@dataclass(frozen=True)
class FitAnswer:
    """The fit's answer (see the module doc); satisfies `optlib.Answer`."""

    status: Status
    objective: float | None
    bound: float
    gap: float
    verified: bool
    limit_reached: str | None
    timings: Seconds
    results: tuple[Result, ...]
    result: Result = dataclasses.field(repr=False)
    message: str = ""

    def __getattr__(self, name: str) -> Any:
        # only reached for names the answer does not have: read them from the point's Result
        if name.startswith("_") or name == "result":
            raise AttributeError(name)
        return getattr(object.__getattribute__(self, "result"), name)

    def value(self, item: Any) -> Any:
        """Value of a variable (by object or name) or affine expression at the fitted model."""
        return self.result.value(item)

    def __getitem__(self, item: Any) -> Any:
        return self.result.value(item)

    def raise_unless_optimal(self) -> "FitAnswer":
        if self.status is not Status.OPTIMAL:
            raise NotOptimalError(f"fit ended with status {self.status.name}: {self.message}".rstrip(": "))
        return self

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary of the fit (the solve of the fitted model under 'result')."""
        def num(v: float | None) -> float | str | None:
            return v if v is None or math.isfinite(v) else str(v)

        return {"status": self.status.name, "objective": num(self.objective), "bound": num(self.bound),
                "gap": num(self.gap), "verified": self.verified, "limit_reached": self.limit_reached,
                "timings": dict(self.timings), "message": self.message, "solves": len(self.results),
                "result": self.result.to_dict()}

    def summary(self) -> str:
        gap = "-" if not math.isfinite(self.gap) else f"{self.gap:.4%}"
        obj = "-" if self.objective is None else f"{self.objective:.10g}"
        lines = [f"status        {self.status.name}" + (f" ({self.limit_reached})" if self.limit_reached else ""),
                 f"objective     {obj}", f"bound         {self.bound:.10g}", f"gap           {gap}",
                 f"verified      {self.verified}",
                 "seconds       " + ", ".join(f"{k} {v:.3g}" for k, v in self.timings.items()),
                 f"solves        {len(self.results)} on {self.result.backend.name}"]
        if self.message:
            lines.append(f"message       {self.message}")
        return "\n".join(lines)


def fit_answer(numbers: Result | FitAnswer, point: Result, results: Sequence[Result], parts: Mapping[str, float],
               start: float) -> FitAnswer:
    """The FitAnswer with status, objective, bound, message and limit of `numbers`, the fitted
    model's point `point`, the solves `results` and the seconds `parts` (total: since `start`,
    a time.perf_counter() value). Without a model (status not OPTIMAL / FEASIBLE) the objective
    is None, whatever point an unconfirmed solve left."""
    model = numbers.status.has_solution
    obj = float(numbers.objective) if model and numbers.objective is not None else None
    bound = float(numbers.bound)
    if obj is not None:
        side = bound <= obj + 1e-9 * max(1.0, abs(obj))        # a lower bound (every fit minimises)
        verified = bool(point.verified) and side
    else:
        verified = bool(numbers.verified)
    timings = Seconds({**parts, "total": time.perf_counter() - start})
    return FitAnswer(status=numbers.status, objective=obj, bound=bound, gap=relative_gap(obj, bound),
                     verified=verified, limit_reached=numbers.limit_reached, timings=timings,
                     results=tuple(results), result=point, message=numbers.message)
