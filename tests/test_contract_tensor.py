"""problems.tensor under the solve contract (issue 17): CoreShape, TrainShape and TuckerFit satisfy
the answer protocol with honest statuses; `time_limit` bounds a whole call or path (within 1.5x,
the singular values aside); `options` carries the MILP's backend options (keywords: deprecated)."""

import numpy as np
import pytest

from wallclock import Clock

import optlib
from optlib import Status, check_answer
from problems.tensor import (
    METHODS,
    core_shape,
    core_shape_path,
    mode_spectra,
    random_tucker,
    sparse_tensor,
    tensor_train_ranks,
)
from problems.tensor.data import MUSHROOM_SHAPE


@pytest.fixture(scope="module")
def small():
    X = random_tucker((10, 12, 14), (3, 4, 5), noise=0.1, seed=1)
    return X, mode_spectra(X)


@pytest.fixture(scope="module")
def hard():
    """A random sparse tensor with the 22 mode sizes of the mushroom tensor: the exact MILP at budget
    50,000 takes ~2 s on HiGHS here (2 cores)."""
    rng = np.random.default_rng(0)
    coords = np.stack([rng.integers(0, s, 8000) for s in MUSHROOM_SHAPE], axis=1)
    T = sparse_tensor(coords, rng.choice([-1.0, 1.0], 8000), MUSHROOM_SHAPE)
    return T, mode_spectra(T)


def within(wall, limit):
    return wall <= 1.5 * limit + 0.02


# -- the answer protocol ---------------------------------------------------------------------
@pytest.mark.parametrize("method", METHODS + ("ip:log-split",))
def test_every_method_answers_the_protocol(small, method):
    X, spectra = small
    kw = {"backend": "highs"} if method.startswith("ip") else {}
    if method == "ip:log-split":
        method, kw["formulation"] = "ip", "log-split"
    cs = core_shape(X, 700, method, spectra=spectra, **kw)
    check_answer(cs)
    best = core_shape(X, 700, "exact", spectra=spectra).packed_value
    assert cs.objective == cs.packed_value and cs.bound >= best * (1 - 1e-12) and cs.verified
    assert cs.status is (Status.OPTIMAL if cs.optimal else Status.FEASIBLE)
    if method in ("exact", "brute-force") or cs.method == "ip:product-chain":
        assert cs.status is Status.OPTIMAL and cs.gap <= 1e-9 and cs.objective == pytest.approx(best, rel=1e-12)
    else:                                        # heuristics and the split grid never claim a proof
        assert cs.status is Status.FEASIBLE
    if method == "ip":
        assert cs.results and all(isinstance(r, optlib.Result) for r in cs.results)
        for r in cs.results:
            check_answer(r)
    else:
        assert cs.results == ()
    assert cs.limit_reached is None and cs.timings["total"] == cs.time


def test_path_train_and_fit_answers(small):
    X, spectra = small
    for cs in core_shape_path(X, [200, 700, 2000], spectra=spectra):
        check_answer(cs)
        assert cs.status is Status.OPTIMAL
    ts = tensor_train_ranks(X, 400)
    check_answer(ts)
    assert ts.status is Status.OPTIMAL and ts.gap == 0.0
    cs = core_shape(X, 700, "exact", spectra=spectra)
    fit = cs.fit(n_iter=3)
    check_answer(fit)
    assert fit.bound == pytest.approx(cs.lower_bound) and fit.objective >= fit.bound
    assert fit.status is (Status.OPTIMAL if fit.gap <= 1e-9 else Status.FEASIBLE)
    full = core_shape(X, 10 ** 9, "exact", spectra=spectra).fit(n_iter=0)   # the full shape: error 0 = bound
    assert full.status is Status.OPTIMAL


def test_complex_tensors_are_refused():
    with pytest.raises(ValueError, match="complex"):
        core_shape(np.ones((3, 4)) * (1 + 1j), 20, "exact")
    with pytest.raises(ValueError, match="complex"):
        sparse_tensor([[0, 1]], [1 + 2j], (2, 2))


# -- time limits -------------------------------------------------------------------------------
def test_ip_time_limit_holds(hard):
    T, spectra = hard
    limit = 0.4
    with Clock() as clock:
        cs = core_shape(T, 50000, "ip", spectra=spectra, backend="highs", time_limit=limit)
    wall = clock.elapsed
    check_answer(cs)
    assert within(wall, limit), wall
    assert cs.limit_reached == "time_limit" and cs.status is Status.FEASIBLE and cs.size <= 50000
    assert cs.bound >= core_shape(T, 50000, "exact", spectra=spectra).packed_value * (1 - 1e-9)


def test_log_split_grid_and_path_share_one_limit(hard):
    T, spectra = hard
    limit = 0.4                                  # each used to get the whole limit per sub-MILP / budget
    with Clock() as clock:
        cs = core_shape(T, 50000, "ip", spectra=spectra, backend="highs", time_limit=limit, formulation="log-split")
    wall = clock.elapsed
    check_answer(cs)
    assert within(wall, limit), wall
    assert cs.limit_reached == "time_limit" and "of" in cs.message
    with Clock() as clock:
        path = core_shape_path(T, [20000, 30000, 40000, 50000], "ip", spectra=spectra, backend="highs",
                               time_limit=limit)
    wall = clock.elapsed
    assert within(wall, limit), wall
    assert len(path) == 4 and path[-1].limit_reached == "time_limit"
    for cs in path:
        check_answer(cs)
        assert cs.size <= cs.budget


def test_exact_cut_short_gives_a_feasible_shape(small):
    X, spectra = small
    best = core_shape(X, 700, "exact", spectra=spectra).packed_value
    for method in ("exact", "brute-force", "greedy"):
        cs = core_shape(X, 700, method, spectra=spectra, time_limit=1e-9)
        check_answer(cs)
        assert cs.limit_reached == "time_limit" and cs.status is Status.FEASIBLE
        assert cs.size <= 700 and cs.bound >= best and cs.packed_value <= best
    path = core_shape_path(X, [300, 700], spectra=spectra, time_limit=1e-9)
    assert all(cs.limit_reached == "time_limit" and cs.status is Status.FEASIBLE for cs in path)
    with pytest.raises(ValueError, match="time_limit"):
        core_shape(X, 700, "exact", spectra=spectra, time_limit=-1)


class _Countdown:
    """A deadline that expires at its (n+1)-th question (to stop a search at a chosen place)."""

    limited = True

    def __init__(self, n):
        self.n, self.calls = n, 0

    def expired(self):
        self.calls += 1
        return self.calls > self.n

    def left(self, floor=0.0, fraction=1.0):
        return max(floor, 1e-3)


@pytest.mark.parametrize("method", ["exact", "brute-force"])
def test_a_limit_inside_the_dp_or_the_enumeration_is_honoured(small, monkeypatch, method):
    import problems.tensor.api as api

    X, spectra = small
    monkeypatch.setattr(api, "Deadline", lambda value: _Countdown(2))   # on entry, first mode: go on; then stop
    cs = core_shape(X, 700, method, spectra=spectra, time_limit=1.0)
    check_answer(cs)
    assert cs.limit_reached == "time_limit" and cs.status is Status.FEASIBLE and "after 1 of" in cs.message
    monkeypatch.setattr(api, "Deadline", lambda value: _Countdown(1))   # the path asks first in the DP
    path = core_shape_path(X, [300, 700], method, spectra=spectra, time_limit=1.0)
    assert all(c.limit_reached == "time_limit" and c.status is Status.FEASIBLE for c in path)


def test_greedy_with_hooi_stops_at_the_limit():
    X = random_tucker((60, 60, 60), (8, 16, 24), noise=0.1, seed=0)
    spectra = mode_spectra(X)
    limit = 0.3                                  # ~3 s without a limit
    with Clock() as clock:
        cs = core_shape(X, 20000, "greedy", spectra=spectra, n_iter=2, time_limit=limit)
    wall = clock.elapsed
    check_answer(cs)
    assert within(wall, limit), wall
    assert cs.limit_reached == "time_limit" and cs.size <= 20000


# -- options ---------------------------------------------------------------------------------
def test_options_and_the_deprecated_keywords(small):
    X, spectra = small
    new = core_shape(X, 700, "ip", spectra=spectra, backend="highs", options={"threads": 1, "mip_max_nodes": 10**6})
    assert new.results[0].backend.parameters["mip_max_nodes"] == 10 ** 6 and new.optimal   # reached HiGHS
    with pytest.warns(FutureWarning, match=r"options=\{'mip_max_nodes'"):
        old = core_shape(X, 700, "ip", spectra=spectra, backend="highs", mip_max_nodes=10 ** 6)
    assert old.results[0].backend.parameters["mip_max_nodes"] == 10 ** 6 and old.shape == new.shape
    with pytest.raises(ValueError, match="both as keywords and in options"):
        with pytest.warns(FutureWarning):
            core_shape(X, 700, "ip", spectra=spectra, options={"mip_max_nodes": 1}, mip_max_nodes=2)
    with pytest.raises(ValueError, match="apply to method 'ip' only"):
        core_shape(X, 700, "exact", spectra=spectra, options={"threads": 1})
    with pytest.raises(ValueError, match="must not set .time_limit."):
        core_shape(X, 700, "ip", spectra=spectra, options={"time_limit": 1})
    with pytest.raises(ValueError, match="options must be a dict"):
        core_shape_path(X, [700], "ip", spectra=spectra, options=["threads"])
