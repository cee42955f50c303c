"""Water-filling benchmarks B1-B5 of the design note, each side by side with a numpy baseline.

B1 batched single-user WF vs a vectorised numpy sort; B2 one Jacobi sweep vs the in-process
``G.sum()`` memory roofline, vs a numpy ``einsum`` sweep, and float32 vs float64; B3 one
Gauss-Seidel sweep vs numpy with a Python loop over users; B4 a full solve to relative
residual 1e-10 at (K, N) = (100, 1024), rho = 0.9 for every schedule vs a numpy Jacobi
solver; B5 asynchronous simulation vs a numpy + Python loop.  Dense gains are
transmitter-major ``G[r, q, k]`` (the mechkit convention).

B1 is sensitive to allocator state (numpy's large temporaries may be page-faulted afresh or
reused); both sides run interleaved after a warm-up in the same process, which puts the
baseline in its warm (reused-allocation) state.

Where the time goes (per-thread CPU time, 2-core EPYC znver4, 32 KiB L1d, 1 MiB L2):

* B1: the selection kernel makes whole-row Michelot passes whose count-and-sum is
  vectorised (``solvers.waterfill.masked_sum``: exact integer comparison of the bit
  patterns, ``reassoc`` only on the sum); about 5 ns/element at N=64 and 3 ns/element at
  N >= 1024, against 8-9 ns/element for the earlier compaction passes.
* B2: the sweep is the interference pass plus K water-fillings (about 0.3 ms of a 5 ms
  sweep at (100, 1024) when hot; 0.6-0.8 ms in a solve, where ``intf``, ``invd``, the caps
  and ``p`` come back from DRAM after ``G`` has streamed through every cache level).
  Reading ``G`` once in memory order against one ``p`` row costs the same as ``G.sum()``;
  every variant that also touches a second L1-missing stream per element (four ``p`` rows
  of 8 KiB for the 4-source blocks, or the ``out`` rows for 1-source passes) costs 1.5-1.7x
  more, and k-blocking breaks the sequential stream of ``G`` (2-4x slower).  Measured:
  ``G.sum()`` 3.0 ms, a pure ``sum G[r,q,k] p[r,k]`` stream 2.9 ms, the same with 4 sources
  4.6 ms, the interference 4.9 ms at (100, 1024) float64.
* B2, what was tried on 2026-11-27 (medians of interleaved runs, load 1.0-2.2, (100, 1024)
  float64, ``G.sum()`` 2.8-3.1 ms, current interference 4.4-4.9 ms):

  - the per-``q`` working set is what costs.  A read-only probe ``s += sum_i G[r+i,q,k]
    p[r+i,k]`` runs at ``G.sum()`` speed with one ``p`` row (2.7-3.5 ms, also with four
    ``G`` streams against that one row), and at 4.2-5.5 ms with two or four distinct ``p``
    rows: ``B`` rows of ``G`` plus ``B`` rows of ``p`` per receiver exceed L1 from
    ``B = 2`` at N = 1024 (16 KiB + 16 KiB), so every ``p`` line comes back from L2;
    ``B = 1`` keeps ``p`` in L1 but streams the ``out`` rows instead (4.7 ms);
  - receiver tiles (all sources for a tile of ``Q`` receivers: ``G[r, q0:q0+Q, :]`` is a
    contiguous run, ``p[r]`` from L2): 6.6-8.8 ms for ``Q`` = 1, 2, 4 -- many short runs
    of ``G`` are far slower than its memory order; k-chunks of a page (512 doubles) inside
    4-source blocks: 9.9 ms;
  - 8-source blocks: 7.3-9.0 ms (64 KiB of ``p`` rows); 3-source blocks: no gain;
    2 sources x 2 receivers or 4 sources x 2 receivers (each ``p`` load used twice): equal
    within noise in float64 (4.98-5.24 ms), 4-15% faster in float32 at N = 1024 but
    slower at N = 64; 4 x 4: 3x slower;
  - ``p`` block copied to a padded or interleaved buffer (against 4 KiB aliasing of the
    8 KiB rows): no consistent gain (also N = 1000, where nothing aliases, is no faster);
  - software prefetch of ``G`` (``llvm.prefetch``, L1 or non-temporal, 2-8 KiB ahead):
    the chunked loop it needs costs more than the prefetch saves (5.0-7.4 ms);
  - a receiver-major copy ``GT[q, r, k]`` (each receiver's plane contiguous, ``p`` rows
    from L2): 6.4-7.8 ms for 1, 2 or 4 sources per pass, and the copy itself costs
    12 ms (3.5-4x ``G.sum()``); a k-chunked copy ``Gc[c, r, q, 0:256]`` (so the 4-source
    blocks read 2 KiB ``p`` chunks that stay in L1 while ``G`` is still read in memory
    order): 4.5 against 5.25 ms at (100, 1024), 51.8 against 55.7 ms at (300, 1024), but
    the copy costs 27 ms (9x ``G.sum()``) and doubles the memory;
  - kept: the first block writes ``sigma2 + ...`` (no initialisation pass), and the sweep
    water-fills row ``q`` as soon as the final pass (last block of four plus the ``K mod
    4`` remaining sources, row by row) completes it, with the residual, the damping and
    (for the cycle detector) the fingerprint of the new row while it is in L1: 5.21 ->
    4.96 ms and 43.0 -> 40.5 ms in one interleaved run, within noise in others.

  So with dense ``(K, K, N)`` float64 gains and 8 KiB rows, one sweep stays at about
  0.53-0.62 of ``G.sum()`` here (target 0.667).  float32 vs float64 sweep: 1.42-1.62 at
  N = 1024 (1.7-2.0 at (1000, 64)); ``G.sum()`` itself is only 1.4-1.5x faster in float32
  and the water-filling part (float64 in both) does not shrink, so 1.7 needs an
  interference pass at the float32 memory roofline.
* B4: per solve at (100, 1024), rho = 0.9: 7 sweeps of 5.1-5.5 ms plus, before, about
  5 ms of overhead: the cycle detector's fingerprint (0.17 ms per iterate, reading a
  2.4 MB probe) and six small numpy calls per push (0.16 ms), the Nikaido-Isoda gap and
  error bound (eight fresh ``(K, N)`` temporaries, 0.9-1.4 ms), the result copy.  Now
  the fingerprint is computed inside the sweep, the lag comparison is one kernel
  (``cycle_match``), the gap and bound run the same numpy operations in one scratch buffer
  (bitwise the same values) and the work buffer is handed over instead of copied:
  about 2 ms of overhead remain (0.9 ms of it the two ``log1p`` passes of the gap, which
  numpy runs with SIMD; a fused numba kernel with scalar ``log1p`` took 0.9-2.1 ms, so
  it is not faster).  Side by side (41 interleaved solves, load 1.6): numpy 57.9 ms, the
  Jacobi solve 45.8 ms before and 42.8 ms after (Gauss-Seidel 45.6 -> 44.1 ms).  numpy's
  Jacobi solver also takes 7 sweeps and its time moves between 52 and 74 ms with the load
  of the other core, so the ratio is 1.32-1.54 -- at the 1.5 target only on a quiet
  machine: the sweeps themselves (5.1-5.5 ms against numpy's 7.5-9 ms) set it.
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


def dense_game(K, N, seed=0, rho=None, dtype="float64"):
    from mechkit.water_filling.examples import random_game

    return random_game(K, N, rho=rho, seed=seed, dtype=dtype)


def _close(atol):
    def check(a, b):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=0, atol=atol)
    return check


# ------------------------------------------------------------------ B1
@benchmark(name="water_filling.wf_batch", domain="water_filling",
           description="B1: batched water-filling, numba selection vs vectorised numpy sort")
def wf_batch():
    from solvers.waterfill import wf_rows_select

    cases = []
    for B, N in ((4096, 64), (512, 1024), (128, 4096)):
        rng = as_generator(0)
        W = rng.exponential(1.0, (B, N)) * 10 ** rng.uniform(-1, 1, (B, N))
        P = rng.uniform(0.1, 10, B) * N / 16
        C = np.full((B, N), np.inf)
        out = np.empty_like(W)
        lv = np.empty(B)

        def cand(W=W, P=P, C=C, out=out, lv=lv):
            wf_rows_select(W, P, C, out, lv)
            return out

        cases.append(BenchCase(
            size=f"B={B}, N={N}", baseline=lambda W=W, P=P: np_wf_rows(W, P)[0], candidate=cand,
            baseline_name="numpy vectorised sort", target_ratio=2.0, check=_close(1e-9 * N),
            note="ns/element in the table: time / (B N)"))
    return cases


# ------------------------------------------------------------------ B2
def _jacobi_cases(K, N):
    from solvers.iwf import jacobi_step

    g64 = dense_game(K, N, seed=0)
    g32 = dense_game(K, N, seed=0, dtype="float32")
    p = g64.initial_profile()
    G, noise, invd, P, ceff = g64._kernel_args()
    out = np.empty_like(p)
    scratch = np.empty_like(p)
    a32 = g32._kernel_args()

    def sweep64():
        jacobi_step(G, noise, invd, P, ceff, p, 1.0, out, scratch)
        return out

    out32 = np.empty_like(p)
    scratch32 = np.empty_like(p)

    def sweep32():        # preallocated like sweep64 (no page faults of fresh K x N arrays)
        jacobi_step(*a32, p, 1.0, out32, scratch32)
        return out32

    size = f"K={K}, N={N}"
    return [
        BenchCase(size=size, baseline=lambda: G.sum(), candidate=sweep64,
                  baseline_name="G.sum() (memory roofline)", target_ratio=1 / 1.5,
                  note=f"{K}x{K}x{N}: ratio >= 0.667 means within 1.5x of the roofline"),
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

