"""Small statistics used by the plots and the built-in experiments (numpy only)."""

from __future__ import annotations

import statistics

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechkit._validate import as_float_array, check_real
from mechkit.errors import InvalidInputError

__all__ = ["fit_loglog_slope", "wilson_interval"]


def wilson_interval(
    k: ArrayLike, n: ArrayLike, level: float = 0.95
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Wilson score interval for a binomial proportion ``k / n``.

    Parameters
    ----------
    k, n : array_like
        Successes and trials (``0 <= k <= n``, ``n >= 1``), broadcast together.
    level : float, default 0.95
        Confidence level in (0, 1).

    Returns
    -------
    (lower, upper) : tuple of numpy.ndarray
        The interval bounds, inside [0, 1], with the broadcast shape of ``k`` and ``n``.

    Examples
    --------
    >>> lo, hi = wilson_interval(7, 10)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.3968, 0.8922)
    >>> [round(float(b), 4) for b in (*wilson_interval(0, 8, 0.9), *wilson_interval(8, 8, 0.9))]
    [0.0, 0.2527, 0.7473, 1.0]
    >>> wilson_interval(3, 2)
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: k: must satisfy 0 <= k <= n; got k=3.0, n=2.0
    """
    level = check_real(level, "level")
    if not 0.0 < level < 1.0:
        raise InvalidInputError(f"level: must lie in (0, 1); got {level}")
    shape = np.broadcast_shapes(np.shape(k), np.shape(n))
    kk, nn = (np.broadcast_to(as_float_array(a, name).reshape(np.shape(a)), shape)
              for a, name in ((k, "k"), (n, "n")))
    if (nn < 1).any():
        raise InvalidInputError(f"n: must be >= 1; got {nn[nn < 1].flat[0]}")
    bad = (kk < 0) | (kk > nn)
    if bad.any():
        i = np.argwhere(bad)[0]
        raise InvalidInputError(f"k: must satisfy 0 <= k <= n; got k={kk[tuple(i)]}, n={nn[tuple(i)]}")
    z = statistics.NormalDist().inv_cdf(0.5 + level / 2.0)
    z2 = z * z
    denom = nn + z2
    center = (kk + z2 / 2.0) / denom
    half = z / denom * np.sqrt(kk * (nn - kk) / nn + z2 / 4.0)
    # exact endpoints: the interval of k = 0 starts at 0 and that of k = n ends at 1
    # (in floating point center - half is 1e-17 or so, which would not cover p = 0)
    lower = np.where(kk == 0, 0.0, np.clip(center - half, 0.0, 1.0))
    upper = np.where(kk == nn, 1.0, np.clip(center + half, 0.0, 1.0))
    return lower, upper


def fit_loglog_slope(x: ArrayLike, y: ArrayLike) -> tuple[float, float]:
    """Least-squares line through ``(log x, log y)``: returns ``(slope, intercept)``.

    Points with ``x <= 0`` or ``y <= 0`` are left out; at least two distinct ``x`` must remain.

    Examples
    --------
    >>> slope, intercept = fit_loglog_slope([1, 4, 16], [3, 6, 12])
    >>> round(slope, 12), round(float(np.exp(intercept)), 12)
    (0.5, 3.0)
    """
    xs = as_float_array(x, "x", ndim=1, finite=False)
    ys = as_float_array(y, "y", ndim=1, finite=False, shape=(xs.size,))
    keep = np.isfinite(xs) & np.isfinite(ys) & (xs > 0) & (ys > 0)
    lx, ly = np.log(xs[keep]), np.log(ys[keep])
    if np.unique(lx).size < 2:
        raise InvalidInputError(
            "x, y: need at least two distinct positive x with positive y to fit a slope; got "
            f"{int(keep.sum())} usable points"
        )
    slope, intercept = np.polyfit(lx, ly, 1)
    return float(slope), float(intercept)
