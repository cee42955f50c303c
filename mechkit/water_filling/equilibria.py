"""All Nash equilibria of small games by support enumeration, and local step-size analysis.

Enumeration is independent of iterative water-filling: for every user and carrier it
guesses a state -- off (``p = 0``), free (``0 < p < cap``, ``p + w = mu``) or capped
(``p = cap``) -- solves the resulting linear system for the free powers and the water
levels, and keeps the solutions that satisfy the KKT inequalities
(``w >= mu`` off, ``w + cap <= mu`` capped, ``0 <= p <= cap`` free).  A singular but
consistent system whose solution set is more than a point flags a **continuum** of
equilibria (for instance the 2-user game with cross gain exactly 1).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechkit._validate import as_float_array, check_int, check_positive
from mechkit.errors import InvalidInputError
from mechkit.water_filling.game import PowerGame

__all__ = ["Continuum", "EquilibriumSet", "LocalStepAnalysis", "enumerate_equilibria",
           "local_step_analysis", "potential_equilibrium"]

OFF, FREE, CAPPED = 0, 1, 2


@dataclass(frozen=True, repr=False)
class Continuum:
    """A face of equilibria: a support pattern whose solution set has positive dimension.

    Attributes
    ----------
    point : numpy.ndarray, shape (K, N)
        One equilibrium on the face.
    other : numpy.ndarray, shape (K, N)
        A second, different equilibrium on the same face.
    dimension : int
        Dimension of the affine solution set of the pattern (an upper bound on the
        dimension of the face).
    pattern : numpy.ndarray of int8, shape (K, N)
        States (0 off, 1 free, 2 capped).
    """

    point: NDArray[np.float64]
    other: NDArray[np.float64]
    dimension: int
    pattern: NDArray[np.int8]

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python version."""
        return {"point": self.point.tolist(), "other": self.other.tolist(),
                "dimension": self.dimension, "pattern": self.pattern.tolist()}

    def __repr__(self) -> str:
        return f"Continuum(dimension<={self.dimension})"


@dataclass(frozen=True, repr=False)
class EquilibriumSet:
    """Every Nash equilibrium found by :func:`enumerate_equilibria`.

    Attributes
    ----------
    equilibria : numpy.ndarray, shape (M, K, N)
        Isolated equilibria (distinct up to ``tol``); points of a continuum may appear too.
    continua : tuple of Continuum
        Faces with infinitely many equilibria.
    patterns_checked : int
        Support patterns solved.
    """

    equilibria: NDArray[np.float64]
    continua: tuple[Continuum, ...]
    patterns_checked: int

    @property
    def unique(self) -> bool:
        """Exactly one equilibrium and no continuum."""
        return self.equilibria.shape[0] == 1 and not self.continua

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python version."""
        return {"equilibria": self.equilibria.tolist(),
                "continua": [c.to_dict() for c in self.continua],
                "patterns_checked": self.patterns_checked, "unique": self.unique}

    def __repr__(self) -> str:
        return (f"EquilibriumSet(points={self.equilibria.shape[0]}, continua={len(self.continua)}, "
                f"unique={self.unique}, patterns={self.patterns_checked})")


def _user_options(game: PowerGame, q: int, tol: float) -> list[NDArray[np.int8]]:
    N = game.N
    P = float(game.budgets[q])
    usable = game.usable[q]
    cap = game.caps[q]
    none = np.zeros(N, dtype=np.int8)
    if P <= 0 or not usable.any():
        return [none]
    total = float(cap[usable].sum())
    if total <= P:
        return [np.where(usable, CAPPED, OFF).astype(np.int8)]
    idx = np.flatnonzero(usable)
    choices = [(OFF, FREE, CAPPED) if np.isfinite(cap[k]) else (OFF, FREE) for k in idx]
    out = []
    for combo in itertools.product(*choices):
        st = none.copy()
        st[idx] = combo
        capped_sum = float(cap[st == CAPPED].sum())
        if (st == FREE).any():
            if capped_sum < P:
                out.append(st)
        elif abs(capped_sum - P) <= tol * max(1.0, P):
            out.append(st)
    return out


def enumerate_equilibria(
    game: PowerGame, *, max_patterns: int = 200_000, tol: float = 1e-9
) -> EquilibriumSet:
    """Find every Nash equilibrium of a small game by enumerating support patterns.

    Parameters
    ----------
    game : PowerGame
        The game (cost grows like ``3^(K N)``; ``(2^N - 1)^K`` without caps).
    max_patterns : int, default 200000
        Refuse games with more patterns than this.
    tol : float, default 1e-9
        Feasibility tolerance of the KKT inequalities (relative to ``max(1, max P)``).

    Returns
    -------
    EquilibriumSet

    Raises
    ------
    InvalidInputError
        When the game has more than ``max_patterns`` patterns.

    Examples
    --------
    >>> from mechkit.water_filling.examples import ping_pong_game
    >>> eq = enumerate_equilibria(ping_pong_game(2.0))
    >>> eq.equilibria.shape[0], eq.unique
    (3, False)
    >>> len(enumerate_equilibria(ping_pong_game(1.0)).continua) > 0
    True
    """
    if not isinstance(game, PowerGame):
        raise InvalidInputError(f"game: must be a PowerGame; got {type(game).__name__}")
    cap_n = check_int(max_patterns, "max_patterns", minimum=1)
    tl = check_positive(tol, "tol")
    K, N = game.K, game.N
    scale = max(1.0, float(game.budgets.max()))
    atol = tl * scale
    options = [_user_options(game, q, tl) for q in range(K)]
    total = 1
    for o in options:
        total *= len(o)
    if total > cap_n:
        raise InvalidInputError(
            f"game: {total} support patterns exceed max_patterns={cap_n}; enumeration is for "
            "small K*N")
    G = game.gains.astype(np.float64)
    direct = np.einsum("qqk->qk", G)
    noise, P, caps = game.noise, game.budgets, game.caps
    found: list[NDArray[np.float64]] = []
    continua: list[Continuum] = []
    checked = 0
    for combo in itertools.product(*options):
        checked += 1
        st = np.array(combo)
        sol = _solve_pattern(st, G, direct, noise, P, caps, atol)
        if sol is None:
            continue
        p, other, dim = sol
        if other is not None:
            continua.append(Continuum(p, other, dim, st.astype(np.int8)))
        if not any(np.max(np.abs(p - f)) <= 10 * atol for f in found):
            found.append(p)
    eq = np.array(found).reshape(len(found), K, N)
    return EquilibriumSet(eq, tuple(continua), checked)


def _solve_pattern(st: NDArray[Any], G: NDArray[np.float64], direct: NDArray[np.float64],
                   noise: NDArray[np.float64], P: NDArray[np.float64], caps: NDArray[np.float64],
                   atol: float) -> tuple[NDArray[np.float64], NDArray[np.float64] | None, int] | None:
    """Solve one pattern; return ``(p, other_or_None, nullity)`` if it holds an equilibrium."""
    K, N = st.shape
    fixed = np.where(st == CAPPED, caps, 0.0)
    fixed = np.where(np.isfinite(fixed), fixed, 0.0)
    free = list(zip(*np.nonzero(st == FREE), strict=True))
    mu_users = [q for q in range(K) if (st[q] == FREE).any()]
    nv = len(free) + len(mu_users)
    var = {qk: i for i, qk in enumerate(free)}
    mvar = {q: len(free) + i for i, q in enumerate(mu_users)}
    # affine maps: p = p_const + p_lin @ x ; mu_q = x[mvar[q]] ; w = w_const + w_lin @ x
    p_const = fixed.copy()
    p_lin = np.zeros((K, N, nv))
    for (q, k), i in var.items():
        p_const[q, k] = 0.0
        p_lin[q, k, i] = 1.0
    cross = G.copy()
    for q in range(K):
        cross[q, q] = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(direct > 0, 1.0 / np.where(direct > 0, direct, 1.0), np.nan)
    w_const = (noise + np.einsum("rqk,rk->qk", cross, p_const)) * inv[:, :]
    w_lin = np.einsum("rqk,rki->qki", cross, p_lin) * inv[:, :, None]
    A = np.zeros((nv, nv))
    b = np.zeros(nv)
    row = 0
    for (q, k) in free:
        A[row] = p_lin[q, k] + w_lin[q, k]
        A[row, mvar[q]] -= 1.0
        b[row] = -w_const[q, k]
        row += 1
    for q in mu_users:
        A[row] = p_lin[q][st[q] == FREE].sum(axis=0)
        b[row] = P[q] - fixed[q].sum()
        row += 1
    # KKT inequalities G_ineq x <= h_ineq
    ineq_rows: list[NDArray[np.float64]] = []
    ineq_rhs: list[float] = []
    for (q, k), i in var.items():
        e = np.zeros(nv)
        e[i] = -1.0
        ineq_rows.append(e)
        ineq_rhs.append(0.0)                                   # -p <= 0
        if np.isfinite(caps[q, k]):
            ineq_rows.append(-e)
            ineq_rhs.append(float(caps[q, k]))                 # p <= cap
    for q in range(K):
        if q not in mvar:
            continue
        m = np.zeros(nv)
        m[mvar[q]] = 1.0
        for k in range(N):
            if st[q, k] == OFF and direct[q, k] > 0 and caps[q, k] > 0:
                ineq_rows.append(m - w_lin[q, k])              # mu - w <= 0
                ineq_rhs.append(float(w_const[q, k]))
            elif st[q, k] == CAPPED:
                ineq_rows.append(w_lin[q, k] - m)              # w + cap - mu <= 0
                ineq_rhs.append(float(-w_const[q, k] - caps[q, k]))
    Gi = np.array(ineq_rows).reshape(len(ineq_rows), nv)
    hi = np.array(ineq_rhs)
    if nv == 0:
        x = np.zeros(0)
        if (Gi.size == 0 or (Gi @ x <= hi + atol).all()) and _fixed_users_ok(st, w_const, caps,
                                                                            direct, atol):
            return p_const.copy(), None, 0
        return None
    _, s, vt = np.linalg.svd(A)
    rank = int((s > 1e-10 * max(1.0, s[0])).sum())
    if rank == nv:
        x = np.linalg.solve(A, b)
        if Gi.size and not (Gi @ x <= hi + atol).all():
            return None
        if not _fixed_users_ok(st, w_const + w_lin @ x, caps, direct, atol):
            return None
        p = np.maximum(p_const + p_lin @ x, 0.0)
        return p, None, 0
    return _singular(A, b, Gi, hi, vt[rank:], p_const, p_lin, st, w_const, w_lin, caps, direct,
                     atol, nv - rank)


def _fixed_users_ok(st: NDArray[Any], w: NDArray[np.float64], caps: NDArray[np.float64],
                    direct: NDArray[np.float64], atol: float) -> bool:
    """Users without free carriers: capped ones must sit below unused ones (some level fits)."""
    K = st.shape[0]
    for q in range(K):
        if (st[q] == FREE).any():
            continue
        cap_mask = (st[q] == CAPPED) & np.isfinite(caps[q])
        off_mask = (st[q] == OFF) & (direct[q] > 0) & (caps[q] > 0)
        if cap_mask.any() and off_mask.any():
            lo = float(np.max(w[q][cap_mask] + caps[q][cap_mask]))
            hi = float(np.min(w[q][off_mask]))
            if lo > hi + atol:
                return False
    return True


def _singular(A: NDArray[np.float64], b: NDArray[np.float64], Gi: NDArray[np.float64],
              hi: NDArray[np.float64], null: NDArray[np.float64], p_const: NDArray[np.float64],
              p_lin: NDArray[np.float64], st: NDArray[Any], w_const: NDArray[np.float64],
              w_lin: NDArray[np.float64], caps: NDArray[np.float64], direct: NDArray[np.float64],
              atol: float, nullity: int
              ) -> tuple[NDArray[np.float64], NDArray[np.float64] | None, int] | None:
    from scipy.optimize import linprog

    x0, *_ = np.linalg.lstsq(A, b, rcond=None)
    if np.max(np.abs(A @ x0 - b), initial=0.0) > atol:
        return None                                            # inconsistent
    nv = A.shape[1]
    bounds = [(None, None)] * nv
    A_ub = Gi if Gi.size else None
    b_ub = hi + atol if Gi.size else None
    res = linprog(np.zeros(nv), A_ub=A_ub, b_ub=b_ub, A_eq=A, b_eq=b, bounds=bounds,
                  method="highs")
    if res.status != 0:
        return None
    x = res.x
    if not _fixed_users_ok(st, w_const + w_lin @ x, caps, direct, atol):
        return None
    p = np.maximum(p_const + p_lin @ x, 0.0)
    best_other = None
    best_gap = 0.0
    for z in null:
        for sign in (1.0, -1.0):
            r = linprog(-sign * z, A_ub=A_ub, b_ub=b_ub, A_eq=A, b_eq=b, bounds=bounds,
                        method="highs")
            if r.status != 0:
                continue
            q_ = np.maximum(p_const + p_lin @ r.x, 0.0)
            gap = float(np.max(np.abs(q_ - p)))
            if gap > best_gap:
                best_gap, best_other = gap, q_
    if best_other is not None and best_gap > 100 * atol:
        return p, best_other, nullity
    return p, None, nullity


@dataclass(frozen=True, repr=False)
class LocalStepAnalysis:
    """Linearisation of damped Jacobi IWF at an equilibrium with fixed active sets.

    At ``p*`` the Jacobi map is locally affine with Jacobian ``J = -diag_q(Pi_q) C``
    (``Pi_q`` centres user ``q``'s free carriers, ``C_qr = diag(G[r,q,k] / G[q,q,k])``);
    damped steps have eigenvalues ``1 - alpha (1 - lambda_j)``.

    Attributes
    ----------
    alpha_star : float
        ``min_j 2 (1 - Re lambda_j) / |1 - lambda_j|^2`` (0 if some ``Re lambda_j >= 1``;
        ``inf`` if ``J = 0``): damped Jacobi converges locally iff ``alpha < alpha_star``.
    eigenvalues : numpy.ndarray of complex
        Eigenvalues of ``J``.
    spectral_radius : float
        ``max |lambda_j|`` (undamped Jacobi converges locally iff ``< 1``).
    free : numpy.ndarray of bool, shape (K, N)
        The free carriers at ``p*``.
    """

    alpha_star: float
    eigenvalues: NDArray[np.complex128]
    spectral_radius: float
    free: NDArray[np.bool_]

    def converges_locally(self, alpha: float) -> bool:
        """Whether damped Jacobi with constant ``alpha`` contracts near ``p*``."""
        a = check_positive(alpha, "alpha")
        return a < self.alpha_star

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python version."""
        return {"alpha_star": self.alpha_star, "spectral_radius": self.spectral_radius,
                "eigenvalues": [[float(z.real), float(z.imag)] for z in self.eigenvalues],
                "free": self.free.tolist()}

    def __repr__(self) -> str:
        return f"LocalStepAnalysis(alpha_star={self.alpha_star:.6g}, rho_J={self.spectral_radius:.6g})"


def local_step_analysis(game: PowerGame, p_star: ArrayLike, *, tol: float = 1e-9
                        ) -> LocalStepAnalysis:
    """Largest constant damping for which Jacobi IWF converges locally at the equilibrium ``p_star``.

    Parameters
    ----------
    game : PowerGame
        The game.
    p_star : array_like, shape (K, N)
        A Nash equilibrium (checked: ``max|p - WF(p)| <= 1e3 tol``).
    tol : float, default 1e-9
        A carrier is free when ``tol < p < cap - tol`` (relative to ``max(1, max P)``).

    Returns
    -------
    LocalStepAnalysis

    Examples
    --------
    >>> import numpy as np
    >>> from mechkit.water_filling.examples import cyclic_game
    >>> a = local_step_analysis(cyclic_game(1.5, 0.0), np.full((3, 2), 0.5))
    >>> round(a.alpha_star, 10), a.converges_locally(0.28), a.converges_locally(0.29)
    (0.2857142857, True, False)
    """
    if not isinstance(game, PowerGame):
        raise InvalidInputError(f"game: must be a PowerGame; got {type(game).__name__}")
    tl = check_positive(tol, "tol")
    p = as_float_array(p_star, "p_star", shape=(game.K, game.N))
    scale = max(1.0, float(game.budgets.max()))
    res = game.ne_residual(p)
    if res > 1e3 * tl * scale:
        raise InvalidInputError(f"p_star: is not a Nash equilibrium (residual {res:.3g})")
    K, N = game.K, game.N
    G = game.gains.astype(np.float64)
    direct = np.einsum("qqk->qk", G)
    free = game.usable & (p > tl * scale) & (p < game.caps - tl * scale)
    idx = [(q, k) for q in range(K) for k in range(N) if free[q, k]]
    n = len(idx)
    J = np.zeros((n, n))
    pos = {qk: i for i, qk in enumerate(idx)}
    for q in range(K):
        rows = [pos[(q, k)] for k in range(N) if free[q, k]]
        if not rows:
            continue
        m = len(rows)
        ks = [k for k in range(N) if free[q, k]]
        Pi = np.eye(m) - np.ones((m, m)) / m
        for r in range(K):
            if r == q:
                continue
            cols = [pos[(r, k)] for k in ks if free[r, k]]
            if not cols:
                continue
            C = np.zeros((m, len(cols)))
            ci = 0
            for a, k in enumerate(ks):
                if free[r, k]:
                    C[a, ci] = G[r, q, k] / direct[q, k]
                    ci += 1
            J[np.ix_(rows, cols)] = -Pi @ C
    lam = np.linalg.eigvals(J) if n else np.zeros(0, dtype=complex)
    one_minus = 1.0 - lam
    if n == 0 or np.max(np.abs(lam), initial=0.0) == 0.0:
        alpha = float("inf")
    elif (one_minus.real <= 0).any():
        alpha = 0.0
    else:
        nz = np.abs(lam) > 0
        alpha = float(np.min(2 * one_minus.real[nz] / np.abs(one_minus[nz]) ** 2))
    rho = float(np.max(np.abs(lam), initial=0.0))
    return LocalStepAnalysis(alpha, lam.astype(np.complex128), rho, free)


def potential_equilibrium(game: PowerGame, *, rtol: float = 1e-9) -> NDArray[np.float64]:
    """The NE of a *potential* game as the solution of a convex QP (cvxpy cross-check).

    When the normalised crosstalk is symmetric, ``G[r,q,k]/G[q,q,k] = G[q,r,k]/G[r,r,k]``,
    the affine variational inequality of the game (Luo-Pang) is the optimality condition of
    ``min 1/2 p'Mp + b'p`` over the strategy sets with binding budgets, where
    ``M_qq = I``, ``M_qr = diag(G[r,q,k]/G[q,q,k])`` and ``b_q(k) = noise[q,k]/G[q,q,k]``
    (usable carriers only).  With ``M`` positive definite the NE is unique.  This is a
    centralised solver independent of IWF; the interior-point solution is accurate to
    about ``1e-7``.

    Parameters
    ----------
    game : PowerGame
        A game with symmetric normalised crosstalk and positive semidefinite ``M``.
    rtol : float, default 1e-9
        Relative tolerance of the symmetry check.

    Returns
    -------
    numpy.ndarray, shape (K, N)

    Raises
    ------
    InvalidInputError
        When the crosstalk is not symmetric or ``M`` is not positive semidefinite.
    MissingDependencyError
        Without cvxpy (``pip install "mechkit[convex]"``).

    Examples
    --------
    >>> from mechkit.water_filling.examples import symmetric_two_user_game
    >>> p = potential_equilibrium(symmetric_two_user_game(0.5, [0.1, 0.3]))
    >>> bool(abs(p[0, 0] - 0.56667) < 1e-4)
    True
    """
    from mechkit._optional import import_optional

    if not isinstance(game, PowerGame):
        raise InvalidInputError(f"game: must be a PowerGame; got {type(game).__name__}")
    rt = check_positive(rtol, "rtol")
    K, N = game.K, game.N
    G = game.gains.astype(np.float64)
    direct = np.einsum("qqk->qk", G)
    usable = game.usable
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(usable[None, :, :], G / np.where(direct > 0, direct, 1.0)[None, :, :], 0.0)
    both = usable[:, None, :] & usable[None, :, :]                  # [r, q, k]
    a = np.where(both, ratio, 0.0)
    bt = np.transpose(a, (1, 0, 2))
    if not np.allclose(a, bt, rtol=rt, atol=0.0):
        raise InvalidInputError(
            "game: not a potential game (G[r,q,k]/G[q,q,k] != G[q,r,k]/G[r,r,k]); use "
            "enumerate_equilibria or solve_nash")
    P = game.budgets
    caps = game.caps
    fixed = np.zeros((K, N))
    free_users = []
    for q in range(K):
        if P[q] <= 0 or not usable[q].any():
            continue
        if caps[q][usable[q]].sum() <= P[q]:
            fixed[q] = np.where(usable[q], caps[q], 0.0)
        else:
            free_users.append(q)
    idx = [(q, k) for q in free_users for k in range(N) if usable[q, k]]
    out = fixed.copy()
    if not idx:
        return out
    n = len(idx)
    M = np.eye(n)
    pos = {qk: i for i, qk in enumerate(idx)}
    b = np.array([game.noise[q, k] / direct[q, k] for q, k in idx])
    for (q, k), i in pos.items():
        b[i] += sum(a[r, q, k] * fixed[r, k] for r in range(K) if r != q)
        for r in range(K):
            j = pos.get((r, k))
            if r != q and j is not None:
                M[i, j] = a[r, q, k]
    if np.linalg.eigvalsh((M + M.T) / 2).min() < -1e-12:
        raise InvalidInputError("game: M is not positive semidefinite; the potential QP is not "
                                "convex")
    cp = import_optional("cvxpy", extra="convex")
    x = cp.Variable(n)
    cons = [x >= 0]
    cap_vec = np.array([caps[q, k] for q, k in idx])
    finite = np.isfinite(cap_vec)
    if finite.any():
        cons.append(x[np.flatnonzero(finite)] <= cap_vec[finite])
    for q in free_users:
        sel = [pos[(q, k)] for k in range(N) if (q, k) in pos]
        cons.append(cp.sum(x[sel]) == P[q])
    prob = cp.Problem(cp.Minimize(0.5 * cp.quad_form(x, cp.psd_wrap(M)) + b @ x), cons)
    prob.solve()
    if prob.status not in ("optimal", "optimal_inaccurate") or x.value is None:
        from mechkit.errors import SolverError

        raise SolverError(f"cvxpy returned status {prob.status!r} for the potential QP")
    for (q, k), i in pos.items():
        out[q, k] = max(0.0, float(x.value[i]))
    return out
