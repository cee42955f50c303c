"""Batched fairness-axiom slacks for facility location (numba).

``axiom_slacks_batch(X, y)`` returns a ``(B, 5)`` array of slacks (minimum margins;
negative means violated) of the outcome ``y[b]`` on profile ``X[b]`` for, in order,
IFS, UFS, proportionality, PF and unanimity.  Proportionality and unanimity are ``nan``
when not applicable (a report outside ``{0, 1}``; reports not all equal).  Co-location
for UFS is exact float equality.  Entries of ``X`` must lie in ``[0, 1]`` (the public
``mechkit.facility.axiom_slacks`` checks this).  The sort-free kernel checks its input in
its one pass over the row (never indexing out of range): a row holding a ``nan``, an
infinity or an entry outside ``[0, 1]`` gets ``nan`` slacks in every column, so
``axiom_slacks`` needs no separate pass over ``X`` from ``BUCKET_MIN_N`` reports on.

With ``x`` ascending (0-based) the PF slack has the closed form::

    PF slack = min(1 - y + min_j (x_(j) - (j + 1)/n),  y + min_i (i/n - x_(i)))

**Sort-free kernel** (``axiom_slacks_batch_buckets``; the default from
``BUCKET_MIN_N`` reports on).  One pass over the row puts report ``x`` in bucket
``k = int(n x)`` (capped at ``n - 1``; monotone in ``x``) and keeps per bucket its count,
min ``lo_k`` and max ``hi_k``.  With ``C_k`` reports in the buckets below ``k``:

* Inside a bucket the ranks are ``C_k .. C_{k+1} - 1`` and two reports differ by less than
  ``1/n``, so ``x_(j) - (j + 1)/n`` is smallest at the bucket max (``hi_k - C_{k+1}/n``)
  and ``i/n - x_(i)`` at the bucket min (``C_k/n - lo_k``).  Only buckets near the
  extremes of the integer walk ``V_k = C_k - k`` can hold the minimum: writing
  ``hi_k - C_{k+1}/n = (hi_k - (k + 1)/n) - V_{k+1}/n`` with the first part in
  ``(-1/n, 0]`` (up to rounding), every report of a bucket with ``V_{k+1} < max V`` gives
  at least ``-max V/n`` (less rounding), which a non-empty bucket with ``V_{k+1} = max V``
  undercuts; likewise ``C_k/n - lo_k`` and ``min V``.  The kernel evaluates the non-empty
  buckets at the extremes, checks that the minimum lies ``1e-13`` clear of that level, and
  otherwise (reports on the bucket edges) widens the set to ``V`` within 1 of the extremes,
  which separates by ``1/n``.
* UFS: the singleton groups give the IFS term ``1 - 1/n - far`` (``far`` the largest
  ``|y - x_i|``); a group of ``c >= 2`` equal reports lies in one bucket and beats it only
  if its distance from ``y`` exceeds ``far - (c - 1)/n``, so only buckets with ``c >= 2``
  about ``c`` buckets or less from the farther end are examined (with a margin of one
  bucket; an integer test on the bucket index).  A bucket whose min equals its max is one
  group; one of two distinct reports has none; otherwise one vectorised pass over the row
  counts the copies of its min and of its max (about a quarter of the rows of uniform
  profiles), and only if two or more of its reports lie strictly between are those gathered
  and sorted.
* Bucketing rounds ``n x``, so a bucket can be slightly wider than ``1/n``.  Each bucket
  used is checked to be narrower than ``1/n - 1e-13``; then the within-bucket argument
  holds for the float terms too (every float rounding is monotone), and the slacks equal
  those of the sorting kernel bit for bit.  A row with a wider bucket (reports on or
  within rounding of ``k/n`` and ``(k + 1)/n`` together) is recomputed by sorting.

So each row costs one pass over the reports and a few passes over the ``n`` buckets (all
but the prefix count vectorised), without sorting.

**Sorting kernel** (``axiom_slacks_batch_sorted``; the default below ``BUCKET_MIN_N``
reports, where it is faster, and the oracle of the tests).  Each row is bucket-sorted on
the ``1/n`` grid (a counting sort, ``np.sort`` inside buckets of more than 32 reports,
then one insertion pass: O(n) expected on spread-out reports, no allocation per row),
then one pass computes UFS over runs of equal reports and PF by the closed form.

``axiom_slacks_batch`` runs on one thread.  ``axiom_slacks_batch_parallel`` computes the
same rows over ``numba.prange`` (``PAR_CHUNKS`` row chunks), identical for any thread
count; it is about 2x faster on an idle 2-core machine but was measured several times
slower on a loaded one.  ``mechkit.facility.axiom_slacks`` uses it from ``PAR_MIN_AGENTS``
reports on unless called with ``parallel=False``.  ``axiom_slacks_batch_rowwise`` is the former
per-row loop over ``axiom_slacks_sorted_row``, kept as a cross-check.

Examples
--------
>>> import numpy as np
>>> X = np.array([[0.0, 0.0, 1.0], [0.1, 0.3, 0.9]])
>>> s = axiom_slacks_batch(X, np.array([1 / 3, 1 / 3]))
>>> bool(np.array_equal(s, axiom_slacks_batch_buckets(X, np.array([1 / 3, 1 / 3])),
...                     equal_nan=True))
True
>>> [round(float(v), 12) for v in s[:, 3]]
[-0.0, 0.1]
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

from solvers._jit import njit
from solvers.medians import PAR_MIN_AGENTS
from solvers.smallsort import sort_prefix

__all__ = [
    "BUCKET_MIN_N",
    "PAR_CHUNKS",
    "axiom_slacks_batch",
    "axiom_slacks_batch_buckets",
    "axiom_slacks_batch_parallel",
    "axiom_slacks_batch_rowwise",
    "axiom_slacks_batch_sorted",
    "axiom_slacks_sorted_row",
    "pf_slack",
    "run_slack",
]

#: Row chunks handed to ``numba.prange`` by ``axiom_slacks_batch_parallel``.
PAR_CHUNKS = 8

#: Profiles of at least this many reports take the sort-free kernel, shorter ones the
#: sorting one (measured crossover about 28 reports on the development machine).
BUCKET_MIN_N = 32


def _run_slack(xs: NDArray[np.float64], m: int, yb: float, inv: float, ufs: float, min_len: int) -> float:
    # min(ufs, min over runs of >= min_len equal values v in the sorted xs[:m] of
    # 1 - len * inv - |yb - v|): the UFS terms of the groups of co-located reports
    g = 0
    for j in range(m):
        v = xs[j]
        if j == m - 1 or xs[j + 1] != v:
            if j - g + 1 >= min_len:
                d = yb - v if yb >= v else v - yb
                t = 1.0 - (j - g + 1) * inv - d
                ufs = t if t < ufs else ufs
            g = j + 1
    return ufs


run_slack = njit(_run_slack)


def _pf_slack(yb: float, m1: float, m2: float) -> float:
    # the closed form: min(1 - y + min_j (x_(j) - (j+1)/n), y + min_i (i/n - x_(i)))
    p1 = 1.0 - yb + m1
    p2 = yb + m2
    return p1 if p1 < p2 else p2


pf_slack = njit(_pf_slack)


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
    out[3] = pf_slack(yb, m1, m2)
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
        out[b, 1] = run_slack(xs, n, yb, inv, np.inf, 1)  # UFS over runs of equal reports
        out[b, 3] = pf_slack(yb, m1, m2)
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


def _bucket_pass(
    X: NDArray[np.float64], b: int, cnt: NDArray[np.int32], blo: NDArray[np.float64],
    bhi: NDArray[np.float64], r: int,
) -> bool:
    # the only pass over row b: count, min and max (scratch set r) per bucket int(n x),
    # capped at n - 1; unsigned indices (no negative-index wraparound).  n x is clamped to
    # [0, n] before the conversion, so any input (nan, inf, out of [0, 1]) stays in range
    # and never reaches an undefined float-to-integer conversion.  Returns whether every
    # entry is in [0, 1] (the fused input check: False for nan, inf or out of range)
    n = X.shape[1]
    nf = float(n)
    top = np.uint64(n - 1)
    acc = 0.0
    for i in range(n):
        v = X[b, i]
        acc += v  # nan or infinite if any entry is (the min and max below skip nans)
        t = v * nf
        t = t if t >= 0.0 else 0.0  # also nan -> 0
        t = t if t <= nf else nf
        k = np.uint64(t)
        k = k if k < top else top
        cnt[k] += 1
        a = blo[r, k]
        blo[r, k] = v if v < a else a
        a = bhi[r, k]
        bhi[r, k] = v if v > a else a
    return acc - acc == 0.0  # False for a nan or infinite sum


_bucket_pass_jit = njit(_bucket_pass)


def _bucket_rows(
    X: NDArray[np.float64], y: NDArray[np.float64], lo: int, hi: int, out: NDArray[np.float64],
    cnt: NDArray[np.int32], blo: NDArray[np.float64], bhi: NDArray[np.float64], V: NDArray[np.int32],
    flag: NDArray[np.uint8], f8: NDArray[np.int64], cand: NDArray[np.int64], glist: NDArray[np.int64],
    buf: NDArray[np.float64], xs: NDArray[np.float64], bk: NDArray[np.int64], cntf: NDArray[np.int64],
) -> None:
    # rows lo..hi-1 without sorting (module docstring).  Scratch, allocated per call: cnt (n,
    # zero on entry; cleared in the flag loop); blo and bhi (2, n), two sets (row b uses set
    # b & 1, +inf and -inf on entry, and clears the other set inside a vectorised loop); V
    # (n + 1); flag has 8 * len(f8) >= n entries, zero beyond n, and f8 is its int64 view;
    # cand and glist (n); buf (n + 1); xs, bk, cntf (n, n, n + 1) for the sorting fallback.
    # Every loop over the buckets runs over all n of them from 0 (the buckets outside
    # [min x, max x] are empty and change nothing), so that the loops without a carried
    # value vectorise.
    n = X.shape[1]
    nf = float(n)
    inv = 1.0 / n
    thr = inv - 1e-13  # a bucket wider than this is near 1/n: sort the row instead
    nw = f8.shape[0]
    for b in range(lo, hi):
        yb = y[b]
        r = b & 1  # scratch set of this row; the other one is cleared below
        valid = _bucket_pass_jit(X, b, cnt, blo, bhi, r)
        k0 = 0
        while cnt[k0] == 0:
            k0 += 1
        k1 = n - 1
        while cnt[k1] == 0:
            k1 -= 1
        xmin = blo[r, k0]
        xmax = bhi[r, k1]
        if not (valid and xmin >= 0.0 and xmax <= 1.0):
            # nan, inf or outside [0, 1]: nan slacks, and keep the scratch valid
            out[b, :] = np.nan
            for k in range(n):
                cnt[k] = 0
                blo[1 - r, k] = np.inf
                bhi[1 - r, k] = -np.inf
            continue
        far = yb - xmin if yb - xmin > xmax - yb else xmax - yb
        ifs = 1.0 - inv - far
        out[b, 0] = ifs
        if xmin == xmax:
            d = yb - xmin
            out[b, 4] = -d if d >= 0.0 else d
            binary = xmin == 0.0 or xmin == 1.0
            ones = n if xmin == 1.0 else 0
        else:
            out[b, 4] = np.nan
            binary = (xmin == 0.0 and xmax == 1.0 and cnt[0] + cnt[n - 1] == n and bhi[r, 0] == 0.0
                      and blo[r, n - 1] == 1.0)
            ones = cnt[n - 1]
        if binary:
            d = yb - ones * inv
            out[b, 2] = -d if d >= 0.0 else d
        else:
            out[b, 2] = np.nan
        vk = 0  # V[k] = C_k - k, C_k = reports in buckets below k; cnt[k] = V[k+1] - V[k] + 1
        for k in range(n):
            V[k] = vk
            vk += cnt[k] - 1
        V[n] = vk
        vmin = V[0]
        vmax = V[1]
        for k in range(n):
            a0 = V[k]
            vmin = a0 if a0 < vmin else vmin
            a1 = V[k + 1]
            vmax = a1 if a1 > vmax else vmax
        Fi = int(far * nf)
        ku = int(yb * nf)
        for margin in range(2):
            vlim = vmin + margin  # PF, second term: buckets with V[k] <= min (+ 1)
            wlim = vmax - margin  # PF, first term: buckets with V[k + 1] >= max (- 1)
            for k in range(n):  # flag the buckets that can matter (vectorised, no branch)
                c = V[k + 1] - V[k] + 1
                dk = k - ku
                dk = dk if dk >= 0 else -dk
                flag[k] = (((V[k] <= vlim) | (V[k + 1] >= wlim)) & (c > 0)) | ((c >= 2) & (c + dk + 1 > Fi))
                blo[1 - r, k] = np.inf  # clear the previous row's scratch set, and the counts
                bhi[1 - r, k] = -np.inf
                cnt[k] = 0
            nc = 0
            for w in range(nw):  # skip 8 flags at a time
                if f8[w] != 0:
                    for k in range(8 * w, 8 * w + 8):
                        if flag[k]:
                            cand[nc] = k
                            nc += 1
            m1 = np.inf
            m2 = np.inf
            ufs = ifs
            risky = False
            ng = 0
            for q in range(nc):
                k = cand[q]
                c = V[k + 1] - V[k] + 1
                bl = blo[r, k]
                bh = bhi[r, k]
                if bh - bl > thr:
                    risky = True
                t1 = bh - (V[k + 1] + k + 1) * inv  # x_(j) - (j + 1)/n at the bucket max
                m1 = t1 if t1 < m1 else m1
                t2 = (V[k] + k) * inv - bl  # i/n - x_(i) at the bucket min
                m2 = t2 if t2 < m2 else m2
                if c >= 2:
                    dl = yb - bl if yb >= bl else bl - yb
                    dh = yb - bh if yb >= bh else bh - yb
                    dm = dl if dl > dh else dh
                    lb = 1.0 - c * inv - dm  # no group in the bucket does better
                    if lb < ifs:
                        if bl == bh:
                            ufs = lb if lb < ufs else ufs
                        elif c > 2:
                            glist[ng] = k
                            ng += 1
            if risky or (m1 < -vmax * inv - 1e-13 and m2 < vmin * inv - 1e-13):
                break  # else a bucket outside the extremes may tie: again with margin 1
        if risky:  # the row is valid (checked above): the sorting kernel may see it
            axiom_slacks_sorted_row(X[b], yb, xs, bk, cntf, out[b])
        else:
            for q in range(ng):  # groups of equal reports inside the listed buckets
                k = glist[q]
                bl = blo[r, k]
                bh = bhi[r, k]
                e1 = 0
                e2 = 0
                for i in range(n):  # copies of the bucket min and max (vectorised)
                    v = X[b, i]
                    e1 += v == bl
                    e2 += v == bh
                for e, v in ((e1, bl), (e2, bh)):
                    if e >= 2:
                        d = yb - v if yb >= v else v - yb
                        t = 1.0 - e * inv - d
                        ufs = t if t < ufs else ufs
                mg = 0
                if V[k + 1] - V[k] + 1 - e1 - e2 >= 2:  # two or more reports strictly inside
                    for i in range(n):
                        v = X[b, i]
                        buf[mg] = v
                        mg += (v > bl) & (v < bh)
                sort_prefix(buf, mg)
                ufs = run_slack(buf, mg, yb, inv, ufs, 2)  # groups strictly inside the bucket
            out[b, 1] = ufs
            out[b, 3] = pf_slack(yb, m1, m2)


_bucket_rows_jit = njit(_bucket_rows)


def _axiom_chunk_buckets(
    X: NDArray[np.float64], y: NDArray[np.float64], lo: int, hi: int, out: NDArray[np.float64]
) -> None:
    n = X.shape[1]
    flag = np.zeros(8 * ((n + 7) // 8), dtype=np.uint8)
    _bucket_rows_jit(X, y, lo, hi, out, np.zeros(n, dtype=np.int32), np.full((2, n), np.inf),
                     np.full((2, n), -np.inf), np.empty(n + 1, dtype=np.int32), flag,
                     flag.view(np.int64), np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64),
                     np.empty(n + 1), np.empty(n), np.empty(n, dtype=np.int64),
                     np.empty(n + 1, dtype=np.int64))


def _axiom_chunk_sorted(
    X: NDArray[np.float64], y: NDArray[np.float64], lo: int, hi: int, out: NDArray[np.float64]
) -> None:
    n = X.shape[1]
    _axiom_rows_jit(X, y, lo, hi, out, np.empty(n), np.empty(n, dtype=np.int64),
                    np.zeros((2, n + 1), dtype=np.int64))


_axiom_chunk_buckets_jit = njit(_axiom_chunk_buckets)
_axiom_chunk_sorted_jit = njit(_axiom_chunk_sorted)


def _axiom_chunk(
    X: NDArray[np.float64], y: NDArray[np.float64], lo: int, hi: int, out: NDArray[np.float64]
) -> None:
    # the default: the sort-free kernel from BUCKET_MIN_N reports on, the sorting one below
    if X.shape[1] >= BUCKET_MIN_N:
        _axiom_chunk_buckets_jit(X, y, lo, hi, out)
    else:
        _axiom_chunk_sorted_jit(X, y, lo, hi, out)


_axiom_chunk_jit = njit(_axiom_chunk)


def _axiom_chunks(B: int, n: int) -> int:
    # contiguous row chunks for prange: one below PAR_MIN_AGENTS reports, else PAR_CHUNKS
    if B * n < PAR_MIN_AGENTS:
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


def _axiom_slacks_batch_sorted(X: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    B = X.shape[0]
    out = np.empty((B, 5))
    _axiom_chunk_sorted_jit(X, y, 0, B, out)
    return out


def _axiom_slacks_batch_buckets(X: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    B = X.shape[0]
    out = np.empty((B, 5))
    _axiom_chunk_buckets_jit(X, y, 0, B, out)
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
axiom_slacks_batch_sorted = njit(_axiom_slacks_batch_sorted)
axiom_slacks_batch_buckets = njit(_axiom_slacks_batch_buckets)
axiom_slacks_batch_rowwise = njit(_axiom_slacks_batch_rowwise)
