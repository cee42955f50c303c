"""Exact dynamic programmes for cascade (Markovian-user) position auctions.

A shown pair ``(i, j)`` rendered ``r``-th gets CTR ``p_ij * prod_{s<r} q_{i_s j_s}``;
welfare is ``sum_i b_i * CTR_i``.  Kernels (inputs assumed valid, C-contiguous):

``order_dp(P, Q, b, order, K)``
    Ads are rendered in the given ad order (``order[0]`` first among those shown) and
    each shown ad takes a distinct position: ``f(r, S) = max(f(r+1, S),
    max_{j not in S} b p_rj + q_rj f(r+1, S + j))`` over position bitmasks ``S`` with
    at most ``K`` bits.  With ``order`` = decreasing bid and stop-on-click
    ``q = 1 - p`` this is the exact free-order optimum (ordering lemma); with any
    bid-independent ``order`` it is exact over that range (the maximal-in-range
    mechanism).  ``O(n 2^m m)``.

``order_vcg(P, Q, b, order, K, prune)`` / ``order_vcg_batch(..., chunks)``
    ``order_dp`` plus Clarke pivots: removing the ad of rank ``r`` only changes the rows
    above ``r``, which are recomputed.  The batch form (leading axis, ``numba.prange``
    over ``chunks`` blocks) and the single form run the same per-block code.  With
    ``prune=True`` (only valid for stop-on-click ``q = 1 - p`` with ``order`` = decreasing
    bid) pairs dominated by ``K + 1`` higher-bid ads with a larger CTR at the same position
    are dropped first (exact; see ``_prune``).

``fixed_dp(P, Q, b, sigma, K, exclude)``
    Positions rendered in the fixed order ``sigma``; bitmask over ads,
    ``O(m 2^n n)``; an exact solver for small ``n``.

``ranked_dp(P, Q, b, order, sigma, K, exclude)``
    Ads in a fixed priority ``order`` assigned to positions increasing in rendering rank
    ``sigma`` (fixed-order maximal-in-range range), ``O(n m^2 K)``.

``km_dp(c, q, b, K, exclude)``
    Kempe–Mahdian / Aggarwal et al. for position-independent ``p_ij = c_i``,
    ``q_ij = q_i``: sort by ``b c / (1 - q)`` and ``F[r, k] = max(F[r+1, k],
    b c + q F[r+1, k-1])``.

Ties: an ad is shown only if it strictly improves the value (fewer ads); among equal
positions the lowest index wins.

Examples
--------
>>> import numpy as np
>>> P = np.array([[0.5, 0.2], [0.4, 0.3]])
>>> b = np.array([2.0, 1.0])
>>> pos, val = order_dp(P, 1.0 - P, b, np.array([0, 1]), 2)
>>> pos.tolist(), round(float(val), 6)
([0, 1], 1.15)
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

from solvers._jit import njit
from solvers.matching import batch_outputs

__all__ = [
    "fixed_dp",
    "km_dp",
    "order_dp",
    "order_vcg",
    "order_vcg_batch",
    "ranked_dp",
]


def _popcounts(m: int) -> NDArray[np.int64]:
    pc = np.zeros(1 << m, dtype=np.int64)
    for s in range(1, 1 << m):
        pc[s] = pc[s >> 1] + (s & 1)
    return pc


_popcounts_jit = njit(_popcounts)


def _mask_list(m: int, K: int, pc: NDArray[np.int64]) -> NDArray[np.int64]:
    """Position sets with fewer than ``K`` bits."""
    cnt = 0
    for s in range(1 << m):
        if pc[s] < K:
            cnt += 1
    out = np.empty(cnt, dtype=np.int64)
    cnt = 0
    for s in range(1 << m):
        if pc[s] < K:
            out[cnt] = s
            cnt += 1
    return out


_mask_list_jit = njit(_mask_list)


def _prune(
    P: NDArray[np.float64],
    b: NDArray[np.float64],
    order: NDArray[np.int64],
    depth: int,
    allowed: NDArray[np.uint8],
    compact: NDArray[np.int64],
) -> int:
    """Stop-on-click dominance pruning; returns the number of ads kept in ``compact``.

    With ads in decreasing bid, pair ``(a, j)`` is dropped when ``depth`` earlier ads have
    ``p_ij >= p_aj``: one of them is unused in any allocation with fewer than ``depth``
    other ads, and swapping it in does not lower welfare (its bid is at least ``b_a``, which
    bounds the value of everything rendered after ``a``).  ``depth = K + 1`` keeps the
    pruning valid after removing any one ad (Clarke pivots).  Ads with zero bid are dropped.
    """
    n, m = P.shape
    top = np.full((m, depth), -1.0)
    for j in range(m):
        for t in range(depth):
            top[j, t] = -1.0
    nk = 0
    for r in range(n):
        a = order[r]
        keep = False
        for j in range(m):
            p = P[a, j]
            ok = b[a] > 0.0 and p > 0.0 and not (top[j, depth - 1] >= p)
            allowed[a, j] = 1 if ok else 0
            keep = keep or ok
            # insert p into the sorted top list of column j
            if p > top[j, depth - 1]:
                pos = depth - 1
                while pos > 0 and top[j, pos - 1] < p:
                    top[j, pos] = top[j, pos - 1]
                    pos -= 1
                top[j, pos] = p
        if keep:
            compact[nk] = a
            nk += 1
    return nk


_prune_jit = njit(_prune)


def _order_fill(
    P: NDArray[np.float64],
    Q: NDArray[np.float64],
    b: NDArray[np.float64],
    order: NDArray[np.int64],
    K: int,
    pc: NDArray[np.int64],
    f: NDArray[np.float64],
    r_top: int,
    r_bottom: int,
    skip: int,
    allowed: NDArray[np.uint8],
    masks: NDArray[np.int64],
) -> None:
    """Fill rows ``r_top..r_bottom-1`` of ``f`` (row ``r_bottom`` already filled).

    ``masks`` lists the position sets with fewer than ``K`` bits (the states where one
    more ad fits); ``allowed[a, j] == 0`` forbids ad ``a`` at position ``j``.
    """
    m = P.shape[1]
    cols = np.empty(m, dtype=np.int64)
    for r in range(r_bottom - 1, r_top - 1, -1):
        a = order[r]
        f[r, :] = f[r + 1, :]
        if a == skip:
            continue
        nc = 0
        for j in range(m):
            if allowed[a, j] != 0:
                cols[nc] = j
                nc += 1
        if nc == 0:
            continue
        ba = b[a]
        for t in range(masks.shape[0]):
            s = masks[t]
            best = f[r, s]
            for c in range(nc):
                j = cols[c]
                bit = 1 << j
                if s & bit:
                    continue
                v = ba * P[a, j] + Q[a, j] * f[r + 1, s | bit]
                if v > best:
                    best = v
            f[r, s] = best


_order_fill_jit = njit(_order_fill)


def _order_trace(
    P: NDArray[np.float64],
    Q: NDArray[np.float64],
    b: NDArray[np.float64],
    order: NDArray[np.int64],
    K: int,
    f: NDArray[np.float64],
    pos: NDArray[np.int64],
    nr: int,
    allowed: NDArray[np.uint8],
) -> None:
    n, m = P.shape
    for i in range(n):
        pos[i] = -1
    s = 0
    for r in range(nr):
        if f[r, s] == f[r + 1, s]:
            continue
        a = order[r]
        for j in range(m):
            if s & (1 << j) or allowed[a, j] == 0:
                continue
            v = b[a] * P[a, j] + Q[a, j] * f[r + 1, s | (1 << j)]
            if v == f[r, s]:
                pos[a] = j
                s = s | (1 << j)
                break


_order_trace_jit = njit(_order_trace)


def _order_dp(
    P: NDArray[np.float64],
    Q: NDArray[np.float64],
    b: NDArray[np.float64],
    order: NDArray[np.int64],
    K: int,
) -> tuple[NDArray[np.int64], float]:
    n, m = P.shape
    pc = _popcounts_jit(m)
    masks = _mask_list_jit(m, K, pc)
    allowed = np.ones((n, m), dtype=np.uint8)
    f = np.zeros((n + 1, 1 << m))
    _order_fill_jit(P, Q, b, order, K, pc, f, 0, n, -1, allowed, masks)
    pos = np.empty(n, dtype=np.int64)
    _order_trace_jit(P, Q, b, order, K, f, pos, n, allowed)
    return pos, f[0, 0]


order_dp = njit(_order_dp)


def _order_vcg_into(
    P: NDArray[np.float64],
    Q: NDArray[np.float64],
    b: NDArray[np.float64],
    order: NDArray[np.int64],
    K: int,
    pc: NDArray[np.int64],
    f: NDArray[np.float64],
    g: NDArray[np.float64],
    pos: NDArray[np.int64],
    ctr: NDArray[np.float64],
    pay: NDArray[np.float64],
    prune: bool,
    allowed: NDArray[np.uint8],
    compact: NDArray[np.int64],
    masks: NDArray[np.int64],
) -> tuple[float, int]:
    n, m = P.shape
    if prune:
        nr = _prune_jit(P, b, order, K + 1, allowed, compact)
    else:
        nr = n
        for r in range(n):
            compact[r] = order[r]
            for j in range(m):
                allowed[order[r], j] = 1
    for s in range(1 << m):
        f[nr, s] = 0.0
    _order_fill_jit(P, Q, b, compact, K, pc, f, 0, nr, -1, allowed, masks)
    _order_trace_jit(P, Q, b, compact, K, f, pos, nr, allowed)
    wel = f[0, 0]
    surv = 1.0
    for i in range(n):
        pay[i] = 0.0
        ctr[i] = 0.0
    for r in range(nr):
        a = compact[r]
        if pos[a] >= 0:
            ctr[a] = surv * P[a, pos[a]]
            surv *= Q[a, pos[a]]
    status = 0
    for r in range(nr):
        a = compact[r]
        if pos[a] < 0:
            continue
        for s in range(1 << m):
            g[r + 1, s] = f[r + 1, s]
        _order_fill_jit(P, Q, b, compact, K, pc, g, 0, r + 1, a, allowed, masks)
        h = g[0, 0]
        p = h - (wel - b[a] * ctr[a])
        hi = b[a] * ctr[a]
        tol = 1e-9 * max(1.0, wel)
        if p < -tol or p > hi + tol:
            status = 2
        pay[a] = min(max(p, 0.0), hi)
    return wel, status


_order_vcg_into_jit = njit(_order_vcg_into)


def _order_vcg_range(
    P: NDArray[np.float64],
    Q: NDArray[np.float64],
    b: NDArray[np.float64],
    order: NDArray[np.int64],
    K: int,
    prune: bool,
    pc: NDArray[np.int64],
    masks: NDArray[np.int64],
    pos: NDArray[np.int64],
    ctr: NDArray[np.float64],
    pay: NDArray[np.float64],
    wel: NDArray[np.float64],
    status: NDArray[np.int64],
    t0: int,
    t1: int,
) -> None:
    """Auctions ``t0 .. t1-1`` of a batch, one table allocation for all of them."""
    _N, n, m = P.shape
    # every row that is read is written first, so the tables are reused as they are
    f = np.zeros((n + 1, 1 << m))
    g = np.zeros((n + 1, 1 << m))
    allowed = np.empty((n, m), dtype=np.uint8)
    compact = np.empty(n, dtype=np.int64)
    for t in range(t0, t1):
        wel[t], status[t] = _order_vcg_into_jit(P[t], Q[t], b[t], order[t], K, pc, f, g, pos[t],
                                                ctr[t], pay[t], prune, allowed, compact, masks)


_order_vcg_range_jit = njit(_order_vcg_range)


def _order_vcg_batch(
    P: NDArray[np.float64],
    Q: NDArray[np.float64],
    b: NDArray[np.float64],
    order: NDArray[np.int64],
    K: int,
    prune: bool,
    chunks: int,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64],
           NDArray[np.int64]]:
    N, n, m = P.shape
    pc = _popcounts_jit(m)
    masks = _mask_list_jit(m, K, pc)
    pos, ctr, pay, wel, status = batch_outputs(N, n)
    chunks = max(1, min(N, chunks))
    for c in numba.prange(chunks):
        _order_vcg_range_jit(P, Q, b, order, K, prune, pc, masks, pos, ctr, pay, wel, status,
                             c * N // chunks, (c + 1) * N // chunks)
    return pos, ctr, pay, wel, status


order_vcg_batch = njit(parallel=True)(_order_vcg_batch)


def _order_vcg(
    P: NDArray[np.float64],
    Q: NDArray[np.float64],
    b: NDArray[np.float64],
    order: NDArray[np.int64],
    K: int,
    prune: bool,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64], float, int]:
    n, m = P.shape
    pc = _popcounts_jit(m)
    masks = _mask_list_jit(m, K, pc)
    pos, ctr, pay, wel, status = batch_outputs(1, n)
    _order_vcg_range_jit(P.reshape(1, n, m), Q.reshape(1, n, m), b.reshape(1, n),
                         order.reshape(1, n), K, prune, pc, masks, pos, ctr, pay, wel, status,
                         0, 1)
    return pos[0], ctr[0], pay[0], wel[0], status[0]


order_vcg = njit(_order_vcg)


def _fixed_dp(
    P: NDArray[np.float64],
    Q: NDArray[np.float64],
    b: NDArray[np.float64],
    sigma: NDArray[np.int64],
    K: int,
    exclude: int,
) -> tuple[NDArray[np.int64], float]:
    n, m = P.shape
    pc = _popcounts_jit(n)
    nmask = 1 << n
    f = np.zeros((m + 1, nmask))
    for t in range(m - 1, -1, -1):
        j = sigma[t]
        for s in range(nmask):
            if pc[s] > K:
                continue
            best = f[t + 1, s]
            if pc[s] < K:
                for i in range(n):
                    if i == exclude or s & (1 << i):
                        continue
                    v = b[i] * P[i, j] + Q[i, j] * f[t + 1, s | (1 << i)]
                    if v > best:
                        best = v
            f[t, s] = best
    pos = np.full(n, -1, dtype=np.int64)
    s = 0
    for t in range(m):
        if f[t, s] == f[t + 1, s]:
            continue
        j = sigma[t]
        for i in range(n):
            if i == exclude or s & (1 << i):
                continue
            v = b[i] * P[i, j] + Q[i, j] * f[t + 1, s | (1 << i)]
            if v == f[t, s]:
                pos[i] = j
                s = s | (1 << i)
                break
    return pos, f[0, 0]


fixed_dp = njit(_fixed_dp)


def _ranked_dp(
    P: NDArray[np.float64],
    Q: NDArray[np.float64],
    b: NDArray[np.float64],
    order: NDArray[np.int64],
    sigma: NDArray[np.int64],
    K: int,
    exclude: int,
) -> tuple[NDArray[np.int64], float]:
    n, m = P.shape
    kk = min(K, m)
    # f[r, t, k]: ads order[r:], rendering ranks t.. free, k more ads allowed
    f = np.zeros((n + 1, m + 1, kk + 1))
    for r in range(n - 1, -1, -1):
        a = order[r]
        for t in range(m, -1, -1):
            for k in range(kk + 1):
                best = f[r + 1, t, k]
                if k > 0 and a != exclude:
                    for u in range(t, m):
                        j = sigma[u]
                        v = b[a] * P[a, j] + Q[a, j] * f[r + 1, u + 1, k - 1]
                        if v > best:
                            best = v
                f[r, t, k] = best
    pos = np.full(n, -1, dtype=np.int64)
    t = 0
    k = kk
    for r in range(n):
        if f[r, t, k] == f[r + 1, t, k]:
            continue
        a = order[r]
        for u in range(t, m):
            j = sigma[u]
            v = b[a] * P[a, j] + Q[a, j] * f[r + 1, u + 1, k - 1]
            if v == f[r, t, k]:
                pos[a] = j
                t = u + 1
                k -= 1
                break
    return pos, f[0, 0, kk]


ranked_dp = njit(_ranked_dp)


def _km_dp(
    c: NDArray[np.float64],
    q: NDArray[np.float64],
    b: NDArray[np.float64],
    K: int,
    exclude: int,
) -> tuple[NDArray[np.int64], float]:
    """Returns the rendering rank of each ad (-1 if not shown) and the welfare."""
    n = c.shape[0]
    key = np.empty(n)
    for i in range(n):
        if q[i] >= 1.0:
            key[i] = np.inf if b[i] * c[i] > 0.0 else 0.0
        else:
            key[i] = b[i] * c[i] / (1.0 - q[i])
    order = np.argsort(-key, kind="mergesort")
    F = np.zeros((n + 1, K + 1))
    for r in range(n - 1, -1, -1):
        a = order[r]
        for k in range(K + 1):
            best = F[r + 1, k]
            if k > 0 and a != exclude:
                v = b[a] * c[a] + q[a] * F[r + 1, k - 1]
                if v > best:
                    best = v
            F[r, k] = best
    rank = np.full(n, -1, dtype=np.int64)
    k = K
    shown = 0
    for r in range(n):
        if F[r, k] == F[r + 1, k]:
            continue
        rank[order[r]] = shown
        shown += 1
        k -= 1
    return rank, F[0, K]


km_dp = njit(_km_dp)
