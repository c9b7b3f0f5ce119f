"""optlib.datasets: the shipped files are the upstream files (checksums), each loader returns the
expected shapes and known entries, a file found nowhere raises an error naming $OPTLIB_DATA and the
source URL, and the package data declared in pyproject.toml covers every shipped file."""
from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

from optlib import datasets
from optlib.datasets import DataNotFoundError

ROOT = Path(__file__).resolve().parents[1]

# sha256 (first 16 hex digits) of the upstream files, as in ../shared/data at the time of shipping
SHA256 = {
    "mps/slim_breastcancer_best.mps": "780612b81d4e3aee",
    "mps/slim_breastcancer_max_5_features.mps": "3bb03ea501ae5f34",
    "mps/slim_breastcancer_regularized.mps": "cedbe047cd7b3124",
    "networks/lipsdp_mnist_weights.mat": "dc857d18520b42e9",
    "networks/lipsdp_random_weights.mat": "b17d0997758ff719",
    "robust/knapsack_branch_and_price_results.csv": "a7549a1a03a3f155",
    "scoring/adult.csv": "ca9285ec54451d7d",
    "scoring/bankruptcy.csv": "7ec5f4685ef9e308",
    "scoring/breastcancer.csv": "14a8d3861a48d9e4",
    "scoring/haberman.csv": "c9f3f2c0d39e1f2b",
    "scoring/heart.csv": "b3f8f50ddf8ef9e4",
    "scoring/heart_raw.csv": "beb016433f616358",
    "scoring/mammo.csv": "313171acbde639b0",
    "scoring/mushroom.csv": "03bec59b2ee3ca94",
    "scoring/spambase.csv": "3e8ec2667ce25efa",
    "tensors/mushroom.csv": "67297c88650d2c76",
}
KNAPSACK_SHA256 = "f2abe32501b03248"      # over (name, content) of the 44 shipped RKP_* files, sorted

# (rows, features, positives, sum of X) of the SLIM data sets
SCORING = {"adult": (32561, 36, 7841, 319554.0), "bankruptcy": (250, 6, 143, -190.0),
           "breastcancer": (683, 9, 239, 19353.0), "haberman": (306, 3, 225, 18769.0),
           "heart": (303, 32, 139, 3466.3288154863612), "mammo": (961, 14, 445, 6803.0),
           "mushroom": (8124, 113, 3916, 163340.0), "spambase": (4601, 57, 1813, 1613082.538)}


@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv(datasets.ENV_VAR, raising=False)
    monkeypatch.delenv("OPTLIB_SCORING_DATA", raising=False)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


@pytest.mark.parametrize("relpath", sorted(SHA256))
def test_shipped_file_is_the_upstream_file(relpath, no_env):
    path = datasets.data_path(relpath)
    assert path.parent.is_relative_to(datasets.files.SHIPPED) and path.name.endswith(".gz")
    assert sha(datasets.read_bytes(path)) == SHA256[relpath]


def test_shipped_knapsack_instances_are_the_upstream_files(no_env):
    h = hashlib.sha256()
    files = datasets.knapsack_files()
    for p in files:
        h.update(datasets.plain_name(p).encode())
        h.update(datasets.read_bytes(p))
    assert len(files) == 44 and h.hexdigest()[:16] == KNAPSACK_SHA256


@pytest.mark.parametrize("name", sorted(SCORING))
def test_load_scoring(name, no_env):
    X, y, names = datasets.load_scoring(name)
    rows, features, positives, total = SCORING[name]
    assert X.shape == (rows, features) and len(names) == features and y.shape == (rows,)
    assert set(np.unique(y)) <= {0, 1} and int(y.sum()) == positives
    assert X.sum() == pytest.approx(total, rel=1e-12)


def test_breastcancer_known_entries(no_env):
    X, y, names = datasets.load_scoring("breastcancer")
    assert names[:2] == ["ClumpThickness", "UniformityOfCellSize"] and names[-1] == "Mitoses"
    assert X[0].tolist() == [5, 1, 1, 1, 2, 1, 3, 1, 1] and y[0] == 0


def test_heart_raw_table(no_env):
    t = datasets.scoring_table("heart_raw")
    assert list(t)[:3] == ["age", "sex", "cp"] and list(t)[-1] == "target" and len(t) == 14
    assert all(len(v) == 303 for v in t.values())
    assert t["age"][:2].tolist() == [63.0, 37.0] and t["target"].sum() == 165
    with pytest.raises(ValueError, match="scoring_table"):
        datasets.load_scoring("heart_raw")


def test_problems_scoring_reads_the_shipped_sets(no_env):
    from problems.scoring import load_dataset, load_table

    X, y, names = load_dataset("haberman")
    X2, y2, names2 = datasets.load_scoring("haberman")
    assert np.array_equal(X, X2) and np.array_equal(y, y2) and names == names2
    assert len(load_table("heart_raw")["target"]) == 303


def test_slim_mps_files(no_env):
    from optlib.io import read_standard_form

    for task in datasets.SLIM_TASKS:
        sf = read_standard_form(datasets.slim_mps(task))
        assert (sf.n, sf.m) == (715, 723) and int(sf.integer.sum()) == 706
    with pytest.raises(ValueError, match="task must be one of"):
        datasets.slim_mps("fastest")


def test_lipsdp_networks(no_env):
    from problems.lipschitz import load_mat

    W = datasets.lipsdp_weights("random")
    assert [w.shape for w in W] == [(10, 2), (30, 10), (20, 30), (2, 20)]
    assert np.prod([np.linalg.norm(w, 2) for w in W]) == pytest.approx(43.3056, abs=1e-3)   # README: 43.31
    W = datasets.lipsdp_weights("mnist")
    assert [w.shape for w in W] == [(50, 784), (10, 50)]
    assert np.prod([np.linalg.norm(w, 2) for w in W]) == pytest.approx(31.5035, abs=1e-3)   # README: 31.50
    assert load_mat("random").dims == (2, 10, 30, 20, 2)
    assert load_mat(str(datasets.network_path("mnist"))).dims == (784, 50, 10)
    with pytest.raises(ValueError, match="name must be one of"):
        datasets.lipsdp_weights("cifar")


def test_knapsack_instances_and_results(no_env):
    from problems.robust import knapsack_files, load_knapsack

    files = datasets.knapsack_files()
    sizes = {int(re.search(r"_n(\d+)_", f.name).group(1)) for f in files}
    assert sizes == {20, 30, 40, 50, 60, 70, 80} and all(len(datasets.knapsack_files(n=n)) >= 6 for n in sizes)
    assert knapsack_files() == files and knapsack_files(n=30) == datasets.knapsack_files(n=30)
    results = datasets.knapsack_results()
    assert len(results) == 504
    name = "RKP_ASC_n20_R1000_H100_h40_dev0.15_d0.1"
    assert results[name]["Best primal bound"] == "4358.41" and results[name]["Solved to optimality"] == "1"
    inst = load_knapsack(datasets.knapsack_instance(name))
    assert inst.name == name and (inst.n, inst.C, inst.gamma) == (20, 4233, 3)
    assert all(datasets.plain_name(f) in results for f in files)        # every shipped instance has a result
    with pytest.raises(ValueError, match="RKP_"):
        datasets.knapsack_instance("knapsack_1")


def test_mushroom_tensor(no_env):
    from problems.tensor.data import MUSHROOM_SHAPE, load_mushroom

    e = datasets.mushroom_entries()
    assert e.shape == (8124, 23) and e[0].tolist()[:4] == [2, 6, 2, 7] and set(np.unique(e[:, 0])) == {1, 2}
    assert tuple(len(np.unique(e[:, j])) for j in range(1, 23)) == MUSHROOM_SHAPE
    X = load_mushroom()
    assert X.shape == MUSHROOM_SHAPE and X.nnz == 8124 and X.norm_sq() == 8124.0


# -- where files are looked for, and the error when they are nowhere ---------------------------
def test_missing_file_names_the_variable_and_the_source(no_env, monkeypatch, tmp_path):
    monkeypatch.setenv(datasets.ENV_VAR, str(tmp_path))
    with pytest.raises(DataNotFoundError) as err:
        datasets.knapsack_instance("RKP_UN_n90_R1000_H100_h40_dev0.1_d0.1")
    text = str(err.value)
    assert "OPTLIB_DATA" in text and str(tmp_path / "robust" / "knapsack") in text
    assert "https://github.com/borisdetienne/RobustDecomposition" in text and "MIT" in text
    assert isinstance(err.value, FileNotFoundError)


def test_not_shipped_file_names_its_source(no_env):
    reason = datasets.missing("robust/knapsack_neur2ro_reference.csv")
    assert reason is not None and "OPTLIB_DATA is not set" in reason
    assert "https://github.com/khalil-research/Neur2RO" in reason
    with pytest.raises(DataNotFoundError, match="khalil-research"):
        datasets.data_path("robust/knapsack_neur2ro_reference.csv")
    assert datasets.missing("scoring/adult.csv") is None and datasets.missing("robust/knapsack") is None


def test_data_argument_then_env_then_shipped(no_env, monkeypatch, tmp_path):
    explicit, env = tmp_path / "explicit", tmp_path / "env"
    for folder, label in ((explicit, 1), (env, 0)):
        (folder / "scoring").mkdir(parents=True)
        (folder / "scoring" / "haberman.csv").write_text(f"y,a\n{label},7\n1,8\n")
    monkeypatch.setenv(datasets.ENV_VAR, str(env))
    X, y, _ = datasets.load_scoring("haberman", data=explicit)
    assert X.ravel().tolist() == [7.0, 8.0] and y.tolist() == [1, 1]
    X, y, _ = datasets.load_scoring("haberman")                    # $OPTLIB_DATA before the shipped copy
    assert y.tolist() == [0, 1]
    X, y, _ = datasets.load_scoring("breastcancer")                # not under $OPTLIB_DATA: shipped
    assert X.shape == (683, 9)


def test_full_knapsack_set_under_env(no_env, monkeypatch, tmp_path):
    folder = tmp_path / "robust" / "knapsack"
    folder.mkdir(parents=True)
    src = datasets.knapsack_instance("RKP_ASC_n20_R1000_H100_h40_dev0.15_d0.1")
    (folder / "RKP_ASC_n20_R1000_H100_h40_dev0.15_d0.1").write_bytes(datasets.read_bytes(src))
    monkeypatch.setenv(datasets.ENV_VAR, str(tmp_path))
    assert [p.name for p in datasets.knapsack_files()] == ["RKP_ASC_n20_R1000_H100_h40_dev0.15_d0.1"]


@pytest.mark.parametrize("bad,match", [("../scoring/adult.csv", "stay inside"), ("/etc/passwd", "stay inside"),
                                        ("", "relpath must be"), (3, "relpath must be")])
def test_bad_relpath(bad, match):
    with pytest.raises(ValueError, match=match):
        datasets.data_path(bad)


def test_bad_input_names_the_argument(no_env, tmp_path):
    with pytest.raises(ValueError, match="name must be one of"):
        datasets.load_scoring("iris")
    with pytest.raises(ValueError, match="data must be a folder path"):
        datasets.load_scoring("haberman", data=3)
    bad = tmp_path / "scoring"
    bad.mkdir()
    (bad / "haberman.csv").write_text("y,a\n2,1\n")
    with pytest.raises(ValueError, match=r"line 2: the first column must be a 0/1 outcome"):
        datasets.load_scoring("haberman", data=tmp_path)


# -- packaging ---------------------------------------------------------------------------------
def test_package_data_covers_every_shipped_file():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["optlib.datasets"]
    base = datasets.files.SHIPPED
    covered = {p for pat in patterns for p in base.glob(pat)}
    shipped = {p for p in base.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")
               and "__pycache__" not in p.parts}
    assert shipped - covered == set(), "files not in [tool.setuptools.package-data]"


def test_shipped_data_stays_small():
    base = datasets.files.SHIPPED
    total = sum(p.stat().st_size for p in base.rglob("*") if p.is_file())
    assert total < 4 * 2 ** 20, f"optlib/datasets holds {total / 2 ** 20:.1f} MiB"


def test_data_md_names_each_folder_and_licence():
    text = (datasets.files.SHIPPED / "DATA.md").read_text()
    for src in datasets.SOURCES.values():
        assert f"## {src.folder}/" in text and src.license.split(",")[0] in text


def test_no_code_looks_for_the_sibling_shared_folder():
    """A clone has no ../shared: the package, the methods and the examples never read it."""
    pattern = re.compile(r"""["']shared["']\s*/\s*["']data["']|\.\./shared/data""")
    offenders = [str(p.relative_to(ROOT)) for folder in ("optlib", "problems", "solvers", "examples")
                 for p in (ROOT / folder).rglob("*.py") if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
