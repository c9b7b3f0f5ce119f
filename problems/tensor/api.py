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

The contract every method shares: `backend=` (the MILP backend of ``ip``), `time_limit=`
(seconds for the whole call, the singular values included; when it passes, the search stops
and the answer is the best shape at hand - for ``exact`` / ``brute-force`` cut short, the
``hosvd-greedy`` shape - FEASIBLE with limit_reached='time_limit'; the singular values
themselves are not cut), `options=` (a dict of backend options for the MILPs of ``ip``,
passed to `Model.solve`). The answer is a `CoreShape`, which satisfies `optlib.Answer`.
"""
from __future__ import annotations

import time
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np

from optlib import Deadline
from optlib.options import method_options

from .data import as_tensor
from .milp import FLOOR, solve_log_split, solve_product_chain
from .packing import (
    ExactCertificate,
    Expired,
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
METHOD_OPTIONS = {"ip": ("formulation", "eps", "rel_gap", "log_cut"), "exact": (), "brute-force": ("max_shapes",),
                  "greedy": ("n_iter",), "hosvd-greedy": (), "hosvd-bang-for-buck": ()}
_RESERVED = ("backend", "time_limit", "deadline", "rel_gap")


def _method(method: Any) -> str:
    key = method.strip().lower().replace("_", "-") if isinstance(method, str) else None
    if key not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    return key


def _split_options(method: str, options: Any, keywords: dict) -> tuple[dict, dict]:
    """(method options, backend options): `keywords` hold the method's own options; for ``ip``
    any other keyword is a backend option passed the deprecated way (FutureWarning)."""
    solve = method_options(options, "core_shape", reserved=_RESERVED)
    allowed = METHOD_OPTIONS[method]
    own = {k: v for k, v in keywords.items() if k in allowed}
    rest = {k: v for k, v in keywords.items() if k not in allowed}
    if method == "ip" and rest:
        warnings.warn(f"passing backend options as keywords of core_shape ({', '.join(sorted(rest))}) is deprecated; "
                      f"use options={{{', '.join(repr(k) + ': ...' for k in sorted(rest))}}}", FutureWarning,
                      stacklevel=3)
        both = sorted(set(rest) & set(solve))
        if both:
            raise ValueError(f"backend option(s) {', '.join(both)} given both as keywords and in options")
        solve.update(rest)
        rest = {}
    if rest:
        raise ValueError(f"method {method!r} takes {'only ' + ', '.join(allowed) if allowed else 'no options'}, "
                         f"got {', '.join(sorted(rest))}")
    if solve and method != "ip":
        raise ValueError(f"options (backend options) apply to method 'ip' only; method {method!r} uses no backend")
    return own, solve


def _prepare(tensor: Any, spectra: ModeSpectra | None) -> tuple[Any, ModeSpectra, Packing, float]:
    X = as_tensor(tensor)
    t_spectra = 0.0
    if spectra is None:
        spectra = mode_spectra(X)
        t_spectra = spectra.time
    elif not isinstance(spectra, ModeSpectra) or spectra.shape != tuple(X.shape):
        raise ValueError(f"spectra must be the ModeSpectra of this tensor (shape {tuple(X.shape)})")
    return X, spectra, Packing(spectra.shape, spectra.prefix_sums()), t_spectra


def _answer(X: Any, spectra: ModeSpectra, packing: Packing, ranks: tuple[int, ...], budget: int, method: str,
            bound: float, optimal: bool, t0: float, certificate: Any = None, result: Any = None,
            message: str = "", results: tuple = (), limit_reached: str | None = None,
            timings: dict | None = None) -> CoreShape:
    value = packing.value(ranks)
    norm = spectra.norm_sq
    suffix = [norm - packing.prefix[n][r] for n, r in enumerate(ranks)]
    size = packing.size(ranks)
    verified = size <= budget and all(1 <= int(r) <= i for r, i in zip(ranks, packing.shape))
    return CoreShape(shape=tuple(int(r) for r in ranks), budget=budget, method=method, packed_value=value,
                     bound=float(max(bound, value)), error_bound=max(0.0, sum(suffix) / norm),
                     lower_bound=max(0.0, max(suffix) / norm), size=size, optimal=bool(optimal and verified),
                     certificate=certificate, result_=result, time=time.perf_counter() - t0, message=message,
                     tensor_shape=tuple(X.shape), _tensor=X, _spectra=spectra, verified=bool(verified),
                     limit_reached=limit_reached, results=tuple(results), timings=timings or {})


def _exact_certificate(packing: Packing, ranks: tuple[int, ...], budget: int, kind: str, states: Any = None,
                       n_shapes: int = 0) -> ExactCertificate:
    size = packing.size(ranks)
    return ExactCertificate(kind=kind, verified=size <= budget, value=packing.value(ranks), size=size,
                            budget=budget, n_states=states.n_states if states is not None else (),
                            n_candidates=states.n_candidates if states is not None else n_shapes)


def _cut_short(X: Any, spectra: ModeSpectra, packing: Packing, budget: int, method: str, t0: float,
               why: str, timings: dict | None = None) -> CoreShape:
    """The answer when the time limit passed first: the hosvd-greedy shape (microseconds), FEASIBLE."""
    ranks = hosvd_greedy(packing, budget)
    return _answer(X, spectra, packing, ranks, budget, method, packing.upper_bound(budget), False, t0,
                   message=f"{why}; the shape is hosvd-greedy's", limit_reached="time_limit", timings=timings)


def _solve_one(X: Any, spectra: ModeSpectra, packing: Packing, budget: int, method: str, t0: float,
               backend: str, deadline: Deadline, options: dict, solve_options: dict, cache: dict | None = None,
               timings: dict | None = None) -> CoreShape:
    within = min(budget, packing.full_size)      # a larger budget admits no further shape
    if deadline.expired() and method not in ("hosvd-greedy", "hosvd-bang-for-buck"):
        return _cut_short(X, spectra, packing, budget, method, t0, "the time limit passed before the search",
                          timings)
    if method == "exact":
        try:
            states = exact_states(packing, within, deadline=deadline)
        except Expired as exc:
            return _cut_short(X, spectra, packing, budget, method, t0, str(exc), timings)
        ranks, value = states.best(within)
        cert = _exact_certificate(packing, ranks, budget, "dynamic-programming", states)
        return _answer(X, spectra, packing, ranks, budget, method, value, cert.verified, t0, cert, timings=timings)
    if method == "brute-force":
        try:
            ranks, value, count = brute_force(packing, within, deadline=deadline, **options)
        except Expired as exc:
            return _cut_short(X, spectra, packing, budget, method, t0, str(exc), timings)
        cert = _exact_certificate(packing, ranks, budget, "enumeration", n_shapes=count)
        return _answer(X, spectra, packing, ranks, budget, method, value, cert.verified, t0, cert, timings=timings)
    if method == "ip":
        formulation = options.pop("formulation", "product-chain")
        if formulation == "product-chain":
            if "eps" in options:
                raise ValueError("eps applies to formulation='log-split' only")
            sol = solve_product_chain(packing, within, backend, deadline.left(floor=FLOOR), **options,
                                      **solve_options)
        elif formulation == "log-split":
            if "log_cut" in options:
                raise ValueError("log_cut applies to formulation='product-chain' only")
            sol = solve_log_split(packing, within, backend=backend, deadline=deadline, **options, **solve_options)
        else:
            raise ValueError(f"formulation must be 'product-chain' or 'log-split', got {formulation!r}")
        ranks, message = sol.ranks, sol.message
        if ranks is None:                       # no incumbent (time limit): the all-ones shape is feasible
            ranks = tuple([1] * packing.ndim)
            message = (message + "; " if message else "") + f"no MILP incumbent ({sol.result.status.name}); all ranks 1"
        bound = sol.bound if np.isfinite(sol.bound) else packing.upper_bound(budget)
        cert = sol.result.certificate if sol.result is not None else None
        return _answer(X, spectra, packing, ranks, budget, f"ip:{formulation}", bound, sol.optimal, t0, cert,
                       sol.result if sol.result is not None else sol.results, message, results=sol.results,
                       limit_reached=sol.limit_reached, timings=timings)
    limit = None
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
        ranks, cut = error_greedy(energy, packing.shape, budget, packing.size, deadline=deadline)
        limit = "time_limit" if cut else None
    else:
        ranks = hosvd_greedy(packing, budget, ratio=method == "hosvd-bang-for-buck")
    return _answer(X, spectra, packing, ranks, budget, method, packing.upper_bound(budget), False, t0,
                   limit_reached=limit, message="the time limit stopped the growth of the ranks" if limit else "",
                   timings=timings)


def core_shape(tensor: Any, budget: int, method: str = "ip", *, backend: str = "auto",
               time_limit: float | None = None, options: dict | None = None, spectra: ModeSpectra | None = None,
               **method_options: Any) -> CoreShape:
    """The core shape maximising the packed squared singular values under `budget`.

    `tensor`: a numpy array or a sparse COO tensor (`SparseTensor`, a `(coords, values,
    shape)` tuple, pydata `sparse.COO`); `budget`: an integer >= 1 + sum(I_n). `backend`,
    `time_limit`, `options`: see the module docstring. Method options (keywords): for
    ``ip`` `formulation` ('product-chain' exact, or 'log-split' with `eps`), `rel_gap`
    (default 1e-9) and `log_cut`; `max_shapes` for ``brute-force``; `n_iter` for ``greedy``
    (0: the truncated-HOSVD error of each candidate, exact and cheap on dense tensors; k > 0:
    after k HOOI sweeps, as the paper's Tucker-error greedy). Other keywords for ``ip`` are
    taken as backend options (deprecated: use `options`). `spectra` (from `mode_spectra`)
    skips recomputing the singular values.
    """
    t0 = time.perf_counter()
    deadline = Deadline(time_limit)
    method = _method(method)
    own, solve_options = _split_options(method, options, method_options)
    X, spectra, packing, t_spectra = _prepare(tensor, spectra)
    budget = check_budget(budget, packing)
    return _solve_one(X, spectra, packing, budget, method, t0, backend, deadline, own, solve_options,
                      timings={"spectra": t_spectra})


def core_shape_path(tensor: Any, budgets: Iterable[int], method: str = "exact", *, backend: str = "auto",
                    time_limit: float | None = None, options: dict | None = None, spectra: ModeSpectra | None = None,
                    **method_options: Any) -> list[CoreShape]:
    """`core_shape` for every budget, computing the singular values once (and, for
    ``exact``, running the dynamic programme once for the largest budget). `time_limit`
    bounds the whole path: budgets reached after it passed get the hosvd-greedy shape."""
    deadline = Deadline(time_limit)
    method = _method(method)
    own, solve_options = _split_options(method, options, method_options)
    budgets = list(budgets)
    if not budgets:
        raise ValueError("budgets must contain at least one budget")
    X, spectra, packing, _ = _prepare(tensor, spectra)
    checked = [check_budget(b, packing, f"budgets[{i}]") for i, b in enumerate(budgets)]
    if method != "exact":
        cache: dict = {}
        return [_solve_one(X, spectra, packing, b, method, time.perf_counter(), backend, deadline, dict(own),
                           solve_options, cache) for b in checked]
    try:
        states = exact_states(packing, min(max(checked), packing.full_size), deadline=deadline)
    except Expired as exc:
        return [_cut_short(X, spectra, packing, b, "exact", time.perf_counter(), str(exc)) for b in checked]
    out = []
    for i, b in enumerate(checked):
        t1 = time.perf_counter() - (states.time if i == 0 else 0.0)     # the one DP pass counts once
        ranks, value = states.best(min(b, packing.full_size))
        cert = _exact_certificate(packing, ranks, b, "dynamic-programming", states)
        out.append(_answer(X, spectra, packing, ranks, b, "exact", value, cert.verified, t1, cert))
    return out
