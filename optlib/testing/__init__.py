"""Test helpers shipped with optlib: the lying-backend cases (`optlib.testing.lying`)."""
from .lying import LIES, Lie, LyingBackend, check_not_fooled, run_lie

__all__ = ["LIES", "Lie", "LyingBackend", "check_not_fooled", "run_lie"]
