"""optlib: a sparse modelling layer with open backends and certified bounds."""
from .status import Status
from .standard_form import ConeDims, RawResult, RowBlock, SolveParams, StandardForm

__all__ = ["Status", "ConeDims", "RawResult", "RowBlock", "SolveParams", "StandardForm"]
