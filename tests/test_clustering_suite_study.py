"""The clustering suite's ilasdp-em study set (issue 20): its plan, the outcome fields of its runs,
and the comparison with EM-BIC's partition (`compare_with_em_bic`)."""
from __future__ import annotations

import numpy as np
import pytest

from optlib.suites.base import get_suite
from problems.clustering import gaussian_mixture, misclustering_error
from problems.clustering.suite import ILASDP_EM, compare_with_em_bic, dataset, em_bic

FIELDS = ("error", "em_bic_error", "points_vs_em_bic", "same_as_em_bic", "differ_points", "covariance",
          "mixture_loglik", "em_bic_mixture_loglik", "l_nu", "em_bic_l_nu", "basin")


def test_ilasdp_em_plans_three_runs_per_seed_on_the_heterogeneous_settings():
    suite = get_suite("clustering")
    assert "ilasdp-em" in suite.sets
    runs = suite.runs("ilasdp-em")
    assert set(ILASDP_EM) == {"hetero-K2-d5-sep4-ratio9-n60", "hetero-K3-d5-sep4-ratio6-n90",
                              "adversarial-K3-d4-sep3-n90"}
    assert len(runs) == 3 * sum(len(seeds) for seeds in ILASDP_EM.values())
    assert len({r.key for r in runs}) == len(runs)
    for setting, seeds in ILASDP_EM.items():
        mine = [r for r in runs if r.instance == setting]
        assert sorted({r.seed for r in mine}) == sorted(seeds)
        for seed in seeds:
            assert [r.method for r in mine if r.seed == seed] == ["EM-BIC", "ILASDP", "LA-SDP-from-EM-BIC"]
    assert set(ILASDP_EM["hetero-K3-d5-sep4-ratio6-n90"]) == set(range(400, 420))
    assert all(r.options["study"] == "ilasdp-em" and r.options["setting"] == r.instance for r in runs)
    with pytest.raises(ValueError, match="which"):
        suite.runs("ilasdp")


def test_compare_with_em_bic_on_permuted_moved_and_other_partitions():
    X, y = gaussian_mixture(n=40, n_clusters=2, dim=2, separation=6.0, random_state=3)
    ref = np.asarray(y, dtype=np.int64)
    same = compare_with_em_bic(X, y, 2, 1 - ref, "full", ref, 0)        # the same partition, relabelled
    assert same["same_as_em_bic"] and same["basin"] == "same partition"
    assert same["differ_points"] == 0 and same["points_vs_em_bic"] == 0
    assert same["mixture_loglik"] == pytest.approx(same["em_bic_mixture_loglik"])
    moved = ref.copy()
    moved[0] = 1 - moved[0]                                            # one point more misclustered
    out = compare_with_em_bic(X, y, 2, moved, "full", ref, 0)
    assert not out["same_as_em_bic"] and out["differ_points"] == 1 and out["points_vs_em_bic"] == -1
    assert out["em_bic_error"] == 0.0 and out["basin"] == "one basin"   # EM from either: the same mixture
    assert out["l_nu"] < out["em_bic_l_nu"]
    back = compare_with_em_bic(X, y, 2, ref, "full", moved, 0)          # roles swapped: one point better
    assert back["points_vs_em_bic"] == 1 and back["em_bic_error"] == pytest.approx(1 / 40)
    rng = np.random.default_rng(0)
    scrambled = rng.permutation(np.arange(40) % 2)                     # no cluster structure at all
    far = compare_with_em_bic(X, y, 2, scrambled, "spherical", ref, 0)
    assert far["differ_points"] >= 10 and far["points_vs_em_bic"] < 0
    assert far["basin"] in ("one basin", "two basins", "unknown (EM failed)")


def test_one_seed_of_the_set_carries_the_comparison_fields():
    suite = get_suite("clustering")
    runs = [r for r in suite.runs("ilasdp-em") if r.instance.startswith("hetero-K2") and r.seed == 0]
    em_run, ila_run = runs[0], runs[1]
    em = suite.execute(em_run)
    assert em["status"] == "FEASIBLE", em.get("message")
    assert all(f in em for f in FIELDS)
    X, y, K = dataset(em_run.instance, 0)
    labels, kind = em_bic(X, K, 0)
    assert em["error"] == pytest.approx(misclustering_error(y, labels))
    assert em["covariance"] == kind and em["same_as_em_bic"] and em["basin"] == "same partition"
    assert em["em_bic_error"] == em["error"] and em["points_vs_em_bic"] == 0
    ila = suite.execute(ila_run)
    assert ila["status"] == "FEASIBLE", ila.get("message")
    assert all(f in ila for f in FIELDS)
    assert ila["em_bic_error"] == pytest.approx(em["error"])
    assert ila["points_vs_em_bic"] == round((em["error"] - ila["error"]) * X.shape[0])
    assert ila["same_as_em_bic"] == (ila["differ_points"] == 0)
    assert (ila["basin"] == "same partition") == ila["same_as_em_bic"]
    assert isinstance(ila["mixture_loglik"], float) and np.isfinite(ila["mixture_loglik"])
