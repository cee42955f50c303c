"""Reference games from the design note (closed forms, converging and cycling games).

All explicit games use direct gains 1, noise 0.1 and budgets 1 unless stated.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechkit._validate import as_float_array, check_int, check_positive, check_real
from mechkit.errors import InvalidInputError
from mechkit.random import SeedLike, as_generator
from mechkit.water_filling.game import PowerGame

__all__ = [
    "cyclic_game",
    "ping_pong_game",
    "random_game",
    "symmetric_k_user_game",
    "symmetric_k_user_ne",
    "symmetric_two_user_game",
    "symmetric_two_user_ne",
    "two_user_two_carrier_ne",
]


def _nonneg(x: object, name: str) -> float:
    v = check_real(x, name)
    if v < 0:
        raise InvalidInputError(f"{name}: must be >= 0; got {v}")
    return v


def ping_pong_game(eps: float = 2.0) -> PowerGame:
    """Two users, two carriers, cross gain ``eps`` on both carriers; ``rho = eps``.

    ``eps = 2``: three NE (two orthogonal, one at 1/2 everywhere); Jacobi from
    ``p1 = p2 = (1, 0)`` oscillates with period 2.  ``eps = 1``: a continuum of NE.

    Examples
    --------
    >>> ping_pong_game(2.0).gains[0, 1].tolist()
    [2.0, 2.0]
    """
    e = _nonneg(eps, "eps")
    G = np.array([[[1.0, 1.0], [e, e]], [[e, e], [1.0, 1.0]]])
    return PowerGame(G, 0.1, 1.0)


def cyclic_game(a: float, b: float) -> PowerGame:
    """Three users, two carriers; user ``q`` hears ``q+1`` with gain ``a`` and ``q+2`` with ``b``.

    ``rho(S^max) = a + b``.  ``(1.5, 0)``: unique NE at 1/2 everywhere, undamped IWF
    cycles, damped Jacobi converges iff ``alpha < 2/7``.  ``(3, 0.1)``: unique NE and no
    constant damping converges.  ``(0.6, 0.3)``: ``rho = 0.9``, everything converges.

    Examples
    --------
    >>> round(cyclic_game(1.5, 0.0).spectral_radius(), 12)
    1.5
    """
    av = _nonneg(a, "a")
    bv = _nonneg(b, "b")
    G = np.zeros((3, 3, 2))
    for q in range(3):
        G[q, q] = 1.0
        G[(q + 1) % 3, q] = av
        G[(q + 2) % 3, q] = bv
    return PowerGame(G, 0.1, 1.0)


def symmetric_two_user_game(eps: float, n: ArrayLike, budget: float = 1.0) -> PowerGame:
    """Two users, two carriers, cross gain ``eps``, common noise ``n = (n1, n2)``, budget ``P``.

    Examples
    --------
    >>> symmetric_two_user_game(0.5, [0.1, 0.3]).noise.tolist()
    [[0.1, 0.3], [0.1, 0.3]]
    """
    e = _nonneg(eps, "eps")
    nv = as_float_array(n, "n", shape=(2,))
    G = np.array([[[1.0, 1.0], [e, e]], [[e, e], [1.0, 1.0]]])
    return PowerGame(G, np.vstack([nv, nv]), budget)


def symmetric_two_user_ne(eps: float, n: ArrayLike, budget: float = 1.0) -> NDArray[np.float64]:
    """Closed-form NE of :func:`symmetric_two_user_game`: ``p_q(1) = P/2 + (n2 - n1)/(2(1+eps))``.

    Valid (interior) while ``P (1 + eps) > |n2 - n1|``.

    Examples
    --------
    >>> round(float(symmetric_two_user_ne(0.5, [0.1, 0.3])[0, 0]), 5)
    0.56667
    """
    e = _nonneg(eps, "eps")
    nv = as_float_array(n, "n", shape=(2,))
    if (nv <= 0).any():
        raise InvalidInputError(f"n: noise must be > 0; got {nv.tolist()}")
    P = check_positive(budget, "budget")
    if not P * (1 + e) > abs(nv[1] - nv[0]):
        raise InvalidInputError("budget: the closed form needs P (1 + eps) > |n2 - n1| (interior NE)")
    x = P / 2 + (nv[1] - nv[0]) / (2 * (1 + e))
    return np.array([[x, P - x], [x, P - x]])


def two_user_two_carrier_ne(
    cross: ArrayLike, noise: ArrayLike, budgets: ArrayLike
) -> NDArray[np.float64]:
    """Closed-form interior NE of a 2-user, 2-carrier game with unit direct gains.

    Parameters
    ----------
    cross : array_like, shape (2, 2)
        ``cross[q, k]`` = gain from the other user into receiver ``q`` on carrier ``k``.
    noise : array_like, shape (2, 2)
        ``noise[q, k]``.
    budgets : array_like, shape (2,)
        Budgets.

    Returns
    -------
    numpy.ndarray, shape (2, 2)
        ``p_q = ((P_q + d_q)/2, (P_q - d_q)/2)`` with ``d`` from the design note.

    Raises
    ------
    InvalidInputError
        When the closed form is not an interior NE (``|d_q| >= P_q`` or ``s_1 s_2 = 1``).

    Examples
    --------
    >>> two_user_two_carrier_ne([[0.5, 0.5], [0.5, 0.5]], [[0.1, 0.3], [0.1, 0.3]], [1, 1]).round(5).tolist()
    [[0.56667, 0.43333], [0.56667, 0.43333]]
    """
    a = as_float_array(cross, "cross", shape=(2, 2))
    n = as_float_array(noise, "noise", shape=(2, 2))
    P = as_float_array(budgets, "budgets", shape=(2,))
    if (a < 0).any():
        raise InvalidInputError(f"cross: power gains must be >= 0; got {a.tolist()}")
    if (n <= 0).any():
        raise InvalidInputError(f"noise: must be > 0; got {n.tolist()}")
    if (P <= 0).any():
        raise InvalidInputError(f"budgets: must be > 0 for an interior NE; got {P.tolist()}")
    s = a.mean(axis=1)
    dn = n[:, 1] - n[:, 0]
    b = np.array([dn[q] + P[1 - q] / 2 * (a[q, 1] - a[q, 0]) for q in range(2)])
    den = 1 - s[0] * s[1]
    if den == 0:
        raise InvalidInputError("cross: s_1 s_2 = 1, the closed form is singular")
    d = np.array([(b[0] - s[0] * b[1]) / den, (b[1] - s[1] * b[0]) / den])
    if (np.abs(d) >= P).any():
        raise InvalidInputError(f"budgets: the closed form is not interior (|d| = {np.abs(d)} >= P)")
    return np.array([[(P[q] + d[q]) / 2, (P[q] - d[q]) / 2] for q in range(2)])


def symmetric_k_user_game(K: int, eps: float, noise: ArrayLike, budget: float = 1.0) -> PowerGame:
    """K users, all cross gains ``eps``, direct gains 1, common noise ``noise[k]``; ``rho = (K-1) eps``.

    Examples
    --------
    >>> round(symmetric_k_user_game(4, 0.2, [0.1, 0.2, 0.5]).spectral_radius(), 6)
    0.6
    """
    KK = check_int(K, "K", minimum=1)
    e = _nonneg(eps, "eps")
    nv = as_float_array(noise, "noise", ndim=1)
    N = nv.shape[0]
    G = np.full((KK, KK, N), e)
    for q in range(KK):
        G[q, q] = 1.0
    return PowerGame(G, np.tile(nv, (KK, 1)), budget)


def symmetric_k_user_ne(K: int, eps: float, noise: ArrayLike, budget: float = 1.0
                        ) -> NDArray[np.float64]:
    """The symmetric NE ``WF(noise, (1 + (K-1) eps) P) / (1 + (K-1) eps)`` of the K-user game.

    Always a NE; the unique one when ``(K - 1) eps < 1``.

    Examples
    --------
    >>> symmetric_k_user_ne(2, 0.5, [0.1, 0.3]).round(5).tolist()
    [[0.56667, 0.43333], [0.56667, 0.43333]]
    """
    from mechkit.water_filling.single import water_fill

    KK = check_int(K, "K", minimum=1)
    e = _nonneg(eps, "eps")
    nv = as_float_array(noise, "noise", ndim=1)
    P = _nonneg(budget, "budget")
    s = 1 + (KK - 1) * e
    row = water_fill(nv, s * P).p / s
    return np.tile(row, (KK, 1))


def random_game(
    K: int,
    N: int,
    *,
    rho: float | None = None,
    cross_scale: float = 0.01,
    seed: SeedLike = None,
    dtype: str = "float64",
) -> PowerGame:
    """A random dense game (the benchmark generator of the design note).

    Direct gains ``1 + Exp(1)``, cross gains ``Exp(cross_scale)``, noise ``U(0.05, 0.5)``,
    budgets ``N / 16``.  With ``rho`` the cross gains are rescaled so that
    ``rho(S^max) = rho`` exactly (``S^max`` is linear in the cross gains).

    Examples
    --------
    >>> round(random_game(5, 8, rho=0.9, seed=0).spectral_radius(), 12)
    0.9
    """
    KK = check_int(K, "K", minimum=1)
    NN = check_int(N, "N", minimum=1)
    cs = check_positive(cross_scale, "cross_scale")
    rng = as_generator(seed)
    G = rng.exponential(cs, size=(KK, KK, NN))
    idx = np.arange(KK)
    G[idx, idx, :] = 1.0 + rng.exponential(1.0, size=(KK, NN))
    noise = rng.uniform(0.05, 0.5, size=(KK, NN))
    budgets = np.full(KK, NN / 16.0)
    if rho is not None:
        target = check_positive(rho, "rho")
        if KK < 2:
            raise InvalidInputError("rho: a single user has rho = 0; it cannot be rescaled")
        S = np.zeros((KK, KK))
        for r in range(KK):                       # S^max[q, r] = max_k G[r,q,k] / G[q,q,k]
            S[:, r] = (G[r] / G[idx, idx, :]).max(axis=1)
        np.fill_diagonal(S, 0.0)
        base = float(np.max(np.abs(np.linalg.eigvals(S))))
        if base <= 0:
            raise InvalidInputError("rho: the drawn game has no interference to rescale")
        mask = ~np.eye(KK, dtype=bool)
        G[mask] *= target / base
    return PowerGame(G, noise, budgets, dtype=dtype)
