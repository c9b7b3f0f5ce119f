"""The `robust` benchmark suite: Neur2RO (the shipped pretrained knapsack model) beside exact
column-and-constraint generation (CCG) on two-stage robust knapsack instances.

Methods: 'CCG' (exact, on `backend`; the baseline where it proves the optimum), 'Neur2RO' (the
fast configuration of docs/benchmarks.md: local-search main problem, 4 scenarios per iteration,
heuristic adversary) and, in the paper set, 'Neur2RO-MIP' (the paper's MIP main problem with
OBBT big-M bounds, the adversary MIP after the heuristic). Objective: the certified worst-case
profit of the returned first stage (a maximisation; Neur2RO's is its exact evaluation, it proves
no bound); CCG's bound is an upper bound on the robust optimum. Extras: iterations, stop_reason,
predicted (Neur2RO's network value), rel_err = (baseline - objective) / baseline, and for CCG its
trace (seconds, certified incumbent, bound) per round (`optlib bench report --plot-gap`).

    quick: two shipped n = 20 instances of the distribution the network was trained on
           (RKP_UN_n20 h40 and h80), where CCG proves the optimum in seconds; baseline = the best
           known value of the branch-and-price results; 60 s per run. (Generated instances,
           'gen-UN-n10' with the run's seed, can be run by name: on n = 10, h = 40 Neur2RO is
           20-50 % below the optimum, outside its training distribution.)
    paper: the 14 instances of docs/benchmarks.md (RKP_{ASC,UN}_n{20..80}_R1000_H100_h40_dev0.15_d0.1,
           shipped with optlib), Neur2RO and Neur2RO-MIP with 60 s for the loop and 120 s for the
           exact evaluation, CCG (120 s) on n = 20 and 30; baseline = the best known value of the
           branch-and-price results (robust/knapsack_branch_and_price_results.csv)
    neur2ro: the held-out study of Neur2RO's defaults (docs/benchmarks.md): 6 shipped n = 30 / 40
           instances (every 24th file of each size among all 504: ASC / SC h40, UN h80), CCG and
           Neur2RO (default config, exact evaluation inside the limit) with 60 s each; extras
           loop_seconds and eval_seconds (the certified evaluation of the answer)
Neur2RO needs torch to load the pretrained model (`pip install torch==2.13.0`).
"""
from __future__ import annotations

import csv
import functools
import time
from typing import Any

from optlib.bench.trace import TraceRecorder
from optlib.suites.base import Run

from .._suite_common import MethodSuite, from_answer, locate, missing_package, number
from .ccg import ccg
from .knapsack import generate_knapsack, load_knapsack

QUICK: tuple[tuple[int, int], ...] = ()       # generated (n, seed) pairs; none: out of the trained distribution
QUICK_FILES = ("RKP_UN_n20_R1000_H100_h40_dev0.15_d0.1", "RKP_UN_n20_R1000_H100_h80_dev0.1_d0.1")
PAPER_SIZES = (20, 30, 40, 50, 60, 70, 80)
PAPER_CCG_SIZES = (20, 30)
HELD_OUT = ("RKP_ASC_n30_R1000_H100_h40_dev0.15_d0.1", "RKP_SC_n30_R1000_H100_h40_dev0.2_d0.1",
            "RKP_UN_n30_R1000_H100_h80_dev0.1_d0.1", "RKP_ASC_n40_R1000_H100_h40_dev0.15_d0.1",
            "RKP_SC_n40_R1000_H100_h40_dev0.2_d0.1", "RKP_UN_n40_R1000_H100_h80_dev0.1_d0.1")
FAST = {"main": "local_search", "scenarios_per_iteration": 4, "adversary": "heuristic"}


def paper_name(corr: str, n: int) -> str:
    return f"RKP_{corr}_n{n}_R1000_H100_h40_dev0.15_d0.1"


@functools.lru_cache(maxsize=4)
def instance(name: str, seed: int, data: str | None = None) -> Any:
    """'gen-UN-n10' (generated with the run's seed) or an RKP_* file name."""
    if name.startswith("gen-"):
        _, corr, n = name.split("-")
        return generate_knapsack(int(n[1:]), correlation=corr, h=40, seed=seed, integral=True)
    return load_knapsack(locate(f"robust/knapsack/{name}", data))


@functools.lru_cache(maxsize=2)
def best_known(data: str | None = None) -> dict[str, float]:
    """Best primal bounds of the branch-and-price results, by instance name."""
    from optlib.datasets.files import open_text

    with open_text(locate("robust/knapsack_branch_and_price_results.csv", data)) as fh:
        return {r["File name"]: float(r["Best primal bound"]) for r in csv.DictReader(fh)}


@functools.lru_cache(maxsize=8)
def ccg_optimum(name: str, seed: int, time_limit: float, data: str | None = None) -> float | None:
    """CCG's proved optimum (None when it does not prove one within `time_limit`)."""
    c = ccg(instance(name, seed, data), time_limit=time_limit)
    return number(c.value) if c.status.name == "OPTIMAL" else None


@functools.lru_cache(maxsize=2)
def _model(config: tuple) -> Any:
    from .neur2ro import Neur2RO

    return Neur2RO.pretrained("knapsack", **dict(config))


class RobustSuite(MethodSuite):
    """Neur2RO beside exact CCG (see the module docstring)."""

    name = "robust"
    sets = ("quick", "paper", "neur2ro")
    handlers = {"CCG": "_ccg", "Neur2RO": "_neur2ro", "Neur2RO-MIP": "_neur2ro"}

    def _runs(self, which: str, data: str | None) -> list[Run]:
        out: list[Run] = []
        if which == "quick":
            o = {"time_limit": 60.0}
            extra = {} if data is None else {"data": str(data)}
            for name in QUICK_FILES:
                out.append(Run(self.name, name, "CCG", "highs", 0, {**o, **extra}))
                out.append(Run(self.name, name, "Neur2RO", "", 0, {**o, "eval_time_limit": 60.0, **extra}))
            for n, seed in QUICK:
                inst = f"gen-UN-n{n}"
                out.append(Run(self.name, inst, "CCG", "highs", seed, o))
                out.append(Run(self.name, inst, "Neur2RO", "", seed, {**o, "eval_time_limit": 60.0}))
            return out
        extra = {} if data is None else {"data": str(data)}
        locate("robust/knapsack_branch_and_price_results.csv", data)    # fail early, naming the file
        if which == "neur2ro":
            for inst in HELD_OUT:
                locate(f"robust/knapsack/{inst}", data)
                out.append(Run(self.name, inst, "CCG", "highs", 0, {"time_limit": 60.0, **extra}))
                out.append(Run(self.name, inst, "Neur2RO", "", 0, {"time_limit": 60.0, "eval_time_limit": 60.0,
                                                                    **extra}))
            return out
        for n in PAPER_SIZES:
            for corr in ("ASC", "UN"):
                inst = paper_name(corr, n)
                locate(f"robust/knapsack/{inst}", data)
                for m in ("Neur2RO", "Neur2RO-MIP"):
                    out.append(Run(self.name, inst, m, "", 0, {"time_limit": 60.0, "eval_time_limit": 120.0, **extra}))
                if n in PAPER_CCG_SIZES:
                    out.append(Run(self.name, inst, "CCG", "highs", 0, {"time_limit": 120.0, **extra}))
        return out

    def missing(self, runs: list[Run]) -> list[str]:
        """torch, when a run uses Neur2RO (its pretrained network is a torch file)."""
        need = any(r.method.startswith("Neur2RO") for r in runs)
        msg = missing_package("torch") if need else None
        return [msg + " (Neur2RO loads its pretrained network with it)"] if msg else []

    def _baseline(self, run: Run) -> float | None:
        data = run.options.get("data")
        if run.instance.startswith("gen-"):
            return ccg_optimum(run.instance, run.seed, float(run.options.get("time_limit") or 60.0), data)
        return best_known(data).get(run.instance)

    @staticmethod
    def _rel_err(out: dict[str, Any]) -> dict[str, Any]:
        b, v = out.get("baseline"), out.get("objective")
        out["rel_err"] = None if b is None or v is None or b == 0 else (b - v) / abs(b)
        return out

    def _ccg(self, run: Run) -> dict[str, Any]:
        inst = instance(run.instance, run.seed, run.options.get("data"))
        t0 = time.perf_counter()
        trace = TraceRecorder()          # each round's incumbent and bound, for gap-over-time plots
        c = ccg(inst, time_limit=run.options.get("time_limit"), backend=run.backend or "highs", progress=trace)
        out = from_answer(c, seconds=time.perf_counter() - t0, iterations=int(c.iterations),
                          stop_reason=c.stop_reason, trace=trace.points)
        if run.instance.startswith("gen-"):
            out["baseline"] = out["objective"] if c.status.name == "OPTIMAL" else self._baseline(run)
        else:
            out["baseline"] = self._baseline(run)
        return self._rel_err(out)

    def _neur2ro(self, run: Run) -> dict[str, Any]:
        msg = missing_package("torch")
        if msg:
            raise ModuleNotFoundError(msg + " (Neur2RO loads its pretrained network with it)")
        config = tuple(sorted(FAST.items())) if run.method == "Neur2RO" else (("config", "paper"),)
        model = _model(config)
        inst = instance(run.instance, run.seed, run.options.get("data"))
        t0 = time.perf_counter()
        r = model.solve(inst, time_limit=run.options.get("time_limit"),
                        eval_time_limit=run.options.get("eval_time_limit", 600.0))
        out = from_answer(r, seconds=time.perf_counter() - t0, iterations=int(r.iterations),
                          stop_reason=r.stop_reason, predicted=number(r.predicted_value),
                          loop_seconds=number(r.timings.get("solve")),
                          eval_seconds=number(r.timings.get("evaluation")))
        out["baseline"] = self._baseline(run)
        return self._rel_err(out)
