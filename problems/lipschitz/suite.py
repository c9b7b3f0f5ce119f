"""The `lipschitz` benchmark suite: LipSDP variants on each SDP backend beside the exact
Lipschitz constant (linear regions, tiny 2-D-input nets) and the naive product bound.

Methods: 'naive' (product of layer norms), 'lipsdp-neuron' (on `backend`: clarabel, scs),
'lipsdp-layer', 'lipsdp-neuron-chordal', 'lipsdp-neuron-fo' (first order, torch, CPU; paper set)
through `lipschitz_bound` (certified upper bounds: objective = the bound L, `bound` = the
certified lower bound on the formulation's optimum), and 'ExactLipschitz' (the exact constant
by enumerating the linear regions, `exact.exact_lipschitz_regions`; the baseline on nets with a
2-D input). Extras: ratio = objective / exact constant where known, neurons.

    quick: random ReLU nets 2 - w x k - 2 (weights N(0, 1/fan_in), the run's seed) for
           (w, k) = (8, 2), (10, 3), seeds 0 and 1; 60 s per run; baseline = the exact
           constant (every run recomputes nothing: it is cached per process)
    paper: docs/studies.md: the LipSDP authors' nets (lipsdp_random_weights 2-10-30-20-2 with
           its exact constant, lipsdp_mnist_weights 784-50-10; shipped with optlib) and random
           10 - w x k - 10 nets (seed 0) 2 x 64, 3 x 100, 8 x 64; 300 s per run
    deep:  the layer-wise methods (eclipse, eclipse-fast, eclipse-closed) beside the naive bound,
           a sampled gradient lower bound ('GradientLower') and LipSDP-Neuron where it is
           solvable (clarabel up to DEEP_SDP_MAX hidden neurons, the chordal form up to
           DEEP_CHORDAL_MAX), on 10, 30, 50 and 100 weight matrices of width 20 and 80: the ECLipsE
           paper's random nets (`deep.paper_random_net`) and MLPs trained on breast-cancer
           (`deep.trained_mlp`, torch; cached under the temp folder); 600 s per run
"""
from __future__ import annotations

import functools
import time
from typing import Any

import numpy as np

from optlib.suites.base import Run

from .._suite_common import MethodSuite, from_answer, locate, missing_package, number
from .api import lipschitz_bound
from .deep import paper_random_net, trained_mlp
from .exact import exact_lipschitz_regions
from .lower import gradient_lower_bound
from .network import Network, as_network, from_weights, load_mat

QUICK_NETS = ((8, 2), (10, 3))
PAPER_RANDOM = ((64, 2), (100, 3), (64, 8))
SHIPPED = ("lipsdp_random_weights", "lipsdp_mnist_weights")
EXACT_MAX_INPUT = 2                      # region enumeration only on 2-D inputs
DEEP_LAYERS = (10, 30, 50, 100)
DEEP_WIDTHS = (20, 80)
DEEP_SDP_MAX = 200                        # lipsdp-neuron (clarabel) up to this many hidden neurons
DEEP_CHORDAL_MAX = 600                    # lipsdp-neuron-chordal (clarabel) up to this many


def random_net(width: int, layers: int, n_in: int, n_out: int, seed: int) -> Network:
    """A ReLU net n_in - width x layers - n_out with N(0, 1/fan_in) weights from `seed`."""
    rng = np.random.default_rng(seed)
    dims = [n_in] + [width] * layers + [n_out]
    return as_network([rng.standard_normal((dims[i + 1], dims[i])) / np.sqrt(dims[i]) for i in range(len(dims) - 1)])


@functools.lru_cache(maxsize=8)
def network(spec: str, seed: int, data: str | None = None) -> Network:
    """'random:IN:W:K:OUT', 'paper:LAYERS:W' (`deep.paper_random_net`), 'trained:LAYERS:W'
    (`deep.trained_mlp`, seed = `seed`) or the name of a shipped LipSDP network ('networks/NAME.mat')."""
    if spec.startswith("paper:"):
        layers, w = (int(v) for v in spec.split(":")[1:])
        return from_weights(paper_random_net(layers, w), "relu")
    if spec.startswith("trained:"):
        layers, w = (int(v) for v in spec.split(":")[1:])
        return from_weights(trained_mlp(layers, w, seed=seed, data=data)[0], "relu")
    if spec.startswith("random:"):
        n_in, w, k, n_out = (int(v) for v in spec.split(":")[1:])
        return random_net(w, k, n_in, n_out, seed)
    return load_mat(locate(f"networks/{spec}.mat", data))


@functools.lru_cache(maxsize=8)
def exact_constant(spec: str, seed: int, data: str | None = None) -> float:
    """The exact Lipschitz constant (l2) of the bias-free net over R^n0 (regions meeting [-1, 1]^n0)."""
    return float(exact_lipschitz_regions(network(spec, seed, data)).value)


class LipschitzSuite(MethodSuite):
    """LipSDP variants, the naive bound and the exact constant (see the module docstring)."""

    name = "lipschitz"
    sets = ("quick", "paper", "deep")
    handlers = {m: "_bound" for m in ("naive", "lipsdp-neuron", "lipsdp-layer", "lipsdp-neuron-chordal",
                                      "lipsdp-neuron-fo", "eclipse", "eclipse-fast", "eclipse-closed")}
    handlers["ExactLipschitz"] = "_exact"
    handlers["GradientLower"] = "_lower"

    def _runs(self, which: str, data: str | None) -> list[Run]:
        out: list[Run] = []
        extra = {} if data is None else {"data": str(data)}
        if which == "quick":
            for w, k in QUICK_NETS:
                for seed in (0, 1):
                    spec = f"random:2:{w}:{k}:2"
                    inst = f"relu-2-{w}x{k}-2"
                    o = {"net": spec, "time_limit": 60.0}
                    out.append(Run(self.name, inst, "ExactLipschitz", "", seed, o))
                    out.append(Run(self.name, inst, "naive", "", seed, o))
                    for be in ("clarabel", "scs"):
                        out.append(Run(self.name, inst, "lipsdp-neuron", be, seed, o))
                    out.append(Run(self.name, inst, "lipsdp-layer", "clarabel", seed, o))
                    out.append(Run(self.name, inst, "lipsdp-neuron-chordal", "clarabel", seed, o))
            return out
        if which == "deep":
            return self._deep_runs(extra)
        for name in SHIPPED:
            locate(f"networks/{name}.mat", data)          # fail early, naming the file and its source
        nets = [(name, name) for name in SHIPPED] + [(f"random-10-{w}x{k}-10", f"random:10:{w}:{k}:10")
                                                      for w, k in PAPER_RANDOM]
        for inst, spec in nets:
            o = {"net": spec, "time_limit": 300.0, **extra}
            if spec == "lipsdp_random_weights":
                out.append(Run(self.name, inst, "ExactLipschitz", "", 0, o))
            out.append(Run(self.name, inst, "naive", "", 0, o))
            for be in ("scs", "clarabel"):
                out.append(Run(self.name, inst, "lipsdp-neuron", be, 0, o))
            out.append(Run(self.name, inst, "lipsdp-neuron-chordal", "scs", 0, o))
            out.append(Run(self.name, inst, "lipsdp-neuron-fo", "", 0, {**o, "device": "cpu"}))
        return out

    def _deep_runs(self, extra: dict[str, Any]) -> list[Run]:
        out: list[Run] = []
        for kind in ("paper", "trained"):
            for layers in DEEP_LAYERS:
                for w in DEEP_WIDTHS:
                    inst = f"{'random' if kind == 'paper' else 'trained-bc'}-{layers}x{w}"
                    o = {"net": f"{kind}:{layers}:{w}", "time_limit": 600.0, **extra}
                    for m in ("GradientLower", "naive", "eclipse-fast", "eclipse-closed", "eclipse"):
                        out.append(Run(self.name, inst, m, "", 0, o))
                    neurons = (layers - 1) * w
                    if neurons <= DEEP_SDP_MAX:
                        out.append(Run(self.name, inst, "lipsdp-neuron", "clarabel", 0, o))
                    elif neurons <= DEEP_CHORDAL_MAX:
                        out.append(Run(self.name, inst, "lipsdp-neuron-chordal", "clarabel", 0, o))
        return out

    def missing(self, runs: list[Run]) -> list[str]:
        """torch, when a run uses the first-order method or a trained net."""
        out = []
        msg = missing_package("torch")
        if msg and any(r.method == "lipsdp-neuron-fo" for r in runs):
            out.append(msg + " (for lipsdp-neuron-fo)")
        if msg and any(str(r.options.get("net", "")).startswith("trained:") for r in runs):
            out.append(msg + " (to train the deep set's MLPs)")
        return out

    # -- handlers ------------------------------------------------------------------------
    @staticmethod
    def _net(run: Run) -> tuple[str, Network]:
        spec = str(run.options["net"])
        return spec, network(spec, run.seed, run.options.get("data"))

    def _with_exact(self, run: Run, out: dict[str, Any], spec: str, net: Network) -> dict[str, Any]:
        out["neurons"] = int(sum(net.hidden))
        if net.dims[0] <= EXACT_MAX_INPUT and not net.biases:
            t0 = time.perf_counter()
            exact = exact_constant(spec, run.seed, run.options.get("data"))
            out["baseline"], out["baseline_seconds"] = exact, time.perf_counter() - t0
            if out.get("objective") is not None:
                out["ratio"] = out["objective"] / exact
        return out

    def _bound(self, run: Run) -> dict[str, Any]:
        spec, net = self._net(run)
        kw: dict[str, Any] = {"method": run.method, "lower": False, "time_limit": run.options.get("time_limit")}
        if run.backend:
            kw["backend"] = run.backend
        if run.method == "lipsdp-neuron-fo":
            msg = missing_package("torch")
            if msg:
                raise ModuleNotFoundError(msg)
            kw["device"] = run.options.get("device", "cpu")
        t0 = time.perf_counter()
        b = lipschitz_bound(net, **kw)
        out = from_answer(b, seconds=time.perf_counter() - t0, path=b.path, naive=number(b.naive))
        if not b.valid:
            out["message"] = "not a valid upper bound in general; " + out["message"]
        return self._with_exact(run, out, spec, net)

    def _lower(self, run: Run) -> dict[str, Any]:
        """The largest sampled gradient norm (`lower.gradient_lower_bound`): a lower bound on L."""
        spec, net = self._net(run)
        t0 = time.perf_counter()
        lo = gradient_lower_bound(net, time_limit=min(60.0, float(run.options.get("time_limit") or 60.0)))
        value = float(getattr(lo, "value", lo))
        out = {"status": "FEASIBLE", "objective": value, "bound": None, "gap": None, "verified": False,
               "seconds": time.perf_counter() - t0, "neurons": int(sum(net.hidden)),
               "message": "lower bound: the largest ||J(x)||_2 found at sampled and optimised inputs"}
        return self._with_exact(run, out, spec, net)

    def _exact(self, run: Run) -> dict[str, Any]:
        spec, net = self._net(run)
        t0 = time.perf_counter()
        e = exact_lipschitz_regions(net)
        out = from_answer(e, seconds=time.perf_counter() - t0, n_regions=int(e.n_regions))
        out["message"] = f"exact: maximum of ||J|| over {e.n_regions} linear regions"
        return self._with_exact(run, out, spec, net)
