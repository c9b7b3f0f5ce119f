"""Model building side by side: optlib, CVXPY, pyoptinterface and raw highspy on the same models.

    pip install -e ".[compare]"
    OMP_NUM_THREADS=1 python examples/bench_build.py [--cases transport,facility,netlib,maxcut]
        [--repeat 5] [--netlib-dir DIR ...] [--min-raw 0.1]

Each case is built and handed to the solver (HiGHS's passModel; for CVXPY its
`get_problem_data`, the canonicalisation it does before any solver sees the problem), without
solving, in one process, alternating the tools, `--repeat` times; the table gives the median
time of each tool and the median of the paired ratios optlib / other. The netlib case reads an
MPS file and solves it (optlib.read + solve on highs vs highspy readModel + run), then reads
it only (optlib.mps.read_mps vs highspy readModel), for files whose raw read + solve takes
--min-raw to 2 s. max-cut builds max 1/4 <L, X> s.t. diag X = 1, X PSD (n = 200) and
compares optlib's compile with CVXPY's get_problem_data. (The LipSDP LMI build is measured by examples/bench_lmi_build.py.)
"""
from __future__ import annotations

import argparse
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp

import optlib


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


# -- the models ----------------------------------------------------------------------------------
def transport_data(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    supply = rng.uniform(10, 20, n)
    demand = supply.sum() / n * rng.uniform(0.5, 0.9, n)
    cost = rng.uniform(1, 10, (n, n))
    return supply, demand, cost


def facility_data(f: int, n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.uniform(50, 100, f), rng.uniform(1, 20, (f, n))


def optlib_transport(n):
    supply, demand, cost = transport_data(n)
    m = optlib.Model("transport")
    x = m.continuous((n, n), lb=0, name="x")
    m.add(x.sum(axis=1) <= supply, name="supply")
    m.add(x.sum(axis=0) >= demand, name="demand")
    m.minimize((cost * x).sum())
    return m


def optlib_facility(f, n):
    fixed, cost = facility_data(f, n)
    m = optlib.Model("facility")
    y = m.boolean(f, name="open")
    x = m.continuous((f, n), lb=0, ub=1, name="assign")
    m.add(x.sum(axis=0) == 1, name="serve")
    m.add(x <= y.reshape((f, 1)) @ np.ones((1, n)), name="link")
    m.minimize(fixed @ y + (cost * x).sum())
    return m


def optlib_handoff(model) -> None:
    """compile + the HiGHS model + passModel (what Model.solve does before HiGHS runs)."""
    import highspy
    from optlib.highs_util import new_highs
    from solvers.highs_backend import pass_model

    sf = model.compile()
    A, lo, hi, _ = sf.rows_in_order()
    pass_model(highspy, new_highs(highspy), sf, A, lo, hi)


def cvxpy_transport(n):
    import cvxpy as cp

    supply, demand, cost = transport_data(n)
    x = cp.Variable((n, n), nonneg=True)
    prob = cp.Problem(cp.Minimize(cp.sum(cp.multiply(cost, x))),
                      [cp.sum(x, axis=1) <= supply, cp.sum(x, axis=0) >= demand])
    prob.get_problem_data(cp.HIGHS)


def cvxpy_facility(f, n):
    import cvxpy as cp

    fixed, cost = facility_data(f, n)
    y = cp.Variable(f, boolean=True)
    x = cp.Variable((f, n))
    prob = cp.Problem(cp.Minimize(fixed @ y + cp.sum(cp.multiply(cost, x))),
                      [x >= 0, x <= 1, cp.sum(x, axis=0) == 1, x <= cp.reshape(y, (f, 1), order="F") @ np.ones((1, n))])
    prob.get_problem_data(cp.HIGHS)


def poi_transport(n):
    import pyoptinterface as poi
    from pyoptinterface import highs

    supply, demand, cost = transport_data(n)
    m = highs.Model()
    m.set_model_attribute(poi.ModelAttribute.Silent, True)
    x = [[m.add_variable(lb=0.0) for _ in range(n)] for _ in range(n)]
    for i in range(n):
        m.add_linear_constraint(poi.quicksum(x[i]), poi.Leq, float(supply[i]))
    for j in range(n):
        m.add_linear_constraint(poi.quicksum(x[i][j] for i in range(n)), poi.Geq, float(demand[j]))
    obj = poi.ExprBuilder()
    for i in range(n):
        for j in range(n):
            obj.add_affine_term(x[i][j], float(cost[i, j]))
    m.set_objective(obj, poi.ObjectiveSense.Minimize)


def poi_facility(f, n):
    import pyoptinterface as poi
    from pyoptinterface import highs

    fixed, cost = facility_data(f, n)
    m = highs.Model()
    m.set_model_attribute(poi.ModelAttribute.Silent, True)
    y = [m.add_variable(domain=poi.VariableDomain.Binary) for _ in range(f)]
    x = [[m.add_variable(lb=0.0, ub=1.0) for _ in range(n)] for _ in range(f)]
    for j in range(n):
        m.add_linear_constraint(poi.quicksum(x[i][j] for i in range(f)), poi.Eq, 1.0)
    for i in range(f):
        for j in range(n):
            m.add_linear_constraint(x[i][j] - y[i], poi.Leq, 0.0)
    obj = poi.ExprBuilder()
    for i in range(f):
        obj.add_affine_term(y[i], float(fixed[i]))
        for j in range(n):
            obj.add_affine_term(x[i][j], float(cost[i, j]))
    m.set_objective(obj, poi.ObjectiveSense.Minimize)


def _raw_highs(c, A, row_lo, row_hi, lb, ub, integer=None):
    """The data straight into HiGHS with highspy's array passModel (its fastest route)."""
    import highspy

    A = sp.csc_matrix(A)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    integ = np.zeros(A.shape[1], np.int32) if integer is None else np.asarray(integer, np.int32)
    h.passModel(A.shape[1], A.shape[0], A.nnz, int(highspy.MatrixFormat.kColwise),
                int(highspy.ObjSense.kMinimize), 0.0, c, lb, ub, row_lo, row_hi,
                A.indptr.astype(np.int32), A.indices.astype(np.int32), A.data, integ)


def raw_transport(n):
    supply, demand, cost = transport_data(n)
    rows_s = sp.kron(sp.identity(n), np.ones((1, n)))
    rows_d = sp.kron(np.ones((1, n)), sp.identity(n))
    A = sp.vstack([rows_s, rows_d])
    _raw_highs(cost.ravel(), A, np.concatenate([np.full(n, -np.inf), demand]),
               np.concatenate([supply, np.full(n, np.inf)]), np.zeros(n * n), np.full(n * n, np.inf))


def raw_facility(f, n):
    fixed, cost = facility_data(f, n)
    serve = sp.hstack([sp.csr_matrix((n, f)), sp.kron(np.ones((1, f)), sp.identity(n))])
    link = sp.hstack([-sp.kron(sp.identity(f), np.ones((n, 1))), sp.identity(f * n)])
    A = sp.vstack([serve, link])
    nv = f + f * n
    _raw_highs(np.concatenate([fixed, cost.ravel()]), A, np.concatenate([np.ones(n), np.full(f * n, -np.inf)]),
               np.concatenate([np.ones(n), np.zeros(f * n)]), np.zeros(nv), np.ones(nv),
               np.concatenate([np.ones(f, bool), np.zeros(f * n, bool)]))


# -- running -------------------------------------------------------------------------------------
def compare(label: str, tools: dict, repeat: int) -> None:
    times = {k: [] for k in tools}
    for _ in range(repeat):
        for name, fn in tools.items():
            times[name].append(timed(fn))
    base = times["optlib"]
    cells = [f"optlib {statistics.median(base):.3f} s"]
    for name in tools:
        if name == "optlib":
            continue
        ratio = statistics.median(b / o for b, o in zip(base, times[name]))
        cells.append(f"{name} {statistics.median(times[name]):.3f} s (optlib/{name} {ratio:.2f})")
    print(f"{label:<34} " + " | ".join(cells), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default="transport,facility,netlib,maxcut")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--netlib-dir", action="append",
                    help="a folder of .mps / .mps.gz files (repeatable; default: the shipped "
                         "HiGHS check instances)")
    ap.add_argument("--min-raw", type=float, default=0.0,
                    help="netlib: only files whose raw highspy read + solve takes at least this "
                         "many seconds (at most 2 s)")
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    cases = a.cases.split(",")
    if "transport" in cases:
        for n in (200, 300, 500):
            compare(f"transport LP {n * n // 1000}k vars", {
                "optlib": lambda n=n: optlib_handoff(optlib_transport(n)),
                "cvxpy": lambda n=n: cvxpy_transport(n),
                "pyoptinterface": lambda n=n: poi_transport(n),
                "highspy": lambda n=n: raw_transport(n)}, a.repeat)
    if "facility" in cases:
        for n in (200, 500, 1000):
            compare(f"facility MILP 50 x {n}", {
                "optlib": lambda n=n: optlib_handoff(optlib_facility(50, n)),
                "cvxpy": lambda n=n: cvxpy_facility(50, n),
                "pyoptinterface": lambda n=n: poi_facility(50, n),
                "highspy": lambda n=n: raw_facility(50, n)}, a.repeat)
    if "netlib" in cases:
        import highspy
        from optlib.mps import read_mps

        def highs_read(path):
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
            h.setOptionValue("threads", 1)
            h.readModel(str(path))
            return h

        dirs = a.netlib_dir or [str(Path(optlib.__file__).parent / "datasets" / "highs_check")]
        paths: dict[str, Path] = {}  # one file per model name, the first folder's
        for d in dirs:
            for p in sorted(Path(d).glob("*.mps*")):
                paths.setdefault(p.name.split(".")[0], p)
        for name, path in sorted(paths.items()):
            try:
                read_mps(path)  # files optlib refuses (quadratic, NaN, garbage) are left out
            except ValueError:
                continue
            def raw(path=path):
                highs_read(path).run()
            t_raw = timed(raw)
            if not a.min_raw <= t_raw <= 2.0:
                continue
            compare(f"read + solve {name}", {
                "optlib": lambda path=path: optlib.read(str(path)).solve(backend="highs", threads=1),
                "highspy": raw}, a.repeat)
            compare(f"  read only {name}", {
                "optlib": lambda path=path: read_mps(path),
                "highspy": lambda path=path: highs_read(path)}, a.repeat)
    if "maxcut" in cases:
        import cvxpy as cp

        n = 200
        rng = np.random.default_rng(0)
        W = np.triu(rng.random((n, n)) < 0.1, 1).astype(float)
        W = W + W.T
        L = np.diag(W.sum(1)) - W

        def ours():
            m = optlib.Model()
            X = m.symmetric(n, psd=True, name="X")
            m.add(optlib.diag(X) == 1)
            m.maximize(optlib.trace(L @ X) / 4)
            m.compile()

        def theirs():
            X = cp.Variable((n, n), symmetric=True)
            cp.Problem(cp.Maximize(cp.trace(L @ X) / 4), [X >> 0, cp.diag(X) == 1]).get_problem_data(cp.SCS)
        compare("max-cut SDP n = 200 (build + compile)", {"optlib": ours, "cvxpy": theirs}, a.repeat)


if __name__ == "__main__":
    main()
