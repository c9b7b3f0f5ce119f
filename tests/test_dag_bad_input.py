"""problems.dag: clear errors for bad input, and constant columns handled with a warning."""
import numpy as np
import pytest

from problems.dag import NOTEARS, TOPO, ExactDAG, simulate


@pytest.fixture(scope="module")
def data():
    return simulate(200, 5, "ER", 2, random_state=0)[0]


@pytest.mark.parametrize("cls", [TOPO, ExactDAG, NOTEARS])
def test_bad_matrices(cls):
    X = np.random.default_rng(0).standard_normal((50, 4))
    Xn = X.copy()
    Xn[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        cls().fit(Xn)
    with pytest.raises(ValueError, match="at least 2 columns"):
        cls().fit(X[:, :1])
    with pytest.raises(ValueError, match="at least 2 rows"):
        cls().fit(X[:1])
    with pytest.raises(ValueError, match="2-d"):
        cls().fit(X[:, 0])
    with pytest.raises(TypeError, match="numeric"):
        cls().fit([["a", "b"], ["c", "d"]])


def test_required_cycle_is_rejected(data):
    with pytest.raises(ValueError, match="cycle"):
        TOPO(required=[(0, 1), (1, 2), (2, 0)]).fit(data)
    with pytest.raises(ValueError, match="cycle"):
        ExactDAG(required=[(0, 1), (1, 0)]).fit(data)
    with pytest.raises(ValueError, match="both required and forbidden"):
        TOPO(required=[(0, 1)], forbidden=[(0, 1)]).fit(data)
    with pytest.raises(ValueError, match="outside"):
        TOPO(forbidden=[(0, 9)]).fit(data)
    with pytest.raises(ValueError, match="signs"):
        TOPO(signs={(0, 1): 2}).fit(data)


def test_constant_columns_warn_and_get_no_edges(data):
    X = data.copy()
    X[:, 2] = 1.5
    for est in (TOPO(random_state=0), ExactDAG()):
        with pytest.warns(UserWarning, match=r"constant columns \[2\]"):
            est.fit(X)
        assert np.all(est.weights_[2, :] == 0) and np.all(est.weights_[:, 2] == 0)
        assert sorted(est.order_.tolist()) == list(range(5))
    X[:, 3] = 0.0
    X[:, 4] = 0.0
    X[:, 1] = 0.0
    with pytest.warns(UserWarning):
        est = TOPO().fit(X)
    assert not est.weights_.any()


@pytest.mark.parametrize("kwargs,match", [
    ({"loss": "l1"}, "loss"), ({"lambda1": -1}, "lambda1"), ({"w_threshold": "x"}, "w_threshold"),
    ({"size_small": 0}, "size_small"), ({"size_large": 2.5}, "size_large"),
    ({"max_large_search": -1}, "max_large_search"), ({"init": "greedy"}, "init"), ({"init": [0, 1]}, "init"),
    ({"inner": "cvx"}, "inner"), ({"inner": "optlib", "loss": "logistic"}, "optlib"),
])
def test_bad_topo_parameters(data, kwargs, match):
    with pytest.raises(ValueError, match=match):
        TOPO(**kwargs).fit(data)


def test_other_bad_arguments(data):
    with pytest.raises(ValueError, match="entries in"):
        TOPO(loss="logistic").fit(data)
    with pytest.raises(ValueError, match="max_d"):
        ExactDAG(max_d=4).fit(data)
    with pytest.raises(ValueError, match="max_d must be <="):
        ExactDAG(max_d=30).fit(data)
    with pytest.raises(ValueError, match="shape"):
        TOPO().refine(np.zeros((3, 3)), data)
    with pytest.raises(ValueError, match="needs X"):
        TOPO().refine(np.zeros((5, 5)))
    with pytest.raises(ValueError, match="lambda1"):
        NOTEARS(lambda1=-0.1).fit(data)


def test_estimators_follow_the_sklearn_contract(data):
    from sklearn.base import clone

    est = TOPO(size_small=5, random_state=0)
    assert clone(est).get_params()["size_small"] == 5
    assert est.fit(data) is est and hasattr(est, "adjacency_")
    assert ExactDAG(lambda0=0.1).get_params()["lambda0"] == 0.1
    with pytest.raises(ValueError, match="blas_threads"):
        TOPO(blas_threads=0).fit(data)
