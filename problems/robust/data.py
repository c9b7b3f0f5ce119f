"""Neur2RO training data: second-stage values Q(x, xi) on random instances, first stages and scenarios.

For each instance: `n_first_stage` random first-stage decisions x and `n_scenarios` scenarios xi in the
uncertainty set; each pair is labelled by the recourse MIP on our backends (in parallel over instances),
solved to a relative gap of 1e-4 (capital budgeting knapsacks with near-equal ratios are slow to close).
"""
from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Sequence

import numpy as np

from ._mip import check_options


def _collect_one(args: tuple) -> list[tuple[np.ndarray, np.ndarray, float]]:
    instance, n_first, n_scen, seed, backend, sampling, options = args
    rng = np.random.default_rng(seed)
    guided = sampling == "guided"
    out = []
    xs = instance.guided_first_stage(n_first, rng) if guided else instance.random_first_stage(n_first, rng)
    for x in xs:
        xis = instance.guided_scenarios(x, n_scen, rng) if guided else instance.random_scenarios(n_scen, rng)
        # batched (exact DP for integral knapsacks; the recourse MIP per scenario otherwise)
        vals = instance.recourse_values(x, xis, backend=backend, time_limit=20.0, rel_gap=1e-4, options=options)
        out.extend((x, xi, float(v)) for xi, v in zip(xis, vals))
    return out


def _progress(done: int, total: int, t0: float, enabled: bool) -> None:
    if not enabled:
        return
    width = 30
    fill = int(width * done / max(total, 1))
    sys.stderr.write(f"\r  collecting [{'#' * fill}{'.' * (width - fill)}] {done}/{total} instances "
                     f"{time.perf_counter() - t0:.0f} s")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def collect_data(instances: Sequence[Any], n_first_stage: int = 10, n_scenarios: int = 20, n_jobs: int = 1,
                 seed: int = 0, backend: str = "highs", progress: bool = True,
                 sampling: str = "uniform", options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Label (instance, x, xi) samples with Q(x, xi); returns {'instances', 'samples', 'time', 'jobs'}.

    samples: list of (instance index, x, xi, value).  `n_jobs` processes (-1: all cores).
    `sampling`: 'uniform' (random densities and scenarios) or 'guided' (knapsack: x near greedy
    decisions, scenarios spending Gamma on accepted items; see `KnapsackInstance.guided_first_stage`;
    capital budgeting samples uniformly either way).  `options`: backend options of the recourse MIPs.
    """
    if sampling not in ("uniform", "guided"):
        raise ValueError(f"sampling must be 'uniform' or 'guided', got {sampling!r}")
    if not instances:
        raise ValueError("instances must be a non-empty list")
    for name, v in (("n_first_stage", n_first_stage), ("n_scenarios", n_scenarios)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    if n_jobs == -1:
        n_jobs = os.cpu_count() or 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1:
        raise ValueError(f"n_jobs must be a positive integer or -1, got {n_jobs!r}")
    options = check_options(options)
    tasks = [(inst, n_first_stage, n_scenarios, seed * 100_003 + i, backend, sampling, options)
             for i, inst in enumerate(instances)]
    t0 = time.perf_counter()
    results: list = []
    if n_jobs == 1:
        for i, task in enumerate(tasks):
            results.append(_collect_one(task))
            _progress(i + 1, len(tasks), t0, progress)
    else:
        with ProcessPoolExecutor(max_workers=n_jobs) as pool:
            for i, res in enumerate(pool.map(_collect_one, tasks)):
                results.append(res)
                _progress(i + 1, len(tasks), t0, progress)
    samples = [(i, x, xi, v) for i, res in enumerate(results) for (x, xi, v) in res]
    return {"instances": list(instances), "samples": samples, "time": time.perf_counter() - t0, "jobs": n_jobs}


def features(instance: Any, scaler: dict[str, Any]) -> np.ndarray:
    """The instance's item features in the version the scaler was fitted with (1 if not recorded), scaled."""
    return instance.item_features(int(scaler.get("feature_version", 1))) / np.asarray(scaler["feature_scale"])


def fit_scaler(data: dict[str, Any], feature_version: int = 1) -> dict[str, Any]:
    """Feature divisors (max |feature| over the instances) and the target scale.

    The network's target for a sample of instance I is Q / (I.value_scale() * target_scale), with
    target_scale the mean |Q / I.value_scale()|: every instance size gets the same weight in the loss.
    """
    instances = data["instances"]
    feats = np.vstack([inst.item_features(feature_version) for inst in instances])
    scale = np.maximum(np.abs(feats).max(axis=0), 1e-12)
    ratios = np.array([v / instances[i].value_scale() for i, _, _, v in data["samples"]])
    target = float(max(np.mean(np.abs(ratios)), 1e-12))
    return {"feature_scale": scale.tolist(), "target_scale": target, "target_unit": "instance.value_scale()",
            "feature_version": int(feature_version)}


def value_unit(instance: Any, scaler: dict[str, Any]) -> float:
    """The factor from the network's output to the recourse value of `instance`."""
    return instance.value_scale() * scaler["target_scale"]


def to_arrays(data: dict[str, Any], scaler: dict[str, Any], compact: bool = False) -> dict[str, np.ndarray]:
    """Padded, scaled arrays x, feats, u, mask, y for `solvers.neural.value_net.train`.

    `compact`: instead of feats (N, n, d), a table feats_table (instances, n, d) and the index inst (N,)."""
    instances, samples = data["instances"], data["samples"]
    nmax = max(inst.n for inst in instances)
    feats = [features(inst, scaler) for inst in instances]
    d = feats[0].shape[1]
    k = instances[0].xi_item_views(samples[0][2]).shape[1]
    N = len(samples)
    out = {"x": np.zeros((N, nmax), dtype=np.float32), "u": np.zeros((N, nmax, k), dtype=np.float32),
           "mask": np.zeros((N, nmax), dtype=np.float32), "y": np.zeros(N)}
    if compact:
        out["feats_table"] = np.zeros((len(instances), nmax, d), dtype=np.float32)
        for i, f in enumerate(feats):
            out["feats_table"][i, :f.shape[0]] = f
        out["inst"] = np.array([smp[0] for smp in samples], dtype=np.int64)
    else:
        out["feats"] = np.zeros((N, nmax, d), dtype=np.float32)
    for j, (i, x, xi, v) in enumerate(samples):
        n = instances[i].n
        out["x"][j, :n] = x
        if not compact:
            out["feats"][j, :n] = feats[i]
        out["u"][j, :n] = instances[i].xi_item_views(xi)
        out["mask"][j, :n] = 1.0
        out["y"][j] = v / value_unit(instances[i], scaler)
    return out
