"""optlib: a sparse modelling layer for convex and combinatorial optimization.

Pose a problem with `Model`, solve it on any installed open backend by changing one
string, and get an honest status, the incumbent, a bound, the gap and a certificate
that optlib re-checked itself.
"""
from __future__ import annotations

from .answer import Answer, check_answer
from .backend import (Backend, Capabilities, backend_table, get_backend, register_backend,
                      register_backend_family, unregister_backend)
from .certify import Tolerances, certify
from .deadline import Deadline
from .constraints import Constraint, ExpConeConstraint, LinearConstraint, PSDConstraint, SOCConstraint, exp_cone
from .expressions import Expression, Variable, bmat, diag, hstack, lmi, trace, vstack
from .logic import all_different, all_of, any_of, at_least, at_most, exactly, implies
from .atoms import (ATOMS, Norm2, abs, bounds, curvature, entr, exp, huber, kl_div, lambda_max, lambda_min,  # noqa: A004
                    log, log_sum_exp, logistic, max, maximum, min, minimum, neg, norm, norm1, norm2, norm_inf,
                    pos, quad_form, quad_over_lin, rel_entr, sign, sum_squares)
from .expressions import sum as sum_  # noqa: F401  (numpy-like helper, also as optlib.sum)
from .model import Model
from .options import SolveOptions
from .solve import solve
from .result import BackendInfo, Certificate, NotOptimalError, Result, Timings, relative_gap
from .standard_form import ConeDims, RawResult, RowBlock, SolveParams, StandardForm
from .status import Status

sum = sum_  # noqa: A001

__version__ = "0.1.0"


def backends() -> list[str]:
    """Names of the installed backends, e.g. ['highs', 'scip', 'cpsat', ..., 'cvxpy:SCS']."""
    from .backend import backends as _backends

    return _backends()


def read(path: str) -> Model:
    """Read an .mps or .lp file into a Model (one vector variable `x`, one constraint per row)."""
    from .io import read_standard_form

    return Model.from_standard_form(read_standard_form(str(path)))


__all__ = [
    "Model", "Expression", "Variable", "Norm2", "Constraint", "LinearConstraint", "SOCConstraint",
    "PSDConstraint", "Result", "Certificate", "Timings", "BackendInfo", "NotOptimalError", "Status",
    "StandardForm", "ConeDims", "RowBlock", "RawResult", "SolveParams", "Tolerances",
    "trace", "diag", "hstack", "vstack", "bmat", "norm2", "lmi", "sum", "backends", "read", "certify",
    "relative_gap", "Answer", "check_answer", "Deadline", "Backend", "Capabilities", "get_backend",
    "backend_table",
    "register_backend", "register_backend_family", "unregister_backend", "SolveOptions", "solve",
    "__version__", "ExpConeConstraint", "exp_cone", "curvature", "sign", "bounds",
    "implies", "all_different", "any_of", "all_of", "at_most", "at_least", "exactly",
] + [a for a in ATOMS if a != "norm2"]
