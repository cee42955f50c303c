"""Registered causal experiments: discovery, determinism, rows, and engine runs."""

from __future__ import annotations

import numpy as np
import pytest

from mechkit.causal.experiments import bivariate_accuracy, multivariate_shd, type1
from mechkit.errors import InvalidInputError
from mechkit.experiments import get_experiment


def test_registered():
    for name in ("causal.bivariate_accuracy", "causal.multivariate_shd", "causal.type1"):
        assert get_experiment(name).name == name


@pytest.mark.parametrize("dgp", ["gaussian", "gaussian_equal", "gaussian_iid", "paper", "binary"])
def test_bivariate_rows(dgp):
    method = "g_test" if dgp == "binary" else ("rcot" if dgp == "paper" else "fisher_z")
    p = {"method": method, "dgp": dgp, "n_env": 300, "strict": True, "alpha": 0.05}
    a = bivariate_accuracy(p, np.random.default_rng(4))
    b = bivariate_accuracy(p, np.random.default_rng(4))
    assert a == b
    assert a["correct"] == int(a["direction"] == a["truth"])
    assert all(0.0 <= a[k] <= 1.0 for k in ("p_xy", "p_yx", "p_ind"))


def test_iid_rows_are_flagged():
    rows = [bivariate_accuracy({"method": "fisher_z", "dgp": "gaussian_iid", "n_env": 1000,
                                "strict": True, "alpha": 0.05}, np.random.default_rng(s))
            for s in range(10)]
    assert sum(r["trustworthy"] for r in rows) <= 1
    assert sum(r["direction"] == "undetermined" for r in rows) >= 9


def test_multivariate_and_type1_rows():
    row = multivariate_shd({"dag": "fig4", "dgp": "binary", "method": "g_test", "n_env": 3000,
                            "correction": "bonferroni", "alpha": 0.05}, np.random.default_rng(0))
    assert 0.0 <= row["normalised_shd"] <= 1.0 and row["shd"] >= 0
    assert row["exact"] == int(row["shd"] == 0)
    eq = multivariate_shd({"dag": "chain3", "dgp": "gaussian_equal", "method": "fisher_z",
                           "n_env": 5000, "correction": "bonferroni", "alpha": 0.05},
                          np.random.default_rng(1))
    assert eq["trustworthy"] == 0 and "same_layer_dependence" in eq["flags"]
    t = type1({"method": "fisher_z", "dgp": "gaussian", "n_env": 500, "alpha": 0.05},
              np.random.default_rng(2))
    assert set(t) == {"reject_ind", "reject_xy", "p_ind", "p_xy"}


def test_bad_params():
    with pytest.raises(InvalidInputError, match="dgp: must be one of"):
        bivariate_accuracy({"method": "fisher_z", "dgp": "cauchy", "n_env": 100, "strict": False,
                            "alpha": 0.05}, np.random.default_rng(0))
    with pytest.raises(InvalidInputError, match="method: must be one of"):
        type1({"method": "pc", "dgp": "paper", "n_env": 100, "alpha": 0.05}, np.random.default_rng(0))
    with pytest.raises(InvalidInputError, match="dag: must be one of"):
        multivariate_shd({"dag": "star9", "dgp": "binary", "method": "g_test", "n_env": 100,
                          "correction": "none", "alpha": 0.05}, np.random.default_rng(0))


def test_engine_run(tmp_path):
    from mechkit.experiments import load, run

    summary = run("causal.bivariate_accuracy", grid={"n_env": [200, 2000]}, seeds=6,
                  store=tmp_path, workers=1, progress=False)
    assert (summary.n_done, summary.n_failed) == (12, 0)
    df = load(summary.store)
    acc = df.groupby("n_env")["correct"].mean()
    assert acc.loc[2000] >= 0.5
