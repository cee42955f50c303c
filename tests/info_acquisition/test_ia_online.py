"""Online explore-then-commit: kernel oracle, Assumption 1, accounting, regret shape (T^(2/3))."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechkit.errors import InvalidInputError
from mechkit.info_acquisition import (
    ExploreThenCommit,
    Instance,
    Mechanism,
    binary_accuracy_instance,
    coupled_binary_instance,
    evaluate_mechanism,
    regret_slope,
    simulate_online,
    strict_exploration_rules,
)
from mechkit.info_acquisition.online import _deviation_utility
from solvers.scoring_online import greedy_exploration_utility
from tests.info_acquisition.oracles import random_small_instance


def greedy_oracle(samples, q, u):
    """Recompute the greedy action from scratch every round."""
    S, d = q.shape
    counts = np.zeros((S, d))
    total = 0.0
    for r in samples:
        for s in range(S):
            a = int(np.argmax(u @ counts[s]))   # lowest index on ties
            total += float(q[s] @ u[a])
        counts[r // d, r % d] += 1
    return total


@settings(max_examples=100)
@given(seed=st.integers(0, 2**32 - 1), S=st.integers(1, 4), d=st.integers(1, 3), A=st.integers(1, 3),
       rounds=st.integers(0, 40))
def test_exploration_kernel_matches_py_func_and_oracle(seed, S, d, A, rounds):
    rng = np.random.default_rng(seed)
    q = rng.dirichlet(np.ones(S * d)).reshape(S, d)
    u = rng.integers(0, 3, size=(A, d)).astype(float)   # integer utilities create ties
    samples = rng.choice(S * d, size=rounds, p=q.ravel()).astype(np.int64)
    a = greedy_exploration_utility(samples, q, u)
    b = greedy_exploration_utility.py_func(samples, q, u)
    assert a == pytest.approx(b, abs=1e-12)
    assert a == pytest.approx(greedy_oracle(samples, q, u), abs=1e-9)


@pytest.mark.parametrize("margin", [0.01, 0.02])
def test_strict_exploration_rules_have_the_margin(margin):
    inst = binary_accuracy_instance([0.8, 0.75], [0.05, 0.04], payment_cap=1.0)
    rules = strict_exploration_rules(inst, margin)
    for i in range(inst.n):
        single = Instance(inst.prior, inst.utility, [inst.costs[i]], signals=[inst.signals[i]], payment_cap=1.0)
        for b in range(inst.k[i]):
            ev = evaluate_mechanism(single, Mechanism.pure(single, [b], [rules[i][b]]))
            effort_gains = np.delete(ev.gains[0, b], b)
            assert effort_gains.max() <= -margin + 1e-9
            assert ev.gains[0, b, b] <= 1e-9          # truthful


def test_shirking_cannot_be_made_strict_beyond_the_cost_gap():
    """Agent 1 works at cost 0.04: no rule makes shirking beat working by 0.05."""
    inst = binary_accuracy_instance([0.8, 0.75], [0.05, 0.04], payment_cap=1.0)
    with pytest.raises(InvalidInputError, match=r"margin: effort 0 of agent 1 cannot be implemented with margin 0\.05"):
        strict_exploration_rules(inst, 0.05)


def test_accounting_and_determinism():
    inst = binary_accuracy_instance([0.9], [0.1], payment_cap=1.0)
    learner = ExploreThenCommit(strict_exploration_rules(inst, 0.05), margin=0.05)
    a = simulate_online(inst, learner, 50_000, seed=3)
    b = simulate_online(inst, learner, 50_000, seed=3)
    assert a.regret == b.regret
    assert sum(p.rounds for p in a.phases) == 50_000
    assert a.regret == pytest.approx(a.horizon * a.optimum - sum(p.utility for p in a.phases), rel=1e-12)
    assert a.utility_per_round().shape == (50_000,)
    assert a.optimum == pytest.approx(0.675)
    assert [p.name for p in a.phases] == ["explore", "cost_search", "commit"]
    assert a.cost_error < 0.02
    # a short horizon ends during exploration and is reported as unfinished
    short = simulate_online(inst, learner, 100, seed=0)
    assert short.extra["finished"] is False and not short.committed_ic


def test_regret_shape_single_agent():
    """Design note b: slope in [0.55, 0.80] over T in [1e4, 1e7], regret/T decreasing, IC commit."""
    inst = binary_accuracy_instance([0.9], [0.1], payment_cap=1.0)
    learner = ExploreThenCommit(strict_exploration_rules(inst, 0.05), margin=0.05)
    horizons = [10**4, 10**5, 10**6, 10**7]
    regrets = np.array([[simulate_online(inst, learner, T, seed=s).regret for s in range(5)] for T in horizons])
    fit = regret_slope(horizons, regrets)
    assert 0.55 <= fit["slope"] <= 0.80
    avg = regrets.mean(axis=1) / np.array(horizons)
    assert (np.diff(avg) < 0).all()
    for T in (10**5, 10**6):
        for s in range(3):
            assert simulate_online(inst, learner, T, seed=s).committed_ic


def test_two_agent_commit_is_ic_under_the_truth():
    for inst in (binary_accuracy_instance([0.8, 0.75], [0.05, 0.04], payment_cap=1.0),
                 coupled_binary_instance(0.5, payment_cap=1.0)):
        learner = ExploreThenCommit(strict_exploration_rules(inst, 0.02), margin=0.02)
        for s in range(2):
            run = simulate_online(inst, learner, 10**6, seed=s)
            assert run.committed_ic
            assert run.committed_utility <= run.optimum + 1e-9
            assert 0 < run.regret < 0.2 * run.horizon


@settings(max_examples=30)
@given(seed=st.integers(0, 2**32 - 1))
def test_deviation_utility_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    inst = random_small_instance(rng, 2, 2, 2, 2, 2, False, 1.0)
    xi = rng.dirichlet(np.ones(inst.num_profiles))
    gamma = rng.random((inst.n, *inst.k, *inst.m, inst.d))
    ev = evaluate_mechanism(inst, Mechanism(xi.reshape(inst.k), gamma))
    w = ev.witness
    actions = inst.greedy_actions()
    got = _deviation_utility(inst, xi, gamma.reshape(inst.n, inst.num_profiles, inst.num_signal_profiles, inst.d),
                             actions, w)
    P = inst.joint
    B = list(itertools.product(*[range(k) for k in inst.k]))
    S = list(itertools.product(*[range(m) for m in inst.m]))
    total = 0.0
    for bi, b in enumerate(B):
        dev = b[w.agent] == w.recommended
        played = tuple(w.effort if (dev and j == w.agent) else b[j] for j in range(inst.n))
        for s in S:
            rep = tuple(w.reporting_map[s[j]] if (dev and j == w.agent) else s[j] for j in range(inst.n))
            si = int(np.ravel_multi_index(rep, inst.m))
            for t in range(inst.d):
                pr = inst.prior[t] * P[(*played, t, *s)]
                total += xi[bi] * pr * (inst.utility[actions[bi, si], t] - sum(gamma[(i, *b, *rep, t)]
                                                                              for i in range(inst.n)))
    assert got == pytest.approx(total, abs=1e-12)


def test_bad_inputs():
    inst = binary_accuracy_instance([0.9], [0.1], payment_cap=1.0)
    rules = strict_exploration_rules(inst, 0.05)
    learner = ExploreThenCommit(rules, margin=0.05)
    with pytest.raises(InvalidInputError, match="horizon: must be >= 1"):
        simulate_online(inst, learner, 0)
    with pytest.raises(InvalidInputError, match="learner: must be an ExploreThenCommit"):
        simulate_online(inst, "etc", 10)
    with pytest.raises(InvalidInputError, match="margin: must be > 0"):
        ExploreThenCommit(rules, margin=0.0)
    with pytest.raises(InvalidInputError, match="confidence: must lie in"):
        ExploreThenCommit(rules, margin=0.05, confidence=2.0)
    weak = [[np.zeros((2, 2)), np.array([[0.25, 0.0], [0.0, 0.25]])]]   # margin exactly 0 for effort 1
    with pytest.raises(InvalidInputError, match=r"exploration_rules\[0\]\[1\]: does not strictly implement"):
        simulate_online(inst, ExploreThenCommit(weak, margin=0.05), 1000)
    with pytest.raises(InvalidInputError, match=r"exploration_rules\[0\]: need one rule per effort"):
        simulate_online(inst, ExploreThenCommit([[np.zeros((2, 2))]], margin=0.05), 1000)
    with pytest.raises(InvalidInputError, match=r"exploration_rules\[0\]\[1\]: payments must lie in \[0, 1.0\]"):
        simulate_online(inst, ExploreThenCommit([[np.zeros((2, 2)), np.full((2, 2), 5.0)]], margin=0.05), 10)
    with pytest.raises(InvalidInputError, match="margin: effort 1 of agent 0 cannot be implemented"):
        strict_exploration_rules(binary_accuracy_instance([0.9], [0.1], payment_cap=0.2), 0.05)
    # an instance violating the marginal assumption
    P = np.full((2, 2, 2, 2, 2), 0.25)
    P[1, 1, :, :, :] = np.array([[0.6, 0.1], [0.1, 0.2]])   # agent 0's own law now depends on b_1
    bad = Instance([0.5, 0.5], np.eye(2), [[0.0, 0.1], [0.0, 0.1]], joint_signals=P, payment_cap=1.0)
    assert not bad.own_marginals_consistent()
    with pytest.raises(InvalidInputError, match="marginal assumption"):
        simulate_online(bad, ExploreThenCommit([[np.zeros((2, 2))] * 2] * 2, margin=0.05), 100)


def test_regret_slope_fit():
    T = np.array([1e3, 1e4, 1e5])
    fit = regret_slope(T, 3.0 * T ** (2 / 3))
    assert fit["slope"] == pytest.approx(2 / 3, abs=1e-9)
    with pytest.raises(InvalidInputError, match="need at least 3 positive regrets"):
        regret_slope([1.0, 2.0], [1.0, 2.0])


def test_cost_search_beliefs_do_not_read_the_truth():
    """Regression: the learner's belief about the zero-payment efforts came from the true costs.

    Two instances with identical kernels whose agent 0 is unpaid-cheapest at effort 0 resp. 1:
    without observations the learner's beliefs must coincide; with observations they must be
    read from the reports (and then match what the agents really play)."""
    from mechkit.info_acquisition.online import _CostSearch

    K = [[[0.5, 0.5], [0.5, 0.5]], [[0.95, 0.05], [0.05, 0.95]]]
    insts = [Instance([0.5, 0.5], np.eye(2), [c, [0.0, 0.1]], signals=[K, K], payment_cap=1.0)
             for c in ([0.0, 0.1], [0.1, 0.0])]
    q_hat = insts[0].q.copy()
    blind = []
    for inst in insts:
        search = _CostSearch(inst, q_hat, np.random.default_rng(0), 200, 0)
        search.identify_base()
        blind.append(list(search.believed_base))
        seeing = _CostSearch(inst, q_hat, np.random.default_rng(0), 200, 10_000)
        seeing.identify_base()
        assert seeing.believed_base == seeing.zero_payment_efforts
        assert seeing.rounds == 200 and seeing.remaining == 10_000 - 200
    assert blind[0] == blind[1]


def test_exploration_rule_must_be_truthful_at_its_effort():
    """Regression: a rule that strictly implements effort 1 but rewards reporting the opposite
    signal was accepted, and the simulator then scored exploration under truthful reports."""
    inst = binary_accuracy_instance([0.9], [0.1], payment_cap=1.0)
    flipped = np.array([[0.0, 0.5], [0.5, 0.0]])      # pays when the report differs from θ
    learner = ExploreThenCommit([[np.zeros((2, 2)), flipped]], margin=0.05)
    with pytest.raises(InvalidInputError, match=r"exploration_rules\[0\]\[1\]: truthful reporting is not optimal"):
        simulate_online(inst, learner, 1000)
