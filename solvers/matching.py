"""Max-weight bipartite matching with at most ``K`` edges, and MNL / independent-model auctions.

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

``match_vcg(M, b, w0, K, model)`` / ``match_batch(M, b, w0, K, model, payments, chunks)``
    One auction, or ``N`` auctions over a leading batch axis, under the user model
    ``model``: :data:`MNL` (``M`` = attraction weights, Dinkelbach, warm-started Clarke
    re-solves) or :data:`INDEPENDENT` (``M`` = CTRs ``p_ij``, ``pi_i = p_ij``: one
    ``<= K``-matching of ``b_i p_ij`` plus one re-solve without each shown ad).  Both
    return ``(position, ctr, payment, welfare, status)``; with ``payments=False`` the
    Clarke re-solves are skipped and payments are 0.  The batch form runs
    ``numba.prange`` over ``chunks`` contiguous blocks of auctions (scratch arrays
    allocated once per block; pass a few times the thread count); the single form is the
    same code on a batch of one, so the two never disagree.

Status codes: 0 ok, 1 Dinkelbach hit its iteration cap, 2 a payment left ``[0, b pi]``
beyond round-off (``1e-9`` relative), 3 a matching failure (2 and 3 would be bugs).

Examples
--------
>>> import numpy as np
>>> C = np.array([[3.0, 1.0], [2.0, 2.0]])
>>> pos, total = kmatch(C, 2)
>>> pos.tolist(), float(total)
([0, 1], 5.0)
>>> P = np.array([[1.0, 0.5], [1.0, 0.5], [1.0, 0.5]])  # EOS: per-click prices 3 and 2
>>> pos, ctr, pay, wel, st = match_vcg(P, np.array([10.0, 4.0, 2.0]), 1.0, 2, INDEPENDENT)
>>> pos.tolist(), (pay / np.where(ctr > 0, ctr, 1)).tolist(), float(wel), int(st)
([0, 1, -1], [3.0, 2.0, 0.0], 12.0, 0)
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

from solvers._jit import njit

__all__ = [
    "INDEPENDENT",
    "MAX_DINKELBACH_ITERATIONS",
    "MNL",
    "batch_outputs",
    "kmatch",
    "match_batch",
    "match_vcg",
    "mnl_ctr_into",
    "mnl_solve",
    "scratch",
]

#: Dinkelbach stops with status 1 (not converged) after this many iterations.
MAX_DINKELBACH_ITERATIONS = 200
#: ``model`` code of the MNL user model (``M`` holds attraction weights).
MNL = 0
#: ``model`` code of the independent (assignment) model (``M`` holds CTRs).
INDEPENDENT = 1

#: The scratch tuple ``(C, rows, top, mate, adpos, val, pred, start, cnt, thr, sp, cand)``.
Scratch = tuple[Any, ...]


def _scratch(n: int, m: int, K: int) -> Scratch:
    """Scratch arrays shared by every kernel of this module, for ``(n, m)`` and cap ``K``.

    ``C`` (n, m) holds matching weights, ``rows``/``sp``/``cand`` (n) row lists and
    positions, ``top`` (m, kk) the per-column top rows, and ``mate``, ``adpos``, ``val``,
    ``pred``, ``start``, ``cnt``, ``thr`` the augmenting-path state.
    """
    kk = max(1, min(K, n, m))
    return (np.empty((n, m)), np.empty(n, dtype=np.int64), np.empty((m, kk), dtype=np.int64),
            np.empty(m, dtype=np.int64), np.empty(n, dtype=np.int64), np.empty(m),
            np.empty(m, dtype=np.int64), np.empty(m, dtype=np.int64),
            np.empty(m, dtype=np.int64), np.empty(m), np.empty(n, dtype=np.int64),
            np.empty(n, dtype=np.int64))


scratch = njit(_scratch)


def _kmatch_into(C: NDArray[np.float64], K: int, rows: NDArray[np.int64], nrows: int,
                 top: NDArray[np.int64], mate: NDArray[np.int64], adpos: NDArray[np.int64],
                 val: NDArray[np.float64], pred: NDArray[np.int64], start: NDArray[np.int64],
                 cnt: NDArray[np.int64], thr: NDArray[np.float64]) -> float:
    """Scratch form of :func:`kmatch` over the rows ``rows[:nrows]`` of ``C``.

    Only those rows of ``C`` are read; ``adpos`` (all rows) and ``mate`` are filled and
    the total weight is returned (``-1`` flags an internal failure, never observed).  The
    scratch arrays are ``S[2:10]`` of :func:`scratch` (passed one by one: a tuple argument
    costs measurably more per call in this hot path).
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
    for j in range(m):
        cnt[j] = 0
        thr[j] = 0.0
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
    S = scratch(n, m, K)
    rows = np.arange(n)
    total = _kmatch_into_jit(C, K, rows, n, S[2], S[3], S[4], S[5], S[6], S[7], S[8], S[9])
    return S[4].copy(), total


kmatch = njit(_kmatch)


def _mnl_solve_into(
    W: NDArray[np.float64],
    b: NDArray[np.float64],
    w0: float,
    K: int,
    exclude: int,
    lam0: float,
    S: Scratch,
    best_pos: NDArray[np.int64],
    ncand: int,
) -> tuple[float, float, float, int, int]:
    """Dinkelbach with scratch arrays ``S``; fills ``best_pos``.

    Returns ``(welfare, lam, residual, iterations, status)`` with status 0 converged,
    1 iteration cap reached, 3 matching failure.  With ``ncand >= 0`` only the rows
    ``S[11][:ncand]`` (increasing) are scanned; it must contain every row with
    ``b > lam0`` (the others can never be shown: ``lam`` only grows from ``lam0``), and the
    result is then the same as with all rows (``ncand < 0``).  Uses ``C``, ``rows`` and the
    matching state of ``S``, never ``S[10]`` or ``S[11]`` (free for the caller).
    """
    n, m = W.shape
    C, rows, cand = S[0], S[1], S[11]
    top, mate, adpos, val, pred, start, cnt, thr = S[2], S[3], S[4], S[5], S[6], S[7], S[8], S[9]
    nc = n if ncand < 0 else ncand
    for i in range(n):
        best_pos[i] = -1
    best_w = -1.0
    lam = lam0
    iters = 0
    status = 1
    g_lam = 0.0
    if K > 0 and m > 0:
        # a better lower bound than lam0: the best single-ad allocation (kept as the
        # incumbent, so the answer is never worse than it even when round-off empties
        # the first matching); w b / (w0 + w) increases with w, so each ad's best
        # position is its largest weight (first index on ties)
        si, sj = -1, -1
        for r in range(nc):
            i = r if ncand < 0 else cand[r]
            if i == exclude or b[i] <= lam:
                continue
            jm = 0
            wm = W[i, 0]
            for j in range(1, m):
                if W[i, j] > wm:
                    wm = W[i, j]
                    jm = j
            v = wm * b[i] / (w0 + wm)
            if v > lam:
                lam = v
                si, sj = i, jm
        if si >= 0:
            best_pos[si] = sj
            best_w = lam
    for it in range(MAX_DINKELBACH_ITERATIONS):
        iters = it + 1
        nrows = 0
        for r in range(nc):
            i = r if ncand < 0 else cand[r]
            d = b[i] - lam
            if i != exclude and d > 0.0:
                rows[nrows] = i
                nrows += 1
                for j in range(m):
                    C[i, j] = W[i, j] * d
        g_lam = _kmatch_into_jit(C, K, rows, nrows, top, mate, adpos, val, pred, start, cnt,
                                 thr)
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
    S = scratch(n, m, K)
    pos = np.empty(n, dtype=np.int64)
    w, lam, res, it, st = _mnl_solve_into_jit(W, b, w0, K, exclude, lam0, S, pos, -1)
    return pos, w, lam, res, it, st


mnl_solve = njit(_mnl_solve)


def _clarke(b: NDArray[np.float64], i: int, wel: float, ctr: NDArray[np.float64], h: float,
            pay: NDArray[np.float64]) -> int:
    """``pay[i] = h - (wel - b_i ctr_i)``, clipped to ``[0, b_i ctr_i]``; 2 if clipped beyond round-off."""
    p = h - (wel - b[i] * ctr[i])
    hi = b[i] * ctr[i]
    tol = 1e-9 * max(1.0, wel)
    pay[i] = min(max(p, 0.0), hi)
    return 2 if p < -tol or p > hi + tol else 0


_clarke_jit = njit(_clarke)


def _mnl_ctr_into(W: NDArray[np.float64], w0: float, pos: NDArray[np.int64],
                  ctr: NDArray[np.float64]) -> None:
    """``ctr[i] = w_{i, pos_i} / (w0 + sum of the shown weights)`` (0 for ads not shown)."""
    n = W.shape[0]
    den = w0
    for i in range(n):
        if pos[i] >= 0:
            den += W[i, pos[i]]
    for i in range(n):
        ctr[i] = W[i, pos[i]] / den if pos[i] >= 0 else 0.0


mnl_ctr_into = njit(_mnl_ctr_into)


def _batch_outputs(N: int, n: int) -> tuple[NDArray[np.int64], NDArray[np.float64],
                                            NDArray[np.float64], NDArray[np.float64],
                                            NDArray[np.int64]]:
    """Empty ``(position[N, n], ctr[N, n], payment[N, n], welfare[N], status[N])``."""
    return (np.empty((N, n), dtype=np.int64), np.empty((N, n)), np.empty((N, n)), np.empty(N),
            np.empty(N, dtype=np.int64))


batch_outputs = njit(_batch_outputs)


def _welfare_without(W: NDArray[np.float64], b: NDArray[np.float64], w0: float,
                     pos: NDArray[np.int64], i: int) -> float:
    """MNL welfare of the allocation ``pos`` with ad ``i`` removed."""
    num = 0.0
    den = w0
    for k in range(W.shape[0]):
        if k != i and pos[k] >= 0:
            num += W[k, pos[k]] * b[k]
            den += W[k, pos[k]]
    return num / den


_welfare_without_jit = njit(_welfare_without)


def _mnl_one(
    W: NDArray[np.float64], b: NDArray[np.float64], w0: float, K: int, payments: bool,
    pos: NDArray[np.int64], ctr: NDArray[np.float64], pay: NDArray[np.float64], S: Scratch,
) -> tuple[float, int]:
    """One MNL auction into ``pos``, ``ctr`` and ``pay`` (Clarke pivots if ``payments``)."""
    n, _m = W.shape
    for i in range(n):
        pay[i] = 0.0
        ctr[i] = 0.0
    wel, _lam, _res, _it, st = _mnl_solve_into_jit(W, b, w0, K, -1, 0.0, S, pos, -1)
    if st != 0:
        return wel, st
    mnl_ctr_into(W, w0, pos, ctr)
    status = 0
    if not payments:
        return wel, status
    # warm starts: the optimum without i is at least lam0_i = the welfare of x* minus i,
    # so rows with b <= min_i lam0_i are never shown in a Clarke re-solve; list the others
    lo = np.inf
    for i in range(n):
        if pos[i] >= 0:
            lo = min(lo, _welfare_without_jit(W, b, w0, pos, i))
    cand = S[11]
    nc = 0
    for k in range(n):
        if b[k] > lo:
            cand[nc] = k
            nc += 1
    for i in range(n):
        if pos[i] < 0:
            continue
        lam0 = _welfare_without_jit(W, b, w0, pos, i)
        h, _, _, _, st2 = _mnl_solve_into_jit(W, b, w0, K, i, lam0, S, S[10], nc)
        if st2 != 0:
            return wel, st2
        status = max(status, _clarke_jit(b, i, wel, ctr, max(h, lam0), pay))
    return wel, status


_mnl_one_jit = njit(_mnl_one)


def _candidate_rows(C: NDArray[np.float64], n: int, depth: int, topv: NDArray[np.float64],
                    rows: NDArray[np.int64]) -> int:
    """Rows among the ``depth`` largest of some column of ``C[:n]`` (positive entries only).

    Writes them to ``rows`` in increasing index and returns their number.  With
    ``depth = K + 1`` every ``<= K``-matching of ``C`` without any one row ``i`` has an
    optimum on these rows minus ``i``: a pair ``(a, j)`` outside them has ``K`` rows of
    column ``j`` at least as heavy, at most ``K - 1`` of them matched elsewhere, and
    swapping the free one in does not lose weight.  They also contain the per-column
    top rows :func:`kmatch` keeps (ties to the lower index, as there), so the matching
    found is the one found on all rows.  ``topv`` is scratch of length ``m * depth``.
    """
    m = C.shape[1]
    for t in range(m * depth):
        topv[t] = 0.0
    cnt = 0
    for i in range(n):
        keep = False
        for j in range(m):
            c = C[i, j]
            base = j * depth
            if c > topv[base + depth - 1]:
                keep = True
                pos = depth - 1
                while pos > 0 and topv[base + pos - 1] < c:
                    topv[base + pos] = topv[base + pos - 1]
                    pos -= 1
                topv[base + pos] = c
        if keep:
            rows[cnt] = i
            cnt += 1
    # a row kept early may have been pushed out of every top list later: filter again
    k = 0
    for r in range(cnt):
        i = rows[r]
        for j in range(m):
            if C[i, j] > 0.0 and C[i, j] >= topv[j * depth + depth - 1]:
                rows[k] = i
                k += 1
                break
    return k


_candidate_rows_jit = njit(_candidate_rows)


def _independent_one(
    P: NDArray[np.float64], b: NDArray[np.float64], K: int, payments: bool,
    pos: NDArray[np.int64], ctr: NDArray[np.float64], pay: NDArray[np.float64], S: Scratch,
    topv: NDArray[np.float64],
) -> tuple[float, int]:
    """One independent-model auction (``pi_i = p_ij``) into ``pos``, ``ctr`` and ``pay``.

    ``topv`` is scratch of length ``m (K + 1)`` (see :func:`_candidate_rows`).
    """
    n, m = P.shape
    C, rows, adpos, sp = S[0], S[1], S[4], S[10]
    for i in range(n):
        pay[i] = 0.0
        ctr[i] = 0.0
        for j in range(m):
            C[i, j] = b[i] * P[i, j]
    nr = _candidate_rows_jit(C, n, min(K + 1, n), topv, rows)
    wel = _kmatch_into_jit(C, K, rows, nr, S[2], S[3], adpos, S[5], S[6], S[7], S[8], S[9])
    if wel < 0.0:
        return wel, 3
    for i in range(n):
        pos[i] = adpos[i]
        if pos[i] >= 0:
            ctr[i] = P[i, pos[i]]
    status = 0
    if not payments:
        return wel, status
    for i in range(n):
        if pos[i] < 0:
            continue
        k = 0
        for r in range(nr):
            if rows[r] != i:
                sp[k] = rows[r]
                k += 1
        h = _kmatch_into_jit(C, K, sp, k, S[2], S[3], adpos, S[5], S[6], S[7], S[8], S[9])
        if h < 0.0:
            return wel, 3
        status = max(status, _clarke_jit(b, i, wel, ctr, h, pay))
    return wel, status


_independent_one_jit = njit(_independent_one)


def _match_range(
    M: NDArray[np.float64], b: NDArray[np.float64], w0: float, K: int, model: int,
    payments: bool, pos: NDArray[np.int64], ctr: NDArray[np.float64], pay: NDArray[np.float64],
    wel: NDArray[np.float64], status: NDArray[np.int64], t0: int, t1: int,
) -> None:
    """Auctions ``t0 .. t1-1`` of a batch, one scratch allocation for all of them."""
    _N, n, m = M.shape
    S = scratch(n, m, K)
    topv = np.empty(m * (K + 1))
    for t in range(t0, t1):
        if model == MNL:
            wel[t], status[t] = _mnl_one_jit(M[t], b[t], w0, K, payments, pos[t], ctr[t],
                                             pay[t], S)
        else:
            wel[t], status[t] = _independent_one_jit(M[t], b[t], K, payments, pos[t], ctr[t],
                                                     pay[t], S, topv)


_match_range_jit = njit(_match_range)


def _match_batch(
    M: NDArray[np.float64], b: NDArray[np.float64], w0: float, K: int, model: int,
    payments: bool, chunks: int,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64],
           NDArray[np.int64]]:
    N, n, _m = M.shape
    pos, ctr, pay, wel, status = batch_outputs(N, n)
    chunks = max(1, min(N, chunks))
    for c in numba.prange(chunks):
        # every auction is solved independently: the result never depends on chunks
        _match_range_jit(M, b, w0, K, model, payments, pos, ctr, pay, wel, status,
                         c * N // chunks, (c + 1) * N // chunks)
    return pos, ctr, pay, wel, status


match_batch = njit(parallel=True)(_match_batch)


def _match_vcg(
    M: NDArray[np.float64], b: NDArray[np.float64], w0: float, K: int, model: int
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64], float, int]:
    n, m = M.shape
    pos, ctr, pay, wel, status = batch_outputs(1, n)
    _match_range_jit(M.reshape(1, n, m), b.reshape(1, n), w0, K, model, True, pos, ctr, pay,
                     wel, status, 0, 1)
    return pos[0], ctr[0], pay[0], wel[0], status[0]


match_vcg = njit(_match_vcg)
