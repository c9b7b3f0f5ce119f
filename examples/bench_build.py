"""Model building side by side: optlib, CVXPY, pyoptinterface and raw highspy on the same models.

    pip install -e ".[compare]"
    OMP_NUM_THREADS=1 python examples/bench_build.py [--cases transport,facility,netlib,maxcut]
        [--repeat 5] [--netlib-dir DIR ...] [--min-raw 0.1] [--names A,B] [--json OUT.jsonl]
        [--transport-sizes 200,300,500] [--facility-sizes 50x200,50x500,50x1000]
        [--tools optlib,cvxpy,pyoptinterface,highspy]

Each case is built and handed to the solver (HiGHS's passModel; for CVXPY its
`get_problem_data`, the canonicalisation it does before any solver sees the problem), without
solving, in one process, alternating the tools, `--repeat` times; the table gives the median
time of each tool and the median of the paired ratios optlib / other. The netlib case reads an
MPS file and solves it (optlib.read + solve on highs vs highspy readModel + run), then reads
it only (optlib.mps.read_mps vs highspy readModel), for files whose raw read + solve takes
--min-raw to 2 s. max-cut builds max 1/4 <L, X> s.t. diag X = 1, X PSD (n = 200) and
compares optlib's compile with CVXPY's get_problem_data. (The LipSDP LMI build is measured by examples/bench_lmi_build.py.)

Read + solve also gives each tool's phases (medians, ms): optlib's read, compile, hand-off
(`pass_model`), HiGHS's run, certify and the rest (options, log, result); highspy's readModel
and run. CPU seconds are given beside wall seconds. --json OUT.jsonl writes one tidy record
(optlib.bench.records) per case and tool: suite 'build', method = the tool, wall_s / cpu_s the
medians, extra = the phases, the repeat count and the paired ratios optlib / tool.
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


def measured(fn) -> tuple[float, float, dict]:
    """(wall s, CPU s, what fn returned when it is a dict of phase seconds or outcome, else {})."""
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    return wall, cpu, out if isinstance(out, dict) else {}


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
class Phases:
    """Seconds spent in HiGHS's `run` and in the backend's `pass_model` while a call runs: both
    wrapped once (a Python call each), summed into `spent` until `reset`."""

    def __init__(self) -> None:
        import highspy
        import solvers.highs_backend as hb

        self.spent: dict[str, float] = {}
        run, handoff = highspy.Highs.run, hb.pass_model

        def timed_run(h, *a, **k):
            t = time.perf_counter()
            try:
                return run(h, *a, **k)
            finally:
                self.spent["run"] = self.spent.get("run", 0.0) + time.perf_counter() - t

        def timed_handoff(*a, **k):
            t = time.perf_counter()
            try:
                return handoff(*a, **k)
            finally:
                self.spent["handoff"] = self.spent.get("handoff", 0.0) + time.perf_counter() - t
        highspy.Highs.run = timed_run
        hb.pass_model = timed_handoff

    def reset(self) -> None:
        self.spent = {}


def compare(label: str, tools: dict, repeat: int, writer=None, instance: str = "",
            work: str = "") -> dict:
    """Run each tool `repeat` times in rounds (order rotated per round); print medians and paired ratios; with a
    `writer` (optlib.bench.records.RecordWriter) one record per tool. Returns {tool: median s}."""
    wall = {k: [] for k in tools}
    cpu = {k: [] for k in tools}
    outs = {k: [] for k in tools}
    names = list(tools)
    for r in range(repeat):
        # the order rotates each round: no tool always runs after the same one (the allocator's
        # and caches' state left by CVXPY or pyoptinterface favoured whichever tool came next)
        for name in names[r % len(names):] + names[:r % len(names)]:
            w, c, out = measured(tools[name])
            wall[name].append(w)
            cpu[name].append(c)
            outs[name].append(out)
    base = wall["optlib"]
    ratios = {name: statistics.median(b / o for b, o in zip(base, wall[name])) for name in tools if name != "optlib"}
    cpu_ratios = {name: statistics.median(b / max(o, 1e-9) for b, o in zip(cpu["optlib"], cpu[name]))
                  for name in tools if name != "optlib"}
    cells = [f"optlib {statistics.median(base):.3f} s (CPU {statistics.median(cpu['optlib']):.3f})"]
    for name in tools:
        if name != "optlib":
            cells.append(f"{name} {statistics.median(wall[name]):.3f} s (CPU {statistics.median(cpu[name]):.3f}; "
                         f"optlib/{name} {ratios[name]:.2f}, CPU {cpu_ratios[name]:.2f})")
    print(f"{label:<34} " + " | ".join(cells), flush=True)
    for name in tools:
        phases = _median_phases(outs[name])
        if phases:
            print(f"{'':<36}{name} phases (ms): " + ", ".join(f"{k} {1e3 * v:.1f}" for k, v in phases.items()),
                  flush=True)
    if writer is not None:
        for name in tools:
            others = list(ratios) if name == "optlib" else [name]
            writer.write(_record(instance or label, name, work, wall[name], cpu[name], outs[name], repeat,
                                 {f"optlib/{o}": ratios[o] for o in others},
                                 {f"optlib/{o}": cpu_ratios[o] for o in others}))
    return {name: statistics.median(v) for name, v in wall.items()}


def _median_phases(outs: list[dict]) -> dict[str, float]:
    keys = [k for k, v in (outs[0] if outs else {}).items() if k.endswith("_s") and isinstance(v, float)]
    return {k[:-2]: statistics.median(o[k] for o in outs) for k in keys}


def _record(instance: str, tool: str, work: str, wall: list, cpu: list, outs: list, repeat: int,
            ratios: dict, cpu_ratios: dict) -> dict:
    """One tidy record (optlib.bench.records.make_record) of a tool's measurements on a case."""
    from optlib.bench.records import make_record, now_iso
    from optlib.suites import Run

    last = outs[-1] if outs else {}
    outcome = {k: last[k] for k in ("status", "objective", "bound", "gap", "verified", "message") if k in last}
    outcome.setdefault("status", "n/a")
    if outcome["status"] == "n/a":
        outcome.setdefault("message", {"read": "read only", "build+handoff": "built and handed to HiGHS",
                                       "build+compile": "built and compiled"}.get(work, work) + ", not solved")
    extra = {"work": work, "repeat": repeat, "phases_s": _median_phases(outs),
             "wall_s_all": wall, "cpu_s_all": cpu, "paired_median_ratio": ratios,
             "paired_median_cpu_ratio": cpu_ratios}
    if tool != "optlib":                  # this tool's pair as plain numbers, for tables
        extra["optlib_ratio"] = ratios[f"optlib/{tool}"]
        extra["optlib_cpu_ratio"] = cpu_ratios[f"optlib/{tool}"]
    run = Run(suite="build", instance=instance, method=tool, backend="highs" if tool != "cvxpy" else "",
              options={"work": work} if work else {})
    return make_record(run, {**outcome, "extra": extra}, wall_s=statistics.median(wall),
                       cpu_s=statistics.median(cpu), peak_memory_mb=None, memory_source="",
                       started_at=now_iso())


TOOLS = ("optlib", "cvxpy", "pyoptinterface", "highspy")


def _sizes(text: str) -> list[int]:
    """'200,300' -> [200, 300] (argparse type: a bad entry is an error naming it)."""
    out = []
    for part in text.split(","):
        if not part.strip().isdigit() or int(part) < 1:
            raise argparse.ArgumentTypeError(f"{part!r} is not a positive integer")
        out.append(int(part))
    return out


def _pairs(text: str) -> list[tuple[int, int]]:
    """'50x200,100x1000' -> [(50, 200), (100, 1000)]."""
    out = []
    for part in text.split(","):
        f, sep, n = part.strip().partition("x")
        if not sep or not f.isdigit() or not n.isdigit() or int(f) < 1 or int(n) < 1:
            raise argparse.ArgumentTypeError(f"{part!r} is not FxN with positive integers F and N")
        out.append((int(f), int(n)))
    return out


def _tools(text: str) -> set[str]:
    names = {t.strip() for t in text.split(",") if t.strip()}
    unknown = sorted(names - set(TOOLS))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown tool(s) {', '.join(unknown)}; choose from {', '.join(TOOLS)}")
    return names | {"optlib"}


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
    ap.add_argument("--names", default="",
                    help="netlib: only these files (comma-separated names without extension; "
                         "--min-raw still applies)")
    ap.add_argument("--transport-sizes", default="200,300,500", type=_sizes,
                    help="transport: n of each n x n LP (comma-separated)")
    ap.add_argument("--facility-sizes", default="50x200,50x500,50x1000", type=_pairs,
                    help="facility: FxN of each MILP, F facilities and N customers (comma-separated)")
    ap.add_argument("--tools", default="optlib,cvxpy,pyoptinterface,highspy", type=_tools,
                    help="transport and facility: the tools to run (optlib always runs)")
    ap.add_argument("--json", metavar="OUT.jsonl",
                    help="write one tidy record per case and tool to this JSON-lines file (replacing it)")
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    cases = a.cases.split(",")
    writer = None
    if a.json:
        from optlib.bench.records import RecordWriter

        writer = RecordWriter(a.json, append=False)
    def chosen(tools: dict) -> dict:
        return {k: f for k, f in tools.items() if k in a.tools}

    if "transport" in cases:
        for n in a.transport_sizes:
            compare(f"transport LP {n * n // 1000}k vars", chosen({
                "optlib": lambda n=n: optlib_handoff(optlib_transport(n)),
                "cvxpy": lambda n=n: cvxpy_transport(n),
                "pyoptinterface": lambda n=n: poi_transport(n),
                "highspy": lambda n=n: raw_transport(n)}), a.repeat, writer, f"transport-{n}x{n}", "build+handoff")
    if "facility" in cases:
        for f, n in a.facility_sizes:
            compare(f"facility MILP {f} x {n}", chosen({
                "optlib": lambda f=f, n=n: optlib_handoff(optlib_facility(f, n)),
                "cvxpy": lambda f=f, n=n: cvxpy_facility(f, n),
                "pyoptinterface": lambda f=f, n=n: poi_facility(f, n),
                "highspy": lambda f=f, n=n: raw_facility(f, n)}), a.repeat, writer, f"facility-{f}x{n}",
                "build+handoff")
    if "netlib" in cases:
        import highspy
        from optlib.mps import read_mps

        phases = Phases()

        def highs_read(path):
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
            h.setOptionValue("threads", 1)
            h.readModel(str(path))
            return h

        def raw_read_solve(path):
            t0 = time.perf_counter()
            h = highs_read(path)
            t1 = time.perf_counter()
            h.run()
            t2 = time.perf_counter()
            info = h.getInfo()
            said = h.modelStatusToString(h.getModelStatus())     # HiGHS's word, unchecked
            out = {"read_s": t1 - t0, "run_s": t2 - t1, "message": "HiGHS's status, not certified",
                   "status": said.upper() if said in ("Optimal", "Infeasible") else said}
            if said == "Optimal":
                out["objective"] = float(info.objective_function_value)
            return out

        def ours_read_solve(path):
            phases.reset()
            t0 = time.perf_counter()
            model = optlib.read(str(path))
            t1 = time.perf_counter()
            res = model.solve(backend="highs", threads=1)
            t2 = time.perf_counter()
            run, handoff = phases.spent.get("run", 0.0), phases.spent.get("handoff", 0.0)
            tm = res.timings
            return {"read_s": t1 - t0, "compile_s": tm.compile, "handoff_s": handoff, "run_s": run,
                    "certify_s": tm.certify, "rest_s": (t2 - t1) - tm.compile - handoff - run - tm.certify,
                    "status": res.status.name, "objective": res.objective, "bound": res.bound,
                    "gap": res.gap, "verified": res.verified}

        dirs = a.netlib_dir or [str(Path(optlib.__file__).parent / "datasets" / "highs_check")]
        paths: dict[str, Path] = {}  # one file per model name, the first folder's
        for d in dirs:
            for p in sorted(Path(d).glob("*.mps*")):
                paths.setdefault(p.name.split(".")[0], p)
        wanted = {n for n in a.names.split(",") if n}
        for name, path in sorted(paths.items()):
            if wanted and name not in wanted:
                continue
            try:
                read_mps(path)  # files optlib refuses (quadratic, NaN, garbage) are left out
            except ValueError:
                continue
            t_raw = timed(lambda path=path: raw_read_solve(path))
            if not a.min_raw <= t_raw <= 2.0:
                continue
            compare(f"read + solve {name}", {
                "optlib": lambda path=path: ours_read_solve(path),
                "highspy": lambda path=path: raw_read_solve(path)}, a.repeat, writer, name, "read+solve")
            compare(f"  read only {name}", {
                "optlib": lambda path=path: read_mps(path),
                "highspy": lambda path=path: highs_read(path)}, a.repeat, writer, name, "read")
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
        compare("max-cut SDP n = 200 (build + compile)", {"optlib": ours, "cvxpy": theirs}, a.repeat,
                writer, "maxcut-200", "build+compile")
    if writer is not None:
        writer.close()


if __name__ == "__main__":
    main()
