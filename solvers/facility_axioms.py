"""Batched fairness-axiom slacks for facility location (numba).

``axiom_slacks_batch(X, y)`` returns a ``(B, 5)`` array of slacks (minimum margins;
negative means violated) of the outcome ``y[b]`` on profile ``X[b]`` for, in order,
IFS, UFS, proportionality, PF and unanimity.  Proportionality and unanimity are ``nan``
when not applicable (a report outside ``{0, 1}``; reports not all equal).  Co-location
for UFS is exact float equality.

Each row is bucket-sorted on the ``1/n`` grid (``int(x * n)`` is monotone in ``x``; a
counting sort, ``np.sort`` inside buckets of more than 32 reports, then one insertion pass:
O(n) expected on spread-out reports, no allocation per row), then one pass computes UFS
over runs of equal reports and PF by the closed form (``x`` ascending, 0-based)::

    PF slack = min(1 - y + min_j (x_(j) - (j + 1)/n),  y + min_i (i/n - x_(i)))

``axiom_slacks_batch`` runs on one thread.  ``axiom_slacks_batch_parallel`` computes the
same rows over ``numba.prange`` (``PAR_CHUNKS`` row chunks), identical for any thread
count; it is about 2x faster on an idle 2-core machine but was measured several times
slower on a loaded one, so it is opt-in.  ``axiom_slacks_batch_rowwise`` is the former
per-row loop over ``axiom_slacks_sorted_row``, kept as a cross-check.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

from solvers._jit import njit

__all__ = [
    "PAR_CHUNKS",
    "axiom_slacks_batch",
    "axiom_slacks_batch_parallel",
    "axiom_slacks_batch_rowwise",
    "axiom_slacks_sorted_row",
]

#: Row chunks handed to ``numba.prange`` by ``axiom_slacks_batch_parallel``.
PAR_CHUNKS = 8


def _axiom_slacks_sorted_row(
    x: NDArray[np.float64], yb: float, xs: NDArray[np.float64], bk: NDArray[np.int64],
    cnt: NDArray[np.int64], out: NDArray[np.float64],
) -> None:
    # bucket sort the row, then one pass writing all five slacks into out[0:5]
    n = x.shape[0]
    inv = 1.0 / n
    for k in range(n + 1):
        cnt[k] = 0
    for i in range(n):
        k = int(x[i] * n)
        if k >= n:
            k = n - 1
        bk[i] = k
        cnt[k + 1] += 1
    for k in range(n):
        cnt[k + 1] += cnt[k]
    for i in range(n):
        k = bk[i]
        xs[cnt[k]] = x[i]
        cnt[k] += 1
    lo = 0
    for k in range(n):
        hi = cnt[k]
        if hi - lo > 32:
            xs[lo:hi] = np.sort(xs[lo:hi])
        elif hi - lo > 1:
            for a in range(lo + 1, hi):
                v = xs[a]
                q = a - 1
                while q >= lo and xs[q] > v:
                    xs[q + 1] = xs[q]
                    q -= 1
                xs[q + 1] = v
        lo = hi
    far = yb - xs[0] if yb - xs[0] > xs[n - 1] - yb else xs[n - 1] - yb
    out[0] = 1.0 - inv - far
    ufs = np.inf
    m1 = np.inf
    m2 = np.inf
    start = 0
    ones = 0
    nonbinary = 0
    for j in range(n):
        v = xs[j]
        ones += v == 1.0
        nonbinary += (v != 0.0) & (v != 1.0)
        a = v - (j + 1) * inv
        if a < m1:
            m1 = a
        c = j * inv - v
        if c < m2:
            m2 = c
        if j == n - 1 or xs[j + 1] != v:
            d = yb - v if yb >= v else v - yb
            t = 1.0 - (j - start + 1) * inv - d
            if t < ufs:
                ufs = t
            start = j + 1
    out[1] = ufs
    p1 = 1.0 - yb + m1
    p2 = yb + m2
    out[3] = p1 if p1 < p2 else p2
    if nonbinary == 0:
        d = yb - ones * inv
        out[2] = -d if d >= 0.0 else d
    else:
        out[2] = np.nan
    if xs[0] == xs[n - 1]:
        d = yb - xs[0]
        out[4] = -d if d >= 0.0 else d
    else:
        out[4] = np.nan


axiom_slacks_sorted_row = njit(_axiom_slacks_sorted_row)


def _axiom_rows(
    X: NDArray[np.float64], y: NDArray[np.float64], lo: int, hi: int, out: NDArray[np.float64],
    xs: NDArray[np.float64], bk: NDArray[np.int64], cnt: NDArray[np.int64],
) -> None:
    # rows lo..hi-1: the computation of axiom_slacks_sorted_row, inlined (no per-row array
    # views).  Bucket sort: counting sort by int(n x) (capped at n - 1), np.sort inside
    # buckets of more than 32 reports, then one insertion pass over the whole row (the
    # buckets are already in order, so elements move only inside their bucket and the
    # common in-order case costs one well-predicted comparison).  ``cnt`` has shape
    # (2, n + 1), zero on entry: two alternating count buffers, each cleared one row before
    # its next use, so the clearing stores never stall the count increments.
    n = X.shape[1]
    nf = float(n)
    inv = 1.0 / n
    for b in range(lo, hi):
        r = b & 1
        for k in range(n + 1):
            cnt[1 - r, k] = 0
        for i in range(n):
            k = int(X[b, i] * nf)
            k = k if k < n else n - 1
            bk[i] = k
            cnt[r, k + 1] += 1
        for k in range(n):
            cnt[r, k + 1] += cnt[r, k]
        for i in range(n):
            k = bk[i]
            xs[cnt[r, k]] = X[b, i]
            cnt[r, k] += 1
        start = 0
        for k in range(n):
            end = cnt[r, k]
            if end - start > 32:
                xs[start:end] = np.sort(xs[start:end])
            start = end
        for a in range(1, n):
            v = xs[a]
            if xs[a - 1] > v:
                q = a - 1
                while q >= 0 and xs[q] > v:
                    xs[q + 1] = xs[q]
                    q -= 1
                xs[q + 1] = v
        yb = y[b]
        far = yb - xs[0] if yb - xs[0] > xs[n - 1] - yb else xs[n - 1] - yb
        out[b, 0] = 1.0 - inv - far
        m1 = np.inf
        m2 = np.inf
        ones = 0
        nonbinary = 0
        for j in range(n):  # PF closed form; counts for proportionality
            v = xs[j]
            ones += v == 1.0
            nonbinary += (v != 0.0) & (v != 1.0)
            a = v - (j + 1) * inv
            m1 = a if a < m1 else m1
            c = j * inv - v
            m2 = c if c < m2 else m2
        ufs = np.inf
        g = 0
        for j in range(n):  # UFS over runs of equal reports
            v = xs[j]
            if j == n - 1 or xs[j + 1] != v:
                d = yb - v if yb >= v else v - yb
                t = 1.0 - (j - g + 1) * inv - d
                ufs = t if t < ufs else ufs
                g = j + 1
        out[b, 1] = ufs
        p1 = 1.0 - yb + m1
        p2 = yb + m2
        out[b, 3] = p1 if p1 < p2 else p2
        if nonbinary == 0:
            d = yb - ones * inv
            out[b, 2] = -d if d >= 0.0 else d
        else:
            out[b, 2] = np.nan
        if xs[0] == xs[n - 1]:
            d = yb - xs[0]
            out[b, 4] = -d if d >= 0.0 else d
        else:
            out[b, 4] = np.nan


_axiom_rows_jit = njit(_axiom_rows)


def _axiom_chunk(
    X: NDArray[np.float64], y: NDArray[np.float64], lo: int, hi: int, out: NDArray[np.float64]
) -> None:
    n = X.shape[1]
    _axiom_rows_jit(X, y, lo, hi, out, np.empty(n), np.empty(n, dtype=np.int64),
                    np.zeros((2, n + 1), dtype=np.int64))


_axiom_chunk_jit = njit(_axiom_chunk)


def _axiom_chunks(B: int, n: int) -> int:
    # contiguous row chunks for prange: one below 32768 agents, else PAR_CHUNKS
    if B * n < 32768:
        return 1
    return min(B, PAR_CHUNKS)


_axiom_chunks_jit = njit(_axiom_chunks)


def _axiom_slacks_batch_parallel(X: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    B, n = X.shape
    out = np.empty((B, 5))
    chunks = _axiom_chunks_jit(B, n)
    for c in numba.prange(chunks):
        _axiom_chunk_jit(X, y, c * B // chunks, (c + 1) * B // chunks, out)
    return out


def _axiom_slacks_batch(X: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    B = X.shape[0]
    out = np.empty((B, 5))
    _axiom_chunk_jit(X, y, 0, B, out)
    return out


def _axiom_slacks_batch_rowwise(X: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    # the former batch loop over axiom_slacks_sorted_row (kept as an in-file cross-check)
    B, n = X.shape
    out = np.empty((B, 5))
    cnt = np.empty(n + 1, dtype=np.int64)
    bk = np.empty(n, dtype=np.int64)
    xs = np.empty(n)
    for b in range(B):
        axiom_slacks_sorted_row(X[b], y[b], xs, bk, cnt, out[b])
    return out


axiom_slacks_batch_parallel = njit(parallel=True)(_axiom_slacks_batch_parallel)
axiom_slacks_batch = njit(_axiom_slacks_batch)
axiom_slacks_batch_rowwise = njit(_axiom_slacks_batch_rowwise)
