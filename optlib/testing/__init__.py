"""Test helpers shipped with optlib: the conformance suite every backend runs
(`run_conformance`, optlib.testing.conformance) and the lying-backend cases certify must
catch (optlib.testing.lying)."""
from .conformance import Report, conformance_cases, run_conformance
from .lying import LIES, Lie, LyingBackend, check_not_fooled, run_lie

__all__ = ["LIES", "Lie", "LyingBackend", "Report", "check_not_fooled", "conformance_cases", "run_conformance",
           "run_lie"]
