"""Down-set enumeration and exact linear-extension counting over bitmasks (numba).

A poset on ``n <= 62`` points is given by two ``int64`` arrays of bitmasks:
``below[i]`` (the points strictly below ``i``) and ``above[i]`` (strictly above).

* :func:`enumerate_downsets` lists every down-set (order ideal) as a bitmask, sorted
  ascending, by deciding the points in a linear-extension order: a point may join a
  partial down-set only when everything below it is already in (excluding a point is
  always possible, so the enumeration never backtracks).
* :func:`count_linext_limbs` runs the down-set DP ``e(empty) = 1``,
  ``e(S) = sum over maximal x of S of e(S - x)``; ``S - x < S`` as integers, so the
  sorted order is a valid DP order and each predecessor is found in an
  open-addressing hash table.
  Counts exceed ``2**63`` quickly (``n!`` for an antichain), so each count is stored
  as ``n_limbs`` base-``2**62`` limbs (little-endian) with exact carries; the caller
  recombines them into a Python ``int``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from solvers._jit import njit

__all__ = ["LIMB_BITS", "count_linext_limbs", "enumerate_downsets", "limbs_to_int"]

#: Bits per limb of the multi-precision counts.
LIMB_BITS = 62


def _enumerate_downsets(
    below: NDArray[np.int64], order: NDArray[np.int64], max_count: int
) -> tuple[NDArray[np.int64], bool]:
    n = below.shape[0]
    cap = 64
    cur = np.zeros(cap, dtype=np.int64)
    size = 1
    for t in range(n):
        i = order[t]
        bi = below[i]
        bit = np.int64(1) << np.int64(i)
        add = 0
        for s in range(size):
            if (cur[s] & bi) == bi:
                add += 1
        new_size = size + add
        if new_size > max_count:
            return cur[:0].copy(), False
        if new_size > cap:
            while cap < new_size:
                cap *= 2
            grown = np.zeros(cap, dtype=np.int64)
            grown[:size] = cur[:size]
            cur = grown
        k = size
        for s in range(size):
            if (cur[s] & bi) == bi:
                cur[k] = cur[s] | bit
                k += 1
        size = new_size
    return np.sort(cur[:size]), True


enumerate_downsets = njit(_enumerate_downsets)


def _slot_py(key: int, size: int) -> int:
    lo = key & 0x7FFFFFFF
    hi = key >> 31
    v = lo * 0x5BD1E995 + hi * 0x1B873593
    return (v ^ (v >> 29)) & (size - 1)


_slot = njit(inline="always")(_slot_py)


def _count_linext_limbs(
    downsets: NDArray[np.int64], above: NDArray[np.int64], n_limbs: int
) -> NDArray[np.int64]:
    m = downsets.shape[0]
    n = above.shape[0]
    mask = (np.int64(1) << np.int64(62)) - np.int64(1)
    # open-addressing hash table: down-set bitmask -> row (multiplicative hashing of the
    # two 31-bit halves, products below 2**62 so nothing overflows)
    size = 2
    while size < 2 * m:
        size *= 2
    keys = np.full(size, -1, dtype=np.int64)
    rows = np.zeros(size, dtype=np.int64)
    for s in range(m):
        h = _slot(downsets[s], size)
        while keys[h] != -1:
            h = (h + 1) & (size - 1)
        keys[h] = downsets[s]
        rows[h] = s
    e = np.zeros((m, n_limbs), dtype=np.int64)
    e[0, 0] = 1
    for s in range(1, m):
        full = downsets[s]
        for x in range(n):
            bit = np.int64(1) << np.int64(x)
            if (full & bit) != 0 and (above[x] & full) == 0:
                key = full ^ bit
                h = _slot(key, size)
                while keys[h] != key:
                    h = (h + 1) & (size - 1)
                idx = rows[h]
                carry = np.int64(0)
                for k in range(n_limbs):
                    v = e[s, k] + e[idx, k] + carry
                    carry = v >> np.int64(62)
                    e[s, k] = v & mask
    return e[m - 1].copy()


count_linext_limbs = njit(_count_linext_limbs)


def limbs_to_int(limbs: NDArray[np.int64]) -> int:
    """Recombine little-endian base-``2**62`` limbs into a Python ``int``.

    Examples
    --------
    >>> import numpy as np
    >>> limbs_to_int(np.array([5, 1], dtype=np.int64)) == 5 + 2**62
    True
    """
    total = 0
    for k in range(limbs.shape[0] - 1, -1, -1):
        total = (total << LIMB_BITS) | int(limbs[k])
    return total
