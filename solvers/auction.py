"""Batched Myerson auctions under MNL (numba): ironed virtual values, allocation, payments.

The ironed virtual values of the bids come precomputed (``phi[N, n]``); each bidder's
``phi_bar_i`` is also given as segments ``phi_bar(v) = alpha + beta v`` on ``[lo, hi)``
(``seg[i, s, 0:4]`` = ``lo, hi, alpha, beta`` and ``nseg[i]``, as produced by
``mechkit.position_auctions.priors``) to map critical virtual values back to bids.  Per
auction:

1. virtual bids ``max(phi_i, 0)`` and the MNL optimum over them (Dinkelbach);
2. for every shown ad, the breakpoints of ``Phi(t) = max_x [t pi_i(x) + sum_{k != i}
   phi_k pi_k(x)]`` on ``[0, phi_i]`` by the tangent-line recursion (explicit stack);
3. ``p_i = sum_k z_k (pi^(k) - pi^(k-1))`` with ``z_k = inf {v : phi_bar_i(v) >= t_k}``;
   where ``phi_bar_i`` is flat at ``t_k`` (an ironed interval ``[v_lo, v_hi)`` or a discrete
   support point) the allocation is re-solved at ``phi_bar = t_k``: the CTR ``c`` the tie
   rule gives there is reached at ``v_lo``, the rest of the jump only at ``v_hi``.

Status per auction: 0 ok, 1 Dinkelbach cap, 3 matching failure, 4 more breakpoints than
the stack holds (64), 5 a payment outside ``[0, b pi]`` beyond round-off.

Examples
--------
>>> import numpy as np
>>> seg = np.array([[[0.0, 1.0, -1.0, 2.0]], [[0.0, 1.0, -1.0, 2.0]]])  # U[0, 1]
>>> W = np.ones((1, 2, 1)); b = np.array([[0.8, 0.6]]); phi = 2 * b - 1
>>> pos, ctr, pay, st = myerson_mnl_batch(W, b, phi, 1.0, 1, seg, np.array([1, 1]), 1)
>>> pos.tolist(), [round(float(x), 12) for x in pay[0]], st.tolist()
([[0, -1]], [0.3, 0.0], [0])
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

from solvers._jit import njit
from solvers.matching import Scratch, _mnl_solve_into_jit, batch_outputs, mnl_ctr_into, scratch

__all__ = ["myerson_mnl_batch"]

_STACK = 64


def _threshold(seg: NDArray[np.float64], ns: int, t: float) -> float:
    for s in range(ns):
        lo, hi, al, be = seg[s, 0], seg[s, 1], seg[s, 2], seg[s, 3]
        if be == 0.0:
            if al >= t:
                return lo
            continue
        if al + be * hi >= t or hi == np.inf:
            v = (t - al) / be
            return v if v > lo else lo
    return seg[ns - 1, 1]


_threshold_jit = njit(_threshold)


def _flat_at(seg: NDArray[np.float64], ns: int, t: float) -> tuple[float, float, float]:
    """``(v_lo, v_hi, value)`` of the run of flat segments with value ``t``.

    Up to ``1e-9`` relative round-off; ``v_lo = nan`` when ``phi_bar`` is not flat at ``t``.
    """
    tol = 1e-9 * max(1.0, abs(t))
    for s in range(ns):
        if seg[s, 3] == 0.0 and seg[s, 1] > seg[s, 0] and abs(seg[s, 2] - t) <= tol:
            al = seg[s, 2]
            hi = seg[s, 1]
            k = s
            while k + 1 < ns and seg[k + 1, 3] == 0.0 and abs(seg[k + 1, 2] - al) <= tol:
                k += 1
                hi = seg[k, 1]
            return seg[s, 0], hi, al
    return np.nan, np.nan, np.nan


_flat_at_jit = njit(_flat_at)


def _solve_value(W: NDArray[np.float64], vb: NDArray[np.float64], w0: float, K: int,
                 i: int, S: Scratch) -> tuple[float, float, int]:
    """Virtual welfare and CTR of ad ``i`` at the virtual bids ``vb`` (positions in ``S[10]``)."""
    n = W.shape[0]
    scratch_pos = S[10]
    wel, _, _, _, st = _mnl_solve_into_jit(W, vb, w0, K, -1, 0.0, S, scratch_pos, -1)
    den = w0
    for k in range(n):
        if scratch_pos[k] >= 0:
            den += W[k, scratch_pos[k]]
    s = W[i, scratch_pos[i]] / den if scratch_pos[i] >= 0 else 0.0
    return wel, s, st


_solve_value_jit = njit(inline="always")(_solve_value)


def _myerson_one(W: NDArray[np.float64], b: NDArray[np.float64], phi: NDArray[np.float64],
                 w0: float, K: int, seg: NDArray[np.float64], nseg: NDArray[np.int64],
                 pos: NDArray[np.int64], ctr: NDArray[np.float64],
                 pay: NDArray[np.float64], S: Scratch) -> int:
    n = W.shape[0]
    vb = np.empty(n)
    for i in range(n):
        vb[i] = phi[i] if phi[i] > 0.0 else 0.0
        pay[i] = 0.0
        ctr[i] = 0.0
    _, _, _, _, st = _mnl_solve_into_jit(W, vb, w0, K, -1, 0.0, S, pos, -1)
    if st != 0:
        return st
    mnl_ctr_into(W, w0, pos, ctr)
    stack = np.empty((_STACK, 6))
    bt = np.empty(_STACK)
    bs = np.empty(_STACK)
    for i in range(n):
        if pos[i] < 0:
            continue
        own = vb[i]
        vb[i] = 0.0
        f0, s0, st = _solve_value_jit(W, vb, w0, K, i, S)
        vb[i] = own
        f1 = 0.0
        for k in range(n):
            if pos[k] >= 0:
                f1 += vb[k] * ctr[k]
        s1 = ctr[i]
        nb = 0
        depth = 1
        stack[0, 0], stack[0, 1], stack[0, 2] = 0.0, f0, s0
        stack[0, 3], stack[0, 4], stack[0, 5] = own, f1, s1
        while depth > 0:
            depth -= 1
            tl, fl, sl = stack[depth, 0], stack[depth, 1], stack[depth, 2]
            tr, fr, sr = stack[depth, 3], stack[depth, 4], stack[depth, 5]
            if sr - sl <= 1e-14:
                continue
            t = (fl - sl * tl - fr + sr * tr) / (sr - sl)
            if t < tl:
                t = tl
            if t > tr:
                t = tr
            vb[i] = t
            ft, stt, st = _solve_value_jit(W, vb, w0, K, i, S)
            vb[i] = own
            if st != 0:
                return st
            line = fl + sl * (t - tl)
            if ft <= line + 1e-12 * max(1.0, abs(line)) or t <= tl or t >= tr:
                if nb >= _STACK:
                    return 4
                bt[nb] = t
                bs[nb] = sr
                nb += 1
                continue
            if depth + 2 > _STACK:
                return 4
            stack[depth, 0], stack[depth, 1], stack[depth, 2] = t, ft, stt
            stack[depth, 3], stack[depth, 4], stack[depth, 5] = tr, fr, sr
            depth += 1
            stack[depth, 0], stack[depth, 1], stack[depth, 2] = tl, fl, sl
            stack[depth, 3], stack[depth, 4], stack[depth, 5] = t, ft, stt
            depth += 1
        # sort breakpoints by t (insertion sort; few entries)
        for a in range(1, nb):
            x, y = bt[a], bs[a]
            c = a - 1
            while c >= 0 and bt[c] > x:
                bt[c + 1], bs[c + 1] = bt[c], bs[c]
                c -= 1
            bt[c + 1], bs[c + 1] = x, y
        prev = 0.0
        p = 0.0
        for a in range(nb):
            v_lo, v_hi, al = _flat_at_jit(seg[i], nseg[i], bt[a])
            if np.isnan(v_lo):
                p += _threshold_jit(seg[i], nseg[i], bt[a]) * (bs[a] - prev)
            else:
                # phi_bar is flat at the breakpoint: every bid in [v_lo, v_hi) has virtual
                # bid al, where the tie rule gives CTR cf; the rest of the jump needs v_hi
                if v_hi == np.inf:
                    v_hi = seg[i, nseg[i] - 1, 0]
                vb[i] = al if al > 0.0 else 0.0
                _, cf, st = _solve_value_jit(W, vb, w0, K, i, S)
                vb[i] = own
                if st != 0:
                    return st
                cf = min(max(cf, prev), bs[a])
                p += v_lo * (cf - prev) + v_hi * (bs[a] - cf)
            prev = bs[a]
        hi = b[i] * ctr[i]
        if p < -1e-9 * max(1.0, hi) or p > hi + 1e-9 * max(1.0, hi):
            return 5
        pay[i] = min(max(p, 0.0), hi)
    return 0


_myerson_one_jit = njit(_myerson_one)


def _myerson_mnl_batch(
    W: NDArray[np.float64], b: NDArray[np.float64], phi: NDArray[np.float64], w0: float,
    K: int, seg: NDArray[np.float64], nseg: NDArray[np.int64], chunks: int,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    N, n, m = W.shape
    pos, ctr, pay, _wel, status = batch_outputs(N, n)
    chunks = max(1, min(N, chunks))
    for c in numba.prange(chunks):
        S = scratch(n, m, K)
        for t in range(c * N // chunks, (c + 1) * N // chunks):
            status[t] = _myerson_one_jit(W[t], b[t], phi[t], w0, K, seg, nseg, pos[t], ctr[t],
                                         pay[t], S)
    return pos, ctr, pay, status


myerson_mnl_batch = njit(parallel=True)(_myerson_mnl_batch)
