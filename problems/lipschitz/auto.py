"""`method="auto"` of `lipschitz_bound`: which bound to compute for a network, and why.

The rule (the answer's `reason` says which branch was taken):

* a residual network, a norm other than l2, or activations that are not slope-restricted
  (GroupSort / MaxMin / Householder) -> ``lipsdp-nsr`` (Pauli et al., ICLR 2024), the only
  formulation here that covers them;
* slope-restricted, l2, at most AUTO_SDP_MAX_NEURONS hidden neurons (or `split` given) ->
  ``lipsdp-neuron`` (one LMI of order n_0 + N; Fazlyab et al., NeurIPS 2019);
* more than AUTO_DEEP_LAYERS hidden layers -> ``eclipse`` (layer-wise, linear in depth; Xu and
  Sivaranjani, NeurIPS 2024), where the first-order path converges slowly;
* larger nets: ``lipsdp-neuron-fo`` when torch is installed and the backend is 'auto' or
  'torch', else ``lipsdp-neuron-chordal`` up to AUTO_CHORDAL_MAX_NEURONS neurons, else
  ``eclipse``.
"""
from __future__ import annotations

import importlib.util
from typing import Any

#: hidden neurons up to which auto solves the LipSDP-Neuron LMI as one SDP
AUTO_SDP_MAX_NEURONS = 200
#: hidden layers above which auto takes the layer-wise ECLipsE
AUTO_DEEP_LAYERS = 16
#: hidden neurons up to which auto takes Chordal-LipSDP when torch is missing
AUTO_CHORDAL_MAX_NEURONS = 1000


def choose_method(net: Any, norm: str, split: int | None = None, backend: str = "auto",
                  residual: bool = False) -> tuple[str, str]:
    """(method, reason) for `method="auto"` (module docstring)."""
    if residual:
        return "lipsdp-nsr", "residual network: only the ICLR 2024 constraints (lipsdp-nsr) cover it"
    if norm != "l2":
        return "lipsdp-nsr", f"norm {norm}: the LipSDP family is l2 only; lipsdp-nsr covers l_inf"
    if not net.slope_restricted:
        bad = sorted({a.name for a in net.activations if not a.slope_restricted})
        return "lipsdp-nsr", (f"{', '.join(bad)} activations are not slope-restricted: "
                              "the ICLR 2024 constraints (lipsdp-nsr)")
    N = sum(net.hidden)
    if split is not None or N <= AUTO_SDP_MAX_NEURONS:
        why = f"split={split} given" if split is not None else f"{N} hidden neurons <= {AUTO_SDP_MAX_NEURONS}"
        return "lipsdp-neuron", f"slope-restricted, {why}: one LipSDP-Neuron SDP"
    layers = len(net.hidden)
    if layers > AUTO_DEEP_LAYERS and backend == "auto":
        return "eclipse", (f"{layers} hidden layers > {AUTO_DEEP_LAYERS}: layer-wise ECLipsE "
                           "(linear in depth)")
    torch = importlib.util.find_spec("torch") is not None
    if torch and backend in ("auto", "torch"):
        return "lipsdp-neuron-fo", f"{N} hidden neurons > {AUTO_SDP_MAX_NEURONS}: first-order LipSDP-Neuron (torch)"
    if N <= AUTO_CHORDAL_MAX_NEURONS or backend != "auto":
        return "lipsdp-neuron-chordal", (f"{N} hidden neurons > {AUTO_SDP_MAX_NEURONS}"
                                         + ("" if torch else ", torch not installed")
                                         + ": Chordal-LipSDP (PSD cones of order n_k + n_k+1)")
    return "eclipse", f"{N} hidden neurons > {AUTO_CHORDAL_MAX_NEURONS}, torch not installed: layer-wise ECLipsE"
