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
    ilasdp-em: (study, issue 20) where ILASDP beats EM-BIC and why it cannot on K = 2: the
           heterogeneous paper mixtures, hetero K = 2 seeds 0..19 and 400..419, hetero K = 3 and
           adversarial seeds 400..419 (13.5 min, 784 s CPU, on 2 loaded cores); per seed 'EM-BIC', 'ILASDP' and
           'LA-SDP-from-EM-BIC' (ILASDP(init = EM-BIC's labels, n_init = 1) in ILASDP's covariance
           model: the SDP step as a refinement of the EM-BIC partition); 120 s per run. Extras
           compare every partition with EM-BIC's of the same seed (`compare_with_em_bic`):
           em_bic_error, points_vs_em_bic (points fewer misclustered than EM-BIC), same_as_em_bic,
           mixture_loglik / em_bic_mixture_loglik (EM started from the partition / from EM-BIC's,
           in the run's covariance model: EM-BIC's criterion), l_nu / em_bic_l_nu (ILASDP's
           criterion, nu = 10) and basin ('same partition'; 'one basin': EM from either ends
           within BASIN_NATS, they differ only in the labelling; 'two basins': EM-BIC stopped at
           another local optimum). Findings: docs/benchmarks.md and docs/studies.md (issue 20).
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
from .refine import em_refine
from .starts import labels_loglik

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
#: the ilasdp-em study set: the heterogeneous paper settings and their seeds
ILASDP_EM = {
    "hetero-K2-d5-sep4-ratio9-n60": tuple(range(0, 20)) + tuple(range(400, 420)),
    "hetero-K3-d5-sep4-ratio6-n90": tuple(range(400, 420)),
    "adversarial-K3-d4-sep3-n90": tuple(range(400, 420)),
}
NU = 10.0            # the shrinkage of l_nu, ILASDP's selection criterion (its default)
BASIN_NATS = 0.5     # EM from two partitions ending within this many nats: the same mixture optimum
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


def em_bic(X: np.ndarray, K: int, seed: int) -> tuple[np.ndarray, str]:
    """EM-BIC: the MAP labels of the lowest-BIC GaussianMixture (n_init = 10, random_state = seed)
    over full, diagonal and spherical covariances, and that covariance type."""
    from sklearn.mixture import GaussianMixture

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fits = {ct: GaussianMixture(K, covariance_type=ct, random_state=seed, n_init=10).fit(X)
                for ct in ("full", "diag", "spherical")}
    kind = min(fits, key=lambda ct: fits[ct].bic(X))
    return np.asarray(fits[kind].predict(X), dtype=np.int64), kind


def mixture_loglik(X: np.ndarray, labels: np.ndarray, K: int, kind: str, seed: int) -> float | None:
    """Total log-likelihood sum_i log sum_k pi_k N(x_i; mu_k, Sigma_k) of EM (covariance type
    `kind`, `refine.em_refine`) started from the partition `labels`; None when EM failed."""
    out = em_refine(X, labels, K, kind, 1e-6, random_state=seed)
    return float(out.mixture.score(X) * X.shape[0]) if out.mixture is not None else None


def compare_with_em_bic(X: np.ndarray, y: np.ndarray, K: int, labels: np.ndarray, kind: str,
                        reference: np.ndarray, seed: int) -> dict[str, Any]:
    """The ilasdp-em extras of partition `labels` (covariance model `kind`) against EM-BIC's
    partition `reference` of the same data (see the module docstring)."""
    n = X.shape[0]
    same = misclustering_error(reference, labels) == 0.0
    mine, theirs = mixture_loglik(X, labels, K, kind, seed), mixture_loglik(X, reference, K, kind, seed)
    if same:
        basin = "same partition"
    elif mine is None or theirs is None:
        basin = "unknown (EM failed)"
    else:
        basin = "one basin" if abs(mine - theirs) < BASIN_NATS else "two basins"
    own, ref = misclustering_error(y, labels), misclustering_error(y, reference)
    return {"covariance": kind, "em_bic_error": number(ref), "points_vs_em_bic": int(round((ref - own) * n)),
            "same_as_em_bic": bool(same), "differ_points": int(round(misclustering_error(reference, labels) * n)),
            "mixture_loglik": number(mine), "em_bic_mixture_loglik": number(theirs),
            "l_nu": number(labels_loglik(X, labels, K, kind, 1e-6, NU)),
            "em_bic_l_nu": number(labels_loglik(X, reference, K, kind, 1e-6, NU)), "basin": basin}


#: fits of this process, by (setting, seed, ...): EM-BIC's (labels, kind) and ILASDP's covariance model,
#: so that the ilasdp-em runs of one seed fit each only once (a run finding none fits it itself)
_EM_BIC: dict[tuple, tuple[np.ndarray, str]] = {}
_ILASDP_KIND: dict[tuple, str] = {}


def _em_bic_of(setting: str, seed: int) -> tuple[np.ndarray, str]:
    key = (setting, seed)
    if key not in _EM_BIC:
        X, _, K = dataset(setting, seed)
        _EM_BIC[key] = em_bic(X, K, seed)
    return _EM_BIC[key]


class ClusteringSuite(MethodSuite):
    """SDPKMeans and ILASDP beside exact K-means and the references (see the module docstring)."""

    name = "clustering"
    sets = ("quick", "paper", "ilasdp-em")
    handlers = {"ExactKMeans": "_exact", "SDPKMeans": "_sdp", "ILASDP": "_ilasdp", "KMeans": "_kmeans",
                "EM": "_em", "EM-BIC": "_em", "LA-SDP-from-EM-BIC": "_from_em"}

    def _runs(self, which: str, data: str | None) -> list[Run]:
        out: list[Run] = []
        if which == "ilasdp-em":            # per seed EM-BIC first: the other two compare with its partition
            for setting, seeds in ILASDP_EM.items():
                o = {"setting": setting, "time_limit": 120.0, "study": "ilasdp-em"}
                for seed in seeds:
                    out.append(Run(self.name, setting, "EM-BIC", "", seed, o))
                    out.append(Run(self.name, setting, "ILASDP", "scs", seed, o))
                    out.append(Run(self.name, setting, "LA-SDP-from-EM-BIC", "scs", seed, o))
            return out
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

    def _fit_ilasdp(self, run: Run, **kw: Any) -> tuple[ILASDP, float]:
        X, _, K = dataset(str(run.options["setting"]), run.seed)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est = ILASDP(K, backend=run.backend or "scs", random_state=run.seed,
                         time_limit=run.options.get("time_limit"), **kw).fit(X)
        return est, time.perf_counter() - t0

    def _ilasdp(self, run: Run) -> dict[str, Any]:
        est, seconds = self._fit_ilasdp(run)
        _ILASDP_KIND[self._kind_key(run)] = str(est.covariance_type_)
        return self._ilasdp_outcome(run, est, seconds, "")

    def _ilasdp_outcome(self, run: Run, est: ILASDP, seconds: float, what: str) -> dict[str, Any]:
        a = est.answer_
        out = self._plain("FEASIBLE", seconds,
                          f"{what}objective: the K-means inertia of its labels; own objective ({a.sense}) "
                          f"{a.status.name}, covariance {est.covariance_type_}")
        out["own_objective"], out["own_verified"] = number(a.objective), bool(a.verified)
        out = self._finish(run, est.labels_, out)
        if run.options.get("study") == "ilasdp-em":
            out.update(self._compare(run, est.labels_, str(est.covariance_type_)))
        return out

    @staticmethod
    def _kind_key(run: Run) -> tuple:
        return (str(run.options["setting"]), run.seed, run.backend, run.options.get("time_limit"))

    def _compare(self, run: Run, labels: np.ndarray, kind: str) -> dict[str, Any]:
        setting = str(run.options["setting"])
        X, y, K = dataset(setting, run.seed)
        return compare_with_em_bic(X, y, K, labels, kind, _em_bic_of(setting, run.seed)[0], run.seed)

    def _from_em(self, run: Run) -> dict[str, Any]:
        """ILASDP(init = EM-BIC's labels, n_init = 1) in the covariance model ILASDP chose on this
        seed (from its run in this process; fitted here, within this run's time, when there is none)."""
        key = self._kind_key(run)
        if key not in _ILASDP_KIND:
            _ILASDP_KIND[key] = str(self._fit_ilasdp(run)[0].covariance_type_)
        start = _em_bic_of(str(run.options["setting"]), run.seed)[0]
        est, seconds = self._fit_ilasdp(run, init=start, n_init=1, covariance=_ILASDP_KIND[key])
        return self._ilasdp_outcome(run, est, seconds, "LA-SDP iterations from the EM-BIC partition; ")

    def _kmeans(self, run: Run) -> dict[str, Any]:
        from sklearn.cluster import KMeans

        X, _, K = dataset(str(run.options["setting"]), run.seed)
        t0 = time.perf_counter()
        labels = KMeans(K, n_init=10, random_state=run.seed).fit_predict(X)
        return self._finish(run, labels, self._plain("FEASIBLE", time.perf_counter() - t0,
                                                     "k-means++, n_init=10 (a local optimum)"))

    def _em(self, run: Run) -> dict[str, Any]:
        from sklearn.mixture import GaussianMixture

        setting = str(run.options["setting"])
        X, _, K = dataset(setting, run.seed)
        t0 = time.perf_counter()
        if run.method == "EM":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                labels = GaussianMixture(K, random_state=run.seed).fit(X).predict(X)
        else:
            labels, kind = em_bic(X, K, run.seed)
        out = self._finish(run, labels, self._plain("FEASIBLE", time.perf_counter() - t0,
                                                    "Gaussian mixture by EM (labels: most likely component)"))
        if run.method == "EM-BIC" and run.options.get("study") == "ilasdp-em":
            _EM_BIC[(setting, run.seed)] = (labels, kind)
            out.update(self._compare(run, labels, kind))
        return out
