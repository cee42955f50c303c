"""Batched one-dimensional facility-location rules (numba): phantom medians and friends.

Every kernel takes a C-contiguous ``float64`` array ``X`` of shape ``(B, n)`` (one
profile per row, entries in ``[0, 1]``, already validated) and returns ``(B,)``
outcomes.  The bodies are plain functions ``_name`` compiled as ``name = njit(_name)``.

* ``uniform_phantom_batch`` -- ``med(x, 0, 1/n, ..., 1)`` (``nan`` for a row holding an
  entry that is NaN, infinite or outside ``[0, 1]``: the fused input check), one thread.
  For ``n <= NET_N`` blocks of ``LANES`` rows are transposed (one row per SIMD lane), sorted
  by a pruned Batcher odd-even merge network and reduced by the min-max form
  ``min(1, min_s max((n - s)/n, x_(s)))``.  Otherwise the O(n) counting form: bucket each
  report by ``int(n x)``, walk the merged order ``p_0, B_0, p_1, B_1, ..., p_n, B_n`` to rank
  ``n`` (0-based) from the middle bucket and select inside one bucket.  When no ``n x`` lies
  within ``n 2^-50`` of an integer every report is provably strictly between the float
  phantoms of its bucket and the candidate is the median; otherwise (a report on or within
  rounding of a phantom, 0 or 1) it is *verified* exactly against the float phantoms
  ``k / n`` (``#{< y} <= n < #{<= y}``), and a row that fails is redone by sort and merge,
  so the result is bit-identical to the median of ``x`` and the float phantoms.  Scratch is
  allocated once per call (per chunk), not per row.
* ``uniform_phantom_batch_parallel`` -- the same rows over ``numba.prange`` (``PAR_CHUNKS``
  contiguous chunks of rows, one chunk below ``PAR_MIN_AGENTS`` reports).  Every row is
  computed by the same code, so the result is identical to the serial kernel for any
  thread count.  About 2x faster on an idle 2-core machine; on a loaded one a parallel
  region waits for a descheduled thread (measured 2x *slower* than the serial kernel with
  a busy loop on the other core, 3-5x in an earlier session).  The public ``.batch`` uses
  it from ``PAR_MIN_AGENTS`` reports on unless called with ``parallel=False``.
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

import numba
import numpy as np
from numpy.typing import NDArray

from solvers._jit import njit
from solvers.smallsort import sort_prefix

#: Up to this many agents ``uniform_phantom_batch`` sorts blocks of rows with a sorting network.
NET_N = 32
#: Rows per block (SIMD lanes) in the sorting-network path.
LANES = 64
#: Row chunks handed to ``numba.prange`` by the parallel batch kernels.
PAR_CHUNKS = 8
#: Batches of at least this many reports (``B * n``) are split into ``PAR_CHUNKS`` row
#: chunks by the parallel kernels (and sent to them by ``mechkit.facility``); below it a
#: thread launch costs more than it saves.
PAR_MIN_AGENTS = 32768
#: Bit patterns (as int64) of +inf and of -0.0: sentinels above and below every report
#: in [0, 1] when reports are compared as bits.
BITS_INF = np.int64(0x7FF0000000000000)
BITS_NEG_ZERO = np.int64(-(2**63))

__all__ = [
    "LANES",
    "NET_N",
    "PAR_CHUNKS",
    "PAR_MIN_AGENTS",
    "all_in_unit_interval",
    "generalized_median_batch",
    "mean_batch",
    "midpoint_batch",
    "moulin_minmax_batch",
    "order_statistic_batch",
    "phantom_median_batch",
    "ufs_clipped_median_batch",
    "uniform_phantom_batch",
    "uniform_phantom_batch_parallel",
]


def _batcher_network(n: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    # Batcher's odd-even merge sort on N = 2^ceil(log2 n) wires, keeping only the
    # comparators (a, a + k) with a + k < n: the wires >= n would carry +inf and never move.
    N = 1
    while N < n:
        N *= 2
    size = N * N  # generous bound on the comparator count (exact count is O(N log^2 N))
    ci = np.empty(size, dtype=np.int64)
    cj = np.empty(size, dtype=np.int64)
    m = 0
    p = 1
    while p < N:
        k = p
        while k >= 1:
            j = k % p
            while j + k < N:
                for i in range(min(k, N - j - k)):
                    a = i + j
                    if a // (2 * p) == (a + k) // (2 * p) and a + k < n:
                        ci[m] = a
                        cj[m] = a + k
                        m += 1
                j += 2 * k
            k //= 2
        p *= 2
    return ci[:m].copy(), cj[:m].copy()


def _up_network_rows(
    X: NDArray[np.float64], lo: int, hi: int, out: NDArray[np.float64],
    ci: NDArray[np.int64], cj: NDArray[np.int64], T: NDArray[np.float64],
) -> None:
    # rows lo..hi-1 in blocks of L = T.shape[1] rows, one row per SIMD lane: transpose the
    # block into T (n, L), sort every lane with the comparator network (ci, cj), then
    # UP = min(1, min_s max((n - s)/n, x_(s))) (form (b)) and the fused input check.
    # A comparator only permutes a lane (also with NaN), so the check sees the row's values.
    n = X.shape[1]
    L = T.shape[1]
    nc = ci.shape[0]
    nf = float(n)
    y = np.empty(L)
    ok = np.empty(L, dtype=np.bool_)
    for b0 in range(lo, hi, L):
        w = min(L, hi - b0)
        for ln in range(w):  # row-major reads, strided writes: half the cost of column reads
            for i in range(n):
                T[i, ln] = X[b0 + ln, i]
        for ln in range(w, L):
            for i in range(n):
                T[i, ln] = 0.0
        for c in range(nc):
            i = ci[c]
            j = cj[c]
            for ln in range(L):
                a = T[i, ln]
                b = T[j, ln]
                lt = a < b
                T[i, ln] = a if lt else b
                T[j, ln] = b if lt else a
        for ln in range(L):
            y[ln] = 1.0
            ok[ln] = True
        for s in range(n):
            q = (n - 1 - s) / nf  # the phantom (n - (s + 1))/n, bit-identical to k/n
            for ln in range(L):
                v = T[s, ln]
                ok[ln] &= (v >= 0.0) & (v <= 1.0)
                t = q if q > v else v
                y[ln] = t if t < y[ln] else y[ln]
        for ln in range(w):
            out[b0 + ln] = y[ln] if ok[ln] else np.nan


def _up_exact_row(X: NDArray[np.float64], b: int, p: NDArray[np.float64]) -> float:
    # the (n+1)-th smallest of row b and the phantoms p[0..n], by sort and merge
    n = X.shape[1]
    xs = np.sort(X[b])
    i = 0
    j = 0
    val = 0.0
    for _ in range(n + 1):
        if j > n or (i < n and xs[i] <= p[j]):
            val = xs[i]
            i += 1
        else:
            val = p[j]
            j += 1
    return val


def _up_bucket_rows(
    X: NDArray[np.float64], lo: int, hi: int, out: NDArray[np.float64], p: NDArray[np.float64],
    cnt: NDArray[np.int32], idx: NDArray[np.int64], buf: NDArray[np.float64],
) -> None:
    # O(n) counting form, one row at a time (p[k] = k/n, p[n+1] = inf; cnt: int32 of shape
    # (2, n+1), zero on entry; idx and buf: n entries).  One vectorisable pass checks the row,
    # stores the buckets int(n x) and flags the row "near" when some n x lies within
    # eps = n 2^-50 of an integer.  Otherwise every report is *strictly* between the float
    # phantoms p[k] < x < p[k+1] of its bucket (|fl(n x) - n x| <= n 2^-53 and
    # |p[k] - k/n| <= 2^-53, so x - p[k] >= eps/n - 2^-52 > 0, and likewise below p[k+1]),
    # the merged order p_0, B_0, p_1, B_1, ..., p_n, B_n is exact and the median (0-based
    # position n) needs no check.  A near row's candidate y is verified exactly
    # (#{values < y} <= n < #{values <= y} over reports and float phantoms) and redone by
    # sort and merge if that fails.  The walk to the median starts at the middle bucket
    # (its prefix count comes from the first pass, not from reloading the fresh counts),
    # so it takes O(sqrt n) steps on spread-out rows.  Two
    # count buffers alternate: each is cleared one row before its next use, so the clearing
    # stores never stall the counts.
    n = X.shape[1]
    nf = float(n)
    eps = nf * 2.0 ** -50
    half = (n + 1) // 2
    pair_bits = np.empty(2, dtype=np.int64)
    pair = pair_bits.view(np.float64)
    for b in range(lo, hi):
        x = X[b]
        good = True
        near = False
        C = 0  # C_half = #{reports in buckets < half}
        for i in range(n):
            v = x[i]
            ok = (v >= 0.0) & (v <= 1.0)
            good &= ok
            t = v * nf if ok else 0.5  # never convert NaN or a huge value to an integer
            k = int(t)
            d = t - k
            near |= (d < eps) | (d > 1.0 - eps)
            C += k < half
            idx[i] = k
        if not good:
            out[b] = np.nan
            continue
        r = b & 1
        cz = cnt[1 - r]
        for k in range(n + 1):
            cz[k] = 0
        c1 = cnt[r]
        for i in range(n):
            c1[np.uint64(idx[i])] += 1  # unsigned: no wraparound test on the index
        K = half  # find K = last k with k + C_k <= n (phantom p_k sits at position k + C_k)
        if K + C <= n:
            while True:
                c = c1[K]
                if K + 1 + C + c > n:
                    break
                C += c
                K += 1
        else:
            while K + C > n:
                K -= 1
                C -= c1[K]
        m = c1[K]
        j = n - K - C  # the median is p_K (j = 0) or the j-th smallest report of bucket K
        if j == 0:
            y = p[K]
        else:
            # smallest and largest report of bucket K, compared as bit patterns: for reports
            # in [0, 1] the signed int64 order of the bits is the order of the values (-0.0,
            # equal to 0.0, comes first), and integer min/max reductions vectorise where the
            # float ones do not (0.33 against 0.92 ns per report at n = 101)
            xb = x.view(np.int64)
            bmn = BITS_INF
            bmx = BITS_NEG_ZERO
            for i in range(n):
                inb = idx[i] == K
                u = xb[i]
                bmn = min(u if inb else BITS_INF, bmn)
                bmx = max(u if inb else BITS_NEG_ZERO, bmx)
            pair_bits[0] = bmn
            pair_bits[1] = bmx
            mn = pair[0]
            mx = pair[1]
            if j == 1 or mn == mx:
                y = mn
            elif j == m:
                y = mx
            else:
                m = 0
                for i in range(n):
                    if idx[i] == K:
                        buf[m] = x[i]
                        m += 1
                sort_prefix(buf, m)
                y = buf[j - 1]
        if not near:
            out[b] = y
            continue
        lt = 0
        le = 0
        for i in range(n):
            v = x[i]
            lt += v < y
            le += v <= y
        k = int(y * nf)
        while k > 0 and p[k - 1] >= y:
            k -= 1
        while p[k] < y:
            k += 1  # k = #{phantoms < y}
        pe = 1 if p[k] == y else 0
        if lt + k <= n and le + k + pe >= n + 1:
            out[b] = y
        else:
            out[b] = _up_exact_row_jit(X, b, p)


def _up_chunks(B: int, n: int) -> int:
    # contiguous chunks of rows for prange: one below 32768 agents (not worth a thread
    # launch), else PAR_CHUNKS (numba spreads them over its threads; one thread runs them in turn)
    if B * n < PAR_MIN_AGENTS:
        return 1
    return min(B, PAR_CHUNKS)


def _up_setup(n: int) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    p = np.empty(n + 2)
    for k in range(n + 1):
        p[k] = k / n
    p[n + 1] = np.inf
    if n <= NET_N:
        ci, cj = _batcher_network_jit(n)
    else:
        ci = np.empty(0, dtype=np.int64)
        cj = np.empty(0, dtype=np.int64)
    return p, ci, cj


def _up_chunk(
    X: NDArray[np.float64], lo: int, hi: int, out: NDArray[np.float64], p: NDArray[np.float64],
    ci: NDArray[np.int64], cj: NDArray[np.int64],
) -> None:
    n = X.shape[1]
    if n <= NET_N:
        _up_network_rows_jit(X, lo, hi, out, ci, cj, np.empty((n, LANES)))
    else:
        _up_bucket_rows_jit(X, lo, hi, out, p, np.zeros((2, n + 1), dtype=np.int32),
                            np.empty(n, dtype=np.int64), np.empty(n))


def _uniform_phantom_batch_parallel(X: NDArray[np.float64]) -> NDArray[np.float64]:
    B, n = X.shape
    out = np.empty(B)
    p, ci, cj = _up_setup_jit(n)
    chunks = _up_chunks_jit(B, n)
    for c in numba.prange(chunks):
        _up_chunk_jit(X, c * B // chunks, (c + 1) * B // chunks, out, p, ci, cj)
    return out


def _uniform_phantom_batch(X: NDArray[np.float64]) -> NDArray[np.float64]:
    B, n = X.shape
    out = np.empty(B)
    p, ci, cj = _up_setup_jit(n)
    _up_chunk_jit(X, 0, B, out, p, ci, cj)
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
    # one fused, branch-free pass (vectorises; an early exit would not): False if any entry
    # is NaN, infinite or outside [0, 1]
    flat = X.ravel()
    bad = 0
    for i in range(flat.shape[0]):
        v = flat[i]
        bad |= not ((v >= 0.0) & (v <= 1.0))
    return bad == 0


all_in_unit_interval = njit(_all_in_unit_interval)
_batcher_network_jit = njit(_batcher_network)
_up_network_rows_jit = njit(_up_network_rows)
_up_exact_row_jit = njit(_up_exact_row)
_up_bucket_rows_jit = njit(_up_bucket_rows)
_up_chunks_jit = njit(_up_chunks)
_up_setup_jit = njit(_up_setup)
_up_chunk_jit = njit(_up_chunk)
uniform_phantom_batch_parallel = njit(parallel=True)(_uniform_phantom_batch_parallel)
uniform_phantom_batch = njit(_uniform_phantom_batch)
phantom_median_batch = njit(_phantom_median_batch)
generalized_median_batch = njit(_generalized_median_batch)
order_statistic_batch = njit(_order_statistic_batch)
mean_batch = njit(_mean_batch)
midpoint_batch = njit(_midpoint_batch)
moulin_minmax_batch = njit(_moulin_minmax_batch)
ufs_clipped_median_batch = njit(_ufs_clipped_median_batch)
