"""Neural surrogates for optimisation: ReLU networks as MIP constraints (numpy only; big-M bounds by
interval arithmetic or symbolic propagation, `solvers.neural.bounds`) and, with torch
installed, the set-based value network of Neur2RO (`solvers.neural.value_net`, imported lazily)."""
from .bounds import Domain, Forms, propagate
from .relu_mip import ACTIVATIONS, embed_relu_network, forward, interval_bounds

__all__ = ["ACTIVATIONS", "embed_relu_network", "forward", "interval_bounds", "Domain", "Forms", "propagate"]
