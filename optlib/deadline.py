"""One deadline shared by every layer of a call.

A method that is given `time_limit=T` makes one `Deadline(T)` and hands it down: each solve,
each loop and the post-processing ask it how much time is left, so the whole call, not each
piece, stays within T (MathOpt's and JuMP's time limits are per solve; a method built on many
solves needs the sum bounded).

    dl = Deadline(time_limit)             # None: no limit
    while not dl.expired():
        res = model.solve(time_limit=dl.left(floor=0.5))   # at least 0.5 s for a solve
    if dl.expired(): ...                  # skip optional post-processing
"""
from __future__ import annotations

import math
import numbers
import time


class Deadline:
    """`time_limit` seconds from now (from `start`, a time.perf_counter() value, if given).

    `None` means no limit: `left()` is None and `expired()` is always False. Validation is the
    same as for `Model.solve(time_limit=...)`: a positive finite number of seconds."""

    __slots__ = ("time_limit", "start")

    def __init__(self, time_limit: float | None = None, start: float | None = None):
        if time_limit is not None:
            if (isinstance(time_limit, bool) or not isinstance(time_limit, numbers.Real)
                    or not 0 < time_limit < math.inf):
                raise ValueError(f"time_limit must be a positive number of seconds, got {time_limit!r}")
            time_limit = float(time_limit)
        self.time_limit = time_limit
        self.start = time.perf_counter() if start is None else float(start)

    @classmethod
    def of(cls, value: "Deadline | float | None") -> "Deadline":
        """A Deadline from a Deadline (returned as is), a number of seconds or None."""
        return value if isinstance(value, Deadline) else cls(value)

    @property
    def limited(self) -> bool:
        return self.time_limit is not None

    def elapsed(self) -> float:
        """Seconds since the start."""
        return time.perf_counter() - self.start

    def remaining(self) -> float | None:
        """Seconds left (>= 0), or None without a limit."""
        if self.time_limit is None:
            return None
        return max(0.0, self.time_limit - self.elapsed())

    def left(self, floor: float = 0.0, fraction: float = 1.0) -> float | None:
        """The time limit to give the next piece of work: `fraction` of what is left, at least
        `floor` seconds (a solver needs some time even when the budget is spent; the floor is
        what a caller accepts to overshoot by), None without a limit."""
        rem = self.remaining()
        if rem is None:
            return None
        return max(float(floor), fraction * rem, 1e-3)

    def expired(self) -> bool:
        """True once the limit has passed (never without a limit)."""
        rem = self.remaining()
        return rem is not None and rem <= 0.0

    def sub(self, time_limit: float | None) -> "Deadline":
        """A deadline for a part of the work: `time_limit` seconds from now, but never past this one."""
        rem = self.remaining()
        if time_limit is None and rem is None:
            return Deadline(None)
        limit = min(float(time_limit) if time_limit is not None else math.inf,
                    rem if rem is not None else math.inf)
        return Deadline(max(limit, 1e-9))     # an expired parent gives an expired (not invalid) child

    def __repr__(self) -> str:
        if self.time_limit is None:
            return "Deadline(None)"
        return f"Deadline({self.time_limit:g} s, {self.remaining():.3g} s left)"
