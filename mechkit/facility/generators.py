"""Seeded profile generators for facility location on ``[0, 1]``.

Random generators return a ``(B, n)`` float64 array (one profile per row) and take
``seed=`` (normalised once with :func:`mechkit.random.as_generator`).  The deterministic
ones (``endpoint_profiles``, ``grid_profiles``) return exact ``Fraction`` profiles.

Examples
--------
>>> uniform_profiles(2, 3, seed=0).shape
(2, 3)
>>> [tuple(str(v) for v in p) for p in endpoint_profiles(2)]
[('0', '0'), ('0', '1'), ('1', '1')]
>>> len(grid_profiles(3, 4))
35
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
from numpy.typing import NDArray

from mechkit._validate import check_int, check_positive, check_real
from mechkit.errors import InvalidInputError
from mechkit.random import SeedLike, as_generator

__all__ = [
    "beta_profiles",
    "clustered_profiles",
    "endpoint_profiles",
    "grid_profiles",
    "uniform_profiles",
]

MAX_GRID_PROFILES = 10_000_000


def uniform_profiles(B: int, n: int, *, seed: SeedLike = None) -> NDArray[np.float64]:
    """``B`` profiles of ``n`` i.i.d. uniform reports on ``[0, 1]``.

    Examples
    --------
    >>> bool((uniform_profiles(4, 5, seed=1) == uniform_profiles(4, 5, seed=1)).all())
    True
    """
    B = check_int(B, "B", minimum=1)
    n = check_int(n, "n", minimum=1)
    return as_generator(seed).random((B, n))


def beta_profiles(B: int, n: int, a: float = 0.5, b: float = 0.5, *,
                  seed: SeedLike = None) -> NDArray[np.float64]:
    """``B`` profiles of ``n`` i.i.d. ``Beta(a, b)`` reports (``a = b = 1/2`` favours the ends).

    Examples
    --------
    >>> beta_profiles(3, 2, seed=0).shape
    (3, 2)
    """
    B = check_int(B, "B", minimum=1)
    n = check_int(n, "n", minimum=1)
    a = check_positive(a, "a")
    b = check_positive(b, "b")
    return as_generator(seed).beta(a, b, size=(B, n))


def clustered_profiles(
    B: int,
    n: int,
    clusters: int = 2,
    spread: float = 0.05,
    *,
    tie_probability: float = 0.2,
    seed: SeedLike = None,
) -> NDArray[np.float64]:
    """Profiles whose reports gather around ``clusters`` random centres, with exact ties.

    Each report picks a centre uniformly, adds ``Normal(0, spread)`` noise and is clipped
    to ``[0, 1]`` (so the endpoints carry positive mass); with probability
    ``tie_probability`` it is placed exactly *on* its centre, so co-located groups (the
    UFS case) occur.

    Examples
    --------
    >>> X = clustered_profiles(5, 6, clusters=2, seed=3)
    >>> X.shape, bool(((0 <= X) & (X <= 1)).all())
    ((5, 6), True)
    """
    B = check_int(B, "B", minimum=1)
    n = check_int(n, "n", minimum=1)
    k = check_int(clusters, "clusters", minimum=1)
    s = check_real(spread, "spread")
    if s < 0:
        raise InvalidInputError(f"spread: must be >= 0; got {s}")
    tp = check_real(tie_probability, "tie_probability")
    if not 0 <= tp <= 1:
        raise InvalidInputError(f"tie_probability: must lie in [0, 1]; got {tp}")
    rng = as_generator(seed)
    centres = rng.random((B, k))
    pick = rng.integers(0, k, size=(B, n))
    base = np.take_along_axis(centres, pick, axis=1)
    noise = rng.normal(0.0, s, size=(B, n))
    tie = rng.random((B, n)) < tp
    return np.ascontiguousarray(np.clip(np.where(tie, base, base + noise), 0.0, 1.0))


def endpoint_profiles(n: int) -> list[tuple[Fraction, ...]]:
    """The ``n + 1`` profiles ``(0^(n-k), 1^k)``, ``k = 0..n`` (exact).

    Every UFS mechanism must output ``k/n`` on them (proportionality).

    Examples
    --------
    >>> len(endpoint_profiles(4))
    5
    """
    n = check_int(n, "n", minimum=1)
    return [tuple([Fraction(0)] * (n - k) + [Fraction(1)] * k) for k in range(n + 1)]


def grid_profiles(n: int, L: int) -> list[tuple[Fraction, ...]]:
    """All sorted profiles (multisets) of ``n`` reports on the grid ``{0, 1/L, ..., 1}``.

    There are ``C(L + n, n)`` of them; more than ten million raise.

    Examples
    --------
    >>> grid_profiles(2, 1)
    [(Fraction(0, 1), Fraction(0, 1)), (Fraction(0, 1), Fraction(1, 1)), (Fraction(1, 1), Fraction(1, 1))]
    """
    n = check_int(n, "n", minimum=1)
    L = check_int(L, "L", minimum=1)
    count = math.comb(L + n, n)
    if count > MAX_GRID_PROFILES:
        raise InvalidInputError(f"L: the grid has {count} profiles for n={n}; more than "
                                f"{MAX_GRID_PROFILES}")
    pts = [Fraction(k, L) for k in range(L + 1)]
    return list(itertools.combinations_with_replacement(pts, n))
