"""Tucker core shapes under a budget (problems.tensor): exactness, MILP, spectra, fits, bad input."""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from optlib import datasets
from problems.tensor import (
    METHODS,
    CoreShape,
    Packing,
    as_tensor,
    core_shape,
    core_shape_path,
    exact_states,
    load_mushroom,
    mode_spectra,
    random_tucker,
    sparse_tensor,
    video_tensor,
)
from problems.tensor.data import MUSHROOM_SHAPE
from problems.tensor.milp import solve_log_split, solve_product_chain
from problems.tensor.packing import brute_force, hosvd_greedy
from problems.tensor.tucker import HosvdEnergy, hooi

_NO_MUSHROOM = datasets.missing("tensors/mushroom.csv")       # shipped with optlib; None when found
MUSHROOM = None if _NO_MUSHROOM else datasets.mushroom_tensor_path()


def random_packing(rng: np.random.Generator, max_modes: int = 4, max_size: int = 8) -> Packing:
    shape = tuple(int(i) for i in rng.integers(1, max_size + 1, size=int(rng.integers(2, max_modes + 1))))
    prefix = tuple(np.concatenate([[0.0], np.cumsum(np.sort(rng.exponential(size=i) ** 3)[::-1])]) for i in shape)
    return Packing(shape, prefix)


# -- the packing problem ---------------------------------------------------------------------
def test_hand_solved_instance():
    # sizes: (1,1) 5, (2,1) and (1,2) 8, (2,2) 12; values 20, 23, 25, 28
    pk = Packing((2, 2), (np.array([0, 10, 13.0]), np.array([0, 10, 15.0])))
    assert pk.size((2, 2)) == 12 and pk.min_size == 5
    assert exact_states(pk, 8).best(8) == ((1, 2), 25.0)
    assert exact_states(pk, 12).best(12) == ((2, 2), 28.0)
    assert exact_states(pk, 12).best(7) == ((1, 1), 20.0)
    assert brute_force(pk, 8)[:2] == ((1, 2), 25.0)
    assert hosvd_greedy(pk, 8) == (1, 2)
    # all sigma^2 = 1, shape (2, 2, 4), budget 30: greedy grows evenly to (2, 2, 2) (size 24,
    # value 6) and every next step costs 32; (1, 2, 4) has size 8 + 2 + 4 + 16 = 30 and value 7
    pk = Packing((2, 2, 4), tuple(np.arange(i + 1, dtype=float) for i in (2, 2, 4)))
    assert hosvd_greedy(pk, 30) == (2, 2, 2) and exact_states(pk, 30).best(30) == ((1, 2, 4), 7.0)


def test_exact_equals_brute_force_on_random_instances_and_sweeps():
    rng = np.random.default_rng(0)
    checked = 0
    for _ in range(120):
        pk = random_packing(rng)
        bmax = pk.min_size + int(rng.integers(0, 400))
        states = exact_states(pk, bmax)                  # one DP pass for the whole sweep
        for b in range(pk.min_size, bmax + 1, 11):
            ranks, value = states.best(b)
            _, best_value, _ = brute_force(pk, b)
            assert pk.size(ranks) <= b
            assert value == pytest.approx(best_value, rel=1e-12, abs=1e-12)
            assert value == pytest.approx(pk.value(ranks), rel=1e-12)
            checked += 1
    assert checked > 300


def test_exact_on_many_modes_against_brute_force():
    rng = np.random.default_rng(1)
    for _ in range(5):
        pk = random_packing(rng, max_modes=7, max_size=4)
        b = pk.min_size + 60
        assert exact_states(pk, b).best(b)[1] == pytest.approx(brute_force(pk, b)[1], rel=1e-12)


def test_product_chain_milp_matches_exact_with_certificate():
    rng = np.random.default_rng(2)
    for _ in range(6):
        pk = random_packing(rng)
        b = pk.min_size + int(rng.integers(20, 250))
        sol = solve_product_chain(pk, b, backend="highs")
        _, value = exact_states(pk, b).best(b)
        assert sol.optimal and sol.result.certificate.verified
        assert sol.value == pytest.approx(value, rel=1e-9)
        assert sol.bound >= value - 1e-6 * max(1.0, value)
        assert pk.size(sol.ranks) <= b


def test_log_split_never_beats_exact_and_is_not_claimed_optimal():
    rng = np.random.default_rng(3)
    for _ in range(3):
        pk = random_packing(rng)
        b = pk.min_size + 120
        sol = solve_log_split(pk, b, eps=0.5, backend="highs")
        assert not sol.optimal and pk.size(sol.ranks) <= b
        assert sol.value <= exact_states(pk, b).best(b)[1] + 1e-12


# -- spectra ------------------------------------------------------------------------------
def small_sparse(seed: int = 0):
    rng = np.random.default_rng(seed)
    D = rng.standard_normal((5, 6, 4, 3)) * (rng.random((5, 6, 4, 3)) < 0.3)
    return D, sparse_tensor(np.argwhere(D), D[D != 0], D.shape)


def test_sparse_and_dense_spectra_agree():
    D, S = small_sparse()
    sd, ss = mode_spectra(D), mode_spectra(S)
    for a, b in zip(sd.sq_singular_values, ss.sq_singular_values):
        assert np.allclose(a, b, atol=1e-10)
        assert a.sum() == pytest.approx(float(np.vdot(D, D)), rel=1e-10)
    for n, a in enumerate(sd.sq_singular_values):          # against numpy's SVD of the unfolding
        sv = np.linalg.svd(np.moveaxis(D, n, 0).reshape(D.shape[n], -1), compute_uv=False) ** 2
        assert np.allclose(a[:sv.size], sv, atol=1e-10)


def test_sparse_tensor_is_never_densified():
    rng = np.random.default_rng(4)
    shape = (10,) * 14                                   # 10^14 entries
    coords = rng.integers(0, 10, size=(500, 14))
    S = sparse_tensor(coords, rng.standard_normal(500), shape)
    cs = core_shape(S, 2000, "exact")
    assert cs.size <= 2000 and cs.optimal
    fit = cs.fit(n_iter=1)
    assert cs.lower_bound - 1e-9 <= fit.rre <= cs.error_bound + 1e-9


def test_sparse_inputs_sum_duplicates_and_accept_coo_like_objects():
    S = sparse_tensor([[0, 1], [0, 1], [1, 0], [1, 1]], [1.0, 2.0, 0.0, 4.0], (2, 2))
    assert S.nnz == 2 and np.allclose(S.todense(), [[0, 3], [0, 4]])
    coo = SimpleNamespace(coords=np.array([[0, 1], [1, 1]]), data=np.array([3.0, 4.0]), shape=(2, 2))
    assert np.allclose(as_tensor(coo).todense(), [[0, 3], [0, 4]])        # pydata layout (N x nnz)
    assert np.allclose(as_tensor((np.array([[0, 1], [1, 1]]), np.array([3.0, 4.0]), (2, 2))).todense(),
                       [[0, 3], [0, 4]])


@pytest.mark.skipif(_NO_MUSHROOM is not None, reason=f"mushroom tensor: {_NO_MUSHROOM}")
def test_mushroom_tensor_exact_ip_and_brute_force_agree():
    X = load_mushroom(MUSHROOM)
    assert X.shape == MUSHROOM_SHAPE and X.nnz == 8124 and X.norm_sq() == 8124.0
    spectra = mode_spectra(X)
    ex = core_shape(X, 4000, "exact", spectra=spectra)
    ip = core_shape(X, 4000, "ip", spectra=spectra, backend="highs")
    assert ex.optimal and ip.optimal
    assert ip.packed_value == pytest.approx(ex.packed_value, rel=1e-9)
    small = core_shape(X, 220, "brute-force", spectra=spectra)          # 341,830 shapes
    assert core_shape(X, 220, "exact", spectra=spectra).packed_value == pytest.approx(small.packed_value, rel=1e-12)


@pytest.mark.slow
@pytest.mark.skipif(_NO_MUSHROOM is not None, reason=f"mushroom tensor: {_NO_MUSHROOM}")
def test_mushroom_exact_equals_brute_force_on_a_sweep():
    X = load_mushroom(MUSHROOM)
    spectra = mode_spectra(X)
    budgets = list(range(130, 401, 15))
    path = core_shape_path(X, budgets, spectra=spectra)
    for b, cs in zip(budgets, path):                            # up to 6.6 million shapes at 400
        assert cs.packed_value == pytest.approx(core_shape(X, b, "brute-force", spectra=spectra).packed_value,
                                                rel=1e-12)


# -- the API and fits --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tucker3():
    X = random_tucker((12, 14, 16), (3, 4, 5), noise=0.05, seed=1)
    return X, mode_spectra(X)


def test_all_methods_feasible_and_ordered(tucker3):
    X, spectra = tucker3
    out = {m: core_shape(X, 700, m, spectra=spectra, backend="highs") for m in METHODS}
    best = out["exact"].packed_value
    for cs in out.values():
        assert isinstance(cs, CoreShape) and cs.size <= 700 and cs.size == math.prod(cs.shape) + sum(
            i * r for i, r in zip(X.shape, cs.shape))
        assert cs.packed_value <= best * (1 + 1e-12)
        assert cs.bound >= best * (1 - 1e-9)               # every reported bound is an upper bound
        assert cs.error_bound == pytest.approx(X.ndim - cs.packed_value / spectra.norm_sq, abs=1e-12)
    assert out["ip"].optimal and out["exact"].optimal and out["ip"].method == "ip:product-chain"
    assert out["ip"].packed_value == pytest.approx(best, rel=1e-9)
    assert not out["hosvd-greedy"].optimal and not out["greedy"].optimal


def test_fit_error_lies_between_the_bounds_and_hooi_improves(tucker3):
    X, spectra = tucker3
    for budget in (300, 700, 1500):
        cs = core_shape(X, budget, "exact", spectra=spectra)
        fit = cs.fit(n_iter=8)
        assert cs.lower_bound - 1e-12 <= fit.rre <= cs.error_bound + 1e-12
        assert all(b <= a + 1e-12 for a, b in zip(fit.history, fit.history[1:]))
        direct = np.linalg.norm(X - fit.reconstruct()) ** 2 / spectra.norm_sq
        assert fit.rre == pytest.approx(direct, rel=1e-6, abs=1e-12)


def test_exact_low_rank_tensor_is_recovered():
    X = random_tucker((10, 12, 14), (2, 3, 4), seed=5)
    cs = core_shape(X, 2 * 3 * 4 + 10 * 2 + 12 * 3 + 14 * 4, "exact")
    assert cs.shape == (2, 3, 4) and cs.error_bound < 1e-10 and cs.fit(0).rre < 1e-10


def test_greedy_energy_table_matches_hosvd_fits(tucker3):
    X, spectra = tucker3
    energy = HosvdEnergy(X, spectra.factors)
    for ranks in [(1, 1, 1), (3, 2, 5), (12, 14, 16)]:
        fit = hooi(X, ranks, spectra.factors, spectra.norm_sq, n_iter=0)
        assert energy(ranks) == pytest.approx(spectra.norm_sq * (1 - fit.rre), rel=1e-10)


def test_path_equals_single_solves_and_reuses_spectra(tucker3):
    X, spectra = tucker3
    budgets = [200, 450, 900, 2000]
    path = core_shape_path(X, budgets, spectra=spectra)
    for b, cs in zip(budgets, path):
        assert cs.budget == b
        assert cs.packed_value == pytest.approx(core_shape(X, b, "exact", spectra=spectra).packed_value, rel=1e-12)
    assert [c.packed_value for c in path] == sorted(c.packed_value for c in path)
    greedy = core_shape_path(X, budgets, method="hosvd-greedy", spectra=spectra)
    assert all(g.packed_value <= e.packed_value + 1e-9 for g, e in zip(greedy, path))


def test_video_tensor_four_modes():
    V = video_tensor(frames=8, height=12, width=16)
    assert V.shape == (8, 12, 16, 3)
    ex, ip = core_shape(V, 900, "exact"), core_shape(V, 900, "ip", backend="highs")
    assert ip.optimal and ip.packed_value == pytest.approx(ex.packed_value, rel=1e-9)


def test_time_limited_ip_is_honest(tucker3):
    X, spectra = tucker3
    cs = core_shape(X, 1500, "ip", spectra=spectra, backend="highs", time_limit=1e-3)
    assert cs.size <= 1500
    if not cs.optimal:
        assert cs.bound >= core_shape(X, 1500, "exact", spectra=spectra).packed_value * (1 - 1e-9)


# -- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize("budget, error", [(10, ValueError), (1500.5, ValueError), ("1500", TypeError),
                                           (True, TypeError), (math.nan, ValueError)])
def test_bad_budget(tucker3, budget, error):
    X, spectra = tucker3
    with pytest.raises(error, match="budget"):
        core_shape(X, budget, "exact", spectra=spectra)


def test_budget_too_small_names_the_smallest_size(tucker3):
    X, spectra = tucker3
    with pytest.raises(ValueError, match="all ranks 1 it has 43 parameters"):
        core_shape(X, 42, spectra=spectra)
    assert core_shape(X, 43.0, "exact", spectra=spectra).shape == (1, 1, 1)


@pytest.mark.parametrize("tensor, error, match", [
    (np.zeros((3, 0, 2)), ValueError, "mode 1 has size 0"),
    (np.array([[1.0, np.nan], [0, 1]]), ValueError, "NaN"),
    (np.zeros((3, 3)), ValueError, "all zeros"),
    (np.ones(4), ValueError, "order >= 2"),
    (np.array([["a", "b"]]), TypeError, "numeric"),
])
def test_bad_tensor(tensor, error, match):
    with pytest.raises(error, match=match):
        core_shape(tensor, 100, "exact")


def test_bad_sparse_and_options(tucker3):
    X, spectra = tucker3
    with pytest.raises(ValueError, match="mode 1 is outside"):
        sparse_tensor([[0, 5]], [1.0], (2, 2))
    with pytest.raises(ValueError, match="NaN"):
        sparse_tensor([[0, 1]], [np.nan], (2, 2))
    with pytest.raises(ValueError, match="size 0"):
        sparse_tensor(np.zeros((0, 2), int), [], (2, 0))
    with pytest.raises(ValueError, match="unknown method"):
        core_shape(X, 500, "simplex", spectra=spectra)
    with pytest.raises(ValueError, match="takes no options"):
        core_shape(X, 500, "hosvd-greedy", spectra=spectra, eps=0.1)
    with pytest.raises(ValueError, match="takes no options"):
        core_shape(X, 500, "exact", spectra=spectra, rel_gap=0.1)
    with pytest.raises(ValueError, match="takes only max_shapes"):
        core_shape(X, 500, "brute-force", spectra=spectra, n_iter=3)
    with pytest.raises(ValueError, match="more than 10 partial shapes"):
        core_shape(X, 500, "brute-force", spectra=spectra, max_shapes=10)
    with pytest.raises(ValueError, match="formulation"):
        core_shape(X, 500, "ip", spectra=spectra, formulation="linear")
    with pytest.raises(ValueError, match="spectra"):
        core_shape(X[:5], 500, "exact", spectra=spectra)
    with pytest.raises(ValueError, match="budgets"):
        core_shape_path(X, [], spectra=spectra)
    with pytest.raises(ValueError, match=r"budgets\[1\]"):
        core_shape_path(X, [500, 3], spectra=spectra)
    with pytest.raises(ValueError, match="n_iter"):
        core_shape(X, 500, "exact", spectra=spectra).fit(n_iter=-1)


def test_greedy_with_hooi_error_is_feasible_and_not_above_exact(tucker3):
    X, spectra = tucker3
    g = core_shape(X, 400, "greedy", spectra=spectra, n_iter=2)
    assert g.size <= 400 and not g.optimal
    assert g.packed_value <= core_shape(X, 400, "exact", spectra=spectra).packed_value + 1e-9
    with pytest.raises(ValueError, match="n_iter"):
        core_shape(X, 400, "greedy", spectra=spectra, n_iter=-2)


def test_ip_on_scip_and_cpsat_matches_exact(tucker3):
    X, spectra = tucker3
    best = core_shape(X, 600, "exact", spectra=spectra).packed_value
    for backend in ("scip", "cpsat"):
        cs = core_shape(X, 600, "ip", spectra=spectra, backend=backend)
        assert cs.optimal and cs.packed_value == pytest.approx(best, rel=1e-9), backend


def test_budget_above_the_full_size_gives_the_full_shape(tucker3):
    X, spectra = tucker3
    huge = 10 ** 30
    for method in ("exact", "ip", "brute-force", "hosvd-greedy"):
        cs = core_shape(X, huge, method, spectra=spectra, **({"backend": "highs"} if method == "ip" else {}))
        assert cs.packed_value == pytest.approx(3 * spectra.norm_sq, rel=1e-12) and cs.budget == huge
        assert cs.error_bound < 1e-12 and cs.size <= huge
    assert core_shape_path(X, [500, huge], spectra=spectra)[1].shape == X.shape
