"""Moving-phantom budget aggregation (Freeman et al. 2021), exact breakpoint search (numba).

``moving_phantoms_batch(X, family)`` takes ``X`` of shape ``(B, n, m)`` (agent ``i``'s
report on the simplex over ``m`` projects in ``X[b, i]``) and returns the aggregate
``(B, m)`` and the phantom time ``t*`` ``(B,)``.  Phantom families:

* ``family == 0`` -- Independent Markets: ``f_k(t) = min(t (n - k), 1)``;
* ``family == 1`` -- welfare-maximizing: ``f_k(t) = clip(t (n + 1) - k, 0, 1)``.

Between consecutive candidate times (phantom kinks and the times a phantom meets a
report) the order of all points is fixed, so ``S(t) = sum_j med_j(t)`` is affine there;
binary search over the sorted candidates finds the first candidate where ``S`` reaches
``1 - SUM_TOL``; if ``S`` overshoots there, ``t*`` is interpolated on the segment before.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from solvers._jit import njit

__all__ = ["SUM_TOL", "moving_phantoms_batch", "phantom_values", "total"]

#: Sums of medians within ``SUM_TOL`` of one count as one (float round-off).
SUM_TOL = 1e-12


def _phantom_values(n: int, t: float, family: int) -> NDArray[np.float64]:
    f = np.empty(n + 1)
    for k in range(n + 1):
        if family == 0:
            v = t * (n - k)
        else:
            v = t * (n + 1) - k
        f[k] = 0.0 if v < 0.0 else (1.0 if v > 1.0 else v)
    return f


phantom_values = njit(_phantom_values)


def _total(Xb: NDArray[np.float64], t: float, family: int, out: NDArray[np.float64]) -> float:
    n, m = Xb.shape
    f = phantom_values(n, t, family)
    buf = np.empty(2 * n + 1)
    s = 0.0
    for j in range(m):
        for i in range(n):
            buf[i] = Xb[i, j]
        for k in range(n + 1):
            buf[n + k] = f[k]
        med = np.sort(buf)[n]
        out[j] = med
        s += med
    return s


total = njit(_total)


def _moving_phantoms_batch(
    X: NDArray[np.float64], family: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    B, n, m = X.shape
    alloc = np.empty((B, m))
    tstar = np.empty(B)
    lo_med = np.empty(m)
    hi_med = np.empty(m)
    for b in range(B):
        Xb = X[b]
        cand = np.empty((n + 1) * (n * m + 2) + 2)
        c = 0
        cand[c] = 0.0
        c += 1
        cand[c] = 1.0
        c += 1
        for k in range(n + 1):
            if family == 0:
                if k < n:
                    cand[c] = 1.0 / (n - k)
                    c += 1
                    for i in range(n):
                        for j in range(m):
                            cand[c] = Xb[i, j] / (n - k)
                            c += 1
            else:
                cand[c] = k / (n + 1)
                c += 1
                cand[c] = (k + 1) / (n + 1)
                c += 1
                for i in range(n):
                    for j in range(m):
                        cand[c] = (Xb[i, j] + k) / (n + 1)
                        c += 1
        ts = np.unique(cand[:c])
        ts = ts[(ts >= 0.0) & (ts <= 1.0)]
        # first candidate with S >= 1
        lo = 0
        hi = ts.shape[0] - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if total(Xb, ts[mid], family, hi_med) >= 1.0 - SUM_TOL:
                hi = mid
            else:
                lo = mid + 1
        t_hi = ts[lo]
        s_hi = total(Xb, t_hi, family, hi_med)
        if lo == 0 or s_hi <= 1.0 + SUM_TOL:
            tstar[b] = t_hi
            for j in range(m):
                alloc[b, j] = hi_med[j]
            continue
        t_lo = ts[lo - 1]
        s_lo = total(Xb, t_lo, family, lo_med)
        w = (1.0 - s_lo) / (s_hi - s_lo)  # s_lo < 1 - SUM_TOL < 1 + SUM_TOL < s_hi
        tstar[b] = t_lo + w * (t_hi - t_lo)
        for j in range(m):
            alloc[b, j] = lo_med[j] + w * (hi_med[j] - lo_med[j])
    return alloc, tstar


moving_phantoms_batch = njit(_moving_phantoms_batch)
