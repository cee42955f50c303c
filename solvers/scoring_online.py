"""Round-by-round kernel of the online simulator: a greedy principal learning from samples.

During exploration the principal observes ``(s_t, θ_t)`` each round and, before the
round, acts greedily on the counts seen so far: ``a(s) = argmax_a Σ_θ n[s, θ] u[a, θ]``
(lowest index on ties).  The kernel returns the sum over rounds of the *expected* gross
utility ``Σ_s G[s, a_t(s)]`` with ``G[s, a] = Σ_θ q[s, θ] u[a, θ]`` under the true law
``q`` — an exact pseudo-utility, O(n_actions) per round.

Examples
--------
>>> import numpy as np
>>> q = np.array([[0.45, 0.05], [0.05, 0.45]])          # (s, θ)
>>> u = np.eye(2)
>>> samples = np.array([0, 3, 0, 3])                    # flat s * d + θ
>>> float(greedy_exploration_utility(samples, q, u))
2.8
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from solvers._jit import njit

__all__ = ["greedy_exploration_utility"]


def _greedy_exploration_utility(samples: NDArray[np.int64], q: NDArray[np.float64],
                                u: NDArray[np.float64]) -> float:
    S, d = q.shape
    A = u.shape[0]
    G = np.zeros((S, A))
    for s in range(S):
        for a in range(A):
            acc = 0.0
            for t in range(d):
                acc += q[s, t] * u[a, t]
            G[s, a] = acc
    score = np.zeros((S, A))
    act = np.zeros(S, dtype=np.int64)
    value = 0.0
    for s in range(S):
        value += G[s, 0]
    total = 0.0
    for r in range(samples.shape[0]):
        total += value
        s = samples[r] // d
        t = samples[r] % d
        best = 0
        for a in range(A):
            score[s, a] += u[a, t]
            if score[s, a] > score[s, best]:
                best = a
        value += G[s, best] - G[s, act[s]]
        act[s] = best
    return total


greedy_exploration_utility = njit(_greedy_exploration_utility)
