"""The UCB single-agent learner: seeded regret curve, adaptivity, determinism and bad inputs."""

from __future__ import annotations

import numpy as np
import pytest

from mechkit.errors import InvalidInputError
from mechkit.info_acquisition import (
    LEARNERS,
    ExploreThenCommit,
    Instance,
    UCBLearner,
    binary_accuracy_instance,
    regret_slope,
    simulate_online,
    strict_exploration_rules,
)


def _accuracy(q):
    return [[q, 1 - q], [1 - q, q]]


def test_ucb_regret_grows_like_t_two_thirds():
    """Slope of log regret on log T in the design note's band [0.55, 0.80] (5 seeds, T = 1e4..1e7),
    average regret falling, and the final mechanism IC under the truth from T = 1e5 on."""
    inst = binary_accuracy_instance([0.9], [0.1], payment_cap=1.0)
    learner = UCBLearner(strict_exploration_rules(inst, 0.05), margin=0.05)
    horizons = [10**4, 10**5, 10**6, 10**7]
    runs = [[simulate_online(inst, learner, T, seed=s) for s in range(5)] for T in horizons]
    regrets = np.array([[r.regret for r in row] for row in runs])
    fit = regret_slope(horizons, regrets)
    assert 0.55 <= fit["slope"] <= 0.80
    assert fit["low"] <= 2 / 3 + 0.1 and fit["high"] >= 2 / 3 - 0.1
    avg = regrets.mean(axis=1) / np.array(horizons)
    assert (np.diff(avg) < 0).all()
    assert all(r.committed_ic for row in runs[1:] for r in row)
    assert all(r.extra["finished"] for row in runs for r in row)
    # the regret is the offline optimum times T minus the utility collected
    r = runs[1][0]
    assert r.regret == pytest.approx(r.horizon * r.optimum - sum(p.utility for p in r.phases), rel=1e-12)
    assert sum(p.rounds for p in r.phases) == r.horizon


def test_ucb_stops_sampling_a_clearly_bad_effort():
    """Effort 2 (accuracy .99 at cost .25) is never worth buying: UCB samples it only in the
    sqrt(T) warm-up, while explore-then-commit spends its full 3 T^(2/3) budget on it."""
    inst = Instance([0.5, 0.5], np.eye(2), [[0.0, 0.1, 0.25]],
                    signals=[[_accuracy(0.5), _accuracy(0.9), _accuracy(0.99)]], payment_cap=2.0)
    rules = strict_exploration_rules(inst, 0.02)
    T = 10**6
    ucb = simulate_online(inst, UCBLearner(rules, margin=0.02), T, seed=1)
    etc = simulate_online(inst, ExploreThenCommit(rules, margin=0.02), T, seed=1)
    assert ucb.extra["plays"][2] == 0
    assert ucb.rounds_per_profile == 1000 and etc.rounds_per_profile == 30000
    assert ucb.extra["plays"][1] > 0.9 * T
    assert ucb.regret < etc.regret
    assert ucb.committed_ic


def test_ucb_is_seeded_and_registered():
    inst = binary_accuracy_instance([0.9], [0.1], payment_cap=1.0)
    learner = UCBLearner(strict_exploration_rules(inst, 0.05), margin=0.05)
    a = simulate_online(inst, learner, 50_000, seed=3)
    b = simulate_online(inst, learner, 50_000, seed=3)
    assert a.to_dict() == b.to_dict()
    assert set(LEARNERS.names()) == {"explore_then_commit", "ucb"}
    assert LEARNERS.get("ucb") is UCBLearner
    assert LEARNERS.metadata("ucb")["agents"] == "one"


def test_ucb_bad_inputs():
    inst = binary_accuracy_instance([0.9], [0.1], payment_cap=1.0)
    rules = strict_exploration_rules(inst, 0.05)
    with pytest.raises(InvalidInputError, match="min_epoch"):
        UCBLearner(rules, margin=0.05, min_epoch=0)
    with pytest.raises(InvalidInputError, match="warmup_scale: must be > 0"):
        UCBLearner(rules, margin=0.05, warmup_scale=0.0)
    with pytest.raises(InvalidInputError, match="margin: must be > 0"):
        UCBLearner(rules, margin=-1.0)
    two = binary_accuracy_instance([0.8, 0.75], [0.05, 0.04], payment_cap=1.0)
    with pytest.raises(InvalidInputError, match="the UCB learner is for one agent; got n=2"):
        simulate_online(two, UCBLearner(strict_exploration_rules(two, 0.02), margin=0.02), 1000)
    with pytest.raises(InvalidInputError, match=r"exploration_rules\[0\]: need one rule per effort"):
        simulate_online(inst, UCBLearner([[np.zeros((2, 2))]], margin=0.05), 1000)
    # a horizon too short to finish the warm-up still returns a consistent (unfinished) run
    short = simulate_online(inst, UCBLearner(rules, margin=0.05), 3, seed=0)
    assert not short.extra["finished"] and sum(p.rounds for p in short.phases) == 3
