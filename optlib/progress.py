"""Opt-in progress output for long method calls (fit / solve loops), silent by default.

    report = Reporter(progress, "CCG")          # progress: False/None, True / "lines", "bar", or a callable
    report.step(iteration=3, incumbent=5.2, bound=5.9)   # one line: 'CCG: iteration 3, incumbent 5.2, ...'
    report("evaluating the answer")              # a free-form line
    report.close()

`progress` is False or None (nothing, the default everywhere), True or "lines" (one line per step on
stderr), "bar" (a tqdm bar on stderr with the step's fields as its postfix when tqdm is installed, else
lines), or a callable taking each line (e.g. `print` or `logging.info`).  Lines carry the seconds since
the reporter was made.  A callable with an `on_step(fields)` method also gets each step's fields as
a dict (numbers unformatted), e.g. optlib.bench.trace.TraceRecorder for gap-over-time traces.
"""
from __future__ import annotations

import math
import sys
import time
from typing import Any, Callable, Union

ProgressArg = Union[bool, str, None, Callable[[str], Any]]
MODES = ("lines", "bar")


def check_progress(progress: Any, name: str = "progress") -> Any:
    """`progress` if valid (False, None, True, 'lines', 'bar' or a callable), else ValueError naming `name`."""
    if progress is None or isinstance(progress, bool) or callable(progress) or progress in MODES:
        return progress
    raise ValueError(f"{name} must be True, False, None, 'lines', 'bar' or a callable taking a line, got {progress!r}")


def _fmt(v: Any) -> str:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, int):
        return str(v)
    return f"{v:.6g}" if math.isfinite(v) else str(v)


class Reporter:
    """Progress lines (or a tqdm bar) for one long call labelled `label`; does nothing when disabled."""

    def __init__(self, progress: ProgressArg, label: str, total: int | None = None, stream: Any = None) -> None:
        progress = check_progress(progress)
        self.label, self.total = label, total
        self.enabled = bool(progress)
        self.stream = stream
        self._sink: Callable[[str], Any] | None = progress if callable(progress) else None
        # a sink with on_step(fields) (e.g. optlib.bench.trace.TraceRecorder) also gets each step's fields
        self._on_step: Callable[[dict], Any] | None = getattr(self._sink, "on_step", None)
        self._bar: Any = None
        self._t0 = time.perf_counter()
        if progress == "bar":
            try:
                from tqdm import tqdm
            except ImportError:
                pass                                    # plain lines instead
            else:
                self._bar = tqdm(total=total, desc=label, file=self._out(), leave=True, dynamic_ncols=True)

    def _out(self) -> Any:
        return self.stream if self.stream is not None else sys.stderr

    def __call__(self, text: str) -> None:
        """One free-form line (after the label and the elapsed seconds)."""
        if not self.enabled:
            return
        line = f"{self.label} ({time.perf_counter() - self._t0:.1f} s): {text}"
        if self._sink is not None:
            self._sink(line)
        elif self._bar is not None:
            self._bar.write(line, file=self._out())
        else:
            print(line, file=self._out(), flush=True)

    def step(self, n: int = 1, **fields: Any) -> None:
        """One step done; `fields` (iteration, incumbent, bound, ...) go into the line or the bar's postfix."""
        if not self.enabled:
            return
        if self._on_step is not None:
            self._on_step(dict(fields))
        if self._bar is not None:
            self._bar.set_postfix_str(", ".join(f"{k} {_fmt(v)}" for k, v in fields.items()), refresh=False)
            self._bar.update(n)
        else:
            self(", ".join(f"{k.replace('_', ' ')} {_fmt(v)}" for k, v in fields.items()))

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> "Reporter":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
