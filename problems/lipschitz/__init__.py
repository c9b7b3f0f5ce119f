"""Certified Lipschitz bounds of neural networks (LipSDP and its extensions).

Fazlyab, Robey, Hassani, Morari, Pappas, "Efficient and Accurate Estimation of Lipschitz
Constants for Deep Neural Networks" (NeurIPS 2019); Pauli, Havens, Araujo, Garg,
Khorrami, Allgoewer, Hu, "Novel Quadratic Constraints for Extending LipSDP beyond
Slope-Restricted Activations" (ICLR 2024); Xu, Sivaranjani, "ECLipsE: Efficient Compositional
Lipschitz Constant Estimation for Deep Neural Networks" (NeurIPS 2024); Syed, Hu, "Improved
Scalable Lipschitz Bounds for Deep Neural Networks" (arXiv 2503.14297, 2025).
"""
from .api import lipschitz_bound
from .bound import LipschitzBound, LMICertificate
from .lower import gradient_lower_bound
from .network import Activation, Network, as_network, from_torch, from_weights, load_mat, make_activation

__all__ = ["Activation", "Network", "as_network", "from_weights", "from_torch", "load_mat", "make_activation",
           "lipschitz_bound", "LipschitzBound", "LMICertificate", "gradient_lower_bound"]
