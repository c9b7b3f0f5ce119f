"""Interpretable scoring models as integer programs: SLIM scoring systems and checklists.

Ustun & Rudin, "Supersparse Linear Integer Models for Optimized Medical Scoring Systems",
Machine Learning 102 (2016); Zhang, Morris, Ustun, Ghassemi, "Learning Optimal Predictive
Checklists", NeurIPS 2021. Both are optlib Models: add constraints, swap the backend.
"""
from .binarize import Binarizer, binarize
from .checklist import ChecklistClassifier
from .data import DATASETS, load_dataset, load_table
from .display import Checklist, ScoreCard
from .slim import SLIMClassifier
from .slim_model import SLIMProblem, SLIMVariables

__all__ = ["SLIMClassifier", "ChecklistClassifier", "Binarizer", "binarize", "SLIMProblem", "SLIMVariables",
           "ScoreCard", "Checklist", "load_dataset", "load_table", "DATASETS"]
