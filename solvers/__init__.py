"""Backend adapters (each registers itself with `optlib.backend` through the `optlib.backends`
entry points in pyproject.toml), exact baselines and neural surrogates.

The registry and `auto` live in the core; the names below are re-exported for convenience.
"""
from __future__ import annotations

from optlib.backend import (AUTO_PREFERENCE, LARGE_PSD_ORDER, Backend, Capabilities, MissingDependency,
                            auto_order, backends, choose_backend, get_backend)

__all__ = ["Backend", "Capabilities", "MissingDependency", "get_backend", "backends", "choose_backend",
           "auto_order", "AUTO_PREFERENCE", "LARGE_PSD_ORDER"]
