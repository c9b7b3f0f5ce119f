"""The one answer protocol every method result follows (and `optlib.Result` itself).

Whatever a method computes (a scoring system, a Lipschitz bound, a core shape, a robust plan,
a clustering), its result says the same things the same way:

    status         optlib.Status (never a string)
    objective      the incumbent's value in the user's sense (None when there is none); a
                   method may also call it `value` (a Lipschitz bound), with the same number
    bound          the certified bound on the optimum (-inf / +inf when none)
    gap            optlib.relative_gap(objective, bound)
    verified       every claim above re-checked (see docs/certificates.md)
    limit_reached  'time_limit', 'iteration_limit', ... or None
    timings        {'total': seconds, ...} (more keys per method)
    results        the optlib.Result(s) of the solves behind it

`Answer` is a typing.Protocol, so a method's own dataclass satisfies it by having these
attributes; `check_answer` asserts it at run time (the test suite runs it on every method).
"""
from __future__ import annotations

import math
from typing import Any, Mapping, Protocol, Sequence, runtime_checkable

from .result import relative_gap
from .status import Status


@runtime_checkable
class Answer(Protocol):
    status: Status
    objective: float | None
    bound: float
    gap: float
    verified: bool
    limit_reached: str | None

    @property
    def timings(self) -> Mapping[str, float]: ...

    @property
    def results(self) -> Sequence[Any]: ...


class GapFromBound:
    """The protocol's `gap` of a class with `objective` and `bound`: optlib.relative_gap, the one
    formula every method reports."""

    @property
    def gap(self) -> float:
        """|objective - bound| / max(|objective|, 1e-10) (optlib.relative_gap)."""
        return relative_gap(self.objective, self.bound)  # type: ignore[attr-defined]


def check_answer(ans: Any) -> None:
    """AssertionError naming the first attribute of `ans` that breaks the protocol."""
    for name in ("status", "objective", "bound", "gap", "verified", "limit_reached", "timings", "results"):
        assert hasattr(ans, name), f"{type(ans).__name__} has no attribute {name!r}"
    assert isinstance(ans.status, Status), f"{type(ans).__name__}.status is {type(ans.status).__name__}, not optlib.Status"
    assert ans.objective is None or isinstance(ans.objective, float), "objective must be a float or None"
    value = getattr(ans, "value", None)
    if isinstance(value, float):
        assert ans.objective is not None and math.isclose(value, ans.objective), "value must equal objective"
    assert isinstance(ans.bound, float), "bound must be a float (+-inf when there is none)"
    want = relative_gap(ans.objective, ans.bound)
    assert (math.isinf(want) and math.isinf(ans.gap)) or math.isclose(ans.gap, want, rel_tol=1e-9, abs_tol=1e-15), \
        f"gap {ans.gap} is not optlib.relative_gap(objective, bound) = {want}"
    assert isinstance(ans.verified, bool), "verified must be a bool"
    assert ans.limit_reached is None or isinstance(ans.limit_reached, str), "limit_reached must be a str or None"
    assert isinstance(ans.timings, Mapping) and "total" in ans.timings, "timings must be a mapping with 'total'"
    assert isinstance(ans.results, (list, tuple)), "results must be a list or tuple of optlib.Result"
