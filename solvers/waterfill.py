"""Single-user water-filling kernels (exact, with caps and forbidden carriers).

Problem: maximise ``sum_k log(1 + p_k / w_k)`` subject to ``sum_k p_k <= P`` and
``0 <= p_k <= c_k``.  The solution is ``p_k = clip(mu - w_k, 0, c_k)`` with the water
level ``mu`` solving ``sum_k clip(mu - w_k, 0, c_k) = P`` (or ``p = c`` when the caps
sum to at most ``P``).  A carrier is *usable* when ``w_k < inf`` and ``c_k > 0``.

Two exact algorithms, both finishing with the closed-form level on the identified
active set (``mu = (P - sum_capped c + sum_free w) / #free``):

* ``wf_row_select`` -- Michelot's active-set selection (expected linear time; it sorts
  the survivors after ``MAX_PASSES`` passes).  Without caps every pass is a vectorised
  count-and-sum over the whole row (:func:`masked_sum`: the selection compares IEEE bit
  patterns exactly, only the sum is reassociated); with caps the passes compact the
  candidates and run inside a variable-fixing loop (every carrier whose relaxed power
  exceeds its cap is at its cap in the optimum, because the relaxed level is a lower
  bound of the true one);
* ``wf_row_sort`` -- a breakpoint scan over the sorted ``{w_k} U {w_k + c_k}``.

Conventions (shared with :mod:`mechkit.water_filling`): no usable carrier -> ``p = 0``
and level ``nan``; ``P = 0`` -> ``p = 0`` and level ``min_D w``; slack budget
(``sum_D c <= P``) -> ``p = c`` on the usable set and level ``max_D (w + c)``.

Kernels take contiguous float64 arrays and assume valid input (``w > 0``, ``c >= 0``,
``P >= 0``, no NaN).
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

from solvers._jit import njit, thread_chunks

__all__ = [
    "PAR_MIN_ELEMENTS",
    "batch_threads",
    "masked_sum",
    "plain_sum",
    "wf_row_select",
    "wf_row_sort",
    "wf_row_ws",
    "wf_rows_select",
    "wf_rows_select_parallel",
    "wf_rows_sort",
]

#: Smallest batch (rows x carriers) whose rows are split over numba's threads: about
#: 50-150 us of work, against about 5 us to start a parallel region.
PAR_MIN_ELEMENTS = 1 << 14


def batch_threads(B: int, N: int) -> int:
    """Row chunks (``nch``) for a batch of ``B`` rows of ``N`` carriers.

    1 below :data:`PAR_MIN_ELEMENTS`, else numba's thread count (at most ``B``); see
    :func:`solvers._jit.thread_chunks`.
    """
    return thread_chunks(B, B * N, PAR_MIN_ELEMENTS)


def _edge_cases(w: NDArray[np.float64], budget: float, cap: NDArray[np.float64],
                out: NDArray[np.float64]) -> tuple[int, float]:
    """Fill ``out`` for the no-carrier / zero-budget / slack cases.

    Returns ``(done, level)``: ``done == 1`` when the answer is complete.
    """
    n = w.shape[0]
    m = 0
    total_cap = 0.0
    lo = np.inf
    hi = -np.inf
    for k in range(n):
        out[k] = 0.0
        if w[k] < np.inf and cap[k] > 0.0:
            m += 1
            total_cap += cap[k]
            if w[k] < lo:
                lo = w[k]
            top = w[k] + cap[k]
            if top > hi:
                hi = top
    if m == 0:
        return 1, np.nan
    if budget <= 0.0:
        return 1, lo
    if total_cap <= budget:
        for k in range(n):
            if w[k] < np.inf and cap[k] > 0.0:
                out[k] = cap[k]
        return 1, hi
    return 0, 0.0


def _exact_level(w: NDArray[np.float64], budget: float, cap: NDArray[np.float64],
                 mu: float, out: NDArray[np.float64]) -> float:
    """Classify carriers at the approximate level ``mu``, recompute it in closed form, fill ``out``.

    Branch-free on the hot path: ``out = min(max(mu - w, 0), cap)`` is 0 on unusable
    carriers (``w = inf`` or ``cap = 0``) without a test.
    """
    n = w.shape[0]
    nfree = 0
    s = budget
    for k in range(n):
        is_cap = w[k] + cap[k] <= mu and cap[k] > 0.0
        is_free = w[k] < mu and not is_cap and cap[k] > 0.0
        s -= cap[k] if is_cap else 0.0
        s += w[k] if is_free else 0.0
        nfree += 1 if is_free else 0
    if nfree > 0:
        mu = s / nfree
    total = 0.0
    for k in range(n):
        x = mu - w[k]
        x = x if x > 0.0 else 0.0
        x = x if x < cap[k] else cap[k]
        out[k] = x
        total += x
    if total > budget:
        # mu - w loses digits when w >> budget: rescale the free powers so the budget holds
        capped = 0.0
        spent = 0.0
        for k in range(n):
            if out[k] > 0.0:
                if out[k] < cap[k]:
                    spent += out[k]
                else:
                    capped += cap[k]
        target = budget - capped
        if spent > 0.0:
            f = target / spent if target > 0.0 else 0.0
            for k in range(n):
                if out[k] > 0.0 and out[k] < cap[k]:
                    out[k] *= f
    return mu


edge_cases = njit(_edge_cases)
exact_level = njit(_exact_level)


def _sorted_level(buf: NDArray[np.float64], m: int, budget: float) -> float:
    """Uncapped level of the values ``buf[:m]`` by sorting (the fallback of ``michelot_level``)."""
    x = np.sort(buf[:m])
    cs = 0.0
    mu = x[0] + budget
    for j in range(m):
        cs += x[j]
        cand = (budget + cs) / (j + 1)
        if cand > x[j]:
            mu = cand
        else:
            break
    return mu


sorted_level = njit(_sorted_level)

#: Michelot passes before the sorted fallback.
MAX_PASSES = 32


def _michelot_passes(buf: NDArray[np.float64], m: int, tot: float, budget: float) -> float:
    """Michelot passes on the candidates ``buf[:m]`` (``tot = budget + sum buf[:m]``)."""
    mu = tot / m
    for _ in range(MAX_PASSES):
        m2 = 0
        tot = budget
        for j in range(m):
            x = buf[j]
            buf[m2] = x
            keep = x < mu
            m2 += 1 if keep else 0
            tot += x if keep else 0.0
        if m2 == m or m2 == 0:
            return mu
        m = m2
        mu = tot / m
    return sorted_level(buf, m, budget)


michelot_passes = njit(_michelot_passes)


def _michelot_level(w: NDArray[np.float64], flags: NDArray[np.int8], budget: float,
                    buf: NDArray[np.float64]) -> float:
    """Water level of the *uncapped* problem on the carriers with ``flags[k] == 1``.

    Michelot's (1986) active-set iteration with a branch-free filter: start from every
    candidate, set ``mu = (budget + sum w) / m`` and drop the candidates with ``w >= mu``
    until none drops.  Every pass keeps the whole optimal active set and ``mu`` decreases
    to the exact level.  Expected linear time on random data; after ``MAX_PASSES``
    passes it finishes by sorting the survivors (``O(N log N)`` worst case).  Returns
    ``nan`` when no carrier is flagged.
    """
    n = w.shape[0]
    m = 0
    tot = budget
    for k in range(n):
        keep = flags[k] == 1
        buf[m] = w[k]
        m += 1 if keep else 0
        tot += w[k] if keep else 0.0
    if m == 0:
        return np.nan
    return michelot_passes(buf, m, tot, budget)


michelot_level = njit(_michelot_level)


def _wf_row_capped(w: NDArray[np.float64], budget: float, cap: NDArray[np.float64],
                   out: NDArray[np.float64], flags: NDArray[np.int8],
                   buf: NDArray[np.float64]) -> float:
    """General path with caps: slack check, Michelot with variable fixing, exact level."""
    done, level = edge_cases(w, budget, cap, out)
    if done == 1:
        return level
    n = w.shape[0]
    for k in range(n):
        flags[k] = 1 if (w[k] < np.inf and cap[k] > 0.0) else 0
    mu = michelot_level(w, flags, budget, buf)
    while True:
        # variable fixing: the relaxed level is a lower bound of the true one, so every
        # carrier whose relaxed power exceeds its cap is at its cap in the optimum
        changed = False
        for k in range(n):
            if flags[k] == 1 and mu - w[k] > cap[k]:
                flags[k] = 2
                changed = True
        if not changed:
            break
        rem = budget
        for k in range(n):
            if flags[k] == 2:
                rem -= cap[k]
        if rem < 0.0:
            rem = 0.0
        mu = michelot_level(w, flags, rem, buf)
        if np.isnan(mu):      # every usable carrier fixed (only through rounding): all capped
            mu = -np.inf
            for k in range(n):
                if flags[k] == 2 and w[k] + cap[k] > mu:
                    mu = w[k] + cap[k]
            break
    return exact_level(w, budget, cap, mu, out)


wf_row_capped = njit(_wf_row_capped)


def _masked_sum(buf: NDArray[np.float64], n: int, thr: float) -> tuple[int, float]:
    """Count and sum of the values ``buf[:n] < thr`` (``buf >= 0``, no NaN; ``thr > 0``).

    The comparison is done on the IEEE-754 bit patterns as int64, which orders
    non-negative doubles (``+inf`` included) exactly like ``<`` on the values; so the
    selection is exact and involves no floating-point comparison.  Only the *sum* is
    compiled with the ``reassoc`` fast-math flag (see ``masked_sum`` below), which lets
    LLVM vectorise it; it changes the level in the last bits, never a selection.
    """
    bits = buf.view(np.int64)
    tb = np.float64(thr).view(np.int64)
    s = 0.0
    c = 0
    for k in range(n):
        keep = bits[k] < tb
        s += buf[k] if keep else 0.0
        c += 1 if keep else 0
    return c, s


# reassoc only: no nnan/ninf (inf values are meaningful here) and no float comparison
# in the body (the selection compares integer bit patterns)
masked_sum = njit(fastmath={"reassoc"})(_masked_sum)


def _plain_sum(x: NDArray[np.float64], n: int) -> float:
    """``sum(x[:n])`` for finite ``x`` (vectorised: ``reassoc`` only)."""
    s = 0.0
    for k in range(n):
        s += x[k]
    return s


plain_sum = njit(fastmath={"reassoc"})(_plain_sum)


def _wf_row_ws(w: NDArray[np.float64], budget: float, cap: NDArray[np.float64],
               out: NDArray[np.float64], flags: NDArray[np.int8],
               buf: NDArray[np.float64]) -> float:
    """:func:`wf_row_select` with caller-provided workspaces (each of length ``len(w)``).

    Uncapped path: copy ``w`` to ``buf`` with ``inf`` on unusable carriers, then
    Michelot passes *without compaction*: each pass counts and sums the candidates
    ``buf < thr`` over the whole row (:func:`masked_sum`, vectorised), with the
    threshold ``thr`` the smallest level so far, so the candidate set only shrinks.
    Vectorised full passes are cheaper than the branch-free compaction of the
    surviving candidates for every ``N`` measured (64..4096).  After ``MAX_PASSES``
    passes the candidates are compacted and sorted (exact, ``O(N log N)``).
    """
    n = w.shape[0]
    n_capped = 0
    for k in range(n):            # branch-free ("&", a count): vectorised, 5x the "and/or" loop
        x = w[k]
        c = cap[k]
        usable = (x < np.inf) & (c > 0.0)
        buf[k] = x if usable else np.inf
        n_capped += 1 if usable & (c < np.inf) else 0
    capped = n_capped > 0
    m, s = masked_sum(buf, n, np.inf)
    if m == 0 or budget <= 0.0:
        lo = np.inf
        for k in range(n):
            out[k] = 0.0
            lo = min(lo, buf[k])
        return np.nan if m == 0 else lo
    if capped:
        return wf_row_capped(w, budget, cap, out, flags, buf)
    mu = (budget + s) / m
    thr = mu
    converged = False
    for _ in range(MAX_PASSES):
        m2, s = masked_sum(buf, n, thr)
        if m2 == m or m2 == 0:        # m2 == 0 cannot happen (mu > min candidate); guard
            converged = True
            break
        m = m2
        mu = (budget + s) / m
        thr = min(thr, mu)
    if not converged:
        m2 = 0
        for k in range(n):
            x = buf[k]
            buf[m2] = x
            m2 += 1 if x < thr else 0
        mu = sorted_level(buf, m2, budget)
    # no caps: Michelot's level is already the closed form on the active set
    for k in range(n):
        x = mu - w[k]
        x = x if x > 0.0 else 0.0
        x = x if x < cap[k] else cap[k]
        out[k] = x
    total = plain_sum(out, n)
    if total > budget * (1.0 + 1e-15):
        f = budget / total        # mu - w loses digits when w >> budget: keep the budget
        for k in range(n):
            out[k] *= f
    return mu


wf_row_ws = njit(_wf_row_ws)


def _wf_row_select(w: NDArray[np.float64], budget: float, cap: NDArray[np.float64],
                   out: NDArray[np.float64]) -> float:
    """Exact water-filling of one row by linear-time selection; writes ``out``, returns the level.

    Examples
    --------
    >>> import numpy as np
    >>> out = np.empty(4)
    >>> wf_row_select(np.array([1.0, 4.0, 6.0, 3.0]), 10.0, np.full(4, np.inf), out)
    6.0
    >>> out.tolist()
    [5.0, 2.0, 0.0, 3.0]
    """
    n = w.shape[0]
    return wf_row_ws(w, budget, cap, out, np.empty(n, dtype=np.int8), np.empty(n))


wf_row_select = njit(_wf_row_select)


def _wf_row_sort(w: NDArray[np.float64], budget: float, cap: NDArray[np.float64],
                 out: NDArray[np.float64]) -> float:
    """Exact water-filling of one row by a sorted breakpoint scan; writes ``out``, returns the level.

    Examples
    --------
    >>> import numpy as np
    >>> out = np.empty(3)
    >>> wf_row_sort(np.array([1.0, 2.0, 3.0]), 3.0, np.array([0.5, 10.0, 10.0]), out)
    3.75
    >>> out.tolist()
    [0.5, 1.75, 0.75]
    """
    done, level = edge_cases(w, budget, cap, out)
    if done == 1:
        return level
    n = w.shape[0]
    bp = np.empty(2 * n)
    kind = np.empty(2 * n, dtype=np.int64)
    m = 0
    for k in range(n):
        if w[k] < np.inf and cap[k] > 0.0:
            bp[m] = w[k]
            kind[m] = 1
            m += 1
            if cap[k] < np.inf:
                bp[m] = w[k] + cap[k]
                kind[m] = -1
                m += 1
    order = np.argsort(bp[:m])
    s = 0.0
    slope = 0
    prev = bp[order[0]]
    mu = np.nan
    for j in range(m):
        b = bp[order[j]]
        nxt = s + slope * (b - prev)
        if slope > 0 and nxt >= budget:
            mu = prev + (budget - s) / slope
            break
        s = nxt
        prev = b
        slope += kind[order[j]]
    if np.isnan(mu):
        # slope 0 at the end: every usable carrier is capped and S never reached the budget
        # only through rounding (a cap below the ulp of its w, e.g. w = 1, c = 2e-18)
        mu = prev + (budget - s) / slope if slope > 0 else prev
    return exact_level(w, budget, cap, mu, out)


wf_row_sort = njit(_wf_row_sort)


def _wf_rows_select_range(W: NDArray[np.float64], budgets: NDArray[np.float64],
                          caps: NDArray[np.float64], P: NDArray[np.float64],
                          levels: NDArray[np.float64], lo: int, hi: int) -> None:
    """:func:`wf_row_select` of rows ``lo .. hi - 1``: ``P[b]`` and ``levels[b]``."""
    n = W.shape[1]
    flags = np.empty(n, dtype=np.int8)
    buf = np.empty(n)
    for b in range(lo, hi):
        levels[b] = wf_row_ws(W[b], budgets[b], caps[b], P[b], flags, buf)


wf_rows_select_range = njit(_wf_rows_select_range)


def _wf_rows_select_parallel(W: NDArray[np.float64], budgets: NDArray[np.float64],
                             caps: NDArray[np.float64], P: NDArray[np.float64],
                             levels: NDArray[np.float64], nch: int) -> None:
    """:func:`wf_rows_select_range` on ``nch`` contiguous chunks of rows (``numba.prange``).

    A function of its own (not a parallel compilation of a serial body, which would share
    its disk-cache entries; see :mod:`solvers._jit`).  Rows are independent: the result is
    bitwise the same for any ``nch``.
    """
    B = W.shape[0]
    for c in numba.prange(nch):
        wf_rows_select_range(W, budgets, caps, P, levels, c * B // nch, (c + 1) * B // nch)


wf_rows_select_parallel = njit(parallel=True)(_wf_rows_select_parallel)


def _wf_rows_select(W: NDArray[np.float64], budgets: NDArray[np.float64],
                    caps: NDArray[np.float64], P: NDArray[np.float64],
                    levels: NDArray[np.float64], nch: int = 1) -> None:
    """Row-wise :func:`wf_row_select`: ``P[b]`` and ``levels[b]`` for each row ``W[b]``.

    ``nch > 1`` splits the rows into that many chunks run on numba's threads (callers pass
    :func:`batch_threads`); the result does not depend on ``nch``.
    """
    if nch > 1:
        wf_rows_select_parallel(W, budgets, caps, P, levels, nch)
    else:
        wf_rows_select_range(W, budgets, caps, P, levels, 0, W.shape[0])


wf_rows_select = njit(_wf_rows_select)


def _wf_rows_sort(W: NDArray[np.float64], budgets: NDArray[np.float64],
                  caps: NDArray[np.float64], P: NDArray[np.float64],
                  levels: NDArray[np.float64]) -> None:
    """Row-wise :func:`wf_row_sort`."""
    for b in range(W.shape[0]):
        levels[b] = wf_row_sort(W[b], budgets[b], caps[b], P[b])


wf_rows_sort = njit(_wf_rows_sort)
