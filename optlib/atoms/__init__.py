"""The atoms of optlib's modelling language, with CVXPY's names and semantics; one atom and its
reduction (named for what it becomes) per module. See `optlib.atoms.base` for the rules.

    elementwise   abs, pos, neg, maximum, minimum, exp, log, entr, logistic, huber,
                  rel_entr, kl_div
    reductions    max, min (axis=), log_sum_exp (axis=)
    norms         norm1, norm2, norm_inf, norm(x, p)
    quadratic     sum_squares, quad_form, quad_over_lin
    matrices      lambda_max, lambda_min
"""
from .abs import abs
from .base import bounds, curvature, sign
from .entr import entr
from .exp import exp
from .huber import huber
from .kl_div import kl_div
from .lambda_max import lambda_max
from .lambda_min import lambda_min
from .log import log
from .log_sum_exp import log_sum_exp
from .logistic import logistic
from .max import max
from .maximum import maximum
from .min import min
from .minimum import minimum
from .neg import neg
from .norm import norm
from .norm1 import norm1
from .norm2 import Norm2, norm2
from .norm_inf import norm_inf
from .pos import pos
from .quad_form import quad_form
from .quad_over_lin import quad_over_lin
from .rel_entr import rel_entr
from .sum_squares import sum_squares

from .. import expressions as _expressions

_expressions.ATOMS.update(quad_form=quad_form, sum_squares=sum_squares)

ATOMS = ("abs", "pos", "neg", "maximum", "minimum", "max", "min", "norm1", "norm2", "norm_inf", "norm",
         "sum_squares", "quad_form", "quad_over_lin", "huber", "lambda_max", "lambda_min", "exp", "log",
         "entr", "log_sum_exp", "logistic", "kl_div", "rel_entr")

__all__ = list(ATOMS) + ["Norm2", "curvature", "sign", "bounds"]
