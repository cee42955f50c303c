"""ExchangeableData: shapes, pairs, ragged environments and every bad input of the note."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from mechkit.causal import ExchangeableData, as_exchangeable, bivariate_direction, discover
from mechkit.causal.data import CausalWarning
from mechkit.errors import InvalidInputError


def _vals(n=20, m=2, d=3, seed=0):
    return np.random.default_rng(seed).normal(size=(n, m, d))


def test_shape_names_and_repr():
    data = ExchangeableData(_vals(), names=["a", "b", "c"])
    assert (data.n_env, data.m, data.d) == (20, 2, 3)
    assert repr(data) == "ExchangeableData(n_env=20, m=2, d=3, names=('a', 'b', 'c'))"
    assert data.to_dict()["shape"] == [20, 2, 3]
    assert as_exchangeable(data) is data
    assert as_exchangeable(data, names=["p", "q", "r"]).names == ("p", "q", "r")


def test_pairs():
    vals = _vals(30, 4, 2)
    data = ExchangeableData(vals)
    np.testing.assert_array_equal(data.pair(), vals[:, :2])
    pr = data.pair("random", seed=3)
    np.testing.assert_array_equal(pr, data.pair("random", seed=3))
    for e in range(30):  # each row is two distinct samples of the same environment
        i = [int(np.flatnonzero((vals[e] == pr[e, s]).all(axis=1))[0]) for s in (0, 1)]
        assert i[0] != i[1]


def test_ragged_environments_and_labels():
    rng = np.random.default_rng(0)
    envs = [rng.normal(size=(k, 2)) for k in (3, 1, 2, 4, 2, 0, 5)]
    with pytest.warns(CausalWarning, match="dropped 2 environment"):
        data = ExchangeableData.from_environments(envs)
    assert (data.n_env, data.m) == (5, 2)
    rows = rng.normal(size=(10, 2))
    lab = ExchangeableData.from_labels(rows, ["a", "a", "b", "b", "c", "c", "d", "d", "e", "e"])
    np.testing.assert_array_equal(lab.values[0], rows[:2])
    with pytest.raises(InvalidInputError, match="needs at least 4 environments with 2 or more"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CausalWarning)
            ExchangeableData.from_environments([rng.normal(size=(2, 2))] * 3 + [rng.normal(size=(1, 2))])
    with pytest.raises(InvalidInputError, match="env_labels: must be 1-D with one label per row"):
        ExchangeableData.from_labels(rows, [0, 1])


@pytest.mark.parametrize("fn", [ExchangeableData, bivariate_direction, discover])
def test_pooled_2d_data_is_refused_with_an_explanation(fn):
    with pytest.raises(InvalidInputError, match=r"2-D array of shape \(40, 2\).*Pooled rows carry no "
                       r"environment structure.*from_labels"):
        fn(np.random.default_rng(0).normal(size=(40, 2)))


def test_bad_inputs():
    with pytest.raises(InvalidInputError, match=r"needs at least 2 samples per environment.*got m = 1"):
        ExchangeableData(_vals(m=1))
    with pytest.raises(InvalidInputError, match="needs at least 4 environments"):
        ExchangeableData(_vals(n=3))
    bad = _vals()
    bad[2, 1, 0] = np.nan
    with pytest.raises(InvalidInputError, match=r"data: must be finite; entry \(2, 1, 0\) is nan"):
        ExchangeableData(bad)
    bad[2, 1, 0] = np.inf
    with pytest.raises(InvalidInputError, match="must be finite"):
        discover(bad)
    const = _vals()
    const[:, 0, 1] = 4.0
    with pytest.raises(InvalidInputError, match="variable 1 is constant within sample 1"):
        ExchangeableData(const)
    with pytest.raises(InvalidInputError, match="names: must have 3 entries"):
        ExchangeableData(_vals(), names=["a"])
    with pytest.raises(InvalidInputError, match="names: must be distinct"):
        ExchangeableData(_vals(), names=["a", "a", "b"])
    with pytest.raises(InvalidInputError, match="pair: must be one of"):
        ExchangeableData(_vals()).pair("all")
    with pytest.raises(InvalidInputError, match="must be a numeric array"):
        ExchangeableData([[["a", "b"]]])


def test_collinear_columns_are_refused_by_fisher_z():
    vals = _vals(40, 2, 2)
    vals = np.concatenate([vals, vals[:, :, :1] * 2.0 + vals[:, :, 1:]], axis=2)
    with pytest.raises(InvalidInputError, match="exactly collinear or deterministic"):
        discover(vals)


def test_too_few_environments_for_fisher_z():
    with pytest.raises(InvalidInputError, match=r"fisher_z needs n - \|z\| - 3 > 0; got n = 5, \|z\| = 2"):
        discover(_vals(n=5, d=3))
