"""The information-acquisition instance: prior, utility, effort costs, signal kernels, cap M.

A principal with prior ``prior[θ]`` over ``d`` states and utility ``utility[a, θ]`` hires
``n`` agents.  Agent ``i`` chooses an effort ``b_i`` in ``range(k_i)`` at cost
``costs[i][b_i]`` and observes a signal ``s_i`` in ``range(m_i)``.  Signals are given

* per agent (conditionally independent given θ): ``signals=[K_1, ..., K_n]`` with
  ``K_i[b_i, θ, s_i] = P_i(s_i | b_i, θ)``; or
* jointly: ``joint_signals=P`` with ``P[b_1, ..., b_n, θ, s_1, ..., s_n] = P(s | b, θ)``.

Payments lie in ``[0, payment_cap]``; a finite cap is required for two or more agents
(without it the LP value is a supremum that no mechanism attains, design note a.3).
Costs need not be anchored at 0 (only differences matter; there is no participation
constraint).  Everything is validated on construction and stored as contiguous float64.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechkit._validate import as_float_array, check_probability_vector, check_real
from mechkit.errors import InvalidInputError

__all__ = ["Instance", "binary_accuracy_instance", "coupled_binary_instance", "random_instance"]

KERNEL_NEG_ATOL = 1e-9
KERNEL_SUM_ATOL = 1e-6


def _check_kernel_values(arr: NDArray[np.float64], name: str, signal_axes: tuple[int, ...]) -> None:
    if (arr < -KERNEL_NEG_ATOL).any():
        idx = tuple(int(i) for i in np.argwhere(arr < -KERNEL_NEG_ATOL)[0])
        raise InvalidInputError(f"{name}: must be non-negative; entry {idx} is {arr[idx]}")
    sums = arr.sum(axis=signal_axes)
    bad = np.abs(sums - 1.0) > KERNEL_SUM_ATOL
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InvalidInputError(
            f"{name}: signal probabilities must sum to 1 (atol {KERNEL_SUM_ATOL}) for every "
            f"effort and state; (effort..., state) {idx} sums to {float(sums[idx])!r}")


@dataclass(frozen=True, eq=False)
class Instance:
    """An information-acquisition instance (validated on construction).

    Parameters
    ----------
    prior : array_like, shape (d,)
        Common prior over states (a probability vector).
    utility : array_like, shape (n_actions, d)
        Principal's utility ``utility[a, θ]`` (finite reals).
    costs : sequence of array_like
        ``costs[i][b]`` is agent ``i``'s cost of effort ``b`` (finite reals).
    signals : sequence of array_like, optional
        Per-agent kernels ``signals[i][b_i, θ, s_i]`` (conditionally independent signals).
    joint_signals : array_like, optional
        Joint kernel of shape ``(k_1, ..., k_n, d, m_1, ..., m_n)``.  Exactly one of
        ``signals`` and ``joint_signals`` must be given.
    payment_cap : float, default inf
        The cap ``M >= 0`` on every payment; must be finite when ``n >= 2``.

    Attributes
    ----------
    n, k, m, d, n_actions : int / tuple of int
        Numbers of agents, efforts per agent, signals per agent, states and actions.
    is_product : bool
        Whether the signals were given per agent (conditionally independent).
    q : numpy.ndarray, shape (|B|, |S|, d)
        ``q[b, s, θ] = prior[θ] * P(s | b, θ)`` with profiles ``b`` and ``s`` flattened in C order.

    Examples
    --------
    >>> inst = binary_accuracy_instance([0.9], [0.1])
    >>> inst.n, inst.k, inst.m, inst.d
    (1, (2,), (2,), 2)
    >>> Instance([0.5, 0.5], [[1, 0], [0, 1]], [[0.0, 0.1]],
    ...          signals=[[[[0.5, 0.5], [0.5, 0.5]], [[0.9, 0.2], [0.1, 0.9]]]])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: signals[0]: signal probabilities must sum to 1 ... (1, 0) sums to 1.1
    """

    prior: NDArray[np.float64]
    utility: NDArray[np.float64]
    costs: tuple[NDArray[np.float64], ...]
    signals: tuple[NDArray[np.float64], ...] | None = None
    joint_signals: NDArray[np.float64] | None = None
    payment_cap: float = math.inf
    n: int = field(init=False)
    k: tuple[int, ...] = field(init=False)
    m: tuple[int, ...] = field(init=False)
    d: int = field(init=False)
    n_actions: int = field(init=False)
    is_product: bool = field(init=False)
    q: NDArray[np.float64] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        prior = check_probability_vector(self.prior, "prior")
        d = prior.shape[0]
        utility = as_float_array(self.utility, "utility", ndim=2)
        if utility.shape[1] != d:
            raise InvalidInputError(
                f"utility: must have shape (n_actions, {d}) to match the prior; got shape {utility.shape}")
        if isinstance(self.costs, np.ndarray) and self.costs.ndim == 1:
            raise InvalidInputError("costs: must be a sequence of per-agent cost vectors, e.g. "
                                    f"[[0.0, 0.1]]; got a 1-d array of shape {self.costs.shape}")
        try:
            raw_costs = list(self.costs)
        except TypeError as err:
            raise InvalidInputError(
                f"costs: must be a sequence of per-agent cost vectors; got {self.costs!r}") from err
        if not raw_costs:
            raise InvalidInputError("costs: need at least one agent; got an empty sequence")
        costs = tuple(as_float_array(c, f"costs[{i}]", ndim=1) for i, c in enumerate(raw_costs))
        n = len(costs)
        k = tuple(int(c.shape[0]) for c in costs)
        if (self.signals is None) == (self.joint_signals is None):
            raise InvalidInputError("signals: give exactly one of signals= (per-agent kernels) and "
                                    "joint_signals= (one joint kernel)")
        cap = self.payment_cap
        if isinstance(cap, bool) or not isinstance(cap, numbers.Real):
            raise InvalidInputError(f"payment_cap: must be a real number >= 0; got {cap!r}")
        cap = float(cap)
        if math.isnan(cap) or cap < 0:
            raise InvalidInputError(f"payment_cap: must be >= 0; got {cap}")
        if math.isinf(cap) and n >= 2:
            raise InvalidInputError(
                f"payment_cap: must be finite with two or more agents (got inf with n={n}); without a "
                "cap the LP places payments on zero-probability profiles and its value is not attained")
        signals: tuple[NDArray[np.float64], ...] | None = None
        joint: NDArray[np.float64]
        if self.signals is not None:
            if isinstance(self.signals, np.ndarray) and self.signals.dtype != object:
                raw = [self.signals[i] for i in range(self.signals.shape[0])]
            else:
                raw = list(self.signals)
            if len(raw) != n:
                raise InvalidInputError(
                    f"signals: need one kernel per agent ({n} from costs); got {len(raw)}")
            kernels = []
            for i, K in enumerate(raw):
                arr = as_float_array(K, f"signals[{i}]", ndim=3)
                if arr.shape[0] != k[i] or arr.shape[1] != d:
                    raise InvalidInputError(
                        f"signals[{i}]: must have shape (k_{i}={k[i]}, d={d}, m_{i}); got shape {arr.shape}")
                _check_kernel_values(arr, f"signals[{i}]", (2,))
                kernels.append(arr)
            signals = tuple(kernels)
            m = tuple(int(K.shape[2]) for K in kernels)
            joint = _product_kernel(kernels, d)
        else:
            arr = as_float_array(self.joint_signals, "joint_signals")
            if arr.ndim != 2 * n + 1:
                raise InvalidInputError(
                    f"joint_signals: must have {2 * n + 1} axes (k_1..k_n, d, m_1..m_n) for n={n} "
                    f"agents; got shape {arr.shape}")
            if tuple(arr.shape[:n]) != k or arr.shape[n] != d:
                raise InvalidInputError(
                    f"joint_signals: leading axes must be (efforts {k}, d={d}); got shape {arr.shape}")
            m = tuple(int(x) for x in arr.shape[n + 1:])
            _check_kernel_values(arr, "joint_signals", tuple(range(n + 1, 2 * n + 1)))
            joint = arr
        if min(m) < 1:
            raise InvalidInputError(f"signals: every agent needs at least one signal; got m={m}")
        joint = np.clip(joint, 0.0, None)
        K_, S_ = int(np.prod(k)), int(np.prod(m))
        pj = joint.reshape(K_, d, S_)
        q = np.ascontiguousarray(np.transpose(pj, (0, 2, 1)) * prior[None, None, :])
        for name, val in (("prior", prior), ("utility", utility), ("costs", costs),
                          ("signals", signals), ("joint_signals", None if signals is not None else joint),
                          ("payment_cap", cap), ("n", n), ("k", k), ("m", m), ("d", d),
                          ("n_actions", int(utility.shape[0])), ("is_product", signals is not None),
                          ("q", q)):
            object.__setattr__(self, name, val)
        object.__setattr__(self, "_joint", joint)

    # ------------------------------------------------------------------ derived views
    @property
    def joint(self) -> NDArray[np.float64]:
        """The joint kernel ``P[b_1..b_n, θ, s_1..s_n]`` (built from per-agent kernels if needed)."""
        return self._joint  # type: ignore[attr-defined,no-any-return]

    @property
    def num_profiles(self) -> int:
        """``|B|``, the number of effort profiles."""
        return int(np.prod(self.k))

    @property
    def num_signal_profiles(self) -> int:
        """``|S|``, the number of signal profiles."""
        return int(np.prod(self.m))

    def profiles(self) -> list[tuple[int, ...]]:
        """All effort profiles in the flat (C) order used by ``q`` and the results."""
        return [tuple(int(v) for v in idx) for idx in np.ndindex(*self.k)]

    def profile_index(self, profile: ArrayLike) -> int:
        """Flat index of an effort profile (validated)."""
        b = np.asarray(profile)
        if b.shape != (self.n,) or not np.issubdtype(b.dtype, np.integer):
            raise InvalidInputError(f"profile: must be {self.n} integer efforts; got {profile!r}")
        for i, (bi, ki) in enumerate(zip(b.tolist(), self.k, strict=True)):
            if not 0 <= bi < ki:
                raise InvalidInputError(f"profile: effort of agent {i} must lie in [0, {ki - 1}]; got {bi}")
        return int(np.ravel_multi_index(tuple(b.tolist()), self.k))

    def values(self) -> NDArray[np.float64]:
        """Gross value ``V(b) = Σ_s max_a Σ_θ q[b, s, θ] u[a, θ]`` of every profile (flat order)."""
        return np.asarray(np.einsum("bst,at->bsa", self.q, self.utility).max(axis=2).sum(axis=1))

    def greedy_actions(self) -> NDArray[np.int64]:
        """Principal's greedy action for every (profile, signal profile), lowest index on ties."""
        return np.asarray(np.einsum("bst,at->bsa", self.q, self.utility).argmax(axis=2), dtype=np.int64)

    def agent_marginal(self, i: int, others: ArrayLike | None = None) -> NDArray[np.float64]:
        """Agent ``i``'s own-signal kernel ``P(s_i | b_i, b_{-i}, θ)``, shape ``(k_i, d, m_i)``.

        For per-agent kernels this is ``signals[i]``; for a joint kernel, ``others`` (the
        efforts of the other agents, default all 0) fixes ``b_{-i}``.
        """
        if not 0 <= i < self.n:
            raise InvalidInputError(f"i: must lie in [0, {self.n - 1}]; got {i}")
        if self.signals is not None:
            return self.signals[i]
        rest = [0] * (self.n - 1) if others is None else [int(v) for v in np.asarray(others).ravel()]
        if len(rest) != self.n - 1:
            raise InvalidInputError(f"others: need {self.n - 1} efforts; got {others!r}")
        idx: list[Any] = [*rest[:i], slice(None), *rest[i:]]
        sub = self.joint[tuple(idx)]  # shape (k_i, d, m_1..m_n)
        axes = tuple(2 + j for j in range(self.n) if j != i)
        return np.ascontiguousarray(sub.sum(axis=axes))

    def own_marginals_consistent(self, atol: float = 1e-9) -> bool:
        """Whether each agent's own-signal law depends only on its own effort (design a.1)."""
        if self.signals is not None:
            return True
        for i in range(self.n):
            base = None
            for rest in np.ndindex(*[kj for j, kj in enumerate(self.k) if j != i]):
                marg = self.agent_marginal(i, rest)
                if base is None:
                    base = marg
                elif np.abs(marg - base).max() > atol:
                    return False
        return True

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python description (lists), enough to rebuild the instance."""
        out: dict[str, Any] = {"prior": self.prior.tolist(), "utility": self.utility.tolist(),
                               "costs": [c.tolist() for c in self.costs],
                               "payment_cap": self.payment_cap}
        if self.signals is not None:
            out["signals"] = [K.tolist() for K in self.signals]
        else:
            out["joint_signals"] = self.joint.tolist()
        return out

    def __repr__(self) -> str:
        kind = "product" if self.is_product else "joint"
        return (f"Instance(n={self.n}, k={self.k}, m={self.m}, d={self.d}, n_actions={self.n_actions}, "
                f"signals={kind}, payment_cap={self.payment_cap:g})")


def _product_kernel(kernels: list[NDArray[np.float64]], d: int) -> NDArray[np.float64]:
    """Joint kernel of conditionally independent signals, shape (k_1..k_n, d, m_1..m_n)."""
    n = len(kernels)
    out = np.ones((1,) * n + (d,) + (1,) * n)
    for i, K in enumerate(kernels):
        shape = [1] * (2 * n + 1)
        shape[i] = K.shape[0]
        shape[n] = d
        shape[n + 1 + i] = K.shape[2]
        out = out * K.reshape(shape)
    return np.ascontiguousarray(out)


def binary_accuracy_instance(
    accuracies: ArrayLike,
    costs: ArrayLike,
    *,
    payment_cap: float | None = None,
    prior: ArrayLike = (0.5, 0.5),
) -> Instance:
    """The textbook instance: binary state, guess-the-state utility, shirk-or-work agents.

    Agent ``i`` either shirks (effort 0, cost 0, uninformative signal) or works (effort 1,
    cost ``costs[i]``, signal equal to the state with probability ``accuracies[i]``);
    signals are conditionally independent; the principal earns 1 for guessing the state.

    Parameters
    ----------
    accuracies : array_like
        Accuracy ``q_i`` in ``[0, 1]`` of each working agent.
    costs : array_like
        Cost ``c_i >= 0`` of working.
    payment_cap : float, optional
        Defaults to ``inf`` for one agent and ``3.0`` for more.
    prior : array_like, default (0.5, 0.5)
        Prior over the two states.

    Returns
    -------
    Instance

    Examples
    --------
    >>> binary_accuracy_instance([0.8, 0.75], [0.05, 0.04])
    Instance(n=2, k=(2, 2), m=(2, 2), d=2, n_actions=2, signals=product, payment_cap=3)
    """
    acc = as_float_array(accuracies, "accuracies", ndim=1)
    cst = as_float_array(costs, "costs", ndim=1)
    if acc.shape != cst.shape:
        raise InvalidInputError(f"costs: need one cost per accuracy ({acc.shape[0]}); got {cst.shape[0]}")
    if ((acc < 0) | (acc > 1)).any():
        raise InvalidInputError(f"accuracies: must lie in [0, 1]; got {acc.tolist()}")
    if (cst < 0).any():
        raise InvalidInputError(f"costs: the cost of working must be >= 0; got {cst.tolist()}")
    cap = (math.inf if acc.shape[0] == 1 else 3.0) if payment_cap is None else check_real(
        payment_cap, "payment_cap", finite=False)
    kernels = []
    for qa in acc.tolist():
        kernels.append([[[0.5, 0.5], [0.5, 0.5]], [[qa, 1 - qa], [1 - qa, qa]]])
    return Instance(prior, np.eye(2), [[0.0, c] for c in cst.tolist()], signals=kernels,
                    payment_cap=cap)


def random_instance(
    n: int,
    k: int,
    m: int,
    d: int,
    *,
    n_actions: int = 3,
    payment_cap: float = 1.0,
    cost_scale: float = 0.03,
    coupling: float = 0.3,
    product: bool = False,
    seed: Any = None,
) -> Instance:
    """A random instance whose optimum buys effort (informative efforts, small costs).

    Effort ``e`` of every agent mixes an uninformative signal (same law in every state)
    with a state-revealing kernel with weight ``e / (k - 1)``, at cost
    ``cost_scale * e / (k - 1)``; the joint kernel mixes the product of these with a
    Dirichlet(0.5) joint kernel with weight ``coupling`` (``product=True``: per-agent
    kernels).  The utility is Dirichlet(0.5) noise plus a bonus for the action matching
    the state.  (A plain Dirichlet instance usually has the trivial no-effort optimum.)

    Parameters
    ----------
    n, k, m, d : int
        Agents, efforts per agent, signals per agent, states.
    n_actions : int, default 3
        Principal actions.
    payment_cap : float, default 1.0
        The cap ``M``.
    cost_scale : float, default 0.03
        Cost of the highest effort.
    coupling : float, default 0.3
        Weight of the random joint kernel (ignored with ``product=True``).
    product : bool, default False
        Return per-agent (conditionally independent) kernels.
    seed : None, int, SeedSequence or Generator
        Randomness.

    Returns
    -------
    Instance

    Examples
    --------
    >>> random_instance(2, 2, 2, 2, seed=0)
    Instance(n=2, k=(2, 2), m=(2, 2), d=2, n_actions=3, signals=joint, payment_cap=1)
    """
    from mechkit._validate import check_int
    from mechkit.random import as_generator

    n = check_int(n, "n", minimum=1)
    k = check_int(k, "k", minimum=1)
    m = check_int(m, "m", minimum=1)
    d = check_int(d, "d", minimum=1)
    n_actions = check_int(n_actions, "n_actions", minimum=1)
    cost_scale = check_real(cost_scale, "cost_scale")
    if cost_scale < 0:
        raise InvalidInputError(f"cost_scale: must be >= 0; got {cost_scale}")
    coupling = check_real(coupling, "coupling")
    if not 0.0 <= coupling <= 1.0:
        raise InvalidInputError(f"coupling: must lie in [0, 1]; got {coupling}")
    rng = as_generator(seed)
    prior = rng.dirichlet(np.full(d, 2.0))
    utility = 0.5 * rng.dirichlet(np.full(d, 0.5), size=n_actions)
    utility[np.arange(n_actions), np.arange(n_actions) % d] += 0.5
    kernels = []
    for _ in range(n):
        noise = rng.dirichlet(np.full(m, 1.0))
        reveal = rng.dirichlet(np.full(m, 0.3), size=d)
        lam = np.linspace(0.0, 1.0, k) if k > 1 else np.zeros(1)
        kernels.append(lam[:, None, None] * reveal[None] + (1 - lam)[:, None, None] * noise[None, None, :])
    costs = [cost_scale * (np.linspace(0.0, 1.0, k) if k > 1 else np.zeros(1)) for _ in range(n)]
    if product:
        return Instance(prior, utility, costs, signals=kernels, payment_cap=payment_cap)
    joint = _product_kernel(kernels, d)
    shape = joint.shape
    K, S = int(np.prod(shape[:n])), int(np.prod(shape[n + 1:]))
    rand = rng.dirichlet(np.full(S, 0.5), size=(K, d)).reshape(shape)
    joint = (1 - coupling) * joint + coupling * rand
    return Instance(prior, utility, costs, joint_signals=joint, payment_cap=payment_cap)


def coupled_binary_instance(
    rho: float,
    *,
    accuracy: float = 0.8,
    cost: float = 0.05,
    payment_cap: float = 20.0,
) -> Instance:
    """Two shirk-or-work agents whose errors coincide with probability ``rho`` when both work.

    Binary state, uniform prior, guess-the-state utility.  A working agent's signal equals
    the state with probability ``accuracy``; a shirker's signal is a fair coin.  When both
    work, the joint law is ``(1 - rho) * independent + rho * identical signals``, so each
    agent's own-signal law depends only on its own effort (the marginal assumption) and
    ``rho = 0`` gives conditionally independent signals.

    Parameters
    ----------
    rho : float
        Coupling in ``[0, 1]``.
    accuracy : float, default 0.8
        Accuracy of a working agent, in ``[0, 1]``.
    cost : float, default 0.05
        Cost of working (shirking costs 0).
    payment_cap : float, default 20.0
        The cap ``M`` (finite: two agents).

    Returns
    -------
    Instance

    Examples
    --------
    >>> coupled_binary_instance(0.5).joint[1, 1, 0].round(3).tolist()
    [[0.72, 0.08], [0.08, 0.12]]
    """
    rho = check_real(rho, "rho")
    q = check_real(accuracy, "accuracy")
    c = check_real(cost, "cost")
    if not 0.0 <= rho <= 1.0:
        raise InvalidInputError(f"rho: must lie in [0, 1]; got {rho}")
    if not 0.0 <= q <= 1.0:
        raise InvalidInputError(f"accuracy: must lie in [0, 1]; got {q}")
    P = np.zeros((2, 2, 2, 2, 2))
    unif = np.full(2, 0.5)
    for t in range(2):
        acc = np.full(2, 1.0 - q)
        acc[t] = q
        for b1 in range(2):
            for b2 in range(2):
                J = np.outer(unif if b1 == 0 else acc, unif if b2 == 0 else acc)
                if b1 == 1 and b2 == 1:
                    J = (1.0 - rho) * J + rho * np.diag(acc)
                P[b1, b2, t] = J
    return Instance([0.5, 0.5], np.eye(2), [[0.0, c], [0.0, c]], joint_signals=P, payment_cap=payment_cap)
