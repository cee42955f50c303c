"""Poset-filter pooling kernels: ``f_P(window) = max over up-sets U of sum_{k in U} x_k``.

Three kernels:

* 2x2 windows, stride 2 (the paper's layer): a loop over each pair of input rows
  (zero-padding odd sizes at the bottom/right) in which every window evaluates all 16
  subset sums with a penalty ``pen[u]`` (``0`` for an up-set ``u``,
  ``-inf`` otherwise) and reduces them with a depth-4 tree.  The subsets are visited in
  order of size and a later subset wins only when *strictly* larger, so the arg-max is
  the maximizer of least size, which is the minimal maximizer (the maximizers of a
  modular function on a distributive lattice are closed under intersection).  This
  straight-line form vectorises across windows.
* 2x2 windows, stride 2, value only, for the 16 reference 4-point posets
  (:data:`CLOSED_FORM_COVERS`): each poset's own closed form in nested ReLUs
  ``r(t) = max(0, t)`` (series-parallel posets: a disjoint union adds, an ordinal sum
  ``P`` below ``Q`` gives ``max(f_Q(y), sum y + f_P(x))``, a single point on top gives
  ``r(y + f_P(x))``; the N poset splits on whether its point 2 is in the up-set), 4 to
  7 max and 3 to 6 adds per window instead of 16 subset sums.  One kernel per form
  (:data:`CLOSED_FORM_KERNELS`, compiled on first use and cached), so each window loop
  is straight-line code that vectorises across windows.  Value only: the arg-max (and
  so the tie rule) stays with the first kernel.
* ``k x k`` windows, any stride: the up-sets arrive as a table in order of
  non-decreasing size (row ``u``: ``parent[u]`` = the up-set minus one minimal point,
  ``elem[u]`` = that point, ``bits[u]`` = the up-set bitmask; row 0 = empty set), and
  each up-set sum is its parent's sum plus one input.

Ties are decided on the computed floating-point sums (exact for integer or dyadic
inputs).  The arg-max output holds the bitmask of the chosen up-set.  ``x`` is
``(B, C, H, W)`` C-contiguous float32 or float64 (one specialisation per dtype).  The
forward kernels also return a finiteness probe, ``sum(t - t)`` with ``t = 2 * sum |x_k|``
over each window, which is ``0`` when no sum of window entries can overflow and NaN as
soon as an input is NaN or infinite or a window is too large for the dtype (a subset sum
``inf - inf = NaN`` would otherwise be skipped by the max and give a wrong finite value).  The
backward kernels return ``(grad_in, flag, bits_or)``: ``flag`` is 1 when an upstream
gradient is NaN or infinite and ``bits_or`` the OR of all arg-max bitmasks, so the
caller validates both without extra passes.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from solvers._jit import njit

__all__ = [
    "CLOSED_FORM_COVERS",
    "CLOSED_FORM_KERNELS",
    "pool2x2_backward",
    "pool2x2_closed_form",
    "pool2x2_forward",
    "pool2x2_forward_value",
    "pool_backward",
    "pool_forward",
]


#: The posets with a closed-form kernel, by form id (the reference ``dict_posets`` index),
#: as cover relations ``(i, j)``, ``i`` below ``j``, on the window points
#: ``(x0, x1, x2, x3) = ((r0,c0), (r0,c1), (r1,c0), (r1,c1))``.
CLOSED_FORM_COVERS: tuple[tuple[tuple[int, int], ...], ...] = (
    ((0, 3), (1, 3), (2, 3)),  # 0: r(d + r(a) + r(b) + r(c))
    (),  # 1: antichain, r(a) + r(b) + r(c) + r(d)
    ((0, 1),),  # 2: r(b + r(a)) + r(c) + r(d)
    ((0, 2), (1, 2), (2, 3)),  # 3: r(d + r(c + r(a) + r(b)))
    ((0, 2), (1, 2)),  # 4: r(c + r(a) + r(b)) + r(d)
    ((0, 1), (0, 2)),  # 5: max(r(b) + r(c), b + c + r(a)) + r(d)
    ((0, 1), (2, 3)),  # 6: r(b + r(a)) + r(d + r(c))
    ((0, 1), (1, 2), (1, 3)),  # 7: max(r(c) + r(d), c + d + r(b + r(a)))
    ((0, 1), (1, 2)),  # 8: r(c + r(b + r(a))) + r(d)
    ((0, 1), (0, 2), (0, 3)),  # 9: max(r(b) + r(c) + r(d), b + c + d + r(a))
    ((0, 1), (0, 2), (2, 3)),  # 10: max(r(b) + r(d + r(c)), b + c + d + r(a))
    ((0, 2), (0, 3), (1, 2), (1, 3)),  # 11: max(r(c) + r(d), c + d + r(a) + r(b))
    ((0, 1), (2, 1), (2, 3)),  # 12: N, max(r(b + r(a)) + r(d), b + c + d + r(a))
    ((0, 1), (1, 2), (2, 3)),  # 13: chain, r(d + r(c + r(b + r(a))))
    ((0, 1), (0, 2), (1, 3), (2, 3)),  # 14: diamond, r(d + max(r(b) + r(c), b + c + r(a)))
    ((0, 2), (2, 3), (1, 3)),  # 15: r(d + r(c + r(a)) + r(b))
)


# The closed forms f_P(a, b, c, d) of the reference posets (one function per form, so
# each kernel below compiles, caches and vectorises on its own); z is +0.0 of the input
# dtype and comes first in every max, so an empty best up-set gives +0.0.
def _f0(a, b, c, d, z):  # noqa: ANN001
    return max(z, d + ((max(z, a) + max(z, b)) + max(z, c)))


def _f1(a, b, c, d, z):  # noqa: ANN001
    return (max(z, a) + max(z, b)) + (max(z, c) + max(z, d))


def _f2(a, b, c, d, z):  # noqa: ANN001
    return max(z, b + max(z, a)) + (max(z, c) + max(z, d))


def _f3(a, b, c, d, z):  # noqa: ANN001
    return max(z, d + max(z, c + (max(z, a) + max(z, b))))


def _f4(a, b, c, d, z):  # noqa: ANN001
    return max(z, c + (max(z, a) + max(z, b))) + max(z, d)


def _f5(a, b, c, d, z):  # noqa: ANN001
    return max(max(z, b) + max(z, c), (b + c) + max(z, a)) + max(z, d)


def _f6(a, b, c, d, z):  # noqa: ANN001
    return max(z, b + max(z, a)) + max(z, d + max(z, c))


def _f7(a, b, c, d, z):  # noqa: ANN001
    return max(max(z, c) + max(z, d), (c + d) + max(z, b + max(z, a)))


def _f8(a, b, c, d, z):  # noqa: ANN001
    return max(z, c + max(z, b + max(z, a))) + max(z, d)


def _f9(a, b, c, d, z):  # noqa: ANN001
    return max((max(z, b) + max(z, c)) + max(z, d), (b + c) + (d + max(z, a)))


def _f10(a, b, c, d, z):  # noqa: ANN001
    return max(max(z, b) + max(z, d + max(z, c)), (b + c) + (d + max(z, a)))


def _f11(a, b, c, d, z):  # noqa: ANN001
    return max(max(z, c) + max(z, d), (c + d) + (max(z, a) + max(z, b)))


def _f12(a, b, c, d, z):  # noqa: ANN001
    ra = max(z, a)  # N: 2 not in U (then U is an up-set of 0 < 1 plus 3) or 2 in U (1, 3 too)
    return max(max(z, b + ra) + max(z, d), (b + c) + (d + ra))


def _f13(a, b, c, d, z):  # noqa: ANN001
    return max(z, d + max(z, c + max(z, b + max(z, a))))


def _f14(a, b, c, d, z):  # noqa: ANN001
    return max(z, d + max(max(z, b) + max(z, c), (b + c) + max(z, a)))


def _f15(a, b, c, d, z):  # noqa: ANN001
    return max(z, (d + max(z, c + max(z, a))) + max(z, b))


_WINDOW_FORMS = (_f0, _f1, _f2, _f3, _f4, _f5, _f6, _f7, _f8, _f9, _f10, _f11, _f12, _f13, _f14, _f15)
_f0_jit = njit(_f0)
_f1_jit = njit(_f1)
_f2_jit = njit(_f2)
_f3_jit = njit(_f3)
_f4_jit = njit(_f4)
_f5_jit = njit(_f5)
_f6_jit = njit(_f6)
_f7_jit = njit(_f7)
_f8_jit = njit(_f8)
_f9_jit = njit(_f9)
_f10_jit = njit(_f10)
_f11_jit = njit(_f11)
_f12_jit = njit(_f12)
_f13_jit = njit(_f13)
_f14_jit = njit(_f14)
_f15_jit = njit(_f15)


def _better(v1, a1, v2, a2):  # noqa: ANN001
    # the right operand wins only when strictly larger: an ordered "first maximizer"
    gt = v2 > v1
    return (v2 if gt else v1), (a2 if gt else a1)


_better_jit = njit(inline="always")(_better)


def _window_arg(a, b, c, d, p):  # noqa: ANN001
    # all 16 subset sums of one window, in order of size; p[u] is 0 for an up-set u and
    # -inf otherwise; a balanced tree of ordered "first maximizer" steps (depth 4)
    z = a - a  # +0.0 of the input dtype (0.0 * a would give -0.0 for a < 0)
    ab = a + b
    cd = c + d
    v0, a0 = _better_jit(z, 0, a + p[1], 1)
    v1, a1 = _better_jit(b + p[2], 2, c + p[4], 4)
    v2, a2 = _better_jit(d + p[8], 8, ab + p[3], 3)
    v3, a3 = _better_jit((a + c) + p[5], 5, (b + c) + p[6], 6)
    v4, a4 = _better_jit((a + d) + p[9], 9, (b + d) + p[10], 10)
    v5, a5 = _better_jit(cd + p[12], 12, (ab + c) + p[7], 7)
    v6, a6 = _better_jit((ab + d) + p[11], 11, (a + cd) + p[13], 13)
    v7, a7 = _better_jit((b + cd) + p[14], 14, (ab + cd) + p[15], 15)
    v0, a0 = _better_jit(v0, a0, v1, a1)
    v2, a2 = _better_jit(v2, a2, v3, a3)
    v4, a4 = _better_jit(v4, a4, v5, a5)
    v6, a6 = _better_jit(v6, a6, v7, a7)
    v0, a0 = _better_jit(v0, a0, v2, a2)
    v4, a4 = _better_jit(v4, a4, v6, a6)
    return _better_jit(v0, a0, v4, a4)


_window_arg_jit = njit(inline="always")(_window_arg)


def _window_value(a, b, c, d, p):  # noqa: ANN001
    z = a - a  # +0.0 of the input dtype (0.0 * a would give -0.0 for a < 0)
    ab = a + b
    cd = c + d
    m1 = max(max(z, a + p[1]), max(b + p[2], c + p[4]))
    m2 = max(max(d + p[8], ab + p[3]), max((a + c) + p[5], (b + c) + p[6]))
    m3 = max(max((a + d) + p[9], (b + d) + p[10]), max(cd + p[12], (ab + c) + p[7]))
    m4 = max(max((ab + d) + p[11], (a + cd) + p[13]), max((b + cd) + p[14], (ab + cd) + p[15]))
    return max(max(m1, m2), max(m3, m4))


_window_value_jit = njit(inline="always")(_window_value)


def _row_arg(r0, r1, p, out, arg, probe, n):  # noqa: ANN001
    for j in range(n):
        a = r0[2 * j]
        b = r0[2 * j + 1]
        c = r1[2 * j]
        d = r1[2 * j + 1]
        v, u = _window_arg_jit(a, b, c, d, p)
        out[j] = v
        arg[j] = u
        t = (abs(a) + abs(b)) + (abs(c) + abs(d))
        t = t + t
        probe[j] += t - t


_row_arg_jit = njit(inline="always")(_row_arg)


def _pool2x2_forward(
    x: NDArray[np.floating], pen: NDArray[np.floating]
) -> tuple[NDArray[np.floating], NDArray[np.int32], float]:
    B, C, H, W = x.shape
    Ho = (H + 1) // 2
    Wo = (W + 1) // 2
    We = W // 2
    p = (pen[0], pen[1], pen[2], pen[3], pen[4], pen[5], pen[6], pen[7],
         pen[8], pen[9], pen[10], pen[11], pen[12], pen[13], pen[14], pen[15])
    out = np.empty((B, C, Ho, Wo), dtype=x.dtype)
    arg = np.empty((B, C, Ho, Wo), dtype=np.int32)
    zrow = np.zeros(W, dtype=x.dtype)  # the zero padding
    zero = zrow[0]
    probe = np.zeros(Wo, dtype=x.dtype)
    for b in range(B):
        for c in range(C):
            for i in range(Ho):
                r0 = x[b, c, 2 * i]
                r1 = x[b, c, 2 * i + 1] if 2 * i + 1 < H else zrow
                _row_arg_jit(r0, r1, p, out[b, c, i], arg[b, c, i], probe, We)
                if W % 2 == 1:
                    a = r0[W - 1]
                    cc = r1[W - 1]
                    v, u = _window_arg_jit(a, zero, cc, zero, p)
                    out[b, c, i, We] = v
                    arg[b, c, i, We] = u
                    t = abs(a) + abs(cc)
                    t = t + t
                    probe[We] += t - t
    return out, arg, float(probe.sum())


pool2x2_forward = njit(_pool2x2_forward)


def _row_closed(win, r0, r1, o, probe, n, z):  # noqa: ANN001
    # one output row of the value-only 2x2 forward: o[j] = win(window j, z) for the n full
    # windows of rows r0, r1 (z: the zero of the closed forms, or the penalty tuple)
    for j in range(n):
        a0 = r0[2 * j]
        a1 = r0[2 * j + 1]
        a2 = r1[2 * j]
        a3 = r1[2 * j + 1]
        o[j] = win(a0, a1, a2, a3, z)
        t = (abs(a0) + abs(a1)) + (abs(a2) + abs(a3))
        t = t + t
        probe[j] += t - t


_row_closed_jit = njit(inline="always")(_row_closed)


def _pool2x2_forward_value(
    x: NDArray[np.floating], pen: NDArray[np.floating]
) -> tuple[NDArray[np.floating], float]:
    B, C, H, W = x.shape
    Ho = (H + 1) // 2
    Wo = (W + 1) // 2
    We = W // 2
    p = (pen[0], pen[1], pen[2], pen[3], pen[4], pen[5], pen[6], pen[7],
         pen[8], pen[9], pen[10], pen[11], pen[12], pen[13], pen[14], pen[15])
    out = np.empty((B, C, Ho, Wo), dtype=x.dtype)
    zrow = np.zeros(W, dtype=x.dtype)
    zero = zrow[0]
    probe = np.zeros(Wo, dtype=x.dtype)
    for b in range(B):
        for c in range(C):
            for i in range(Ho):
                r0 = x[b, c, 2 * i]
                r1 = x[b, c, 2 * i + 1] if 2 * i + 1 < H else zrow
                _row_closed_jit(_window_value_jit, r0, r1, out[b, c, i], probe, We, p)
                if W % 2 == 1:
                    a = r0[W - 1]
                    cc = r1[W - 1]
                    out[b, c, i, We] = _window_value_jit(a, zero, cc, zero, p)
                    t = abs(a) + abs(cc)
                    t = t + t
                    probe[We] += t - t
    return out, float(probe.sum())


pool2x2_forward_value = njit(_pool2x2_forward_value)


def _pool_closed(x, win, row):  # noqa: ANN001
    # the value-only 2x2 / stride-2 forward with the window function ``win`` and the row
    # loop ``row`` (_row_closed); inlined into one kernel per form, where ``win`` is that
    # form's (global) function, so the window loop is straight-line code that vectorises
    # across windows.  Called with the plain functions it is the kernels' Python body.
    B, C, H, W = x.shape
    Ho = (H + 1) // 2
    He = H // 2
    We = W // 2
    out = np.empty((B, C, Ho, (W + 1) // 2), dtype=x.dtype)
    zrow = np.zeros(W, dtype=x.dtype)  # the zero padding
    z = zrow[0]
    probe = np.zeros((W + 1) // 2, dtype=x.dtype)
    for b in range(B):
        for c in range(C):
            for i in range(He):
                row(win, x[b, c, 2 * i], x[b, c, 2 * i + 1], out[b, c, i], probe, We, z)
            if H % 2 == 1:  # the last row pairs with the zero padding
                row(win, x[b, c, H - 1], zrow, out[b, c, He], probe, We, z)
            if W % 2 == 1:  # the last column pairs with the zero padding
                for i in range(Ho):
                    a0 = x[b, c, 2 * i, W - 1]
                    a2 = x[b, c, 2 * i + 1, W - 1] if i < He else z
                    out[b, c, i, We] = win(a0, z, a2, z, z)
                    t = abs(a0) + abs(a2)
                    t = t + t
                    probe[We] += t - t
    return out, float(probe.sum())


_pool_closed_jit = njit(inline="always")(_pool_closed)


def _closed0(x):  # noqa: ANN001
    return _pool_closed_jit(x, _f0_jit, _row_closed_jit)


def _closed1(x):  # noqa: ANN001
    return _pool_closed_jit(x, _f1_jit, _row_closed_jit)


def _closed2(x):  # noqa: ANN001
    return _pool_closed_jit(x, _f2_jit, _row_closed_jit)


def _closed3(x):  # noqa: ANN001
    return _pool_closed_jit(x, _f3_jit, _row_closed_jit)


def _closed4(x):  # noqa: ANN001
    return _pool_closed_jit(x, _f4_jit, _row_closed_jit)


def _closed5(x):  # noqa: ANN001
    return _pool_closed_jit(x, _f5_jit, _row_closed_jit)


def _closed6(x):  # noqa: ANN001
    return _pool_closed_jit(x, _f6_jit, _row_closed_jit)


def _closed7(x):  # noqa: ANN001
    return _pool_closed_jit(x, _f7_jit, _row_closed_jit)


def _closed8(x):  # noqa: ANN001
    return _pool_closed_jit(x, _f8_jit, _row_closed_jit)


def _closed9(x):  # noqa: ANN001
    return _pool_closed_jit(x, _f9_jit, _row_closed_jit)


def _closed10(x):  # noqa: ANN001
    return _pool_closed_jit(x, _f10_jit, _row_closed_jit)


def _closed11(x):  # noqa: ANN001
    return _pool_closed_jit(x, _f11_jit, _row_closed_jit)


def _closed12(x):  # noqa: ANN001
    return _pool_closed_jit(x, _f12_jit, _row_closed_jit)


def _closed13(x):  # noqa: ANN001
    return _pool_closed_jit(x, _f13_jit, _row_closed_jit)


def _closed14(x):  # noqa: ANN001
    return _pool_closed_jit(x, _f14_jit, _row_closed_jit)


def _closed15(x):  # noqa: ANN001
    return _pool_closed_jit(x, _f15_jit, _row_closed_jit)


#: One compiled kernel per closed form (compiled on first use, cached on disk):
#: ``CLOSED_FORM_KERNELS[form](x) -> (out, probe)``.
CLOSED_FORM_KERNELS = (
    njit(_closed0),
    njit(_closed1),
    njit(_closed2),
    njit(_closed3),
    njit(_closed4),
    njit(_closed5),
    njit(_closed6),
    njit(_closed7),
    njit(_closed8),
    njit(_closed9),
    njit(_closed10),
    njit(_closed11),
    njit(_closed12),
    njit(_closed13),
    njit(_closed14),
    njit(_closed15),
)


def pool2x2_closed_form(x: NDArray[np.floating], form: int) -> tuple[NDArray[np.floating], float]:
    """Value-only 2x2 / stride-2 poset pooling of ``x`` for the poset ``CLOSED_FORM_COVERS[form]``.

    Returns ``(out, probe)`` like the other forward kernels (``probe`` is ``0`` unless an
    input is NaN/infinite or a window sum could overflow).  ``x`` is ``(B, C, H, W)``
    C-contiguous float32 or float64; odd sizes are zero-padded at the bottom/right.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[[[-1.0, 2.0], [3.0, -4.0]]]])
    >>> pool2x2_closed_form(x, 13)  # chain 0<1<2<3: r(d + r(c + r(b + r(a))))
    (array([[[[1.]]]]), 0.0)
    >>> pool2x2_closed_form(x, 1)[0]  # antichain: sum of positive parts
    array([[[[5.]]]])
    """
    return CLOSED_FORM_KERNELS[form](x)


def _pool2x2_backward(
    grad_out: NDArray[np.floating], arg: NDArray[np.int32], H: int, W: int
) -> tuple[NDArray[np.floating], int, int]:
    # also returns a flag (1 if some grad_out entry is NaN/inf) and the OR of all arg-max
    # bitmasks (the caller checks it lies in [0, 16)), both reduced inside the loops
    B, C = grad_out.shape[0], grad_out.shape[1]
    g_in = np.empty((B, C, H, W), dtype=grad_out.dtype)
    He = H // 2
    We = W // 2
    zero = 0.0
    flag = 0
    orb = 0
    for b in range(B):
        for c in range(C):
            for i in range((H + 1) // 2):
                gg = grad_out[b, c, i]
                ag = arg[b, c, i]
                r0 = g_in[b, c, 2 * i]
                if i < He:
                    r1 = g_in[b, c, 2 * i + 1]
                    for j in range(We):
                        u = ag[j]
                        g = gg[j]
                        r0[2 * j] = g if (u & 1) else zero
                        r0[2 * j + 1] = g if (u & 2) else zero
                        r1[2 * j] = g if (u & 4) else zero
                        r1[2 * j + 1] = g if (u & 8) else zero
                        flag |= int((g - g) != 0.0)
                        orb |= u
                    if W % 2 == 1:
                        u = ag[We]
                        g = gg[We]
                        r0[W - 1] = g if (u & 1) else zero
                        r1[W - 1] = g if (u & 4) else zero
                        flag |= int((g - g) != 0.0)
                        orb |= u
                else:
                    for j in range((W + 1) // 2):
                        u = ag[j]
                        g = gg[j]
                        r0[2 * j] = g if (u & 1) else zero
                        if 2 * j + 1 < W:
                            r0[2 * j + 1] = g if (u & 2) else zero
                        flag |= int((g - g) != 0.0)
                        orb |= u
    return g_in, flag, int(orb)


pool2x2_backward = njit(_pool2x2_backward)


def _pool_forward(
    x: NDArray[np.floating],
    parent: NDArray[np.int64],
    elem: NDArray[np.int64],
    bits: NDArray[np.int64],
    k: int,
    stride: int,
    Ho: int,
    Wo: int,
) -> tuple[NDArray[np.floating], NDArray[np.int64], float]:
    B, C, H, W = x.shape
    m = parent.shape[0]
    n = k * k
    out = np.empty((B, C, Ho, Wo), dtype=x.dtype)
    arg = np.empty((B, C, Ho, Wo), dtype=np.int64)
    xw = np.zeros(n, dtype=x.dtype)
    sums = np.zeros(m, dtype=x.dtype)
    chk = 0.0
    for b in range(B):
        for c in range(C):
            for r in range(H):
                for q in range(W):
                    v = x[b, c, r, q]
                    chk += v - v
            for i in range(Ho):
                for j in range(Wo):
                    for t in range(n):
                        r = i * stride + t // k
                        q = j * stride + t % k
                        xw[t] = x[b, c, r, q] if (r < H and q < W) else 0.0
                    best = sums[0]
                    barg = 0
                    for u in range(1, m):
                        s = sums[parent[u]] + xw[elem[u]]
                        sums[u] = s
                        if s > best:
                            best = s
                            barg = bits[u]
                    out[b, c, i, j] = best
                    arg[b, c, i, j] = barg
    return out, arg, chk


pool_forward = njit(_pool_forward)


def _pool_backward(
    grad_out: NDArray[np.floating],
    arg: NDArray[np.int64],
    k: int,
    stride: int,
    H: int,
    W: int,
) -> tuple[NDArray[np.floating], int, int]:
    B, C, Ho, Wo = grad_out.shape
    n = k * k
    g_in = np.zeros((B, C, H, W), dtype=grad_out.dtype)
    flag = 0
    orb = np.int64(0)
    for b in range(B):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    u = arg[b, c, i, j]
                    g = grad_out[b, c, i, j]
                    flag |= int((g - g) != 0.0)
                    orb |= u
                    for t in range(n):
                        if (u >> t) & 1:
                            r = i * stride + t // k
                            q = j * stride + t % k
                            if r < H and q < W:
                                g_in[b, c, r, q] += g
    return g_in, flag, int(orb)


pool_backward = njit(_pool_backward)
