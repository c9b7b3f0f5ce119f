"""The `scoring` benchmark suite: SLIM by the support decomposition (exact) and as one IP with
cuts, beside the plain SLIM IP on each backend, and (paper set) the checklist IP.

Methods: 'SLIM-support' (`SLIMClassifier(method='support')`: proves the optimum by interval
branch and bound over feature sets; the exact baseline), 'SLIM-mip' (one IP with
non-separability cuts and a warm start, on `backend`), 'MIP-plain' (the same IP as built, no
cuts or warm start, handed to `backend` as it is; on the paper's MPS instance the SLIM
authors' own IP), 'Checklist' (`ChecklistClassifier`, 5 items, FNR <= 10 %). Objective: the IP
objective (errors + C0 per feature + tie-break; on the MPS instance the authors' units,
errors + 0.09 L0 + eps L1, `reference.mps_objective`). Extras: size (features used),
train_error, method_used.

    quick: seeded synthetic data (integer features 0..3, a sparse integer score plus noise):
           n = 60, d = 5, at most 2 features, seeds 0..3; every method and backend (highs, scip,
           cpsat) proves the optimum in about a second (60 s limit), so outcomes do not depend on
           timing (n = 80, d = 6, 3 features already takes the plain IP 5-60 s on a busy machine);
           baseline = SLIM-support's optimum
    paper: docs/studies.md, 60 s per run: the MIPLIB instance slim_breastcancer_max_5_features
           (MIP-plain, SLIM-mip, SLIM-support on highs, scip, cpsat), SLIM on breastcancer,
           haberman, mammo, heart, spambase (C0 = 0.01, points in -10..10, at most 5 features;
           SLIM-mip on highs, SLIM-support where at most 5,000 feature sets), the heart checklist
           on highs, scip, cpsat. Data: shipped with optlib, or --data DIR / $OPTLIB_DATA.
    uci:   (study) SLIM on heart, breastcancer, haberman, mammo (C0 = 0.01, points in -10..10,
           at most 5 features, 60 s): 'SLIM-bestfirst' (`method='bestfirst'`, the best-first
           support search of `bestfirst.py`) beside 'MIP-plain' on highs, scip, cpsat.
    heart600: (study) 'SLIM-bestfirst' on heart (as in uci) with 600 s: the time to prove the optimum.
"""
from __future__ import annotations

import functools
import time
import warnings
from typing import Any

import numpy as np

from optlib.bench.trace import TraceRecorder
from optlib.suites.base import Run

from .._suite_common import MethodSuite, from_answer, locate, number
from .binarize import Binarizer
from .checklist import ChecklistClassifier
from .data import load_dataset, load_table
from .slim import SLIMClassifier

BACKENDS = ("highs", "scip", "cpsat")
QUICK = ((60, 5, 2, (0, 1, 2, 3)),)      # n, d, max_features, seeds
PAPER_SETS = ("breastcancer", "haberman", "mammo", "heart", "spambase")
SUPPORT_SETS = ("breastcancer", "haberman", "mammo")    # at most 5,000 feature sets of <= 5
UCI_SETS = ("heart", "breastcancer", "haberman", "mammo")
MPS_NAME = "slim_breastcancer_max_5_features"


def synthetic(n: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(X, y): integer features uniform on 0..3; y = [2 x_0 - x_1 + x_2 - 2 + N(0, 1) > 0]."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 4, size=(n, d)).astype(float)
    w = np.zeros(d)
    w[:3] = [2.0, -1.0, 1.0]
    y = (X @ w - 2.0 + rng.normal(0.0, 1.0, n) > 0).astype(int)
    return X, y


@functools.lru_cache(maxsize=16)
def _data(source: str, n: int, d: int, seed: int, data: str | None) -> tuple[np.ndarray, np.ndarray, tuple]:
    if source == "synthetic":
        X, y = synthetic(n, d, seed)
        return X, y, tuple(f"x{j}" for j in range(d))
    X, y, names = load_dataset(str(locate(f"scoring/{source}.csv", data)))
    return X, y, tuple(names)


def _slim_kwargs(o: dict) -> dict[str, Any]:
    kw = {"C0": float(o["C0"]), "coef_bounds": tuple(o["coef_bounds"]), "max_features": int(o["max_features"])}
    if o.get("intercept_bounds") is not None:
        kw["intercept_bounds"] = tuple(o["intercept_bounds"])
    return kw


class ScoringSuite(MethodSuite):
    """SLIM (support decomposition, IP with cuts), the plain IP on each backend, checklists."""

    name = "scoring"
    sets = ("quick", "paper", "uci", "heart600")
    handlers = {"SLIM-support": "_slim", "SLIM-mip": "_slim", "SLIM-bestfirst": "_slim", "MIP-plain": "_plain",
                "Checklist": "_checklist"}

    def _runs(self, which: str, data: str | None) -> list[Run]:
        out: list[Run] = []
        extra = {} if data is None else {"data": str(data)}
        if which == "quick":
            for n, d, K, seeds in QUICK:
                for seed in seeds:
                    inst = f"synthetic-n{n}-d{d}-k{K}"
                    o = {"source": "synthetic", "n": n, "d": d, "C0": 0.01, "coef_bounds": [-5, 5],
                         "max_features": K, "time_limit": 60.0}
                    out.append(Run(self.name, inst, "SLIM-support", "highs", seed, o))
                    for be in BACKENDS:
                        out.append(Run(self.name, inst, "SLIM-mip", be, seed, o))
                        out.append(Run(self.name, inst, "MIP-plain", be, seed, o))
            return out
        if which in ("uci", "heart600"):
            for name in UCI_SETS if which == "uci" else ("heart",):
                locate(f"scoring/{name}.csv", data)
                o = {"source": name, "n": 0, "d": 0, "C0": 0.01, "coef_bounds": [-10, 10], "max_features": 5,
                     "time_limit": 60.0 if which == "uci" else 600.0, **extra}
                out.append(Run(self.name, f"slim-{name}", "SLIM-bestfirst", "highs", 0, o))
                for be in BACKENDS if which == "uci" else ():
                    out.append(Run(self.name, f"slim-{name}", "MIP-plain", be, 0, o))
            return out
        locate(f"mps/{MPS_NAME}.mps", data)                    # fail early, naming the file and its source
        for name in PAPER_SETS + ("heart_raw",):
            locate(f"scoring/{name}.csv", data)
        mps = {"source": "breastcancer", "n": 0, "d": 0, "mps": MPS_NAME, "coef_bounds": [-10, 10],
               "intercept_bounds": [-100, 100], "max_features": 5, "time_limit": 60.0, **extra}
        for be in BACKENDS:
            out.append(Run(self.name, MPS_NAME, "MIP-plain", be, 0, mps))
        for method in ("SLIM-mip", "SLIM-support"):
            for be in BACKENDS:
                out.append(Run(self.name, MPS_NAME, method, be, 0, mps))
        for name in PAPER_SETS:
            o = {"source": name, "n": 0, "d": 0, "C0": 0.01, "coef_bounds": [-10, 10], "max_features": 5,
                 "time_limit": 60.0, **extra}
            out.append(Run(self.name, f"slim-{name}", "SLIM-mip", "highs", 0, o))
            if name in SUPPORT_SETS:
                out.append(Run(self.name, f"slim-{name}", "SLIM-support", "highs", 0, o))
        for be in BACKENDS:
            out.append(Run(self.name, "checklist-heart", "Checklist", be, 0,
                           {"source": "heart_raw", "max_items": 5, "max_fnr": 0.1, "time_limit": 60.0, **extra}))
        return out

    # -- handlers ------------------------------------------------------------------------
    @staticmethod
    def _xy(run: Run) -> tuple[np.ndarray, np.ndarray, tuple]:
        o = run.options
        return _data(str(o["source"]), int(o.get("n", 0)), int(o.get("d", 0)), run.seed, o.get("data"))

    @staticmethod
    def _mps(run: Run) -> Any:
        from .reference import read_slim_mps

        return read_slim_mps(str(locate(f"mps/{run.options['mps']}.mps", run.options.get("data"))))

    def _classifier(self, run: Run, method: str, y: np.ndarray) -> SLIMClassifier:
        o = dict(run.options)
        if "mps" in o:
            o["C0"] = self._mps(run).c0 / len(y)
        return SLIMClassifier(method=method, backend=run.backend or "auto", time_limit=o.get("time_limit"),
                              **_slim_kwargs(o))

    def _slim(self, run: Run) -> dict[str, Any]:
        X, y, names = self._xy(run)
        method = {"SLIM-support": "support", "SLIM-bestfirst": "bestfirst"}.get(run.method, "mip")
        clf = self._classifier(run, method, y)
        t0 = time.perf_counter()
        trace = TraceRecorder()          # the best-first search's incumbent and bound, for gap-over-time plots
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.fit(X, y, progress=trace)
        seconds = time.perf_counter() - t0
        fitted = hasattr(clf, "coef_")
        out = from_answer(clf.result_, seconds=seconds, method_used=getattr(clf, "method_", method),
                          size=int(np.count_nonzero(clf.coef_)) if fitted else None,
                          train_error=number(1 - clf.score(X, y)) if fitted else None)
        if trace.points and "mps" not in run.options:      # in SLIM's own units (not the MIPLIB file's)
            out["trace"] = trace.points
        if "mps" in run.options and fitted:             # the SLIM authors' units
            from .reference import mps_bound, mps_objective, mps_point

            inst = self._mps(run)
            obj = mps_objective(inst, mps_point(inst, clf.coef_, clf.intercept_, X, y))
            bound = mps_bound(inst, clf.problem_, clf.result_, obj)
            out.update(own_objective=out["objective"], own_bound=out["bound"], objective=number(obj),
                       bound=number(bound), gap=number(abs(obj - bound) / max(abs(obj), 1e-10)))
        elif run.method == "SLIM-mip" and run.options.get("source") == "synthetic":
            out["baseline"] = self._baseline(run)
        if run.method == "SLIM-support" and run.options.get("source") == "synthetic":
            out["baseline"] = out["objective"]
        return out

    def _baseline(self, run: Run) -> float | None:
        """SLIM-support's proved optimum (on HiGHS) of a synthetic instance (cheap there; cached)."""
        key = (run.instance, run.seed, tuple(sorted((k, str(v)) for k, v in run.options.items())))
        if key not in _SUPPORT_CACHE:
            X, y, _ = self._xy(run)
            clf = SLIMClassifier(method="support", backend="highs", time_limit=run.options.get("time_limit"),
                                 **_slim_kwargs(run.options))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                clf.fit(X, y)
            r = clf.result_
            _SUPPORT_CACHE[key] = number(r.objective) if r.status.name == "OPTIMAL" else None
        return _SUPPORT_CACHE[key]

    def _plain(self, run: Run) -> dict[str, Any]:
        t_limit = run.options.get("time_limit")
        if "mps" in run.options:
            model = self._mps(run).model
        else:
            X, y, _ = self._xy(run)
            model = SLIMClassifier(**_slim_kwargs(run.options)).build(X, y).model
        t0 = time.perf_counter()
        res = model.solve(backend=run.backend or "auto", time_limit=t_limit)
        out = from_answer(res, seconds=time.perf_counter() - t0)
        if run.options.get("source") == "synthetic":
            out["baseline"] = self._baseline(run)
        return out

    def _checklist(self, run: Run) -> dict[str, Any]:
        o = run.options
        table = load_table(str(locate(f"scoring/{o['source']}.csv", o.get("data"))))
        y = table.pop("target")
        clf = ChecklistClassifier(max_items=int(o["max_items"]), max_fnr=float(o["max_fnr"]), binarizer=Binarizer(),
                                  backend=run.backend or "auto", time_limit=o.get("time_limit"))
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.fit(table, y)
        seconds = time.perf_counter() - t0
        fitted = hasattr(clf, "M_")
        return from_answer(clf.result_, seconds=seconds, size=len(getattr(clf, "items_", [])),
                           train_error=number(1 - clf.score(table, y)) if fitted else None)



#: SLIM-support optima of the synthetic instances computed in this process, by (instance, seed, options)
_SUPPORT_CACHE: dict[tuple, float | None] = {}
