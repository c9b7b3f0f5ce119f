"""Clarabel's memory check: an SDP whose dense PSD blocks would not fit is refused with a
ValueError (naming the cone order, the memory and SCS) instead of aborting the process, and
`auto` passes over Clarabel for it. Only the sizes of the forms matter to the check, so the
big forms here hold no big data (a PSD cone of order 700 is 245 350 rows of b and an empty
A), and nothing here allocates much memory."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import solvers
import solvers.clarabel_backend as cb
import solvers.memory as mem
from optlib.cones import svec, svec_indices, svec_size
from optlib.standard_form import ConeDims, SolveParams, StandardForm
from optlib.status import Status

pytestmark = pytest.mark.skipif(not solvers.get_backend("clarabel").available(), reason="clarabel not installed")

GB = 10**9


@pytest.fixture(autouse=True)
def _check_on(monkeypatch):
    monkeypatch.delenv(cb.MEMORY_CHECK_ENV, raising=False)


def sized_psd(n: int, active: np.ndarray | None = None) -> StandardForm:
    """A form with one PSD cone of order n and one variable: min x s.t. svec-rows b - A x in
    S+, A = 0. The rows with b != 0 make the cone's aggregate sparsity pattern: all of them
    by default (a dense cone), else the svec entries `active` (the diagonal is always on)."""
    k = svec_size(n)
    r, c = svec_indices(n)
    on = np.ones(k, dtype=bool) if active is None else (active | (r == c))
    b = np.where(on, np.where(r == c, 1.0, 0.01), 0.0)
    return StandardForm(c=np.ones(1), A=sp.csc_matrix((k, 1)), b=b, cones=ConeDims(psd=(n,)),
                        lb=np.zeros(1), ub=np.full(1, np.inf), integer=np.zeros(1, dtype=bool))


def maxcut(n: int, seed: int = 0) -> StandardForm:
    """min trace(C X) s.t. diag(X) = 1, X PSD, in x = svec(X)."""
    rng = np.random.default_rng(seed)
    C = rng.standard_normal((n, n))
    C = (C + C.T) / 2
    k = svec_size(n)
    r, c = svec_indices(n)
    diag = np.flatnonzero(r == c)
    A = sp.vstack([sp.csc_matrix((np.ones(n), (np.arange(n), diag)), shape=(n, k)),
                   -sp.identity(k, format="csc")]).tocsc()
    return StandardForm(c=svec(C), A=A, b=np.concatenate([np.ones(n), np.zeros(k)]),
                        cones=ConeDims(zero=n, psd=(n,)), lb=np.full(k, -np.inf), ub=np.full(k, np.inf),
                        integer=np.zeros(k, dtype=bool))


def patch_memory(monkeypatch, nbytes: int | None) -> None:
    monkeypatch.setattr(cb, "available_memory_bytes", lambda: nbytes)


# -- the estimate ---------------------------------------------------------------------------
def test_estimate_matches_the_formula_and_grows_as_k_squared():
    for n in (10, 60, 300, 700):
        sf = sized_psd(n)
        k = svec_size(n)
        expected = 57 * k * k + 128 * sf.A.nnz + 1024 * (sf.m + sf.n)
        assert mem.clarabel_peak_bytes(sf) == expected
        assert mem.clarabel_peak_bytes(sf, chordal=False) == expected
    big, bigger = mem.clarabel_peak_bytes(sized_psd(300)), mem.clarabel_peak_bytes(sized_psd(600))
    k1, k2 = svec_size(300), svec_size(600)
    assert bigger / big == pytest.approx((k2 / k1) ** 2, rel=0.01)
    # an order-300 cone (the K-means SDP of the issue): 8 k^2 = 16.3 GB per dense copy, ~116 GB at the peak
    assert 8 * svec_size(300) ** 2 == pytest.approx(16.3 * GB, rel=0.01)
    assert mem.clarabel_peak_bytes(sized_psd(300)) == pytest.approx(116 * GB, rel=0.01)


def test_two_cones_add_up():
    n, k = 50, svec_size(50)
    one = sized_psd(n)
    two = StandardForm(c=np.ones(1), A=sp.csc_matrix((2 * k, 1)), b=np.concatenate([one.b, one.b]),
                       cones=ConeDims(psd=(n, n)), lb=np.zeros(1), ub=np.full(1, np.inf),
                       integer=np.zeros(1, dtype=bool))
    assert mem.psd_cone_blocks(two) == [(n, [n]), (n, [n])]
    assert mem.clarabel_peak_bytes(two) == 2 * 57 * k * k + 1024 * (two.m + two.n)


def test_chordal_pattern_is_counted_by_its_cliques():
    """A cone of order 700 whose pattern is ten diagonal blocks of 70: Clarabel decomposes it
    into ten cones of order 70 (measured: a 4-block pattern of order 120 took 48 MB, not 2.6 GB)."""
    n = 700
    r, c = svec_indices(n)
    active = (r // 70) == (c // 70)
    sf = sized_psd(n, active)
    assert mem.psd_cone_blocks(sf) == [(n, [70] * 10)]
    assert mem.psd_cone_blocks(sf, chordal=False) == [(n, [n])]
    assert mem.clarabel_peak_bytes(sf) == 10 * 57 * svec_size(70) ** 2 + 1024 * (sf.m + sf.n)
    # layers 0-1, 1-2, 2-3 coupled (the LipSDP-Neuron band): cliques of two layers each
    sizes = [30, 50, 50, 50]
    layer = np.repeat(np.arange(4), sizes)
    r, c = svec_indices(180)
    band = np.abs(layer[r] - layer[c]) <= 1
    assert sorted(mem.psd_cone_blocks(sized_psd(180, band))[0][1]) == [80, 100, 100]
    # one hidden layer, input block diagonal only: the cliques {input i} + hidden layer merge
    # back into the whole cone (Clarabel: one cone of order 110 for a 10-100 net, 1.87 GB)
    r, c = svec_indices(80)
    inputs = (r < 10) & (c < 10) & (r != c)
    assert mem.psd_cone_blocks(sized_psd(80, ~inputs)) == [(80, [80])]


def test_available_memory_reads_meminfo_and_cgroup(monkeypatch):
    files = {
        "/proc/meminfo": "MemTotal:  32000000 kB\nMemFree: 1000 kB\nMemAvailable:   8000000 kB\n",
        "/sys/fs/cgroup/memory.max": "4000000000\n",
        "/sys/fs/cgroup/memory.current": "1000000000\n",
        "/sys/fs/cgroup/memory.stat": "anon 1\ninactive_file 500000000\n",
    }
    monkeypatch.setattr(mem, "_read", files.get)
    assert mem.available_memory_bytes() == 3_500_000_000          # the cgroup room is lower
    files["/sys/fs/cgroup/memory.max"] = "max\n"
    assert mem.available_memory_bytes() == 8_000_000 * 1024       # no limit: MemAvailable
    files["/sys/fs/cgroup/memory/memory.limit_in_bytes"] = "9223372036854771712\n"   # cgroup v1, no limit
    assert mem.available_memory_bytes() == 8_000_000 * 1024
    files["/sys/fs/cgroup/memory/memory.limit_in_bytes"] = "2000000000\n"
    files["/sys/fs/cgroup/memory/memory.usage_in_bytes"] = "500000000\n"
    assert mem.available_memory_bytes() == 1_500_000_000
    files.clear()                                                  # no /proc: os.sysconf or None
    avail = mem.available_memory_bytes()
    assert avail is None or avail > 0


# -- the check ------------------------------------------------------------------------------
def test_big_cone_is_refused_naming_order_memory_and_scs():
    if mem.available_memory_bytes() is None:
        pytest.skip("this system does not say how much memory is available")
    be = solvers.get_backend("clarabel")
    sf = sized_psd(700)   # 57 * 245350^2 bytes = 3.4 TB
    with pytest.raises(ValueError) as err:
        be.check(sf)
    msg = str(err.value)
    assert "backend 'clarabel' cannot solve this SDP" in msg
    assert "order 700" in msg and "3.4 TB" in msg and "available" in msg
    assert "backend='scs'" in msg and cb.MEMORY_CHECK_ENV in msg
    assert not be.accepts(sf)
    with pytest.raises(ValueError, match="order 700"):   # solve refuses before building anything
        be.solve(sf, SolveParams())


def test_auto_picks_scs_for_the_big_cone():
    if mem.available_memory_bytes() is None:
        pytest.skip("this system does not say how much memory is available")
    assert solvers.choose_backend(sized_psd(700)).name == "scs"


def test_small_sdp_is_accepted_and_solved():
    be = solvers.get_backend("clarabel")
    sf = maxcut(12)
    be.check(sf)
    assert be.accepts(sf)
    assert solvers.choose_backend(sf).name == "clarabel"
    res = be.solve(sf, SolveParams())
    assert res.status is Status.OPTIMAL
    assert res.objective == pytest.approx(res.bound, rel=1e-6, abs=1e-6)


def test_mid_size_cone_refused_when_memory_is_short(monkeypatch):
    be = solvers.get_backend("clarabel")
    sf = sized_psd(60)   # 57 * 1830^2 + 1024 * 1831 bytes = 193 MB
    patch_memory(monkeypatch, 16 * GB)
    be.check(sf)
    assert solvers.choose_backend(sf).name == "clarabel"
    patch_memory(monkeypatch, 300 * 10**6)   # half of it, 150 MB, is less than the 193 MB needed
    with pytest.raises(ValueError, match="its PSD cone of order 60 needs about 193 MB") as err:
        be.check(sf)
    assert "50% of the 300 MB available" in str(err.value) and "scs" in str(err.value)
    assert solvers.choose_backend(sf).name == "scs"   # auto passes over clarabel
    patch_memory(monkeypatch, None)                   # unknown: no refusal
    be.check(sf)


def test_sparse_pattern_refusal_names_the_decomposition(monkeypatch):
    n = 700
    r, c = svec_indices(n)
    sf = sized_psd(n, (r // 70) == (c // 70))   # ten blocks of 70: 10 * 57 * 2485^2 + 1024 * 245351 rows = 3.8 GB
    be = solvers.get_backend("clarabel")
    patch_memory(monkeypatch, 16 * GB)
    be.check(sf)                                  # decomposed: fits
    with pytest.raises(ValueError, match="order 700"):
        be.check(sf, chordal=False)               # as whole cones (chordal_decomposition_enable=False): 3.4 TB
    patch_memory(monkeypatch, 4 * GB)
    with pytest.raises(ValueError, match=r"order 700 \(split by Clarabel's chordal decomposition into 10 blocks "
                                         r"of order up to 70\) needs about 3.8 GB"):
        be.check(sf)


def test_escape_hatches(monkeypatch):
    be = solvers.get_backend("clarabel")
    sf = maxcut(8)
    patch_memory(monkeypatch, 1000)   # 1 kB: everything is refused
    with pytest.raises(ValueError, match="order 8 needs about"):
        be.solve(sf, SolveParams())
    res = be.solve(sf, SolveParams(options={"memory_check": False}))
    assert res.status is Status.OPTIMAL and res.parameters["memory_check"] is False
    with pytest.raises(ValueError, match="memory_check"):
        be.solve(sf, SolveParams(options={"memory_check": "no"}))
    with pytest.raises(ValueError, match="order 8"):  # chordal off: still counted (dense anyway)
        be.solve(sf, SolveParams(options={"chordal_decomposition_enable": False}))
    monkeypatch.setenv(cb.MEMORY_CHECK_ENV, "0")
    be.check(sf)
    assert be.solve(sf, SolveParams()).status is Status.OPTIMAL


def test_memory_check_option_through_model_solve(monkeypatch):
    import optlib

    m = optlib.Model()
    X = m.symmetric(4, psd=True)
    m.add(optlib.diag(X) == 1)
    m.minimize(X[0, 1] + X[1, 2])
    patch_memory(monkeypatch, 1000)
    with pytest.raises(ValueError, match="memory_check=False"):
        m.solve(backend="clarabel")
    assert m.solve(backend="clarabel", memory_check=False).status is Status.OPTIMAL


def test_lp_and_socp_are_not_checked(monkeypatch):
    patch_memory(monkeypatch, 1)
    sf = StandardForm(c=np.ones(2), A=sp.csc_matrix(-np.eye(2)), b=np.zeros(2), cones=ConeDims(nonneg=2),
                      lb=np.full(2, -np.inf), ub=np.full(2, np.inf), integer=np.zeros(2, dtype=bool))
    solvers.get_backend("clarabel").check(sf)
