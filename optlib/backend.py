"""The backend contract, owned by the core: the protocol every solver adapter implements and
the registry of backend names.

An adapter receives an `optlib.StandardForm` and `optlib.SolveParams`, never the user's
objects, and returns an `optlib.RawResult` (the solver's own numbers; optlib certifies them).
`check` raises a ValueError naming the backend and the reason when it cannot take a problem;
`auto` never picks such a backend.

Adapters live outside `optlib` and register themselves:

- in code: `optlib.register_backend("mysolver", MyBackend)` (a Backend subclass or any
  zero-argument callable returning a Backend);
- as a package: an entry point in the group `optlib.backends`, e.g. in pyproject.toml
  `[project.entry-points."optlib.backends"] mysolver = "mypackage.adapter:MyBackend"`
  (optlib's own adapters in `solvers/` are registered this way);
- a family of names under one prefix (`cvxpy:<SOLVER>`): `register_backend_family(prefix,
  make, members)`, or an entry point in `optlib.backend_families` naming a `BackendFamily`.

`backend="auto"` picks by problem class (`AUTO_PREFERENCE`, then any other registered backend
that accepts the problem) and says why (`choose_backend` returns the backend and the reason).
`backend_table()` (`optlib backends`) lists every backend with what it accepts.
"""
from __future__ import annotations

import abc
import dataclasses
import functools
import importlib
import importlib.metadata
from dataclasses import dataclass
from types import ModuleType
from typing import Callable, NamedTuple

import numpy as np

from .standard_form import RawResult, SolveParams, StandardForm
from .status import Status

ENTRY_POINT_GROUP = "optlib.backends"
FAMILY_ENTRY_POINT_GROUP = "optlib.backend_families"


@dataclass(frozen=True)
class Capabilities:
    continuous: bool = True   # accepts continuous variables
    integer: bool = False     # accepts integer variables
    soc: bool = False         # second-order cones
    psd: bool = False         # semidefinite cones
    duals: bool = False       # returns duals z (for LP/conic)
    mip_bound: bool = False   # reports a dual bound for MIPs
    quadratic: bool = False   # a quadratic objective 1/2 x'Px natively (continuous variables)
    miqp: bool = False        # ... also with integer variables
    exp: bool = False         # exponential cones
    logic: bool = False       # logical constraints natively (indicator, all_different, clauses)

    def accepted(self) -> list[str]:
        """What the backend takes, in words (natively, or after a reduction: a quadratic
        objective as a second-order cone where SOCs are taken, logical constraints as big-M rows
        where integers are)."""
        out = []
        if self.continuous:
            out.append("LP")
        if self.integer:
            out.append("MILP" if self.continuous else "ILP")
        if self.quadratic or self.soc:
            out.append("QP" + ("" if self.quadratic else " (as SOCP)"))
        if self.miqp or (self.integer and self.soc):
            out.append("MIQP" + ("" if self.miqp else " (as MISOCP)"))
        if self.soc:
            out.append("SOCP")
        if self.exp:
            out.append("EXP")
        if self.psd:
            out.append("SDP")
        if self.integer and (self.soc or self.psd or self.exp):
            out.append("mixed-integer conic")
        if self.logic:
            out.append("logical constraints")
        elif self.integer:
            out.append("logical constraints (as big-M rows)")
        return out


class MissingDependency(ImportError):
    """An optional package a backend needs is not installed."""


def require(module: str, pip_name: str, backend: str) -> ModuleType:
    """Import `module` or raise MissingDependency with the pip command that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - depends on environment
        raise MissingDependency(
            f"backend {backend!r} needs the package {pip_name!r}: pip install {pip_name}"
        ) from exc


@functools.lru_cache(maxsize=None)
def package_version(dist: str) -> str:
    """The installed version of distribution `dist` ('unknown' when absent); looked up once per
    process (importlib.metadata scans the path: about 1.6 ms, paid on every solve before)."""
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


class Backend(abc.ABC):
    """One solver behind one name."""

    name: str = ""
    package: str = ""          # distribution name for `pip install`
    module: str = ""           # import name checked by `available`
    capabilities: Capabilities = Capabilities()

    def available(self) -> bool:
        try:
            importlib.import_module(self.module)
        except ImportError:
            return False
        return True

    def version(self) -> str:
        return package_version(self.package)

    def check(self, sf: StandardForm) -> None:
        """Raise ValueError('backend X cannot solve this problem: reason') if it can't."""
        caps = self.capabilities
        reasons = []
        if sf.has_integers and not caps.integer:
            reasons.append("it does not support integer variables")
        if not caps.continuous and not bool(sf.integer.all()):
            reasons.append("it needs every variable to be integer (found continuous ones)")
        if sf.has_soc and not caps.soc:
            reasons.append("it does not support second-order cone constraints")
        if sf.has_psd and not caps.psd:
            reasons.append("it does not support semidefinite (PSD) constraints")
        if sf.has_exp and not caps.exp:
            reasons.append("it does not support exponential cone constraints")
        if sf.has_quadratic:
            native = caps.miqp if sf.has_integers else caps.quadratic
            if not native and not caps.soc:
                reasons.append("it does not support a quadratic objective"
                               + (" with integer variables" if sf.has_integers and caps.quadratic else ""))
        if sf.has_logic and not caps.logic and not caps.integer:
            reasons.append("it does not support logical constraints (nor integer variables to write them as rows)")
        if reasons:
            raise ValueError(
                f"backend {self.name!r} cannot solve this {sf.problem_class}: " + "; ".join(reasons)
            )

    def accepts(self, sf: StandardForm) -> bool:
        try:
            self.check(sf)
        except ValueError:
            return False
        return True

    def refined_params(self, sf: StandardForm, params: SolveParams, raw: RawResult,
                       round_: int) -> SolveParams | None:
        """Parameters for re-solve number `round_` (0, 1, ...) after an answer `raw` that did
        not certify: tighter tolerances, a warm start from `raw.resume`. None: no refinement
        (the default; exact and interior-point backends gain nothing from one)."""
        return None

    @abc.abstractmethod
    def solve(self, sf: StandardForm, params: SolveParams) -> RawResult:
        """Solve `sf`; never raises on time limits (returns FEASIBLE / NO_SOLUTION)."""

    def settle_by_feasibility(self, sf: StandardForm, params: SolveParams, res: RawResult) -> RawResult:
        """Resolve an ambiguous INFEASIBLE / UNBOUNDED / INFEASIBLE_OR_UNBOUNDED answer.

        Many solvers cannot tell these apart (a presolve's "infeasible or unbounded", a
        dual-infeasibility ray that an infeasible problem has too). Re-solving with a zero
        objective, which cannot be unbounded, settles it: a feasible point -> UNBOUNDED
        (the point becomes `res.x`, next to the ray), infeasible -> INFEASIBLE (with a ray
        when the re-solve gives one), anything else -> INFEASIBLE_OR_UNBOUNDED. Uses what
        is left of the time limit; a form whose objective is already zero is settled as is.
        """
        was = res.status
        if not np.any(sf.c):
            if was is Status.INFEASIBLE_OR_UNBOUNDED:   # a zero objective is never unbounded
                res.status = Status.INFEASIBLE
            return res
        left = None
        if params.time_limit is not None:
            left = float(params.time_limit) - res.solve_time
            if left <= 0:
                res.status, res.x, res.primal_ray = Status.INFEASIBLE_OR_UNBOUNDED, None, None
                res.message = _join(res.message, f"{was.name} not re-checked: no time left")
                return res
        sub = self.solve(sf.replace(c=np.zeros_like(sf.c), offset=0.0),
                         dataclasses.replace(params, time_limit=left, warm_start=None))
        res.solve_time += sub.solve_time
        res.objective = res.bound = None
        res.z = None
        if sub.status.has_solution and sub.x is not None:
            res.status, res.x = Status.UNBOUNDED, sub.x
        elif sub.status is Status.INFEASIBLE:
            res.status, res.x, res.primal_ray = Status.INFEASIBLE, None, None
            if res.dual_ray is None:
                res.dual_ray = sub.dual_ray
        else:
            res.status, res.x, res.primal_ray = Status.INFEASIBLE_OR_UNBOUNDED, None, None
        res.message = _join(res.message, f"{was.name} re-checked by a zero-objective solve: {res.status.name}")
        return res


def _join(message: str, note: str) -> str:
    return f"{message}; {note}" if message else note


@dataclass(frozen=True)
class BackendFamily:
    """Backends under one prefix, `prefix:<member>` (e.g. `cvxpy:SCS`): `make(member)` builds
    one, `members()` lists the installed member names."""

    prefix: str
    make: Callable[[str], Backend]
    members: Callable[[], list[str]]


class Choice(NamedTuple):
    """What `auto` picked, and why."""

    backend: Backend
    reason: str

    @property
    def name(self) -> str:
        return self.backend.name


# -- the registry ------------------------------------------------------------------------------
_FACTORIES: dict[str, Callable[[], Backend]] = {}
_FAMILIES: dict[str, BackendFamily] = {}
_INSTANCES: dict[str, Backend] = {}
_LOADED = {"entry_points": False}

# What `auto` tries first, in order, for each problem class (registered backends that accept
# the problem follow, in registration order; `cvxpy:<SOLVER>` names are tried only when listed).
AUTO_PREFERENCE: dict[str, tuple[str, ...]] = {
    "LP": ("highs", "glop", "clarabel", "scip", "scs", "pdlp"),
    # Logical constraints do not change the class: a model with them is a MILP (or LP/... with
    # integers). HiGHS comes first for them too: it takes them as big-M rows over the variables'
    # bounds (optlib.bridges), keeps continuous variables, and its LP-based dual bound is
    # checked like any MILP's; SCIP likewise; CP-SAT, which takes them natively (no big-M
    # relaxation) but only on all-integer models, follows.
    "MILP": ("highs", "scip", "cpsat"),
    # Continuous QP: all three take P natively and certify (duals for every row). Measured
    # here on random sparse convex QPs with bounds, equality and inequality rows: n = 30 and 200
    # all certified within 0.06 s (gaps: Clarabel 1e-9, SCS 1e-8 after refinement, HiGHS 6e-8);
    # n = 800 with a dense P: Clarabel 0.65 s, SCS 0.42 s, HiGHS's active-set QP still running
    # at a 20 s limit. Hence Clarabel, then SCS, then HiGHS.
    "QP": ("clarabel", "scs", "highs"),
    # No native backend here takes integers with a quadratic objective (HiGHS has no MIQP,
    # SCIP/CP-SAT no quadratic objective); CVXPY's SCIP does, through second-order cones.
    "MIQP": ("cvxpy:SCIP",),
    "SOCP": ("clarabel", "scs"),
    "EXP": ("clarabel", "scs"),
    "SDP": ("clarabel", "scs"),
    "MISOCP": ("cvxpy:SCIP",),
    # no open solver reachable here takes integers with exponential cones (CVXPY's SCIP has
    # no ExpCone; ECOS_BB's branch and bound is unreliable and is not preferred)
    "MIEXP": (),
    "MISDP": (),
}

# What to install when no backend takes a class (the end of `choose_backend`'s error).
_INSTALL_HINT = {
    "MISOCP": "install a mixed-integer conic solver for CVXPY: pip install pyscipopt",
    "MIQP": "install a mixed-integer solver for CVXPY that takes it (pip install pyscipopt: "
            "cvxpy:SCIP, as second-order cones), or relax the integrality",
    "MIEXP": "no open solver here takes integers with exponential cones; CVXPY's commercial "
             "ones do (cvxpy:MOSEK, cvxpy:KNITRO), or relax the integrality",
    "MISDP": "no open solver here takes integers with PSD cones; relax the integrality",
}

# Clarabel's interior-point KKT system holds each PSD cone's scaling as a dense block of
# order n(n+1)/2: measured here, a LipSDP LMI of order ~310 asked for 3.4 GB and an SDP
# K-means of n = 150 took 145 s (SCS: n = 800 in 70 s). Above this order auto tries SCS first.
LARGE_PSD_ORDER = 100


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip() or name != name.strip():
        raise ValueError(f"a backend name must be a non-empty string without surrounding blanks, got {name!r}")
    if name.lower() == "auto":
        raise ValueError("'auto' is reserved: it picks a backend by problem class")
    return name


def register_backend(name: str, factory: Callable[[], Backend], *, replace: bool = False) -> None:
    """Make `factory()` (a Backend subclass or any callable returning a Backend) available as
    `name` to `Model.solve(backend=name)`, `auto`, `optlib backends` and `optlib bench`.
    Registering a taken name raises ValueError unless `replace=True`."""
    _load_entry_points()
    key = _check_name(name).lower()
    if not callable(factory):
        raise ValueError(f"register_backend({name!r}): factory must be a Backend subclass or a "
                         f"callable returning one, got {type(factory).__name__}")
    if key in _FACTORIES and not replace:
        raise ValueError(f"a backend named {name!r} is already registered (pass replace=True to replace it)")
    _FACTORIES[key] = factory
    _INSTANCES.pop(key, None)


def register_backend_family(prefix: str, make: Callable[[str], Backend],
                            members: Callable[[], list[str]], *, replace: bool = False) -> None:
    """Register `prefix:<member>` names: `make(member)` builds one, `members()` lists the
    installed ones (for `backends()`)."""
    _load_entry_points()
    key = _check_name(prefix).lower()
    if ":" in key:
        raise ValueError(f"a family prefix cannot contain ':', got {prefix!r}")
    if key in _FAMILIES and not replace:
        raise ValueError(f"a backend family {prefix!r} is already registered (pass replace=True to replace it)")
    _FAMILIES[key] = BackendFamily(key, make, members)
    for k in [k for k in _INSTANCES if k.startswith(key + ":")]:
        _INSTANCES.pop(k)


def unregister_backend(name: str) -> None:
    """Remove a backend (or family) registered under `name`; KeyError if there is none."""
    key = name.strip().lower()
    if key in _FACTORIES:
        del _FACTORIES[key]
    elif key in _FAMILIES:
        del _FAMILIES[key]
    else:
        raise KeyError(f"no backend registered as {name!r}")
    for k in [k for k in _INSTANCES if k == key or k.startswith(key + ":")]:
        _INSTANCES.pop(k)


def _load_entry_points() -> None:
    """Register the backends that installed packages declare (once; lazily imported)."""
    if _LOADED["entry_points"]:
        return
    _LOADED["entry_points"] = True
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        key = ep.name.strip().lower()
        if key not in _FACTORIES:
            _FACTORIES[key] = _lazy(ep)
    for ep in importlib.metadata.entry_points(group=FAMILY_ENTRY_POINT_GROUP):
        key = ep.name.strip().lower()
        if key not in _FAMILIES:
            fam = ep.load()
            if not isinstance(fam, BackendFamily):
                raise TypeError(f"entry point {ep.name!r} in {FAMILY_ENTRY_POINT_GROUP!r} must name a "
                                f"optlib.backend.BackendFamily, got {type(fam).__name__}")
            _FAMILIES[key] = fam


def _lazy(ep: importlib.metadata.EntryPoint) -> Callable[[], Backend]:
    def make() -> Backend:
        return ep.load()()
    make.entry_point = ep  # type: ignore[attr-defined]
    return make


def registered_names() -> list[str]:
    """Every registered single backend name (installed or not), in registration order."""
    _load_entry_points()
    return list(_FACTORIES)


def families() -> dict[str, BackendFamily]:
    _load_entry_points()
    return dict(_FAMILIES)


def get_backend(name: str) -> Backend:
    """The backend called `name` ('highs', 'scs', 'cvxpy:<SOLVER>', a registered name, ...).
    Unknown names raise ValueError listing the known ones."""
    if not isinstance(name, str):
        raise ValueError(f"backend must be a string, got {type(name).__name__}")
    _load_entry_points()
    key = name.strip()
    low = key.lower()
    if low in _INSTANCES:
        return _INSTANCES[low]
    if ":" in low:
        prefix, member = key.split(":", 1)
        fam = _FAMILIES.get(prefix.strip().lower())
        if fam is not None:
            member = member.strip()
            if not member:
                raise ValueError(f"backend '{prefix}:' needs a member name, e.g. '{prefix}:CLARABEL'")
            inst = fam.make(member)
            _INSTANCES[f"{fam.prefix}:{member.lower()}"] = inst
            return inst
    if low not in _FACTORIES:
        known = ", ".join(sorted(_FACTORIES) + [f"{p}:<NAME>" for p in sorted(_FAMILIES)] + ["auto"])
        raise ValueError(f"unknown backend {name!r}; known backends: {known}")
    inst = _FACTORIES[low]()
    if not isinstance(inst, Backend) and not _quacks(inst):
        raise TypeError(f"the factory registered as {name!r} returned {type(inst).__name__}, not a Backend")
    _INSTANCES[low] = inst
    return inst


def _quacks(obj: object) -> bool:
    return all(hasattr(obj, a) for a in ("name", "capabilities", "available", "check", "accepts", "solve"))


def backends() -> list[str]:
    """Names of the installed backends (family members included, e.g. 'cvxpy:SCS')."""
    names = []
    for n in registered_names():
        try:
            if get_backend(n).available():
                names.append(n)
        except ImportError:
            continue
    for fam in families().values():
        try:
            names += [f"{fam.prefix}:{m}" for m in fam.members()]
        except ImportError:
            pass
    return names


def interior_point_seconds(sf: StandardForm) -> float:
    """A rough time for one interior-point iteration on the dense PSD scaling blocks of `sf`:
    the factorisation of a block of order k = n(n+1)/2 costs about k^3 / 3 flops, taken at
    1 GFLOP/s (2 shared cores); 0 without PSD cones."""
    return sum((n * (n + 1) / 2) ** 3 / 3.0 for n in sf.cones.psd) / 1e9


#: an interior-point solver needs about this many iterations on an SDP
SDP_ITERATIONS = 10


def _scs_first(sf: StandardForm, time_limit: float | None) -> str:
    """Why `auto` tries SCS before Clarabel for an SDP ('' when it does not)."""
    if sf.problem_class != "SDP":
        return ""
    if max(sf.cones.psd, default=0) > LARGE_PSD_ORDER:
        return f"a PSD cone of order > {LARGE_PSD_ORDER} (first-order SCS preferred)"
    per_iter = interior_point_seconds(sf)
    if time_limit is not None and SDP_ITERATIONS * per_iter > time_limit:
        return (f"a time limit of {time_limit:g} s, short for Clarabel's dense PSD factorisation "
                f"(about {per_iter:.2g} s per iteration): first-order SCS preferred")
    return ""


def auto_order(sf: StandardForm, time_limit: float | None = None) -> tuple[str, ...]:
    """The backends `auto` tries for `sf`, in order: the class's preference list (for an SDP
    with a PSD cone of order > LARGE_PSD_ORDER, or whose interior-point iterations would not
    fit in `time_limit`, SCS first), then every other registered one."""
    order = AUTO_PREFERENCE.get(sf.problem_class, ())
    if _scs_first(sf, time_limit) and "scs" in order:
        order = ("scs",) + tuple(n for n in order if n != "scs")
    rest = tuple(n for n in registered_names() if n not in order)
    return tuple(order) + rest


def choose_backend(sf: StandardForm, time_limit: float | None = None) -> Choice:
    """The backend `auto` picks for `sf` (solved within `time_limit` seconds, if given) and
    why: the first installed one in `auto_order` that accepts it."""
    tried = []
    preferred = AUTO_PREFERENCE.get(sf.problem_class, ())
    why_scs = _scs_first(sf, time_limit)
    for name in auto_order(sf, time_limit):
        try:
            be = get_backend(name)
        except (ValueError, ImportError):
            continue
        if be.available() and be.accepts(sf):
            if name in preferred:
                reason = f"first installed backend for {sf.problem_class}"
                if why_scs and name == "scs":
                    reason += f" with {why_scs}"
                if tried:
                    reason += f" (passed over: {', '.join(tried)})"
            else:
                reason = f"registered backend that accepts this {sf.problem_class} (none of the preferred ones did)"
            rewrites = _rewrites(be.capabilities, sf)
            if rewrites:
                reason += "; " + " and ".join(rewrites)
            return Choice(be, reason)
        tried.append(name)
    hint = " (tried: " + ", ".join(tried) + ")" if tried else ""
    extra = f"; {_INSTALL_HINT[sf.problem_class]}" if sf.problem_class in _INSTALL_HINT else ""
    raise ValueError(f"no installed backend can solve this {sf.problem_class}{hint}{extra}")


def _rewrites(caps: Capabilities, sf: StandardForm) -> list[str]:
    """The rewrites optlib.reductions applies for a backend with `caps`, in words."""
    out = []
    if sf.has_logic and not getattr(caps, "logic", False):
        out.append("logical constraints as big-M rows")
    native = getattr(caps, "miqp" if sf.has_integers else "quadratic", False)
    if sf.has_quadratic and not native:
        out.append("quadratic objective as a second-order cone")
    return out


def _accepted(caps: object) -> list[str]:
    """`caps.accepted()`, or the same words from the four basic flags of a capabilities
    object that has no `accepted` (a third-party backend's own class)."""
    if callable(getattr(caps, "accepted", None)):
        return list(caps.accepted())  # type: ignore[attr-defined]
    out = []
    cont, integer = bool(getattr(caps, "continuous", True)), bool(getattr(caps, "integer", False))
    if cont:
        out.append("LP")
    if integer:
        out.append("MILP" if cont else "ILP")
    if cont and getattr(caps, "soc", False):
        out.append("SOCP")
    if cont and getattr(caps, "psd", False):
        out.append("SDP")
    return out


def backend_table() -> list[dict]:
    """One dict per backend (every registered name, installed or not, then the installed
    members of each family, e.g. 'cvxpy:SCS'): name, installed (bool), version ('' when not
    installed), accepts (`Capabilities.accepted()`: 'LP', 'MILP', 'QP', 'MIQP', 'SOCP',
    'EXP', 'SDP', 'logical constraints', ..., a rewrite in brackets, e.g. 'QP (as SOCP)'),
    capabilities ({flag: bool}), install (the pip command when not installed) and note."""
    names = registered_names()
    for fam in families().values():
        try:
            names += [f"{fam.prefix}:{m}" for m in fam.members()]
        except ImportError:
            pass
    rows: list[dict] = []
    for name in names:
        row: dict = {"name": name, "installed": False, "version": "", "accepts": [],
                     "capabilities": {}, "install": None, "note": ""}
        try:
            be = get_backend(name)
        except ImportError as exc:
            row["note"] = f"adapter not available: {' '.join(str(exc).split())}"
            rows.append(row)
            continue
        installed = bool(be.available())
        row["installed"] = installed
        caps = be.capabilities
        row["accepts"] = _accepted(caps)
        if dataclasses.is_dataclass(caps):
            row["capabilities"] = {f.name: bool(getattr(caps, f.name)) for f in dataclasses.fields(caps)}
        if installed:
            row["version"] = be.version()
            pkg = getattr(be, "package", "") or ""
            if pkg and not pkg.lower().startswith(name.split(":")[0].lower()) or name.startswith("cvxpy:"):
                row["version"] += f" ({pkg})"
        else:
            pkg = getattr(be, "package", "") or ""
            row["install"] = f"pip install {pkg}" if pkg else None
        rows.append(row)
    return rows
