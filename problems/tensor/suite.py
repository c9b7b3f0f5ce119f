"""The `tensor` benchmark suite: Tucker core-shape methods beside the exact core shape.

Methods (`core_shape`): 'exact' (dynamic programme, proved optimal: the baseline), 'ip' (the exact
product-chain MILP in optlib on `backend`), 'ip-log-split' (the paper's grid of log-linearised
MILPs, on `backend`), 'greedy' (the paper's true-error baseline), 'hosvd-greedy',
'hosvd-bang-for-buck'. Objective: the packed value sum_n sum_{i <= R_n} sigma_{n,i}^2 (a
maximisation; `bound` an upper bound on its optimum). Extras: shape, size, ratio = packed value /
exact's, error_bound (discarded energy / ||X||^2), rre (squared relative error of the fitted
Tucker decomposition of that shape after `hooi_iters` HOOI sweeps). The singular values are
computed once per instance and not timed (as in docs/studies.md).

    quick: a random Tucker tensor 30^3 of ranks (4, 8, 12) with 10 % noise and a video-like
           16 x 24 x 32 x 3 tensor (the run's seed), budgets 1,000, 3,000, 8,000; 60 s per run
    paper: docs/studies.md: china and flower (scikit-learn's sample images, need Pillow),
           mushroom (order 22, shipped with optlib), random Tucker 100^3 ranks (16, 32, 64) +
           10 % noise, video 64 x 90 x 120 x 3 (seed 0); budgets 4,000 .. 100,000; 5 HOOI sweeps
           (mushroom: truncated HOSVD); greedy on mushroom only up to 16,000
"""
from __future__ import annotations

import functools
import time
from typing import Any

from optlib.suites.base import Run

from .._suite_common import MethodSuite, from_answer, locate, missing_package, number
from .api import core_shape
from .data import load_mushroom, random_tucker, sample_images, video_tensor
from .spectrum import mode_spectra

METHODS = ("exact", "ip", "ip-log-split", "greedy", "hosvd-greedy", "hosvd-bang-for-buck")
MILP = ("ip", "ip-log-split")
QUICK_TENSORS = ("tucker-30", "video-small")
QUICK_BUDGETS = (1000, 3000, 8000)
PAPER_TENSORS = ("china", "flower", "mushroom", "tucker", "video")
PAPER_BUDGETS = (4000, 8000, 16000, 32000, 64000, 100000)


@functools.lru_cache(maxsize=2)
def tensor(name: str, seed: int, data: str | None = None) -> Any:
    """The tensor called `name` (see the module docstring), seeded by `seed` where random."""
    if name == "tucker-30":
        return random_tucker((30, 30, 30), (4, 8, 12), noise=0.1, seed=seed)
    if name == "video-small":
        return video_tensor(16, 24, 32, seed=seed)
    if name == "tucker":
        return random_tucker((100, 100, 100), (16, 32, 64), noise=0.1, seed=seed)
    if name == "video":
        return video_tensor(64, 90, 120, seed=seed)
    if name in ("china", "flower"):
        return sample_images()[name]
    if name == "mushroom":
        return load_mushroom(locate("tensors/mushroom.csv", data))
    raise ValueError(f"unknown tensor {name!r}")


@functools.lru_cache(maxsize=2)
def spectra(name: str, seed: int, data: str | None = None) -> Any:
    return mode_spectra(tensor(name, seed, data))


@functools.lru_cache(maxsize=64)
def exact_value(name: str, seed: int, budget: int, data: str | None = None) -> float:
    """The optimal packed value (the exact DP) for `budget`."""
    return float(core_shape(tensor(name, seed, data), budget, "exact", spectra=spectra(name, seed, data)).objective)


class TensorSuite(MethodSuite):
    """Core-shape methods beside the exact DP (see the module docstring)."""

    name = "tensor"
    handlers = {m: "_shape" for m in METHODS}

    def _runs(self, which: str, data: str | None) -> list[Run]:
        out: list[Run] = []
        extra = {} if data is None else {"data": str(data)}
        if which == "quick":
            for name in QUICK_TENSORS:
                for budget in QUICK_BUDGETS:
                    o = {"tensor": name, "budget": budget, "time_limit": 60.0, "hooi_iters": 0}
                    for m in METHODS:
                        out.append(Run(self.name, f"{name}-b{budget}", m, "highs" if m in MILP else "", 0, o))
            return out
        locate("tensors/mushroom.csv", data)             # fail early, naming the file and its source
        for name in PAPER_TENSORS:
            for budget in PAPER_BUDGETS:
                o = {"tensor": name, "budget": budget, "time_limit": 60.0,
                     "hooi_iters": 0 if name == "mushroom" else 5, **extra}
                for m in METHODS:
                    if m == "greedy" and name == "mushroom" and budget > 16000:
                        continue
                    out.append(Run(self.name, f"{name}-b{budget}", m, "highs" if m in MILP else "", 0, o))
        return out

    def missing(self, runs: list[Run]) -> list[str]:
        """Pillow, when a run reads scikit-learn's sample images."""
        need = any(r.options.get("tensor") in ("china", "flower") for r in runs)
        msg = missing_package("PIL") if need else None
        return [msg + " (scikit-learn reads the sample images china and flower with it)"] if msg else []

    def _shape(self, run: Run) -> dict[str, Any]:
        o = run.options
        name, budget, data = str(o["tensor"]), int(o["budget"]), o.get("data")
        if name in ("china", "flower"):
            msg = missing_package("PIL")
            if msg:
                raise ModuleNotFoundError(msg)
        X, sp = tensor(name, run.seed, data), spectra(name, run.seed, data)
        kw: dict[str, Any] = {"spectra": sp, "time_limit": o.get("time_limit")}
        method = run.method
        if method in MILP:
            kw["backend"] = run.backend or "auto"
            if method == "ip-log-split":
                method, kw["formulation"], kw["eps"] = "ip", "log-split", 0.5
        t0 = time.perf_counter()
        cs = core_shape(X, budget, method, **kw)
        seconds = time.perf_counter() - t0
        best = exact_value(name, run.seed, budget, data)
        out = from_answer(cs, seconds=seconds, shape=list(cs.shape), size=int(cs.size),
                          error_bound=number(cs.error_bound), baseline=best,
                          ratio=number(cs.objective / best) if best else None)
        out["rre"] = number(cs.fit(n_iter=int(o.get("hooi_iters", 0))).rre)
        return out
