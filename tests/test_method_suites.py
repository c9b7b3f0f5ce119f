"""The method benchmark suites (problems/<method>/suite.py): their run lists, and a cheap run or
two of each checked against the exact / reference method on the same instance."""
from __future__ import annotations

import json
import math
import pickle

import pytest

from optlib.suites.base import Run, Suite, get_suite

SUITES = ("scoring", "lipschitz", "dag", "tensor", "robust", "clustering")


def find(suite: Suite, instance: str, method: str, backend: str = "", seed: int = 0) -> Run:
    for r in suite.runs("quick"):
        if (r.instance, r.method, r.seed) == (instance, method, seed) and (not backend or r.backend == backend):
            return r
    raise AssertionError(f"no quick run {instance} / {method} / {backend} in suite {suite.name}")


def ok(outcome: dict, status: str | None = None) -> dict:
    assert outcome["status"] != "ERROR", outcome["message"]
    if status is not None:
        assert outcome["status"] == status, outcome
    json.dumps(outcome)                                   # a record must be JSON-serialisable
    return outcome


@pytest.mark.parametrize("name", SUITES)
def test_quick_runs_are_unique_picklable_runs(name):
    suite = get_suite(name)
    assert isinstance(suite, Suite) and suite.name == name
    runs = suite.runs("quick")
    assert runs and all(isinstance(r, Run) and r.suite == name for r in runs)
    assert len({r.key for r in runs}) == len(runs)
    assert [r.key for r in runs] == [r.key for r in suite.runs("quick")]        # the same list every time
    for r in runs:
        assert pickle.loads(pickle.dumps(r)).key == r.key
        json.dumps(r.options)
        assert r.method in suite.handlers
    with pytest.raises(ValueError, match="which"):
        suite.runs("fast")


@pytest.mark.parametrize("name", SUITES)
def test_paper_runs_list_without_running(name):
    suite = get_suite(name)
    try:
        runs = suite.runs("paper")
    except FileNotFoundError as exc:            # data not shipped here: the message names file and source
        assert "not found" in str(exc)
        pytest.skip(f"paper data of {name} not available: {exc}")
    assert len(runs) > len(suite.runs("quick")) // 2
    assert len({r.key for r in runs}) == len(runs)


@pytest.mark.parametrize("name", SUITES)
def test_execute_never_raises(name):
    suite = get_suite(name)
    first = suite.runs("quick")[0]
    bad = Run(name, first.instance, "no-such-method", "", 0, dict(first.options))
    out = suite.execute(bad)
    assert out["status"] == "ERROR" and "no-such-method" in out["message"]
    other = Run("elsewhere", first.instance, first.method, first.backend, first.seed, dict(first.options))
    assert suite.execute(other)["status"] == "ERROR"


def test_dag_topo_beside_exact():
    suite = get_suite("dag")
    exact = ok(suite.execute(find(suite, "ER2-d8-n500", "ExactDAG")), "OPTIMAL")
    topo_run = find(suite, "ER2-d8-n500", "TOPO")
    topo = ok(suite.execute(topo_run), "FEASIBLE")
    assert exact["verified"] and exact["baseline"] == pytest.approx(exact["objective"])
    assert topo["baseline"] == pytest.approx(exact["objective"])
    assert topo["objective"] >= exact["objective"] * (1 - 1e-9)           # nothing beats the global optimum
    assert isinstance(topo["shd"], int) and topo["shd"] >= 0
    assert suite.execute(topo_run)["objective"] == topo["objective"]      # deterministic


def test_scoring_backends_reach_the_support_optimum():
    suite = get_suite("scoring")
    inst = "synthetic-n60-d5-k2"
    exact = ok(suite.execute(find(suite, inst, "SLIM-support")), "OPTIMAL")
    plain = ok(suite.execute(find(suite, inst, "MIP-plain", "cpsat")), "OPTIMAL")
    assert exact["verified"] and exact["baseline"] == exact["objective"]
    assert plain["baseline"] == pytest.approx(exact["objective"])
    assert plain["objective"] == pytest.approx(exact["objective"], rel=1e-6)
    assert plain["bound"] <= exact["objective"] * (1 + 1e-6)


def test_lipschitz_bounds_sandwich_the_exact_constant():
    suite = get_suite("lipschitz")
    inst = "relu-2-8x2-2"
    sdp = ok(suite.execute(find(suite, inst, "lipsdp-neuron", "clarabel")))
    naive = ok(suite.execute(find(suite, inst, "naive")))
    exact = sdp["baseline"]
    assert sdp["verified"] and naive["verified"]
    assert exact * (1 - 1e-6) <= sdp["objective"] <= naive["objective"] * (1 + 1e-6)
    assert sdp["ratio"] == pytest.approx(sdp["objective"] / exact)


def test_tensor_heuristic_below_exact_core_shape():
    suite = get_suite("tensor")
    exact = ok(suite.execute(find(suite, "tucker-30-b3000", "exact")), "OPTIMAL")
    greedy = ok(suite.execute(find(suite, "tucker-30-b3000", "hosvd-greedy")))
    assert exact["objective"] == pytest.approx(exact["baseline"])
    assert greedy["objective"] <= exact["objective"] * (1 + 1e-12)
    assert greedy["ratio"] <= 1 + 1e-12 and math.prod(greedy["shape"]) <= 3000


def test_robust_ccg_optimum_bounds_neur2ro():
    suite = get_suite("robust")
    name = "RKP_UN_n20_R1000_H100_h80_dev0.1_d0.1"
    c = ok(suite.execute(find(suite, name, "CCG")), "OPTIMAL")
    assert c["verified"] and c["bound"] == pytest.approx(c["objective"], rel=1e-4)
    assert c["baseline"] == pytest.approx(c["objective"], rel=1e-6)     # the best known value
    pytest.importorskip("torch")
    n = ok(suite.execute(find(suite, name, "Neur2RO")), "FEASIBLE")
    assert n["objective"] <= c["objective"] * (1 + 1e-6)                 # no first stage beats the optimum
    assert n["rel_err"] <= 0.02                                           # the trained distribution


def test_clustering_exact_kmeans_against_sdp_and_kmeans():
    suite = get_suite("clustering")
    inst = "common-K2-d2-sep3-n30"
    exact = ok(suite.execute(find(suite, inst, "ExactKMeans")), "OPTIMAL")
    km = ok(suite.execute(find(suite, inst, "KMeans")))
    sdp = ok(suite.execute(find(suite, inst, "SDPKMeans", "scs")))
    opt = exact["objective"]
    assert exact["baseline"] == pytest.approx(opt)
    assert km["objective"] >= opt * (1 - 1e-9) and 0 <= km["error"] <= 1
    assert sdp["bound"] <= opt * (1 + 1e-7) <= sdp["objective"] * (1 + 1e-7) + 1e-9


def test_missing_data_names_the_file():
    from problems._suite_common import locate

    with pytest.raises(FileNotFoundError, match="no_such_set"):
        locate("scoring/no_such_set.csv")
