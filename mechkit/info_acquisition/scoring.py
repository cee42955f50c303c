"""Proper scoring rules (quadratic, logarithmic, spherical) and the signal rules they induce.

A scoring rule ``S(p, ω)`` pays a forecaster who reports the distribution ``p`` when
``ω`` occurs.  Under truth-telling the expected score is ``G(p) = Σ_ω p_ω S(p, ω)``:
``‖p‖²`` (quadratic, Brier form ``2 p_ω - ‖p‖²``), ``-H(p)`` (logarithmic ``ln p_ω``,
``-inf`` at ``p_ω = 0``) and ``‖p‖`` (spherical ``p_ω / ‖p‖``).  All three are strictly
proper (``G`` strictly convex).  :func:`induced_rule` turns a rule into a payment rule
``γ(s, θ) = S(posterior(s), θ)`` for a signal kernel, affinely rescaled into ``[0, M]``.

Examples
--------
>>> p = [0.7, 0.2, 0.1]
>>> [round(score(rule, p, 0), 6) for rule in ("quadratic", "logarithmic", "spherical")]
[0.86, -0.356675, 0.952579]
>>> round(expected_score("logarithmic", p), 6)
-0.801819
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechkit._validate import as_float_array, check_int, check_positive, check_probability_vector
from mechkit.errors import InvalidInputError
from mechkit.registry import Registry

__all__ = ["SCORING_RULES", "expected_score", "induced_rule", "score", "score_table"]

#: Registered scoring rules: name -> ``f(P) -> table`` with ``table[r, ω] = S(P[r], ω)``.
SCORING_RULES: Registry[Callable[[NDArray[np.float64]], NDArray[np.float64]]] = Registry("scoring rule")


@SCORING_RULES.register("quadratic", strictly_proper=True, bounded=True)
def _quadratic(P: NDArray[np.float64]) -> NDArray[np.float64]:
    return 2.0 * P - (P * P).sum(axis=1, keepdims=True)


@SCORING_RULES.register("logarithmic", strictly_proper=True, bounded=False)
def _logarithmic(P: NDArray[np.float64]) -> NDArray[np.float64]:
    with np.errstate(divide="ignore"):
        return np.where(P > 0, np.log(np.where(P > 0, P, 1.0)), -np.inf)


@SCORING_RULES.register("spherical", strictly_proper=True, bounded=True)
def _spherical(P: NDArray[np.float64]) -> NDArray[np.float64]:
    return P / np.sqrt((P * P).sum(axis=1, keepdims=True))


def score_table(rule: str, P: ArrayLike) -> NDArray[np.float64]:
    """``table[r, ω] = S(P[r], ω)`` for each row ``P[r]`` of a stochastic matrix.

    Examples
    --------
    >>> score_table("quadratic", [[1.0, 0.0]]).tolist()
    [[1.0, -1.0]]
    """
    f = SCORING_RULES.get(rule)
    arr = as_float_array(P, "p")
    rows = np.atleast_2d(arr)
    if rows.ndim != 2:
        raise InvalidInputError(f"p: must be a probability vector or a matrix of them; got shape {arr.shape}")
    for r in range(rows.shape[0]):
        check_probability_vector(rows[r], "p")
    return f(rows)


def score(rule: str, p: ArrayLike, outcome: int) -> float:
    """The score ``S(p, outcome)`` of rule ``rule`` (``-inf`` for the log rule at ``p_ω = 0``).

    Examples
    --------
    >>> score("logarithmic", [1.0, 0.0], 1)
    -inf
    """
    pv = check_probability_vector(p, "p")
    o = check_int(outcome, "outcome", minimum=0, maximum=pv.shape[0] - 1)
    return float(score_table(rule, pv[None, :])[0, o])


def expected_score(rule: str, p: ArrayLike) -> float:
    """Expected score under truth-telling, ``Σ_ω p_ω S(p, ω)`` (``0 · (-inf) = 0``).

    Examples
    --------
    >>> [round(expected_score(rule, [0.7, 0.2, 0.1]), 6) for rule in ("quadratic", "spherical")]
    [0.54, 0.734847]
    """
    pv = check_probability_vector(p, "p")
    table = score_table(rule, pv[None, :])[0]
    return float(np.sum(np.where(pv > 0, pv * np.where(np.isfinite(table), table, 0.0), 0.0)))


def induced_rule(
    kernel: ArrayLike,
    prior: ArrayLike,
    rule: str = "quadratic",
    *,
    payment_cap: float = 1.0,
    floor: float = 1e-3,
) -> NDArray[np.float64]:
    """Payment rule ``γ[s, θ]`` induced by a proper scoring rule, rescaled into ``[0, M]``.

    ``γ(s, θ) = a · S(posterior(· | s), θ) + b`` with ``a > 0`` and ``b`` chosen so the
    table spans ``[0, payment_cap]`` (a constant table becomes 0).  Signals of probability
    zero get the prior as posterior.  The log rule is unbounded below, so it is only
    offered when every posterior entry is at least ``floor``; flooring smaller posteriors
    would break properness (a misreport could then pay more), so such inputs are refused.

    Parameters
    ----------
    kernel : array_like, shape (d, m)
        ``kernel[θ, s] = P(s | θ)`` under the effort to be rewarded.
    prior : array_like, shape (d,)
        Prior over states.
    rule : {"quadratic", "logarithmic", "spherical"}
        The scoring rule.
    payment_cap : float, default 1.0
        ``M > 0``.
    floor : float, default 1e-3
        Smallest posterior entry the log rule accepts.

    Returns
    -------
    numpy.ndarray, shape (m, d)

    Examples
    --------
    >>> induced_rule([[0.9, 0.1], [0.1, 0.9]], [0.5, 0.5]).round(6).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    mu = check_probability_vector(prior, "prior")
    K = as_float_array(kernel, "kernel", ndim=2)
    if K.shape[0] != mu.shape[0]:
        raise InvalidInputError(f"kernel: must have shape (d={mu.shape[0]}, m); got shape {K.shape}")
    for t in range(K.shape[0]):
        check_probability_vector(K[t], f"kernel[{t}]", atol=1e-6)
    cap = check_positive(payment_cap, "payment_cap")
    fl = check_positive(floor, "floor")
    joint = mu[:, None] * K                              # (d, m)
    ps = joint.sum(axis=0)
    post = np.where(ps[None, :] > 0, joint / np.where(ps > 0, ps, 1.0)[None, :], mu[:, None]).T  # (m, d)
    if rule == "logarithmic" and float(post.min()) < fl:
        s_bad, t_bad = (int(i) for i in np.unravel_index(int(np.argmin(post)), post.shape))
        raise InvalidInputError(
            f"rule: 'logarithmic' needs every posterior entry >= floor={fl} to stay bounded and "
            f"proper; posterior of state {t_bad} after signal {s_bad} is {post[s_bad, t_bad]:.3g} "
            "(use 'quadratic' or 'spherical', or lower floor)"
        )
    table = SCORING_RULES.get(rule)(post)
    lo, hi = float(table.min()), float(table.max())
    if hi - lo <= 0:
        return np.zeros_like(table)
    return (table - lo) * (cap / (hi - lo))

