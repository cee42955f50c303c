"""The multi-carrier power-control game and its contraction certificate.

Index convention (fixed throughout mechkit): ``gains[r, q, k] = |H_rq(k)|^2`` is the
**power** gain from transmitter ``r`` to receiver ``q`` on carrier ``k`` -- *the first
index is the source*.  Data in the other convention (``[receiver, transmitter, k]``, as
Yu-Ginis-Cioffi's crosstalk ``alpha_ij`` "from j into i") goes through
:func:`transpose_users` first.  Budgets are totals: ``sum_k p[q, k] <= budgets[q]``.
Rates are in nats.

User ``q``'s normalised interference is
``w_q(k) = (noise[q, k] + sum_{r != q} gains[r, q, k] p[r, k]) / gains[q, q, k]``
(``inf`` where ``gains[q, q, k] = 0``: a forbidden carrier) and its best response is the
water-filling of ``w_q`` (:func:`mechkit.water_filling.water_fill`).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechkit._validate import as_float_array, check_int, check_real
from mechkit.errors import InvalidInputError

__all__ = [
    "ContractionCertificate",
    "NoGuaranteeWarning",
    "PowerGame",
    "transpose_users",
]

_HINT = "pass power gains |H|^2 (not complex or signed amplitudes)"
_NORMALISE = ("normalise the data: water-filling is scale-covariant (p -> t p, noise -> t noise, "
              "budgets -> t budgets; gains -> gains / t)")


class NoGuaranteeWarning(UserWarning):
    """rho(S^max) >= 1: uniqueness and convergence are not guaranteed (nor excluded)."""


def transpose_users(gains: ArrayLike) -> NDArray[np.float64]:
    """Swap the two user axes: ``[receiver, transmitter, k]`` <-> ``[transmitter, receiver, k]``.

    Parameters
    ----------
    gains : array_like, shape (K, K, N)
        Power gains in one convention.

    Returns
    -------
    numpy.ndarray
        A contiguous copy in the other convention.

    Examples
    --------
    >>> import numpy as np
    >>> g = np.arange(8.0).reshape(2, 2, 2)
    >>> transpose_users(g)[0, 1].tolist() == g[1, 0].tolist()
    True
    """
    raw = np.asarray(gains)
    if np.iscomplexobj(raw):
        raise InvalidInputError(f"gains: must be real, got complex dtype {raw.dtype}; {_HINT}")
    g = as_float_array(raw, "gains", ndim=3)
    if g.shape[0] != g.shape[1]:
        raise InvalidInputError(f"gains: must have shape (K, K, N); got shape {g.shape}")
    return np.ascontiguousarray(g.transpose(1, 0, 2))


def _broadcast(x: ArrayLike, shape: tuple[int, ...], name: str, allow_inf: bool = False
               ) -> NDArray[np.float64]:
    arr = np.asarray(x)
    if np.iscomplexobj(arr):
        raise InvalidInputError(f"{name}: must be real; got complex dtype {arr.dtype}")
    if arr.ndim == 0:
        v = check_real(arr.item(), name, finite=not allow_inf)
        return np.full(shape, v)
    return as_float_array(arr, name, shape=shape, allow_inf=allow_inf)


@dataclass(frozen=True, repr=False)
class ContractionCertificate:
    """The weighted block-max-norm contraction certificate of the WF map.

    With ``S = S^max`` and ``rho = rho(S) < 1``, pick ``c = (rho + 1) / 2`` and
    ``weights = (c Id - S)^{-1} 1 > 0``; then
    ``||WF(p) - WF(p')||_w <= factor ||p - p'||_w`` with
    ``||p||_w = max_q ||p_q||_2 / weights[q]`` and ``factor = max_q (S w)_q / w_q < 1``,
    for all profiles that put no power on unusable carriers (every image ``WF(p)`` is such a
    profile, so the bounds hold from the first iterate on).

    Attributes
    ----------
    rho : float
        Spectral radius of ``S^max``.
    certified : bool
        Whether a contraction factor < 1 was certified.
    factor : float
        The certified factor (``nan`` when not certified).
    weights : numpy.ndarray
        The norm weights (normalised to max 1; ones when not certified).
    message : str
        A one-line explanation ("no guarantee" when ``rho >= 1``).
    """

    rho: float
    certified: bool
    factor: float
    weights: NDArray[np.float64]
    message: str

    def norm(self, x: ArrayLike) -> float:
        """The weighted block-max norm ``max_q ||x_q||_2 / weights[q]`` of ``x`` (shape (K, N))."""
        xv = as_float_array(x, "x", shape=(self.weights.shape[0], None))
        return float(np.max(np.linalg.norm(xv, axis=1) / self.weights))

    def a_posteriori_bound(self, step: float) -> float:
        """Bound ``factor / (1 - factor) * step`` on ``||p^(n) - p*||_w`` from a step size."""
        s = check_real(step, "step")
        if s < 0:
            raise InvalidInputError(f"step: must be >= 0 (a norm); got {s}")
        if not self.certified:
            return math.inf
        return self.factor / (1.0 - self.factor) * s

    def a_priori_bound(self, n: int, initial_distance: float) -> float:
        """Bound ``factor^n * initial_distance`` on ``||p^(n) - p*||_w``."""
        nn = check_int(n, "n", minimum=0)
        d0 = check_real(initial_distance, "initial_distance")
        if d0 < 0:
            raise InvalidInputError(f"initial_distance: must be >= 0 (a norm); got {d0}")
        return self.factor**nn * d0 if self.certified else math.inf

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python version."""
        return {"rho": self.rho, "certified": self.certified, "factor": self.factor,
                "weights": self.weights.tolist(), "message": self.message}

    def __repr__(self) -> str:
        if self.certified:
            return f"ContractionCertificate(rho={self.rho:.6g}, factor={self.factor:.6g})"
        return f"ContractionCertificate(rho={self.rho:.6g}, no guarantee)"


class PowerGame:
    """K users sharing N carriers, each maximising its rate by water-filling.

    Parameters
    ----------
    gains : array_like, shape (K, K, N)
        Power gains, ``gains[r, q, k]`` from transmitter ``r`` to receiver ``q`` (first
        index = source; see :func:`transpose_users`).  Finite, ``>= 0``, real.
    noise : array_like, shape (K, N), or float
        Noise power at each receiver and carrier, finite and ``> 0``.
    budgets : array_like, shape (K,), or float
        Total power per user, finite and ``>= 0``.
    caps : array_like, shape (K, N), or float, optional
        Spectral-mask caps in ``[0, inf]`` (default none).
    allow_idle : bool, default False
        Accept users with a positive budget and no usable carrier (they stay silent).
    dtype : {"float64", "float32"}, default "float64"
        Storage of ``gains`` for the sweeps.  ``"float32"`` halves memory traffic; the
        game is then the one with float32-rounded gains (all results refer to it).

    Examples
    --------
    >>> import numpy as np
    >>> G = np.array([[[1.0, 1.0], [0.5, 0.5]], [[0.5, 0.5], [1.0, 1.0]]])
    >>> game = PowerGame(G, noise=[[0.1, 0.3], [0.1, 0.3]], budgets=1.0)
    >>> game.K, game.N, round(game.spectral_radius(), 6)
    (2, 2, 0.5)
    >>> game.best_response(np.full((2, 2), 0.5), 0).round(6).tolist()
    [0.6, 0.4]
    """

    def __init__(
        self,
        gains: ArrayLike,
        noise: ArrayLike,
        budgets: ArrayLike,
        caps: ArrayLike | None = None,
        *,
        allow_idle: bool = False,
        dtype: str = "float64",
    ) -> None:
        raw = np.asarray(gains)
        if np.iscomplexobj(raw):
            raise InvalidInputError(f"gains: must be real, got complex dtype {raw.dtype}; {_HINT}")
        G = as_float_array(raw, "gains", ndim=3)
        K, K2, N = G.shape
        if K != K2:
            raise InvalidInputError(f"gains: must have shape (K, K, N); got shape {G.shape}")
        if (G < 0).any():
            idx = tuple(int(i) for i in np.argwhere(G < 0)[0])
            raise InvalidInputError(f"gains: entries must be >= 0; entry {idx} is {G[idx]}; {_HINT}")
        if dtype not in ("float64", "float32"):
            raise InvalidInputError(f"dtype: must be one of 'float64', 'float32'; got {dtype!r}")
        G64 = G
        if dtype == "float32":
            if G.max() > np.finfo(np.float32).max:
                raise InvalidInputError(f"gains: too large for float32; {_NORMALISE}")
            G = np.ascontiguousarray(G, dtype=np.float32)
        sig = _broadcast(noise, (K, N), "noise")
        if (sig <= 0).any():
            idx = tuple(int(i) for i in np.argwhere(sig <= 0)[0])
            raise InvalidInputError(
                f"noise: entries must be > 0 (zero noise makes the rate unbounded); entry {idx} "
                f"is {sig[idx]}")
        P = _broadcast(budgets, (K,), "budgets")
        if (P < 0).any():
            i = int(np.argwhere(P < 0)[0][0])
            raise InvalidInputError(f"budgets: entries must be >= 0; entry ({i},) is {P[i]}")
        cap = np.full((K, N), np.inf) if caps is None else _broadcast(caps, (K, N), "caps", True)
        if (cap < 0).any():
            idx = tuple(int(i) for i in np.argwhere(cap < 0)[0])
            raise InvalidInputError(f"caps: entries must be >= 0 (inf = no cap); entry {idx} is "
                                    f"{cap[idx]}")
        direct = np.ascontiguousarray(np.einsum("qqk->qk", G), dtype=np.float64)
        usable = (direct > 0) & (cap > 0)
        idle = (~usable.any(axis=1)) & (P > 0)
        if idle.any() and not allow_idle:
            q = int(np.argwhere(idle)[0][0])
            raise InvalidInputError(
                f"gains: user {q} has budget {P[q]} but no usable carrier (all direct gains "
                "gains[q, q, :] are 0 or all caps are 0); pass allow_idle=True to keep it silent")
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            invd = np.where(direct > 0, 1.0 / np.where(direct > 0, direct, 1.0), 0.0)
            w0 = sig * invd
            worst = np.einsum("rqk,r->qk", G64, P) + sig
        if not (np.isfinite(invd).all() and np.isfinite(w0).all() and np.isfinite(worst).all()):
            raise InvalidInputError(f"gains/noise/budgets: float overflow; {_NORMALISE}")
        tiny = 1e-250
        if (sig < tiny).any() or ((P > 0) & (P < tiny)).any():
            raise InvalidInputError(f"noise/budgets: positive values below 1e-250 lose precision "
                                    f"(subnormal powers); {_NORMALISE}")
        ceff = np.where(usable, cap, 0.0)
        # private copies: the caller's arrays are never aliased nor frozen
        self._G = np.array(G, copy=True) if np.shares_memory(G, raw) else G
        self._noise = np.array(sig, copy=True)
        self._P = np.array(P, copy=True)
        self._caps = np.array(cap, copy=True)
        self._ceff = np.ascontiguousarray(ceff)
        self._invd = np.ascontiguousarray(invd)
        self._usable = usable
        self._dtype = dtype
        self._cache: dict[str, Any] = {}
        for a in (self._G, self._noise, self._P, self._caps, self._ceff, self._invd, self._usable):
            a.flags.writeable = False

    # -- data -----------------------------------------------------------------------------
    @property
    def K(self) -> int:
        """Number of users."""
        return int(self._G.shape[0])

    @property
    def N(self) -> int:
        """Number of carriers."""
        return int(self._G.shape[2])

    @property
    def gains(self) -> NDArray[Any]:
        """Power gains ``[transmitter, receiver, carrier]`` (read-only)."""
        return self._G

    @property
    def noise(self) -> NDArray[np.float64]:
        """Noise ``[receiver, carrier]`` (read-only)."""
        return self._noise

    @property
    def budgets(self) -> NDArray[np.float64]:
        """Budgets per user (read-only)."""
        return self._P

    @property
    def caps(self) -> NDArray[np.float64]:
        """Caps ``[user, carrier]`` (``inf`` = none; read-only)."""
        return self._caps

    @property
    def usable(self) -> NDArray[np.bool_]:
        """``usable[q, k]``: ``gains[q, q, k] > 0`` and ``caps[q, k] > 0``."""
        return self._usable

    @property
    def dtype(self) -> str:
        """Storage dtype of the gains."""
        return self._dtype

    def __repr__(self) -> str:
        return f"PowerGame(K={self.K}, N={self.N}, dtype={self._dtype})"

    def _kernel_args(self) -> tuple[Any, ...]:
        return (self._G, self._noise, self._invd, self._P, self._ceff)

    # -- validation of strategy profiles ----------------------------------------------------
    def check_profile(self, p: ArrayLike, name: str = "p", *, atol: float = 1e-9) -> NDArray[np.float64]:
        """Validate a feasible power profile of shape (K, N) and return it as float64.

        Feasible: ``p >= 0``, ``p <= caps`` and ``sum_k p[q, k] <= budgets[q]`` (each up to
        ``atol`` times ``max(1, budget)``).

        Examples
        --------
        >>> from mechkit.water_filling.examples import ping_pong_game
        >>> ping_pong_game().check_profile([[2.0, 0.0], [0.0, 1.0]])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        mechkit.errors.InvalidInputError: p: user 0 spends 2.0 > budget 1.0 (infeasible); ...
        """
        pv = as_float_array(p, name, shape=(self.K, self.N))
        scale = np.maximum(1.0, self._P)
        if (pv < -atol).any():
            idx = tuple(int(i) for i in np.argwhere(pv < -atol)[0])
            raise InvalidInputError(f"{name}: entries must be >= 0; entry {idx} is {pv[idx]}")
        over = pv > self._caps + atol * scale[:, None]
        if over.any():
            idx = tuple(int(i) for i in np.argwhere(over)[0])
            raise InvalidInputError(f"{name}: entry {idx} = {pv[idx]} exceeds its cap "
                                    f"{self._caps[idx]} (infeasible)")
        tot = pv.sum(axis=1)
        bad = tot > self._P + atol * scale
        if bad.any():
            q = int(np.argwhere(bad)[0][0])
            raise InvalidInputError(f"{name}: user {q} spends {tot[q]} > budget {self._P[q]} "
                                    "(infeasible); pass project_p0=True to project")
        return np.ascontiguousarray(np.maximum(pv, 0.0))

    def project(self, p: ArrayLike) -> NDArray[np.float64]:
        """Euclidean projection of each ``p[q]`` onto user ``q``'s strategy set.

        Examples
        --------
        >>> from mechkit.water_filling.examples import ping_pong_game
        >>> ping_pong_game().project([[2.0, 0.0], [-1.0, 0.5]]).tolist()
        [[1.0, 0.0], [0.0, 0.5]]
        """
        from solvers.waterfill import wf_row_select

        pv = as_float_array(p, "p", shape=(self.K, self.N))
        out = np.zeros_like(pv)
        for q in range(self.K):
            clipped = np.clip(pv[q], 0.0, self._caps[q])
            if clipped.sum() <= self._P[q]:
                out[q] = clipped
                continue
            w = pv[q].max() - pv[q] + 1.0
            wf_row_select(np.ascontiguousarray(w), float(self._P[q]), self._caps[q].copy(), out[q])
        return out

    def initial_profile(self) -> NDArray[np.float64]:
        """The uniform start: each user spreads its budget equally over its usable carriers.

        It is the water-filling of a flat ``w``, so caps are respected.

        Examples
        --------
        >>> from mechkit.water_filling.examples import ping_pong_game
        >>> ping_pong_game().initial_profile().tolist()
        [[0.5, 0.5], [0.5, 0.5]]
        """
        from solvers.waterfill import wf_rows_select

        W = np.ones((self.K, self.N))
        out = np.empty((self.K, self.N))
        wf_rows_select(W, self._P.copy(), self._ceff.copy(), out, np.empty(self.K))
        return out

    # -- the game -----------------------------------------------------------------------------
    def _powers(self, p: ArrayLike, name: str = "p") -> NDArray[np.float64]:
        """``p`` as a finite float64 array of shape (K, N) with entries ``>= 0``."""
        pv = as_float_array(p, name, shape=(self.K, self.N))
        if (pv < 0).any():
            idx = tuple(int(i) for i in np.argwhere(pv < 0)[0])
            raise InvalidInputError(f"{name}: powers must be >= 0; entry {idx} is {pv[idx]}")
        return pv

    def interference(self, p: ArrayLike) -> NDArray[np.float64]:
        """Noise plus interference ``noise[q, k] + sum_{r != q} gains[r, q, k] p[r, k]``.

        Examples
        --------
        >>> from mechkit.water_filling.examples import ping_pong_game
        >>> ping_pong_game(2.0).interference([[1.0, 0.0], [0.0, 1.0]]).tolist()
        [[0.1, 2.1], [2.1, 0.1]]
        """
        from solvers.iwf import interference, sweep_threads

        pv = self._powers(p)
        out = np.empty((self.K, self.N))
        interference(self._G, self._noise, pv, out, sweep_threads(self.K, self.N))
        return out

    def normalized_interference(self, p: ArrayLike) -> NDArray[np.float64]:
        """``w[q, k] = interference / gains[q, q, k]`` (``inf`` where the direct gain is 0).

        Examples
        --------
        >>> import numpy as np
        >>> from mechkit.water_filling import PowerGame
        >>> G = np.array([[[2.0, 0.0], [1.0, 1.0]], [[1.0, 1.0], [1.0, 1.0]]])
        >>> PowerGame(G, 0.5, 1.0).normalized_interference([[0.5, 0.5], [0.5, 0.5]]).tolist()
        [[0.5, inf], [1.0, 1.0]]
        """
        intf = self.interference(p)
        with np.errstate(divide="ignore"):
            return np.where(self._invd > 0, intf * self._invd, np.inf)

    def rates(self, p: ArrayLike) -> NDArray[np.float64]:
        """Rate of every user in nats: ``sum_k log(1 + gains[q,q,k] p[q,k] / interference[q,k])``.

        Examples
        --------
        >>> from mechkit.water_filling.examples import ping_pong_game
        >>> ping_pong_game().rates([[1.0, 0.0], [0.0, 1.0]]).round(6).tolist()
        [2.397895, 2.397895]
        """
        pv = self._powers(p)
        intf = self.interference(pv)
        direct = np.einsum("qqk->qk", self._G).astype(np.float64)
        return np.log1p(direct * pv / intf).sum(axis=1)

    def best_response(self, p: ArrayLike, q: int) -> NDArray[np.float64]:
        """User ``q``'s water-filling against the others' powers in ``p`` (its own row is ignored).

        Examples
        --------
        >>> from mechkit.water_filling.examples import ping_pong_game
        >>> ping_pong_game().best_response([[1.0, 0.0], [1.0, 0.0]], 0).tolist()
        [0.0, 1.0]
        """
        from solvers.waterfill import wf_row_select

        qq = check_int(q, "q", minimum=0, maximum=self.K - 1)
        w = np.ascontiguousarray(self.interference(p)[qq] * self._invd[qq])
        out = np.empty(self.N)
        wf_row_select(w, float(self._P[qq]), self._ceff[qq].copy(), out)
        return out

    def wf_map(self, p: ArrayLike) -> NDArray[np.float64]:
        """The simultaneous best response ``WF(p)``; its fixed points are the Nash equilibria.

        Examples
        --------
        >>> from mechkit.water_filling.examples import ping_pong_game
        >>> ping_pong_game().wf_map([[1.0, 0.0], [1.0, 0.0]]).tolist()
        [[0.0, 1.0], [0.0, 1.0]]
        """
        from solvers.iwf import sweep_threads, wf_map

        pv = self._powers(p)
        out = np.empty_like(pv)
        wf_map(*self._kernel_args(), pv, out, np.empty_like(pv), sweep_threads(self.K, self.N))
        return out

    def ne_residual(self, p: ArrayLike) -> float:
        """Fixed-point residual ``max_{q,k} |p - WF(p)|`` in power units (0 iff ``p`` is a NE).

        Examples
        --------
        >>> from mechkit.water_filling.examples import ping_pong_game
        >>> ping_pong_game().ne_residual([[1.0, 0.0], [0.0, 1.0]])
        0.0
        """
        pv = self._powers(p)
        return float(np.max(np.abs(self.wf_map(pv) - pv)))

    def ni_gap(self, p: ArrayLike) -> float:
        """Nikaido-Isoda gap ``max_q [rate_q(WF_q(p_-q), p_-q) - rate_q(p)]`` in nats (>= 0).

        Examples
        --------
        >>> from mechkit.water_filling.examples import ping_pong_game
        >>> round(ping_pong_game().ni_gap([[1.0, 0.0], [1.0, 0.0]]), 6)
        2.008431
        """
        pv = self._powers(p)
        br = self.wf_map(pv)
        intf = self.interference(pv)
        direct = np.einsum("qqk->qk", self._G).astype(np.float64)
        gain = np.log1p(direct * br / intf).sum(axis=1) - np.log1p(direct * pv / intf).sum(axis=1)
        return float(max(0.0, gain.max()))

    # -- certificates -------------------------------------------------------------------------
    def interference_matrix(self) -> NDArray[np.float64]:
        """``S^max[q, r] = max_{k in D_q and D_r} gains[r, q, k] / gains[q, q, k]`` (0 diagonal).

        ``D_q`` is user ``q``'s usable carrier set.  Rows and columns of users with a zero
        budget are 0 (they never move, so they cannot spoil the contraction).

        Examples
        --------
        >>> from mechkit.water_filling.examples import cyclic_game
        >>> cyclic_game(1.5, 0.0).interference_matrix().tolist()
        [[0.0, 1.5, 0.0], [0.0, 0.0, 1.5], [1.5, 0.0, 0.0]]
        """
        if "S" not in self._cache:
            K = self.K
            S = np.zeros((K, K))
            for r in range(K):                           # one (K, N) slab at a time
                ratio = self._G[r].astype(np.float64) * self._invd      # [q, k] = G[r,q,k]/G[q,q,k]
                both = self._usable & self._usable[r][None, :]
                S[:, r] = np.where(both, ratio, 0.0).max(axis=1)
            np.fill_diagonal(S, 0.0)
            off = self._P <= 0
            S[off, :] = 0.0
            S[:, off] = 0.0
            S.flags.writeable = False
            self._cache["S"] = S
        return self._cache["S"]

    def spectral_radius(self) -> float:
        """``rho(S^max)``; ``< 1`` guarantees a unique NE and convergence of every schedule.

        Examples
        --------
        >>> from mechkit.water_filling.examples import ping_pong_game
        >>> round(ping_pong_game(2.0).spectral_radius(), 12)
        2.0
        """
        if "rho" not in self._cache:
            S = self.interference_matrix()
            self._cache["rho"] = float(np.max(np.abs(np.linalg.eigvals(S)))) if S.size else 0.0
        return self._cache["rho"]

    def contraction_certificate(self, c: float | None = None) -> ContractionCertificate:
        """Certify that the WF map contracts in a weighted block-max norm (when ``rho < 1``).

        Parameters
        ----------
        c : float, optional
            Target factor in ``(rho, 1)``; default ``(rho + 1) / 2``.

        Returns
        -------
        ContractionCertificate
            With ``certified=False`` and a "no guarantee" message when ``rho >= 1`` (the
            condition is sufficient, not necessary: this is not a divergence claim).

        Examples
        --------
        >>> import numpy as np
        >>> from mechkit.water_filling.examples import ping_pong_game
        >>> cert = ping_pong_game(0.5).contraction_certificate()
        >>> cert.certified, round(cert.factor, 6)
        (True, 0.5)
        >>> ping_pong_game(1.0).contraction_certificate().certified
        False
        """
        key = ("cert", c)
        if key not in self._cache:
            self._cache[key] = self._certificate(c)
        return self._cache[key]

    def _certificate(self, c: float | None) -> ContractionCertificate:
        rho = self.spectral_radius()
        K = self.K

        def no_guarantee(why: str) -> ContractionCertificate:
            return ContractionCertificate(
                rho, False, math.nan, np.ones(K),
                f"no guarantee: {why} (a sufficient condition fails; the NE may still be "
                "unique and IWF may still converge)")

        if rho >= 1.0:
            return no_guarantee(f"rho(S^max) = {rho:.6g} >= 1")
        at_edge = f"rho(S^max) = {rho!r} is numerically 1, no factor < 1 can be certified"
        if c is None:
            cc = (rho + 1.0) / 2.0
            if not rho < cc < 1.0:
                return no_guarantee(at_edge)
        else:
            cc = check_real(c, "c")
            if not rho < cc < 1.0:
                raise InvalidInputError(f"c: must lie in (rho, 1) = ({rho:.6g}, 1); got {cc}")
        S = self.interference_matrix()
        try:
            w = np.linalg.solve(cc * np.eye(K) - S, np.ones(K))
        except np.linalg.LinAlgError:
            w = np.full(K, np.nan)
        if not (np.isfinite(w).all() and (w > 0).all()):
            if c is None:
                return no_guarantee(at_edge)
            raise InvalidInputError("c: (cI - S^max)^-1 1 is not positive; choose c closer to 1")
        w = w / w.max()
        # round the factor up by the float error of S @ w so that S w <= factor w holds
        # exactly (proofs/water_filling_contraction.py checks it in rational arithmetic)
        factor = float(np.max(S @ w / w) * (1.0 + 8.0 * (K + 1) * np.finfo(float).eps))
        if not factor < 1.0:
            # rounding pushed the certified factor to 1 or above: nothing is certified
            if c is None:
                return no_guarantee(at_edge)
            raise InvalidInputError(f"c: the certified factor is {factor!r} >= 1; choose c "
                                    "closer to rho")
        return ContractionCertificate(
            rho, True, factor, w,
            f"WF is a {factor:.6g}-contraction in the weighted block-max norm (rho = {rho:.6g})")

    def warn_if_no_guarantee(self, stacklevel: int = 2) -> None:
        """Emit :class:`NoGuaranteeWarning` when no contraction factor < 1 can be certified.

        That is ``rho(S^max) >= 1``, or ``rho`` so close to 1 that rounding leaves no
        certified factor below 1.
        """
        rho = self.spectral_radius()
        if rho >= 1.0:
            warnings.warn(
                f"rho(S^max) = {rho:.6g} >= 1: no convergence/uniqueness guarantee",
                NoGuaranteeWarning, stacklevel=stacklevel + 1)
        elif not self.contraction_certificate().certified:
            warnings.warn(
                f"rho(S^max) = {rho!r} is numerically 1: no convergence/uniqueness guarantee",
                NoGuaranteeWarning, stacklevel=stacklevel + 1)
