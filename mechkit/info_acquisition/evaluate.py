"""Mechanisms as data, and their brute-force evaluation (utility, incentive gains, witness).

A :class:`Mechanism` holds a recommendation lottery ``ξ`` over effort profiles (shape
``k``), payments ``γ_i(b, s, θ)`` (shape ``(n, *k, *m, d)``) and optionally the
principal's action rule ``π(b, s)`` (shape ``(*k, *m)``; default: the greedy action).
:func:`evaluate_mechanism` computes the principal's utility under obedience and truth and
the largest gain any agent can get by deviating to any effort together with any
reporting map (all ``m_i ** m_i`` maps are enumerated by a numba kernel), with the worst
deviation as a witness.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechkit._validate import as_float_array, as_int_array
from mechkit.errors import InvalidInputError
from mechkit.info_acquisition.instance import Instance

__all__ = ["Deviation", "Evaluation", "Mechanism", "evaluate_mechanism"]

#: Default tolerance on the incentive gain below which a mechanism counts as IC.
IC_TOL = 1e-7

#: Relative tolerance on payments above the instance's cap (float noise of mixing rules).
CAP_RTOL = 1e-9


class _HasMechanism(Protocol):
    recommendation: NDArray[np.float64]
    payments: NDArray[np.float64]
    actions: NDArray[np.int64] | None


@dataclass(frozen=True)
class Mechanism:
    """A correlated mechanism ``(ξ, γ, π)``.

    Parameters
    ----------
    recommendation : array_like, shape k
        Probability of recommending each effort profile.
    payments : array_like, shape (n, *k, *m, d)
        ``payments[i, b..., s..., θ]`` paid to agent ``i``.
    actions : array_like of int, shape (*k, *m), optional
        Principal's action for each recommended profile and reported signal profile;
        ``None`` means the greedy (utility-maximising) action.

    Examples
    --------
    >>> import numpy as np
    >>> pay = np.zeros((1, 2, 2, 2)); pay[0, 1, 0, 0] = pay[0, 1, 1, 1] = 0.25
    >>> mech = Mechanism([0.0, 1.0], pay)
    >>> mech.recommendation.tolist()
    [0.0, 1.0]
    """

    recommendation: NDArray[np.float64]
    payments: NDArray[np.float64]
    actions: NDArray[np.int64] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "recommendation", as_float_array(self.recommendation, "recommendation"))
        object.__setattr__(self, "payments", as_float_array(self.payments, "payments"))
        if self.actions is not None:
            object.__setattr__(self, "actions", as_int_array(self.actions, "actions", minimum=0))

    @classmethod
    def pure(cls, instance: Instance, profile: ArrayLike, rules: list[ArrayLike]) -> Mechanism:
        """Recommend ``profile`` surely and pay agent ``i`` the rule ``rules[i][s_i, θ]``.

        Examples
        --------
        >>> from mechkit.info_acquisition.instance import binary_accuracy_instance
        >>> inst = binary_accuracy_instance([0.9], [0.1])
        >>> Mechanism.pure(inst, [1], [[[0.25, 0.0], [0.0, 0.25]]]).payments.shape
        (1, 2, 2, 2)
        """
        b = instance.profile_index(np.asarray(profile))
        if len(rules) != instance.n:
            raise InvalidInputError(f"rules: need one rule per agent ({instance.n}); got {len(rules)}")
        xi = np.zeros(instance.num_profiles)
        xi[b] = 1.0
        pay = np.zeros((instance.n, instance.num_profiles, instance.num_signal_profiles, instance.d))
        sown = np.array(np.unravel_index(np.arange(instance.num_signal_profiles), instance.m))
        for i, rule in enumerate(rules):
            r = as_float_array(rule, f"rules[{i}]", shape=(instance.m[i], instance.d))
            pay[i, b] = r[sown[i]]
        return cls(xi.reshape(instance.k), pay.reshape((instance.n, *instance.k, *instance.m, instance.d)))


@dataclass(frozen=True)
class Deviation:
    """The most profitable deviation found: who, when recommended what, does what."""

    agent: int
    recommended: int
    effort: int
    reporting_map: tuple[int, ...]
    gain: float
    gain_ex_ante: float

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form."""
        return {"agent": self.agent, "recommended": self.recommended, "effort": self.effort,
                "reporting_map": list(self.reporting_map), "gain": self.gain,
                "gain_ex_ante": self.gain_ex_ante}


@dataclass(frozen=True)
class Evaluation:
    """Principal utility and incentive gains of a mechanism under a given instance.

    Attributes
    ----------
    principal_utility : float
        Expected utility net of payments under obedience and truth.
    gross_value : float
        Expected utility of the principal's actions (before payments).
    expected_payments : numpy.ndarray, shape (n,)
        Expected payment to each agent.
    max_gain : float
        Largest gain of a deviation *conditional on the recommendation* (what the agent
        faces); ``<= 0`` (up to ``tol``) means IC.
    max_gain_ex_ante : float
        The same gain weighted by the recommendation's probability (what the LP bounds).
    witness : Deviation or None
        The deviation attaining ``max_gain`` (``None`` when no effort is ever recommended).
    gains : numpy.ndarray, shape (n, k_max, k_max)
        Conditional gain for each (agent, recommended effort, deviation effort); ``-inf``
        where the recommendation has probability 0 or the effort does not exist.
    """

    principal_utility: float
    gross_value: float
    expected_payments: NDArray[np.float64]
    max_gain: float
    max_gain_ex_ante: float
    witness: Deviation | None
    gains: NDArray[np.float64] = field(repr=False)

    def is_ic(self, tol: float = IC_TOL) -> bool:
        """Whether no deviation gains more than ``tol`` (conditional on the recommendation)."""
        return self.max_gain <= tol

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form."""
        return {"principal_utility": self.principal_utility, "gross_value": self.gross_value,
                "expected_payments": self.expected_payments.tolist(), "max_gain": self.max_gain,
                "max_gain_ex_ante": self.max_gain_ex_ante,
                "witness": None if self.witness is None else self.witness.to_dict()}

    def __repr__(self) -> str:
        return (f"Evaluation(principal_utility={self.principal_utility:.6g}, max_gain={self.max_gain:.3g}, "
                f"ic={self.is_ic()})")


def flat_mechanism(instance: Instance, mechanism: _HasMechanism) -> tuple[
        NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """Validated flat ``(ξ (|B|,), γ (n, |B|, |S|, d), π (|B|, |S|))`` of a mechanism."""
    K, S, n, d = instance.num_profiles, instance.num_signal_profiles, instance.n, instance.d
    xi = as_float_array(mechanism.recommendation, "recommendation")
    if xi.size != K or xi.shape not in ((K,), tuple(instance.k)):
        raise InvalidInputError(f"recommendation: must have shape {tuple(instance.k)}; got shape {xi.shape}")
    xi = xi.ravel()
    if (xi < -1e-9).any() or abs(xi.sum() - 1.0) > 1e-6:
        raise InvalidInputError(
            f"recommendation: must be a probability distribution over profiles; got sum {xi.sum()!r} "
            f"and minimum {xi.min()!r}")
    xi = np.clip(xi, 0.0, None)
    gamma = as_float_array(mechanism.payments, "payments")
    want = (n, *instance.k, *instance.m, d)
    if gamma.shape not in (want, (n, K, S, d)):
        raise InvalidInputError(f"payments: must have shape {want}; got shape {gamma.shape}")
    if (gamma < 0).any():
        idx = tuple(int(v) for v in np.argwhere(gamma < 0)[0])
        raise InvalidInputError(f"payments: must be >= 0 (limited liability); entry {idx} is {gamma[idx]}")
    cap = instance.payment_cap
    over = gamma > cap + CAP_RTOL * max(cap, 1.0)
    if over.any():
        idx = tuple(int(v) for v in np.argwhere(over)[0])
        raise InvalidInputError(f"payments: must be <= the instance's payment_cap={cap}; entry {idx} is "
                                f"{gamma[idx]}")
    gamma = np.ascontiguousarray(gamma.reshape(n, K, S, d))
    if mechanism.actions is None:
        actions = instance.greedy_actions()
    else:
        actions = as_int_array(mechanism.actions, "actions", minimum=0, maximum=instance.n_actions - 1)
        if actions.shape not in ((*instance.k, *instance.m), (K, S)):
            raise InvalidInputError(
                f"actions: must have shape {(*instance.k, *instance.m)}; got shape {actions.shape}")
        actions = np.ascontiguousarray(actions.reshape(K, S))
    return xi, gamma, actions


def _tables(instance: Instance) -> tuple[NDArray[np.int64], ...]:
    from solvers.scoring_ic import index_tables

    cache = instance.__dict__.get("_ic_tables")
    if cache is None:
        cache = index_tables(instance.k, instance.m)
        object.__setattr__(instance, "_ic_tables", cache)
    return cache  # type: ignore[no-any-return]


def evaluate_mechanism(instance: Instance, mechanism: _HasMechanism) -> Evaluation:
    """Evaluate a mechanism on an instance: utility, incentive gains and the worst deviation.

    Parameters
    ----------
    instance : Instance
        The (true) instance.
    mechanism : Mechanism or MechanismResult
        Anything with ``recommendation``, ``payments`` and ``actions`` attributes.

    Returns
    -------
    Evaluation

    Examples
    --------
    >>> import numpy as np
    >>> from mechkit.info_acquisition.instance import binary_accuracy_instance
    >>> inst = binary_accuracy_instance([0.9], [0.1])
    >>> ev = evaluate_mechanism(inst, Mechanism.pure(inst, [1], [[[0.2, 0.0], [0.0, 0.2]]]))
    >>> round(ev.principal_utility, 9), round(ev.max_gain, 9), ev.witness.reporting_map
    (0.72, 0.02, (0, 0))
    """
    from solvers.scoring_ic import decode_map, ic_gains

    if not isinstance(instance, Instance):
        raise InvalidInputError(f"instance: must be an Instance; got {type(instance).__name__}")
    missing = [a for a in ("recommendation", "payments", "actions") if not hasattr(mechanism, a)]
    if missing:
        raise InvalidInputError(f"mechanism: must have recommendation, payments and actions attributes "
                                f"(a Mechanism or MechanismResult); {type(mechanism).__name__} lacks "
                                f"{', '.join(missing)}")
    xi, gamma, actions = flat_mechanism(instance, mechanism)
    q, u = instance.q, instance.utility
    K, S = instance.num_profiles, instance.num_signal_profiles
    util_bs = np.take_along_axis(np.einsum("bst,at->bsa", q, u), actions[:, :, None], axis=2)[:, :, 0]
    gross = float(xi @ util_bs.sum(axis=1))
    pays = np.einsum("b,ibst,bst->i", xi, gamma, q)
    kmax = max(instance.k)
    costs = np.zeros((instance.n, kmax))
    for i, c in enumerate(instance.costs):
        costs[i, : c.shape[0]] = c
    bown, bswap, sown, sswap = _tables(instance)
    gains_ex, codes = ic_gains(q, gamma, xi, costs, np.asarray(instance.k, dtype=np.int64),
                               np.asarray(instance.m, dtype=np.int64), bown, bswap, sown, sswap)
    weights = np.zeros((instance.n, kmax))
    for i in range(instance.n):
        weights[i, : instance.k[i]] = np.bincount(bown[i], weights=xi, minlength=instance.k[i])
    with np.errstate(invalid="ignore", divide="ignore"):
        cond = np.where(np.isfinite(gains_ex), gains_ex / weights[:, :, None], -np.inf)
    witness = None
    max_gain = -np.inf
    max_ex = float(gains_ex.max()) if np.isfinite(gains_ex).any() else -np.inf
    if np.isfinite(cond).any():
        i, bi, bj = (int(v) for v in np.unravel_index(int(np.argmax(cond)), cond.shape))
        max_gain = float(cond[i, bi, bj])
        witness = Deviation(i, bi, bj, decode_map(int(codes[i, bi, bj]), instance.m[i]), max_gain,
                            float(gains_ex[i, bi, bj]))
    del K, S
    return Evaluation(gross - float(pays.sum()), gross, pays, max_gain, max_ex, witness, cond)
