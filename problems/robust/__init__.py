"""Two-stage robust optimisation: instances, exact column-and-constraint generation, and Neur2RO.

Dumouchelle, Julien, Kurtz, Khalil, "Neur2RO: Neural Two-Stage Robust Optimization" (ICLR 2024);
knapsack of Arslan & Detienne (INFORMS J. Computing 2020); capital budgeting of Subramanyam,
Gounaris & Wiesemann (Math. Prog. Comp. 2020).  torch is needed only to train or load a network.
An instance implements `RobustInstance` (protocol.py); `ccg` and `Neur2RO` run the one CCG loop of ccg.py.
"""
from .capital_budgeting import (CapitalBudgetingInstance, generate_capital_budgeting, load_capital_budgeting,
                                save_capital_budgeting)
from .ccg import CCGResult, ccg, ccg_loop
from .data import collect_data
from .knapsack import KnapsackInstance, generate_knapsack, knapsack_files, load_knapsack
from .neur2ro import Neur2RO, Neur2ROResult, random_instances, resolve_device
from .neur2ro_options import Neur2ROOptions
from .protocol import RobustInstance, WorstCase

__all__ = ["RobustInstance", "KnapsackInstance", "CapitalBudgetingInstance", "WorstCase", "load_knapsack",
           "generate_knapsack", "knapsack_files", "generate_capital_budgeting", "load_capital_budgeting",
           "save_capital_budgeting", "ccg", "ccg_loop", "CCGResult", "Neur2RO", "Neur2ROOptions", "Neur2ROResult",
           "collect_data", "random_instances", "resolve_device"]
