"""Hypothesis strategies shared by the water-filling tests."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from mechkit.water_filling import PowerGame


@st.composite
def small_games(draw: st.DrawFn, max_k: int = 3, max_n: int = 4, caps: bool = False,
                dtypes: tuple[str, ...] = ("float64",)) -> PowerGame:
    """Random dense games: exponential gains with a strong direct link, sometimes sparse,
    sometimes capped (carrier 0 never capped), gains stored in one of ``dtypes``."""
    K = draw(st.integers(1, max_k))
    N = draw(st.integers(1, max_n))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    G = rng.exponential(draw(st.sampled_from([0.05, 0.3, 1.0])), size=(K, K, N))
    for q in range(K):
        G[q, q] = 0.5 + rng.exponential(1.0, size=N)
    if draw(st.booleans()):
        G[rng.random((K, K, N)) < 0.2] = 0.0
        for q in range(K):
            G[q, q, rng.integers(0, N)] = 1.0
    noise = rng.uniform(0.05, 1.0, size=(K, N))
    P = rng.uniform(0.1, 3.0, size=K)
    cap = None
    if caps and draw(st.booleans()):
        cap = np.where(rng.random((K, N)) < 0.5, rng.uniform(0.05, 2.0, size=(K, N)), np.inf)
        cap[:, 0] = np.inf
    return PowerGame(G, noise, P, cap, dtype=draw(st.sampled_from(dtypes)))
