"""Clustering by semidefinite programming, with certified bounds.

Peng & Wei, "Approximating K-means-type clustering via semidefinite programming" (SIAM J.
Optim. 2007): `SDPKMeans`, maximise <X X', Z> s.t. Z PSD, Z >= 0, Z 1 = 1, tr Z = K, with
a certified lower bound on the K-means inertia of every partition (exact recovery is
certified when the rounded partition meets it). Zhuang, Chen, Yang, "Likelihood Adjusted
Semidefinite Programs for Clustering Heterogeneous Data" (ICML 2023): `ILASDP`. Zhuang,
Chen, Yang, Zhang (ICLR 2024): the non-negative low-rank path for large n.
"""
from .certificate import DualBound, partition_certificate, sdp_dual_bound
from .data import gaussian_mixture, load_real
from .exact import ExactKMeans, exact_kmeans
from .ilasdp import ILASDP, SingularCovarianceWarning
from .kmeans_sdp import SDPKMeans
from .metrics import inertia, misclustering_error

__all__ = ["SDPKMeans", "ILASDP", "SingularCovarianceWarning", "exact_kmeans", "ExactKMeans",
           "gaussian_mixture", "load_real", "inertia", "misclustering_error", "partition_certificate",
           "sdp_dual_bound", "DualBound"]
