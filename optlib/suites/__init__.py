"""Benchmark suites (`optlib bench SUITE`): see optlib.suites.base for what a suite is."""
from .base import OUTCOME_FIELDS, Run, Suite, get_suite, register_suite, suite_names

__all__ = ["Run", "Suite", "get_suite", "register_suite", "suite_names", "OUTCOME_FIELDS"]
