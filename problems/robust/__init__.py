"""Two-stage robust optimisation: instances, exact column-and-constraint generation, and Neur2RO.

Dumouchelle, Julien, Kurtz, Khalil, "Neur2RO: Neural Two-Stage Robust Optimization" (ICLR 2024);
knapsack of Arslan & Detienne (INFORMS J. Computing 2020); capital budgeting of Subramanyam,
Gounaris & Wiesemann (Math. Prog. Comp. 2020).  torch is needed only to train or load a network.
"""
from .capital_budgeting import (CapitalBudgetingInstance, generate_capital_budgeting, load_capital_budgeting,
                                save_capital_budgeting)
from .ccg import CCGResult, ccg
from .data import collect_data
from .knapsack import KnapsackInstance, WorstCase, generate_knapsack, knapsack_files, load_knapsack
from .neur2ro import Neur2RO, Neur2ROResult, random_instances

__all__ = ["KnapsackInstance", "CapitalBudgetingInstance", "WorstCase", "load_knapsack", "generate_knapsack",
           "knapsack_files", "generate_capital_budgeting", "load_capital_budgeting", "save_capital_budgeting",
           "ccg", "CCGResult", "Neur2RO", "Neur2ROResult", "collect_data", "random_instances"]
