"""Batched one-dimensional facility-location rules (numba): phantom medians and friends.

Every kernel takes a C-contiguous ``float64`` array ``X`` of shape ``(B, n)`` (one
profile per row, entries in ``[0, 1]``, already validated) and returns ``(B,)``
outcomes.  The bodies are plain functions ``_name`` compiled as ``name = njit(_name)``.

* ``uniform_phantom_batch`` -- ``med(x, 0, 1/n, ..., 1)`` (``nan`` for a row holding an
  entry that is NaN, infinite or outside ``[0, 1]``: the fused input check); for ``n <= SMALL_N`` by the
  branch-free rank form ``min(1, min_i max((n - c_i)/n, x_i))`` with
  ``c_i = #{j : x_j <= x_i}``, otherwise by the O(n) counting form:
  bucket each report by the ``1/n`` grid, walk the merged order
  ``p_0, B_0, p_1, B_1, ..., p_n, B_n`` to rank ``n`` (0-based) and select inside one bucket.
  Bucket bounds are compared with the *floating* phantoms ``k / n`` so the result is
  bit-identical to the median of ``x`` and the float phantoms.
* ``phantom_median_batch`` -- median of each row together with a fixed sorted phantom vector.
* ``generalized_median_batch`` -- ``min_s max(beta_s, x_(s))`` (Moulin's anonymous form).
* ``order_statistic_batch`` -- the ``k``-th smallest (0-based) of each row.
* ``mean_batch``, ``midpoint_batch`` -- row mean, ``(min + max) / 2``.
* ``moulin_minmax_batch`` -- ``min_S max(alpha_S, max_{i in S} x_i)`` over all 2^n coalitions.
* ``ufs_clipped_median_batch`` -- the left median clipped into the UFS-feasible interval.
* ``all_in_unit_interval`` -- the fused input check (finite and in ``[0, 1]``) behind the
  public batch wrappers.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from solvers._jit import njit

#: Up to this many agents ``uniform_phantom_batch`` uses the O(n^2) branch-free rank form.
SMALL_N = 24

__all__ = [
    "SMALL_N",
    "all_in_unit_interval",
    "generalized_median_batch",
    "mean_batch",
    "midpoint_batch",
    "moulin_minmax_batch",
    "order_statistic_batch",
    "phantom_median_batch",
    "ufs_clipped_median_batch",
    "uniform_phantom_batch",
]


def _uniform_phantom_batch(X: NDArray[np.float64]) -> NDArray[np.float64]:
    B, n = X.shape
    out = np.empty(B)
    if n <= SMALL_N:
        # rank form: UP = min(1, min_i max((n - c_i)/n, x_i)), c_i = #{j : x_j <= x_i};
        # branch-free O(n^2) beats bucketing for small n
        q = np.empty(n + 1)
        for c in range(n + 1):
            q[c] = (n - c) / n
        for b in range(B):
            y = 1.0
            bad = False
            for i in range(n):
                v = X[b, i]
                bad |= not (v >= 0.0 and v <= 1.0)
                c = 0
                for j in range(n):
                    c += X[b, j] <= v
                t = q[c] if q[c] > v else v
                y = t if t < y else y
            out[b] = np.nan if bad else y
        return out
    p = np.empty(n + 2)
    for k in range(n + 1):
        p[k] = k / n
    p[n + 1] = np.inf
    nf = float(n)
    # a report whose scaled value t = x * n is farther than eps from an integer lies in
    # bucket int(t) also with respect to the rounded phantoms p_k = fl(k / n)
    eps = 8.0 * nf * 2.220446049250313e-16
    cnt = np.zeros(n + 1, dtype=np.int64)
    bkt = np.empty(n, dtype=np.int64)
    buf = np.empty(n)
    for b in range(B):
        for k in range(n + 1):
            cnt[k] = 0
        near = False
        bad = False
        for i in range(n):
            v = X[b, i]
            ok = v >= 0.0 and v <= 1.0
            bad |= not ok
            t = (v if ok else 0.0) * nf
            k = int(t)
            f = t - k
            near |= (f < eps) | (f > 1.0 - eps)
            bkt[i] = k
            cnt[k] += 1
        if bad:
            out[b] = np.nan
            continue
        if near:  # exact bucketing against the float phantoms
            for k in range(n + 1):
                cnt[k] = 0
            for i in range(n):
                v = X[b, i]
                k = int(v * nf)
                if k > n:
                    k = n
                while k > 0 and v < p[k]:
                    k -= 1
                while v >= p[k + 1]:
                    k += 1
                bkt[i] = k
                cnt[k] += 1
        # merged order p_0, B_0, p_1, B_1, ..., p_n, B_n: phantom p_k sits at 0-based
        # position k + C_k (C_k = reports in buckets < k); the median has position n.
        C = 0
        K = 0
        CK = 0
        for k in range(n + 1):
            ok = k + C <= n
            K = k if ok else K
            CK = C if ok else CK
            C += cnt[k]
        j = n - (K + CK)
        if j == 0:
            out[b] = p[K]
            continue
        j -= 1  # the median is the j-th smallest report of bucket K
        m = 0
        for i in range(n):
            if bkt[i] == K:
                buf[m] = X[b, i]
                m += 1
        if m <= 32:
            for a in range(1, m):  # insertion sort of a small bucket
                v = buf[a]
                q = a - 1
                while q >= 0 and buf[q] > v:
                    buf[q + 1] = buf[q]
                    q -= 1
                buf[q + 1] = v
            out[b] = buf[j]
        else:
            out[b] = np.sort(buf[:m])[j]
    return out


def _phantom_median_batch(
    X: NDArray[np.float64], phantoms: NDArray[np.float64]
) -> NDArray[np.float64]:
    # phantoms sorted ascending; n + len(phantoms) odd
    B, n = X.shape
    P = phantoms.shape[0]
    r = (n + P) // 2  # 0-based rank of the median in the merged list
    out = np.empty(B)
    for b in range(B):
        xs = np.sort(X[b])
        i = 0
        j = 0
        val = 0.0
        for _ in range(r + 1):
            if j >= P or (i < n and xs[i] <= phantoms[j]):
                val = xs[i]
                i += 1
            else:
                val = phantoms[j]
                j += 1
        out[b] = val
    return out


def _generalized_median_batch(
    X: NDArray[np.float64], beta: NDArray[np.float64]
) -> NDArray[np.float64]:
    # beta[0..n] non-increasing; f = min(beta_0, min_{s>=1} max(beta_s, x_(s)))
    B, n = X.shape
    out = np.empty(B)
    for b in range(B):
        xs = np.sort(X[b])
        y = beta[0]
        for s in range(1, n + 1):
            v = beta[s] if beta[s] > xs[s - 1] else xs[s - 1]
            if v < y:
                y = v
        out[b] = y
    return out


def _order_statistic_batch(X: NDArray[np.float64], k: int) -> NDArray[np.float64]:
    B = X.shape[0]
    out = np.empty(B)
    for b in range(B):
        out[b] = np.sort(X[b])[k]
    return out


def _mean_batch(X: NDArray[np.float64]) -> NDArray[np.float64]:
    B, n = X.shape
    out = np.empty(B)
    for b in range(B):
        s = 0.0
        for i in range(n):
            s += X[b, i]
        out[b] = s / n
    return out


def _midpoint_batch(X: NDArray[np.float64]) -> NDArray[np.float64]:
    B, n = X.shape
    out = np.empty(B)
    for b in range(B):
        lo = X[b, 0]
        hi = X[b, 0]
        for i in range(1, n):
            v = X[b, i]
            if v < lo:
                lo = v
            if v > hi:
                hi = v
        out[b] = (lo + hi) / 2.0
    return out


def _moulin_minmax_batch(
    X: NDArray[np.float64], alpha: NDArray[np.float64]
) -> NDArray[np.float64]:
    # alpha[mask] for the coalition whose members are the set bits of mask
    B, n = X.shape
    M = 1 << n
    low = np.zeros(M, dtype=np.int64)
    for mask in range(1, M):
        i = 0
        while not (mask >> i) & 1:
            i += 1
        low[mask] = i
    mx = np.empty(M)
    out = np.empty(B)
    for b in range(B):
        mx[0] = -np.inf
        y = alpha[0]
        for mask in range(1, M):
            i = low[mask]
            prev = mx[mask ^ (1 << i)]
            v = X[b, i]
            m = v if v > prev else prev
            mx[mask] = m
            t = alpha[mask] if alpha[mask] > m else m
            if t < y:
                y = t
        out[b] = y
    return out


def _ufs_clipped_median_batch(X: NDArray[np.float64]) -> NDArray[np.float64]:
    B, n = X.shape
    out = np.empty(B)
    for b in range(B):
        xs = np.sort(X[b])
        med = xs[(n + 1) // 2 - 1]
        lo = 0.0
        hi = 1.0
        i = 0
        while i < n:
            j = i
            while j + 1 < n and xs[j + 1] == xs[i]:
                j += 1
            rad = 1.0 - (j - i + 1) / n
            if xs[i] - rad > lo:
                lo = xs[i] - rad
            if xs[i] + rad < hi:
                hi = xs[i] + rad
            i = j + 1
        y = med
        if y < lo:
            y = lo
        if y > hi:
            y = hi
        out[b] = y
    return out


def _all_in_unit_interval(X: NDArray[np.float64]) -> bool:
    # one fused pass: False at the first NaN, infinity or entry outside [0, 1]
    flat = X.ravel()
    for i in range(flat.shape[0]):
        v = flat[i]
        if not (v >= 0.0 and v <= 1.0):
            return False
    return True


all_in_unit_interval = njit(_all_in_unit_interval)
uniform_phantom_batch = njit(_uniform_phantom_batch)
phantom_median_batch = njit(_phantom_median_batch)
generalized_median_batch = njit(_generalized_median_batch)
order_statistic_batch = njit(_order_statistic_batch)
mean_batch = njit(_mean_batch)
midpoint_batch = njit(_midpoint_batch)
moulin_minmax_batch = njit(_moulin_minmax_batch)
ufs_clipped_median_batch = njit(_ufs_clipped_median_batch)
