import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from mechkit.experiments import fit_loglog_slope, get_experiment, load, run, wilson_interval
from mechkit.experiments.builtin import hedge_expected_losses, hedge_regret, wilson_coverage
from mechkit.random import as_generator


def _hedge_loop(losses, etas):
    """Brute-force Hedge: keep cumulative losses, renormalise exp(-eta L) every round."""
    T, K = losses.shape
    cum = [0.0] * K
    out = []
    for t in range(T):
        w = [math.exp(-etas[t] * (cum[i] - min(cum))) for i in range(K)]
        total = sum(w)
        out.append(sum(w[i] / total * losses[t, i] for i in range(K)))
        for i in range(K):
            cum[i] += losses[t, i]
    return np.array(out)


@given(st.integers(1, 30), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_hedge_losses_match_the_loop(T, K, seed):
    rng = as_generator(seed)
    losses = rng.random((T, K))
    etas = rng.uniform(0.01, 5.0, T)
    assert np.allclose(hedge_expected_losses(losses, etas), _hedge_loop(losses, etas),
                       rtol=1e-12, atol=1e-12)


@given(st.integers(2, 8), st.integers(1, 300), st.integers(1, 4),
       st.sampled_from(["tuned", "anytime"]), st.sampled_from(["bernoulli", "uniform"]),
       st.integers(0, 2**32 - 1))
def test_regret_never_exceeds_the_worst_case_bound(K, T, levels, schedule, losses, seed):
    """Cesa-Bianchi & Lugosi Thm 2.2 (tuned) and 2.3 (anytime) hold for every loss sequence."""
    levels = min(levels, int(math.log2(T)) + 1)
    rows = hedge_regret({"K": K, "T": T, "levels": levels, "schedule": schedule, "losses": losses},
                        as_generator(seed))
    assert [r["horizon"] for r in rows] == [T >> j for j in range(levels - 1, -1, -1)]
    for r in rows:
        assert r["regret"] <= r["bound"] + 1e-9
        assert r["regret"] == pytest.approx(r["hedge_loss"] - r["best_loss"])
        assert 0 <= r["best_loss"] <= r["horizon"]
        expected = (math.sqrt(r["horizon"] * math.log(K) / 2) if schedule == "tuned"
                    else 2 * math.sqrt(r["horizon"] * math.log(K) / 2) + math.sqrt(math.log(K) / 8))
        assert r["bound"] == pytest.approx(expected)


def test_regret_grows_like_sqrt_T(tmp_path):
    """The reference result: on equal-mean losses the mean regret has log-log slope 1/2."""
    summary = run("experiments.hedge_regret", seeds=20, store=tmp_path / "s", workers=1,
                  progress=False)
    df = load(summary.store)
    assert sorted(df["horizon"].unique().tolist()) == [64, 128, 256, 512, 1024, 2048, 4096]
    mean = df.groupby("horizon")["regret"].mean()
    slope, _ = fit_loglog_slope(mean.index.to_numpy(), mean.to_numpy())
    assert abs(slope - 0.5) < 0.05
    assert (df["regret"] <= df["bound"]).all()


@pytest.mark.parametrize(
    ("params", "message"),
    [({"K": 1}, "K: must be >= 2; got 1"),
     ({"levels": 20, "T": 8}, "levels: T / 2^(levels-1) must be >= 1; got T=8, levels=20"),
     ({"schedule": "doubling"}, "schedule: must be one of 'tuned', 'anytime'; got 'doubling'")],
)
def test_bad_hedge_parameters_fail_the_task_with_a_clear_message(tmp_path, params, message):
    summary = run("experiments.hedge_regret", grid=params, store=tmp_path / "s", workers=1,
                  progress=False)
    assert summary.n_failed == 1
    assert summary.failures[0].error_type == "InvalidInputError"
    assert summary.failures[0].error == message


@given(st.integers(1, 60), st.data(), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_wilson_interval_matches_scipy(n, data, level):
    k = data.draw(st.integers(0, n))
    lo, hi = wilson_interval(k, n, level)
    ref = stats.binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
    assert float(lo) == pytest.approx(ref.low, abs=1e-12)
    assert float(hi) == pytest.approx(ref.high, abs=1e-12)


def test_wilson_interval_rejects_bad_input():
    with pytest.raises(ValueError, match=re.escape("level: must lie in (0, 1); got 1.0")):
        wilson_interval(1, 2, 1.0)
    with pytest.raises(ValueError, match=re.escape("n: must be >= 1; got 0.0")):
        wilson_interval(0, 0)


def test_simulated_wilson_coverage_matches_the_exact_coverage(tmp_path):
    n, p, seeds = 30, 0.1, 400
    summary = run("experiments.wilson_coverage", grid={"n": n, "p": p}, seeds=seeds,
                  store=tmp_path / "s", workers=1, progress=False)
    df = load(summary.store)
    ks = np.arange(n + 1)
    lo, hi = wilson_interval(ks, np.full(n + 1, n), 0.95)
    exact = float(stats.binom.pmf(ks, n, p)[(lo <= p) & (p <= hi)].sum())
    assert df["covered"].dtype == bool
    assert abs(df["covered"].mean() - exact) <= 4 * math.sqrt(exact * (1 - exact) / seeds)
    assert (df["covered"] == ((df["lower"] <= p) & (p <= df["upper"]))).all()
    assert get_experiment("experiments.wilson_coverage").params["level"] == 0.95
    with pytest.raises(ValueError, match=re.escape("p: must lie in [0, 1]; got 1.5")):
        wilson_coverage({"n": 3, "p": 1.5, "level": 0.95}, as_generator(0))
