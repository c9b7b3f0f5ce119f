"""What every atom module uses: atom variables, helper variables, the rows and cones a reduction
writes (unchecked: the atom variable is being defined), and the DCP rules of optlib.dcp."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from ..constraints import ExpConeConstraint, LinearConstraint, PSDConstraint, SOCConstraint
from ..dcp import AFFINE, AuxDef, describe, model_of
# the rules the atom modules use, re-exported: one import line per atom module
from ..dcp import CONCAVE, CONVEX, argument, bounds, curvature, sign  # noqa: F401
from ..expressions import Expression, Variable, VarBlock, _check_same_model, as_constant, hstack, to_expression

if TYPE_CHECKING:  # pragma: no cover
    from ..model import Model


def atom_variable(model: "Model", shape: tuple[int, ...], label: str, curv: int,
                  reduce: Callable[[Variable], list], *, lb: float = -math.inf,
                  quadratic: tuple[Expression, Any] | None = None) -> Variable:
    """A new atom variable of `model` (not part of the model until used; see the module doc)."""
    size = int(np.prod(shape)) if shape else 1
    model._atom_count += 1
    name = f"{label}#{model._atom_count}"
    block = VarBlock(model, name, size, "continuous", np.full(size, float(lb)), np.full(size, math.inf),
                     tuple(shape))
    block.aux = AuxDef(label, curv, reduce, quadratic)
    return Variable(block)


def helper_variable(model: "Model", shape: tuple[int, ...], label: str, lb: float = -math.inf) -> Variable:
    """A plain variable a reduction needs (e.g. the split of huber); it joins the model at once
    (reductions run while the model takes their atom in)."""
    var = atom_variable(model, shape, label, AFFINE, lambda t: [], lb=lb)
    model._activate_block(var.block)
    return var


def constant_value(e: Expression) -> np.ndarray:
    return e.const.reshape(e.shape)


def is_constant(*args: Expression) -> bool:
    return all(a.is_constant for a in args)


def constant_result(value: Any) -> Expression:
    return to_expression(as_constant(value))


def label_of(name: str, *args: Any) -> str:
    return f"{name}({', '.join(describe(a) if isinstance(a, Expression) else repr(a) for a in args)})"


# -- building atoms and their reductions -------------------------------------------------------
def make_atom(name: str, args: tuple[Expression, ...], shape: tuple[int, ...], curv: int,
              reduce: Callable[[Variable], list], numeric: Callable[..., Any], *, lb: float = -math.inf,
              quadratic: tuple[Expression, Any] | None = None, label: str | None = None,
              cls: type | None = None) -> Expression:
    """The atom `name(args)`: its value when every argument is constant, else a new atom
    variable of the arguments' model defined by `reduce`."""
    if all(a.is_constant for a in args):
        return constant_result(np.reshape(numeric(*(constant_value(a) for a in args)), shape))
    model = model_of(*args)
    for a in args[1:]:
        _check_same_model(args[0], a)
    var = atom_variable(model, shape, label or label_of(name, *args), curv, reduce, lb=lb, quadratic=quadratic)
    var.block.aux.extra.update(args=args, numeric=numeric)      # for values at a solution
    if cls is not None:
        var.__class__ = cls
    return var


def le(a: Any, b: Any):
    """a <= b as a row of a reduction (no DCP check: the atom variable is being defined)."""
    return LinearConstraint(to_expression(a) - to_expression(b), "<=")


def eq(a: Any, b: Any):
    return LinearConstraint(to_expression(a) - to_expression(b), "==")


def soc(t: Any, x: Any):
    """||x||_2 <= t."""
    return SOCConstraint(to_expression(t), to_expression(x))


def rotated_soc(x: Any, y: Any, z: Any):
    """||x||^2 <= y z with y, z >= 0, as the second-order cone ||(2x, y - z)|| <= y + z."""
    x, y, z = (to_expression(a) for a in (x, y, z))
    return soc(y + z, hstack([2.0 * x.flatten(), (y - z).reshape((1,))]))


def exp_cone(u: Any, v: Any, w: Any):
    """v exp(u / v) <= w elementwise."""
    return ExpConeConstraint(u, v, w)


def psd(M: Any):
    return PSDConstraint(M)
