"""Brute-force incentive check of a multi-agent scoring-rule mechanism (numba).

For every agent ``i``, recommended effort ``b_i``, deviation effort ``b_i'`` and **every**
reporting map ``φ : S_i → S_i`` (all ``m_i ** m_i`` of them, enumerated explicitly), the
kernel computes the ex-ante gain

    Σ_{b: b_i} ξ(b) [Σ_{s,θ} q[(b_i',b_-i), s, θ] γ_i(b, (φ(s_i), s_-i), θ) - c_i(b_i')]
  - Σ_{b: b_i} ξ(b) [Σ_{s,θ} q[b, s, θ] γ_i(b, s, θ) - c_i(b_i)]

against obedience and truth-telling (the others obedient and truthful), and keeps the
best map.  Above ``limit`` maps (default 10^6, i.e. ``m_i >= 8``) the kernel uses the
separable form ``Σ_{s_i} max_{s_i'}`` of the same maximum instead of enumerating.
Index tables (built by :func:`index_tables`) replace one agent's effort or signal inside a
flat profile, so the kernel works on flat arrays only.

Examples
--------
>>> import numpy as np
>>> q = np.array([[[0.25, 0.25], [0.25, 0.25]], [[0.45, 0.05], [0.05, 0.45]]])
>>> gamma = np.zeros((1, 2, 2, 2)); gamma[0, 1, 0, 0] = gamma[0, 1, 1, 1] = 0.25
>>> xi = np.array([0.0, 1.0])
>>> t = index_tables((2,), (2,))
>>> gains, codes = ic_gains(q, gamma, xi, np.array([[0.0, 0.1]]), np.array([2]), np.array([2]), *t)
>>> float(gains[0, 1].max().round(12))
0.0
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from solvers._jit import njit

__all__ = ["decode_map", "ic_gains", "index_tables"]


def index_tables(k: tuple[int, ...], m: tuple[int, ...]) -> tuple[
        NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Own-coordinate and swap tables for flat effort and signal profiles.

    Returns
    -------
    (bown, bswap, sown, sswap)
        ``bown[i, b]`` is agent ``i``'s effort in flat profile ``b``; ``bswap[i, b, e]`` the
        flat profile with that effort replaced by ``e``; ``sown``/``sswap`` likewise for signals.

    Examples
    --------
    >>> bown, bswap, sown, sswap = index_tables((2, 3), (2, 2))
    >>> bown[1].tolist(), bswap[0, 4, 0].tolist()
    ([0, 1, 2, 0, 1, 2], 1)
    """
    def tables(sizes: tuple[int, ...]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        n = len(sizes)
        total = int(np.prod(sizes))
        width = max(sizes)
        coords = np.array(np.unravel_index(np.arange(total), sizes), dtype=np.int64)  # (n, total)
        own = np.ascontiguousarray(coords)
        swap = np.zeros((n, total, width), dtype=np.int64)
        strides = np.array([int(np.prod(sizes[i + 1:])) for i in range(n)], dtype=np.int64)
        for i in range(n):
            base = np.arange(total, dtype=np.int64) - coords[i] * strides[i]
            for e in range(width):
                swap[i, :, e] = base + min(e, sizes[i] - 1) * strides[i]
        return own, swap

    bown, bswap = tables(tuple(k))
    sown, sswap = tables(tuple(m))
    return bown, bswap, sown, sswap


def _ic_gains(q, gamma, xi, costs, k, m, bown, bswap, sown, sswap, limit=10**6):  # noqa: ANN001
    n = k.shape[0]
    K = q.shape[0]
    S = q.shape[1]
    d = q.shape[2]
    kmax = costs.shape[1]
    gains = np.full((n, kmax, kmax), -np.inf)
    codes = np.zeros((n, kmax, kmax), dtype=np.int64)
    mmax = 1
    for i in range(n):
        if m[i] > mmax:
            mmax = m[i]
    W = np.zeros((mmax, mmax))
    phi = np.zeros(mmax, dtype=np.int64)
    for i in range(n):
        mi = m[i]
        for bi in range(k[i]):
            weight = 0.0
            honest = 0.0
            for b in range(K):
                if bown[i, b] == bi and xi[b] > 0.0:
                    weight += xi[b]
                    for s in range(S):
                        acc = 0.0
                        for t in range(d):
                            acc += q[b, s, t] * gamma[i, b, s, t]
                        honest += xi[b] * acc
            if weight <= 0.0:
                continue
            for bj in range(k[i]):
                for a in range(mi):
                    for c in range(mi):
                        W[a, c] = 0.0
                for b in range(K):
                    if bown[i, b] != bi or xi[b] <= 0.0:
                        continue
                    bd = bswap[i, b, bj]
                    for s in range(S):
                        si = sown[i, s]
                        for sp in range(mi):
                            s2 = sswap[i, s, sp]
                            acc = 0.0
                            for t in range(d):
                                acc += q[bd, s, t] * gamma[i, b, s2, t]
                            W[si, sp] += xi[b] * acc
                total = 1
                for _ in range(mi):
                    total *= mi
                best = -np.inf
                best_code = 0
                if total > limit:
                    # too many maps to enumerate: the value is separable over s_i, so the best
                    # map takes the best report after each signal (the same maximum, exactly)
                    best = 0.0
                    scale = 1
                    for j in range(mi):
                        arg = 0
                        for c in range(1, mi):
                            if W[j, c] > W[j, arg]:
                                arg = c
                        best += W[j, arg]
                        best_code += arg * scale
                        scale *= mi
                    total = 0
                # enumerate every reporting map phi in mixed radix (digit j = phi(j))
                for j in range(mi):
                    phi[j] = 0
                for code in range(total):
                    val = 0.0
                    for j in range(mi):
                        val += W[j, phi[j]]
                    if val > best:
                        best = val
                        best_code = code
                    # increment phi
                    j = 0
                    while j < mi:
                        phi[j] += 1
                        if phi[j] < mi:
                            break
                        phi[j] = 0
                        j += 1
                gain = best - weight * costs[i, bj] - (honest - weight * costs[i, bi])
                gains[i, bi, bj] = gain
                codes[i, bi, bj] = best_code
    return gains, codes


ic_gains = njit(_ic_gains)


def decode_map(code: int, m: int) -> tuple[int, ...]:
    """Reporting map ``φ`` (as a tuple ``φ(0), ..., φ(m-1)``) encoded by ``code``.

    Examples
    --------
    >>> decode_map(5, 3)
    (2, 1, 0)
    """
    out = []
    for _ in range(m):
        out.append(int(code % m))
        code //= m
    return tuple(out)
