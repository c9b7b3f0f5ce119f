"""The solve contract the Lipschitz methods share: `backend=`, `time_limit=`, `options=`.

`options` is a dict of backend-specific solve options handed to `Model.solve(**options)`
(e.g. {"eps_abs": 1e-7} for scs, {"rel_gap": 1e-8}); the old spellings still work for now
and emit a FutureWarning naming `options`: ``solve_options={...}`` and solver options
passed as loose keywords (``lipschitz_bound(net, eps_abs=1e-7)``). One `optlib.Deadline`
per call bounds the whole call, post-processing included (see `api.lipschitz_bound`).
"""
from __future__ import annotations

from optlib.options import method_options

import warnings
from typing import Any, Mapping

#: keywords a method sets itself on every solve; they cannot come in through `options`
RESERVED = ("backend", "time_limit", "deadline", "options")


def merge_solve_options(options: Mapping[str, Any] | None, solve_options: Mapping[str, Any] | None = None,
                  loose: Mapping[str, Any] | None = None, where: str = "lipschitz_bound",
                  stacklevel: int = 3) -> dict[str, Any]:
    """The backend options of one call: `options`, then the deprecated `solve_options` dict and
    the deprecated `loose` keywords merged in (each with a FutureWarning naming `options`).
    ValueError when `options` is not a dict of names or sets a keyword the method owns."""
    out: dict[str, Any] = {}
    for name, given in (("options", options), ("solve_options", solve_options)):
        if given is None:
            continue
        if name == "options":
            given = method_options(given, where, reserved=RESERVED)
        elif not isinstance(given, Mapping) or not all(isinstance(k, str) for k in given):
            raise ValueError(f"{name} must be a dict of backend option names to values, got {given!r}")
        if name == "solve_options":
            warnings.warn(f"{where}(solve_options=...) is deprecated; pass options={{...}}",
                          FutureWarning, stacklevel=stacklevel)
        out.update(given)
    if loose:
        warnings.warn(f"{where}: backend options as keywords ({', '.join(sorted(loose))}) are deprecated; "
                      f"pass options={{{', '.join(repr(k) + ': ...' for k in sorted(loose))}}}",
                      FutureWarning, stacklevel=stacklevel)
        out.update(loose)
    return method_options(out, where, reserved=RESERVED)
