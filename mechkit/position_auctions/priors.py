"""Value distributions with (ironed) virtual values for Myerson's mechanism.

Each prior exposes ``cdf``, ``pdf``, ``ppf`` (the quantile function ``F^{-1}``),
``virtual_value`` (Myerson's ``phi``),
``ironed_virtual_value`` (``phi_bar``, non-decreasing), ``threshold(t)`` (the smallest
value whose ironed virtual value reaches ``t``: the generalized inverse used for critical
bids), ``sample`` and ``support``.  Continuous priors represent ``phi_bar`` as a list of
segments ``phi_bar(v) = alpha + beta v`` on ``[v_lo, v_hi)``.

* :class:`Uniform` ``[lo, hi]``: ``phi = 2 v - hi`` (regular).
* :class:`Exponential` ``(rate)``: ``phi = v - 1/rate`` (regular).
* :class:`PiecewiseUniform` (piecewise-constant density): ``phi = 2 v - c_k`` on each
  piece; irregular where the density drops, so it is **ironed**: ``H(u) = int_0^u
  phi(F^{-1}(s)) ds`` is replaced by its lower convex envelope (computed on a quantile grid
  that contains every piece boundary, refined to ``grid`` points per piece) and
  ``phi_bar(v) = H_bar'(F(v))`` is constant on the ironed intervals.
* :class:`Discrete` ``(values, probs)``: ``phi(v_k) = v_k - (v_{k+1} - v_k)(1 - F(v_k)) /
  f(v_k)``, ironed on the revenue curve in quantile space.

Bids outside a prior's support raise by default (``outside="raise"``); ``"clamp"``
evaluates ``phi_bar`` at the nearest support point (still monotone, so a type inside the
support gains nothing by any report).  Critical bids stay inside the support, so an ad
shown at a bid *below* the support would pay more than its bid: :func:`myerson` raises
``InvalidInputError`` for it.

Examples
--------
>>> U = Uniform(0.0, 1.0)
>>> U.ironed_virtual_value(0.8), U.threshold(0.0)
(0.6000000000000001, 0.5)
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechkit._validate import (
    as_float_array,
    check_choice,
    check_in_range,
    check_int,
    check_positive,
    check_real,
)
from mechkit.errors import InvalidInputError
from mechkit.random import SeedLike, as_generator

__all__ = [
    "Discrete",
    "Exponential",
    "PiecewiseUniform",
    "Prior",
    "Uniform",
]

OUTSIDE = ("raise", "clamp")


def _check_quantiles(u: ArrayLike) -> NDArray[np.float64]:
    """``u`` as a float array with every entry in ``[0, 1]`` (NaN refused)."""
    arr = as_float_array(u, "u", allow_empty=True)
    check_in_range(arr, "u", 0.0, 1.0)
    return arr


@dataclass(frozen=True)
class _Segment:
    lo: float
    hi: float
    alpha: float
    beta: float


class _SegmentRule:
    """A (pseudo-)virtual-value rule given by its segment representation of ``phi_bar``.

    Holds everything that needs only ``phi_bar``: the ironed virtual value, ironed
    intervals and critical-bid thresholds.  :class:`Prior` adds the distribution.
    """

    segments: tuple[_Segment, ...]
    lo: float
    hi: float
    outside: str = "raise"

    # -- shared
    @property
    def support(self) -> tuple[float, float]:
        """``(lo, hi)``; ``hi`` may be ``inf``."""
        return (self.lo, self.hi)

    @property
    def is_regular(self) -> bool:
        """True when no ironing was needed."""
        return not self.ironed_intervals

    @property
    def ironed_intervals(self) -> tuple[tuple[float, float, float], ...]:
        """``(v_lo, v_hi, phi_bar)`` for every ironed (flat) interval."""
        return tuple((s.lo, s.hi, s.alpha) for s in self.segments
                     if s.beta == 0.0 and s.hi > s.lo)

    def _check_values(self, v: ArrayLike, name: str = "v") -> NDArray[np.float64]:
        arr = as_float_array(v, name, allow_empty=True)
        if self.outside == "raise":
            bad = (arr < self.lo - 1e-12 * max(1.0, abs(self.lo))) | (
                arr > self.hi + 1e-12 * max(1.0, abs(self.hi)))
            if bad.any():
                x = arr[bad].ravel()[0]
                raise InvalidInputError(
                    f"{name}: bid {x} is outside the prior's support [{self.lo}, {self.hi}] "
                    "(pass outside='clamp' to the prior to evaluate at the nearest support point)"
                )
        return np.clip(arr, self.lo, self.hi)

    def ironed_virtual_value(self, v: ArrayLike) -> NDArray[np.float64]:
        """``phi_bar(v)``, non-decreasing; equal to ``phi`` for regular priors."""
        arr = self._check_values(v)
        out = np.empty_like(arr)
        flat = arr.ravel()
        res = out.ravel()
        for k, x in enumerate(flat):
            res[k] = self._phi_bar_scalar(float(x))
        return out

    def _phi_bar_scalar(self, x: float) -> float:
        segs = self.segments
        for s in segs:
            if x < s.hi:
                return s.alpha + s.beta * x
        last = segs[-1]
        return last.alpha + last.beta * x

    def threshold(self, t: float) -> float:
        """``inf {v in support : phi_bar(v) >= t}`` (``hi`` if never reached).

        This maps a critical virtual value to a critical bid; at an ironed flat or a jump
        of ``phi_bar`` it lands on the start of the flat or on the jump point.  When the
        critical virtual value *is* the value of a flat, the bidder reaches the CTR only at
        the start or only at the end of the flat depending on the allocation's tie rule;
        :func:`~mechkit.position_auctions.myerson` resolves that case by re-solving at the
        flat's value.
        """
        t = check_real(t, "t")
        for s in self.segments:
            if s.beta == 0.0:
                if s.alpha >= t:
                    return s.lo
                continue
            top = s.alpha + s.beta * s.hi
            if top >= t or math.isinf(s.hi):
                return max(s.lo, (t - s.alpha) / s.beta)
        return self.hi


class Prior(_SegmentRule, ABC):
    """Base class: a value distribution with a segment representation of ``phi_bar``."""

    @abstractmethod
    def cdf(self, v: ArrayLike) -> NDArray[np.float64]:
        """Cumulative distribution function."""

    @abstractmethod
    def pdf(self, v: ArrayLike) -> NDArray[np.float64]:
        """Density (or mass for :class:`Discrete`)."""

    @abstractmethod
    def ppf(self, u: ArrayLike) -> NDArray[np.float64]:
        """Quantile function ``F^{-1}(u) = inf {v : F(v) >= u}`` for ``u`` in ``[0, 1]``.

        ``ppf(0)`` is the lower end of the support and ``ppf(1)`` the upper end (``inf``
        for :class:`Exponential`).  Vectorised; a scalar ``u`` gives a float.
        """

    @abstractmethod
    def virtual_value(self, v: ArrayLike) -> NDArray[np.float64]:
        """Myerson's virtual value ``phi(v) = v - (1 - F(v)) / f(v)``."""

    @abstractmethod
    def sample(self, size: int, seed: SeedLike = None) -> NDArray[np.float64]:
        """Draw ``size`` values."""

    @abstractmethod
    def mean(self) -> float:
        """Expected value."""


class Uniform(Prior):
    """Uniform on ``[lo, hi]`` (``phi = 2 v - hi``).

    Parameters
    ----------
    lo, hi : float
        ``lo < hi``, finite, ``lo >= 0``.
    outside : {"raise", "clamp"}, default "raise"

    Examples
    --------
    >>> Uniform(0, 10).virtual_value([5.0, 7.0]).tolist()
    [0.0, 4.0]
    """

    def __init__(self, lo: float, hi: float, *, outside: str = "raise") -> None:
        self.lo = check_real(lo, "lo")
        self.hi = check_real(hi, "hi")
        if self.lo < 0:
            raise InvalidInputError(f"lo: values must be non-negative; got {self.lo}")
        if not self.lo < self.hi:
            raise InvalidInputError(f"hi: must be > lo; got lo={self.lo}, hi={self.hi}")
        self.outside = check_choice(outside, "outside", OUTSIDE)
        self.segments = (_Segment(self.lo, self.hi, -self.hi, 2.0),)

    def cdf(self, v: ArrayLike) -> NDArray[np.float64]:
        """``F(v)``."""
        x = as_float_array(v, "v", allow_empty=True)
        return np.clip((x - self.lo) / (self.hi - self.lo), 0.0, 1.0)

    def pdf(self, v: ArrayLike) -> NDArray[np.float64]:
        """``f(v)``."""
        x = as_float_array(v, "v", allow_empty=True)
        return np.where((x >= self.lo) & (x <= self.hi), 1.0 / (self.hi - self.lo), 0.0)

    def ppf(self, u: ArrayLike) -> NDArray[np.float64]:
        """``F^{-1}(u) = lo + u (hi - lo)``.

        Examples
        --------
        >>> Uniform(2, 6).ppf([0.0, 0.25, 1.0]).tolist()
        [2.0, 3.0, 6.0]
        """
        q = _check_quantiles(u)
        return np.clip(self.lo + q * (self.hi - self.lo), self.lo, self.hi)

    def virtual_value(self, v: ArrayLike) -> NDArray[np.float64]:
        """``2 v - hi``."""
        return 2.0 * self._check_values(v) - self.hi

    def sample(self, size: int, seed: SeedLike = None) -> NDArray[np.float64]:
        """Draw ``size`` values."""
        size = check_int(size, "size", minimum=0)
        return as_generator(seed).uniform(self.lo, self.hi, size)

    def mean(self) -> float:
        """Expected value."""
        return 0.5 * (self.lo + self.hi)

    def __repr__(self) -> str:
        return f"Uniform({self.lo:g}, {self.hi:g})"


class Exponential(Prior):
    """Exponential with ``rate > 0`` on ``[0, inf)`` (``phi = v - 1/rate``).

    Examples
    --------
    >>> float(Exponential(2.0).threshold(0.0))
    0.5
    """

    def __init__(self, rate: float, *, outside: str = "raise") -> None:
        self.rate = check_positive(rate, "rate")
        self.lo, self.hi = 0.0, math.inf
        self.outside = check_choice(outside, "outside", OUTSIDE)
        self.segments = (_Segment(0.0, math.inf, -1.0 / self.rate, 1.0),)

    def cdf(self, v: ArrayLike) -> NDArray[np.float64]:
        """``F(v)``."""
        x = as_float_array(v, "v", allow_empty=True)
        return np.where(x < 0, 0.0, -np.expm1(-self.rate * np.maximum(x, 0.0)))

    def pdf(self, v: ArrayLike) -> NDArray[np.float64]:
        """``f(v)``."""
        x = as_float_array(v, "v", allow_empty=True)
        return np.where(x < 0, 0.0, self.rate * np.exp(-self.rate * np.maximum(x, 0.0)))

    def ppf(self, u: ArrayLike) -> NDArray[np.float64]:
        """``F^{-1}(u) = -log(1 - u) / rate`` (``inf`` at ``u = 1``).

        Examples
        --------
        >>> Exponential(2.0).ppf([0.0, 0.5, 1.0]).tolist()
        [0.0, 0.34657359027997264, inf]
        """
        q = _check_quantiles(u)
        with np.errstate(divide="ignore"):
            return -np.log1p(-q) / self.rate

    def virtual_value(self, v: ArrayLike) -> NDArray[np.float64]:
        """``v - 1/rate``."""
        return self._check_values(v) - 1.0 / self.rate

    def sample(self, size: int, seed: SeedLike = None) -> NDArray[np.float64]:
        """Draw ``size`` values."""
        size = check_int(size, "size", minimum=0)
        return as_generator(seed).exponential(1.0 / self.rate, size)

    def mean(self) -> float:
        """Expected value."""
        return 1.0 / self.rate

    def __repr__(self) -> str:
        return f"Exponential(rate={self.rate:g})"


def _lower_hull(x: NDArray[np.float64], y: NDArray[np.float64]) -> list[int]:
    """Indices of the lower convex hull of points sorted by ``x`` (monotone chain)."""
    hull: list[int] = []
    for k in range(len(x)):
        while len(hull) >= 2:
            i, j = hull[-2], hull[-1]
            cross = (x[j] - x[i]) * (y[k] - y[i]) - (y[j] - y[i]) * (x[k] - x[i])
            if cross <= 0.0:
                hull.pop()
            else:
                break
        hull.append(k)
    return hull


class PiecewiseUniform(Prior):
    """Piecewise-constant density: ``densities[k]`` on ``[breaks[k], breaks[k+1])``.

    Parameters
    ----------
    breaks : array_like, shape (K + 1,)
        Strictly increasing, ``breaks[0] >= 0``.
    densities : array_like, shape (K,)
        Positive densities integrating to 1 (``atol``); a zero density inside the support
        is refused.
    atol : float, default 1e-6
        Tolerance on the total mass (the masses are then renormalised exactly).
    grid : int, default 200
        Quantile grid points per piece for the convex envelope.
    outside : {"raise", "clamp"}, default "raise"

    Examples
    --------
    >>> F = PiecewiseUniform([0, 1, 10, 11, 12], [0.5, 1 / 30, 0.01, 0.19])
    >>> [(round(a, 2), round(b, 2), round(c, 3)) for a, b, c in F.ironed_intervals]
    [(0.0, 6.49, -3.012), (8.3, 11.0, 0.605)]
    >>> F.threshold(0.8)
    11.0
    """

    def __init__(self, breaks: ArrayLike, densities: ArrayLike, *, atol: float = 1e-6,
                 grid: int = 200, outside: str = "raise") -> None:
        a = as_float_array(breaks, "breaks", ndim=1)
        f = as_float_array(densities, "densities", ndim=1)
        if a.shape[0] != f.shape[0] + 1:
            raise InvalidInputError(f"densities: must have len(breaks) - 1 = {a.shape[0] - 1} "
                                    f"entries; got {f.shape[0]}")
        if f.shape[0] < 1:
            raise InvalidInputError("breaks: need at least two break points")
        if np.any(np.diff(a) <= 0):
            raise InvalidInputError(f"breaks: must be strictly increasing; got {a.tolist()}")
        if a[0] < 0:
            raise InvalidInputError(f"breaks: values must be non-negative; got {a[0]}")
        if np.any(f <= 0):
            k = int(np.flatnonzero(f <= 0)[0])
            raise InvalidInputError(f"densities: must be positive inside the support; entry "
                                    f"({k},) is {f[k]}")
        mass = f * np.diff(a)
        total = float(mass.sum())
        atol = check_positive(atol, "atol")
        if abs(total - 1.0) > atol:
            raise InvalidInputError(f"densities: must integrate to 1 (atol {atol}); integrate "
                                    f"to {total}")
        self.grid = check_int(grid, "grid", minimum=2)
        self.outside = check_choice(outside, "outside", OUTSIDE)
        f = f / total
        self.breaks, self.densities = a, f
        self.lo, self.hi = float(a[0]), float(a[-1])
        self._F = np.concatenate([[0.0], np.cumsum(f * np.diff(a))])
        self._F[-1] = 1.0
        self.segments = self._iron()

    # phi on piece k: v - (1 - F(v))/f_k = 2 v - c_k with c_k = a_k + (1 - F_k)/f_k
    def _c(self, k: int) -> float:
        return float(self.breaks[k] + (1.0 - self._F[k]) / self.densities[k])

    def _iron(self) -> tuple[_Segment, ...]:
        a, f, F = self.breaks, self.densities, self._F
        us, hs, piece = [0.0], [0.0], [0]
        H = 0.0
        for k in range(len(f)):
            u = np.linspace(F[k], F[k + 1], self.grid + 1)[1:]
            # phi(u) on piece k = 2 v(u) - c_k, v(u) = a_k + (u - F_k)/f_k (linear in u)
            ck = self._c(k)

            def phi(uu: NDArray[np.float64], k: int = k, ck: float = ck) -> NDArray[np.float64]:
                return 2.0 * (a[k] + (uu - F[k]) / f[k]) - ck

            prev = np.concatenate([[F[k]], u[:-1]])
            inc = 0.5 * (phi(prev) + phi(u)) * (u - prev)  # exact: phi is linear in u
            Hk = H + np.cumsum(inc)
            us.extend(u.tolist())
            hs.extend(Hk.tolist())
            piece.extend([k] * len(u))
            H = float(Hk[-1])
        x, y = np.asarray(us), np.asarray(hs)
        hull = _lower_hull(x, y)
        segs: list[_Segment] = []
        scale = max(1.0, float(np.max(np.abs(y))))
        # walk the hull; an edge that skips points with a visible gap is an ironed flat,
        # whose tangent points are then solved exactly (H is quadratic on each piece)
        for e in range(len(hull) - 1):
            i, j = hull[e], hull[e + 1]
            if j == i + 1:
                continue
            slope = (y[j] - y[i]) / (x[j] - x[i])
            chord = y[i] + slope * (x[i + 1:j] - x[i])
            if np.max(y[i + 1:j] - chord) <= 1e-11 * scale:
                continue
            u1, u2, s_exact = self._refine_bridge(float(x[i]), float(x[j]), float(slope))
            segs.append(_Segment(self._v_of_u(u1), self._v_of_u(u2), s_exact, 0.0))
        # merge touching flats with the same value
        merged: list[_Segment] = []
        for s in segs:
            if merged and abs(merged[-1].hi - s.lo) < 1e-12 and abs(merged[-1].alpha - s.alpha) \
                    <= 1e-9 * max(1.0, abs(s.alpha)):
                merged[-1] = _Segment(merged[-1].lo, s.hi, merged[-1].alpha, 0.0)
            else:
                merged.append(s)
        out: list[_Segment] = []
        cur = self.lo
        for s in merged:
            out.extend(self._analytic(cur, s.lo))
            out.append(s)
            cur = s.hi
        out.extend(self._analytic(cur, self.hi))
        return tuple(out)

    def _alpha_beta(self, k: int) -> tuple[float, float]:
        """``phi(u) = alpha + beta u`` on piece ``k`` in quantile space."""
        a, F, f = self.breaks, self._F, self.densities
        beta = 2.0 / f[k]
        return float(2.0 * a[k] - 2.0 * F[k] / f[k] - self._c(k)), float(beta)

    def _H(self, u: float) -> float:
        F = self._F
        k = min(max(int(np.searchsorted(F, u, side="right") - 1), 0), len(self.densities) - 1)
        total = 0.0
        for i in range(k):
            al, be = self._alpha_beta(i)
            total += al * (F[i + 1] - F[i]) + 0.5 * be * (F[i + 1] ** 2 - F[i] ** 2)
        al, be = self._alpha_beta(k)
        return total + al * (u - F[k]) + 0.5 * be * (u * u - F[k] ** 2)

    def _refine_bridge(self, x1: float, x2: float, s0: float) -> tuple[float, float, float]:
        """Exact tangent points of the bridge found on the grid between ``x1`` and ``x2``."""
        from scipy.optimize import brentq

        F = self._F
        K = len(self.densities)
        kA = min(max(int(np.searchsorted(F, x1, side="right") - 1), 0), K - 1)
        kB = min(max(int(np.searchsorted(F, x2, side="left") - 1), 0), K - 1)
        aA, bA = self._alpha_beta(kA)
        aB, bB = self._alpha_beta(kB)

        def pts(s: float) -> tuple[float, float]:
            u1 = min(max((s - aA) / bA, F[kA]), F[kA + 1])
            u2 = min(max((s - aB) / bB, F[kB]), F[kB + 1])
            return u1, u2

        def G(s: float) -> float:
            u1, u2 = pts(s)
            return self._H(u2) - self._H(u1) - s * (u2 - u1)

        width = max(1.0, abs(s0))
        lo, hi = s0 - 1e-3 * width, s0 + 1e-3 * width
        for _ in range(60):
            if G(lo) > 0 and G(hi) < 0:
                s = float(brentq(G, lo, hi, xtol=1e-15 * width, rtol=1e-15, maxiter=200))
                u1, u2 = pts(s)
                return u1, u2, s
            lo, hi = s0 - 2 * (s0 - lo), s0 + 2 * (hi - s0)
        return x1, x2, s0  # pragma: no cover - the grid bridge is already exact

    def _analytic(self, lo: float, hi: float) -> list[_Segment]:
        out = []
        a = self.breaks
        for k in range(len(self.densities)):
            s_lo, s_hi = max(lo, a[k]), min(hi, a[k + 1])
            if s_hi > s_lo:
                out.append(_Segment(float(s_lo), float(s_hi), -self._c(k), 2.0))
        return out

    def _v_of_u(self, u: float) -> float:
        F, a, f = self._F, self.breaks, self.densities
        k = int(np.searchsorted(F, u, side="right") - 1)
        k = min(max(k, 0), len(f) - 1)
        v = a[k] + (u - F[k]) / f[k]
        # snap to a break point when within round-off
        near = a[np.argmin(np.abs(a - v))]
        return float(near if abs(near - v) <= 1e-9 * max(1.0, abs(v)) else v)

    def cdf(self, v: ArrayLike) -> NDArray[np.float64]:
        """``F(v)``."""
        x = as_float_array(v, "v", allow_empty=True)
        return np.interp(x, self.breaks, self._F)

    def pdf(self, v: ArrayLike) -> NDArray[np.float64]:
        """``f(v)``."""
        x = as_float_array(v, "v", allow_empty=True)
        k = np.clip(np.searchsorted(self.breaks, x, side="right") - 1, 0, len(self.densities) - 1)
        inside = (x >= self.lo) & (x <= self.hi)
        return np.where(inside, self.densities[k], 0.0)

    def ppf(self, u: ArrayLike) -> NDArray[np.float64]:
        """``F^{-1}(u)``: piecewise linear, through ``(F(breaks[k]), breaks[k])``.

        Examples
        --------
        >>> PiecewiseUniform([0, 1, 3], [0.5, 0.25]).ppf([0.0, 0.25, 0.75, 1.0]).tolist()
        [0.0, 0.5, 2.0, 3.0]
        """
        return np.interp(_check_quantiles(u), self._F, self.breaks)

    def virtual_value(self, v: ArrayLike) -> NDArray[np.float64]:
        """Un-ironed ``phi(v) = 2 v - c_k`` on piece ``k``."""
        x = self._check_values(v)
        k = np.clip(np.searchsorted(self.breaks, x, side="right") - 1, 0, len(self.densities) - 1)
        c = np.array([self._c(i) for i in range(len(self.densities))])
        return 2.0 * x - c[k]

    def unironed_threshold(self, t: float) -> float:
        """``inf {v : phi(v) >= t}`` with the *un-ironed* ``phi`` (for comparison only).

        ``phi`` is not monotone for irregular priors, so this is not a valid critical bid.
        """
        t = check_real(t, "t")
        for k in range(len(self.densities)):
            ck = self._c(k)
            lo, hi = self.breaks[k], self.breaks[k + 1]
            if 2 * hi - ck >= t:
                return float(max(lo, (t + ck) / 2))
        return self.hi

    def sample(self, size: int, seed: SeedLike = None) -> NDArray[np.float64]:
        """Draw ``size`` values (inverse CDF)."""
        size = check_int(size, "size", minimum=0)
        u = as_generator(seed).random(size)
        return np.interp(u, self._F, self.breaks)  # the quantile function

    def mean(self) -> float:
        """Expected value."""
        a, f = self.breaks, self.densities
        return float(np.sum(f * (a[1:] ** 2 - a[:-1] ** 2) / 2))

    def __repr__(self) -> str:
        return f"PiecewiseUniform(breaks={self.breaks.tolist()}, densities={self.densities.tolist()})"


class Discrete(Prior):
    """Finite support ``values`` with probabilities ``probs``.

    Virtual values ``phi(v_k) = v_k - (v_{k+1} - v_k) (1 - F(v_k)) / f(v_k)`` (``phi`` of
    the top value is the value itself), ironed by the convex envelope of the revenue curve
    in quantile space.  Bids must be support points.

    Examples
    --------
    >>> D = Discrete([1.0, 2.0], [0.5, 0.5])
    >>> D.virtual_value([1.0, 2.0]).tolist()
    [0.0, 2.0]
    >>> D.threshold(1.0)
    2.0
    """

    def __init__(self, values: ArrayLike, probs: ArrayLike, *, atol: float = 1e-9) -> None:
        v = as_float_array(values, "values", ndim=1)
        p = as_float_array(probs, "probs", ndim=1)
        if v.shape != p.shape:
            raise InvalidInputError(f"probs: must have the same length as values ({v.shape[0]}); "
                                    f"got {p.shape[0]}")
        if np.any(np.diff(v) <= 0):
            raise InvalidInputError(f"values: must be strictly increasing; got {v.tolist()}")
        if v[0] < 0:
            raise InvalidInputError(f"values: must be non-negative; got {v[0]}")
        if np.any(p <= 0):
            k = int(np.flatnonzero(p <= 0)[0])
            raise InvalidInputError(f"probs: must be positive; entry ({k},) is {p[k]}")
        if abs(float(p.sum()) - 1.0) > atol:
            raise InvalidInputError(f"probs: must sum to 1 (atol {atol}); sums to {p.sum()}")
        self.values, self.probs = v, p / p.sum()
        self._cum = np.cumsum(self.probs)  # F(v_k); the top value has F = 1 exactly
        self._cum[-1] = 1.0
        self.lo, self.hi = float(v[0]), float(v[-1])
        self.outside = "raise"
        surv = 1.0 - np.cumsum(self.probs)  # P(V > v_k)
        nxt = np.append(v[1:], v[-1])
        self._phi = v - (nxt - v) * surv / self.probs
        # iron: revenue curve in quantile space, q_k = P(V >= v_k)
        qs = np.concatenate([[0.0], np.cumsum(self.probs[::-1])])  # 0, p_K, ...
        R = np.concatenate([[0.0], (v[::-1] * qs[1:])])
        # phi_bar is the slope of the concave hull of R(q); lower hull of -R
        hull = _lower_hull(qs, -R)
        slopes = np.empty(len(v))
        for e in range(len(hull) - 1):
            i, j = hull[e], hull[e + 1]
            s = (R[j] - R[i]) / (qs[j] - qs[i])
            for t in range(i, j):  # q interval (qs[t], qs[t+1]] <-> value index K-1-t
                slopes[len(v) - 1 - t] = s
        self._phi_bar = slopes
        self._ironed = True
        self.segments = tuple(_Segment(float(v[k]), float(nxt[k]) if k + 1 < len(v) else math.inf,
                                       float(slopes[k]), 0.0) for k in range(len(v)))

    def _index(self, x: NDArray[np.float64]) -> NDArray[np.int64]:
        idx = np.searchsorted(self.values, x)
        idx = np.clip(idx, 0, len(self.values) - 1)
        bad = np.abs(self.values[idx] - x) > 1e-12 * np.maximum(1.0, np.abs(x))
        if bad.any():
            raise InvalidInputError(f"v: discrete prior bids must be support points "
                                    f"{self.values.tolist()}; got {x[bad].ravel()[0]}")
        return idx

    @property
    def ironed_intervals(self) -> tuple[tuple[float, float, float], ...]:
        """Groups of support points sharing one ironed virtual value."""
        out = []
        k = 0
        n = len(self.values)
        while k < n:
            j = k
            while j + 1 < n and abs(self._phi_bar[j + 1] - self._phi_bar[k]) <= 1e-12 and \
                    abs(self._phi[j + 1] - self._phi_bar[j + 1]) + abs(
                        self._phi[k] - self._phi_bar[k]) > 1e-12:
                j += 1
            if j > k:
                out.append((float(self.values[k]), float(self.values[j]), float(self._phi_bar[k])))
            k = j + 1
        return tuple(out)

    def cdf(self, v: ArrayLike) -> NDArray[np.float64]:
        """``P(V <= v)``."""
        x = as_float_array(v, "v", allow_empty=True)
        c = self._cum
        idx = np.searchsorted(self.values, x, side="right")
        return np.where(idx == 0, 0.0, c[np.maximum(idx - 1, 0)])

    def ppf(self, u: ArrayLike) -> NDArray[np.float64]:
        """Generalized inverse ``min {v_k : F(v_k) >= u}`` (``ppf(0)`` is the smallest value).

        Examples
        --------
        >>> Discrete([1.0, 2.0, 4.0], [0.25, 0.5, 0.25]).ppf([0.0, 0.25, 0.26, 1.0]).tolist()
        [1.0, 1.0, 2.0, 4.0]
        """
        idx = np.searchsorted(self._cum, _check_quantiles(u), side="left")
        return self.values[np.minimum(idx, len(self.values) - 1)]

    def pdf(self, v: ArrayLike) -> NDArray[np.float64]:
        """Probability mass at ``v``."""
        x = as_float_array(v, "v", allow_empty=True)
        return self.probs[self._index(x)]

    def virtual_value(self, v: ArrayLike) -> NDArray[np.float64]:
        """Un-ironed discrete virtual value."""
        x = as_float_array(v, "v", allow_empty=True)
        return self._phi[self._index(x)]

    def ironed_virtual_value(self, v: ArrayLike) -> NDArray[np.float64]:
        """Ironed discrete virtual value."""
        x = as_float_array(v, "v", allow_empty=True)
        return self._phi_bar[self._index(x)]

    def threshold(self, t: float) -> float:
        """Smallest support value with ``phi_bar >= t`` (``hi`` if none)."""
        t = check_real(t, "t")
        for k in range(len(self.values)):
            if self._phi_bar[k] >= t:
                return float(self.values[k])
        return self.hi

    def sample(self, size: int, seed: SeedLike = None) -> NDArray[np.float64]:
        """Draw ``size`` values."""
        size = check_int(size, "size", minimum=0)
        return as_generator(seed).choice(self.values, size=size, p=self.probs)

    def mean(self) -> float:
        """Expected value."""
        return float(self.values @ self.probs)

    def __repr__(self) -> str:
        return f"Discrete(values={self.values.tolist()}, probs={self.probs.tolist()})"


def _scalar_aware(cls: type) -> type:
    """Make the array methods of ``cls`` return a float for scalar input."""
    for name in ("cdf", "pdf", "ppf", "virtual_value", "ironed_virtual_value"):
        fn = cls.__dict__.get(name)
        if fn is None:
            continue

        def wrapped(self: Any, v: ArrayLike, _fn: Any = fn) -> Any:
            out = _fn(self, v)
            if np.ndim(v) == 0:
                return float(np.asarray(out).ravel()[0])
            return out

        wrapped.__doc__ = fn.__doc__
        wrapped.__name__ = name
        setattr(cls, name, wrapped)
    return cls


for _cls in (_SegmentRule, Uniform, Exponential, PiecewiseUniform, Discrete):
    _scalar_aware(_cls)


def check_priors(priors: Any, n: int) -> tuple[Prior, ...]:
    """Validate a sequence of ``n`` priors (one :class:`Prior` per ad).

    Examples
    --------
    >>> len(check_priors([Uniform(0, 1)] * 2, 2))
    2
    """
    if isinstance(priors, _SegmentRule):
        raise InvalidInputError("priors: must be a sequence with one prior per ad; got a "
                                "single prior (use [prior] * n)")
    try:
        seq = tuple(priors)
    except TypeError as err:
        raise InvalidInputError(f"priors: must be a sequence of priors; got {priors!r}") from err
    if len(seq) != n:
        raise InvalidInputError(f"priors: must have one prior per ad (n={n}); got {len(seq)}")
    for k, p in enumerate(seq):
        if not isinstance(p, _SegmentRule):  # a Prior, or mechkit's internal reserve rule
            raise InvalidInputError(f"priors: entry {k} must be a Prior (Uniform, Exponential, "
                                    f"PiecewiseUniform, Discrete); got {type(p).__name__}")
    return seq
