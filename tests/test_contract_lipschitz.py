"""problems.lipschitz under the method contract (issue 17): no import cycle in the package,
every result satisfies optlib.Answer with an honest status, `backend=` / `time_limit=` /
`options=` with deprecated aliases, and one deadline for the whole call."""
import ast
import math
import time
import types
import warnings
from pathlib import Path

import numpy as np
import pytest

import optlib
from optlib import Deadline, Status, check_answer
from problems.lipschitz import LipschitzBound, LMICertificate, gradient_lower_bound, lipschitz_bound
from problems.lipschitz import api
from problems.lipschitz.grouped import grouped_bound
from problems.lipschitz.lipsdp import lipsdp_bound, lipsdp_single
from problems.lipschitz.network import from_weights

PACKAGE = Path(__file__).resolve().parents[1] / "problems" / "lipschitz"


def weights(dims=(3, 5, 4, 2), seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((dims[i + 1], dims[i])) / np.sqrt(dims[i]) for i in range(len(dims) - 1)]


def expired():
    d = Deadline(1e-3)
    time.sleep(0.005)
    assert d.expired()
    return d


# -- the import graph -----------------------------------------------------------------------------
def import_graph(package: Path) -> dict[str, set[str]]:
    """{module: modules of the same package it imports}, from every import statement in the
    module's source (top level and inside functions), relative or absolute."""
    names = {p.stem for p in package.glob("*.py")}
    dotted = "problems.lipschitz"
    graph: dict[str, set[str]] = {}
    for path in package.glob("*.py"):
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.ImportFrom):
                if node.level == 1 or node.module == dotted or (node.module or "").startswith(dotted + "."):
                    base = (node.module or "") if node.level == 1 else (node.module or "")[len(dotted) + 1:]
                    if base:
                        deps.add(base.split(".")[0])
                    else:                                    # from . import x, y
                        deps.update(a.name for a in node.names if a.name in names)
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith(dotted + "."):
                        deps.add(a.name[len(dotted) + 1:].split(".")[0])
        deps.discard(path.stem)
        graph[path.stem] = {d for d in deps if d in names}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the directed graph as a list of nodes (first == last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(u: str) -> list[str] | None:
        state[u] = 1
        stack.append(u)
        for v in sorted(graph.get(u, ())):
            if state.get(v) == 1:
                return stack[stack.index(v):] + [v]
            if v not in state:
                found = visit(v)
                if found:
                    return found
        stack.pop()
        state[u] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_import_graph_of_the_package_has_no_cycle():
    graph = import_graph(PACKAGE)
    assert {"lipsdp", "chordal", "lipsdp_matrices", "api", "bound"} <= set(graph)
    assert "lipsdp" in graph["api"] and "lipsdp_matrices" in graph["chordal"]   # the parser sees imports
    cycle = find_cycle(graph)
    assert cycle is None, f"import cycle in problems.lipschitz: {' -> '.join(cycle)}"
    assert "lipsdp" not in graph["chordal"] and "lipsdp" not in graph["firstorder"]
    assert graph["lipsdp_matrices"] <= {"network", "activations"}


# -- the answer protocol --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small():
    return from_weights(weights(), "relu")


def scaled_sdp_bound(res, net):
    """sqrt(optlib's bound on rho') * prod ||W_k||: the dual bound mapped to the original weights."""
    return math.sqrt(max(res.bound, 0.0)) * math.prod(float(np.linalg.norm(W, 2)) for W in net.weights)


@pytest.mark.parametrize("method, kw", [("lipsdp-neuron", {}), ("lipsdp-layer", {}),
                                        ("lipsdp-neuron-chordal", {}), ("lipsdp-nsr", {})])
def test_sdp_methods_answer(small, method, kw):
    b = lipschitz_bound(small, method, backend="clarabel", lower=False, **kw)
    check_answer(b)
    assert b.objective == b.value and b.verified
    assert b.results and b.results[0] is b.result_ and isinstance(b.results[0], optlib.Result)
    assert b.bound <= b.value and b.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert (b.status is Status.OPTIMAL) == (b.gap <= 1e-6)
    assert b.limit_reached is None and b.timings["total"] >= b.timings["solve"] > 0
    # free variables (chordal's Z_k, LipSDP-NSR's storage matrices) leave optlib without a
    # certified dual bound on clarabel's duals: then bound = -inf and the answer is FEASIBLE
    assert math.isfinite(b.bound) == math.isfinite(b.result_.bound)
    assert math.isfinite(b.bound) or b.status is Status.FEASIBLE
    if method in ("lipsdp-neuron", "lipsdp-layer"):   # scaled LMI: the bound is mapped back
        assert math.isfinite(b.bound)
        assert b.bound == pytest.approx(scaled_sdp_bound(b.result_, small), rel=1e-12)
    elif math.isfinite(b.bound) and method == "lipsdp-nsr":   # solved unscaled
        assert b.bound == pytest.approx(math.sqrt(b.result_.bound), rel=1e-12)


def test_lipsdp_neuron_on_clarabel_is_optimal(small):
    b = lipschitz_bound(small, "lipsdp-neuron", backend="clarabel", lower=True,
                        lower_options={"n_samples": 256, "steps": 5})
    assert b.status is Status.OPTIMAL and b.gap <= 1e-6
    # the gradient lower bound is a bound on L(f), not on the SDP optimum: it stays apart
    assert b.lower is not None and b.lower <= b.value and b.bound != b.lower
    assert "status: OPTIMAL" in b.summary() and "lower" in b.timings


def test_naive_and_spectral_answers(small):
    naive = lipschitz_bound(small, "naive", lower=False)
    check_answer(naive)
    assert naive.status is Status.FEASIBLE and naive.bound == -math.inf and naive.results == ()
    one = lipschitz_bound([np.array([[3.0, 4.0]])], "lipsdp-neuron", lower=False)
    check_answer(one)
    assert one.status is Status.OPTIMAL and one.value == one.bound == pytest.approx(5.0)


def test_split_answer_multiplies_bounds(small):
    b = lipschitz_bound(small, "lipsdp-neuron", split=2, backend="clarabel", lower=False)
    check_answer(b)
    assert len(b.parts) == 2 and len(b.results) == 1          # the second chunk is one matrix
    assert b.bound == pytest.approx(math.prod(p.bound for p in b.parts), rel=1e-12)
    assert b.bound <= b.value and b.status.has_solution


def test_network_formulation_is_unverified(small):
    b = lipschitz_bound(small, "lipsdp-network", backend="clarabel", lower=False)
    check_answer(b)
    assert not b.valid and b.status is Status.UNVERIFIED and not b.verified


def test_linf_rows_answer():
    net = from_weights(weights((3, 4, 3)), "maxmin")
    b = lipschitz_bound(net, "lipsdp-nsr", norm="linf", backend="clarabel", lower=False)
    check_answer(b)
    assert len(b.parts) == 3 and len(b.results) == 3
    assert b.bound == max(p.bound for p in b.parts) <= b.value


def test_first_order_answer(small):
    pytest.importorskip("torch")
    b = lipschitz_bound(small, "lipsdp-neuron-fo", lower=False, device="cpu", max_iter=3)
    check_answer(b)
    assert b.results == () and b.bound == -math.inf and b.status is Status.FEASIBLE
    assert b.limit_reached == "iteration_limit"


def test_exact_answer(small):
    from problems.lipschitz.exact import exact_lipschitz_regions

    e = exact_lipschitz_regions(small)
    check_answer(e)
    assert e.status is Status.OPTIMAL and e.verified and e.bound == e.objective == e.value and e.gap == 0.0
    b = lipschitz_bound(small, "lipsdp-neuron", backend="clarabel", lower=False)
    assert e.value <= b.value * (1 + 1e-9)


def test_status_is_derived_honestly():
    res = types.SimpleNamespace(x=None, status=Status.NO_SOLUTION, limit_reached="time_limit")
    no_point = LipschitzBound(value=3.0, method="m", result_=res,
                              certificate=LMICertificate(False, message="no solution"))
    check_answer(no_point)
    assert no_point.status is Status.NO_SOLUTION and no_point.limit_reached == "time_limit"
    failed = LipschitzBound(value=3.0, method="m", certificate=LMICertificate(False), bound=2.9)
    assert failed.status is Status.UNVERIFIED
    wide = LipschitzBound(value=3.0, method="m", certificate=LMICertificate(True), bound=2.9)
    tight = LipschitzBound(value=3.0, method="m", certificate=LMICertificate(True), bound=3.0 - 1e-7)
    assert wide.status is Status.FEASIBLE and tight.status is Status.OPTIMAL
    with pytest.raises(ValueError, match="status"):
        LipschitzBound(value=1.0, method="m", status="optimal")


# -- backend= / time_limit= / options= ------------------------------------------------------------
def test_options_reach_the_backend(small):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        b = lipschitz_bound(small, backend="scs", options={"eps_abs": 1e-7}, lower=False)
    assert b.result_.backend.parameters.get("eps_abs") == 1e-7


@pytest.mark.parametrize("kw", [{"solve_options": {"eps_abs": 1e-7}}, {"eps_abs": 1e-7}])
def test_deprecated_option_spellings_warn_and_still_work(small, kw):
    with pytest.warns(FutureWarning, match="options="):
        b = lipschitz_bound(small, backend="scs", lower=False, **kw)
    assert b.result_.backend.parameters.get("eps_abs") == 1e-7


def test_deprecated_spellings_of_the_inner_functions(small):
    with pytest.warns(FutureWarning, match="options="):
        lipsdp_single(small, backend="clarabel", solve_options={"verbose": False})
    with pytest.warns(FutureWarning, match="options="):
        grouped_bound(small, backend="clarabel", verbose=False)


@pytest.mark.parametrize("kw, match", [({"options": {"time_limit": 3}}, "time_limit"),
                                       ({"options": "fast"}, "options must be a dict"),
                                       ({"method": "naive", "options": {"eps": 1}}, "takes no options"),
                                       ({"time_limit": -1}, "time_limit"),
                                       ({"lower_options": 5}, "lower_options")])
def test_bad_contract_arguments(small, kw, match):
    with pytest.raises(ValueError, match=match):
        lipschitz_bound(small, **{"lower": False, **kw})


def test_expired_deadline_gives_labelled_naive_chunks_without_solving(monkeypatch):
    import problems.lipschitz.lipsdp as lipsdp_module

    real = lipsdp_module.lipsdp_single

    def only_closed_forms(net, *args, **kw):
        assert len(net.weights) == 1, "a subnetwork was set up for a solve after the deadline"
        return real(net, *args, **kw)

    monkeypatch.setattr(lipsdp_module, "lipsdp_single", only_closed_forms)
    W = weights((3, 5, 4, 6, 2))
    b = lipsdp_bound(W, split=2, time_limit=expired())
    check_answer(b)
    assert b.results == () and b.limit_reached == "time_limit" and b.status is Status.NO_SOLUTION
    assert all(p.status is Status.NO_SOLUTION and "time limit" in p.method for p in b.parts)
    assert b.value == pytest.approx(math.prod(from_weights(W[s:s + 2]).naive_bound() for s in (0, 2)))


def test_expired_deadline_skips_the_remaining_output_rows():
    net = from_weights(weights((3, 4, 3)), "maxmin")
    b = grouped_bound(net, norm="linf", time_limit=expired())
    check_answer(b)
    assert b.results == () and all(p.status is Status.NO_SOLUTION for p in b.parts)
    assert b.limit_reached == "time_limit" and b.value == pytest.approx(b.naive)


def test_lower_bound_is_skipped_once_the_time_is_spent(small, monkeypatch):
    real = api.lipsdp_bound

    def slow(*args, **kw):
        out = real(*args, **kw)
        time.sleep(0.3)                    # the solve used up the budget
        return out

    monkeypatch.setattr(api, "lipsdp_bound", slow)
    b = lipschitz_bound(small, backend="clarabel", time_limit=0.25)
    check_answer(b)
    assert b.lower is None and b.limit_reached == "time_limit" and "lower bound skipped" in b.path
    assert b.verified                      # the certificate is never skipped


@pytest.mark.parametrize("n_samples, steps", [(2048, 60), (16384, 0)])   # ascent / sampling cut
def test_gradient_lower_bound_honours_its_time_limit(n_samples, steps):
    net = from_weights(weights((20, 64, 64, 5)), "relu")
    t0 = time.perf_counter()
    full = gradient_lower_bound(net, n_samples=n_samples, steps=steps)
    t_full = time.perf_counter() - t0
    t0 = time.perf_counter()
    cut = gradient_lower_bound(net, n_samples=n_samples, steps=steps, time_limit=expired())
    t_cut = time.perf_counter() - t0
    assert 0 < cut <= full and t_cut < 0.5 * t_full
