import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from mechkit.errors import InvalidInputError
from mechkit.experiments import (
    fit_loglog_slope,
    load,
    plot_convergence,
    plot_rates,
    plot_regret,
    run,
    wilson_interval,
)


@pytest.fixture(scope="module")
def hedge(tmp_path_factory):
    store = tmp_path_factory.mktemp("hedge") / "s"
    run("experiments.hedge_regret", grid={"K": [2, 10], "T": 1024, "levels": 5}, seeds=6,
        store=store, workers=1, progress=False)
    return load(store)


def _png(ax, path):
    ax.figure.savefig(path)
    plt.close(ax.figure)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


def test_plot_regret_renders_with_labels_and_slopes(hedge, tmp_path):
    ax = plot_regret(hedge)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert ax.get_xlabel() == "horizon"
    assert ax.get_ylabel() == "regret (mean over seeds, 0.1–0.9 quantile band)"
    assert ax.get_title() == "experiments.hedge_regret"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert [lab.split(" (")[0] for lab in labels] == ["K=2", "K=10"]
    for lab, K in zip(labels, [2, 10], strict=True):
        mean = hedge[hedge["K"] == K].groupby("horizon")["regret"].mean()
        slope, _ = fit_loglog_slope(mean.index.to_numpy(), mean.to_numpy())
        assert lab.endswith(f"(slope {slope:.2f})")
    assert len(ax.collections) == 2  # one band per line
    _png(ax, tmp_path / "regret.png")


def test_plot_regret_on_given_axes_without_band_or_fit(hedge, tmp_path):
    _fig, axes = plt.subplots(1, 2)
    out = plot_regret(hedge, by="K", band=None, fit=False, ax=axes[1])
    assert out is axes[1] and not out.collections
    assert [t.get_text() for t in out.get_legend().get_texts()] == ["K=2", "K=10"]
    _png(out, tmp_path / "regret2.png")


def test_plot_convergence_one_line_per_parameter_value(hedge, tmp_path):
    ax = plot_convergence(hedge, x="horizon", y="avg_regret", logx=True)
    assert ax.get_yscale() == "log" and ax.get_xscale() == "log"
    assert ax.get_xlabel() == "horizon"
    assert ax.get_ylabel().startswith("avg_regret (median over seeds")
    lines = ax.get_lines()
    assert [ln.get_label() for ln in lines] == ["K=2", "K=10"]
    med = hedge[hedge["K"] == 10].groupby("horizon")["avg_regret"].median()
    assert np.allclose(lines[1].get_ydata(), med.to_numpy())
    _png(ax, tmp_path / "conv.png")


def test_plot_rates_with_wilson_intervals(tmp_path):
    store = tmp_path / "cov"
    run("experiments.wilson_coverage", grid={"p": [0.05, 0.3, 0.5]}, seeds=40, store=store,
        workers=1, progress=False)
    df = load(store)
    ax = plot_rates(df, x="p")
    assert ax.get_xlabel() == "p" and ax.get_ylabel() == "proportion (95% Wilson intervals)"
    assert ax.get_ylim() == (-0.02, 1.02)
    (line,) = ax.get_lines()[:1]
    rates = df.groupby("p")["covered"].mean().to_numpy()
    assert np.allclose(line.get_ydata(), rates)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["covered"]
    _png(ax, tmp_path / "rates.png")
    # categories on the x axis when no x is given; series split by the varying parameter
    ax2 = plot_rates(df)
    assert [t.get_text() for t in ax2.get_xticklabels()] == ["covered"]
    assert [t.get_text() for t in ax2.get_legend().get_texts()] == ["p=0.05", "p=0.3", "p=0.5"]
    _png(ax2, tmp_path / "rates2.png")


def test_plot_rates_categorical_x(tmp_path):
    df = pd.DataFrame({"rule": ["median", "median", "mean", "mean", "mean"],
                       "sp": [1, 1, 0, 1, 0], "anon": [True] * 5})
    ax = plot_rates(df, ["sp", "anon"], x="rule")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["mean", "median"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["sp", "anon"]
    _png(ax, tmp_path / "cat.png")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda df: plot_regret(df, y="nope"), "df: has no column 'nope'; columns: "),
        (lambda df: plot_regret(df.iloc[:0]), "df: is empty; nothing to plot"),
        (lambda df: plot_regret(df, y="schedule"), "df: column 'schedule' must be numeric"),
        (lambda df: plot_regret(df, band=(0.9, 0.1)), "band: must be None or a pair of quantiles"),
        (lambda df: plot_convergence(df, x="horizon", y="regret", by="zz"), "df: has no column 'zz'"),
        (lambda df: plot_rates(df), "y: the table has no boolean column"),
        (lambda df: plot_rates(df, "regret"), "y: column 'regret' must be boolean or 0/1"),
        (lambda df: plot_rates(df, []), "y: must name at least one column"),
        (lambda df: plot_rates(df.assign(ok=True), "ok", level=1.5), "level: must lie in \\(0, 1\\)"),
        (lambda df: plot_regret(df.to_numpy()), "df: must be a pandas DataFrame; got ndarray"),
    ],
)
def test_plot_bad_input(hedge, call, message):
    with pytest.raises(InvalidInputError, match=message):
        call(hedge)
    plt.close("all")


@given(st.floats(-3, 3), st.floats(0.01, 100), st.lists(st.floats(0.01, 1e4), min_size=2,
                                                        max_size=8, unique=True))
def test_loglog_slope_recovers_power_laws(slope, scale, xs):
    xs = np.array(xs)
    assume(np.ptp(np.log(xs)) > 1e-2)
    fitted, intercept = fit_loglog_slope(xs, scale * xs**slope)
    assert fitted == pytest.approx(slope, abs=1e-6)
    assert np.exp(intercept) == pytest.approx(scale, rel=1e-5)


def test_loglog_slope_needs_two_positive_points():
    with pytest.raises(InvalidInputError, match="need at least two distinct positive x"):
        fit_loglog_slope([1.0, 2.0], [1.0, -1.0])


def test_plot_rates_pools_rates_over_trials(tmp_path):
    df = pd.DataFrame({"n": [3, 3, 5, 5], "seed": [0, 1, 0, 1], "sp_rate": [0.5, 1.0, 0.25, 0.75],
                       "profiles": [10, 30, 40, 40]})
    ax = plot_rates(df, "sp_rate", x="n", trials="profiles")
    line = ax.get_lines()[0]
    k = np.array([0.5 * 10 + 1.0 * 30, 0.25 * 40 + 0.75 * 40])
    n = np.array([40.0, 80.0])
    assert np.allclose(line.get_ydata(), k / n)
    lo, hi = wilson_interval(k, n)
    segments = ax.containers[0].lines[2][0].get_segments()
    assert np.allclose([s[0][1] for s in segments], lo) and np.allclose([s[1][1] for s in segments], hi)
    _png(ax, tmp_path / "pooled.png")
    const = plot_rates(df, "sp_rate", x="n", trials=20)
    assert np.allclose(const.get_lines()[0].get_ydata(), [0.75, 0.5])
    plt.close("all")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"y": "r", "trials": "t0"}, "trials: column 't0' must be >= 1 in every row"),
        ({"y": "r", "trials": 0}, "trials: must be a column name or an int >= 1; got 0"),
        ({"y": "r", "trials": "nope"}, "df: has no column 'nope'"),
        ({"y": "big", "trials": 5}, "y: column 'big' must hold proportions in [0, 1]"),
        ({"trials": 5}, "y: name the proportion column(s) when trials is given"),
        ({"y": "r"}, "y: column 'r' must be boolean or 0/1 (one trial per row; pass trials="),
    ],
)
def test_plot_rates_bad_trials(kwargs, message):
    df = pd.DataFrame({"r": [0.5, 0.2], "big": [0.5, 1.5], "t0": [0, 3]})
    with pytest.raises(InvalidInputError, match=re.escape(message)):
        plot_rates(df, **kwargs)
    plt.close("all")
