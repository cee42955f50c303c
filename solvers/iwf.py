"""Iterative water-filling sweeps: Jacobi, Gauss-Seidel and asynchronous (numba).

Arrays (all C-contiguous; ``G`` float64 or float32, everything else float64):

* ``G[r, q, k]`` -- power gain from transmitter ``r`` to receiver ``q`` on carrier ``k``
  (the first index is the source);
* ``sigma2[q, k]`` -- noise; ``invd[q, k] = 1 / G[q, q, k]`` (0 where unusable);
* ``budgets[q]``; ``caps[q, k]`` -- effective caps, 0 on unusable carriers;
* ``p[q, k]`` -- powers.

The interference-plus-noise at receiver ``q`` is
``intf[q, k] = sigma2[q, k] + sum_{r != q} G[r, q, k] p[r, k]`` and user ``q``'s best
response is the water-filling of ``w = intf[q] * invd[q]`` (see :mod:`solvers.waterfill`).
Kernels assume valid input.

Threads: given ``nch > 1`` (callers pass :func:`sweep_threads`, numba's thread count from
:data:`PAR_MIN_WORK` multiply-adds per sweep on), the Jacobi sweep and the interference
pass split the receivers into ``nch`` contiguous chunks run on numba's threads
(``numba.prange``).  Every element of ``intf`` and ``out`` is the same sum in the
same order whichever chunk computes it, the residual is a maximum, and the fingerprint
adds per-row partial sums in row order, so the results are bitwise the same for any
number of threads (tested).  On the 2-core development machine one thread reads ``G`` at
about ``G.sum()`` speed, so the second thread is what brings a sweep to the memory
roofline (see ``benchmarks/water_filling.py``).
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

from solvers._jit import njit, thread_chunks
from solvers.waterfill import wf_row_ws

__all__ = [
    "PAR_MIN_WORK",
    "async_run",
    "cycle_match",
    "cycle_push",
    "fingerprint",
    "gs_sweep",
    "interference",
    "interference_blocks",
    "interference_chunks_parallel",
    "interference_finish_row",
    "interference_rows",
    "jacobi_chunks_parallel",
    "jacobi_rows",
    "jacobi_step",
    "jacobi_step_fp",
    "max_abs",
    "max_abs_diff",
    "sweep_threads",
    "wf_map",
]

#: Smallest sweep (``K * K * N`` multiply-adds) worth splitting over numba's threads;
#: below it one thread runs it (starting a parallel region costs about 5 us here).
PAR_MIN_WORK = 1 << 16


def sweep_threads(K: int, N: int) -> int:
    """Receiver chunks (``nch``) for a sweep of ``K`` users and ``N`` carriers.

    1 below :data:`PAR_MIN_WORK`, else numba's thread count (at most ``K``); see
    :func:`solvers._jit.thread_chunks`.
    """
    return thread_chunks(K, K * K * N, PAR_MIN_WORK)


def _interference_blocks(G: NDArray[np.floating], sigma2: NDArray[np.float64],
                         p: NDArray[np.float64], out: NDArray[np.float64], r_start: int,
                         r_end: int, q0: int, q1: int) -> None:
    """Sources ``r_start .. r_end - 1`` (multiples of 4) into rows ``q0 .. q1 - 1`` of ``out``.

    Four transmitters at a time: ``out`` is read and written once per block of four
    planes ``G[r:r+4]`` (which are streamed in memory order), a quarter of the traffic of
    the plain loop; the direct term is masked by a 0/1 weight instead of a branch, and the
    block of sources 0-3 writes ``sigma2 + ...`` (no separate initialisation pass over
    ``out``).  Does nothing when ``r_start == r_end``.  ``G[r, q0:q1]`` is one contiguous
    run, so a chunk of receivers still streams ``G`` in memory order.
    :func:`interference_finish_row` calls it for one block and one row.
    """
    N = G.shape[2]
    for r in range(r_start, r_end, 4):
        for q in range(q0, q1):
            a0 = 0.0 if q == r else 1.0
            a1 = 0.0 if q == r + 1 else 1.0
            a2 = 0.0 if q == r + 2 else 1.0
            a3 = 0.0 if q == r + 3 else 1.0
            if r == 0:
                for k in range(N):
                    out[q, k] = sigma2[q, k] + (
                        (a0 * (G[r, q, k] * p[r, k]) + a1 * (G[r + 1, q, k] * p[r + 1, k]))
                        + (a2 * (G[r + 2, q, k] * p[r + 2, k]) + a3 * (G[r + 3, q, k] * p[r + 3, k])))
            else:
                for k in range(N):
                    out[q, k] += ((a0 * (G[r, q, k] * p[r, k]) + a1 * (G[r + 1, q, k] * p[r + 1, k]))
                                  + (a2 * (G[r + 2, q, k] * p[r + 2, k])
                                     + a3 * (G[r + 3, q, k] * p[r + 3, k])))


interference_blocks = njit(fastmath=True)(_interference_blocks)


def _interference_finish_row(G: NDArray[np.floating], sigma2: NDArray[np.float64],
                             p: NDArray[np.float64], out: NDArray[np.float64], q: int,
                             r0: int) -> None:
    """Complete row ``q``: add sources ``r0 .. K - 1`` (``r0`` a multiple of 4) to ``out[q]``.

    One block ``r0 .. r0 + 3`` when it fits (:func:`interference_blocks` on row ``q``:
    the same arithmetic, term for term, as in the blocks pass), then the sources after it
    one at a time.  With ``r0 == 0`` the row is written from ``sigma2`` (no block has
    touched it yet).
    """
    K = G.shape[0]
    N = G.shape[2]
    r = r0
    if r + 4 <= K:
        interference_blocks(G, sigma2, p, out, r, r + 4, q, q + 1)
        r += 4
    elif r == 0:                          # K < 4: no block wrote the noise
        for k in range(N):
            out[q, k] = sigma2[q, k]
    while r < K:
        if r != q:
            for k in range(N):
                out[q, k] += G[r, q, k] * p[r, k]
        r += 1


interference_finish_row = njit(fastmath=True)(_interference_finish_row)


def _last_block_start(K: int) -> int:
    """Start of the final pass: the last full block of four sources (0 when ``K < 8``)."""
    return max(0, (K // 4 - 1) * 4)


last_block_start = njit(_last_block_start)


def _interference_rows(G: NDArray[np.floating], sigma2: NDArray[np.float64],
                       p: NDArray[np.float64], out: NDArray[np.float64], q0: int, q1: int) -> None:
    """Rows ``q0 .. q1 - 1`` of :func:`interference` (the work of one receiver chunk).

    All blocks of four sources but the last over these rows (:func:`interference_blocks`),
    then each row completed in turn (:func:`interference_finish_row`: the last block and
    the ``K mod 4`` remaining sources).  Every element is the same sum for any split.
    """
    r_last = last_block_start(G.shape[0])
    interference_blocks(G, sigma2, p, out, 0, r_last, q0, q1)
    for q in range(q0, q1):
        interference_finish_row(G, sigma2, p, out, q, r_last)


# fastmath: the kernels are sums over sources (reassociation and FMA contraction only
# change the last bits); inputs are validated finite, so the no-NaN/inf flags are safe.
interference_rows = njit(fastmath=True)(_interference_rows)


def _interference_chunks_parallel(G: NDArray[np.floating], sigma2: NDArray[np.float64],
                                  p: NDArray[np.float64], out: NDArray[np.float64],
                                  nch: int) -> None:
    """:func:`interference_rows` on ``nch`` contiguous receiver chunks (``numba.prange``).

    A function of its own, not a second compilation of a serial body: numba's disk cache
    keys a function's entries by signature only, so a serial and a parallel compilation of
    one Python function overwrite each other's cache entries (seen here: the float32 sweep
    then ran on one thread).
    """
    K = G.shape[0]
    for c in numba.prange(nch):
        interference_rows(G, sigma2, p, out, c * K // nch, (c + 1) * K // nch)


interference_chunks_parallel = njit(parallel=True)(_interference_chunks_parallel)


def _interference(G: NDArray[np.floating], sigma2: NDArray[np.float64],
                  p: NDArray[np.float64], out: NDArray[np.float64], nch: int = 1) -> None:
    """``out[q, k] = sigma2[q, k] + sum_{r != q} G[r, q, k] * p[r, k]`` (streams ``G`` once).

    :func:`interference_rows` on ``nch`` receiver chunks in parallel when ``nch > 1``
    (the values do not depend on ``nch``); the split into blocks and a final row pass is
    the one :func:`jacobi_step` uses to water-fill each row as soon as it is complete.
    """
    if nch > 1:
        interference_chunks_parallel(G, sigma2, p, out, nch)
    else:
        interference_rows(G, sigma2, p, out, 0, G.shape[0])


interference = njit(_interference)


def _wf_map(G: NDArray[np.floating], sigma2: NDArray[np.float64], invd: NDArray[np.float64],
            budgets: NDArray[np.float64], caps: NDArray[np.float64], p: NDArray[np.float64],
            out: NDArray[np.float64], intf: NDArray[np.float64], nch: int = 1) -> None:
    """The simultaneous best response ``out = WF(p)`` (``intf`` is scratch of shape (K, N)).

    The undamped :func:`jacobi_step` (``intf`` receives the interference of ``p``).
    """
    jacobi_step(G, sigma2, invd, budgets, caps, p, 1.0, out, intf, nch)


def _fingerprint_row(probe: NDArray[np.float64], x: NDArray[np.float64], q: int,
                     out: NDArray[np.float64]) -> None:
    """``out[i] = sum_k probe[i, q * N + k] * x[q, k]`` for the three probe rows (row ``q``)."""
    N = x.shape[1]
    j = q * N
    a0 = 0.0
    a1 = 0.0
    a2 = 0.0
    for k in range(N):
        v = x[q, k]
        a0 += probe[0, j + k] * v
        a1 += probe[1, j + k] * v
        a2 += probe[2, j + k] * v
    out[0] = a0
    out[1] = a1
    out[2] = a2


fingerprint_row = njit(_fingerprint_row)


def _max_abs_diff(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    """``max_k |a[k] - b[k]|`` (0 for empty rows) of two finite rows of equal length.

    Compiled with fast-math so that LLVM vectorises the maximum; the result is still
    exact and order-free (one rounded subtraction per element, ``abs`` and ``max`` exact).
    """
    m = 0.0
    for k in range(a.shape[0]):
        m = max(m, abs(a[k] - b[k]))
    return m


max_abs_diff = njit(fastmath=True)(_max_abs_diff)


def _max_abs(a: NDArray[np.float64]) -> float:
    """``max_k |a[k]|`` (0 for an empty row) of a finite row; fast-math only to vectorise (exact)."""
    m = 0.0
    for k in range(a.shape[0]):
        m = max(m, abs(a[k]))
    return m


max_abs = njit(fastmath=True)(_max_abs)


def _jacobi_rows(G: NDArray[np.floating], sigma2: NDArray[np.float64],
                 invd: NDArray[np.float64], budgets: NDArray[np.float64],
                 caps: NDArray[np.float64], p: NDArray[np.float64], alpha: float,
                 out: NDArray[np.float64], intf: NDArray[np.float64],
                 probe: NDArray[np.float64], fp_rows: NDArray[np.float64], q0: int,
                 q1: int) -> float:
    """Rows ``q0 .. q1 - 1`` of :func:`jacobi_step_fp` (the work of one receiver chunk).

    Returns the largest ``|WF(p) - p|`` over these rows and, when ``probe.shape[1] > 0``,
    writes ``fp_rows[q]`` (:func:`fingerprint_row` of ``out``) for each of them.  Row
    ``q`` is water-filled, compared with ``p[q]``, damped and fingerprinted as soon as
    its interference is complete, while it is in L1.
    """
    K = p.shape[0]
    N = p.shape[1]
    with_fp = probe.shape[1] > 0
    r_last = last_block_start(K)
    interference_blocks(G, sigma2, p, intf, 0, r_last, q0, q1)
    w = np.empty(N)
    flags = np.empty(N, dtype=np.int8)
    buf = np.empty(N)
    res = 0.0
    for q in range(q0, q1):
        interference_finish_row(G, sigma2, p, intf, q, r_last)
        for k in range(N):
            w[k] = intf[q, k] * invd[q, k]
        wf_row_ws(w, budgets[q], caps[q], out[q], flags, buf)
        res = max(res, max_abs_diff(out[q], p[q]))
        if alpha != 1.0:
            for k in range(N):
                out[q, k] = p[q, k] + alpha * (out[q, k] - p[q, k])
        if with_fp:
            fingerprint_row(probe, out, q, fp_rows[q])
    return res


# No fastmath: numba compiles the water-filling callees with the caller's flags (see
# gs_sweep); only the interference kernels it calls are fast.
jacobi_rows = njit(_jacobi_rows)


def _jacobi_chunks_parallel(G: NDArray[np.floating], sigma2: NDArray[np.float64],
                            invd: NDArray[np.float64], budgets: NDArray[np.float64],
                            caps: NDArray[np.float64], p: NDArray[np.float64], alpha: float,
                            out: NDArray[np.float64], intf: NDArray[np.float64],
                            probe: NDArray[np.float64], fp_rows: NDArray[np.float64],
                            res_chunks: NDArray[np.float64], nch: int) -> None:
    """:func:`jacobi_rows` on ``nch`` contiguous receiver chunks (``numba.prange``).

    Chunk ``c`` writes its residual to ``res_chunks[c]``.  A function of its own for the
    reason given in :func:`interference_chunks_parallel`.
    """
    K = p.shape[0]
    for c in numba.prange(nch):
        res_chunks[c] = jacobi_rows(G, sigma2, invd, budgets, caps, p, alpha, out, intf, probe,
                                    fp_rows, c * K // nch, (c + 1) * K // nch)


jacobi_chunks_parallel = njit(parallel=True)(_jacobi_chunks_parallel)


def _jacobi_step_fp(G: NDArray[np.floating], sigma2: NDArray[np.float64],
                    invd: NDArray[np.float64], budgets: NDArray[np.float64],
                    caps: NDArray[np.float64], p: NDArray[np.float64], alpha: float,
                    out: NDArray[np.float64], intf: NDArray[np.float64],
                    probe: NDArray[np.float64], fp: NDArray[np.float64], nch: int = 1) -> float:
    """:func:`jacobi_step` that also writes ``fingerprint(probe, out)`` to ``fp`` (length 3).

    With ``probe.shape[1] == 0`` no fingerprint is computed (``fp`` is not touched).  Runs
    :func:`jacobi_rows` on ``nch`` receiver chunks (in parallel when ``nch > 1``); the
    per-row fingerprints are added in row order, exactly as :func:`fingerprint` adds
    them, so nothing depends on ``nch``.
    """
    K = p.shape[0]
    with_fp = probe.shape[1] > 0
    fp_rows = np.empty((K if with_fp else 0, 3))
    if nch > 1:
        res_chunks = np.empty(nch)
        jacobi_chunks_parallel(G, sigma2, invd, budgets, caps, p, alpha, out, intf, probe,
                               fp_rows, res_chunks, nch)
        res = res_chunks.max()
    else:
        res = jacobi_rows(G, sigma2, invd, budgets, caps, p, alpha, out, intf, probe, fp_rows,
                          0, K)
    if with_fp:
        sum_rows(fp_rows, fp)
    return res


jacobi_step_fp = njit(_jacobi_step_fp)


def _jacobi_step(G: NDArray[np.floating], sigma2: NDArray[np.float64],
                 invd: NDArray[np.float64], budgets: NDArray[np.float64],
                 caps: NDArray[np.float64], p: NDArray[np.float64], alpha: float,
                 out: NDArray[np.float64], intf: NDArray[np.float64], nch: int = 1) -> float:
    """``out = (1 - alpha) p + alpha WF(p)``; returns the residual ``max |WF(p) - p|``.

    ``nch > 1`` splits the receivers into that many chunks run in parallel (the same
    values for any ``nch``; see :func:`sweep_threads`).
    ``intf`` receives the interference of ``p`` (the same values as :func:`interference`).
    Row ``q`` is water-filled, compared with ``p[q]`` and damped as soon as the final pass
    of the interference completes it, while it is in L1 and while the last planes of
    ``G`` are still streaming (no separate passes over ``intf``, ``out`` and ``p``).
    """
    return jacobi_step_fp(G, sigma2, invd, budgets, caps, p, alpha, out, intf,
                          np.empty((3, 0)), np.empty(3), nch)


jacobi_step = njit(_jacobi_step)
wf_map = njit(_wf_map)


def _gs_sweep(G: NDArray[np.floating], sigma2: NDArray[np.float64], invd: NDArray[np.float64],
              budgets: NDArray[np.float64], caps: NDArray[np.float64], p: NDArray[np.float64],
              intf: NDArray[np.float64], order: NDArray[np.int64], alpha: float) -> float:
    """One Gauss-Seidel sweep in ``order``, updating ``p`` and the interference ``intf`` in place.

    ``intf`` must hold the interference of ``p`` on entry; after user ``q`` moves by
    ``d`` every other receiver ``r`` gets ``intf[r] += G[q, r] * d`` (``O(KN)`` per user).
    Returns the largest power change of the sweep.
    """
    N = p.shape[1]
    w = np.empty(N)
    row = np.empty(N)
    d = np.empty(N)
    flags = np.empty(N, dtype=np.int8)
    buf = np.empty(N)
    step = 0.0
    for j in range(order.shape[0]):
        q = order[j]
        for k in range(N):
            w[k] = intf[q, k] * invd[q, k]
        wf_row_ws(w, budgets[q], caps[q], row, flags, buf)
        if alpha == 1.0:                  # two plain loops (vectorised), then the maximum
            for k in range(N):
                d[k] = row[k] - p[q, k]
                p[q, k] = row[k]
        else:
            for k in range(N):
                d[k] = alpha * (row[k] - p[q, k])
                p[q, k] = p[q, k] + d[k]
        moved = max_abs(d)
        step = max(step, moved)
        if moved == 0.0:
            continue                      # nothing changed: the interference stays exact
        add_outer_update(G, q, d, intf)
    return step


# No fastmath here: numba compiles the water-filling callees with the *caller's* flags,
# so a fastmath sweep would decide active sets and ties (and fold the ``isnan`` guards)
# under fast-math.  Only the incremental interference update below is fast.
gs_sweep = njit(_gs_sweep)


def _add_outer_update(G: NDArray[np.floating], q: int, d: NDArray[np.float64],
                      intf: NDArray[np.float64]) -> None:
    """``intf[r, k] += G[q, r, k] * d[k]`` for every receiver ``r != q`` (no comparisons)."""
    K = intf.shape[0]
    N = intf.shape[1]
    Gq = G[q]
    for r in range(K):
        if r == q:
            continue
        Ir = intf[r]
        g = Gq[r]
        for k in range(N):
            Ir[k] += g[k] * d[k]


# fastmath (FMA contraction, vectorisation): a plain sum of finite products, no decision
add_outer_update = njit(fastmath=True)(_add_outer_update)


def _async_run(G: NDArray[np.floating], sigma2: NDArray[np.float64],
               invd: NDArray[np.float64], budgets: NDArray[np.float64],
               caps: NDArray[np.float64], hist: NDArray[np.float64], n_start: int, n_end: int,
               ev_tick: NDArray[np.int64], ev_user: NDArray[np.int64],
               ev_delay: NDArray[np.int64], check_every: int, tol_abs: float,
               trace: NDArray[np.float64], nch: int = 1) -> tuple[int, int, bool]:
    """Simulate asynchronous IWF with bounded delays over an explicit event list.

    ``hist`` is a ring of ``S`` states (``S >= max delay + 2``): the state at tick ``n``
    lives in ``hist[n % S]``; on entry ``hist`` holds the states of ticks
    ``n_start - S + 2 .. n_start`` (at least ``hist[n_start % S]``; older ones only as
    far as the delays reach back).  Event ``e`` says: at tick ``ev_tick[e]`` user
    ``ev_user[e]`` updates using the copy of ``p_r`` from ``min(ev_delay[e, r], tick)``
    ticks ago (events sorted by tick, at most one per user and tick, all ticks in
    ``[n_start, n_end)``).  Users without an event keep their power.  When the
    absolute tick count ``n + 1`` is a multiple of ``check_every`` (0: never) the residual
    ``max |WF(p) - p|`` is appended to ``trace`` and the run stops once it is
    ``<= tol_abs`` (each check is a :func:`jacobi_step` on ``nch`` receiver chunks).
    Returns ``(ticks_reached, checks_written, converged)``; the final state is
    ``hist[ticks_reached % S]``.
    """
    K = hist.shape[1]
    N = hist.shape[2]
    S = hist.shape[0]
    Iq = np.empty(N)
    w = np.empty(N)
    flags = np.empty(N, dtype=np.int8)
    buf = np.empty(N)
    Ifull = np.empty((K, N))
    nxt_wf = np.empty((K, N))
    E = ev_tick.shape[0]
    e = 0
    n_checks = 0
    for n in range(n_start, n_end):
        cur = n % S
        nxt = (n + 1) % S
        for q in range(K):
            for k in range(N):
                hist[nxt, q, k] = hist[cur, q, k]
        while e < E and ev_tick[e] == n:
            q = ev_user[e]
            for k in range(N):
                Iq[k] = sigma2[q, k]
            for r in range(K):
                if r == q:
                    continue
                dl = ev_delay[e, r]
                if dl > n:
                    dl = n
                src = (n - dl) % S
                for k in range(N):
                    Iq[k] += G[r, q, k] * hist[src, r, k]
            for k in range(N):
                w[k] = Iq[k] * invd[q, k]
            wf_row_ws(w, budgets[q], caps[q], hist[nxt, q], flags, buf)
            e += 1
        if check_every > 0 and (n + 1) % check_every == 0:
            res = jacobi_step(G, sigma2, invd, budgets, caps, hist[nxt], 1.0, nxt_wf, Ifull, nch)
            trace[n_checks] = res
            n_checks += 1
            if res <= tol_abs:
                return n + 1, n_checks, True
    return n_end, n_checks, False


async_run = njit(_async_run)


def _sum_rows(rows: NDArray[np.float64], out: NDArray[np.float64]) -> None:
    """``out[i] = rows[0, i] + rows[1, i] + ...`` for ``i < 3``, added in row order."""
    a0 = 0.0
    a1 = 0.0
    a2 = 0.0
    for q in range(rows.shape[0]):
        a0 += rows[q, 0]
        a1 += rows[q, 1]
        a2 += rows[q, 2]
    out[0] = a0
    out[1] = a1
    out[2] = a2


sum_rows = njit(_sum_rows)


def _fingerprint(probe: NDArray[np.float64], p: NDArray[np.float64], out: NDArray[np.float64]) -> None:
    """``out[i] = sum_j probe[i, j] * p.ravel()[j]`` for the three probe rows (one pass over ``p``).

    ``p`` has shape (K, N).  Each row's three sums (:func:`fingerprint_row`, sequential,
    no fast-math) are added in row order -- the order :func:`jacobi_step_fp` uses when
    its rows are computed on several threads.  Replaces a BLAS ``(3, KN) @ (KN,)``
    product, whose threading costs more than the arithmetic on a busy 2-core machine.
    """
    rows = np.empty((p.shape[0], 3))
    for q in range(p.shape[0]):
        fingerprint_row(probe, p, q, rows[q])
    sum_rows(rows, out)


fingerprint = njit(_fingerprint)


def _cycle_match(fp: NDArray[np.float64], n: int, counts: NDArray[np.int64], max_period: int,
                 ctol: float) -> int:
    """Update the per-lag match counters for fingerprint ``fp[n]`` (already recorded).

    For every lag ``2 <= L <= min(max_period, n)``: ``counts[L]`` is incremented when
    ``|fp[n, i] - fp[n - L, i]| <= ctol`` for all three ``i`` (a NaN never matches) and
    reset to 0 otherwise.  Returns the smallest lag whose count reached ``2 L`` (a cycle
    candidate), or 0.
    """
    top = min(max_period, n)
    found = 0
    for lag in range(2, top + 1):
        m = n - lag
        if (abs(fp[n, 0] - fp[m, 0]) <= ctol and abs(fp[n, 1] - fp[m, 1]) <= ctol
                and abs(fp[n, 2] - fp[m, 2]) <= ctol):
            counts[lag] += 1
        else:
            counts[lag] = 0
        if found == 0 and counts[lag] >= 2 * lag:
            found = lag
    return found


cycle_match = njit(_cycle_match)


def _cycle_push(probe: NDArray[np.float64], p: NDArray[np.float64], fp: NDArray[np.float64], n: int,
                counts: NDArray[np.int64], max_period: int, ctol: float) -> int:
    """Record ``fp[n] = fingerprint(probe, p)``, then :func:`cycle_match` (one call per iterate).

    Replaces a fingerprint call plus half a dozen small numpy operations per iteration.
    """
    fingerprint(probe, p, fp[n])
    return cycle_match(fp, n, counts, max_period, ctol)


cycle_push = njit(_cycle_push)
