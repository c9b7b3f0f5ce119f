"""`lipschitz_bound`: one entry point for the certified Lipschitz bounds of a network.

    from problems.lipschitz import lipschitz_bound
    b = lipschitz_bound("net.mat", method="lipsdp-neuron")      # or a list of weights, a torch nn.Sequential
    print(b.value, b.lower, b.certificate.verified, b.summary())

Methods: ``naive`` (product of layer operator norms times the largest activation slopes),
the LipSDP family for slope-restricted activations in l2 (Fazlyab et al., NeurIPS 2019;
see `lipsdp.py`): ``lipsdp-neuron``, ``lipsdp-layer``, ``lipsdp-network`` and
``lipsdp-network-rand`` (the last two are labelled ``valid=False``),
``lipsdp-neuron-chordal`` (LipSDP-Neuron split over the layer cliques, Xue et al. 2022;
`chordal.py`; same optimum, smaller PSD cones), ``lipsdp-neuron-fo`` (the same LipSDP-Neuron
optimum by a first-order method in torch on CUDA or CPU, for thousands of neurons;
`firstorder.py`), and ``lipsdp-nsr``
(Pauli et al., ICLR 2024; `grouped.py`): GroupSort / MaxMin / Householder and residual
layers, l2 and l_inf. ``auto`` picks lipsdp-neuron for l2 slope-restricted networks and
lipsdp-nsr otherwise; ``eclipse`` and ``eclipse-fast`` (Xu and Sivaranjani, NeurIPS 2024;
`eclipse.py`): LipSDP-Neuron decomposed into layer-wise problems, certified clique by clique;
``eclipse-closed`` (after Syed and Hu 2025; `eclipse_closed.py`): the best of three closed-form
families of diagonal multipliers for the same chain, ECLipsE-Fast among them.
``auto`` (the default, `auto.py`) picks lipsdp-nsr for GroupSort / MaxMin / Householder,
residual nets and l_inf, lipsdp-neuron for slope-restricted nets that fit one SDP, and the
layer-wise, first-order or chordal path for larger ones; the answer's `reason` says why.

The answer (`LipschitzBound`, see `bound.py`) follows optlib's answer protocol: `objective`
= `value` is the certified upper bound, `bound` the certified lower bound on the method's own
optimum (LipSDP's dual bound; -inf when none), `status` OPTIMAL only when the certificate holds
and the gap is within 1e-6, `results` the optlib Results. The contract shared with every
method: `backend=`, `time_limit=` (one optlib.Deadline for the whole call: the solves, the
certificate and the gradient lower bound, which is cut short or skipped once the time is
spent) and `options=` (backend options for Model.solve; `solve_options=` and loose backend
keywords are deprecated aliases). `progress=True` (or 'bar', or a callable taking each line;
optlib.progress) reports the method chosen, the solve's start and end, the lower bound and the
certificate; silent by default.
"""
from __future__ import annotations

import dataclasses
import math
import time
from typing import Any

from optlib import Deadline
from optlib.progress import ProgressArg, Reporter, check_progress

from .auto import choose_method
from .bound import LipschitzBound
from .lipsdp import METHODS as LIPSDP_METHODS
from .lipsdp import check_split, lipsdp_bound
from .network import SLOPES, Network, as_network
from .options import merge_solve_options as _merge_options

CHORDAL_METHODS = ("lipsdp-neuron-chordal",)
FIRST_ORDER_METHODS = ("lipsdp-neuron-fo",)
ECLIPSE_METHODS = ("eclipse", "eclipse-fast", "eclipse-closed")
METHODS = ("naive",) + LIPSDP_METHODS + CHORDAL_METHODS + FIRST_ORDER_METHODS + ECLIPSE_METHODS + ("lipsdp-nsr", "auto")
NORMS = ("l2", "linf")
_LIPSDP_OPTIONS = ("n_pairs", "seed", "compress", "normalize", "dense_limit", "repair", "form")
_FIRST_ORDER_OPTIONS = ("device", "max_iter", "lr", "tol", "patience", "compress", "dense_limit", "repair", "dtype")
_NSR_OPTIONS = ("output",)
_ECLIPSE_OPTIONS = ("layer_solver", "max_iter")
_CLOSED_OPTIONS = ("search_steps",)


def _norm(norm: Any) -> str:
    key = str(norm).strip().lower().replace("_", "").replace("-", "") if isinstance(norm, str) else norm
    aliases = {"l2": "l2", "2": "l2", 2: "l2", "linf": "linf", "inf": "linf", "infinity": "linf",
               math.inf: "linf"}
    try:
        return aliases[key]
    except (KeyError, TypeError):
        raise ValueError(f"norm must be one of {', '.join(NORMS)}, got {norm!r}") from None


def _lower(net: Network, norm: str, options: dict, deadline: Deadline) -> float | None:
    from .lower import _evaluable, gradient_lower_bound

    if not all(_evaluable(a) for a in net.activations):
        return None                      # e.g. Householder (no reflection vector stored) or a bare slope pair
    return float(gradient_lower_bound(net, norm=norm, **{"time_limit": deadline, **options}))


def lipschitz_bound(net: Any, method: str = "auto", norm: str = "l2", backend: str = "auto",
                    split: int | None = None, activation: Any = "relu", lower: bool = True,
                    time_limit: float | Deadline | None = None, options: dict | None = None,
                    progress: ProgressArg = False, **method_options: Any) -> LipschitzBound:
    """A certified upper bound on the Lipschitz constant of `net` (with a lower bound).

    `net`: a Network, a list of weight matrices (W_k: n_{k+1} x n_k) with `activation` (a
    name, an (alpha, beta) slope pair, or one per hidden layer), a LipSDP ``.mat`` file, a
    torch ``nn.Sequential``, or (for lipsdp-nsr) a ``grouped.ResidualNetwork``. `split=k`
    bounds consecutive subnetworks of k weight matrices and multiplies (LipSDP methods).
    `time_limit` (seconds) bounds the whole call; `options` (a dict) goes to `Model.solve`
    of the backend (e.g. {"eps_abs": 1e-7} for scs); `solve_options=` and backend options as
    loose keywords still work with a FutureWarning.
    `method="auto"` (default) chooses by the rule of `auto.choose_method`; the answer's
    `method` is the one that ran and its `reason` says why.
    Method options: layer_solver, max_iter (eclipse, see `eclipse.eclipse_bound`), n_pairs, seed (lipsdp-network-rand), form ('explicit' or 'split',
    lipsdp-neuron-chordal), compress, normalize, dense_limit, repair (see `lipsdp.lipsdp_single`),
    device, max_iter, lr, tol, patience, dtype (lipsdp-neuron-fo, see `firstorder.lipsdp_first_order`),
    output (lipsdp-nsr), lower_options (dict for `gradient_lower_bound`).
    `progress` (False by default; True / 'lines', 'bar' or a callable, see optlib.progress): one
    line each for the method chosen, the solve started and finished, the lower bound and the
    certificate.
    """
    t0 = time.perf_counter()
    progress = check_progress(progress)          # ValueError naming `progress`
    deadline = Deadline.of(time_limit)           # validates time_limit (ValueError naming it)
    if not isinstance(method, str) or method.strip().lower() not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    method = method.strip().lower()
    norm = _norm(norm)
    split = check_split(split)
    if not isinstance(lower, bool):
        raise ValueError(f"lower must be True or False, got {lower!r}")
    lower_options = method_options.pop("lower_options", None)
    if lower_options is not None and not isinstance(lower_options, dict):
        raise ValueError(f"lower_options must be a dict of gradient_lower_bound keywords, got {lower_options!r}")
    lower_options = dict(lower_options or {})
    legacy = method_options.pop("solve_options", None)

    residual = type(net).__name__ == "ResidualNetwork"
    reason = ""
    if residual:
        if method not in ("lipsdp-nsr", "auto"):
            raise ValueError(f"a ResidualNetwork is bounded by method='lipsdp-nsr' only, got {method!r}")
        if method == "auto":
            method, reason = choose_method(net, norm, residual=True)
    else:
        net = as_network(net, activation)
        if method == "auto":
            method, reason = choose_method(net, norm, split, backend)
    with Reporter(progress, "lipschitz_bound") as report:
        if report.enabled:
            dims = getattr(net, "dims", None)
            report(f"method {method}" + (f" (auto: {reason})" if reason else "") + f", norm {norm}"
                   + (f", network {'-'.join(map(str, dims))}" if dims else ""))
            report(f"solve started: {method} on backend {backend}"
                   + (f", time limit {deadline.remaining():.1f} s" if deadline.limited else ""))
        result = _dispatch(net, method, norm, backend, split, deadline, options, legacy, method_options,
                           lower, lower_options, t0, report)
        if report.enabled:
            cert = result.certificate
            report(f"certificate: {'verified' if result.verified else 'NOT verified'}"
                   + (f" ({cert.message})" if cert is not None and cert.message else "")
                   + f"; upper bound {result.value:.6g}, status {getattr(result.status, 'name', result.status)}, "
                   f"{result.time:.2f} s in all")
    return dataclasses.replace(result, reason=reason) if reason else result


def _dispatch(net: Any, method: str, norm: str, backend: str, split: int | None, deadline: Deadline,
              options: dict | None, legacy: Any, method_options: dict, lower: bool, lower_options: dict,
              t0: float, report: Reporter | None = None) -> LipschitzBound:
    """Run one named method (validated arguments) and finish its answer."""
    if method in ECLIPSE_METHODS:
        from .eclipse import eclipse_bound

        if norm != "l2":
            raise ValueError(f"{method} is an l2 formulation; for norm='linf' use method='lipsdp-nsr' or 'naive'")
        if not net.slope_restricted:
            bad = sorted({a.name for a in net.activations if not a.slope_restricted})
            raise ValueError(f"{method} needs slope-restricted activations; got {', '.join(bad)}: "
                             "use method='lipsdp-nsr'")
        if split is not None:
            raise ValueError(f"split is not supported by {method}; it is layer-wise already")
        known = _CLOSED_OPTIONS if method == "eclipse-closed" else _ECLIPSE_OPTIONS
        unknown = sorted(set(method_options) - set(known))
        if unknown:
            raise ValueError(f"unknown option(s) {', '.join(unknown)} for {method}; "
                             f"it takes {', '.join(known)}")
        if method == "eclipse-fast" and method_options:
            raise ValueError(f"eclipse-fast is a closed form and takes no options, got {', '.join(sorted(method_options))}")
        solve_opts = _merge_options(options, legacy, None)
        if method == "eclipse-closed":
            from .eclipse_closed import eclipse_closed_bound

            if solve_opts or backend not in ("auto", "numpy"):
                raise ValueError("eclipse-closed runs in numpy: it takes no backend or options")
            result = eclipse_closed_bound(net, time_limit=deadline, **method_options)
            return _finish(result, net, norm, lower, lower_options, t0, deadline, report)
        result = eclipse_bound(net, method, backend=backend, time_limit=deadline, options=solve_opts,
                               **method_options)
        return _finish(result, net, norm, lower, lower_options, t0, deadline, report)

    if method in LIPSDP_METHODS + CHORDAL_METHODS + FIRST_ORDER_METHODS:
        if norm != "l2":
            raise ValueError(f"{method} is an l2 formulation; for norm='linf' use method='lipsdp-nsr' or 'naive'")
        if not net.slope_restricted:
            bad = sorted({a.name for a in net.activations if not a.slope_restricted})
            raise ValueError(f"{method} needs slope-restricted activations ({', '.join(SLOPES)} or an "
                             f"(alpha, beta) pair); got {', '.join(bad)}: use method='lipsdp-nsr'")
        if method in FIRST_ORDER_METHODS:
            from .firstorder import lipsdp_first_order

            if split is not None:
                raise ValueError(f"split is not supported by {method}; it bounds the whole network at once")
            if backend not in ("auto", "torch"):
                raise ValueError(f"{method} runs its own first-order solver in torch: backend must be 'auto' "
                                 f"or 'torch' (pick the device with device='cpu'|'cuda'|'auto'), got {backend!r}")
            unknown = sorted(set(method_options) - set(_FIRST_ORDER_OPTIONS))
            if unknown:
                raise ValueError(f"unknown option(s) {', '.join(unknown)} for {method}; "
                                 f"it takes {', '.join(_FIRST_ORDER_OPTIONS)}")
            if options or legacy:
                raise ValueError(f"options apply to Model.solve; {method} runs its own solver and takes "
                                 f"{', '.join(_FIRST_ORDER_OPTIONS)} as keywords")
            result = lipsdp_first_order(net, time_limit=deadline, **method_options)
            return _finish(result, net, norm, lower, lower_options, t0, deadline, report)
        lip_opts = {k: method_options.pop(k) for k in _LIPSDP_OPTIONS if k in method_options}
        if method != "lipsdp-network-rand" and "n_pairs" in lip_opts:
            raise ValueError("n_pairs applies to method='lipsdp-network-rand' only")
        if method not in CHORDAL_METHODS and "form" in lip_opts:
            raise ValueError("form applies to method='lipsdp-neuron-chordal' only")
        solve_opts = _merge_options(options, legacy, method_options)
        result = lipsdp_bound(net, method, backend=backend, split=split, time_limit=deadline,
                              options=solve_opts, **lip_opts)
    elif method == "lipsdp-nsr":
        if split is not None:
            raise ValueError("split applies to the LipSDP methods (lipsdp-neuron/-layer/-network) only")
        try:
            from .grouped import grouped_bound
        except ImportError as exc:  # pragma: no cover - the module ships with the package
            raise ValueError(f"method 'lipsdp-nsr' needs problems.lipschitz.grouped ({exc}); "
                             f"the LipSDP methods ({', '.join(LIPSDP_METHODS)}) cover slope-restricted "
                             "activations in l2") from exc
        nsr_opts = {k: method_options.pop(k) for k in _NSR_OPTIONS if k in method_options}
        solve_opts = _merge_options(options, legacy, method_options)
        result = grouped_bound(net, norm=norm, backend=backend, time_limit=deadline, options=solve_opts, **nsr_opts)
    else:  # naive
        if method_options or options or legacy:
            given = sorted(method_options) + (["options"] if options else []) + (["solve_options"] if legacy else [])
            raise ValueError(f"method 'naive' takes no options, got {', '.join(given)}")
        if norm == "linf" and any(a.name == "householder" for a in net.activations):
            raise ValueError("no naive l_inf bound for Householder layers (a reflection is not "
                             "l_inf-nonexpansive); use method='lipsdp-nsr'")
        value = net.naive_bound(norm)
        result = LipschitzBound(value=value, method="naive", norm=norm, naive=value,
                                path="product of layer operator norms x largest activation slopes")

    return _finish(result, net, norm, lower, lower_options, t0, deadline, report)


def _finish(result: LipschitzBound, net: Any, norm: str, lower: bool, lower_options: dict,
            t0: float, deadline: Deadline, report: Reporter | None = None) -> LipschitzBound:
    """Attach the naive bound and the gradient lower bound (cut short by the deadline, skipped
    once it has passed), and the total time; `report` gets the 'solve finished' and lower-bound lines."""
    if report is not None and report.enabled:
        report(f"solve finished: {result.method} upper bound {result.value:.6g}, dual bound {result.bound:.6g}, "
               f"limit {result.limit_reached or 'none'}, {time.perf_counter() - t0:.2f} s")
    naive = result.naive
    if naive is None and isinstance(net, Network) and not (
            norm == "linf" and any(a.name == "householder" for a in net.activations)):
        naive = net.naive_bound(norm)
    low = result.lower
    stages = dict(result.stage_times)
    limit = result.limit_reached
    path = result.path
    if lower and low is None and isinstance(net, Network):
        if deadline.expired():
            limit = limit or "time_limit"
            path += "; gradient lower bound skipped (time limit)"
        else:
            t1 = time.perf_counter()
            low = _lower(net, norm, lower_options, deadline)
            stages["lower"] = time.perf_counter() - t1
            if report is not None and report.enabled and low is not None:
                report(f"gradient lower bound {low:.6g} ({stages['lower']:.2f} s)")
            if deadline.expired():
                limit = limit or "time_limit"
    return dataclasses.replace(result, lower=low, naive=naive, time=time.perf_counter() - t0,
                               stage_times=stages, limit_reached=limit, path=path)
