"""SDP clustering in a few lines: a certified K-means optimum, the low-rank path, iLA-SDP.

    python examples/clustering_demo.py
"""
from __future__ import annotations

import warnings

from sklearn.cluster import KMeans

from problems.clustering import ILASDP, SDPKMeans, exact_kmeans, gaussian_mixture, misclustering_error


def main() -> None:
    warnings.simplefilter("ignore")
    # 1. the Peng-Wei SDP as an optlib model: a certified global K-means optimum
    X, y = gaussian_mixture(45, 3, 2, separation=8.0, random_state=0)
    m = SDPKMeans(3, solver="sdp", backend="clarabel").fit(X)
    print(m.summary())
    print(f"  mis-clustering error {misclustering_error(y, m.labels_):.3f}; optlib certificate: "
          f"{m.result_.certificate}")

    # 2. tiny n: the certified bound against the exact optimum (branch and bound)
    X2, _ = gaussian_mixture(14, 3, 2, separation=2.0, random_state=1)
    ex = exact_kmeans(X2, 3)
    m2 = SDPKMeans(3, solver="sdp", backend="clarabel").fit(X2)
    print(f"tiny n=14: exact optimum {ex.inertia:.6g} (proved: {ex.optimal}), SDP bound {m2.bound_:.6g} "
          f"<= optimum, SDP rounding {m2.inertia_:.6g}, optimal_ = {m2.optimal_}")

    # 3. the low-rank path: n = 3000 with a certificate built from the labels
    X3, y3 = gaussian_mixture(3000, 4, 10, separation=8.0, random_state=2)
    m3 = SDPKMeans(4, solver="lowrank").fit(X3)
    print(m3.summary())
    print(f"  error {misclustering_error(y3, m3.labels_):.4f}")

    # 4. iLA-SDP on clusters of different shapes
    X4, y4 = gaussian_mixture(60, 2, 5, separation=4.0, covariance="heterogeneous", ratio=9.0, anisotropy=4.0,
                              random_state=1)
    il = ILASDP(2).fit(X4)
    km = KMeans(2, random_state=0).fit_predict(X4)
    print(f"heterogeneous mixture: ILASDP error {misclustering_error(y4, il.labels_):.3f} ({il.path_}, "
          f"{il.n_iter_} iterations, {il.covariance_type_} covariances by BIC, "
          f"log-likelihood {il.log_likelihood_:.2f}); "
          f"KMeans error {misclustering_error(y4, km):.3f}")


if __name__ == "__main__":
    main()
