"""Online information acquisition: explore-then-commit and UCB learners, and a seeded simulator.

The principal knows the states, actions, utility, efforts, signals and the cap ``M``,
but not the prior, the signal kernels or the costs (design note a.6).  It observes
recommendations, reports and the state — never efforts.  :class:`ExploreThenCommit`

1. **estimates** ``q_b(s, θ) = μ(θ) P(s | b, θ)`` for every profile ``b`` by paying each
   agent a known *exploration rule* that strictly implements the wanted effort
   (Assumption 1: effort deviations lose at least ``margin``), ``N`` rounds per profile;
2. **learns the cost differences** by bisection: agent ``i`` facing ``t · R_{i,b}``
   switches along the upper envelope of the lines ``t U_i(e; R) - c_i(e)`` from its
   zero-payment effort to ``b``; each switch point ``t*`` between ``e`` and ``e'`` gives
   ``c(e') - c(e) = t* (U(e'; R) - U(e; R))``.  The played effort is identified from a
   batch of reports by maximum likelihood against the estimated kernels;
3. **commits** to the optimum of the *robust* LP on the estimates — every effort deviation
   is scored with the upper end ``q̂ + ε`` of an empirical-Bernstein interval, obedience
   with the lower end ``q̂ - ε`` (exact robust counterpart: payments are non-negative), and
   the learned costs get a margin of twice their error bound — mixed with the exploration
   rules with weight ``α = min(1, alpha_scale · η / ι)`` where ``η`` bounds the gain error.

:class:`UCBLearner` (one agent, in the spirit of Chen, Wu, Wu and Yang, ICML 2023) replaces
the fixed exploration budget by optimism: after a short warm-up and the same cost search
it plays, epoch by epoch, the effort with the largest upper confidence bound on the net
value ``V(b) - payment(b)``, paying the robust minimum-payment rule for that effort on the
current estimates mixed with its exploration rule (the "conservative correction"), and
doubles the effort's sample count in each epoch.  Both learners are registered in
:data:`LEARNERS`.

:func:`simulate_online` plays the learner against the true instance and returns the
expected (pseudo-)regret against the offline optimum.  Agents best-respond exactly;
rounds are accounted in expectation given the sampled data.  If the committed mechanism
is not IC under the truth, the agent with the most profitable deviation plays it
(others obedient) for the rest of the horizon.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechkit._validate import as_float_array, check_int, check_positive
from mechkit.errors import InvalidInputError
from mechkit.info_acquisition.evaluate import Mechanism, evaluate_mechanism
from mechkit.info_acquisition.instance import Instance
from mechkit.random import SeedLike, as_generator
from mechkit.registry import Registry

__all__ = [
    "LEARNERS",
    "ExploreThenCommit",
    "OnlineRun",
    "Phase",
    "UCBLearner",
    "regret_slope",
    "simulate_online",
    "strict_exploration_rules",
]


def strict_exploration_rules(instance: Instance, margin: float) -> list[list[NDArray[np.float64]]]:
    """Assumption-1 rules: per agent and effort, the cheapest rule with a strict margin.

    The rule pays on the agent's own report and θ only, and every effort deviation loses
    at least ``margin`` against it (one small LP per effort).

    Parameters
    ----------
    instance : Instance
        The (true) instance; its own-signal laws must not depend on the others' efforts.
    margin : float
        The strictness ``ι > 0``.

    Returns
    -------
    list of list of numpy.ndarray
        ``rules[i][b]`` with shape ``(m_i, d)``.

    Raises
    ------
    InvalidInputError
        If some effort cannot be strictly implemented with this margin under the cap.

    Examples
    --------
    >>> from mechkit.info_acquisition.instance import binary_accuracy_instance
    >>> inst = binary_accuracy_instance([0.9], [0.1], payment_cap=1.0)
    >>> strict_exploration_rules(inst, 0.05)[0][1].round(6).tolist()
    [[0.375, 0.0], [0.0, 0.375]]
    """
    from solvers.lp import solve_lp
    from solvers.scoring_lp import build_correlated_lp

    if not isinstance(instance, Instance):
        raise InvalidInputError(f"instance: must be an Instance; got {type(instance).__name__}")
    iota = check_positive(margin, "margin")
    rules = []
    for i in range(instance.n):
        K = instance.agent_marginal(i)
        qi = np.ascontiguousarray(np.transpose(K, (0, 2, 1)) * instance.prior[None, None, :])
        ki, mi, d = qi.shape
        agent_rules = []
        for b in range(ki):
            lp = build_correlated_lp(qi, (ki,), (mi,), np.zeros(ki), [instance.costs[i]],
                                     instance.payment_cap, ic_margin=iota, fixed_profile=b)
            sol = solve_lp(lp.c, lp.csr(), lp.row_lower, lp.row_upper, lp.col_lower, lp.col_upper)
            if sol.status != "optimal":
                raise InvalidInputError(
                    f"margin: effort {b} of agent {i} cannot be implemented with margin {iota} under "
                    f"payment_cap={instance.payment_cap} (LP status {sol.status!r})")
            y = sol.x[lp.y_offset: lp.y_offset + lp.y_size].reshape(ki, mi, d)[b]
            agent_rules.append(np.clip(y, 0.0, instance.payment_cap))
        rules.append(agent_rules)
    return rules


#: Online learners by name (``simulate_online`` accepts an instance of any of them).
LEARNERS: Registry[Any] = Registry("learner")


class _LearnerOptions:
    """Checks and helpers for the options every learner shares.

    Subclasses are frozen dataclasses with the fields ``exploration_rules``, ``margin``,
    ``alpha_scale``, ``eta_scale``, ``detect_rounds``, ``cost_precision`` and ``confidence``.
    """

    exploration_rules: Any
    margin: float
    alpha_scale: float
    eta_scale: float
    detect_rounds: int | None
    cost_precision: float | None
    confidence: float | None

    def _check_shared_options(self) -> None:
        check_positive(self.margin, "margin")
        check_positive(self.alpha_scale, "alpha_scale", strict=False)
        check_positive(self.eta_scale, "eta_scale", strict=False)
        if self.detect_rounds is not None:
            check_int(self.detect_rounds, "detect_rounds", minimum=1)
        if self.cost_precision is not None:
            check_positive(self.cost_precision, "cost_precision")
        if self.confidence is not None:
            c = check_positive(self.confidence, "confidence")
            if c >= 1:
                raise InvalidInputError(f"confidence: must lie in (0, 1); got {c}")

    def rules_for(self, instance: Instance) -> list[list[NDArray[np.float64]]]:
        """The exploration rules validated against the instance's shapes and cap."""
        return _validate_rules(self.exploration_rules, instance)


@LEARNERS.register("explore_then_commit", agents="any",
                   paper="Cacciamani, Castiglioni, Gatti (ICLR 2024)")
@dataclass(frozen=True)
class ExploreThenCommit(_LearnerOptions):
    """Explore-then-commit learner (design note a.6).

    Parameters
    ----------
    exploration_rules : list of list of array_like
        ``exploration_rules[i][b][s_i, θ]``: a known rule that strictly implements effort
        ``b`` of agent ``i`` (Assumption 1), for every effort.
    margin : float
        The known strictness ``ι > 0`` of the exploration rules.
    explore_scale : float, default 3.0
        ``N = ceil(explore_scale * T^(2/3))`` exploration rounds per profile.
    alpha_scale : float, default 0.02
        Mixing weight ``α = min(1, alpha_scale * η / ι)``.
    eta_scale : float, default 1.0
        Scale of the robustness at commit.  Every cell of every ``q̂_b`` gets the
        empirical-Bernstein half-width ``ε[b,s,θ] = eta_scale * (sqrt(2 q̂ (1 - q̂) L / N)
        + 3 L / N)`` with ``L = ln(3 |B| |S| d / δ)`` (a union bound over all cells: all
        intervals hold with probability ``1 - δ``); deviations are scored with ``q̂ + ε``
        and obedience with ``q̂ - ε``.  Effort deviations must also lose
        ``eta_scale * 2 ε_c``, where ``ε_c`` is the learner's own bound on its cost errors
        (half the final bisection width times the payoff gap, summed along the switch
        chain).  The reported ``η = M max_b Σ ε[b] + eta_scale * 2 ε_c`` sets ``α``.
    detect_rounds : int, optional
        Rounds per bisection probe (default ``ceil(20 log T)``).
    cost_precision : float, optional
        Bisection width on the rule scale (default ``T^(-1/3)``).
    confidence : float, optional
        Failure probability ``δ`` of the estimation bound (default ``1/T``).

    Notes
    -----
    Efforts must be identifiable from reports (distinct own-signal laws), otherwise the
    bisection can misread the played effort.  An effort that no bisection chain reaches
    gets the estimated cost ``max + 1`` (a pessimistic guess).  If the margins leave the
    robust LP infeasible, the learner commits to the zero-payment profile.
    """

    exploration_rules: Any
    margin: float
    explore_scale: float = 3.0
    alpha_scale: float = 0.02
    eta_scale: float = 1.0
    detect_rounds: int | None = None
    cost_precision: float | None = None
    confidence: float | None = None

    def __post_init__(self) -> None:
        check_positive(self.explore_scale, "explore_scale")
        self._check_shared_options()


@LEARNERS.register("ucb", agents="one", paper="Chen, Wu, Wu, Yang (ICML 2023), adapted")
@dataclass(frozen=True)
class UCBLearner(_LearnerOptions):
    """Optimistic (UCB) single-agent learner with a conservative correction.

    Rounds (the principal never sees the effort, only reports and θ):

    1. **warm-up**: ``N0 = ceil(warmup_scale * sqrt(T))`` rounds per effort paying the
       exploration rule of that effort (Assumption 1, as for :class:`ExploreThenCommit`);
    2. **cost search**: the bisection of :class:`ExploreThenCommit` (precision
       ``cost_precision``, default ``T^(-1/3)``), which bounds the cost errors by ``ε_c``;
    3. **optimistic epochs**: with ``N_b`` samples of effort ``b``, cell half-widths
       ``ε_b[s,θ] = eta_scale * (sqrt(2 q̂ (1 - q̂) L / N_b) + 3 L / N_b)``,
       ``L = ln(3 k |S| d / δ)``, and ``β_b = Σ ε_b``, the learner computes for every effort
       the robust minimum-payment rule (deviations scored with ``q̂ + ε``, obedience with
       ``q̂ - ε``, effort deviations losing ``2 eta_scale ε_c``), mixes it with the exploration
       rule ``R_b`` with weight ``α_b = min(1, alpha_scale * η_b / ι)``, ``η_b = M β_b +
       2 eta_scale ε_c`` (the conservative correction: the mixed rule stays incentive
       compatible under the truth when the intervals hold), and plays for ``max(N_b,
       min_epoch)`` rounds the effort with the largest index
       ``V̂(b) - paŷ(b) + (u_max - u_min + M) β_b`` (optimism in both the value and the
       payment).  Efforts whose robust rule is infeasible are paid ``R_b`` itself.

    Parameters
    ----------
    exploration_rules : list of list of array_like
        ``exploration_rules[0][b][s, θ]``: a known rule that strictly implements effort ``b``.
    margin : float
        The known strictness ``ι > 0`` of the exploration rules.
    warmup_scale : float, default 1.0
        Warm-up length factor.
    alpha_scale, eta_scale : float, default 0.02 and 1.0
        As for :class:`ExploreThenCommit`.
    min_epoch : int, default 100
        Shortest optimistic epoch.
    detect_rounds, cost_precision, confidence : optional
        As for :class:`ExploreThenCommit`.

    Notes
    -----
    One agent only (``simulate_online`` refuses more).  The regret is dominated by the cost
    precision ``T^(-1/3)`` (the payment margin it forces is paid in every round), so it
    grows like ``T^(2/3)`` as for explore-then-commit, but an effort whose optimistic index
    falls below the best one is no longer sampled: unlike explore-then-commit, the learner
    spends only ``O(sqrt(T))`` rounds on clearly bad efforts.

    Examples
    --------
    >>> from mechkit.info_acquisition.instance import binary_accuracy_instance
    >>> inst = binary_accuracy_instance([0.9], [0.1], payment_cap=1.0)
    >>> learner = UCBLearner(strict_exploration_rules(inst, 0.05), margin=0.05)
    >>> run = simulate_online(inst, learner, 100_000, seed=0)
    >>> run.committed_ic, 0 < run.regret / run.horizon < 0.1
    (True, True)
    """

    exploration_rules: Any
    margin: float
    warmup_scale: float = 1.0
    alpha_scale: float = 0.02
    eta_scale: float = 1.0
    min_epoch: int = 100
    detect_rounds: int | None = None
    cost_precision: float | None = None
    confidence: float | None = None

    def __post_init__(self) -> None:
        check_positive(self.warmup_scale, "warmup_scale")
        check_int(self.min_epoch, "min_epoch", minimum=1)
        self._check_shared_options()


def _validate_rules(rules: Any, instance: Instance) -> list[list[NDArray[np.float64]]]:
    """Exploration rules checked against the instance's shapes and cap."""
    if len(rules) != instance.n:
        raise InvalidInputError(
            f"exploration_rules: need one list per agent ({instance.n}); got {len(rules)}")
    out = []
    for i in range(instance.n):
        if len(rules[i]) != instance.k[i]:
            raise InvalidInputError(
                f"exploration_rules[{i}]: need one rule per effort ({instance.k[i]}); "
                f"got {len(rules[i])}")
        agent = []
        for b in range(instance.k[i]):
            r = as_float_array(rules[i][b], f"exploration_rules[{i}][{b}]",
                               shape=(instance.m[i], instance.d))
            if (r < 0).any() or (r > instance.payment_cap).any():
                raise InvalidInputError(
                    f"exploration_rules[{i}][{b}]: payments must lie in [0, {instance.payment_cap}]")
            agent.append(r)
        out.append(agent)
    return out


@dataclass(frozen=True)
class Phase:
    """A block of rounds: its name, length and total expected principal utility."""

    name: str
    rounds: int
    utility: float


@dataclass(frozen=True)
class OnlineRun:
    """Result of :func:`simulate_online`.

    Attributes
    ----------
    horizon : int
        ``T``.
    optimum : float
        Offline optimal per-round utility (correlated IC mechanism on the truth).
    regret : float
        ``T * optimum - Σ_t E[U_t]`` (pseudo-regret given the sampled data).
    phases : tuple of Phase
        Exploration, cost search and commit blocks.
    committed_utility : float
        Per-round utility of the committed mechanism under the truth (after deviations).
    committed_ic : bool
        Whether the committed mechanism is IC under the true instance.
    committed_max_gain : float
        Its largest incentive gain under the truth.
    alpha, eta : float
        Mixing weight and IC margin used at commit.
    rounds_per_profile : int
        ``N``.
    cost_error : float
        Largest error of the learned cost differences.
    q_error : float
        Largest L1 error of the estimated ``q_b``.
    """

    horizon: int
    optimum: float
    regret: float
    phases: tuple[Phase, ...]
    committed_utility: float
    committed_ic: bool
    committed_max_gain: float
    alpha: float
    eta: float
    rounds_per_profile: int
    cost_error: float
    q_error: float
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    def utility_per_round(self) -> NDArray[np.float64]:
        """Expected utility of every round (length ``T``).

        The commit block is constant per round; the exploration and cost-search blocks are
        reported by their totals and spread evenly over their rounds.
        """
        return np.concatenate([np.full(p.rounds, p.utility / p.rounds) for p in self.phases if p.rounds])

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form."""
        return {"horizon": self.horizon, "optimum": self.optimum, "regret": self.regret,
                "phases": [(p.name, p.rounds, p.utility) for p in self.phases],
                "committed_utility": self.committed_utility, "committed_ic": self.committed_ic,
                "committed_max_gain": self.committed_max_gain, "alpha": self.alpha, "eta": self.eta,
                "rounds_per_profile": self.rounds_per_profile, "cost_error": self.cost_error,
                "q_error": self.q_error}


# --------------------------------------------------------------------------- helpers
def _agent_joint(instance: Instance, i: int) -> NDArray[np.float64]:
    """``μ(θ) P_i(s_i | e, θ)`` with shape ``(k_i, m_i, d)``."""
    marg = np.transpose(instance.agent_marginal(i), (0, 2, 1))
    return np.ascontiguousarray(marg * instance.prior[None, None, :])


def _best_report_value(qa: NDArray[np.float64], rule: NDArray[np.float64]) -> NDArray[np.float64]:
    """``U(e; rule) = Σ_s max_{s'} Σ_θ qa[e, s, θ] rule[s', θ]`` for every effort ``e``."""
    return np.asarray(np.einsum("est,rt->esr", qa, rule).max(axis=2).sum(axis=1))


def _best_response(qa: NDArray[np.float64], cost: NDArray[np.float64], rule: NDArray[np.float64]) -> int:
    """Agent's optimal effort against ``rule`` (lowest index on ties)."""
    payoff = _best_report_value(qa, rule) - cost
    return int(np.flatnonzero(payoff >= payoff.max() - 1e-12)[0])


#: Largest gain of a misreport at the recommended effort tolerated in an exploration rule.
TRUTH_TOL = 1e-9


def _check_assumption_one(instance: Instance, rules: list[list[NDArray[np.float64]]]) -> float:
    """True strictness of the exploration rules (must be > 0)."""
    worst = math.inf
    for i in range(instance.n):
        qa = _agent_joint(instance, i)
        for b in range(instance.k[i]):
            payoff = _best_report_value(qa, rules[i][b]) - instance.costs[i]
            honest = float(np.sum(qa[b] * rules[i][b])) - instance.costs[i][b]
            lie = float(payoff[b]) - honest
            if lie > TRUTH_TOL:
                # the simulator scores exploration under truthful reports: a rule under which
                # the recommended effort prefers to misreport would be silently mis-simulated
                raise InvalidInputError(
                    f"exploration_rules[{i}][{b}]: truthful reporting is not optimal at effort {b} under the "
                    f"true instance (a reporting map gains {lie:.3g}); the rule must be truthful")
            others = np.delete(payoff, b)
            iota = honest - float(others.max()) if others.size else math.inf
            if iota <= 0:
                raise InvalidInputError(
                    f"exploration_rules[{i}][{b}]: does not strictly implement effort {b} under the true "
                    f"instance (margin {iota:.3g} <= 0); the regret bound is void")
            worst = min(worst, iota)
    return worst


def _deviation_utility(instance: Instance, xi: NDArray[np.float64], gamma: NDArray[np.float64],
                       actions: NDArray[np.int64], dev: Any) -> float:
    """Principal's utility when agent ``dev.agent`` deviates when recommended ``dev.recommended``."""
    from solvers.scoring_ic import index_tables

    bown, bswap, sown, sswap = index_tables(instance.k, instance.m)
    i = dev.agent
    q, u = instance.q, instance.utility
    total = 0.0
    phi = np.asarray(dev.reporting_map, dtype=np.int64)
    S = instance.num_signal_profiles
    for b in np.flatnonzero(xi > 0):
        if bown[i, b] == dev.recommended:
            played = bswap[i, b, dev.effort]
            reported = sswap[i, np.arange(S), phi[sown[i]]]
        else:
            played = b
            reported = np.arange(S)
        gross = float(np.einsum("st,st->", q[played], u[actions[b, reported]]))
        pay = float(np.einsum("ist,st->", gamma[:, b, reported], q[played]))
        total += xi[b] * (gross - pay)
    return total


def _robust_commit(instance: Instance, q_hat: NDArray[np.float64], eps_cell: NDArray[np.float64],
                   cost_hat: list[NDArray[np.float64]], cost_margin: float) -> tuple[Any, Any]:
    """Robust LP on the estimates: deviations scored with ``q̂ + ε``, obedience with ``q̂ - ε``."""
    from mechkit.info_acquisition.optimal import _extract, _raise_for_status
    from solvers.lp import solve_lp
    from solvers.scoring_lp import build_correlated_lp

    values = np.einsum("bst,at->bsa", q_hat, instance.utility).max(axis=2).sum(axis=1)
    lp = build_correlated_lp(q_hat, instance.k, instance.m, values, cost_hat, instance.payment_cap,
                             ic_margin=cost_margin, q_deviation=q_hat + eps_cell,
                             q_obedient=np.maximum(q_hat - eps_cell, 0.0))
    sol = solve_lp(lp.c, lp.csr(), lp.row_lower, lp.row_upper, lp.col_lower, lp.col_upper, presolve=False)
    if sol.status == "infeasible":
        return None, None
    _raise_for_status(sol.status, "robust commit LP")
    return _extract(instance, sol.x[: lp.num_profiles], sol.x[lp.y_offset: lp.y_offset + lp.y_size])


class _CostSearch:
    """Environment + learner state of the cost-learning phase (bisection on scaled rules)."""

    def __init__(self, instance: Instance, q_hat: NDArray[np.float64], rng: np.random.Generator,
                 n_detect: int, remaining: int) -> None:
        self.instance = instance
        self.q_hat = q_hat
        self.rng = rng
        self.n_detect = n_detect
        self.remaining = remaining
        self.utility = 0.0
        self.rounds = 0
        self.bound = 0.0
        # truth: under zero payments every agent plays its cheapest effort (lowest index on ties)
        self.zero_payment_efforts = [int(np.argmin(c)) for c in instance.costs]
        K = instance.num_profiles
        S = instance.num_signal_profiles
        self.bown = np.array(np.unravel_index(np.arange(K), instance.k))
        self.sown = np.array(np.unravel_index(np.arange(S), instance.m))
        # the learner's belief about the zero-payment efforts: unknown until identified from
        # reports (identify_base); never read from the truth
        self.believed_base = [0] * instance.n

    def identify_base(self) -> None:
        """Identify every agent's zero-payment effort from one batch of unpaid rounds.

        All agents are observed at once; each agent's effort is read from its own reports by
        maximum likelihood against the estimated kernels.  With no rounds left the belief
        stays at effort 0 (the run then ends unfinished).  During the batch the principal
        acts greedily on the estimate pooled over all profiles (it has no belief yet).
        """
        inst = self.instance
        rounds = min(self.n_detect, self.remaining)
        if rounds <= 0:
            return
        bt = int(np.ravel_multi_index(tuple(self.zero_payment_efforts), inst.k))   # what is played
        p = inst.q[bt].ravel()
        obs = self.rng.multinomial(rounds, p / p.sum()).reshape(inst.num_signal_profiles, inst.d)
        acts = np.einsum("st,at->sa", self.q_hat.mean(axis=0), inst.utility).argmax(axis=1)
        self.utility += rounds * float(np.einsum("st,st->", inst.q[bt], inst.utility[acts]))
        self.rounds += rounds
        self.remaining -= rounds
        for i in range(inst.n):
            own = np.stack([obs[self.sown[i] == s].sum(axis=0) for s in range(inst.m[i])])
            log_hat = np.log(np.maximum(self._own_estimate(i), 1e-12))
            self.believed_base[i] = int(np.argmax(np.einsum("st,est->e", own, log_hat)))

    def _own_estimate(self, i: int) -> NDArray[np.float64]:
        """Estimated ``μ(θ) P_i(s_i | e, θ)`` per effort, pooled over the profiles explored."""
        inst = self.instance
        out = np.zeros((inst.k[i], inst.m[i], inst.d))
        for e in range(inst.k[i]):
            marg = self.q_hat[self.bown[i] == e].mean(axis=0)            # (S, d)
            out[e] = np.stack([marg[self.sown[i] == s].sum(axis=0) for s in range(inst.m[i])])
        return out

    def _probe(self, i: int, rule: NDArray[np.float64], target: int, log_hat: NDArray[np.float64]) -> int:
        """Pay agent ``i`` the rule for a batch of rounds; return the effort identified from its reports."""
        inst = self.instance
        qa_true = _agent_joint(inst, i)
        played = _best_response(qa_true, inst.costs[i], rule)
        rounds = min(self.n_detect, self.remaining)
        if rounds <= 0:
            return target
        p = qa_true[played].ravel()
        obs = self.rng.multinomial(rounds, p / p.sum()).reshape(qa_true.shape[1], inst.d)
        guess = int(np.argmax(np.einsum("st,est->e", obs, log_hat)))
        prof_true = list(self.zero_payment_efforts)
        prof_true[i] = played
        prof_plan = list(self.believed_base)
        prof_plan[i] = target
        bt = int(np.ravel_multi_index(tuple(prof_true), inst.k))
        bp = int(np.ravel_multi_index(tuple(prof_plan), inst.k))
        acts = np.einsum("st,at->sa", self.q_hat[bp], inst.utility).argmax(axis=1)
        gross = float(np.einsum("st,st->", inst.q[bt], inst.utility[acts]))
        pay = float(_best_report_value(qa_true, rule)[played])
        self.utility += rounds * (gross - pay)
        self.rounds += rounds
        self.remaining -= rounds
        return guess

    def learn_agent(self, i: int, rules: list[NDArray[np.float64]], eps: float) -> NDArray[np.float64]:
        """Cost of every effort of agent ``i`` relative to its zero-payment effort."""
        inst = self.instance
        qa_hat = self._own_estimate(i)
        log_hat = np.log(np.maximum(qa_hat, 1e-12))
        ki = inst.k[i]
        ref = self._probe(i, np.zeros((inst.m[i], inst.d)), self.believed_base[i], log_hat)
        self.believed_base[i] = ref
        c_est = np.full(ki, np.nan)
        c_est[ref] = 0.0
        for b in range(ki):
            if b == ref:
                continue
            R = rules[b]
            memo: dict[float, int] = {}

            def at(t: float, R: NDArray[np.float64] = R, b: int = b,
                   memo: dict[float, int] = memo) -> int:
                if t not in memo:
                    memo[t] = self._probe(i, t * R, b, log_hat)
                return memo[t]

            # switch points along the upper envelope from t = 0 (effort ref) to t = 1
            chain: list[tuple[float, float, int, int]] = []
            stack = [(0.0, 1.0, ref, at(1.0))]
            while stack:
                lo, hi, e_lo, e_hi = stack.pop()
                if e_lo == e_hi:
                    continue
                if hi - lo <= eps or self.remaining <= 0:
                    chain.append((0.5 * (lo + hi), 0.5 * (hi - lo), e_lo, e_hi))
                    continue
                mid = 0.5 * (lo + hi)
                e_mid = at(mid)
                stack.append((mid, hi, e_mid, e_hi))
                stack.append((lo, mid, e_lo, e_mid))
            U = _best_report_value(qa_hat, R)
            # c(e_hi) - c(e_lo) = t* (U(e_hi) - U(e_lo)) along the chain from ref
            level = slack = 0.0
            cur = ref
            for t_star, half, e_lo, e_hi in chain:
                if e_lo != cur:
                    break
                level += t_star * (U[e_hi] - U[e_lo])
                slack += half * abs(U[e_hi] - U[e_lo])
                cur = e_hi
                if np.isnan(c_est[cur]):
                    c_est[cur] = level
                    self.bound = max(self.bound, slack)
        return np.where(np.isnan(c_est), np.nanmax(c_est) + 1.0, c_est)


# --------------------------------------------------------------------------- simulator
def simulate_online(
    instance: Instance,
    learner: ExploreThenCommit,
    horizon: int,
    seed: SeedLike = None,
) -> OnlineRun:
    """Play ``learner`` for ``horizon`` rounds against the true ``instance``.

    Parameters
    ----------
    instance : Instance
        The true instance; each agent's own-signal law must depend only on its own effort.
    learner : ExploreThenCommit or UCBLearner
        The learner (see :data:`LEARNERS`).
    horizon : int
        ``T >= 1``.
    seed : None, int, SeedSequence or Generator
        Randomness of the samples.

    Returns
    -------
    OnlineRun

    Examples
    --------
    >>> from mechkit.info_acquisition.instance import binary_accuracy_instance
    >>> inst = binary_accuracy_instance([0.9], [0.1], payment_cap=1.0)
    >>> learner = ExploreThenCommit(strict_exploration_rules(inst, 0.05), margin=0.05)
    >>> run = simulate_online(inst, learner, 1_000_000, seed=0)
    >>> run.committed_ic, 0 < run.regret / run.horizon < 0.1
    (True, True)
    """
    from mechkit.info_acquisition.optimal import optimal_mechanism

    if not isinstance(instance, Instance):
        raise InvalidInputError(f"instance: must be an Instance; got {type(instance).__name__}")
    if not isinstance(learner, ExploreThenCommit | UCBLearner):
        raise InvalidInputError(f"learner: must be an ExploreThenCommit or a UCBLearner; got "
                                f"{type(learner).__name__}")
    T = check_int(horizon, "horizon", minimum=1)
    if isinstance(learner, UCBLearner) and instance.n != 1:
        raise InvalidInputError(f"instance: the UCB learner is for one agent; got n={instance.n} "
                                "(use ExploreThenCommit)")
    if not instance.own_marginals_consistent():
        raise InvalidInputError("instance: an agent's own-signal law depends on the others' efforts; the "
                                "explore-then-commit learner needs the marginal assumption (design a.1)")
    rules = learner.rules_for(instance)
    true_iota = _check_assumption_one(instance, rules)
    rng = as_generator(seed)
    opt = optimal_mechanism(instance).value
    if isinstance(learner, UCBLearner):
        return _simulate_ucb(instance, learner, rules, T, rng, opt, true_iota)
    K, S, d = instance.num_profiles, instance.num_signal_profiles, instance.d
    n = instance.n
    bown = np.array(np.unravel_index(np.arange(K), instance.k))
    sown = np.array(np.unravel_index(np.arange(S), instance.m))
    phases: list[Phase] = []

    # ---- phase 1: estimate q_b with the exploration rules
    N = max(1, math.ceil(learner.explore_scale * T ** (2.0 / 3.0)))
    counts, util1, rounds1 = _explore_every_profile(instance, rules, N, T, rng)
    remaining = T - rounds1
    phases.append(Phase("explore", rounds1, util1))
    if remaining == 0 or counts.sum(axis=(1, 2)).min() == 0:
        return OnlineRun(T, opt, T * opt - util1, tuple(phases), float("nan"), False, float("nan"), 0.0, 0.0,
                         N, float("nan"), float("nan"), {"finished": False, "true_margin": true_iota})
    q_hat = counts / counts.sum(axis=(1, 2), keepdims=True)
    q_err = float(np.abs(q_hat - instance.q).sum(axis=(1, 2)).max())

    # ---- phase 2: cost differences by bisection on t * R_{i,b}
    eps, n_detect = _search_settings(learner, T)
    search = _CostSearch(instance, q_hat, rng, n_detect, remaining)
    search.identify_base()
    cost_hat = [search.learn_agent(i, rules[i], eps) for i in range(n)]
    remaining, util2, rounds2, cost_bound = search.remaining, search.utility, search.rounds, search.bound
    zero_eff = search.zero_payment_efforts
    phases.append(Phase("cost_search", rounds2, util2))
    true_diff = [c - c[z] for c, z in zip(instance.costs, zero_eff, strict=True)]
    cost_err = max(float(np.abs(ch - td).max()) for ch, td in zip(cost_hat, true_diff, strict=True))
    if remaining <= 0:
        total = util1 + util2
        return OnlineRun(T, opt, T * opt - total, tuple(phases), float("nan"), False, float("nan"), 0.0, 0.0,
                         N, cost_err, q_err, {"finished": False, "true_margin": true_iota})

    # ---- phase 3: robust LP on the estimates, mixed with the exploration rules
    delta = learner.confidence if learner.confidence is not None else 1.0 / T
    m_cap = instance.payment_cap
    log_term = math.log(3.0 * K * S * d / delta)
    # empirical-Bernstein interval on every cell of every q_b (union bound: all hold w.p. 1 - δ)
    eps_cell = learner.eta_scale * (np.sqrt(2.0 * q_hat * (1.0 - q_hat) * log_term / N) + 3.0 * log_term / N)
    cost_margin = learner.eta_scale * 2.0 * cost_bound
    eta = float(m_cap * eps_cell.sum(axis=(1, 2)).max() + cost_margin)
    alpha = min(1.0, learner.alpha_scale * eta / learner.margin)
    xi, gamma_lp = _robust_commit(instance, q_hat, eps_cell, cost_hat, cost_margin)
    if xi is None:      # the margins leave no room: commit to the zero-payment profile
        xi = np.zeros(K)
        xi[int(np.ravel_multi_index(tuple(search.believed_base), instance.k))] = 1.0
        gamma_lp = np.zeros((n, K, S, d))
        alpha = 0.0
    mix = np.zeros_like(gamma_lp)
    for i in range(n):
        for b in range(K):
            mix[i, b] = rules[i][int(bown[i, b])][sown[i]]
    gamma = (1.0 - alpha) * gamma_lp + alpha * mix
    actions = np.einsum("bst,at->bsa", q_hat, instance.utility).argmax(axis=2)
    mech = Mechanism(xi.reshape(instance.k), gamma.reshape((n, *instance.k, *instance.m, d)),
                     actions.reshape((*instance.k, *instance.m)))
    ev = evaluate_mechanism(instance, mech)
    ic = ev.max_gain <= 1e-9
    per_round = ev.principal_utility if ic or ev.witness is None else _deviation_utility(
        instance, xi, gamma, actions, ev.witness)
    phases.append(Phase("commit", remaining, remaining * per_round))
    total = sum(p.utility for p in phases)
    return OnlineRun(T, opt, T * opt - total, tuple(phases), per_round, ic, ev.max_gain, alpha, eta, N,
                     cost_err, q_err, {"finished": True, "true_margin": true_iota,
                                       "estimated_costs": [c.tolist() for c in cost_hat]})


def _robust_effort_rule(instance: Instance, q_hat: NDArray[np.float64], eps_cell: NDArray[np.float64],
                        cost_hat: NDArray[np.float64], cost_margin: float,
                        b: int) -> NDArray[np.float64] | None:
    """Cheapest rule implementing effort ``b`` in the robust single-agent LP (``None``: infeasible)."""
    from mechkit.info_acquisition.optimal import _raise_for_status
    from solvers.lp import solve_lp
    from solvers.scoring_lp import build_correlated_lp

    k, m, d = instance.k[0], instance.m[0], instance.d
    lp = build_correlated_lp(q_hat, (k,), (m,), np.zeros(k), [cost_hat], instance.payment_cap,
                             ic_margin=cost_margin, fixed_profile=b, q_deviation=q_hat + eps_cell,
                             q_obedient=np.maximum(q_hat - eps_cell, 0.0))
    sol = solve_lp(lp.c, lp.csr(), lp.row_lower, lp.row_upper, lp.col_lower, lp.col_upper, presolve=False)
    if sol.status == "infeasible":
        return None
    _raise_for_status(sol.status, "robust minimum-payment LP")
    y = sol.x[lp.y_offset: lp.y_offset + lp.y_size].reshape(k, m, d)[b]
    return np.clip(y, 0.0, instance.payment_cap)


def _explore_every_profile(instance: Instance, rules: list[list[NDArray[np.float64]]], per_profile: int,
                           budget: int, rng: np.random.Generator
                           ) -> tuple[NDArray[np.float64], float, int]:
    """Play each effort profile ``per_profile`` rounds (within ``budget``) with the exploration rules.

    Returns the signal-state counts per profile, the principal's realised utility (greedy
    decisions minus the rules' expected payments) and the number of rounds played.
    """
    from solvers.scoring_online import greedy_exploration_utility

    K, S, d = instance.num_profiles, instance.num_signal_profiles, instance.d
    bown = np.array(np.unravel_index(np.arange(K), instance.k))
    sown = np.array(np.unravel_index(np.arange(S), instance.m))
    counts = np.zeros((K, S, d))
    util = 0.0
    rounds = 0
    for b in range(K):
        nb = min(per_profile, budget - rounds)
        if nb <= 0:
            break
        p = instance.q[b].ravel()
        samples = rng.choice(S * d, size=nb, p=p / p.sum())
        counts[b] = np.bincount(samples, minlength=S * d).reshape(S, d)
        pay = sum(float(np.sum(instance.q[b] * rules[i][int(bown[i, b])][sown[i]]))
                  for i in range(instance.n))
        gross = greedy_exploration_utility(samples.astype(np.int64), instance.q[b], instance.utility)
        util += float(gross) - nb * pay
        rounds += nb
    return counts, util, rounds


def _search_settings(learner: ExploreThenCommit | UCBLearner, T: int) -> tuple[float, int]:
    """Bisection width and rounds per probe of the cost search (the learner's or the defaults)."""
    eps = learner.cost_precision if learner.cost_precision is not None else T ** (-1.0 / 3.0)
    n_detect = learner.detect_rounds if learner.detect_rounds is not None else math.ceil(20 * math.log(T + 1))
    return eps, n_detect


def _simulate_ucb(instance: Instance, learner: UCBLearner, rules: list[list[NDArray[np.float64]]], T: int,
                  rng: np.random.Generator, opt: float, true_iota: float) -> OnlineRun:
    """The UCB learner against the true (one-agent) instance; see :class:`UCBLearner`."""
    k, S, d = instance.k[0], instance.num_signal_profiles, instance.d
    R = rules[0]
    u = instance.utility
    u_range = float(u.max() - u.min())
    m_cap = instance.payment_cap
    phases: list[Phase] = []
    # ---- warm-up: N0 rounds per effort with its exploration rule (truthful and obedient)
    N0 = max(1, math.ceil(learner.warmup_scale * math.sqrt(T)))
    counts, util, rounds = _explore_every_profile(instance, rules, N0, T, rng)
    remaining = T - rounds
    phases.append(Phase("warmup", rounds, util))
    unfinished = {"finished": False, "true_margin": true_iota}
    if remaining == 0 or counts.sum(axis=(1, 2)).min() == 0:
        return OnlineRun(T, opt, T * opt - util, tuple(phases), float("nan"), False, float("nan"), 0.0, 0.0,
                         N0, float("nan"), float("nan"), unfinished)
    # ---- cost search (as explore-then-commit)
    eps, n_detect = _search_settings(learner, T)
    search = _CostSearch(instance, counts / counts.sum(axis=(1, 2), keepdims=True), rng, n_detect, remaining)
    search.identify_base()
    cost_hat = search.learn_agent(0, R, eps)
    remaining = search.remaining
    phases.append(Phase("cost_search", search.rounds, search.utility))
    true_diff = instance.costs[0] - instance.costs[0][search.zero_payment_efforts[0]]
    cost_err = float(np.abs(cost_hat - true_diff).max())
    if remaining <= 0:
        total = sum(p.utility for p in phases)
        return OnlineRun(T, opt, T * opt - total, tuple(phases), float("nan"), False, float("nan"), 0.0, 0.0,
                         N0, cost_err, float("nan"), unfinished)
    # ---- optimistic epochs
    delta = learner.confidence if learner.confidence is not None else 1.0 / T
    log_term = math.log(3.0 * k * S * d / delta)
    cost_margin = learner.eta_scale * 2.0 * search.bound
    plays = np.zeros(k, dtype=np.int64)
    last: dict[str, Any] = {}
    while remaining > 0:
        n_b = counts.sum(axis=(1, 2))
        q_hat = counts / n_b[:, None, None]
        eps_cell = learner.eta_scale * (np.sqrt(2.0 * q_hat * (1.0 - q_hat) * log_term / n_b[:, None, None])
                                        + 3.0 * log_term / n_b[:, None, None])
        beta = eps_cell.sum(axis=(1, 2))
        values = np.einsum("bst,at->bsa", q_hat, u).max(axis=2).sum(axis=1)
        index = np.empty(k)
        mixed: list[tuple[NDArray[np.float64], float, float]] = []
        for b in range(k):
            rule = _robust_effort_rule(instance, q_hat, eps_cell, cost_hat, cost_margin, b)
            eta = float(m_cap * beta[b] + cost_margin)
            alpha = 1.0 if rule is None else min(1.0, learner.alpha_scale * eta / learner.margin)
            gamma = R[b] if rule is None else (1.0 - alpha) * rule + alpha * R[b]
            index[b] = values[b] - float(np.sum(q_hat[b] * gamma)) + (u_range + m_cap) * beta[b]
            mixed.append((gamma, alpha, eta))
        b = int(np.argmax(index))
        gamma, alpha, eta = mixed[b]
        nr = min(max(int(n_b[b]), learner.min_epoch), remaining)
        xi = np.zeros(k)
        xi[b] = 1.0
        pay = np.zeros((1, k, S, d))
        pay[0, b] = gamma
        actions = np.einsum("bst,at->bsa", q_hat, u).argmax(axis=2)
        mech = Mechanism(xi, pay, actions)
        ev = evaluate_mechanism(instance, mech)
        ic = ev.max_gain <= 1e-9
        if ic or ev.witness is None:
            per_round, played, phi = ev.principal_utility, b, np.arange(S)
        else:
            w = ev.witness
            per_round = _deviation_utility(instance, xi, pay, actions, w)
            played, phi = int(w.effort), np.asarray(w.reporting_map, dtype=np.int64)
        # the learner records the reports (φ(s), θ) of the effort actually played
        p = instance.q[played].ravel()
        obs = rng.multinomial(nr, p / p.sum()).reshape(S, d)
        seen = np.zeros((S, d))
        np.add.at(seen, phi, obs)
        counts[b] += seen
        plays[b] += nr
        phases.append(Phase(f"ucb[{b}]", nr, nr * per_round))
        remaining -= nr
        last = {"utility": per_round, "ic": ic, "gain": float(ev.max_gain), "alpha": alpha, "eta": eta,
                "q_error": float(np.abs(q_hat[b] - instance.q[b]).sum())}
    total = sum(p.utility for p in phases)
    return OnlineRun(T, opt, T * opt - total, tuple(phases), last["utility"], bool(last["ic"]), last["gain"],
                     last["alpha"], last["eta"], N0, cost_err, last["q_error"],
                     {"finished": True, "true_margin": true_iota, "estimated_costs": cost_hat.tolist(),
                      "plays": plays.tolist(), "epochs": len(phases) - 2})


def regret_slope(horizons: ArrayLike, regrets: ArrayLike, *, level: float = 0.95) -> dict[str, float]:
    """Least-squares slope of ``log regret`` on ``log T`` with a t-interval.

    ``regrets`` may be 2-D (horizon × seed); every positive value is a point.

    Examples
    --------
    >>> fit = regret_slope([1e3, 1e4, 1e5], [100.0, 464.0, 2154.0])
    >>> round(fit["slope"], 3)
    0.667
    """
    from scipy import stats

    Tv = as_float_array(horizons, "horizons", ndim=1)
    if (Tv <= 0).any():
        raise InvalidInputError(f"horizons: must be > 0 (the fit is on log T); got {Tv.tolist()}")
    lv = check_positive(level, "level")
    if lv >= 1:
        raise InvalidInputError(f"level: must lie in (0, 1); got {lv}")
    R = as_float_array(regrets, "regrets")
    if R.ndim == 1:
        R = R[:, None]
    if R.shape[0] != Tv.shape[0]:
        raise InvalidInputError(f"regrets: need one row per horizon ({Tv.shape[0]}); got shape {R.shape}")
    x = np.repeat(np.log(Tv), R.shape[1])
    y = R.ravel()
    keep = y > 0
    if keep.sum() < 3:
        raise InvalidInputError("regrets: need at least 3 positive regrets to fit a slope")
    if np.unique(x[keep]).shape[0] < 2:
        raise InvalidInputError("horizons: need at least two distinct horizons with positive regrets to fit "
                                "a slope")
    res = stats.linregress(x[keep], np.log(y[keep]))
    tq = float(stats.t.ppf(0.5 + lv / 2, int(keep.sum()) - 2))
    return {"slope": float(res.slope), "low": float(res.slope - tq * res.stderr),
            "high": float(res.slope + tq * res.stderr), "intercept": float(res.intercept),
            "points": int(keep.sum())}
