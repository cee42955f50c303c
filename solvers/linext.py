"""Down-set enumeration and exact linear-extension counting over bitmasks (numba).

A poset on ``n <= 62`` points is given by two ``int64`` arrays of bitmasks:
``below[i]`` (the points strictly below ``i``) and ``above[i]`` (strictly above).

* :func:`enumerate_downsets` lists every down-set (order ideal) as a bitmask, sorted
  ascending, by deciding the points of ``order`` (a linear extension; points left out
  of ``order`` never enter a down-set, so a subposet is counted in its original
  labels by masking ``below``/``above`` and listing only its points): a point may join a
  partial down-set only when everything below it is already in (excluding a point is
  always possible, so the enumeration never backtracks).  Before the sort the list is
  already a linear extension of inclusion (``A ⊂ B`` implies ``A`` comes first: a set
  is appended at the step of its last point, after every set of earlier steps, and
  within a step in the order of the parents ``A - last``, ``B - last``, by induction).
* :func:`count_linext_limbs` runs the down-set DP ``e(empty) = 1``,
  ``e(S) = sum over maximal x of S of e(S - x)`` over a list in which every set comes
  after its subsets (sorted ascending: ``S - x < S`` as integers; or the enumeration
  order above); each predecessor is found in an open-addressing hash table.
  Counts exceed ``2**63`` quickly (``n!`` for an antichain), so each count is stored
  as ``n_limbs`` base-``2**62`` limbs (little-endian) with exact carries; the caller
  recombines them into a Python ``int``.  Every ``e(S) <= |S|! <= n!``, so
  ``n_limbs = 1`` is exact for ``n <= 20`` (``20! < 2**62``); :func:`limbs_needed`
  gives the bound for any ``n``.  The DP first runs in plain ``int64`` (no limbs, no
  carries) and stops as soon as a count reaches ``2**62``; only then does it rerun
  with limbs, so posets with ``e(P) < 2**62`` never pay for them.
* :func:`count_linext` does both in one call (no sort, no round trip through Python).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from solvers._jit import njit

__all__ = [
    "LIMB_BITS",
    "count_linext",
    "count_linext_limbs",
    "enumerate_downsets",
    "limbs_needed",
    "limbs_to_int",
]

#: Bits per limb of the multi-precision counts.
LIMB_BITS = 62


def limbs_needed(n: int) -> int:
    """Number of base-``2**62`` limbs that hold every ``e(S)`` of an ``n``-point poset.

    ``e(S) <= |S|! <= n!``, so ``n!`` fits; one limb (plain ``int64``) up to ``n = 20``.

    Examples
    --------
    >>> [limbs_needed(n) for n in (0, 20, 21, 40)]
    [1, 1, 2, 3]
    """
    return max(1, -(-math.factorial(n).bit_length() // LIMB_BITS))


def _enumerate_unsorted(
    below: NDArray[np.int64], order: NDArray[np.int64], max_count: int
) -> tuple[NDArray[np.int64], bool]:
    cap = 64
    cur = np.zeros(cap, dtype=np.int64)
    size = 1
    for t in range(order.shape[0]):
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
    return cur[:size], True


_enumerate_unsorted_jit = njit(inline="always")(_enumerate_unsorted)


def _enumerate_downsets(
    below: NDArray[np.int64], order: NDArray[np.int64], max_count: int
) -> tuple[NDArray[np.int64], bool]:
    downs, ok = _enumerate_unsorted_jit(below, order, max_count)
    return np.sort(downs), ok


enumerate_downsets = njit(_enumerate_downsets)


def _slot_py(key: int, size: int) -> int:
    lo = key & 0x7FFFFFFF
    hi = key >> 31
    v = lo * 0x5BD1E995 + hi * 0x1B873593
    return (v ^ (v >> 29)) & (size - 1)


_slot = njit(inline="always")(_slot_py)


def _dp_int64(downsets, above, keys, rows, size):  # noqa: ANN001
    # the DP in plain int64; stops with ok=False as soon as a count reaches 2**62 (both
    # addends are below 2**62 before each addition, so nothing wraps before the check)
    m = downsets.shape[0]
    n = above.shape[0]
    limit = (np.int64(1) << np.int64(62)) - np.int64(1)
    e1 = np.zeros(m, dtype=np.int64)
    e1[0] = 1
    for s in range(1, m):
        full = downsets[s]
        acc = np.int64(0)
        for x in range(n):
            bit = np.int64(1) << np.int64(x)
            if (full & bit) != 0 and (above[x] & full) == 0:
                key = full ^ bit
                h = _slot(key, size)
                while keys[h] != key:
                    h = (h + 1) & (size - 1)
                acc += e1[rows[h]]
                if acc > limit:
                    return np.int64(0), False
        e1[s] = acc
    return e1[m - 1], True


_dp_int64_jit = njit(inline="always")(_dp_int64)


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
    # first the int64 DP (enough whenever e(P) < 2**62, always for n <= 20); the limbs
    # only when a count outgrows it
    out = np.zeros(n_limbs, dtype=np.int64)
    value, ok = _dp_int64_jit(downsets, above, keys, rows, size)
    if ok or n_limbs == 1:  # n_limbs == 1 promises e(P) < 2**62 (limbs_needed)
        out[0] = value
        return out
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
    out[:] = e[m - 1]
    return out


_count_linext_limbs_jit = njit(inline="always")(_count_linext_limbs)
count_linext_limbs = njit(_count_linext_limbs)


def _count_linext(
    below: NDArray[np.int64],
    above: NDArray[np.int64],
    order: NDArray[np.int64],
    max_count: int,
    n_limbs: int,
) -> tuple[NDArray[np.int64], int, bool]:
    downs, ok = _enumerate_unsorted_jit(below, order, max_count)
    if not ok:
        return np.zeros(n_limbs, dtype=np.int64), 0, False
    return _count_linext_limbs_jit(downs, above, n_limbs), downs.shape[0], True


#: ``count_linext(below, above, order, max_count, n_limbs) -> (limbs, num_downsets, ok)``:
#: enumerate the down-sets (``order`` a linear extension) and run the DP in one call;
#: ``ok`` is False (and nothing counted) when there are more than ``max_count`` down-sets.
count_linext = njit(_count_linext)


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
