"""Max-weight bipartite matching with at most ``K`` edges, and MNL welfare / VCG on top of it.

Kernels (arrays in, arrays out; inputs are assumed valid, C-contiguous ``float64``):

``kmatch(C, K)``
    Maximum-weight matching of ads (rows) to positions (columns) using at most ``K``
    edges, for a non-negative weight matrix ``C``.  Successive shortest (here: longest)
    augmenting paths from the empty matching; every intermediate ``k``-matching is optimal
    among ``k``-matchings, and augmentation stops as soon as the best augmenting path does
    not gain more than ``1e-13 * max(C)`` (so zero-weight edges are never added: the
    "fewer ads" tie rule).  Each augmentation first keeps, per column, the top ``K`` rows
    (a free top-``K`` row of a column is always available, so no other first edge can be
    better), then runs a hop-limited Bellman-Ford over the positions.  Cost
    ``O(n m + K^3 m)``.

``mnl_solve(W, b, w0, K, exclude, lam0)``
    Dinkelbach's method for ``max_x sum x_ij w_ij b_i / (w0 + sum x_ij w_ij)`` over
    ``<= K``-matchings: ``x_t = argmax sum x w (b - lam_t)^+`` and ``lam_{t+1} = W(x_t)``
    until ``lam`` stops increasing.  ``lam0`` must be a lower bound of the optimum
    (0 always is).  Returns the position of each ad (-1 if not shown), the welfare, the
    final ``lam``, the certificate residual ``g(lam) - w0 lam`` (``g(lam)`` = the value of
    the last maximum-weight matching, solved at the final ``lam``) and the iteration count.

``mnl_vcg(W, b, w0, K)``
    The welfare-optimal allocation plus Clarke-pivot payments (one warm-started
    re-solve per shown ad).

``mnl_vcg_batch(W, b, w0, K, chunks)`` / ``mnl_welfare_batch(W, b, w0, K, chunks)``
    Over a leading batch axis: ``numba.prange`` over ``chunks`` contiguous blocks of
    auctions (scratch arrays allocated once per block; pass a few times the thread count).

Examples
--------
>>> import numpy as np
>>> C = np.array([[3.0, 1.0], [2.0, 2.0]])
>>> pos, total = kmatch(C, 2)
>>> pos.tolist(), float(total)
([0, 1], 5.0)
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

from solvers._jit import njit

__all__ = [
    "MAX_DINKELBACH_ITERATIONS",
    "kmatch",
    "mnl_solve",
    "mnl_vcg",
    "mnl_vcg_batch",
    "mnl_welfare_batch",
]

#: Dinkelbach stops with status 1 (not converged) after this many iterations.
MAX_DINKELBACH_ITERATIONS = 200


def _kmatch_into(
    C: NDArray[np.float64],
    K: int,
    rows: NDArray[np.int64],
    nrows: int,
    top: NDArray[np.int64],
    mate: NDArray[np.int64],
    adpos: NDArray[np.int64],
    val: NDArray[np.float64],
    pred: NDArray[np.int64],
    start: NDArray[np.int64],
) -> float:
    """Scratch-array form of :func:`kmatch` over the rows ``rows[:nrows]`` of ``C``.

    Only those rows of ``C`` are read; ``adpos`` (all rows) and ``mate`` are filled and
    the total weight is returned (``-1`` flags an internal failure, never observed).
    """
    n, m = C.shape
    for j in range(m):
        mate[j] = -1
    for i in range(n):
        adpos[i] = -1
    kk = min(K, nrows, m)
    if kk <= 0:
        return 0.0
    # top-kk rows of every column (ties: lower row index first); -1 pads short lists
    cnt = np.zeros(m, dtype=np.int64)
    thr = np.zeros(m)
    cmax = 0.0
    for r in range(nrows):
        i = rows[r]
        for j in range(m):
            c = C[i, j]
            if c <= thr[j]:
                continue
            if c > cmax:
                cmax = c
            cj = cnt[j]
            pos = cj if cj < kk else kk - 1
            while pos > 0 and C[top[j, pos - 1], j] < c:
                if pos < kk:
                    top[j, pos] = top[j, pos - 1]
                pos -= 1
            top[j, pos] = i
            if cj < kk:
                cnt[j] = cj + 1
            if cnt[j] == kk:
                thr[j] = C[top[j, kk - 1], j]
    if cmax <= 0.0:
        return 0.0
    for j in range(m):
        for t in range(cnt[j], kk):
            top[j, t] = -1
    relax_eps = 1e-15 * cmax
    gain_eps = 1e-13 * cmax
    total = 0.0
    for k in range(kk):
        for j in range(m):
            val[j] = -np.inf
            pred[j] = -1
            start[j] = -1
            for t in range(kk):
                a = top[j, t]
                if a < 0:
                    break
                if adpos[a] < 0:
                    val[j] = C[a, j]
                    start[j] = a
                    break
        for _ in range(k + 1):
            changed = False
            for pp in range(m):
                a = mate[pp]
                if a < 0 or val[pp] == -np.inf:
                    continue
                base = val[pp] - C[a, pp]
                for p in range(m):
                    if p == pp:
                        continue
                    cand = base + C[a, p]
                    if cand > val[p] + relax_eps:
                        val[p] = cand
                        pred[p] = pp
                        changed = True
            if not changed:
                break
        best = -1
        best_gain = gain_eps
        for j in range(m):
            if mate[j] < 0 and val[j] > best_gain:
                best_gain = val[j]
                best = j
        if best < 0:
            break
        cur = best
        steps = 0
        while pred[cur] >= 0:
            if steps >= m:
                return -1.0  # a cycle in the predecessor graph: report failure, never guess
            pp = pred[cur]
            a = mate[pp]
            mate[cur] = a
            adpos[a] = cur
            cur = pp
            steps += 1
        a0 = start[cur]
        mate[cur] = a0
        adpos[a0] = cur
        total = 0.0
        for j in range(m):
            if mate[j] >= 0:
                total += C[mate[j], j]
    return total


_kmatch_into_jit = njit(_kmatch_into)


def _kmatch(C: NDArray[np.float64], K: int) -> tuple[NDArray[np.int64], float]:
    n, m = C.shape
    kk = max(1, min(K, n, m))
    top = np.empty((m, kk), dtype=np.int64)
    mate = np.empty(m, dtype=np.int64)
    adpos = np.empty(n, dtype=np.int64)
    val = np.empty(m)
    pred = np.empty(m, dtype=np.int64)
    start = np.empty(m, dtype=np.int64)
    rows = np.arange(n)
    total = _kmatch_into_jit(C, K, rows, n, top, mate, adpos, val, pred, start)
    return adpos, total


kmatch = njit(_kmatch)


def _mnl_solve_into(
    W: NDArray[np.float64],
    b: NDArray[np.float64],
    w0: float,
    K: int,
    exclude: int,
    lam0: float,
    C: NDArray[np.float64],
    top: NDArray[np.int64],
    mate: NDArray[np.int64],
    adpos: NDArray[np.int64],
    val: NDArray[np.float64],
    pred: NDArray[np.int64],
    start: NDArray[np.int64],
    best_pos: NDArray[np.int64],
) -> tuple[float, float, float, int, int]:
    """Dinkelbach with scratch arrays; fills ``best_pos``.

    Returns ``(welfare, lam, residual, iterations, status)`` with status 0 converged,
    1 iteration cap reached, 3 matching failure.
    """
    n, m = W.shape
    for i in range(n):
        best_pos[i] = -1
    best_w = -1.0
    lam = lam0
    iters = 0
    status = 1
    g_lam = 0.0
    rows = np.empty(n, dtype=np.int64)
    if K > 0 and m > 0:
        # a better lower bound than lam0: the best single-ad allocation (kept as the
        # incumbent, so the answer is never worse than it even when round-off empties
        # the first matching)
        si, sj = -1, -1
        for i in range(n):
            if i == exclude or b[i] <= lam:
                continue
            for j in range(m):
                v = W[i, j] * b[i] / (w0 + W[i, j])
                if v > lam:
                    lam = v
                    si, sj = i, j
        if si >= 0:
            best_pos[si] = sj
            best_w = lam
    for it in range(MAX_DINKELBACH_ITERATIONS):
        iters = it + 1
        nrows = 0
        for i in range(n):
            d = b[i] - lam
            if i != exclude and d > 0.0:
                rows[nrows] = i
                nrows += 1
                for j in range(m):
                    C[i, j] = W[i, j] * d
        g_lam = _kmatch_into_jit(C, K, rows, nrows, top, mate, adpos, val, pred, start)
        if g_lam < 0.0:
            status = 3
            break
        num = 0.0
        den = w0
        for j in range(m):
            a = mate[j]
            if a >= 0:
                num += W[a, j] * b[a]
                den += W[a, j]
        new = num / den
        # later iterates are matchings at a higher lam, so they drop ads with b <= lam
        # (the "fewer ads" tie rule); accept them at equal value up to round-off
        if new >= best_w * (1.0 - 4e-16):
            best_w = new
            for i in range(n):
                best_pos[i] = adpos[i]
        if new <= lam * (1.0 + 1e-15):
            status = 0
            break
        lam = new
    # certificate residual g(lam) - w0 lam at the final lam, where g(lam) is the value of
    # the maximum-weight matching of w (b - lam)^+ (the last matching, solved at this lam),
    # not of the returned allocation: every allocation y then has
    # W(y) <= lam + residual / (w0 + sum_y w) <= lam + max(residual, 0) / w0
    return best_w, lam, g_lam - w0 * lam, iters, status


_mnl_solve_into_jit = njit(_mnl_solve_into)


def _mnl_solve(
    W: NDArray[np.float64], b: NDArray[np.float64], w0: float, K: int, exclude: int, lam0: float
) -> tuple[NDArray[np.int64], float, float, float, int, int]:
    n, m = W.shape
    kk = max(1, min(K, n, m))
    C = np.empty((n, m))
    top = np.empty((m, kk), dtype=np.int64)
    mate = np.empty(m, dtype=np.int64)
    adpos = np.empty(n, dtype=np.int64)
    val = np.empty(m)
    pred = np.empty(m, dtype=np.int64)
    start = np.empty(m, dtype=np.int64)
    pos = np.empty(n, dtype=np.int64)
    w, lam, res, it, st = _mnl_solve_into_jit(
        W, b, w0, K, exclude, lam0, C, top, mate, adpos, val, pred, start, pos
    )
    return pos, w, lam, res, it, st


mnl_solve = njit(_mnl_solve)


def _mnl_vcg_one(
    W: NDArray[np.float64],
    b: NDArray[np.float64],
    w0: float,
    K: int,
    pos: NDArray[np.int64],
    ctr: NDArray[np.float64],
    pay: NDArray[np.float64],
    scratch_pos: NDArray[np.int64],
    C: NDArray[np.float64],
    top: NDArray[np.int64],
    mate: NDArray[np.int64],
    adpos: NDArray[np.int64],
    val: NDArray[np.float64],
    pred: NDArray[np.int64],
    start: NDArray[np.int64],
) -> tuple[float, int]:
    """One MNL VCG auction into ``pos``, ``ctr`` and ``pay``; returns (welfare, status).

    Status: 0 ok, 1 Dinkelbach did not converge, 2 a payment left [0, b pi] beyond
    round-off (1e-9 relative), 3 a matching failure (2 and 3 would be bugs).
    """
    n, _m = W.shape
    wel, _lam, _res, _it, st = _mnl_solve_into_jit(
        W, b, w0, K, -1, 0.0, C, top, mate, adpos, val, pred, start, pos
    )
    if st != 0:
        return wel, st
    den = w0
    for i in range(n):
        if pos[i] >= 0:
            den += W[i, pos[i]]
    for i in range(n):
        pay[i] = 0.0
        ctr[i] = 0.0
        if pos[i] >= 0:
            ctr[i] = W[i, pos[i]] / den
    status = 0
    for i in range(n):
        if pos[i] < 0:
            continue
        # warm start: the optimum without i is at least the welfare of x* minus i
        num = 0.0
        d2 = w0
        for k in range(n):
            if k != i and pos[k] >= 0:
                num += W[k, pos[k]] * b[k]
                d2 += W[k, pos[k]]
        lam0 = num / d2
        h, _, _, _, st2 = _mnl_solve_into_jit(
            W, b, w0, K, i, lam0, C, top, mate, adpos, val, pred, start, scratch_pos
        )
        if st2 != 0:
            return wel, st2
        if h < lam0:
            h = lam0
        p = h - (wel - b[i] * ctr[i])
        hi = b[i] * ctr[i]
        tol = 1e-9 * max(1.0, wel)
        if p < -tol or p > hi + tol:
            status = 2
        pay[i] = min(max(p, 0.0), hi)
    return wel, status


_mnl_vcg_one_jit = njit(_mnl_vcg_one)


def _mnl_vcg(
    W: NDArray[np.float64], b: NDArray[np.float64], w0: float, K: int
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64], float, int]:
    n, m = W.shape
    kk = max(1, min(K, n, m))
    pos = np.empty(n, dtype=np.int64)
    ctr = np.empty(n)
    pay = np.empty(n)
    sp = np.empty(n, dtype=np.int64)
    C = np.empty((n, m))
    top = np.empty((m, kk), dtype=np.int64)
    mate = np.empty(m, dtype=np.int64)
    adpos = np.empty(n, dtype=np.int64)
    val = np.empty(m)
    pred = np.empty(m, dtype=np.int64)
    start = np.empty(m, dtype=np.int64)
    wel, st = _mnl_vcg_one_jit(W, b, w0, K, pos, ctr, pay, sp, C, top, mate, adpos, val,
                               pred, start)
    return pos, ctr, pay, wel, st


mnl_vcg = njit(_mnl_vcg)


def _mnl_vcg_batch(
    W: NDArray[np.float64], b: NDArray[np.float64], w0: float, K: int, chunks: int
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64],
           NDArray[np.int64]]:
    N, n, m = W.shape
    kk = max(1, min(K, n, m))
    pos = np.empty((N, n), dtype=np.int64)
    ctr = np.empty((N, n))
    pay = np.empty((N, n))
    wel = np.empty(N)
    status = np.empty(N, dtype=np.int64)
    chunks = max(1, min(N, chunks))
    for c in numba.prange(chunks):
        # scratch arrays once per chunk; every auction is solved independently
        sp = np.empty(n, dtype=np.int64)
        C = np.empty((n, m))
        top = np.empty((m, kk), dtype=np.int64)
        mate = np.empty(m, dtype=np.int64)
        adpos = np.empty(n, dtype=np.int64)
        val = np.empty(m)
        pred = np.empty(m, dtype=np.int64)
        start = np.empty(m, dtype=np.int64)
        for t in range(c * N // chunks, (c + 1) * N // chunks):
            wel[t], status[t] = _mnl_vcg_one_jit(W[t], b[t], w0, K, pos[t], ctr[t], pay[t], sp,
                                                  C, top, mate, adpos, val, pred, start)
    return pos, ctr, pay, wel, status


mnl_vcg_batch = njit(parallel=True)(_mnl_vcg_batch)


def _mnl_welfare_batch(
    W: NDArray[np.float64], b: NDArray[np.float64], w0: float, K: int, chunks: int
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
    N, n, m = W.shape
    kk = max(1, min(K, n, m))
    pos = np.empty((N, n), dtype=np.int64)
    wel = np.empty(N)
    status = np.empty(N, dtype=np.int64)
    chunks = max(1, min(N, chunks))
    for c in numba.prange(chunks):
        C = np.empty((n, m))
        top = np.empty((m, kk), dtype=np.int64)
        mate = np.empty(m, dtype=np.int64)
        adpos = np.empty(n, dtype=np.int64)
        val = np.empty(m)
        pred = np.empty(m, dtype=np.int64)
        start = np.empty(m, dtype=np.int64)
        for t in range(c * N // chunks, (c + 1) * N // chunks):
            w, _, _, _, st = _mnl_solve_into_jit(W[t], b[t], w0, K, -1, 0.0, C, top, mate,
                                                 adpos, val, pred, start, pos[t])
            wel[t] = w
            status[t] = st
    return pos, wel, status


mnl_welfare_batch = njit(parallel=True)(_mnl_welfare_batch)
