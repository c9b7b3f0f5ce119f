"""The `clustering` benchmark suite: SDP K-means (Peng-Wei) and iLA-SDP beside exact K-means
(tiny n) and the k-means++ / EM references.

Methods: 'ExactKMeans' (branch and bound over partitions, `exact_kmeans`, n <= 40: the baseline
of the quick set), 'SDPKMeans' (on `backend`: scs, clarabel; its certified lower bound on the
inertia of every partition is `bound`), 'ILASDP' (defaults, on scs), 'KMeans' (scikit-learn,
k-means++, n_init = 10: the reference of the paper set), 'EM' (GaussianMixture, defaults), and
in the paper set 'EM-BIC' (n_init = 10 fits with full, diagonal and spherical covariances, the
lowest BIC). Objective of every method: the K-means inertia of its labels (a common yardstick;
ILASDP's own likelihood objective is `own_objective`); status OPTIMAL only where the optimum is
proved (ExactKMeans finished; SDPKMeans's bound met). Extras: error (mis-clustering rate under
the best label matching), certified (SDPKMeans: exact recovery certified).

    quick: gaussian_mixture n = 30, d = 2: K = 3 separation 4 and K = 2 separation 3, and a
           heterogeneous K = 3, d = 3, n = 30 mixture, seeds 0 and 1; 60 s per run;
           baseline = the exact K-means optimum
    paper: the settings of docs/studies.md (examples/clustering_benchmark.py): two common and
           three heterogeneous mixtures (n = 60-90) x seeds 0..19, and iris, wine, digits
           (standardised; scikit-learn's copies); 120 s per run; baseline = KMeans's inertia
"""
from __future__ import annotations

import functools
import time
import warnings
from typing import Any

import numpy as np

from optlib.suites.base import Run

from .._suite_common import MethodSuite, from_answer, number
from .data import gaussian_mixture, load_real
from .exact import exact_kmeans
from .ilasdp import ILASDP
from .kmeans_sdp import SDPKMeans
from .metrics import inertia, misclustering_error

QUICK = {
    "common-K3-d2-sep4-n30": dict(n=30, n_clusters=3, dim=2, separation=4.0),
    "common-K2-d2-sep3-n30": dict(n=30, n_clusters=2, dim=2, separation=3.0),
    "hetero-K3-d3-sep3-n30": dict(n=30, n_clusters=3, dim=3, separation=3.0, covariance="heterogeneous", ratio=4.0),
}
PAPER = {
    "common-K3-d2-sep8-n60": dict(n=60, n_clusters=3, dim=2, separation=8.0),
    "common-K3-d2-sep4-n60": dict(n=60, n_clusters=3, dim=2, separation=4.0),
    "hetero-K2-d5-sep4-ratio9-n60": dict(n=60, n_clusters=2, dim=5, separation=4.0, covariance="heterogeneous",
                                         ratio=9.0, anisotropy=4.0),
    "hetero-K3-d5-sep4-ratio6-n90": dict(n=90, n_clusters=3, dim=5, separation=4.0, covariance="heterogeneous",
                                         ratio=6.0, anisotropy=4.0),
    "adversarial-K3-d4-sep3-n90": dict(n=90, n_clusters=3, dim=4, separation=3.0, covariance="heterogeneous",
                                       ratio=4.0, adversarial=True),
}
REAL = ("iris", "wine", "digits")
SDP_MAX_N = 200                       # the SDP path up to here, the low-rank one above (as the example)


@functools.lru_cache(maxsize=8)
def dataset(setting: str, seed: int) -> tuple[np.ndarray, np.ndarray, int]:
    """(X, y, K) of a mixture setting (seeded) or a real data set."""
    if setting in REAL:
        return load_real(setting)
    kw = {**QUICK, **PAPER}[setting]
    X, y = gaussian_mixture(random_state=seed, **kw)
    return X, y, int(kw["n_clusters"])


@functools.lru_cache(maxsize=8)
def exact_optimum(setting: str, seed: int, time_limit: float | None) -> float | None:
    """The minimum K-means inertia (None when the search did not finish)."""
    X, _, K = dataset(setting, seed)
    e = exact_kmeans(X, K, time_limit=time_limit)
    return float(e.inertia) if e.optimal else None


@functools.lru_cache(maxsize=8)
def kmeans_reference(setting: str, seed: int) -> float:
    """Inertia of scikit-learn's KMeans (k-means++, n_init = 10, random_state = seed)."""
    from sklearn.cluster import KMeans

    X, _, K = dataset(setting, seed)
    return float(inertia(X, KMeans(K, n_init=10, random_state=seed).fit_predict(X)))


class ClusteringSuite(MethodSuite):
    """SDPKMeans and ILASDP beside exact K-means and the references (see the module docstring)."""

    name = "clustering"
    handlers = {"ExactKMeans": "_exact", "SDPKMeans": "_sdp", "ILASDP": "_ilasdp", "KMeans": "_kmeans",
                "EM": "_em", "EM-BIC": "_em"}

    def _runs(self, which: str, data: str | None) -> list[Run]:
        out: list[Run] = []
        if which == "quick":
            settings, seeds, limit = list(QUICK), (0, 1), 60.0
        else:
            settings, seeds, limit = list(PAPER) + list(REAL), range(20), 120.0
        for setting in settings:
            for seed in ((0,) if setting in REAL else seeds):
                inst = setting
                o = {"setting": setting, "time_limit": limit}
                if which == "quick":
                    out.append(Run(self.name, inst, "ExactKMeans", "", seed, o))
                    out.append(Run(self.name, inst, "SDPKMeans", "clarabel", seed, o))
                out.append(Run(self.name, inst, "SDPKMeans", "scs", seed, o))
                out.append(Run(self.name, inst, "ILASDP", "scs", seed, o))
                out.append(Run(self.name, inst, "KMeans", "", seed, o))
                out.append(Run(self.name, inst, "EM", "", seed, o))
                if which == "paper":
                    out.append(Run(self.name, inst, "EM-BIC", "", seed, o))
        return out

    # -- handlers ------------------------------------------------------------------------
    def _finish(self, run: Run, labels: np.ndarray, out: dict[str, Any]) -> dict[str, Any]:
        setting = str(run.options["setting"])
        X, y, _ = dataset(setting, run.seed)
        out["objective"] = number(inertia(X, labels))
        out["error"] = number(misclustering_error(y, labels))
        t0 = time.perf_counter()
        if setting in QUICK:
            out["baseline"] = exact_optimum(setting, run.seed, run.options.get("time_limit"))
        else:
            out["baseline"] = kmeans_reference(setting, run.seed)
        out["baseline_seconds"] = time.perf_counter() - t0
        return out

    @staticmethod
    def _plain(status: str, seconds: float, message: str) -> dict[str, Any]:
        return {"status": status, "bound": None, "gap": None, "verified": True, "seconds": seconds,
                "message": message}

    def _exact(self, run: Run) -> dict[str, Any]:
        X, _, K = dataset(str(run.options["setting"]), run.seed)
        t0 = time.perf_counter()
        e = exact_kmeans(X, K, time_limit=run.options.get("time_limit"))
        out = self._plain("OPTIMAL" if e.optimal else "FEASIBLE", time.perf_counter() - t0,
                          f"branch and bound over partitions, {e.nodes} nodes" + ("" if e.optimal else
                                                                                   "; stopped at the time limit"))
        out = self._finish(run, e.labels, out)
        if e.optimal:
            out["bound"], out["gap"] = out["objective"], 0.0
        return out

    def _sdp(self, run: Run) -> dict[str, Any]:
        X, _, K = dataset(str(run.options["setting"]), run.seed)
        solver = "sdp" if X.shape[0] <= SDP_MAX_N else "lowrank"
        t0 = time.perf_counter()
        est = SDPKMeans(K, solver=solver, backend=run.backend or "auto", random_state=run.seed,
                        time_limit=run.options.get("time_limit")).fit(X)
        out = from_answer(est.answer_, seconds=time.perf_counter() - t0, certified=bool(est.optimal_),
                          path=str(est.path_))
        out["message"] = str(est.solve_status_)
        return self._finish(run, est.labels_, out)

    def _ilasdp(self, run: Run) -> dict[str, Any]:
        X, _, K = dataset(str(run.options["setting"]), run.seed)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est = ILASDP(K, backend=run.backend or "scs", random_state=run.seed,
                         time_limit=run.options.get("time_limit")).fit(X)
        a = est.answer_
        out = self._plain("FEASIBLE", time.perf_counter() - t0,
                          f"objective: the K-means inertia of its labels; own objective ({a.sense}) "
                          f"{a.status.name}, covariance {est.covariance_type_}")
        out["own_objective"], out["own_verified"] = number(a.objective), bool(a.verified)
        return self._finish(run, est.labels_, out)

    def _kmeans(self, run: Run) -> dict[str, Any]:
        from sklearn.cluster import KMeans

        X, _, K = dataset(str(run.options["setting"]), run.seed)
        t0 = time.perf_counter()
        labels = KMeans(K, n_init=10, random_state=run.seed).fit_predict(X)
        return self._finish(run, labels, self._plain("FEASIBLE", time.perf_counter() - t0,
                                                     "k-means++, n_init=10 (a local optimum)"))

    def _em(self, run: Run) -> dict[str, Any]:
        from sklearn.mixture import GaussianMixture

        X, _, K = dataset(str(run.options["setting"]), run.seed)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if run.method == "EM":
                gm = GaussianMixture(K, random_state=run.seed).fit(X)
            else:
                fits = [GaussianMixture(K, covariance_type=ct, random_state=run.seed, n_init=10).fit(X)
                        for ct in ("full", "diag", "spherical")]
                gm = min(fits, key=lambda g: g.bic(X))
        labels = gm.predict(X)
        return self._finish(run, labels, self._plain("FEASIBLE", time.perf_counter() - t0,
                                                     "Gaussian mixture by EM (labels: most likely component)"))
