"""DAG structure learning: NOTEARS objectives by topological swaps (TOPO), with exact and
continuous baselines.

Deng, Bello, Aragam, Ravikumar, "Optimizing NOTEARS Objectives via Topological Swaps" (ICML
2023); Zheng, Aragam, Ravikumar, Xing, "DAGs with NO TEARS" (NeurIPS 2018). The exact
baseline is dynamic programming over subsets (Silander & Myllymaki, UAI 2006).
"""
from . import metrics
from ._contract import DAGAnswer
from .exact import ExactDAG
from .metrics import count_accuracy, is_dag, to_digraph
from .notears import NOTEARS
from .score import l2_score, logistic_score, score
from .simulate import simulate, simulate_dag, simulate_sem, simulate_weights
from .topo import TOPO

__all__ = ["DAGAnswer", "NOTEARS", "TOPO", "ExactDAG", "count_accuracy", "is_dag", "l2_score", "logistic_score",
           "metrics", "score", "simulate", "simulate_dag", "simulate_sem", "simulate_weights", "to_digraph"]
