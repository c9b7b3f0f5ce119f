"""The `dag` benchmark suite: TOPO beside the exact DP (ExactDAG) and NOTEARS on simulated SEMs.

Instances: n samples of a linear SEM with Gaussian noise on an ER-k / SF-k DAG with weights
uniform on +-[0.5, 2] (`simulate`, seeded by the run's seed); every method starts from the
same data, TOPO from the order rng(10000 + seed).permutation(d) (as examples/dag_benchmark.py).
Objective of every method: the score F(W) = 1/(2n)||X - XW||_F^2 of its unthresholded W (what
TOPO minimises; ExactDAG proves its minimum over all DAGs, the `baseline` when d <= 12;
NOTEARS's own objective adds 0.1||W||_1 and is kept as `own_objective`). Extras: shd, tpr,
fdr, nnz of the graph thresholded at 0.3 against the true one, and for TOPO `at_optimum`
(objective within 1e-6 relative of the exact optimum).

    quick: ER2, ER4, SF4 x d = 8, 10 x seeds 0, 1, n = 500: TOPO, ExactDAG, NOTEARS (20 s limit)
    paper: d in 10, 20, 50, 100 x ER2, ER4, SF4 x seeds 0..4, n = 1000 (docs/studies.md):
           TOPO (defaults), TOPO-ref (the reference code's sizes, one large search), TOPO-r4
           (4 restarts), ExactDAG (d = 10), NOTEARS (d <= 20, 300 s limit)
"""
from __future__ import annotations

import functools
import time
from typing import Any

import numpy as np

from optlib.suites.base import Run

from .._suite_common import MethodSuite, from_answer, number
from .exact import ExactDAG
from .metrics import count_accuracy
from .notears import NOTEARS
from .score import l2_score
from .simulate import simulate
from .topo import TOPO

EXACT_MAX_D = 12
W_THRESHOLD = 0.3


def instance_name(graph: str, d: int, n: int) -> str:
    """The instance's name; its data also depend on the run's seed."""
    return f"{graph}-d{d}-n{n}"


@functools.lru_cache(maxsize=8)
def instance(graph: str, d: int, n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X, W_true, initial order) of the instance (cached: every method of a seed sees the same data)."""
    kind, k = graph[:2], int(graph[2:])
    X, W_true = simulate(n, d, kind, k, "gauss", random_state=seed)
    order = np.random.default_rng(10_000 + seed).permutation(d)
    return X, W_true, order


@functools.lru_cache(maxsize=8)
def exact_optimum(graph: str, d: int, n: int, seed: int) -> float:
    """min over all DAGs of F(W) on the instance (ExactDAG's proved optimum)."""
    X, _, _ = instance(graph, d, n, seed)
    return float(ExactDAG().fit(X).result_.objective)


class DAGSuite(MethodSuite):
    """TOPO, ExactDAG and NOTEARS side by side (see the module docstring)."""

    name = "dag"
    handlers = {"TOPO": "_topo", "TOPO-ref": "_topo", "TOPO-r4": "_topo", "ExactDAG": "_exact",
                "NOTEARS": "_notears"}

    def _runs(self, which: str, data: str | None) -> list[Run]:
        if which == "quick":
            grid, ds, n, seeds, nt_limit = ("ER2", "ER4", "SF4"), (8, 10), 500, (0, 1), 20.0
        else:
            grid, ds, n, seeds, nt_limit = ("ER2", "ER4", "SF4"), (10, 20, 50, 100), 1000, range(5), 300.0
        out = []
        for d in ds:
            for graph in grid:
                for seed in seeds:
                    inst = instance_name(graph, d, n)
                    common = {"graph": graph, "d": d, "n": n}

                    def add(method: str, **opts: Any) -> None:
                        out.append(Run(self.name, inst, method, "", seed, {**common, **opts}))

                    add("TOPO")
                    if which == "paper":
                        add("TOPO-ref")
                        add("TOPO-r4")
                    if d <= EXACT_MAX_D:
                        add("ExactDAG")
                    if d <= 20:
                        add("NOTEARS", time_limit=nt_limit)
        return out

    # -- handlers ------------------------------------------------------------------------
    @staticmethod
    def _data(run: Run) -> tuple[str, int, int, np.ndarray, np.ndarray, np.ndarray]:
        o = run.options
        graph, d, n = str(o["graph"]), int(o["d"]), int(o["n"])
        return (graph, d, n) + instance(graph, d, n, run.seed)

    def _finish(self, run: Run, est: Any, seconds: float, **extra: Any) -> dict[str, Any]:
        graph, d, n, X, W_true, _ = self._data(run)
        acc = count_accuracy(W_true, est.adjacency_)
        out = from_answer(est.result_, seconds=seconds, score=number(l2_score(X, est.weights_)),
                          shd=int(acc["shd"]), tpr=number(acc["tpr"]), fdr=number(acc["fdr"]), nnz=int(acc["nnz"]),
                          **extra)
        out["objective"] = out["score"]
        if d <= EXACT_MAX_D:
            t0 = time.perf_counter()
            out["baseline"] = exact_optimum(graph, d, n, run.seed)
            out["baseline_seconds"] = time.perf_counter() - t0
            out["at_optimum"] = bool(out["objective"] is not None
                                     and out["objective"] <= out["baseline"] * (1 + 1e-6) + 1e-12)
        return out

    def _topo(self, run: Run) -> dict[str, Any]:
        _, d, _, X, _, order = self._data(run)
        kw: dict[str, Any] = {"init": order, "time_limit": run.options.get("time_limit")}
        if run.method == "TOPO-ref":            # the reference code's settings
            pairs = d * (d - 1) // 2
            kw.update(size_small=min(100, pairs), size_large=min(400, pairs), max_large_search=1)
        elif run.method == "TOPO-r4":
            kw.update(n_restarts=4, random_state=run.seed)
        t0 = time.perf_counter()
        est = TOPO(**kw).fit(X)
        return self._finish(run, est, time.perf_counter() - t0, n_iter=int(est.n_iter_),
                            converged=bool(est.converged_))

    def _exact(self, run: Run) -> dict[str, Any]:
        X = self._data(run)[3]
        t0 = time.perf_counter()
        est = ExactDAG(w_threshold=W_THRESHOLD, time_limit=run.options.get("time_limit")).fit(X)
        return self._finish(run, est, time.perf_counter() - t0)

    def _notears(self, run: Run) -> dict[str, Any]:
        X = self._data(run)[3]
        t0 = time.perf_counter()
        est = NOTEARS(lambda1=0.1, w_threshold=W_THRESHOLD, time_limit=run.options.get("time_limit")).fit(X)
        seconds = time.perf_counter() - t0
        out = self._finish(run, est, seconds, own_objective=number(est.result_.objective),
                           converged=bool(est.converged_))
        out["message"] = "objective: F(W) without the L1 term (own_objective has it); " + out["message"]
        return out
