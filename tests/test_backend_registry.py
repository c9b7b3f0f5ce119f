"""A backend defined here, outside optlib, plugs in through optlib.register_backend: Model.solve
uses it, `optlib backends` lists it, auto may pick it, and optlib.testing.run_conformance
checks it in one call. Also: the core does not import solvers/ or problems/ by name, and the
import graph of optlib and solvers has no cycle."""
from __future__ import annotations

import ast
import contextlib
import io
import json
import pathlib

import numpy as np
import pytest
import scipy.optimize

import optlib
from optlib import Capabilities, RawResult, SolveParams, StandardForm, Status
from optlib.backend import Backend, choose_backend, registered_names
from optlib.testing import run_conformance

ROOT = pathlib.Path(__file__).parents[1]


class LinprogBackend(Backend):
    """scipy.optimize.linprog (HiGHS inside scipy) as a third party would write it: LP only,
    duals from the marginals (d(objective)/d(rhs) = -z in optlib's convention)."""

    name = "test-linprog"
    package = "scipy"
    module = "scipy"
    capabilities = Capabilities(continuous=True, duals=True)

    def solve(self, sf: StandardForm, params: SolveParams) -> RawResult:
        self.check(sf)
        z0 = sf.cones.zero
        A = sf.A.tocsr()
        opts = {"time_limit": params.time_limit} if params.time_limit else {}
        res = scipy.optimize.linprog(sf.c, A_ub=A[z0:], b_ub=sf.b[z0:], A_eq=A[:z0], b_eq=sf.b[:z0],
                                     bounds=list(zip(np.where(np.isfinite(sf.lb), sf.lb, None),
                                                     np.where(np.isfinite(sf.ub), sf.ub, None))),
                                     method="highs", options=opts)
        if res.status == 0:
            z = np.concatenate([-res.eqlin.marginals, -res.ineqlin.marginals])
            obj = float(res.fun) + sf.offset
            return RawResult(Status.OPTIMAL, x=res.x, z=z, objective=obj, bound=obj, solver=self.name)
        status = {2: Status.INFEASIBLE, 3: Status.UNBOUNDED, 1: Status.NO_SOLUTION}.get(res.status, Status.ERROR)
        return RawResult(status, solver=self.name, message=res.message)


@pytest.fixture
def registered():
    optlib.register_backend("test-linprog", LinprogBackend)
    yield "test-linprog"
    optlib.unregister_backend("test-linprog")


def small_lp():
    m = optlib.Model()
    x = m.continuous(2, lb=0, name="x")
    m.add(x[0] + 2 * x[1] <= 4, name="a")
    m.add(3 * x[0] + x[1] <= 6, name="b")
    m.maximize(x.sum())
    return m


def test_registered_backend_is_used_by_model_solve(registered):
    res = small_lp().solve(backend=registered)
    assert res.backend.name == "test-linprog" and res.status is Status.OPTIMAL and res.verified
    assert res.objective == pytest.approx(2.8) and res.dual("a") == pytest.approx(0.4)
    assert "test-linprog" in optlib.backends() and "test-linprog" in registered_names()


def test_registered_backend_is_listed_by_the_cli(registered):
    from optlib.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["backends", "--json"]) == 0
    rows = {row["name"]: row for row in json.loads(out.getvalue())}
    assert rows["test-linprog"]["installed"] and rows["test-linprog"]["accepts"] == ["LP"]


def test_run_conformance_checks_a_third_party_backend(registered):
    report = run_conformance(registered)
    assert report.ok, str(report)
    passed = {o.case for o in report.outcomes if o.outcome == "passed"}
    assert {"lp_mixed_rows", "lp_maximize", "lp_infeasible", "lp_unbounded"} <= passed
    assert any(o.case.startswith("lie: lp") and o.outcome == "passed" for o in report.outcomes)
    assert all(o.outcome == "skipped" for o in report.outcomes if o.case.startswith(("socp", "sdp", "milp")))


def test_run_conformance_catches_a_broken_backend():
    class WrongDuals(LinprogBackend):
        name = "test-wrong"

        def solve(self, sf, params):
            raw = super().solve(sf, params)
            if raw.z is not None:
                raw.z = -raw.z                        # flipped signs: the bound is no bound
            if raw.x is not None:
                raw.x = raw.x * 1.01                   # and a point off its rows
            return raw

    optlib.register_backend("test-wrong", WrongDuals)
    try:
        report = run_conformance("test-wrong", lies=False)
    finally:
        optlib.unregister_backend("test-wrong")
    assert not report.ok and "lp_mixed_rows" in {o.case for o in report.failed}


def test_registration_errors_name_the_problem():
    with pytest.raises(ValueError, match="already registered"):
        optlib.register_backend("highs", LinprogBackend)
    with pytest.raises(ValueError, match="reserved"):
        optlib.register_backend("auto", LinprogBackend)
    with pytest.raises(ValueError, match="factory"):
        optlib.register_backend("test-x", 42)
    with pytest.raises(KeyError):
        optlib.unregister_backend("test-never-registered")
    with pytest.raises(ValueError, match="unknown backend"):
        optlib.get_backend("test-never-registered")


def test_auto_returns_the_backend_and_why():
    choice = choose_backend(small_lp().compile())
    assert choice.backend.name == "highs" and "LP" in choice.reason


def _imports(path: pathlib.Path, package: str) -> set[str]:
    """Modules the file imports at run time, at module level or inside functions (relative
    imports resolved; `if TYPE_CHECKING:` blocks left out: they never run)."""
    tree = ast.parse(path.read_text())
    mod = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    base = mod.rsplit(".", 1)[0] if path.name != "__init__.py" else mod
    out: set[str] = set()

    def walk(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and getattr(child.test, "id", "") == "TYPE_CHECKING":
                for other in child.orelse:
                    walk(other)
                continue
            if isinstance(child, ast.Import):
                out.update(a.name for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    parts = base.split(".")
                    prefix = ".".join(parts[:len(parts) - child.level + 1])
                    name = prefix + ("." + child.module if child.module else "")
                    if child.module:              # `from .pkg import x`: pkg (x may be a submodule)
                        out.add(name)
                    out.update(f"{name}.{a.name}" for a in child.names)
                elif child.module:
                    out.add(child.module)
            walk(child)

    walk(tree)
    return out


def _graph(packages: tuple[str, ...]) -> dict[str, set[str]]:
    mods = {}
    for pkg in packages:
        for path in (ROOT / pkg).rglob("*.py"):
            mods[".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")] = path
    graph = {}
    for name, path in mods.items():
        # a submodule's import of its own package is the implicit parent import Python does
        # anyway (the package is initialised first), not a dependency
        parents = {".".join(name.split(".")[:k]) for k in range(1, name.count(".") + 1)}
        graph[name] = {m for m in _imports(path, name) if m in mods and m != name and m not in parents}
    return graph


def test_the_core_does_not_import_solvers_or_problems():
    for path in (ROOT / "optlib").rglob("*.py"):
        bad = {m for m in _imports(path, "optlib") if m.split(".")[0] in ("solvers", "problems")}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_no_import_cycle_in_the_project():
    graph = _graph(("optlib", "solvers", "problems"))
    state: dict[str, int] = {}

    def visit(node, stack):
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [node])


def test_auto_prefers_scs_when_interior_point_iterations_would_not_fit_the_time_limit():
    from optlib.backend import interior_point_seconds

    m = optlib.Model()
    X = m.symmetric(60, psd=True, name="X")
    m.add(optlib.trace(X) == 1)
    m.minimize(X[0, 0])
    sf = m.compile()
    per_iter = interior_point_seconds(sf)
    assert per_iter == pytest.approx((60 * 61 / 2) ** 3 / 3 / 1e9)
    assert choose_backend(sf).backend.name == "clarabel"                     # no limit
    assert choose_backend(sf, time_limit=100 * per_iter).backend.name == "clarabel"
    short = choose_backend(sf, time_limit=per_iter)
    assert short.backend.name == "scs" and "time limit" in short.reason
