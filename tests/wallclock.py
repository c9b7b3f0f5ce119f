"""Timing for the time-limit tests on a shared machine.

`Clock` measures a block's wall time and this process's CPU time (all its threads);
`elapsed` is the smaller. A method that honours its time limit stays within the limit on both
when the machine is idle; when other jobs share the cores the wall time of its last steps grows
while its CPU time does not, so the smaller one still tells whether the method stopped in time.
A method that ignores its limit runs long on both clocks, and the tests still fail.
"""
from __future__ import annotations

import time


class Clock:
    def __enter__(self) -> "Clock":
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.perf_counter() - self.wall0
        self.cpu = time.process_time() - self.cpu0

    @property
    def elapsed(self) -> float:
        return min(self.wall, self.cpu)
