"""Vertex enumeration for worst-case approximation ratios of facility mechanisms (numba).

* ``fill_profiles(idx, C, out, anonymous)`` writes the next ``len(out)`` profiles with
  coordinates in the sorted constant set ``C`` -- multisets (non-decreasing index
  vectors, lexicographic order) when ``anonymous``, all tuples otherwise -- advancing
  the index state ``idx`` in place; returns ``(rows written, finished)``.
* ``objective_terms(X, S, probs, objective)`` returns ``(num, den)`` of the ratio for each
  profile ``X[r]`` whose outcome is the lottery ``S[r, :]`` with probabilities ``probs``
  (one column with probability 1 for deterministic mechanisms).  ``objective``:
  0 welfare ``SW*/SW``, 1 total cost ``TC/TC*``, 2 maximum cost ``MC/MC*``, where
  ``SW = n - TC``, ``TC* = TC(left median)`` and ``MC* = (max - min)/2``.
* ``nash_log_terms(X, S, probs)`` returns ``(log NW*, log E[NW], y*)`` per profile for the
  Nash welfare ``NW(y) = prod_i (1 - |y - x_i|)``.  ``log NW`` is concave in ``y`` (a sum
  of logs of positive concave functions on the convex hull of the reports, where the
  maximiser lies), so ``y*`` is found by bisection on the sign of its right derivative
  ``sum_{x_i > y} 1/u_i - sum_{x_i <= y} 1/u_i`` (non-increasing); ``log E[NW]`` is
  ``-inf`` when the mechanism's Nash welfare is zero.
* ``nash_right_derivative(x, y)`` is that right derivative (``-inf``/``inf`` at zero utilities).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from solvers._jit import njit

__all__ = ["fill_profiles", "nash_log_terms", "nash_right_derivative", "objective_terms"]

NASH_BISECTIONS = 200


def _fill_profiles(
    idx: NDArray[np.int64], C: NDArray[np.float64], out: NDArray[np.float64], anonymous: bool
) -> tuple[int, bool]:
    rows, n = out.shape
    m = C.shape[0]
    r = 0
    while r < rows:
        for i in range(n):
            out[r, i] = C[idx[i]]
        r += 1
        p = n - 1
        while p >= 0 and idx[p] == m - 1:
            p -= 1
        if p < 0:
            return r, True
        idx[p] += 1
        for q in range(p + 1, n):
            idx[q] = idx[p] if anonymous else 0
    return r, False


def _objective_terms(
    X: NDArray[np.float64], S: NDArray[np.float64], probs: NDArray[np.float64], objective: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    M, n = X.shape
    K = S.shape[1]
    num = np.empty(M)
    den = np.empty(M)
    for r in range(M):
        xs = np.sort(X[r])
        med = xs[(n - 1) // 2]
        lo = xs[0]
        hi = xs[n - 1]
        if objective == 2:
            val = 0.0
            for k in range(K):
                y = S[r, k]
                a = y - lo
                b = hi - y
                val += probs[k] * (a if a > b else b)
            num[r] = val
            den[r] = (hi - lo) / 2.0
            continue
        opt = 0.0
        for i in range(n):
            d = xs[i] - med
            opt += d if d >= 0.0 else -d
        tc = 0.0
        for k in range(K):
            y = S[r, k]
            t = 0.0
            for i in range(n):
                d = xs[i] - y
                t += d if d >= 0.0 else -d
            tc += probs[k] * t
        if objective == 0:
            num[r] = n - opt
            den[r] = n - tc
        else:
            num[r] = tc
            den[r] = opt
    return num, den


def _nash_right_derivative(x: NDArray[np.float64], y: float) -> float:
    d = 0.0
    for i in range(x.shape[0]):
        u = 1.0 - abs(y - x[i])
        if x[i] > y:
            d += 1.0 / u if u > 0.0 else np.inf
        else:
            d -= 1.0 / u if u > 0.0 else np.inf
    return d


def _log_nw(x: NDArray[np.float64], y: float) -> float:
    s = 0.0
    for i in range(x.shape[0]):
        u = 1.0 - abs(y - x[i])
        if u <= 0.0:
            return -np.inf
        s += np.log(u)
    return s


def _nash_log_terms(
    X: NDArray[np.float64], S: NDArray[np.float64], probs: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    M = X.shape[0]
    K = S.shape[1]
    lopt = np.empty(M)
    lmech = np.empty(M)
    yopt = np.empty(M)
    for r in range(M):
        x = X[r]
        lo = x.min()
        hi = x.max()
        a = lo
        b = hi
        for _ in range(NASH_BISECTIONS):
            if b - a <= 0.0:
                break
            mid = 0.5 * (a + b)
            if mid <= a or mid >= b:
                break
            if nash_right_derivative(x, mid) > 0.0:
                a = mid
            else:
                b = mid
        la = log_nw(x, a)
        lb = log_nw(x, b)
        if la >= lb:
            yopt[r] = a
            lopt[r] = la
        else:
            yopt[r] = b
            lopt[r] = lb
        # log E[NW] by log-sum-exp over the lottery's support
        mx = -np.inf
        for k in range(K):
            v = log_nw(x, S[r, k])
            if probs[k] > 0.0 and v > mx:
                mx = v
        if mx == -np.inf:
            lmech[r] = -np.inf
            continue
        acc = 0.0
        for k in range(K):
            v = log_nw(x, S[r, k])
            if probs[k] > 0.0 and v > -np.inf:
                acc += probs[k] * np.exp(v - mx)
        lmech[r] = mx + np.log(acc)
    return lopt, lmech, yopt


fill_profiles = njit(_fill_profiles)
nash_right_derivative = njit(_nash_right_derivative)
log_nw = njit(_log_nw)
nash_log_terms = njit(_nash_log_terms)
objective_terms = njit(_objective_terms)
