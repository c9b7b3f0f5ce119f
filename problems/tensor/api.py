"""`core_shape` and `core_shape_path`: Tucker core shapes under a size budget.

    from problems.tensor import core_shape, core_shape_path
    cs = core_shape(X, budget=20000, method="ip")     # or "exact", "greedy", "hosvd-greedy", ...
    print(cs.shape, cs.packed_value, cs.optimal, cs.error_bound, cs.fit(n_iter=5).rre)
    path = core_shape_path(X, range(4000, 100001, 2000))   # one DP pass for every budget

Methods: ``exact`` (dynamic programme, `packing.py`: proved optimal), ``ip`` (the exact
product-chain MILP in optlib, `milp.py`; ``formulation="log-split"`` is the paper's grid of
log-linearised MILPs), ``brute-force`` (every feasible shape; small cases), ``greedy``
(the paper's baseline on the true error: grow the mode whose increment lowers the
truncated-HOSVD error, or the HOOI error with `n_iter` > 0, most), ``hosvd-greedy``
(grow the mode with the largest next sigma^2) and ``hosvd-bang-for-buck`` (largest
sigma^2 per parameter added).
"""
from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import numpy as np

from .data import as_tensor
from .milp import solve_log_split, solve_product_chain
from .packing import (
    ExactCertificate,
    Packing,
    brute_force,
    check_budget,
    exact_states,
    hosvd_greedy,
)
from .shape import CoreShape
from .spectrum import ModeSpectra, mode_spectra
from .tucker import HosvdEnergy, error_greedy, hooi

METHODS = ("ip", "exact", "brute-force", "greedy", "hosvd-greedy", "hosvd-bang-for-buck")


def _method(method: Any) -> str:
    key = method.strip().lower().replace("_", "-") if isinstance(method, str) else None
    if key not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    return key


def _prepare(tensor: Any, spectra: ModeSpectra | None) -> tuple[Any, ModeSpectra, Packing]:
    X = as_tensor(tensor)
    if spectra is None:
        spectra = mode_spectra(X)
    elif not isinstance(spectra, ModeSpectra) or spectra.shape != tuple(X.shape):
        raise ValueError(f"spectra must be the ModeSpectra of this tensor (shape {tuple(X.shape)})")
    return X, spectra, Packing(spectra.shape, spectra.prefix_sums())


def _answer(X: Any, spectra: ModeSpectra, packing: Packing, ranks: tuple[int, ...], budget: int, method: str,
            bound: float, optimal: bool, t0: float, certificate: Any = None, result: Any = None,
            message: str = "") -> CoreShape:
    value = packing.value(ranks)
    norm = spectra.norm_sq
    suffix = [norm - packing.prefix[n][r] for n, r in enumerate(ranks)]
    return CoreShape(shape=tuple(int(r) for r in ranks), budget=budget, method=method, packed_value=value,
                     bound=max(bound, value), error_bound=max(0.0, sum(suffix) / norm),
                     lower_bound=max(0.0, max(suffix) / norm), size=packing.size(ranks), optimal=optimal,
                     certificate=certificate, result_=result, time=time.perf_counter() - t0, message=message,
                     tensor_shape=tuple(X.shape), _tensor=X, _spectra=spectra)


def _exact_certificate(packing: Packing, ranks: tuple[int, ...], budget: int, kind: str, states: Any = None,
                       n_shapes: int = 0) -> ExactCertificate:
    size = packing.size(ranks)
    return ExactCertificate(kind=kind, verified=size <= budget, value=packing.value(ranks), size=size,
                            budget=budget, n_states=states.n_states if states is not None else (),
                            n_candidates=states.n_candidates if states is not None else n_shapes)


def _solve_one(X: Any, spectra: ModeSpectra, packing: Packing, budget: int, method: str, t0: float,
               backend: str, time_limit: float | None, options: dict, cache: dict | None = None) -> CoreShape:
    within = min(budget, packing.full_size)      # a larger budget admits no further shape
    allowed = {"exact": (), "brute-force": ("max_shapes",), "greedy": ("n_iter",),
               "hosvd-greedy": (), "hosvd-bang-for-buck": ()}.get(method)
    if allowed is not None and set(options) - set(allowed):
        raise ValueError(f"method {method!r} takes {'only ' + ', '.join(allowed) if allowed else 'no options'}, "
                         f"got {', '.join(sorted(set(options) - set(allowed)))}")
    if method == "exact":
        states = exact_states(packing, within)
        ranks, value = states.best(within)
        cert = _exact_certificate(packing, ranks, budget, "dynamic-programming", states)
        return _answer(X, spectra, packing, ranks, budget, method, value, cert.verified, t0, cert)
    if method == "brute-force":
        ranks, value, count = brute_force(packing, within, **options)
        cert = _exact_certificate(packing, ranks, budget, "enumeration", n_shapes=count)
        return _answer(X, spectra, packing, ranks, budget, method, value, cert.verified, t0, cert)
    if method == "ip":
        formulation = options.pop("formulation", "product-chain")
        if formulation == "product-chain":
            if "eps" in options:
                raise ValueError("eps applies to formulation='log-split' only")
            sol = solve_product_chain(packing, within, backend, time_limit, **options)
        elif formulation == "log-split":
            sol = solve_log_split(packing, within, backend=backend, time_limit=time_limit, **options)
        else:
            raise ValueError(f"formulation must be 'product-chain' or 'log-split', got {formulation!r}")
        ranks, message = sol.ranks, sol.message
        if ranks is None:                       # no incumbent (time limit): the all-ones shape is feasible
            ranks = tuple([1] * packing.ndim)
            message = (message + "; " if message else "") + f"no MILP incumbent ({sol.result.status.name}); all ranks 1"
        bound = sol.bound if np.isfinite(sol.bound) else packing.upper_bound(budget)
        cert = sol.result.certificate if sol.result is not None else None
        return _answer(X, spectra, packing, ranks, budget, f"ip:{formulation}", bound, sol.optimal, t0, cert,
                       sol.result if sol.result is not None else sol.results, message)
    if method == "greedy":
        n_iter = options.pop("n_iter", 0)
        if isinstance(n_iter, bool) or not isinstance(n_iter, int) or n_iter < 0:
            raise ValueError(f"n_iter must be a nonnegative integer, got {n_iter!r}")
        cache = {} if cache is None else cache
        if n_iter == 0:
            if "energy" not in cache:
                cache["energy"] = HosvdEnergy(X, spectra.factors)
            energy = cache["energy"]
        else:
            def energy(ranks: Any) -> float:
                return spectra.norm_sq * (1.0 - hooi(X, ranks, spectra.factors, spectra.norm_sq, n_iter).rre)
        ranks = error_greedy(energy, packing.shape, budget, packing.size)
    else:
        ranks = hosvd_greedy(packing, budget, ratio=method == "hosvd-bang-for-buck")
    return _answer(X, spectra, packing, ranks, budget, method, packing.upper_bound(budget), False, t0)


def core_shape(tensor: Any, budget: int, method: str = "ip", *, backend: str = "auto",
               time_limit: float | None = None, spectra: ModeSpectra | None = None, **options: Any) -> CoreShape:
    """The core shape maximising the packed squared singular values under `budget`.

    `tensor`: a numpy array or a sparse COO tensor (`SparseTensor`, a `(coords, values,
    shape)` tuple, pydata `sparse.COO`); `budget`: an integer >= 1 + sum(I_n). Options:
    for ``ip`` `formulation` ('product-chain' exact, or 'log-split' with `eps`), `rel_gap`
    (default 1e-9), `log_cut` and any `Model.solve` keyword; `max_shapes` for ``brute-force``;
    `n_iter` for ``greedy`` (0: the truncated-HOSVD error of each candidate, exact and cheap
    on dense tensors; k > 0: after k HOOI sweeps, as the paper's Tucker-error greedy).
    `spectra` (from `mode_spectra`) skips recomputing the singular values.
    """
    t0 = time.perf_counter()
    method = _method(method)
    X, spectra, packing = _prepare(tensor, spectra)
    budget = check_budget(budget, packing)
    return _solve_one(X, spectra, packing, budget, method, t0, backend, time_limit, dict(options))


def core_shape_path(tensor: Any, budgets: Iterable[int], method: str = "exact", *, backend: str = "auto",
                    time_limit: float | None = None, spectra: ModeSpectra | None = None,
                    **options: Any) -> list[CoreShape]:
    """`core_shape` for every budget, computing the singular values once (and, for
    ``exact``, running the dynamic programme once for the largest budget)."""
    method = _method(method)
    budgets = list(budgets)
    if not budgets:
        raise ValueError("budgets must contain at least one budget")
    X, spectra, packing = _prepare(tensor, spectra)
    checked = [check_budget(b, packing, f"budgets[{i}]") for i, b in enumerate(budgets)]
    if method != "exact":
        cache: dict = {}
        return [_solve_one(X, spectra, packing, b, method, time.perf_counter(), backend, time_limit, dict(options),
                           cache) for b in checked]
    if options:
        raise ValueError(f"method 'exact' takes no options, got {', '.join(sorted(options))}")
    states = exact_states(packing, min(max(checked), packing.full_size))
    out = []
    for i, b in enumerate(checked):
        t1 = time.perf_counter() - (states.time if i == 0 else 0.0)     # the one DP pass counts once
        ranks, value = states.best(min(b, packing.full_size))
        cert = _exact_certificate(packing, ranks, b, "dynamic-programming", states)
        out.append(_answer(X, spectra, packing, ranks, b, "exact", value, cert.verified, t1, cert))
    return out
