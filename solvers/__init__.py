"""Backend adapters, exact baselines and neural surrogates.

Backends are registered by name and imported lazily, so a missing optional package only
matters when that backend is asked for.
"""
from __future__ import annotations

import importlib

from .base import Backend, Capabilities, MissingDependency

# name -> (module, class). `cvxpy:<SOLVER>` is handled by `get_backend`.
_REGISTRY: dict[str, tuple[str, str]] = {
    "highs": ("solvers.highs_backend", "HighsBackend"),
    "scip": ("solvers.ortools_backend", "ScipBackend"),
    "cpsat": ("solvers.cpsat_backend", "CpSatBackend"),
    "glop": ("solvers.ortools_backend", "GlopBackend"),
    "pdlp": ("solvers.ortools_backend", "PdlpBackend"),
    "clarabel": ("solvers.clarabel_backend", "ClarabelBackend"),
    "scs": ("solvers.scs_backend", "ScsBackend"),
}

# What `auto` tries, in order, for each problem class.
AUTO_PREFERENCE: dict[str, tuple[str, ...]] = {
    "LP": ("highs", "glop", "clarabel", "scip", "scs", "pdlp"),
    "MILP": ("highs", "scip", "cpsat"),
    "SOCP": ("clarabel", "scs"),
    "SDP": ("clarabel", "scs"),
    "MISOCP": ("cvxpy:SCIP",),
    "MISDP": (),
}

# Clarabel's interior-point KKT system holds each PSD cone's scaling as a dense block of
# order n(n+1)/2: measured here, a LipSDP LMI of order ~310 asked for 3.4 GB and an SDP
# K-means of n = 150 took 145 s (SCS: n = 800 in 70 s). Above this order auto tries SCS first.
LARGE_PSD_ORDER = 100

_INSTANCES: dict[str, Backend] = {}


def get_backend(name: str) -> Backend:
    """The backend called `name` ('highs', 'scip', 'cpsat', 'glop', 'pdlp', 'clarabel',
    'scs' or 'cvxpy:<SOLVER>'). Unknown names raise ValueError listing the known ones."""
    if not isinstance(name, str):
        raise ValueError(f"backend must be a string, got {type(name).__name__}")
    key = name.strip()
    if key in _INSTANCES:
        return _INSTANCES[key]
    if key.lower().startswith("cvxpy:"):
        solver = key.split(":", 1)[1].strip().upper()
        if not solver:
            raise ValueError("backend 'cvxpy:' needs a CVXPY solver name, e.g. 'cvxpy:CLARABEL'")
        from .cvxpy_backend import CvxpyBackend

        inst: Backend = CvxpyBackend(solver)
    else:
        low = key.lower()
        if low not in _REGISTRY:
            known = ", ".join(sorted(_REGISTRY) + ["cvxpy:<SOLVER>", "auto"])
            raise ValueError(f"unknown backend {name!r}; known backends: {known}")
        mod, cls = _REGISTRY[low]
        inst = getattr(importlib.import_module(mod), cls)()
        key = low
    _INSTANCES[key] = inst
    return inst


def backends() -> list[str]:
    """Names of the installed backends (the `cvxpy:<SOLVER>` ones for CVXPY's installed solvers)."""
    names = [n for n in _REGISTRY if get_backend(n).available()]
    try:
        import cvxpy

        names += [f"cvxpy:{s}" for s in cvxpy.installed_solvers()]
    except ImportError:
        pass
    return names


def auto_order(sf) -> tuple[str, ...]:
    """The backends `auto` tries for `sf`, in order."""
    order = AUTO_PREFERENCE.get(sf.problem_class, ())
    if sf.problem_class == "SDP" and max(sf.cones.psd, default=0) > LARGE_PSD_ORDER and "scs" in order:
        order = ("scs",) + tuple(n for n in order if n != "scs")
    return order


def choose_backend(sf) -> Backend:
    """The backend `auto` picks for a StandardForm: the first installed one that accepts it
    (for an SDP with a PSD cone of order > LARGE_PSD_ORDER, the first-order SCS goes first)."""
    tried = []
    order = auto_order(sf)
    for name in order:
        try:
            be = get_backend(name)
        except (ValueError, ImportError):
            continue
        if be.available() and be.accepts(sf):
            return be
        tried.append(name)
    hint = " (tried: " + ", ".join(tried) + ")" if tried else ""
    extra = ""
    if sf.problem_class == "MISOCP":
        extra = "; install a mixed-integer conic solver for CVXPY: pip install pyscipopt"
    raise ValueError(f"no installed backend can solve this {sf.problem_class}{hint}{extra}")


__all__ = ["Backend", "Capabilities", "MissingDependency", "get_backend", "backends", "choose_backend",
           "auto_order"]
