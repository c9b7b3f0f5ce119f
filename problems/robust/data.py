"""Neur2RO training data: second-stage values Q(x, xi) on random instances, first stages and scenarios.

For each instance: `n_first_stage` random first-stage decisions x and `n_scenarios` scenarios xi in the
uncertainty set; each pair is labelled by the recourse MIP on our backends (one task per instance, on any
`optlib.bench.executors` executor: this process, a process pool or a Dask cluster), solved to a relative
gap of 1e-4 (capital budgeting knapsacks with near-equal ratios are slow to close).
"""
from __future__ import annotations

import os
import time
from typing import Any, Sequence

import numpy as np

from optlib.progress import ProgressArg, Reporter, check_progress

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


def _collect_indexed(task: tuple) -> tuple[int, list]:
    """(index, samples) of one instance's task (a module-level function: executors pickle it)."""
    return task[0], _collect_one(task[1])


def _executor(executor: Any, n_jobs: int, scheduler: str | None) -> tuple[Any, bool]:
    """(executor, whether we made it and must close it) for a name, None or an executor object."""
    if executor is not None and not isinstance(executor, str):
        if not callable(getattr(executor, "map_unordered", None)):
            raise ValueError(f"executor must be 'local', 'processes', 'dask', None or an object with "
                             f"map_unordered(fn, items) (optlib.bench.executors), got {executor!r}")
        return executor, False
    from optlib.bench.executors import make_executor

    name = executor or ("local" if n_jobs == 1 else "processes")
    if name == "local":
        if n_jobs != 1:
            raise ValueError(f"n_jobs must be 1 with executor='local' (it runs one task at a time), got {n_jobs}")
        return make_executor("local"), True
    return make_executor(name, workers=None if scheduler else n_jobs, scheduler=scheduler), True


def collect_data(instances: Sequence[Any], n_first_stage: int = 10, n_scenarios: int = 20, n_jobs: int = 1,
                 seed: int = 0, backend: str = "highs", progress: ProgressArg = True,
                 sampling: str = "uniform", options: dict[str, Any] | None = None,
                 executor: Any = None, scheduler: str | None = None) -> dict[str, Any]:
    """Label (instance, x, xi) samples with Q(x, xi); returns {'instances', 'samples', 'time', 'jobs', 'executor'}.

    samples: list of (instance index, x, xi, value), in instance order whatever the executor.  One task
    per instance, run by `executor`: 'local' (this process), 'processes' (a pool of `n_jobs` processes)
    or 'dask' (a LocalCluster of `n_jobs` workers, or the cluster at `scheduler`), or any object with
    `map_unordered(fn, items)` (`optlib.bench.executors`); None: 'local' if n_jobs == 1, else
    'processes'.  `n_jobs` = -1: all cores.  Each instance's samples come from its own seed, so every
    executor yields the same data.  `sampling`: 'uniform' (random densities and scenarios) or 'guided'
    (knapsack: x near greedy decisions, scenarios spending Gamma on accepted items; see
    `KnapsackInstance.guided_first_stage`; capital budgeting samples uniformly either way).  `options`:
    backend options of the recourse MIPs.  `progress`: a bar or lines on stderr (`optlib.progress`).
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
    if isinstance(executor, str) and executor not in ("local", "processes", "dask"):
        raise ValueError(f"executor must be 'local', 'processes', 'dask', None or an executor object, got {executor!r}")
    check_progress(progress)
    options = check_options(options)
    tasks = [(i, (inst, n_first_stage, n_scenarios, seed * 100_003 + i, backend, sampling, options))
             for i, inst in enumerate(instances)]
    t0 = time.perf_counter()
    results: dict[int, list] = {}
    ex, own = _executor(executor, n_jobs, scheduler)
    try:
        with Reporter("bar" if progress is True else progress, "Neur2RO data", total=len(tasks)) as report:
            for _, (i, res) in ex.map_unordered(_collect_indexed, tasks):
                results[i] = res
                report.step(instances=f"{len(results)}/{len(tasks)}", samples=sum(map(len, results.values())))
    finally:
        if own:
            ex.close()
    samples = [(i, x, xi, v) for i in range(len(tasks)) for (x, xi, v) in results[i]]
    describe = getattr(ex, "describe", None)
    return {"instances": list(instances), "samples": samples, "time": time.perf_counter() - t0,
            "jobs": int(getattr(ex, "workers", n_jobs)),
            "executor": describe() if callable(describe) else type(ex).__name__}


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
