"""Tucker core shapes under a size budget: exact and approximate core-shape selection.

Ghadiri, Fahrbach, Fu, Mirrokni, "Approximately Optimal Core Shapes for Tensor
Decompositions" (ICML 2023). For X of shape (I_1..I_N) with squared singular values
sigma_{n,i}^2 of its mode-n unfoldings, choose ranks R_n maximising the packed value
sum_n sum_{i <= R_n} sigma_{n,i}^2 subject to prod R_n + sum I_n R_n <= budget; the
discarded sum bounds the truncated-HOSVD error and is within a factor N of the best
error of that shape. `core_shape(..., method="exact")` solves the packing problem exactly
(dynamic programme), ``"ip"`` as an exact MILP in optlib; see `api.py`. The paper's tree
tensor network generalisation is done for the path tree: `tensor_train_ranks` (`train.py`).
"""
from .api import METHODS, core_shape, core_shape_path
from .data import (
    SparseTensor,
    as_tensor,
    load_mushroom,
    random_tucker,
    sample_images,
    sparse_tensor,
    video_tensor,
)
from .packing import Packing, exact_states
from .shape import CoreShape
from .spectrum import ModeSpectra, mode_spectra
from .train import TrainShape, tensor_train_ranks
from .tucker import TuckerFit, hooi

__all__ = [
    "METHODS",
    "CoreShape",
    "ModeSpectra",
    "Packing",
    "SparseTensor",
    "TrainShape",
    "TuckerFit",
    "as_tensor",
    "core_shape",
    "core_shape_path",
    "exact_states",
    "hooi",
    "load_mushroom",
    "mode_spectra",
    "random_tucker",
    "sample_images",
    "sparse_tensor",
    "tensor_train_ranks",
    "video_tensor",
]
