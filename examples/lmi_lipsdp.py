"""Sparse LMIs with `optlib.lmi`: the LipSDP-Neuron bound of a small ReLU network.

Fazlyab et al., "Efficient and Accurate Estimation of Lipschitz Constants for Deep Neural
Networks" (NeurIPS 2019). With A = [blkdiag(W_0..W_{l-1}), 0], B = [0, I_N] and one
multiplier lambda_j >= 0 per hidden neuron (ReLU: slopes in [0, 1]),

    minimise rho  s.t.  sum_j lambda_j F_j + blkdiag(-rho I, 0, W_l'W_l)  <<  0,
    F_j = a_j e_j' + e_j a_j' - 2 e_j e_j'   (a_j = row j of A, e_j = row j of B),

and L = sqrt(rho) is a certified upper bound on the l2 Lipschitz constant. Each F_j has
O(width) nonzeros, so the LMI is passed to `optlib.lmi` as one sparse matrix per neuron.

    python examples/lmi_lipsdp.py [weights.mat] [--backend clarabel]

Without an argument it uses the LipSDP authors' 2-10-30-20-2 network shipped with optlib
(optlib.datasets.network_path('random'); reported LipSDP-Neuron value: 36.482).
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import scipy.sparse as sp

import optlib
from optlib import datasets



def load_weights(path: Path) -> list[np.ndarray]:
    """The weight matrices of a LipSDP .mat file (plain or .gz)."""
    if not path.is_file():
        raise SystemExit(f"weights file not found: {path}")
    return datasets.read_mat_weights(path)


def lipsdp_neuron(weights: list[np.ndarray], backend: str = "auto") -> tuple[float, optlib.Result]:
    n0 = weights[0].shape[1]
    N = sum(W.shape[0] for W in weights[:-1])
    dim = n0 + N
    A = sp.hstack([sp.block_diag(weights[:-1]), sp.csr_matrix((N, weights[-2].shape[0]))], format="csr")
    last = weights[-2].shape[0]
    F0 = sp.lil_matrix((dim, dim))
    F0[dim - last:, dim - last:] = weights[-1].T @ weights[-1]
    E0 = sp.lil_matrix((dim, dim))
    E0[:n0, :n0] = np.eye(n0)

    F = []
    for j in range(N):
        a = A.getrow(j)
        e = sp.csr_matrix(([1.0], ([0], [n0 + j])), shape=(1, dim))
        F.append((a.T @ e + e.T @ a - 2 * (e.T @ e)).tocsr())

    m = optlib.Model("lipsdp-neuron")
    lam = m.continuous(N, lb=0, name="lambda")
    rho = m.continuous(lb=0, name="rho")
    m.add(optlib.lmi(F0.tocsr(), [(lam, F), (rho, -E0.tocsr())]) << 0, name="lmi")
    m.minimize(rho)
    res = m.solve(backend=backend)
    return math.sqrt(max(res.objective, 0.0)), res


def main() -> None:
    ap = argparse.ArgumentParser(description="LipSDP-Neuron bound with optlib.lmi")
    ap.add_argument("weights", nargs="?", default=None,
                    help="a LipSDP .mat file (default: the authors' 2-10-30-20-2 net shipped with optlib)")
    ap.add_argument("--backend", default="auto")
    args = ap.parse_args()
    path = Path(args.weights) if args.weights else datasets.network_path("random")
    weights = load_weights(path)
    source = datasets.plain_name(path)
    L, res = lipsdp_neuron(weights, args.backend)
    naive = float(np.prod([np.linalg.norm(W, 2) for W in weights]))
    print(f"network: {source}, layers {[W.shape for W in weights]}")
    print(f"product of spectral norms: {naive:.4f}")
    print(f"LipSDP-Neuron bound      : {L:.4f}  (status {res.status.name} on {res.backend.name}, "
          f"certificate {'verified' if res.certificate.verified else 'NOT verified'}, "
          f"dual bound on L: {math.sqrt(max(res.bound, 0.0)):.4f})")


if __name__ == "__main__":
    main()
