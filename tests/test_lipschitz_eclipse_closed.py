"""eclipse-closed (closed-form diagonal multipliers after Syed and Hu 2025) and the deep study set."""
import numpy as np
import pytest

from problems.lipschitz import lipschitz_bound
from problems.lipschitz.certify_lmi import certify_lipsdp
from problems.lipschitz.deep import paper_random_net, trained_mlp
from problems.lipschitz.eclipse import certified_chain
from problems.lipschitz.eclipse_closed import FAMILIES, closed_form_lambda, eclipse_closed_bound
from problems.lipschitz.exact import exact_lipschitz_regions
from problems.lipschitz.lipsdp_matrices import neuron_slopes
from problems.lipschitz.lower import gradient_lower_bound
from problems.lipschitz.network import from_weights
from problems.lipschitz.suite import LipschitzSuite, network


def weights(seed=0, dims=(4, 7, 6, 5, 2)):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((dims[i + 1], dims[i])) / np.sqrt(dims[i]) for i in range(len(dims) - 1)]


def gram(n, seed):
    A = np.random.default_rng(seed).standard_normal((n, n + 2))
    return A @ A.T


@pytest.mark.parametrize("family", list(FAMILIES))
def test_each_family_is_feasible_inside_its_range_and_not_beyond(family):
    """2 Lambda^{-1} - Gamma > 0 for c inside the family's range; outside it the same formula
    fails on some Gamma (so the check below can fail)."""
    lo, hi = FAMILIES[family]
    for seed in range(5):
        G = gram(6, seed)
        for c in (lo, 0.5 * (lo + hi), hi):
            lam = closed_form_lambda(family, c, G)
            assert np.linalg.eigvalsh(np.diag(2.0 / lam) - G)[0] > 0
    bad = {"spectral": 2.5, "gershgorin": 2.5, "shift": 0.5}[family]
    assert any(np.linalg.eigvalsh(np.diag(2.0 / closed_form_lambda(family, bad, gram(6, s))) - gram(6, s))[0] < 0
               for s in range(5))


def test_spectral_family_at_one_is_eclipse_fast():
    net = from_weights(weights(0), "relu")
    fast = lipschitz_bound(net, "eclipse-fast", lower=False)
    one = certified_chain(net, "x", lambda k, layer, W_next: (closed_form_lambda(
        "spectral", 1.0, (layer.W.T * layer.s).T @ np.linalg.solve(layer.X_prev, layer.W.T * layer.s)), "s"))
    assert one.verified and one.value == pytest.approx(fast.value, rel=1e-8)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh"])
def test_closed_bound_certified_on_the_full_lipsdp_lmi(activation):
    """The multipliers behind the bound make the full LipSDP-Neuron matrix negative definite; a
    bound 2 % lower with the same multipliers does not pass."""
    net = from_weights(weights(1), activation)
    alpha, beta = neuron_slopes(net)
    b = lipschitz_bound(net, "eclipse-closed", lower=False)
    assert b.verified and b.method == "eclipse-closed" and b.status.name == "FEASIBLE"
    lam = np.concatenate(b.multipliers["lambda"])
    cert, _ = certify_lipsdp(list(net.weights), alpha, beta, lam, b.multipliers["rho"] * (1 + 1e-9), repair=False)
    assert cert.verified, cert.message
    low, _ = certify_lipsdp(list(net.weights), alpha, beta, lam, b.multipliers["rho"] * 0.98, repair=False)
    assert not low.verified


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_closed_between_the_exact_constant_and_eclipse_fast(seed):
    """exact <= eclipse-closed <= eclipse-fast on 2-D-input nets (a bound below the exact
    constant fails here), and lipsdp-neuron <= eclipse-closed."""
    net = from_weights(weights(seed, dims=(2, 8, 8, 6, 2)), "relu")
    exact = exact_lipschitz_regions(net).value
    closed = lipschitz_bound(net, "eclipse-closed", lower=False)
    fast = lipschitz_bound(net, "eclipse-fast", lower=False)
    neuron = lipschitz_bound(net, "lipsdp-neuron", lower=False)
    assert exact <= closed.value <= fast.value * (1 + 1e-9)
    assert neuron.bound <= closed.value * (1 + 1e-6)


def test_closed_on_a_deep_paper_net_above_sampled_gradients_and_below_fast():
    net = from_weights(paper_random_net(20, 16), "relu")
    closed = eclipse_closed_bound(net)
    fast = lipschitz_bound(net, "eclipse-fast", lower=False)
    lower = gradient_lower_bound(net, n_samples=256, steps=10)
    assert closed.verified and lower <= closed.value < fast.value
    assert "search" in closed.path and "certified:" in closed.path


def test_a_wrong_chain_is_not_certified():
    """Multipliers outside every family's range (Gershgorin with c = 3) give clique matrices that
    are not positive semidefinite: the answer is unverified and falls back to the product of norms."""
    net = from_weights(weights(0), "relu")

    def bad(k, layer, W_next):
        G = (layer.W.T * layer.s).T @ np.linalg.solve(layer.X_prev, layer.W.T * layer.s)
        return 3.0 / np.abs(G).sum(axis=1) * 4.0, "bad"

    b = certified_chain(net, "bad", bad)
    assert not b.verified and b.value == pytest.approx(net.naive_bound())


def test_closed_bad_input_and_time_limit():
    W = weights(0)
    with pytest.raises(ValueError, match="search_steps"):
        lipschitz_bound(W, "eclipse-closed", search_steps=-1)
    with pytest.raises(ValueError, match="layer_solver"):
        lipschitz_bound(W, "eclipse-closed", layer_solver="fo")
    with pytest.raises(ValueError, match="backend"):
        lipschitz_bound(W, "eclipse-closed", backend="scs")
    with pytest.raises(ValueError, match="family"):
        closed_form_lambda("diagonal", 1.0, np.eye(2))
    b = lipschitz_bound(from_weights(paper_random_net(30, 20), "relu"), "eclipse-closed", time_limit=1e-9, lower=False)
    assert b.verified and b.limit_reached == "time_limit"


def test_deep_study_set():
    suite = LipschitzSuite()
    assert "deep" in suite.sets
    runs = suite.runs("deep")
    methods = {r.method for r in runs}
    assert {"eclipse", "eclipse-fast", "eclipse-closed", "GradientLower", "naive"} <= methods
    assert {r.instance for r in runs} >= {"random-100x80", "trained-bc-100x80", "random-10x20"}
    assert any(r.method == "lipsdp-neuron" and r.instance == "random-10x20" for r in runs)
    net = network("paper:3:8", 0)
    assert tuple(net.dims) == (4, 8, 8, 1)
    out = suite.execute(next(r for r in runs if r.method == "eclipse-closed" and r.instance == "random-10x20"))
    assert out["status"] == "FEASIBLE" and out["verified"] and out["objective"] < out["naive"]
    with pytest.raises(ValueError, match="layers"):
        paper_random_net(1, 8)


def test_trained_mlp_is_cached_and_reproducible(tmp_path):
    pytest.importorskip("torch")
    W1, info = trained_mlp(3, 8, steps=20, cache=tmp_path)
    W2, info2 = trained_mlp(3, 8, steps=20, cache=tmp_path)
    assert len(W1) == 3 and W1[0].shape == (8, 9) and W1[-1].shape == (1, 8)
    assert all(np.array_equal(a, b) for a, b in zip(W1, W2)) and info == info2
    assert info["steps"] == 20 and 0.0 <= info["train_accuracy"] <= 1.0
    W3, _ = trained_mlp(3, 8, steps=20, cache=tmp_path / "other")
    assert all(np.allclose(a, b) for a, b in zip(W1, W3))          # retrained: the same weights
    with pytest.raises(ValueError, match="steps"):
        trained_mlp(3, 8, steps=-1, cache=tmp_path)


def test_bench_eclipse_without_torch_stops_before_any_work():
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "examples" / "bench_eclipse.py"
    code = ("import runpy, sys\nsys.modules['torch'] = None\n"
            f"sys.argv = [{str(script)!r}, '--quick', '--trained']\nrunpy.run_path(sys.argv[0], run_name='__main__')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and "pip install torch==2.13.0" in out.stderr and "Traceback" not in out.stderr
    assert "|" not in out.stdout
