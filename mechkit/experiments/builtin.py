"""The engine's own experiments: Hedge regret curves and Wilson-interval coverage.

``experiments.hedge_regret``
    Hedge (exponential weights / multiplicative weights) with ``K`` experts against a
    seeded oblivious adversary whose losses have equal means (i.i.d. Bernoulli(1/2) or
    uniform): the classical lower-bound instance, where the regret grows like
    ``sqrt(T)``.  One task returns the regret at ``levels`` horizons ``T / 2^j``, with
    the worst-case bound of Cesa-Bianchi & Lugosi (2006), Theorems 2.2 (tuned rate
    ``sqrt(8 ln K / T)``: ``sqrt(T ln K / 2)``) and 2.3 (anytime rate
    ``sqrt(8 ln K / t)``: ``2 sqrt(T ln K / 2) + sqrt(ln K / 8)``).
``experiments.wilson_coverage``
    Whether the Wilson interval of one Binomial(n, p) draw covers ``p``: the proportion
    over seeds is the interval's coverage (exercises :func:`plot_rates`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mechkit._validate import check_choice, check_int, check_real
from mechkit.errors import InvalidInputError
from mechkit.experiments._registry import experiment
from mechkit.experiments._stats import wilson_interval

__all__ = ["hedge_expected_losses", "hedge_regret", "wilson_coverage"]


def hedge_expected_losses(losses: NDArray[np.float64], etas: NDArray[np.float64]) -> NDArray[np.float64]:
    """Hedge's expected loss per round: ``p_t · l_t`` with ``p_t ∝ exp(-eta_t L_{t-1})``.

    Parameters
    ----------
    losses : numpy.ndarray, shape (T, K)
        Loss of each expert in each round, in [0, 1].
    etas : numpy.ndarray, shape (T,)
        Learning rate of each round.

    Returns
    -------
    numpy.ndarray, shape (T,)

    Examples
    --------
    >>> hedge_expected_losses(np.array([[1.0, 0.0], [1.0, 0.0]]), np.array([1.0, 1.0]))
    array([0.5       , 0.26894142])
    """
    cum_before = np.vstack([np.zeros((1, losses.shape[1])), np.cumsum(losses, axis=0)[:-1]])
    logits = -etas[:, None] * cum_before
    logits -= logits.max(axis=1, keepdims=True)
    weights = np.exp(logits)
    weights /= weights.sum(axis=1, keepdims=True)
    return np.asarray(np.einsum("tk,tk->t", weights, losses))


@experiment(
    name="experiments.hedge_regret",
    params={"K": 10, "T": 4096, "levels": 7, "schedule": "tuned", "losses": "bernoulli"},
    index=("horizon",),
)
def hedge_regret(params: dict[str, Any], rng: np.random.Generator) -> list[dict[str, Any]]:
    """Regret of Hedge against seeded equal-mean losses at horizons T/2^j (slope 1/2)."""
    K = check_int(params["K"], "K", minimum=2)
    T = check_int(params["T"], "T", minimum=1)
    levels = check_int(params["levels"], "levels", minimum=1)
    schedule = check_choice(params["schedule"], "schedule", ("tuned", "anytime"))
    kind = check_choice(params["losses"], "losses", ("bernoulli", "uniform"))
    if T >> (levels - 1) < 1:
        raise InvalidInputError(f"levels: T / 2^(levels-1) must be >= 1; got T={T}, levels={levels}")
    losses = (rng.integers(0, 2, size=(T, K)).astype(np.float64) if kind == "bernoulli"
              else rng.random((T, K)))
    horizons = [T >> j for j in range(levels - 1, -1, -1)]
    log_k = math.log(K)
    rows = []
    if schedule == "anytime":
        t = np.arange(1, T + 1, dtype=np.float64)
        cum_hedge = np.cumsum(hedge_expected_losses(losses, np.sqrt(8.0 * log_k / t)))
        cum_best = np.cumsum(losses, axis=0).min(axis=1)
    for h in horizons:
        if schedule == "anytime":
            hedge, best = float(cum_hedge[h - 1]), float(cum_best[h - 1])
            bound = 2.0 * math.sqrt(h * log_k / 2.0) + math.sqrt(log_k / 8.0)
        else:
            eta = np.full(h, math.sqrt(8.0 * log_k / h))
            hedge = float(hedge_expected_losses(losses[:h], eta).sum())
            best = float(losses[:h].sum(axis=0).min())
            bound = math.sqrt(h * log_k / 2.0)
        regret = hedge - best
        rows.append({"horizon": h, "regret": regret, "avg_regret": regret / h, "bound": bound,
                     "hedge_loss": hedge, "best_loss": best})
    return rows


@experiment(name="experiments.wilson_coverage", params={"n": 30, "p": 0.1, "level": 0.95})
def wilson_coverage(params: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Whether the Wilson interval of one Binomial(n, p) draw covers p."""
    n = check_int(params["n"], "n", minimum=1)
    p = check_real(params["p"], "p")
    if not 0.0 <= p <= 1.0:
        raise InvalidInputError(f"p: must lie in [0, 1]; got {p}")
    k = int(rng.binomial(n, p))
    lo, hi = wilson_interval(k, n, params["level"])
    return {"k": k, "lower": float(lo), "upper": float(hi), "covered": bool(lo <= p <= hi)}
