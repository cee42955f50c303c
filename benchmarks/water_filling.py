"""Water-filling benchmarks B1-B5 of the design note, each side by side with a numpy baseline.

B1 batched single-user WF vs a vectorised numpy sort; B2 one Jacobi sweep vs the in-process
``G.sum()`` memory roofline, vs a numpy ``einsum`` sweep, and float32 vs float64; B3 one
Gauss-Seidel sweep vs numpy with a Python loop over users; B4 a full solve to relative
residual 1e-10 at (K, N) = (100, 1024), rho = 0.9 for every schedule vs a numpy Jacobi
solver; B5 asynchronous simulation vs a numpy + Python loop.  Dense gains are
transmitter-major ``G[r, q, k]`` (the mechkit convention).

B1 is sensitive to allocator state: glibc serves numpy's large temporaries either from
fresh ``mmap`` pages (page-faulted on every call) or from reused heap memory, depending on
what the process freed before, and the baseline moves 3-4x with it (2.4-3.2 ms against
9-13 ms at (4096, 64)).  The B1 cases therefore pin glibc's mmap and trim thresholds high
(``mallopt``), which puts the baseline in its fast, reused-allocation state; B2-B5 do the
same (their numpy baselines allocate large temporaries too).  The setting stays for the
rest of the process, where it can only make numpy baselines faster.

Where the time goes (per-thread CPU time, 2-core EPYC znver4, 32 KiB L1d, 1 MiB L2):

* B1: the selection kernel makes whole-row Michelot passes whose count-and-sum is
  vectorised (``solvers.waterfill.masked_sum``: exact integer comparison of the bit
  patterns, ``reassoc`` only on the sum).  The entry pass (which carriers are usable,
  whether any cap is finite) is branch-free since session 5 -- a count instead of a
  short-circuit ``and``/``or`` reduction, which LLVM did not vectorise and which cost
  half of each row (1.1 of 2.2 us at N = 1024).  One thread: about 3.8 ns/element at
  N = 64 and 1.5-1.6 ns/element at N >= 1024 (5 and 3 before; 8-9 with the earlier
  compaction passes).  ``water_fill_batch`` splits the rows over numba's threads from 16384 entries on
  (``solvers.waterfill.batch_threads``), about 1.6-1.9x faster on two cores.
* B2: the sweep is the interference pass plus K water-fillings.  Since 2026-11-27 (session
  4) it splits the receivers into one contiguous chunk per numba thread
  (``solvers.iwf.sweep_threads``; bitwise the same result for any number of chunks, tested).
  One thread reading ``G`` in memory order against one ``p`` row runs at ``G.sum()``
  speed, but the 4-source blocks also pull four 8 KiB ``p`` rows per receiver from L2, which
  cost 1.5-1.8x on one thread; every single-thread layout tried (receiver tiles, 1-, 2-, 3-
  and 8-source blocks, 2 x 2 and 4 x 2 source x receiver blocks, padded or interleaved
  ``p`` copies, software prefetch, receiver-major or k-chunked copies of ``G``) stayed at
  0.53-0.62 of ``G.sum()``.  Two threads do not halve the time (DRAM, not the core, is
  the limit) but bring a sweep to 0.87-1.05 of ``G.sum()`` at every size.
  ``G.sum()`` is numpy's single-threaded pass, so the table also reports the sweep against
  a two-thread numba sum of ``G`` (the machine's memory roofline with both cores): the
  sweep runs at about 0.6-0.9 of it.
  float32 vs float64 (target 1.7): 1.6-1.7 at N = 1024 (one run of five 1.89) and
  1.7-2.1 at (1000, 64).  The interference pass alone is 1.75-1.95x faster in float32,
  but a sweep also does about 0.25-0.3 ms of per-row work at (100, 1024) that does not
  depend on the dtype (the water-filling, ``w = intf * invd``, the residual, and reading
  ``invd`` and ``p`` and writing ``out`` -- 3.2 MB that the ``G`` stream has evicted:
  0.12 ms hot, 0.24-0.32 ms cold on two threads), so the ratio of the sums stays below
  the ratio of the passes; at (100, 1024) the float32 sweep needs that work under
  0.06 ms to reach 1.7.  The float32 pass is not at its roofline (0.14-0.17 against
  0.09-0.12 ns/element for a two-thread sum) but core-bound: ``p``, ``intf`` and the
  water-filling stay float64 (float32 ``p`` would cap the accuracy at 1e-7), so a
  float32 element costs a conversion and an FMA (two floating-point operations) where a
  float64 element costs one FMA; with ``G`` in L2 the float32 pass runs at 0.17
  ns/element on one thread against 0.19-0.20 for float64.  Float32 saves memory traffic
  only, and at N = 1024 the float32 sweep is limited by the core rather than by memory.  Measured and not kept (session 5, two threads, ns/element at (100, 1024)
  float32, current 0.14-0.15): software prefetch of the next rows of ``G`` through an
  ``llvm.prefetch`` intrinsic (0.19-0.22), 2- and 3-source blocks (0.14-0.16), 4 x 2
  source x receiver blocks with masks or with a zero row for the direct term
  (0.14-0.15), k-chunked blocks keeping the ``p`` chunks in L1 (0.19-0.27), a copy of
  ``G`` with each block's four source rows interleaved (0.19), AVX2 instead of AVX-512
  code (0.15), receiver tiles of 1-16 rows water-filled as soon as complete (no gain);
  earlier, 4 x 2 blocks gained 7% in float32 but lost 38% in float64 at (1000, 64).
  A numba pitfall found here: the disk cache keys a function's entries by signature, not
  by compiler options, so a serial and a ``parallel=True`` compilation of one Python
  function overwrite each other's entries (the float32 sweep then ran the serial code).
  ``solvers._jit.njit`` now refuses a second compilation with other options.
* B4: per solve at (100, 1024), rho = 0.9: 6-7 sweeps plus about 2 ms of overhead (the
  cycle detector's fingerprint is computed inside the sweep, the lag comparison is one
  kernel, the Nikaido-Isoda gap and error bound run in one scratch buffer, the work buffer
  is handed over instead of copied).  With one thread the solve was 1.32-1.54x numpy's
  Jacobi solver (its sweeps at 5.1-5.5 ms against numpy's 7.5-9 ms); with the threaded
  sweep it is about 2.0-2.4x.  Gauss-Seidel stays serial (each user's update needs the
  previous one): 1.3-1.4x.
"""

import numpy as np

from mechkit.bench import BenchCase, benchmark
from mechkit.random import as_generator


# ------------------------------------------------------------------ numpy baselines
def np_wf_rows(W, P):
    """Vectorised sort-based water-filling of every row (finite W, no caps)."""
    B, N = W.shape
    Ws = np.sort(W, axis=1)
    cs = np.cumsum(Ws, axis=1)
    mu_j = (P[:, None] + cs) / np.arange(1, N + 1)
    m = (mu_j > Ws).sum(axis=1)
    mu = mu_j[np.arange(B), m - 1]
    return np.maximum(mu[:, None] - W, 0.0), mu


def np_interference(G, noise, p):
    return noise + np.einsum("rqk,rk->qk", G, p) - np.einsum("qqk,qk->qk", G, p)


def np_jacobi_sweep(G, noise, invd, P, p):
    return np_wf_rows(np_interference(G, noise, p) * invd, P)[0]


def np_gs_sweep(G, noise, invd, P, p):
    p = p.copy()
    for q in range(G.shape[0]):
        intf = noise[q] + np.einsum("rk,rk->k", G[:, q, :], p) - G[q, q] * p[q]
        p[q] = np_wf_rows((intf * invd[q])[None, :], P[q:q + 1])[0][0]
    return p


def np_jacobi_solve(G, noise, invd, P, p, tol_abs, max_iter=1000):
    for it in range(max_iter):
        new = np_jacobi_sweep(G, noise, invd, P, p)
        if np.max(np.abs(new - p)) <= tol_abs:
            return p, it
        p = new
    raise RuntimeError("numpy Jacobi did not converge")


def np_async(G, noise, invd, P, p0, sched):
    K, _, N = G.shape
    S = sched.max_delay + 2
    hist = np.empty((S, K, N))
    hist[0] = p0
    rows = np.arange(K)
    e = 0
    E = sched.ticks.shape[0]
    for n in range(sched.n_ticks):
        hist[(n + 1) % S] = hist[n % S]
        while e < E and sched.ticks[e] == n:
            q = sched.users[e]
            src = (n - np.minimum(sched.delays[e], n)) % S
            view = hist[src, rows]                        # (K, N): delayed copies of every p_r
            intf = noise[q] + np.einsum("rk,rk->k", G[:, q, :], view) - G[q, q] * view[q]
            hist[(n + 1) % S, q] = np_wf_rows((intf * invd[q])[None, :], P[q:q + 1])[0][0]
            e += 1
    return hist[sched.n_ticks % S]


def _threaded_sum():
    """A numba sum of ``G`` over numba's threads: the memory roofline with every core."""
    import numba

    @numba.njit(parallel=True, fastmath=True)
    def threaded_sum(G):
        K = G.shape[0]
        n = numba.get_num_threads()
        part = np.zeros(n)
        for c in numba.prange(n):
            acc = 0.0
            for r in range(K):
                for q in range(c * K // n, (c + 1) * K // n):
                    for k in range(G.shape[2]):
                        acc += G[r, q, k]
            part[c] = acc
        return part.sum()

    return threaded_sum


def dense_game(K, N, seed=0, rho=None, dtype="float64"):
    from mechkit.water_filling.examples import random_game

    return random_game(K, N, rho=rho, seed=seed, dtype=dtype)


def _close(atol):
    def check(a, b):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=0, atol=atol)
    return check


def _pin_allocator():
    """Keep glibc from returning large blocks to the OS (numpy's temporaries are reused).

    Returns whether the thresholds were set (False off glibc).
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    return bool(mallopt(m_mmap_threshold, 1 << 30)) and bool(mallopt(m_trim_threshold, 1 << 30))


# ------------------------------------------------------------------ B1
@benchmark(name="water_filling.wf_batch", domain="water_filling",
           description="B1: batched water-filling, numba selection vs vectorised numpy sort")
def wf_batch():
    from solvers.waterfill import batch_threads, wf_rows_select

    pinned = _pin_allocator()
    cases = []
    for B, N in ((4096, 64), (512, 1024), (128, 4096)):
        nch = batch_threads(B, N)     # as water_fill_batch: rows over numba's threads
        rng = as_generator(0)
        W = rng.exponential(1.0, (B, N)) * 10 ** rng.uniform(-1, 1, (B, N))
        P = rng.uniform(0.1, 10, B) * N / 16
        C = np.full((B, N), np.inf)
        out = np.empty_like(W)
        lv = np.empty(B)

        def cand(W=W, P=P, C=C, out=out, lv=lv, nch=nch):
            wf_rows_select(W, P, C, out, lv, nch)
            return out

        cases.append(BenchCase(
            size=f"B={B}, N={N}", baseline=lambda W=W, P=P: np_wf_rows(W, P)[0], candidate=cand,
            baseline_name="numpy vectorised sort", target_ratio=2.0, check=_close(1e-9 * N),
            note=(f"ns/element in the table: time / (B N); rows on {nch} thread(s); allocator "
                  + ("pinned (baseline in its fast state)" if pinned else "not pinned (no glibc)"))))
    return cases


# ------------------------------------------------------------------ B2
def _jacobi_cases(K, N):
    import numba

    from solvers.iwf import jacobi_step, sweep_threads

    _pin_allocator()
    nch = sweep_threads(K, N)
    tsum = _threaded_sum()
    g64 = dense_game(K, N, seed=0)
    g32 = dense_game(K, N, seed=0, dtype="float32")
    p = g64.initial_profile()
    G, noise, invd, P, ceff = g64._kernel_args()
    out = np.empty_like(p)
    scratch = np.empty_like(p)
    a32 = g32._kernel_args()

    def sweep64():
        jacobi_step(G, noise, invd, P, ceff, p, 1.0, out, scratch, nch)
        return out

    out32 = np.empty_like(p)
    scratch32 = np.empty_like(p)

    def sweep32():        # preallocated like sweep64 (no page faults of fresh K x N arrays)
        jacobi_step(*a32, p, 1.0, out32, scratch32, nch)
        return out32

    size = f"K={K}, N={N}"
    return [
        BenchCase(size=size, baseline=lambda: G.sum(), candidate=sweep64,
                  baseline_name="G.sum() (memory roofline)", target_ratio=1 / 1.5,
                  note=f"{K}x{K}x{N}: ratio >= 0.667 means within 1.5x of the roofline"),
        BenchCase(size=size, baseline=lambda: tsum(G), candidate=sweep64,
                  baseline_name=f"numba sum of G on {numba.get_num_threads()} threads",
                  target_ratio=None, note=f"{K}x{K}x{N}: the machine's roofline with every core "
                  "(G.sum() uses one)"),
        BenchCase(size=size, baseline=lambda: np_jacobi_sweep(G, noise, invd, P, p),
                  candidate=sweep64, baseline_name="numpy einsum sweep", target_ratio=1.0,
                  check=_close(1e-9 * N)),
        BenchCase(size=size + " f32", baseline=sweep64, candidate=sweep32,
                  baseline_name="mechkit float64 sweep", target_ratio=1.7),
    ]


for _K, _N in ((100, 1024), (1000, 64), (300, 1024)):
    benchmark(name=f"water_filling.jacobi_sweep_{_K}x{_N}", domain="water_filling",
              description="B2: one Jacobi sweep (interference + K water-fillings)")(
        lambda K=_K, N=_N: _jacobi_cases(K, N))


# ------------------------------------------------------------------ B3
def _gs_case(K, N):
    from solvers.iwf import gs_sweep

    _pin_allocator()
    g = dense_game(K, N, seed=0)
    G, noise, invd, P, ceff = g._kernel_args()
    p = g.initial_profile()
    intf = g.interference(p)
    order = np.arange(K, dtype=np.int64)

    def cand():
        pp = p.copy()
        gs_sweep(G, noise, invd, P, ceff, pp, intf.copy(), order, 1.0)
        return pp

    target = 10.0 if (K, N) == (100, 64) else (1.5 if N >= 1024 else None)
    return BenchCase(size=f"K={K}, N={N}", baseline=lambda: np_gs_sweep(G, noise, invd, P, p),
                     candidate=cand, baseline_name="numpy + Python loop over users",
                     target_ratio=target, check=_close(1e-9 * N),
                     note="mechkit updates the interference incrementally (O(KN) per user)")


for _K, _N in ((100, 64), (100, 1024), (1000, 64), (300, 1024)):
    benchmark(name=f"water_filling.gs_sweep_{_K}x{_N}", domain="water_filling",
              description="B3: one Gauss-Seidel sweep")(lambda K=_K, N=_N: _gs_case(K, N))


# ------------------------------------------------------------------ B4
@benchmark(name="water_filling.full_solve", domain="water_filling",
           description="B4: solve to relative residual 1e-10, K=100, N=1024, rho=0.9")
def full_solve():
    from mechkit.water_filling import solve_nash

    _pin_allocator()
    K, N = 100, 1024
    g = dense_game(K, N, seed=0, rho=0.9)
    G, noise, invd, P, _ = g._kernel_args()
    p0 = g.initial_profile()
    tol = 1e-10
    tol_abs = tol * max(1.0, float(P.max()))
    _, it_np = np_jacobi_solve(G, noise, invd, P, p0, tol_abs)
    cases = []
    for schedule in ("jacobi", "gauss_seidel", "async"):
        kw = {"seed": 0, "p_update": 0.5} if schedule == "async" else {}
        res = solve_nash(g, schedule, tol=tol, max_iter=100_000, **kw)
        cases.append(BenchCase(
            size=f"K={K}, N={N}, {schedule}",
            baseline=lambda: np_jacobi_solve(G, noise, invd, P, p0, tol_abs)[0],
            candidate=lambda s=schedule, kw=kw: solve_nash(g, s, tol=tol, max_iter=100_000,
                                                           **kw).p,
            baseline_name="numpy Jacobi solver", target_ratio=None, check=_close(1e-8),
            note=(f"{schedule}: {res.iterations} iterations ({res.status}); numpy Jacobi "
                  f"{it_np} iterations; target >= 1.5x for the fastest schedule")))
    return cases


# ------------------------------------------------------------------ B5
@benchmark(name="water_filling.async", domain="water_filling",
           description="B5: asynchronous IWF, K=20, N=64, 1e4 ticks, p_update=0.3, D=5")
def async_sim():
    from mechkit.water_filling import make_schedule, solve_nash

    _pin_allocator()
    K, N, T = 20, 64, 10_000
    g = dense_game(K, N, seed=0, rho=0.9)
    G, noise, invd, P, _ = g._kernel_args()
    p0 = g.initial_profile()
    sched = make_schedule(K, T, p_update=0.3, max_delay=5, seed=0)
    return BenchCase(
        size=f"K={K}, N={N}, T={T}",
        baseline=lambda: np_async(G, noise, invd, P, p0, sched),
        candidate=lambda: solve_nash(g, "async", events=sched, check_every=10 * T, tol=1e-300).p,
        baseline_name="numpy + Python loop", target_ratio=20.0, check=_close(1e-9),
        note=f"{sched.ticks.shape[0]} events, delays <= 5; no residual checks on either side")

