"""The file suite `mps`: every backend on every .mps/.lp file (optlib.read + solve + certify).

    optlib bench mps --suite quick               # 12 small HiGHS check instances x installed backends
    optlib bench mps --suite paper               # all 23 HiGHS check instances
    optlib bench mps --data DIR                  # every .mps/.lp(.gz) file in DIR
    optlib bench a.mps b.lp --backends highs     # these files (the suite `mps` with `files`)

A run is (file, backend). The baseline of a shipped instance is the optimum HiGHS's own
tests assert (optlib.datasets.highs_check), so `objective / baseline` checks every backend
against it; `extra` says what the instance is expected to give (optimal / infeasible / invalid).
A backend that cannot take an instance (wrong problem class, not installed) or a file that
cannot be read gives status 'n/a' with the reason; a solver crash 'ERROR'.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

from .base import Run, check_set, register_suite

#: the quick set: small HiGHS check instances (LPs, infeasible LPs, MIPs) that every installed
#: backend finishes in well under a second each
QUICK = ("afiro", "adlittle", "sctest", "chip", "blending", "dD2e", "box1", "woodinfe",
         "flugpl", "egout", "small_mip", "p01")
DEFAULT_TIME_LIMIT = 60.0
_SUFFIXES = (".mps", ".lp", ".mps.gz", ".lp.gz")


def default_backends() -> list[str]:
    """Every registered native backend whose package is installed (as `optlib backends` shows)."""
    from ..backend import get_backend, registered_names

    out = []
    for name in registered_names():
        try:
            if get_backend(name).available():
                out.append(name)
        except (ImportError, ValueError):
            continue
    return out


def files_in(folder: str | os.PathLike) -> list[Path]:
    """The .mps / .lp files (gzipped or not) directly in `folder`, sorted by name."""
    d = Path(folder)
    if not d.is_dir():
        raise FileNotFoundError(f"data folder not found: {d}")
    found = sorted(p for p in d.iterdir() if p.is_file() and p.name.lower().endswith(_SUFFIXES))
    if not found:
        raise FileNotFoundError(f"no .mps or .lp files (gzipped or not) in {d}")
    return found


class MpsSuite:
    """Files x backends. `files` (paths) replace the shipped instances; `backends` default to
    every installed native backend; `time_limit` (default 60 s), `threads` and `rel_gap` go in
    each run's options (and so in its key)."""

    name = "mps"

    def __init__(self, files: Sequence[str | os.PathLike] | None = None, backends: Sequence[str] | None = None,
                 time_limit: float | None = DEFAULT_TIME_LIMIT, threads: int | None = None,
                 rel_gap: float | None = None) -> None:
        self.files = None if files is None else [str(f) for f in files]
        self.backends = None if backends is None else list(dict.fromkeys(backends))
        self.time_limit, self.threads, self.rel_gap = time_limit, threads, rel_gap

    def _options(self) -> dict[str, Any]:
        opts = {"time_limit": self.time_limit, "threads": self.threads, "rel_gap": self.rel_gap}
        return {k: v for k, v in opts.items() if v is not None}

    def runs(self, which: str = "quick", data: str | None = None) -> list[Run]:
        """Given files (or the files in `data`) x backends; otherwise the shipped HiGHS check
        instances: QUICK for 'quick', all of them for 'paper'."""
        check_set(self, which)
        backends = self.backends if self.backends is not None else default_backends()
        opts = self._options()
        runs = []
        if self.files is not None or data is not None:
            paths = self.files if self.files is not None else [str(p) for p in files_in(data)]
            for path in paths:
                inst = os.path.basename(path) or path
                runs += [Run(self.name, inst, "backend", be, 0, {**opts, "path": path}) for be in backends]
            return runs
        from ..datasets import highs_check

        for inst in highs_check():
            if which == "quick" and inst.name not in QUICK:
                continue
            runs += [Run(self.name, inst.name, "backend", be, 0, dict(opts)) for be in backends]
        return runs

    def execute(self, run: Run) -> dict[str, Any]:
        """Read the run's file, solve it on its backend (optlib certifies the answer) and return
        the outcome: status, objective, bound, gap, verified, baseline, message, plus the solve
        time, the backend that ran, its version, the certificate kind and the expected outcome."""
        from .. import read
        from ..bench.files import run_one

        opts = run.options
        known = None
        if opts.get("path"):
            path = str(opts["path"])
        else:
            from ..datasets import highs_check

            known = next((i for i in highs_check() if i.name == run.instance), None)
            if known is None:
                return {"status": "n/a", "message": f"no shipped instance called {run.instance!r} "
                                                     f"(see optlib.datasets.highs_check)"}
            path = str(known.path)
        # a shipped instance is named by its place in the package, not by this machine's path
        extra: dict[str, Any] = {"path": path if known is None else f"optlib.datasets/highs_check/{known.path.name}"}
        if known is not None:
            extra["expected"] = known.expected
        try:
            model = read(path)
        except Exception as exc:     # a bad file is an n/a row, not a crash
            return {"status": "n/a", "message": f"cannot read {run.instance}: {' '.join(str(exc).split())}",
                    "extra": extra}
        rec = run_one(model, run.backend, time_limit=opts.get("time_limit"), threads=opts.get("threads"),
                      rel_gap=opts.get("rel_gap"), instance=run.instance, path=path)
        extra.update(solve_s=rec.time, total_s=rec.total_time, problem_class=rec.problem_class, sense=rec.sense,
                     resolved_backend=rec.resolved_backend, backend_version=rec.backend_version,
                     certificate=rec.certificate, solver_status=rec.solver_status, solver_bound=rec.solver_bound)
        return {"status": rec.status, "objective": rec.objective, "bound": rec.bound, "gap": rec.gap,
                "verified": rec.verified, "baseline": None if known is None else known.optimum,
                "message": rec.reason, "extra": extra}


register_suite("mps", MpsSuite)
